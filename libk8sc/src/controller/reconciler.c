/*
 * The reconciler framework: informer events become "namespace/name" keys
 * in a rate-limited work queue, and workers (threads, or the host's loop
 * through k8sc_controller_process) call the reconcile function per key.
 */
#include <ctype.h>
#include <stddef.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "controller.h"
#include "controller_internal.h"
#include "internal.h"

/* How long a worker waits for the informers to sync before checking for stop again. */
#define SYNC_POLL_MS 100
/* Reconciles one k8sc_controller_process call runs at most, so a host loop stays responsive. */
#define PROCESS_BATCH 256

/* What an informer event is turned into. */
typedef struct source {
    k8sc_controller *ctl;
    enum { SOURCE_PRIMARY, SOURCE_OWNED, SOURCE_MAPPED } type;
    k8sc_controller_map_fn map;
    void *userdata;
    k8sc_informer *inf;
} source;

struct k8sc_controller {
    k8sc_client *client;
    char *name, *api_version, *kind, *group;
    k8sc_reconcile_fn reconcile;
    void *userdata;
    void (*userdata_free)(void *);
    bool (*update_filter)(const k8sc_object *old, const k8sc_object *obj, void *userdata);
    int workers;
    k8sc_clock *clock;
    k8sc_informer_factory *factory;
    bool own_factory;
    k8sc_workqueue *queue;
    k8sc_ratelimiter *own_limiter;
    source **sources;
    size_t nsources;
    /*
     * Other informers the reconcile function reads (k8sc_controller_informer/_cache), waited for
     * as well; once everything has synced (`ready`), as client-go's WaitForCacheSync, never again.
     */
    pthread_mutex_t reads_mu;
    k8sc_informer **reads;
    size_t nreads;
    atomic_bool ready;
    pthread_t *threads;
    int nthreads;
    bool started;
    atomic_bool stopping;
    int ep_fd;
};

/* The size of version `version` of the options; 0 if unknown. */
static size_t options_size(unsigned int version)
{
    switch (version) {
    case 1:
        return offsetof(k8sc_controller_options, update_filter);
    case K8SC_CONTROLLER_OPTIONS_VERSION:
        return sizeof(k8sc_controller_options);
    default:
        return 0;
    }
}

int k8sc_controller_options_init(k8sc_controller_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts && options_size(version) > 0);
    const k8sc_controller_options defaults = K8SC_CONTROLLER_OPTIONS_INIT;
    memcpy(opts, &defaults, options_size(version));
    opts->version = version;
    return 0;
}

/* The API group of an apiVersion: "apps" for "apps/v1", "" for "v1". */
static char *group_of(const char *api_version)
{
    const char *slash = strchr(api_version, '/');
    return slash ? k8sc__strndup(api_version, (size_t)(slash - api_version)) : k8sc__strdup("");
}

static char *default_name(const char *kind)
{
    k8sc__buf b = K8SC__BUF_INIT;
    for (const char *p = kind; *p; p++)
        k8sc__buf_putc(&b, (char)tolower((unsigned char)*p));
    k8sc__buf_puts(&b, "-controller");
    return k8sc__buf_status(&b) < 0 ? (k8sc__buf_free(&b), NULL) : k8sc__buf_detach(&b, NULL);
}

static int enqueue_key_of(k8sc_controller *ctl, const k8sc_object *obj)
{
    return k8sc_controller_enqueue(ctl, k8sc_object_namespace(obj), k8sc_object_name(obj));
}

/* Enqueue the controlling owner of `obj` if it is of the primary kind and group. */
static void enqueue_owner(k8sc_controller *ctl, const k8sc_object *obj)
{
    k8sc_owner_ref ref;
    if (k8sc_object_controller_ref(&ref, obj) < 0 || !ref.kind || !ref.api_version || !ref.name)
        return;
    char *group = group_of(ref.api_version);
    if (group && strcmp(group, ctl->group) == 0 && strcmp(ref.kind, ctl->kind) == 0)
        k8sc_controller_enqueue(ctl, k8sc_object_namespace(obj), ref.name);
    free(group);
}

static void dispatch(source *src, const k8sc_object *obj)
{
    switch (src->type) {
    case SOURCE_PRIMARY:
        enqueue_key_of(src->ctl, obj);
        break;
    case SOURCE_OWNED:
        enqueue_owner(src->ctl, obj);
        break;
    case SOURCE_MAPPED:
        src->map(src->ctl, obj, src->userdata);
        break;
    }
}

static void on_add(const k8sc_object *obj, void *userdata)
{
    dispatch(userdata, obj);
}

static void on_update(const k8sc_object *old, const k8sc_object *obj, void *userdata)
{
    source *src = userdata;
    k8sc_controller *ctl = src->ctl;
    if (src->type == SOURCE_PRIMARY && ctl->update_filter && !ctl->update_filter(old, obj, ctl->userdata))
        return;
    /* An owner change (adoption, release) concerns both the old and the new owner. */
    if (src->type != SOURCE_PRIMARY && old != obj)
        dispatch(src, old);
    dispatch(src, obj);
}

static void on_delete(const k8sc_object *obj, void *userdata)
{
    dispatch(userdata, obj);
}

static k8sc_informer_handler handler_of(source *src)
{
    k8sc_informer_handler h = K8SC_INFORMER_HANDLER_INIT;
    h.on_add = on_add;
    h.on_update = on_update;
    h.on_delete = on_delete;
    h.userdata = src;
    return h;
}

static int add_source(k8sc_controller *ctl, const char *api_version, const char *kind, int type,
    k8sc_controller_map_fn map, void *userdata)
{
    K8SC__CHECK_ARG(!ctl->started);
    source **ss = k8sc__realloc(ctl->sources, (ctl->nsources + 1) * sizeof(*ss));
    if (!ss)
        return K8SC_ENOMEM;
    ctl->sources = ss;
    source *src = k8sc__calloc(1, sizeof(*src));
    if (!src)
        return K8SC_ENOMEM;
    *src = (source){ ctl, type, map, userdata, NULL };
    int rc = k8sc_informer_factory_get(&src->inf, ctl->factory, api_version, kind);
    k8sc_informer_handler h = handler_of(src);
    if (rc == 0)
        rc = k8sc_informer_add_handler(src->inf, &h);
    if (rc < 0) {
        free(src);
        return rc;
    }
    ss[ctl->nsources++] = src;
    return 0;
}

int k8sc_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_controller_options *opts)
{
    K8SC__CHECK_ARG(out && client && opts && options_size(opts->version) > 0);
    K8SC__CHECK_ARG(opts->api_version && opts->kind && opts->reconcile && opts->workers >= 0);
    *out = NULL;
    k8sc_controller *ctl = k8sc__calloc(1, sizeof(*ctl));
    if (!ctl)
        return K8SC_ENOMEM;
    ctl->client = client;
    ctl->reconcile = opts->reconcile;
    ctl->userdata = opts->userdata;
    ctl->update_filter = opts->version >= 2 ? opts->update_filter : NULL;
    ctl->workers = opts->workers ? opts->workers : 1;
    ctl->clock = opts->clock ? opts->clock : k8sc_clock_system();
    ctl->ep_fd = epoll_create1(EPOLL_CLOEXEC);
    atomic_init(&ctl->stopping, false);
    atomic_init(&ctl->ready, false);
    pthread_mutex_init(&ctl->reads_mu, NULL);
    ctl->api_version = k8sc__strdup(opts->api_version);
    ctl->kind = k8sc__strdup(opts->kind);
    ctl->group = group_of(opts->api_version);
    ctl->name = opts->name ? k8sc__strdup(opts->name) : default_name(opts->kind);
    int rc = 0;
    if (!ctl->api_version || !ctl->kind || !ctl->group || !ctl->name)
        rc = K8SC_ENOMEM;
    else if (ctl->ep_fd < 0)
        rc = k8sc_error_set(K8SC_EIO, "%s: cannot create an epoll fd", ctl->name);
    k8sc_ratelimiter *rl = opts->rate_limiter;
    if (rc == 0 && !rl && (rc = k8sc_ratelimiter_default_new(&ctl->own_limiter, ctl->clock)) == 0)
        rl = ctl->own_limiter;
    if (rc == 0) {
        k8sc_workqueue_options qo = K8SC_WORKQUEUE_OPTIONS_INIT;
        qo.name = ctl->name;
        qo.clock = ctl->clock;
        qo.rate_limiter = rl;
        rc = k8sc_workqueue_new(&ctl->queue, &qo);
    }
    if (rc == 0 && opts->factory) {
        ctl->factory = opts->factory;
    } else if (rc == 0) {
        k8sc_informer_options io = K8SC_INFORMER_OPTIONS_INIT;
        io.namespace_ = opts->namespace_;
        io.resync_ns = opts->resync_ns;
        io.clock = opts->clock;
        ctl->own_factory = true;
        rc = k8sc_informer_factory_new(&ctl->factory, client, &io);
    }
    if (rc == 0)
        rc = add_source(ctl, opts->api_version, opts->kind, SOURCE_PRIMARY, NULL, NULL);
    if (rc == 0) {
        struct epoll_event ev = { .events = EPOLLIN };
        epoll_ctl(ctl->ep_fd, EPOLL_CTL_ADD, k8sc_workqueue_fd(ctl->queue), &ev);
        if (ctl->own_factory)
            epoll_ctl(ctl->ep_fd, EPOLL_CTL_ADD, k8sc_informer_factory_fd(ctl->factory), &ev);
    }
    if (rc < 0) {
        k8sc_controller_free(ctl);
        return rc == K8SC_ENOMEM ? k8sc__error_nomem() : rc;
    }
    /* Only now: on failure the caller still owns its userdata. */
    ctl->userdata_free = opts->userdata_free;
    *out = ctl;
    return 0;
}

void k8sc_controller_free(k8sc_controller *ctl)
{
    if (!ctl)
        return;
    k8sc_controller_stop(ctl);
    for (size_t i = 0; i < ctl->nsources; i++) {
        k8sc_informer_handler h = handler_of(ctl->sources[i]);
        k8sc_informer_remove_handler(ctl->sources[i]->inf, &h);
        free(ctl->sources[i]);
    }
    /* The user's state may hold handlers on the factory's informers: it goes while they still exist. */
    if (ctl->userdata_free)
        ctl->userdata_free(ctl->userdata);
    if (ctl->own_factory)
        k8sc_informer_factory_free(ctl->factory);
    free(ctl->sources);
    free(ctl->reads);
    pthread_mutex_destroy(&ctl->reads_mu);
    k8sc_workqueue_free(ctl->queue);
    k8sc_ratelimiter_free(ctl->own_limiter);
    if (ctl->ep_fd >= 0)
        close(ctl->ep_fd);
    free(ctl->threads);
    free(ctl->name);
    free(ctl->api_version);
    free(ctl->kind);
    free(ctl->group);
    free(ctl);
}

int k8sc_controller_owns(k8sc_controller *ctl, const char *api_version, const char *kind)
{
    K8SC__CHECK_ARG(ctl && api_version && kind);
    return add_source(ctl, api_version, kind, SOURCE_OWNED, NULL, NULL);
}

int k8sc_controller_watches(k8sc_controller *ctl, const char *api_version, const char *kind,
    k8sc_controller_map_fn map, void *userdata)
{
    K8SC__CHECK_ARG(ctl && api_version && kind && map);
    return add_source(ctl, api_version, kind, SOURCE_MAPPED, map, userdata);
}

int k8sc_controller_enqueue_after(k8sc_controller *ctl, const char *namespace_, const char *name, int64_t delay_ns)
{
    K8SC__CHECK_ARG(ctl && name && *name);
    char *key = NULL;
    int rc = k8sc__object_key_of(&key, namespace_, name);
    if (rc == 0)
        rc = k8sc_workqueue_add_after(ctl->queue, key, delay_ns);
    free(key);
    return rc;
}

int k8sc_controller_enqueue(k8sc_controller *ctl, const char *namespace_, const char *name)
{
    return k8sc_controller_enqueue_after(ctl, namespace_, name, 0);
}

k8sc_informer *k8sc_controller_informer(k8sc_controller *ctl, const char *api_version, const char *kind)
{
    if (!ctl || !api_version || !kind) {
        k8sc_error_set(K8SC_EINVAL, "k8sc_controller_informer: invalid argument");
        return NULL;
    }
    k8sc_informer *inf;
    if (k8sc_informer_factory_get(&inf, ctl->factory, api_version, kind) < 0)
        return NULL;
    if (atomic_load(&ctl->ready))
        return inf;
    pthread_mutex_lock(&ctl->reads_mu);
    size_t i = 0;
    while (i < ctl->nreads && ctl->reads[i] != inf)
        i++;
    k8sc_informer **rs = i < ctl->nreads ? NULL : k8sc__realloc(ctl->reads, (ctl->nreads + 1) * sizeof(*rs));
    if (rs) {
        rs[ctl->nreads++] = inf;
        ctl->reads = rs;
    }
    pthread_mutex_unlock(&ctl->reads_mu);
    return inf;
}

k8sc_cache *k8sc_controller_cache(k8sc_controller *ctl, const char *api_version, const char *kind)
{
    return k8sc_informer_cache(k8sc_controller_informer(ctl, api_version, kind));
}

k8sc_client *k8sc_controller_client(k8sc_controller *ctl)
{
    return ctl ? ctl->client : NULL;
}

k8sc_clock *k8sc_controller_clock(k8sc_controller *ctl)
{
    return ctl ? ctl->clock : NULL;
}

const char *k8sc_controller_name(const k8sc_controller *ctl)
{
    return ctl ? ctl->name : NULL;
}

k8sc_workqueue *k8sc_controller_queue(k8sc_controller *ctl)
{
    return ctl ? ctl->queue : NULL;
}

/* The first informer of the controller that has not synced yet, or NULL (and from then on, always NULL). */
static k8sc_informer *unsynced(k8sc_controller *ctl)
{
    if (atomic_load(&ctl->ready))
        return NULL;
    for (size_t i = 0; i < ctl->nsources; i++)
        if (!k8sc_informer_has_synced(ctl->sources[i]->inf))
            return ctl->sources[i]->inf;
    k8sc_informer *inf = NULL;
    pthread_mutex_lock(&ctl->reads_mu);
    for (size_t i = 0; i < ctl->nreads && !inf; i++)
        if (!k8sc_informer_has_synced(ctl->reads[i]))
            inf = ctl->reads[i];
    if (!inf)
        atomic_store(&ctl->ready, true);
    pthread_mutex_unlock(&ctl->reads_mu);
    return inf;
}

static bool synced(k8sc_controller *ctl)
{
    return unsynced(ctl) == NULL;
}

/* Reconcile one key the caller got from the queue, then mark it done. */
static void reconcile_key(k8sc_controller *ctl, char *key)
{
    char *slash = strchr(key, '/');
    const char *ns = "", *name = key;
    if (slash) {
        *slash = '\0';
        ns = key;
        name = slash + 1;
    }
    k8sc_reconcile_result res = { K8SC_RECONCILE_DONE, 0 };
    int rc = ctl->reconcile(&res, ctl, ns, name, ctl->userdata);
    if (slash)
        *slash = '/';
    if (rc < 0) {
        /* A conflict is routine (someone else wrote first): retried like any failure, logged quietly. */
        k8sc_log(rc == K8SC_ECONFLICT ? K8SC_LOG_INFO : K8SC_LOG_ERROR, "%s: reconciling %s failed (retry %u): %s",
            ctl->name, key, k8sc_workqueue_num_requeues(ctl->queue, key) + 1, k8sc_error_last());
        k8sc_workqueue_add_rate_limited(ctl->queue, key);
    } else if (res.action == K8SC_RECONCILE_REQUEUE) {
        k8sc_workqueue_add_rate_limited(ctl->queue, key);
    } else {
        k8sc_workqueue_forget(ctl->queue, key);
        if (res.action == K8SC_RECONCILE_REQUEUE_AFTER)
            k8sc_workqueue_add_after(ctl->queue, key, res.requeue_after_ns);
    }
    k8sc_workqueue_done(ctl->queue, key);
    free(key);
}

static void *worker(void *arg)
{
    k8sc_controller *ctl = arg;
    for (k8sc_informer *inf; (inf = unsynced(ctl));) {
        if (atomic_load(&ctl->stopping))
            return NULL;
        k8sc_informer_wait_synced(inf, SYNC_POLL_MS);
    }
    char *key;
    while (k8sc_workqueue_get(ctl->queue, &key) == 0)
        reconcile_key(ctl, key);
    return NULL;
}

int k8sc_controller_start(k8sc_controller *ctl)
{
    K8SC__CHECK_ARG(ctl && !ctl->started && !k8sc_workqueue_shutting_down(ctl->queue));
    int rc = ctl->own_factory ? k8sc_informer_factory_start(ctl->factory) : 0;
    if (rc < 0)
        return rc;
    ctl->threads = k8sc__calloc((size_t)ctl->workers, sizeof(*ctl->threads));
    if (!ctl->threads)
        return K8SC_ENOMEM;
    ctl->started = true;
    for (ctl->nthreads = 0; ctl->nthreads < ctl->workers; ctl->nthreads++) {
        if (pthread_create(&ctl->threads[ctl->nthreads], NULL, worker, ctl) != 0) {
            k8sc_controller_stop(ctl);
            return k8sc_error_set(K8SC_EIO, "%s: cannot start a worker thread", ctl->name);
        }
    }
    return 0;
}

void k8sc_controller_stop(k8sc_controller *ctl)
{
    if (!ctl || !ctl->started)
        return;
    atomic_store(&ctl->stopping, true);
    k8sc_workqueue_shutdown(ctl->queue);
    for (int i = 0; i < ctl->nthreads; i++)
        pthread_join(ctl->threads[i], NULL);
    ctl->nthreads = 0;
    if (ctl->own_factory)
        k8sc_informer_factory_stop(ctl->factory);
    ctl->started = false;
}

int k8sc_controller_fd(k8sc_controller *ctl)
{
    return ctl ? ctl->ep_fd : -1;
}

int k8sc_controller_next_timeout_ms(k8sc_controller *ctl)
{
    if (!ctl)
        return -1;
    int q = k8sc_workqueue_next_timeout_ms(ctl->queue);
    if (!synced(ctl) && q == 0)
        q = -1; /* keys wait for the informers; their timeout or fd says when */
    int f = ctl->own_factory ? k8sc_informer_factory_next_timeout_ms(ctl->factory) : -1;
    if (q < 0)
        return f;
    return f < 0 || q < f ? q : f;
}

int k8sc_controller_process(k8sc_controller *ctl)
{
    K8SC__CHECK_ARG(ctl && !ctl->started);
    if (ctl->own_factory)
        k8sc_informer_factory_process(ctl->factory);
    if (!synced(ctl))
        return 0;
    k8sc_workqueue_process(ctl->queue);
    int n = 0;
    char *key;
    while (n < PROCESS_BATCH && k8sc_workqueue_try_get(ctl->queue, &key) == 0) {
        reconcile_key(ctl, key);
        n++;
    }
    return n;
}

/* Send `copy` (which differs from `obj` by one finalizer) as an update. */
static int finalizer_update(k8sc_object **out, k8sc_client *client, k8sc_object *copy)
{
    k8sc_object *res = NULL;
    int rc = k8sc_client_update(&res, client, copy);
    k8sc_object_free(copy);
    if (out)
        *out = res;
    else
        k8sc_object_free(res);
    return rc;
}

static int finalizer_change(k8sc_object **out, k8sc_client *client, const k8sc_object *obj,
    const char *finalizer, bool add)
{
    if (out)
        *out = NULL;
    K8SC__CHECK_ARG(client && obj && finalizer && *finalizer);
    if (k8sc_object_has_finalizer(obj, finalizer) == add) {
        if (out)
            *out = k8sc_object_ref((k8sc_object *)obj);
        return 0;
    }
    k8sc_object *copy;
    int rc = k8sc_object_dup(&copy, obj);
    if (rc < 0)
        return rc;
    rc = add ? k8sc_object_add_finalizer(copy, finalizer) : k8sc_object_remove_finalizer(copy, finalizer);
    if (rc < 0) {
        k8sc_object_free(copy);
        return rc;
    }
    return finalizer_update(out, client, copy);
}

int k8sc_finalizer_add(k8sc_object **out, k8sc_client *client, const k8sc_object *obj, const char *finalizer)
{
    return finalizer_change(out, client, obj, finalizer, true);
}

int k8sc_finalizer_remove(k8sc_object **out, k8sc_client *client, const k8sc_object *obj, const char *finalizer)
{
    return finalizer_change(out, client, obj, finalizer, false);
}
