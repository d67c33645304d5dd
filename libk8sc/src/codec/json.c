/* JSON: parsing through json-c's tokener, writing by hand to control order and escaping. */
#include "codec_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * json-c accepts single-quoted object keys, NaN and Infinity even in
 * strict mode; JSON (and Kubernetes) does not. Returns the offset of the
 * first such character outside a string in buf[start, end), or `end`.
 */
static size_t find_non_json(const char *buf, size_t start, size_t end)
{
    if (!memchr(buf + start, '\'', end - start) && !memchr(buf + start, 'N', end - start) &&
        !memchr(buf + start, 'I', end - start))
        return end;
    bool in_string = false;
    for (size_t i = start; i < end; i++) {
        char c = buf[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '\'' || c == 'N' || c == 'I') {
            return i;
        }
    }
    return end;
}

/* Parse the JSON value starting at buf[*pos]; on success *pos is just past it. */
static int parse_one(struct json_object **out, const char *buf, size_t len, size_t *pos)
{
    json_tokener *tok = json_tokener_new_ex(K8SC_CODEC_MAX_DEPTH);
    if (!tok)
        return k8sc__error_nomem();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS | JSON_TOKENER_VALIDATE_UTF8);
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
    json_tokener_free(tok);
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
    size_t bad = find_non_json(buf, start, start + consumed);
    if (bad < start + consumed) {
        size_t line, col;
        json_object_put(v);
        k8sc__position(buf, len, bad, &line, &col);
        return k8sc_error_set(K8SC_EINVAL, "json: line %zu, column %zu: invalid character '%c' looking for beginning of value",
            line, col, buf[bad]);
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
    if ((rc = parse_one(&v, buf, len, &pos)) != 0)
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
    size_t pos = 0;
    while (rc == 0) {
        while (pos < len && is_space(buf[pos]))
            pos++;
        if (pos == len)
            break;
        size_t line, col;
        k8sc__position(buf, len, pos, &line, &col);
        struct json_object *v = NULL;
        if ((rc = parse_one(&v, buf, len, &pos)) != 0)
            break;
        rc = fn(v, line, userdata);
    }
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
            /* Validate the sequence; U+2028/2029 are escaped as Go does. */
            size_t n = 0;
            unsigned cp = 0;
            if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
            else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
            else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
            bool ok = n && i + n <= len;
            for (size_t k = 1; ok && k < n; k++) {
                ok = (p[i + k] & 0xC0) == 0x80;
                cp = (cp << 6) | (p[i + k] & 0x3F);
            }
            static const unsigned minv[] = { 0, 0, 0x80, 0x800, 0x10000 };
            ok = ok && cp >= minv[n] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
            if (ok && cp != 0x2028 && cp != 0x2029) {
                i += n;
                continue;
            }
            k8sc__buf_put(b, s + run, i - run);
            if (ok) {
                k8sc__buf_printf(b, "\\u%04x", cp);
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
