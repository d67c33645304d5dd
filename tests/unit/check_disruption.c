/*
 * The disruption controller in process: PodDisruptionBudget status from
 * minAvailable (a number, or a percentage of the controllers' scale) and
 * maxUnavailable, budgets without pods, evictions recorded in
 * disruptedPods and their expiry, and the eviction subresource on top.
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
    k8sc_builtin_options o = ct_options(&T);
    k8sc_controller *rs, *dep, *pdb;
    ck_assert_int_eq(k8sc_replicaset_controller_new(&rs, T.client, &o), 0);
    ck_assert_int_eq(k8sc_deployment_controller_new(&dep, T.client, &o), 0);
    ck_assert_int_eq(k8sc_disruption_controller_new(&pdb, T.client, &o), 0);
    ck_assert_str_eq(k8sc_controller_name(pdb), "disruption-controller");
    ct_add(&T, rs);
    ct_add(&T, dep);
    ct_add(&T, pdb);
}

static void teardown(void)
{
    ct_teardown(&T);
}

static void pod(const char *name)
{
    char json[512];
    snprintf(json, sizeof(json), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":"
        "\"default\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"c\","
        "\"image\":\"x\"}]}}", name);
    ct_create(&T, json);
}

static void budget(const char *name, const char *spec)
{
    char json[512];
    snprintf(json, sizeof(json), "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":"
        "\"%s\",\"namespace\":\"default\"},\"spec\":{%s,\"selector\":{\"matchLabels\":{\"app\":\"web\"}}}}", name, spec);
    ct_create(&T, json);
}

/* "expected/current/desired/allowed observedGeneration condition-status:reason" of a PDB's status. */
static const char *summary(const char *name)
{
    static char out[256];
    k8sc_object *p = ct_get(&T, "policy/v1", "PodDisruptionBudget", name);
    int64_t v[5] = { -1, -1, -1, -1, -1 };
    static const char *const paths[] = { "status.expectedPods", "status.currentHealthy", "status.desiredHealthy",
        "status.disruptionsAllowed", "status.observedGeneration" };
    for (size_t i = 0; i < 5; i++)
        k8sc_object_get_int(p, paths[i], &v[i]);
    const char *cs = k8sc_object_get_string(p, "status.conditions[0].status");
    const char *cr = k8sc_object_get_string(p, "status.conditions[0].reason");
    snprintf(out, sizeof(out), "%lld/%lld/%lld/%lld g%lld %s:%s", (long long)v[0], (long long)v[1], (long long)v[2],
        (long long)v[3], (long long)v[4], cs ? cs : "-", cr ? cr : "-");
    k8sc_object_free(p);
    return out;
}

START_TEST(min_available_number)
{
    pod("a");
    pod("b");
    pod("c");
    budget("web", "\"minAvailable\":2");
    ct_settle(&T);
    ck_assert_str_eq(summary("web"), "3/3/2/1 g1 True:SufficientPods");
    /* Raising the bar is a new generation, observed. */
    ct_patch(&T, "policy/v1", "PodDisruptionBudget", "web", "{\"spec\":{\"minAvailable\":3}}");
    ct_settle(&T);
    ck_assert_str_eq(summary("web"), "3/3/3/0 g2 False:InsufficientPods");
}
END_TEST

START_TEST(percentages_use_controller_scale)
{
    ct_create(&T, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"namespace\":"
        "\"default\"},\"spec\":{\"replicas\":4,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":"
        "{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}}}");
    budget("max", "\"maxUnavailable\":\"25%\"");
    budget("min", "\"minAvailable\":\"50%\"");
    ct_settle(&T);
    ck_assert_str_eq(summary("max"), "4/4/3/1 g1 True:SufficientPods");
    ck_assert_str_eq(summary("min"), "4/4/2/2 g1 True:SufficientPods");
}
END_TEST

START_TEST(no_pods)
{
    budget("web", "\"minAvailable\":1");
    ct_settle(&T);
    ck_assert_str_eq(summary("web"), "0/0/1/0 g1 False:InsufficientPods");
}
END_TEST

/* One pod evicted through the API server; the controller then forgets it. */
START_TEST(eviction_and_disrupted_pods)
{
    pod("a");
    pod("b");
    budget("web", "\"maxUnavailable\":1");
    /* Unmanaged pods have no scale: maxUnavailable cannot be honoured, no disruption is allowed. */
    ct_settle(&T);
    ck_assert_int_eq(ct_int(&T, "policy/v1", "PodDisruptionBudget", "web", "status.disruptionsAllowed"), 0);
    ct_patch(&T, "policy/v1", "PodDisruptionBudget", "web", "{\"spec\":{\"maxUnavailable\":null,\"minAvailable\":1}}");
    ct_settle(&T);
    ck_assert_str_eq(summary("web"), "2/2/1/1 g2 True:SufficientPods");

    /* An eviction the pod has not yet followed (it is still there, not being deleted) holds the budget. */
    k8sc_object *p = ct_get(&T, "policy/v1", "PodDisruptionBudget", "web");
    char now[40], st[256];
    k8sc_time_format(now, sizeof(now), k8sc_clock_now(T.clock) / CT_SEC);
    snprintf(st, sizeof(st), "{\"disruptedPods\":{\"a\":\"%s\"},\"disruptionsAllowed\":0}", now);
    ck_assert_int_eq(k8sc_object_set(p, "status", json_tokener_parse(st)), 0);
    ck_assert_int_eq(k8sc_client_update_status(NULL, T.client, p), 0);
    k8sc_object_free(p);
    ct_settle(&T);
    ck_assert_str_eq(summary("web"), "2/1/1/0 g2 False:InsufficientPods");
    /* Two minutes later it is given up on. */
    k8sc_clock_fake_advance(T.clock, 121 * CT_SEC);
    ct_settle(&T);
    ck_assert_str_eq(summary("web"), "2/2/1/1 g2 True:SufficientPods");
    ck_assert_int_eq(ct_int(&T, "policy/v1", "PodDisruptionBudget", "web", "status.disruptedPods.a"), -1);

    /* The eviction subresource takes the one disruption; the second eviction is refused. */
    k8sc_apiserver_response *resp = NULL;
    const char *ev = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"a\"}}";
    ck_assert_int_eq(k8sc_apiserver_handle(&resp, T.srv, "POST", "/api/v1/namespaces/default/pods/a/eviction",
        "application/json", "application/json", ev, strlen(ev)), 0);
    ck_assert_int_eq(k8sc_apiserver_response_status(resp), 201);
    k8sc_apiserver_response_free(resp);
    ev = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"b\"}}";
    ck_assert_int_eq(k8sc_apiserver_handle(&resp, T.srv, "POST", "/api/v1/namespaces/default/pods/b/eviction",
        "application/json", "application/json", ev, strlen(ev)), 0);
    ck_assert_int_eq(k8sc_apiserver_response_status(resp), 429);
    k8sc_apiserver_response_free(resp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("disruption");
    TCase *tc = tcase_create("disruption");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, min_available_number);
    tcase_add_test(tc, percentages_use_controller_scale);
    tcase_add_test(tc, no_pods);
    tcase_add_test(tc, eviction_and_disrupted_pods);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
