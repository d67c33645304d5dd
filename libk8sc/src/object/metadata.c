/* Typed accessors for apiVersion, kind and metadata. */
#include "object_internal.h"

#include <string.h>

static const char *meta_string(const k8sc_object *obj, const char *key)
{
    return k8sc__json_string(k8sc__object_metadata(obj), key);
}

/* Set or (value NULL) remove key in JSON map `map`. */
static int map_set_string(struct json_object *map, const char *key, const char *value)
{
    if (!value) {
        json_object_object_del(map, key);
        return 0;
    }
    struct json_object *v = json_object_new_string(value);
    if (!v || json_object_object_add(map, key, v) != 0) {
        json_object_put(v);
        return k8sc__error_nomem();
    }
    return 0;
}

static struct json_object *ensure_metadata(k8sc_object *obj)
{
    return k8sc__json_ensure_map(k8sc_object_json(obj), "metadata");
}

static int set_meta_string(k8sc_object *obj, const char *key, const char *value)
{
    K8SC__CHECK_ARG(obj);
    if (!value) {
        struct json_object *md = k8sc__object_metadata(obj);
        if (md)
            json_object_object_del(md, key);
        return 0;
    }
    struct json_object *md = ensure_metadata(obj);
    return md ? map_set_string(md, key, value) : K8SC_ENOMEM;
}

const char *k8sc_object_api_version(const k8sc_object *obj)
{
    return k8sc__json_string(k8sc_object_json(obj), "apiVersion");
}

const char *k8sc_object_kind(const k8sc_object *obj)
{
    return k8sc__json_string(k8sc_object_json(obj), "kind");
}

int k8sc_object_set_api_version(k8sc_object *obj, const char *value)
{
    K8SC__CHECK_ARG(obj);
    return map_set_string(k8sc_object_json(obj), "apiVersion", value);
}

int k8sc_object_set_kind(k8sc_object *obj, const char *value)
{
    K8SC__CHECK_ARG(obj);
    return map_set_string(k8sc_object_json(obj), "kind", value);
}

#define K8SC__META_STRING(fn, key) \
    const char *k8sc_object_##fn(const k8sc_object *obj) { return meta_string(obj, key); } \
    int k8sc_object_set_##fn(k8sc_object *obj, const char *value) { return set_meta_string(obj, key, value); }

K8SC__META_STRING(name, "name")
K8SC__META_STRING(generate_name, "generateName")
K8SC__META_STRING(namespace, "namespace")
K8SC__META_STRING(uid, "uid")
K8SC__META_STRING(resource_version, "resourceVersion")

static int set_meta_int(k8sc_object *obj, const char *key, bool present, int64_t value)
{
    K8SC__CHECK_ARG(obj);
    if (!present) {
        json_object_object_del(k8sc__object_metadata(obj), key);
        return 0;
    }
    struct json_object *md = ensure_metadata(obj);
    struct json_object *v = md ? json_object_new_int64(value) : NULL;
    if (!v || json_object_object_add(md, key, v) != 0) {
        json_object_put(v);
        return k8sc__error_nomem();
    }
    return 0;
}

static int get_meta_int(const k8sc_object *obj, const char *key, int64_t *out)
{
    K8SC__CHECK_ARG(obj && out);
    struct json_object *v = k8sc__json_member(k8sc__object_metadata(obj), key);
    if (!v)
        return k8sc_error_set(K8SC_ENOTFOUND, "metadata.%s is not set", key);
    if (!json_object_is_type(v, json_type_int))
        return k8sc_error_set(K8SC_EINVAL, "metadata.%s is not an integer", key);
    *out = json_object_get_int64(v);
    return 0;
}

int64_t k8sc_object_generation(const k8sc_object *obj)
{
    int64_t g = 0;
    struct json_object *v = k8sc__json_member(k8sc__object_metadata(obj), "generation");
    if (v && json_object_is_type(v, json_type_int))
        g = json_object_get_int64(v);
    return g;
}

int k8sc_object_set_generation(k8sc_object *obj, int64_t generation)
{
    return set_meta_int(obj, "generation", true, generation);
}

int k8sc_object_deletion_grace_period(const k8sc_object *obj, int64_t *out)
{
    return get_meta_int(obj, "deletionGracePeriodSeconds", out);
}

int k8sc_object_set_deletion_grace_period(k8sc_object *obj, bool present, int64_t seconds)
{
    return set_meta_int(obj, "deletionGracePeriodSeconds", present, seconds);
}

static int get_meta_time(const k8sc_object *obj, const char *key, int64_t *out)
{
    K8SC__CHECK_ARG(obj && out);
    const char *s = meta_string(obj, key);
    if (!s) {
        if (k8sc__json_member(k8sc__object_metadata(obj), key))
            return k8sc_error_set(K8SC_EINVAL, "metadata.%s is not a string", key);
        return k8sc_error_set(K8SC_ENOTFOUND, "metadata.%s is not set", key);
    }
    return k8sc_time_parse(out, s);
}

static int set_meta_time(k8sc_object *obj, const char *key, bool present, int64_t unix_sec)
{
    if (!present)
        return set_meta_string(obj, key, NULL);
    char buf[K8SC_TIME_BUFSIZE];
    int rc = k8sc_time_format(buf, sizeof(buf), unix_sec);
    return rc ? rc : set_meta_string(obj, key, buf);
}

int k8sc_object_creation_timestamp(const k8sc_object *obj, int64_t *out)
{
    return get_meta_time(obj, "creationTimestamp", out);
}

int k8sc_object_set_creation_timestamp(k8sc_object *obj, bool present, int64_t unix_sec)
{
    return set_meta_time(obj, "creationTimestamp", present, unix_sec);
}

int k8sc_object_deletion_timestamp(const k8sc_object *obj, int64_t *out)
{
    return get_meta_time(obj, "deletionTimestamp", out);
}

int k8sc_object_set_deletion_timestamp(k8sc_object *obj, bool present, int64_t unix_sec)
{
    return set_meta_time(obj, "deletionTimestamp", present, unix_sec);
}

static const char *meta_map_name(k8sc_meta_map map)
{
    return map == K8SC_ANNOTATIONS ? "annotations" : "labels";
}

const char *k8sc_object_meta_get(const k8sc_object *obj, k8sc_meta_map map, const char *key)
{
    if (!key)
        return NULL;
    return k8sc__json_string(k8sc__json_member(k8sc__object_metadata(obj), meta_map_name(map)), key);
}

int k8sc_object_meta_set(k8sc_object *obj, k8sc_meta_map map, const char *key, const char *value)
{
    K8SC__CHECK_ARG(obj && key);
    const char *name = meta_map_name(map);
    if (!value) {
        struct json_object *md = k8sc__object_metadata(obj);
        struct json_object *m = k8sc__json_member(md, name);
        if (m && json_object_is_type(m, json_type_object)) {
            json_object_object_del(m, key);
            /* Kubernetes omits empty maps; so do we. */
            if (json_object_object_length(m) == 0)
                json_object_object_del(md, name);
        }
        return 0;
    }
    struct json_object *m = k8sc__json_ensure_map(ensure_metadata(obj), name);
    return m ? map_set_string(m, key, value) : K8SC_ENOMEM;
}

size_t k8sc_object_meta_count(const k8sc_object *obj, k8sc_meta_map map)
{
    struct json_object *m = k8sc__json_member(k8sc__object_metadata(obj), meta_map_name(map));
    return m && json_object_is_type(m, json_type_object) ? (size_t)json_object_object_length(m) : 0;
}

int k8sc_object_meta_foreach(const k8sc_object *obj, k8sc_meta_map map,
    int (*fn)(const char *key, const char *value, void *userdata), void *userdata)
{
    K8SC__CHECK_ARG(fn);
    struct json_object *m = k8sc__json_member(k8sc__object_metadata(obj), meta_map_name(map));
    if (!m || !json_object_is_type(m, json_type_object))
        return 0;
    json_object_object_foreach(m, key, val) {
        if (!json_object_is_type(val, json_type_string))
            continue;
        int rc = fn(key, json_object_get_string(val), userdata);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static struct json_object *meta_array(const k8sc_object *obj, const char *key)
{
    struct json_object *a = k8sc__json_member(k8sc__object_metadata(obj), key);
    return a && json_object_is_type(a, json_type_array) ? a : NULL;
}

static struct json_object *ensure_meta_array(k8sc_object *obj, const char *key)
{
    struct json_object *a = meta_array(obj, key);
    if (a)
        return a;
    struct json_object *md = ensure_metadata(obj);
    a = md ? json_object_new_array() : NULL;
    if (!a || json_object_object_add(md, key, a) != 0) {
        json_object_put(a);
        k8sc__error_nomem();
        return NULL;
    }
    return a;
}

/* Drop an empty array from metadata, as Kubernetes omits it. */
static void drop_if_empty(k8sc_object *obj, const char *key)
{
    struct json_object *a = meta_array(obj, key);
    if (a && json_object_array_length(a) == 0)
        json_object_object_del(k8sc__object_metadata(obj), key);
}

size_t k8sc_object_owner_ref_count(const k8sc_object *obj)
{
    struct json_object *a = meta_array(obj, "ownerReferences");
    return a ? json_object_array_length(a) : 0;
}

static bool json_true(const struct json_object *o, const char *key)
{
    struct json_object *v = k8sc__json_member(o, key);
    return v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

int k8sc_object_owner_ref(k8sc_owner_ref *out, const k8sc_object *obj, size_t index)
{
    K8SC__CHECK_ARG(out && obj);
    struct json_object *a = meta_array(obj, "ownerReferences");
    if (!a || index >= json_object_array_length(a))
        return k8sc_error_set(K8SC_ENOTFOUND, "no owner reference %zu", index);
    struct json_object *r = json_object_array_get_idx(a, index);
    if (!json_object_is_type(r, json_type_object))
        return k8sc_error_set(K8SC_EINVAL, "metadata.ownerReferences[%zu] is not an object", index);
    out->api_version = k8sc__json_string(r, "apiVersion");
    out->kind = k8sc__json_string(r, "kind");
    out->name = k8sc__json_string(r, "name");
    out->uid = k8sc__json_string(r, "uid");
    out->controller = json_true(r, "controller");
    out->block_owner_deletion = json_true(r, "blockOwnerDeletion");
    return 0;
}

int k8sc_object_controller_ref(k8sc_owner_ref *out, const k8sc_object *obj)
{
    K8SC__CHECK_ARG(out && obj);
    size_t n = k8sc_object_owner_ref_count(obj);
    for (size_t i = 0; i < n; i++)
        if (k8sc_object_owner_ref(out, obj, i) == 0 && out->controller)
            return 0;
    return k8sc_error_set(K8SC_ENOTFOUND, "object has no controller reference");
}

int k8sc_object_add_owner_ref(k8sc_object *obj, const k8sc_owner_ref *ref)
{
    K8SC__CHECK_ARG(obj && ref && ref->api_version && ref->kind && ref->name && ref->uid);
    struct json_object *r = json_object_new_object();
    if (!r)
        return k8sc__error_nomem();
    int rc = 0;
    rc |= map_set_string(r, "apiVersion", ref->api_version);
    rc |= map_set_string(r, "kind", ref->kind);
    rc |= map_set_string(r, "name", ref->name);
    rc |= map_set_string(r, "uid", ref->uid);
    if (ref->controller)
        rc |= json_object_object_add(r, "controller", json_object_new_boolean(1));
    if (ref->block_owner_deletion)
        rc |= json_object_object_add(r, "blockOwnerDeletion", json_object_new_boolean(1));
    struct json_object *a = rc == 0 ? ensure_meta_array(obj, "ownerReferences") : NULL;
    if (!a) {
        json_object_put(r);
        return k8sc__error_nomem();
    }
    size_t n = json_object_array_length(a);
    for (size_t i = 0; i < n; i++) {
        const char *uid = k8sc__json_string(json_object_array_get_idx(a, i), "uid");
        if (uid && strcmp(uid, ref->uid) == 0) {
            json_object_array_put_idx(a, i, r);
            return 0;
        }
    }
    if (json_object_array_add(a, r) != 0) {
        json_object_put(r);
        return k8sc__error_nomem();
    }
    return 0;
}

/* Index of the first element of `a` for which `match` holds, or -1. */
static long find_in_array(struct json_object *a, bool (*match)(struct json_object *, const char *), const char *arg)
{
    size_t n = a ? json_object_array_length(a) : 0;
    for (size_t i = 0; i < n; i++)
        if (match(json_object_array_get_idx(a, i), arg))
            return (long)i;
    return -1;
}

static bool uid_is(struct json_object *r, const char *uid)
{
    const char *u = k8sc__json_string(r, "uid");
    return u && strcmp(u, uid) == 0;
}

static bool string_is(struct json_object *s, const char *want)
{
    return json_object_is_type(s, json_type_string) && strcmp(json_object_get_string(s), want) == 0;
}

int k8sc_object_remove_owner_ref(k8sc_object *obj, const char *uid)
{
    K8SC__CHECK_ARG(obj && uid);
    struct json_object *a = meta_array(obj, "ownerReferences");
    long i = find_in_array(a, uid_is, uid);
    if (i < 0)
        return k8sc_error_set(K8SC_ENOTFOUND, "no owner reference with uid %s", uid);
    json_object_array_del_idx(a, (size_t)i, 1);
    drop_if_empty(obj, "ownerReferences");
    return 0;
}

size_t k8sc_object_finalizer_count(const k8sc_object *obj)
{
    struct json_object *a = meta_array(obj, "finalizers");
    return a ? json_object_array_length(a) : 0;
}

const char *k8sc_object_finalizer(const k8sc_object *obj, size_t index)
{
    struct json_object *a = meta_array(obj, "finalizers");
    if (!a || index >= json_object_array_length(a))
        return NULL;
    struct json_object *s = json_object_array_get_idx(a, index);
    return json_object_is_type(s, json_type_string) ? json_object_get_string(s) : NULL;
}

bool k8sc_object_has_finalizer(const k8sc_object *obj, const char *name)
{
    return name && find_in_array(meta_array(obj, "finalizers"), string_is, name) >= 0;
}

int k8sc_object_add_finalizer(k8sc_object *obj, const char *name)
{
    K8SC__CHECK_ARG(obj && name);
    if (k8sc_object_has_finalizer(obj, name))
        return 0;
    struct json_object *a = ensure_meta_array(obj, "finalizers");
    struct json_object *s = a ? json_object_new_string(name) : NULL;
    if (!s || json_object_array_add(a, s) != 0) {
        json_object_put(s);
        return k8sc__error_nomem();
    }
    return 0;
}

int k8sc_object_remove_finalizer(k8sc_object *obj, const char *name)
{
    K8SC__CHECK_ARG(obj && name);
    struct json_object *a = meta_array(obj, "finalizers");
    long i = find_in_array(a, string_is, name);
    if (i < 0)
        return k8sc_error_set(K8SC_ENOTFOUND, "no finalizer %s", name);
    json_object_array_del_idx(a, (size_t)i, 1);
    drop_if_empty(obj, "finalizers");
    return 0;
}
