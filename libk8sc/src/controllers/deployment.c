/*
 * The Deployment controller (Kubernetes' pkg/controller/deployment): each
 * sync claims the Deployment's ReplicaSets, finds or creates the one
 * matching the pod template (named "<deployment>-<pod-template-hash>"),
 * keeps revision annotations for `kubectl rollout history/undo`, then
 * rolls out (deployment_rollout.c) and writes status and conditions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deployment.h"

static const char *const API_VERSION = "apps/v1";

static int64_t now_sec(k8sc__dep *dep)
{
    return k8sc_clock_now(dep->clock) / 1000000000;
}

static k8sc_cache *rs_cache(k8sc__dep *dep)
{
    return k8sc_controller_cache(dep->ctl, API_VERSION, "ReplicaSet");
}

/* ---- events from ReplicaSets and pods ---- */

static void enqueue_matching(k8sc__dep *dep, const k8sc_object *rs)
{
    k8sc_object **ds;
    size_t n;
    if (k8sc_cache_list(&ds, &n, k8sc_controller_cache(dep->ctl, API_VERSION, "Deployment"), k8sc_object_namespace(rs),
            NULL) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        k8sc_selector *sel;
        if (k8sc_selector_from_json(&sel, k8sc_object_get(ds[i], "spec.selector")) < 0)
            continue;
        if (k8sc_selector_matches_object(sel, rs))
            k8sc_controller_enqueue(dep->ctl, k8sc_object_namespace(ds[i]), k8sc_object_name(ds[i]));
        k8sc_selector_free(sel);
    }
    k8sc_cache_items_free(ds, n);
}

/* A ReplicaSet changed: its controlling Deployment, or for an orphan every Deployment that may adopt it. */
static void map_rs(k8sc_controller *ctl, const k8sc_object *rs, void *ud)
{
    k8sc__dep *dep = ud;
    k8sc_owner_ref ref;
    if (k8sc_object_controller_ref(&ref, rs) == 0) {
        if (ref.kind && strcmp(ref.kind, "Deployment") == 0 && ref.name)
            k8sc_controller_enqueue(ctl, k8sc_object_namespace(rs), ref.name);
        return;
    }
    enqueue_matching(dep, rs);
}

/* A pod went away: a Recreate rollout waits for the old pods to be gone. */
static void pod_deleted(const k8sc_object *pod, void *ud)
{
    k8sc__dep *dep = ud;
    k8sc_owner_ref ref;
    k8sc_object *rs;
    if (k8sc_object_controller_ref(&ref, pod) < 0 || !ref.kind || strcmp(ref.kind, "ReplicaSet") != 0 || !ref.name ||
        k8sc_cache_get(&rs, rs_cache(dep), k8sc_object_namespace(pod), ref.name) < 0)
        return;
    if (k8sc_object_controller_ref(&ref, rs) == 0 && ref.kind && strcmp(ref.kind, "Deployment") == 0 && ref.name)
        k8sc_controller_enqueue(dep->ctl, k8sc_object_namespace(rs), ref.name);
    k8sc_object_free(rs);
}

/* ---- claiming ReplicaSets ---- */

static int set_owner(k8sc__dep *dep, const k8sc_object *d, const k8sc_object *rs, bool adopt)
{
    k8sc_object *copy;
    int rc = k8sc_object_dup(&copy, rs);
    if (rc < 0)
        return rc;
    if (adopt) {
        k8sc_owner_ref ref = { API_VERSION, "Deployment", k8sc_object_name(d), k8sc_object_uid(d), true, true };
        rc = k8sc_object_add_owner_ref(copy, &ref);
    } else {
        rc = k8sc_object_remove_owner_ref(copy, k8sc_object_uid(d));
    }
    if (rc == 0)
        rc = k8sc_client_update(NULL, k8sc_controller_client(dep->ctl), copy);
    k8sc_object_free(copy);
    return rc == K8SC_ENOTFOUND ? 0 : rc;
}

static int by_creation(const void *a, const void *b)
{
    const k8sc_object *x = *(k8sc_object *const *)a, *y = *(k8sc_object *const *)b;
    int64_t tx = 0, ty = 0;
    k8sc_object_creation_timestamp(x, &tx);
    k8sc_object_creation_timestamp(y, &ty);
    if (tx != ty)
        return tx < ty ? -1 : 1;
    return strcmp(k8sc_object_name(x), k8sc_object_name(y));
}

/* The ReplicaSets of `d` after adoption and release, oldest first (getReplicaSetsForDeployment). */
static int claim(k8sc_object ***out, size_t *count, k8sc__dep *dep, const k8sc_object *d, const k8sc_selector *sel)
{
    k8sc_object **all;
    size_t n, kept = 0;
    int rc = k8sc_cache_list(&all, &n, rs_cache(dep), k8sc_object_namespace(d), NULL);
    if (rc < 0)
        return rc;
    bool deleting = k8sc_object_has(d, "metadata.deletionTimestamp");
    for (size_t i = 0; i < n && rc == 0; i++) {
        k8sc_object *rs = all[i];
        all[i] = NULL;
        k8sc_owner_ref ref;
        bool matches = k8sc_selector_matches_object(sel, rs), mine = false;
        if (k8sc_object_controller_ref(&ref, rs) == 0) {
            bool ours = ref.uid && strcmp(ref.uid, k8sc_object_uid(d)) == 0;
            mine = ours && (matches || deleting);
            if (ours && !matches && !deleting)
                rc = set_owner(dep, d, rs, false);
        } else if (matches && !deleting && !k8sc_object_has(rs, "metadata.deletionTimestamp")) {
            rc = set_owner(dep, d, rs, true);
            mine = rc == 0;
        }
        if (mine)
            all[kept++] = rs;
        else
            k8sc_object_free(rs);
    }
    if (rc < 0) {
        k8sc_cache_items_free(all, kept);
        return rc;
    }
    qsort(all, kept, sizeof(*all), by_creation);
    *out = all;
    *count = kept;
    return 0;
}

/* ---- writes ---- */

static int put_annotation(k8sc_object *obj, const char *key, int64_t value)
{
    char v[32];
    snprintf(v, sizeof(v), "%lld", (long long)value);
    return k8sc_object_meta_set(obj, K8SC_ANNOTATIONS, key, v);
}

int k8sc__dep_scale_rs(k8sc__rollout *r, k8sc_object **rs, int64_t replicas)
{
    int64_t cur = k8sc__rs_spec_replicas(*rs), max = r->replicas + r->surge;
    bool resize = cur != replicas;
    bool annotate = k8sc__int_annotation(*rs, K8SC__DESIRED_ANN) != r->replicas ||
        k8sc__int_annotation(*rs, K8SC__MAX_ANN) != max;
    if (!resize && !annotate)
        return 0;
    k8sc_object *copy, *res = NULL;
    int rc = k8sc_object_dup(&copy, *rs);
    if (rc < 0)
        return rc;
    rc = k8sc_object_set_int(copy, "spec.replicas", replicas);
    if (rc == 0)
        rc = put_annotation(copy, K8SC__DESIRED_ANN, r->replicas);
    if (rc == 0)
        rc = put_annotation(copy, K8SC__MAX_ANN, max);
    if (rc == 0)
        rc = k8sc_client_update(&res, k8sc_controller_client(r->dep->ctl), copy);
    k8sc_object_free(copy);
    if (rc < 0)
        return rc;
    if (resize)
        k8sc__event(r->dep->rec, r->d, "Normal", "ScalingReplicaSet", "Scaled %s replica set %s from %lld to %lld",
            replicas > cur ? "up" : "down", k8sc_object_name(*rs), (long long)cur, (long long)replicas);
    k8sc_object_free(*rs);
    *rs = res;
    return 0;
}

/* Annotations a ReplicaSet does not inherit from its Deployment (skipCopyAnnotation). */
static bool skip_annotation(const char *key)
{
    static const char *const skipped[] = { "kubectl.kubernetes.io/last-applied-configuration", K8SC__REVISION_ANN,
        K8SC__REVISION_HISTORY_ANN, K8SC__DESIRED_ANN, K8SC__MAX_ANN, "deprecated.deployment.rollback.to" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(skipped); i++)
        if (strcmp(key, skipped[i]) == 0)
            return true;
    return false;
}

static int copy_annotations(k8sc_object *rs, const k8sc_object *d, bool *changed)
{
    struct json_object *anns = k8sc_object_get(d, "metadata.annotations");
    if (!json_object_is_type(anns, json_type_object))
        return 0;
    json_object_object_foreach(anns, key, val) {
        const char *v = json_object_get_string(val);
        if (skip_annotation(key))
            continue;
        const char *have = k8sc_object_meta_get(rs, K8SC_ANNOTATIONS, key);
        if (have && v && strcmp(have, v) == 0)
            continue;
        int rc = k8sc_object_meta_set(rs, K8SC_ANNOTATIONS, key, v);
        if (rc < 0)
            return rc;
        *changed = true;
    }
    return 0;
}

/*
 * SetNewReplicaSetAnnotations: the Deployment's annotations, and the new
 * revision, remembering the revisions it had before in revision-history.
 */
static int new_rs_annotations(k8sc_object *rs, const k8sc_object *d, int64_t revision, bool *changed)
{
    int rc = copy_annotations(rs, d, changed);
    int64_t old = k8sc__revision(rs);
    if (rc == 0 && old < revision) {
        if (old > 0) {
            const char *hist = k8sc_object_meta_get(rs, K8SC_ANNOTATIONS, K8SC__REVISION_HISTORY_ANN);
            char buf[512];
            snprintf(buf, sizeof(buf), "%s%s%lld", hist ? hist : "", hist ? "," : "", (long long)old);
            rc = k8sc_object_meta_set(rs, K8SC_ANNOTATIONS, K8SC__REVISION_HISTORY_ANN, buf);
        }
        if (rc == 0)
            rc = put_annotation(rs, K8SC__REVISION_ANN, revision);
        *changed = true;
    }
    return rc;
}

/* Set the Deployment's revision annotation (a metadata patch: /status cannot change it). */
static int set_deployment_revision(k8sc__rollout *r, int64_t revision)
{
    if (revision <= 0 || k8sc__revision(r->d) == revision)
        return 0;
    char patch[128];
    snprintf(patch, sizeof(patch), "{\"metadata\":{\"annotations\":{\"%s\":\"%lld\"}}}", K8SC__REVISION_ANN,
        (long long)revision);
    k8sc_object *res = NULL;
    int rc = k8sc_client_patch(&res, k8sc_controller_client(r->dep->ctl), API_VERSION, "Deployment",
        k8sc_object_namespace(r->d), k8sc_object_name(r->d), K8SC_PATCH_MERGE, patch);
    if (rc == 0) {
        k8sc_object_free(r->d);
        r->d = res;
    }
    return rc;
}

/* Write the Deployment's status (taken), replacing r->d with the server's copy. */
static int write_deployment_status(k8sc__rollout *r, struct json_object *status)
{
    k8sc_object *res = NULL;
    int rc = k8sc__write_status_get(&res, k8sc_controller_client(r->dep->ctl), r->d, status);
    if (rc == 0) {
        k8sc_object_free(r->d);
        r->d = res;
    }
    return rc;
}

/* A new ReplicaSet for the template: name, labels and selector with the hash, annotations, owner. */
static int create_new_rs(k8sc__rollout *r, int64_t revision)
{
    k8sc__dep *dep = r->dep;
    const k8sc_object *d = r->d;
    struct json_object *tmpl = k8sc_object_get(d, "spec.template");
    struct json_object *status = k8sc_object_get(d, "status");
    int64_t collisions = k8sc__json_int(status, "collisionCount", 0);
    char hash[16], name[300];
    k8sc__template_hash(hash, sizeof(hash), tmpl, collisions);
    snprintf(name, sizeof(name), "%s-%s", k8sc_object_name(d), hash);
    k8sc_object *rs;
    int rc = k8sc_object_new(&rs, API_VERSION, "ReplicaSet");
    struct json_object *t = NULL, *sel = NULL;
    if (rc == 0 && (json_object_deep_copy(tmpl, &t, NULL) || json_object_deep_copy(k8sc_object_get(d, "spec.selector"), &sel, NULL)))
        rc = k8sc__error_nomem();
    if (rc == 0)
        rc = k8sc_object_set_name(rs, name);
    if (rc == 0)
        rc = k8sc_object_set_namespace(rs, k8sc_object_namespace(d));
    if (rc == 0) {
        rc = k8sc_object_set(rs, "spec.template", t);
        t = NULL;
    }
    if (rc == 0) {
        rc = k8sc_object_set(rs, "spec.selector", sel);
        sel = NULL;
    }
    json_object_put(t);
    json_object_put(sel);
    /* The hash goes into the pod labels, the selector and the ReplicaSet's own labels. */
    if (rc == 0)
        rc = k8sc_object_set_string(rs, "spec.template.metadata.labels." K8SC__HASH_LABEL, hash);
    if (rc == 0)
        rc = k8sc_object_set_string(rs, "spec.selector.matchLabels." K8SC__HASH_LABEL, hash);
    struct json_object *labels = k8sc_object_get(rs, "spec.template.metadata.labels"), *lcopy = NULL;
    if (rc == 0 && json_object_deep_copy(labels, &lcopy, NULL) == 0)
        rc = k8sc_object_set(rs, "metadata.labels", lcopy);
    int64_t min_ready = k8sc__json_int(k8sc_object_get(d, "spec"), "minReadySeconds", 0);
    if (rc == 0 && min_ready)
        rc = k8sc_object_set_int(rs, "spec.minReadySeconds", min_ready);
    bool changed = false;
    if (rc == 0)
        rc = new_rs_annotations(rs, d, revision, &changed);
    /* NewRSNewReplicas: Recreate starts at full size, a rolling update within maxSurge. */
    int64_t size = r->replicas;
    if (rc == 0 && r->surge + r->unavailable > 0) {
        int64_t current = 0;
        for (size_t i = 0; i < r->nold; i++)
            current += k8sc__rs_spec_replicas(r->old[i]);
        int64_t room = r->replicas + r->surge - current;
        size = room <= 0 ? 0 : room < r->replicas ? room : r->replicas;
    }
    if (rc == 0)
        rc = k8sc_object_set_int(rs, "spec.replicas", size);
    if (rc == 0)
        rc = put_annotation(rs, K8SC__DESIRED_ANN, r->replicas);
    if (rc == 0)
        rc = put_annotation(rs, K8SC__MAX_ANN, r->replicas + r->surge);
    k8sc_owner_ref ref = { API_VERSION, "Deployment", k8sc_object_name(d), k8sc_object_uid(d), true, true };
    if (rc == 0)
        rc = k8sc_object_add_owner_ref(rs, &ref);
    k8sc_object *created = NULL;
    if (rc == 0)
        rc = k8sc_client_create(&created, k8sc_controller_client(dep->ctl), rs);
    k8sc_object_free(rs);
    if (rc == K8SC_EEXISTS) {
        /* Ours already (a cache that lags), or a hash collision: count it and try another name. */
        k8sc_object *existing = NULL;
        if (k8sc_client_get(&existing, k8sc_controller_client(dep->ctl), API_VERSION, "ReplicaSet",
                k8sc_object_namespace(d), name) == 0) {
            k8sc_owner_ref er;
            bool ours = k8sc_object_controller_ref(&er, existing) == 0 && er.uid &&
                strcmp(er.uid, k8sc_object_uid(d)) == 0 &&
                k8sc__templates_equal(k8sc_object_get(existing, "spec.template"), tmpl);
            if (ours) {
                r->new_rs = existing;
                return 0;
            }
            k8sc_object_free(existing);
        }
        struct json_object *st = NULL;
        if (json_object_deep_copy(status ? status : NULL, &st, NULL) != 0 || !st)
            st = json_object_new_object();
        json_object_object_add(st, "collisionCount", json_object_new_int64(collisions + 1));
        write_deployment_status(r, st);
        return k8sc_error_set(K8SC_ECONFLICT, "hash collision for ReplicaSet %s: trying another name", name);
    }
    if (rc < 0) {
        k8sc__event(dep->rec, d, "Warning", "FailedCreate", "Failed to create new replica set %s: %s", name, k8sc_error_last());
        return rc;
    }
    if (size > 0)
        k8sc__event(dep->rec, d, "Normal", "ScalingReplicaSet", "Scaled up replica set %s from 0 to %lld", name, (long long)size);
    r->new_rs = created;
    rc = set_deployment_revision(r, revision);
    if (rc == 0 && k8sc__json_int(k8sc_object_get(r->d, "spec"), "progressDeadlineSeconds", 600) != INT32_MAX) {
        struct json_object *st = NULL;
        json_object_deep_copy(k8sc_object_get(r->d, "status"), &st, NULL);
        if (!st)
            st = json_object_new_object();
        char msg[400];
        snprintf(msg, sizeof(msg), "Created new replica set \"%s\"", name);
        k8sc__set_condition(st, "Progressing", "True", "NewReplicaSetCreated", msg, now_sec(dep));
        rc = write_deployment_status(r, st);
    }
    return rc;
}

int k8sc__dep_sync_revision(k8sc__rollout *r, bool create)
{
    int64_t max_old = 0;
    for (size_t i = 0; i < r->nold; i++)
        if (k8sc__revision(r->old[i]) > max_old)
            max_old = k8sc__revision(r->old[i]);
    int64_t revision = max_old + 1;
    if (!r->new_rs)
        return create ? create_new_rs(r, revision) : 0;
    k8sc_object *copy;
    int rc = k8sc_object_dup(&copy, r->new_rs);
    if (rc < 0)
        return rc;
    bool changed = false;
    rc = new_rs_annotations(copy, r->d, revision, &changed);
    int64_t min_ready = k8sc__json_int(k8sc_object_get(r->d, "spec"), "minReadySeconds", 0);
    if (rc == 0 && k8sc__json_int(k8sc_object_get(copy, "spec"), "minReadySeconds", 0) != min_ready) {
        rc = k8sc_object_set_int(copy, "spec.minReadySeconds", min_ready);
        changed = true;
    }
    if (rc == 0 && changed) {
        k8sc_object *res = NULL;
        rc = k8sc_client_update(&res, k8sc_controller_client(r->dep->ctl), copy);
        if (rc == 0) {
            k8sc_object_free(r->new_rs);
            r->new_rs = res;
        }
    }
    k8sc_object_free(copy);
    if (rc == 0)
        rc = set_deployment_revision(r, k8sc__revision(r->new_rs));
    if (rc == 0 && !k8sc__condition(k8sc_object_get(r->d, "status"), "Progressing") &&
        k8sc__json_int(k8sc_object_get(r->d, "spec"), "progressDeadlineSeconds", 600) != INT32_MAX) {
        struct json_object *st = NULL;
        json_object_deep_copy(k8sc_object_get(r->d, "status"), &st, NULL);
        if (!st)
            st = json_object_new_object();
        char msg[400];
        snprintf(msg, sizeof(msg), "Found new replica set \"%s\"", k8sc_object_name(r->new_rs));
        k8sc__set_condition(st, "Progressing", "True", "FoundNewReplicaSet", msg, now_sec(r->dep));
        rc = write_deployment_status(r, st);
    }
    return rc;
}

/* ---- status ---- */

static void add_int(struct json_object *o, const char *key, int64_t v)
{
    if (v)
        json_object_object_add(o, key, json_object_new_int64(v));
}

/* calculateStatus: counts from the ReplicaSets, conditions carried over, Available set. */
static struct json_object *calculate_status(k8sc__rollout *r)
{
    int64_t replicas = 0, updated = k8sc__rs_status(r->new_rs, "replicas"), ready = 0, available = 0, total = 0;
    for (size_t i = 0; i <= r->nold; i++) {
        const k8sc_object *rs = i < r->nold ? r->old[i] : r->new_rs;
        if (!rs)
            continue;
        replicas += k8sc__rs_status(rs, "replicas");
        ready += k8sc__rs_status(rs, "readyReplicas");
        available += k8sc__rs_status(rs, "availableReplicas");
        total += k8sc__rs_spec_replicas(rs);
    }
    int64_t unavailable = total - available < 0 ? 0 : total - available;
    struct json_object *st = json_object_new_object(), *old = k8sc_object_get(r->d, "status"), *v;
    if (!st)
        return NULL;
    add_int(st, "observedGeneration", k8sc_object_generation(r->d));
    add_int(st, "replicas", replicas);
    add_int(st, "updatedReplicas", updated);
    add_int(st, "readyReplicas", ready);
    add_int(st, "availableReplicas", available);
    add_int(st, "unavailableReplicas", unavailable);
    if (old && json_object_object_get_ex(old, "conditions", &v)) {
        struct json_object *copy = NULL;
        if (json_object_deep_copy(v, &copy, NULL) == 0)
            json_object_object_add(st, "conditions", copy);
    }
    if (old && json_object_object_get_ex(old, "collisionCount", &v))
        json_object_object_add(st, "collisionCount", json_object_get(v));
    if (available >= r->replicas - r->unavailable)
        k8sc__set_condition(st, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.",
            now_sec(r->dep));
    else
        k8sc__set_condition(st, "Available", "False", "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.", now_sec(r->dep));
    return st;
}

int k8sc__dep_sync_status(k8sc__rollout *r)
{
    struct json_object *st = calculate_status(r);
    return st ? write_deployment_status(r, st) : K8SC_ENOMEM;
}

static int64_t progress_deadline(const k8sc_object *d)
{
    return k8sc__json_int(k8sc_object_get(d, "spec"), "progressDeadlineSeconds", 600);
}

static const char *cond_field(struct json_object *c, const char *key)
{
    struct json_object *v;
    return c && json_object_object_get_ex(c, key, &v) ? json_object_get_string(v) : "";
}

int k8sc__dep_sync_rollout_status(k8sc__rollout *r, k8sc_reconcile_result *res)
{
    struct json_object *st = calculate_status(r), *old = k8sc_object_get(r->d, "status");
    if (!st)
        return K8SC_ENOMEM;
    int64_t deadline = progress_deadline(r->d), now = now_sec(r->dep);
    bool has_deadline = deadline != INT32_MAX;
    if (!has_deadline)
        k8sc__remove_condition(st, "Progressing");
    struct json_object *cur = k8sc__condition(st, "Progressing");
    bool complete = k8sc__json_int(st, "updatedReplicas", 0) == r->replicas &&
        k8sc__json_int(st, "replicas", 0) == r->replicas && k8sc__json_int(st, "availableReplicas", 0) == r->replicas &&
        k8sc__json_int(st, "observedGeneration", 0) >= k8sc_object_generation(r->d);
    const char *rs_name = r->new_rs ? k8sc_object_name(r->new_rs) : "";
    char msg[400];
    if (has_deadline && strcmp(cond_field(cur, "reason"), "ProgressDeadlineExceeded") != 0) {
        int64_t old_updated = k8sc__json_int(old, "updatedReplicas", 0), old_replicas = k8sc__json_int(old, "replicas", 0);
        bool progressing = (k8sc__json_int(st, "replicas", 0) - k8sc__json_int(st, "updatedReplicas", 0)) <
                               (old_replicas - old_updated) ||
            k8sc__json_int(st, "updatedReplicas", 0) > old_updated ||
            k8sc__json_int(st, "readyReplicas", 0) > k8sc__json_int(old, "readyReplicas", 0) ||
            k8sc__json_int(st, "availableReplicas", 0) > k8sc__json_int(old, "availableReplicas", 0);
        int64_t since = 0;
        bool timed_out = false;
        if (cur && strcmp(cond_field(cur, "reason"), "NewReplicaSetAvailable") != 0 &&
            k8sc_time_parse(&since, cond_field(cur, "lastUpdateTime")) == 0)
            timed_out = since + deadline < now;
        if (complete) {
            snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has successfully progressed.", rs_name);
            k8sc__set_condition(st, "Progressing", "True", "NewReplicaSetAvailable", msg, now);
        } else if (progressing) {
            if (r->new_rs)
                snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" is progressing.", rs_name);
            else
                snprintf(msg, sizeof(msg), "Deployment \"%s\" is progressing.", k8sc_object_name(r->d));
            /* Progress refreshes lastUpdateTime even when the reason stays; a True condition keeps its transition time. */
            char kept[K8SC_TIME_BUFSIZE] = "";
            if (cur && strcmp(cond_field(cur, "status"), "True") == 0)
                snprintf(kept, sizeof(kept), "%s", cond_field(cur, "lastTransitionTime"));
            k8sc__remove_condition(st, "Progressing");
            k8sc__set_condition(st, "Progressing", "True", "ReplicaSetUpdated", msg, now);
            struct json_object *c = k8sc__condition(st, "Progressing");
            if (c && *kept)
                json_object_object_add(c, "lastTransitionTime", json_object_new_string(kept));
        } else if (timed_out) {
            snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has timed out progressing.", rs_name);
            k8sc__set_condition(st, "Progressing", "False", "ProgressDeadlineExceeded", msg, now);
            k8sc__event(r->dep->rec, r->d, "Warning", "ProgressDeadlineExceeded", "%s", msg);
        }
    }
    /* ReplicaFailure mirrors the new ReplicaSet's (GetReplicaFailures). */
    struct json_object *failure = NULL;
    for (size_t i = 0; i <= r->nold && !failure; i++) {
        const k8sc_object *rs = i < r->nold ? r->old[i] : r->new_rs;
        failure = rs ? k8sc__condition(k8sc_object_get(rs, "status"), "ReplicaFailure") : NULL;
    }
    if (failure && strcmp(cond_field(failure, "status"), "True") == 0)
        k8sc__set_condition(st, "ReplicaFailure", "True", cond_field(failure, "reason"), cond_field(failure, "message"), now);
    else
        k8sc__remove_condition(st, "ReplicaFailure");
    /* A rollout still in progress is looked at again when its deadline passes (requeueStuckDeployment). */
    struct json_object *pc = k8sc__condition(st, "Progressing");
    int64_t since = 0;
    if (has_deadline && !complete && pc && strcmp(cond_field(pc, "reason"), "NewReplicaSetAvailable") != 0 &&
        strcmp(cond_field(pc, "reason"), "ProgressDeadlineExceeded") != 0 &&
        k8sc_time_parse(&since, cond_field(pc, "lastUpdateTime")) == 0) {
        int64_t after = since + deadline - now;
        res->action = K8SC_RECONCILE_REQUEUE_AFTER;
        res->requeue_after_ns = (after < 1 ? 1 : after + 1) * 1000000000LL;
    }
    return write_deployment_status(r, st);
}

/* ---- sync ---- */

static void rollout_free(k8sc__rollout *r)
{
    k8sc_object_free(r->d);
    k8sc_object_free(r->new_rs);
    k8sc_cache_items_free(r->old, r->nold);
}

/* checkPausedConditions: Progressing says DeploymentPaused / DeploymentResumed. */
static int paused_conditions(k8sc__rollout *r, bool paused)
{
    if (progress_deadline(r->d) == INT32_MAX)
        return 0;
    struct json_object *cur = k8sc__condition(k8sc_object_get(r->d, "status"), "Progressing");
    const char *reason = cond_field(cur, "reason");
    if (strcmp(reason, "ProgressDeadlineExceeded") == 0)
        return 0;
    bool paused_cond = strcmp(reason, "DeploymentPaused") == 0;
    if (paused == paused_cond)
        return 0;
    struct json_object *st = NULL;
    json_object_deep_copy(k8sc_object_get(r->d, "status"), &st, NULL);
    if (!st)
        st = json_object_new_object();
    k8sc__set_condition(st, "Progressing", "Unknown", paused ? "DeploymentPaused" : "DeploymentResumed",
        paused ? "Deployment is paused" : "Deployment is resumed", now_sec(r->dep));
    return write_deployment_status(r, st);
}

static int sync(k8sc_reconcile_result *res, k8sc_controller *ctl, const char *ns, const char *name, void *ud)
{
    k8sc__dep *dep = ud;
    k8sc__rollout r = { .dep = dep };
    if (k8sc_cache_get(&r.d, k8sc_controller_cache(ctl, API_VERSION, "Deployment"), ns, name) < 0)
        return 0;
    struct json_object *sel_json = k8sc_object_get(r.d, "spec.selector");
    k8sc_selector *sel = NULL;
    int rc = 0;
    bool everything = !sel_json || json_object_object_length(sel_json) == 0;
    if (everything || k8sc_selector_from_json(&sel, sel_json) < 0) {
        /* Selecting all pods (or none sensibly): refuse, and say so once per generation. */
        if (k8sc__json_int(k8sc_object_get(r.d, "status"), "observedGeneration", 0) < k8sc_object_generation(r.d)) {
            k8sc__event(dep->rec, r.d, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
            struct json_object *st = NULL;
            json_object_deep_copy(k8sc_object_get(r.d, "status"), &st, NULL);
            if (!st)
                st = json_object_new_object();
            json_object_object_add(st, "observedGeneration", json_object_new_int64(k8sc_object_generation(r.d)));
            rc = write_deployment_status(&r, st);
        }
        rollout_free(&r);
        return rc;
    }
    k8sc_object **rss = NULL;
    size_t nrs = 0;
    rc = claim(&rss, &nrs, dep, r.d, sel);
    k8sc_selector_free(sel);
    if (rc < 0) {
        rollout_free(&r);
        return rc;
    }
    /* The new ReplicaSet is the oldest whose template matches; the rest are old. */
    struct json_object *tmpl = k8sc_object_get(r.d, "spec.template");
    r.old = rss;
    for (size_t i = 0; i < nrs; i++) {
        if (!r.new_rs && k8sc__templates_equal(k8sc_object_get(rss[i], "spec.template"), tmpl))
            r.new_rs = rss[i];
        else
            r.old[r.nold++] = rss[i];
    }
    r.replicas = k8sc__json_int(k8sc_object_get(r.d, "spec"), "replicas", 1);
    rc = k8sc__fenceposts(r.d, r.replicas, &r.surge, &r.unavailable);
    if (rc < 0) {
        k8sc__event(dep->rec, r.d, "Warning", "InvalidStrategy", "%s", k8sc_error_last());
        rollout_free(&r);
        return 0;
    }
    bool paused = false;
    k8sc_object_get_bool(r.d, "spec.paused", &paused);
    if (k8sc_object_has(r.d, "metadata.deletionTimestamp")) {
        rc = k8sc__dep_sync_status(&r);
    } else {
        rc = paused_conditions(&r, paused);
        if (rc == 0 && (paused || k8sc__dep_is_scaling_event(&r))) {
            rc = k8sc__dep_scale_only(&r);
        } else if (rc == 0) {
            const char *type = k8sc_object_get_string(r.d, "spec.strategy.type");
            rc = type && strcmp(type, "Recreate") == 0 ? k8sc__dep_recreate(&r, res) : k8sc__dep_rolling(&r, res);
        }
    }
    rollout_free(&r);
    return rc;
}

static k8sc_informer_handler pod_handler(k8sc__dep *dep)
{
    k8sc_informer_handler h = K8SC_INFORMER_HANDLER_INIT;
    h.on_delete = pod_deleted;
    h.userdata = dep;
    return h;
}

static void dep_free(void *ud)
{
    k8sc__dep *dep = ud;
    k8sc_informer_handler h = pod_handler(dep);
    if (dep->pods)
        k8sc_informer_remove_handler(dep->pods, &h);
    free(dep);
}

int k8sc_deployment_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts)
{
    K8SC__CHECK_ARG(out);
    k8sc__dep *dep = k8sc__calloc(1, sizeof(*dep));
    if (!dep)
        return K8SC_ENOMEM;
    dep->rec = opts ? opts->recorder : NULL;
    dep->clock = opts && opts->clock ? opts->clock : k8sc_clock_system();
    static const k8sc__builtin_spec spec = { "deployment-controller", "apps/v1", "Deployment", sync, dep_free, NULL };
    int rc = k8sc__builtin_new(&dep->ctl, client, opts, &spec, dep);
    if (rc < 0)
        return rc;
    k8sc_informer_handler h = pod_handler(dep);
    rc = k8sc_controller_watches(dep->ctl, API_VERSION, "ReplicaSet", map_rs, dep);
    if (rc == 0)
        rc = k8sc__builtin_handle(&dep->pods, dep->ctl, "v1", "Pod", &h);
    if (rc < 0) {
        k8sc_controller_free(dep->ctl);
        return rc;
    }
    *out = dep->ctl;
    return 0;
}
