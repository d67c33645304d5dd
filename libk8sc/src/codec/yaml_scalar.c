/*
 * YAML scalar typing as kubectl applies it: sigs.k8s.io/yaml decodes with
 * go-yaml v2, whose resolve() follows YAML 1.1 loosely and leans on Go's
 * strconv and time parsers. The rules here reproduce those parsers' exact
 * acceptance, since a manifest's meaning hangs on them ("0o17" is 15,
 * "1_000" is 1000, "2001-12-14" stays a string, "1e400" is a string).
 */
#include "yaml_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TAG_PREFIX "tag:yaml.org,2002:"

k8sc__ytag k8sc__yaml_tag(const char *tag)
{
    static const struct {
        const char *name;
        k8sc__ytag tag;
    } known[] = {
        { "str", K8SC__YTAG_STR }, { "bool", K8SC__YTAG_BOOL }, { "int", K8SC__YTAG_INT },
        { "float", K8SC__YTAG_FLOAT }, { "null", K8SC__YTAG_NULL },
        { "timestamp", K8SC__YTAG_TIMESTAMP }, { "binary", K8SC__YTAG_BINARY },
    };
    if (!tag)
        return K8SC__YTAG_NONE;
    if (strncmp(tag, TAG_PREFIX, sizeof(TAG_PREFIX) - 1) != 0)
        return K8SC__YTAG_OTHER;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(known); i++)
        if (strcmp(tag + sizeof(TAG_PREFIX) - 1, known[i].name) == 0)
            return known[i].tag;
    return K8SC__YTAG_OTHER;
}

static const char *tag_name(k8sc__ytag tag)
{
    switch (tag) {
    case K8SC__YTAG_BOOL: return "!!bool";
    case K8SC__YTAG_INT: return "!!int";
    case K8SC__YTAG_FLOAT: return "!!float";
    case K8SC__YTAG_NULL: return "!!null";
    case K8SC__YTAG_TIMESTAMP: return "!!timestamp";
    case K8SC__YTAG_BINARY: return "!!binary";
    default: return "!!str";
    }
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

enum { NUM_OK, NUM_SYNTAX, NUM_RANGE };

/* strconv.ParseUint(s, base, 64); base 0 picks 0b/0o/0x/0 prefixes. */
static int go_parse_uint(uint64_t *out, const char *s, size_t len, unsigned base)
{
    if (len == 0)
        return NUM_SYNTAX;
    if (base == 0) {
        base = 10;
        if (s[0] == '0') {
            char c1 = len >= 3 ? lower(s[1]) : 0;
            size_t skip = 2;
            if (c1 == 'b')
                base = 2;
            else if (c1 == 'o')
                base = 8;
            else if (c1 == 'x')
                base = 16;
            else
                base = 8, skip = 1;
            s += skip;
            len -= skip;
        }
    }
    uint64_t n = 0, cutoff = UINT64_MAX / base + 1;
    for (size_t i = 0; i < len; i++) {
        char c = lower(s[i]);
        unsigned d;
        if (is_digit(c))
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'z')
            d = (unsigned)(c - 'a') + 10;
        else
            return NUM_SYNTAX;
        if (d >= base)
            return NUM_SYNTAX;
        if (n >= cutoff)
            return NUM_RANGE;
        n *= base;
        if (n + d < n)
            return NUM_RANGE;
        n += d;
    }
    *out = n;
    return NUM_OK;
}

/* strconv.ParseInt(s, base, 64). */
static int go_parse_int(int64_t *out, const char *s, size_t len, unsigned base)
{
    if (len == 0)
        return NUM_SYNTAX;
    bool neg = false;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        s++;
        len--;
    }
    uint64_t un = 0;
    int rc = go_parse_uint(&un, s, len, base);
    if (rc != NUM_OK)
        return rc;
    const uint64_t cutoff = (uint64_t)1 << 63;
    if ((!neg && un >= cutoff) || (neg && un > cutoff))
        return NUM_RANGE;
    *out = neg ? (int64_t)(0 - un) : (int64_t)un;
    return NUM_OK;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ : go-yaml's float syntax. */
static bool yaml_style_float(const char *s, size_t len)
{
    size_t i = 0, n;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    if (i < len && s[i] == '.') {
        i++;
        for (n = 0; i < len && is_digit(s[i]); i++, n++)
            ;
        if (n == 0)
            return false;
    } else {
        for (n = 0; i < len && is_digit(s[i]); i++, n++)
            ;
        if (n == 0)
            return false;
        if (i < len && s[i] == '.')
            for (i++; i < len && is_digit(s[i]); i++)
                ;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        for (n = 0; i < len && is_digit(s[i]); i++, n++)
            ;
        if (n == 0)
            return false;
    }
    return i == len;
}

/* Go's underscoreOK for a decimal number: each '_' sits between digits. */
static bool underscores_ok(const char *s, size_t len)
{
    char saw = '^';
    size_t i = 0;
    if (len && (s[0] == '+' || s[0] == '-'))
        i = 1;
    for (; i < len; i++) {
        if (is_digit(s[i])) {
            saw = '0';
        } else if (s[i] == '_') {
            if (saw != '0')
                return false;
            saw = '_';
        } else {
            if (saw == '_')
                return false;
            saw = '!';
        }
    }
    return saw != '_';
}

/*
 * strconv.ParseFloat(s, 64) for text starting with '.', the only case
 * go-yaml hands it unfiltered: digits may carry '_' separators, an
 * exponent needs digits, and a result out of range is an error.
 */
static bool go_parse_float_dot(double *out, const char *s, size_t len)
{
    size_t i = 1;
    bool digits = false, underscores = false;
    for (; i < len && (is_digit(s[i]) || s[i] == '_'); i++) {
        if (s[i] == '_')
            underscores = true;
        else
            digits = true;
    }
    if (!digits)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= len || !is_digit(s[i]))
            return false;
        for (; i < len && (is_digit(s[i]) || s[i] == '_'); i++)
            if (s[i] == '_')
                underscores = true;
    }
    if (i != len || (underscores && !underscores_ok(s, len)))
        return false;
    char *plain = k8sc__malloc(len + 1);
    if (!plain)
        return false;
    size_t n = 0;
    for (i = 0; i < len; i++)
        if (s[i] != '_')
            plain[n++] = s[i];
    plain[n] = '\0';
    double v = strtod(plain, NULL);
    free(plain);
    if (isinf(v))
        return false;
    *out = v;
    return true;
}

/* Go's time getnum(s, false): one or two digits. */
static bool ts_num(const char *s, size_t len, size_t *i, int *out)
{
    if (*i >= len || !is_digit(s[*i]))
        return false;
    int v = s[(*i)++] - '0';
    if (*i < len && is_digit(s[*i]))
        v = v * 10 + (s[(*i)++] - '0');
    *out = v;
    return true;
}

static bool ts_two_digits(const char *s, int *out)
{
    if (!is_digit(s[0]) || !is_digit(s[1]))
        return false;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return true;
}

/* "15:4:5.999999999" of a Go layout: hour, minute, second, optional fraction. */
static bool ts_clock(const char *s, size_t len, size_t *i)
{
    int h, m, sec;
    if (!ts_num(s, len, i, &h) || h >= 24 || *i >= len || s[(*i)++] != ':')
        return false;
    if (!ts_num(s, len, i, &m) || m >= 60 || *i >= len || s[(*i)++] != ':')
        return false;
    if (!ts_num(s, len, i, &sec) || sec >= 60)
        return false;
    if (*i + 1 < len && (s[*i] == '.' || s[*i] == ',') && is_digit(s[*i + 1]))
        for ((*i)++; *i < len && is_digit(s[*i]); (*i)++)
            ;
    return true;
}

static int days_in(int month, int year)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
        return 29;
    return days[month - 1];
}

/*
 * go-yaml's parseTimestamp: time.Parse with "2006-1-2T15:4:5.999999999Z07:00"
 * (also with 't'), "2006-1-2 15:4:5.999999999" and "2006-1-2".
 */
static bool is_timestamp(const char *s, size_t len)
{
    size_t i = 0;
    for (; i < len && is_digit(s[i]); i++)
        ;
    if (i != 4 || i == len || s[i] != '-')
        return false;
    int year = ((s[0] - '0') * 10 + (s[1] - '0')) * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int month, day;
    i = 5;
    if (!ts_num(s, len, &i, &month) || month < 1 || month > 12 || i >= len || s[i++] != '-')
        return false;
    if (!ts_num(s, len, &i, &day) || day > 31)
        return false;
    if (i < len && (s[i] == 'T' || s[i] == 't')) {
        i++;
        if (!ts_clock(s, len, &i) || i >= len)
            return false;
        if (s[i] == 'Z') {
            i++;
        } else {
            int hh, mm;
            if (len - i < 6 || s[i + 3] != ':' || (s[i] != '+' && s[i] != '-'))
                return false;
            if (!ts_two_digits(s + i + 1, &hh) || !ts_two_digits(s + i + 4, &mm) || hh > 24 || mm > 60)
                return false;
            i += 6;
        }
    } else if (i < len && s[i] == ' ') {
        /* A layout space matches a run of spaces. */
        while (i < len && s[i] == ' ')
            i++;
        if (!ts_clock(s, len, &i))
            return false;
    }
    return i == len && day >= 1 && day <= days_in(month, year);
}

bool k8sc__yaml_is_base60_float(const char *s, size_t len)
{
    /* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
    if (len == 0 || !memchr(s, ':', len))
        return false;
    size_t i = 0;
    if (s[0] == '+' || s[0] == '-')
        i++;
    if (i >= len || !is_digit(s[i]))
        return false;
    while (i < len && (is_digit(s[i]) || s[i] == '_'))
        i++;
    size_t groups = 0;
    while (i < len && s[i] == ':') {
        i++;
        if (i >= len || !is_digit(s[i]))
            return false;
        /* Two digits only when the first is 0-5; a lone digit otherwise. */
        if (s[i] <= '5' && i + 1 < len && is_digit(s[i + 1]))
            i += 2;
        else
            i++;
        groups++;
    }
    if (groups == 0)
        return false;
    if (i < len && s[i] == '.')
        for (i++; i < len && (is_digit(s[i]) || s[i] == '_'); i++)
            ;
    return i == len;
}

static const struct {
    const char *text;
    k8sc__yval_kind kind;
    double value; /* bool: 0/1 */
} specials[] = {
    { "y", K8SC__YVAL_BOOL, 1 }, { "Y", K8SC__YVAL_BOOL, 1 }, { "yes", K8SC__YVAL_BOOL, 1 },
    { "Yes", K8SC__YVAL_BOOL, 1 }, { "YES", K8SC__YVAL_BOOL, 1 }, { "true", K8SC__YVAL_BOOL, 1 },
    { "True", K8SC__YVAL_BOOL, 1 }, { "TRUE", K8SC__YVAL_BOOL, 1 }, { "on", K8SC__YVAL_BOOL, 1 },
    { "On", K8SC__YVAL_BOOL, 1 }, { "ON", K8SC__YVAL_BOOL, 1 },
    { "n", K8SC__YVAL_BOOL, 0 }, { "N", K8SC__YVAL_BOOL, 0 }, { "no", K8SC__YVAL_BOOL, 0 },
    { "No", K8SC__YVAL_BOOL, 0 }, { "NO", K8SC__YVAL_BOOL, 0 }, { "false", K8SC__YVAL_BOOL, 0 },
    { "False", K8SC__YVAL_BOOL, 0 }, { "FALSE", K8SC__YVAL_BOOL, 0 }, { "off", K8SC__YVAL_BOOL, 0 },
    { "Off", K8SC__YVAL_BOOL, 0 }, { "OFF", K8SC__YVAL_BOOL, 0 },
    { "", K8SC__YVAL_NULL, 0 }, { "~", K8SC__YVAL_NULL, 0 }, { "null", K8SC__YVAL_NULL, 0 },
    { "Null", K8SC__YVAL_NULL, 0 }, { "NULL", K8SC__YVAL_NULL, 0 },
    { ".nan", K8SC__YVAL_FLOAT, NAN }, { ".NaN", K8SC__YVAL_FLOAT, NAN }, { ".NAN", K8SC__YVAL_FLOAT, NAN },
    { ".inf", K8SC__YVAL_FLOAT, INFINITY }, { ".Inf", K8SC__YVAL_FLOAT, INFINITY },
    { ".INF", K8SC__YVAL_FLOAT, INFINITY }, { "+.inf", K8SC__YVAL_FLOAT, INFINITY },
    { "+.Inf", K8SC__YVAL_FLOAT, INFINITY }, { "+.INF", K8SC__YVAL_FLOAT, INFINITY },
    { "-.inf", K8SC__YVAL_FLOAT, -INFINITY }, { "-.Inf", K8SC__YVAL_FLOAT, -INFINITY },
    { "-.INF", K8SC__YVAL_FLOAT, -INFINITY },
};

/* go-yaml's first-character hint: which parsers may apply at all. */
static char hint_of(const char *s, size_t len)
{
    if (len == 0)
        return 'N';
    char c = s[0];
    if (c == '+' || c == '-')
        return 'S';
    if (is_digit(c))
        return 'D';
    if (c != '\0' && strchr("yYnNtTfFoO~", c))
        return 'M';
    return c == '.' ? '.' : 0;
}

/* Numbers and timestamps for text starting with a digit or a sign. */
static int resolve_number(k8sc__yval *out, k8sc__ytag tag, const char *s, size_t len)
{
    if ((tag == K8SC__YTAG_NONE || tag == K8SC__YTAG_TIMESTAMP) && is_timestamp(s, len)) {
        out->kind = K8SC__YVAL_TIMESTAMP;
        return 0;
    }
    char *plain = k8sc__malloc(len + 1);
    if (!plain)
        return K8SC_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != '_')
            plain[n++] = s[i];
    plain[n] = '\0';
    if (go_parse_int(&out->i, plain, n, 0) == NUM_OK) {
        out->kind = K8SC__YVAL_INT;
    } else if (go_parse_uint(&out->u, plain, n, 0) == NUM_OK) {
        out->kind = K8SC__YVAL_UINT;
    } else if (yaml_style_float(plain, n) && !isinf(out->f = strtod(plain, NULL))) {
        out->kind = K8SC__YVAL_FLOAT;
    } else if (n >= 2 && plain[0] == '0' && plain[1] == 'b') {
        if (go_parse_int(&out->i, plain + 2, n - 2, 2) == NUM_OK)
            out->kind = K8SC__YVAL_INT;
        else if (go_parse_uint(&out->u, plain + 2, n - 2, 2) == NUM_OK)
            out->kind = K8SC__YVAL_UINT;
    } else if (n >= 3 && memcmp(plain, "-0b", 3) == 0) {
        /* "-" + plain[3:] in base 2 */
        plain[2] = '-';
        if (go_parse_int(&out->i, plain + 2, n - 2, 2) == NUM_OK)
            out->kind = K8SC__YVAL_INT;
    }
    free(plain);
    return 0;
}

int k8sc__yaml_resolve(k8sc__yval *out, k8sc__ytag tag, const char *s, size_t len, char *problem, size_t psize)
{
    memset(out, 0, sizeof(*out));
    out->kind = K8SC__YVAL_STR;
    if (tag == K8SC__YTAG_BINARY || tag == K8SC__YTAG_OTHER || tag == K8SC__YTAG_STR)
        return 0;
    char hint = hint_of(s, len);
    if (hint) {
        bool found = false;
        for (size_t i = 0; i < K8SC__ARRAY_LEN(specials) && !found; i++) {
            if (strlen(specials[i].text) == len && memcmp(specials[i].text, s, len) == 0) {
                found = true;
                out->kind = specials[i].kind;
                out->b = specials[i].value != 0;
                out->f = specials[i].value;
            }
        }
        if (!found && hint == '.') {
            if (go_parse_float_dot(&out->f, s, len))
                out->kind = K8SC__YVAL_FLOAT;
        } else if (!found && (hint == 'D' || hint == 'S')) {
            int rc = resolve_number(out, tag, s, len);
            if (rc)
                return rc;
        }
    }
    k8sc__ytag rtag;
    switch (out->kind) {
    case K8SC__YVAL_NULL: rtag = K8SC__YTAG_NULL; break;
    case K8SC__YVAL_BOOL: rtag = K8SC__YTAG_BOOL; break;
    case K8SC__YVAL_INT: case K8SC__YVAL_UINT: rtag = K8SC__YTAG_INT; break;
    case K8SC__YVAL_FLOAT: rtag = K8SC__YTAG_FLOAT; break;
    case K8SC__YVAL_TIMESTAMP: rtag = K8SC__YTAG_TIMESTAMP; break;
    default: rtag = K8SC__YTAG_STR; break;
    }
    if (tag == K8SC__YTAG_NONE || tag == rtag)
        return 0;
    /* !!float accepts what reads as an int64 (not a uint64), as a float. */
    if (tag == K8SC__YTAG_FLOAT && out->kind == K8SC__YVAL_INT) {
        out->kind = K8SC__YVAL_FLOAT;
        out->f = (double)out->i;
        return 0;
    }
    int shown = len > 64 ? 64 : (int)len;
    snprintf(problem, psize, "cannot decode %s `%.*s%s` as a %s", tag_name(rtag), shown, s,
        len > 64 ? "..." : "", tag_name(tag));
    return K8SC_EINVAL;
}

/* Length of the valid UTF-8 sequence at s[0..avail), or 0. */
static size_t utf8_len(const unsigned char *s, size_t avail, uint32_t *rune)
{
    uint32_t c = s[0];
    size_t n;
    uint32_t min;
    if (c < 0x80) {
        *rune = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) { n = 2; min = 0x80; c &= 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 3; min = 0x800; c &= 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 4; min = 0x10000; c &= 0x07; }
    else return 0;
    if (n > avail)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *rune = c;
    return n;
}

bool k8sc__yaml_valid_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t r;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_len(p + i, len - i, &r);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

/* Whether `text` reads back as `v` at the given precision (32 or 64 bits). */
static bool reads_back(const char *text, double v, int bits)
{
    if (bits == 32)
        return strtof(text, NULL) == (float)v;
    return strtod(text, NULL) == v;
}

/*
 * The shortest decimal digits that read back as positive finite `v`, and
 * the exponent of the first digit: what Go's shortest formatting picks.
 * The correctly rounded n-digit candidate can miss the round-trip interval
 * at a power of two, where the interval is lopsided; its neighbour on the
 * wide side is then tried too.
 */
static void shortest_digits(double v, int bits, char *digits, int *exp10)
{
    char tmp[48];
    int maxprec = bits == 32 ? 9 : 17;
    for (int prec = 1; prec <= maxprec; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
        char *e = strchr(tmp, 'e');
        int x = atoi(e + 1);
        size_t nd = 0;
        for (const char *p = tmp; p < e; p++)
            if (*p != '.')
                digits[nd++] = *p;
        digits[nd] = '\0';
        bool ok = reads_back(tmp, v, bits);
        for (int delta = -1; !ok && delta <= 1; delta += 2) {
            char cand[24], text[48];
            memcpy(cand, digits, nd + 1);
            int cx = x;
            size_t k = nd;
            /* add delta to the last digit, carrying */
            while (k-- > 0) {
                int d = cand[k] - '0' + delta;
                if (d >= 0 && d <= 9) {
                    cand[k] = (char)('0' + d);
                    break;
                }
                cand[k] = delta > 0 ? '0' : '9';
            }
            if (k == (size_t)-1 || cand[0] == '0')
                continue; /* carried out of the digits: a shorter form, already tried */
            snprintf(text, sizeof(text), "%c.%se%d", cand[0], cand + 1, cx);
            if (reads_back(text, v, bits)) {
                memcpy(digits, cand, nd + 1);
                ok = true;
            }
        }
        if (ok || prec == maxprec) {
            while (nd > 1 && digits[nd - 1] == '0')
                digits[--nd] = '\0';
            *exp10 = x;
            return;
        }
    }
}

/* Go's 'g' layout of shortest digits: %e when exp < -4 || exp >= 6. */
static void format_g(char *buf, size_t size, bool neg, const char *digits, int x)
{
    int nd = (int)strlen(digits);
    size_t n = 0;
#define PUT(c) do { if (n + 1 < size) buf[n++] = (c); } while (0)
    if (neg)
        PUT('-');
    if (x < -4 || x >= 6) {
        PUT(digits[0]);
        if (nd > 1) {
            PUT('.');
            for (int i = 1; i < nd; i++)
                PUT(digits[i]);
        }
        char ex[16];
        snprintf(ex, sizeof(ex), "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
        for (char *p = ex; *p; p++)
            PUT(*p);
    } else if (x < 0) {
        PUT('0');
        PUT('.');
        for (int i = 0; i < -x - 1; i++)
            PUT('0');
        for (int i = 0; i < nd; i++)
            PUT(digits[i]);
    } else {
        for (int i = 0; i <= x || i < nd; i++) {
            if (i == x + 1)
                PUT('.');
            PUT(i < nd ? digits[i] : '0');
        }
    }
#undef PUT
    buf[n] = '\0';
}

void k8sc__yaml_format_float32(char *buf, size_t size, double d)
{
    if (isnan(d)) {
        snprintf(buf, size, ".nan");
        return;
    }
    /* Go's float32(d) rounds to nearest; from FLT_MAX + half an ulp on it is infinite. */
    const double overflow = 0x1.ffffffp127;
    if (isinf(d) || fabs(d) >= overflow) {
        snprintf(buf, size, "%s", d < 0 ? "-.inf" : ".inf");
        return;
    }
    float f = (float)d;
    if (f == 0) {
        snprintf(buf, size, "%s", signbit(f) ? "-0" : "0");
        return;
    }
    char digits[24];
    int x;
    shortest_digits(fabs((double)f), 32, digits, &x);
    format_g(buf, size, f < 0, digits, x);
}

bool k8sc__yaml_json_int(double d, int64_t *out)
{
    if (!isfinite(d) || d != floor(d) || fabs(d) >= 1e21)
        return false;
    if (d == 0) {
        *out = 0;
        return true;
    }
    char digits[24];
    int x;
    shortest_digits(fabs(d), 64, digits, &x);
    /* The literal is the digits padded with zeros to x + 1 places. */
    uint64_t n = 0;
    size_t nd = strlen(digits);
    for (int i = 0; i <= x; i++) {
        unsigned dig = (size_t)i < nd ? (unsigned)(digits[i] - '0') : 0;
        if (n > (UINT64_MAX - dig) / 10)
            return false;
        n = n * 10 + dig;
    }
    if (d > 0 ? n > (uint64_t)INT64_MAX : n > (uint64_t)INT64_MAX + 1)
        return false;
    *out = d > 0 ? (int64_t)n : (int64_t)(0 - n);
    return true;
}


/* unicode.IsLetter, exact for ASCII; beyond it, the symbol and punctuation blocks count as non-letters. */
static bool rune_is_letter(uint32_t r)
{
    if (r < 0x80)
        return (r | 0x20) >= 'a' && (r | 0x20) <= 'z';
    if (r < 0xC0)
        return r == 0xAA || r == 0xB5 || r == 0xBA;
    if (r == 0xD7 || r == 0xF7)
        return false;
    if ((r >= 0x300 && r < 0x370) || (r >= 0x2000 && r < 0x2C00) || (r >= 0x3000 && r < 0x3040) ||
        (r >= 0xE000 && r < 0xF900) || (r >= 0xFE00 && r < 0xFE70) || (r >= 0xFF00 && r < 0xFF21) ||
        (r >= 0xFF3B && r < 0xFF41) || (r >= 0xFF5B && r < 0xFF66) || r >= 0xFFF0)
        return false;
    return true;
}

/*
 * Decode as Go's []rune(s) (each invalid byte becomes U+FFFD) into `stack`
 * when it has room (`cap` runes), else into a malloc'd array.
 */
static uint32_t *to_runes(const char *s, uint32_t *stack, size_t cap, size_t *count)
{
    size_t len = strlen(s);
    uint32_t *r = len <= cap ? stack : k8sc__malloc((len + 1) * sizeof(*r));
    if (!r)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_len((const unsigned char *)s + i, len - i, &r[n]);
        if (k == 0) {
            r[n] = 0xFFFD;
            k = 1;
        }
        i += k;
        n++;
    }
    *count = n;
    return r;
}

static bool rune_is_digit(uint32_t r)
{
    return r >= '0' && r <= '9';
}

/* go-yaml v2 keyList.Less for two strings. */
static bool key_less(const uint32_t *a, size_t alen, const uint32_t *b, size_t blen)
{
    for (size_t i = 0; i < alen && i < blen; i++) {
        if (a[i] == b[i])
            continue;
        bool al = rune_is_letter(a[i]), bl = rune_is_letter(b[i]);
        if (al && bl)
            return a[i] < b[i];
        if (al || bl)
            return bl;
        /* Go's int64 arithmetic wraps; so does this. */
        uint64_t an = 0, bn = 0;
        if (a[i] == '0' || b[i] == '0') {
            for (size_t j = i; j-- > 0 && rune_is_digit(a[j]);) {
                if (a[j] != '0') {
                    an = bn = 1;
                    break;
                }
            }
        }
        size_t ai = i, bi = i;
        for (; ai < alen && rune_is_digit(a[ai]); ai++)
            an = an * 10 + (a[ai] - '0');
        for (; bi < blen && rune_is_digit(b[bi]); bi++)
            bn = bn * 10 + (b[bi] - '0');
        if (an != bn)
            return (int64_t)an < (int64_t)bn;
        if (ai != bi)
            return ai < bi;
        return a[i] < b[i];
    }
    return alen < blen;
}

int k8sc__yaml_key_cmp(const char *a, const char *b)
{
    uint32_t astack[64], bstack[64];
    size_t an = 0, bn = 0;
    uint32_t *ar = to_runes(a, astack, 64, &an), *br = to_runes(b, bstack, 64, &bn);
    int rc;
    if (!ar || !br)
        rc = strcmp(a, b); /* out of memory: still a consistent order */
    else
        rc = key_less(ar, an, br, bn) ? -1 : key_less(br, bn, ar, an) ? 1 : 0;
    if (ar != astack)
        free(ar);
    if (br != bstack)
        free(br);
    return rc;
}
