/* The proxy's model and rule generator: pure functions, no root needed. */
#include <k8sc/k8sc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/proxy_internal.h"
#include "testutil.h"

static k8sc_object *parse(const char *json)
{
    k8sc_object *obj = NULL;
    ck_assert_msg(k8sc_object_from_json(&obj, json, strlen(json)) == 0, "%s", k8sc_error_last());
    return obj;
}

/* A Service ns1/web with port "http" 80/TCP -> nodePort 30080, and `extra` spliced into spec. */
static k8sc_object *web_service(const char *extra)
{
    char json[1024];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\",\"namespace\":\"ns1\"},"
        "\"spec\":{\"type\":\"NodePort\",\"clusterIP\":\"10.96.0.10\",\"ports\":[{\"name\":\"http\",\"port\":80,"
        "\"targetPort\":8080,\"nodePort\":30080,\"protocol\":\"TCP\"}]%s}}",
        extra);
    return parse(json);
}

/* An EndpointSlice of ns1/`svc` with port "http" 8080 and `endpoints` (a JSON array body). */
static k8sc_object *slice(const char *name, const char *svc, const char *endpoints)
{
    char json[2048];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"%s\","
        "\"namespace\":\"ns1\",\"labels\":{\"kubernetes.io/service-name\":\"%s\"}},\"addressType\":\"IPv4\","
        "\"ports\":[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\"},{\"name\":\"metrics\",\"port\":9090}],"
        "\"endpoints\":[%s]}",
        name, svc, endpoints);
    return parse(json);
}

static const char *const three_ready = "{\"addresses\":[\"10.1.0.3\"],\"conditions\":{\"ready\":true}},"
                                       "{\"addresses\":[\"10.1.0.1\"]},"
                                       "{\"addresses\":[\"10.1.0.9\"],\"conditions\":{\"ready\":false}},"
                                       "{\"addresses\":[\"10.1.0.2\"],\"conditions\":{\"ready\":true}}";

static void build(k8sc__proxy_model *m, k8sc_object **svcs, size_t n_svcs, k8sc_object **slices, size_t n_slices)
{
    ck_assert_msg(k8sc__proxy_model_build(m, svcs, n_svcs, slices, n_slices, "node-a") == 0, "%s", k8sc_error_last());
    for (size_t i = 0; i < n_svcs; i++)
        k8sc_object_free(svcs[i]);
    for (size_t i = 0; i < n_slices; i++)
        k8sc_object_free(slices[i]);
}

static char *rules(const k8sc__proxy_model *m, k8sc_proxy_mode mode, const k8sc__proxy_chains *prev,
    k8sc__proxy_chains *now)
{
    k8sc__proxy_rules_options o = { mode, "10.0.0.1", NULL, false };
    char *text = NULL;
    size_t len = 0;
    ck_assert_msg(k8sc__proxy_rules(&text, &len, now, m, &o, prev) == 0, "%s", k8sc_error_last());
    ck_assert_uint_eq(len, strlen(text));
    return text;
}

static void assert_has(const char *text, const char *line)
{
    ck_assert_msg(strstr(text, line) != NULL, "missing \"%s\" in:\n%s", line, text);
}

static void assert_lacks(const char *text, const char *line)
{
    ck_assert_msg(strstr(text, line) == NULL, "unexpected \"%s\" in:\n%s", line, text);
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The text of a sync with `o.partial` = `partial`. */
static char *sync_text(const k8sc__proxy_model *m, bool partial, const k8sc__proxy_chains *prev,
    k8sc__proxy_chains *now)
{
    k8sc__proxy_rules_options o = { K8SC_PROXY_MODE_IPTABLES, NULL, NULL, partial };
    char *text = NULL;
    ck_assert_msg(k8sc__proxy_rules(&text, NULL, now, m, &o, prev) == 0, "%s", k8sc_error_last());
    return text;
}

/* ns1/web with `web_eps` and ns1/api (ClusterIP 10.96.0.20) with one endpoint. */
static void two_services(k8sc__proxy_model *m, const char *web_eps)
{
    k8sc_object *svcs[] = { web_service(""),
        parse("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"api\",\"namespace\":\"ns1\"},"
              "\"spec\":{\"clusterIP\":\"10.96.0.20\",\"ports\":[{\"name\":\"http\",\"port\":80}]}}") };
    k8sc_object *slices[] = { slice("web-1", "web", web_eps), slice("api-1", "api", "{\"addresses\":[\"10.2.0.1\"]}") };
    build(m, svcs, 2, slices, 2);
    ck_assert_uint_eq(m->n_ports, 2);
    ck_assert_str_eq(m->ports[0].name, "api");
}

static const char *const web_moved = "{\"addresses\":[\"10.1.0.1\"]},{\"addresses\":[\"10.1.0.2\"]},"
                                     "{\"addresses\":[\"10.1.0.4\"]}";

START_TEST(test_partial_sync_writes_changed_chains)
{
    k8sc__proxy_model m1, m2;
    two_services(&m1, three_ready);
    two_services(&m2, web_moved);
    char api_svc[K8SC__PROXY_CHAIN_MAX], api_sep[K8SC__PROXY_CHAIN_MAX], decl[64];
    k8sc__proxy_chain_name(api_svc, "KUBE-SVC-", &m1.ports[0], NULL);
    k8sc__proxy_chain_name(api_sep, "KUBE-SEP-", &m1.ports[0], &m1.ports[0].endpoints[0]);
    k8sc__proxy_chains first = { NULL, NULL, 0 }, second = { NULL, NULL, 0 }, full = { NULL, NULL, 0 };
    char *text = sync_text(&m1, false, NULL, &first);
    /* 4 fixed nat + web's SVC, EXT and 3 SEP + api's SVC and SEP, 2 filter. */
    ck_assert_uint_eq(first.n, 13);
    snprintf(decl, sizeof(decl), ":%s - [0:0]\n", api_svc);
    assert_has(text, decl);
    k8sc_free(text);

    /* 10.1.0.3 gives way to 10.1.0.4: only web's SVC chain and the new SEP chain are written. */
    text = sync_text(&m2, true, &first, &second);
    assert_has(text, ":KUBE-SVC-4LVCYZMTA5CQO6SX - [0:0]\n");
    assert_has(text, "-A KUBE-SVC-4LVCYZMTA5CQO6SX -m comment --comment \"ns1/web:http -> 10.1.0.4:8080\" -j ");
    ck_assert_uint_eq(count(text, "-A KUBE-SVC-"), 3);
    ck_assert_uint_eq(count(text, ":KUBE-SEP-"), 2);
    assert_has(text, ":KUBE-SEP-FTUMMQ74AP47CVWH - [0:0]\n");
    assert_has(text, "-X KUBE-SEP-FTUMMQ74AP47CVWH\nCOMMIT\n");
    ck_assert_uint_eq(count(text, "-A KUBE-SEP-"), 2);
    assert_has(text, "-j DNAT --to-destination 10.1.0.4:8080\n");
    assert_lacks(text, ":KUBE-SEP-PYYSTSHS3GQMPLXS");
    assert_lacks(text, "-A KUBE-SEP-PYYSTSHS3GQMPLXS");
    assert_lacks(text, "KUBE-EXT-4LVCYZMTA5CQO6SX - [0:0]");
    assert_lacks(text, "-A KUBE-EXT-");
    assert_lacks(text, decl);
    assert_lacks(text, api_sep);
    /* The top chains are rewritten whole, jumps to the chains left alone included. */
    assert_has(text, ":KUBE-SERVICES - [0:0]\n");
    assert_has(text, ":KUBE-NODEPORTS - [0:0]\n");
    assert_has(text, ":KUBE-POSTROUTING - [0:0]\n");
    assert_has(text, ":KUBE-MARK-MASQ - [0:0]\n");
    assert_has(text, "-A KUBE-NODEPORTS -m comment --comment ns1/web:http -m tcp -p tcp --dport 30080 "
                     "-j KUBE-EXT-4LVCYZMTA5CQO6SX\n");
    char jump[128];
    snprintf(jump, sizeof(jump), "--dport 80 -j %s\n", api_svc);
    assert_has(text, jump);
    k8sc_free(text);

    /* What the partial sync leaves in use is what a full one would. */
    text = sync_text(&m2, false, &first, &full);
    ck_assert_uint_eq(second.n, full.n);
    for (size_t i = 0; i < full.n; i++) {
        ck_assert_str_eq(second.names[i], full.names[i]);
        ck_assert(second.digests[i] == full.digests[i]);
    }
    assert_has(text, decl);
    assert_has(text, ":KUBE-SEP-PYYSTSHS3GQMPLXS - [0:0]\n");
    k8sc_free(text);

    /* Nothing changed: no service chain at all, only the top chains. */
    text = sync_text(&m2, true, &second, NULL);
    assert_lacks(text, ":KUBE-SVC-");
    assert_lacks(text, ":KUBE-SEP-");
    assert_lacks(text, ":KUBE-EXT-");
    assert_lacks(text, "-X ");
    assert_has(text, "-A KUBE-SERVICES -m comment --comment \"ns1/web:http cluster IP\"");
    k8sc_free(text);

    /* Without digests nothing is known of the contents: every chain is written. */
    k8sc__proxy_chains bare = second;
    bare.digests = NULL;
    text = sync_text(&m2, true, &bare, NULL);
    assert_has(text, decl);
    ck_assert_uint_eq(count(text, ":KUBE-SEP-"), 4);
    k8sc_free(text);
    k8sc__proxy_chains_clear(&first);
    k8sc__proxy_chains_clear(&second);
    k8sc__proxy_chains_clear(&full);
    k8sc__proxy_model_clear(&m1);
    k8sc__proxy_model_clear(&m2);
}
END_TEST

/* A stand-in iptables-restore: keeps its input in DIR/in and exits with the number in DIR/rc. */
static void fake_restore(char *dir, size_t size, char *tool, size_t tool_size)
{
    snprintf(dir, size, "/tmp/k8sc-proxy-rules-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(tool, tool_size, "%s/restore", dir);
    FILE *f = fopen(tool, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#!/bin/sh\nd=$(dirname \"$0\")\ncat > \"$d/in\"\necho \"$1\" >> \"$d/in\"\n"
               "echo \"line 3 failed\" >&2\nexit $(cat \"$d/rc\")\n");
    fclose(f);
    ck_assert_int_eq(chmod(tool, 0700), 0);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static char *read_in(const char *dir)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/in", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    k8sc__buf b = K8SC__BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        k8sc__buf_put(&b, chunk, n);
    fclose(f);
    unlink(path);
    ck_assert_int_eq(k8sc__buf_status(&b), 0);
    return k8sc__buf_detach(&b, NULL);
}

START_TEST(test_failed_restore_forces_full_sync)
{
    char dir[64], tool[128];
    fake_restore(dir, sizeof(dir), tool, sizeof(tool));
    k8sc__proxy_tools t = { "iptables", tool, "iptables-save" };
    k8sc__proxy_model m1, m2;
    two_services(&m1, three_ready);
    two_services(&m2, web_moved);
    k8sc__proxy_rules_options o = { K8SC_PROXY_MODE_IPTABLES, NULL, NULL, true };
    k8sc__proxy_syncer s = { { NULL, NULL, 0 }, false, false, 0 };
    const int64_t sec = 1000000000LL;
    bool full = false;

    /* The first sync is full even though the options ask for a partial one. */
    write_file(dir, "rc", "0\n");
    ck_assert_int_eq(k8sc__proxy_sync_rules(&s, &t, &m1, &o, 100 * sec, &full), 0);
    ck_assert(full);
    char *in = read_in(dir);
    assert_has(in, "COMMIT\n--noflush\n");
    ck_assert_uint_eq(count(in, ":KUBE-SEP-"), 4);
    k8sc_free(in);

    ck_assert_int_eq(k8sc__proxy_sync_rules(&s, &t, &m2, &o, 101 * sec, &full), 0);
    ck_assert(!full);
    in = read_in(dir);
    ck_assert_uint_eq(count(in, ":KUBE-SEP-"), 2);
    k8sc_free(in);

    /* The restore fails: the error says why, and the tables are in doubt. */
    write_file(dir, "rc", "2\n");
    ck_assert_int_eq(k8sc__proxy_sync_rules(&s, &t, &m1, &o, 102 * sec, &full), K8SC_EIO);
    ck_assert(!full);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "exit 2"));
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "line 3 failed"));
    k8sc_free(read_in(dir));

    /* So the next one rewrites every chain, and deletes what the last good sync had and m1 lacks. */
    write_file(dir, "rc", "0\n");
    ck_assert_int_eq(k8sc__proxy_sync_rules(&s, &t, &m1, &o, 103 * sec, &full), 0);
    ck_assert(full);
    in = read_in(dir);
    ck_assert_uint_eq(count(in, ":KUBE-SVC-"), 2);
    ck_assert_uint_eq(count(in, ":KUBE-SEP-"), 5);
    ck_assert_uint_eq(count(in, "-X KUBE-SEP-"), 1);
    assert_has(in, ":KUBE-EXT-4LVCYZMTA5CQO6SX - [0:0]\n");
    k8sc_free(in);

    /* Back to partial syncs: nothing changed, nothing but the top chains. */
    ck_assert_int_eq(k8sc__proxy_sync_rules(&s, &t, &m1, &o, 104 * sec, &full), 0);
    ck_assert(!full);
    in = read_in(dir);
    assert_lacks(in, ":KUBE-SVC-");
    assert_has(in, ":KUBE-SERVICES - [0:0]\n");
    k8sc_free(in);

    /* An hour after the last full sync, a full one again. */
    ck_assert_int_eq(k8sc__proxy_sync_rules(&s, &t, &m1, &o, 103 * sec + K8SC__PROXY_FULL_SYNC_NS, &full), 0);
    ck_assert(full);
    in = read_in(dir);
    ck_assert_uint_eq(count(in, ":KUBE-SEP-"), 4);
    k8sc_free(in);
    ck_assert_int_eq(k8sc__proxy_sync_rules(&s, &t, &m1, &o, 104 * sec + K8SC__PROXY_FULL_SYNC_NS, &full), 0);
    ck_assert(!full);
    k8sc_free(read_in(dir));

    /* A cleared syncer knows nothing of the tables. */
    k8sc__proxy_syncer_clear(&s);
    ck_assert_uint_eq(s.chains.n, 0);
    ck_assert_int_eq(k8sc__proxy_sync_rules(&s, &t, &m1, &o, 105 * sec + K8SC__PROXY_FULL_SYNC_NS, &full), 0);
    ck_assert(full);
    k8sc_free(read_in(dir));

    /* A restore program that cannot run is an error too. */
    t.restore = "/nonexistent/iptables-restore";
    ck_assert_int_eq(k8sc__proxy_sync_rules(&s, &t, &m2, &o, 106 * sec + K8SC__PROXY_FULL_SYNC_NS, &full), K8SC_EIO);
    ck_assert_int_eq(k8sc__proxy_sync_rules(NULL, &t, &m2, &o, 0, NULL), K8SC_EINVAL);
    k8sc__proxy_syncer_clear(&s);
    k8sc__proxy_syncer_clear(NULL);
    k8sc__proxy_model_clear(&m1);
    k8sc__proxy_model_clear(&m2);
    char path[256];
    snprintf(path, sizeof(path), "%s/rc", dir);
    unlink(path);
    unlink(tool);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_chain_names_match_kube_proxy)
{
    /* Chain names seen on real clusters. */
    static const struct {
        const char *ns, *name, *port, *proto, *ip;
        int ep_port;
        const char *prefix, *want;
    } cases[] = {
        { "default", "kubernetes", "https", "TCP", NULL, 0, "KUBE-SVC-", "KUBE-SVC-NPX46M4PTMTKRN6Y" },
        { "kube-system", "kube-dns", "dns", "UDP", NULL, 0, "KUBE-SVC-", "KUBE-SVC-TCOU7JCQXEZGVUNU" },
        { "kube-system", "kube-dns", "dns-tcp", "TCP", NULL, 0, "KUBE-SVC-", "KUBE-SVC-ERIFXISQEP7F7OF4" },
        { "default", "nginx", "", "TCP", NULL, 0, "KUBE-SVC-", "KUBE-SVC-2CMXP7HKUVJN7L6M" },
        { "ns1", "web", "http", "TCP", "10.1.0.1", 8080, "KUBE-SEP-", "KUBE-SEP-PYYSTSHS3GQMPLXS" },
        { "ns1", "web", "http", "TCP", NULL, 0, "KUBE-EXT-", "KUBE-EXT-4LVCYZMTA5CQO6SX" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        k8sc__proxy_port p = { 0 };
        p.namespace_ = (char *)cases[i].ns;
        p.name = (char *)cases[i].name;
        p.port_name = (char *)cases[i].port;
        p.protocol = (char *)cases[i].proto;
        k8sc__proxy_endpoint ep = { (char *)cases[i].ip, cases[i].ep_port };
        char out[K8SC__PROXY_CHAIN_MAX];
        k8sc__proxy_chain_name(out, cases[i].prefix, &p, cases[i].ip ? &ep : NULL);
        ck_assert_str_eq(out, cases[i].want);
    }
}
END_TEST

START_TEST(test_model_joins_ready_endpoints)
{
    k8sc_object *svcs[] = { web_service(""),
        parse("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"headless\",\"namespace\":\"ns1\"},"
              "\"spec\":{\"clusterIP\":\"None\",\"ports\":[{\"port\":80}]}}"),
        parse("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"bad name\",\"namespace\":\"ns1\"},"
              "\"spec\":{\"clusterIP\":\"10.96.0.12\",\"ports\":[{\"port\":80}]}}"),
        parse("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"odd\",\"namespace\":\"ns1\"},"
              "\"spec\":{\"clusterIP\":\"10.96.0.13\",\"ports\":[{\"port\":70000},{\"port\":\"x\"},"
              "{\"port\":53,\"protocol\":\"ICMP\"},{\"port\":81,\"name\":\"a\\\"b\"}]}}") };
    k8sc_object *slices[] = { slice("web-1", "web", three_ready),
        slice("web-2", "web", "{\"addresses\":[\"10.1.0.2\"]},{\"addresses\":[\"fd00::1\"]}"),
        slice("other-1", "other", "{\"addresses\":[\"10.1.0.7\"]}") };
    k8sc__proxy_model m;
    build(&m, svcs, 4, slices, 3);
    ck_assert_uint_eq(m.n_ports, 1);
    k8sc__proxy_port *p = &m.ports[0];
    ck_assert_str_eq(p->namespace_, "ns1");
    ck_assert_str_eq(p->port_name, "http");
    ck_assert_int_eq(p->node_port, 30080);
    ck_assert_int_eq(p->affinity_timeout_s, 0);
    ck_assert_uint_eq(p->n_endpoints, 3);
    ck_assert_str_eq(p->endpoints[0].ip, "10.1.0.1");
    ck_assert_str_eq(p->endpoints[1].ip, "10.1.0.2");
    ck_assert_str_eq(p->endpoints[2].ip, "10.1.0.3");
    ck_assert_int_eq(p->endpoints[2].port, 8080);
    k8sc__proxy_model_clear(&m);
    ck_assert_ptr_null(m.ports);
}
END_TEST

START_TEST(test_probabilities_for_three_endpoints)
{
    k8sc_object *svcs[] = { web_service("") };
    k8sc_object *slices[] = { slice("web-1", "web", three_ready) };
    k8sc__proxy_model m;
    build(&m, svcs, 1, slices, 1);
    char *text = rules(&m, K8SC_PROXY_MODE_IPTABLES, NULL, NULL);
    assert_has(text, "-A KUBE-SERVICES -m comment --comment \"ns1/web:http cluster IP\" -m tcp -p tcp -d 10.96.0.10/32 "
                     "--dport 80 -j KUBE-SVC-4LVCYZMTA5CQO6SX\n");
    assert_has(text, "-A KUBE-SVC-4LVCYZMTA5CQO6SX -m comment --comment \"ns1/web:http -> 10.1.0.1:8080\" -m statistic "
                     "--mode random --probability 0.3333333333 -j KUBE-SEP-PYYSTSHS3GQMPLXS\n");
    assert_has(text, "-A KUBE-SVC-4LVCYZMTA5CQO6SX -m comment --comment \"ns1/web:http -> 10.1.0.2:8080\" -m statistic "
                     "--mode random --probability 0.5000000000 -j KUBE-SEP-5Z2NEDK7DNO3QKM3\n");
    assert_has(text, "-A KUBE-SVC-4LVCYZMTA5CQO6SX -m comment --comment \"ns1/web:http -> 10.1.0.3:8080\" "
                     "-j KUBE-SEP-FTUMMQ74AP47CVWH\n");
    assert_has(text, ":KUBE-SEP-FTUMMQ74AP47CVWH - [0:0]\n");
    assert_has(text, "-A KUBE-SEP-PYYSTSHS3GQMPLXS -m comment --comment ns1/web:http -s 10.1.0.1/32 -j KUBE-MARK-MASQ\n");
    assert_has(text, "-A KUBE-SEP-PYYSTSHS3GQMPLXS -m comment --comment ns1/web:http -m tcp -p tcp -j DNAT "
                     "--to-destination 10.1.0.1:8080\n");
    assert_lacks(text, "-m recent");
    ck_assert_uint_eq(count(text, "-m statistic"), 2);
    /* Masquerade only what the rules marked. */
    ck_assert_uint_eq(count(text, "-j MASQUERADE"), 1);
    assert_has(text, "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n");
    assert_has(text, "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n");
    ck_assert_ptr_eq(strstr(text, "*filter\n"), text);
    ck_assert_ptr_nonnull(strstr(text, "COMMIT\n*nat\n"));
    ck_assert_int_eq(strcmp(text + strlen(text) - 7, "COMMIT\n"), 0);
    k8sc_free(text);
    k8sc__proxy_model_clear(&m);
}
END_TEST

START_TEST(test_affinity_and_nodeports)
{
    k8sc_object *svcs[] = { web_service(",\"sessionAffinity\":\"ClientIP\","
                                        "\"sessionAffinityConfig\":{\"clientIP\":{\"timeoutSeconds\":60}}") };
    k8sc_object *slices[] = { slice("web-1", "web", "{\"addresses\":[\"10.1.0.1\"]},{\"addresses\":[\"10.1.0.2\"]}") };
    k8sc__proxy_model m;
    build(&m, svcs, 1, slices, 1);
    ck_assert_int_eq(m.ports[0].affinity_timeout_s, 60);
    char *text = rules(&m, K8SC_PROXY_MODE_IPTABLES, NULL, NULL);
    const char *check = "-A KUBE-SVC-4LVCYZMTA5CQO6SX -m comment --comment \"ns1/web:http -> 10.1.0.1:8080\" -m recent "
                        "--name KUBE-SEP-PYYSTSHS3GQMPLXS --rcheck --seconds 60 --reap -j KUBE-SEP-PYYSTSHS3GQMPLXS\n";
    const char *spread = "--probability 0.5000000000 -j KUBE-SEP-PYYSTSHS3GQMPLXS\n";
    assert_has(text, check);
    assert_has(text, spread);
    /* The sticky checks come before the random spread. */
    ck_assert(strstr(text, check) < strstr(text, spread));
    assert_has(text, "-A KUBE-SEP-PYYSTSHS3GQMPLXS -m comment --comment ns1/web:http -m tcp -p tcp -m recent --name "
                     "KUBE-SEP-PYYSTSHS3GQMPLXS --set -j DNAT --to-destination 10.1.0.1:8080\n");
    assert_has(text, "-A KUBE-NODEPORTS -m comment --comment ns1/web:http -m tcp -p tcp --dport 30080 "
                     "-j KUBE-EXT-4LVCYZMTA5CQO6SX\n");
    assert_has(text, "-A KUBE-EXT-4LVCYZMTA5CQO6SX -m comment --comment \"masquerade traffic for ns1/web:http external "
                     "destinations\" -j KUBE-MARK-MASQ\n-A KUBE-EXT-4LVCYZMTA5CQO6SX -j KUBE-SVC-4LVCYZMTA5CQO6SX\n");
    /* The NodePort jump is the last rule of KUBE-SERVICES. */
    const char *last = "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last "
                       "rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n";
    assert_has(text, last);
    ck_assert_ptr_null(strstr(strstr(text, last) + 1, "-A KUBE-SERVICES"));
    k8sc_free(text);
    k8sc__proxy_model_clear(&m);
}
END_TEST

START_TEST(test_stale_chains_are_deleted)
{
    k8sc_object *svcs[] = { web_service("") };
    k8sc_object *slices[] = { slice("web-1", "web", three_ready) };
    k8sc__proxy_model m;
    build(&m, svcs, 1, slices, 1);
    k8sc__proxy_chains first = { NULL, NULL, 0 }, second = { NULL, NULL, 0 };
    char *text = rules(&m, K8SC_PROXY_MODE_IPTABLES, NULL, &first);
    assert_lacks(text, "-X ");
    k8sc_free(text);
    /* 4 fixed nat chains + SVC + EXT + 3 SEP, 2 filter chains. */
    ck_assert_uint_eq(first.n, 11);
    ck_assert_str_eq(first.names[0], "filter/KUBE-EXTERNAL-SERVICES");

    /* 10.1.0.3 leaves: its chain is flushed and deleted in the same transaction. */
    k8sc_free(m.ports[0].endpoints[2].ip);
    m.ports[0].endpoints[2].ip = NULL;
    m.ports[0].n_endpoints = 2;
    text = rules(&m, K8SC_PROXY_MODE_IPTABLES, &first, &second);
    ck_assert_uint_eq(second.n, 10);
    assert_has(text, ":KUBE-SEP-FTUMMQ74AP47CVWH - [0:0]\n");
    assert_has(text, "-X KUBE-SEP-FTUMMQ74AP47CVWH\nCOMMIT\n");
    ck_assert_uint_eq(count(text, "-X "), 1);
    assert_lacks(text, "-j KUBE-SEP-FTUMMQ74AP47CVWH");
    k8sc_free(text);

    /* The service goes: everything but the fixed chains goes, and the filter table rejects nothing. */
    k8sc__proxy_model empty = { NULL, 0 };
    text = rules(&empty, K8SC_PROXY_MODE_IPTABLES, &second, NULL);
    ck_assert_uint_eq(count(text, "-X "), 4);
    assert_has(text, "-X KUBE-SVC-4LVCYZMTA5CQO6SX\n");
    assert_has(text, "-X KUBE-EXT-4LVCYZMTA5CQO6SX\n");
    assert_lacks(text, "REJECT");
    k8sc_free(text);
    k8sc__proxy_chains_clear(&first);
    k8sc__proxy_chains_clear(&second);
    k8sc__proxy_model_clear(&m);
}
END_TEST

START_TEST(test_no_endpoints_rejected)
{
    k8sc_object *svcs[] = { web_service("") };
    k8sc_object *slices[] = { slice("web-1", "web", "{\"addresses\":[\"10.1.0.1\"],\"conditions\":{\"ready\":false}}") };
    k8sc__proxy_model m;
    build(&m, svcs, 1, slices, 1);
    ck_assert_uint_eq(m.ports[0].n_endpoints, 0);
    for (int mode = K8SC_PROXY_MODE_IPTABLES; mode <= K8SC_PROXY_MODE_USERSPACE; mode++) {
        char *text = rules(&m, (k8sc_proxy_mode)mode, NULL, NULL);
        assert_has(text, "-A KUBE-SERVICES -m comment --comment \"ns1/web:http has no endpoints\" -m tcp -p tcp "
                         "-d 10.96.0.10/32 --dport 80 -j REJECT\n");
        assert_has(text, "-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns1/web:http has no endpoints\" -m addrtype "
                         "--dst-type LOCAL -m tcp -p tcp --dport 30080 -j REJECT\n");
        /* The REJECTs are in the filter table, and nothing leads the service anywhere in nat. */
        ck_assert(strstr(text, "-j REJECT") < strstr(text, "*nat\n"));
        assert_lacks(text, "KUBE-SVC-");
        assert_lacks(text, "--to-ports");
        k8sc_free(text);
    }
    k8sc__proxy_model_clear(&m);
}
END_TEST

START_TEST(test_userspace_portals)
{
    k8sc_object *svcs[] = { web_service("") };
    k8sc_object *slices[] = { slice("web-1", "web", "{\"addresses\":[\"10.1.0.1\"]}") };
    k8sc__proxy_model m;
    build(&m, svcs, 1, slices, 1);
    m.ports[0].proxy_port = 40001;
    k8sc__proxy_chains now = { NULL, NULL, 0 };
    char *text = rules(&m, K8SC_PROXY_MODE_USERSPACE, NULL, &now);
    assert_has(text, "-A KUBE-PORTALS-CONTAINER -m comment --comment ns1/web:http -m tcp -p tcp -d 10.96.0.10/32 "
                     "--dport 80 -j REDIRECT --to-ports 40001\n");
    assert_has(text, "-A KUBE-PORTALS-HOST -m comment --comment ns1/web:http -m tcp -p tcp -d 10.96.0.10/32 "
                     "--dport 80 -j DNAT --to-destination 10.0.0.1:40001\n");
    assert_has(text, "-A KUBE-NODEPORT-CONTAINER -m comment --comment ns1/web:http -m tcp -p tcp --dport 30080 "
                     "-j REDIRECT --to-ports 40001\n");
    assert_has(text, "-A KUBE-NODEPORT-HOST -m comment --comment ns1/web:http -m tcp -p tcp --dport 30080 "
                     "-j DNAT --to-destination 10.0.0.1:40001\n");
    assert_lacks(text, "KUBE-SVC-");
    assert_lacks(text, "MASQUERADE");
    ck_assert_uint_eq(now.n, 6);
    k8sc_free(text);
    /* Switching to iptables mode drops the portal chains. */
    text = rules(&m, K8SC_PROXY_MODE_IPTABLES, &now, NULL);
    assert_has(text, "-X KUBE-PORTALS-CONTAINER\n");
    assert_has(text, "-X KUBE-NODEPORT-HOST\n");
    assert_lacks(text, "-X KUBE-SERVICES");
    k8sc_free(text);
    k8sc__proxy_chains_clear(&now);
    k8sc__proxy_model_clear(&m);
}
END_TEST

START_TEST(test_bad_arguments)
{
    k8sc__proxy_model m = { NULL, 0 };
    k8sc__proxy_rules_options o = { K8SC_PROXY_MODE_USERSPACE, NULL, NULL, false };
    char *text = NULL;
    ck_assert_int_eq(k8sc__proxy_rules(&text, NULL, NULL, &m, &o, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc__proxy_rules(NULL, NULL, NULL, &m, &o, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc__proxy_model_build(NULL, NULL, 0, NULL, 0, NULL), K8SC_EINVAL);
    k8sc_proxy_options po = K8SC_PROXY_OPTIONS_INIT;
    ck_assert_int_eq(k8sc_proxy_options_init(&po, 99), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_proxy_options_init(&po, K8SC_PROXY_OPTIONS_VERSION), 0);
    k8sc_proxy *p = NULL;
    ck_assert_int_eq(k8sc_proxy_new(&p, NULL, &po), K8SC_EINVAL);
    k8sc_client *client = NULL;
    k8sc_client_config *cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, "http://127.0.0.1:1"), 0);
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    co.config = cfg;
    ck_assert_int_eq(k8sc_client_new(&client, &co), 0);
    po.mode = K8SC_PROXY_MODE_USERSPACE;
    ck_assert_int_eq(k8sc_proxy_new(&p, client, &po), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "node IP"));
    po.node_ip = "10.0.0.300";
    ck_assert_int_eq(k8sc_proxy_new(&p, client, &po), K8SC_EINVAL);
    po.node_ip = "10.0.0.1";
    po.cluster_cidr = "10.244.0.0/33";
    ck_assert_int_eq(k8sc_proxy_new(&p, client, &po), K8SC_EINVAL);
    po.cluster_cidr = "10.244.0.0/16";
    po.mode = (k8sc_proxy_mode)7;
    ck_assert_int_eq(k8sc_proxy_new(&p, client, &po), K8SC_EINVAL);
    po.mode = K8SC_PROXY_MODE_IPTABLES;
    ck_assert_int_eq(k8sc_proxy_new(&p, client, &po), 0);
    ck_assert_uint_eq(k8sc_proxy_sync_count(p), 0);
    k8sc_proxy_free(p);
    k8sc_proxy_free(NULL);
    k8sc_proxy_stop(NULL);
    k8sc_client_free(client);
    k8sc_client_config_free(cfg);
}
END_TEST

START_TEST(test_cluster_cidr_masquerade)
{
    k8sc_object *svcs[] = { web_service("") };
    k8sc_object *slices[] = { slice("web-1", "web", "{\"addresses\":[\"10.1.0.1\"]}") };
    k8sc__proxy_model m;
    build(&m, svcs, 1, slices, 1);
    k8sc__proxy_rules_options o = { K8SC_PROXY_MODE_IPTABLES, NULL, "10.244.0.0/16", false };
    char *text = NULL;
    ck_assert_int_eq(k8sc__proxy_rules(&text, NULL, NULL, &m, &o, NULL), 0);
    assert_has(text, "-A KUBE-SVC-4LVCYZMTA5CQO6SX -m comment --comment \"ns1/web:http cluster IP\" -m tcp -p tcp "
                     "-d 10.96.0.10/32 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ\n");
    k8sc_free(text);
    k8sc__proxy_model_clear(&m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proxy_rules");
    k8sc_test_add(s, "chain_names_match_kube_proxy", test_chain_names_match_kube_proxy);
    k8sc_test_add(s, "model_joins_ready_endpoints", test_model_joins_ready_endpoints);
    k8sc_test_add(s, "probabilities_for_three_endpoints", test_probabilities_for_three_endpoints);
    k8sc_test_add(s, "affinity_and_nodeports", test_affinity_and_nodeports);
    k8sc_test_add(s, "stale_chains_are_deleted", test_stale_chains_are_deleted);
    k8sc_test_add(s, "no_endpoints_rejected", test_no_endpoints_rejected);
    k8sc_test_add(s, "userspace_portals", test_userspace_portals);
    k8sc_test_add(s, "cluster_cidr_masquerade", test_cluster_cidr_masquerade);
    k8sc_test_add(s, "bad_arguments", test_bad_arguments);
    k8sc_test_add(s, "partial_sync_writes_changed_chains", test_partial_sync_writes_changed_chains);
    k8sc_test_add(s, "failed_restore_forces_full_sync", test_failed_restore_forces_full_sync);
    return k8sc_test_main(s);
}
