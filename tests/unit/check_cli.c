/*
 * The cli module: the JSONPath subset, table printing (kubectl's
 * tabwriter layout, wide, no headers, namespace and labels columns),
 * -o name/yaml/json, type resolution, and against an in-process API server
 * the Table fetch (in process and over HTTP) and client-side apply.
 */
#include "k8sc/apiserver.h"
#include "k8sc/cli.h"
#include "k8sc/client.h"
#include "k8sc/codec.h"
#include "k8sc/core.h"
#include "k8sc/store.h"
#include "testutil.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct json_object *doc(const char *json)
{
    struct json_object *v = NULL;
    ck_assert_msg(k8sc_json_parse(&v, json, strlen(json)) == 0, "%s", k8sc_error_last());
    return v;
}

static k8sc_object *obj(const char *json)
{
    k8sc_object *o = NULL;
    ck_assert_msg(k8sc_object_from_json(&o, json, strlen(json)) == 0, "%s", k8sc_error_last());
    return o;
}

static const char *const LIST =
    "{\"kind\":\"List\",\"items\":["
    "{\"metadata\":{\"name\":\"a\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"ports\":[1,2,3]}},"
    "{\"metadata\":{\"name\":\"b\"},\"spec\":{\"ports\":[4]}}]}";

START_TEST(test_jsonpath_table)
{
    static const struct {
        const char *tmpl, *want;
    } cases[] = {
        { "{.kind}", "List" },
        { "{.items[*].metadata.name}", "a b" },
        { "{.items[0].metadata.name}", "a" },
        { "{.items[-1].metadata.name}", "b" },
        { "{.items[5].metadata.name}", "" },
        { "{.items[0].spec.ports}", "[1,2,3]" },
        { "{.items[0].spec.ports[*]}", "1 2 3" },
        { "{.items[0].metadata.labels}", "{\"app\":\"web\"}" },
        { "{.items[0].metadata['labels']['app']}", "web" },
        { "{.missing.field}", "" },
        { "name={.items[1].metadata.name}!", "name=b!" },
        { "{range .items[*]}{.metadata.name}:{.spec.ports[0]}{\"\\n\"}{end}", "a:1\nb:4\n" },
        { "{range .items[*]}[{range .spec.ports[*]}{@}{end}]{end}", "[123][4]" },
        { "{range .nothing[*]}x{end}after", "after" },
        { "plain text", "plain text" },
    };
    struct json_object *root = doc(LIST);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = NULL;
        ck_assert_msg(k8sc_cli_jsonpath(&out, cases[i].tmpl, root) == 0, "%s: %s", cases[i].tmpl, k8sc_error_last());
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "%s: got [%s], want [%s]", cases[i].tmpl, out, cases[i].want);
        k8sc_free(out);
    }
    struct json_object *s = json_object_new_string("x");
    char *out = NULL;
    ck_assert_int_eq(k8sc_cli_jsonpath(&out, "{.}", s), 0);
    ck_assert_str_eq(out, "x");
    k8sc_free(out);
    json_object_put(s);
    json_object_put(root);
}
END_TEST

START_TEST(test_jsonpath_errors)
{
    static const char *const bad[] = { "{.a", "{.items[x]}", "{.items[0}", "{end}", "{range .items[*]}x",
        "{..name}" };
    struct json_object *root = doc(LIST);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *out = (char *)"unset";
        ck_assert_msg(k8sc_cli_jsonpath(&out, bad[i], root) == K8SC_EINVAL, "%s parsed", bad[i]);
        ck_assert_ptr_null(out);
        ck_assert_msg(strstr(k8sc_error_last(), "jsonpath") != NULL, "%s: %s", bad[i], k8sc_error_last());
    }
    json_object_put(root);
}
END_TEST

static const char *const TABLE =
    "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"columnDefinitions\":["
    "{\"name\":\"Name\",\"type\":\"string\",\"priority\":0},"
    "{\"name\":\"Ready\",\"type\":\"string\",\"priority\":0},"
    "{\"name\":\"Restarts\",\"type\":\"integer\",\"priority\":0},"
    "{\"name\":\"IP\",\"type\":\"string\",\"priority\":1},"
    "{\"name\":\"Age\",\"type\":\"string\",\"priority\":0}],\"rows\":["
    "{\"cells\":[\"web-1\",\"1/1\",0,\"10.0.0.1\",\"5s\"],"
    "\"object\":{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\",\"labels\":{\"b\":\"2\",\"a\":\"1\"}}}},"
    "{\"cells\":[\"x\",\"0/1\",12,null,\"3m2s\"],\"object\":{\"metadata\":{\"name\":\"x\",\"namespace\":\"kube-system\"}}}]}";

static char *format(const char *table, bool wide, bool no_headers, bool ns, bool labels)
{
    k8sc_object *t = obj(table);
    k8sc_cli_table_options o;
    ck_assert_int_eq(k8sc_cli_table_options_init(&o, K8SC_CLI_TABLE_OPTIONS_VERSION), 0);
    o.wide = wide;
    o.no_headers = no_headers;
    o.with_namespace = ns;
    o.show_labels = labels;
    char *out = NULL;
    ck_assert_msg(k8sc_cli_table_format(&out, t, &o) == 0, "%s", k8sc_error_last());
    k8sc_object_free(t);
    return out;
}

START_TEST(test_table_format)
{
    static const struct {
        bool wide, no_headers, ns, labels;
        const char *want;
    } cases[] = {
        { false, false, false, false,
          "NAME    READY   RESTARTS   AGE\n"
          "web-1   1/1     0          5s\n"
          "x       0/1     12         3m2s\n" },
        { true, false, false, false,
          "NAME    READY   RESTARTS   IP         AGE\n"
          "web-1   1/1     0          10.0.0.1   5s\n"
          "x       0/1     12         <none>     3m2s\n" },
        { false, true, false, false,
          "web-1   1/1   0     5s\n"
          "x       0/1   12    3m2s\n" },
        { false, false, true, true,
          "NAMESPACE     NAME    READY   RESTARTS   AGE    LABELS\n"
          "default       web-1   1/1     0          5s     a=1,b=2\n"
          "kube-system   x       0/1     12         3m2s   <none>\n" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = format(TABLE, cases[i].wide, cases[i].no_headers, cases[i].ns, cases[i].labels);
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "case %zu: got\n%s\nwant\n%s", i, out, cases[i].want);
        k8sc_free(out);
    }
}
END_TEST

START_TEST(test_table_edges)
{
    /* No rows: nothing at all, not even headers (the caller says "No resources found"). */
    char *out = format("{\"columnDefinitions\":[{\"name\":\"Name\",\"priority\":0}],\"rows\":[]}", false, false,
        false, false);
    ck_assert_str_eq(out, "");
    k8sc_free(out);
    /* Columns are at least 6 wide (tabwriter minwidth) and the last is never padded. */
    out = format("{\"columnDefinitions\":[{\"name\":\"A\"},{\"name\":\"B\"}],\"rows\":[{\"cells\":[\"x\",\"y\"]}]}",
        false, false, false, false);
    ck_assert_str_eq(out, "A     B\nx     y\n");
    k8sc_free(out);
    k8sc_object *t = obj("{\"columnDefinitions\":{},\"rows\":[]}");
    ck_assert_int_eq(k8sc_cli_table_format(&out, t, NULL), K8SC_EINVAL);
    ck_assert_uint_eq(k8sc_cli_table_rows(t), 0);
    k8sc_object_free(t);
    ck_assert_uint_eq(k8sc_cli_table_rows(NULL), 0);

    k8sc_object *a = obj(TABLE), *b = obj(TABLE);
    ck_assert_int_eq(k8sc_cli_table_append(a, b), 0);
    ck_assert_uint_eq(k8sc_cli_table_rows(a), 4);
    k8sc_object_free(a);
    k8sc_object_free(b);
}
END_TEST

START_TEST(test_resolve)
{
    static const struct {
        const char *arg, *api_version, *kind;
    } cases[] = {
        { "pods", "v1", "Pod" },
        { "pod", "v1", "Pod" },
        { "po", "v1", "Pod" },
        { "Pod", "v1", "Pod" },
        { "deploy", "apps/v1", "Deployment" },
        { "deployments.apps", "apps/v1", "Deployment" },
        { "cm", "v1", "ConfigMap" },
        { "ns", "v1", "Namespace" },
        { "no", "v1", "Node" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const k8sc_resource *r = NULL;
        ck_assert_msg(k8sc_cli_resolve(&r, NULL, cases[i].arg) == 0, "%s: %s", cases[i].arg, k8sc_error_last());
        ck_assert_str_eq(k8sc_resource_api_version(r), cases[i].api_version);
        ck_assert_str_eq(k8sc_resource_kind(r), cases[i].kind);
    }
    const k8sc_resource *r = NULL;
    ck_assert_int_eq(k8sc_cli_resolve(&r, NULL, "foo"), K8SC_ENOTFOUND);
    ck_assert_str_eq(k8sc_error_last(), "the server doesn't have a resource type \"foo\"");
    ck_assert_int_eq(k8sc_cli_resolve(&r, NULL, ""), K8SC_ENOTFOUND);
}
END_TEST

START_TEST(test_format_outputs)
{
    const k8sc_resource *r = NULL;
    ck_assert_int_eq(k8sc_cli_resolve(&r, NULL, "deploy"), 0);
    k8sc_object *items[2] = { obj("{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"}}"),
        obj("{\"metadata\":{\"name\":\"api\"}}") };
    char *out = NULL;
    ck_assert_int_eq(k8sc_cli_format(&out, "name", r, items, 2, true), 0);
    ck_assert_str_eq(out, "deployment.apps/web\ndeployment.apps/api\n");
    k8sc_free(out);
    ck_assert_int_eq(k8sc_cli_format(&out, "yaml", r, items, 1, false), 0);
    ck_assert_str_eq(out, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\n");
    k8sc_free(out);
    ck_assert_int_eq(k8sc_cli_format(&out, "yaml", r, items, 0, true), 0);
    ck_assert_str_eq(out, "apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n");
    k8sc_free(out);
    ck_assert_int_eq(k8sc_cli_format(&out, "json", r, items + 1, 1, false), 0);
    ck_assert_str_eq(out, "{\n    \"apiVersion\": \"apps/v1\",\n    \"kind\": \"Deployment\",\n"
                          "    \"metadata\": {\n        \"name\": \"api\"\n    }\n}\n");
    k8sc_free(out);
    ck_assert_int_eq(k8sc_cli_format(&out, "jsonpath={.items[*].kind}", r, items, 2, true), 0);
    ck_assert_str_eq(out, "Deployment Deployment");
    k8sc_free(out);
    ck_assert_int_eq(k8sc_cli_format(&out, "xml", r, items, 1, false), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "output format \"xml\""));
    /* The objects were not changed by filling in apiVersion and kind. */
    ck_assert_ptr_null(k8sc_object_kind(items[0]));

    char ref[64];
    k8sc_cli_object_ref(ref, sizeof(ref), "v1", "ConfigMap", "alpha");
    ck_assert_str_eq(ref, "configmap/alpha");
    k8sc_cli_object_ref(ref, sizeof(ref), "rbac.authorization.k8s.io/v1", "ClusterRole", "x");
    ck_assert_str_eq(ref, "clusterrole.rbac.authorization.k8s.io/x");

    k8sc_object *list = obj("{\"kind\":\"List\",\"items\":[{\"metadata\":{\"name\":\"a\"}},{\"metadata\":{\"name\":\"b\"}}]}");
    k8sc_object **got = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc_cli_list_items(&got, &n, list), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(k8sc_object_name(got[1]), "b");
    k8sc_objects_free(got, n);
    k8sc_object_free(list);
    list = obj("{\"kind\":\"List\"}");
    ck_assert_int_eq(k8sc_cli_list_items(&got, &n, list), K8SC_EINVAL);
    k8sc_object_free(list);
    k8sc_object_free(items[0]);
    k8sc_object_free(items[1]);
}
END_TEST

static k8sc_store *store;
static k8sc_registry *registry;
static k8sc_apiserver *srv;

static void setup(void)
{
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    ck_assert_int_eq(k8sc_registry_new(&registry), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = store;
    o.registry = registry;
    ck_assert_msg(k8sc_apiserver_new(&srv, &o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_apiserver_start(srv) == 0, "%s", k8sc_error_last());
}

static void teardown(void)
{
    k8sc_apiserver_free(srv);
    k8sc_registry_free(registry);
    k8sc_store_close(store);
}

static k8sc_client *http_client(void)
{
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", k8sc_apiserver_port(srv));
    k8sc_client_config *cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, url), 0);
    k8sc_client_options o = K8SC_CLIENT_OPTIONS_INIT;
    o.config = cfg;
    k8sc_client *c = NULL;
    ck_assert_msg(k8sc_client_new(&c, &o) == 0, "%s", k8sc_error_last());
    k8sc_client_config_free(cfg);
    return c;
}

START_TEST(test_get_table)
{
    k8sc_client *clients[2] = { http_client(), NULL };
    ck_assert_int_eq(k8sc_client_new_in_process(&clients[1], srv), 0);
    k8sc_object *cm = obj("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"alpha\","
                          "\"labels\":{\"app\":\"web\"}},\"data\":{\"a\":\"1\",\"b\":\"2\"}}");
    ck_assert_int_eq(k8sc_client_create(NULL, clients[0], cm), 0);
    k8sc_object_free(cm);
    const k8sc_resource *r = NULL;
    ck_assert_int_eq(k8sc_cli_resolve(&r, NULL, "cm"), 0);
    for (int i = 0; i < 2; i++) {
        k8sc_object *t = NULL;
        k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
        lo.label_selector = "app=web";
        ck_assert_msg(k8sc_cli_get_table(&t, clients[i], r, NULL, NULL, &lo) == 0, "%s", k8sc_error_last());
        ck_assert_uint_eq(k8sc_cli_table_rows(t), 1);
        k8sc_cli_table_options o = K8SC_CLI_TABLE_OPTIONS_INIT;
        o.show_labels = true;
        char *out = NULL;
        ck_assert_int_eq(k8sc_cli_table_format(&out, t, &o), 0);
        ck_assert_msg(strncmp(out, "NAME    DATA   AGE   LABELS\nalpha   2      ", 43) == 0, "%s", out);
        ck_assert_ptr_nonnull(strstr(out, "app=web\n"));
        k8sc_free(out);
        k8sc_object_free(t);
        lo.label_selector = "app=none";
        ck_assert_int_eq(k8sc_cli_get_table(&t, clients[i], r, "", NULL, &lo), 0);
        ck_assert_uint_eq(k8sc_cli_table_rows(t), 0);
        k8sc_object_free(t);
        ck_assert_int_eq(k8sc_cli_get_table(&t, clients[i], r, NULL, "alpha", NULL), 0);
        ck_assert_uint_eq(k8sc_cli_table_rows(t), 1);
        k8sc_object_free(t);
        ck_assert_int_eq(k8sc_cli_get_table(&t, clients[i], r, NULL, "missing", NULL), K8SC_ENOTFOUND);
        ck_assert_str_eq(k8sc_error_last(), "configmaps \"missing\" not found");
        ck_assert_ptr_null(t);

        char *version = NULL;
        ck_assert_int_eq(k8sc_cli_server_version(&version, clients[i]), 0);
        ck_assert_msg(strncmp(version, "v1.", 3) == 0, "%s", version);
        k8sc_free(version);
        k8sc_object *res = NULL;
        ck_assert_int_eq(k8sc_cli_api_resources(&res, clients[i]), 0);
        ck_assert_int_eq(k8sc_cli_table_format(&out, res, NULL), 0);
        ck_assert_msg(strncmp(out, "NAME ", 5) == 0, "%s", out);
        ck_assert_ptr_nonnull(strstr(out, "\nconfigmaps "));
        ck_assert_ptr_nonnull(strstr(out, "   apps/v1 "));
        ck_assert_ptr_null(strstr(out, "/status"));
        k8sc_free(out);
        k8sc_object_free(res);
        k8sc_client_free(clients[i]);
    }
}
END_TEST

START_TEST(test_apply)
{
    k8sc_client *c = http_client();
    const char *v1 = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\"},"
                     "\"data\":{\"a\":\"1\",\"b\":\"2\"}}";
    const char *v2 = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\"},"
                     "\"data\":{\"a\":\"changed\"}}";
    static const struct {
        int manifest;
        k8sc_cli_apply_result want;
    } steps[] = { { 1, K8SC_CLI_APPLY_CREATED }, { 1, K8SC_CLI_APPLY_UNCHANGED }, { 2, K8SC_CLI_APPLY_CONFIGURED },
        { 2, K8SC_CLI_APPLY_UNCHANGED } };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        k8sc_object *m = obj(steps[i].manifest == 1 ? v1 : v2), *live = NULL;
        k8sc_cli_apply_result res = K8SC_CLI_APPLY_UNCHANGED;
        bool adopted = true;
        ck_assert_msg(k8sc_cli_apply(&live, &res, &adopted, c, m) == 0, "%s", k8sc_error_last());
        ck_assert_int_eq(res, steps[i].want);
        ck_assert(!adopted);
        ck_assert_str_eq(k8sc_cli_apply_result_name(res), i == 0 ? "created" : i == 2 ? "configured" : "unchanged");
        k8sc_object_free(live);
        k8sc_object_free(m);
    }
    k8sc_object *live = NULL;
    ck_assert_int_eq(k8sc_client_get(&live, c, K8SC_CONFIGMAP, NULL, "cfg"), 0);
    /* Removed from the manifest, so removed from the object; the annotation is kubectl's bytes. */
    ck_assert_str_eq(k8sc_object_get_string(live, "data.a"), "changed");
    ck_assert(!k8sc_object_has(live, "data.b"));
    ck_assert_str_eq(k8sc_object_meta_get(live, K8SC_ANNOTATIONS, K8SC_CLI_LAST_APPLIED),
        "{\"apiVersion\":\"v1\",\"data\":{\"a\":\"changed\"},\"kind\":\"ConfigMap\",\"metadata\":"
        "{\"annotations\":{},\"name\":\"cfg\",\"namespace\":\"default\"}}\n");
    k8sc_object_free(live);

    /* An object created without the annotation is adopted. */
    k8sc_object *plain = obj("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"plain\"}}");
    ck_assert_int_eq(k8sc_client_create(NULL, c, plain), 0);
    k8sc_cli_apply_result res;
    bool adopted = false;
    ck_assert_int_eq(k8sc_cli_apply(NULL, &res, &adopted, c, plain), 0);
    ck_assert(adopted);
    ck_assert_int_eq(res, K8SC_CLI_APPLY_CONFIGURED);
    k8sc_object_free(plain);

    k8sc_object *nameless = obj("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{}}");
    ck_assert_int_eq(k8sc_cli_apply(NULL, &res, NULL, c, nameless), K8SC_EINVAL);
    k8sc_object_free(nameless);
    k8sc_object *unknown = obj("{\"apiVersion\":\"nope/v1\",\"kind\":\"Thing\",\"metadata\":{\"name\":\"x\"}}");
    ck_assert_int_eq(k8sc_cli_apply(NULL, &res, NULL, c, unknown), K8SC_ENOTFOUND);
    k8sc_object_free(unknown);
    k8sc_client_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, test_jsonpath_table);
    tcase_add_test(tc, test_jsonpath_errors);
    tcase_add_test(tc, test_table_format);
    tcase_add_test(tc, test_table_edges);
    tcase_add_test(tc, test_resolve);
    tcase_add_test(tc, test_format_outputs);
    suite_add_tcase(s, tc);
    TCase *srv_tc = tcase_create("apiserver");
    tcase_add_checked_fixture(srv_tc, setup, teardown);
    tcase_set_timeout(srv_tc, 60);
    tcase_add_test(srv_tc, test_get_table);
    tcase_add_test(srv_tc, test_apply);
    suite_add_tcase(s, srv_tc);
    return k8sc_test_main(s);
}
