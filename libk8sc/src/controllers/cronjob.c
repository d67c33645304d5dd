/*
 * The CronJob controller (Kubernetes' cronjob_controllerv2.go): at each
 * start time of the schedule, in the CronJob's time zone, create a Job
 * named "<cronjob>-<minutes since the epoch>" (the name is the lock that
 * keeps one start time from making two Jobs), honour concurrencyPolicy,
 * suspend and startingDeadlineSeconds, keep status.active,
 * lastScheduleTime and lastSuccessfulTime, delete finished Jobs beyond the
 * history limits, and requeue itself for the next start time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

#define NS 1000000000LL

typedef struct cj_state {
    k8sc_controller *ctl;
    k8sc_event_recorder *rec;
    k8sc_clock *clock;
} cj_state;

static const char *cond_status(const k8sc_object *job, const char *type)
{
    struct json_object *conds = k8sc_object_get(job, "status.conditions"), *t, *s;
    for (size_t i = 0; conds && json_object_is_type(conds, json_type_array) && i < json_object_array_length(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        if (json_object_object_get_ex(c, "type", &t) && strcmp(json_object_get_string(t), type) == 0 &&
            json_object_object_get_ex(c, "status", &s))
            return json_object_get_string(s);
    }
    return NULL;
}

static bool condition_true(const k8sc_object *job, const char *type)
{
    const char *s = cond_status(job, type);
    return s && strcmp(s, "True") == 0;
}

/* IsJobFinished: Complete or Failed. */
static bool finished(const k8sc_object *job)
{
    return condition_true(job, "Complete") || condition_true(job, "Failed");
}

static struct json_object *active_list(struct json_object *status)
{
    struct json_object *a;
    if (!json_object_object_get_ex(status, "active", &a) || !json_object_is_type(a, json_type_array)) {
        a = json_object_new_array();
        json_object_object_add(status, "active", a);
    }
    return a;
}

static const char *ref_field(struct json_object *ref, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(ref, key, &v) ? json_object_get_string(v) : "";
}

/* The index of the active reference with `uid` (or `name`), or -1. */
static int find_active(struct json_object *status, const char *uid, const char *name)
{
    struct json_object *a = active_list(status);
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        struct json_object *r = json_object_array_get_idx(a, i);
        if ((uid && strcmp(ref_field(r, "uid"), uid) == 0) || (name && strcmp(ref_field(r, "name"), name) == 0))
            return (int)i;
    }
    return -1;
}

static struct json_object *job_ref(const k8sc_object *job)
{
    struct json_object *r = json_object_new_object();
    json_object_object_add(r, "kind", json_object_new_string("Job"));
    json_object_object_add(r, "namespace", json_object_new_string(k8sc_object_namespace(job)));
    json_object_object_add(r, "name", json_object_new_string(k8sc_object_name(job)));
    json_object_object_add(r, "uid", json_object_new_string(k8sc_object_uid(job)));
    json_object_object_add(r, "apiVersion", json_object_new_string("batch/v1"));
    json_object_object_add(r, "resourceVersion", json_object_new_string(k8sc_object_resource_version(job)));
    return r;
}

static void set_time(struct json_object *status, const char *key, int64_t t)
{
    char ts[K8SC_TIME_BUFSIZE];
    k8sc_time_format(ts, sizeof(ts), t);
    json_object_object_add(status, key, json_object_new_string(ts));
}

static int64_t get_time(struct json_object *o, const char *key)
{
    struct json_object *v;
    int64_t t = 0;
    if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
        k8sc_time_parse(&t, json_object_get_string(v));
    return t;
}

/* The Jobs `cj` controls, from the cache (new references). */
static int owned_jobs(k8sc_object ***out, size_t *count, cj_state *st, const k8sc_object *cj)
{
    k8sc_object **all;
    size_t n, kept = 0;
    int rc = k8sc_cache_list(&all, &n, k8sc_controller_cache(st->ctl, "batch/v1", "Job"), k8sc_object_namespace(cj), NULL);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        k8sc_owner_ref ref;
        if (k8sc_object_controller_ref(&ref, all[i]) == 0 && ref.uid && strcmp(ref.uid, k8sc_object_uid(cj)) == 0)
            all[kept++] = all[i];
        else
            k8sc_object_free(all[i]);
    }
    *out = all;
    *count = kept;
    return 0;
}

static int delete_job(cj_state *st, const k8sc_object *cj, const char *ns, const char *name)
{
    k8sc_delete_options o = K8SC_DELETE_OPTIONS_INIT;
    o.propagation_policy = "Background";
    int rc = k8sc_client_delete(NULL, k8sc_controller_client(st->ctl), "batch/v1", "Job", ns, name, &o);
    if (rc == 0)
        k8sc__event(st->rec, cj, "Normal", "SuccessfulDelete", "Deleted job %s", name);
    else if (rc != K8SC_ENOTFOUND)
        k8sc__event(st->rec, cj, "Warning", "FailedDelete", "Deleted job: %s", k8sc_error_last());
    return rc == K8SC_ENOTFOUND ? 0 : rc;
}

/* Reconcile status.active with the Jobs that exist and note successes (the first half of syncCronJob). */
static int track_jobs(cj_state *st, const k8sc_object *cj, struct json_object *status, k8sc_object **jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const k8sc_object *j = jobs[i];
        int at = find_active(status, k8sc_object_uid(j), NULL);
        if (at < 0 && !finished(j)) {
            k8sc__event(st->rec, cj, "Warning", "UnexpectedJob", "Saw a job that the controller did not create or forgot: %s",
                k8sc_object_name(j));
        } else if (at >= 0 && finished(j)) {
            json_object_array_del_idx(active_list(status), (size_t)at, 1);
            k8sc__event(st->rec, cj, "Normal", "SawCompletedJob", "Saw completed job: %s, condition: %s", k8sc_object_name(j),
                condition_true(j, "Complete") ? "Complete" : "Failed");
        }
        if (condition_true(j, "Complete")) {
            int64_t done = get_time(k8sc_object_get(j, "status"), "completionTime");
            if (done && done > get_time(status, "lastSuccessfulTime"))
                set_time(status, "lastSuccessfulTime", done);
        }
    }
    /* Active Jobs that are gone (checked with the server, the cache may lag) leave the list. */
    struct json_object *a = active_list(status);
    for (size_t i = json_object_array_length(a); i-- > 0;) {
        struct json_object *r = json_object_array_get_idx(a, i);
        bool listed = false;
        for (size_t k = 0; k < n && !listed; k++)
            listed = strcmp(ref_field(r, "uid"), k8sc_object_uid(jobs[k])) == 0;
        if (listed)
            continue;
        k8sc_object *j = NULL;
        int rc = k8sc_client_get(&j, k8sc_controller_client(st->ctl), "batch/v1", "Job", ref_field(r, "namespace"),
            ref_field(r, "name"));
        k8sc_object_free(j);
        if (rc == K8SC_ENOTFOUND) {
            k8sc__event(st->rec, cj, "Normal", "MissingJob", "Active job went missing: %s", ref_field(r, "name"));
            json_object_array_del_idx(a, i, 1);
        } else if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

static int by_start(const void *x, const void *y)
{
    const k8sc_object *a = *(k8sc_object *const *)x, *b = *(k8sc_object *const *)y;
    int64_t ta = get_time(k8sc_object_get(a, "status"), "startTime"), tb = get_time(k8sc_object_get(b, "status"), "startTime");
    return ta < tb ? -1 : ta > tb;
}

/* Delete the oldest finished Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit. */
static int cleanup(cj_state *st, const k8sc_object *cj, k8sc_object **jobs, size_t n)
{
    struct json_object *spec = k8sc_object_get(cj, "spec");
    int64_t limits[2] = { k8sc__json_int(spec, "successfulJobsHistoryLimit", -1),
        k8sc__json_int(spec, "failedJobsHistoryLimit", -1) };
    int rc = 0;
    for (int kind = 0; kind < 2 && rc == 0; kind++) {
        if (limits[kind] < 0)
            continue;
        k8sc_object **picked = k8sc__calloc(n + 1, sizeof(*picked));
        if (!picked)
            return K8SC_ENOMEM;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (condition_true(jobs[i], kind == 0 ? "Complete" : "Failed"))
                picked[m++] = jobs[i];
        qsort(picked, m, sizeof(*picked), by_start);
        for (size_t i = 0; (int64_t)(m - i) > limits[kind] && rc == 0; i++)
            rc = delete_job(st, cj, k8sc_object_namespace(picked[i]), k8sc_object_name(picked[i]));
        free(picked);
    }
    return rc;
}

/* The Job for start time `t` (getJobFromTemplate2). */
static int job_for(k8sc_object **out, const k8sc_object *cj, int64_t t)
{
    char name[300], ts[K8SC_TIME_BUFSIZE];
    snprintf(name, sizeof(name), "%s-%lld", k8sc_object_name(cj), (long long)(t / 60));
    k8sc_time_format(ts, sizeof(ts), t);
    k8sc_object *job;
    int rc = k8sc_object_new(&job, "batch/v1", "Job");
    if (rc < 0)
        return rc;
    static const char *const copied[] = { "metadata.labels", "metadata.annotations" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(copied) && rc == 0; i++) {
        char path[64];
        snprintf(path, sizeof(path), "spec.jobTemplate.%s", copied[i]);
        struct json_object *v = k8sc_object_get(cj, path), *copy = NULL;
        if (v && json_object_deep_copy(v, &copy, NULL) == 0)
            rc = k8sc_object_set(job, copied[i], copy);
    }
    struct json_object *spec = k8sc_object_get(cj, "spec.jobTemplate.spec"), *copy = NULL;
    if (rc == 0 && spec && json_object_deep_copy(spec, &copy, NULL) == 0)
        rc = k8sc_object_set(job, "spec", copy);
    if (rc == 0)
        rc = k8sc_object_set_name(job, name);
    if (rc == 0)
        rc = k8sc_object_set_namespace(job, k8sc_object_namespace(cj));
    if (rc == 0)
        rc = k8sc_object_meta_set(job, K8SC_ANNOTATIONS, "batch.kubernetes.io/cronjob-scheduled-timestamp", ts);
    k8sc_owner_ref ref = { "batch/v1", "CronJob", k8sc_object_name(cj), k8sc_object_uid(cj), true, true };
    if (rc == 0)
        rc = k8sc_object_add_owner_ref(job, &ref);
    if (rc < 0) {
        k8sc_object_free(job);
        return rc;
    }
    *out = job;
    return 0;
}

/* Start the Job for `t` unless the policy says otherwise; adds it to status.active. */
static int start_job(cj_state *st, const k8sc_object *cj, struct json_object *status, int64_t t)
{
    char name[300];
    snprintf(name, sizeof(name), "%s-%lld", k8sc_object_name(cj), (long long)(t / 60));
    if (find_active(status, NULL, name) >= 0 || get_time(status, "lastScheduleTime") == t)
        return 0; /* this start time is already processed */
    const char *policy = k8sc_object_get_string(cj, "spec.concurrencyPolicy");
    struct json_object *active = active_list(status);
    if (policy && strcmp(policy, "Forbid") == 0 && json_object_array_length(active) > 0) {
        k8sc__event(st->rec, cj, "Normal", "JobAlreadyActive",
            "Not starting job because prior execution is running and concurrency policy is Forbid");
        return 0;
    }
    if (policy && strcmp(policy, "Replace") == 0) {
        while (json_object_array_length(active) > 0) {
            struct json_object *r = json_object_array_get_idx(active, 0);
            int rc = delete_job(st, cj, ref_field(r, "namespace"), ref_field(r, "name"));
            if (rc < 0)
                return rc;
            json_object_array_del_idx(active, 0, 1);
        }
    }
    k8sc_object *job, *created = NULL;
    int rc = job_for(&job, cj, t);
    if (rc < 0)
        return rc;
    rc = k8sc_client_create(&created, k8sc_controller_client(st->ctl), job);
    k8sc_object_free(job);
    if (rc == K8SC_EEXISTS) {
        /* Made before a status update was lost: adopt it into the list if it is ours. */
        rc = k8sc_client_get(&created, k8sc_controller_client(st->ctl), "batch/v1", "Job", k8sc_object_namespace(cj), name);
        k8sc_owner_ref ref;
        bool ours = rc == 0 && k8sc_object_controller_ref(&ref, created) == 0 && ref.uid &&
            strcmp(ref.uid, k8sc_object_uid(cj)) == 0;
        if (rc < 0 || !ours || find_active(status, k8sc_object_uid(created), NULL) >= 0) {
            k8sc_object_free(created);
            return rc;
        }
    } else if (rc < 0) {
        k8sc__event(st->rec, cj, "Warning", "FailedCreate", "Error creating job: %s", k8sc_error_last());
        return rc;
    } else {
        k8sc__event(st->rec, cj, "Normal", "SuccessfulCreate", "Created job %s", name);
    }
    json_object_array_add(active, job_ref(created));
    set_time(status, "lastScheduleTime", t);
    k8sc_object_free(created);
    return 0;
}

/* When to look again: the next start time, plus Kubernetes' 100 ms pad. */
static void requeue_at(k8sc_reconcile_result *res, int64_t next, int64_t now_ns)
{
    int64_t after = next * NS + 100000000LL - now_ns;
    res->action = K8SC_RECONCILE_REQUEUE_AFTER;
    res->requeue_after_ns = after > 0 ? after : 0;
}

/* The schedule part of syncCronJob: returns without starting anything when it should not. */
static int schedule(cj_state *st, const k8sc_object *cj, struct json_object *status, k8sc_reconcile_result *res)
{
    bool suspended = false;
    k8sc_object_get_bool(cj, "spec.suspend", &suspended);
    if (k8sc_object_has(cj, "metadata.deletionTimestamp") || suspended)
        return 0;
    const char *spec = k8sc_object_get_string(cj, "spec.schedule"), *tz = k8sc_object_get_string(cj, "spec.timeZone");
    k8sc_cron_options co = K8SC_CRON_OPTIONS_INIT;
    co.time_zone = tz;
    co.allow_tz_in_schedule = true;
    k8sc_cron *cron;
    if (k8sc_cron_parse(&cron, spec ? spec : "", &co) < 0) {
        bool zone = strstr(k8sc_error_last(), "time zone") != NULL;
        if (zone)
            k8sc__event(st->rec, cj, "Warning", "UnknownTimeZone", "invalid timeZone: \"%s\": %s", tz ? tz : "", k8sc_error_last());
        else
            k8sc__event(st->rec, cj, "Warning", "UnparseableSchedule", "unparseable schedule: \"%s\" : %s", spec ? spec : "",
                k8sc_error_last());
        return 0; /* only an edit of the CronJob can fix it */
    }
    int64_t now_ns = k8sc_clock_now(st->clock), now = now_ns / NS;
    int64_t earliest = get_time(status, "lastScheduleTime");
    if (!earliest)
        k8sc_object_creation_timestamp(cj, &earliest);
    int64_t deadline = k8sc__json_int(k8sc_object_get(cj, "spec"), "startingDeadlineSeconds", -1);
    k8sc_cron_schedule_times times;
    int rc = k8sc_cron_most_recent(&times, cron, earliest, now, deadline);
    k8sc_cron_free(cron);
    if (rc < 0) {
        k8sc__event(st->rec, cj, "Warning", "InvalidSchedule", "invalid schedule: %s : %s", spec, k8sc_error_last());
        return 0;
    }
    if (times.missed_kind == K8SC_CRON_MANY_MISSED)
        k8sc__event(st->rec, cj, "Warning", "TooManyMissedTimes",
            "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
    requeue_at(res, times.next, now_ns);
    if (!times.has_most_recent || times.most_recent > now)
        return 0;
    if (deadline >= 0 && times.most_recent + deadline < now) {
        char ts[K8SC_TIME_BUFSIZE];
        k8sc_time_format(ts, sizeof(ts), times.most_recent);
        k8sc__event(st->rec, cj, "Warning", "MissSchedule", "Missed scheduled time to start a job: %s", ts);
        return 0;
    }
    return start_job(st, cj, status, times.most_recent);
}

static int sync(k8sc_reconcile_result *res, k8sc_controller *ctl, const char *ns, const char *name, void *ud)
{
    cj_state *st = ud;
    k8sc_object *cj;
    if (k8sc_cache_get(&cj, k8sc_controller_cache(ctl, "batch/v1", "CronJob"), ns, name) < 0)
        return 0;
    k8sc_object **jobs = NULL;
    size_t n = 0;
    struct json_object *status = NULL;
    int rc = owned_jobs(&jobs, &n, st, cj);
    if (rc == 0 && (json_object_deep_copy(k8sc_object_get(cj, "status"), &status, NULL) != 0 || !status))
        status = json_object_new_object();
    if (rc == 0 && !status)
        rc = K8SC_ENOMEM;
    if (rc == 0)
        rc = track_jobs(st, cj, status, jobs, n);
    if (rc == 0)
        rc = schedule(st, cj, status, res);
    int cleaned = rc == 0 ? cleanup(st, cj, jobs, n) : 0;
    if (status && json_object_array_length(active_list(status)) == 0)
        json_object_object_del(status, "active");
    /* Written even when starting failed: what was observed must not be lost. */
    int wrc = status ? k8sc__write_status(k8sc_controller_client(ctl), cj, status, NULL) : 0;
    k8sc_cache_items_free(jobs, n);
    k8sc_object_free(cj);
    return rc < 0 ? rc : cleaned < 0 ? cleaned : wrc;
}

int k8sc_cronjob_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts)
{
    K8SC__CHECK_ARG(out);
    cj_state *st = k8sc__calloc(1, sizeof(*st));
    if (!st)
        return K8SC_ENOMEM;
    st->rec = opts ? opts->recorder : NULL;
    st->clock = opts && opts->clock ? opts->clock : k8sc_clock_system();
    static const k8sc__builtin_spec spec = { "cronjob-controller", "batch/v1", "CronJob", sync, free, NULL };
    int rc = k8sc__builtin_new(&st->ctl, client, opts, &spec, st);
    if (rc < 0)
        return rc;
    if ((rc = k8sc_controller_owns(st->ctl, "batch/v1", "Job")) < 0) {
        k8sc_controller_free(st->ctl);
        return rc;
    }
    *out = st->ctl;
    return 0;
}
