/*
 * libk8sc controllers: the built-in controllers (the kube-controller-manager
 * of libk8sc) and the controller manager that runs them.
 *
 * Every controller is a k8sc_controller of the reconciler framework
 * (controller.h): build it with its constructor and the shared
 * k8sc_builtin_options, run it with k8sc_controller_start or drive it with
 * k8sc_controller_process, free it with k8sc_controller_free.
 */
#ifndef K8SC_CONTROLLERS_H
#define K8SC_CONTROLLERS_H

#include <stdbool.h>
#include <stdint.h>

#include "client.h"
#include "controller.h"
#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- workload controllers ----------------------------------------------- */

/* What every built-in controller takes. Pointers are borrowed and must outlive the controller. */
typedef struct k8sc_builtin_options {
    unsigned int version;
    /* Informers shared with other controllers (its owner starts or drives it). NULL: the controller's own. */
    k8sc_informer_factory *factory;
    /* Clock for back-off, ages and timestamps. NULL: the system clock. */
    k8sc_clock *clock;
    /* Worker threads when started. 0: 1. */
    int workers;
    /* Where Events go. NULL: none are written. */
    k8sc_event_recorder *recorder;
} k8sc_builtin_options;

#define K8SC_BUILTIN_OPTIONS_VERSION 1
#define K8SC_BUILTIN_OPTIONS_INIT { K8SC_BUILTIN_OPTIONS_VERSION, NULL, NULL, 0, NULL }

/* Fill `opts` with K8SC_BUILTIN_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_builtin_options_init(k8sc_builtin_options *opts, unsigned int version);

/*
 * The ReplicaSet controller (apps/v1): adopts orphan pods its selector
 * matches and releases its pods that stop matching; creates pods from
 * spec.template (named "<replicaset>-<random>") or deletes them in
 * Kubernetes' order (unscheduled, pending, not ready, doubled up on a
 * node, ready most recently, most restarts, newest) until spec.replicas
 * pods are active, in slow-start batches of at most 500; writes status
 * (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas after
 * minReadySeconds, observedGeneration, the ReplicaFailure condition) and
 * the SuccessfulCreate/SuccessfulDelete/FailedCreate Events. Run it with
 * k8sc_controller_start or k8sc_controller_process; free it with
 * k8sc_controller_free. Errors: EINVAL; ENOMEM.
 */
K8SC_EXTERN int k8sc_replicaset_controller_new(k8sc_controller **out, k8sc_client *client,
    const k8sc_builtin_options *opts);

/* The ReplicationController controller (v1, equality selectors): as the ReplicaSet controller. */
K8SC_EXTERN int k8sc_replication_controller_new(k8sc_controller **out, k8sc_client *client,
    const k8sc_builtin_options *opts);

/* ---- jobs ----------------------------------------------------------------- */

/*
 * The Job controller (batch/v1), as Kubernetes 1.32's: creates pods from
 * spec.template (generateName "<job>-", or "<job>-<index>-" with the
 * annotation and label batch.kubernetes.io/job-completion-index, hostname
 * "<job>-<index>" and the JOB_COMPLETION_INDEX variable in Indexed mode)
 * until min(parallelism, remaining completions) are active, recreating
 * failed pods after 10 s doubling to 6 min from the last failure (reset by
 * a success); tracks finished pods with the batch.kubernetes.io/job-tracking
 * finalizer through status.uncountedTerminatedPods into succeeded, failed
 * and completedIndexes ("1,3-5"); deletes active pods when suspended
 * (condition Suspended, startTime reset on resume) and when the Job fails
 * (more failures than spec.backoffLimit: BackoffLimitExceeded; running
 * longer than activeDeadlineSeconds: DeadlineExceeded). A finished Job gets
 * the interim SuccessCriteriaMet or FailureTarget condition, then, once
 * every pod is counted and none is terminating, Complete (with
 * completionTime) or Failed. Writes status active, ready, terminating,
 * startTime and the Events SuccessfulCreate, SuccessfulDelete, Completed,
 * BackoffLimitExceeded, DeadlineExceeded, Suspended and Resumed. Times
 * come from opts->clock. Deleting finished Jobs is the TTL controller's
 * work. Free it with k8sc_controller_free. Errors: EINVAL; ENOMEM.
 */
K8SC_EXTERN int k8sc_job_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts);

/*
 * The TTL-after-finished controller: deletes a Job (propagationPolicy
 * Background, precondition on its uid) spec.ttlSecondsAfterFinished
 * seconds after its Complete or Failed condition's lastTransitionTime on
 * opts->clock, re-reading the Job from the server before it does. Errors:
 * EINVAL; ENOMEM.
 */
K8SC_EXTERN int k8sc_ttl_after_finished_controller_new(k8sc_controller **out, k8sc_client *client,
    const k8sc_builtin_options *opts);

/*
 * The disruption controller (policy/v1): writes each
 * PodDisruptionBudget's status from the pods its selector matches:
 * expectedPods (the pods, or with maxUnavailable or a percentage
 * minAvailable the replicas of their controllers: ReplicaSet or its
 * Deployment, ReplicationController, StatefulSet), currentHealthy (ready,
 * not being deleted, not just evicted), desiredHealthy, disruptionsAllowed,
 * the evictions of disruptedPods not yet seen through (dropped after
 * 2 minutes), observedGeneration and the DisruptionAllowed condition; no
 * disruption is allowed while the expected count cannot be found. Events
 * NoPods and CalculateExpectedPodCountFailed. Errors: EINVAL; ENOMEM.
 */
K8SC_EXTERN int k8sc_disruption_controller_new(k8sc_controller **out, k8sc_client *client,
    const k8sc_builtin_options *opts);

/* ---- cronjobs ------------------------------------------------------------- */

/*
 * The CronJob controller (batch/v1). At each start time of spec.schedule
 * in spec.timeZone (see k8sc_cron_parse) on opts->clock it creates a Job
 * from spec.jobTemplate named "<cronjob>-<start time in minutes since the
 * epoch>", annotated batch.kubernetes.io/cronjob-scheduled-timestamp and
 * controlled by the CronJob; concurrencyPolicy Allow, Forbid (skip while
 * a Job is active: JobAlreadyActive) or Replace (delete the active ones
 * first); nothing while suspended; a start time later than
 * startingDeadlineSeconds is skipped (MissSchedule); more than 100 missed
 * start times give TooManyMissedTimes. It keeps status.active,
 * lastScheduleTime and lastSuccessfulTime, deletes the oldest finished
 * Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit, and
 * requeues itself for the next start time. A schedule or time zone that
 * does not parse is reported as an UnparseableSchedule or UnknownTimeZone
 * Event and left alone until the CronJob changes. Errors: EINVAL; ENOMEM.
 */
K8SC_EXTERN int k8sc_cronjob_controller_new(k8sc_controller **out, k8sc_client *client,
    const k8sc_builtin_options *opts);

/* ---- namespaces and service accounts ------------------------------------- */

/*
 * The namespace controller (v1 Namespace): once a namespace has a
 * deletionTimestamp (and 5 s have passed, as Kubernetes waits for HA API
 * servers to agree), deletes every object in it of every namespaced
 * resource discovery lists with the "delete" verb (custom resources
 * too), with background propagation; waits for the pods' grace periods
 * and for finalizers, requeueing after half the estimated time; keeps the
 * NamespaceDeletionDiscoveryFailure, NamespaceDeletionGroupVersionParsingFailure,
 * NamespaceDeletionContentFailure, NamespaceContentRemaining and
 * NamespaceFinalizersRemaining status conditions with Kubernetes 1.32's
 * reasons and messages; then removes "kubernetes" from spec.finalizers
 * through the finalize subresource, and the API server removes the
 * namespace. Run it with k8sc_controller_start or k8sc_controller_process;
 * free it with k8sc_controller_free. Errors: EINVAL; ENOMEM.
 */
K8SC_EXTERN int k8sc_namespace_controller_new(k8sc_controller **out, k8sc_client *client,
    const k8sc_builtin_options *opts);

/*
 * The ServiceAccount controller (v1): a ServiceAccount named "default" in
 * every Active namespace, created when missing and again when deleted;
 * none in a terminating namespace. Run and free it as the namespace
 * controller. Errors: EINVAL; ENOMEM.
 */
K8SC_EXTERN int k8sc_serviceaccount_controller_new(k8sc_controller **out, k8sc_client *client,
    const k8sc_builtin_options *opts);

/* ---- deployments ------------------------------------------------------------ */

/*
 * The Deployment controller (apps/v1). For each Deployment it adopts
 * matching ReplicaSets, keeps one ReplicaSet per pod template named
 * "<deployment>-<pod-template-hash>" (the hash also labels its pods and
 * selector), and moves pods between them: RollingUpdate within maxSurge
 * and maxUnavailable (numbers or percentages, rounded as Kubernetes
 * rounds them), Recreate (old pods gone before new ones start),
 * proportional scaling of every active ReplicaSet while a rollout is in
 * flight, pause and resume. It writes the revision annotations `kubectl
 * rollout history` and `kubectl rollout undo` read, deletes old
 * ReplicaSets beyond revisionHistoryLimit, and reports status with the
 * Available and Progressing conditions (ProgressDeadlineExceeded after
 * progressDeadlineSeconds without progress) and ScalingReplicaSet Events.
 * The ReplicaSet controller creates the pods. Errors: EINVAL; ENOMEM.
 */
K8SC_EXTERN int k8sc_deployment_controller_new(k8sc_controller **out, k8sc_client *client,
    const k8sc_builtin_options *opts);

/* ---- garbage collection ---------------------------------------------------- */

/*
 * The garbage collector, as Kubernetes 1.32's: watches every resource
 * that discovery lists with the list, watch and delete verbs (again every
 * 30 s, so custom resources join) through the shared informers and keeps
 * the owner → dependents graph of their ownerReferences (by uid). An
 * object whose owners are all gone (a reference the graph does not know
 * is checked with a GET: a missing object or another uid means gone) is
 * deleted with propagationPolicy Background; one that still has an owner
 * only loses its dangling references. An owner deleted in the foreground
 * (deletionTimestamp and the foregroundDeletion finalizer) has its
 * dependents deleted (those that have dependents themselves in the
 * foreground) and keeps the finalizer until every dependent with
 * blockOwnerDeletion is gone; an owner with the "orphan" finalizer has its
 * ownerReference removed from every dependent, then the finalizer.
 * Deletions carry the object's uid and resourceVersion as preconditions;
 * conflicts are retried with back-off on opts->clock. Run and free it as
 * any controller. Errors: EINVAL; ENOMEM.
 */
K8SC_EXTERN int k8sc_garbage_collector_new(k8sc_controller **out, k8sc_client *client,
    const k8sc_builtin_options *opts);

/* ---- service endpoints --------------------------------------------------- */

/*
 * The Endpoints controller: for each Service with a selector, an
 * Endpoints object of the same name whose subsets list the selected pods
 * that have an IP — ready ones under addresses, the others under
 * notReadyAddresses (all under addresses with publishNotReadyAddresses) —
 * with the Service's ports resolved for each pod (named targetPorts looked
 * up in its containers), grouped by identical port sets, addresses sorted
 * by IP; headless Services without ports list addresses only. Labels are
 * the Service's (plus service.kubernetes.io/headless). Services without a
 * selector are left to the user. Errors: EINVAL; ENOMEM.
 */
K8SC_EXTERN int k8sc_endpoints_controller_new(k8sc_controller **out, k8sc_client *client,
    const k8sc_builtin_options *opts);

/*
 * The EndpointSlice controller (discovery.k8s.io/v1): for each Service with
 * a selector, slices of at most 100 endpoints per port set, generateName
 * "<service>-", labelled kubernetes.io/service-name and
 * endpointslice.kubernetes.io/managed-by, owned by the Service; endpoints
 * carry the conditions ready, serving and terminating (terminating pods
 * stay listed); a Service with no endpoints keeps one empty slice.
 * Errors: EINVAL; ENOMEM.
 */
K8SC_EXTERN int k8sc_endpointslice_controller_new(k8sc_controller **out, k8sc_client *client,
    const k8sc_builtin_options *opts);

/* ---- nodes ------------------------------------------------------------------ */

/*
 * The node lifecycle controller (with Kubernetes' taint-eviction
 * controller): a node whose kubelet has not renewed its Lease in
 * kube-node-lease nor its Ready condition's heartbeat for
 * `grace_period_ns` (0: 40 s, --node-monitor-grace-period; 60 s for a node
 * that never reported) gets Ready, MemoryPressure, DiskPressure and
 * PIDPressure set to Unknown (NodeStatusUnknown, "Kubelet stopped posting
 * node status."); Ready False gives the node.kubernetes.io/not-ready
 * taints, Ready Unknown node.kubernetes.io/unreachable (NoSchedule and
 * NoExecute with timeAdded), Ready True neither. Pods on a node with a
 * NoExecute taint they do not tolerate are deleted at once, the others
 * when the smallest matching tolerationSeconds has passed since the taint
 * was added (every pod tolerates both for 300 s by default), with a
 * TaintManagerEviction Event. Nodes are looked at every 5 s on the
 * controller's clock. Errors: EINVAL; ENOMEM.
 */
K8SC_EXTERN int k8sc_node_lifecycle_controller_new(k8sc_controller **out, k8sc_client *client,
    const k8sc_builtin_options *opts, int64_t grace_period_ns);

/*
 * The node IPAM controller (Kubernetes' range allocator): every node
 * without spec.podCIDR gets a free /`node_mask_size` (0: /24) of
 * `cluster_cidr` (IPv4, e.g. "10.244.0.0/16") in spec.podCIDR and
 * spec.podCIDRs; ranges nodes already hold are never given twice, and a
 * deleted node's range is free again. When none is left the node gets a
 * CIDRNotAvailable Event and is retried. Errors: EINVAL for a malformed
 * CIDR or a mask that does not fit; ENOMEM.
 */
K8SC_EXTERN int k8sc_node_ipam_controller_new(k8sc_controller **out, k8sc_client *client,
    const k8sc_builtin_options *opts, const char *cluster_cidr, int node_mask_size);

/* ---- the controller manager ---------------------------------------------- */

/*
 * The built-in controllers together, as kube-controller-manager runs
 * them: one shared informer factory, an event recorder per controller
 * (source component = the controller's name), optional leader election.
 */
typedef struct k8sc_controller_manager k8sc_controller_manager;

typedef struct k8sc_controller_manager_options {
    unsigned int version;
    /*
     * kube-controller-manager's --controllers: comma-separated, "*" for
     * every controller, "name" to enable one, "-name" to disable one; names
     * as Kubernetes 1.32 spells them ("deployment-controller") or their
     * short aliases ("deployment"). NULL: "*".
     */
    const char *controllers;
    /* Act only while holding the Lease kube-system/kube-controller-manager (names below). */
    bool leader_elect;
    const char *leader_elect_namespace; /* NULL: "kube-system" */
    const char *leader_elect_name;      /* NULL: "kube-controller-manager" */
    const char *identity;               /* NULL: "<hostname>_<uuid>" */
    int64_t lease_duration_ns, renew_deadline_ns, retry_period_ns; /* 0: 15 s, 10 s, 2 s */
    /* Workers per controller. 0: Kubernetes' defaults (5 for workloads). */
    int workers;
    /* Clock for every controller. NULL: the system clock. */
    k8sc_clock *clock;
    /* --node-monitor-grace-period for the node lifecycle controller. 0: 40 s. */
    int64_t node_monitor_grace_period_ns;
    /* --cluster-cidr: pod ranges for nodes (the node IPAM controller runs only when it is set). */
    const char *cluster_cidr;
    /* --node-cidr-mask-size. 0: 24. */
    int node_cidr_mask_size;
} k8sc_controller_manager_options;

#define K8SC_CONTROLLER_MANAGER_OPTIONS_VERSION 1
#define K8SC_CONTROLLER_MANAGER_OPTIONS_INIT \
    { K8SC_CONTROLLER_MANAGER_OPTIONS_VERSION, NULL, false, NULL, NULL, NULL, 0, 0, 0, 0, NULL, 0, NULL, 0 }

/* Fill `opts` with K8SC_CONTROLLER_MANAGER_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_controller_manager_options_init(k8sc_controller_manager_options *opts, unsigned int version);

/* The name of known controller `index` (static), or NULL past the end. */
K8SC_EXTERN const char *k8sc_controller_manager_known(size_t index);

/*
 * Build the chosen controllers on `client` (borrowed; must outlive the
 * manager). Nothing runs until k8sc_controller_manager_start. `opts` may
 * be NULL. Errors: EINVAL `"foo" is not in the list of known controllers`;
 * those of the controllers; ENOMEM.
 */
K8SC_EXTERN int k8sc_controller_manager_new(k8sc_controller_manager **out, k8sc_client *client,
    const k8sc_controller_manager_options *opts);

/* Whether the controller `name` (either spelling) is enabled; false for NULL. */
K8SC_EXTERN bool k8sc_controller_manager_enabled(const k8sc_controller_manager *m, const char *name);

/*
 * Run on background threads: at once, or with leader election once this
 * manager holds the Lease. Errors: EINVAL if running; EIO.
 */
K8SC_EXTERN int k8sc_controller_manager_start(k8sc_controller_manager *m);

/* Whether this manager's controllers run: it holds the Lease, or runs without leader election. */
K8SC_EXTERN bool k8sc_controller_manager_is_leader(k8sc_controller_manager *m);

/*
 * Wait up to `timeout_ms` (< 0: forever) of real time for the manager to
 * end: 0 once k8sc_controller_manager_stop was called, EGONE when it lost
 * its Lease (its controllers are stopped: exit, as kube-controller-manager
 * does), ETIMEOUT while it still runs.
 */
K8SC_EXTERN int k8sc_controller_manager_wait(k8sc_controller_manager *m, int timeout_ms);

/* Stop every controller, then give up the Lease. Safe from a signal-watching thread; idempotent. NULL is fine. */
K8SC_EXTERN void k8sc_controller_manager_stop(k8sc_controller_manager *m);

/* Stop and free. NULL is fine. */
K8SC_EXTERN void k8sc_controller_manager_free(k8sc_controller_manager *m);

#ifdef __cplusplus
}
#endif

#endif
