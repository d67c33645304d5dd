/* Internals of the CronJob schedule code (cron.c, cron_parse.c, tz.c). */
#ifndef K8SC_OBJECT_CRON_INTERNAL_H
#define K8SC_OBJECT_CRON_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/* Go's time.Time range ends, used as open period bounds. */
#define K8SC__TZ_ALPHA INT64_MIN
#define K8SC__TZ_OMEGA INT64_MAX

/*
 * A time zone as Go's time.Location holds it: the transitions of a TZif
 * file and the POSIX TZ rule of its footer for later times. A zone with no
 * types is UTC.
 */
typedef struct k8sc__tz k8sc__tz;

/*
 * Load `name` from the TZif file `dir`/`name` (the name must already be
 * checked to stay inside `dir`). Errors: EINVAL "unknown time zone NAME"
 * for a missing or unreadable file, "malformed time zone information" for
 * a broken one; ENOMEM.
 */
int k8sc__tz_load(k8sc__tz **out, const char *dir, const char *name);

/* UTC under `name` (copied). NULL with ENOMEM recorded. */
k8sc__tz *k8sc__tz_utc(const char *name);

void k8sc__tz_free(k8sc__tz *tz);

/* The zone's name; borrowed. */
const char *k8sc__tz_name(const k8sc__tz *tz);

/*
 * Go's Location.lookup: the UTC offset in effect at `sec` and the period
 * [*start, *end) known to have it (start or end may be ALPHA/OMEGA).
 */
int32_t k8sc__tz_lookup(const k8sc__tz *tz, int64_t sec, int64_t *start, int64_t *end);

/* Broken-down local wall time, as Go's Time methods report it. */
typedef struct k8sc__civil {
    int64_t year;
    int month;   /* 1-12 */
    int day;     /* 1-31 */
    int hour, minute, second;
    int weekday; /* 0 = Sunday */
} k8sc__civil;

/* Days since 1970-01-01 of a proleptic Gregorian date; month and day may overflow. */
int64_t k8sc__days_from_civil(int64_t year, int64_t month, int64_t day);

/* `sec` in the wall time of `tz`. */
void k8sc__tz_civil(k8sc__civil *out, const k8sc__tz *tz, int64_t sec);

/*
 * Go's time.Date: the instant of a local wall time, fields normalised
 * (month 13 is next January, day 0 the previous month's last). A time in a
 * spring-forward gap or a fall-back overlap resolves as Go's does.
 */
int64_t k8sc__tz_date(const k8sc__tz *tz, int64_t year, int64_t month, int64_t day, int64_t hour,
                      int64_t minute, int64_t second);

bool k8sc__is_leap(int64_t year);

/* robfig's star bit: the field was written with `*` or `?` (no step above 1). */
#define K8SC__CRON_STAR (UINT64_C(1) << 63)

/* A schedule: robfig's SpecSchedule bit sets, or a ConstantDelaySchedule. */
struct k8sc_cron {
    k8sc__tz *tz;
    bool every;
    int64_t delay; /* seconds, for @every */
    uint64_t second, minute, hour, dom, month, dow;
};

#endif
