/*
 * The API server against Kubernetes' wire behaviour: discovery, OpenAPI,
 * CRUD with Kubernetes' exact error Statuses, list paging and selectors,
 * watch streams, Table output. Most cases go through the in-process
 * entry point; the HTTP transport is driven with libcurl on a port picked
 * by the kernel.
 */
#include "testutil.h"

#include "apiserver/apiserver_internal.h"
#include "k8sc/k8sc.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define JSON "application/json"
#define TABLE_ACCEPT "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
#define AGG_ACCEPT "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"

static k8sc_store *store;
static k8sc_apiserver *srv;

static void setup(void)
{
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = store;
    ck_assert_msg(k8sc_apiserver_new(&srv, &o) == 0, "%s", k8sc_error_last());
}

static void teardown(void)
{
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
    srv = NULL;
    store = NULL;
}

/* One request; the reply body parsed (NULL for non-JSON), status in *status. */
static struct json_object *req(int *status, const char *method, const char *target, const char *ct,
    const char *accept, const char *body)
{
    k8sc_apiserver_response *resp = NULL;
    int rc = k8sc_apiserver_handle(&resp, srv, method, target, ct, accept, body, body ? strlen(body) : 0);
    ck_assert_msg(rc == 0, "%s %s: %s", method, target, k8sc_error_last());
    *status = k8sc_apiserver_response_status(resp);
    size_t len = 0;
    const char *text = k8sc_apiserver_response_body(resp, &len);
    struct json_object *j = NULL;
    if (k8sc_json_parse(&j, text, len) != 0)
        j = NULL;
    k8sc_apiserver_response_free(resp);
    return j;
}

static const char *str_at(struct json_object *j, const char *path)
{
    k8sc_object *o = NULL;
    ck_assert_int_eq(k8sc_object_wrap(&o, json_object_get(j)), 0);
    const char *s = k8sc_object_get_string(o, path);
    k8sc_object_free(o); /* j keeps its own reference, so s stays valid */
    return s;
}

static int64_t int_at(struct json_object *j, const char *path)
{
    k8sc_object *o = NULL;
    int64_t v = -1;
    ck_assert_int_eq(k8sc_object_wrap(&o, json_object_get(j)), 0);
    k8sc_object_get_int(o, path, &v);
    k8sc_object_free(o);
    return v;
}

/* Expect a Status failure with this code, reason and message. */
static void expect_status(struct json_object *j, int status, int code, const char *reason, const char *message)
{
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(status, code);
    ck_assert_str_eq(str_at(j, "kind"), "Status");
    ck_assert_str_eq(str_at(j, "status"), "Failure");
    ck_assert_int_eq(int_at(j, "code"), code);
    ck_assert_str_eq(str_at(j, "reason"), reason);
    ck_assert_str_eq(str_at(j, "message"), message);
}

static void create_cm(const char *ns, const char *name, const char *labels)
{
    char target[256], body[512];
    snprintf(target, sizeof(target), "/api/v1/namespaces/%s/configmaps", ns);
    snprintf(body, sizeof(body),
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\",\"labels\":%s},\"data\":{\"k\":\"v\"}}",
        name, labels ? labels : "{}");
    int st;
    struct json_object *j = req(&st, "POST", target, JSON, JSON, body);
    ck_assert_msg(st == 201, "create %s: %d", name, st);
    json_object_put(j);
}

START_TEST(test_version_and_discovery)
{
    int st;
    struct json_object *j = req(&st, "GET", "/version?timeout=5s", NULL, JSON, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(str_at(j, "major"), "1");
    ck_assert_str_eq(str_at(j, "minor"), "32");
    ck_assert(strncmp(str_at(j, "gitVersion"), "v1.32.", 6) == 0);
    json_object_put(j);

    /* Aggregated discovery only when asked for, with the Content-Type kubectl keys on. */
    k8sc_apiserver_response *resp = NULL;
    ck_assert_int_eq(k8sc_apiserver_handle(&resp, srv, "GET", "/apis?timeout=32s", NULL, AGG_ACCEPT, NULL, 0), 0);
    ck_assert_str_eq(k8sc_apiserver_response_content_type(resp),
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    ck_assert(strstr(k8sc_apiserver_response_body(resp, NULL), "\"resource\":\"deployments\"") != NULL);
    ck_assert(strstr(k8sc_apiserver_response_body(resp, NULL), "\"subresource\":\"scale\"") != NULL);
    k8sc_apiserver_response_free(resp);

    j = req(&st, "GET", "/api", NULL, AGG_ACCEPT, NULL);
    ck_assert_str_eq(str_at(j, "kind"), "APIGroupDiscoveryList");
    ck_assert_str_eq(str_at(j, "items[0].versions[0].version"), "v1");
    json_object_put(j);

    j = req(&st, "GET", "/api", NULL, JSON, NULL);
    ck_assert_str_eq(str_at(j, "kind"), "APIVersions");
    ck_assert_str_eq(str_at(j, "versions[0]"), "v1");
    json_object_put(j);

    j = req(&st, "GET", "/apis", NULL, "application/json, */*", NULL);
    ck_assert_str_eq(str_at(j, "kind"), "APIGroupList");
    ck_assert_str_eq(str_at(j, "groups[0].name"), "apps");
    ck_assert_str_eq(str_at(j, "groups[0].preferredVersion.groupVersion"), "apps/v1");
    json_object_put(j);

    j = req(&st, "GET", "/api/v1", NULL, JSON, NULL);
    ck_assert_int_eq(st, 200);
    struct json_object *res = json_object_object_get(j, "resources");
    bool found = false;
    for (size_t i = 0; i < json_object_array_length(res); i++) {
        struct json_object *e = json_object_array_get_idx(res, i);
        if (strcmp(json_object_get_string(json_object_object_get(e, "name")), "configmaps") == 0) {
            found = true;
            ck_assert_str_eq(json_object_get_string(json_object_object_get(e, "kind")), "ConfigMap");
            ck_assert(json_object_get_boolean(json_object_object_get(e, "namespaced")));
            ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(json_object_object_get(e, "shortNames"), 0)), "cm");
        }
    }
    ck_assert(found);
    json_object_put(j);

    j = req(&st, "GET", "/apis/apps/v1", NULL, JSON, NULL);
    const char *text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    ck_assert(strstr(text, "\"name\":\"deployments/scale\",\"singularName\":\"\",\"namespaced\":true,"
        "\"group\":\"autoscaling\",\"version\":\"v1\",\"kind\":\"Scale\""));
    json_object_put(j);

    j = req(&st, "GET", "/apis/nope/v1", NULL, JSON, NULL);
    expect_status(j, st, 404, "NotFound", "the server could not find the requested resource");
    json_object_put(j);
}
END_TEST

START_TEST(test_openapi)
{
    int st;
    struct json_object *j = req(&st, "GET", "/openapi/v3", NULL, JSON, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(str_at(j, "paths.api/v1.serverRelativeURL"), "/openapi/v3/api/v1");
    ck_assert_str_eq(str_at(j, "paths.apis/apps/v1.serverRelativeURL"), "/openapi/v3/apis/apps/v1");
    json_object_put(j);

    j = req(&st, "GET", "/openapi/v3/api/v1", NULL, JSON, NULL);
    ck_assert_int_eq(st, 200);
    struct json_object *paths = json_object_object_get(j, "paths");
    struct json_object *item = json_object_object_get(paths, "/api/v1/namespaces/{namespace}/configmaps/{name}");
    ck_assert_ptr_nonnull(item);
    struct json_object *patch = json_object_object_get(item, "patch");
    struct json_object *gvk = json_object_object_get(patch, "x-kubernetes-group-version-kind");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(gvk, "kind")), "ConfigMap");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(gvk, "group")), "");
    ck_assert(strstr(json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN), "\"name\":\"fieldValidation\",\"in\":\"query\""));
    struct json_object *schemas = json_object_object_get(json_object_object_get(j, "components"), "schemas");
    ck_assert_ptr_nonnull(json_object_object_get(schemas, "io.k8s.api.core.v1.ConfigMap"));
    json_object_put(j);

    j = req(&st, "GET", "/openapi/v3/apis/apps/v9", NULL, JSON, NULL);
    ck_assert_int_eq(st, 404);
    json_object_put(j);
}
END_TEST

START_TEST(test_crud_happy_path)
{
    int st;
    struct json_object *j = req(&st, "POST", "/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create", JSON, JSON,
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"alpha\"},\"data\":{\"a\":\"1\"}}");
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(str_at(j, "metadata.namespace"), "default");
    ck_assert_int_eq((int)strlen(str_at(j, "metadata.uid")), 36);
    ck_assert_ptr_nonnull(str_at(j, "metadata.creationTimestamp"));
    char rv[32];
    snprintf(rv, sizeof(rv), "%s", str_at(j, "metadata.resourceVersion"));
    json_object_put(j);

    j = req(&st, "GET", "/api/v1/namespaces/default/configmaps/alpha", NULL, JSON, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(str_at(j, "metadata.resourceVersion"), rv);
    ck_assert_str_eq(str_at(j, "data.a"), "1");
    json_object_put(j);

    /* Update with the current resourceVersion, then the stale one conflicts. */
    char body[512];
    snprintf(body, sizeof(body), "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"alpha\","
        "\"resourceVersion\":\"%s\"},\"data\":{\"a\":\"2\"}}", rv);
    j = req(&st, "PUT", "/api/v1/namespaces/default/configmaps/alpha", JSON, JSON, body);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(str_at(j, "data.a"), "2");
    ck_assert_str_ne(str_at(j, "metadata.resourceVersion"), rv);
    json_object_put(j);
    j = req(&st, "PUT", "/api/v1/namespaces/default/configmaps/alpha", JSON, JSON, body);
    expect_status(j, st, 409, "Conflict",
        "Operation cannot be fulfilled on configmaps \"alpha\": the object has been modified; please apply your "
        "changes to the latest version and try again");
    json_object_put(j);

    /* YAML bodies work; an update without resourceVersion is unconditional. */
    j = req(&st, "PUT", "/api/v1/namespaces/default/configmaps/alpha", "application/yaml", JSON,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alpha\ndata:\n  a: \"3\"\n");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(str_at(j, "data.a"), "3");
    json_object_put(j);

    j = req(&st, "DELETE", "/api/v1/namespaces/default/configmaps/alpha", JSON, JSON, "{\"propagationPolicy\":\"Background\"}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(str_at(j, "status"), "Success");
    ck_assert_str_eq(str_at(j, "details.name"), "alpha");
    ck_assert_str_eq(str_at(j, "details.kind"), "configmaps");
    json_object_put(j);

    j = req(&st, "GET", "/api/v1/namespaces/default/configmaps/alpha", NULL, JSON, NULL);
    expect_status(j, st, 404, "NotFound", "configmaps \"alpha\" not found");
    ck_assert_str_eq(str_at(j, "details.kind"), "configmaps");
    json_object_put(j);
}
END_TEST

/* One row of the error table: a request and the exact Status it must produce. */
typedef struct {
    const char *method, *target, *ct, *body;
    int code;
    const char *reason, *message;
} error_case;

START_TEST(test_errors)
{
    create_cm("default", "taken", NULL);
    static const error_case cases[] = {
        { "POST", "/api/v1/namespaces/default/configmaps", JSON,
          "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"taken\"}}",
          409, "AlreadyExists", "configmaps \"taken\" already exists" },
        { "POST", "/api/v1/namespaces/default/configmaps", JSON,
          "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"BadName\"}}",
          422, "Invalid", "ConfigMap \"BadName\" is invalid: metadata.name: Invalid value: \"BadName\": a lowercase RFC "
          "1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with "
          "an alphanumeric character (e.g. 'example.com', regex used for validation is "
          "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')" },
        { "POST", "/api/v1/namespaces/default/configmaps", JSON,
          "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"namespace\":\"other\"}}",
          400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request" },
        { "POST", "/api/v1/namespaces/nowhere/configmaps", JSON,
          "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"}}",
          404, "NotFound", "namespaces \"nowhere\" not found" },
        { "POST", "/api/v1/namespaces/default/configmaps", JSON,
          "{\"apiVersion\":\"apps/v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"}}",
          400, "BadRequest", "the API version in the data (apps/v1) does not match the expected API version (v1)" },
        { "POST", "/api/v1/namespaces/default/configmaps", "application/cbor", "k8s\0",
          415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types "
          "include: application/json, application/yaml" },
        { "PUT", "/api/v1/namespaces/default/configmaps/taken", JSON,
          "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"other\"}}",
          400, "BadRequest", "the name of the object (other) does not match the name on the URL (taken)" },
        { "PUT", "/api/v1/namespaces/default/configmaps/missing", JSON,
          "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"missing\"}}",
          404, "NotFound", "configmaps \"missing\" not found" },
        { "DELETE", "/apis/apps/v1/namespaces/default/deployments/web", NULL, NULL,
          404, "NotFound", "deployments.apps \"web\" not found" },
        { "GET", "/api/v1/namespaces/default/widgets", NULL, NULL,
          404, "NotFound", "the server could not find the requested resource" },
        { "GET", "/nonsense/path", NULL, NULL, 404, "NotFound", "the server could not find the requested resource" },
        { "POST", "/api/v1/namespaces/default/configmaps/taken", JSON, "{}",
          405, "MethodNotAllowed", "the server does not allow this method on the requested resource" },
        { "POST", "/api/v1", JSON, "{}",
          405, "MethodNotAllowed", "the server does not allow this method on the requested resource" },
        { "GET", "/api/v1/namespaces/default/configmaps?labelSelector=a%3D%3D%3Db", NULL, NULL, 400, "BadRequest", NULL },
        { "GET", "/api/v1/namespaces/default/configmaps?fieldSelector=spec.nodeName%3Dx", NULL, NULL,
          400, "BadRequest", "field label not supported: spec.nodeName" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const error_case *c = &cases[i];
        int st;
        size_t blen = c->body ? strlen(c->body) : 0;
        if (c->code == 415)
            blen = 4;
        k8sc_apiserver_response *resp = NULL;
        ck_assert_int_eq(k8sc_apiserver_handle(&resp, srv, c->method, c->target, c->ct, JSON, c->body, blen), 0);
        st = k8sc_apiserver_response_status(resp);
        struct json_object *j = NULL;
        size_t len;
        const char *text = k8sc_apiserver_response_body(resp, &len);
        ck_assert_msg(k8sc_json_parse(&j, text, len) == 0, "case %zu: %s", i, text);
        ck_assert_msg(st == c->code, "case %zu: status %d, want %d: %s", i, st, c->code, text);
        ck_assert_str_eq(str_at(j, "reason"), c->reason);
        if (c->message)
            ck_assert_str_eq(str_at(j, "message"), c->message);
        json_object_put(j);
        k8sc_apiserver_response_free(resp);
    }
}
END_TEST

START_TEST(test_invalid_causes_and_bad_json)
{
    int st;
    struct json_object *j = req(&st, "POST", "/api/v1/namespaces/default/configmaps", JSON, JSON,
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"BadName\"}}");
    ck_assert_int_eq(st, 422);
    ck_assert_str_eq(str_at(j, "details.name"), "BadName");
    ck_assert_str_eq(str_at(j, "details.kind"), "ConfigMap");
    ck_assert_str_eq(str_at(j, "details.causes[0].reason"), "FieldValueInvalid");
    ck_assert_str_eq(str_at(j, "details.causes[0].field"), "metadata.name");
    ck_assert(strncmp(str_at(j, "details.causes[0].message"), "Invalid value: \"BadName\": a lowercase", 37) == 0);
    json_object_put(j);

    /* Malformed JSON: 400 with the decoder's message, which names the position. */
    j = req(&st, "POST", "/api/v1/namespaces/default/configmaps", JSON, JSON, "{\"apiVersion\": ");
    ck_assert_int_eq(st, 400);
    ck_assert_str_eq(str_at(j, "reason"), "BadRequest");
    ck_assert(strstr(str_at(j, "message"), "line 1") || strstr(str_at(j, "message"), "offset") ||
              strstr(str_at(j, "message"), "column"));
    json_object_put(j);

    j = req(&st, "POST", "/api/v1/namespaces/default/configmaps", "application/yaml", JSON, "a: [1\n");
    ck_assert_int_eq(st, 400);
    json_object_put(j);

    /* A body over 3 MiB is refused before decoding. */
    size_t big = 3 * 1024 * 1024 + 1;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    huge[big] = '\0';
    j = req(&st, "POST", "/api/v1/namespaces/default/configmaps", JSON, JSON, huge);
    free(huge);
    ck_assert_int_eq(st, 413);
    ck_assert_str_eq(str_at(j, "reason"), "RequestEntityTooLarge");
    json_object_put(j);
}
END_TEST

START_TEST(test_generate_name_and_generation)
{
    int st;
    struct json_object *j = req(&st, "POST", "/api/v1/namespaces/default/configmaps", JSON, JSON,
        "{\"metadata\":{\"generateName\":\"cfg-\"}}");
    ck_assert_int_eq(st, 201);
    const char *name = str_at(j, "metadata.name");
    ck_assert_int_eq((int)strlen(name), 9);
    ck_assert(strncmp(name, "cfg-", 4) == 0);
    ck_assert_int_eq((int)strspn(name + 4, "bcdfghjklmnpqrstvwxz2456789"), 5);
    ck_assert_str_eq(str_at(j, "kind"), "ConfigMap");
    json_object_put(j);

    const char *deploy = "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
        "\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":"
        "{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"nginx\"}]}}},"
        "\"status\":{\"replicas\":7}}";
    char body[1024];
    snprintf(body, sizeof(body), deploy, 2);
    j = req(&st, "POST", "/apis/apps/v1/namespaces/default/deployments", JSON, JSON, body);
    ck_assert_int_eq(st, 201);
    ck_assert_int_eq(int_at(j, "metadata.generation"), 1);
    ck_assert_int_eq(int_at(j, "status.replicas"), -1); /* status dropped on create */
    json_object_put(j);

    /* Same spec: no new generation, no write. Changed spec: generation 2. */
    j = req(&st, "PUT", "/apis/apps/v1/namespaces/default/deployments/web", JSON, JSON, body);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(int_at(j, "metadata.generation"), 1);
    json_object_put(j);
    snprintf(body, sizeof(body), deploy, 3);
    j = req(&st, "PUT", "/apis/apps/v1/namespaces/default/deployments/web", JSON, JSON, body);
    ck_assert_int_eq(int_at(j, "metadata.generation"), 2);
    ck_assert_int_eq(int_at(j, "status.replicas"), -1); /* main resource ignores status */
    json_object_put(j);

    /* /status writes status only: the spec change in the body is ignored. */
    snprintf(body, sizeof(body), deploy, 9);
    j = req(&st, "PUT", "/apis/apps/v1/namespaces/default/deployments/web/status", JSON, JSON, body);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(int_at(j, "status.replicas"), 7);
    ck_assert_int_eq(int_at(j, "spec.replicas"), 3);
    ck_assert_int_eq(int_at(j, "metadata.generation"), 2);
    json_object_put(j);

    /* The scale subresource shows the same numbers (check_apiserver_semantics covers it in full). */
    j = req(&st, "GET", "/apis/apps/v1/namespaces/default/deployments/web/scale", NULL, JSON, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(int_at(j, "spec.replicas"), 3);
    ck_assert_int_eq(int_at(j, "status.replicas"), 7);
    json_object_put(j);
}
END_TEST

START_TEST(test_patch)
{
    create_cm("default", "p", "{\"app\":\"web\"}");
    int st;
    const char *url = "/api/v1/namespaces/default/configmaps/p";
    struct json_object *j = req(&st, "PATCH", url, "application/merge-patch+json", JSON,
        "{\"metadata\":{\"labels\":{\"tier\":\"front\"}},\"data\":{\"k\":null,\"n\":\"1\"}}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(str_at(j, "metadata.labels.tier"), "front");
    ck_assert_ptr_null(str_at(j, "data.k"));
    ck_assert_str_eq(str_at(j, "data.n"), "1");
    json_object_put(j);

    j = req(&st, "PATCH", url, "application/strategic-merge-patch+json", JSON, "{\"data\":{\"s\":\"2\"}}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(str_at(j, "data.s"), "2");
    ck_assert_str_eq(str_at(j, "data.n"), "1");
    json_object_put(j);

    j = req(&st, "PATCH", url, "application/json-patch+json", JSON, "[{\"op\":\"replace\",\"path\":\"/data/n\",\"value\":\"3\"}]");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(str_at(j, "data.n"), "3");
    json_object_put(j);

    j = req(&st, "PATCH", url, "application/json-patch+json", JSON, "[{\"op\":\"remove\",\"path\":\"/data/zz\"}]");
    ck_assert_int_eq(st, 422);
    json_object_put(j);
    j = req(&st, "PATCH", url, "application/apply-patch+yaml", JSON, "{}");
    ck_assert_int_eq(st, 415);
    ck_assert_str_eq(str_at(j, "reason"), "UnsupportedMediaType");
    json_object_put(j);
    j = req(&st, "PATCH", url, "application/merge-patch+json", JSON, "{\"metadata\":{\"resourceVersion\":\"1\"}}");
    ck_assert_int_eq(st, 409);
    json_object_put(j);
    j = req(&st, "PATCH", "/api/v1/namespaces/default/configmaps/none", "application/merge-patch+json", JSON, "{}");
    expect_status(j, st, 404, "NotFound", "configmaps \"none\" not found");
    json_object_put(j);
}
END_TEST

START_TEST(test_list_paging_and_selectors)
{
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof(name), "cm-%d", i);
        create_cm("default", name, i % 2 ? "{\"app\":\"odd\"}" : "{\"app\":\"even\"}");
    }
    create_cm("kube-system", "elsewhere", NULL);
    int st;
    struct json_object *j = req(&st, "GET", "/api/v1/namespaces/default/configmaps?limit=2", NULL, JSON, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(str_at(j, "kind"), "ConfigMapList");
    ck_assert_str_eq(str_at(j, "apiVersion"), "v1");
    ck_assert_ptr_nonnull(str_at(j, "metadata.resourceVersion"));
    ck_assert_int_eq((int)json_object_array_length(json_object_object_get(j, "items")), 2);
    size_t seen = 2;
    char *cont = strdup(str_at(j, "metadata.continue"));
    json_object_put(j);
    while (cont) {
        char target[1024];
        CURL *c = curl_easy_init();
        char *esc = curl_easy_escape(c, cont, 0);
        snprintf(target, sizeof(target), "/api/v1/namespaces/default/configmaps?limit=2&continue=%s", esc);
        curl_free(esc);
        curl_easy_cleanup(c);
        free(cont);
        j = req(&st, "GET", target, NULL, JSON, NULL);
        ck_assert_int_eq(st, 200);
        seen += json_object_array_length(json_object_object_get(j, "items"));
        const char *next = str_at(j, "metadata.continue");
        cont = next ? strdup(next) : NULL;
        json_object_put(j);
    }
    ck_assert_int_eq((int)seen, 5);

    j = req(&st, "GET", "/api/v1/configmaps", NULL, JSON, NULL);
    ck_assert_int_eq((int)json_object_array_length(json_object_object_get(j, "items")), 6);
    json_object_put(j);

    j = req(&st, "GET", "/api/v1/namespaces/default/configmaps?labelSelector=app%3Dodd", NULL, JSON, NULL);
    ck_assert_int_eq((int)json_object_array_length(json_object_object_get(j, "items")), 2);
    json_object_put(j);

    /* A filtered page never holds more than the limit. */
    j = req(&st, "GET", "/api/v1/namespaces/default/configmaps?labelSelector=app%3Deven&limit=2", NULL, JSON, NULL);
    ck_assert_int_eq((int)json_object_array_length(json_object_object_get(j, "items")), 2);
    ck_assert_ptr_nonnull(str_at(j, "metadata.continue"));
    json_object_put(j);

    j = req(&st, "GET", "/api/v1/configmaps?fieldSelector=metadata.name%3Dcm-3", NULL, JSON, NULL);
    ck_assert_int_eq((int)json_object_array_length(json_object_object_get(j, "items")), 1);
    ck_assert_str_eq(str_at(j, "items[0].metadata.name"), "cm-3");
    json_object_put(j);

    j = req(&st, "GET", "/api/v1/configmaps?fieldSelector=metadata.namespace%21%3Ddefault", NULL, JSON, NULL);
    ck_assert_int_eq((int)json_object_array_length(json_object_object_get(j, "items")), 1);
    json_object_put(j);

    j = req(&st, "GET", "/api/v1/namespaces/default/configmaps?continue=garbage", NULL, JSON, NULL);
    ck_assert_int_eq(st, 400);
    json_object_put(j);

    /* deletecollection honours the selector. */
    j = req(&st, "DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=app%3Deven", NULL, JSON, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq((int)json_object_array_length(json_object_object_get(j, "items")), 3);
    json_object_put(j);
    j = req(&st, "GET", "/api/v1/namespaces/default/configmaps", NULL, JSON, NULL);
    ck_assert_int_eq((int)json_object_array_length(json_object_object_get(j, "items")), 2);
    json_object_put(j);
}
END_TEST

START_TEST(test_table)
{
    create_cm("default", "alpha", "{\"app\":\"web\"}");
    int st;
    struct json_object *j = req(&st, "GET", "/api/v1/namespaces/default/configmaps?limit=500", NULL, TABLE_ACCEPT, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(str_at(j, "kind"), "Table");
    ck_assert_str_eq(str_at(j, "apiVersion"), "meta.k8s.io/v1");
    ck_assert_str_eq(str_at(j, "columnDefinitions[0].name"), "Name");
    ck_assert_str_eq(str_at(j, "columnDefinitions[1].name"), "Data");
    ck_assert_str_eq(str_at(j, "columnDefinitions[2].name"), "Age");
    ck_assert_str_eq(str_at(j, "rows[0].cells[0]"), "alpha");
    ck_assert_int_eq(int_at(j, "rows[0].cells[1]"), 1);
    ck_assert_str_eq(str_at(j, "rows[0].cells[2]"), "0s");
    ck_assert_str_eq(str_at(j, "rows[0].object.kind"), "PartialObjectMetadata");
    ck_assert_str_eq(str_at(j, "rows[0].object.metadata.labels.app"), "web");
    json_object_put(j);

    j = req(&st, "GET", "/api/v1/namespaces", NULL, TABLE_ACCEPT, NULL);
    ck_assert_str_eq(str_at(j, "columnDefinitions[1].name"), "Status");
    ck_assert_str_eq(str_at(j, "rows[0].cells[0]"), "default");
    ck_assert_str_eq(str_at(j, "rows[0].cells[1]"), "Active");
    json_object_put(j);

    j = req(&st, "POST", "/api/v1/namespaces/default/pods", JSON, TABLE_ACCEPT,
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"nodeName\":\"n1\","
        "\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"y\"}]}}");
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(str_at(j, "columnDefinitions[1].name"), "Ready");
    ck_assert_str_eq(str_at(j, "rows[0].cells[1]"), "0/2");
    ck_assert_str_eq(str_at(j, "rows[0].cells[2]"), "Pending");
    ck_assert_int_eq(int_at(j, "rows[0].cells[3]"), 0);
    ck_assert_str_eq(str_at(j, "rows[0].cells[6]"), "n1");
    ck_assert_int_eq(int_at(j, "columnDefinitions[6].priority"), 1);
    json_object_put(j);

    /* Pods select on spec.nodeName. */
    j = req(&st, "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1", NULL, JSON, NULL);
    ck_assert_int_eq((int)json_object_array_length(json_object_object_get(j, "items")), 1);
    json_object_put(j);
    j = req(&st, "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn2", NULL, JSON, NULL);
    ck_assert_int_eq((int)json_object_array_length(json_object_object_get(j, "items")), 0);
    json_object_put(j);
}
END_TEST

START_TEST(test_human_duration)
{
    static const struct { int64_t s; const char *want; } cases[] = {
        { -5, "<invalid>" }, { -1, "0s" }, { 0, "0s" }, { 5, "5s" }, { 119, "119s" }, { 120, "2m" },
        { 200, "3m20s" }, { 600, "10m" }, { 3599, "59m" }, { 10799, "179m" }, { 10800, "3h" },
        { 3 * 3600 + 25 * 60, "3h25m" }, { 8 * 3600, "8h" }, { 47 * 3600, "47h" }, { 48 * 3600, "2d" },
        { 51 * 3600, "2d3h" }, { 8 * 86400, "8d" }, { 729 * 86400, "729d" }, { 730 * 86400, "2y" },
        { 800 * 86400, "2y70d" }, { 8 * 365 * 86400, "8y" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[32];
        k8sc__human_duration(buf, sizeof(buf), cases[i].s);
        ck_assert_msg(strcmp(buf, cases[i].want) == 0, "%lld: %s, want %s", (long long)cases[i].s, buf, cases[i].want);
    }
}
END_TEST

/* Next watch line parsed; fails the test on timeout. */
static struct json_object *next_event(k8sc_apiserver_response *w)
{
    char *line = NULL;
    int rc = k8sc_apiserver_response_next(&line, w, 3000);
    ck_assert_msg(rc == 1, "watch next: %d %s", rc, k8sc_error_last());
    struct json_object *j = NULL;
    ck_assert_int_eq(k8sc_json_parse(&j, line, strlen(line)), 0);
    ck_assert(line[strlen(line) - 1] == '\n');
    k8sc_free(line);
    return j;
}

static void expect_event(k8sc_apiserver_response *w, const char *type, const char *name)
{
    struct json_object *j = next_event(w);
    ck_assert_str_eq(str_at(j, "type"), type);
    ck_assert_str_eq(str_at(j, "object.metadata.name"), name);
    json_object_put(j);
}

static k8sc_apiserver_response *open_watch(const char *target, const char *accept)
{
    k8sc_apiserver_response *w = NULL;
    ck_assert_int_eq(k8sc_apiserver_handle(&w, srv, "GET", target, NULL, accept, NULL, 0), 0);
    ck_assert_int_eq(k8sc_apiserver_response_status(w), 200);
    ck_assert(k8sc_apiserver_response_is_stream(w));
    return w;
}

START_TEST(test_watch)
{
    create_cm("default", "first", NULL);
    k8sc_apiserver_response *w = open_watch("/api/v1/namespaces/default/configmaps?watch=true", JSON);
    expect_event(w, "ADDED", "first");
    char *line = NULL;
    ck_assert_int_eq(k8sc_apiserver_response_next(&line, w, 50), K8SC_ETIMEOUT);

    create_cm("default", "second", NULL);
    create_cm("kube-system", "other-ns", NULL);
    expect_event(w, "ADDED", "second");
    int st;
    struct json_object *j = req(&st, "PUT", "/api/v1/namespaces/default/configmaps/second", JSON, JSON,
        "{\"metadata\":{\"name\":\"second\"},\"data\":{\"k\":\"changed\"}}");
    char rv_after_update[32];
    snprintf(rv_after_update, sizeof(rv_after_update), "%s", str_at(j, "metadata.resourceVersion"));
    json_object_put(j);
    j = next_event(w);
    ck_assert_str_eq(str_at(j, "type"), "MODIFIED");
    ck_assert_str_eq(str_at(j, "object.data.k"), "changed");
    ck_assert_str_eq(str_at(j, "object.metadata.resourceVersion"), rv_after_update);
    json_object_put(j);
    json_object_put(req(&st, "DELETE", "/api/v1/namespaces/default/configmaps/first", NULL, JSON, NULL));
    expect_event(w, "DELETED", "first");
    k8sc_apiserver_response_free(w);

    /* Resume after a known revision: only later changes. */
    char target[256];
    snprintf(target, sizeof(target), "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=%s", rv_after_update);
    w = open_watch(target, JSON);
    expect_event(w, "DELETED", "first");
    ck_assert_int_eq(k8sc_apiserver_response_next(&line, w, 50), K8SC_ETIMEOUT);
    k8sc_apiserver_response_free(w);

    /* A compacted revision: one ERROR event with a 410 Status, then the end. */
    int64_t rev = 0;
    ck_assert_int_eq(k8sc_store_revision(&rev, store), 0);
    ck_assert_int_eq(k8sc_store_compact(store, rev), 0);
    w = open_watch("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2", JSON);
    j = next_event(w);
    ck_assert_str_eq(str_at(j, "type"), "ERROR");
    ck_assert_int_eq(int_at(j, "object.code"), 410);
    ck_assert_str_eq(str_at(j, "object.reason"), "Expired");
    char want[128];
    snprintf(want, sizeof(want), "too old resource version: 2 (%lld)", (long long)rev);
    ck_assert_str_eq(str_at(j, "object.message"), want);
    json_object_put(j);
    ck_assert_int_eq(k8sc_apiserver_response_next(&line, w, 50), 0);
    k8sc_apiserver_response_free(w);
}
END_TEST

START_TEST(test_watch_selectors_table_bookmark)
{
    create_cm("default", "a", "{\"app\":\"web\"}");
    k8sc_apiserver_response *w = open_watch(
        "/api/v1/namespaces/default/configmaps?watch=true&labelSelector=app%3Dweb&allowWatchBookmarks=true"
        "&sendInitialEvents=true&resourceVersionMatch=NotOlderThan", JSON);
    expect_event(w, "ADDED", "a");
    struct json_object *j = next_event(w);
    ck_assert_str_eq(str_at(j, "type"), "BOOKMARK");
    ck_assert_str_eq(str_at(j, "object.metadata.annotations.k8s\\.io/initial-events-end"), "true");
    json_object_put(j);

    int st;
    /* Leaving the selector reads as DELETED, entering it as ADDED. */
    json_object_put(req(&st, "PUT", "/api/v1/namespaces/default/configmaps/a", JSON, JSON,
        "{\"metadata\":{\"name\":\"a\",\"labels\":{\"app\":\"db\"}}}"));
    expect_event(w, "DELETED", "a");
    create_cm("default", "hidden", "{\"app\":\"db\"}");
    json_object_put(req(&st, "PUT", "/api/v1/namespaces/default/configmaps/a", JSON, JSON,
        "{\"metadata\":{\"name\":\"a\",\"labels\":{\"app\":\"web\"}}}"));
    expect_event(w, "ADDED", "a");
    k8sc_apiserver_response_free(w);

    /* Table watch events carry one row each. */
    w = open_watch("/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Da", TABLE_ACCEPT);
    j = next_event(w);
    ck_assert_str_eq(str_at(j, "type"), "ADDED");
    ck_assert_str_eq(str_at(j, "object.kind"), "Table");
    ck_assert_str_eq(str_at(j, "object.rows[0].cells[0]"), "a");
    json_object_put(j);
    k8sc_apiserver_response_free(w);
}
END_TEST

START_TEST(test_namespaces)
{
    int st;
    struct json_object *j = req(&st, "POST", "/api/v1/namespaces", "application/yaml", JSON,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n");
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(str_at(j, "status.phase"), "Active");
    ck_assert_str_eq(str_at(j, "spec.finalizers[0]"), "kubernetes");
    ck_assert_str_eq(str_at(j, "metadata.labels.kubernetes\\.io/metadata\\.name"), "team");
    json_object_put(j);
    j = req(&st, "POST", "/api/v1/namespaces", JSON, JSON, "{\"metadata\":{\"name\":\"Bad.Name\"}}");
    ck_assert_int_eq(st, 422);
    json_object_put(j);

    /* Non-empty: Terminating, and nothing new may be created in it. */
    create_cm("team", "c", NULL);
    j = req(&st, "DELETE", "/api/v1/namespaces/team", NULL, JSON, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(str_at(j, "kind"), "Namespace");
    ck_assert_str_eq(str_at(j, "status.phase"), "Terminating");
    ck_assert_ptr_nonnull(str_at(j, "metadata.deletionTimestamp"));
    json_object_put(j);
    j = req(&st, "POST", "/api/v1/namespaces/team/configmaps", JSON, JSON, "{\"metadata\":{\"name\":\"d\"}}");
    expect_status(j, st, 403, "Forbidden",
        "configmaps \"d\" is forbidden: unable to create new content in namespace team because it is being terminated");
    json_object_put(j);

    /* Empty too: Terminating until the namespace controller clears spec.finalizers. */
    json_object_put(req(&st, "POST", "/api/v1/namespaces", JSON, JSON, "{\"metadata\":{\"name\":\"empty\"}}"));
    j = req(&st, "DELETE", "/api/v1/namespaces/empty", NULL, JSON, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(str_at(j, "kind"), "Namespace");
    ck_assert_str_eq(str_at(j, "status.phase"), "Terminating");
    json_object_put(j);
    j = req(&st, "GET", "/api/v1/namespaces/empty", NULL, JSON, NULL);
    ck_assert_int_eq(st, 200);
    json_object_put(j);
}
END_TEST

/* ---- over HTTP ---------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len;
} sink;

static size_t on_data(char *ptr, size_t size, size_t n, void *ud)
{
    sink *s = ud;
    s->data = realloc(s->data, s->len + size * n + 1);
    memcpy(s->data + s->len, ptr, size * n);
    s->len += size * n;
    s->data[s->len] = '\0';
    return size * n;
}

static long http(sink *out, const char *method, const char *path, const char *accept, const char *body, size_t blen,
    char *ctype, size_t ctsize)
{
    char url[512];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", k8sc_apiserver_port(srv), path);
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char acc[512];
    snprintf(acc, sizeof(acc), "Accept: %s", accept);
    h = curl_slist_append(h, acc);
    h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)blen);
    }
    CURLcode rc = curl_easy_perform(c);
    ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (ctype) {
        char *ct = NULL;
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        snprintf(ctype, ctsize, "%s", ct ? ct : "");
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return code;
}

START_TEST(test_http_transport)
{
    ck_assert_int_eq(k8sc_apiserver_port(srv), 0);
    ck_assert_msg(k8sc_apiserver_start(srv) == 0, "%s", k8sc_error_last());
    ck_assert_int_gt(k8sc_apiserver_port(srv), 0);
    ck_assert_int_eq(k8sc_apiserver_start(srv), K8SC_EINVAL);

    sink s = { 0 };
    char ct[256];
    ck_assert_int_eq(http(&s, "GET", "/version?timeout=5s", "application/json", NULL, 0, NULL, 0), 200);
    ck_assert(strstr(s.data, "\"minor\":\"32\""));
    free(s.data);
    s = (sink){ 0 };
    ck_assert_int_eq(http(&s, "GET", "/apis?timeout=32s", AGG_ACCEPT, NULL, 0, ct, sizeof(ct)), 200);
    ck_assert_str_eq(ct, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    free(s.data);

    const char *cm = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"web\"}}";
    s = (sink){ 0 };
    ck_assert_int_eq(http(&s, "POST", "/api/v1/namespaces/default/configmaps", "application/json", cm, strlen(cm), NULL, 0), 201);
    free(s.data);
    s = (sink){ 0 };
    ck_assert_int_eq(http(&s, "GET", "/api/v1/namespaces/default/configmaps/nope", "application/json", NULL, 0, NULL, 0), 404);
    ck_assert(strstr(s.data, "configmaps \\\"nope\\\" not found"));
    free(s.data);

    /* A watch bounded by timeoutSeconds: the initial ADDED arrives, then the stream ends. */
    s = (sink){ 0 };
    ck_assert_int_eq(http(&s, "GET", "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1",
        "application/json", NULL, 0, NULL, 0), 200);
    ck_assert_msg(strncmp(s.data, "{\"type\":\"ADDED\"", 15) == 0, "%s", s.data);
    ck_assert(strstr(s.data, "\"name\":\"web\""));
    free(s.data);

    /* Over 3 MiB: 413 after the body was read. */
    size_t big = 3 * 1024 * 1024 + 10;
    char *huge = malloc(big);
    memset(huge, ' ', big);
    s = (sink){ 0 };
    ck_assert_int_eq(http(&s, "POST", "/api/v1/namespaces/default/configmaps", "application/json", huge, big, NULL, 0), 413);
    free(huge);
    free(s.data);

    k8sc_apiserver_stop(srv);
    k8sc_apiserver_stop(srv);
    ck_assert_int_eq(k8sc_apiserver_port(srv), 0);
}
END_TEST

START_TEST(test_http_watch_ends_on_stop)
{
    ck_assert_int_eq(k8sc_apiserver_start(srv), 0);
    /* Stop while a client is in an open-ended watch: the stream ends and stop returns. */
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        sink s = { 0 };
        http(&s, "GET", "/api/v1/namespaces/default/configmaps?watch=true", "application/json", NULL, 0, NULL, 0);
        _exit(0);
    }
    usleep(300 * 1000);
    k8sc_apiserver_stop(srv);
    int status = 0;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status));
}
END_TEST

START_TEST(test_options_and_args)
{
    k8sc_apiserver_options o;
    ck_assert_int_eq(k8sc_apiserver_options_init(&o, 99), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_apiserver_options_init(&o, K8SC_APISERVER_OPTIONS_VERSION), 0);
    o.store = store;
    o.listen = "localhost";
    k8sc_apiserver *s2 = NULL;
    ck_assert_int_eq(k8sc_apiserver_new(&s2, &o), K8SC_EINVAL);
    o.listen = "127.0.0.1:99999";
    ck_assert_int_eq(k8sc_apiserver_new(&s2, &o), K8SC_EINVAL);
    o.listen = ":0";
    o.store_url = "bogus://";
    o.store = NULL;
    ck_assert_int_ne(k8sc_apiserver_new(&s2, &o), 0);
    ck_assert_ptr_null(s2);
    k8sc_apiserver_free(NULL);
    k8sc_apiserver_response_free(NULL);
    k8sc_apiserver_response *r = NULL;
    ck_assert_int_eq(k8sc_apiserver_handle(&r, srv, NULL, "/", NULL, NULL, NULL, 0), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_apiserver_handle(&r, srv, "GET", "/healthz", NULL, NULL, NULL, 0), 0);
    ck_assert_int_eq(k8sc_apiserver_response_status(r), 200);
    char *line = NULL;
    ck_assert_int_eq(k8sc_apiserver_response_next(&line, r, 0), K8SC_EINVAL);
    k8sc_apiserver_response_free(r);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("apiserver");
    TCase *tc = tcase_create("apiserver");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_version_and_discovery);
    tcase_add_test(tc, test_openapi);
    tcase_add_test(tc, test_crud_happy_path);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_invalid_causes_and_bad_json);
    tcase_add_test(tc, test_generate_name_and_generation);
    tcase_add_test(tc, test_patch);
    tcase_add_test(tc, test_list_paging_and_selectors);
    tcase_add_test(tc, test_table);
    tcase_add_test(tc, test_human_duration);
    tcase_add_test(tc, test_watch);
    tcase_add_test(tc, test_watch_selectors_table_bookmark);
    tcase_add_test(tc, test_namespaces);
    tcase_add_test(tc, test_http_transport);
    tcase_add_test(tc, test_http_watch_ends_on_stop);
    tcase_add_test(tc, test_options_and_args);
    suite_add_tcase(s, tc);
    int rc = k8sc_test_main(s);
    curl_global_cleanup();
    return rc;
}
