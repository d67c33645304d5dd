/*
 * Store benchmark: one table, one column per backend. Values are 256 B to
 * 4 KiB (uniform). Each throughput figure runs for at most ~1.5 s, so the
 * whole run is bounded (etcd's 100,000-object fill is the slow part).
 *
 *   bench_store [--quick] [--no-etcd]
 *
 * etcd: a private single-member server is started on free ports (when
 * /usr/bin/etcd exists) and killed at the end, by its PID.
 */
#include "k8sc/k8sc.h"
#include "store/store_internal.h"

#include "../tests/unit/store_test_etcd.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_VALUE 4096
#define MIN_VALUE 256
#define RUN_SECONDS 1.5

static char valuebuf[MAX_VALUE];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t value_len(unsigned *seed)
{
    return MIN_VALUE + (size_t)rand_r(seed) % (MAX_VALUE - MIN_VALUE + 1);
}

static long rss_kib(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
    FILE *f = fopen(path, "r");
    long pages = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

typedef struct job {
    k8sc_store *s;
    int id, writers;
    bool update;
    const char *prefix;
    long limit; /* ops for this thread, or -1 for time-bounded */
    double deadline;
    long done;
} job;

static void *writer(void *arg)
{
    job *j = arg;
    unsigned seed = (unsigned)j->id * 2654435761u + 1;
    char key[128];
    for (long n = 0; j->limit < 0 || n < j->limit; n++) {
        if (j->limit < 0 && (n & 15) == 0 && now() > j->deadline)
            break;
        /* updates rotate over the 1,000 keys each thread created first */
        long k = j->update ? n % 1000 : n;
        snprintf(key, sizeof(key), "%s/w%d/%08ld", j->prefix, j->id, k);
        int rc = j->update ? k8sc_store_update(NULL, j->s, key, valuebuf, value_len(&seed), 0)
                           : k8sc_store_create(NULL, j->s, key, valuebuf, value_len(&seed));
        if (rc) {
            fprintf(stderr, "bench: %s %s: %s\n", j->update ? "update" : "create", key, k8sc_error_last());
            exit(1);
        }
        j->done++;
    }
    return NULL;
}

/* Run `writers` threads; returns ops per second (or total ops when limit >= 0). */
static double run_writers(k8sc_store *s, int writers, bool update, const char *prefix, long per_thread)
{
    pthread_t th[64];
    job jobs[64];
    double t0 = now();
    for (int i = 0; i < writers; i++) {
        jobs[i] = (job){ s, i, writers, update, prefix, per_thread, t0 + RUN_SECONDS, 0 };
        pthread_create(&th[i], NULL, writer, &jobs[i]);
    }
    long total = 0;
    for (int i = 0; i < writers; i++) {
        pthread_join(th[i], NULL);
        total += jobs[i].done;
    }
    return (double)total / (now() - t0);
}

/* Create 1,000 keys per thread for the update runs. */
static void seed_updates(k8sc_store *s, int writers, const char *prefix)
{
    run_writers(s, writers, false, prefix, 1000);
}

/*
 * Two figures per event. "From write start": from the writer's call to
 * the watcher holding the event; it includes the commit itself (sqlite
 * FULL: the fsync), since no watcher may see a change before it is
 * durable. "Delivery": from the commit to the watcher holding the event,
 * i.e. what the watch machinery adds. The commit moment is the one the
 * store stamps on the event (k8sc__store_event_committed, internal): for
 * sqlite when the group's COMMIT returned, for memory when the write was
 * applied, for etcd when the change feed received it (the server's commit
 * moment is not visible to a client). Timing the writer's return instead
 * would be wrong: the watcher often runs before the writer is woken.
 */
typedef struct lat {
    k8sc_store_watch *w;
    int n;
    double *total, *delivery; /* seconds, per event */
} lat;

static void *latency_watcher(void *arg)
{
    lat *l = arg;
    for (int i = 0; i < l->n; i++) {
        k8sc_store_event *e = NULL;
        if (k8sc_store_watch_wait(&e, l->w, 10000) != 0) {
            fprintf(stderr, "bench: watch: %s\n", k8sc_error_last());
            exit(1);
        }
        int64_t received = k8sc__store_now_ns();
        double sent;
        memcpy(&sent, e->kv->value, sizeof(sent));
        l->total[i] = (double)received / 1e9 - sent;
        l->delivery[i] = (double)(received - k8sc__store_event_committed(e)) / 1e9;
        k8sc_store_event_free(e);
    }
    return NULL;
}

enum { R_C1, R_C16, R_U1, R_U16, R_P50, R_P99, R_D50, R_D99, R_L10K, R_L100K, R_RSS, R_ROWS };
static const char *const row_names[R_ROWS] = {
    "creates/s, 1 writer",       "creates/s, 16 writers",     "updates/s, 1 writer",
    "updates/s, 16 writers",     "watch from write p50 (ms)", "watch from write p99 (ms)",
    "watch delivery p50 (ms)",   "watch delivery p99 (ms)",   "list 10,000 (ms)",
    "list 100,000 (ms)",         "RSS per 100,000 (MiB)",
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* p50 and p99 in ms of `n` sorted samples in seconds. */
static void percentiles(double *samples, int n, double *p50, double *p99)
{
    qsort(samples, (size_t)n, sizeof(double), cmp_double);
    *p50 = samples[n / 2] * 1e3;
    *p99 = samples[n * 99 / 100] * 1e3;
}

/* Watch latency (see struct lat), one writer, writes spaced out; col gets p50 and p99 of both. */
static void watch_latency(k8sc_store *s, double *col)
{
    /* 1,000 events: the p99 is the 10th worst, not a single outlier. */
    enum { N = 1000 };
    lat l = { NULL, N, calloc(N, sizeof(double)), calloc(N, sizeof(double)) };
    if (k8sc_store_watch_open(&l.w, s, "/lat/", 0) != 0) {
        fprintf(stderr, "bench: watch: %s\n", k8sc_error_last());
        exit(1);
    }
    pthread_t th;
    pthread_create(&th, NULL, latency_watcher, &l);
    char key[64], val[512];
    memset(val, 'v', sizeof(val));
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "/lat/%d", i % 50);
        double t = now();
        memcpy(val, &t, sizeof(t));
        if (i < 50 ? k8sc_store_create(NULL, s, key, val, sizeof(val))
                   : k8sc_store_update(NULL, s, key, val, sizeof(val), 0)) {
            fprintf(stderr, "bench: latency write: %s\n", k8sc_error_last());
            exit(1);
        }
        usleep(500);
    }
    pthread_join(th, NULL);
    k8sc_store_watch_close(l.w);
    percentiles(l.total, N, &col[R_P50], &col[R_P99]);
    percentiles(l.delivery, N, &col[R_D50], &col[R_D99]);
    free(l.total);
    free(l.delivery);
}

/* Milliseconds to list `prefix` whole, checking the count. */
static double list_ms(k8sc_store *s, const char *prefix, size_t want)
{
    double t0 = now();
    k8sc_store_page *p = NULL;
    if (k8sc_store_list(&p, s, prefix, 0, NULL, 0) != 0 || p->count != want) {
        fprintf(stderr, "bench: list %s: %s (%zu items, want %zu)\n", prefix, k8sc_error_last(), p ? p->count : 0,
                want);
        exit(1);
    }
    double ms = (now() - t0) * 1e3;
    k8sc_store_page_free(p);
    return ms;
}

static void bench_backend(const char *url, const k8sc_store_options *o, pid_t server, bool quick, double *col)
{
    k8sc_store *s = NULL;
    if (k8sc_store_open(&s, url, o) != 0) {
        fprintf(stderr, "bench: open %s: %s\n", url, k8sc_error_last());
        exit(1);
    }
    col[R_C1] = run_writers(s, 1, false, "/c1", -1);
    col[R_C16] = run_writers(s, 16, false, "/c16", -1);
    seed_updates(s, 16, "/u");
    col[R_U1] = run_writers(s, 1, true, "/u", -1);
    col[R_U16] = run_writers(s, 16, true, "/u", -1);
    watch_latency(s, col);
    long n100 = quick ? 20000 : 100000;
    long rss0 = rss_kib(server ? server : getpid());
    run_writers(s, 16, false, "/l10k", 10000 / 16 + 1);
    run_writers(s, 16, false, "/l100k", n100 / 16 + 1);
    long rss1 = rss_kib(server ? server : getpid());
    col[R_L10K] = list_ms(s, "/l10k/", (size_t)(10000 / 16 + 1) * 16);
    col[R_L100K] = quick ? -1 : list_ms(s, "/l100k/", (size_t)(n100 / 16 + 1) * 16);
    col[R_RSS] = (double)(rss1 - rss0) / 1024.0 * (100000.0 / (double)(n100 + 10000));
    k8sc_store_close(s);
}

int main(int argc, char **argv)
{
    bool quick = false, no_etcd = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[i], "--no-etcd") == 0)
            no_etcd = true;
        else {
            fprintf(stderr, "usage: %s [--quick] [--no-etcd]\n", argv[0]);
            return 2;
        }
    }
    memset(valuebuf, 'x', sizeof(valuebuf));
    char dir[] = "/tmp/bench_store.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    k8sc_log_set_handler(NULL, K8SC_LOG_WARN, NULL);
    enum { NB = 4 };
    const char *names[NB] = { "memory", "sqlite FULL", "sqlite NORMAL", "etcd" };
    double cols[NB][R_ROWS];
    bool ran[NB] = { false };
    k8sc_store_options o = K8SC_STORE_OPTIONS_INIT;
    o.compact_interval_ms = 0;
    o.watch_queue_limit = 1000000;
    char url[512];

    bench_backend("memory://", &o, 0, quick, cols[0]);
    ran[0] = true;
    snprintf(url, sizeof(url), "sqlite:%s/full.db", dir);
    bench_backend(url, &o, 0, quick, cols[1]);
    ran[1] = true;
    o.sqlite_synchronous = K8SC_STORE_SYNC_NORMAL;
    snprintf(url, sizeof(url), "sqlite:%s/normal.db", dir);
    bench_backend(url, &o, 0, quick, cols[2]);
    ran[2] = true;
    o.sqlite_synchronous = K8SC_STORE_SYNC_FULL;

    k8sc_test_etcd *etcd = NULL;
    if (!no_etcd && k8sc_test_etcd_start(&etcd, dir, 1) == 0) {
        snprintf(url, sizeof(url), "etcd://%s", k8sc_test_etcd_endpoints(etcd));
        o.etcd_request_timeout_ms = 30000;
        bench_backend(url, &o, etcd->pids[0], quick, cols[3]);
        ran[3] = true;
        k8sc_test_etcd_stop(etcd);
    }

    printf("%-26s", "values 256 B..4 KiB");
    for (int b = 0; b < NB; b++)
        if (ran[b])
            printf(" %14s", names[b]);
    printf("\n");
    for (int r = 0; r < R_ROWS; r++) {
        printf("%-26s", row_names[r]);
        for (int b = 0; b < NB; b++) {
            if (!ran[b])
                continue;
            if (cols[b][r] < 0)
                printf(" %14s", "-");
            else if ((r >= R_P50 && r <= R_D99) || r == R_RSS || cols[b][r] < 100)
                printf(" %14.2f", cols[b][r]);
            else
                printf(" %14.0f", cols[b][r]);
        }
        printf("\n");
    }
    printf("(etcd RSS is the server's; the others the process'; sqlite FULL = fsync per commit, NORMAL = at checkpoints)\n");
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
