/*
 * The scale subresource of deployments, replicasets, statefulsets and
 * replicationcontrollers: an autoscaling/v1 Scale view of spec.replicas,
 * status.replicas and the selector (for custom resources, the paths their
 * CRD's subresources.scale names), as pkg/registry/apps/deployment/storage
 * (ScaleREST, scaleUpdatedObjectInfo) serves it. Writes change only
 * spec.replicas of the parent and go through the parent's update rules.
 */
#include "apiserver_internal.h"

#include <string.h>

#define RETRIES 8

static int read_parent(k8sc_object **out, int64_t *mod, k8sc_apiserver_response *resp, k8sc_apiserver *srv,
    const k8sc__route *route)
{
    *out = NULL;
    char *key = k8sc__storage_key(route->resource, route->ns, route->name);
    if (!key)
        return K8SC_ENOMEM;
    k8sc_store_kv *kv = NULL;
    int rc = k8sc_store_get(&kv, srv->store, key, 0);
    k8sc_free(key);
    if (rc)
        return k8sc__status_from_code(resp, rc, route->resource, route->name);
    *mod = kv->mod_revision;
    rc = k8sc__object_from_kv(out, kv);
    k8sc_store_kv_free(kv);
    if (rc && rc != K8SC_ENOMEM)
        return k8sc__status_internal(resp, k8sc_error_last());
    return rc;
}

/* Built-in kinds keep their replicas at the usual places and select with spec.selector. */
static const k8sc__scale_paths builtin_paths = { "spec.replicas", "status.replicas", "" };

/* status.selector: the parent's selector in its canonical string form ("" matches everything). */
static int selector_string(char **out, const k8sc__scale_paths *paths, const k8sc_object *obj)
{
    *out = NULL;
    if (paths->selector[0]) {
        /* A custom resource's labelSelectorPath names a string already in that form. */
        const char *s = k8sc_object_get_string(obj, paths->selector);
        if (s && !(*out = k8sc__strdup(s)))
            return K8SC_ENOMEM;
        return 0;
    }
    struct json_object *sel = k8sc_object_get(obj, "spec.selector");
    if (!sel || !json_object_is_type(sel, json_type_object))
        return 0;
    k8sc_selector *s = NULL;
    /* ReplicationControllers select with a plain map, the apps kinds with a LabelSelector. */
    int rc = strcmp(k8sc_object_kind(obj) ? k8sc_object_kind(obj) : "", "ReplicationController") == 0
        ? k8sc_selector_from_map(&s, sel)
        : k8sc_selector_from_json(&s, sel);
    if (rc)
        return rc == K8SC_ENOMEM ? rc : 0;
    rc = k8sc_selector_to_string(out, s);
    k8sc_selector_free(s);
    return rc;
}

static void add_str(struct json_object *o, const char *key, const char *value)
{
    if (value)
        json_object_object_add(o, key, json_object_new_string(value));
}

/* The Scale an object shows (scaleFromDeployment and its siblings). */
static int scale_of(struct json_object **out, const k8sc__scale_paths *paths, const k8sc_object *obj)
{
    *out = NULL;
    char *selector = NULL;
    int rc = selector_string(&selector, paths, obj);
    if (rc)
        return rc;
    int64_t replicas = 0, current = 0;
    k8sc_object_get_int(obj, paths->spec, &replicas);
    k8sc_object_get_int(obj, paths->status, &current);
    struct json_object *s = json_object_new_object(), *md = json_object_new_object();
    struct json_object *spec = json_object_new_object(), *status = json_object_new_object();
    if (!s || !md || !spec || !status) {
        json_object_put(s);
        json_object_put(md);
        json_object_put(spec);
        json_object_put(status);
        k8sc_free(selector);
        return k8sc__error_nomem();
    }
    json_object_object_add(s, "kind", json_object_new_string("Scale"));
    json_object_object_add(s, "apiVersion", json_object_new_string("autoscaling/v1"));
    add_str(md, "name", k8sc_object_name(obj));
    add_str(md, "namespace", k8sc_object_namespace(obj));
    add_str(md, "uid", k8sc_object_uid(obj));
    add_str(md, "resourceVersion", k8sc_object_resource_version(obj));
    struct json_object *created = k8sc_object_get(obj, "metadata.creationTimestamp");
    if (created)
        json_object_object_add(md, "creationTimestamp", json_object_get(created));
    json_object_object_add(s, "metadata", md);
    /* spec.replicas is omitempty in ScaleSpec; status.replicas is not. */
    if (replicas)
        json_object_object_add(spec, "replicas", json_object_new_int64(replicas));
    json_object_object_add(s, "spec", spec);
    json_object_object_add(status, "replicas", json_object_new_int64(current));
    if (selector && *selector)
        json_object_object_add(status, "selector", json_object_new_string(selector));
    json_object_object_add(s, "status", status);
    k8sc_free(selector);
    *out = s;
    return 0;
}

static int reply_scale(k8sc_apiserver_response *resp, const k8sc__scale_paths *paths, const k8sc_object *obj)
{
    struct json_object *s = NULL;
    int rc = scale_of(&s, paths, obj);
    if (rc)
        return rc;
    rc = k8sc__resp_json(resp, 200, s);
    json_object_put(s);
    return rc;
}

/* ValidateScale: a name, and replicas >= 0. 0 with a 422 reply when invalid; *replicas set otherwise. */
static int validate_scale(k8sc_apiserver_response *resp, const k8sc__route *route, struct json_object *scale,
    int64_t *replicas)
{
    k8sc_field_errors *errs = NULL;
    int rc = k8sc_field_errors_new(&errs);
    if (rc)
        return rc;
    struct json_object *md = NULL, *name = NULL, *spec = NULL, *r = NULL;
    json_object_object_get_ex(scale, "metadata", &md);
    if (!md || !json_object_object_get_ex(md, "name", &name) || !json_object_is_type(name, json_type_string) ||
        !*json_object_get_string(name))
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_REQUIRED, "metadata.name", NULL,
            "name or generateName is required");
    *replicas = 0;
    if (!rc && json_object_object_get_ex(scale, "spec", &spec) && json_object_is_type(spec, json_type_object) &&
        json_object_object_get_ex(spec, "replicas", &r)) {
        if (!json_object_is_type(r, json_type_int))
            rc = k8sc_field_errors_add(errs, K8SC_FIELD_TYPE_INVALID, "spec.replicas", r, "expected an integer");
        else if ((*replicas = json_object_get_int64(r)) < 0)
            rc = k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, "spec.replicas", r,
                "must be greater than or equal to 0");
        else if (*replicas > INT32_MAX)
            rc = k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, "spec.replicas", r,
                "must be less than or equal to %d", INT32_MAX);
    }
    if (!rc && k8sc_field_errors_count(errs) > 0)
        rc = k8sc__status_invalid_kind(resp, "autoscaling", "Scale", route->name, errs);
    k8sc_field_errors_free(errs);
    return rc;
}

/* The Scale a write asks for: the PUT body, or the patch applied to the current Scale. */
static int wanted_scale(struct json_object **out, k8sc_apiserver_response *resp, const k8sc__request *req,
    const k8sc__scale_paths *paths, const k8sc_object *old, const struct json_object *body,
    const struct json_object *patch, k8sc_patch_type type)
{
    *out = NULL;
    if (!patch) {
        *out = json_object_get((struct json_object *)body);
        return 0;
    }
    struct json_object *cur = NULL;
    int rc = scale_of(&cur, paths, old);
    if (rc)
        return rc;
    (void)req;
    /* A Scale has no lists, so a strategic merge patch means what a merge patch means. */
    rc = type == K8SC_PATCH_JSON ? k8sc_patch_json_apply(out, cur, patch) : k8sc_patch_merge_apply(out, cur, patch);
    json_object_put(cur);
    return k8sc__patch_outcome(resp, rc, out);
}

static int scale_write(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route, const struct json_object *body, const struct json_object *patch, k8sc_patch_type type)
{
    k8sc__scale_paths paths = builtin_paths;
    k8sc__crd_scale_paths(&paths, srv, route->resource);
    /* The parent's own route: the update rules see a main-resource write. */
    k8sc__route parent = *route;
    parent.subresource = NULL;
    parent.storage = NULL;
    int rc = 0;
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        k8sc_object *old = NULL, *obj = NULL;
        struct json_object *want = NULL;
        int64_t mod = 0, replicas = 0;
        rc = read_parent(&old, &mod, resp, srv, route);
        if (rc || !old)
            return rc;
        rc = wanted_scale(&want, resp, req, &paths, old, body, patch, type);
        if (!rc && !resp->status)
            rc = validate_scale(resp, route, want, &replicas);
        /* A resourceVersion in the Scale is the parent's precondition (deployment.ResourceVersion = scale's). */
        struct json_object *md = NULL, *rvj = NULL;
        const char *rv = NULL;
        if (want && json_object_object_get_ex(want, "metadata", &md) && json_object_is_type(md, json_type_object) &&
            json_object_object_get_ex(md, "resourceVersion", &rvj) && json_object_is_type(rvj, json_type_string))
            rv = json_object_get_string(rvj);
        /* Only a PUT's or the patch's own resourceVersion pins the write; a patched Scale carries the current one. */
        bool pinned = rv && *rv && (!patch || (json_object_object_get_ex(patch, "metadata", &md) &&
                                               json_object_object_get_ex(md, "resourceVersion", &rvj)));
        char modbuf[32];
        snprintf(modbuf, sizeof(modbuf), "%lld", (long long)mod);
        if (!rc && !resp->status && pinned && strcmp(rv, modbuf) != 0)
            rc = k8sc__status_conflict(resp, route->resource, route->name);
        json_object_put(want);
        if (!rc && !resp->status)
            rc = k8sc_object_dup(&obj, old);
        if (!rc && !resp->status)
            rc = k8sc_object_set_int(obj, paths.spec, replicas);
        if (!rc && !resp->status)
            rc = k8sc__prepare_update(resp, srv, &parent, obj, old, K8SC__WRITE_MAIN);
        if (rc || resp->status) {
            k8sc_object_free(old);
            k8sc_object_free(obj);
            return rc;
        }
        const char *dry = k8sc__query_get(req, "dryRun");
        if (k8sc_object_equal(obj, old) || (dry && strcmp(dry, "All") == 0)) {
            rc = reply_scale(resp, &paths, obj);
            k8sc_object_free(old);
            k8sc_object_free(obj);
            return rc;
        }
        rc = k8sc__write_back(srv, route, obj, &mod);
        k8sc_object_free(old);
        if (rc == K8SC_ECONFLICT && !pinned) {
            k8sc_object_free(obj);
            continue;
        }
        if (rc)
            rc = k8sc__status_from_code(resp, rc, route->resource, route->name);
        else
            rc = reply_scale(resp, &paths, obj);
        k8sc_object_free(obj);
        return rc;
    }
    return k8sc__status_conflict(resp, route->resource, route->name);
}

static int scale_put(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route)
{
    k8sc_object *body = NULL;
    int rc = k8sc__decode_body(&body, resp, req);
    if (rc || resp->status)
        return rc;
    const char *av = k8sc_object_api_version(body), *kind = k8sc_object_kind(body);
    if (av && *av && strcmp(av, "autoscaling/v1") != 0)
        rc = k8sc__status_bad_request(resp,
            "the API version in the data (%s) does not match the expected API version (autoscaling/v1)", av);
    else if (kind && *kind && strcmp(kind, "Scale") != 0)
        rc = k8sc__status_bad_request(resp, "the kind in the data (%s) does not match the expected kind (Scale)", kind);
    else
        rc = scale_write(resp, srv, req, route, k8sc_object_json(body), NULL, K8SC_PATCH_MERGE);
    k8sc_object_free(body);
    return rc;
}

static int scale_patch(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route)
{
    k8sc_patch_type type;
    if (!req->content_type || k8sc_patch_type_parse(&type, req->content_type) != 0)
        return k8sc__status_error(resp, 415, "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json",
            NULL);
    if (req->body_len > K8SC__APISERVER_MAX_BODY)
        return k8sc__status_error(resp, 413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728", NULL);
    struct json_object *patch = NULL;
    int rc = k8sc_json_parse(&patch, req->body ? req->body : "", req->body_len);
    if (rc == K8SC_ENOMEM)
        return rc;
    if (rc)
        return k8sc__status_bad_request(resp, "%s", k8sc_error_last());
    rc = scale_write(resp, srv, req, route, NULL, patch, type);
    json_object_put(patch);
    return rc;
}

int k8sc__handle_scale(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route)
{
    const char *m = req->method;
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0) {
        k8sc_object *obj = NULL;
        int64_t mod = 0;
        int rc = read_parent(&obj, &mod, resp, srv, route);
        if (rc || !obj)
            return rc;
        k8sc__scale_paths paths = builtin_paths;
        k8sc__crd_scale_paths(&paths, srv, route->resource);
        rc = reply_scale(resp, &paths, obj);
        k8sc_object_free(obj);
        return rc;
    }
    if (strcmp(m, "PUT") == 0)
        return scale_put(resp, srv, req, route);
    if (strcmp(m, "PATCH") == 0)
        return scale_patch(resp, srv, req, route);
    return k8sc__status_method_not_allowed(resp);
}
