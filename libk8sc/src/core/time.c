#include "internal.h"

#include <stdio.h>
#include <string.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int k8sc_time_format(char *buf, size_t size, int64_t unix_sec)
{
    K8SC__CHECK_ARG(buf && size >= 21);
    int64_t days = unix_sec / 86400, secs = unix_sec % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return k8sc_error_set(K8SC_EINVAL, "time %lld is outside years 0-9999", (long long)unix_sec);
    snprintf(buf, size, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d,
        (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    return 0;
}

/* Reads exactly `n` digits at *p. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static int bad_time(const char *text, const char *at, const char *what)
{
    return k8sc_error_set(K8SC_EINVAL, "parsing time \"%s\": at position %zu: %s",
        text, (size_t)(at - text) + 1, what);
}

int k8sc_time_parse(int64_t *out, const char *text)
{
    K8SC__CHECK_ARG(out && text);
    const char *p = text;
    int year, mon, day, hour, min, sec;
    if (!digits(&p, 4, &year)) return bad_time(text, p, "expected a 4-digit year");
    if (*p++ != '-') return bad_time(text, p - 1, "expected '-'");
    if (!digits(&p, 2, &mon) || mon < 1 || mon > 12) return bad_time(text, p, "month out of range");
    if (*p++ != '-') return bad_time(text, p - 1, "expected '-'");
    if (!digits(&p, 2, &day) || day < 1 || day > 31) return bad_time(text, p, "day out of range");
    if (*p != 'T' && *p != 't') return bad_time(text, p, "expected 'T'");
    p++;
    if (!digits(&p, 2, &hour) || hour > 23) return bad_time(text, p, "hour out of range");
    if (*p++ != ':') return bad_time(text, p - 1, "expected ':'");
    if (!digits(&p, 2, &min) || min > 59) return bad_time(text, p, "minute out of range");
    if (*p++ != ':') return bad_time(text, p - 1, "expected ':'");
    if (!digits(&p, 2, &sec) || sec > 60) return bad_time(text, p, "second out of range");
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') return bad_time(text, p, "expected fractional seconds");
        while (*p >= '0' && *p <= '9') p++;
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        p++;
        if (!digits(&p, 2, &oh) || oh > 23) return bad_time(text, p, "offset hour out of range");
        if (*p++ != ':') return bad_time(text, p - 1, "expected ':' in offset");
        if (!digits(&p, 2, &om) || om > 59) return bad_time(text, p, "offset minute out of range");
        offset = sign * (oh * 3600 + om * 60);
    } else {
        return bad_time(text, p, "expected 'Z' or a numeric offset");
    }
    if (*p) return bad_time(text, p, "extra text after time");
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > mdays[mon - 1] || (mon == 2 && day == 29 && !leap))
        return bad_time(text, text + 8, "day out of range");
    *out = days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hour * 3600 + min * 60 + sec - offset;
    return 0;
}

/* duration.HumanDuration of apimachinery: the AGE column of kubectl and the API server's Tables. */
void k8sc__human_duration(char *buf, size_t size, int64_t s)
{
    long long sec = (long long)s;
    if (sec < -1) {
        snprintf(buf, size, "<invalid>");
        return;
    }
    if (sec < 0) {
        snprintf(buf, size, "0s");
        return;
    }
    if (sec < 120) {
        snprintf(buf, size, "%llds", sec);
        return;
    }
    long long minutes = sec / 60;
    if (minutes < 10) {
        if (sec % 60 == 0)
            snprintf(buf, size, "%lldm", minutes);
        else
            snprintf(buf, size, "%lldm%llds", minutes, sec % 60);
        return;
    }
    if (minutes < 180) {
        snprintf(buf, size, "%lldm", minutes);
        return;
    }
    long long hours = sec / 3600;
    if (hours < 8) {
        if (minutes % 60 == 0)
            snprintf(buf, size, "%lldh", hours);
        else
            snprintf(buf, size, "%lldh%lldm", hours, minutes % 60);
    } else if (hours < 48) {
        snprintf(buf, size, "%lldh", hours);
    } else if (hours < 24 * 8) {
        if (hours % 24 == 0)
            snprintf(buf, size, "%lldd", hours / 24);
        else
            snprintf(buf, size, "%lldd%lldh", hours / 24, hours % 24);
    } else if (hours < 24 * 365 * 2) {
        snprintf(buf, size, "%lldd", hours / 24);
    } else if (hours < 24 * 365 * 8) {
        long long days = hours / 24;
        if (days % 365 == 0)
            snprintf(buf, size, "%lldy", days / 365);
        else
            snprintf(buf, size, "%lldy%lldd", days / 365, days % 365);
    } else {
        snprintf(buf, size, "%lldy", hours / 24 / 365);
    }
}
