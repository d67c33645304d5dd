/*
 * The scheduler's plugins on a hand-built cache: NodeResourcesFit (extended
 * resources, init containers, overhead, scoring strategies),
 * InterPodAffinity, PodTopologySpread and ImageLocality, with
 * kube-scheduler 1.32's messages and scores, the cycle's what-if updates
 * and the profile's switches; then a few pods end to end through the
 * scheduler on an in-process API server.
 */
#include "ctltest.h"
#include "k8sc/scheduler.h"
#include "scheduler/sched.h"
#include "testutil.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static k8sc__sched_cache *C;
static k8sc__sched_profile P;

static void setup(void)
{
    ck_assert_int_eq(k8sc__sched_cache_new(&C), 0);
    k8sc__sched_profile_default(&P);
}

static void teardown(void)
{
    k8sc__sched_cache_free(C);
}

/* An object from JSON written with ' for " (the caller's). */
static k8sc_object *objf(const char *fmt, ...)
{
    char json[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(json, sizeof(json), fmt, ap);
    va_end(ap);
    for (char *s = json; *s; s++)
        if (*s == '\'')
            *s = '"';
    k8sc_object *obj = NULL;
    ck_assert_msg(k8sc_object_from_json(&obj, json, strlen(json)) == 0, "%s: %s", json, k8sc_error_last());
    return obj;
}

/* A node with 4 cpu, 8Gi, 110 pods; `labels` and `alloc` are JSON members ("" for none), `status` more status. */
static void node(const char *name, const char *labels, const char *alloc, const char *status)
{
    k8sc_object *n = objf("{'apiVersion':'v1','kind':'Node','metadata':{'name':'%s','labels':{%s}},"
                          "'status':{'allocatable':{'cpu':'4','memory':'8Gi','pods':'110'%s%s}%s%s}}",
        name, labels, *alloc ? "," : "", alloc, *status ? "," : "", status);
    ck_assert_int_eq(k8sc__sched_cache_set_node(C, n), 0);
    k8sc_object_free(n);
}

/* Three nodes: n1 in zone a, n2 and n3 in zone b, each with its hostname label. */
static void zones(void)
{
    node("n1", "'zone':'a','kubernetes.io/hostname':'n1','topology.kubernetes.io/zone':'a'", "", "");
    node("n2", "'zone':'b','kubernetes.io/hostname':'n2','topology.kubernetes.io/zone':'b'", "", "");
    node("n3", "'zone':'b','kubernetes.io/hostname':'n3','topology.kubernetes.io/zone':'b'", "", "");
}

/*
 * A pod in `ns` with `labels`, on `node_name` ("" pending); `spec` adds
 * spec members (one container of 100m cpu unless it sets containers).
 */
static k8sc_object *pod_obj(const char *ns, const char *name, const char *node_name, const char *labels,
    const char *spec)
{
    bool own = strstr(spec, "'containers'") != NULL;
    return objf("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'%s','namespace':'%s','labels':{%s}},"
                "'spec':{%s%s%s%s%s%s}}",
        name, ns, labels, *node_name ? "'nodeName':'" : "", node_name, *node_name ? "'," : "", spec,
        *spec && !own ? "," : "",
        own ? "" : "'containers':[{'name':'c','image':'img','resources':{'requests':{'cpu':'100m'}}}]");
}

static void placed(const char *ns, const char *name, const char *node_name, const char *labels, const char *spec)
{
    k8sc_object *p = pod_obj(ns, name, node_name, labels, spec);
    ck_assert_int_eq(k8sc__sched_cache_set_pod(C, p), 0);
    k8sc_object_free(p);
}

/* Filter every node for `pod`: the names that fit, comma-separated, and the FitError message (both the caller's). */
static char *filter_obj(const k8sc_object *pod, char **message)
{
    k8sc__sched_pod p;
    ck_assert_msg(k8sc__sched_pod_init(&p, pod) == 0, "%s", k8sc_error_last());
    size_t count = 0;
    k8sc__sched_node *const *nodes = k8sc__sched_cache_nodes(C, &count);
    k8sc__sched_cycle cy;
    ck_assert_int_eq(k8sc__sched_cycle_init(&cy, &P, &p, nodes, count), 0);
    k8sc__sched_hist h = { 0 };
    char fits[512] = "";
    for (size_t i = 0; i < count; i++) {
        int rc = k8sc__sched_filter(&cy, &p, nodes[i], &h);
        ck_assert_int_ge(rc, 0);
        if (rc == 1)
            snprintf(fits + strlen(fits), sizeof(fits) - strlen(fits), "%s%s", *fits ? "," : "", nodes[i]->name);
    }
    if (message)
        ck_assert_int_eq(k8sc__sched_hist_message(message, &h, count), 0);
    k8sc__sched_hist_clear(&h);
    k8sc__sched_cycle_clear(&cy);
    k8sc__sched_pod_clear(&p);
    return strdup(fits);
}

static void assert_filter(const k8sc_object *pod, const char *want_fits, const char *want_reasons)
{
    char *message = NULL, *fits = filter_obj(pod, &message);
    ck_assert_msg(strcmp(fits, want_fits) == 0, "fits \"%s\", want \"%s\"", fits, want_fits);
    if (want_reasons) {
        char want[1024];
        size_t count = 0;
        k8sc__sched_cache_nodes(C, &count);
        snprintf(want, sizeof(want), "0/%zu nodes are available: %s.", count, want_reasons);
        ck_assert_msg(strncmp(message, want, strlen(want) - 1) == 0 && message[strlen(want) - 1] == '.',
            "message\n  %s\nwant\n  %s", message, want);
    }
    free(fits);
    k8sc_free(message);
}

/* A pending pod in default with `labels`, `spec`, expected to fit `fits` with the reasons `reasons`. */
static void check_pod(const char *labels, const char *spec, const char *fits, const char *reasons)
{
    k8sc_object *p = pod_obj("default", "new", "", labels, spec);
    assert_filter(p, fits, reasons);
    k8sc_object_free(p);
}

/* Every node's score by one plugin alone, weight 1 (the cycle built as the scheduler does). */
static void plugin_scores(const k8sc_object *pod, k8sc__sched_plugin plugin, int64_t *out)
{
    k8sc__sched_profile prof = P;
    for (int i = 0; i < K8SC__SCHED_PLUGIN_COUNT; i++)
        prof.weight[i] = i == (int)plugin;
    k8sc__sched_pod p;
    ck_assert_int_eq(k8sc__sched_pod_init(&p, pod), 0);
    size_t count = 0;
    k8sc__sched_node *const *nodes = k8sc__sched_cache_nodes(C, &count);
    k8sc__sched_cycle cy;
    ck_assert_int_eq(k8sc__sched_cycle_init(&cy, &prof, &p, nodes, count), 0);
    ck_assert_int_eq(k8sc__sched_score(&cy, &p, nodes, count, out), 0);
    k8sc__sched_cycle_clear(&cy);
    k8sc__sched_pod_clear(&p);
}

static void assert_scores(const k8sc_object *pod, k8sc__sched_plugin plugin, int64_t a, int64_t b, int64_t c)
{
    int64_t s[3] = { -1, -1, -1 };
    plugin_scores(pod, plugin, s);
    ck_assert_msg(s[0] == a && s[1] == b && s[2] == c, "%s scores %lld %lld %lld, want %lld %lld %lld",
        k8sc__sched_plugin_name(plugin), (long long)s[0], (long long)s[1], (long long)s[2], (long long)a,
        (long long)b, (long long)c);
}

/* ---- NodeResourcesFit ---------------------------------------------------- */

static const struct {
    const char *what;
    const char *alloc; /* node n1's extra allocatable */
    const char *spec;  /* the pending pod's spec (replaces containers) */
    const char *fits, *reasons;
} fit_cases[] = {
    { "ephemeral-storage fits", "'ephemeral-storage':'10Gi'",
        "'containers':[{'name':'c','resources':{'requests':{'ephemeral-storage':'5Gi'}}}]", "n1", NULL },
    { "ephemeral-storage too much", "'ephemeral-storage':'10Gi'",
        "'containers':[{'name':'c','resources':{'requests':{'ephemeral-storage':'11Gi'}}}]", "",
        "1 Insufficient ephemeral-storage" },
    { "extended resource absent", "", "'containers':[{'name':'c','resources':{'requests':{'example.com/gpu':'1'}}}]",
        "", "1 Insufficient example.com/gpu" },
    { "extended resource fits", "'example.com/gpu':'2'",
        "'containers':[{'name':'c','resources':{'requests':{'example.com/gpu':'2'}}}]", "n1", NULL },
    { "hugepages", "'hugepages-2Mi':'1Gi'",
        "'containers':[{'name':'c','resources':{'requests':{'hugepages-2Mi':'2Gi'}}}]", "",
        "1 Insufficient hugepages-2Mi" },
    { "untracked resource without a domain is ignored", "",
        "'containers':[{'name':'c','resources':{'requests':{'widgets':'5'}}}]", "n1", NULL },
    { "init container above the containers", "",
        "'initContainers':[{'name':'i','resources':{'requests':{'cpu':'5'}}}],"
        "'containers':[{'name':'c','resources':{'requests':{'cpu':'1'}}}]",
        "", "1 Insufficient cpu" },
    { "init containers below the containers' sum", "",
        "'initContainers':[{'name':'i','resources':{'requests':{'cpu':'3'}}}],"
        "'containers':[{'name':'c','resources':{'requests':{'cpu':'2'}}},{'name':'d','resources':{'requests':"
        "{'cpu':'2'}}}]",
        "n1", NULL },
    { "sidecar adds to the containers", "",
        "'initContainers':[{'name':'s','restartPolicy':'Always','resources':{'requests':{'cpu':'1'}}}],"
        "'containers':[{'name':'c','resources':{'requests':{'cpu':'3500m'}}}]",
        "", "1 Insufficient cpu" },
    { "init container after a sidecar runs beside it", "",
        "'initContainers':[{'name':'s','restartPolicy':'Always','resources':{'requests':{'cpu':'1'}}},"
        "{'name':'i','resources':{'requests':{'cpu':'3500m'}}}],"
        "'containers':[{'name':'c','resources':{'requests':{'cpu':'1'}}}]",
        "", "1 Insufficient cpu" },
    { "overhead", "",
        "'overhead':{'memory':'1Gi'},'containers':[{'name':'c','resources':{'requests':{'memory':'7500Mi'}}}]",
        "", "1 Insufficient memory" },
};

START_TEST(fit_filter)
{
    node("n1", "", fit_cases[_i].alloc, "");
    k8sc_object *p = objf("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'default'},'spec':{%s}}",
        fit_cases[_i].spec);
    char *message = NULL, *fits = filter_obj(p, &message);
    ck_assert_msg(strcmp(fits, fit_cases[_i].fits) == 0, "%s: fits \"%s\"", fit_cases[_i].what, fits);
    if (fit_cases[_i].reasons) {
        char want[512];
        snprintf(want, sizeof(want), "0/1 nodes are available: %s. ", fit_cases[_i].reasons);
        ck_assert_msg(strncmp(message, want, strlen(want)) == 0, "%s: %s", fit_cases[_i].what, message);
    }
    free(fits);
    k8sc_free(message);
    k8sc_object_free(p);
}
END_TEST

START_TEST(fit_counts_extended_resources_in_use)
{
    node("n1", "", "'example.com/gpu':'2'", "");
    placed("default", "a", "n1", "", "'containers':[{'name':'c','resources':{'requests':{'example.com/gpu':'1'}}}]");
    check_pod("", "'containers':[{'name':'c','resources':{'requests':{'example.com/gpu':'1'}}}]", "n1", NULL);
    check_pod("", "'containers':[{'name':'c','resources':{'requests':{'example.com/gpu':'2'}}}]", "",
        "1 Insufficient example.com/gpu");
}
END_TEST

/* The fit score of n1 (4 cpu, 8Gi) with 1 cpu / 2Gi used, for a pod of 1 cpu / 2Gi. */
static int64_t fit_score(void)
{
    node("n1", "", "", "");
    placed("default", "a", "n1", "", "'containers':[{'name':'c','resources':{'requests':{'cpu':'1','memory':'2Gi'}}}]");
    k8sc_object *pod = pod_obj("default", "p", "", "",
        "'containers':[{'name':'c','resources':{'requests':{'cpu':'1','memory':'2Gi'}}}]");
    int64_t s = -1;
    plugin_scores(pod, K8SC__SCHED_NODE_RESOURCES_FIT, &s);
    k8sc_object_free(pod);
    return s;
}

START_TEST(fit_score_least_allocated)
{
    ck_assert_int_eq(fit_score(), 50);
}
END_TEST

START_TEST(fit_score_most_allocated)
{
    P.strategy = K8SC__SCHED_MOST_ALLOCATED;
    ck_assert_int_eq(fit_score(), 50);
    P.resources[1].weight = 3;
    ck_assert_int_eq(k8sc__sched_fit_score(&P, &(k8sc__sched_pod){ .nonzero_cpu = 3000, .nonzero_mem = 0 },
                         &(k8sc__sched_node){ .alloc_cpu = 4000, .alloc_mem = 8, .nonzero_mem = 2 }),
        (75 * 1 + 25 * 3) / 4);
}
END_TEST

START_TEST(fit_score_requested_to_capacity_ratio)
{
    P.strategy = K8SC__SCHED_REQUESTED_TO_CAPACITY_RATIO;
    /* Broken line 0 -> 0, 50 -> 10, 100 -> 0: 50% used scores the peak. */
    P.nshape = 3;
    P.shape[0].utilization = 0;
    P.shape[0].score = 0;
    P.shape[1].utilization = 50;
    P.shape[1].score = 10;
    P.shape[2].utilization = 100;
    P.shape[2].score = 0;
    ck_assert_int_eq(fit_score(), 100);
    k8sc__sched_node n = { .alloc_cpu = 4000, .alloc_mem = 1000 };
    k8sc__sched_pod p = { .nonzero_cpu = 1000, .nonzero_mem = 750 };
    /* cpu 25% -> 50, memory 75% -> 50. */
    ck_assert_int_eq(k8sc__sched_fit_score(&P, &p, &n), 50);
    /* Over capacity: the score at 100%, 0, which then counts for nothing. */
    p.nonzero_mem = 2000;
    ck_assert_int_eq(k8sc__sched_fit_score(&P, &p, &n), 50);
    P.nresources = 1;
    P.resources[0].weight = 1;
    p.nonzero_cpu = 400;
    ck_assert_int_eq(k8sc__sched_fit_score(&P, &p, &n), 20);
}
END_TEST

/* ---- InterPodAffinity ------------------------------------------------------ */

#define AFFINITY(kind, key, sel) \
    "'affinity':{'" kind "':{'requiredDuringSchedulingIgnoredDuringExecution':[{'labelSelector':{'matchLabels':{" sel \
    "}},'topologyKey':'" key "'}]}}"

START_TEST(affinity_follows_matching_pods_by_topology)
{
    zones();
    placed("default", "db", "n2", "'app':'db'", "");
    check_pod("", AFFINITY("podAffinity", "zone", "'app':'db'"), "n2,n3", "1 node(s) didn't match pod affinity rules");
    check_pod("", AFFINITY("podAffinity", "kubernetes.io/hostname", "'app':'db'"), "n2",
        "2 node(s) didn't match pod affinity rules");
    /* A pod of another namespace does not count unless the term names it. */
    check_pod("", AFFINITY("podAffinity", "zone", "'app':'x'"), "", "3 node(s) didn't match pod affinity rules");
    placed("other", "x", "n1", "'app':'x'", "");
    check_pod("", AFFINITY("podAffinity", "zone", "'app':'x'"), "", "3 node(s) didn't match pod affinity rules");
    check_pod("",
        "'affinity':{'podAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[{'labelSelector':{'matchLabels':"
        "{'app':'x'}},'namespaces':['other'],'topologyKey':'zone'}]}}",
        "n1", "2 node(s) didn't match pod affinity rules");
}
END_TEST

START_TEST(affinity_first_pod_of_a_group)
{
    zones();
    node("n4", "", "", "");
    /* No pod matches yet, and the pod matches its own term: any node with the key. */
    check_pod("'app':'web'", AFFINITY("podAffinity", "zone", "'app':'web'"), "n1,n2,n3",
        "1 node(s) didn't match pod affinity rules");
    /* Not when it does not match itself. */
    check_pod("'app':'api'", AFFINITY("podAffinity", "zone", "'app':'web'"), "",
        "4 node(s) didn't match pod affinity rules");
}
END_TEST

START_TEST(affinity_namespace_selector)
{
    zones();
    k8sc_object *ns = objf("{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'team','labels':{'team':'x'}}}");
    ck_assert_int_eq(k8sc__sched_cache_set_namespace(C, ns), 0);
    k8sc_object_free(ns);
    placed("team", "db", "n1", "'app':'db'", "");
    placed("elsewhere", "db", "n2", "'app':'db'", "");
    check_pod("",
        "'affinity':{'podAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[{'labelSelector':{'matchLabels':"
        "{'app':'db'}},'namespaceSelector':{'matchLabels':{'team':'x'}},'topologyKey':'kubernetes.io/hostname'}]}}",
        "n1", NULL);
    /* An empty namespaceSelector selects every namespace. */
    check_pod("",
        "'affinity':{'podAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[{'labelSelector':{'matchLabels':"
        "{'app':'db'}},'namespaceSelector':{},'topologyKey':'kubernetes.io/hostname'}]}}",
        "n1,n2", NULL);
    k8sc__sched_cache_remove_namespace(C, "team");
    check_pod("",
        "'affinity':{'podAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[{'labelSelector':{'matchLabels':"
        "{'app':'db'}},'namespaceSelector':{'matchLabels':{'team':'x'}},'topologyKey':'kubernetes.io/hostname'}]}}",
        "", "3 node(s) didn't match pod affinity rules");
}
END_TEST

START_TEST(anti_affinity_of_the_pod_and_of_existing_pods)
{
    zones();
    placed("default", "db", "n2", "'app':'db'", "");
    check_pod("", AFFINITY("podAntiAffinity", "zone", "'app':'db'"), "n1",
        "2 node(s) didn't match pod anti-affinity rules");
    /* The placed pod keeps web pods off its host. */
    placed("default", "guard", "n1", "'app':'guard'",
        AFFINITY("podAntiAffinity", "kubernetes.io/hostname", "'app':'web'"));
    check_pod("'app':'web'", "", "n2,n3", "1 node(s) didn't satisfy existing pods anti-affinity rules");
    check_pod("'app':'api'", "", "n1,n2,n3", NULL);
    /* Preemption is not helpful for affinity, is for anti-affinity. */
    char *message = NULL;
    k8sc_object *p = pod_obj("default", "new", "", "'app':'web'", "");
    free(filter_obj(p, &message));
    ck_assert_ptr_nonnull(strstr(message, "preemption: 0/3 nodes are available: 1 No preemption victims found"));
    k8sc_free(message);
    k8sc_object_free(p);
}
END_TEST

START_TEST(cycle_what_if_updates_counts)
{
    zones();
    placed("default", "db", "n1", "'app':'db'", "");
    k8sc_object *pod = pod_obj("default", "new", "", "'app':'web'",
        AFFINITY("podAntiAffinity", "zone", "'app':'db'"));
    k8sc__sched_pod p;
    ck_assert_int_eq(k8sc__sched_pod_init(&p, pod), 0);
    size_t count = 0;
    k8sc__sched_node *const *nodes = k8sc__sched_cache_nodes(C, &count);
    k8sc__sched_cycle cy;
    ck_assert_int_eq(k8sc__sched_cycle_init(&cy, &P, &p, nodes, count), 0);
    k8sc__sched_hist h = { 0 };
    ck_assert_int_eq(k8sc__sched_filter(&cy, &p, nodes[0], &h), 0);
    const k8sc__sched_pod_info *victim = nodes[0]->pods[0];
    ck_assert_int_eq(k8sc__sched_cycle_remove_pod(&cy, &p, victim), 0);
    ck_assert_int_eq(k8sc__sched_filter(&cy, &p, nodes[0], &h), 1);
    ck_assert_int_eq(k8sc__sched_cycle_add_pod(&cy, &p, victim), 0);
    ck_assert_int_eq(k8sc__sched_filter(&cy, &p, nodes[0], &h), 0);
    k8sc__sched_hist_clear(&h);
    k8sc__sched_cycle_clear(&cy);
    k8sc__sched_pod_clear(&p);
    k8sc_object_free(pod);
}
END_TEST

START_TEST(interpod_disabled_in_profile)
{
    zones();
    placed("default", "db", "n2", "'app':'db'", "");
    P.filter[K8SC__SCHED_INTER_POD_AFFINITY] = false;
    check_pod("", AFFINITY("podAntiAffinity", "zone", "'app':'db'"), "n1,n2,n3", NULL);
}
END_TEST

START_TEST(interpod_score)
{
    zones();
    placed("default", "db", "n2", "'app':'db'", "");
    k8sc_object *pref = pod_obj("default", "new", "", "",
        "'affinity':{'podAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':5,'podAffinityTerm':"
        "{'labelSelector':{'matchLabels':{'app':'db'}},'topologyKey':'zone'}}]}}");
    assert_scores(pref, K8SC__SCHED_INTER_POD_AFFINITY, 0, 100, 100);
    k8sc_object_free(pref);
    k8sc_object *anti = pod_obj("default", "new", "", "",
        "'affinity':{'podAntiAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':5,"
        "'podAffinityTerm':{'labelSelector':{'matchLabels':{'app':'db'}},'topologyKey':'kubernetes.io/hostname'}}]}}");
    assert_scores(anti, K8SC__SCHED_INTER_POD_AFFINITY, 100, 0, 100);
    k8sc_object_free(anti);
    /* A placed pod's required affinity draws the pods it selects at hard_pod_affinity_weight. */
    placed("default", "cache", "n1", "'app':'cache'", AFFINITY("podAffinity", "kubernetes.io/hostname", "'app':'web'"));
    k8sc_object *web = pod_obj("default", "new", "", "'app':'web'", "");
    assert_scores(web, K8SC__SCHED_INTER_POD_AFFINITY, 100, 0, 0);
    P.hard_pod_affinity_weight = 0;
    assert_scores(web, K8SC__SCHED_INTER_POD_AFFINITY, 0, 0, 0);
    k8sc_object_free(web);
}
END_TEST

/* ---- PodTopologySpread ------------------------------------------------------ */

#define SPREAD(skew, key, when, extra) \
    "'topologySpreadConstraints':[{'maxSkew':" skew ",'topologyKey':'" key "','whenUnsatisfiable':'" when \
    "','labelSelector':{'matchLabels':{'app':'web'}}" extra "}]"

START_TEST(spread_filter)
{
    zones();
    node("n4", "", "", "");
    placed("default", "w1", "n1", "'app':'web'", "");
    placed("default", "w2", "n1", "'app':'web'", "");
    placed("default", "w3", "n2", "'app':'web'", "");
    placed("other", "w4", "n2", "'app':'web'", "");
    /* Zone a has 2, b has 1: a second in b makes skew 1, a third in a makes 2. */
    check_pod("'app':'web'", SPREAD("1", "zone", "DoNotSchedule", ""), "n2,n3",
        "1 node(s) didn't match pod topology spread constraints, "
        "1 node(s) didn't match pod topology spread constraints (missing required label)");
    check_pod("'app':'web'", SPREAD("2", "zone", "DoNotSchedule", ""), "n1,n2,n3", NULL);
    /* minDomains above the domains counted: the global minimum is 0. */
    check_pod("'app':'web'", SPREAD("2", "zone", "DoNotSchedule", ",'minDomains':3"), "n2,n3", NULL);
    /* ScheduleAnyway constraints do not filter. */
    check_pod("'app':'web'", SPREAD("1", "zone", "ScheduleAnyway", ""), "n1,n2,n3,n4", NULL);
    /* The incoming pod not matching the selector does not count itself. */
    check_pod("'app':'api'", SPREAD("1", "zone", "DoNotSchedule", ""), "n1,n2,n3", NULL);
}
END_TEST

START_TEST(spread_match_label_keys_and_node_affinity_policy)
{
    zones();
    placed("default", "w1", "n1", "'app':'web','rev':'1'", "");
    placed("default", "w2", "n1", "'app':'web','rev':'1'", "");
    /* Only pods of the same revision count: none yet for rev 2. */
    check_pod("'app':'web','rev':'2'", SPREAD("1", "zone", "DoNotSchedule", ",'matchLabelKeys':['rev']"),
        "n1,n2,n3", NULL);
    check_pod("'app':'web','rev':'1'", SPREAD("1", "zone", "DoNotSchedule", ",'matchLabelKeys':['rev']"), "n2,n3",
        NULL);
    /* Nodes the pod cannot go to are no domain (Honor): zone a alone, its skew is 0. */
    check_pod("'app':'web','rev':'1'", "'nodeSelector':{'zone':'a'}," SPREAD("1", "zone", "DoNotSchedule", ""), "n1",
        NULL);
    check_pod("'app':'web','rev':'1'",
        "'nodeSelector':{'zone':'a'}," SPREAD("1", "zone", "DoNotSchedule", ",'nodeAffinityPolicy':'Ignore'"), "",
        "1 node(s) didn't match pod topology spread constraints, 2 node(s) didn't match Pod's node affinity/selector");
}
END_TEST

START_TEST(spread_what_if)
{
    zones();
    placed("default", "w1", "n1", "'app':'web'", "");
    placed("default", "w2", "n1", "'app':'web'", "");
    k8sc_object *pod = pod_obj("default", "new", "", "'app':'web'", SPREAD("1", "zone", "DoNotSchedule", ""));
    k8sc__sched_pod p;
    ck_assert_int_eq(k8sc__sched_pod_init(&p, pod), 0);
    size_t count = 0;
    k8sc__sched_node *const *nodes = k8sc__sched_cache_nodes(C, &count);
    k8sc__sched_cycle cy;
    ck_assert_int_eq(k8sc__sched_cycle_init(&cy, &P, &p, nodes, count), 0);
    k8sc__sched_hist h = { 0 };
    ck_assert_int_eq(k8sc__sched_filter(&cy, &p, nodes[0], &h), 0);
    ck_assert_int_eq(k8sc__sched_cycle_remove_pod(&cy, &p, nodes[0]->pods[0]), 0);
    ck_assert_int_eq(k8sc__sched_cycle_remove_pod(&cy, &p, nodes[0]->pods[1]), 0);
    ck_assert_int_eq(k8sc__sched_filter(&cy, &p, nodes[0], &h), 1);
    ck_assert_int_eq(k8sc__sched_cycle_add_pod(&cy, &p, nodes[0]->pods[0]), 0);
    ck_assert_int_eq(k8sc__sched_filter(&cy, &p, nodes[0], &h), 0);
    k8sc__sched_hist_clear(&h);
    k8sc__sched_cycle_clear(&cy);
    k8sc__sched_pod_clear(&p);
    k8sc_object_free(pod);
}
END_TEST

START_TEST(spread_score)
{
    zones();
    placed("default", "w1", "n1", "'app':'web'", "");
    placed("default", "w2", "n1", "'app':'web'", "");
    placed("default", "w3", "n2", "'app':'web'", "");
    k8sc_object *pod = pod_obj("default", "new", "", "'app':'web'", SPREAD("1", "zone", "ScheduleAnyway", ""));
    /* Zones a and b: weight ln 4; counts a 2, b 1; scores 3, 1 (rounded), normalised 100*(3+1-s)/3. */
    assert_scores(pod, K8SC__SCHED_POD_TOPOLOGY_SPREAD, 33, 100, 100);
    k8sc_object_free(pod);
    /* Without constraints nor a controlling workload, no score. */
    pod = pod_obj("default", "new", "", "'app':'web'", "");
    assert_scores(pod, K8SC__SCHED_POD_TOPOLOGY_SPREAD, 0, 0, 0);
    k8sc_object_free(pod);
}
END_TEST

START_TEST(spread_system_defaults)
{
    zones();
    placed("default", "w1", "n1", "'app':'web'", "");
    placed("default", "w2", "n1", "'app':'web'", "");
    placed("default", "w3", "n2", "'app':'web'", "");
    k8sc_object *pod = objf("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'default',"
                            "'labels':{'app':'web'},'ownerReferences':[{'apiVersion':'apps/v1','kind':'ReplicaSet',"
                            "'name':'rs','uid':'u','controller':true}]},'spec':{'containers':[{'name':'c'}]}}");
    /* hostname (maxSkew 3, ln 5): n1 2, n2 1, n3 0; zone (maxSkew 5, ln 4): a 2, b 1. */
    int64_t s[3];
    plugin_scores(pod, K8SC__SCHED_POD_TOPOLOGY_SPREAD, s);
    ck_assert(s[2] == 100 && s[1] < s[2] && s[0] < s[1]);
    P.system_default_spread = false;
    assert_scores(pod, K8SC__SCHED_POD_TOPOLOGY_SPREAD, 0, 0, 0);
    k8sc_object_free(pod);
}
END_TEST

/* ---- ImageLocality ---------------------------------------------------------- */

START_TEST(image_locality)
{
    node("n1", "", "", "'images':[{'names':['docker.io/library/nginx:latest','nginx:latest'],'sizeBytes':524288000}]");
    node("n2", "", "", "'images':[{'names':['big:1'],'sizeBytes':4194304000}]");
    node("n3", "", "", "");
    k8sc_object *pod = objf("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'default'},"
                            "'spec':{'containers':[{'name':'c','image':'nginx'}]}}");
    /* 500 MB on one node of three: 166.7 MB, (166.7 - 23) / (1000 - 23) -> 14. */
    assert_scores(pod, K8SC__SCHED_IMAGE_LOCALITY, 14, 0, 0);
    k8sc_object_free(pod);
    pod = objf("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'default'},"
               "'spec':{'containers':[{'name':'c','image':'big:1'}]}}");
    /* 4000 MB / 3 is capped at 1000 MB for one container. */
    assert_scores(pod, K8SC__SCHED_IMAGE_LOCALITY, 0, 100, 0);
    k8sc__sched_cache_remove_node(C, "n2");
    ck_assert_int_eq(k8sc__sched_cache_image_nodes(C, "big:1"), 0);
    ck_assert_int_eq(k8sc__sched_cache_image_nodes(C, "nginx:latest"), 1);
    k8sc_object_free(pod);
}
END_TEST

START_TEST(weights_from_the_profile)
{
    zones();
    placed("default", "db", "n2", "'app':'db'", "");
    k8sc_object *pref = pod_obj("default", "new", "", "",
        "'affinity':{'podAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':5,'podAffinityTerm':"
        "{'labelSelector':{'matchLabels':{'app':'db'}},'topologyKey':'zone'}}]}}");
    k8sc__sched_pod p;
    ck_assert_int_eq(k8sc__sched_pod_init(&p, pref), 0);
    size_t count = 0;
    k8sc__sched_node *const *nodes = k8sc__sched_cache_nodes(C, &count);
    for (int i = 0; i < K8SC__SCHED_PLUGIN_COUNT; i++)
        P.weight[i] = 0;
    int64_t s[3];
    k8sc__sched_cycle cy;
    ck_assert_int_eq(k8sc__sched_cycle_init(&cy, &P, &p, nodes, count), 0);
    ck_assert_int_eq(k8sc__sched_score(&cy, &p, nodes, count, s), 0);
    ck_assert(s[0] == 0 && s[1] == 0 && s[2] == 0);
    P.weight[K8SC__SCHED_INTER_POD_AFFINITY] = 3;
    ck_assert_int_eq(k8sc__sched_score(&cy, &p, nodes, count, s), 0);
    ck_assert(s[0] == 0 && s[1] == 300 && s[2] == 300);
    k8sc__sched_cycle_clear(&cy);
    k8sc__sched_pod_clear(&p);
    k8sc_object_free(pref);
}
END_TEST

/* ---- End to end ------------------------------------------------------------- */

static ctltest T;
static k8sc_scheduler *S;

static void e2e_setup(void)
{
    ct_setup(&T);
    T.kubelet = false;
    k8sc_scheduler_options o;
    ck_assert_int_eq(k8sc_scheduler_options_init(&o, K8SC_SCHEDULER_OPTIONS_VERSION), 0);
    o.factory = T.factory;
    o.clock = T.clock;
    ck_assert_int_eq(k8sc_scheduler_new(&S, T.client, &o), 0);
}

static void e2e_teardown(void)
{
    k8sc_scheduler_free(S);
    ct_teardown(&T);
}

static void settle(void)
{
    for (int quiet = 0, i = 0; quiet < 3 && i < 200; i++) {
        int n = ct_step(&T);
        int rc = k8sc_scheduler_process(S);
        ck_assert_int_ge(rc, 0);
        quiet = n + rc == 0 ? quiet + 1 : 0;
    }
}

static void e2e_node(const char *name, const char *zone)
{
    k8sc_object *obj = objf("{'apiVersion':'v1','kind':'Node','metadata':{'name':'%s','labels':{'zone':'%s',"
                            "'kubernetes.io/hostname':'%s'}},'status':{'allocatable':{'cpu':'4','memory':'8Gi',"
                            "'pods':'110'}}}",
        name, zone, name);
    k8sc_object *made = NULL;
    ck_assert_msg(k8sc_client_create(&made, T.client, obj) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(k8sc_object_set(made, "status", json_object_get(k8sc_object_get(obj, "status"))), 0);
    ck_assert_msg(k8sc_client_update_status(NULL, T.client, made) == 0, "%s", k8sc_error_last());
    k8sc_object_free(made);
    k8sc_object_free(obj);
}

static void e2e_pod(const char *name, const char *labels, const char *spec)
{
    k8sc_object *obj = pod_obj("default", name, "", labels, spec), *made = NULL;
    ck_assert_msg(k8sc_client_create(&made, T.client, obj) == 0, "%s", k8sc_error_last());
    k8sc_object_free(made);
    k8sc_object_free(obj);
}

/* The pod's node ("" pending) and its PodScheduled message (the caller's). */
static char *e2e_node_of(const char *name, char **message)
{
    k8sc_object *p = ct_get(&T, "v1", "Pod", name);
    const char *n = k8sc_object_get_string(p, "spec.nodeName");
    char *out = strdup(n ? n : "");
    struct json_object *conds = k8sc_object_get(p, "status.conditions");
    *message = strdup("");
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        const char *msg = k8sc__json_string(c, "message");
        if (msg && strcmp(k8sc__json_string(c, "type"), "PodScheduled") == 0) {
            free(*message);
            *message = strdup(msg);
        }
    }
    k8sc_object_free(p);
    return out;
}

START_TEST(e2e_anti_affinity_spreads_replicas)
{
    e2e_node("n1", "a");
    e2e_node("n2", "b");
    e2e_node("n3", "b");
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof(name), "web-%d", i);
        e2e_pod(name, "'app':'web'", AFFINITY("podAntiAffinity", "zone", "'app':'web'"));
        settle();
    }
    char *msg = NULL, *n0 = e2e_node_of("web-0", &msg);
    free(msg);
    char *n1 = e2e_node_of("web-1", &msg);
    free(msg);
    char *n2 = e2e_node_of("web-2", &msg);
    ck_assert(*n0 && *n1);
    ck_assert_str_eq(n2, "");
    /* One pod per zone: the third has nowhere to go. */
    ck_assert_msg((strcmp(n0, "n1") == 0) != (strcmp(n1, "n1") == 0), "%s %s", n0, n1);
    ck_assert_str_eq(msg,
        "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are "
        "available: 3 No preemption victims found for incoming pod.");
    free(msg);
    free(n0);
    free(n1);
    free(n2);
}
END_TEST

START_TEST(e2e_topology_spread_and_affinity)
{
    e2e_node("n1", "a");
    e2e_node("n2", "b");
    e2e_pod("db", "'app':'db'", "'nodeName':'n2'");
    settle();
    e2e_pod("api", "'app':'api'", AFFINITY("podAffinity", "zone", "'app':'db'"));
    e2e_pod("w0", "'app':'w'", SPREAD("1", "zone", "DoNotSchedule", "") ",'nodeSelector':{'zone':'a'}");
    settle();
    e2e_pod("w1", "'app':'w'", SPREAD("1", "missing", "DoNotSchedule", ""));
    settle();
    char *msg = NULL, *n = e2e_node_of("api", &msg);
    ck_assert_str_eq(n, "n2");
    free(n);
    free(msg);
    n = e2e_node_of("w0", &msg);
    ck_assert_str_eq(n, "n1");
    free(n);
    free(msg);
    n = e2e_node_of("w1", &msg);
    ck_assert_str_eq(n, "");
    ck_assert_str_eq(msg,
        "0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints (missing required label). "
        "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
    free(n);
    free(msg);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scheduler_plugins");
    TCase *tc = tcase_create("plugins");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, fit_filter, 0, (int)(sizeof(fit_cases) / sizeof(fit_cases[0])));
    tcase_add_test(tc, fit_counts_extended_resources_in_use);
    tcase_add_test(tc, fit_score_least_allocated);
    tcase_add_test(tc, fit_score_most_allocated);
    tcase_add_test(tc, fit_score_requested_to_capacity_ratio);
    tcase_add_test(tc, affinity_follows_matching_pods_by_topology);
    tcase_add_test(tc, affinity_first_pod_of_a_group);
    tcase_add_test(tc, affinity_namespace_selector);
    tcase_add_test(tc, anti_affinity_of_the_pod_and_of_existing_pods);
    tcase_add_test(tc, cycle_what_if_updates_counts);
    tcase_add_test(tc, interpod_disabled_in_profile);
    tcase_add_test(tc, interpod_score);
    tcase_add_test(tc, spread_filter);
    tcase_add_test(tc, spread_match_label_keys_and_node_affinity_policy);
    tcase_add_test(tc, spread_what_if);
    tcase_add_test(tc, spread_score);
    tcase_add_test(tc, spread_system_defaults);
    tcase_add_test(tc, image_locality);
    tcase_add_test(tc, weights_from_the_profile);
    suite_add_tcase(s, tc);
    TCase *e2e = tcase_create("end_to_end");
    tcase_add_checked_fixture(e2e, e2e_setup, e2e_teardown);
    tcase_add_test(e2e, e2e_anti_affinity_spreads_replicas);
    tcase_add_test(e2e, e2e_topology_spread_and_affinity);
    suite_add_tcase(s, e2e);
    return k8sc_test_main(s);
}
