/*
 * The scheduler: informers keep the node cache current and feed the
 * scheduling queue; cluster events that may make pods fit move the
 * unschedulable ones back; a worker thread (or the host's loop) pops pods
 * in priority order and runs their scheduling cycles (cycle.c).
 */
#include <json-c/json.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "framework.h"

/* How long the worker waits for the informers to sync before checking for stop again. */
#define SYNC_POLL_MS 100
/* Pods one k8sc_scheduler_process call schedules at most, so a host loop stays responsive. */
#define PROCESS_BATCH 256

/* How many bytes of k8sc_scheduler_options a caller of `version` has. */
static size_t options_size(unsigned int version)
{
    if (version == 1)
        return offsetof(k8sc_scheduler_options, config_file);
    return version == K8SC_SCHEDULER_OPTIONS_VERSION ? sizeof(k8sc_scheduler_options) : 0;
}

int k8sc_scheduler_options_init(k8sc_scheduler_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts && options_size(version) > 0);
    const k8sc_scheduler_options defaults = K8SC_SCHEDULER_OPTIONS_INIT;
    memcpy(opts, &defaults, options_size(version));
    opts->version = version;
    return 0;
}

static int index_node_name(k8sc_index_values *values, const k8sc_object *pod, void *ud)
{
    (void)ud;
    const char *node = k8sc_object_get_string(pod, "spec.nodeName");
    return k8sc_index_values_add(values, node ? node : "");
}

/* The node a pending pod is nominated to, or NULL. */
static const char *nominated_node(const k8sc_object *pod)
{
    const char *node = k8sc_object_get_string(pod, "spec.nodeName");
    const char *nom = k8sc_object_get_string(pod, "status.nominatedNodeName");
    return (!node || !*node) && nom && *nom ? nom : NULL;
}

static int index_nominated(k8sc_index_values *values, const k8sc_object *pod, void *ud)
{
    (void)ud;
    const char *nom = nominated_node(pod);
    return nom ? k8sc_index_values_add(values, nom) : 0;
}

static bool bound(const k8sc_object *pod)
{
    const char *node = k8sc_object_get_string(pod, "spec.nodeName");
    return node && *node;
}

/* Queue a pod this scheduler is to place, or take it out of the queue. */
static void enqueue(k8sc_scheduler *s, const k8sc_object *pod, bool changed)
{
    char *key = NULL;
    if (k8sc__object_key_of(&key, k8sc_object_namespace(pod), k8sc_object_name(pod)) < 0)
        return;
    if (k8sc__sched_wants(s, pod)) {
        if (k8sc__sched_queue_add(s->queue, key, k8sc__sched_pod_priority(pod), changed) < 0)
            k8sc_log(K8SC_LOG_WARN, "%s: queueing %s: %s", s->config.profiles[0].name, key, k8sc_error_last());
    } else {
        k8sc__sched_queue_delete(s->queue, key);
    }
    k8sc_free(key);
}

/*
 * How an informer event changes the cache: `obj` is the object as it is
 * now (NULL once deleted), `old` as it was (NULL when new). Called under
 * the cache's lock.
 */
typedef int (*cache_change)(k8sc_scheduler *s, const k8sc_object *old, const k8sc_object *obj);

/* Apply `change` under the cache's lock; a failure is logged, naming the object. */
static void cache_apply(k8sc_scheduler *s, cache_change change, const k8sc_object *old, const k8sc_object *obj)
{
    k8sc__sched_cache_lock(s->cache);
    int rc = change(s, old, obj);
    k8sc__sched_cache_unlock(s->cache);
    if (rc < 0) {
        const k8sc_object *o = obj ? obj : old;
        const char *ns = k8sc_object_namespace(o);
        k8sc_log(K8SC_LOG_WARN, "%s: %s %s%s%s: %s", s->config.profiles[0].name, k8sc_object_kind(o),
            ns ? ns : "", ns ? "/" : "", k8sc_object_name(o), k8sc_error_last());
    }
}

static int set_node(k8sc_scheduler *s, const k8sc_object *old, const k8sc_object *node)
{
    (void)old;
    return k8sc__sched_cache_set_node(s->cache, node);
}

static int remove_node(k8sc_scheduler *s, const k8sc_object *old, const k8sc_object *node)
{
    (void)node;
    k8sc__sched_cache_remove_node(s->cache, k8sc_object_name(old));
    return 0;
}

/* Cache a pod (NULL: only count `old` out) and keep the count of nominated pods. */
static int set_pod(k8sc_scheduler *s, const k8sc_object *old, const k8sc_object *pod)
{
    int rc = pod ? k8sc__sched_cache_set_pod(s->cache, pod) : 0;
    if (!pod)
        k8sc__sched_cache_remove_pod(s->cache, old);
    if (pod && nominated_node(pod))
        s->nominated++;
    if (old && nominated_node(old))
        s->nominated--;
    return rc;
}

/* Namespaces' labels, for inter-pod affinity terms with a namespaceSelector. */
static int set_namespace(k8sc_scheduler *s, const k8sc_object *old, const k8sc_object *ns)
{
    (void)old;
    return k8sc__sched_cache_set_namespace(s->cache, ns);
}

static int remove_namespace(k8sc_scheduler *s, const k8sc_object *old, const k8sc_object *ns)
{
    (void)ns;
    k8sc__sched_cache_remove_namespace(s->cache, k8sc_object_name(old));
    return 0;
}

static void node_added(const k8sc_object *node, void *ud)
{
    k8sc_scheduler *s = ud;
    cache_apply(s, set_node, NULL, node);
    k8sc__sched_queue_move_all(s->queue);
}

static void node_deleted(const k8sc_object *node, void *ud)
{
    cache_apply(ud, remove_node, node, NULL);
}

static void namespace_added(const k8sc_object *ns, void *ud)
{
    cache_apply(ud, set_namespace, NULL, ns);
}

static void namespace_updated(const k8sc_object *old, const k8sc_object *ns, void *ud)
{
    cache_apply(ud, set_namespace, old, ns);
}

static void namespace_deleted(const k8sc_object *ns, void *ud)
{
    cache_apply(ud, remove_namespace, ns, NULL);
}

/* Whether `a` and `b` differ at any of `paths`. */
static bool differ(const k8sc_object *a, const k8sc_object *b, const char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!json_object_equal(k8sc_object_get(a, paths[i]), k8sc_object_get(b, paths[i])))
            return true;
    return false;
}

/* Only what a filter reads can turn a node feasible (kube-scheduler's queueing hints); heartbeats do not. */
static void node_updated(const k8sc_object *old, const k8sc_object *node, void *ud)
{
    static const char *const paths[] = { "status.allocatable", "metadata.labels", "spec.taints", "spec.unschedulable" };
    k8sc_scheduler *s = ud;
    if (old == node)
        return;
    cache_apply(s, set_node, old, node);
    if (differ(old, node, paths, K8SC__ARRAY_LEN(paths)))
        k8sc__sched_queue_move_all(s->queue);
}

static void pod_added(const k8sc_object *pod, void *ud)
{
    k8sc_scheduler *s = ud;
    cache_apply(s, set_pod, NULL, pod);
    if (bound(pod))
        k8sc__sched_queue_move_all(s->queue);
    else
        enqueue(s, pod, false);
}

/*
 * A pending pod whose spec or metadata changed may fit now; one whose
 * status alone changed (our own Unschedulable condition) stays where it is.
 * A bound pod that ends or changes labels may make room or satisfy affinity.
 */
static void pod_updated(const k8sc_object *old, const k8sc_object *pod, void *ud)
{
    static const char *const spec_paths[] = { "spec", "metadata.labels", "metadata.annotations" };
    static const char *const assigned_paths[] = { "metadata.labels", "spec.containers" };
    k8sc_scheduler *s = ud;
    if (old == pod)
        return;
    cache_apply(s, set_pod, old, pod);
    if (!bound(pod)) {
        enqueue(s, pod, differ(old, pod, spec_paths, K8SC__ARRAY_LEN(spec_paths)));
        return;
    }
    if (!bound(old))
        enqueue(s, pod, false);
    else if ((k8sc__sched_pod_terminated(pod) && !k8sc__sched_pod_terminated(old)) ||
        differ(old, pod, assigned_paths, K8SC__ARRAY_LEN(assigned_paths)))
        k8sc__sched_queue_move_all(s->queue);
}

static void pod_deleted(const k8sc_object *pod, void *ud)
{
    k8sc_scheduler *s = ud;
    cache_apply(s, set_pod, pod, NULL);
    char *key = NULL;
    if (k8sc__object_key_of(&key, k8sc_object_namespace(pod), k8sc_object_name(pod)) == 0)
        k8sc__sched_queue_delete(s->queue, key);
    k8sc_free(key);
    if (bound(pod))
        k8sc__sched_queue_move_all(s->queue);
}

static int add_index(k8sc_cache *c, const char *name, k8sc_index_fn fn)
{
    int rc = k8sc_cache_add_index(c, name, fn, NULL);
    /* Another scheduler on the same factory added the same index already. */
    return rc == K8SC_EEXISTS ? 0 : rc;
}

static int informer(k8sc_informer **inf, k8sc_cache **cache, k8sc_scheduler *s, const char *av, const char *kind)
{
    int rc = k8sc_informer_factory_get(inf, s->factory, av, kind);
    if (rc == 0 && !(*cache = k8sc_informer_cache(*inf)))
        rc = K8SC_ERROR;
    return rc;
}

static int wire(k8sc_scheduler *s)
{
    int rc = informer(&s->pod_informer, &s->pods, s, "v1", "Pod");
    if (rc == 0)
        rc = informer(&s->node_informer, &s->nodes, s, "v1", "Node");
    if (rc == 0)
        rc = informer(&s->pdb_informer, &s->pdbs, s, "policy/v1", "PodDisruptionBudget");
    k8sc_cache *namespaces = NULL;
    if (rc == 0)
        rc = informer(&s->ns_informer, &namespaces, s, "v1", "Namespace");
    if (rc == 0)
        rc = add_index(s->pods, K8SC__SCHED_NODE_INDEX, index_node_name);
    if (rc == 0)
        rc = add_index(s->pods, K8SC__SCHED_NOMINATED_INDEX, index_nominated);
    if (rc == 0) {
        s->node_handler = (k8sc_informer_handler)K8SC_INFORMER_HANDLER_INIT;
        s->node_handler.on_add = node_added;
        s->node_handler.on_update = node_updated;
        s->node_handler.on_delete = node_deleted;
        s->node_handler.userdata = s;
        if ((rc = k8sc_informer_add_handler(s->node_informer, &s->node_handler)) < 0)
            s->node_handler.userdata = NULL;
    }
    if (rc == 0) {
        s->ns_handler = (k8sc_informer_handler)K8SC_INFORMER_HANDLER_INIT;
        s->ns_handler.on_add = namespace_added;
        s->ns_handler.on_update = namespace_updated;
        s->ns_handler.on_delete = namespace_deleted;
        s->ns_handler.userdata = s;
        if ((rc = k8sc_informer_add_handler(s->ns_informer, &s->ns_handler)) < 0)
            s->ns_handler.userdata = NULL;
    }
    if (rc == 0) {
        s->pod_handler = (k8sc_informer_handler)K8SC_INFORMER_HANDLER_INIT;
        s->pod_handler.on_add = pod_added;
        s->pod_handler.on_update = pod_updated;
        s->pod_handler.on_delete = pod_deleted;
        s->pod_handler.userdata = s;
        if ((rc = k8sc_informer_add_handler(s->pod_informer, &s->pod_handler)) < 0)
            s->pod_handler.userdata = NULL;
    }
    if (rc == 0) {
        struct epoll_event ev = { .events = EPOLLIN };
        epoll_ctl(s->ep_fd, EPOLL_CTL_ADD, k8sc__sched_queue_fd(s->queue), &ev);
        if (s->own_factory)
            epoll_ctl(s->ep_fd, EPOLL_CTL_ADD, k8sc_informer_factory_fd(s->factory), &ev);
    }
    return rc;
}

/* One default profile named `name`. */
static int default_config(k8sc__sched_config *c, const char *name)
{
    memset(c, 0, sizeof(*c));
    c->percentage = -1;
    if (!(c->profiles = k8sc__calloc(1, sizeof(*c->profiles))) || !(c->profiles[0].name = k8sc__strdup(name))) {
        k8sc_free(c->profiles);
        c->profiles = NULL;
        return K8SC_ENOMEM;
    }
    c->nprofiles = 1;
    k8sc__sched_profile_default(&c->profiles[0].profile);
    k8sc__sched_user_defaults(&c->profiles[0]);
    c->profiles[0].percentage = -1;
    c->profiles[0].preempt = true;
    return 0;
}

static int use_config(k8sc_scheduler *s, const char *path)
{
    const char *names[K8SC__SCHED_MAX_USER_PLUGINS];
    for (size_t i = 0; i < s->user.n; i++)
        names[i] = s->user.items[i].name;
    k8sc__sched_config c;
    int rc = k8sc__sched_config_load(&c, path, names, s->user.n);
    if (rc < 0)
        return rc;
    k8sc__sched_config_clear(&s->config);
    s->config = c;
    if (c.percentage >= 0)
        s->percentage = c.percentage;
    return 0;
}

int k8sc_scheduler_new(k8sc_scheduler **out, k8sc_client *client, const k8sc_scheduler_options *opts)
{
    K8SC__CHECK_ARG(out && client);
    k8sc_scheduler_options o = K8SC_SCHEDULER_OPTIONS_INIT;
    if (opts) {
        if (!options_size(opts->version))
            return k8sc_error_set(K8SC_EINVAL, "k8sc_scheduler_new: unknown options version %u", opts->version);
        memcpy(&o, opts, options_size(opts->version));
    }
    k8sc_scheduler *s = k8sc__calloc(1, sizeof(*s));
    if (!s)
        return K8SC_ENOMEM;
    s->client = client;
    s->rec = o.recorder;
    s->clock = o.clock ? o.clock : k8sc_clock_system();
    s->percentage = o.percentage_of_nodes_to_score;
    s->ep_fd = epoll_create1(EPOLL_CLOEXEC);
    atomic_init(&s->stopping, false);
    pthread_mutex_init(&s->bind_mu, NULL);
    pthread_cond_init(&s->bind_cv, NULL);
    s->jobs_tail = &s->jobs;
    int rc = default_config(&s->config,
        o.scheduler_name && *o.scheduler_name ? o.scheduler_name : K8SC_SCHEDULER_DEFAULT_NAME);
    if (rc == 0 && o.config_file)
        rc = use_config(s, o.config_file);
    if (rc == 0 && s->ep_fd < 0)
        rc = k8sc_error_set(K8SC_EIO, "scheduler: cannot create an epoll fd");
    if (rc == 0)
        rc = k8sc__sched_cache_new(&s->cache);
    if (rc == 0)
        rc = k8sc__sched_queue_new(&s->queue, s->clock);
    if (rc == 0 && o.factory) {
        s->factory = o.factory;
    } else if (rc == 0) {
        k8sc_informer_options io = K8SC_INFORMER_OPTIONS_INIT;
        io.clock = o.clock;
        s->own_factory = true;
        rc = k8sc_informer_factory_new(&s->factory, client, &io);
    }
    if (rc == 0)
        rc = wire(s);
    if (rc < 0) {
        k8sc_scheduler_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void k8sc_scheduler_free(k8sc_scheduler *s)
{
    if (!s)
        return;
    k8sc_scheduler_stop(s);
    if (s->pod_informer && s->pod_handler.userdata)
        k8sc_informer_remove_handler(s->pod_informer, &s->pod_handler);
    if (s->node_informer && s->node_handler.userdata)
        k8sc_informer_remove_handler(s->node_informer, &s->node_handler);
    if (s->ns_informer && s->ns_handler.userdata)
        k8sc_informer_remove_handler(s->ns_informer, &s->ns_handler);
    if (s->own_factory)
        k8sc_informer_factory_free(s->factory);
    k8sc__sched_queue_free(s->queue);
    k8sc__sched_cache_free(s->cache);
    k8sc__sched_config_clear(&s->config);
    k8sc__sched_user_plugins_clear(&s->user);
    if (s->ep_fd >= 0)
        close(s->ep_fd);
    pthread_mutex_destroy(&s->bind_mu);
    pthread_cond_destroy(&s->bind_cv);
    k8sc_free(s);
}

static bool synced(k8sc_scheduler *s)
{
    return k8sc_informer_has_synced(s->pod_informer) && k8sc_informer_has_synced(s->node_informer) &&
        k8sc_informer_has_synced(s->pdb_informer) &&
        k8sc_informer_has_synced(s->ns_informer);
}

static void *worker(void *ud)
{
    k8sc_scheduler *s = ud;
    k8sc_informer *const infs[] = { s->pod_informer, s->node_informer, s->pdb_informer, s->ns_informer };
    while (!synced(s)) {
        if (atomic_load(&s->stopping))
            return NULL;
        for (size_t i = 0; i < K8SC__ARRAY_LEN(infs); i++)
            k8sc_informer_wait_synced(infs[i], SYNC_POLL_MS);
    }
    char *key;
    while (k8sc__sched_queue_pop(s->queue, &key, NULL, true) == 0) {
        k8sc__sched_schedule_one(s, key);
        k8sc_free(key);
    }
    return NULL;
}

int k8sc_scheduler_start(k8sc_scheduler *s)
{
    K8SC__CHECK_ARG(s && !s->started && !s->stopped);
    int rc = s->own_factory ? k8sc_informer_factory_start(s->factory) : 0;
    if (rc == 0)
        rc = k8sc__sched_binders_start(s);
    if (rc == 0 && pthread_create(&s->worker, NULL, worker, s) != 0)
        rc = k8sc_error_set(K8SC_EIO, "scheduler: cannot start the scheduling thread");
    if (rc < 0) {
        k8sc__sched_binders_stop(s);
        if (s->own_factory)
            k8sc_informer_factory_stop(s->factory);
        return rc;
    }
    s->started = true;
    return 0;
}

void k8sc_scheduler_stop(k8sc_scheduler *s)
{
    if (!s || !s->started)
        return;
    atomic_store(&s->stopping, true);
    k8sc__sched_queue_shutdown(s->queue);
    pthread_join(s->worker, NULL);
    k8sc__sched_binders_stop(s);
    if (s->own_factory)
        k8sc_informer_factory_stop(s->factory);
    s->started = false;
    s->stopped = true;
}

int k8sc_scheduler_fd(k8sc_scheduler *s)
{
    return s ? s->ep_fd : -1;
}

int k8sc_scheduler_next_timeout_ms(k8sc_scheduler *s)
{
    if (!s)
        return -1;
    int ms = k8sc__sched_queue_next_timeout_ms(s->queue);
    if (s->own_factory) {
        int f = k8sc_informer_factory_next_timeout_ms(s->factory);
        if (f >= 0 && (ms < 0 || f < ms))
            ms = f;
    }
    return ms;
}

int k8sc_scheduler_process(k8sc_scheduler *s)
{
    K8SC__CHECK_ARG(s && !s->started);
    if (s->own_factory) {
        int rc = k8sc_informer_factory_process(s->factory);
        if (rc < 0)
            return rc;
    }
    k8sc__sched_queue_flush(s->queue);
    if (!synced(s))
        return 0;
    int n = 0;
    char *key;
    while (n < PROCESS_BATCH && k8sc__sched_queue_pop(s->queue, &key, NULL, false) == 0) {
        k8sc__sched_schedule_one(s, key);
        k8sc_free(key);
        n++;
    }
    return n;
}

void k8sc_scheduler_get_stats(k8sc_scheduler *s, k8sc_scheduler_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!s)
        return;
    k8sc__sched_cache_lock(s->cache);
    *out = s->stats;
    k8sc__sched_cache_unlock(s->cache);
}

k8sc_informer *k8sc_scheduler_informer(k8sc_scheduler *s, const char *api_version, const char *kind)
{
    if (!s || !api_version || !kind) {
        k8sc_error_set(K8SC_EINVAL, "k8sc_scheduler_informer: invalid argument");
        return NULL;
    }
    k8sc_informer *inf = NULL;
    return k8sc_informer_factory_get(&inf, s->factory, api_version, kind) == 0 ? inf : NULL;
}

int k8sc_scheduler_load_config(k8sc_scheduler *s, const char *path)
{
    K8SC__CHECK_ARG(s && path && !s->started && !s->stopped);
    return use_config(s, path);
}

static int add_plugin(k8sc_scheduler *s, const char *name, k8sc_scheduler_filter_fn filter,
    k8sc_scheduler_score_fn score, int weight, void *userdata)
{
    K8SC__CHECK_ARG(s && name && *name && (filter || score) && !s->started && !s->stopped);
    int rc = k8sc__sched_user_plugins_add(&s->user, name, filter, score, weight, userdata);
    /* The new plugin runs in every profile until a configuration says otherwise. */
    for (size_t i = 0; rc == 0 && i < s->config.nprofiles; i++) {
        s->config.profiles[i].user_filter[s->user.n - 1] = true;
        s->config.profiles[i].user_weight[s->user.n - 1] = -1;
    }
    return rc;
}

int k8sc_scheduler_add_filter(k8sc_scheduler *s, const char *name, k8sc_scheduler_filter_fn fn, void *userdata)
{
    K8SC__CHECK_ARG(fn);
    return add_plugin(s, name, fn, NULL, 0, userdata);
}

int k8sc_scheduler_add_score(k8sc_scheduler *s, const char *name, k8sc_scheduler_score_fn fn, int weight,
    void *userdata)
{
    K8SC__CHECK_ARG(fn && weight >= 1 && weight <= 100);
    return add_plugin(s, name, NULL, fn, weight, userdata);
}
