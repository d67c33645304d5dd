/*
 * The TTL-after-finished controller (Kubernetes' pkg/controller/ttlafterfinished):
 * deletes finished Jobs once spec.ttlSecondsAfterFinished has passed.
 */
#include <string.h>

#include "workload.h"

#define SEC 1000000000LL

/* jobFinishTime: the lastTransitionTime (ns) of the True Complete or Failed condition; false if none. */
static bool finish_time(int64_t *out, const k8sc_object *job)
{
    struct json_object *conds = k8sc_object_get(job, "status.conditions");
    size_t n = json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        const char *t = json_object_get_string(json_object_object_get(c, "type"));
        const char *s = json_object_get_string(json_object_object_get(c, "status"));
        const char *at = json_object_get_string(json_object_object_get(c, "lastTransitionTime"));
        if (!t || !s || strcmp(s, "True") != 0 || (strcmp(t, "Complete") != 0 && strcmp(t, "Failed") != 0))
            continue;
        int64_t sec;
        if (!at || k8sc_time_parse(&sec, at) < 0)
            return false;
        *out = sec * SEC;
        return true;
    }
    return false;
}

/*
 * How long until `job` expires (<= 0: expired); false when it does not
 * expire: no TTL, not finished, or already being deleted.
 */
static bool time_left(int64_t *left, const k8sc_object *job, k8sc_clock *clock)
{
    int64_t ttl, finished;
    if (k8sc_object_has(job, "metadata.deletionTimestamp") ||
        k8sc_object_get_int(job, "spec.ttlSecondsAfterFinished", &ttl) != 0 || !finish_time(&finished, job))
        return false;
    *left = finished + ttl * SEC - k8sc_clock_now(clock);
    return true;
}

static int reconcile(k8sc_reconcile_result *res, k8sc_controller *ctl, const char *ns, const char *name, void *ud)
{
    (void)ud;
    k8sc_clock *clock = k8sc_controller_clock(ctl);
    k8sc_object *job;
    if (k8sc_cache_get(&job, k8sc_controller_cache(ctl, "batch/v1", "Job"), ns, name) < 0)
        return 0;
    int64_t left;
    bool expires = time_left(&left, job, clock);
    k8sc_object_free(job);
    if (!expires)
        return 0;
    if (left > 0) {
        res->action = K8SC_RECONCILE_REQUEUE_AFTER;
        res->requeue_after_ns = left;
        return 0;
    }
    /* The cache may be stale: the TTL may have been changed. Decide again on the server's copy. */
    k8sc_client *client = k8sc_controller_client(ctl);
    int rc = k8sc_client_get(&job, client, "batch/v1", "Job", ns, name);
    if (rc < 0)
        return rc == K8SC_ENOTFOUND ? 0 : rc;
    expires = time_left(&left, job, clock);
    if (expires && left <= 0) {
        k8sc_delete_options o = K8SC_DELETE_OPTIONS_INIT;
        o.propagation_policy = "Background";
        o.precondition_uid = k8sc_object_uid(job);
        rc = k8sc_client_delete(NULL, client, "batch/v1", "Job", ns, name, &o);
        if (rc == K8SC_ENOTFOUND || rc == K8SC_ECONFLICT)
            rc = 0; /* gone, or replaced by another Job of that name */
    } else if (expires) {
        res->action = K8SC_RECONCILE_REQUEUE_AFTER;
        res->requeue_after_ns = left;
    }
    k8sc_object_free(job);
    return rc;
}

int k8sc_ttl_after_finished_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts)
{
    K8SC__CHECK_ARG(out);
    static const k8sc__builtin_spec spec = { "ttl-after-finished-controller", "batch/v1", "Job", reconcile, NULL, NULL };
    return k8sc__builtin_new(out, client, opts, &spec, NULL);
}
