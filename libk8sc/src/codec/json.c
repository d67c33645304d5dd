/* JSON: parsing through json-c's tokener, writing by hand to control order and escaping. */
#include "codec_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether s[0..n) is a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool json_number(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && s[i] >= '1' && s[i] <= '9')
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    else
        return false;
    if (i < n && s[i] == '.') {
        size_t d = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

/* Whether the integer literal s[0..n) (optional '-', digits) fits in int64. */
static bool fits_int64(const char *s, size_t n)
{
    bool neg = n && s[0] == '-';
    s += neg;
    n -= neg;
    if (n != 19)
        return n < 19;
    return memcmp(s, neg ? "9223372036854775808" : "9223372036854775807", 19) <= 0;
}

/* Whether the float literal s[0..n) overflows a double. */
static bool float_overflows(const char *s, size_t n)
{
    char small[64];
    char *num = n < sizeof(small) ? small : k8sc__malloc(n + 1);
    if (!num)
        return false;
    memcpy(num, s, n);
    num[n] = '\0';
    double d = strtod(num, NULL);
    if (num != small)
        free(num);
    return !isfinite(d);
}

/*
 * What json-c accepts but JSON, Go and Kubernetes refuse: single-quoted
 * keys, NaN and Infinity (even in strict mode), control characters and
 * some invalid UTF-8 in strings, malformed numbers, and floats beyond a double.
 * Integers beyond int64, which json-c would clamp, Go reads as float64:
 * `*big_ints` tells the caller to re-parse, and with `rewrite` set the text
 * is copied there with ".0" after each such integer so json-c reads a double.
 * Returns 0 or an error naming the position.
 */
static int check_strict(const char *buf, size_t len, size_t start, size_t end, bool *big_ints, k8sc__buf *rewrite)
{
    bool in_string = false;
    size_t copied = start;
    for (size_t i = start; i < end; i++) {
        char c = buf[i];
        size_t line, col;
        if (in_string) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in_string = false;
            } else if ((unsigned char)c < 0x20) {
                k8sc__position(buf, len, i, &line, &col);
                return k8sc_error_set(K8SC_EINVAL, "json: line %zu, column %zu: invalid character %#04x in string literal",
                    line, col, (unsigned char)c);
            } else if ((unsigned char)c >= 0x80) {
                /* json-c's UTF-8 check lets some invalid sequences through. */
                uint32_t cp;
                size_t n = k8sc__utf8_decode((const unsigned char *)buf + i, end - i, &cp);
                if (n == 0) {
                    k8sc__position(buf, len, i, &line, &col);
                    return k8sc_error_set(K8SC_EINVAL, "json: line %zu, column %zu: invalid UTF-8 in string", line, col);
                }
                i += n - 1;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
            continue;
        }
        if (c == '\'' || c == 'N' || c == 'I') {
            k8sc__position(buf, len, i, &line, &col);
            return k8sc_error_set(K8SC_EINVAL, "json: line %zu, column %zu: invalid character '%c' looking for beginning of value",
                line, col, c);
        }
        if (c != '-' && (c < '0' || c > '9'))
            continue;
        size_t j = i + 1;
        bool is_int = true;
        while (j < end && ((buf[j] >= '0' && buf[j] <= '9') || buf[j] == '.' || buf[j] == 'e' || buf[j] == 'E' ||
                              buf[j] == '+' || buf[j] == '-')) {
            if (buf[j] == '.' || buf[j] == 'e' || buf[j] == 'E')
                is_int = false;
            j++;
        }
        if (!json_number(buf + i, j - i)) {
            k8sc__position(buf, len, i, &line, &col);
            return k8sc_error_set(K8SC_EINVAL, "json: line %zu, column %zu: invalid number %.*s",
                line, col, (int)(j - i > 40 ? 40 : j - i), buf + i);
        }
        if (is_int && !fits_int64(buf + i, j - i)) {
            *big_ints = true;
            if (rewrite) {
                k8sc__buf_put(rewrite, buf + copied, j - copied);
                k8sc__buf_puts(rewrite, ".0");
                copied = j;
            }
        } else if (!is_int && j - i > 3 && float_overflows(buf + i, j - i)) {
            k8sc__position(buf, len, i, &line, &col);
            return k8sc_error_set(K8SC_EINVAL, "json: line %zu, column %zu: number %.*s is out of range",
                line, col, (int)(j - i), buf + i);
        }
        i = j - 1;
    }
    if (rewrite)
        k8sc__buf_put(rewrite, buf + copied, end - copied);
    return 0;
}

static json_tokener *new_tokener(void)
{
    json_tokener *tok = json_tokener_new_ex(K8SC_CODEC_MAX_DEPTH);
    if (!tok)
        k8sc__error_nomem();
    else
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS | JSON_TOKENER_VALIDATE_UTF8);
    return tok;
}

/* `tok` is reused across the values of a stream: its set-up costs more than a small document. */
static int parse_one(json_tokener *tok, struct json_object **out, const char *buf, size_t len, size_t *pos)
{
    json_tokener_reset(tok);
    size_t start = *pos;
    struct json_object *v = json_tokener_parse_ex(tok, buf + start, (int)(len - start));
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t consumed = json_tokener_get_parse_end(tok);
    /* A number at the very end is complete only once the tokener sees that nothing follows. */
    if (!v && jerr == json_tokener_continue) {
        v = json_tokener_parse_ex(tok, "", 1);
        if (v || json_tokener_get_error(tok) == json_tokener_success)
            jerr = json_tokener_success;
        consumed = len - start;
    }
    if (!v && jerr == json_tokener_success) {
        /* A literal null parsed fine. */
        *out = NULL;
        *pos = start + consumed;
        return 0;
    }
    if (!v) {
        size_t line, col, at = start + consumed;
        k8sc__position(buf, len, at, &line, &col);
        if (jerr == json_tokener_continue)
            return k8sc_error_set(K8SC_EINVAL, "json: line %zu, column %zu: unexpected end of input", line, col);
        if (jerr == json_tokener_error_depth)
            return k8sc_error_set(K8SC_ERANGE, "json: line %zu, column %zu: nesting deeper than %d",
                line, col, K8SC_CODEC_MAX_DEPTH);
        return k8sc_error_set(K8SC_EINVAL, "json: line %zu, column %zu: %s", line, col,
            json_tokener_error_desc(jerr));
    }
    bool big_ints = false;
    int rc = check_strict(buf, len, start, start + consumed, &big_ints, NULL);
    if (rc == 0 && big_ints) {
        /* Rare: re-read the value with its huge integers spelled as floats. */
        json_object_put(v);
        v = NULL;
        k8sc__buf text = K8SC__BUF_INIT;
        check_strict(buf, len, start, start + consumed, &big_ints, &text);
        json_tokener *tok2 = (rc = k8sc__buf_status(&text)) == 0 ? new_tokener() : NULL;
        if (tok2) {
            v = json_tokener_parse_ex(tok2, text.ptr, (int)text.len);
            if (!v && json_tokener_get_error(tok2) == json_tokener_continue)
                v = json_tokener_parse_ex(tok2, "", 1);
            json_tokener_free(tok2);
        }
        k8sc__buf_free(&text);
        if (!v && rc == 0)
            rc = k8sc_error_set(K8SC_ERROR, "json: re-reading large integers failed");
    }
    if (rc != 0) {
        json_object_put(v);
        return rc;
    }
    *out = v;
    *pos = start + consumed;
    return 0;
}

static int check_size(size_t len)
{
    if (len > K8SC_CODEC_MAX_INPUT)
        return k8sc_error_set(K8SC_ERANGE, "input of %zu bytes exceeds the %u-byte limit", len, K8SC_CODEC_MAX_INPUT);
    if (len > INT32_MAX)
        return k8sc_error_set(K8SC_ERANGE, "input of %zu bytes is too large", len);
    return 0;
}

int k8sc_json_parse(struct json_object **out, const char *buf, size_t len)
{
    K8SC__CHECK_ARG(out && (buf || len == 0));
    int rc = check_size(len);
    if (rc)
        return rc;
    size_t pos = 0;
    while (pos < len && is_space(buf[pos]))
        pos++;
    if (pos == len)
        return k8sc_error_set(K8SC_EINVAL, "json: unexpected end of input");
    struct json_object *v = NULL;
    json_tokener *tok = new_tokener();
    if (!tok)
        return K8SC_ENOMEM;
    rc = parse_one(tok, &v, buf, len, &pos);
    json_tokener_free(tok);
    if (rc != 0)
        return rc;
    while (pos < len && is_space(buf[pos]))
        pos++;
    if (pos < len) {
        size_t line, col;
        k8sc__position(buf, len, pos, &line, &col);
        json_object_put(v);
        return k8sc_error_set(K8SC_EINVAL, "json: line %zu, column %zu: invalid character '%c' after top-level value",
            line, col, buf[pos]);
    }
    *out = v;
    return 0;
}

/* The values of a concatenated JSON stream ("{...}{...}" or newline-separated). */
int k8sc__json_parse_stream(const char *buf, size_t len,
    int (*fn)(struct json_object *doc, size_t line, void *userdata), void *userdata)
{
    int rc = check_size(len);
    json_tokener *tok = rc == 0 ? new_tokener() : NULL;
    if (rc == 0 && !tok)
        return K8SC_ENOMEM;
    size_t pos = 0, line = 1, counted = 0; /* newlines in buf[0, counted) make up line - 1 */
    while (rc == 0) {
        while (pos < len && is_space(buf[pos]))
            pos++;
        if (pos == len)
            break;
        for (; counted < pos; counted++)
            line += buf[counted] == '\n';
        struct json_object *v = NULL;
        if ((rc = parse_one(tok, &v, buf, len, &pos)) != 0)
            break;
        rc = fn(v, line, userdata);
    }
    json_tokener_free(tok);
    return rc;
}

/* Writes a string as Go's encoding/json does (HTML-safe escapes, invalid UTF-8 as U+FFFD). */
static void put_string(k8sc__buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    k8sc__buf_putc(b, '"');
    size_t run = 0; /* start of bytes copied verbatim */
    for (size_t i = 0; i < len;) {
        unsigned c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            /* Invalid sequences become U+FFFD and U+2028/2029 are escaped, as Go does. */
            uint32_t cp;
            size_t n = k8sc__utf8_decode(p + i, len - i, &cp);
            bool ok = n > 0;
            if (ok && cp != 0x2028 && cp != 0x2029) {
                i += n;
                continue;
            }
            k8sc__buf_put(b, s + run, i - run);
            if (ok) {
                k8sc__buf_printf(b, "\\u%04x", (unsigned)cp);
                i += n;
            } else {
                k8sc__buf_puts(b, "\\ufffd");
                i++;
            }
            run = i;
            continue;
        }
        k8sc__buf_put(b, s + run, i - run);
        switch (c) {
        case '"': k8sc__buf_puts(b, "\\\""); break;
        case '\\': k8sc__buf_puts(b, "\\\\"); break;
        case '\n': k8sc__buf_puts(b, "\\n"); break;
        case '\r': k8sc__buf_puts(b, "\\r"); break;
        case '\t': k8sc__buf_puts(b, "\\t"); break;
        default: {
            char e[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
            k8sc__buf_puts(b, e);
        }
        }
        run = ++i;
    }
    k8sc__buf_put(b, s + run, len - run);
    k8sc__buf_putc(b, '"');
}

static void indent(k8sc__buf *b, unsigned flags, int depth)
{
    if (!(flags & K8SC_ENCODE_PRETTY))
        return;
    k8sc__buf_putc(b, '\n');
    for (int i = 0; i < depth; i++)
        k8sc__buf_puts(b, "    ");
}

static int write_value(k8sc__buf *b, struct json_object *v, unsigned flags, int depth)
{
    if (depth > K8SC_CODEC_MAX_DEPTH)
        return k8sc_error_set(K8SC_ERANGE, "json: nesting deeper than %d", K8SC_CODEC_MAX_DEPTH);
    switch (json_object_get_type(v)) {
    case json_type_null:
        k8sc__buf_puts(b, "null");
        return 0;
    case json_type_boolean:
        k8sc__buf_puts(b, json_object_get_boolean(v) ? "true" : "false");
        return 0;
    case json_type_int:
        /* json-c keeps integers above INT64_MAX as uint64. */
        if (json_object_get_int64(v) == INT64_MAX)
            k8sc__buf_printf(b, "%llu", (unsigned long long)json_object_get_uint64(v));
        else
            k8sc__buf_printf(b, "%lld", (long long)json_object_get_int64(v));
        return 0;
    case json_type_double: {
        double d = json_object_get_double(v);
        if (!isfinite(d))
            return k8sc_error_set(K8SC_EINVAL, "json: unsupported value: %f", d);
        char num[K8SC__DOUBLE_BUFSIZE];
        k8sc__format_double(num, sizeof(num), d, 'j');
        k8sc__buf_puts(b, num);
        return 0;
    }
    case json_type_string:
        put_string(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
        return 0;
    case json_type_array: {
        size_t n = json_object_array_length(v);
        k8sc__buf_putc(b, '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                k8sc__buf_putc(b, ',');
            indent(b, flags, depth + 1);
            int rc = write_value(b, json_object_array_get_idx(v, i), flags, depth + 1);
            if (rc)
                return rc;
        }
        if (n)
            indent(b, flags, depth);
        k8sc__buf_putc(b, ']');
        return 0;
    }
    case json_type_object: {
        size_t n = (size_t)json_object_object_length(v);
        const char *stack_keys[32];
        const char **keys = n <= 32 ? stack_keys : k8sc__malloc(n * sizeof(*keys));
        if (!keys)
            return K8SC_ENOMEM;
        n = k8sc__object_keys(v, flags, keys);
        k8sc__buf_putc(b, '{');
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (i)
                k8sc__buf_putc(b, ',');
            indent(b, flags, depth + 1);
            put_string(b, keys[i], strlen(keys[i]));
            k8sc__buf_puts(b, (flags & K8SC_ENCODE_PRETTY) ? ": " : ":");
            rc = write_value(b, k8sc__json_member(v, keys[i]), flags, depth + 1);
        }
        if (n && rc == 0)
            indent(b, flags, depth);
        k8sc__buf_putc(b, '}');
        if (keys != stack_keys)
            free(keys);
        return rc;
    }
    }
    return k8sc_error_set(K8SC_EINVAL, "json: unknown value type");
}

int k8sc_json_encode(char **out, size_t *out_len, const struct json_object *value, unsigned flags)
{
    K8SC__CHECK_ARG(out);
    k8sc__buf b = K8SC__BUF_INIT;
    int rc = write_value(&b, (struct json_object *)value, flags, 0);
    if (rc == 0 && (flags & K8SC_ENCODE_NEWLINE))
        k8sc__buf_putc(&b, '\n');
    if (rc == 0)
        rc = k8sc__buf_status(&b);
    if (rc != 0) {
        k8sc__buf_free(&b);
        return rc;
    }
    *out = k8sc__buf_detach(&b, out_len);
    return *out ? 0 : K8SC_ENOMEM;
}

int k8sc_object_from_json(k8sc_object **out, const char *buf, size_t len)
{
    K8SC__CHECK_ARG(out);
    struct json_object *v = NULL;
    int rc = k8sc_json_parse(&v, buf, len);
    if (rc)
        return rc;
    rc = k8sc_object_wrap(out, v);
    if (rc)
        json_object_put(v);
    return rc;
}

int k8sc_object_to_json(char **out, size_t *out_len, const k8sc_object *obj, unsigned flags)
{
    K8SC__CHECK_ARG(out && obj);
    return k8sc_json_encode(out, out_len, k8sc_object_json(obj), flags);
}
