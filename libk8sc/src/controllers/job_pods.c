/*
 * The Job controller's pods: claiming (adoption with the tracking
 * finalizer, release), creation in slow-start batches with completion
 * indexes, deletion, and manageJob's arithmetic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

#define SEC 1000000000LL

/* ---- claiming ---- */

/* Adopt an orphan (owner reference and tracking finalizer) or release a pod that stopped matching. */
static int claim_change(k8sc__job_state *st, const k8sc_object *job, const k8sc_object *pod, bool adopt)
{
    k8sc_object *copy;
    int rc = k8sc_object_dup(&copy, pod);
    if (rc < 0)
        return rc;
    if (adopt) {
        k8sc_owner_ref ref = { k8sc_object_api_version(job), k8sc_object_kind(job), k8sc_object_name(job),
            k8sc_object_uid(job), true, true };
        rc = k8sc_object_add_owner_ref(copy, &ref);
        if (rc == 0 && !k8sc_object_has_finalizer(copy, K8SC__JOB_TRACKING_FINALIZER))
            rc = k8sc_object_add_finalizer(copy, K8SC__JOB_TRACKING_FINALIZER);
    } else {
        rc = k8sc_object_remove_owner_ref(copy, k8sc_object_uid(job));
        if (rc == 0 && k8sc_object_has_finalizer(copy, K8SC__JOB_TRACKING_FINALIZER))
            rc = k8sc_object_remove_finalizer(copy, K8SC__JOB_TRACKING_FINALIZER);
    }
    if (rc == 0)
        rc = k8sc_client_update(NULL, k8sc_controller_client(st->ctl), copy);
    k8sc_object_free(copy);
    return rc == K8SC_ENOTFOUND ? 0 : rc;
}

/* getPodsForJob: our pods in every phase, after adopting orphans that match and releasing those that stopped. */
int k8sc__job_claim_pods(k8sc__job_ctx *c, const k8sc_selector *sel)
{
    k8sc_object **all;
    size_t n;
    int rc = k8sc_cache_list(&all, &n, k8sc_informer_cache(c->st->pods), k8sc_object_namespace(c->job), NULL);
    if (rc < 0)
        return rc;
    bool deleting = k8sc_object_has(c->job, "metadata.deletionTimestamp");
    const char *uid = k8sc_object_uid(c->job);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        k8sc_object *pod = all[i];
        all[i] = NULL;
        bool mine = false, matches = k8sc_selector_matches_object(sel, pod);
        k8sc_owner_ref ref;
        if (k8sc_object_controller_ref(&ref, pod) == 0) {
            bool ours = ref.uid && uid && strcmp(ref.uid, uid) == 0;
            mine = ours && (matches || deleting);
            if (ours && !matches && !deleting && rc == 0)
                rc = claim_change(c->st, c->job, pod, false);
        } else if (matches && !deleting && !k8sc_object_has(pod, "metadata.deletionTimestamp") && rc == 0) {
            /* Counted from the server's copy next time: the adopted pod now has the finalizer. */
            rc = claim_change(c->st, c->job, pod, true);
        }
        if (mine)
            all[kept++] = pod;
        else
            k8sc_object_free(pod);
    }
    c->pods = all;
    c->npods = kept;
    return rc;
}

/* ---- creating and deleting ---- */

/* addCompletionIndexEnvVariables: JOB_COMPLETION_INDEX from the annotation, in every container. */
static void add_index_env(struct json_object *spec)
{
    static const char *const lists[] = { "containers", "initContainers" };
    for (size_t l = 0; l < 2; l++) {
        struct json_object *cs = json_object_object_get(spec, lists[l]);
        size_t n = json_object_is_type(cs, json_type_array) ? json_object_array_length(cs) : 0;
        for (size_t i = 0; i < n; i++) {
            struct json_object *ct = json_object_array_get_idx(cs, i), *env = json_object_object_get(ct, "env");
            if (!json_object_is_type(env, json_type_array)) {
                env = json_object_new_array();
                json_object_object_add(ct, "env", env);
            }
            bool found = false;
            for (size_t j = 0; j < json_object_array_length(env); j++) {
                struct json_object *var = json_object_array_get_idx(env, j);
                const char *name = json_object_get_string(json_object_object_get(var, "name"));
                found = found || (name && strcmp(name, "JOB_COMPLETION_INDEX") == 0);
            }
            if (found)
                continue;
            struct json_object *e = json_object_new_object(), *from = json_object_new_object(),
                               *ref = json_object_new_object();
            json_object_object_add(ref, "fieldPath",
                json_object_new_string("metadata.annotations['" K8SC__JOB_COMPLETION_INDEX "']"));
            json_object_object_add(from, "fieldRef", ref);
            json_object_object_add(e, "name", json_object_new_string("JOB_COMPLETION_INDEX"));
            json_object_object_add(e, "valueFrom", from);
            json_object_array_add(env, e);
        }
    }
}

/* The pod to create for completion index `ix` (-1: NonIndexed), from the prepared template. */
static int pod_for_index(k8sc_object **out, const k8sc_object *tmpl, const k8sc_object *job, int64_t ix)
{
    int rc = k8sc_object_dup(out, tmpl);
    if (rc < 0 || ix < 0)
        return rc;
    char num[24], host[300], gen[300];
    snprintf(num, sizeof(num), "%lld", (long long)ix);
    snprintf(host, sizeof(host), "%s-%s", k8sc_object_name(job), num);
    /* podGenerateNameWithIndex: the job name is cut so that the prefix stays within 58 characters. */
    size_t keep = strlen(k8sc_object_name(job)), room = 58 - (strlen(num) + 2);
    snprintf(gen, sizeof(gen), "%.*s-%s-", (int)(keep < room ? keep : room), k8sc_object_name(job), num);
    rc = k8sc_object_meta_set(*out, K8SC_ANNOTATIONS, K8SC__JOB_COMPLETION_INDEX, num);
    if (rc == 0)
        rc = k8sc_object_meta_set(*out, K8SC_LABELS, K8SC__JOB_COMPLETION_INDEX, num);
    if (rc == 0)
        rc = k8sc_object_set_string(*out, "spec.hostname", host);
    if (rc == 0)
        rc = k8sc_object_set_generate_name(*out, gen);
    if (rc < 0) {
        k8sc_object_free(*out);
        *out = NULL;
    }
    return rc;
}

/* Create pods for `want` more completions (the indexes in `idx` when Indexed); returns how many failed. */
static int create_pods(k8sc__job_ctx *c, const int64_t *idx, int want, int *failed_out)
{
    k8sc__job_state *st = c->st;
    int rc = k8sc__expectations_expect(st->exp, c->key, want, NULL, 0);
    if (rc < 0)
        return rc;
    k8sc_object *tmpl;
    if ((rc = k8sc__pod_from_template(&tmpl, c->job, "spec.template")) < 0) {
        k8sc__expectations_forget(st->exp, c->key);
        return rc;
    }
    if (!k8sc_object_has_finalizer(tmpl, K8SC__JOB_TRACKING_FINALIZER))
        rc = k8sc_object_add_finalizer(tmpl, K8SC__JOB_TRACKING_FINALIZER);
    if (rc == 0 && c->indexed)
        add_index_env(k8sc_object_get(tmpl, "spec"));
    int done = 0, failed = 0;
    /* Slow start: batches of 1, 2, 4, ...; a failed batch ends the sync. */
    for (int batch = 1; done < want && rc == 0; batch *= 2) {
        int size = want - done < batch ? want - done : batch;
        for (int i = 0; i < size; i++) {
            k8sc_object *pod = NULL, *made = NULL;
            int err = pod_for_index(&pod, tmpl, c->job, c->indexed ? idx[done] : -1);
            if (err == 0)
                err = k8sc_client_create(&made, k8sc_controller_client(st->ctl), pod);
            done++;
            k8sc_object_free(pod);
            if (err < 0) {
                failed++;
                rc = err;
                k8sc__job_event(st, c->job, "Warning", "FailedCreate", "Error creating: %s", k8sc_error_last());
                continue;
            }
            k8sc__job_event(st, c->job, "Normal", "SuccessfulCreate", "Created pod: %s", k8sc_object_name(made));
            k8sc_object_free(made);
        }
    }
    for (int i = 0; i < failed + (want - done); i++)
        k8sc__expectations_created(st->exp, c->key);
    *failed_out = failed + (want - done);
    k8sc_object_free(tmpl);
    return rc;
}

/* deleteJobPods, or deleteActivePods with `keep_finalizer`. */
int k8sc__job_delete_pods(k8sc__job_ctx *c, k8sc_object **pods, size_t n, bool keep_finalizer, int64_t *deleted,
    int64_t *deleted_ready)
{
    k8sc__job_state *st = c->st;
    char **keys = k8sc__calloc(n ? n : 1, sizeof(*keys));
    int rc = keys ? 0 : K8SC_ENOMEM;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (!(keys[i] = k8sc__object_key(pods[i])))
            rc = K8SC_ENOMEM;
    if (rc == 0 && !keep_finalizer)
        rc = k8sc__expectations_expect(st->exp, c->key, 0, keys, n);
    *deleted = *deleted_ready = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        int err = keep_finalizer ? 0 : k8sc__job_remove_finalizer(st, pods[i]);
        if (err == 0)
            err = k8sc_client_delete(NULL, k8sc_controller_client(st->ctl), "v1", "Pod",
                k8sc_object_namespace(pods[i]), k8sc_object_name(pods[i]), NULL);
        if (err == 0 || err == K8SC_ENOTFOUND) {
            (*deleted)++;
            if (k8sc__pod_ready(pods[i], NULL))
                (*deleted_ready)++;
            if (err == 0)
                k8sc__job_event(st, c->job, "Normal", "SuccessfulDelete", "Deleted pod: %s", k8sc_object_name(pods[i]));
            else if (!keep_finalizer)
                k8sc__expectations_deleted(st->exp, c->key, keys[i]);
            continue;
        }
        if (!keep_finalizer)
            k8sc__expectations_deleted(st->exp, c->key, keys[i]);
        k8sc__job_event(st, c->job, "Warning", "FailedDelete", "Error deleting: %s", k8sc_error_last());
        rc = err;
    }
    for (size_t i = 0; keys && i < n; i++)
        free(keys[i]);
    free(keys);
    return rc;
}

/*
 * activePodsForRemoval: for Indexed Jobs the pods with a missing, out of
 * range or repeated index first, then the rest in deletion order, until
 * at least `at_least`. Fills `out` (borrowed) and returns the count.
 */
static size_t pods_for_removal(k8sc__job_ctx *c, k8sc_object **out, size_t at_least)
{
    size_t nrm = 0, nleft = 0;
    k8sc_object **left = out + c->nactive;
    for (size_t i = 0; i < c->nactive; i++) {
        k8sc_object *p = c->active[i];
        int64_t ix = k8sc__job_pod_index(p);
        bool dup = false;
        for (size_t j = 0; c->indexed && j < i && !dup; j++)
            dup = k8sc__job_pod_index(c->active[j]) == ix;
        if (c->indexed && (ix < 0 || ix >= c->completions || dup))
            out[nrm++] = p;
        else
            left[nleft++] = p;
    }
    if (nrm < at_least) {
        k8sc__pods_rank_for_deletion(left, nleft, k8sc_clock_now(c->st->clock) / SEC);
        for (size_t i = 0; nrm < at_least && i < nleft; i++)
            out[nrm++] = left[i];
    }
    return nrm;
}

/* firstPendingIndexes: the lowest indexes neither succeeded nor held by an active pod. */
static size_t pending_indexes(k8sc__job_ctx *c, int64_t *out, size_t want)
{
    size_t n = 0;
    for (int64_t ix = 0; ix < c->completions && n < want; ix++) {
        if (k8sc__intervals_has(&c->succeeded_idx, ix))
            continue;
        bool held = false;
        for (size_t i = 0; i < c->nactive && !held; i++)
            held = k8sc__job_pod_index(c->active[i]) == ix;
        if (!held)
            out[n++] = ix;
    }
    return n;
}

static int remove_active(k8sc__job_ctx *c, size_t at_least, int64_t *active, bool *deleted_any)
{
    k8sc_object **buf = k8sc__calloc(2 * c->nactive + 1, sizeof(*buf));
    if (!buf)
        return K8SC_ENOMEM;
    size_t n = pods_for_removal(c, buf, at_least);
    if (n > K8SC__JOB_MAX_CREATE_DELETE)
        n = K8SC__JOB_MAX_CREATE_DELETE;
    int64_t removed = 0, removed_ready = 0;
    int rc = n ? k8sc__job_delete_pods(c, buf, n, false, &removed, &removed_ready) : 0;
    *active -= removed;
    c->terminating += removed;
    c->ready -= removed_ready;
    *deleted_any = n > 0;
    free(buf);
    return rc;
}

/* manageJob: delete or create pods; *active gets the new count of active pods. */
int k8sc__job_manage(k8sc__job_ctx *c, int64_t *active)
{
    bool deleted = false;
    *active = (int64_t)c->nactive;
    if (k8sc__job_suspended(c->job))
        return remove_active(c, c->nactive, active, &deleted);
    int64_t parallelism = k8sc__json_int(k8sc_object_get(c->job, "spec"), "parallelism", 1), want;
    if (c->completions < 0)
        want = c->succeeded > 0 ? *active : parallelism;
    else
        want = c->completions - c->succeeded < parallelism ? c->completions - c->succeeded : parallelism;
    if (want < 0)
        want = 0;
    int rc = remove_active(c, *active > want ? (size_t)(*active - want) : 0, active, &deleted);
    if (deleted || rc < 0)
        return rc;
    /* Pods still terminating are not replaced until they have failed, when only failed pods are. */
    int64_t diff = want - *active - (k8sc__job_only_replace_failed(c->job) ? c->terminating : 0);
    if (diff <= 0)
        return 0;
    int64_t wait = k8sc__job_backoff_remaining(c->backoff, k8sc_clock_now(c->st->clock));
    if (wait > 0) {
        k8sc_controller_enqueue_after(c->st->ctl, k8sc_object_namespace(c->job), k8sc_object_name(c->job), wait);
        *active = 0;
        return 0;
    }
    if (diff > K8SC__JOB_MAX_CREATE_DELETE)
        diff = K8SC__JOB_MAX_CREATE_DELETE;
    int64_t *idx = NULL;
    if (c->indexed) {
        if (!(idx = k8sc__calloc((size_t)diff, sizeof(*idx))))
            return K8SC_ENOMEM;
        diff = (int64_t)pending_indexes(c, idx, (size_t)diff);
    }
    int failed = 0;
    if (diff > 0)
        rc = create_pods(c, idx, (int)diff, &failed);
    *active += diff - failed;
    free(idx);
    return rc;
}

