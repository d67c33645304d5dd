/*
 * The reconciler framework against an in-process API server: a small
 * controller keeps, for each ConfigMap labelled copy=yes, a Secret of the
 * same name holding its data and owned by it. Driven from a host loop
 * (with a fake clock for back-off and requeue-after) and on worker
 * threads; plus mapped watches and the finalizer helpers.
 */
#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/controller.h"
#include "k8sc/store.h"
#include "testutil.h"

#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static k8sc_store *store;
static k8sc_apiserver *srv;
static k8sc_client *client;

static void setup(void)
{
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = store;
    ck_assert_int_eq(k8sc_apiserver_new(&srv, &o), 0);
    ck_assert_int_eq(k8sc_apiserver_start(srv), 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", k8sc_apiserver_port(srv));
    k8sc_client_config *cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, url), 0);
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    co.config = cfg;
    co.timeout_ms = 5000;
    ck_assert_int_eq(k8sc_client_new(&client, &co), 0);
    k8sc_client_config_free(cfg);
}

static void teardown(void)
{
    k8sc_client_free(client);
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
}

static k8sc_object *from_json(const char *json)
{
    k8sc_object *obj = NULL;
    ck_assert_msg(k8sc_object_from_json(&obj, json, strlen(json)) == 0, "%s", k8sc_error_last());
    return obj;
}

static void create_cm(const char *name, const char *value)
{
    char json[256];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\","
        "\"labels\":{\"copy\":\"yes\"}},\"data\":{\"v\":\"%s\"}}",
        name, value);
    k8sc_object *obj = from_json(json);
    ck_assert_msg(k8sc_client_create(NULL, client, obj) == 0, "%s", k8sc_error_last());
    k8sc_object_free(obj);
}

/* ---- the controller under test ---- */

typedef struct state {
    atomic_int reconciles;
    atomic_int fail_first;      /* fail this many reconciles */
    atomic_int requeue_after_s; /* ask for one requeue after this many seconds */
    atomic_int in_flight[64];   /* per "cm-N" key: reconciles running now */
    atomic_int overlap;         /* a key reconciled twice at once */
    pthread_mutex_t mu;         /* guards last_key: workers reconcile at the same time */
    char last_key[128];
} state;

static int copy_reconcile(k8sc_reconcile_result *res, k8sc_controller *ctl, const char *ns, const char *name,
    void *userdata)
{
    state *st = userdata;
    atomic_fetch_add(&st->reconciles, 1);
    pthread_mutex_lock(&st->mu);
    snprintf(st->last_key, sizeof(st->last_key), "%s/%s", ns, name);
    pthread_mutex_unlock(&st->mu);
    int slot = strncmp(name, "cm-", 3) == 0 ? atoi(name + 3) % 64 : 0;
    if (atomic_fetch_add(&st->in_flight[slot], 1) != 0)
        atomic_store(&st->overlap, 1);
    int rc = 0;
    if (atomic_load(&st->fail_first) > 0) {
        atomic_fetch_sub(&st->fail_first, 1);
        rc = k8sc_error_set(K8SC_EIO, "injected failure");
        goto out;
    }
    int after = atomic_exchange(&st->requeue_after_s, 0);
    if (after) {
        res->action = K8SC_RECONCILE_REQUEUE_AFTER;
        res->requeue_after_ns = (int64_t)after * 1000000000;
    }
    k8sc_object *cm;
    if (k8sc_cache_get(&cm, k8sc_controller_cache(ctl, "v1", "ConfigMap"), ns, name) < 0)
        goto out; /* gone: the garbage collector's business */
    k8sc_object *secret;
    char json[512];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},"
        "\"stringData\":{\"v\":\"%s\"}}",
        name, ns, k8sc_object_get_string(cm, "data.v"));
    ck_assert_int_eq(k8sc_object_from_json(&secret, json, strlen(json)), 0);
    k8sc_owner_ref ref = { "v1", "ConfigMap", name, k8sc_object_uid(cm), true, true };
    ck_assert_int_eq(k8sc_object_add_owner_ref(secret, &ref), 0);
    k8sc_object *existing;
    if (k8sc_cache_get(&existing, k8sc_controller_cache(ctl, "v1", "Secret"), ns, name) == 0) {
        k8sc_object_set_resource_version(secret, k8sc_object_resource_version(existing));
        rc = k8sc_client_update(NULL, k8sc_controller_client(ctl), secret);
        k8sc_object_free(existing);
    } else {
        rc = k8sc_client_create(NULL, k8sc_controller_client(ctl), secret);
    }
    k8sc_object_free(secret);
    k8sc_object_free(cm);
out:
    atomic_fetch_sub(&st->in_flight[slot], 1);
    return rc;
}

static k8sc_controller *new_controller(state *st, k8sc_clock *clock, int workers)
{
    k8sc_controller_options o = K8SC_CONTROLLER_OPTIONS_INIT;
    o.api_version = "v1";
    o.kind = "ConfigMap";
    o.reconcile = copy_reconcile;
    o.userdata = st;
    o.clock = clock;
    o.workers = workers;
    k8sc_controller *ctl;
    ck_assert_msg(k8sc_controller_new(&ctl, client, &o) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(k8sc_controller_name(ctl), "configmap-controller");
    ck_assert_int_eq(k8sc_controller_owns(ctl, "v1", "Secret"), 0);
    return ctl;
}

/* The secret's decoded value, or "" when there is none. */
static const char *secret_value(const char *name)
{
    static char buf[64];
    k8sc_object *s;
    buf[0] = '\0';
    if (k8sc_client_get(&s, client, "v1", "Secret", "default", name) == 0) {
        const char *b64 = k8sc_object_get_string(s, "data.v");
        /* Values in the tests are short decimal strings: compare their base64 form instead of decoding. */
        snprintf(buf, sizeof(buf), "%s", b64 ? b64 : "?");
        k8sc_object_free(s);
    }
    return buf;
}

/* Drive `ctl` from a host loop until `cond` holds (at most ~20 s). */
static void pump_until(k8sc_controller *ctl, bool (*cond)(void *), void *arg)
{
    for (int i = 0; i < 800 && !cond(arg); i++) {
        struct pollfd p = { k8sc_controller_fd(ctl), POLLIN, 0 };
        int t = k8sc_controller_next_timeout_ms(ctl);
        poll(&p, 1, t < 0 || t > 25 ? 25 : t);
        ck_assert_int_ge(k8sc_controller_process(ctl), 0);
    }
    ck_assert_msg(cond(arg), "condition not reached");
}

/* Whether Secret "a" holds `want` (base64). */
static bool secret_is(void *want)
{
    return strcmp(secret_value("a"), want) == 0;
}

START_TEST(host_loop_creates_repairs_and_updates_owned_objects)
{
    state st = { .mu = PTHREAD_MUTEX_INITIALIZER };
    k8sc_clock *clk;
    ck_assert_int_eq(k8sc_clock_fake_new(&clk, 0), 0);
    k8sc_controller *ctl = new_controller(&st, clk, 0);
    create_cm("a", "1");
    pump_until(ctl, secret_is, "MQ==");
    /* Owned: the Secret points at its ConfigMap as controller. */
    k8sc_object *s;
    ck_assert_int_eq(k8sc_client_get(&s, client, "v1", "Secret", "default", "a"), 0);
    k8sc_owner_ref ref;
    ck_assert_int_eq(k8sc_object_controller_ref(&ref, s), 0);
    ck_assert_str_eq(ref.kind, "ConfigMap");
    k8sc_object_free(s);

    /* Deleting the owned Secret reconciles its owner, which makes it again. */
    ck_assert_int_eq(k8sc_client_delete(NULL, client, "v1", "Secret", "default", "a", NULL), 0);
    pump_until(ctl, secret_is, "MQ==");
    /* A change of the primary object flows to the Secret. */
    ck_assert_int_eq(k8sc_client_patch(NULL, client, "v1", "ConfigMap", "default", "a", K8SC_PATCH_MERGE,
        "{\"data\":{\"v\":\"2\"}}"), 0);
    pump_until(ctl, secret_is, "Mg==");
    ck_assert_str_eq(st.last_key, "default/a");
    k8sc_controller_free(ctl);
    k8sc_clock_free(clk);
}
END_TEST

static bool secret_cached(void *arg)
{
    k8sc_object *s = NULL;
    bool cached = k8sc_cache_get(&s, k8sc_controller_cache(arg, "v1", "Secret"), "default", "a") == 0;
    k8sc_object_free(s);
    return cached;
}

static bool reconciled_n(void *arg)
{
    state *st = ((void **)arg)[0];
    return atomic_load(&st->reconciles) >= *(int *)((void **)arg)[1];
}

START_TEST(failures_back_off_and_requeue_after_waits)
{
    state st = { .mu = PTHREAD_MUTEX_INITIALIZER };
    k8sc_clock *clk;
    ck_assert_int_eq(k8sc_clock_fake_new(&clk, 0), 0);
    k8sc_controller *ctl = new_controller(&st, clk, 0);
    atomic_store(&st.fail_first, 2);
    create_cm("a", "1");
    int want = 1;
    void *arg[2] = { &st, &want };
    pump_until(ctl, reconciled_n, arg);
    /* Failed once: retried after 5 ms on the controller's clock, not before. */
    ck_assert_uint_eq(k8sc_workqueue_num_requeues(k8sc_controller_queue(ctl), "default/a"), 1);
    ck_assert_int_eq(k8sc_controller_process(ctl), 0);
    ck_assert_int_eq(k8sc_controller_next_timeout_ms(ctl), 5);
    k8sc_clock_fake_advance(clk, 5000000);
    ck_assert_int_eq(k8sc_controller_process(ctl), 1);
    /* Failed twice: 10 ms. */
    ck_assert_int_eq(k8sc_controller_next_timeout_ms(ctl), 10);
    k8sc_clock_fake_advance(clk, 9000000);
    ck_assert_int_eq(k8sc_controller_process(ctl), 0);
    k8sc_clock_fake_advance(clk, 1000000);
    ck_assert_int_eq(k8sc_controller_process(ctl), 1);
    ck_assert_str_eq(secret_value("a"), "MQ==");
    /* Success forgets the back-off. */
    ck_assert_uint_eq(k8sc_workqueue_num_requeues(k8sc_controller_queue(ctl), "default/a"), 0);

    /* Let the Secret's own watch event come in (it queues its owner once more) before timing anything. */
    pump_until(ctl, secret_cached, ctl);
    for (int i = 0; i < 5; i++)
        k8sc_controller_process(ctl);

    /* Requeue-after: the key comes back after exactly that long. */
    atomic_store(&st.requeue_after_s, 30);
    ck_assert_int_eq(k8sc_controller_enqueue(ctl, "default", "a"), 0);
    ck_assert_int_eq(k8sc_controller_process(ctl), 1);
    int before = atomic_load(&st.reconciles);
    k8sc_clock_fake_advance(clk, 29LL * 1000000000);
    k8sc_controller_process(ctl);
    ck_assert_int_eq(atomic_load(&st.reconciles), before);
    k8sc_clock_fake_advance(clk, 1LL * 1000000000);
    k8sc_controller_process(ctl);
    ck_assert_int_ge(atomic_load(&st.reconciles), before + 1);
    k8sc_controller_free(ctl);
    k8sc_clock_free(clk);
}
END_TEST

START_TEST(workers_never_share_a_key)
{
    state st = { .mu = PTHREAD_MUTEX_INITIALIZER };
    k8sc_controller *ctl = new_controller(&st, NULL, 4);
    ck_assert_int_eq(k8sc_controller_start(ctl), 0);
    ck_assert_int_eq(k8sc_controller_process(ctl), K8SC_EINVAL);
    for (int i = 0; i < 20; i++) {
        char name[16];
        snprintf(name, sizeof(name), "cm-%d", i);
        create_cm(name, "1");
    }
    /* Extra enqueues of the same keys while workers run. */
    for (int round = 0; round < 5; round++)
        for (int i = 0; i < 20; i++) {
            char name[16];
            snprintf(name, sizeof(name), "cm-%d", i);
            ck_assert_int_eq(k8sc_controller_enqueue(ctl, "default", name), 0);
        }
    int have = 0;
    for (int tries = 0; tries < 400 && have < 20; tries++) {
        k8sc_object *list;
        ck_assert_int_eq(k8sc_client_list(&list, client, "v1", "Secret", "default", NULL), 0);
        have = (int)json_object_array_length(k8sc_object_get(list, "items"));
        k8sc_object_free(list);
        if (have < 20)
            poll(NULL, 0, 50);
    }
    ck_assert_int_eq(have, 20);
    k8sc_controller_stop(ctl);
    k8sc_controller_stop(ctl);
    ck_assert_int_eq(k8sc_controller_start(ctl), K8SC_EINVAL);
    ck_assert_int_eq(atomic_load(&st.overlap), 0);
    k8sc_controller_free(ctl);
}
END_TEST

static void map_namespace(k8sc_controller *ctl, const k8sc_object *ns, void *userdata)
{
    (void)userdata;
    char name[128];
    snprintf(name, sizeof(name), "ns-%s", k8sc_object_name(ns));
    k8sc_controller_enqueue(ctl, "default", name);
}

static bool saw_key(void *arg)
{
    state *st = ((void **)arg)[0];
    pthread_mutex_lock(&st->mu);
    bool seen = strcmp(st->last_key, ((void **)arg)[1]) == 0;
    pthread_mutex_unlock(&st->mu);
    return seen;
}

START_TEST(watched_kinds_map_to_keys)
{
    state st = { .mu = PTHREAD_MUTEX_INITIALIZER };
    k8sc_controller *ctl = new_controller(&st, NULL, 0);
    ck_assert_int_eq(k8sc_controller_watches(ctl, "v1", "Namespace", map_namespace, NULL), 0);
    ck_assert_int_eq(k8sc_controller_watches(ctl, "v1", "Namespace", NULL, NULL), K8SC_EINVAL);
    k8sc_object *ns = from_json("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"zz\"}}");
    ck_assert_int_eq(k8sc_client_create(NULL, client, ns), 0);
    k8sc_object_free(ns);
    void *arg[2] = { &st, "default/ns-zz" };
    pump_until(ctl, saw_key, arg);
    k8sc_controller_free(ctl);
}
END_TEST

/* The filter of the test below: only a change of the ConfigMap's data is worth a reconcile. */
static bool data_changed(const k8sc_object *old, const k8sc_object *obj, void *userdata)
{
    (void)userdata;
    return !json_object_equal(k8sc_object_get(old, "data"), k8sc_object_get(obj, "data"));
}

static bool cached_label(void *arg)
{
    k8sc_object *cm = NULL;
    bool seen = k8sc_cache_get(&cm, k8sc_controller_cache(arg, "v1", "ConfigMap"), "default", "u") == 0 &&
                k8sc_object_get_string(cm, "metadata.labels.extra") != NULL;
    k8sc_object_free(cm);
    return seen;
}

START_TEST(update_filter_skips_updates)
{
    /* Version 1 options (without the filter) are still accepted. */
    k8sc_controller_options o;
    ck_assert_int_eq(k8sc_controller_options_init(&o, 1), 0);
    ck_assert_int_eq(o.version, 1);
    ck_assert_int_eq(k8sc_controller_options_init(&o, 3), K8SC_EINVAL);

    state st = { .mu = PTHREAD_MUTEX_INITIALIZER };
    ck_assert_int_eq(k8sc_controller_options_init(&o, K8SC_CONTROLLER_OPTIONS_VERSION), 0);
    o.api_version = "v1";
    o.kind = "ConfigMap";
    o.reconcile = copy_reconcile;
    o.userdata = &st;
    o.update_filter = data_changed;
    k8sc_controller *ctl;
    ck_assert_msg(k8sc_controller_new(&ctl, client, &o) == 0, "%s", k8sc_error_last());
    create_cm("u", "1");
    int one = 1, two = 2;
    void *first[2] = { &st, &one };
    pump_until(ctl, reconciled_n, first);
    /* A label change reaches the cache but is not reconciled. */
    ck_assert_int_eq(k8sc_client_patch(NULL, client, "v1", "ConfigMap", "default", "u", K8SC_PATCH_MERGE,
        "{\"metadata\":{\"labels\":{\"extra\":\"x\"}}}"), 0);
    pump_until(ctl, cached_label, ctl);
    for (int i = 0; i < 10; i++)
        ck_assert_int_ge(k8sc_controller_process(ctl), 0);
    ck_assert_int_eq(atomic_load(&st.reconciles), 1);
    /* A data change is. */
    ck_assert_int_eq(k8sc_client_patch(NULL, client, "v1", "ConfigMap", "default", "u", K8SC_PATCH_MERGE,
        "{\"data\":{\"v\":\"2\"}}"), 0);
    void *second[2] = { &st, &two };
    pump_until(ctl, reconciled_n, second);
    k8sc_controller_free(ctl);
}
END_TEST

START_TEST(finalizer_helpers)
{
    create_cm("f", "1");
    k8sc_object *cm, *with, *again, *without;
    ck_assert_int_eq(k8sc_client_get(&cm, client, "v1", "ConfigMap", "default", "f"), 0);
    ck_assert_int_eq(k8sc_finalizer_add(&with, client, cm, "example.com/keep"), 0);
    ck_assert(k8sc_object_has_finalizer(with, "example.com/keep"));
    ck_assert_str_ne(k8sc_object_resource_version(with), k8sc_object_resource_version(cm));
    /* Already there: nothing is sent. */
    ck_assert_int_eq(k8sc_finalizer_add(&again, client, with, "example.com/keep"), 0);
    ck_assert_ptr_eq(again, with);
    k8sc_object_free(again);
    /* A stale copy conflicts rather than overwriting. */
    ck_assert_int_eq(k8sc_finalizer_add(NULL, client, cm, "example.com/other"), K8SC_ECONFLICT);
    ck_assert_int_eq(k8sc_finalizer_remove(&without, client, with, "example.com/keep"), 0);
    ck_assert(!k8sc_object_has_finalizer(without, "example.com/keep"));
    ck_assert_int_eq(k8sc_finalizer_add(NULL, client, without, ""), K8SC_EINVAL);
    k8sc_object_free(cm);
    k8sc_object_free(with);
    k8sc_object_free(without);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reconciler");
    TCase *tc = tcase_create("reconciler");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, host_loop_creates_repairs_and_updates_owned_objects);
    tcase_add_test(tc, failures_back_off_and_requeue_after_waits);
    tcase_add_test(tc, workers_never_share_a_key);
    tcase_add_test(tc, watched_kinds_map_to_keys);
    tcase_add_test(tc, finalizer_helpers);
    tcase_add_test(tc, update_filter_skips_updates);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
