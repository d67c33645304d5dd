/*
 * The ReplicaSet and ReplicationController controllers (Kubernetes'
 * pkg/controller/replicaset, which serves both): adopt and release pods
 * by selector, create or delete pods to match spec.replicas in slow-start
 * batches, guarded by expectations, and report status.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

/* As the controller's burstReplicas: at most this many creations or deletions per sync. */
#define BURST_REPLICAS 500

typedef struct rs_state {
    bool legacy; /* ReplicationController: equality selector as a map */
    const char *api_version, *kind;
    k8sc_controller *ctl;
    k8sc_informer *pods;
    k8sc__expectations *exp;
    k8sc_event_recorder *rec;
    k8sc_clock *clock;
} rs_state;

static k8sc_cache *owners(rs_state *st)
{
    return k8sc_controller_cache(st->ctl, st->api_version, st->kind);
}

static int selector_of(k8sc_selector **out, rs_state *st, const k8sc_object *rs)
{
    struct json_object *sel = k8sc_object_get(rs, "spec.selector");
    if (st->legacy)
        return sel ? k8sc_selector_from_map(out, sel) : k8sc_selector_nothing(out);
    return k8sc_selector_from_json(out, sel);
}

/* ---- pod events ---- */

/* The owner of `pod` among ours (controller reference of our kind and uid), as a new reference, or NULL. */
static k8sc_object *resolve_owner(rs_state *st, const k8sc_object *pod)
{
    k8sc_owner_ref ref;
    if (k8sc_object_controller_ref(&ref, pod) < 0 || !ref.kind || strcmp(ref.kind, st->kind) != 0 || !ref.api_version)
        return NULL;
    const char *g1 = strchr(ref.api_version, '/'), *g2 = strchr(st->api_version, '/');
    size_t l1 = g1 ? (size_t)(g1 - ref.api_version) : 0, l2 = g2 ? (size_t)(g2 - st->api_version) : 0;
    if (l1 != l2 || strncmp(ref.api_version, st->api_version, l1) != 0)
        return NULL;
    k8sc_object *owner;
    if (!ref.name || k8sc_cache_get(&owner, owners(st), k8sc_object_namespace(pod), ref.name) < 0)
        return NULL;
    if (!ref.uid || !k8sc_object_uid(owner) || strcmp(ref.uid, k8sc_object_uid(owner)) != 0) {
        k8sc_object_free(owner);
        return NULL;
    }
    return owner;
}

static void enqueue(rs_state *st, const k8sc_object *owner)
{
    k8sc_controller_enqueue(st->ctl, k8sc_object_namespace(owner), k8sc_object_name(owner));
}

/* An orphan: every owner in its namespace whose selector matches may adopt it. */
static void enqueue_matching(rs_state *st, const k8sc_object *pod)
{
    k8sc_object **items;
    size_t n;
    if (k8sc_cache_list(&items, &n, owners(st), k8sc_object_namespace(pod), NULL) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        k8sc_selector *sel;
        if (selector_of(&sel, st, items[i]) < 0)
            continue;
        if (k8sc_selector_matches_object(sel, pod))
            enqueue(st, items[i]);
        k8sc_selector_free(sel);
    }
    k8sc_cache_items_free(items, n);
}

static void pod_deleted(const k8sc_object *pod, void *ud)
{
    rs_state *st = ud;
    k8sc_object *owner = resolve_owner(st, pod);
    if (!owner)
        return;
    char *key = k8sc__object_key(owner), *pod_key = k8sc__object_key(pod);
    if (key && pod_key)
        k8sc__expectations_deleted(st->exp, key, pod_key);
    free(key);
    free(pod_key);
    enqueue(st, owner);
    k8sc_object_free(owner);
}

static void pod_added(const k8sc_object *pod, void *ud)
{
    rs_state *st = ud;
    if (k8sc_object_has(pod, "metadata.deletionTimestamp")) {
        pod_deleted(pod, ud);
        return;
    }
    k8sc_object *owner = resolve_owner(st, pod);
    if (owner) {
        char *key = k8sc__object_key(owner);
        if (key)
            k8sc__expectations_created(st->exp, key);
        free(key);
        enqueue(st, owner);
        k8sc_object_free(owner);
        return;
    }
    if (k8sc_object_controller_ref(&(k8sc_owner_ref){ 0 }, pod) < 0)
        enqueue_matching(st, pod);
}

static bool same_string(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void pod_updated(const k8sc_object *old, const k8sc_object *cur, void *ud)
{
    rs_state *st = ud;
    if (same_string(k8sc_object_resource_version(old), k8sc_object_resource_version(cur)))
        return; /* a resync: nothing changed */
    bool labels_changed = !json_object_equal(k8sc_object_get(old, "metadata.labels"),
        k8sc_object_get(cur, "metadata.labels"));
    if (k8sc_object_has(cur, "metadata.deletionTimestamp")) {
        /* Being deleted counts as deleted for expectations: the pod no longer counts. */
        pod_deleted(cur, ud);
        if (labels_changed)
            pod_deleted(old, ud);
        return;
    }
    k8sc_owner_ref oref, cref;
    bool has_old = k8sc_object_controller_ref(&oref, old) == 0, has_cur = k8sc_object_controller_ref(&cref, cur) == 0;
    bool ref_changed = has_old != has_cur || (has_old && !same_string(oref.uid, cref.uid));
    if (ref_changed && has_old) {
        k8sc_object *prev = resolve_owner(st, old);
        if (prev)
            enqueue(st, prev);
        k8sc_object_free(prev);
    }
    if (has_cur) {
        k8sc_object *owner = resolve_owner(st, cur);
        if (!owner)
            return;
        enqueue(st, owner);
        /* It becomes available minReadySeconds after it became ready: look again then. */
        int64_t min_ready = k8sc__json_int(k8sc_object_get(owner, "spec"), "minReadySeconds", 0);
        if (min_ready > 0 && !k8sc__pod_ready(old, NULL) && k8sc__pod_ready(cur, NULL))
            k8sc_controller_enqueue_after(st->ctl, k8sc_object_namespace(owner), k8sc_object_name(owner),
                min_ready * 1000000000LL);
        k8sc_object_free(owner);
        return;
    }
    if (labels_changed || ref_changed)
        enqueue_matching(st, cur);
}

/* ---- sync ---- */

/* Adopt `pod` (an orphan matching the selector) or release it (ours, no longer matching). */
static int claim_change(rs_state *st, const k8sc_object *rs, const k8sc_object *pod, bool adopt)
{
    k8sc_object *copy;
    int rc = k8sc_object_dup(&copy, pod);
    if (rc < 0)
        return rc;
    if (adopt) {
        k8sc_owner_ref ref = { k8sc_object_api_version(rs), k8sc_object_kind(rs), k8sc_object_name(rs),
            k8sc_object_uid(rs), true, true };
        rc = k8sc_object_add_owner_ref(copy, &ref);
    } else {
        rc = k8sc_object_remove_owner_ref(copy, k8sc_object_uid(rs));
    }
    if (rc == 0)
        rc = k8sc_client_update(NULL, k8sc_controller_client(st->ctl), copy);
    k8sc_object_free(copy);
    /* A pod that went away needs neither. */
    return rc == K8SC_ENOTFOUND ? 0 : rc;
}

/*
 * The active pods `rs` controls after adopting matching orphans and
 * releasing its pods that stopped matching (ClaimPods).
 */
static int claim_pods(k8sc_object ***out, size_t *count, rs_state *st, const k8sc_object *rs, const k8sc_selector *sel)
{
    k8sc_object **all;
    size_t n;
    int rc = k8sc_cache_list(&all, &n, k8sc_informer_cache(st->pods), k8sc_object_namespace(rs), NULL);
    if (rc < 0)
        return rc;
    bool deleting = k8sc_object_has(rs, "metadata.deletionTimestamp");
    const char *uid = k8sc_object_uid(rs);
    size_t kept = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        k8sc_object *pod = all[i];
        all[i] = NULL;
        bool mine = false;
        if (k8sc__pod_active(pod)) {
            k8sc_owner_ref ref;
            bool matches = k8sc_selector_matches_object(sel, pod);
            if (k8sc_object_controller_ref(&ref, pod) == 0) {
                bool ours = ref.uid && uid && strcmp(ref.uid, uid) == 0;
                mine = ours && (matches || deleting);
                if (ours && !matches && !deleting)
                    rc = claim_change(st, rs, pod, false);
            } else if (matches && !deleting) {
                rc = claim_change(st, rs, pod, true);
                mine = rc == 0;
            }
        }
        if (mine)
            all[kept++] = pod;
        else
            k8sc_object_free(pod);
    }
    if (rc < 0) {
        k8sc_cache_items_free(all, kept);
        return rc;
    }
    *out = all;
    *count = kept;
    return 0;
}

/* Creating a batch of pods from one template, in parallel. */
typedef struct creation {
    rs_state *st;
    const k8sc_object *rs, *tmpl;
    pthread_mutex_t mu;
    int failed, rc;
    char error[512];
} creation;

static void create_one(size_t i, void *arg)
{
    (void)i;
    creation *c = arg;
    k8sc_object *pod = NULL;
    int err = k8sc_client_create(&pod, k8sc_controller_client(c->st->ctl), c->tmpl);
    if (err < 0) {
        k8sc__event(c->st->rec, c->rs, "Warning", "FailedCreate", "Error creating: %s", k8sc_error_last());
        pthread_mutex_lock(&c->mu);
        if (c->failed++ == 0) {
            c->rc = err;
            snprintf(c->error, sizeof(c->error), "%s", k8sc_error_last());
        }
        pthread_mutex_unlock(&c->mu);
        return;
    }
    k8sc__event(c->st->rec, c->rs, "Normal", "SuccessfulCreate", "Created pod: %s", k8sc_object_name(pod));
    k8sc_object_free(pod);
}

/* At most this many creations of one batch are in flight at once. */
#define CREATE_THREADS 16

static int create_pods(rs_state *st, const k8sc_object *rs, const char *key, int want)
{
    int rc = k8sc__expectations_expect(st->exp, key, want, NULL, 0);
    if (rc < 0)
        return rc;
    k8sc_object *tmpl;
    if ((rc = k8sc__pod_from_template(&tmpl, rs, "spec.template")) < 0) {
        k8sc__expectations_forget(st->exp, key);
        return rc;
    }
    /* Slow start: batches of 1, 2, 4, ... so a failing template costs one request, not hundreds. */
    creation c = { st, rs, tmpl, PTHREAD_MUTEX_INITIALIZER, 0, 0, "" };
    int done = 0;
    for (int batch = 1; done < want && c.failed == 0; batch *= 2) {
        int size = want - done < batch ? want - done : batch;
        k8sc__parallel((size_t)size, CREATE_THREADS, create_one, &c);
        done += size;
    }
    /* Creations that failed or were skipped will never be observed. */
    for (int i = 0; i < c.failed + (want - done); i++)
        k8sc__expectations_created(st->exp, key);
    k8sc_object_free(tmpl);
    pthread_mutex_destroy(&c.mu);
    return c.failed ? k8sc_error_set(c.rc, "%s", c.error) : 0;
}

static int delete_pods(rs_state *st, const k8sc_object *rs, const char *key, k8sc_object **pods, size_t n, size_t want)
{
    k8sc__pods_rank_for_deletion(pods, n, k8sc_clock_now(st->clock) / 1000000000);
    char **keys = k8sc__calloc(want, sizeof(*keys));
    if (!keys)
        return K8SC_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < want && rc == 0; i++)
        if (!(keys[i] = k8sc__object_key(pods[i])))
            rc = K8SC_ENOMEM;
    if (rc == 0)
        rc = k8sc__expectations_expect(st->exp, key, 0, keys, want);
    for (size_t i = 0; i < want && rc == 0; i++) {
        int err = k8sc_client_delete(NULL, k8sc_controller_client(st->ctl), "v1", "Pod",
            k8sc_object_namespace(pods[i]), k8sc_object_name(pods[i]), NULL);
        if (err == 0) {
            k8sc__event(st->rec, rs, "Normal", "SuccessfulDelete", "Deleted pod: %s", k8sc_object_name(pods[i]));
        } else if (err != K8SC_ENOTFOUND) {
            k8sc__expectations_deleted(st->exp, key, keys[i]);
            k8sc__event(st->rec, rs, "Warning", "FailedDelete", "Error deleting: %s", k8sc_error_last());
            rc = err;
        }
    }
    for (size_t i = 0; i < want; i++)
        free(keys[i]);
    free(keys);
    return rc;
}

static void add_int(struct json_object *o, const char *key, int64_t v, bool omit_zero)
{
    if (v || !omit_zero)
        json_object_object_add(o, key, json_object_new_int64(v));
}

/* The status Kubernetes' calculateStatus gives, as a new JSON object (NULL: ENOMEM). */
static struct json_object *compute_status(rs_state *st, const k8sc_object *rs, k8sc_object **pods, size_t n,
    const char *manage_error, bool scaling_up)
{
    struct json_object *spec = k8sc_object_get(rs, "spec");
    int64_t min_ready = k8sc__json_int(spec, "minReadySeconds", 0), now = k8sc_clock_now(st->clock) / 1000000000;
    k8sc_selector *tsel = NULL;
    struct json_object *tlabels = k8sc_object_get(rs, "spec.template.metadata.labels");
    if (k8sc_selector_from_map(&tsel, tlabels ? tlabels : NULL) < 0)
        tsel = NULL;
    int64_t labeled = 0, ready = 0, available = 0;
    for (size_t i = 0; i < n; i++) {
        if (tsel && k8sc_selector_matches_object(tsel, pods[i]))
            labeled++;
        if (k8sc__pod_ready(pods[i], NULL))
            ready++;
        if (k8sc__pod_available(pods[i], min_ready, now))
            available++;
    }
    k8sc_selector_free(tsel);
    struct json_object *status = json_object_new_object();
    if (!status)
        return NULL;
    add_int(status, "replicas", (int64_t)n, false);
    add_int(status, "fullyLabeledReplicas", labeled, true);
    add_int(status, "readyReplicas", ready, true);
    add_int(status, "availableReplicas", available, true);
    add_int(status, "observedGeneration", k8sc_object_generation(rs), true);
    /* ReplicaFailure: set when creating or deleting failed, kept until a sync succeeds. */
    struct json_object *old = k8sc_object_get(rs, "status.conditions"), *conds = json_object_new_array();
    size_t nold = json_object_is_type(old, json_type_array) ? json_object_array_length(old) : 0;
    struct json_object *failure = NULL;
    for (size_t i = 0; i < nold; i++) {
        struct json_object *c = json_object_array_get_idx(old, i), *t;
        bool is_failure = json_object_object_get_ex(c, "type", &t) && strcmp(json_object_get_string(t), "ReplicaFailure") == 0;
        if (is_failure)
            failure = c;
        else
            json_object_array_add(conds, json_object_get(c));
    }
    if (manage_error && failure) {
        json_object_array_add(conds, json_object_get(failure));
    } else if (manage_error) {
        char ts[K8SC_TIME_BUFSIZE];
        k8sc_time_format(ts, sizeof(ts), now);
        struct json_object *c = json_object_new_object();
        json_object_object_add(c, "type", json_object_new_string("ReplicaFailure"));
        json_object_object_add(c, "status", json_object_new_string("True"));
        json_object_object_add(c, "lastTransitionTime", json_object_new_string(ts));
        json_object_object_add(c, "reason", json_object_new_string(scaling_up ? "FailedCreate" : "FailedDelete"));
        json_object_object_add(c, "message", json_object_new_string(manage_error));
        json_object_array_add(conds, c);
    }
    if (json_object_array_length(conds) > 0)
        json_object_object_add(status, "conditions", conds);
    else
        json_object_put(conds);
    return status;
}

static int sync(k8sc_reconcile_result *res, k8sc_controller *ctl, const char *ns, const char *name, void *ud)
{
    rs_state *st = ud;
    (void)ctl;
    k8sc_object *rs;
    k8sc__buf kb = K8SC__BUF_INIT;
    k8sc__buf_printf(&kb, "%s/%s", ns, name);
    if (k8sc__buf_status(&kb) < 0)
        return K8SC_ENOMEM;
    const char *key = kb.ptr;
    if (k8sc_cache_get(&rs, owners(st), ns, name) < 0) {
        k8sc__expectations_forget(st->exp, key);
        k8sc__buf_free(&kb);
        return 0;
    }
    k8sc_selector *sel;
    int rc = selector_of(&sel, st, rs);
    if (rc < 0) {
        /* A broken selector is not retried: only an edit of the object can fix it. */
        k8sc__event(st->rec, rs, "Warning", "InvalidSelector", "%s", k8sc_error_last());
        k8sc_object_free(rs);
        k8sc__buf_free(&kb);
        return 0;
    }
    bool satisfied = k8sc__expectations_satisfied(st->exp, key);
    k8sc_object **pods = NULL;
    size_t n = 0;
    rc = claim_pods(&pods, &n, st, rs, sel);
    k8sc_selector_free(sel);
    int64_t replicas = k8sc__json_int(k8sc_object_get(rs, "spec"), "replicas", 1);
    int manage_rc = 0;
    char *manage_error = NULL;
    if (rc == 0 && satisfied && !k8sc_object_has(rs, "metadata.deletionTimestamp")) {
        int64_t diff = (int64_t)n - replicas;
        if (diff < 0)
            manage_rc = create_pods(st, rs, key, (int)(-diff > BURST_REPLICAS ? BURST_REPLICAS : -diff));
        else if (diff > 0)
            manage_rc = delete_pods(st, rs, key, pods, n, (size_t)(diff > BURST_REPLICAS ? BURST_REPLICAS : diff));
        if (manage_rc < 0 && !(manage_error = k8sc__strdup(k8sc_error_last())))
            rc = K8SC_ENOMEM;
    }
    if (rc == 0) {
        struct json_object *status = compute_status(st, rs, pods, n, manage_error, (int64_t)n < replicas);
        int64_t min_ready = k8sc__json_int(k8sc_object_get(rs, "spec"), "minReadySeconds", 0);
        bool waiting = status && k8sc__json_int(status, "readyReplicas", 0) == replicas
            && k8sc__json_int(status, "availableReplicas", 0) != replicas;
        rc = status ? k8sc__write_status(k8sc_controller_client(st->ctl), rs, status, NULL) : K8SC_ENOMEM;
        if (rc == 0 && !manage_error && min_ready > 0 && waiting) {
            /* Ready pods become available minReadySeconds later: come back then. */
            res->action = K8SC_RECONCILE_REQUEUE_AFTER;
            res->requeue_after_ns = min_ready * 1000000000LL;
        }
    }
    if (manage_error)
        k8sc_error_set(manage_rc, "%s", manage_error);
    free(manage_error);
    k8sc_cache_items_free(pods, n);
    k8sc_object_free(rs);
    k8sc__buf_free(&kb);
    return manage_rc < 0 ? manage_rc : rc;
}

static k8sc_informer_handler pod_handler(rs_state *st)
{
    k8sc_informer_handler h = K8SC_INFORMER_HANDLER_INIT;
    h.on_add = pod_added;
    h.on_update = pod_updated;
    h.on_delete = pod_deleted;
    h.userdata = st;
    return h;
}

static void state_free(void *ud)
{
    rs_state *st = ud;
    k8sc_informer_handler h = pod_handler(st);
    if (st->pods)
        k8sc_informer_remove_handler(st->pods, &h);
    k8sc__expectations_free(st->exp);
    free(st);
}

int k8sc_builtin_options_init(k8sc_builtin_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts && version == K8SC_BUILTIN_OPTIONS_VERSION);
    *opts = (k8sc_builtin_options)K8SC_BUILTIN_OPTIONS_INIT;
    return 0;
}

static int replica_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts,
    bool legacy)
{
    K8SC__CHECK_ARG(out);
    rs_state *st = k8sc__calloc(1, sizeof(*st));
    if (!st)
        return K8SC_ENOMEM;
    st->legacy = legacy;
    st->api_version = legacy ? "v1" : "apps/v1";
    st->kind = legacy ? "ReplicationController" : "ReplicaSet";
    st->rec = opts ? opts->recorder : NULL;
    st->clock = opts && opts->clock ? opts->clock : k8sc_clock_system();
    int rc = k8sc__expectations_new(&st->exp, st->clock);
    if (rc < 0) {
        free(st);
        return rc;
    }
    const k8sc__builtin_spec spec = { legacy ? "replication-controller" : "replicaset-controller", st->api_version,
        st->kind, sync, state_free, NULL };
    if ((rc = k8sc__builtin_new(&st->ctl, client, opts, &spec, st)) < 0)
        return rc;
    k8sc_informer_handler h = pod_handler(st);
    if ((rc = k8sc__builtin_handle(&st->pods, st->ctl, "v1", "Pod", &h)) < 0) {
        k8sc_controller_free(st->ctl);
        return rc;
    }
    *out = st->ctl;
    return 0;
}

int k8sc_replicaset_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts)
{
    return replica_controller_new(out, client, opts, false);
}

int k8sc_replication_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts)
{
    return replica_controller_new(out, client, opts, true);
}
