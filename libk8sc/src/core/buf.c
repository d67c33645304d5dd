#include "internal.h"

#include <stdlib.h>
#include <string.h>

int k8sc__buf_grow(k8sc__buf *b, size_t extra)
{
    if (b->failed)
        return K8SC_ENOMEM;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->failed = true;
            return k8sc__error_nomem();
        }
        cap *= 2;
    }
    char *p = realloc(b->ptr, cap);
    if (!p) {
        b->failed = true;
        return k8sc__error_nomem();
    }
    b->ptr = p;
    b->cap = cap;
    return 0;
}

int k8sc__buf_put(k8sc__buf *b, const char *data, size_t len)
{
    if (k8sc__buf_grow(b, len) != 0)
        return K8SC_ENOMEM;
    if (len)
        memcpy(b->ptr + b->len, data, len);
    b->len += len;
    b->ptr[b->len] = '\0';
    return 0;
}

int k8sc__buf_puts(k8sc__buf *b, const char *s)
{
    return k8sc__buf_put(b, s, strlen(s));
}

int k8sc__buf_put_urlescaped(k8sc__buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '.' || *p == '_' || *p == '~') {
            k8sc__buf_putc(b, (char)*p);
        } else {
            char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
            k8sc__buf_put(b, esc, 3);
        }
    }
    return k8sc__buf_status(b);
}

int k8sc__buf_putc(k8sc__buf *b, char c)
{
    return k8sc__buf_put(b, &c, 1);
}

int k8sc__buf_vprintf(k8sc__buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return k8sc_error_set(K8SC_ERROR, "format error");
    if (k8sc__buf_grow(b, (size_t)n) != 0)
        return K8SC_ENOMEM;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int k8sc__buf_printf(k8sc__buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = k8sc__buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

/*
 * Code points Go's strconv.IsPrint rejects among the assigned ones people
 * meet: C1 controls, non-ASCII spaces, line/paragraph separators, format
 * characters, private use and noncharacters. strconv.Quote escapes them.
 */
static bool go_unprintable(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0xA0) || cp == 0xAD || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200F) ||
        (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 ||
        (cp >= 0xE000 && cp <= 0xF8FF) || cp == 0xFEFF || (cp >= 0xFFF0 && cp <= 0xFFFB) ||
        (cp & 0xFFFE) == 0xFFFE || (cp >= 0xF0000);
}

size_t k8sc__utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
    uint32_t c = s[0];
    size_t n;
    uint32_t min;
    *cp = c;
    if (c < 0x80)
        return 1;
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
    *cp = c;
    return n;
}

int k8sc__buf_put_goquoted(k8sc__buf *b, const char *s, size_t len)
{
    k8sc__buf_putc(b, '"');
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned c = p[i];
        if (c >= 0x80) {
            uint32_t cp;
            size_t n = k8sc__utf8_decode(p + i, len - i, &cp);
            if (n == 0) {
                k8sc__buf_printf(b, "\\x%02x", c);
                i++;
            } else if (go_unprintable(cp)) {
                k8sc__buf_printf(b, cp > 0xFFFF ? "\\U%08x" : "\\u%04x", cp);
                i += n;
            } else {
                k8sc__buf_put(b, s + i, n);
                i += n;
            }
            continue;
        }
        switch (c) {
        case '"': k8sc__buf_puts(b, "\\\""); break;
        case '\\': k8sc__buf_puts(b, "\\\\"); break;
        case '\a': k8sc__buf_puts(b, "\\a"); break;
        case '\b': k8sc__buf_puts(b, "\\b"); break;
        case '\f': k8sc__buf_puts(b, "\\f"); break;
        case '\n': k8sc__buf_puts(b, "\\n"); break;
        case '\r': k8sc__buf_puts(b, "\\r"); break;
        case '\t': k8sc__buf_puts(b, "\\t"); break;
        case '\v': k8sc__buf_puts(b, "\\v"); break;
        default:
            if (c < 0x20 || c == 0x7f)
                k8sc__buf_printf(b, "\\x%02x", c);
            else
                k8sc__buf_putc(b, (char)c);
        }
        i++;
    }
    return k8sc__buf_putc(b, '"');
}

int k8sc__buf_status(const k8sc__buf *b)
{
    return b->failed ? K8SC_ENOMEM : 0;
}

char *k8sc__buf_detach(k8sc__buf *b, size_t *len)
{
    if (b->failed) {
        k8sc__buf_free(b);
        k8sc__error_nomem();
        return NULL;
    }
    if (!b->ptr && k8sc__buf_grow(b, 0) != 0)
        return NULL;
    b->ptr[b->len] = '\0';
    char *p = b->ptr;
    if (len)
        *len = b->len;
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}

void k8sc__buf_free(k8sc__buf *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

void k8sc__position(const char *buf, size_t len, size_t offset, size_t *line, size_t *column)
{
    size_t l = 1, c = 1;
    if (offset > len)
        offset = len;
    for (size_t i = 0; i < offset; i++) {
        if (buf[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *column = c;
}
