/*
 * libk8sc scheduler: kube-scheduler's default profile (Kubernetes 1.32),
 * first increment. Pods with an empty spec.nodeName whose
 * spec.schedulerName is the scheduler's name are placed on a node that
 * passes the filter plugins and scores best:
 *
 * Filters, in the default profile's order (a node is rejected by the
 * first that fails): NodeUnschedulable, NodeName, TaintToleration
 * (NoSchedule and NoExecute), NodeAffinity (spec.nodeSelector and the
 * required node affinity: In, NotIn, Exists, DoesNotExist, Gt, Lt and
 * matchFields on metadata.name), NodePorts, NodeResourcesFit (pod count
 * and every requested resource against status.allocatable minus what the
 * pods bound to the node, or assumed on it, request).
 *
 * Scores (0..100 each, times the default weights): NodeResourcesFit
 * LeastAllocated on cpu and memory (1), NodeResourcesBalancedAllocation
 * (1), TaintToleration on PreferNoSchedule taints (3), NodeAffinity
 * preferred terms (2). Unlike kube-scheduler, which picks among the best
 * nodes at random, ties go to the node whose name sorts first, so that
 * placements are reproducible.
 *
 * A placed pod is bound through pods/NAME/binding and assumed on its node
 * until the informer shows it bound, so pods scheduled back to back do not
 * overcommit a node; a Normal "Scheduled" Event follows. A pod that fits
 * nowhere gets the PodScheduled condition False/Unschedulable with
 * kube-scheduler's message (written through pods/NAME/status), a Warning
 * "FailedScheduling" Event, and is tried again after a back-off (1 s
 * doubling to 10 s) or as soon as a node changes or a bound pod goes.
 * There is no preemption.
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
} k8sc_scheduler_options;

#define K8SC_SCHEDULER_OPTIONS_VERSION 1
#define K8SC_SCHEDULER_OPTIONS_INIT { K8SC_SCHEDULER_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0 }

/* Fill `opts` with K8SC_SCHEDULER_OPTIONS_INIT. EINVAL for an unknown version. */
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

/* The underlying controller (primary kind Pod), borrowed: for its queue, cache and clock. */
K8SC_EXTERN k8sc_controller *k8sc_scheduler_controller(k8sc_scheduler *s);

#ifdef __cplusplus
}
#endif
#endif
