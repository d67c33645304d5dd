/*
 * The scheduling queue on a fake clock: activeQ order, back-off, moves on
 * cluster events, the 5-minute flush, pods in flight, and the host-loop fd.
 */
#include "scheduler/framework.h"
#include "testutil.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define SEC 1000000000LL

static k8sc_clock *C;
static k8sc__sched_queue *Q;

static void setup(void)
{
    ck_assert_int_eq(k8sc_clock_fake_new(&C, 1700000000LL * SEC), 0);
    ck_assert_int_eq(k8sc__sched_queue_new(&Q, C), 0);
}

static void teardown(void)
{
    k8sc__sched_queue_free(Q);
    k8sc_clock_free(C);
}

/* Pop without waiting: the key (static buffer) or NULL when none is ready. */
static const char *pop(void)
{
    static char buf[128];
    char *key = NULL;
    k8sc__sched_queue_flush(Q);
    int rc = k8sc__sched_queue_pop(Q, &key, NULL, false);
    if (rc == K8SC_ETIMEOUT)
        return NULL;
    ck_assert_int_eq(rc, 0);
    snprintf(buf, sizeof(buf), "%s", key);
    k8sc_free(key);
    return buf;
}

static void expect(const char *want)
{
    const char *got = pop();
    if (!want)
        ck_assert_msg(!got, "popped %s, want nothing", got);
    else
        ck_assert_msg(got && strcmp(got, want) == 0, "popped %s, want %s", got ? got : "nothing", want);
}

static k8sc__sched_queue_counts counts(void)
{
    k8sc__sched_queue_counts c;
    k8sc__sched_queue_counts_get(Q, &c);
    return c;
}

static void fail_once(const char *key)
{
    expect(key);
    k8sc__sched_queue_requeue(Q, key, true);
}

START_TEST(priority_then_queue_time)
{
    ck_assert_int_eq(k8sc__sched_queue_add(Q, "ns/low", 1, false), 0);
    k8sc_clock_fake_advance(C, 1);
    ck_assert_int_eq(k8sc__sched_queue_add(Q, "ns/high-late", 100, false), 0);
    k8sc_clock_fake_advance(C, 1);
    ck_assert_int_eq(k8sc__sched_queue_add(Q, "ns/mid-a", 50, false), 0);
    k8sc_clock_fake_advance(C, 1);
    ck_assert_int_eq(k8sc__sched_queue_add(Q, "ns/mid-b", 50, false), 0);
    /* A second add of a queued pod only updates its priority. */
    ck_assert_int_eq(k8sc__sched_queue_add(Q, "ns/low", 75, false), 0);
    ck_assert_uint_eq(counts().active, 4);
    expect("ns/high-late");
    expect("ns/low");
    expect("ns/mid-a");
    expect("ns/mid-b");
    expect(NULL);
    ck_assert_uint_eq(counts().in_flight, 4);
}
END_TEST

/* kube-scheduler's calculateBackoffDuration: 1 s doubling per attempt, at most 10 s. */
START_TEST(back_off_doubles_to_ten_seconds)
{
    static const int64_t want[] = { 1, 2, 4, 8, 10, 10 };
    k8sc__sched_queue_add(Q, "ns/p", 0, false);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        fail_once("ns/p");
        ck_assert_uint_eq(counts().unschedulable, 1);
        k8sc__sched_queue_move_all(Q);
        ck_assert_uint_eq(counts().backoff, 1);
        ck_assert_int_eq(k8sc__sched_queue_next_timeout_ms(Q), (int)(want[i] * 1000));
        k8sc_clock_fake_advance(C, want[i] * SEC - 1);
        expect(NULL);
        k8sc_clock_fake_advance(C, 1);
    }
    expect("ns/p");
}
END_TEST

/* A move after the back-off ran out goes straight to activeQ. */
START_TEST(moved_after_back_off_goes_to_active)
{
    k8sc__sched_queue_add(Q, "ns/p", 0, false);
    fail_once("ns/p");
    k8sc_clock_fake_advance(C, 2 * SEC);
    expect(NULL);
    k8sc__sched_queue_move_all(Q);
    ck_assert_uint_eq(counts().active, 1);
    expect("ns/p");
}
END_TEST

/* An error (not unschedulable) goes to backoffQ at once, without an event. */
START_TEST(errors_back_off_without_an_event)
{
    k8sc__sched_queue_add(Q, "ns/p", 0, false);
    expect("ns/p");
    k8sc__sched_queue_requeue(Q, "ns/p", false);
    ck_assert_uint_eq(counts().backoff, 1);
    k8sc_clock_fake_advance(C, SEC);
    expect("ns/p");
}
END_TEST

/* An event during the cycle sends a pod that turns out unschedulable to backoffQ, not to wait. */
START_TEST(events_during_the_cycle_are_not_lost)
{
    k8sc__sched_queue_add(Q, "ns/p", 0, false);
    expect("ns/p");
    k8sc__sched_queue_move_all(Q);
    k8sc__sched_queue_requeue(Q, "ns/p", true);
    ck_assert_uint_eq(counts().unschedulable, 0);
    ck_assert_uint_eq(counts().backoff, 1);
    /* So does a change to the pod itself. */
    k8sc_clock_fake_advance(C, SEC);
    expect("ns/p");
    k8sc__sched_queue_add(Q, "ns/p", 0, true);
    k8sc__sched_queue_requeue(Q, "ns/p", true);
    ck_assert_uint_eq(counts().backoff, 1);
}
END_TEST

/* Only changed pods leave the unschedulable pods: a status write (changed = false) leaves them. */
START_TEST(pod_updates_move_only_when_changed)
{
    k8sc__sched_queue_add(Q, "ns/p", 0, false);
    fail_once("ns/p");
    k8sc__sched_queue_add(Q, "ns/p", 0, false);
    ck_assert_uint_eq(counts().unschedulable, 1);
    k8sc__sched_queue_add(Q, "ns/p", 0, true);
    ck_assert_uint_eq(counts().unschedulable, 0);
    ck_assert_uint_eq(counts().backoff, 1);
}
END_TEST

/* flushUnschedulablePodsLeftover: every 30 s, pods unschedulable for over 5 minutes go back. */
START_TEST(unschedulable_pods_flushed_after_five_minutes)
{
    k8sc__sched_queue_add(Q, "ns/p", 0, false);
    fail_once("ns/p");
    ck_assert_int_eq(k8sc__sched_queue_next_timeout_ms(Q), 30000);
    k8sc_clock_fake_advance(C, 300 * SEC);
    expect(NULL);
    ck_assert_uint_eq(counts().unschedulable, 1);
    k8sc_clock_fake_advance(C, 30 * SEC);
    expect("ns/p");
}
END_TEST

START_TEST(done_and_delete_forget_pods)
{
    k8sc__sched_queue_add(Q, "ns/a", 0, false);
    k8sc__sched_queue_add(Q, "ns/b", 0, false);
    k8sc__sched_queue_add(Q, "ns/c", 0, false);
    expect("ns/a");
    k8sc__sched_queue_done(Q, "ns/a");
    k8sc__sched_queue_delete(Q, "ns/b");
    expect("ns/c");
    /* Deleted while in flight: the requeue finds nothing. */
    k8sc__sched_queue_delete(Q, "ns/c");
    k8sc__sched_queue_requeue(Q, "ns/c", false);
    k8sc__sched_queue_counts c = counts();
    ck_assert_uint_eq(c.active + c.backoff + c.unschedulable + c.in_flight, 0);
    /* A new add of a done pod queues it afresh, without back-off. */
    k8sc__sched_queue_add(Q, "ns/a", 0, false);
    expect("ns/a");
}
END_TEST

static bool readable(int fd)
{
    struct pollfd p = { fd, POLLIN, 0 };
    return poll(&p, 1, 0) == 1;
}

START_TEST(fd_readable_while_pods_are_ready)
{
    int fd = k8sc__sched_queue_fd(Q);
    ck_assert(!readable(fd));
    ck_assert_int_eq(k8sc__sched_queue_next_timeout_ms(Q), -1);
    k8sc__sched_queue_add(Q, "ns/p", 0, false);
    ck_assert(readable(fd));
    ck_assert_int_eq(k8sc__sched_queue_next_timeout_ms(Q), 0);
    expect("ns/p");
    ck_assert(!readable(fd));
    k8sc__sched_queue_requeue(Q, "ns/p", false);
    k8sc_clock_fake_advance(C, SEC);
    k8sc__sched_queue_flush(Q);
    ck_assert(readable(fd));
}
END_TEST

START_TEST(shutdown_ends_waiting_pops)
{
    k8sc__sched_queue_shutdown(Q);
    char *key = NULL;
    ck_assert_int_eq(k8sc__sched_queue_pop(Q, &key, NULL, true), K8SC_EGONE);
    ck_assert_ptr_null(key);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scheduler_queue");
    TCase *tc = tcase_create("queue");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, priority_then_queue_time);
    tcase_add_test(tc, back_off_doubles_to_ten_seconds);
    tcase_add_test(tc, moved_after_back_off_goes_to_active);
    tcase_add_test(tc, errors_back_off_without_an_event);
    tcase_add_test(tc, events_during_the_cycle_are_not_lost);
    tcase_add_test(tc, pod_updates_move_only_when_changed);
    tcase_add_test(tc, unschedulable_pods_flushed_after_five_minutes);
    tcase_add_test(tc, done_and_delete_forget_pods);
    tcase_add_test(tc, fd_readable_while_pods_are_ready);
    tcase_add_test(tc, shutdown_ends_waiting_pops);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
