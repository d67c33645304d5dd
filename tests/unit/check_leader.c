/*
 * Leader election through a Lease against an in-process API server, driven
 * step by step on a fake clock (client-go's tryAcquireOrRenew semantics),
 * and on real threads with short durations.
 */
#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/controller.h"
#include "k8sc/core.h"
#include "k8sc/store.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)
/* 2026-11-25T21:30:00.123456Z */
#define T0 (INT64_C(1795642200) * SEC + INT64_C(123456) * 1000)

static k8sc_store *store;
static k8sc_apiserver *srv;
static k8sc_clock *clock_;
static k8sc_client *client;

/* What the callbacks saw; locked because threaded electors call them from their threads. */
typedef struct calls {
    pthread_mutex_t mu;
    int started, stopped, new_leader;
    char last_leader[64];
} calls;

static void on_started(void *ud)
{
    calls *c = ud;
    pthread_mutex_lock(&c->mu);
    c->started++;
    pthread_mutex_unlock(&c->mu);
}

static void on_stopped(void *ud)
{
    calls *c = ud;
    pthread_mutex_lock(&c->mu);
    c->stopped++;
    pthread_mutex_unlock(&c->mu);
}

static void on_new_leader(const char *identity, void *ud)
{
    calls *c = ud;
    pthread_mutex_lock(&c->mu);
    c->new_leader++;
    snprintf(c->last_leader, sizeof(c->last_leader), "%s", identity);
    pthread_mutex_unlock(&c->mu);
}

static int count_of(calls *c, const int *field)
{
    pthread_mutex_lock(&c->mu);
    int v = *field;
    pthread_mutex_unlock(&c->mu);
    return v;
}

static void setup(void)
{
    ck_assert_int_eq(k8sc_clock_fake_new(&clock_, T0), 0);
    ck_assert_int_eq(k8sc_store_open(&store, "memory://", NULL), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = store;
    o.clock = clock_;
    ck_assert_msg(k8sc_apiserver_new(&srv, &o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_apiserver_start(srv) == 0, "%s", k8sc_error_last());
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", k8sc_apiserver_port(srv));
    k8sc_client_config *cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, url), 0);
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    co.config = cfg;
    co.timeout_ms = 2000;
    co.max_retries = -1;
    ck_assert_msg(k8sc_client_new(&client, &co) == 0, "%s", k8sc_error_last());
    k8sc_client_config_free(cfg);
}

static void teardown(void)
{
    k8sc_client_free(client);
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
    k8sc_clock_free(clock_);
}

static k8sc_leader_elector *candidate(const char *identity, calls *c, k8sc_clock *clock, int64_t lease,
    int64_t renew, int64_t retry, bool release_on_cancel)
{
    pthread_mutex_init(&c->mu, NULL);
    k8sc_leader_elector_options o;
    ck_assert_int_eq(k8sc_leader_elector_options_init(&o, K8SC_LEADER_ELECTOR_OPTIONS_VERSION), 0);
    o.lease_namespace = "kube-system";
    o.lease_name = "my-controller";
    o.identity = identity;
    o.lease_duration_ns = lease;
    o.renew_deadline_ns = renew;
    o.retry_period_ns = retry;
    o.release_on_cancel = release_on_cancel;
    o.clock = clock;
    o.on_started_leading = on_started;
    o.on_stopped_leading = on_stopped;
    o.on_new_leader = on_new_leader;
    o.userdata = c;
    k8sc_leader_elector *le = NULL;
    ck_assert_msg(k8sc_leader_elector_new(&le, client, &o) == 0, "%s", k8sc_error_last());
    return le;
}

/* A candidate on the fake clock with client-go's default durations. */
static k8sc_leader_elector *fake_candidate(const char *identity, calls *c)
{
    return candidate(identity, c, clock_, 0, 0, 0, false);
}

static int step(k8sc_leader_elector *le)
{
    int next = -1;
    ck_assert_msg(k8sc_leader_elector_step(le, &next) == 0, "%s", k8sc_error_last());
    ck_assert_int_ge(next, 0);
    return next;
}

static k8sc_object *get_lease(void)
{
    k8sc_object *lease = NULL;
    int rc = k8sc_client_get(&lease, client, "coordination.k8s.io/v1", "Lease", "kube-system", "my-controller");
    ck_assert_msg(rc == 0, "%s", k8sc_error_last());
    return lease;
}

static void expect_lease(const char *holder, int64_t transitions)
{
    k8sc_object *lease = get_lease();
    ck_assert_str_eq(k8sc_object_get_string(lease, "spec.holderIdentity"), holder);
    int64_t v = -1;
    ck_assert_int_eq(k8sc_object_get_int(lease, "spec.leaseTransitions", &v), 0);
    ck_assert_int_eq(v, transitions);
    k8sc_object_free(lease);
}

static void expect_leader(k8sc_leader_elector *le, const char *want)
{
    char *holder = NULL;
    ck_assert_int_eq(k8sc_leader_elector_leader(&holder, le), 0);
    if (want) {
        ck_assert_ptr_nonnull(holder);
        ck_assert_str_eq(holder, want);
    } else {
        ck_assert_ptr_null(holder);
    }
    k8sc_free(holder);
}

/* The first candidate creates the Lease with client-go's record and MicroTime stamps. */
START_TEST(acquire_creates_lease)
{
    calls ca = { 0 };
    k8sc_leader_elector *a = fake_candidate("a", &ca);
    ck_assert(!k8sc_leader_elector_is_leader(a));
    expect_leader(a, NULL);
    ck_assert_int_eq(step(a), 2000);
    ck_assert(k8sc_leader_elector_is_leader(a));
    expect_leader(a, "a");
    ck_assert_int_eq(ca.started, 1);
    ck_assert_int_eq(ca.new_leader, 1);
    ck_assert_str_eq(ca.last_leader, "a");

    k8sc_object *lease = get_lease();
    ck_assert_str_eq(k8sc_object_get_string(lease, "spec.holderIdentity"), "a");
    ck_assert_str_eq(k8sc_object_get_string(lease, "spec.acquireTime"), "2026-11-25T21:30:00.123456Z");
    ck_assert_str_eq(k8sc_object_get_string(lease, "spec.renewTime"), "2026-11-25T21:30:00.123456Z");
    int64_t v = 0;
    ck_assert_int_eq(k8sc_object_get_int(lease, "spec.leaseDurationSeconds", &v), 0);
    ck_assert_int_eq(v, 15);
    ck_assert_int_eq(k8sc_object_get_int(lease, "spec.leaseTransitions", &v), 0);
    ck_assert_int_eq(v, 0);
    k8sc_object_free(lease);

    /* Renewing moves renewTime only, and reports nothing new. */
    ck_assert_int_eq(k8sc_clock_fake_advance(clock_, 2 * SEC + 1000), 0);
    step(a);
    lease = get_lease();
    ck_assert_str_eq(k8sc_object_get_string(lease, "spec.acquireTime"), "2026-11-25T21:30:00.123456Z");
    ck_assert_str_eq(k8sc_object_get_string(lease, "spec.renewTime"), "2026-11-25T21:30:02.123457Z");
    k8sc_object_free(lease);
    ck_assert_int_eq(ca.started, 1);
    ck_assert_int_eq(ca.new_leader, 1);
    k8sc_leader_elector_free(a);
    ck_assert_int_eq(ca.stopped, 1);
}
END_TEST

/* A fresh Lease keeps a second candidate out; once it goes unrenewed past its duration, the second takes over. */
START_TEST(takeover_after_expiry)
{
    calls ca = { 0 }, cb = { 0 };
    k8sc_leader_elector *a = fake_candidate("a", &ca), *b = fake_candidate("b", &cb);
    step(a);
    int next = step(b);
    /* A candidate retries after retry_period stretched by up to 1.2x jitter. */
    ck_assert_int_ge(next, 2000);
    ck_assert_int_le(next, 4400);
    ck_assert(!k8sc_leader_elector_is_leader(b));
    expect_leader(b, "a");
    ck_assert_int_eq(cb.new_leader, 1);
    ck_assert_str_eq(cb.last_leader, "a");

    /* 14 s after b first saw the record it is still valid: b stays out. */
    ck_assert_int_eq(k8sc_clock_fake_advance(clock_, 14 * SEC), 0);
    step(b);
    ck_assert(!k8sc_leader_elector_is_leader(b));
    expect_lease("a", 0);

    /* Past 15 s without a change b takes the Lease, counting one transition. */
    ck_assert_int_eq(k8sc_clock_fake_advance(clock_, 1 * SEC + 1), 0);
    step(b);
    ck_assert(k8sc_leader_elector_is_leader(b));
    ck_assert_int_eq(cb.started, 1);
    ck_assert_str_eq(cb.last_leader, "b");
    expect_lease("b", 1);
    k8sc_object *lease = get_lease();
    ck_assert_str_eq(k8sc_object_get_string(lease, "spec.acquireTime"), "2026-11-25T21:30:15.123456Z");
    k8sc_object_free(lease);

    /* a comes back: its own record expired, so it re-reads, sees b hold a fresh Lease and stops leading. */
    step(a);
    ck_assert(!k8sc_leader_elector_is_leader(a));
    ck_assert_int_eq(ca.stopped, 1);
    ck_assert_str_eq(ca.last_leader, "b");
    expect_leader(a, "b");
    expect_lease("b", 1);
    k8sc_leader_elector_free(a);
    k8sc_leader_elector_free(b);
    ck_assert_int_eq(ca.stopped, 1);
    ck_assert_int_eq(cb.stopped, 1);
}
END_TEST

/* Expiry is judged on the candidate's clock from when it saw the record, never from remote timestamps. */
START_TEST(expiry_ignores_remote_timestamps)
{
    static const char lease_json[] =
        "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":\"my-controller\","
        "\"namespace\":\"kube-system\"},\"spec\":{\"holderIdentity\":\"skewed\",\"leaseDurationSeconds\":15,"
        "\"acquireTime\":\"2000-01-01T00:00:00.000000Z\",\"renewTime\":\"2000-01-01T00:00:00.000000Z\","
        "\"leaseTransitions\":4}}";
    k8sc_object *lease = NULL;
    ck_assert_int_eq(k8sc_object_from_json(&lease, lease_json, strlen(lease_json)), 0);
    ck_assert_msg(k8sc_client_create(NULL, client, lease) == 0, "%s", k8sc_error_last());
    k8sc_object_free(lease);

    calls cb = { 0 };
    k8sc_leader_elector *b = fake_candidate("b", &cb);
    step(b);
    ck_assert(!k8sc_leader_elector_is_leader(b));
    expect_leader(b, "skewed");
    ck_assert_int_eq(k8sc_clock_fake_advance(clock_, 15 * SEC), 0);
    step(b);
    ck_assert(k8sc_leader_elector_is_leader(b));
    expect_lease("b", 5);
    k8sc_leader_elector_free(b);
}
END_TEST

/* Regular renewals keep the leader in place however long the others wait. */
START_TEST(renew_keeps_leadership)
{
    calls ca = { 0 }, cb = { 0 };
    k8sc_leader_elector *a = fake_candidate("a", &ca), *b = fake_candidate("b", &cb);
    step(a);
    for (int i = 0; i < 30; i++) {
        ck_assert_int_eq(k8sc_clock_fake_advance(clock_, 2 * SEC), 0);
        step(a);
        step(b);
        ck_assert(k8sc_leader_elector_is_leader(a));
        ck_assert(!k8sc_leader_elector_is_leader(b));
    }
    expect_lease("a", 0);
    ck_assert_int_eq(ca.started, 1);
    ck_assert_int_eq(ca.stopped, 0);
    ck_assert_int_eq(cb.started, 0);
    k8sc_leader_elector_free(a);
    k8sc_leader_elector_free(b);
}
END_TEST

/* Releasing clears the holder so another candidate takes over without waiting. */
START_TEST(release_hands_over_at_once)
{
    calls ca = { 0 }, cb = { 0 };
    k8sc_leader_elector *a = fake_candidate("a", &ca), *b = fake_candidate("b", &cb);
    step(a);
    step(b);
    ck_assert_int_eq(k8sc_leader_elector_release(a), 0);
    ck_assert(!k8sc_leader_elector_is_leader(a));
    ck_assert_int_eq(ca.stopped, 1);
    expect_leader(a, NULL);
    k8sc_object *lease = get_lease();
    ck_assert_str_eq(k8sc_object_get_string(lease, "spec.holderIdentity"), "");
    int64_t v = 0;
    ck_assert_int_eq(k8sc_object_get_int(lease, "spec.leaseDurationSeconds", &v), 0);
    ck_assert_int_eq(v, 1);
    k8sc_object_free(lease);

    /* No time passes: b acquires on its next step. */
    step(b);
    ck_assert(k8sc_leader_elector_is_leader(b));
    expect_lease("b", 1);
    /* Releasing a non-leader does nothing. */
    ck_assert_int_eq(k8sc_leader_elector_release(a), 0);
    expect_lease("b", 1);
    ck_assert_int_eq(ca.stopped, 1);
    k8sc_leader_elector_free(a);
    k8sc_leader_elector_free(b);
}
END_TEST

static void write_lease(const char *field, const char *value)
{
    k8sc_object *lease = get_lease();
    ck_assert_int_eq(k8sc_object_set_string(lease, field, value), 0);
    ck_assert_msg(k8sc_client_update(NULL, client, lease) == 0, "%s", k8sc_error_last());
    k8sc_object_free(lease);
}

/* A write by someone else makes the leader's optimistic renewal conflict; it re-reads and renews. */
START_TEST(conflict_on_renew_is_handled)
{
    calls ca = { 0 };
    k8sc_leader_elector *a = fake_candidate("a", &ca);
    step(a);
    write_lease("metadata.annotations.note", "touched");
    ck_assert_int_eq(k8sc_clock_fake_advance(clock_, 2 * SEC), 0);
    step(a);
    ck_assert(k8sc_leader_elector_is_leader(a));
    k8sc_object *lease = get_lease();
    ck_assert_str_eq(k8sc_object_get_string(lease, "spec.renewTime"), "2026-11-25T21:30:02.123456Z");
    ck_assert_str_eq(k8sc_object_get_string(lease, "metadata.annotations.note"), "touched");
    k8sc_object_free(lease);

    /* Another candidate won a round behind a's back: a loses at once, without waiting out its deadline. */
    write_lease("spec.holderIdentity", "z");
    ck_assert_int_eq(k8sc_clock_fake_advance(clock_, 2 * SEC), 0);
    step(a);
    ck_assert(!k8sc_leader_elector_is_leader(a));
    ck_assert_int_eq(ca.stopped, 1);
    ck_assert_str_eq(ca.last_leader, "z");
    expect_lease("z", 0);
    k8sc_leader_elector_free(a);
    ck_assert_int_eq(ca.stopped, 1);
}
END_TEST

/* A leader that cannot reach the server keeps leading until renew_deadline, then stops. */
START_TEST(renew_deadline_stops_leading)
{
    calls ca = { 0 };
    k8sc_leader_elector *a = fake_candidate("a", &ca);
    step(a);
    k8sc_apiserver_stop(srv);
    int64_t waited = 0;
    while (k8sc_leader_elector_is_leader(a)) {
        int next = step(a);
        if (k8sc_leader_elector_is_leader(a)) {
            /* Still within the deadline: retry after retry_period, or sooner when the deadline comes first. */
            ck_assert_int_le(next, 2000);
            ck_assert_int_lt(waited, 10 * SEC);
            ck_assert_int_eq(k8sc_clock_fake_advance(clock_, next * MS), 0);
            waited += next * MS;
        }
    }
    /* It stopped exactly at the deadline: 10 s after its last renewal. */
    ck_assert_int_eq(waited, 10 * SEC);
    ck_assert_int_eq(ca.stopped, 1);
    k8sc_leader_elector_free(a);
    ck_assert_int_eq(ca.stopped, 1);
}
END_TEST

START_TEST(bad_options)
{
    k8sc_leader_elector_options o;
    k8sc_leader_elector *le = NULL;
    ck_assert_int_eq(k8sc_leader_elector_options_init(&o, 99), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_leader_elector_options_init(&o, K8SC_LEADER_ELECTOR_OPTIONS_VERSION), 0);
    o.lease_name = "l";
    ck_assert_int_eq(k8sc_leader_elector_new(&le, client, &o), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "identity"));
    o.identity = "me";
    o.lease_duration_ns = 5 * SEC;
    o.renew_deadline_ns = 5 * SEC;
    ck_assert_int_eq(k8sc_leader_elector_new(&le, client, &o), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "renew_deadline"));
    o.renew_deadline_ns = 2 * SEC;
    o.retry_period_ns = 2 * SEC;
    ck_assert_int_eq(k8sc_leader_elector_new(&le, client, &o), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "retry_period"));
    o.lease_name = NULL;
    o.retry_period_ns = SEC;
    ck_assert_int_eq(k8sc_leader_elector_new(&le, client, &o), K8SC_EINVAL);
    o.lease_name = "l";
    ck_assert_int_eq(k8sc_leader_elector_new(&le, NULL, &o), K8SC_EINVAL);
    ck_assert_ptr_null(le);
    ck_assert_int_eq(k8sc_leader_elector_new(&le, client, &o), 0);
    ck_assert_int_eq(k8sc_leader_elector_step(NULL, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_leader_elector_leader(NULL, le), K8SC_EINVAL);
    ck_assert(!k8sc_leader_elector_is_leader(NULL));
    /* While it runs on its thread, the host may not step it. */
    ck_assert_int_eq(k8sc_leader_elector_start(le), 0);
    ck_assert_int_eq(k8sc_leader_elector_start(le), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_leader_elector_step(le, NULL), K8SC_EINVAL);
    k8sc_leader_elector_stop(le);
    k8sc_leader_elector_stop(le);
    k8sc_leader_elector_free(le);
    k8sc_leader_elector_free(NULL);
    k8sc_leader_elector_stop(NULL);
}
END_TEST

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait up to `ms` for `le` to lead (or stop leading). */
static bool wait_leading(k8sc_leader_elector *le, bool want, int ms)
{
    int64_t end = real_ms() + ms;
    while (k8sc_leader_elector_is_leader(le) != want) {
        if (real_ms() > end)
            return false;
        struct timespec ts = { 0, 10 * 1000000 };
        nanosleep(&ts, NULL);
    }
    return true;
}

/* Two electors on their own threads with a 300 ms lease: one leads; stopping it hands over at once. */
START_TEST(threaded_handover)
{
    calls ca = { 0 }, cb = { 0 };
    k8sc_leader_elector *a = candidate("a", &ca, NULL, 300 * MS, 200 * MS, 50 * MS, true);
    k8sc_leader_elector *b = candidate("b", &cb, NULL, 300 * MS, 200 * MS, 50 * MS, true);
    ck_assert_int_eq(k8sc_leader_elector_start(a), 0);
    ck_assert(wait_leading(a, true, 3000));
    ck_assert_int_eq(k8sc_leader_elector_start(b), 0);
    /* b sees a's renewals for a while and never leads. */
    int64_t end = real_ms() + 700;
    while (real_ms() < end) {
        ck_assert(k8sc_leader_elector_is_leader(a));
        ck_assert(!k8sc_leader_elector_is_leader(b));
        struct timespec ts = { 0, 20 * 1000000 };
        nanosleep(&ts, NULL);
    }
    ck_assert_int_ge(count_of(&cb, &cb.new_leader), 1);

    int64_t before = real_ms();
    k8sc_leader_elector_stop(a);
    ck_assert(!k8sc_leader_elector_is_leader(a));
    ck_assert_int_eq(count_of(&ca, &ca.stopped), 1);
    /* Released, not expired: b takes over within a few retry periods, well before the 1 s lease would run out. */
    ck_assert(wait_leading(b, true, 3000));
    ck_assert_int_lt(real_ms() - before, 900);
    /* The flag flips just before on_started_leading runs on b's thread. */
    int64_t until = real_ms() + 3000;
    while (count_of(&cb, &cb.started) == 0 && real_ms() < until) {
        struct timespec ts = { 0, 5 * 1000000 };
        nanosleep(&ts, NULL);
    }
    ck_assert_int_eq(count_of(&cb, &cb.started), 1);
    expect_lease("b", 1);
    k8sc_leader_elector_free(b);
    ck_assert_int_eq(count_of(&cb, &cb.stopped), 1);
    k8sc_leader_elector_free(a);
    expect_lease("", 1);
}
END_TEST

static void *run_thread(void *arg)
{
    k8sc_leader_elector_run(arg);
    return NULL;
}

/* The blocking run mode returns when stopped from another thread. */
START_TEST(run_blocks_until_stopped)
{
    calls ca = { 0 };
    k8sc_leader_elector *a = candidate("a", &ca, NULL, 300 * MS, 200 * MS, 50 * MS, false);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, run_thread, a), 0);
    ck_assert(wait_leading(a, true, 3000));
    k8sc_leader_elector_stop(a);
    pthread_join(t, NULL);
    ck_assert(!k8sc_leader_elector_is_leader(a));
    ck_assert_int_eq(count_of(&ca, &ca.stopped), 1);
    /* Without release_on_cancel the Lease keeps its holder until it expires. */
    expect_lease("a", 0);
    k8sc_leader_elector_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("leader");
    TCase *tc = tcase_create("leader");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, acquire_creates_lease);
    tcase_add_test(tc, takeover_after_expiry);
    tcase_add_test(tc, expiry_ignores_remote_timestamps);
    tcase_add_test(tc, renew_keeps_leadership);
    tcase_add_test(tc, release_hands_over_at_once);
    tcase_add_test(tc, conflict_on_renew_is_handled);
    tcase_add_test(tc, renew_deadline_stops_leading);
    tcase_add_test(tc, bad_options);
    tcase_add_test(tc, threaded_handover);
    tcase_add_test(tc, run_blocks_until_stopped);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
