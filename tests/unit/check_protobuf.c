/*
 * Protobuf request bodies: real captures of what kubectl 1.32 sends
 * (tests/data/protobuf/, one .pb file per command) and hand-encoded messages, decoded into the
 * JSON the JSON path would carry; malformed bodies fail with the offset.
 */
#include "testutil.h"

#include <k8sc/codec.h>
#include <k8sc/core.h>

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a tiny protobuf writer ---------------------------------------------- */

typedef struct {
    uint8_t b[4096];
    size_t n;
} pb;

static void put_varint(pb *w, uint64_t v)
{
    do {
        ck_assert_uint_lt(w->n, sizeof(w->b));
        uint8_t c = v & 0x7f;
        v >>= 7;
        w->b[w->n++] = (uint8_t)(c | (v ? 0x80 : 0));
    } while (v);
}

static void put_bytes(pb *w, uint32_t field, const void *data, size_t len)
{
    put_varint(w, (uint64_t)field << 3 | 2);
    put_varint(w, len);
    ck_assert_uint_le(w->n + len, sizeof(w->b));
    memcpy(w->b + w->n, data, len);
    w->n += len;
}

static void put_str(pb *w, uint32_t field, const char *s)
{
    put_bytes(w, field, s, strlen(s));
}

static void put_int(pb *w, uint32_t field, uint64_t v)
{
    put_varint(w, (uint64_t)field << 3);
    put_varint(w, v);
}

static void put_msg(pb *w, uint32_t field, const pb *m)
{
    put_bytes(w, field, m->b, m->n);
}

/* A map entry {1 key, 2 value} as field `field`. */
static void put_entry(pb *w, uint32_t field, const char *key, const void *val, size_t len)
{
    pb e = { .n = 0 };
    put_str(&e, 1, key);
    put_bytes(&e, 2, val, len);
    put_msg(w, field, &e);
}

/* The "k8s\0" + runtime.Unknown envelope around `raw`. */
static void envelope(pb *out, const char *api_version, const char *kind, const pb *raw)
{
    pb tm = { .n = 0 };
    memcpy(out->b, "k8s", 4);
    out->n = 4;
    put_str(&tm, 1, api_version);
    put_str(&tm, 2, kind);
    put_msg(out, 1, &tm);
    put_msg(out, 2, raw);
    put_str(out, 3, "");
    put_str(out, 4, "");
}

static void assert_json(struct json_object *got, const char *want)
{
    struct json_object *w = json_tokener_parse(want);
    ck_assert_msg(w != NULL, "bad expectation %s", want);
    const char *g = json_object_to_json_string_ext(got, JSON_C_TO_STRING_PLAIN);
    ck_assert_msg(json_object_equal(got, w), "got %s\nwant %s", g, want);
    json_object_put(w);
}

static void decode_ok(const pb *body, const char *want)
{
    struct json_object *out = NULL;
    int rc = k8sc_protobuf_decode(&out, body->b, body->n);
    ck_assert_msg(rc == 0, "rc %d: %s", rc, k8sc_error_last());
    assert_json(out, want);
    json_object_put(out);
}

static void decode_err(const pb *body, int code, const char *msg_part)
{
    struct json_object *out = NULL;
    int rc = k8sc_protobuf_decode(&out, body->b, body->n);
    ck_assert_int_eq(rc, code);
    ck_assert_ptr_null(out);
    ck_assert_msg(strstr(k8sc_error_last(), msg_part), "message [%s] lacks [%s]", k8sc_error_last(), msg_part);
}

/* ---- captures from kubectl 1.32 ------------------------------------------ */

static const struct {
    const char *file, *command, *json;
} captures[] = {
    { "configmap.pb", "create configmap cm1 --from-literal=a=b --from-literal=c=d",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm1\",\"creationTimestamp\":null},"
        "\"data\":{\"a\":\"b\",\"c\":\"d\"}}" },
    { "secret-generic.pb", "create secret generic s1 --from-literal=user=admin --from-literal=pw=s3cr3t",
        "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s1\",\"creationTimestamp\":null},"
        "\"data\":{\"pw\":\"czNjcjN0\",\"user\":\"YWRtaW4=\"}}" },
    { "secret-docker-registry.pb", "create secret docker-registry dr1 --docker-username=u ...",
        "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"dr1\",\"creationTimestamp\":null},"
        "\"data\":{\".dockerconfigjson\":\"eyJhdXRocyI6eyJyLmlvIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImF1dGgiOiJk"
        "VHB3In19fQ==\"},\"type\":\"kubernetes.io/dockerconfigjson\"}" },
    { "namespace.pb", "create namespace ns1",
        "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"ns1\",\"creationTimestamp\":null},"
        "\"spec\":{},\"status\":{}}" },
    { "deployment.pb", "create deployment web --image=nginx --replicas=2 --port=80",
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"creationTimestamp\":null,"
        "\"labels\":{\"app\":\"web\"}},\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
        "\"template\":{\"metadata\":{\"creationTimestamp\":null,\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":"
        "[{\"name\":\"nginx\",\"image\":\"nginx\",\"ports\":[{\"containerPort\":80}],\"resources\":{}}]}},"
        "\"strategy\":{}},\"status\":{}}" },
    { "job.pb", "create job j1 --image=busybox -- echo hi",
        "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"j1\",\"creationTimestamp\":null},"
        "\"spec\":{\"template\":{\"metadata\":{\"creationTimestamp\":null},\"spec\":{\"containers\":[{\"name\":\"j1\","
        "\"image\":\"busybox\",\"command\":[\"echo\",\"hi\"],\"resources\":{}}],\"restartPolicy\":\"Never\"}}},"
        "\"status\":{}}" },
    { "cronjob.pb", "create cronjob cj1 --image=busybox --schedule='*/5 * * * *' -- date",
        "{\"apiVersion\":\"batch/v1\",\"kind\":\"CronJob\",\"metadata\":{\"name\":\"cj1\",\"creationTimestamp\":null},"
        "\"spec\":{\"schedule\":\"*/5 * * * *\",\"jobTemplate\":{\"metadata\":{\"name\":\"cj1\",\"creationTimestamp\":"
        "null},\"spec\":{\"template\":{\"metadata\":{\"creationTimestamp\":null},\"spec\":{\"containers\":[{\"name\":"
        "\"cj1\",\"image\":\"busybox\",\"command\":[\"date\"],\"resources\":{}}],\"restartPolicy\":\"OnFailure\"}}}}},"
        "\"status\":{}}" },
    { "service-clusterip.pb", "create service clusterip svc1 --tcp=80:8080 --tcp=443:https",
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"svc1\",\"creationTimestamp\":null,"
        "\"labels\":{\"app\":\"svc1\"}},\"spec\":{\"ports\":[{\"name\":\"80-8080\",\"protocol\":\"TCP\",\"port\":80,"
        "\"targetPort\":8080},{\"name\":\"443-https\",\"protocol\":\"TCP\",\"port\":443,\"targetPort\":\"https\"}],"
        "\"selector\":{\"app\":\"svc1\"},\"type\":\"ClusterIP\"},\"status\":{\"loadBalancer\":{}}}" },
    { "service-nodeport.pb", "create service nodeport np1 --tcp=80:8080 --node-port=30080",
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"np1\",\"creationTimestamp\":null,"
        "\"labels\":{\"app\":\"np1\"}},\"spec\":{\"ports\":[{\"name\":\"80-8080\",\"protocol\":\"TCP\",\"port\":80,"
        "\"targetPort\":8080,\"nodePort\":30080}],\"selector\":{\"app\":\"np1\"},\"type\":\"NodePort\"},"
        "\"status\":{\"loadBalancer\":{}}}" },
    { "serviceaccount.pb", "create serviceaccount sa1",
        "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"sa1\",\"creationTimestamp\":null}}" },
    { "quota.pb", "create quota q1 --hard=cpu=1,memory=1Gi,pods=10",
        "{\"apiVersion\":\"v1\",\"kind\":\"ResourceQuota\",\"metadata\":{\"name\":\"q1\",\"creationTimestamp\":null},"
        "\"spec\":{\"hard\":{\"cpu\":\"1\",\"memory\":\"1Gi\",\"pods\":\"10\"}},\"status\":{}}" },
    { "tokenrequest.pb", "create token sa1 --duration=1h",
        "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"metadata\":{\"creationTimestamp\":"
        "null},\"spec\":{\"expirationSeconds\":3600},\"status\":{\"token\":\"\",\"expirationTimestamp\":null}}" },
    { "selfsubjectaccessreview.pb", "auth can-i get pods",
        "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\",\"metadata\":"
        "{\"creationTimestamp\":null},\"spec\":{\"resourceAttributes\":{\"namespace\":\"default\",\"verb\":\"get\","
        "\"resource\":\"pods\"}},\"status\":{\"allowed\":false}}" },
    { "selfsubjectaccessreview-subresource.pb", "auth can-i create deployments.apps --subresource=scale -n kube-system",
        "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\",\"metadata\":"
        "{\"creationTimestamp\":null},\"spec\":{\"resourceAttributes\":{\"namespace\":\"kube-system\",\"verb\":"
        "\"create\",\"group\":\"apps\",\"resource\":\"deployments\",\"subresource\":\"scale\"}},"
        "\"status\":{\"allowed\":false}}" },
    { "priorityclass.pb", "create priorityclass pc1 --value=1000 --description=hi",
        "{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\",\"metadata\":{\"name\":\"pc1\","
        "\"creationTimestamp\":null},\"value\":1000,\"description\":\"hi\",\"preemptionPolicy\":"
        "\"PreemptLowerPriority\"}" },
    { "role.pb", "create role r1 --verb=get --resource=pods",
        "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\",\"metadata\":{\"name\":\"r1\","
        "\"creationTimestamp\":null},\"rules\":[{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}]}" },
    { "rolebinding.pb", "create rolebinding rb1 --role=r1 --user=bob",
        "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"rb1\","
        "\"creationTimestamp\":null},\"subjects\":[{\"kind\":\"User\",\"apiGroup\":\"rbac.authorization.k8s.io\","
        "\"name\":\"bob\"}],\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"r1\"}}" },
    { "clusterrole.pb", "create clusterrole cr1 --verb=get --resource=nodes",
        "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"cr1\","
        "\"creationTimestamp\":null},\"rules\":[{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":[\"nodes\"]}]}" },
    { "clusterrolebinding.pb", "create clusterrolebinding crb1 --clusterrole=cr1 --user=bob",
        "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRoleBinding\",\"metadata\":{\"name\":"
        "\"crb1\",\"creationTimestamp\":null},\"subjects\":[{\"kind\":\"User\",\"apiGroup\":"
        "\"rbac.authorization.k8s.io\",\"name\":\"bob\"}],\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
        "\"kind\":\"ClusterRole\",\"name\":\"cr1\"}}" },
    { "poddisruptionbudget.pb", "create poddisruptionbudget pdb1 --selector=app=web --min-available=1",
        "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":\"pdb1\","
        "\"creationTimestamp\":null},\"spec\":{\"minAvailable\":1,\"selector\":{\"matchLabels\":{\"app\":\"web\"}}}}" },
    { "ingress.pb", "create ingress ing1 --rule=foo.com/bar=svc1:80",
        "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"Ingress\",\"metadata\":{\"name\":\"ing1\","
        "\"creationTimestamp\":null},\"spec\":{\"rules\":[{\"host\":\"foo.com\",\"http\":{\"paths\":[{\"path\":"
        "\"/bar\",\"pathType\":\"Exact\",\"backend\":{\"service\":{\"name\":\"svc1\",\"port\":{\"number\":80}}}}]}}]}}" },
    { "hpa.pb", "autoscale deployment web --min=2 --max=5 --cpu-percent=80",
        "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"HorizontalPodAutoscaler\",\"metadata\":{\"name\":\"web\","
        "\"creationTimestamp\":null},\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\","
        "\"apiVersion\":\"apps/v1\"},\"minReplicas\":2,\"maxReplicas\":5,\"targetCPUUtilizationPercentage\":80},"
        "\"status\":{\"currentReplicas\":0,\"desiredReplicas\":0}}" },
};

START_TEST(test_kubectl_captures)
{
    char path[128];
    snprintf(path, sizeof(path), "protobuf/%s", captures[_i].file);
    size_t len = 0;
    char *body = k8sc_test_read_data(path, &len);
    struct json_object *out = NULL;
    int rc = k8sc_protobuf_decode(&out, body, len);
    ck_assert_msg(rc == 0, "kubectl %s: rc %d: %s", captures[_i].command, rc, k8sc_error_last());
    assert_json(out, captures[_i].json);
    json_object_put(out);
    free(body);
}
END_TEST

/*
 * `kubectl create job rich-manual --from=cronjob/rich` (the CronJob is
 * job-from-cronjob.cronjob.yaml): kubectl re-encodes the whole pod template
 * it read as JSON, so nearly every PodSpec and Container field goes through
 * protobuf; the decoded Job carries the template the CronJob holds.
 */
START_TEST(test_job_from_cronjob)
{
    size_t len = 0, jlen = 0;
    char *body = k8sc_test_read_data("protobuf/job-from-cronjob.pb", &len);
    char *want = k8sc_test_read_data("protobuf/job-from-cronjob.json", &jlen);
    struct json_object *out = NULL;
    int rc = k8sc_protobuf_decode(&out, body, len);
    ck_assert_msg(rc == 0, "rc %d: %s", rc, k8sc_error_last());
    assert_json(out, want);
    json_object_put(out);
    free(body);
    free(want);
}
END_TEST

/* `kubectl certificate approve csr1`: a PUT of the whole CSR; the request is bytes (base64 in JSON). */
START_TEST(test_csr_approve)
{
    size_t len = 0;
    char *body = k8sc_test_read_data("protobuf/csr-approve.pb", &len);
    struct json_object *out = NULL, *v = NULL, *spec = NULL, *status = NULL, *cond = NULL;
    int rc = k8sc_protobuf_decode(&out, body, len);
    ck_assert_msg(rc == 0, "rc %d: %s", rc, k8sc_error_last());
    ck_assert(json_object_object_get_ex(out, "spec", &spec));
    ck_assert(json_object_object_get_ex(spec, "request", &v));
    ck_assert(strncmp(json_object_get_string(v), "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K", 48) == 0);
    ck_assert_uint_eq(strlen(json_object_get_string(v)), 1172);
    json_object_object_del(spec, "request");
    assert_json(spec, "{\"usages\":[\"client auth\"],\"signerName\":\"example.com/signer\",\"expirationSeconds\":86400}");
    ck_assert(json_object_object_get_ex(out, "status", &status));
    ck_assert(json_object_object_get_ex(status, "conditions", &v));
    cond = json_object_array_get_idx(v, 0);
    assert_json(cond, "{\"type\":\"Approved\",\"status\":\"True\",\"reason\":\"KubectlApprove\",\"message\":"
        "\"This CSR was approved by kubectl certificate approve.\",\"lastUpdateTime\":\"2026-11-25T20:04:13Z\","
        "\"lastTransitionTime\":null}");
    ck_assert(json_object_object_get_ex(out, "metadata", &v));
    assert_json(v, "{\"name\":\"csr1\",\"uid\":\"5c8c248c-f66d-4811-ba1b-0fa696c4131e\",\"resourceVersion\":\"11\","
        "\"creationTimestamp\":\"2026-11-25T20:04:13Z\"}");
    json_object_put(out);
    free(body);
}
END_TEST

/* ---- hand-encoded messages ------------------------------------------------ */

/* A pod with the container features kubectl run / manifests use. */
START_TEST(test_pod_spec)
{
    pb md = { .n = 0 }, ts = { .n = 0 }, spec = { .n = 0 }, c = { .n = 0 }, env = { .n = 0 }, src = { .n = 0 },
       sel = { .n = 0 }, lor = { .n = 0 }, res = { .n = 0 }, q = { .n = 0 }, probe = { .n = 0 }, http = { .n = 0 },
       ios = { .n = 0 }, vm = { .n = 0 }, vol = { .n = 0 }, vs = { .n = 0 }, cm = { .n = 0 }, psc = { .n = 0 },
       packed = { .n = 0 }, pod = { .n = 0 }, body = { .n = 0 };
    put_str(&md, 1, "web-0");
    put_str(&md, 3, "default");
    put_int(&ts, 1, 1704164645); /* 2024-01-02T03:04:05Z */
    put_int(&ts, 2, 500);
    put_msg(&md, 9, &ts);
    put_int(&md, 10, 30);
    put_str(&md, 14, "example.com/finalizer");

    put_str(&c, 1, "app");
    put_str(&c, 2, "nginx:1.27");
    put_str(&lor, 1, "creds");
    put_msg(&sel, 1, &lor);
    put_str(&sel, 2, "password");
    put_msg(&src, 4, &sel);
    put_str(&env, 1, "PASSWORD");
    put_msg(&env, 3, &src);
    put_msg(&c, 7, &env);
    put_str(&q, 1, "500m");
    put_entry(&res, 1, "cpu", q.b, q.n);
    put_msg(&c, 8, &res);
    put_int(&ios, 1, 1);
    put_str(&ios, 3, "http");
    put_str(&http, 1, "/healthz");
    put_msg(&http, 2, &ios);
    pb handler = { .n = 0 };
    put_msg(&handler, 2, &http);
    put_msg(&probe, 1, &handler);
    put_int(&probe, 2, 5);
    put_int(&probe, 3, 0); /* zero, not a pointer: left out */
    put_msg(&c, 11, &probe);
    put_str(&vm, 1, "config");
    put_str(&vm, 3, "/etc/app");
    put_int(&vm, 2, 1);
    put_msg(&c, 9, &vm);
    put_msg(&spec, 2, &c);

    pb cmref = { .n = 0 };
    put_str(&cmref, 1, "app-config");
    put_msg(&cm, 1, &cmref); /* the embedded LocalObjectReference */
    put_int(&cm, 3, 0644);
    put_msg(&vs, 19, &cm);
    put_str(&vol, 1, "config");
    put_msg(&vol, 2, &vs);
    put_msg(&spec, 1, &vol);
    put_int(&spec, 25, (uint64_t)(int64_t)-5); /* negative int32: a 10-byte varint */
    put_int(&psc, 4, 1000);                   /* supplementalGroups, unpacked */
    put_varint(&packed, 2000);
    put_varint(&packed, 3000);
    put_bytes(&psc, 4, packed.b, packed.n); /* and packed */
    put_int(&psc, 2, 0);                    /* runAsUser: 0 is a pointer, kept */
    put_msg(&spec, 14, &psc);
    put_str(&spec, 3, "Always");
    put_entry(&spec, 7, "disk", "ssd", 3);

    put_msg(&pod, 1, &md);
    put_msg(&pod, 2, &spec);
    envelope(&body, "v1", "Pod", &pod);
    decode_ok(&body,
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-0\",\"namespace\":\"default\","
        "\"deletionTimestamp\":\"2024-01-02T03:04:05Z\",\"deletionGracePeriodSeconds\":30,\"finalizers\":"
        "[\"example.com/finalizer\"]},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1.27\","
        "\"env\":[{\"name\":\"PASSWORD\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"creds\",\"key\":\"password\"}}}],"
        "\"resources\":{\"limits\":{\"cpu\":\"500m\"}},\"readinessProbe\":{\"httpGet\":{\"path\":\"/healthz\","
        "\"port\":\"http\"},\"initialDelaySeconds\":5},\"volumeMounts\":[{\"name\":\"config\",\"mountPath\":"
        "\"/etc/app\",\"readOnly\":true}]}],\"volumes\":[{\"name\":\"config\",\"configMap\":{\"name\":"
        "\"app-config\",\"defaultMode\":420}}],\"priority\":-5,\"securityContext\":{\"supplementalGroups\":"
        "[1000,2000,3000],\"runAsUser\":0},\"restartPolicy\":\"Always\",\"nodeSelector\":{\"disk\":\"ssd\"}}}");
}
END_TEST

/* Pointer fields keep their zero (replicas: 0 scales to zero); value fields drop it, as omitempty does. */
START_TEST(test_pointer_zero)
{
    pb spec = { .n = 0 }, dep = { .n = 0 }, body = { .n = 0 }, ru = { .n = 0 }, st = { .n = 0 }, ios = { .n = 0 };
    put_int(&spec, 1, 0);
    put_int(&spec, 5, 0);
    put_int(&spec, 7, 0);
    put_int(&ios, 1, 1);
    put_str(&ios, 3, "25%");
    put_msg(&ru, 2, &ios);
    put_str(&st, 1, "RollingUpdate");
    put_msg(&st, 2, &ru);
    put_msg(&spec, 4, &st);
    put_msg(&dep, 2, &spec);
    envelope(&body, "apps/v1", "Deployment", &dep);
    decode_ok(&body, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"spec\":{\"replicas\":0,"
        "\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":\"25%\"}}}}");
}
END_TEST

/* Fields our tables do not know, of every wire type, are skipped; a message given twice merges. */
START_TEST(test_unknown_fields_and_merge)
{
    pb md1 = { .n = 0 }, md2 = { .n = 0 }, cm = { .n = 0 }, body = { .n = 0 };
    put_str(&md1, 1, "cm1");
    put_entry(&md2, 11, "app", "web", 3);
    put_msg(&cm, 1, &md1);
    put_int(&cm, 90, 7);
    put_varint(&cm, 91 << 3 | 1); /* fixed64 */
    memcpy(cm.b + cm.n, "12345678", 8);
    cm.n += 8;
    put_varint(&cm, 92 << 3 | 5); /* fixed32 */
    memcpy(cm.b + cm.n, "1234", 4);
    cm.n += 4;
    put_str(&cm, 93, "future");
    put_msg(&cm, 1, &md2);
    put_entry(&cm, 3, "bin", "\x00\xff\x10", 3);
    put_int(&cm, 4, 1);
    envelope(&body, "v1", "ConfigMap", &cm);
    decode_ok(&body, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm1\","
        "\"labels\":{\"app\":\"web\"}},\"binaryData\":{\"bin\":\"AP8Q\"},\"immutable\":true}");
}
END_TEST

START_TEST(test_microtime_rawjson_stringmap)
{
    pb spec = { .n = 0 }, t = { .n = 0 }, lease = { .n = 0 }, body = { .n = 0 };
    put_int(&t, 1, 1704164645);
    put_int(&t, 2, 123456789);
    put_msg(&spec, 3, &t);
    put_str(&spec, 1, "node-a");
    put_msg(&lease, 2, &spec);
    envelope(&body, "coordination.k8s.io/v1", "Lease", &lease);
    decode_ok(&body, "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"spec\":{\"acquireTime\":"
        "\"2024-01-02T03:04:05.123456Z\",\"holderIdentity\":\"node-a\"}}");

    pb raw = { .n = 0 }, cr = { .n = 0 };
    put_str(&raw, 1, "{\"spec\":{\"replicas\":3}}");
    put_msg(&cr, 2, &raw);
    put_int(&cr, 3, 4);
    envelope(&body, "apps/v1", "ControllerRevision", &cr);
    decode_ok(&body, "{\"apiVersion\":\"apps/v1\",\"kind\":\"ControllerRevision\",\"data\":{\"spec\":"
        "{\"replicas\":3}},\"revision\":4}");

    pb arr = { .n = 0 }, sar = { .n = 0 }, sspec = { .n = 0 };
    put_str(&arr, 1, "a");
    put_str(&arr, 1, "b");
    put_entry(&sspec, 5, "scopes", arr.b, arr.n);
    put_str(&sspec, 3, "bob");
    put_str(&sspec, 4, "devs");
    put_msg(&sar, 2, &sspec);
    envelope(&body, "authorization.k8s.io/v1", "SubjectAccessReview", &sar);
    decode_ok(&body, "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":"
        "{\"extra\":{\"scopes\":[\"a\",\"b\"]},\"user\":\"bob\",\"groups\":[\"devs\"]}}");

    pb del = { .n = 0 }, ev = { .n = 0 }, md = { .n = 0 };
    put_str(&md, 1, "web-0");
    put_int(&del, 1, 0);
    put_msg(&ev, 1, &md);
    put_msg(&ev, 2, &del);
    envelope(&body, "policy/v1", "Eviction", &ev);
    decode_ok(&body, "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"web-0\"},"
        "\"deleteOptions\":{\"gracePeriodSeconds\":0}}");
}
END_TEST

START_TEST(test_known)
{
    ck_assert(k8sc_protobuf_known("v1", "ConfigMap"));
    ck_assert(k8sc_protobuf_known("apps/v1", "Deployment"));
    ck_assert(k8sc_protobuf_known("authorization.k8s.io/v1", "SelfSubjectAccessReview"));
    ck_assert(!k8sc_protobuf_known("apps/v1", "ConfigMap"));
    ck_assert(!k8sc_protobuf_known("example.com/v1", "Widget"));
    ck_assert(!k8sc_protobuf_known(NULL, "ConfigMap"));
    ck_assert(!k8sc_protobuf_known("v1", NULL));
}
END_TEST

/* ---- malformed input -------------------------------------------------------- */

START_TEST(test_errors)
{
    pb body = { .n = 0 }, raw = { .n = 0 }, md = { .n = 0 };
    struct json_object *out = NULL;

    ck_assert_int_eq(k8sc_protobuf_decode(NULL, "k8s", 4), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_protobuf_decode(&out, NULL, 4), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_protobuf_decode(&out, "{\"kind\":1}", 10), K8SC_EINVAL);
    ck_assert_ptr_null(out);

    envelope(&body, "example.com/v1", "Widget", &raw);
    decode_err(&body, K8SC_ENOTFOUND, "no schema for example.com/v1, Kind=Widget");

    envelope(&body, "v1", "", &raw);
    decode_err(&body, K8SC_EINVAL, "names no kind");

    envelope(&body, "v1", "ConfigMap", &raw);
    body.n -= 4;
    put_str(&body, 3, "gzip");
    decode_err(&body, K8SC_EINVAL, "unsupported contentEncoding");

    /* The raw message starts at byte 4 + 2 + 15 + 2 = 23 (typeMeta "v1"/"ConfigMap" is 15 bytes). */
    raw.n = 0;
    raw.b[raw.n++] = 0x80; /* a varint cut short */
    envelope(&body, "v1", "ConfigMap", &raw);
    decode_err(&body, K8SC_EINVAL, "truncated varint at byte 24");

    raw.n = 0;
    put_int(&raw, 1, 5); /* metadata as a varint */
    envelope(&body, "v1", "ConfigMap", &raw);
    decode_err(&body, K8SC_EINVAL, "field 1 of ConfigMap has wire type 0, expected 2 at byte 23");

    raw.n = 0;
    md.n = 0;
    put_str(&md, 1, "ok");
    put_varint(&md, 1 << 3 | 2);
    put_varint(&md, 100); /* longer than what is left */
    put_msg(&raw, 1, &md);
    envelope(&body, "v1", "ConfigMap", &raw);
    decode_err(&body, K8SC_EINVAL, "length runs past the end of the message at byte 31");

    raw.n = 0;
    md.n = 0;
    put_bytes(&md, 1, "a\xff", 2);
    put_msg(&raw, 1, &md);
    envelope(&body, "v1", "ConfigMap", &raw);
    decode_err(&body, K8SC_EINVAL, "invalid UTF-8 in a string at byte 28");

    raw.n = 0;
    put_varint(&raw, 50 << 3 | 3); /* a group */
    envelope(&body, "v1", "ConfigMap", &raw);
    decode_err(&body, K8SC_EINVAL, "unsupported wire type");

    raw.n = 0;
    put_varint(&raw, 0); /* field number 0 */
    envelope(&body, "v1", "ConfigMap", &raw);
    decode_err(&body, K8SC_EINVAL, "invalid field number at byte 23");

    raw.n = 0;
    put_varint(&raw, 4 << 3);
    for (int i = 0; i < 10; i++)
        raw.b[raw.n++] = 0xff;
    raw.b[raw.n++] = 0x01;
    envelope(&body, "v1", "ConfigMap", &raw);
    decode_err(&body, K8SC_EINVAL, "varint longer than 10 bytes");

    pb t = { .n = 0 };
    raw.n = 0;
    md.n = 0;
    put_int(&t, 1, (uint64_t)INT64_MAX);
    put_msg(&md, 9, &t);
    put_msg(&raw, 1, &md);
    envelope(&body, "v1", "ConfigMap", &raw);
    decode_err(&body, K8SC_EINVAL, "time out of range");

    raw.n = 0;
    pb rawext = { .n = 0 };
    put_str(&rawext, 1, "{not json");
    put_msg(&raw, 2, &rawext);
    envelope(&body, "apps/v1", "ControllerRevision", &raw);
    decode_err(&body, K8SC_EINVAL, "embedded JSON at byte");

    raw.n = 0;
    put_int(&raw, 2, 1); /* a map entry as a varint */
    envelope(&body, "v1", "ConfigMap", &raw);
    decode_err(&body, K8SC_EINVAL, "field 2 of ConfigMap has wire type 0");
}
END_TEST

static Suite *protobuf_suite(void)
{
    Suite *s = suite_create("protobuf");
    TCase *tc = tcase_create("captures");
    tcase_add_loop_test(tc, test_kubectl_captures, 0, (int)(sizeof(captures) / sizeof(captures[0])));
    suite_add_tcase(s, tc);
    k8sc_test_add(s, "job_from_cronjob", test_job_from_cronjob);
    k8sc_test_add(s, "csr_approve", test_csr_approve);
    k8sc_test_add(s, "pod_spec", test_pod_spec);
    k8sc_test_add(s, "pointer_zero", test_pointer_zero);
    k8sc_test_add(s, "unknown_fields_and_merge", test_unknown_fields_and_merge);
    k8sc_test_add(s, "microtime_rawjson_stringmap", test_microtime_rawjson_stringmap);
    k8sc_test_add(s, "known", test_known);
    k8sc_test_add(s, "errors", test_errors);
    return s;
}

int main(void)
{
    return k8sc_test_main(protobuf_suite());
}
