/*
 * Time zones for schedules: a reader of TZif files (RFC 8536) and the
 * zone lookup and wall-time arithmetic of Go's time package, which the
 * CronJob controller's schedules are defined by. Nothing here touches the
 * process's TZ or localtime(), so it is thread-safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cron_internal.h"
#include "internal.h"

#define SECONDS_PER_DAY 86400
#define SECONDS_PER_HOUR 3600
/* Go refuses zoneinfo files larger than this (readFile's limit). */
#define TZ_MAX_FILE (10 << 20)

typedef struct {
    int32_t offset;
    bool is_dst;
} tz_type;

typedef struct {
    int64_t when;
    uint8_t index;
} tz_trans;

typedef enum { RULE_JULIAN, RULE_DOY, RULE_MONTH_WEEK_DAY } rule_kind;

typedef struct {
    rule_kind kind;
    int day, week, mon;
    int time; /* seconds after local midnight */
} tz_rule;

/* A parsed POSIX TZ string ("EST5EDT,M3.2.0,M11.1.0"). */
typedef struct {
    int std_offset, dst_offset; /* seconds east of UTC */
    bool has_dst;
    tz_rule start, end;
} tz_posix;

struct k8sc__tz {
    char *name;
    tz_type *types;
    size_t ntypes;
    tz_trans *tx;
    size_t ntx;
    bool has_extend;
    tz_posix extend;
};

bool k8sc__is_leap(int64_t year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t k8sc__days_from_civil(int64_t year, int64_t month, int64_t day)
{
    /* Normalise the month into the year as time.Date does; the day adds linearly. */
    int64_t m0 = month - 1;
    year += floor_div(m0, 12);
    month = m0 - floor_div(m0, 12) * 12 + 1;
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 + day - 1;
}

static void civil_from_days(int64_t days, k8sc__civil *c)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    c->year = yoe + era * 400 + (m <= 2);
    c->month = (int)m;
    c->day = (int)d;
    /* 1970-01-01 was a Thursday. */
    int64_t wd = (days + 4) % 7;
    c->weekday = (int)(wd < 0 ? wd + 7 : wd);
}

/* POSIX TZ strings, as Go's tzset parses them. */

static const char *posix_name(const char *s)
{
    if (*s == '<') {
        const char *gt = strchr(s, '>');
        return gt ? gt + 1 : NULL;
    }
    size_t i = 0;
    while (s[i] && !strchr("0123456789,-+", s[i]))
        i++;
    return i < 3 ? NULL : s + i;
}

static const char *posix_num(const char *s, int min, int max, int *out)
{
    int num = 0;
    size_t i = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        num = num * 10 + (s[i] - '0');
        if (num > max)
            return NULL;
    }
    if (i == 0 || num < min)
        return NULL;
    *out = num;
    return s + i;
}

static const char *posix_offset(const char *s, int *out)
{
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    int hours, mins = 0, secs = 0;
    /* tzcode permits up to a week here, although POSIX does not. */
    if (!(s = posix_num(s, 0, 24 * 7, &hours)))
        return NULL;
    if (*s == ':') {
        if (!(s = posix_num(s + 1, 0, 59, &mins)))
            return NULL;
        if (*s == ':' && !(s = posix_num(s + 1, 0, 59, &secs)))
            return NULL;
    }
    int off = hours * SECONDS_PER_HOUR + mins * 60 + secs;
    *out = neg ? -off : off;
    return s;
}

static const char *posix_rule(const char *s, tz_rule *r)
{
    memset(r, 0, sizeof(*r));
    if (*s == 'J') {
        r->kind = RULE_JULIAN;
        if (!(s = posix_num(s + 1, 1, 365, &r->day)))
            return NULL;
    } else if (*s == 'M') {
        r->kind = RULE_MONTH_WEEK_DAY;
        if (!(s = posix_num(s + 1, 1, 12, &r->mon)) || *s != '.' || !(s = posix_num(s + 1, 1, 5, &r->week)) ||
            *s != '.' || !(s = posix_num(s + 1, 0, 6, &r->day)))
            return NULL;
    } else {
        r->kind = RULE_DOY;
        if (!(s = posix_num(s, 0, 365, &r->day)))
            return NULL;
    }
    if (*s != '/') {
        r->time = 2 * SECONDS_PER_HOUR;
        return s;
    }
    return posix_offset(s + 1, &r->time);
}

static bool posix_parse(const char *s, tz_posix *p)
{
    memset(p, 0, sizeof(*p));
    if (!*s || !(s = posix_name(s)) || !*s || !(s = posix_offset(s, &p->std_offset)))
        return false;
    /* POSIX offsets are west of UTC; ours are east. */
    p->std_offset = -p->std_offset;
    if (!*s || *s == ',')
        return true;
    if (!(s = posix_name(s)))
        return false;
    if (!*s || *s == ',') {
        p->dst_offset = p->std_offset + SECONDS_PER_HOUR;
    } else {
        if (!(s = posix_offset(s, &p->dst_offset)))
            return false;
        p->dst_offset = -p->dst_offset;
    }
    if (!*s)
        s = ",M3.2.0,M11.1.0"; /* tzcode's default rules */
    if (*s != ',' && *s != ';')
        return false;
    if (!(s = posix_rule(s + 1, &p->start)) || *s != ',' || !(s = posix_rule(s + 1, &p->end)) || *s)
        return false;
    p->has_dst = true;
    return true;
}

static const int days_before[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365 };

static int days_in(int mon, int64_t year)
{
    if (mon == 2 && k8sc__is_leap(year))
        return 29;
    return days_before[mon] - days_before[mon - 1];
}

/* Go's tzruleTime: seconds after the start of `year` (UTC) at which the rule fires. */
static int64_t rule_time(int64_t year, const tz_rule *r, int off)
{
    int64_t s = 0;
    switch (r->kind) {
    case RULE_JULIAN:
        s = (int64_t)(r->day - 1) * SECONDS_PER_DAY;
        if (k8sc__is_leap(year) && r->day >= 60)
            s += SECONDS_PER_DAY;
        break;
    case RULE_DOY:
        s = (int64_t)r->day * SECONDS_PER_DAY;
        break;
    case RULE_MONTH_WEEK_DAY: {
        /* Zeller's congruence: the weekday of the first of the month. */
        int64_t m1 = (r->mon + 9) % 12 + 1;
        int64_t yy0 = r->mon <= 2 ? year - 1 : year;
        int64_t yy1 = yy0 / 100, yy2 = yy0 % 100;
        int64_t dow = ((26 * m1 - 2) / 10 + 1 + yy2 + yy2 / 4 + yy1 / 4 - 2 * yy1) % 7;
        if (dow < 0)
            dow += 7;
        int64_t d = r->day - dow;
        if (d < 0)
            d += 7;
        for (int i = 1; i < r->week; i++) {
            if (d + 7 >= days_in(r->mon, year))
                break;
            d += 7;
        }
        d += days_before[r->mon - 1];
        if (k8sc__is_leap(year) && r->mon > 2)
            d++;
        s = d * SECONDS_PER_DAY;
        break;
    }
    }
    return s + r->time - off;
}

/* Go's tzset: the offset at `sec` under the footer rule after the last transition. */
static int32_t posix_lookup(const tz_posix *p, int64_t last_tx, int64_t sec, int64_t *start, int64_t *end)
{
    if (!p->has_dst) {
        *start = last_tx;
        *end = K8SC__TZ_OMEGA;
        return p->std_offset;
    }
    k8sc__civil c;
    civil_from_days(floor_div(sec, SECONDS_PER_DAY), &c);
    int64_t yday = k8sc__days_from_civil(c.year, c.month, c.day) - k8sc__days_from_civil(c.year, 1, 1);
    /* Go computes this with a truncating remainder; kept for the same result before 1970. */
    int64_t ysec = yday * SECONDS_PER_DAY + sec % SECONDS_PER_DAY;
    int64_t ystart = sec - ysec;
    int64_t start_sec = rule_time(c.year, &p->start, p->std_offset);
    int64_t end_sec = rule_time(c.year, &p->end, p->dst_offset);
    int32_t std = p->std_offset, dst = p->dst_offset;
    if (end_sec < start_sec) {
        /* Southern hemisphere: the "DST" period is the one that wraps the year. */
        int64_t t = start_sec;
        start_sec = end_sec;
        end_sec = t;
        std = p->dst_offset;
        dst = p->std_offset;
    }
    if (ysec < start_sec) {
        *start = ystart;
        *end = start_sec + ystart;
        return std;
    }
    if (ysec >= end_sec) {
        *start = end_sec + ystart;
        *end = ystart + 365 * (int64_t)SECONDS_PER_DAY;
        return std;
    }
    *start = start_sec + ystart;
    *end = end_sec + ystart;
    return dst;
}

/* Go's lookupFirstZone: the type for times before the first transition. */
static size_t first_type(const k8sc__tz *tz)
{
    bool used = false;
    for (size_t i = 0; i < tz->ntx && !used; i++)
        used = tz->tx[i].index == 0;
    if (!used)
        return 0;
    if (tz->ntx > 0 && tz->types[tz->tx[0].index].is_dst)
        for (size_t zi = tz->tx[0].index; zi-- > 0;)
            if (!tz->types[zi].is_dst)
                return zi;
    for (size_t zi = 0; zi < tz->ntypes; zi++)
        if (!tz->types[zi].is_dst)
            return zi;
    return 0;
}

int32_t k8sc__tz_lookup(const k8sc__tz *tz, int64_t sec, int64_t *start, int64_t *end)
{
    if (tz->ntypes == 0) {
        *start = K8SC__TZ_ALPHA;
        *end = K8SC__TZ_OMEGA;
        return 0;
    }
    if (tz->ntx == 0 || sec < tz->tx[0].when) {
        *start = K8SC__TZ_ALPHA;
        *end = tz->ntx > 0 ? tz->tx[0].when : K8SC__TZ_OMEGA;
        return tz->types[first_type(tz)].offset;
    }
    size_t lo = 0, hi = tz->ntx;
    *end = K8SC__TZ_OMEGA;
    while (hi - lo > 1) {
        size_t m = lo + (hi - lo) / 2;
        if (sec < tz->tx[m].when) {
            *end = tz->tx[m].when;
            hi = m;
        } else {
            lo = m;
        }
    }
    *start = tz->tx[lo].when;
    if (lo == tz->ntx - 1 && tz->has_extend)
        return posix_lookup(&tz->extend, *start, sec, start, end);
    return tz->types[tz->tx[lo].index].offset;
}

void k8sc__tz_civil(k8sc__civil *out, const k8sc__tz *tz, int64_t sec)
{
    int64_t start, end;
    int64_t local = sec + k8sc__tz_lookup(tz, sec, &start, &end);
    int64_t days = floor_div(local, SECONDS_PER_DAY);
    int64_t rem = local - days * SECONDS_PER_DAY;
    civil_from_days(days, out);
    out->hour = (int)(rem / 3600);
    out->minute = (int)(rem / 60 % 60);
    out->second = (int)(rem % 60);
}

int64_t k8sc__tz_date(const k8sc__tz *tz, int64_t year, int64_t month, int64_t day, int64_t hour,
                      int64_t minute, int64_t second)
{
    int64_t unix = k8sc__days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
    /*
     * Go looks up the offset at the wall time read as UTC; if the instant
     * that offset gives lies outside the offset's period, the period of
     * that instant decides. This is what places a time in a spring-forward
     * gap and picks one side of a fall-back overlap.
     */
    int64_t start, end;
    int32_t offset = k8sc__tz_lookup(tz, unix, &start, &end);
    if (offset != 0) {
        int64_t utc = unix - offset;
        if (utc < start || utc >= end)
            offset = k8sc__tz_lookup(tz, utc, &start, &end);
        unix -= offset;
    }
    return unix;
}

/* TZif files (RFC 8536), as Go's LoadLocationFromTZData reads them. */

typedef struct {
    const unsigned char *p;
    size_t left;
    bool failed;
} reader;

static const unsigned char *rd_take(reader *r, size_t n)
{
    if (r->failed || n > r->left) {
        r->failed = true;
        return NULL;
    }
    const unsigned char *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

enum { N_UTC_LOCAL, N_STD_WALL, N_LEAP, N_TIME, N_TYPE, N_CHAR };

static bool read_counts(reader *r, size_t n[6])
{
    for (int i = 0; i < 6; i++) {
        const unsigned char *p = rd_take(r, 4);
        if (!p)
            return false;
        n[i] = be32(p);
    }
    return true;
}

static int bad_data(void)
{
    return k8sc_error_set(K8SC_EINVAL, "malformed time zone information");
}

static int tz_parse(k8sc__tz *tz, const unsigned char *data, size_t len)
{
    reader r = { data, len, false };
    const unsigned char *head = rd_take(&r, 20);
    if (!head || memcmp(head, "TZif", 4) != 0 || (head[4] != 0 && head[4] != '2' && head[4] != '3'))
        return bad_data();
    size_t n[6];
    if (!read_counts(&r, n))
        return bad_data();
    size_t tsize = 4;
    if (head[4] != 0) {
        /* Skip the 32-bit block and its header; the 64-bit one follows. */
        uint64_t skip = (uint64_t)n[N_TIME] * 5 + (uint64_t)n[N_TYPE] * 6 + n[N_CHAR] + (uint64_t)n[N_LEAP] * 8 +
                        n[N_STD_WALL] + n[N_UTC_LOCAL] + 20;
        if (skip > r.left || !rd_take(&r, (size_t)skip) || !read_counts(&r, n))
            return bad_data();
        tsize = 8;
    }
    const unsigned char *times = rd_take(&r, n[N_TIME] * tsize);
    const unsigned char *idx = rd_take(&r, n[N_TIME]);
    const unsigned char *types = rd_take(&r, n[N_TYPE] * 6);
    rd_take(&r, n[N_CHAR]);
    rd_take(&r, n[N_LEAP] * (tsize + 4));
    rd_take(&r, n[N_STD_WALL]);
    rd_take(&r, n[N_UTC_LOCAL]);
    if (r.failed || n[N_TYPE] == 0)
        return bad_data();
    if (r.left > 2 && r.p[0] == '\n' && r.p[r.left - 1] == '\n') {
        char *footer = k8sc__strndup((const char *)r.p + 1, r.left - 2);
        if (!footer)
            return K8SC_ENOMEM;
        /* Go ignores a footer it cannot parse and keeps the last transition's type. */
        tz->has_extend = strlen(footer) == r.left - 2 && posix_parse(footer, &tz->extend);
        k8sc_free(footer);
    }
    tz->types = k8sc__calloc(n[N_TYPE], sizeof(*tz->types));
    /* A zone without transitions gets one at the beginning of time, as in Go. */
    tz->tx = k8sc__calloc(n[N_TIME] ? n[N_TIME] : 1, sizeof(*tz->tx));
    if (!tz->types || !tz->tx)
        return K8SC_ENOMEM;
    tz->ntypes = n[N_TYPE];
    for (size_t i = 0; i < n[N_TYPE]; i++) {
        const unsigned char *t = types + 6 * i;
        if (t[5] >= n[N_CHAR])
            return bad_data();
        tz->types[i].offset = (int32_t)be32(t);
        tz->types[i].is_dst = t[4] != 0;
    }
    for (size_t i = 0; i < n[N_TIME]; i++) {
        if (idx[i] >= n[N_TYPE])
            return bad_data();
        tz->tx[i].when = tsize == 8 ? (int64_t)be64(times + 8 * i) : (int64_t)(int32_t)be32(times + 4 * i);
        tz->tx[i].index = idx[i];
    }
    tz->ntx = n[N_TIME];
    if (tz->ntx == 0) {
        tz->tx[0].when = K8SC__TZ_ALPHA;
        tz->ntx = 1;
    }
    return 0;
}

static int read_file(unsigned char **data, size_t *len, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > TZ_MAX_FILE) {
        close(fd);
        return -1;
    }
    size_t cap = (size_t)st.st_size, got = 0;
    unsigned char *buf = k8sc__malloc(cap ? cap : 1);
    if (!buf) {
        close(fd);
        return K8SC_ENOMEM;
    }
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    *data = buf;
    *len = got;
    return 0;
}

int k8sc__tz_load(k8sc__tz **out, const char *dir, const char *name)
{
    *out = NULL;
    char path[4096];
    int w = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (w < 0 || (size_t)w >= sizeof(path))
        return k8sc_error_set(K8SC_EINVAL, "unknown time zone %s", name);
    unsigned char *data = NULL;
    size_t len = 0;
    int rc = read_file(&data, &len, path);
    if (rc == K8SC_ENOMEM)
        return rc;
    if (rc < 0)
        return k8sc_error_set(K8SC_EINVAL, "unknown time zone %s", name);
    k8sc__tz *tz = k8sc__calloc(1, sizeof(*tz));
    rc = tz ? 0 : K8SC_ENOMEM;
    if (rc == 0 && !(tz->name = k8sc__strdup(name)))
        rc = K8SC_ENOMEM;
    if (rc == 0)
        rc = tz_parse(tz, data, len);
    k8sc_free(data);
    if (rc < 0) {
        k8sc__tz_free(tz);
        return rc;
    }
    *out = tz;
    return 0;
}

k8sc__tz *k8sc__tz_utc(const char *name)
{
    k8sc__tz *tz = k8sc__calloc(1, sizeof(*tz));
    if (tz && !(tz->name = k8sc__strdup(name))) {
        k8sc_free(tz);
        return NULL;
    }
    return tz;
}

void k8sc__tz_free(k8sc__tz *tz)
{
    if (!tz)
        return;
    k8sc_free(tz->name);
    k8sc_free(tz->types);
    k8sc_free(tz->tx);
    k8sc_free(tz);
}

const char *k8sc__tz_name(const k8sc__tz *tz)
{
    return tz->name;
}
