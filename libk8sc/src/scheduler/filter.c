/*
 * The filter plugins of the default profile, in its order: NodeUnschedulable,
 * NodeName, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit,
 * PodTopologySpread, InterPodAffinity; the first that rejects a node
 * decides. Reasons are kube-scheduler's own strings.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"

static const char *str_or(const struct json_object *obj, const char *key, const char *dflt)
{
    const char *s = k8sc__json_string(obj, key);
    return s && *s ? s : dflt;
}

/* v1.Toleration.ToleratesTaint. */
static bool tolerates(const struct json_object *tols, const char *key, const char *value, const char *effect)
{
    size_t n = json_object_is_type(tols, json_type_array) ? json_object_array_length(tols) : 0;
    for (size_t i = 0; i < n; i++) {
        const struct json_object *t = json_object_array_get_idx(tols, i);
        const char *tkey = str_or(t, "key", ""), *op = str_or(t, "operator", "Equal");
        const char *teffect = str_or(t, "effect", "");
        if (*teffect && strcmp(teffect, effect) != 0)
            continue;
        if (*tkey && strcmp(tkey, key) != 0)
            continue;
        if (strcmp(op, "Exists") == 0)
            return true;
        if (*tkey && strcmp(op, "Equal") == 0 && strcmp(str_or(t, "value", ""), value ? value : "") == 0)
            return true;
    }
    return false;
}

static int add_reason(k8sc__sched_hist *h, const char *reason)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->reasons[i], reason) == 0) {
            h->counts[i]++;
            return 0;
        }
    char **r = k8sc__realloc(h->reasons, (h->n + 1) * sizeof(*r));
    if (!r)
        return K8SC_ENOMEM;
    h->reasons = r;
    int *c = k8sc__realloc(h->counts, (h->n + 1) * sizeof(*c));
    if (!c)
        return K8SC_ENOMEM;
    h->counts = c;
    if (!(h->reasons[h->n] = k8sc__strdup(reason)))
        return K8SC_ENOMEM;
    h->counts[h->n++] = 1;
    return 0;
}

/* Reject the node for `reason`; unresolvable: preemption cannot help. */
static int reject(k8sc__sched_hist *h, const char *reason, bool unresolvable)
{
    if (unresolvable)
        h->unresolvable++;
    else
        h->resolvable++;
    int rc = add_reason(h, reason);
    return rc < 0 ? rc : 0;
}

/* NodeUnschedulable. */
static bool node_schedulable(const k8sc__sched_pod *p, const k8sc__sched_node *n)
{
    return !n->unschedulable || tolerates(p->tolerations, "node.kubernetes.io/unschedulable", "", "NoSchedule");
}

/* NodeName. */
static bool node_name_fits(const k8sc__sched_pod *p, const k8sc__sched_node *n)
{
    return !p->node_name || !*p->node_name || strcmp(p->node_name, n->name) == 0;
}

/* TaintToleration: the first NoSchedule or NoExecute taint the pod does not tolerate, or NULL. */
static const struct json_object *untolerated_taint(const k8sc__sched_pod *p, const k8sc__sched_node *n)
{
    size_t count = n->taints ? json_object_array_length(n->taints) : 0;
    for (size_t i = 0; i < count; i++) {
        const struct json_object *t = json_object_array_get_idx(n->taints, i);
        const char *effect = str_or(t, "effect", "");
        if (strcmp(effect, "NoSchedule") != 0 && strcmp(effect, "NoExecute") != 0)
            continue;
        if (!tolerates(p->tolerations, str_or(t, "key", ""), str_or(t, "value", ""), effect))
            return t;
    }
    return NULL;
}

static bool parse_int(const char *s, long long *out)
{
    char *end;
    if (!s || !*s)
        return false;
    errno = 0;
    *out = strtoll(s, &end, 10);
    return !*end && errno == 0;
}

/* One NodeSelectorRequirement against `value` (NULL: absent). */
static bool requirement_matches(const struct json_object *expr, const char *value)
{
    const char *op = str_or(expr, "operator", "");
    struct json_object *values = k8sc__json_member(expr, "values");
    size_t nv = json_object_is_type(values, json_type_array) ? json_object_array_length(values) : 0;
    bool in = false;
    for (size_t i = 0; value && i < nv; i++) {
        const char *v = json_object_get_string(json_object_array_get_idx(values, i));
        if (v && strcmp(v, value) == 0)
            in = true;
    }
    if (strcmp(op, "In") == 0)
        return in;
    if (strcmp(op, "NotIn") == 0)
        return !in;
    if (strcmp(op, "Exists") == 0)
        return value != NULL;
    if (strcmp(op, "DoesNotExist") == 0)
        return value == NULL;
    if (strcmp(op, "Gt") == 0 || strcmp(op, "Lt") == 0) {
        long long have, want;
        if (!value || nv != 1 || !parse_int(value, &have) ||
            !parse_int(json_object_get_string(json_object_array_get_idx(values, 0)), &want))
            return false;
        return op[0] == 'G' ? have > want : have < want;
    }
    return false;
}

bool k8sc__sched_term_matches(const struct json_object *term, const k8sc_object *node)
{
    struct json_object *exprs = k8sc__json_member(term, "matchExpressions");
    struct json_object *fields = k8sc__json_member(term, "matchFields");
    size_t ne = json_object_is_type(exprs, json_type_array) ? json_object_array_length(exprs) : 0;
    size_t nf = json_object_is_type(fields, json_type_array) ? json_object_array_length(fields) : 0;
    /* An empty term matches no node. */
    if (ne + nf == 0)
        return false;
    for (size_t i = 0; i < ne; i++) {
        const struct json_object *e = json_object_array_get_idx(exprs, i);
        const char *key = str_or(e, "key", "");
        if (!requirement_matches(e, k8sc_object_meta_get(node, K8SC_LABELS, key)))
            return false;
    }
    for (size_t i = 0; i < nf; i++) {
        const struct json_object *f = json_object_array_get_idx(fields, i);
        const char *op = str_or(f, "operator", "");
        /* Only metadata.name with In/NotIn is a valid field requirement. */
        if (strcmp(str_or(f, "key", ""), "metadata.name") != 0 || (strcmp(op, "In") != 0 && strcmp(op, "NotIn") != 0))
            return false;
        if (!requirement_matches(f, k8sc_object_name(node)))
            return false;
    }
    return true;
}

bool k8sc__sched_taints_tolerated(const k8sc__sched_pod *p, const k8sc__sched_node *n)
{
    return !n->taints || !untolerated_taint(p, n);
}

/* NodeAffinity: spec.nodeSelector and the required terms. */
bool k8sc__sched_node_affinity_fits(const k8sc__sched_pod *p, const k8sc__sched_node *n)
{
    if (json_object_is_type(p->node_selector, json_type_object)) {
        json_object_object_foreach(p->node_selector, key, val)
        {
            const char *have = k8sc_object_meta_get(n->node, K8SC_LABELS, key);
            if (!have || strcmp(have, json_object_get_string(val)) != 0)
                return false;
        }
    }
    if (!p->required_affinity)
        return true;
    struct json_object *terms = k8sc__json_member(p->required_affinity, "nodeSelectorTerms");
    size_t nt = json_object_is_type(terms, json_type_array) ? json_object_array_length(terms) : 0;
    for (size_t i = 0; i < nt; i++)
        if (k8sc__sched_term_matches(json_object_array_get_idx(terms, i), n->node))
            return true;
    return false;
}

/* Call fn for every hostPort a pod asks for; stop at a non-zero return. */
static int foreach_host_port(const k8sc_object *pod,
    int (*fn)(const char *ip, const char *proto, int64_t port, void *ud), void *ud)
{
    for (int set = K8SC_CONTAINERS; set <= K8SC_INIT_CONTAINERS; set++) {
        size_t nc = k8sc_pod_container_count(pod, (k8sc_container_set)set);
        for (size_t i = 0; i < nc; i++) {
            k8sc_container c;
            if (k8sc_pod_container(&c, pod, (k8sc_container_set)set, i) < 0)
                continue;
            struct json_object *ports = k8sc__json_member(c.json, "ports");
            size_t np = json_object_is_type(ports, json_type_array) ? json_object_array_length(ports) : 0;
            for (size_t j = 0; j < np; j++) {
                const struct json_object *pt = json_object_array_get_idx(ports, j);
                int64_t hp = json_object_get_int64(k8sc__json_member(pt, "hostPort"));
                if (hp <= 0)
                    continue;
                int rc = fn(str_or(pt, "hostIP", "0.0.0.0"), str_or(pt, "protocol", "TCP"), hp, ud);
                if (rc)
                    return rc;
            }
        }
    }
    return 0;
}

typedef struct port_probe {
    const char *ip, *proto;
    int64_t port;
} port_probe;

static int port_clashes(const char *ip, const char *proto, int64_t port, void *ud)
{
    const port_probe *want = ud;
    return port == want->port && strcmp(proto, want->proto) == 0 &&
        (strcmp(ip, want->ip) == 0 || strcmp(ip, "0.0.0.0") == 0 || strcmp(want->ip, "0.0.0.0") == 0);
}

static int port_used_on_node(const char *ip, const char *proto, int64_t port, void *ud)
{
    const k8sc__sched_node *n = ud;
    port_probe probe = { ip, proto, port };
    for (size_t i = 0; i < n->npods; i++)
        if (n->pods[i]->host_ports && foreach_host_port(n->pods[i]->pod, port_clashes, &probe))
            return 1;
    return 0;
}

/* NodePorts. */
static bool ports_fit(const k8sc__sched_pod *p, const k8sc__sched_node *n)
{
    return !p->host_ports || foreach_host_port(p->pod, port_used_on_node, (void *)n) == 0;
}

/* NodeResourcesFit: the pod count, cpu, memory, ephemeral-storage and scalar resources (fitsRequest). */
static int resources_fit(const k8sc__sched_pod *p, const k8sc__sched_node *n, k8sc__sched_hist *h)
{
    int rejected = 0, rc;
    if ((int64_t)n->npods + 1 > n->alloc_pods) {
        if ((rc = add_reason(h, "Too many pods")) < 0)
            return rc;
        rejected = 1;
    }
    if (p->milli_cpu > 0 && n->milli_cpu + p->milli_cpu > n->alloc_cpu) {
        if ((rc = add_reason(h, "Insufficient cpu")) < 0)
            return rc;
        rejected = 1;
    }
    if (p->memory > 0 && n->memory + p->memory > n->alloc_mem) {
        if ((rc = add_reason(h, "Insufficient memory")) < 0)
            return rc;
        rejected = 1;
    }
    size_t count = p->other_resources ? k8sc_resources_count(p->requests) : 0;
    for (size_t i = 0; i < count; i++) {
        const char *name;
        k8sc_quantity q;
        int64_t want = 0;
        if (k8sc_resources_at(p->requests, i, &name, &q) < 0 || k8sc_quantity_int(&q, &want) < 0 || want <= 0)
            continue;
        /* Resources the scheduler does not track (no domain, not hugepages-*) are not checked. */
        if (strcmp(name, "ephemeral-storage") != 0 && !k8sc__sched_scalar_resource(name))
            continue;
        if (want <= k8sc__sched_int_of(n->allocatable, name) - k8sc__sched_int_of(n->requested, name))
            continue;
        char reason[300];
        snprintf(reason, sizeof(reason), "Insufficient %s", name);
        if ((rc = add_reason(h, reason)) < 0)
            return rc;
        rejected = 1;
    }
    if (rejected)
        h->resolvable++;
    return rejected ? 0 : 1;
}

int k8sc__sched_filter(k8sc__sched_cycle *cy, const k8sc__sched_pod *p, const k8sc__sched_node *n,
    k8sc__sched_hist *h)
{
    const bool *on = cy->profile->filter;
    if (on[K8SC__SCHED_NODE_UNSCHEDULABLE] && !node_schedulable(p, n))
        return reject(h, "node(s) were unschedulable", true);
    if (on[K8SC__SCHED_NODE_NAME] && !node_name_fits(p, n))
        return reject(h, "node(s) didn't match the requested node name", true);
    const struct json_object *taint = on[K8SC__SCHED_TAINT_TOLERATION] ? untolerated_taint(p, n) : NULL;
    if (taint) {
        char reason[700];
        snprintf(reason, sizeof(reason), "node(s) had untolerated taint {%s: %s}", str_or(taint, "key", ""),
            str_or(taint, "value", ""));
        return reject(h, reason, true);
    }
    if (on[K8SC__SCHED_NODE_AFFINITY] && !k8sc__sched_node_affinity_fits(p, n))
        return reject(h, "node(s) didn't match Pod's node affinity/selector", true);
    if (on[K8SC__SCHED_NODE_PORTS] && !ports_fit(p, n))
        return reject(h, "node(s) didn't have free ports for the requested pod ports", false);
    if (on[K8SC__SCHED_NODE_RESOURCES_FIT]) {
        int rc = resources_fit(p, n, h);
        if (rc <= 0)
            return rc;
    }
    bool unresolvable = false;
    const char *why = NULL;
    if (cy->state[K8SC__SCHED_POD_TOPOLOGY_SPREAD] && on[K8SC__SCHED_POD_TOPOLOGY_SPREAD])
        why = k8sc__sched_spread_filter(cy->state[K8SC__SCHED_POD_TOPOLOGY_SPREAD], p, n, &unresolvable);
    if (!why && cy->state[K8SC__SCHED_INTER_POD_AFFINITY] && on[K8SC__SCHED_INTER_POD_AFFINITY])
        why = k8sc__sched_interpod_filter(cy->state[K8SC__SCHED_INTER_POD_AFFINITY], p, n, &unresolvable);
    return why ? reject(h, why, unresolvable) : 1;
}
