/*
 * CronJob schedules: github.com/robfig/cron/v3's ParseStandard (five
 * fields or a descriptor) with its error messages, Go's strconv.Atoi and
 * time.ParseDuration underneath, and the CronJob validation of 1.32 for
 * spec.timeZone and "TZ" in the schedule.
 */
#include <string.h>
#include <strings.h>

#include "object.h"
#include "cron_internal.h"
#include "internal.h"

#define DEFAULT_ZONEINFO "/usr/share/zoneinfo"

typedef struct {
    const char *p;
    size_t n;
} span;

typedef struct {
    uint64_t min, max;
    const char *const *names; /* lower-case, indexed from min; NULL for none */
    size_t nnames;
} bounds;

static const char *const month_names[] = { "jan", "feb", "mar", "apr", "may", "jun",
                                           "jul", "aug", "sep", "oct", "nov", "dec" };
static const char *const dow_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

static const bounds b_minutes = { 0, 59, NULL, 0 };
static const bounds b_hours = { 0, 23, NULL, 0 };
static const bounds b_dom = { 1, 31, NULL, 0 };
static const bounds b_months = { 1, 12, month_names, 12 };
static const bounds b_dow = { 0, 6, dow_names, 7 };

int k8sc_cron_options_init(k8sc_cron_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts);
    if (version != K8SC_CRON_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_cron_options: unknown version %u", version);
    k8sc_cron_options init = K8SC_CRON_OPTIONS_INIT;
    *opts = init;
    return 0;
}

/* Go's unicode.IsSpace for the rune at `s`; its length in *len (1 for invalid UTF-8). */
static bool go_space(const char *s, size_t avail, size_t *len)
{
    uint32_t cp;
    size_t n = k8sc__utf8_decode((const unsigned char *)s, avail, &cp);
    if (n == 0) {
        *len = 1;
        return false;
    }
    *len = n;
    switch (cp) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
        return true;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

/* strings.TrimSpace */
static span trim_space(span s)
{
    size_t len;
    while (s.n > 0 && go_space(s.p, s.n, &len)) {
        s.p += len;
        s.n -= len;
    }
    /* Scan forward to find where the trailing run of spaces starts. */
    size_t i = 0, keep = 0;
    while (i < s.n) {
        bool sp = go_space(s.p + i, s.n - i, &len);
        i += len;
        if (!sp)
            keep = i;
    }
    s.n = keep;
    return s;
}

/* strings.Fields as an iterator: the next field of *rest into *out, false at the end. */
static bool next_field(span *rest, span *out)
{
    size_t i = 0, len;
    while (i < rest->n && go_space(rest->p + i, rest->n - i, &len))
        i += len;
    if (i >= rest->n)
        return false;
    size_t start = i;
    while (i < rest->n && !go_space(rest->p + i, rest->n - i, &len))
        i += len;
    *out = (span){ rest->p + start, i - start };
    *rest = (span){ rest->p + i, rest->n - i };
    return true;
}

static int fail_buf(k8sc__buf *b)
{
    int rc = k8sc__buf_status(b);
    if (rc == 0)
        rc = k8sc_error_set(K8SC_EINVAL, "%s", b->ptr);
    k8sc__buf_free(b);
    return rc;
}

/* strconv.Atoi, with robfig's mustParseInt wording and its refusal of negatives. */
static int parse_uint(span s, uint64_t *out)
{
    const char *p = s.p;
    size_t n = s.n;
    bool neg = false;
    if (n > 0 && (*p == '+' || *p == '-')) {
        neg = *p == '-';
        p++;
        n--;
    }
    const char *why = n == 0 ? "invalid syntax" : NULL;
    uint64_t v = 0;
    for (size_t i = 0; i < n && !why; i++) {
        uint64_t d = (uint64_t)(p[i] - '0');
        if (p[i] < '0' || p[i] > '9')
            why = "invalid syntax";
        else if (v >= UINT64_MAX / 10 + 1 || v * 10 + d < v * 10)
            why = "value out of range";
        else
            v = v * 10 + d;
    }
    if (!why && v > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
        why = "value out of range";
    if (why) {
        k8sc__buf b = K8SC__BUF_INIT;
        k8sc__buf_printf(&b, "failed to parse int from %.*s: strconv.Atoi: parsing ", (int)s.n, s.p);
        k8sc__buf_put_goquoted(&b, s.p, s.n);
        k8sc__buf_printf(&b, ": %s", why);
        return fail_buf(&b);
    }
    if (neg && v != 0)
        return k8sc_error_set(K8SC_EINVAL, "negative number (-%llu) not allowed: %.*s", (unsigned long long)v,
                              (int)s.n, s.p);
    *out = v;
    return 0;
}

/* strings.ToLower(s) == name, for the ASCII names; Go lowers U+0130 to 'i' and U+212A to 'k'. */
static bool lower_equals(span s, const char *name)
{
    size_t i = 0;
    for (; *name; name++) {
        if (i >= s.n)
            return false;
        uint32_t cp;
        size_t n = k8sc__utf8_decode((const unsigned char *)s.p + i, s.n - i, &cp);
        if (n == 0)
            return false;
        if (cp >= 'A' && cp <= 'Z')
            cp += 'a' - 'A';
        else if (cp == 0x130)
            cp = 'i';
        else if (cp == 0x212A)
            cp = 'k';
        if (cp != (unsigned char)*name)
            return false;
        i += n;
    }
    return i == s.n;
}

static int parse_int_or_name(span s, const bounds *r, uint64_t *out)
{
    for (size_t i = 0; i < r->nnames; i++)
        if (lower_equals(s, r->names[i])) {
            *out = r->min + i;
            return 0;
        }
    return parse_uint(s, out);
}

/* The pieces of `s` split at `sep` (strings.Split); at most `max` go to `out`. */
static size_t split(span s, char sep, span *out, size_t max)
{
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= s.n; i++)
        if (i == s.n || s.p[i] == sep) {
            if (count < max)
                out[count] = (span){ s.p + start, i - start };
            count++;
            start = i + 1;
        }
    return count;
}

static bool span_is(span s, const char *lit)
{
    return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static uint64_t get_bits(uint64_t min, uint64_t max, uint64_t step)
{
    uint64_t bits = 0;
    for (uint64_t i = min; i <= max; i += step)
        bits |= UINT64_C(1) << i;
    return bits;
}

/* robfig's getRange: number | number "-" number [ "/" number ], or * and ? with a step. */
static int get_range(span expr, const bounds *r, uint64_t *bits)
{
    span rs[2], lh[2];
    size_t nrs = split(expr, '/', rs, 2);
    size_t nlh = split(rs[0], '-', lh, 2);
    uint64_t start, end, step = 1, extra = 0;
    int rc;
    if (span_is(lh[0], "*") || span_is(lh[0], "?")) {
        start = r->min;
        end = r->max;
        extra = K8SC__CRON_STAR;
    } else {
        if ((rc = parse_int_or_name(lh[0], r, &start)) < 0)
            return rc;
        if (nlh == 1)
            end = start;
        else if (nlh == 2) {
            if ((rc = parse_int_or_name(lh[1], r, &end)) < 0)
                return rc;
        } else {
            return k8sc_error_set(K8SC_EINVAL, "too many hyphens: %.*s", (int)expr.n, expr.p);
        }
    }
    if (nrs == 2) {
        if ((rc = parse_uint(rs[1], &step)) < 0)
            return rc;
        /* "N/step" means "N-max/step"; a real step makes * no longer a star. */
        if (nlh == 1)
            end = r->max;
        if (step > 1)
            extra = 0;
    } else if (nrs > 2) {
        return k8sc_error_set(K8SC_EINVAL, "too many slashes: %.*s", (int)expr.n, expr.p);
    }
    if (start < r->min)
        return k8sc_error_set(K8SC_EINVAL, "beginning of range (%llu) below minimum (%llu): %.*s",
                              (unsigned long long)start, (unsigned long long)r->min, (int)expr.n, expr.p);
    if (end > r->max)
        return k8sc_error_set(K8SC_EINVAL, "end of range (%llu) above maximum (%llu): %.*s",
                              (unsigned long long)end, (unsigned long long)r->max, (int)expr.n, expr.p);
    if (start > end)
        return k8sc_error_set(K8SC_EINVAL, "beginning of range (%llu) beyond end of range (%llu): %.*s",
                              (unsigned long long)start, (unsigned long long)end, (int)expr.n, expr.p);
    if (step == 0)
        return k8sc_error_set(K8SC_EINVAL, "step of range should be a positive number: %.*s", (int)expr.n,
                              expr.p);
    *bits = get_bits(start, end, step) | extra;
    return 0;
}

/* robfig's getField: a comma-separated list of ranges; empty items are skipped. */
static int get_field(span field, const bounds *r, uint64_t *out)
{
    uint64_t bits = 0;
    size_t start = 0;
    for (size_t i = 0; i <= field.n; i++)
        if (i == field.n || field.p[i] == ',') {
            if (i > start) {
                uint64_t b = 0;
                int rc = get_range((span){ field.p + start, i - start }, r, &b);
                if (rc < 0)
                    return rc;
                bits |= b;
            }
            start = i + 1;
        }
    *out = bits;
    return 0;
}

/* time's quote(): bytes outside printable ASCII as \xNN, quotes and backslashes escaped. */
static void put_time_quoted(k8sc__buf *b, span s)
{
    k8sc__buf_putc(b, '"');
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c >= 0x80 || c < ' ')
            k8sc__buf_printf(b, "\\x%02x", c);
        else {
            if (c == '"' || c == '\\')
                k8sc__buf_putc(b, '\\');
            k8sc__buf_putc(b, (char)c);
        }
    }
    k8sc__buf_putc(b, '"');
}

static int duration_error(span desc, span orig, const char *what, const span *unit)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "failed to parse duration %.*s: time: %s ", (int)desc.n, desc.p, what);
    if (unit) {
        put_time_quoted(&b, *unit);
        k8sc__buf_puts(&b, " in duration ");
    }
    put_time_quoted(&b, orig);
    return fail_buf(&b);
}

static uint64_t unit_ns(span u)
{
    static const struct {
        const char *name;
        uint64_t ns;
    } units[] = {
        { "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 },
        { "ms", 1000000 }, { "s", 1000000000 }, { "m", UINT64_C(60000000000) }, { "h", UINT64_C(3600000000000) },
    };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(units); i++)
        if (span_is(u, units[i].name))
            return units[i].ns;
    return 0;
}

/* time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+, in nanoseconds. */
static int parse_duration(span desc, span orig, int64_t *out)
{
    const uint64_t lim = UINT64_C(1) << 63;
    const char *s = orig.p, *e = orig.p + orig.n;
    bool neg = false;
    if (s < e && (*s == '-' || *s == '+'))
        neg = *s++ == '-';
    if (e - s == 1 && *s == '0') {
        *out = 0;
        return 0;
    }
    if (s == e)
        return duration_error(desc, orig, "invalid duration", NULL);
    uint64_t d = 0;
    while (s < e) {
        if (!(*s == '.' || (*s >= '0' && *s <= '9')))
            return duration_error(desc, orig, "invalid duration", NULL);
        const char *p0 = s;
        uint64_t v = 0;
        for (; s < e && *s >= '0' && *s <= '9'; s++) {
            if (v > lim / 10)
                return duration_error(desc, orig, "invalid duration", NULL);
            v = v * 10 + (uint64_t)(*s - '0');
            if (v > lim)
                return duration_error(desc, orig, "invalid duration", NULL);
        }
        bool pre = s != p0, post = false;
        uint64_t f = 0;
        double scale = 1;
        if (s < e && *s == '.') {
            s++;
            const char *f0 = s;
            bool overflow = false;
            for (; s < e && *s >= '0' && *s <= '9'; s++) {
                if (overflow)
                    continue;
                if (f > (lim - 1) / 10) {
                    overflow = true;
                    continue;
                }
                uint64_t y = f * 10 + (uint64_t)(*s - '0');
                if (y > lim) {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10;
            }
            post = s != f0;
        }
        if (!pre && !post)
            return duration_error(desc, orig, "invalid duration", NULL);
        const char *u0 = s;
        while (s < e && *s != '.' && !(*s >= '0' && *s <= '9'))
            s++;
        if (s == u0)
            return duration_error(desc, orig, "missing unit in duration", NULL);
        span u = { u0, (size_t)(s - u0) };
        uint64_t unit = unit_ns(u);
        if (!unit)
            return duration_error(desc, orig, "unknown unit", &u);
        if (v > lim / unit)
            return duration_error(desc, orig, "invalid duration", NULL);
        v *= unit;
        if (f > 0) {
            v += (uint64_t)((double)f * ((double)unit / scale));
            if (v > lim)
                return duration_error(desc, orig, "invalid duration", NULL);
        }
        d += v;
        if (d > lim)
            return duration_error(desc, orig, "invalid duration", NULL);
    }
    if (neg) {
        *out = d == lim ? INT64_MIN : -(int64_t)d;
        return 0;
    }
    if (d > lim - 1)
        return duration_error(desc, orig, "invalid duration", NULL);
    *out = (int64_t)d;
    return 0;
}

static uint64_t all_bits(const bounds *r)
{
    return get_bits(r->min, r->max, 1) | K8SC__CRON_STAR;
}

/* robfig's parseDescriptor. */
static int parse_descriptor(k8sc_cron *c, span d)
{
    c->second = c->minute = c->hour = 1;
    c->dom = 1 << 1;
    c->month = 1 << 1;
    c->dow = all_bits(&b_dow);
    if (span_is(d, "@yearly") || span_is(d, "@annually"))
        return 0;
    c->month = all_bits(&b_months);
    if (span_is(d, "@monthly"))
        return 0;
    c->dom = all_bits(&b_dom);
    if (span_is(d, "@daily") || span_is(d, "@midnight"))
        return 0;
    if (span_is(d, "@weekly")) {
        c->dow = 1;
        return 0;
    }
    if (span_is(d, "@hourly")) {
        c->hour = all_bits(&b_hours);
        return 0;
    }
    if (d.n >= 7 && memcmp(d.p, "@every ", 7) == 0) {
        int64_t ns = 0;
        int rc = parse_duration(d, (span){ d.p + 7, d.n - 7 }, &ns);
        if (rc < 0)
            return rc;
        /* robfig's Every: at least a second, fractions of a second dropped. */
        c->every = true;
        c->delay = ns < 1000000000 ? 1 : ns / 1000000000;
        return 0;
    }
    return k8sc_error_set(K8SC_EINVAL, "unrecognized descriptor: %.*s", (int)d.n, d.p);
}

static int parse_fields(k8sc_cron *c, span spec)
{
    span f[5], one, rest = spec;
    size_t n = 0;
    for (; next_field(&rest, &one); n++)
        if (n < 5)
            f[n] = one;
    if (n != 5) {
        /* Go prints the []string of fields: "[a b c]". */
        k8sc__buf b = K8SC__BUF_INIT;
        k8sc__buf_printf(&b, "expected exactly 5 fields, found %zu: [", n);
        rest = spec;
        for (size_t i = 0; next_field(&rest, &one); i++)
            k8sc__buf_printf(&b, "%s%.*s", i ? " " : "", (int)one.n, one.p);
        k8sc__buf_putc(&b, ']');
        return fail_buf(&b);
    }
    int rc;
    c->second = 1;
    if ((rc = get_field(f[0], &b_minutes, &c->minute)) < 0 || (rc = get_field(f[1], &b_hours, &c->hour)) < 0 ||
        (rc = get_field(f[2], &b_dom, &c->dom)) < 0 || (rc = get_field(f[3], &b_months, &c->month)) < 0 ||
        (rc = get_field(f[4], &b_dow, &c->dow)) < 0)
        return rc;
    return 0;
}

/* CronJob validation of spec.timeZone, then time.LoadLocation. */
static int load_time_zone(k8sc__tz **out, const char *name, const char *dir)
{
    const char *part = name;
    for (;;) {
        size_t n = strcspn(part, "/");
        bool ok = n >= 1 && n <= 14 && part[0] != '-' && !(n == 1 && part[0] == '.') &&
                  !(n == 2 && part[0] == '.' && part[1] == '.');
        for (size_t i = 0; ok && i < n; i++) {
            char ch = part[i];
            ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                 strchr(".-_+", ch) != NULL;
        }
        if (!ok)
            return k8sc_error_set(K8SC_EINVAL, "unknown time zone %s", name);
        if (!part[n])
            break;
        part += n + 1;
    }
    if (strcasecmp(name, "Local") == 0)
        return k8sc_error_set(K8SC_EINVAL,
                              "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones");
    if (strcmp(name, "UTC") == 0)
        return (*out = k8sc__tz_utc("UTC")) ? 0 : K8SC_ENOMEM;
    return k8sc__tz_load(out, dir, name);
}

/* robfig's "TZ=zone " prefix, loaded with time.LoadLocation's rules ("Local" is UTC here). */
static int load_prefix_zone(k8sc__tz **out, span name, const char *dir)
{
    char *z = k8sc__strndup(name.p, name.n);
    if (!z)
        return K8SC_ENOMEM;
    int rc;
    if (strlen(z) != name.n || strstr(z, "..") || z[0] == '/' || z[0] == '\\') {
        rc = k8sc_error_set(K8SC_EINVAL, "provided bad location %.*s: time: invalid location name", (int)name.n,
                            name.p);
    } else if (!z[0] || strcmp(z, "UTC") == 0 || strcmp(z, "Local") == 0) {
        rc = (*out = k8sc__tz_utc("UTC")) ? 0 : K8SC_ENOMEM;
    } else {
        rc = k8sc__tz_load(out, dir, z);
        char *why = rc == K8SC_EINVAL ? k8sc__strdup(k8sc_error_last()) : NULL;
        if (why)
            rc = k8sc_error_set(K8SC_EINVAL, "provided bad location %s: %s", z, why);
        else if (rc == K8SC_EINVAL)
            rc = K8SC_ENOMEM;
        k8sc_free(why);
    }
    k8sc_free(z);
    return rc;
}

static int parse_into(k8sc_cron *c, const char *text, const k8sc_cron_options *o)
{
    const char *dir = o->zoneinfo_dir ? o->zoneinfo_dir : DEFAULT_ZONEINFO;
    bool has_zone = o->time_zone && o->time_zone[0];
    if (strstr(text, "TZ")) {
        if (!o->allow_tz_in_schedule)
            return k8sc_error_set(K8SC_EINVAL, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
        if (has_zone)
            return k8sc_error_set(K8SC_EINVAL, "cannot use both timeZone field and TZ or CRON_TZ in schedule");
    }
    int rc = has_zone ? load_time_zone(&c->tz, o->time_zone, dir) : ((c->tz = k8sc__tz_utc("UTC")) ? 0 : K8SC_ENOMEM);
    if (rc < 0)
        return rc;
    span spec = { text, strlen(text) };
    if (spec.n == 0)
        return k8sc_error_set(K8SC_EINVAL, "empty spec string");
    if (strncmp(text, "TZ=", 3) == 0 || strncmp(text, "CRON_TZ=", 8) == 0) {
        const char *eq = strchr(text, '=');
        const char *sp = strchr(text, ' ');
        const char *name_end = sp ? sp : text + spec.n;
        k8sc__tz_free(c->tz);
        c->tz = NULL;
        if ((rc = load_prefix_zone(&c->tz, (span){ eq + 1, (size_t)(name_end - eq - 1) }, dir)) < 0)
            return rc;
        spec = trim_space((span){ name_end, (size_t)(text + spec.n - name_end) });
    }
    if (spec.n > 0 && spec.p[0] == '@')
        return parse_descriptor(c, spec);
    return parse_fields(c, spec);
}

int k8sc_cron_parse(k8sc_cron **out, const char *spec, const k8sc_cron_options *opts)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    K8SC__CHECK_ARG(spec);
    k8sc_cron_options defaults = K8SC_CRON_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    if (opts->version != K8SC_CRON_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_cron_options: unknown version %u", opts->version);
    k8sc_cron *c = k8sc__calloc(1, sizeof(*c));
    if (!c)
        return K8SC_ENOMEM;
    int rc = parse_into(c, spec, opts);
    if (rc < 0) {
        k8sc_cron_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void k8sc_cron_free(k8sc_cron *c)
{
    if (!c)
        return;
    k8sc__tz_free(c->tz);
    k8sc_free(c);
}

const char *k8sc_cron_time_zone(const k8sc_cron *c)
{
    return c ? k8sc__tz_name(c->tz) : NULL;
}
