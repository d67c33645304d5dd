/*
 * CronJob schedules on arbitrary input. The first byte picks a time zone
 * and whether a TZ= prefix is allowed, the second a start time; the rest
 * is the schedule. Whatever parses must give times strictly after the
 * start, the same ones twice, and a most-recent-schedule answer that
 * brackets now.
 */
#include <k8sc/k8sc.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const zones[] = {
    NULL, "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "America/Sao_Paulo",
    "Europe/Dublin", "Etc/GMT-14",
};

/* 2026-01-01T00:00:00Z, 2018-10-30T00:00:00Z, and the ends of the supported range. */
static const int64_t anchors[] = { INT64_C(1767225600), INT64_C(1540857600), INT64_C(-62135596800),
                                   INT64_C(253402300799) - 86400 * 400 };

static void check(const k8sc_cron *c, int64_t start)
{
    int64_t t = start;
    for (int i = 0; i < 3; i++) {
        int64_t n = 0, again = 0;
        int rc = k8sc_cron_next(&n, c, t);
        if (rc != 0) {
            if ((rc != K8SC_ENOTFOUND && rc != K8SC_EINVAL) || k8sc_error_last()[0] == '\0')
                abort();
            return;
        }
        if (n <= t || k8sc_cron_next(&again, c, t) != 0 || again != n)
            abort();
        t = n;
    }
}

static void check_most_recent(const k8sc_cron *c, int64_t earliest, int64_t now, int64_t deadline)
{
    k8sc_cron_schedule_times r;
    if (k8sc_cron_most_recent(&r, c, earliest, now, deadline) != 0) {
        if (k8sc_error_last()[0] == '\0')
            abort();
        return;
    }
    if (r.earliest < earliest || r.earliest > now)
        abort();
    if (r.has_most_recent && (r.most_recent <= r.earliest || r.most_recent > now || r.next <= now))
        abort();
    if (r.missed < 0 || (r.missed_kind == K8SC_CRON_MANY_MISSED) != (r.missed > 100))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    k8sc_cron_options o = K8SC_CRON_OPTIONS_INIT;
    o.time_zone = zones[data[0] % (sizeof(zones) / sizeof(zones[0]))];
    o.allow_tz_in_schedule = (data[0] & 0x80) != 0;
    int64_t start = anchors[data[1] % 4] + (int64_t)(data[1] >> 2) * 37 * 3600 + data[0];
    char *spec = malloc(size - 1);
    if (!spec)
        return 0;
    memcpy(spec, data + 2, size - 2);
    spec[size - 2] = '\0';
    k8sc_cron *c = NULL;
    if (k8sc_cron_parse(&c, spec, &o) != 0) {
        if (c || k8sc_error_last()[0] == '\0')
            abort();
        free(spec);
        return 0;
    }
    if (!k8sc_cron_time_zone(c))
        abort();
    check(c, start);
    check_most_recent(c, start, start + (int64_t)(data[1] & 0x3f) * 4000, (data[0] & 1) ? -1 : 600);
    k8sc_cron_free(c);
    free(spec);
    return 0;
}
