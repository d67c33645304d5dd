/*
 * The event recorder against an in-process API server: the Event client-go
 * writes, aggregation of repeats (count, lastTimestamp), flushing on free,
 * and a server that never answers (the caller is never held up).
 */
#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/codec.h"
#include "k8sc/controller.h"
#include "k8sc/core.h"
#include "k8sc/store.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SEC INT64_C(1000000000)
/* 2026-11-25T21:30:00.5Z */
#define T0 (INT64_C(1795642200) * SEC + SEC / 2)

static k8sc_store *store;
static k8sc_apiserver *srv;
static k8sc_clock *clock_;
static k8sc_client *client;
static k8sc_event_recorder *rec;

static k8sc_client *client_for(const char *url, long timeout_ms)
{
    k8sc_client_config *cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, url), 0);
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    co.config = cfg;
    co.timeout_ms = timeout_ms;
    co.max_retries = -1;
    k8sc_client *c = NULL;
    ck_assert_msg(k8sc_client_new(&c, &co) == 0, "%s", k8sc_error_last());
    k8sc_client_config_free(cfg);
    return c;
}

static void setup(void)
{
    ck_assert_int_eq(k8sc_clock_fake_new(&clock_, T0), 0);
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = store;
    o.clock = clock_;
    ck_assert_msg(k8sc_apiserver_new(&srv, &o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_apiserver_start(srv) == 0, "%s", k8sc_error_last());
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", k8sc_apiserver_port(srv));
    client = client_for(url, 5000);
    ck_assert_msg(k8sc_event_recorder_new(&rec, client, "test-controller", "node-1", clock_) == 0, "%s",
        k8sc_error_last());
}

static void teardown(void)
{
    k8sc_event_recorder_free(rec);
    k8sc_client_free(client);
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
    k8sc_clock_free(clock_);
    rec = NULL;
}

static k8sc_object *create(const char *json)
{
    k8sc_object *obj = NULL, *created = NULL;
    ck_assert_msg(k8sc_object_from_json(&obj, json, strlen(json)) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_client_create(&created, client, obj) == 0, "%s", k8sc_error_last());
    k8sc_object_free(obj);
    return created;
}

static k8sc_object *configmap(void)
{
    return create("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                  "\"metadata\":{\"name\":\"cfg\",\"namespace\":\"default\"}}");
}

/* Every Event in `ns`, sorted by the server (by name). */
static k8sc_object *events_in(const char *ns)
{
    k8sc_object *list = NULL;
    ck_assert_msg(k8sc_client_list(&list, client, "v1", "Event", ns, NULL) == 0, "%s", k8sc_error_last());
    return list;
}

static size_t count_items(const k8sc_object *list)
{
    return json_object_array_length(k8sc_object_get(list, "items"));
}

static k8sc_object *item(const k8sc_object *list, size_t i)
{
    struct json_object *ev = json_object_array_get_idx(k8sc_object_get(list, "items"), i);
    ck_assert_ptr_nonnull(ev);
    k8sc_object *obj = NULL;
    ck_assert_int_eq(k8sc_object_wrap(&obj, json_object_get(ev)), 0);
    return obj;
}

static int64_t int_at(const k8sc_object *obj, const char *path)
{
    int64_t v = -1;
    ck_assert_msg(k8sc_object_get_int(obj, path, &v) == 0, "%s", path);
    return v;
}

static void flush(void)
{
    ck_assert_msg(k8sc_event_recorder_flush(rec, 10000) == 0, "%s", k8sc_error_last());
}

/* One event has every field client-go's recorder sets, as `kubectl describe` reads them. */
START_TEST(event_fields)
{
    k8sc_object *cm = configmap();
    ck_assert_int_eq(k8sc_event_recorder_event(rec, cm, "Normal", "Synced", "synced %s with %d keys", "cfg", 2), 0);
    flush();
    k8sc_object *list = events_in("default");
    ck_assert_uint_eq(count_items(list), 1);
    k8sc_object *ev = item(list, 0);
    char want_name[64];
    snprintf(want_name, sizeof(want_name), "cfg.%llx", (unsigned long long)T0);
    ck_assert_str_eq(k8sc_object_name(ev), want_name);
    ck_assert_uint_eq(strlen(want_name) - 4, 16);
    ck_assert_str_eq(k8sc_object_namespace(ev), "default");
    ck_assert_str_eq(k8sc_object_get_string(ev, "involvedObject.kind"), "ConfigMap");
    ck_assert_str_eq(k8sc_object_get_string(ev, "involvedObject.namespace"), "default");
    ck_assert_str_eq(k8sc_object_get_string(ev, "involvedObject.name"), "cfg");
    ck_assert_str_eq(k8sc_object_get_string(ev, "involvedObject.uid"), k8sc_object_uid(cm));
    ck_assert_str_eq(k8sc_object_get_string(ev, "involvedObject.apiVersion"), "v1");
    ck_assert_str_eq(k8sc_object_get_string(ev, "involvedObject.resourceVersion"), k8sc_object_resource_version(cm));
    ck_assert_str_eq(k8sc_object_get_string(ev, "reason"), "Synced");
    ck_assert_str_eq(k8sc_object_get_string(ev, "message"), "synced cfg with 2 keys");
    ck_assert_str_eq(k8sc_object_get_string(ev, "type"), "Normal");
    ck_assert_str_eq(k8sc_object_get_string(ev, "source.component"), "test-controller");
    ck_assert_str_eq(k8sc_object_get_string(ev, "source.host"), "node-1");
    ck_assert_str_eq(k8sc_object_get_string(ev, "reportingComponent"), "test-controller");
    ck_assert_str_eq(k8sc_object_get_string(ev, "reportingInstance"), "node-1");
    ck_assert_str_eq(k8sc_object_get_string(ev, "firstTimestamp"), "2026-11-25T21:30:00Z");
    ck_assert_str_eq(k8sc_object_get_string(ev, "lastTimestamp"), "2026-11-25T21:30:00Z");
    ck_assert_int_eq(int_at(ev, "count"), 1);
    ck_assert(k8sc_object_has(ev, "eventTime"));
    ck_assert_ptr_null(k8sc_object_get(ev, "eventTime"));
    k8sc_object_free(ev);
    k8sc_object_free(list);
    k8sc_object_free(cm);
}
END_TEST

/* Repeats within 10 minutes bump one Event's count; other messages and old repeats make new Events. */
START_TEST(aggregation)
{
    k8sc_object *cm = configmap();
    ck_assert_int_eq(k8sc_event_recorder_event(rec, cm, "Warning", "Failed", "boom"), 0);
    flush();
    ck_assert_int_eq(k8sc_clock_fake_advance(clock_, 30 * SEC), 0);
    ck_assert_int_eq(k8sc_event_recorder_event(rec, cm, "Warning", "Failed", "boom"), 0);
    flush();
    k8sc_object *list = events_in("default");
    ck_assert_uint_eq(count_items(list), 1);
    k8sc_object *ev = item(list, 0);
    ck_assert_int_eq(int_at(ev, "count"), 2);
    ck_assert_str_eq(k8sc_object_get_string(ev, "firstTimestamp"), "2026-11-25T21:30:00Z");
    ck_assert_str_eq(k8sc_object_get_string(ev, "lastTimestamp"), "2026-11-25T21:30:30Z");
    k8sc_object_free(ev);
    k8sc_object_free(list);

    /* A third repeat, and an event that differs in message only, and one that differs in type only. */
    ck_assert_int_eq(k8sc_event_recorder_event(rec, cm, "Warning", "Failed", "boom"), 0);
    ck_assert_int_eq(k8sc_event_recorder_event(rec, cm, "Warning", "Failed", "bang"), 0);
    ck_assert_int_eq(k8sc_event_recorder_event(rec, cm, "Normal", "Failed", "boom"), 0);
    flush();
    list = events_in("default");
    ck_assert_uint_eq(count_items(list), 3);
    int64_t total = 0;
    for (size_t i = 0; i < 3; i++) {
        ev = item(list, i);
        total += int_at(ev, "count");
        k8sc_object_free(ev);
    }
    ck_assert_int_eq(total, 5);
    k8sc_object_free(list);

    /* Ten minutes after the last repeat, the same event starts afresh. */
    ck_assert_int_eq(k8sc_clock_fake_advance(clock_, 601 * SEC), 0);
    ck_assert_int_eq(k8sc_event_recorder_event(rec, cm, "Warning", "Failed", "boom"), 0);
    flush();
    list = events_in("default");
    ck_assert_uint_eq(count_items(list), 4);
    k8sc_object_free(list);

    /* An aggregated Event deleted meanwhile is created again with the running count. */
    k8sc_object *latest = NULL;
    char name[64];
    snprintf(name, sizeof(name), "cfg.%llx", (unsigned long long)(T0 + 631 * SEC));
    ck_assert_msg(k8sc_client_delete(NULL, client, "v1", "Event", "default", name, NULL) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(k8sc_event_recorder_event(rec, cm, "Warning", "Failed", "boom"), 0);
    flush();
    ck_assert_msg(k8sc_client_get(&latest, client, "v1", "Event", "default", name) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(int_at(latest, "count"), 2);
    k8sc_object_free(latest);
    k8sc_object_free(cm);
}
END_TEST

/* Events about cluster-scoped objects go to "default" and name no namespace. */
START_TEST(cluster_scoped_object)
{
    k8sc_object *ns = create("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"team-a\"}}");
    ck_assert_int_eq(k8sc_event_recorder_event(rec, ns, "Normal", "Created", "namespace %s is ready", "team-a"), 0);
    flush();
    k8sc_object *list = events_in("default");
    ck_assert_uint_eq(count_items(list), 1);
    k8sc_object *ev = item(list, 0);
    ck_assert_str_eq(k8sc_object_get_string(ev, "involvedObject.kind"), "Namespace");
    ck_assert(!k8sc_object_has(ev, "involvedObject.namespace"));
    ck_assert_str_eq(k8sc_object_get_string(ev, "message"), "namespace team-a is ready");
    k8sc_object_free(ev);
    k8sc_object_free(list);
    k8sc_object_free(ns);
}
END_TEST

START_TEST(bad_input)
{
    k8sc_object *cm = configmap(), *anon = NULL;
    ck_assert_int_eq(k8sc_event_recorder_event(rec, cm, "Info", "Synced", "x"), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "Info"));
    ck_assert_int_eq(k8sc_event_recorder_event(rec, cm, NULL, "Synced", "x"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_event_recorder_event(rec, cm, "Normal", "", "x"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_event_recorder_event(rec, NULL, "Normal", "Synced", "x"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_event_recorder_event(NULL, cm, "Normal", "Synced", "x"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_object_new(&anon, "v1", "ConfigMap"), 0);
    ck_assert_int_eq(k8sc_event_recorder_event(rec, anon, "Normal", "Synced", "x"), K8SC_EINVAL);
    k8sc_event_recorder *other = NULL;
    ck_assert_int_eq(k8sc_event_recorder_new(&other, client, "", NULL, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_event_recorder_new(&other, NULL, "c", NULL, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_event_recorder_flush(NULL, 0), K8SC_EINVAL);
    k8sc_event_recorder_free(NULL);
    flush();
    k8sc_object *list = events_in("default");
    ck_assert_uint_eq(count_items(list), 0);
    k8sc_object_free(list);
    k8sc_object_free(anon);
    k8sc_object_free(cm);
}
END_TEST

/* Freeing the recorder sends what was still queued. */
START_TEST(free_flushes)
{
    k8sc_object *cm = configmap();
    for (int i = 0; i < 20; i++)
        ck_assert_int_eq(k8sc_event_recorder_event(rec, cm, "Normal", "Step", "step %d", i), 0);
    k8sc_event_recorder_free(rec);
    rec = NULL;
    k8sc_object *list = events_in("default");
    ck_assert_uint_eq(count_items(list), 20);
    k8sc_object_free(list);
    k8sc_object_free(cm);
}
END_TEST

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A server that accepts connections (the kernel's backlog) but never answers. */
static int silent_server(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = { 0 };
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(fd, 64), 0);
    socklen_t len = sizeof(a);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* Recording never waits for the server; the queue is bounded; free gives up after its bound. */
START_TEST(dead_server_does_not_block)
{
    int port = 0, fd = silent_server(&port);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    k8sc_client *dead = client_for(url, 300);
    k8sc_event_recorder *r = NULL;
    ck_assert_int_eq(k8sc_event_recorder_new(&r, dead, "test-controller", NULL, NULL), 0);
    k8sc_object *cm = configmap();

    int64_t start = real_ms();
    int rc = 0, queued = 0;
    for (int i = 0; i < K8SC_EVENT_QUEUE_MAX + 10 && rc == 0; i++) {
        rc = k8sc_event_recorder_event(r, cm, "Warning", "Unreachable", "attempt %d", i);
        queued += rc == 0;
    }
    int64_t elapsed = real_ms() - start;
    ck_assert_int_eq(rc, K8SC_ETOOMANY);
    ck_assert_int_ge(queued, K8SC_EVENT_QUEUE_MAX);
    /* Bounded: beyond the queue, only what the sender took off it meanwhile (one per 300 ms attempt, plus the one in hand). */
    ck_assert_int_le(queued, K8SC_EVENT_QUEUE_MAX + 2 + (int)(elapsed / 300));
    ck_assert_int_lt(elapsed, 2000);

    ck_assert_int_eq(k8sc_event_recorder_flush(r, 100), K8SC_ETIMEOUT);
    start = real_ms();
    k8sc_event_recorder_free(r);
    int64_t took = real_ms() - start;
    ck_assert_int_ge(took, 4500);
    ck_assert_int_lt(took, 8000);
    k8sc_object_free(cm);
    k8sc_client_free(dead);
    close(fd);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("events");
    TCase *tc = tcase_create("events");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, event_fields);
    tcase_add_test(tc, aggregation);
    tcase_add_test(tc, cluster_scoped_object);
    tcase_add_test(tc, bad_input);
    tcase_add_test(tc, free_flushes);
    tcase_add_test(tc, dead_server_does_not_block);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
