/*
 * Field error lists, printed exactly as k8s.io/apimachinery's field.Error
 * and ErrorList.ToAggregate() print them, because the API server hands
 * these strings to kubectl unchanged.
 */
#include "validation_internal.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    k8sc_field_error_type type;
    char *field; /* one allocation: field, then value (if any), then detail */
    char *value; /* rendered bad value, NULL when the message shows none */
    char *detail;
} entry;

struct k8sc_field_errors {
    entry *items;
    size_t count;
    size_t cap;
};

/* Deep enough for any real object; json-c's own parser stops at 32. */
#define RENDER_MAX_DEPTH 200

static const char *type_string(k8sc_field_error_type type)
{
    switch (type) {
    case K8SC_FIELD_NOT_FOUND: return "Not found";
    case K8SC_FIELD_REQUIRED: return "Required value";
    case K8SC_FIELD_DUPLICATE: return "Duplicate value";
    case K8SC_FIELD_INVALID: return "Invalid value";
    case K8SC_FIELD_NOT_SUPPORTED: return "Unsupported value";
    case K8SC_FIELD_FORBIDDEN: return "Forbidden";
    case K8SC_FIELD_TOO_LONG: return "Too long";
    case K8SC_FIELD_TOO_MANY: return "Too many";
    case K8SC_FIELD_INTERNAL: return "Internal error";
    case K8SC_FIELD_TYPE_INVALID: return "Invalid value";
    }
    return NULL;
}

/* ErrorBody() never prints the value of these, whatever it is. */
static bool type_omits_value(k8sc_field_error_type type)
{
    return type == K8SC_FIELD_REQUIRED || type == K8SC_FIELD_FORBIDDEN ||
        type == K8SC_FIELD_TOO_LONG || type == K8SC_FIELD_INTERNAL;
}

int k8sc_field_errors_new(k8sc_field_errors **out)
{
    K8SC__CHECK_ARG(out);
    *out = k8sc__calloc(1, sizeof(**out));
    return *out ? 0 : K8SC_ENOMEM;
}

void k8sc_field_errors_free(k8sc_field_errors *errs)
{
    if (!errs)
        return;
    for (size_t i = 0; i < errs->count; i++)
        free(errs->items[i].field);
    free(errs->items);
    free(errs);
}

size_t k8sc_field_errors_count(const k8sc_field_errors *errs)
{
    return errs ? errs->count : 0;
}

int k8sc_field_errors_at(const k8sc_field_errors *errs, size_t index, k8sc_field_error *out)
{
    K8SC__CHECK_ARG(errs);
    K8SC__CHECK_ARG(out);
    if (index >= errs->count)
        return k8sc_error_set(K8SC_ENOTFOUND, "field error %zu: the list has %zu", index, errs->count);
    const entry *e = &errs->items[index];
    out->type = e->type;
    out->field = e->field;
    out->bad_value = e->value;
    out->detail = e->detail;
    return 0;
}

int k8sc__field_errors_add_rendered(k8sc_field_errors *errs, k8sc_field_error_type type,
    const char *field, const char *value, const char *detail)
{
    K8SC__CHECK_ARG(errs);
    K8SC__CHECK_ARG(field);
    if (!type_string(type))
        return k8sc_error_set(K8SC_EINVAL, "unknown field error type %d", (int)type);
    if (!detail)
        detail = "";
    if (type_omits_value(type))
        value = NULL;

    size_t flen = strlen(field), vlen = value ? strlen(value) : 0, dlen = strlen(detail);
    if (errs->count == errs->cap) {
        size_t cap = errs->cap ? errs->cap * 2 : 8;
        entry *items = k8sc__realloc(errs->items, cap * sizeof(*items));
        if (!items)
            return K8SC_ENOMEM;
        errs->items = items;
        errs->cap = cap;
    }
    char *block = k8sc__malloc(flen + 1 + (value ? vlen + 1 : 0) + dlen + 1);
    if (!block)
        return K8SC_ENOMEM;
    entry *e = &errs->items[errs->count];
    e->type = type;
    e->field = block;
    memcpy(block, field, flen + 1);
    block += flen + 1;
    e->value = NULL;
    if (value) {
        e->value = block;
        memcpy(block, value, vlen + 1);
        block += vlen + 1;
    }
    e->detail = block;
    memcpy(block, detail, dlen + 1);
    errs->count++;
    return 0;
}

/* Append with a printf-style detail and an already rendered value. */
static int add_renderedv(k8sc_field_errors *errs, k8sc_field_error_type type, const char *field,
    const char *value, const char *detail_fmt, va_list ap)
{
    k8sc__buf detail = K8SC__BUF_INIT;
    if (detail_fmt) {
        int rc = k8sc__buf_vprintf(&detail, detail_fmt, ap);
        if (rc != 0) {
            k8sc__buf_free(&detail);
            return rc;
        }
    }
    int rc = k8sc__field_errors_add_rendered(errs, type, field, value, detail.ptr ? detail.ptr : "");
    k8sc__buf_free(&detail);
    return rc;
}

int k8sc_field_errors_add(k8sc_field_errors *errs, k8sc_field_error_type type,
    const char *field, const struct json_object *bad_value, const char *detail, ...)
{
    K8SC__CHECK_ARG(errs);
    K8SC__CHECK_ARG(field);
    k8sc__buf value = K8SC__BUF_INIT;
    /* field.TooMany with no count is the one error that shows no value at all. */
    bool show = !type_omits_value(type) && !(type == K8SC_FIELD_TOO_MANY && !bad_value);
    if (show) {
        int rc = k8sc__field_value_render(&value, bad_value);
        if (rc != 0) {
            k8sc__buf_free(&value);
            return rc;
        }
    }
    va_list ap;
    va_start(ap, detail);
    int rc = add_renderedv(errs, type, field, show ? value.ptr : NULL, detail, ap);
    va_end(ap);
    k8sc__buf_free(&value);
    return rc;
}

int k8sc_field_errors_add_str(k8sc_field_errors *errs, k8sc_field_error_type type,
    const char *field, const char *bad_value, const char *detail, ...)
{
    K8SC__CHECK_ARG(errs);
    K8SC__CHECK_ARG(field);
    k8sc__buf value = K8SC__BUF_INIT;
    bool show = !type_omits_value(type) && !(type == K8SC_FIELD_TOO_MANY && !bad_value);
    if (show) {
        if (bad_value)
            k8sc__buf_put_goquoted(&value, bad_value, strlen(bad_value));
        else
            k8sc__buf_puts(&value, "null");
        if (k8sc__buf_status(&value) != 0) {
            k8sc__buf_free(&value);
            return K8SC_ENOMEM;
        }
    }
    va_list ap;
    va_start(ap, detail);
    int rc = add_renderedv(errs, type, field, show ? value.ptr : NULL, detail, ap);
    va_end(ap);
    k8sc__buf_free(&value);
    return rc;
}

/* ---- Printing bad values ------------------------------------------------ */

/* A float64 as fmt's %v (json=false) or as encoding/json (json=true) prints it. */
static void put_float(k8sc__buf *b, double v, bool json)
{
    if (isnan(v) || isinf(v)) {
        /* json-c can parse these though JSON cannot hold them; Go's %v spelling. */
        k8sc__buf_puts(b, isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
        return;
    }
    char text[K8SC__DOUBLE_BUFSIZE];
    k8sc__format_double(text, sizeof(text), v, json ? 'j' : 'g');
    k8sc__buf_puts(b, text);
}

/*
 * Decode one UTF-8 sequence as Go's utf8.DecodeRune: returns its length,
 * with *r = -1 for an invalid byte (length 1).
 */
static size_t utf8_decode(const unsigned char *s, size_t n, long *r)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *r = c;
        return 1;
    }
    size_t len;
    long min;
    unsigned long cp;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; min = 0x80; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; min = 0x800; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; min = 0x10000; cp = c & 0x07; }
    else { *r = -1; return 1; }
    if (len > n) {
        *r = -1;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *r = -1;
            return 1;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((long)cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *r = -1;
        return 1;
    }
    *r = (long)cp;
    return len;
}

/* A JSON string as Go's encoding/json writes it (HTML-safe escaping, invalid UTF-8 as U+FFFD). */
static void put_json_string(k8sc__buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    k8sc__buf_putc(b, '"');
    for (size_t i = 0; i < len;) {
        unsigned c = p[i];
        if (c < 0x80) {
            switch (c) {
            case '"': k8sc__buf_puts(b, "\\\""); break;
            case '\\': k8sc__buf_puts(b, "\\\\"); break;
            case '\b': k8sc__buf_puts(b, "\\b"); break;
            case '\f': k8sc__buf_puts(b, "\\f"); break;
            case '\n': k8sc__buf_puts(b, "\\n"); break;
            case '\r': k8sc__buf_puts(b, "\\r"); break;
            case '\t': k8sc__buf_puts(b, "\\t"); break;
            default:
                if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                    char esc[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
                    k8sc__buf_puts(b, esc);
                } else {
                    k8sc__buf_putc(b, (char)c);
                }
            }
            i++;
            continue;
        }
        long r;
        size_t n = utf8_decode(p + i, len - i, &r);
        if (r < 0)
            k8sc__buf_puts(b, "\\ufffd");
        else if (r == 0x2028 || r == 0x2029)
            k8sc__buf_printf(b, "\\u%04lx", (unsigned long)r);
        else
            k8sc__buf_put(b, s + i, n);
        i += n;
    }
    k8sc__buf_putc(b, '"');
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A JSON tree as json.Marshal writes it: compact, map keys sorted. */
static int put_json(k8sc__buf *b, const struct json_object *v, int depth)
{
    if (depth > RENDER_MAX_DEPTH)
        return k8sc_error_set(K8SC_ERANGE, "bad value nested deeper than %d levels", RENDER_MAX_DEPTH);
    switch (json_object_get_type(v)) {
    case json_type_null:
        k8sc__buf_puts(b, "null");
        return 0;
    case json_type_boolean:
        k8sc__buf_puts(b, json_object_get_boolean(v) ? "true" : "false");
        return 0;
    case json_type_int: {
        int64_t i = json_object_get_int64(v);
        if (i == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX)
            k8sc__buf_printf(b, "%llu", (unsigned long long)json_object_get_uint64(v));
        else
            k8sc__buf_printf(b, "%lld", (long long)i);
        return 0;
    }
    case json_type_double:
        put_float(b, json_object_get_double(v), true);
        return 0;
    case json_type_string:
        put_json_string(b, json_object_get_string((struct json_object *)v),
            (size_t)json_object_get_string_len(v));
        return 0;
    case json_type_array: {
        size_t n = json_object_array_length(v);
        k8sc__buf_putc(b, '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                k8sc__buf_putc(b, ',');
            int rc = put_json(b, json_object_array_get_idx(v, i), depth + 1);
            if (rc != 0)
                return rc;
        }
        k8sc__buf_putc(b, ']');
        return 0;
    }
    case json_type_object: {
        size_t n = (size_t)json_object_object_length(v), i = 0;
        const char **keys = n ? k8sc__calloc(n, sizeof(*keys)) : NULL;
        if (n && !keys)
            return K8SC_ENOMEM;
        json_object_object_foreach((struct json_object *)v, key, val) {
            (void)val;
            if (i < n)
                keys[i++] = key;
        }
        if (i > 1)
            qsort(keys, i, sizeof(*keys), cmp_keys);
        k8sc__buf_putc(b, '{');
        int rc = 0;
        for (size_t k = 0; k < i && rc == 0; k++) {
            if (k)
                k8sc__buf_putc(b, ',');
            put_json_string(b, keys[k], strlen(keys[k]));
            k8sc__buf_putc(b, ':');
            rc = put_json(b, json_object_object_get((struct json_object *)v, keys[k]), depth + 1);
        }
        free(keys);
        if (rc != 0)
            return rc;
        k8sc__buf_putc(b, '}');
        return 0;
    }
    }
    return k8sc_error_set(K8SC_EINVAL, "bad value of unknown JSON type");
}

int k8sc__field_value_render(k8sc__buf *b, const struct json_object *v)
{
    int rc = 0;
    switch (json_object_get_type(v)) {
    case json_type_null:
        k8sc__buf_puts(b, "null");
        break;
    case json_type_string:
        k8sc__buf_put_goquoted(b, json_object_get_string((struct json_object *)v),
            (size_t)json_object_get_string_len(v));
        break;
    case json_type_double:
        put_float(b, json_object_get_double(v), false);
        break;
    default:
        /* Simple values print alike either way; maps and lists as JSON, as newer Kubernetes does. */
        rc = put_json(b, v, 0);
    }
    if (rc == 0)
        rc = k8sc__buf_status(b);
    return rc;
}

/* ---- Printing errors ------------------------------------------------------ */

static int put_error(k8sc__buf *b, const k8sc_field_error *err)
{
    const char *ts = type_string(err->type);
    if (!ts)
        return k8sc_error_set(K8SC_EINVAL, "unknown field error type %d", (int)err->type);
    k8sc__buf_puts(b, err->field);
    k8sc__buf_puts(b, ": ");
    k8sc__buf_puts(b, ts);
    if (err->bad_value && !type_omits_value(err->type)) {
        k8sc__buf_puts(b, ": ");
        k8sc__buf_puts(b, err->bad_value);
    }
    if (err->detail && err->detail[0]) {
        k8sc__buf_puts(b, ": ");
        k8sc__buf_puts(b, err->detail);
    }
    return k8sc__buf_status(b);
}

int k8sc_field_error_to_string(char **out, const k8sc_field_error *err)
{
    K8SC__CHECK_ARG(out);
    K8SC__CHECK_ARG(err);
    K8SC__CHECK_ARG(err->field);
    k8sc__buf b = K8SC__BUF_INIT;
    int rc = put_error(&b, err);
    if (rc != 0) {
        k8sc__buf_free(&b);
        return rc;
    }
    *out = k8sc__buf_detach(&b, NULL);
    return *out ? 0 : K8SC_ENOMEM;
}

static uint64_t hash_str(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/*
 * Messages are printed into one buffer; `off[i]`/`len[i]` locate message i.
 * A message already printed is dropped, as ToAggregate() and the
 * aggregate's Error() both do.
 */
int k8sc_field_errors_to_string(char **out, const k8sc_field_errors *errs)
{
    K8SC__CHECK_ARG(out);
    K8SC__CHECK_ARG(errs);
    size_t n = errs->count;
    k8sc__buf all = K8SC__BUF_INIT;
    size_t *off = NULL, *len = NULL, *table = NULL, tsize = 1, kept = 0;
    int rc = 0;
    while (tsize < 2 * n)
        tsize *= 2;
    if (n) {
        off = k8sc__calloc(n, sizeof(*off));
        len = k8sc__calloc(n, sizeof(*len));
        table = k8sc__calloc(tsize, sizeof(*table)); /* slot holds 1 + message index; 0 is empty */
        if (!off || !len || !table) {
            rc = K8SC_ENOMEM;
            goto done;
        }
    }
    k8sc__buf_putc(&all, '[');
    for (size_t i = 0; i < n; i++) {
        size_t start = all.len;
        if (kept)
            k8sc__buf_puts(&all, ", ");
        size_t msg_start = all.len;
        k8sc_field_error e;
        k8sc_field_errors_at(errs, i, &e);
        if ((rc = put_error(&all, &e)) != 0)
            goto done;
        size_t msg_len = all.len - msg_start;
        size_t slot = (size_t)hash_str(all.ptr + msg_start, msg_len) & (tsize - 1);
        bool dup = false;
        for (; table[slot]; slot = (slot + 1) & (tsize - 1)) {
            size_t j = table[slot] - 1;
            if (len[j] == msg_len && memcmp(all.ptr + off[j], all.ptr + msg_start, msg_len) == 0) {
                dup = true;
                break;
            }
        }
        if (dup) {
            all.len = start;
            all.ptr[start] = '\0';
            continue;
        }
        table[slot] = kept + 1;
        off[kept] = msg_start;
        len[kept] = msg_len;
        kept++;
    }
    k8sc__buf_putc(&all, ']');
    if ((rc = k8sc__buf_status(&all)) != 0)
        goto done;
    if (kept <= 1) {
        /* One message stands alone (and none is the empty string). */
        *out = kept ? k8sc__strndup(all.ptr + off[0], len[0]) : k8sc__strdup("");
    } else {
        *out = k8sc__buf_detach(&all, NULL);
    }
    if (!*out)
        rc = K8SC_ENOMEM;
done:
    k8sc__buf_free(&all);
    free(off);
    free(len);
    free(table);
    return rc;
}
