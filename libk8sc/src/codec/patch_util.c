/* JSON tree helpers for the patch engine: copies, comparisons, messages. */
#include "patch_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

k8sc__jkind k8sc__json_kind(const struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_boolean: return K8SC__JBOOL;
    case json_type_int:
    case json_type_double: return K8SC__JNUMBER;
    case json_type_string: return K8SC__JSTRING;
    case json_type_object: return K8SC__JOBJECT;
    case json_type_array: return K8SC__JARRAY;
    case json_type_null: break;
    }
    return K8SC__JNULL;
}

const char *k8sc__json_kind_name(k8sc__jkind kind)
{
    switch (kind) {
    case K8SC__JBOOL: return "bool";
    case K8SC__JNUMBER: return "number";
    case K8SC__JSTRING: return "string";
    case K8SC__JOBJECT: return "map";
    case K8SC__JARRAY: return "slice";
    case K8SC__JNULL: break;
    }
    return "null";
}

const char *k8sc__json_type_name(const struct json_object *v)
{
    switch (k8sc__json_kind(v)) {
    case K8SC__JOBJECT: return "an object";
    case K8SC__JARRAY: return "an array";
    case K8SC__JSTRING: return "a string";
    case K8SC__JNUMBER: return "a number";
    case K8SC__JBOOL: return "a boolean";
    case K8SC__JNULL: break;
    }
    return "null";
}

int k8sc__json_depth(const struct json_object *v, int limit)
{
    int deepest = 0;
    if (limit < 0)
        return 1;
    if (json_object_is_type(v, json_type_object)) {
        json_object_object_foreach((struct json_object *)v, key, child) {
            (void)key;
            int d = 1 + k8sc__json_depth(child, limit - 1);
            if (d > deepest)
                deepest = d;
            if (deepest > limit)
                break;
        }
    } else if (json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n && deepest <= limit; i++) {
            int d = 1 + k8sc__json_depth(json_object_array_get_idx(v, i), limit - 1);
            if (d > deepest)
                deepest = d;
        }
    }
    return deepest;
}

int k8sc__json_check_depth(const struct json_object *v, int base, const char *what)
{
    int limit = K8SC_CODEC_MAX_DEPTH - base;
    if (limit < 0 || k8sc__json_depth(v, limit) > limit)
        return k8sc_error_set(K8SC_ERANGE, "%s nests deeper than %d levels", what, K8SC_CODEC_MAX_DEPTH);
    return 0;
}

size_t k8sc__json_count(const struct json_object *v, size_t limit)
{
    size_t n = 1;
    if (json_object_is_type(v, json_type_object)) {
        json_object_object_foreach((struct json_object *)v, key, child) {
            (void)key;
            if (n > limit)
                break;
            n += k8sc__json_count(child, limit - n);
        }
    } else if (json_object_is_type(v, json_type_array)) {
        size_t len = json_object_array_length(v);
        for (size_t i = 0; i < len && n <= limit; i++)
            n += k8sc__json_count(json_object_array_get_idx(v, i), limit - n);
    }
    return n;
}

/* An integer, whether json-c holds it as int64 or (above INT64_MAX) uint64. */
static bool is_uint64(const struct json_object *v, uint64_t *u)
{
    if (json_object_get_int64(v) != INT64_MAX)
        return false;
    *u = json_object_get_uint64(v);
    return true;
}

int k8sc__json_copy(struct json_object **out, const struct json_object *v)
{
    struct json_object *c = NULL;
    uint64_t u;
    *out = NULL;
    switch (json_object_get_type(v)) {
    case json_type_null:
        return 0;
    case json_type_boolean:
        c = json_object_new_boolean(json_object_get_boolean(v));
        break;
    case json_type_int:
        c = is_uint64(v, &u) ? json_object_new_uint64(u) : json_object_new_int64(json_object_get_int64(v));
        break;
    case json_type_double:
        c = json_object_new_double(json_object_get_double(v));
        break;
    case json_type_string:
        c = json_object_new_string_len(json_object_get_string((struct json_object *)v),
            json_object_get_string_len(v));
        break;
    case json_type_array: {
        size_t n = json_object_array_length(v);
        c = json_object_new_array_ext(n ? (int)(n > INT32_MAX ? INT32_MAX : n) : 1);
        for (size_t i = 0; c && i < n; i++) {
            struct json_object *e;
            if (k8sc__json_copy(&e, json_object_array_get_idx(v, i)) != 0 || json_object_array_add(c, e) != 0) {
                json_object_put(e);
                json_object_put(c);
                c = NULL;
            }
        }
        break;
    }
    case json_type_object:
        c = json_object_new_object();
        if (!c)
            break;
        json_object_object_foreach((struct json_object *)v, key, child) {
            struct json_object *e;
            if (k8sc__json_copy(&e, child) != 0 || k8sc__json_set(c, key, e) != 0) {
                json_object_put(c);
                return k8sc__error_nomem();
            }
        }
        break;
    }
    if (!c)
        return k8sc__error_nomem();
    *out = c;
    return 0;
}

/*
 * A number as Go sees it after Kubernetes decodes JSON: whole values
 * become int64 (here: sign and magnitude, exact up to 2^64), others stay
 * float64.
 */
typedef struct {
    bool whole, neg;
    uint64_t mag;
    double d;
} number;

static number to_number(const struct json_object *v)
{
    number n = { false, false, 0, 0 };
    uint64_t u;
    if (json_object_is_type(v, json_type_int)) {
        n.whole = true;
        if (is_uint64(v, &u)) {
            n.mag = u;
        } else {
            int64_t i = json_object_get_int64(v);
            n.neg = i < 0;
            n.mag = n.neg ? (uint64_t)(-(i + 1)) + 1 : (uint64_t)i;
        }
        return n;
    }
    n.d = json_object_get_double(v);
    if (isfinite(n.d) && n.d == floor(n.d) && fabs(n.d) < 18446744073709551616.0) {
        n.whole = true;
        n.neg = n.d < 0;
        n.mag = (uint64_t)fabs(n.d);
    }
    return n;
}

static bool number_equal(const struct json_object *a, const struct json_object *b)
{
    number x = to_number(a), y = to_number(b);
    if (x.whole != y.whole)
        return false;
    if (!x.whole)
        return x.d == y.d;
    return x.mag == y.mag && (x.neg == y.neg || x.mag == 0);
}

bool k8sc__json_equal(const struct json_object *a, const struct json_object *b)
{
    if (a == b)
        return true;
    k8sc__jkind k = k8sc__json_kind(a);
    if (k != k8sc__json_kind(b))
        return false;
    switch (k) {
    case K8SC__JNULL: return true;
    case K8SC__JBOOL: return json_object_get_boolean(a) == json_object_get_boolean(b);
    case K8SC__JNUMBER: return number_equal(a, b);
    case K8SC__JSTRING: {
        int la = json_object_get_string_len(a), lb = json_object_get_string_len(b);
        return la == lb &&
            memcmp(json_object_get_string((struct json_object *)a), json_object_get_string((struct json_object *)b), (size_t)la) == 0;
    }
    case K8SC__JARRAY: {
        size_t n = json_object_array_length(a);
        if (n != json_object_array_length(b))
            return false;
        for (size_t i = 0; i < n; i++)
            if (!k8sc__json_equal(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i)))
                return false;
        return true;
    }
    case K8SC__JOBJECT: {
        if (json_object_object_length(a) != json_object_object_length(b))
            return false;
        json_object_object_foreach((struct json_object *)a, key, va) {
            struct json_object *vb;
            if (!json_object_object_get_ex(b, key, &vb) || !k8sc__json_equal(va, vb))
                return false;
        }
        return true;
    }
    }
    return false;
}

void k8sc__json_describe(k8sc__buf *b, const struct json_object *v)
{
    enum { MAX = 200 };
    char *s = NULL;
    size_t len = 0;
    if (k8sc_json_encode(&s, &len, v, 0) != 0) {
        k8sc__buf_puts(b, "<unprintable value>");
        return;
    }
    if (len > MAX) {
        /* Cut on a UTF-8 boundary so the message stays valid text. */
        size_t cut = MAX;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--;
        k8sc__buf_put(b, s, cut);
        k8sc__buf_puts(b, "...");
    } else {
        k8sc__buf_put(b, s, len);
    }
    k8sc_free(s);
}

void k8sc__json_go_string(k8sc__buf *b, const struct json_object *v)
{
    uint64_t u;
    switch (json_object_get_type(v)) {
    case json_type_null:
        k8sc__buf_puts(b, "<nil>");
        return;
    case json_type_boolean:
        k8sc__buf_puts(b, json_object_get_boolean(v) ? "true" : "false");
        return;
    case json_type_int:
        if (is_uint64(v, &u))
            k8sc__buf_printf(b, "%llu", (unsigned long long)u);
        else
            k8sc__buf_printf(b, "%lld", (long long)json_object_get_int64(v));
        return;
    case json_type_double: {
        double d = json_object_get_double(v);
        /* Kubernetes decodes whole numbers to int64, which print without a fraction. */
        if (isfinite(d) && d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
            k8sc__buf_printf(b, "%lld", (long long)d);
        } else {
            char num[K8SC__DOUBLE_BUFSIZE];
            k8sc__format_double(num, sizeof(num), d, 'g');
            k8sc__buf_puts(b, num);
        }
        return;
    }
    case json_type_string:
        k8sc__buf_put(b, json_object_get_string((struct json_object *)v), (size_t)json_object_get_string_len(v));
        return;
    case json_type_array:
    case json_type_object:
        k8sc__json_describe(b, v);
        return;
    }
}

bool k8sc__json_get(const struct json_object *obj, const char *key, struct json_object **value)
{
    struct json_object *v = NULL;
    bool found = json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, key, &v);
    if (value)
        *value = found ? v : NULL;
    return found;
}

int k8sc__json_set(struct json_object *obj, const char *key, struct json_object *value)
{
    struct json_object *old;
    /* json-c releases the old value first, which would free a value stored again under its own key. */
    if (json_object_object_get_ex(obj, key, &old) && old == value && value) {
        json_object_put(value);
        return 0;
    }
    if (json_object_object_add(obj, key, value) != 0) {
        json_object_put(value);
        return k8sc__error_nomem();
    }
    return 0;
}

int k8sc__stable_sort(void *base, size_t n, size_t size,
    int (*cmp)(const void *a, const void *b, void *ctx), void *ctx)
{
    if (n < 2)
        return 0;
    unsigned char *a = base;
    unsigned char *tmp = k8sc__malloc(n * size);
    if (!tmp)
        return K8SC_ENOMEM;
    /* Bottom-up merge sort: runs of `width` merged pairwise, taking from the left on ties. */
    unsigned char *src = a, *dst = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                if (cmp(src + j * size, src + i * size, ctx) < 0)
                    memcpy(dst + k++ * size, src + j++ * size, size);
                else
                    memcpy(dst + k++ * size, src + i++ * size, size);
            }
            while (i < mid)
                memcpy(dst + k++ * size, src + i++ * size, size);
            while (j < hi)
                memcpy(dst + k++ * size, src + j++ * size, size);
        }
        unsigned char *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * size);
    free(tmp);
    return 0;
}

int k8sc__cmp_rank(const void *a, const void *b, void *ctx)
{
    const k8sc__ranked *x = a, *y = b;
    (void)ctx;
    if (x->at < 0 || y->at < 0)
        return 0;
    return x->at < y->at ? -1 : x->at > y->at;
}
