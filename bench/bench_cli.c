/*
 * `k8sctl get pods` against `kubectl get pods`: an in-process API server
 * (memory store) holding 100 pods, a throw-away kubeconfig and HOME, and
 * each program run N times in turn (after one warm-up run each, which
 * fills kubectl's discovery cache). Wall time per run (p50, p90) and the
 * peak RSS of the child from wait4's rusage.
 *
 *   bench_cli [--runs N] [--pods N] [--k8sctl PATH] [--kubectl PATH]
 *
 * k8sctl defaults to ../cmd/k8sctl next to this program (the build tree),
 * kubectl to the one on PATH.
 */
#include "k8sc/k8sc.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

_Noreturn static void die(const char *what)
{
    fprintf(stderr, "bench_cli: %s: %s\n", what, k8sc_error_last());
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void create_pods(k8sc_client *c, long n)
{
    for (long i = 0; i < n; i++) {
        char json[512];
        snprintf(json, sizeof(json),
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-%ld\",\"namespace\":\"default\","
            "\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1.27\"}]}}",
            i);
        k8sc_object *o;
        if (k8sc_object_from_json(&o, json, strlen(json)) < 0 || k8sc_client_create(NULL, c, o) < 0)
            die("create pod");
        k8sc_object_free(o);
    }
}

/* Wait for `pid`: its peak RSS (KiB); a failed run ends the benchmark. */
static long reap(pid_t pid, const char *prog)
{
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("wait4");
        exit(1);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_cli: %s get pods failed (status %d)\n", prog, status);
        exit(1);
    }
    return ru.ru_maxrss;
}

/*
 * The peak RSS (KiB) of one `prog get pods`, started with fork: a
 * vfork'ed child (posix_spawn) would be charged this process's pages.
 */
static long peak_rss(const char *prog)
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, STDOUT_FILENO);
            close(devnull);
        }
        execlp(prog, prog, "get", "pods", (char *)NULL);
        _exit(127);
    }
    return reap(pid, prog);
}

/*
 * The wall time (s) of one `prog get pods` with output to /dev/null.
 * posix_spawn (vfork underneath), not fork: copying this process's page
 * tables — an API server with its threads — would be timed too.
 */
static double run_once(const char *prog)
{
    extern char **environ;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    char *const argv[] = { (char *)prog, "get", "pods", NULL };
    double t0 = now();
    pid_t pid;
    int err = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err) {
        fprintf(stderr, "bench_cli: %s: %s\n", prog, strerror(err));
        exit(1);
    }
    reap(pid, prog);
    return now() - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void measure(const char *label, const char *prog, int runs)
{
    double *t = calloc((size_t)runs, sizeof(double));
    if (!t)
        exit(1);
    long peak = peak_rss(prog); /* also the warm-up */
    for (int i = 0; i < runs; i++)
        t[i] = run_once(prog);
    qsort(t, (size_t)runs, sizeof(double), cmp_double);
    printf("  %-8s get pods   p50 %7.1f ms   p90 %7.1f ms   peak RSS %6.1f MiB\n", label, t[runs / 2] * 1e3,
        t[runs * 9 / 10] * 1e3, (double)peak / 1024.0);
    free(t);
}

int main(int argc, char **argv)
{
    k8sc_tune_allocator(); /* as the server programs do */
    int runs = 20;
    long pods = 100;
    char self[PATH_MAX], k8sctl[PATH_MAX + 32] = "";
    const char *kubectl = "kubectl";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--pods") == 0 && i + 1 < argc)
            pods = atol(argv[++i]);
        else if (strcmp(argv[i], "--k8sctl") == 0 && i + 1 < argc)
            snprintf(k8sctl, sizeof(k8sctl), "%s", argv[++i]);
        else if (strcmp(argv[i], "--kubectl") == 0 && i + 1 < argc)
            kubectl = argv[++i];
        else {
            fprintf(stderr, "usage: bench_cli [--runs N] [--pods N] [--k8sctl PATH] [--kubectl PATH]\n");
            return 2;
        }
    }
    if (runs < 1 || pods < 0) {
        fprintf(stderr, "bench_cli: --runs must be at least 1 and --pods not negative\n");
        return 2;
    }
    if (!*k8sctl) {
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n < 0) {
            perror("readlink /proc/self/exe");
            return 1;
        }
        self[n] = '\0';
        snprintf(k8sctl, sizeof(k8sctl), "%s/../cmd/k8sctl", dirname(self));
    }

    k8sc_store *store = NULL;
    k8sc_registry *reg = NULL;
    k8sc_apiserver *srv = NULL;
    k8sc_client *c = NULL;
    if (k8sc_store_open(&store, "memory://", NULL) || k8sc_registry_new(&reg))
        die("store");
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = store;
    o.registry = reg;
    if (k8sc_apiserver_new(&srv, &o) || k8sc_apiserver_start(srv))
        die("apiserver");
    if (k8sc_client_new_in_process(&c, srv))
        die("client");
    create_pods(c, pods);

    char dir[] = "/tmp/bench_cli.XXXXXX", path[PATH_MAX], cache[PATH_MAX];
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof(path), "%s/kubeconfig", dir);
    snprintf(cache, sizeof(cache), "%s/cache", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 1;
    }
    fprintf(f,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: k8sc\n  cluster:\n    server: http://127.0.0.1:%d\n"
        "users:\n- name: anonymous\n  user: {}\ncontexts:\n- name: k8sc\n  context:\n    cluster: k8sc\n"
        "    user: anonymous\n    namespace: default\ncurrent-context: k8sc\n",
        k8sc_apiserver_port(srv));
    fclose(f);
    setenv("KUBECONFIG", path, 1);
    setenv("HOME", dir, 1);
    setenv("KUBECACHEDIR", cache, 1);

    printf("get pods: %ld pods, in-process API server over loopback HTTP, %d runs each (+1 warm-up)\n", pods, runs);
    measure("k8sctl", k8sctl, runs);
    measure("kubectl", kubectl, runs);

    k8sc_client_free(c);
    k8sc_apiserver_free(srv);
    k8sc_registry_free(reg);
    k8sc_store_close(store);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
