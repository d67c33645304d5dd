/*
 * KubeSchedulerConfiguration parsing: plugin sets merged over the default
 * profile, weights, plugin args, and errors that name the field.
 */
#include "scheduler/framework.h"
#include "testutil.h"

#include <string.h>

#define HEAD "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"

static k8sc__sched_config parse_ok(const char *text)
{
    static const char *const user[] = { "MyFilter" };
    k8sc__sched_config c;
    int rc = k8sc__sched_config_parse(&c, text, strlen(text), "cfg.yaml", user, 1);
    ck_assert_msg(rc == 0, "%s", k8sc_error_last());
    return c;
}

START_TEST(no_profiles_is_the_default_profile)
{
    k8sc__sched_config c = parse_ok(HEAD);
    ck_assert_uint_eq(c.nprofiles, 1);
    ck_assert_str_eq(c.profiles[0].name, "default-scheduler");
    k8sc__sched_profile d;
    k8sc__sched_profile_default(&d);
    ck_assert_mem_eq(&c.profiles[0].profile, &d, sizeof(d));
    ck_assert(c.profiles[0].preempt);
    ck_assert_int_eq(c.percentage, -1);
    ck_assert(c.profiles[0].user_filter[0]);
    k8sc__sched_config_clear(&c);
}
END_TEST

START_TEST(plugin_sets_merge_over_the_defaults)
{
    k8sc__sched_config c = parse_ok(HEAD "percentageOfNodesToScore: 30\n"
                                         "profiles:\n"
                                         "- schedulerName: a\n"
                                         "  percentageOfNodesToScore: 70\n"
                                         "  plugins:\n"
                                         "    multiPoint:\n"
                                         "      disabled: [{name: ImageLocality}]\n"
                                         "    filter:\n"
                                         "      disabled: [{name: TaintToleration}, {name: MyFilter}]\n"
                                         "    score:\n"
                                         "      enabled: [{name: NodeResourcesFit, weight: 7}]\n"
                                         "    postFilter:\n"
                                         "      disabled: [{name: DefaultPreemption}]\n"
                                         "- schedulerName: b\n"
                                         "  plugins:\n"
                                         "    score:\n"
                                         "      disabled: [{name: '*'}]\n"
                                         "      enabled: [{name: NodeAffinity}]\n"
                                         "    filter:\n"
                                         "      disabled: [{name: '*'}]\n"
                                         "      enabled: [{name: NodeName}]\n");
    ck_assert_int_eq(c.percentage, 30);
    ck_assert_uint_eq(c.nprofiles, 2);
    const k8sc__sched_named_profile *a = &c.profiles[0], *b = &c.profiles[1];
    ck_assert_str_eq(a->name, "a");
    ck_assert_int_eq(a->percentage, 70);
    ck_assert_int_eq(a->profile.weight[K8SC__SCHED_IMAGE_LOCALITY], 0);
    ck_assert(!a->profile.filter[K8SC__SCHED_TAINT_TOLERATION]);
    ck_assert_int_eq(a->profile.weight[K8SC__SCHED_TAINT_TOLERATION], 3);
    ck_assert(a->profile.filter[K8SC__SCHED_NODE_AFFINITY]);
    ck_assert_int_eq(a->profile.weight[K8SC__SCHED_NODE_RESOURCES_FIT], 7);
    ck_assert(!a->user_filter[0]);
    ck_assert(!a->preempt);
    ck_assert_str_eq(b->name, "b");
    ck_assert_int_eq(b->percentage, -1);
    ck_assert(b->preempt);
    for (int i = 0; i < K8SC__SCHED_PLUGIN_COUNT; i++) {
        ck_assert_int_eq(b->profile.weight[i], i == K8SC__SCHED_NODE_AFFINITY ? 2 : 0);
        ck_assert_int_eq(b->profile.filter[i], i == K8SC__SCHED_NODE_NAME);
    }
    ck_assert_int_eq(b->user_weight[0], 0);
    k8sc__sched_config_clear(&c);
}
END_TEST

START_TEST(plugin_args)
{
    k8sc__sched_config c = parse_ok("{\"apiVersion\":\"kubescheduler.config.k8s.io/v1\","
                                    "\"kind\":\"KubeSchedulerConfiguration\",\"profiles\":[{\"pluginConfig\":["
                                    "{\"name\":\"NodeResourcesFit\",\"args\":{\"scoringStrategy\":{"
                                    "\"type\":\"RequestedToCapacityRatio\",\"resources\":[{\"name\":\"cpu\",\"weight\":3},"
                                    "{\"name\":\"nvidia.com/gpu\",\"weight\":5}],\"requestedToCapacityRatio\":{\"shape\":["
                                    "{\"utilization\":0,\"score\":10},{\"utilization\":100,\"score\":0}]}}}},"
                                    "{\"name\":\"InterPodAffinity\",\"args\":{\"hardPodAffinityWeight\":5,"
                                    "\"ignorePreferredTermsOfExistingPods\":true}},"
                                    "{\"name\":\"PodTopologySpread\",\"args\":{\"defaultingType\":\"List\"}}]}]}");
    const k8sc__sched_profile *p = &c.profiles[0].profile;
    ck_assert_int_eq(p->strategy, K8SC__SCHED_REQUESTED_TO_CAPACITY_RATIO);
    ck_assert_uint_eq(p->nresources, 2);
    ck_assert_str_eq(p->resources[1].name, "nvidia.com/gpu");
    ck_assert_int_eq(p->resources[0].weight, 3);
    ck_assert_uint_eq(p->nshape, 2);
    ck_assert_int_eq(p->shape[0].score, 10);
    ck_assert_int_eq(p->shape[1].utilization, 100);
    ck_assert_int_eq(p->hard_pod_affinity_weight, 5);
    ck_assert(p->ignore_preferred_terms_of_existing_pods);
    ck_assert(!p->system_default_spread);
    k8sc__sched_config_clear(&c);
    c = parse_ok(HEAD "profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args:\n"
                      "      scoringStrategy: {type: MostAllocated}\n");
    ck_assert_int_eq(c.profiles[0].profile.strategy, K8SC__SCHED_MOST_ALLOCATED);
    ck_assert_uint_eq(c.profiles[0].profile.nresources, 2);
    k8sc__sched_config_clear(&c);
}
END_TEST

static const struct {
    const char *text, *error;
} bad[] = {
    { "apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n",
        "cfg.yaml: apiVersion: must be kubescheduler.config.k8s.io/v1, not \"kubescheduler.config.k8s.io/v1beta3\"" },
    { "apiVersion: kubescheduler.config.k8s.io/v1\nkind: Pod\n",
        "cfg.yaml: kind: must be KubeSchedulerConfiguration, not \"Pod\"" },
    { HEAD "profilez: []\n", "cfg.yaml: profilez: unknown field" },
    { HEAD "percentageOfNodesToScore: 101\n",
        "cfg.yaml: percentageOfNodesToScore: 101 is out of range [0, 100]" },
    { HEAD "profiles:\n- schedulerName: x\n  plugins:\n    filter:\n      enabled: [{name: Nope}]\n",
        "cfg.yaml: profiles[0].plugins.filter.enabled[0].name: unknown plugin \"Nope\"" },
    { HEAD "profiles:\n- plugins:\n    preBind:\n      disabled: [{name: Nope}]\n",
        "cfg.yaml: profiles[0].plugins.preBind.disabled[0].name: unknown plugin \"Nope\"" },
    { HEAD "profiles:\n- plugins:\n    sort: {}\n", "cfg.yaml: profiles[0].plugins.sort: unknown field" },
    { HEAD "profiles:\n- plugins:\n    score:\n      enabled: [{name: NodeName}]\n",
        "cfg.yaml: profiles[0].plugins.score.enabled[0].name: plugin \"NodeName\" does not extend score" },
    { HEAD "profiles:\n- plugins:\n    score:\n      enabled: [{name: ImageLocality, weight: -1}]\n",
        "cfg.yaml: profiles[0].plugins.score.enabled[0].weight: -1 is out of range [0, 100]" },
    { HEAD "profiles:\n- schedulerName: a\n- schedulerName: a\n",
        "cfg.yaml: profiles[1].schedulerName: duplicate scheduler name \"a\"" },
    { HEAD "profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: Random}}\n",
        "cfg.yaml: profiles[0].pluginConfig[0].args.scoringStrategy.type: unsupported value \"Random\": "
        "LeastAllocated, MostAllocated or RequestedToCapacityRatio" },
    { HEAD "profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      scoringStrategy:\n"
           "        type: RequestedToCapacityRatio\n        requestedToCapacityRatio:\n"
           "          shape: [{utilization: 50, score: 1}, {utilization: 10, score: 2}]\n",
        "cfg.yaml: profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape[1].utilization: "
        "values must be sorted in increasing order" },
    { HEAD "profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      scoringStrategy:\n"
           "        type: RequestedToCapacityRatio\n",
        "cfg.yaml: profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio: required for type "
        "RequestedToCapacityRatio" },
    { HEAD "profiles:\n- pluginConfig:\n  - name: InterPodAffinity\n    args: {hardPodAffinityWeight: 101}\n",
        "cfg.yaml: profiles[0].pluginConfig[0].args.hardPodAffinityWeight: 101 is out of range [0, 100]" },
    { HEAD "profiles:\n- pluginConfig:\n  - name: InterPodAffinity\n    args: {colour: red}\n",
        "cfg.yaml: profiles[0].pluginConfig[0].args.colour: unknown field" },
    { HEAD "profiles:\n- pluginConfig:\n  - name: PodTopologySpread\n    args: {defaultingType: Some}\n",
        "cfg.yaml: profiles[0].pluginConfig[0].args.defaultingType: unsupported value \"Some\": System or List" },
    { HEAD "profiles:\n- pluginConfig:\n  - name: Whatever\n",
        "cfg.yaml: profiles[0].pluginConfig[0].name: unknown plugin \"Whatever\"" },
    { HEAD "profiles: 3\n", "cfg.yaml: profiles: must be a list" },
};

START_TEST(bad_configurations)
{
    k8sc__sched_config c;
    ck_assert_int_eq(k8sc__sched_config_parse(&c, bad[_i].text, strlen(bad[_i].text), "cfg.yaml", NULL, 0), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), bad[_i].error);
    ck_assert_ptr_null(c.profiles);
}
END_TEST

START_TEST(unreadable_and_malformed_files)
{
    k8sc__sched_config c;
    ck_assert_int_eq(k8sc__sched_config_load(&c, "/nonexistent/x.yaml", NULL, 0), K8SC_EIO);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "/nonexistent/x.yaml: cannot open"));
    const char *junk = "profiles: [\n";
    ck_assert_int_eq(k8sc__sched_config_parse(&c, junk, strlen(junk), "j.yaml", NULL, 0), K8SC_EINVAL);
    ck_assert_int_eq(strncmp(k8sc_error_last(), "j.yaml: ", 8), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scheduler_config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, no_profiles_is_the_default_profile);
    tcase_add_test(tc, plugin_sets_merge_over_the_defaults);
    tcase_add_test(tc, plugin_args);
    tcase_add_loop_test(tc, bad_configurations, 0, (int)(sizeof(bad) / sizeof(bad[0])));
    tcase_add_test(tc, unreadable_and_malformed_files);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
