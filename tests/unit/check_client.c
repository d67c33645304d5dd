/*
 * The client against an in-process API server (CRUD, selectors, paging,
 * error mapping, watch, discovery refresh) and against a scripted fake
 * HTTP server (429 + Retry-After, bounded 503 retries, a server that never answers).
 */
#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/codec.h"
#include "k8sc/core.h"
#include "k8sc/store.h"
#include "client/client_internal.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static k8sc_store *store;
static k8sc_registry *registry;
static k8sc_apiserver *srv;
static k8sc_client *client;

static k8sc_client *client_for(const char *url, long timeout_ms, int retries)
{
    k8sc_client_config *cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, url), 0);
    k8sc_client_options o;
    ck_assert_int_eq(k8sc_client_options_init(&o, K8SC_CLIENT_OPTIONS_VERSION), 0);
    o.config = cfg;
    o.timeout_ms = timeout_ms;
    o.max_retries = retries;
    o.max_retry_wait_ms = 2000;
    k8sc_client *c = NULL;
    ck_assert_msg(k8sc_client_new(&c, &o) == 0, "%s", k8sc_error_last());
    k8sc_client_config_free(cfg);
    return c;
}

static void setup(void)
{
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    ck_assert_int_eq(k8sc_registry_new(&registry), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = store;
    o.registry = registry;
    ck_assert_msg(k8sc_apiserver_new(&srv, &o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_apiserver_start(srv) == 0, "%s", k8sc_error_last());
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", k8sc_apiserver_port(srv));
    client = client_for(url, 10000, 0);
}

static void teardown(void)
{
    k8sc_client_free(client);
    k8sc_apiserver_free(srv);
    k8sc_registry_free(registry);
    k8sc_store_close(store);
    client = NULL;
    srv = NULL;
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

START_TEST(test_crud_round_trip)
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

    /* Updating with the stale resourceVersion conflicts, with the server's message. */
    ck_assert_int_eq(k8sc_object_set_string(created, "data.k", "stale"), 0);
    ck_assert_int_eq(k8sc_client_update(NULL, client, created), K8SC_ECONFLICT);
    ck_assert_msg(strstr(k8sc_error_last(), "the object has been modified") != NULL, "%s", k8sc_error_last());
    ck_assert_str_eq(k8sc_object_get_string(k8sc_client_last_status(), "reason"), "Conflict");

    static const struct {
        k8sc_patch_type type;
        const char *patch;
        const char *want;
    } patches[] = {
        { K8SC_PATCH_MERGE, "{\"data\":{\"k\":\"merged\"}}", "merged" },
        { K8SC_PATCH_STRATEGIC, "{\"data\":{\"k\":\"strategic\"}}", "strategic" },
        { K8SC_PATCH_JSON, "[{\"op\":\"replace\",\"path\":\"/data/k\",\"value\":\"json\"}]", "json" },
    };
    for (size_t i = 0; i < sizeof(patches) / sizeof(patches[0]); i++) {
        k8sc_object *p = NULL;
        ck_assert_msg(k8sc_client_patch(&p, client, "v1", "ConfigMap", "default", "cfg", patches[i].type,
                          patches[i].patch) == 0, "%s", k8sc_error_last());
        ck_assert_str_eq(k8sc_object_get_string(p, "data.k"), patches[i].want);
        k8sc_object_free(p);
    }

    /* A precondition on a wrong UID refuses the delete. */
    k8sc_delete_options d;
    ck_assert_int_eq(k8sc_delete_options_init(&d, K8SC_DELETE_OPTIONS_VERSION), 0);
    d.precondition_uid = "00000000-0000-0000-0000-000000000000";
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "ConfigMap", NULL, "cfg", &d), K8SC_ECONFLICT);
    d.precondition_uid = k8sc_object_uid(created);
    d.propagation_policy = "Background";
    d.grace_period_seconds = 0;
    ck_assert_msg(k8sc_client_delete(NULL, client, "v1", "ConfigMap", NULL, "cfg", &d) == 0, "%s", k8sc_error_last());

    k8sc_object *gone = NULL;
    ck_assert_int_eq(k8sc_client_get(&gone, client, "v1", "ConfigMap", NULL, "cfg"), K8SC_ENOTFOUND);
    ck_assert_ptr_null(gone);
    ck_assert_str_eq(k8sc_error_last(), "configmaps \"cfg\" not found");
    ck_assert_str_eq(k8sc_object_get_string(k8sc_client_last_status(), "reason"), "NotFound");
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "ConfigMap", NULL, "cfg", NULL), K8SC_ENOTFOUND);

    k8sc_object_free(cm);
    k8sc_object_free(created);
    k8sc_object_free(got);
    k8sc_object_free(updated);
}
END_TEST

START_TEST(test_error_mapping)
{
    create_cm("dup", "x");
    k8sc_object *cm = configmap("dup", "x", "v");
    ck_assert_int_eq(k8sc_client_create(NULL, client, cm), K8SC_EEXISTS);
    ck_assert_str_eq(k8sc_error_last(), "configmaps \"dup\" already exists");
    k8sc_object_free(cm);

    /* Invalid keeps the causes in the Status. */
    cm = configmap("Bad_Name", "x", "v");
    ck_assert_int_eq(k8sc_client_create(NULL, client, cm), K8SC_EINVAL);
    ck_assert_msg(strncmp(k8sc_error_last(), "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value",
                      strlen("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value")) == 0,
        "%s", k8sc_error_last());
    const k8sc_object *st = k8sc_client_last_status();
    ck_assert_str_eq(k8sc_object_get_string(st, "reason"), "Invalid");
    ck_assert_str_eq(k8sc_object_get_string(st, "details.causes[0].field"), "metadata.name");
    k8sc_object_free(cm);

    /* A kind the server does not have. */
    k8sc_object *out = NULL;
    ck_assert_int_eq(k8sc_client_get(&out, client, "v1", "Gadget", NULL, "x"), K8SC_ENOTFOUND);
    ck_assert_str_eq(k8sc_error_last(), "no matches for kind \"Gadget\" in version \"v1\"");
    ck_assert_int_eq(k8sc_client_get(&out, client, "nope.example/v9", "Gadget", NULL, "x"), K8SC_ENOTFOUND);
    ck_assert_str_eq(k8sc_error_last(), "no matches for kind \"Gadget\" in version \"nope.example/v9\"");
    ck_assert_int_eq(k8sc_client_get(&out, client, "a/b/c", "Gadget", NULL, "x"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_client_get(&out, client, "v1", "ConfigMap", NULL, ""), K8SC_EINVAL);

    /* Names and namespaces are path-escaped: this one cannot escape its collection. */
    ck_assert_int_eq(k8sc_client_get(&out, client, "v1", "ConfigMap", NULL, "../secrets/x"), K8SC_ENOTFOUND);

    /* Raw requests give the status and the body. */
    char *body = NULL;
    int status = 0;
    ck_assert_int_eq(k8sc_client_request(&body, &status, client, "GET", "/api/v1/namespaces/default/configmaps/none",
                         NULL, NULL, 0), K8SC_ENOTFOUND);
    ck_assert_int_eq(status, 404);
    ck_assert_ptr_nonnull(strstr(body, "\"NotFound\""));
    k8sc_free(body);
    ck_assert_int_eq(k8sc_client_request(&body, &status, client, "GET", "/version", NULL, NULL, 0), 0);
    ck_assert_int_eq(status, 200);
    k8sc_free(body);
}
END_TEST

static size_t item_count(const k8sc_object *list)
{
    struct json_object *items = k8sc_object_get(list, "items");
    return items ? json_object_array_length(items) : 0;
}

START_TEST(test_list_selectors_and_paging)
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
        k8sc_list_options o;
        ck_assert_int_eq(k8sc_list_options_init(&o, K8SC_LIST_OPTIONS_VERSION), 0);
        o.label_selector = cases[i].labels;
        o.field_selector = cases[i].fields;
        k8sc_object *list = NULL;
        ck_assert_msg(k8sc_client_list(&list, client, "v1", "ConfigMap", "default", &o) == 0, "%s", k8sc_error_last());
        ck_assert_msg(item_count(list) == cases[i].want, "case %zu: %zu items", i, item_count(list));
        ck_assert_str_eq(k8sc_object_kind(list), "ConfigMapList");
        k8sc_object_free(list);
    }
    /* limit 3: three pages joined for the caller, no continue token left. */
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
    /* One page at a time: the caller follows the token. */
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
    k8sc_object_free(list);
    /* A malformed selector is the server's 400, mapped to EINVAL. */
    k8sc_list_options bad = K8SC_LIST_OPTIONS_INIT;
    bad.label_selector = "app in (";
    ck_assert_int_eq(k8sc_client_list(&list, client, "v1", "ConfigMap", NULL, &bad), K8SC_EINVAL);
    /* Every namespace: "" */
    ck_assert_int_eq(k8sc_client_list(&list, client, "v1", "Namespace", "", NULL), 0);
    ck_assert_uint_ge(item_count(list), 4);
    k8sc_object_free(list);
}
END_TEST

START_TEST(test_watch_events)
{
    k8sc_watch_options wo;
    ck_assert_int_eq(k8sc_watch_options_init(&wo, K8SC_WATCH_OPTIONS_VERSION), 0);
    k8sc_object *list = NULL;
    ck_assert_int_eq(k8sc_client_list(&list, client, "v1", "ConfigMap", NULL, NULL), 0);
    wo.resource_version = k8sc_object_get_string(list, "metadata.resourceVersion");
    wo.label_selector = "app=watched";
    k8sc_watch *w = NULL;
    ck_assert_msg(k8sc_client_watch(&w, client, "v1", "ConfigMap", NULL, &wo) == 0, "%s", k8sc_error_last());
    k8sc_object_free(list);

    k8sc_watch_event_type type;
    k8sc_object *obj = NULL;
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 100), K8SC_ETIMEOUT);

    create_cm("other", "unwatched");
    create_cm("w1", "watched");
    ck_assert_int_eq(k8sc_client_patch(NULL, client, "v1", "ConfigMap", NULL, "w1", K8SC_PATCH_MERGE,
                         "{\"data\":{\"k\":\"changed\"}}"), 0);
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "ConfigMap", NULL, "w1", NULL), 0);
    static const struct {
        k8sc_watch_event_type type;
        const char *value;
    } want[] = { { K8SC_WATCH_ADDED, "v" }, { K8SC_WATCH_MODIFIED, "changed" }, { K8SC_WATCH_DELETED, "changed" } };
    for (size_t i = 0; i < 3; i++) {
        int rc = k8sc_watch_next(&type, &obj, w, 5000);
        ck_assert_msg(rc == 1, "event %zu: %d %s", i, rc, k8sc_error_last());
        ck_assert_int_eq(type, want[i].type);
        ck_assert_str_eq(k8sc_object_name(obj), "w1");
        ck_assert_str_eq(k8sc_object_get_string(obj, "data.k"), want[i].value);
        k8sc_object_free(obj);
    }
    ck_assert_str_eq(k8sc_watch_event_type_name(K8SC_WATCH_DELETED), "DELETED");
    k8sc_watch_free(w);

    /* timeoutSeconds ends the stream: 0 after the ADDED events of the current state. */
    wo.resource_version = NULL;
    wo.label_selector = "app=unwatched";
    wo.timeout_seconds = 1;
    ck_assert_int_eq(k8sc_client_watch(&w, client, "v1", "ConfigMap", NULL, &wo), 0);
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 5000), 1);
    ck_assert_int_eq(type, K8SC_WATCH_ADDED);
    ck_assert_str_eq(k8sc_object_name(obj), "other");
    k8sc_object_free(obj);
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 10000), 0);
    k8sc_watch_free(w);
}
END_TEST

/* A host loop: poll the watch's socket, then take events without blocking. */
START_TEST(test_watch_host_driven)
{
    k8sc_watch_options wo = K8SC_WATCH_OPTIONS_INIT;
    wo.label_selector = "app=hosted";
    k8sc_watch *w = NULL;
    ck_assert_int_eq(k8sc_client_watch(&w, client, "v1", "ConfigMap", NULL, &wo), 0);
    int fd = k8sc_watch_fd(w);
    ck_assert_int_ge(fd, 0);
    k8sc_watch_event_type type;
    k8sc_object *obj = NULL;
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 0), K8SC_ETIMEOUT);
    create_cm("h1", "hosted");
    create_cm("h2", "hosted");
    int seen = 0;
    for (int rounds = 0; seen < 2 && rounds < 50; rounds++) {
        struct pollfd p = { k8sc_watch_fd(w), POLLIN, 0 };
        ck_assert_int_ge(poll(&p, 1, 200), 0);
        int rc;
        while ((rc = k8sc_watch_next(&type, &obj, w, 0)) == 1) {
            ck_assert_int_eq(type, K8SC_WATCH_ADDED);
            ck_assert_str_eq(k8sc_object_name(obj), seen == 0 ? "h1" : "h2");
            k8sc_object_free(obj);
            seen++;
        }
        ck_assert_int_eq(rc, K8SC_ETIMEOUT);
    }
    ck_assert_int_eq(seen, 2);
    k8sc_watch_free(w);
}
END_TEST

static int count_events(k8sc_watch_event_type type, const k8sc_object *obj, void *userdata)
{
    (void)obj;
    int *n = userdata;
    ck_assert_int_eq(type, K8SC_WATCH_ADDED);
    return ++*n == 2 ? 42 : 0;
}

START_TEST(test_watch_callback)
{
    create_cm("c1", "cb");
    create_cm("c2", "cb");
    create_cm("c3", "cb");
    k8sc_watch_options wo = K8SC_WATCH_OPTIONS_INIT;
    wo.label_selector = "app=cb";
    k8sc_watch *w = NULL;
    ck_assert_int_eq(k8sc_client_watch(&w, client, "v1", "ConfigMap", NULL, &wo), 0);
    int n = 0;
    ck_assert_int_eq(k8sc_watch_run(w, count_events, &n), 42);
    ck_assert_int_eq(n, 2);
    k8sc_watch_free(w);
}
END_TEST

/* A kind added after the first lookup appears once discovery is asked again. */
START_TEST(test_discovery_refresh)
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

    k8sc_resource_def def;
    ck_assert_int_eq(k8sc_resource_def_init(&def, K8SC_RESOURCE_DEF_VERSION), 0);
    def.group = "apps";
    def.api_version = "v1";
    def.kind = "Widget";
    def.plural = "widgets";
    def.namespaced = true;
    ck_assert_int_eq(k8sc_registry_add(registry, &def), 0);
    ck_assert_msg(k8sc_client_resolve(client, "apps/v1", "Widget", plural, sizeof(plural), &namespaced) == 0, "%s",
        k8sc_error_last());
    ck_assert_str_eq(plural, "widgets");
    k8sc_client_invalidate_discovery(client);
    ck_assert_int_eq(k8sc_client_resolve(client, "apps/v1", "Widget", plural, sizeof(plural), &namespaced), 0);
}
END_TEST

/* ---- a scripted fake server ------------------------------------------------ */

typedef struct {
    int fd;
    int port;
    const char *const *replies; /* one per request; the last repeats; NULL reply: never answer */
    int requests;
    int stop;
    pthread_t thread;
    pthread_mutex_t lock;
    char last[4096]; /* the last request's head */
} fake_server;

/* A copy of the last request head the fake server received. */
static void fake_last(fake_server *fs, char *buf, size_t size)
{
    pthread_mutex_lock(&fs->lock);
    snprintf(buf, size, "%s", fs->last);
    pthread_mutex_unlock(&fs->lock);
}

static void *fake_run(void *arg)
{
    fake_server *fs = arg;
    int held[16], nheld = 0;
    while (!__atomic_load_n(&fs->stop, __ATOMIC_SEQ_CST)) {
        struct pollfd p = { fs->fd, POLLIN, 0 };
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(fs->fd, NULL, NULL);
        if (c < 0)
            continue;
        char buf[4096];
        size_t got = 0;
        while (got < sizeof(buf) - 1) {
            ssize_t n = recv(c, buf + got, sizeof(buf) - 1 - got, 0);
            if (n <= 0)
                break;
            got += (size_t)n;
            buf[got] = '\0';
            if (strstr(buf, "\r\n\r\n"))
                break;
        }
        pthread_mutex_lock(&fs->lock);
        snprintf(fs->last, sizeof(fs->last), "%.*s", (int)got, buf);
        pthread_mutex_unlock(&fs->lock);
        int i = __atomic_fetch_add(&fs->requests, 1, __ATOMIC_SEQ_CST);
        const char *reply = fs->replies[0];
        for (int k = 0; k <= i && fs->replies[k]; k++)
            reply = fs->replies[k];
        if (strcmp(reply, "HANG") == 0 && nheld < 16) {
            held[nheld++] = c;
            continue;
        }
        ssize_t w = send(c, reply, strlen(reply), MSG_NOSIGNAL);
        (void)w;
        close(c);
    }
    for (int k = 0; k < nheld; k++)
        close(held[k]);
    return NULL;
}

static void fake_start(fake_server *fs, const char *const *replies)
{
    memset(fs, 0, sizeof(*fs));
    pthread_mutex_init(&fs->lock, NULL);
    fs->replies = replies;
    fs->fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fs->fd, 0);
    struct sockaddr_in a = { 0 };
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fs->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(fs->fd, 16), 0);
    socklen_t len = sizeof(a);
    ck_assert_int_eq(getsockname(fs->fd, (struct sockaddr *)&a, &len), 0);
    fs->port = ntohs(a.sin_port);
    ck_assert_int_eq(pthread_create(&fs->thread, NULL, fake_run, fs), 0);
}

static void fake_stop(fake_server *fs)
{
    __atomic_store_n(&fs->stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(fs->thread, NULL);
    close(fs->fd);
    pthread_mutex_destroy(&fs->lock);
}

static const char OK_BODY[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Success\"}";

static double now_s(void)
{
    return (double)k8sc_clock_mono(NULL) / 1e9;
}

START_TEST(test_retry_after_then_ok)
{
    char ok[256];
    snprintf(ok, sizeof(ok), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                             "Content-Length: %zu\r\n\r\n%s", strlen(OK_BODY), OK_BODY);
    const char *replies[] = {
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ok, NULL
    };
    fake_server fs;
    fake_start(&fs, replies);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", fs.port);
    k8sc_client *c = client_for(url, 5000, 3);
    char *body = NULL;
    int status = 0;
    double t0 = now_s();
    ck_assert_msg(k8sc_client_request(&body, &status, c, "GET", "/healthz", NULL, NULL, 0) == 0, "%s", k8sc_error_last());
    double took = now_s() - t0;
    ck_assert_int_eq(status, 200);
    ck_assert_str_eq(body, OK_BODY);
    ck_assert_msg(took >= 0.9 && took < 3.0, "took %.2f s", took);
    ck_assert_int_eq(__atomic_load_n(&fs.requests, __ATOMIC_SEQ_CST), 2);
    k8sc_free(body);
    k8sc_client_free(c);
    fake_stop(&fs);
}
END_TEST

START_TEST(test_503_retries_bounded)
{
    static const char status_body[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                                      "\"message\":\"etcd is down\",\"reason\":\"ServiceUnavailable\",\"code\":503}";
    char unavailable[512];
    snprintf(unavailable, sizeof(unavailable),
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
        "Content-Length: %zu\r\n\r\n%s", strlen(status_body), status_body);
    const char *replies[] = { unavailable, NULL };
    fake_server fs;
    fake_start(&fs, replies);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", fs.port);
    k8sc_client *c = client_for(url, 5000, 2);
    double t0 = now_s();
    ck_assert_int_eq(k8sc_client_request(NULL, NULL, c, "GET", "/api/v1/namespaces/default/pods/x", NULL, NULL, 0),
        K8SC_EUNAVAILABLE);
    ck_assert_str_eq(k8sc_error_last(), "etcd is down");
    /* The first try and two retries (200 ms, 400 ms back-off). */
    ck_assert_int_eq(__atomic_load_n(&fs.requests, __ATOMIC_SEQ_CST), 3);
    ck_assert_msg(now_s() - t0 < 3.0, "took %.2f s", now_s() - t0);
    k8sc_client_free(c);
    fake_stop(&fs);
}
END_TEST

START_TEST(test_server_never_answers)
{
    const char *replies[] = { "HANG", NULL };
    fake_server fs;
    fake_start(&fs, replies);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", fs.port);
    k8sc_client *c = client_for(url, 500, 0);
    double t0 = now_s();
    k8sc_object *obj = NULL;
    ck_assert_int_eq(k8sc_client_get(&obj, c, "v1", "Pod", "default", "x"), K8SC_ETIMEOUT);
    double took = now_s() - t0;
    ck_assert_msg(took >= 0.4 && took < 2.0, "took %.2f s", took);
    ck_assert_msg(strstr(k8sc_error_last(), url) != NULL, "%s", k8sc_error_last());
    k8sc_client_config *cfg = k8sc_client_get_config(c);
    ck_assert_str_eq(k8sc_client_config_server(cfg), url);
    k8sc_client_free(c);
    /* A watch that gets no answer fails the same way (kinds from the registry: no discovery request). */
    k8sc_client_options o = K8SC_CLIENT_OPTIONS_INIT;
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, url), 0);
    o.config = cfg;
    o.registry = k8sc_registry_default();
    o.timeout_ms = 500;
    ck_assert_int_eq(k8sc_client_new(&c, &o), 0);
    k8sc_client_config_free(cfg);
    k8sc_watch *w = NULL;
    t0 = now_s();
    ck_assert_int_eq(k8sc_client_watch(&w, c, "v1", "Pod", "default", NULL), K8SC_ETIMEOUT);
    took = now_s() - t0;
    ck_assert_msg(took >= 0.4 && took < 2.0, "took %.2f s", took);
    ck_assert_ptr_null(w);
    k8sc_client_free(c);
    fake_stop(&fs);
}
END_TEST

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* What goes on the wire: proxy-url, a rotating token file's bearer token, the user agent, basic auth. */
START_TEST(test_wire_credentials_and_proxy)
{
    char ok[256];
    snprintf(ok, sizeof(ok), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                             "Content-Length: %zu\r\n\r\n%s", strlen(OK_BODY), OK_BODY);
    const char *replies[] = { ok, NULL };
    fake_server fs;
    fake_start(&fs, replies);
    char dir[] = "/tmp/k8sc-client-XXXXXX", kc[128], tok[128], tmp[128], text[1024], seen[4096];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(kc, sizeof(kc), "%s/config", dir);
    snprintf(tok, sizeof(tok), "%s/token", dir);
    snprintf(tmp, sizeof(tmp), "%s/token.new", dir);
    write_file(tok, "tok-1\n");
    snprintf(text, sizeof(text),
        "clusters:\n- name: k\n  cluster: {server: 'http://api.invalid:6443', proxy-url: 'http://127.0.0.1:%d'}\n"
        "users:\n- name: u\n  user: {tokenFile: token}\n- name: basic\n  user: {username: ann, password: 's3cret'}\n"
        "contexts:\n- name: c\n  context: {cluster: k, user: u}\n- name: b\n  context: {cluster: k, user: basic}\n"
        "current-context: c\n",
        fs.port);
    write_file(kc, text);
    k8sc_client_options o = K8SC_CLIENT_OPTIONS_INIT;
    o.kubeconfig = kc;
    o.user_agent = "check-client/1.0";
    k8sc_client *c = NULL;
    ck_assert_msg(k8sc_client_new(&c, &o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_client_request(NULL, NULL, c, "GET", "/version?x=a%20b", NULL, NULL, 0) == 0, "%s",
        k8sc_error_last());
    fake_last(&fs, seen, sizeof(seen));
    ck_assert_msg(strncmp(seen, "GET http://api.invalid:6443/version?x=a%20b HTTP/1.1\r\n", 52) == 0, "%s", seen);
    ck_assert_msg(strstr(seen, "\r\nAuthorization: Bearer tok-1\r\n") != NULL, "%s", seen);
    ck_assert_msg(strstr(seen, "\r\nUser-Agent: check-client/1.0\r\n") != NULL, "%s", seen);
    ck_assert_msg(strstr(seen, "\r\nAccept: application/json\r\n") != NULL, "%s", seen);
    /* The token rotates: the next request carries the new one. */
    write_file(tmp, "tok-2\n");
    ck_assert_int_eq(rename(tmp, tok), 0);
    ck_assert_int_eq(k8sc_client_request(NULL, NULL, c, "GET", "/version", NULL, NULL, 0), 0);
    fake_last(&fs, seen, sizeof(seen));
    ck_assert_msg(strstr(seen, "\r\nAuthorization: Bearer tok-2\r\n") != NULL, "%s", seen);
    k8sc_client_free(c);
    /* Basic auth: "ann:s3cret" */
    o.overrides.context = "b";
    ck_assert_int_eq(k8sc_client_new(&c, &o), 0);
    ck_assert_int_eq(k8sc_client_request(NULL, NULL, c, "GET", "/version", NULL, NULL, 0), 0);
    fake_last(&fs, seen, sizeof(seen));
    ck_assert_msg(strstr(seen, "\r\nAuthorization: Basic YW5uOnMzY3JldA==\r\n") != NULL, "%s", seen);
    k8sc_client_free(c);
    unlink(kc);
    unlink(tok);
    ck_assert_int_eq(rmdir(dir), 0);
    fake_stop(&fs);
}
END_TEST

static k8sc_client *registry_client(int port)
{
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    k8sc_client_config *cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, url), 0);
    k8sc_client_options o = K8SC_CLIENT_OPTIONS_INIT;
    o.config = cfg;
    o.registry = k8sc_registry_default();
    o.max_retries = -1;
    o.timeout_ms = 3000;
    k8sc_client *c = NULL;
    ck_assert_int_eq(k8sc_client_new(&c, &o), 0);
    k8sc_client_config_free(cfg);
    return c;
}

#define STREAM_HEAD "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
#define ADDED_LINE "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}}\n"

/* A stream that reports an expired resourceVersion, garbage, or breaks off mid-event. */
START_TEST(test_watch_stream_errors)
{
    const char *replies[] = {
        STREAM_HEAD "\r\n" ADDED_LINE
                    "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                    "\"message\":\"too old resource version: 1 (5)\",\"reason\":\"Expired\",\"code\":410}}\n",
        STREAM_HEAD "\r\nnot json\n",
        STREAM_HEAD "Content-Length: 4000\r\n\r\n" ADDED_LINE "{\"type\":\"ADD",
        STREAM_HEAD "\r\n" ADDED_LINE "\n\n",
        NULL,
    };
    fake_server fs;
    fake_start(&fs, replies);
    k8sc_client *c = registry_client(fs.port);
    k8sc_watch_options wo = K8SC_WATCH_OPTIONS_INIT;
    wo.resource_version = "1";
    wo.allow_watch_bookmarks = true;
    wo.timeout_seconds = 30;
    k8sc_watch_event_type type;
    k8sc_object *obj = NULL;
    char seen[4096];

    k8sc_watch *w = NULL;
    ck_assert_int_eq(k8sc_client_watch(&w, c, "v1", "Pod", "ns 1", &wo), 0);
    fake_last(&fs, seen, sizeof(seen));
    ck_assert_msg(strncmp(seen, "GET /api/v1/namespaces/ns%201/pods?watch=true&resourceVersion=1&allowWatchBookmarks=true"
                                "&timeoutSeconds=30 HTTP/1.1", 101) == 0, "%s", seen);
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 3000), 1);
    ck_assert_str_eq(k8sc_object_name(obj), "p");
    k8sc_object_free(obj);
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 3000), K8SC_EGONE);
    ck_assert_str_eq(k8sc_error_last(), "too old resource version: 1 (5)");
    ck_assert_str_eq(k8sc_object_get_string(k8sc_client_last_status(), "reason"), "Expired");
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 3000), 0);
    ck_assert_int_eq(k8sc_watch_fd(w), -1);
    k8sc_watch_free(w);

    ck_assert_int_eq(k8sc_client_watch(&w, c, "v1", "Pod", NULL, NULL), 0);
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 3000), K8SC_EIO);
    ck_assert_msg(strstr(k8sc_error_last(), "malformed event: not json") != NULL, "%s", k8sc_error_last());
    k8sc_watch_free(w);

    ck_assert_int_eq(k8sc_client_watch(&w, c, "v1", "Pod", NULL, NULL), 0);
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 3000), 1);
    k8sc_object_free(obj);
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 3000), K8SC_EIO);
    ck_assert_msg(strstr(k8sc_error_last(), "stream broken") != NULL, "%s", k8sc_error_last());
    k8sc_watch_free(w);

    /* Blank lines between events are skipped; the end of the body ends the watch. */
    ck_assert_int_eq(k8sc_client_watch(&w, c, "v1", "Pod", NULL, NULL), 0);
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 3000), 1);
    k8sc_object_free(obj);
    ck_assert_int_eq(k8sc_watch_next(&type, &obj, w, 3000), 0);
    k8sc_watch_free(w);
    k8sc_client_free(c);
    fake_stop(&fs);
}
END_TEST

/*
 * Plain http:// without a proxy goes through the built-in HTTP/1.1
 * transport: chunked bodies, basic auth, a kept-alive connection the
 * server has since closed (the request is sent again on a new one), and
 * a reply that is not HTTP.
 */
START_TEST(test_plain_http_transport)
{
    const char *replies[] = {
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\n{\"a\":\r\n4\r\n\"b\"}\r\n0\r\n\r\n",
        "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}",
        "SSH-2.0-OpenSSH_9.2\r\n\r\n", NULL
    };
    fake_server fs;
    fake_start(&fs, replies);
    char dir[] = "/tmp/k8sc-client-XXXXXX", kc[128], text[1024], seen[4096];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(kc, sizeof(kc), "%s/config", dir);
    snprintf(text, sizeof(text),
        "clusters:\n- name: k\n  cluster: {server: 'http://127.0.0.1:%d/prefix/'}\n"
        "users:\n- name: basic\n  user: {username: ann, password: 's3cret'}\n"
        "contexts:\n- name: b\n  context: {cluster: k, user: basic}\ncurrent-context: b\n", fs.port);
    write_file(kc, text);
    k8sc_client_options o = K8SC_CLIENT_OPTIONS_INIT;
    o.kubeconfig = kc;
    o.max_retries = -1;
    k8sc_client *c = NULL;
    ck_assert_msg(k8sc_client_new(&c, &o) == 0, "%s", k8sc_error_last());
    char *body = NULL;
    int status = 0;
    ck_assert_msg(k8sc_client_request(&body, &status, c, "GET", "/version", NULL, NULL, 0) == 0, "%s",
        k8sc_error_last());
    ck_assert_int_eq(status, 200);
    ck_assert_str_eq(body, "{\"a\":\"b\"}");
    k8sc_free(body);
    fake_last(&fs, seen, sizeof(seen));
    ck_assert_msg(strncmp(seen, "GET /prefix/version HTTP/1.1\r\n", 30) == 0, "%s", seen);
    char host[64];
    snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%d\r\n", fs.port);
    ck_assert_msg(strstr(seen, host) != NULL, "%s", seen);
    ck_assert_msg(strstr(seen, "\r\nAuthorization: Basic YW5uOnMzY3JldA==\r\n") != NULL, "%s", seen);
    ck_assert_msg(strstr(seen, "Content-Length") == NULL, "%s", seen);
    /* The kept-alive connection was closed by the server: the POST goes on a new one, with its length. */
    ck_assert_msg(k8sc_client_request(&body, &status, c, "POST", "/x", "application/json", "{}", 2) == 0, "%s",
        k8sc_error_last());
    ck_assert_int_eq(status, 201);
    ck_assert_str_eq(body, "{}");
    k8sc_free(body);
    fake_last(&fs, seen, sizeof(seen));
    ck_assert_msg(strstr(seen, "\r\nContent-Length: 2\r\n") != NULL, "%s", seen);
    ck_assert_msg(strstr(seen, "\r\nContent-Type: application/json\r\n") != NULL, "%s", seen);
    ck_assert_int_eq(__atomic_load_n(&fs.requests, __ATOMIC_SEQ_CST), 2);
    /* Not HTTP at all. */
    ck_assert_int_eq(k8sc_client_request(NULL, NULL, c, "GET", "/", NULL, NULL, 0), K8SC_EIO);
    ck_assert_msg(strstr(k8sc_error_last(), "Unsupported HTTP response") != NULL, "%s", k8sc_error_last());
    k8sc_client_free(c);
    fake_stop(&fs);
    unlink(kc);
    rmdir(dir);
}
END_TEST

START_TEST(test_unreachable)
{
    /* Bind then close: nothing listens on that port now. */
    fake_server fs;
    const char *replies[] = { "HANG", NULL };
    fake_start(&fs, replies);
    int port = fs.port;
    fake_stop(&fs);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    k8sc_client *c = client_for(url, 2000, 0);
    k8sc_object *obj = NULL;
    ck_assert_int_eq(k8sc_client_get(&obj, c, "v1", "Pod", "default", "x"), K8SC_EUNAVAILABLE);
    ck_assert_msg(strstr(k8sc_error_last(), url) != NULL, "%s", k8sc_error_last());
    /* A resolved kind (registry) reaches the connection: the watch fails the same way. */
    k8sc_client_free(c);
    k8sc_client_config *cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, url), 0);
    k8sc_client_options o = K8SC_CLIENT_OPTIONS_INIT;
    o.config = cfg;
    o.registry = k8sc_registry_default();
    o.max_retries = -1;
    ck_assert_int_eq(k8sc_client_new(&c, &o), 0);
    k8sc_client_config_free(cfg);
    k8sc_watch *w = NULL;
    ck_assert_int_eq(k8sc_client_watch(&w, c, "v1", "Pod", NULL, NULL), K8SC_EUNAVAILABLE);
    ck_assert_ptr_null(w);
    ck_assert_msg(strstr(k8sc_error_last(), "/api/v1/namespaces/default/pods?watch=true") != NULL, "%s",
        k8sc_error_last());
    k8sc_client_free(c);
}
END_TEST

START_TEST(test_client_from_kubeconfig)
{
    char path[256], text[512];
    snprintf(path, sizeof(path), "/tmp/k8sc-client-kc-%d.yaml", (int)getpid());
    snprintf(text, sizeof(text),
        "apiVersion: v1\nkind: Config\nclusters:\n- name: local\n  cluster: {server: 'http://127.0.0.1:%d'}\n"
        "users:\n- name: me\n  user: {token: secret}\ncontexts:\n- name: here\n  context: {cluster: local, user: me, "
        "namespace: kube-system}\ncurrent-context: here\n",
        k8sc_apiserver_port(srv));
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    k8sc_client_options o = K8SC_CLIENT_OPTIONS_INIT;
    o.kubeconfig = path;
    k8sc_client *c = NULL;
    ck_assert_msg(k8sc_client_new(&c, &o) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(k8sc_client_namespace(c), "kube-system");
    k8sc_object *ns = NULL;
    ck_assert_msg(k8sc_client_get(&ns, c, "v1", "Namespace", NULL, "kube-system") == 0, "%s", k8sc_error_last());
    k8sc_object_free(ns);
    k8sc_client_free(c);
    o.overrides.context = "elsewhere";
    ck_assert_int_eq(k8sc_client_new(&c, &o), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "context \"elsewhere\" does not exist");
    unlink(path);
}
END_TEST

typedef struct {
    int failures;
    int index;
} worker_arg;

static void *worker(void *arg)
{
    worker_arg *wa = arg;
    for (int i = 0; i < 10; i++) {
        char name[32];
        snprintf(name, sizeof(name), "t%d-%d", wa->index, i);
        k8sc_object *cm = configmap(name, "threads", "v"), *got = NULL;
        if (k8sc_client_create(NULL, client, cm) != 0 ||
            k8sc_client_get(&got, client, "v1", "ConfigMap", NULL, name) != 0)
            wa->failures++;
        k8sc_object_free(cm);
        k8sc_object_free(got);
    }
    return NULL;
}

/* One client shared by several threads. */
START_TEST(test_threads)
{
    pthread_t t[4];
    worker_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (worker_arg){ 0, i };
        ck_assert_int_eq(pthread_create(&t[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(args[i].failures, 0);
    }
    k8sc_list_options o = K8SC_LIST_OPTIONS_INIT;
    o.label_selector = "app=threads";
    k8sc_object *list = NULL;
    ck_assert_int_eq(k8sc_client_list(&list, client, "v1", "ConfigMap", NULL, &o), 0);
    ck_assert_uint_eq(item_count(list), 40);
    k8sc_object_free(list);
}
END_TEST

/* ---- discovery kept on disk (kubectl's --cache-dir) ------------------------- */

static char cache_dir[64];
static int cache_port; /* the server's, kept for after it stopped */

static void cache_setup(void)
{
    setup();
    cache_port = k8sc_apiserver_port(srv);
    snprintf(cache_dir, sizeof(cache_dir), "/tmp/check_client_cache.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(cache_dir));
}

static void cache_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache_dir);
    ck_assert_int_eq(system(cmd), 0);
    teardown();
}

/* A client of the test's server keeping discovery under cache_dir, fresh for `ttl_s`. */
static k8sc_client *cached_client(long ttl_s)
{
    k8sc_client_config *cfg = NULL;
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", cache_port);
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, url), 0);
    k8sc_client_options o;
    ck_assert_int_eq(k8sc_client_options_init(&o, K8SC_CLIENT_OPTIONS_VERSION), 0);
    o.config = cfg;
    o.timeout_ms = 5000;
    o.max_retries = -1;
    o.discovery_cache_dir = cache_dir;
    o.discovery_cache_ttl_s = ttl_s;
    k8sc_client *c = NULL;
    ck_assert_msg(k8sc_client_new(&c, &o) == 0, "%s", k8sc_error_last());
    k8sc_client_config_free(cfg);
    return c;
}

/* Where kubectl keeps the list of `gv` for the test's server. */
static void cache_file(char *path, size_t size, const char *gv)
{
    snprintf(path, size, "%s/discovery/127.0.0.1_%d/%s/serverresources.json", cache_dir, cache_port, gv);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s", path);
    char *text = calloc(1, 1 << 20);
    ck_assert_ptr_nonnull(text);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static void spew(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
}

/* Set the file's mtime `age_s` seconds back. */
static void age_file(const char *path, long age_s)
{
    struct timespec times[2];
    clock_gettime(CLOCK_REALTIME, &times[0]);
    times[0].tv_sec -= age_s;
    times[1] = times[0];
    ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
}

static int resolve(k8sc_client *c, const char *gv, const char *kind, char *plural)
{
    bool namespaced = false;
    return k8sc_client_resolve(c, gv, kind, plural, 64, &namespaced);
}

/* A list of v1 the server never sends: only a cache can make "Gadget" resolve. */
static const char *gadget_list =
    "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\"v1\",\"resources\":["
    "{\"name\":\"gadgets\",\"namespaced\":true,\"kind\":\"Gadget\",\"verbs\":[\"get\"]}]}";

START_TEST(test_discovery_cache_written_and_reused)
{
    char path[512], plural[64];
    cache_file(path, sizeof(path), "v1");
    k8sc_client *c = cached_client(0);
    ck_assert_int_eq(resolve(c, "v1", "Pod", plural), 0);
    ck_assert_str_eq(plural, "pods");
    k8sc_client_free(c);
    /* kubectl's file: the server's APIResourceList, group and world without access. */
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0660);
    char *text = slurp(path);
    ck_assert_ptr_nonnull(strstr(text, "\"kind\":\"APIResourceList\""));
    ck_assert_ptr_nonnull(strstr(text, "\"name\":\"pods\""));
    free(text);

    /* A new process (client) answers from the file: with the server gone, no request can have been made. */
    k8sc_apiserver_stop(srv);
    c = cached_client(0);
    ck_assert_msg(resolve(c, "v1", "Pod", plural) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(plural, "pods");
    ck_assert_int_eq(resolve(c, "v1", "Service", plural), 0);
    ck_assert_str_eq(plural, "services");
    k8sc_client_free(c);

    /* A fresh file is believed as it is (kubectl's cache too): Gadget resolves from it alone. */
    spew(path, gadget_list);
    c = cached_client(0);
    ck_assert_msg(resolve(c, "v1", "Gadget", plural) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(plural, "gadgets");
    k8sc_client_free(c);

    /* In-process clients have no disk cache. */
    k8sc_client *inproc = NULL;
    ck_assert_int_eq(k8sc_client_new_in_process(&inproc, srv), 0);
    ck_assert_int_eq(resolve(inproc, "v1", "Gadget", plural), K8SC_ENOTFOUND);
    k8sc_client_free(inproc);
}
END_TEST

START_TEST(test_discovery_cache_ttl)
{
    char path[512], plural[64];
    cache_file(path, sizeof(path), "v1");
    k8sc_client *c = cached_client(60);
    ck_assert_int_eq(resolve(c, "v1", "Pod", plural), 0);
    k8sc_client_free(c);

    /* Within the TTL the file answers... */
    spew(path, gadget_list);
    age_file(path, 30);
    c = cached_client(60);
    ck_assert_int_eq(resolve(c, "v1", "Gadget", plural), 0);
    k8sc_client_free(c);

    /* ...past it the server does (it has no Gadget), and the file is written again. */
    age_file(path, 90);
    c = cached_client(60);
    ck_assert_int_eq(resolve(c, "v1", "Gadget", plural), K8SC_ENOTFOUND);
    ck_assert_str_eq(k8sc_error_last(), "no matches for kind \"Gadget\" in version \"v1\"");
    ck_assert_int_eq(resolve(c, "v1", "ConfigMap", plural), 0);
    ck_assert_str_eq(plural, "configmaps");
    k8sc_client_free(c);
    char *text = slurp(path);
    ck_assert_ptr_null(strstr(text, "Gadget"));
    ck_assert_ptr_nonnull(strstr(text, "\"name\":\"configmaps\""));
    free(text);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_ge((long long)st.st_mtime, (long long)time(NULL) - 10);
}
END_TEST

/* A namespaced CRD of group cache.k8sc.io/v1 with kind `kind` (plural: lower-case + "s"). */
static void create_crd_kind(const char *kind, const char *plural)
{
    char json[1024];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
        "\"metadata\":{\"name\":\"%s.cache.k8sc.io\"},\"spec\":{\"group\":\"cache.k8sc.io\",\"scope\":\"Namespaced\","
        "\"names\":{\"plural\":\"%s\",\"kind\":\"%s\"},\"versions\":[{\"name\":\"v1\",\"served\":true,"
        "\"storage\":true,\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\","
        "\"x-kubernetes-preserve-unknown-fields\":true}}}]}}",
        plural, plural, kind);
    k8sc_object *crd = parse(json);
    ck_assert_msg(k8sc_client_create(NULL, client, crd) == 0, "%s", k8sc_error_last());
    k8sc_object_free(crd);
}

START_TEST(test_discovery_cache_miss_refreshes)
{
    char path[512], plural[64];
    cache_file(path, sizeof(path), "cache.k8sc.io/v1");
    create_crd_kind("Alpha", "alphas");
    k8sc_client *c = cached_client(0);
    ck_assert_msg(resolve(c, "cache.k8sc.io/v1", "Alpha", plural) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(plural, "alphas");
    k8sc_client_free(c);
    char *text = slurp(path);
    ck_assert_ptr_null(strstr(text, "\"Beta\""));
    free(text);

    /* A CRD created since: the fresh file does not have it, so the server is asked and the file updated. */
    create_crd_kind("Beta", "betas");
    c = cached_client(0);
    ck_assert_msg(resolve(c, "cache.k8sc.io/v1", "Beta", plural) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(plural, "betas");
    ck_assert_int_eq(resolve(c, "cache.k8sc.io/v1", "Alpha", plural), 0);
    k8sc_client_free(c);
    text = slurp(path);
    ck_assert_ptr_nonnull(strstr(text, "\"kind\":\"Beta\""));
    free(text);
}
END_TEST

START_TEST(test_discovery_cache_corrupt_ignored)
{
    static const char *const bad[] = {
        "garbage{", "", "[]", "{\"kind\":\"APIResourceList\"}", "{\"resources\":{}}",
        /* Another group-version's list in this one's place. */
        "{\"groupVersion\":\"apps/v1\",\"resources\":[{\"name\":\"gadgets\",\"kind\":\"Gadget\"}]}",
        "{\"groupVersion\":\"v1\",\"resources\":[{\"name\":null,\"kind\":\"Gadget\"},7]}",
    };
    char path[512], plural[64];
    cache_file(path, sizeof(path), "v1");
    k8sc_client *c = cached_client(0);
    ck_assert_int_eq(resolve(c, "v1", "Pod", plural), 0);
    k8sc_client_free(c);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        spew(path, bad[i]);
        c = cached_client(0);
        ck_assert_msg(resolve(c, "v1", "Pod", plural) == 0, "%s: %s", bad[i], k8sc_error_last());
        ck_assert_str_eq(plural, "pods");
        ck_assert_int_eq(resolve(c, "v1", "Gadget", plural), K8SC_ENOTFOUND);
        k8sc_client_free(c);
        /* Replaced by the server's list, atomically: no temporary file is left behind. */
        char *text = slurp(path);
        ck_assert_msg(strstr(text, "\"name\":\"pods\"") != NULL, "%s", bad[i]);
        free(text);
    }
    char dir[512], cmd[600];
    snprintf(dir, sizeof(dir), "%s/discovery/127.0.0.1_%d/v1", cache_dir, cache_port);
    snprintf(cmd, sizeof(cmd), "test \"$(ls -A '%s')\" = serverresources.json", dir);
    ck_assert_int_eq(system(cmd), 0);

    /* A cache directory that cannot be written costs nothing but the cache. */
    char saved[sizeof(cache_dir)];
    memcpy(saved, cache_dir, sizeof(saved));
    snprintf(cache_dir, sizeof(cache_dir), "/dev/null/nowhere");
    c = cached_client(0);
    ck_assert_msg(resolve(c, "v1", "Pod", plural) == 0, "%s", k8sc_error_last());
    k8sc_client_free(c);
    memcpy(cache_dir, saved, sizeof(saved));
}
END_TEST

START_TEST(test_discovery_cache_paths)
{
    /* kubectl's computeDiscoverCacheDir: scheme dropped, [^(\w/.)] -> '_', the path cleaned. */
    static const struct {
        const char *server, *dir;
    } cases[] = {
        { "https://127.0.0.1:6443", "/c/discovery/127.0.0.1_6443" },
        { "http://api.example.com:8080/", "/c/discovery/api.example.com_8080" },
        { "https://rancher.example/k8s/clusters/c-m-1", "/c/discovery/rancher.example/k8s/clusters/c_m_1" },
        { "https://[::1]:6443", "/c/discovery/___1__6443" },
        { "https://a//b", "/c/discovery/a/b" },
        { "https://h/../../etc", NULL },
        { "https://h/./x", NULL },
        { "inproc://", NULL },
        { "https://", NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *dir = NULL;
        ck_assert_int_eq(k8sc__discovery_cache_dir(&dir, "/c", cases[i].server), 0);
        if (cases[i].dir)
            ck_assert_msg(dir && strcmp(dir, cases[i].dir) == 0, "%s: %s", cases[i].server, dir ? dir : "(null)");
        else
            ck_assert_msg(dir == NULL, "%s: %s", cases[i].server, dir);
        free(dir);
    }
    char *dir = (char *)"x";
    ck_assert_int_eq(k8sc__discovery_cache_dir(&dir, NULL, "https://h"), 0);
    ck_assert_ptr_null(dir);
    ck_assert_int_eq(k8sc__discovery_cache_dir(&dir, "", "https://h"), 0);
    ck_assert_ptr_null(dir);

    /* Group-versions that would leave their directory are never read or written. */
    k8sc__discovery_cache_write(cache_dir, "../v1", "{}", 2);
    k8sc__discovery_cache_write(cache_dir, "a/..", "{}", 2);
    char *body = NULL;
    size_t len = 0;
    ck_assert_int_eq(k8sc__discovery_cache_read(&body, &len, cache_dir, "../v1", 60), 0);
    ck_assert_ptr_null(body);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", cache_dir);
    ck_assert_int_eq(system(cmd), 0);
    k8sc__discovery_cache_write(cache_dir, "apps/v1", "{\"x\":1}", 7);
    ck_assert_int_eq(k8sc__discovery_cache_read(&body, &len, cache_dir, "apps/v1", 60), 1);
    ck_assert_uint_eq(len, 7);
    ck_assert_str_eq(body, "{\"x\":1}");
    free(body);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("client");
    TCase *tc = tcase_create("apiserver");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_crud_round_trip);
    tcase_add_test(tc, test_error_mapping);
    tcase_add_test(tc, test_list_selectors_and_paging);
    tcase_add_test(tc, test_watch_events);
    tcase_add_test(tc, test_watch_callback);
    tcase_add_test(tc, test_watch_host_driven);
    tcase_add_test(tc, test_discovery_refresh);
    tcase_add_test(tc, test_client_from_kubeconfig);
    tcase_add_test(tc, test_threads);
    suite_add_tcase(s, tc);
    TCase *fake = tcase_create("fake-server");
    tcase_set_timeout(fake, 60);
    tcase_add_test(fake, test_retry_after_then_ok);
    tcase_add_test(fake, test_503_retries_bounded);
    tcase_add_test(fake, test_server_never_answers);
    tcase_add_test(fake, test_unreachable);
    tcase_add_test(fake, test_wire_credentials_and_proxy);
    tcase_add_test(fake, test_plain_http_transport);
    tcase_add_test(fake, test_watch_stream_errors);
    suite_add_tcase(s, fake);
    TCase *cache = tcase_create("discovery-cache");
    tcase_add_checked_fixture(cache, cache_setup, cache_teardown);
    tcase_set_timeout(cache, 60);
    tcase_add_test(cache, test_discovery_cache_written_and_reused);
    tcase_add_test(cache, test_discovery_cache_ttl);
    tcase_add_test(cache, test_discovery_cache_miss_refreshes);
    tcase_add_test(cache, test_discovery_cache_corrupt_ignored);
    tcase_add_test(cache, test_discovery_cache_paths);
    suite_add_tcase(s, cache);
    return k8sc_test_main(s);
}
