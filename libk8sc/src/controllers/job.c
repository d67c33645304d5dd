/*
 * The Job controller (Kubernetes 1.32 pkg/controller/job): pod events,
 * and syncJob, which counts a Job's pods, decides whether it succeeded or
 * failed (backoffLimit, activeDeadlineSeconds), lets job_pods.c create or
 * delete pods (min(parallelism, remaining completions) active, back-off
 * of recreated pods, suspend) and job_status.c track finished pods
 * through the batch.kubernetes.io/job-tracking finalizer.
 */
#include <stdlib.h>
#include <string.h>

#include "job.h"

#define SEC 1000000000LL

void k8sc__job_event(k8sc__job_state *st, const k8sc_object *obj, const char *type, const char *reason, const char *fmt,
    const char *arg)
{
    if (st->rec)
        k8sc_event_recorder_event(st->rec, obj, type, reason, fmt, arg);
}

static k8sc_cache *jobs(k8sc__job_state *st)
{
    return k8sc_controller_cache(st->ctl, "batch/v1", "Job");
}

int64_t k8sc__job_pod_index(const k8sc_object *pod)
{
    const char *v = k8sc_object_meta_get(pod, K8SC_ANNOTATIONS, K8SC__JOB_COMPLETION_INDEX);
    if (!v || !*v || strlen(v) > 9)
        return -1;
    int64_t ix = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        ix = ix * 10 + (*p - '0');
    }
    return ix;
}

bool k8sc__job_pod_phase_is(const k8sc_object *pod, const char *phase)
{
    const char *p = k8sc_object_get_string(pod, "status.phase");
    return p && strcmp(p, phase) == 0;
}

bool k8sc__job_only_replace_failed(const k8sc_object *job)
{
    const char *policy = k8sc_object_get_string(job, "spec.podReplacementPolicy");
    return (policy && strcmp(policy, "Failed") == 0) || k8sc_object_has(job, "spec.podFailurePolicy");
}

bool k8sc__job_pod_failed(const k8sc_object *pod, const k8sc_object *job)
{
    if (k8sc__job_pod_phase_is(pod, "Failed"))
        return true;
    if (k8sc__job_only_replace_failed(job))
        return false;
    /* A deleted pod that never finished counts as failed: an orphan may never reach Failed. */
    return k8sc_object_has(pod, "metadata.deletionTimestamp") && !k8sc__job_pod_phase_is(pod, "Succeeded");
}

bool k8sc__job_suspended(const k8sc_object *job)
{
    bool s = false;
    return k8sc_object_get_bool(job, "spec.suspend", &s) == 0 && s;
}

static bool job_finished(const k8sc_object *job)
{
    return k8sc__job_has_condition(job, "Complete") || k8sc__job_has_condition(job, "Failed");
}

/* ---- pod events ---- */

/* The Job in the cache that controls `pod` (same uid), as a new reference, or NULL. */
static k8sc_object *resolve_owner(k8sc__job_state *st, const k8sc_object *pod)
{
    k8sc_owner_ref ref;
    if (k8sc_object_controller_ref(&ref, pod) < 0 || !ref.kind || strcmp(ref.kind, "Job") != 0 || !ref.api_version ||
        strncmp(ref.api_version, "batch/", 6) != 0 || !ref.name)
        return NULL;
    k8sc_object *job;
    if (k8sc_cache_get(&job, jobs(st), k8sc_object_namespace(pod), ref.name) < 0)
        return NULL;
    if (!ref.uid || !k8sc_object_uid(job) || strcmp(ref.uid, k8sc_object_uid(job)) != 0) {
        k8sc_object_free(job);
        return NULL;
    }
    return job;
}

/*
 * A pod whose Job is gone still holding the tracking finalizer: sync the
 * key of its (former) Job, which removes it.
 */
static void enqueue_by_ref(k8sc__job_state *st, const k8sc_object *pod)
{
    k8sc_owner_ref ref;
    if (k8sc_object_has_finalizer(pod, K8SC__JOB_TRACKING_FINALIZER) && k8sc_object_controller_ref(&ref, pod) == 0 &&
        ref.kind && strcmp(ref.kind, "Job") == 0 && ref.name)
        k8sc_controller_enqueue(st->ctl, k8sc_object_namespace(pod), ref.name);
}

static void enqueue_matching(k8sc__job_state *st, const k8sc_object *pod)
{
    k8sc_object **items;
    size_t n;
    if (k8sc_cache_list(&items, &n, jobs(st), k8sc_object_namespace(pod), NULL) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        k8sc_selector *sel;
        if (k8sc_selector_from_json(&sel, k8sc_object_get(items[i], "spec.selector")) < 0)
            continue;
        if (k8sc_selector_matches_object(sel, pod))
            k8sc_controller_enqueue(st->ctl, k8sc_object_namespace(items[i]), k8sc_object_name(items[i]));
        k8sc_selector_free(sel);
    }
    k8sc_cache_items_free(items, n);
}

/* A pod went away (final) or got a deletionTimestamp. */
static void pod_gone(k8sc__job_state *st, const k8sc_object *pod, bool final)
{
    k8sc_object *job = resolve_owner(st, pod);
    if (!job) {
        enqueue_by_ref(st, pod);
        return;
    }
    char *key = k8sc__object_key(job), *pod_key = k8sc__object_key(pod);
    if (key && pod_key) {
        k8sc__expectations_deleted(st->exp, key, pod_key);
        if ((final || !k8sc_object_has_finalizer(pod, K8SC__JOB_TRACKING_FINALIZER)) && k8sc_object_uid(pod))
            k8sc__uid_expectations_observed(st->fexp, key, k8sc_object_uid(pod));
    }
    free(key);
    free(pod_key);
    k8sc_controller_enqueue(st->ctl, k8sc_object_namespace(job), k8sc_object_name(job));
    k8sc_object_free(job);
}

static void pod_deleted(const k8sc_object *pod, void *ud)
{
    pod_gone(ud, pod, true);
}

static void pod_added(const k8sc_object *pod, void *ud)
{
    k8sc__job_state *st = ud;
    if (k8sc_object_has(pod, "metadata.deletionTimestamp")) {
        pod_gone(st, pod, false);
        return;
    }
    k8sc_object *job = resolve_owner(st, pod);
    if (job) {
        char *key = k8sc__object_key(job);
        if (key)
            k8sc__expectations_created(st->exp, key);
        free(key);
        k8sc_controller_enqueue(st->ctl, k8sc_object_namespace(job), k8sc_object_name(job));
        k8sc_object_free(job);
        return;
    }
    if (k8sc_object_controller_ref(&(k8sc_owner_ref){ 0 }, pod) < 0)
        enqueue_matching(st, pod);
    else
        enqueue_by_ref(st, pod);
}

static bool same_string(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void pod_updated(const k8sc_object *old, const k8sc_object *cur, void *ud)
{
    k8sc__job_state *st = ud;
    if (same_string(k8sc_object_resource_version(old), k8sc_object_resource_version(cur)))
        return;
    if (k8sc_object_has_finalizer(old, K8SC__JOB_TRACKING_FINALIZER) &&
        !k8sc_object_has_finalizer(cur, K8SC__JOB_TRACKING_FINALIZER)) {
        k8sc_object *job = resolve_owner(st, cur);
        char *key = job ? k8sc__object_key(job) : NULL;
        if (key && k8sc_object_uid(cur))
            k8sc__uid_expectations_observed(st->fexp, key, k8sc_object_uid(cur));
        free(key);
        k8sc_object_free(job);
    }
    if (k8sc_object_has(cur, "metadata.deletionTimestamp")) {
        pod_gone(st, cur, false);
        return;
    }
    k8sc_owner_ref oref, cref;
    bool has_old = k8sc_object_controller_ref(&oref, old) == 0, has_cur = k8sc_object_controller_ref(&cref, cur) == 0;
    if (has_old && (!has_cur || !same_string(oref.uid, cref.uid))) {
        k8sc_object *prev = resolve_owner(st, old);
        if (prev)
            k8sc_controller_enqueue(st->ctl, k8sc_object_namespace(prev), k8sc_object_name(prev));
        k8sc_object_free(prev);
    }
    k8sc_object *job = has_cur ? resolve_owner(st, cur) : NULL;
    if (job)
        k8sc_controller_enqueue(st->ctl, k8sc_object_namespace(job), k8sc_object_name(job));
    else if (has_cur)
        enqueue_by_ref(st, cur);
    else
        enqueue_matching(st, cur);
    k8sc_object_free(job);
}

/* ---- sync ---- */

/* pastBackoffLimitOnFailure: container restarts of running pods, for restartPolicy OnFailure. */
static bool past_backoff_on_failure(k8sc__job_ctx *c, int64_t limit)
{
    const char *rp = k8sc_object_get_string(c->job, "spec.template.spec.restartPolicy");
    if (!rp || strcmp(rp, "OnFailure") != 0)
        return false;
    int64_t restarts = 0;
    static const char *const lists[] = { "status.initContainerStatuses", "status.containerStatuses" };
    for (size_t i = 0; i < c->npods; i++) {
        if (!k8sc__job_pod_phase_is(c->pods[i], "Running") && !k8sc__job_pod_phase_is(c->pods[i], "Pending"))
            continue;
        for (size_t l = 0; l < 2; l++) {
            struct json_object *st = k8sc_object_get(c->pods[i], lists[l]);
            size_t n = json_object_is_type(st, json_type_array) ? json_object_array_length(st) : 0;
            for (size_t j = 0; j < n; j++)
                restarts += k8sc__json_int(json_object_array_get_idx(st, j), "restartCount", 0);
        }
    }
    return limit == 0 ? restarts > 0 : restarts >= limit;
}

static int64_t start_time(struct json_object *status)
{
    int64_t t = 0;
    const char *s = json_object_get_string(json_object_object_get(status, "startTime"));
    if (s)
        k8sc_time_parse(&t, s);
    return t * SEC;
}

/* getNewFinishedPods, counting them into c->succeeded / c->failed and the back-off record. */
static int count_new_finished(k8sc__job_ctx *c)
{
    k8sc_object **s = k8sc__calloc(c->npods + 1, sizeof(*s)), **f = k8sc__calloc(c->npods + 1, sizeof(*f));
    if (!s || !f) {
        free(s);
        free(f);
        return K8SC_ENOMEM;
    }
    size_t ns = 0, nf = 0;
    for (size_t i = 0; i < c->npods; i++) {
        k8sc_object *p = c->pods[i];
        const char *uid = k8sc_object_uid(p);
        if (!uid || !k8sc_object_has_finalizer(p, K8SC__JOB_TRACKING_FINALIZER) ||
            k8sc__uid_expectations_has(c->st->fexp, c->key, uid))
            continue;
        int64_t ix = k8sc__job_pod_index(p);
        if (c->indexed && (ix < 0 || ix >= c->completions))
            continue;
        if (k8sc__job_pod_phase_is(p, "Succeeded") && !k8sc__job_uncounted_has(c->status, "succeeded", uid))
            s[ns++] = p;
        else if (k8sc__job_pod_failed(p, c->job) && !k8sc__job_uncounted_has(c->status, "failed", uid))
            f[nf++] = p;
    }
    struct json_object *u = json_object_object_get(c->status, "uncountedTerminatedPods");
    struct json_object *us = json_object_object_get(u, "succeeded"), *uf = json_object_object_get(u, "failed");
    c->succeeded = k8sc__json_int(c->status, "succeeded", 0) + (int64_t)ns +
        (json_object_is_type(us, json_type_array) ? (int64_t)json_object_array_length(us) : 0);
    c->failed = k8sc__json_int(c->status, "failed", 0) + (int64_t)nf +
        (json_object_is_type(uf, json_type_array) ? (int64_t)json_object_array_length(uf) : 0);
    c->backoff = k8sc__job_backoffs_next(c->st->backoffs, c->key, s, ns, f, nf);
    free(s);
    free(f);
    return 0;
}

/* calculateSucceededIndexes: the recorded indexes plus those of succeeded pods not yet counted. */
static int succeeded_indexes(k8sc__job_ctx *c)
{
    const char *text = json_object_get_string(json_object_object_get(c->status, "completedIndexes"));
    int rc = k8sc__intervals_parse(&c->prev_succeeded, text, c->completions);
    int64_t *idx = rc == 0 ? k8sc__calloc(c->npods + 1, sizeof(*idx)) : NULL;
    if (!idx)
        return rc < 0 ? rc : K8SC_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < c->npods; i++) {
        int64_t ix = k8sc__job_pod_index(c->pods[i]);
        if (k8sc__job_pod_phase_is(c->pods[i], "Succeeded") && ix >= 0 && ix < c->completions &&
            k8sc_object_has_finalizer(c->pods[i], K8SC__JOB_TRACKING_FINALIZER)) {
            size_t j = n;
            while (j > 0 && idx[j - 1] > ix) {
                idx[j] = idx[j - 1];
                j--;
            }
            if (j == 0 || idx[j - 1] != ix) {
                idx[j] = ix;
                n++;
            } else {
                memmove(idx + j, idx + j + 1, (n - j) * sizeof(*idx));
            }
        }
    }
    rc = k8sc__intervals_merge(&c->succeeded_idx, &c->prev_succeeded, idx, n);
    free(idx);
    if (rc == 0)
        c->succeeded = k8sc__intervals_total(&c->succeeded_idx);
    return rc;
}

static void set_time(struct json_object *status, const char *key, int64_t now)
{
    char ts[K8SC_TIME_BUFSIZE];
    k8sc_time_format(ts, sizeof(ts), now / SEC);
    json_object_object_add(status, key, json_object_new_string(ts));
}

/* The Job's condition of `type` with status True, borrowed, or NULL. */
static struct json_object *true_condition(const k8sc_object *job, const char *type)
{
    struct json_object *conds = k8sc_object_get(job, "status.conditions");
    size_t n = json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *cd = json_object_array_get_idx(conds, i);
        const char *t = json_object_get_string(json_object_object_get(cd, "type"));
        const char *s = json_object_get_string(json_object_object_get(cd, "status"));
        if (t && s && strcmp(t, type) == 0 && strcmp(s, "True") == 0)
            return cd;
    }
    return NULL;
}

static const char *cond_field(struct json_object *cond, const char *key)
{
    return json_object_get_string(json_object_object_get(cond, key));
}

/*
 * finishedCondition: one already reached (SuccessCriteriaMet, FailureTarget),
 * else backoffLimit, then activeDeadlineSeconds (or a wake-up at the deadline).
 */
static int check_finished(k8sc__job_ctx *c)
{
    struct json_object *spec = k8sc_object_get(c->job, "spec");
    int64_t limit = k8sc__json_int(spec, "backoffLimit", 6), now = k8sc_clock_now(c->st->clock);
    struct json_object *met = true_condition(c->job, "SuccessCriteriaMet"), *target;
    if (met)
        return k8sc__job_cond_set(&c->finished, "SuccessCriteriaMet", cond_field(met, "reason"),
            cond_field(met, "message"));
    if ((target = true_condition(c->job, "FailureTarget")))
        return k8sc__job_cond_set(&c->finished, "Failed", cond_field(target, "reason"), cond_field(target, "message"));
    if (c->failed > limit || past_backoff_on_failure(c, limit))
        return k8sc__job_cond_set(&c->finished, "FailureTarget", "BackoffLimitExceeded",
            "Job has reached the specified backoff limit");
    int64_t ads = k8sc__json_int(spec, "activeDeadlineSeconds", -1);
    if (ads < 0 || k8sc__job_suspended(c->job) || !json_object_object_get(c->status, "startTime"))
        return 0;
    int64_t left = ads * SEC - (now - start_time(c->status));
    if (left <= 0)
        return k8sc__job_cond_set(&c->finished, "FailureTarget", "DeadlineExceeded",
            "Job was active longer than specified deadline");
    return k8sc_controller_enqueue_after(c->st->ctl, k8sc_object_namespace(c->job), k8sc_object_name(c->job), left);
}

/* Suspended / resumed, only after manageJob ran in this sync. */
static bool suspend_condition(k8sc__job_ctx *c)
{
    if (k8sc__job_suspended(c->job)) {
        if (!k8sc__job_ensure_condition(c, "Suspended", "True", "JobSuspended", "Job suspended"))
            return false;
        k8sc__job_event(c->st, c->job, "Normal", "Suspended", "%s", "Job suspended");
        return true;
    }
    if (!k8sc__job_ensure_condition(c, "Suspended", "False", "JobResumed", "Job resumed"))
        return false;
    k8sc__job_event(c->st, c->job, "Normal", "Resumed", "%s", "Job resumed");
    /* activeDeadlineSeconds counts the time the Job is continuously active. */
    set_time(c->status, "startTime", k8sc_clock_now(c->st->clock));
    return true;
}

/* Pods with our finalizer whose Job is gone or finished: remove it (the orphan pod cleanup). */
static int release_finalizers(k8sc__job_state *st, const char *ns, const char *name)
{
    k8sc_object **all;
    size_t n;
    int rc = k8sc_cache_list(&all, &n, k8sc_informer_cache(st->pods), ns, NULL);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        k8sc_owner_ref ref;
        if (!k8sc_object_has_finalizer(all[i], K8SC__JOB_TRACKING_FINALIZER) ||
            k8sc_object_controller_ref(&ref, all[i]) < 0 || !ref.kind || strcmp(ref.kind, "Job") != 0 ||
            !same_string(ref.name, name))
            continue;
        /* The pod's Job is gone (or replaced by another of that name) or finished: nothing counts it any more. */
        int err = k8sc__job_remove_finalizer(st, all[i]);
        if (err < 0)
            rc = err;
    }
    k8sc_cache_items_free(all, n);
    return rc;
}

static void ctx_free(k8sc__job_ctx *c)
{
    k8sc_cache_items_free(c->pods, c->npods);
    free(c->active);
    json_object_put(c->status);
    k8sc_object_free(c->job);
    k8sc__intervals_free(&c->prev_succeeded);
    k8sc__intervals_free(&c->succeeded_idx);
    k8sc__job_cond_clear(&c->finished);
}

static int ctx_init(k8sc__job_ctx *c, const k8sc_selector *sel)
{
    struct json_object *st = k8sc_object_get(c->job, "status");
    if (st && json_object_deep_copy(st, &c->status, NULL) != 0)
        return k8sc__error_nomem();
    if (!c->status && !(c->status = json_object_new_object()))
        return k8sc__error_nomem();
    if (!json_object_is_type(json_object_object_get(c->status, "uncountedTerminatedPods"), json_type_object))
        json_object_object_add(c->status, "uncountedTerminatedPods", json_object_new_object());
    const char *mode = k8sc_object_get_string(c->job, "spec.completionMode");
    c->indexed = mode && strcmp(mode, "Indexed") == 0;
    if (k8sc_object_get_int(c->job, "spec.completions", &c->completions) != 0)
        c->completions = -1;
    int rc = k8sc__job_claim_pods(c, sel);
    if (rc < 0)
        return rc;
    if (!(c->active = k8sc__calloc(c->npods + 1, sizeof(*c->active))))
        return K8SC_ENOMEM;
    for (size_t i = 0; i < c->npods; i++) {
        if (k8sc__pod_active(c->pods[i])) {
            c->active[c->nactive++] = c->pods[i];
            if (k8sc__pod_ready(c->pods[i], NULL))
                c->ready++;
        } else if (k8sc_object_has(c->pods[i], "metadata.deletionTimestamp") &&
            !k8sc__job_pod_phase_is(c->pods[i], "Failed") &&
            !k8sc__job_pod_phase_is(c->pods[i], "Succeeded")) {
            c->terminating++;
        }
    }
    return count_new_finished(c);
}

static int sync_job(k8sc__job_ctx *c, bool satisfied)
{
    int rc = 0, manage_rc = 0;
    int64_t now = k8sc_clock_now(c->st->clock), active = (int64_t)c->nactive;
    if (!json_object_object_get(c->status, "startTime") && !k8sc__job_suspended(c->job))
        set_time(c->status, "startTime", now);
    if ((rc = check_finished(c)) < 0)
        return rc;
    if (c->indexed && (rc = succeeded_indexes(c)) < 0)
        return rc;
    bool suspend_changed = false;
    if (c->finished.type) {
        int64_t deleted = 0, deleted_ready = 0;
        manage_rc = k8sc__job_delete_pods(c, c->active, c->nactive, true, &deleted, &deleted_ready);
        if (deleted != active || !satisfied)
            k8sc__job_cond_clear(&c->finished); /* pods may remain that the cache does not show yet */
        active -= deleted;
        c->terminating += deleted;
        c->ready -= deleted_ready;
    } else {
        bool managed = satisfied && !k8sc_object_has(c->job, "metadata.deletionTimestamp");
        if (managed)
            manage_rc = k8sc__job_manage(c, &active);
        bool complete = c->completions < 0 ? c->succeeded > 0 && active == 0
                                           : c->succeeded >= c->completions && active == 0;
        if (complete)
            rc = k8sc__job_cond_set(&c->finished, "SuccessCriteriaMet", "CompletionsReached",
                "Reached expected number of succeeded pods");
        else if (managed)
            suspend_changed = suspend_condition(c);
    }
    struct json_object *st = c->status, *old_ready = json_object_object_get(st, "ready"),
                       *old_term = json_object_object_get(st, "terminating");
    bool needs = suspend_changed || active != k8sc__json_int(st, "active", 0) || !old_ready ||
        json_object_get_int64(old_ready) != c->ready || !old_term || json_object_get_int64(old_term) != c->terminating;
    if (active)
        json_object_object_add(st, "active", json_object_new_int64(active));
    else
        json_object_object_del(st, "active");
    json_object_object_add(st, "ready", json_object_new_int64(c->ready));
    json_object_object_add(st, "terminating", json_object_new_int64(c->terminating));
    if (rc == 0)
        rc = k8sc__job_track_status(c, needs);
    return rc < 0 ? rc : manage_rc;
}

/* Not a Job managed by another controller (spec.managedBy) nor one of an unknown completion mode. */
static bool ours_to_sync(k8sc__job_state *st, const k8sc_object *job)
{
    const char *managed_by = k8sc_object_get_string(job, "spec.managedBy");
    const char *mode = k8sc_object_get_string(job, "spec.completionMode");
    if (managed_by && strcmp(managed_by, "kubernetes.io/job-controller") != 0)
        return false;
    if (mode && strcmp(mode, "NonIndexed") != 0 && strcmp(mode, "Indexed") != 0) {
        k8sc__job_event(st, job, "Warning", "UnknownCompletionMode", "%s",
            "Skipped Job sync because completion mode is unknown");
        return false;
    }
    return true;
}

static int sync(k8sc_reconcile_result *res, k8sc_controller *ctl, const char *ns, const char *name, void *ud)
{
    k8sc__job_state *st = ud;
    (void)ctl;
    (void)res;
    k8sc__buf kb = K8SC__BUF_INIT;
    k8sc__buf_printf(&kb, "%s/%s", ns, name);
    if (k8sc__buf_status(&kb) < 0)
        return K8SC_ENOMEM;
    k8sc__job_ctx c = { .st = st, .key = kb.ptr };
    int rc = 0;
    if (k8sc_cache_get(&c.job, jobs(st), ns, name) < 0) {
        k8sc__expectations_forget(st->exp, c.key);
        k8sc__uid_expectations_forget(st->fexp, c.key);
        k8sc__job_backoffs_remove(st->backoffs, c.key);
        rc = release_finalizers(st, ns, name);
    } else if (job_finished(c.job)) {
        k8sc__job_backoffs_remove(st->backoffs, c.key);
        rc = release_finalizers(st, ns, name);
    } else if (ours_to_sync(st, c.job)) {
        k8sc_selector *sel = NULL;
        if (k8sc_selector_from_json(&sel, k8sc_object_get(c.job, "spec.selector")) < 0) {
            /* A broken selector is not retried: only an edit of the Job can fix it. */
            k8sc__job_event(st, c.job, "Warning", "InvalidSelector", "%s", k8sc_error_last());
        } else {
            bool satisfied = k8sc__expectations_satisfied(st->exp, c.key);
            rc = ctx_init(&c, sel);
            if (rc == 0)
                rc = sync_job(&c, satisfied);
        }
        k8sc_selector_free(sel);
    }
    ctx_free(&c);
    k8sc__buf_free(&kb);
    /* A stale cached Job: its watch event brings the newer copy and queues it again. */
    return rc == K8SC_ECONFLICT ? 0 : rc;
}

static k8sc_informer_handler pod_handler(k8sc__job_state *st)
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
    k8sc__job_state *st = ud;
    k8sc_informer_handler h = pod_handler(st);
    if (st->pods)
        k8sc_informer_remove_handler(st->pods, &h);
    k8sc__expectations_free(st->exp);
    k8sc__uid_expectations_free(st->fexp);
    k8sc__job_backoffs_free(st->backoffs);
    free(st);
}

int k8sc_job_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts)
{
    K8SC__CHECK_ARG(out);
    k8sc__job_state *st = k8sc__calloc(1, sizeof(*st));
    if (!st)
        return K8SC_ENOMEM;
    st->rec = opts ? opts->recorder : NULL;
    st->clock = opts && opts->clock ? opts->clock : k8sc_clock_system();
    int rc = k8sc__expectations_new(&st->exp, st->clock);
    if (rc == 0)
        rc = k8sc__uid_expectations_new(&st->fexp);
    if (rc == 0)
        rc = k8sc__job_backoffs_new(&st->backoffs);
    if (rc < 0) {
        state_free(st);
        return rc;
    }
    static const k8sc__builtin_spec spec = { "job-controller", "batch/v1", "Job", sync, state_free, NULL };
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
