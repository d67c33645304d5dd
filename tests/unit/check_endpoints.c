/*
 * The Endpoints and EndpointSlice controllers in process: ready and
 * not-ready pods, named target ports, publishNotReadyAddresses, headless
 * Services, pods leaving, Services without selectors or going away,
 * slices of at most 100 endpoints, the placeholder slice and terminating
 * pods.
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
    k8sc_controller *ep, *eps;
    ck_assert_int_eq(k8sc_endpoints_controller_new(&ep, T.client, &o), 0);
    ck_assert_int_eq(k8sc_endpointslice_controller_new(&eps, T.client, &o), 0);
    ck_assert_str_eq(k8sc_controller_name(ep), "endpoints-controller");
    ct_add(&T, ep);
    ct_add(&T, eps);
}

static void teardown(void)
{
    ct_teardown(&T);
}

static void service(const char *name, const char *extra)
{
    char json[1024];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\","
        "\"labels\":{\"team\":\"a\"}},\"spec\":{%s}}",
        name, extra);
    ct_create(&T, json);
}

/* A pod with label app=`app`, a container port named http (8080); `ip` NULL: none yet. */
static void pod(const char *name, const char *app, const char *ip, bool ready)
{
    char json[1024];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\",\"labels\":{\"app\":\"%s\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\",\"ports\":[{\"name\":\"http\",\"containerPort\":8080}]}]}}",
        name, app);
    ct_create(&T, json);
    if (!ip)
        return;
    k8sc_object *p = ct_get(&T, "v1", "Pod", name);
    char st[256];
    snprintf(st, sizeof(st),
        "{\"phase\":\"Running\",\"podIP\":\"%s\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\"}]}", ip,
        ready ? "True" : "False");
    ck_assert_int_eq(k8sc_object_set(p, "status", json_tokener_parse(st)), 0);
    ck_assert_int_eq(k8sc_client_update_status(NULL, T.client, p), 0);
    k8sc_object_free(p);
}

/* The JSON of `path` of Endpoints `name`, or "-" when there are none. */
static const char *endpoints(const char *name, const char *path)
{
    static char out[2048];
    k8sc_object *ep = NULL;
    if (k8sc_client_get(&ep, T.client, "v1", "Endpoints", "default", name) < 0)
        return "-";
    struct json_object *v = k8sc_object_get(ep, path);
    snprintf(out, sizeof(out), "%s", v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "null");
    k8sc_object_free(ep);
    return out;
}

START_TEST(ready_and_not_ready_with_named_ports)
{
    service("web", "\"selector\":{\"app\":\"web\"},\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":\"http\"}]");
    pod("b", "web", "10.0.0.2", true);
    pod("a", "web", "10.0.0.1", false);
    pod("noip", "web", NULL, false);
    pod("other", "db", "10.0.0.9", true);
    ct_settle(&T);
    ck_assert_str_eq(endpoints("web", "subsets[0].addresses[0].ip"), "\"10.0.0.2\"");
    ck_assert_str_eq(endpoints("web", "subsets[0].notReadyAddresses[0].ip"), "\"10.0.0.1\"");
    ck_assert_str_eq(endpoints("web", "subsets[0].ports"), "[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\"}]");
    ck_assert_str_eq(endpoints("web", "subsets[0].addresses[0].targetRef.name"), "\"b\"");
    ck_assert_str_eq(endpoints("web", "metadata.labels"), "{\"team\":\"a\"}");
    /* The not-ready pod becomes ready; the ready one leaves the selector. */
    k8sc_object *a = ct_get(&T, "v1", "Pod", "a");
    ck_assert_int_eq(k8sc_object_set(a, "status.conditions", json_tokener_parse("[{\"type\":\"Ready\",\"status\":\"True\"}]")), 0);
    ck_assert_int_eq(k8sc_client_update_status(NULL, T.client, a), 0);
    k8sc_object_free(a);
    ct_patch(&T, "v1", "Pod", "b", "{\"metadata\":{\"labels\":{\"app\":\"gone\"}}}");
    ct_settle(&T);
    ck_assert_str_eq(endpoints("web", "subsets[0].addresses[0].ip"), "\"10.0.0.1\"");
    ck_assert_str_eq(endpoints("web", "subsets[0].addresses[1]"), "null");
    ck_assert_str_eq(endpoints("web", "subsets[0].notReadyAddresses"), "null");
}
END_TEST

START_TEST(publish_not_ready_headless_and_no_selector)
{
    service("all", "\"selector\":{\"app\":\"web\"},\"publishNotReadyAddresses\":true,\"ports\":[{\"port\":80,\"targetPort\":9090}]");
    service("headless", "\"selector\":{\"app\":\"web\"},\"clusterIP\":\"None\"");
    service("manual", "\"ports\":[{\"port\":80}]");
    ct_create(&T, "{\"apiVersion\":\"v1\",\"kind\":\"Endpoints\",\"metadata\":{\"name\":\"manual\",\"namespace\":\"default\"},"
                  "\"subsets\":[{\"addresses\":[{\"ip\":\"192.0.2.1\"}],\"ports\":[{\"port\":80}]}]}");
    pod("a", "web", "10.0.0.1", false);
    pod("b", "web", "10.0.0.2", true);
    ct_settle(&T);
    /* publishNotReadyAddresses: everyone is an address; a numeric targetPort is used as is. */
    ck_assert_str_eq(endpoints("all", "subsets[0].addresses[0].ip"), "\"10.0.0.1\"");
    ck_assert_str_eq(endpoints("all", "subsets[0].addresses[1].ip"), "\"10.0.0.2\"");
    ck_assert_str_eq(endpoints("all", "subsets[0].ports[0].port"), "9090");
    /* Headless without ports: addresses only, and the headless label. */
    ck_assert_str_eq(endpoints("headless", "subsets[0].ports"), "null");
    ck_assert_str_eq(endpoints("headless", "subsets[0].addresses[0].ip"), "\"10.0.0.2\"");
    ck_assert_str_eq(endpoints("headless", "metadata.labels"), "{\"team\":\"a\",\"service.kubernetes.io/headless\":\"\"}");
    /* No selector: the user's Endpoints stay as they are. */
    ck_assert_str_eq(endpoints("manual", "subsets[0].addresses[0].ip"), "\"192.0.2.1\"");
    /* The Service goes: its Endpoints too. */
    ck_assert_int_eq(k8sc_client_delete(NULL, T.client, "v1", "Service", "default", "all", NULL), 0);
    ct_settle(&T);
    ck_assert_str_eq(endpoints("all", "subsets"), "-");
}
END_TEST

/* The EndpointSlices of `svc`, sorted by name, as a List's items. */
static struct json_object *slices(const char *svc, k8sc_object **list)
{
    char sel[128];
    snprintf(sel, sizeof(sel), "kubernetes.io/service-name=%s", svc);
    *list = ct_list(&T, "discovery.k8s.io/v1", "EndpointSlice", sel);
    return k8sc_object_get(*list, "items");
}

START_TEST(endpoint_slices)
{
    service("web", "\"selector\":{\"app\":\"web\"},\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":\"http\"}]");
    ct_settle(&T);
    /* No pods yet: one empty placeholder slice. */
    k8sc_object *list;
    struct json_object *items = slices("web", &list);
    ck_assert_uint_eq(json_object_array_length(items), 1);
    struct json_object *s0 = json_object_array_get_idx(items, 0);
    ck_assert_uint_eq(json_object_array_length(json_object_object_get(s0, "endpoints")), 0);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(s0, "addressType")), "IPv4");
    k8sc_object_free(list);

    for (int i = 0; i < 150; i++) {
        char name[16], ip[32];
        snprintf(name, sizeof(name), "p%03d", i);
        snprintf(ip, sizeof(ip), "10.1.%d.%d", i / 200, i % 200 + 1);
        pod(name, "web", ip, i % 2 == 0);
    }
    ct_settle(&T);
    items = slices("web", &list);
    ck_assert_uint_eq(json_object_array_length(items), 2);
    size_t total = 0, ready = 0;
    for (size_t i = 0; i < 2; i++) {
        k8sc_object *s;
        ck_assert_int_eq(k8sc_object_wrap(&s, json_object_get(json_object_array_get_idx(items, i))), 0);
        struct json_object *eps = k8sc_object_get(s, "endpoints");
        ck_assert_uint_le(json_object_array_length(eps), 100);
        total += json_object_array_length(eps);
        for (size_t j = 0; j < json_object_array_length(eps); j++)
            ready += json_object_get_boolean(json_object_object_get(
                json_object_object_get(json_object_array_get_idx(eps, j), "conditions"), "ready"));
        ck_assert_str_eq(k8sc_object_meta_get(s, K8SC_LABELS, "endpointslice.kubernetes.io/managed-by"),
            "endpointslice-controller.k8s.io");
        ck_assert_str_eq(k8sc_object_get_string(s, "ports[0].name"), "http");
        k8sc_owner_ref ref;
        ck_assert_int_eq(k8sc_object_controller_ref(&ref, s), 0);
        ck_assert_str_eq(ref.kind, "Service");
        k8sc_object_free(s);
    }
    ck_assert_uint_eq(total, 150);
    ck_assert_uint_eq(ready, 75);
    k8sc_object_free(list);

    /* Down to 10 pods: one slice is enough, the other goes. */
    for (int i = 10; i < 150; i++) {
        char name[16];
        snprintf(name, sizeof(name), "p%03d", i);
        ck_assert_int_eq(k8sc_client_delete(NULL, T.client, "v1", "Pod", "default", name, NULL), 0);
    }
    ct_settle(&T);
    items = slices("web", &list);
    ck_assert_uint_eq(json_object_array_length(items), 1);
    ck_assert_uint_eq(json_object_array_length(json_object_object_get(json_object_array_get_idx(items, 0), "endpoints")), 10);
    k8sc_object_free(list);
}
END_TEST

START_TEST(terminating_pods_stay_in_slices)
{
    service("web", "\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":80}]");
    pod("t", "web", "10.0.0.5", true);
    /* Bound to a node, the pod lingers with a deletionTimestamp when deleted. */
    const char *binding = "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"t\"},\"target\":{\"kind\":\"Node\",\"name\":\"n1\"}}";
    ck_assert_int_eq(k8sc_client_request(NULL, NULL, T.client, "POST", "/api/v1/namespaces/default/pods/t/binding",
        "application/json", binding, strlen(binding)), 0);
    ck_assert_int_eq(k8sc_client_delete(NULL, T.client, "v1", "Pod", "default", "t", NULL), 0);
    ct_settle(&T);
    k8sc_object *list;
    struct json_object *items = slices("web", &list);
    struct json_object *c = json_object_object_get(
        json_object_array_get_idx(json_object_object_get(json_object_array_get_idx(items, 0), "endpoints"), 0), "conditions");
    ck_assert_str_eq(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN),
        "{\"ready\":false,\"serving\":true,\"terminating\":true}");
    k8sc_object_free(list);
    /* The Endpoints object drops it. */
    ck_assert_str_eq(endpoints("web", "subsets"), "null");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("endpoints");
    TCase *tc = tcase_create("endpoints");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, ready_and_not_ready_with_named_ports);
    tcase_add_test(tc, publish_not_ready_headless_and_no_selector);
    tcase_add_test(tc, endpoint_slices);
    tcase_add_test(tc, terminating_pods_stay_in_slices);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
