/*
 * The disruption controller (Kubernetes' pkg/controller/disruption): keeps
 * each PodDisruptionBudget's status, which the eviction subresource reads:
 * the pods its selector matches, how many are healthy (ready, not being
 * deleted, not evicted a moment ago), how many must stay healthy (from
 * minAvailable or maxUnavailable, percentages scaled by the pods'
 * controllers' replicas), and so how many disruptions are allowed.
 */
#include <string.h>

#include "deployment.h"
#include "workload.h"

#define SEC 1000000000LL
/* How long an eviction recorded in disruptedPods holds before the pod must be gone (DeletionTimeout). */
#define DELETION_TIMEOUT 120

/* The PDB's pods: its selector matched in its namespace (no selector: none, empty: all). */
static int pdb_pods(k8sc_object ***out, size_t *count, k8sc_controller *ctl, const k8sc_object *pdb)
{
    *out = NULL;
    *count = 0;
    struct json_object *sj = k8sc_object_get(pdb, "spec.selector");
    if (!sj)
        return 0;
    k8sc_selector *sel = NULL;
    int rc = k8sc_selector_from_json(&sel, sj);
    if (rc == 0)
        rc = k8sc_cache_list(out, count, k8sc_controller_cache(ctl, "v1", "Pod"), k8sc_object_namespace(pdb), sel);
    k8sc_selector_free(sel);
    return rc;
}

/* The controller ownerReference of `obj`, borrowed, or NULL. */
static struct json_object *controller_ref(const k8sc_object *obj)
{
    struct json_object *refs = k8sc_object_get(obj, "metadata.ownerReferences");
    for (size_t i = 0; refs && json_object_is_type(refs, json_type_array) && i < json_object_array_length(refs); i++) {
        struct json_object *r = json_object_array_get_idx(refs, i), *c = k8sc__json_member(r, "controller");
        if (c && json_object_get_boolean(c))
            return r;
    }
    return NULL;
}

/*
 * The scale of the controller `ref` names in `ns` (finders: ReplicaSet,
 * or its Deployment; ReplicationController; StatefulSet). *uid gets the
 * scaled object's uid so that pods of one controller count once.
 */
static int controller_scale(int64_t *scale, char *uid, size_t uid_size, k8sc_client *client, const char *ns,
    struct json_object *ref)
{
    const char *kind = k8sc__json_string(ref, "kind"), *name = k8sc__json_string(ref, "name");
    const char *av = k8sc__json_string(ref, "apiVersion");
    static const struct { const char *av, *kind; } scalable[] = {
        { "apps/v1", "ReplicaSet" }, { "v1", "ReplicationController" }, { "apps/v1", "StatefulSet" },
        { "apps/v1", "Deployment" },
    };
    bool known = false;
    for (size_t i = 0; kind && av && i < K8SC__ARRAY_LEN(scalable); i++)
        known = known || (strcmp(av, scalable[i].av) == 0 && strcmp(kind, scalable[i].kind) == 0);
    if (!known || !name)
        return k8sc_error_set(K8SC_ENOTFOUND, "found no controllers for %s %s", kind ? kind : "", name ? name : "");
    k8sc_object *obj = NULL;
    int rc = k8sc_client_get(&obj, client, av, kind, ns, name);
    if (rc)
        return rc;
    struct json_object *owner = strcmp(kind, "ReplicaSet") == 0 ? controller_ref(obj) : NULL;
    const char *okind = owner ? k8sc__json_string(owner, "kind") : NULL;
    if (okind && strcmp(okind, "Deployment") == 0) {
        json_object_get(owner);
        k8sc_object_free(obj);
        rc = controller_scale(scale, uid, uid_size, client, ns, owner);
        json_object_put(owner);
        return rc;
    }
    if (k8sc_object_get_int(obj, "spec.replicas", scale))
        *scale = 1;
    snprintf(uid, uid_size, "%s", k8sc_object_uid(obj) ? k8sc_object_uid(obj) : "");
    k8sc_object_free(obj);
    return 0;
}

/* getExpectedScale: the summed scale of the pods' controllers, each counted once. */
static int expected_scale(int64_t *out, k8sc_client *client, k8sc_object **pods, size_t n)
{
    *out = 0;
    char (*seen)[64] = n ? k8sc__calloc(n, sizeof(*seen)) : NULL;
    if (n && !seen)
        return K8SC_ENOMEM;
    size_t nseen = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        struct json_object *ref = controller_ref(pods[i]);
        if (!ref)
            continue; /* unmanaged pods do not count */
        int64_t scale = 0;
        char uid[64];
        if ((rc = controller_scale(&scale, uid, sizeof(uid), client, k8sc_object_namespace(pods[i]), ref)))
            break;
        bool dup = false;
        for (size_t j = 0; j < nseen && !dup; j++)
            dup = strcmp(seen[j], uid) == 0;
        if (!dup) {
            snprintf(seen[nseen++], sizeof(seen[0]), "%s", uid);
            *out += scale;
        }
    }
    k8sc_free(seen);
    return rc;
}

/* getExpectedPodCount: expectedPods and desiredHealthy. */
static int expected_counts(int64_t *expected, int64_t *desired, k8sc_client *client, const k8sc_object *pdb,
    k8sc_object **pods, size_t n)
{
    struct json_object *max = k8sc_object_get(pdb, "spec.maxUnavailable");
    struct json_object *min = k8sc_object_get(pdb, "spec.minAvailable");
    *expected = 0;
    *desired = 0;
    int rc = 0;
    int64_t v = 0;
    if (max) {
        if (!(rc = expected_scale(expected, client, pods, n)) && !(rc = k8sc__intstr_scaled(max, *expected, true, &v)))
            *desired = *expected - v < 0 ? 0 : *expected - v;
    } else if (min && json_object_is_type(min, json_type_int)) {
        *desired = json_object_get_int64(min);
        *expected = (int64_t)n;
    } else if (min) {
        if (!(rc = expected_scale(expected, client, pods, n)) && !(rc = k8sc__intstr_scaled(min, *expected, true, &v)))
            *desired = v;
    }
    return rc;
}

/*
 * buildDisruptedPodMap: the evictions still pending (pod there, not yet
 * being deleted, recorded less than DeletionTimeout ago), and in *recheck
 * the earliest time (ns, 0: none) one of them expires.
 */
static struct json_object *pending_evictions(const k8sc_object *pdb, k8sc_object **pods, size_t n, int64_t now,
    int64_t *recheck)
{
    struct json_object *old = k8sc_object_get(pdb, "status.disruptedPods"), *kept = json_object_new_object();
    *recheck = 0;
    if (!kept || !old || !json_object_is_type(old, json_type_object))
        return kept;
    json_object_object_foreach(old, name, when) {
        int64_t at, ts;
        const k8sc_object *pod = NULL;
        for (size_t i = 0; i < n && !pod; i++)
            if (strcmp(k8sc_object_name(pods[i]), name) == 0)
                pod = pods[i];
        if (!pod || k8sc_object_deletion_timestamp(pod, &ts) == 0 || !json_object_is_type(when, json_type_string) ||
            k8sc_time_parse(&at, json_object_get_string(when)) != 0)
            continue;
        int64_t expires = (at + DELETION_TIMEOUT) * SEC;
        if (expires <= now)
            continue;
        if (!*recheck || expires < *recheck)
            *recheck = expires;
        json_object_object_add(kept, name, json_object_get(when));
    }
    return kept;
}

/* countHealthyPods: ready, not being deleted, not evicted a moment ago. */
static int64_t healthy(k8sc_object **pods, size_t n, struct json_object *disrupted)
{
    int64_t count = 0, ts;
    for (size_t i = 0; i < n; i++)
        if (k8sc_object_deletion_timestamp(pods[i], &ts) != 0 &&
            !json_object_object_get_ex(disrupted, k8sc_object_name(pods[i]), NULL) && k8sc__pod_ready(pods[i], NULL))
            count++;
    return count;
}

/*
 * UpdateDisruptionAllowedCondition with SetStatusCondition's transition
 * time; `failed` (NULL unless the sync failed) is failSafe's message.
 */
static int set_allowed_condition(struct json_object *status, const k8sc_object *pdb, int64_t allowed,
    int64_t generation, int64_t now, const char *failed)
{
    const char *cstatus = allowed > 0 ? "True" : "False";
    const char *reason = failed ? "SyncFailed" : allowed > 0 ? "SufficientPods" : "InsufficientPods";
    struct json_object *old = k8sc_object_get(pdb, "status.conditions"), *conds = json_object_new_array(),
                       *prev = NULL;
    for (size_t i = 0; old && json_object_is_type(old, json_type_array) && i < json_object_array_length(old); i++) {
        struct json_object *c = json_object_array_get_idx(old, i);
        const char *t = k8sc__json_string(c, "type");
        if (t && strcmp(t, "DisruptionAllowed") == 0)
            prev = c;
        else
            json_object_array_add(conds, json_object_get(c));
    }
    char ts[K8SC_TIME_BUFSIZE];
    const char *ps = prev ? k8sc__json_string(prev, "status") : NULL, *pt = prev ? k8sc__json_string(prev,
        "lastTransitionTime") : NULL;
    if (ps && pt && strcmp(ps, cstatus) == 0)
        snprintf(ts, sizeof(ts), "%s", pt);
    else
        k8sc_time_format(ts, sizeof(ts), now / SEC);
    struct json_object *c = json_object_new_object();
    if (!conds || !c) {
        json_object_put(conds);
        json_object_put(c);
        return K8SC_ENOMEM;
    }
    json_object_object_add(c, "type", json_object_new_string("DisruptionAllowed"));
    json_object_object_add(c, "status", json_object_new_string(cstatus));
    json_object_object_add(c, "observedGeneration", json_object_new_int64(generation));
    json_object_object_add(c, "lastTransitionTime", json_object_new_string(ts));
    json_object_object_add(c, "reason", json_object_new_string(reason));
    json_object_object_add(c, "message", json_object_new_string(failed ? failed : ""));
    json_object_array_add(conds, c);
    json_object_object_add(status, "conditions", conds);
    return 0;
}

static struct json_object *new_status(const k8sc_object *pdb, struct json_object *disrupted, int64_t current,
    int64_t desired, int64_t expected, int64_t allowed, int64_t now)
{
    struct json_object *st = json_object_new_object();
    if (!st)
        return NULL;
    int64_t gen = k8sc_object_generation(pdb);
    json_object_object_add(st, "observedGeneration", json_object_new_int64(gen));
    if (json_object_object_length(disrupted) > 0)
        json_object_object_add(st, "disruptedPods", json_object_get(disrupted));
    json_object_object_add(st, "disruptionsAllowed", json_object_new_int64(allowed));
    json_object_object_add(st, "currentHealthy", json_object_new_int64(current));
    json_object_object_add(st, "desiredHealthy", json_object_new_int64(desired));
    json_object_object_add(st, "expectedPods", json_object_new_int64(expected));
    if (set_allowed_condition(st, pdb, allowed, gen, now, NULL)) {
        json_object_put(st);
        return NULL;
    }
    return st;
}

static int reconcile(k8sc_reconcile_result *res, k8sc_controller *ctl, const char *ns, const char *name, void *ud)
{
    k8sc_event_recorder *rec = ud;
    k8sc_object *pdb = NULL;
    if (k8sc_cache_get(&pdb, k8sc_controller_cache(ctl, "policy/v1", "PodDisruptionBudget"), ns, name) < 0)
        return 0;
    k8sc_object **pods = NULL;
    size_t n = 0;
    int64_t now = k8sc_clock_now(k8sc_controller_clock(ctl)), expected = 0, desired = 0, recheck = 0;
    int rc = pdb_pods(&pods, &n, ctl, pdb);
    if (!rc && n == 0)
        k8sc__event(rec, pdb, "Normal", "NoPods", "No matching pods found");
    char why[512] = "";
    if (!rc && (rc = expected_counts(&expected, &desired, k8sc_controller_client(ctl), pdb, pods, n)) &&
        rc != K8SC_ENOMEM) {
        snprintf(why, sizeof(why), "%s", k8sc_error_last());
        k8sc__event(rec, pdb, "Warning", "CalculateExpectedPodCountFailed",
            "Failed to calculate the number of expected pods: %s", why);
    }
    struct json_object *st = NULL, *disrupted = NULL;
    if (!rc) {
        disrupted = pending_evictions(pdb, pods, n, now, &recheck);
        int64_t current = disrupted ? healthy(pods, n, disrupted) : 0;
        int64_t allowed = current - desired;
        if (expected <= 0 || allowed <= 0)
            allowed = 0;
        st = disrupted ? new_status(pdb, disrupted, current, desired, expected, allowed, now) : NULL;
    } else if (rc != K8SC_ENOMEM) {
        /* failSafe: no disruption is allowed while the budget cannot be computed. */
        st = json_object_new_object();
        struct json_object *old = k8sc_object_get(pdb, "status"), *copy = NULL;
        if (st && old && json_object_deep_copy(old, &copy, NULL) == 0) {
            json_object_put(st);
            st = copy;
        }
        if (st)
            json_object_object_add(st, "disruptionsAllowed", json_object_new_int64(0));
        if (st && set_allowed_condition(st, pdb, 0, k8sc_object_generation(pdb), now, why)) {
            json_object_put(st);
            st = NULL;
        }
    }
    int wrc = st ? k8sc__write_status(k8sc_controller_client(ctl), pdb, st, NULL) : K8SC_ENOMEM;
    if (!rc)
        rc = wrc;
    json_object_put(disrupted);
    k8sc_cache_items_free(pods, n);
    k8sc_object_free(pdb);
    if (!rc && recheck) {
        res->action = K8SC_RECONCILE_REQUEUE_AFTER;
        res->requeue_after_ns = recheck - now;
    }
    return rc;
}

/* Every PDB in the pod's namespace whose selector matches it. */
static void map_pod(k8sc_controller *ctl, const k8sc_object *pod, void *ud)
{
    (void)ud;
    k8sc_object **pdbs = NULL;
    size_t n = 0;
    if (k8sc_cache_list(&pdbs, &n, k8sc_controller_cache(ctl, "policy/v1", "PodDisruptionBudget"),
            k8sc_object_namespace(pod), NULL) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        struct json_object *sj = k8sc_object_get(pdbs[i], "spec.selector");
        k8sc_selector *s = NULL;
        if (sj && k8sc_selector_from_json(&s, sj) == 0 && k8sc_selector_matches_object(s, pod))
            k8sc_controller_enqueue(ctl, k8sc_object_namespace(pdbs[i]), k8sc_object_name(pdbs[i]));
        k8sc_selector_free(s);
    }
    k8sc_cache_items_free(pdbs, n);
}

int k8sc_disruption_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts)
{
    K8SC__CHECK_ARG(out);
    static const k8sc__builtin_spec spec = { "disruption-controller", "policy/v1", "PodDisruptionBudget", reconcile,
        NULL, NULL };
    k8sc_controller *ctl;
    int rc = k8sc__builtin_new(&ctl, client, opts, &spec, opts ? opts->recorder : NULL);
    if (rc < 0)
        return rc;
    rc = k8sc_controller_watches(ctl, "v1", "Pod", map_pod, NULL);
    if (rc < 0) {
        k8sc_controller_free(ctl);
        return rc;
    }
    *out = ctl;
    return 0;
}
