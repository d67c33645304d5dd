/*
 * Scheduler benchmark (kube-scheduler-perf's SchedulingBasic shape): an
 * API server in process on the durable sqlite store (as scheduler_perf runs
 * on etcd) with NODES nodes (8 cpu, 32 GiB, 110 pods each) and PODS pending
 * pods (100m cpu, 128 MiB) created by 16 client threads while the
 * scheduler runs; it prints the time from the first pod created until
 * every pod is bound, as the scheduler's pod informer sees them (as
 * scheduler_perf counts through the informer factory it shares with the
 * scheduler). Then the scheduling algorithm's cost per pod
 * (filter + score, from the scheduler's own counters) at 500, 5,000 and
 * 15,000 nodes on the memory store, to show how it grows. Goal: 5,000 nodes
 * and 10,000 pods at 2,000 pods/s or more. The last line reads
 * "scheduler: N nodes, M pods, X pods/s".
 *
 *   bench_scheduler [--nodes N] [--pods N] [--store URL] [--no-growth]
 */
#include "k8sc/k8sc.h"

#include <json-c/json.h>
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

_Noreturn static void die(const char *what)
{
    fprintf(stderr, "bench_scheduler: %s: %s\n", what, k8sc_error_last());
    exit(1);
}

static atomic_long bound;

static void pod_updated(const k8sc_object *old, const k8sc_object *pod, void *ud)
{
    (void)ud;
    if (!k8sc_object_get_string(old, "spec.nodeName") && k8sc_object_get_string(pod, "spec.nodeName"))
        atomic_fetch_add(&bound, 1);
}

/* Create an object; with `status`, write its status too (a create keeps none, as kubelets know). */
static void create(k8sc_client *c, const char *json, bool status)
{
    k8sc_object *obj = NULL, *made = NULL;
    if (k8sc_object_from_json(&obj, json, strlen(json)) != 0 || k8sc_client_create(&made, c, obj) != 0)
        die("create");
    if (status) {
        json_object *st = NULL;
        json_object_deep_copy(k8sc_object_get(obj, "status"), &st, NULL);
        if (k8sc_object_set(made, "status", st) != 0 || k8sc_client_update_status(NULL, c, made) != 0)
            die("node status");
    }
    k8sc_object_free(made);
    k8sc_object_free(obj);
}

typedef struct result {
    long bound;
    double seconds, setup_seconds;
    double algorithm_us; /* per scheduled pod */
} result;

/* Pod creators: scheduler_perf's client creates pods concurrently while the scheduler runs. */
#define CREATORS 16

typedef struct creator {
    pthread_t thread;
    k8sc_client *client;
    int first, count;
} creator;

static void *create_pods(void *ud)
{
    creator *c = ud;
    char json[512];
    for (int i = c->first; i < c->first + c->count; i++) {
        snprintf(json, sizeof(json),
                 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"pod-%05d\",\"namespace\":\"default\"},"
                 "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:1.36\",\"resources\":{\"requests\":"
                 "{\"cpu\":\"100m\",\"memory\":\"128Mi\"}}}]}}",
                 i);
        create(c->client, json, false);
    }
    return NULL;
}

static result run(const char *store_url, int nodes, int pods)
{
    k8sc_store *store = NULL;
    k8sc_apiserver *srv = NULL;
    k8sc_client *client = NULL;
    k8sc_apiserver_options ao = K8SC_APISERVER_OPTIONS_INIT;
    if (k8sc_store_open(&store, store_url, NULL) != 0 || (ao.store = store, k8sc_apiserver_new(&srv, &ao)) != 0 ||
        k8sc_client_new_in_process(&client, srv) != 0)
        die("API server");
    atomic_store(&bound, 0);
    double t0 = now();
    char json[1024];
    for (int i = 0; i < nodes; i++) {
        snprintf(json, sizeof(json),
                 "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node-%05d\",\"labels\":"
                 "{\"kubernetes.io/hostname\":\"node-%05d\",\"zone\":\"z%d\"}},\"status\":{\"allocatable\":{\"cpu\":\"8\","
                 "\"memory\":\"32Gi\",\"pods\":\"110\"},\"capacity\":{\"cpu\":\"8\",\"memory\":\"32Gi\",\"pods\":\"110\"},"
                 "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}",
                 i, i, i % 3);
        create(client, json, true);
    }
    k8sc_scheduler *sched = NULL;
    if (k8sc_scheduler_new(&sched, client, NULL) != 0 || k8sc_scheduler_start(sched) != 0)
        die("scheduler");
    k8sc_informer *nodes_seen = k8sc_scheduler_informer(sched, "v1", "Node");
    k8sc_informer *pods_seen = k8sc_scheduler_informer(sched, "v1", "Pod");
    if (!nodes_seen || k8sc_informer_wait_synced(nodes_seen, 60000) != 0 || !pods_seen ||
        k8sc_informer_wait_synced(pods_seen, 60000) != 0)
        die("scheduler's informers");
    /* Count bindings on the watch the scheduler's pod informer keeps: no second decode of every event. */
    k8sc_informer_handler h = K8SC_INFORMER_HANDLER_INIT;
    h.on_update = pod_updated;
    if (k8sc_informer_add_handler(pods_seen, &h) != 0)
        die("informer handler");
    result r = { 0, 0, now() - t0, 0 };
    printf("setup: %d nodes created and the scheduler started in %.2f s (%s)\n", nodes, r.setup_seconds, store_url);
    fflush(stdout);

    double start = now();
    creator cr[CREATORS];
    for (int i = 0; i < CREATORS; i++) {
        cr[i] = (creator){ .client = client, .first = pods * i / CREATORS };
        cr[i].count = pods * (i + 1) / CREATORS - cr[i].first;
        if (pthread_create(&cr[i].thread, NULL, create_pods, &cr[i]) != 0)
            die("pthread_create");
    }
    while (atomic_load(&bound) < pods && now() - start < 600) {
        struct timespec ts = { 0, 2 * 1000000L };
        nanosleep(&ts, NULL);
    }
    r.seconds = now() - start;
    r.bound = atomic_load(&bound);
    for (int i = 0; i < CREATORS; i++)
        pthread_join(cr[i].thread, NULL);
    k8sc_scheduler_stats st;
    k8sc_scheduler_get_stats(sched, &st);
    r.algorithm_us = st.scheduled ? (double)st.algorithm_ns / 1e3 / (double)st.scheduled : 0;
    k8sc_informer_remove_handler(pods_seen, &h);
    k8sc_scheduler_free(sched);
    k8sc_client_free(client);
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
    return r;
}

int main(int argc, char **argv)
{
    k8sc_tune_allocator(); /* as the server programs do */
    int nodes = 5000, pods = 10000;
    const char *store_url = NULL;
    bool growth = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--nodes") == 0 && i + 1 < argc)
            nodes = atoi(argv[++i]);
        else if (strcmp(argv[i], "--pods") == 0 && i + 1 < argc)
            pods = atoi(argv[++i]);
        else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc)
            store_url = argv[++i];
        else if (strcmp(argv[i], "--no-growth") == 0)
            growth = false;
        else {
            fprintf(stderr, "usage: bench_scheduler [--nodes N] [--pods N] [--store URL] [--no-growth]\n");
            return 2;
        }
    }
    if (nodes < 1 || pods < 1) {
        fprintf(stderr, "bench_scheduler: --nodes and --pods must be positive\n");
        return 2;
    }
    k8sc_log_set_handler(NULL, K8SC_LOG_WARN, NULL);
    char dir[] = "/tmp/k8sc-bench-sched-XXXXXX", url[128];
    if (!store_url) {
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
        snprintf(url, sizeof(url), "sqlite:%s/k8sc.db", dir);
        store_url = url;
    }
    if (growth) {
        static const int sizes[] = { 500, 5000, 15000 };
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            result g = run("memory://", sizes[i], 1000);
            printf("algorithm cost at %5d nodes: %.1f us per pod (%ld pods)\n", sizes[i], g.algorithm_us, g.bound);
            fflush(stdout);
        }
    }
    result r = run(store_url, nodes, pods);
    if (store_url == url) {
        char cmd[200];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_scheduler: could not remove %s\n", dir);
    }
    printf("%ld/%d pods created and bound in %.2f s; algorithm %.1f us per pod (goal >= 2,000 pods/s)\n", r.bound,
           pods, r.seconds, r.algorithm_us);
    printf("scheduler: %d nodes, %d pods, %.0f pods/s\n", nodes, pods, (double)r.bound / r.seconds);
    return r.bound == pods ? 0 : 1;
}
