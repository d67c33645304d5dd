/*
 * API server semantics beyond plain CRUD, against what kube-apiserver 1.32
 * does: the scale subresource, health endpoints, delete options
 * (propagation finalizers, preconditions, pod grace periods, finalizers
 * and delete-on-update, deletecollection selectors), per-kind defaults and
 * immutable fields. All through the in-process entry point on a memory store.
 */
#include "apitest.h"
#include "testutil.h"

#include "k8sc/k8sc.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define JSON "application/json"
#define MERGE "application/merge-patch+json"

static k8sc_store *store;
static k8sc_apiserver *srv;

static void setup(void)
{
    api_memory_start(&store, &srv);
}

static void teardown(void)
{
    api_memory_free(&store, &srv);
}

/* One request: the reply parsed (NULL if not JSON), its status in *status, its raw body in *text (may be NULL). */
static struct json_object *req_raw(int *status, char **text, const char *method, const char *target, const char *ct,
    const char *body)
{
    return api_call(srv, status, text, NULL, method, target, ct, JSON, body);
}

static struct json_object *req(int *status, const char *method, const char *target, const char *ct, const char *body)
{
    return req_raw(status, NULL, method, target, ct, body);
}

static void create(const char *collection, const char *body)
{
    int st;
    struct json_object *j = req(&st, "POST", collection, JSON, body);
    ck_assert_msg(st == 201, "create in %s: %d %s", collection, st, j ? json_object_to_json_string(j) : "");
    json_object_put(j);
}

#define DEPLOYS "/apis/apps/v1/namespaces/default/deployments"
#define DEPLOY_WEB DEPLOYS "/web"
#define PODS "/api/v1/namespaces/default/pods"
#define CMS "/api/v1/namespaces/default/configmaps"

static const char *deploy_body =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
    "\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\",\"tier\":\"fe\"}},\"template\":"
    "{\"metadata\":{\"labels\":{\"app\":\"web\",\"tier\":\"fe\"}},\"spec\":{\"containers\":[{\"name\":\"app\","
    "\"image\":\"nginx:1.27\"}]}}}}";

START_TEST(test_scale_get_patch_put)
{
    create(DEPLOYS, deploy_body);
    int st;
    struct json_object *j = req(&st, "GET", DEPLOY_WEB "/scale", NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "kind"), "Scale");
    ck_assert_str_eq(api_str(j, "apiVersion"), "autoscaling/v1");
    ck_assert_str_eq(api_str(j, "metadata.name"), "web");
    ck_assert_str_eq(api_str(j, "metadata.namespace"), "default");
    ck_assert_int_eq(api_int(j, "spec.replicas"), 2);
    ck_assert_int_eq(api_int(j, "status.replicas"), 0);
    ck_assert_str_eq(api_str(j, "status.selector"), "app=web,tier=fe");
    char rv[32];
    snprintf(rv, sizeof(rv), "%s", api_str(j, "metadata.resourceVersion"));
    json_object_put(j);

    /* kubectl scale --replicas=3: a merge patch of the Scale; the parent's spec and generation follow. */
    j = req(&st, "PATCH", DEPLOY_WEB "/scale", MERGE, "{\"spec\":{\"replicas\":3}}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "kind"), "Scale");
    ck_assert_int_eq(api_int(j, "spec.replicas"), 3);
    ck_assert_str_ne(api_str(j, "metadata.resourceVersion"), rv);
    json_object_put(j);
    j = req(&st, "GET", DEPLOY_WEB, NULL, NULL);
    ck_assert_int_eq(api_int(j, "spec.replicas"), 3);
    ck_assert_int_eq(api_int(j, "metadata.generation"), 2);
    json_object_put(j);

    /* --current-replicas: a PUT of the whole Scale without Content-Type, pinned to the read resourceVersion. */
    char body[512];
    snprintf(body, sizeof(body), "{\"kind\":\"Scale\",\"apiVersion\":\"autoscaling/v1\",\"metadata\":{\"name\":\"web\","
        "\"namespace\":\"default\",\"resourceVersion\":\"%s\"},\"spec\":{\"replicas\":5}}", rv);
    j = req(&st, "PUT", DEPLOY_WEB "/scale", NULL, body);
    api_expect_status(j, st, 409, "Conflict", "Operation cannot be fulfilled on deployments.apps \"web\": the object has "
        "been modified; please apply your changes to the latest version and try again");
    json_object_put(j);
    j = req(&st, "PUT", DEPLOY_WEB "/scale", NULL,
        "{\"kind\":\"Scale\",\"apiVersion\":\"autoscaling/v1\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":5}}");
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(api_int(j, "spec.replicas"), 5);
    json_object_put(j);

    /* Scaling to 0 omits spec.replicas (omitempty), as Kubernetes' Scale does. */
    j = req(&st, "PATCH", DEPLOY_WEB "/scale", MERGE, "{\"spec\":{\"replicas\":0}}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_json(j, "spec"), "{}");
    json_object_put(j);

    j = req(&st, "PATCH", DEPLOY_WEB "/scale", MERGE, "{\"spec\":{\"replicas\":-1}}");
    api_expect_status(j, st, 422, "Invalid",
        "Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0");
    json_object_put(j);
    j = req(&st, "PUT", DEPLOY_WEB "/scale", JSON, "{\"kind\":\"Deployment\",\"spec\":{\"replicas\":1}}");
    api_expect_status(j, st, 400, "BadRequest", "the kind in the data (Deployment) does not match the expected kind (Scale)");
    json_object_put(j);
    j = req(&st, "PUT", DEPLOY_WEB "/scale", JSON, "{\"spec\":{\"replicas\":1}}");
    api_expect_status(j, st, 422, "Invalid",
        "Scale.autoscaling \"web\" is invalid: metadata.name: Required value: name or generateName is required");
    json_object_put(j);
    j = req(&st, "GET", DEPLOYS "/nope/scale", NULL, NULL);
    api_expect_status(j, st, 404, "NotFound", "deployments.apps \"nope\" not found");
    json_object_put(j);
    j = req(&st, "DELETE", DEPLOY_WEB "/scale", NULL, NULL);
    ck_assert_int_eq(st, 405);
    json_object_put(j);
    /* Kinds without the subresource have no such path. */
    create(CMS, "{\"metadata\":{\"name\":\"c\"}}");
    j = req(&st, "GET", CMS "/c/scale", NULL, NULL);
    api_expect_status(j, st, 404, "NotFound", "the server could not find the requested resource");
    json_object_put(j);
}
END_TEST

START_TEST(test_scale_other_kinds)
{
    create("/api/v1/namespaces/default/replicationcontrollers",
        "{\"metadata\":{\"name\":\"rc\"},\"spec\":{\"selector\":{\"b\":\"2\",\"a\":\"1\"},\"template\":{\"metadata\":"
        "{\"labels\":{\"a\":\"1\",\"b\":\"2\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}");
    int st;
    struct json_object *j = req(&st, "GET", "/api/v1/namespaces/default/replicationcontrollers/rc/scale", NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(api_int(j, "spec.replicas"), 1); /* defaulted */
    ck_assert_str_eq(api_str(j, "status.selector"), "a=1,b=2");
    json_object_put(j);

    create("/apis/apps/v1/namespaces/default/statefulsets",
        "{\"metadata\":{\"name\":\"db\"},\"spec\":{\"replicas\":1,\"selector\":{\"matchExpressions\":[{\"key\":\"app\","
        "\"operator\":\"In\",\"values\":[\"db\",\"cache\"]}]},\"template\":{\"metadata\":{\"labels\":{\"app\":\"db\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"redis\"}]}}}}");
    j = req(&st, "PATCH", "/apis/apps/v1/namespaces/default/statefulsets/db/scale", "application/json-patch+json",
        "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":4}]");
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(api_int(j, "spec.replicas"), 4);
    ck_assert_str_eq(api_str(j, "status.selector"), "app in (cache,db)");
    json_object_put(j);

    create("/apis/apps/v1/namespaces/default/replicasets",
        "{\"metadata\":{\"name\":\"rs\"},\"spec\":{\"selector\":{\"matchLabels\":{\"x\":\"y\"}},\"template\":{\"metadata\":"
        "{\"labels\":{\"x\":\"y\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}");
    j = req(&st, "PATCH", "/apis/apps/v1/namespaces/default/replicasets/rs/scale",
        "application/strategic-merge-patch+json", "{\"spec\":{\"replicas\":2}}");
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(api_int(j, "spec.replicas"), 2);
    json_object_put(j);

    /* Discovery names the subresource's group, version and kind, which kubectl scale --current-replicas needs. */
    j = req(&st, "GET", "/apis/apps/v1", NULL, NULL);
    bool found = false;
    struct json_object *list = api_get(j, "resources");
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        struct json_object *e = json_object_array_get_idx(list, i);
        if (strcmp(api_str(e, "name"), "deployments/scale") == 0) {
            found = true;
            ck_assert_str_eq(api_str(e, "group"), "autoscaling");
            ck_assert_str_eq(api_str(e, "version"), "v1");
            ck_assert_str_eq(api_str(e, "kind"), "Scale");
        }
    }
    ck_assert(found);
    json_object_put(j);
}
END_TEST

START_TEST(test_health)
{
    static const char *const paths[] = { "/healthz", "/livez", "/readyz" };
    for (size_t i = 0; i < 3; i++) {
        int st;
        char *text = NULL;
        struct json_object *j = req_raw(&st, &text, "GET", paths[i], NULL, NULL);
        ck_assert_int_eq(st, 200);
        ck_assert_str_eq(text, "ok");
        free(text);
        json_object_put(j);
    }
}
END_TEST

START_TEST(test_delete_propagation)
{
    int st;
    /* Background with no finalizers: gone at once, with a Success Status. */
    create(CMS, "{\"metadata\":{\"name\":\"bg\"}}");
    struct json_object *j = req(&st, "DELETE", CMS "/bg", JSON, "{\"propagationPolicy\":\"Background\"}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "kind"), "Status");
    ck_assert_str_eq(api_str(j, "status"), "Success");
    json_object_put(j);

    /* Orphan: kept with the orphan finalizer and a deletionTimestamp, for the garbage collector. */
    create(DEPLOYS, deploy_body);
    j = req(&st, "DELETE", DEPLOY_WEB, JSON, "{\"propagationPolicy\":\"Orphan\"}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "kind"), "Deployment");
    ck_assert_str_eq(api_json(j, "metadata.finalizers"), "[\"orphan\"]");
    ck_assert_str_ne(api_str(j, "metadata.deletionTimestamp"), "<absent>");
    ck_assert_int_eq(api_int(j, "metadata.deletionGracePeriodSeconds"), 0);
    ck_assert_int_eq(api_int(j, "metadata.generation"), 2);
    json_object_put(j);

    /* Deleting again returns the terminating object; Foreground swaps the GC finalizer. */
    j = req(&st, "DELETE", DEPLOY_WEB, JSON, "{\"propagationPolicy\":\"Foreground\"}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_json(j, "metadata.finalizers"), "[\"foregroundDeletion\"]");
    ck_assert_int_eq(api_int(j, "metadata.generation"), 2);
    json_object_put(j);
    j = req(&st, "DELETE", DEPLOY_WEB, NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_json(j, "metadata.finalizers"), "[\"foregroundDeletion\"]");
    json_object_put(j);

    /* The query form works too (no body). */
    create(CMS, "{\"metadata\":{\"name\":\"q\"}}");
    j = req(&st, "DELETE", CMS "/q?propagationPolicy=Foreground", NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_json(j, "metadata.finalizers"), "[\"foregroundDeletion\"]");
    json_object_put(j);

    /* Removing the last finalizer by an update deletes the object. */
    j = req(&st, "PATCH", CMS "/q", MERGE, "{\"metadata\":{\"finalizers\":null}}");
    ck_assert_int_eq(st, 200);
    json_object_put(j);
    j = req(&st, "GET", CMS "/q", NULL, NULL);
    api_expect_status(j, st, 404, "NotFound", "configmaps \"q\" not found");
    json_object_put(j);

    j = req(&st, "DELETE", CMS "/c", JSON, "{\"propagationPolicy\":\"Sideways\"}");
    api_expect_status(j, st, 422, "Invalid", "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported "
        "value: \"Sideways\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"");
    json_object_put(j);
    j = req(&st, "DELETE", CMS "/c", JSON, "{\"propagationPolicy\":\"Orphan\",\"orphanDependents\":true}");
    api_expect_status(j, st, 422, "Invalid", "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Invalid "
        "value: \"Orphan\": orphanDependents and deletionPropagation cannot be both set");
    json_object_put(j);
}
END_TEST

START_TEST(test_delete_finalizers_and_preconditions)
{
    int st;
    create(CMS, "{\"metadata\":{\"name\":\"f\",\"finalizers\":[\"example.com/hold\"]}}");
    struct json_object *j = req(&st, "GET", CMS "/f", NULL, NULL);
    char uid[64], rv[32];
    snprintf(uid, sizeof(uid), "%s", api_str(j, "metadata.uid"));
    snprintf(rv, sizeof(rv), "%s", api_str(j, "metadata.resourceVersion"));
    json_object_put(j);

    j = req(&st, "DELETE", CMS "/f", JSON, "{\"preconditions\":{\"uid\":\"0000\"}}");
    char msg[512];
    snprintf(msg, sizeof(msg), "Operation cannot be fulfilled on ConfigMap \"f\": the UID in the precondition (0000) "
        "does not match the UID in record (%s). The object might have been deleted and then recreated", uid);
    api_expect_status(j, st, 409, "Conflict", msg);
    json_object_put(j);
    j = req(&st, "DELETE", CMS "/f", JSON, "{\"preconditions\":{\"resourceVersion\":\"1\"}}");
    snprintf(msg, sizeof(msg), "Operation cannot be fulfilled on ConfigMap \"f\": the ResourceVersion in the "
        "precondition (1) does not match the ResourceVersion in record (%s). The object might have been modified", rv);
    api_expect_status(j, st, 409, "Conflict", msg);
    json_object_put(j);

    /* Matching preconditions: the object is marked, not removed, while a finalizer remains. */
    char body[256];
    snprintf(body, sizeof(body), "{\"preconditions\":{\"uid\":\"%s\",\"resourceVersion\":\"%s\"}}", uid, rv);
    j = req(&st, "DELETE", CMS "/f", JSON, body);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "kind"), "ConfigMap");
    ck_assert_str_ne(api_str(j, "metadata.deletionTimestamp"), "<absent>");
    ck_assert_str_eq(api_json(j, "metadata.finalizers"), "[\"example.com/hold\"]");
    json_object_put(j);
    j = req(&st, "GET", CMS "/f", NULL, NULL);
    ck_assert_int_eq(st, 200);
    json_object_put(j);
    /* An update keeping the finalizer keeps the object; removing it deletes it. */
    j = req(&st, "PATCH", CMS "/f", MERGE, "{\"data\":{\"k\":\"v\"}}");
    ck_assert_int_eq(st, 200);
    json_object_put(j);
    j = req(&st, "PATCH", CMS "/f", "application/json-patch+json", "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "data.k"), "v");
    json_object_put(j);
    j = req(&st, "GET", CMS "/f", NULL, NULL);
    ck_assert_int_eq(st, 404);
    json_object_put(j);
}
END_TEST

START_TEST(test_delete_pod_grace)
{
    int st;
    create(PODS, "{\"metadata\":{\"name\":\"free\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}");
    create(PODS, "{\"metadata\":{\"name\":\"bound\"},\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"c\","
        "\"image\":\"nginx\"}]}}");
    /* An unscheduled pod goes at once; pods reply with the object. */
    struct json_object *j = req(&st, "DELETE", PODS "/free", JSON, "{}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "kind"), "Pod");
    ck_assert_int_eq(api_int(j, "metadata.deletionGracePeriodSeconds"), 0);
    json_object_put(j);
    j = req(&st, "GET", PODS "/free", NULL, NULL);
    ck_assert_int_eq(st, 404);
    json_object_put(j);

    /* A scheduled pod is only marked, with its terminationGracePeriodSeconds (defaulted to 30). */
    j = req(&st, "DELETE", PODS "/bound", NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(api_int(j, "metadata.deletionGracePeriodSeconds"), 30);
    ck_assert_str_ne(api_str(j, "metadata.deletionTimestamp"), "<absent>");
    json_object_put(j);
    /* A longer or equal grace period changes nothing; a shorter one shortens it. */
    j = req(&st, "DELETE", PODS "/bound", JSON, "{\"gracePeriodSeconds\":60}");
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(api_int(j, "metadata.deletionGracePeriodSeconds"), 30);
    json_object_put(j);
    j = req(&st, "DELETE", PODS "/bound?gracePeriodSeconds=10", NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq(api_int(j, "metadata.deletionGracePeriodSeconds"), 10);
    json_object_put(j);
    j = req(&st, "GET", PODS "/bound", NULL, NULL);
    ck_assert_int_eq(st, 200);
    json_object_put(j);
    /* --force --grace-period=0: gone. */
    j = req(&st, "DELETE", PODS "/bound", JSON, "{\"gracePeriodSeconds\":0}");
    ck_assert_int_eq(st, 200);
    json_object_put(j);
    j = req(&st, "GET", PODS "/bound", NULL, NULL);
    ck_assert_int_eq(st, 404);
    json_object_put(j);
}
END_TEST

START_TEST(test_delete_collection_selector)
{
    int st;
    create(CMS, "{\"metadata\":{\"name\":\"a\",\"labels\":{\"app\":\"x\"}}}");
    create(CMS, "{\"metadata\":{\"name\":\"b\",\"labels\":{\"app\":\"y\"}}}");
    create(CMS, "{\"metadata\":{\"name\":\"c\",\"labels\":{\"app\":\"x\"}}}");
    struct json_object *j = req(&st, "DELETE", CMS "?labelSelector=app%3Dx", NULL, NULL);
    ck_assert_int_eq(st, 200);
    ck_assert_int_eq((int)json_object_array_length(api_get(j, "items")), 2);
    json_object_put(j);
    j = req(&st, "DELETE", CMS "?fieldSelector=metadata.name%3Db", NULL, NULL);
    ck_assert_int_eq((int)json_object_array_length(api_get(j, "items")), 1);
    json_object_put(j);
    j = req(&st, "GET", CMS, NULL, NULL);
    ck_assert_int_eq((int)json_object_array_length(api_get(j, "items")), 0);
    json_object_put(j);
}
END_TEST

START_TEST(test_pod_defaults)
{
    int st;
    struct json_object *j = req(&st, "POST", PODS, JSON,
        "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"nginx\",\"ports\":"
        "[{\"containerPort\":80}],\"resources\":{\"limits\":{\"cpu\":\"1\"}},\"readinessProbe\":{\"httpGet\":"
        "{\"port\":80}}},{\"name\":\"b\",\"image\":\"reg.io:5000/app:1.2\"},{\"name\":\"c\",\"image\":\"busybox:latest\"},"
        "{\"name\":\"d\",\"image\":\"x@sha256:abc\"}],\"volumes\":[{\"name\":\"v\"},{\"name\":\"s\",\"secret\":"
        "{\"secretName\":\"s\"}}]}}");
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(api_str(j, "spec.restartPolicy"), "Always");
    ck_assert_str_eq(api_str(j, "spec.dnsPolicy"), "ClusterFirst");
    ck_assert_int_eq(api_int(j, "spec.terminationGracePeriodSeconds"), 30);
    ck_assert_str_eq(api_str(j, "spec.schedulerName"), "default-scheduler");
    ck_assert_str_eq(api_json(j, "spec.securityContext"), "{}");
    ck_assert(json_object_get_boolean(api_get(j, "spec.enableServiceLinks")));
    ck_assert_int_eq(api_int(j, "spec.priority"), 0);
    ck_assert_str_eq(api_str(j, "spec.preemptionPolicy"), "PreemptLowerPriority");
    ck_assert_str_eq(api_json(j, "spec.tolerations"),
        "[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\","
        "\"tolerationSeconds\":300},{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\","
        "\"effect\":\"NoExecute\",\"tolerationSeconds\":300}]");
    ck_assert_str_eq(api_str(j, "spec.containers[0].imagePullPolicy"), "Always");
    ck_assert_str_eq(api_str(j, "spec.containers[1].imagePullPolicy"), "IfNotPresent");
    ck_assert_str_eq(api_str(j, "spec.containers[2].imagePullPolicy"), "Always");
    ck_assert_str_eq(api_str(j, "spec.containers[3].imagePullPolicy"), "IfNotPresent");
    ck_assert_str_eq(api_str(j, "spec.containers[0].terminationMessagePath"), "/dev/termination-log");
    ck_assert_str_eq(api_str(j, "spec.containers[0].terminationMessagePolicy"), "File");
    ck_assert_str_eq(api_str(j, "spec.containers[0].ports[0].protocol"), "TCP");
    ck_assert_str_eq(api_str(j, "spec.containers[0].resources.requests.cpu"), "1");
    ck_assert_str_eq(api_json(j, "spec.containers[0].readinessProbe"),
        "{\"httpGet\":{\"port\":80,\"path\":\"/\",\"scheme\":\"HTTP\"},\"timeoutSeconds\":1,\"periodSeconds\":10,"
        "\"successThreshold\":1,\"failureThreshold\":3}");
    ck_assert_str_eq(api_json(j, "spec.volumes[0]"), "{\"name\":\"v\",\"emptyDir\":{}}");
    ck_assert_int_eq(api_int(j, "spec.volumes[1].secret.defaultMode"), 420);
    ck_assert_str_eq(api_str(j, "status.phase"), "Pending");
    ck_assert_str_eq(api_str(j, "status.qosClass"), "Burstable"); /* cpu only */
    json_object_put(j);

    /* QoS classes: none, equal cpu+memory limits everywhere (requests defaulted from them), anything else. */
    static const struct {
        const char *resources, *qos;
    } qos[] = {
        { "{}", "BestEffort" },
        { "{\"limits\":{\"cpu\":\"500m\",\"memory\":\"64Mi\"}}", "Guaranteed" },
        { "{\"limits\":{\"cpu\":\"0.5\",\"memory\":\"64Mi\"},\"requests\":{\"cpu\":\"500m\"}}", "Guaranteed" },
        { "{\"limits\":{\"cpu\":\"1\",\"memory\":\"64Mi\"},\"requests\":{\"cpu\":\"500m\"}}", "Burstable" },
        { "{\"requests\":{\"memory\":\"1Gi\"}}", "Burstable" },
        { "{\"requests\":{\"nvidia.com/gpu\":\"1\"}}", "BestEffort" },
    };
    for (size_t i = 0; i < sizeof(qos) / sizeof(qos[0]); i++) {
        char body[512];
        snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"q%zu\"},\"spec\":{\"containers\":[{\"name\":\"c\","
            "\"image\":\"nginx\",\"resources\":%s}]}}", i, qos[i].resources);
        j = req(&st, "POST", PODS, JSON, body);
        ck_assert_int_eq(st, 201);
        ck_assert_msg(strcmp(api_str(j, "status.qosClass"), qos[i].qos) == 0, "case %zu: %s", i,
            api_str(j, "status.qosClass"));
        json_object_put(j);
    }

    /* An existing toleration for a taint keeps the default one out. */
    j = req(&st, "POST", PODS, JSON,
        "{\"metadata\":{\"name\":\"t\"},\"spec\":{\"tolerations\":[{\"key\":\"node.kubernetes.io/unreachable\","
        "\"operator\":\"Exists\"}],\"containers\":[{\"name\":\"a\",\"image\":\"nginx\"}]}}");
    ck_assert_int_eq((int)json_object_array_length(api_get(j, "spec.tolerations")), 2);
    ck_assert_str_eq(api_str(j, "spec.tolerations[1].key"), "node.kubernetes.io/not-ready");
    json_object_put(j);
}
END_TEST

START_TEST(test_workload_defaults)
{
    int st;
    struct json_object *j = req(&st, "POST", DEPLOYS, JSON,
        "{\"metadata\":{\"name\":\"d\"},\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"b\"}},\"template\":{\"metadata\":"
        "{\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1\"}]}}}}");
    ck_assert_int_eq(st, 201);
    ck_assert_int_eq(api_int(j, "spec.replicas"), 1);
    ck_assert_int_eq(api_int(j, "spec.revisionHistoryLimit"), 10);
    ck_assert_int_eq(api_int(j, "spec.progressDeadlineSeconds"), 600);
    ck_assert_str_eq(api_json(j, "spec.strategy"),
        "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":\"25%\",\"maxSurge\":\"25%\"}}");
    ck_assert_str_eq(api_str(j, "spec.template.spec.restartPolicy"), "Always");
    ck_assert_str_eq(api_str(j, "spec.template.spec.containers[0].imagePullPolicy"), "IfNotPresent");
    /* Templates get PodSpec defaults only: no admission tolerations, no enableServiceLinks. */
    ck_assert_str_eq(api_json(j, "spec.template.spec.tolerations"), "<absent>");
    ck_assert_str_eq(api_json(j, "spec.template.spec.enableServiceLinks"), "<absent>");
    json_object_put(j);

    j = req(&st, "POST", "/apis/batch/v1/namespaces/default/jobs", JSON,
        "{\"metadata\":{\"name\":\"pi\"},\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":"
        "[{\"name\":\"c\",\"image\":\"perl\"}]}}}}");
    ck_assert_int_eq(st, 201);
    char uid[64];
    snprintf(uid, sizeof(uid), "%s", api_str(j, "metadata.uid"));
    ck_assert_int_eq(api_int(j, "spec.backoffLimit"), 6);
    ck_assert_int_eq(api_int(j, "spec.completions"), 1);
    ck_assert_int_eq(api_int(j, "spec.parallelism"), 1);
    ck_assert_str_eq(api_str(j, "spec.completionMode"), "NonIndexed");
    ck_assert_str_eq(api_json(j, "spec.suspend"), "false");
    ck_assert_str_eq(api_str(j, "spec.podReplacementPolicy"), "TerminatingOrFailed");
    ck_assert_str_eq(api_json(j, "spec.manualSelector"), "<absent>");
    ck_assert_str_eq(api_str(j, "spec.selector.matchLabels.batch\\.kubernetes\\.io/controller-uid"), uid);
    ck_assert_str_eq(api_str(j, "spec.template.metadata.labels.controller-uid"), uid);
    ck_assert_str_eq(api_str(j, "spec.template.metadata.labels.job-name"), "pi");
    ck_assert_str_eq(api_str(j, "spec.template.metadata.labels.batch\\.kubernetes\\.io/job-name"), "pi");
    ck_assert_str_eq(api_str(j, "metadata.labels.job-name"), "pi");
    json_object_put(j);

    j = req(&st, "POST", "/apis/batch/v1/namespaces/default/cronjobs", JSON,
        "{\"metadata\":{\"name\":\"cj\"},\"spec\":{\"schedule\":\"* * * * *\",\"jobTemplate\":{\"spec\":{\"template\":"
        "{\"spec\":{\"restartPolicy\":\"OnFailure\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}}}");
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(api_str(j, "spec.concurrencyPolicy"), "Allow");
    ck_assert_str_eq(api_json(j, "spec.suspend"), "false");
    ck_assert_int_eq(api_int(j, "spec.successfulJobsHistoryLimit"), 3);
    ck_assert_int_eq(api_int(j, "spec.failedJobsHistoryLimit"), 1);
    ck_assert_str_eq(api_str(j, "spec.jobTemplate.spec.template.spec.dnsPolicy"), "ClusterFirst");
    json_object_put(j);

    j = req(&st, "POST", "/api/v1/namespaces/default/services", JSON,
        "{\"metadata\":{\"name\":\"svc\"},\"spec\":{\"selector\":{\"a\":\"b\"},\"ports\":[{\"port\":80},"
        "{\"port\":53,\"protocol\":\"UDP\",\"targetPort\":5353}]}}");
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(api_str(j, "spec.type"), "ClusterIP");
    ck_assert_str_eq(api_str(j, "spec.sessionAffinity"), "None");
    ck_assert_str_eq(api_str(j, "spec.ports[0].protocol"), "TCP");
    ck_assert_int_eq(api_int(j, "spec.ports[0].targetPort"), 80);
    ck_assert_int_eq(api_int(j, "spec.ports[1].targetPort"), 5353);
    ck_assert_str_eq(api_str(j, "spec.ipFamilyPolicy"), "SingleStack");
    ck_assert_str_eq(api_json(j, "spec.ipFamilies"), "[\"IPv4\"]");
    ck_assert_str_eq(api_str(j, "spec.internalTrafficPolicy"), "Cluster");
    ck_assert_str_eq(api_json(j, "spec.externalTrafficPolicy"), "<absent>");
    json_object_put(j);

    j = req(&st, "POST", "/api/v1/namespaces/default/replicationcontrollers", JSON,
        "{\"metadata\":{\"name\":\"rc\"},\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"k\":\"v\"}},\"spec\":"
        "{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}");
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(api_json(j, "spec.selector"), "{\"k\":\"v\"}");
    ck_assert_str_eq(api_json(j, "metadata.labels"), "{\"k\":\"v\"}");
    ck_assert_int_eq(api_int(j, "spec.replicas"), 1);
    json_object_put(j);
}
END_TEST

/* Defaults of the other kinds kubectl's describe relies on (kubectl panics on a PriorityClass without preemptionPolicy). */
START_TEST(test_other_defaults)
{
    static const struct {
        const char *target, *body, *path, *want;
    } cases[] = {
        { "/apis/scheduling.k8s.io/v1/priorityclasses", "{\"metadata\":{\"name\":\"hi\"},\"value\":1000}",
            "preemptionPolicy", "\"PreemptLowerPriority\"" },
        { "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
            "{\"metadata\":{\"name\":\"es\"},\"addressType\":\"IPv4\",\"endpoints\":[],\"ports\":[{\"port\":80}]}",
            "ports", "[{\"port\":80,\"protocol\":\"TCP\"}]" },
        { "/api/v1/namespaces/default/persistentvolumeclaims",
            "{\"metadata\":{\"name\":\"c\"},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":"
            "{\"requests\":{\"storage\":\"1Gi\"}}}}",
            "spec.volumeMode", "\"Filesystem\"" },
        { "/api/v1/persistentvolumes",
            "{\"metadata\":{\"name\":\"pv\"},\"spec\":{\"capacity\":{\"storage\":\"1Gi\"},\"accessModes\":"
            "[\"ReadWriteOnce\"],\"hostPath\":{\"path\":\"/tmp\"}}}",
            "spec.persistentVolumeReclaimPolicy", "\"Retain\"" },
        { "/apis/storage.k8s.io/v1/storageclasses", "{\"metadata\":{\"name\":\"sc\"},\"provisioner\":\"x\"}",
            "volumeBindingMode", "\"Immediate\"" },
        { "/apis/storage.k8s.io/v1/storageclasses", "{\"metadata\":{\"name\":\"sc2\"},\"provisioner\":\"x\"}",
            "reclaimPolicy", "\"Delete\"" },
        { "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
            "{\"metadata\":{\"name\":\"h\"},\"spec\":{\"scaleTargetRef\":{\"apiVersion\":\"apps/v1\",\"kind\":"
            "\"Deployment\",\"name\":\"d\"},\"maxReplicas\":3}}",
            "spec.metrics", "[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":"
            "\"Utilization\",\"averageUtilization\":80}}}]" },
        { "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies",
            "{\"metadata\":{\"name\":\"np\"},\"spec\":{\"podSelector\":{},\"egress\":[{\"ports\":[{\"port\":53}]}]}}",
            "spec", "{\"podSelector\":{},\"egress\":[{\"ports\":[{\"port\":53,\"protocol\":\"TCP\"}]}],"
            "\"policyTypes\":[\"Ingress\",\"Egress\"]}" },
        { "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies",
            "{\"metadata\":{\"name\":\"np2\"},\"spec\":{\"podSelector\":{},\"policyTypes\":[\"Egress\"]}}",
            "spec.policyTypes", "[\"Egress\"]" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int st;
        struct json_object *j = req(&st, "POST", cases[i].target, JSON, cases[i].body);
        ck_assert_msg(st == 201, "%s: %d %s", cases[i].target, st, j ? json_object_to_json_string(j) : "");
        ck_assert_str_eq(api_json(j, cases[i].path), cases[i].want);
        json_object_put(j);
    }
    int st;
    struct json_object *j = req(&st, "POST", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", JSON,
        "{\"metadata\":{\"name\":\"h2\"},\"spec\":{\"scaleTargetRef\":{\"apiVersion\":\"apps/v1\",\"kind\":"
        "\"Deployment\",\"name\":\"d\"},\"maxReplicas\":3}}");
    ck_assert_int_eq(api_int(j, "spec.minReplicas"), 1);
    json_object_put(j);
}
END_TEST

START_TEST(test_secret_string_data)
{
    int st;
    struct json_object *j = req(&st, "POST", "/api/v1/namespaces/default/secrets", JSON,
        "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"},"
        "\"data\":{\"a\":\"eA==\",\"b\":\"Yg==\"},\"stringData\":{\"a\":\"hello\",\"c\":\"\"}}");
    ck_assert_int_eq(st, 201);
    /* stringData is write-only: merged into data (winning), then dropped; type defaults to Opaque. */
    ck_assert_str_eq(api_json(j, "data"), "{\"a\":\"aGVsbG8=\",\"b\":\"Yg==\",\"c\":\"\"}");
    ck_assert_str_eq(api_json(j, "stringData"), "<absent>");
    ck_assert_str_eq(api_str(j, "type"), "Opaque");
    json_object_put(j);
    j = req(&st, "PATCH", "/api/v1/namespaces/default/secrets/s", "application/merge-patch+json",
        "{\"stringData\":{\"b\":\"new\"}}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "data.b"), "bmV3");
    ck_assert_str_eq(api_str(j, "data.a"), "aGVsbG8=");
    json_object_put(j);
}
END_TEST

START_TEST(test_noop_update_keeps_revision)
{
    create(CMS, "{\"metadata\":{\"name\":\"same\",\"labels\":{\"a\":\"b\"}},\"data\":{\"k\":\"v\"}}");
    int st;
    struct json_object *j = req(&st, "GET", CMS "/same", NULL, NULL);
    char rv[32];
    snprintf(rv, sizeof(rv), "%s", api_str(j, "metadata.resourceVersion"));
    /* The same content, its keys in another order: nothing to write. */
    char body[512];
    snprintf(body, sizeof(body),
        "{\"data\":{\"k\":\"v\"},\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"labels\":{\"a\":\"b\"},"
        "\"name\":\"same\",\"resourceVersion\":\"%s\"}}", rv);
    json_object_put(j);
    j = req(&st, "PUT", CMS "/same", JSON, body);
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "metadata.resourceVersion"), rv);
    json_object_put(j);
    /* A real change moves it. */
    j = req(&st, "PATCH", CMS "/same", "application/merge-patch+json", "{\"data\":{\"k\":\"w\"}}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_ne(api_str(j, "metadata.resourceVersion"), rv);
    json_object_put(j);
}
END_TEST

START_TEST(test_immutable_fields)
{
    create(DEPLOYS, deploy_body);
    int st;
    struct json_object *j = req(&st, "PATCH", DEPLOY_WEB, MERGE,
        "{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"other\",\"tier\":null}}}}");
    api_expect_status(j, st, 422, "Invalid", "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: "
        "v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"other\"}, "
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable");
    ck_assert_str_eq(api_str(j, "details.causes[0].field"), "spec.selector");
    ck_assert_str_eq(api_str(j, "details.causes[0].reason"), "FieldValueInvalid");
    ck_assert_str_eq(api_str(j, "details.kind"), "Deployment");
    ck_assert_str_eq(api_str(j, "details.group"), "apps");
    json_object_put(j);
    /* The template is not. */
    j = req(&st, "PATCH", DEPLOY_WEB, MERGE, "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"x\":\"y\"}}}}}");
    ck_assert_int_eq(st, 200);
    json_object_put(j);

    create(PODS, "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1\"}]}}");
    j = req(&st, "PATCH", PODS "/p", "application/strategic-merge-patch+json",
        "{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:2\"}],\"activeDeadlineSeconds\":60}}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "spec.containers[0].image"), "nginx:2");
    json_object_put(j);
    j = req(&st, "PATCH", PODS "/p", "application/strategic-merge-patch+json",
        "{\"spec\":{\"containers\":[{\"name\":\"c\",\"args\":[\"-x\"]}]}}");
    api_expect_status(j, st, 422, "Invalid", "Pod \"p\" is invalid: spec: Forbidden: pod updates may not change fields "
        "other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
        "`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it "
        "to be set to 1 if it was previously negative)");
    json_object_put(j);

    /* A pod stored before a default existed is compared defaulted: a label change stays allowed. */
    const char *raw = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"old\",\"namespace\":\"default\","
        "\"uid\":\"u1\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}";
    ck_assert_int_eq(k8sc_store_create(NULL, store, "/registry/core/pods/default/old", raw, strlen(raw)), 0);
    j = req(&st, "PATCH", PODS "/old", MERGE, "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}");
    ck_assert_msg(st == 200, "%d %s", st, json_object_to_json_string(j));
    json_object_put(j);

    j = req(&st, "POST", "/apis/batch/v1/namespaces/default/jobs", JSON,
        "{\"metadata\":{\"name\":\"j\"},\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":"
        "[{\"name\":\"c\",\"image\":\"perl\"}]}}}}");
    json_object_put(j);
    j = req(&st, "PATCH", "/apis/batch/v1/namespaces/default/jobs/j", MERGE, "{\"spec\":{\"completionMode\":\"Indexed\"}}");
    api_expect_status(j, st, 422, "Invalid",
        "Job.batch \"j\" is invalid: spec.completionMode: Invalid value: \"Indexed\": field is immutable");
    json_object_put(j);

    /* A node's pod range and provider ID are set once, from empty; the same value again is no change. */
    create("/api/v1/nodes", "{\"metadata\":{\"name\":\"n\"}}");
    j = req(&st, "PATCH", "/api/v1/nodes/n", MERGE,
        "{\"spec\":{\"podCIDR\":\"10.244.1.0/24\",\"podCIDRs\":[\"10.244.1.0/24\"],\"providerID\":\"k8sc://n\"}}");
    ck_assert_int_eq(st, 200);
    json_object_put(j);
    j = req(&st, "PATCH", "/api/v1/nodes/n", MERGE, "{\"spec\":{\"podCIDRs\":[\"10.244.1.0/24\"],\"unschedulable\":true}}");
    ck_assert_int_eq(st, 200);
    json_object_put(j);
    j = req(&st, "PATCH", "/api/v1/nodes/n", MERGE, "{\"spec\":{\"podCIDR\":\"10.244.2.0/24\",\"podCIDRs\":[\"10.244.2.0/24\"]}}");
    api_expect_status(j, st, 422, "Invalid", "Node \"n\" is invalid: spec.podCIDRs: Forbidden: node updates may not "
        "change podCIDR except from \"\" to valid");
    json_object_put(j);
    j = req(&st, "PATCH", "/api/v1/nodes/n", MERGE, "{\"spec\":{\"providerID\":\"k8sc://other\"}}");
    api_expect_status(j, st, 422, "Invalid", "Node \"n\" is invalid: spec.providerID: Forbidden: node updates may not "
        "change providerID except from \"\" to valid");
    json_object_put(j);
    /* podCIDR alone follows podCIDRs (the v1 conversion keeps the list). */
    j = req(&st, "PATCH", "/api/v1/nodes/n", MERGE, "{\"spec\":{\"podCIDR\":\"10.244.9.0/24\"}}");
    ck_assert_int_eq(st, 200);
    ck_assert_str_eq(api_str(j, "spec.podCIDR"), "10.244.1.0/24");
    json_object_put(j);
}
END_TEST

START_TEST(test_pod_binding)
{
    int st;
    create(PODS, "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}");
    /* spec.nodeName cannot be set by an update... */
    struct json_object *j = req(&st, "PATCH", PODS "/p", MERGE, "{\"spec\":{\"nodeName\":\"n1\"}}");
    ck_assert_int_eq(st, 422);
    json_object_put(j);
    /* ...only by a Binding. */
    j = req(&st, "POST", PODS "/p/binding", JSON, "{\"metadata\":{\"name\":\"q\"},\"target\":{\"name\":\"n1\"}}");
    api_expect_status(j, st, 400, "BadRequest", "name in URL does not match name in Binding object");
    json_object_put(j);
    j = req(&st, "POST", PODS "/p/binding", JSON, "{\"metadata\":{\"name\":\"p\"},\"target\":{\"kind\":\"Pod\"}}");
    api_expect_status(j, st, 422, "Invalid", "Binding \"p\" is invalid: [target.kind: Unsupported value: \"Pod\": "
        "supported values: \"Node\", \"<empty>\", target.name: Required value]");
    json_object_put(j);
    j = req(&st, "POST", PODS "/p/binding", JSON,
        "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"p\",\"annotations\":{\"a\":\"b\"}},"
        "\"target\":{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":\"n1\"}}");
    ck_assert_int_eq(st, 201);
    ck_assert_str_eq(api_str(j, "status"), "Success");
    ck_assert_int_eq(api_int(j, "code"), 201);
    json_object_put(j);
    j = req(&st, "GET", PODS "/p", NULL, NULL);
    ck_assert_str_eq(api_str(j, "spec.nodeName"), "n1");
    ck_assert_str_eq(api_str(j, "metadata.annotations.a"), "b");
    ck_assert_str_eq(api_str(j, "status.conditions[0].type"), "PodScheduled");
    ck_assert_str_eq(api_str(j, "status.conditions[0].status"), "True");
    json_object_put(j);
    j = req(&st, "POST", PODS "/p/binding", JSON, "{\"metadata\":{\"name\":\"p\"},\"target\":{\"name\":\"n2\"}}");
    api_expect_status(j, st, 409, "Conflict",
        "Operation cannot be fulfilled on pods/binding \"p\": pod p is already assigned to node \"n1\"");
    json_object_put(j);
    j = req(&st, "POST", PODS "/none/binding", JSON, "{\"metadata\":{\"name\":\"none\"},\"target\":{\"name\":\"n\"}}");
    api_expect_status(j, st, 404, "NotFound", "pods \"none\" not found");
    json_object_put(j);

    /* A pod the scheduler first found no room for: binding turns PodScheduled True, without the old reason. */
    create(PODS, "{\"metadata\":{\"name\":\"late\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}");
    json_object_put(req(&st, "PATCH", PODS "/late/status", MERGE,
        "{\"status\":{\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"False\",\"reason\":\"Unschedulable\","
        "\"message\":\"0/1 nodes are available\"}]}}"));
    ck_assert_int_eq(st, 200);
    json_object_put(req(&st, "POST", PODS "/late/binding", JSON, "{\"metadata\":{\"name\":\"late\"},\"target\":{\"name\":\"n1\"}}"));
    ck_assert_int_eq(st, 201);
    j = req(&st, "GET", PODS "/late", NULL, NULL);
    ck_assert_str_eq(api_str(j, "status.conditions[0].status"), "True");
    ck_assert_str_eq(api_str(j, "status.conditions[0].reason"), "<absent>");
    ck_assert_str_eq(api_str(j, "status.conditions[0].message"), "<absent>");
    json_object_put(j);
}
END_TEST

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

/* Read from fd into buf (NUL-terminated) until `needle` shows up, EOF, or `ms` pass. 1 if found, 0 at EOF, -1 on timeout. */
static int read_until(int fd, char *buf, size_t cap, const char *needle, int ms)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int waited = 0; waited < ms; waited += 50) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n <= 0)
            return 0;
        len += (size_t)n;
        buf[len] = '\0';
        if (needle && strstr(buf, needle))
            return 1;
        if (len + 1 >= cap)
            len = 0;
    }
    return -1;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_idle_clients_cannot_starve)
{
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = store;
    o.max_connections = 2;
    o.idle_timeout_seconds = 1;
    k8sc_apiserver *http = NULL;
    ck_assert_int_eq(k8sc_apiserver_new(&http, &o), 0);
    ck_assert_int_eq(k8sc_apiserver_start(http), 0);
    int port = k8sc_apiserver_port(http);
    char buf[4096];

    /* Two clients take every slot and say nothing; the server closes them after the idle timeout. */
    int idle1 = dial(port), idle2 = dial(port);
    double t0 = mono();
    int served = 0;
    while (!served && mono() - t0 < 5) {
        int fd = dial(port);
        const char *get = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        if (send(fd, get, strlen(get), MSG_NOSIGNAL) == (ssize_t)strlen(get))
            served = read_until(fd, buf, sizeof(buf), "\r\n\r\nok", 1000) == 1;
        close(fd);
        if (!served)
            usleep(100 * 1000);
    }
    ck_assert_msg(served, "a third client was starved by two idle ones");
    ck_assert_int_eq(read_until(idle1, buf, sizeof(buf), NULL, 1000), 0);
    ck_assert_int_eq(read_until(idle2, buf, sizeof(buf), NULL, 1000), 0);
    close(idle1);
    close(idle2);

    /* A watch silent for longer than the idle timeout still gets its next event. */
    int w = dial(port);
    const char *watch = "GET /api/v1/namespaces/default/configmaps?watch=true HTTP/1.1\r\nHost: x\r\n\r\n";
    ck_assert_int_eq((int)send(w, watch, strlen(watch), MSG_NOSIGNAL), (int)strlen(watch));
    ck_assert_int_eq(read_until(w, buf, sizeof(buf), "\r\n\r\n", 2000), 1);
    usleep(2500 * 1000);
    create(CMS, "{\"metadata\":{\"name\":\"late\"}}");
    ck_assert_msg(read_until(w, buf, sizeof(buf), "\"late\"", 3000) == 1, "watch cut while idle: [%s]", buf);
    close(w);
    k8sc_apiserver_free(http);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("apiserver_semantics");
    TCase *tc = tcase_create("semantics");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_scale_get_patch_put);
    tcase_add_test(tc, test_scale_other_kinds);
    tcase_add_test(tc, test_health);
    tcase_add_test(tc, test_delete_propagation);
    tcase_add_test(tc, test_delete_finalizers_and_preconditions);
    tcase_add_test(tc, test_delete_pod_grace);
    tcase_add_test(tc, test_delete_collection_selector);
    tcase_add_test(tc, test_pod_defaults);
    tcase_add_test(tc, test_workload_defaults);
    tcase_add_test(tc, test_other_defaults);
    tcase_add_test(tc, test_secret_string_data);
    tcase_add_test(tc, test_noop_update_keeps_revision);
    tcase_add_test(tc, test_immutable_fields);
    tcase_add_test(tc, test_pod_binding);
    tcase_add_test(tc, test_idle_clients_cannot_starve);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
