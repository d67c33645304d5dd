/*
 * pods/log, pods/exec and pods/attach through the API server to a node
 * server over the fake runtime: with libcurl, and with the real kubectl
 * (`kubectl logs`, `kubectl exec`, `kubectl attach`) when
 * /usr/bin/kubectl is there. With root and runc, the same over the runc
 * runtime with kubectl on a terminal of its own (`exec -it`, `attach
 * -it`): the terminal's size and its changes reach the container.
 */
#include "internal.h"
#include "kubelet/node_server.h"
#include "testutil.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <k8sc/apiserver.h>
#include <k8sc/cli.h>
#include <k8sc/client.h>
#include <k8sc/runtime.h>
#include <k8sc/store.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define KUBECTL "/usr/bin/kubectl"
#define BUILD_SCRIPT K8SC_TEST_DATA "/../../examples/images/build-busybox-image.sh"

static k8sc_store *store;
static k8sc_registry *registry;
static k8sc_apiserver *api;
static k8sc_runtime *rt;
static k8sc__node_server *node;
static char dir[64];
static char *cid;
static char log_path[160], kubeconfig[160];

static int lookup(void *userdata, const char *ns, const char *pod, const char *container, bool previous,
                  char **container_id, char **path)
{
    (void)userdata;
    if (strcmp(ns, "default") != 0 || strcmp(pod, "p") != 0 || (container && *container && strcmp(container, "c")))
        return k8sc_error_set(K8SC_ENOTFOUND, "container \"%s\" in pod \"%s\" not found", container, pod);
    if (previous)
        return k8sc_error_set(K8SC_ENOTFOUND, "previous terminated container \"c\" in pod \"p\" not found");
    *container_id = strdup(cid);
    *path = strdup(log_path);
    return 0;
}

static void call(const char *method, const char *target, const char *content_type, const char *body, int want)
{
    k8sc_apiserver_response *r = NULL;
    ck_assert_int_eq(k8sc_apiserver_handle(&r, api, method, target, content_type, NULL, body, strlen(body)), 0);
    ck_assert_msg(k8sc_apiserver_response_status(r) == want, "%s %s: %d %s", method, target,
                  k8sc_apiserver_response_status(r), k8sc_apiserver_response_body(r, NULL));
    k8sc_apiserver_response_free(r);
}

static char *sandbox_id;

/* The pod's container: the fake runtime's, or with runc an interactive shell on a terminal (stdin, tty). */
static void start_container(const char *runtime)
{
    bool runc = strcmp(runtime, "runc") == 0;
    if (!runc) {
        ck_assert_int_eq(k8sc_runtime_open(&rt, "fake", NULL), 0);
    } else {
        char root[128], images[128], cmd[512];
        snprintf(root, sizeof(root), "%s/runtime", dir);
        snprintf(images, sizeof(images), "%s/images", dir);
        snprintf(cmd, sizeof(cmd), "sh '%s' '%s/busybox.tar' busybox:1.36 >/dev/null", BUILD_SCRIPT, dir);
        ck_assert_int_eq(system(cmd), 0);
        k8sc_runtime_options o = K8SC_RUNTIME_OPTIONS_INIT;
        o.root_dir = root;
        o.image_dir = images;
        ck_assert_msg(k8sc_runtime_open(&rt, "runc", &o) == 0, "%s", k8sc_error_last());
        snprintf(cmd, sizeof(cmd), "%s/busybox.tar", dir);
        ck_assert_msg(k8sc_runtime_import_image(rt, NULL, cmd) == 0, "%s", k8sc_error_last());
    }
    k8sc_runtime_pair labels[] = { { K8SC_LABEL_POD_NAME, "p" },
                                   { K8SC_LABEL_POD_NAMESPACE, "default" },
                                   { K8SC_LABEL_POD_UID, "u1" },
                                   { K8SC_LABEL_CONTAINER_NAME, "c" } };
    k8sc_sandbox_config sb = { .version = K8SC_SANDBOX_CONFIG_VERSION, .name = "p", .namespace_ = "default",
                               .uid = "u1", .log_directory = dir, .labels = labels, .n_labels = 3 };
    ck_assert_msg(k8sc_runtime_run_sandbox(rt, &sandbox_id, &sb) == 0, "%s", k8sc_error_last());
    const char *shell[] = { "sh" };
    k8sc_container_config cc = { .version = K8SC_CONTAINER_CONFIG_VERSION, .name = "c", .image = "busybox",
                                 .log_path = "c/0.log", .labels = labels, .n_labels = 4 };
    if (runc) {
        cc.image = "busybox:1.36";
        cc.command = shell;
        cc.n_command = 1;
        cc.tty = cc.stdin_ = true;
        cc.run_as_user = cc.run_as_group = -1;
    }
    ck_assert_msg(k8sc_runtime_create_container(rt, &cid, sandbox_id, &cc, &sb) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_runtime_start_container(rt, cid) == 0, "%s", k8sc_error_last());
}

static void setup_with(const char *runtime)
{
    snprintf(dir, sizeof(dir), "/tmp/k8sc-podproxy-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    start_container(runtime);
    snprintf(log_path, sizeof(log_path), "%s/c/0.log", dir);
    ck_assert_msg(k8sc__node_server_start(&node, "127.0.0.1", 0, rt, lookup, NULL) == 0, "%s", k8sc_error_last());

    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    ck_assert_int_eq(k8sc_registry_new(&registry), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = store;
    o.registry = registry;
    ck_assert_msg(k8sc_apiserver_new(&api, &o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_apiserver_start(api) == 0, "%s", k8sc_error_last());

    call("POST", "/api/v1/nodes", "application/json", "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\"}}",
         201);
    char status[512];
    snprintf(status, sizeof(status),
             "{\"status\":{\"addresses\":[{\"type\":\"Hostname\",\"address\":\"n1\"},{\"type\":\"InternalIP\","
             "\"address\":\"127.0.0.1\"}],\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":%u}}}}",
             (unsigned)k8sc__node_server_port(node));
    call("PATCH", "/api/v1/nodes/n1/status", "application/merge-patch+json", status, 200);
    /* kubectl attach -t wants the pod's container to have a terminal (as the runc one has). */
    call("POST", "/api/v1/namespaces/default/pods", "application/json",
         strcmp(runtime, "runc") == 0
             ? "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"nodeName\":\"n1\","
               "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",\"stdin\":true,\"tty\":true}]}}"
             : "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"nodeName\":\"n1\","
               "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
         201);
    call("POST", "/api/v1/namespaces/default/pods", "application/json",
         "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"two\"},\"spec\":{\"nodeName\":\"n1\","
         "\"containers\":[{\"name\":\"a\",\"image\":\"busybox\"},{\"name\":\"b\",\"image\":\"busybox\"}]}}",
         201);
    call("POST", "/api/v1/namespaces/default/pods", "application/json",
         "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"pending\"},\"spec\":{"
         "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
         201);

    snprintf(kubeconfig, sizeof(kubeconfig), "%s/kubeconfig", dir);
    FILE *f = fopen(kubeconfig, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: k\n  cluster:\n    server: http://127.0.0.1:%d\n"
            "contexts:\n- name: k\n  context:\n    cluster: k\n    user: u\n    namespace: default\n"
            "users:\n- name: u\n  user: {}\ncurrent-context: k\n",
            k8sc_apiserver_port(api));
    fclose(f);
}

static void setup(void)
{
    setup_with("fake");
}

static void setup_runc(void)
{
    setup_with("runc");
}

static void teardown(void)
{
    k8sc_apiserver_free(api);
    k8sc_registry_free(registry);
    k8sc_store_close(store);
    k8sc__node_server_stop(node);
    k8sc_runtime_stop_sandbox(rt, sandbox_id);
    k8sc_runtime_remove_sandbox(rt, sandbox_id);
    k8sc_runtime_close(rt);
    free(sandbox_id);
    free(cid);
    char p[200];
    snprintf(p, sizeof(p), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(p), 0);
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    k8sc__buf_put(userdata, data, size * n);
    return size * n;
}

static long get(const char *path, char **out)
{
    char url[512];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", k8sc_apiserver_port(api), path);
    k8sc__buf b = K8SC__BUF_INIT;
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    *out = k8sc__buf_detach(&b, NULL);
    return status;
}

static void expect(const char *path, long want_status, const char *want_body_part)
{
    char *s = NULL;
    long status = get(path, &s);
    ck_assert_msg(status == want_status, "GET %s: %ld %s", path, status, s);
    ck_assert_msg(strstr(s, want_body_part), "GET %s: body %s lacks %s", path, s, want_body_part);
    free(s);
}

START_TEST(log_through_the_apiserver)
{
    expect("/api/v1/namespaces/default/pods/p/log", 200, "started c\n");
    char *s;
    ck_assert_int_eq(get("/api/v1/namespaces/default/pods/p/log?container=c&tailLines=1", &s), 200);
    ck_assert_str_eq(s, "started c\n");
    free(s);
    expect("/api/v1/namespaces/default/pods/p/log?timestamps=true", 200, "Z started c\n");
    expect("/api/v1/namespaces/default/pods/p/log?previous=true", 404,
           "previous terminated container \\\"c\\\" in pod \\\"p\\\" not found");
    expect("/api/v1/namespaces/default/pods/nope/log", 404, "pods \\\"nope\\\" not found");
    expect("/api/v1/namespaces/default/pods/two/log", 400,
           "a container name must be specified for pod two, choose one of: [a b]");
    expect("/api/v1/namespaces/default/pods/two/log?container=x", 400, "container x is not valid for pod two");
    expect("/api/v1/namespaces/default/pods/pending/log", 400, "pod pending does not have a host assigned");
    /* In process there is no connection to relay the kubelet's stream on: a clear 501, not an empty 200. */
    k8sc_apiserver_response *resp = NULL;
    ck_assert_int_eq(k8sc_apiserver_handle(&resp, api, "GET", "/api/v1/namespaces/default/pods/p/log", NULL, NULL,
                                           NULL, 0), 0);
    ck_assert_int_eq(k8sc_apiserver_response_status(resp), 501);
    ck_assert_ptr_nonnull(strstr(k8sc_apiserver_response_body(resp, NULL), "only over HTTP"));
    k8sc_apiserver_response_free(resp);
}
END_TEST

typedef struct follow {
    pthread_mutex_t lock;
    k8sc__buf buf;
    long status;
} follow;

static size_t on_follow(char *data, size_t size, size_t n, void *userdata)
{
    follow *f = userdata;
    pthread_mutex_lock(&f->lock);
    k8sc__buf_put(&f->buf, data, size * n);
    pthread_mutex_unlock(&f->lock);
    return size * n;
}

static void *follow_main(void *arg)
{
    follow *f = arg;
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/namespaces/default/pods/p/log?follow=true",
             k8sc_apiserver_port(api));
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_follow);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
    curl_easy_cleanup(c);
    return NULL;
}

static bool followed(follow *f, const char *want)
{
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&f->lock);
        bool same = f->buf.ptr && strcmp(f->buf.ptr, want) == 0;
        pthread_mutex_unlock(&f->lock);
        if (same)
            return true;
        usleep(10000);
    }
    return false;
}

/* A followed log streams until the kubelet side ends. */
START_TEST(follow_until_kubelet_ends)
{
    follow f = { PTHREAD_MUTEX_INITIALIZER, K8SC__BUF_INIT, 0 };
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, follow_main, &f), 0);
    ck_assert(followed(&f, "started c\n"));
    FILE *lf = fopen(log_path, "a");
    fputs("2024-01-01T00:00:01Z stdout F later\n", lf);
    fclose(lf);
    ck_assert(followed(&f, "started c\nlater\n"));
    int64_t t0 = k8sc_clock_mono(NULL);
    k8sc__node_server_stop(node);
    node = NULL;
    pthread_join(t, NULL);
    ck_assert_int_lt(k8sc_clock_mono(NULL) - t0, 3000000000LL);
    ck_assert_int_eq(f.status, 200);
    k8sc__buf_free(&f.buf);
}
END_TEST

START_TEST(kubelet_down)
{
    k8sc__node_server_stop(node);
    node = NULL;
    expect("/api/v1/namespaces/default/pods/p/log", 500, "connection refused");
}
END_TEST

/* Run kubectl with `args`; its exit code (-1 when killed after 10 s), stdout in *out (caller frees). */
static int kubectl(const char *const *args, char **out)
{
    int p[2];
    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    const char *argv[16] = { KUBECTL, "--kubeconfig", kubeconfig };
    size_t n = 3;
    for (; *args && n < 15; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(p[1], 1);
        execv(KUBECTL, (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    k8sc__buf b = K8SC__BUF_INIT;
    int64_t deadline = k8sc_clock_mono(NULL) + 10 * 1000000000LL;
    bool killed = false;
    for (;;) {
        int left = (int)((deadline - k8sc_clock_mono(NULL)) / 1000000);
        struct pollfd pf = { p[0], POLLIN, 0 };
        if (left <= 0 || poll(&pf, 1, left) == 0) {
            kill(pid, SIGKILL);
            killed = true;
            break;
        }
        char chunk[4096];
        ssize_t r = read(p[0], chunk, sizeof(chunk));
        if (r <= 0)
            break;
        k8sc__buf_put(&b, chunk, (size_t)r);
    }
    close(p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    *out = k8sc__buf_detach(&b, NULL);
    return killed || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

START_TEST(real_kubectl)
{
    if (access(KUBECTL, X_OK) != 0) {
        fprintf(stderr, "skipping the kubectl cases: %s is missing\n", KUBECTL);
        return;
    }
    char *s;
    const char *logs[] = { "logs", "p", NULL };
    ck_assert_int_eq(kubectl(logs, &s), 0);
    ck_assert_str_eq(s, "started c\n");
    free(s);
    const char *echo[] = { "exec", "p", "--", "echo", "hi", "there", NULL };
    ck_assert_int_eq(kubectl(echo, &s), 0);
    ck_assert_str_eq(s, "hi there\n");
    free(s);
    const char *fail[] = { "exec", "p", "--", "false", NULL };
    ck_assert_int_eq(kubectl(fail, &s), 1);
    free(s);
    /* The fake container's attach without stdin: its one line, then the end (Success). */
    const char *attach[] = { "attach", "p", NULL };
    ck_assert_int_eq(kubectl(attach, &s), 0);
    ck_assert_str_eq(s, "started c\n");
    free(s);
}
END_TEST

static k8sc_client *http_client(void)
{
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", k8sc_apiserver_port(api));
    k8sc_client_config *cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, url), 0);
    k8sc_client_options o = K8SC_CLIENT_OPTIONS_INIT;
    o.config = cfg;
    k8sc_client *c = NULL;
    ck_assert_msg(k8sc_client_new(&c, &o) == 0, "%s", k8sc_error_last());
    k8sc_client_config_free(cfg);
    return c;
}

/* Everything readable from `fd` until its end (caller frees). */
static char *slurp(int fd)
{
    k8sc__buf b = K8SC__BUF_INIT;
    char chunk[4096];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof(chunk))) > 0)
        k8sc__buf_put(&b, chunk, (size_t)n);
    char *s = k8sc__buf_detach(&b, NULL);
    return s ? s : strdup("");
}

/* The library's client side of exec and attach, with pipes as the streams. */
START_TEST(client_exec_and_attach)
{
    k8sc_client *c = http_client();
    int out[2], err[2], in[2];
    ck_assert_int_eq(pipe(out), 0);
    ck_assert_int_eq(pipe(err), 0);
    k8sc_client_stream_options o;
    ck_assert_int_eq(k8sc_client_stream_options_init(&o, K8SC_CLIENT_STREAM_OPTIONS_VERSION), 0);
    o.stdout_fd = out[1];
    o.stderr_fd = err[1];
    const char *echo[] = { "echo", "a b", "c" };
    int code = -1;
    ck_assert_msg(k8sc_client_exec(&code, c, NULL, "p", echo, 3, &o) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(code, 0);
    const char *nosuch[] = { "nosuch" };
    ck_assert_msg(k8sc_client_exec(&code, c, "default", "p", nosuch, 1, &o) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(code, 126);
    close(out[1]);
    close(err[1]);
    char *text = slurp(out[0]);
    ck_assert_str_eq(text, "a b c\n");
    free(text);
    text = slurp(err[0]);
    ck_assert_str_eq(text, "nosuch: not found in the fake runtime\n");
    free(text);
    close(out[0]);
    close(err[0]);

    /* Attach: with stdin the fake container echoes it; the end of stdin ends the session (v5 close). */
    ck_assert_int_eq(pipe(out), 0);
    ck_assert_int_eq(pipe(in), 0);
    ck_assert_int_eq(write(in[1], "ping\n", 5), 5);
    close(in[1]);
    o.stdin_fd = in[0];
    o.stdout_fd = out[1];
    o.stderr_fd = -1;
    ck_assert_msg(k8sc_client_attach(c, NULL, "p", &o) == 0, "%s", k8sc_error_last());
    close(in[0]);
    o.stdin_fd = -1;
    ck_assert_msg(k8sc_client_attach(c, NULL, "p", &o) == 0, "%s", k8sc_error_last());
    close(out[1]);
    text = slurp(out[0]);
    ck_assert_str_eq(text, "ping\nstarted c\n");
    free(text);
    close(out[0]);

    /* Errors: the server's, with its message. */
    ck_assert_int_eq(k8sc_client_exec(&code, c, NULL, "nope", echo, 3, &o), K8SC_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "pods \"nope\" not found"));
    ck_assert_int_eq(k8sc_client_attach(c, NULL, "pending", &o), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_client_exec(&code, c, NULL, "p", echo, 0, &o), K8SC_EINVAL);
    o.stdout_fd = -1;
    ck_assert_int_eq(k8sc_client_attach(c, NULL, "p", &o), K8SC_EINVAL);
    o.version = 99;
    ck_assert_int_eq(k8sc_client_attach(c, NULL, "p", &o), K8SC_EINVAL);
    k8sc_client_free(c);
    k8sc_client *inproc = NULL;
    ck_assert_int_eq(k8sc_client_new_in_process(&inproc, api), 0);
    o.version = K8SC_CLIENT_STREAM_OPTIONS_VERSION;
    o.stdout_fd = 1;
    ck_assert_int_eq(k8sc_client_attach(inproc, NULL, "p", &o), K8SC_EUNAVAILABLE);
    k8sc_client_free(inproc);
}
END_TEST

/*
 * Run k8sctl's command line (k8sc_cli_main) in a child with `args`, its
 * stdout and stderr into *out and *err (caller frees); its exit status.
 * With `stop_at`, the child is killed once stdout shows that text (-1).
 */
static int k8sctl(const char *const *args, char **out, char **err, const char *stop_at)
{
    int o[2], e[2];
    ck_assert_int_eq(pipe(o), 0);
    ck_assert_int_eq(pipe(e), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        const char *argv[16] = { "k8sctl", "--kubeconfig", kubeconfig };
        int n = 3;
        for (; *args && n < 15; args++)
            argv[n++] = *args;
        argv[n] = NULL;
        dup2(o[1], 1);
        dup2(e[1], 2);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        _exit(k8sc_cli_main(n, (char **)argv, stdout, stderr));
    }
    close(o[1]);
    close(e[1]);
    k8sc__buf b = K8SC__BUF_INIT;
    bool killed = false;
    char chunk[4096];
    ssize_t r;
    while ((r = read(o[0], chunk, sizeof(chunk))) > 0) {
        k8sc__buf_put(&b, chunk, (size_t)r);
        if (stop_at && strstr(b.ptr, stop_at)) {
            kill(pid, SIGKILL);
            killed = true;
            break;
        }
    }
    *err = slurp(e[0]);
    close(o[0]);
    close(e[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    *out = k8sc__buf_detach(&b, NULL);
    if (!*out)
        *out = strdup("");
    return killed || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

START_TEST(k8sctl_exec_attach_logs)
{
    char *out, *err;
    const char *echo[] = { "exec", "p", "--", "echo", "hi", NULL };
    ck_assert_int_eq(k8sctl(echo, &out, &err, NULL), 0);
    ck_assert_str_eq(out, "hi\n");
    free(out);
    free(err);
    const char *fail[] = { "exec", "p", "-c", "c", "--", "false", NULL };
    ck_assert_int_eq(k8sctl(fail, &out, &err, NULL), 1);
    ck_assert_str_eq(err, "command terminated with exit code 1\n");
    free(out);
    free(err);
    /* -it without a terminal: kubectl's warning, then a plain session. */
    const char *it[] = { "exec", "-it", "p", "--", "echo", "x", NULL };
    ck_assert_int_eq(k8sctl(it, &out, &err, NULL), 0);
    ck_assert_str_eq(out, "x\n");
    ck_assert_ptr_nonnull(strstr(err, "Unable to use a TTY"));
    free(out);
    free(err);
    const char *nopod[] = { "exec", "nope", "--", "true", NULL };
    ck_assert_int_eq(k8sctl(nopod, &out, &err, NULL), 1);
    ck_assert_msg(strstr(err, "pods \"nope\" not found"), "%s", err);
    free(out);
    free(err);
    const char *nocmd[] = { "exec", "p", NULL };
    ck_assert_int_eq(k8sctl(nocmd, &out, &err, NULL), 1);
    free(out);
    free(err);
    const char *attach[] = { "attach", "p", NULL };
    ck_assert_int_eq(k8sctl(attach, &out, &err, NULL), 0);
    ck_assert_str_eq(out, "started c\n");
    free(out);
    free(err);
    const char *since[] = { "logs", "p", "--since=1h", "--timestamps", NULL };
    ck_assert_int_eq(k8sctl(since, &out, &err, NULL), 0);
    ck_assert_msg(strstr(out, "Z started c\n"), "%s", out);
    free(out);
    free(err);
    const char *bad_since[] = { "logs", "p", "--since=soon", NULL };
    ck_assert_int_eq(k8sctl(bad_since, &out, &err, NULL), 1);
    ck_assert_ptr_nonnull(strstr(err, "invalid duration"));
    free(out);
    free(err);
    /* -f keeps streaming: the line written after the start arrives too. */
    FILE *lf = fopen(log_path, "a");
    fputs("2024-01-01T00:00:01Z stdout F later\n", lf);
    fclose(lf);
    const char *follow_args[] = { "logs", "-f", "p", NULL };
    ck_assert_int_eq(k8sctl(follow_args, &out, &err, "later\n"), -1);
    ck_assert_str_eq(out, "started c\nlater\n");
    free(out);
    free(err);
}
END_TEST

/* A step of a terminal session: once `wait` has shown up (after the previous step's), resize and/or type. */
typedef struct tty_step {
    const char *wait;
    unsigned short rows, cols; /* 0: no resize */
    const char *type;          /* NULL: nothing */
    bool hang_up;              /* then kill the program (a detach) */
} tty_step;

/*
 * Run kubectl (or with `ours` k8sctl's command line) with `args` on a
 * terminal of 24 rows and 80 columns, going through `steps`; its exit
 * code (-1 when killed after 20 s), everything it wrote in *out (caller
 * frees).
 */
static int kubectl_tty(bool ours, const char *const *args, const tty_step *steps, size_t n_steps, char **out)
{
    const char *argv[16] = { KUBECTL, "--kubeconfig", kubeconfig };
    size_t n = 3;
    for (; *args && n < 15; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    struct winsize ws = { 24, 80, 0, 0 };
    int master = -1;
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (ours)
            _exit(k8sc_cli_main((int)n, (char **)argv, stdout, stderr));
        execv(KUBECTL, (char *const *)argv);
        _exit(127);
    }
    k8sc__buf b = K8SC__BUF_INIT;
    size_t step = 0, seen = 0;
    int64_t deadline = k8sc_clock_mono(NULL) + 20 * 1000000000LL;
    bool killed = false;
    for (;;) {
        while (step < n_steps && b.ptr && strstr(b.ptr + seen, steps[step].wait)) {
            seen = (size_t)(strstr(b.ptr + seen, steps[step].wait) - b.ptr) + strlen(steps[step].wait);
            if (steps[step].rows) {
                struct winsize to = { steps[step].rows, steps[step].cols, 0, 0 };
                ck_assert_int_eq(ioctl(master, TIOCSWINSZ, &to), 0);
                /* The resize travels kubectl → API server → kubelet → runc before the next input (slow under TSan). */
                usleep(1000 * 1000);
            }
            if (steps[step].type)
                ck_assert_int_eq(write(master, steps[step].type, strlen(steps[step].type)),
                                 (ssize_t)strlen(steps[step].type));
            if (steps[step].hang_up)
                kill(pid, SIGKILL);
            step++;
        }
        int left = (int)((deadline - k8sc_clock_mono(NULL)) / 1000000);
        struct pollfd pf = { master, POLLIN, 0 };
        int ready = left > 0 ? poll(&pf, 1, left < 2000 ? left : 2000) : 0;
        if (ready == 0 && left > 2000) {
            /*
             * Nothing for 2 s after an Enter that was to bring up a prompt: as the
             * "try pressing enter" hint says, press it again (it may have reached
             * the shell before the attached output did).
             */
            if (step > 0 && steps[step - 1].type && strcmp(steps[step - 1].type, "\r") == 0 && step < n_steps)
                ck_assert_int_eq(write(master, "\r", 1), 1);
            continue;
        }
        if (ready <= 0) {
            kill(pid, SIGKILL);
            killed = true;
            break;
        }
        char chunk[4096];
        ssize_t r = read(master, chunk, sizeof(chunk));
        if (r <= 0)
            break; /* EIO: kubectl and everything on the terminal are gone */
        k8sc__buf_put(&b, chunk, (size_t)r);
    }
    close(master);
    int st = 0;
    waitpid(pid, &st, 0);
    *out = k8sc__buf_detach(&b, NULL);
    if (!*out)
        *out = strdup("");
    return killed || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static bool under_tsan(void)
{
#if defined(__SANITIZE_THREAD__)
    return true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
    return true;
#else
    return false;
#endif
#else
    return false;
#endif
}

START_TEST(kubectl_on_a_terminal)
{
    if (access(KUBECTL, X_OK) != 0) {
        fprintf(stderr, "skipping the kubectl terminal cases: %s is missing\n", KUBECTL);
        return;
    }
    char *s;
    /* exec -it: a terminal of the local one's size; a resize reaches it; the exit code comes back. */
    const char *exec_it[] = { "exec", "-it", "p", "--", "sh", "-c", "stty size; tty; read l; stty size; exit 3",
                              NULL };
    const tty_step exec_steps[] = { { "/dev/pts/", 0, 0, NULL, false }, { "\n", 30, 100, "\r", false } };
    ck_assert_int_eq(kubectl_tty(false, exec_it, exec_steps, 2, &s), 3);
    ck_assert_msg(strstr(s, "24 80\r\n/dev/pts/") && strstr(s, "30 100"), "%s", s);
    free(s);
    /*
     * The same with k8sctl. Its SIGWINCH handler does not run in this
     * forked child of a TSan-instrumented test, so there only the rest is checked.
     */
    ck_assert_int_eq(kubectl_tty(true, exec_it, exec_steps, 2, &s), 3);
    ck_assert_msg(strstr(s, "24 80\r\n/dev/pts/") && (under_tsan() || strstr(s, "30 100")) &&
                      strstr(s, "command terminated with exit code 3"),
                  "%s", s);
    free(s);
    /* attach -it to the container's shell: input goes in, output and the terminal's size come out. */
    const char *attach_it[] = { "attach", "-it", "p", NULL };
    const tty_step attach_steps[] = {
        { "try pressing enter", 0, 0, "\r", false },
        { "# ", 40, 120, "echo sum=$((6*7)); stty size\r", false },
        { "sum=42", 0, 0, "exit\r", false },
    };
    /* k8sctl first, detaching (killed) while the shell runs on: it sent its terminal's size, then the new one. */
    const tty_step detach[] = { { "try pressing enter", 0, 0, "\r", false },
                                { "# ", 0, 0, "stty size\r", false },
                                { "24 80", 33, 99, "stty size\r", under_tsan() },
                                { "33 99", 0, 0, NULL, true } };
    ck_assert_int_eq(kubectl_tty(true, attach_it, detach, under_tsan() ? 3 : 4, &s), -1);
    ck_assert_msg(strstr(s, "\r\n24 80\r\n") && (under_tsan() || strstr(s, "\r\n33 99\r\n")), "k8sctl attach -it: %s",
                  s);
    free(s);
    ck_assert_int_eq(kubectl_tty(false, attach_it, attach_steps, 3, &s), 0);
    ck_assert_msg(strstr(s, "sum=42") && strstr(s, "40 120"), "%s", s);
    free(s);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("podproxy");
    TCase *tc = tcase_create("podproxy");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, log_through_the_apiserver);
    tcase_add_test(tc, follow_until_kubelet_ends);
    tcase_add_test(tc, kubelet_down);
    tcase_add_test(tc, real_kubectl);
    tcase_add_test(tc, client_exec_and_attach);
    tcase_add_test(tc, k8sctl_exec_attach_logs);
    suite_add_tcase(s, tc);
    if (geteuid() == 0 && access("/bin/busybox", X_OK) == 0 &&
        (access("/usr/sbin/runc", X_OK) == 0 || access("/usr/bin/runc", X_OK) == 0)) {
        TCase *runc = tcase_create("runc");
        tcase_add_checked_fixture(runc, setup_runc, teardown);
        tcase_set_timeout(runc, 90);
        tcase_add_test(runc, kubectl_on_a_terminal);
        suite_add_tcase(s, runc);
    } else {
        fprintf(stderr, "check_podproxy: skipping the runc cases (they need root, runc and /bin/busybox)\n");
    }
    return k8sc_test_main(s);
}
