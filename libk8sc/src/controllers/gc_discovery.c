/*
 * What the garbage collector watches (GetDeletableResources): every
 * resource with the list, watch and delete verbs in its group's preferred
 * version, less the ignored ones (events), from the discovery documents.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gc.h"
#include "k8sc/codec.h"

typedef struct found {
    k8sc__gc_resource *res;
    size_t n;
} found;

static int get_json(struct json_object **out, k8sc_client *client, const char *path)
{
    char *body = NULL;
    *out = NULL;
    int rc = k8sc_client_request(&body, NULL, client, "GET", path, NULL, NULL, 0);
    if (rc == 0)
        rc = k8sc_json_parse(out, body ? body : "", body ? strlen(body) : 0);
    k8sc_free(body);
    return rc;
}

static const char *str_of(struct json_object *o, const char *key)
{
    struct json_object *v = json_object_object_get(o, key);
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool has_verb(struct json_object *res, const char *verb)
{
    struct json_object *verbs = json_object_object_get(res, "verbs");
    for (size_t i = 0; json_object_is_type(verbs, json_type_array) && i < json_object_array_length(verbs); i++) {
        const char *v = json_object_get_string(json_object_array_get_idx(verbs, i));
        if (v && strcmp(v, verb) == 0)
            return true;
    }
    return false;
}

static bool ignored(const char *group_version, const char *plural)
{
    const char *slash = strchr(group_version, '/');
    bool core = !slash;
    bool events_group = slash && strncmp(group_version, "events.k8s.io/", 14) == 0;
    return (core || events_group) && strcmp(plural, "events") == 0;
}

static int add(found *f, const char *api_version, const char *kind)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->res[i].api_version, api_version) == 0 && strcmp(f->res[i].kind, kind) == 0)
            return 0;
    k8sc__gc_resource *r = k8sc__realloc(f->res, (f->n + 1) * sizeof(*r));
    if (!r)
        return K8SC_ENOMEM;
    f->res = r;
    r[f->n] = (k8sc__gc_resource){ k8sc__strdup(api_version), k8sc__strdup(kind) };
    if (!r[f->n].api_version || !r[f->n].kind) {
        free(r[f->n].api_version);
        free(r[f->n].kind);
        return K8SC_ENOMEM;
    }
    f->n++;
    return 0;
}

/* The deletable resources of one group version ("v1" or "group/version"). */
static int add_group_version(found *f, k8sc_client *client, const char *gv)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", strchr(gv, '/') ? "/apis" : "/api", gv);
    struct json_object *list;
    int rc = get_json(&list, client, path);
    if (rc == K8SC_ENOMEM)
        return rc;
    if (rc < 0) {
        /* One broken group (an unavailable aggregated API) must not stop collection elsewhere. */
        k8sc_log(K8SC_LOG_WARN, "garbage-collector: discovery of %s failed: %s", gv, k8sc_error_last());
        return 0;
    }
    struct json_object *items = json_object_object_get(list, "resources");
    size_t n = json_object_is_type(items, json_type_array) ? json_object_array_length(items) : 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct json_object *r = json_object_array_get_idx(items, i);
        const char *name = str_of(r, "name"), *kind = str_of(r, "kind");
        if (!name || !kind || strchr(name, '/') || ignored(gv, name) || !has_verb(r, "list") ||
            !has_verb(r, "watch") || !has_verb(r, "delete"))
            continue;
        rc = add(f, gv, kind);
    }
    json_object_put(list);
    return rc;
}

void k8sc__gc_resources_free(k8sc__gc_resource *res, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(res[i].api_version);
        free(res[i].kind);
    }
    free(res);
}

int k8sc__gc_discover(k8sc__gc_resource **out, size_t *count, k8sc_client *client)
{
    found f = { NULL, 0 };
    struct json_object *api = NULL, *apis = NULL;
    int rc = get_json(&api, client, "/api");
    if (rc == 0)
        rc = get_json(&apis, client, "/apis");
    struct json_object *versions = json_object_object_get(api, "versions");
    size_t nv = rc == 0 && json_object_is_type(versions, json_type_array) ? json_object_array_length(versions) : 0;
    for (size_t i = 0; i < nv && rc == 0; i++) {
        const char *v = json_object_get_string(json_object_array_get_idx(versions, i));
        if (v && *v && !strchr(v, '/'))
            rc = add_group_version(&f, client, v);
    }
    struct json_object *groups = json_object_object_get(apis, "groups");
    size_t ng = rc == 0 && json_object_is_type(groups, json_type_array) ? json_object_array_length(groups) : 0;
    for (size_t i = 0; i < ng && rc == 0; i++) {
        const char *gv = str_of(json_object_object_get(json_object_array_get_idx(groups, i), "preferredVersion"),
            "groupVersion");
        if (gv && strchr(gv, '/'))
            rc = add_group_version(&f, client, gv);
    }
    json_object_put(api);
    json_object_put(apis);
    if (rc < 0) {
        k8sc__gc_resources_free(f.res, f.n);
        return rc;
    }
    *out = f.res;
    *count = f.n;
    return 0;
}
