/*
 * pods/binding: how a scheduler assigns a pod to a node, since a pod's
 * spec.nodeName cannot change by update. As BindingREST.Create
 * (pkg/registry/core/pod/storage): the pod must be unassigned, not being
 * deleted and without scheduling gates; it gets the node, the binding's
 * annotations and a PodScheduled=True condition. Replies 201 Success.
 */
#include "apiserver_internal.h"

#include <string.h>

#define RETRIES 8

static int binding_conflict(k8sc_apiserver_response *resp, const char *pod, const char *why)
{
    char msg[1024];
    snprintf(msg, sizeof(msg), "Operation cannot be fulfilled on pods/binding \"%s\": %s", pod, why);
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "name", json_object_new_string(pod));
    json_object_object_add(d, "kind", json_object_new_string("pods/binding"));
    return k8sc__status_error(resp, 409, "Conflict", msg, d);
}

/* ValidatePodBinding: a target name, and a Node (or no) kind. */
static int validate(k8sc_apiserver_response *resp, const k8sc_object *b, const char *name)
{
    k8sc_field_errors *errs = NULL;
    int rc = k8sc_field_errors_new(&errs);
    if (rc)
        return rc;
    const char *kind = k8sc_object_get_string(b, "target.kind"), *node = k8sc_object_get_string(b, "target.name");
    if (kind && *kind && strcmp(kind, "Node") != 0)
        rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_NOT_SUPPORTED, "target.kind", kind,
            "supported values: \"Node\", \"<empty>\"");
    if (!rc && (!node || !*node))
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_REQUIRED, "target.name", NULL, NULL);
    if (!rc && k8sc_field_errors_count(errs) > 0)
        rc = k8sc__status_invalid_kind(resp, "", "Binding", name, errs);
    k8sc_field_errors_free(errs);
    return rc;
}

/* PodScheduled=True, its transition time moved only when the status changes (UpdatePodCondition). */
static int set_scheduled(k8sc_object *pod, const char *now)
{
    struct json_object *conds = k8sc_object_get(pod, "status.conditions");
    if (conds && !json_object_is_type(conds, json_type_array))
        return 0;
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i), *t = NULL, *s = NULL;
        if (!json_object_is_type(c, json_type_object) || !json_object_object_get_ex(c, "type", &t) ||
            strcmp(json_object_get_string(t), "PodScheduled") != 0)
            continue;
        if (!json_object_object_get_ex(c, "status", &s) || strcmp(json_object_get_string(s), "True") != 0) {
            /* The scheduler's "Unschedulable" reason and message go with the old status. */
            json_object_object_add(c, "status", json_object_new_string("True"));
            json_object_object_add(c, "lastTransitionTime", json_object_new_string(now));
            json_object_object_del(c, "reason");
            json_object_object_del(c, "message");
        }
        return 0;
    }
    struct json_object *c = json_object_new_object();
    if (!c)
        return k8sc__error_nomem();
    json_object_object_add(c, "type", json_object_new_string("PodScheduled"));
    json_object_object_add(c, "status", json_object_new_string("True"));
    json_object_object_add(c, "lastProbeTime", NULL);
    json_object_object_add(c, "lastTransitionTime", json_object_new_string(now));
    if (!conds) {
        conds = json_object_new_array();
        int rc = conds ? k8sc_object_set(pod, "status.conditions", conds) : k8sc__error_nomem();
        if (rc) {
            json_object_put(conds);
            json_object_put(c);
            return rc;
        }
    }
    json_object_array_add(conds, c);
    return 0;
}

static int bind(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route, const k8sc_object *b)
{
    const char *node = k8sc_object_get_string(b, "target.name");
    struct json_object *ann = k8sc_object_get(b, "metadata.annotations");
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        char *key = k8sc__storage_key(route->resource, route->ns, route->name);
        if (!key)
            return K8SC_ENOMEM;
        k8sc_store_kv *kv = NULL;
        int rc = k8sc_store_get(&kv, srv->store, key, 0);
        if (rc) {
            k8sc_free(key);
            return k8sc__status_from_code(resp, rc, route->resource, route->name);
        }
        int64_t mod = kv->mod_revision, ts;
        k8sc_object *pod = NULL;
        rc = k8sc__object_from_kv(&pod, kv);
        k8sc_store_kv_free(kv);
        const char *assigned = pod ? k8sc_object_get_string(pod, "spec.nodeName") : NULL;
        struct json_object *gates = pod ? k8sc_object_get(pod, "spec.schedulingGates") : NULL;
        char why[512];
        why[0] = '\0';
        if (!rc && k8sc_object_deletion_timestamp(pod, &ts) == 0)
            snprintf(why, sizeof(why), "pod %s is being deleted, cannot be assigned to a host", route->name);
        else if (!rc && assigned && *assigned)
            snprintf(why, sizeof(why), "pod %s is already assigned to node \"%s\"", route->name, assigned);
        else if (!rc && gates && json_object_is_type(gates, json_type_array) && json_object_array_length(gates) > 0)
            snprintf(why, sizeof(why), "pod %s has non-empty .spec.schedulingGates", route->name);
        if (!rc && why[0])
            rc = binding_conflict(resp, route->name, why);
        if (!rc && !resp->status)
            rc = k8sc_object_set_string(pod, "spec.nodeName", node);
        if (!rc && !resp->status && ann && json_object_is_type(ann, json_type_object)) {
            json_object_object_foreach(ann, k, v) {
                if (json_object_is_type(v, json_type_string) &&
                    (rc = k8sc_object_meta_set(pod, K8SC_ANNOTATIONS, k, json_object_get_string(v))))
                    break;
            }
        }
        char now[40];
        if (!rc && !resp->status) {
            k8sc_time_format(now, sizeof(now), k8sc_clock_now(srv->clock) / 1000000000);
            rc = set_scheduled(pod, now);
        }
        char *text = NULL;
        size_t len = 0;
        if (!rc && !resp->status)
            rc = k8sc__object_to_store(&text, &len, pod);
        const char *dry = k8sc__query_get(req, "dryRun");
        if (!rc && !resp->status && !(dry && strcmp(dry, "All") == 0))
            rc = k8sc_store_update(NULL, srv->store, key, text, len, mod);
        k8sc_free(text);
        k8sc_free(key);
        k8sc_object_free(pod);
        if (rc == K8SC_ECONFLICT)
            continue;
        if (rc)
            return rc == K8SC_ENOMEM ? rc : k8sc__status_from_code(resp, rc, route->resource, route->name);
        if (resp->status)
            return 0;
        return k8sc__status_error(resp, 201, NULL, NULL, NULL);
    }
    return k8sc__status_conflict(resp, route->resource, route->name);
}

int k8sc__handle_binding(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route)
{
    if (strcmp(req->method, "POST") != 0)
        return k8sc__status_method_not_allowed(resp);
    k8sc_object *b = NULL;
    int rc = k8sc__decode_body(&b, resp, req);
    if (rc || resp->status)
        return rc;
    const char *name = k8sc_object_name(b);
    if (!name || strcmp(name, route->name) != 0)
        rc = k8sc__status_bad_request(resp, "name in URL does not match name in Binding object");
    if (!rc && !resp->status)
        rc = validate(resp, b, route->name);
    if (!rc && !resp->status)
        rc = bind(resp, srv, req, route, b);
    k8sc_object_free(b);
    return rc;
}
