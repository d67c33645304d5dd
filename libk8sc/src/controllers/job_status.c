/*
 * The Job controller's status (trackJobStatusAndRemoveFinalizers and its
 * helpers): finished pods are first listed in
 * status.uncountedTerminatedPods, then their tracking finalizers are
 * removed, then they move to the succeeded/failed counters; the interim
 * SuccessCriteriaMet/FailureTarget conditions come before Complete/Failed,
 * which wait until no pod is uncounted or terminating.
 */
#include <stdlib.h>
#include <string.h>

#include "job.h"

static struct json_object *cond_find(struct json_object *status, const char *type)
{
    struct json_object *conds = json_object_object_get(status, "conditions");
    size_t n = json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        const char *t = json_object_get_string(json_object_object_get(c, "type"));
        if (t && strcmp(t, type) == 0)
            return c;
    }
    return NULL;
}

static bool cond_true(struct json_object *c)
{
    const char *s = c ? json_object_get_string(json_object_object_get(c, "status")) : NULL;
    return s && strcmp(s, "True") == 0;
}

bool k8sc__job_has_condition(const k8sc_object *job, const char *type)
{
    return cond_true(cond_find(k8sc_object_get(job, "status"), type));
}

static bool str_eq(struct json_object *o, const char *key, const char *want)
{
    const char *v = json_object_get_string(json_object_object_get(o, key));
    return strcmp(v ? v : "", want ? want : "") == 0;
}

/* newCondition: both times now; reason and message left out when empty. */
static struct json_object *cond_new(const char *type, const char *status, const char *reason, const char *message,
    int64_t now)
{
    char ts[K8SC_TIME_BUFSIZE];
    k8sc_time_format(ts, sizeof(ts), now / 1000000000LL);
    struct json_object *c = json_object_new_object();
    json_object_object_add(c, "type", json_object_new_string(type));
    json_object_object_add(c, "status", json_object_new_string(status));
    json_object_object_add(c, "lastProbeTime", json_object_new_string(ts));
    json_object_object_add(c, "lastTransitionTime", json_object_new_string(ts));
    if (reason && *reason)
        json_object_object_add(c, "reason", json_object_new_string(reason));
    if (message && *message)
        json_object_object_add(c, "message", json_object_new_string(message));
    return c;
}

static void cond_append(struct json_object *status, struct json_object *cond)
{
    struct json_object *conds = json_object_object_get(status, "conditions");
    if (!json_object_is_type(conds, json_type_array)) {
        conds = json_object_new_array();
        json_object_object_add(status, "conditions", conds);
    }
    json_object_array_add(conds, cond);
}

bool k8sc__job_ensure_condition(k8sc__job_ctx *c, const char *type, const char *status, const char *reason,
    const char *message)
{
    int64_t now = k8sc_clock_now(c->st->clock);
    struct json_object *old = cond_find(c->status, type);
    if (old) {
        if (str_eq(old, "status", status) && str_eq(old, "reason", reason) && str_eq(old, "message", message))
            return false;
        struct json_object *conds = json_object_object_get(c->status, "conditions");
        for (size_t i = 0; i < json_object_array_length(conds); i++)
            if (json_object_array_get_idx(conds, i) == old)
                json_object_array_put_idx(conds, i, cond_new(type, status, reason, message, now));
        return true;
    }
    if (strcmp(status, "False") == 0)
        return false;
    cond_append(c->status, cond_new(type, status, reason, message, now));
    return true;
}

int k8sc__job_cond_set(k8sc__job_cond *cond, const char *type, const char *reason, const char *message)
{
    char *r = k8sc__strdup(reason ? reason : ""), *m = k8sc__strdup(message ? message : "");
    if (!r || !m) {
        free(r);
        free(m);
        return K8SC_ENOMEM;
    }
    k8sc__job_cond_clear(cond);
    *cond = (k8sc__job_cond){ type, r, m };
    return 0;
}

void k8sc__job_cond_clear(k8sc__job_cond *cond)
{
    free(cond->reason);
    free(cond->message);
    *cond = (k8sc__job_cond){ NULL, NULL, NULL };
}

static bool has_type(const k8sc__job_cond *cond, const char *type)
{
    return cond->type && strcmp(cond->type, type) == 0;
}

/* ---- uncounted pods ---- */

static struct json_object *uncounted_list(struct json_object *status, const char *which, bool create)
{
    struct json_object *u = json_object_object_get(status, "uncountedTerminatedPods");
    if (!json_object_is_type(u, json_type_object)) {
        u = json_object_new_object();
        json_object_object_add(status, "uncountedTerminatedPods", u);
    }
    struct json_object *l = json_object_object_get(u, which);
    if (!json_object_is_type(l, json_type_array) && create) {
        l = json_object_new_array();
        json_object_object_add(u, which, l);
    }
    return json_object_is_type(l, json_type_array) ? l : NULL;
}

bool k8sc__job_uncounted_has(struct json_object *status, const char *which, const char *uid)
{
    struct json_object *u = json_object_object_get(status, "uncountedTerminatedPods");
    struct json_object *l = json_object_object_get(u, which);
    size_t n = json_object_is_type(l, json_type_array) ? json_object_array_length(l) : 0;
    for (size_t i = 0; uid && i < n; i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(l, i)), uid) == 0)
            return true;
    return false;
}

static void set_count(struct json_object *status, const char *key, int64_t v)
{
    if (v)
        json_object_object_add(status, key, json_object_new_int64(v));
    else
        json_object_object_del(status, key);
}

static bool uid_has_finalizer(k8sc__job_ctx *c, const bool *with_fin, const char *uid)
{
    for (size_t i = 0; i < c->npods; i++)
        if (with_fin[i] && k8sc_object_uid(c->pods[i]) && strcmp(k8sc_object_uid(c->pods[i]), uid) == 0)
            return true;
    return false;
}

/* cleanUncountedPodsWithoutFinalizers: uncounted pods whose finalizer is gone move to the counters. */
static bool clean_uncounted(k8sc__job_ctx *c, const bool *with_fin)
{
    static const char *const which[] = { "succeeded", "failed" };
    bool changed = false;
    for (size_t w = 0; w < 2; w++) {
        struct json_object *l = uncounted_list(c->status, which[w], false);
        if (!l)
            continue;
        struct json_object *keep = json_object_new_array();
        size_t n = json_object_array_length(l);
        for (size_t i = 0; i < n; i++) {
            struct json_object *uid = json_object_array_get_idx(l, i);
            if (uid_has_finalizer(c, with_fin, json_object_get_string(uid)))
                json_object_array_add(keep, json_object_get(uid));
        }
        size_t kept = json_object_array_length(keep);
        if (kept != n) {
            changed = true;
            set_count(c->status, which[w], k8sc__json_int(c->status, which[w], 0) + (int64_t)(n - kept));
        }
        struct json_object *u = json_object_object_get(c->status, "uncountedTerminatedPods");
        if (kept)
            json_object_object_add(u, which[w], keep);
        else {
            json_object_put(keep);
            json_object_object_del(u, which[w]);
        }
    }
    return changed;
}

static size_t uncounted_len(struct json_object *status, const char *which)
{
    struct json_object *l = uncounted_list(status, which, false);
    return l ? json_object_array_length(l) : 0;
}

/* ---- writes ---- */

/* PUT the status; the server's copy replaces c->job. ECONFLICT when the cached Job was stale. */
static int write_status(k8sc__job_ctx *c)
{
    k8sc_object *copy;
    int rc = k8sc_object_dup(&copy, c->job);
    if (rc < 0)
        return rc;
    struct json_object *st = NULL;
    if (json_object_deep_copy(c->status, &st, NULL) != 0) {
        k8sc_object_free(copy);
        return k8sc__error_nomem();
    }
    if ((rc = k8sc_object_set(copy, "status", st)) < 0)
        json_object_put(st);
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/apis/batch/v1/namespaces/%s/jobs/%s/status", k8sc_object_namespace(c->job),
        k8sc_object_name(c->job));
    char *body = NULL, *reply = NULL;
    size_t len;
    if (rc == 0 && k8sc__buf_status(&path) < 0)
        rc = K8SC_ENOMEM;
    if (rc == 0)
        rc = k8sc_object_to_json(&body, &len, copy, 0);
    if (rc == 0)
        rc = k8sc_client_request(&reply, NULL, k8sc_controller_client(c->st->ctl), "PUT", path.ptr,
            "application/json", body, len);
    k8sc_object *fresh = NULL;
    if (rc == 0 && (rc = k8sc_object_from_json(&fresh, reply, strlen(reply))) == 0) {
        k8sc_object_free(c->job);
        c->job = fresh;
    }
    k8sc_free(reply);
    k8sc_free(body);
    k8sc__buf_free(&path);
    k8sc_object_free(copy);
    return rc;
}

int k8sc__job_remove_finalizer(k8sc__job_state *st, const k8sc_object *pod)
{
    if (!k8sc_object_has_finalizer(pod, K8SC__JOB_TRACKING_FINALIZER))
        return 0;
    int rc = k8sc_client_patch(NULL, k8sc_controller_client(st->ctl), "v1", "Pod", k8sc_object_namespace(pod),
        k8sc_object_name(pod), K8SC_PATCH_STRATEGIC,
        "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"" K8SC__JOB_TRACKING_FINALIZER "\"]}}");
    return rc == K8SC_ENOTFOUND ? 0 : rc;
}

/*
 * flushUncountedAndRemoveFinalizers: write the uncounted pods, remove the
 * finalizers, count the pods whose finalizer is gone. `*flush` says
 * whether the status still needs writing.
 */
static int flush_and_remove(k8sc__job_ctx *c, const size_t *rm, size_t nrm, bool *with_fin, bool *flush)
{
    int rc;
    if (*flush) {
        if ((rc = write_status(c)) < 0)
            return rc;
        k8sc__job_backoffs_store(c->st->backoffs, c->key, c->backoff);
        *flush = false;
    }
    int rm_rc = 0;
    for (size_t i = 0; i < nrm; i++) {
        const k8sc_object *pod = c->pods[rm[i]];
        const char *uid = k8sc_object_uid(pod);
        if (uid && (rc = k8sc__uid_expectations_expect(c->st->fexp, c->key, &uid, 1)) < 0)
            return rc;
        if ((rc = k8sc__job_remove_finalizer(c->st, pod)) < 0) {
            if (uid)
                k8sc__uid_expectations_observed(c->st->fexp, c->key, uid);
            rm_rc = rc;
            continue;
        }
        with_fin[rm[i]] = false;
    }
    if (clean_uncounted(c, with_fin))
        *flush = true;
    if (rm_rc < 0 && *flush && (rc = write_status(c)) < 0)
        return rc;
    return rm_rc;
}

/* enactJobFinished: the terminal condition, once every pod is counted and none terminates. */
static bool enact_finished(k8sc__job_ctx *c)
{
    if (!c->finished.type || uncounted_len(c->status, "succeeded") + uncounted_len(c->status, "failed") > 0)
        return false;
    if (c->terminating > 0)
        return false;
    k8sc__job_ensure_condition(c, c->finished.type, "True", c->finished.reason, c->finished.message);
    if (has_type(&c->finished, "Complete")) {
        struct json_object *cond = cond_find(c->status, "Complete");
        json_object_object_add(c->status, "completionTime",
            json_object_get(json_object_object_get(cond, "lastTransitionTime")));
    }
    return true;
}

static void record_finished(k8sc__job_ctx *c)
{
    k8sc_event_recorder *rec = c->st->rec;
    if (!rec)
        return;
    if (has_type(&c->finished, "Complete")) {
        if (c->completions >= 0 && k8sc__json_int(c->status, "succeeded", 0) > c->completions)
            k8sc_event_recorder_event(rec, c->job, "Warning", "TooManySucceededPods",
                "Too many succeeded pods running after completion count reached");
        k8sc_event_recorder_event(rec, c->job, "Normal", "Completed", "Job completed");
    } else {
        k8sc_event_recorder_event(rec, c->job, "Warning", c->finished.reason, "%s", c->finished.message);
    }
}

/* canRemoveFinalizer (without backoffLimitPerIndex). */
static bool can_remove_finalizer(k8sc__job_ctx *c, const k8sc_object *pod, bool failed)
{
    const char *phase = k8sc_object_get_string(pod, "status.phase");
    if (k8sc_object_has(c->job, "metadata.deletionTimestamp") || c->finished.type ||
        (phase && strcmp(phase, "Succeeded") == 0))
        return true;
    return failed;
}

static int cmp_index(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Add `uid` to the uncounted `which` list. */
static void uncount(k8sc__job_ctx *c, const char *which, const char *uid)
{
    json_object_array_add(uncounted_list(c->status, which, true), json_object_new_string(uid));
}

/* Sort out which pods to count and to free of their finalizer; fills rm/new_idx and *flush. */
static bool collect(k8sc__job_ctx *c, const bool *with_fin, size_t *rm, size_t *nrm, int64_t *new_idx, size_t *nidx,
    bool *flush)
{
    for (size_t i = 0; i < c->npods; i++) {
        const k8sc_object *pod = c->pods[i];
        const char *uid = k8sc_object_uid(pod), *phase = k8sc_object_get_string(pod, "status.phase");
        if (!with_fin[i] || !uid)
            continue;
        bool failed = k8sc__job_pod_failed(pod, c->job);
        if (!can_remove_finalizer(c, pod, failed))
            continue;
        rm[(*nrm)++] = i;
        int64_t ix = k8sc__job_pod_index(pod);
        bool valid_ix = ix >= 0 && ix < c->completions;
        if (phase && strcmp(phase, "Succeeded") == 0 && !k8sc__job_uncounted_has(c->status, "failed", uid)) {
            if (c->indexed) {
                /* The completion index is enough to avoid counting a success twice. */
                if (valid_ix && !k8sc__intervals_has(&c->prev_succeeded, ix)) {
                    new_idx[(*nidx)++] = ix;
                    *flush = true;
                }
            } else if (!k8sc__job_uncounted_has(c->status, "succeeded", uid)) {
                uncount(c, "succeeded", uid);
                *flush = true;
            }
        } else if (failed || (c->finished.type && !has_type(&c->finished, "SuccessCriteriaMet"))) {
            /* Once the Job is finishing, every pod not succeeded counts as failed. */
            if (!k8sc__job_uncounted_has(c->status, "failed", uid) && (!c->indexed || valid_ix)) {
                uncount(c, "failed", uid);
                *flush = true;
            }
        }
        size_t pending = *nidx + uncounted_len(c->status, "succeeded") + uncounted_len(c->status, "failed");
        if (pending >= K8SC__JOB_MAX_UNCOUNTED)
            return true;
    }
    return false;
}

static int update_indexes(k8sc__job_ctx *c, int64_t *new_idx, size_t nidx, bool *flush)
{
    qsort(new_idx, nidx, sizeof(*new_idx), cmp_index);
    k8sc__intervals merged;
    int rc = k8sc__intervals_merge(&merged, &c->succeeded_idx, new_idx, nidx);
    if (rc < 0)
        return rc;
    k8sc__intervals_free(&c->succeeded_idx);
    c->succeeded_idx = merged;
    char *s = k8sc__intervals_format(&merged);
    if (!s)
        return K8SC_ENOMEM;
    const char *old = json_object_get_string(json_object_object_get(c->status, "completedIndexes"));
    if (strcmp(old ? old : "", s) != 0)
        *flush = true;
    set_count(c->status, "succeeded", k8sc__intervals_total(&merged));
    if (*s)
        json_object_object_add(c->status, "completedIndexes", json_object_new_string(s));
    else
        json_object_object_del(c->status, "completedIndexes");
    free(s);
    return 0;
}

/* The interim condition goes in first; finished becomes the terminal one it leads to. */
static void interim_condition(k8sc__job_ctx *c, bool *flush)
{
    const char *final = NULL;
    if (has_type(&c->finished, "FailureTarget")) {
        cond_append(c->status, cond_new("FailureTarget", "True", c->finished.reason, c->finished.message,
            k8sc_clock_now(c->st->clock)));
        *flush = true;
        final = "Failed";
    } else if (has_type(&c->finished, "SuccessCriteriaMet")) {
        if (!cond_true(cond_find(c->status, "SuccessCriteriaMet"))) {
            cond_append(c->status, cond_new("SuccessCriteriaMet", "True", c->finished.reason, c->finished.message,
                k8sc_clock_now(c->st->clock)));
            *flush = true;
        }
        final = "Complete";
    }
    if (final)
        c->finished.type = final;
}

int k8sc__job_track_status(k8sc__job_ctx *c, bool flush)
{
    size_t n = c->npods ? c->npods : 1;
    bool *with_fin = k8sc__calloc(n, sizeof(*with_fin)), *collectable = k8sc__calloc(n, sizeof(*collectable));
    size_t *rm = k8sc__calloc(n, sizeof(*rm));
    int64_t *new_idx = k8sc__calloc(n, sizeof(*new_idx));
    int rc = with_fin && collectable && rm && new_idx ? 0 : K8SC_ENOMEM;
    size_t nrm = 0, nidx = 0;
    bool reached = false;
    if (rc == 0) {
        /*
         * As uidsWithFinalizer: a pod whose finalizer removal is still expected keeps its place in the
         * uncounted lists (it is counted once the removal is seen), and is not collected again.
         */
        for (size_t i = 0; i < c->npods; i++) {
            bool has = k8sc_object_has_finalizer(c->pods[i], K8SC__JOB_TRACKING_FINALIZER);
            bool expected = k8sc__uid_expectations_has(c->st->fexp, c->key, k8sc_object_uid(c->pods[i]));
            with_fin[i] = has || expected;
            collectable[i] = has && !expected;
        }
        if (clean_uncounted(c, with_fin))
            flush = true;
        reached = collect(c, collectable, rm, &nrm, new_idx, &nidx, &flush);
        if (c->indexed)
            rc = update_indexes(c, new_idx, nidx, &flush);
    }
    if (rc == 0) {
        interim_condition(c, &flush);
        rc = flush_and_remove(c, rm, nrm, with_fin, &flush);
    }
    bool finished = false;
    if (rc == 0 && !reached && enact_finished(c))
        finished = flush = true;
    if (rc == 0 && flush)
        rc = write_status(c);
    if (rc == 0 && finished)
        record_finished(c);
    free(with_fin);
    free(collectable);
    free(rm);
    free(new_idx);
    return rc;
}
