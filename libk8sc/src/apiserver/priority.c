/*
 * Pod priority as kube-apiserver's Priority admission plugin sets it: a
 * new pod's spec.priority and spec.preemptionPolicy come from its
 * PriorityClass (or the cluster's globalDefault one, whose name is then
 * written into spec.priorityClassName; else priority 0), a class that
 * does not exist or a priority the pod states itself is refused. The two
 * system classes are created at start, as kube-apiserver's post-start hook
 * does.
 */
#include "apiserver_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_POLICY "PreemptLowerPriority"

static const k8sc_resource *classes(const k8sc_apiserver *srv)
{
    return k8sc_registry_find_resource(srv->registry, "scheduling.k8s.io", "v1", "priorityclasses");
}

/* The class `name` in `*out` (NULL when it does not exist). */
static int get_class(k8sc_object **out, k8sc_apiserver *srv, const k8sc_resource *pcr, const char *name)
{
    *out = NULL;
    char *key = k8sc__storage_key(pcr, NULL, name);
    if (!key)
        return K8SC_ENOMEM;
    k8sc_store_kv *kv = NULL;
    int rc = k8sc_store_get(&kv, srv->store, key, 0);
    k8sc_free(key);
    if (rc == K8SC_ENOTFOUND)
        return 0;
    if (!rc)
        rc = k8sc__object_from_kv(out, kv);
    k8sc_store_kv_free(kv);
    return rc;
}

/* The globalDefault class with the lowest value (getDefaultPriorityClass), or NULL. */
static int default_class(k8sc_object **out, k8sc_apiserver *srv, const k8sc_resource *pcr)
{
    *out = NULL;
    char *prefix = k8sc__storage_key(pcr, NULL, "");
    if (!prefix)
        return K8SC_ENOMEM;
    k8sc_store_page *page = NULL;
    int rc = k8sc_store_list(&page, srv->store, prefix, 0, NULL, 0);
    k8sc_free(prefix);
    for (size_t i = 0; !rc && i < page->count; i++) {
        k8sc_object *pc = NULL;
        if ((rc = k8sc__object_from_kv(&pc, page->items[i])))
            break;
        struct json_object *g = k8sc_object_get(pc, "globalDefault");
        int64_t v = json_object_get_int64(k8sc_object_get(pc, "value"));
        if (json_object_get_boolean(g) &&
            (!*out || v < json_object_get_int64(k8sc_object_get(*out, "value")))) {
            k8sc_object_free(*out);
            *out = pc;
        } else {
            k8sc_object_free(pc);
        }
    }
    k8sc_store_page_free(page);
    return rc;
}

static int forbidden(k8sc_apiserver_response *resp, const k8sc_object *pod, const char *fmt, ...) K8SC_PRINTF(3, 4);

static int forbidden(k8sc_apiserver_response *resp, const k8sc_object *pod, const char *fmt, ...)
{
    const char *name = k8sc_object_name(pod);
    if (!name || !*name)
        name = k8sc_object_generate_name(pod);
    char why[512], msg[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof(msg), "pods \"%s\" is forbidden: %s", name ? name : "", why);
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "name", json_object_new_string(name ? name : ""));
    json_object_object_add(d, "kind", json_object_new_string("pods"));
    return k8sc__status_error(resp, 403, "Forbidden", msg, d);
}

int k8sc__priority_admit(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc_resource *r, k8sc_object *pod)
{
    const k8sc_resource *pcr = classes(srv);
    if (!pcr || *k8sc_resource_group(r) || strcmp(k8sc_resource_plural(r), "pods") != 0)
        return 0;
    const char *name = k8sc_object_get_string(pod, "spec.priorityClassName");
    k8sc_object *pc = NULL;
    int rc = name && *name ? get_class(&pc, srv, pcr, name) : default_class(&pc, srv, pcr);
    if (rc)
        return rc == K8SC_ENOMEM ? rc : k8sc__status_internal(resp, k8sc_error_last());
    if (!pc && name && *name)
        return forbidden(resp, pod, "no PriorityClass with name %s was found", name);
    int64_t value = pc ? json_object_get_int64(k8sc_object_get(pc, "value")) : 0;
    const char *policy = pc ? k8sc_object_get_string(pc, "preemptionPolicy") : NULL;
    if (!policy || !*policy)
        policy = DEFAULT_POLICY;
    struct json_object *given = k8sc_object_get(pod, "spec.priority");
    const char *given_policy = k8sc_object_get_string(pod, "spec.preemptionPolicy");
    if (given && json_object_get_int64(given) != value)
        rc = forbidden(resp, pod, "the integer value of priority (%lld) must not be provided in pod spec; priority "
            "admission controller computed %lld from the given PriorityClass name",
            (long long)json_object_get_int64(given), (long long)value);
    else if (given_policy && strcmp(given_policy, policy) != 0)
        rc = forbidden(resp, pod, "the string value of PreemptionPolicy (%s) must not be provided in pod spec; "
            "priority admission controller computed %s from the given PriorityClass name", given_policy, policy);
    else if (pc && (!name || !*name))
        rc = k8sc_object_set(pod, "spec.priorityClassName", json_object_new_string(k8sc_object_name(pc)));
    if (!rc && !resp->status)
        rc = k8sc_object_set(pod, "spec.priority", json_object_new_int64(value));
    if (!rc && !resp->status)
        rc = k8sc_object_set(pod, "spec.preemptionPolicy", json_object_new_string(policy));
    k8sc_object_free(pc);
    return rc;
}

int k8sc__priority_bootstrap(k8sc_apiserver *srv)
{
    static const struct {
        const char *name;
        long long value;
        const char *description;
    } system[] = {
        { "system-node-critical", 2000001000, "Used for system critical pods that must not be moved from their current node." },
        { "system-cluster-critical", 2000000000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary." },
    };
    if (!classes(srv))
        return 0;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(system); i++) {
        char body[512];
        snprintf(body, sizeof(body), "{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\","
            "\"metadata\":{\"name\":\"%s\"},\"value\":%lld,\"description\":\"%s\"}", system[i].name, system[i].value,
            system[i].description);
        k8sc_apiserver_response *resp = NULL;
        int rc = k8sc_apiserver_handle(&resp, srv, "POST", "/apis/scheduling.k8s.io/v1/priorityclasses",
            "application/json", NULL, body, strlen(body));
        if (!rc && resp->status >= 300 && resp->status != 409)
            rc = k8sc_error_set(K8SC_ERROR, "PriorityClass %s: %s", system[i].name,
                k8sc_apiserver_response_body(resp, NULL));
        k8sc_apiserver_response_free(resp);
        if (rc)
            return rc;
    }
    return 0;
}
