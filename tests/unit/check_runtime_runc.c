/*
 * The runc runtime with real containers from a busybox image built from
 * the host's /bin/busybox. Every test uses its own root directory under
 * one temporary directory; main removes every sandbox found there after
 * the suite, so nothing is left running even when a test fails. Skipped
 * with a message unless root with runc and /bin/busybox.
 */
#include "testutil.h"
#include "runtime/runtime_internal.h"

#include <k8sc/runtime.h>
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUILD_SCRIPT K8SC_TEST_DATA "/../../examples/images/build-busybox-image.sh"
#define IMAGE "busybox:1.36"

static char tmp[64];
static char images[128];
static char root[160];
static char logdir[192];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static k8sc_runtime *open_at(const char *dir)
{
    k8sc_runtime_options o = K8SC_RUNTIME_OPTIONS_INIT;
    o.root_dir = dir;
    o.image_dir = images;
    k8sc_runtime *rt = NULL;
    ck_assert_msg(k8sc_runtime_open(&rt, "runc", &o) == 0, "%s", k8sc_error_last());
    return rt;
}

/* A runtime on a fresh root directory of this test. */
static k8sc_runtime *rt_open(void)
{
    snprintf(root, sizeof(root), "%s/t%d", tmp, (int)getpid());
    snprintf(logdir, sizeof(logdir), "%s/logs", root);
    return open_at(root);
}

static const k8sc_runtime_pair pod_labels[] = { { K8SC_LABEL_POD_NAME, "web" }, { "app", "demo" } };

static k8sc_sandbox_config sandbox_config(void)
{
    k8sc_sandbox_config c = { 0 };
    c.version = K8SC_SANDBOX_CONFIG_VERSION;
    c.name = "web";
    c.namespace_ = "default";
    c.uid = "uid-1";
    c.hostname = "podhost";
    c.log_directory = logdir;
    c.labels = pod_labels;
    c.n_labels = 2;
    c.cgroup_parent = "k8sc-test/poduid1";
    return c;
}

static char *run_sandbox(k8sc_runtime *rt, const k8sc_sandbox_config *c)
{
    char *id = NULL;
    ck_assert_msg(k8sc_runtime_run_sandbox(rt, &id, c) == 0, "%s", k8sc_error_last());
    return id;
}

static const char *sh_c[] = { "sh", "-c" };

static k8sc_container_config container_config(const char *name, const char **script)
{
    static char log[64];
    snprintf(log, sizeof(log), "%s/0.log", name);
    k8sc_container_config c = { 0 };
    c.version = K8SC_CONTAINER_CONFIG_VERSION;
    c.name = name;
    c.image = IMAGE;
    c.command = sh_c;
    c.n_command = 2;
    c.args = script;
    c.n_args = 1;
    c.log_path = log;
    c.run_as_user = -1;
    c.run_as_group = -1;
    return c;
}

static char *create(k8sc_runtime *rt, const char *sb, const k8sc_container_config *c)
{
    k8sc_sandbox_config s = sandbox_config();
    char *id = NULL;
    ck_assert_msg(k8sc_runtime_create_container(rt, &id, sb, c, &s) == 0, "%s", k8sc_error_last());
    return id;
}

static char *start(k8sc_runtime *rt, const char *sb, const char *name, const char *script)
{
    const char *args[] = { script };
    k8sc_container_config c = container_config(name, args);
    char *id = create(rt, sb, &c);
    ck_assert_msg(k8sc_runtime_start_container(rt, id) == 0, "%s", k8sc_error_last());
    return id;
}

static k8sc_container_status *status(k8sc_runtime *rt, const char *id)
{
    k8sc_container_status *st = NULL;
    ck_assert_msg(k8sc_runtime_container_status(rt, &st, id) == 0, "%s", k8sc_error_last());
    return st;
}

/* Wait (up to 10 s) until the container has exited; its status. */
static k8sc_container_status *wait_exited(k8sc_runtime *rt, const char *id)
{
    for (int i = 0; i < 1000; i++) {
        k8sc_container_status *st = status(rt, id);
        if (st->state == K8SC_CONTAINER_EXITED)
            return st;
        k8sc_container_status_free(st);
        sleep_ms(10);
    }
    ck_abort_msg("container %s did not exit", id);
    return NULL;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char *buf = calloc(1, 4 << 20);
    size_t n = fread(buf, 1, (4 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static char *log_of(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s/0.log", logdir, name);
    char *text = read_file(path);
    ck_assert_msg(text != NULL, "no log file %s", path);
    return text;
}

/* Wait (up to 10 s) until the container's log holds `text`. */
static void wait_log(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s/0.log", logdir, name);
    for (int i = 0; i < 1000; i++) {
        char *log = read_file(path);
        bool found = log && strstr(log, text);
        free(log);
        if (found)
            return;
        sleep_ms(10);
    }
    ck_abort_msg("log of %s never showed \"%s\"", name, text);
}

/* The text after " stdout F " on the log's first stdout line (copied into `out`). */
static void first_stdout(const char *log, char *out, size_t size, int skip)
{
    const char *p = log;
    for (int i = 0; i <= skip; i++) {
        p = strstr(p, " stdout F ");
        ck_assert_ptr_nonnull(p);
        p += 10;
    }
    size_t n = strcspn(p, "\n");
    snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), p);
}

START_TEST(t_version_and_images)
{
    k8sc_runtime *rt = rt_open();
    char *v = NULL;
    ck_assert_int_eq(k8sc_runtime_version(rt, &v), 0);
    ck_assert_msg(strncmp(v, "runc://1.", 9) == 0, "%s", v);
    free(v);
    k8sc_image *img = NULL;
    ck_assert_msg(k8sc_runtime_image_status(rt, &img, IMAGE) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(img->repo_tags[0], "docker.io/library/busybox:1.36");
    k8sc_image_free(img);
    ck_assert_int_eq(k8sc_runtime_image_status(rt, &img, "nosuch:1"), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_runtime_pull_image(rt, IMAGE), K8SC_EUNAVAILABLE);
    k8sc_runtime_close(rt);

    k8sc_runtime_options o = K8SC_RUNTIME_OPTIONS_INIT;
    o.root_dir = root;
    o.runc_path = "/nonexistent/runc";
    ck_assert_int_eq(k8sc_runtime_open(&rt, "runc", &o), K8SC_EUNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "runc not found"));
}
END_TEST

START_TEST(t_run_exit_and_log)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sc = sandbox_config();
    char *sb = run_sandbox(rt, &sc);
    k8sc_sandbox_status *ss = NULL;
    ck_assert_int_eq(k8sc_runtime_sandbox_status(rt, &ss, sb), 0);
    ck_assert_int_eq(ss->state, K8SC_SANDBOX_READY);
    ck_assert_str_eq(ss->name, "web");
    ck_assert_str_eq(k8sc_runtime_pair_get(ss->labels, ss->n_labels, "app"), "demo");
    k8sc_sandbox_status_free(ss);

    const char *args[] = { "echo hello; echo err >&2; exit 3" };
    k8sc_container_config c = container_config("app", args);
    char *id = create(rt, sb, &c);
    k8sc_container_status *st = status(rt, id);
    ck_assert_int_eq(st->state, K8SC_CONTAINER_CREATED);
    ck_assert_str_eq(st->sandbox_id, sb);
    ck_assert_msg(strncmp(st->image_id, "sha256:", 7) == 0, "%s", st->image_id);
    k8sc_container_status_free(st);
    ck_assert_msg(k8sc_runtime_start_container(rt, id) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(k8sc_runtime_start_container(rt, id), K8SC_EINVAL);
    st = wait_exited(rt, id);
    ck_assert_int_eq(st->exit_code, 3);
    ck_assert_str_eq(st->reason, "Error");
    ck_assert_int_ge(st->finished_at, st->started_at);
    ck_assert_int_gt(st->started_at, 0);
    char expect_log[256];
    snprintf(expect_log, sizeof(expect_log), "%s/app/0.log", logdir);
    ck_assert_str_eq(st->log_path, expect_log);
    k8sc_container_status_free(st);
    char *log = log_of("app");
    ck_assert_msg(strstr(log, " stdout F hello\n") && strstr(log, " stderr F err\n"), "%s", log);
    /* 2016-10-06T00:17:09.669794202Z */
    ck_assert_msg(strlen(log) > 31 && log[4] == '-' && log[10] == 'T' && log[19] == '.' && log[29] == 'Z' &&
                      log[30] == ' ',
                  "%s", log);
    free(log);

    const char *long_args[] = { "head -c 20000 /dev/zero | tr '\\0' x; echo; exit 0" };
    c = container_config("long", long_args);
    char *id2 = create(rt, sb, &c);
    ck_assert_int_eq(k8sc_runtime_start_container(rt, id2), 0);
    st = wait_exited(rt, id2);
    ck_assert_int_eq(st->exit_code, 0);
    ck_assert_str_eq(st->reason, "Completed");
    k8sc_container_status_free(st);
    log = log_of("long");
    char *p = strstr(log, " stdout P ");
    ck_assert_msg(p != NULL, "no partial line");
    ck_assert_int_eq(strcspn(p + 10, "\n"), 16384);
    ck_assert_ptr_nonnull(strstr(p, " stdout F xxxx"));
    free(log);

    /* A container with a terminal: one stream, and the process sees a tty. */
    const char *tty_args[] = { "tty; echo tty-out" };
    c = container_config("tty", tty_args);
    c.tty = true;
    char *id3 = create(rt, sb, &c);
    ck_assert_msg(k8sc_runtime_start_container(rt, id3) == 0, "%s", k8sc_error_last());
    st = wait_exited(rt, id3);
    ck_assert_int_eq(st->exit_code, 0);
    k8sc_container_status_free(st);
    log = log_of("tty");
    ck_assert_msg(strstr(log, " stdout F /dev/pts/") && strstr(log, " stdout F tty-out") && !strstr(log, "stderr"),
                  "%s", log);
    free(log);

    /* Over its memory limit: killed and reported as such. */
    const char *oom_args[] = { "exec tail -c 200m /dev/zero" };
    c = container_config("oom", oom_args);
    c.memory_limit_bytes = 16 << 20;
    char *id4 = create(rt, sb, &c);
    ck_assert_int_eq(k8sc_runtime_start_container(rt, id4), 0);
    st = wait_exited(rt, id4);
    ck_assert_int_eq(st->exit_code, 137);
    ck_assert_str_eq(st->reason, "OOMKilled");
    k8sc_container_status_free(st);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sb), 0);
    free(id);
    free(id2);
    free(id3);
    free(id4);
    free(sb);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_log_rotation)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sc = sandbox_config();
    char *sb = run_sandbox(rt, &sc);
    /* One 11 MiB line: 16 KiB "P" pieces, past the 10 MiB the log may hold. */
    char *id = start(rt, sb, "big", "head -c 11534336 /dev/zero | tr '\\0' x; echo; echo last");
    k8sc_container_status *st = wait_exited(rt, id);
    ck_assert_int_eq(st->exit_code, 0);
    char old[300];
    snprintf(old, sizeof(old), "%s.1", st->log_path);
    struct stat a, b;
    ck_assert_int_eq(stat(old, &a), 0);
    ck_assert_int_eq(stat(st->log_path, &b), 0);
    ck_assert_int_ge(a.st_size, 10 << 20);
    ck_assert_int_lt(a.st_size, (10 << 20) + 20000);
    ck_assert_int_lt(b.st_size, 2 << 20);
    k8sc_container_status_free(st);
    char *log = log_of("big");
    ck_assert_msg(strstr(log, " stdout F last\n"), "no last line");
    free(log);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sb), 0);
    free(id);
    free(sb);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_env_args_workdir_mount)
{
    k8sc_runtime *rt = rt_open();
    char host[256], file[300];
    snprintf(host, sizeof(host), "%s/hostdir", root);
    mkdir(host, 0755);
    snprintf(file, sizeof(file), "%s/f", host);
    FILE *f = fopen(file, "w");
    fputs("fromhost\n", f);
    fclose(f);
    k8sc_sandbox_config sc = sandbox_config();
    char *sb = run_sandbox(rt, &sc);
    const char *args[] = { "echo \"FOO=$FOO ARG=$0 PWD=$(pwd) ID=$(id -u):$(id -g)\"; cat /data/f; "
                           "if touch /data/x 2>/dev/null; then echo RW; else echo RO; fi" };
    k8sc_container_config c = container_config("env", args);
    const char *args2[] = { args[0], "first" };
    c.args = args2;
    c.n_args = 2;
    c.working_dir = "/tmp";
    k8sc_runtime_pair envs[] = { { "FOO", "bar" } };
    c.envs = envs;
    c.n_envs = 1;
    k8sc_runtime_mount m = { "/data", host, true };
    c.mounts = &m;
    c.n_mounts = 1;
    c.run_as_user = 65534;
    char *id = create(rt, sb, &c);
    ck_assert_int_eq(k8sc_runtime_start_container(rt, id), 0);
    k8sc_container_status *st = wait_exited(rt, id);
    ck_assert_int_eq(st->exit_code, 0);
    k8sc_container_status_free(st);
    char *log = log_of("env");
    ck_assert_msg(strstr(log, "FOO=bar ARG=first PWD=/tmp ID=65534:65534\n"), "%s", log);
    ck_assert_msg(strstr(log, " stdout F fromhost\n") && strstr(log, " stdout F RO\n"), "%s", log);
    free(log);
    ck_assert_int_eq(access(file, F_OK), 0);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sb), 0);
    free(id);
    free(sb);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_shared_namespaces)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sc = sandbox_config();
    char *sb = run_sandbox(rt, &sc);
    const char *script = "readlink /proc/self/ns/net; hostname; cat /sys/class/net/lo/operstate";
    char *a = start(rt, sb, "a", script);
    char *b = start(rt, sb, "b", script);
    k8sc_container_status_free(wait_exited(rt, a));
    k8sc_container_status_free(wait_exited(rt, b));
    char *la = log_of("a"), *lb = log_of("b");
    char na[128], nb[128], host[128], hn[128];
    first_stdout(la, na, sizeof(na), 0);
    first_stdout(lb, nb, sizeof(nb), 0);
    ck_assert_msg(strncmp(na, "net:[", 5) == 0, "%s", la);
    ck_assert_str_eq(na, nb);
    ssize_t n = readlink("/proc/self/ns/net", host, sizeof(host) - 1);
    ck_assert_int_gt(n, 0);
    host[n] = '\0';
    ck_assert_str_ne(na, host);
    first_stdout(la, hn, sizeof(hn), 1);
    ck_assert_str_eq(hn, "podhost");
    first_stdout(lb, hn, sizeof(hn), 1);
    ck_assert_str_eq(hn, "podhost");
    first_stdout(la, hn, sizeof(hn), 2);
    ck_assert_msg(strcmp(hn, "unknown") == 0 || strcmp(hn, "up") == 0, "lo is %s", hn);
    free(la);
    free(lb);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sb), 0);

    /* A pod on the host's network sees the host's network namespace. */
    sc.host_network = true;
    char *hsb = run_sandbox(rt, &sc);
    char *h = start(rt, hsb, "h", "readlink /proc/self/ns/net");
    k8sc_container_status_free(wait_exited(rt, h));
    char *lh = log_of("h");
    first_stdout(lh, na, sizeof(na), 0);
    ck_assert_str_eq(na, host);
    free(lh);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, hsb), 0);
    free(h);
    free(hsb);
    free(a);
    free(b);
    free(sb);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_memory_limit_and_stats)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sc = sandbox_config();
    char *sb = run_sandbox(rt, &sc);
    const char *args[] = { "echo up; while :; do sleep 1; done" };
    k8sc_container_config c = container_config("mem", args);
    c.memory_limit_bytes = 64 << 20;
    c.pids_limit = 50;
    char *id = create(rt, sb, &c);
    ck_assert_int_eq(k8sc_runtime_start_container(rt, id), 0);
    wait_log("mem", "stdout F up");
    char path[256];
    struct stat st_cg;
    if (stat("/sys/fs/cgroup/cgroup.controllers", &st_cg) == 0)
        snprintf(path, sizeof(path), "/sys/fs/cgroup/k8sc-test/poduid1/%s/container/memory.max", id);
    else
        /* v1: the container's own cgroup, no scope level above it. */
        snprintf(path, sizeof(path), "/sys/fs/cgroup/memory/k8sc-test/poduid1/%s/memory.limit_in_bytes", id);
    char *limit = read_file(path);
    ck_assert_msg(limit != NULL, "no %s", path);
    ck_assert_int_eq(strtoll(limit, NULL, 10), 64 << 20);
    free(limit);
    k8sc_container_stats stats;
    ck_assert_msg(k8sc_runtime_container_stats(rt, &stats, id) == 0, "%s", k8sc_error_last());
    ck_assert_uint_gt(stats.cpu_usage_ns, 0);
    ck_assert_uint_gt(stats.memory_usage_bytes, 0);
    ck_assert_uint_le(stats.memory_working_set_bytes, stats.memory_usage_bytes);
    ck_assert_int_gt(stats.timestamp, 0);
    ck_assert_int_eq(k8sc_runtime_stop_container(rt, id, 0), 0);
    k8sc_container_status *st = status(rt, id);
    ck_assert_int_eq(st->state, K8SC_CONTAINER_EXITED);
    ck_assert_int_eq(st->exit_code, 137);
    k8sc_container_status_free(st);
    ck_assert_int_eq(k8sc_runtime_container_stats(rt, &stats, id), K8SC_EINVAL);
    bool v2 = stat("/sys/fs/cgroup/cgroup.controllers", &st_cg) == 0;
    if (!v2) {
        /* v1: the top cgroup hands its CPUs to new cgroups, so runc writes no cpuset.cpus. */
        char *flag = read_file("/sys/fs/cgroup/cpuset/k8sc-test/cgroup.clone_children");
        ck_assert_ptr_nonnull(flag);
        ck_assert_int_eq(flag[0], '1');
        free(flag);
    }
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sb), 0);
    /* The pod's cgroup goes with its last sandbox. */
    ck_assert_int_ne(access(v2 ? "/sys/fs/cgroup/k8sc-test/poduid1" : "/sys/fs/cgroup/memory/k8sc-test/poduid1", F_OK),
                     0);
    free(id);
    free(sb);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_stop_with_grace)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sc = sandbox_config();
    char *sb = run_sandbox(rt, &sc);
    char *polite = start(rt, sb, "polite", "trap 'echo bye; exit 0' TERM; echo ready; while :; do sleep 1 & wait $!; done");
    char *stubborn = start(rt, sb, "stubborn", "echo ready; while :; do sleep 1; done");
    wait_log("polite", "stdout F ready");
    wait_log("stubborn", "stdout F ready");
    double t0 = now();
    ck_assert_msg(k8sc_runtime_stop_container(rt, polite, 10) == 0, "%s", k8sc_error_last());
    ck_assert_double_lt(now() - t0, 5);
    k8sc_container_status *st = status(rt, polite);
    ck_assert_int_eq(st->state, K8SC_CONTAINER_EXITED);
    ck_assert_int_eq(st->exit_code, 0);
    k8sc_container_status_free(st);
    char *log = log_of("polite");
    ck_assert_msg(strstr(log, "stdout F bye\n"), "%s", log);
    free(log);
    t0 = now();
    ck_assert_msg(k8sc_runtime_stop_container(rt, stubborn, 1) == 0, "%s", k8sc_error_last());
    ck_assert_double_ge(now() - t0, 0.9);
    st = status(rt, stubborn);
    ck_assert_int_eq(st->exit_code, 137);
    k8sc_container_status_free(st);
    ck_assert_int_eq(k8sc_runtime_stop_container(rt, stubborn, 1), 0);
    ck_assert_int_eq(k8sc_runtime_stop_sandbox(rt, sb), 0);
    k8sc_sandbox_status *ss = NULL;
    ck_assert_int_eq(k8sc_runtime_sandbox_status(rt, &ss, sb), 0);
    ck_assert_int_eq(ss->state, K8SC_SANDBOX_NOTREADY);
    k8sc_sandbox_status_free(ss);
    ck_assert_int_eq(k8sc_runtime_stop_sandbox(rt, sb), 0);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sb), 0);
    ck_assert_int_eq(k8sc_runtime_sandbox_status(rt, &ss, sb), K8SC_ENOTFOUND);
    free(polite);
    free(stubborn);
    free(sb);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_exec)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sc = sandbox_config();
    char *sb = run_sandbox(rt, &sc);
    char *id = start(rt, sb, "svc", "echo ready; while :; do sleep 1; done");
    wait_log("svc", "stdout F ready");
    const char *cmd[] = { "sh", "-c", "echo out; echo err >&2; exit 4" };
    int code = -1;
    char *out = NULL, *err = NULL;
    ck_assert_msg(k8sc_runtime_exec_sync(rt, id, cmd, 3, 10000, &code, &out, &err) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(code, 4);
    ck_assert_str_eq(out, "out\n");
    ck_assert_str_eq(err, "err\n");
    free(out);
    free(err);

    const char *cat[] = { "cat" };
    k8sc_exec_options o = { K8SC_EXEC_OPTIONS_VERSION, cat, 1, false, true, 0, 0 };
    k8sc_runtime_exec *ex = NULL;
    ck_assert_msg(k8sc_runtime_exec_start(rt, &ex, id, &o) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(write(k8sc_runtime_exec_fd(ex, 0), "ping\n", 5), 5);
    k8sc_runtime_exec_close_stdin(ex);
    char buf[64] = "";
    size_t got = 0;
    ssize_t n;
    while ((n = read(k8sc_runtime_exec_fd(ex, 1), buf + got, sizeof(buf) - 1 - got)) > 0)
        got += (size_t)n;
    ck_assert_str_eq(buf, "ping\n");
    ck_assert_int_eq(k8sc_runtime_exec_wait(ex, &code, 10000), 0);
    ck_assert_int_eq(code, 0);
    ck_assert_int_eq(k8sc_runtime_exec_resize(ex, 80, 24), K8SC_EINVAL);
    k8sc_runtime_exec_free(ex);

    /* The terminal has its size from the start: no resize races the command's `stty size`. */
    const char *tty[] = { "sh", "-c", "tty; stty size; exit 2" };
    k8sc_exec_options t = { K8SC_EXEC_OPTIONS_VERSION, tty, 3, true, false, 100, 30 };
    ck_assert_msg(k8sc_runtime_exec_start(rt, &ex, id, &t) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(k8sc_runtime_exec_fd(ex, 2), -1);
    char tbuf[256] = "";
    got = 0;
    while ((n = read(k8sc_runtime_exec_fd(ex, 1), tbuf + got, sizeof(tbuf) - 1 - got)) > 0)
        got += (size_t)n;
    ck_assert_msg(strstr(tbuf, "/dev/pts/") && strstr(tbuf, "30 100"), "%s", tbuf);
    ck_assert_int_eq(k8sc_runtime_exec_wait(ex, &code, 10000), 0);
    ck_assert_int_eq(code, 2);
    k8sc_runtime_exec_free(ex);

    /* A resize reaches the command's terminal (it reads a line first, so the resize is in before `stty size`). */
    const char *sized[] = { "sh", "-c", "read l; stty size" };
    t.command = sized;
    t.stdin_ = true;
    ck_assert_msg(k8sc_runtime_exec_start(rt, &ex, id, &t) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(k8sc_runtime_exec_resize(ex, 90, 20), 0);
    sleep_ms(300);
    ck_assert_int_eq(write(k8sc_runtime_exec_fd(ex, 0), "go\r", 3), 3);
    memset(tbuf, 0, sizeof(tbuf));
    got = 0;
    while ((n = read(k8sc_runtime_exec_fd(ex, 1), tbuf + got, sizeof(tbuf) - 1 - got)) > 0)
        got += (size_t)n;
    ck_assert_msg(strstr(tbuf, "20 90"), "%s", tbuf);
    ck_assert_int_eq(k8sc_runtime_exec_wait(ex, &code, 10000), 0);
    ck_assert_int_eq(code, 0);
    k8sc_runtime_exec_free(ex);

    const char *sleeper[] = { "sleep", "30" };
    ck_assert_int_eq(k8sc_runtime_exec_sync(rt, id, sleeper, 2, 300, &code, NULL, NULL), K8SC_ETIMEOUT);
    const char *nosuch[] = { "/nonexistent" };
    ck_assert_int_eq(k8sc_runtime_exec_sync(rt, id, nosuch, 1, 10000, &code, NULL, NULL), 0);
    ck_assert_int_ne(code, 0);
    ck_assert_int_eq(k8sc_runtime_stop_container(rt, id, 0), 0);
    ck_assert_int_eq(k8sc_runtime_exec_sync(rt, id, cmd, 3, 1000, &code, NULL, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sb), 0);
    free(id);
    free(sb);
    k8sc_runtime_close(rt);
}
END_TEST

/* Read fd until `want` shows up in what was read (10 s at most); what was read (caller frees). */
static char *read_until(int fd, const char *want)
{
    char *buf = calloc(1, 4096);
    size_t got = 0;
    double deadline = now() + 10;
    while (!strstr(buf, want) && got < 4095 && now() < deadline) {
        ssize_t n = read(fd, buf + got, 4095 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return buf;
}

/* Read fd to its end (10 s at most: the caller's fd has a receive timeout or ends). */
static char *read_to_end(int fd)
{
    return read_until(fd, "\x01never\x01");
}

START_TEST(t_attach)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sc = sandbox_config();
    char *sb = run_sandbox(rt, &sc);

    /* stdin with stdin_once: two streams out, input in, and the first detach ends the container's stdin. */
    const char *args[] = { "echo ready; while read l; do echo \"got $l\"; echo \"err $l\" >&2; done; echo bye" };
    k8sc_container_config c = container_config("io", args);
    c.stdin_ = true;
    c.stdin_once = true;
    char *id = create(rt, sb, &c);
    k8sc_attach_options ao;
    ck_assert_int_eq(k8sc_runtime_attach_options_init(&ao, K8SC_ATTACH_OPTIONS_VERSION), 0);
    k8sc_runtime_exec *ex = NULL;
    ck_assert_int_eq(k8sc_runtime_attach(rt, &ex, id, &ao), K8SC_EINVAL); /* created, not running */
    ck_assert_msg(k8sc_runtime_start_container(rt, id) == 0, "%s", k8sc_error_last());
    wait_log("io", "stdout F ready");
    ao.stdin_ = true;
    ck_assert_msg(k8sc_runtime_attach(rt, &ex, id, &ao) == 0, "%s", k8sc_error_last());
    k8sc_runtime_exec *watcher = NULL;
    k8sc_attach_options only_out = { K8SC_ATTACH_OPTIONS_VERSION, false, true, false };
    ck_assert_msg(k8sc_runtime_attach(rt, &watcher, id, &only_out) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(k8sc_runtime_exec_fd(watcher, 0), -1);
    ck_assert_int_eq(k8sc_runtime_exec_fd(watcher, 2), -1);
    ck_assert_int_eq(k8sc_runtime_exec_resize(ex, 80, 24), K8SC_EINVAL);
    ck_assert_int_eq(write(k8sc_runtime_exec_fd(ex, 0), "one\n", 4), 4);
    char *out = read_until(k8sc_runtime_exec_fd(ex, 1), "got one\n");
    ck_assert_str_eq(out, "got one\n");
    free(out);
    out = read_until(k8sc_runtime_exec_fd(ex, 2), "err one\n");
    ck_assert_str_eq(out, "err one\n");
    free(out);
    k8sc_runtime_exec_close_stdin(ex);
    out = read_to_end(k8sc_runtime_exec_fd(ex, 1));
    ck_assert_str_eq(out, "bye\n");
    free(out);
    out = read_to_end(k8sc_runtime_exec_fd(watcher, 1));
    ck_assert_str_eq(out, "got one\nbye\n");
    free(out);
    int code = -1;
    ck_assert_int_eq(k8sc_runtime_exec_wait(ex, &code, 1000), 0);
    ck_assert_int_eq(code, 0);
    k8sc_runtime_exec_free(ex);
    k8sc_runtime_exec_free(watcher);
    k8sc_container_status *st = wait_exited(rt, id);
    ck_assert_int_eq(st->exit_code, 0);
    k8sc_container_status_free(st);
    char *log = log_of("io");
    ck_assert_msg(strstr(log, "stdout F got one") && strstr(log, "stderr F err one") && strstr(log, "stdout F bye"),
                  "%s", log);
    free(log);
    ck_assert_int_eq(k8sc_runtime_attach(rt, &ex, id, &ao), K8SC_EINVAL); /* exited */
    free(id);

    /* A terminal: one stream, resizes reach the container, input goes through the terminal. */
    const char *targs[] = { "read l; stty size; echo \"in=$l\"" };
    c = container_config("term", targs);
    c.tty = true;
    c.stdin_ = true;
    id = create(rt, sb, &c);
    ck_assert_msg(k8sc_runtime_start_container(rt, id) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_runtime_attach(rt, &ex, id, &ao) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(k8sc_runtime_exec_fd(ex, 2), -1);
    ck_assert_int_ge(k8sc_runtime_exec_fd(ex, 0), 0);
    ck_assert_int_eq(k8sc_runtime_exec_resize(ex, 120, 40), 0);
    sleep_ms(300);
    ck_assert_int_eq(write(k8sc_runtime_exec_fd(ex, 0), "x\r", 2), 2);
    out = read_to_end(k8sc_runtime_exec_fd(ex, 1));
    ck_assert_msg(strstr(out, "40 120") && strstr(out, "in=x"), "%s", out);
    free(out);
    k8sc_runtime_exec_free(ex);
    st = wait_exited(rt, id);
    ck_assert_int_eq(st->exit_code, 0);
    k8sc_container_status_free(st);
    free(id);

    /* Without stdin in its config, an attach gets no stdin fd; detaching leaves the container running. */
    id = start(rt, sb, "plain", "while :; do sleep 1; done");
    ck_assert_msg(k8sc_runtime_attach(rt, &ex, id, &ao) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(k8sc_runtime_exec_fd(ex, 0), -1);
    k8sc_runtime_exec_free(ex);
    st = status(rt, id);
    ck_assert_int_eq(st->state, K8SC_CONTAINER_RUNNING);
    k8sc_container_status_free(st);
    ck_assert_int_eq(k8sc_runtime_attach(rt, &ex, "nope", &ao), K8SC_ENOTFOUND);
    k8sc_attach_options none = { K8SC_ATTACH_OPTIONS_VERSION, false, false, false };
    ck_assert_int_eq(k8sc_runtime_attach(rt, &ex, id, &none), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_runtime_stop_container(rt, id, 0), 0);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sb), 0);
    free(id);
    free(sb);
    k8sc_runtime_close(rt);
}
END_TEST

/* The "pid" member of a JSON record's object `key`, or the number in a "<pid> …" file. */
static pid_t record_pid(const char *path, const char *key)
{
    json_object *o = json_object_from_file(path);
    ck_assert_msg(o != NULL, "no %s", path);
    json_object *m = NULL, *p = NULL;
    ck_assert(json_object_object_get_ex(o, key, &m) && json_object_object_get_ex(m, "pid", &p));
    pid_t pid = (pid_t)json_object_get_int(p);
    json_object_put(o);
    return pid;
}

static pid_t file_pid(const char *path)
{
    char *text = read_file(path);
    ck_assert_msg(text != NULL, "no %s", path);
    pid_t pid = (pid_t)atoi(text);
    free(text);
    return pid;
}

static bool gone(pid_t pid)
{
    return pid > 0 && kill(pid, 0) != 0 && errno == ESRCH;
}

static size_t entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    for (struct dirent *de; d && (de = readdir(d));)
        n += de->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* Whether the host's mount table (this process's) has a mount on `path`. */
static bool host_mounted(const char *path)
{
    char *info = read_file("/proc/self/mountinfo");
    ck_assert(info != NULL);
    char needle[600];
    snprintf(needle, sizeof(needle), " %s ", path);
    bool found = strstr(info, needle) != NULL;
    free(info);
    return found;
}

/* What the first child of `pid` runs (readlink of its /proc/PID/exe), in `buf`. */
static const char *child_exe(pid_t pid, char *buf, size_t size)
{
    char path[128];
    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
    char *kids = read_file(path);
    ck_assert_msg(kids && atoi(kids) > 0, "%d has no children", (int)pid);
    snprintf(path, sizeof(path), "/proc/%d/exe", atoi(kids));
    free(kids);
    ssize_t n = readlink(path, buf, size - 1);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

/* Two runtimes on one root (as two processes): each sees the other's changes, although records are kept parsed. */
START_TEST(t_records_seen_across_instances)
{
    k8sc_runtime *a = rt_open();
    k8sc_runtime *b = open_at(root);
    k8sc_sandbox_config sc = sandbox_config();
    char *sb = run_sandbox(a, &sc);
    const char *args[] = { "exit 3" };
    k8sc_container_config c = container_config("shared", args);
    char *id = create(a, sb, &c);
    k8sc_container_status *st = status(a, id);
    ck_assert_int_eq(st->state, K8SC_CONTAINER_CREATED);
    k8sc_container_status_free(st);
    ck_assert_msg(k8sc_runtime_start_container(b, id) == 0, "%s", k8sc_error_last());
    int state = K8SC_CONTAINER_RUNNING;
    for (int i = 0; i < 200 && state != K8SC_CONTAINER_EXITED; i++) {
        sleep_ms(50);
        st = status(a, id);
        state = (int)st->state;
        if (state == K8SC_CONTAINER_EXITED)
            ck_assert_int_eq(st->exit_code, 3);
        k8sc_container_status_free(st);
    }
    ck_assert_int_eq(state, K8SC_CONTAINER_EXITED);
    ck_assert_int_eq(k8sc_runtime_remove_container(b, id), 0);
    ck_assert_int_eq(k8sc_runtime_container_status(a, &st, id), K8SC_ENOTFOUND);
    k8sc_container_status **cs = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc_runtime_list_containers(a, &cs, &n, sb), 0);
    ck_assert_uint_eq(n, 0);
    k8sc_container_status_list_free(cs, n);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(b, sb), 0);
    k8sc_sandbox_status **sbs = NULL;
    ck_assert_int_eq(k8sc_runtime_list_sandboxes(a, &sbs, &n), 0);
    ck_assert_uint_eq(n, 0);
    k8sc_sandbox_status_list_free(sbs, n);
    free(id);
    free(sb);
    k8sc_runtime_close(b);
    k8sc_runtime_close(a);
}
END_TEST

START_TEST(t_reopen_and_remove)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sc = sandbox_config();
    char *sb = run_sandbox(rt, &sc);
    char *runner = start(rt, sb, "runner", "echo ready; while :; do sleep 1; done");
    char *quitter = start(rt, sb, "quitter", "sleep 1; exit 7");
    wait_log("runner", "stdout F ready");
    k8sc_runtime_close(rt);
    sleep_ms(2000);

    rt = open_at(root);
    k8sc_sandbox_status **sbs = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc_runtime_list_sandboxes(rt, &sbs, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(sbs[0]->id, sb);
    ck_assert_int_eq(sbs[0]->state, K8SC_SANDBOX_READY);
    ck_assert_str_eq(k8sc_runtime_pair_get(sbs[0]->labels, sbs[0]->n_labels, K8SC_LABEL_POD_NAME), "web");
    k8sc_sandbox_status_list_free(sbs, n);
    /* By label: every pair must match. */
    const k8sc_runtime_pair both[] = { { K8SC_LABEL_POD_NAME, "web" }, { "app", "demo" } };
    const k8sc_runtime_pair wrong[] = { { K8SC_LABEL_POD_NAME, "web" }, { "app", "other" } };
    ck_assert_int_eq(k8sc_runtime_list_sandboxes_labeled(rt, &sbs, &n, both, 2), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(sbs[0]->id, sb);
    k8sc_sandbox_status_list_free(sbs, n);
    ck_assert_int_eq(k8sc_runtime_list_sandboxes_labeled(rt, &sbs, &n, wrong, 2), 0);
    ck_assert_uint_eq(n, 0);
    k8sc_sandbox_status_list_free(sbs, n);
    const k8sc_runtime_pair unnamed = { NULL, "x" };
    ck_assert_int_eq(k8sc_runtime_list_sandboxes_labeled(rt, &sbs, &n, &unnamed, 1), K8SC_EINVAL);
    k8sc_container_status **cs = NULL;
    ck_assert_int_eq(k8sc_runtime_list_containers(rt, &cs, &n, sb), 0);
    ck_assert_uint_eq(n, 2);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cs[i]->id, runner) == 0) {
            ck_assert_int_eq(cs[i]->state, K8SC_CONTAINER_RUNNING);
        } else {
            ck_assert_str_eq(cs[i]->id, quitter);
            ck_assert_int_eq(cs[i]->state, K8SC_CONTAINER_EXITED);
            ck_assert_int_eq(cs[i]->exit_code, 7);
            ck_assert_str_eq(cs[i]->reason, "Error");
        }
    }
    k8sc_container_status_list_free(cs, n);
    ck_assert_int_eq(k8sc_runtime_list_containers(rt, &cs, &n, "nosuch"), 0);
    ck_assert_uint_eq(n, 0);
    k8sc_container_status_list_free(cs, n);

    char path[512];
    snprintf(path, sizeof(path), "%s/sandboxes/%s/sandbox.json", root, sb);
    pid_t pause = record_pid(path, "pause");
    snprintf(path, sizeof(path), "%s/containers/%s/container.json", root, runner);
    pid_t monitor = record_pid(path, "monitor");
    snprintf(path, sizeof(path), "%s/containers/%s/pid", root, runner);
    pid_t init = file_pid(path);
    ck_assert(!gone(pause) && !gone(monitor) && !gone(init));
    /* The root is mounted in the monitor's mount namespace, not the host's; the container sees the image. */
    snprintf(path, sizeof(path), "%s/containers/%s/rootfs", root, runner);
    ck_assert_msg(!host_mounted(path), "%s is mounted on the host", path);
    snprintf(path, sizeof(path), "/proc/%d/root/bin/busybox", (int)init);
    ck_assert_msg(access(path, F_OK) == 0, "the container has no /bin/busybox");
    /* runc runs from the backend's sealed copy (so it does not copy itself for each container). */
    char exe[256];
    ck_assert_str_eq(child_exe(monitor, exe, sizeof(exe)), "/memfd:runc (deleted)");

    ck_assert_msg(k8sc_runtime_stop_container(rt, runner, 0) == 0, "%s", k8sc_error_last());
    k8sc_container_status *st = status(rt, runner);
    ck_assert_int_eq(st->state, K8SC_CONTAINER_EXITED);
    k8sc_container_status_free(st);
    ck_assert_int_eq(k8sc_runtime_remove_container(rt, quitter), 0);
    ck_assert_int_eq(k8sc_runtime_container_status(rt, &st, quitter), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_runtime_remove_container(rt, quitter), 0);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sb), 0);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sb), 0);
    ck_assert_int_eq(k8sc_runtime_list_sandboxes(rt, &sbs, &n), 0);
    ck_assert_uint_eq(n, 0);
    k8sc_sandbox_status_list_free(sbs, n);
    ck_assert_int_eq(k8sc_runtime_list_containers(rt, &cs, &n, NULL), 0);
    ck_assert_uint_eq(n, 0);
    k8sc_container_status_list_free(cs, n);
    for (int i = 0; i < 100 && !(gone(pause) && gone(monitor) && gone(init)); i++)
        sleep_ms(20);
    ck_assert_msg(gone(pause) && gone(monitor) && gone(init), "processes left: %d %d %d", pause, monitor, init);
    snprintf(path, sizeof(path), "%s/runc", root);
    ck_assert_uint_eq(entries(path), 0);
    snprintf(path, sizeof(path), "%s/containers", root);
    ck_assert_uint_eq(entries(path), 0);
    free(runner);
    free(quitter);
    free(sb);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_bad_input)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sc = sandbox_config();
    const char *args[] = { "true" };
    k8sc_container_config c = container_config("bad", args);
    char *id = NULL;
    ck_assert_int_eq(k8sc_runtime_create_container(rt, &id, "nosuch", &c, &sc), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_runtime_create_container(rt, &id, "../x", &c, &sc), K8SC_ENOTFOUND);
    char *sb = run_sandbox(rt, &sc);
    c.image = "nosuch:1";
    ck_assert_int_eq(k8sc_runtime_create_container(rt, &id, sb, &c, &sc), K8SC_ENOTFOUND);
    c.image = IMAGE;
    const char *caps[] = { "NOT_A_CAP" };
    c.add_capabilities = caps;
    c.n_add_capabilities = 1;
    ck_assert_int_eq(k8sc_runtime_create_container(rt, &id, sb, &c, &sc), K8SC_EINVAL);
    const char *missing[] = { "/nonexistent" };
    k8sc_container_config m = container_config("missing", args);
    m.command = missing;
    m.n_command = 1;
    m.n_args = 0;
    id = create(rt, sb, &m);
    /* runc cannot start it: an error now, the container exited, runc's complaint in its log. */
    ck_assert_int_eq(k8sc_runtime_start_container(rt, id), K8SC_EIO);
    k8sc_container_status *mst = wait_exited(rt, id);
    ck_assert_int_ne(mst->exit_code, 0);
    ck_assert_str_eq(mst->reason, "Error");
    k8sc_container_status_free(mst);
    char *mlog = log_of("missing");
    ck_assert_msg(strstr(mlog, " stderr F ") && strstr(mlog, "nonexistent"), "%s", mlog);
    free(mlog);
    free(id);
    ck_assert_int_eq(k8sc_runtime_start_container(rt, "nosuch"), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_runtime_stop_container(rt, "nosuch", 1), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_runtime_remove_container(rt, "nosuch"), 0);
    ck_assert_int_eq(k8sc_runtime_stop_sandbox(rt, "nosuch"), K8SC_ENOTFOUND);

    /* Capabilities reach the process: drop ALL but add back NET_ADMIN (bit 12). */
    const char *drop[] = { "ALL" };
    const char *add[] = { "net_admin" };
    const char *capargs[] = { "grep CapEff /proc/self/status; touch /x 2>/dev/null && echo ROOTRW || echo ROOTRO" };
    c = container_config("caps", capargs);
    c.readonly_rootfs = true;
    c.drop_capabilities = drop;
    c.n_drop_capabilities = 1;
    c.add_capabilities = add;
    c.n_add_capabilities = 1;
    id = create(rt, sb, &c);
    ck_assert_int_eq(k8sc_runtime_start_container(rt, id), 0);
    k8sc_container_status_free(wait_exited(rt, id));
    char *log = log_of("caps");
    ck_assert_msg(strstr(log, "CapEff:\t0000000000001000") && strstr(log, "stdout F ROOTRO\n"), "%s", log);
    free(log);
    free(id);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sb), 0);
    free(sb);
    k8sc_runtime_close(rt);
}
END_TEST

/* Remove every sandbox left in the per-test roots (a failed test leaves its containers running). */
static void sweep(void)
{
    DIR *d = opendir(tmp);
    for (struct dirent *de; d && (de = readdir(d));) {
        if (de->d_name[0] != 't')
            continue;
        char dir[512];
        snprintf(dir, sizeof(dir), "%s/%s", tmp, de->d_name);
        k8sc_runtime_options o = K8SC_RUNTIME_OPTIONS_INIT;
        o.root_dir = dir;
        o.image_dir = images;
        k8sc_runtime *rt = NULL;
        if (k8sc_runtime_open(&rt, "runc", &o) != 0)
            continue;
        k8sc_sandbox_status **list = NULL;
        size_t n = 0;
        if (k8sc_runtime_list_sandboxes(rt, &list, &n) == 0) {
            for (size_t i = 0; i < n; i++)
                if (k8sc_runtime_remove_sandbox(rt, list[i]->id) != 0)
                    fprintf(stderr, "check_runtime_runc: removing sandbox %s: %s\n", list[i]->id, k8sc_error_last());
            k8sc_sandbox_status_list_free(list, n);
        }
        k8sc_runtime_close(rt);
    }
    if (d)
        closedir(d);
}

/* Write `text` to `dir/name`, making `dir` first. */
static void put_file(const char *dir, const char *name, const char *text)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "we");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    fputs(text, f);
    fclose(f);
}

/* A cgroup v2 tree as the kernel lays it out, in a plain directory: the readers follow the mode they are given. */
START_TEST(t_cgroup_v2_fake_tree)
{
    char croot[192], leaf[256];
    snprintf(croot, sizeof(croot), "%s/cg2-%d", tmp, (int)getpid());
    snprintf(leaf, sizeof(leaf), "%s/k8sc/poduid1/c1/container", croot);
    put_file(croot, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
    put_file(leaf, "cgroup.controllers", "cpu memory pids\n");
    put_file(leaf, "cpu.stat", "usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n");
    put_file(leaf, "memory.current", "104857600\n");
    put_file(leaf, "memory.max", "134217728\n");
    put_file(leaf, "memory.stat", "anon 52428800\nfile 41943040\nactive_file 31457280\ninactive_file 10485760\n");
    k8sc__cgroup_fs fs = { croot, true };
    /* plain directories are not cgroup roots: the mode comes from statfs, never from the files */
    k8sc__cgroup_fs detected;
    ck_assert_int_eq(k8sc__cgroup_detect(&detected, croot), K8SC_EINVAL);
    ck_assert_int_eq(k8sc__cgroup_detect(&detected, "/nonexistent"), K8SC_EIO);

    char *dir = k8sc__cgroup_dir(&fs, "memory", "/k8sc/poduid1/c1/container");
    ck_assert_str_eq(dir, leaf);
    free(dir);
    k8sc_container_stats st;
    ck_assert_msg(k8sc__cgroup_stats(&fs, &st, "/k8sc/poduid1/c1/container") == 0, "%s", k8sc_error_last());
    ck_assert_uint_eq(st.cpu_usage_ns, 1234567000ULL);
    ck_assert_uint_eq(st.memory_usage_bytes, 104857600ULL);
    ck_assert_uint_eq(st.memory_working_set_bytes, 104857600ULL - 10485760ULL);
    /* more inactive file cache than usage: a working set of 0, never a wrap-around */
    put_file(leaf, "memory.stat", "inactive_file 209715200\n");
    ck_assert_int_eq(k8sc__cgroup_stats(&fs, &st, "/k8sc/poduid1/c1/container"), 0);
    ck_assert_uint_eq(st.memory_working_set_bytes, 0);
    /* no memory.stat: the working set is the usage */
    char path[512];
    snprintf(path, sizeof(path), "%s/memory.stat", leaf);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(k8sc__cgroup_stats(&fs, &st, "/k8sc/poduid1/c1/container"), 0);
    ck_assert_uint_eq(st.memory_working_set_bytes, 104857600ULL);
    /* a missing or garbled file is an error naming it */
    snprintf(path, sizeof(path), "%s/memory.current", leaf);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(k8sc__cgroup_stats(&fs, &st, "/k8sc/poduid1/c1/container"), K8SC_EIO);
    ck_assert_msg(strstr(k8sc_error_last(), path) != NULL, "%s", k8sc_error_last());
    put_file(leaf, "cpu.stat", "user_usec 1\n");
    ck_assert_int_eq(k8sc__cgroup_stats(&fs, &st, "/k8sc/poduid1/c1/container"), K8SC_EINVAL);
    ck_assert_msg(strstr(k8sc_error_last(), "usage_usec") != NULL, "%s", k8sc_error_last());

    /* the same reader on a v1 layout: one hierarchy per controller, total_inactive_file */
    char cpuacct[256], memory[256];
    snprintf(cpuacct, sizeof(cpuacct), "%s/cpuacct/k8sc/c1", croot);
    snprintf(memory, sizeof(memory), "%s/memory/k8sc/c1", croot);
    put_file(cpuacct, "cpuacct.usage", "987654321\n");
    put_file(memory, "memory.usage_in_bytes", "4096000\n");
    put_file(memory, "memory.stat", "cache 1\ninactive_file 7\ntotal_inactive_file 96000\n");
    k8sc__cgroup_fs v1 = { croot, false };
    ck_assert_msg(k8sc__cgroup_stats(&v1, &st, "/k8sc/c1") == 0, "%s", k8sc_error_last());
    ck_assert_uint_eq(st.cpu_usage_ns, 987654321ULL);
    ck_assert_uint_eq(st.memory_usage_bytes, 4096000ULL);
    ck_assert_uint_eq(st.memory_working_set_bytes, 4000000ULL);

    /* removal: the one directory on v2, the cgroup in every hierarchy on v1 */
    snprintf(path, sizeof(path), "%s/k8sc/gone", croot);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    k8sc__cgroup_remove(&fs, "/k8sc/gone");
    ck_assert_int_eq(access(path, F_OK), -1);
    char a[256], b[256];
    snprintf(a, sizeof(a), "%s/cpuacct/k8sc/gone", croot);
    snprintf(b, sizeof(b), "%s/memory/k8sc/gone", croot);
    ck_assert_int_eq(mkdir(a, 0755), 0);
    ck_assert_int_eq(mkdir(b, 0755), 0);
    k8sc__cgroup_remove(&v1, "/k8sc/gone");
    ck_assert_int_eq(access(a, F_OK), -1);
    ck_assert_int_eq(access(b, F_OK), -1);
}
END_TEST

static const char *limit_of(const k8sc__cgroup_limit *l, size_t n, const char *file)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i].file, file) == 0)
            return l[i].value;
    return NULL;
}

/* Limits in cgroup v2 files' syntax, as the kubelet converts them. */
START_TEST(t_cgroup_v2_limits)
{
    static const struct {
        uint64_t shares, weight;
    } weights[] = { { 2, 1 }, { 1024, 39 }, { 512, 20 }, { 102, 4 }, { 262144, 10000 }, { 1, 1 }, { 1000000, 10000 } };
    for (size_t i = 0; i < sizeof(weights) / sizeof(weights[0]); i++)
        ck_assert_msg(k8sc__cgroup_cpu_weight(weights[i].shares) == weights[i].weight, "shares %llu: weight %llu",
                      (unsigned long long)weights[i].shares,
                      (unsigned long long)k8sc__cgroup_cpu_weight(weights[i].shares));

    k8sc__cgroup_limit l[K8SC__CGROUP_LIMITS_MAX];
    k8sc_container_config c = { 0 };
    ck_assert_uint_eq(k8sc__cgroup_v2_limits(l, &c), 0);
    c.cpu_shares = 1024;
    c.cpu_quota_us = 50000;
    c.cpu_period_us = 100000;
    c.memory_limit_bytes = 64 << 20;
    c.pids_limit = 50;
    size_t n = k8sc__cgroup_v2_limits(l, &c);
    ck_assert_uint_eq(n, 4);
    ck_assert_str_eq(limit_of(l, n, "cpu.weight"), "39");
    ck_assert_str_eq(limit_of(l, n, "cpu.max"), "50000 100000");
    ck_assert_str_eq(limit_of(l, n, "memory.max"), "67108864");
    ck_assert_str_eq(limit_of(l, n, "pids.max"), "50");
    /* a quota without a period takes the default period; a period alone leaves the quota unlimited */
    k8sc_container_config q = { 0 };
    q.cpu_quota_us = 25000;
    n = k8sc__cgroup_v2_limits(l, &q);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(limit_of(l, n, "cpu.max"), "25000 100000");
    q.cpu_quota_us = 0;
    q.cpu_period_us = 50000;
    n = k8sc__cgroup_v2_limits(l, &q);
    ck_assert_str_eq(limit_of(l, n, "cpu.max"), "max 50000");
    ck_assert_ptr_null(limit_of(l, n, "cpu.weight"));
}
END_TEST

/* The container's config.json, parsed. */
static json_object *bundle_spec(const char *id)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/containers/%s/config.json", root, id);
    json_object *spec = json_object_from_file(path);
    ck_assert_msg(spec != NULL, "no %s", path);
    return spec;
}

static json_object *at(json_object *o, const char *a, const char *b, const char *c)
{
    json_object *v = NULL;
    ck_assert_msg(json_object_object_get_ex(o, a, &v), "no %s", a);
    if (b)
        ck_assert_msg(json_object_object_get_ex(v, b, &v), "no %s.%s", a, b);
    if (b && c)
        ck_assert_msg(json_object_object_get_ex(v, c, &v), "no %s.%s.%s", a, b, c);
    return v;
}

/*
 * A real cgroup2 hierarchy, mounted over /sys/fs/cgroup in a private
 * mount namespace (this test's process only; the monitors it forks
 * inherit it). On a hybrid host the cpu, memory and pids controllers are
 * bound to v1 hierarchies and cannot be enabled in it, so runc can run a
 * container there only without limits, and memory use cannot be read.
 */
START_TEST(t_cgroup_v2_mounted)
{
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("none", K8SC__CGROUP_ROOT, "cgroup2", 0, NULL) != 0) {
        fprintf(stderr, "t_cgroup_v2_mounted: SKIPPED (cannot mount cgroup2 privately: %s)\n", strerror(errno));
        return;
    }
    k8sc__cgroup_fs fs;
    ck_assert_msg(k8sc__cgroup_detect(&fs, K8SC__CGROUP_ROOT) == 0, "%s", k8sc_error_last());
    ck_assert(fs.v2);
    char *controllers = read_file(K8SC__CGROUP_ROOT "/cgroup.controllers");
    ck_assert_ptr_nonnull(controllers);
    bool memory = strstr(controllers, "memory") != NULL;
    free(controllers);

    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sc = sandbox_config();
    char *sb = run_sandbox(rt, &sc);
    /* the limits go to runc in v2 syntax as well */
    const char *args[] = { "echo up; while :; do sleep 1; done" };
    k8sc_container_config c = container_config("limited", args);
    c.cpu_shares = 512;
    c.cpu_quota_us = 20000;
    c.memory_limit_bytes = 32 << 20;
    c.pids_limit = 64;
    char *limited = create(rt, sb, &c);
    json_object *spec = bundle_spec(limited);
    json_object *unified = at(spec, "linux", "resources", "unified");
    ck_assert_str_eq(json_object_get_string(at(unified, "cpu.weight", NULL, NULL)), "20");
    ck_assert_str_eq(json_object_get_string(at(unified, "cpu.max", NULL, NULL)), "20000 100000");
    ck_assert_str_eq(json_object_get_string(at(unified, "memory.max", NULL, NULL)), "33554432");
    ck_assert_str_eq(json_object_get_string(at(unified, "pids.max", NULL, NULL)), "64");
    json_object_put(spec);
    ck_assert_int_eq(k8sc_runtime_remove_container(rt, limited), 0);

    /* a container without limits runs in its v2 cgroup */
    c = container_config("free", args);
    char *id = create(rt, sb, &c);
    ck_assert_msg(k8sc_runtime_start_container(rt, id) == 0, "%s", k8sc_error_last());
    wait_log("free", "stdout F up");
    char cg[256];
    snprintf(cg, sizeof(cg), "/k8sc-test/poduid1/%s/container", id);
    char *dir = k8sc__cgroup_dir(&fs, "cpu", cg);
    char path[512];
    snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
    char *procs = read_file(path);
    ck_assert_msg(procs && procs[0] >= '1' && procs[0] <= '9', "no process in %s", path);
    free(procs);
    free(dir);
    k8sc_container_stats st;
    int rc = k8sc_runtime_container_stats(rt, &st, id);
    if (memory) {
        ck_assert_msg(rc == 0, "%s", k8sc_error_last());
        ck_assert_uint_gt(st.memory_usage_bytes, 0);
    } else {
        ck_assert_int_eq(rc, K8SC_EIO);
        ck_assert_msg(strstr(k8sc_error_last(), "memory.current") != NULL, "%s", k8sc_error_last());
    }
    ck_assert_int_eq(k8sc_runtime_stop_container(rt, id, 0), 0);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sb), 0);
    char scope[512];
    snprintf(scope, sizeof(scope), K8SC__CGROUP_ROOT "/k8sc-test/poduid1/%s", id);
    ck_assert_msg(access(scope, F_OK) != 0, "%s is left", scope);
    free(id);
    free(limited);
    free(sb);
    k8sc_runtime_close(rt);
    umount2(K8SC__CGROUP_ROOT, MNT_DETACH);
}
END_TEST

/* runc leaves the (empty) parents of its cgroups: remove the tests' parent in every hierarchy. */
static void remove_test_cgroups(void)
{
    const char *roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
    DIR *d = opendir("/sys/fs/cgroup");
    for (struct dirent *de; d && (de = readdir(d));) {
        char path[512];
        snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/k8sc-test/poduid1", de->d_name);
        rmdir(path);
        snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/k8sc-test", de->d_name);
        rmdir(path);
    }
    if (d)
        closedir(d);
    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/k8sc-test/poduid1", roots[i]);
        rmdir(path);
        snprintf(path, sizeof(path), "%s/k8sc-test", roots[i]);
        rmdir(path);
    }
}

int main(void)
{
    if (geteuid() != 0 || access("/bin/busybox", X_OK) != 0 ||
        (access("/usr/sbin/runc", X_OK) != 0 && access("/usr/bin/runc", X_OK) != 0)) {
        fprintf(stderr, "check_runtime_runc: SKIPPED (needs root, runc and /bin/busybox)\n");
        return 0;
    }
    snprintf(tmp, sizeof(tmp), "/tmp/krunc.XXXXXX");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(images, sizeof(images), "%s/images", tmp);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "sh '%s' '%s/busybox.tar' " IMAGE " >/dev/null", BUILD_SCRIPT, tmp);
    int result = EXIT_FAILURE;
    k8sc_image_store *store = NULL;
    char tar[128];
    snprintf(tar, sizeof(tar), "%s/busybox.tar", tmp);
    if (system(cmd) != 0) {
        fprintf(stderr, "check_runtime_runc: building the busybox image failed\n");
    } else if (k8sc_image_store_open(&store, images) != 0 || k8sc_image_store_import(store, NULL, tar) != 0) {
        fprintf(stderr, "check_runtime_runc: importing the busybox image: %s\n", k8sc_error_last());
    } else {
        Suite *su = suite_create("runtime_runc");
        TCase *tc = tcase_create("runc");
        tcase_add_test(tc, t_version_and_images);
        tcase_add_test(tc, t_run_exit_and_log);
        tcase_add_test(tc, t_log_rotation);
        tcase_add_test(tc, t_env_args_workdir_mount);
        tcase_add_test(tc, t_shared_namespaces);
        tcase_add_test(tc, t_memory_limit_and_stats);
        tcase_add_test(tc, t_stop_with_grace);
        tcase_add_test(tc, t_exec);
        tcase_add_test(tc, t_attach);
        tcase_add_test(tc, t_reopen_and_remove);
        tcase_add_test(tc, t_records_seen_across_instances);
        tcase_add_test(tc, t_bad_input);
        tcase_set_timeout(tc, 60);
        suite_add_tcase(su, tc);
        TCase *cg = tcase_create("cgroup");
        tcase_add_test(cg, t_cgroup_v2_fake_tree);
        tcase_add_test(cg, t_cgroup_v2_limits);
        tcase_add_test(cg, t_cgroup_v2_mounted);
        tcase_set_timeout(cg, 60);
        suite_add_tcase(su, cg);
        result = k8sc_test_main(su);
    }
    k8sc_image_store_close(store);
    sweep();
    remove_test_cgroups();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "check_runtime_runc: could not remove %s\n", tmp);
    return result;
}
