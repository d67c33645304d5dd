/*
 * RFC 7386 JSON merge patch, with the details of evanphx/json-patch that
 * Kubernetes serves (nulls dropped from added values, arrays of objects
 * included), and kubectl's three-way merge patch for custom resources.
 */
#include "patch_internal.h"

#include <string.h>

/* A copy of `v` without null object members, at any depth. */
static int copy_pruned(struct json_object **out, const struct json_object *v)
{
    *out = NULL;
    if (json_object_is_type(v, json_type_object)) {
        struct json_object *c = json_object_new_object();
        if (!c)
            return k8sc__error_nomem();
        json_object_object_foreach((struct json_object *)v, key, child) {
            if (!child)
                continue;
            struct json_object *e;
            int rc = copy_pruned(&e, child);
            if (rc == 0)
                rc = k8sc__json_set(c, key, e);
            if (rc != 0) {
                json_object_put(c);
                return rc;
            }
        }
        *out = c;
        return 0;
    }
    if (json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        struct json_object *c = json_object_new_array_ext(n ? (int)(n > INT32_MAX ? INT32_MAX : n) : 1);
        if (!c)
            return k8sc__error_nomem();
        for (size_t i = 0; i < n; i++) {
            struct json_object *e;
            int rc = copy_pruned(&e, json_object_array_get_idx(v, i));
            if (rc == 0 && json_object_array_add(c, e) != 0) {
                json_object_put(e);
                rc = k8sc__error_nomem();
            }
            if (rc != 0) {
                json_object_put(c);
                return rc;
            }
        }
        *out = c;
        return 0;
    }
    return k8sc__json_copy(out, v);
}

/* Merge `patch` into `*target` (owned, replaced when the patch is not an object). */
static int merge_into(struct json_object **target, const struct json_object *patch)
{
    if (!json_object_is_type(patch, json_type_object)) {
        struct json_object *c;
        int rc = copy_pruned(&c, patch);
        if (rc != 0)
            return rc;
        json_object_put(*target);
        *target = c;
        return 0;
    }
    if (!json_object_is_type(*target, json_type_object)) {
        struct json_object *obj = json_object_new_object();
        if (!obj)
            return k8sc__error_nomem();
        json_object_put(*target);
        *target = obj;
    }
    json_object_object_foreach((struct json_object *)patch, key, value) {
        if (!value) {
            json_object_object_del(*target, key);
            continue;
        }
        struct json_object *child = NULL;
        bool present = k8sc__json_get(*target, key, &child);
        int rc;
        if (present && json_object_is_type(child, json_type_object) && json_object_is_type(value, json_type_object)) {
            /* Merging keeps an object an object, so it can happen in place. */
            rc = merge_into(&child, value);
        } else {
            struct json_object *c;
            rc = copy_pruned(&c, value);
            if (rc == 0)
                rc = k8sc__json_set(*target, key, c);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

int k8sc_patch_merge_apply(struct json_object **out, const struct json_object *original,
    const struct json_object *patch)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    int rc = k8sc__json_check_depth(original, 0, "merge patch: the original document");
    if (rc == 0)
        rc = k8sc__json_check_depth(patch, 0, "merge patch: the patch");
    struct json_object *result = NULL;
    if (rc == 0 && json_object_is_type(patch, json_type_object))
        rc = k8sc__json_copy(&result, original);
    if (rc == 0)
        rc = merge_into(&result, patch);
    if (rc != 0) {
        json_object_put(result);
        return rc;
    }
    *out = result;
    return 0;
}

/* The merge patch from object `a` to object `b`, as a new object. */
static int diff_objects(struct json_object **out, const struct json_object *a, const struct json_object *b)
{
    struct json_object *patch = json_object_new_object();
    if (!patch)
        return k8sc__error_nomem();
    int rc = 0;
    json_object_object_foreach((struct json_object *)b, key, bv) {
        struct json_object *av, *value = NULL;
        bool present = k8sc__json_get(a, key, &av);
        if (present && k8sc__json_equal(av, bv))
            continue;
        if (present && json_object_is_type(av, json_type_object) && json_object_is_type(bv, json_type_object)) {
            rc = diff_objects(&value, av, bv);
            if (rc == 0 && json_object_object_length(value) == 0) {
                json_object_put(value);
                continue;
            }
        } else {
            rc = k8sc__json_copy(&value, bv);
        }
        if (rc == 0)
            rc = k8sc__json_set(patch, key, value);
        if (rc != 0)
            break;
    }
    if (rc == 0) {
        json_object_object_foreach((struct json_object *)a, akey, av) {
            (void)av;
            if (!k8sc__json_get(b, akey, NULL) && (rc = k8sc__json_set(patch, akey, NULL)) != 0)
                break;
        }
    }
    if (rc != 0) {
        json_object_put(patch);
        return rc;
    }
    *out = patch;
    return 0;
}

int k8sc_patch_merge_create(struct json_object **out, const struct json_object *original,
    const struct json_object *modified)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    int rc = k8sc__json_check_depth(original, 0, "merge patch: the original document");
    if (rc == 0)
        rc = k8sc__json_check_depth(modified, 0, "merge patch: the modified document");
    if (rc != 0)
        return rc;
    if (json_object_is_type(original, json_type_object) && json_object_is_type(modified, json_type_object))
        return diff_objects(out, original, modified);
    return k8sc__json_copy(out, modified);
}

/*
 * kubectl's keepOrDeleteNullInObj: with `keep_null`, only the null members
 * (and the objects leading to them); otherwise everything but them, an
 * explicitly empty object counting as a value. Works in place on `obj`.
 */
static int filter_nulls(struct json_object *obj, bool keep_null)
{
    size_t n = (size_t)json_object_object_length(obj), count = 0;
    char **drop = n ? k8sc__calloc(n, sizeof(*drop)) : NULL;
    int rc = n && !drop ? K8SC_ENOMEM : 0;
    json_object_object_foreach(obj, key, value) {
        if (rc != 0)
            break;
        bool keep;
        if (!value) {
            keep = keep_null;
        } else if (json_object_is_type(value, json_type_object)) {
            if (json_object_object_length(value) == 0) {
                keep = !keep_null;
            } else {
                rc = filter_nulls(value, keep_null);
                keep = json_object_object_length(value) != 0;
            }
        } else {
            keep = !keep_null;
        }
        if (!keep && rc == 0 && !(drop[count++] = k8sc__strdup(key)))
            rc = K8SC_ENOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        if (drop[i])
            json_object_object_del(obj, drop[i]);
        free(drop[i]);
    }
    free(drop);
    return rc;
}

int k8sc__patch_merge_three_way(struct json_object **out, const struct json_object *original,
    const struct json_object *modified, const struct json_object *current)
{
    static const char *const names[] = { "the original document", "the modified document", "the current object" };
    const struct json_object *docs[] = { original, modified, current };
    struct json_object *empty = NULL;
    *out = NULL;
    for (size_t i = 0; i < 3; i++) {
        if (docs[i] && !json_object_is_type(docs[i], json_type_object))
            return k8sc_error_set(K8SC_EINVAL, "merge patch: %s must be a JSON object, got %s", names[i],
                k8sc__json_type_name(docs[i]));
        int rc = k8sc__json_check_depth(docs[i], 0, "merge patch: a document");
        if (rc != 0)
            return rc;
    }
    if (!(empty = json_object_new_object()))
        return k8sc__error_nomem();
    struct json_object *add = NULL, *del = NULL;
    int rc = diff_objects(&add, current ? current : empty, modified ? modified : empty);
    if (rc == 0)
        rc = diff_objects(&del, original ? original : empty, modified ? modified : empty);
    json_object_put(empty);
    if (rc == 0) {
        /* Changes come from current→modified, deletions only from original→modified. */
        rc = filter_nulls(add, false);
        if (rc == 0)
            rc = filter_nulls(del, true);
        if (rc == 0)
            rc = merge_into(&del, add);
    }
    json_object_put(add);
    if (rc != 0) {
        json_object_put(del);
        return rc;
    }
    *out = del;
    return 0;
}
