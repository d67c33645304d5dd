/*
 * Namespace lifecycle in the API server, as kube-apiserver enforces it:
 * the "kubernetes" finalizer, a delete that only marks a namespace
 * Terminating while spec.finalizers is not empty, the finalize
 * subresource, the NamespaceLifecycle admission rules (no new content in
 * a terminating namespace, immortal namespaces). Requests go through the
 * in-process entry point of a server on a memory store and a fake clock.
 */
#include "k8sc/k8sc.h"
#include "testutil.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON "application/json"
#define T0 1700000000LL

static k8sc_store *store;
static k8sc_clock *clk;
static k8sc_apiserver *srv;

static void setup(void)
{
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    ck_assert_int_eq(k8sc_clock_fake_new(&clk, T0 * 1000000000LL), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.store = store;
    o.clock = clk;
    ck_assert_msg(k8sc_apiserver_new(&srv, &o) == 0, "%s", k8sc_error_last());
}

static void teardown(void)
{
    k8sc_apiserver_free(srv);
    k8sc_clock_free(clk);
    k8sc_store_close(store);
}

/* One request; the reply parsed, its HTTP status in *status. */
static struct json_object *req(int *status, const char *method, const char *target, const char *body)
{
    k8sc_apiserver_response *resp = NULL;
    int rc = k8sc_apiserver_handle(&resp, srv, method, target, body ? JSON : NULL, JSON, body,
        body ? strlen(body) : 0);
    ck_assert_msg(rc == 0, "%s %s: %s", method, target, k8sc_error_last());
    *status = k8sc_apiserver_response_status(resp);
    size_t len = 0;
    const char *text = k8sc_apiserver_response_body(resp, &len);
    struct json_object *j = NULL;
    ck_assert_int_eq(k8sc_json_parse(&j, text, len), 0);
    k8sc_apiserver_response_free(resp);
    return j;
}

/* A request expected to answer `want`; the reply is dropped. */
static void expect(int want, const char *method, const char *target, const char *body)
{
    int st;
    struct json_object *j = req(&st, method, target, body);
    ck_assert_msg(st == want, "%s %s: %d %s", method, target, st, json_object_to_json_string(j));
    json_object_put(j);
}

static const char *at(struct json_object *j, const char *path)
{
    k8sc_object *o = NULL;
    ck_assert_int_eq(k8sc_object_wrap(&o, json_object_get(j)), 0);
    const char *s = k8sc_object_get_string(o, path);
    k8sc_object_free(o); /* j keeps its reference, so s stays valid */
    return s;
}

static size_t len_at(struct json_object *j, const char *path)
{
    k8sc_object *o = NULL;
    ck_assert_int_eq(k8sc_object_wrap(&o, json_object_get(j)), 0);
    struct json_object *v = k8sc_object_get(o, path);
    size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
    k8sc_object_free(o);
    return n;
}

static void create_ns(const char *name)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\"}}", name);
    expect(201, "POST", "/api/v1/namespaces", body);
}

static void create_cm(const char *ns, const char *name)
{
    char target[256], body[256];
    snprintf(target, sizeof(target), "/api/v1/namespaces/%s/configmaps", ns);
    snprintf(body, sizeof(body), "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\"}}", name);
    expect(201, "POST", target, body);
}

static struct json_object *get_ns(int *st, const char *name)
{
    char target[256];
    snprintf(target, sizeof(target), "/api/v1/namespaces/%s", name);
    return req(st, "GET", target, NULL);
}

/* PUT /finalize with these spec.finalizers (a JSON array). */
static struct json_object *finalize(int *st, const char *name, const char *finalizers)
{
    char target[256], body[512];
    snprintf(target, sizeof(target), "/api/v1/namespaces/%s/finalize", name);
    snprintf(body, sizeof(body), "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\","
        "\"labels\":{\"sneaky\":\"yes\"}},\"spec\":{\"finalizers\":%s},\"status\":{\"phase\":\"Active\"}}",
        name, finalizers);
    return req(st, "PUT", target, body);
}

START_TEST(create_adds_the_kubernetes_finalizer)
{
    int st;
    struct json_object *j = req(&st, "POST", "/api/v1/namespaces",
        "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"finalizers\":[\"example.com/mine\"]}}");
    ck_assert_int_eq(st, 201);
    ck_assert_uint_eq(len_at(j, "spec.finalizers"), 2);
    ck_assert_str_eq(at(j, "spec.finalizers[0]"), "example.com/mine");
    ck_assert_str_eq(at(j, "spec.finalizers[1]"), "kubernetes");
    ck_assert_str_eq(at(j, "status.phase"), "Active");
    json_object_put(j);
    j = req(&st, "POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"b\"},\"spec\":{\"finalizers\":[\"kubernetes\"]}}");
    ck_assert_uint_eq(len_at(j, "spec.finalizers"), 1);
    json_object_put(j);
    /* Finalizer names are checked as ValidateNamespace does. */
    j = req(&st, "POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"c\"},\"spec\":{\"finalizers\":[\"mine\"]}}");
    ck_assert_int_eq(st, 422);
    ck_assert_str_eq(at(j, "message"), "Namespace \"c\" is invalid: spec.finalizers: Invalid value: \"mine\": name is "
        "neither a standard finalizer name nor is it fully qualified");
    json_object_put(j);
    expect(422, "POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"c\"},\"spec\":{\"finalizers\":[7]}}");
    expect(422, "POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"c\"},\"spec\":{\"finalizers\":\"kubernetes\"}}");
    /* An update cannot drop it: spec.finalizers is the finalize subresource's. */
    j = req(&st, "PUT", "/api/v1/namespaces/b", "{\"metadata\":{\"name\":\"b\"},\"spec\":{\"finalizers\":[]}}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(at(j, "spec.finalizers[0]"), "kubernetes");
    json_object_put(j);
}
END_TEST

START_TEST(delete_marks_terminating_and_keeps_the_namespace)
{
    create_ns("empty");
    k8sc_clock_fake_advance(clk, 7 * 1000000000LL);
    int st;
    struct json_object *j = req(&st, "DELETE", "/api/v1/namespaces/empty", NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(at(j, "kind"), "Namespace");
    ck_assert_str_eq(at(j, "status.phase"), "Terminating");
    ck_assert_str_eq(at(j, "metadata.deletionTimestamp"), "2023-11-14T22:13:27Z");
    ck_assert_ptr_null(at(j, "metadata.deletionGracePeriodSeconds"));
    json_object_put(j);
    /* Even empty, it stays until spec.finalizers is empty; deleting again changes nothing. */
    k8sc_clock_fake_advance(clk, 60 * 1000000000LL);
    j = req(&st, "DELETE", "/api/v1/namespaces/empty", NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(at(j, "metadata.deletionTimestamp"), "2023-11-14T22:13:27Z");
    json_object_put(j);
    j = get_ns(&st, "empty");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(at(j, "status.phase"), "Terminating");
    ck_assert_str_eq(at(j, "spec.finalizers[0]"), "kubernetes");
    json_object_put(j);
    /* The finalize subresource empties spec.finalizers: the namespace goes. */
    j = finalize(&st, "empty", "[]");
    ck_assert_int_eq(st, 200);
    json_object_put(j);
    j = get_ns(&st, "empty");
    ck_assert_int_eq(st, 404);
    ck_assert_str_eq(at(j, "message"), "namespaces \"empty\" not found");
    json_object_put(j);
}
END_TEST

START_TEST(finalize_changes_spec_finalizers_only)
{
    int st;
    json_object_put(req(&st, "POST", "/api/v1/namespaces",
        "{\"metadata\":{\"name\":\"f\"},\"spec\":{\"finalizers\":[\"example.com/a\"]}}"));
    ck_assert_int_eq(st, 201);
    /* On an active namespace it just edits the list; labels and status in the body are ignored. */
    struct json_object *j = finalize(&st, "f", "[\"example.com/a\"]");
    ck_assert_int_eq(st, 200);
    ck_assert_uint_eq(len_at(j, "spec.finalizers"), 1);
    ck_assert_ptr_null(at(j, "metadata.labels.sneaky"));
    ck_assert_str_eq(at(j, "metadata.labels.kubernetes\\.io/metadata\\.name"), "f");
    json_object_put(j);
    expect(200, "DELETE", "/api/v1/namespaces/f", NULL);
    /* One finalizer left: still there. */
    j = finalize(&st, "f", "[\"kubernetes\"]");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(at(j, "status.phase"), "Terminating");
    json_object_put(j);
    j = get_ns(&st, "f");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(at(j, "spec.finalizers[0]"), "kubernetes");
    json_object_put(j);
    /* The finalize subresource names the bad entry. */
    j = finalize(&st, "f", "[\"kubernetes\",\"bad name\"]");
    ck_assert_int_eq(st, 422);
    ck_assert_str_eq(at(j, "reason"), "Invalid");
    ck_assert_ptr_nonnull(strstr(at(j, "message"), "spec.finalizers[1]: Invalid value: \"bad name\""));
    json_object_put(j);
    /* Only PUT. */
    expect(405, "PATCH", "/api/v1/namespaces/f/finalize", "{}");
    expect(404, "PUT", "/api/v1/namespaces/nowhere/finalize", "{\"metadata\":{\"name\":\"nowhere\"},\"spec\":{}}");
    json_object_put(finalize(&st, "f", "[]"));
    json_object_put(get_ns(&st, "f"));
    ck_assert_int_eq(st, 404);
}
END_TEST

START_TEST(metadata_finalizers_hold_a_finalized_namespace)
{
    int st;
    json_object_put(req(&st, "POST", "/api/v1/namespaces",
        "{\"metadata\":{\"name\":\"m\",\"finalizers\":[\"example.com/meta\"]}}"));
    ck_assert_int_eq(st, 201);
    expect(200, "DELETE", "/api/v1/namespaces/m", NULL);
    json_object_put(finalize(&st, "m", "[]"));
    ck_assert_int_eq(st, 200);
    struct json_object *j = get_ns(&st, "m");
    ck_assert_int_eq(st, 200);
    ck_assert_uint_eq(len_at(j, "spec.finalizers"), 0);
    /* Dropping the last metadata finalizer through an update removes it. */
    char body[1024];
    snprintf(body, sizeof(body), "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"m\","
        "\"resourceVersion\":\"%s\",\"finalizers\":[]}}", at(j, "metadata.resourceVersion"));
    json_object_put(j);
    expect(200, "PUT", "/api/v1/namespaces/m", body);
    json_object_put(get_ns(&st, "m"));
    ck_assert_int_eq(st, 404);
}
END_TEST

START_TEST(no_new_content_in_a_terminating_namespace)
{
    create_ns("team");
    create_cm("team", "before");
    expect(200, "DELETE", "/api/v1/namespaces/team", NULL);
    int st;
    struct json_object *j = req(&st, "POST", "/api/v1/namespaces/team/configmaps",
        "{\"metadata\":{\"name\":\"d\"}}");
    ck_assert_int_eq(st, 403);
    ck_assert_str_eq(at(j, "kind"), "Status");
    ck_assert_str_eq(at(j, "reason"), "Forbidden");
    ck_assert_str_eq(at(j, "message"),
        "configmaps \"d\" is forbidden: unable to create new content in namespace team because it is being terminated");
    ck_assert_str_eq(at(j, "details.name"), "d");
    ck_assert_str_eq(at(j, "details.kind"), "configmaps");
    ck_assert_uint_eq(len_at(j, "details.causes"), 1);
    ck_assert_str_eq(at(j, "details.causes[0].reason"), "NamespaceTerminating");
    ck_assert_str_eq(at(j, "details.causes[0].message"), "namespace team is being terminated");
    ck_assert_str_eq(at(j, "details.causes[0].field"), "metadata.namespace");
    json_object_put(j);
    /* Admission comes before names are generated and objects validated. */
    j = req(&st, "POST", "/api/v1/namespaces/team/configmaps", "{\"metadata\":{\"generateName\":\"gen-\"}}");
    ck_assert_int_eq(st, 403);
    ck_assert_str_eq(at(j, "message"),
        "configmaps \"gen-\" is forbidden: unable to create new content in namespace team because it is being terminated");
    json_object_put(j);
    j = req(&st, "POST", "/api/v1/namespaces/team/configmaps", "{\"metadata\":{\"name\":\"Not_Valid\"}}");
    ck_assert_int_eq(st, 403);
    json_object_put(j);
    /* A group's kind is named with its group. */
    j = req(&st, "POST", "/apis/apps/v1/namespaces/team/deployments",
        "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"b\"}},"
        "\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}}}");
    ck_assert_int_eq(st, 403);
    ck_assert_str_eq(at(j, "message"), "deployments.apps \"web\" is forbidden: unable to create new content in "
        "namespace team because it is being terminated");
    ck_assert_str_eq(at(j, "details.group"), "apps");
    json_object_put(j);
    /* What is there can still be read, changed and deleted. */
    expect(200, "GET", "/api/v1/namespaces/team/configmaps/before", NULL);
    expect(200, "PUT", "/api/v1/namespaces/team/configmaps/before",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"before\"},\"data\":{\"k\":\"v\"}}");
    expect(200, "DELETE", "/api/v1/namespaces/team/configmaps/before", NULL);
    /* A missing namespace is still NotFound. */
    j = req(&st, "POST", "/api/v1/namespaces/nowhere/configmaps", "{\"metadata\":{\"name\":\"d\"}}");
    ck_assert_int_eq(st, 404);
    ck_assert_str_eq(at(j, "message"), "namespaces \"nowhere\" not found");
    json_object_put(j);
}
END_TEST

START_TEST(immortal_namespaces_cannot_be_deleted)
{
    static const char *const names[] = { "default", "kube-system", "kube-public" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char target[128], msg[256];
        snprintf(target, sizeof(target), "/api/v1/namespaces/%s", names[i]);
        snprintf(msg, sizeof(msg), "namespaces \"%s\" is forbidden: this namespace may not be deleted", names[i]);
        int st;
        struct json_object *j = req(&st, "DELETE", target, NULL);
        ck_assert_int_eq(st, 403);
        ck_assert_str_eq(at(j, "reason"), "Forbidden");
        ck_assert_str_eq(at(j, "message"), msg);
        ck_assert_str_eq(at(j, "details.name"), names[i]);
        ck_assert_str_eq(at(j, "details.kind"), "namespaces");
        json_object_put(j);
        j = req(&st, "GET", target, NULL);
        ck_assert_int_eq(st, 200);
        ck_assert_ptr_null(at(j, "metadata.deletionTimestamp"));
        ck_assert_str_eq(at(j, "status.phase"), "Active");
        json_object_put(j);
    }
    /* kube-node-lease is not immortal in Kubernetes 1.32. */
    expect(200, "DELETE", "/api/v1/namespaces/kube-node-lease", NULL);
}
END_TEST

START_TEST(delete_honours_preconditions_and_dry_run)
{
    create_ns("p");
    expect(409, "DELETE", "/api/v1/namespaces/p", "{\"preconditions\":{\"uid\":\"nope\"}}");
    expect(200, "DELETE", "/api/v1/namespaces/p?dryRun=All", NULL);
    int st;
    struct json_object *j = get_ns(&st, "p");
    ck_assert_str_eq(at(j, "status.phase"), "Active");
    json_object_put(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("namespace");
    TCase *tc = tcase_create("namespace");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, create_adds_the_kubernetes_finalizer);
    tcase_add_test(tc, delete_marks_terminating_and_keeps_the_namespace);
    tcase_add_test(tc, finalize_changes_spec_finalizers_only);
    tcase_add_test(tc, metadata_finalizers_hold_a_finalized_namespace);
    tcase_add_test(tc, no_new_content_in_a_terminating_namespace);
    tcase_add_test(tc, immortal_namespaces_cannot_be_deleted);
    tcase_add_test(tc, delete_honours_preconditions_and_dry_run);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
