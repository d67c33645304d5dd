/*
 * The controller manager: --controllers parsing, and two managers on one
 * API server with leader election — only the leader's controllers act, and
 * the standby takes over when the leader stops.
 */
#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/controllers.h"
#include "k8sc/store.h"
#include "testutil.h"

#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#define MS 1000000LL

static k8sc_store *store;
static k8sc_apiserver *srv;
static k8sc_client *client;

static void setup(void)
{
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.store = store;
    ck_assert_int_eq(k8sc_apiserver_new(&srv, &o), 0);
    ck_assert_int_eq(k8sc_client_new_in_process(&client, srv), 0);
}

static void teardown(void)
{
    k8sc_client_free(client);
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
}

START_TEST(controllers_flag)
{
    static const struct {
        const char *list;
        int rc;
        const char *on, *off;
    } cases[] = {
        { "*", 0, "deployment-controller", NULL },
        { "*,-job", 0, "replicaset", "job-controller" },
        { "deployment,replicaset", 0, "deployment", "cronjob" },
        { "-deployment-controller,*", 0, "job", "deployment" },
        { "", 0, NULL, "deployment" },
        { "*,nope", K8SC_EINVAL, NULL, NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        k8sc_controller_manager_options mo = K8SC_CONTROLLER_MANAGER_OPTIONS_INIT;
        mo.controllers = cases[i].list;
        k8sc_controller_manager *m = NULL;
        ck_assert_int_eq(k8sc_controller_manager_new(&m, client, &mo), cases[i].rc);
        if (cases[i].rc) {
            ck_assert_str_eq(k8sc_error_last(), "\"nope\" is not in the list of known controllers");
            continue;
        }
        if (cases[i].on)
            ck_assert_msg(k8sc_controller_manager_enabled(m, cases[i].on), "%s: %s", cases[i].list, cases[i].on);
        if (cases[i].off)
            ck_assert_msg(!k8sc_controller_manager_enabled(m, cases[i].off), "%s: %s", cases[i].list, cases[i].off);
        k8sc_controller_manager_free(m);
    }
    ck_assert_str_eq(k8sc_controller_manager_known(0), "deployment-controller");
    ck_assert_ptr_null(k8sc_controller_manager_known(1000));
}
END_TEST

static k8sc_controller_manager *manager(const char *identity)
{
    k8sc_controller_manager_options mo = K8SC_CONTROLLER_MANAGER_OPTIONS_INIT;
    mo.controllers = "replicaset";
    mo.leader_elect = true;
    mo.identity = identity;
    mo.lease_duration_ns = 3000 * MS;
    mo.renew_deadline_ns = 2000 * MS;
    mo.retry_period_ns = 200 * MS;
    k8sc_controller_manager *m = NULL;
    ck_assert_msg(k8sc_controller_manager_new(&m, client, &mo) == 0, "%s", k8sc_error_last());
    return m;
}

static const char *lease_holder(void)
{
    static char holder[128];
    k8sc_object *lease = NULL;
    holder[0] = '\0';
    if (k8sc_client_get(&lease, client, "coordination.k8s.io/v1", "Lease", "kube-system", "kube-controller-manager") == 0) {
        const char *h = k8sc_object_get_string(lease, "spec.holderIdentity");
        snprintf(holder, sizeof(holder), "%s", h ? h : "");
        k8sc_object_free(lease);
    }
    return holder;
}

static void wait_leader(k8sc_controller_manager *m, const char *identity)
{
    for (int i = 0; i < 1500 && !(k8sc_controller_manager_is_leader(m) && strcmp(lease_holder(), identity) == 0); i++)
        poll(NULL, 0, 10);
    ck_assert_msg(k8sc_controller_manager_is_leader(m), "%s did not become the leader", identity);
    ck_assert_str_eq(lease_holder(), identity);
}

static size_t pods(void)
{
    k8sc_object *list;
    ck_assert_int_eq(k8sc_client_list(&list, client, "v1", "Pod", "default", NULL), 0);
    size_t n = json_object_array_length(k8sc_object_get(list, "items"));
    k8sc_object_free(list);
    return n;
}

static void create_rs(const char *name, int replicas)
{
    char json[512];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\"},"
        "\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":\"%s\"}},\"template\":{\"metadata\":"
        "{\"labels\":{\"app\":\"%s\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}}}",
        name, replicas, name, name);
    k8sc_object *rs;
    ck_assert_int_eq(k8sc_object_from_json(&rs, json, strlen(json)), 0);
    ck_assert_int_eq(k8sc_client_create(NULL, client, rs), 0);
    k8sc_object_free(rs);
}

static void wait_pods(size_t n)
{
    for (int i = 0; i < 1500 && pods() != n; i++)
        poll(NULL, 0, 10);
    ck_assert_uint_eq(pods(), n);
}

START_TEST(leader_election_hands_over)
{
    k8sc_controller_manager *a = manager("a"), *b = manager("b");
    ck_assert(!k8sc_controller_manager_is_leader(a));
    ck_assert_int_eq(k8sc_controller_manager_start(a), 0);
    wait_leader(a, "a");
    ck_assert_int_eq(k8sc_controller_manager_start(b), 0);
    ck_assert_int_eq(k8sc_controller_manager_start(b), K8SC_EINVAL);
    create_rs("one", 2);
    wait_pods(2);
    /* The standby stays one: the leader renews in time. */
    poll(NULL, 0, 1500);
    ck_assert(!k8sc_controller_manager_is_leader(b));
    ck_assert_str_eq(lease_holder(), "a");
    ck_assert_int_eq(k8sc_controller_manager_wait(b, 0), K8SC_ETIMEOUT);

    /* The leader stops and gives the Lease up: the standby takes over and acts. */
    k8sc_controller_manager_stop(a);
    ck_assert_int_eq(k8sc_controller_manager_wait(a, 0), 0);
    wait_leader(b, "b");
    create_rs("two", 3);
    wait_pods(5);
    k8sc_controller_manager_free(b);
    k8sc_controller_manager_free(a);
    /* b released the Lease on its way out. */
    ck_assert_str_eq(lease_holder(), "");
}
END_TEST

START_TEST(without_election_runs_at_once)
{
    k8sc_controller_manager_options mo = K8SC_CONTROLLER_MANAGER_OPTIONS_INIT;
    mo.controllers = "replicaset";
    k8sc_controller_manager *m = NULL;
    ck_assert_int_eq(k8sc_controller_manager_new(&m, client, &mo), 0);
    ck_assert_int_eq(k8sc_controller_manager_start(m), 0);
    ck_assert(k8sc_controller_manager_is_leader(m));
    create_rs("solo", 2);
    wait_pods(2);
    ck_assert_str_eq(lease_holder(), "");
    k8sc_controller_manager_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("manager");
    TCase *tc = tcase_create("manager");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, controllers_flag);
    tcase_add_test(tc, leader_election_hands_over);
    tcase_add_test(tc, without_election_runs_at_once);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
