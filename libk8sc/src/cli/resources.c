/* `api-resources`: the server's preferred resources from discovery, as a Table kubectl's way. */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *group;
    const char *group_version;
    struct json_object *res; /* borrowed from the discovery documents */
} entry;

typedef struct {
    entry *v;
    size_t n, cap;
    struct json_object **docs;
    size_t ndocs;
} entries;

static int fetch(struct json_object **out, k8sc_client *client, const char *path)
{
    char *body = NULL;
    int rc = k8sc_client_request(&body, NULL, client, "GET", path, NULL, NULL, 0);
    if (!rc)
        rc = k8sc_json_parse(out, body, strlen(body));
    free(body);
    return rc;
}

static int add_group_version(entries *e, k8sc_client *client, const char *group, const char *gv)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", *group ? "/apis" : "/api", gv);
    struct json_object *doc = NULL;
    int rc = fetch(&doc, client, path);
    if (rc)
        return rc;
    struct json_object **docs = k8sc__realloc(e->docs, (e->ndocs + 1) * sizeof(*docs));
    if (!docs) {
        json_object_put(doc);
        return K8SC_ENOMEM;
    }
    e->docs = docs;
    e->docs[e->ndocs++] = doc;
    const char *doc_gv = json_object_get_string(json_object_object_get(doc, "groupVersion"));
    struct json_object *list = json_object_object_get(doc, "resources");
    for (size_t i = 0; i < (json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0); i++) {
        struct json_object *r = json_object_array_get_idx(list, i);
        const char *name = json_object_get_string(json_object_object_get(r, "name"));
        if (!name || strchr(name, '/'))
            continue;
        if (e->n == e->cap) {
            size_t cap = e->cap ? e->cap * 2 : 64;
            entry *v = k8sc__realloc(e->v, cap * sizeof(*v));
            if (!v)
                return K8SC_ENOMEM;
            e->v = v;
            e->cap = cap;
        }
        e->v[e->n++] = (entry){ group, doc_gv ? doc_gv : gv, r };
    }
    return 0;
}

static int by_group_then_name(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->group, y->group);
    if (c)
        return c;
    return strcmp(json_object_get_string(json_object_object_get(x->res, "name")),
        json_object_get_string(json_object_object_get(y->res, "name")));
}

static struct json_object *column(const char *name)
{
    struct json_object *c = json_object_new_object();
    json_object_object_add(c, "name", json_object_new_string(name));
    json_object_object_add(c, "type", json_object_new_string("string"));
    json_object_object_add(c, "priority", json_object_new_int(0));
    return c;
}

static struct json_object *row(const entry *en)
{
    struct json_object *cells = json_object_new_array();
    struct json_object *shorts = json_object_object_get(en->res, "shortNames");
    k8sc__buf b = K8SC__BUF_INIT;
    for (size_t i = 0; json_object_is_type(shorts, json_type_array) && i < json_object_array_length(shorts); i++)
        k8sc__buf_printf(&b, "%s%s", i ? "," : "", json_object_get_string(json_object_array_get_idx(shorts, i)));
    json_object_array_add(cells, json_object_new_string(json_object_get_string(json_object_object_get(en->res, "name"))));
    json_object_array_add(cells, json_object_new_string(b.ptr ? b.ptr : ""));
    json_object_array_add(cells, json_object_new_string(en->group_version));
    json_object_array_add(cells, json_object_new_string(
        json_object_get_boolean(json_object_object_get(en->res, "namespaced")) ? "true" : "false"));
    json_object_array_add(cells, json_object_new_string(json_object_get_string(json_object_object_get(en->res, "kind"))));
    k8sc__buf_free(&b);
    struct json_object *r = json_object_new_object();
    json_object_object_add(r, "cells", cells);
    return r;
}

static struct json_object *to_table(entries *e)
{
    qsort(e->v, e->n, sizeof(entry), by_group_then_name);
    struct json_object *t = json_object_new_object(), *defs = json_object_new_array(), *rows = json_object_new_array();
    static const char *const names[] = { "Name", "Shortnames", "Apiversion", "Namespaced", "Kind" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(names); i++)
        json_object_array_add(defs, column(names[i]));
    for (size_t i = 0; i < e->n; i++)
        json_object_array_add(rows, row(&e->v[i]));
    json_object_object_add(t, "kind", json_object_new_string("Table"));
    json_object_object_add(t, "apiVersion", json_object_new_string("meta.k8s.io/v1"));
    json_object_object_add(t, "columnDefinitions", defs);
    json_object_object_add(t, "rows", rows);
    return t;
}

int k8sc_cli_api_resources(k8sc_object **out, k8sc_client *client)
{
    K8SC__CHECK_ARG(out && client);
    *out = NULL;
    entries e = { NULL, 0, 0, NULL, 0 };
    struct json_object *groups = NULL;
    int rc = add_group_version(&e, client, "", "v1");
    if (!rc)
        rc = fetch(&groups, client, "/apis");
    struct json_object *list = groups ? json_object_object_get(groups, "groups") : NULL;
    for (size_t i = 0; !rc && json_object_is_type(list, json_type_array) && i < json_object_array_length(list); i++) {
        struct json_object *g = json_object_array_get_idx(list, i);
        const char *name = json_object_get_string(json_object_object_get(g, "name"));
        const char *gv = json_object_get_string(
            json_object_object_get(json_object_object_get(g, "preferredVersion"), "groupVersion"));
        if (name && gv)
            rc = add_group_version(&e, client, name, gv);
    }
    struct json_object *t = rc ? NULL : to_table(&e);
    if (!rc && !t)
        rc = K8SC_ENOMEM;
    if (!rc && (rc = k8sc_object_wrap(out, t)))
        json_object_put(t);
    json_object_put(groups);
    for (size_t i = 0; i < e.ndocs; i++)
        json_object_put(e.docs[i]);
    free(e.docs);
    free(e.v);
    return rc;
}

int k8sc_cli_server_version(char **out, k8sc_client *client)
{
    K8SC__CHECK_ARG(out && client);
    *out = NULL;
    struct json_object *v = NULL;
    int rc = fetch(&v, client, "/version");
    if (rc)
        return rc;
    struct json_object *git = json_object_object_get(v, "gitVersion");
    if (!json_object_is_type(git, json_type_string))
        rc = k8sc_error_set(K8SC_EINVAL, "the server's /version has no gitVersion");
    else if (!(*out = k8sc__strdup(json_object_get_string(git))))
        rc = K8SC_ENOMEM;
    json_object_put(v);
    return rc;
}
