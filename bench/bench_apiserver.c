/*
 * API server benchmark over real HTTP: an in-process k8sc-apiserver on a
 * loopback port with a SQLite store in a temporary directory, driven by
 * libcurl clients (one keep-alive connection each). For create, get, list
 * (1,000 and 10,000 ConfigMaps) and update, from 1 and 32 concurrent
 * clients (4 for the large list), it prints requests/s and latency
 * p50/p99. Each figure runs for about RUN_SECONDS. Then the watch fan-out:
 * 100 watchers (the libk8sc client) on one collection while objects are
 * created, with the delay from each write to each watcher's event. And
 * the goal: creates paced at 1,000/s through the server (p99) and
 * the same writes straight into an SQLite store, to show what the server
 * adds to the store's own cost.
 *
 *   bench_apiserver [--quick]
 */
#include "k8sc/k8sc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LIST_OBJECTS 1000
#define BIG_LIST_OBJECTS 10000
#define WATCHERS 100
#define FANOUT_WRITES 200
#define MAX_SAMPLES 200000

static double run_seconds = 1.5;
static int port;
static int row; /* keeps created names unique across rows */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef enum { OP_CREATE, OP_GET, OP_LIST, OP_UPDATE, OP_LIST_BIG } op_kind;
static const char *const op_names[] = { "create", "get", "list (1,000)", "update", "list (10,000)" };

typedef struct {
    op_kind op;
    int id;
    double deadline;
    double interval;    /* > 0: one request per interval (paced), else back to back */
    k8sc_store *store;  /* set: create in the store itself, not through the server */
    double *lat; /* seconds, one per request */
    size_t n, cap;
    long errors;
} worker;

static size_t sink(char *p, size_t size, size_t n, void *userdata)
{
    (void)p;
    (void)userdata;
    return size * n;
}

static int do_request(CURL *c, const char *method, const char *url, const char *body)
{
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    if (!body)
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    if (getenv("BENCH_DEBUG") && (rc != CURLE_OK || status >= 300))
        fprintf(stderr, "%s %s: curl %d, HTTP %ld\n", method, url, (int)rc, status);
    return rc == CURLE_OK && status >= 200 && status < 300 ? 0 : -1;
}

static void *run(void *arg)
{
    worker *w = arg;
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    char url[256], body[512];
    double start = now();
    for (long i = 0; now() < w->deadline && w->n < w->cap; i++) {
        if (w->interval > 0) {
            double wait = start + (double)i * w->interval - now();
            if (wait > 0)
                usleep((useconds_t)(wait * 1e6));
        }
        if (w->store) {
            char key[128];
            snprintf(key, sizeof(key), "/registry/configmaps/bench/s-%d-%d-%ld", row, w->id, i);
            snprintf(body, sizeof(body), "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
                "\"s-%d-%d-%ld\",\"namespace\":\"bench\",\"uid\":\"9a1c0e6e-2f5d-4c41-9b0e-4f3d7c2a%04ld\","
                "\"creationTimestamp\":\"2026-11-26T08:00:00Z\"},\"data\":{\"k\":\"v\"}}", row, w->id, i, i % 10000);
            double t0 = now();
            if (k8sc_store_create(NULL, w->store, key, body, strlen(body)) != 0)
                w->errors++;
            w->lat[w->n++] = now() - t0;
            continue;
        }
        const char *method = "GET", *b = NULL;
        switch (w->op) {
        case OP_CREATE:
            snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/namespaces/bench/configmaps", port);
            snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"c-%d-%d-%ld\"},\"data\":{\"k\":\"v\"}}", row, w->id,
                i);
            method = "POST";
            b = body;
            break;
        case OP_GET:
            snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/namespaces/list/configmaps/l-%ld", port,
                (i * 7 + w->id) % LIST_OBJECTS);
            break;
        case OP_LIST:
            snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/namespaces/list/configmaps", port);
            break;
        case OP_LIST_BIG:
            snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/namespaces/big/configmaps", port);
            break;
        case OP_UPDATE:
            snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/namespaces/bench/configmaps/u-%d", port, w->id);
            snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"u-%d\"},\"data\":{\"k\":\"v%ld\"}}", w->id, i);
            method = "PUT";
            b = body;
            break;
        }
        double t0 = now();
        if (do_request(c, method, url, b) != 0)
            w->errors++;
        w->lat[w->n++] = now() - t0;
    }
    curl_easy_cleanup(c);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* What a row measured. */
typedef struct {
    double rate, p50, p99, mean; /* requests/s; seconds */
} stats;

/* Run `clients` workers for one row (paced to `rate` requests/s in all when > 0) and print it. */
static stats measure_row(const char *name, op_kind op, int clients, double rate, k8sc_store *store)
{
    worker *w = calloc((size_t)clients, sizeof(*w));
    pthread_t *t = calloc((size_t)clients, sizeof(*t));
    stats st = { 0, 0, 0, 0 };
    if (!w || !t) {
        free(w);
        free(t);
        return st;
    }
    row++;
    double start = now(), deadline = start + run_seconds;
    for (int i = 0; i < clients; i++) {
        w[i].op = op;
        w[i].id = i;
        w[i].deadline = deadline;
        w[i].interval = rate > 0 ? (double)clients / rate : 0;
        w[i].store = store;
        w[i].cap = MAX_SAMPLES / (size_t)clients;
        w[i].lat = malloc(w[i].cap * sizeof(double));
        pthread_create(&t[i], NULL, run, &w[i]);
    }
    size_t total = 0;
    long errors = 0;
    for (int i = 0; i < clients; i++) {
        pthread_join(t[i], NULL);
        total += w[i].n;
        errors += w[i].errors;
    }
    double elapsed = now() - start;
    double *all = malloc((total ? total : 1) * sizeof(double));
    size_t k = 0;
    for (int i = 0; i < clients && all; i++) {
        memcpy(all + k, w[i].lat, w[i].n * sizeof(double));
        k += w[i].n;
    }
    if (all && total) {
        qsort(all, total, sizeof(double), cmp_double);
        double sum = 0;
        for (size_t i = 0; i < total; i++)
            sum += all[i];
        st = (stats){ (double)total / elapsed, all[total / 2], all[(size_t)((double)total * 0.99)], sum / (double)total };
        printf("| %-28s | %7d | %9.0f | %8.2f | %8.2f | %6ld |\n", name, clients, st.rate, st.p50 * 1e3, st.p99 * 1e3,
            errors);
    }
    free(all);
    for (int i = 0; i < clients; i++)
        free(w[i].lat);
    free(w);
    free(t);
    return st;
}

static void measure(op_kind op, int clients)
{
    measure_row(op_names[op], op, clients, 0, NULL);
}

/*
 * The goal's two rows: creates paced at 1,000/s from 8 clients through
 * the server, then the same writes straight into a store of the same
 * kind (its own file), so the server's share of the cost shows.
 */
static void paced(const char *dir)
{
    enum { CLIENTS = 8, RATE = 1000 };
    stats api = measure_row("create, paced 1,000/s", OP_CREATE, CLIENTS, RATE, NULL);
    char url[160];
    snprintf(url, sizeof(url), "sqlite:%s/store-only.db", dir);
    k8sc_store *store = NULL;
    if (k8sc_store_open(&store, url, NULL) != 0) {
        fprintf(stderr, "bench_apiserver: %s\n", k8sc_error_last());
        return;
    }
    stats alone = measure_row("store alone, paced 1,000/s", OP_CREATE, CLIENTS, RATE, store);
    k8sc_store_close(store);
    printf("\nAt 1,000 creates/s: p99 %.2f ms through the server (goal < 10 ms); the server adds %.0f%% to the "
           "store's mean write (%.2f ms vs %.2f ms; goal < 30%%)\n",
        api.p99 * 1e3, alone.mean > 0 ? (api.mean - alone.mean) / alone.mean * 100 : 0, api.mean * 1e3,
        alone.mean * 1e3);
}

/* Namespaces and fixtures, through the in-process entry point. */
static int prepare(k8sc_apiserver *srv)
{
    char body[256];
    const char *nss[] = { "bench", "list", "big", "fan" };
    for (size_t i = 0; i < 4; i++) {
        snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"%s\"}}", nss[i]);
        k8sc_apiserver_response *r = NULL;
        if (k8sc_apiserver_handle(&r, srv, "POST", "/api/v1/namespaces", "application/json", NULL, body,
                strlen(body)) != 0)
            return -1;
        k8sc_apiserver_response_free(r);
    }
    for (int i = 0; i < LIST_OBJECTS + 32; i++) {
        const char *target = i < LIST_OBJECTS ? "/api/v1/namespaces/list/configmaps" : "/api/v1/namespaces/bench/configmaps";
        if (i < LIST_OBJECTS)
            snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"l-%d\",\"labels\":{\"n\":\"%d\"}},\"data\":"
                "{\"key\":\"a value of some length, as configuration tends to be\"}}", i, i);
        else
            snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"u-%d\"},\"data\":{\"k\":\"v\"}}", i - LIST_OBJECTS);
        k8sc_apiserver_response *r = NULL;
        if (k8sc_apiserver_handle(&r, srv, "POST", target, "application/json", NULL, body, strlen(body)) != 0)
            return -1;
        int st = k8sc_apiserver_response_status(r);
        k8sc_apiserver_response_free(r);
        if (st != 201)
            return -1;
    }
    for (int i = 0; i < BIG_LIST_OBJECTS; i++) {
        snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"b-%d\",\"labels\":{\"n\":\"%d\"}},\"data\":"
            "{\"key\":\"a value of some length, as configuration tends to be\"}}", i, i);
        k8sc_apiserver_response *r = NULL;
        if (k8sc_apiserver_handle(&r, srv, "POST", "/api/v1/namespaces/big/configmaps", "application/json", NULL, body,
                strlen(body)) != 0)
            return -1;
        k8sc_apiserver_response_free(r);
    }
    return 0;
}

/* ---- watch fan-out ---- */

typedef struct {
    k8sc_watch *w;
    double *lat;
    size_t n;
} watcher;

static void *watch_run(void *arg)
{
    watcher *wt = arg;
    while (wt->n < FANOUT_WRITES) {
        k8sc_watch_event_type type;
        k8sc_object *obj;
        int rc = k8sc_watch_next(&type, &obj, wt->w, 10000);
        if (rc != 1)
            break;
        /* The writer put its clock reading in the object. */
        const char *t = k8sc_object_get_string(obj, "data.t");
        if (type == K8SC_WATCH_ADDED && t)
            wt->lat[wt->n++] = now() - strtod(t, NULL);
        k8sc_object_free(obj);
    }
    return NULL;
}

static void fanout(void)
{
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    k8sc_client_config *cfg = NULL;
    k8sc_client *client = NULL;
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    if (k8sc_client_config_from_url(&cfg, url) != 0)
        return;
    co.config = cfg;
    co.max_retries = -1;
    if (k8sc_client_new(&client, &co) != 0) {
        k8sc_client_config_free(cfg);
        return;
    }
    watcher *ws = calloc(WATCHERS, sizeof(*ws));
    pthread_t *t = calloc(WATCHERS, sizeof(*t));
    int opened = 0;
    k8sc_watch_options wo = K8SC_WATCH_OPTIONS_INIT;
    wo.resource_version = "0";
    for (int i = 0; ws && t && i < WATCHERS; i++) {
        ws[i].lat = malloc(FANOUT_WRITES * sizeof(double));
        if (!ws[i].lat || k8sc_client_watch(&ws[i].w, client, "v1", "ConfigMap", "fan", &wo) != 0)
            break;
        pthread_create(&t[i], NULL, watch_run, &ws[i]);
        opened++;
    }
    /* Writes at a steady 200/s, each stamped with the time it was sent. */
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    char target[128], body[256];
    snprintf(target, sizeof(target), "http://127.0.0.1:%d/api/v1/namespaces/fan/configmaps", port);
    long errors = 0;
    double start = now();
    for (int i = 0; i < FANOUT_WRITES; i++) {
        while (now() < start + i * 0.005)
            usleep(200);
        snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"f-%d\"},\"data\":{\"t\":\"%.9f\"}}", i, now());
        if (do_request(c, "POST", target, body) != 0)
            errors++;
    }
    curl_easy_cleanup(c);
    size_t total = 0;
    for (int i = 0; i < opened; i++) {
        pthread_join(t[i], NULL);
        total += ws[i].n;
    }
    double *all = malloc((total ? total : 1) * sizeof(double));
    size_t k = 0;
    for (int i = 0; i < opened && all; i++) {
        memcpy(all + k, ws[i].lat, ws[i].n * sizeof(double));
        k += ws[i].n;
    }
    if (all && total) {
        qsort(all, total, sizeof(double), cmp_double);
        printf("\nwatch fan-out: %d watchers, %d creates at 200/s: %zu of %d events delivered, "
               "write-to-event p50 %.2f ms, p99 %.2f ms, max %.2f ms, %ld write errors\n",
            opened, FANOUT_WRITES, total, opened * FANOUT_WRITES, all[total / 2] * 1e3,
            all[(size_t)((double)total * 0.99)] * 1e3, all[total - 1] * 1e3, errors);
    }
    free(all);
    for (int i = 0; ws && i < WATCHERS; i++) {
        k8sc_watch_free(ws[i].w);
        free(ws[i].lat);
    }
    free(ws);
    free(t);
    k8sc_client_free(client);
    k8sc_client_config_free(cfg);
}

int main(int argc, char **argv)
{
    k8sc_tune_allocator(); /* as the server programs do */
    if (argc > 1 && strcmp(argv[1], "--quick") == 0)
        run_seconds = 0.3;
    char dir[] = "/tmp/k8sc-bench-apiserver.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char url[128], db[96];
    snprintf(db, sizeof(db), "%s/k8sc.db", dir);
    snprintf(url, sizeof(url), "sqlite:%s", db);
    setvbuf(stdout, NULL, _IOLBF, 0);
    k8sc_log_set_handler(NULL, K8SC_LOG_WARN, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store_url = url;
    k8sc_apiserver *srv = NULL;
    int rc = 1;
    if (k8sc_apiserver_new(&srv, &o) != 0 || prepare(srv) != 0 || k8sc_apiserver_start(srv) != 0) {
        fprintf(stderr, "bench_apiserver: %s\n", k8sc_error_last());
        goto out;
    }
    port = k8sc_apiserver_port(srv);
    printf("k8sc-apiserver over HTTP/1.1 keep-alive, sqlite store, %.1f s per row\n\n", run_seconds);
    printf("| %-28s | %7s | %9s | %8s | %8s | %6s |\n", "operation", "clients", "req/s", "p50 ms", "p99 ms", "errors");
    printf("|------------------------------|---------|-----------|----------|----------|--------|\n");
    static const int clients[] = { 1, 32 };
    for (int op = OP_CREATE; op <= OP_UPDATE; op++)
        for (size_t c = 0; c < 2; c++)
            measure((op_kind)op, clients[c]);
    measure(OP_LIST_BIG, 1);
    measure(OP_LIST_BIG, 4);
    paced(dir);
    fanout();
    rc = 0;
out:
    k8sc_apiserver_free(srv);
    curl_global_cleanup();
    char path[128];
    static const char *const files[] = { "", "-wal", "-shm", "-journal" };
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s%s", db, files[i]);
        unlink(path);
        snprintf(path, sizeof(path), "%s/store-only.db%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    return rc;
}
