/* Shared between the store's generic layer and its built-in backends. */
#ifndef K8SC_STORE_INTERNAL_H
#define K8SC_STORE_INTERNAL_H

#include "internal.h"
#include "k8sc/store.h"
#include "k8sc/sys/store_backend.h"

#include <pthread.h>
#include <time.h>

extern const k8sc_store_backend k8sc__store_memory_backend;
extern const k8sc_store_backend k8sc__store_sqlite_backend;
extern const k8sc_store_backend k8sc__store_etcd_backend;

/* True if `key` starts with `prefix` (of length plen). */
static inline bool k8sc__store_has_prefix(const char *key, const char *prefix, size_t plen)
{
    for (size_t i = 0; i < plen; i++)
        if (key[i] != prefix[i])
            return false;
    return true;
}

/* An absolute CLOCK_MONOTONIC deadline `ms` milliseconds from now. */
static inline struct timespec k8sc__store_deadline(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Initialise a condition variable that waits on CLOCK_MONOTONIC. */
int k8sc__store_cond_init(pthread_cond_t *cv);

/* Now on CLOCK_MONOTONIC, in nanoseconds. */
static inline int64_t k8sc__store_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * When `event`'s change was committed (k8sc__store_now_ns): a backend that
 * knows sets it before publishing (sqlite: when the group's COMMIT
 * returned); k8sc_store_backend_publish stamps events that lack it. For
 * measuring delivery latency (bench_store); watches never read it.
 */
void k8sc__store_event_set_committed(k8sc_store_event *event, int64_t ns);

/* The commit time of a published event; 0 for events of a history replay. */
int64_t k8sc__store_event_committed(const k8sc_store_event *event);

#endif
