/*
 * The EndpointSlice controller (discovery.k8s.io/v1): for each Service
 * with a selector, slices of at most 100 endpoints per port set, labelled
 * kubernetes.io/service-name and managed-by the controller, owned by the
 * Service (so the garbage collector removes them with it). Terminating
 * pods stay in as Kubernetes 1.32 keeps them: ready false, serving as
 * their readiness says, terminating true. A Service with no endpoints has
 * one empty placeholder slice. Existing slices are reused in name order.
 */
#include <stdlib.h>
#include <string.h>

#include "endpoints.h"

#define MAX_ENDPOINTS 100
#define MANAGED_BY "endpointslice-controller.k8s.io"

/* The endpoints of one port set. */
typedef struct group {
    struct json_object *ports;     /* owned */
    struct json_object *endpoints; /* owned array */
} group;

static int cmp_endpoint(const void *a, const void *b)
{
    struct json_object *x = json_object_object_get(*(struct json_object *const *)a, "addresses");
    struct json_object *y = json_object_object_get(*(struct json_object *const *)b, "addresses");
    return strcmp(json_object_get_string(json_object_array_get_idx(x, 0)),
        json_object_get_string(json_object_array_get_idx(y, 0)));
}

static struct json_object *endpoint_of(const k8sc_object *pod, bool publish)
{
    bool ready = k8sc__pod_ready(pod, NULL), terminating = k8sc_object_has(pod, "metadata.deletionTimestamp");
    struct json_object *e = json_object_new_object(), *addrs = json_object_new_array(), *c = json_object_new_object();
    json_object_array_add(addrs, json_object_new_string(k8sc_object_get_string(pod, "status.podIP")));
    json_object_object_add(e, "addresses", addrs);
    json_object_object_add(c, "ready", json_object_new_boolean(publish || (ready && !terminating)));
    json_object_object_add(c, "serving", json_object_new_boolean(publish || ready));
    json_object_object_add(c, "terminating", json_object_new_boolean(terminating));
    json_object_object_add(e, "conditions", c);
    const char *host = k8sc_object_get_string(pod, "spec.hostname");
    if (host)
        json_object_object_add(e, "hostname", json_object_new_string(host));
    json_object_object_add(e, "targetRef", k8sc__target_ref(pod));
    const char *node = k8sc_object_get_string(pod, "spec.nodeName");
    if (node)
        json_object_object_add(e, "nodeName", json_object_new_string(node));
    return e;
}

/* The pod's resolved port list for the Service, or NULL if it serves none of them. */
static struct json_object *ports_of(const k8sc_object *pod, struct json_object *svc_ports)
{
    struct json_object *ports = json_object_new_array();
    size_t n = svc_ports ? json_object_array_length(svc_ports) : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *sp = json_object_array_get_idx(svc_ports, i);
        int64_t port = k8sc__target_port(pod, sp);
        if (port <= 0)
            continue;
        struct json_object *p = json_object_new_object();
        const char *name = k8sc__json_string(sp, "name"), *proto = k8sc__json_string(sp, "protocol");
        const char *app = k8sc__json_string(sp, "appProtocol");
        json_object_object_add(p, "name", json_object_new_string(name ? name : ""));
        json_object_object_add(p, "port", json_object_new_int64(port));
        json_object_object_add(p, "protocol", json_object_new_string(proto ? proto : "TCP"));
        if (app)
            json_object_object_add(p, "appProtocol", json_object_new_string(app));
        json_object_array_add(ports, p);
    }
    if (n > 0 && json_object_array_length(ports) == 0) {
        json_object_put(ports);
        return NULL;
    }
    return ports;
}

/* Group the Service's pods by resolved port set. */
static int build_groups(group **out, size_t *count, const k8sc_object *svc, k8sc_object **pods, size_t n)
{
    bool publish = false;
    k8sc_object_get_bool(svc, "spec.publishNotReadyAddresses", &publish);
    struct json_object *svc_ports = k8sc_object_get(svc, "spec.ports");
    group *g = k8sc__calloc(n + 1, sizeof(*g));
    if (!g)
        return K8SC_ENOMEM;
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        if (!k8sc__pod_serves(pods[i], true))
            continue;
        struct json_object *ports = ports_of(pods[i], svc_ports);
        if (!ports)
            continue;
        size_t k = 0;
        while (k < ng && !json_object_equal(g[k].ports, ports))
            k++;
        if (k == ng) {
            g[ng].ports = ports;
            g[ng++].endpoints = json_object_new_array();
        } else {
            json_object_put(ports);
        }
        json_object_array_add(g[k].endpoints, endpoint_of(pods[i], publish));
    }
    for (size_t k = 0; k < ng; k++)
        json_object_array_sort(g[k].endpoints, cmp_endpoint);
    *out = g;
    *count = ng;
    return 0;
}

static void groups_free(group *g, size_t n)
{
    for (size_t i = 0; g && i < n; i++) {
        json_object_put(g[i].ports);
        json_object_put(g[i].endpoints);
    }
    free(g);
}

/* A slice for `svc` with `ports` and endpoints [from, to) of `eps` (NULL eps: the placeholder). */
static int make_slice(k8sc_object **out, const k8sc_object *svc, struct json_object *ports, struct json_object *eps,
    size_t from, size_t to)
{
    k8sc_object *s;
    int rc = k8sc_object_new(&s, "discovery.k8s.io/v1", "EndpointSlice");
    if (rc < 0)
        return rc;
    char prefix[300];
    snprintf(prefix, sizeof(prefix), "%s-", k8sc_object_name(svc));
    struct json_object *labels = NULL;
    if (json_object_deep_copy(k8sc_object_get(svc, "metadata.labels"), &labels, NULL) == 0 && labels)
        rc = k8sc_object_set(s, "metadata.labels", labels);
    if (rc == 0)
        rc = k8sc_object_set_generate_name(s, prefix);
    if (rc == 0)
        rc = k8sc_object_set_namespace(s, k8sc_object_namespace(svc));
    if (rc == 0)
        rc = k8sc_object_meta_set(s, K8SC_LABELS, "kubernetes.io/service-name", k8sc_object_name(svc));
    if (rc == 0)
        rc = k8sc_object_meta_set(s, K8SC_LABELS, "endpointslice.kubernetes.io/managed-by", MANAGED_BY);
    k8sc_owner_ref ref = { "v1", "Service", k8sc_object_name(svc), k8sc_object_uid(svc), true, true };
    if (rc == 0)
        rc = k8sc_object_add_owner_ref(s, &ref);
    if (rc == 0)
        rc = k8sc_object_set_string(s, "addressType", "IPv4");
    struct json_object *list = json_object_new_array();
    for (size_t i = from; eps && i < to; i++)
        json_object_array_add(list, json_object_get(json_object_array_get_idx(eps, i)));
    if (rc == 0)
        rc = k8sc_object_set(s, "endpoints", list);
    else
        json_object_put(list);
    if (rc == 0 && ports)
        rc = k8sc_object_set(s, "ports", json_object_get(ports));
    if (rc < 0) {
        k8sc_object_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(k8sc_object_name(*(k8sc_object *const *)a), k8sc_object_name(*(k8sc_object *const *)b));
}

/* Write `want` into the existing slice `have` (NULL: create it), unless they already agree. */
static int put_slice(k8sc_client *client, k8sc_object *want, const k8sc_object *have)
{
    if (!have)
        return k8sc_client_create(NULL, client, want);
    bool same = json_object_equal(k8sc_object_get(want, "endpoints"), k8sc_object_get(have, "endpoints")) &&
        json_object_equal(k8sc_object_get(want, "ports"), k8sc_object_get(have, "ports")) &&
        json_object_equal(k8sc_object_get(want, "metadata.labels"), k8sc_object_get(have, "metadata.labels"));
    if (same)
        return 0;
    int rc = k8sc_object_set_name(want, k8sc_object_name(have));
    if (rc == 0)
        rc = k8sc_object_set_resource_version(want, k8sc_object_resource_version(have));
    return rc == 0 ? k8sc_client_update(NULL, client, want) : rc;
}

static int sync(k8sc_reconcile_result *res, k8sc_controller *ctl, const char *ns, const char *name, void *ud)
{
    (void)res;
    (void)ud;
    k8sc_object *svc;
    /* A deleted Service's slices go with it through their ownerReference. */
    if (k8sc_cache_get(&svc, k8sc_controller_cache(ctl, "v1", "Service"), ns, name) < 0)
        return 0;
    struct json_object *sel = k8sc_object_get(svc, "spec.selector");
    if (!json_object_is_type(sel, json_type_object) || json_object_object_length(sel) == 0 ||
        k8sc_object_has(svc, "metadata.deletionTimestamp")) {
        k8sc_object_free(svc);
        return 0;
    }
    k8sc_client *client = k8sc_controller_client(ctl);
    k8sc_object **pods = NULL, **have = NULL;
    size_t npods = 0, nhave = 0, ngroups = 0;
    group *groups = NULL;
    char label[300];
    snprintf(label, sizeof(label), "kubernetes.io/service-name=%s,endpointslice.kubernetes.io/managed-by=%s", name,
        MANAGED_BY);
    k8sc_selector *mine = NULL;
    int rc = k8sc__service_pods(&pods, &npods, ctl, svc);
    if (rc == 0)
        rc = build_groups(&groups, &ngroups, svc, pods, npods);
    if (rc == 0)
        rc = k8sc_selector_parse(&mine, label);
    if (rc == 0)
        rc = k8sc_cache_list(&have, &nhave, k8sc_controller_cache(ctl, "discovery.k8s.io/v1", "EndpointSlice"), ns, mine);
    k8sc_selector_free(mine);
    if (rc == 0)
        qsort(have, nhave, sizeof(*have), by_name);
    /* Fill the existing slices in name order, then make more; what is left over goes. */
    size_t used = 0;
    for (size_t g = 0; rc == 0 && g < ngroups; g++) {
        size_t total = json_object_array_length(groups[g].endpoints);
        for (size_t from = 0; rc == 0 && from < total; from += MAX_ENDPOINTS) {
            size_t to = from + MAX_ENDPOINTS < total ? from + MAX_ENDPOINTS : total;
            k8sc_object *want;
            if ((rc = make_slice(&want, svc, groups[g].ports, groups[g].endpoints, from, to)) < 0)
                break;
            rc = put_slice(client, want, used < nhave ? have[used] : NULL);
            used++;
            k8sc_object_free(want);
        }
    }
    if (rc == 0 && ngroups == 0) {
        k8sc_object *want;
        if ((rc = make_slice(&want, svc, NULL, NULL, 0, 0)) == 0) {
            rc = put_slice(client, want, nhave > 0 ? have[0] : NULL);
            k8sc_object_free(want);
            used = 1;
        }
    }
    for (size_t i = used; rc == 0 && i < nhave; i++) {
        rc = k8sc_client_delete(NULL, client, "discovery.k8s.io/v1", "EndpointSlice", ns, k8sc_object_name(have[i]), NULL);
        if (rc == K8SC_ENOTFOUND)
            rc = 0;
    }
    groups_free(groups, ngroups);
    k8sc_cache_items_free(pods, npods);
    k8sc_cache_items_free(have, nhave);
    k8sc_object_free(svc);
    return rc;
}

static void map_pod(k8sc_controller *ctl, const k8sc_object *pod, void *ud)
{
    (void)ud;
    k8sc__enqueue_services_of(ctl, pod);
}

/* A slice changed by someone else: the Service it belongs to is synced again. */
static void map_slice(k8sc_controller *ctl, const k8sc_object *slice, void *ud)
{
    (void)ud;
    const char *svc = k8sc_object_meta_get(slice, K8SC_LABELS, "kubernetes.io/service-name");
    const char *by = k8sc_object_meta_get(slice, K8SC_LABELS, "endpointslice.kubernetes.io/managed-by");
    if (svc && by && strcmp(by, MANAGED_BY) == 0)
        k8sc_controller_enqueue(ctl, k8sc_object_namespace(slice), svc);
}

int k8sc_endpointslice_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts)
{
    K8SC__CHECK_ARG(out);
    static const k8sc__builtin_spec spec = { "endpointslice-controller", "v1", "Service", sync, NULL, NULL };
    k8sc_controller *ctl;
    int rc = k8sc__builtin_new(&ctl, client, opts, &spec, NULL);
    if (rc < 0)
        return rc;
    rc = k8sc_controller_watches(ctl, "v1", "Pod", map_pod, NULL);
    if (rc == 0)
        rc = k8sc_controller_watches(ctl, "discovery.k8s.io/v1", "EndpointSlice", map_slice, NULL);
    if (rc < 0) {
        k8sc_controller_free(ctl);
        return rc;
    }
    *out = ctl;
    return 0;
}
