/*
 * The cluster module's roles: a server (control plane with a join token
 * that its API requires over HTTP) and agents (nodes on the fake runtime)
 * that join it, get their podCIDRs and run the pods bound to them; the
 * options' versions and the errors of bad options, wrong tokens and an
 * unreachable server.
 */
#include "cluster/cluster_internal.h"
#include "k8sc/client.h"
#include "k8sc/cluster.h"
#include "k8sc/core.h"
#include "testutil.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char root[] = "/tmp/check_cluster.XXXXXX";

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    ck_assert_int_eq(system(cmd), 0);
    strcpy(root, "/tmp/check_cluster.XXXXXX");
}

static char *path_of(const char *name)
{
    static char p[4][512];
    static int next;
    char *out = p[next++ % 4];
    snprintf(out, 512, "%s/%s", root, name);
    return out;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s", path);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static k8sc_cluster *start_server(const char *token)
{
    k8sc_cluster_options o = K8SC_CLUSTER_OPTIONS_INIT;
    o.role = K8SC_CLUSTER_ROLE_SERVER;
    o.data_dir = path_of("server");
    o.listen = "127.0.0.1:0";
    o.token = token;
    k8sc_cluster *c = NULL;
    ck_assert_msg(k8sc_cluster_up(&c, &o) == 0, "%s", k8sc_error_last());
    return c;
}

static int start_agent(k8sc_cluster **out, const k8sc_cluster *server, const char *name, const char *token)
{
    k8sc_cluster_options o = K8SC_CLUSTER_OPTIONS_INIT;
    o.role = K8SC_CLUSTER_ROLE_AGENT;
    o.data_dir = path_of(name);
    o.server_url = server ? k8sc_cluster_server(server) : "http://127.0.0.1:1";
    o.token = token;
    o.node_name = name;
    o.runtime = "fake";
    o.ready_timeout_ms = 30000;
    return k8sc_cluster_up(out, &o);
}

/* A client through a kubeconfig (NULL: the server's URL with no credentials). */
static k8sc_client *client_of(const char *kubeconfig, const char *url)
{
    k8sc_client_options o = K8SC_CLIENT_OPTIONS_INIT;
    k8sc_client_config *cfg = NULL;
    if (url) {
        ck_assert_int_eq(k8sc_client_config_from_url(&cfg, url), 0);
        o.config = cfg;
    }
    o.kubeconfig = kubeconfig;
    o.max_retries = -1;
    k8sc_client *c = NULL;
    ck_assert_msg(k8sc_client_new(&c, &o) == 0, "%s", k8sc_error_last());
    k8sc_client_config_free(cfg);
    return c;
}

/*
 * Wait up to 60 s for `path` of an object to equal `want` (a controller
 * manager starting its informers over TLS under TSan on a loaded machine
 * once took more than 20 s).
 */
static bool eventually(k8sc_client *c, const char *kind, const char *ns, const char *name, const char *path,
                       const char *want)
{
    char last[256] = "";
    for (int i = 0; i < 600; i++) {
        k8sc_object *o = NULL;
        const char *v = NULL;
        if (k8sc_client_get(&o, c, "v1", kind, ns, name) == 0) {
            v = k8sc_object_get_string(o, path);
            snprintf(last, sizeof(last), "%s", v ? v : "(unset)");
        } else {
            snprintf(last, sizeof(last), "error: %s", k8sc_error_last());
        }
        bool ok = v && strcmp(v, want) == 0;
        k8sc_object_free(o);
        if (ok)
            return true;
        struct timespec ts = { 0, 100 * 1000000L };
        nanosleep(&ts, NULL);
    }
    /* Say what was there instead, so that a failure in CI explains itself. */
    fprintf(stderr, "%s %s/%s %s: want %s, last %s\n", kind, ns, name, path, want, last);
    return false;
}

static void create_pod(k8sc_client *c, const char *name, const char *placement)
{
    char json[512];
    snprintf(json, sizeof(json),
             "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\"},"
             "\"spec\":{%s,\"containers\":[{\"name\":\"c\",\"image\":\"busybox:1.36\"}]}}",
             name, placement);
    k8sc_object *pod = NULL;
    ck_assert_int_eq(k8sc_object_from_json(&pod, json, strlen(json)), 0);
    ck_assert_msg(k8sc_client_create(NULL, c, pod) == 0, "%s", k8sc_error_last());
    k8sc_object_free(pod);
}

START_TEST(test_options_versions)
{
    k8sc_cluster_options o;
    ck_assert_int_eq(k8sc_cluster_options_init(&o, K8SC_CLUSTER_OPTIONS_VERSION), 0);
    ck_assert_int_eq(o.role, K8SC_CLUSTER_ROLE_ALL);
    ck_assert_ptr_null(o.server_url);
    ck_assert_int_eq(k8sc_cluster_options_init(&o, K8SC_CLUSTER_OPTIONS_VERSION + 1), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_cluster_options_init(NULL, 2), K8SC_EINVAL);
    /* A version-1 caller's structure ends before `role`: nothing is read past it. */
    size_t v1_size = offsetof(k8sc_cluster_options, role);
    k8sc_cluster_options full;
    ck_assert_int_eq(k8sc_cluster_options_init(&full, 1), 0);
    ck_assert_uint_eq(full.version, 1);
    /* Exactly the version-1 size, so a sanitizer sees any read past it. */
    unsigned char *v1 = malloc(v1_size);
    memcpy(v1, &full, v1_size);
    k8sc_cluster *c = NULL;
    ck_assert_int_eq(k8sc_cluster_up(&c, (const k8sc_cluster_options *)(void *)v1), K8SC_EINVAL);
    ck_assert_msg(strstr(k8sc_error_last(), "data directory is required"), "%s", k8sc_error_last());
    free(v1);
    o.version = 9;
    ck_assert_int_eq(k8sc_cluster_up(&c, &o), K8SC_EINVAL);
    ck_assert_ptr_null(c);
    ck_assert_ptr_null(k8sc_cluster_token(NULL));
}
END_TEST

START_TEST(test_bad_options)
{
    static const struct {
        k8sc_cluster_role role;
        const char *server, *token;
        int kubelet_port;
        const char *message;
    } cases[] = {
        { K8SC_CLUSTER_ROLE_AGENT, NULL, "0123456789abcdef", 0, "needs its server's URL" },
        { K8SC_CLUSTER_ROLE_AGENT, "", "0123456789abcdef", 0, "needs its server's URL" },
        { K8SC_CLUSTER_ROLE_AGENT, "http://127.0.0.1:1", NULL, 0, "needs the server's join token" },
        { K8SC_CLUSTER_ROLE_AGENT, "http://127.0.0.1:1", "short", 0, "16 to 128 characters, not 5" },
        { K8SC_CLUSTER_ROLE_SERVER, NULL, "0123456789abcdef,user", 0, "only letters, digits" },
        { K8SC_CLUSTER_ROLE_SERVER, NULL, "0123456789abcdef\nx", 0, "only letters, digits" },
        { K8SC_CLUSTER_ROLE_AGENT, "http://127.0.0.1:1", "0123456789abcdef", 70000, "invalid kubelet port 70000" },
        { (k8sc_cluster_role)9, NULL, NULL, 0, "unknown role 9" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        k8sc_cluster_options o = K8SC_CLUSTER_OPTIONS_INIT;
        o.data_dir = path_of("bad");
        o.role = cases[i].role;
        o.server_url = cases[i].server;
        o.token = cases[i].token;
        o.kubelet_port = cases[i].kubelet_port;
        k8sc_cluster *c = NULL;
        ck_assert_int_eq(k8sc_cluster_up(&c, &o), K8SC_EINVAL);
        ck_assert_ptr_null(c);
        ck_assert_msg(strstr(k8sc_error_last(), cases[i].message), "%zu: %s", i, k8sc_error_last());
    }
    /* Nothing was made for options that fail the checks. */
    struct stat st;
    ck_assert_int_ne(stat(path_of("bad"), &st), 0);
}
END_TEST

START_TEST(test_server_token)
{
    k8sc_cluster *server = start_server(NULL);
    const char *token = k8sc_cluster_token(server);
    ck_assert_ptr_nonnull(token);
    /* K10<64 hex digits of the CA's hash>::<48 hex digits of secret> */
    ck_assert_uint_eq(strlen(token), 3 + 64 + 2 + 48);
    ck_assert(strncmp(token, "K10", 3) == 0 && strncmp(token + 67, "::", 2) == 0);
    const char *secret = token + 69;
    char want[256];
    snprintf(want, sizeof(want), "%s\n", token);
    ck_assert_str_eq(slurp(path_of("server/token")), want);
    struct stat st;
    ck_assert_int_eq(stat(path_of("server/token"), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(stat(path_of("server/tokens.csv"), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    snprintf(want, sizeof(want), "%s,k8sc-admin,k8sc-admin,system:masters\n", secret);
    ck_assert_str_eq(slurp(path_of("server/tokens.csv")), want);
    ck_assert_int_eq(stat(path_of("server/kubeconfig"), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    snprintf(want, sizeof(want), "token: %s\n", secret);
    ck_assert_msg(strstr(slurp(path_of("server/kubeconfig")), want), "%s", slurp(path_of("server/kubeconfig")));
    ck_assert_str_eq(k8sc_cluster_kubeconfig(server), path_of("server/kubeconfig"));
    ck_assert(strncmp(k8sc_cluster_server(server), "https://127.0.0.1:", 18) == 0);

    /* The API needs the token; the kubeconfig has it (and the CA: the same kubeconfig without the token is refused). */
    ck_assert_int_eq(k8sc__cluster_write_kubeconfig(path_of("anon.conf"), k8sc_cluster_server(server), NULL,
                                                    slurp(path_of("server/pki/ca.crt"))), 0);
    k8sc_client *anon = client_of(path_of("anon.conf"), NULL);
    k8sc_object *ns = NULL;
    ck_assert_int_eq(k8sc_client_get(&ns, anon, "v1", "Namespace", "", "default"), K8SC_EUNAUTHORIZED);
    k8sc_client_free(anon);
    k8sc_client *admin = client_of(path_of("server/kubeconfig"), NULL);
    ck_assert_msg(k8sc_client_get(&ns, admin, "v1", "Namespace", "", "default") == 0, "%s", k8sc_error_last());
    k8sc_object_free(ns);
    /* On loopback there is no cluster DNS: no pod could reach it. */
    k8sc_object *svc = NULL;
    ck_assert_int_eq(k8sc_client_get(&svc, admin, "v1", "Service", "kube-system", "kube-dns"), K8SC_ENOTFOUND);
    k8sc_client_free(admin);

    /* Started again, the server keeps its token; a given one replaces it. */
    char first[256];
    snprintf(first, sizeof(first), "%s", token);
    k8sc_cluster_stop(server, 0);
    server = start_server(NULL);
    ck_assert_str_eq(k8sc_cluster_token(server), first);
    k8sc_cluster_stop(server, 0);
    server = start_server("my.own-token_0123");
    snprintf(want, sizeof(want), "%.69smy.own-token_0123", first);
    ck_assert_str_eq(k8sc_cluster_token(server), want);
    strcat(want, "\n");
    ck_assert_str_eq(slurp(path_of("server/token")), want);
    k8sc_cluster_stop(server, 0);

    /* A damaged token file is an error, not a new token behind the agents' back. */
    FILE *f = fopen(path_of("server/token"), "w");
    fputs("bad,token\n", f);
    fclose(f);
    k8sc_cluster_options o = K8SC_CLUSTER_OPTIONS_INIT;
    o.role = K8SC_CLUSTER_ROLE_SERVER;
    o.data_dir = path_of("server");
    o.listen = "127.0.0.1:0";
    ck_assert_int_eq(k8sc_cluster_up(&server, &o), K8SC_EINVAL);
    ck_assert_msg(strstr(k8sc_error_last(), "server/token"), "%s", k8sc_error_last());
    ck_assert_int_eq(k8sc_cluster_delete(path_of("server"), 5000), 0);
    ck_assert_int_ne(stat(path_of("server"), &st), 0);
}
END_TEST

START_TEST(test_server_store)
{
    /* The store is the one named (as etcd:// would be for several servers), not sqlite in the directory. */
    k8sc_cluster_options o = K8SC_CLUSTER_OPTIONS_INIT;
    o.role = K8SC_CLUSTER_ROLE_SERVER;
    o.data_dir = path_of("server");
    o.listen = "127.0.0.1:0";
    o.store_url = "memory://";
    k8sc_cluster *server = NULL;
    ck_assert_msg(k8sc_cluster_up(&server, &o) == 0, "%s", k8sc_error_last());
    struct stat st;
    ck_assert_int_ne(stat(path_of("server/k8sc.db"), &st), 0);
    k8sc_cluster_stop(server, 0);
    o.store_url = "nosuch://x";
    ck_assert_int_eq(k8sc_cluster_up(&server, &o), K8SC_EINVAL);
    ck_assert_msg(strstr(k8sc_error_last(), "store nosuch://x"), "%s", k8sc_error_last());
    /* An address taken: the second server says which. */
    o.store_url = NULL;
    o.listen = "127.0.0.1:0";
    server = start_server(NULL);
    char listen[64];
    snprintf(listen, sizeof(listen), "%s", k8sc_cluster_server(server) + strlen("https://"));
    k8sc_cluster *other = NULL;
    o.data_dir = path_of("other");
    o.listen = listen;
    ck_assert_int_eq(k8sc_cluster_up(&other, &o), K8SC_EIO);
    ck_assert_msg(strstr(k8sc_error_last(), listen), "%s", k8sc_error_last());
    k8sc_cluster_stop(server, 0);
}
END_TEST

START_TEST(test_agents_join)
{
    k8sc_cluster *server = start_server(NULL);
    const char *token = k8sc_cluster_token(server);
    k8sc_cluster *a1 = NULL, *a2 = NULL;
    ck_assert_msg(start_agent(&a1, server, "node-a", token) == 0, "%s", k8sc_error_last());
    k8sc_client *c = client_of(path_of("server/kubeconfig"), NULL);
    ck_assert(eventually(c, "Node", "", "node-a", "spec.podCIDR", "10.244.0.0/24"));
    ck_assert_msg(start_agent(&a2, server, "node-b", token) == 0, "%s", k8sc_error_last());
    ck_assert(eventually(c, "Node", "", "node-b", "spec.podCIDR", "10.244.1.0/24"));
    /* An agent's kubeconfig names its server and carries the token's secret. */
    ck_assert_str_eq(k8sc_cluster_server(a1), k8sc_cluster_server(server));
    char want[256];
    snprintf(want, sizeof(want), "token: %s\n", strstr(token, "::") + 2);
    ck_assert(strstr(slurp(path_of("node-a/kubeconfig")), want));
    ck_assert_ptr_null(k8sc_cluster_token(a1));

    /* Pods land on the node they are pinned to, by name or by selector, and run there. */
    create_pod(c, "on-b", "\"nodeName\":\"node-b\"");
    create_pod(c, "on-a", "\"nodeSelector\":{\"kubernetes.io/hostname\":\"node-a\"}");
    ck_assert(eventually(c, "Pod", "default", "on-b", "status.phase", "Running"));
    ck_assert(eventually(c, "Pod", "default", "on-a", "status.phase", "Running"));
    ck_assert(eventually(c, "Pod", "default", "on-a", "spec.nodeName", "node-a"));

    /* An agent stopped and deleted; its node stays registered (as a kubelet that left). */
    k8sc_cluster_stop(a2, 0);
    ck_assert_int_eq(k8sc_cluster_delete(path_of("node-b"), 5000), 0);
    k8sc_cluster_stop(a1, 0);
    k8sc_client_free(c);
    k8sc_cluster_stop(server, 0);
}
END_TEST

START_TEST(test_agent_refused)
{
    k8sc_cluster *server = start_server(NULL);
    k8sc_cluster *a = NULL;
    char wrong[256];
    snprintf(wrong, sizeof(wrong), "%.69s0123456789abcdef-wrong", k8sc_cluster_token(server));
    ck_assert_int_eq(start_agent(&a, server, "node-x", wrong), K8SC_EUNAUTHORIZED);
    ck_assert_ptr_null(a);
    char want[128];
    snprintf(want, sizeof(want), "joining %s", k8sc_cluster_server(server));
    ck_assert_msg(strstr(k8sc_error_last(), want), "%s", k8sc_error_last());
    /* The directory is free again for a later try. */
    ck_assert_msg(start_agent(&a, server, "node-x", k8sc_cluster_token(server)) == 0, "%s", k8sc_error_last());
    k8sc_cluster_stop(a, 0);
    k8sc_cluster_stop(server, 0);
    ck_assert_int_eq(start_agent(&a, NULL, "node-y", "0123456789abcdef"), K8SC_EUNAVAILABLE);
    ck_assert_msg(strstr(k8sc_error_last(), "joining http://127.0.0.1:1"), "%s", k8sc_error_last());
}
END_TEST

/* The contents of a file (caller frees). */
static char *read_all(const char *path)
{
    char *copy = strdup(slurp(path));
    ck_assert_ptr_nonnull(copy);
    return copy;
}

static X509 *load_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s", path);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    ck_assert_ptr_nonnull(x);
    return x;
}

START_TEST(test_pki)
{
    const char *ips[] = { "127.0.0.1", "10.0.0.5", NULL };
    const char *names[] = { "localhost", "kubernetes.default.svc", NULL };
    k8sc__cluster_pki pki;
    ck_assert_msg(k8sc__cluster_pki_setup(&pki, root, ips, names) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(pki.ca_file, path_of("pki/ca.crt"));
    ck_assert_str_eq(pki.cert_file, path_of("pki/apiserver.crt"));
    ck_assert_str_eq(pki.key_file, path_of("pki/apiserver.key"));
    ck_assert_str_eq(pki.ca_pem, slurp(path_of("pki/ca.crt")));
    struct stat st;
    const struct {
        const char *name;
        unsigned mode;
    } files[] = { { "pki/ca.crt", 0644 }, { "pki/ca.key", 0600 }, { "pki/apiserver.crt", 0644 },
                  { "pki/apiserver.key", 0600 } };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        ck_assert_msg(stat(path_of(files[i].name), &st) == 0, "%s", files[i].name);
        ck_assert_msg((st.st_mode & 0777) == files[i].mode, "%s: %o", files[i].name, st.st_mode & 0777);
    }
    /* The CA: ECDSA P-256, a CA, ten years; the serving certificate: signed by it, for server auth, the SANs. */
    X509 *ca = load_cert(pki.ca_file), *cert = load_cert(pki.cert_file);
    EVP_PKEY *ca_key = X509_get0_pubkey(ca);
    ck_assert_int_eq(EVP_PKEY_get_base_id(ca_key), EVP_PKEY_EC);
    char curve[64] = "";
    ck_assert_int_eq(EVP_PKEY_get_utf8_string_param(ca_key, "group", curve, sizeof(curve), NULL), 1);
    ck_assert_str_eq(curve, "prime256v1");
    ck_assert_int_eq(X509_check_ca(ca), 1);
    ck_assert_int_eq(X509_check_ca(cert), 0);
    time_t in9y = time(NULL) + 9L * 365 * 86400, in2y = time(NULL) + 2L * 365 * 86400;
    ck_assert_int_gt(X509_cmp_time(X509_get0_notAfter(ca), &in9y), 0);
    ck_assert_int_lt(X509_cmp_time(X509_get0_notAfter(cert), &in2y), 0);
    ck_assert_int_eq(X509_verify(cert, ca_key), 1);
    ck_assert(X509_get_extended_key_usage(cert) & XKU_SSL_SERVER);
    ck_assert_int_eq(X509_check_ip_asc(cert, "10.0.0.5", 0), 1);
    ck_assert_int_eq(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
    ck_assert_int_eq(X509_check_ip_asc(cert, "10.0.0.6", 0), 0);
    ck_assert_int_eq(X509_check_host(cert, "kubernetes.default.svc", 0, 0, NULL), 1);
    ck_assert_int_eq(X509_check_host(cert, "kubernetes", 0, 0, NULL), 0);
    X509_free(cert);
    k8sc__cluster_pki_clear(&pki);

    /* Again with the same names: everything kept. */
    char *ca_pem = read_all(path_of("pki/ca.crt")), *serving = read_all(path_of("pki/apiserver.crt"));
    ck_assert_int_eq(k8sc__cluster_pki_setup(&pki, root, ips, names), 0);
    ck_assert_str_eq(slurp(path_of("pki/apiserver.crt")), serving);
    k8sc__cluster_pki_clear(&pki);
    /* A new address: the serving certificate is made again (covering it), by the same CA. */
    const char *moved[] = { "127.0.0.1", "10.0.0.6", NULL };
    ck_assert_int_eq(k8sc__cluster_pki_setup(&pki, root, moved, names), 0);
    ck_assert_str_ne(slurp(path_of("pki/apiserver.crt")), serving);
    ck_assert_str_eq(slurp(path_of("pki/ca.crt")), ca_pem);
    cert = load_cert(pki.cert_file);
    ck_assert_int_eq(X509_check_ip_asc(cert, "10.0.0.6", 0), 1);
    ck_assert_int_eq(X509_verify(cert, ca_key), 1);
    X509_free(cert);
    k8sc__cluster_pki_clear(&pki);
    /* A damaged serving key: both made again. */
    FILE *f = fopen(path_of("pki/apiserver.key"), "w");
    fputs("garbage\n", f);
    fclose(f);
    ck_assert_int_eq(k8sc__cluster_pki_setup(&pki, root, moved, names), 0);
    ck_assert(strstr(slurp(path_of("pki/apiserver.key")), "PRIVATE KEY"));
    k8sc__cluster_pki_clear(&pki);

    /* A damaged CA is an error naming it: never replaced behind the agents' back. */
    f = fopen(path_of("pki/ca.crt"), "w");
    fputs("garbage\n", f);
    fclose(f);
    ck_assert_int_eq(k8sc__cluster_pki_setup(&pki, root, moved, names), K8SC_EINVAL);
    ck_assert_msg(strstr(k8sc_error_last(), path_of("pki/ca.crt")), "%s", k8sc_error_last());
    ck_assert_ptr_null(pki.ca_pem);
    X509_free(ca);
    free(ca_pem);
    free(serving);
}
END_TEST

/* An agent's options for `server` with `token` and CA file `ca_file`. */
static int join(k8sc_cluster **out, const k8sc_cluster *server, const char *name, const char *token,
                const char *ca_file)
{
    k8sc_cluster_options o = K8SC_CLUSTER_OPTIONS_INIT;
    o.role = K8SC_CLUSTER_ROLE_AGENT;
    o.data_dir = path_of(name);
    o.server_url = k8sc_cluster_server(server);
    o.token = token;
    o.ca_file = ca_file;
    o.node_name = name;
    o.runtime = "fake";
    o.ready_timeout_ms = 30000;
    return k8sc_cluster_up(out, &o);
}

START_TEST(test_join_ca)
{
    k8sc_cluster *server = start_server(NULL);
    const char *token = k8sc_cluster_token(server), *secret = strstr(token, "::") + 2;
    char ca_file[512];
    snprintf(ca_file, sizeof(ca_file), "%s", path_of("server/pki/ca.crt"));
    /* The token's hash is the CA's, as GET /cacerts serves it. */
    char hash[65];
    k8sc__cluster_sha256_hex(hash, slurp(ca_file), strlen(slurp(ca_file)));
    ck_assert(strncmp(token + 3, hash, 64) == 0);

    /* With the full token the agent fetches the CA and writes it into its kubeconfig. */
    k8sc_cluster *a = NULL;
    ck_assert_msg(join(&a, server, "node-a", token, NULL) == 0, "%s", k8sc_error_last());
    k8sc_kubeconfig *kc = NULL;
    ck_assert_int_eq(k8sc_kubeconfig_load(&kc, path_of("node-a/kubeconfig")), 0);
    k8sc_client_config *cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_kubeconfig(&cfg, kc, NULL), 0);
    ck_assert_str_eq(k8sc_client_config_ca(cfg), slurp(ca_file));
    k8sc_client_config_free(cfg);
    k8sc_kubeconfig_free(kc);
    k8sc_cluster_stop(a, 0);

    /* Another CA's hash: the fetched CA is refused before the secret is sent. */
    char other[256];
    snprintf(other, sizeof(other), "K10%s::%s", "0000000000000000000000000000000000000000000000000000000000000000",
             secret);
    ck_assert_int_eq(join(&a, server, "node-b", other, NULL), K8SC_EUNAUTHORIZED);
    ck_assert_msg(strstr(k8sc_error_last(), "is not the join token's"), "%s", k8sc_error_last());
    ck_assert_int_eq(join(&a, server, "node-b", other, ca_file), K8SC_EUNAUTHORIZED);
    /* The bare secret needs the CA file; with it the agent joins. */
    ck_assert_int_eq(join(&a, server, "node-b", secret, NULL), K8SC_EINVAL);
    ck_assert_msg(strstr(k8sc_error_last(), "needs the server's CA file"), "%s", k8sc_error_last());
    ck_assert_int_eq(join(&a, server, "node-b", secret, path_of("nosuch.crt")), K8SC_EIO);
    ck_assert_msg(strstr(k8sc_error_last(), "nosuch.crt"), "%s", k8sc_error_last());
    ck_assert_msg(join(&a, server, "node-b", secret, ca_file) == 0, "%s", k8sc_error_last());
    k8sc_cluster_stop(a, 0);
    /* A malformed hash is an option error. */
    snprintf(other, sizeof(other), "K10abc::%s", secret);
    ck_assert_int_eq(join(&a, server, "node-c", other, NULL), K8SC_EINVAL);
    ck_assert_msg(strstr(k8sc_error_last(), "64 lowercase hex"), "%s", k8sc_error_last());
    /* A server given a token for another CA refuses it. */
    k8sc_cluster_stop(server, 0);
    k8sc_cluster_options o = K8SC_CLUSTER_OPTIONS_INIT;
    o.role = K8SC_CLUSTER_ROLE_SERVER;
    o.data_dir = path_of("server");
    o.listen = "127.0.0.1:0";
    snprintf(other, sizeof(other), "K10%s::%s", "1111111111111111111111111111111111111111111111111111111111111111",
             "0123456789abcdef");
    o.token = other;
    ck_assert_int_eq(k8sc_cluster_up(&server, &o), K8SC_EINVAL);
    ck_assert_msg(strstr(k8sc_error_last(), "not this server's CA"), "%s", k8sc_error_last());
}
END_TEST

START_TEST(test_up_tls)
{
    /* A whole cluster serves plain HTTP unless asked for TLS; then its kubeconfig has the CA. */
    k8sc_cluster_options o = K8SC_CLUSTER_OPTIONS_INIT;
    o.data_dir = path_of("up");
    o.listen = "127.0.0.1:0";
    o.runtime = "fake";
    o.node_name = "solo";
    o.ready_timeout_ms = 30000;
    o.tls = true;
    k8sc_cluster *c = NULL;
    ck_assert_msg(k8sc_cluster_up(&c, &o) == 0, "%s", k8sc_error_last());
    ck_assert(strncmp(k8sc_cluster_server(c), "https://127.0.0.1:", 18) == 0);
    /* A token too: kubectl sends one only over TLS, and without any credentials it would prompt for them. */
    ck_assert_ptr_nonnull(k8sc_cluster_token(c));
    char want[256];
    snprintf(want, sizeof(want), "token: %s\n", strstr(k8sc_cluster_token(c), "::") + 2);
    ck_assert(strstr(slurp(path_of("up/kubeconfig")), want));
    ck_assert(strstr(slurp(path_of("up/kubeconfig")), "certificate-authority-data: "));
    k8sc_client *client = client_of(path_of("up/kubeconfig"), NULL);
    k8sc_object *n = NULL;
    ck_assert_msg(k8sc_client_get(&n, client, "v1", "Node", "", "solo") == 0, "%s", k8sc_error_last());
    k8sc_object_free(n);
    k8sc_client_free(client);
    k8sc_cluster_stop(c, 0);
    o.tls = false;
    ck_assert_msg(k8sc_cluster_up(&c, &o) == 0, "%s", k8sc_error_last());
    ck_assert(strncmp(k8sc_cluster_server(c), "http://127.0.0.1:", 17) == 0);
    ck_assert_ptr_null(k8sc_cluster_token(c));
    ck_assert(!strstr(slurp(path_of("up/kubeconfig")), "certificate-authority-data"));
    ck_assert(!strstr(slurp(path_of("up/kubeconfig")), "token:"));
    k8sc_cluster_stop(c, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cluster");
    TCase *tc = tcase_create("roles");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_options_versions);
    tcase_add_test(tc, test_bad_options);
    tcase_add_test(tc, test_server_token);
    tcase_add_test(tc, test_server_store);
    tcase_add_test(tc, test_agents_join);
    tcase_add_test(tc, test_agent_refused);
    tcase_add_test(tc, test_pki);
    tcase_add_test(tc, test_join_ca);
    tcase_add_test(tc, test_up_tls);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
