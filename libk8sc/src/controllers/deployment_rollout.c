/*
 * How a Deployment moves between ReplicaSets: rolling updates within
 * maxSurge/maxUnavailable, Recreate, proportional scaling while a rollout
 * is in flight, and cleanup of old revisions (Kubernetes' rolling.go,
 * recreate.go, sync.go).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "deployment.h"

static int64_t sum_spec(k8sc_object *const *rss, size_t n)
{
    int64_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += k8sc__rs_spec_replicas(rss[i]);
    return t;
}

/* Every ReplicaSet (old ones then the new one) in a new array of borrowed pointers into `r`. */
static k8sc_object ***all_slots(k8sc__rollout *r, size_t *n)
{
    k8sc_object ***slots = k8sc__calloc(r->nold + 1, sizeof(*slots));
    if (!slots)
        return NULL;
    *n = 0;
    for (size_t i = 0; i < r->nold; i++)
        slots[(*n)++] = &r->old[i];
    if (r->new_rs)
        slots[(*n)++] = &r->new_rs;
    return slots;
}

static int64_t total_spec(k8sc__rollout *r)
{
    return sum_spec(r->old, r->nold) + k8sc__rs_spec_replicas(r->new_rs);
}

/* ---- rolling update ---- */

/* reconcileNewReplicaSet: grow the new ReplicaSet within maxSurge (or shrink it to size). */
static int scale_new(k8sc__rollout *r, bool *scaled)
{
    int64_t cur = k8sc__rs_spec_replicas(r->new_rs);
    if (cur == r->replicas)
        return 0;
    int64_t want = r->replicas;
    if (cur < r->replicas) {
        int64_t room = r->replicas + r->surge - total_spec(r);
        if (room <= 0)
            return 0;
        want = cur + (room < r->replicas - cur ? room : r->replicas - cur);
    }
    *scaled = true;
    return k8sc__dep_scale_rs(r, &r->new_rs, want);
}

/* cleanupUnhealthyReplicas: shrink old ReplicaSets by their unavailable pods first. */
static int cleanup_unhealthy(k8sc__rollout *r, int64_t max_cleanup, int64_t *cleaned)
{
    *cleaned = 0;
    for (size_t i = 0; i < r->nold && *cleaned < max_cleanup; i++) {
        int64_t spec = k8sc__rs_spec_replicas(r->old[i]);
        int64_t unavailable = spec - k8sc__rs_status(r->old[i], "availableReplicas");
        if (spec == 0 || unavailable <= 0)
            continue;
        int64_t down = max_cleanup - *cleaned < unavailable ? max_cleanup - *cleaned : unavailable;
        int rc = k8sc__dep_scale_rs(r, &r->old[i], spec - down);
        if (rc < 0)
            return rc;
        *cleaned += down;
    }
    return 0;
}

/* scaleDownOldReplicaSetsForRollingUpdate: shrink old ReplicaSets while availability allows, oldest first. */
static int scale_down_old(k8sc__rollout *r, int64_t *scaled)
{
    *scaled = 0;
    int64_t available = k8sc__rs_status(r->new_rs, "availableReplicas");
    for (size_t i = 0; i < r->nold; i++)
        available += k8sc__rs_status(r->old[i], "availableReplicas");
    int64_t min_available = r->replicas - r->unavailable;
    if (available <= min_available)
        return 0;
    int64_t budget = available - min_available;
    for (size_t i = 0; i < r->nold && *scaled < budget; i++) {
        int64_t spec = k8sc__rs_spec_replicas(r->old[i]);
        if (spec == 0)
            continue;
        int64_t down = spec < budget - *scaled ? spec : budget - *scaled;
        int rc = k8sc__dep_scale_rs(r, &r->old[i], spec - down);
        if (rc < 0)
            return rc;
        *scaled += down;
    }
    return 0;
}

/* reconcileOldReplicaSets. */
static int scale_old(k8sc__rollout *r, bool *scaled)
{
    if (sum_spec(r->old, r->nold) == 0)
        return 0;
    int64_t all = total_spec(r);
    int64_t min_available = r->replicas - r->unavailable;
    int64_t new_unavailable = k8sc__rs_spec_replicas(r->new_rs) - k8sc__rs_status(r->new_rs, "availableReplicas");
    int64_t max_down = all - min_available - new_unavailable;
    if (max_down <= 0)
        return 0;
    int64_t cleaned, down;
    int rc = cleanup_unhealthy(r, max_down, &cleaned);
    if (rc == 0)
        rc = scale_down_old(r, &down);
    if (rc == 0 && cleaned + down > 0)
        *scaled = true;
    return rc;
}

static bool complete(k8sc__rollout *r)
{
    /* DeploymentComplete, judged from the ReplicaSets as the status about to be written will be. */
    int64_t replicas = k8sc__rs_status(r->new_rs, "replicas"), available = k8sc__rs_status(r->new_rs, "availableReplicas");
    for (size_t i = 0; i < r->nold; i++) {
        replicas += k8sc__rs_status(r->old[i], "replicas");
        available += k8sc__rs_status(r->old[i], "availableReplicas");
    }
    return r->new_rs && k8sc__rs_status(r->new_rs, "replicas") == r->replicas && replicas == r->replicas &&
        available == r->replicas;
}

int k8sc__dep_rolling(k8sc__rollout *r, k8sc_reconcile_result *res)
{
    int rc = k8sc__dep_sync_revision(r, true);
    if (rc < 0)
        return rc;
    bool scaled = false;
    rc = scale_new(r, &scaled);
    if (rc == 0 && !scaled)
        rc = scale_old(r, &scaled);
    if (rc == 0 && !scaled && complete(r))
        rc = k8sc__dep_cleanup(r);
    if (rc == 0)
        rc = k8sc__dep_sync_rollout_status(r, res);
    return rc;
}

/* ---- recreate ---- */

/* Whether any pod of an old ReplicaSet is not finished yet (oldPodsRunning). */
static bool old_pods_running(k8sc__rollout *r)
{
    for (size_t i = 0; i < r->nold; i++)
        if (k8sc__rs_status(r->old[i], "replicas") > 0)
            return true;
    k8sc_object **pods;
    size_t n;
    if (k8sc_cache_list(&pods, &n, k8sc_informer_cache(r->dep->pods), k8sc_object_namespace(r->d), NULL) < 0)
        return true;
    bool running = false;
    for (size_t i = 0; i < n && !running; i++) {
        k8sc_owner_ref ref;
        if (k8sc_object_controller_ref(&ref, pods[i]) < 0 || !ref.uid)
            continue;
        for (size_t j = 0; j < r->nold && !running; j++) {
            if (strcmp(ref.uid, k8sc_object_uid(r->old[j])) != 0)
                continue;
            const char *phase = k8sc_object_get_string(pods[i], "status.phase");
            running = !phase || (strcmp(phase, "Failed") != 0 && strcmp(phase, "Succeeded") != 0);
        }
    }
    k8sc_cache_items_free(pods, n);
    return running;
}

int k8sc__dep_recreate(k8sc__rollout *r, k8sc_reconcile_result *res)
{
    int rc = k8sc__dep_sync_revision(r, false);
    if (rc < 0)
        return rc;
    bool scaled = false;
    for (size_t i = 0; i < r->nold && rc == 0; i++) {
        if (k8sc__rs_spec_replicas(r->old[i]) == 0)
            continue;
        rc = k8sc__dep_scale_rs(r, &r->old[i], 0);
        scaled = true;
    }
    if (rc < 0)
        return rc;
    /* Every old pod must be gone before the new ones start. */
    if (scaled || old_pods_running(r))
        return k8sc__dep_sync_rollout_status(r, res);
    if (!r->new_rs && (rc = k8sc__dep_sync_revision(r, true)) < 0)
        return rc;
    if (k8sc__rs_spec_replicas(r->new_rs) != r->replicas)
        rc = k8sc__dep_scale_rs(r, &r->new_rs, r->replicas);
    if (rc == 0 && complete(r))
        rc = k8sc__dep_cleanup(r);
    if (rc == 0)
        rc = k8sc__dep_sync_rollout_status(r, res);
    return rc;
}

/* ---- scaling ---- */

bool k8sc__dep_is_scaling_event(k8sc__rollout *r)
{
    size_t n;
    k8sc_object ***slots = all_slots(r, &n);
    bool scaling = false;
    for (size_t i = 0; slots && i < n && !scaling; i++) {
        int64_t desired = k8sc__int_annotation(*slots[i], K8SC__DESIRED_ANN);
        scaling = k8sc__rs_spec_replicas(*slots[i]) > 0 && desired >= 0 && desired != r->replicas;
    }
    free(slots);
    return scaling;
}

/* Order for proportional scaling: larger first; ties newer first (scaling up) or older first (down). */
static bool before(k8sc_object *a, k8sc_object *b, bool up)
{
    int64_t sa = k8sc__rs_spec_replicas(a), sb = k8sc__rs_spec_replicas(b);
    if (sa != sb)
        return sa > sb;
    int64_t ta = 0, tb = 0;
    k8sc_object_creation_timestamp(a, &ta);
    k8sc_object_creation_timestamp(b, &tb);
    if (ta != tb)
        return up ? ta > tb : ta < tb;
    return up ? strcmp(k8sc_object_name(a), k8sc_object_name(b)) > 0 : strcmp(k8sc_object_name(a), k8sc_object_name(b)) < 0;
}

/* getReplicaSetFraction: this ReplicaSet's share of the change in the Deployment's maximum size. */
static int64_t fraction(k8sc__rollout *r, const k8sc_object *rs)
{
    int64_t spec = k8sc__rs_spec_replicas(rs);
    if (r->replicas == 0)
        return -spec;
    int64_t max = r->replicas + r->surge;
    int64_t before_scale = k8sc__int_annotation(rs, K8SC__MAX_ANN);
    if (before_scale < 0)
        before_scale = k8sc__json_int(k8sc_object_get(r->d, "status"), "replicas", 0);
    if (before_scale == 0)
        return 0;
    return (int64_t)llround((double)(spec * max) / (double)before_scale) - spec;
}

/* The `scale` of sync.go: one active ReplicaSet takes the new size; several share it proportionally. */
static int proportional(k8sc__rollout *r)
{
    size_t n = 0;
    k8sc_object ***slots = all_slots(r, &n);
    if (!slots)
        return K8SC_ENOMEM;
    size_t active = 0;
    for (size_t i = 0; i < n; i++)
        if (k8sc__rs_spec_replicas(*slots[i]) > 0)
            slots[active++] = slots[i];
    int rc = 0;
    if (active <= 1) {
        /* FindActiveOrLatest: the active one, else the newest. */
        k8sc_object **target = active == 1 ? slots[0] : r->new_rs ? &r->new_rs : r->nold ? &r->old[r->nold - 1] : NULL;
        if (target && k8sc__rs_spec_replicas(*target) != r->replicas)
            rc = k8sc__dep_scale_rs(r, target, r->replicas);
        free(slots);
        return rc;
    }
    /* IsSaturated: the new ReplicaSet is complete, so the old ones go. */
    if (r->new_rs && k8sc__rs_spec_replicas(r->new_rs) == r->replicas &&
        k8sc__int_annotation(r->new_rs, K8SC__DESIRED_ANN) == r->replicas &&
        k8sc__rs_status(r->new_rs, "availableReplicas") == r->replicas) {
        for (size_t i = 0; i < r->nold && rc == 0; i++)
            if (k8sc__rs_spec_replicas(r->old[i]) > 0)
                rc = k8sc__dep_scale_rs(r, &r->old[i], 0);
        free(slots);
        return rc;
    }
    const char *type = k8sc_object_get_string(r->d, "spec.strategy.type");
    if (type && strcmp(type, "RollingUpdate") != 0) {
        free(slots);
        return 0;
    }
    int64_t all = 0;
    for (size_t i = 0; i < active; i++)
        all += k8sc__rs_spec_replicas(*slots[i]);
    int64_t allowed = r->replicas > 0 ? r->replicas + r->surge : 0;
    int64_t to_add = allowed - all, added = 0;
    bool up = to_add > 0;
    for (size_t i = 1; i < active; i++)
        for (size_t j = i; j > 0 && before(*slots[j], *slots[j - 1], up); j--) {
            k8sc_object **t = slots[j];
            slots[j] = slots[j - 1];
            slots[j - 1] = t;
        }
    int64_t *size = k8sc__calloc(active, sizeof(*size));
    if (!size) {
        free(slots);
        return K8SC_ENOMEM;
    }
    for (size_t i = 0; i < active; i++) {
        int64_t spec = k8sc__rs_spec_replicas(*slots[i]), prop = 0;
        if (to_add != 0 && to_add != added && spec != 0) {
            int64_t f = fraction(r, *slots[i]), left = to_add - added;
            prop = to_add > 0 ? (f < left ? f : left) : (f > left ? f : left);
        }
        size[i] = spec + prop;
        added += prop;
    }
    /* What rounding left over goes to the largest. */
    if (to_add != added && active > 0) {
        size[0] += to_add - added;
        if (size[0] < 0)
            size[0] = 0;
    }
    for (size_t i = 0; i < active && rc == 0; i++)
        rc = k8sc__dep_scale_rs(r, slots[i], size[i]);
    free(size);
    free(slots);
    return rc;
}

int k8sc__dep_scale_only(k8sc__rollout *r)
{
    int rc = k8sc__dep_sync_revision(r, false);
    if (rc == 0)
        rc = proportional(r);
    bool paused = false;
    k8sc_object_get_bool(r->d, "spec.paused", &paused);
    if (rc == 0 && paused)
        rc = k8sc__dep_cleanup(r);
    if (rc == 0)
        rc = k8sc__dep_sync_status(r);
    return rc;
}

/* ---- history ---- */

static int by_revision(const void *a, const void *b)
{
    const k8sc_object *x = *(k8sc_object *const *)a, *y = *(k8sc_object *const *)b;
    int64_t rx = k8sc__revision(x), ry = k8sc__revision(y);
    if (rx != ry)
        return rx < ry ? -1 : 1;
    int64_t tx = 0, ty = 0;
    k8sc_object_creation_timestamp(x, &tx);
    k8sc_object_creation_timestamp(y, &ty);
    return tx < ty ? -1 : tx > ty;
}

int k8sc__dep_cleanup(k8sc__rollout *r)
{
    int64_t limit = k8sc__json_int(k8sc_object_get(r->d, "spec"), "revisionHistoryLimit", -1);
    if (limit < 0)
        return 0;
    k8sc_object **idle = k8sc__calloc(r->nold + 1, sizeof(*idle));
    if (!idle)
        return K8SC_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < r->nold; i++)
        if (!k8sc_object_has(r->old[i], "metadata.deletionTimestamp"))
            idle[n++] = r->old[i];
    int rc = 0;
    if ((int64_t)n > limit) {
        qsort(idle, n, sizeof(*idle), by_revision);
        for (size_t i = 0; i < n - (size_t)limit && rc == 0; i++) {
            const k8sc_object *rs = idle[i];
            /* Only a ReplicaSet with no pods, whose status is current, is history to drop. */
            if (k8sc__rs_status(rs, "replicas") != 0 || k8sc__rs_spec_replicas(rs) != 0 ||
                k8sc_object_generation(rs) > k8sc__rs_status(rs, "observedGeneration"))
                continue;
            rc = k8sc_client_delete(NULL, k8sc_controller_client(r->dep->ctl), "apps/v1", "ReplicaSet",
                k8sc_object_namespace(rs), k8sc_object_name(rs), NULL);
            if (rc == K8SC_ENOTFOUND)
                rc = 0;
        }
    }
    free(idle);
    return rc;
}
