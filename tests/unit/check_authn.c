/*
 * The API server's static token authentication (kube-apiserver's
 * --token-auth-file): the CSV file's rules, the Authorization header's,
 * and what a server started with a token file answers over HTTP (401
 * Status, the anonymous health and version paths) and in process (trusted).
 */
#include "apiserver/authn.h"
#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/core.h"
#include "k8sc/store.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char dir[] = "/tmp/check_authn.XXXXXX";
static char path[256];
static k8sc_store *store;
static k8sc_apiserver *srv;

static const char *const good_file =
    "\n"
    "s3cret-token,alice,1001,\"system:masters,devs\"\r\n"
    ",nobody,0\n"
    "\"quoted\"\"token\",bob,1002\n"
    "other,carol,1003,\n";

static void write_file(const char *content)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(content, f);
    fclose(f);
}

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/tokens.csv", dir);
    write_file(good_file);
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = store;
    o.token_file = path;
    ck_assert_msg(k8sc_apiserver_new(&srv, &o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_apiserver_start(srv) == 0, "%s", k8sc_error_last());
}

static void teardown(void)
{
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
    srv = NULL;
    store = NULL;
    unlink(path);
    rmdir(dir);
    strcpy(dir, "/tmp/check_authn.XXXXXX");
}

/* A GET with `authorization` (NULL: no such header) over a plain socket: the status, the body in `body`. */
static int get(const char *target, const char *authorization, char *body, size_t size)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)k8sc_apiserver_port(srv)) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    char req[1024];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: x\r\n%s%s%sAccept: application/json\r\n\r\n",
                     target, authorization ? "Authorization: " : "", authorization ? authorization : "",
                     authorization ? "\r\n" : "");
    ck_assert_int_eq(write(fd, req, (size_t)n), n);
    static char resp[65536];
    size_t len = 0;
    ssize_t r;
    while (len < sizeof(resp) - 1 && (r = read(fd, resp + len, sizeof(resp) - 1 - len)) > 0)
        len += (size_t)r;
    resp[len] = '\0';
    close(fd);
    int status = 0;
    ck_assert_int_eq(sscanf(resp, "HTTP/1.%*d %d", &status), 1);
    const char *b = strstr(resp, "\r\n\r\n");
    snprintf(body, size, "%s", b ? b + 4 : "");
    return status;
}

START_TEST(test_token_file_records)
{
    k8sc__authn *a = NULL;
    ck_assert_msg(k8sc__authn_load(&a, path) == 0, "%s", k8sc_error_last());
    static const struct {
        const char *header, *user;
    } cases[] = {
        { "Bearer s3cret-token", "alice" },
        { "bearer s3cret-token", "alice" },
        { "  Bearer s3cret-token  ", "alice" },
        { "Bearer s3cret-token extra", "alice" },
        { "Bearer quoted\"token", "bob" },
        { "Bearer other", "carol" },
        { "Bearer s3cret-toke", NULL },
        { "Bearer s3cret-token2", NULL },
        { "Bearer ", NULL },
        { "Bearer  s3cret-token", NULL },
        { "Basic s3cret-token", NULL },
        { "s3cret-token", NULL },
        { "", NULL },
        { NULL, NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *user = k8sc__authn_user(a, cases[i].header);
        if (cases[i].user)
            ck_assert_msg(user && strcmp(user, cases[i].user) == 0, "%s: %s", cases[i].header, user ? user : "NULL");
        else
            ck_assert_msg(user == NULL, "%s: %s", cases[i].header ? cases[i].header : "NULL", user);
    }
    k8sc__authn_free(a);
    k8sc__authn_free(NULL);
}
END_TEST

START_TEST(test_token_file_errors)
{
    static const struct {
        const char *content, *message;
        int code;
    } cases[] = {
        { "tok,user\n", "must have at least 3 columns (token, user name, user uid), found 2", K8SC_EINVAL },
        { "a,b,c\ntok\n", "found 1", K8SC_EINVAL },
        { "tok,\"user,1\n", "record 1: unterminated quoted field", K8SC_EINVAL },
        { "a,b,c\nto\"k,user,1\n", "record 2: bare \" in non-quoted field", K8SC_EINVAL },
        { "\"tok\"x,user,1\n", "extraneous \" in field", K8SC_EINVAL },
        { ",user,1\n\n", "has no tokens", K8SC_EINVAL },
        { "", "has no tokens", K8SC_EINVAL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        write_file(cases[i].content);
        k8sc__authn *a = NULL;
        ck_assert_int_eq(k8sc__authn_load(&a, path), cases[i].code);
        ck_assert_ptr_null(a);
        ck_assert_msg(strstr(k8sc_error_last(), cases[i].message), "%zu: %s", i, k8sc_error_last());
        ck_assert_msg(strstr(k8sc_error_last(), path), "%s", k8sc_error_last());
        /* The API server refuses to start on such a file, naming it. */
        k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
        o.store = store;
        o.token_file = path;
        k8sc_apiserver *s = NULL;
        ck_assert_int_eq(k8sc_apiserver_new(&s, &o), cases[i].code);
        ck_assert_ptr_null(s);
    }
    k8sc__authn *a = NULL;
    ck_assert_int_eq(k8sc__authn_load(&a, "/nonexistent/tokens.csv"), K8SC_EIO);
    ck_assert_msg(strstr(k8sc_error_last(), "/nonexistent/tokens.csv"), "%s", k8sc_error_last());
}
END_TEST

START_TEST(test_http_requires_token)
{
    char body[65536];
    ck_assert_int_eq(get("/api/v1/namespaces", NULL, body, sizeof(body)), 401);
    struct json_object *st = json_tokener_parse(body);
    ck_assert_msg(st, "%s", body);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(st, "kind")), "Status");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(st, "apiVersion")), "v1");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(st, "status")), "Failure");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(st, "message")), "Unauthorized");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(st, "reason")), "Unauthorized");
    ck_assert_int_eq(json_object_get_int(json_object_object_get(st, "code")), 401);
    json_object_put(st);
    ck_assert_int_eq(get("/api/v1/namespaces", "Bearer wrong", body, sizeof(body)), 401);
    ck_assert_int_eq(get("/apis", "Basic YWxpY2U6eA==", body, sizeof(body)), 401);
    ck_assert_int_eq(get("/api/v1/namespaces/default", "Bearer s3cret-token", body, sizeof(body)), 200);
    ck_assert_msg(strstr(body, "\"name\":\"default\""), "%s", body);
    ck_assert_int_eq(get("/apis", "Bearer other", body, sizeof(body)), 200);
    /* Health and version are open to anonymous requests; a wrong token is refused there too. */
    static const char *const open_paths[] = { "/healthz", "/livez", "/readyz", "/version", "/readyz?verbose" };
    for (size_t i = 0; i < sizeof(open_paths) / sizeof(open_paths[0]); i++) {
        ck_assert_msg(get(open_paths[i], NULL, body, sizeof(body)) == 200, "%s: %s", open_paths[i], body);
        ck_assert_msg(get(open_paths[i], "Bearer wrong", body, sizeof(body)) == 401, "%s", open_paths[i]);
    }
    ck_assert_int_eq(get("/healthzX", NULL, body, sizeof(body)), 401);
}
END_TEST

START_TEST(test_client_with_kubeconfig_token)
{
    char url[64], kc[512];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", k8sc_apiserver_port(srv));
    static const struct {
        const char *token;
        int rc;
    } cases[] = { { "s3cret-token", 0 }, { "not-a-token", K8SC_EUNAUTHORIZED } };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(kc, sizeof(kc),
                 "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"%s\"}\n"
                 "users:\n- name: u\n  user: {token: %s}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"
                 "current-context: x\n",
                 url, cases[i].token);
        k8sc_kubeconfig *k = NULL;
        ck_assert_msg(k8sc_kubeconfig_parse(&k, kc, strlen(kc), "test") == 0, "%s", k8sc_error_last());
        k8sc_client_config *cfg = NULL;
        ck_assert_msg(k8sc_client_config_from_kubeconfig(&cfg, k, NULL) == 0, "%s", k8sc_error_last());
        k8sc_client_options o = K8SC_CLIENT_OPTIONS_INIT;
        o.config = cfg;
        o.max_retries = -1;
        k8sc_client *c = NULL;
        ck_assert_int_eq(k8sc_client_new(&c, &o), 0);
        k8sc_object *ns = NULL;
        ck_assert_msg(k8sc_client_get(&ns, c, "v1", "Namespace", "", "kube-system") == cases[i].rc, "%s: %s",
                      cases[i].token, k8sc_error_last());
        ck_assert(cases[i].rc == 0 ? ns != NULL : ns == NULL);
        k8sc_object_free(ns);
        k8sc_client_free(c);
        k8sc_client_config_free(cfg);
        k8sc_kubeconfig_free(k);
    }
}
END_TEST

START_TEST(test_in_process_is_trusted)
{
    k8sc_apiserver_response *r = NULL;
    ck_assert_int_eq(k8sc_apiserver_handle(&r, srv, "GET", "/api/v1/namespaces/default", NULL, NULL, NULL, 0), 0);
    ck_assert_int_eq(k8sc_apiserver_response_status(r), 200);
    k8sc_apiserver_response_free(r);
}
END_TEST

START_TEST(test_options_version_1)
{
    /* A version-1 caller's structure ends before token_file: no authentication, nothing read past it. */
    k8sc_apiserver_options o;
    ck_assert_int_eq(k8sc_apiserver_options_init(&o, 1), 0);
    ck_assert_uint_eq(o.version, 1);
    ck_assert_int_eq(k8sc_apiserver_options_init(&o, K8SC_APISERVER_OPTIONS_VERSION + 1), K8SC_EINVAL);
    size_t v1_size = offsetof(k8sc_apiserver_options, token_file);
    k8sc_apiserver_options full;
    ck_assert_int_eq(k8sc_apiserver_options_init(&full, 1), 0);
    full.listen = "127.0.0.1:0";
    full.store = store;
    /* Exactly the version-1 size, so a sanitizer sees any read past it. */
    unsigned char *v1 = malloc(v1_size);
    memcpy(v1, &full, v1_size);
    k8sc_apiserver *s = NULL;
    ck_assert_msg(k8sc_apiserver_new(&s, (const k8sc_apiserver_options *)(void *)v1) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(k8sc_apiserver_start(s), 0);
    k8sc_apiserver *with_auth = srv;
    srv = s;
    char body[65536];
    ck_assert_int_eq(get("/api/v1/namespaces/default", NULL, body, sizeof(body)), 200);
    srv = with_auth;
    k8sc_apiserver_free(s);
    free(v1);
    ck_assert_int_eq(k8sc_apiserver_options_init(&o, K8SC_APISERVER_OPTIONS_VERSION), 0);
    ck_assert_ptr_null(o.token_file);
    o.version = 7;
    ck_assert_int_eq(k8sc_apiserver_new(&s, &o), K8SC_EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("authn");
    TCase *tc = tcase_create("tokens");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_token_file_records);
    tcase_add_test(tc, test_token_file_errors);
    tcase_add_test(tc, test_http_requires_token);
    tcase_add_test(tc, test_client_with_kubeconfig_token);
    tcase_add_test(tc, test_in_process_is_trusted);
    tcase_add_test(tc, test_options_version_1);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
