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

#endif
