/*
 * Internal to the scheduler module: the framework around the plugins of
 * sched.h — the scheduling queue, preemption, the configuration file and
 * the plugins users register.
 */
#ifndef K8SC_SCHED_FRAMEWORK_H
#define K8SC_SCHED_FRAMEWORK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "k8sc/scheduler.h"
#include "sched.h"

/* kube-scheduler's podInitialBackoffSeconds, podMaxBackoffSeconds and podMaxInUnschedulablePodsDuration. */
#define K8SC__SCHED_BACKOFF_BASE_NS 1000000000LL
#define K8SC__SCHED_BACKOFF_MAX_NS 10000000000LL
#define K8SC__SCHED_MAX_UNSCHEDULABLE_NS (300 * 1000000000LL)
/* How often the unschedulable pods are checked for that limit (flushUnschedulablePodsLeftover's period). */
#define K8SC__SCHED_FLUSH_PERIOD_NS (30 * 1000000000LL)

/*
 * The scheduling queue (kube-scheduler's PriorityQueue), keyed by
 * "namespace/name": activeQ (highest priority first, then the earliest
 * queued), backoffQ (pods waiting out 1 s doubling to 10 s per attempt)
 * and the unschedulable pods, which cluster events move back and a flush
 * moves after 5 minutes at most. A popped pod is in flight until
 * requeued or done. Thread-safe; an eventfd is readable while activeQ is
 * not empty.
 */
typedef struct k8sc__sched_queue k8sc__sched_queue;

typedef struct k8sc__sched_queue_counts {
    size_t active, backoff, unschedulable, in_flight;
} k8sc__sched_queue_counts;

int k8sc__sched_queue_new(k8sc__sched_queue **out, k8sc_clock *clock);
void k8sc__sched_queue_free(k8sc__sched_queue *q);
/*
 * A pending pod was added or changed. New pods go to activeQ; a pod
 * whose spec or metadata changed (`changed`) leaves the unschedulable
 * pods for backoffQ or activeQ; its priority is updated either way.
 */
int k8sc__sched_queue_add(k8sc__sched_queue *q, const char *key, int64_t priority, bool changed);
/* The pod is gone or needs no scheduling any more. */
void k8sc__sched_queue_delete(k8sc__sched_queue *q, const char *key);
/*
 * Take the first pod of activeQ into flight: `*key` is the caller's,
 * `*attempts` counts pops including this one. With `wait`, block until
 * one is ready; without, ETIMEOUT when none is. EGONE after shutdown.
 */
int k8sc__sched_queue_pop(k8sc__sched_queue *q, char **key, int *attempts, bool wait);
/*
 * A pod in flight failed: `unschedulable` (no node fits) parks it with the
 * unschedulable pods, unless an event that may help came during its cycle;
 * an error sends it to backoffQ. Nothing if the pod was deleted meanwhile.
 */
void k8sc__sched_queue_requeue(k8sc__sched_queue *q, const char *key, bool unschedulable);
/* A pod in flight was placed: forget it. */
void k8sc__sched_queue_done(k8sc__sched_queue *q, const char *key);
/* A cluster event that may make pods fit: every unschedulable pod to backoffQ, or activeQ once backed off. */
void k8sc__sched_queue_move_all(k8sc__sched_queue *q);
/* Move pods whose back-off ended to activeQ, and run the periodic flush when due. */
void k8sc__sched_queue_flush(k8sc__sched_queue *q);
int k8sc__sched_queue_fd(k8sc__sched_queue *q);
int k8sc__sched_queue_next_timeout_ms(k8sc__sched_queue *q);
/* Wake waiting pops with EGONE, for good. */
void k8sc__sched_queue_shutdown(k8sc__sched_queue *q);
void k8sc__sched_queue_counts_get(k8sc__sched_queue *q, k8sc__sched_queue_counts *out);

/* A plugin registered through k8sc_scheduler_add_filter / add_score. */
typedef struct k8sc__sched_user_plugin {
    char *name;
    k8sc_scheduler_filter_fn filter;
    k8sc_scheduler_score_fn score;
    int weight;
    void *userdata;
} k8sc__sched_user_plugin;

#define K8SC__SCHED_MAX_USER_PLUGINS 16

/* The user plugins of a scheduler, in the order they were added. */
typedef struct k8sc__sched_user_plugins {
    k8sc__sched_user_plugin items[K8SC__SCHED_MAX_USER_PLUGINS];
    size_t n;
} k8sc__sched_user_plugins;

/* Add a plugin (name copied). EEXISTS for a taken name, EINVAL past the limit. */
int k8sc__sched_user_plugins_add(k8sc__sched_user_plugins *u, const char *name, k8sc_scheduler_filter_fn filter,
    k8sc_scheduler_score_fn score, int weight, void *userdata);
void k8sc__sched_user_plugins_clear(k8sc__sched_user_plugins *u);

/* One profile of a configuration: the pods naming `name` are placed with `profile`. */
typedef struct k8sc__sched_named_profile {
    char *name;
    k8sc__sched_profile profile;
    /* The user plugins, in the order they were added: filtering, and score weight (-1: the plugin's own). */
    bool user_filter[K8SC__SCHED_MAX_USER_PLUGINS];
    int user_weight[K8SC__SCHED_MAX_USER_PLUGINS];
    int percentage; /* percentageOfNodesToScore; -1: the scheduler's */
    bool preempt;   /* DefaultPreemption runs as PostFilter */
} k8sc__sched_named_profile;

/* Set the user plugins' defaults in `np`: every one filters and scores with its own weight. */
void k8sc__sched_user_defaults(k8sc__sched_named_profile *np);
/* The profile's user filters on `n`: 1 fits, 0 not (the reason counted in `h`), < 0 on error. */
int k8sc__sched_user_filter(const k8sc__sched_user_plugins *u, const k8sc__sched_named_profile *np,
    const k8sc_object *pod, const k8sc__sched_node *n, k8sc__sched_hist *h);
/* Add the profile's weighted user scores of each node to `scores`. */
int k8sc__sched_user_score(const k8sc__sched_user_plugins *u, const k8sc__sched_named_profile *np,
    const k8sc_object *pod, k8sc__sched_node *const *nodes, size_t count, int64_t *scores);

/* A KubeSchedulerConfiguration read into profiles. */
typedef struct k8sc__sched_config {
    k8sc__sched_named_profile *profiles;
    size_t nprofiles;
    int percentage; /* top-level percentageOfNodesToScore; -1 when unset */
} k8sc__sched_config;

/*
 * Read the KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1,
 * YAML or JSON) in `path`. `user`/`nuser` are the names of user plugins
 * that the file may name besides the built-in ones. EINVAL naming the file
 * and the field for anything unknown or malformed; EIO if unreadable.
 */
int k8sc__sched_config_load(k8sc__sched_config *out, const char *path, const char *const *user, size_t nuser);
/* The same from text; `what` names it in errors. */
int k8sc__sched_config_parse(k8sc__sched_config *out, const char *text, size_t len, const char *what,
    const char *const *user, size_t nuser);
void k8sc__sched_config_clear(k8sc__sched_config *c);

/*
 * A pod's priority: spec.priority, as kube-scheduler reads it (the API
 * server's Priority admission resolves spec.priorityClassName into it), else 0.
 */
int64_t k8sc__sched_pod_priority(const k8sc_object *pod);
/* Whether the pod may preempt: spec.preemptionPolicy is not Never (admission sets it from the class too). */
bool k8sc__sched_pod_may_preempt(const k8sc_object *pod);

/*
 * A copy of node `n` that the filters can read, without the pods in
 * `drop` and with the pods in `add` counted. Free with
 * k8sc__sched_scratch_clear; the pods stay the caller's.
 */
int k8sc__sched_scratch_node(k8sc__sched_node *out, const k8sc__sched_node *n, k8sc__sched_pod_info *const *drop,
    size_t ndrop, k8sc__sched_pod_info *const *add, size_t nadd);
void k8sc__sched_scratch_clear(k8sc__sched_node *n);
/* A pod_info for a pod not in the cache (a nominated pod counted on its node). */
int k8sc__sched_pod_info_new(k8sc__sched_pod_info **out, const k8sc_object *pod);
void k8sc__sched_pod_info_free(k8sc__sched_pod_info *pi);

/* Where preemption may act, what it needs to read, and what it decided. */
typedef struct k8sc__sched_preemption {
    /* In: */
    k8sc__sched_cycle *cycle;
    const k8sc__sched_pod *pod;
    int64_t priority;
    k8sc_cache *pdbs;
    /* Every filter, built-in and user's, on a scratch node: 1 fits, 0 not, < 0 error. */
    int (*fits)(void *userdata, k8sc__sched_cycle *cy, const k8sc__sched_node *n);
    void *fits_userdata;
    /* Out: the node, and the victims (references, the caller's). */
    char *node;
    k8sc_object **victims;
    size_t nvictims;
} k8sc__sched_preemption;

/*
 * DefaultPreemption's candidate search: among the nodes that failed only
 * for room (not for an unresolvable reason), find where evicting the
 * fewest, least important pods lets the pod fit, respecting
 * PodDisruptionBudgets where possible. 0 with `node` NULL when none helps.
 * The cache's lock is held by the caller.
 */
int k8sc__sched_preempt_find(k8sc__sched_preemption *pr);
void k8sc__sched_preemption_clear(k8sc__sched_preemption *pr);

/* Binder threads: enough for the store's group commit to share fsyncs. */
#define K8SC__SCHED_BINDERS 8

/* A binding to write. */
typedef struct k8sc__sched_bind_job {
    struct k8sc__sched_bind_job *next;
    k8sc_object *pod;
    char *node;
} k8sc__sched_bind_job;

struct k8sc_scheduler {
    k8sc_client *client;
    k8sc_event_recorder *rec;
    k8sc_clock *clock;
    k8sc_informer_factory *factory;
    bool own_factory;
    k8sc__sched_queue *queue;
    k8sc__sched_cache *cache;
    k8sc__sched_config config; /* the profiles; read-only once started */
    k8sc__sched_user_plugins user;
    int percentage;
    size_t next_start;          /* where the next search for feasible nodes starts */
    k8sc_scheduler_stats stats; /* under the cache's lock */
    size_t nominated;           /* pending pods with a nominatedNodeName, under the cache's lock */
    int ep_fd;
    pthread_mutex_t bind_mu;
    pthread_cond_t bind_cv;
    k8sc__sched_bind_job *jobs, **jobs_tail;
    pthread_t binders[K8SC__SCHED_BINDERS];
    size_t nbinders;
    bool binders_stop;
    pthread_t worker;
    bool started, stopped;
    atomic_bool stopping;
    k8sc_cache *pods, *nodes, *pdbs;
    k8sc_informer *pod_informer, *node_informer, *pdb_informer, *ns_informer;
    k8sc_informer_handler pod_handler, node_handler, ns_handler;
};

/* The index of the pod cache by spec.nodeName ("" for pods waiting for a node). */
#define K8SC__SCHED_NODE_INDEX "scheduler:spec.nodeName"
/* The index of pending pods by status.nominatedNodeName. */
#define K8SC__SCHED_NOMINATED_INDEX "scheduler:status.nominatedNodeName"

/* The profile placing `pod` now (its schedulerName, pending, not deleted or gated), or NULL. */
const k8sc__sched_named_profile *k8sc__sched_wants(const k8sc_scheduler *s, const k8sc_object *pod);
/* One scheduling cycle of the popped pod `key`, then its binding (on a binder thread when they run). */
void k8sc__sched_schedule_one(k8sc_scheduler *s, const char *key);
/* Let the binder threads write what is queued, then join them. */
void k8sc__sched_binders_stop(k8sc_scheduler *s);
int k8sc__sched_binders_start(k8sc_scheduler *s);

#endif
