/*
 * The ReplicaSet and ReplicationController controllers against an
 * in-process API server on a memory store, both on one fake clock,
 * driven through k8sc_controller_process: scaling up and down, the order
 * of deletions, adoption and release, expectations, status and
 * minReadySeconds, failures.
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

static k8sc_store *store;
static k8sc_apiserver *srv;
static k8sc_client *client;
static k8sc_clock *clk;
static k8sc_controller *ctl;

static void setup(void)
{
    ck_assert_int_eq(k8sc_clock_fake_new(&clk, 1700000000 * SEC), 0);
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = store;
    o.clock = clk;
    ck_assert_int_eq(k8sc_apiserver_new(&srv, &o), 0);
    ck_assert_int_eq(k8sc_apiserver_start(srv), 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", k8sc_apiserver_port(srv));
    k8sc_client_config *cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, url), 0);
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    co.config = cfg;
    co.timeout_ms = 5000;
    ck_assert_int_eq(k8sc_client_new(&client, &co), 0);
    k8sc_client_config_free(cfg);
    k8sc_builtin_options bo = K8SC_BUILTIN_OPTIONS_INIT;
    bo.clock = clk;
    ck_assert_int_eq(k8sc_replicaset_controller_new(&ctl, client, &bo), 0);
}

static void teardown(void)
{
    k8sc_controller_free(ctl);
    k8sc_client_free(client);
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
    k8sc_clock_free(clk);
}

static k8sc_object *from_json(const char *json)
{
    k8sc_object *obj = NULL;
    ck_assert_msg(k8sc_object_from_json(&obj, json, strlen(json)) == 0, "%s", k8sc_error_last());
    return obj;
}

static void create(const char *json)
{
    k8sc_object *obj = from_json(json);
    ck_assert_msg(k8sc_client_create(NULL, client, obj) == 0, "%s", k8sc_error_last());
    k8sc_object_free(obj);
}

static void create_rs(const char *name, int replicas, int min_ready)
{
    char json[1024];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\"},"
        "\"spec\":{\"replicas\":%d,\"minReadySeconds\":%d,\"selector\":{\"matchLabels\":{\"app\":\"%s\"}},"
        "\"template\":{\"metadata\":{\"labels\":{\"app\":\"%s\",\"tier\":\"web\"},\"annotations\":{\"a\":\"b\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}",
        name, replicas, min_ready, name, name);
    create(json);
}

static void scale(const char *kind, const char *name, int replicas)
{
    char p[64];
    snprintf(p, sizeof(p), "{\"spec\":{\"replicas\":%d}}", replicas);
    ck_assert_int_eq(k8sc_client_patch(NULL, client, strcmp(kind, "ReplicaSet") == 0 ? "apps/v1" : "v1", kind,
        "default", name, K8SC_PATCH_MERGE, p), 0);
}

/*
 * Pods in default with label app=`app` (any owner) that are not being
 * deleted, as a List object. (A pod bound to a node stays, terminating,
 * until its kubelet confirms: there is none here.)
 */
static k8sc_object *pods_of(const char *app)
{
    char sel[64];
    snprintf(sel, sizeof(sel), "app=%s", app);
    k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
    lo.label_selector = sel;
    k8sc_object *list;
    ck_assert_int_eq(k8sc_client_list(&list, client, "v1", "Pod", "default", &lo), 0);
    struct json_object *items = k8sc_object_get(list, "items"), *live = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(items); i++) {
        struct json_object *md = json_object_object_get(json_object_array_get_idx(items, i), "metadata");
        if (!json_object_object_get(md, "deletionTimestamp"))
            json_object_array_add(live, json_object_get(json_object_array_get_idx(items, i)));
    }
    ck_assert_int_eq(k8sc_object_set(list, "items", live), 0);
    return list;
}

static size_t count_pods(const char *app)
{
    k8sc_object *list = pods_of(app);
    size_t n = json_object_array_length(k8sc_object_get(list, "items"));
    k8sc_object_free(list);
    return n;
}

/* Run the controller's loop until the pods of `app` number `n` and the RS status says so. */
static void settle(const char *kind, const char *name, size_t n)
{
    for (int i = 0; i < 400; i++) {
        struct pollfd p = { k8sc_controller_fd(ctl), POLLIN, 0 };
        int t = k8sc_controller_next_timeout_ms(ctl);
        poll(&p, 1, t < 0 || t > 10 ? 10 : t);
        ck_assert_int_ge(k8sc_controller_process(ctl), 0);
        if (count_pods(name) != n)
            continue;
        k8sc_object *rs;
        ck_assert_int_eq(k8sc_client_get(&rs, client, strcmp(kind, "ReplicaSet") == 0 ? "apps/v1" : "v1", kind,
            "default", name), 0);
        int64_t replicas = -1, observed = -1;
        k8sc_object_get_int(rs, "status.replicas", &replicas);
        k8sc_object_get_int(rs, "status.observedGeneration", &observed);
        bool done = replicas == (int64_t)n && observed == k8sc_object_generation(rs);
        k8sc_object_free(rs);
        if (done)
            return;
    }
    ck_abort_msg("%s %s did not settle at %zu pods (have %zu)", kind, name, n, count_pods(name));
}

static k8sc_object *get(const char *api_version, const char *kind, const char *name)
{
    k8sc_object *obj;
    ck_assert_msg(k8sc_client_get(&obj, client, api_version, kind, "default", name) == 0, "%s", k8sc_error_last());
    return obj;
}

START_TEST(scales_up_with_pods_from_the_template)
{
    create_rs("web", 3, 0);
    settle("ReplicaSet", "web", 3);
    k8sc_object *rs = get("apps/v1", "ReplicaSet", "web");
    k8sc_object *list = pods_of("web");
    struct json_object *items = k8sc_object_get(list, "items");
    for (size_t i = 0; i < 3; i++) {
        k8sc_object *pod;
        ck_assert_int_eq(k8sc_object_wrap(&pod, json_object_get(json_object_array_get_idx(items, i))), 0);
        ck_assert_int_eq(strncmp(k8sc_object_name(pod), "web-", 4), 0);
        ck_assert_uint_eq(strlen(k8sc_object_name(pod)), 9);
        ck_assert_str_eq(k8sc_object_meta_get(pod, K8SC_LABELS, "tier"), "web");
        ck_assert_str_eq(k8sc_object_meta_get(pod, K8SC_ANNOTATIONS, "a"), "b");
        k8sc_owner_ref ref;
        ck_assert_int_eq(k8sc_object_controller_ref(&ref, pod), 0);
        ck_assert_str_eq(ref.kind, "ReplicaSet");
        ck_assert_str_eq(ref.uid, k8sc_object_uid(rs));
        ck_assert(ref.block_owner_deletion);
        k8sc_object_free(pod);
    }
    int64_t v;
    ck_assert_int_eq(k8sc_object_get_int(rs, "status.fullyLabeledReplicas", &v), 0);
    ck_assert_int_eq(v, 3);
    /* Zero counts are left out, as Kubernetes' omitempty does. */
    ck_assert(!k8sc_object_has(rs, "status.readyReplicas"));
    k8sc_object_free(list);
    k8sc_object_free(rs);

    /* Syncing again changes nothing: the controller is idempotent. */
    ck_assert_int_eq(k8sc_controller_enqueue(ctl, "default", "web"), 0);
    k8sc_controller_process(ctl);
    ck_assert_uint_eq(count_pods("web"), 3);
}
END_TEST

START_TEST(expectations_prevent_double_creation)
{
    create_rs("web", 5, 0);
    /* Sync over and over before the informer can have seen the new pods. */
    for (int i = 0; i < 20; i++) {
        k8sc_controller_enqueue(ctl, "default", "web");
        k8sc_controller_process(ctl);
    }
    settle("ReplicaSet", "web", 5);
    ck_assert_uint_eq(count_pods("web"), 5);
}
END_TEST

/* Give a pod a node, a phase and readiness through its status. */
static void set_pod(const char *name, const char *node, const char *phase, bool ready, int64_t ready_at)
{
    k8sc_object *pod = get("v1", "Pod", name);
    char ts[32], path[128], body[1024];
    if (node) {
        snprintf(body, sizeof(body), "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"%s\"},"
            "\"target\":{\"kind\":\"Node\",\"name\":\"%s\"}}", name, node);
        snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s/binding", name);
        ck_assert_int_eq(k8sc_client_request(NULL, NULL, client, "POST", path, "application/json", body, strlen(body)), 0);
        k8sc_object_free(pod);
        pod = get("v1", "Pod", name);
    }
    ck_assert_int_eq(k8sc_time_format(ts, sizeof(ts), ready_at), 0);
    snprintf(body, sizeof(body),
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\",\"resourceVersion\":\"%s\"},"
        "\"spec\":%s,\"status\":{\"phase\":\"%s\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\","
        "\"lastTransitionTime\":\"%s\"}]}}",
        name, k8sc_object_resource_version(pod),
        json_object_to_json_string_ext(k8sc_object_get(pod, "spec"), JSON_C_TO_STRING_PLAIN), phase,
        ready ? "True" : "False", ts);
    snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/%s/status", name);
    char *reply = NULL;
    int rc = k8sc_client_request(&reply, NULL, client, "PUT", path, "application/json", body, strlen(body));
    ck_assert_msg(rc == 0, "%s: %s", k8sc_error_last(), reply ? reply : "");
    k8sc_free(reply);
    k8sc_object_free(pod);
}

/* The names of the pods of `app`, sorted, joined by spaces. */
static char *pod_names(const char *app)
{
    static char out[512];
    k8sc_object *list = pods_of(app);
    struct json_object *items = k8sc_object_get(list, "items");
    size_t n = json_object_array_length(items);
    const char *names[32];
    for (size_t i = 0; i < n && i < 32; i++) {
        struct json_object *md = json_object_object_get(json_object_array_get_idx(items, i), "metadata");
        names[i] = json_object_get_string(json_object_object_get(md, "name"));
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(out, i ? " " : "");
        strcat(out, names[i]);
    }
    k8sc_object_free(list);
    return out;
}

START_TEST(scales_down_in_kubernetes_order)
{
    /* Orphans with chosen names and states, adopted by the ReplicaSet. */
    static const struct { const char *name, *node, *phase; bool ready; int64_t ready_ago; } pods[] = {
        { "p-unscheduled", NULL, "Pending", false, 0 },
        { "p-pending", "n1", "Pending", false, 0 },
        { "p-notready", "n2", "Running", false, 0 },
        { "p-doubled-a", "n3", "Running", true, 1000 },
        { "p-doubled-b", "n3", "Running", true, 1000 },
        { "p-new-ready", "n4", "Running", true, 10 },
        { "p-old-ready", "n5", "Running", true, 100000 },
    };
    int64_t now = k8sc_clock_now(clk) / SEC;
    for (size_t i = 0; i < sizeof(pods) / sizeof(pods[0]); i++) {
        char json[512];
        snprintf(json, sizeof(json),
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\","
            "\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
            pods[i].name);
        create(json);
        set_pod(pods[i].name, pods[i].node, pods[i].phase, pods[i].ready, now - pods[i].ready_ago);
    }
    create_rs("web", 7, 0);
    settle("ReplicaSet", "web", 7);
    /* Every orphan was adopted. */
    k8sc_object *adopted = get("v1", "Pod", "p-old-ready");
    ck_assert_int_eq(k8sc_object_controller_ref(&(k8sc_owner_ref){ 0 }, adopted), 0);
    k8sc_object_free(adopted);

    static const char *const remaining[] = {
        "p-doubled-a p-doubled-b p-new-ready p-notready p-old-ready p-pending",
        "p-doubled-a p-doubled-b p-new-ready p-notready p-old-ready",
        "p-doubled-a p-doubled-b p-new-ready p-old-ready",
        /* Doubled up on n3: one of the two goes (the tie is broken by uid). */
        NULL,
        /* Of the ready pods, the one ready most recently goes first (on a log2 scale of the time since). */
        NULL,
        "p-old-ready",
    };
    for (int i = 0; i < 6; i++) {
        scale("ReplicaSet", "web", 6 - i);
        settle("ReplicaSet", "web", (size_t)(6 - i));
        if (remaining[i])
            ck_assert_str_eq(pod_names("web"), remaining[i]);
        if (i == 3)
            ck_assert(strstr(pod_names("web"), "p-new-ready p-old-ready"));
        if (i == 4)
            ck_assert(!strstr(pod_names("web"), "p-new-ready"));
    }
    ck_assert_str_eq(pod_names("web"), "p-old-ready");
}
END_TEST

START_TEST(releases_pods_that_stop_matching)
{
    create_rs("web", 2, 0);
    settle("ReplicaSet", "web", 2);
    k8sc_object *list = pods_of("web");
    struct json_object *md = json_object_object_get(json_object_array_get_idx(k8sc_object_get(list, "items"), 0), "metadata");
    char name[64];
    snprintf(name, sizeof(name), "%s", json_object_get_string(json_object_object_get(md, "name")));
    k8sc_object_free(list);
    /* Relabelled out of the selector: released (no owner) and replaced. */
    ck_assert_int_eq(k8sc_client_patch(NULL, client, "v1", "Pod", "default", name, K8SC_PATCH_MERGE,
        "{\"metadata\":{\"labels\":{\"app\":\"debug\"}}}"), 0);
    settle("ReplicaSet", "web", 2);
    k8sc_object *pod = get("v1", "Pod", name);
    ck_assert_int_eq(k8sc_object_controller_ref(&(k8sc_owner_ref){ 0 }, pod), K8SC_ENOTFOUND);
    k8sc_object_free(pod);
    ck_assert_uint_eq(count_pods("debug"), 1);
}
END_TEST

START_TEST(ready_and_available_after_min_ready_seconds)
{
    create_rs("web", 2, 30);
    settle("ReplicaSet", "web", 2);
    k8sc_object *list = pods_of("web");
    struct json_object *items = k8sc_object_get(list, "items");
    int64_t now = k8sc_clock_now(clk) / SEC;
    for (size_t i = 0; i < 2; i++) {
        struct json_object *md = json_object_object_get(json_object_array_get_idx(items, i), "metadata");
        set_pod(json_object_get_string(json_object_object_get(md, "name")), "n1", "Running", true, now);
    }
    k8sc_object_free(list);
    int64_t ready = 0, available = -1;
    for (int i = 0; i < 200 && ready != 2; i++) {
        poll(NULL, 0, 10);
        k8sc_controller_process(ctl);
        k8sc_object *rs = get("apps/v1", "ReplicaSet", "web");
        k8sc_object_get_int(rs, "status.readyReplicas", &ready);
        available = k8sc_object_has(rs, "status.availableReplicas") ? 1 : 0;
        k8sc_object_free(rs);
    }
    ck_assert_int_eq(ready, 2);
    ck_assert_int_eq(available, 0);
    /* The controller asked to look again after minReadySeconds. */
    k8sc_clock_fake_advance(clk, 31 * SEC);
    k8sc_controller_process(ctl);
    k8sc_object *rs = get("apps/v1", "ReplicaSet", "web");
    int64_t av = 0;
    ck_assert_int_eq(k8sc_object_get_int(rs, "status.availableReplicas", &av), 0);
    ck_assert_int_eq(av, 2);
    k8sc_object_free(rs);
}
END_TEST

START_TEST(failed_creations_set_replica_failure)
{
    /* A template whose pods the API server rejects (an invalid annotation key). */
    create("{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"bad\",\"namespace\":\"default\"},"
           "\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"bad\"}},"
           "\"template\":{\"metadata\":{\"labels\":{\"app\":\"bad\"},\"annotations\":{\"not a key!\":\"x\"}},"
           "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}");
    k8sc_object *rs = NULL;
    for (int i = 0; i < 100; i++) {
        poll(NULL, 0, 10);
        k8sc_controller_process(ctl);
        k8sc_object_free(rs);
        rs = get("apps/v1", "ReplicaSet", "bad");
        if (k8sc_object_has(rs, "status.conditions"))
            break;
    }
    ck_assert_str_eq(k8sc_object_get_string(rs, "status.conditions[0].type"), "ReplicaFailure");
    ck_assert_str_eq(k8sc_object_get_string(rs, "status.conditions[0].reason"), "FailedCreate");
    ck_assert_uint_eq(count_pods("bad"), 0);
    /* Slow start: the first batch of one failed, so only one request was made and it is retried with back-off. */
    ck_assert_uint_ge(k8sc_workqueue_num_requeues(k8sc_controller_queue(ctl), "default/bad"), 1);
    k8sc_object_free(rs);
}
END_TEST

START_TEST(replication_controller_uses_equality_selectors)
{
    k8sc_controller *rcc;
    k8sc_builtin_options bo = K8SC_BUILTIN_OPTIONS_INIT;
    bo.clock = clk;
    ck_assert_int_eq(k8sc_replication_controller_new(&rcc, client, &bo), 0);
    ck_assert_str_eq(k8sc_controller_name(rcc), "replication-controller");
    k8sc_controller_free(ctl);
    ctl = rcc;
    create("{\"apiVersion\":\"v1\",\"kind\":\"ReplicationController\",\"metadata\":{\"name\":\"legacy\",\"namespace\":\"default\"},"
           "\"spec\":{\"replicas\":2,\"selector\":{\"app\":\"legacy\"},"
           "\"template\":{\"metadata\":{\"labels\":{\"app\":\"legacy\"}},"
           "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}");
    settle("ReplicationController", "legacy", 2);
    scale("ReplicationController", "legacy", 0);
    settle("ReplicationController", "legacy", 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("replicaset");
    TCase *tc = tcase_create("replicaset");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, scales_up_with_pods_from_the_template);
    tcase_add_test(tc, expectations_prevent_double_creation);
    tcase_add_test(tc, scales_down_in_kubernetes_order);
    tcase_add_test(tc, releases_pods_that_stop_matching);
    tcase_add_test(tc, ready_and_available_after_min_ready_seconds);
    tcase_add_test(tc, failed_creations_set_replica_failure);
    tcase_add_test(tc, replication_controller_uses_equality_selectors);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
