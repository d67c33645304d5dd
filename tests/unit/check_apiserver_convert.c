/*
 * HorizontalPodAutoscalers through autoscaling/v1 and v2: stored as v2,
 * each version served in its own shape — created, read, listed, watched,
 * updated (status too) and patched through either — and nothing v2 says
 * is lost by a read-modify-write through v1 (it rides in v1's
 * annotations, as kube-apiserver keeps it).
 */
#include "apitest.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define JSON "application/json"
#define MERGE "application/merge-patch+json"
#define V1 "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"
#define V2 "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"

/* A request that must answer `want`; the reply parsed (the caller puts it). */
static struct json_object *call(int want, const char *method, const char *target, const char *ct, const char *body)
{
    int st = 0;
    struct json_object *j = api_call(api_srv, &st, NULL, NULL, method, target, ct, JSON, body);
    ck_assert_msg(st == want, "%s %s: %d, want %d: %s", method, target, st, want,
                  j ? json_object_to_json_string(j) : "");
    return j;
}

/* Compact JSON text of `o`, as api_json writes it (valid while `o` lives). */
static const char *text(struct json_object *o)
{
    return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* What the store holds for hpa `name` (parsed; the caller puts it). */
static struct json_object *stored(const char *name)
{
    char key[128];
    snprintf(key, sizeof(key), "/registry/autoscaling/horizontalpodautoscalers/default/%s", name);
    k8sc_store_kv *kv = NULL;
    ck_assert_int_eq(k8sc_store_get(&kv, api_store, key, 0), 0);
    struct json_object *j = NULL;
    ck_assert_int_eq(k8sc_json_parse(&j, kv->value, kv->value_len), 0);
    k8sc_store_kv_free(kv);
    return j;
}

static const char *v1_body = "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"HorizontalPodAutoscaler\","
                             "\"metadata\":{\"name\":\"web\"},\"spec\":{\"scaleTargetRef\":{\"apiVersion\":\"apps/v1\","
                             "\"kind\":\"Deployment\",\"name\":\"web\"},\"maxReplicas\":5,"
                             "\"targetCPUUtilizationPercentage\":50}}";

START_TEST(v1_created_stored_as_v2)
{
    struct json_object *j = call(201, "POST", V1, JSON, v1_body);
    ck_assert_str_eq(api_str(j, "apiVersion"), "autoscaling/v1");
    ck_assert_int_eq(api_int(j, "spec.targetCPUUtilizationPercentage"), 50);
    ck_assert_int_eq(api_int(j, "spec.minReplicas"), 1);
    ck_assert_ptr_null(api_get(j, "spec.metrics"));
    json_object_put(j);

    j = stored("web");
    ck_assert_str_eq(api_str(j, "apiVersion"), "autoscaling/v2");
    ck_assert_str_eq(api_json(j, "spec.metrics"),
                     "[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\","
                     "\"averageUtilization\":50}}}]");
    ck_assert_ptr_null(api_get(j, "spec.targetCPUUtilizationPercentage"));
    json_object_put(j);

    j = call(200, "GET", V2 "/web", NULL, NULL);
    ck_assert_str_eq(api_str(j, "apiVersion"), "autoscaling/v2");
    ck_assert_int_eq(api_int(j, "spec.metrics[0].resource.target.averageUtilization"), 50);
    json_object_put(j);
    j = call(200, "GET", V1 "/web", NULL, NULL);
    ck_assert_str_eq(api_str(j, "apiVersion"), "autoscaling/v1");
    ck_assert_int_eq(api_int(j, "spec.targetCPUUtilizationPercentage"), 50);
    ck_assert_ptr_null(api_get(j, "metadata.annotations"));
    json_object_put(j);

    /* Lists: every item in the version asked for. */
    j = call(200, "GET", "/apis/autoscaling/v1/horizontalpodautoscalers", NULL, NULL);
    ck_assert_str_eq(api_str(j, "apiVersion"), "autoscaling/v1");
    ck_assert_str_eq(api_str(j, "items[0].apiVersion"), "autoscaling/v1");
    ck_assert_int_eq(api_int(j, "items[0].spec.targetCPUUtilizationPercentage"), 50);
    json_object_put(j);

    /* A v1 object without a target gets v2's default, 80 % CPU. */
    j = call(201, "POST", V1, JSON,
             "{\"metadata\":{\"name\":\"bare\"},\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"a\"},"
             "\"maxReplicas\":3}}");
    json_object_put(j);
    j = call(200, "GET", V2 "/bare", NULL, NULL);
    ck_assert_int_eq(api_int(j, "spec.metrics[0].resource.target.averageUtilization"), 80);
    json_object_put(j);
    j = call(200, "GET", V1 "/bare", NULL, NULL);
    ck_assert_int_eq(api_int(j, "spec.targetCPUUtilizationPercentage"), 80);
    json_object_put(j);

    /* A body of the other version, to a version's endpoint, is refused as kube-apiserver refuses it. */
    j = call(400, "POST", V2, JSON, v1_body);
    ck_assert_str_eq(api_str(j, "message"),
                     "the API version in the data (autoscaling/v1) does not match the expected API version (autoscaling/v2)");
    json_object_put(j);
}
END_TEST

static const char *v2_body =
    "{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\",\"metadata\":{\"name\":\"rich\"},"
    "\"spec\":{\"scaleTargetRef\":{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"web\"},"
    "\"minReplicas\":2,\"maxReplicas\":9,\"metrics\":["
    "{\"type\":\"Resource\",\"resource\":{\"name\":\"memory\",\"target\":{\"type\":\"AverageValue\",\"averageValue\":\"100Mi\"}}},"
    "{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\",\"averageUtilization\":60}}},"
    "{\"type\":\"Pods\",\"pods\":{\"metric\":{\"name\":\"qps\"},\"target\":{\"type\":\"AverageValue\",\"averageValue\":\"10\"}}},"
    "{\"type\":\"Object\",\"object\":{\"describedObject\":{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"Ingress\","
    "\"name\":\"main\"},\"metric\":{\"name\":\"rps\"},\"target\":{\"type\":\"Value\",\"value\":\"2k\"}}},"
    "{\"type\":\"External\",\"external\":{\"metric\":{\"name\":\"queue\",\"selector\":{\"matchLabels\":{\"q\":\"jobs\"}}},"
    "\"target\":{\"type\":\"AverageValue\",\"averageValue\":\"30\"}}}],"
    "\"behavior\":{\"scaleDown\":{\"stabilizationWindowSeconds\":60,\"selectPolicy\":\"Max\",\"policies\":"
    "[{\"type\":\"Pods\",\"value\":2,\"periodSeconds\":30}]}}}}";

START_TEST(v2_through_v1_loses_nothing)
{
    json_object_put(call(201, "POST", V2, JSON, v2_body));
    /* Status, as a controller writes it. */
    const char *st =
        "{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\",\"metadata\":{\"name\":\"rich\"},"
        "\"status\":{\"currentReplicas\":3,\"desiredReplicas\":4,\"currentMetrics\":["
        "{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"current\":{\"averageUtilization\":71,\"averageValue\":\"142m\"}}},"
        "{\"type\":\"Pods\",\"pods\":{\"metric\":{\"name\":\"qps\"},\"current\":{\"averageValue\":\"12\"}}}],"
        "\"conditions\":[{\"type\":\"AbleToScale\",\"status\":\"True\",\"reason\":\"ReadyForNewScale\","
        "\"lastTransitionTime\":\"2026-01-01T00:00:00Z\"}]}}";
    json_object_put(call(200, "PUT", V2 "/rich/status", JSON, st));
    struct json_object *before = call(200, "GET", V2 "/rich", NULL, NULL);

    /* v1 sees the CPU target and utilization; the rest rides in its annotations. */
    struct json_object *v1 = call(200, "GET", V1 "/rich", NULL, NULL);
    ck_assert_str_eq(api_str(v1, "apiVersion"), "autoscaling/v1");
    ck_assert_int_eq(api_int(v1, "spec.targetCPUUtilizationPercentage"), 60);
    ck_assert_int_eq(api_int(v1, "status.currentCPUUtilizationPercentage"), 71);
    ck_assert_ptr_null(api_get(v1, "spec.metrics"));
    ck_assert_ptr_null(api_get(v1, "spec.behavior"));
    ck_assert_ptr_null(api_get(v1, "status.conditions"));
    struct json_object *a = api_get(v1, "metadata.annotations"), *others = NULL;
    ck_assert_ptr_nonnull(a);
    const char *ann = json_object_get_string(json_object_object_get(a, "autoscaling.alpha.kubernetes.io/metrics"));
    ck_assert_ptr_nonnull(ann);
    ck_assert_int_eq(k8sc_json_parse(&others, ann, strlen(ann)), 0);
    /* In v1's shapes: four metrics, the CPU one being the target field. */
    ck_assert_uint_eq(json_object_array_length(others), 4);
    struct json_object *m[4];
    for (size_t i = 0; i < 4; i++)
        m[i] = json_object_array_get_idx(others, i);
    ck_assert_str_eq(api_str(m[0], "resource.targetAverageValue"), "100Mi");
    ck_assert_str_eq(api_str(m[1], "pods.metricName"), "qps");
    ck_assert_str_eq(api_str(m[1], "pods.targetAverageValue"), "10");
    ck_assert_str_eq(api_str(m[2], "object.target.kind"), "Ingress");
    ck_assert_str_eq(api_str(m[2], "object.targetValue"), "2k");
    ck_assert_str_eq(api_str(m[3], "external.metricSelector.matchLabels.q"), "jobs");
    ck_assert_str_eq(api_str(m[3], "external.targetAverageValue"), "30");
    json_object_put(others);
    ck_assert_ptr_nonnull(json_object_object_get(a, "autoscaling.alpha.kubernetes.io/behavior"));
    ck_assert_ptr_nonnull(json_object_object_get(a, "autoscaling.alpha.kubernetes.io/conditions"));
    ck_assert_ptr_nonnull(json_object_object_get(a, "autoscaling.alpha.kubernetes.io/current-metrics"));

    /* Written back through v1 with one change: v2 has everything it had, and the change. */
    json_object_object_add(api_get(v1, "spec"), "maxReplicas", json_object_new_int(12));
    json_object_put(call(200, "PUT", V1 "/rich", JSON, json_object_to_json_string(v1)));
    json_object_put(v1);
    struct json_object *after = call(200, "GET", V2 "/rich", NULL, NULL);
    ck_assert_int_eq(api_int(after, "spec.maxReplicas"), 12);
    json_object_object_add(api_get(before, "spec"), "maxReplicas", json_object_new_int(12));
    /* The CPU target comes back after the others (as kube-apiserver orders it). */
    struct json_object *bm = api_get(before, "spec.metrics"), *am = api_get(after, "spec.metrics");
    ck_assert_uint_eq(json_object_array_length(am), 5);
    ck_assert_str_eq(text(json_object_array_get_idx(am, 4)), text(json_object_array_get_idx(bm, 1)));
    size_t k = 0;
    for (size_t i = 0; i < 5; i++)
        if (i != 1)
            ck_assert_msg(json_object_equal(json_object_array_get_idx(am, k++), json_object_array_get_idx(bm, i)),
                          "metric %zu: %s, was %s", i, text(json_object_array_get_idx(am, k - 1)),
                          text(json_object_array_get_idx(bm, i)));
    ck_assert_str_eq(api_json(after, "spec.behavior"), api_json(before, "spec.behavior"));
    ck_assert_str_eq(api_json(after, "status"), api_json(before, "status"));
    ck_assert_ptr_null(api_get(after, "metadata.annotations"));
    json_object_put(before);
    json_object_put(after);
}
END_TEST

START_TEST(v1_patch_status_and_watch)
{
    k8sc_apiserver_response *w = NULL;
    ck_assert_int_eq(k8sc_apiserver_handle(&w, api_srv, "GET", V1 "?watch=1&resourceVersion=0", NULL, JSON, NULL, 0), 0);
    ck_assert_int_eq(k8sc_apiserver_response_status(w), 200);
    json_object_put(call(201, "POST", V2, JSON,
                         "{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\",\"metadata\":{\"name\":\"p\"},"
                         "\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"p\"},\"maxReplicas\":4}}"));
    /* A watch through v1 gets v1 objects. */
    char *line = NULL;
    ck_assert_int_eq(k8sc_apiserver_response_next(&line, w, 3000), 1);
    struct json_object *ev = NULL;
    ck_assert_int_eq(k8sc_json_parse(&ev, line, strlen(line)), 0);
    k8sc_free(line);
    ck_assert_str_eq(api_str(ev, "type"), "ADDED");
    ck_assert_str_eq(api_str(ev, "object.apiVersion"), "autoscaling/v1");
    ck_assert_int_eq(api_int(ev, "object.spec.targetCPUUtilizationPercentage"), 80);
    json_object_put(ev);
    k8sc_apiserver_response_free(w);

    /* A merge patch through v1 is applied to the v1 view. */
    struct json_object *j = call(200, "PATCH", V1 "/p", MERGE, "{\"spec\":{\"targetCPUUtilizationPercentage\":35}}");
    ck_assert_str_eq(api_str(j, "apiVersion"), "autoscaling/v1");
    ck_assert_int_eq(api_int(j, "spec.targetCPUUtilizationPercentage"), 35);
    json_object_put(j);
    j = call(200, "GET", V2 "/p", NULL, NULL);
    ck_assert_int_eq(api_int(j, "spec.metrics[0].resource.target.averageUtilization"), 35);
    ck_assert_uint_eq(json_object_array_length(api_get(j, "spec.metrics")), 1);
    json_object_put(j);

    /* Status through v1: the CPU utilization becomes v2's current metric. */
    j = call(200, "PATCH", V1 "/p/status", MERGE, "{\"status\":{\"currentReplicas\":2,\"desiredReplicas\":2,"
                                                 "\"currentCPUUtilizationPercentage\":44}}");
    ck_assert_int_eq(api_int(j, "status.currentCPUUtilizationPercentage"), 44);
    json_object_put(j);
    j = call(200, "GET", V2 "/p", NULL, NULL);
    ck_assert_int_eq(api_int(j, "status.currentMetrics[0].resource.current.averageUtilization"), 44);
    ck_assert_str_eq(api_str(j, "status.currentMetrics[0].resource.name"), "cpu");
    ck_assert_int_eq(api_int(j, "status.currentReplicas"), 2);
    json_object_put(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("apiserver_convert");
    TCase *tc = tcase_create("hpa");
    tcase_add_checked_fixture(tc, api_fixture_setup, api_fixture_teardown);
    tcase_add_test(tc, v1_created_stored_as_v2);
    tcase_add_test(tc, v2_through_v1_loses_nothing);
    tcase_add_test(tc, v1_patch_status_and_watch);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
