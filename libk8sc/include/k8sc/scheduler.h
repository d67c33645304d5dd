/*
 * libk8sc scheduler: kube-scheduler (Kubernetes 1.32). Pods with an empty
 * spec.nodeName whose spec.schedulerName names one of the scheduler's
 * profiles (K8SC_SCHEDULER_DEFAULT_NAME unless configured) are placed on
 * a node that passes the profile's filter plugins and scores best. See
 * the plugins' own documentation for what each checks.
 *
 * Queue: as kube-scheduler's PriorityQueue, pods are tried by priority
 * (spec.priority, or the value of their PriorityClass — resolved here, as
 * the API server does not yet), then by the time they were queued. A pod
 * that fits nowhere waits with the unschedulable pods until a cluster
 * event may help (a node added, or changed in allocatable, labels, taints
 * or unschedulable; a bound pod deleted, ended or relabelled), then goes
 * back after its back-off (1 s doubling to 10 s per attempt); after 5
 * minutes it is tried again anyway. Unlike kube-scheduler, which picks
 * among the best nodes at random, ties go to the node whose name sorts
 * first, so that placements are reproducible.
 *
 * Binding: a placed pod is bound through pods/NAME/binding and assumed on
 * its node until the informer shows it bound; a Normal "Scheduled" Event
 * follows. A pod that fits nowhere gets the PodScheduled condition
 * False/Unschedulable with kube-scheduler's message and a Warning
 * "FailedScheduling" Event.
 *
 * Preemption (DefaultPreemption): a pod that fits nowhere, unless its
 * preemptionPolicy is Never, may evict lower-priority pods from the node
 * where that costs least (fewest PodDisruptionBudget violations, lowest
 * highest victim priority, smallest priority sum, fewest victims, latest
 * start); victims get the DisruptionTarget condition and are deleted, and
 * the pod's status.nominatedNodeName names the node, whose room is kept
 * for it from pods of lower priority.
 */
#ifndef K8SC_SCHEDULER_H
#define K8SC_SCHEDULER_H

#include <stdint.h>

#include "client.h"
#include "controller.h"
#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8sc_scheduler k8sc_scheduler;

/* The scheduler name pods ask for by default. */
#define K8SC_SCHEDULER_DEFAULT_NAME "default-scheduler"

/* How to build a scheduler. Strings are copied; pointers are borrowed and must outlive the scheduler. */
typedef struct k8sc_scheduler_options {
    unsigned int version;
    /* Informers shared with others (its owner starts or drives it). NULL: the scheduler's own. */
    k8sc_informer_factory *factory;
    /* Clock for back-off and timestamps. NULL: the system clock. */
    k8sc_clock *clock;
    /* Where the Scheduled and FailedScheduling Events go. NULL: none are written. */
    k8sc_event_recorder *recorder;
    /* The spec.schedulerName of the pods to place. NULL: K8SC_SCHEDULER_DEFAULT_NAME. */
    const char *scheduler_name;
    /*
     * percentageOfNodesToScore: once this share of the nodes (at least 100)
     * is found feasible, stop filtering and pick among them; the next pod's
     * search starts where this one stopped. 0: adaptive as in Kubernetes
     * (50% minus 1% per 125 nodes, at least 5%); 100: every node.
     */
    int percentage_of_nodes_to_score;
    /* Version 2: */
    /*
     * A KubeSchedulerConfiguration file (kubescheduler.config.k8s.io/v1,
     * YAML or JSON), as kube-scheduler's --config: its profiles replace
     * scheduler_name (one scheduler serves every profile's schedulerName),
     * and its percentageOfNodesToScore, when set, the field above. NULL: one
     * default profile named scheduler_name.
     */
    const char *config_file;
} k8sc_scheduler_options;

#define K8SC_SCHEDULER_OPTIONS_VERSION 2
#define K8SC_SCHEDULER_OPTIONS_INIT { K8SC_SCHEDULER_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0, NULL }

/*
 * Fill `opts` with K8SC_SCHEDULER_OPTIONS_INIT. Version 1 callers (whose
 * struct ends before config_file) are accepted here and by
 * k8sc_scheduler_new. EINVAL for an unknown version.
 */
K8SC_EXTERN int k8sc_scheduler_options_init(k8sc_scheduler_options *opts, unsigned int version);

/*
 * Create a scheduler using `client` (borrowed; must outlive it). `opts`
 * may be NULL for the defaults. Nothing runs until it is started or
 * processed. Errors: EINVAL for a NULL client or an unknown options
 * version; ENOMEM; those of k8sc_controller_new.
 */
K8SC_EXTERN int k8sc_scheduler_new(k8sc_scheduler **out, k8sc_client *client, const k8sc_scheduler_options *opts);

/* Stop the scheduler if started and free it. NULL is fine. */
K8SC_EXTERN void k8sc_scheduler_free(k8sc_scheduler *s);

/* Run on a worker thread (and start the own informers). Errors: as k8sc_controller_start. */
K8SC_EXTERN int k8sc_scheduler_start(k8sc_scheduler *s);

/* Stop what k8sc_scheduler_start started. NULL is fine; idempotent. */
K8SC_EXTERN void k8sc_scheduler_stop(k8sc_scheduler *s);

/* For a host loop: an fd (owned) readable when there is work; -1 for NULL. */
K8SC_EXTERN int k8sc_scheduler_fd(k8sc_scheduler *s);

/* Milliseconds until k8sc_scheduler_process must run even if the fd stays quiet; -1: no deadline. */
K8SC_EXTERN int k8sc_scheduler_next_timeout_ms(k8sc_scheduler *s);

/*
 * Schedule every pod that is ready to be tried, on the calling thread.
 * Returns how many were tried. Errors: EINVAL for NULL or a started scheduler.
 */
K8SC_EXTERN int k8sc_scheduler_process(k8sc_scheduler *s);

/* What the scheduler has done so far (kube-scheduler's schedule_attempts_total and scheduling_algorithm_duration). */
typedef struct k8sc_scheduler_stats {
    uint64_t scheduled;     /* pods given a node */
    uint64_t unschedulable; /* attempts that found no node */
    uint64_t algorithm_ns;  /* time spent filtering and scoring, summed over all attempts */
} k8sc_scheduler_stats;

/* Copy the counters into `out`. NULL `s` gives zeros. */
K8SC_EXTERN void k8sc_scheduler_get_stats(k8sc_scheduler *s, k8sc_scheduler_stats *out);

/*
 * The informer of `api_version` + `kind` the scheduler reads (Pods, Nodes,
 * PriorityClasses, PodDisruptionBudgets; others are created), borrowed.
 * NULL with the error set on failure.
 */
K8SC_EXTERN k8sc_informer *k8sc_scheduler_informer(k8sc_scheduler *s, const char *api_version, const char *kind);

/*
 * Read a KubeSchedulerConfiguration file into the scheduler's profiles, as
 * options.config_file does, but after user plugins are added so that the
 * file may name them. Call before starting. Errors: EINVAL naming the file
 * and the field for an unknown plugin, field or value, or when started;
 * EIO for an unreadable file; ENOMEM.
 */
K8SC_EXTERN int k8sc_scheduler_load_config(k8sc_scheduler *s, const char *path);

/*
 * User plugins (the scheduling framework's out-of-tree plugins). They run
 * in every profile after the built-in plugins, unless a configuration
 * disables them by name; `pod` and `node` are borrowed for the call only.
 * Callbacks run on the scheduling thread, one at a time.
 *
 * A filter returns 0 when `pod` fits `node`, a positive value when it does
 * not, with the reason (as in the pod's Unschedulable message) written into
 * `reason` (`reason_size` bytes, NUL-terminated; left empty: "node(s) didn't
 * satisfy plugin NAME"), or a negative value on error (the pod is retried
 * after a back-off).
 */
typedef int (*k8sc_scheduler_filter_fn)(const k8sc_object *pod, const k8sc_object *node, char *reason,
    size_t reason_size, void *userdata);

/* A score: `*out` from 0 to 100 (clamped) for `node`; a negative return is an error (the pod is retried). */
typedef int (*k8sc_scheduler_score_fn)(int64_t *out, const k8sc_object *pod, const k8sc_object *node, void *userdata);

/*
 * Add a filter named `name` (copied). Call before starting. Errors: EINVAL
 * for NULL arguments, a started scheduler or more than 16 user plugins;
 * EEXISTS for a name taken by a built-in or user plugin; ENOMEM.
 */
K8SC_EXTERN int k8sc_scheduler_add_filter(k8sc_scheduler *s, const char *name, k8sc_scheduler_filter_fn fn,
    void *userdata);

/*
 * Add a score named `name` (copied) whose 0..100 result counts `weight`
 * (1..100) times in the node's total. Errors as k8sc_scheduler_add_filter;
 * EINVAL for a weight out of range.
 */
K8SC_EXTERN int k8sc_scheduler_add_score(k8sc_scheduler *s, const char *name, k8sc_scheduler_score_fn fn, int weight,
    void *userdata);

#ifdef __cplusplus
}
#endif
#endif
