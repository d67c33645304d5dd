/*
 * The Job controller's internals (Kubernetes 1.32 pkg/controller/job): the
 * sync context shared by job.c (events, sync), job_pods.c (claiming,
 * creating and deleting pods) and job_status.c (pod tracking with
 * finalizers, conditions, status), and the bookkeeping of job_util.c
 * (completion index intervals, finalizer expectations, pod back-off).
 */
#ifndef K8SC_CONTROLLERS_JOB_H
#define K8SC_CONTROLLERS_JOB_H

#include "workload.h"

#define K8SC__JOB_TRACKING_FINALIZER "batch.kubernetes.io/job-tracking"
#define K8SC__JOB_COMPLETION_INDEX "batch.kubernetes.io/job-completion-index"

/* DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
#define K8SC__JOB_BACKOFF_BASE_NS (10 * 1000000000LL)
#define K8SC__JOB_BACKOFF_MAX_NS (360 * 1000000000LL)

/* MaxUncountedPods and MaxPodCreateDeletePerSync. */
#define K8SC__JOB_MAX_UNCOUNTED 500
#define K8SC__JOB_MAX_CREATE_DELETE 500

/* ---- completion index intervals (orderedIntervals) ---- */

typedef struct k8sc__intervals {
    int64_t *first, *last;
    size_t n, cap;
} k8sc__intervals;

/* parseIndexesFromString: "1,3-5" into intervals, keeping only indexes below `completions`. */
int k8sc__intervals_parse(k8sc__intervals *out, const char *text, int64_t completions);
/* withOrderedIndexes: the union of `in` and the ascending `idx` (n of them), into `out`. */
int k8sc__intervals_merge(k8sc__intervals *out, const k8sc__intervals *in, const int64_t *idx, size_t n);
bool k8sc__intervals_has(const k8sc__intervals *iv, int64_t x);
int64_t k8sc__intervals_total(const k8sc__intervals *iv);
/* The compressed form, "" for none; NULL on ENOMEM. The caller's (free). */
char *k8sc__intervals_format(const k8sc__intervals *iv);
void k8sc__intervals_free(k8sc__intervals *iv);

/* ---- finalizer expectations (uidTrackingExpectations) ---- */

typedef struct k8sc__uid_expectations k8sc__uid_expectations;

int k8sc__uid_expectations_new(k8sc__uid_expectations **out);
void k8sc__uid_expectations_free(k8sc__uid_expectations *e);
/* Expect the finalizers of the pods `uids` (n of them) of job `key` to be removed. */
int k8sc__uid_expectations_expect(k8sc__uid_expectations *e, const char *key, const char *const *uids, size_t n);
/* The removal for `uid` was observed (or will never be). */
void k8sc__uid_expectations_observed(k8sc__uid_expectations *e, const char *key, const char *uid);
bool k8sc__uid_expectations_has(k8sc__uid_expectations *e, const char *key, const char *uid);
void k8sc__uid_expectations_forget(k8sc__uid_expectations *e, const char *key);

/* ---- pod failure back-off (backoffStore) ---- */

typedef struct k8sc__job_backoff {
    int64_t failures;      /* failuresAfterLastSuccess */
    int64_t last_failure;  /* unix ns, meaningful when failures > 0 */
} k8sc__job_backoff;

typedef struct k8sc__job_backoffs k8sc__job_backoffs;

int k8sc__job_backoffs_new(k8sc__job_backoffs **out);
void k8sc__job_backoffs_free(k8sc__job_backoffs *b);
/* newBackoffRecord: the stored record of `key` moved on by the newly finished pods. */
k8sc__job_backoff k8sc__job_backoffs_next(k8sc__job_backoffs *b, const char *key, k8sc_object *const *succeeded,
    size_t ns, k8sc_object *const *failed, size_t nf);
int k8sc__job_backoffs_store(k8sc__job_backoffs *b, const char *key, k8sc__job_backoff rec);
void k8sc__job_backoffs_remove(k8sc__job_backoffs *b, const char *key);
/* getRemainingTime: how long pod creation must still wait at `now` (ns), 0 for not at all. */
int64_t k8sc__job_backoff_remaining(k8sc__job_backoff rec, int64_t now);

/* getFinishedTime: when a pod finished, unix ns. */
int64_t k8sc__pod_finished_time(const k8sc_object *pod);

/* ---- the sync ---- */

typedef struct k8sc__job_state {
    k8sc_controller *ctl;
    k8sc_informer *pods;
    k8sc__expectations *exp;
    k8sc__uid_expectations *fexp;
    k8sc__job_backoffs *backoffs;
    k8sc_event_recorder *rec;
    k8sc_clock *clock;
} k8sc__job_state;

/* A condition the sync decided on (finishedCondition). */
typedef struct k8sc__job_cond {
    const char *type;     /* NULL: none */
    char *reason, *message;
} k8sc__job_cond;

typedef struct k8sc__job_ctx {
    k8sc__job_state *st;
    const char *key;
    k8sc_object *job;            /* the latest copy (replaced after each status write) */
    struct json_object *status;  /* the status being built (owned) */
    k8sc_object **pods;          /* claimed pods (new references) */
    size_t npods;
    k8sc_object **active;        /* borrowed from pods */
    size_t nactive;
    int64_t ready, terminating, succeeded, failed;
    bool indexed;
    int64_t completions;         /* -1: unset */
    k8sc__intervals prev_succeeded, succeeded_idx;
    k8sc__job_cond finished;
    k8sc__job_backoff backoff;
} k8sc__job_ctx;

bool k8sc__job_has_condition(const k8sc_object *job, const char *type);
/* ensureJobConditionStatus on ctx->status; true when something changed. */
bool k8sc__job_ensure_condition(k8sc__job_ctx *c, const char *type, const char *status, const char *reason,
    const char *message);
int k8sc__job_cond_set(k8sc__job_cond *cond, const char *type, const char *reason, const char *message);
void k8sc__job_cond_clear(k8sc__job_cond *cond);

/* The completion index of a pod, or -1. */
int64_t k8sc__job_pod_index(const k8sc_object *pod);
/* onlyReplaceFailedPods: podReplacementPolicy Failed (or a podFailurePolicy). */
bool k8sc__job_only_replace_failed(const k8sc_object *job);
/* isPodFailed (podReplacementPolicy TerminatingOrFailed: a deleted unfinished pod counts as failed). */
bool k8sc__job_pod_failed(const k8sc_object *pod, const k8sc_object *job);
/* Whether the pod's UID is listed in status.uncountedTerminatedPods.<which>. */
bool k8sc__job_uncounted_has(struct json_object *status, const char *which, const char *uid);

bool k8sc__job_pod_phase_is(const k8sc_object *pod, const char *phase);
bool k8sc__job_suspended(const k8sc_object *job);
/* An Event about `obj` when there is a recorder; `fmt` takes one string. */
void k8sc__job_event(k8sc__job_state *st, const k8sc_object *obj, const char *type, const char *reason, const char *fmt,
    const char *arg);

/* ---- pods (job_pods.c) ---- */

/* getPodsForJob into c->pods: ours in every phase, after adopting matching orphans and releasing the rest. */
int k8sc__job_claim_pods(k8sc__job_ctx *c, const k8sc_selector *sel);

/*
 * Delete `pods` (n): deleteJobPods removes the tracking finalizer first
 * (the pods are not counted), deleteActivePods (`keep_finalizer`) leaves
 * it for the status tracking to count them as failed. Sets how many were
 * deleted and how many of those were ready.
 */
int k8sc__job_delete_pods(k8sc__job_ctx *c, k8sc_object **pods, size_t n, bool keep_finalizer, int64_t *deleted,
    int64_t *deleted_ready);

/* manageJob: delete or create pods; *active gets the new count of active pods. */
int k8sc__job_manage(k8sc__job_ctx *c, int64_t *active);

/* Remove the tracking finalizer from a pod (a strategic merge patch); ENOTFOUND is success. */
int k8sc__job_remove_finalizer(k8sc__job_state *st, const k8sc_object *pod);

/*
 * trackJobStatusAndRemoveFinalizers: count finished pods through
 * status.uncountedTerminatedPods, remove their finalizers, add the
 * interim and terminal conditions and write the status.
 */
int k8sc__job_track_status(k8sc__job_ctx *c, bool needs_flush);

#endif
