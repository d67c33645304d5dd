/* The Deployment controller's shared state and helpers (deployment*.c). */
#ifndef K8SC_CONTROLLERS_DEPLOYMENT_H
#define K8SC_CONTROLLERS_DEPLOYMENT_H

#include "workload.h"

#define K8SC__REVISION_ANN "deployment.kubernetes.io/revision"
#define K8SC__REVISION_HISTORY_ANN "deployment.kubernetes.io/revision-history"
#define K8SC__DESIRED_ANN "deployment.kubernetes.io/desired-replicas"
#define K8SC__MAX_ANN "deployment.kubernetes.io/max-replicas"
#define K8SC__HASH_LABEL "pod-template-hash"

typedef struct k8sc__dep {
    k8sc_controller *ctl;
    k8sc_informer *pods;
    k8sc_event_recorder *rec;
    k8sc_clock *clock;
} k8sc__dep;

/* One sync's view: the Deployment, its ReplicaSets (new one separate), all as owned references. */
typedef struct k8sc__rollout {
    k8sc__dep *dep;
    k8sc_object *d;          /* the Deployment (replaced when its status is written) */
    k8sc_object *new_rs;     /* NULL when none matches the template */
    k8sc_object **old;       /* the other ReplicaSets, oldest first */
    size_t nold;
    int64_t replicas;        /* spec.replicas */
    int64_t surge, unavailable; /* resolved maxSurge / maxUnavailable (0 for Recreate) */
} k8sc__rollout;

/* ---- deployment_util.c ---- */

/*
 * An intstr (an integer, or "N%" of `total` rounded up or down) as
 * Kubernetes' GetScaledValueFromIntOrPercent. EINVAL for anything else.
 */
int k8sc__intstr_scaled(struct json_object *v, int64_t total, bool round_up, int64_t *out);

/* maxSurge and maxUnavailable of a RollingUpdate Deployment (ResolveFenceposts). */
int k8sc__fenceposts(const k8sc_object *d, int64_t replicas, int64_t *surge, int64_t *unavailable);

/* The pod-template-hash of `tmpl` and `collisions` ("[a-z0-9]+", at most 10 chars), into `buf`. */
void k8sc__template_hash(char *buf, size_t size, struct json_object *tmpl, int64_t collisions);

/* Whether two pod templates are equal once their pod-template-hash labels are ignored. */
bool k8sc__templates_equal(struct json_object *a, struct json_object *b);

/* The revision annotation of an object, 0 when absent or malformed. */
int64_t k8sc__revision(const k8sc_object *obj);

/* An int64 annotation, or -1. */
int64_t k8sc__int_annotation(const k8sc_object *obj, const char *key);

/* spec.replicas and status.{replicas,availableReplicas,readyReplicas} of a ReplicaSet. */
int64_t k8sc__rs_spec_replicas(const k8sc_object *rs);
int64_t k8sc__rs_status(const k8sc_object *rs, const char *field);

/* ---- deployment.c ---- */

/*
 * Scale `*rs` to `replicas` and set its desired/max annotations for the
 * Deployment, writing it only if something changed; `*rs` is replaced by
 * the server's copy. Records a ScalingReplicaSet event when the size changes.
 */
int k8sc__dep_scale_rs(k8sc__rollout *r, k8sc_object **rs, int64_t replicas);

/* Create the new ReplicaSet if there is none (and `create`), and sync revisions. */
int k8sc__dep_sync_revision(k8sc__rollout *r, bool create);

/* calculateStatus + the rollout conditions, written if changed; sets `res` to requeue a stuck rollout. */
int k8sc__dep_sync_rollout_status(k8sc__rollout *r, k8sc_reconcile_result *res);

/* calculateStatus only (scaling and paused syncs), written if changed. */
int k8sc__dep_sync_status(k8sc__rollout *r);

/* ---- deployment_rollout.c ---- */

int k8sc__dep_rolling(k8sc__rollout *r, k8sc_reconcile_result *res);
int k8sc__dep_recreate(k8sc__rollout *r, k8sc_reconcile_result *res);
/* Scaling event or paused: proportional scaling, cleanup when paused, status. */
int k8sc__dep_scale_only(k8sc__rollout *r);
/* Whether an active ReplicaSet's desired-replicas annotation differs from spec.replicas. */
bool k8sc__dep_is_scaling_event(k8sc__rollout *r);
/* Delete the oldest idle ReplicaSets beyond revisionHistoryLimit. */
int k8sc__dep_cleanup(k8sc__rollout *r);

#endif
