/*
 * The node lifecycle controller on a fake clock: heartbeats through the
 * node Lease keep a node Ready; without them it turns Unknown after the
 * grace period and gets the unreachable taints; Ready False gives the
 * not-ready taints and Ready True takes them away; pods are evicted at
 * once, after their tolerationSeconds, or never, as they tolerate.
 */
#include "ctltest.h"
#include "testutil.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static ctltest T;

static void setup(void)
{
    ct_setup(&T);
    T.kubelet = false;
    k8sc_builtin_options o = ct_options(&T);
    k8sc_controller *c;
    ck_assert_int_eq(k8sc_node_lifecycle_controller_new(&c, T.client, &o, 0), 0);
    ck_assert_str_eq(k8sc_controller_name(c), "node-lifecycle-controller");
    ct_add(&T, c);
}

static void teardown(void)
{
    ct_teardown(&T);
}

static k8sc_object *get_node(const char *name)
{
    k8sc_object *n = NULL;
    ck_assert_int_eq(k8sc_client_get(&n, T.client, "v1", "Node", NULL, name), 0);
    return n;
}

/* The kubelet's report: Ready `status` with a fresh heartbeat. */
static void report(const char *name, const char *status)
{
    k8sc_object *n = get_node(name);
    char ts[K8SC_TIME_BUFSIZE], st[256];
    k8sc_time_format(ts, sizeof(ts), k8sc_clock_now(T.clock) / CT_SEC);
    snprintf(st, sizeof(st),
        "{\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\",\"reason\":\"KubeletReady\",\"lastHeartbeatTime\":\"%s\","
        "\"lastTransitionTime\":\"%s\"}]}",
        status, ts, ts);
    ck_assert_int_eq(k8sc_object_set(n, "status", json_tokener_parse(st)), 0);
    ck_assert_msg(k8sc_client_update_status(NULL, T.client, n) == 0, "%s", k8sc_error_last());
    k8sc_object_free(n);
}

static void node(const char *name)
{
    char json[256];
    snprintf(json, sizeof(json), "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\"}}", name);
    ct_create(&T, json);
}

/* The kubelet's Lease heartbeat (created on first renewal). */
static void renew(const char *name)
{
    char json[512];
    int64_t now = k8sc_clock_now(T.clock);
    k8sc_object *lease = NULL;
    if (k8sc_client_get(&lease, T.client, "coordination.k8s.io/v1", "Lease", "kube-node-lease", name) == 0) {
        char p[256];
        char rt[K8SC_TIME_BUFSIZE];
        k8sc_time_format(rt, sizeof(rt), now / CT_SEC);
        snprintf(p, sizeof(p), "{\"spec\":{\"renewTime\":\"%.19s.%06lldZ\"}}", rt, (long long)(now / 1000 % 1000000));
        ck_assert_int_eq(k8sc_client_patch(NULL, T.client, "coordination.k8s.io/v1", "Lease", "kube-node-lease", name,
            K8SC_PATCH_MERGE, p), 0);
        k8sc_object_free(lease);
        return;
    }
    char rt[K8SC_TIME_BUFSIZE];
    k8sc_time_format(rt, sizeof(rt), now / CT_SEC);
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"kube-node-lease\"},"
        "\"spec\":{\"holderIdentity\":\"%s\",\"leaseDurationSeconds\":40,\"renewTime\":\"%.19s.000000Z\"}}",
        name, name, rt);
    ct_create(&T, json);
}

/* Let `seconds` pass one at a time (the controller looks at nodes every 5 s). */
static void advance(int64_t seconds)
{
    for (int64_t i = 0; i < seconds; i++) {
        k8sc_clock_fake_advance(T.clock, CT_SEC);
        ct_step(&T);
    }
    ct_settle(&T);
}

static const char *ready_of(const char *name)
{
    static char out[128];
    k8sc_object *n = get_node(name);
    snprintf(out, sizeof(out), "%s/%s", k8sc_object_get_string(n, "status.conditions[0].status"),
        k8sc_object_get_string(n, "status.conditions[0].reason"));
    k8sc_object_free(n);
    return out;
}

/* The node's taints as "key:effect" joined by spaces. */
static const char *taints_of(const char *name)
{
    static char out[512];
    k8sc_object *n = get_node(name);
    struct json_object *t = k8sc_object_get(n, "spec.taints");
    out[0] = '\0';
    for (size_t i = 0; t && i < json_object_array_length(t); i++) {
        struct json_object *x = json_object_array_get_idx(t, i);
        if (i)
            strcat(out, " ");
        strcat(out, json_object_get_string(json_object_object_get(x, "key")));
        strcat(out, ":");
        strcat(out, json_object_get_string(json_object_object_get(x, "effect")));
    }
    k8sc_object_free(n);
    return out;
}

static void pod_on(const char *name, const char *node_name, const char *tolerations)
{
    char json[1024];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\"},"
        "\"spec\":{\"nodeName\":\"%s\",\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]%s}}",
        name, node_name, tolerations);
    ct_create(&T, json);
}

/* Whether the pod is still there and not being deleted. */
static bool running(const char *name)
{
    k8sc_object *p = NULL;
    if (k8sc_client_get(&p, T.client, "v1", "Pod", "default", name) < 0)
        return false;
    bool alive = !k8sc_object_has(p, "metadata.deletionTimestamp");
    k8sc_object_free(p);
    return alive;
}

START_TEST(lease_heartbeats_keep_a_node_ready)
{
    node("n1");
    report("n1", "True");
    renew("n1");
    ct_settle(&T);
    for (int i = 0; i < 6; i++) {
        advance(30);
        renew("n1"); /* the Lease alone is enough */
    }
    ck_assert_str_eq(ready_of("n1"), "True/KubeletReady");
    ck_assert_str_eq(taints_of("n1"), "");
}
END_TEST

START_TEST(silent_node_turns_unknown_and_evicts)
{
    node("n1");
    report("n1", "True");
    renew("n1");
    pod_on("defaults", "n1", "");
    pod_on("intolerant", "n1",
        ",\"tolerations\":[{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\",\"effect\":\"NoExecute\","
        "\"tolerationSeconds\":0}]");
    pod_on("forever", "n1", ",\"tolerations\":[{\"operator\":\"Exists\"}]");
    ct_settle(&T);
    /* The API server gave "defaults" the 300 s tolerations of unreachable and not-ready nodes. */
    advance(40);
    ck_assert_str_eq(ready_of("n1"), "True/KubeletReady");
    /* Noticed at the first look after 40 s of silence: 45 s. */
    advance(5);
    ck_assert_str_eq(ready_of("n1"), "Unknown/NodeStatusUnknown");
    ck_assert_str_eq(taints_of("n1"), "node.kubernetes.io/unreachable:NoSchedule node.kubernetes.io/unreachable:NoExecute");
    k8sc_object *n = get_node("n1");
    ck_assert_str_eq(k8sc_object_get_string(n, "status.conditions[0].message"), "Kubelet stopped posting node status.");
    ck_assert_uint_eq(json_object_array_length(k8sc_object_get(n, "status.conditions")), 4);
    k8sc_object_free(n);
    ck_assert(running("defaults"));
    ck_assert(running("forever"));
    ck_assert(!running("intolerant"));
    /* The evicted pod says why, as Kubernetes' taint eviction controller writes it. */
    k8sc_object *gone = NULL;
    ck_assert_int_eq(k8sc_client_get(&gone, T.client, "v1", "Pod", "default", "intolerant"), 0);
    struct json_object *conds = k8sc_object_get(gone, "status.conditions");
    bool found = false;
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        if (strcmp(json_object_get_string(json_object_object_get(c, "type")), "DisruptionTarget") == 0) {
            found = true;
            ck_assert_str_eq(json_object_get_string(json_object_object_get(c, "reason")), "DeletionByTaintManager");
            ck_assert_str_eq(json_object_get_string(json_object_object_get(c, "status")), "True");
        }
    }
    ck_assert(found);
    k8sc_object_free(gone);
    advance(299);
    ck_assert(running("defaults"));
    advance(1);
    ck_assert(!running("defaults"));
    ck_assert(!running("intolerant"));
    ck_assert(running("forever"));
}
END_TEST

START_TEST(not_ready_taints_follow_the_ready_condition)
{
    node("n2");
    renew("n2");
    report("n2", "False");
    pod_on("p", "n2", ",\"tolerations\":[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":60}]");
    ct_settle(&T);
    ck_assert_str_eq(taints_of("n2"), "node.kubernetes.io/not-ready:NoSchedule node.kubernetes.io/not-ready:NoExecute");
    advance(30);
    renew("n2");
    report("n2", "True");
    ct_settle(&T);
    ck_assert_str_eq(taints_of("n2"), "");
    /* The taint went before the pod's 60 s ran out: it stays. */
    advance(40);
    renew("n2");
    ck_assert(running("p"));
}
END_TEST

START_TEST(node_that_never_reported)
{
    node("n3");
    ct_settle(&T);
    advance(60);
    ck_assert_str_eq(taints_of("n3"), "");
    advance(5);
    ck_assert_str_eq(ready_of("n3"), "Unknown/NodeStatusNeverUpdated");
    ck_assert_str_eq(taints_of("n3"), "node.kubernetes.io/unreachable:NoSchedule node.kubernetes.io/unreachable:NoExecute");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nodelifecycle");
    TCase *tc = tcase_create("nodelifecycle");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, lease_heartbeats_keep_a_node_ready);
    tcase_add_test(tc, silent_node_turns_unknown_and_evicts);
    tcase_add_test(tc, not_ready_taints_follow_the_ready_condition);
    tcase_add_test(tc, node_that_never_reported);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
