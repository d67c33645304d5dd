/* kubeconfig loading, merging, overrides, credentials and in-cluster config. */
#include "k8sc/client.h"
#include "k8sc/core.h"
#include "testutil.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/k8sc-kc-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Write `text` to dir/name and return the full path (static buffer per slot). */
static const char *put(const char *name, const char *text)
{
    static char paths[8][512];
    static int slot;
    char *p = paths[slot++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static const char *FILE_A =
    "apiVersion: v1\n"
    "kind: Config\n"
    "current-context: ctx-a\n"
    "clusters:\n"
    "- name: shared\n"
    "  cluster: {server: 'https://a.example:6443', insecure-skip-tls-verify: true}\n"
    "- name: only-a\n"
    "  cluster: {server: 'https://only-a.example'}\n"
    "users:\n"
    "- name: alice\n"
    "  user: {token: token-a}\n"
    "contexts:\n"
    "- name: ctx-a\n"
    "  context: {cluster: shared, user: alice, namespace: team-a}\n";

static const char *FILE_B =
    "{\"apiVersion\": \"v1\", \"kind\": \"Config\", \"current-context\": \"ctx-b\",\n"
    " \"clusters\": [{\"name\": \"shared\", \"cluster\": {\"server\": \"https://b.example\"}},\n"
    "              {\"name\": \"only-b\", \"cluster\": {\"server\": \"only-b.example:8443\"}}],\n"
    " \"users\": [{\"name\": \"alice\", \"user\": {\"token\": \"token-b\"}},\n"
    "           {\"name\": \"bob\", \"user\": {\"username\": \"bob\", \"password\": \"pw\"}}],\n"
    " \"contexts\": [{\"name\": \"ctx-b\", \"context\": {\"cluster\": \"only-b\", \"user\": \"bob\"}},\n"
    "              {\"name\": \"ctx-a\", \"context\": {\"cluster\": \"only-b\"}}]}\n";

static k8sc_client_config *resolve(const char *paths, const k8sc_kubeconfig_overrides *ov)
{
    k8sc_kubeconfig *kc = NULL;
    ck_assert_msg(k8sc_kubeconfig_load(&kc, paths) == 0, "%s", k8sc_error_last());
    k8sc_client_config *cfg = NULL;
    int rc = k8sc_client_config_from_kubeconfig(&cfg, kc, ov);
    ck_assert_msg(rc == 0, "%s", k8sc_error_last());
    k8sc_kubeconfig_free(kc);
    return cfg;
}

static char *token_of(k8sc_client_config *cfg)
{
    char *tok = NULL;
    ck_assert_msg(k8sc_client_config_token(&tok, cfg) == 0, "%s", k8sc_error_last());
    return tok;
}

/* Merging: first file wins per entry name; current-context from the first file that sets it. */
START_TEST(test_merge)
{
    char paths[1100];
    const char *a = put("a.yaml", FILE_A), *b = put("b.json", FILE_B);
    snprintf(paths, sizeof(paths), "%s:%s", a, b);
    static const struct {
        const char *context, *cluster, *user, *ns, *server;
        const char *want_server, *want_ns, *want_token;
        bool want_insecure;
    } cases[] = {
        /* ctx-a from A wins over B's ctx-a; shared cluster and alice from A. */
        { NULL, NULL, NULL, NULL, NULL, "https://a.example:6443", "team-a", "token-a", true },
        /* No scheme and no TLS configured: http://, as client-go's DefaultServerURL. */
        { "ctx-b", NULL, NULL, NULL, NULL, "http://only-b.example:8443", "default", NULL, false },
        { NULL, "only-a", NULL, NULL, NULL, "https://only-a.example", "team-a", "token-a", false },
        { NULL, NULL, "bob", "other", NULL, "https://a.example:6443", "other", NULL, true },
        { NULL, NULL, NULL, NULL, "http://127.0.0.1:1/", "http://127.0.0.1:1", "team-a", "token-a", true },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        k8sc_kubeconfig_overrides ov = K8SC_KUBECONFIG_OVERRIDES_INIT;
        ov.context = cases[i].context;
        ov.cluster = cases[i].cluster;
        ov.user = cases[i].user;
        ov.namespace_ = cases[i].ns;
        ov.server = cases[i].server;
        k8sc_client_config *cfg = resolve(paths, &ov);
        ck_assert_str_eq(k8sc_client_config_server(cfg), cases[i].want_server);
        ck_assert_str_eq(k8sc_client_config_namespace(cfg), cases[i].want_ns);
        ck_assert_int_eq(k8sc_client_config_insecure(cfg), cases[i].want_insecure);
        char *tok = token_of(cfg);
        if (cases[i].want_token)
            ck_assert_str_eq(tok, cases[i].want_token);
        else
            ck_assert_ptr_null(tok);
        k8sc_free(tok);
        k8sc_client_config_free(cfg);
    }
    /* Reversed order: B's current-context and entries win. */
    snprintf(paths, sizeof(paths), "%s:%s", b, a);
    k8sc_kubeconfig *kc;
    ck_assert_int_eq(k8sc_kubeconfig_load(&kc, paths), 0);
    ck_assert_str_eq(k8sc_kubeconfig_current_context(kc), "ctx-b");
    struct json_object *clusters = json_object_object_get(k8sc_kubeconfig_json(kc), "clusters");
    ck_assert_uint_eq(json_object_array_length(clusters), 3);
    k8sc_kubeconfig_free(kc);
}
END_TEST

/* $KUBECONFIG: missing files are skipped; the explicit path of a missing file is an error. */
START_TEST(test_env_list)
{
    char env[1100];
    const char *a = put("a.yaml", FILE_A);
    snprintf(env, sizeof(env), "%s/missing:%s", dir, a);
    setenv("KUBECONFIG", env, 1);
    k8sc_client_config *cfg = resolve(NULL, NULL);
    ck_assert_str_eq(k8sc_client_config_server(cfg), "https://a.example:6443");
    k8sc_client_config_free(cfg);
    unsetenv("KUBECONFIG");
    char missing[600];
    snprintf(missing, sizeof(missing), "%s/missing", dir);
    k8sc_kubeconfig *kc = NULL;
    ck_assert_int_eq(k8sc_kubeconfig_load(&kc, missing), K8SC_ENOTFOUND);
    ck_assert_ptr_null(kc);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), missing));
}
END_TEST

/* Broken files and unusable contexts: the messages name the file and field. */
START_TEST(test_errors)
{
    static const struct {
        const char *text;
        const char *context;
        const char *want; /* "%s" is the file path */
    } cases[] = {
        { "clusters: 5\n", NULL, "error loading config file \"%s\": clusters: expected a list" },
        { "clusters:\n- cluster: {server: x}\n", NULL, "error loading config file \"%s\": clusters[0].name: Required value" },
        { "clusters:\n- name: c\n  cluster: {server: x, insecure-skip-tls-verify: 'maybe'}\n", NULL,
          "error loading config file \"%s\": clusters[0].cluster.insecure-skip-tls-verify: expected a boolean" },
        { "users:\n- name: u\n  user: {token: [1]}\n", NULL,
          "error loading config file \"%s\": users[0].user.token: expected a string" },
        { "users:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1}\n", NULL,
          "error loading config file \"%s\": users[0].user.exec.command: Required value" },
        { "- a\n- b\n", NULL, "error loading config file \"%s\": expected a map at the top level" },
        { "current-context: foo\n", NULL, "context \"foo\" does not exist" },
        { "contexts:\n- name: c\n  context: {cluster: nope}\ncurrent-context: c\n", NULL, "cluster \"nope\" does not exist" },
        { "clusters:\n- name: k\n  cluster: {server: x}\ncontexts:\n- name: c\n  context: {cluster: k, user: ghost}\n",
          "c", "user \"ghost\" does not exist" },
        { "clusters:\n- name: k\n  cluster: {}\ncontexts:\n- name: c\n  context: {cluster: k}\n", "c",
          "invalid configuration: cluster has no server defined" },
        { "", NULL, "invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER "
                    "environment variable" },
        { "clusters:\n- name: k\n  cluster: {server: x, insecure-skip-tls-verify: true, certificate-authority-data: "
          "Y2E=}\ncontexts:\n- name: c\n  context: {cluster: k}\n", "c",
          "invalid configuration: specifying a root certificates file with the insecure flag is not allowed" },
        { "clusters:\n- name: k\n  cluster: {server: x}\nusers:\n- name: u\n  user: {client-certificate-data: "
          "Y2VydA==}\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n", "c",
          "invalid configuration: client-key-data or client-key must be specified for u to use the clientCert "
          "authentication method" },
        { "clusters:\n- name: k\n  cluster: {server: x}\nusers:\n- name: u\n  user:\n    exec: {command: x, "
          "apiVersion: client.authentication.k8s.io/v1}\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n",
          "c", "interactiveMode must be specified for u to use exec authentication plugin" },
        { "clusters:\n- name: k\n  cluster: {server: x, certificate-authority: ca.pem}\ncontexts:\n- name: c\n"
          "  context: {cluster: k}\n", "c", "cluster \"k\": unable to read certificate-authority %s/ca.pem" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *path = put("bad.yaml", cases[i].text);
        char want[1024];
        snprintf(want, sizeof(want), cases[i].want, strstr(cases[i].want, "certificate-authority %s") ? dir : path);
        k8sc_kubeconfig *kc = NULL;
        int rc = k8sc_kubeconfig_load(&kc, path);
        if (rc == 0) {
            k8sc_kubeconfig_overrides ov = K8SC_KUBECONFIG_OVERRIDES_INIT;
            ov.context = cases[i].context;
            k8sc_client_config *cfg = NULL;
            rc = k8sc_client_config_from_kubeconfig(&cfg, kc, &ov);
            ck_assert_ptr_null(cfg);
            k8sc_kubeconfig_free(kc);
        }
        ck_assert_msg(rc < 0, "case %zu loaded", i);
        ck_assert_msg(strncmp(k8sc_error_last(), want, strlen(want)) == 0, "case %zu: got <%s> want <%s>", i,
            k8sc_error_last(), want);
    }
    /* An unknown field is an error naming the field and the file, wherever it is. */
    {
        static const struct {
            const char *text, *field;
        } unknown[] = {
            { "kind: Config\nbogus: 1\n", "bogus" },
            { "clusters:\n- name: k\n  cluster: {server: http://h:1, sever: x}\n", "clusters[0].cluster.sever" },
            { "clusters:\n- name: k\n  cluster: {server: http://h:1}\n  extra: 1\n", "clusters[0].extra" },
            { "contexts:\n- name: c\n  context: {cluster: k, future-field: y}\n", "contexts[0].context.future-field" },
            { "users:\n- name: u\n  user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: x, argz: []}}\n",
                "users[0].user.exec.argz" },
            { "preferences: {colours: true}\n", "preferences.colours" },
        };
        for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
            const char *path = put("extra.yaml", unknown[i].text);
            k8sc_kubeconfig *kc = NULL;
            ck_assert_int_eq(k8sc_kubeconfig_load(&kc, path), K8SC_EINVAL);
            ck_assert_ptr_null(kc);
            char want[512];
            snprintf(want, sizeof(want), "error loading config file \"%s\": unknown field \"%s\"", path,
                unknown[i].field);
            ck_assert_str_eq(k8sc_error_last(), want);
        }
        /* Every field of the format is known, incl. the ones kubectl writes itself. */
        const char *path = put("full.yaml",
            "apiVersion: v1\nkind: Config\npreferences: {colors: true, extensions: []}\n"
            "clusters:\n- name: k\n  cluster: {server: http://h:1, tls-server-name: h, insecure-skip-tls-verify: false,"
            " proxy-url: 'http://p:3128', disable-compression: true, extensions: []}\n"
            "users:\n- name: u\n  user: {token: t, as: a, as-uid: '1', as-groups: [g], as-user-extra: {k: [v]},"
            " username: admin, password: secret, extensions: []}\n"
            "contexts:\n- name: c\n  context: {cluster: k, user: u, namespace: ns, extensions: []}\n"
            "current-context: c\nextensions: []\n");
        k8sc_kubeconfig *kc = NULL;
        ck_assert_msg(k8sc_kubeconfig_load(&kc, path) == 0, "%s", k8sc_error_last());
        k8sc_kubeconfig_free(kc);
    }
    /* A YAML syntax error names the file and the position. */
    const char *path = put("syntax.yaml", "clusters:\n  - name: [unclosed\n");
    k8sc_kubeconfig *kc = NULL;
    ck_assert_int_eq(k8sc_kubeconfig_load(&kc, path), K8SC_EINVAL);
    char prefix[600];
    snprintf(prefix, sizeof(prefix), "error loading config file \"%s\": ", path);
    ck_assert_msg(strncmp(k8sc_error_last(), prefix, strlen(prefix)) == 0, "%s", k8sc_error_last());
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "line"));
}
END_TEST

/* Certificates as data or files (relative to the kubeconfig); data wins over a file. */
START_TEST(test_tls_material)
{
    put("ca.pem", "CA-FROM-FILE\n");
    put("client.crt", "CERT-FROM-FILE\n");
    put("client.key", "KEY-FROM-FILE\n");
    static const struct {
        const char *cluster, *user;
        const char *want_ca, *want_cert, *want_key;
    } cases[] = {
        { "certificate-authority: ca.pem", "client-certificate: client.crt, client-key: client.key",
          "CA-FROM-FILE\n", "CERT-FROM-FILE\n", "KEY-FROM-FILE\n" },
        /* "CA-DATA", "CERT-DATA", "KEY-DATA" in base64 */
        { "certificate-authority-data: Q0EtREFUQQ==, certificate-authority: ca.pem",
          "client-certificate-data: Q0VSVC1EQVRB, client-key-data: S0VZLURBVEE=", "CA-DATA", "CERT-DATA", "KEY-DATA" },
        { "tls-server-name: api.internal", "token: t", NULL, NULL, NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[1024];
        snprintf(text, sizeof(text),
            "clusters:\n- name: k\n  cluster: {server: 'https://10.0.0.1:6443', proxy-url: 'http://proxy:3128', %s}\n"
            "users:\n- name: u\n  user: {%s}\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n"
            "current-context: c\n",
            cases[i].cluster, cases[i].user);
        k8sc_client_config *cfg = resolve(put("tls.yaml", text), NULL);
        ck_assert_str_eq(k8sc_client_config_proxy_url(cfg), "http://proxy:3128");
        if (cases[i].want_ca)
            ck_assert_str_eq(k8sc_client_config_ca(cfg), cases[i].want_ca);
        else
            ck_assert_ptr_null(k8sc_client_config_ca(cfg));
        char *cert = NULL, *key = NULL;
        ck_assert_int_eq(k8sc_client_config_client_cert(&cert, &key, cfg), 0);
        if (cases[i].want_cert) {
            ck_assert_str_eq(cert, cases[i].want_cert);
            ck_assert_str_eq(key, cases[i].want_key);
        } else {
            ck_assert_ptr_null(cert);
            ck_assert_str_eq(k8sc_client_config_tls_server_name(cfg), "api.internal");
        }
        k8sc_free(cert);
        k8sc_free(key);
        k8sc_client_config_free(cfg);
    }
}
END_TEST

/* tokenFile is re-read when the file is replaced (as a projected token rotates). */
START_TEST(test_token_file_rotation)
{
    put("token", "first-token\n");
    k8sc_client_config *cfg = resolve(put("tf.yaml",
        "clusters:\n- name: k\n  cluster: {server: 'https://k:6443'}\nusers:\n- name: u\n  user: {tokenFile: token}\n"
        "contexts:\n- name: c\n  context: {cluster: k, user: u}\ncurrent-context: c\n"), NULL);
    char *tok = token_of(cfg);
    ck_assert_str_eq(tok, "first-token");
    k8sc_free(tok);
    tok = token_of(cfg);
    ck_assert_str_eq(tok, "first-token");
    k8sc_free(tok);
    char from[600], to[600];
    snprintf(from, sizeof(from), "%s", put("token.new", "second-token"));
    snprintf(to, sizeof(to), "%s/token", dir);
    ck_assert_int_eq(rename(from, to), 0);
    tok = token_of(cfg);
    ck_assert_str_eq(tok, "second-token");
    k8sc_free(tok);
    unlink(to);
    ck_assert_int_eq(k8sc_client_config_token(&tok, cfg), K8SC_EIO);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), to));
    k8sc_client_config_free(cfg);
}
END_TEST

/* An exec plugin: args and env passed, KUBERNETES_EXEC_INFO set, credential cached until expiry. */
START_TEST(test_exec_plugin)
{
    const char *script = put("plugin.sh",
        "#!/bin/sh\n"
        "echo run >> \"$COUNT_FILE\"\n"
        "case \"$KUBERNETES_EXEC_INFO\" in *'\"kind\":\"ExecCredential\"'*) ;; *) echo bad info >&2; exit 3;; esac\n"
        "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",'\n"
        "printf '\"status\":{\"token\":\"%s-%s\",\"expirationTimestamp\":\"%s\"}}' \"$1\" \"$PLUGIN_ENV\" \"$2\"\n");
    ck_assert_int_eq(chmod(script, 0755), 0);
    static const struct {
        const char *expiry;
        int want_runs; /* after three token requests */
    } cases[] = { { "2999-01-01T00:00:00Z", 1 }, { "2001-01-01T00:00:00Z", 3 } };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char count[600], text[2048];
        snprintf(count, sizeof(count), "%s/count%zu", dir, i);
        snprintf(text, sizeof(text),
            "clusters:\n- name: k\n  cluster: {server: 'https://k:6443'}\n"
            "users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
            "      command: ./plugin.sh\n      args: [arg1, '%s']\n      interactiveMode: Never\n"
            "      env: [{name: PLUGIN_ENV, value: envval}, {name: COUNT_FILE, value: '%s'}]\n"
            "contexts:\n- name: c\n  context: {cluster: k, user: u}\ncurrent-context: c\n",
            cases[i].expiry, count);
        k8sc_client_config *cfg = resolve(put("exec.yaml", text), NULL);
        for (int n = 0; n < 3; n++) {
            char *tok = token_of(cfg);
            ck_assert_str_eq(tok, "arg1-envval");
            k8sc_free(tok);
        }
        FILE *f = fopen(count, "r");
        ck_assert_ptr_nonnull(f);
        int runs = 0;
        char line[64];
        while (fgets(line, sizeof(line), f))
            runs++;
        fclose(f);
        ck_assert_int_eq(runs, cases[i].want_runs);
        k8sc_client_config_free(cfg);
    }
}
END_TEST

/* Plugins that fail or print the wrong thing give clear errors. */
START_TEST(test_exec_plugin_errors)
{
    static const struct {
        const char *body;
        const char *want;
    } cases[] = {
        { "exit 7", "exec: executable %s failed with exit code 7" },
        { "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"x\"}}'",
          "exec plugin is configured to use API version client.authentication.k8s.io/v1, plugin returned version "
          "client.authentication.k8s.io/v1beta1" },
        { "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\"}'",
          "exec plugin didn't return a status field" },
        { "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{}}'",
          "exec plugin didn't return a token or cert/key pair" },
        { "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":"
          "{\"clientCertificateData\":\"c\"}}'",
          "exec plugin returned only certificate or key, not both" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[1024], text[1024], want[1024];
        snprintf(body, sizeof(body), "#!/bin/sh\n%s\n", cases[i].body);
        const char *script = put("bad-plugin.sh", body);
        ck_assert_int_eq(chmod(script, 0755), 0);
        snprintf(text, sizeof(text),
            "clusters:\n- name: k\n  cluster: {server: 'https://k:6443'}\n"
            "users:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1, command: '%s', "
            "interactiveMode: IfAvailable}\n"
            "contexts:\n- name: c\n  context: {cluster: k, user: u}\ncurrent-context: c\n",
            script);
        snprintf(want, sizeof(want), cases[i].want, script);
        k8sc_client_config *cfg = resolve(put("exec-bad.yaml", text), NULL);
        char *tok = NULL;
        ck_assert_int_lt(k8sc_client_config_token(&tok, cfg), 0);
        ck_assert_ptr_null(tok);
        ck_assert_msg(strcmp(k8sc_error_last(), want) == 0, "case %zu: <%s>", i, k8sc_error_last());
        k8sc_client_config_free(cfg);
    }
}
END_TEST

START_TEST(test_in_cluster)
{
    put("sa-token", "sa-token-1\n");
    put("ns", "kube-system\n");
    put("ca.crt", "SA-CA\n");
    char tf[600], ns[600], ca[600];
    snprintf(tf, sizeof(tf), "%s/sa-token", dir);
    snprintf(ns, sizeof(ns), "%s/ns", dir);
    snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
    k8sc_in_cluster_options o;
    ck_assert_int_eq(k8sc_in_cluster_options_init(&o, K8SC_IN_CLUSTER_OPTIONS_VERSION), 0);
    o.token_file = tf;
    o.namespace_file = ns;
    o.ca_file = ca;
    o.host = "10.96.0.1";
    o.port = "443";
    k8sc_client_config *cfg = NULL;
    ck_assert_msg(k8sc_client_config_in_cluster(&cfg, &o) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(k8sc_client_config_server(cfg), "https://10.96.0.1:443");
    ck_assert_str_eq(k8sc_client_config_namespace(cfg), "kube-system");
    ck_assert_str_eq(k8sc_client_config_ca(cfg), "SA-CA\n");
    char *tok = token_of(cfg);
    ck_assert_str_eq(tok, "sa-token-1");
    k8sc_free(tok);
    char from[600];
    snprintf(from, sizeof(from), "%s", put("sa-token.new", "sa-token-2\n"));
    ck_assert_int_eq(rename(from, tf), 0);
    tok = token_of(cfg);
    ck_assert_str_eq(tok, "sa-token-2");
    k8sc_free(tok);
    k8sc_client_config_free(cfg);

    o.host = "fd00::1";
    ck_assert_int_eq(k8sc_client_config_in_cluster(&cfg, &o), 0);
    ck_assert_str_eq(k8sc_client_config_server(cfg), "https://[fd00::1]:443");
    k8sc_client_config_free(cfg);

    unsetenv("KUBERNETES_SERVICE_HOST");
    o.host = NULL;
    ck_assert_int_eq(k8sc_client_config_in_cluster(&cfg, &o), K8SC_EUNAVAILABLE);
    ck_assert_str_eq(k8sc_error_last(), "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and "
                                        "KUBERNETES_SERVICE_PORT must be defined");
    o.host = "10.96.0.1";
    o.token_file = ns[0] ? "/nonexistent/token" : NULL;
    ck_assert_int_eq(k8sc_client_config_in_cluster(&cfg, &o), K8SC_EIO);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "/nonexistent/token"));
}
END_TEST

START_TEST(test_options_and_args)
{
    k8sc_kubeconfig_overrides ov;
    ck_assert_int_eq(k8sc_kubeconfig_overrides_init(&ov, 99), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_kubeconfig_overrides_init(&ov, K8SC_KUBECONFIG_OVERRIDES_VERSION), 0);
    ck_assert_int_eq(k8sc_kubeconfig_load(NULL, "x"), K8SC_EINVAL);
    k8sc_kubeconfig_free(NULL);
    k8sc_client_config_free(NULL);
    k8sc_client_config *cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, "no-scheme"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, "http://h:1//"), 0);
    ck_assert_str_eq(k8sc_client_config_server(cfg), "http://h:1");
    k8sc_client_config_free(cfg);
    /* An in-memory text: relative paths stay relative, the name shows in messages. */
    k8sc_kubeconfig *kc = NULL;
    const char *text = "clusters: {}\n";
    ck_assert_int_eq(k8sc_kubeconfig_parse(&kc, text, strlen(text), NULL), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "error loading config file \"<memory>\": clusters: expected a list");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kubeconfig");
    TCase *tc = tcase_create("kubeconfig");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_merge);
    tcase_add_test(tc, test_env_list);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_tls_material);
    tcase_add_test(tc, test_token_file_rotation);
    tcase_add_test(tc, test_exec_plugin);
    tcase_add_test(tc, test_exec_plugin_errors);
    tcase_add_test(tc, test_in_cluster);
    tcase_add_test(tc, test_options_and_args);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
