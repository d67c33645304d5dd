/*
 * Scheduling profiles: kube-scheduler 1.32's default profile, the built-in
 * plugins' names, and the per-pod cycle state the plugins share.
 */
#include <string.h>

#include "sched.h"

static const char *const names[K8SC__SCHED_PLUGIN_COUNT] = {
    [K8SC__SCHED_NODE_UNSCHEDULABLE] = "NodeUnschedulable",
    [K8SC__SCHED_NODE_NAME] = "NodeName",
    [K8SC__SCHED_TAINT_TOLERATION] = "TaintToleration",
    [K8SC__SCHED_NODE_AFFINITY] = "NodeAffinity",
    [K8SC__SCHED_NODE_PORTS] = "NodePorts",
    [K8SC__SCHED_NODE_RESOURCES_FIT] = "NodeResourcesFit",
    [K8SC__SCHED_POD_TOPOLOGY_SPREAD] = "PodTopologySpread",
    [K8SC__SCHED_INTER_POD_AFFINITY] = "InterPodAffinity",
    [K8SC__SCHED_NODE_RESOURCES_BALANCED_ALLOCATION] = "NodeResourcesBalancedAllocation",
    [K8SC__SCHED_IMAGE_LOCALITY] = "ImageLocality",
};

/* The default profile's score weights (pkg/scheduler/apis/config/v1/default_plugins.go). */
static const int default_weights[K8SC__SCHED_PLUGIN_COUNT] = {
    [K8SC__SCHED_TAINT_TOLERATION] = 3,
    [K8SC__SCHED_NODE_AFFINITY] = 2,
    [K8SC__SCHED_NODE_RESOURCES_FIT] = 1,
    [K8SC__SCHED_POD_TOPOLOGY_SPREAD] = 2,
    [K8SC__SCHED_INTER_POD_AFFINITY] = 2,
    [K8SC__SCHED_NODE_RESOURCES_BALANCED_ALLOCATION] = 1,
    [K8SC__SCHED_IMAGE_LOCALITY] = 1,
};

void k8sc__sched_profile_default(k8sc__sched_profile *p)
{
    memset(p, 0, sizeof(*p));
    for (int i = 0; i < K8SC__SCHED_PLUGIN_COUNT; i++) {
        p->filter[i] = true;
        p->weight[i] = default_weights[i];
    }
    p->strategy = K8SC__SCHED_LEAST_ALLOCATED;
    strcpy(p->resources[0].name, "cpu");
    p->resources[0].weight = 1;
    strcpy(p->resources[1].name, "memory");
    p->resources[1].weight = 1;
    p->nresources = 2;
    p->hard_pod_affinity_weight = 1;
    p->system_default_spread = true;
}

const char *k8sc__sched_plugin_name(k8sc__sched_plugin id)
{
    return (unsigned)id < K8SC__SCHED_PLUGIN_COUNT ? names[id] : NULL;
}

int k8sc__sched_plugin_lookup(const char *name)
{
    for (int i = 0; name && i < K8SC__SCHED_PLUGIN_COUNT; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

/*
 * PreFilter: the plugins that look across nodes count, once for the cycle,
 * what their filters then read per node. Pods that ask for none of it
 * leave the state NULL and cost nothing more.
 */
int k8sc__sched_cycle_init(k8sc__sched_cycle *cy, const k8sc__sched_profile *prof, const k8sc__sched_pod *p,
    k8sc__sched_node *const *nodes, size_t count)
{
    memset(cy, 0, sizeof(*cy));
    cy->profile = prof;
    cy->nodes = nodes;
    cy->count = count;
    int rc = 0;
    if (prof->filter[K8SC__SCHED_POD_TOPOLOGY_SPREAD])
        rc = k8sc__sched_spread_prefilter(&cy->state[K8SC__SCHED_POD_TOPOLOGY_SPREAD], cy, p);
    if (rc == 0 && prof->filter[K8SC__SCHED_INTER_POD_AFFINITY])
        rc = k8sc__sched_interpod_prefilter(&cy->state[K8SC__SCHED_INTER_POD_AFFINITY], cy, p);
    if (rc < 0)
        k8sc__sched_cycle_clear(cy);
    return rc;
}

void k8sc__sched_cycle_clear(k8sc__sched_cycle *cy)
{
    k8sc__sched_spread_free(cy->state[K8SC__SCHED_POD_TOPOLOGY_SPREAD]);
    k8sc__sched_interpod_free(cy->state[K8SC__SCHED_INTER_POD_AFFINITY]);
    for (int i = 0; i < K8SC__SCHED_PLUGIN_COUNT; i++)
        cy->state[i] = NULL;
}

static int cycle_update(k8sc__sched_cycle *cy, const k8sc__sched_pod *p, const k8sc__sched_pod_info *pi, int delta)
{
    int rc = 0;
    if (cy->state[K8SC__SCHED_POD_TOPOLOGY_SPREAD])
        rc = k8sc__sched_spread_update(cy->state[K8SC__SCHED_POD_TOPOLOGY_SPREAD], p, pi, delta);
    if (rc == 0 && cy->state[K8SC__SCHED_INTER_POD_AFFINITY])
        rc = k8sc__sched_interpod_update(cy->state[K8SC__SCHED_INTER_POD_AFFINITY], p, pi, delta);
    return rc;
}

int k8sc__sched_cycle_remove_pod(k8sc__sched_cycle *cy, const k8sc__sched_pod *p, const k8sc__sched_pod_info *victim)
{
    return cycle_update(cy, p, victim, -1);
}

int k8sc__sched_cycle_add_pod(k8sc__sched_cycle *cy, const k8sc__sched_pod *p, const k8sc__sched_pod_info *pod)
{
    return cycle_update(cy, p, pod, 1);
}
