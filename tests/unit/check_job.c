/*
 * The Job and TTL-after-finished controllers against an API server on a
 * memory store, through the in-process client, all on one fake clock,
 * driven by k8sc_controller_process. There is no kubelet: the tests set
 * the pods' phase and readiness through their status. Parallelism and
 * completions, Indexed mode, pod tracking with finalizers, back-off and
 * backoffLimit, activeDeadlineSeconds, suspend and resume, TTL, Events.
 */
#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/controller.h"
#include "k8sc/controllers.h"
#include "k8sc/store.h"
#include "testutil.h"

#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEC 1000000000LL
#define T0 1700000000LL
#define FINALIZER "batch.kubernetes.io/job-tracking"

static k8sc_store *store;
static k8sc_apiserver *srv;
static k8sc_client *client;
static k8sc_clock *clk;
static k8sc_event_recorder *rec;
static k8sc_controller *ctl, *ttl;

static void setup(void)
{
    ck_assert_int_eq(k8sc_clock_fake_new(&clk, T0 * SEC), 0);
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.store = store;
    o.clock = clk;
    ck_assert_msg(k8sc_apiserver_new(&srv, &o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_client_new_in_process(&client, srv) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(k8sc_event_recorder_new(&rec, client, "job-controller", NULL, clk), 0);
    k8sc_builtin_options bo = K8SC_BUILTIN_OPTIONS_INIT;
    bo.clock = clk;
    bo.recorder = rec;
    ck_assert_msg(k8sc_job_controller_new(&ctl, client, &bo) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_ttl_after_finished_controller_new(&ttl, client, &bo) == 0, "%s", k8sc_error_last());
}

static void teardown(void)
{
    k8sc_controller_free(ttl);
    k8sc_controller_free(ctl);
    k8sc_event_recorder_free(rec);
    k8sc_client_free(client);
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
    k8sc_clock_free(clk);
}

/* Run both controllers until neither has anything left to do. */
static void settle(void)
{
    int idle = 0;
    for (int i = 0; i < 1000 && idle < 4; i++) {
        struct pollfd p[2] = { { k8sc_controller_fd(ctl), POLLIN, 0 }, { k8sc_controller_fd(ttl), POLLIN, 0 } };
        int ready = poll(p, 2, 5);
        int n = k8sc_controller_process(ctl), m = k8sc_controller_process(ttl);
        ck_assert_msg(n >= 0 && m >= 0, "%s", k8sc_error_last());
        idle = ready == 0 && n == 0 && m == 0 ? idle + 1 : 0;
    }
    ck_assert_int_eq(idle, 4);
}

static void advance(int64_t seconds)
{
    ck_assert_int_eq(k8sc_clock_fake_advance(clk, seconds * SEC), 0);
    settle();
}

static void create_job(const char *name, const char *spec_extra)
{
    char json[2048];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\"},"
        "\"spec\":{%s%s\"template\":{\"metadata\":{\"labels\":{\"app\":\"%s\"}},"
        "\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}",
        name, spec_extra, *spec_extra ? "," : "", name);
    k8sc_object *obj = NULL;
    ck_assert_msg(k8sc_object_from_json(&obj, json, strlen(json)) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_client_create(NULL, client, obj) == 0, "%s", k8sc_error_last());
    k8sc_object_free(obj);
}

static k8sc_object *get(const char *api_version, const char *kind, const char *name)
{
    k8sc_object *obj;
    ck_assert_msg(k8sc_client_get(&obj, client, api_version, kind, "default", name) == 0, "%s", k8sc_error_last());
    return obj;
}

static k8sc_object *job(const char *name)
{
    return get("batch/v1", "Job", name);
}

static int64_t status_int(const char *name, const char *field)
{
    k8sc_object *j = job(name);
    char path[64];
    snprintf(path, sizeof(path), "status.%s", field);
    int64_t v = 0;
    k8sc_object_get_int(j, path, &v);
    k8sc_object_free(j);
    return v;
}

/* The status of the Job's condition `type` ("" if it has none); reason and message into the buffers if given. */
static const char *condition(const char *name, const char *type, char *reason, char *message)
{
    static char status[16];
    status[0] = 0;
    k8sc_object *j = job(name);
    struct json_object *conds = k8sc_object_get(j, "status.conditions");
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        if (strcmp(json_object_get_string(json_object_object_get(c, "type")), type) != 0)
            continue;
        snprintf(status, sizeof(status), "%s", json_object_get_string(json_object_object_get(c, "status")));
        if (reason)
            snprintf(reason, 64, "%s", json_object_get_string(json_object_object_get(c, "reason")));
        if (message)
            snprintf(message, 128, "%s", json_object_get_string(json_object_object_get(c, "message")));
    }
    k8sc_object_free(j);
    return status;
}

/* The Job's pods not being deleted, sorted by name, as new references in `out` (at most 16). */
static size_t pods(k8sc_object **out, const char *name)
{
    char sel[128];
    snprintf(sel, sizeof(sel), "batch.kubernetes.io/job-name=%s", name);
    k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
    lo.label_selector = sel;
    k8sc_object *list;
    ck_assert_int_eq(k8sc_client_list(&list, client, "v1", "Pod", "default", &lo), 0);
    struct json_object *items = k8sc_object_get(list, "items");
    size_t n = 0;
    for (size_t i = 0; i < json_object_array_length(items) && n < 16; i++) {
        k8sc_object *p;
        ck_assert_int_eq(k8sc_object_wrap(&p, json_object_get(json_object_array_get_idx(items, i))), 0);
        if (k8sc_object_has(p, "metadata.deletionTimestamp")) {
            k8sc_object_free(p);
            continue;
        }
        size_t j = n++;
        for (; j > 0 && strcmp(k8sc_object_name(out[j - 1]), k8sc_object_name(p)) > 0; j--)
            out[j] = out[j - 1];
        out[j] = p;
    }
    k8sc_object_free(list);
    return n;
}

static void pods_free(k8sc_object **p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        k8sc_object_free(p[i]);
}

/* The names of the Job's active (not finished) pods, as pods() finds them. */
static size_t active_pods(char names[][64], const char *name)
{
    k8sc_object *p[16];
    size_t n = pods(p, name), k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *phase = k8sc_object_get_string(p[i], "status.phase");
        if (!phase || (strcmp(phase, "Succeeded") != 0 && strcmp(phase, "Failed") != 0))
            snprintf(names[k++], 64, "%s", k8sc_object_name(p[i]));
    }
    pods_free(p, n);
    return k;
}

/* Play the kubelet: give a pod a phase and a Ready condition that changed now. */
static void set_pod(const char *pod_name, const char *phase, bool ready)
{
    k8sc_object *pod = get("v1", "Pod", pod_name);
    char ts[K8SC_TIME_BUFSIZE], status[512], path[160];
    k8sc_time_format(ts, sizeof(ts), k8sc_clock_now(clk) / SEC);
    snprintf(status, sizeof(status),
        "{\"phase\":\"%s\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\",\"lastTransitionTime\":\"%s\"}]}",
        phase, ready ? "True" : "False", ts);
    ck_assert_int_eq(k8sc_object_set(pod, "status", json_tokener_parse(status)), 0);
    char *body;
    size_t len;
    ck_assert_int_eq(k8sc_object_to_json(&body, &len, pod, 0), 0);
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s/status", pod_name);
    ck_assert_msg(k8sc_client_request(NULL, NULL, client, "PUT", path, "application/json", body, len) == 0, "%s",
        k8sc_error_last());
    k8sc_free(body);
    k8sc_object_free(pod);
}

/* How many Events about `name` have `reason`, and the message of the last one. */
static int events(const char *name, const char *reason, char *message)
{
    ck_assert_int_eq(k8sc_event_recorder_flush(rec, 5000), 0);
    k8sc_object *list;
    ck_assert_int_eq(k8sc_client_list(&list, client, "v1", "Event", "default", NULL), 0);
    struct json_object *items = k8sc_object_get(list, "items");
    int count = 0;
    for (size_t i = 0; i < json_object_array_length(items); i++) {
        struct json_object *e = json_object_array_get_idx(items, i), *inv = json_object_object_get(e, "involvedObject");
        if (strcmp(json_object_get_string(json_object_object_get(inv, "name")), name) != 0 ||
            strcmp(json_object_get_string(json_object_object_get(e, "reason")), reason) != 0)
            continue;
        struct json_object *c = json_object_object_get(e, "count");
        count += c ? json_object_get_int(c) : 1;
        if (message)
            snprintf(message, 128, "%s", json_object_get_string(json_object_object_get(e, "message")));
    }
    k8sc_object_free(list);
    return count;
}

static void check_time(const char *name, const char *field, int64_t want)
{
    k8sc_object *j = job(name);
    char path[64];
    snprintf(path, sizeof(path), "status.%s", field);
    const char *s = k8sc_object_get_string(j, path);
    ck_assert_msg(s, "%s has no %s", name, path);
    int64_t t;
    ck_assert_int_eq(k8sc_time_parse(&t, s), 0);
    ck_assert_int_eq(t, want);
    k8sc_object_free(j);
}

START_TEST(completions_with_parallelism)
{
    create_job("pi", "\"completions\":3,\"parallelism\":2");
    settle();
    k8sc_object *j = job("pi"), *p[16];
    size_t n = pods(p, "pi");
    ck_assert_uint_eq(n, 2);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(strncmp(k8sc_object_name(p[i]), "pi-", 3), 0);
        ck_assert_str_eq(k8sc_object_generate_name(p[i]), "pi-");
        const char *uid = k8sc_object_uid(j);
        ck_assert_str_eq(k8sc_object_meta_get(p[i], K8SC_LABELS, "batch.kubernetes.io/controller-uid"), uid);
        ck_assert_str_eq(k8sc_object_meta_get(p[i], K8SC_LABELS, "controller-uid"), k8sc_object_uid(j));
        ck_assert_str_eq(k8sc_object_meta_get(p[i], K8SC_LABELS, "job-name"), "pi");
        ck_assert_str_eq(k8sc_object_meta_get(p[i], K8SC_LABELS, "app"), "pi");
        ck_assert(k8sc_object_has_finalizer(p[i], FINALIZER));
        k8sc_owner_ref ref;
        ck_assert_int_eq(k8sc_object_controller_ref(&ref, p[i]), 0);
        ck_assert_str_eq(ref.kind, "Job");
        ck_assert_str_eq(ref.uid, k8sc_object_uid(j));
        ck_assert(ref.block_owner_deletion);
    }
    ck_assert_int_eq(status_int("pi", "active"), 2);
    ck_assert(k8sc_object_has(j, "status.ready") && k8sc_object_has(j, "status.terminating"));
    ck_assert(k8sc_object_has(j, "status.uncountedTerminatedPods"));
    check_time("pi", "startTime", T0);
    k8sc_object_free(j);

    /* Ready pods are counted; a success frees its finalizer and brings the last pod. */
    set_pod(k8sc_object_name(p[0]), "Running", true);
    settle();
    ck_assert_int_eq(status_int("pi", "ready"), 1);
    advance(5);
    set_pod(k8sc_object_name(p[0]), "Succeeded", false);
    settle();
    k8sc_object *done = get("v1", "Pod", k8sc_object_name(p[0]));
    ck_assert(!k8sc_object_has_finalizer(done, FINALIZER));
    k8sc_object_free(done);
    ck_assert_int_eq(status_int("pi", "succeeded"), 1);
    ck_assert_int_eq(status_int("pi", "active"), 2);
    ck_assert(!k8sc_object_has(j = job("pi"), "status.uncountedTerminatedPods.succeeded"));
    k8sc_object_free(j);
    pods_free(p, n);
    n = pods(p, "pi");
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(condition("pi", "Complete", NULL, NULL), "");

    advance(5);
    for (size_t i = 0; i < n; i++)
        if (k8sc_object_has_finalizer(p[i], FINALIZER))
            set_pod(k8sc_object_name(p[i]), "Succeeded", false);
    settle();
    char reason[64], message[128];
    ck_assert_str_eq(condition("pi", "SuccessCriteriaMet", reason, NULL), "True");
    ck_assert_str_eq(reason, "CompletionsReached");
    ck_assert_str_eq(condition("pi", "Complete", reason, message), "True");
    ck_assert_str_eq(reason, "CompletionsReached");
    ck_assert_str_eq(message, "Reached expected number of succeeded pods");
    ck_assert_int_eq(status_int("pi", "succeeded"), 3);
    ck_assert_int_eq(status_int("pi", "active"), 0);
    ck_assert_int_eq(status_int("pi", "failed"), 0);
    check_time("pi", "completionTime", T0 + 10);
    check_time("pi", "startTime", T0);
    pods_free(p, n);
    n = pods(p, "pi");
    for (size_t i = 0; i < n; i++)
        ck_assert(!k8sc_object_has_finalizer(p[i], FINALIZER));
    pods_free(p, n);
    ck_assert_int_eq(events("pi", "SuccessfulCreate", message), 3);
    ck_assert_int_eq(strncmp(message, "Created pod: pi-", 16), 0);
    ck_assert_int_eq(events("pi", "Completed", message), 1);
    ck_assert_str_eq(message, "Job completed");

    /* Idempotence: syncing again writes nothing and creates nothing. */
    j = job("pi");
    char rv[32];
    snprintf(rv, sizeof(rv), "%s", k8sc_object_resource_version(j));
    k8sc_object_free(j);
    ck_assert_int_eq(k8sc_controller_enqueue(ctl, "default", "pi"), 0);
    settle();
    j = job("pi");
    ck_assert_str_eq(k8sc_object_resource_version(j), rv);
    k8sc_object_free(j);
    ck_assert_uint_eq(pods(p, "pi"), 3);
    pods_free(p, 3);
}
END_TEST

static const char *index_of(const k8sc_object *pod)
{
    return k8sc_object_meta_get(pod, K8SC_ANNOTATIONS, "batch.kubernetes.io/job-completion-index");
}

START_TEST(indexed_completion)
{
    create_job("idx", "\"completions\":6,\"parallelism\":6,\"completionMode\":\"Indexed\"");
    settle();
    k8sc_object *p[16];
    size_t n = pods(p, "idx");
    ck_assert_uint_eq(n, 6);
    bool seen[6] = { false };
    for (size_t i = 0; i < n; i++) {
        const char *ix = index_of(p[i]);
        ck_assert_ptr_nonnull(ix);
        int k = atoi(ix);
        ck_assert(k >= 0 && k < 6 && !seen[k]);
        seen[k] = true;
        char want[32];
        ck_assert_str_eq(k8sc_object_meta_get(p[i], K8SC_LABELS, "batch.kubernetes.io/job-completion-index"), ix);
        snprintf(want, sizeof(want), "idx-%s", ix);
        ck_assert_str_eq(k8sc_object_get_string(p[i], "spec.hostname"), want);
        snprintf(want, sizeof(want), "idx-%s-", ix);
        ck_assert_str_eq(k8sc_object_generate_name(p[i]), want);
        struct json_object *env = k8sc_object_get(p[i], "spec.containers");
        env = json_object_object_get(json_object_array_get_idx(env, 0), "env");
        ck_assert_str_eq(json_object_get_string(json_object_object_get(json_object_array_get_idx(env, 0), "name")),
            "JOB_COMPLETION_INDEX");
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(index_of(p[i]), "0") != 0 && strcmp(index_of(p[i]), "2") != 0)
            set_pod(k8sc_object_name(p[i]), "Succeeded", false);
    settle();
    k8sc_object *j = job("idx");
    ck_assert_str_eq(k8sc_object_get_string(j, "status.completedIndexes"), "1,3-5");
    k8sc_object_free(j);
    ck_assert_int_eq(status_int("idx", "succeeded"), 4);
    ck_assert_int_eq(status_int("idx", "active"), 2);
    /* A failed index is recreated with the same index. */
    for (size_t i = 0; i < n; i++)
        if (strcmp(index_of(p[i]), "2") == 0)
            set_pod(k8sc_object_name(p[i]), "Failed", false);
    advance(10);
    char names[16][64];
    ck_assert_uint_eq(active_pods(names, "idx"), 2);
    pods_free(p, n);
    n = pods(p, "idx");
    for (size_t i = 0; i < n; i++)
        if (k8sc_object_has_finalizer(p[i], FINALIZER))
            set_pod(k8sc_object_name(p[i]), "Succeeded", false);
    settle();
    j = job("idx");
    ck_assert_str_eq(k8sc_object_get_string(j, "status.completedIndexes"), "0-5");
    k8sc_object_free(j);
    ck_assert_int_eq(status_int("idx", "succeeded"), 6);
    ck_assert_int_eq(status_int("idx", "failed"), 1);
    ck_assert_str_eq(condition("idx", "Complete", NULL, NULL), "True");
    pods_free(p, n);
}
END_TEST

/* Fail the Job's only active pod now. */
static void fail_active(const char *name)
{
    char names[16][64];
    ck_assert_uint_eq(active_pods(names, name), 1);
    set_pod(names[0], "Failed", false);
    settle();
}

START_TEST(backoff_then_backoff_limit)
{
    create_job("flaky", "\"backoffLimit\":2");
    settle();
    char names[16][64], reason[64], message[128];
    fail_active("flaky");
    ck_assert_int_eq(status_int("flaky", "failed"), 1);
    /* The replacement waits 10 s from the failure, then 20 s after the second. */
    static const struct { int64_t wait; int64_t failed; } steps[] = { { 10, 1 }, { 20, 2 } };
    for (size_t s = 0; s < 2; s++) {
        ck_assert_int_eq(status_int("flaky", "failed"), steps[s].failed);
        advance(steps[s].wait - 1);
        ck_assert_uint_eq(active_pods(names, "flaky"), 0);
        advance(1);
        ck_assert_uint_eq(active_pods(names, "flaky"), 1);
        fail_active("flaky");
    }
    ck_assert_int_eq(status_int("flaky", "failed"), 3);
    ck_assert_str_eq(condition("flaky", "FailureTarget", reason, NULL), "True");
    ck_assert_str_eq(reason, "BackoffLimitExceeded");
    ck_assert_str_eq(condition("flaky", "Failed", reason, message), "True");
    ck_assert_str_eq(reason, "BackoffLimitExceeded");
    ck_assert_str_eq(message, "Job has reached the specified backoff limit");
    ck_assert_str_eq(condition("flaky", "Complete", NULL, NULL), "");
    k8sc_object *j = job("flaky");
    ck_assert(!k8sc_object_has(j, "status.completionTime"));
    k8sc_object_free(j);
    ck_assert_int_eq(events("flaky", "BackoffLimitExceeded", message), 1);
    ck_assert_str_eq(message, "Job has reached the specified backoff limit");
    /* Nothing more happens to a failed Job. */
    advance(400);
    ck_assert_uint_eq(active_pods(names, "flaky"), 0);
    ck_assert_int_eq(events("flaky", "SuccessfulCreate", NULL), 3);
}
END_TEST

START_TEST(active_deadline)
{
    create_job("slow", "\"completions\":4,\"parallelism\":2,\"activeDeadlineSeconds\":30");
    settle();
    char names[16][64], reason[64], message[128];
    ck_assert_uint_eq(active_pods(names, "slow"), 2);
    advance(29);
    ck_assert_uint_eq(active_pods(names, "slow"), 2);
    ck_assert_str_eq(condition("slow", "Failed", NULL, NULL), "");
    advance(1);
    ck_assert_uint_eq(active_pods(names, "slow"), 0);
    ck_assert_str_eq(condition("slow", "Failed", reason, message), "True");
    ck_assert_str_eq(reason, "DeadlineExceeded");
    ck_assert_str_eq(message, "Job was active longer than specified deadline");
    ck_assert_int_eq(status_int("slow", "failed"), 2);
    ck_assert_int_eq(status_int("slow", "active"), 0);
    ck_assert_int_eq(status_int("slow", "terminating"), 0);
    ck_assert_int_eq(events("slow", "DeadlineExceeded", message), 1);
    ck_assert_int_eq(events("slow", "SuccessfulDelete", NULL), 2);
    /* The pods, deleted with their finalizer, are gone once counted. */
    k8sc_object *p[16];
    size_t n = pods(p, "slow");
    ck_assert_uint_eq(n, 0);
}
END_TEST

static void set_suspend(const char *name, bool on)
{
    ck_assert_int_eq(k8sc_client_patch(NULL, client, "batch/v1", "Job", "default", name, K8SC_PATCH_MERGE,
        on ? "{\"spec\":{\"suspend\":true}}" : "{\"spec\":{\"suspend\":false}}"), 0);
    settle();
}

START_TEST(suspend_and_resume)
{
    char names[16][64], reason[64];
    create_job("later", "\"parallelism\":2,\"completions\":2,\"suspend\":true");
    settle();
    ck_assert_uint_eq(active_pods(names, "later"), 0);
    ck_assert_str_eq(condition("later", "Suspended", reason, NULL), "True");
    ck_assert_str_eq(reason, "JobSuspended");
    k8sc_object *j = job("later");
    ck_assert(!k8sc_object_has(j, "status.startTime"));
    k8sc_object_free(j);

    advance(100);
    set_suspend("later", false);
    ck_assert_uint_eq(active_pods(names, "later"), 2);
    ck_assert_str_eq(condition("later", "Suspended", reason, NULL), "False");
    ck_assert_str_eq(reason, "JobResumed");
    check_time("later", "startTime", T0 + 100);

    /* Suspending deletes the active pods without counting them as failures. */
    advance(50);
    set_suspend("later", true);
    ck_assert_uint_eq(active_pods(names, "later"), 0);
    ck_assert_str_eq(condition("later", "Suspended", NULL, NULL), "True");
    ck_assert_int_eq(status_int("later", "failed"), 0);
    ck_assert_int_eq(status_int("later", "active"), 0);
    check_time("later", "startTime", T0 + 100);

    /* Resuming resets startTime: activeDeadlineSeconds counts continuous activity. */
    advance(50);
    set_suspend("later", false);
    ck_assert_uint_eq(active_pods(names, "later"), 2);
    check_time("later", "startTime", T0 + 200);
    ck_assert_int_eq(events("later", "Suspended", NULL), 2);
    ck_assert_int_eq(events("later", "Resumed", NULL), 2);
    ck_assert_int_eq(events("later", "SuccessfulDelete", NULL), 2);
}
END_TEST

START_TEST(ttl_after_finished)
{
    create_job("brief", "\"ttlSecondsAfterFinished\":60");
    create_job("keep", "");
    settle();
    char names[16][64];
    ck_assert_uint_eq(active_pods(names, "brief"), 1);
    set_pod(names[0], "Succeeded", false);
    ck_assert_uint_eq(active_pods(names, "keep"), 1);
    set_pod(names[0], "Succeeded", false);
    settle();
    ck_assert_str_eq(condition("brief", "Complete", NULL, NULL), "True");
    advance(59);
    k8sc_object_free(job("brief"));
    advance(1);
    k8sc_object *gone = NULL;
    ck_assert_int_eq(k8sc_client_get(&gone, client, "batch/v1", "Job", "default", "brief"), K8SC_ENOTFOUND);
    /* A Job without a TTL stays. */
    advance(3600);
    k8sc_object_free(job("keep"));
}
END_TEST

START_TEST(deleted_job_releases_pod_finalizers)
{
    create_job("gone", "\"parallelism\":2,\"completions\":2");
    settle();
    k8sc_object *p[16];
    size_t n = pods(p, "gone");
    ck_assert_uint_eq(n, 2);
    k8sc_delete_options o = K8SC_DELETE_OPTIONS_INIT;
    o.propagation_policy = "Background";
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "batch/v1", "Job", "default", "gone", &o), 0);
    settle();
    k8sc_object *j = NULL;
    ck_assert_int_eq(k8sc_client_get(&j, client, "batch/v1", "Job", "default", "gone"), K8SC_ENOTFOUND);
    for (size_t i = 0; i < n; i++) {
        k8sc_object *pod = get("v1", "Pod", k8sc_object_name(p[i]));
        ck_assert(!k8sc_object_has_finalizer(pod, FINALIZER));
        k8sc_object_free(pod);
    }
    pods_free(p, n);
}
END_TEST

START_TEST(bad_arguments)
{
    k8sc_controller *c = NULL;
    ck_assert_int_eq(k8sc_job_controller_new(NULL, client, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_job_controller_new(&c, NULL, NULL), K8SC_EINVAL);
    k8sc_builtin_options bo = K8SC_BUILTIN_OPTIONS_INIT;
    bo.version = 99;
    ck_assert_int_eq(k8sc_job_controller_new(&c, client, &bo), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_ttl_after_finished_controller_new(&c, client, &bo), K8SC_EINVAL);
    ck_assert_ptr_null(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("job");
    TCase *tc = tcase_create("job");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, completions_with_parallelism);
    tcase_add_test(tc, indexed_completion);
    tcase_add_test(tc, backoff_then_backoff_limit);
    tcase_add_test(tc, active_deadline);
    tcase_add_test(tc, suspend_and_resume);
    tcase_add_test(tc, ttl_after_finished);
    tcase_add_test(tc, deleted_job_releases_pod_finalizers);
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
