/*
 * The client through its in-process transport: an API server that never
 * listens (memory store, fake clock) serves every request through
 * k8sc_apiserver_handle. CRUD, paging and selectors, Status errors,
 * delete propagation, discovery, watches (resume, 410, timeouts, the end
 * of the stream, a host loop polling k8sc_watch_fd) and threads.
 */
#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/codec.h"
#include "k8sc/core.h"
#include "k8sc/store.h"
#include "testutil.h"

#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2023-11-14T22:13:20Z */
#define FAKE_EPOCH_NS (1700000000LL * 1000000000LL)

static k8sc_store *store;
static k8sc_registry *registry;
static k8sc_clock *clk;
static k8sc_apiserver *srv;
static k8sc_client *client;

static void setup(void)
{
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    ck_assert_int_eq(k8sc_registry_new(&registry), 0);
    ck_assert_int_eq(k8sc_clock_fake_new(&clk, FAKE_EPOCH_NS), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.store = store;
    o.registry = registry;
    o.clock = clk;
    ck_assert_msg(k8sc_apiserver_new(&srv, &o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_client_new_in_process(&client, srv) == 0, "%s", k8sc_error_last());
}

static void teardown(void)
{
    k8sc_client_free(client);
    k8sc_apiserver_free(srv);
    k8sc_clock_free(clk);
    k8sc_registry_free(registry);
    k8sc_store_close(store);
    client = NULL;
    srv = NULL;
    clk = NULL;
    registry = NULL;
    store = NULL;
}

static k8sc_object *parse(const char *json)
{
    k8sc_object *obj = NULL;
    ck_assert_msg(k8sc_object_from_json(&obj, json, strlen(json)) == 0, "%s", k8sc_error_last());
    return obj;
}

static k8sc_object *configmap(const char *name, const char *app, const char *value)
{
    char json[512];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\",\"labels\":{\"app\":\"%s\"}},"
        "\"data\":{\"k\":\"%s\"}}",
        name, app, value);
    return parse(json);
}

static void create_cm(const char *name, const char *app)
{
    k8sc_object *cm = configmap(name, app, "v");
    ck_assert_msg(k8sc_client_create(NULL, client, cm) == 0, "%s", k8sc_error_last());
    k8sc_object_free(cm);
}

static size_t item_count(const k8sc_object *list)
{
    struct json_object *items = k8sc_object_get(list, "items");
    return items ? json_object_array_length(items) : 0;
}

/* The list's resourceVersion, copied into `buf`. */
static const char *list_rv(char *buf, size_t size)
{
    k8sc_object *list = NULL;
    ck_assert_int_eq(k8sc_client_list(&list, client, "v1", "ConfigMap", NULL, NULL), 0);
    snprintf(buf, size, "%s", k8sc_object_get_string(list, "metadata.resourceVersion"));
    k8sc_object_free(list);
    return buf;
}

static double now_s(void)
{
    return (double)k8sc_clock_mono(NULL) / 1e9;
}

START_TEST(test_config_and_options)
{
    /* Nothing listens: every request below goes through the handler. */
    ck_assert_int_eq(k8sc_apiserver_port(srv), 0);
    k8sc_client_config *cfg = k8sc_client_get_config(client);
    ck_assert_ptr_nonnull(cfg);
    ck_assert_str_eq(k8sc_client_config_server(cfg), "inproc://");
    ck_assert_str_eq(k8sc_client_config_namespace(cfg), "default");
    ck_assert_str_eq(k8sc_client_namespace(client), "default");

    /* Through the options: the server wins over a configuration, the namespace override applies. */
    k8sc_client_config *url_cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_url(&url_cfg, "http://127.0.0.1:1"), 0);
    k8sc_client_options o;
    ck_assert_int_eq(k8sc_client_options_init(&o, K8SC_CLIENT_OPTIONS_VERSION), 0);
    ck_assert_ptr_null(o.apiserver);
    o.apiserver = srv;
    o.config = url_cfg;
    o.overrides.namespace_ = "kube-system";
    k8sc_client *c = NULL;
    ck_assert_msg(k8sc_client_new(&c, &o) == 0, "%s", k8sc_error_last());
    k8sc_client_config_free(url_cfg);
    ck_assert_str_eq(k8sc_client_namespace(c), "kube-system");
    k8sc_object *cm = configmap("sys", "x", "v"), *created = NULL;
    ck_assert_msg(k8sc_client_create(&created, c, cm) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(k8sc_object_namespace(created), "kube-system");
    /* The fake clock stamps the object. */
    ck_assert_str_eq(k8sc_object_get_string(created, "metadata.creationTimestamp"), "2023-11-14T22:13:20Z");
    k8sc_object_free(cm);
    k8sc_object_free(created);
    k8sc_client_free(c);

    ck_assert_int_eq(k8sc_client_new_in_process(NULL, srv), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_client_new_in_process(&c, NULL), K8SC_EINVAL);

    /* A caller built against version 1 has no `apiserver` field: whatever follows its structure is not read. */
    k8sc_client_options v1;
    memset(&v1, 0xA5, sizeof(v1));
    ck_assert_int_eq(k8sc_client_options_init(&v1, 1), 0);
    ck_assert_uint_eq(v1.version, 1);
    ck_assert_int_eq(k8sc_client_config_from_url(&url_cfg, "http://127.0.0.1:1"), 0);
    v1.config = url_cfg;
    ck_assert_msg(k8sc_client_new(&c, &v1) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(k8sc_client_config_server(k8sc_client_get_config(c)), "http://127.0.0.1:1");
    k8sc_client_free(c);
    k8sc_client_config_free(url_cfg);
    ck_assert_int_eq(k8sc_client_options_init(&v1, K8SC_CLIENT_OPTIONS_VERSION + 1), K8SC_EINVAL);
}
END_TEST

START_TEST(test_update_status)
{
    k8sc_object *d = parse("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
                           "\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"a\":\"b\"}},\"template\":{"
                           "\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}}}");
    k8sc_object *created = NULL, *written = NULL;
    ck_assert_int_eq(k8sc_client_create(&created, client, d), 0);
    /* Through /status only the status changes: the spec edit in the same object is ignored. */
    ck_assert_int_eq(k8sc_object_set_int(created, "status.replicas", 7), 0);
    ck_assert_int_eq(k8sc_object_set_int(created, "spec.replicas", 9), 0);
    ck_assert_msg(k8sc_client_update_status(&written, client, created) == 0, "%s", k8sc_error_last());
    int64_t v = 0;
    ck_assert_int_eq(k8sc_object_get_int(written, "status.replicas", &v), 0);
    ck_assert_int_eq(v, 7);
    ck_assert_int_eq(k8sc_object_get_int(written, "spec.replicas", &v), 0);
    ck_assert_int_eq(v, 2);
    /* The stale resourceVersion now conflicts. */
    ck_assert_int_eq(k8sc_client_update_status(NULL, client, created), K8SC_ECONFLICT);
    /* The built-in kind macros name apiVersion and kind at once. */
    k8sc_object *again = NULL;
    ck_assert_int_eq(k8sc_client_get(&again, client, K8SC_DEPLOYMENT, "default", "web"), 0);
    ck_assert_str_eq(k8sc_object_uid(again), k8sc_object_uid(created));
    k8sc_object_free(again);
    /* A kind without the subresource. */
    k8sc_object *cm = configmap("nostatus", "x", "v"), *cmc = NULL;
    ck_assert_int_eq(k8sc_client_create(&cmc, client, cm), 0);
    ck_assert_int_eq(k8sc_client_update_status(NULL, client, cmc), K8SC_ENOTFOUND);
    k8sc_object_free(cm);
    k8sc_object_free(cmc);
    k8sc_object_free(d);
    k8sc_object_free(created);
    k8sc_object_free(written);
}
END_TEST

START_TEST(test_crud_patch_conflict)
{
    k8sc_object *cm = configmap("cfg", "web", "one"), *created = NULL, *got = NULL, *updated = NULL;
    ck_assert_msg(k8sc_client_create(&created, client, cm) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(k8sc_object_namespace(created), "default");
    ck_assert_ptr_nonnull(k8sc_object_uid(created));
    ck_assert_int_eq(k8sc_client_get(&got, client, "v1", "ConfigMap", NULL, "cfg"), 0);
    ck_assert_str_eq(k8sc_object_get_string(got, "data.k"), "one");
    ck_assert_str_eq(k8sc_object_resource_version(got), k8sc_object_resource_version(created));

    ck_assert_int_eq(k8sc_object_set_string(got, "data.k", "two"), 0);
    ck_assert_msg(k8sc_client_update(&updated, client, got) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(k8sc_object_get_string(updated, "data.k"), "two");
    ck_assert_str_ne(k8sc_object_resource_version(updated), k8sc_object_resource_version(created));
    /* A successful call clears the last Status. */
    ck_assert_ptr_null(k8sc_client_last_status());

    ck_assert_int_eq(k8sc_object_set_string(created, "data.k", "stale"), 0);
    ck_assert_int_eq(k8sc_client_update(NULL, client, created), K8SC_ECONFLICT);
    ck_assert_msg(strstr(k8sc_error_last(), "the object has been modified") != NULL, "%s", k8sc_error_last());
    ck_assert_str_eq(k8sc_object_get_string(k8sc_client_last_status(), "reason"), "Conflict");

    static const struct {
        k8sc_patch_type type;
        const char *patch;
        const char *key, *want;
    } patches[] = {
        { K8SC_PATCH_MERGE, "{\"data\":{\"k\":\"merged\"}}", "data.k", "merged" },
        { K8SC_PATCH_MERGE, "{\"metadata\":{\"labels\":{\"tier\":\"front\"}}}", "metadata.labels.tier", "front" },
        { K8SC_PATCH_STRATEGIC, "{\"data\":{\"k\":\"strategic\"}}", "data.k", "strategic" },
        { K8SC_PATCH_JSON, "[{\"op\":\"replace\",\"path\":\"/data/k\",\"value\":\"json\"}]", "data.k", "json" },
    };
    for (size_t i = 0; i < sizeof(patches) / sizeof(patches[0]); i++) {
        k8sc_object *p = NULL;
        ck_assert_msg(k8sc_client_patch(&p, client, "v1", "ConfigMap", "default", "cfg", patches[i].type,
                          patches[i].patch) == 0, "patch %zu: %s", i, k8sc_error_last());
        ck_assert_str_eq(k8sc_object_get_string(p, patches[i].key), patches[i].want);
        /* A merge patch keeps what it does not name. */
        ck_assert_str_eq(k8sc_object_get_string(p, "metadata.labels.app"), "web");
        k8sc_object_free(p);
    }
    ck_assert_int_eq(k8sc_client_patch(NULL, client, "v1", "ConfigMap", "default", "cfg", K8SC_PATCH_MERGE, "{oops"),
        K8SC_EINVAL);
    ck_assert_int_eq(k8sc_client_patch(NULL, client, "v1", "ConfigMap", "default", "none", K8SC_PATCH_MERGE, "{}"),
        K8SC_ENOTFOUND);

    k8sc_object_free(cm);
    k8sc_object_free(created);
    k8sc_object_free(got);
    k8sc_object_free(updated);
}
END_TEST

START_TEST(test_delete_propagation)
{
    k8sc_object *created = NULL, *out = NULL, *got = NULL;
    k8sc_object *cm = configmap("fg", "del", "v");
    ck_assert_int_eq(k8sc_client_create(&created, client, cm), 0);
    k8sc_object_free(cm);

    /* Preconditions first: a wrong UID or resourceVersion refuses the delete. */
    k8sc_delete_options d;
    ck_assert_int_eq(k8sc_delete_options_init(&d, K8SC_DELETE_OPTIONS_VERSION), 0);
    d.precondition_uid = "00000000-0000-0000-0000-000000000000";
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "ConfigMap", NULL, "fg", &d), K8SC_ECONFLICT);
    d.precondition_uid = NULL;
    d.precondition_resource_version = "1";
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "ConfigMap", NULL, "fg", &d), K8SC_ECONFLICT);

    /* Foreground and Orphan keep the object, marked, with the garbage collector's finalizer. */
    static const struct {
        const char *name, *policy, *finalizer;
    } kept[] = { { "fg", "Foreground", "foregroundDeletion" }, { "orph", "Orphan", "orphan" } };
    for (size_t i = 0; i < 2; i++) {
        if (i > 0)
            create_cm(kept[i].name, "del");
        k8sc_delete_options o = K8SC_DELETE_OPTIONS_INIT;
        o.propagation_policy = kept[i].policy;
        ck_assert_msg(k8sc_client_delete(&out, client, "v1", "ConfigMap", NULL, kept[i].name, &o) == 0, "%s",
            k8sc_error_last());
        ck_assert_ptr_nonnull(out);
        k8sc_object_free(out);
        ck_assert_int_eq(k8sc_client_get(&got, client, "v1", "ConfigMap", NULL, kept[i].name), 0);
        int64_t ts = 0;
        ck_assert_int_eq(k8sc_object_deletion_timestamp(got, &ts), 0);
        ck_assert_int_eq(ts, FAKE_EPOCH_NS / 1000000000LL);
        ck_assert_msg(k8sc_object_has_finalizer(got, kept[i].finalizer), "%s", kept[i].finalizer);
        k8sc_object_free(got);
    }

    /* Background removes it at once. */
    create_cm("bg", "del");
    d = (k8sc_delete_options)K8SC_DELETE_OPTIONS_INIT;
    d.propagation_policy = "Background";
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "ConfigMap", NULL, "bg", &d), 0);
    ck_assert_int_eq(k8sc_client_get(&got, client, "v1", "ConfigMap", NULL, "bg"), K8SC_ENOTFOUND);
    ck_assert_ptr_null(got);
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "ConfigMap", NULL, "bg", NULL), K8SC_ENOTFOUND);
    d.propagation_policy = "Sideways";
    create_cm("bad", "del");
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "ConfigMap", NULL, "bad", &d), K8SC_EINVAL);
    k8sc_object_free(created);
}
END_TEST

START_TEST(test_status_errors)
{
    create_cm("dup", "x");
    k8sc_object *cm = configmap("dup", "x", "v");
    ck_assert_int_eq(k8sc_client_create(NULL, client, cm), K8SC_EEXISTS);
    ck_assert_str_eq(k8sc_error_last(), "configmaps \"dup\" already exists");
    ck_assert_str_eq(k8sc_object_get_string(k8sc_client_last_status(), "reason"), "AlreadyExists");
    k8sc_object_free(cm);

    cm = configmap("Bad_Name", "x", "v");
    ck_assert_int_eq(k8sc_client_create(NULL, client, cm), K8SC_EINVAL);
    ck_assert_msg(strncmp(k8sc_error_last(), "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value",
                      strlen("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value")) == 0,
        "%s", k8sc_error_last());
    const k8sc_object *st = k8sc_client_last_status();
    ck_assert_str_eq(k8sc_object_get_string(st, "reason"), "Invalid");
    ck_assert_str_eq(k8sc_object_get_string(st, "details.causes[0].field"), "metadata.name");
    ck_assert_int_eq(json_object_get_int(k8sc_object_get(st, "code")), 422);
    k8sc_object_free(cm);

    k8sc_object *out = NULL;
    ck_assert_int_eq(k8sc_client_get(&out, client, "v1", "ConfigMap", NULL, "none"), K8SC_ENOTFOUND);
    ck_assert_str_eq(k8sc_error_last(), "configmaps \"none\" not found");
    ck_assert_ptr_null(out);
    ck_assert_int_eq(k8sc_client_get(&out, client, "v1", "ConfigMap", NULL, "../secrets/x"), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_client_get(&out, client, "v1", "Gadget", NULL, "x"), K8SC_ENOTFOUND);
    ck_assert_str_eq(k8sc_error_last(), "no matches for kind \"Gadget\" in version \"v1\"");

    /* Raw requests: the status and body as over HTTP; messages name the in-process URL. */
    char *body = NULL;
    int status = 0;
    ck_assert_int_eq(k8sc_client_request(&body, &status, client, "GET", "/api/v1/namespaces/default/configmaps/none",
                         NULL, NULL, 0), K8SC_ENOTFOUND);
    ck_assert_int_eq(status, 404);
    ck_assert_ptr_nonnull(strstr(body, "\"NotFound\""));
    k8sc_free(body);
    ck_assert_int_eq(k8sc_client_request(&body, &status, client, "GET", "/version", NULL, NULL, 0), 0);
    ck_assert_int_eq(status, 200);
    ck_assert_ptr_nonnull(strstr(body, "gitVersion"));
    k8sc_free(body);
    ck_assert_int_eq(k8sc_client_request(&body, &status, client, "GET", "/no/such/route", NULL, NULL, 0),
        K8SC_ENOTFOUND);
    ck_assert_int_eq(status, 404);
    k8sc_free(body);
    static const char bad_json[] = "{\"apiVersion\":";
    ck_assert_int_eq(k8sc_client_request(&body, &status, client, "POST", "/api/v1/namespaces/default/configmaps",
                         "application/json", bad_json, strlen(bad_json)), K8SC_EINVAL);
    ck_assert_int_eq(status, 400);
    k8sc_free(body);
    ck_assert_int_eq(k8sc_client_request(NULL, NULL, client, "GET", "no-slash", NULL, NULL, 0), K8SC_EINVAL);
}
END_TEST

START_TEST(test_list_paging_selectors)
{
    const char *names[] = { "a1", "a2", "a3", "a4", "a5", "a6", "a7" };
    for (size_t i = 0; i < 7; i++)
        create_cm(names[i], i < 2 ? "web" : "db");
    static const struct {
        const char *labels, *fields;
        size_t want;
    } cases[] = {
        { NULL, NULL, 7 },
        { "app=web", NULL, 2 },
        { "app in (web,db)", NULL, 7 },
        { "app!=web", NULL, 5 },
        { NULL, "metadata.name=a3", 1 },
        { "app=web", "metadata.name!=a1", 1 },
        { "app=none", NULL, 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        k8sc_list_options o = K8SC_LIST_OPTIONS_INIT;
        o.label_selector = cases[i].labels;
        o.field_selector = cases[i].fields;
        o.limit = 2;
        k8sc_object *list = NULL;
        ck_assert_msg(k8sc_client_list(&list, client, "v1", "ConfigMap", "default", &o) == 0, "%s", k8sc_error_last());
        ck_assert_msg(item_count(list) == cases[i].want, "case %zu: %zu items", i, item_count(list));
        ck_assert_str_eq(k8sc_object_kind(list), "ConfigMapList");
        k8sc_object_free(list);
    }
    k8sc_list_options o = K8SC_LIST_OPTIONS_INIT;
    o.limit = 3;
    k8sc_object *list = NULL;
    ck_assert_int_eq(k8sc_client_list(&list, client, "v1", "ConfigMap", NULL, &o), 0);
    ck_assert_uint_eq(item_count(list), 7);
    ck_assert(!k8sc_object_has(list, "metadata.continue"));
    for (size_t i = 0; i < 7; i++) {
        char path[64];
        snprintf(path, sizeof(path), "items[%zu].metadata.name", i);
        ck_assert_str_eq(k8sc_object_get_string(list, path), names[i]);
    }
    k8sc_object_free(list);

    o.all_pages = false;
    ck_assert_int_eq(k8sc_client_list(&list, client, "v1", "ConfigMap", NULL, &o), 0);
    ck_assert_uint_eq(item_count(list), 3);
    const char *cont = k8sc_object_get_string(list, "metadata.continue");
    ck_assert_ptr_nonnull(cont);
    o.continue_token = cont;
    k8sc_object *page2 = NULL;
    ck_assert_int_eq(k8sc_client_list(&page2, client, "v1", "ConfigMap", NULL, &o), 0);
    ck_assert_uint_eq(item_count(page2), 3);
    ck_assert_str_eq(k8sc_object_get_string(page2, "items[0].metadata.name"), "a4");
    k8sc_object_free(page2);

    /* Once the token's revision is compacted, the next page is gone. */
    int64_t rev = 0;
    ck_assert_int_eq(k8sc_store_revision(&rev, store), 0);
    create_cm("late", "db");
    ck_assert_int_eq(k8sc_store_compact(store, rev + 1), 0);
    ck_assert_int_eq(k8sc_client_list(&page2, client, "v1", "ConfigMap", NULL, &o), K8SC_EGONE);
    ck_assert_ptr_null(page2);
    k8sc_object_free(list);

    k8sc_list_options bad = K8SC_LIST_OPTIONS_INIT;
    bad.label_selector = "app in (";
    ck_assert_int_eq(k8sc_client_list(&list, client, "v1", "ConfigMap", NULL, &bad), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_client_list(&list, client, "v1", "Namespace", "", NULL), 0);
    ck_assert_uint_ge(item_count(list), 4);
    k8sc_object_free(list);
}
END_TEST

START_TEST(test_discovery)
{
    char plural[64];
    bool namespaced = false;
    ck_assert_int_eq(k8sc_client_resolve(client, "apps/v1", "Deployment", plural, sizeof(plural), &namespaced), 0);
    ck_assert_str_eq(plural, "deployments");
    ck_assert(namespaced);
    ck_assert_int_eq(k8sc_client_resolve(client, "v1", "Namespace", plural, sizeof(plural), &namespaced), 0);
    ck_assert_str_eq(plural, "namespaces");
    ck_assert(!namespaced);
    ck_assert_int_eq(k8sc_client_resolve(client, "apps/v1", "Widget", plural, sizeof(plural), &namespaced),
        K8SC_ENOTFOUND);
    ck_assert_str_eq(k8sc_error_last(), "no matches for kind \"Widget\" in version \"apps/v1\"");

    /* A kind the server starts serving is found on the next miss. */
    k8sc_resource_def def;
    ck_assert_int_eq(k8sc_resource_def_init(&def, K8SC_RESOURCE_DEF_VERSION), 0);
    def.group = "example.com";
    def.api_version = "v1";
    def.kind = "Widget";
    def.plural = "widgets";
    def.namespaced = false;
    ck_assert_int_eq(k8sc_registry_add(registry, &def), 0);
    ck_assert_msg(k8sc_client_resolve(client, "example.com/v1", "Widget", plural, sizeof(plural), &namespaced) == 0,
        "%s", k8sc_error_last());
    ck_assert_str_eq(plural, "widgets");
    ck_assert(!namespaced);
    k8sc_client_invalidate_discovery(client);
    ck_assert_int_eq(k8sc_client_resolve(client, "example.com/v1", "Widget", plural, sizeof(plural), &namespaced), 0);
}
END_TEST

START_TEST(test_watch_events_and_resume)
{
    char rv[32];
    k8sc_watch_options wo;
    ck_assert_int_eq(k8sc_watch_options_init(&wo, K8SC_WATCH_OPTIONS_VERSION), 0);
    wo.resource_version = list_rv(rv, sizeof(rv));
    wo.label_selector = "app=watched";
    k8sc_watch *w = NULL;
    ck_assert_msg(k8sc_client_watch(&w, client, "v1", "ConfigMap", NULL, &wo) == 0, "%s", k8sc_error_last());

    k8sc_watch_event_type type;
    k8sc_object *obj = NULL;
    double t0 = now_s();
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 150), K8SC_ETIMEOUT);
    ck_assert_msg(now_s() - t0 >= 0.14, "returned after %.3f s", now_s() - t0);
    ck_assert_msg(strstr(k8sc_error_last(), "inproc://") != NULL, "%s", k8sc_error_last());
    ck_assert_ptr_null(obj);
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 0), K8SC_ETIMEOUT);

    create_cm("other", "unwatched");
    create_cm("w1", "watched");
    ck_assert_int_eq(k8sc_client_patch(NULL, client, "v1", "ConfigMap", NULL, "w1", K8SC_PATCH_MERGE,
                         "{\"data\":{\"k\":\"changed\"}}"), 0);
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "ConfigMap", NULL, "w1", NULL), 0);
    static const struct {
        k8sc_watch_event_type type;
        const char *value;
    } want[] = { { K8SC_WATCH_ADDED, "v" }, { K8SC_WATCH_MODIFIED, "changed" }, { K8SC_WATCH_DELETED, "changed" } };
    char modified_rv[32] = "";
    for (size_t i = 0; i < 3; i++) {
        int rc = k8sc_watch_next(&type, &obj, w, 5000);
        ck_assert_msg(rc == 1, "event %zu: %d %s", i, rc, k8sc_error_last());
        ck_assert_int_eq(type, want[i].type);
        ck_assert_str_eq(k8sc_object_name(obj), "w1");
        ck_assert_str_eq(k8sc_object_get_string(obj, "data.k"), want[i].value);
        if (type == K8SC_WATCH_MODIFIED)
            snprintf(modified_rv, sizeof(modified_rv), "%s", k8sc_object_resource_version(obj));
        k8sc_object_free(obj);
    }
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 0), K8SC_ETIMEOUT);
    k8sc_watch_free(w);

    /* Resuming after the MODIFIED event gives only what came after it. */
    wo.resource_version = modified_rv;
    ck_assert_int_eq(k8sc_client_watch(&w, client, "v1", "ConfigMap", NULL, &wo), 0);
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 5000), 1);
    ck_assert_int_eq(type, K8SC_WATCH_DELETED);
    ck_assert_str_eq(k8sc_object_name(obj), "w1");
    k8sc_object_free(obj);
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 50), K8SC_ETIMEOUT);
    k8sc_watch_free(w);

    /* Opening errors are the server's, mapped. */
    wo.resource_version = "abc";
    ck_assert_int_eq(k8sc_client_watch(&w, client, "v1", "ConfigMap", NULL, &wo), K8SC_EINVAL);
    ck_assert_ptr_null(w);
    ck_assert_str_eq(k8sc_object_get_string(k8sc_client_last_status(), "reason"), "BadRequest");
    wo.resource_version = NULL;
    wo.label_selector = "app in (";
    ck_assert_int_eq(k8sc_client_watch(&w, client, "v1", "ConfigMap", NULL, &wo), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_client_watch(&w, client, "v1", "Gadget", NULL, NULL), K8SC_ENOTFOUND);
    ck_assert_str_eq(k8sc_watch_event_type_name(K8SC_WATCH_MODIFIED), "MODIFIED");
}
END_TEST

START_TEST(test_watch_gone_after_compaction)
{
    char rv[32];
    create_cm("old", "gone");
    list_rv(rv, sizeof(rv));
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(k8sc_client_patch(NULL, client, "v1", "ConfigMap", NULL, "old", K8SC_PATCH_MERGE,
                             i % 2 ? "{\"data\":{\"k\":\"a\"}}" : "{\"data\":{\"k\":\"b\"}}"), 0);
    int64_t now = 0;
    ck_assert_int_eq(k8sc_store_revision(&now, store), 0);
    ck_assert_int_eq(k8sc_store_compact(store, now), 0);

    k8sc_watch_options wo = K8SC_WATCH_OPTIONS_INIT;
    wo.resource_version = rv;
    k8sc_watch *w = NULL;
    ck_assert_msg(k8sc_client_watch(&w, client, "v1", "ConfigMap", NULL, &wo) == 0, "%s", k8sc_error_last());
    k8sc_watch_event_type type;
    k8sc_object *obj = NULL;
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 5000), K8SC_EGONE);
    ck_assert_ptr_null(obj);
    ck_assert_msg(strstr(k8sc_error_last(), "too old resource version") != NULL, "%s", k8sc_error_last());
    const k8sc_object *st = k8sc_client_last_status();
    ck_assert_str_eq(k8sc_object_get_string(st, "reason"), "Expired");
    ck_assert_int_eq(json_object_get_int(k8sc_object_get(st, "code")), 410);
    /* The stream ends after its ERROR event. */
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 1000), 0);
    ck_assert_int_eq(k8sc_watch_fd(w), -1);
    k8sc_watch_free(w);
}
END_TEST

/* timeoutSeconds runs on the server's (fake) clock: the stream ends once it is advanced. */
START_TEST(test_watch_end_of_stream)
{
    create_cm("e1", "end");
    k8sc_watch_options wo = K8SC_WATCH_OPTIONS_INIT;
    wo.label_selector = "app=end";
    wo.timeout_seconds = 30;
    k8sc_watch *w = NULL;
    ck_assert_int_eq(k8sc_client_watch(&w, client, "v1", "ConfigMap", NULL, &wo), 0);
    k8sc_watch_event_type type;
    k8sc_object *obj = NULL;
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 5000), 1);
    ck_assert_int_eq(type, K8SC_WATCH_ADDED);
    ck_assert_str_eq(k8sc_object_name(obj), "e1");
    k8sc_object_free(obj);
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 300), K8SC_ETIMEOUT);
    ck_assert_int_eq(k8sc_clock_fake_advance(clk, 31LL * 1000000000LL), 0);
    double t0 = now_s();
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 5000), 0);
    ck_assert_msg(now_s() - t0 < 2.0, "took %.2f s", now_s() - t0);
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 0), 0);
    ck_assert_int_eq(k8sc_watch_fd(w), -1);
    k8sc_watch_free(w);
}
END_TEST

typedef struct {
    int seen;
    int stop_at; /* return 42 at this event; 0: never */
} run_state;

static int on_event(k8sc_watch_event_type type, const k8sc_object *obj, void *userdata)
{
    run_state *rs = userdata;
    if (type != K8SC_WATCH_ADDED || strncmp(k8sc_object_name(obj), "r", 1) != 0)
        return -1000;
    if (++rs->seen == 3)
        k8sc_clock_fake_advance(clk, 61LL * 1000000000LL);
    return rs->seen == rs->stop_at ? 42 : 0;
}

START_TEST(test_watch_run)
{
    create_cm("r1", "run");
    create_cm("r2", "run");
    create_cm("r3", "run");
    k8sc_watch_options wo = K8SC_WATCH_OPTIONS_INIT;
    wo.label_selector = "app=run";
    wo.timeout_seconds = 60;
    k8sc_watch *w = NULL;
    /* The callback's value stops the run and comes back unchanged. */
    ck_assert_int_eq(k8sc_client_watch(&w, client, "v1", "ConfigMap", NULL, &wo), 0);
    run_state rs = { 0, 2 };
    ck_assert_int_eq(k8sc_watch_run(w, on_event, &rs), 42);
    ck_assert_int_eq(rs.seen, 2);
    k8sc_watch_free(w);
    /* Otherwise it runs to the end of the stream: the third event moves the clock past timeoutSeconds. */
    ck_assert_int_eq(k8sc_client_watch(&w, client, "v1", "ConfigMap", NULL, &wo), 0);
    rs = (run_state){ 0, 0 };
    ck_assert_int_eq(k8sc_watch_run(w, on_event, &rs), 0);
    ck_assert_int_eq(rs.seen, 3);
    ck_assert_int_eq(k8sc_watch_run(NULL, on_event, &rs), K8SC_EINVAL);
    k8sc_watch_free(w);
}
END_TEST

/* A host loop: poll the watch's descriptor, then take events without blocking. */
START_TEST(test_watch_host_driven)
{
    create_cm("h0", "hosted");
    k8sc_watch_options wo = K8SC_WATCH_OPTIONS_INIT;
    wo.label_selector = "app=hosted";
    wo.timeout_seconds = 120;
    k8sc_watch *w = NULL;
    ck_assert_int_eq(k8sc_client_watch(&w, client, "v1", "ConfigMap", NULL, &wo), 0);
    int fd = k8sc_watch_fd(w);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(k8sc_watch_fd(w), fd);
    /* The initial state is waiting already: the descriptor says so at once. */
    struct pollfd p = { fd, POLLIN, 0 };
    ck_assert_int_eq(poll(&p, 1, 1000), 1);
    k8sc_watch_event_type type;
    k8sc_object *obj = NULL;
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 0), 1);
    ck_assert_str_eq(k8sc_object_name(obj), "h0");
    k8sc_object_free(obj);
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 0), K8SC_ETIMEOUT);

    create_cm("h1", "hosted");
    create_cm("skip", "other");
    create_cm("h2", "hosted");
    /* Store events wake the descriptor well before its periodic tick. */
    p.revents = 0;
    double t0 = now_s();
    ck_assert_int_eq(poll(&p, 1, 1000), 1);
    ck_assert_msg(now_s() - t0 < 0.1, "woke after %.3f s", now_s() - t0);
    int seen = 0;
    for (int rounds = 0; seen < 2 && rounds < 50; rounds++) {
        p.revents = 0;
        ck_assert_int_ge(poll(&p, 1, 500), 0);
        int rc;
        while ((rc = k8sc_watch_next(&type, &obj, w, 0)) == 1) {
            ck_assert_int_eq(type, K8SC_WATCH_ADDED);
            ck_assert_str_eq(k8sc_object_name(obj), seen == 0 ? "h1" : "h2");
            k8sc_object_free(obj);
            seen++;
        }
        ck_assert_int_eq(rc, K8SC_ETIMEOUT);
        ck_assert_int_eq(k8sc_watch_fd(w), fd);
    }
    ck_assert_int_eq(seen, 2);

    /* The end of the stream wakes the loop too; then the descriptor is gone. */
    ck_assert_int_eq(k8sc_clock_fake_advance(clk, 121LL * 1000000000LL), 0);
    int rc = K8SC_ETIMEOUT;
    for (int rounds = 0; rc == K8SC_ETIMEOUT && rounds < 20; rounds++) {
        p.revents = 0;
        ck_assert_int_eq(poll(&p, 1, 1000), 1);
        rc = k8sc_watch_next(&type, &obj, w, 0);
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(k8sc_watch_fd(w), -1);
    k8sc_watch_free(w);
}
END_TEST

/* A raw watch request reads the stream to its end, or gives up at the client's timeout. */
START_TEST(test_raw_watch_request)
{
    create_cm("raw", "rawapp");
    k8sc_client_options o = K8SC_CLIENT_OPTIONS_INIT;
    o.apiserver = srv;
    o.timeout_ms = 300;
    k8sc_client *c = NULL;
    ck_assert_int_eq(k8sc_client_new(&c, &o), 0);
    char *body = NULL;
    int status = 0;
    double t0 = now_s();
    ck_assert_int_eq(k8sc_client_request(&body, &status, c, "GET",
                         "/api/v1/namespaces/default/configmaps?watch=true&labelSelector=app%3Drawapp", NULL, NULL, 0),
        K8SC_ETIMEOUT);
    ck_assert_msg(now_s() - t0 >= 0.25 && now_s() - t0 < 2.0, "took %.2f s", now_s() - t0);
    ck_assert_ptr_null(body);
    /* An expired resourceVersion ends the stream after one ERROR line, returned as the body. */
    int64_t now = 0;
    ck_assert_int_eq(k8sc_client_patch(NULL, c, "v1", "ConfigMap", NULL, "raw", K8SC_PATCH_MERGE, "{\"data\":{}}"), 0);
    ck_assert_int_eq(k8sc_store_revision(&now, store), 0);
    ck_assert_int_eq(k8sc_store_compact(store, now), 0);
    ck_assert_int_eq(k8sc_client_request(&body, &status, c, "GET",
                         "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1", NULL, NULL, 0), 0);
    ck_assert_int_eq(status, 200);
    ck_assert_msg(strstr(body, "\"type\":\"ERROR\"") && strstr(body, "\"code\":410"), "%s", body);
    k8sc_free(body);
    k8sc_client_free(c);
}
END_TEST

#define THREADS 4
#define PER_THREAD 25

typedef struct {
    int id;
    int failures;
    char error[256];
} worker;

static void *create_many(void *arg)
{
    worker *wk = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        char name[32];
        snprintf(name, sizeof(name), "t%d-%d", wk->id, i);
        char json[256];
        snprintf(json, sizeof(json),
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
            "\"metadata\":{\"name\":\"%s\",\"labels\":{\"app\":\"thr\"}}}",
            name);
        k8sc_object *cm = NULL, *out = NULL;
        if (k8sc_object_from_json(&cm, json, strlen(json)) != 0 || k8sc_client_create(&out, client, cm) != 0 ||
            strcmp(k8sc_object_name(out), name) != 0) {
            wk->failures++;
            snprintf(wk->error, sizeof(wk->error), "%s", k8sc_error_last());
        }
        /* Each thread has its own last Status: a duplicate here does not disturb the others. */
        if (k8sc_client_create(NULL, client, cm) != K8SC_EEXISTS ||
            strcmp(k8sc_object_get_string(k8sc_client_last_status(), "reason"), "AlreadyExists") != 0)
            wk->failures++;
        k8sc_object_free(cm);
        k8sc_object_free(out);
    }
    return NULL;
}

START_TEST(test_threads)
{
    k8sc_watch_options wo = K8SC_WATCH_OPTIONS_INIT;
    char rv[32];
    wo.resource_version = list_rv(rv, sizeof(rv));
    wo.label_selector = "app=thr";
    k8sc_watch *w = NULL;
    ck_assert_int_eq(k8sc_client_watch(&w, client, "v1", "ConfigMap", NULL, &wo), 0);
    pthread_t th[THREADS];
    worker wk[THREADS];
    for (int i = 0; i < THREADS; i++) {
        wk[i] = (worker){ i, 0, "" };
        ck_assert_int_eq(pthread_create(&th[i], NULL, create_many, &wk[i]), 0);
    }
    /* The watch sees every create while they happen, in revision order. */
    long long last = 0;
    for (int n = 0; n < THREADS * PER_THREAD; n++) {
        k8sc_watch_event_type type;
        k8sc_object *obj = NULL;
        int rc = k8sc_watch_next(&type, &obj, w, 10000);
        ck_assert_msg(rc == 1, "event %d: %d %s", n, rc, k8sc_error_last());
        ck_assert_int_eq(type, K8SC_WATCH_ADDED);
        long long r = atoll(k8sc_object_resource_version(obj));
        ck_assert_int_gt(r, last);
        last = r;
        k8sc_object_free(obj);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        ck_assert_msg(wk[i].failures == 0, "thread %d: %d failures: %s", i, wk[i].failures, wk[i].error);
    }
    k8sc_watch_free(w);
    k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
    lo.label_selector = "app=thr";
    lo.limit = 7;
    k8sc_object *list = NULL;
    ck_assert_int_eq(k8sc_client_list(&list, client, "v1", "ConfigMap", NULL, &lo), 0);
    ck_assert_uint_eq(item_count(list), THREADS * PER_THREAD);
    k8sc_object_free(list);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("client_inproc");
    TCase *tc = tcase_create("inproc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_config_and_options);
    tcase_add_test(tc, test_crud_patch_conflict);
    tcase_add_test(tc, test_update_status);
    tcase_add_test(tc, test_delete_propagation);
    tcase_add_test(tc, test_status_errors);
    tcase_add_test(tc, test_list_paging_selectors);
    tcase_add_test(tc, test_discovery);
    tcase_add_test(tc, test_watch_events_and_resume);
    tcase_add_test(tc, test_watch_gone_after_compaction);
    tcase_add_test(tc, test_watch_end_of_stream);
    tcase_add_test(tc, test_watch_run);
    tcase_add_test(tc, test_watch_host_driven);
    tcase_add_test(tc, test_raw_watch_request);
    tcase_add_test(tc, test_threads);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
