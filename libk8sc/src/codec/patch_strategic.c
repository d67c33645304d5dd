/*
 * Strategic merge patch application, as k8s.io/apimachinery's
 * strategicpatch package does it (mergeMap and friends), on json-c trees.
 *
 * The same core also combines two patches when kubectl builds a three-way
 * patch (`server` false: parallel lists and nulls are kept). The trees
 * handed to it are private copies, so it mutates them freely and shares
 * subtrees between them as Go shares maps.
 */
#include "patch_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define DIRECTIVE "$patch"
#define RETAIN_KEYS "$retainKeys"
#define DELETE_PREFIX "$deleteFromPrimitiveList"
#define ORDER_PREFIX "$setElementOrder"

typedef struct {
    bool server;
    k8sc__buf path; /* where the merge is, for messages: spec.containers[name=app].env */
} smp;

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_string(const struct json_object *v, const char *s)
{
    return json_object_is_type(v, json_type_string) && strcmp(json_object_get_string((struct json_object *)v), s) == 0;
}

/* ---- Messages ------------------------------------------------------------ */

static size_t path_push(smp *s, const char *key)
{
    size_t mark = s->path.len;
    if (mark)
        k8sc__buf_putc(&s->path, '.');
    k8sc__buf_puts(&s->path, key);
    return mark;
}

static size_t path_push_element(smp *s, const char *merge_key, const struct json_object *value)
{
    size_t mark = s->path.len;
    k8sc__buf_printf(&s->path, "[%s=", merge_key);
    k8sc__json_go_string(&s->path, value);
    k8sc__buf_putc(&s->path, ']');
    return mark;
}

static void path_pop(smp *s, size_t mark)
{
    if (s->path.ptr && !s->path.failed) {
        s->path.len = mark;
        s->path.ptr[mark] = '\0';
    }
}

/* Record an error, prefixed with the path. */
K8SC_PRINTF(3, 4)
static int fail(smp *s, int code, const char *fmt, ...)
{
    k8sc__buf b = K8SC__BUF_INIT;
    if (s->path.len && !s->path.failed)
        k8sc__buf_printf(&b, "%s: ", s->path.ptr);
    va_list ap;
    va_start(ap, fmt);
    k8sc__buf_vprintf(&b, fmt, ap);
    va_end(ap);
    int rc = k8sc__buf_status(&b) ? k8sc__error_nomem() : k8sc_error_set(code, "%s", b.ptr);
    k8sc__buf_free(&b);
    return rc;
}

/* `v` as compact JSON, in `b` (the caller frees it), for a message. */
static const char *desc(k8sc__buf *b, const struct json_object *v)
{
    k8sc__json_describe(b, v);
    return b->ptr && !b->failed ? b->ptr : "?";
}

static int fail_no_merge_key(smp *s, const struct json_object *map, const char *key)
{
    k8sc__buf a = K8SC__BUF_INIT;
    int rc = fail(s, K8SC_EINVAL, "map: %s does not contain declared merge key: %s", desc(&a, map), key);
    k8sc__buf_free(&a);
    return rc;
}

static int fail_bad_patch_type(smp *s, const struct json_object *directive, const struct json_object *map)
{
    k8sc__buf t = K8SC__BUF_INIT, a = K8SC__BUF_INIT;
    k8sc__json_go_string(&t, directive);
    int rc = fail(s, K8SC_EINVAL, "unknown patch type: %s in map: %s", t.ptr && !t.failed ? t.ptr : "?", desc(&a, map));
    k8sc__buf_free(&t);
    k8sc__buf_free(&a);
    return rc;
}

/* Two values in a message with two %s. */
static int fail_pair(smp *s, const char *fmt, const struct json_object *x, const struct json_object *y)
{
    k8sc__buf a = K8SC__BUF_INIT, b = K8SC__BUF_INIT;
    const char *dx = desc(&a, x), *dy = desc(&b, y);
    k8sc__buf m = K8SC__BUF_INIT;
    k8sc__buf_printf(&m, fmt, dx, dy);
    int rc = k8sc__buf_status(&m) ? k8sc__error_nomem() : fail(s, K8SC_EINVAL, "%s", m.ptr);
    k8sc__buf_free(&a);
    k8sc__buf_free(&b);
    k8sc__buf_free(&m);
    return rc;
}

static int fail_type(smp *s, const char *expected, const struct json_object *got)
{
    return fail(s, K8SC_EINVAL, "expected a %s, but received a %s", expected, k8sc__json_kind_name(k8sc__json_kind(got)));
}

/* ---- Lists of references ------------------------------------------------- */

/* A list holding one reference to each element. */
typedef struct {
    struct json_object **v;
    size_t n, cap;
} jvec;

static void jvec_free(jvec *a)
{
    for (size_t i = 0; i < a->n; i++)
        json_object_put(a->v[i]);
    free(a->v);
    memset(a, 0, sizeof(*a));
}

static int jvec_push(jvec *a, struct json_object *v)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        struct json_object **nv = k8sc__realloc(a->v, cap * sizeof(*nv));
        if (!nv)
            return K8SC_ENOMEM;
        a->v = nv;
        a->cap = cap;
    }
    a->v[a->n++] = json_object_get(v);
    return 0;
}

static int jvec_from_array(jvec *a, const struct json_object *array)
{
    size_t n = json_object_array_length(array);
    for (size_t i = 0; i < n; i++)
        if (jvec_push(a, json_object_array_get_idx(array, i)) != 0)
            return K8SC_ENOMEM;
    return 0;
}

/* Replace `*a` with `*b`, leaving `*b` empty. */
static void jvec_move(jvec *a, jvec *b)
{
    jvec_free(a);
    *a = *b;
    memset(b, 0, sizeof(*b));
}

static int jvec_to_array(struct json_object **out, const jvec *a)
{
    struct json_object *array = json_object_new_array_ext(a->n ? (int)(a->n > INT32_MAX ? INT32_MAX : a->n) : 1);
    if (!array)
        return k8sc__error_nomem();
    for (size_t i = 0; i < a->n; i++) {
        struct json_object *e = json_object_get(a->v[i]);
        if (json_object_array_add(array, e) != 0) {
            json_object_put(e);
            json_object_put(array);
            return k8sc__error_nomem();
        }
    }
    *out = array;
    return 0;
}

/* Keys of `obj`, copied, so members can be added and removed while walking them. */
static char **snapshot_keys(const struct json_object *obj, size_t *count)
{
    size_t n = (size_t)json_object_object_length(obj), i = 0;
    char **keys = k8sc__calloc(n + 1, sizeof(*keys));
    if (!keys)
        return NULL;
    json_object_object_foreach((struct json_object *)obj, key, value) {
        (void)value;
        if (!(keys[i++] = k8sc__strdup(key))) {
            for (size_t k = 0; k + 1 < i; k++)
                free(keys[k]);
            free(keys);
            return NULL;
        }
    }
    *count = n;
    return keys;
}

static void free_keys(char **keys, size_t n)
{
    if (!keys)
        return;
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
}

/* ---- Directives in values the patch adds ------------------------------------ */

static bool is_directive_key(const char *key)
{
    return strcmp(key, DIRECTIVE) == 0 || strcmp(key, RETAIN_KEYS) == 0 || has_prefix(key, ORDER_PREFIX) ||
        has_prefix(key, DELETE_PREFIX);
}

/*
 * Go's removeDirectives: maps carrying `$patch` disappear, from lists too.
 * On the server it also drops null members (discardNullValuesFromPatch)
 * and the other directive keys, so none reach a stored object; `keep_key`
 * (may be NULL) survives as a top-level member even when null. Objects
 * are cleaned in place, arrays rebuilt. `*keep` false: drop the value.
 */
static int clean(smp *s, struct json_object *v, const char *keep_key, struct json_object **out, bool *keep)
{
    *out = NULL;
    *keep = true;
    if (json_object_is_type(v, json_type_object)) {
        if (k8sc__json_get(v, DIRECTIVE, NULL)) {
            *keep = false;
            return 0;
        }
        size_t n = 0;
        char **keys = snapshot_keys(v, &n);
        if (!keys)
            return K8SC_ENOMEM;
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
            struct json_object *child, *c;
            bool k;
            k8sc__json_get(v, keys[i], &child);
            bool kept_key = keep_key && strcmp(keys[i], keep_key) == 0;
            if (s->server && !kept_key && (!child || is_directive_key(keys[i]))) {
                json_object_object_del(v, keys[i]);
                continue;
            }
            if ((rc = clean(s, child, NULL, &c, &k)) != 0)
                break;
            if (k)
                rc = k8sc__json_set(v, keys[i], c);
            else
                json_object_object_del(v, keys[i]);
        }
        free_keys(keys, n);
        if (rc == 0)
            *out = json_object_get(v);
        return rc;
    }
    if (json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        struct json_object *array = json_object_new_array_ext(n ? (int)(n > INT32_MAX ? INT32_MAX : n) : 1);
        if (!array)
            return k8sc__error_nomem();
        for (size_t i = 0; i < n; i++) {
            struct json_object *c;
            bool k;
            int rc = clean(s, json_object_array_get_idx(v, i), NULL, &c, &k);
            if (rc == 0 && k && json_object_array_add(array, c) != 0) {
                json_object_put(c);
                rc = k8sc__error_nomem();
            }
            if (rc != 0) {
                json_object_put(array);
                return rc;
            }
        }
        *out = array;
        return 0;
    }
    *out = json_object_get(v);
    return 0;
}

/* Store `value` from the patch under `key` of `obj` where nothing merges with it (Go: removeDirectives). */
static int store_new(smp *s, struct json_object *obj, const char *key, struct json_object *value)
{
    struct json_object *c;
    bool keep;
    int rc = clean(s, value, NULL, &c, &keep);
    if (rc != 0)
        return rc;
    if (!keep) {
        json_object_object_del(obj, key);
        return 0;
    }
    return k8sc__json_set(obj, key, c);
}

/* Store `value` as a whole (replace strategy): verbatim in a patch, cleaned on the server. */
static int store_whole(smp *s, struct json_object *obj, const char *key, struct json_object *value)
{
    if (s->server)
        return store_new(s, obj, key, value);
    return k8sc__json_set(obj, key, json_object_get(value));
}

/* ---- Merging lists ---------------------------------------------------------- */

static int merge_map(smp *s, struct json_object **orig, struct json_object *patch, const k8sc__patch_type *type);

/* Go's sliceElementType: the one kind of every element of both lists. */
static int element_kind(smp *s, const struct json_object *a, const struct json_object *b, k8sc__jkind *out)
{
    const struct json_object *lists[2] = { a, b };
    bool seen = false;
    for (size_t l = 0; l < 2; l++) {
        size_t n = json_object_array_length(lists[l]);
        for (size_t i = 0; i < n; i++) {
            k8sc__jkind k = k8sc__json_kind(json_object_array_get_idx(lists[l], i));
            if (k == K8SC__JNULL)
                return fail(s, K8SC_EINVAL, "lists with null elements cannot be merged");
            if (!seen && k == K8SC__JARRAY)
                return fail(s, K8SC_EINVAL, "lists of lists are not supported");
            if (seen && k != *out)
                return fail_pair(s, "list element types are not identical: %s and %s", a, b);
            *out = k;
            seen = true;
        }
    }
    if (!seen)
        return fail(s, K8SC_EINVAL, "no elements in any of the given slices");
    return 0;
}

/* The value an item is compared by: its merge key's value for maps, itself otherwise. */
static struct json_object *sort_value(struct json_object *item, const char *merge_key, bool maps)
{
    struct json_object *v = NULL;
    if (!maps)
        return item;
    if (json_object_is_type(item, json_type_object))
        json_object_object_get_ex(item, merge_key, &v);
    return v;
}

/* Go's index(): where `item` is in `list`, or -1. */
static long index_of(const jvec *list, struct json_object *item, const char *merge_key, bool maps)
{
    struct json_object *want = sort_value(item, merge_key, maps);
    for (size_t i = 0; i < list->n; i++)
        if (k8sc__json_equal(want, sort_value(list->v[i], merge_key, maps)))
            return (long)i;
    return -1;
}

/* Go's findMapInSliceBasedOnKeyValue. */
static int find_map(smp *s, const jvec *list, const char *merge_key, const struct json_object *value, long *found)
{
    *found = -1;
    for (size_t i = 0; i < list->n; i++) {
        struct json_object *v;
        if (!json_object_is_type(list->v[i], json_type_object))
            return fail(s, K8SC_EINVAL, "value for key %zu is not a map", i);
        if (k8sc__json_get(list->v[i], merge_key, &v) && k8sc__json_equal(v, value)) {
            *found = (long)i;
            return 0;
        }
    }
    return 0;
}

static int validate_merge_keys(smp *s, const char *merge_key, const jvec *list)
{
    for (size_t i = 0; i < list->n; i++) {
        if (!json_object_is_type(list->v[i], json_type_object))
            return fail_type(s, "map", list->v[i]);
        if (!k8sc__json_get(list->v[i], merge_key, NULL))
            return fail_no_merge_key(s, list->v[i], merge_key);
    }
    return 0;
}

/* Go's normalizeSliceOrder: sort `list` by the order of `order`, `$patch: delete` entries last. */
static int normalize_slice_order(smp *s, jvec *list, const jvec *order, const char *merge_key, bool maps)
{
    int rc = 0;
    if (maps && ((rc = validate_merge_keys(s, merge_key, list)) != 0 || (rc = validate_merge_keys(s, merge_key, order)) != 0))
        return rc;
    k8sc__ranked *r = k8sc__calloc(list->n, sizeof(*r));
    if (!r)
        return K8SC_ENOMEM;
    size_t keep = 0, n = list->n;
    for (size_t i = 0; i < n; i++) {
        struct json_object *d;
        if (maps && k8sc__json_get(list->v[i], DIRECTIVE, &d) && is_string(d, "delete"))
            continue;
        r[keep].v = list->v[i];
        r[keep++].at = index_of(order, list->v[i], merge_key, maps);
    }
    size_t deletes = keep;
    for (size_t i = 0; i < n; i++) {
        struct json_object *d;
        if (maps && k8sc__json_get(list->v[i], DIRECTIVE, &d) && is_string(d, "delete"))
            r[deletes++].v = list->v[i];
    }
    rc = k8sc__stable_sort(r, keep, sizeof(*r), k8sc__cmp_rank, NULL);
    if (rc == 0)
        for (size_t i = 0; i < n; i++)
            list->v[i] = r[i].v; /* a permutation: references move, none gained or lost */
    free(r);
    return rc;
}

/* Go's mergeSortedSlice: interleave server-only `left` into `right` by their places in `server_order`. */
static int merge_sorted(const jvec *left, const jvec *right, const jvec *server_order, const char *merge_key,
    bool maps, jvec *out)
{
    long *li = k8sc__calloc(left->n + 1, sizeof(*li)), *ri = k8sc__calloc(right->n + 1, sizeof(*ri));
    int rc = li && ri ? 0 : K8SC_ENOMEM;
    for (size_t i = 0; rc == 0 && i < left->n; i++)
        li[i] = index_of(server_order, left->v[i], merge_key, maps);
    for (size_t j = 0; rc == 0 && j < right->n; j++)
        ri[j] = index_of(server_order, right->v[j], merge_key, maps);
    size_t i = 0, j = 0;
    while (rc == 0 && (i < left->n || j < right->n)) {
        bool take_left = j >= right->n || (i < left->n && li[i] >= 0 && ri[j] >= 0 && li[i] < ri[j]);
        rc = jvec_push(out, take_left ? left->v[i++] : right->v[j++]);
    }
    free(li);
    free(ri);
    return rc;
}

/* Go's normalizeElementOrder: patch items in patch order, server-only items in server order, interleaved. */
static int normalize_element_order(smp *s, jvec *patch_items, jvec *server_only, const jvec *patch_order,
    const jvec *server_order, const char *merge_key, bool maps, jvec *out)
{
    int rc = normalize_slice_order(s, patch_items, patch_order, merge_key, maps);
    if (rc == 0)
        rc = normalize_slice_order(s, server_only, server_order, merge_key, maps);
    if (rc == 0)
        rc = merge_sorted(server_only, patch_items, server_order, merge_key, maps, out);
    return rc;
}

/* Split `merged` into the items present in `by` and the rest (Go's partition*ByPresentInList). */
static int partition(smp *s, const jvec *merged, const jvec *by, const char *merge_key, jvec *in, jvec *rest)
{
    for (size_t i = 0; i < merged->n; i++) {
        struct json_object *v = merged->v[i], *key;
        long found = -1;
        int rc = 0;
        if (!*merge_key) {
            for (size_t k = 0; k < by->n && found < 0; k++)
                if (k8sc__json_equal(v, by->v[k]))
                    found = (long)k;
        } else if (!json_object_is_type(v, json_type_object)) {
            return fail_type(s, "map", v);
        } else if (!k8sc__json_get(v, merge_key, &key)) {
            return fail_no_merge_key(s, v, merge_key);
        } else {
            rc = find_map(s, by, merge_key, key, &found);
        }
        if (rc == 0)
            rc = jvec_push(found >= 0 ? in : rest, v);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Go's deduplicateScalars, with its order. */
static void dedupe(jvec *a)
{
    if (a->n < 2)
        return;
    size_t last = a->n - 1;
    for (size_t i = 0; i < last; i++) {
        for (size_t j = i + 1; j <= last; j++) {
            if (k8sc__json_equal(a->v[i], a->v[j])) {
                json_object_put(a->v[j]);
                a->v[j] = a->v[last];
                a->n--;
                last--;
                j--;
            }
        }
    }
}

/*
 * What Go's mergePatchIntoOriginal later reads as the server's order: the
 * original list's backing array, which deleteMatchingEntries shifts in
 * place and append then fills (up to the original length) with the added
 * entries. Kubernetes orders merged lists by it, so this emulates it.
 */
typedef struct {
    jvec v;      /* as long as the original list */
    bool active; /* false once a `$patch: replace` list took over */
} alias_view;

/* Go's append(s[:at], s[at+1:]...) on the backing array: shift left, the last slot keeps its value. */
static void alias_delete(alias_view *a, size_t at, size_t len)
{
    if (!a || !a->active || len == 0 || len > a->v.n)
        return;
    json_object_put(a->v.v[at]);
    memmove(a->v.v + at, a->v.v + at + 1, (len - at - 1) * sizeof(*a->v.v));
    a->v.v[len - 1] = json_object_get(a->v.v[len - 1]);
}

/* A write of `v` to slot `at`, visible only within the original length. */
static void alias_store(alias_view *a, size_t at, struct json_object *v)
{
    if (!a || !a->active || at >= a->v.n)
        return;
    json_object_put(a->v.v[at]);
    a->v.v[at] = json_object_get(v);
}

/* Go's mergeSliceWithSpecialElements: apply `$patch: delete`/`replace` entries of `patch` to `orig`. */
static int special_elements(smp *s, jvec *orig, const jvec *patch, const char *merge_key, jvec *rest, alias_view *alias)
{
    bool replace = false;
    for (size_t i = 0; i < patch->n; i++) {
        struct json_object *v = patch->v[i], *d, *key;
        int rc = 0;
        if (!k8sc__json_get(v, DIRECTIVE, &d)) {
            rc = jvec_push(rest, v);
        } else if (is_string(d, "delete")) {
            if (!k8sc__json_get(v, merge_key, &key))
                return fail_no_merge_key(s, v, merge_key);
            for (long at = 0; rc == 0 && at >= 0;) {
                rc = find_map(s, orig, merge_key, key, &at);
                if (rc == 0 && at >= 0) {
                    alias_delete(alias, (size_t)at, orig->n);
                    json_object_put(orig->v[at]);
                    memmove(orig->v + at, orig->v + at + 1, (orig->n - (size_t)at - 1) * sizeof(*orig->v));
                    orig->n--;
                }
            }
        } else if (is_string(d, "replace")) {
            replace = true; /* the other entries with directives are still pruned */
        } else if (is_string(d, "merge")) {
            return fail(s, K8SC_EINVAL, "merging lists cannot yet be specified in the patch");
        } else {
            return fail_bad_patch_type(s, d, v);
        }
        if (rc != 0)
            return rc;
    }
    if (replace) {
        for (size_t i = 0; s->server && i < rest->n; i++) {
            struct json_object *c;
            bool keep;
            int rc = clean(s, rest->v[i], merge_key, &c, &keep);
            if (rc != 0)
                return rc;
            json_object_put(c); /* objects are cleaned in place */
        }
        jvec_move(orig, rest);
        if (alias)
            alias->active = false;
    }
    return 0;
}

/* Go's mergeSliceWithoutSpecialElements: merge entries found by merge key, append the others. */
static int merge_entries(smp *s, jvec *orig, const jvec *patch, const char *merge_key, const k8sc__patch_type *type,
    alias_view *alias)
{
    for (size_t i = 0; i < patch->n; i++) {
        struct json_object *v = patch->v[i], *key;
        long at;
        if (!k8sc__json_get(v, merge_key, &key))
            return fail_no_merge_key(s, v, merge_key);
        int rc = find_map(s, orig, merge_key, key, &at);
        if (rc == 0 && at >= 0) {
            size_t mark = path_push_element(s, merge_key, key);
            rc = merge_map(s, &orig->v[at], v, type);
            path_pop(s, mark);
            if (rc == 0)
                alias_store(alias, (size_t)at, orig->v[at]);
        } else if (rc == 0) {
            if (s->server) {
                struct json_object *c;
                bool keep;
                if ((rc = clean(s, v, merge_key, &c, &keep)) == 0)
                    json_object_put(c); /* objects are cleaned in place */
            }
            if (rc == 0) {
                alias_store(alias, orig->n, v);
                rc = jvec_push(orig, v);
            }
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Go's deleteFromSlice: `current` without the values in `remove`. */
static int delete_from(const jvec *current, const jvec *remove, jvec *out)
{
    for (size_t i = 0; i < current->n; i++) {
        bool found = false;
        for (size_t k = 0; k < remove->n && !found; k++)
            found = k8sc__json_equal(current->v[i], remove->v[k]);
        if (!found && jvec_push(out, current->v[i]) != 0)
            return K8SC_ENOMEM;
    }
    return 0;
}

/*
 * Go's mergeSlice: merge list `patch` into list `*orig` (owned; replaced by
 * the result). `view` (may be NULL) receives, for lists of maps, what Go's
 * caller sees through the original slice afterwards (see alias_view).
 */
static int merge_slice(smp *s, struct json_object **orig, struct json_object *patch, const k8sc__patch_field *field,
    bool delete_list, jvec *view)
{
    const char *merge_key = field->merge_key ? field->merge_key : "";
    jvec o = { 0 }, p = { 0 }, rest = { 0 }, in = { 0 }, server_only = { 0 }, out = { 0 }, server_order = { 0 };
    k8sc__jkind kind = K8SC__JNULL;
    if (json_object_array_length(*orig) == 0 && json_object_array_length(patch) == 0)
        return 0;
    int rc = element_kind(s, *orig, patch, &kind);
    if (rc == 0)
        rc = jvec_from_array(&o, *orig);
    if (rc == 0)
        rc = jvec_from_array(&p, patch);
    const jvec *order = &p;
    if (rc == 0 && kind != K8SC__JOBJECT) {
        if (s->server && delete_list) {
            rc = delete_from(&o, &p, &out);
            goto done;
        }
        /* The set union; `o` keeps the server's order for what follows. */
        for (size_t i = 0; rc == 0 && i < o.n; i++)
            rc = jvec_push(&rest, o.v[i]);
        for (size_t i = 0; rc == 0 && i < p.n; i++)
            rc = jvec_push(&rest, p.v[i]);
        dedupe(&rest);
        merge_key = "";
        if (rc == 0)
            rc = partition(s, &rest, &p, merge_key, &in, &server_only);
        if (rc == 0)
            rc = normalize_element_order(s, &in, &server_only, &p, &o, merge_key, false, &out);
        goto done;
    }
    if (rc == 0 && !*merge_key)
        rc = fail(s, K8SC_EINVAL, "cannot merge lists without merge key for %s", field->name ? field->name : "a list");
    alias_view alias = { { 0 }, true };
    for (size_t i = 0; rc == 0 && view && i < o.n; i++)
        rc = jvec_push(&alias.v, o.v[i]);
    if (rc == 0)
        rc = special_elements(s, &o, &p, merge_key, &rest, view ? &alias : NULL);
    order = &rest;
    /* The server's order is the original list after deletions, before additions. */
    for (size_t i = 0; rc == 0 && i < o.n; i++)
        rc = jvec_push(&server_order, o.v[i]);
    if (rc == 0)
        rc = merge_entries(s, &o, order, merge_key, field->type, view ? &alias : NULL);
    if (rc == 0 && view)
        jvec_move(view, &alias.v);
    jvec_free(&alias.v);
    for (size_t i = 0; rc == 0 && i < server_order.n; i++) {
        /* Entries merged in place were replaced in `o`; keep the order list pointing at the merged ones. */
        json_object_put(server_order.v[i]);
        server_order.v[i] = json_object_get(o.v[i]);
    }
    if (rc == 0)
        rc = partition(s, &o, order, merge_key, &in, &server_only);
    if (rc == 0)
        rc = normalize_element_order(s, &in, &server_only, order, &server_order, merge_key, true, &out);
done:
    if (rc == 0) {
        struct json_object *array;
        if ((rc = jvec_to_array(&array, &out)) == 0) {
            json_object_put(*orig);
            *orig = array;
        }
    }
    jvec_free(&o);
    jvec_free(&p);
    jvec_free(&rest);
    jvec_free(&in);
    jvec_free(&server_only);
    jvec_free(&out);
    jvec_free(&server_order);
    return rc;
}

/* ---- Merging maps ----------------------------------------------------------- */

/* Go's extractKey: "$prefix/field" -> "field". */
static int extract_key(smp *s, const char *key, const char *prefix, const char **out)
{
    size_t len = strlen(prefix);
    if (strncmp(key, prefix, len) != 0 || key[len] != '/') {
        if (strcmp(prefix, DELETE_PREFIX) == 0)
            return fail(s, K8SC_EINVAL, "invalid patch format of primitive list: %s", key);
        return fail(s, K8SC_EINVAL, "invalid patch format of setElementOrder list: %s", key);
    }
    *out = key + len + 1;
    return 0;
}

/* A `$patch` directive in a map: replace it with the rest of the patch, or delete it. */
static int map_directive(smp *s, struct json_object **orig, struct json_object *patch, struct json_object *directive)
{
    if (is_string(directive, "replace")) {
        struct json_object *result;
        bool keep;
        json_object_object_del(patch, DIRECTIVE);
        int rc = s->server ? clean(s, patch, NULL, &result, &keep) : ((result = json_object_get(patch)), 0);
        if (rc != 0)
            return rc;
        json_object_put(*orig);
        *orig = result;
        return 0;
    }
    if (is_string(directive, "delete")) {
        struct json_object *empty = json_object_new_object();
        if (!empty)
            return k8sc__error_nomem();
        json_object_put(*orig);
        *orig = empty;
        return 0;
    }
    return fail_bad_patch_type(s, directive, patch);
}

static bool in_retain_list(const struct json_object *list, const char *key)
{
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++)
        if (is_string(json_object_array_get_idx(list, i), key))
            return true;
    return false;
}

/* Go's applyRetainKeysDirective. */
static int apply_retain_keys(smp *s, struct json_object *orig, struct json_object *patch)
{
    struct json_object *keys, *have;
    if (!k8sc__json_get(patch, RETAIN_KEYS, &keys))
        return 0;
    json_object_get(keys);
    json_object_object_del(patch, RETAIN_KEYS);
    int rc = 0;
    if (!s->server) {
        /* Combining patches: both must retain the same keys. */
        if (!k8sc__json_get(orig, RETAIN_KEYS, &have))
            return k8sc__json_set(orig, RETAIN_KEYS, keys);
        if (!k8sc__json_equal(have, keys))
            rc = fail_pair(s, "%s and %s are not deep equal: this may happen when calculating the 3-way diff patch", have, keys);
        json_object_put(keys);
        return rc;
    }
    if (!json_object_is_type(keys, json_type_array)) {
        rc = fail_type(s, "slice", keys);
    } else {
        json_object_object_foreach(patch, key, value) {
            if (value && !has_prefix(key, DELETE_PREFIX) && !has_prefix(key, ORDER_PREFIX) && !in_retain_list(keys, key)) {
                k8sc__buf a = K8SC__BUF_INIT;
                rc = fail(s, K8SC_EINVAL, "invalid patch format of retainKeys: %s is set but not in %s", key, desc(&a, keys));
                k8sc__buf_free(&a);
                break;
            }
        }
    }
    size_t n = 0;
    char **names = rc == 0 ? snapshot_keys(orig, &n) : NULL;
    if (rc == 0 && !names)
        rc = K8SC_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!in_retain_list(keys, names[i]))
            json_object_object_del(orig, names[i]);
    free_keys(names, n);
    json_object_put(keys);
    return rc;
}

/* Go's validatePatchWithSetOrderList: the patch list must follow the `$setElementOrder` list. */
static int validate_order(smp *s, const struct json_object *list, const struct json_object *order, const char *merge_key)
{
    if (!list)
        return 0;
    size_t n = json_object_array_length(list), m = json_object_array_length(order), pi = 0, si = 0;
    if (n == 0 || m == 0)
        return 0;
    jvec items = { 0 };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct json_object *v = json_object_array_get_idx(list, i), *d;
        if (*merge_key && !json_object_is_type(v, json_type_object))
            rc = fail_type(s, "map", v);
        else if (!(*merge_key && k8sc__json_get(v, DIRECTIVE, &d) && is_string(d, "delete")))
            rc = jvec_push(&items, v);
    }
    while (rc == 0 && pi < items.n && si < m) {
        struct json_object *v = items.v[pi], *o = json_object_array_get_idx(order, si), *a, *b;
        if (k8sc__json_get(v, DIRECTIVE, NULL)) {
            pi++;
            continue;
        }
        bool equal;
        if (!*merge_key) {
            equal = k8sc__json_equal(v, o);
        } else if (!json_object_is_type(o, json_type_object)) {
            rc = fail_type(s, "map", o);
            break;
        } else if (!k8sc__json_get(v, merge_key, &a)) {
            rc = fail_no_merge_key(s, v, merge_key);
            break;
        } else if (!k8sc__json_get(o, merge_key, &b)) {
            rc = fail_no_merge_key(s, o, merge_key);
            break;
        } else {
            equal = k8sc__json_equal(a, b);
        }
        if (equal)
            pi++;
        si++;
    }
    if (rc == 0 && pi < items.n)
        rc = fail_pair(s, "the order in patch list %s doesn't match $setElementOrder list %s", list, order);
    jvec_free(&items);
    return rc;
}

/* Go's mergePatchIntoOriginal: merge the lists that have `$setElementOrder`, in that order. */
static int merge_element_orders(smp *s, struct json_object *orig, struct json_object *patch, const k8sc__patch_type *type)
{
    size_t n = 0;
    char **keys = snapshot_keys(patch, &n);
    if (!keys)
        return K8SC_ENOMEM;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct json_object *order, *have, *olist = NULL, *plist = NULL, *merged = NULL;
        const char *name = NULL;
        if (!has_prefix(keys[i], ORDER_PREFIX) || !k8sc__json_get(patch, keys[i], &order))
            continue;
        json_object_get(order);
        if (!s->server) {
            /* Combining patches: the order travels to the result, and both patches must agree on it. */
            if (!k8sc__json_get(orig, keys[i], &have))
                rc = k8sc__json_set(orig, keys[i], json_object_get(order));
            else if (!k8sc__json_equal(have, order))
                rc = fail_pair(s, "invalid patch format of setElementOrder list: %s and %s differ", have, order);
        }
        json_object_object_del(patch, keys[i]);
        if (rc == 0 && !json_object_is_type(order, json_type_array))
            rc = fail_type(s, "slice", order);
        if (rc == 0)
            rc = extract_key(s, keys[i], ORDER_PREFIX, &name);
        if (rc != 0) {
            json_object_put(order);
            break;
        }
        bool found_o = k8sc__json_get(orig, name, &olist), found_p = k8sc__json_get(patch, name, &plist);
        const k8sc__patch_field *field = k8sc__patch_field_lookup(type, name);
        const char *merge_key = field->merge_key ? field->merge_key : "";
        size_t mark = path_push(s, name);
        if (found_o && !json_object_is_type(olist, json_type_array))
            rc = fail_type(s, "slice", olist);
        else if (found_p && !json_object_is_type(plist, json_type_array))
            rc = fail_type(s, "slice", plist);
        if (rc == 0)
            rc = validate_order(s, plist, order, merge_key);
        jvec view = { 0 };
        if (rc == 0 && (found_o || found_p)) {
            bool keep;
            if (found_o && !found_p) {
                merged = json_object_get(olist);
            } else if (!found_o) {
                rc = clean(s, plist, NULL, &merged, &keep);
            } else if (field->strategy & K8SC__PATCH_MERGE) {
                merged = json_object_get(olist);
                rc = merge_slice(s, &merged, plist, field, false, &view);
            } else {
                rc = s->server ? clean(s, plist, NULL, &merged, &keep) : ((merged = json_object_get(plist)), 0);
            }
            jvec all = { 0 }, by = { 0 }, in = { 0 }, rest = { 0 }, sorted = { 0 }, server_order = { 0 };
            k8sc__jkind kind = K8SC__JNULL;
            struct json_object *empty = NULL;
            if (rc == 0 && !(empty = json_object_new_array()))
                rc = k8sc__error_nomem();
            if (rc == 0)
                rc = element_kind(s, found_o ? olist : empty, found_p ? plist : empty, &kind);
            if (rc == 0)
                rc = jvec_from_array(&all, merged);
            if (rc == 0)
                rc = jvec_from_array(&by, order);
            if (rc == 0 && view.n)
                jvec_move(&server_order, &view);
            else if (rc == 0 && found_o)
                rc = jvec_from_array(&server_order, olist);
            if (rc == 0)
                rc = partition(s, &all, &by, merge_key, &in, &rest);
            if (rc == 0)
                rc = normalize_element_order(s, &in, &rest, &by, &server_order, merge_key, kind == K8SC__JOBJECT, &sorted);
            struct json_object *array = NULL;
            if (rc == 0 && (rc = jvec_to_array(&array, &sorted)) == 0) {
                rc = k8sc__json_set(orig, name, array);
                json_object_object_del(patch, name);
            }
            json_object_put(empty);
            jvec_free(&all);
            jvec_free(&by);
            jvec_free(&in);
            jvec_free(&rest);
            jvec_free(&sorted);
            jvec_free(&server_order);
        }
        jvec_free(&view);
        json_object_put(merged);
        json_object_put(order);
        path_pop(s, mark);
    }
    free_keys(keys, n);
    return rc;
}

/* Go's mergeMap: merge `patch` into the map `*orig` (owned; may be replaced). */
static int merge_map(smp *s, struct json_object **orig, struct json_object *patch, const k8sc__patch_type *type)
{
    struct json_object *directive;
    if (k8sc__json_get(patch, DIRECTIVE, &directive))
        return map_directive(s, orig, patch, directive);
    if (!*orig && !(*orig = json_object_new_object()))
        return k8sc__error_nomem();
    int rc = apply_retain_keys(s, *orig, patch);
    if (rc == 0)
        rc = merge_element_orders(s, *orig, patch, type);
    size_t n = 0;
    char **keys = rc == 0 ? snapshot_keys(patch, &n) : NULL;
    if (rc == 0 && !keys)
        rc = K8SC_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct json_object *value, *have;
        const char *name = keys[i];
        bool delete_list = false;
        if (!k8sc__json_get(patch, keys[i], &value))
            continue;
        if (has_prefix(keys[i], DELETE_PREFIX)) {
            if (!s->server) {
                /* Combining patches: deletions travel to the result as they are. */
                rc = k8sc__json_set(*orig, keys[i], json_object_get(value));
                continue;
            }
            if ((rc = extract_key(s, keys[i], DELETE_PREFIX, &name)) != 0)
                break;
            if (!*name)
                name = keys[i];
            delete_list = true;
        }
        if (!value) {
            json_object_object_del(*orig, name);
            if (s->server)
                continue;
        }
        bool present = k8sc__json_get(*orig, name, &have);
        if (!present || k8sc__json_kind(have) != k8sc__json_kind(value)) {
            if (!delete_list)
                rc = store_new(s, *orig, name, value);
            continue;
        }
        const k8sc__patch_field *field = k8sc__patch_field_lookup(type, name);
        size_t mark = path_push(s, name);
        struct json_object *child;
        switch (k8sc__json_kind(value)) {
        case K8SC__JOBJECT:
            if (field->strategy & K8SC__PATCH_REPLACE) {
                rc = store_whole(s, *orig, name, value);
                break;
            }
            child = json_object_get(have);
            if ((rc = merge_map(s, &child, value, field->type)) == 0)
                rc = k8sc__json_set(*orig, name, child);
            else
                json_object_put(child);
            break;
        case K8SC__JARRAY:
            if (!(field->strategy & K8SC__PATCH_MERGE) && !delete_list) {
                rc = store_whole(s, *orig, name, value);
                break;
            }
            child = json_object_get(have);
            if ((rc = merge_slice(s, &child, value, field, delete_list, NULL)) == 0)
                rc = k8sc__json_set(*orig, name, child);
            else
                json_object_put(child);
            break;
        default:
            rc = store_new(s, *orig, name, value);
            break;
        }
        path_pop(s, mark);
    }
    free_keys(keys, n);
    return rc;
}

int k8sc__patch_strategic_merge(struct json_object **out, struct json_object *original,
    struct json_object *patch, const k8sc__patch_type *schema, bool server)
{
    smp s = { server, K8SC__BUF_INIT };
    *out = NULL;
    int rc = merge_map(&s, &original, patch, schema);
    k8sc__buf_free(&s.path);
    json_object_put(patch);
    if (rc != 0) {
        json_object_put(original);
        return rc;
    }
    *out = original;
    return 0;
}

int k8sc__patch_strategic_apply_schema(struct json_object **out, const struct json_object *original,
    const struct json_object *patch, const k8sc__patch_type *schema)
{
    *out = NULL;
    if (original && !json_object_is_type(original, json_type_object))
        return k8sc_error_set(K8SC_EINVAL, "strategic merge patch: the original document must be a JSON object, got %s",
            k8sc__json_type_name(original));
    if (patch && !json_object_is_type(patch, json_type_object))
        return k8sc_error_set(K8SC_EINVAL, "strategic merge patch: the patch must be a JSON object, got %s",
            k8sc__json_type_name(patch));
    int rc = k8sc__json_check_depth(original, 0, "strategic merge patch: the original document");
    if (rc == 0)
        rc = k8sc__json_check_depth(patch, 0, "strategic merge patch: the patch");
    struct json_object *o = NULL, *p = NULL;
    if (rc == 0)
        rc = k8sc__json_copy(&o, original);
    if (rc == 0)
        rc = k8sc__json_copy(&p, patch);
    if (rc == 0 && !o && !(o = json_object_new_object()))
        rc = k8sc__error_nomem();
    if (rc == 0 && !p && !(p = json_object_new_object()))
        rc = k8sc__error_nomem();
    if (rc != 0) {
        json_object_put(o);
        json_object_put(p);
        return rc;
    }
    return k8sc__patch_strategic_merge(out, o, p, schema, true);
}

int k8sc_patch_strategic_apply(struct json_object **out, const struct json_object *original,
    const struct json_object *patch, const char *api_version, const char *kind)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    if (!api_version)
        api_version = k8sc__json_string(original, "apiVersion");
    if (!kind)
        kind = k8sc__json_string(original, "kind");
    const k8sc__patch_type *schema = k8sc__patch_schema(api_version, kind);
    if (!schema)
        return k8sc_error_set(K8SC_ENOTFOUND,
            "strategic merge patch is not supported for %s, Kind=%s: the body of the request was in an unknown format - "
            "accepted media types include: application/json-patch+json, application/merge-patch+json, "
            "application/apply-patch+yaml",
            api_version ? api_version : "(no apiVersion)", kind ? kind : "(no kind)");
    return k8sc__patch_strategic_apply_schema(out, original, patch, schema);
}
