/*
 * Pod priority admission in the API server: spec.priority and
 * spec.preemptionPolicy from the pod's PriorityClass or the globalDefault
 * one, refusals worded as kube-apiserver's, and the system classes made
 * at start.
 */
#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/core.h"
#include "k8sc/store.h"
#include "testutil.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static k8sc_store *store;
static k8sc_apiserver *srv;
static k8sc_client *client;

static void setup(void)
{
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.store = store;
    ck_assert_msg(k8sc_apiserver_new(&srv, &o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_client_new_in_process(&client, srv) == 0, "%s", k8sc_error_last());
}

static void teardown(void)
{
    k8sc_client_free(client);
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
}

static int create(k8sc_object **out, const char *json)
{
    k8sc_object *obj = NULL;
    ck_assert_int_eq(k8sc_object_from_json(&obj, json, strlen(json)), 0);
    int rc = k8sc_client_create(out, client, obj);
    k8sc_object_free(obj);
    return rc;
}

static void make_class(const char *name, int value, bool global_default, const char *policy)
{
    char json[512];
    snprintf(json, sizeof(json), "{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\",\"metadata\":"
        "{\"name\":\"%s\"},\"value\":%d,\"globalDefault\":%s%s%s%s}", name, value, global_default ? "true" : "false",
        policy ? ",\"preemptionPolicy\":\"" : "", policy ? policy : "", policy ? "\"" : "");
    k8sc_object *made = NULL;
    ck_assert_msg(create(&made, json) == 0, "%s", k8sc_error_last());
    k8sc_object_free(made);
}

static k8sc_object *pod(const char *name, const char *spec_extra)
{
    char json[512];
    snprintf(json, sizeof(json), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":"
        "\"default\"},\"spec\":{%s%s\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}", name, spec_extra,
        *spec_extra ? "," : "");
    k8sc_object *made = NULL;
    int rc = create(&made, json);
    ck_assert_msg(rc == 0, "%s: %s", name, k8sc_error_last());
    return made;
}

START_TEST(system_classes_exist_at_start)
{
    k8sc_object *pc = NULL;
    ck_assert_int_eq(k8sc_client_get(&pc, client, "scheduling.k8s.io/v1", "PriorityClass", NULL, "system-node-critical"), 0);
    ck_assert_int_eq(json_object_get_int64(k8sc_object_get(pc, "value")), 2000001000);
    k8sc_object_free(pc);
    ck_assert_int_eq(
        k8sc_client_get(&pc, client, "scheduling.k8s.io/v1", "PriorityClass", NULL, "system-cluster-critical"), 0);
    ck_assert_int_eq(json_object_get_int64(k8sc_object_get(pc, "value")), 2000000000);
    k8sc_object_free(pc);
    /* A second server on the same store finds them there. */
    k8sc_apiserver *again = NULL;
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.store = store;
    ck_assert_msg(k8sc_apiserver_new(&again, &o) == 0, "%s", k8sc_error_last());
    k8sc_apiserver_free(again);
}
END_TEST

START_TEST(priority_comes_from_the_class)
{
    k8sc_object *p = pod("none", "");
    ck_assert_int_eq(json_object_get_int64(k8sc_object_get(p, "spec.priority")), 0);
    ck_assert_str_eq(k8sc_object_get_string(p, "spec.preemptionPolicy"), "PreemptLowerPriority");
    ck_assert_ptr_null(k8sc_object_get(p, "spec.priorityClassName"));
    k8sc_object_free(p);

    make_class("high", 1000, false, "Never");
    p = pod("high", "\"priorityClassName\":\"high\"");
    ck_assert_int_eq(json_object_get_int64(k8sc_object_get(p, "spec.priority")), 1000);
    ck_assert_str_eq(k8sc_object_get_string(p, "spec.preemptionPolicy"), "Never");
    k8sc_object_free(p);
    p = pod("critical", "\"priorityClassName\":\"system-node-critical\"");
    ck_assert_int_eq(json_object_get_int64(k8sc_object_get(p, "spec.priority")), 2000001000);
    k8sc_object_free(p);
    /* Stating the value the class gives is accepted. */
    p = pod("stated", "\"priorityClassName\":\"high\",\"priority\":1000");
    k8sc_object_free(p);

    /* The lowest globalDefault class applies to pods that name none, and is named in them. */
    make_class("default-b", 20, true, NULL);
    make_class("default-a", 10, true, NULL);
    p = pod("defaulted", "");
    ck_assert_str_eq(k8sc_object_get_string(p, "spec.priorityClassName"), "default-a");
    ck_assert_int_eq(json_object_get_int64(k8sc_object_get(p, "spec.priority")), 10);
    k8sc_object_free(p);
}
END_TEST

START_TEST(refusals)
{
    static const struct {
        const char *spec, *message;
    } cases[] = {
        { "\"priorityClassName\":\"nope\"", "pods \"bad\" is forbidden: no PriorityClass with name nope was found" },
        { "\"priority\":5", "pods \"bad\" is forbidden: the integer value of priority (5) must not be provided in pod "
            "spec; priority admission controller computed 0 from the given PriorityClass name" },
        { "\"preemptionPolicy\":\"Never\"", "pods \"bad\" is forbidden: the string value of PreemptionPolicy (Never) "
            "must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the "
            "given PriorityClass name" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char json[512];
        snprintf(json, sizeof(json), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"bad\","
            "\"namespace\":\"default\"},\"spec\":{%s,\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
            cases[i].spec);
        k8sc_object *made = NULL;
        ck_assert_int_eq(create(&made, json), K8SC_EFORBIDDEN);
        ck_assert_ptr_null(made);
        ck_assert_str_eq(k8sc_error_last(), cases[i].message);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("priority");
    TCase *tc = tcase_create("admission");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, system_classes_exist_at_start);
    tcase_add_test(tc, priority_comes_from_the_class);
    tcase_add_test(tc, refusals);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
