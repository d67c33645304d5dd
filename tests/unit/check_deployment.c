/*
 * The Deployment controller with the ReplicaSet controller, in process on
 * a fake clock, with a fake kubelet marking pods ready: first rollout,
 * rolling updates within maxSurge/maxUnavailable, rollback, Recreate,
 * proportional scaling, pause/resume, history cleanup, progress deadline.
 */
#include "ctltest.h"
#include "testutil.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static ctltest T;

static void setup(void)
{
    ct_setup(&T);
    k8sc_builtin_options o = ct_options(&T);
    k8sc_controller *rs, *dep;
    ck_assert_int_eq(k8sc_replicaset_controller_new(&rs, T.client, &o), 0);
    ck_assert_int_eq(k8sc_deployment_controller_new(&dep, T.client, &o), 0);
    ck_assert_str_eq(k8sc_controller_name(dep), "deployment-controller");
    ct_add(&T, rs);
    ct_add(&T, dep);
}

static void teardown(void)
{
    ct_teardown(&T);
}

static void create_deployment(const char *name, int replicas, const char *strategy, const char *image)
{
    char json[1024];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\","
        "\"annotations\":{\"team\":\"a\"}},\"spec\":{\"replicas\":%d,\"strategy\":%s,"
        "\"selector\":{\"matchLabels\":{\"app\":\"%s\"}},"
        "\"template\":{\"metadata\":{\"labels\":{\"app\":\"%s\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"%s\"}]}}}}",
        name, replicas, strategy, name, name, image);
    ct_create(&T, json);
}

static void set_image(const char *name, const char *image)
{
    char p[256];
    snprintf(p, sizeof(p), "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"%s\"}]}}}}", image);
    ct_patch(&T, "apps/v1", "Deployment", name, p);
}

/* A condition of the Deployment as "Status/Reason", or "-". */
static const char *condition(const char *name, const char *type)
{
    static char out[128];
    k8sc_object *d = ct_get(&T, "apps/v1", "Deployment", name);
    snprintf(out, sizeof(out), "-");
    struct json_object *conds = k8sc_object_get(d, "status.conditions");
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        if (strcmp(json_object_get_string(json_object_object_get(c, "type")), type) == 0)
            snprintf(out, sizeof(out), "%s/%s", json_object_get_string(json_object_object_get(c, "status")),
                json_object_get_string(json_object_object_get(c, "reason")));
    }
    k8sc_object_free(d);
    return out;
}

/* The Deployment's ReplicaSets as "revision:spec/ready" sorted by revision, e.g. "1:0/0 2:3/3". */
static const char *replicasets(const char *app)
{
    static char out[256];
    char sel[64];
    snprintf(sel, sizeof(sel), "app=%s", app);
    k8sc_object *list = ct_list(&T, "apps/v1", "ReplicaSet", sel);
    struct json_object *items = k8sc_object_get(list, "items");
    char parts[16][32];
    size_t n = json_object_array_length(items);
    for (size_t i = 0; i < n && i < 16; i++) {
        k8sc_object *rs;
        ck_assert_int_eq(k8sc_object_wrap(&rs, json_object_get(json_object_array_get_idx(items, i))), 0);
        int64_t spec = 0, ready = 0;
        k8sc_object_get_int(rs, "spec.replicas", &spec);
        k8sc_object_get_int(rs, "status.readyReplicas", &ready);
        snprintf(parts[i], sizeof(parts[i]), "%s:%lld/%lld",
            k8sc_object_meta_get(rs, K8SC_ANNOTATIONS, "deployment.kubernetes.io/revision"), (long long)spec,
            (long long)ready);
        k8sc_object_free(rs);
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(parts[j - 1], parts[j]) > 0; j--) {
            char tmp[32];
            memcpy(tmp, parts[j], sizeof(tmp));
            memcpy(parts[j], parts[j - 1], sizeof(tmp));
            memcpy(parts[j - 1], tmp, sizeof(tmp));
        }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(out, i ? " " : "");
        strcat(out, parts[i]);
    }
    k8sc_object_free(list);
    return out;
}

static bool rollout_done(ctltest *t, void *name)
{
    k8sc_object *d = ct_get(t, "apps/v1", "Deployment", name);
    int64_t want = -1, updated = -1, available = -1, replicas = -1, observed = -1;
    k8sc_object_get_int(d, "spec.replicas", &want);
    k8sc_object_get_int(d, "status.updatedReplicas", &updated);
    k8sc_object_get_int(d, "status.availableReplicas", &available);
    k8sc_object_get_int(d, "status.replicas", &replicas);
    k8sc_object_get_int(d, "status.observedGeneration", &observed);
    bool done = updated == want && available == want && replicas == want && observed == k8sc_object_generation(d);
    k8sc_object_free(d);
    return done;
}

START_TEST(first_rollout)
{
    create_deployment("web", 3, "{}", "nginx:1");
    ct_until(&T, rollout_done, "web", 100, "web rolled out");
    ck_assert_str_eq(replicasets("web"), "1:3/3");
    k8sc_object *list = ct_list(&T, "apps/v1", "ReplicaSet", "app=web");
    k8sc_object *rs;
    ck_assert_int_eq(k8sc_object_wrap(&rs, json_object_get(json_object_array_get_idx(k8sc_object_get(list, "items"), 0))), 0);
    /* Named after the Deployment and the template hash, which also labels and selects its pods. */
    const char *hash = k8sc_object_meta_get(rs, K8SC_LABELS, "pod-template-hash");
    ck_assert_ptr_nonnull(hash);
    char want[64];
    snprintf(want, sizeof(want), "web-%s", hash);
    ck_assert_str_eq(k8sc_object_name(rs), want);
    ck_assert_str_eq(k8sc_object_get_string(rs, "spec.selector.matchLabels.pod-template-hash"), hash);
    ck_assert_str_eq(k8sc_object_get_string(rs, "spec.template.metadata.labels.pod-template-hash"), hash);
    ck_assert_str_eq(k8sc_object_meta_get(rs, K8SC_ANNOTATIONS, "deployment.kubernetes.io/desired-replicas"), "3");
    /* 25% of 3 rounded up. */
    ck_assert_str_eq(k8sc_object_meta_get(rs, K8SC_ANNOTATIONS, "deployment.kubernetes.io/max-replicas"), "4");
    ck_assert_str_eq(k8sc_object_meta_get(rs, K8SC_ANNOTATIONS, "team"), "a");
    k8sc_object_free(rs);
    k8sc_object_free(list);
    k8sc_object *d = ct_get(&T, "apps/v1", "Deployment", "web");
    ck_assert_str_eq(k8sc_object_meta_get(d, K8SC_ANNOTATIONS, "deployment.kubernetes.io/revision"), "1");
    k8sc_object_free(d);
    ck_assert_str_eq(condition("web", "Available"), "True/MinimumReplicasAvailable");
    ck_assert_str_eq(condition("web", "Progressing"), "True/NewReplicaSetAvailable");
    ck_assert_uint_eq(ct_count(&T, "v1", "Pod", "app=web"), 3);
}
END_TEST

/* Invariants of a rolling update at every step: never more than replicas + maxSurge pods wanted. */
typedef struct bounds {
    const char *name;
    int64_t max_total;
    int64_t max_seen;
} bounds;

static bool done_within_bounds(ctltest *t, void *arg)
{
    bounds *b = arg;
    k8sc_object *list = ct_list(t, "apps/v1", "ReplicaSet", "app=web");
    struct json_object *items = k8sc_object_get(list, "items");
    int64_t total = 0;
    for (size_t i = 0; i < json_object_array_length(items); i++)
        total += json_object_get_int64(json_object_object_get(json_object_object_get(json_object_array_get_idx(items, i), "spec"), "replicas"));
    k8sc_object_free(list);
    if (total > b->max_seen)
        b->max_seen = total;
    ck_assert_int_le(total, b->max_total);
    return rollout_done(t, (void *)b->name);
}

START_TEST(rolling_update_and_rollback)
{
    create_deployment("web", 4, "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":1,\"maxUnavailable\":0}}", "nginx:1");
    ct_until(&T, rollout_done, "web", 100, "first rollout");
    set_image("web", "nginx:2");
    bounds b = { "web", 5, 0 };
    ct_until(&T, done_within_bounds, &b, 300, "second rollout");
    ck_assert_int_eq(b.max_seen, 5);
    ck_assert_str_eq(replicasets("web"), "1:0/0 2:4/4");
    ck_assert_str_eq(condition("web", "Progressing"), "True/NewReplicaSetAvailable");

    /* kubectl rollout undo puts the old template back: the old ReplicaSet becomes revision 3. */
    set_image("web", "nginx:1");
    b.max_seen = 0;
    ct_until(&T, done_within_bounds, &b, 300, "rollback");
    ck_assert_str_eq(replicasets("web"), "2:0/0 3:4/4");
    k8sc_object *list = ct_list(&T, "apps/v1", "ReplicaSet", "app=web");
    struct json_object *items = k8sc_object_get(list, "items");
    bool found = false;
    for (size_t i = 0; i < json_object_array_length(items); i++) {
        k8sc_object *rs;
        ck_assert_int_eq(k8sc_object_wrap(&rs, json_object_get(json_object_array_get_idx(items, i))), 0);
        const char *hist = k8sc_object_meta_get(rs, K8SC_ANNOTATIONS, "deployment.kubernetes.io/revision-history");
        if (hist) {
            ck_assert_str_eq(hist, "1");
            found = true;
        }
        k8sc_object_free(rs);
    }
    ck_assert(found);
    k8sc_object_free(list);
    k8sc_object *d = ct_get(&T, "apps/v1", "Deployment", "web");
    ck_assert_str_eq(k8sc_object_meta_get(d, K8SC_ANNOTATIONS, "deployment.kubernetes.io/revision"), "3");
    k8sc_object_free(d);
}
END_TEST

static bool no_pods_of_image(ctltest *t, void *image)
{
    k8sc_object *list = ct_list(t, "v1", "Pod", "app=web");
    struct json_object *items = k8sc_object_get(list, "items");
    bool none = true;
    for (size_t i = 0; i < json_object_array_length(items); i++) {
        k8sc_object *pod;
        ck_assert_int_eq(k8sc_object_wrap(&pod, json_object_get(json_object_array_get_idx(items, i))), 0);
        if (strcmp(k8sc_object_get_string(pod, "spec.containers[0].image"), image) == 0)
            none = false;
        k8sc_object_free(pod);
    }
    k8sc_object_free(list);
    return none;
}

START_TEST(recreate_waits_for_old_pods)
{
    create_deployment("web", 3, "{\"type\":\"Recreate\"}", "nginx:1");
    ct_until(&T, rollout_done, "web", 100, "first rollout");
    set_image("web", "nginx:2");
    /* Old and new pods never exist together. */
    for (int i = 0; i < 200 && !no_pods_of_image(&T, "nginx:1"); i++) {
        ct_step(&T);
        ck_assert(no_pods_of_image(&T, "nginx:2") || no_pods_of_image(&T, "nginx:1"));
    }
    ct_until(&T, rollout_done, "web", 200, "recreate");
    ck_assert_str_eq(replicasets("web"), "1:0/0 2:3/3");
}
END_TEST

START_TEST(proportional_scaling_during_a_rollout)
{
    /* The example of the Kubernetes documentation: 10 replicas, maxSurge 3, maxUnavailable 2. */
    create_deployment("web", 10, "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":3,\"maxUnavailable\":2}}",
        "nginx:1");
    ct_until(&T, rollout_done, "web", 100, "first rollout");
    T.unready_image = "nginx:bad";
    set_image("web", "nginx:bad");
    ct_settle(&T);
    /* Stuck: the new pods never become ready. */
    ck_assert_str_eq(replicasets("web"), "1:8/8 2:5/0");
    ct_patch(&T, "apps/v1", "Deployment", "web", "{\"spec\":{\"replicas\":15}}");
    ct_settle(&T);
    /* 5 more wanted: the old ReplicaSet (larger) gets 3, the new one 2. */
    ck_assert_str_eq(replicasets("web"), "1:11/11 2:7/0");
}
END_TEST

START_TEST(pause_resume_and_history_limit)
{
    create_deployment("web", 2, "{}", "nginx:1");
    ct_patch(&T, "apps/v1", "Deployment", "web", "{\"spec\":{\"revisionHistoryLimit\":1}}");
    ct_until(&T, rollout_done, "web", 100, "first rollout");
    ct_patch(&T, "apps/v1", "Deployment", "web", "{\"spec\":{\"paused\":true}}");
    set_image("web", "nginx:2");
    ct_settle(&T);
    /* Paused: no new ReplicaSet for the new template. */
    ck_assert_str_eq(replicasets("web"), "1:2/2");
    ck_assert_str_eq(condition("web", "Progressing"), "Unknown/DeploymentPaused");
    ct_patch(&T, "apps/v1", "Deployment", "web", "{\"spec\":{\"paused\":false}}");
    ct_until(&T, rollout_done, "web", 200, "resumed rollout");
    ck_assert_str_eq(replicasets("web"), "1:0/0 2:2/2");
    set_image("web", "nginx:3");
    ct_until(&T, rollout_done, "web", 200, "third rollout");
    ct_settle(&T);
    /* revisionHistoryLimit 1: revision 1 went. */
    ck_assert_str_eq(replicasets("web"), "2:0/0 3:2/2");
}
END_TEST

START_TEST(progress_deadline_exceeded)
{
    create_deployment("web", 2, "{}", "nginx:1");
    ct_patch(&T, "apps/v1", "Deployment", "web", "{\"spec\":{\"progressDeadlineSeconds\":60}}");
    ct_until(&T, rollout_done, "web", 100, "first rollout");
    T.unready_image = "nginx:bad";
    set_image("web", "nginx:bad");
    ct_settle(&T);
    ck_assert_str_eq(condition("web", "Progressing"), "True/ReplicaSetUpdated");
    k8sc_clock_fake_advance(T.clock, 61 * CT_SEC);
    ct_settle(&T);
    ck_assert_str_eq(condition("web", "Progressing"), "False/ProgressDeadlineExceeded");
    /* Fixing the template starts progress again. */
    T.unready_image = NULL;
    set_image("web", "nginx:2");
    ct_until(&T, rollout_done, "web", 200, "fixed rollout");
    ck_assert_str_eq(condition("web", "Progressing"), "True/NewReplicaSetAvailable");
}
END_TEST

START_TEST(selecting_everything_is_refused)
{
    ct_create(&T, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"all\",\"namespace\":\"default\"},"
                  "\"spec\":{\"replicas\":1,\"selector\":{},\"template\":{\"metadata\":{\"labels\":{\"app\":\"all\"}},"
                  "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}}}");
    ct_settle(&T);
    ck_assert_uint_eq(ct_count(&T, "apps/v1", "ReplicaSet", NULL), 0);
    ck_assert_int_eq(ct_int(&T, "apps/v1", "Deployment", "all", "status.observedGeneration"), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("deployment");
    TCase *tc = tcase_create("deployment");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, first_rollout);
    tcase_add_test(tc, rolling_update_and_rollback);
    tcase_add_test(tc, recreate_waits_for_old_pods);
    tcase_add_test(tc, proportional_scaling_during_a_rollout);
    tcase_add_test(tc, pause_resume_and_history_limit);
    tcase_add_test(tc, progress_deadline_exceeded);
    tcase_add_test(tc, selecting_everything_is_refused);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
