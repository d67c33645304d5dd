/*
 * Strategic merge patch creation, as k8s.io/apimachinery's strategicpatch
 * does it for kubectl: diffMaps/diffLists for two-way patches, and the
 * three-way patch of client-side apply (changes from the live object,
 * deletions from the last-applied configuration).
 *
 * Values taken from the inputs are copied, so the inputs are only read.
 */
#include "patch_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define DIRECTIVE "$patch"
#define RETAIN_KEYS "$retainKeys"
#define DELETE_PREFIX "$deleteFromPrimitiveList/"
#define ORDER_PREFIX "$setElementOrder/"

typedef struct {
    bool set_element_order; /* emit $setElementOrder lists */
    bool ignore_changes;    /* leave out additions and changes */
    bool ignore_deletions;  /* leave out deletions */
    bool retain_keys;       /* emit $retainKeys for this map */
} diff_opts;

typedef struct {
    k8sc__buf path;
} differ;

K8SC_PRINTF(3, 4)
static int fail(differ *d, int code, const char *fmt, ...)
{
    k8sc__buf b = K8SC__BUF_INIT;
    if (d->path.len && !d->path.failed)
        k8sc__buf_printf(&b, "%s: ", d->path.ptr);
    va_list ap;
    va_start(ap, fmt);
    k8sc__buf_vprintf(&b, fmt, ap);
    va_end(ap);
    int rc = k8sc__buf_status(&b) ? k8sc__error_nomem() : k8sc_error_set(code, "%s", b.ptr);
    k8sc__buf_free(&b);
    return rc;
}

static int fail_no_merge_key(differ *d, const struct json_object *map, const char *key)
{
    k8sc__buf a = K8SC__BUF_INIT;
    k8sc__json_describe(&a, map);
    int rc = fail(d, K8SC_EINVAL, "map: %s does not contain declared merge key: %s", a.ptr && !a.failed ? a.ptr : "?", key);
    k8sc__buf_free(&a);
    return rc;
}

static size_t path_push(differ *d, const char *key)
{
    size_t mark = d->path.len;
    if (mark)
        k8sc__buf_putc(&d->path, '.');
    k8sc__buf_puts(&d->path, key);
    return mark;
}

static void path_pop(differ *d, size_t mark)
{
    if (d->path.ptr && !d->path.failed) {
        d->path.len = mark;
        d->path.ptr[mark] = '\0';
    }
}

/* Add a copy of `v` to array `a`. */
static int push_copy(struct json_object *a, const struct json_object *v)
{
    struct json_object *c;
    int rc = k8sc__json_copy(&c, v);
    if (rc == 0 && json_object_array_add(a, c) != 0) {
        json_object_put(c);
        rc = k8sc__error_nomem();
    }
    return rc;
}

static int set_copy(struct json_object *obj, const char *key, const struct json_object *v)
{
    struct json_object *c;
    int rc = k8sc__json_copy(&c, v);
    return rc == 0 ? k8sc__json_set(obj, key, c) : rc;
}

static struct json_object *new_array(void)
{
    struct json_object *a = json_object_new_array();
    if (!a)
        k8sc__error_nomem();
    return a;
}

/* ---- Sorting by what Go's fmt prints ---------------------------------------- */

/* An element with the string Go sorts it by ("%v" of itself, or of its merge key's value). */
typedef struct {
    struct json_object *v;
    char *s;
    size_t len;
} keyed;

static int cmp_keyed(const void *a, const void *b, void *ctx)
{
    const keyed *x = a, *y = b;
    (void)ctx;
    int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void keyed_free(keyed *k, size_t n)
{
    for (size_t i = 0; k && i < n; i++)
        free(k[i].s);
    free(k);
}

/* The elements of `array` sorted by their "%v" (of `merge_key`'s value when given). */
static keyed *sorted_keyed(const struct json_object *array, const char *merge_key)
{
    size_t n = json_object_array_length(array);
    keyed *k = k8sc__calloc(n + 1, sizeof(*k));
    if (!k)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        k8sc__buf b = K8SC__BUF_INIT;
        struct json_object *v = json_object_array_get_idx(array, i), *key = v;
        if (merge_key && !k8sc__json_get(v, merge_key, &key))
            key = NULL;
        k8sc__json_go_string(&b, key);
        k[i].v = v;
        k[i].len = b.len;
        k[i].s = k8sc__buf_detach(&b, NULL);
        if (!k[i].s) {
            keyed_free(k, i);
            return NULL;
        }
    }
    if (k8sc__stable_sort(k, n, sizeof(*k), cmp_keyed, NULL) != 0) {
        keyed_free(k, n);
        return NULL;
    }
    return k;
}

/* ---- Diffing lists ------------------------------------------------------------ */

static int diff_maps(differ *d, const struct json_object *original, const struct json_object *modified,
    const k8sc__patch_type *type, diff_opts opts, struct json_object **out);

/* Go's sliceElementType over two lists. */
static int element_kind(differ *d, const struct json_object *a, const struct json_object *b, k8sc__jkind *out)
{
    const struct json_object *lists[2] = { a, b };
    bool seen = false;
    for (size_t l = 0; l < 2; l++) {
        size_t n = json_object_array_length(lists[l]);
        for (size_t i = 0; i < n; i++) {
            k8sc__jkind k = k8sc__json_kind(json_object_array_get_idx(lists[l], i));
            if (k == K8SC__JNULL)
                return fail(d, K8SC_EINVAL, "lists with null elements cannot be merged");
            if (!seen && k == K8SC__JARRAY)
                return fail(d, K8SC_EINVAL, "lists of lists are not supported");
            if (seen && k != *out)
                return fail(d, K8SC_EINVAL, "list element types are not identical: %s and %s",
                    k8sc__json_kind_name(*out), k8sc__json_kind_name(k));
            *out = k;
            seen = true;
        }
    }
    return 0;
}

/* Every element of `array` is a map with `merge_key`. */
static int validate_merge_keys(differ *d, const struct json_object *array, const char *merge_key)
{
    size_t n = json_object_array_length(array);
    for (size_t i = 0; i < n; i++) {
        struct json_object *v = json_object_array_get_idx(array, i);
        if (!k8sc__json_get(v, merge_key, NULL))
            return fail_no_merge_key(d, v, merge_key);
    }
    return 0;
}

/* Go's normalizeSliceOrder for a patch list: in the order of `modified`, in place. */
static int order_like(struct json_object *list, const struct json_object *modified, const char *merge_key)
{
    size_t n = json_object_array_length(list), m = json_object_array_length(modified);
    k8sc__ranked *r = k8sc__calloc(n + 1, sizeof(*r));
    if (!r)
        return K8SC_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        struct json_object *v = json_object_array_get_idx(list, i), *want = v, *have;
        r[i].v = json_object_get(v);
        r[i].at = -1;
        if (merge_key && !k8sc__json_get(v, merge_key, &want))
            continue;
        for (size_t k = 0; k < m && r[i].at < 0; k++) {
            have = json_object_array_get_idx(modified, k);
            if (merge_key && !k8sc__json_get(have, merge_key, &have))
                continue;
            if (k8sc__json_equal(want, have))
                r[i].at = (long)k;
        }
    }
    int rc = k8sc__stable_sort(r, n, sizeof(*r), k8sc__cmp_rank, NULL);
    /* put_idx releases the element it replaces; each moved element holds the reference taken above. */
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            json_object_array_put_idx(list, i, r[i].v);
        else
            json_object_put(r[i].v);
    }
    free(r);
    return rc;
}

/* Go's diffListsOfMaps: changed and added maps in `patch`, `$patch: delete` entries in `deletions`. */
static int diff_lists_of_maps(differ *d, const struct json_object *original, const struct json_object *modified,
    const k8sc__patch_type *type, const char *merge_key, diff_opts opts, struct json_object *patch,
    struct json_object *deletions)
{
    size_t no = json_object_array_length(original), nm = json_object_array_length(modified), i = 0, j = 0;
    keyed *os = sorted_keyed(original, merge_key), *ms = sorted_keyed(modified, merge_key);
    int rc = os && ms ? 0 : K8SC_ENOMEM;
    while (rc == 0 && (i < no || j < nm)) {
        struct json_object *ok = NULL, *mk = NULL;
        if (i < no && !k8sc__json_get(os[i].v, merge_key, &ok)) {
            rc = fail_no_merge_key(d, os[i].v, merge_key);
            break;
        }
        if (j < nm && !k8sc__json_get(ms[j].v, merge_key, &mk)) {
            rc = fail_no_merge_key(d, ms[j].v, merge_key);
            break;
        }
        int c = i < no && j < nm ? cmp_keyed(&os[i], &ms[j], NULL) : 0;
        if (i < no && j < nm && c == 0) {
            struct json_object *sub = NULL;
            size_t mark = d->path.len;
            k8sc__buf_printf(&d->path, "[%s=%s]", merge_key, ms[j].s);
            rc = diff_maps(d, os[i].v, ms[j].v, type, opts, &sub);
            path_pop(d, mark);
            if (rc == 0 && json_object_object_length(sub) > 0) {
                if ((rc = set_copy(sub, merge_key, mk)) == 0) {
                    rc = json_object_array_add(patch, sub) == 0 ? 0 : k8sc__error_nomem();
                    sub = rc == 0 ? NULL : sub;
                }
            }
            json_object_put(sub);
            i++;
            j++;
        } else if (i >= no || (j < nm && c > 0)) {
            if (!opts.ignore_changes)
                rc = push_copy(patch, ms[j].v);
            j++;
        } else {
            if (!opts.ignore_deletions) {
                struct json_object *del = json_object_new_object(), *marker = json_object_new_string("delete");
                rc = del && marker ? 0 : k8sc__error_nomem();
                if (rc == 0) {
                    rc = k8sc__json_set(del, DIRECTIVE, marker);
                    marker = NULL;
                }
                if (rc == 0)
                    rc = set_copy(del, merge_key, ok);
                if (rc == 0 && json_object_array_add(deletions, del) != 0)
                    rc = k8sc__error_nomem();
                else if (rc == 0)
                    del = NULL;
                json_object_put(del);
                json_object_put(marker);
            }
            i++;
        }
    }
    keyed_free(os, no);
    keyed_free(ms, nm);
    return rc;
}

/* Go's diffListsOfScalars; `*same` tells whether `original` sorted equals `modified` (Go compares them so). */
static int diff_lists_of_scalars(const struct json_object *original, const struct json_object *modified,
    diff_opts opts, struct json_object *patch, struct json_object *deletions, bool *same)
{
    size_t no = json_object_array_length(original), nm = json_object_array_length(modified), i = 0, j = 0, nd = 0;
    keyed *os = sorted_keyed(original, NULL), *ms = sorted_keyed(modified, NULL);
    struct json_object **del = k8sc__calloc(no + 1, sizeof(*del));
    int rc = os && ms && del ? 0 : K8SC_ENOMEM;
    *same = rc == 0 && no == nm;
    for (size_t k = 0; *same && k < no; k++)
        *same = k8sc__json_equal(os[k].v, json_object_array_get_idx(modified, k));
    while (rc == 0 && (i < no || j < nm)) {
        int c = i < no && j < nm ? cmp_keyed(&os[i], &ms[j], NULL) : 0;
        if (i < no && j < nm && c == 0) {
            i++;
            j++;
        } else if (i >= no || (j < nm && c > 0)) {
            if (!opts.ignore_changes)
                rc = push_copy(patch, ms[j].v);
            j++;
        } else {
            if (!opts.ignore_deletions)
                del[nd++] = os[i].v;
            i++;
        }
    }
    /* Go's deduplicateScalars, with the order it leaves. */
    for (size_t a = 0; rc == 0 && nd > 1 && a < nd - 1; a++) {
        for (size_t b = a + 1; b < nd; b++) {
            if (k8sc__json_equal(del[a], del[b])) {
                nd--;
                del[b] = del[nd];
                b--;
            }
        }
    }
    for (size_t k = 0; rc == 0 && k < nd; k++)
        rc = push_copy(deletions, del[k]);
    free(del);
    keyed_free(os, no);
    keyed_free(ms, nm);
    return rc;
}

/* Go's isOrderSame for lists of maps. */
static int order_same(differ *d, const struct json_object *original, const struct json_object *modified,
    const char *merge_key, bool *same)
{
    size_t n = json_object_array_length(original);
    *same = n == json_object_array_length(modified);
    for (size_t i = 0; *same && i < n; i++) {
        struct json_object *a = json_object_array_get_idx(original, i), *b = json_object_array_get_idx(modified, i), *ka, *kb;
        if (!k8sc__json_get(a, merge_key, &ka))
            return fail_no_merge_key(d, a, merge_key);
        if (!k8sc__json_get(b, merge_key, &kb))
            return fail_no_merge_key(d, b, merge_key);
        *same = k8sc__json_equal(ka, kb);
    }
    return 0;
}

/*
 * Go's diffLists for a list with the merge strategy: the patch list,
 * the parallel deletion list (scalars) and the $setElementOrder list;
 * each NULL when empty.
 */
static int diff_lists(differ *d, const struct json_object *original, const struct json_object *modified,
    const k8sc__patch_type *type, const char *merge_key, diff_opts opts, struct json_object **patch_out,
    struct json_object **delete_out, struct json_object **order_out)
{
    size_t no = json_object_array_length(original), nm = json_object_array_length(modified);
    struct json_object *patch = NULL, *deletions = NULL, *order = NULL;
    k8sc__jkind kind = K8SC__JNULL;
    *patch_out = *delete_out = *order_out = NULL;
    if (no == 0) {
        if (nm == 0 || opts.ignore_changes)
            return 0;
        return k8sc__json_copy(patch_out, modified);
    }
    int rc = element_kind(d, original, modified, &kind);
    if (rc == 0 && !(patch = new_array()))
        rc = K8SC_ENOMEM;
    if (rc == 0 && !(deletions = new_array()))
        rc = K8SC_ENOMEM;
    if (rc == 0 && kind == K8SC__JOBJECT) {
        bool same = true;
        if (!merge_key)
            rc = fail(d, K8SC_EINVAL, "cannot merge lists without merge key");
        if (rc == 0)
            rc = diff_lists_of_maps(d, original, modified, type, merge_key, opts, patch, deletions);
        if (rc == 0 && (rc = validate_merge_keys(d, patch, merge_key)) == 0 &&
            (rc = validate_merge_keys(d, modified, merge_key)) == 0)
            rc = order_like(patch, modified, merge_key);
        if (rc == 0)
            rc = order_same(d, original, modified, merge_key, &same);
        /* Deleted maps go after the others, in the patch list itself. */
        for (size_t i = 0; rc == 0 && i < json_object_array_length(deletions); i++)
            if (json_object_array_add(patch, json_object_get(json_object_array_get_idx(deletions, i))) != 0)
                rc = k8sc__error_nomem();
        json_object_put(deletions);
        deletions = NULL;
        size_t np = rc == 0 ? json_object_array_length(patch) : 0;
        if (rc == 0 && opts.set_element_order &&
            ((!opts.ignore_changes && (np > 0 || !same)) || (!opts.ignore_deletions && np > 0))) {
            if (!(order = new_array()))
                rc = K8SC_ENOMEM;
            for (size_t i = 0; rc == 0 && i < nm; i++) {
                struct json_object *entry = json_object_new_object(), *key;
                k8sc__json_get(json_object_array_get_idx(modified, i), merge_key, &key);
                rc = entry ? set_copy(entry, merge_key, key) : k8sc__error_nomem();
                if (rc == 0 && json_object_array_add(order, entry) != 0)
                    rc = k8sc__error_nomem();
                else if (rc == 0)
                    entry = NULL;
                json_object_put(entry);
            }
        }
    } else if (rc == 0) {
        bool same = true;
        rc = diff_lists_of_scalars(original, modified, opts, patch, deletions, &same);
        if (rc == 0)
            rc = order_like(patch, modified, NULL);
        if (rc == 0 && opts.set_element_order &&
            ((!opts.ignore_deletions && json_object_array_length(deletions) > 0) || (!opts.ignore_changes && !same)))
            rc = k8sc__json_copy(&order, modified);
    }
    if (rc != 0) {
        json_object_put(patch);
        json_object_put(deletions);
        json_object_put(order);
        return rc;
    }
    if (patch && json_object_array_length(patch) == 0) {
        json_object_put(patch);
        patch = NULL;
    }
    if (deletions && json_object_array_length(deletions) == 0) {
        json_object_put(deletions);
        deletions = NULL;
    }
    if (order && json_object_array_length(order) == 0) {
        json_object_put(order);
        order = NULL;
    }
    *patch_out = patch;
    *delete_out = deletions;
    *order_out = order;
    return 0;
}

/* ---- Diffing maps ------------------------------------------------------------- */

static int set_prefixed(struct json_object *patch, const char *prefix, const char *key, struct json_object *value)
{
    k8sc__buf name = K8SC__BUF_INIT;
    k8sc__buf_puts(&name, prefix);
    k8sc__buf_puts(&name, key);
    int rc = k8sc__buf_status(&name);
    if (rc == 0)
        rc = k8sc__json_set(patch, name.ptr, value);
    else
        json_object_put(value);
    k8sc__buf_free(&name);
    return rc;
}

static int cmp_string_values(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    return strcmp(json_object_get_string(*(struct json_object *const *)a),
        json_object_get_string(*(struct json_object *const *)b));
}

/* The sorted `$retainKeys` list from the keys of `modified` with non-null values. */
static int retain_list(const struct json_object *modified, struct json_object **out)
{
    size_t n = (size_t)json_object_object_length(modified), count = 0;
    struct json_object **keys = k8sc__calloc(n + 1, sizeof(*keys));
    int rc = keys ? 0 : K8SC_ENOMEM;
    json_object_object_foreach((struct json_object *)modified, key, value) {
        if (rc != 0)
            break;
        if (value && !(keys[count++] = json_object_new_string(key)))
            rc = k8sc__error_nomem();
    }
    if (rc == 0)
        rc = k8sc__stable_sort(keys, count, sizeof(*keys), cmp_string_values, NULL);
    struct json_object *list = rc == 0 ? new_array() : NULL;
    if (rc == 0 && !list)
        rc = K8SC_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        if (rc == 0 && json_object_array_add(list, keys[i]) == 0)
            continue;
        json_object_put(keys[i]);
        if (rc == 0)
            rc = k8sc__error_nomem();
    }
    free(keys);
    if (rc != 0) {
        json_object_put(list);
        return rc;
    }
    *out = list;
    return 0;
}

/* Go's diffMaps: the patch from map `original` to map `modified`. */
static int diff_maps(differ *d, const struct json_object *original, const struct json_object *modified,
    const k8sc__patch_type *type, diff_opts opts, struct json_object **out)
{
    struct json_object *patch = json_object_new_object();
    bool retained = false;
    int rc = patch ? 0 : k8sc__error_nomem();
    json_object_object_foreach((struct json_object *)modified, key, mv) {
        struct json_object *ov;
        if (rc != 0)
            break;
        retained = retained || (opts.retain_keys && mv);
        if (!k8sc__json_get(original, key, &ov)) {
            if (!opts.ignore_changes)
                rc = set_copy(patch, key, mv);
            continue;
        }
        if (strcmp(key, DIRECTIVE) == 0) {
            if (!json_object_is_type(ov, json_type_string) || !json_object_is_type(mv, json_type_string))
                rc = fail(d, K8SC_EINVAL, "invalid value for special key: %s", DIRECTIVE);
            else if (!k8sc__json_equal(ov, mv))
                rc = set_copy(patch, key, mv);
            continue;
        }
        k8sc__jkind kind = k8sc__json_kind(mv);
        if (k8sc__json_kind(ov) != kind) {
            if (!opts.ignore_changes)
                rc = set_copy(patch, key, mv);
            continue;
        }
        const k8sc__patch_field *field = k8sc__patch_field_lookup(type, key);
        diff_opts sub = opts;
        sub.retain_keys = (field->strategy & K8SC__PATCH_RETAIN_KEYS) != 0;
        size_t mark = path_push(d, key);
        if (kind == K8SC__JOBJECT && (field->strategy & K8SC__PATCH_REPLACE)) {
            /* Kubernetes sends a replaced map whole, changed or not. */
            if (!opts.ignore_changes)
                rc = set_copy(patch, key, mv);
        } else if (kind == K8SC__JOBJECT) {
            struct json_object *value = NULL;
            rc = diff_maps(d, ov, mv, field->type, sub, &value);
            if (rc == 0 && json_object_object_length(value) > 0)
                rc = k8sc__json_set(patch, key, json_object_get(value));
            json_object_put(value);
        } else if (kind == K8SC__JARRAY && (field->strategy & K8SC__PATCH_MERGE)) {
            struct json_object *list, *deletions, *order;
            rc = diff_lists(d, ov, mv, field->type, field->merge_key, sub, &list, &deletions, &order);
            if (rc == 0 && list)
                rc = k8sc__json_set(patch, key, json_object_get(list));
            if (rc == 0 && deletions)
                rc = set_prefixed(patch, DELETE_PREFIX, key, json_object_get(deletions));
            if (rc == 0 && order)
                rc = set_prefixed(patch, ORDER_PREFIX, key, json_object_get(order));
            json_object_put(list);
            json_object_put(deletions);
            json_object_put(order);
        } else if (!opts.ignore_changes && !k8sc__json_equal(ov, mv)) {
            rc = set_copy(patch, key, mv);
        }
        path_pop(d, mark);
    }
    bool extra = false;
    json_object_object_foreach((struct json_object *)original, okey, ov) {
        if (rc != 0)
            break;
        if (k8sc__json_get(modified, okey, NULL))
            continue;
        extra = extra || ov;
        if (!opts.ignore_deletions)
            rc = k8sc__json_set(patch, okey, NULL);
    }
    if (rc == 0 && retained && (json_object_object_length(patch) > 0 || extra)) {
        struct json_object *list;
        if ((rc = retain_list(modified, &list)) == 0)
            rc = k8sc__json_set(patch, RETAIN_KEYS, list);
    }
    if (rc != 0) {
        json_object_put(patch);
        return rc;
    }
    *out = patch;
    return 0;
}

/* ---- Entry points -------------------------------------------------------------- */

static int check_document(const struct json_object *v, const char *what)
{
    if (v && !json_object_is_type(v, json_type_object))
        return k8sc_error_set(K8SC_EINVAL, "strategic merge patch: %s must be a JSON object, got %s", what,
            k8sc__json_type_name(v));
    char label[96];
    snprintf(label, sizeof(label), "strategic merge patch: %s", what);
    return k8sc__json_check_depth(v, 0, label);
}

static const struct json_object *or_empty(const struct json_object *v, struct json_object *empty)
{
    return v ? v : empty;
}

int k8sc__patch_strategic_two_way_schema(struct json_object **out, const struct json_object *original,
    const struct json_object *modified, const k8sc__patch_type *schema)
{
    *out = NULL;
    int rc = check_document(original, "the original document");
    if (rc == 0)
        rc = check_document(modified, "the modified document");
    struct json_object *empty = rc == 0 ? json_object_new_object() : NULL;
    if (rc == 0 && !empty)
        rc = k8sc__error_nomem();
    if (rc == 0) {
        differ d = { K8SC__BUF_INIT };
        diff_opts opts = { true, false, false, false };
        rc = diff_maps(&d, or_empty(original, empty), or_empty(modified, empty), schema, opts, out);
        k8sc__buf_free(&d.path);
    }
    json_object_put(empty);
    return rc;
}

int k8sc__patch_strategic_three_way_schema(struct json_object **out, const struct json_object *original,
    const struct json_object *modified, const struct json_object *current, const k8sc__patch_type *schema)
{
    *out = NULL;
    int rc = check_document(original, "the original document");
    if (rc == 0)
        rc = check_document(modified, "the modified document");
    if (rc == 0)
        rc = check_document(current, "the current object");
    struct json_object *empty = rc == 0 ? json_object_new_object() : NULL, *delta = NULL, *deletions = NULL, *patch = NULL;
    if (rc == 0 && !empty)
        rc = k8sc__error_nomem();
    differ d = { K8SC__BUF_INIT };
    if (rc == 0) {
        /* Everything that differs from the live object, except deletions... */
        diff_opts opts = { true, false, true, false };
        rc = diff_maps(&d, or_empty(current, empty), or_empty(modified, empty), schema, opts, &delta);
    }
    if (rc == 0) {
        /* ...and deletions only of what the last apply set. */
        diff_opts opts = { true, true, false, false };
        rc = diff_maps(&d, or_empty(original, empty), or_empty(modified, empty), schema, opts, &deletions);
    }
    k8sc__buf_free(&d.path);
    json_object_put(empty);
    if (rc == 0) {
        rc = k8sc__patch_strategic_merge(&patch, deletions, delta, schema, false);
        deletions = delta = NULL;
    }
    /* The combined patch may share values between its parts; hand out a tree of its own. */
    if (rc == 0)
        rc = k8sc__json_copy(out, patch);
    json_object_put(patch);
    json_object_put(delta);
    json_object_put(deletions);
    return rc;
}

/* apiVersion and kind from the arguments, else the first document that has them. */
static void kind_of(const char **api_version, const char **kind, const struct json_object *a, const struct json_object *b)
{
    if (!*api_version)
        *api_version = k8sc__json_string(a, "apiVersion") ? k8sc__json_string(a, "apiVersion") : k8sc__json_string(b, "apiVersion");
    if (!*kind)
        *kind = k8sc__json_string(a, "kind") ? k8sc__json_string(a, "kind") : k8sc__json_string(b, "kind");
}

int k8sc_patch_strategic_create_two_way(struct json_object **out, k8sc_patch_type *type,
    const struct json_object *original, const struct json_object *modified,
    const char *api_version, const char *kind)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    kind_of(&api_version, &kind, modified, original);
    const k8sc__patch_type *schema = k8sc__patch_schema(api_version, kind);
    if (type)
        *type = schema ? K8SC_PATCH_STRATEGIC : K8SC_PATCH_MERGE;
    if (!schema)
        return k8sc_patch_merge_create(out, original, modified);
    return k8sc__patch_strategic_two_way_schema(out, original, modified, schema);
}

int k8sc_patch_strategic_create_three_way(struct json_object **out, k8sc_patch_type *type,
    const struct json_object *original, const struct json_object *modified,
    const struct json_object *current, const char *api_version, const char *kind)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    kind_of(&api_version, &kind, modified, current);
    const k8sc__patch_type *schema = k8sc__patch_schema(api_version, kind);
    if (type)
        *type = schema ? K8SC_PATCH_STRATEGIC : K8SC_PATCH_MERGE;
    if (!schema)
        return k8sc__patch_merge_three_way(out, original, modified, current);
    return k8sc__patch_strategic_three_way_schema(out, original, modified, current, schema);
}
