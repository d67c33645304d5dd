/*
 * Node lifecycle (Kubernetes' nodelifecycle and taint-eviction
 * controllers): a node whose kubelet stops heartbeating — neither its
 * Lease in kube-node-lease nor its Ready condition's lastHeartbeatTime
 * changes — for longer than the grace period gets its conditions set to
 * Unknown; a node that is not ready (Ready False) or unreachable (Ready
 * Unknown) gets the matching NoSchedule and NoExecute taints; pods on it
 * that do not tolerate a NoExecute taint are deleted at once, the others
 * when their tolerationSeconds run out, so their controllers recreate
 * them elsewhere. Observation times are this controller's own clock, as
 * in Kubernetes, so clock skew between machines does not matter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/controller_internal.h"
#include "workload.h"

#define SEC 1000000000LL
#define MONITOR_PERIOD_NS (5 * SEC)
#define STARTUP_GRACE_NS (60 * SEC)
#define NOT_READY "node.kubernetes.io/not-ready"
#define UNREACHABLE "node.kubernetes.io/unreachable"
#define NODE_INDEX "spec.nodeName"

/* What was last seen of a node's heartbeats, and when (mono ns on the controller's clock). */
typedef struct health {
    k8sc__keynode node;
    char *heartbeat, *renew;
    int64_t probe;
} health;

typedef struct nl_state {
    k8sc_controller *ctl;
    k8sc_event_recorder *rec;
    k8sc_clock *clock;
    int64_t grace_ns;
    pthread_mutex_t mu;
    k8sc__keymap seen; /* health by node name */
} nl_state;

static const char *const CONDITIONS[] = { "Ready", "MemoryPressure", "DiskPressure", "PIDPressure" };

static bool changed(char **slot, const char *now)
{
    if ((!*slot && !now) || (*slot && now && strcmp(*slot, now) == 0))
        return false;
    free(*slot);
    *slot = now ? k8sc__strdup(now) : NULL;
    return true;
}

/* Note the node's heartbeats; true if the last one is older than the grace period. */
static bool stale(nl_state *st, const k8sc_object *node, const k8sc_object *lease)
{
    struct json_object *ready = k8sc__condition(k8sc_object_get(node, "status"), "Ready");
    const char *hb = ready ? k8sc__json_string(ready, "lastHeartbeatTime") : NULL;
    const char *renew = lease ? k8sc_object_get_string(lease, "spec.renewTime") : NULL;
    int64_t now = k8sc_clock_mono(st->clock);
    pthread_mutex_lock(&st->mu);
    health *h = (health *)k8sc__keymap_find(&st->seen, k8sc_object_name(node));
    bool fresh = !h;
    if (!h && (h = (health *)k8sc__keymap_insert(&st->seen, k8sc_object_name(node), sizeof(*h))))
        h->probe = now;
    bool out = false;
    if (h) {
        bool beat = changed(&h->heartbeat, hb);
        beat = changed(&h->renew, renew) || beat;
        if (beat && !fresh)
            h->probe = now;
        /* A node that never reported gets the longer startup grace. */
        out = now - h->probe > (ready ? st->grace_ns : STARTUP_GRACE_NS);
    }
    pthread_mutex_unlock(&st->mu);
    return out;
}

/* Conditions to Unknown (tryUpdateNodeHealth); true if anything changed. */
static bool mark_unknown(struct json_object *status, int64_t now)
{
    bool any = false;
    char ts[K8SC_TIME_BUFSIZE];
    k8sc_time_format(ts, sizeof(ts), now);
    struct json_object *conds = json_object_object_get(status, "conditions");
    if (!conds) {
        conds = json_object_new_array();
        json_object_object_add(status, "conditions", conds);
    }
    for (size_t i = 0; i < K8SC__ARRAY_LEN(CONDITIONS); i++) {
        struct json_object *c = k8sc__condition(status, CONDITIONS[i]);
        if (c && strcmp(k8sc__json_string(c, "status") ? k8sc__json_string(c, "status") : "", "Unknown") == 0)
            continue;
        if (!c) {
            c = json_object_new_object();
            json_object_object_add(c, "type", json_object_new_string(CONDITIONS[i]));
            json_object_array_add(conds, c);
        }
        json_object_object_add(c, "status", json_object_new_string("Unknown"));
        json_object_object_add(c, "reason", json_object_new_string(json_object_object_get(c, "lastHeartbeatTime")
            ? "NodeStatusUnknown" : "NodeStatusNeverUpdated"));
        json_object_object_add(c, "message", json_object_new_string(json_object_object_get(c, "lastHeartbeatTime")
            ? "Kubelet stopped posting node status." : "Kubelet never posted node status."));
        json_object_object_add(c, "lastTransitionTime", json_object_new_string(ts));
        any = true;
    }
    return any;
}

/* The taint this node should carry for `effect`, or NULL. */
static const char *wanted_taint(const k8sc_object *node)
{
    struct json_object *ready = k8sc__condition(k8sc_object_get(node, "status"), "Ready");
    const char *s = ready ? k8sc__json_string(ready, "status") : NULL;
    if (s && strcmp(s, "False") == 0)
        return NOT_READY;
    if (s && strcmp(s, "Unknown") == 0)
        return UNREACHABLE;
    return NULL;
}

static bool ours(const char *key)
{
    return key && (strcmp(key, NOT_READY) == 0 || strcmp(key, UNREACHABLE) == 0);
}

/* spec.taints with our two taints as the Ready condition says; NULL when they already are. */
static struct json_object *retaint(const k8sc_object *node, int64_t now)
{
    const char *want = wanted_taint(node);
    struct json_object *taints = k8sc_object_get(node, "spec.taints"), *out = json_object_new_array();
    size_t n = json_object_is_type(taints, json_type_array) ? json_object_array_length(taints) : 0;
    int have = 0;
    bool stray = false;
    for (size_t i = 0; i < n; i++) {
        struct json_object *t = json_object_array_get_idx(taints, i);
        const char *key = k8sc__json_string(t, "key");
        if (!ours(key)) {
            json_object_array_add(out, json_object_get(t));
            continue;
        }
        if (want && strcmp(key, want) == 0) {
            json_object_array_add(out, json_object_get(t));
            have++;
        } else {
            stray = true;
        }
    }
    if (!stray && have == (want ? 2 : 0)) {
        json_object_put(out);
        return NULL;
    }
    char ts[K8SC_TIME_BUFSIZE];
    k8sc_time_format(ts, sizeof(ts), now);
    static const char *const effects[] = { "NoSchedule", "NoExecute" };
    for (size_t e = 0; want && e < 2; e++) {
        bool present = false;
        for (size_t i = 0; i < json_object_array_length(out); i++) {
            struct json_object *t = json_object_array_get_idx(out, i);
            present = present || (strcmp(k8sc__json_string(t, "key"), want) == 0 &&
                                     strcmp(k8sc__json_string(t, "effect") ? k8sc__json_string(t, "effect") : "", effects[e]) == 0);
        }
        if (present)
            continue;
        struct json_object *t = json_object_new_object();
        json_object_object_add(t, "key", json_object_new_string(want));
        json_object_object_add(t, "effect", json_object_new_string(effects[e]));
        if (e == 1)
            json_object_object_add(t, "timeAdded", json_object_new_string(ts));
        json_object_array_add(out, t);
    }
    return out;
}

/* Whether toleration `tol` matches taint `t` (ToleratesTaint). */
static bool tolerates(struct json_object *tol, struct json_object *t)
{
    const char *teffect = k8sc__json_string(tol, "effect"), *effect = k8sc__json_string(t, "effect");
    if (teffect && *teffect && (!effect || strcmp(teffect, effect) != 0))
        return false;
    const char *tkey = k8sc__json_string(tol, "key"), *key = k8sc__json_string(t, "key");
    const char *op = k8sc__json_string(tol, "operator");
    bool exists = op && strcmp(op, "Exists") == 0;
    if (tkey && *tkey && strcmp(tkey, key) != 0)
        return false;
    if (!tkey || !*tkey)
        return exists;
    if (exists)
        return true;
    const char *tv = k8sc__json_string(tol, "value"), *v = k8sc__json_string(t, "value");
    return strcmp(tv ? tv : "", v ? v : "") == 0;
}

/*
 * When `pod` must go because of the node's NoExecute taints: -1 never, 0
 * now, else the unix second (taint timeAdded + the smallest
 * tolerationSeconds of the tolerations that match).
 */
static int64_t eviction_time(const k8sc_object *pod, struct json_object *taints)
{
    struct json_object *tols = k8sc_object_get(pod, "spec.tolerations");
    int64_t when = -1;
    for (size_t i = 0; taints && i < json_object_array_length(taints); i++) {
        struct json_object *t = json_object_array_get_idx(taints, i);
        const char *effect = k8sc__json_string(t, "effect");
        if (!effect || strcmp(effect, "NoExecute") != 0)
            continue;
        bool matched = false;
        int64_t secs = -1; /* -1: tolerated forever */
        for (size_t j = 0; tols && j < json_object_array_length(tols); j++) {
            struct json_object *tol = json_object_array_get_idx(tols, j);
            if (!tolerates(tol, t))
                continue;
            int64_t s = k8sc__json_int(tol, "tolerationSeconds", -1);
            secs = !matched ? s : (s >= 0 && (secs < 0 || s < secs)) ? s : secs;
            matched = true;
        }
        if (!matched)
            return 0;
        if (secs < 0)
            continue;
        int64_t added = 0;
        k8sc_time_parse(&added, k8sc__json_string(t, "timeAdded") ? k8sc__json_string(t, "timeAdded") : "");
        int64_t at = added + (secs > 0 ? secs : 0);
        if (at <= 0)
            at = 1;
        if (when < 0 || at < when)
            when = at;
    }
    return when;
}

static int node_index(k8sc_index_values *vals, const k8sc_object *pod, void *ud)
{
    (void)ud;
    const char *node = k8sc_object_get_string(pod, "spec.nodeName");
    return node && *node ? k8sc_index_values_add(vals, node) : 0;
}

/* Evict the pods the taints say must go; the earliest later eviction in *next (unix s, or -1). */
static int evict(nl_state *st, const k8sc_object *node, int64_t now, int64_t *next)
{
    *next = -1;
    struct json_object *taints = k8sc_object_get(node, "spec.taints");
    k8sc_object **pods;
    size_t n;
    int rc = k8sc_cache_by_index(&pods, &n, k8sc_controller_cache(st->ctl, "v1", "Pod"), NODE_INDEX,
        k8sc_object_name(node));
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (k8sc_object_has(pods[i], "metadata.deletionTimestamp"))
            continue;
        int64_t at = eviction_time(pods[i], taints);
        if (at < 0)
            continue;
        if (at > now) {
            if (*next < 0 || at < *next)
                *next = at;
            continue;
        }
        k8sc__event(st->rec, pods[i], "Normal", "TaintManagerEviction", "Marking for deletion Pod %s/%s",
            k8sc_object_namespace(pods[i]), k8sc_object_name(pods[i]));
        /* As the taint eviction controller: say why on the pod (DisruptionTarget), then delete it. */
        struct json_object *status = NULL;
        struct json_object *cur = k8sc_object_get(pods[i], "status");
        if (cur)
            json_object_deep_copy(cur, &status, NULL);
        else
            status = json_object_new_object();
        if (status && k8sc__set_condition(status, "DisruptionTarget", "True", "DeletionByTaintManager",
                "Taint manager: deleting due to NoExecute taint", now) == 0) {
            int wrc = k8sc__write_status(k8sc_controller_client(st->ctl), pods[i], status, NULL);
            if (wrc != 0 && wrc != K8SC_ENOTFOUND)
                k8sc_log(K8SC_LOG_WARN, "node lifecycle: pod %s: %s", k8sc_object_name(pods[i]), k8sc_error_last());
        } else {
            json_object_put(status);
        }
        rc = k8sc_client_delete(NULL, k8sc_controller_client(st->ctl), "v1", "Pod", k8sc_object_namespace(pods[i]),
            k8sc_object_name(pods[i]), NULL);
        if (rc == K8SC_ENOTFOUND)
            rc = 0;
    }
    k8sc_cache_items_free(pods, n);
    return rc;
}

static int sync(k8sc_reconcile_result *res, k8sc_controller *ctl, const char *ns, const char *name, void *ud)
{
    (void)ns;
    nl_state *st = ud;
    k8sc_object *node, *lease = NULL;
    if (k8sc_cache_get(&node, k8sc_controller_cache(ctl, "v1", "Node"), NULL, name) < 0) {
        pthread_mutex_lock(&st->mu);
        health *h = (health *)k8sc__keymap_find(&st->seen, name);
        if (h) {
            free(h->heartbeat);
            free(h->renew);
            k8sc__keymap_remove(&st->seen, &h->node);
        }
        pthread_mutex_unlock(&st->mu);
        return 0;
    }
    k8sc_cache_get(&lease, k8sc_controller_cache(ctl, "coordination.k8s.io/v1", "Lease"), "kube-node-lease", name);
    int64_t now = k8sc_clock_now(st->clock) / SEC;
    int rc = 0;
    k8sc_client *client = k8sc_controller_client(ctl);
    if (stale(st, node, lease)) {
        struct json_object *status = NULL;
        json_object_deep_copy(k8sc_object_get(node, "status"), &status, NULL);
        if (!status)
            status = json_object_new_object();
        if (mark_unknown(status, now)) {
            k8sc__event(st->rec, node, "Normal", "NodeNotReady", "Node %s status is now: NodeNotReady", name);
            k8sc_object *written = NULL;
            rc = k8sc__write_status_get(&written, client, node, status);
            if (rc == 0) {
                k8sc_object_free(node);
                node = written;
            }
        } else {
            json_object_put(status);
        }
    }
    struct json_object *taints = rc == 0 ? retaint(node, now) : NULL;
    if (taints) {
        k8sc_object *copy, *written = NULL;
        rc = k8sc_object_dup(&copy, node);
        if (rc == 0 && (rc = k8sc_object_set(copy, "spec.taints", taints)) == 0)
            rc = k8sc_client_update(&written, client, copy);
        else
            json_object_put(taints);
        k8sc_object_free(copy);
        if (rc == 0) {
            k8sc_object_free(node);
            node = written;
        }
    }
    int64_t next = -1;
    if (rc == 0)
        rc = evict(st, node, now, &next);
    /* Look again at the next monitor period, or sooner for a pending eviction. */
    int64_t after = MONITOR_PERIOD_NS;
    if (next > 0 && (next - now) * SEC < after)
        after = (next - now) * SEC;
    res->action = K8SC_RECONCILE_REQUEUE_AFTER;
    res->requeue_after_ns = after;
    k8sc_object_free(lease);
    k8sc_object_free(node);
    return rc;
}

static void map_lease(k8sc_controller *ctl, const k8sc_object *lease, void *ud)
{
    (void)ud;
    const char *ns = k8sc_object_namespace(lease);
    if (ns && strcmp(ns, "kube-node-lease") == 0)
        k8sc_controller_enqueue(ctl, NULL, k8sc_object_name(lease));
}

static void map_pod(k8sc_controller *ctl, const k8sc_object *pod, void *ud)
{
    (void)ud;
    const char *node = k8sc_object_get_string(pod, "spec.nodeName");
    if (node && *node)
        k8sc_controller_enqueue(ctl, NULL, node);
}

static void state_free(void *ud)
{
    nl_state *st = ud;
    for (size_t b = 0; b < st->seen.nbuckets; b++)
        for (k8sc__keynode *n = st->seen.buckets[b]; n; n = n->next) {
            free(((health *)n)->heartbeat);
            free(((health *)n)->renew);
        }
    k8sc__keymap_clear(&st->seen);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

int k8sc_node_lifecycle_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts,
    int64_t grace_period_ns)
{
    K8SC__CHECK_ARG(out && grace_period_ns >= 0);
    nl_state *st = k8sc__calloc(1, sizeof(*st));
    if (!st)
        return K8SC_ENOMEM;
    pthread_mutex_init(&st->mu, NULL);
    st->rec = opts ? opts->recorder : NULL;
    st->clock = opts && opts->clock ? opts->clock : k8sc_clock_system();
    st->grace_ns = grace_period_ns ? grace_period_ns : 40 * SEC;
    static const k8sc__builtin_spec spec = { "node-lifecycle-controller", "v1", "Node", sync, state_free, NULL };
    int rc = k8sc__builtin_new(&st->ctl, client, opts, &spec, st);
    if (rc < 0)
        return rc;
    rc = k8sc_controller_watches(st->ctl, "coordination.k8s.io/v1", "Lease", map_lease, NULL);
    if (rc == 0)
        rc = k8sc_controller_watches(st->ctl, "v1", "Pod", map_pod, NULL);
    k8sc_cache *pods = rc == 0 ? k8sc_controller_cache(st->ctl, "v1", "Pod") : NULL;
    if (rc == 0 && !pods)
        rc = k8sc_error_last_code();
    /* Another controller on the same factory may have made the index already. */
    if (rc == 0 && (rc = k8sc_cache_add_index(pods, NODE_INDEX, node_index, NULL)) == K8SC_EEXISTS)
        rc = 0;
    if (rc < 0) {
        k8sc_controller_free(st->ctl);
        return rc;
    }
    *out = st->ctl;
    return 0;
}
