/* object: the generic object, field paths and metadata accessors. */
#include "internal.h"
#include "testutil.h"

#include <json-c/json.h>
#include <k8sc/codec.h>
#include <string.h>

static k8sc_object *parse(const char *json)
{
    k8sc_object *obj = NULL;
    ck_assert_msg(k8sc_object_from_json(&obj, json, strlen(json)) == 0, "%s", k8sc_error_last());
    return obj;
}

static void assert_json(const k8sc_object *obj, const char *want)
{
    char *s = NULL;
    ck_assert_int_eq(k8sc_object_to_json(&s, NULL, obj, 0), 0);
    ck_assert_str_eq(s, want);
    k8sc_free(s);
}

static const char *pod_json =
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\","
    "\"uid\":\"0b5c2a9e-1111-4222-8333-444455556666\",\"resourceVersion\":\"42\",\"generation\":3,"
    "\"creationTimestamp\":\"2024-05-01T10:00:00Z\",\"labels\":{\"app\":\"web\",\"app.kubernetes.io/name\":\"shop\"},"
    "\"annotations\":{\"note\":\"x\"},\"finalizers\":[\"example.com/keep\"],"
    "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"web\",\"uid\":\"rs-uid\","
    "\"controller\":true,\"blockOwnerDeletion\":true}],\"x-unknown\":{\"kept\":[1,2.5,null]}},"
    "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"busybox\",\"futureField\":true}]},"
    "\"status\":{\"phase\":\"Running\"},\"extra\":\"kept too\"}";

START_TEST(unknown_fields_survive_round_trip)
{
    k8sc_object *obj = parse(pod_json);
    assert_json(obj, pod_json);
    k8sc_object *copy = NULL;
    ck_assert_int_eq(k8sc_object_dup(&copy, obj), 0);
    ck_assert(k8sc_object_equal(obj, copy));
    ck_assert_int_eq(k8sc_object_set_name(copy, "other"), 0);
    ck_assert(!k8sc_object_equal(obj, copy));
    ck_assert_str_eq(k8sc_object_name(obj), "web-1");
    k8sc_object_free(copy);
    k8sc_object_free(obj);
}
END_TEST

START_TEST(metadata_getters)
{
    k8sc_object *obj = parse(pod_json);
    ck_assert_str_eq(k8sc_object_api_version(obj), "v1");
    ck_assert_str_eq(k8sc_object_kind(obj), "Pod");
    ck_assert_str_eq(k8sc_object_name(obj), "web-1");
    ck_assert_str_eq(k8sc_object_namespace(obj), "default");
    ck_assert_str_eq(k8sc_object_uid(obj), "0b5c2a9e-1111-4222-8333-444455556666");
    ck_assert_str_eq(k8sc_object_resource_version(obj), "42");
    ck_assert_ptr_null(k8sc_object_generate_name(obj));
    ck_assert_int_eq(k8sc_object_generation(obj), 3);
    int64_t t = 0;
    ck_assert_int_eq(k8sc_object_creation_timestamp(obj, &t), 0);
    ck_assert_int_eq(t, 1714557600);
    ck_assert_int_eq(k8sc_object_deletion_timestamp(obj, &t), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_object_deletion_grace_period(obj, &t), K8SC_ENOTFOUND);
    ck_assert_str_eq(k8sc_object_meta_get(obj, K8SC_LABELS, "app.kubernetes.io/name"), "shop");
    ck_assert_ptr_null(k8sc_object_meta_get(obj, K8SC_LABELS, "missing"));
    ck_assert_str_eq(k8sc_object_meta_get(obj, K8SC_ANNOTATIONS, "note"), "x");
    ck_assert_uint_eq(k8sc_object_meta_count(obj, K8SC_LABELS), 2);
    k8sc_object_free(obj);
}
END_TEST

START_TEST(metadata_setters)
{
    k8sc_object *obj = NULL;
    ck_assert_int_eq(k8sc_object_new(&obj, "apps/v1", "Deployment"), 0);
    ck_assert_int_eq(k8sc_object_set_name(obj, "web"), 0);
    ck_assert_int_eq(k8sc_object_set_namespace(obj, "prod"), 0);
    ck_assert_int_eq(k8sc_object_set_generation(obj, 7), 0);
    ck_assert_int_eq(k8sc_object_set_creation_timestamp(obj, true, 0), 0);
    ck_assert_int_eq(k8sc_object_set_deletion_grace_period(obj, true, 30), 0);
    ck_assert_int_eq(k8sc_object_meta_set(obj, K8SC_LABELS, "app", "web"), 0);
    ck_assert_int_eq(k8sc_object_meta_set(obj, K8SC_ANNOTATIONS, "a", "b"), 0);
    assert_json(obj, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
        "\"namespace\":\"prod\",\"generation\":7,\"creationTimestamp\":\"1970-01-01T00:00:00Z\","
        "\"deletionGracePeriodSeconds\":30,\"labels\":{\"app\":\"web\"},\"annotations\":{\"a\":\"b\"}}}");
    /* Removing the last key removes the map, as Kubernetes omits empty maps. */
    ck_assert_int_eq(k8sc_object_meta_set(obj, K8SC_LABELS, "app", NULL), 0);
    ck_assert_int_eq(k8sc_object_meta_set(obj, K8SC_ANNOTATIONS, "a", NULL), 0);
    ck_assert_int_eq(k8sc_object_set_namespace(obj, NULL), 0);
    ck_assert_int_eq(k8sc_object_set_creation_timestamp(obj, false, 0), 0);
    ck_assert_int_eq(k8sc_object_set_deletion_grace_period(obj, false, 0), 0);
    assert_json(obj, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"generation\":7}}");
    ck_assert_int_eq(k8sc_object_set_name(NULL, "x"), K8SC_EINVAL);
    k8sc_object_free(obj);
}
END_TEST

static int collect(const char *key, const char *value, void *ud)
{
    k8sc__buf *b = ud;
    k8sc__buf_printf(b, "%s=%s;", key, value);
    return strcmp(key, "stop") == 0 ? 99 : 0;
}

START_TEST(meta_foreach_in_order_and_stops)
{
    k8sc_object *obj = parse("{\"metadata\":{\"labels\":{\"b\":\"1\",\"a\":\"2\",\"stop\":\"3\",\"z\":\"4\"}}}");
    k8sc__buf b = K8SC__BUF_INIT;
    ck_assert_int_eq(k8sc_object_meta_foreach(obj, K8SC_LABELS, collect, &b), 99);
    ck_assert_str_eq(b.ptr, "b=1;a=2;stop=3;");
    k8sc__buf_free(&b);
    ck_assert_int_eq(k8sc_object_meta_foreach(obj, K8SC_ANNOTATIONS, collect, &b), 0);
    ck_assert_uint_eq(b.len, 0);
    k8sc_object_free(obj);
}
END_TEST

START_TEST(owner_references)
{
    k8sc_object *obj = parse(pod_json);
    ck_assert_uint_eq(k8sc_object_owner_ref_count(obj), 1);
    k8sc_owner_ref ref;
    ck_assert_int_eq(k8sc_object_controller_ref(&ref, obj), 0);
    ck_assert_str_eq(ref.kind, "ReplicaSet");
    ck_assert_str_eq(ref.uid, "rs-uid");
    ck_assert(ref.controller && ref.block_owner_deletion);
    k8sc_owner_ref other = { "v1", "Node", "n1", "node-uid", false, false };
    ck_assert_int_eq(k8sc_object_add_owner_ref(obj, &other), 0);
    ck_assert_uint_eq(k8sc_object_owner_ref_count(obj), 2);
    /* Same uid replaces. */
    other.name = "n2";
    ck_assert_int_eq(k8sc_object_add_owner_ref(obj, &other), 0);
    ck_assert_uint_eq(k8sc_object_owner_ref_count(obj), 2);
    ck_assert_int_eq(k8sc_object_owner_ref(&ref, obj, 1), 0);
    ck_assert_str_eq(ref.name, "n2");
    ck_assert(!ref.controller);
    ck_assert_int_eq(k8sc_object_owner_ref(&ref, obj, 2), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_object_remove_owner_ref(obj, "rs-uid"), 0);
    ck_assert_int_eq(k8sc_object_controller_ref(&ref, obj), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_object_remove_owner_ref(obj, "node-uid"), 0);
    ck_assert_ptr_null(k8sc_object_get(obj, "metadata.ownerReferences"));
    ck_assert_int_eq(k8sc_object_remove_owner_ref(obj, "node-uid"), K8SC_ENOTFOUND);
    k8sc_object_free(obj);
}
END_TEST

START_TEST(finalizers)
{
    k8sc_object *obj = parse(pod_json);
    ck_assert_uint_eq(k8sc_object_finalizer_count(obj), 1);
    ck_assert(k8sc_object_has_finalizer(obj, "example.com/keep"));
    ck_assert_int_eq(k8sc_object_add_finalizer(obj, "example.com/keep"), 0);
    ck_assert_int_eq(k8sc_object_add_finalizer(obj, "foregroundDeletion"), 0);
    ck_assert_uint_eq(k8sc_object_finalizer_count(obj), 2);
    ck_assert_str_eq(k8sc_object_finalizer(obj, 1), "foregroundDeletion");
    ck_assert_ptr_null(k8sc_object_finalizer(obj, 2));
    ck_assert_int_eq(k8sc_object_remove_finalizer(obj, "example.com/keep"), 0);
    ck_assert_int_eq(k8sc_object_remove_finalizer(obj, "example.com/keep"), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_object_remove_finalizer(obj, "foregroundDeletion"), 0);
    ck_assert_ptr_null(k8sc_object_get(obj, "metadata.finalizers"));
    k8sc_object_free(obj);
}
END_TEST

START_TEST(field_paths)
{
    k8sc_object *obj = parse(pod_json);
    ck_assert_str_eq(k8sc_object_get_string(obj, "spec.containers[0].image"), "busybox");
    ck_assert_str_eq(k8sc_object_get_string(obj, "metadata.labels.app\\.kubernetes\\.io/name"), "shop");
    ck_assert_ptr_null(k8sc_object_get(obj, "spec.containers[1]"));
    ck_assert_ptr_null(k8sc_object_get(obj, "spec.containers.0"));
    ck_assert_ptr_null(k8sc_object_get(obj, "spec..containers"));
    ck_assert_ptr_null(k8sc_object_get(obj, "spec.containers[x]"));
    ck_assert_ptr_null(k8sc_object_get_string(obj, "metadata.generation"));
    int64_t g;
    ck_assert_int_eq(k8sc_object_get_int(obj, "metadata.generation", &g), 0);
    ck_assert_int_eq(g, 3);
    ck_assert_int_eq(k8sc_object_get_int(obj, "metadata.name", &g), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_object_get_int(obj, "metadata.nope", &g), K8SC_ENOTFOUND);
    bool b = false;
    ck_assert_int_eq(k8sc_object_get_bool(obj, "spec.containers[0].futureField", &b), 0);
    ck_assert(b);

    ck_assert_int_eq(k8sc_object_set_int(obj, "spec.replicas", 3), 0);
    ck_assert_int_eq(k8sc_object_set_string(obj, "spec.template.metadata.labels.app", "web"), 0);
    ck_assert_str_eq(k8sc_object_get_string(obj, "spec.template.metadata.labels.app"), "web");
    ck_assert_int_eq(k8sc_object_set_string(obj, "spec.containers[0].image", "nginx"), 0);
    ck_assert_str_eq(k8sc_object_get_string(obj, "spec.containers[0].image"), "nginx");
    ck_assert_int_eq(k8sc_object_set_bool(obj, "spec.containers[3].x", true), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_object_set_string(obj, "status.phase.deeper", "x"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_object_set_string(obj, "a[", "x"), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "position"));
    ck_assert_int_eq(k8sc_object_remove(obj, "spec.containers[0].futureField"), 0);
    ck_assert_int_eq(k8sc_object_remove(obj, "spec.containers[0].futureField"), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_object_remove(obj, "spec.containers[0]"), 0);
    ck_assert_uint_eq(json_object_array_length(k8sc_object_get(obj, "spec.containers")), 0);
    ck_assert_int_eq(k8sc_object_set(obj, "spec.nothing", NULL), 0);
    ck_assert(json_object_is_type(k8sc_object_get(obj, "spec.nothing"), json_type_null));
    ck_assert(k8sc_object_has(obj, "spec.nothing"));
    ck_assert(k8sc_object_has(obj, "spec"));
    ck_assert(k8sc_object_has(obj, ""));
    ck_assert(!k8sc_object_has(obj, "spec.nothing.deeper"));
    ck_assert(!k8sc_object_has(obj, "spec.absent"));
    ck_assert(!k8sc_object_has(obj, "spec.containers[0]"));
    ck_assert(!k8sc_object_has(obj, "spec..x"));
    k8sc_object_free(obj);
}
END_TEST

START_TEST(refcount_shares_one_tree)
{
    k8sc_object *obj = parse("{\"kind\":\"ConfigMap\"}");
    k8sc_object *again = k8sc_object_ref(obj);
    ck_assert_ptr_eq(again, obj);
    k8sc_object_free(obj);
    ck_assert_str_eq(k8sc_object_kind(again), "ConfigMap");
    k8sc_object_free(again);
    k8sc_object_free(NULL);
    ck_assert_ptr_null(k8sc_object_ref(NULL));
}
END_TEST

START_TEST(wrap_rejects_non_objects)
{
    k8sc_object *obj = NULL;
    struct json_object *arr = json_object_new_array();
    ck_assert_int_eq(k8sc_object_wrap(&obj, arr), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "array"));
    json_object_put(arr);
    ck_assert_int_eq(k8sc_object_from_json(&obj, "[1]", 3), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_object_wrap(&obj, NULL), K8SC_EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("object");
    k8sc_test_add(s, "unknown_fields_survive_round_trip", unknown_fields_survive_round_trip);
    k8sc_test_add(s, "metadata_getters", metadata_getters);
    k8sc_test_add(s, "metadata_setters", metadata_setters);
    k8sc_test_add(s, "meta_foreach_in_order_and_stops", meta_foreach_in_order_and_stops);
    k8sc_test_add(s, "owner_references", owner_references);
    k8sc_test_add(s, "finalizers", finalizers);
    k8sc_test_add(s, "field_paths", field_paths);
    k8sc_test_add(s, "refcount_shares_one_tree", refcount_shares_one_tree);
    k8sc_test_add(s, "wrap_rejects_non_objects", wrap_rejects_non_objects);
    return k8sc_test_main(s);
}
