/* object: the resource registry. */
#include "internal.h"
#include "testutil.h"

#include <k8sc/object.h>
#include <pthread.h>
#include <string.h>

/* kubectl's names for built-in kinds and what they resolve to. */
static const struct {
    const char *name;
    const char *api_version, *kind, *plural;
    bool namespaced;
} lookups[] = {
    { "po", "v1", "Pod", "pods", true },
    { "pods", "v1", "Pod", "pods", true },
    { "pod", "v1", "Pod", "pods", true },
    { "Pod", "v1", "Pod", "pods", true },
    { "PODS", "v1", "Pod", "pods", true },
    { "svc", "v1", "Service", "services", true },
    { "deploy", "apps/v1", "Deployment", "deployments", true },
    { "deployments.apps", "apps/v1", "Deployment", "deployments", true },
    { "deployments.v1.apps", "apps/v1", "Deployment", "deployments", true },
    { "rs", "apps/v1", "ReplicaSet", "replicasets", true },
    { "rc", "v1", "ReplicationController", "replicationcontrollers", true },
    { "ns", "v1", "Namespace", "namespaces", false },
    { "no", "v1", "Node", "nodes", false },
    { "cm", "v1", "ConfigMap", "configmaps", true },
    { "cj", "batch/v1", "CronJob", "cronjobs", true },
    { "jobs", "batch/v1", "Job", "jobs", true },
    { "hpa", "autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true },
    { "hpa.v1.autoscaling", "autoscaling/v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true },
    { "ep", "v1", "Endpoints", "endpoints", true },
    { "sa", "v1", "ServiceAccount", "serviceaccounts", true },
    { "ev", "v1", "Event", "events", true },
    { "events.events.k8s.io", "events.k8s.io/v1", "Event", "events", true },
    { "ing", "networking.k8s.io/v1", "Ingress", "ingresses", true },
    { "leases.coordination.k8s.io", "coordination.k8s.io/v1", "Lease", "leases", true },
    { "pc", "scheduling.k8s.io/v1", "PriorityClass", "priorityclasses", false },
    { "crd", "apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions", false },
    { "endpointslices", "discovery.k8s.io/v1", "EndpointSlice", "endpointslices", true },
};

START_TEST(lookup_builtin_names)
{
    k8sc_registry *reg = k8sc_registry_default();
    for (size_t i = 0; i < K8SC__ARRAY_LEN(lookups); i++) {
        const k8sc_resource *r = k8sc_registry_lookup(reg, lookups[i].name);
        ck_assert_msg(r != NULL, "%s not found", lookups[i].name);
        ck_assert_str_eq(k8sc_resource_api_version(r), lookups[i].api_version);
        ck_assert_str_eq(k8sc_resource_kind(r), lookups[i].kind);
        ck_assert_str_eq(k8sc_resource_plural(r), lookups[i].plural);
        ck_assert_int_eq(k8sc_resource_namespaced(r), lookups[i].namespaced);
    }
    ck_assert_ptr_null(k8sc_registry_lookup(reg, "widgets"));
    ck_assert_ptr_null(k8sc_registry_lookup(reg, "deployments.batch"));
    ck_assert_ptr_null(k8sc_registry_lookup(reg, ""));
    ck_assert_ptr_null(k8sc_registry_lookup(reg, NULL));
}
END_TEST

START_TEST(find_by_gvk_and_resource)
{
    k8sc_registry *reg = k8sc_registry_default();
    const k8sc_resource *d = k8sc_registry_find_gvk(reg, "apps/v1", "Deployment");
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(k8sc_resource_group(d), "apps");
    ck_assert_str_eq(k8sc_resource_version(d), "v1");
    ck_assert_str_eq(k8sc_resource_list_kind(d), "DeploymentList");
    ck_assert_str_eq(k8sc_resource_singular(d), "deployment");
    ck_assert(k8sc_resource_has_subresource(d, "scale"));
    ck_assert(k8sc_resource_has_subresource(d, "status"));
    ck_assert(!k8sc_resource_has_subresource(d, "log"));
    ck_assert_str_eq(k8sc_resource_short_names(d)[0], "deploy");
    ck_assert_str_eq(k8sc_resource_categories(d)[0], "all");
    size_t verbs = 0;
    for (const char *const *v = k8sc_resource_verbs(d); *v; v++)
        verbs++;
    ck_assert_uint_eq(verbs, 8);
    ck_assert_ptr_eq(k8sc_registry_find_kind(reg, "apps", NULL, "Deployment"), d);
    ck_assert_ptr_eq(k8sc_registry_find_resource(reg, "apps", "v1", "deployments"), d);
    ck_assert_ptr_null(k8sc_registry_find_gvk(reg, "v1", "Deployment"));
    ck_assert_ptr_null(k8sc_registry_find_gvk(reg, "apps/v2", "Deployment"));
    const k8sc_resource *pod = k8sc_registry_find_gvk(reg, "v1", "Pod");
    ck_assert_str_eq(k8sc_resource_group(pod), "");
    ck_assert_str_eq(k8sc_resource_api_version(pod), "v1");
    ck_assert(k8sc_resource_has_subresource(pod, "binding"));
    ck_assert(k8sc_resource_has_subresource(pod, "log"));
    /* Preferred version is the first registered. */
    const k8sc_resource *hpa = k8sc_registry_find_kind(reg, "autoscaling", NULL, "HorizontalPodAutoscaler");
    ck_assert_str_eq(k8sc_resource_version(hpa), "v2");
    const k8sc_resource *ns = k8sc_registry_find_gvk(reg, "v1", "Namespace");
    for (const char *const *v = k8sc_resource_verbs(ns); *v; v++)
        ck_assert_str_ne(*v, "deletecollection");
}
END_TEST

START_TEST(custom_resources_at_run_time)
{
    k8sc_registry *reg = NULL;
    ck_assert_int_eq(k8sc_registry_new(&reg), 0);
    size_t before = k8sc_registry_count(reg);
    k8sc_resource_def def;
    ck_assert_int_eq(k8sc_resource_def_init(&def, K8SC_RESOURCE_DEF_VERSION), 0);
    def.group = "stable.example.com";
    def.api_version = "v1";
    def.kind = "CronTab";
    def.plural = "crontabs";
    def.namespaced = true;
    def.short_names = (const char *const[]){ "ct", NULL };
    def.categories = (const char *const[]){ "all", NULL };
    ck_assert_int_eq(k8sc_registry_add(reg, &def), 0);
    ck_assert_int_eq(k8sc_registry_add(reg, &def), K8SC_EEXISTS);
    ck_assert_uint_eq(k8sc_registry_count(reg), before + 1);
    const k8sc_resource *ct = k8sc_registry_lookup(reg, "ct");
    ck_assert_ptr_nonnull(ct);
    ck_assert_str_eq(k8sc_resource_api_version(ct), "stable.example.com/v1");
    ck_assert_str_eq(k8sc_resource_singular(ct), "crontab");
    ck_assert_ptr_eq(k8sc_registry_lookup(reg, "crontabs.stable.example.com"), ct);
    ck_assert_ptr_eq(k8sc_registry_lookup(reg, "crontabs.v1.stable.example.com"), ct);
    ck_assert_ptr_eq(k8sc_registry_at(reg, before), ct);
    ck_assert_int_eq(k8sc_registry_remove(reg, "stable.example.com", NULL, "crontabs"), 0);
    ck_assert_ptr_null(k8sc_registry_lookup(reg, "ct"));
    /* A pointer handed out earlier stays readable. */
    ck_assert_str_eq(k8sc_resource_kind(ct), "CronTab");
    ck_assert_int_eq(k8sc_registry_remove(reg, "stable.example.com", NULL, "crontabs"), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_registry_add(reg, &def), 0);

    /* Replace: every version at once, the first one preferred; a foreign definition is refused. */
    k8sc_resource_def two[2] = { def, def };
    two[0].api_version = "v2";
    two[0].short_names = (const char *const[]){ "ct2", NULL };
    ck_assert_int_eq(k8sc_registry_replace(reg, "stable.example.com", "crontabs", two, 2), 0);
    ck_assert_str_eq(k8sc_resource_api_version(k8sc_registry_lookup(reg, "crontabs.stable.example.com")),
        "stable.example.com/v2");
    ck_assert_ptr_nonnull(k8sc_registry_lookup(reg, "ct2"));
    ck_assert_str_eq(k8sc_resource_api_version(k8sc_registry_lookup(reg, "ct")), "stable.example.com/v1");
    ck_assert_uint_eq(k8sc_registry_count(reg), before + 2);
    two[1].plural = "other";
    ck_assert_int_eq(k8sc_registry_replace(reg, "stable.example.com", "crontabs", two, 2), K8SC_EINVAL);
    ck_assert_ptr_nonnull(k8sc_registry_lookup(reg, "ct2"));
    ck_assert_int_eq(k8sc_registry_replace(reg, "stable.example.com", "crontabs", NULL, 0), 0);
    ck_assert_ptr_null(k8sc_registry_lookup(reg, "crontabs.stable.example.com"));
    /* The default registry is untouched. */
    ck_assert_ptr_null(k8sc_registry_lookup(k8sc_registry_default(), "ct"));
    k8sc_registry_free(reg);
}
END_TEST

START_TEST(bad_definitions_are_refused)
{
    k8sc_registry *reg = NULL;
    ck_assert_int_eq(k8sc_registry_new_empty(&reg), 0);
    k8sc_resource_def def = K8SC_RESOURCE_DEF_INIT;
    def.group = "example.com";
    def.api_version = "v1";
    def.kind = "widget";
    def.plural = "widgets";
    ck_assert_int_eq(k8sc_registry_add(reg, &def), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "upper-case"));
    def.kind = "Widget";
    def.plural = "Widgets";
    ck_assert_int_eq(k8sc_registry_add(reg, &def), K8SC_EINVAL);
    def.plural = "widgets";
    def.group = "Example.com";
    ck_assert_int_eq(k8sc_registry_add(reg, &def), K8SC_EINVAL);
    def.group = "example.com";
    def.version = 99;
    ck_assert_int_eq(k8sc_registry_add(reg, &def), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_registry_add(reg, NULL), K8SC_EINVAL);
    ck_assert_uint_eq(k8sc_registry_count(reg), 0);
    k8sc_registry_free(reg);
    k8sc_registry_free(NULL);
}
END_TEST

static void *add_many(void *arg)
{
    k8sc_registry *reg = arg;
    for (int i = 0; i < 200; i++) {
        char plural[32];
        snprintf(plural, sizeof(plural), "things%d", i);
        k8sc_resource_def def = K8SC_RESOURCE_DEF_INIT;
        def.group = "race.example.com";
        def.api_version = "v1";
        def.kind = "Thing";
        def.plural = plural;
        k8sc_registry_add(reg, &def);
        k8sc_registry_lookup(reg, "pods");
    }
    return NULL;
}

START_TEST(concurrent_adds_and_lookups)
{
    k8sc_registry *reg = NULL;
    ck_assert_int_eq(k8sc_registry_new(&reg), 0);
    size_t before = k8sc_registry_count(reg);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, add_many, reg);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    /* Each plural was added once; the others got EEXISTS. */
    ck_assert_uint_eq(k8sc_registry_count(reg), before + 200);
    k8sc_registry_free(reg);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("registry");
    k8sc_test_add(s, "lookup_builtin_names", lookup_builtin_names);
    k8sc_test_add(s, "find_by_gvk_and_resource", find_by_gvk_and_resource);
    k8sc_test_add(s, "custom_resources_at_run_time", custom_resources_at_run_time);
    k8sc_test_add(s, "bad_definitions_are_refused", bad_definitions_are_refused);
    k8sc_test_add(s, "concurrent_adds_and_lookups", concurrent_adds_and_lookups);
    return k8sc_test_main(s);
}
