/*
 * The client over TLS, against `openssl s_server -www` on loopback with
 * certificates made for the test: the CA from kubeconfig data, the server
 * name checked (tls-server-name), a wrong CA refused unless
 * insecure-skip-tls-verify, and a client certificate presented when the
 * server demands one; and HTTP/2, negotiated through ALPN, against
 * `nghttpd` (which speaks nothing else) when it is installed.
 */
#include "k8sc/client.h"
#include "k8sc/core.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[256];
static pid_t server = -1;
static int port;

static void sh(const char *fmt, const char *arg)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg, arg, arg, arg, arg);
    ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

/* A CA, a server certificate for "localhost" and a client certificate, all signed by the CA; and another CA. */
static void make_certs(void)
{
    snprintf(dir, sizeof(dir), "/tmp/check_client_tls.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    sh("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-ca -keyout ca.key -out ca.crt "
       ">/dev/null 2>&1 && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other-ca -keyout other.key "
       "-out other.crt >/dev/null 2>&1", dir);
    sh("cd %s && printf 'subjectAltName=DNS:localhost\\n' >san.ext && openssl req -newkey rsa:2048 -nodes "
       "-subj /CN=localhost -keyout server.key -out server.csr >/dev/null 2>&1 && openssl x509 -req -in server.csr "
       "-CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile san.ext -out server.crt >/dev/null 2>&1", dir);
    sh("cd %s && openssl req -newkey rsa:2048 -nodes -subj /CN=alice -keyout client.key -out client.csr "
       ">/dev/null 2>&1 && openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 "
       "-out client.crt >/dev/null 2>&1", dir);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

typedef enum { S_SERVER, S_SERVER_VERIFY, NGHTTPD } server_kind;

/* Start `openssl s_server -www` (demanding a client certificate for S_SERVER_VERIFY) or `nghttpd` serving `dir`. */
static void start_server(server_kind kind)
{
    port = free_port();
    char portstr[16], cert[300], key[300], ca[300];
    snprintf(portstr, sizeof(portstr), "%d", port);
    snprintf(cert, sizeof(cert), "%s/server.crt", dir);
    snprintf(key, sizeof(key), "%s/server.key", dir);
    snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
    server = fork();
    ck_assert_int_ge(server, 0);
    if (server == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        if (kind == NGHTTPD)
            execlp("nghttpd", "nghttpd", "--address=127.0.0.1", "-d", dir, portstr, key, cert, (char *)NULL);
        else if (kind == S_SERVER_VERIFY)
            execlp("openssl", "openssl", "s_server", "-quiet", "-www", "-accept", portstr, "-cert", cert, "-key", key,
                "-Verify", "1", "-CAfile", ca, (char *)NULL);
        else
            execlp("openssl", "openssl", "s_server", "-quiet", "-www", "-accept", portstr, "-cert", cert, "-key", key,
                (char *)NULL);
        _exit(127);
    }
    /* Wait (bounded) until it accepts connections. */
    for (int i = 0; i < 100; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
            .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(fd);
        if (ok)
            return;
        usleep(50000);
    }
    ck_abort_msg("the TLS server did not start");
}

static void setup(void)
{
    make_certs();
}

static void teardown(void)
{
    if (server > 0) {
        kill(server, SIGTERM);
        waitpid(server, NULL, 0);
        server = -1;
    }
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* A client from a kubeconfig naming this test's files: CA `ca_file` (in the test directory), a client certificate. */
static int client_for(k8sc_client **out, const char *ca_file, bool insecure, bool client_cert)
{
    char kc[4096], line[1024];
    snprintf(kc, sizeof(kc), "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
        "    server: https://127.0.0.1:%d\n    tls-server-name: localhost\n", port);
    if (insecure)
        strcat(kc, "    insecure-skip-tls-verify: true\n");
    else {
        snprintf(line, sizeof(line), "    certificate-authority: %s/%s\n", dir, ca_file);
        strcat(kc, line);
    }
    strcat(kc, "users:\n- name: u\n  user:\n");
    if (client_cert) {
        snprintf(line, sizeof(line), "    client-certificate: %s/client.crt\n    client-key: %s/client.key\n", dir, dir);
        strcat(kc, line);
    } else {
        strcat(kc, "    {}\n");
    }
    strcat(kc, "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n");
    k8sc_kubeconfig *k = NULL;
    ck_assert_msg(k8sc_kubeconfig_parse(&k, kc, strlen(kc), "tls-test") == 0, "%s\n%s", k8sc_error_last(), kc);
    k8sc_client_config *cfg = NULL;
    int rc = k8sc_client_config_from_kubeconfig(&cfg, k, NULL);
    k8sc_kubeconfig_free(k);
    if (rc < 0)
        return rc;
    k8sc_client_options o = K8SC_CLIENT_OPTIONS_INIT;
    o.config = cfg;
    o.timeout_ms = 5000;
    o.max_retries = -1;
    rc = k8sc_client_new(out, &o);
    k8sc_client_config_free(cfg);
    return rc;
}

static int get_root(k8sc_client *c)
{
    char *body = NULL;
    int status = 0;
    int rc = k8sc_client_request(&body, &status, c, "GET", "/", NULL, NULL, 0);
    if (rc == 0)
        ck_assert_int_eq(status, 200);
    k8sc_free(body);
    return rc;
}

START_TEST(verifies_the_server)
{
    start_server(S_SERVER);
    k8sc_client *c = NULL;
    ck_assert_int_eq(client_for(&c, "ca.crt", false, false), 0);
    ck_assert_msg(get_root(c) == 0, "%s", k8sc_error_last());
    k8sc_client_free(c);

    /* Another CA: the certificate is refused, and the message says why. */
    ck_assert_int_eq(client_for(&c, "other.crt", false, false), 0);
    ck_assert_int_lt(get_root(c), 0);
    ck_assert_msg(strstr(k8sc_error_last(), "certificate") != NULL, "%s", k8sc_error_last());
    k8sc_client_free(c);

    /* insecure-skip-tls-verify trusts anything. */
    ck_assert_int_eq(client_for(&c, "other.crt", true, false), 0);
    ck_assert_msg(get_root(c) == 0, "%s", k8sc_error_last());
    k8sc_client_free(c);
}
END_TEST

START_TEST(presents_a_client_certificate)
{
    start_server(S_SERVER_VERIFY);
    k8sc_client *c = NULL;
    ck_assert_int_eq(client_for(&c, "ca.crt", false, true), 0);
    ck_assert_msg(get_root(c) == 0, "%s", k8sc_error_last());
    k8sc_client_free(c);
    /* Without one the handshake fails. */
    ck_assert_int_eq(client_for(&c, "ca.crt", false, false), 0);
    ck_assert_int_lt(get_root(c), 0);
    k8sc_client_free(c);
}
END_TEST

/* nghttpd only speaks HTTP/2: a successful request shows the client negotiated it over TLS. */
START_TEST(speaks_http2_over_tls)
{
    if (system("command -v nghttpd >/dev/null 2>&1") != 0) {
        fprintf(stderr, "nghttpd not installed: HTTP/2 not checked\n");
        return;
    }
    sh("printf '{\"kind\":\"Status\"}' >%s/h2.json", dir);
    start_server(NGHTTPD);
    k8sc_client *c = NULL;
    ck_assert_int_eq(client_for(&c, "ca.crt", false, false), 0);
    char *body = NULL;
    int status = 0;
    ck_assert_msg(k8sc_client_request(&body, &status, c, "GET", "/h2.json", NULL, NULL, 0) == 0, "%s",
        k8sc_error_last());
    ck_assert_int_eq(status, 200);
    ck_assert_str_eq(body, "{\"kind\":\"Status\"}");
    k8sc_free(body);
    k8sc_client_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("client_tls");
    TCase *tc = tcase_create("client_tls");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, verifies_the_server);
    tcase_add_test(tc, presents_a_client_certificate);
    tcase_add_test(tc, speaks_http2_over_tls);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
