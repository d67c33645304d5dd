/*
 * The cli module: the JSONPath subset, table printing (kubectl's
 * tabwriter layout, wide, no headers, namespace and labels columns),
 * -o name/yaml/json, type resolution, label/annotate and taint changes,
 * describe layouts for fixed objects, kubectl's ranking of pods, and
 * against an in-process API server the Table fetch (in process and over
 * HTTP), client-side apply and k8sctl's command line (k8sc_cli_main) with
 * its messages and exit codes (logs/exec/attach of TYPE/NAME, edit of a List).
 */
#include "cli/cli_internal.h"
#include "k8sc/apiserver.h"
#include "k8sc/cli.h"
#include "k8sc/client.h"
#include "k8sc/codec.h"
#include "k8sc/core.h"
#include "k8sc/store.h"
#include "testutil.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

START_TEST(test_meta_patch)
{
    static const struct {
        k8sc_meta_map map;
        const char *changes[3];
        bool overwrite;
        int rc;
        const char *want; /* the patch, or the error message */
    } cases[] = {
        { K8SC_LABELS, { "tier=db" }, false, 0, "{\"metadata\":{\"labels\":{\"tier\":\"db\"}}}" },
        { K8SC_LABELS, { "app=web" }, false, 0, "{}" },
        { K8SC_LABELS, { "app=api" }, false, K8SC_EINVAL, "'app' already has a value (web), and --overwrite is false" },
        { K8SC_LABELS, { "app=api", "tier=x" }, true, 0,
          "{\"metadata\":{\"labels\":{\"app\":\"api\",\"tier\":\"x\"}}}" },
        { K8SC_LABELS, { "app-", "gone-" }, false, 0, "{\"metadata\":{\"labels\":{\"app\":null}}}" },
        { K8SC_LABELS, { "a=b=c" }, false, K8SC_EINVAL, "invalid label spec: a=b=c" },
        { K8SC_LABELS, { "=v" }, false, K8SC_EINVAL, "invalid label spec: =v" },
        { K8SC_LABELS, { "k=a b" }, false, K8SC_EINVAL, "invalid label value: \"k=a b\": a valid label must be an "
          "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
          "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
          "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')" },
        { K8SC_ANNOTATIONS, { "note=a=b c" }, false, 0, "{\"metadata\":{\"annotations\":{\"note\":\"a=b c\"}}}" },
        { K8SC_ANNOTATIONS, { "owner=me" }, false, K8SC_EINVAL,
          "--overwrite is false but found the following declared annotation(s): 'owner' already has a value (you)" },
        { K8SC_ANNOTATIONS, { "owner-" }, false, 0, "{\"metadata\":{\"annotations\":{\"owner\":null}}}" },
    };
    k8sc_object *o = obj("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\","
                         "\"labels\":{\"app\":\"web\"},\"annotations\":{\"owner\":\"you\"}}}");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = 0;
        while (n < 3 && cases[i].changes[n])
            n++;
        char *out = (char *)"unset";
        bool changed = true;
        int rc = k8sc_cli_meta_patch(&out, &changed, o, cases[i].map, cases[i].changes, n, cases[i].overwrite);
        ck_assert_msg(rc == cases[i].rc, "case %zu: rc %d: %s", i, rc, k8sc_error_last());
        if (rc) {
            ck_assert_ptr_null(out);
            ck_assert_msg(strcmp(k8sc_error_last(), cases[i].want) == 0, "case %zu: %s", i, k8sc_error_last());
            continue;
        }
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "case %zu: got %s", i, out);
        ck_assert(changed == (strcmp(cases[i].want, "{}") != 0));
        k8sc_free(out);
    }
    /* Several refused labels: one line each, as kubectl prints an aggregate. */
    k8sc_object *two = obj("{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"1\",\"b\":\"2\"}}}");
    const char *both[] = { "a=9", "b=9" };
    char *out = NULL;
    ck_assert_int_eq(k8sc_cli_meta_patch(&out, NULL, two, K8SC_LABELS, both, 2, false), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "'a' already has a value (1), and --overwrite is false\n"
                                        "'b' already has a value (2), and --overwrite is false");
    k8sc_object_free(two);
    k8sc_object_free(o);
}
END_TEST

START_TEST(test_taint_patch)
{
    static const struct {
        const char *specs[3];
        bool overwrite;
        int rc;
        const char *want;   /* the patch, or the error message */
        const char *result; /* tainted / untainted / modified */
    } cases[] = {
        { { "k=v:NoSchedule" }, false, 0,
          "{\"spec\":{\"taints\":[{\"effect\":\"NoSchedule\",\"key\":\"k\",\"value\":\"v\"},"
          "{\"key\":\"old\",\"value\":\"x\",\"effect\":\"NoExecute\"}]}}", "tainted" },
        { { "old=y:NoExecute" }, false, K8SC_EINVAL,
          "node n1 already has old taint(s) with same effect(s) and --overwrite is false", NULL },
        { { "old=y:NoExecute" }, true, 0,
          "{\"spec\":{\"taints\":[{\"effect\":\"NoExecute\",\"key\":\"old\",\"value\":\"y\"}]}}", "modified" },
        { { "old-" }, false, 0, "{\"spec\":{\"taints\":null}}", "untainted" },
        { { "old:NoSchedule-" }, false, K8SC_EINVAL, "taint \"old:NoSchedule\" not found", NULL },
        { { "a-", "b-" }, false, K8SC_EINVAL, "taint \"a\" not found\ntaint \"b\" not found", NULL },
        { { "k=v:Bad" }, false, K8SC_EINVAL, "invalid taint effect: Bad, unsupported taint effect", NULL },
        { { "k=v" }, false, K8SC_EINVAL, "invalid taint spec: k=v", NULL },
        { { "c=e:NoSchedule", "c-" }, false, K8SC_EINVAL,
          "can not both modify and remove the following taint(s) in the same command: c=", NULL },
        { { NULL }, false, K8SC_EINVAL, "at least one taint update is required", NULL },
    };
    k8sc_object *node = obj("{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\"},"
                            "\"spec\":{\"taints\":[{\"key\":\"old\",\"value\":\"x\",\"effect\":\"NoExecute\"}]}}");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = 0;
        while (n < 3 && cases[i].specs[n])
            n++;
        char *out = NULL;
        const char *result = NULL;
        int rc = k8sc_cli_taint_patch(&out, &result, node, cases[i].specs, n, cases[i].overwrite);
        ck_assert_msg(rc == cases[i].rc, "case %zu: rc %d: %s", i, rc, k8sc_error_last());
        if (rc) {
            ck_assert_msg(strcmp(k8sc_error_last(), cases[i].want) == 0, "case %zu: %s", i, k8sc_error_last());
            ck_assert_ptr_null(out);
            continue;
        }
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "case %zu: got %s", i, out);
        ck_assert_str_eq(result, cases[i].result);
        k8sc_free(out);
    }
    k8sc_object_free(node);
}
END_TEST

/* 2026-01-01T00:10:00Z: the fixed "now" of the describe tests. */
#define DESCRIBE_NOW ((time_t)1767226200)

/* Compare a long text (Check's failure messages cannot hold it: it goes to stderr). */
static void expect_text(const char *got, const char *want)
{
    if (strcmp(got, want) != 0)
        fprintf(stderr, "got:\n%s\nwant:\n%s\n", got, want);
    ck_assert_msg(strcmp(got, want) == 0, "text differs (see stderr)");
}

START_TEST(test_describe_configmap)
{
    setenv("TZ", "UTC", 1);
    tzset();
    k8sc_object *cm = obj("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"alpha\","
                          "\"namespace\":\"default\",\"labels\":{\"b\":\"2\",\"a\":\"1\"},\"annotations\":"
                          "{\"kubectl.kubernetes.io/last-applied-configuration\":\"{}\",\"note\":\"hi\"}},"
                          "\"data\":{\"z\":\"last\",\"k\":\"two words\"},\"binaryData\":{\"bin\":\"AAEC\"}}");
    k8sc_object *ev[2] = {
        obj("{\"kind\":\"Event\",\"type\":\"Warning\",\"reason\":\"Changed\",\"message\":\" edited \","
            "\"count\":3,\"firstTimestamp\":\"2026-01-01T00:00:00Z\",\"lastTimestamp\":\"2026-01-01T00:09:00Z\","
            "\"source\":{\"component\":\"tester\"}}"),
        obj("{\"kind\":\"Event\",\"type\":\"Normal\",\"reason\":\"Made\",\"message\":\"created\","
            "\"firstTimestamp\":\"2026-01-01T00:08:20Z\",\"lastTimestamp\":\"2026-01-01T00:08:20Z\","
            "\"reportingComponent\":\"maker\",\"involvedObject\":{\"fieldPath\":\"data\"}}"),
    };
    char *out = NULL;
    ck_assert_int_eq(k8sc_cli_describe_format(&out, cm, NULL, 0, ev, 2, DESCRIBE_NOW), 0);
    expect_text(out,
        "Name:         alpha\n"
        "Namespace:    default\n"
        "Labels:       a=1\n"
        "              b=2\n"
        "Annotations:  note: hi\n"
        "\n"
        "Data\n"
        "====\n"
        "k:\n"
        "----\n"
        "two words\n"
        "\n"
        "z:\n"
        "----\n"
        "last\n"
        "\n"
        "\n"
        "BinaryData\n"
        "====\n"
        "bin: 3 bytes\n"
        "\n"
        "Events:\n"
        "  Type     Reason   Age                From    Message\n"
        "  ----     ------   ----               ----    -------\n"
        "  Normal   Made     100s               maker   data: created\n"
        "  Warning  Changed  60s (x3 over 10m)  tester  edited\n");
    k8sc_free(out);
    ck_assert_int_eq(k8sc_cli_describe_format(&out, cm, NULL, 0, NULL, 0, DESCRIBE_NOW), 0);
    ck_assert_ptr_nonnull(strstr(out, "bin: 3 bytes\n\nEvents:  <none>\n"));
    k8sc_free(out);
    k8sc_object_free(ev[0]);
    k8sc_object_free(ev[1]);
    k8sc_object_free(cm);
}
END_TEST

START_TEST(test_describe_deployment)
{
    setenv("TZ", "UTC", 1);
    tzset();
    k8sc_object *d = obj("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
        "\"namespace\":\"default\",\"uid\":\"u1\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\"},\"spec\":{"
        "\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"strategy\":{\"type\":\"RollingUpdate\","
        "\"rollingUpdate\":{\"maxUnavailable\":\"25%\",\"maxSurge\":1}},\"template\":{\"metadata\":{\"labels\":"
        "{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1.27\",\"ports\":[{"
        "\"containerPort\":80,\"protocol\":\"TCP\"}],\"env\":[{\"name\":\"MODE\",\"value\":\"fast\"}],"
        "\"volumeMounts\":[{\"name\":\"cache\",\"mountPath\":\"/cache\"}]}],\"volumes\":[{\"name\":\"cache\","
        "\"emptyDir\":{}}]}}},\"status\":{\"replicas\":2,\"updatedReplicas\":2,\"availableReplicas\":1,"
        "\"unavailableReplicas\":1,\"conditions\":[{\"type\":\"Available\",\"status\":\"False\",\"reason\":"
        "\"MinimumReplicasUnavailable\"}]}}");
    k8sc_object *rs = obj("{\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"web-1\"},\"spec\":{\"replicas\":2,"
        "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\",\"pod-template-hash\":\"1\"}},\"spec\":{"
        "\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1.27\",\"ports\":[{\"containerPort\":80,\"protocol\":"
        "\"TCP\"}],\"env\":[{\"name\":\"MODE\",\"value\":\"fast\"}],\"volumeMounts\":[{\"name\":\"cache\","
        "\"mountPath\":\"/cache\"}]}],\"volumes\":[{\"name\":\"cache\",\"emptyDir\":{}}]}}},\"status\":{\"replicas\":2}}");
    char *out = NULL;
    ck_assert_int_eq(k8sc_cli_describe_format(&out, d, &rs, 1, NULL, 0, DESCRIBE_NOW), 0);
    expect_text(out,
        "Name:                   web\n"
        "Namespace:              default\n"
        "CreationTimestamp:      Thu, 01 Jan 2026 00:00:00 +0000\n"
        "Labels:                 <none>\n"
        "Annotations:            <none>\n"
        "Selector:               app=web\n"
        "Replicas:               2 desired | 2 updated | 2 total | 1 available | 1 unavailable\n"
        "StrategyType:           RollingUpdate\n"
        "MinReadySeconds:        0\n"
        "RollingUpdateStrategy:  25% max unavailable, 1 max surge\n"
        "Pod Template:\n"
        "  Labels:  app=web\n"
        "  Containers:\n"
        "   app:\n"
        "    Image:      nginx:1.27\n"
        "    Port:       80/TCP\n"
        "    Host Port:  0/TCP\n"
        "    Environment:\n"
        "      MODE:  fast\n"
        "    Mounts:\n"
        "      /cache from cache (rw)\n"
        "  Volumes:\n"
        "   cache:\n"
        "    Type:          EmptyDir (a temporary directory that shares a pod's lifetime)\n"
        "    Medium:        \n"
        "    SizeLimit:     <unset>\n"
        "  Node-Selectors:  <none>\n"
        "  Tolerations:     <none>\n"
        "Conditions:\n"
        "  Type           Status  Reason\n"
        "  ----           ------  ------\n"
        "  Available      False   MinimumReplicasUnavailable\n"
        "OldReplicaSets:  <none>\n"
        "NewReplicaSet:   web-1 (2/2 replicas created)\n"
        "Events:          <none>\n");
    k8sc_free(out);
    k8sc_object_free(rs);
    k8sc_object_free(d);
}
END_TEST

START_TEST(test_describe_generic)
{
    k8sc_object *o = obj("{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\","
                         "\"namespace\":\"default\",\"uid\":\"42\"},\"spec\":{\"sizeInBytes\":3,\"enabled\":true,"
                         "\"tags\":[\"a\",\"b\"],\"parts\":[{\"name\":\"x\"}],\"v2Name\":\"y\"}}");
    char *out = NULL;
    ck_assert_int_eq(k8sc_cli_describe_format(&out, o, NULL, 0, NULL, 0, DESCRIBE_NOW), 0);
    expect_text(out,
        "Name:         w\n"
        "Namespace:    default\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "API Version:  example.com/v1\n"
        "Kind:         Widget\n"
        "Metadata:\n"
        "  UID:  42\n"
        "Spec:\n"
        "  Enabled:  true\n"
        "  Parts:\n"
        "    Name:         x\n"
        "  Size In Bytes:  3\n"
        "  Tags:\n"
        "    a\n"
        "    b\n"
        "  v2Name:  y\n"
        "Events:    <none>\n");
    k8sc_free(out);
    k8sc_object_free(o);
}
END_TEST

START_TEST(test_custom_columns_sort)
{
    k8sc_object *items[4] = {
        obj("{\"metadata\":{\"name\":\"pod-2\",\"labels\":{\"n\":\"2\"}},\"spec\":{\"c\":[{\"i\":\"a\"},{\"i\":\"b\"}]}}"),
        obj("{\"metadata\":{\"name\":\"pod-10\",\"labels\":{\"n\":\"10\"}},\"data\":{\"k\":\"v\",\"a\":\"b c\"}}"),
        obj("{\"metadata\":{\"name\":\"x\"}}"),
        obj("{\"metadata\":{\"name\":\"pod-1\",\"labels\":{\"n\":\"1\"}}}"),
    };
    char *out = NULL;
    ck_assert_int_eq(k8sc_cli_custom_columns(&out, "NAME:.metadata.name,N:{.metadata.labels.n},IMG:spec.c[*].i,"
        "DATA:.data", items, 4, false), 0);
    expect_text(out,
        "NAME     N        IMG      DATA\n"
        "pod-2    2        a,b      <none>\n"
        "pod-10   10       <none>   map[a:b c k:v]\n"
        "x        <none>   <none>   <none>\n"
        "pod-1    1        <none>   <none>\n");
    k8sc_free(out);
    ck_assert_int_eq(k8sc_cli_custom_columns(&out, "NAME:.metadata.name", items, 0, false), 0);
    ck_assert_str_eq(out, "NAME\n");
    k8sc_free(out);
    ck_assert_int_eq(k8sc_cli_custom_columns(&out, "NAME", items, 4, false), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>");

    /* Numbers by value, other strings byte by byte, the objects without the field first. */
    ck_assert_int_eq(k8sc_cli_sort_objects(items, 4, ".metadata.labels.n"), 0);
    ck_assert_str_eq(k8sc_object_name(items[0]), "x");
    ck_assert_str_eq(k8sc_object_name(items[1]), "pod-1");
    ck_assert_str_eq(k8sc_object_name(items[2]), "pod-2");
    ck_assert_str_eq(k8sc_object_name(items[3]), "pod-10");
    ck_assert_int_eq(k8sc_cli_sort_objects(items, 4, "{.metadata.name}"), 0);
    ck_assert_str_eq(k8sc_object_name(items[0]), "pod-1");
    ck_assert_str_eq(k8sc_object_name(items[1]), "pod-10");
    ck_assert_str_eq(k8sc_object_name(items[2]), "pod-2");
    ck_assert_str_eq(k8sc_object_name(items[3]), "x");
    ck_assert_int_eq(k8sc_cli_sort_objects(items, 4, ""), K8SC_EINVAL);

    /* Table rows by their full objects (matched by namespace and name), else by the row's metadata. */
    k8sc_object *t = obj(TABLE);
    k8sc_object *full = obj("{\"metadata\":{\"name\":\"x\",\"namespace\":\"kube-system\"},\"spec\":{\"x\":1}}");
    size_t found = 9;
    ck_assert_int_eq(k8sc_cli_table_sort(t, ".metadata.namespace", NULL, 0, &found), 0);
    ck_assert_uint_eq(found, 2);
    struct json_object *rows = k8sc_object_get(t, "rows");
    ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(json_object_object_get(
        json_object_array_get_idx(rows, 0), "cells"), 0)), "web-1");
    ck_assert_int_eq(k8sc_cli_table_sort(t, ".spec.x", &full, 1, &found), 0);
    ck_assert_uint_eq(found, 1);
    ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(json_object_object_get(
        json_object_array_get_idx(rows, 1), "cells"), 0)), "x");
    ck_assert_int_eq(k8sc_cli_table_sort(t, "{}", NULL, 0, &found), K8SC_EINVAL);
    k8sc_object_free(full);
    k8sc_object_free(t);
    for (int i = 0; i < 4; i++)
        k8sc_object_free(items[i]);
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

/* k8sctl's argv for `args` against the test's server (`url` holds its address); argc. */
static int cli_argv(char *argv[32], char url[64], const char *const *args)
{
    snprintf(url, 64, "http://127.0.0.1:%d", k8sc_apiserver_port(srv));
    argv[0] = (char *)"k8sctl";
    argv[1] = (char *)"-s";
    argv[2] = url;
    int argc = 3;
    for (size_t i = 0; args[i] && argc < 31; i++)
        argv[argc++] = (char *)args[i];
    argv[argc] = NULL;
    return argc;
}

/* Run k8sctl's command line against the test's server; its stdout and stderr into `out` and `err`. */
static int run_cli(char **out, char **err, const char *const *args)
{
    char url[64];
    char *argv[32];
    int argc = cli_argv(argv, url, args);
    size_t olen = 0, elen = 0;
    FILE *o = open_memstream(out, &olen), *e = open_memstream(err, &elen);
    ck_assert(o && e);
    int rc = k8sc_cli_main(argc, argv, o, e);
    fclose(o);
    fclose(e);
    return rc;
}

START_TEST(test_cli_main)
{
    static const struct {
        const char *args[8];
        int rc;
        const char *out, *err; /* exact; NULL: anything */
    } steps[] = {
        { { "create", "-f", "/dev/null" }, 1, "", "error: no objects passed to create\n" },
        { { "label", "cm", "cfg", "app=web" }, 1, "", "Error from server (NotFound): configmaps \"cfg\" not found\n" },
        { { "bogus" }, 1, "", "Error: unknown command \"bogus\" for \"k8sctl\"\nRun 'k8sctl --help' for usage.\n" },
        { { "get", "--bogus" }, 1, "", "error: unknown flag: --bogus\nSee 'k8sctl get --help' for usage.\n" },
        { { "get", "-o" }, 2, "", "k8sctl: -o needs a value\n" },
        { { "scale", "deploy", "web", "--replicas=x" }, 1, "",
          "Error: invalid argument \"x\" for \"--replicas\" flag: strconv.ParseInt: parsing \"x\": invalid syntax\n"
          "See 'k8sctl scale --help' for usage.\n" },
        { { "patch", "cm", "cfg", "--type", "bogus", "-p", "{}" }, 1, "",
          "error: --type must be one of [json merge strategic], not \"bogus\"\n" },
        { { "taint", "cm", "x", "a=b:NoSchedule" }, 1, "",
          "error: invalid resource type cm, only node types are supported\n" },
        { { "describe", "--help" }, 0, NULL, "" },
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        char *out = NULL, *err = NULL;
        int rc = run_cli(&out, &err, steps[i].args);
        ck_assert_msg(rc == steps[i].rc, "step %zu (%s): rc %d, err %s", i, steps[i].args[0], rc, err);
        ck_assert_msg(!steps[i].out || strcmp(out, steps[i].out) == 0, "step %zu: out [%s]", i, out);
        ck_assert_msg(!steps[i].err || strcmp(err, steps[i].err) == 0, "step %zu: err [%s]", i, err);
        free(out);
        free(err);
    }
}
END_TEST

START_TEST(test_cli_verbs)
{
    k8sc_client *c = http_client();
    k8sc_object *d = obj("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
                         "\"spec\":{\"replicas\":1,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{"
                         "\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
                         "\"image\":\"nginx\"}]}}}}");
    ck_assert_int_eq(k8sc_client_create(NULL, c, d), 0);
    k8sc_object_free(d);
    static const struct {
        const char *args[8];
        int rc;
        const char *out, *err;
    } steps[] = {
        { { "label", "deploy", "web", "tier=fe" }, 0, "deployment.apps/web labeled\n", "" },
        { { "label", "deploy/web", "tier=be" }, 1, "",
          "error: 'tier' already has a value (fe), and --overwrite is false\n" },
        { { "label", "deploy", "web", "tier-", "nope-" }, 0, "label \"nope\" not found.\ndeployment.apps/web unlabeled\n",
          "" },
        { { "annotate", "deploy", "web", "note=hi" }, 0, "deployment.apps/web annotated\n", "" },
        { { "scale", "deploy", "web", "--replicas=3" }, 0, "deployment.apps/web scaled\n", "" },
        { { "scale", "deploy", "web", "--replicas=1", "--current-replicas=2" }, 1, "",
          "error: Expected replicas to be 2, was 3\n" },
        { { "patch", "deploy", "web", "-p", "{\"spec\":{\"paused\":true}}" }, 0, "deployment.apps/web patched\n", "" },
        { { "patch", "deploy", "web", "--type=merge", "-p", "spec: {paused: true}" }, 0,
          "deployment.apps/web patched (no change)\n", "" },
        { { "describe", "deploy", "web" }, 0, NULL, "" },
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        char *out = NULL, *err = NULL;
        int rc = run_cli(&out, &err, steps[i].args);
        ck_assert_msg(rc == steps[i].rc, "step %zu (%s): rc %d, err %s", i, steps[i].args[0], rc, err);
        ck_assert_msg(!steps[i].out || strcmp(out, steps[i].out) == 0, "step %zu: out [%s]", i, out);
        ck_assert_msg(!steps[i].err || strcmp(err, steps[i].err) == 0, "step %zu: err [%s]", i, err);
        if (!steps[i].out) {
            ck_assert_msg(strncmp(out, "Name:                   web\nNamespace:              default\n", 58) == 0,
                "%s", out);
            ck_assert_ptr_nonnull(strstr(out, "\nLabels:                 <none>\n"));
            ck_assert_ptr_nonnull(strstr(out, "\nAnnotations:            note: hi\n"));
            ck_assert_ptr_nonnull(strstr(out, "\nReplicas:               3 desired | "));
        }
        free(out);
        free(err);
    }
    k8sc_object *live = NULL;
    ck_assert_int_eq(k8sc_client_get(&live, c, K8SC_DEPLOYMENT, NULL, "web"), 0);
    int64_t replicas = 0;
    ck_assert_int_eq(k8sc_object_get_int(live, "spec.replicas", &replicas), 0);
    ck_assert_int_eq(replicas, 3);
    ck_assert_str_eq(k8sc_object_meta_get(live, K8SC_ANNOTATIONS, "note"), "hi");
    ck_assert_ptr_null(k8sc_object_meta_get(live, K8SC_LABELS, "tier"));
    k8sc_object_free(live);
    k8sc_client_free(c);
}
END_TEST

START_TEST(test_cli_config)
{
    char path[] = "/tmp/check_cli_kubeconfig.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    static const char kc[] = "apiVersion: v1\nkind: Config\nclusters:\n- name: c1\n  cluster:\n    server: http://x\n"
                             "users:\n- name: u1\n  user: {}\ncontexts:\n- name: zeta\n  context:\n    cluster: c1\n"
                             "    user: u1\n    namespace: team\n- name: alpha\n  context:\n    cluster: c1\n"
                             "    user: u1\ncurrent-context: zeta\n";
    ck_assert_int_eq(write(fd, kc, sizeof(kc) - 1), (int)sizeof(kc) - 1);
    close(fd);
    static const struct {
        const char *args[4];
        int rc;
        const char *out, *err;
    } steps[] = {
        { { "config", "current-context" }, 0, "zeta\n", "" },
        { { "config", "get-contexts" }, 0,
          "CURRENT   NAME    CLUSTER   AUTHINFO   NAMESPACE\n"
          "          alpha   c1        u1         \n"
          "*         zeta    c1        u1         team\n", "" },
        { { "config", "use-context", "nope" }, 1, "", "error: no context exists with the name: \"nope\"\n" },
        { { "config", "use-context", "alpha" }, 0, "Switched to context \"alpha\".\n", "" },
        { { "config", "current-context" }, 0, "alpha\n", "" },
        { { "config", "get-contexts", "-o", "name" }, 0, "alpha\nzeta\n", "" },
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        const char *args[8] = { "--kubeconfig", path };
        for (size_t k = 0; k < 4 && steps[i].args[k]; k++)
            args[2 + k] = steps[i].args[k];
        char *out = NULL, *err = NULL;
        int rc = run_cli(&out, &err, args);
        ck_assert_msg(rc == steps[i].rc, "step %zu: rc %d, err %s", i, rc, err);
        ck_assert_msg(strcmp(out, steps[i].out) == 0, "step %zu: out [%s]", i, out);
        ck_assert_msg(strcmp(err, steps[i].err) == 0, "step %zu: err [%s]", i, err);
        free(out);
        free(err);
    }
    unlink(path);
}
END_TEST

static const char *const ROLL_DEPLOY =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"uid\":\"u1\","
    "\"generation\":%d,\"annotations\":{\"deployment.kubernetes.io/revision\":\"2\",\"keep\":\"no\"}},"
    "\"spec\":{\"replicas\":3,\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":"
    "[{\"name\":\"c\",\"image\":\"%s\"}]}}},\"status\":{\"observedGeneration\":1,\"replicas\":%d,"
    "\"updatedReplicas\":%d,\"availableReplicas\":%d%s}}";

static k8sc_object *deployment(int generation, const char *image, int replicas, int updated, int available,
    const char *extra)
{
    char buf[2048];
    snprintf(buf, sizeof(buf), ROLL_DEPLOY, generation, image, replicas, updated, available, extra);
    return obj(buf);
}

static k8sc_object *replica_set(const char *name, const char *revision, const char *image, const char *cause)
{
    char buf[2048];
    snprintf(buf, sizeof(buf),
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"%s\",\"annotations\":{"
        "\"deployment.kubernetes.io/revision\":\"%s\"%s%s%s}},\"spec\":{\"template\":{\"metadata\":{\"labels\":{"
        "\"app\":\"web\",\"pod-template-hash\":\"%s\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"%s\"}]}}}}",
        name, revision, cause ? ",\"kubernetes.io/change-cause\":\"" : "", cause ? cause : "", cause ? "\"" : "",
        name, image);
    return obj(buf);
}

START_TEST(test_rollout_status)
{
    static const struct {
        int generation, replicas, updated, available;
        const char *extra, *want;
        bool done;
    } cases[] = {
        { 2, 3, 3, 3, "", "Waiting for deployment spec update to be observed...\n", false },
        { 1, 3, 1, 0, "", "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been "
                          "updated...\n", false },
        { 1, 4, 3, 3, "", "Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending "
                          "termination...\n", false },
        { 1, 3, 3, 2, "", "Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are "
                          "available...\n", false },
        { 1, 3, 3, 3, "", "deployment \"web\" successfully rolled out\n", true },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        k8sc_object *d = deployment(cases[i].generation, "nginx:1", cases[i].replicas, cases[i].updated,
            cases[i].available, cases[i].extra);
        char *out = NULL;
        bool done = !cases[i].done;
        ck_assert_int_eq(k8sc_cli_rollout_status(&out, &done, d, 0), 0);
        ck_assert_str_eq(out, cases[i].want);
        ck_assert(done == cases[i].done);
        k8sc_free(out);
        k8sc_object_free(d);
    }
    k8sc_object *d = deployment(1, "nginx:1", 3, 1, 0,
        ",\"conditions\":[{\"type\":\"Progressing\",\"reason\":\"ProgressDeadlineExceeded\"}]");
    char *out = NULL;
    bool done = false;
    ck_assert_int_eq(k8sc_cli_rollout_status(&out, &done, d, 0), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "deployment \"web\" exceeded its progress deadline");
    ck_assert_int_eq(k8sc_cli_rollout_status(&out, &done, d, 3), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "desired revision (3) is different from the running revision (2)");
    ck_assert_int_eq(k8sc_cli_rollout_status(NULL, &done, d, 0), K8SC_EINVAL);
    k8sc_object_free(d);
}
END_TEST

START_TEST(test_rollout_history)
{
    k8sc_object *rss[] = { replica_set("web-b", "2", "nginx:2", NULL), replica_set("web-a", "1", "nginx:1", "first"),
        replica_set("web-x", "x", "nginx:0", NULL) };
    char *out = NULL;
    ck_assert_int_eq(k8sc_cli_rollout_history(&out, rss, 3, 0), 0);
    ck_assert_str_eq(out, "REVISION  CHANGE-CAUSE\n1         first\n2         <none>\n");
    k8sc_free(out);
    ck_assert_int_eq(k8sc_cli_rollout_history(&out, rss, 3, 1), 0);
    static const char want[] = "Pod Template:\n  Labels:\tapp=web\n\tpod-template-hash=web-a\n"
                               "  Annotations:\tkubernetes.io/change-cause: first\n";
    ck_assert_msg(strncmp(out, want, sizeof(want) - 1) == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "    Image:\tnginx:1\n"));
    k8sc_free(out);
    ck_assert_int_eq(k8sc_cli_rollout_history(&out, rss, 3, 7), K8SC_ENOTFOUND);
    ck_assert_str_eq(k8sc_error_last(), "unable to find the specified revision");
    ck_assert_int_eq(k8sc_cli_rollout_history(&out, NULL, 0, 0), 0);
    ck_assert_str_eq(out, "No rollout history found.");
    k8sc_free(out);

    const k8sc_object *rs = NULL;
    ck_assert_int_eq(k8sc_cli_rollout_find(&rs, rss, 3, "web", 0), 0);
    ck_assert_str_eq(k8sc_object_name(rs), "web-a");
    ck_assert_int_eq(k8sc_cli_rollout_find(&rs, rss, 3, "web", 2), 0);
    ck_assert_str_eq(k8sc_object_name(rs), "web-b");
    ck_assert_int_eq(k8sc_cli_rollout_find(&rs, rss, 3, "web", 9), K8SC_ENOTFOUND);
    ck_assert_str_eq(k8sc_error_last(), "unable to find specified revision 9 in history");
    ck_assert_int_eq(k8sc_cli_rollout_find(&rs, rss, 1, "web", 0), K8SC_ENOTFOUND);
    ck_assert_str_eq(k8sc_error_last(), "no rollout history found for deployment \"web\"");

    k8sc_object *d = deployment(1, "nginx:2", 3, 3, 3, "");
    char *patch = NULL;
    bool unchanged = false;
    ck_assert_int_eq(k8sc_cli_rollout_undo_patch(&patch, &unchanged, d, rss[0]), 0);
    ck_assert(unchanged);
    ck_assert_ptr_null(patch);
    ck_assert_int_eq(k8sc_cli_rollout_undo_patch(&patch, &unchanged, d, rss[1]), 0);
    ck_assert(!unchanged);
    ck_assert_str_eq(patch, "[{\"op\":\"replace\",\"path\":\"/spec/template\",\"value\":{\"metadata\":{\"labels\":"
                            "{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1\"}]}}},"
                            "{\"op\":\"replace\",\"path\":\"/metadata/annotations\",\"value\":{"
                            "\"deployment.kubernetes.io/revision\":\"2\",\"kubernetes.io/change-cause\":\"first\"}}]");
    k8sc_free(patch);
    k8sc_object_free(d);
    for (size_t i = 0; i < 3; i++)
        k8sc_object_free(rss[i]);
}
END_TEST

START_TEST(test_cli_durations)
{
    static const struct {
        const char *text;
        int64_t ms;
        const char *error;
    } cases[] = {
        { "30s", 30000, NULL }, { "0", 0, NULL }, { "1m30s", 90000, NULL }, { "500ms", 500, NULL },
        { "1.5h", 5400000, NULL }, { "-2s", -2000, NULL }, { "x", 0, "time: invalid duration \"x\"" },
        { "5", 0, "time: missing unit in duration \"5\"" }, { "", 0, "time: invalid duration \"\"" },
        { "3d", 0, "time: unknown unit \"d\" in duration \"3d\"" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t ms = -1;
        int rc = k8sc__cli_parse_duration(&ms, cases[i].text);
        if (cases[i].error) {
            ck_assert_int_eq(rc, K8SC_EINVAL);
            ck_assert_str_eq(k8sc_error_last(), cases[i].error);
        } else {
            ck_assert_msg(rc == 0 && ms == cases[i].ms, "%s: rc %d, %lld ms", cases[i].text, rc, (long long)ms);
        }
    }
    k8sc__cli_wait_for w;
    ck_assert_int_eq(k8sc__cli_wait_for_parse(&w, "condition=Ready"), 0);
    ck_assert(w.what == K8SC__WAIT_CONDITION);
    ck_assert_str_eq(w.name, "Ready");
    ck_assert_str_eq(w.value, "True");
    ck_assert_int_eq(k8sc__cli_wait_for_parse(&w, "condition=Ready=false"), 0);
    ck_assert_str_eq(w.value, "false");
    ck_assert_int_eq(k8sc__cli_wait_for_parse(&w, "jsonpath={.a=b}=c"), 0);
    ck_assert(w.what == K8SC__WAIT_JSONPATH && w.has_value);
    ck_assert_str_eq(w.name, "{.a=b}");
    ck_assert_str_eq(w.value, "c");
    ck_assert_int_eq(k8sc__cli_wait_for_parse(&w, "jsonpath={.a}"), 0);
    ck_assert(!w.has_value);
    ck_assert_int_eq(k8sc__cli_wait_for_parse(&w, "delete"), 0);
    ck_assert(w.what == K8SC__WAIT_DELETE);
    ck_assert_int_eq(k8sc__cli_wait_for_parse(&w, "jsonpath={.a}=b=c"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc__cli_wait_for_parse(&w, "bogus"), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "unrecognized condition: \"bogus\"");
}
END_TEST

START_TEST(test_kubeconfig_canonical)
{
    struct json_object *in = doc("{\"contexts\":[{\"name\":\"z\",\"context\":{\"cluster\":\"c\",\"namespace\":\"\"}},"
                                 "{\"name\":\"a\",\"context\":{\"user\":\"u\"}},{\"name\":\"z\",\"context\":{}}],"
                                 "\"users\":[{\"name\":\"u\",\"user\":{\"token\":\"t\",\"client-key-data\":\"k\"}}],"
                                 "\"clusters\":[{\"name\":\"c\",\"cluster\":{\"insecure-skip-tls-verify\":false,"
                                 "\"certificate-authority-data\":\"d\"}}]}");
    struct json_object *out = k8sc__cli_kubeconfig_canonical(in);
    k8sc__cli_kubeconfig_redact(out);
    char *text = NULL;
    ck_assert_int_eq(k8sc_json_encode(&text, NULL, out, K8SC_ENCODE_SORT_KEYS), 0);
    ck_assert_str_eq(text, "{\"apiVersion\":\"v1\",\"clusters\":[{\"cluster\":{\"certificate-authority-data\":"
                           "\"DATA+OMITTED\",\"server\":\"\"},\"name\":\"c\"}],\"contexts\":[{\"context\":{\"cluster\":"
                           "\"\",\"user\":\"u\"},\"name\":\"a\"},{\"context\":{\"cluster\":\"c\",\"user\":\"\"},"
                           "\"name\":\"z\"}],\"current-context\":\"\",\"kind\":\"Config\",\"preferences\":{},"
                           "\"users\":[{\"name\":\"u\",\"user\":{\"client-key-data\":\"DATA+OMITTED\",\"token\":"
                           "\"REDACTED\"}}]}");
    k8sc_free(text);
    ck_assert_ptr_nonnull(k8sc__cli_kubeconfig_entry(out, "users", "u", false));
    ck_assert_ptr_null(k8sc__cli_kubeconfig_entry(out, "users", "v", false));
    ck_assert_ptr_nonnull(k8sc__cli_kubeconfig_entry(out, "users", "v", true));
    ck_assert(k8sc__cli_kubeconfig_remove(out, "users", "v"));
    ck_assert(!k8sc__cli_kubeconfig_remove(out, "users", "v"));
    json_object_put(out);
    struct json_object *empty = json_object_new_object();
    out = k8sc__cli_kubeconfig_canonical(empty);
    ck_assert_int_eq(k8sc_yaml_encode(&text, NULL, out, K8SC_ENCODE_SORT_KEYS), 0);
    ck_assert_str_eq(text, "apiVersion: v1\nclusters: null\ncontexts: null\ncurrent-context: \"\"\nkind: Config\n"
                           "preferences: {}\nusers: null\n");
    k8sc_free(text);
    json_object_put(out);
    json_object_put(empty);
    json_object_put(in);
}
END_TEST

START_TEST(test_describe_hpa_v1)
{
    setenv("TZ", "UTC", 1);
    tzset();
    k8sc_object *hpa = obj("{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"HorizontalPodAutoscaler\",\"metadata\":{"
        "\"name\":\"cpu\",\"namespace\":\"default\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\"},\"spec\":{"
        "\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\"},\"maxReplicas\":3,"
        "\"targetCPUUtilizationPercentage\":80},\"status\":{\"currentReplicas\":1,\"desiredReplicas\":2}}");
    char *out = NULL;
    ck_assert_int_eq(k8sc_cli_describe_format(&out, hpa, NULL, 0, NULL, 0, DESCRIBE_NOW), 0);
    expect_text(out,
        "Name:                     cpu\n"
        "Namespace:                default\n"
        "Labels:                   <none>\n"
        "Annotations:              <none>\n"
        "CreationTimestamp:        Thu, 01 Jan 2026 00:00:00 +0000\n"
        "Reference:                Deployment/web\n"
        "Target CPU utilization:   80%\n"
        "Current CPU utilization:  <unknown>%\n"
        "Min replicas:             <unset>\n"
        "Max replicas:             3\n"
        "Deployment pods:          1 current / 2 desired\n"
        "Events:                   <none>\n");
    k8sc_free(out);
    k8sc_object_free(hpa);
}
END_TEST

START_TEST(test_describe_role_rules)
{
    /* Rules broken down per verb, merged per resource, sorted by PolicyRule.String() as kubectl does. */
    k8sc_object *role = obj("{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\",\"metadata\":{"
        "\"name\":\"mixed\"},\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"pods\",\"pods/log\"],\"verbs\":[\"get\","
        "\"list\"]},{\"nonResourceURLs\":[\"/healthz\"],\"verbs\":[\"get\"]},{\"apiGroups\":[\"apps\"],\"resources\":["
        "\"deployments\"],\"resourceNames\":[\"web\"],\"verbs\":[\"update\"]},{\"apiGroups\":[\"\"],\"resources\":["
        "\"pods\"],\"verbs\":[\"delete\"]}]}");
    char *out = NULL;
    ck_assert_int_eq(k8sc_cli_describe_format(&out, role, NULL, 0, NULL, 0, DESCRIBE_NOW), 0);
    expect_text(out,
        "Name:         mixed\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "PolicyRule:\n"
        "  Resources         Non-Resource URLs  Resource Names  Verbs\n"
        "  ---------         -----------------  --------------  -----\n"
        "  pods              []                 []              [get list delete]\n"
        "  pods/log          []                 []              [get list]\n"
        "                    [/healthz]         []              [get]\n"
        "  deployments.apps  []                 [web]           [update]\n");
    k8sc_free(out);
    k8sc_object_free(role);
}
END_TEST

START_TEST(test_describe_statefulset_pods)
{
    setenv("TZ", "UTC", 1);
    tzset();
    k8sc_object *ss = obj("{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"db\","
        "\"namespace\":\"default\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\"},\"spec\":{\"replicas\":3,"
        "\"selector\":{\"matchLabels\":{\"app\":\"db\"}},\"updateStrategy\":{\"type\":\"RollingUpdate\","
        "\"rollingUpdate\":{\"partition\":1,\"maxUnavailable\":\"50%\"}},\"template\":{\"metadata\":{\"labels\":{"
        "\"app\":\"db\"}},\"spec\":{\"containers\":[{\"name\":\"db\",\"image\":\"postgres:16\"}]}},"
        "\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"data\"},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],"
        "\"resources\":{\"requests\":{\"storage\":\"1024Mi\"}}}}]},\"status\":{\"replicas\":2}}");
    k8sc_object *pods[3] = { obj("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"db-0\"},\"status\":{\"phase\":\"Running\"}}"),
        obj("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"db-1\"},\"status\":{\"phase\":\"Pending\"}}"),
        obj("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"db-2\"},\"status\":{\"phase\":\"Failed\"}}") };
    char *out = NULL;
    ck_assert_int_eq(k8sc_cli_describe_format(&out, ss, pods, 3, NULL, 0, DESCRIBE_NOW), 0);
    expect_text(out,
        "Name:               db\n"
        "Namespace:          default\n"
        "CreationTimestamp:  Thu, 01 Jan 2026 00:00:00 +0000\n"
        "Selector:           app=db\n"
        "Labels:             <none>\n"
        "Annotations:        <none>\n"
        "Replicas:           3 desired | 2 total\n"
        "Update Strategy:    RollingUpdate\n"
        "  Partition:        1\n"
        "  MaxUnavailable:   50%\n"
        "Pods Status:        1 Running / 1 Waiting / 0 Succeeded / 1 Failed\n"
        "Pod Template:\n"
        "  Labels:  app=db\n"
        "  Containers:\n"
        "   db:\n"
        "    Image:         postgres:16\n"
        "    Port:          <none>\n"
        "    Host Port:     <none>\n"
        "    Environment:   <none>\n"
        "    Mounts:        <none>\n"
        "  Volumes:         <none>\n"
        "  Node-Selectors:  <none>\n"
        "  Tolerations:     <none>\n"
        "Volume Claims:\n"
        "  Name:          data\n"
        "  StorageClass:  \n"
        "  Labels:        <none>\n"
        "  Annotations:   <none>\n"
        "  Capacity:      1Gi\n"
        "  Access Modes:  [ReadWriteOnce]\n"
        "Events:          <none>\n");
    k8sc_free(out);
    for (size_t i = 0; i < 3; i++)
        k8sc_object_free(pods[i]);
    k8sc_object_free(ss);
}
END_TEST

/* A pod for the ranking tests: on `node` ("" unassigned), with its phase, Ready condition, restarts and age. */
static k8sc_object *ranked_pod(const char *name, const char *node, const char *phase, const char *ready,
    const char *ready_since, int restarts, const char *created)
{
    char json[1024];
    snprintf(json, sizeof(json),
        "{\"metadata\":{\"name\":\"%s\"%s%s%s},\"spec\":{\"nodeName\":\"%s\"},\"status\":{\"phase\":\"%s\","
        "\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\"%s%s%s}],\"containerStatuses\":[{\"name\":\"c\","
        "\"restartCount\":%d},{\"name\":\"d\",\"restartCount\":0}]}}",
        name, created ? ",\"creationTimestamp\":\"" : "", created ? created : "", created ? "\"" : "", node, phase,
        ready, ready_since ? ",\"lastTransitionTime\":\"" : "", ready_since ? ready_since : "", ready_since ? "\"" : "",
        restarts);
    return obj(json);
}

/* The names of `pods`, space-separated, into `buf`. */
static const char *pod_names(char *buf, size_t size, k8sc_object **pods, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? " " : "", k8sc_object_name(pods[i]));
    return buf;
}

/* kubectl's podutils orders: ByLogging for logs, sort.Reverse(ActivePods) for exec and attach. */
START_TEST(test_pods_sort)
{
    static const char *const T1 = "2026-01-01T00:00:00Z", *const T2 = "2026-01-02T00:00:00Z",
                             *const T3 = "2026-01-03T00:00:00Z";
    static const struct {
        const char *name, *node, *phase, *ready, *since;
        int restarts;
        const char *created;
    } sets[][6] = {
        /* Assignment and phase: running (and, for logs, finished) pods first, unassigned last. */
        { { "a1", "", "Pending", "False", NULL, 0, NULL }, { "a2", "n", "Pending", "False", NULL, 0, NULL },
            { "a3", "n", "Unknown", "False", NULL, 0, NULL }, { "a4", "n", "Succeeded", "False", NULL, 0, NULL },
            { "a5", "n", "Running", "False", NULL, 3, NULL }, { "a6", "n", "Failed", "False", NULL, 1, NULL } },
        /* Ready before not ready, ready for longer first. */
        { { "b1", "n", "Running", "True", T2, 0, NULL }, { "b2", "n", "Running", "True", T1, 0, NULL },
            { "b3", "n", "Running", "False", NULL, 9, NULL }, { "b4", "n", "Running", "True", T3, 4, NULL } },
        /* Restarts: the most first for logs, the fewest for exec. */
        { { "c1", "n", "Running", "False", NULL, 1, NULL }, { "c2", "n", "Running", "False", NULL, 7, NULL },
            { "c3", "n", "Running", "False", NULL, 2, NULL } },
        /* Age: the oldest first, no creation time last; a ready pod without a time after one with it. */
        { { "d4", "n", "Pending", "False", NULL, 0, NULL }, { "d3", "n", "Pending", "False", NULL, 0, T3 },
            { "d1", "n", "Pending", "False", NULL, 0, T1 }, { "d2", "n", "Pending", "False", NULL, 0, T2 } },
        { { "e2", "n", "Running", "True", NULL, 0, NULL }, { "e1", "n", "Running", "True", T1, 0, NULL } },
    };
    static const char *const want[][2] = {
        { "a5 a6 a4 a3 a2 a1", "a5 a3 a2 a4 a6 a1" },
        { "b2 b1 b4 b3", "b2 b1 b4 b3" },
        { "c2 c3 c1", "c1 c3 c2" },
        { "d1 d2 d3 d4", "d1 d2 d3 d4" },
        { "e1 e2", "e1 e2" },
    };
    for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
        for (int use = 0; use < 2; use++) {
            k8sc_object *pods[6];
            size_t n = 0;
            for (; n < 6 && sets[s][n].name; n++)
                pods[n] = ranked_pod(sets[s][n].name, sets[s][n].node, sets[s][n].phase, sets[s][n].ready,
                    sets[s][n].since, sets[s][n].restarts, sets[s][n].created);
            ck_assert_int_eq(k8sc__cli_pods_sort(pods, n, use ? K8SC__POD_FOR_EXEC : K8SC__POD_FOR_LOGS), 0);
            char got[128];
            ck_assert_msg(strcmp(pod_names(got, sizeof(got), pods, n), want[s][use]) == 0, "set %zu, %s: %s", s,
                use ? "exec" : "logs", got);
            for (size_t i = 0; i < n; i++)
                k8sc_object_free(pods[i]);
        }
    }
    ck_assert_int_eq(k8sc__cli_pods_sort(NULL, 0, K8SC__POD_FOR_LOGS), 0);
}
END_TEST

/* A pod labelled `labels` (JSON) on node ghost-NAME, with two containers and an init one, and `status`. */
static void make_pod(k8sc_client *c, const char *name, const char *labels, const char *status)
{
    char json[1024];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"labels\":%s},\"spec\":{"
        "\"nodeName\":\"ghost-%s\",\"initContainers\":[{\"name\":\"init\",\"image\":\"busybox\"}],"
        "\"containers\":[{\"name\":\"main\",\"image\":\"busybox\"},{\"name\":\"side\",\"image\":\"busybox\"}]}}",
        name, labels, name);
    k8sc_object *pod = obj(json), *created = NULL;
    ck_assert_msg(k8sc_client_create(&created, c, pod) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(k8sc_object_set(created, "status", doc(status)), 0);
    ck_assert_msg(k8sc_client_update_status(NULL, c, created) == 0, "%s", k8sc_error_last());
    k8sc_object_free(created);
    k8sc_object_free(pod);
}

static void create_json(k8sc_client *c, const char *json)
{
    k8sc_object *o = obj(json);
    ck_assert_msg(k8sc_client_create(NULL, c, o) == 0, "%s", k8sc_error_last());
    k8sc_object_free(o);
}

/* run_cli with files for stdout and stderr: exec and attach stream to their descriptors. */
static int run_cli_files(char **out, char **err, const char *const *args)
{
    char url[64];
    char *argv[32];
    int argc = cli_argv(argv, url, args);
    FILE *files[2] = { tmpfile(), tmpfile() };
    ck_assert(files[0] && files[1]);
    int rc = k8sc_cli_main(argc, argv, files[0], files[1]);
    char **text[2] = { out, err };
    for (int i = 0; i < 2; i++) {
        long len = ftell(files[i]);
        ck_assert_int_ge(len, 0);
        *text[i] = calloc(1, (size_t)len + 1);
        rewind(files[i]);
        ck_assert_int_eq(fread(*text[i], 1, (size_t)len, files[i]), (size_t)len);
        fclose(files[i]);
    }
    return rc;
}

static void *late_pod(void *arg)
{
    (void)arg;
    usleep(300 * 1000);
    k8sc_client *c = http_client();
    make_pod(c, "late-1", "{\"app\":\"late\"}", "{\"phase\":\"Pending\"}");
    k8sc_client_free(c);
    return NULL;
}

/* logs, exec and attach of TYPE/NAME: the pod kubectl would take, and kubectl's messages. */
START_TEST(test_cli_pod_for)
{
    k8sc_client *c = http_client();
    static const char *const deploy = "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
        "\"%s\"},\"spec\":{\"replicas\":0,\"selector\":{\"matchLabels\":{\"app\":\"%s\"}},\"template\":{\"metadata\":"
        "{\"labels\":{\"app\":\"%s\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}";
    const char *names[] = { "web", "empty", "late" };
    for (size_t i = 0; i < 3; i++) {
        char json[1024];
        snprintf(json, sizeof(json), deploy, names[i], names[i], names[i]);
        create_json(c, json);
    }
    create_json(c, "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"batch\"},\"spec\":{"
                   "\"manualSelector\":true,\"suspend\":true,\"selector\":{\"matchLabels\":{\"job\":\"batch\"}},"
                   "\"template\":{\"metadata\":{\"labels\":{\"job\":\"batch\"}},\"spec\":{\"restartPolicy\":\"Never\","
                   "\"containers\":[{\"name\":\"w\",\"image\":\"busybox\"}]}}}}");
    create_json(c, "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"nosel\"},\"spec\":{"
                   "\"ports\":[{\"port\":80}]}}");
    create_json(c, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\"}}");
    static const char *const ready = "{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\","
        "\"lastTransitionTime\":\"2026-01-01T00:00:00Z\"}],\"containerStatuses\":[{\"name\":\"main\",\"restartCount\":%d,"
        "\"ready\":true,\"image\":\"busybox\",\"imageID\":\"\"}]}";
    char status[512];
    snprintf(status, sizeof(status), ready, 1);
    make_pod(c, "web-1", "{\"app\":\"web\"}", status);
    snprintf(status, sizeof(status), ready, 4);
    make_pod(c, "web-2", "{\"app\":\"web\"}", status);
    make_pod(c, "web-3", "{\"app\":\"web\"}", "{\"phase\":\"Pending\"}");
    make_pod(c, "batch-1", "{\"job\":\"batch\"}", "{\"phase\":\"Succeeded\"}");
    make_pod(c, "batch-2", "{\"job\":\"batch\"}", "{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"main\","
        "\"restartCount\":2,\"ready\":false,\"image\":\"busybox\",\"imageID\":\"\"}]}");
    static const char *const defaulted = "Defaulted container \"main\" out of: main, side, init (init)\n";
    static const struct {
        const char *args[8];
        const char *err;  /* exact, or with `node` the beginning */
        const char *node; /* the chosen pod's node, named in the server's error */
        bool defaulted;   /* kubectl's "Defaulted container" line is due */
    } steps[] = {
        /* logs: the ready pod with the most restarts; exec and attach: the one with the fewest. */
        { { "logs", "deploy/web" }, "Found 3 pods, using pod/web-2\n", "ghost-web-2", true },
        { { "logs", "deployment/web", "-c", "side", "--tail=3", "--previous" }, "Found 3 pods, using pod/web-2\n",
          "ghost-web-2", false },
        { { "logs", "deploy/web", "--all-containers" }, "Found 3 pods, using pod/web-2\nError", "ghost-web-2", false },
        { { "exec", "deploy/web", "--", "true" }, "Defaulted", "ghost-web-1", true },
        { { "attach", "deployment", "web", "-q" }, "Error", "ghost-web-1", false },
        { { "logs", "job/batch", "-c", "main" }, "Found 2 pods, using pod/batch-2\nError", "ghost-batch-2", false },
        { { "exec", "job/batch", "-c", "main", "--", "true" }, "Error", "ghost-batch-2", false },
        { { "logs", "pod/web-3", "main" }, "Error", "ghost-web-3", false },
        { { "logs", "cm/cfg" }, "error: cannot get the logs from *v1.ConfigMap: selector for *v1.ConfigMap not implemented\n",
          NULL, false },
        { { "exec", "svc/nosel", "--", "true" },
          "error: cannot attach to *v1.Service: invalid service 'nosel': Service is defined without a selector\n", NULL, false },
        { { "logs", "deploy/empty", "--pod-running-timeout=1s" }, "error: timed out waiting for the condition\n", NULL, false },
        { { "attach", "deploy/empty", "--pod-running-timeout=0" },
          "error: --pod-running-timeout must be higher than zero\nSee 'k8sctl attach -h' for help and examples\n", NULL, false },
        { { "logs", "deploy/missing" },
          "error: error from server (NotFound): deployments.apps \"missing\" not found in namespace \"default\"\n", NULL, false },
        { { "logs", "web-1", "-c", "nope" }, "error: container nope is not valid for pod web-1\n", NULL, false },
        { { "attach", "web-1", "-c", "nope" },
          "error: cannot attach to the container: container nope not found in pod web-1\n", NULL, false },
        { { "logs", "deploy/" }, "error: arguments in resource/name form must have a single resource and name\n", NULL, false },
        { { "attach", "a", "b", "c" }, "error: expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw 3: [a b c]\n",
          NULL, false },
        { { "exec", "web-1", "true" }, "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- "
          "[COMMAND] instead\nSee 'k8sctl exec -h' for help and examples\n", NULL, false },
        { { "logs", "x", "-n", "nosuchns" },
          "error: error from server (NotFound): namespaces \"nosuchns\" not found in namespace \"nosuchns\"\n", NULL, false },
        { { "exec", "deploy/x", "-n", "nosuchns", "--", "true" },
          "Error from server (NotFound): namespaces \"nosuchns\" not found\n", NULL, false },
        { { "describe", "pod", "x", "-n", "nosuchns" }, "Error from server (NotFound): namespaces \"nosuchns\" not found\n",
          NULL, false },
        { { "describe", "pods", "-n", "nosuchns" }, "No resources found in nosuchns namespace.\n", NULL, false },
        { { "describe", "pods", "x", "-A" }, "error: a resource cannot be retrieved by name across all namespaces\n",
          NULL, false },
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        char *out = NULL, *err = NULL;
        int rc = run_cli_files(&out, &err, steps[i].args);
        bool is_describe_list = strcmp(steps[i].err, "No resources found in nosuchns namespace.\n") == 0;
        ck_assert_msg(rc == (is_describe_list ? 0 : 1), "step %zu: rc %d, err %s", i, rc, err);
        if (steps[i].node) {
            ck_assert_msg(strncmp(err, steps[i].err, strlen(steps[i].err)) == 0, "step %zu: err [%s]", i, err);
            ck_assert_msg(strstr(err, steps[i].node), "step %zu: err [%s]", i, err);
        } else {
            ck_assert_msg(strcmp(err, steps[i].err) == 0, "step %zu: err [%s]", i, err);
        }
        ck_assert_msg((strstr(err, defaulted) != NULL) == steps[i].defaulted, "step %zu: err [%s]", i, err);
        ck_assert_str_eq(out, "");
        free(out);
        free(err);
    }
    /* No pod yet: the first one that appears within --pod-running-timeout. */
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, late_pod, NULL), 0);
    const char *late[] = { "logs", "deploy/late", "-c", "main", "--pod-running-timeout=20s", NULL };
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(run_cli(&out, &err, late), 1);
    pthread_join(t, NULL);
    ck_assert_msg(strncmp(err, "Error", 5) == 0 && strstr(err, "ghost-late-1"), "%s", err);
    free(out);
    free(err);
    k8sc_client_free(c);
}
END_TEST

/* edit TYPE: every object of the kind as one v1 List, each changed one patched, the others skipped. */
START_TEST(test_cli_edit_list)
{
    k8sc_client *c = http_client();
    create_json(c, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"},\"data\":{\"k\":\"one\"}}");
    create_json(c, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"b\"},\"data\":{\"k\":\"two\"}}");
    char dir[] = "/tmp/check_cli_edit.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    setenv("TMPDIR", dir, 1);
    unsetenv("KUBE_EDITOR");
    char editor[512], buffer[300];
    snprintf(buffer, sizeof(buffer), "%s/buffer", dir);
    snprintf(editor, sizeof(editor), "cp \"$0\" %s; sed -i s/k:\\ one/k:\\ uno/", buffer);
    static const struct {
        const char *editor; /* NULL: the one that copies the buffer */
        const char *args[6];
        int rc;
        const char *out, *err; /* err: exact, or with a kept copy its end */
    } steps[] = {
        { NULL, { "edit", "cm" }, 0, "configmap/a edited\nconfigmap/b skipped\n", "" },
        { "sed -i s/k:\\ two/k:\\ dos/", { "edit", "cm", "a", "b" }, 0, "configmap/a skipped\nconfigmap/b edited\n", "" },
        /* As kubectl, a refused object counts only when it is the last. */
        { "sed -i s/name:\\ a/name:\\ z/", { "edit", "configmaps" }, 0, "configmap/b skipped\n", "" },
        { "sed -i s/name:\\ b/name:\\ z/", { "edit", "cm" }, 1, "configmap/a skipped\n",
          "\"\nerror: At least one of apiVersion, kind and name was changed\n" },
        { "true", { "edit", "cm" }, 0, "", "Edit cancelled, no changes made.\n" },
        { "true", { "edit", "cm", "-n", "empty" }, 1, "", "error: edit cancelled, no objects found\n" },
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        setenv("EDITOR", steps[i].editor ? steps[i].editor : editor, 1);
        char *out = NULL, *err = NULL;
        int rc = run_cli(&out, &err, steps[i].args);
        ck_assert_msg(rc == steps[i].rc, "step %zu: rc %d, err %s", i, rc, err);
        ck_assert_msg(strcmp(out, steps[i].out) == 0, "step %zu: out [%s]", i, out);
        size_t el = strlen(err), wl = strlen(steps[i].err);
        if (steps[i].rc && strncmp(err, "A copy", 6) == 0)
            ck_assert_msg(el >= wl && strcmp(err + el - wl, steps[i].err) == 0, "step %zu: err [%s]", i, err);
        else
            ck_assert_msg(strcmp(err, steps[i].err) == 0, "step %zu: err [%s]", i, err);
        free(out);
        free(err);
    }
    FILE *f = fopen(buffer, "r");
    ck_assert_ptr_nonnull(f);
    char text[4096];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    ck_assert_msg(strncmp(text, "# Please edit the object below.", 31) == 0, "%s", text);
    ck_assert_msg(strstr(text, "#\napiVersion: v1\nitems:\n- apiVersion: v1\n  data:\n    k: one\n  kind: ConfigMap\n"),
        "%s", text);
    const char *end = "\nkind: List\nmetadata: {}\n";
    ck_assert_msg(n > strlen(end) && strcmp(text + n - strlen(end), end) == 0, "%s", text);
    const char *want[] = { "uno", "dos" }, *cms[] = { "a", "b" };
    for (size_t i = 0; i < 2; i++) {
        k8sc_object *cm = NULL;
        ck_assert_int_eq(k8sc_client_get(&cm, c, K8SC_CONFIGMAP, NULL, cms[i]), 0);
        ck_assert_str_eq(k8sc_object_get_string(cm, "data.k"), want[i]);
        k8sc_object_free(cm);
    }
    char rm[128];
    snprintf(rm, sizeof(rm), "rm -rf %s", dir);
    ck_assert_int_eq(system(rm), 0);
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
    tcase_add_test(tc, test_meta_patch);
    tcase_add_test(tc, test_taint_patch);
    tcase_add_test(tc, test_describe_configmap);
    tcase_add_test(tc, test_describe_deployment);
    tcase_add_test(tc, test_describe_generic);
    tcase_add_test(tc, test_custom_columns_sort);
    tcase_add_test(tc, test_rollout_status);
    tcase_add_test(tc, test_rollout_history);
    tcase_add_test(tc, test_cli_durations);
    tcase_add_test(tc, test_kubeconfig_canonical);
    tcase_add_test(tc, test_describe_hpa_v1);
    tcase_add_test(tc, test_describe_role_rules);
    tcase_add_test(tc, test_describe_statefulset_pods);
    tcase_add_test(tc, test_pods_sort);
    suite_add_tcase(s, tc);
    TCase *srv_tc = tcase_create("apiserver");
    tcase_add_checked_fixture(srv_tc, setup, teardown);
    tcase_set_timeout(srv_tc, 60);
    tcase_add_test(srv_tc, test_get_table);
    tcase_add_test(srv_tc, test_apply);
    tcase_add_test(srv_tc, test_cli_main);
    tcase_add_test(srv_tc, test_cli_verbs);
    tcase_add_test(srv_tc, test_cli_config);
    tcase_add_test(srv_tc, test_cli_pod_for);
    tcase_add_test(srv_tc, test_cli_edit_list);
    suite_add_tcase(s, srv_tc);
    return k8sc_test_main(s);
}
