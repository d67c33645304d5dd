/*
 * The namespace and ServiceAccount controllers against an API server on a
 * memory store that never listens, through the in-process client, on a
 * fake clock, driven by k8sc_controller_process: a namespace being
 * deleted loses its configmaps, secrets, service accounts, pods (after
 * their grace period) and custom resources (one at a time where the
 * resource has no deletecollection), waits for finalizers while its
 * status conditions say what remains, then goes; the default
 * ServiceAccount appears in active namespaces and comes back when deleted.
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
static k8sc_registry *registry;
static k8sc_clock *clk;
static k8sc_apiserver *srv;
static k8sc_client *client;
static k8sc_controller *ctl;

static void setup(void)
{
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    ck_assert_int_eq(k8sc_registry_new(&registry), 0);
    /* A custom resource without deletecollection, so that the controller deletes its objects one by one. */
    static const char *const verbs[] = { "create", "delete", "get", "list", "patch", "update", "watch", NULL };
    k8sc_resource_def def = K8SC_RESOURCE_DEF_INIT;
    def.group = "example.com";
    def.api_version = "v1";
    def.kind = "Widget";
    def.plural = "widgets";
    def.namespaced = true;
    def.verbs = verbs;
    ck_assert_int_eq(k8sc_registry_add(registry, &def), 0);
    ck_assert_int_eq(k8sc_clock_fake_new(&clk, 1700000000 * SEC), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.store = store;
    o.registry = registry;
    o.clock = clk;
    ck_assert_msg(k8sc_apiserver_new(&srv, &o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_client_new_in_process(&client, srv) == 0, "%s", k8sc_error_last());
}

static void teardown(void)
{
    k8sc_controller_free(ctl);
    k8sc_client_free(client);
    k8sc_apiserver_free(srv);
    k8sc_clock_free(clk);
    k8sc_registry_free(registry);
    k8sc_store_close(store);
    ctl = NULL;
}

static void start(int (*new_fn)(k8sc_controller **, k8sc_client *, const k8sc_builtin_options *))
{
    k8sc_builtin_options bo = K8SC_BUILTIN_OPTIONS_INIT;
    bo.clock = clk;
    ck_assert_int_eq(new_fn(&ctl, client, &bo), 0);
}

static void create(const char *json)
{
    k8sc_object *obj = NULL;
    ck_assert_msg(k8sc_object_from_json(&obj, json, strlen(json)) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_client_create(NULL, client, obj) == 0, "%s: %s", json, k8sc_error_last());
    k8sc_object_free(obj);
}

static void create_ns(const char *name)
{
    char json[256];
    snprintf(json, sizeof(json), "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\"}}", name);
    create(json);
}

/* The object, or NULL when it does not exist. */
static k8sc_object *get(const char *av, const char *kind, const char *ns, const char *name)
{
    k8sc_object *obj = NULL;
    int rc = k8sc_client_get(&obj, client, av, kind, ns, name);
    ck_assert_msg(rc == 0 || rc == K8SC_ENOTFOUND, "%s", k8sc_error_last());
    return obj;
}

static bool exists(const char *av, const char *kind, const char *ns, const char *name)
{
    k8sc_object *obj = get(av, kind, ns, name);
    k8sc_object_free(obj);
    return obj != NULL;
}

/* One turn of a host loop: wait for the controller's fd (at most 10 ms), then process. */
static void turn(void)
{
    struct pollfd p = { k8sc_controller_fd(ctl), POLLIN, 0 };
    int t = k8sc_controller_next_timeout_ms(ctl);
    poll(&p, 1, t < 0 || t > 10 ? 10 : t);
    ck_assert_int_ge(k8sc_controller_process(ctl), 0);
}

/* Turn until the object's existence is `want` (bounded). */
static void settle(const char *av, const char *kind, const char *ns, const char *name, bool want)
{
    for (int i = 0; i < 300 && exists(av, kind, ns, name) != want; i++)
        turn();
    ck_assert_msg(exists(av, kind, ns, name) == want, "%s %s/%s never %s", kind, ns, name, want ? "appeared" : "went");
}

/* A few turns with nothing expected to change. */
static void idle(void)
{
    for (int i = 0; i < 20; i++)
        turn();
}

/* The condition `type` of namespace `ns`: its status and message copied into the buffers. */
static void condition(const char *ns, const char *type, char *status, char *message, size_t size)
{
    k8sc_object *obj = get("v1", "Namespace", "", ns);
    ck_assert_ptr_nonnull(obj);
    struct json_object *conds = k8sc_object_get(obj, "status.conditions");
    status[0] = message[0] = '\0';
    for (size_t i = 0; json_object_is_type(conds, json_type_array) && i < json_object_array_length(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        if (strcmp(json_object_get_string(json_object_object_get(c, "type")), type) != 0)
            continue;
        snprintf(status, size, "%s", json_object_get_string(json_object_object_get(c, "status")));
        snprintf(message, size, "%s", json_object_get_string(json_object_object_get(c, "message")));
    }
    k8sc_object_free(obj);
}

static void expect_condition(const char *ns, const char *type, const char *status, const char *message)
{
    char st[64], msg[1024];
    condition(ns, type, st, msg, sizeof(msg));
    ck_assert_msg(strcmp(st, status) == 0 && strcmp(msg, message) == 0, "%s: %s %s, want %s %s", type, st, msg, status,
        message);
}

static void bind_pod(const char *ns, const char *name, const char *node)
{
    char path[256], body[512];
    snprintf(body, sizeof(body), "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"%s\"},"
        "\"target\":{\"kind\":\"Node\",\"name\":\"%s\"}}", name, node);
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/binding", ns, name);
    ck_assert_int_eq(k8sc_client_request(NULL, NULL, client, "POST", path, "application/json", body, strlen(body)), 0);
}

START_TEST(deletes_content_waits_for_finalizers_then_the_namespace)
{
    start(k8sc_namespace_controller_new);
    ck_assert_str_eq(k8sc_controller_name(ctl), "namespace-controller");
    create_ns("doomed");
    create_ns("bystander");
    create("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"namespace\":\"doomed\"}}");
    create("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"b\",\"namespace\":\"doomed\"}}");
    create("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"namespace\":\"bystander\"}}");
    create("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\",\"namespace\":\"doomed\"}}");
    create("{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"robot\",\"namespace\":\"doomed\"}}");
    create("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"doomed\"},"
           "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
    bind_pod("doomed", "p", "n1");
    create("{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\",\"namespace\":\"doomed\"}}");
    create("{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"held\",\"namespace\":\"doomed\","
           "\"finalizers\":[\"example.com/hold\"]}}");
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "Namespace", "", "doomed", NULL), 0);

    /* The controller waits 5 s after the delete before it touches anything. */
    idle();
    ck_assert(exists("v1", "ConfigMap", "doomed", "a"));
    ck_assert_int_eq(k8sc_clock_fake_advance(clk, 5 * SEC), 0);
    settle("v1", "ConfigMap", "doomed", "a", false);
    settle("example.com/v1", "Widget", "doomed", "w", false);
    ck_assert(!exists("v1", "ConfigMap", "doomed", "b"));
    ck_assert(!exists("v1", "Secret", "doomed", "s"));
    ck_assert(!exists("v1", "ServiceAccount", "doomed", "robot"));
    ck_assert(exists("v1", "ConfigMap", "bystander", "a"));

    /* The bound pod terminates gracefully (30 s) and the widget waits for its finalizer. */
    k8sc_object *pod = get("v1", "Pod", "doomed", "p");
    ck_assert_ptr_nonnull(pod);
    ck_assert(k8sc_object_has(pod, "metadata.deletionTimestamp"));
    k8sc_object_free(pod);
    k8sc_object *held = get("example.com/v1", "Widget", "doomed", "held");
    ck_assert_ptr_nonnull(held);
    ck_assert(k8sc_object_has(held, "metadata.deletionTimestamp"));
    k8sc_object_free(held);
    idle();
    expect_condition("doomed", "NamespaceContentRemaining", "True",
        "Some resources are remaining: pods. has 1 resource instances, widgets.example.com has 1 resource instances");
    expect_condition("doomed", "NamespaceFinalizersRemaining", "True",
        "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances");
    expect_condition("doomed", "NamespaceDeletionDiscoveryFailure", "False", "All resources successfully discovered");
    expect_condition("doomed", "NamespaceDeletionGroupVersionParsingFailure", "False",
        "All legacy kube types successfully parsed");
    expect_condition("doomed", "NamespaceDeletionContentFailure", "False",
        "All content successfully deleted, may be waiting on finalization");
    k8sc_object *ns = get("v1", "Namespace", "", "doomed");
    ck_assert_str_eq(k8sc_object_get_string(ns, "status.phase"), "Terminating");
    ck_assert_str_eq(k8sc_object_get_string(ns, "spec.finalizers[0]"), "kubernetes");
    k8sc_object_free(ns);
    /* Requeued after half the pods' grace period plus one second, not before. */
    int t = k8sc_controller_next_timeout_ms(ctl);
    ck_assert_int_gt(t, 15000);
    ck_assert_int_le(t, 16000);

    /* Past the grace period a pod that is still there (no kubelet confirmed) is an error. */
    ck_assert_int_eq(k8sc_clock_fake_advance(clk, 31 * SEC), 0);
    idle();
    expect_condition("doomed", "NamespaceDeletionContentFailure", "True",
        "Failed to delete all resource types, 1 remaining: unexpected items still remain in namespace: doomed for "
        "gvr: /v1, Resource=pods");
    ck_assert_uint_ge(k8sc_workqueue_num_requeues(k8sc_controller_queue(ctl), "doomed"), 1);

    /* The kubelet's final delete: only the finalizer holds the namespace now. */
    k8sc_delete_options dopts = K8SC_DELETE_OPTIONS_INIT;
    dopts.grace_period_seconds = 0;
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "Pod", "doomed", "p", &dopts), 0);
    ck_assert_int_eq(k8sc_clock_fake_advance(clk, 60 * SEC), 0);
    idle();
    expect_condition("doomed", "NamespaceDeletionContentFailure", "False",
        "All content successfully deleted, may be waiting on finalization");
    expect_condition("doomed", "NamespaceContentRemaining", "True",
        "Some resources are remaining: widgets.example.com has 1 resource instances");
    ck_assert(exists("v1", "Namespace", "", "doomed"));

    /* The finalizer goes, so does the widget, then the namespace. */
    held = get("example.com/v1", "Widget", "doomed", "held");
    ck_assert_int_eq(k8sc_finalizer_remove(NULL, client, held, "example.com/hold"), 0);
    k8sc_object_free(held);
    ck_assert(!exists("example.com/v1", "Widget", "doomed", "held"));
    ck_assert_int_eq(k8sc_clock_fake_advance(clk, 8 * SEC), 0);
    settle("v1", "Namespace", "", "doomed", false);
    ck_assert(exists("v1", "Namespace", "", "bystander"));
}
END_TEST

START_TEST(other_spec_finalizers_keep_the_namespace)
{
    start(k8sc_namespace_controller_new);
    create("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"shared\"},"
           "\"spec\":{\"finalizers\":[\"example.com/other\"]}}");
    create("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"namespace\":\"shared\"}}");
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "Namespace", "", "shared", NULL), 0);
    ck_assert_int_eq(k8sc_clock_fake_advance(clk, 5 * SEC), 0);
    settle("v1", "ConfigMap", "shared", "a", false);
    for (int i = 0; i < 300; i++) {
        k8sc_object *ns = get("v1", "Namespace", "", "shared");
        ck_assert_ptr_nonnull(ns);
        struct json_object *f = k8sc_object_get(ns, "spec.finalizers");
        size_t n = json_object_array_length(f);
        k8sc_object_free(ns);
        if (n == 1)
            break;
        turn();
    }
    /* "kubernetes" is removed, the other controller's finalizer stays, and so does the namespace. */
    k8sc_object *ns = get("v1", "Namespace", "", "shared");
    ck_assert_ptr_nonnull(ns);
    ck_assert_str_eq(k8sc_object_get_string(ns, "spec.finalizers[0]"), "example.com/other");
    ck_assert_uint_eq(json_object_array_length(k8sc_object_get(ns, "spec.finalizers")), 1);
    k8sc_object_free(ns);
    expect_condition("shared", "NamespaceContentRemaining", "False", "All content successfully removed");
    expect_condition("shared", "NamespaceFinalizersRemaining", "False", "All content-preserving finalizers finished");
}
END_TEST

START_TEST(active_namespaces_get_a_default_service_account)
{
    start(k8sc_serviceaccount_controller_new);
    ck_assert_str_eq(k8sc_controller_name(ctl), "serviceaccount-controller");
    settle("v1", "ServiceAccount", "default", "default", true);
    settle("v1", "ServiceAccount", "kube-system", "default", true);
    create_ns("fresh");
    settle("v1", "ServiceAccount", "fresh", "default", true);
    /* Deleted: it comes back (a new object). */
    k8sc_object *sa = get("v1", "ServiceAccount", "fresh", "default");
    char *uid = strdup(k8sc_object_uid(sa));
    k8sc_object_free(sa);
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "ServiceAccount", "fresh", "default", NULL), 0);
    settle("v1", "ServiceAccount", "fresh", "default", true);
    sa = get("v1", "ServiceAccount", "fresh", "default");
    ck_assert_str_ne(k8sc_object_uid(sa), uid);
    k8sc_object_free(sa);
    free(uid);
    /* Others are left alone. */
    create("{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"robot\",\"namespace\":\"fresh\"}}");
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "ServiceAccount", "fresh", "robot", NULL), 0);
    idle();
    ck_assert(!exists("v1", "ServiceAccount", "fresh", "robot"));
    /* Nothing is created in a terminating namespace. */
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "Namespace", "", "fresh", NULL), 0);
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "ServiceAccount", "fresh", "default", NULL), 0);
    idle();
    ck_assert(!exists("v1", "ServiceAccount", "fresh", "default"));
    ck_assert_uint_eq(k8sc_workqueue_num_requeues(k8sc_controller_queue(ctl), "fresh"), 0);
}
END_TEST

/* Both controllers on one shared factory, driven by the host. */
START_TEST(together_on_a_shared_factory)
{
    k8sc_informer_factory *f;
    k8sc_controller *sa_ctl;
    ck_assert_int_eq(k8sc_informer_factory_new(&f, client, NULL), 0);
    k8sc_builtin_options bo = K8SC_BUILTIN_OPTIONS_INIT;
    bo.clock = clk;
    bo.factory = f;
    ck_assert_int_eq(k8sc_namespace_controller_new(&ctl, client, &bo), 0);
    ck_assert_int_eq(k8sc_serviceaccount_controller_new(&sa_ctl, client, &bo), 0);
    create_ns("brief");
    bool gone = false, had_sa = false;
    for (int i = 0; i < 400 && !gone; i++) {
        ck_assert_int_ge(k8sc_informer_factory_process(f), 0);
        ck_assert_int_ge(k8sc_controller_process(sa_ctl), 0);
        ck_assert_int_ge(k8sc_controller_process(ctl), 0);
        if (!had_sa && exists("v1", "ServiceAccount", "brief", "default")) {
            had_sa = true;
            ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "Namespace", "", "brief", NULL), 0);
            ck_assert_int_eq(k8sc_clock_fake_advance(clk, 5 * SEC), 0);
        }
        gone = had_sa && !exists("v1", "Namespace", "", "brief");
        poll(NULL, 0, 5);
    }
    /* The default ServiceAccount was made, then deleted with the namespace and not made again. */
    ck_assert(had_sa);
    ck_assert(gone);
    ck_assert(!exists("v1", "ServiceAccount", "brief", "default"));
    k8sc_controller_free(sa_ctl);
    k8sc_controller_free(ctl);
    ctl = NULL;
    k8sc_informer_factory_free(f);
}
END_TEST

/* On the controllers' own threads: the ServiceAccount appears, then the namespace goes. */
START_TEST(started_on_threads)
{
    k8sc_controller *sa_ctl;
    k8sc_builtin_options bo = K8SC_BUILTIN_OPTIONS_INIT;
    bo.clock = clk;
    bo.workers = 2;
    ck_assert_int_eq(k8sc_serviceaccount_controller_new(&sa_ctl, client, &bo), 0);
    ck_assert_int_eq(k8sc_namespace_controller_new(&ctl, client, &bo), 0);
    ck_assert_int_eq(k8sc_controller_start(sa_ctl), 0);
    ck_assert_int_eq(k8sc_controller_start(ctl), 0);
    create_ns("threaded");
    /* The fake clock moves too, so that informer back-offs end. */
    for (int i = 0; i < 500 && !exists("v1", "ServiceAccount", "threaded", "default"); i++) {
        poll(NULL, 0, 10);
        k8sc_clock_fake_advance(clk, SEC / 10);
    }
    ck_assert(exists("v1", "ServiceAccount", "threaded", "default"));
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "Namespace", "", "threaded", NULL), 0);
    /* Past the 5 s the controller waits after a delete (its requeue is due on the fake clock). */
    ck_assert_int_eq(k8sc_clock_fake_advance(clk, 6 * SEC), 0);
    for (int i = 0; i < 500 && exists("v1", "Namespace", "", "threaded"); i++) {
        k8sc_workqueue_process(k8sc_controller_queue(ctl));
        poll(NULL, 0, 10);
        k8sc_clock_fake_advance(clk, SEC / 10);
    }
    ck_assert(!exists("v1", "Namespace", "", "threaded"));
    k8sc_controller_stop(ctl);
    k8sc_controller_stop(sa_ctl);
    k8sc_controller_free(sa_ctl);
}
END_TEST

START_TEST(bad_arguments)
{
    k8sc_controller *c = NULL;
    ck_assert_int_eq(k8sc_namespace_controller_new(NULL, client, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_namespace_controller_new(&c, NULL, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_serviceaccount_controller_new(&c, NULL, NULL), K8SC_EINVAL);
    k8sc_builtin_options bo = K8SC_BUILTIN_OPTIONS_INIT;
    bo.version = 99;
    ck_assert_int_eq(k8sc_serviceaccount_controller_new(&c, client, &bo), K8SC_EINVAL);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(k8sc_namespace_controller_new(&c, client, NULL), 0);
    k8sc_controller_free(c);
    ck_assert_int_eq(k8sc_serviceaccount_controller_new(&c, client, NULL), 0);
    k8sc_controller_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nscontroller");
    TCase *tc = tcase_create("nscontroller");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, deletes_content_waits_for_finalizers_then_the_namespace);
    tcase_add_test(tc, other_spec_finalizers_keep_the_namespace);
    tcase_add_test(tc, active_namespaces_get_a_default_service_account);
    tcase_add_test(tc, together_on_a_shared_factory);
    tcase_add_test(tc, started_on_threads);
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
