/*
 * The Endpoints controller (Kubernetes' pkg/controller/endpoint): for each
 * Service with a selector, an Endpoints object of the same name listing
 * the matching pods' IPs, ready ones under addresses and the others under
 * notReadyAddresses (all under addresses with publishNotReadyAddresses),
 * with the Service's ports resolved against each pod (named targetPorts).
 * The EndpointSlice controller (endpointslice.c) shares the pod logic.
 */
#include <stdlib.h>
#include <string.h>

#include "endpoints.h"

/* ---- shared with endpointslice.c ---- */

bool k8sc__pod_serves(const k8sc_object *pod, bool publish_not_ready)
{
    const char *ip = k8sc_object_get_string(pod, "status.podIP");
    if (!ip || !*ip)
        return false;
    if (k8sc_object_has(pod, "metadata.deletionTimestamp") && !publish_not_ready)
        return false;
    /* shouldPodBeInEndpoints: finished pods that will not restart are out. */
    const char *phase = k8sc_object_get_string(pod, "status.phase");
    const char *policy = k8sc_object_get_string(pod, "spec.restartPolicy");
    if (phase && strcmp(phase, "Failed") == 0 && policy && strcmp(policy, "Never") == 0)
        return false;
    if (phase && strcmp(phase, "Succeeded") == 0 && policy && strcmp(policy, "Always") != 0)
        return false;
    return true;
}

int64_t k8sc__target_port(const k8sc_object *pod, struct json_object *svc_port)
{
    struct json_object *tp = json_object_object_get(svc_port, "targetPort");
    if (!tp)
        return k8sc__json_int(svc_port, "port", -1);
    if (json_object_is_type(tp, json_type_int))
        return json_object_get_int64(tp);
    const char *name = json_object_get_string(tp);
    const char *proto = k8sc__json_string(svc_port, "protocol");
    /* FindPort: a named port is looked up among the pod's containers, with the protocol. */
    struct json_object *containers = k8sc_object_get(pod, "spec.containers");
    for (size_t i = 0; containers && i < json_object_array_length(containers); i++) {
        struct json_object *ports = json_object_object_get(json_object_array_get_idx(containers, i), "ports");
        for (size_t j = 0; ports && j < json_object_array_length(ports); j++) {
            struct json_object *p = json_object_array_get_idx(ports, j);
            const char *pn = k8sc__json_string(p, "name"), *pp = k8sc__json_string(p, "protocol");
            if (pn && strcmp(pn, name) == 0 && strcmp(pp ? pp : "TCP", proto ? proto : "TCP") == 0)
                return k8sc__json_int(p, "containerPort", -1);
        }
    }
    /* A numeric string is a number (intstr parsed from YAML as a string). */
    char *end;
    long long n = strtoll(name, &end, 10);
    return *name && !*end ? n : -1;
}

struct json_object *k8sc__target_ref(const k8sc_object *pod)
{
    struct json_object *ref = json_object_new_object();
    json_object_object_add(ref, "kind", json_object_new_string("Pod"));
    json_object_object_add(ref, "namespace", json_object_new_string(k8sc_object_namespace(pod)));
    json_object_object_add(ref, "name", json_object_new_string(k8sc_object_name(pod)));
    json_object_object_add(ref, "uid", json_object_new_string(k8sc_object_uid(pod)));
    return ref;
}

int k8sc__service_pods(k8sc_object ***out, size_t *count, k8sc_controller *ctl, const k8sc_object *svc)
{
    *out = NULL;
    *count = 0;
    struct json_object *sel = k8sc_object_get(svc, "spec.selector");
    if (!json_object_is_type(sel, json_type_object) || json_object_object_length(sel) == 0)
        return 0;
    k8sc_selector *s;
    int rc = k8sc_selector_from_map(&s, sel);
    if (rc == 0)
        rc = k8sc_cache_list(out, count, k8sc_controller_cache(ctl, "v1", "Pod"), k8sc_object_namespace(svc), s);
    k8sc_selector_free(s);
    return rc;
}

/* Every Service in the pod's namespace whose selector matches it (old or new labels). */
void k8sc__enqueue_services_of(k8sc_controller *ctl, const k8sc_object *pod)
{
    k8sc_object **svcs;
    size_t n;
    if (k8sc_cache_list(&svcs, &n, k8sc_controller_cache(ctl, "v1", "Service"), k8sc_object_namespace(pod), NULL) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        struct json_object *sel = k8sc_object_get(svcs[i], "spec.selector");
        k8sc_selector *s;
        if (!json_object_is_type(sel, json_type_object) || json_object_object_length(sel) == 0 ||
            k8sc_selector_from_map(&s, sel) < 0)
            continue;
        if (k8sc_selector_matches_object(s, pod))
            k8sc_controller_enqueue(ctl, k8sc_object_namespace(svcs[i]), k8sc_object_name(svcs[i]));
        k8sc_selector_free(s);
    }
    k8sc_cache_items_free(svcs, n);
}

static void map_pod(k8sc_controller *ctl, const k8sc_object *pod, void *ud)
{
    (void)ud;
    k8sc__enqueue_services_of(ctl, pod);
}

/* ---- Endpoints ---- */

static int cmp_address(const void *a, const void *b)
{
    struct json_object *x = *(struct json_object *const *)a, *y = *(struct json_object *const *)b;
    const char *ix = k8sc__json_string(x, "ip"), *iy = k8sc__json_string(y, "ip");
    return strcmp(ix ? ix : "", iy ? iy : "");
}

static int cmp_port(const void *a, const void *b)
{
    struct json_object *x = *(struct json_object *const *)a, *y = *(struct json_object *const *)b;
    const char *nx = k8sc__json_string(x, "name"), *ny = k8sc__json_string(y, "name");
    int c = strcmp(nx ? nx : "", ny ? ny : "");
    return c ? c : (int)(k8sc__json_int(x, "port", 0) - k8sc__json_int(y, "port", 0));
}

static void sort_array(struct json_object *arr, int (*cmp)(const void *, const void *))
{
    if (arr)
        json_object_array_sort(arr, cmp);
}

/* The subset for one pod's resolved ports, merged into `subsets` by identical port lists (RepackSubsets). */
static void add_to_subsets(struct json_object *subsets, struct json_object *ports, struct json_object *address, bool ready)
{
    sort_array(ports, cmp_port);
    const char *key = json_object_to_json_string_ext(ports, JSON_C_TO_STRING_PLAIN);
    struct json_object *subset = NULL;
    for (size_t i = 0; i < json_object_array_length(subsets) && !subset; i++) {
        struct json_object *s = json_object_array_get_idx(subsets, i), *p = json_object_object_get(s, "ports");
        const char *k = p ? json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN) : "[]";
        if (strcmp(k, key) == 0)
            subset = s;
    }
    if (!subset) {
        subset = json_object_new_object();
        json_object_array_add(subsets, subset);
        if (json_object_array_length(ports) > 0)
            json_object_object_add(subset, "ports", json_object_get(ports));
    }
    const char *field = ready ? "addresses" : "notReadyAddresses";
    struct json_object *list = json_object_object_get(subset, field);
    if (!list) {
        list = json_object_new_array();
        json_object_object_add(subset, field, list);
    }
    json_object_array_add(list, address);
    json_object_put(ports);
}

static struct json_object *address_of(const k8sc_object *pod, const k8sc_object *svc)
{
    struct json_object *a = json_object_new_object();
    json_object_object_add(a, "ip", json_object_new_string(k8sc_object_get_string(pod, "status.podIP")));
    /* A pod with hostname and subdomain = the Service's name gets a DNS name in it. */
    const char *host = k8sc_object_get_string(pod, "spec.hostname"), *sub = k8sc_object_get_string(pod, "spec.subdomain");
    if (host && sub && strcmp(sub, k8sc_object_name(svc)) == 0)
        json_object_object_add(a, "hostname", json_object_new_string(host));
    const char *node = k8sc_object_get_string(pod, "spec.nodeName");
    if (node)
        json_object_object_add(a, "nodeName", json_object_new_string(node));
    json_object_object_add(a, "targetRef", k8sc__target_ref(pod));
    return a;
}

/* The Endpoints' subsets for `svc` and its pods. */
static struct json_object *compute_subsets(const k8sc_object *svc, k8sc_object **pods, size_t n)
{
    bool publish = false;
    k8sc_object_get_bool(svc, "spec.publishNotReadyAddresses", &publish);
    struct json_object *subsets = json_object_new_array(), *svc_ports = k8sc_object_get(svc, "spec.ports");
    const char *cluster_ip = k8sc_object_get_string(svc, "spec.clusterIP");
    bool headless = cluster_ip && strcmp(cluster_ip, "None") == 0;
    size_t nports = svc_ports ? json_object_array_length(svc_ports) : 0;
    for (size_t i = 0; i < n; i++) {
        if (!k8sc__pod_serves(pods[i], publish))
            continue;
        bool ready = publish || k8sc__pod_ready(pods[i], NULL);
        if (nports == 0 && headless) {
            add_to_subsets(subsets, json_object_new_array(), address_of(pods[i], svc), ready);
            continue;
        }
        /* Kubernetes makes one subset per service port and pod, then repacks them. */
        for (size_t p = 0; p < nports; p++) {
            struct json_object *sp = json_object_array_get_idx(svc_ports, p);
            int64_t port = k8sc__target_port(pods[i], sp);
            if (port <= 0)
                continue; /* the pod has no such named port */
            struct json_object *ep = json_object_new_object(), *ports = json_object_new_array();
            const char *name = k8sc__json_string(sp, "name"), *proto = k8sc__json_string(sp, "protocol");
            const char *app = k8sc__json_string(sp, "appProtocol");
            if (name && *name)
                json_object_object_add(ep, "name", json_object_new_string(name));
            json_object_object_add(ep, "port", json_object_new_int64(port));
            json_object_object_add(ep, "protocol", json_object_new_string(proto ? proto : "TCP"));
            if (app)
                json_object_object_add(ep, "appProtocol", json_object_new_string(app));
            json_object_array_add(ports, ep);
            add_to_subsets(subsets, ports, address_of(pods[i], svc), ready);
        }
    }
    for (size_t i = 0; i < json_object_array_length(subsets); i++) {
        struct json_object *s = json_object_array_get_idx(subsets, i);
        sort_array(json_object_object_get(s, "addresses"), cmp_address);
        sort_array(json_object_object_get(s, "notReadyAddresses"), cmp_address);
    }
    return subsets;
}

static int sync(k8sc_reconcile_result *res, k8sc_controller *ctl, const char *ns, const char *name, void *ud)
{
    (void)res;
    (void)ud;
    k8sc_client *client = k8sc_controller_client(ctl);
    k8sc_object *svc = NULL, *have = NULL;
    k8sc_cache_get(&have, k8sc_controller_cache(ctl, "v1", "Endpoints"), ns, name);
    if (k8sc_cache_get(&svc, k8sc_controller_cache(ctl, "v1", "Service"), ns, name) < 0) {
        /* The Service is gone: so are its Endpoints. */
        int rc = have ? k8sc_client_delete(NULL, client, "v1", "Endpoints", ns, name, NULL) : 0;
        k8sc_object_free(have);
        return rc == K8SC_ENOTFOUND ? 0 : rc;
    }
    struct json_object *sel = k8sc_object_get(svc, "spec.selector");
    if (!json_object_is_type(sel, json_type_object) || json_object_object_length(sel) == 0) {
        /* Without a selector the Endpoints are the user's to write. */
        k8sc_object_free(svc);
        k8sc_object_free(have);
        return 0;
    }
    k8sc_object **pods;
    size_t n;
    int rc = k8sc__service_pods(&pods, &n, ctl, svc);
    struct json_object *subsets = rc == 0 ? compute_subsets(svc, pods, n) : NULL;
    k8sc_cache_items_free(pods, n);
    k8sc_object *want = NULL;
    if (rc == 0)
        rc = k8sc_object_new(&want, "v1", "Endpoints");
    if (rc == 0)
        rc = k8sc_object_set_name(want, name);
    if (rc == 0)
        rc = k8sc_object_set_namespace(want, ns);
    /* Labels: the Service's, plus the headless mark. */
    struct json_object *labels = NULL;
    if (rc == 0 && json_object_deep_copy(k8sc_object_get(svc, "metadata.labels"), &labels, NULL) == 0 && labels)
        rc = k8sc_object_set(want, "metadata.labels", labels);
    const char *cip = k8sc_object_get_string(svc, "spec.clusterIP");
    if (rc == 0 && cip && strcmp(cip, "None") == 0)
        rc = k8sc_object_meta_set(want, K8SC_LABELS, "service.kubernetes.io/headless", "");
    if (rc == 0 && json_object_array_length(subsets) > 0) {
        rc = k8sc_object_set(want, "subsets", subsets);
        subsets = NULL;
    }
    json_object_put(subsets);
    bool same = have && json_object_equal(k8sc_object_get(have, "subsets"), k8sc_object_get(want, "subsets")) &&
        json_object_equal(k8sc_object_get(have, "metadata.labels"), k8sc_object_get(want, "metadata.labels"));
    if (rc == 0 && !same) {
        if (have) {
            rc = k8sc_object_set_resource_version(want, k8sc_object_resource_version(have));
            if (rc == 0)
                rc = k8sc_client_update(NULL, client, want);
        } else {
            rc = k8sc_client_create(NULL, client, want);
            /* Someone made it meanwhile (the cache lags): the next sync compares with it. */
            if (rc == K8SC_EEXISTS)
                rc = k8sc_error_set(K8SC_ECONFLICT, "endpoints %s/%s appeared meanwhile", ns, name);
        }
    }
    k8sc_object_free(want);
    k8sc_object_free(svc);
    k8sc_object_free(have);
    return rc;
}

/* An Endpoints object changed by someone else: put it back. */
static void map_endpoints(k8sc_controller *ctl, const k8sc_object *ep, void *ud)
{
    (void)ud;
    k8sc_controller_enqueue(ctl, k8sc_object_namespace(ep), k8sc_object_name(ep));
}

int k8sc_endpoints_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts)
{
    K8SC__CHECK_ARG(out);
    static const k8sc__builtin_spec spec = { "endpoints-controller", "v1", "Service", sync, NULL, NULL };
    k8sc_controller *ctl;
    int rc = k8sc__builtin_new(&ctl, client, opts, &spec, NULL);
    if (rc < 0)
        return rc;
    rc = k8sc_controller_watches(ctl, "v1", "Pod", map_pod, NULL);
    if (rc == 0)
        rc = k8sc_controller_watches(ctl, "v1", "Endpoints", map_endpoints, NULL);
    if (rc < 0) {
        k8sc_controller_free(ctl);
        return rc;
    }
    *out = ctl;
    return 0;
}
