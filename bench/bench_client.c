/*
 * Client SDK benchmark: informer cache memory per object (ConfigMaps of
 * about 300 bytes of JSON), watch events per second from the API server to
 * an informer handler (in process and over HTTP; the objects are written
 * in process, as fast as the store takes them), and work-queue
 * operations per second (add + get + done) from 1 and 4 threads.
 *
 *   bench_client [--objects N]
 */
#include "k8sc/k8sc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

_Noreturn static void die(const char *what)
{
    fprintf(stderr, "bench_client: %s: %s\n", what, k8sc_error_last());
    exit(1);
}

static void create_configmaps(k8sc_client *c, const char *prefix, long n)
{
    for (long i = 0; i < n; i++) {
        char json[512];
        snprintf(json, sizeof(json),
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s-%ld\",\"namespace\":\"default\","
            "\"labels\":{\"app\":\"bench\",\"shard\":\"s%ld\"}},\"data\":{\"key\":\"value-%ld\",\"other\":\"some longer "
            "text that makes the object a realistic size\"}}",
            prefix, i, i % 16, i);
        k8sc_object *o;
        if (k8sc_object_from_json(&o, json, strlen(json)) < 0 || k8sc_client_create(NULL, c, o) < 0)
            die("create");
        k8sc_object_free(o);
    }
}

static atomic_long seen;

static void count(const k8sc_object *obj, void *ud)
{
    (void)obj;
    (void)ud;
    atomic_fetch_add(&seen, 1);
}

static void count_update(const k8sc_object *old, const k8sc_object *obj, void *ud)
{
    (void)old;
    count(obj, ud);
}

static k8sc_informer *start_informer(k8sc_client *c)
{
    k8sc_informer *inf;
    k8sc_informer_handler h = K8SC_INFORMER_HANDLER_INIT;
    h.on_add = count;
    h.on_update = count_update;
    if (k8sc_informer_new(&inf, c, "v1", "ConfigMap", NULL) < 0 || k8sc_informer_add_handler(inf, &h) < 0 ||
        k8sc_informer_start(inf) < 0 || k8sc_informer_wait_synced(inf, 60000) < 0)
        die("informer");
    return inf;
}

/* Events per second to the handler of an informer on `watcher`, objects written in process on this thread. */
static double event_rate(k8sc_client *watcher, k8sc_client *writer, const char *prefix, long n)
{
    k8sc_informer *inf = start_informer(watcher);
    atomic_store(&seen, 0);
    double t0 = now();
    create_configmaps(writer, prefix, n);
    while (atomic_load(&seen) < n && now() - t0 < 120)
        usleep(500);
    double dt = now() - t0;
    k8sc_informer_free(inf);
    return (double)n / dt;
}

typedef struct {
    k8sc_workqueue *q;
    long n;
    int id;
} qarg;

static void *queue_worker(void *p)
{
    qarg *a = p;
    char key[32], *got;
    for (long i = 0; i < a->n; i++) {
        snprintf(key, sizeof(key), "ns/key-%d-%ld", a->id, i % 1000);
        k8sc_workqueue_add(a->q, key);
        /* Another thread may have taken this key: never wait for one that is not coming. */
        if (k8sc_workqueue_get_timed(a->q, &got, 100) == 0) {
            k8sc_workqueue_done(a->q, got);
            k8sc_free(got);
        }
    }
    return NULL;
}

static double queue_rate(int threads, long per_thread)
{
    k8sc_workqueue *q;
    if (k8sc_workqueue_new(&q, NULL) < 0)
        die("queue");
    pthread_t t[8];
    qarg a[8];
    double t0 = now();
    for (int i = 0; i < threads; i++) {
        a[i] = (qarg){ q, per_thread, i };
        pthread_create(&t[i], NULL, queue_worker, &a[i]);
    }
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    double dt = now() - t0;
    k8sc_workqueue_free(q);
    return (double)(threads * per_thread) / dt;
}

int main(int argc, char **argv)
{
    long n = 10000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--objects") == 0 && i + 1 < argc) {
            n = atol(argv[++i]);
        } else {
            fprintf(stderr, "usage: bench_client [--objects N]\n");
            return 2;
        }
    }
    k8sc_log_set_handler(NULL, K8SC_LOG_ERROR, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    k8sc_store *store;
    k8sc_apiserver *srv;
    k8sc_client *inproc, *http;
    k8sc_apiserver_options ao = K8SC_APISERVER_OPTIONS_INIT;
    ao.listen = "127.0.0.1:0";
    if (k8sc_store_open(&store, "memory://", NULL) < 0)
        die("store");
    ao.store = store;
    if (k8sc_apiserver_new(&srv, &ao) < 0 || k8sc_apiserver_start(srv) < 0 || k8sc_client_new_in_process(&inproc, srv) < 0)
        die("API server");
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", k8sc_apiserver_port(srv));
    k8sc_client_config *cfg;
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    if (k8sc_client_config_from_url(&cfg, url) < 0)
        die("config");
    co.config = cfg;
    if (k8sc_client_new(&http, &co) < 0)
        die("client");
    k8sc_client_config_free(cfg);

    printf("Client SDK, %ld ConfigMaps, memory store, 2 cores\n", n);
    create_configmaps(inproc, "cached", n);
    long before = rss_kib();
    k8sc_informer *inf = start_informer(inproc);
    long after = rss_kib();
    printf("  %-44s %10.0f bytes\n", "informer cache, memory per object", (double)(after - before) * 1024.0 / (double)n);
    k8sc_informer_free(inf);

    printf("  %-44s %10.0f /s\n", "watch events to handler (in process)", event_rate(inproc, inproc, "a", n));
    printf("  %-44s %10.0f /s\n", "watch events to handler (HTTP)", event_rate(http, inproc, "b", n));
    printf("  %-44s %10.0f /s\n", "work queue add+get+done, 1 thread", queue_rate(1, 1000000));
    printf("  %-44s %10.0f /s\n", "work queue add+get+done, 4 threads", queue_rate(4, 250000));

    k8sc_client_free(http);
    k8sc_client_free(inproc);
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
    return 0;
}
