/*
 * Resource quantities, as k8s.io/apimachinery/pkg/api/resource.Quantity.
 *
 * A k8sc_quantity is the exact decimal value * 10^scale. Every quantity
 * this file hands out is normalized: `value` carries no trailing decimal
 * zero (unless stripping one would push `scale` past INT32_MAX) and zero
 * is {0, 0}. Because the struct is public, every function also accepts
 * unnormalized input and formats outside the enum (which print as
 * DecimalExponent, as Kubernetes treats an unknown Format).
 *
 * Kubernetes falls back to arbitrary precision (inf.Dec) where an int64
 * mantissa does not suffice; we instead report K8SC_EOVERFLOW. That only
 * happens for values needing more than 19 significant digits at nano
 * precision, which no real manifest carries. Two more deliberate
 * departures: a decimal exponent outside int32 is an error (Kubernetes
 * truncates it to 32 bits, so "1e4294967296" would be 1), and a BinarySI
 * value beyond 10^38, reachable only through arithmetic, prints as
 * DecimalSI.
 */
#include "internal.h"
#include "k8sc/object.h"

#include <stdarg.h>
#include <string.h>

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

#define REGEX_MSG "quantities must match the regular expression " \
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

/* How much of the input an error message quotes. */
#define QUOTE_MAX 64

/* 10^38 < 2^127: a bound that keeps sums of two magnitudes inside u128. */
#define U128_TEN38 ((u128)10000000000000000000ull * (u128)10000000000000000000ull)

/* (2^63 - 1) * 10^9: the BinarySI cap, counted in nano units. */
#define NANO_CAP ((u128)INT64_MAX * 1000000000u)

static int quantity_error(int code, const char *text, const char *fmt, ...) K8SC_PRINTF(3, 4);

/* Record `quantity "<text>": <detail>` and return `code`. */
static int quantity_error(int code, const char *text, const char *fmt, ...)
{
    k8sc__buf b = K8SC__BUF_INIT;
    size_t len = strlen(text);
    k8sc__buf_puts(&b, "quantity ");
    k8sc__buf_put_goquoted(&b, text, len > QUOTE_MAX ? QUOTE_MAX : len);
    if (len > QUOTE_MAX)
        k8sc__buf_puts(&b, "...");
    k8sc__buf_puts(&b, ": ");
    va_list ap;
    va_start(ap, fmt);
    k8sc__buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (k8sc__buf_status(&b) != 0) {
        k8sc__buf_free(&b);
        return k8sc_error_set(code, "invalid quantity");
    }
    k8sc_error_set(code, "%s", b.ptr);
    k8sc__buf_free(&b);
    return code;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_suffix_letter(char c)
{
    return c != '\0' && strchr("eEinumkKMGTP", c) != NULL;
}

static u128 pow10_u128(unsigned n)
{
    u128 p = 1;
    while (n--)
        p *= 10;
    return p;
}

static unsigned digits_u64(uint64_t v)
{
    unsigned n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

static uint64_t magnitude(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/*
 * Build a normalized quantity from sign, magnitude and scale. Returns
 * false when it cannot be held: magnitude beyond int64 after stripping
 * trailing zeros, or scale outside int32.
 */
static bool make_quantity(k8sc_quantity *out, bool neg, u128 mag, int64_t scale, int32_t format)
{
    if (mag == 0) {
        *out = (k8sc_quantity){ 0, 0, format };
        return true;
    }
    while (mag % 10 == 0 && scale < INT32_MAX) {
        mag /= 10;
        scale++;
    }
    if (scale < INT32_MIN || scale > INT32_MAX)
        return false;
    if (neg ? mag > (u128)INT64_MAX + 1 : mag > (u128)INT64_MAX)
        return false;
    out->value = neg ? (int64_t)(0 - (uint64_t)mag) : (int64_t)mag;
    out->scale = (int32_t)scale;
    out->format = format;
    return true;
}

static k8sc_quantity normalized(const k8sc_quantity *q)
{
    k8sc_quantity n;
    /* Stripping zeros only shrinks the magnitude, so this cannot fail. */
    make_quantity(&n, q->value < 0, magnitude(q->value), q->scale, q->format);
    return n;
}

/* ---- Parsing --------------------------------------------------------- */

/* The suffix table of suffix.go; `exp` is a power of `base`. */
static const struct {
    const char *text;
    int base;
    int exp;
    k8sc_quantity_format format;
} suffixes[] = {
    { "", 10, 0, K8SC_QUANTITY_DECIMAL_SI },
    { "n", 10, -9, K8SC_QUANTITY_DECIMAL_SI },
    { "u", 10, -6, K8SC_QUANTITY_DECIMAL_SI },
    { "m", 10, -3, K8SC_QUANTITY_DECIMAL_SI },
    { "k", 10, 3, K8SC_QUANTITY_DECIMAL_SI },
    { "M", 10, 6, K8SC_QUANTITY_DECIMAL_SI },
    { "G", 10, 9, K8SC_QUANTITY_DECIMAL_SI },
    { "T", 10, 12, K8SC_QUANTITY_DECIMAL_SI },
    { "P", 10, 15, K8SC_QUANTITY_DECIMAL_SI },
    { "E", 10, 18, K8SC_QUANTITY_DECIMAL_SI },
    { "Ki", 2, 10, K8SC_QUANTITY_BINARY_SI },
    { "Mi", 2, 20, K8SC_QUANTITY_BINARY_SI },
    { "Gi", 2, 30, K8SC_QUANTITY_BINARY_SI },
    { "Ti", 2, 40, K8SC_QUANTITY_BINARY_SI },
    { "Pi", 2, 50, K8SC_QUANTITY_BINARY_SI },
    { "Ei", 2, 60, K8SC_QUANTITY_BINARY_SI },
};

/*
 * Interpret a suffix as suffix.go does. 0 on success; 1 if it is not a
 * suffix at all; 2 if it is a decimal exponent outside int32 (Kubernetes
 * silently truncates those to 32 bits, which we refuse to imitate).
 */
static int interpret_suffix(const char *s, int *base, int64_t *exp, int32_t *format)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(suffixes); i++) {
        if (strcmp(s, suffixes[i].text) == 0) {
            *base = suffixes[i].base;
            *exp = suffixes[i].exp;
            *format = (int32_t)suffixes[i].format;
            return 0;
        }
    }
    if ((s[0] != 'e' && s[0] != 'E') || s[1] == '\0')
        return 1;
    /* strconv.ParseInt(s[1:], 10, 64): optional sign, then only digits. */
    const char *p = s + 1;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (*p == '\0')
        return 1;
    uint64_t v = 0;
    bool big = false;
    for (; *p; p++) {
        if (!is_digit(*p))
            return 1;
        if (v > (uint64_t)INT32_MAX + 1)
            big = true;
        else
            v = v * 10 + (uint64_t)(*p - '0');
    }
    if (big || (neg ? v > (uint64_t)INT32_MAX + 1 : v > (uint64_t)INT32_MAX))
        return 2;
    *base = 10;
    *exp = neg ? -(int64_t)v : (int64_t)v;
    *format = K8SC_QUANTITY_DECIMAL_EXPONENT;
    return 0;
}

/* The digits of the number part, integer and fraction run together. */
typedef struct digits {
    const char *int_part;
    size_t n_int;
    const char *frac_part;
    size_t n_frac;
} digits;

static int digit_at(const digits *d, size_t i)
{
    return (i < d->n_int ? d->int_part[i] : d->frac_part[i - d->n_int]) - '0';
}

/* Accumulate digits [from, to) into *acc, saturating above `limit`. */
static bool accumulate(const digits *d, size_t from, size_t to, u128 *acc, u128 limit)
{
    for (size_t i = from; i < to; i++) {
        *acc = *acc * 10 + (u128)digit_at(d, i);
        if (*acc > limit)
            return false;
    }
    return true;
}

/*
 * A DecimalSI or DecimalExponent value: sig = digits [lead, last], times
 * 10^e10. Rounded up (away from zero) to nano precision, never capped.
 */
static int parse_decimal(k8sc_quantity *out, const char *text, const digits *d, size_t lead,
    size_t last, int64_t e10, bool neg, int32_t format)
{
    size_t n = last - lead + 1;
    u128 mag = 0;
    int64_t scale = e10;
    if (e10 < -9) {
        /* Drop the digits below 1n; the last one is non-zero, so round up. */
        uint64_t drop = (uint64_t)(-9 - e10);
        scale = -9;
        if (drop < n) {
            /* The carry turns trailing nines into zeros, which may make a long value fit. */
            size_t keep = lead + (size_t)(n - drop), end = keep;
            while (end > lead && digit_at(d, end - 1) == 9)
                end--;
            scale += (int64_t)(keep - end);
            if (!accumulate(d, lead, end, &mag, (u128)INT64_MAX + 1))
                goto overflow;
        }
        mag++;
    } else if (!accumulate(d, lead, last + 1, &mag, (u128)INT64_MAX + 1)) {
        goto overflow;
    }
    if (make_quantity(out, neg, mag, scale, format))
        return 0;
overflow:
    if (scale > INT32_MAX)
        return quantity_error(K8SC_EOVERFLOW, text, "exponent out of range");
    return quantity_error(K8SC_EOVERFLOW, text,
        "value needs more than 64 bits of precision to be represented exactly");
}

/*
 * A BinarySI value: sig * 10^e10 * 2^exp. Rounded up to nano precision,
 * then capped at 2^63-1 in magnitude, as ParseQuantity does.
 */
static int parse_binary(k8sc_quantity *out, const char *text, const digits *d, size_t lead,
    size_t last, int64_t e10, int exp, bool neg)
{
    size_t n = last - lead + 1;
    /* The value in nano units is sig * 10^g * 2^exp. */
    int64_t g = e10 + 9;
    u128 whole = 0;   /* integer part of sig * 10^g, saturating */
    u128 carry = 0;   /* floor(fraction * 2^exp) */
    bool sticky = false;
    bool capped = false;
    if (g >= 0) {
        capped = !accumulate(d, lead, last + 1, &whole, NANO_CAP);
        for (int64_t i = 0; i < g && !capped; i++) {
            whole *= 10;
            capped = whole > NANO_CAP;
        }
    } else {
        uint64_t h = (uint64_t)-g; /* fraction digits at nano scale */
        size_t n_frac = h < n ? (size_t)h : n;
        capped = !accumulate(d, lead, last + 1 - n_frac, &whole, NANO_CAP);
        /* Multiply the fraction by 2^exp digit by digit, right to left. */
        for (size_t i = last + 1; i > last + 1 - n_frac; i--) {
            u128 t = ((u128)digit_at(d, i - 1) << exp) + carry;
            sticky |= t % 10 != 0;
            carry = t / 10;
        }
        /* Zeros between the point and the first digit only shift the carry. */
        for (uint64_t z = h - n_frac; z > 0 && carry != 0; z--) {
            sticky |= carry % 10 != 0;
            carry /= 10;
        }
    }
    if (!capped)
        capped = whole > (NANO_CAP >> exp);
    u128 nano = 0;
    if (!capped) {
        nano = (whole << exp) + carry + (sticky ? 1 : 0);
        capped = nano > NANO_CAP;
    }
    if (capped) {
        make_quantity(out, neg, INT64_MAX, 0, K8SC_QUANTITY_BINARY_SI);
        return 0;
    }
    /* A value below 1 would be rounded by BinarySI printing; Kubernetes switches it to DecimalSI. */
    int32_t format = nano < 1000000000u ? K8SC_QUANTITY_DECIMAL_SI : K8SC_QUANTITY_BINARY_SI;
    if (make_quantity(out, neg, nano, -9, format))
        return 0;
    return quantity_error(K8SC_EOVERFLOW, text,
        "value needs more than 64 bits of precision to be represented exactly");
}

static int unexpected_char(const char *text, size_t pos)
{
    unsigned char c = (unsigned char)text[pos];
    if (c >= 0x20 && c < 0x7f)
        return quantity_error(K8SC_EINVAL, text, "unexpected character '%c' at position %zu; %s",
            c, pos + 1, REGEX_MSG);
    return quantity_error(K8SC_EINVAL, text, "unexpected byte 0x%02x at position %zu; %s",
        c, pos + 1, REGEX_MSG);
}

int k8sc_quantity_parse(k8sc_quantity *out, const char *text)
{
    K8SC__CHECK_ARG(out);
    K8SC__CHECK_ARG(text);
    size_t len = strlen(text);
    if (len == 0)
        return quantity_error(K8SC_EINVAL, text, "empty; %s", REGEX_MSG);

    /* The same scan as parseQuantityString: sign, digits, '.', digits, suffix. */
    size_t pos = 0;
    bool neg = false;
    if (text[0] == '+' || text[0] == '-')
        neg = text[pos++] == '-';
    digits d = { text + pos, 0, NULL, 0 };
    while (is_digit(text[pos]))
        pos++;
    d.n_int = (size_t)(text + pos - d.int_part);
    d.frac_part = text + pos;
    if (text[pos] == '.') {
        d.frac_part = text + ++pos;
        while (is_digit(text[pos]))
            pos++;
        d.n_frac = (size_t)(text + pos - d.frac_part);
    }
    size_t suffix_start = pos;
    while (is_suffix_letter(text[pos]))
        pos++;
    if (text[pos] == '+' || text[pos] == '-')
        pos++;
    while (is_digit(text[pos]))
        pos++;
    if (pos != len)
        return unexpected_char(text, pos);

    int base;
    int64_t exp;
    int32_t format;
    int rc = interpret_suffix(text + suffix_start, &base, &exp, &format);
    if (rc == 1)
        return quantity_error(K8SC_EINVAL, text, "unable to parse quantity's suffix \"%s\" at position %zu",
            text + suffix_start, suffix_start + 1);
    if (rc == 2)
        return quantity_error(K8SC_EINVAL, text, "exponent \"%s\" at position %zu is out of range",
            text + suffix_start + 1, suffix_start + 2);

    /* Significant digits [lead, last]; everything after `last` is a zero. */
    size_t total = d.n_int + d.n_frac;
    size_t lead = 0;
    while (lead < total && digit_at(&d, lead) == 0)
        lead++;
    if (lead == total) {
        *out = (k8sc_quantity){ 0, 0, format };
        return 0;
    }
    size_t last = total - 1;
    while (digit_at(&d, last) == 0)
        last--;
    int64_t e10 = (int64_t)(total - 1 - last) - (int64_t)d.n_frac;
    if (base == 2)
        return parse_binary(out, text, &d, lead, last, e10, (int)exp, neg);
    return parse_decimal(out, text, &d, lead, last, e10 + exp, neg, format);
}

/* ---- Formatting -------------------------------------------------------- */

/* Append the decimal digits of v at *p. */
static char *put_u128(char *p, u128 v)
{
    char tmp[40];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* True if mag * 10^e < 1024. */
static bool below_1024(uint64_t mag, int64_t e)
{
    if (e >= 0)
        return e <= 3 && (u128)mag * pow10_u128((unsigned)e) < 1024;
    if (e <= -20)
        return true; /* mag < 10^20 */
    return mag < 1024 * pow10_u128((unsigned)-e);
}

/*
 * BinarySI text for an integer mag * 10^e (e >= 0) that is at least 1024,
 * or NULL if it does not fit 128 bits (then DecimalSI is used instead).
 */
static char *put_binary(char *p, uint64_t mag, int64_t e)
{
    static const char *const bin[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
    if (e > 38)
        return NULL;
    u128 v = mag;
    for (int64_t i = 0; i < e; i++) {
        if (v > U128_TEN38 / 10)
            return NULL;
        v *= 10;
    }
    size_t k = 0;
    while (k < 6 && v % 1024 == 0) {
        v /= 1024;
        k++;
    }
    p = put_u128(p, v);
    size_t n = strlen(bin[k]);
    memcpy(p, bin[k], n);
    return p + n;
}

int k8sc_quantity_format_to(char *buf, size_t size, const k8sc_quantity *q)
{
    K8SC__CHECK_ARG(buf);
    K8SC__CHECK_ARG(q);
    char tmp[K8SC_QUANTITY_BUFSIZE];
    char *p = tmp;
    if (q->value == 0) {
        *p++ = '0';
    } else {
        k8sc_quantity n = normalized(q);
        uint64_t mag = magnitude(n.value);
        int64_t e = n.scale;
        int32_t format = n.format;
        if (format != K8SC_QUANTITY_DECIMAL_SI && format != K8SC_QUANTITY_BINARY_SI)
            format = K8SC_QUANTITY_DECIMAL_EXPONENT;
        if (n.value < 0)
            *p++ = '-';
        char *end = NULL;
        /* BinarySI only for whole numbers from 1024 up; others would lose precision. */
        if (format == K8SC_QUANTITY_BINARY_SI && e >= 0 && !below_1024(mag, e))
            end = put_binary(p, mag, e);
        if (end) {
            p = end;
        } else {
            if (format == K8SC_QUANTITY_BINARY_SI)
                format = K8SC_QUANTITY_DECIMAL_SI;
            /* Lower the exponent to a multiple of three: 15e-1 -> 1500e-3. */
            int64_t r = ((e % 3) + 3) % 3;
            p = put_u128(p, (u128)mag * pow10_u128((unsigned)r));
            e -= r;
            static const char si[] = "num kMGTPE";
            if (format == K8SC_QUANTITY_DECIMAL_SI && e >= -9 && e <= 18) {
                if (e != 0)
                    *p++ = si[(e + 9) / 3];
            } else if (e != 0) {
                /* DecimalSI past E (or below n) falls back to an exponent, as Kubernetes now does. */
                p += snprintf(p, (size_t)(tmp + sizeof(tmp) - p), "e%lld", (long long)e);
            }
        }
    }
    *p = '\0';
    size_t len = (size_t)(p - tmp);
    if (len + 1 > size)
        return k8sc_error_set(K8SC_EINVAL, "quantity buffer of %zu bytes too small for \"%s\"", size, tmp);
    memcpy(buf, tmp, len + 1);
    return 0;
}

/* ---- Arithmetic ---------------------------------------------------------- */

int k8sc_quantity_sign(const k8sc_quantity *q)
{
    if (!q || q->value == 0)
        return 0;
    return q->value < 0 ? -1 : 1;
}

int k8sc_quantity_cmp(const k8sc_quantity *a, const k8sc_quantity *b)
{
    int sa = k8sc_quantity_sign(a), sb = k8sc_quantity_sign(b);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    uint64_t ma = magnitude(a->value), mb = magnitude(b->value);
    /* Compare orders of magnitude first; equal ones leave scales at most 19 apart. */
    int64_t oa = (int64_t)digits_u64(ma) + a->scale;
    int64_t ob = (int64_t)digits_u64(mb) + b->scale;
    int r;
    if (oa != ob) {
        r = oa < ob ? -1 : 1;
    } else {
        u128 xa = ma, xb = mb;
        if (a->scale > b->scale)
            xa *= pow10_u128((unsigned)(a->scale - b->scale));
        else
            xb *= pow10_u128((unsigned)(b->scale - a->scale));
        r = xa < xb ? -1 : xa > xb;
    }
    return sa > 0 ? r : -r;
}

/* mag * 10^n, or false past 10^38 (beyond anything a sum could still hold). */
static bool scale_up(u128 *mag, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        if (*mag > U128_TEN38 / 10)
            return false;
        *mag *= 10;
    }
    return true;
}

static int add_signed(k8sc_quantity *out, const k8sc_quantity *a, const k8sc_quantity *b, bool subtract)
{
    K8SC__CHECK_ARG(out);
    K8SC__CHECK_ARG(a);
    K8SC__CHECK_ARG(b);
    k8sc_quantity na = normalized(a), nb = normalized(b);
    bool bneg = (nb.value < 0) != subtract;
    /* As Quantity.Add/Sub: a zero receiver takes the other operand's format. */
    if (na.value == 0) {
        if (make_quantity(out, bneg && nb.value != 0, magnitude(nb.value), nb.scale, nb.format))
            return 0;
        goto overflow;
    }
    if (nb.value == 0) {
        *out = na;
        return 0;
    }
    int64_t m = na.scale < nb.scale ? na.scale : nb.scale;
    u128 xa = magnitude(na.value), xb = magnitude(nb.value);
    bool aneg = na.value < 0;
    /* A shifted operand past 10^38 ends in zeros the other lacks: no int64 can hold the sum. */
    if (!scale_up(&xa, na.scale - m) || !scale_up(&xb, nb.scale - m))
        goto overflow;
    u128 sum;
    bool neg;
    if (aneg == bneg) {
        sum = xa + xb;
        neg = aneg;
    } else if (xa >= xb) {
        sum = xa - xb;
        neg = aneg;
    } else {
        sum = xb - xa;
        neg = bneg;
    }
    if (make_quantity(out, neg, sum, m, na.format))
        return 0;
overflow:;
    char sa[K8SC_QUANTITY_BUFSIZE], sb[K8SC_QUANTITY_BUFSIZE];
    k8sc_quantity_format_to(sa, sizeof(sa), a);
    k8sc_quantity_format_to(sb, sizeof(sb), b);
    return k8sc_error_set(K8SC_EOVERFLOW, "quantity %s %c %s cannot be represented exactly",
        sa, subtract ? '-' : '+', sb);
}

int k8sc_quantity_add(k8sc_quantity *out, const k8sc_quantity *a, const k8sc_quantity *b)
{
    return add_signed(out, a, b, false);
}

int k8sc_quantity_sub(k8sc_quantity *out, const k8sc_quantity *a, const k8sc_quantity *b)
{
    return add_signed(out, a, b, true);
}

/* ScaledValue: the value in units of 10^target, rounded away from zero. */
static int scaled_value(const k8sc_quantity *q, int64_t target, const char *what, int64_t *out)
{
    K8SC__CHECK_ARG(q);
    K8SC__CHECK_ARG(out);
    if (q->value == 0) {
        *out = 0;
        return 0;
    }
    int64_t delta = (int64_t)q->scale - target;
    if (delta >= 0) {
        if (delta <= 18) {
            i128 v = (i128)q->value * (i128)pow10_u128((unsigned)delta);
            if (v >= INT64_MIN && v <= INT64_MAX) {
                *out = (int64_t)v;
                return 0;
            }
        }
        char s[K8SC_QUANTITY_BUFSIZE];
        k8sc_quantity_format_to(s, sizeof(s), q);
        return k8sc_error_set(K8SC_EOVERFLOW, "quantity %s: %s out of the int64 range", s, what);
    }
    int sign = q->value < 0 ? -1 : 1;
    if (delta < -18) {
        /* |value| < 10^19, so only the rounding unit is left. */
        *out = sign;
        return 0;
    }
    int64_t div = (int64_t)pow10_u128((unsigned)-delta);
    *out = q->value / div + (q->value % div != 0 ? sign : 0);
    return 0;
}

int k8sc_quantity_milli(const k8sc_quantity *q, int64_t *out)
{
    return scaled_value(q, -3, "milli value", out);
}

int k8sc_quantity_int(const k8sc_quantity *q, int64_t *out)
{
    return scaled_value(q, 0, "value", out);
}

k8sc_quantity k8sc_quantity_from_milli(int64_t milli, k8sc_quantity_format format)
{
    k8sc_quantity q = { milli, -3, (int32_t)format };
    return normalized(&q);
}

k8sc_quantity k8sc_quantity_from_int(int64_t value, k8sc_quantity_format format)
{
    k8sc_quantity q = { value, 0, (int32_t)format };
    return normalized(&q);
}
