/*
 * Caches, informers and the shared factory against an in-process API
 * server over HTTP: indexes, the first list, watch events in order, late
 * handlers, resync on a fake clock, host-loop driving, and recovery when
 * the API server restarts and the watch's resourceVersion was compacted.
 */
#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/controller.h"
#include "k8sc/store.h"
#include "testutil.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static k8sc_store *store;
static k8sc_apiserver *srv;
static k8sc_client *client;
static int port;

static k8sc_apiserver *server_on(const char *listen)
{
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = listen;
    o.store = store;
    k8sc_apiserver *s = NULL;
    ck_assert_msg(k8sc_apiserver_new(&s, &o) == 0, "%s", k8sc_error_last());
    return s;
}

static void setup(void)
{
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    srv = server_on("127.0.0.1:0");
    ck_assert_msg(k8sc_apiserver_start(srv) == 0, "%s", k8sc_error_last());
    port = k8sc_apiserver_port(srv);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    k8sc_client_config *cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, url), 0);
    k8sc_client_options o = K8SC_CLIENT_OPTIONS_INIT;
    o.config = cfg;
    o.timeout_ms = 5000;
    o.max_retries = -1;
    ck_assert_int_eq(k8sc_client_new(&client, &o), 0);
    k8sc_client_config_free(cfg);
}

static void teardown(void)
{
    k8sc_client_free(client);
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
}

static k8sc_object *configmap(const char *ns, const char *name, const char *app, const char *value)
{
    char json[512];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\""
        ",\"labels\":{\"app\":\"%s\"}},\"data\":{\"v\":\"%s\"}}",
        name, ns, app, value);
    k8sc_object *obj = NULL;
    ck_assert_int_eq(k8sc_object_from_json(&obj, json, strlen(json)), 0);
    return obj;
}

static void create_cm(const char *ns, const char *name, const char *value)
{
    k8sc_object *obj = configmap(ns, name, "web", value);
    ck_assert_msg(k8sc_client_create(NULL, client, obj) == 0, "%s", k8sc_error_last());
    k8sc_object_free(obj);
}

static void patch_cm(const char *name, const char *value)
{
    char p[128];
    snprintf(p, sizeof(p), "{\"data\":{\"v\":\"%s\"}}", value);
    ck_assert_msg(k8sc_client_patch(NULL, client, "v1", "ConfigMap", "default", name, K8SC_PATCH_MERGE, p) == 0,
        "%s", k8sc_error_last());
}

static void delete_cm(const char *name)
{
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "ConfigMap", "default", name, NULL), 0);
}

/* ---- recording handlers ---- */

typedef struct recorder {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char log[64][96];
    size_t n;
} recorder;

static void record(recorder *r, const char *what, const k8sc_object *obj, const k8sc_object *old)
{
    pthread_mutex_lock(&r->mu);
    if (r->n < 64) {
        const char *v = k8sc_object_get_string(obj, "data.v");
        if (old)
            snprintf(r->log[r->n], sizeof(r->log[0]), "%s %s %s->%s%s", what, k8sc_object_name(obj),
                k8sc_object_get_string(old, "data.v"), v, old == obj ? " (resync)" : "");
        else
            snprintf(r->log[r->n], sizeof(r->log[0]), "%s %s %s", what, k8sc_object_name(obj), v);
        r->n++;
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void on_add(const k8sc_object *obj, void *ud)
{
    /* Informer objects carry their type even when list items do not. */
    ck_assert_str_eq(k8sc_object_kind(obj), "ConfigMap");
    ck_assert_str_eq(k8sc_object_api_version(obj), "v1");
    record(ud, "add", obj, NULL);
}

static void on_update(const k8sc_object *old, const k8sc_object *obj, void *ud)
{
    record(ud, "update", obj, old);
}

static void on_delete(const k8sc_object *obj, void *ud)
{
    record(ud, "delete", obj, NULL);
}

static void recorder_init(recorder *r)
{
    memset(r, 0, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
}

static k8sc_informer_handler handler_for(recorder *r)
{
    k8sc_informer_handler h = K8SC_INFORMER_HANDLER_INIT;
    h.on_add = on_add;
    h.on_update = on_update;
    h.on_delete = on_delete;
    h.userdata = r;
    return h;
}

/* Wait (real time, bounded) until `n` events were recorded. */
static void wait_events(recorder *r, size_t n)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    pthread_mutex_lock(&r->mu);
    while (r->n < n && pthread_cond_timedwait(&r->cv, &r->mu, &ts) == 0)
        ;
    size_t got = r->n;
    pthread_mutex_unlock(&r->mu);
    ck_assert_msg(got >= n, "only %zu of %zu events arrived", got, n);
}

/* The recorded events, sorted, joined with "; " (the first list comes in no particular order). */
static char *sorted_log(recorder *r, size_t from, size_t to)
{
    static char out[2048];
    char *lines[64];
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        lines[n++] = r->log[i];
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(lines[j - 1], lines[j]) > 0; j--) {
            char *t = lines[j];
            lines[j] = lines[j - 1];
            lines[j - 1] = t;
        }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, "; ");
        strcat(out, lines[i]);
    }
    return out;
}

/* ---- cache ---- */

static int by_value(k8sc_index_values *vals, const k8sc_object *obj, void *ud)
{
    (void)ud;
    const char *v = k8sc_object_get_string(obj, "data.v");
    if (!v)
        return 0;
    int rc = k8sc_index_values_add(vals, v);
    /* Two values for one object: the index maps both to it. */
    return rc ? rc : k8sc_index_values_add(vals, "any");
}

START_TEST(cache_indexes_follow_updates)
{
    k8sc_cache *c;
    ck_assert_int_eq(k8sc_cache_new(&c), 0);
    k8sc_object *a = configmap("ns1", "a", "web", "1"), *b = configmap("ns2", "b", "db", "1"),
                *a2 = configmap("ns1", "a", "db", "2");
    ck_assert_int_eq(k8sc_cache_upsert(c, a, NULL), 0);
    ck_assert_int_eq(k8sc_cache_upsert(c, b, NULL), 0);
    /* Indexes added after objects index them at once. */
    ck_assert_int_eq(k8sc_cache_add_label_index(c, "app"), 0);
    ck_assert_int_eq(k8sc_cache_add_index(c, "value", by_value, NULL), 0);
    ck_assert_int_eq(k8sc_cache_add_index(c, "value", by_value, NULL), K8SC_EEXISTS);

    k8sc_object **items;
    size_t n;
    ck_assert_int_eq(k8sc_cache_by_index(&items, &n, c, "label:app", "web"), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(k8sc_object_name(items[0]), "a");
    k8sc_cache_items_free(items, n);
    ck_assert_int_eq(k8sc_cache_by_index(&items, &n, c, "value", "any"), 0);
    ck_assert_uint_eq(n, 2);
    k8sc_cache_items_free(items, n);

    /* An update moves the object between index values and returns the old one. */
    k8sc_object *old;
    ck_assert_int_eq(k8sc_cache_upsert(c, a2, &old), 0);
    ck_assert_ptr_eq(old, a);
    k8sc_object_free(old);
    ck_assert_int_eq(k8sc_cache_by_index(&items, &n, c, "label:app", "web"), 0);
    ck_assert_uint_eq(n, 0);
    k8sc_cache_items_free(items, n);
    ck_assert_int_eq(k8sc_cache_by_index(&items, &n, c, "label:app", "db"), 0);
    ck_assert_uint_eq(n, 2);
    k8sc_cache_items_free(items, n);
    ck_assert_int_eq(k8sc_cache_by_index(&items, &n, c, "value", "1"), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(k8sc_object_name(items[0]), "b");
    k8sc_cache_items_free(items, n);

    /* Namespace listing with a selector. */
    k8sc_selector *sel;
    ck_assert_int_eq(k8sc_selector_parse(&sel, "app in (db)"), 0);
    ck_assert_int_eq(k8sc_cache_list(&items, &n, c, "ns1", sel), 0);
    ck_assert_uint_eq(n, 1);
    k8sc_cache_items_free(items, n);
    ck_assert_int_eq(k8sc_cache_list(&items, &n, c, "ns3", NULL), 0);
    ck_assert_uint_eq(n, 0);
    k8sc_cache_items_free(items, n);
    ck_assert_int_eq(k8sc_cache_list(&items, &n, c, NULL, sel), 0);
    ck_assert_uint_eq(n, 2);
    k8sc_cache_items_free(items, n);
    k8sc_selector_free(sel);

    /* Removal clears every index entry it made. */
    ck_assert_int_eq(k8sc_cache_remove(c, "ns1/a", NULL), 0);
    ck_assert_int_eq(k8sc_cache_remove(c, "ns1/a", NULL), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_cache_by_index(&items, &n, c, "value", "2"), 0);
    ck_assert_uint_eq(n, 0);
    k8sc_cache_items_free(items, n);
    ck_assert_int_eq(k8sc_cache_by_index(&items, &n, c, "nope", "x"), K8SC_ENOTFOUND);
    k8sc_object *got;
    ck_assert_int_eq(k8sc_cache_get(&got, c, "ns2", "b"), 0);
    ck_assert_ptr_eq(got, b);
    k8sc_object_free(got);
    ck_assert_int_eq(k8sc_cache_get(&got, c, "ns1", "a"), K8SC_ENOTFOUND);
    ck_assert_uint_eq(k8sc_cache_len(c), 1);

    k8sc_object *unnamed;
    ck_assert_int_eq(k8sc_object_new(&unnamed, "v1", "ConfigMap"), 0);
    ck_assert_int_eq(k8sc_cache_upsert(c, unnamed, NULL), K8SC_EINVAL);
    k8sc_object_free(unnamed);

    k8sc_object_free(a);
    k8sc_object_free(b);
    k8sc_object_free(a2);
    k8sc_cache_free(c);
}
END_TEST

/* ---- informers ---- */

/* Drive an informer from a "host loop" until `n` events were recorded. */
static void pump(k8sc_informer *inf, recorder *r, size_t n)
{
    for (int i = 0; i < 200 && r->n < n; i++) {
        struct pollfd p = { k8sc_informer_fd(inf), POLLIN, 0 };
        int t = k8sc_informer_next_timeout_ms(inf);
        poll(&p, 1, t < 0 || t > 50 ? 50 : t);
        ck_assert_int_eq(k8sc_informer_process(inf), 0);
    }
    ck_assert_msg(r->n >= n, "only %zu of %zu events arrived", r->n, n);
}

START_TEST(informer_host_loop_lists_then_watches)
{
    k8sc_object *other;
    const char *ns_json = "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"other\"}}";
    ck_assert_int_eq(k8sc_object_from_json(&other, ns_json, strlen(ns_json)), 0);
    ck_assert_int_eq(k8sc_client_create(NULL, client, other), 0);
    k8sc_object_free(other);
    create_cm("default", "a", "1");
    create_cm("default", "b", "1");
    create_cm("other", "c", "1");
    k8sc_informer_options io = K8SC_INFORMER_OPTIONS_INIT;
    io.namespace_ = "default";
    k8sc_informer *inf;
    ck_assert_int_eq(k8sc_informer_new(&inf, client, "v1", "ConfigMap", &io), 0);
    recorder r;
    recorder_init(&r);
    k8sc_informer_handler h = handler_for(&r);
    ck_assert_int_eq(k8sc_informer_add_handler(inf, &h), 0);
    ck_assert(!k8sc_informer_has_synced(inf));
    ck_assert_int_eq(k8sc_informer_next_timeout_ms(inf), 0);

    ck_assert_int_eq(k8sc_informer_process(inf), 0);
    ck_assert(k8sc_informer_has_synced(inf));
    ck_assert_str_eq(sorted_log(&r, 0, r.n), "add a 1; add b 1");
    ck_assert_uint_eq(k8sc_cache_len(k8sc_informer_cache(inf)), 2);

    patch_cm("a", "2");
    delete_cm("b");
    create_cm("default", "d", "1");
    create_cm("other", "e", "1");
    pump(inf, &r, 5);
    ck_assert_str_eq(r.log[2], "update a 1->2");
    ck_assert_str_eq(r.log[3], "delete b 1");
    ck_assert_str_eq(r.log[4], "add d 1");
    k8sc_object *got;
    ck_assert_int_eq(k8sc_cache_get(&got, k8sc_informer_cache(inf), "default", "a"), 0);
    ck_assert_str_eq(k8sc_object_get_string(got, "data.v"), "2");
    k8sc_object_free(got);
    ck_assert_int_eq(k8sc_cache_get(&got, k8sc_informer_cache(inf), "default", "b"), K8SC_ENOTFOUND);

    /* A late handler first sees what is cached, as adds. */
    recorder late;
    recorder_init(&late);
    k8sc_informer_handler h2 = handler_for(&late);
    ck_assert_int_eq(k8sc_informer_add_handler(inf, &h2), 0);
    ck_assert_str_eq(sorted_log(&late, 0, late.n), "add a 2; add d 1");
    k8sc_informer_free(inf);
}
END_TEST

START_TEST(informer_resyncs_on_its_clock)
{
    create_cm("default", "a", "1");
    k8sc_clock *clk;
    ck_assert_int_eq(k8sc_clock_fake_new(&clk, 0), 0);
    k8sc_informer_options io = K8SC_INFORMER_OPTIONS_INIT;
    io.resync_ns = 30LL * 1000000000;
    io.clock = clk;
    k8sc_informer *inf;
    ck_assert_int_eq(k8sc_informer_new(&inf, client, "v1", "ConfigMap", &io), 0);
    recorder r;
    recorder_init(&r);
    k8sc_informer_handler h = handler_for(&r);
    ck_assert_int_eq(k8sc_informer_add_handler(inf, &h), 0);
    ck_assert_int_eq(k8sc_informer_process(inf), 0);
    ck_assert_uint_eq(r.n, 1);
    ck_assert_int_eq(k8sc_informer_next_timeout_ms(inf), 30000);
    k8sc_clock_fake_advance(clk, 29LL * 1000000000);
    ck_assert_int_eq(k8sc_informer_process(inf), 0);
    ck_assert_uint_eq(r.n, 1);
    k8sc_clock_fake_advance(clk, 1LL * 1000000000);
    ck_assert_int_eq(k8sc_informer_process(inf), 0);
    ck_assert_uint_eq(r.n, 2);
    ck_assert_str_eq(r.log[1], "update a 1->1 (resync)");
    k8sc_informer_free(inf);
    k8sc_clock_free(clk);
}
END_TEST

START_TEST(informer_thread_and_selectors)
{
    create_cm("default", "a", "1");
    k8sc_object *db = configmap("default", "x", "db", "1");
    ck_assert_int_eq(k8sc_client_create(NULL, client, db), 0);
    k8sc_object_free(db);
    k8sc_informer_options io = K8SC_INFORMER_OPTIONS_INIT;
    io.label_selector = "app=web";
    k8sc_informer *inf;
    ck_assert_int_eq(k8sc_informer_new(&inf, client, "v1", "ConfigMap", &io), 0);
    recorder r;
    recorder_init(&r);
    k8sc_informer_handler h = handler_for(&r);
    ck_assert_int_eq(k8sc_informer_add_handler(inf, &h), 0);
    ck_assert_int_eq(k8sc_informer_start(inf), 0);
    ck_assert_int_eq(k8sc_informer_start(inf), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_informer_process(inf), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_informer_wait_synced(inf, 5000), 0);
    wait_events(&r, 1);
    ck_assert_str_eq(r.log[0], "add a 1");
    for (int i = 2; i <= 5; i++) {
        char v[8];
        snprintf(v, sizeof(v), "%d", i);
        patch_cm("a", v);
    }
    wait_events(&r, 5);
    ck_assert_str_eq(r.log[4], "update a 4->5");
    k8sc_informer_stop(inf);
    k8sc_informer_stop(inf);
    /* Stopped: changes wait until it runs again, then resume from where it was. */
    patch_cm("a", "6");
    ck_assert_int_eq(k8sc_informer_start(inf), 0);
    wait_events(&r, 6);
    ck_assert_str_eq(r.log[5], "update a 5->6");
    ck_assert_uint_eq(k8sc_cache_len(k8sc_informer_cache(inf)), 1);
    k8sc_informer_free(inf);

    ck_assert_int_eq(k8sc_informer_new(&inf, client, "v1", "ConfigMap", &(k8sc_informer_options){
        K8SC_INFORMER_OPTIONS_VERSION, NULL, "app in (", NULL, 0, NULL }), K8SC_EINVAL);
}
END_TEST

/* A handle()d request on a server that is not serving yet. */
static void handle(k8sc_apiserver *s, const char *method, const char *target, const char *body, int want)
{
    k8sc_apiserver_response *resp;
    const char *ct = !body ? NULL : strcmp(method, "PATCH") == 0 ? "application/merge-patch+json" : "application/json";
    ck_assert_int_eq(k8sc_apiserver_handle(&resp, s, method, target, ct, NULL,
        body, body ? strlen(body) : 0), 0);
    ck_assert_int_eq(k8sc_apiserver_response_status(resp), want);
    k8sc_apiserver_response_free(resp);
}

START_TEST(informer_relists_after_restart_and_compaction)
{
    create_cm("default", "a", "1");
    create_cm("default", "b", "1");
    k8sc_informer *inf;
    ck_assert_int_eq(k8sc_informer_new(&inf, client, "v1", "ConfigMap", NULL), 0);
    recorder r;
    recorder_init(&r);
    k8sc_informer_handler h = handler_for(&r);
    ck_assert_int_eq(k8sc_informer_add_handler(inf, &h), 0);
    ck_assert_int_eq(k8sc_informer_start(inf), 0);
    wait_events(&r, 2);

    /* The API server goes away; meanwhile the data changes and history is compacted. */
    k8sc_apiserver_free(srv);
    char listen[32];
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
    srv = server_on(listen);
    handle(srv, "DELETE", "/api/v1/namespaces/default/configmaps/a", NULL, 200);
    handle(srv, "PATCH", "/api/v1/namespaces/default/configmaps/b", "{\"data\":{\"v\":\"2\"}}", 200);
    handle(srv, "POST", "/api/v1/namespaces/default/configmaps",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"v\":\"1\"}}", 201);
    int64_t rev;
    ck_assert_int_eq(k8sc_store_revision(&rev, store), 0);
    ck_assert_int_eq(k8sc_store_compact(store, rev), 0);
    ck_assert_msg(k8sc_apiserver_start(srv) == 0, "%s", k8sc_error_last());

    /* The watch resumes, finds its resourceVersion gone (410) and lists again. */
    wait_events(&r, 5);
    ck_assert_str_eq(sorted_log(&r, 2, 5), "add c 1; delete a 1; update b 1->2");
    patch_cm("c", "2");
    wait_events(&r, 6);
    ck_assert_str_eq(r.log[5], "update c 1->2");
    k8sc_informer_free(inf);
}
END_TEST

START_TEST(factory_shares_informers)
{
    create_cm("default", "a", "1");
    k8sc_informer_factory *f;
    ck_assert_int_eq(k8sc_informer_factory_new(&f, client, NULL), 0);
    k8sc_informer *cm1, *cm2, *ns;
    ck_assert_int_eq(k8sc_informer_factory_get(&cm1, f, "v1", "ConfigMap"), 0);
    ck_assert_int_eq(k8sc_informer_factory_get(&cm2, f, "v1", "ConfigMap"), 0);
    ck_assert_ptr_eq(cm1, cm2);
    ck_assert_int_eq(k8sc_informer_factory_get(&ns, f, "v1", "Namespace"), 0);
    ck_assert_ptr_ne(cm1, ns);
    recorder r;
    recorder_init(&r);
    k8sc_informer_handler h = handler_for(&r);
    ck_assert_int_eq(k8sc_informer_add_handler(cm1, &h), 0);

    /* Host-driven: process until everything has synced. */
    for (int i = 0; i < 50 && k8sc_informer_factory_wait_synced(f, 0) != 0; i++) {
        struct pollfd p = { k8sc_informer_factory_fd(f), POLLIN, 0 };
        int t = k8sc_informer_factory_next_timeout_ms(f);
        poll(&p, 1, t < 0 || t > 50 ? 50 : t);
        ck_assert_int_eq(k8sc_informer_factory_process(f), 0);
    }
    ck_assert_int_eq(k8sc_informer_factory_wait_synced(f, 0), 0);
    ck_assert_uint_eq(k8sc_cache_len(k8sc_informer_cache(ns)), 4); /* default, kube-system, kube-public, kube-node-lease */
    ck_assert_uint_eq(r.n, 1);

    /* Then on threads, including an informer made after the start. */
    ck_assert_int_eq(k8sc_informer_factory_start(f), 0);
    ck_assert_int_eq(k8sc_informer_factory_process(f), K8SC_EINVAL);
    k8sc_informer *sec;
    ck_assert_int_eq(k8sc_informer_factory_get(&sec, f, "v1", "Secret"), 0);
    ck_assert_int_eq(k8sc_informer_factory_wait_synced(f, 5000), 0);
    patch_cm("a", "2");
    wait_events(&r, 2);
    ck_assert_str_eq(r.log[1], "update a 1->2");
    k8sc_informer_factory_free(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("informer");
    TCase *tc = tcase_create("informer");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, cache_indexes_follow_updates);
    tcase_add_test(tc, informer_host_loop_lists_then_watches);
    tcase_add_test(tc, informer_resyncs_on_its_clock);
    tcase_add_test(tc, informer_thread_and_selectors);
    tcase_add_test(tc, informer_relists_after_restart_and_compaction);
    tcase_add_test(tc, factory_shares_informers);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
