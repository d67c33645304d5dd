/*
 * Controller benchmark: the Deployment and ReplicaSet controllers on their
 * own worker threads, with an API server in process (memory or SQLite
 * store) and fake nodes (8 threads marking every new pod Running and
 * Ready). It prints the time from creating a Deployment of N replicas to
 * N pods created, to the rollout being complete, and for a rolling update
 * of the whole Deployment (maxSurge 25%, maxUnavailable 25%) to complete.
 *
 *   bench_controllers [--replicas N] [--store memory|sqlite]
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

_Noreturn static void die(const char *what)
{
    fprintf(stderr, "bench_controllers: %s: %s\n", what, k8sc_error_last());
    exit(1);
}

/* ---- fake nodes: mark new pods ready, count pods ---- */

typedef struct nodes {
    k8sc_client *client;
    k8sc_workqueue *queue; /* pods to mark ready */
    atomic_long created;   /* pods seen (adds) */
    atomic_long readied;
} nodes;

static void pod_added(const k8sc_object *pod, void *ud)
{
    nodes *n = ud;
    atomic_fetch_add(&n->created, 1);
    char key[256];
    snprintf(key, sizeof(key), "%s/%s", k8sc_object_namespace(pod), k8sc_object_name(pod));
    k8sc_workqueue_add(n->queue, key);
}

static void *kubelet(void *arg)
{
    nodes *n = arg;
    char *key;
    while (k8sc_workqueue_get(n->queue, &key) == 0) {
        char *slash = strchr(key, '/'), path[512], body[1024];
        *slash = '\0';
        k8sc_object *pod;
        if (k8sc_client_get(&pod, n->client, "v1", "Pod", key, slash + 1) == 0) {
            *slash = '/';
            snprintf(path, sizeof(path), "/api/v1/namespaces/%.*s/pods/%s/status", (int)(slash - key), key, slash + 1);
            snprintf(body, sizeof(body),
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"resourceVersion\":\"%s\"},"
                "\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}",
                slash + 1, k8sc_object_resource_version(pod));
            if (k8sc_client_request(NULL, NULL, n->client, "PUT", path, "application/json", body, strlen(body)) == 0)
                atomic_fetch_add(&n->readied, 1);
            else
                k8sc_workqueue_add_rate_limited(n->queue, key);
            k8sc_object_free(pod);
        }
        *slash = '/';
        k8sc_workqueue_done(n->queue, key);
        k8sc_free(key);
    }
    return NULL;
}

/* ---- the measured deployment ---- */

static bool rollout_complete(k8sc_client *client, long replicas, long generation_at_least)
{
    k8sc_object *d;
    if (k8sc_client_get(&d, client, "apps/v1", "Deployment", "default", "bench") < 0)
        return false;
    int64_t updated = 0, available = 0, total = 0, observed = 0;
    k8sc_object_get_int(d, "status.updatedReplicas", &updated);
    k8sc_object_get_int(d, "status.availableReplicas", &available);
    k8sc_object_get_int(d, "status.replicas", &total);
    k8sc_object_get_int(d, "status.observedGeneration", &observed);
    bool done = updated == replicas && available == replicas && total == replicas && observed >= generation_at_least;
    k8sc_object_free(d);
    return done;
}

typedef struct ctx {
    k8sc_client *client;
    nodes *n;
    long replicas, target, generation;
} ctx;

static double wait_for(bool (*cond)(void *), void *arg, double t0, double limit)
{
    while (!cond(arg)) {
        if (now() - t0 > limit) {
            ctx *c = arg;
            k8sc_object *d = NULL;
            char *status = NULL;
            if (k8sc_client_get(&d, c->client, "apps/v1", "Deployment", "default", "bench") == 0)
                k8sc_json_encode(&status, NULL, k8sc_object_get(d, "status"), 0);
            fprintf(stderr, "bench_controllers: gave up after %.0f s: %ld pods created, %ld made ready; status %s\n",
                limit, (long)atomic_load(&c->n->created), (long)atomic_load(&c->n->readied), status ? status : "?");
            exit(1);
        }
        usleep(2000);
    }
    return now() - t0;
}

static bool pods_created(void *arg)
{
    ctx *c = arg;
    return atomic_load(&c->n->created) >= c->target;
}

static bool complete(void *arg)
{
    ctx *c = arg;
    return rollout_complete(c->client, c->replicas, c->generation);
}

int main(int argc, char **argv)
{
    k8sc_tune_allocator(); /* as the server programs do */
    long replicas = 1000;
    const char *store_kind = "memory";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--replicas") == 0 && i + 1 < argc)
            replicas = atol(argv[++i]);
        else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc)
            store_kind = argv[++i];
        else {
            fprintf(stderr, "usage: bench_controllers [--replicas N] [--store memory|sqlite]\n");
            return 2;
        }
    }
    k8sc_log_set_handler(NULL, K8SC_LOG_WARN, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    char dir[] = "/tmp/k8sc-bench-XXXXXX", url[128] = "memory://";
    if (strcmp(store_kind, "sqlite") == 0) {
        if (!mkdtemp(dir))
            return 1;
        snprintf(url, sizeof(url), "sqlite:%s/k8sc.db", dir);
    }
    k8sc_store *store;
    k8sc_apiserver *srv;
    k8sc_client *client;
    if (k8sc_store_open(&store, url, NULL) < 0)
        die("store");
    k8sc_apiserver_options ao = K8SC_APISERVER_OPTIONS_INIT;
    ao.store = store;
    if (k8sc_apiserver_new(&srv, &ao) < 0 || k8sc_client_new_in_process(&client, srv) < 0)
        die("API server");

    k8sc_informer_factory *factory;
    if (k8sc_informer_factory_new(&factory, client, NULL) < 0)
        die("factory");
    k8sc_builtin_options bo = K8SC_BUILTIN_OPTIONS_INIT;
    bo.factory = factory;
    bo.workers = 5;
    k8sc_controller *rsc, *dc;
    if (k8sc_replicaset_controller_new(&rsc, client, &bo) < 0 || k8sc_deployment_controller_new(&dc, client, &bo) < 0)
        die("controllers");
    nodes n = { .client = client };
    if (k8sc_workqueue_new(&n.queue, NULL) < 0)
        die("queue");
    k8sc_informer *pods;
    if (k8sc_informer_factory_get(&pods, factory, "v1", "Pod") < 0)
        die("pod informer");
    k8sc_informer_handler h = K8SC_INFORMER_HANDLER_INIT;
    h.on_add = pod_added;
    h.userdata = &n;
    k8sc_informer_add_handler(pods, &h);
    pthread_t kubelets[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&kubelets[i], NULL, kubelet, &n);
    if (k8sc_informer_factory_start(factory) < 0 || k8sc_controller_start(rsc) < 0 || k8sc_controller_start(dc) < 0)
        die("start");
    k8sc_informer_factory_wait_synced(factory, 10000);

    printf("Deployment of %ld replicas, %s store, in-process API server, 2 cores\n", replicas, store_kind);
    char json[1024];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"bench\",\"namespace\":\"default\"},"
        "\"spec\":{\"replicas\":%ld,\"selector\":{\"matchLabels\":{\"app\":\"bench\"}},"
        "\"template\":{\"metadata\":{\"labels\":{\"app\":\"bench\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:1\"}]}}}}",
        replicas);
    k8sc_object *d;
    if (k8sc_object_from_json(&d, json, strlen(json)) < 0)
        die("deployment");
    ctx c = { client, &n, replicas, replicas, 1 };
    double t0 = now();
    if (k8sc_client_create(NULL, client, d) < 0)
        die("create deployment");
    k8sc_object_free(d);
    double created = wait_for(pods_created, &c, t0, 120);
    fflush(stdout);
    printf("  %-40s %8.3f s\n", "create: all pods created", created);
    double done = wait_for(complete, &c, t0, 120);
    printf("  %-40s %8.3f s\n", "create: rollout complete (pods ready)", done);

    c.target = 2 * replicas;
    c.generation = 2;
    t0 = now();
    if (k8sc_client_patch(NULL, client, "apps/v1", "Deployment", "default", "bench", K8SC_PATCH_STRATEGIC,
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:2\"}]}}}}") < 0)
        die("update");
    double updated = wait_for(complete, &c, t0, 120);
    printf("  %-40s %8.3f s\n", "rolling update: complete", updated);
    printf("  %-40s %8ld\n", "pods created in all", (long)atomic_load(&n.created));

    k8sc_workqueue_shutdown(n.queue);
    for (int i = 0; i < 8; i++)
        pthread_join(kubelets[i], NULL);
    k8sc_controller_free(dc);
    k8sc_controller_free(rsc);
    k8sc_informer_factory_free(factory);
    k8sc_workqueue_free(n.queue);
    k8sc_client_free(client);
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
    if (strcmp(store_kind, "sqlite") == 0) {
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        if (system(cmd) != 0)
            return 1;
    }
    return 0;
}
