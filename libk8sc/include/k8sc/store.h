/*
 * libk8sc store: the revisioned key-value store under the API server
 * (this project's etcd). One interface, several backends chosen by URL:
 *
 *   "memory://"               process memory, lost on close (tests, caches)
 *   "sqlite:PATH"             one SQLite file in WAL mode (embedded default)
 *   "etcd://HOST:PORT[,...]"  an etcd 3.4+ cluster through its JSON gateway
 *
 * Model (the one Kubernetes relies on, as etcd defines it):
 *  - Every successful write (create, update, delete) increments the store's
 *    revision by exactly one; the written object's mod_revision is that new
 *    revision. create_revision is the revision of the write that created
 *    the object and survives updates.
 *  - Reads may name a past revision (0 = latest) and see the store exactly
 *    as it was then, until that revision is compacted (K8SC_EGONE).
 *  - A watch from revision R delivers every later change (revision > R)
 *    under a key prefix, in revision order, with the previous value of
 *    modified and deleted objects.
 *
 * Keys are NUL-terminated strings (1..K8SC_STORE_MAX_KEY bytes); values
 * are byte strings of up to K8SC_STORE_MAX_VALUE bytes. Every function is
 * thread-safe: one k8sc_store may be shared by any number of threads.
 */
#ifndef K8SC_STORE_H
#define K8SC_STORE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Largest value accepted: 1.5 MiB, etcd's default request size limit (an
 * etcd server needs --max-request-bytes a little above it for the key).
 */
#define K8SC_STORE_MAX_VALUE ((size_t)1536 * 1024)
/* Longest key accepted, in bytes. */
#define K8SC_STORE_MAX_KEY ((size_t)4096)

typedef struct k8sc_store k8sc_store;
typedef struct k8sc_store_watch k8sc_store_watch;

/* sqlite_synchronous: how hard the SQLite backend pushes commits to disk. */
typedef enum {
    /* fsync every commit: an acknowledged write survives power loss (default). */
    K8SC_STORE_SYNC_FULL = 0,
    /*
     * fsync at WAL checkpoints only: an acknowledged write survives a crash
     * of the process (kill -9) but the last commits may be lost on power
     * loss. Several times faster with few writers.
     */
    K8SC_STORE_SYNC_NORMAL = 1,
} k8sc_store_sync;

/* Options for k8sc_store_open. Fields a backend does not use are ignored. */
typedef struct k8sc_store_options {
    unsigned int version;
    /* SQLite: durability of commits (see k8sc_store_sync). */
    k8sc_store_sync sqlite_synchronous;
    /*
     * SQLite: a background thread compacts every compact_interval_ms
     * (0 disables), keeping the last compact_retain revisions readable.
     */
    int64_t compact_interval_ms;
    int64_t compact_retain;
    /* Queued, unread events after which a watch is ended with K8SC_EGONE. */
    size_t watch_queue_limit;
    /* etcd: prefix prepended to every key on the wire (NULL: "/registry/"; "" for none). */
    const char *etcd_prefix;
    /* etcd: deadline of one request to one endpoint, and of the TCP connect. */
    int64_t etcd_request_timeout_ms;
    int64_t etcd_connect_timeout_ms;
    /*
     * etcd: rounds over all endpoints before giving up (>= 1), with
     * back-off between rounds. A write that timed out is never retried.
     */
    int etcd_attempts;
} k8sc_store_options;

#define K8SC_STORE_OPTIONS_VERSION 1
#define K8SC_STORE_OPTIONS_INIT \
    { K8SC_STORE_OPTIONS_VERSION, K8SC_STORE_SYNC_FULL, 300000, 1000, 100000, NULL, 5000, 2000, 3 }

/* Fill `opts` with the defaults of K8SC_STORE_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_store_options_init(k8sc_store_options *opts, unsigned int version);

/*
 * Open the store named by `url` (see the top of this header). `opts` may
 * be NULL for the defaults; it is copied. Errors: EINVAL for a malformed
 * URL or unknown scheme, or a file that is not a libk8sc store; EIO for
 * an unreadable or corrupt file; EUNAVAILABLE when no etcd endpoint answers.
 */
K8SC_EXTERN int k8sc_store_open(k8sc_store **out, const char *url, const k8sc_store_options *opts);

/*
 * Close the store and free it. Open watches end with K8SC_EUNAVAILABLE
 * and must still be closed with k8sc_store_watch_close. NULL is fine.
 */
K8SC_EXTERN void k8sc_store_close(k8sc_store *store);

/*
 * One object as stored. Read-only; free with k8sc_store_kv_free. `value`
 * holds value_len bytes followed by a NUL so that text can be used as is.
 */
typedef struct k8sc_store_kv {
    const char *key;
    const char *value;
    size_t value_len;
    int64_t create_revision;
    int64_t mod_revision;
} k8sc_store_kv;

/* Release an object returned by the store. NULL is fine. */
K8SC_EXTERN void k8sc_store_kv_free(k8sc_store_kv *kv);

/*
 * The current revision of the store into `*out`: the revision of the last
 * write, or 1 when nothing was ever written (as in etcd; so revision 0
 * never names a state and can mean "latest" or "now" in arguments).
 */
K8SC_EXTERN int k8sc_store_revision(int64_t *out, k8sc_store *store);

/*
 * The object at `key` as of `revision` (0: latest). ENOTFOUND if absent,
 * EGONE if `revision` was compacted, EINVAL if it is in the future.
 */
K8SC_EXTERN int k8sc_store_get(k8sc_store_kv **out, k8sc_store *store, const char *key, int64_t revision);

/*
 * Create `key` with `len` bytes of `value`. On success `*out_revision`
 * (may be NULL) is the new revision. EEXISTS if the key exists.
 */
K8SC_EXTERN int k8sc_store_create(int64_t *out_revision, k8sc_store *store, const char *key,
                                  const void *value, size_t len);

/*
 * Replace the value of an existing key. `expected_revision` > 0 makes the
 * update conditional: ECONFLICT unless it equals the key's mod_revision.
 * ENOTFOUND if the key does not exist.
 */
K8SC_EXTERN int k8sc_store_update(int64_t *out_revision, k8sc_store *store, const char *key,
                                  const void *value, size_t len, int64_t expected_revision);

/*
 * Delete `key`, conditionally on its mod_revision when `expected_revision`
 * > 0 (ECONFLICT otherwise). `*out_revision` gets the deletion's revision
 * and `*out_prev` the object as it was (both may be NULL). ENOTFOUND.
 */
K8SC_EXTERN int k8sc_store_delete(int64_t *out_revision, k8sc_store_kv **out_prev, k8sc_store *store,
                                  const char *key, int64_t expected_revision);

/* One page of a list, read-only; free with k8sc_store_page_free. */
typedef struct k8sc_store_page {
    k8sc_store_kv **items;   /* in byte order of their keys */
    size_t count;
    int64_t revision;        /* the revision the page was read at */
    /* NULL on the last page; otherwise pass it back to get the next page. */
    const char *continue_token;
} k8sc_store_page;

/*
 * List the objects whose key starts with `prefix` ("" for all) as of
 * `revision` (0: latest), at most `limit` of them (0: no limit). Pass a
 * page's continue_token (else NULL) to read the next page: it is read at
 * the same revision as the first, so pages form one consistent snapshot.
 * EGONE once that revision is compacted; EINVAL for a malformed token or
 * one from another prefix, or a future revision.
 */
K8SC_EXTERN int k8sc_store_list(k8sc_store_page **out, k8sc_store *store, const char *prefix,
                                size_t limit, const char *continue_token, int64_t revision);

/* Free a list page and its objects. NULL is fine. */
K8SC_EXTERN void k8sc_store_page_free(k8sc_store_page *page);

/*
 * Forget history before `revision`: afterwards reads and watches at
 * revisions < `revision` give EGONE; the latest version of every live key
 * is kept. EGONE if already compacted at or past it, EINVAL if future.
 */
K8SC_EXTERN int k8sc_store_compact(k8sc_store *store, int64_t revision);

/*
 * The oldest revision still readable (0 if never compacted). etcd does not
 * publish it: there it is the latest compaction this handle made or saw.
 */
K8SC_EXTERN int k8sc_store_compacted_revision(int64_t *out, k8sc_store *store);

typedef enum {
    K8SC_STORE_CREATED = 1,
    K8SC_STORE_MODIFIED = 2,
    K8SC_STORE_DELETED = 3,
} k8sc_store_event_type;

/*
 * A change. `kv` is the object after it: for DELETED, the key with an
 * empty value, mod_revision = the deletion's revision, create_revision 0.
 * `prev` is the object before it (NULL for CREATED). Read-only; free with
 * k8sc_store_event_free.
 */
typedef struct k8sc_store_event {
    k8sc_store_event_type type;
    k8sc_store_kv *kv;
    k8sc_store_kv *prev;
} k8sc_store_event;

/* Release an event. NULL is fine. */
K8SC_EXTERN void k8sc_store_event_free(k8sc_store_event *event);

/*
 * Watch the keys starting with `prefix` for changes after `from_revision`
 * (0: after the current revision). To resume, pass the mod_revision of the
 * last event seen. EGONE if `from_revision` is older than the compacted
 * revision. The watch queues events until they are read; a watch whose
 * queue exceeds the watch_queue_limit option ends with EGONE (re-list).
 */
K8SC_EXTERN int k8sc_store_watch_open(k8sc_store_watch **out, k8sc_store *store, const char *prefix,
                                      int64_t from_revision);

/*
 * A file descriptor that polls readable while an event (or the watch's
 * end) is waiting; then call k8sc_store_watch_next. Owned by the watch.
 */
K8SC_EXTERN int k8sc_store_watch_fd(const k8sc_store_watch *watch);

/*
 * Take the next event without blocking: 0 with `*out` set, or 0 with
 * `*out` NULL when none is waiting. Once the watch has ended (store
 * closed, queue overflow, etcd compaction) the queued events come first,
 * then the reason as a negative code, on every later call.
 */
K8SC_EXTERN int k8sc_store_watch_next(k8sc_store_event **out, k8sc_store_watch *watch);

/*
 * Like k8sc_store_watch_next but wait up to `timeout_ms` (< 0: forever)
 * for an event: ETIMEOUT if none came.
 */
K8SC_EXTERN int k8sc_store_watch_wait(k8sc_store_event **out, k8sc_store_watch *watch, int timeout_ms);

/* Stop the watch and free it with its queued events. NULL is fine. */
K8SC_EXTERN void k8sc_store_watch_close(k8sc_store_watch *watch);

#ifdef __cplusplus
}
#endif
#endif
