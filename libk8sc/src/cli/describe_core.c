/* kubectl describe service, node, namespace and configmap. */
#include "describe_internal.h"

#include <stdlib.h>
#include <string.h>

static size_t arr_len(struct json_object *a)
{
    return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static void join_strings(k8sc__buf *b, struct json_object *list, const char *sep)
{
    for (size_t i = 0; i < arr_len(list); i++)
        k8sc__buf_printf(b, "%s%s", i ? sep : "", json_object_get_string(json_object_array_get_idx(list, i)));
}

/* A map as labels.FormatLabels: "k=v,k2=v2" sorted, "<none>" when empty. */
static void format_labels(k8sc__buf *b, struct json_object *map)
{
    k8sc_selector *sel = NULL;
    char *text = NULL;
    if (json_object_is_type(map, json_type_object) && json_object_object_length(map) > 0 &&
        k8sc_selector_from_map(&sel, map) == 0 && k8sc_selector_to_string(&text, sel) == 0)
        k8sc__buf_puts(b, text);
    else
        k8sc__buf_puts(b, "<none>");
    k8sc_free(text);
    k8sc_selector_free(sel);
}

/* formatEndpointSlices for service port `port_name`: up to 3 ready "ip:port", then "+ N more...". */
static void endpoints_text(k8sc__buf *b, const k8sc__describe_input *in, const char *port_name)
{
    size_t shown = 0, count = 0;
    bool any_slice = false;
    for (size_t s = 0; s < in->nrelated; s++) {
        struct json_object *slice = k8sc_object_json(in->related[s]);
        struct json_object *ports = k8sc__dj_get(slice, "ports"), *eps = k8sc__dj_get(slice, "endpoints");
        any_slice = true;
        for (size_t p = 0; p < (arr_len(ports) ? arr_len(ports) : 1); p++) {
            struct json_object *port = arr_len(ports) ? json_object_array_get_idx(ports, p) : NULL;
            if (port && strcmp(k8sc__dj_or(port, "name"), port_name) != 0)
                continue;
            for (size_t e = 0; e < arr_len(eps); e++) {
                struct json_object *ep = json_object_array_get_idx(eps, e), *ready = k8sc__dj_get(ep, "conditions.ready");
                if (ready && !json_object_get_boolean(ready))
                    continue;
                const char *addr = json_object_get_string(json_object_array_get_idx(k8sc__dj_get(ep, "addresses"), 0));
                if (shown < 3) {
                    bool v6 = addr && strchr(addr, ':');
                    if (port)
                        k8sc__buf_printf(b, "%s%s%s%s:%lld", shown ? "," : "", v6 ? "[" : "", addr ? addr : "",
                            v6 ? "]" : "", (long long)k8sc__dj_int(port, "port", 0));
                    else
                        k8sc__buf_printf(b, "%s%s", shown ? "," : "", addr ? addr : "");
                    shown++;
                }
                count++;
            }
        }
    }
    if (!any_slice)
        k8sc__buf_puts(b, "<none>");
    else if (count > 3)
        k8sc__buf_printf(b, " + %zu more...", count - 3);
}

void k8sc__describe_service(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *svc = in->obj, *spec = k8sc__dj_get(svc, "spec");
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__dw_name(w, svc, true);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(svc, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(svc, "metadata.annotations"));
    format_labels(&b, k8sc__dj_get(spec, "selector"));
    k8sc__dw_write(w, 0, "Selector:\t%s\n", b.ptr ? b.ptr : "");
    k8sc__dw_write(w, 0, "Type:\t%s\n", k8sc__dj_or(spec, "type"));
    if (k8sc__dj_str(spec, "ipFamilyPolicy"))
        k8sc__dw_write(w, 0, "IP Family Policy:\t%s\n", k8sc__dj_str(spec, "ipFamilyPolicy"));
    b.len = 0;
    join_strings(&b, k8sc__dj_get(spec, "ipFamilies"), ",");
    k8sc__dw_write(w, 0, "IP Families:\t%s\n", b.len ? b.ptr : "<none>");
    k8sc__dw_write(w, 0, "IP:\t%s\n", k8sc__dj_or(spec, "clusterIP"));
    b.len = 0;
    join_strings(&b, k8sc__dj_get(spec, "clusterIPs"), ",");
    k8sc__dw_write(w, 0, "IPs:\t%s\n", b.len ? b.ptr : "<none>");
    b.len = 0;
    join_strings(&b, k8sc__dj_get(spec, "externalIPs"), ",");
    if (b.len)
        k8sc__dw_write(w, 0, "External IPs:\t%s\n", b.ptr);
    if (*k8sc__dj_or(spec, "loadBalancerIP"))
        k8sc__dw_write(w, 0, "Desired LoadBalancer IP:\t%s\n", k8sc__dj_or(spec, "loadBalancerIP"));
    if (*k8sc__dj_or(spec, "externalName"))
        k8sc__dw_write(w, 0, "External Name:\t%s\n", k8sc__dj_or(spec, "externalName"));
    struct json_object *ports = k8sc__dj_get(spec, "ports");
    for (size_t i = 0; i < arr_len(ports); i++) {
        struct json_object *p = json_object_array_get_idx(ports, i), *tp = k8sc__dj_get(p, "targetPort");
        const char *name = *k8sc__dj_or(p, "name") ? k8sc__dj_or(p, "name") : "<unset>";
        const char *proto = k8sc__dj_or(p, "protocol");
        k8sc__dw_write(w, 0, "Port:\t%s\t%lld/%s\n", name, (long long)k8sc__dj_int(p, "port", 0), proto);
        k8sc__dw_write(w, 0, "TargetPort:\t%s/%s\n", tp ? json_object_get_string(tp) : "0", proto);
        if (k8sc__dj_str(p, "appProtocol"))
            k8sc__dw_write(w, 0, "AppProtocol:\t%s\n", k8sc__dj_str(p, "appProtocol"));
        if (k8sc__dj_int(p, "nodePort", 0))
            k8sc__dw_write(w, 0, "NodePort:\t%s\t%lld/%s\n", name, (long long)k8sc__dj_int(p, "nodePort", 0), proto);
        b.len = 0;
        endpoints_text(&b, in, k8sc__dj_or(p, "name"));
        k8sc__dw_write(w, 0, "Endpoints:\t%s\n", b.ptr ? b.ptr : "");
    }
    k8sc__dw_write(w, 0, "Session Affinity:\t%s\n", k8sc__dj_or(spec, "sessionAffinity"));
    if (*k8sc__dj_or(spec, "externalTrafficPolicy"))
        k8sc__dw_write(w, 0, "External Traffic Policy:\t%s\n", k8sc__dj_or(spec, "externalTrafficPolicy"));
    if (k8sc__dj_str(spec, "internalTrafficPolicy"))
        k8sc__dw_write(w, 0, "Internal Traffic Policy:\t%s\n", k8sc__dj_str(spec, "internalTrafficPolicy"));
    if (k8sc__dj_int(spec, "healthCheckNodePort", 0))
        k8sc__dw_write(w, 0, "HealthCheck NodePort:\t%lld\n", (long long)k8sc__dj_int(spec, "healthCheckNodePort", 0));
    if (k8sc__dj_str(spec, "trafficDistribution"))
        k8sc__dw_write(w, 0, "Traffic Distribution:\t%s\n", k8sc__dj_str(spec, "trafficDistribution"));
    k8sc__buf_free(&b);
    k8sc__dw_events(w, in->events, in->nevents);
}

/* A quantity from a resource list (zero when absent). */
static k8sc_quantity quantity(struct json_object *list, const char *name)
{
    k8sc_quantity q = k8sc_quantity_from_milli(0, K8SC_QUANTITY_DECIMAL_SI);
    const char *s = k8sc__dj_str(list, name);
    if (s)
        k8sc_quantity_parse(&q, s);
    return q;
}

/* The sum of a pod's containers' requests or limits (`which`) of `name`. */
static k8sc_quantity pod_total(struct json_object *pod, const char *which, const char *name)
{
    k8sc_quantity sum = k8sc_quantity_from_milli(0, K8SC_QUANTITY_DECIMAL_SI);
    struct json_object *cs = k8sc__dj_get(pod, "spec.containers");
    char path[64];
    snprintf(path, sizeof(path), "resources.%s", which);
    for (size_t i = 0; i < arr_len(cs); i++) {
        k8sc_quantity q = quantity(k8sc__dj_get(json_object_array_get_idx(cs, i), path), name);
        k8sc_quantity_add(&sum, &sum, &q);
    }
    return sum;
}

static int64_t units(const k8sc_quantity *q, bool milli)
{
    int64_t v = 0;
    if (milli)
        k8sc_quantity_milli(q, &v);
    else
        k8sc_quantity_int(q, &v);
    return v;
}

static void write_allocated(k8sc__dw *w, const k8sc__describe_input *in, struct json_object *alloc)
{
    static const char *const names[] = { "cpu", "memory", "ephemeral-storage" };
    k8sc__dw_write(w, 0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n");
    k8sc__dw_write(w, 1, "Resource\tRequests\tLimits\n");
    k8sc__dw_write(w, 1, "--------\t--------\t------\n");
    for (size_t r = 0; r < K8SC__ARRAY_LEN(names); r++) {
        bool milli = r == 0;
        k8sc_quantity req = k8sc_quantity_from_milli(0, K8SC_QUANTITY_DECIMAL_SI), lim = req;
        for (size_t i = 0; i < in->nrelated; i++) {
            struct json_object *pod = k8sc_object_json(in->related[i]);
            if (strcmp(k8sc__dj_or(pod, "kind"), "Lease") == 0)
                continue;
            k8sc_quantity a = pod_total(pod, "requests", names[r]), b = pod_total(pod, "limits", names[r]);
            k8sc_quantity_add(&req, &req, &a);
            k8sc_quantity_add(&lim, &lim, &b);
        }
        k8sc_quantity cap = quantity(alloc, names[r]);
        int64_t total = units(&cap, milli);
        char rq[K8SC_QUANTITY_BUFSIZE], lq[K8SC_QUANTITY_BUFSIZE];
        k8sc_quantity_format_to(rq, sizeof(rq), &req);
        k8sc_quantity_format_to(lq, sizeof(lq), &lim);
        long long rp = total ? (long long)((double)units(&req, milli) / (double)total * 100) : 0;
        long long lp = total ? (long long)((double)units(&lim, milli) / (double)total * 100) : 0;
        k8sc__dw_write(w, 1, "%s\t%s (%lld%%)\t%s (%lld%%)\n", names[r], rq, rp, lq, lp);
    }
}

static void write_node_pods(k8sc__dw *w, const k8sc__describe_input *in, struct json_object *alloc)
{
    size_t npods = 0;
    for (size_t i = 0; i < in->nrelated; i++)
        if (strcmp(k8sc_object_kind(in->related[i]) ? k8sc_object_kind(in->related[i]) : "", "Lease") != 0)
            npods++;
    k8sc__dw_write(w, 0, "Non-terminated Pods:\t(%zu in total)\n", npods);
    k8sc__dw_write(w, 1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n");
    k8sc__dw_write(w, 1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n");
    k8sc_quantity cpu = quantity(alloc, "cpu"), mem = quantity(alloc, "memory");
    for (size_t i = 0; i < in->nrelated; i++) {
        struct json_object *pod = k8sc_object_json(in->related[i]);
        if (strcmp(k8sc__dj_or(pod, "kind"), "Lease") == 0)
            continue;
        k8sc_quantity q[4] = { pod_total(pod, "requests", "cpu"), pod_total(pod, "limits", "cpu"),
            pod_total(pod, "requests", "memory"), pod_total(pod, "limits", "memory") };
        char text[4][K8SC_QUANTITY_BUFSIZE], age[32];
        long long pct[4];
        for (int k = 0; k < 4; k++) {
            k8sc_quantity_format_to(text[k], sizeof(text[k]), &q[k]);
            int64_t total = k < 2 ? units(&cpu, true) : units(&mem, false);
            pct[k] = total ? (long long)((double)units(&q[k], k < 2) / (double)total * 100) : 0;
        }
        k8sc__describe_age(age, sizeof(age), k8sc__dj_str(pod, "metadata.creationTimestamp"), w->now);
        k8sc__dw_write(w, 1, "%s\t%s\t\t%s (%lld%%)\t%s (%lld%%)\t%s (%lld%%)\t%s (%lld%%)\t%s\n",
            k8sc__dj_or(pod, "metadata.namespace"), k8sc__dj_or(pod, "metadata.name"), text[0], pct[0], text[1],
            pct[1], text[2], pct[2], text[3], pct[3], age);
    }
    write_allocated(w, in, alloc);
}

static int by_effect_key(const void *a, const void *b)
{
    struct json_object *x = *(struct json_object *const *)a, *y = *(struct json_object *const *)b;
    int c = strcmp(k8sc__dj_or(x, "effect"), k8sc__dj_or(y, "effect"));
    return c ? c : strcmp(k8sc__dj_or(x, "key"), k8sc__dj_or(y, "key"));
}

static void write_taints(k8sc__dw *w, struct json_object *taints)
{
    size_t n = arr_len(taints);
    k8sc__dw_write(w, 0, "Taints:\t");
    struct json_object **sorted = n ? k8sc__calloc(n, sizeof(*sorted)) : NULL;
    if (!sorted) {
        k8sc__dw_write(w, 0, "<none>\n");
        return;
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_object_array_get_idx(taints, i);
    qsort(sorted, n, sizeof(*sorted), by_effect_key);
    for (size_t i = 0; i < n; i++) {
        const char *value = k8sc__dj_or(sorted[i], "value");
        if (i)
            k8sc__dw_write(w, 0, "\t");
        k8sc__dw_write(w, 0, "%s%s%s:%s\n", k8sc__dj_or(sorted[i], "key"), *value ? "=" : "", value,
            k8sc__dj_or(sorted[i], "effect"));
    }
    free(sorted);
}

static void write_resource_list(k8sc__dw *w, const char *title, struct json_object *list)
{
    if (!json_object_is_type(list, json_type_object) || json_object_object_length(list) == 0)
        return;
    k8sc__dw_write(w, 0, "%s:\n", title);
    size_t n = 0;
    const char **keys = k8sc__dj_sorted_keys(list, NULL, &n);
    for (size_t i = 0; keys && i < n; i++)
        k8sc__dw_write(w, 0, "  %s:\t%s\n", keys[i], json_object_get_string(json_object_object_get(list, keys[i])));
    free(keys);
}

static void write_node_roles(k8sc__dw *w, struct json_object *labels)
{
    k8sc__buf b = K8SC__BUF_INIT;
    size_t n = json_object_is_type(labels, json_type_object) ? (size_t)json_object_object_length(labels) : 0, count = 0;
    const char **roles = k8sc__calloc(n ? n : 1, sizeof(*roles));
    if (roles && n) {
        json_object_object_foreach(labels, k, v) {
            const char *role = NULL;
            if (strncmp(k, "node-role.kubernetes.io/", 24) == 0 && k[24])
                role = k + 24;
            else if (strcmp(k, "kubernetes.io/role") == 0 && *json_object_get_string(v))
                role = json_object_get_string(v);
            bool dup = false;
            for (size_t i = 0; role && i < count; i++)
                dup |= strcmp(roles[i], role) == 0;
            if (role && !dup)
                roles[count++] = role;
        }
    }
    for (size_t a = 1; a < count; a++)
        for (size_t c = a; c > 0 && strcmp(roles[c - 1], roles[c]) > 0; c--) {
            const char *t = roles[c];
            roles[c] = roles[c - 1];
            roles[c - 1] = t;
        }
    for (size_t i = 0; i < count; i++)
        k8sc__buf_printf(&b, "%s%s", i ? "," : "", roles[i]);
    k8sc__dw_write(w, 0, "Roles:\t%s\n", b.len ? b.ptr : "<none>");
    k8sc__buf_free(&b);
    free(roles);
}

void k8sc__describe_node(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *node = in->obj, *spec = k8sc__dj_get(node, "spec"), *st = k8sc__dj_get(node, "status");
    char t[64], t2[64];
    k8sc__dw_name(w, node, false);
    write_node_roles(w, k8sc__dj_get(node, "metadata.labels"));
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(node, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(node, "metadata.annotations"));
    k8sc__describe_time(t, sizeof(t), k8sc__dj_str(node, "metadata.creationTimestamp"));
    k8sc__dw_write(w, 0, "CreationTimestamp:\t%s\n", t);
    write_taints(w, k8sc__dj_get(spec, "taints"));
    k8sc__dw_write(w, 0, "Unschedulable:\t%s\n",
        json_object_get_boolean(k8sc__dj_get(spec, "unschedulable")) ? "true" : "false");
    struct json_object *lease = NULL;
    for (size_t i = 0; i < in->nrelated && !lease; i++)
        if (strcmp(k8sc_object_kind(in->related[i]) ? k8sc_object_kind(in->related[i]) : "", "Lease") == 0)
            lease = k8sc_object_json(in->related[i]);
    if (lease) {
        k8sc__dw_write(w, 0, "Lease:\n");
        k8sc__dw_write(w, 1, "HolderIdentity:\t%s\n",
            k8sc__dj_str(lease, "spec.holderIdentity") ? k8sc__dj_str(lease, "spec.holderIdentity") : "<unset>");
        k8sc__describe_time(t, sizeof(t), k8sc__dj_str(lease, "spec.acquireTime"));
        k8sc__dw_write(w, 1, "AcquireTime:\t%s\n", *t ? t : "<unset>");
        k8sc__describe_time(t, sizeof(t), k8sc__dj_str(lease, "spec.renewTime"));
        k8sc__dw_write(w, 1, "RenewTime:\t%s\n", *t ? t : "<unset>");
    } else {
        k8sc__dw_write(w, 0, "Lease:\tFailed to get lease: leases.coordination.k8s.io \"%s\" not found\n",
            k8sc__dj_or(node, "metadata.name"));
    }
    struct json_object *conds = k8sc__dj_get(st, "conditions");
    if (arr_len(conds)) {
        k8sc__dw_write(w, 0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n");
        k8sc__dw_write(w, 1, "----\t------\t-----------------\t------------------\t------\t-------\n");
        for (size_t i = 0; i < arr_len(conds); i++) {
            struct json_object *c = json_object_array_get_idx(conds, i);
            k8sc__describe_time(t, sizeof(t), k8sc__dj_str(c, "lastHeartbeatTime"));
            k8sc__describe_time(t2, sizeof(t2), k8sc__dj_str(c, "lastTransitionTime"));
            k8sc__dw_write(w, 1, "%s \t%s \t%s \t%s \t%s \t%s\n", k8sc__dj_or(c, "type"), k8sc__dj_or(c, "status"),
                *t ? t : "Mon, 01 Jan 0001 00:00:00 +0000", *t2 ? t2 : "Mon, 01 Jan 0001 00:00:00 +0000",
                k8sc__dj_or(c, "reason"), k8sc__dj_or(c, "message"));
        }
    }
    k8sc__dw_write(w, 0, "Addresses:\n");
    struct json_object *addrs = k8sc__dj_get(st, "addresses");
    for (size_t i = 0; i < arr_len(addrs); i++) {
        struct json_object *a = json_object_array_get_idx(addrs, i);
        k8sc__dw_write(w, 1, "%s:\t%s\n", k8sc__dj_or(a, "type"), k8sc__dj_or(a, "address"));
    }
    write_resource_list(w, "Capacity", k8sc__dj_get(st, "capacity"));
    write_resource_list(w, "Allocatable", k8sc__dj_get(st, "allocatable"));
    static const char *const info[][2] = { { "machineID", "Machine ID" }, { "systemUUID", "System UUID" },
        { "bootID", "Boot ID" }, { "kernelVersion", "Kernel Version" }, { "osImage", "OS Image" },
        { "operatingSystem", "Operating System" }, { "architecture", "Architecture" },
        { "containerRuntimeVersion", "Container Runtime Version" }, { "kubeletVersion", "Kubelet Version" },
        { "kubeProxyVersion", "Kube-Proxy Version" } };
    k8sc__dw_write(w, 0, "System Info:\n");
    for (size_t i = 0; i < K8SC__ARRAY_LEN(info); i++) {
        char path[64];
        snprintf(path, sizeof(path), "nodeInfo.%s", info[i][0]);
        k8sc__dw_write(w, 0, "  %s:\t%s\n", info[i][1], k8sc__dj_or(st, path));
    }
    if (*k8sc__dj_or(spec, "podCIDR"))
        k8sc__dw_write(w, 0, "PodCIDR:\t%s\n", k8sc__dj_or(spec, "podCIDR"));
    k8sc__buf b = K8SC__BUF_INIT;
    join_strings(&b, k8sc__dj_get(spec, "podCIDRs"), ",");
    if (b.len)
        k8sc__dw_write(w, 0, "PodCIDRs:\t%s\n", b.ptr);
    k8sc__buf_free(&b);
    if (*k8sc__dj_or(spec, "providerID"))
        k8sc__dw_write(w, 0, "ProviderID:\t%s\n", k8sc__dj_or(spec, "providerID"));
    struct json_object *alloc = k8sc__dj_get(st, "allocatable");
    if (!json_object_is_type(alloc, json_type_object) || json_object_object_length(alloc) == 0)
        alloc = k8sc__dj_get(st, "capacity");
    write_node_pods(w, in, alloc);
    k8sc__dw_events(w, in->events, in->nevents);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(k8sc_object_name(*(k8sc_object *const *)a), k8sc_object_name(*(k8sc_object *const *)b));
}

static void write_quotas(k8sc__dw *w, const k8sc__describe_input *in)
{
    k8sc_object **q = k8sc__calloc(in->nrelated ? in->nrelated : 1, sizeof(*q));
    size_t n = 0;
    for (size_t i = 0; q && i < in->nrelated; i++)
        if (strcmp(k8sc_object_kind(in->related[i]) ? k8sc_object_kind(in->related[i]) : "", "ResourceQuota") == 0)
            q[n++] = in->related[i];
    if (n == 0) {
        k8sc__dw_write(w, 0, "No resource quota.\n");
        free(q);
        return;
    }
    qsort(q, n, sizeof(*q), by_name);
    k8sc__dw_write(w, 0, "Resource Quotas\n");
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = k8sc_object_json(q[i]), *hard = k8sc__dj_get(o, "status.hard");
        k8sc__dw_write(w, 1, "Name:\t%s\n", k8sc_object_name(q[i]));
        if (k8sc__dj_len(k8sc__dj_get(o, "spec.scopes")))
            k8sc__describe_quota_scopes(w, 1, k8sc__dj_get(o, "spec.scopes"));
        k8sc__dw_write(w, 1, "Resource\tUsed\tHard\n");
        k8sc__dw_write(w, 1, "--------\t---\t---\n");
        size_t nkeys = 0;
        const char **keys = k8sc__dj_sorted_keys(hard, NULL, &nkeys);
        for (size_t k = 0; keys && k < nkeys; k++) {
            char u[K8SC_QUANTITY_BUFSIZE + 64], h[K8SC_QUANTITY_BUFSIZE + 64];
            const char *used = k8sc__dj_key(k8sc__dj_get(o, "status.used"), keys[k]);
            k8sc__describe_quantity(u, sizeof(u), used ? used : "0");
            k8sc__describe_quantity(h, sizeof(h), k8sc__dj_key(hard, keys[k]));
            k8sc__dw_write(w, 1, "%s\t%s\t%s\n", keys[k], u, h);
        }
        free(keys);
    }
    free(q);
}

static void write_limit_ranges(k8sc__dw *w, const k8sc__describe_input *in)
{
    size_t n = 0;
    for (size_t i = 0; i < in->nrelated; i++)
        if (strcmp(k8sc_object_kind(in->related[i]) ? k8sc_object_kind(in->related[i]) : "", "LimitRange") == 0)
            n++;
    if (n == 0) {
        k8sc__dw_write(w, 0, "No LimitRange resource.\n");
        return;
    }
    k8sc__dw_write(w, 0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request "
                         "Ratio\n");
    k8sc__dw_write(w, 0, " ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n");
    for (size_t i = 0; i < in->nrelated; i++) {
        if (strcmp(k8sc_object_kind(in->related[i]) ? k8sc_object_kind(in->related[i]) : "", "LimitRange") != 0)
            continue;
        struct json_object *limits = k8sc_object_get(in->related[i], "spec.limits");
        for (size_t l = 0; l < arr_len(limits); l++)
            k8sc__describe_limit_item(w, json_object_array_get_idx(limits, l), " ");
    }
}

void k8sc__describe_namespace(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *ns = in->obj;
    char t[64];
    k8sc__dw_name(w, ns, false);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(ns, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(ns, "metadata.annotations"));
    k8sc__dw_write(w, 0, "Status:\t%s\n", k8sc__dj_or(ns, "status.phase"));
    struct json_object *conds = k8sc__dj_get(ns, "status.conditions");
    if (arr_len(conds)) {
        k8sc__dw_write(w, 0, "Conditions:\n");
        k8sc__dw_write(w, 1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n");
        k8sc__dw_write(w, 1, "----\t------\t------------------\t------\t-------\n");
        for (size_t i = 0; i < arr_len(conds); i++) {
            struct json_object *c = json_object_array_get_idx(conds, i);
            k8sc__describe_time(t, sizeof(t), k8sc__dj_str(c, "lastTransitionTime"));
            k8sc__dw_write(w, 1, "%s\t%s\t%s\t%s\t%s\n", k8sc__dj_or(c, "type"), k8sc__dj_or(c, "status"), t,
                k8sc__dj_or(c, "reason"), k8sc__dj_or(c, "message"));
        }
    }
    k8sc__dw_write(w, 0, "\n");
    write_quotas(w, in);
    k8sc__dw_write(w, 0, "\n");
    write_limit_ranges(w, in);
}

static void write_data(k8sc__dw *w, struct json_object *map, bool binary)
{
    size_t n = 0;
    const char **keys = k8sc__dj_sorted_keys(map, NULL, &n);
    for (size_t i = 0; keys && i < n; i++) {
        const char *v = json_object_get_string(json_object_object_get(map, keys[i]));
        if (!binary) {
            k8sc__dw_write(w, 0, "%s:\n----\n%s\n\n", keys[i], v);
            continue;
        }
        size_t len = strlen(v), pad = 0;
        while (pad < len && pad < 2 && v[len - 1 - pad] == '=')
            pad++;
        k8sc__dw_write(w, 0, "%s: %zu bytes\n", keys[i], len / 4 * 3 - pad);
    }
    free(keys);
}

void k8sc__describe_configmap(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *cm = in->obj;
    k8sc__dw_name(w, cm, true);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(cm, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(cm, "metadata.annotations"));
    k8sc__dw_write(w, 0, "\nData\n====\n");
    write_data(w, k8sc__dj_get(cm, "data"), false);
    k8sc__dw_write(w, 0, "\nBinaryData\n====\n");
    write_data(w, k8sc__dj_get(cm, "binaryData"), true);
    k8sc__dw_write(w, 0, "\n");
    k8sc__dw_events(w, in->events, in->nevents);
}
