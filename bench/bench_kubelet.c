/*
 * Kubelet benchmark: pod startup latency on real runtimes. For each
 * runtime (runc, docker) it starts an in-process API server on loopback
 * and a k8sc-kubelet process with that runtime (docker: a private dockerd
 * with vfs storage), then creates PODS pods bound to the node at RATE
 * pods/s (busybox, `sleep 3600`) and times each from its create to the
 * first watch event that shows it Running. Prints p50/p99/max, the three
 * slowest pods, the kubelet's peak resident memory and the CPU each pod
 * cost, then deletes the pods and stops what
 * it started. The anchors of the issue are measured in the same run:
 * `runc run` of /bin/true and `docker run --rm … true`.
 *
 *   bench_kubelet [--pods N] [--rate R] [--runtimes runc,docker]
 *
 * K8SC_BENCH_KEEP=1 keeps its temporary directory (the kubelet's logs).
 * Needs root, runc, dockerd and busybox-static.
 */
#include "k8sc/k8sc.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PODS 1000

static int pods = 100;
static double rate = 10;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    nanosleep(&ts, NULL);
}

/* Run a shell command; its exit status. */
static int sh(const char *fmt, ...) K8SC_PRINTF(1, 2);
static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static pid_t spawn(char *const argv[], const char *log)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen(log, "a", stdout);
        if (f)
            dup2(fileno(f), 2);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static void stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 300; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        sleep_s(0.1);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

/* CPU time (ms) of process `pid`'s threads, from /proc/PID/stat; 0 if gone. */
static double proc_cpu_ms(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

/* CPU time (ms) the whole machine spent busy (every CPU), from /proc/stat. */
static double machine_busy_ms(void)
{
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long v[8] = { 0 };
    if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                     &v[6], &v[7]) != 8)
        v[0] = 0;
    if (f)
        fclose(f);
    /* user nice system idle iowait irq softirq steal: all but idle and iowait. */
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

/* CPU time (ms) of this process: the in-process API server and the bench's client. */
static double self_cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

typedef struct run {
    k8sc_client *client;
    k8sc_watch *watch;
    double created[MAX_PODS];
    double running[MAX_PODS];
    int n_running;
    volatile bool done;
    pthread_mutex_t lock;
} run;

static void *watcher(void *arg)
{
    run *r = arg;
    while (!r->done) {
        k8sc_watch_event_type type;
        k8sc_object *pod = NULL;
        int rc = k8sc_watch_next(&type, &pod, r->watch, 200);
        if (rc <= 0) {
            if (rc == K8SC_ETIMEOUT)
                continue;
            break;
        }
        const char *phase = k8sc_object_get_string(pod, "status.phase");
        const char *name = k8sc_object_name(pod);
        int i = name && strncmp(name, "bench-", 6) == 0 ? atoi(name + 6) : -1;
        double t = now();
        pthread_mutex_lock(&r->lock);
        if (i >= 0 && i < MAX_PODS && phase && strcmp(phase, "Running") == 0 && r->running[i] == 0) {
            r->running[i] = t;
            r->n_running++;
        }
        pthread_mutex_unlock(&r->lock);
        k8sc_object_free(pod);
    }
    return NULL;
}

/* One pod's startup: its latency and its number (bench-N). */
typedef struct sample {
    double ms;
    int pod;
} sample;

static int cmp_sample(const void *a, const void *b)
{
    double x = ((const sample *)a)->ms, y = ((const sample *)b)->ms;
    return x < y ? -1 : x > y;
}

static bool node_ready(k8sc_client *c, const char *node)
{
    k8sc_object *n = NULL;
    if (k8sc_client_get(&n, c, K8SC_NODE, "", node) != 0)
        return false;
    json_object *conds = k8sc_object_get(n, "status.conditions");
    bool ready = false;
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        json_object *cnd = json_object_array_get_idx(conds, i);
        json_object *t, *s;
        if (json_object_object_get_ex(cnd, "type", &t) && strcmp(json_object_get_string(t), "Ready") == 0 &&
            json_object_object_get_ex(cnd, "status", &s) && strcmp(json_object_get_string(s), "True") == 0)
            ready = true;
    }
    k8sc_object_free(n);
    return ready;
}

/* Start a private dockerd under `dir`; its PID, or -1. */
static pid_t start_dockerd(const char *dir, char *sock, size_t size)
{
    snprintf(sock, size, "%s/docker.sock", dir);
    char root[512], exec_root[512], host[600], pidfile[512], log[512];
    snprintf(root, sizeof(root), "%s/root", dir);
    snprintf(exec_root, sizeof(exec_root), "%s/exec", dir);
    snprintf(host, sizeof(host), "unix://%s", sock);
    snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
    snprintf(log, sizeof(log), "%s/dockerd.log", dir);
    char *argv[] = { "/usr/sbin/dockerd", "--storage-driver=vfs", "--iptables=false", "--ip6tables=false",
                     "--bridge=none", "--data-root", root, "--exec-root", exec_root, "-H", host, "--pidfile",
                     pidfile, NULL };
    if (access(argv[0], X_OK) != 0)
        return -1;
    pid_t pid = spawn(argv, log);
    for (int i = 0; i < 300; i++) {
        struct stat st;
        if (stat(sock, &st) == 0)
            return pid;
        sleep_s(0.1);
    }
    stop(pid);
    return -1;
}

static void bench_runtime(const char *runtime, const char *tmp, const char *image_tar)
{
    char dir[512], data[600], rt_root[600], log[600], sock[600] = "";
    snprintf(dir, sizeof(dir), "%s/%s", tmp, runtime);
    snprintf(data, sizeof(data), "%s/kubelet", dir);
    snprintf(rt_root, sizeof(rt_root), "%s/runtime", dir);
    snprintf(log, sizeof(log), "%s/kubelet.log", dir);
    sh("mkdir -p %s/images && cp %s %s/images/", data, image_tar, data);
    pid_t dockerd = -1;
    if (strcmp(runtime, "docker") == 0 && (dockerd = start_dockerd(dir, sock, sizeof(sock))) < 0) {
        printf("%-8s skipped: no dockerd\n", runtime);
        return;
    }
    k8sc_store *store = NULL;
    k8sc_apiserver *srv = NULL;
    k8sc_apiserver_options ao = K8SC_APISERVER_OPTIONS_INIT;
    ao.listen = "127.0.0.1:0";
    if (k8sc_store_open(&store, "memory://", NULL) != 0 || (ao.store = store, k8sc_apiserver_new(&srv, &ao)) != 0 ||
        k8sc_apiserver_start(srv) != 0) {
        fprintf(stderr, "bench_kubelet: API server: %s\n", k8sc_error_last());
        exit(1);
    }
    char url[64], kubeconfig[700];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", k8sc_apiserver_port(srv));
    snprintf(kubeconfig, sizeof(kubeconfig), "%s/kubeconfig", dir);
    FILE *kc = fopen(kubeconfig, "w");
    fprintf(kc, "apiVersion: v1\nkind: Config\nclusters:\n- name: b\n  cluster: {server: \"%s\"}\nusers:\n- name: u\n"
                "  user: {}\ncontexts:\n- name: b\n  context: {cluster: b, user: u}\ncurrent-context: b\n", url);
    fclose(kc);
    char endpoint[700];
    snprintf(endpoint, sizeof(endpoint), "unix://%s", sock);
    char *argv[] = { K8SC_KUBELET_PATH, "--kubeconfig", kubeconfig, "--node-name", "bench-node", "--runtime",
                     (char *)runtime, "--data-dir", data, "--root-dir", rt_root, "--port", "0",
                     dockerd > 0 ? "--docker-endpoint" : NULL, endpoint, NULL };
    pid_t kubelet = spawn(argv, log);

    run *r = calloc(1, sizeof(*r));
    pthread_mutex_init(&r->lock, NULL);
    k8sc_client_config *cfg = NULL;
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    k8sc_client_config_from_url(&cfg, url);
    co.config = cfg;
    if (k8sc_client_new(&r->client, &co) != 0) {
        fprintf(stderr, "bench_kubelet: client: %s\n", k8sc_error_last());
        exit(1);
    }
    k8sc_client_config_free(cfg);
    double t0 = now();
    while (!node_ready(r->client, "bench-node") && now() - t0 < 60)
        sleep_s(0.1);
    if (!node_ready(r->client, "bench-node")) {
        printf("%-8s failed: the node did not become Ready (see %s)\n", runtime, log);
        goto out;
    }
    k8sc_watch_options wo = K8SC_WATCH_OPTIONS_INIT;
    if (k8sc_client_watch(&r->watch, r->client, K8SC_POD, "default", &wo) != 0) {
        fprintf(stderr, "bench_kubelet: watch: %s\n", k8sc_error_last());
        goto out;
    }
    pthread_t th;
    pthread_create(&th, NULL, watcher, r);
    long peak = 0;
    double cpu0[3] = { machine_busy_ms(), proc_cpu_ms(kubelet), self_cpu_ms() };
    double start = now();
    for (int i = 0; i < pods; i++) {
        sleep_s(start + i / rate - now());
        char json[1024];
        snprintf(json, sizeof(json),
                 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"bench-%d\",\"namespace\":\"default\"},"
                 "\"spec\":{\"nodeName\":\"bench-node\",\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":"
                 "\"c\",\"image\":\"busybox:1.36\",\"imagePullPolicy\":\"Never\",\"command\":[\"sleep\",\"3600\"]}]}}",
                 i);
        k8sc_object *pod = NULL;
        k8sc_object_from_json(&pod, json, strlen(json));
        r->created[i] = now();
        if (k8sc_client_create(NULL, r->client, pod) != 0)
            fprintf(stderr, "bench_kubelet: create: %s\n", k8sc_error_last());
        k8sc_object_free(pod);
        long kib = rss_kib(kubelet);
        peak = kib > peak ? kib : peak;
    }
    while (r->n_running < pods && now() - start < pods / rate + 120) {
        long kib = rss_kib(kubelet);
        peak = kib > peak ? kib : peak;
        sleep_s(0.1);
    }
    double cpu1[3] = { machine_busy_ms(), proc_cpu_ms(kubelet), self_cpu_ms() }, span = now() - start;
    r->done = true;
    pthread_join(th, NULL);
    sample lat[MAX_PODS];
    int n = 0;
    for (int i = 0; i < pods; i++)
        if (r->running[i] > 0)
            lat[n++] = (sample){ (r->running[i] - r->created[i]) * 1000, i };
    qsort(lat, (size_t)n, sizeof(sample), cmp_sample);
    if (n > 0)
        printf("%-8s %5d/%-4d %6.1f %9.1f %9.1f %9.1f %12.1f\n", runtime, n, pods, rate, lat[n / 2].ms,
               lat[(n * 99 + 99) / 100 - 1].ms, lat[n - 1].ms, (double)peak / 1024);
    else
        printf("%-8s no pod reached Running (see %s)\n", runtime, log);
    /* Where the CPU went while the pods started; "runtime" is the rest of the machine (runc, monitors, dockerd). */
    if (n > 0) {
        double machine = cpu1[0] - cpu0[0], kl = cpu1[1] - cpu0[1], self = cpu1[2] - cpu0[2];
        /* The slowest three by name: a tail made by the first pods reads differently from one in mid-run. */
        printf("%-8s slowest:", runtime);
        for (int k = n - 1; k >= 0 && k >= n - 3; k--)
            printf(" bench-%d %.0f ms", lat[k].pod, lat[k].ms);
        printf("\n");
        printf("%-8s cpu per pod: kubelet %.1f ms, API server + bench %.1f ms, runtime and the rest %.1f ms "
               "(machine %.0f%% busy over %.1f s)\n",
               runtime, kl / n, self / n, (machine - kl - self) / n,
               100.0 * machine / (span * 1000.0 * (double)sysconf(_SC_NPROCESSORS_ONLN)), span);
    }
    fflush(stdout);
    /* Clean up through the kubelet: delete every pod and wait until they are gone. */
    k8sc_delete_options del = K8SC_DELETE_OPTIONS_INIT;
    del.grace_period_seconds = 1;
    for (int i = 0; i < pods; i++) {
        char name[32];
        snprintf(name, sizeof(name), "bench-%d", i);
        k8sc_client_delete(NULL, r->client, K8SC_POD, "default", name, &del);
    }
    t0 = now();
    for (;;) {
        k8sc_object *list = NULL;
        size_t left = 0;
        if (k8sc_client_list(&list, r->client, K8SC_POD, "default", NULL) == 0) {
            json_object *items = k8sc_object_get(list, "items");
            left = items ? json_object_array_length(items) : 0;
        }
        k8sc_object_free(list);
        if (left == 0 || now() - t0 > 120)
            break;
        sleep_s(0.5);
    }
out:
    k8sc_watch_free(r->watch);
    stop(kubelet);
    if (strcmp(runtime, "runc") == 0)
        sh("for id in $(runc --root %s/runc list -q 2>/dev/null); do runc --root %s/runc delete --force $id; done",
           rt_root, rt_root);
    k8sc_client_free(r->client);
    pthread_mutex_destroy(&r->lock);
    free(r);
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
    if (dockerd > 0) {
        sh("DOCKER_HOST=unix://%s docker rm -f $(DOCKER_HOST=unix://%s docker ps -aq) >/dev/null 2>&1", sock, sock);
        stop(dockerd);
    }
}

/* The anchors, measured now: `runc run` of /bin/true and `docker run --rm busybox true`. */
static void anchors(const char *tmp, const char *image_tar)
{
    char bundle[512];
    snprintf(bundle, sizeof(bundle), "%s/anchor", tmp);
    if (sh("mkdir -p %s/rootfs && tar -xOf %s manifest.json >/dev/null 2>&1", bundle, image_tar) == 0 &&
        sh("cd %s && tar -xf %s && for l in $(sed 's/.*\"Layers\":\\[\\([^]]*\\)\\].*/\\1/; s/[\",]/ /g' manifest.json); "
           "do tar -xf $l -C rootfs; done && runc spec && sed -i 's/\"terminal\": true/\"terminal\": false/; "
           "s/\"sh\"/\"true\"/' config.json", bundle, image_tar) == 0) {
        double t = now();
        int runs = 10;
        for (int i = 0; i < runs; i++)
            sh("cd %s && runc --root %s/runc-root run anchor-%d >/dev/null 2>&1", bundle, bundle, i);
        printf("anchor: runc run of /bin/true: %.0f ms\n", (now() - t) * 1000 / runs);
    }
    char dir[512], sock[600];
    snprintf(dir, sizeof(dir), "%s/anchor-docker", tmp);
    sh("mkdir -p %s", dir);
    pid_t d = start_dockerd(dir, sock, sizeof(sock));
    if (d > 0 && sh("DOCKER_HOST=unix://%s docker load -i %s >/dev/null 2>&1", sock, image_tar) == 0) {
        double t = now();
        int runs = 5;
        for (int i = 0; i < runs; i++)
            sh("DOCKER_HOST=unix://%s docker run --rm busybox:1.36 true >/dev/null 2>&1", sock);
        printf("anchor: docker run --rm busybox true: %.0f ms\n", (now() - t) * 1000 / runs);
    }
    if (d > 0)
        stop(d);
}

int main(int argc, char **argv)
{
    const char *runtimes = "runc,docker";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pods") == 0 && i + 1 < argc)
            pods = atoi(argv[++i]);
        else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
            rate = atof(argv[++i]);
        else if (strcmp(argv[i], "--runtimes") == 0 && i + 1 < argc)
            runtimes = argv[++i];
        else {
            fprintf(stderr, "usage: bench_kubelet [--pods N] [--rate R] [--runtimes runc,docker]\n");
            return 2;
        }
    }
    if (pods < 1 || pods > MAX_PODS || rate <= 0) {
        fprintf(stderr, "bench_kubelet: --pods 1..%d, --rate > 0\n", MAX_PODS);
        return 2;
    }
    if (getuid() != 0) {
        fprintf(stderr, "bench_kubelet: needs root (runc, dockerd)\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    char tmp[] = "/tmp/k8sc-bench-kubelet.XXXXXX";
    if (!mkdtemp(tmp))
        return 1;
    char image[600];
    snprintf(image, sizeof(image), "%s/busybox.tar", tmp);
    if (sh("sh %s/examples/images/build-busybox-image.sh %s busybox:1.36 >/dev/null", K8SC_SOURCE_DIR, image) != 0) {
        fprintf(stderr, "bench_kubelet: cannot build the busybox image\n");
        return 1;
    }
    printf("pod startup latency: create -> Running seen through a watch (goal: p99 < 300 ms on runc at 10 pods/s)\n");
    printf("%-8s %10s %6s %9s %9s %9s %12s\n", "runtime", "running", "rate", "p50 ms", "p99 ms", "max ms",
           "kubelet MiB");
    char *list = strdup(runtimes);
    for (char *save = NULL, *rt = strtok_r(list, ",", &save); rt; rt = strtok_r(NULL, ",", &save))
        bench_runtime(rt, tmp, image);
    free(list);
    anchors(tmp, image);
    /* K8SC_BENCH_KEEP=1 keeps the logs (kubelet.log per runtime) for a look afterwards. */
    if (getenv("K8SC_BENCH_KEEP"))
        printf("kept %s\n", tmp);
    else
        sh("rm -rf %s", tmp);
    return 0;
}
