/*
 * pods/log and pods/exec through the API server to a node server over
 * the fake runtime: with libcurl, and with the real kubectl
 * (`kubectl logs`, `kubectl exec`) when /usr/bin/kubectl is there.
 */
#include "internal.h"
#include "kubelet/node_server.h"
#include "testutil.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <k8sc/apiserver.h>
#include <k8sc/runtime.h>
#include <k8sc/store.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define KUBECTL "/usr/bin/kubectl"

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

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/k8sc-podproxy-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(k8sc_runtime_open(&rt, "fake", NULL), 0);
    k8sc_runtime_pair labels[] = { { K8SC_LABEL_POD_NAME, "p" },
                                   { K8SC_LABEL_POD_NAMESPACE, "default" },
                                   { K8SC_LABEL_POD_UID, "u1" },
                                   { K8SC_LABEL_CONTAINER_NAME, "c" } };
    k8sc_sandbox_config sb = { .version = K8SC_SANDBOX_CONFIG_VERSION, .name = "p", .namespace_ = "default",
                               .uid = "u1", .log_directory = dir, .labels = labels, .n_labels = 3 };
    char *sid = NULL;
    ck_assert_int_eq(k8sc_runtime_run_sandbox(rt, &sid, &sb), 0);
    k8sc_container_config cc = { .version = K8SC_CONTAINER_CONFIG_VERSION, .name = "c", .image = "busybox",
                                 .log_path = "c/0.log", .labels = labels, .n_labels = 4 };
    ck_assert_int_eq(k8sc_runtime_create_container(rt, &cid, sid, &cc, &sb), 0);
    ck_assert_int_eq(k8sc_runtime_start_container(rt, cid), 0);
    free(sid);
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
    call("POST", "/api/v1/namespaces/default/pods", "application/json",
         "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"nodeName\":\"n1\","
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

static void teardown(void)
{
    k8sc_apiserver_free(api);
    k8sc_registry_free(registry);
    k8sc_store_close(store);
    k8sc__node_server_stop(node);
    k8sc_runtime_close(rt);
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
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
