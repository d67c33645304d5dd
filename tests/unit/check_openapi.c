/*
 * The API server's OpenAPI v3 documents, fetched over HTTP from an
 * in-process server: built-in kinds carry nested component schemas with
 * upstream names (Pod -> PodSpec -> Container -> ResourceRequirements ->
 * map of Quantity), references that all resolve, required fields, kind
 * descriptions and GVKs, only the schemas a group/version reaches, and
 * a document that is built once and served again unchanged and quickly.
 */
#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/codec.h"
#include "k8sc/core.h"
#include "k8sc/store.h"
#include "apitest.h"
#include "testutil.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define META "io.k8s.apimachinery.pkg.apis.meta.v1."
#define REF "#/components/schemas/"

static api_server api;

static void setup(void)
{
    api_server_start(&api, 20000);
}

static void teardown(void)
{
    api_server_free(&api);
}

/* GET `path` over HTTP, parsed; the status must be 200. */
static struct json_object *fetch(const char *path)
{
    char *body = NULL;
    int status = 0;
    int rc = k8sc_client_request(&body, &status, api.client, "GET", path, NULL, NULL, 0);
    ck_assert_msg(rc == 0 && status == 200, "GET %s: %d %d %s", path, rc, status, k8sc_error_last());
    struct json_object *j = NULL;
    ck_assert_msg(k8sc_json_parse(&j, body, strlen(body)) == 0, "GET %s: not JSON", path);
    k8sc_free(body);
    return j;
}

static struct json_object *schemas_of(struct json_object *doc)
{
    struct json_object *s = json_object_object_get(json_object_object_get(doc, "components"), "schemas");
    ck_assert_ptr_nonnull(s);
    return s;
}

static struct json_object *schema(struct json_object *schemas, const char *name)
{
    struct json_object *s = json_object_object_get(schemas, name);
    ck_assert_msg(s != NULL, "no schema %s", name);
    return s;
}

static const char *str(struct json_object *o, const char *key)
{
    struct json_object *v = json_object_object_get(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "<absent>";
}

/* The schema name property `p` refers to, as kube-apiserver writes it: {"allOf":[{"$ref":...}]}. */
static const char *ref_of(struct json_object *p)
{
    struct json_object *all = json_object_object_get(p, "allOf");
    ck_assert_msg(json_object_is_type(all, json_type_array) && json_object_array_length(all) == 1,
        "not an allOf reference: %s", json_object_to_json_string(p));
    const char *ref = str(json_object_array_get_idx(all, 0), "$ref");
    ck_assert_msg(strncmp(ref, REF, strlen(REF)) == 0, "bad $ref %s", ref);
    return ref + strlen(REF);
}

static struct json_object *prop(struct json_object *s, const char *field)
{
    struct json_object *p = json_object_object_get(json_object_object_get(s, "properties"), field);
    ck_assert_msg(p != NULL, "no property %s in %s", field, json_object_to_json_string(s));
    return p;
}

/* Property `field` of `s`, a reference to `want`: that schema. */
static struct json_object *follow(struct json_object *schemas, struct json_object *s, const char *field,
    const char *want)
{
    ck_assert_str_eq(ref_of(prop(s, field)), want);
    return schema(schemas, want);
}

/* Property `field` of `s`, an array of references to `want`: that schema. */
static struct json_object *follow_items(struct json_object *schemas, struct json_object *s, const char *field,
    const char *want)
{
    struct json_object *p = prop(s, field);
    ck_assert_str_eq(str(p, "type"), "array");
    ck_assert_str_eq(ref_of(json_object_object_get(p, "items")), want);
    return schema(schemas, want);
}

static bool required(struct json_object *s, const char *field)
{
    struct json_object *req = json_object_object_get(s, "required");
    for (size_t i = 0; req && i < json_object_array_length(req); i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(req, i)), field) == 0)
            return true;
    return false;
}

/* The schema whose x-kubernetes-group-version-kind names group/kind, or NULL. */
static struct json_object *kind_schema(struct json_object *schemas, const char *group, const char *kind,
    const char **name)
{
    json_object_object_foreach(schemas, n, s) {
        struct json_object *gvks = json_object_object_get(s, "x-kubernetes-group-version-kind");
        for (size_t i = 0; gvks && i < json_object_array_length(gvks); i++) {
            struct json_object *g = json_object_array_get_idx(gvks, i);
            if (strcmp(str(g, "group"), group) == 0 && strcmp(str(g, "kind"), kind) == 0) {
                if (name)
                    *name = n;
                return s;
            }
        }
    }
    return NULL;
}

START_TEST(test_pod_nested)
{
    struct json_object *doc = fetch("/openapi/v3/api/v1");
    ck_assert_str_eq(str(doc, "openapi"), "3.0.0");
    struct json_object *schemas = schemas_of(doc);
    const char *name = NULL;
    struct json_object *pod = kind_schema(schemas, "", "Pod", &name);
    ck_assert_ptr_nonnull(pod);
    ck_assert_str_eq(name, "io.k8s.api.core.v1.Pod");
    ck_assert_msg(strstr(str(pod, "description"), "collection of containers"), "%s", str(pod, "description"));
    ck_assert_str_eq(str(prop(pod, "apiVersion"), "type"), "string");
    ck_assert_str_eq(str(prop(pod, "kind"), "type"), "string");

    struct json_object *spec = follow(schemas, pod, "spec", "io.k8s.api.core.v1.PodSpec");
    ck_assert(required(spec, "containers"));
    struct json_object *container = follow_items(schemas, spec, "containers", "io.k8s.api.core.v1.Container");
    ck_assert(required(container, "name"));
    ck_assert_str_eq(str(prop(container, "image"), "type"), "string");
    ck_assert_str_eq(str(json_object_object_get(prop(container, "command"), "items"), "type"), "string");
    struct json_object *res = follow(schemas, container, "resources", "io.k8s.api.core.v1.ResourceRequirements");
    ck_assert_msg(*str(prop(container, "resources"), "description") != '<', "resources has no description");
    struct json_object *limits = prop(res, "limits");
    ck_assert_str_eq(str(limits, "type"), "object");
    ck_assert_str_eq(ref_of(json_object_object_get(limits, "additionalProperties")),
        "io.k8s.apimachinery.pkg.api.resource.Quantity");
    /* Quantity has no type, so kubectl names it: map[string]Quantity. */
    struct json_object *q = schema(schemas, "io.k8s.apimachinery.pkg.api.resource.Quantity");
    ck_assert_ptr_null(json_object_object_get(q, "type"));
    ck_assert_int_eq(json_object_array_length(json_object_object_get(q, "oneOf")), 2);
    follow_items(schemas, res, "claims", "io.k8s.api.core.v1.ResourceClaim");

    struct json_object *probe = follow(schemas, container, "livenessProbe", "io.k8s.api.core.v1.Probe");
    /* ProbeHandler is embedded: its fields are the probe's own. */
    follow(schemas, probe, "httpGet", "io.k8s.api.core.v1.HTTPGetAction");
    ck_assert_str_eq(str(prop(probe, "periodSeconds"), "format"), "int32");
    struct json_object *volume = follow_items(schemas, spec, "volumes", "io.k8s.api.core.v1.Volume");
    follow(schemas, volume, "configMap", "io.k8s.api.core.v1.ConfigMapVolumeSource");
    ck_assert_str_eq(str(prop(spec, "nodeSelector"), "type"), "object");
    ck_assert_str_eq(str(json_object_object_get(prop(spec, "nodeSelector"), "additionalProperties"), "type"), "string");
    ck_assert_str_eq(str(prop(spec, "activeDeadlineSeconds"), "format"), "int64");
    ck_assert_str_eq(str(prop(spec, "hostNetwork"), "type"), "boolean");

    struct json_object *meta = follow(schemas, pod, "metadata", META "ObjectMeta");
    struct json_object *time = follow(schemas, meta, "creationTimestamp", META "Time");
    ck_assert_str_eq(str(time, "type"), "string");
    ck_assert_str_eq(str(time, "format"), "date-time");
    follow_items(schemas, meta, "ownerReferences", META "OwnerReference");
    struct json_object *status = follow(schemas, pod, "status", "io.k8s.api.core.v1.PodStatus");
    follow_items(schemas, status, "conditions", "io.k8s.api.core.v1.PodCondition");

    struct json_object *svc = kind_schema(schemas, "", "Service", NULL);
    ck_assert_ptr_nonnull(svc);
    struct json_object *port = follow_items(schemas, follow(schemas, svc, "spec", "io.k8s.api.core.v1.ServiceSpec"),
        "ports", "io.k8s.api.core.v1.ServicePort");
    ck_assert(required(port, "port"));
    struct json_object *ios = follow(schemas, port, "targetPort", "io.k8s.apimachinery.pkg.util.intstr.IntOrString");
    ck_assert_str_eq(str(ios, "format"), "int-or-string");
    ck_assert_ptr_null(json_object_object_get(ios, "type"));

    struct json_object *cm = kind_schema(schemas, "", "ConfigMap", NULL);
    ck_assert_str_eq(str(json_object_object_get(prop(cm, "binaryData"), "additionalProperties"), "format"), "byte");
    /* Not a group's kind: nothing of apps/v1 in the core document. */
    ck_assert_ptr_null(json_object_object_get(schemas, "io.k8s.api.apps.v1.DeploymentSpec"));
    json_object_put(doc);
}
END_TEST

START_TEST(test_apps_nested)
{
    struct json_object *doc = fetch("/openapi/v3/apis/apps/v1");
    struct json_object *schemas = schemas_of(doc);
    const char *name = NULL;
    struct json_object *deploy = kind_schema(schemas, "apps", "Deployment", &name);
    ck_assert_ptr_nonnull(deploy);
    ck_assert_str_eq(name, "io.k8s.api.apps.v1.Deployment");
    struct json_object *gvks = json_object_object_get(deploy, "x-kubernetes-group-version-kind");
    ck_assert_int_eq(json_object_array_length(gvks), 1);
    struct json_object *gvk = json_object_array_get_idx(gvks, 0);
    ck_assert_str_eq(str(gvk, "version"), "v1");
    struct json_object *spec = follow(schemas, deploy, "spec", "io.k8s.api.apps.v1.DeploymentSpec");
    ck_assert(required(spec, "selector"));
    ck_assert(required(spec, "template"));
    struct json_object *strategy = follow(schemas, spec, "strategy", "io.k8s.api.apps.v1.DeploymentStrategy");
    struct json_object *ru = follow(schemas, strategy, "rollingUpdate", "io.k8s.api.apps.v1.RollingUpdateDeployment");
    follow(schemas, ru, "maxSurge", "io.k8s.apimachinery.pkg.util.intstr.IntOrString");
    follow(schemas, ru, "maxUnavailable", "io.k8s.apimachinery.pkg.util.intstr.IntOrString");
    follow(schemas, spec, "selector", META "LabelSelector");
    /* The pod template is core/v1's, carried into the apps document. */
    struct json_object *tmpl = follow(schemas, spec, "template", "io.k8s.api.core.v1.PodTemplateSpec");
    struct json_object *pod_spec = follow(schemas, tmpl, "spec", "io.k8s.api.core.v1.PodSpec");
    follow(schemas, follow_items(schemas, pod_spec, "containers", "io.k8s.api.core.v1.Container"), "resources",
        "io.k8s.api.core.v1.ResourceRequirements");
    /* StatefulSet's claim templates are core PersistentVolumeClaims; its status is named though not spelled out. */
    struct json_object *sts = kind_schema(schemas, "apps", "StatefulSet", NULL);
    follow_items(schemas, follow(schemas, sts, "spec", "io.k8s.api.apps.v1.StatefulSetSpec"), "volumeClaimTemplates",
        "io.k8s.api.core.v1.PersistentVolumeClaim");
    follow(schemas, sts, "status", "io.k8s.api.apps.v1.StatefulSetStatus");
    ck_assert_ptr_nonnull(kind_schema(schemas, "apps", "DaemonSet", NULL));
    ck_assert_ptr_nonnull(kind_schema(schemas, "apps", "ReplicaSet", NULL));
    /* Only what apps/v1 reaches: no core kinds, no batch types. */
    ck_assert_ptr_null(json_object_object_get(schemas, "io.k8s.api.core.v1.Pod"));
    ck_assert_ptr_null(json_object_object_get(schemas, "io.k8s.api.core.v1.ServiceSpec"));
    ck_assert_ptr_null(json_object_object_get(schemas, "io.k8s.api.batch.v1.JobSpec"));
    ck_assert_ptr_null(kind_schema(schemas, "batch", "Job", NULL));
    json_object_put(doc);
}
END_TEST

/* Every "$ref" under `v` names a schema of `schemas`. */
static void check_refs(struct json_object *schemas, struct json_object *v, const char *doc)
{
    if (json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++)
            check_refs(schemas, json_object_array_get_idx(v, i), doc);
    } else if (json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, k, sub) {
            if (strcmp(k, "$ref") == 0) {
                const char *ref = json_object_get_string(sub);
                ck_assert_msg(strncmp(ref, REF, strlen(REF)) == 0 &&
                    json_object_object_get(schemas, ref + strlen(REF)) != NULL, "%s: dangling %s", doc, ref);
            } else {
                check_refs(schemas, sub, doc);
            }
        }
    }
}

START_TEST(test_every_document)
{
    struct json_object *root = fetch("/openapi/v3");
    struct json_object *paths = json_object_object_get(root, "paths");
    ck_assert_int_gt(json_object_object_length(paths), 10);
    json_object_object_foreach(paths, gv, entry) {
        struct json_object *doc = fetch(str(entry, "serverRelativeURL"));
        struct json_object *schemas = schemas_of(doc);
        check_refs(schemas, schemas, gv);
        ck_assert_msg(json_object_object_get(schemas, META "ObjectMeta") != NULL, "%s: no ObjectMeta", gv);
        /* Each kind served has a described schema with its GVK, the group/version's own. */
        const char *slash = strchr(gv, '/');
        char group[128], version[64];
        if (strncmp(gv, "apis/", 5) == 0) {
            const char *v = strchr(gv + 5, '/');
            snprintf(group, sizeof(group), "%.*s", (int)(v - gv - 5), gv + 5);
            snprintf(version, sizeof(version), "%s", v + 1);
        } else {
            group[0] = '\0';
            snprintf(version, sizeof(version), "%s", slash + 1);
        }
        for (size_t i = 0; i < k8sc_registry_count(api.registry); i++) {
            const k8sc_resource *r = k8sc_registry_at(api.registry, i);
            if (strcmp(k8sc_resource_group(r), group) != 0 || strcmp(k8sc_resource_version(r), version) != 0)
                continue;
            struct json_object *s = kind_schema(schemas, group, k8sc_resource_kind(r), NULL);
            ck_assert_msg(s != NULL, "%s: no schema for %s", gv, k8sc_resource_kind(r));
            ck_assert_msg(strlen(str(s, "description")) > 10, "%s: %s undescribed", gv, k8sc_resource_kind(r));
            ref_of(prop(s, "metadata"));
        }
        json_object_object_foreach(schemas, name, s) {
            struct json_object *gvks = json_object_object_get(s, "x-kubernetes-group-version-kind");
            for (size_t i = 0; gvks && i < json_object_array_length(gvks); i++) {
                struct json_object *g = json_object_array_get_idx(gvks, i);
                ck_assert_msg(strcmp(str(g, "group"), group) == 0 && strcmp(str(g, "version"), version) == 0,
                    "%s: %s is %s/%s", gv, name, str(g, "group"), str(g, "version"));
            }
        }
        json_object_put(doc);
    }
    json_object_put(root);
}
END_TEST

START_TEST(test_groups_apart)
{
    struct json_object *doc = fetch("/openapi/v3/apis/autoscaling/v2");
    struct json_object *schemas = schemas_of(doc);
    const char *name = NULL;
    struct json_object *hpa = kind_schema(schemas, "autoscaling", "HorizontalPodAutoscaler", &name);
    ck_assert_str_eq(name, "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler");
    struct json_object *spec = follow(schemas, hpa, "spec", "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec");
    follow(schemas, spec, "scaleTargetRef", "io.k8s.api.autoscaling.v2.CrossVersionObjectReference");
    follow_items(schemas, spec, "metrics", "io.k8s.api.autoscaling.v2.MetricSpec");
    json_object_put(doc);

    doc = fetch("/openapi/v3/apis/batch/v1");
    schemas = schemas_of(doc);
    struct json_object *cj = kind_schema(schemas, "batch", "CronJob", &name);
    ck_assert_str_eq(name, "io.k8s.api.batch.v1.CronJob");
    struct json_object *cspec = follow(schemas, cj, "spec", "io.k8s.api.batch.v1.CronJobSpec");
    ck_assert(required(cspec, "schedule"));
    struct json_object *jt = follow(schemas, cspec, "jobTemplate", "io.k8s.api.batch.v1.JobTemplateSpec");
    follow(schemas, follow(schemas, jt, "spec", "io.k8s.api.batch.v1.JobSpec"), "template",
        "io.k8s.api.core.v1.PodTemplateSpec");
    ck_assert_ptr_null(json_object_object_get(schemas, "io.k8s.api.apps.v1.DeploymentSpec"));
    json_object_put(doc);

    /* One message serves two kinds, each under its own name. */
    doc = fetch("/openapi/v3/apis/rbac.authorization.k8s.io/v1");
    schemas = schemas_of(doc);
    struct json_object *crb = kind_schema(schemas, "rbac.authorization.k8s.io", "ClusterRoleBinding", &name);
    ck_assert_str_eq(name, "io.k8s.api.rbac.v1.ClusterRoleBinding");
    ck_assert(required(crb, "roleRef"));
    follow(schemas, crb, "roleRef", "io.k8s.api.rbac.v1.RoleRef");
    kind_schema(schemas, "rbac.authorization.k8s.io", "RoleBinding", &name);
    ck_assert_str_eq(name, "io.k8s.api.rbac.v1.RoleBinding");
    json_object_put(doc);

    /* A kind without a table keeps an outline, its metadata still ObjectMeta. */
    doc = fetch("/openapi/v3/apis/storage.k8s.io/v1");
    schemas = schemas_of(doc);
    struct json_object *sc = kind_schema(schemas, "storage.k8s.io", "StorageClass", &name);
    ck_assert_str_eq(name, "io.k8s.api.storage.v1.StorageClass");
    ck_assert_str_eq(ref_of(prop(sc, "metadata")), META "ObjectMeta");
    json_object_put(doc);
}
END_TEST

/* CPU time, not wall time: the machines running the suites are often busy with other work. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The reply body of an in-process GET (served on this thread), and the CPU time it took. */
static char *handle(const char *target, double *ms)
{
    k8sc_apiserver_response *resp = NULL;
    double t0 = cpu_ms();
    ck_assert_int_eq(k8sc_apiserver_handle(&resp, api.srv, "GET", target, NULL, "application/json", NULL, 0), 0);
    *ms = cpu_ms() - t0;
    ck_assert_int_eq(k8sc_apiserver_response_status(resp), 200);
    size_t len = 0;
    char *body = strdup(k8sc_apiserver_response_body(resp, &len));
    k8sc_apiserver_response_free(resp);
    return body;
}

START_TEST(test_cached)
{
    /* Each test runs in its own process: the first request builds api/v1's schemas. */
    double first = 0, again = 0;
    char *a = handle("/openapi/v3/api/v1", &first);
    char *b = handle("/openapi/v3/api/v1", &again);
    ck_assert_str_eq(a, b);
    fprintf(stderr, "openapi/v3/api/v1: %.1f ms built, %.1f ms cached, %zu bytes\n", first, again, strlen(a));
    /* Well under 20 ms in a Debug build; generous for sanitizer builds. */
    ck_assert_msg(first < 200, "building took %.1f ms", first);
    ck_assert_msg(again < 100, "serving took %.1f ms", again);
    free(a);
    free(b);
}
END_TEST

static void *fetch_apps(void *arg)
{
    k8sc_apiserver_response *resp = NULL;
    char **out = arg;
    if (k8sc_apiserver_handle(&resp, api.srv, "GET", "/openapi/v3/apis/apps/v1", NULL, NULL, NULL, 0) == 0 &&
        k8sc_apiserver_response_status(resp) == 200) {
        size_t len = 0;
        *out = strdup(k8sc_apiserver_response_body(resp, &len));
    }
    k8sc_apiserver_response_free(resp);
    return NULL;
}

START_TEST(test_concurrent_first_use)
{
    /* Requests racing to build a group/version's schemas all get the same document. */
    pthread_t t[4];
    char *bodies[4] = { NULL };
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, fetch_apps, &bodies[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++) {
        ck_assert_ptr_nonnull(bodies[i]);
        ck_assert_str_eq(bodies[i], bodies[0]);
        ck_assert_ptr_nonnull(strstr(bodies[i], "\"io.k8s.api.apps.v1.DeploymentSpec\""));
    }
    for (int i = 0; i < 4; i++)
        free(bodies[i]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("openapi");
    TCase *tc = tcase_create("documents");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_pod_nested);
    tcase_add_test(tc, test_apps_nested);
    tcase_add_test(tc, test_every_document);
    tcase_add_test(tc, test_groups_apart);
    tcase_add_test(tc, test_cached);
    tcase_add_test(tc, test_concurrent_first_use);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
