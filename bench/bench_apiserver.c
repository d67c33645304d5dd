/*
 * API server benchmark over real HTTP: an in-process k8sc-apiserver on a
 * loopback port with a SQLite store in a temporary directory, driven by
 * libcurl clients (one keep-alive connection each). For create, get, list
 * (1,000 ConfigMaps) and update, from 1 and 32 concurrent clients, it prints
 * requests/s and latency p50/p99. Each figure runs for about RUN_SECONDS.
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

typedef enum { OP_CREATE, OP_GET, OP_LIST, OP_UPDATE } op_kind;
static const char *const op_names[] = { "create", "get", "list (1,000)", "update" };

typedef struct {
    op_kind op;
    int id;
    double deadline;
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
    for (long i = 0; now() < w->deadline && w->n < w->cap; i++) {
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

static void measure(op_kind op, int clients)
{
    worker *w = calloc((size_t)clients, sizeof(*w));
    pthread_t *t = calloc((size_t)clients, sizeof(*t));
    if (!w || !t) {
        free(w);
        free(t);
        return;
    }
    row++;
    double start = now(), deadline = start + run_seconds;
    for (int i = 0; i < clients; i++) {
        w[i].op = op;
        w[i].id = i;
        w[i].deadline = deadline;
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
        printf("| %-13s | %7d | %9.0f | %8.2f | %8.2f | %6ld |\n", op_names[op], clients, (double)total / elapsed,
            all[total / 2] * 1e3, all[(size_t)((double)total * 0.99)] * 1e3, errors);
    }
    free(all);
    for (int i = 0; i < clients; i++)
        free(w[i].lat);
    free(w);
    free(t);
}

/* Namespaces and fixtures, through the in-process entry point. */
static int prepare(k8sc_apiserver *srv)
{
    char body[256];
    const char *nss[] = { "bench", "list" };
    for (size_t i = 0; i < 2; i++) {
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
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--quick") == 0)
        run_seconds = 0.3;
    char dir[] = "/tmp/k8sc-bench-apiserver.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char url[128], db[96];
    snprintf(db, sizeof(db), "%s/k8sc.db", dir);
    snprintf(url, sizeof(url), "sqlite:%s", db);
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
    printf("| %-13s | %7s | %9s | %8s | %8s | %6s |\n", "operation", "clients", "req/s", "p50 ms", "p99 ms", "errors");
    printf("|---------------|---------|-----------|----------|----------|--------|\n");
    static const int clients[] = { 1, 32 };
    for (int op = OP_CREATE; op <= OP_UPDATE; op++)
        for (size_t c = 0; c < 2; c++)
            measure((op_kind)op, clients[c]);
    rc = 0;
out:
    k8sc_apiserver_free(srv);
    curl_global_cleanup();
    char path[128];
    static const char *const files[] = { "", "-wal", "-shm", "-journal" };
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s%s", db, files[i]);
        unlink(path);
    }
    rmdir(dir);
    return rc;
}
