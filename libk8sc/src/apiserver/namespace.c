/*
 * Namespace lifecycle as kube-apiserver enforces it: the namespace
 * strategy's "kubernetes" finalizer, the NamespaceLifecycle admission
 * plugin (no new content in a terminating namespace, immortal namespaces)
 * and the rule that a namespace goes only once spec.finalizers is empty.
 */
#include "apiserver_internal.h"

#include <string.h>

bool k8sc__is_namespace(const k8sc_resource *r)
{
    return strcmp(k8sc_resource_group(r), "") == 0 && strcmp(k8sc_resource_kind(r), "Namespace") == 0;
}

bool k8sc__namespace_held(const k8sc_resource *r, const k8sc_object *obj)
{
    struct json_object *f = k8sc_object_get(obj, "spec.finalizers");
    return k8sc__is_namespace(r) && json_object_is_type(f, json_type_array) && json_object_array_length(f) > 0;
}

int k8sc__namespace_prepare_create(k8sc_object *obj)
{
    /* PrepareForCreate: "kubernetes" is appended to whatever finalizers the request asked for. */
    struct json_object *spec = k8sc_object_get(obj, "spec"), *f = k8sc_object_get(obj, "spec.finalizers");
    if (spec && !json_object_is_type(spec, json_type_object))
        return 0;
    if (!spec) {
        spec = json_object_new_object();
        if (!spec || k8sc_object_set(obj, "spec", spec)) {
            json_object_put(spec);
            return k8sc__error_nomem();
        }
    }
    if (f && !json_object_is_type(f, json_type_array))
        return 0; /* validation reports it */
    if (!f) {
        f = json_object_new_array();
        if (!f || json_object_object_add(spec, "finalizers", f)) {
            json_object_put(f);
            return k8sc__error_nomem();
        }
    }
    for (size_t i = 0; i < json_object_array_length(f); i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(f, i));
        if (s && strcmp(s, "kubernetes") == 0)
            return 0;
    }
    return json_object_array_add(f, json_object_new_string("kubernetes")) ? k8sc__error_nomem() : 0;
}

int k8sc__namespace_validate(k8sc_field_errors *errs, const k8sc__route *route, const k8sc_object *obj)
{
    struct json_object *f = k8sc_object_get(obj, "spec.finalizers");
    if (!k8sc__is_namespace(route->resource) || !f)
        return 0;
    if (!json_object_is_type(f, json_type_array))
        return k8sc_field_errors_add(errs, K8SC_FIELD_TYPE_INVALID, "spec.finalizers", f,
            "spec.finalizers in body must be of type array") < 0 ? K8SC_ENOMEM : 1;
    /* The finalize subresource names each entry (ValidateNamespaceFinalizeUpdate), create the list. */
    bool indexed = route->subresource && strcmp(route->subresource, "finalize") == 0;
    int total = 0;
    for (size_t i = 0; i < json_object_array_length(f); i++) {
        struct json_object *v = json_object_array_get_idx(f, i);
        char field[64];
        if (indexed)
            snprintf(field, sizeof(field), "spec.finalizers[%zu]", i);
        else
            snprintf(field, sizeof(field), "spec.finalizers");
        int n;
        if (!json_object_is_type(v, json_type_string)) {
            n = k8sc_field_errors_add(errs, K8SC_FIELD_TYPE_INVALID, field, v, "%s in body must be of type string",
                field) < 0 ? K8SC_ENOMEM : 1;
        } else {
            const char *name = json_object_get_string(v);
            n = k8sc_validate_qualified_name(errs, field, name);
            /* validateKubeFinalizerName: without a '/', only the standard names. */
            if (n >= 0 && !strchr(name, '/') && strcmp(name, "kubernetes") != 0 && strcmp(name, "orphan") != 0 &&
                strcmp(name, "foregroundDeletion") != 0) {
                if (k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, field, name,
                        "name is neither a standard finalizer name nor is it fully qualified") < 0)
                    return K8SC_ENOMEM;
                n++;
            }
        }
        if (n < 0)
            return n;
        total += n;
    }
    return total;
}

int k8sc__namespace_mark_terminating(k8sc_object *obj, int64_t now)
{
    int64_t ts;
    int rc = 0;
    if (k8sc_object_deletion_timestamp(obj, &ts) != 0)
        rc = k8sc_object_set_deletion_timestamp(obj, true, now);
    const char *phase = k8sc_object_get_string(obj, "status.phase");
    if (!rc && (!phase || strcmp(phase, "Terminating") != 0))
        rc = k8sc_object_set_string(obj, "status.phase", "Terminating");
    return rc;
}

int k8sc__namespace_admit_delete(k8sc_apiserver_response *resp, const k8sc__route *route)
{
    /* The NamespaceLifecycle plugin's immortal namespaces (Kubernetes 1.32: default, kube-system, kube-public). */
    static const char *const immortal[] = { "default", "kube-system", "kube-public" };
    if (!k8sc__is_namespace(route->resource) || !route->name)
        return 0;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(immortal); i++) {
        if (strcmp(route->name, immortal[i]) != 0)
            continue;
        char msg[256];
        snprintf(msg, sizeof(msg), "namespaces \"%s\" is forbidden: this namespace may not be deleted", route->name);
        struct json_object *d = json_object_new_object();
        json_object_object_add(d, "name", json_object_new_string(route->name));
        json_object_object_add(d, "kind", json_object_new_string("namespaces"));
        return k8sc__status_error(resp, 403, "Forbidden", msg, d);
    }
    return 0;
}

/* The Forbidden Status admission.NewForbidden gives, with the NamespaceTerminating cause. */
static int terminating(k8sc_apiserver_response *resp, const k8sc_resource *r, const k8sc_object *obj, const char *ns)
{
    /* extractResourceName: names are not generated yet, so a generateName stands for the name. */
    const char *name = k8sc_object_name(obj);
    if (!name || !*name)
        name = k8sc_object_generate_name(obj);
    if (!name || !*name)
        name = "Unknown";
    char q[320], msg[1024], cause[320];
    k8sc__qualified(q, sizeof(q), r);
    snprintf(msg, sizeof(msg), "%s \"%s\" is forbidden: unable to create new content in namespace %s because it is "
        "being terminated", q, name, ns);
    snprintf(cause, sizeof(cause), "namespace %s is being terminated", ns);
    struct json_object *d = json_object_new_object(), *causes = json_object_new_array(), *c = json_object_new_object();
    json_object_object_add(d, "name", json_object_new_string(name));
    if (*k8sc_resource_group(r))
        json_object_object_add(d, "group", json_object_new_string(k8sc_resource_group(r)));
    json_object_object_add(d, "kind", json_object_new_string(k8sc_resource_plural(r)));
    json_object_object_add(c, "reason", json_object_new_string("NamespaceTerminating"));
    json_object_object_add(c, "message", json_object_new_string(cause));
    json_object_object_add(c, "field", json_object_new_string("metadata.namespace"));
    json_object_array_add(causes, c);
    json_object_object_add(d, "causes", causes);
    return k8sc__status_error(resp, 403, "Forbidden", msg, d);
}

int k8sc__namespace_admit_create(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc_resource *r,
    const k8sc_object *obj)
{
    const char *ns = k8sc_object_namespace(obj);
    const k8sc_resource *nsr = k8sc_registry_find_resource(srv->registry, "", "v1", "namespaces");
    if (!nsr || !ns || !k8sc_resource_namespaced(r))
        return 0;
    char *key = k8sc__storage_key(nsr, NULL, ns);
    if (!key)
        return K8SC_ENOMEM;
    k8sc_store_kv *kv = NULL;
    int rc = k8sc_store_get(&kv, srv->store, key, 0);
    k8sc_free(key);
    if (rc == K8SC_ENOTFOUND)
        return k8sc__status_not_found(resp, nsr, ns);
    if (rc)
        return rc == K8SC_ENOMEM ? rc : k8sc__status_from_code(resp, rc, nsr, ns);
    k8sc_object *nsobj = NULL;
    rc = k8sc__object_from_kv(&nsobj, kv);
    k8sc_store_kv_free(kv);
    if (rc)
        return rc == K8SC_ENOMEM ? rc : k8sc__status_internal(resp, k8sc_error_last());
    const char *phase = k8sc_object_get_string(nsobj, "status.phase");
    if (phase && strcmp(phase, "Terminating") == 0)
        rc = terminating(resp, r, obj, ns);
    k8sc_object_free(nsobj);
    return rc;
}
