/*
 * Resource lists (v1.ResourceList): resource name -> quantity.
 *
 * A small array in insertion order; pods name a handful of resources, so
 * a linear search beats hashing.
 */
#include "internal.h"
#include "k8sc/object.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct resource_entry {
    char *name;
    k8sc_quantity q;
} resource_entry;

struct k8sc_resources {
    resource_entry *items;
    size_t count;
    size_t cap;
};

int k8sc_resources_new(k8sc_resources **out)
{
    K8SC__CHECK_ARG(out);
    *out = k8sc__calloc(1, sizeof(**out));
    return *out ? 0 : K8SC_ENOMEM;
}

void k8sc_resources_free(k8sc_resources *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->count; i++)
        free(res->items[i].name);
    free(res->items);
    free(res);
}

static resource_entry *find(const k8sc_resources *res, const char *name)
{
    for (size_t i = 0; i < res->count; i++)
        if (strcmp(res->items[i].name, name) == 0)
            return &res->items[i];
    return NULL;
}

/* Make room for `extra` more entries, so that later appends cannot fail. */
static int reserve(k8sc_resources *res, size_t extra)
{
    if (res->cap - res->count >= extra)
        return 0;
    size_t cap = res->cap ? res->cap : 4;
    while (cap - res->count < extra) {
        if (cap > SIZE_MAX / 2 / sizeof(resource_entry))
            return k8sc__error_nomem();
        cap *= 2;
    }
    resource_entry *items = k8sc__realloc(res->items, cap * sizeof(*items));
    if (!items)
        return K8SC_ENOMEM;
    res->items = items;
    res->cap = cap;
    return 0;
}

int k8sc_resources_set(k8sc_resources *res, const char *name, const k8sc_quantity *q)
{
    K8SC__CHECK_ARG(res);
    K8SC__CHECK_ARG(name);
    K8SC__CHECK_ARG(q);
    resource_entry *e = find(res, name);
    if (e) {
        e->q = *q;
        return 0;
    }
    char *copy = k8sc__strdup(name);
    if (!copy)
        return K8SC_ENOMEM;
    int rc = reserve(res, 1);
    if (rc != 0) {
        free(copy);
        return rc;
    }
    res->items[res->count++] = (resource_entry){ copy, *q };
    return 0;
}

int k8sc_resources_get(const k8sc_resources *res, const char *name, k8sc_quantity *out)
{
    K8SC__CHECK_ARG(res);
    K8SC__CHECK_ARG(name);
    const resource_entry *e = find(res, name);
    if (!e)
        return k8sc_error_set(K8SC_ENOTFOUND, "resource \"%s\" not in the list", name);
    if (out)
        *out = e->q;
    return 0;
}

size_t k8sc_resources_count(const k8sc_resources *res)
{
    return res ? res->count : 0;
}

int k8sc_resources_at(const k8sc_resources *res, size_t index, const char **name, k8sc_quantity *q)
{
    K8SC__CHECK_ARG(res);
    if (index >= res->count)
        return k8sc_error_set(K8SC_ENOTFOUND, "resource index %zu past the end (%zu entries)", index, res->count);
    if (name)
        *name = res->items[index].name;
    if (q)
        *q = res->items[index].q;
    return 0;
}

/* Go's unicode.IsSpace for the code point starting at s (length *n), as strings.TrimSpace uses. */
static bool space_at(const unsigned char *s, size_t avail, size_t *n)
{
    *n = 1;
    if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
        return true;
    if (avail >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0)) {
        *n = 2;
        return true;
    }
    if (avail >= 3) {
        unsigned c = ((unsigned)(s[0] & 0x0f) << 12) | ((unsigned)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
        if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
            (c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
             c == 0x202f || c == 0x205f || c == 0x3000)) {
            *n = 3;
            return true;
        }
    }
    return false;
}

/* Is the code point ending just before s[len] a space? Sets its length. */
static bool space_before(const unsigned char *s, size_t len, size_t *n)
{
    for (size_t k = 1; k <= 3 && k <= len; k++) {
        size_t m;
        if (space_at(s + len - k, k, &m) && m == k) {
            *n = k;
            return true;
        }
    }
    return false;
}

static int parse_entry(k8sc_quantity *q, const char *name, struct json_object *v)
{
    char num[K8SC__DOUBLE_BUFSIZE];
    switch (json_object_get_type(v)) {
    case json_type_null:
        /* Quantity.UnmarshalJSON reads null as zero. */
        *q = k8sc_quantity_from_int(0, K8SC_QUANTITY_DECIMAL_SI);
        return 0;
    case json_type_int:
        /* json-c keeps integers above INT64_MAX as uint64. */
        if (json_object_get_int64(v) == INT64_MAX)
            snprintf(num, sizeof(num), "%llu", (unsigned long long)json_object_get_uint64(v));
        else
            snprintf(num, sizeof(num), "%lld", (long long)json_object_get_int64(v));
        break;
    case json_type_double: {
        /* Kubernetes parses the number's JSON text; the shortest round trip is that text. */
        double d = json_object_get_double(v);
        if (!isfinite(d))
            return k8sc_error_set(K8SC_EINVAL, "resource \"%s\": quantity is not a finite number", name);
        k8sc__format_double(num, sizeof(num), d, 'j');
        break;
    }
    case json_type_string: {
        /* UnmarshalJSON trims surrounding white space (strings.TrimSpace). */
        const unsigned char *s = (const unsigned char *)json_object_get_string(v);
        size_t len = (size_t)json_object_get_string_len(v), n;
        while (len > 0 && space_at(s, len, &n)) {
            s += n;
            len -= n;
        }
        while (len > 0 && space_before(s, len, &n))
            len -= n;
        const void *nul = memchr(s, '\0', len);
        if (nul)
            return k8sc_error_set(K8SC_EINVAL, "resource \"%s\": quantity has a NUL byte at position %zu",
                name, (size_t)((const unsigned char *)nul - s) + 1);
        char *text = k8sc__strndup((const char *)s, len);
        if (!text)
            return K8SC_ENOMEM;
        int rc = k8sc_quantity_parse(q, text);
        free(text);
        if (rc != 0)
            k8sc_error_set(rc, "resource \"%s\": %s", name, k8sc_error_last());
        return rc;
    }
    default:
        return k8sc_error_set(K8SC_EINVAL, "resource \"%s\": quantity must be a string or a number, not %s",
            name, json_type_to_name(json_object_get_type(v)));
    }
    int rc = k8sc_quantity_parse(q, num);
    if (rc != 0)
        k8sc_error_set(rc, "resource \"%s\": %s", name, k8sc_error_last());
    return rc;
}

int k8sc_resources_from_json(k8sc_resources **out, const struct json_object *map)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    if (map && !json_object_is_type(map, json_type_object))
        return k8sc_error_set(K8SC_EINVAL, "resource list must be a JSON object, not %s",
            json_type_to_name(json_object_get_type(map)));
    k8sc_resources *res;
    int rc = k8sc_resources_new(&res);
    if (rc != 0)
        return rc;
    if (map) {
        /* json-c's iteration does not modify the map; its macros just lack const. */
        json_object_object_foreach((struct json_object *)map, key, val) {
            k8sc_quantity q;
            rc = parse_entry(&q, key, val);
            if (rc == 0)
                rc = k8sc_resources_set(res, key, &q);
            if (rc != 0) {
                k8sc_resources_free(res);
                return rc;
            }
        }
    }
    *out = res;
    return 0;
}

int k8sc_resources_to_json(struct json_object **out, const k8sc_resources *res)
{
    K8SC__CHECK_ARG(out);
    K8SC__CHECK_ARG(res);
    *out = NULL;
    struct json_object *map = json_object_new_object();
    if (!map)
        return k8sc__error_nomem();
    for (size_t i = 0; i < res->count; i++) {
        char text[K8SC_QUANTITY_BUFSIZE];
        k8sc_quantity_format_to(text, sizeof(text), &res->items[i].q);
        struct json_object *s = json_object_new_string(text);
        if (!s || json_object_object_add(map, res->items[i].name, s) != 0) {
            json_object_put(s);
            json_object_put(map);
            return k8sc__error_nomem();
        }
    }
    *out = map;
    return 0;
}

/* Entries of src that dst lacks. */
static size_t count_missing(const k8sc_resources *dst, const k8sc_resources *src)
{
    size_t n = 0;
    for (size_t i = 0; i < src->count; i++)
        if (!find(dst, src->items[i].name))
            n++;
    return n;
}

/*
 * Fold src into dst, summing (`sum`) or taking the larger value. All
 * results are computed before dst changes, so on any error dst is left
 * as it was.
 */
static int merge(k8sc_resources *dst, const k8sc_resources *src, bool sum)
{
    K8SC__CHECK_ARG(dst);
    K8SC__CHECK_ARG(src);
    if (src->count == 0)
        return 0;
    k8sc_quantity *next = k8sc__calloc(src->count, sizeof(*next));
    if (!next)
        return K8SC_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < src->count && rc == 0; i++) {
        const resource_entry *d = find(dst, src->items[i].name);
        const k8sc_quantity *s = &src->items[i].q;
        if (!d)
            next[i] = *s;
        else if (sum)
            rc = k8sc_quantity_add(&next[i], &d->q, s);
        else
            next[i] = k8sc_quantity_cmp(s, &d->q) > 0 ? *s : d->q;
        if (rc != 0)
            k8sc_error_set(rc, "resource \"%s\": %s", src->items[i].name, k8sc_error_last());
    }
    if (rc == 0)
        rc = reserve(dst, count_missing(dst, src));
    /* Names are copied before anything is stored, so a failed copy changes nothing. */
    char **names = NULL;
    size_t n_missing = rc == 0 ? count_missing(dst, src) : 0;
    if (rc == 0 && n_missing > 0) {
        names = k8sc__calloc(n_missing, sizeof(*names));
        for (size_t i = 0, k = 0; names && i < src->count; i++) {
            if (find(dst, src->items[i].name))
                continue;
            if (!(names[k++] = k8sc__strdup(src->items[i].name))) {
                for (size_t j = 0; j < k; j++)
                    free(names[j]);
                free(names);
                names = NULL;
            }
        }
        if (!names)
            rc = K8SC_ENOMEM;
    }
    if (rc == 0) {
        size_t k = 0;
        for (size_t i = 0; i < src->count; i++) {
            resource_entry *d = find(dst, src->items[i].name);
            if (d)
                d->q = next[i];
            else
                dst->items[dst->count++] = (resource_entry){ names[k++], next[i] };
        }
    }
    free(names);
    free(next);
    return rc;
}

int k8sc_resources_add(k8sc_resources *dst, const k8sc_resources *src)
{
    return merge(dst, src, true);
}

int k8sc_resources_max(k8sc_resources *dst, const k8sc_resources *src)
{
    return merge(dst, src, false);
}
