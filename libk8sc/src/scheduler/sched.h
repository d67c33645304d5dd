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

/* Kinds of pod (anti-)affinity terms, as framework.PodInfo keeps them. */
typedef enum k8sc__sched_term_kind {
    K8SC__SCHED_AFFINITY,           /* podAffinity required */
    K8SC__SCHED_ANTI_AFFINITY,      /* podAntiAffinity required */
    K8SC__SCHED_PREFERRED_AFFINITY, /* podAffinity preferred (weighted) */
    K8SC__SCHED_PREFERRED_ANTI_AFFINITY,
    K8SC__SCHED_TERM_KINDS
} k8sc__sched_term_kind;

/* A pod affinity term (framework.AffinityTerm); strings borrowed from the pod. */
typedef struct k8sc__sched_term {
    k8sc_selector *selector;
    k8sc_selector *ns_selector; /* NULL: none (nil selects nothing) */
    const char **namespaces;    /* the pod's own when neither namespaces nor namespaceSelector is set */
    size_t nns;
    const char *topology_key;
    int64_t weight; /* preferred terms */
} k8sc__sched_term;

typedef struct k8sc__sched_affinity {
    k8sc__sched_term *terms[K8SC__SCHED_TERM_KINDS];
    size_t n[K8SC__SCHED_TERM_KINDS];
} k8sc__sched_affinity;

/* The pod's pod (anti-)affinity terms; `*out` NULL when it has none. EINVAL on a bad selector. */
int k8sc__sched_affinity_parse(k8sc__sched_affinity **out, const k8sc_object *pod);
void k8sc__sched_affinity_free(k8sc__sched_affinity *a);

struct k8sc__sched_cache;

/*
 * AffinityTerm.Matches: a pod in namespace `ns` with `labels`; the labels
 * of namespaces come from `cache` when the term has a namespaceSelector.
 */
bool k8sc__sched_term_matches_pod(const k8sc__sched_term *t, const char *ns, const struct json_object *labels,
    struct k8sc__sched_cache *cache);

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
    bool other_resources; /* asks for ephemeral-storage or a scalar resource (extended, hugepages-*) */
    const char *ns;
    struct json_object *labels;         /* borrowed; NULL when none */
    k8sc__sched_affinity *affinity;     /* owned; NULL without pod (anti-)affinity */
    struct json_object *spread;         /* spec.topologySpreadConstraints (NULL when none) */
    bool default_spread;                /* controlled by a ReplicaSet, ReplicationController or StatefulSet */
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
    bool assumed;     /* bound by us; the informer has not shown it bound yet */
    bool terminating; /* metadata.deletionTimestamp is set */
    const char *ns;
    struct json_object *labels;     /* borrowed from `pod` */
    k8sc__sched_affinity *affinity; /* owned; NULL without pod (anti-)affinity */
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
    struct k8sc__sched_cache *cache; /* the cache holding the node */
    size_t with_affinity;            /* pods with pod affinity or anti-affinity of any kind */
    size_t with_anti_affinity;       /* pods with required anti-affinity */
    k8sc__keymap images;             /* status.images[].names[] -> k8sc__sched_image */
} k8sc__sched_node;

/* An image a node has (NodeInfo.ImageStates). */
typedef struct k8sc__sched_image {
    k8sc__keynode kn;
    int64_t size;
} k8sc__sched_image;

/* Failure reasons over all nodes, counted (kube-scheduler's NodeToStatus histogram). */
typedef struct k8sc__sched_hist {
    char **reasons;
    int *counts;
    size_t n;
    int unresolvable; /* nodes rejected by a plugin that preemption cannot help */
    int resolvable;   /* nodes rejected for room that evicting pods could make */
} k8sc__sched_hist;

/* The built-in plugins, in the default profile's filter order. */
typedef enum k8sc__sched_plugin {
    K8SC__SCHED_NODE_UNSCHEDULABLE,
    K8SC__SCHED_NODE_NAME,
    K8SC__SCHED_TAINT_TOLERATION,
    K8SC__SCHED_NODE_AFFINITY,
    K8SC__SCHED_NODE_PORTS,
    K8SC__SCHED_NODE_RESOURCES_FIT,
    K8SC__SCHED_POD_TOPOLOGY_SPREAD,
    K8SC__SCHED_INTER_POD_AFFINITY,
    K8SC__SCHED_NODE_RESOURCES_BALANCED_ALLOCATION,
    K8SC__SCHED_IMAGE_LOCALITY,
    K8SC__SCHED_PLUGIN_COUNT
} k8sc__sched_plugin;

/* NodeResourcesFit's scoringStrategy.type. */
typedef enum k8sc__sched_strategy {
    K8SC__SCHED_LEAST_ALLOCATED,
    K8SC__SCHED_MOST_ALLOCATED,
    K8SC__SCHED_REQUESTED_TO_CAPACITY_RATIO
} k8sc__sched_strategy;

#define K8SC__SCHED_MAX_RESOURCES 8
#define K8SC__SCHED_MAX_SHAPE 10

/*
 * A scheduling profile (KubeSchedulerConfiguration's profiles[]): which
 * built-in plugins filter, their score weights, and the plugins' args.
 */
typedef struct k8sc__sched_profile {
    bool filter[K8SC__SCHED_PLUGIN_COUNT]; /* runs as a filter (plugins without a filter ignore it) */
    int weight[K8SC__SCHED_PLUGIN_COUNT];  /* score weight; 0: does not score */
    /* NodeResourcesFitArgs.scoringStrategy: type, resources (default cpu 1, memory 1), shape for RequestedToCapacityRatio. */
    k8sc__sched_strategy strategy;
    struct {
        char name[64];
        int64_t weight;
    } resources[K8SC__SCHED_MAX_RESOURCES];
    size_t nresources;
    struct {
        int64_t utilization, score; /* 0..100, 0..10 as in the configuration */
    } shape[K8SC__SCHED_MAX_SHAPE];
    size_t nshape;
    /* InterPodAffinityArgs. */
    int64_t hard_pod_affinity_weight;         /* default 1 */
    bool ignore_preferred_terms_of_existing_pods;
    /* PodTopologySpreadArgs.defaultingType: true = System (the built-in defaults), false = List (none). */
    bool system_default_spread;
} k8sc__sched_profile;

/* Fill `p` with kube-scheduler 1.32's default profile. */
void k8sc__sched_profile_default(k8sc__sched_profile *p);
/* A built-in plugin's name ("NodeResourcesFit"), and the id of a name (-1 when unknown). */
const char *k8sc__sched_plugin_name(k8sc__sched_plugin id);
int k8sc__sched_plugin_lookup(const char *name);

/*
 * One scheduling cycle of one pod (kube-scheduler's CycleState): the
 * profile, every node (for plugins that look across nodes: pod topology
 * spread, inter-pod affinity) and the plugins' pre-filter / pre-score
 * state, computed by k8sc__sched_cycle_init. Borrowed pointers must
 * outlive the cycle; the cache's lock is held for its whole life.
 */
typedef struct k8sc__sched_cycle {
    const k8sc__sched_profile *profile;
    k8sc__sched_node *const *nodes;
    size_t count;
    void *state[K8SC__SCHED_PLUGIN_COUNT]; /* owned by each plugin, freed by k8sc__sched_cycle_clear */
} k8sc__sched_cycle;

int k8sc__sched_cycle_init(k8sc__sched_cycle *cy, const k8sc__sched_profile *prof, const k8sc__sched_pod *p,
    k8sc__sched_node *const *nodes, size_t count);
void k8sc__sched_cycle_clear(k8sc__sched_cycle *cy);
/*
 * Preemption's what-if (the framework's AddPod/RemovePod): a pod on node
 * `pod->node` (NULL: ignored) goes away / comes back in the plugins'
 * pre-filter state (PodTopologySpread, InterPodAffinity).
 */
int k8sc__sched_cycle_remove_pod(k8sc__sched_cycle *cy, const k8sc__sched_pod *p,
    const k8sc__sched_pod_info *victim);
int k8sc__sched_cycle_add_pod(k8sc__sched_cycle *cy, const k8sc__sched_pod *p,
    const k8sc__sched_pod_info *pod);

/*
 * Fill `pi` from `p`, read from `pod` (a reference is taken): what `p`
 * owned (requests, affinity) moves to `pi`, so clearing `p` after is
 * harmless. `pi->node` is left as it is: set it to the pod's node before
 * handing `pi` to k8sc__sched_cycle_add_pod.
 */
void k8sc__sched_pod_info_set(k8sc__sched_pod_info *pi, k8sc__sched_pod *p, const k8sc_object *pod);
/* Free what `pi` owns (the pod reference, requests, affinity), not `pi` itself. */
void k8sc__sched_pod_info_release(k8sc__sched_pod_info *pi);

/* Read a pod's requests and the fields the plugins use (EINVAL for malformed requests). */
int k8sc__sched_pod_init(k8sc__sched_pod *p, const k8sc_object *pod);
void k8sc__sched_pod_clear(k8sc__sched_pod *p);

/* The amount of `name` in `r`: in thousandths (cpu) or whole units (0 when absent or malformed). */
int64_t k8sc__sched_milli_of(const k8sc_resources *r, const char *name);
int64_t k8sc__sched_int_of(const k8sc_resources *r, const char *name);

/* schedutil.IsScalarResourceName: extended (with a domain), hugepages-*, attachable-volumes-*. */
bool k8sc__sched_scalar_resource(const char *name);

/* Whether a pod takes no room any more (Succeeded or Failed). */
bool k8sc__sched_pod_terminated(const k8sc_object *pod);

/* Run the profile's filters on one node: 1 if it fits, 0 if not (reasons counted in `h`), < 0 on error. */
int k8sc__sched_filter(k8sc__sched_cycle *cy, const k8sc__sched_pod *p, const k8sc__sched_node *n,
    k8sc__sched_hist *h);

/* The profile's weighted, normalised score of each node in `scores`. */
int k8sc__sched_score(k8sc__sched_cycle *cy, const k8sc__sched_pod *p, k8sc__sched_node *const *nodes, size_t count,
    int64_t *scores);

/* kube-scheduler's FitError message for `num_nodes` nodes (ErrNoNodesAvailable's for none). `*out` is the caller's. */
int k8sc__sched_hist_message(char **out, const k8sc__sched_hist *h, size_t num_nodes);
void k8sc__sched_hist_clear(k8sc__sched_hist *h);

/* Whether the node affinity term (a NodeSelectorTerm) matches `node`. */
bool k8sc__sched_term_matches(const struct json_object *term, const k8sc_object *node);
/* The pod's nodeSelector and required node affinity (RequiredNodeAffinity.Match). */
bool k8sc__sched_node_affinity_fits(const k8sc__sched_pod *p, const k8sc__sched_node *n);
/* Whether the pod tolerates every NoSchedule and NoExecute taint of the node. */
bool k8sc__sched_taints_tolerated(const k8sc__sched_pod *p, const k8sc__sched_node *n);

/* Counts per topology pair (topologyKey, value), entries dropped at zero. */
typedef struct k8sc__sched_tpcount {
    k8sc__keynode kn;
    int64_t count;
} k8sc__sched_tpcount;
int k8sc__sched_tp_add(k8sc__keymap *m, const char *key, const char *value, int64_t delta);
int64_t k8sc__sched_tp_get(const k8sc__keymap *m, const char *key, const char *value);
/* A node's label (NULL when absent). */
const char *k8sc__sched_node_label(const k8sc__sched_node *n, const char *key);

/*
 * The plugins that look across nodes. Each prefilter leaves its state in
 * `*out` (NULL: nothing to check for this pod), which update (the pod `pi`
 * added with delta 1 or removed with -1), filter and free take. A filter
 * returns NULL when the node fits, else kube-scheduler's reason, with
 * `*unresolvable` set when preemption cannot help. A score plugin fills
 * `scores` with normalised 0..100 values (all 0 when it has nothing to say).
 */
int k8sc__sched_interpod_prefilter(void **out, const k8sc__sched_cycle *cy, const k8sc__sched_pod *p);
int k8sc__sched_interpod_update(void *state, const k8sc__sched_pod *p, const k8sc__sched_pod_info *pi, int delta);
const char *k8sc__sched_interpod_filter(const void *state, const k8sc__sched_pod *p, const k8sc__sched_node *n,
    bool *unresolvable);
void k8sc__sched_interpod_free(void *state);
int k8sc__sched_interpod_score(const k8sc__sched_cycle *cy, const k8sc__sched_pod *p, k8sc__sched_node *const *nodes,
    size_t count, int64_t *scores);

int k8sc__sched_spread_prefilter(void **out, const k8sc__sched_cycle *cy, const k8sc__sched_pod *p);
int k8sc__sched_spread_update(void *state, const k8sc__sched_pod *p, const k8sc__sched_pod_info *pi, int delta);
const char *k8sc__sched_spread_filter(const void *state, const k8sc__sched_pod *p, const k8sc__sched_node *n,
    bool *unresolvable);
void k8sc__sched_spread_free(void *state);
int k8sc__sched_spread_score(const k8sc__sched_cycle *cy, const k8sc__sched_pod *p, k8sc__sched_node *const *nodes,
    size_t count, int64_t *scores);

int k8sc__sched_image_score(const k8sc__sched_cycle *cy, const k8sc__sched_pod *p, k8sc__sched_node *const *nodes,
    size_t count, int64_t *scores);

/* NodeResourcesFit's score of one node (0..100) by the profile's strategy, resources and shape. */
int64_t k8sc__sched_fit_score(const k8sc__sched_profile *prof, const k8sc__sched_pod *p, const k8sc__sched_node *n);

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
/* A Namespace added or changed (its labels select pods for namespaceSelector), or gone. */
int k8sc__sched_cache_set_namespace(k8sc__sched_cache *c, const k8sc_object *ns);
void k8sc__sched_cache_remove_namespace(k8sc__sched_cache *c, const char *name);
/* The labels of namespace `name` (borrowed; NULL when unknown or unlabelled). */
const struct json_object *k8sc__sched_cache_namespace_labels(k8sc__sched_cache *c, const char *name);
/* How many pods have pod (anti-)affinity of any kind (`anti` false) / required anti-affinity (true). */
size_t k8sc__sched_cache_affinity_pods(const k8sc__sched_cache *c, bool anti);
/* How many nodes have image `name` (ImageStateSummary.NumNodes); `name` NULL: how many images nodes have. */
int64_t k8sc__sched_cache_image_nodes(k8sc__sched_cache *c, const char *name);
/* The nodes (with a Node object), sorted by name; valid until the cache changes. */
k8sc__sched_node *const *k8sc__sched_cache_nodes(k8sc__sched_cache *c, size_t *count);

#endif
