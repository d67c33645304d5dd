/*
 * Scheduler benchmark (kube-scheduler-perf's SchedulingBasic shape): an
 * API server in process on the memory store with NODES nodes (8 cpu,
 * 32 GiB, 110 pods each) and PODS pending pods (100m cpu, 128 MiB), then
 * the scheduler on its own thread; it prints the time until every pod is
 * bound and the pods scheduled per second. Goal: 5,000 nodes and 10,000
 * pods at 2,000 pods/s or more.
 *
 *   bench_scheduler [--nodes N] [--pods N]
 */
#include "k8sc/k8sc.h"

#include <json-c/json.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

int main(int argc, char **argv)
{
    int nodes = 5000, pods = 10000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--nodes") == 0 && i + 1 < argc)
            nodes = atoi(argv[++i]);
        else if (strcmp(argv[i], "--pods") == 0 && i + 1 < argc)
            pods = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_scheduler [--nodes N] [--pods N]\n");
            return 2;
        }
    }
    if (nodes < 1 || pods < 1) {
        fprintf(stderr, "bench_scheduler: --nodes and --pods must be positive\n");
        return 2;
    }
    k8sc_log_set_handler(NULL, K8SC_LOG_WARN, NULL);
    k8sc_store *store = NULL;
    k8sc_apiserver *srv = NULL;
    k8sc_client *client = NULL;
    k8sc_apiserver_options ao = K8SC_APISERVER_OPTIONS_INIT;
    if (k8sc_store_open(&store, "memory://", NULL) != 0 || (ao.store = store, k8sc_apiserver_new(&srv, &ao)) != 0 ||
        k8sc_client_new_in_process(&client, srv) != 0)
        die("API server");
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
    for (int i = 0; i < pods; i++) {
        snprintf(json, sizeof(json),
                 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"pod-%05d\",\"namespace\":\"default\"},"
                 "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:1.36\",\"resources\":{\"requests\":"
                 "{\"cpu\":\"100m\",\"memory\":\"128Mi\"}}}]}}",
                 i);
        create(client, json, false);
    }
    printf("setup: %d nodes and %d pending pods created in %.2f s\n", nodes, pods, now() - t0);
    fflush(stdout);

    /* Count bindings through an informer of our own, as a watcher of the API would see them. */
    k8sc_informer *inf = NULL;
    k8sc_informer_handler h = K8SC_INFORMER_HANDLER_INIT;
    h.on_update = pod_updated;
    if (k8sc_informer_new(&inf, client, K8SC_POD, NULL) != 0 || k8sc_informer_add_handler(inf, &h) != 0 ||
        k8sc_informer_start(inf) != 0 || k8sc_informer_wait_synced(inf, 60000) != 0)
        die("informer");
    k8sc_scheduler *sched = NULL;
    if (k8sc_scheduler_new(&sched, client, NULL) != 0)
        die("scheduler");
    double start = now();
    if (k8sc_scheduler_start(sched) != 0)
        die("scheduler start");
    double half = 0;
    while (atomic_load(&bound) < pods && now() - start < 600) {
        if (!half && atomic_load(&bound) >= pods / 2)
            half = now() - start;
        struct timespec ts = { 0, 5 * 1000000L };
        nanosleep(&ts, NULL);
    }
    double took = now() - start;
    long done = atomic_load(&bound);
    printf("scheduled %ld/%d pods on %d nodes in %.2f s: %.0f pods/s (first half in %.2f s; goal >= 2,000 pods/s)\n",
           done, pods, nodes, took, (double)done / took, half);
    k8sc_scheduler_free(sched);
    k8sc_informer_free(inf);
    k8sc_client_free(client);
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
    return done == pods ? 0 : 1;
}
