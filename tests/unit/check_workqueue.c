/* controller work queues and rate limiters, against client-go's workqueue behaviour. */
#include "testutil.h"

#include <k8sc/controller.h>
#include <k8sc/core.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)

static k8sc_workqueue *new_queue(k8sc_clock *clock)
{
    k8sc_workqueue_options opts;
    ck_assert_int_eq(k8sc_workqueue_options_init(&opts, K8SC_WORKQUEUE_OPTIONS_VERSION), 0);
    opts.name = "test";
    opts.clock = clock;
    k8sc_workqueue *q = NULL;
    ck_assert_int_eq(k8sc_workqueue_new(&q, &opts), 0);
    return q;
}

/* Take the next key without waiting, check it, and mark it done. */
static void expect_key(k8sc_workqueue *q, const char *want)
{
    char *key = NULL;
    ck_assert_int_eq(k8sc_workqueue_try_get(q, &key), 0);
    ck_assert_str_eq(key, want);
    ck_assert_int_eq(k8sc_workqueue_done(q, key), 0);
    k8sc_free(key);
}

static void expect_empty(k8sc_workqueue *q)
{
    char *key = NULL;
    ck_assert_int_eq(k8sc_workqueue_try_get(q, &key), K8SC_ETIMEOUT);
    ck_assert_ptr_null(key);
}

static bool fd_readable(k8sc_workqueue *q)
{
    struct pollfd p = { k8sc_workqueue_fd(q), POLLIN, 0 };
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* Adds are de-duplicated and handed out in first-add order (client-go Type). */
START_TEST(dedupe_and_fifo)
{
    static const struct {
        const char *adds[6];
        size_t len;
        const char *order[6];
    } cases[] = {
        { { "ns/a", "ns/b", "ns/c" }, 3, { "ns/a", "ns/b", "ns/c" } },
        { { "ns/c", "ns/a", "ns/b" }, 3, { "ns/c", "ns/a", "ns/b" } },
        { { "ns/a", "ns/a", "ns/a" }, 1, { "ns/a" } },
        { { "ns/a", "ns/b", "ns/a", "ns/c", "ns/b" }, 3, { "ns/a", "ns/b", "ns/c" } },
        { { "" }, 1, { "" } },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        k8sc_workqueue *q = new_queue(NULL);
        for (size_t j = 0; cases[i].adds[j]; j++)
            ck_assert_int_eq(k8sc_workqueue_add(q, cases[i].adds[j]), 0);
        ck_assert_uint_eq(k8sc_workqueue_len(q), cases[i].len);
        for (size_t j = 0; j < cases[i].len; j++)
            expect_key(q, cases[i].order[j]);
        expect_empty(q);
        ck_assert_uint_eq(k8sc_workqueue_len(q), 0);
        k8sc_workqueue_free(q);
    }
}
END_TEST

/* A key added while processed is not handed out until done(), then once. */
START_TEST(dirty_requeued_on_done)
{
    k8sc_workqueue *q = new_queue(NULL);
    char *key = NULL;
    ck_assert_int_eq(k8sc_workqueue_add(q, "ns/a"), 0);
    ck_assert_int_eq(k8sc_workqueue_add(q, "ns/b"), 0);
    ck_assert_int_eq(k8sc_workqueue_try_get(q, &key), 0);
    ck_assert_str_eq(key, "ns/a");
    ck_assert_int_eq(k8sc_workqueue_add(q, "ns/a"), 0);
    ck_assert_int_eq(k8sc_workqueue_add(q, "ns/a"), 0);
    ck_assert_uint_eq(k8sc_workqueue_len(q), 1);
    expect_key(q, "ns/b");
    expect_empty(q); /* ns/a is still held */
    ck_assert_int_eq(k8sc_workqueue_done(q, key), 0);
    ck_assert_uint_eq(k8sc_workqueue_len(q), 1);
    k8sc_free(key);
    expect_key(q, "ns/a");
    expect_empty(q);
    /* done() for a key nobody holds */
    ck_assert_int_eq(k8sc_workqueue_done(q, "ns/a"), K8SC_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "ns/a"));
    k8sc_workqueue_free(q);
}
END_TEST

typedef struct {
    k8sc_workqueue *q;
    int rc;
} getter_arg;

static void *getter(void *p)
{
    getter_arg *a = p;
    char *key = NULL;
    a->rc = k8sc_workqueue_get(a->q, &key);
    k8sc_free(key);
    return NULL;
}

START_TEST(shutdown_wakes_getters)
{
    k8sc_workqueue *q = new_queue(NULL);
    pthread_t t[3];
    getter_arg args[3];
    for (int i = 0; i < 3; i++) {
        args[i].q = q;
        args[i].rc = 1;
        pthread_create(&t[i], NULL, getter, &args[i]);
    }
    k8sc_workqueue_shutdown(q);
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(args[i].rc, K8SC_EGONE);
    }
    ck_assert(k8sc_workqueue_shutting_down(q));
    k8sc_workqueue_free(q);

    /* Keys queued before shutdown are still handed out; later adds are dropped. */
    q = new_queue(NULL);
    ck_assert_int_eq(k8sc_workqueue_add(q, "ns/a"), 0);
    ck_assert_int_eq(k8sc_workqueue_add_after(q, "ns/late", 5 * MS), 0);
    k8sc_workqueue_shutdown(q);
    k8sc_workqueue_shutdown(q);
    ck_assert_int_eq(k8sc_workqueue_add(q, "ns/b"), 0);
    ck_assert_int_eq(k8sc_workqueue_next_timeout_ms(q), 0);
    expect_key(q, "ns/a");
    char *key = NULL;
    ck_assert_int_eq(k8sc_workqueue_get(q, &key), K8SC_EGONE);
    ck_assert_int_eq(k8sc_workqueue_next_timeout_ms(q), -1);
    k8sc_workqueue_free(q);
}
END_TEST

typedef struct {
    k8sc_workqueue *q;
    atomic_bool returned;
} drain_arg;

static void *drainer(void *p)
{
    drain_arg *a = p;
    k8sc_workqueue_shutdown_with_drain(a->q);
    atomic_store(&a->returned, true);
    return NULL;
}

START_TEST(drain_waits_for_done)
{
    k8sc_workqueue *q = new_queue(NULL);
    char *key = NULL;
    ck_assert_int_eq(k8sc_workqueue_add(q, "ns/a"), 0);
    ck_assert_int_eq(k8sc_workqueue_get(q, &key), 0);
    drain_arg a = { q, false };
    pthread_t t;
    pthread_create(&t, NULL, drainer, &a);
    /* A short real wait: the drainer must still be blocked on the held key. */
    char *other = NULL;
    ck_assert_int_eq(k8sc_workqueue_get_timed(q, &other, 100), K8SC_EGONE);
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    ck_assert(!atomic_load(&a.returned));
    ck_assert_int_eq(k8sc_workqueue_done(q, key), 0);
    pthread_join(t, NULL);
    ck_assert(atomic_load(&a.returned));
    k8sc_free(key);
    k8sc_workqueue_free(q);
}
END_TEST

/* Delayed keys come out in due order (ties in add order) as the fake clock moves. */
START_TEST(add_after_fake_clock_order)
{
    k8sc_clock *clock = NULL;
    ck_assert_int_eq(k8sc_clock_fake_new(&clock, 0), 0);
    k8sc_workqueue *q = new_queue(clock);
    static const struct {
        const char *key;
        int64_t delay;
    } adds[] = {
        { "ns/b", 30 * MS }, { "ns/a", 10 * MS }, { "ns/c", 20 * MS }, { "ns/d", 10 * MS },
        { "ns/c", 5 * MS },  /* brings ns/c forward */
        { "ns/a", 50 * MS }, /* later: ignored, ns/a stays at 10 ms */
        { "ns/now", 0 },     /* no delay: ready at once */
    };
    for (size_t i = 0; i < sizeof(adds) / sizeof(adds[0]); i++)
        ck_assert_int_eq(k8sc_workqueue_add_after(q, adds[i].key, adds[i].delay), 0);
    static const struct {
        int64_t advance;
        const char *ready[3];
    } steps[] = {
        { 0, { "ns/now" } },
        { 4 * MS, { NULL } },
        { 1 * MS, { "ns/c" } },
        { 5 * MS, { "ns/a", "ns/d" } },
        { 19 * MS, { NULL } },
        { 1 * MS, { "ns/b" } },
        { 100 * MS, { NULL } },
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        ck_assert_int_eq(k8sc_clock_fake_advance(clock, steps[i].advance), 0);
        ck_assert_int_eq(k8sc_workqueue_process(q), 0);
        for (size_t j = 0; steps[i].ready[j]; j++)
            expect_key(q, steps[i].ready[j]);
        expect_empty(q);
    }
    ck_assert_int_eq(k8sc_workqueue_next_timeout_ms(q), -1);
    k8sc_workqueue_free(q);
    k8sc_clock_free(clock);
}
END_TEST

START_TEST(fd_and_next_timeout)
{
    k8sc_clock *clock = NULL;
    ck_assert_int_eq(k8sc_clock_fake_new(&clock, 0), 0);
    k8sc_workqueue *q = new_queue(clock);
    ck_assert_int_ge(k8sc_workqueue_fd(q), 0);
    ck_assert(!fd_readable(q));
    ck_assert_int_eq(k8sc_workqueue_next_timeout_ms(q), -1);
    ck_assert_int_eq(k8sc_workqueue_add_after(q, "ns/a", 1500 * 1000), 0);
    ck_assert_int_eq(k8sc_workqueue_next_timeout_ms(q), 2); /* rounded up */
    ck_assert(!fd_readable(q));
    k8sc_clock_fake_advance(clock, 1 * MS);
    ck_assert_int_eq(k8sc_workqueue_next_timeout_ms(q), 1);
    k8sc_clock_fake_advance(clock, 1 * MS);
    ck_assert_int_eq(k8sc_workqueue_next_timeout_ms(q), 0);
    ck_assert(!fd_readable(q)); /* due, but not released until process() */
    ck_assert_int_eq(k8sc_workqueue_process(q), 0);
    ck_assert(fd_readable(q));
    ck_assert_uint_eq(k8sc_workqueue_len(q), 1);
    ck_assert_int_eq(k8sc_workqueue_next_timeout_ms(q), 0);
    char *key = NULL;
    ck_assert_int_eq(k8sc_workqueue_try_get(q, &key), 0);
    ck_assert(!fd_readable(q));
    ck_assert_int_eq(k8sc_workqueue_next_timeout_ms(q), -1);
    ck_assert_int_eq(k8sc_workqueue_add(q, "ns/a"), 0); /* dirty while held: not ready */
    ck_assert(!fd_readable(q));
    ck_assert_int_eq(k8sc_workqueue_done(q, key), 0);
    ck_assert(fd_readable(q));
    k8sc_free(key);
    expect_key(q, "ns/a");
    ck_assert(!fd_readable(q));
    ck_assert_int_eq(k8sc_workqueue_fd(NULL), -1);
    ck_assert_int_eq(k8sc_workqueue_next_timeout_ms(NULL), -1);
    k8sc_workqueue_free(q);
    k8sc_clock_free(clock);
}
END_TEST

/* With the system clock, a blocking get waits for a delayed key by itself. */
START_TEST(add_after_system_clock)
{
    k8sc_workqueue *q = new_queue(NULL);
    int64_t start = k8sc_clock_mono(NULL);
    ck_assert_int_eq(k8sc_workqueue_add_after(q, "ns/a", 20 * MS), 0);
    char *key = NULL;
    ck_assert_int_eq(k8sc_workqueue_get_timed(q, &key, 5), K8SC_ETIMEOUT);
    ck_assert_int_eq(k8sc_workqueue_get_timed(q, &key, 900), 0);
    int64_t waited = k8sc_clock_mono(NULL) - start;
    ck_assert_str_eq(key, "ns/a");
    ck_assert_int_ge(waited, 20 * MS);
    ck_assert_int_lt(waited, 900 * MS);
    k8sc_free(key);
    k8sc_workqueue_free(q);
}
END_TEST

/* client-go ItemExponentialFailureRateLimiter(5ms, 1000s). */
START_TEST(exponential_backoff)
{
    k8sc_ratelimiter *rl = NULL;
    ck_assert_int_eq(k8sc_ratelimiter_exponential_new(&rl, 5 * MS, 1000 * SEC), 0);
    static const int64_t want[] = {
        5 * MS,   10 * MS,  20 * MS,   40 * MS,   80 * MS,   160 * MS,  320 * MS,
        640 * MS, 1280 * MS, 2560 * MS, 5120 * MS, 10240 * MS, 20480 * MS, 40960 * MS,
        81920 * MS, 163840 * MS, 327680 * MS, 655360 * MS, 1000 * SEC, 1000 * SEC,
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        int64_t d = -1;
        ck_assert_int_eq(k8sc_ratelimiter_when(rl, &d, "ns/a"), 0);
        ck_assert_int_eq(d, want[i]);
        ck_assert_uint_eq(k8sc_ratelimiter_num_requeues(rl, "ns/a"), i + 1);
    }
    /* Far past the point where 2^n overflows, still capped. */
    for (int i = 0; i < 100; i++) {
        int64_t d = -1;
        ck_assert_int_eq(k8sc_ratelimiter_when(rl, &d, "ns/a"), 0);
        ck_assert_int_eq(d, 1000 * SEC);
    }
    /* Keys are independent; forget starts again from the base. */
    int64_t d = -1;
    ck_assert_int_eq(k8sc_ratelimiter_when(rl, &d, "ns/b"), 0);
    ck_assert_int_eq(d, 5 * MS);
    k8sc_ratelimiter_forget(rl, "ns/a");
    ck_assert_uint_eq(k8sc_ratelimiter_num_requeues(rl, "ns/a"), 0);
    ck_assert_int_eq(k8sc_ratelimiter_when(rl, &d, "ns/a"), 0);
    ck_assert_int_eq(d, 5 * MS);
    ck_assert_uint_eq(k8sc_ratelimiter_num_requeues(rl, "ns/b"), 1);
    k8sc_ratelimiter_forget(rl, "ns/never");
    k8sc_ratelimiter_free(rl);
}
END_TEST

/* golang.org/x/time/rate reservations: burst free, then 1/qps apart; refill with time. */
START_TEST(token_bucket)
{
    k8sc_clock *clock = NULL;
    ck_assert_int_eq(k8sc_clock_fake_new(&clock, 0), 0);
    k8sc_ratelimiter *rl = NULL;
    ck_assert_int_eq(k8sc_ratelimiter_bucket_new(&rl, clock, 10, 100), 0);
    int64_t d = -1;
    for (int i = 0; i < 100; i++) {
        ck_assert_int_eq(k8sc_ratelimiter_when(rl, &d, "same"), 0);
        ck_assert_int_eq(d, 0);
    }
    static const struct {
        int64_t advance, delay;
    } steps[] = {
        { 0, 100 * MS },       /* 101st: one token short at 10 qps */
        { 0, 200 * MS },
        { 0, 300 * MS },
        { 1 * SEC, 0 },        /* 10 tokens back: -3 + 10 = 7 left after one more */
        { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 },
        { 0, 100 * MS },
        { 50 * MS, 150 * MS }, /* half a token back, one more taken: 1.5 short */
        { 1000 * SEC, 0 },     /* refill caps at the burst */
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        k8sc_clock_fake_advance(clock, steps[i].advance);
        ck_assert_int_eq(k8sc_ratelimiter_when(rl, &d, "same"), 0);
        ck_assert_msg(d == steps[i].delay, "step %zu: %lld != %lld", i, (long long)d, (long long)steps[i].delay);
    }
    for (int i = 0; i < 99; i++) {
        ck_assert_int_eq(k8sc_ratelimiter_when(rl, &d, "x"), 0);
        ck_assert_int_eq(d, 0);
    }
    ck_assert_int_eq(k8sc_ratelimiter_when(rl, &d, "x"), 0);
    ck_assert_int_eq(d, 100 * MS);
    ck_assert_uint_eq(k8sc_ratelimiter_num_requeues(rl, "x"), 0);
    k8sc_ratelimiter_free(rl);
    k8sc_clock_free(clock);
}
END_TEST

/* DefaultControllerRateLimiter = max(exponential 5ms..1000s, bucket 10 qps burst 100). */
START_TEST(max_of_default)
{
    k8sc_clock *clock = NULL;
    ck_assert_int_eq(k8sc_clock_fake_new(&clock, 0), 0);
    k8sc_ratelimiter *rl = NULL;
    ck_assert_int_eq(k8sc_ratelimiter_default_new(&rl, clock), 0);
    int64_t d = -1;
    char key[32];
    /* 100 distinct keys: only the per-key back-off applies. */
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "ns/k%d", i);
        ck_assert_int_eq(k8sc_ratelimiter_when(rl, &d, key), 0);
        ck_assert_int_eq(d, 5 * MS);
    }
    /* The bucket is empty: it now dominates a fresh key's 5 ms. */
    ck_assert_int_eq(k8sc_ratelimiter_when(rl, &d, "ns/fresh"), 0);
    ck_assert_int_eq(d, 100 * MS);
    /* Later the back-off dominates: ns/k0's 2nd..10th failures after a refill. */
    k8sc_clock_fake_advance(clock, 100 * SEC);
    int64_t want = 10 * MS;
    for (int i = 0; i < 9; i++, want *= 2) {
        ck_assert_int_eq(k8sc_ratelimiter_when(rl, &d, "ns/k0"), 0);
        ck_assert_int_eq(d, want);
    }
    ck_assert_uint_eq(k8sc_ratelimiter_num_requeues(rl, "ns/k0"), 10);
    k8sc_ratelimiter_forget(rl, "ns/k0");
    ck_assert_uint_eq(k8sc_ratelimiter_num_requeues(rl, "ns/k0"), 0);
    k8sc_ratelimiter_free(rl);

    /* A custom max-of takes ownership of its parts. */
    k8sc_ratelimiter *parts[2] = { NULL, NULL };
    ck_assert_int_eq(k8sc_ratelimiter_exponential_new(&parts[0], 1 * MS, 8 * MS), 0);
    ck_assert_int_eq(k8sc_ratelimiter_exponential_new(&parts[1], 3 * MS, 5 * MS), 0);
    ck_assert_int_eq(k8sc_ratelimiter_max_of_new(&rl, parts, 2), 0);
    static const int64_t seq[] = { 3 * MS, 5 * MS, 5 * MS, 8 * MS, 8 * MS };
    for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
        ck_assert_int_eq(k8sc_ratelimiter_when(rl, &d, "k"), 0);
        ck_assert_int_eq(d, seq[i]);
    }
    k8sc_ratelimiter_free(rl);
    k8sc_clock_free(clock);
}
END_TEST

START_TEST(rate_limited_queue)
{
    k8sc_clock *clock = NULL;
    ck_assert_int_eq(k8sc_clock_fake_new(&clock, 0), 0);
    k8sc_workqueue *q = new_queue(clock);
    ck_assert_int_eq(k8sc_workqueue_add_rate_limited(q, "ns/a"), 0);
    ck_assert_uint_eq(k8sc_workqueue_num_requeues(q, "ns/a"), 1);
    ck_assert_int_eq(k8sc_workqueue_next_timeout_ms(q), 5);
    expect_empty(q);
    k8sc_clock_fake_advance(clock, 5 * MS);
    ck_assert_int_eq(k8sc_workqueue_process(q), 0);
    expect_key(q, "ns/a");
    ck_assert_int_eq(k8sc_workqueue_add_rate_limited(q, "ns/a"), 0);
    ck_assert_int_eq(k8sc_workqueue_next_timeout_ms(q), 10);
    ck_assert_uint_eq(k8sc_workqueue_num_requeues(q, "ns/a"), 2);
    k8sc_workqueue_forget(q, "ns/a");
    ck_assert_uint_eq(k8sc_workqueue_num_requeues(q, "ns/a"), 0);
    k8sc_workqueue_free(q);

    /* A borrowed limiter is used and left alone. */
    k8sc_ratelimiter *rl = NULL;
    ck_assert_int_eq(k8sc_ratelimiter_exponential_new(&rl, 2 * MS, 3 * MS), 0);
    k8sc_workqueue_options opts = K8SC_WORKQUEUE_OPTIONS_INIT;
    opts.clock = clock;
    opts.rate_limiter = rl;
    ck_assert_int_eq(k8sc_workqueue_new(&q, &opts), 0);
    ck_assert_int_eq(k8sc_workqueue_add_rate_limited(q, "k"), 0);
    ck_assert_int_eq(k8sc_workqueue_next_timeout_ms(q), 2);
    k8sc_workqueue_free(q);
    ck_assert_uint_eq(k8sc_ratelimiter_num_requeues(rl, "k"), 1);
    k8sc_ratelimiter_free(rl);
    k8sc_clock_free(clock);
}
END_TEST

START_TEST(bad_arguments)
{
    k8sc_workqueue_options opts;
    ck_assert_int_eq(k8sc_workqueue_options_init(&opts, 99), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_workqueue_options_init(NULL, K8SC_WORKQUEUE_OPTIONS_VERSION), K8SC_EINVAL);
    k8sc_workqueue_options bad = K8SC_WORKQUEUE_OPTIONS_INIT;
    bad.version = 7;
    k8sc_workqueue *q = NULL;
    ck_assert_int_eq(k8sc_workqueue_new(&q, &bad), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "version 7"));
    ck_assert_int_eq(k8sc_workqueue_new(&q, NULL), 0);
    ck_assert_int_eq(k8sc_workqueue_add(q, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_workqueue_add(NULL, "k"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_workqueue_get(q, NULL), K8SC_EINVAL);
    char *key = NULL;
    ck_assert_int_eq(k8sc_workqueue_get_timed(q, &key, -1), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_workqueue_process(NULL), K8SC_EINVAL);
    ck_assert_uint_eq(k8sc_workqueue_len(NULL), 0);
    ck_assert(k8sc_workqueue_shutting_down(NULL));
    ck_assert(!k8sc_workqueue_shutting_down(q));
    k8sc_workqueue_shutdown(NULL);
    k8sc_workqueue_shutdown_with_drain(NULL);
    k8sc_workqueue_free(q);
    k8sc_workqueue_free(NULL);

    k8sc_ratelimiter *rl = NULL;
    static const struct {
        int64_t base, max;
    } exp_bad[] = { { 0, 1 }, { -1, 5 }, { 10, 5 } };
    for (size_t i = 0; i < sizeof(exp_bad) / sizeof(exp_bad[0]); i++)
        ck_assert_int_eq(k8sc_ratelimiter_exponential_new(&rl, exp_bad[i].base, exp_bad[i].max), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_ratelimiter_bucket_new(&rl, NULL, 0, 1), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_ratelimiter_bucket_new(&rl, NULL, 10, 0), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_ratelimiter_bucket_new(&rl, NULL, -1, 5), K8SC_EINVAL);
    k8sc_ratelimiter *nulls[2] = { NULL, NULL };
    ck_assert_int_eq(k8sc_ratelimiter_max_of_new(&rl, nulls, 2), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "limiter 0"));
    ck_assert_int_eq(k8sc_ratelimiter_max_of_new(&rl, nulls, 0), K8SC_EINVAL);
    ck_assert_uint_eq(k8sc_ratelimiter_num_requeues(NULL, "k"), 0);
    k8sc_ratelimiter_forget(NULL, "k");
    k8sc_ratelimiter_free(NULL);
}
END_TEST

#define STRESS_KEYS 10000
#define STRESS_THREADS 4

typedef struct {
    k8sc_workqueue *q;
    atomic_int in_progress[STRESS_KEYS];
    atomic_int processed[STRESS_KEYS];
    atomic_int overlaps;
    atomic_int errors;
} stress_state;

typedef struct {
    stress_state *s;
    int id;
} stress_arg;

static void *producer(void *p)
{
    stress_arg *a = p;
    char key[32];
    /* Each producer adds every key, starting at a different offset. */
    for (int i = 0; i < STRESS_KEYS; i++) {
        snprintf(key, sizeof(key), "ns/k%d", (i + a->id * (STRESS_KEYS / STRESS_THREADS)) % STRESS_KEYS);
        if (k8sc_workqueue_add(a->s->q, key) != 0)
            atomic_fetch_add(&a->s->errors, 1);
    }
    return NULL;
}

static void *worker(void *p)
{
    stress_arg *a = p;
    char *key = NULL;
    while (k8sc_workqueue_get(a->s->q, &key) == 0) {
        int k = -1;
        if (sscanf(key, "ns/k%d", &k) != 1 || k < 0 || k >= STRESS_KEYS) {
            atomic_fetch_add(&a->s->errors, 1);
        } else {
            if (atomic_exchange(&a->s->in_progress[k], 1) != 0)
                atomic_fetch_add(&a->s->overlaps, 1);
            atomic_fetch_add(&a->s->processed[k], 1);
            atomic_store(&a->s->in_progress[k], 0);
        }
        if (k8sc_workqueue_done(a->s->q, key) != 0)
            atomic_fetch_add(&a->s->errors, 1);
        k8sc_free(key);
    }
    return NULL;
}

START_TEST(stress_many_workers)
{
    stress_state *s = calloc(1, sizeof(*s));
    ck_assert_ptr_nonnull(s);
    s->q = new_queue(NULL);
    pthread_t prod[STRESS_THREADS], work[STRESS_THREADS];
    stress_arg args[STRESS_THREADS];
    for (int i = 0; i < STRESS_THREADS; i++) {
        args[i].s = s;
        args[i].id = i;
        pthread_create(&work[i], NULL, worker, &args[i]);
    }
    for (int i = 0; i < STRESS_THREADS; i++)
        pthread_create(&prod[i], NULL, producer, &args[i]);
    for (int i = 0; i < STRESS_THREADS; i++)
        pthread_join(prod[i], NULL);
    /* Workers still drain what is queued, including keys re-queued by done(). */
    k8sc_workqueue_shutdown(s->q);
    for (int i = 0; i < STRESS_THREADS; i++)
        pthread_join(work[i], NULL);
    int overlaps = atomic_load(&s->overlaps), errors = atomic_load(&s->errors);
    ck_assert_msg(overlaps == 0, "%d keys were held by two workers at once", overlaps);
    ck_assert_msg(errors == 0, "%d add/get/done calls failed", errors);
    for (int k = 0; k < STRESS_KEYS; k++) {
        int n = atomic_load(&s->processed[k]);
        ck_assert_msg(n >= 1 && n <= STRESS_THREADS, "key %d processed %d times", k, n);
    }
    ck_assert_uint_eq(k8sc_workqueue_len(s->q), 0);
    k8sc_workqueue_free(s->q);
    free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("workqueue");
    k8sc_test_add(s, "dedupe_and_fifo", dedupe_and_fifo);
    k8sc_test_add(s, "dirty_requeued_on_done", dirty_requeued_on_done);
    k8sc_test_add(s, "shutdown_wakes_getters", shutdown_wakes_getters);
    k8sc_test_add(s, "drain_waits_for_done", drain_waits_for_done);
    k8sc_test_add(s, "add_after_fake_clock_order", add_after_fake_clock_order);
    k8sc_test_add(s, "fd_and_next_timeout", fd_and_next_timeout);
    k8sc_test_add(s, "add_after_system_clock", add_after_system_clock);
    k8sc_test_add(s, "exponential_backoff", exponential_backoff);
    k8sc_test_add(s, "token_bucket", token_bucket);
    k8sc_test_add(s, "max_of_default", max_of_default);
    k8sc_test_add(s, "rate_limited_queue", rate_limited_queue);
    k8sc_test_add(s, "bad_arguments", bad_arguments);
    k8sc_test_add(s, "stress_many_workers", stress_many_workers);
    return k8sc_test_main(s);
}
