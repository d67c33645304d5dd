/*
 * The API server over HTTPS, with certificates from the cluster's PKI: a
 * client that trusts the CA (from a kubeconfig's certificate-authority-data,
 * written by the cluster and read back by the client) gets through with its
 * token, one that trusts another CA or speaks plain HTTP does not; /cacerts
 * serves the CA to anyone; bad certificate and key files are refused with
 * their names; exec upgrades reach the kubelet through TLS (the library's
 * client, and the real kubectl when /usr/bin/kubectl is there).
 */
#include "cluster/cluster_internal.h"
#include "internal.h"
#include "kubelet/node_server.h"
#include "testutil.h"

#include <fcntl.h>
#include <k8sc/apiserver.h>
#include <k8sc/client.h>
#include <k8sc/runtime.h>
#include <k8sc/store.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KUBECTL "/usr/bin/kubectl"
#define TOKEN "tls-test-token-0123456789"

static char dir[64];
static k8sc_store *store;
static k8sc_registry *registry;
static k8sc_apiserver *api;
static k8sc__cluster_pki pki, other;

static char *path_in(const char *name)
{
    static char p[4][160];
    static int next;
    char *out = p[next++ % 4];
    snprintf(out, 160, "%s/%s", dir, name);
    return out;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* A PKI under dir/<sub>/pki for 127.0.0.1 and localhost. */
static void make_pki(k8sc__cluster_pki *out, const char *sub)
{
    char *d = path_in(sub);
    ck_assert_int_eq(mkdir(d, 0700), 0);
    const char *ips[] = { "127.0.0.1", NULL }, *names[] = { "localhost", NULL };
    ck_assert_msg(k8sc__cluster_pki_setup(out, d, ips, names) == 0, "%s", k8sc_error_last());
}

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/check_apiserver_tls.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    make_pki(&pki, "server");
    make_pki(&other, "other");
    write_text(path_in("tokens.csv"), TOKEN ",admin,admin,system:masters\n");
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    ck_assert_int_eq(k8sc_registry_new(&registry), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = store;
    o.registry = registry;
    o.token_file = path_in("tokens.csv");
    o.tls_cert_file = pki.cert_file;
    o.tls_key_file = pki.key_file;
    o.tls_ca_file = pki.ca_file;
    ck_assert_msg(k8sc_apiserver_new(&api, &o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_apiserver_start(api) == 0, "%s", k8sc_error_last());
}

static void teardown(void)
{
    k8sc_apiserver_free(api);
    api = NULL;
    k8sc_registry_free(registry);
    k8sc_store_close(store);
    k8sc__cluster_pki_clear(&pki);
    k8sc__cluster_pki_clear(&other);
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Write dir/<name> as the cluster writes kubeconfigs: `url`'s host, the server's port, `ca_pem`, `token`. */
static char *kubeconfig(const char *name, const char *scheme_host, const char *ca_pem, const char *token)
{
    char server[128];
    snprintf(server, sizeof(server), "%s:%d", scheme_host, k8sc_apiserver_port(api));
    char *path = path_in(name);
    ck_assert_msg(k8sc__cluster_write_kubeconfig(path, server, token, ca_pem) == 0, "%s", k8sc_error_last());
    return path;
}

/* A client from a kubeconfig file, without retries. */
static k8sc_client *client_from(const char *path)
{
    k8sc_client_options o = K8SC_CLIENT_OPTIONS_INIT;
    o.kubeconfig = path;
    o.max_retries = -1;
    o.timeout_ms = 5000;
    k8sc_client *c = NULL;
    ck_assert_msg(k8sc_client_new(&c, &o) == 0, "%s", k8sc_error_last());
    return c;
}

static int get_default(k8sc_client *c)
{
    k8sc_object *ns = NULL;
    int rc = k8sc_client_get(&ns, c, "v1", "Namespace", "", "default");
    k8sc_object_free(ns);
    return rc;
}

/* Run kubectl with `args`; its exit code (-1 when killed after 20 s), stdout and stderr in *out (caller frees). */
static int kubectl(const char *kc, const char *const *args, char **out)
{
    int p[2];
    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    const char *argv[16] = { KUBECTL, "--kubeconfig", kc };
    size_t n = 3;
    for (; *args && n < 15; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        execv(KUBECTL, (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    k8sc__buf b = K8SC__BUF_INIT;
    int64_t deadline = k8sc_clock_mono(NULL) + 20 * 1000000000LL;
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

START_TEST(test_kubeconfig_round_trip)
{
    /* What the cluster writes, the client reads back: the https server, the CA and the token. */
    char kc[160];
    snprintf(kc, sizeof(kc), "%s", kubeconfig("admin.conf", "https://127.0.0.1", pki.ca_pem, TOKEN));
    k8sc_kubeconfig *k = NULL;
    ck_assert_msg(k8sc_kubeconfig_load(&k, kc) == 0, "%s", k8sc_error_last());
    k8sc_client_config *cfg = NULL;
    ck_assert_msg(k8sc_client_config_from_kubeconfig(&cfg, k, NULL) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(k8sc_client_config_ca(cfg), pki.ca_pem);
    ck_assert(strncmp(k8sc_client_config_server(cfg), "https://127.0.0.1:", 18) == 0);
    ck_assert(!k8sc_client_config_insecure(cfg));
    char *token = NULL;
    ck_assert_int_eq(k8sc_client_config_token(&token, cfg), 0);
    ck_assert_str_eq(token, TOKEN);
    k8sc_free(token);
    k8sc_client_config_free(cfg);
    k8sc_kubeconfig_free(k);

    k8sc_client *c = client_from(kc);
    ck_assert_msg(get_default(c) == 0, "%s", k8sc_error_last());
    k8sc_client_free(c);
    /* The certificate names localhost too. */
    c = client_from(kubeconfig("localhost.conf", "https://localhost", pki.ca_pem, TOKEN));
    ck_assert_msg(get_default(c) == 0, "%s", k8sc_error_last());
    k8sc_client_free(c);
    /* Over TLS the token is still required. */
    c = client_from(kubeconfig("anon.conf", "https://127.0.0.1", pki.ca_pem, NULL));
    ck_assert_int_eq(get_default(c), K8SC_EUNAUTHORIZED);
    k8sc_client_free(c);

    /* client-go sends the bearer token only over TLS: the real kubectl gets through with the kubeconfig alone. */
    if (access(KUBECTL, X_OK) != 0) {
        fprintf(stderr, "skipping the kubectl case: %s is missing\n", KUBECTL);
        return;
    }
    char *out = NULL;
    const char *get[] = { "get", "namespace", "default", "-o", "name", NULL };
    ck_assert_msg(kubectl(kc, get, &out) == 0, "%s", out);
    ck_assert_str_eq(out, "namespace/default\n");
    free(out);
}
END_TEST

START_TEST(test_wrong_ca)
{
    k8sc_client *c = client_from(kubeconfig("other.conf", "https://127.0.0.1", other.ca_pem, TOKEN));
    ck_assert_int_lt(get_default(c), 0);
    ck_assert_msg(strstr(k8sc_error_last(), "certificate"), "%s", k8sc_error_last());
    k8sc_client_free(c);
    /* Plain HTTP to the HTTPS port fails; it does not hang. */
    c = client_from(kubeconfig("plain.conf", "http://127.0.0.1", NULL, TOKEN));
    ck_assert_int_lt(get_default(c), 0);
    k8sc_client_free(c);
    if (access(KUBECTL, X_OK) != 0)
        return;
    char *out = NULL;
    const char *get[] = { "get", "namespace", "default", NULL };
    ck_assert_int_ne(kubectl(path_in("other.conf"), get, &out), 0);
    ck_assert_msg(strstr(out, "certificate signed by unknown authority"), "%s", out);
    free(out);
}
END_TEST

START_TEST(test_cacerts)
{
    /* Anyone may fetch the CA (the client checks the server with the CA here; a joining agent, with a hash). */
    k8sc_client *c = client_from(kubeconfig("anon.conf", "https://127.0.0.1", pki.ca_pem, NULL));
    char *body = NULL;
    int status = 0;
    ck_assert_msg(k8sc_client_request(&body, &status, c, "GET", "/cacerts", NULL, NULL, 0) == 0, "%s",
                  k8sc_error_last());
    ck_assert_int_eq(status, 200);
    ck_assert_str_eq(body, pki.ca_pem);
    k8sc_free(body);
    body = NULL;
    ck_assert_int_lt(k8sc_client_request(&body, &status, c, "POST", "/cacerts", "text/plain", "x", 1), 0);
    ck_assert_int_eq(status, 405);
    k8sc_free(body);
    k8sc_client_free(c);

    /* Without a CA file there is no /cacerts: an ordinary path, behind the token. */
    k8sc_apiserver *bare = NULL;
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = store;
    o.registry = registry;
    o.tls_cert_file = pki.cert_file;
    o.tls_key_file = pki.key_file;
    ck_assert_msg(k8sc_apiserver_new(&bare, &o) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(k8sc_apiserver_start(bare), 0);
    char server[64];
    snprintf(server, sizeof(server), "https://127.0.0.1:%d", k8sc_apiserver_port(bare));
    ck_assert_int_eq(k8sc__cluster_write_kubeconfig(path_in("bare.conf"), server, NULL, pki.ca_pem), 0);
    c = client_from(path_in("bare.conf"));
    body = NULL;
    ck_assert_int_eq(k8sc_client_request(&body, &status, c, "GET", "/cacerts", NULL, NULL, 0), K8SC_ENOTFOUND);
    k8sc_free(body);
    k8sc_client_free(c);
    k8sc_apiserver_free(bare);
}
END_TEST

/* The key of `pki` encrypted with a passphrase, into dir/encrypted.key. */
static char *encrypted_key(void)
{
    FILE *in = fopen(pki.key_file, "r");
    ck_assert_ptr_nonnull(in);
    EVP_PKEY *key = PEM_read_PrivateKey(in, NULL, NULL, NULL);
    fclose(in);
    ck_assert_ptr_nonnull(key);
    char *path = path_in("encrypted.key");
    FILE *out = fopen(path, "w");
    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(PEM_write_PrivateKey(out, key, EVP_aes_128_cbc(), (unsigned char *)"secret", 6, NULL, NULL), 1);
    fclose(out);
    EVP_PKEY_free(key);
    return path;
}

START_TEST(test_bad_files)
{
    write_text(path_in("garbage.pem"), "not a certificate\n");
    char enc[160];
    snprintf(enc, sizeof(enc), "%s", encrypted_key());
    char *missing = strdup(path_in("missing.pem")), *garbage = strdup(path_in("garbage.pem"));
    /* Each case: the files given, the error, words of its message and the file it names (NULL: none). */
    const struct {
        const char *cert, *key, *ca;
        int rc;
        const char *message, *named;
    } cases[] = {
        { missing, pki.key_file, NULL, K8SC_EIO, "TLS certificate file: cannot read", missing },
        { pki.cert_file, missing, NULL, K8SC_EIO, "TLS private key file: cannot read", missing },
        { garbage, pki.key_file, NULL, K8SC_EINVAL, "no PEM certificate in it", garbage },
        { pki.key_file, pki.key_file, NULL, K8SC_EINVAL, "no PEM certificate in it", pki.key_file },
        { pki.cert_file, garbage, NULL, K8SC_EINVAL, "no unencrypted PEM private key in it", garbage },
        { pki.cert_file, enc, NULL, K8SC_EINVAL, "no unencrypted PEM private key in it", enc },
        { pki.cert_file, other.key_file, NULL, K8SC_EINVAL, "not the key of the certificate in", other.key_file },
        { pki.cert_file, NULL, NULL, K8SC_EINVAL, "both a certificate file and a private key file", NULL },
        { NULL, pki.key_file, NULL, K8SC_EINVAL, "both a certificate file and a private key file", NULL },
        { NULL, NULL, pki.ca_file, K8SC_EINVAL, "only over TLS", pki.ca_file },
        { pki.cert_file, pki.key_file, garbage, K8SC_EINVAL, "CA file ", garbage },
        { pki.cert_file, pki.key_file, missing, K8SC_EIO, "CA file: cannot read", missing },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
        o.listen = "127.0.0.1:0";
        o.store = store;
        o.registry = registry;
        o.tls_cert_file = cases[i].cert;
        o.tls_key_file = cases[i].key;
        o.tls_ca_file = cases[i].ca;
        k8sc_apiserver *s = NULL;
        ck_assert_int_eq(k8sc_apiserver_new(&s, &o), cases[i].rc);
        ck_assert_ptr_null(s);
        const char *msg = k8sc_error_last();
        ck_assert_msg(strstr(msg, cases[i].message), "%zu: %s", i, msg);
        ck_assert_msg(!cases[i].named || strstr(msg, cases[i].named), "%zu: %s does not name %s", i, msg,
                      cases[i].named);
    }
    free(missing);
    free(garbage);
}
END_TEST

START_TEST(test_options_version_2)
{
    /* A version-2 caller's structure ends before tls_cert_file: plain HTTP, nothing read past it. */
    k8sc_apiserver_options full;
    ck_assert_int_eq(k8sc_apiserver_options_init(&full, 2), 0);
    ck_assert_uint_eq(full.version, 2);
    full.listen = "127.0.0.1:0";
    full.store = store;
    full.registry = registry;
    size_t v2_size = offsetof(k8sc_apiserver_options, tls_cert_file);
    unsigned char *v2 = malloc(v2_size);
    memcpy(v2, &full, v2_size);
    k8sc_apiserver *s = NULL;
    ck_assert_msg(k8sc_apiserver_new(&s, (const k8sc_apiserver_options *)(void *)v2) == 0, "%s", k8sc_error_last());
    free(v2);
    ck_assert_int_eq(k8sc_apiserver_start(s), 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", k8sc_apiserver_port(s));
    k8sc_client_config *cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, url), 0);
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    co.config = cfg;
    k8sc_client *c = NULL;
    ck_assert_int_eq(k8sc_client_new(&c, &co), 0);
    ck_assert_msg(get_default(c) == 0, "%s", k8sc_error_last());
    k8sc_client_free(c);
    k8sc_client_config_free(cfg);
    k8sc_apiserver_free(s);
    k8sc_apiserver_options o;
    ck_assert_int_eq(k8sc_apiserver_options_init(&o, K8SC_APISERVER_OPTIONS_VERSION + 1), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_apiserver_options_init(&o, K8SC_APISERVER_OPTIONS_VERSION), 0);
    ck_assert_ptr_null(o.tls_cert_file);
    ck_assert_ptr_null(o.tls_ca_file);
}
END_TEST

/* The fake runtime's pod default/p with container c, and a node server for it. */
static k8sc_runtime *rt;
static k8sc__node_server *node;
static char *sandbox_id, *cid;

static int lookup(void *userdata, const char *ns, const char *pod, const char *container, bool previous,
                  char **container_id, char **path)
{
    (void)userdata;
    (void)container;
    if (strcmp(ns, "default") != 0 || strcmp(pod, "p") != 0 || previous)
        return k8sc_error_set(K8SC_ENOTFOUND, "pod \"%s\" not found", pod);
    *container_id = strdup(cid);
    *path = strdup(path_in("c/0.log"));
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

static void start_pod(void)
{
    ck_assert_int_eq(k8sc_runtime_open(&rt, "fake", NULL), 0);
    k8sc_runtime_pair labels[] = { { K8SC_LABEL_POD_NAME, "p" },
                                   { K8SC_LABEL_POD_NAMESPACE, "default" },
                                   { K8SC_LABEL_POD_UID, "u1" },
                                   { K8SC_LABEL_CONTAINER_NAME, "c" } };
    k8sc_sandbox_config sb = { .version = K8SC_SANDBOX_CONFIG_VERSION, .name = "p", .namespace_ = "default",
                               .uid = "u1", .log_directory = dir, .labels = labels, .n_labels = 3 };
    ck_assert_msg(k8sc_runtime_run_sandbox(rt, &sandbox_id, &sb) == 0, "%s", k8sc_error_last());
    k8sc_container_config cc = { .version = K8SC_CONTAINER_CONFIG_VERSION, .name = "c", .image = "busybox",
                                 .log_path = "c/0.log", .labels = labels, .n_labels = 4 };
    ck_assert_msg(k8sc_runtime_create_container(rt, &cid, sandbox_id, &cc, &sb) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_runtime_start_container(rt, cid) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc__node_server_start(&node, "127.0.0.1", 0, rt, lookup, NULL) == 0, "%s", k8sc_error_last());
    call("POST", "/api/v1/nodes", "application/json",
         "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\"}}", 201);
    char status[512];
    snprintf(status, sizeof(status),
             "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"}],"
             "\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":%u}}}}",
             (unsigned)k8sc__node_server_port(node));
    call("PATCH", "/api/v1/nodes/n1/status", "application/merge-patch+json", status, 200);
    call("POST", "/api/v1/namespaces/default/pods", "application/json",
         "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"nodeName\":\"n1\","
         "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
         201);
}

static void stop_pod(void)
{
    k8sc__node_server_stop(node);
    k8sc_runtime_stop_sandbox(rt, sandbox_id);
    k8sc_runtime_remove_sandbox(rt, sandbox_id);
    k8sc_runtime_close(rt);
    free(sandbox_id);
    free(cid);
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

START_TEST(test_exec_over_tls)
{
    start_pod();
    char kc[160];
    snprintf(kc, sizeof(kc), "%s", kubeconfig("admin.conf", "https://127.0.0.1", pki.ca_pem, TOKEN));
    k8sc_client *c = client_from(kc);
    int out[2];
    ck_assert_int_eq(pipe(out), 0);
    k8sc_client_stream_options so;
    ck_assert_int_eq(k8sc_client_stream_options_init(&so, K8SC_CLIENT_STREAM_OPTIONS_VERSION), 0);
    so.stdout_fd = out[1];
    const char *echo[] = { "echo", "over", "tls" };
    int code = -1;
    /* Twice: the first relay's connection is handed back and the second one works the same. */
    for (int i = 0; i < 2; i++) {
        ck_assert_msg(k8sc_client_exec(&code, c, NULL, "p", echo, 3, &so) == 0, "%s", k8sc_error_last());
        ck_assert_int_eq(code, 0);
    }
    close(out[1]);
    char *text = slurp(out[0]);
    ck_assert_str_eq(text, "over tls\nover tls\n");
    free(text);
    close(out[0]);
    k8sc_client_free(c);
    if (access(KUBECTL, X_OK) != 0) {
        fprintf(stderr, "skipping the kubectl case: %s is missing\n", KUBECTL);
        stop_pod();
        return;
    }
    char *s = NULL;
    const char *kexec[] = { "exec", "p", "--", "echo", "hi", "there", NULL };
    ck_assert_msg(kubectl(kc, kexec, &s) == 0, "%s", s);
    ck_assert_str_eq(s, "hi there\n");
    free(s);
    const char *fail[] = { "exec", "p", "--", "false", NULL };
    ck_assert_int_eq(kubectl(kc, fail, &s), 1);
    free(s);
    const char *logs[] = { "logs", "p", NULL };
    ck_assert_msg(kubectl(kc, logs, &s) == 0, "%s", s);
    ck_assert_str_eq(s, "started c\n");
    free(s);
    stop_pod();
}
END_TEST

typedef struct attach_session {
    k8sc_client *client;
    int stdin_fd, stdout_fd;
    int rc;
} attach_session;

static void *attach_thread(void *arg)
{
    attach_session *a = arg;
    k8sc_client_stream_options so;
    k8sc_client_stream_options_init(&so, K8SC_CLIENT_STREAM_OPTIONS_VERSION);
    so.stdin_fd = a->stdin_fd;
    so.stdout_fd = a->stdout_fd;
    a->rc = k8sc_client_attach(a->client, NULL, "p", &so);
    close(a->stdout_fd);
    return NULL;
}

/* Stopping the server while a session is open ends it, promptly: the relay hands its connection back first. */
START_TEST(test_stop_during_attach)
{
    start_pod();
    int in[2], out[2];
    ck_assert_int_eq(pipe(in), 0);
    ck_assert_int_eq(pipe(out), 0);
    /* The fake container's attach echoes stdin for as long as it stays open. */
    attach_session a = { client_from(kubeconfig("admin.conf", "https://127.0.0.1", pki.ca_pem, TOKEN)), in[0], out[1],
                         1 };
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, attach_thread, &a), 0);
    ck_assert_int_eq(write(in[1], "first\n", 6), 6);
    char buf[64] = "";
    struct pollfd pf = { out[0], POLLIN, 0 };
    ck_assert_int_eq(poll(&pf, 1, 10000), 1);
    ck_assert_int_gt(read(out[0], buf, sizeof(buf) - 1), 0);
    ck_assert_str_eq(buf, "first\n");
    int64_t t0 = k8sc_clock_mono(NULL);
    k8sc_apiserver_stop(api);
    ck_assert_int_lt(k8sc_clock_mono(NULL) - t0, 5 * 1000000000LL);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;
    ck_assert_msg(pthread_timedjoin_np(t, NULL, &deadline) == 0, "the session outlived the server");
    ck_assert_int_ne(a.rc, 1);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    k8sc_client_free(a.client);
    stop_pod();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("apiserver_tls");
    TCase *tc = tcase_create("tls");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_kubeconfig_round_trip);
    tcase_add_test(tc, test_wrong_ca);
    tcase_add_test(tc, test_cacerts);
    tcase_add_test(tc, test_bad_files);
    tcase_add_test(tc, test_options_version_2);
    tcase_add_test(tc, test_exec_over_tls);
    tcase_add_test(tc, test_stop_during_attach);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
