/*
 * CustomResourceDefinitions in the API server, against what kube-apiserver
 * 1.32 does: CRD validation and status, custom resources served with
 * every verb, structural schema pruning/defaulting/validation with
 * Kubernetes' messages, fieldValidation, status subresource and
 * generation, printer columns, discovery and OpenAPI, deletion of a CRD
 * and its custom resources, and CRDs surviving a restart. All through the
 * in-process entry point on a memory store and a registry of its own.
 */
#include "apitest.h"
#include "testutil.h"

#include "k8sc/k8sc.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON "application/json"
#define MERGE "application/merge-patch+json"
#define TABLE "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
#define CRDS "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
#define CRD_NAME CRDS "/greetings.demo.k8sc.io"
#define GREETINGS "/apis/demo.k8sc.io/v1/namespaces/default/greetings"

static k8sc_store *store;
static k8sc_registry *reg;
static k8sc_apiserver *srv;

static void start(void)
{
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.store = store;
    o.registry = reg;
    ck_assert_msg(k8sc_apiserver_new(&srv, &o) == 0, "%s", k8sc_error_last());
}

static void setup(void)
{
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    ck_assert_int_eq(k8sc_registry_new(&reg), 0);
    start();
}

static void teardown(void)
{
    k8sc_apiserver_free(srv);
    k8sc_registry_free(reg);
    k8sc_store_close(store);
    srv = NULL;
    reg = NULL;
    store = NULL;
}

/* One request: the reply parsed, its status in *status, its warnings copied to *warnings (if not NULL). */
static struct json_object *req_full(int *status, char **warnings, const char *method, const char *target,
    const char *ct, const char *accept, const char *body)
{
    return api_call(srv, status, NULL, warnings, method, target, ct, accept, body);
}

static struct json_object *req(int *status, const char *method, const char *target, const char *ct, const char *body)
{
    return req_full(status, NULL, method, target, ct, JSON, body);
}

static void expect_code(int want, const char *method, const char *target, const char *ct, const char *body)
{
    api_expect_code(srv, want, method, target, ct, body);
}

/* The Greeting CRD with `extra` spliced into spec.versions[0] (may be ""). */
static char *crd_body(const char *name, const char *version_extra)
{
    char *out = NULL;
    ck_assert_int_ge(asprintf(&out,
        "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
        "\"metadata\":{\"name\":\"%s\"},\"spec\":{\"group\":\"demo.k8sc.io\",\"scope\":\"Namespaced\","
        "\"names\":{\"plural\":\"greetings\",\"singular\":\"greeting\",\"kind\":\"Greeting\",\"shortNames\":[\"gr\"],"
        "\"categories\":[\"all\"]},"
        "\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true%s}]}}", name, version_extra), 0);
    return out;
}

static const char *greeting_version =
    ",\"subresources\":{\"status\":{}},"
    "\"additionalPrinterColumns\":[{\"name\":\"Message\",\"type\":\"string\",\"jsonPath\":\".spec.message\"},"
    "{\"name\":\"Count\",\"type\":\"integer\",\"jsonPath\":\".spec.count\"}],"
    "\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\",\"properties\":{"
    "\"spec\":{\"type\":\"object\",\"required\":[\"message\"],\"properties\":{"
    "\"message\":{\"type\":\"string\",\"maxLength\":20,\"pattern\":\"^[a-z ]+$\"},"
    "\"count\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10,\"default\":1},"
    "\"color\":{\"type\":\"string\",\"enum\":[\"red\",\"blue\"]},"
    "\"tags\":{\"type\":\"array\",\"maxItems\":2,\"items\":{\"type\":\"string\"}},"
    "\"extra\":{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":true}}},"
    "\"status\":{\"type\":\"object\",\"properties\":{\"phase\":{\"type\":\"string\"}}}}}}";

static void create_crd(void)
{
    char *body = crd_body("greetings.demo.k8sc.io", greeting_version);
    expect_code(201, "POST", CRDS, JSON, body);
    free(body);
}

static void create_greeting(const char *name, const char *spec)
{
    char body[1024];
    snprintf(body, sizeof(body),
        "{\"apiVersion\":\"demo.k8sc.io/v1\",\"kind\":\"Greeting\",\"metadata\":{\"name\":\"%s\","
        "\"labels\":{\"app\":\"%s\"}},\"spec\":%s}", name, name, spec);
    expect_code(201, "POST", GREETINGS "?fieldValidation=Ignore", JSON, body);
}

START_TEST(test_crd_status_and_defaults)
{
    create_crd();
    int st;
    struct json_object *j = req(&st, "GET", CRD_NAME, NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "spec.names.listKind"), "GreetingList");
    ck_assert_str_eq(api_str(j, "spec.conversion.strategy"), "None");
    ck_assert_int_eq(api_int(j, "metadata.generation"), 1);
    ck_assert_str_eq(api_str(j, "status.acceptedNames.kind"), "Greeting");
    ck_assert_str_eq(api_str(j, "status.acceptedNames.plural"), "greetings");
    ck_assert_str_eq(api_json(j, "status.storedVersions"), "[\"v1\"]");
    ck_assert_str_eq(api_str(j, "status.conditions[0].type"), "NamesAccepted");
    ck_assert_str_eq(api_str(j, "status.conditions[0].status"), "True");
    ck_assert_str_eq(api_str(j, "status.conditions[1].type"), "Established");
    ck_assert_str_eq(api_str(j, "status.conditions[1].status"), "True");
    ck_assert_str_eq(api_str(j, "status.conditions[1].reason"), "InitialNamesAccepted");
    json_object_put(j);
    /* The short names of the CRD kind itself. */
    const k8sc_resource *r = k8sc_registry_lookup(reg, "crd");
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(k8sc_resource_plural(r), "customresourcedefinitions");
    ck_assert(!k8sc_resource_namespaced(r));
}
END_TEST

START_TEST(test_crd_validation)
{
    int st;
    char *body = crd_body("hello.demo.k8sc.io", greeting_version);
    struct json_object *j = req(&st, "POST", CRDS, JSON, body);
    api_expect_status(j, st, 422, "Invalid", "CustomResourceDefinition.apiextensions.k8s.io \"hello.demo.k8sc.io\" is "
        "invalid: metadata.name: Invalid value: \"hello.demo.k8sc.io\": must be spec.names.plural+\".\"+spec.group");
    json_object_put(j);
    free(body);

    body = crd_body("greetings.demo.k8sc.io", "");
    j = req(&st, "POST", CRDS, JSON, body);
    api_expect_status(j, st, 422, "Invalid", "CustomResourceDefinition.apiextensions.k8s.io \"greetings.demo.k8sc.io\" is "
        "invalid: spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required");
    json_object_put(j);
    free(body);

    const char *two = "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
        "\"metadata\":{\"name\":\"things.demo\"},\"spec\":{\"group\":\"demo\",\"scope\":\"Galaxy\","
        "\"names\":{\"plural\":\"things\",\"kind\":\"Thing\"},\"versions\":["
        "{\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\"}}},"
        "{\"name\":\"v2\",\"served\":true,\"storage\":true,\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\"}}}]}}";
    j = req(&st, "POST", CRDS, JSON, two);
    ck_assert_int_eq(st, 422);
    const char *msg = api_str(j, "message");
    ck_assert_msg(strstr(msg, "spec.group: Invalid value: \"demo\": should be a domain with at least one dot"), "%s", msg);
    ck_assert_msg(strstr(msg, "spec.scope: Unsupported value: \"Galaxy\": supported values: \"Cluster\", \"Namespaced\""),
        "%s", msg);
    ck_assert_msg(strstr(msg, "must have exactly one version marked as storage version"), "%s", msg);
    json_object_put(j);
    const char *builtin = "{\"metadata\":{\"name\":\"ingresses.networking.k8s.io\",\"annotations\":{"
        "\"api-approved.kubernetes.io\":\"unapproved\"}},\"spec\":{\"group\":\"networking.k8s.io\","
        "\"scope\":\"Namespaced\",\"names\":{\"plural\":\"ingresses\",\"kind\":\"Ingress\"},\"versions\":[{"
        "\"name\":\"v9\",\"served\":true,\"storage\":true,\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\"}}}]}}";
    j = req(&st, "POST", CRDS, JSON, builtin);
    api_expect_status(j, st, 422, "Invalid", "CustomResourceDefinition.apiextensions.k8s.io \"ingresses.networking.k8s.io\" "
        "is invalid: spec.names.plural: Invalid value: \"ingresses\": ingresses.networking.k8s.io is already served by "
        "the API server");
    json_object_put(j);
    j = req(&st, "POST", CRDS, JSON, "{\"metadata\":{\"name\":\"things.x.k8s.io\"},\"spec\":{\"group\":\"x.k8s.io\","
        "\"scope\":\"Cluster\",\"names\":{\"plural\":\"things\",\"kind\":\"Thing\"},\"versions\":[{"
        "\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\"}}}]}}");
    api_expect_status(j, st, 422, "Invalid", "CustomResourceDefinition.apiextensions.k8s.io \"things.x.k8s.io\" is invalid: "
        "metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval "
        "annotation \"api-approved.kubernetes.io\", see https://github.com/kubernetes/enhancements/pull/1111");
    json_object_put(j);
    /* Nothing was served for the rejected definitions. */
    expect_code(404, "GET", "/apis/demo.k8sc.io/v1", NULL, NULL);
}
END_TEST

START_TEST(test_cr_verbs)
{
    expect_code(404, "GET", GREETINGS, NULL, NULL);
    create_crd();
    create_greeting("a", "{\"message\":\"hello\"}");
    create_greeting("b", "{\"message\":\"bye\",\"count\":3}");
    int st;
    struct json_object *j = req(&st, "GET", GREETINGS "/a", NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "kind"), "Greeting");
    ck_assert_str_eq(api_str(j, "apiVersion"), "demo.k8sc.io/v1");
    ck_assert_str_eq(api_str(j, "metadata.namespace"), "default");
    ck_assert_int_eq(api_int(j, "metadata.generation"), 1);
    json_object_put(j);

    j = req(&st, "GET", GREETINGS, NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "kind"), "GreetingList");
    ck_assert_int_eq(json_object_array_length(api_get(j, "items")), 2);
    json_object_put(j);
    j = req(&st, "GET", GREETINGS "?labelSelector=app%3Db", NULL, NULL);
    ck_assert_int_eq(json_object_array_length(api_get(j, "items")), 1);
    ck_assert_str_eq(api_str(j, "items[0].metadata.name"), "b");
    json_object_put(j);
    j = req(&st, "GET", "/apis/demo.k8sc.io/v1/greetings?fieldSelector=metadata.name%3Da", NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(json_object_array_length(api_get(j, "items")), 1);
    ck_assert_str_eq(api_str(j, "items[0].metadata.name"), "a");
    json_object_put(j);

    j = req(&st, "PATCH", GREETINGS "/a", MERGE, "{\"spec\":{\"message\":\"hi there\"}}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "spec.message"), "hi there");
    ck_assert_int_eq(api_int(j, "metadata.generation"), 2);
    json_object_put(j);
    j = req(&st, "PATCH", GREETINGS "/a", "application/json-patch+json",
        "[{\"op\":\"replace\",\"path\":\"/spec/count\",\"value\":7}]");
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(api_int(j, "spec.count"), 7);
    json_object_put(j);
    j = req(&st, "PATCH", GREETINGS "/a", "application/strategic-merge-patch+json", "{\"spec\":{\"count\":2}}");
    api_expect_status(j, st, 415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted "
        "media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
    json_object_put(j);

    j = req(&st, "GET", GREETINGS "/a", NULL, NULL);
    json_object_object_del(j, "status");
    json_object_object_add(json_object_object_get(j, "spec"), "message", json_object_new_string("replaced"));
    struct json_object *u = req(&st, "PUT", GREETINGS "/a", JSON, json_object_to_json_string(j));
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(u, "spec.message"), "replaced");
    json_object_put(u);
    json_object_put(j);

    expect_code(200, "DELETE", GREETINGS "/a", NULL, NULL);
    expect_code(404, "GET", GREETINGS "/a", NULL, NULL);
    expect_code(200, "DELETE", GREETINGS, NULL, NULL);
    j = req(&st, "GET", GREETINGS, NULL, NULL);
    ck_assert_int_eq(json_object_array_length(api_get(j, "items")), 0);
    json_object_put(j);
}
END_TEST

START_TEST(test_cr_watch)
{
    create_crd();
    k8sc_apiserver_response *w = NULL;
    ck_assert_int_eq(k8sc_apiserver_handle(&w, srv, "GET", GREETINGS "?watch=true", NULL, JSON, NULL, 0), 0);
    ck_assert(k8sc_apiserver_response_is_stream(w));
    create_greeting("w", "{\"message\":\"watched\"}");
    char *line = NULL;
    ck_assert_int_eq(k8sc_apiserver_response_next(&line, w, 5000), 1);
    ck_assert_msg(strstr(line, "\"ADDED\"") && strstr(line, "\"watched\""), "%s", line);
    free(line);
    k8sc_apiserver_response_free(w);
}
END_TEST

START_TEST(test_schema_errors)
{
    create_crd();
    static const struct {
        const char *spec, *message;
    } cases[] = {
        { "{\"message\":1}", "spec.message: Invalid value: \"integer\": spec.message in body must be of type string: "
                             "\"integer\"" },
        { "{}", "spec.message: Required value" },
        { "{\"message\":\"hi\",\"color\":\"pink\"}",
          "spec.color: Unsupported value: \"pink\": supported values: \"red\", \"blue\"" },
        { "{\"message\":\"hi\",\"count\":11}",
          "spec.count: Invalid value: 11: spec.count in body should be less than or equal to 10" },
        { "{\"message\":\"hi\",\"count\":-1}",
          "spec.count: Invalid value: -1: spec.count in body should be greater than or equal to 0" },
        { "{\"message\":\"HI\"}", "spec.message: Invalid value: \"HI\": spec.message in body should match '^[a-z ]+$'" },
        { "{\"message\":\"aaaaaaaaaaaaaaaaaaaaaaaaa\"}", "spec.message: Too long: may not be more than 20 bytes" },
        { "{\"message\":\"hi\",\"tags\":[\"a\",\"b\",\"c\"]}", "spec.tags: Too many: 3: must have at most 2 items" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[512], want[512];
        snprintf(body, sizeof(body), "{\"apiVersion\":\"demo.k8sc.io/v1\",\"kind\":\"Greeting\","
            "\"metadata\":{\"name\":\"x\"},\"spec\":%s}", cases[i].spec);
        snprintf(want, sizeof(want), "Greeting.demo.k8sc.io \"x\" is invalid: %s", cases[i].message);
        int st;
        struct json_object *j = req(&st, "POST", GREETINGS, JSON, body);
        api_expect_status(j, st, 422, "Invalid", want);
        json_object_put(j);
    }
}
END_TEST

START_TEST(test_prune_default_field_validation)
{
    create_crd();
    const char *body = "{\"apiVersion\":\"demo.k8sc.io/v1\",\"kind\":\"Greeting\",\"metadata\":{\"name\":\"p\"},"
        "\"spec\":{\"message\":\"hi\",\"foo\":1,\"extra\":{\"anything\":true}},\"bar\":2}";
    int st;
    struct json_object *j = req_full(&st, NULL, "POST", GREETINGS "?fieldValidation=Strict", JSON, JSON, body);
    api_expect_status(j, st, 400, "BadRequest",
        "Greeting in version \"v1\" cannot be handled as a Greeting: strict decoding error: unknown field \"bar\", "
        "unknown field \"spec.foo\"");
    json_object_put(j);

    char *warnings = NULL;
    j = req_full(&st, &warnings, "POST", GREETINGS "?fieldValidation=Warn", JSON, JSON, body);
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(warnings, "unknown field \"bar\"\nunknown field \"spec.foo\"");
    free(warnings);
    /* Pruned, preserved and defaulted. */
    ck_assert_str_eq(api_json(j, "spec"), "{\"message\":\"hi\",\"extra\":{\"anything\":true},\"count\":1}");
    ck_assert_str_eq(api_json(j, "bar"), "<absent>");
    json_object_put(j);

    j = req(&st, "POST", GREETINGS "?fieldValidation=Loose", JSON, body);
    api_expect_status(j, st, 422, "Invalid", "CreateOptions.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: "
        "\"Loose\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"");
    json_object_put(j);

    j = req_full(&st, &warnings, "PATCH", GREETINGS "/p?fieldValidation=Strict", MERGE, JSON, "{\"spec\":{\"baz\":1}}");
    api_expect_status(j, st, 400, "BadRequest", "strict decoding error: unknown field \"spec.baz\"");
    json_object_put(j);
    free(warnings);
}
END_TEST

START_TEST(test_status_subresource_and_generation)
{
    create_crd();
    int st;
    const char *body = "{\"apiVersion\":\"demo.k8sc.io/v1\",\"kind\":\"Greeting\",\"metadata\":{\"name\":\"s\"},"
        "\"spec\":{\"message\":\"hi\"},\"status\":{\"phase\":\"Made\"}}";
    struct json_object *j = req(&st, "POST", GREETINGS, JSON, body);
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(api_json(j, "status"), "<absent>");
    json_object_put(j);

    j = req(&st, "PATCH", GREETINGS "/s/status", MERGE, "{\"status\":{\"phase\":\"Ready\"},\"spec\":{\"message\":\"x\"}}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "status.phase"), "Ready");
    ck_assert_str_eq(api_str(j, "spec.message"), "hi");
    ck_assert_int_eq(api_int(j, "metadata.generation"), 1);
    json_object_put(j);

    j = req(&st, "PATCH", GREETINGS "/s", MERGE, "{\"status\":{\"phase\":\"Lost\"},\"metadata\":{\"labels\":{\"a\":\"b\"}}}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "status.phase"), "Ready");
    ck_assert_int_eq(api_int(j, "metadata.generation"), 1);
    json_object_put(j);

    j = req(&st, "PATCH", GREETINGS "/s", MERGE, "{\"spec\":{\"count\":4}}");
    ck_assert_int_eq(api_int(j, "metadata.generation"), 2);
    json_object_put(j);
    j = req(&st, "GET", GREETINGS "/s/status", NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "status.phase"), "Ready");
    json_object_put(j);
}
END_TEST

START_TEST(test_scale_subresource)
{
    expect_code(201, "POST", CRDS, JSON,
        "{\"metadata\":{\"name\":\"pools.demo.k8sc.io\"},\"spec\":{\"group\":\"demo.k8sc.io\","
        "\"scope\":\"Namespaced\",\"names\":{\"plural\":\"pools\",\"kind\":\"Pool\"},\"versions\":[{"
        "\"name\":\"v1\",\"served\":true,\"storage\":true,\"subresources\":{\"status\":{},\"scale\":{"
        "\"specReplicasPath\":\".spec.size\",\"statusReplicasPath\":\".status.size\","
        "\"labelSelectorPath\":\".status.selector\"}},\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\","
        "\"properties\":{\"spec\":{\"type\":\"object\",\"properties\":{\"size\":{\"type\":\"integer\"}}},"
        "\"status\":{\"type\":\"object\",\"properties\":{\"size\":{\"type\":\"integer\"},"
        "\"selector\":{\"type\":\"string\"}}}}}}}]}}");
#define POOLS "/apis/demo.k8sc.io/v1/namespaces/default/pools"
    expect_code(201, "POST", POOLS, JSON, "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"size\":2}}");
    expect_code(200, "PATCH", POOLS "/p/status", MERGE, "{\"status\":{\"size\":1,\"selector\":\"app=p\"}}");
    int st;
    struct json_object *j = req(&st, "GET", POOLS "/p/scale", NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "kind"), "Scale");
    ck_assert_str_eq(api_str(j, "apiVersion"), "autoscaling/v1");
    ck_assert_int_eq(api_int(j, "spec.replicas"), 2);
    ck_assert_int_eq(api_int(j, "status.replicas"), 1);
    ck_assert_str_eq(api_str(j, "status.selector"), "app=p");
    json_object_put(j);
    j = req(&st, "PATCH", POOLS "/p/scale", MERGE, "{\"spec\":{\"replicas\":5}}");
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(api_int(j, "spec.replicas"), 5);
    json_object_put(j);
    j = req(&st, "GET", POOLS "/p", NULL, NULL);
    ck_assert_int_eq(api_int(j, "spec.size"), 5);
    ck_assert_int_eq(api_int(j, "metadata.generation"), 2);
    json_object_put(j);
    j = req(&st, "GET", "/apis/demo.k8sc.io/v1", NULL, NULL);
    ck_assert_str_eq(api_str(j, "resources[2].name"), "pools/scale");
    ck_assert_str_eq(api_str(j, "resources[2].kind"), "Scale");
    json_object_put(j);
    /* A kind whose CRD declares no scale has none. */
    create_crd();
    create_greeting("g", "{\"message\":\"hi\"}");
    expect_code(404, "GET", GREETINGS "/g/scale", NULL, NULL);
}
END_TEST

START_TEST(test_table_columns)
{
    create_crd();
    create_greeting("t", "{\"message\":\"hello\",\"count\":5}");
    int st;
    struct json_object *j = req_full(&st, NULL, "GET", GREETINGS, NULL, TABLE, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "kind"), "Table");
    ck_assert_str_eq(api_str(j, "columnDefinitions[0].name"), "Name");
    ck_assert_str_eq(api_str(j, "columnDefinitions[1].name"), "Message");
    ck_assert_str_eq(api_str(j, "columnDefinitions[2].name"), "Count");
    ck_assert_str_eq(api_str(j, "columnDefinitions[2].type"), "integer");
    ck_assert_str_eq(api_json(j, "rows[0].cells"), "[\"t\",\"hello\",5]");
    json_object_put(j);

    /* Without printer columns a version shows Name and Age (the creation timestamp, a date). */
    expect_code(201, "POST", CRDS, JSON,
        "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
        "\"metadata\":{\"name\":\"others.demo.k8sc.io\"},\"spec\":{\"group\":\"demo.k8sc.io\","
        "\"scope\":\"Namespaced\",\"names\":{\"plural\":\"others\",\"kind\":\"Other\"},\"versions\":[{"
        "\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\","
        "\"x-kubernetes-preserve-unknown-fields\":true}}}]}}");
    expect_code(201, "POST", "/apis/demo.k8sc.io/v1/namespaces/default/others", JSON,
        "{\"metadata\":{\"name\":\"o\"},\"anything\":1}");
    j = req_full(&st, NULL, "GET", "/apis/demo.k8sc.io/v1/namespaces/default/others", NULL, TABLE, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(json_object_array_length(api_get(j, "columnDefinitions")), 2);
    ck_assert_str_eq(api_str(j, "columnDefinitions[1].name"), "Age");
    ck_assert_str_eq(api_str(j, "columnDefinitions[1].type"), "date");
    ck_assert_str_eq(api_str(j, "rows[0].cells[0]"), "o");
    ck_assert_msg(strchr(api_str(j, "rows[0].cells[1]"), 'T') != NULL, "%s", api_json(j, "rows[0].cells"));
    json_object_put(j);
}
END_TEST

START_TEST(test_discovery_and_openapi)
{
    create_crd();
    int st;
    struct json_object *j = req(&st, "GET", "/apis/demo.k8sc.io/v1", NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "resources[0].name"), "greetings");
    ck_assert_str_eq(api_str(j, "resources[0].kind"), "Greeting");
    ck_assert_str_eq(api_json(j, "resources[0].shortNames"), "[\"gr\"]");
    ck_assert_str_eq(api_json(j, "resources[0].categories"), "[\"all\"]");
    ck_assert_str_eq(api_str(j, "resources[1].name"), "greetings/status");
    json_object_put(j);
    j = req(&st, "GET", "/apis/demo.k8sc.io", NULL, NULL);
    ck_assert_str_eq(api_str(j, "preferredVersion.groupVersion"), "demo.k8sc.io/v1");
    json_object_put(j);
    j = req_full(&st, NULL, "GET", "/apis", NULL,
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json", NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_msg(strstr(json_object_to_json_string(j), "\"greetings\""), "no greetings in aggregated discovery");
    json_object_put(j);

    j = req(&st, "GET", "/openapi/v3", NULL, NULL);
    ck_assert_str_eq(api_str(j, "paths.apis/demo\\.k8sc\\.io/v1.serverRelativeURL"), "/openapi/v3/apis/demo.k8sc.io/v1");
    json_object_put(j);
    j = req(&st, "GET", "/openapi/v3/apis/demo.k8sc.io/v1", NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "components.schemas.io\\.k8sc\\.demo\\.v1\\.Greeting.properties.spec.properties.message.type"),
        "string");
    ck_assert_str_eq(api_str(j,
        "components.schemas.io\\.k8sc\\.demo\\.v1\\.Greeting.x-kubernetes-group-version-kind[0].kind"), "Greeting");
    ck_assert_str_eq(api_str(j, "paths./apis/demo\\.k8sc\\.io/v1/namespaces/{namespace}/greetings/{name}.patch."
        "x-kubernetes-group-version-kind.kind"), "Greeting");
    json_object_put(j);
}
END_TEST

START_TEST(test_delete_crd_removes_resources)
{
    create_crd();
    create_greeting("d1", "{\"message\":\"one\"}");
    create_greeting("d2", "{\"message\":\"two\"}");
    expect_code(200, "DELETE", CRD_NAME, JSON, "{\"propagationPolicy\":\"Background\"}");
    expect_code(404, "GET", CRD_NAME, NULL, NULL);
    expect_code(404, "GET", GREETINGS, NULL, NULL);
    ck_assert_ptr_null(k8sc_registry_lookup(reg, "greetings"));
    k8sc_store_page *page = NULL;
    ck_assert_int_eq(k8sc_store_list(&page, store, "/registry/demo.k8sc.io/", 0, NULL, 0), 0);
    ck_assert_int_eq(page->count, 0);
    k8sc_store_page_free(page);
    /* Created again, it starts empty. */
    create_crd();
    int st;
    struct json_object *j = req(&st, "GET", GREETINGS, NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(json_object_array_length(api_get(j, "items")), 0);
    json_object_put(j);
}
END_TEST

START_TEST(test_versions_none_conversion)
{
    expect_code(201, "POST", CRDS, JSON,
        "{\"metadata\":{\"name\":\"notes.demo.k8sc.io\"},\"spec\":{\"group\":\"demo.k8sc.io\","
        "\"scope\":\"Cluster\",\"names\":{\"plural\":\"notes\",\"kind\":\"Note\"},\"versions\":["
        "{\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\","
        "\"x-kubernetes-preserve-unknown-fields\":true}}},"
        "{\"name\":\"v2\",\"served\":true,\"storage\":false,\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\","
        "\"x-kubernetes-preserve-unknown-fields\":true}}},"
        "{\"name\":\"v0\",\"served\":false,\"storage\":false,\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\"}}}]}}");
    expect_code(201, "POST", "/apis/demo.k8sc.io/v1/notes", JSON,
        "{\"apiVersion\":\"demo.k8sc.io/v1\",\"kind\":\"Note\",\"metadata\":{\"name\":\"n\"},\"text\":\"a\"}");
    int st;
    struct json_object *j = req(&st, "GET", "/apis/demo.k8sc.io/v2/notes/n", NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "apiVersion"), "demo.k8sc.io/v2");
    json_object_put(j);
    j = req(&st, "GET", "/apis/demo.k8sc.io/v2/notes", NULL, NULL);
    ck_assert_str_eq(api_str(j, "apiVersion"), "demo.k8sc.io/v2");
    ck_assert_str_eq(api_str(j, "items[0].apiVersion"), "demo.k8sc.io/v2");
    json_object_put(j);
    j = req(&st, "PATCH", "/apis/demo.k8sc.io/v2/notes/n", MERGE, "{\"text\":\"b\"}");
    ck_assert_msg(st == 200, "%s", json_object_to_json_string(j));
    ck_assert_str_eq(api_str(j, "apiVersion"), "demo.k8sc.io/v2");
    json_object_put(j);
    j = req(&st, "GET", "/apis/demo.k8sc.io/v1/notes/n", NULL, NULL);
    ck_assert_str_eq(api_str(j, "apiVersion"), "demo.k8sc.io/v1");
    ck_assert_str_eq(api_str(j, "text"), "b");
    json_object_put(j);
    /* Unserved versions are not served. */
    expect_code(404, "GET", "/apis/demo.k8sc.io/v0/notes", NULL, NULL);
    /* Kubernetes' version priority picks the preferred version: v2 before v1. */
    j = req(&st, "GET", "/apis/demo.k8sc.io", NULL, NULL);
    ck_assert_int_eq(json_object_array_length(api_get(j, "versions")), 2);
    ck_assert_str_eq(api_str(j, "preferredVersion.version"), "v2");
    json_object_put(j);
}
END_TEST

/* Custom resource requests while the CRD changes under them (run under TSan too). */
static void *cr_traffic(void *arg)
{
    (void)arg;
    for (int i = 0; i < 40; i++) {
        char name[32], body[256];
        snprintf(name, sizeof(name), "c%d", i);
        snprintf(body, sizeof(body), "{\"apiVersion\":\"demo.k8sc.io/v1\",\"kind\":\"Greeting\","
            "\"metadata\":{\"name\":\"%s\"},\"spec\":{\"message\":\"hi\"}}", name);
        k8sc_apiserver_response *resp = NULL;
        if (k8sc_apiserver_handle(&resp, srv, "POST", GREETINGS, JSON, JSON, body, strlen(body)) != 0)
            return (void *)1;
        k8sc_apiserver_response_free(resp);
        if (k8sc_apiserver_handle(&resp, srv, "GET", GREETINGS, NULL, TABLE, NULL, 0) != 0)
            return (void *)1;
        int st = k8sc_apiserver_response_status(resp);
        k8sc_apiserver_response_free(resp);
        if (st != 200)
            return (void *)1;
    }
    return NULL;
}

START_TEST(test_concurrent_crd_updates)
{
    create_crd();
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, cr_traffic, NULL), 0);
    for (int i = 0; i < 40; i++) {
        char patch[128];
        snprintf(patch, sizeof(patch), "{\"spec\":{\"names\":{\"shortNames\":[\"g%d\"]}}}", i);
        expect_code(200, "PATCH", CRD_NAME, MERGE, patch);
    }
    void *ret = NULL;
    ck_assert_int_eq(pthread_join(t, &ret), 0);
    ck_assert_ptr_null(ret);
    ck_assert_ptr_nonnull(k8sc_registry_lookup(reg, "g39"));
    ck_assert_ptr_null(k8sc_registry_lookup(reg, "g38"));
}
END_TEST

START_TEST(test_crd_survives_restart)
{
    create_crd();
    create_greeting("r", "{\"message\":\"still here\"}");
    k8sc_apiserver_free(srv);
    k8sc_registry_free(reg);
    ck_assert_int_eq(k8sc_registry_new(&reg), 0);
    ck_assert_ptr_null(k8sc_registry_lookup(reg, "greetings"));
    start();
    ck_assert_ptr_nonnull(k8sc_registry_lookup(reg, "gr"));
    int st;
    struct json_object *j = req(&st, "GET", GREETINGS "/r", NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "spec.message"), "still here");
    json_object_put(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("crd");
    TCase *tc = tcase_create("crd");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_crd_status_and_defaults);
    tcase_add_test(tc, test_crd_validation);
    tcase_add_test(tc, test_cr_verbs);
    tcase_add_test(tc, test_cr_watch);
    tcase_add_test(tc, test_schema_errors);
    tcase_add_test(tc, test_prune_default_field_validation);
    tcase_add_test(tc, test_status_subresource_and_generation);
    tcase_add_test(tc, test_scale_subresource);
    tcase_add_test(tc, test_table_columns);
    tcase_add_test(tc, test_discovery_and_openapi);
    tcase_add_test(tc, test_delete_crd_removes_resources);
    tcase_add_test(tc, test_versions_none_conversion);
    tcase_add_test(tc, test_concurrent_crd_updates);
    tcase_add_test(tc, test_crd_survives_restart);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
