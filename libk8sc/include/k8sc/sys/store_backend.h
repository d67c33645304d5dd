/*
 * libk8sc store backends: the table a storage engine implements to serve
 * k8sc_store URLs of its scheme. Weaker stability promise than store.h:
 * the table is versioned and may grow.
 *
 * The generic layer validates arguments (keys, sizes, revisions >= 0),
 * builds continue tokens and runs watches; a backend stores, reads, and
 * reports each committed change once, in revision order, through
 * k8sc_store_backend_publish. Watches that start in the past read older
 * changes through `history`.
 *
 * Objects and events are reference counted so that one stored version
 * may be handed to many readers and watchers without copying.
 */
#ifndef K8SC_SYS_STORE_BACKEND_H
#define K8SC_SYS_STORE_BACKEND_H

#include "../store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define K8SC_STORE_BACKEND_VERSION 1

typedef enum {
    K8SC_STORE_OP_CREATE = 1,
    K8SC_STORE_OP_UPDATE = 2,
    K8SC_STORE_OP_DELETE = 3,
} k8sc_store_op;

/* Receives one event of a history replay; takes the reference. Non-zero stops. */
typedef int (*k8sc_store_history_fn)(k8sc_store_event *event, void *userdata);

typedef struct k8sc_store_backend {
    unsigned int version; /* K8SC_STORE_BACKEND_VERSION */
    /* The URL scheme served, e.g. "sqlite" for "sqlite:PATH". */
    const char *scheme;
    /*
     * Open: `location` is the URL after "scheme:" (and after "//" if
     * present). `store` is the handle to publish to. Set *state.
     */
    int (*open)(void **state, k8sc_store *store, const char *location, const k8sc_store_options *opts);
    /* Stop background work and free the state. No call is made after it. */
    void (*close)(void *state);
    /* The current and the compacted revision. */
    int (*revision)(void *state, int64_t *current, int64_t *compacted);
    /* As k8sc_store_get; `revision` is 0 (latest) or a positive revision. */
    int (*get)(void *state, k8sc_store_kv **out, const char *key, int64_t revision);
    /*
     * Up to `limit` (0: all) objects with keys starting with `prefix` and
     * greater than `after` (NULL: from the first), in key byte order, as
     * of `revision` (0: latest). Sets the revision read at and whether
     * more keys follow. The items array is allocated with malloc.
     */
    int (*list)(void *state, k8sc_store_kv ***items, size_t *count, int64_t *read_revision, bool *more,
                const char *prefix, const char *after, size_t limit, int64_t revision);
    /*
     * Apply one write. UPDATE and DELETE check `expected` when > 0.
     * `*out_prev` (may be NULL) receives the previous object of UPDATE
     * and DELETE. The change must be published before this returns.
     */
    int (*write)(void *state, k8sc_store_op op, const char *key, const void *value, size_t len,
                 int64_t expected, int64_t *out_revision, k8sc_store_kv **out_prev);
    /* As k8sc_store_compact. */
    int (*compact)(void *state, int64_t revision);
    /*
     * Replay the changes under `prefix` with after < revision <= through,
     * in order, to `fn`. EGONE if `after` is older than the compaction.
     */
    int (*history)(void *state, const char *prefix, int64_t after, int64_t through,
                   k8sc_store_history_fn fn, void *userdata);
} k8sc_store_backend;

/*
 * Make `backend` serve URLs of its scheme (replacing a previous backend
 * of that scheme). The table is borrowed and must outlive its use.
 * Built-in: "memory", "sqlite", "etcd".
 */
K8SC_EXTERN int k8sc_store_backend_register(const k8sc_store_backend *backend);

/*
 * A new object (one reference): key and value are copied; a NUL is kept
 * after the value. NULL on allocation failure.
 */
K8SC_EXTERN k8sc_store_kv *k8sc_store_kv_new(const char *key, size_t key_len, const void *value, size_t len,
                                             int64_t create_revision, int64_t mod_revision);

/* Take one more reference to `kv` (released by k8sc_store_kv_free). Returns kv. */
K8SC_EXTERN k8sc_store_kv *k8sc_store_kv_ref(k8sc_store_kv *kv);

/*
 * A new event (one reference) owning the given references to `kv` and
 * `prev` (NULL for CREATED). NULL on allocation failure, after releasing
 * them.
 */
K8SC_EXTERN k8sc_store_event *k8sc_store_event_new(k8sc_store_event_type type, k8sc_store_kv *kv,
                                                   k8sc_store_kv *prev);

/* Take one more reference to `event`. Returns event. */
K8SC_EXTERN k8sc_store_event *k8sc_store_event_ref(k8sc_store_event *event);

/*
 * Deliver a committed change (borrowed) to the store's watches. Calls for
 * one store must be serialized and in increasing revision order.
 */
K8SC_EXTERN void k8sc_store_backend_publish(k8sc_store *store, k8sc_store_event *event);

/*
 * End every watch of `store` with `code` (e.g. EGONE when the backend lost
 * its change feed and cannot resume it).
 */
K8SC_EXTERN void k8sc_store_backend_fail(k8sc_store *store, int code);

#ifdef __cplusplus
}
#endif
#endif
