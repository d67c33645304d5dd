/* Field paths: "spec.containers[0].image", '\' escaping the next character. */
#include "object_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *path; /* whole path, for messages */
    const char *p;    /* next unread character */
    char *key;        /* current key, unescaped */
    size_t key_cap;
    bool is_index;
    size_t index;
} path_iter;

static int path_error(const path_iter *it, const char *what)
{
    return k8sc_error_set(K8SC_EINVAL, "field path \"%s\": at position %zu: %s",
        it->path, (size_t)(it->p - it->path) + 1, what);
}

/* The next segment: 1 with it->key or it->index set, 0 at the end, <0 on a malformed path. */
static int path_next(path_iter *it)
{
    if (*it->p == '\0')
        return 0;
    if (*it->p == '[') {
        const char *s = ++it->p;
        size_t v = 0;
        while (*it->p >= '0' && *it->p <= '9') {
            if (v > (SIZE_MAX - 9) / 10)
                return path_error(it, "index too large");
            v = v * 10 + (size_t)(*it->p++ - '0');
        }
        if (it->p == s || *it->p != ']')
            return path_error(it, "expected a number and ']'");
        it->p++;
        if (*it->p != '\0' && *it->p != '.' && *it->p != '[')
            return path_error(it, "expected '.' or '[' after ']'");
        it->is_index = true;
        it->index = v;
        return 1;
    }
    if (*it->p == '.') {
        if (it->p == it->path)
            return path_error(it, "empty field name");
        it->p++;
    }
    size_t n = 0;
    while (*it->p && *it->p != '.' && *it->p != '[') {
        if (*it->p == '\\') {
            it->p++;
            if (*it->p == '\0')
                return path_error(it, "'\\' at the end");
        }
        if (n + 1 >= it->key_cap) {
            size_t cap = it->key_cap * 2;
            char *k = realloc(it->key, cap);
            if (!k)
                return k8sc__error_nomem();
            it->key = k;
            it->key_cap = cap;
        }
        it->key[n++] = *it->p++;
    }
    if (n == 0)
        return path_error(it, "empty field name");
    it->key[n] = '\0';
    it->is_index = false;
    return 1;
}

static int path_init(path_iter *it, const char *path)
{
    it->path = it->p = path;
    it->key_cap = 64;
    it->key = k8sc__malloc(it->key_cap);
    return it->key ? 0 : K8SC_ENOMEM;
}

static void path_done(path_iter *it)
{
    free(it->key);
}

/* The child of `cur` named by the current segment, or NULL. */
static struct json_object *path_child(const path_iter *it, struct json_object *cur)
{
    if (it->is_index) {
        if (!cur || !json_object_is_type(cur, json_type_array) || it->index >= json_object_array_length(cur))
            return NULL;
        return json_object_array_get_idx(cur, it->index);
    }
    return k8sc__json_member(cur, it->key);
}

struct json_object *k8sc_object_get(const k8sc_object *obj, const char *path)
{
    if (!obj || !path)
        return NULL;
    path_iter it;
    if (path_init(&it, path) != 0)
        return NULL;
    struct json_object *cur = k8sc_object_json(obj);
    int rc;
    while (cur && (rc = path_next(&it)) > 0)
        cur = path_child(&it, cur);
    if (cur && rc < 0)
        cur = NULL;
    path_done(&it);
    return cur;
}

bool k8sc_object_has(const k8sc_object *obj, const char *path)
{
    if (!obj || !path)
        return false;
    path_iter it;
    if (path_init(&it, path) != 0)
        return false;
    struct json_object *cur = k8sc_object_json(obj);
    bool present = true;
    int rc = 0;
    while (present && (rc = path_next(&it)) > 0) {
        if (it.is_index) {
            cur = path_child(&it, cur);
            present = cur != NULL;
        } else {
            present = cur && json_object_is_type(cur, json_type_object) &&
                json_object_object_get_ex(cur, it.key, &cur);
        }
    }
    path_done(&it);
    return present && rc == 0;
}

const char *k8sc_object_get_string(const k8sc_object *obj, const char *path)
{
    struct json_object *v = k8sc_object_get(obj, path);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

int k8sc_object_get_int(const k8sc_object *obj, const char *path, int64_t *out)
{
    K8SC__CHECK_ARG(obj && path && out);
    struct json_object *v = k8sc_object_get(obj, path);
    if (!v)
        return k8sc_error_set(K8SC_ENOTFOUND, "%s: not found", path);
    if (!json_object_is_type(v, json_type_int))
        return k8sc_error_set(K8SC_EINVAL, "%s: not an integer", path);
    errno = 0;
    *out = json_object_get_int64(v);
    return 0;
}

int k8sc_object_get_bool(const k8sc_object *obj, const char *path, bool *out)
{
    K8SC__CHECK_ARG(obj && path && out);
    struct json_object *v = k8sc_object_get(obj, path);
    if (!v)
        return k8sc_error_set(K8SC_ENOTFOUND, "%s: not found", path);
    if (!json_object_is_type(v, json_type_boolean))
        return k8sc_error_set(K8SC_EINVAL, "%s: not a boolean", path);
    *out = json_object_get_boolean(v) != 0;
    return 0;
}

/*
 * Walk to the parent of the last segment, creating maps for missing keys
 * when `create` is set. On success `it` holds the last segment.
 */
static int path_parent(path_iter *it, struct json_object *root, bool create, struct json_object **parent)
{
    struct json_object *cur = root;
    int rc = path_next(it);
    if (rc <= 0)
        return rc < 0 ? rc : k8sc_error_set(K8SC_EINVAL, "empty field path");
    for (;;) {
        const char *save = it->p;
        if (*save == '\0') { /* the current segment is the last */
            *parent = cur;
            return 0;
        }
        struct json_object *next = path_child(it, cur);
        if (!next) {
            if (!create || it->is_index || !json_object_is_type(cur, json_type_object))
                return k8sc_error_set(K8SC_ENOTFOUND, "field path \"%s\": %.*s not found",
                    it->path, (int)(save - it->path), it->path);
            next = k8sc__json_ensure_map(cur, it->key);
            if (!next)
                return K8SC_ENOMEM;
        }
        cur = next;
        if ((rc = path_next(it)) < 0)
            return rc;
    }
}

int k8sc_object_set(k8sc_object *obj, const char *path, struct json_object *value)
{
    K8SC__CHECK_ARG(obj && path);
    path_iter it;
    if (path_init(&it, path) != 0)
        return K8SC_ENOMEM;
    struct json_object *parent = NULL;
    int rc = path_parent(&it, k8sc_object_json(obj), true, &parent);
    if (rc == 0) {
        if (it.is_index) {
            if (!json_object_is_type(parent, json_type_array) || it.index >= json_object_array_length(parent))
                rc = k8sc_error_set(K8SC_ENOTFOUND, "field path \"%s\": index %zu out of range", path, it.index);
            else if (json_object_array_put_idx(parent, it.index, value) != 0)
                rc = k8sc__error_nomem();
        } else if (!json_object_is_type(parent, json_type_object)) {
            rc = k8sc_error_set(K8SC_EINVAL, "field path \"%s\": parent of %s is not a map", path, it.key);
        } else if (json_object_object_add(parent, it.key, value) != 0) {
            rc = k8sc__error_nomem();
        }
    }
    path_done(&it);
    return rc;
}

static int set_owned(k8sc_object *obj, const char *path, struct json_object *v)
{
    if (!v)
        return k8sc__error_nomem();
    int rc = k8sc_object_set(obj, path, v);
    if (rc != 0)
        json_object_put(v);
    return rc;
}

int k8sc_object_set_string(k8sc_object *obj, const char *path, const char *value)
{
    K8SC__CHECK_ARG(value);
    return set_owned(obj, path, json_object_new_string(value));
}

int k8sc_object_set_int(k8sc_object *obj, const char *path, int64_t value)
{
    return set_owned(obj, path, json_object_new_int64(value));
}

int k8sc_object_set_bool(k8sc_object *obj, const char *path, bool value)
{
    return set_owned(obj, path, json_object_new_boolean(value));
}

int k8sc_object_remove(k8sc_object *obj, const char *path)
{
    K8SC__CHECK_ARG(obj && path);
    path_iter it;
    if (path_init(&it, path) != 0)
        return K8SC_ENOMEM;
    struct json_object *parent = NULL;
    int rc = path_parent(&it, k8sc_object_json(obj), false, &parent);
    if (rc == 0) {
        if (!path_child(&it, parent))
            rc = k8sc_error_set(K8SC_ENOTFOUND, "field path \"%s\": not found", path);
        else if (it.is_index)
            json_object_array_del_idx(parent, it.index, 1);
        else
            json_object_object_del(parent, it.key);
    }
    path_done(&it);
    return rc;
}
