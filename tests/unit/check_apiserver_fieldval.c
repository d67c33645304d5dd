/*
 * API server requests of built-in kinds beyond CRUD, against what
 * kube-apiserver 1.32 answers: fieldValidation (Strict, Warn, Ignore) of
 * unknown and duplicate fields, pods/eviction and PodDisruptionBudgets,
 * serviceaccounts/token, self reviews, the printed tables of more kinds
 * and creationTimestamp: null. Through the in-process entry point on a
 * memory store.
 */
#include "apitest.h"
#include "testutil.h"

#include "k8sc/k8sc.h"

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JSON "application/json"
#define MERGE "application/merge-patch+json"
#define SMP "application/strategic-merge-patch+json"
#define PODS "/api/v1/namespaces/default/pods"
#define DEPLOYS "/apis/apps/v1/namespaces/default/deployments"
#define PDBS "/apis/policy/v1/namespaces/default/poddisruptionbudgets"

static k8sc_store *store;
static k8sc_apiserver *srv;
static char *warnings;

static void setup(void)
{
    api_memory_start(&store, &srv);
}

static void teardown(void)
{
    api_memory_free(&store, &srv);
    free(warnings);
    warnings = NULL;
}

/* One request with an Accept header: the reply parsed, its status in *status; its warnings kept in `warnings`. */
static struct json_object *req_accept(int *status, const char *method, const char *target, const char *ct,
    const char *accept, const char *body)
{
    free(warnings);
    return api_call(srv, status, NULL, &warnings, method, target, ct, accept, body);
}

static struct json_object *req(int *status, const char *method, const char *target, const char *ct, const char *body)
{
    return req_accept(status, method, target, ct, JSON, body);
}

static void ok(int want, const char *method, const char *target, const char *ct, const char *body)
{
    api_expect_code(srv, want, method, target, ct, body);
}

/* ---- fieldValidation ---------------------------------------------------- */

static const char typo_pod[] =
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"foo\":1,"
    "\"containers\":[{\"name\":\"c\",\"image\":\"nginx\",\"bar\":true}]}}";

START_TEST(test_strict_unknown_fields)
{
    int st;
    struct json_object *j = req(&st, "POST", PODS "?fieldValidation=Strict", JSON, typo_pod);
    api_expect_status(j, st, 400, "BadRequest", "Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: "
        "unknown field \"spec.foo\", unknown field \"spec.containers[0].bar\"");
    json_object_put(j);
    j = req(&st, "GET", PODS "/p", NULL, NULL);
    ck_assert_int_eq(st, 404);
    json_object_put(j);
    /* Status fields the tables leave open, annotations and labels are not unknown. */
    ok(201, "POST", PODS "?fieldValidation=Strict", JSON,
        "{\"metadata\":{\"name\":\"q\",\"labels\":{\"any\":\"x\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
        "\"image\":\"nginx\",\"resources\":{\"limits\":{\"cpu\":\"1\"}}}],\"volumes\":[{\"name\":\"v\","
        "\"awsElasticBlockStore\":{\"volumeID\":\"x\"}}]},\"status\":{\"containerStatuses\":[]}}");
    ok(201, "POST", "/api/v1/nodes?fieldValidation=Strict", JSON,
        "{\"metadata\":{\"name\":\"n\"},\"status\":{\"capacity\":{\"cpu\":\"2\"}}}");
    /* Unknown fields in metadata count too. */
    j = req(&st, "POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", JSON,
        "{\"metadata\":{\"name\":\"cm\",\"lables\":{}},\"data\":{}}");
    api_expect_status(j, st, 400, "BadRequest", "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: "
        "strict decoding error: unknown field \"metadata.lables\"");
    json_object_put(j);
}
END_TEST

START_TEST(test_strict_duplicate_fields)
{
    int st;
    struct json_object *j = req(&st, "POST", PODS "?fieldValidation=Strict", JSON,
        "{\"metadata\":{\"name\":\"a\",\"name\":\"b\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\","
        "\"image\":\"y\"}]}}");
    api_expect_status(j, st, 400, "BadRequest", "Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: "
        "duplicate field \"metadata.name\", duplicate field \"spec.containers[0].image\"");
    json_object_put(j);
    /* Warn: the last value wins, with a warning. */
    j = req(&st, "POST", PODS "?fieldValidation=Warn", JSON,
        "{\"metadata\":{\"name\":\"a\",\"name\":\"b\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}");
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(api_str(j, "metadata.name"), "b");
    ck_assert_str_eq(warnings, "duplicate field \"metadata.name\"");
    json_object_put(j);
}
END_TEST

START_TEST(test_warn_and_ignore_prune)
{
    int st;
    struct json_object *j = req(&st, "POST", PODS "?fieldValidation=Warn", JSON, typo_pod);
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(warnings, "unknown field \"spec.foo\"\nunknown field \"spec.containers[0].bar\"");
    ck_assert_ptr_null(api_get(j, "spec.foo"));
    ck_assert_ptr_null(api_get(j, "spec.containers[0].bar"));
    json_object_put(j);
    /* No fieldValidation is Warn. */
    j = req(&st, "PUT", PODS "/p", JSON, typo_pod);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(warnings, "unknown field \"spec.foo\"\nunknown field \"spec.containers[0].bar\"");
    json_object_put(j);
    j = req(&st, "PUT", PODS "/p?fieldValidation=Ignore", JSON, typo_pod);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(warnings, "");
    json_object_put(j);
    j = req(&st, "GET", PODS "/p", NULL, NULL);
    ck_assert_ptr_null(api_get(j, "spec.foo"));
    ck_assert_str_eq(api_str(j, "spec.containers[0].image"), "nginx");
    json_object_put(j);
    j = req(&st, "POST", PODS "?fieldValidation=Loose", JSON, typo_pod);
    api_expect_status(j, st, 422, "Invalid", "CreateOptions.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported "
        "value: \"Loose\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"");
    json_object_put(j);
}
END_TEST

START_TEST(test_strict_patches)
{
    int st;
    ok(201, "POST", PODS, JSON, "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}");
    struct json_object *j = req(&st, "PATCH", PODS "/p?fieldValidation=Strict", MERGE, "{\"spec\":{\"foo\":1}}");
    api_expect_status(j, st, 400, "BadRequest", "strict decoding error: unknown field \"spec.foo\"");
    json_object_put(j);
    /* Strategic merge patch directives are not fields. */
    ok(200, "PATCH", PODS "/p?fieldValidation=Strict", SMP,
        "{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"c\"}],"
        "\"containers\":[{\"name\":\"c\",\"image\":\"y\"}]}}");
    j = req(&st, "PATCH", PODS "/p?fieldValidation=Strict", SMP, "{\"spec\":{\"containers\":[{\"name\":\"c\",\"imag\":\"z\"}]}}");
    api_expect_status(j, st, 400, "BadRequest", "strict decoding error: unknown field \"spec.containers[0].imag\"");
    json_object_put(j);
}
END_TEST

START_TEST(test_creation_timestamp_null)
{
    int st;
    ok(201, "POST", DEPLOYS, JSON,
        "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
        "\"template\":{\"metadata\":{\"creationTimestamp\":null,\"labels\":{\"app\":\"web\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}}}");
    struct json_object *j = req(&st, "GET", DEPLOYS "/web", NULL, NULL);
    ck_assert_ptr_null(api_get(j, "spec.template.metadata.creationTimestamp"));
    char created[64];
    snprintf(created, sizeof(created), "%s", api_str(j, "metadata.creationTimestamp"));
    ck_assert_str_ne(created, "<absent>");
    json_object_put(j);
    /* rollout undo's PUT/patch: a null creationTimestamp is unset, at the top and in the template. */
    j = req(&st, "PATCH", DEPLOYS "/web", "application/json-patch+json",
        "[{\"op\":\"replace\",\"path\":\"/spec/template\",\"value\":{\"metadata\":{\"creationTimestamp\":null,"
        "\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}}]");
    ck_assert_int_eq(st, 200);
    ck_assert_ptr_null(api_get(j, "spec.template.metadata.creationTimestamp"));
    ck_assert_int_eq(api_int(j, "metadata.generation"), 1);
    json_object_put(j);
    j = req(&st, "PUT", DEPLOYS "/web", JSON,
        "{\"metadata\":{\"name\":\"web\",\"creationTimestamp\":null},\"spec\":{\"selector\":{\"matchLabels\":"
        "{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":"
        "[{\"name\":\"c\",\"image\":\"x\"}]}}}}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "metadata.creationTimestamp"), created);
    json_object_put(j);
}
END_TEST

/* ---- eviction ------------------------------------------------------------- */

/* A running, ready pod labelled app=web. */
static void running_pod(const char *name)
{
    char body[512], path[256];
    snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"%s\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"nodeName\":"
        "\"n1\",\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}", name);
    ok(201, "POST", PODS, JSON, body);
    snprintf(path, sizeof(path), PODS "/%s/status", name);
    ok(200, "PATCH", path, MERGE, "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\","
        "\"status\":\"True\"}]}}");
}

static void pdb(const char *name, int allowed, int observed)
{
    char body[512], path[256];
    snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"%s\"},\"spec\":{\"minAvailable\":1,\"selector\":"
        "{\"matchLabels\":{\"app\":\"web\"}}}}", name);
    ok(201, "POST", PDBS, JSON, body);
    snprintf(path, sizeof(path), PDBS "/%s/status", name);
    snprintf(body, sizeof(body), "{\"status\":{\"observedGeneration\":%d,\"disruptionsAllowed\":%d,"
        "\"currentHealthy\":2,\"desiredHealthy\":1,\"expectedPods\":2}}", observed, allowed);
    ok(200, "PATCH", path, MERGE, body);
}

static struct json_object *evict(int *st, const char *pod)
{
    char path[256], body[256];
    snprintf(path, sizeof(path), PODS "/%s/eviction", pod);
    snprintf(body, sizeof(body), "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"%s\","
        "\"namespace\":\"default\"},\"deleteOptions\":{\"gracePeriodSeconds\":0}}", pod);
    return req(st, "POST", path, JSON, body);
}

START_TEST(test_eviction_budget)
{
    int st;
    running_pod("a");
    running_pod("b");
    pdb("web", 0, 1);
    struct json_object *j = evict(&st, "a");
    api_expect_status(j, st, 429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.");
    ck_assert_str_eq(api_str(j, "details.causes[0].reason"), "DisruptionBudget");
    ck_assert_str_eq(api_str(j, "details.causes[0].message"), "The disruption budget web needs 1 healthy pods and has 2 currently");
    json_object_put(j);
    ok(200, "PATCH", PDBS "/web/status", MERGE, "{\"status\":{\"disruptionsAllowed\":1}}");
    j = evict(&st, "a");
    ck_assert_msg(st == 201, "%d %s", st, json_object_to_json_string(j));
    ck_assert_str_eq(api_str(j, "status"), "Success");
    json_object_put(j);
    ok(404, "GET", PODS "/a", NULL, NULL);
    j = req(&st, "GET", PDBS "/web", NULL, NULL);
    ck_assert_int_eq(api_int(j, "status.disruptionsAllowed"), 0);
    ck_assert_str_ne(api_str(j, "status.disruptedPods.a"), "<absent>");
    ck_assert_str_eq(api_str(j, "status.conditions[0].type"), "DisruptionAllowed");
    ck_assert_str_eq(api_str(j, "status.conditions[0].status"), "False");
    ck_assert_str_eq(api_str(j, "status.conditions[0].reason"), "InsufficientPods");
    json_object_put(j);
    /* The budget is spent: b stays. */
    j = evict(&st, "b");
    ck_assert_int_eq(st, 429);
    json_object_put(j);
    ok(200, "GET", PODS "/b", NULL, NULL);
}
END_TEST

START_TEST(test_eviction_rules)
{
    int st;
    running_pod("a");
    pdb("web", 1, 0);
    /* The PDB's generation is 1: a status of generation 0 is not yet the controller's word. */
    struct json_object *j = evict(&st, "a");
    api_expect_status(j, st, 429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.");
    ck_assert_str_eq(api_str(j, "details.causes[0].message"), "The disruption budget web is still being processed by the server.");
    ck_assert_int_eq(api_int(j, "details.retryAfterSeconds"), 10);
    json_object_put(j);
    pdb("other", 1, 1);
    j = evict(&st, "a");
    api_expect_status(j, st, 500, "InternalError",
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    json_object_put(j);
    /* Finished pods need no budget. */
    ok(200, "PATCH", PODS "/a/status", MERGE, "{\"status\":{\"phase\":\"Succeeded\"}}");
    j = evict(&st, "a");
    ck_assert_int_eq(st, 201);
    json_object_put(j);
    ok(404, "GET", PODS "/a", NULL, NULL);
    j = req(&st, "POST", PODS "/x/eviction", JSON, "{\"metadata\":{\"name\":\"y\"}}");
    api_expect_status(j, st, 400, "BadRequest", "name in URL does not match name in Eviction object");
    json_object_put(j);
    j = evict(&st, "x");
    api_expect_status(j, st, 404, "NotFound", "pods \"x\" not found");
    json_object_put(j);
    /* A pod no budget covers goes at once. */
    ok(201, "POST", PODS, JSON, "{\"metadata\":{\"name\":\"free\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}");
    j = evict(&st, "free");
    ck_assert_int_eq(st, 201);
    json_object_put(j);
    ok(404, "GET", PODS "/free", NULL, NULL);
}
END_TEST

/* ---- tokens and reviews --------------------------------------------------- */

/* base64url to bytes (NUL-terminated). */
static unsigned char *unb64url(const char *s, size_t n, size_t *outlen)
{
    char *std = calloc(n + 4, 1);
    for (size_t i = 0; i < n; i++)
        std[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    while (n % 4)
        std[n++] = '=';
    unsigned char *out = calloc(n, 1);
    int len = EVP_DecodeBlock(out, (unsigned char *)std, (int)n);
    ck_assert_int_ge(len, 0);
    *outlen = (size_t)len - (std[n - 1] == '=') - (std[n - 2] == '=');
    free(std);
    return out;
}

START_TEST(test_token_request)
{
    /* A server with a key file, so that the signature can be checked with its public half. */
    k8sc_apiserver_free(srv);
    char path[] = "/tmp/k8sc-sa-key-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    EVP_PKEY *key = EVP_RSA_gen(2048);
    ck_assert_ptr_nonnull(key);
    ck_assert_int_eq(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.store = store;
    o.service_account_key_file = path;
    ck_assert_msg(k8sc_apiserver_new(&srv, &o) == 0, "%s", k8sc_error_last());
    unlink(path);

    int st;
    struct json_object *j = req(&st, "POST", "/api/v1/namespaces/default/serviceaccounts/builder/token", JSON,
        "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{}}");
    api_expect_status(j, st, 404, "NotFound", "serviceaccounts \"builder\" not found");
    json_object_put(j);
    ok(201, "POST", "/api/v1/namespaces/default/serviceaccounts", JSON, "{\"metadata\":{\"name\":\"builder\"}}");
    j = req(&st, "POST", "/api/v1/namespaces/default/serviceaccounts/builder/token", JSON,
        "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{\"expirationSeconds\":60}}");
    api_expect_status(j, st, 422, "Invalid", "TokenRequest.authentication.k8s.io \"builder\" is invalid: "
        "spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes");
    json_object_put(j);
    j = req(&st, "POST", "/api/v1/namespaces/default/serviceaccounts/builder/token", JSON,
        "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{}}");
    ck_assert_msg(st == 201, "%d %s", st, json_object_to_json_string(j));
    ck_assert_str_eq(api_str(j, "kind"), "TokenRequest");
    ck_assert_int_eq(api_int(j, "spec.expirationSeconds"), 3600);
    ck_assert_str_eq(api_str(j, "spec.audiences[0]"), "https://kubernetes.default.svc.cluster.local");
    const char *tok = api_str(j, "status.token");
    const char *d1 = strchr(tok, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    ck_assert_ptr_nonnull(d2);
    size_t n = 0;
    unsigned char *hdr = unb64url(tok, (size_t)(d1 - tok), &n);
    ck_assert_ptr_nonnull(strstr((char *)hdr, "\"alg\":\"RS256\""));
    free(hdr);
    unsigned char *claims = unb64url(d1 + 1, (size_t)(d2 - d1 - 1), &n);
    struct json_object *c = NULL;
    ck_assert_int_eq(k8sc_json_parse(&c, (char *)claims, n), 0);
    free(claims);
    ck_assert_str_eq(api_str(c, "sub"), "system:serviceaccount:default:builder");
    ck_assert_str_eq(api_str(c, "iss"), "https://kubernetes.default.svc.cluster.local");
    ck_assert_str_eq(api_str(c, "aud[0]"), "https://kubernetes.default.svc.cluster.local");
    struct json_object *kio = json_object_object_get(c, "kubernetes.io");
    ck_assert_str_eq(api_str(kio, "namespace"), "default");
    ck_assert_str_eq(api_str(kio, "serviceaccount.name"), "builder");
    ck_assert_str_ne(api_str(kio, "serviceaccount.uid"), "");
    ck_assert_int_eq(api_int(c, "exp") - api_int(c, "iat"), 3600);
    ck_assert_int_eq(api_int(c, "nbf"), api_int(c, "iat"));
    json_object_put(c);
    /* The signature verifies with the key file's public key. */
    size_t siglen = 0;
    unsigned char *sig = unb64url(d2 + 1, strlen(d2 + 1), &siglen);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ck_assert_int_eq(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
    ck_assert_int_eq(EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)tok, (size_t)(d2 - tok)), 1);
    EVP_MD_CTX_free(ctx);
    free(sig);
    EVP_PKEY_free(key);
    json_object_put(j);
}
END_TEST

START_TEST(test_self_reviews)
{
    int st;
    struct json_object *j = req(&st, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", JSON,
        "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\",\"spec\":"
        "{\"resourceAttributes\":{\"verb\":\"get\",\"resource\":\"pods\",\"namespace\":\"default\"}}}");
    ck_assert_int_eq(st, 201);
    ck_assert(json_object_get_boolean(api_get(j, "status.allowed")));
    ck_assert_str_eq(api_str(j, "spec.resourceAttributes.verb"), "get");
    json_object_put(j);
    j = req(&st, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", JSON, "{\"spec\":{}}");
    ck_assert_int_eq(st, 422);
    json_object_put(j);
    /* Not stored. */
    j = req(&st, "GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", NULL, NULL);
    ck_assert_int_eq(st, 405);
    json_object_put(j);
    j = req(&st, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", JSON,
        "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}");
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(api_str(j, "status.userInfo.username"), "system:anonymous");
    ck_assert_str_eq(api_str(j, "status.userInfo.groups[0]"), "system:unauthenticated");
    json_object_put(j);
}
END_TEST

/* ---- tables ------------------------------------------------------------------ */

#define TABLE "application/json;as=Table;v=v1;g=meta.k8s.io"

/* The cells of the first row of the table at `target`, as compact JSON, and its column names joined by '|'. */
static void table(const char *target, char *cols, size_t cols_size, char *cells, size_t cells_size)
{
    int st;
    struct json_object *j = req_accept(&st, "GET", target, NULL, TABLE, NULL);
    ck_assert_int_eq(st, 200);
    struct json_object *defs = api_get(j, "columnDefinitions");
    cols[0] = '\0';
    for (size_t i = 0; i < json_object_array_length(defs); i++) {
        strncat(cols, i ? "|" : "", cols_size - strlen(cols) - 1);
        strncat(cols, api_str(json_object_array_get_idx(defs, i), "name"), cols_size - strlen(cols) - 1);
    }
    snprintf(cells, cells_size, "%s", json_object_to_json_string_ext(api_get(j, "rows[0].cells"), JSON_C_TO_STRING_PLAIN |
        JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(j);
}

START_TEST(test_tables)
{
    char cols[512], cells[1024];
    ok(201, "POST", "/api/v1/namespaces/default/endpoints", JSON,
        "{\"metadata\":{\"name\":\"ep\"},\"subsets\":[{\"addresses\":[{\"ip\":\"10.0.0.1\"},{\"ip\":\"10.0.0.2\"}],"
        "\"ports\":[{\"port\":80},{\"port\":443}]}]}");
    table("/api/v1/namespaces/default/endpoints/ep", cols, sizeof(cols), cells, sizeof(cells));
    ck_assert_str_eq(cols, "Name|Endpoints|Age");
    ck_assert_pstr_eq(strstr(cells, "\"10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...\"") ? "found" : cells, "found");

    ok(201, "POST", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", JSON,
        "{\"metadata\":{\"name\":\"es\"},\"addressType\":\"IPv4\",\"endpoints\":[{\"addresses\":[\"10.0.0.1\"]}],"
        "\"ports\":[{\"name\":\"http\",\"port\":80}]}");
    table("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/es", cols, sizeof(cols), cells, sizeof(cells));
    ck_assert_str_eq(cols, "Name|AddressType|Ports|Endpoints|Age");
    ck_assert_pstr_eq(strstr(cells, "[\"es\",\"IPv4\",\"80\",\"10.0.0.1\",") ? "found" : cells, "found");

    ok(201, "POST", "/api/v1/namespaces/default/replicationcontrollers", JSON,
        "{\"metadata\":{\"name\":\"rc\"},\"spec\":{\"replicas\":2,\"selector\":{\"app\":\"rc\"},\"template\":"
        "{\"metadata\":{\"labels\":{\"app\":\"rc\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}");
    table("/api/v1/namespaces/default/replicationcontrollers/rc", cols, sizeof(cols), cells, sizeof(cells));
    ck_assert_str_eq(cols, "Name|Desired|Current|Ready|Age|Containers|Images|Selector");
    ck_assert_pstr_eq(strstr(cells, "[\"rc\",2,0,0,") && strstr(cells, ",\"c\",\"nginx\",\"app=rc\"]") ? "found" : cells,
        "found");

    ok(201, "POST", "/apis/batch/v1/namespaces/default/cronjobs", JSON,
        "{\"metadata\":{\"name\":\"cj\"},\"spec\":{\"schedule\":\"*/5 * * * *\",\"jobTemplate\":{\"spec\":"
        "{\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}}}");
    table("/apis/batch/v1/namespaces/default/cronjobs/cj", cols, sizeof(cols), cells, sizeof(cells));
    ck_assert_str_eq(cols, "Name|Schedule|Timezone|Suspend|Active|Last Schedule|Age|Containers|Images|Selector");
    ck_assert_pstr_eq(strstr(cells, "[\"cj\",\"*/5 * * * *\",\"<none>\",\"False\",0,\"<none>\",") ? "found" : cells,
        "found");

    ok(201, "POST", PDBS, JSON, "{\"metadata\":{\"name\":\"pdb\"},\"spec\":{\"maxUnavailable\":\"25%\","
        "\"selector\":{\"matchLabels\":{\"app\":\"x\"}}}}");
    table(PDBS "/pdb", cols, sizeof(cols), cells, sizeof(cells));
    ck_assert_str_eq(cols, "Name|Min Available|Max Unavailable|Allowed Disruptions|Age");
    ck_assert_pstr_eq(strstr(cells, "[\"pdb\",\"N/A\",\"25%\",0,") ? "found" : cells, "found");

    ok(201, "POST", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", JSON,
        "{\"metadata\":{\"name\":\"hpa\"},\"spec\":{\"scaleTargetRef\":{\"apiVersion\":\"apps/v1\",\"kind\":"
        "\"Deployment\",\"name\":\"web\"},\"minReplicas\":1,\"maxReplicas\":5,\"metrics\":[{\"type\":\"Resource\","
        "\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\",\"averageUtilization\":50}}}]}}");
    table("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/hpa", cols, sizeof(cols), cells,
        sizeof(cells));
    ck_assert_str_eq(cols, "Name|Reference|Targets|MinPods|MaxPods|Replicas|Age");
    ck_assert_pstr_eq(strstr(cells, "[\"hpa\",\"Deployment/web\",\"cpu: <unknown>/50%\",\"1\",5,0,") ? "found" : cells,
        "found");

    ok(201, "POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", JSON,
        "{\"metadata\":{\"name\":\"l\"},\"spec\":{\"holderIdentity\":\"me\"}}");
    table("/apis/coordination.k8s.io/v1/namespaces/default/leases/l", cols, sizeof(cols), cells, sizeof(cells));
    ck_assert_str_eq(cols, "Name|Holder|Age");
    ck_assert_pstr_eq(strstr(cells, "[\"l\",\"me\",") ? "found" : cells, "found");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("apiserver_fieldval");
    TCase *tc = tcase_create("fieldval");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_strict_unknown_fields);
    tcase_add_test(tc, test_strict_duplicate_fields);
    tcase_add_test(tc, test_warn_and_ignore_prune);
    tcase_add_test(tc, test_strict_patches);
    tcase_add_test(tc, test_creation_timestamp_null);
    tcase_add_test(tc, test_eviction_budget);
    tcase_add_test(tc, test_eviction_rules);
    tcase_add_test(tc, test_token_request);
    tcase_add_test(tc, test_self_reviews);
    tcase_add_test(tc, test_tables);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
