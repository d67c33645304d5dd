/*
 * Informers after client-go's reflector + shared informer: list, then
 * watch from the list's resourceVersion, keeping a cache and calling
 * handlers. One loop (step) serves both the informer's own thread and a
 * host's event loop (k8sc_informer_process).
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "controller.h"
#include "controller_internal.h"
#include "internal.h"

/* client-go's reflector back-off: 0.8 s doubling to 30 s, reset after 2 min without failures. */
#define BACKOFF_INITIAL_NS 800000000LL
#define BACKOFF_MAX_NS 30000000000LL
#define BACKOFF_RESET_NS 120000000000LL
/* How long a thread waits on a watch that has no pollable fd before checking for stop. */
#define NOFD_WAIT_MS 100

struct k8sc_informer {
    k8sc_client *client;
    char *api_version, *kind, *ns, *label_selector, *field_selector;
    int64_t resync_ns;
    k8sc_clock *clock;
    k8sc_cache *cache;
    /* Held while the cache changes and handlers run, so events reach every handler in order. */
    pthread_mutex_t deliver;
    k8sc_informer_handler *handlers;
    size_t nhandlers;

    /* Loop state: used only by whoever runs the loop (the thread or the host). */
    bool listed;
    char *rv;
    k8sc_watch *watch;
    int watch_fd;
    int64_t retry_at, backoff_ns, last_failure, next_resync;

    pthread_mutex_t sync_mu;
    pthread_cond_t sync_cv;
    bool synced;

    pthread_t thread;
    bool started;
    atomic_bool stopping;
    int stop_fd;
    int ep_fd;
};

int k8sc_informer_options_init(k8sc_informer_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts && version == K8SC_INFORMER_OPTIONS_VERSION);
    *opts = (k8sc_informer_options)K8SC_INFORMER_OPTIONS_INIT;
    return 0;
}

static char *dup_or_null(const char *s, bool *failed)
{
    if (!s || !*s)
        return NULL;
    char *d = k8sc__strdup(s);
    if (!d)
        *failed = true;
    return d;
}

int k8sc_informer_new(k8sc_informer **out, k8sc_client *client, const char *api_version, const char *kind,
    const k8sc_informer_options *opts)
{
    K8SC__CHECK_ARG(out && client && api_version && kind);
    K8SC__CHECK_ARG(!opts || (opts->version == K8SC_INFORMER_OPTIONS_VERSION && opts->resync_ns >= 0));
    *out = NULL;
    const k8sc_informer_options defaults = K8SC_INFORMER_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    if (opts->label_selector) {
        k8sc_selector *sel;
        int rc = k8sc_selector_parse(&sel, opts->label_selector);
        if (rc < 0)
            return rc;
        k8sc_selector_free(sel);
    }
    k8sc_informer *inf = k8sc__calloc(1, sizeof(*inf));
    if (!inf)
        return K8SC_ENOMEM;
    bool failed = false;
    inf->client = client;
    inf->api_version = dup_or_null(api_version, &failed);
    inf->kind = dup_or_null(kind, &failed);
    inf->ns = dup_or_null(opts->namespace_, &failed);
    inf->label_selector = dup_or_null(opts->label_selector, &failed);
    inf->field_selector = dup_or_null(opts->field_selector, &failed);
    inf->resync_ns = opts->resync_ns;
    inf->clock = opts->clock ? opts->clock : k8sc_clock_system();
    inf->watch_fd = -1;
    inf->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    inf->ep_fd = epoll_create1(EPOLL_CLOEXEC);
    pthread_mutex_init(&inf->deliver, NULL);
    pthread_mutex_init(&inf->sync_mu, NULL);
    /* wait_synced measures its deadline on CLOCK_MONOTONIC. */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&inf->sync_cv, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&inf->stopping, false);
    int rc = failed ? K8SC_ENOMEM : k8sc_cache_new(&inf->cache);
    if (rc == 0 && (inf->stop_fd < 0 || inf->ep_fd < 0))
        rc = k8sc_error_set(K8SC_EIO, "informer %s: cannot create its file descriptors", kind);
    if (rc < 0) {
        k8sc_informer_free(inf);
        return rc == K8SC_ENOMEM ? k8sc__error_nomem() : rc;
    }
    *out = inf;
    return 0;
}

static void close_watch(k8sc_informer *inf)
{
    if (inf->watch_fd >= 0)
        epoll_ctl(inf->ep_fd, EPOLL_CTL_DEL, inf->watch_fd, NULL);
    inf->watch_fd = -1;
    k8sc_watch_free(inf->watch);
    inf->watch = NULL;
}

void k8sc_informer_free(k8sc_informer *inf)
{
    if (!inf)
        return;
    k8sc_informer_stop(inf);
    close_watch(inf);
    k8sc_cache_free(inf->cache);
    free(inf->handlers);
    free(inf->rv);
    free(inf->api_version);
    free(inf->kind);
    free(inf->ns);
    free(inf->label_selector);
    free(inf->field_selector);
    if (inf->stop_fd >= 0)
        close(inf->stop_fd);
    if (inf->ep_fd >= 0)
        close(inf->ep_fd);
    pthread_mutex_destroy(&inf->deliver);
    pthread_mutex_destroy(&inf->sync_mu);
    pthread_cond_destroy(&inf->sync_cv);
    free(inf);
}

k8sc_cache *k8sc_informer_cache(k8sc_informer *inf)
{
    return inf ? inf->cache : NULL;
}

int k8sc_informer_add_handler(k8sc_informer *inf, const k8sc_informer_handler *h)
{
    K8SC__CHECK_ARG(inf && h && h->version == K8SC_INFORMER_HANDLER_VERSION);
    pthread_mutex_lock(&inf->deliver);
    k8sc_informer_handler *hs = k8sc__realloc(inf->handlers, (inf->nhandlers + 1) * sizeof(*hs));
    if (!hs) {
        pthread_mutex_unlock(&inf->deliver);
        return K8SC_ENOMEM;
    }
    inf->handlers = hs;
    k8sc_object **items = NULL;
    size_t n = 0;
    int rc = k8sc_cache_list(&items, &n, inf->cache, NULL, NULL);
    if (rc == 0) {
        hs[inf->nhandlers++] = *h;
        for (size_t i = 0; i < n && h->on_add; i++)
            h->on_add(items[i], h->userdata);
    }
    pthread_mutex_unlock(&inf->deliver);
    k8sc_cache_items_free(items, n);
    return rc;
}

int k8sc_informer_remove_handler(k8sc_informer *inf, const k8sc_informer_handler *h)
{
    K8SC__CHECK_ARG(inf && h);
    pthread_mutex_lock(&inf->deliver);
    size_t i = 0;
    while (i < inf->nhandlers && !(inf->handlers[i].on_add == h->on_add && inf->handlers[i].on_update == h->on_update
        && inf->handlers[i].on_delete == h->on_delete && inf->handlers[i].userdata == h->userdata))
        i++;
    bool found = i < inf->nhandlers;
    if (found)
        memmove(&inf->handlers[i], &inf->handlers[i + 1], (inf->nhandlers - i - 1) * sizeof(*inf->handlers));
    inf->nhandlers -= found;
    pthread_mutex_unlock(&inf->deliver);
    return found ? 0 : k8sc_error_set(K8SC_ENOTFOUND, "%s informer: no such handler", inf->kind);
}

bool k8sc_informer_has_synced(k8sc_informer *inf)
{
    if (!inf)
        return false;
    pthread_mutex_lock(&inf->sync_mu);
    bool s = inf->synced;
    pthread_mutex_unlock(&inf->sync_mu);
    return s;
}

int k8sc_informer_wait_synced(k8sc_informer *inf, int timeout_ms)
{
    K8SC__CHECK_ARG(inf);
    struct timespec deadline;
    k8sc__deadline_after_ms(&deadline, CLOCK_MONOTONIC, timeout_ms);
    pthread_mutex_lock(&inf->sync_mu);
    int rc = 0;
    while (!inf->synced && rc == 0) {
        if (timeout_ms < 0)
            pthread_cond_wait(&inf->sync_cv, &inf->sync_mu);
        else
            rc = pthread_cond_timedwait(&inf->sync_cv, &inf->sync_mu, &deadline);
    }
    bool s = inf->synced;
    pthread_mutex_unlock(&inf->sync_mu);
    return s ? 0 : k8sc_error_set(K8SC_ETIMEOUT, "%s informer did not sync within %d ms", inf->kind, timeout_ms);
}

/* ---- delivery ---- */

static void notify_add(k8sc_informer *inf, const k8sc_object *obj)
{
    for (size_t i = 0; i < inf->nhandlers; i++)
        if (inf->handlers[i].on_add)
            inf->handlers[i].on_add(obj, inf->handlers[i].userdata);
}

static void notify_update(k8sc_informer *inf, const k8sc_object *old, const k8sc_object *obj)
{
    for (size_t i = 0; i < inf->nhandlers; i++)
        if (inf->handlers[i].on_update)
            inf->handlers[i].on_update(old, obj, inf->handlers[i].userdata);
}

static void notify_delete(k8sc_informer *inf, const k8sc_object *obj)
{
    for (size_t i = 0; i < inf->nhandlers; i++)
        if (inf->handlers[i].on_delete)
            inf->handlers[i].on_delete(obj, inf->handlers[i].userdata);
}

/* Items of a list and watch objects may lack their type; controllers need it (owner references). */
static int set_type(k8sc_informer *inf, k8sc_object *obj)
{
    int rc = 0;
    if (!k8sc_object_kind(obj))
        rc = k8sc_object_set_kind(obj, inf->kind);
    if (rc == 0 && !k8sc_object_api_version(obj))
        rc = k8sc_object_set_api_version(obj, inf->api_version);
    return rc;
}

/* Store `obj` (reference taken) and tell the handlers. Deliver lock held. */
static int apply_upsert(k8sc_informer *inf, k8sc_object *obj)
{
    k8sc_object *old;
    int rc = k8sc_cache_upsert(inf->cache, obj, &old);
    if (rc < 0)
        return rc;
    if (old)
        notify_update(inf, old, obj);
    else
        notify_add(inf, obj);
    k8sc_object_free(old);
    return 0;
}

static int apply_delete(k8sc_informer *inf, const k8sc_object *obj)
{
    char *key;
    int rc = k8sc_cache_key(&key, obj);
    if (rc < 0)
        return rc;
    k8sc_object *old;
    if (k8sc_cache_remove(inf->cache, key, &old) == 0) {
        notify_delete(inf, obj);
        k8sc_object_free(old);
    }
    free(key);
    return 0;
}

static void set_rv(k8sc_informer *inf, const char *rv)
{
    char *d;
    if (rv && *rv && (d = k8sc__strdup(rv))) {
        free(inf->rv);
        inf->rv = d;
    }
}

static void mark_synced(k8sc_informer *inf)
{
    pthread_mutex_lock(&inf->sync_mu);
    inf->synced = true;
    pthread_cond_broadcast(&inf->sync_cv);
    pthread_mutex_unlock(&inf->sync_mu);
}

/*
 * Replace the cache with a fresh list: items become adds or updates, and
 * cached objects the list no longer has become deletes.
 */
static int replace(k8sc_informer *inf, json_object *items)
{
    k8sc__keymap seen = K8SC__KEYMAP_INIT;
    int rc = 0;
    pthread_mutex_lock(&inf->deliver);
    size_t n = items ? json_object_array_length(items) : 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        k8sc_object *obj;
        json_object *item = json_object_array_get_idx(items, i);
        if (!json_object_is_type(item, json_type_object))
            continue;
        if ((rc = k8sc_object_wrap(&obj, json_object_get(item))) < 0) {
            json_object_put(item);
            break;
        }
        char *key = NULL;
        rc = set_type(inf, obj);
        if (rc == 0)
            rc = k8sc_cache_key(&key, obj);
        if (rc == 0 && !k8sc__keymap_insert(&seen, key, sizeof(k8sc__keynode)))
            rc = K8SC_ENOMEM;
        if (rc == 0)
            rc = apply_upsert(inf, obj);
        free(key);
        k8sc_object_free(obj);
    }
    k8sc_object **cached = NULL;
    size_t ncached = 0;
    if (rc == 0)
        rc = k8sc_cache_list(&cached, &ncached, inf->cache, NULL, NULL);
    for (size_t i = 0; i < ncached && rc == 0; i++) {
        char *key;
        if ((rc = k8sc_cache_key(&key, cached[i])) < 0)
            break;
        if (!k8sc__keymap_find(&seen, key))
            rc = apply_delete(inf, cached[i]);
        free(key);
    }
    pthread_mutex_unlock(&inf->deliver);
    k8sc_cache_items_free(cached, ncached);
    k8sc__keymap_clear(&seen);
    return rc;
}

/* ---- the loop ---- */

static void failed(k8sc_informer *inf, const char *what)
{
    int64_t now = k8sc_clock_mono(inf->clock);
    if (inf->backoff_ns == 0 || now - inf->last_failure > BACKOFF_RESET_NS)
        inf->backoff_ns = BACKOFF_INITIAL_NS;
    else if ((inf->backoff_ns *= 2) > BACKOFF_MAX_NS)
        inf->backoff_ns = BACKOFF_MAX_NS;
    inf->last_failure = now;
    inf->retry_at = now + inf->backoff_ns;
    k8sc_log(K8SC_LOG_WARN, "%s informer: %s failed, retrying in %lld ms: %s", inf->kind, what,
        (long long)(inf->backoff_ns / 1000000), k8sc_error_last());
}

static int do_list(k8sc_informer *inf)
{
    k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
    lo.label_selector = inf->label_selector;
    lo.field_selector = inf->field_selector;
    /* Pages keep a large first list bounded in memory on the server side. */
    lo.limit = 500;
    k8sc_object *list;
    int rc = k8sc_client_list(&list, inf->client, inf->api_version, inf->kind, inf->ns ? inf->ns : "", &lo);
    if (rc < 0)
        return rc;
    rc = replace(inf, k8sc_object_get(list, "items"));
    if (rc == 0) {
        set_rv(inf, k8sc_object_get_string(list, "metadata.resourceVersion"));
        inf->listed = true;
        inf->next_resync = k8sc_clock_mono(inf->clock) + inf->resync_ns;
        mark_synced(inf);
    }
    k8sc_object_free(list);
    return rc;
}

static int open_watch(k8sc_informer *inf)
{
    k8sc_watch_options wo = K8SC_WATCH_OPTIONS_INIT;
    wo.label_selector = inf->label_selector;
    wo.field_selector = inf->field_selector;
    wo.resource_version = inf->rv;
    wo.allow_watch_bookmarks = true;
    /* As client-go: end each watch after 5-10 minutes so load spreads over API servers. */
    wo.timeout_seconds = 300 + (int64_t)(k8sc_clock_mono(NULL) % 300);
    int rc = k8sc_client_watch(&inf->watch, inf->client, inf->api_version, inf->kind, inf->ns ? inf->ns : "", &wo);
    if (rc < 0)
        return rc;
    inf->watch_fd = k8sc_watch_fd(inf->watch);
    if (inf->watch_fd >= 0) {
        struct epoll_event ev = { .events = EPOLLIN };
        ev.data.fd = inf->watch_fd;
        epoll_ctl(inf->ep_fd, EPOLL_CTL_ADD, inf->watch_fd, &ev);
    }
    return 0;
}

static void apply_event(k8sc_informer *inf, k8sc_watch_event_type type, k8sc_object *obj)
{
    int rc = set_type(inf, obj);
    if (rc == 0 && type != K8SC_WATCH_BOOKMARK) {
        pthread_mutex_lock(&inf->deliver);
        rc = type == K8SC_WATCH_DELETED ? apply_delete(inf, obj) : apply_upsert(inf, obj);
        pthread_mutex_unlock(&inf->deliver);
    }
    if (rc < 0)
        k8sc_log(K8SC_LOG_ERROR, "%s informer: dropping a %s event: %s", inf->kind,
            k8sc_watch_event_type_name(type), k8sc_error_last());
    set_rv(inf, k8sc_object_resource_version(obj));
}

/* Apply the events that arrive within `wait_ms` (only the first read waits). */
static void drain(k8sc_informer *inf, int wait_ms)
{
    for (int i = 0; inf->watch && !atomic_load(&inf->stopping); i++) {
        k8sc_watch_event_type type;
        k8sc_object *obj;
        int rc = k8sc_watch_next(&type, &obj, inf->watch, i == 0 ? wait_ms : 0);
        if (rc == 1) {
            apply_event(inf, type, obj);
            k8sc_object_free(obj);
            continue;
        }
        if (rc == K8SC_ETIMEOUT)
            return;
        close_watch(inf);
        if (rc == K8SC_EGONE) {
            k8sc_log(K8SC_LOG_INFO, "%s informer: watch expired, listing again: %s", inf->kind, k8sc_error_last());
            inf->listed = false;
        } else if (rc < 0) {
            failed(inf, "watch");
        }
        /* rc == 0: the server ended the watch; open the next one from the last resourceVersion. */
        return;
    }
}

static void resync(k8sc_informer *inf)
{
    k8sc_object **items;
    size_t n;
    if (k8sc_cache_list(&items, &n, inf->cache, NULL, NULL) < 0)
        return;
    pthread_mutex_lock(&inf->deliver);
    for (size_t i = 0; i < n; i++)
        notify_update(inf, items[i], items[i]);
    pthread_mutex_unlock(&inf->deliver);
    k8sc_cache_items_free(items, n);
}

/* One pass of the loop: list, watch and resync as due. */
static void step(k8sc_informer *inf, int wait_ms)
{
    int64_t now = k8sc_clock_mono(inf->clock);
    if (inf->retry_at && now < inf->retry_at)
        return;
    inf->retry_at = 0;
    if (!inf->listed && do_list(inf) < 0) {
        failed(inf, "list");
        return;
    }
    if (!inf->watch) {
        int rc = open_watch(inf);
        if (rc == K8SC_EGONE) {
            inf->listed = false;
            return;
        }
        if (rc < 0) {
            failed(inf, "watch");
            return;
        }
    }
    drain(inf, wait_ms);
    if (inf->resync_ns > 0 && k8sc_clock_mono(inf->clock) >= inf->next_resync) {
        resync(inf);
        inf->next_resync = k8sc_clock_mono(inf->clock) + inf->resync_ns;
    }
}

static int ms_until(const k8sc_informer *inf, int64_t at)
{
    int64_t left = at - k8sc_clock_mono(inf->clock);
    if (left <= 0)
        return 0;
    left = (left + 999999) / 1000000;
    return left > INT32_MAX ? INT32_MAX : (int)left;
}

int k8sc_informer_next_timeout_ms(k8sc_informer *inf)
{
    if (!inf)
        return -1;
    if (inf->retry_at)
        return ms_until(inf, inf->retry_at);
    if (!inf->listed || !inf->watch)
        return 0;
    int t = inf->resync_ns > 0 ? ms_until(inf, inf->next_resync) : -1;
    if (inf->watch_fd < 0 && (t < 0 || t > NOFD_WAIT_MS))
        t = NOFD_WAIT_MS;
    return t;
}

int k8sc_informer_fd(k8sc_informer *inf)
{
    return inf ? inf->ep_fd : -1;
}

int k8sc_informer_process(k8sc_informer *inf)
{
    K8SC__CHECK_ARG(inf && !inf->started);
    step(inf, 0);
    return 0;
}

static void *run(void *arg)
{
    k8sc_informer *inf = arg;
    while (!atomic_load(&inf->stopping)) {
        int t = k8sc_informer_next_timeout_ms(inf);
        if (inf->watch && inf->watch_fd < 0) {
            step(inf, t < 0 || t > NOFD_WAIT_MS ? NOFD_WAIT_MS : t);
            continue;
        }
        struct pollfd pfd[2] = { { inf->stop_fd, POLLIN, 0 }, { inf->watch_fd, POLLIN, 0 } };
        if (t != 0)
            poll(pfd, inf->watch ? 2 : 1, t);
        if (!atomic_load(&inf->stopping))
            step(inf, 0);
    }
    return NULL;
}

int k8sc_informer_start(k8sc_informer *inf)
{
    K8SC__CHECK_ARG(inf && !inf->started);
    atomic_store(&inf->stopping, false);
    if (pthread_create(&inf->thread, NULL, run, inf) != 0)
        return k8sc_error_set(K8SC_EIO, "%s informer: cannot start its thread", inf->kind);
    inf->started = true;
    return 0;
}

void k8sc_informer_stop(k8sc_informer *inf)
{
    if (!inf || !inf->started)
        return;
    atomic_store(&inf->stopping, true);
    uint64_t one = 1;
    ssize_t w = write(inf->stop_fd, &one, sizeof(one));
    (void)w;
    pthread_join(inf->thread, NULL);
    uint64_t drainv;
    ssize_t r = read(inf->stop_fd, &drainv, sizeof(drainv));
    (void)r;
    inf->started = false;
    close_watch(inf);
}
