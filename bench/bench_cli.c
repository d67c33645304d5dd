/*
 * `k8sctl get pods` against `kubectl get pods`: an in-process API server
 * (memory store) holding 100 pods, a throw-away kubeconfig and HOME, and
 * each program run N times in turn (after one warm-up run), a cold process
 * each time. Each program is measured twice: with its discovery cache warm
 * (what a user sees from the second command on; each program has a cache
 * directory of its own) and with the cache directory removed before every
 * run, so that discovery goes to the server each time.
 *
 * Wall time per run (p50, p90) and the program's peak RSS, both from the
 * same runs: started with posix_spawn and seized with ptrace as soon as it
 * has exec'd (no stop there), the program stops at its exit
 * (PTRACE_O_TRACEEXIT) where /proc/PID/status still has its VmHWM, and the
 * time runs from the spawn to that stop. wait4's ru_maxrss cannot be used:
 * exec records the old address space's peak too, and that of a vfork'ed
 * (posix_spawn) or forked child is this process's, an API server with its
 * pods; and a zombie's /proc/PID/status has no VmHWM left to read.
 *
 *   bench_cli [--runs N] [--pods N] [--k8sctl PATH] [--kubectl PATH]
 *
 * k8sctl defaults to ../cmd/k8sctl next to this program (the build tree),
 * kubectl to the one on PATH.
 */
#include "k8sc/k8sc.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
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

/* `prog` as a path: as given with a '/', else found on PATH. */
static int find_program(char *out, size_t size, const char *prog)
{
    if (strchr(prog, '/')) {
        snprintf(out, size, "%s", prog);
        return access(out, X_OK);
    }
    const char *path = getenv("PATH");
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(out, size, "%.*s/%s", (int)n, p, prog);
        if (n && access(out, X_OK) == 0)
            return 0;
        p += n + (p[n] == ':');
    }
    return -1;
}

/* VmHWM of `pid` in KiB, or -1. */
static long vm_hwm(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

_Noreturn static void failed(const char *prog, const char *why, int status)
{
    fprintf(stderr, "bench_cli: %s get pods: %s (status %d)\n", prog, why, status);
    exit(1);
}

/*
 * One `prog get pods` with output to /dev/null: its wall time (s) and
 * peak RSS (KiB), or a negative time when the program finished before it
 * could be traced (the run is then made again).
 */
static double run_once(const char *path, const char *prog, int devnull, long *peak_kib)
{
    extern char **environ;
    char *const argv[] = { (char *)prog, "get", "pods", NULL };
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, devnull, STDOUT_FILENO);
    double t0 = now(), end = -1;
    /* posix_spawn (vfork underneath): nothing of this process's memory is copied, or timed. */
    pid_t pid;
    int err = posix_spawn(&pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err) {
        fprintf(stderr, "bench_cli: %s: %s\n", prog, strerror(err));
        exit(1);
    }
    /* It has exec'd when posix_spawn returns; seized, it runs on untouched until its exit stop. */
    bool traced = ptrace(PTRACE_SEIZE, pid, NULL, (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)) == 0;
    int status = 0;
    for (;;) {
        if (waitpid(pid, &status, 0) != pid) {
            perror("waitpid");
            exit(1);
        }
        if (WIFEXITED(status) || WIFSIGNALED(status))
            break;
        int sig = 0;
        if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
            /* Done, its memory still there: the time is taken here, as a reaping parent would see the exit. */
            end = now();
            *peak_kib = vm_hwm(pid);
        } else if (status >> 16 == 0) {
            sig = WSTOPSIG(status); /* a signal for the program (Go's runtime sends some): passed on */
        }
        if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig) != 0) {
            perror("ptrace");
            exit(1);
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        failed(prog, "failed", status);
    return traced && end > 0 && *peak_kib > 0 ? end - t0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* rm -rf `dir`. */
static void remove_tree(const char *dir)
{
    if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT) {
        perror(dir);
        exit(1);
    }
}

/*
 * `runs` runs of `prog get pods` with KUBECACHEDIR=`cache`, removed before
 * each run when `cold` (not timed), after one warm-up run.
 */
static void measure(const char *label, const char *prog, const char *cache, bool cold, int runs, int devnull)
{
    char path[PATH_MAX];
    if (find_program(path, sizeof(path), prog) != 0) {
        fprintf(stderr, "bench_cli: %s: not found\n", prog);
        exit(1);
    }
    setenv("KUBECACHEDIR", cache, 1);
    double *t = calloc((size_t)runs, sizeof(double));
    long *rss = calloc((size_t)runs, sizeof(long));
    if (!t || !rss)
        exit(1);
    long peak = 0;
    run_once(path, prog, devnull, &peak); /* the warm-up; it fills the cache */
    for (int i = 0, missed = 0; i < runs;) {
        if (cold)
            remove_tree(cache);
        if ((t[i] = run_once(path, prog, devnull, &rss[i])) >= 0)
            i++;
        else if (++missed > runs)
            failed(prog, "exits before it can be traced", 0);
    }
    qsort(t, (size_t)runs, sizeof(double), cmp_double);
    qsort(rss, (size_t)runs, sizeof(long), cmp_long);
    printf("  %-8s get pods  %-22s p50 %7.1f ms   p90 %7.1f ms   peak RSS p50 %5.1f MiB, max %5.1f MiB\n", label,
        cold ? "(discovery cache cold)" : "(discovery cache warm)", t[runs / 2] * 1e3, t[runs * 9 / 10] * 1e3,
        (double)rss[runs / 2] / 1024.0, (double)rss[runs - 1] / 1024.0);
    free(t);
    free(rss);
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

    char dir[] = "/tmp/bench_cli.XXXXXX", path[PATH_MAX], cache[2][PATH_MAX];
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof(path), "%s/kubeconfig", dir);
    snprintf(cache[0], sizeof(cache[0]), "%s/cache-k8sctl", dir);
    snprintf(cache[1], sizeof(cache[1]), "%s/cache-kubectl", dir);
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
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull < 0) {
        perror("/dev/null");
        return 1;
    }

    printf("get pods: %ld pods, in-process API server over loopback HTTP, %d runs each (+1 warm-up)\n", pods, runs);
    measure("k8sctl", k8sctl, cache[0], false, runs, devnull);
    measure("k8sctl", k8sctl, cache[0], true, runs, devnull);
    measure("kubectl", kubectl, cache[1], false, runs, devnull);
    measure("kubectl", kubectl, cache[1], true, runs, devnull);

    close(devnull);
    k8sc_client_free(c);
    k8sc_apiserver_free(srv);
    k8sc_registry_free(reg);
    k8sc_store_close(store);
    remove_tree(dir);
    return 0;
}
