/*
 * The store's generic layer: backend registry, argument checks, continue
 * tokens, reference-counted objects and events, and the watch fan-out
 * that every backend feeds with its committed changes.
 */
#include "store_internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* ---- reference-counted objects and events ---- */

typedef struct kvbox {
    atomic_long refs;
    k8sc_store_kv kv;
} kvbox;

typedef struct evbox {
    atomic_long refs;
    int64_t committed; /* written before the event is published, read-only after */
    k8sc_store_event ev;
} evbox;

#define KVBOX(p) ((kvbox *)((char *)(p) - offsetof(kvbox, kv)))
#define EVBOX(p) ((evbox *)((char *)(p) - offsetof(evbox, ev)))

k8sc_store_kv *k8sc_store_kv_new(const char *key, size_t key_len, const void *value, size_t len,
                                 int64_t create_revision, int64_t mod_revision)
{
    if (!key || (!value && len))
        return NULL;
    if (key_len > SIZE_MAX / 2 || len > SIZE_MAX / 2) {
        k8sc_error_set(K8SC_ERANGE, "object too large");
        return NULL;
    }
    kvbox *b = k8sc__malloc(sizeof(*b) + key_len + 1 + len + 1);
    if (!b)
        return NULL;
    char *data = (char *)(b + 1);
    memcpy(data, key, key_len);
    data[key_len] = '\0';
    char *val = data + key_len + 1;
    if (len)
        memcpy(val, value, len);
    val[len] = '\0';
    atomic_init(&b->refs, 1);
    b->kv.key = data;
    b->kv.value = val;
    b->kv.value_len = len;
    b->kv.create_revision = create_revision;
    b->kv.mod_revision = mod_revision;
    return &b->kv;
}

k8sc_store_kv *k8sc_store_kv_ref(k8sc_store_kv *kv)
{
    if (kv)
        atomic_fetch_add_explicit(&KVBOX(kv)->refs, 1, memory_order_relaxed);
    return kv;
}

void k8sc_store_kv_free(k8sc_store_kv *kv)
{
    if (!kv)
        return;
    kvbox *b = KVBOX(kv);
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        free(b);
}

k8sc_store_event *k8sc_store_event_new(k8sc_store_event_type type, k8sc_store_kv *kv, k8sc_store_kv *prev)
{
    evbox *b = kv ? k8sc__malloc(sizeof(*b)) : NULL;
    if (!b) {
        k8sc_store_kv_free(kv);
        k8sc_store_kv_free(prev);
        return NULL;
    }
    atomic_init(&b->refs, 1);
    b->committed = 0;
    b->ev.type = type;
    b->ev.kv = kv;
    b->ev.prev = prev;
    return &b->ev;
}

k8sc_store_event *k8sc_store_event_ref(k8sc_store_event *event)
{
    if (event)
        atomic_fetch_add_explicit(&EVBOX(event)->refs, 1, memory_order_relaxed);
    return event;
}

void k8sc_store_event_free(k8sc_store_event *event)
{
    if (!event)
        return;
    evbox *b = EVBOX(event);
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
        k8sc_store_kv_free(b->ev.kv);
        k8sc_store_kv_free(b->ev.prev);
        free(b);
    }
}

void k8sc__store_event_set_committed(k8sc_store_event *event, int64_t ns)
{
    EVBOX(event)->committed = ns;
}

int64_t k8sc__store_event_committed(const k8sc_store_event *event)
{
    return ((const evbox *)((const char *)event - offsetof(evbox, ev)))->committed;
}

int k8sc__store_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return k8sc_error_set(K8SC_ERROR, "pthread_condattr_init failed");
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(cv, &attr);
    pthread_condattr_destroy(&attr);
    return rc == 0 ? 0 : k8sc_error_set(K8SC_ERROR, "pthread_cond_init failed");
}

/* ---- backend registry ---- */

#define MAX_BACKENDS 16

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static const k8sc_store_backend *registry[MAX_BACKENDS];
static size_t registry_len;

static int register_locked(const k8sc_store_backend *backend)
{
    for (size_t i = 0; i < registry_len; i++) {
        if (strcmp(registry[i]->scheme, backend->scheme) == 0) {
            registry[i] = backend;
            return 0;
        }
    }
    if (registry_len == MAX_BACKENDS)
        return k8sc_error_set(K8SC_ERANGE, "too many store backends (at most %d)", MAX_BACKENDS);
    registry[registry_len++] = backend;
    return 0;
}

static void register_builtins_locked(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    register_locked(&k8sc__store_memory_backend);
    register_locked(&k8sc__store_sqlite_backend);
    register_locked(&k8sc__store_etcd_backend);
}

int k8sc_store_backend_register(const k8sc_store_backend *backend)
{
    K8SC__CHECK_ARG(backend != NULL);
    if (backend->version != K8SC_STORE_BACKEND_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "store backend version %u not supported (want %u)",
                              backend->version, (unsigned)K8SC_STORE_BACKEND_VERSION);
    if (!backend->scheme || !*backend->scheme || strchr(backend->scheme, ':'))
        return k8sc_error_set(K8SC_EINVAL, "store backend scheme must be a non-empty name without ':'");
    if (!backend->open || !backend->close || !backend->revision || !backend->get || !backend->list ||
        !backend->write || !backend->compact || !backend->history)
        return k8sc_error_set(K8SC_EINVAL, "store backend \"%s\" lacks an operation", backend->scheme);
    pthread_mutex_lock(&registry_mu);
    register_builtins_locked();
    int rc = register_locked(backend);
    pthread_mutex_unlock(&registry_mu);
    return rc;
}

static const k8sc_store_backend *find_backend(const char *scheme, size_t len)
{
    const k8sc_store_backend *found = NULL;
    pthread_mutex_lock(&registry_mu);
    register_builtins_locked();
    for (size_t i = 0; i < registry_len && !found; i++)
        if (strlen(registry[i]->scheme) == len && memcmp(registry[i]->scheme, scheme, len) == 0)
            found = registry[i];
    pthread_mutex_unlock(&registry_mu);
    return found;
}

/* ---- watch fan-out ---- */

typedef struct hub {
    pthread_mutex_t mu;
    atomic_long refs;
    k8sc_store_watch *watches; /* doubly linked */
    int64_t published;         /* revision of the last published event */
    bool closed;
} hub;

struct k8sc_store_watch {
    hub *hub;
    k8sc_store *store;
    k8sc_store_watch *next, *prev;
    bool linked;
    char *prefix;
    size_t prefix_len;
    size_t limit;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t last; /* revision of the last event queued (or the start) */
    k8sc_store_event **ring;
    size_t cap, head, len;
    /* While replaying history, live events wait here. */
    bool catchup;
    k8sc_store_event **pending;
    size_t pending_len, pending_cap;
    int end_code;
    int efd;
    bool signalled;
};

struct k8sc_store {
    const k8sc_store_backend *backend;
    void *state;
    hub *hub;
    k8sc_store_options opts;
    /* Periodic compaction keeps history (and the file) from growing forever. */
    pthread_t compactor;
    bool compactor_running;
    bool stopping;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void hub_unref(hub *h)
{
    if (h && atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) == 1) {
        pthread_mutex_destroy(&h->mu);
        free(h);
    }
}

/*
 * Make the watch's fd readable for pollers; w->mu held. Threads in
 * k8sc_store_watch_wait are woken by watch_wake once w->mu is released.
 */
static void watch_signal(k8sc_store_watch *w)
{
    if (!w->signalled) {
        uint64_t one = 1;
        ssize_t n = write(w->efd, &one, sizeof(one));
        (void)n; /* an eventfd write fails only when the counter is saturated: already readable */
        w->signalled = true;
    }
}

/*
 * Wake the threads waiting for an event; w->mu released, the hub's held
 * (so that the watch cannot be freed). Woken while w->mu was still held,
 * a waiter would only sleep again on the mutex until it is released: a
 * second wake-up, which on a busy machine waits for a CPU once more.
 */
static void watch_wake(k8sc_store_watch *w)
{
    pthread_cond_broadcast(&w->cv);
}

/* End the watch with `code` unless already ended; w->mu held. */
static void watch_end_locked(k8sc_store_watch *w, int code)
{
    if (w->end_code == 0) {
        w->end_code = code;
        watch_signal(w);
    }
}

/* Append a reference to `ev` to the queue; w->mu held. */
static int watch_push_locked(k8sc_store_watch *w, k8sc_store_event *ev)
{
    if (w->len == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 64;
        k8sc_store_event **nr = malloc(ncap * sizeof(*nr));
        if (!nr)
            return K8SC_ENOMEM;
        for (size_t i = 0; i < w->len; i++)
            nr[i] = w->ring[(w->head + i) % w->cap];
        free(w->ring);
        w->ring = nr;
        w->cap = ncap;
        w->head = 0;
    }
    w->ring[(w->head + w->len) % w->cap] = k8sc_store_event_ref(ev);
    w->len++;
    w->last = ev->kv->mod_revision;
    watch_signal(w);
    return 0;
}

/* Deliver a live event to one watch; w->mu held. */
static void watch_deliver_locked(k8sc_store_watch *w, k8sc_store_event *ev)
{
    if (w->end_code || ev->kv->mod_revision <= w->last)
        return;
    if (w->catchup) {
        if (w->pending_len == w->pending_cap) {
            size_t ncap = w->pending_cap ? w->pending_cap * 2 : 64;
            k8sc_store_event **np = realloc(w->pending, ncap * sizeof(*np));
            if (!np) {
                watch_end_locked(w, K8SC_ENOMEM);
                return;
            }
            w->pending = np;
            w->pending_cap = ncap;
        }
        w->pending[w->pending_len++] = k8sc_store_event_ref(ev);
        return;
    }
    if (w->len >= w->limit) {
        watch_end_locked(w, K8SC_EGONE);
        return;
    }
    if (watch_push_locked(w, ev) != 0)
        watch_end_locked(w, K8SC_ENOMEM);
}

void k8sc_store_backend_publish(k8sc_store *store, k8sc_store_event *event)
{
    if (!store || !event)
        return;
    hub *h = store->hub;
    const char *key = event->kv->key;
    if (EVBOX(event)->committed == 0)
        EVBOX(event)->committed = k8sc__store_now_ns();
    pthread_mutex_lock(&h->mu);
    if (event->kv->mod_revision > h->published)
        h->published = event->kv->mod_revision;
    for (k8sc_store_watch *w = h->watches; w; w = w->next) {
        if (!k8sc__store_has_prefix(key, w->prefix, w->prefix_len))
            continue;
        pthread_mutex_lock(&w->mu);
        watch_deliver_locked(w, event);
        pthread_mutex_unlock(&w->mu);
        watch_wake(w);
    }
    pthread_mutex_unlock(&h->mu);
}

void k8sc_store_backend_fail(k8sc_store *store, int code)
{
    if (!store)
        return;
    hub *h = store->hub;
    pthread_mutex_lock(&h->mu);
    for (k8sc_store_watch *w = h->watches; w; w = w->next) {
        pthread_mutex_lock(&w->mu);
        watch_end_locked(w, code < 0 ? code : K8SC_ERROR);
        pthread_mutex_unlock(&w->mu);
        watch_wake(w);
    }
    pthread_mutex_unlock(&h->mu);
}

static void hub_unlink_locked(hub *h, k8sc_store_watch *w)
{
    if (!w->linked)
        return;
    if (w->prev)
        w->prev->next = w->next;
    else
        h->watches = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->next = w->prev = NULL;
    w->linked = false;
}

typedef struct replay_ctx {
    k8sc_store_watch *w;
    int64_t through;
    int rc;
} replay_ctx;

static int replay_push(k8sc_store_event *ev, void *userdata)
{
    replay_ctx *c = userdata;
    k8sc_store_watch *w = c->w;
    /* Events past `through` arrive live; taking one here would skip others. */
    if (ev->kv->mod_revision <= c->through && k8sc__store_has_prefix(ev->kv->key, w->prefix, w->prefix_len)) {
        pthread_mutex_lock(&w->mu);
        if (ev->kv->mod_revision > w->last && watch_push_locked(w, ev) != 0)
            c->rc = k8sc__error_nomem();
        pthread_mutex_unlock(&w->mu);
    }
    k8sc_store_event_free(ev);
    return c->rc;
}

static void watch_free(k8sc_store_watch *w)
{
    for (size_t i = 0; i < w->len; i++)
        k8sc_store_event_free(w->ring[(w->head + i) % w->cap]);
    for (size_t i = 0; i < w->pending_len; i++)
        k8sc_store_event_free(w->pending[i]);
    free(w->ring);
    free(w->pending);
    free(w->prefix);
    if (w->efd >= 0)
        close(w->efd);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

void k8sc_store_watch_close(k8sc_store_watch *watch)
{
    if (!watch)
        return;
    hub *h = watch->hub;
    pthread_mutex_lock(&h->mu);
    hub_unlink_locked(h, watch);
    pthread_mutex_unlock(&h->mu);
    hub_unref(h);
    watch_free(watch);
}

static int check_prefix(const char *prefix)
{
    if (!prefix)
        return k8sc_error_set(K8SC_EINVAL, "store: prefix is NULL (use \"\" for all keys)");
    if (strlen(prefix) > K8SC_STORE_MAX_KEY)
        return k8sc_error_set(K8SC_EINVAL, "store: prefix longer than %zu bytes", K8SC_STORE_MAX_KEY);
    return 0;
}

int k8sc_store_watch_open(k8sc_store_watch **out, k8sc_store *store, const char *prefix, int64_t from_revision)
{
    K8SC__CHECK_ARG(out != NULL);
    *out = NULL;
    K8SC__CHECK_ARG(store != NULL);
    int rc = check_prefix(prefix);
    if (rc)
        return rc;
    if (from_revision < 0)
        return k8sc_error_set(K8SC_EINVAL, "store: watch from negative revision %lld", (long long)from_revision);
    int64_t current = 0, compacted = 0;
    rc = store->backend->revision(store->state, &current, &compacted);
    if (rc)
        return rc;
    if (from_revision == 0)
        from_revision = current;
    else if (from_revision < compacted)
        return k8sc_error_set(K8SC_EGONE, "store: revision %lld is compacted (oldest available %lld)",
                              (long long)from_revision, (long long)compacted);

    k8sc_store_watch *w = k8sc__calloc(1, sizeof(*w));
    if (!w)
        return K8SC_ENOMEM;
    w->efd = -1;
    pthread_mutex_init(&w->mu, NULL);
    if ((rc = k8sc__store_cond_init(&w->cv)) != 0) {
        pthread_mutex_destroy(&w->mu);
        free(w);
        return rc;
    }
    w->prefix = k8sc__strdup(prefix);
    w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!w->prefix || w->efd < 0) {
        rc = w->prefix ? k8sc_error_set(K8SC_EIO, "store: eventfd: %s", strerror(errno)) : K8SC_ENOMEM;
        watch_free(w);
        return rc;
    }
    w->prefix_len = strlen(prefix);
    w->limit = store->opts.watch_queue_limit ? store->opts.watch_queue_limit : 1;
    w->last = from_revision;
    w->store = store;

    hub *h = store->hub;
    pthread_mutex_lock(&h->mu);
    int64_t through = h->published;
    w->catchup = from_revision < through;
    w->hub = h;
    atomic_fetch_add_explicit(&h->refs, 1, memory_order_relaxed);
    w->next = h->watches;
    if (h->watches)
        h->watches->prev = w;
    h->watches = w;
    w->linked = true;
    pthread_mutex_unlock(&h->mu);

    /* Until it is returned nobody waits on w: queuing into it needs no watch_wake. */
    if (w->catchup) {
        replay_ctx ctx = { w, through, 0 };
        rc = store->backend->history(store->state, prefix, from_revision, through, replay_push, &ctx);
        if (rc == 0 && ctx.rc)
            rc = ctx.rc;
        pthread_mutex_lock(&h->mu);
        pthread_mutex_lock(&w->mu);
        for (size_t i = 0; i < w->pending_len; i++) {
            k8sc_store_event *ev = w->pending[i];
            if (rc == 0 && w->end_code == 0 && ev->kv->mod_revision > w->last && watch_push_locked(w, ev) != 0)
                rc = k8sc__error_nomem();
            k8sc_store_event_free(ev);
        }
        w->pending_len = 0;
        w->catchup = false;
        pthread_mutex_unlock(&w->mu);
        pthread_mutex_unlock(&h->mu);
        if (rc) {
            k8sc_store_watch_close(w);
            return rc;
        }
    }
    *out = w;
    return 0;
}

int k8sc_store_watch_fd(const k8sc_store_watch *watch)
{
    return watch ? watch->efd : -1;
}

static int end_error(int code)
{
    switch (code) {
    case K8SC_EGONE:
        return k8sc_error_set(code, "store: watch ended: it fell behind or its revision was compacted; list again");
    case K8SC_EUNAVAILABLE:
        return k8sc_error_set(code, "store: watch ended: the store was closed or lost its change feed");
    default:
        return k8sc_error_set(code, "store: watch ended: %s", k8sc_error_name(code));
    }
}

/* Pop the next event or report the end; w->mu held. */
static int watch_take_locked(k8sc_store_event **out, k8sc_store_watch *w)
{
    if (w->len) {
        *out = w->ring[w->head];
        w->head = (w->head + 1) % w->cap;
        w->len--;
        if (w->len == 0 && w->end_code == 0 && w->signalled) {
            uint64_t v;
            ssize_t n = read(w->efd, &v, sizeof(v));
            (void)n; /* EAGAIN only if already drained */
            w->signalled = false;
        }
        return 0;
    }
    if (w->end_code)
        return end_error(w->end_code);
    return 0;
}

int k8sc_store_watch_next(k8sc_store_event **out, k8sc_store_watch *watch)
{
    K8SC__CHECK_ARG(out != NULL);
    *out = NULL;
    K8SC__CHECK_ARG(watch != NULL);
    pthread_mutex_lock(&watch->mu);
    int rc = watch_take_locked(out, watch);
    pthread_mutex_unlock(&watch->mu);
    return rc;
}

int k8sc_store_watch_wait(k8sc_store_event **out, k8sc_store_watch *watch, int timeout_ms)
{
    K8SC__CHECK_ARG(out != NULL);
    *out = NULL;
    K8SC__CHECK_ARG(watch != NULL);
    struct timespec deadline = k8sc__store_deadline(timeout_ms > 0 ? timeout_ms : 0);
    pthread_mutex_lock(&watch->mu);
    while (watch->len == 0 && watch->end_code == 0) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&watch->cv, &watch->mu);
        } else if (pthread_cond_timedwait(&watch->cv, &watch->mu, &deadline) == ETIMEDOUT) {
            if (watch->len || watch->end_code)
                break;
            pthread_mutex_unlock(&watch->mu);
            return k8sc_error_set(K8SC_ETIMEOUT, "store: no watch event within %d ms", timeout_ms);
        }
    }
    int rc = watch_take_locked(out, watch);
    pthread_mutex_unlock(&watch->mu);
    return rc;
}

/* ---- store ---- */

int k8sc_store_options_init(k8sc_store_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts != NULL);
    if (version != K8SC_STORE_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "store options version %u not supported (want %u)", version,
                              (unsigned)K8SC_STORE_OPTIONS_VERSION);
    k8sc_store_options def = K8SC_STORE_OPTIONS_INIT;
    *opts = def;
    return 0;
}

static void *compactor_main(void *arg)
{
    k8sc_store *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stopping) {
        struct timespec deadline = k8sc__store_deadline(s->opts.compact_interval_ms);
        while (!s->stopping && pthread_cond_timedwait(&s->cv, &s->mu, &deadline) != ETIMEDOUT)
            ;
        if (s->stopping)
            break;
        pthread_mutex_unlock(&s->mu);
        int64_t current = 0, compacted = 0;
        if (s->backend->revision(s->state, &current, &compacted) == 0 &&
            current - s->opts.compact_retain > compacted && current - s->opts.compact_retain > 0) {
            int rc = s->backend->compact(s->state, current - s->opts.compact_retain);
            if (rc && rc != K8SC_EGONE)
                k8sc_log(K8SC_LOG_WARN, "store: background compaction at %lld failed: %s",
                         (long long)(current - s->opts.compact_retain), k8sc_error_last());
        }
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int k8sc_store_open(k8sc_store **out, const char *url, const k8sc_store_options *opts)
{
    K8SC__CHECK_ARG(out != NULL);
    *out = NULL;
    K8SC__CHECK_ARG(url != NULL);
    k8sc_store_options o = K8SC_STORE_OPTIONS_INIT;
    if (opts) {
        if (opts->version != K8SC_STORE_OPTIONS_VERSION)
            return k8sc_error_set(K8SC_EINVAL, "store options version %u not supported (want %u)",
                                  opts->version, (unsigned)K8SC_STORE_OPTIONS_VERSION);
        o = *opts;
    }
    if (o.compact_interval_ms < 0 || o.compact_retain < 0 || o.etcd_request_timeout_ms < 0 ||
        o.etcd_connect_timeout_ms < 0 || o.etcd_attempts < 0 ||
        (unsigned)o.sqlite_synchronous > K8SC_STORE_SYNC_NORMAL)
        return k8sc_error_set(K8SC_EINVAL, "store: negative or unknown value in options");
    if (o.watch_queue_limit == 0)
        o.watch_queue_limit = 100000;

    const char *colon = strchr(url, ':');
    size_t slen = colon ? (size_t)(colon - url) : 0;
    if (!colon || slen == 0)
        return k8sc_error_set(K8SC_EINVAL, "store URL \"%s\": expected SCHEME:LOCATION, e.g. "
                              "\"memory://\", \"sqlite:/var/lib/k8sc/state.db\" or \"etcd://127.0.0.1:2379\"",
                              url);
    const k8sc_store_backend *b = find_backend(url, slen);
    if (!b)
        return k8sc_error_set(K8SC_EINVAL, "store URL \"%s\": unknown scheme \"%.*s\" (known: memory, sqlite, etcd)",
                              url, (int)slen, url);
    const char *location = colon + 1;
    if (strncmp(location, "//", 2) == 0)
        location += 2;

    k8sc_store *s = k8sc__calloc(1, sizeof(*s));
    hub *h = k8sc__calloc(1, sizeof(*h));
    if (!s || !h) {
        free(s);
        free(h);
        return K8SC_ENOMEM;
    }
    pthread_mutex_init(&h->mu, NULL);
    atomic_init(&h->refs, 1);
    s->hub = h;
    s->backend = b;
    s->opts = o;
    int rc = b->open(&s->state, s, location, &s->opts);
    if (rc) {
        hub_unref(h);
        free(s);
        return rc;
    }
    int64_t current = 0, compacted = 0;
    if (b->revision(s->state, &current, &compacted) == 0 && h->published < current)
        h->published = current;
    pthread_mutex_init(&s->mu, NULL);
    if ((rc = k8sc__store_cond_init(&s->cv)) != 0) {
        k8sc_store_close(s);
        return rc;
    }
    if (o.compact_interval_ms > 0) {
        if (pthread_create(&s->compactor, NULL, compactor_main, s) != 0) {
            k8sc_store_close(s);
            return k8sc_error_set(K8SC_ERROR, "store: cannot start the compaction thread");
        }
        s->compactor_running = true;
    }
    *out = s;
    return 0;
}

void k8sc_store_close(k8sc_store *store)
{
    if (!store)
        return;
    if (store->compactor_running) {
        pthread_mutex_lock(&store->mu);
        store->stopping = true;
        pthread_cond_broadcast(&store->cv);
        pthread_mutex_unlock(&store->mu);
        pthread_join(store->compactor, NULL);
    }
    store->backend->close(store->state);
    hub *h = store->hub;
    pthread_mutex_lock(&h->mu);
    h->closed = true;
    while (h->watches) {
        k8sc_store_watch *w = h->watches;
        pthread_mutex_lock(&w->mu);
        watch_end_locked(w, K8SC_EUNAVAILABLE);
        pthread_mutex_unlock(&w->mu);
        watch_wake(w);
        hub_unlink_locked(h, w);
    }
    pthread_mutex_unlock(&h->mu);
    hub_unref(h);
    pthread_cond_destroy(&store->cv);
    pthread_mutex_destroy(&store->mu);
    free(store);
}

static int check_key(const char *key)
{
    if (!key)
        return k8sc_error_set(K8SC_EINVAL, "store: key is NULL");
    size_t n = strlen(key);
    if (n == 0)
        return k8sc_error_set(K8SC_EINVAL, "store: key is empty");
    if (n > K8SC_STORE_MAX_KEY)
        return k8sc_error_set(K8SC_EINVAL, "store: key of %zu bytes is longer than the limit of %zu", n,
                              K8SC_STORE_MAX_KEY);
    return 0;
}

static int check_revision(int64_t revision, const char *what)
{
    if (revision < 0)
        return k8sc_error_set(K8SC_EINVAL, "store: %s %lld is negative", what, (long long)revision);
    return 0;
}

int k8sc_store_revision(int64_t *out, k8sc_store *store)
{
    K8SC__CHECK_ARG(out != NULL);
    *out = 0;
    K8SC__CHECK_ARG(store != NULL);
    int64_t compacted;
    return store->backend->revision(store->state, out, &compacted);
}

int k8sc_store_compacted_revision(int64_t *out, k8sc_store *store)
{
    K8SC__CHECK_ARG(out != NULL);
    *out = 0;
    K8SC__CHECK_ARG(store != NULL);
    int64_t current;
    return store->backend->revision(store->state, &current, out);
}

int k8sc_store_get(k8sc_store_kv **out, k8sc_store *store, const char *key, int64_t revision)
{
    K8SC__CHECK_ARG(out != NULL);
    *out = NULL;
    K8SC__CHECK_ARG(store != NULL);
    int rc = check_key(key);
    if (rc || (rc = check_revision(revision, "revision")) != 0)
        return rc;
    return store->backend->get(store->state, out, key, revision);
}

static int check_write(const char *key, const void *value, size_t len, int64_t expected)
{
    int rc = check_key(key);
    if (rc || (rc = check_revision(expected, "expected revision")) != 0)
        return rc;
    if (!value && len)
        return k8sc_error_set(K8SC_EINVAL, "store: value is NULL but its length is %zu", len);
    if (len > K8SC_STORE_MAX_VALUE)
        return k8sc_error_set(K8SC_EINVAL, "store: value of %zu bytes for \"%s\" exceeds the limit of %zu bytes",
                              len, key, K8SC_STORE_MAX_VALUE);
    return 0;
}

int k8sc_store_create(int64_t *out_revision, k8sc_store *store, const char *key, const void *value, size_t len)
{
    if (out_revision)
        *out_revision = 0;
    K8SC__CHECK_ARG(store != NULL);
    int rc = check_write(key, value, len, 0);
    if (rc)
        return rc;
    return store->backend->write(store->state, K8SC_STORE_OP_CREATE, key, value ? value : "", len, 0,
                                 out_revision, NULL);
}

int k8sc_store_update(int64_t *out_revision, k8sc_store *store, const char *key, const void *value, size_t len,
                      int64_t expected_revision)
{
    if (out_revision)
        *out_revision = 0;
    K8SC__CHECK_ARG(store != NULL);
    int rc = check_write(key, value, len, expected_revision);
    if (rc)
        return rc;
    return store->backend->write(store->state, K8SC_STORE_OP_UPDATE, key, value ? value : "", len,
                                 expected_revision, out_revision, NULL);
}

int k8sc_store_delete(int64_t *out_revision, k8sc_store_kv **out_prev, k8sc_store *store, const char *key,
                      int64_t expected_revision)
{
    if (out_revision)
        *out_revision = 0;
    if (out_prev)
        *out_prev = NULL;
    K8SC__CHECK_ARG(store != NULL);
    int rc = check_write(key, "", 0, expected_revision);
    if (rc)
        return rc;
    return store->backend->write(store->state, K8SC_STORE_OP_DELETE, key, NULL, 0, expected_revision,
                                 out_revision, out_prev);
}

int k8sc_store_compact(k8sc_store *store, int64_t revision)
{
    K8SC__CHECK_ARG(store != NULL);
    if (revision <= 0)
        return k8sc_error_set(K8SC_EINVAL, "store: compaction revision %lld must be positive", (long long)revision);
    return store->backend->compact(store->state, revision);
}

/*
 * Continue tokens: "<revision>:<hex of the last key returned>". Opaque to
 * callers; carrying the revision keeps every page on one snapshot.
 */
static char *token_encode(int64_t revision, const char *key)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(key);
    char *t = k8sc__malloc(24 + 2 * n);
    if (!t)
        return NULL;
    int off = snprintf(t, 24, "%lld:", (long long)revision);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)key[i];
        t[off + 2 * i] = hex[c >> 4];
        t[off + 2 * i + 1] = hex[c & 15];
    }
    t[off + 2 * n] = '\0';
    return t;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static int token_decode(int64_t *revision, char **key, const char *token, const char *prefix)
{
    *key = NULL;
    const char *p = token;
    int64_t rev = 0;
    if (*p < '1' || *p > '9')
        return k8sc_error_set(K8SC_EINVAL, "store: continue token: expected a revision at offset 0");
    for (; *p >= '0' && *p <= '9'; p++) {
        if (rev > (INT64_MAX - 9) / 10)
            return k8sc_error_set(K8SC_EINVAL, "store: continue token: revision out of range");
        rev = rev * 10 + (*p - '0');
    }
    if (*p != ':')
        return k8sc_error_set(K8SC_EINVAL, "store: continue token: expected ':' at offset %zu", (size_t)(p - token));
    p++;
    size_t hlen = strlen(p);
    if (hlen == 0 || hlen % 2 || hlen / 2 > K8SC_STORE_MAX_KEY)
        return k8sc_error_set(K8SC_EINVAL, "store: continue token: key of bad length at offset %zu",
                              (size_t)(p - token));
    char *k = k8sc__malloc(hlen / 2 + 1);
    if (!k)
        return K8SC_ENOMEM;
    for (size_t i = 0; i < hlen / 2; i++) {
        int hi = hexval(p[2 * i]), lo = hexval(p[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(k);
            return k8sc_error_set(K8SC_EINVAL, "store: continue token: bad hex digit at offset %zu",
                                  (size_t)(p - token) + 2 * i + (hi < 0 ? 0 : 1));
        }
        k[i] = (char)(hi << 4 | lo);
        if (k[i] == '\0') {
            free(k);
            return k8sc_error_set(K8SC_EINVAL, "store: continue token: key contains NUL at offset %zu",
                                  (size_t)(p - token) + 2 * i);
        }
    }
    k[hlen / 2] = '\0';
    if (!k8sc__store_has_prefix(k, prefix, strlen(prefix)) || strlen(k) < strlen(prefix)) {
        free(k);
        return k8sc_error_set(K8SC_EINVAL, "store: continue token belongs to a list of another prefix than \"%s\"",
                              prefix);
    }
    *revision = rev;
    *key = k;
    return 0;
}

void k8sc_store_page_free(k8sc_store_page *page)
{
    if (!page)
        return;
    for (size_t i = 0; i < page->count; i++)
        k8sc_store_kv_free(page->items[i]);
    free(page->items);
    free((char *)page->continue_token);
    free(page);
}

int k8sc_store_list(k8sc_store_page **out, k8sc_store *store, const char *prefix, size_t limit,
                    const char *continue_token, int64_t revision)
{
    K8SC__CHECK_ARG(out != NULL);
    *out = NULL;
    K8SC__CHECK_ARG(store != NULL);
    int rc = check_prefix(prefix);
    if (rc || (rc = check_revision(revision, "revision")) != 0)
        return rc;
    char *after = NULL;
    if (continue_token && *continue_token) {
        int64_t trev = 0;
        if ((rc = token_decode(&trev, &after, continue_token, prefix)) != 0)
            return rc;
        if (revision && revision != trev) {
            free(after);
            return k8sc_error_set(K8SC_EINVAL, "store: revision %lld differs from the continue token's %lld",
                                  (long long)revision, (long long)trev);
        }
        revision = trev;
    }
    k8sc_store_page *page = k8sc__calloc(1, sizeof(*page));
    if (!page) {
        free(after);
        return K8SC_ENOMEM;
    }
    bool more = false;
    rc = store->backend->list(store->state, &page->items, &page->count, &page->revision, &more, prefix, after,
                              limit, revision);
    free(after);
    if (rc == 0 && more && page->count) {
        page->continue_token = token_encode(page->revision, page->items[page->count - 1]->key);
        if (!page->continue_token)
            rc = K8SC_ENOMEM;
    }
    if (rc) {
        k8sc_store_page_free(page);
        return rc;
    }
    *out = page;
    return 0;
}
