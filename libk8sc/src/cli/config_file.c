/* kubeconfig files as kubectl config writes them: canonical layout, named entries, secrets hidden. */
#include "describe_internal.h"

#include <stdlib.h>
#include <string.h>

/* The inner member of each list's entries: clusters[].cluster, contexts[].context, users[].user. */
static const char *inner_of(const char *list)
{
    return strcmp(list, "clusters") == 0 ? "cluster" : strcmp(list, "contexts") == 0 ? "context" : "user";
}

/* A copy of `in` without the empty strings and false values Go's omitempty drops, keeping `keep`. */
static struct json_object *without_empty(struct json_object *in, const char *const *keep)
{
    struct json_object *out = json_object_new_object();
    if (json_object_is_type(in, json_type_object)) {
        json_object_object_foreach(in, k, v) {
            bool kept = false;
            for (size_t i = 0; keep && keep[i]; i++)
                kept |= strcmp(k, keep[i]) == 0;
            if (!kept && (!v || (json_object_is_type(v, json_type_string) && !*json_object_get_string(v)) ||
                             (json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v)) ||
                             (json_object_is_type(v, json_type_object) && json_object_object_length(v) == 0) ||
                             (json_object_is_type(v, json_type_array) && json_object_array_length(v) == 0)))
                continue;
            json_object_object_add(out, k, json_object_get(v));
        }
    }
    for (size_t i = 0; keep && keep[i]; i++)
        if (!json_object_object_get(out, keep[i]))
            json_object_object_add(out, keep[i], json_object_new_string(""));
    return out;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(k8sc__dj_or(*(struct json_object *const *)a, "name"),
        k8sc__dj_or(*(struct json_object *const *)b, "name"));
}

/* A list sorted by name (kubectl keeps them in maps), later duplicates dropped; JSON null when empty. */
static struct json_object *canonical_list(struct json_object *in, const char *list)
{
    static const char *const cluster_keep[] = { "server", NULL }, *const context_keep[] = { "cluster", "user", NULL };
    const char *inner = inner_of(list);
    const char *const *keep = strcmp(inner, "cluster") == 0 ? cluster_keep
        : strcmp(inner, "context") == 0                    ? context_keep
                                                           : NULL;
    size_t n = json_object_is_type(in, json_type_array) ? json_object_array_length(in) : 0, k = 0;
    if (n == 0)
        return NULL;
    struct json_object **items = k8sc__calloc(n, sizeof(*items));
    if (!items)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(in, i);
        bool dup = false;
        for (size_t j = 0; j < k; j++)
            dup |= strcmp(k8sc__dj_or(items[j], "name"), k8sc__dj_or(e, "name")) == 0;
        if (!dup)
            items[k++] = e;
    }
    qsort(items, k, sizeof(*items), by_name);
    struct json_object *out = json_object_new_array();
    for (size_t i = 0; i < k; i++) {
        struct json_object *e = json_object_new_object();
        json_object_object_add(e, "name", json_object_new_string(k8sc__dj_or(items[i], "name")));
        json_object_object_add(e, inner, without_empty(json_object_object_get(items[i], inner), keep));
        json_object_array_add(out, e);
    }
    free(items);
    return out;
}

struct json_object *k8sc__cli_kubeconfig_canonical(struct json_object *in)
{
    struct json_object *out = json_object_new_object();
    const char *cur = k8sc__dj_str(in, "current-context");
    struct json_object *prefs = k8sc__dj_get(in, "preferences");
    json_object_object_add(out, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(out, "kind", json_object_new_string("Config"));
    json_object_object_add(out, "clusters", canonical_list(k8sc__dj_get(in, "clusters"), "clusters"));
    json_object_object_add(out, "contexts", canonical_list(k8sc__dj_get(in, "contexts"), "contexts"));
    json_object_object_add(out, "users", canonical_list(k8sc__dj_get(in, "users"), "users"));
    json_object_object_add(out, "current-context", json_object_new_string(cur ? cur : ""));
    json_object_object_add(out, "preferences",
        json_object_is_type(prefs, json_type_object) ? without_empty(prefs, NULL) : json_object_new_object());
    return out;
}

struct json_object *k8sc__cli_kubeconfig_entry(struct json_object *root, const char *list, const char *name,
    bool create)
{
    struct json_object *l = json_object_object_get(root, list);
    for (size_t i = 0; json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++) {
        struct json_object *e = json_object_array_get_idx(l, i);
        if (strcmp(k8sc__dj_or(e, "name"), name) == 0) {
            struct json_object *inner = json_object_object_get(e, inner_of(list));
            if (!json_object_is_type(inner, json_type_object) && create) {
                inner = json_object_new_object();
                json_object_object_add(e, inner_of(list), inner);
            }
            return inner;
        }
    }
    if (!create)
        return NULL;
    if (!json_object_is_type(l, json_type_array)) {
        l = json_object_new_array();
        json_object_object_add(root, list, l);
    }
    struct json_object *e = json_object_new_object(), *inner = json_object_new_object();
    json_object_object_add(e, "name", json_object_new_string(name));
    json_object_object_add(e, inner_of(list), inner);
    json_object_array_add(l, e);
    return inner;
}

bool k8sc__cli_kubeconfig_remove(struct json_object *root, const char *list, const char *name)
{
    struct json_object *l = json_object_object_get(root, list);
    for (size_t i = 0; json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++)
        if (strcmp(k8sc__dj_or(json_object_array_get_idx(l, i), "name"), name) == 0) {
            json_object_array_del_idx(l, i, 1);
            return true;
        }
    return false;
}

static void replace_if(struct json_object *o, const char *key, const char *with)
{
    struct json_object *v = json_object_object_get(o, key);
    if (json_object_is_type(v, json_type_string) && *json_object_get_string(v))
        json_object_object_add(o, key, json_object_new_string(with));
}

void k8sc__cli_kubeconfig_redact(struct json_object *root)
{
    struct json_object *l = json_object_object_get(root, "clusters");
    for (size_t i = 0; json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++)
        replace_if(k8sc__dj_get(json_object_array_get_idx(l, i), "cluster"), "certificate-authority-data",
            "DATA+OMITTED");
    l = json_object_object_get(root, "users");
    for (size_t i = 0; json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++) {
        struct json_object *u = k8sc__dj_get(json_object_array_get_idx(l, i), "user");
        replace_if(u, "client-certificate-data", "DATA+OMITTED");
        replace_if(u, "client-key-data", "DATA+OMITTED");
        replace_if(u, "token", "REDACTED");
    }
}

int k8sc__cli_kubeconfig_read(struct json_object **out, const char *file)
{
    *out = NULL;
    FILE *f = fopen(file, "rb");
    if (!f) {
        *out = json_object_new_object();
        return *out ? 0 : k8sc__error_nomem();
    }
    k8sc__buf in = K8SC__BUF_INIT;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        k8sc__buf_put(&in, chunk, got);
    fclose(f);
    int rc = k8sc__buf_status(&in);
    if (!rc && in.len == 0)
        *out = json_object_new_object();
    else if (!rc)
        rc = k8sc_yaml_parse(out, in.ptr, in.len);
    k8sc__buf_free(&in);
    if (!rc && !*out)
        *out = json_object_new_object();
    if (!rc && !json_object_is_type(*out, json_type_object)) {
        json_object_put(*out);
        *out = NULL;
        rc = k8sc_error_set(K8SC_EINVAL, "error loading config file \"%s\": not a kubeconfig", file);
    }
    return rc;
}

int k8sc__cli_kubeconfig_write(const char *file, struct json_object *root)
{
    struct json_object *doc = k8sc__cli_kubeconfig_canonical(root);
    char *text = NULL;
    int rc = doc ? k8sc_yaml_encode(&text, NULL, doc, K8SC_ENCODE_SORT_KEYS) : k8sc__error_nomem();
    json_object_put(doc);
    FILE *f = NULL;
    if (!rc && !(f = fopen(file, "wb")))
        rc = k8sc_error_set(K8SC_EIO, "open %s for writing failed", file);
    if (!rc) {
        size_t len = strlen(text);
        if (fwrite(text, 1, len, f) != len)
            rc = k8sc_error_set(K8SC_EIO, "write %s failed", file);
        if (fclose(f) != 0 && !rc)
            rc = k8sc_error_set(K8SC_EIO, "write %s failed", file);
    }
    k8sc_free(text);
    return rc;
}
