/* Internal to the scheduler module: the cache of nodes, filter and score plugins. */
#ifndef K8SC_SCHED_H
#define K8SC_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controller/controller_internal.h"
#include "internal.h"
#include "k8sc/object.h"

/* kube-scheduler's stand-ins for pods that request no cpu or memory (scoring only). */
#define K8SC__SCHED_DEFAULT_MILLI_CPU 100
#define K8SC__SCHED_DEFAULT_MEMORY (200LL * 1024 * 1024)

/* What the plugins need of the pod being placed, read once per scheduling cycle. */
typedef struct k8sc__sched_pod {
    const k8sc_object *pod;
    k8sc_resources *requests;
    int64_t milli_cpu, memory;        /* actual requests */
    int64_t nonzero_cpu, nonzero_mem; /* with the defaults above */
    /* Borrowed from the pod (NULL when absent). */
    struct json_object *tolerations, *node_selector, *required_affinity, *preferred_affinity;
    const char *node_name;
    bool host_ports;      /* some container asks for a hostPort */
    bool other_resources; /* asks for something besides cpu, memory and pods */
} k8sc__sched_pod;

struct k8sc__sched_node;

/* A pod the cache counts on a node: bound (seen so by the informer) or assumed by this scheduler. */
typedef struct k8sc__sched_pod_info {
    k8sc__keynode kn; /* "namespace/name" in the cache's pod map */
    k8sc_object *pod;
    struct k8sc__sched_node *node;
    k8sc_resources *requests;
    int64_t milli_cpu, memory, nonzero_cpu, nonzero_mem;
    bool host_ports;
    bool assumed; /* bound by us; the informer has not shown it bound yet */
} k8sc__sched_pod_info;

/* A node and what the pods on it take (the NodeInfo of kube-scheduler), kept current by the cache. */
typedef struct k8sc__sched_node {
    k8sc__keynode kn;   /* the node's name in the cache's node map */
    k8sc_object *node;  /* NULL while only pods name it */
    const char *name;
    k8sc_resources *allocatable;
    k8sc_resources *requested;
    int64_t alloc_cpu, alloc_mem, alloc_pods;
    bool unschedulable;
    struct json_object *taints; /* borrowed from `node` */
    int64_t milli_cpu, memory;
    int64_t nonzero_cpu, nonzero_mem;
    k8sc__sched_pod_info **pods;
    size_t npods, cap;
} k8sc__sched_node;

/* Failure reasons over all nodes, counted (kube-scheduler's NodeToStatus histogram). */
typedef struct k8sc__sched_hist {
    char **reasons;
    int *counts;
    size_t n;
    int unresolvable; /* nodes rejected by a plugin that preemption cannot help */
    int resolvable;   /* nodes rejected for room that evicting pods could make */
} k8sc__sched_hist;

/* Read a pod's requests and the fields the plugins use (EINVAL for malformed requests). */
int k8sc__sched_pod_init(k8sc__sched_pod *p, const k8sc_object *pod);
void k8sc__sched_pod_clear(k8sc__sched_pod *p);

/* The amount of `name` in `r`: in thousandths (cpu) or whole units (0 when absent or malformed). */
int64_t k8sc__sched_milli_of(const k8sc_resources *r, const char *name);
int64_t k8sc__sched_int_of(const k8sc_resources *r, const char *name);

/* Whether a pod takes no room any more (Succeeded or Failed). */
bool k8sc__sched_pod_terminated(const k8sc_object *pod);

/* Run the filters on one node: 1 if it fits, 0 if not (reasons counted in `h`), < 0 on error. */
int k8sc__sched_filter(const k8sc__sched_pod *p, const k8sc__sched_node *n, k8sc__sched_hist *h);

/* The weighted, normalised score of each node in `scores`. */
int k8sc__sched_score(const k8sc__sched_pod *p, k8sc__sched_node *const *nodes, size_t count, int64_t *scores);

/* kube-scheduler's FitError message for `num_nodes` nodes (ErrNoNodesAvailable's for none). `*out` is the caller's. */
int k8sc__sched_hist_message(char **out, const k8sc__sched_hist *h, size_t num_nodes);
void k8sc__sched_hist_clear(k8sc__sched_hist *h);

/* Whether the node affinity term (a NodeSelectorTerm) matches `node`. */
bool k8sc__sched_term_matches(const struct json_object *term, const k8sc_object *node);

/*
 * The scheduler's cache (kube-scheduler's internal/cache): every node with
 * the pods bound or assumed on it, kept current by informer events so that a
 * scheduling cycle reads it as it is, without rebuilding anything. Not
 * locked by its functions: callers hold k8sc__sched_cache_lock.
 */
typedef struct k8sc__sched_cache k8sc__sched_cache;

int k8sc__sched_cache_new(k8sc__sched_cache **out);
void k8sc__sched_cache_free(k8sc__sched_cache *c);
void k8sc__sched_cache_lock(k8sc__sched_cache *c);
void k8sc__sched_cache_unlock(k8sc__sched_cache *c);
/* A node added or changed (a reference is taken). */
int k8sc__sched_cache_set_node(k8sc__sched_cache *c, const k8sc_object *node);
void k8sc__sched_cache_remove_node(k8sc__sched_cache *c, const char *name);
/* A pod added or changed: counted on its node while bound and not terminated. */
int k8sc__sched_cache_set_pod(k8sc__sched_cache *c, const k8sc_object *pod);
void k8sc__sched_cache_remove_pod(k8sc__sched_cache *c, const k8sc_object *pod);
/* Count `pod` (copied, spec.nodeName set) on `node` before the API shows it bound. */
int k8sc__sched_cache_assume(k8sc__sched_cache *c, const k8sc_object *pod, const char *node);
/* Undo an assume whose binding failed (nothing if the pod is no longer assumed). */
void k8sc__sched_cache_forget(k8sc__sched_cache *c, const char *ns, const char *name);
bool k8sc__sched_cache_is_assumed(k8sc__sched_cache *c, const char *ns, const char *name);
/* The nodes (with a Node object), sorted by name; valid until the cache changes. */
k8sc__sched_node *const *k8sc__sched_cache_nodes(k8sc__sched_cache *c, size_t *count);

#endif
