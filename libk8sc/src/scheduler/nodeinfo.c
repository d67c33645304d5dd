/* What the pod being placed asks for, and the FitError message. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"

static int64_t milli_of(const k8sc_resources *r, const char *name)
{
    k8sc_quantity q;
    int64_t v = 0;
    if (k8sc_resources_get(r, name, &q) == 0 && k8sc_quantity_milli(&q, &v) == 0)
        return v;
    return 0;
}

static int64_t int_of(const k8sc_resources *r, const char *name)
{
    k8sc_quantity q;
    int64_t v = 0;
    if (k8sc_resources_get(r, name, &q) == 0 && k8sc_quantity_int(&q, &v) == 0)
        return v;
    return 0;
}

/* A container's request for `name`, or `dflt` when it sets none (NonMissingContainerRequests). */
static int64_t container_request(const k8sc_container *c, const char *name, bool milli, int64_t dflt)
{
    k8sc_resources *r = NULL;
    int64_t v = dflt;
    if (k8sc_container_requests(&r, c) == 0 && k8sc_resources_get(r, name, NULL) == 0)
        v = milli ? milli_of(r, name) : int_of(r, name);
    k8sc_resources_free(r);
    return v;
}

/*
 * What the scoring plugins count for `name`: resourcehelper.PodRequests with
 * the defaults for containers that request none (sidecar init containers
 * add to the sum, others raise it), plus the overhead.
 */
static int64_t nonzero_request(const k8sc_object *pod, const char *name, bool milli, int64_t dflt)
{
    int64_t sum = 0, sidecars = 0, init_max = 0;
    k8sc_container c;
    for (size_t i = 0; k8sc_pod_container(&c, pod, K8SC_CONTAINERS, i) == 0; i++)
        sum += container_request(&c, name, milli, dflt);
    for (size_t i = 0; k8sc_pod_container(&c, pod, K8SC_INIT_CONTAINERS, i) == 0; i++) {
        int64_t v = container_request(&c, name, milli, dflt);
        const char *restart = k8sc__json_string(c.json, "restartPolicy");
        if (restart && strcmp(restart, "Always") == 0) {
            sidecars += v;
            v = 0;
        }
        if (sidecars + v > init_max)
            init_max = sidecars + v;
    }
    int64_t total = sum + sidecars > init_max ? sum + sidecars : init_max;
    k8sc_resources *overhead = NULL;
    if (k8sc_resources_from_json(&overhead, k8sc_object_get(pod, "spec.overhead")) == 0)
        total += milli ? milli_of(overhead, name) : int_of(overhead, name);
    k8sc_resources_free(overhead);
    return total;
}

bool k8sc__sched_pod_terminated(const k8sc_object *pod)
{
    const char *phase = k8sc_object_get_string(pod, "status.phase");
    return phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0);
}

/* Whether any container or init container asks for a hostPort. */
static bool wants_host_ports(const k8sc_object *pod)
{
    for (int set = K8SC_CONTAINERS; set <= K8SC_INIT_CONTAINERS; set++) {
        k8sc_container c;
        for (size_t i = 0; k8sc_pod_container(&c, pod, (k8sc_container_set)set, i) == 0; i++) {
            struct json_object *ports = k8sc__json_member(c.json, "ports");
            size_t np = json_object_is_type(ports, json_type_array) ? json_object_array_length(ports) : 0;
            for (size_t j = 0; j < np; j++)
                if (json_object_get_int64(k8sc__json_member(json_object_array_get_idx(ports, j), "hostPort")) > 0)
                    return true;
        }
    }
    return false;
}

/*
 * Whether PodTopologySpread's system defaults apply (helper.DefaultSelector
 * finds a selector): the pod is controlled by a ReplicaSet,
 * ReplicationController or StatefulSet, whose pods share its labels.
 */
static bool controlled_by_workload(const k8sc_object *pod)
{
    struct json_object *refs = k8sc_object_get(pod, "metadata.ownerReferences");
    size_t n = json_object_is_type(refs, json_type_array) ? json_object_array_length(refs) : 0;
    for (size_t i = 0; i < n; i++) {
        const struct json_object *ref = json_object_array_get_idx(refs, i);
        const char *kind = k8sc__json_string(ref, "kind");
        if (!json_object_get_boolean(k8sc__json_member(ref, "controller")) || !kind)
            continue;
        if (strcmp(kind, "ReplicaSet") == 0 || strcmp(kind, "ReplicationController") == 0 ||
            strcmp(kind, "StatefulSet") == 0)
            return true;
    }
    return false;
}

int k8sc__sched_pod_init(k8sc__sched_pod *p, const k8sc_object *pod)
{
    memset(p, 0, sizeof(*p));
    p->pod = pod;
    int rc = k8sc_pod_requests(&p->requests, pod);
    if (rc < 0)
        return rc;
    p->milli_cpu = milli_of(p->requests, "cpu");
    p->memory = int_of(p->requests, "memory");
    p->nonzero_cpu = nonzero_request(pod, "cpu", true, K8SC__SCHED_DEFAULT_MILLI_CPU);
    p->nonzero_mem = nonzero_request(pod, "memory", false, K8SC__SCHED_DEFAULT_MEMORY);
    p->tolerations = k8sc_object_get(pod, "spec.tolerations");
    p->node_selector = k8sc_object_get(pod, "spec.nodeSelector");
    struct json_object *na = k8sc_object_get(pod, "spec.affinity.nodeAffinity");
    p->required_affinity = k8sc__json_member(na, "requiredDuringSchedulingIgnoredDuringExecution");
    p->preferred_affinity = k8sc__json_member(na, "preferredDuringSchedulingIgnoredDuringExecution");
    p->node_name = k8sc_object_get_string(pod, "spec.nodeName");
    p->host_ports = wants_host_ports(pod);
    size_t count = k8sc_resources_count(p->requests);
    for (size_t i = 0; i < count; i++) {
        const char *name;
        k8sc_quantity q;
        if (k8sc_resources_at(p->requests, i, &name, &q) == 0 && k8sc_quantity_sign(&q) > 0 &&
            (strcmp(name, "ephemeral-storage") == 0 || k8sc__sched_scalar_resource(name)))
            p->other_resources = true;
    }
    p->ns = k8sc_object_namespace(pod);
    p->ns = p->ns ? p->ns : "";
    struct json_object *labels = k8sc_object_get(pod, "metadata.labels");
    p->labels = json_object_is_type(labels, json_type_object) ? labels : NULL;
    struct json_object *spread = k8sc_object_get(pod, "spec.topologySpreadConstraints");
    p->spread = json_object_is_type(spread, json_type_array) && json_object_array_length(spread) ? spread : NULL;
    p->default_spread = controlled_by_workload(pod);
    return k8sc__sched_affinity_parse(&p->affinity, pod);
}

void k8sc__sched_pod_clear(k8sc__sched_pod *p)
{
    k8sc_resources_free(p->requests);
    p->requests = NULL;
    k8sc__sched_affinity_free(p->affinity);
    p->affinity = NULL;
}

bool k8sc__sched_scalar_resource(const char *name)
{
    return strchr(name, '/') || strncmp(name, "hugepages-", 10) == 0 || strncmp(name, "attachable-volumes-", 19) == 0;
}

int64_t k8sc__sched_milli_of(const k8sc_resources *r, const char *name)
{
    return milli_of(r, name);
}

int64_t k8sc__sched_int_of(const k8sc_resources *r, const char *name)
{
    return int_of(r, name);
}

void k8sc__sched_hist_clear(k8sc__sched_hist *h)
{
    for (size_t i = 0; i < h->n; i++)
        k8sc_free(h->reasons[i]);
    k8sc_free(h->reasons);
    k8sc_free(h->counts);
    memset(h, 0, sizeof(*h));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "N reason" for each entry, sorted as strings and joined with ", " (sortReasonsHistogram). */
static int put_sorted(k8sc__buf *b, char **items, size_t n)
{
    qsort(items, n, sizeof(*items), cmp_str);
    for (size_t i = 0; i < n; i++)
        k8sc__buf_printf(b, "%s%s", i ? ", " : "", items[i]);
    return k8sc__buf_status(b);
}

int k8sc__sched_hist_message(char **out, const k8sc__sched_hist *h, size_t num_nodes)
{
    /* ErrNoNodesAvailable: kube-scheduler gives up before filtering, so there is no preemption part. */
    if (num_nodes == 0)
        return (*out = k8sc__strdup("no nodes available to schedule pods")) ? 0 : K8SC_ENOMEM;
    k8sc__buf b = { 0 };
    char **items = k8sc__calloc(h->n + 2, sizeof(*items));
    if (!items)
        return K8SC_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < h->n && rc == 0; i++) {
        char head[32];
        snprintf(head, sizeof(head), "%d ", h->counts[i]);
        size_t len = strlen(head) + strlen(h->reasons[i]) + 1;
        if (!(items[i] = k8sc__malloc(len)))
            rc = K8SC_ENOMEM;
        else
            snprintf(items[i], len, "%s%s", head, h->reasons[i]);
    }
    if (rc == 0) {
        k8sc__buf_printf(&b, "0/%zu nodes are available", num_nodes);
        if (h->n)
            k8sc__buf_puts(&b, ": ");
        rc = put_sorted(&b, items, h->n);
    }
    /* The PostFilter (DefaultPreemption) verdict: no pod is ever evicted here, so none helps. */
    char *pre[2] = { NULL, NULL };
    size_t npre = 0;
    if (rc == 0) {
        k8sc__buf_printf(&b, ". preemption: 0/%zu nodes are available", num_nodes);
        char tmp[128];
        if (h->resolvable) {
            snprintf(tmp, sizeof(tmp), "%d No preemption victims found for incoming pod", h->resolvable);
            pre[npre++] = k8sc__strdup(tmp);
        }
        if (h->unresolvable) {
            snprintf(tmp, sizeof(tmp), "%d Preemption is not helpful for scheduling", h->unresolvable);
            pre[npre++] = k8sc__strdup(tmp);
        }
        for (size_t i = 0; i < npre; i++)
            if (!pre[i])
                rc = K8SC_ENOMEM;
        if (rc == 0 && npre)
            k8sc__buf_puts(&b, ": ");
        if (rc == 0)
            rc = put_sorted(&b, pre, npre);
        k8sc__buf_putc(&b, '.');
        if (rc == 0)
            rc = k8sc__buf_status(&b);
    }
    for (size_t i = 0; i < npre; i++)
        k8sc_free(pre[i]);
    for (size_t i = 0; i < h->n; i++)
        k8sc_free(items[i]);
    k8sc_free(items);
    if (rc == 0)
        *out = k8sc__buf_detach(&b, NULL);
    k8sc__buf_free(&b);
    return rc < 0 ? rc : (*out ? 0 : K8SC_ENOMEM);
}
