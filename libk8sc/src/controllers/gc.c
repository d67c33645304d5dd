/*
 * The garbage collector (Kubernetes' pkg/controller/garbagecollector) on
 * the reconciler framework: informers for every deletable resource feed
 * the dependency graph, whose changes queue uids for attemptToDelete or
 * attemptToOrphan; discovery runs again every 30 s so that new custom
 * resources are watched. The framework's primary kind is Namespace (a
 * resource the collector watches anyway); its own keys carry no work.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gc.h"
#include "workload.h"

/* The key that runs discovery, and how often it runs again (GC's resync period). */
#define DISCOVERY_NS "discovery"
#define DISCOVERY_NAME "resources"
#define DISCOVERY_PERIOD_NS (30 * 1000000000LL)
/* How long work waits for newly watched resources to be listed. */
#define SYNC_WAIT_NS 1000000000LL

typedef struct gc_state {
    k8sc__gc_ctx ctx;
    pthread_mutex_t mu; /* guards watched */
    k8sc_informer **watched;
    size_t nwatched;
} gc_state;

static void graph_enqueue(const char *queue, const char *uid, void *userdata)
{
    gc_state *st = userdata;
    if (k8sc_controller_enqueue(st->ctx.ctl, queue, uid) < 0)
        k8sc_log(K8SC_LOG_ERROR, "garbage-collector: cannot queue %s: %s", uid, k8sc_error_last());
}

static void observe(gc_state *st, const k8sc_object *obj)
{
    if (k8sc__gc_graph_observe(st->ctx.graph, obj) < 0)
        k8sc_log(K8SC_LOG_ERROR, "garbage-collector: graph update for %s %s failed: %s", k8sc_object_kind(obj),
            k8sc_object_name(obj), k8sc_error_last());
}

static void on_add(const k8sc_object *obj, void *userdata)
{
    observe(userdata, obj);
}

static void on_update(const k8sc_object *old, const k8sc_object *obj, void *userdata)
{
    (void)old;
    observe(userdata, obj);
}

static void on_delete(const k8sc_object *obj, void *userdata)
{
    gc_state *st = userdata;
    k8sc__gc_graph_remove(st->ctx.graph, k8sc_object_uid(obj));
}

static k8sc_informer_handler handler_of(gc_state *st)
{
    k8sc_informer_handler h = K8SC_INFORMER_HANDLER_INIT;
    h.on_add = on_add;
    h.on_update = on_update;
    h.on_delete = on_delete;
    h.userdata = st;
    return h;
}

static bool watching(gc_state *st, const k8sc_informer *inf)
{
    pthread_mutex_lock(&st->mu);
    bool found = false;
    for (size_t i = 0; i < st->nwatched && !found; i++)
        found = st->watched[i] == inf;
    pthread_mutex_unlock(&st->mu);
    return found;
}

/* Feed the graph from the shared informer of one resource (once). */
static int watch(gc_state *st, const k8sc__gc_resource *r)
{
    k8sc_informer *inf = k8sc_controller_informer(st->ctx.ctl, r->api_version, r->kind);
    if (!inf)
        return k8sc_error_last_code();
    if (watching(st, inf))
        return 0;
    pthread_mutex_lock(&st->mu);
    k8sc_informer **w = k8sc__realloc(st->watched, (st->nwatched + 1) * sizeof(*w));
    if (w)
        st->watched = w;
    pthread_mutex_unlock(&st->mu);
    if (!w)
        return K8SC_ENOMEM;
    /* Not under the lock: the cached objects are delivered to the handler at once. */
    k8sc_informer_handler h = handler_of(st);
    int rc = k8sc_informer_add_handler(inf, &h);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&st->mu);
    st->watched[st->nwatched++] = inf;
    pthread_mutex_unlock(&st->mu);
    return 0;
}

static int discover(gc_state *st)
{
    k8sc__gc_resource *res;
    size_t n;
    int rc = k8sc__gc_discover(&res, &n, st->ctx.client);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n && rc != K8SC_ENOMEM; i++) {
        rc = watch(st, &res[i]);
        /* A resource that cannot be watched now is tried again at the next discovery. */
        if (rc < 0 && rc != K8SC_ENOMEM)
            k8sc_log(K8SC_LOG_WARN, "garbage-collector: cannot watch %s %s: %s", res[i].api_version, res[i].kind,
                k8sc_error_last());
    }
    k8sc__gc_resources_free(res, n);
    return rc == K8SC_ENOMEM ? rc : 0;
}

static bool all_synced(gc_state *st)
{
    pthread_mutex_lock(&st->mu);
    bool synced = true;
    for (size_t i = 0; i < st->nwatched && synced; i++)
        synced = k8sc_informer_has_synced(st->watched[i]);
    pthread_mutex_unlock(&st->mu);
    return synced;
}

static int sync(k8sc_reconcile_result *res, k8sc_controller *ctl, const char *ns, const char *name, void *ud)
{
    gc_state *st = ud;
    (void)ctl;
    if (strcmp(ns, DISCOVERY_NS) == 0) {
        int rc = discover(st);
        if (rc == 0) {
            res->action = K8SC_RECONCILE_REQUEUE_AFTER;
            res->requeue_after_ns = DISCOVERY_PERIOD_NS;
        }
        return rc;
    }
    bool to_delete = strcmp(ns, K8SC__GC_DELETE) == 0, to_orphan = strcmp(ns, K8SC__GC_ORPHAN) == 0;
    if (!to_delete && !to_orphan)
        return 0;
    /* As Kubernetes waits for its monitors: a missing dependent must mean a deleted one, not an unlisted one. */
    if (!all_synced(st)) {
        res->action = K8SC_RECONCILE_REQUEUE_AFTER;
        res->requeue_after_ns = SYNC_WAIT_NS;
        return 0;
    }
    if (to_orphan)
        return k8sc__gc_attempt_to_orphan(&st->ctx, name);
    bool requeue = false;
    int rc = k8sc__gc_attempt_to_delete(&st->ctx, name, &requeue);
    if (rc == 0 && requeue)
        res->action = K8SC_RECONCILE_REQUEUE;
    return rc;
}

static void state_free(void *ud)
{
    gc_state *st = ud;
    k8sc_informer_handler h = handler_of(st);
    for (size_t i = 0; i < st->nwatched; i++)
        k8sc_informer_remove_handler(st->watched[i], &h);
    free(st->watched);
    k8sc__gc_graph_free(st->ctx.graph);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

int k8sc_garbage_collector_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts)
{
    K8SC__CHECK_ARG(out);
    gc_state *st = k8sc__calloc(1, sizeof(*st));
    if (!st)
        return K8SC_ENOMEM;
    pthread_mutex_init(&st->mu, NULL);
    st->ctx.client = client;
    st->ctx.rec = opts ? opts->recorder : NULL;
    int rc = k8sc__gc_graph_new(&st->ctx.graph, graph_enqueue, st);
    if (rc < 0) {
        state_free(st);
        return rc;
    }
    /* The framework wants a primary kind: Namespace, whose keys only carry the collector's own work items. */
    static const k8sc__builtin_spec spec = { "garbage-collector-controller", "v1", "Namespace", sync, state_free, NULL };
    if ((rc = k8sc__builtin_new(&st->ctx.ctl, client, opts, &spec, st)) < 0)
        return rc;
    if ((rc = k8sc_controller_enqueue(st->ctx.ctl, DISCOVERY_NS, DISCOVERY_NAME)) < 0) {
        k8sc_controller_free(st->ctx.ctl);
        return rc;
    }
    *out = st->ctx.ctl;
    return 0;
}
