/*
 * What the workload controllers (ReplicaSet, ReplicationController,
 * Deployment, Job) share: expectations, pods from templates, pod state,
 * the order in which pods are deleted, and status writes.
 */
#ifndef K8SC_CONTROLLERS_WORKLOAD_H
#define K8SC_CONTROLLERS_WORKLOAD_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "internal.h"
#include "k8sc/controller.h"
#include "k8sc/controllers.h"

/*
 * Expectations (the controller package's UIDTrackingControllerExpectations):
 * how many pods a controller created and which it deleted that its
 * informer has not shown yet. While any are outstanding the controller
 * does not create or delete more, so a lagging cache never doubles a
 * scale-up. They expire after 5 minutes in case a watch event was lost.
 */
typedef struct k8sc__expectations k8sc__expectations;

int k8sc__expectations_new(k8sc__expectations **out, k8sc_clock *clock);
void k8sc__expectations_free(k8sc__expectations *e);
/* Whether `key` may act: no record, nothing outstanding, or the record expired. */
bool k8sc__expectations_satisfied(k8sc__expectations *e, const char *key);
/* Expect `adds` creations and the deletion of the pods keyed in `dels` (n of them). */
int k8sc__expectations_expect(k8sc__expectations *e, const char *key, int adds, char *const *dels, size_t n);
/* A creation was seen (or will never happen: a failed create). */
void k8sc__expectations_created(k8sc__expectations *e, const char *key);
/* The deletion of pod `pod_key` was seen (or failed). */
void k8sc__expectations_deleted(k8sc__expectations *e, const char *key, const char *pod_key);
/* Forget `key` (its owner is gone). */
void k8sc__expectations_forget(k8sc__expectations *e, const char *key);

/* What a built-in controller is: its name, primary kind, reconcile function and state destructor. */
typedef struct k8sc__builtin_spec {
    const char *name, *api_version, *kind;
    k8sc_reconcile_fn reconcile;
    void (*state_free)(void *state);
    /* Borrowed; NULL: the framework's default limiter. */
    k8sc_ratelimiter *rate_limiter;
} k8sc__builtin_spec;

/*
 * Create the reconciler for `spec` from the built-in options (NULL: the
 * defaults), with `state` as its userdata; `state` is freed with
 * spec->state_free when this fails too.
 */
int k8sc__builtin_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts,
    const k8sc__builtin_spec *spec, void *state);

/*
 * Add `h` to the controller's informer of `api_version` + `kind`; `*inf`
 * gets the informer, or NULL on failure (the caller then frees the controller).
 */
int k8sc__builtin_handle(k8sc_informer **inf, k8sc_controller *ctl, const char *api_version, const char *kind,
    const k8sc_informer_handler *h);

/* An Event through `rec` (NULL: none is recorded); failures are the recorder's to log. */
void k8sc__event(k8sc_event_recorder *rec, const k8sc_object *obj, const char *type, const char *reason,
    const char *fmt, ...) K8SC_PRINTF(5, 6);

/* "namespace/name" of an object, or NULL (ENOMEM). */
char *k8sc__object_key(const k8sc_object *obj);

/* Whether a pod is neither finished (Succeeded, Failed) nor being deleted. */
bool k8sc__pod_active(const k8sc_object *pod);

/* Whether the pod's Ready condition is True; `since` (may be NULL) gets its lastTransitionTime (0 if unknown). */
bool k8sc__pod_ready(const k8sc_object *pod, int64_t *since);

/* Ready for at least `min_ready_seconds` at `now` (unix seconds). */
bool k8sc__pod_available(const k8sc_object *pod, int64_t min_ready_seconds, int64_t now);

/*
 * A new pod from `owner`'s pod template (the JSON at `template_path`):
 * labels, annotations, finalizers and spec copied, generateName
 * "<owner>-", the owner as controlling ownerReference. `*out` is the
 * caller's.
 */
int k8sc__pod_from_template(k8sc_object **out, const k8sc_object *owner, const char *template_path);

/*
 * Sort `pods` so that the ones Kubernetes deletes first come first
 * (ActivePodsWithRanks with logarithmic scale-down): unassigned, pending,
 * not ready, lower deletion cost, more replicas on the same node, ready
 * more recently, more restarts, created more recently. `now` is unix seconds.
 */
void k8sc__pods_rank_for_deletion(k8sc_object **pods, size_t n, int64_t now);

/*
 * Write `status` (taken) as the object's status through its /status
 * subresource, unless it is equal to the current one; on a conflict the
 * object is read again and the write retried once. `*written` (may be
 * NULL) tells whether a write happened.
 */
int k8sc__write_status(k8sc_client *client, const k8sc_object *obj, struct json_object *status, bool *written);

/* As k8sc__write_status, with `*out` (may be NULL) the server's copy (or a reference to `obj` if nothing was written). */
int k8sc__write_status_get(k8sc_object **out, k8sc_client *client, const k8sc_object *obj,
    struct json_object *status);

/*
 * Call fn(i, arg) for every i below `n` on up to `threads` threads (the
 * caller's one of them), as Kubernetes' controllers fan a batch of
 * creations out to goroutines: the store then commits them together.
 * Returns when every call has returned.
 */
void k8sc__parallel(size_t n, int threads, void (*fn)(size_t i, void *arg), void *arg);

/* Status conditions (conditions.c). */
/* The condition of `type` in a status JSON, borrowed, or NULL. */
struct json_object *k8sc__condition(struct json_object *status, const char *type);

/*
 * Set a condition in `status` as SetDeploymentCondition: unchanged when
 * one with the same status and reason exists; lastTransitionTime kept
 * when only the reason changes. `now` is unix seconds.
 */
int k8sc__set_condition(struct json_object *status, const char *type, const char *cstatus, const char *reason,
    const char *message, int64_t now);

/* Remove the condition of `type` from `status`. */
void k8sc__remove_condition(struct json_object *status, const char *type);

/* An integer field of a JSON object, or `def`. */
int64_t k8sc__json_int(struct json_object *o, const char *key, int64_t def);

#endif
