/*
 * libk8sc controller: the building blocks of controllers, in the spirit of
 * client-go's workqueue, informers and controller-runtime's reconcilers.
 */
#ifndef K8SC_CONTROLLER_H
#define K8SC_CONTROLLER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "core.h"
#include "object.h"

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

/* ---- informers ---------------------------------------------------------- */

/*
 * Caches (client-go's Indexer): a thread-safe map of objects keyed
 * "namespace/name" ("name" for cluster-scoped objects), with secondary
 * indexes that map index values to keys. Objects in a cache are shared:
 * whoever gets one holds a reference and must treat it as read-only
 * (k8sc_object_dup it before changing it).
 */
typedef struct k8sc_cache k8sc_cache;

/* The values an index function gives one object. */
typedef struct k8sc_index_values k8sc_index_values;

/* Add `value` (copied) to what an index function returns. Errors: EINVAL for NULL; ENOMEM. */
K8SC_EXTERN int k8sc_index_values_add(k8sc_index_values *values, const char *value);

/*
 * An index function: add the object's values for this index with
 * k8sc_index_values_add (none is fine). A negative return leaves the
 * object out of this index and is logged.
 */
typedef int (*k8sc_index_fn)(k8sc_index_values *values, const k8sc_object *obj, void *userdata);

/* The name of the built-in index by namespace (every cache has it). */
#define K8SC_INDEX_NAMESPACE "namespace"

/* Create an empty cache with the namespace index. Errors: ENOMEM. */
K8SC_EXTERN int k8sc_cache_new(k8sc_cache **out);

/* Free a cache and drop its references. NULL is fine. */
K8SC_EXTERN void k8sc_cache_free(k8sc_cache *cache);

/*
 * Add an index named `name` (copied) computed by `fn`; objects already in
 * the cache are indexed at once. Errors: EINVAL for NULL arguments;
 * EEXISTS if the name is taken; ENOMEM.
 */
K8SC_EXTERN int k8sc_cache_add_index(k8sc_cache *cache, const char *name, k8sc_index_fn fn, void *userdata);

/*
 * Add an index by the value of the label `label_key`, named
 * "label:<label_key>"; objects without the label are not in it.
 * Errors: as k8sc_cache_add_index.
 */
K8SC_EXTERN int k8sc_cache_add_label_index(k8sc_cache *cache, const char *label_key);

/*
 * The cache key of `obj` ("namespace/name", or "name" without a
 * namespace) in `*out` (the caller's, k8sc_free). Errors: EINVAL when the
 * object has no name; ENOMEM.
 */
K8SC_EXTERN int k8sc_cache_key(char **out, const k8sc_object *obj);

/*
 * Insert or replace `obj` (a reference is taken) under its key. `*old`
 * (may be NULL) gets the object it replaced (the caller's reference) or
 * NULL. Errors: EINVAL without a name; ENOMEM.
 */
K8SC_EXTERN int k8sc_cache_upsert(k8sc_cache *cache, k8sc_object *obj, k8sc_object **old);

/*
 * Remove the object under `key`; `*old` (may be NULL) gets it (the
 * caller's reference). Errors: EINVAL for NULL; ENOTFOUND.
 */
K8SC_EXTERN int k8sc_cache_remove(k8sc_cache *cache, const char *key, k8sc_object **old);

/*
 * A new reference to the object `namespace_`/`name` (`namespace_` NULL or
 * "" for cluster-scoped objects). Errors: EINVAL for NULL; ENOTFOUND.
 */
K8SC_EXTERN int k8sc_cache_get(k8sc_object **out, k8sc_cache *cache, const char *namespace_, const char *name);

/* As k8sc_cache_get, by cache key. */
K8SC_EXTERN int k8sc_cache_get_by_key(k8sc_object **out, k8sc_cache *cache, const char *key);

/* How many objects the cache holds; 0 for NULL. */
K8SC_EXTERN size_t k8sc_cache_len(k8sc_cache *cache);

/*
 * The objects in `namespace_` (NULL or "": every namespace) whose labels
 * match `selector` (NULL: all), in no particular order, as an array of
 * new references in `*out` (free with k8sc_cache_items_free) and their
 * number in `*count`. Errors: EINVAL for NULL; ENOMEM.
 */
K8SC_EXTERN int k8sc_cache_list(k8sc_object ***out, size_t *count, k8sc_cache *cache,
    const char *namespace_, const k8sc_selector *selector);

/*
 * The objects whose index `index` holds `value`, as k8sc_cache_list.
 * Errors: EINVAL for NULL; ENOTFOUND for an unknown index; ENOMEM.
 */
K8SC_EXTERN int k8sc_cache_by_index(k8sc_object ***out, size_t *count, k8sc_cache *cache,
    const char *index, const char *value);

/* Drop the references of an array from k8sc_cache_list or _by_index and free it. NULL is fine. */
K8SC_EXTERN void k8sc_cache_items_free(k8sc_object **items, size_t count);

/*
 * Informers (client-go's SharedIndexInformer): list and watch one kind
 * into a cache and tell handlers what changed. A dropped watch is resumed
 * from the last resourceVersion seen (bookmarks included); a watch that
 * the server expired (410 Gone) leads to a fresh list, whose differences
 * with the cache are delivered as adds, updates and deletes; failures are
 * retried with exponential back-off (0.8 s doubling to 30 s). Handlers
 * run on the informer's thread (or inside k8sc_informer_process), after
 * the cache was updated, one event at a time: they must be quick and must
 * not block (enqueue a key and return).
 */
typedef struct k8sc_informer k8sc_informer;

/* What an informer watches. Strings are copied; the clock is borrowed. */
typedef struct k8sc_informer_options {
    unsigned int version;
    /* Namespace to watch; NULL or "": every namespace (or a cluster-scoped kind). */
    const char *namespace_;
    const char *label_selector;
    const char *field_selector;
    /* Deliver an update (old == new) for every cached object this often; 0: never. */
    int64_t resync_ns;
    /* Clock for back-off and resync; must outlive the informer. NULL: the system clock. */
    k8sc_clock *clock;
} k8sc_informer_options;

#define K8SC_INFORMER_OPTIONS_VERSION 1
#define K8SC_INFORMER_OPTIONS_INIT { K8SC_INFORMER_OPTIONS_VERSION, NULL, NULL, NULL, 0, NULL }

/* Fill `opts` with K8SC_INFORMER_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_informer_options_init(k8sc_informer_options *opts, unsigned int version);

/*
 * Event handlers; any may be NULL. Objects are borrowed for the call
 * (take a reference to keep one). `old` of an update is the previous
 * cached object (the same pointer as `obj` for a resync); the object of a
 * delete is the last one cached (its final state may have been missed if
 * the delete was only noticed by a relist).
 */
typedef struct k8sc_informer_handler {
    unsigned int version;
    void (*on_add)(const k8sc_object *obj, void *userdata);
    void (*on_update)(const k8sc_object *old, const k8sc_object *obj, void *userdata);
    void (*on_delete)(const k8sc_object *obj, void *userdata);
    void *userdata;
} k8sc_informer_handler;

#define K8SC_INFORMER_HANDLER_VERSION 1
#define K8SC_INFORMER_HANDLER_INIT { K8SC_INFORMER_HANDLER_VERSION, NULL, NULL, NULL, NULL }

/*
 * Create an informer for `api_version` + `kind` through `client`
 * (borrowed; must outlive it). `opts` may be NULL. Nothing is fetched
 * until it is started or processed. Errors: EINVAL for NULL arguments or
 * a malformed selector; ENOMEM.
 */
K8SC_EXTERN int k8sc_informer_new(k8sc_informer **out, k8sc_client *client, const char *api_version,
    const char *kind, const k8sc_informer_options *opts);

/* Stop the informer if running and free it with its cache. NULL is fine. */
K8SC_EXTERN void k8sc_informer_free(k8sc_informer *inf);

/*
 * Register handlers (copied). Objects already cached are delivered to the
 * new handler as adds first, as client-go does for late handlers.
 * Errors: EINVAL for NULL or an unknown version; ENOMEM.
 */
K8SC_EXTERN int k8sc_informer_add_handler(k8sc_informer *inf, const k8sc_informer_handler *handler);

/*
 * Unregister the handler registered with the same functions and userdata.
 * Once it returns, the handler is not called again. Errors: EINVAL;
 * ENOTFOUND.
 */
K8SC_EXTERN int k8sc_informer_remove_handler(k8sc_informer *inf, const k8sc_informer_handler *handler);

/* The informer's cache, borrowed (add indexes before starting). */
K8SC_EXTERN k8sc_cache *k8sc_informer_cache(k8sc_informer *inf);

/* Whether the first list has been stored in the cache and delivered. */
K8SC_EXTERN bool k8sc_informer_has_synced(k8sc_informer *inf);

/*
 * Run the informer on its own thread. Errors: EINVAL if already started;
 * EIO if the thread cannot be made.
 */
K8SC_EXTERN int k8sc_informer_start(k8sc_informer *inf);

/* Stop the thread started by k8sc_informer_start and close the watch. NULL is fine; idempotent. */
K8SC_EXTERN void k8sc_informer_stop(k8sc_informer *inf);

/*
 * Wait up to `timeout_ms` of real time (< 0: forever) until the informer
 * has synced. Errors: ETIMEOUT.
 */
K8SC_EXTERN int k8sc_informer_wait_synced(k8sc_informer *inf, int timeout_ms);

/*
 * For a host's event loop (instead of k8sc_informer_start): a file
 * descriptor (owned by the informer) that becomes readable when the watch
 * has data; -1 for NULL.
 */
K8SC_EXTERN int k8sc_informer_fd(k8sc_informer *inf);

/*
 * Milliseconds until k8sc_informer_process must run again even if the fd
 * stays quiet (a back-off ending, a resync due, a watch to open or a
 * transport without a pollable fd): 0 for now, -1 for no deadline.
 */
K8SC_EXTERN int k8sc_informer_next_timeout_ms(k8sc_informer *inf);

/*
 * Do the work that is due without blocking on the watch: list if needed
 * (a blocking request), open the watch, apply every event already
 * received, resync. Errors are handled inside (logged, retried after
 * back-off) and not returned; EINVAL for NULL or a started informer.
 */
K8SC_EXTERN int k8sc_informer_process(k8sc_informer *inf);

/*
 * A shared informer factory: one informer per apiVersion + kind, so that
 * the controllers of one process share one list and one watch each.
 */
typedef struct k8sc_informer_factory k8sc_informer_factory;

/*
 * Create a factory whose informers use `client` (borrowed) and `opts`
 * (may be NULL; strings copied) for every kind. Errors: ENOMEM.
 */
K8SC_EXTERN int k8sc_informer_factory_new(k8sc_informer_factory **out, k8sc_client *client,
    const k8sc_informer_options *opts);

/* Stop and free the factory and its informers. NULL is fine. */
K8SC_EXTERN void k8sc_informer_factory_free(k8sc_informer_factory *f);

/*
 * The informer for `api_version` + `kind`, created on first use and
 * borrowed from the factory. If the factory was started, it starts at
 * once. Errors: as k8sc_informer_new.
 */
K8SC_EXTERN int k8sc_informer_factory_get(k8sc_informer **out, k8sc_informer_factory *f,
    const char *api_version, const char *kind);

/* Start every informer (and those made later) on its own thread. Errors: as k8sc_informer_start. */
K8SC_EXTERN int k8sc_informer_factory_start(k8sc_informer_factory *f);

/* Stop every informer's thread. NULL is fine. */
K8SC_EXTERN void k8sc_informer_factory_stop(k8sc_informer_factory *f);

/* Wait up to `timeout_ms` (< 0: forever) until every informer has synced. Errors: ETIMEOUT. */
K8SC_EXTERN int k8sc_informer_factory_wait_synced(k8sc_informer_factory *f, int timeout_ms);

/* For a host loop: an epoll fd (owned) readable when any informer has work; -1 for NULL. */
K8SC_EXTERN int k8sc_informer_factory_fd(k8sc_informer_factory *f);

/* The smallest k8sc_informer_next_timeout_ms of the informers; -1 when none has a deadline. */
K8SC_EXTERN int k8sc_informer_factory_next_timeout_ms(k8sc_informer_factory *f);

/* k8sc_informer_process on every informer. Errors: EINVAL for NULL or a started factory. */
K8SC_EXTERN int k8sc_informer_factory_process(k8sc_informer_factory *f);

/* ---- reconcilers ---------------------------------------------------------- */

/*
 * Controllers in the spirit of controller-runtime: a primary kind whose
 * objects are reconciled by "namespace/name"; owned kinds (an event on an
 * object enqueues its controlling owner of the primary kind, found
 * through ownerReferences); watched kinds with a mapping function. Keys
 * go through a rate-limited work queue, so one object is never reconciled
 * by two workers at once and failures back off. Informers come from a
 * shared factory (the controller's own unless one is given). Reconcile
 * runs only once every informer has synced.
 */
typedef struct k8sc_controller k8sc_controller;

typedef enum {
    /* Nothing more to do: forget the key's back-off. */
    K8SC_RECONCILE_DONE = 0,
    /* Try again after the rate limiter's back-off. */
    K8SC_RECONCILE_REQUEUE = 1,
    /* Try again after requeue_after_ns (the back-off is forgotten). */
    K8SC_RECONCILE_REQUEUE_AFTER = 2,
} k8sc_reconcile_action;

typedef struct k8sc_reconcile_result {
    k8sc_reconcile_action action;
    int64_t requeue_after_ns;
} k8sc_reconcile_result;

/*
 * Bring the object `namespace_`/`name` (`namespace_` "" for cluster-scoped
 * kinds) to its desired state. The object may no longer exist. `*result`
 * starts as DONE. A negative return is logged and the key requeued with
 * back-off, whatever `*result` says.
 */
typedef int (*k8sc_reconcile_fn)(k8sc_reconcile_result *result, k8sc_controller *ctl,
    const char *namespace_, const char *name, void *userdata);

/* How to build a controller. Strings are copied; pointers are borrowed. */
typedef struct k8sc_controller_options {
    unsigned int version;
    /* Used in logs and the queue's name. NULL: the kind in lower case + "-controller". */
    const char *name;
    /* The primary kind. Required. */
    const char *api_version;
    const char *kind;
    k8sc_reconcile_fn reconcile;
    void *userdata;
    /* Called with `userdata` when the controller is freed (NULL: nothing). */
    void (*userdata_free)(void *userdata);
    /* Worker threads when started (k8sc_controller_process ignores it). 0: 1. */
    int workers;
    /* Informers to share (must outlive the controller); its owner starts or drives it. NULL: the controller's own. */
    k8sc_informer_factory *factory;
    /* For the controller's own factory: namespace to watch (NULL: all) and resync period (0: none). */
    const char *namespace_;
    int64_t resync_ns;
    /* Clock for the queue, back-off and own informers. NULL: the system clock. */
    k8sc_clock *clock;
    /* Rate limiter for requeues. NULL: k8sc_ratelimiter_default_new() on the clock. */
    k8sc_ratelimiter *rate_limiter;
    /*
     * Whether an update of a primary object (`old` to `obj`) is worth a
     * reconcile, called with `userdata` on the informer's thread; adds and
     * deletions always are. NULL: every update is (controller-runtime's
     * predicates; the kubelet skips updates of pod status, which it owns).
     * Since version 2.
     */
    bool (*update_filter)(const k8sc_object *old, const k8sc_object *obj, void *userdata);
} k8sc_controller_options;

/* Version 1 is the same structure without `update_filter` (still accepted). */
#define K8SC_CONTROLLER_OPTIONS_VERSION 2
#define K8SC_CONTROLLER_OPTIONS_INIT \
    { K8SC_CONTROLLER_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, 0, NULL, NULL, NULL }

/* Fill `opts` with K8SC_CONTROLLER_OPTIONS_INIT for `version` (1 or 2). EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_controller_options_init(k8sc_controller_options *opts, unsigned int version);

/*
 * Create a controller using `client` (borrowed; must outlive it). Errors:
 * EINVAL without a kind, apiVersion or reconcile function; ENOMEM; those
 * of k8sc_informer_new.
 */
K8SC_EXTERN int k8sc_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_controller_options *opts);

/* Stop the controller if started and free it. NULL is fine. */
K8SC_EXTERN void k8sc_controller_free(k8sc_controller *ctl);

/*
 * Reconcile the controlling owner (ownerReference with controller=true of
 * the primary kind and group) of each `api_version` + `kind` object that
 * changes. Call before starting. Errors: EINVAL; ENOMEM.
 */
K8SC_EXTERN int k8sc_controller_owns(k8sc_controller *ctl, const char *api_version, const char *kind);

/* Maps a changed object of a watched kind to keys, with k8sc_controller_enqueue. */
typedef void (*k8sc_controller_map_fn)(k8sc_controller *ctl, const k8sc_object *obj, void *userdata);

/*
 * Call `map` for each `api_version` + `kind` object that is added,
 * changed (old and new) or deleted. Call before starting. Errors: EINVAL; ENOMEM.
 */
K8SC_EXTERN int k8sc_controller_watches(k8sc_controller *ctl, const char *api_version, const char *kind,
    k8sc_controller_map_fn map, void *userdata);

/* Queue `namespace_` (NULL or "" for cluster-scoped) / `name` for reconciling. Errors: EINVAL; ENOMEM. */
K8SC_EXTERN int k8sc_controller_enqueue(k8sc_controller *ctl, const char *namespace_, const char *name);

/* As k8sc_controller_enqueue, after `delay_ns` on the controller's clock. */
K8SC_EXTERN int k8sc_controller_enqueue_after(k8sc_controller *ctl, const char *namespace_, const char *name,
    int64_t delay_ns);

/*
 * The informer cache of `api_version` + `kind` (the primary kind, an owned
 * or a watched one, or any other kind, whose informer is then created),
 * borrowed: read objects from it rather than from the server. Asked for
 * before the controller first runs, its informer is one the workers wait
 * for, like the watched kinds. NULL with the error set on failure.
 */
K8SC_EXTERN k8sc_cache *k8sc_controller_cache(k8sc_controller *ctl, const char *api_version, const char *kind);

/*
 * The informer of `api_version` + `kind` from the controller's factory
 * (created if needed), borrowed: to add handlers of one's own. Asked for
 * before the controller first runs, the workers wait until it has synced
 * (so a reconcile never reads a half-filled cache). NULL with the error set
 * on failure.
 */
K8SC_EXTERN k8sc_informer *k8sc_controller_informer(k8sc_controller *ctl, const char *api_version, const char *kind);

/* The client, the clock and the name given at creation, borrowed. */
K8SC_EXTERN k8sc_client *k8sc_controller_client(k8sc_controller *ctl);
K8SC_EXTERN k8sc_clock *k8sc_controller_clock(k8sc_controller *ctl);
K8SC_EXTERN const char *k8sc_controller_name(const k8sc_controller *ctl);

/* The work queue, borrowed (for its length and requeue counts). */
K8SC_EXTERN k8sc_workqueue *k8sc_controller_queue(k8sc_controller *ctl);

/*
 * Start the informers (when the factory is the controller's own) and the
 * worker threads. A controller runs once: it cannot be started again
 * after k8sc_controller_stop. Errors: EINVAL if started or stopped
 * already; EIO.
 */
K8SC_EXTERN int k8sc_controller_start(k8sc_controller *ctl);

/*
 * Stop: no new keys, let running reconciles finish, join the workers,
 * stop the controller's own informers. NULL is fine; idempotent.
 */
K8SC_EXTERN void k8sc_controller_stop(k8sc_controller *ctl);

/*
 * For a host's event loop (instead of k8sc_controller_start): an epoll fd
 * (owned) readable when the queue or the controller's own informers have
 * work; -1 for NULL.
 */
K8SC_EXTERN int k8sc_controller_fd(k8sc_controller *ctl);

/* Milliseconds until k8sc_controller_process must run even if the fd stays quiet; -1: no deadline. */
K8SC_EXTERN int k8sc_controller_next_timeout_ms(k8sc_controller *ctl);

/*
 * Process the controller's own informers, then (once they have synced)
 * reconcile every key that is ready, on the calling thread. Returns the
 * number of reconciles run. Errors: EINVAL for NULL or a started controller.
 */
K8SC_EXTERN int k8sc_controller_process(k8sc_controller *ctl);

/*
 * Finalizer helpers: add or remove `finalizer` on `obj` through an update
 * guarded by its resourceVersion (ECONFLICT if it changed). Nothing is
 * sent when there is nothing to change. `*out` (may be NULL) gets the
 * server's copy, or a new reference to `obj` when nothing was sent.
 */
K8SC_EXTERN int k8sc_finalizer_add(k8sc_object **out, k8sc_client *client, const k8sc_object *obj,
    const char *finalizer);
K8SC_EXTERN int k8sc_finalizer_remove(k8sc_object **out, k8sc_client *client, const k8sc_object *obj,
    const char *finalizer);

/* ---- events --------------------------------------------------------------- */

/*
 * An event recorder: core/v1 Events about objects, as client-go's record
 * package writes them and `kubectl describe` shows them. Events are queued
 * and sent by a background thread, so recording never waits for the API
 * server. Like client-go's EventCorrelator, an event identical to one sent
 * less than 10 minutes before (same object, type, reason, message and
 * source) patches that event's count and lastTimestamp instead of creating
 * another. Failures to send are logged (k8sc_log), never returned.
 */
typedef struct k8sc_event_recorder k8sc_event_recorder;

/* Most events waiting to be sent; more are dropped (and logged), as client-go does. */
#define K8SC_EVENT_QUEUE_MAX 1000

/*
 * Create a recorder sending through `client` (borrowed; must outlive the
 * recorder) as source `component` (required, e.g. "deployment-controller")
 * on `host` (NULL: none), copied. Timestamps and event names come from
 * `clock` (borrowed, NULL: the system clock). Errors: EINVAL for a NULL
 * client or empty component; EIO if the sending thread cannot start; ENOMEM.
 */
K8SC_EXTERN int k8sc_event_recorder_new(k8sc_event_recorder **out, k8sc_client *client,
    const char *component, const char *host, k8sc_clock *clock);

/*
 * Record an event about `regarding` (read now, not kept): `type` "Normal"
 * or "Warning", a CamelCase `reason` and a printf-style message. The event
 * is named "<name>.<hex nanoseconds>" in the object's namespace ("default"
 * for cluster-scoped objects). Returns once queued. Errors: EINVAL for a
 * NULL recorder, an object without kind or name, another type or an empty
 * reason; ETOOMANY when K8SC_EVENT_QUEUE_MAX events wait (the event is
 * dropped); ENOMEM. Callers may ignore the result.
 */
K8SC_EXTERN int k8sc_event_recorder_event(k8sc_event_recorder *rec, const k8sc_object *regarding,
    const char *type, const char *reason, const char *message_fmt, ...) K8SC_PRINTF(5, 6);

/* As k8sc_event_recorder_event, with the message's arguments in a va_list. */
K8SC_EXTERN int k8sc_event_recorder_eventv(k8sc_event_recorder *rec, const k8sc_object *regarding,
    const char *type, const char *reason, const char *message_fmt, va_list ap) K8SC_PRINTF(5, 0);

/*
 * Wait until every event queued so far was sent (or failed), at most
 * `timeout_ms` of real time (>= 0). Errors: EINVAL for NULL; ETIMEOUT.
 */
K8SC_EXTERN int k8sc_event_recorder_flush(k8sc_event_recorder *rec, int timeout_ms);

/*
 * Send what is queued, waiting at most 5 s (plus one request in flight,
 * bounded by the client's timeout), drop the rest with a log, stop the
 * thread and free the recorder. NULL is fine.
 */
K8SC_EXTERN void k8sc_event_recorder_free(k8sc_event_recorder *rec);

/* ---- leader election ------------------------------------------------------ */

/*
 * Leader election through a coordination.k8s.io/v1 Lease, after client-go's
 * leaderelection package. A candidate takes the Lease when it has no
 * holder or when the holder has not renewed it for leaseDurationSeconds,
 * measured on the candidate's own clock from the moment it saw the Lease
 * change (remote timestamps are never compared, so clock skew does not
 * matter). The leader renews every retry period; if it cannot renew for
 * renew_deadline it stops leading. Writes carry the Lease's
 * resourceVersion, so of two candidates racing only one wins.
 *
 * Run it on its own thread (k8sc_leader_elector_start/stop, or _run) or
 * from a host loop or test with k8sc_leader_elector_step(). Callbacks are
 * called on the thread that steps the elector and must not block: start
 * leader-only work on other threads and stop it in on_stopped_leading.
 * After losing the Lease the elector stays a candidate and may lead again.
 */
typedef struct k8sc_leader_elector k8sc_leader_elector;

typedef struct k8sc_leader_elector_options {
    unsigned int version;
    /* Namespace of the Lease. NULL: the client's namespace. */
    const char *lease_namespace;
    /* Name of the Lease (required). */
    const char *lease_name;
    /* This candidate's identity, unique among candidates (required). */
    const char *identity;
    /* How long a Lease is valid without renewal. 0: 15 s. Rounded up to whole seconds in the Lease. */
    int64_t lease_duration_ns;
    /* How long the leader keeps trying to renew before it gives up. 0: 10 s. */
    int64_t renew_deadline_ns;
    /* How often to try to acquire or renew. 0: 2 s. */
    int64_t retry_period_ns;
    /* Give the Lease up when stopped (holderIdentity ""), so another candidate takes it at once. */
    bool release_on_cancel;
    /* Clock for every time and wait; must outlive the elector. NULL: the system clock. */
    k8sc_clock *clock;
    /* This candidate became the leader. */
    void (*on_started_leading)(void *userdata);
    /* This candidate stopped being the leader (lost the Lease, or stopped/released). */
    void (*on_stopped_leading)(void *userdata);
    /* A new holder (this candidate too) was observed; `identity` is borrowed for the call. */
    void (*on_new_leader)(const char *identity, void *userdata);
    void *userdata;
} k8sc_leader_elector_options;

#define K8SC_LEADER_ELECTOR_OPTIONS_VERSION 1
#define K8SC_LEADER_ELECTOR_OPTIONS_INIT \
    { K8SC_LEADER_ELECTOR_OPTIONS_VERSION, NULL, NULL, NULL, 0, 0, 0, false, NULL, NULL, NULL, NULL, NULL }

/* Fill `opts` with K8SC_LEADER_ELECTOR_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_leader_elector_options_init(k8sc_leader_elector_options *opts, unsigned int version);

/*
 * Create an elector using `client` (borrowed; must outlive it). Strings in
 * `opts` are copied. Errors (EINVAL): unknown version, missing lease_name
 * or identity, and durations that break client-go's rules
 * (lease_duration > renew_deadline > 1.2 * retry_period > 0); ENOMEM.
 */
K8SC_EXTERN int k8sc_leader_elector_new(k8sc_leader_elector **out, k8sc_client *client,
    const k8sc_leader_elector_options *opts);

/*
 * Try once to acquire (as a candidate) or renew (as the leader) the Lease,
 * fire the callbacks that result, and store in *next_ms (may be NULL) how
 * many ms to wait on the elector's clock before the next step. Failures
 * to reach the server are not errors: they count against renew_deadline.
 * Do not call it while the elector runs on its own thread or from two
 * threads at once. Errors: EINVAL for NULL or a running elector.
 */
K8SC_EXTERN int k8sc_leader_elector_step(k8sc_leader_elector *le, int *next_ms);

/*
 * Give up leadership now: write the Lease with holderIdentity "" and
 * leaseDurationSeconds 1, and fire on_stopped_leading. Nothing happens
 * for a non-leader. For host-driven electors at shutdown. Errors: EINVAL
 * for NULL or a running elector; the client's error if the write failed
 * (leadership is given up locally all the same).
 */
K8SC_EXTERN int k8sc_leader_elector_release(k8sc_leader_elector *le);

/*
 * Step the elector on the calling thread, sleeping in between, until
 * k8sc_leader_elector_stop() is called from another thread; then release
 * the Lease if release_on_cancel was set and fire on_stopped_leading if it
 * was leading. With a fake clock the waits are real time of the same
 * length. Errors: EINVAL for NULL or if already running.
 */
K8SC_EXTERN int k8sc_leader_elector_run(k8sc_leader_elector *le);

/*
 * Run the elector on a new thread (k8sc_leader_elector_run). Errors:
 * EINVAL for NULL or if already running; EIO if the thread cannot start.
 */
K8SC_EXTERN int k8sc_leader_elector_start(k8sc_leader_elector *le);

/*
 * Make k8sc_leader_elector_run return and, if the elector was started with
 * k8sc_leader_elector_start, wait for its thread. Waits for at most one
 * request in flight. Do not call it from a callback. NULL is fine; idempotent.
 */
K8SC_EXTERN void k8sc_leader_elector_stop(k8sc_leader_elector *le);

/* Whether this candidate leads (between on_started_leading and on_stopped_leading). Thread-safe; false for NULL. */
K8SC_EXTERN bool k8sc_leader_elector_is_leader(k8sc_leader_elector *le);

/*
 * The holder last observed in the Lease, copied into *out (the caller's,
 * k8sc_free); NULL when none was seen or the Lease is released.
 * Thread-safe. Errors: EINVAL for NULL; ENOMEM.
 */
K8SC_EXTERN int k8sc_leader_elector_leader(char **out, k8sc_leader_elector *le);

/*
 * Stop the elector (as k8sc_leader_elector_stop), release the Lease if
 * release_on_cancel is set, fire on_stopped_leading if it still leads,
 * and free it. A k8sc_leader_elector_run() call must have returned
 * first. NULL is fine.
 */
K8SC_EXTERN void k8sc_leader_elector_free(k8sc_leader_elector *le);

#ifdef __cplusplus
}
#endif
#endif
