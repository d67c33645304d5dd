/*
 * The docker runtime against a dockerd of its own (vfs storage, no
 * bridge, no iptables, its own socket and directories under /tmp),
 * started once in main and killed by pid at the end. Skipped with a
 * message when dockerd is missing or we are not root.
 */
#include "testutil.h"
#include "runtime/docker_internal.h"

#include <k8sc/runtime.h>
#include <k8sc/sys/runtime_backend.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DOCKERD "/usr/sbin/dockerd"
#define BUILD_SCRIPT K8SC_TEST_DATA "/../../examples/images/build-busybox-image.sh"

static char tmp[64];
static char sock[128];
static char image[256];
static pid_t dockerd_pid = -1;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static k8sc_runtime *rt_open(void)
{
    k8sc_runtime_options o = K8SC_RUNTIME_OPTIONS_INIT;
    o.docker_socket = sock;
    k8sc_runtime *rt = NULL;
    ck_assert_msg(k8sc_runtime_open(&rt, "docker", &o) == 0, "%s", k8sc_error_last());
    return rt;
}

static const k8sc_runtime_pair pod_labels[] = { { K8SC_LABEL_POD_NAME, "web" }, { "app", "demo" } };
static const k8sc_runtime_pair pod_annotations[] = { { "note", "kept" } };
static char logdir[160];

static k8sc_sandbox_config sandbox_config(const char *uid)
{
    snprintf(logdir, sizeof(logdir), "%s/logs/%s", tmp, uid);
    k8sc_sandbox_config c = { 0 };
    c.version = K8SC_SANDBOX_CONFIG_VERSION;
    c.name = "web";
    c.namespace_ = "default";
    c.uid = uid;
    c.attempt = 1;
    c.hostname = "podhost";
    c.log_directory = logdir;
    c.labels = pod_labels;
    c.n_labels = 2;
    c.annotations = pod_annotations;
    c.n_annotations = 1;
    return c;
}

static char *run_sandbox(k8sc_runtime *rt, const k8sc_sandbox_config *c)
{
    char *id = NULL;
    ck_assert_msg(k8sc_runtime_run_sandbox(rt, &id, c) == 0, "%s", k8sc_error_last());
    return id;
}

static k8sc_container_config container_config(const char *name, const char *const *cmd, size_t n)
{
    static char log[64];
    snprintf(log, sizeof(log), "%s/0.log", name);
    k8sc_container_config c = { 0 };
    c.version = K8SC_CONTAINER_CONFIG_VERSION;
    c.name = name;
    c.image = image;
    c.command = cmd;
    c.n_command = n;
    c.log_path = log;
    c.run_as_user = c.run_as_group = -1;
    return c;
}

static char *start_container(k8sc_runtime *rt, const char *sid, const k8sc_sandbox_config *sb,
                             const k8sc_container_config *c)
{
    char *id = NULL;
    ck_assert_msg(k8sc_runtime_create_container(rt, &id, sid, c, sb) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_runtime_start_container(rt, id) == 0, "%s", k8sc_error_last());
    return id;
}

static k8sc_container_status *wait_exited(k8sc_runtime *rt, const char *id)
{
    double end = now() + 20;
    for (;;) {
        k8sc_container_status *st = NULL;
        ck_assert_msg(k8sc_runtime_container_status(rt, &st, id) == 0, "%s", k8sc_error_last());
        if (st->state == K8SC_CONTAINER_EXITED)
            return st;
        k8sc_container_status_free(st);
        ck_assert_msg(now() < end, "container %s did not exit", id);
        usleep(100 * 1000);
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Every container dockerd has, ours or not. */
static size_t docker_container_count(k8sc_runtime *rt)
{
    k8sc__docker *d = k8sc_runtime_backend_state(rt, &k8sc__runtime_docker);
    ck_assert_ptr_nonnull(d);
    json_object *list = NULL;
    ck_assert_int_eq(k8sc__docker_json(d, "GET", "/containers/json?all=1", NULL, &list, 0), 0);
    size_t n = json_object_array_length(list);
    json_object_put(list);
    return n;
}

START_TEST(t_version)
{
    k8sc_runtime *rt = rt_open();
    ck_assert_str_eq(k8sc_runtime_name(rt), "docker");
    char *v = NULL;
    ck_assert_int_eq(k8sc_runtime_version(rt, &v), 0);
    ck_assert_msg(strncmp(v, "docker://", 9) == 0 && strlen(v) > 10, "%s", v);
    free(v);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_unreachable)
{
    k8sc_runtime_options o = K8SC_RUNTIME_OPTIONS_INIT;
    char bad[160];
    snprintf(bad, sizeof(bad), "%s/nope.sock", tmp);
    o.docker_socket = bad;
    k8sc_runtime *rt = NULL;
    double t0 = now();
    ck_assert_int_eq(k8sc_runtime_open(&rt, "docker", &o), K8SC_EUNAVAILABLE);
    ck_assert_double_lt(now() - t0, 5);
    ck_assert_ptr_null(rt);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), bad));
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "cannot reach dockerd"));
}
END_TEST

START_TEST(t_run_exit_and_log)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sb = sandbox_config("uid-exit");
    sb.cgroup_parent = "k8sc-test/poduid-exit";
    char *sid = run_sandbox(rt, &sb);
    /* Docker makes the pod's cgroup for the pause container (this dockerd uses cgroupfs). */
    struct stat st_cg;
    const char *pod_cgroup = stat("/sys/fs/cgroup/cgroup.controllers", &st_cg) == 0
                                 ? "/sys/fs/cgroup/k8sc-test/poduid-exit"
                                 : "/sys/fs/cgroup/memory/k8sc-test/poduid-exit";
    ck_assert_msg(access(pod_cgroup, F_OK) == 0, "no %s", pod_cgroup);
    k8sc_sandbox_status *ss = NULL;
    ck_assert_int_eq(k8sc_runtime_sandbox_status(rt, &ss, sid), 0);
    ck_assert_int_eq(ss->state, K8SC_SANDBOX_READY);
    ck_assert_str_eq(ss->uid, "uid-exit");
    ck_assert_uint_eq(ss->attempt, 1);
    k8sc_sandbox_status_free(ss);

    const char *cmd[] = { "sh", "-c", "echo hi; echo err >&2; exit 3" };
    k8sc_container_config c = container_config("main", cmd, 3);
    char *id = NULL;
    ck_assert_msg(k8sc_runtime_create_container(rt, &id, sid, &c, &sb) == 0, "%s", k8sc_error_last());
    k8sc_container_status *st = NULL;
    ck_assert_int_eq(k8sc_runtime_container_status(rt, &st, id), 0);
    ck_assert_int_eq(st->state, K8SC_CONTAINER_CREATED);
    k8sc_container_status_free(st);
    ck_assert_int_eq(k8sc_runtime_start_container(rt, id), 0);
    st = wait_exited(rt, id);
    ck_assert_int_eq(st->exit_code, 3);
    ck_assert_str_eq(st->reason, "Error");
    ck_assert_str_eq(st->name, "main");
    ck_assert_str_eq(st->sandbox_id, sid);
    ck_assert_str_eq(st->image, image);
    ck_assert_msg(strncmp(st->image_id, "sha256:", 7) == 0, "%s", st->image_id);
    ck_assert_int_gt(st->started_at, 0);
    ck_assert_int_ge(st->finished_at, st->started_at);
    char want[256];
    snprintf(want, sizeof(want), "%s/main/0.log", logdir);
    ck_assert_str_eq(st->log_path, want);
    const char *log = slurp(st->log_path);
    ck_assert_msg(strstr(log, "{\"log\":\"hi\\n\",\"stream\":\"stdout\""), "%s", log);
    ck_assert_msg(strstr(log, "{\"log\":\"err\\n\",\"stream\":\"stderr\""), "%s", log);
    k8sc_container_status_free(st);
    /* starting it again is refused */
    ck_assert_int_eq(k8sc_runtime_start_container(rt, id), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sid), 0);
    /* The pod's cgroup goes with its last sandbox: Docker removes only its containers' ones. */
    ck_assert_msg(access(pod_cgroup, F_OK) != 0, "%s is left", pod_cgroup);
    free(id);
    free(sid);
    k8sc_runtime_close(rt);
}
END_TEST

static char *exec_out(k8sc_runtime *rt, const char *id, const char *const *cmd, size_t n, int want_code)
{
    int code = -1;
    char *out = NULL, *err = NULL;
    ck_assert_msg(k8sc_runtime_exec_sync(rt, id, cmd, n, 10000, &code, &out, &err) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(code, want_code);
    free(err);
    return out;
}

START_TEST(t_shared_netns_hostname)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sb = sandbox_config("uid-share");
    char *sid = run_sandbox(rt, &sb);
    const char *sleep[] = { "sleep", "1000" };
    k8sc_container_config c1 = container_config("one", sleep, 2);
    char *a = start_container(rt, sid, &sb, &c1);
    k8sc_container_config c2 = container_config("two", sleep, 2);
    char *b = start_container(rt, sid, &sb, &c2);
    const char *ns[] = { "readlink", "/proc/self/ns/net" };
    char *na = exec_out(rt, a, ns, 2, 0), *nb = exec_out(rt, b, ns, 2, 0);
    ck_assert_msg(strncmp(na, "net:[", 5) == 0, "%s", na);
    ck_assert_str_eq(na, nb);
    const char *host[] = { "hostname" };
    char *ha = exec_out(rt, a, host, 1, 0), *hb = exec_out(rt, b, host, 1, 0);
    ck_assert_str_eq(ha, "podhost\n");
    ck_assert_str_eq(hb, "podhost\n");
    /* the pod's network is its own: loopback only */
    const char *links[] = { "sh", "-c", "ls /sys/class/net | tr '\\n' ' '" };
    char *l = exec_out(rt, a, links, 3, 0);
    ck_assert_str_eq(l, "lo ");
    k8sc_container_status **list = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc_runtime_list_containers(rt, &list, &n, sid), 0);
    ck_assert_uint_eq(n, 2);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(list[i]->state, K8SC_CONTAINER_RUNNING);
    k8sc_container_status_list_free(list, n);
    k8sc_container_stats stats;
    ck_assert_msg(k8sc_runtime_container_stats(rt, &stats, a) == 0, "%s", k8sc_error_last());
    ck_assert_uint_gt(stats.memory_usage_bytes, 0);
    ck_assert_uint_gt(stats.cpu_usage_ns, 0);
    ck_assert_int_gt(stats.timestamp, 0);
    free(na);
    free(nb);
    free(ha);
    free(hb);
    free(l);
    ck_assert_int_eq(k8sc_runtime_stop_sandbox(rt, sid), 0);
    k8sc_container_status *st = NULL;
    ck_assert_int_eq(k8sc_runtime_container_status(rt, &st, a), 0);
    ck_assert_int_eq(st->state, K8SC_CONTAINER_EXITED);
    k8sc_container_status_free(st);
    ck_assert_int_eq(k8sc_runtime_container_stats(rt, &stats, a), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sid), 0);
    free(a);
    free(b);
    free(sid);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_env_args_workdir)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sb = sandbox_config("uid-env");
    char *sid = run_sandbox(rt, &sb);
    const char *cmd[] = { "sh", "-c" };
    const char *args[] = { "echo \"$FOO|$(pwd)|$0|$(id -u)\"", "zero" };
    k8sc_runtime_pair env[] = { { "FOO", "bar baz" } };
    k8sc_container_config c = container_config("env", cmd, 2);
    c.args = args;
    c.n_args = 2;
    c.envs = env;
    c.n_envs = 1;
    c.working_dir = "/tmp";
    c.run_as_user = 1234;
    char *id = start_container(rt, sid, &sb, &c);
    k8sc_container_status *st = wait_exited(rt, id);
    ck_assert_int_eq(st->exit_code, 0);
    ck_assert_str_eq(st->reason, "Completed");
    const char *log = slurp(st->log_path);
    ck_assert_msg(strstr(log, "\"log\":\"bar baz|/tmp|zero|1234\\n\""), "%s", log);
    k8sc_container_status_free(st);
    /* a command without args does not get the image's Cmd ("sh") appended */
    const char *echo[] = { "echo", "only" };
    k8sc_container_config c2 = container_config("echo", echo, 2);
    char *id2 = start_container(rt, sid, &sb, &c2);
    st = wait_exited(rt, id2);
    log = slurp(st->log_path);
    ck_assert_msg(strstr(log, "\"log\":\"only\\n\""), "%s", log);
    k8sc_container_status_free(st);
    /* args alone keep the image's entrypoint (none for busybox): they are the command */
    const char *only_args[] = { "echo", "from-args" };
    k8sc_container_config c3 = container_config("args", NULL, 0);
    c3.args = only_args;
    c3.n_args = 2;
    char *id3 = start_container(rt, sid, &sb, &c3);
    st = wait_exited(rt, id3);
    log = slurp(st->log_path);
    ck_assert_msg(strstr(log, "\"log\":\"from-args\\n\""), "%s", log);
    k8sc_container_status_free(st);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sid), 0);
    free(id);
    free(id2);
    free(id3);
    free(sid);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_stop_with_grace)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sb = sandbox_config("uid-stop");
    char *sid = run_sandbox(rt, &sb);
    const char *polite[] = { "sh", "-c", "trap 'echo term; exit 7' TERM; while true; do sleep 0.1; done" };
    k8sc_container_config c = container_config("polite", polite, 3);
    char *id = start_container(rt, sid, &sb, &c);
    usleep(300 * 1000);
    double t0 = now();
    ck_assert_msg(k8sc_runtime_stop_container(rt, id, 10) == 0, "%s", k8sc_error_last());
    ck_assert_double_lt(now() - t0, 5);
    k8sc_container_status *st = NULL;
    ck_assert_int_eq(k8sc_runtime_container_status(rt, &st, id), 0);
    ck_assert_int_eq(st->state, K8SC_CONTAINER_EXITED);
    ck_assert_int_eq(st->exit_code, 7);
    k8sc_container_status_free(st);
    const char *stubborn[] = { "sh", "-c", "trap '' TERM; while true; do sleep 0.1; done" };
    k8sc_container_config c2 = container_config("stubborn", stubborn, 3);
    char *id2 = start_container(rt, sid, &sb, &c2);
    usleep(300 * 1000);
    t0 = now();
    ck_assert_int_eq(k8sc_runtime_stop_container(rt, id2, 1), 0);
    double took = now() - t0;
    ck_assert_msg(took >= 0.9 && took < 8, "stop took %.2f s", took);
    ck_assert_int_eq(k8sc_runtime_container_status(rt, &st, id2), 0);
    ck_assert_int_eq(st->exit_code, 137);
    k8sc_container_status_free(st);
    /* stopping again is fine; a missing container is not found */
    ck_assert_int_eq(k8sc_runtime_stop_container(rt, id2, 1), 0);
    ck_assert_int_eq(k8sc_runtime_stop_container(rt, "0123456789ab", 1), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sid), 0);
    free(id);
    free(id2);
    free(sid);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_exec)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sb = sandbox_config("uid-exec");
    char *sid = run_sandbox(rt, &sb);
    const char *sleep[] = { "sleep", "1000" };
    k8sc_container_config c = container_config("svc", sleep, 2);
    char *id = start_container(rt, sid, &sb, &c);

    const char *cmd[] = { "sh", "-c", "echo out; echo err >&2; exit 4" };
    int code = -1;
    char *out = NULL, *err = NULL;
    ck_assert_msg(k8sc_runtime_exec_sync(rt, id, cmd, 3, 10000, &code, &out, &err) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(code, 4);
    ck_assert_str_eq(out, "out\n");
    ck_assert_str_eq(err, "err\n");
    free(out);
    free(err);
    /* a probe that takes too long */
    const char *slow[] = { "sleep", "30" };
    double t0 = now();
    ck_assert_int_eq(k8sc_runtime_exec_sync(rt, id, slow, 2, 500, &code, NULL, NULL), K8SC_ETIMEOUT);
    ck_assert_double_lt(now() - t0, 5);

    /* stdin goes in, end of file ends the command */
    const char *cat[] = { "cat" };
    k8sc_exec_options o = { K8SC_EXEC_OPTIONS_VERSION, cat, 1, false, true, 0, 0 };
    k8sc_runtime_exec *ex = NULL;
    ck_assert_msg(k8sc_runtime_exec_start(rt, &ex, id, &o) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(write(k8sc_runtime_exec_fd(ex, 0), "hello\n", 6), 6);
    k8sc_runtime_exec_close_stdin(ex);
    char buf[64] = { 0 };
    size_t got = 0;
    ssize_t n;
    while ((n = read(k8sc_runtime_exec_fd(ex, 1), buf + got, sizeof(buf) - 1 - got)) > 0)
        got += (size_t)n;
    ck_assert_str_eq(buf, "hello\n");
    ck_assert_int_eq(k8sc_runtime_exec_wait(ex, &code, 10000), 0);
    ck_assert_int_eq(code, 0);
    ck_assert_int_eq(k8sc_runtime_exec_resize(ex, 80, 24), K8SC_EINVAL);
    k8sc_runtime_exec_free(ex);

    /* a terminal: one output stream, resizable */
    const char *tty[] = { "sh", "-c", "sleep 0.5; stty size" };
    k8sc_exec_options to = { K8SC_EXEC_OPTIONS_VERSION, tty, 3, true, false, 100, 30 };
    ck_assert_msg(k8sc_runtime_exec_start(rt, &ex, id, &to) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(k8sc_runtime_exec_fd(ex, 2), -1);
    memset(buf, 0, sizeof(buf));
    got = 0;
    while ((n = read(k8sc_runtime_exec_fd(ex, 1), buf + got, sizeof(buf) - 1 - got)) > 0)
        got += (size_t)n;
    ck_assert_str_eq(buf, "30 100\r\n");
    ck_assert_int_eq(k8sc_runtime_exec_wait(ex, &code, 10000), 0);
    k8sc_runtime_exec_free(ex);

    /* a session freed while its command runs */
    ck_assert_int_eq(k8sc_runtime_exec_start(rt, &ex, id, &(k8sc_exec_options){ K8SC_EXEC_OPTIONS_VERSION, slow, 2,
                                                                              false, false, 0, 0 }),
                     0);
    ck_assert_int_eq(k8sc_runtime_exec_wait(ex, &code, 100), K8SC_ETIMEOUT);
    k8sc_runtime_exec_free(ex);

    ck_assert_int_eq(k8sc_runtime_exec_sync(rt, "0123456789ab", cmd, 3, 1000, &code, NULL, NULL), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_runtime_stop_container(rt, id, 0), 0);
    ck_assert_int_eq(k8sc_runtime_exec_sync(rt, id, cmd, 3, 1000, &code, NULL, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sid), 0);
    free(id);
    free(sid);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_list_after_reopen_and_remove)
{
    k8sc_runtime *rt = rt_open();
    size_t before = docker_container_count(rt);
    k8sc_sandbox_config sb = sandbox_config("uid-list");
    char *sid = run_sandbox(rt, &sb);
    const char *cmd[] = { "true" };
    k8sc_runtime_pair labels[] = { { K8SC_LABEL_CONTAINER_NAME, "job" } };
    k8sc_runtime_pair ann[] = { { "io.kubernetes.container.hash", "abc" } };
    k8sc_container_config c = container_config("job", cmd, 1);
    c.labels = labels;
    c.n_labels = 1;
    c.annotations = ann;
    c.n_annotations = 1;
    c.attempt = 2;
    char *id = start_container(rt, sid, &sb, &c);
    k8sc_container_status_free(wait_exited(rt, id));
    k8sc_runtime_close(rt);

    rt = rt_open();
    k8sc_sandbox_status **sbs = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc_runtime_list_sandboxes(rt, &sbs, &n), 0);
    const k8sc_sandbox_status *mine = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(sbs[i]->id, sid) == 0)
            mine = sbs[i];
    ck_assert_ptr_nonnull(mine);
    ck_assert_str_eq(mine->name, "web");
    ck_assert_str_eq(mine->namespace_, "default");
    ck_assert_str_eq(mine->uid, "uid-list");
    ck_assert_uint_eq(mine->attempt, 1);
    ck_assert_int_eq(mine->state, K8SC_SANDBOX_READY);
    ck_assert_int_gt(mine->created_at, 0);
    ck_assert_uint_eq(mine->n_labels, 2);
    ck_assert_str_eq(k8sc_runtime_pair_get(mine->labels, mine->n_labels, "app"), "demo");
    ck_assert_str_eq(k8sc_runtime_pair_get(mine->labels, mine->n_labels, K8SC_LABEL_POD_NAME), "web");
    ck_assert_uint_eq(mine->n_annotations, 1);
    ck_assert_str_eq(k8sc_runtime_pair_get(mine->annotations, 1, "note"), "kept");
    k8sc_sandbox_status_list_free(sbs, n);

    k8sc_container_status **cs = NULL;
    ck_assert_int_eq(k8sc_runtime_list_containers(rt, &cs, &n, sid), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(cs[0]->id, id);
    ck_assert_str_eq(cs[0]->name, "job");
    ck_assert_uint_eq(cs[0]->attempt, 2);
    ck_assert_int_eq(cs[0]->state, K8SC_CONTAINER_EXITED);
    ck_assert_int_eq(cs[0]->exit_code, 0);
    ck_assert_str_eq(cs[0]->reason, "Completed");
    ck_assert_uint_eq(cs[0]->n_labels, 1);
    ck_assert_str_eq(k8sc_runtime_pair_get(cs[0]->labels, 1, K8SC_LABEL_CONTAINER_NAME), "job");
    ck_assert_uint_eq(cs[0]->n_annotations, 1);
    ck_assert_str_eq(k8sc_runtime_pair_get(cs[0]->annotations, 1, "io.kubernetes.container.hash"), "abc");
    char *log = strdup(cs[0]->log_path);
    k8sc_container_status_list_free(cs, n);
    ck_assert_int_eq(k8sc_runtime_list_containers(rt, &cs, &n, NULL), 0);
    ck_assert_uint_ge(n, 1);
    k8sc_container_status_list_free(cs, n);

    struct stat lst;
    ck_assert_int_eq(lstat(log, &lst), 0);
    ck_assert(S_ISLNK(lst.st_mode));
    ck_assert_int_eq(k8sc_runtime_stop_sandbox(rt, sid), 0);
    ck_assert_int_eq(k8sc_runtime_stop_sandbox(rt, sid), 0);
    k8sc_sandbox_status *ss = NULL;
    ck_assert_int_eq(k8sc_runtime_sandbox_status(rt, &ss, sid), 0);
    ck_assert_int_eq(ss->state, K8SC_SANDBOX_NOTREADY);
    k8sc_sandbox_status_free(ss);
    /* a container cannot be made in a stopped sandbox */
    char *late = NULL;
    ck_assert_int_eq(k8sc_runtime_create_container(rt, &late, sid, &c, &sb), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sid), 0);
    ck_assert_int_eq(k8sc_runtime_sandbox_status(rt, &ss, sid), K8SC_ENOTFOUND);
    k8sc_container_status *st = NULL;
    ck_assert_int_eq(k8sc_runtime_container_status(rt, &st, id), K8SC_ENOTFOUND);
    ck_assert_int_eq(lstat(log, &lst), -1);
    ck_assert_uint_eq(docker_container_count(rt), before);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sid), 0);
    ck_assert_int_eq(k8sc_runtime_remove_container(rt, id), 0);
    ck_assert_int_eq(k8sc_runtime_stop_sandbox(rt, sid), K8SC_ENOTFOUND);
    free(log);
    free(id);
    free(sid);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_bad_container)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sb = sandbox_config("uid-bad");
    char *sid = run_sandbox(rt, &sb);
    const char *cmd[] = { "true" };
    k8sc_container_config c = container_config("x", cmd, 1);
    c.image = "docker.io/library/nosuchimage:9";
    char *id = NULL;
    ck_assert_int_eq(k8sc_runtime_create_container(rt, &id, sid, &c, &sb), K8SC_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), sock));
    c.image = image;
    ck_assert_int_eq(k8sc_runtime_create_container(rt, &id, "0123456789ab", &c, &sb), K8SC_ENOTFOUND);
    /* a container id is not a sandbox id */
    id = start_container(rt, sid, &sb, &c);
    k8sc_sandbox_status *ss = NULL;
    ck_assert_int_eq(k8sc_runtime_sandbox_status(rt, &ss, id), K8SC_ENOTFOUND);
    /* the same name and attempt twice */
    char *dup = NULL;
    ck_assert_int_eq(k8sc_runtime_create_container(rt, &dup, sid, &c, &sb), K8SC_EEXISTS);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sid), 0);
    free(id);
    free(sid);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_images)
{
    k8sc_runtime *rt = rt_open();
    k8sc_image *img = NULL;
    ck_assert_msg(k8sc_runtime_image_status(rt, &img, image) == 0, "%s", k8sc_error_last());
    ck_assert_msg(strncmp(img->id, "sha256:", 7) == 0, "%s", img->id);
    ck_assert_uint_ge(img->n_repo_tags, 1);
    ck_assert_str_eq(img->repo_tags[0], image);
    ck_assert_uint_gt(img->size, 0);
    k8sc_image *by_id = NULL;
    ck_assert_int_eq(k8sc_runtime_image_status(rt, &by_id, img->id), 0);
    ck_assert_str_eq(by_id->id, img->id);
    k8sc_image_free(by_id);
    char prefix[20];
    snprintf(prefix, sizeof(prefix), "%.12s", img->id + 7);
    ck_assert_msg(k8sc_runtime_image_status(rt, &by_id, prefix) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(by_id->id, img->id);
    k8sc_image_free(by_id);
    k8sc_image **list = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc_runtime_list_images(rt, &list, &n), 0);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        found |= strcmp(list[i]->id, img->id) == 0;
    ck_assert(found);
    k8sc_image_list_free(list, n);
    k8sc_image_free(img);
    ck_assert_int_eq(k8sc_runtime_image_status(rt, &img, "nosuch:1"), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_runtime_remove_image(rt, "nosuch:1"), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_runtime_pull_image(rt, "nosuch.invalid/app:1"), K8SC_EUNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "cannot pull"));
    char **names = NULL;
    ck_assert_int_eq(k8sc_runtime_import_image(rt, &names, "/etc/hostname"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_runtime_import_image(rt, &names, "/nonexistent.tar"), K8SC_EIO);
    k8sc_runtime_close(rt);
}
END_TEST

/* Read `fd` into `buf` until it holds `want` (or, for NULL, end of file); what was read. */
static const char *read_until(int fd, char *buf, size_t size, const char *want)
{
    size_t got = 0;
    buf[0] = '\0';
    double end = now() + 15;
    while (!(want && strstr(buf, want)) && got < size - 1) {
        struct pollfd p = { fd, POLLIN, 0 };
        ck_assert_msg(poll(&p, 1, (int)((end - now()) * 1000) > 0 ? (int)((end - now()) * 1000) : 0) == 1,
                      "timed out waiting for [%s]; got [%s]", want ? want : "end of file", buf);
        ssize_t n = read(fd, buf + got, size - 1 - got);
        ck_assert_msg(n >= 0, "read: %s", strerror(errno));
        if (n == 0)
            break;
        got += (size_t)n;
        buf[got] = '\0';
    }
    if (want)
        ck_assert_msg(strstr(buf, want) != NULL, "no [%s] in [%s]", want, buf);
    return buf;
}

static k8sc_runtime_exec *attach(k8sc_runtime *rt, const char *id, bool in)
{
    k8sc_attach_options o = K8SC_ATTACH_OPTIONS_INIT;
    o.stdin_ = in;
    k8sc_runtime_exec *ex = NULL;
    ck_assert_msg(k8sc_runtime_attach(rt, &ex, id, &o) == 0, "%s", k8sc_error_last());
    return ex;
}

static void put(k8sc_runtime_exec *ex, const char *text)
{
    ck_assert_int_eq(write(k8sc_runtime_exec_fd(ex, 0), text, strlen(text)), (ssize_t)strlen(text));
}

static k8sc_container_state state_of(k8sc_runtime *rt, const char *id)
{
    k8sc_container_status *st = NULL;
    ck_assert_msg(k8sc_runtime_container_status(rt, &st, id) == 0, "%s", k8sc_error_last());
    k8sc_container_state s = st->state;
    k8sc_container_status_free(st);
    return s;
}

/* The container's Config as dockerd has it. */
static json_object *docker_config(k8sc_runtime *rt, const char *id)
{
    k8sc__docker *d = k8sc_runtime_backend_state(rt, &k8sc__runtime_docker);
    char path[128];
    snprintf(path, sizeof(path), "/containers/%s/json", id);
    json_object *j = NULL;
    ck_assert_int_eq(k8sc__docker_json(d, "GET", path, NULL, &j, 0), 0);
    json_object *c = NULL;
    ck_assert(json_object_object_get_ex(j, "Config", &c));
    json_object_get(c);
    json_object_put(j);
    return c;
}

static bool config_bool(json_object *c, const char *key)
{
    json_object *v = NULL;
    ck_assert_msg(json_object_object_get_ex(c, key, &v), "no %s in the config", key);
    return json_object_get_boolean(v);
}

START_TEST(t_attach_cat)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sb = sandbox_config("uid-attach");
    char *sid = run_sandbox(rt, &sb);
    const char *cat[] = { "cat" };
    k8sc_container_config c = container_config("cat", cat, 1);
    c.stdin_ = true;
    char *id = start_container(rt, sid, &sb, &c);
    json_object *conf = docker_config(rt, id);
    ck_assert(config_bool(conf, "OpenStdin"));
    ck_assert(config_bool(conf, "AttachStdin"));
    ck_assert(!config_bool(conf, "StdinOnce"));
    ck_assert(!config_bool(conf, "Tty"));
    json_object_put(conf);

    /* stdin echoed back on stdout; no terminal to resize */
    k8sc_runtime_exec *ex = attach(rt, id, true);
    ck_assert_int_ge(k8sc_runtime_exec_fd(ex, 2), 0);
    char buf[512];
    put(ex, "hello\n");
    ck_assert_str_eq(read_until(k8sc_runtime_exec_fd(ex, 1), buf, sizeof(buf), "hello\n"), "hello\n");
    ck_assert_int_eq(k8sc_runtime_exec_resize(ex, 80, 24), K8SC_EINVAL);
    /* without stdin_once, closing stdin only detaches it: cat lives on */
    k8sc_runtime_exec_close_stdin(ex);
    int code = -1;
    ck_assert_int_eq(k8sc_runtime_exec_wait(ex, &code, 300), K8SC_ETIMEOUT);
    ck_assert_int_eq(state_of(rt, id), K8SC_CONTAINER_RUNNING);
    k8sc_runtime_exec_free(ex);

    /* a second attach reaches the same stdin; freeing the session detaches */
    ex = attach(rt, id, true);
    put(ex, "again\n");
    ck_assert_str_eq(read_until(k8sc_runtime_exec_fd(ex, 1), buf, sizeof(buf), "again\n"), "again\n");
    k8sc_runtime_exec_free(ex);
    usleep(300 * 1000);
    ck_assert_int_eq(state_of(rt, id), K8SC_CONTAINER_RUNNING);

    /* output only: no stdin fd; the output ends with the container */
    ex = attach(rt, id, false);
    ck_assert_int_eq(k8sc_runtime_exec_fd(ex, 0), -1);
    ck_assert_int_eq(k8sc_runtime_stop_container(rt, id, 0), 0);
    read_until(k8sc_runtime_exec_fd(ex, 1), buf, sizeof(buf), NULL);
    ck_assert_int_eq(k8sc_runtime_exec_wait(ex, &code, 10000), 0);
    ck_assert_int_eq(code, 0);
    k8sc_runtime_exec_free(ex);

    k8sc_attach_options o = K8SC_ATTACH_OPTIONS_INIT;
    ck_assert_int_eq(k8sc_runtime_attach(rt, &ex, id, &o), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "not running"));
    ck_assert_int_eq(k8sc_runtime_attach(rt, &ex, "0123456789ab", &o), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_runtime_attach(rt, &ex, sid, &o), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sid), 0);
    free(id);
    free(sid);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_attach_streams)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sb = sandbox_config("uid-attach-streams");
    char *sid = run_sandbox(rt, &sb);
    const char *sh[] = { "sh", "-c", "while read -r l; do echo \"out $l\"; echo \"err $l\" >&2; done" };
    k8sc_container_config c = container_config("split", sh, 3);
    c.stdin_ = true;
    char *id = start_container(rt, sid, &sb, &c);
    k8sc_runtime_exec *ex = attach(rt, id, true);
    char buf[512];
    put(ex, "x\n");
    ck_assert_str_eq(read_until(k8sc_runtime_exec_fd(ex, 1), buf, sizeof(buf), "out x\n"), "out x\n");
    ck_assert_str_eq(read_until(k8sc_runtime_exec_fd(ex, 2), buf, sizeof(buf), "err x\n"), "err x\n");
    /* a big line crosses many stream frames intact */
    static char big[100001];
    memset(big, 'b', sizeof(big) - 2);
    big[sizeof(big) - 2] = '\n';
    ck_assert_int_eq(write(k8sc_runtime_exec_fd(ex, 0), big, sizeof(big) - 1), (ssize_t)sizeof(big) - 1);
    static char back[100100];
    big[sizeof(big) - 2] = '\0';
    read_until(k8sc_runtime_exec_fd(ex, 1), back, sizeof(back), "b\n");
    ck_assert_uint_eq(strlen(back), sizeof(big) - 2 + 5);
    ck_assert_int_eq(strncmp(back, "out ", 4), 0);
    ck_assert_int_eq(strncmp(back + 4, big, sizeof(big) - 2), 0);
    k8sc_runtime_exec_free(ex);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sid), 0);
    free(id);
    free(sid);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_attach_stdin_once)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sb = sandbox_config("uid-attach-once");
    char *sid = run_sandbox(rt, &sb);
    const char *cat[] = { "cat" };
    k8sc_container_config c = container_config("once", cat, 1);
    c.stdin_ = true;
    c.stdin_once = true;
    char *id = start_container(rt, sid, &sb, &c);
    json_object *conf = docker_config(rt, id);
    ck_assert(config_bool(conf, "StdinOnce"));
    json_object_put(conf);
    /* closing stdin after the first attach ends the container's stdin: cat ends, and the output with it */
    k8sc_runtime_exec *ex = attach(rt, id, true);
    char buf[512];
    put(ex, "one\n");
    ck_assert_str_eq(read_until(k8sc_runtime_exec_fd(ex, 1), buf, sizeof(buf), "one\n"), "one\n");
    k8sc_runtime_exec_close_stdin(ex);
    ck_assert_str_eq(read_until(k8sc_runtime_exec_fd(ex, 1), buf, sizeof(buf), NULL), "");
    int code = -1;
    ck_assert_int_eq(k8sc_runtime_exec_wait(ex, &code, 10000), 0);
    ck_assert_int_eq(code, 0);
    k8sc_runtime_exec_free(ex);
    k8sc_container_status *st = wait_exited(rt, id);
    ck_assert_int_eq(st->exit_code, 0);
    k8sc_container_status_free(st);
    free(id);

    /* detaching (freeing the session) with stdin open ends it too */
    c.name = "once2";
    id = start_container(rt, sid, &sb, &c);
    ex = attach(rt, id, true);
    put(ex, "two\n");
    ck_assert_str_eq(read_until(k8sc_runtime_exec_fd(ex, 1), buf, sizeof(buf), "two\n"), "two\n");
    k8sc_runtime_exec_free(ex);
    st = wait_exited(rt, id);
    ck_assert_int_eq(st->exit_code, 0);
    k8sc_container_status_free(st);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sid), 0);
    free(id);
    free(sid);
    k8sc_runtime_close(rt);
}
END_TEST

START_TEST(t_attach_tty)
{
    k8sc_runtime *rt = rt_open();
    k8sc_sandbox_config sb = sandbox_config("uid-attach-tty");
    char *sid = run_sandbox(rt, &sb);
    const char *sh[] = { "sh", "-c", "while read -r l; do echo \"got $l\"; stty size; done; echo bye" };
    k8sc_container_config c = container_config("term", sh, 3);
    c.stdin_ = true;
    c.stdin_once = true;
    c.tty = true;
    char *id = start_container(rt, sid, &sb, &c);
    json_object *conf = docker_config(rt, id);
    ck_assert(config_bool(conf, "Tty"));
    json_object_put(conf);
    /* one output stream, a terminal that resizes */
    k8sc_runtime_exec *ex = attach(rt, id, true);
    ck_assert_int_eq(k8sc_runtime_exec_fd(ex, 2), -1);
    ck_assert_msg(k8sc_runtime_exec_resize(ex, 100, 30) == 0, "%s", k8sc_error_last());
    char buf[512];
    put(ex, "a\n");
    read_until(k8sc_runtime_exec_fd(ex, 1), buf, sizeof(buf), "got a\r\n30 100\r\n");
    ck_assert_msg(k8sc_runtime_exec_resize(ex, 120, 40) == 0, "%s", k8sc_error_last());
    put(ex, "b\n");
    read_until(k8sc_runtime_exec_fd(ex, 1), buf, sizeof(buf), "got b\r\n40 120\r\n");
    /* stdin_once on a terminal: closing stdin is its end of file (^D) */
    k8sc_runtime_exec_close_stdin(ex);
    read_until(k8sc_runtime_exec_fd(ex, 1), buf, sizeof(buf), "bye");
    int code = -1;
    ck_assert_int_eq(k8sc_runtime_exec_wait(ex, &code, 10000), 0);
    k8sc_runtime_exec_free(ex);
    k8sc_container_status *st = wait_exited(rt, id);
    ck_assert_int_eq(st->exit_code, 0);
    k8sc_container_status_free(st);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sid), 0);
    free(id);
    free(sid);
    k8sc_runtime_close(rt);
}
END_TEST

static int start_dockerd(void)
{
    char root[96], exec_root[96], pidfile[96], logfile[96];
    snprintf(root, sizeof(root), "%s/root", tmp);
    snprintf(exec_root, sizeof(exec_root), "%s/exec", tmp);
    snprintf(pidfile, sizeof(pidfile), "%s/pid", tmp);
    snprintf(logfile, sizeof(logfile), "%s/dockerd.log", tmp);
    char host[160];
    snprintf(host, sizeof(host), "unix://%s", sock);
    dockerd_pid = fork();
    if (dockerd_pid < 0)
        return -1;
    if (dockerd_pid == 0) {
        int fd = open(logfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        setpgid(0, 0);
        execl(DOCKERD, DOCKERD, "--storage-driver=vfs", "--iptables=false", "--ip6tables=false", "--bridge=none",
              "--data-root", root, "--exec-root", exec_root, "-H", host, "--pidfile", pidfile, (char *)NULL);
        _exit(127);
    }
    k8sc_runtime_options o = K8SC_RUNTIME_OPTIONS_INIT;
    o.docker_socket = sock;
    for (double end = now() + 30; now() < end; usleep(200 * 1000)) {
        k8sc_runtime *rt = NULL;
        if (k8sc_runtime_open(&rt, "docker", &o) == 0) {
            k8sc_runtime_close(rt);
            return 0;
        }
        if (waitpid(dockerd_pid, NULL, WNOHANG) == dockerd_pid) {
            dockerd_pid = -1;
            break;
        }
    }
    fprintf(stderr, "check_runtime_docker: dockerd did not come up (see %s)\n", logfile);
    return -1;
}

static void stop_dockerd(void)
{
    if (dockerd_pid <= 0)
        return;
    kill(dockerd_pid, SIGTERM);
    for (int i = 0; i < 300; i++) {
        if (waitpid(dockerd_pid, NULL, WNOHANG) == dockerd_pid) {
            dockerd_pid = -1;
            return;
        }
        usleep(100 * 1000);
    }
    kill(dockerd_pid, SIGKILL);
    waitpid(dockerd_pid, NULL, 0);
    dockerd_pid = -1;
}

/* Build the busybox image archive and import it; image[] gets its name. */
static int load_image(void)
{
    char tar[128], cmd[512];
    snprintf(tar, sizeof(tar), "%s/busybox.tar", tmp);
    if (access(BUILD_SCRIPT, R_OK) != 0) {
        fprintf(stderr, "check_runtime_docker: %s is missing\n", BUILD_SCRIPT);
        return -1;
    }
    snprintf(cmd, sizeof(cmd), "sh '%s' '%s' >'%s/build.log' 2>&1", BUILD_SCRIPT, tar, tmp);
    if (system(cmd) != 0) {
        fprintf(stderr, "check_runtime_docker: building the busybox image failed (see %s/build.log)\n", tmp);
        return -1;
    }
    k8sc_runtime_options o = K8SC_RUNTIME_OPTIONS_INIT;
    o.docker_socket = sock;
    k8sc_runtime *rt = NULL;
    char **names = NULL;
    int rc = k8sc_runtime_open(&rt, "docker", &o);
    if (rc == 0)
        rc = k8sc_runtime_import_image(rt, &names, tar);
    if (rc == 0 && (!names || !names[0]))
        rc = -1;
    if (rc == 0)
        snprintf(image, sizeof(image), "%s", names[0]);
    else
        fprintf(stderr, "check_runtime_docker: importing %s: %s\n", tar, k8sc_error_last());
    k8sc_strv_free(names);
    k8sc_runtime_close(rt);
    return rc;
}

int main(void)
{
    if (geteuid() != 0 || access(DOCKERD, X_OK) != 0) {
        fprintf(stderr, "check_runtime_docker: SKIPPED (needs root and %s)\n", DOCKERD);
        return 0;
    }
    snprintf(tmp, sizeof(tmp), "/tmp/kd.XXXXXX");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(sock, sizeof(sock), "%s/docker.sock", tmp);
    int result = EXIT_FAILURE;
    if (start_dockerd() == 0 && load_image() == 0) {
        Suite *su = suite_create("runtime_docker");
        TCase *tc = tcase_create("dockerd");
        tcase_add_test(tc, t_version);
        tcase_add_test(tc, t_unreachable);
        tcase_add_test(tc, t_images);
        tcase_add_test(tc, t_run_exit_and_log);
        tcase_add_test(tc, t_shared_netns_hostname);
        tcase_add_test(tc, t_env_args_workdir);
        tcase_add_test(tc, t_stop_with_grace);
        tcase_add_test(tc, t_exec);
        tcase_add_test(tc, t_list_after_reopen_and_remove);
        tcase_add_test(tc, t_bad_container);
        tcase_add_test(tc, t_attach_cat);
        tcase_add_test(tc, t_attach_streams);
        tcase_add_test(tc, t_attach_stdin_once);
        tcase_add_test(tc, t_attach_tty);
        tcase_set_timeout(tc, 60);
        suite_add_tcase(su, tc);
        result = k8sc_test_main(su);
    }
    stop_dockerd();
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "check_runtime_docker: could not remove %s\n", tmp);
    return result;
}
