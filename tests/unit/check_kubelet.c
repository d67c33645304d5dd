/*
 * The kubelet with the fake runtime and a fake clock: node registration
 * and heartbeats, the pod state machine (restarts and back-off, init
 * containers, phases), env and volumes, image pull policy, admission,
 * graceful deletion, re-attaching after a restart, orphan clean-up.
 */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctltest.h"
#include "k8sc/kubelet.h"
#include "k8sc/runtime.h"
#include "kubelet/kubelet_internal.h"
#include "testutil.h"

typedef struct kt {
    ctltest t;
    k8sc_runtime *rt;
    k8sc_kubelet *k;
    char dir[64];
} kt;

static k8sc_kubelet *kubelet_new(kt *x)
{
    k8sc_kubelet_options o = K8SC_KUBELET_OPTIONS_INIT;
    o.node_name = "node-1";
    o.runtime = x->rt;
    o.clock = x->t.clock;
    o.data_dir = x->dir;
    o.port = -1;
    o.node_labels = "zone=a,tier=gold";
    o.register_with_taints = "dedicated=infra:NoSchedule";
    o.capacity = "cpu=4,memory=8Gi,pods=110";
    k8sc_kubelet *k = NULL;
    ck_assert_msg(k8sc_kubelet_new(&k, x->t.client, &o) == 0, "%s", k8sc_error_last());
    return k;
}

static void kt_setup(kt *x)
{
    ct_setup(&x->t);
    x->t.kubelet = false;
    snprintf(x->dir, sizeof(x->dir), "/tmp/k8sc-kubelet-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(x->dir));
    k8sc_runtime_options ro = K8SC_RUNTIME_OPTIONS_INIT;
    ro.clock = x->t.clock;
    ck_assert_int_eq(k8sc_runtime_open(&x->rt, "fake", &ro), 0);
    x->k = kubelet_new(x);
}

static void kt_teardown(kt *x)
{
    k8sc_kubelet_free(x->k);
    k8sc_runtime_close(x->rt);
    ct_teardown(&x->t);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", x->dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* A few rounds of the kubelet (and the harness' informers). */
static void kstep(kt *x, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        ct_step(&x->t);
        ck_assert_int_ge(k8sc_kubelet_process(x->k), 0);
    }
}

static void advance(kt *x, int64_t seconds)
{
    k8sc_clock_fake_advance(x->t.clock, seconds * CT_SEC);
    kstep(x, 4);
}

static void pod(kt *x, const char *name, const char *restart, const char *image, const char *extra)
{
    /* An `extra` that brings its own containers replaces the default one. */
    bool own = extra && strncmp(extra, ",\"containers\"", 13) == 0;
    char json[16384];
    snprintf(json, sizeof(json),
             "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\"},"
             "\"spec\":{\"nodeName\":\"node-1\",\"restartPolicy\":\"%s\",\"terminationGracePeriodSeconds\":5"
             "%s%s%s%s}}",
             name, restart, own ? "" : ",\"containers\":[{\"name\":\"app\",\"image\":\"", own ? "" : image,
             own ? "" : "\"}]", extra ? extra : "");
    ct_create(&x->t, json);
}

static const char *pod_str(kt *x, const char *name, const char *path, char *buf, size_t size)
{
    k8sc_object *p = ct_get(&x->t, K8SC_POD, name);
    const char *v = k8sc_object_get_string(p, path);
    snprintf(buf, size, "%s", v ? v : "");
    k8sc_object_free(p);
    return buf;
}

START_TEST(t_registers_node_and_renews_lease)
{
    kt x;
    kt_setup(&x);
    kstep(&x, 3);
    k8sc_object *node = NULL;
    ck_assert_int_eq(k8sc_client_get(&node, x.t.client, K8SC_NODE, "", "node-1"), 0);
    ck_assert_str_eq(k8sc_object_get_string(node, "metadata.labels.kubernetes\\.io/hostname"), "node-1");
    ck_assert_str_eq(k8sc_object_get_string(node, "metadata.labels.zone"), "a");
    ck_assert_str_eq(k8sc_object_get_string(node, "spec.taints[0].key"), "dedicated");
    ck_assert_str_eq(k8sc_object_get_string(node, "spec.taints[0].effect"), "NoSchedule");
    ck_assert_str_eq(k8sc_object_get_string(node, "status.capacity.cpu"), "4");
    ck_assert_str_eq(k8sc_object_get_string(node, "status.allocatable.memory"), "8Gi");
    ck_assert_str_eq(k8sc_object_get_string(node, "status.capacity.pods"), "110");
    ck_assert_str_eq(k8sc_object_get_string(node, "status.conditions[3].type"), "Ready");
    ck_assert_str_eq(k8sc_object_get_string(node, "status.conditions[3].status"), "True");
    ck_assert_str_eq(k8sc_object_get_string(node, "status.conditions[3].reason"), "KubeletReady");
    ck_assert_str_eq(k8sc_object_get_string(node, "status.addresses[0].address"), "127.0.0.1");
    ck_assert_str_eq(k8sc_object_get_string(node, "status.nodeInfo.containerRuntimeVersion"), "fake://" K8SC_VERSION);
    ck_assert_str_eq(k8sc_object_get_string(node, "status.nodeInfo.operatingSystem"), "linux");
    k8sc_object_free(node);

    k8sc_object *lease = NULL;
    ck_assert_int_eq(k8sc_client_get(&lease, x.t.client, K8SC_LEASE, "kube-node-lease", "node-1"), 0);
    ck_assert_str_eq(k8sc_object_get_string(lease, "spec.holderIdentity"), "node-1");
    ck_assert_str_eq(k8sc_object_get_string(lease, "metadata.ownerReferences[0].kind"), "Node");
    char first[64];
    snprintf(first, sizeof(first), "%s", k8sc_object_get_string(lease, "spec.renewTime"));
    ck_assert_str_eq(first, "2023-11-14T22:13:20.000000Z");
    k8sc_object_free(lease);
    advance(&x, 10);
    ck_assert_int_eq(k8sc_client_get(&lease, x.t.client, K8SC_LEASE, "kube-node-lease", "node-1"), 0);
    ck_assert_str_eq(k8sc_object_get_string(lease, "spec.renewTime"), "2023-11-14T22:13:30.000000Z");
    k8sc_object_free(lease);
    kt_teardown(&x);
}
END_TEST

START_TEST(t_register_false_waits_for_admin)
{
    kt x;
    kt_setup(&x);
    k8sc_kubelet_free(x.k);
    k8sc_kubelet_options o = K8SC_KUBELET_OPTIONS_INIT;
    o.node_name = "node-1";
    o.runtime = x.rt;
    o.clock = x.t.clock;
    o.data_dir = x.dir;
    o.port = -1;
    o.register_node = false;
    ck_assert_int_eq(k8sc_kubelet_new(&x.k, x.t.client, &o), 0);
    kstep(&x, 3);
    k8sc_object *node = NULL;
    ck_assert_int_eq(k8sc_client_get(&node, x.t.client, K8SC_NODE, "", "node-1"), K8SC_ENOTFOUND);
    ct_create(&x.t, "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node-1\"}}");
    advance(&x, 2);
    ck_assert_int_eq(k8sc_client_get(&node, x.t.client, K8SC_NODE, "", "node-1"), 0);
    ck_assert_str_eq(k8sc_object_get_string(node, "status.conditions[3].status"), "True");
    k8sc_object_free(node);
    kt_teardown(&x);
}
END_TEST

START_TEST(t_bad_options)
{
    kt x;
    kt_setup(&x);
    k8sc_kubelet_options o = K8SC_KUBELET_OPTIONS_INIT;
    k8sc_kubelet *k = NULL;
    ck_assert_int_eq(k8sc_kubelet_new(&k, x.t.client, &o), K8SC_EINVAL);
    o.node_name = "n";
    o.runtime = x.rt;
    o.data_dir = x.dir;
    o.register_with_taints = "k=v:Sometimes";
    ck_assert_int_eq(k8sc_kubelet_new(&k, x.t.client, &o), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "Sometimes"));
    o.register_with_taints = NULL;
    o.capacity = "cpu=lots";
    ck_assert_int_eq(k8sc_kubelet_new(&k, x.t.client, &o), K8SC_EINVAL);
    o.capacity = NULL;
    o.node_labels = "novalue";
    ck_assert_int_eq(k8sc_kubelet_new(&k, x.t.client, &o), K8SC_EINVAL);
    ck_assert_ptr_null(k);
    kt_teardown(&x);
}
END_TEST

START_TEST(t_pod_runs_and_reports_status)
{
    kt x;
    kt_setup(&x);
    pod(&x, "web", "Always", "busybox:1.36", NULL);
    kstep(&x, 4);
    char buf[256];
    ck_assert_str_eq(pod_str(&x, "web", "status.phase", buf, sizeof(buf)), "Running");
    k8sc_object *p = ct_get(&x.t, K8SC_POD, "web");
    ck_assert_ptr_nonnull(k8sc_object_get(p, "status.containerStatuses[0].state.running.startedAt"));
    bool ready = false;
    ck_assert_int_eq(k8sc_object_get_bool(p, "status.containerStatuses[0].ready", &ready), 0);
    ck_assert(ready);
    ck_assert_str_eq(k8sc_object_get_string(p, "status.podIP"), "127.0.0.1");
    ck_assert_str_eq(k8sc_object_get_string(p, "status.hostIP"), "127.0.0.1");
    ck_assert_str_eq(k8sc_object_get_string(p, "status.startTime"), "2023-11-14T22:13:20Z");
    ck_assert_ptr_nonnull(strstr(k8sc_object_get_string(p, "status.containerStatuses[0].containerID"), "fake://"));
    /* Conditions in the kubelet's order, all True. */
    static const char *const types[] = { "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                                         "PodScheduled" };
    for (int i = 0; i < 5; i++) {
        char path[64];
        snprintf(path, sizeof(path), "status.conditions[%d].type", i);
        ck_assert_str_eq(k8sc_object_get_string(p, path), types[i]);
        snprintf(path, sizeof(path), "status.conditions[%d].status", i);
        ck_assert_str_eq(k8sc_object_get_string(p, path), "True");
    }
    k8sc_object_free(p);
    /* A condition another component owns survives the kubelet's status writes. */
    k8sc_object *cur = ct_get(&x.t, K8SC_POD, "web");
    json_object *st = NULL;
    json_object_deep_copy(k8sc_object_get(cur, "status"), &st, NULL);
    json_object *extra = json_object_new_object();
    json_object_object_add(extra, "type", json_object_new_string("DisruptionTarget"));
    json_object_object_add(extra, "status", json_object_new_string("True"));
    json_object_object_add(extra, "reason", json_object_new_string("DeletionByTaintManager"));
    json_object_array_add(json_object_object_get(st, "conditions"), extra);
    k8sc_object_set(cur, "status", st);
    ck_assert_int_eq(k8sc_client_update_status(NULL, x.t.client, cur), 0);
    k8sc_object_free(cur);
    advance(&x, 2);
    char dt[64];
    ck_assert_str_eq(pod_str(&x, "web", "status.conditions[5].reason", dt, sizeof(dt)), "DeletionByTaintManager");
    /* The runtime has one sandbox and one container, labelled for the pod. */
    k8sc_container_status **cs = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc_runtime_list_containers(x.rt, &cs, &n, NULL), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(k8sc_runtime_pair_get(cs[0]->labels, cs[0]->n_labels, K8SC_LABEL_CONTAINER_NAME), "app");
    ck_assert_ptr_nonnull(strstr(cs[0]->log_path, "/logs/default_web_"));
    ck_assert_ptr_nonnull(strstr(cs[0]->log_path, "/app/0.log"));
    k8sc_container_status_list_free(cs, n);
    /* Listing by label (the generic layer's filter: the fake backend has none of its own). */
    k8sc_sandbox_status **sb = NULL;
    const k8sc_runtime_pair mine = { K8SC_LABEL_POD_NAME, "web" }, other = { K8SC_LABEL_POD_NAME, "db" };
    ck_assert_int_eq(k8sc_runtime_list_sandboxes_labeled(x.rt, &sb, &n, &mine, 1), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(k8sc_runtime_pair_get(sb[0]->labels, sb[0]->n_labels, K8SC_LABEL_POD_NAMESPACE), "default");
    k8sc_sandbox_status_list_free(sb, n);
    ck_assert_int_eq(k8sc_runtime_list_sandboxes_labeled(x.rt, &sb, &n, &other, 1), 0);
    ck_assert_uint_eq(n, 0);
    k8sc_sandbox_status_list_free(sb, n);
    /* A second sync changes nothing: no new resourceVersion. */
    char rv[32];
    pod_str(&x, "web", "metadata.resourceVersion", rv, sizeof(rv));
    advance(&x, 1);
    ck_assert_str_eq(pod_str(&x, "web", "metadata.resourceVersion", buf, sizeof(buf)), rv);
    kt_teardown(&x);
}
END_TEST

START_TEST(t_crashloop_backoff)
{
    kt x;
    kt_setup(&x);
    k8sc_runtime_fake_script(x.rt, "crash", 1, 0);
    pod(&x, "c", "Always", "crash", NULL);
    kstep(&x, 4);
    /* The relist sees the exit; the first restart is at once. */
    advance(&x, 1);
    int64_t restarts = -1;
    k8sc_object *p = ct_get(&x.t, K8SC_POD, "c");
    k8sc_object_get_int(p, "status.containerStatuses[0].restartCount", &restarts);
    ck_assert_int_eq(restarts, 1);
    k8sc_object_free(p);
    advance(&x, 1);
    p = ct_get(&x.t, K8SC_POD, "c");
    ck_assert_str_eq(k8sc_object_get_string(p, "status.containerStatuses[0].state.waiting.reason"), "CrashLoopBackOff");
    ck_assert_ptr_nonnull(strstr(k8sc_object_get_string(p, "status.containerStatuses[0].state.waiting.message"),
                                 "back-off 10s restarting failed container=app pod=c_default("));
    int64_t code = -1;
    k8sc_object_get_int(p, "status.containerStatuses[0].lastState.terminated.exitCode", &code);
    ck_assert_int_eq(code, 1);
    ck_assert_str_eq(k8sc_object_get_string(p, "status.containerStatuses[0].lastState.terminated.reason"), "Error");
    ck_assert_str_eq(k8sc_object_get_string(p, "status.phase"), "Running");
    k8sc_object_free(p);
    advance(&x, 10);
    p = ct_get(&x.t, K8SC_POD, "c");
    k8sc_object_get_int(p, "status.containerStatuses[0].restartCount", &restarts);
    ck_assert_int_eq(restarts, 2);
    k8sc_object_free(p);
    /* Next wait is 20 s: nothing after 10 more. */
    advance(&x, 10);
    p = ct_get(&x.t, K8SC_POD, "c");
    k8sc_object_get_int(p, "status.containerStatuses[0].restartCount", &restarts);
    ck_assert_int_eq(restarts, 2);
    ck_assert_ptr_nonnull(strstr(k8sc_object_get_string(p, "status.containerStatuses[0].state.waiting.message"),
                                 "back-off 20s"));
    k8sc_object_free(p);
    advance(&x, 11);
    p = ct_get(&x.t, K8SC_POD, "c");
    k8sc_object_get_int(p, "status.containerStatuses[0].restartCount", &restarts);
    ck_assert_int_eq(restarts, 3);
    k8sc_object_free(p);
    /* Only the newest dead instance is kept besides the current one. */
    k8sc_container_status **cs = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc_runtime_list_containers(x.rt, &cs, &n, NULL), 0);
    ck_assert_uint_le(n, 2);
    k8sc_container_status_list_free(cs, n);
    kt_teardown(&x);
}
END_TEST

START_TEST(t_phases_by_restart_policy)
{
    kt x;
    kt_setup(&x);
    k8sc_runtime_fake_script(x.rt, "ok", 0, 5 * CT_SEC);
    k8sc_runtime_fake_script(x.rt, "bad", 2, 5 * CT_SEC);
    pod(&x, "never-ok", "Never", "ok", NULL);
    pod(&x, "never-bad", "Never", "bad", NULL);
    pod(&x, "onfailure-ok", "OnFailure", "ok", NULL);
    pod(&x, "onfailure-bad", "OnFailure", "bad", NULL);
    kstep(&x, 4);
    char buf[64];
    ck_assert_str_eq(pod_str(&x, "never-ok", "status.phase", buf, sizeof(buf)), "Running");
    advance(&x, 6);
    advance(&x, 1);
    ck_assert_str_eq(pod_str(&x, "never-ok", "status.phase", buf, sizeof(buf)), "Succeeded");
    ck_assert_str_eq(pod_str(&x, "never-bad", "status.phase", buf, sizeof(buf)), "Failed");
    ck_assert_str_eq(pod_str(&x, "onfailure-ok", "status.phase", buf, sizeof(buf)), "Succeeded");
    ck_assert_str_eq(pod_str(&x, "onfailure-bad", "status.phase", buf, sizeof(buf)), "Running");
    ck_assert_str_eq(pod_str(&x, "never-bad", "status.containerStatuses[0].state.terminated.reason", buf, sizeof(buf)),
                     "Error");
    ck_assert_str_eq(pod_str(&x, "never-ok", "status.conditions[2].reason", buf, sizeof(buf)), "PodCompleted");
    int64_t restarts = -1;
    k8sc_object *p = ct_get(&x.t, K8SC_POD, "onfailure-bad");
    k8sc_object_get_int(p, "status.containerStatuses[0].restartCount", &restarts);
    ck_assert_int_eq(restarts, 1);
    k8sc_object_free(p);
    kt_teardown(&x);
}
END_TEST

START_TEST(t_init_containers_in_order)
{
    kt x;
    kt_setup(&x);
    k8sc_runtime_fake_script(x.rt, "init-ok", 0, 3 * CT_SEC);
    k8sc_runtime_fake_script(x.rt, "init-bad", 1, 3 * CT_SEC);
    pod(&x, "ok", "Always", "busybox",
        ",\"initContainers\":[{\"name\":\"one\",\"image\":\"init-ok\"},{\"name\":\"two\",\"image\":\"init-ok\"}]");
    pod(&x, "bad", "Never", "busybox", ",\"initContainers\":[{\"name\":\"one\",\"image\":\"init-bad\"}]");
    kstep(&x, 4);
    char buf[256];
    ck_assert_str_eq(pod_str(&x, "ok", "status.phase", buf, sizeof(buf)), "Pending");
    ck_assert_str_eq(pod_str(&x, "ok", "status.conditions[1].message", buf, sizeof(buf)),
                     "containers with incomplete status: [one two]");
    ck_assert_str_eq(pod_str(&x, "ok", "status.containerStatuses[0].state.waiting.reason", buf, sizeof(buf)),
                     "PodInitializing");
    ck_assert_str_eq(pod_str(&x, "ok", "status.initContainerStatuses[1].state.waiting.reason", buf, sizeof(buf)),
                     "ContainerCreating");
    advance(&x, 4);
    ck_assert_str_eq(pod_str(&x, "ok", "status.initContainerStatuses[0].state.terminated.reason", buf, sizeof(buf)),
                     "Completed");
    ck_assert_str_eq(pod_str(&x, "ok", "status.initContainerStatuses[1].state.running.startedAt", buf, sizeof(buf)),
                     "2023-11-14T22:13:24Z");
    advance(&x, 4);
    ck_assert_str_eq(pod_str(&x, "ok", "status.phase", buf, sizeof(buf)), "Running");
    ck_assert_str_eq(pod_str(&x, "ok", "status.conditions[1].status", buf, sizeof(buf)), "True");
    ck_assert_str_eq(pod_str(&x, "bad", "status.phase", buf, sizeof(buf)), "Failed");
    k8sc_object *p = ct_get(&x.t, K8SC_POD, "bad");
    ck_assert_ptr_null(k8sc_object_get(p, "status.containerStatuses[0].state.running"));
    k8sc_object_free(p);
    kt_teardown(&x);
}
END_TEST

START_TEST(t_env_and_config_errors)
{
    kt x;
    kt_setup(&x);
    pod(&x, "e", "Always", "busybox",
        ",\"containers\":[{\"name\":\"app\",\"image\":\"busybox\",\"env\":["
        "{\"name\":\"A\",\"value\":\"a\"},{\"name\":\"B\",\"value\":\"$(A)-b-$$(A)-$(NOPE)\"},"
        "{\"name\":\"POD\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.name\"}}},"
        "{\"name\":\"NODE\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"spec.nodeName\"}}},"
        "{\"name\":\"LBL\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.labels['app']\"}}},"
        "{\"name\":\"MEM\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"limits.memory\",\"divisor\":\"1Mi\"}}},"
        "{\"name\":\"CPU\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"requests.cpu\"}}},"
        "{\"name\":\"COLOR\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"cfg\",\"key\":\"color\"}}},"
        "{\"name\":\"PASS\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"sec\",\"key\":\"pw\"}}},"
        "{\"name\":\"OPT\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"none\",\"key\":\"k\",\"optional\":true}}}],"
        "\"envFrom\":[{\"prefix\":\"CM_\",\"configMapRef\":{\"name\":\"cfg\"}}],"
        "\"resources\":{\"limits\":{\"memory\":\"64Mi\",\"cpu\":\"250m\"}}}]");
    kstep(&x, 4);
    char buf[256];
    ck_assert_str_eq(pod_str(&x, "e", "status.containerStatuses[0].state.waiting.reason", buf, sizeof(buf)),
                     "CreateContainerConfigError");
    ck_assert_str_eq(pod_str(&x, "e", "status.containerStatuses[0].state.waiting.message", buf, sizeof(buf)),
                     "configmap \"cfg\" not found");
    ct_create(&x.t, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\"},"
                    "\"data\":{\"color\":\"blue\",\"size\":\"L\"}}");
    advance(&x, 11);
    ck_assert_str_eq(pod_str(&x, "e", "status.containerStatuses[0].state.waiting.message", buf, sizeof(buf)),
                     "secret \"sec\" not found");
    ct_create(&x.t, "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"sec\"},"
                    "\"stringData\":{\"pw\":\"hunter2\"}}");
    /* The second failure waits 20 s. */
    advance(&x, 21);
    ck_assert_str_eq(pod_str(&x, "e", "status.phase", buf, sizeof(buf)), "Running");
    k8sc_object *p = ct_get(&x.t, K8SC_POD, "e");
    json_object *env = NULL;
    char *msg = NULL;
    ck_assert_int_eq(k8sc__kl_env(&env, x.k, p, k8sc_object_get(p, "spec.containers[0]"), &msg), 0);
    ck_assert_str_eq(k8sc__json_string(env, "A"), "a");
    ck_assert_str_eq(k8sc__json_string(env, "B"), "a-b-$(A)-$(NOPE)");
    ck_assert_str_eq(k8sc__json_string(env, "POD"), "e");
    ck_assert_str_eq(k8sc__json_string(env, "NODE"), "node-1");
    ck_assert_str_eq(k8sc__json_string(env, "LBL"), "");
    ck_assert_str_eq(k8sc__json_string(env, "MEM"), "64");
    ck_assert_str_eq(k8sc__json_string(env, "CPU"), "1");
    ck_assert_str_eq(k8sc__json_string(env, "COLOR"), "blue");
    ck_assert_str_eq(k8sc__json_string(env, "PASS"), "hunter2");
    ck_assert_str_eq(k8sc__json_string(env, "CM_size"), "L");
    ck_assert_ptr_null(k8sc__json_member(env, "OPT"));
    json_object_put(env);
    k8sc_object_free(p);
    kt_teardown(&x);
}
END_TEST

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

START_TEST(t_volumes_written)
{
    kt x;
    kt_setup(&x);
    ct_create(&x.t, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\"},"
                    "\"data\":{\"a.conf\":\"one\",\"b\":\"two\"}}");
    ct_create(&x.t, "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"sec\"},"
                    "\"data\":{\"token\":\"c2VjcmV0\"}}");
    pod(&x, "v", "Always", "busybox",
        ",\"containers\":[{\"name\":\"app\",\"image\":\"busybox\",\"volumeMounts\":["
        "{\"name\":\"c\",\"mountPath\":\"/etc/c\"},{\"name\":\"s\",\"mountPath\":\"/etc/s\"},"
        "{\"name\":\"d\",\"mountPath\":\"/etc/d\"},{\"name\":\"e\",\"mountPath\":\"/scratch\"}]}],"
        "\"volumes\":[{\"name\":\"c\",\"configMap\":{\"name\":\"cfg\"}},"
        "{\"name\":\"s\",\"secret\":{\"secretName\":\"sec\",\"items\":[{\"key\":\"token\",\"path\":\"dir/tok\"}]}},"
        "{\"name\":\"d\",\"downwardAPI\":{\"items\":[{\"path\":\"name\",\"fieldRef\":{\"fieldPath\":\"metadata.name\"}}]}},"
        "{\"name\":\"e\",\"emptyDir\":{}}]");
    kstep(&x, 4);
    char buf[256];
    ck_assert_str_eq(pod_str(&x, "v", "status.phase", buf, sizeof(buf)), "Running");
    k8sc_object *p = ct_get(&x.t, K8SC_POD, "v");
    char path[512];
    snprintf(path, sizeof(path), "%s/pods/%s/volumes/kubernetes.io~configmap/c/a.conf", x.dir, k8sc_object_uid(p));
    ck_assert_str_eq(slurp(path), "one");
    snprintf(path, sizeof(path), "%s/pods/%s/volumes/kubernetes.io~secret/s/dir/tok", x.dir, k8sc_object_uid(p));
    ck_assert_str_eq(slurp(path), "secret");
    snprintf(path, sizeof(path), "%s/pods/%s/volumes/kubernetes.io~downward-api/d/name", x.dir, k8sc_object_uid(p));
    ck_assert_str_eq(slurp(path), "v");
    snprintf(path, sizeof(path), "%s/pods/%s/volumes/kubernetes.io~empty-dir/e", x.dir, k8sc_object_uid(p));
    ck_assert_int_eq(access(path, W_OK), 0);
    snprintf(path, sizeof(path), "%s/pods/%s/etc-hosts", x.dir, k8sc_object_uid(p));
    ck_assert_ptr_nonnull(strstr(slurp(path), "127.0.0.1\tv\n"));
    /* The mounts the runtime gets: configMap read-only, emptyDir writable, plus /etc/hosts. */
    kl_container_cfg cfg;
    char *msg = NULL;
    ck_assert_int_eq(k8sc__kl_container_config(&cfg, x.k, p, k8sc_object_get(p, "spec.containers[0]"), 0, &msg), 0);
    ck_assert_uint_eq(cfg.cfg.n_mounts, 6);
    ck_assert_str_eq(cfg.cfg.mounts[0].container_path, "/etc/c");
    ck_assert(cfg.cfg.mounts[0].readonly);
    ck_assert(!cfg.cfg.mounts[3].readonly);
    ck_assert_str_eq(cfg.cfg.mounts[4].container_path, "/etc/hosts");
    ck_assert_str_eq(cfg.cfg.log_path, "app/0.log");
    /* A fork bomb stays inside its container. */
    ck_assert_int_eq(cfg.cfg.pids_limit, 4096);
    k8sc__kl_container_config_free(&cfg);
    k8sc_object_free(p);
    kt_teardown(&x);
}
END_TEST

START_TEST(t_missing_volume_source_blocks_start)
{
    kt x;
    kt_setup(&x);
    pod(&x, "m", "Always", "busybox",
        ",\"volumes\":[{\"name\":\"c\",\"configMap\":{\"name\":\"absent\"}}]");
    kstep(&x, 4);
    char buf[256];
    ck_assert_str_eq(pod_str(&x, "m", "status.phase", buf, sizeof(buf)), "Pending");
    ck_assert_str_eq(pod_str(&x, "m", "status.containerStatuses[0].state.waiting.reason", buf, sizeof(buf)),
                     "ContainerCreating");
    ct_create(&x.t, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"absent\"},\"data\":{}}");
    advance(&x, 3);
    ck_assert_str_eq(pod_str(&x, "m", "status.phase", buf, sizeof(buf)), "Running");
    kt_teardown(&x);
}
END_TEST

START_TEST(t_image_pull_policy_never)
{
    kt x;
    kt_setup(&x);
    char json[1024];
    snprintf(json, sizeof(json),
             "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"n\"},\"spec\":{\"nodeName\":\"node-1\","
             "\"containers\":[{\"name\":\"app\",\"image\":\"absent:1\",\"imagePullPolicy\":\"Never\"}]}}");
    ct_create(&x.t, json);
    kstep(&x, 4);
    char buf[256];
    ck_assert_str_eq(pod_str(&x, "n", "status.containerStatuses[0].state.waiting.reason", buf, sizeof(buf)),
                     "ErrImageNeverPull");
    ck_assert_str_eq(pod_str(&x, "n", "status.containerStatuses[0].state.waiting.message", buf, sizeof(buf)),
                     "Container image \"absent:1\" is not present with pull policy of Never");
    /* Once the image is there (pulled by someone), the pod starts. */
    ck_assert_int_eq(k8sc_runtime_pull_image(x.rt, "absent:1"), 0);
    advance(&x, 11);
    ck_assert_str_eq(pod_str(&x, "n", "status.phase", buf, sizeof(buf)), "Running");
    kt_teardown(&x);
}
END_TEST

START_TEST(t_admission_rejects_oversized_pod)
{
    kt x;
    kt_setup(&x);
    pod(&x, "big", "Always", "busybox",
        ",\"containers\":[{\"name\":\"app\",\"image\":\"busybox\",\"resources\":{\"requests\":{\"cpu\":\"5\"}}}]");
    kstep(&x, 4);
    char buf[256];
    ck_assert_str_eq(pod_str(&x, "big", "status.phase", buf, sizeof(buf)), "Failed");
    ck_assert_str_eq(pod_str(&x, "big", "status.reason", buf, sizeof(buf)), "OutOfcpu");
    ck_assert_str_eq(pod_str(&x, "big", "status.message", buf, sizeof(buf)),
                     "Pod was rejected: Node didn't have enough resource: cpu, requested: 5000, used: 0, capacity: 4000");
    k8sc_sandbox_status **sb = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc_runtime_list_sandboxes(x.rt, &sb, &n), 0);
    ck_assert_uint_eq(n, 0);
    k8sc_sandbox_status_list_free(sb, n);
    kt_teardown(&x);
}
END_TEST

/* <dir>/logs/<entry> (made unless the kubelet did) with a log file in it (the fake runtime writes none); its path in buf. */
static const char *log_dir(kt *x, const char *entry, char *buf, size_t size)
{
    snprintf(buf, size, "%s/logs", x->dir);
    mkdir(buf, 0755);
    snprintf(buf, size, "%s/logs/%s", x->dir, entry);
    ck_assert(mkdir(buf, 0755) == 0 || errno == EEXIST);
    char file[512];
    snprintf(file, sizeof(file), "%s/0.log", buf);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    return buf;
}

/* The log directory name of pod `name`: <ns>_<name>_<uid>. */
static const char *log_entry(kt *x, const char *name, char *buf, size_t size)
{
    char uid[128];
    snprintf(buf, size, "default_%s_%s", name, pod_str(x, name, "metadata.uid", uid, sizeof(uid)));
    return buf;
}

START_TEST(t_graceful_delete_completes)
{
    kt x;
    kt_setup(&x);
    pod(&x, "d", "Always", "busybox", NULL);
    kstep(&x, 4);
    char entry[256], logs[384];
    log_dir(&x, log_entry(&x, "d", entry, sizeof(entry)), logs, sizeof(logs));
    k8sc_object *out = NULL;
    ck_assert_int_eq(k8sc_client_delete(&out, x.t.client, K8SC_POD, "default", "d", NULL), 0);
    ck_assert_ptr_nonnull(k8sc_object_get(out, "metadata.deletionTimestamp"));
    k8sc_object_free(out);
    kstep(&x, 4);
    k8sc_object *p = NULL;
    ck_assert_int_eq(k8sc_client_get(&p, x.t.client, K8SC_POD, "default", "d"), K8SC_ENOTFOUND);
    k8sc_sandbox_status **sb = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc_runtime_list_sandboxes(x.rt, &sb, &n), 0);
    ck_assert_uint_eq(n, 0);
    k8sc_sandbox_status_list_free(sb, n);
    /* The pod is gone, and its logs with it. */
    ck_assert_int_eq(access(logs, F_OK), -1);
    kt_teardown(&x);
}
END_TEST

START_TEST(t_logs_of_gone_pods_collected)
{
    /* Log directories of pods that went while no kubelet ran go at the next collection; the others stay. */
    kt x;
    kt_setup(&x);
    pod(&x, "live", "Always", "busybox", NULL);
    pod(&x, "done", "Never", "busybox", ",\"containers\":[{\"name\":\"app\",\"image\":\"busybox\",\"command\":[\"true\"]}]");
    kstep(&x, 4);
    char entry[256], live[384], done[384], gone[384], other_uid[384], odd[384];
    log_dir(&x, log_entry(&x, "live", entry, sizeof(entry)), live, sizeof(live));
    log_dir(&x, log_entry(&x, "done", entry, sizeof(entry)), done, sizeof(done));
    log_dir(&x, "default_gone_2f0c4bbe-0000-4000-8000-000000000001", gone, sizeof(gone));
    /* A pod of the same name as a live one, but an earlier uid. */
    log_dir(&x, "default_live_2f0c4bbe-0000-4000-8000-000000000002", other_uid, sizeof(other_uid));
    log_dir(&x, "not-a-pod-directory", odd, sizeof(odd));
    advance(&x, 30);
    ck_assert_int_eq(access(gone, F_OK), 0);
    advance(&x, 31);
    ck_assert_int_eq(access(gone, F_OK), -1);
    ck_assert_int_eq(access(other_uid, F_OK), -1);
    ck_assert_int_eq(access(live, F_OK), 0);
    ck_assert_int_eq(access(done, F_OK), 0);
    ck_assert_int_eq(access(odd, F_OK), 0);
    kt_teardown(&x);
}
END_TEST

START_TEST(t_restart_reattaches)
{
    kt x;
    kt_setup(&x);
    pod(&x, "r", "Always", "busybox", NULL);
    kstep(&x, 4);
    char id[256], buf[256];
    pod_str(&x, "r", "status.containerStatuses[0].containerID", id, sizeof(id));
    k8sc_kubelet_free(x.k);
    k8sc_clock_fake_advance(x.t.clock, 5 * CT_SEC);
    x.k = kubelet_new(&x);
    kstep(&x, 4);
    advance(&x, 1);
    ck_assert_str_eq(pod_str(&x, "r", "status.containerStatuses[0].containerID", buf, sizeof(buf)), id);
    ck_assert_str_eq(pod_str(&x, "r", "status.startTime", buf, sizeof(buf)), "2023-11-14T22:13:20Z");
    k8sc_object *p = ct_get(&x.t, K8SC_POD, "r");
    int64_t restarts = -1;
    k8sc_object_get_int(p, "status.containerStatuses[0].restartCount", &restarts);
    ck_assert_int_eq(restarts, 0);
    k8sc_object_free(p);
    kt_teardown(&x);
}
END_TEST

START_TEST(t_orphans_removed)
{
    kt x;
    kt_setup(&x);
    k8sc_runtime_pair labels[3] = { { K8SC_LABEL_POD_NAME, "ghost" },
                                    { K8SC_LABEL_POD_NAMESPACE, "default" },
                                    { K8SC_LABEL_POD_UID, "0000" } };
    k8sc_sandbox_config sc = { K8SC_SANDBOX_CONFIG_VERSION, "ghost", "default", "0000", 0, NULL, x.dir,
                               labels, 3, NULL, 0, false, false, false, NULL, NULL, NULL, 0 };
    char *id = NULL;
    ck_assert_int_eq(k8sc_runtime_run_sandbox(x.rt, &id, &sc), 0);
    free(id);
    kstep(&x, 4);
    advance(&x, 1);
    k8sc_sandbox_status **sb = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc_runtime_list_sandboxes(x.rt, &sb, &n), 0);
    ck_assert_uint_eq(n, 0);
    k8sc_sandbox_status_list_free(sb, n);
    kt_teardown(&x);
}
END_TEST

START_TEST(t_probes)
{
    kt x;
    kt_setup(&x);
    pod(&x, "p", "Always", "busybox",
        ",\"containers\":[{\"name\":\"unready\",\"image\":\"busybox\","
        "\"readinessProbe\":{\"exec\":{\"command\":[\"false\"]},\"periodSeconds\":1}},"
        "{\"name\":\"ready\",\"image\":\"busybox\","
        "\"startupProbe\":{\"exec\":{\"command\":[\"true\"]},\"initialDelaySeconds\":2},"
        "\"readinessProbe\":{\"exec\":{\"command\":[\"echo\",\"ok\"]},\"periodSeconds\":1}},"
        "{\"name\":\"dying\",\"image\":\"busybox\","
        "\"livenessProbe\":{\"exec\":{\"command\":[\"false\"]},\"periodSeconds\":2,\"failureThreshold\":2}}]");
    kstep(&x, 4);
    bool b = true;
    k8sc_object *p = ct_get(&x.t, K8SC_POD, "p");
    /* Not started before its startup probe's initial delay. */
    ck_assert_int_eq(k8sc_object_get_bool(p, "status.containerStatuses[1].started", &b), 0);
    ck_assert(!b);
    k8sc_object_free(p);
    advance(&x, 3);
    advance(&x, 1);
    p = ct_get(&x.t, K8SC_POD, "p");
    ck_assert_int_eq(k8sc_object_get_bool(p, "status.containerStatuses[0].ready", &b), 0);
    ck_assert(!b);
    ck_assert_int_eq(k8sc_object_get_bool(p, "status.containerStatuses[1].started", &b), 0);
    ck_assert(b);
    ck_assert_int_eq(k8sc_object_get_bool(p, "status.containerStatuses[1].ready", &b), 0);
    ck_assert(b);
    ck_assert_str_eq(k8sc_object_get_string(p, "status.conditions[2].status"), "False");
    ck_assert_str_eq(k8sc_object_get_string(p, "status.conditions[2].message"),
                     "containers with unready status: [unready]");
    k8sc_object_free(p);
    /* Two failed liveness probes (t=0 and t=2) kill "dying"; it restarts. */
    advance(&x, 1);
    advance(&x, 1);
    advance(&x, 1);
    int64_t restarts = -1;
    p = ct_get(&x.t, K8SC_POD, "p");
    k8sc_object_get_int(p, "status.containerStatuses[2].restartCount", &restarts);
    ck_assert_int_eq(restarts, 1);
    k8sc_object_get_int(p, "status.containerStatuses[0].restartCount", &restarts);
    ck_assert_int_eq(restarts, 0);
    k8sc_object_free(p);
    kt_teardown(&x);
}
END_TEST

START_TEST(t_static_pods)
{
    kt x;
    kt_setup(&x);
    k8sc_kubelet_free(x.k);
    char manifests[128], file[192];
    snprintf(manifests, sizeof(manifests), "%s/manifests", x.dir);
    ck_assert_int_eq(k8sc__mkdirs(manifests, 0755), 0);
    snprintf(file, sizeof(file), "%s/etcd.yaml", manifests);
    FILE *f = fopen(file, "w");
    fputs("apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\n  namespace: kube-system\n"
          "spec:\n  containers:\n  - name: etcd\n    image: etcd:3.5\n", f);
    fclose(f);
    k8sc_kubelet_options o = K8SC_KUBELET_OPTIONS_INIT;
    o.node_name = "node-1";
    o.runtime = x.rt;
    o.clock = x.t.clock;
    o.data_dir = x.dir;
    o.port = -1;
    o.pod_manifest_path = manifests;
    ck_assert_int_eq(k8sc_kubelet_new(&x.k, x.t.client, &o), 0);
    kstep(&x, 4);
    k8sc_object *p = NULL;
    ck_assert_int_eq(k8sc_client_get(&p, x.t.client, K8SC_POD, "kube-system", "etcd-node-1"), 0);
    ck_assert_str_eq(k8sc_object_get_string(p, "metadata.annotations.kubernetes\\.io/config\\.source"), "file");
    ck_assert_ptr_nonnull(k8sc_object_get_string(p, "metadata.annotations.kubernetes\\.io/config\\.mirror"));
    ck_assert_str_eq(k8sc_object_get_string(p, "metadata.ownerReferences[0].kind"), "Node");
    ck_assert_str_eq(k8sc_object_get_string(p, "status.phase"), "Running");
    k8sc_object_free(p);
    /* The manifest goes: so does the pod. */
    ck_assert_int_eq(unlink(file), 0);
    advance(&x, 10);
    kstep(&x, 4);
    ck_assert_int_eq(k8sc_client_get(&p, x.t.client, K8SC_POD, "kube-system", "etcd-node-1"), K8SC_ENOTFOUND);
    kt_teardown(&x);
}
END_TEST

/* A kubelet with DNS options and an event recorder in place of x->k; the node's resolv.conf in x->dir. */
static k8sc_event_recorder *dns_kubelet(kt *x, const char *cluster_dns, bool resolv)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/node-resolv.conf", x->dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("# the node's resolver\nnameserver 192.0.2.53\nsearch old.example\nnameserver 192.0.2.54\n"
          "search corp.example. lab.example .\noptions timeout:2 ndots:1\noptions timeout:3\n", f);
    fclose(f);
    k8sc_event_recorder *rec = NULL;
    ck_assert_int_eq(k8sc_event_recorder_new(&rec, x->t.client, "kubelet", "node-1", x->t.clock), 0);
    k8sc_kubelet_free(x->k);
    k8sc_kubelet_options o = K8SC_KUBELET_OPTIONS_INIT;
    o.node_name = "node-1";
    o.runtime = x->rt;
    o.clock = x->t.clock;
    o.data_dir = x->dir;
    o.port = -1;
    o.recorder = rec;
    o.cluster_dns = cluster_dns;
    o.resolv_conf = resolv ? path : "";
    ck_assert_msg(k8sc_kubelet_new(&x->k, x->t.client, &o) == 0, "%s", k8sc_error_last());
    return rec;
}

static void dns_kt_teardown(kt *x, k8sc_event_recorder *rec)
{
    k8sc_kubelet_free(x->k);
    x->k = NULL;
    k8sc_event_recorder_free(rec);
    kt_teardown(x);
}

/* The pod's file `name` under its directory (a static buffer). */
static const char *pod_file(kt *x, const char *pod_name, const char *name)
{
    k8sc_object *p = ct_get(&x->t, K8SC_POD, pod_name);
    char path[512];
    snprintf(path, sizeof(path), "%s/pods/%s/%s", x->dir, k8sc_object_uid(p), name);
    k8sc_object_free(p);
    const char *text = slurp(path);
    return text ? text : "(missing)";
}

/* The message of the Event with `reason` about `name`, or "" (a static buffer). */
static const char *event_message(kt *x, k8sc_event_recorder *rec, const char *name, const char *reason)
{
    static char out[4096];
    out[0] = '\0';
    ck_assert_int_eq(k8sc_event_recorder_flush(rec, 5000), 0);
    k8sc_object *list = ct_list(&x->t, "v1", "Event", NULL);
    json_object *items = k8sc_object_get(list, "items");
    for (size_t i = 0; i < json_object_array_length(items); i++) {
        json_object *e = json_object_array_get_idx(items, i);
        const char *about = json_object_get_string(json_object_object_get(json_object_object_get(e, "involvedObject"), "name"));
        if (strcmp(about, name) == 0 && strcmp(json_object_get_string(json_object_object_get(e, "reason")), reason) == 0)
            snprintf(out, sizeof(out), "%s", json_object_get_string(json_object_object_get(e, "message")));
    }
    k8sc_object_free(list);
    return out;
}

/* Run pod `name` with spec fields `extra`; return its resolv.conf. */
static const char *resolv_of(kt *x, const char *name, const char *extra)
{
    pod(x, name, "Always", "busybox", extra);
    kstep(x, 4);
    return pod_file(x, name, "resolv.conf");
}

START_TEST(t_dns_policies)
{
    kt x;
    kt_setup(&x);
    k8sc_event_recorder *rec = dns_kubelet(&x, "10.96.0.10", true);
    const char *node = "search corp.example lab.example\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n"
                       "options timeout:3 ndots:1\n";
    ck_assert_str_eq(resolv_of(&x, "first", NULL),
                     "search default.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\n"
                     "nameserver 10.96.0.10\noptions ndots:5\n");
    ck_assert_str_eq(resolv_of(&x, "dflt", ",\"dnsPolicy\":\"Default\""), node);
    /* On the host's network, ClusterFirst means Default; ClusterFirstWithHostNet means the cluster's. */
    ck_assert_str_eq(resolv_of(&x, "hostnet", ",\"hostNetwork\":true,\"dnsPolicy\":\"ClusterFirst\""), node);
    ck_assert_str_eq(resolv_of(&x, "hostnet-cf", ",\"hostNetwork\":true,\"dnsPolicy\":\"ClusterFirstWithHostNet\""),
                     "search default.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\n"
                     "nameserver 10.96.0.10\noptions ndots:5\n");
    ck_assert_str_eq(resolv_of(&x, "none",
                               ",\"dnsPolicy\":\"None\",\"dnsConfig\":{\"nameservers\":[\"1.1.1.1\",\"1.1.1.1\"],"
                               "\"searches\":[\"a.example\",\"a.example\"],"
                               "\"options\":[{\"name\":\"ndots\",\"value\":\"2\"},{\"name\":\"edns0\"}]}"),
                     "search a.example\nnameserver 1.1.1.1\noptions ndots:2 edns0\n");
    /* dnsConfig merged into ClusterFirst: duplicates dropped, ndots overridden, a fourth nameserver cut. */
    ck_assert_str_eq(resolv_of(&x, "merged",
                               ",\"dnsConfig\":{\"nameservers\":[\"10.96.0.10\",\"8.8.8.8\",\"8.8.4.4\",\"9.9.9.9\"],"
                               "\"searches\":[\"cluster.local\",\"x.example\"],"
                               "\"options\":[{\"name\":\"ndots\",\"value\":\"1\"},{\"name\":\"single-request\"}]}"),
                     "search default.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example "
                     "x.example\nnameserver 10.96.0.10\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n"
                     "options ndots:1 single-request\n");
    ck_assert_str_eq(event_message(&x, rec, "merged", "DNSConfigForming"),
                     "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver "
                     "line is: 10.96.0.10 8.8.8.8 8.8.4.4");
    ck_assert_str_eq(event_message(&x, rec, "first", "DNSConfigForming"), "");
    /* Every container gets the file, writable, after /etc/hosts. */
    k8sc_object *p = ct_get(&x.t, K8SC_POD, "first");
    kl_container_cfg cfg;
    char *msg = NULL;
    ck_assert_int_eq(k8sc__kl_container_config(&cfg, x.k, p, k8sc_object_get(p, "spec.containers[0]"), 0, &msg), 0);
    ck_assert_uint_eq(cfg.cfg.n_mounts, 2);
    ck_assert_str_eq(cfg.cfg.mounts[0].container_path, "/etc/hosts");
    ck_assert_str_eq(cfg.cfg.mounts[1].container_path, "/etc/resolv.conf");
    ck_assert(!cfg.cfg.mounts[1].readonly);
    char want[512];
    snprintf(want, sizeof(want), "%s/pods/%s/resolv.conf", x.dir, k8sc_object_uid(p));
    ck_assert_str_eq(cfg.cfg.mounts[1].host_path, want);
    k8sc__kl_container_config_free(&cfg);
    k8sc_object_free(p);
    dns_kt_teardown(&x, rec);
}
END_TEST

START_TEST(t_dns_without_cluster_dns)
{
    kt x;
    kt_setup(&x);
    k8sc_event_recorder *rec = dns_kubelet(&x, NULL, true);
    ck_assert_str_eq(resolv_of(&x, "web", NULL), "search corp.example lab.example\nnameserver 192.0.2.53\n"
                                                 "nameserver 192.0.2.54\noptions timeout:3 ndots:1\n");
    char want[512];
    k8sc_object *p = ct_get(&x.t, K8SC_POD, "web");
    snprintf(want, sizeof(want),
             "pod: \"web_default(%s)\". kubelet does not have ClusterDNS IP configured and cannot create Pod using "
             "\"ClusterFirst\" policy. Falling back to \"Default\" policy.",
             k8sc_object_uid(p));
    k8sc_object_free(p);
    ck_assert_str_eq(event_message(&x, rec, "web", "MissingClusterDNS"), want);
    ck_assert_ptr_nonnull(strstr(event_message(&x, rec, "node-1", "MissingClusterDNS"), "Falling back"));
    dns_kt_teardown(&x, rec);
}
END_TEST

START_TEST(t_dns_limits_and_empty_resolv_conf)
{
    kt x;
    kt_setup(&x);
    k8sc_event_recorder *rec = dns_kubelet(&x, NULL, false);
    /* --resolv-conf "": the local machine's resolver, as the resolver library's default. */
    ck_assert_str_eq(resolv_of(&x, "local", ",\"dnsPolicy\":\"Default\""), "search .\nnameserver 127.0.0.1\n");
    char extra[8192];
    size_t len = (size_t)snprintf(extra, sizeof(extra), ",\"dnsPolicy\":\"None\",\"dnsConfig\":{\"searches\":[");
    for (int i = 0; i < 34; i++)
        len += (size_t)snprintf(extra + len, sizeof(extra) - len, "%s\"d%d.example\"", i ? "," : "", i);
    snprintf(extra + len, sizeof(extra) - len, "]}");
    pod(&x, "many", "Always", "busybox", extra);
    kstep(&x, 4);
    const char *text = pod_file(&x, "many", "resolv.conf");
    ck_assert_ptr_nonnull(strstr(text, " d31.example\n"));
    ck_assert_ptr_null(strstr(text, "d32.example"));
    ck_assert_ptr_nonnull(strstr(event_message(&x, rec, "many", "DNSConfigForming"),
                                 "Search Line limits were exceeded, some search paths have been omitted, the "
                                 "applied search line is: d0.example d1.example"));
    dns_kt_teardown(&x, rec);
}
END_TEST

START_TEST(t_dns_bad_cluster_dns)
{
    kt x;
    kt_setup(&x);
    k8sc_kubelet_options o = K8SC_KUBELET_OPTIONS_INIT;
    o.node_name = "n";
    o.runtime = x.rt;
    o.data_dir = x.dir;
    o.port = -1;
    o.cluster_dns = "10.96.0.10,dns.example";
    k8sc_kubelet *k = NULL;
    ck_assert_int_eq(k8sc_kubelet_new(&k, x.t.client, &o), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "\"dns.example\" is not an IP address"));
    o.cluster_dns = "10.96.0.10, fd00::a";
    ck_assert_int_eq(k8sc_kubelet_new(&k, x.t.client, &o), 0);
    k8sc_kubelet_free(k);
    kt_teardown(&x);
}
END_TEST

START_TEST(t_hosts_aliases_and_host_network)
{
    kt x;
    kt_setup(&x);
    pod(&x, "aliased", "Always", "busybox",
        ",\"hostname\":\"db-0\",\"subdomain\":\"db\",\"hostAliases\":[{\"ip\":\"10.1.2.3\","
        "\"hostnames\":[\"foo.local\",\"bar.local\"]}]");
    pod(&x, "onhost", "Always", "busybox", ",\"hostNetwork\":true");
    kstep(&x, 4);
    char buf[2048];
    snprintf(buf, sizeof(buf), "%s", pod_file(&x, "aliased", "etc-hosts"));
    ck_assert_ptr_nonnull(strstr(buf, "fe00::2\tip6-allrouters\n127.0.0.1\tdb-0.db.default.svc.cluster.local\tdb-0\n"
                                      "\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n"));
    const char *hosts = pod_file(&x, "onhost", "etc-hosts");
    const char *header = "# Kubernetes-managed hosts file (host network).\n";
    ck_assert_int_eq(strncmp(hosts, header, strlen(header)), 0);
    snprintf(buf, sizeof(buf), "%s", hosts + strlen(header));
    ck_assert_str_eq(buf, slurp("/etc/hosts"));
    /* A pod on the host's network gets the mounts too. */
    k8sc_object *p = ct_get(&x.t, K8SC_POD, "onhost");
    kl_container_cfg cfg;
    char *msg = NULL;
    ck_assert_int_eq(k8sc__kl_container_config(&cfg, x.k, p, k8sc_object_get(p, "spec.containers[0]"), 0, &msg), 0);
    ck_assert_uint_eq(cfg.cfg.n_mounts, 2);
    ck_assert_str_eq(cfg.cfg.mounts[0].container_path, "/etc/hosts");
    k8sc__kl_container_config_free(&cfg);
    k8sc_object_free(p);
    kt_teardown(&x);
}
END_TEST

/*
 * A kubelet whose fake runtime has a pod network (no configuration yet in
 * <dir>/net.d) with the plugin "fakenet": it hands out 10.88.0.5 and keeps
 * its stdin in <dir>/cni-<COMMAND>.stdin.
 */
static k8sc_event_recorder *net_kubelet(kt *x, char *conf_dir, size_t size)
{
    char bin[128], cache[128], path[256], cmd[512];
    snprintf(conf_dir, size, "%s/net.d", x->dir);
    snprintf(bin, sizeof(bin), "%s/cni-bin", x->dir);
    snprintf(cache, sizeof(cache), "%s/cni-cache", x->dir);
    snprintf(cmd, sizeof(cmd), "mkdir -p %s %s", conf_dir, bin);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/fakenet", bin);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "#!/bin/sh\ncat > \"%s/cni-$CNI_COMMAND.stdin\"\n"
            "[ \"$CNI_COMMAND\" = ADD ] && "
            "printf '%%s' '{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.88.0.5/24\"}]}'\n"
            "exit 0\n",
            x->dir);
    fclose(f);
    ck_assert_int_eq(chmod(path, 0755), 0);
    k8sc_kubelet_free(x->k);
    k8sc_runtime_close(x->rt);
    k8sc_runtime_options ro = K8SC_RUNTIME_OPTIONS_INIT;
    ro.clock = x->t.clock;
    ro.cni_conf_dir = conf_dir;
    ro.cni_bin_dir = bin;
    ro.cni_cache_dir = cache;
    ck_assert_int_eq(k8sc_runtime_open(&x->rt, "fake", &ro), 0);
    k8sc_event_recorder *rec = NULL;
    ck_assert_int_eq(k8sc_event_recorder_new(&rec, x->t.client, "kubelet", "node-1", x->t.clock), 0);
    k8sc_kubelet_options o = K8SC_KUBELET_OPTIONS_INIT;
    o.node_name = "node-1";
    o.runtime = x->rt;
    o.clock = x->t.clock;
    o.data_dir = x->dir;
    o.port = -1;
    o.recorder = rec;
    ck_assert_msg(k8sc_kubelet_new(&x->k, x->t.client, &o) == 0, "%s", k8sc_error_last());
    return rec;
}

static char *pod_field(kt *x, const char *name, const char *field)
{
    k8sc_object *p = ct_get(&x->t, K8SC_POD, name);
    json_object *ref = json_object_new_object();
    json_object_object_add(ref, "fieldPath", json_object_new_string(field));
    char *msg = NULL;
    char *v = k8sc__kl_field_ref(x->k, p, ref, &msg);
    ck_assert_msg(v != NULL, "%s", msg ? msg : "");
    json_object_put(ref);
    k8sc_object_free(p);
    return v;
}

START_TEST(t_pod_network)
{
    kt x;
    kt_setup(&x);
    char conf[128];
    k8sc_event_recorder *rec = net_kubelet(&x, conf, sizeof(conf));
    pod(&x, "web", "Always", "busybox",
        ",\"containers\":[{\"name\":\"app\",\"image\":\"busybox\",\"ports\":[{\"containerPort\":80,\"hostPort\":8080},"
        "{\"containerPort\":9090}]}]");
    pod(&x, "onhost", "Always", "busybox", ",\"hostNetwork\":true");
    kstep(&x, 4);
    /* No network configuration: the node is not ready and only the host-network pod runs. */
    static const char *const not_ready =
        "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network "
        "plugin returns error: cni plugin not initialized";
    k8sc_object *node = ct_get(&x.t, "v1", "Node", "node-1");
    ck_assert_str_eq(k8sc_object_get_string(node, "status.conditions[3].type"), "Ready");
    ck_assert_str_eq(k8sc_object_get_string(node, "status.conditions[3].status"), "False");
    ck_assert_str_eq(k8sc_object_get_string(node, "status.conditions[3].reason"), "KubeletNotReady");
    ck_assert_str_eq(k8sc_object_get_string(node, "status.conditions[3].message"), not_ready);
    k8sc_object_free(node);
    char buf[256], want[512];
    snprintf(want, sizeof(want), "network is not ready: %s", not_ready);
    ck_assert_str_eq(event_message(&x, rec, "web", "NetworkNotReady"), want);
    ck_assert_str_eq(pod_str(&x, "onhost", "status.phase", buf, sizeof(buf)), "Running");
    ck_assert_str_eq(pod_str(&x, "onhost", "status.podIP", buf, sizeof(buf)), "127.0.0.1");
    ck_assert_str_eq(pod_str(&x, "web", "status.phase", buf, sizeof(buf)), "Pending");
    k8sc_sandbox_status **sb = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc_runtime_list_sandboxes(x.rt, &sb, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(sb[0]->name, "onhost");
    k8sc_sandbox_status_list_free(sb, n);

    /* With a configuration: the pod gets its sandbox's address, hostPorts reach the plugin. */
    char path[256];
    snprintf(path, sizeof(path), "%s/10-podnet.conflist", conf);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"cniVersion\":\"1.0.0\",\"name\":\"podnet\",\"plugins\":[{\"type\":\"fakenet\","
          "\"capabilities\":{\"portMappings\":true}}]}",
          f);
    fclose(f);
    advance(&x, 11);
    ck_assert_str_eq(pod_str(&x, "web", "status.phase", buf, sizeof(buf)), "Running");
    ck_assert_str_eq(pod_str(&x, "web", "status.podIP", buf, sizeof(buf)), "10.88.0.5");
    ck_assert_str_eq(pod_str(&x, "web", "status.podIPs[0].ip", buf, sizeof(buf)), "10.88.0.5");
    ck_assert_str_eq(pod_str(&x, "web", "status.hostIP", buf, sizeof(buf)), "127.0.0.1");
    node = ct_get(&x.t, "v1", "Node", "node-1");
    ck_assert_str_eq(k8sc_object_get_string(node, "status.conditions[3].status"), "True");
    k8sc_object_free(node);
    snprintf(path, sizeof(path), "%s/cni-ADD.stdin", x.dir);
    json_object *in = json_object_from_file(path);
    ck_assert_ptr_nonnull(in);
    json_object *pm = json_object_object_get(json_object_object_get(in, "runtimeConfig"), "portMappings");
    ck_assert_int_eq((int)json_object_array_length(pm), 1);
    json_object *m = json_object_array_get_idx(pm, 0);
    ck_assert_int_eq(json_object_get_int(json_object_object_get(m, "hostPort")), 8080);
    ck_assert_int_eq(json_object_get_int(json_object_object_get(m, "containerPort")), 80);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(m, "protocol")), "tcp");
    json_object_put(in);
    /* The downward API says the same. */
    char *ip = pod_field(&x, "web", "status.podIP");
    ck_assert_str_eq(ip, "10.88.0.5");
    free(ip);
    ip = pod_field(&x, "onhost", "status.podIP");
    ck_assert_str_eq(ip, "127.0.0.1");
    free(ip);
    ip = pod_field(&x, "web", "status.hostIP");
    ck_assert_str_eq(ip, "127.0.0.1");
    free(ip);
    dns_kt_teardown(&x, rec);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kubelet");
    k8sc_test_add(s, "registers_node_and_renews_lease", t_registers_node_and_renews_lease);
    k8sc_test_add(s, "register_false_waits_for_admin", t_register_false_waits_for_admin);
    k8sc_test_add(s, "bad_options", t_bad_options);
    k8sc_test_add(s, "pod_runs_and_reports_status", t_pod_runs_and_reports_status);
    k8sc_test_add(s, "crashloop_backoff", t_crashloop_backoff);
    k8sc_test_add(s, "phases_by_restart_policy", t_phases_by_restart_policy);
    k8sc_test_add(s, "init_containers_in_order", t_init_containers_in_order);
    k8sc_test_add(s, "env_and_config_errors", t_env_and_config_errors);
    k8sc_test_add(s, "volumes_written", t_volumes_written);
    k8sc_test_add(s, "missing_volume_source_blocks_start", t_missing_volume_source_blocks_start);
    k8sc_test_add(s, "image_pull_policy_never", t_image_pull_policy_never);
    k8sc_test_add(s, "admission_rejects_oversized_pod", t_admission_rejects_oversized_pod);
    k8sc_test_add(s, "graceful_delete_completes", t_graceful_delete_completes);
    k8sc_test_add(s, "logs_of_gone_pods_collected", t_logs_of_gone_pods_collected);
    k8sc_test_add(s, "restart_reattaches", t_restart_reattaches);
    k8sc_test_add(s, "orphans_removed", t_orphans_removed);
    k8sc_test_add(s, "probes", t_probes);
    k8sc_test_add(s, "static_pods", t_static_pods);
    k8sc_test_add(s, "dns_policies", t_dns_policies);
    k8sc_test_add(s, "dns_without_cluster_dns", t_dns_without_cluster_dns);
    k8sc_test_add(s, "dns_limits_and_empty_resolv_conf", t_dns_limits_and_empty_resolv_conf);
    k8sc_test_add(s, "dns_bad_cluster_dns", t_dns_bad_cluster_dns);
    k8sc_test_add(s, "hosts_aliases_and_host_network", t_hosts_aliases_and_host_network);
    k8sc_test_add(s, "pod_network", t_pod_network);
    return k8sc_test_main(s);
}
