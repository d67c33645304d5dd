#include "object_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct k8sc_object {
    atomic_uint refs;
    struct json_object *root;
};

struct json_object *k8sc__json_member(const struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;
    if (obj && json_object_is_type(obj, json_type_object))
        json_object_object_get_ex(obj, key, &v);
    return v;
}

const char *k8sc__json_string(const struct json_object *obj, const char *key)
{
    struct json_object *v = k8sc__json_member(obj, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

struct json_object *k8sc__json_ensure_map(struct json_object *obj, const char *key)
{
    if (!obj || !json_object_is_type(obj, json_type_object))
        return NULL;
    struct json_object *v = k8sc__json_member(obj, key);
    if (v && json_object_is_type(v, json_type_object))
        return v;
    v = json_object_new_object();
    if (!v || json_object_object_add(obj, key, v) != 0) {
        json_object_put(v);
        k8sc__error_nomem();
        return NULL;
    }
    return v;
}

int k8sc_object_wrap(k8sc_object **out, struct json_object *root)
{
    K8SC__CHECK_ARG(out);
    if (!root || !json_object_is_type(root, json_type_object))
        return k8sc_error_set(K8SC_EINVAL, "an object must be a JSON object, not %s",
            root ? json_type_to_name(json_object_get_type(root)) : "null");
    k8sc_object *obj = k8sc__malloc(sizeof(*obj));
    if (!obj)
        return K8SC_ENOMEM;
    atomic_init(&obj->refs, 1);
    obj->root = root;
    *out = obj;
    return 0;
}

int k8sc_object_new(k8sc_object **out, const char *api_version, const char *kind)
{
    K8SC__CHECK_ARG(out);
    struct json_object *root = json_object_new_object();
    if (!root)
        return k8sc__error_nomem();
    int rc = k8sc_object_wrap(out, root);
    if (rc != 0) {
        json_object_put(root);
        return rc;
    }
    if ((api_version && (rc = k8sc_object_set_api_version(*out, api_version)) != 0) ||
        (kind && (rc = k8sc_object_set_kind(*out, kind)) != 0)) {
        k8sc_object_free(*out);
        *out = NULL;
    }
    return rc;
}

struct json_object *k8sc_object_json(const k8sc_object *obj)
{
    return obj ? obj->root : NULL;
}

k8sc_object *k8sc_object_ref(k8sc_object *obj)
{
    if (obj)
        atomic_fetch_add_explicit(&obj->refs, 1, memory_order_relaxed);
    return obj;
}

int k8sc_object_dup(k8sc_object **out, const k8sc_object *obj)
{
    K8SC__CHECK_ARG(out && obj);
    struct json_object *copy = NULL;
    if (json_object_deep_copy(obj->root, &copy, NULL) != 0)
        return k8sc__error_nomem();
    int rc = k8sc_object_wrap(out, copy);
    if (rc != 0)
        json_object_put(copy);
    return rc;
}

void k8sc_object_free(k8sc_object *obj)
{
    if (!obj)
        return;
    if (atomic_fetch_sub_explicit(&obj->refs, 1, memory_order_acq_rel) == 1) {
        json_object_put(obj->root);
        free(obj);
    }
}

bool k8sc_object_equal(const k8sc_object *a, const k8sc_object *b)
{
    if (!a || !b)
        return a == b;
    return json_object_equal(a->root, b->root) != 0;
}

struct json_object *k8sc__object_metadata(const k8sc_object *obj)
{
    return obj ? k8sc__json_member(obj->root, "metadata") : NULL;
}
