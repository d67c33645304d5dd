/*
 * Node IPAM: pod ranges handed to nodes from the cluster CIDR, ranges
 * already held respected, exhaustion reported and resolved when a node
 * goes, a range the cache has not seen yet kept, bad CIDRs refused.
 */
#include "ctltest.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

static ctltest T;

static void setup(void)
{
    ct_setup(&T);
    T.kubelet = false;
}

static void teardown(void)
{
    ct_teardown(&T);
}

static void node(const char *name, const char *cidr)
{
    char json[256];
    snprintf(json, sizeof(json), "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\"}%s%s%s}", name,
        cidr ? ",\"spec\":{\"podCIDR\":\"" : "", cidr ? cidr : "", cidr ? "\"}" : "");
    ct_create(&T, json);
}

static const char *cidr_of(const char *name)
{
    static char out[64];
    k8sc_object *n = NULL;
    ck_assert_int_eq(k8sc_client_get(&n, T.client, "v1", "Node", NULL, name), 0);
    const char *c = k8sc_object_get_string(n, "spec.podCIDR"), *cs = k8sc_object_get_string(n, "spec.podCIDRs[0]");
    snprintf(out, sizeof(out), "%s", c ? c : "-");
    if (c)
        ck_assert_str_eq(cs, c);
    k8sc_object_free(n);
    return out;
}

START_TEST(ranges_from_the_cluster_cidr)
{
    k8sc_builtin_options o = ct_options(&T);
    k8sc_controller *c;
    ck_assert_int_eq(k8sc_node_ipam_controller_new(&c, T.client, &o, "10.244.0.0/22", 0), 0);
    ct_add(&T, c);
    node("held", "10.244.1.0/24");
    node("a", NULL);
    node("b", NULL);
    node("c", NULL);
    ct_settle(&T);
    ck_assert_str_eq(cidr_of("held"), "10.244.1.0/24");
    /* Three more /24s fit: a, b and c get them, never the held one. */
    char seen[3][64];
    snprintf(seen[0], 64, "%s", cidr_of("a"));
    snprintf(seen[1], 64, "%s", cidr_of("b"));
    snprintf(seen[2], 64, "%s", cidr_of("c"));
    for (int i = 0; i < 3; i++) {
        ck_assert_str_ne(seen[i], "-");
        ck_assert_str_ne(seen[i], "10.244.1.0/24");
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(seen[i], seen[j]);
    }
    /* Exhausted: d waits; when a goes, d gets a's range. */
    node("d", NULL);
    ct_settle(&T);
    ck_assert_str_eq(cidr_of("d"), "-");
    ck_assert_int_eq(k8sc_client_delete(NULL, T.client, "v1", "Node", NULL, "a", NULL), 0);
    ct_settle(&T);
    k8sc_clock_fake_advance(T.clock, 31 * CT_SEC);
    ct_settle(&T);
    ck_assert_str_eq(cidr_of("d"), seen[0]);
}
END_TEST

START_TEST(range_given_behind_the_cache)
{
    /*
     * The cache lags the server: a node queued again before its range shows
     * in the cache (its own from the last sync, or another allocator's)
     * keeps the range it has, without an error or a retry, and that range
     * counts as taken.
     */
    k8sc_builtin_options o = ct_options(&T);
    k8sc_controller *c;
    ck_assert_int_eq(k8sc_node_ipam_controller_new(&c, T.client, &o, "10.244.0.0/23", 0), 0);
    ct_add(&T, c);
    node("n", NULL);
    ck_assert_int_eq(k8sc_informer_factory_process(T.factory), 0);
    ct_patch(&T, "v1", "Node", "n", "{\"spec\":{\"podCIDR\":\"10.244.1.0/24\"}}");
    ck_assert_int_eq(k8sc_controller_process(c), 1);
    ck_assert_str_eq(cidr_of("n"), "10.244.1.0/24");
    ck_assert_int_eq(k8sc_workqueue_len(k8sc_controller_queue(c)), 0);
    ck_assert_uint_eq(k8sc_workqueue_num_requeues(k8sc_controller_queue(c), "n"), 0);
    ct_settle(&T);
    node("m", NULL);
    node("full", NULL);
    ct_settle(&T);
    ck_assert_str_eq(cidr_of("m"), "10.244.0.0/24");
    ck_assert_str_eq(cidr_of("full"), "-");
}
END_TEST

START_TEST(bad_cidrs)
{
    k8sc_controller *c = NULL;
    k8sc_builtin_options o = ct_options(&T);
    ck_assert_int_eq(k8sc_node_ipam_controller_new(&c, T.client, &o, "10.244.0.0", 0), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "invalid CIDR address: 10.244.0.0");
    ck_assert_int_eq(k8sc_node_ipam_controller_new(&c, T.client, &o, "10.244.0.0/33", 0), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_node_ipam_controller_new(&c, T.client, &o, "10.244.0.0/24", 16), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_node_ipam_controller_new(&c, T.client, &o, NULL, 0), K8SC_EINVAL);
    ck_assert_ptr_null(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nodeipam");
    TCase *tc = tcase_create("nodeipam");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, ranges_from_the_cluster_cidr);
    tcase_add_test(tc, range_given_behind_the_cache);
    tcase_add_test(tc, bad_cidrs);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
