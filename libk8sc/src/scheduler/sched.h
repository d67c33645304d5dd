/* Internal to the scheduler module: node snapshots, filter and score plugins. */
#ifndef K8SC_SCHED_H
#define K8SC_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "k8sc/object.h"

/* kube-scheduler's stand-ins for pods that request no cpu or memory (scoring only). */
#define K8SC__SCHED_DEFAULT_MILLI_CPU 100
#define K8SC__SCHED_DEFAULT_MEMORY (200LL * 1024 * 1024)

/* What the plugins need of the pod being placed. */
typedef struct k8sc__sched_pod {
    const k8sc_object *pod;
    k8sc_resources *requests;
    int64_t milli_cpu, memory;        /* actual requests */
    int64_t nonzero_cpu, nonzero_mem; /* with the defaults above */
} k8sc__sched_pod;

/* A node and what the pods on it (bound or assumed) take (the NodeInfo of kube-scheduler). */
typedef struct k8sc__sched_node {
    k8sc_object *node;
    const char *name;
    k8sc_resources *allocatable;
    k8sc_resources *requested;
    int64_t milli_cpu, memory;
    int64_t nonzero_cpu, nonzero_mem;
    k8sc_object **pods;
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

int k8sc__sched_pod_init(k8sc__sched_pod *p, const k8sc_object *pod);
void k8sc__sched_pod_clear(k8sc__sched_pod *p);

/* Take a reference to `node` and read its allocatable. */
int k8sc__sched_node_init(k8sc__sched_node *n, k8sc_object *node);
/* Count `pod` (a reference is taken) as running on the node. */
int k8sc__sched_node_add_pod(k8sc__sched_node *n, k8sc_object *pod);
void k8sc__sched_node_clear(k8sc__sched_node *n);

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
 * The assume cache: pods bound by this scheduler that the informer has not
 * shown bound yet, so that their room is counted on their node meanwhile.
 * Thread-safe.
 */
typedef struct k8sc__sched_assumed k8sc__sched_assumed;

int k8sc__sched_assumed_new(k8sc__sched_assumed **out);
void k8sc__sched_assumed_free(k8sc__sched_assumed *a);
/* Record `pod` (copied, with spec.nodeName set to `node`) under `key`. */
int k8sc__sched_assume(k8sc__sched_assumed *a, const char *key, const k8sc_object *pod, const char *node);
void k8sc__sched_forget(k8sc__sched_assumed *a, const char *key);
bool k8sc__sched_is_assumed(k8sc__sched_assumed *a, const char *key);
/*
 * Add to `n` the assumed pods on it that `pods` (the pod cache) does not
 * show bound yet; drop those it shows bound or no longer has.
 */
struct k8sc_cache;
int k8sc__sched_assumed_add_to(k8sc__sched_assumed *a, k8sc__sched_node *n, struct k8sc_cache *pods);

#endif
