/*
 * The scheduler on the controller harness (in-process API server, fake
 * clock, shared informers): filters with kube-scheduler's messages, the
 * assume cache, scores, binding, Events and requeues.
 */
#include "ctltest.h"
#include "internal.h"
#include "k8sc/scheduler.h"
#include "testutil.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static ctltest T;
static k8sc_scheduler *S;
static k8sc_event_recorder *R;

static void setup(void)
{
    ct_setup(&T);
    T.kubelet = false;
    ck_assert_int_eq(k8sc_event_recorder_new(&R, T.client, "default-scheduler", NULL, T.clock), 0);
    k8sc_scheduler_options o;
    ck_assert_int_eq(k8sc_scheduler_options_init(&o, K8SC_SCHEDULER_OPTIONS_VERSION), 0);
    o.factory = T.factory;
    o.clock = T.clock;
    o.recorder = R;
    ck_assert_int_eq(k8sc_scheduler_new(&S, T.client, &o), 0);
}

static void teardown(void)
{
    k8sc_scheduler_free(S);
    k8sc_event_recorder_free(R);
    ct_teardown(&T);
}

static int step(void)
{
    int n = ct_step(&T);
    int rc = k8sc_scheduler_process(S);
    ck_assert_int_ge(rc, 0);
    return n + rc;
}

static void settle(void)
{
    for (int quiet = 0, i = 0; quiet < 3 && i < 200; i++)
        quiet = step() == 0 ? quiet + 1 : 0;
}

/* Let every back-off run out (10 s at most), then settle. */
static void backoff_settle(void)
{
    k8sc_clock_fake_advance(T.clock, 10 * CT_SEC);
    settle();
}

/* Scheduling attempts over a few rounds. */
static int tries(void)
{
    int n = 0;
    for (int i = 0; i < 5; i++) {
        ct_step(&T);
        n += k8sc_scheduler_process(S);
    }
    return n;
}

/* A node with `cpu`, `memory` and `pods` allocatable; `extra` adds to metadata (labels) and spec. */
static void node(const char *name, const char *cpu, const char *memory, const char *pods, const char *labels,
    const char *spec)
{
    char json[2048];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\",\"labels\":%s},\"spec\":%s,"
        "\"status\":{\"allocatable\":{\"cpu\":\"%s\",\"memory\":\"%s\",\"pods\":\"%s\"}}}",
        name, labels ? labels : "{}", spec ? spec : "{}", cpu, memory, pods);
    k8sc_object *obj = ct_json(json), *made = NULL;
    ck_assert_msg(k8sc_client_create(&made, T.client, obj) == 0, "%s", k8sc_error_last());
    /* The server may drop status on create, as it does for most kinds: write it through /status too. */
    ck_assert_int_eq(k8sc_object_set(made, "status", json_object_get(k8sc_object_get(obj, "status"))), 0);
    ck_assert_msg(k8sc_client_update_status(NULL, T.client, made) == 0, "%s", k8sc_error_last());
    k8sc_object_free(made);
    k8sc_object_free(obj);
}

static void std_node(const char *name)
{
    node(name, "4", "8Gi", "110", NULL, NULL);
}

/* A pod of one container requesting `cpu` and `memory` ("" for none); `spec` adds members to spec. */
/*
 * A pod states its priority as the API server lets it: `"priority":N` in
 * `spec` (and `"preemptionPolicy":"Never"`) becomes the PriorityClass
 * prio-N[-never] of that value, made here the first time.
 */
static const char *priority_class(char *buf, size_t size, const char *spec)
{
    const char *p = spec ? strstr(spec, "\"priority\":") : NULL;
    if (!p)
        return spec;
    int value = atoi(p + 11);
    bool never = strstr(spec, "\"preemptionPolicy\":\"Never\"") != NULL;
    char cls[64], json[512];
    snprintf(cls, sizeof(cls), "prio-%d%s", value, never ? "-never" : "");
    snprintf(json, sizeof(json), "{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\",\"metadata\":"
        "{\"name\":\"%s\"},\"value\":%d%s}", cls, value, never ? ",\"preemptionPolicy\":\"Never\"" : "");
    k8sc_object *obj = ct_json(json), *made = NULL;
    int rc = k8sc_client_create(&made, T.client, obj);
    ck_assert_msg(rc == 0 || rc == K8SC_EEXISTS, "%s", k8sc_error_last());
    k8sc_object_free(obj);
    k8sc_object_free(made);
    /* The spec without its priority fields, naming the class. */
    size_t n = 0;
    n += (size_t)snprintf(buf + n, size - n, "\"priorityClassName\":\"%s\"", cls);
    char rest[1024];
    snprintf(rest, sizeof(rest), "%s", spec);
    for (char *tok = strtok(rest, ","); tok; tok = strtok(NULL, ","))
        if (!strstr(tok, "\"priority\":") && !strstr(tok, "\"preemptionPolicy\":") && n < size)
            n += (size_t)snprintf(buf + n, size - n, ",%s", tok);
    return buf;
}

static void pod(const char *name, const char *cpu, const char *memory, const char *spec)
{
    char req[256] = "", json[4096], classed[1024];
    spec = priority_class(classed, sizeof(classed), spec);
    if (*cpu || *memory)
        snprintf(req, sizeof(req), "\"resources\":{\"requests\":{%s%s%s%s%s%s%s}},", *cpu ? "\"cpu\":\"" : "", cpu,
            *cpu ? "\"" : "", *cpu && *memory ? "," : "", *memory ? "\"memory\":\"" : "", memory, *memory ? "\"" : "");
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\"},"
        "\"spec\":{%s%s\"containers\":[{\"name\":\"c\",\"image\":\"img\",%s\"ports\":[]}]}}",
        name, spec ? spec : "", spec ? "," : "", req);
    ct_create(&T, json);
}

/* The pod's node, "" if none (the caller's). */
static char *node_of(const char *name)
{
    k8sc_object *p = ct_get(&T, "v1", "Pod", name);
    const char *n = k8sc_object_get_string(p, "spec.nodeName");
    char *out = strdup(n ? n : "");
    k8sc_object_free(p);
    return out;
}

static void assert_node(const char *pod_name, const char *want)
{
    char *got = node_of(pod_name);
    ck_assert_msg(strcmp(got, want) == 0, "pod %s: on \"%s\", want \"%s\"", pod_name, got, want);
    free(got);
}

/* The PodScheduled condition's message, "" without one (the caller's). */
static char *unschedulable_message(const char *name)
{
    k8sc_object *p = ct_get(&T, "v1", "Pod", name);
    struct json_object *conds = k8sc_object_get(p, "status.conditions");
    char *out = strdup("");
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i), *v;
        if (json_object_object_get_ex(c, "type", &v) && strcmp(json_object_get_string(v), "PodScheduled") == 0) {
            json_object_object_get_ex(c, "status", &v);
            /* The binding sets it True. */
            if (strcmp(json_object_get_string(v), "True") == 0)
                continue;
            ck_assert_str_eq(json_object_get_string(v), "False");
            json_object_object_get_ex(c, "reason", &v);
            ck_assert_str_eq(json_object_get_string(v), "Unschedulable");
            json_object_object_get_ex(c, "message", &v);
            free(out);
            out = strdup(json_object_get_string(v));
        }
    }
    k8sc_object_free(p);
    return out;
}

static void assert_message(const char *pod_name, const char *want)
{
    char *got = unschedulable_message(pod_name);
    ck_assert_msg(strcmp(got, want) == 0, "pod %s: message\n  \"%s\"\nwant\n  \"%s\"", pod_name, got, want);
    free(got);
}

/* Whether an Event with this reason and message exists. */
static bool has_event(const char *reason, const char *message)
{
    ck_assert_int_eq(k8sc_event_recorder_flush(R, 5000), 0);
    k8sc_object *list = ct_list(&T, "v1", "Event", NULL);
    struct json_object *items = k8sc_object_get(list, "items");
    bool found = false;
    for (size_t i = 0; i < json_object_array_length(items); i++) {
        struct json_object *e = json_object_array_get_idx(items, i), *r, *m;
        if (json_object_object_get_ex(e, "reason", &r) && json_object_object_get_ex(e, "message", &m) &&
            strcmp(json_object_get_string(r), reason) == 0 && strcmp(json_object_get_string(m), message) == 0)
            found = true;
    }
    k8sc_object_free(list);
    return found;
}

START_TEST(pod_that_fits_is_bound_with_an_event)
{
    std_node("n1");
    pod("web", "500m", "1Gi", NULL);
    settle();
    assert_node("web", "n1");
    assert_message("web", "");
    ck_assert(has_event("Scheduled", "Successfully assigned default/web to n1"));
}
END_TEST

/* Nodes that reject the pod, and kube-scheduler's message for them. */
static const struct {
    const char *what;
    const char *nodes[3][5]; /* name, cpu, memory, pods, spec */
    const char *cpu, *memory, *spec;
    const char *message;
} no_fit[] = {
    { "insufficient cpu", { { "n1", "1", "8Gi", "110", NULL } }, "2", "1Gi", NULL,
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod." },
    { "insufficient cpu and memory", { { "n1", "1", "1Gi", "110", NULL }, { "n2", "4", "1Gi", "110", NULL } }, "2",
        "2Gi", NULL,
        "0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory. preemption: 0/2 nodes are available: "
        "2 No preemption victims found for incoming pod." },
    { "too many pods", { { "n1", "4", "8Gi", "0", NULL } }, "", "", NULL,
        "0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod." },
    { "taints and cpu",
        { { "n1", "1", "8Gi", "110", NULL },
            { "n2", "4", "8Gi", "110", "{\"taints\":[{\"key\":\"key\",\"value\":\"value\",\"effect\":\"NoSchedule\"}]}" },
            { "n3", "4", "8Gi", "110", "{\"taints\":[{\"key\":\"key\",\"value\":\"value\",\"effect\":\"NoExecute\"}]}" } },
        "2", "", NULL,
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {key: value}. preemption: 0/3 "
        "nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for "
        "scheduling." },
    { "unschedulable node", { { "n1", "4", "8Gi", "110", "{\"unschedulable\":true}" } }, "", "", NULL,
        "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: "
        "1 Preemption is not helpful for scheduling." },
    { "node selector", { { "n1", "4", "8Gi", "110", NULL } }, "", "", "\"nodeSelector\":{\"disk\":\"ssd\"}",
        "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are "
        "available: 1 Preemption is not helpful for scheduling." },
    { "no nodes", { { NULL } }, "", "", NULL,
        "no nodes available to schedule pods" },
};

START_TEST(pod_that_fits_nowhere_is_marked_unschedulable)
{
    for (int i = 0; i < 3 && no_fit[_i].nodes[i][0]; i++)
        node(no_fit[_i].nodes[i][0], no_fit[_i].nodes[i][1], no_fit[_i].nodes[i][2], no_fit[_i].nodes[i][3], NULL,
            no_fit[_i].nodes[i][4]);
    pod("p", no_fit[_i].cpu, no_fit[_i].memory, no_fit[_i].spec);
    settle();
    assert_node("p", "");
    assert_message("p", no_fit[_i].message);
    ck_assert_msg(has_event("FailedScheduling", no_fit[_i].message), "%s: no FailedScheduling event", no_fit[_i].what);
    /* Parked with the unschedulable pods: nothing tries it again until something changes. */
    ck_assert_int_eq(tries(), 0);
}
END_TEST

START_TEST(bound_pods_and_assumed_pods_take_room)
{
    node("n1", "1", "8Gi", "110", NULL, NULL);
    /* Bound elsewhere by hand: its 600m count on n1. */
    pod("old", "600m", "", "\"nodeName\":\"n1\"");
    settle();
    pod("a", "300m", "", NULL);
    pod("b", "300m", "", NULL);
    /* Both are scheduled in one round, before the informer shows the first bound: only the assume cache stops b. */
    settle();
    char *a = node_of("a"), *b = node_of("b");
    ck_assert_msg((strcmp(a, "n1") == 0) != (strcmp(b, "n1") == 0), "a on \"%s\", b on \"%s\"", a, b);
    free(a);
    free(b);
}
END_TEST

START_TEST(terminated_pods_free_their_room)
{
    node("n1", "1", "8Gi", "110", NULL, NULL);
    pod("old", "800m", "", "\"nodeName\":\"n1\"");
    pod("new", "500m", "", NULL);
    settle();
    assert_node("new", "");
    k8sc_object *old = ct_get(&T, "v1", "Pod", "old");
    ck_assert_int_eq(k8sc_object_set_string(old, "status.phase", "Succeeded"), 0);
    ck_assert_int_eq(k8sc_client_update_status(NULL, T.client, old), 0);
    k8sc_object_free(old);
    backoff_settle();
    assert_node("new", "n1");
}
END_TEST

/* Required node affinity on a node labelled zone=a, gen=5: whether the pod fits. */
static const struct {
    const char *expr;
    bool fits;
} affinity[] = {
    { "{\"key\":\"zone\",\"operator\":\"In\",\"values\":[\"a\",\"b\"]}", true },
    { "{\"key\":\"zone\",\"operator\":\"In\",\"values\":[\"b\"]}", false },
    { "{\"key\":\"zone\",\"operator\":\"NotIn\",\"values\":[\"b\"]}", true },
    { "{\"key\":\"zone\",\"operator\":\"NotIn\",\"values\":[\"a\"]}", false },
    { "{\"key\":\"rack\",\"operator\":\"NotIn\",\"values\":[\"a\"]}", true },
    { "{\"key\":\"zone\",\"operator\":\"Exists\"}", true },
    { "{\"key\":\"rack\",\"operator\":\"Exists\"}", false },
    { "{\"key\":\"rack\",\"operator\":\"DoesNotExist\"}", true },
    { "{\"key\":\"zone\",\"operator\":\"DoesNotExist\"}", false },
    { "{\"key\":\"gen\",\"operator\":\"Gt\",\"values\":[\"4\"]}", true },
    { "{\"key\":\"gen\",\"operator\":\"Gt\",\"values\":[\"5\"]}", false },
    { "{\"key\":\"gen\",\"operator\":\"Lt\",\"values\":[\"6\"]}", true },
    { "{\"key\":\"gen\",\"operator\":\"Lt\",\"values\":[\"5\"]}", false },
    { "{\"key\":\"zone\",\"operator\":\"Gt\",\"values\":[\"1\"]}", false },
};

START_TEST(node_affinity_operators)
{
    node("n1", "4", "8Gi", "110", "{\"zone\":\"a\",\"gen\":\"5\"}", NULL);
    char spec[1024];
    snprintf(spec, sizeof(spec),
        "\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":"
        "[{\"matchExpressions\":[%s]}]}}}",
        affinity[_i].expr);
    pod("p", "", "", spec);
    settle();
    assert_node("p", affinity[_i].fits ? "n1" : "");
}
END_TEST

START_TEST(node_selector_and_terms)
{
    node("n1", "4", "8Gi", "110", "{\"disk\":\"hdd\"}", NULL);
    node("n2", "4", "8Gi", "110", "{\"disk\":\"ssd\"}", NULL);
    pod("sel", "", "", "\"nodeSelector\":{\"disk\":\"ssd\"}");
    /* Terms are ORed; matchFields picks by name. */
    pod("terms", "", "", "\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":"
        "{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"disk\",\"operator\":\"In\",\"values\":[\"nvme\"]}]},"
        "{\"matchFields\":[{\"key\":\"metadata.name\",\"operator\":\"In\",\"values\":[\"n2\"]}]}]}}}");
    settle();
    assert_node("sel", "n2");
    assert_node("terms", "n2");
}
END_TEST

START_TEST(tolerations)
{
    node("n1", "4", "8Gi", "110", NULL, "{\"taints\":[{\"key\":\"gpu\",\"value\":\"yes\",\"effect\":\"NoSchedule\"}]}");
    pod("plain", "", "", NULL);
    pod("equal", "", "", "\"tolerations\":[{\"key\":\"gpu\",\"operator\":\"Equal\",\"value\":\"yes\"}]");
    pod("exists", "", "", "\"tolerations\":[{\"key\":\"gpu\",\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}]");
    pod("wrong", "", "", "\"tolerations\":[{\"key\":\"gpu\",\"value\":\"no\"}]");
    pod("other", "", "", "\"tolerations\":[{\"key\":\"gpu\",\"operator\":\"Exists\",\"effect\":\"NoExecute\"}]");
    pod("all", "", "", "\"tolerations\":[{\"operator\":\"Exists\"}]");
    settle();
    assert_node("plain", "");
    assert_node("equal", "n1");
    assert_node("exists", "n1");
    assert_node("wrong", "");
    assert_node("other", "");
    assert_node("all", "n1");
}
END_TEST

START_TEST(prefer_no_schedule_is_scored)
{
    node("a", "4", "8Gi", "110", NULL, "{\"taints\":[{\"key\":\"spot\",\"effect\":\"PreferNoSchedule\"}]}");
    std_node("b");
    pod("plain", "", "", NULL);
    settle();
    /* Alone, name order would pick a: the taint's score sends the pod to b. */
    assert_node("plain", "b");
    pod("tolerant", "", "", "\"tolerations\":[{\"key\":\"spot\",\"operator\":\"Exists\"}]");
    settle();
    /* Tolerated, a ties or wins on resources (b already has a pod). */
    assert_node("tolerant", "a");
}
END_TEST

START_TEST(preferred_affinity_is_scored)
{
    std_node("a");
    node("b", "4", "8Gi", "110", "{\"zone\":\"z1\"}", NULL);
    pod("p", "", "", "\"affinity\":{\"nodeAffinity\":{\"preferredDuringSchedulingIgnoredDuringExecution\":"
        "[{\"weight\":10,\"preference\":{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"In\",\"values\":[\"z1\"]}]}}]}}");
    settle();
    assert_node("p", "b");
}
END_TEST

START_TEST(least_allocated_spreads_pods)
{
    std_node("n1");
    std_node("n2");
    for (int i = 0; i < 6; i++) {
        char name[16];
        snprintf(name, sizeof(name), "p%d", i);
        pod(name, "500m", "512Mi", NULL);
        settle();
    }
    int on1 = 0;
    for (int i = 0; i < 6; i++) {
        char name[16];
        snprintf(name, sizeof(name), "p%d", i);
        char *n = node_of(name);
        ck_assert_msg(*n, "%s not scheduled", name);
        on1 += strcmp(n, "n1") == 0;
        free(n);
    }
    ck_assert_int_eq(on1, 3);
}
END_TEST

START_TEST(containers_without_requests_count_defaults)
{
    node("n1", "1", "2Gi", "110", NULL, NULL);
    node("n2", "1", "2Gi", "110", NULL, NULL);
    /* Three best-effort containers count as 300m and 600Mi when scoring; one 200m container as 200m and 200Mi. */
    ct_create(&T, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"be\",\"namespace\":\"default\"},"
                  "\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"a\",\"image\":\"i\"},{\"name\":\"b\","
                  "\"image\":\"i\"},{\"name\":\"c\",\"image\":\"i\"}]}}");
    pod("small", "200m", "", "\"nodeName\":\"n2\"");
    settle();
    pod("p", "", "", NULL);
    settle();
    assert_node("p", "n2");
}
END_TEST

START_TEST(host_ports_conflict)
{
    std_node("n1");
    const char *ports = "\"hostNetwork\":false,\"initContainers\":[{\"name\":\"i\",\"image\":\"img\",\"ports\":"
                        "[{\"containerPort\":80,\"hostPort\":8080}]}]";
    pod("a", "", "", ports);
    settle();
    assert_node("a", "n1");
    pod("b", "", "", ports);
    settle();
    assert_node("b", "");
    assert_message("b", "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. "
                        "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.");
}
END_TEST

START_TEST(pending_pod_is_scheduled_when_a_node_comes)
{
    pod("p", "1", "", NULL);
    settle();
    assert_node("p", "");
    node("small", "500m", "8Gi", "110", NULL, NULL);
    backoff_settle();
    assert_node("p", "");
    assert_message("p", "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
                        "1 No preemption victims found for incoming pod.");
    /* The node's arrival moves the pod to backoffQ; it is tried once its back-off (2 s, a second attempt) is over. */
    std_node("big");
    settle();
    assert_node("p", "");
    k8sc_clock_fake_advance(T.clock, 2 * CT_SEC);
    settle();
    assert_node("p", "big");
}
END_TEST

START_TEST(only_relevant_node_changes_requeue)
{
    node("n1", "1", "8Gi", "110", NULL, NULL);
    pod("p", "2", "", NULL);
    settle();
    ck_assert_int_eq(tries(), 0);
    ck_assert_int_eq(k8sc_client_patch(NULL, T.client, "v1", "Node", NULL, "n1", K8SC_PATCH_MERGE,
                         "{\"metadata\":{\"annotations\":{\"note\":\"x\"}}}"),
        0);
    ck_assert_int_eq(tries(), 0);
    ck_assert_int_eq(k8sc_client_patch(NULL, T.client, "v1", "Node", NULL, "n1", K8SC_PATCH_MERGE,
                         "{\"metadata\":{\"labels\":{\"zone\":\"a\"}}}"),
        0);
    ck_assert_int_eq(tries(), 0);
    k8sc_clock_fake_advance(T.clock, CT_SEC);
    ck_assert_int_eq(tries(), 1);
}
END_TEST

/* Each attempt doubles the back-off a moved pod waits out: 1 s, 2 s, 4 s. */
START_TEST(back_off_retries_the_pod)
{
    node("n1", "1", "8Gi", "110", NULL, NULL);
    pod("p", "2", "", NULL);
    settle();
    for (int attempt = 1; attempt <= 3; attempt++) {
        char patch[128];
        snprintf(patch, sizeof(patch), "{\"metadata\":{\"labels\":{\"try\":\"%d\"}}}", attempt);
        ck_assert_int_eq(k8sc_client_patch(NULL, T.client, "v1", "Node", NULL, "n1", K8SC_PATCH_MERGE, patch), 0);
        int64_t wait = CT_SEC << (attempt - 1);
        k8sc_clock_fake_advance(T.clock, wait - CT_SEC / 10);
        ck_assert_msg(tries() == 0, "attempt %d: tried before its back-off of %lld ns", attempt, (long long)wait);
        k8sc_clock_fake_advance(T.clock, CT_SEC / 10);
        ck_assert_int_eq(tries(), 1);
    }
}
END_TEST

START_TEST(other_schedulers_and_bound_pods_are_ignored)
{
    std_node("n1");
    pod("mine", "", "", NULL);
    pod("theirs", "", "", "\"schedulerName\":\"my-scheduler\"");
    pod("placed", "", "", "\"nodeName\":\"elsewhere\"");
    settle();
    assert_node("mine", "n1");
    assert_node("theirs", "");
    assert_message("theirs", "");
    assert_node("placed", "elsewhere");
    assert_message("placed", "");
}
END_TEST

START_TEST(runs_on_its_own_threads)
{
    k8sc_scheduler_options o = K8SC_SCHEDULER_OPTIONS_INIT;
    o.scheduler_name = "threaded";
    k8sc_scheduler *s = NULL;
    ck_assert_int_eq(k8sc_scheduler_new(&s, T.client, &o), 0);
    pod("p", "100m", "", "\"schedulerName\":\"threaded\"");
    ck_assert_int_eq(k8sc_scheduler_start(s), 0);
    ck_assert_int_eq(k8sc_scheduler_process(s), K8SC_EINVAL);
    std_node("n1");
    char *n = NULL;
    for (int i = 0; i < 200; i++) {
        free(n);
        n = node_of("p");
        if (*n)
            break;
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
    ck_assert_str_eq(n, "n1");
    free(n);
    k8sc_scheduler_stop(s);
    k8sc_scheduler_free(s);
}
END_TEST

/* Binder threads write bindings while later pods are placed: room is never given twice. */
START_TEST(threaded_binding_never_overcommits)
{
    k8sc_scheduler_options o = K8SC_SCHEDULER_OPTIONS_INIT;
    o.scheduler_name = "threaded";
    k8sc_scheduler *s = NULL;
    ck_assert_int_eq(k8sc_scheduler_new(&s, T.client, &o), 0);
    node("a", "1", "8Gi", "110", NULL, NULL);
    node("b", "1", "8Gi", "110", NULL, NULL);
    ck_assert_int_eq(k8sc_scheduler_start(s), 0);
    char name[32];
    for (int i = 0; i < 24; i++) {
        snprintf(name, sizeof(name), "p%02d", i);
        pod(name, "100m", "", "\"schedulerName\":\"threaded\"");
    }
    int on_a = 0, on_b = 0, pending = 0;
    for (int round = 0; round < 200; round++) {
        on_a = on_b = pending = 0;
        for (int i = 0; i < 24; i++) {
            snprintf(name, sizeof(name), "p%02d", i);
            char *n = node_of(name);
            on_a += strcmp(n, "a") == 0;
            on_b += strcmp(n, "b") == 0;
            pending += !*n;
            free(n);
        }
        k8sc_scheduler_stats st;
        k8sc_scheduler_get_stats(s, &st);
        if (on_a + on_b == 20 && st.unschedulable >= 4)
            break;
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
    /* Ten pods of 100m fill each 1-cpu node; the other four wait. */
    ck_assert_int_eq(on_a, 10);
    ck_assert_int_eq(on_b, 10);
    ck_assert_int_eq(pending, 4);
    k8sc_scheduler_stats st;
    k8sc_scheduler_get_stats(s, &st);
    ck_assert_uint_eq(st.scheduled, 20);
    ck_assert_uint_ge(st.unschedulable, 4);
    k8sc_scheduler_free(s);
}
END_TEST

/*
 * percentageOfNodesToScore: with 150 nodes and 100 feasible enough, one
 * search sees 100 nodes and the next starts where it stopped.
 */
START_TEST(percentage_of_nodes_to_score_rotates_the_search)
{
    k8sc_scheduler_free(S);
    k8sc_scheduler_options o = K8SC_SCHEDULER_OPTIONS_INIT;
    o.factory = T.factory;
    o.clock = T.clock;
    o.percentage_of_nodes_to_score = 10;
    ck_assert_int_eq(k8sc_scheduler_new(&S, T.client, &o), 0);
    char name[32];
    for (int i = 0; i < 150; i++) {
        snprintf(name, sizeof(name), "n%03d", i);
        node(name, "4", "8Gi", "110", NULL, NULL);
    }
    pod("first", "", "", NULL);
    settle();
    pod("second", "", "", NULL);
    settle();
    pod("third", "", "", NULL);
    settle();
    /*
     * Ties go to the first name among the nodes searched: n000..n099 for the
     * first pod; n100..n149 and n000..n049 for the second (n000 now scores
     * lower); n050..n149 for the third, which a search from the start would
     * have put on n002.
     */
    assert_node("first", "n000");
    assert_node("second", "n001");
    assert_node("third", "n050");
    k8sc_scheduler_stats st;
    k8sc_scheduler_get_stats(S, &st);
    ck_assert_uint_eq(st.scheduled, 3);
    ck_assert_uint_gt(st.algorithm_ns, 0);
}
END_TEST

/* A pod's field at `path` as a string, "" if absent (the caller's). */
static char *pod_field(const char *name, const char *path)
{
    k8sc_object *p = ct_get(&T, "v1", "Pod", name);
    const char *v = p ? k8sc_object_get_string(p, path) : NULL;
    char *out = strdup(v ? v : "");
    k8sc_object_free(p);
    return out;
}

static void assert_field(const char *pod_name, const char *path, const char *want)
{
    char *got = pod_field(pod_name, path);
    ck_assert_msg(strcmp(got, want) == 0, "pod %s: %s is \"%s\", want \"%s\"", pod_name, path, got, want);
    free(got);
}

static bool being_deleted(const char *name)
{
    k8sc_object *p = NULL;
    int rc = k8sc_client_get(&p, T.client, "v1", "Pod", "default", name);
    bool gone = rc == K8SC_ENOTFOUND || (rc == 0 && k8sc_object_has(p, "metadata.deletionTimestamp"));
    k8sc_object_free(p);
    return gone;
}

/* What the kubelet would do once a pod's containers stopped: delete it for good. */
static void finish_deletion(const char *name)
{
    k8sc_delete_options o = K8SC_DELETE_OPTIONS_INIT;
    o.grace_period_seconds = 0;
    int rc = k8sc_client_delete(NULL, T.client, "v1", "Pod", "default", name, &o);
    ck_assert_msg(rc == 0 || rc == K8SC_ENOTFOUND, "%s", k8sc_error_last());
}

/* activeQ: higher priority first, whatever the order of creation; PriorityClass values count. */
START_TEST(higher_priority_pods_go_first)
{
    ct_create(&T, "{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\",\"metadata\":{\"name\":\"vip\"},"
                  "\"value\":1000}");
    node("n1", "1", "8Gi", "110", NULL, NULL);
    settle();
    pod("low", "1", "", "\"priority\":10");
    pod("mid", "1", "", "\"priority\":100");
    pod("classy", "1", "", "\"priorityClassName\":\"vip\"");
    settle();
    assert_node("classy", "n1");
    assert_node("mid", "");
    assert_node("low", "");
    /* classy outranks both: nothing was preempted for them. */
    ck_assert(!being_deleted("classy"));
}
END_TEST

/* Pods with the same priority go in the order they were queued. */
START_TEST(equal_priorities_go_in_queue_order)
{
    node("n1", "1", "8Gi", "110", NULL, NULL);
    settle();
    pod("first", "1", "", NULL);
    pod("second", "1", "", NULL);
    settle();
    assert_node("first", "n1");
    assert_node("second", "");
}
END_TEST

/* podMaxInUnschedulablePodsDuration: without any event, an unschedulable pod is tried again after 5 minutes. */
START_TEST(unschedulable_pods_are_flushed_after_five_minutes)
{
    node("n1", "1", "8Gi", "110", NULL, NULL);
    pod("p", "2", "", NULL);
    settle();
    k8sc_clock_fake_advance(T.clock, 290 * CT_SEC);
    ck_assert_int_eq(tries(), 0);
    /* The flush runs every 30 s: by 5 min 30 s the pod has been tried. */
    k8sc_clock_fake_advance(T.clock, 40 * CT_SEC);
    ck_assert_int_eq(tries(), 1);
    ck_assert_int_eq(tries(), 0);
}
END_TEST

/* A bound pod's deletion frees room: the pending pod is moved back and placed. */
START_TEST(deleted_pod_moves_pending_pods)
{
    node("n1", "1", "8Gi", "110", NULL, NULL);
    pod("old", "800m", "", "\"nodeName\":\"n1\"");
    pod("new", "500m", "", NULL);
    settle();
    assert_node("new", "");
    ck_assert_int_eq(tries(), 0);
    finish_deletion("old");
    backoff_settle();
    assert_node("new", "n1");
}
END_TEST

/* A status-only change (the scheduler's own condition) does not move a pod; a spec change does. */
START_TEST(pod_updates_move_only_on_spec_changes)
{
    node("n1", "1", "8Gi", "110", NULL, NULL);
    pod("p", "2", "", NULL);
    settle();
    ct_patch(&T, "v1", "Pod", "p", "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}");
    k8sc_clock_fake_advance(T.clock, CT_SEC);
    ck_assert_int_eq(tries(), 1);
    ck_assert_int_eq(tries(), 0);
}
END_TEST

/* DefaultPreemption: the lowest-priority pod goes, with the DisruptionTarget condition and an Event. */
START_TEST(preemption_evicts_the_lowest_priority_pod)
{
    node("n1", "2", "8Gi", "110", NULL, NULL);
    pod("a", "1", "", "\"priority\":1,\"nodeName\":\"n1\",\"terminationGracePeriodSeconds\":30");
    pod("b", "1", "", "\"priority\":2,\"nodeName\":\"n1\",\"terminationGracePeriodSeconds\":30");
    settle();
    pod("high", "1", "", "\"priority\":100");
    settle();
    ck_assert(being_deleted("a"));
    ck_assert(!being_deleted("b"));
    assert_node("high", "");
    assert_field("high", "status.nominatedNodeName", "n1");
    assert_message("high", "0/1 nodes are available: 1 Insufficient cpu.");
    k8sc_object *a = ct_get(&T, "v1", "Pod", "a");
    struct json_object *conds = k8sc_object_get(a, "status.conditions");
    bool found = false;
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        if (strcmp(k8sc__json_string(c, "type"), "DisruptionTarget") != 0)
            continue;
        found = true;
        ck_assert_str_eq(k8sc__json_string(c, "status"), "True");
        ck_assert_str_eq(k8sc__json_string(c, "reason"), "PreemptionByScheduler");
        ck_assert_str_eq(k8sc__json_string(c, "message"),
            "default-scheduler: preempting to accommodate a higher priority pod");
    }
    k8sc_object_free(a);
    ck_assert_msg(found, "no DisruptionTarget condition on the victim");
    char *uid = pod_field("high", "metadata.uid"), want[256];
    snprintf(want, sizeof(want), "Preempted by pod %s on node n1", uid);
    free(uid);
    ck_assert_msg(has_event("Preempted", want), "no Preempted event \"%s\"", want);
    /* While the victim terminates, nothing more is evicted for the pod, whatever brings it back. */
    ct_patch(&T, "v1", "Node", "n1", "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}");
    backoff_settle();
    ck_assert(!being_deleted("b"));
    assert_message("high", "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a "
                           "terminating pod on the nominated node.");
    finish_deletion("a");
    backoff_settle();
    assert_node("high", "n1");
    assert_node("b", "n1");
}
END_TEST

/* Which node preemption picks (pickOneNodeForPreemption), each node holding one or two lower-priority pods. */
static const struct {
    const char *what;
    const char *n1_pods[2], *n2_pods[2]; /* "name:priority:cpu[:label]" */
    bool pdb;                            /* a PodDisruptionBudget allowing no disruption covers app=x */
    const char *want;                    /* the node chosen: its pods go */
} pick[] = {
    { "lowest highest victim priority", { "x:5:1", NULL }, { "y:1:1", NULL }, false, "n2" },
    { "same again, other order", { "x:1:1", NULL }, { "y:5:1", NULL }, false, "n1" },
    { "fewest PDB violations first", { "x:1:1:x", NULL }, { "y:2:1", NULL }, true, "n2" },
    { "smallest priority sum", { "x:1:500m", "w:1:500m" }, { "y:1:1", NULL }, false, "n2" },
    { "a PDB violation only as a last resort", { "x:1:1:x", NULL }, { "y:200:1", NULL }, true, "n1" },
};

static void pick_pod(const char *spec, const char *node_name)
{
    char name[32], cpu[16], label[16] = "", extra[256];
    int prio = 0;
    ck_assert_int_ge(sscanf(spec, "%31[^:]:%d:%15[^:]:%15s", name, &prio, cpu, label), 3);
    snprintf(extra, sizeof(extra), "\"priority\":%d,\"nodeName\":\"%s\",\"terminationGracePeriodSeconds\":30", prio,
        node_name);
    pod(name, cpu, "", extra);
    if (*label)
        ct_patch(&T, "v1", "Pod", name, "{\"metadata\":{\"labels\":{\"app\":\"x\"}}}");
}

START_TEST(preemption_picks_the_cheapest_node)
{
    node("n1", "1", "8Gi", "110", NULL, NULL);
    node("n2", "1", "8Gi", "110", NULL, NULL);
    if (pick[_i].pdb)
        ct_create(&T, "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":\"pdb\","
                      "\"namespace\":\"default\"},\"spec\":{\"minAvailable\":1,\"selector\":{\"matchLabels\":"
                      "{\"app\":\"x\"}}}}");
    for (int i = 0; i < 2; i++) {
        if (pick[_i].n1_pods[i])
            pick_pod(pick[_i].n1_pods[i], "n1");
        if (pick[_i].n2_pods[i])
            pick_pod(pick[_i].n2_pods[i], "n2");
    }
    settle();
    pod("high", "1", "", "\"priority\":100");
    settle();
    assert_field("high", "status.nominatedNodeName", pick[_i].want);
    for (int i = 0; i < 2; i++) {
        const char *mine = strcmp(pick[_i].want, "n1") == 0 ? pick[_i].n1_pods[i] : pick[_i].n2_pods[i];
        const char *other = strcmp(pick[_i].want, "n1") == 0 ? pick[_i].n2_pods[i] : pick[_i].n1_pods[i];
        char name[32];
        if (mine && sscanf(mine, "%31[^:]", name) == 1)
            ck_assert_msg(being_deleted(name), "%s: %s was not preempted", pick[_i].what, name);
        if (other && sscanf(other, "%31[^:]", name) == 1)
            ck_assert_msg(!being_deleted(name), "%s: %s was preempted", pick[_i].what, name);
    }
}
END_TEST

/* Only as many pods as needed go: the more important ones are reprieved. */
START_TEST(preemption_reprieves_what_it_can)
{
    node("n1", "3", "8Gi", "110", NULL, NULL);
    pod("a", "1", "", "\"priority\":1,\"nodeName\":\"n1\",\"terminationGracePeriodSeconds\":30");
    pod("b", "1", "", "\"priority\":2,\"nodeName\":\"n1\",\"terminationGracePeriodSeconds\":30");
    pod("c", "1", "", "\"priority\":3,\"nodeName\":\"n1\",\"terminationGracePeriodSeconds\":30");
    settle();
    pod("high", "2", "", "\"priority\":100");
    settle();
    ck_assert(being_deleted("a"));
    ck_assert(being_deleted("b"));
    ck_assert(!being_deleted("c"));
}
END_TEST

START_TEST(preemption_policy_never_is_honoured)
{
    ct_create(&T, "{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\",\"metadata\":{\"name\":\"polite\"},"
                  "\"value\":1000,\"preemptionPolicy\":\"Never\"}");
    node("n1", "1", "8Gi", "110", NULL, NULL);
    pod("low", "1", "", "\"priority\":1,\"nodeName\":\"n1\",\"terminationGracePeriodSeconds\":30");
    settle();
    pod("never", "1", "", "\"priority\":100,\"preemptionPolicy\":\"Never\"");
    pod("classy", "1", "", "\"priorityClassName\":\"polite\"");
    settle();
    ck_assert(!being_deleted("low"));
    const char *msg = "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to "
                      "preemptionPolicy=Never.";
    assert_message("never", msg);
    assert_message("classy", msg);
    assert_field("never", "status.nominatedNodeName", "");
}
END_TEST

/* A pod nominated to a node keeps its room there from pods of lower priority. */
START_TEST(nominated_pods_keep_their_room)
{
    node("n1", "2", "8Gi", "110", NULL, NULL);
    pod("low", "2", "", "\"priority\":1,\"nodeName\":\"n1\",\"terminationGracePeriodSeconds\":30");
    settle();
    pod("high", "2", "", "\"priority\":100");
    settle();
    assert_field("high", "status.nominatedNodeName", "n1");
    finish_deletion("low");
    /* high waits out its back-off; mid is new, so it is tried first, but the room is high's. */
    pod("mid", "1", "", "\"priority\":50");
    settle();
    assert_node("mid", "");
    backoff_settle();
    assert_node("high", "n1");
}
END_TEST

/* A higher-priority preemptor on the same node takes the nomination of the lower one. */
START_TEST(preemption_clears_lower_nominations)
{
    node("n1", "2", "8Gi", "110", NULL, NULL);
    pod("low", "2", "", "\"priority\":1,\"nodeName\":\"n1\",\"terminationGracePeriodSeconds\":30");
    settle();
    pod("mid", "2", "", "\"priority\":50");
    settle();
    assert_field("mid", "status.nominatedNodeName", "n1");
    pod("high", "2", "", "\"priority\":100");
    settle();
    assert_field("high", "status.nominatedNodeName", "n1");
    assert_field("mid", "status.nominatedNodeName", "");
}
END_TEST

/* Two schedulers on one API server: each places only the pods that name it. */
START_TEST(two_schedulers_side_by_side)
{
    k8sc_scheduler_options o = K8SC_SCHEDULER_OPTIONS_INIT;
    o.factory = T.factory;
    o.clock = T.clock;
    o.scheduler_name = "second";
    k8sc_scheduler *s2 = NULL;
    ck_assert_int_eq(k8sc_scheduler_new(&s2, T.client, &o), 0);
    std_node("n1");
    pod("mine", "", "", NULL);
    pod("theirs", "", "", "\"schedulerName\":\"second\"");
    pod("nobodys", "", "", "\"schedulerName\":\"third\"");
    int first = 0, second = 0;
    for (int i = 0; i < 20; i++) {
        ct_step(&T);
        first += k8sc_scheduler_process(S);
        second += k8sc_scheduler_process(s2);
    }
    ck_assert_int_eq(first, 1);
    ck_assert_int_eq(second, 1);
    assert_node("mine", "n1");
    assert_node("theirs", "n1");
    assert_node("nobodys", "");
    assert_message("nobodys", "");
    k8sc_scheduler_free(s2);
}
END_TEST

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/check_scheduler_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

/* --config: several profiles in one scheduler, each with its own plugins. */
START_TEST(config_profiles_in_one_process)
{
    char *path = write_temp("apiVersion: kubescheduler.config.k8s.io/v1\n"
                            "kind: KubeSchedulerConfiguration\n"
                            "profiles:\n"
                            "- schedulerName: default-scheduler\n"
                            "- schedulerName: tolerant\n"
                            "  plugins:\n"
                            "    filter:\n"
                            "      disabled:\n"
                            "      - name: TaintToleration\n");
    k8sc_scheduler_free(S);
    k8sc_scheduler_options o = K8SC_SCHEDULER_OPTIONS_INIT;
    o.factory = T.factory;
    o.clock = T.clock;
    o.config_file = path;
    ck_assert_msg(k8sc_scheduler_new(&S, T.client, &o) == 0, "%s", k8sc_error_last());
    node("n1", "4", "8Gi", "110", NULL, "{\"taints\":[{\"key\":\"k\",\"value\":\"v\",\"effect\":\"NoSchedule\"}]}");
    pod("strict", "", "", NULL);
    pod("lax", "", "", "\"schedulerName\":\"tolerant\"");
    pod("other", "", "", "\"schedulerName\":\"my-scheduler\"");
    settle();
    assert_node("strict", "");
    assert_node("lax", "n1");
    assert_node("other", "");
    assert_message("other", "");
    unlink(path);
    free(path);
}
END_TEST

/* A bad file fails k8sc_scheduler_new with the file and field named. */
START_TEST(config_errors_name_file_and_field)
{
    char *path = write_temp("apiVersion: kubescheduler.config.k8s.io/v1\n"
                            "kind: KubeSchedulerConfiguration\n"
                            "profiles:\n"
                            "- plugins:\n"
                            "    score:\n"
                            "      enabled:\n"
                            "      - name: NoSuchPlugin\n");
    k8sc_scheduler_options o = K8SC_SCHEDULER_OPTIONS_INIT;
    o.config_file = path;
    k8sc_scheduler *s = NULL;
    ck_assert_int_eq(k8sc_scheduler_new(&s, T.client, &o), K8SC_EINVAL);
    char want[512];
    snprintf(want, sizeof(want), "%s: profiles[0].plugins.score.enabled[0].name: unknown plugin \"NoSuchPlugin\"",
        path);
    ck_assert_str_eq(k8sc_error_last(), want);
    o.config_file = "/nonexistent/config.yaml";
    ck_assert_int_eq(k8sc_scheduler_new(&s, T.client, &o), K8SC_EIO);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "/nonexistent/config.yaml"));
    unlink(path);
    free(path);
}
END_TEST

/* A version 1 caller (no config_file) still works. */
START_TEST(version_1_options_are_accepted)
{
    k8sc_scheduler_options o;
    memset(&o, 0xff, sizeof(o));
    ck_assert_int_eq(k8sc_scheduler_options_init(&o, 1), 0);
    ck_assert_uint_eq(o.version, 1);
    o.scheduler_name = "old-caller";
    k8sc_scheduler *s = NULL;
    /* config_file holds garbage: a version 1 struct has no such field, so it must not be read. */
    ck_assert_msg(k8sc_scheduler_new(&s, T.client, &o) == 0, "%s", k8sc_error_last());
    k8sc_scheduler_free(s);
}
END_TEST

static int odd_nodes_out(const k8sc_object *pod, const k8sc_object *node, char *reason, size_t size, void *ud)
{
    (void)pod;
    int *calls = ud;
    (*calls)++;
    const char *name = k8sc_object_name(node);
    if ((name[strlen(name) - 1] - '0') % 2 == 0)
        return 0;
    snprintf(reason, size, "node(s) had an odd name");
    return 1;
}

static int prefer_label(int64_t *out, const k8sc_object *pod, const k8sc_object *node, void *ud)
{
    (void)pod;
    (void)ud;
    *out = k8sc_object_get_string(node, "metadata.labels.fast") ? 100 : 0;
    return 0;
}

static int failing_score(int64_t *out, const k8sc_object *pod, const k8sc_object *node, void *ud)
{
    (void)out;
    (void)pod;
    (void)node;
    (void)ud;
    return -1;
}

/* User plugins: a filter with its own reason and a weighted score. */
START_TEST(user_plugins_filter_and_score)
{
    int calls = 0;
    ck_assert_int_eq(k8sc_scheduler_add_filter(S, "EvenNodes", odd_nodes_out, &calls), 0);
    ck_assert_int_eq(k8sc_scheduler_add_score(S, "FastNodes", prefer_label, 5, NULL), 0);
    ck_assert_int_eq(k8sc_scheduler_add_filter(S, "EvenNodes", odd_nodes_out, &calls), K8SC_EEXISTS);
    ck_assert_int_eq(k8sc_scheduler_add_filter(S, "NodeName", odd_nodes_out, &calls), K8SC_EEXISTS);
    ck_assert_int_eq(k8sc_scheduler_add_score(S, "Zero", prefer_label, 0, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_scheduler_add_filter(S, NULL, odd_nodes_out, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_scheduler_add_filter(S, "x", NULL, NULL), K8SC_EINVAL);
    node("n1", "4", "8Gi", "110", "{\"zone\":\"a\"}", NULL);
    std_node("n2");
    node("n4", "4", "8Gi", "110", "{\"fast\":\"yes\"}", NULL);
    settle();
    pod("p", "", "", NULL);
    settle();
    /* n2 and n4 pass; the score outweighs the tie-break on names. */
    assert_node("p", "n4");
    ck_assert_int_ge(calls, 3);
    pod("q", "", "", "\"nodeSelector\":{\"zone\":\"a\"}");
    settle();
    assert_message("q", "0/3 nodes are available: 1 node(s) had an odd name, 2 node(s) didn't match Pod's node "
                        "affinity/selector. preemption: 0/3 nodes are available: 1 No preemption victims found for "
                        "incoming pod, 2 Preemption is not helpful for scheduling.");
    ck_assert_int_eq(k8sc_scheduler_start(S), 0);
    ck_assert_int_eq(k8sc_scheduler_add_score(S, "Late", prefer_label, 1, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_scheduler_load_config(S, "/dev/null"), K8SC_EINVAL);
    k8sc_scheduler_stop(S);
}
END_TEST

/* A failing user score is an error: the pod is not bound and is retried after a back-off. */
START_TEST(user_plugin_errors_retry_the_pod)
{
    ck_assert_int_eq(k8sc_scheduler_add_score(S, "Broken", failing_score, 1, NULL), 0);
    std_node("n1");
    pod("p", "", "", NULL);
    settle();
    assert_node("p", "");
    k8sc_clock_fake_advance(T.clock, CT_SEC);
    ck_assert_int_eq(tries(), 1);
}
END_TEST

/* A configuration read after user plugins were added may name them. */
START_TEST(config_may_name_user_plugins)
{
    int calls = 0;
    ck_assert_int_eq(k8sc_scheduler_add_filter(S, "EvenNodes", odd_nodes_out, &calls), 0);
    char *path = write_temp("{\"apiVersion\":\"kubescheduler.config.k8s.io/v1\",\"kind\":\"KubeSchedulerConfiguration\","
                            "\"profiles\":[{\"schedulerName\":\"default-scheduler\",\"plugins\":{\"filter\":"
                            "{\"disabled\":[{\"name\":\"EvenNodes\"}]}}},{\"schedulerName\":\"even\"}]}");
    ck_assert_msg(k8sc_scheduler_load_config(S, path) == 0, "%s", k8sc_error_last());
    std_node("n1");
    pod("any", "", "", NULL);
    pod("evens", "", "", "\"schedulerName\":\"even\"");
    settle();
    assert_node("any", "n1");
    assert_node("evens", "");
    unlink(path);
    free(path);
}
END_TEST

START_TEST(options_and_arguments)
{
    k8sc_scheduler_options o;
    ck_assert_int_eq(k8sc_scheduler_options_init(&o, 99), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_scheduler_options_init(NULL, K8SC_SCHEDULER_OPTIONS_VERSION), K8SC_EINVAL);
    k8sc_scheduler *s = NULL;
    ck_assert_int_eq(k8sc_scheduler_new(&s, NULL, NULL), K8SC_EINVAL);
    k8sc_scheduler_options_init(&o, K8SC_SCHEDULER_OPTIONS_VERSION);
    o.version = 7;
    ck_assert_int_eq(k8sc_scheduler_new(&s, T.client, &o), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_scheduler_process(NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_scheduler_fd(NULL), -1);
    ck_assert_int_eq(k8sc_scheduler_next_timeout_ms(NULL), -1);
    ck_assert_ptr_null(k8sc_scheduler_informer(NULL, "v1", "Node"));
    ck_assert_ptr_nonnull(k8sc_scheduler_informer(S, "v1", "Node"));
    ck_assert_int_eq(k8sc_scheduler_load_config(NULL, "x"), K8SC_EINVAL);
    k8sc_scheduler_stats st = { 1, 1, 1 };
    k8sc_scheduler_get_stats(NULL, &st);
    ck_assert_uint_eq(st.scheduled + st.unschedulable + st.algorithm_ns, 0);
    k8sc_scheduler_stop(NULL);
    k8sc_scheduler_free(NULL);
    ck_assert_int_ge(k8sc_scheduler_fd(S), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scheduler");
    TCase *tc = tcase_create("scheduler");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, pod_that_fits_is_bound_with_an_event);
    tcase_add_loop_test(tc, pod_that_fits_nowhere_is_marked_unschedulable, 0, (int)(sizeof(no_fit) / sizeof(no_fit[0])));
    tcase_add_test(tc, bound_pods_and_assumed_pods_take_room);
    tcase_add_test(tc, terminated_pods_free_their_room);
    tcase_add_loop_test(tc, node_affinity_operators, 0, (int)(sizeof(affinity) / sizeof(affinity[0])));
    tcase_add_test(tc, node_selector_and_terms);
    tcase_add_test(tc, tolerations);
    tcase_add_test(tc, prefer_no_schedule_is_scored);
    tcase_add_test(tc, preferred_affinity_is_scored);
    tcase_add_test(tc, least_allocated_spreads_pods);
    tcase_add_test(tc, containers_without_requests_count_defaults);
    tcase_add_test(tc, host_ports_conflict);
    tcase_add_test(tc, pending_pod_is_scheduled_when_a_node_comes);
    tcase_add_test(tc, only_relevant_node_changes_requeue);
    tcase_add_test(tc, back_off_retries_the_pod);
    tcase_add_test(tc, other_schedulers_and_bound_pods_are_ignored);
    tcase_add_test(tc, runs_on_its_own_threads);
    tcase_add_test(tc, threaded_binding_never_overcommits);
    tcase_add_test(tc, percentage_of_nodes_to_score_rotates_the_search);
    tcase_add_test(tc, options_and_arguments);
    tcase_add_test(tc, higher_priority_pods_go_first);
    tcase_add_test(tc, equal_priorities_go_in_queue_order);
    tcase_add_test(tc, unschedulable_pods_are_flushed_after_five_minutes);
    tcase_add_test(tc, deleted_pod_moves_pending_pods);
    tcase_add_test(tc, pod_updates_move_only_on_spec_changes);
    tcase_add_test(tc, preemption_evicts_the_lowest_priority_pod);
    tcase_add_loop_test(tc, preemption_picks_the_cheapest_node, 0, (int)(sizeof(pick) / sizeof(pick[0])));
    tcase_add_test(tc, preemption_reprieves_what_it_can);
    tcase_add_test(tc, preemption_policy_never_is_honoured);
    tcase_add_test(tc, nominated_pods_keep_their_room);
    tcase_add_test(tc, preemption_clears_lower_nominations);
    tcase_add_test(tc, two_schedulers_side_by_side);
    tcase_add_test(tc, config_profiles_in_one_process);
    tcase_add_test(tc, config_errors_name_file_and_field);
    tcase_add_test(tc, version_1_options_are_accepted);
    tcase_add_test(tc, user_plugins_filter_and_score);
    tcase_add_test(tc, user_plugin_errors_retry_the_pod);
    tcase_add_test(tc, config_may_name_user_plugins);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
