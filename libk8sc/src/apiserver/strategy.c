/*
 * Per-kind write strategy: decoding request bodies, the checks
 * kube-apiserver's rest.BeforeCreate/BeforeUpdate make (namespace and name
 * agreement, generateName, system fields, generation, status subresource
 * semantics), a few defaults, and metadata validation. Also the storage
 * layout of objects in the store.
 */
#include "apiserver_internal.h"

#include <string.h>
#include <sys/random.h>

/* ---- storage ---------------------------------------------------------- */

char *k8sc__storage_key(const k8sc_resource *r, const char *ns, const char *name)
{
    k8sc__buf b = K8SC__BUF_INIT;
    const char *group = k8sc_resource_group(r);
    k8sc__buf_printf(&b, "/registry/%s/%s/", *group ? group : "core", k8sc_resource_plural(r));
    if (ns && k8sc_resource_namespaced(r))
        k8sc__buf_printf(&b, "%s/", ns);
    if (name)
        k8sc__buf_puts(&b, name);
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        return NULL;
    }
    return k8sc__buf_detach(&b, NULL);
}

int k8sc__object_from_kv(k8sc_object **out, const k8sc_store_kv *kv)
{
    k8sc_object *obj = NULL;
    int rc = k8sc_object_from_json(&obj, kv->value, kv->value_len);
    if (rc)
        return rc;
    char rv[32];
    snprintf(rv, sizeof(rv), "%lld", (long long)kv->mod_revision);
    rc = k8sc_object_set_resource_version(obj, rv);
    if (rc) {
        k8sc_object_free(obj);
        return rc;
    }
    *out = obj;
    return 0;
}

int k8sc__object_to_store(char **out, size_t *len, const k8sc_object *obj)
{
    k8sc_object *copy = NULL;
    int rc = k8sc_object_dup(&copy, obj);
    if (rc)
        return rc;
    /* The revision is the store's own; keeping a stale copy in the value would only mislead. */
    k8sc_object_set_resource_version(copy, NULL);
    rc = k8sc_object_to_json(out, len, copy, 0);
    k8sc_object_free(copy);
    return rc;
}

/* ---- decoding ---------------------------------------------------------- */

static bool media_is(const char *ct, const char *type)
{
    size_t n = strlen(type);
    return strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int k8sc__decode_body(k8sc_object **out, k8sc_apiserver_response *resp, const k8sc__request *req)
{
    *out = NULL;
    if (req->body_len > K8SC__APISERVER_MAX_BODY) {
        char msg[96];
        snprintf(msg, sizeof(msg), "Request entity too large: limit is %zu", K8SC__APISERVER_MAX_BODY);
        return k8sc__status_error(resp, 413, "RequestEntityTooLarge", msg, NULL);
    }
    const char *ct = req->content_type;
    struct json_object *root = NULL;
    int rc;
    /* kubectl sends no Content-Type on some PUTs (scale); JSON is what it means. */
    if (!ct || !*ct || media_is(ct, "application/json")) {
        rc = k8sc_json_parse(&root, req->body ? req->body : "", req->body_len);
    } else if (media_is(ct, "application/yaml")) {
        rc = k8sc_yaml_parse(&root, req->body ? req->body : "", req->body_len);
    } else if (media_is(ct, "application/vnd.kubernetes.protobuf")) {
        /* Typed clients (kubectl create configmap, auth can-i, ...) send protobuf; replies stay JSON. */
        rc = k8sc_protobuf_decode(&root, req->body ? req->body : "", req->body_len);
        if (rc == K8SC_ENOTFOUND)
            return k8sc__status_error(resp, 415, "UnsupportedMediaType", k8sc_error_last(), NULL);
    } else {
        char msg[512];
        snprintf(msg, sizeof(msg), "the body of the request was in an unknown format - accepted media types "
            "include: application/json, application/yaml");
        return k8sc__status_error(resp, 415, "UnsupportedMediaType", msg, NULL);
    }
    if (rc == K8SC_ENOMEM)
        return rc;
    if (rc)
        return k8sc__status_bad_request(resp, "%s", k8sc_error_last());
    if (!root || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return k8sc__status_bad_request(resp, "the request body must be a JSON object");
    }
    rc = k8sc_object_wrap(out, root);
    if (rc)
        json_object_put(root);
    return rc;
}

int k8sc__check_gvk(k8sc_apiserver_response *resp, const k8sc_resource *r, k8sc_object *obj)
{
    const char *av = k8sc_object_api_version(obj), *kind = k8sc_object_kind(obj);
    const char *want_av = k8sc_resource_api_version(r), *want_kind = k8sc_resource_kind(r);
    if (av && *av && strcmp(av, want_av) != 0)
        return k8sc__status_bad_request(resp,
            "the API version in the data (%s) does not match the expected API version (%s)", av, want_av);
    if (kind && *kind && strcmp(kind, want_kind) != 0)
        return k8sc__status_bad_request(resp,
            "the kind in the data (%s) does not match the expected kind (%s)", kind, want_kind);
    int rc = k8sc_object_set_api_version(obj, want_av);
    if (!rc)
        rc = k8sc_object_set_kind(obj, want_kind);
    return rc;
}

/* ---- per-kind rules ------------------------------------------------------ */

bool k8sc__kind_has_generation(const k8sc_resource *r)
{
    static const char *const kinds[] = {
        "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController", "Job", "CronJob",
        "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress", "NetworkPolicy", "CustomResourceDefinition",
    };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(kinds); i++)
        if (strcmp(kinds[i], k8sc_resource_kind(r)) == 0)
            return true;
    return false;
}

static k8sc_name_rule name_rule(const k8sc_resource *r)
{
    const char *kind = k8sc_resource_kind(r);
    if (strcmp(kind, "Namespace") == 0)
        return K8SC_NAME_DNS1123_LABEL;
    if (strcmp(kind, "Service") == 0)
        return K8SC_NAME_DNS1035_LABEL;
    if (strcmp(k8sc_resource_group(r), "rbac.authorization.k8s.io") == 0)
        return K8SC_NAME_PATH_SEGMENT;
    return K8SC_NAME_DNS1123_SUBDOMAIN;
}

static bool is_kind(const k8sc_resource *r, const char *group, const char *kind)
{
    return strcmp(k8sc_resource_group(r), group) == 0 && strcmp(k8sc_resource_kind(r), kind) == 0;
}

static int set_json(k8sc_object *obj, const char *path, const char *json)
{
    struct json_object *v = NULL;
    int rc = k8sc_json_parse(&v, json, strlen(json));
    if (rc)
        return rc;
    rc = k8sc_object_set(obj, path, v);
    if (rc)
        json_object_put(v);
    return rc;
}

/*
 * Fill fields Kubernetes' defaulting would fill, for the kinds whose
 * printers read them. Defaulting happens on every decode there, so
 * updates get it too (else an unchanged manifest would look like a spec
 * change); `create` adds the initial status.
 */
static int apply_defaults(const k8sc_resource *r, k8sc_object *obj, bool create)
{
    int rc = 0;
    if (!create) {
        /* Only the spec defaults below apply to updates. */
    } else if (is_kind(r, "", "Namespace")) {
        rc = k8sc__namespace_prepare_create(obj);
        if (!rc)
            rc = set_json(obj, "status", "{\"phase\":\"Active\"}");
        /* The label every namespace carries so that selectors can pick namespaces by name. */
        if (!rc && k8sc_object_name(obj))
            rc = k8sc_object_meta_set(obj, K8SC_LABELS, "kubernetes.io/metadata.name", k8sc_object_name(obj));
    } else if (is_kind(r, "", "Pod")) {
        rc = set_json(obj, "status", "{\"phase\":\"Pending\"}");
    }
    if (rc)
        return rc;
    if (is_kind(r, "", "Secret") && !k8sc_object_get(obj, "type"))
        rc = k8sc_object_set_string(obj, "type", "Opaque");
    if (!rc)
        rc = k8sc__kind_defaults(r, obj, create);
    return rc;
}

/* Namespace of the body vs the URL; an empty one is taken from the URL. */
static int check_namespace(k8sc_apiserver_response *resp, const k8sc__route *route, k8sc_object *obj)
{
    const char *ns = k8sc_object_namespace(obj);
    if (!k8sc_resource_namespaced(route->resource))
        return ns ? k8sc_object_set_namespace(obj, NULL) : 0;
    if (ns && *ns && route->ns && strcmp(ns, route->ns) != 0)
        return k8sc__status_bad_request(resp,
            "the namespace of the provided object does not match the namespace sent on the request");
    return k8sc_object_set_namespace(obj, route->ns);
}

static int validate(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__route *route, k8sc_object *obj,
    const k8sc_object *old)
{
    k8sc_field_errors *errs = NULL;
    int rc = k8sc_field_errors_new(&errs);
    if (rc)
        return rc;
    int n = k8sc_validate_object_meta(errs, obj, k8sc_resource_namespaced(route->resource), name_rule(route->resource));
    if (n >= 0)
        n = k8sc__namespace_validate(errs, route, obj);
    if (n >= 0) {
        int c = k8sc__cronjob_validate(errs, route, obj, old);
        n = c < 0 ? c : n + c;
    }
    if (n >= 0) {
        int c = k8sc__service_validate(errs, route, obj, old);
        n = c < 0 ? c : n + c;
    }
    if (n >= 0 && (rc = k8sc__crd_prepare(srv, route, obj, old, errs)))
        n = rc;
    if (n < 0)
        rc = n;
    else if (n > 0 || k8sc_field_errors_count(errs) > 0) {
        const char *name = k8sc_object_name(obj);
        rc = k8sc__status_invalid(resp, route->resource, name, errs);
        if (!rc)
            rc = 1;
    }
    k8sc_field_errors_free(errs);
    return rc;
}

/* Five characters from the alphabet Kubernetes' generateName uses (no vowels, no lookalikes). */
static int random_suffix(char *out)
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    unsigned char bytes[5];
    if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
        return k8sc_error_set(K8SC_EIO, "getrandom failed");
    for (size_t i = 0; i < 5; i++)
        out[i] = alphabet[bytes[i] % (sizeof(alphabet) - 1)];
    out[5] = '\0';
    return 0;
}

static int now_sec(const k8sc_apiserver *srv, int64_t *out)
{
    *out = k8sc_clock_now(srv->clock) / 1000000000;
    return 0;
}

int k8sc__prepare_create(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__route *route, k8sc_object *obj)
{
    k8sc__crd_convert(srv, route->resource, obj);
    int rc = k8sc__check_gvk(resp, route->resource, obj);
    if (!rc && !resp->status)
        rc = k8sc__fieldval_prune(route->resource, obj);
    if (rc || resp->status)
        return rc;
    rc = check_namespace(resp, route, obj);
    if (rc || resp->status)
        return rc;
    /* NamespaceLifecycle is a mutating admission plugin: it runs before names are generated and objects validated. */
    rc = k8sc__namespace_admit_create(resp, srv, route->resource, obj);
    if (rc || resp->status)
        return rc;
    rc = k8sc__priority_admit(resp, srv, route->resource, obj);
    if (rc || resp->status)
        return rc;
    const char *name = k8sc_object_name(obj), *gen = k8sc_object_generate_name(obj);
    if ((!name || !*name) && gen && *gen) {
        char suffix[6], full[300];
        if ((rc = random_suffix(suffix)))
            return rc;
        /* Keep the result within 63 characters, as names.SimpleNameGenerator does. */
        size_t base = strlen(gen) > 58 ? 58 : strlen(gen);
        snprintf(full, sizeof(full), "%.*s%s", (int)base, gen, suffix);
        if ((rc = k8sc_object_set_name(obj, full)))
            return rc;
    }
    char uid[K8SC_UUID_BUFSIZE];
    int64_t now;
    now_sec(srv, &now);
    if ((rc = k8sc_uuid_v4(uid, sizeof(uid))) || (rc = k8sc_object_set_uid(obj, uid)) ||
        (rc = k8sc_object_set_creation_timestamp(obj, true, now)) ||
        (rc = k8sc_object_set_resource_version(obj, NULL)) ||
        (rc = k8sc_object_set_deletion_timestamp(obj, false, 0)) ||
        (rc = k8sc_object_set_deletion_grace_period(obj, false, 0)))
        return rc;
    k8sc_object_remove(obj, "metadata.selfLink");
    k8sc_object_remove(obj, "metadata.managedFields");
    if (k8sc__kind_has_generation(route->resource))
        rc = k8sc_object_set_generation(obj, 1);
    else if (k8sc_object_get(obj, "metadata.generation"))
        k8sc_object_remove(obj, "metadata.generation");
    if (rc)
        return rc;
    /* Status is the controllers' to write; a create starts from an empty one. */
    if (k8sc_resource_has_subresource(route->resource, "status") && k8sc_object_get(obj, "status"))
        k8sc_object_remove(obj, "status");
    if ((rc = apply_defaults(route->resource, obj, true)))
        return rc;
    if (is_kind(route->resource, "", "Service") && (rc = k8sc__service_normalize(obj, NULL)))
        return rc;
    rc = validate(resp, srv, route, obj, NULL);
    return rc > 0 ? 0 : rc;
}

static int copy_field(k8sc_object *dst, const k8sc_object *src, const char *path)
{
    struct json_object *v = k8sc_object_get(src, path), *copy = NULL;
    if (!v) {
        if (k8sc_object_get(dst, path))
            k8sc_object_remove(dst, path);
        return 0;
    }
    if (json_object_deep_copy(v, &copy, NULL))
        return k8sc__error_nomem();
    int rc = k8sc_object_set(dst, path, copy);
    if (rc)
        json_object_put(copy);
    return rc;
}

int k8sc__prepare_update(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__route *route,
    k8sc_object *obj, const k8sc_object *old, k8sc__write_target target)
{
    k8sc__crd_convert(srv, route->resource, obj);
    int rc = k8sc__check_gvk(resp, route->resource, obj);
    if (!rc && !resp->status)
        rc = k8sc__fieldval_prune(route->resource, obj);
    if (rc || resp->status)
        return rc;
    rc = check_namespace(resp, route, obj);
    if (rc || resp->status)
        return rc;
    const char *name = k8sc_object_name(obj);
    if (!name || !*name) {
        if ((rc = k8sc_object_set_name(obj, route->name)))
            return rc;
    } else if (strcmp(name, route->name) != 0) {
        return k8sc__status_bad_request(resp, "the name of the object (%s) does not match the name on the URL (%s)",
            name, route->name);
    }
    /* System fields are the server's: keep the stored ones. */
    static const char *const kept[] = {
        "metadata.uid", "metadata.creationTimestamp", "metadata.deletionTimestamp",
        "metadata.deletionGracePeriodSeconds", "metadata.generation", "metadata.generateName",
    };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(kept); i++)
        if ((rc = copy_field(obj, old, kept[i])))
            return rc;
    k8sc_object_remove(obj, "metadata.selfLink");
    if (target == K8SC__WRITE_MAIN && k8sc_resource_has_subresource(route->resource, "status"))
        if ((rc = copy_field(obj, old, "status")))
            return rc;
    if (target != K8SC__WRITE_FINALIZE && is_kind(route->resource, "", "Namespace") &&
        (rc = copy_field(obj, old, "spec.finalizers")))
        return rc;
    if ((rc = apply_defaults(route->resource, obj, false)))
        return rc;
    if (target == K8SC__WRITE_MAIN && is_kind(route->resource, "", "Service") &&
        (rc = k8sc__service_normalize(obj, old)))
        return rc;
    if (target == K8SC__WRITE_MAIN && ((rc = k8sc__check_immutable(resp, route->resource, obj, old)) || resp->status))
        return rc;
    if (k8sc__kind_has_generation(route->resource)) {
        struct json_object *a = k8sc_object_get(obj, "spec"), *b = k8sc_object_get(old, "spec");
        bool same = (!a && !b) || (a && b && json_object_equal(a, b));
        if (!same && (rc = k8sc_object_set_generation(obj, k8sc_object_generation(old) + 1)))
            return rc;
    }
    rc = validate(resp, srv, route, obj, old);
    return rc > 0 ? 0 : rc;
}

/* ---- bootstrap ------------------------------------------------------------ */

int k8sc__ensure_namespaces(k8sc_apiserver *srv)
{
    static const char *const names[] = { "default", "kube-system", "kube-public", "kube-node-lease" };
    const k8sc_resource *r = k8sc_registry_find_resource(srv->registry, "", "v1", "namespaces");
    if (!r)
        return 0;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(names); i++) {
        char *key = k8sc__storage_key(r, NULL, names[i]);
        if (!key)
            return K8SC_ENOMEM;
        k8sc_store_kv *kv = NULL;
        int rc = k8sc_store_get(&kv, srv->store, key, 0);
        k8sc_store_kv_free(kv);
        if (rc == K8SC_ENOTFOUND) {
            k8sc_object *ns = NULL;
            k8sc__route route = { .kind = K8SC__ROUTE_RESOURCE, .resource = r, .name = names[i] };
            k8sc_apiserver_response resp = { 0 };
            char *text = NULL;
            size_t len = 0;
            rc = k8sc_object_new(&ns, "v1", "Namespace");
            if (!rc)
                rc = k8sc_object_set_name(ns, names[i]);
            if (!rc)
                rc = k8sc__prepare_create(&resp, srv, &route, ns);
            if (!rc && resp.status)
                rc = k8sc_error_set(K8SC_ERROR, "namespace %s: %s", names[i], resp.body);
            if (!rc)
                rc = k8sc__object_to_store(&text, &len, ns);
            if (!rc)
                rc = k8sc_store_create(NULL, srv->store, key, text, len);
            if (rc == K8SC_EEXISTS)
                rc = 0;
            k8sc_free(text);
            k8sc_free(resp.body);
            k8sc_free(resp.content_type);
            k8sc_object_free(ns);
        }
        k8sc_free(key);
        if (rc)
            return rc;
    }
    return 0;
}
