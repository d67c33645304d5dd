/*
 * libk8sc controller: the building blocks of controllers, in the spirit of
 * client-go's workqueue, informers and controller-runtime's reconcilers.
 */
#ifndef K8SC_CONTROLLER_H
#define K8SC_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Work queues.
 *
 * A queue of string keys ("namespace/name") with client-go's semantics:
 * a key added while it waits is not queued twice; a key added while a
 * worker processes it is marked dirty and queued again by
 * k8sc_workqueue_done(), so no two workers ever hold the same key; keys
 * come out in FIFO order. Keys can be added after a delay or through a
 * rate limiter (per-key exponential back-off plus an overall token
 * bucket). All times come from the queue's k8sc_clock.
 *
 * The queue runs on the caller's threads (blocking getters wait for
 * delayed keys themselves) or inside a host's event loop: poll
 * k8sc_workqueue_fd() for readability with k8sc_workqueue_next_timeout_ms()
 * and call k8sc_workqueue_process() when it fires. With a fake clock,
 * advance the clock and call k8sc_workqueue_process() to release due keys.
 * Every function is thread-safe.
 */

/* A rate limiter: how long a key must wait before it is retried. */
typedef struct k8sc_ratelimiter k8sc_ratelimiter;

/*
 * Per-key exponential back-off: the n-th failure of a key (counted from 0)
 * waits base_ns * 2^n, capped at max_ns. client-go's
 * ItemExponentialFailureRateLimiter. Errors: EINVAL unless
 * 0 < base_ns <= max_ns; ENOMEM.
 */
K8SC_EXTERN int k8sc_ratelimiter_exponential_new(k8sc_ratelimiter **out, int64_t base_ns, int64_t max_ns);

/*
 * An overall token bucket of `burst` tokens refilled at `qps` per second
 * on `clock` (borrowed, NULL for the system clock): each request takes a
 * token, waiting for one if the bucket is empty (client-go's
 * BucketRateLimiter). Per-key counts are always 0. Errors: EINVAL unless
 * qps > 0 and burst >= 1; ENOMEM.
 */
K8SC_EXTERN int k8sc_ratelimiter_bucket_new(k8sc_ratelimiter **out, k8sc_clock *clock, double qps, int burst);

/*
 * The longest delay of several limiters (client-go's MaxOfRateLimiter).
 * Takes ownership of the `n` limiters in `limiters` on success only; the
 * array itself is copied. Errors: EINVAL for n == 0 or a NULL element;
 * ENOMEM.
 */
K8SC_EXTERN int k8sc_ratelimiter_max_of_new(k8sc_ratelimiter **out, k8sc_ratelimiter *const *limiters, size_t n);

/*
 * client-go's DefaultControllerRateLimiter: the max of an exponential
 * back-off from 5 ms to 1000 s and a bucket of 10 qps with a burst of 100,
 * on `clock` (borrowed, NULL for the system clock). Errors: ENOMEM.
 */
K8SC_EXTERN int k8sc_ratelimiter_default_new(k8sc_ratelimiter **out, k8sc_clock *clock);

/*
 * Record one more retry of `key` and store in *delay_ns how long it must
 * wait. Errors: EINVAL for NULL arguments; ENOMEM.
 */
K8SC_EXTERN int k8sc_ratelimiter_when(k8sc_ratelimiter *rl, int64_t *delay_ns, const char *key);

/* Stop tracking `key` (its back-off starts again from the base). NULL is fine. */
K8SC_EXTERN void k8sc_ratelimiter_forget(k8sc_ratelimiter *rl, const char *key);

/* How many times `key` has been retried since it was last forgotten; 0 for NULL. */
K8SC_EXTERN unsigned int k8sc_ratelimiter_num_requeues(k8sc_ratelimiter *rl, const char *key);

/* Free a limiter and those it owns. NULL is fine. */
K8SC_EXTERN void k8sc_ratelimiter_free(k8sc_ratelimiter *rl);

typedef struct k8sc_workqueue k8sc_workqueue;

/* How to build a queue. The name is copied; the clock and limiter are borrowed. */
typedef struct k8sc_workqueue_options {
    unsigned int version;
    /* Shown in error messages. NULL: "workqueue". */
    const char *name;
    /* Clock for delays and rate limits; must outlive the queue. NULL: the system clock. */
    k8sc_clock *clock;
    /* Must outlive the queue. NULL: the queue owns a k8sc_ratelimiter_default_new() on its clock. */
    k8sc_ratelimiter *rate_limiter;
} k8sc_workqueue_options;

#define K8SC_WORKQUEUE_OPTIONS_VERSION 1
#define K8SC_WORKQUEUE_OPTIONS_INIT { K8SC_WORKQUEUE_OPTIONS_VERSION, NULL, NULL, NULL }

/* Fill `opts` with K8SC_WORKQUEUE_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_workqueue_options_init(k8sc_workqueue_options *opts, unsigned int version);

/*
 * Create a queue. `opts` may be NULL for the defaults. Errors: EINVAL for
 * an unknown options version; EIO if the eventfd cannot be made; ENOMEM.
 */
K8SC_EXTERN int k8sc_workqueue_new(k8sc_workqueue **out, const k8sc_workqueue_options *opts);

/*
 * Free a queue and the keys it still holds. No thread may still use it
 * (shut it down and join the workers first). NULL is fine.
 */
K8SC_EXTERN void k8sc_workqueue_free(k8sc_workqueue *q);

/*
 * Queue `key` (copied) unless it is already queued; a key being processed
 * is queued again when done. Ignored after shutdown (returns 0).
 * Errors: EINVAL for NULL; ENOMEM.
 */
K8SC_EXTERN int k8sc_workqueue_add(k8sc_workqueue *q, const char *key);

/*
 * Queue `key` once `delay_ns` has passed on the queue's clock; delay <= 0
 * adds it now. A key already waiting keeps the earlier of its two times.
 * Ignored after shutdown. Errors: EINVAL for NULL; ENOMEM.
 */
K8SC_EXTERN int k8sc_workqueue_add_after(k8sc_workqueue *q, const char *key, int64_t delay_ns);

/*
 * Queue `key` after the delay the rate limiter gives it (counting one more
 * requeue). Errors: as k8sc_workqueue_add_after and k8sc_ratelimiter_when.
 */
K8SC_EXTERN int k8sc_workqueue_add_rate_limited(k8sc_workqueue *q, const char *key);

/* Reset the rate limiter's back-off for `key` (call it when `key` succeeds). NULL is fine. */
K8SC_EXTERN void k8sc_workqueue_forget(k8sc_workqueue *q, const char *key);

/* How often `key` was added rate-limited since it was last forgotten; 0 for NULL. */
K8SC_EXTERN unsigned int k8sc_workqueue_num_requeues(k8sc_workqueue *q, const char *key);

/*
 * Wait for a key and hand it to the caller, who owns the copy in *key
 * (k8sc_free) and must call k8sc_workqueue_done() with it. Keys still
 * queued at shutdown are handed out; then it returns EGONE. Errors:
 * EINVAL for NULL; EGONE once shut down and empty; ENOMEM.
 */
K8SC_EXTERN int k8sc_workqueue_get(k8sc_workqueue *q, char **key);

/* As k8sc_workqueue_get, without waiting: ETIMEOUT if no key is ready. */
K8SC_EXTERN int k8sc_workqueue_try_get(k8sc_workqueue *q, char **key);

/*
 * As k8sc_workqueue_get, waiting at most `timeout_ms` of real time
 * (>= 0): ETIMEOUT if no key became ready.
 */
K8SC_EXTERN int k8sc_workqueue_get_timed(k8sc_workqueue *q, char **key, int timeout_ms);

/*
 * Mark `key` as processed: if it was added meanwhile it is queued again.
 * Errors: EINVAL for NULL; ENOTFOUND if `key` was not being processed.
 */
K8SC_EXTERN int k8sc_workqueue_done(k8sc_workqueue *q, const char *key);

/* Keys ready to be handed out (not those waiting for a delay or in progress); 0 for NULL. */
K8SC_EXTERN size_t k8sc_workqueue_len(k8sc_workqueue *q);

/*
 * Stop accepting keys, drop delayed ones and wake every waiting getter;
 * keys already queued are still handed out. NULL is fine; idempotent.
 */
K8SC_EXTERN void k8sc_workqueue_shutdown(k8sc_workqueue *q);

/*
 * As k8sc_workqueue_shutdown, then wait until every key being processed is
 * done. Do not call it from a worker holding a key. NULL is fine.
 */
K8SC_EXTERN void k8sc_workqueue_shutdown_with_drain(k8sc_workqueue *q);

/* Whether k8sc_workqueue_shutdown has been called; true for NULL. */
K8SC_EXTERN bool k8sc_workqueue_shutting_down(k8sc_workqueue *q);

/*
 * An eventfd that is readable while a key is ready to be handed out; poll
 * it from a host event loop. Owned by the queue: do not read or close it.
 * -1 for NULL.
 */
K8SC_EXTERN int k8sc_workqueue_fd(k8sc_workqueue *q);

/*
 * Milliseconds (rounded up) until the next delayed key is due on the
 * queue's clock: 0 if a key is ready or due now, -1 if nothing is waiting
 * (or q is NULL). Use it as the poll timeout.
 */
K8SC_EXTERN int k8sc_workqueue_next_timeout_ms(k8sc_workqueue *q);

/*
 * Move delayed keys that are due on the queue's clock into the queue and
 * wake getters. Call it when the timeout fires (or after advancing a fake
 * clock). Errors: EINVAL for NULL.
 */
K8SC_EXTERN int k8sc_workqueue_process(k8sc_workqueue *q);

#ifdef __cplusplus
}
#endif
#endif
