/*
 * The scheduler as a controller of Pods: one scheduling cycle per pod key
 * (filter, score, assume), or the Unschedulable condition, an Event and a
 * back-off when no node fits. Bindings are written by binder threads
 * (kube-scheduler's binding cycle) while the next pod is being placed.
 */
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8sc/scheduler.h"
#include "sched.h"

/* The index of the pod cache by spec.nodeName ("" for pods waiting for a node). */
#define NODE_INDEX "scheduler:spec.nodeName"

/* kube-scheduler's podInitialBackoffSeconds and podMaxBackoffSeconds. */
#define BACKOFF_BASE_NS 1000000000LL
#define BACKOFF_MAX_NS 10000000000LL

/* kube-scheduler's minFeasibleNodesToFind, minFeasibleNodesPercentageToFind, basePercentageOfNodesToScore. */
#define MIN_FEASIBLE_NODES 100
#define MIN_FEASIBLE_PERCENT 5
#define BASE_PERCENT 50

/* Binder threads: enough for the store's group commit to share fsyncs. */
#define BINDERS 8

/* A binding to write. */
typedef struct bind_job {
    struct bind_job *next;
    k8sc_object *pod;
    char *node;
} bind_job;

struct k8sc_scheduler {
    k8sc_controller *ctl;
    k8sc_client *client;
    k8sc_event_recorder *rec;
    k8sc_ratelimiter *limiter;
    k8sc__sched_cache *cache;
    int percentage;
    size_t next_start; /* where the next search for feasible nodes starts */
    k8sc_scheduler_stats stats; /* under the cache's lock */
    char *name;
    pthread_mutex_t bind_mu;
    pthread_cond_t bind_cv;
    bind_job *jobs, **jobs_tail;
    pthread_t binders[BINDERS];
    size_t nbinders;
    bool binders_stop;
    k8sc_cache *pods;
    k8sc_cache *nodes;
    k8sc_informer *pod_informer;
    k8sc_informer_handler pod_handler;
    k8sc_informer *node_informer;
    k8sc_informer_handler node_handler;
};

int k8sc_scheduler_options_init(k8sc_scheduler_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts && version == K8SC_SCHEDULER_OPTIONS_VERSION);
    *opts = (k8sc_scheduler_options)K8SC_SCHEDULER_OPTIONS_INIT;
    return 0;
}

static int index_node_name(k8sc_index_values *values, const k8sc_object *pod, void *ud)
{
    (void)ud;
    const char *node = k8sc_object_get_string(pod, "spec.nodeName");
    return k8sc_index_values_add(values, node ? node : "");
}

/* Whether this scheduler is to place `pod` now. */
static bool wants(const k8sc_scheduler *s, const k8sc_object *pod)
{
    const char *node = k8sc_object_get_string(pod, "spec.nodeName");
    const char *name = k8sc_object_get_string(pod, "spec.schedulerName");
    struct json_object *gates = k8sc_object_get(pod, "spec.schedulingGates");
    return (!node || !*node) && strcmp(name && *name ? name : K8SC_SCHEDULER_DEFAULT_NAME, s->name) == 0 &&
        !k8sc_object_has(pod, "metadata.deletionTimestamp") && !k8sc__sched_pod_terminated(pod) &&
        !(json_object_is_type(gates, json_type_array) && json_object_array_length(gates) > 0);
}

/* Something may have made room: try every waiting pod again, without waiting for its back-off. */
static void requeue_pending(k8sc_scheduler *s)
{
    k8sc_object **items = NULL;
    size_t count = 0;
    if (k8sc_cache_by_index(&items, &count, s->pods, NODE_INDEX, "") < 0)
        return;
    for (size_t i = 0; i < count; i++)
        if (wants(s, items[i]))
            k8sc_controller_enqueue(s->ctl, k8sc_object_namespace(items[i]), k8sc_object_name(items[i]));
    k8sc_cache_items_free(items, count);
}

static void cache_node(k8sc_scheduler *s, const k8sc_object *node)
{
    k8sc__sched_cache_lock(s->cache);
    int rc = k8sc__sched_cache_set_node(s->cache, node);
    k8sc__sched_cache_unlock(s->cache);
    if (rc < 0)
        k8sc_log(K8SC_LOG_WARN, "%s: node %s: %s", s->name, k8sc_object_name(node), k8sc_error_last());
}

static void cache_pod(k8sc_scheduler *s, const k8sc_object *pod)
{
    k8sc__sched_cache_lock(s->cache);
    int rc = k8sc__sched_cache_set_pod(s->cache, pod);
    k8sc__sched_cache_unlock(s->cache);
    if (rc < 0)
        k8sc_log(K8SC_LOG_WARN, "%s: pod %s/%s: %s", s->name, k8sc_object_namespace(pod), k8sc_object_name(pod),
            k8sc_error_last());
}

static void node_added(const k8sc_object *node, void *ud)
{
    cache_node(ud, node);
    requeue_pending(ud);
}

static void node_deleted(const k8sc_object *node, void *ud)
{
    k8sc_scheduler *s = ud;
    k8sc__sched_cache_lock(s->cache);
    k8sc__sched_cache_remove_node(s->cache, k8sc_object_name(node));
    k8sc__sched_cache_unlock(s->cache);
}

/* Only what a filter reads can turn a node feasible (kube-scheduler's queueing hints); heartbeats do not. */
static void node_updated(const k8sc_object *old, const k8sc_object *node, void *ud)
{
    static const char *const paths[] = { "status.allocatable", "metadata.labels", "spec.taints", "spec.unschedulable" };
    if (old == node)
        return;
    cache_node(ud, node);
    for (size_t i = 0; i < K8SC__ARRAY_LEN(paths); i++)
        if (!json_object_equal(k8sc_object_get(old, paths[i]), k8sc_object_get(node, paths[i]))) {
            requeue_pending(ud);
            return;
        }
}

static bool bound(const k8sc_object *pod)
{
    const char *node = k8sc_object_get_string(pod, "spec.nodeName");
    return node && *node;
}

static void pod_added(const k8sc_object *pod, void *ud)
{
    cache_pod(ud, pod);
}

static void pod_updated(const k8sc_object *old, const k8sc_object *pod, void *ud)
{
    if (old != pod)
        cache_pod(ud, pod);
    if (old != pod && bound(pod) && k8sc__sched_pod_terminated(pod) && !k8sc__sched_pod_terminated(old))
        requeue_pending(ud);
}

static void pod_deleted(const k8sc_object *pod, void *ud)
{
    k8sc_scheduler *s = ud;
    k8sc__sched_cache_lock(s->cache);
    k8sc__sched_cache_remove_pod(s->cache, pod);
    k8sc__sched_cache_unlock(s->cache);
    if (bound(pod))
        requeue_pending(ud);
}

/* PodScheduled False/Unschedulable with `message`, unless the pod says so already. */
static int mark_unschedulable(k8sc_scheduler *s, const k8sc_object *pod, const char *message)
{
    struct json_object *conds = k8sc_object_get(pod, "status.conditions");
    size_t n = json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;
    const char *since = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct json_object *c = json_object_array_get_idx(conds, i);
        const char *type = k8sc__json_string(c, "type"), *status = k8sc__json_string(c, "status");
        if (!type || strcmp(type, "PodScheduled") != 0 || !status || strcmp(status, "False") != 0)
            continue;
        const char *reason = k8sc__json_string(c, "reason"), *msg = k8sc__json_string(c, "message");
        if (reason && strcmp(reason, "Unschedulable") == 0 && msg && strcmp(msg, message) == 0)
            return 0;
        since = k8sc__json_string(c, "lastTransitionTime");
    }
    char now[K8SC_TIME_BUFSIZE];
    k8sc_time_format(now, sizeof(now), k8sc_clock_now(k8sc_controller_clock(s->ctl)) / 1000000000LL);
    struct json_object *cond = json_object_new_object();
    json_object_object_add(cond, "type", json_object_new_string("PodScheduled"));
    json_object_object_add(cond, "status", json_object_new_string("False"));
    json_object_object_add(cond, "lastProbeTime", NULL);
    json_object_object_add(cond, "lastTransitionTime", json_object_new_string(since ? since : now));
    json_object_object_add(cond, "reason", json_object_new_string("Unschedulable"));
    json_object_object_add(cond, "message", json_object_new_string(message));
    struct json_object *list = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        const char *type = k8sc__json_string(c, "type");
        if (!type || strcmp(type, "PodScheduled") != 0)
            json_object_array_add(list, json_object_get(c));
    }
    json_object_array_add(list, cond);
    k8sc_object *copy = NULL;
    int rc = k8sc_object_dup(&copy, pod);
    if (rc == 0)
        rc = k8sc_object_set(copy, "status.conditions", list);
    if (rc < 0)
        json_object_put(list);
    else
        rc = k8sc_client_update_status(NULL, s->client, copy);
    k8sc_object_free(copy);
    return rc;
}

static int bind(k8sc_scheduler *s, const k8sc_object *pod, const char *node)
{
    const char *ns = k8sc_object_namespace(pod), *name = k8sc_object_name(pod);
    struct json_object *b = json_object_new_object();
    struct json_object *meta = json_object_new_object(), *target = json_object_new_object();
    json_object_object_add(b, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(b, "kind", json_object_new_string("Binding"));
    json_object_object_add(meta, "name", json_object_new_string(name));
    json_object_object_add(meta, "namespace", json_object_new_string(ns));
    if (k8sc_object_uid(pod))
        json_object_object_add(meta, "uid", json_object_new_string(k8sc_object_uid(pod)));
    json_object_object_add(b, "metadata", meta);
    json_object_object_add(target, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(target, "kind", json_object_new_string("Node"));
    json_object_object_add(target, "name", json_object_new_string(node));
    json_object_object_add(b, "target", target);
    const char *body = json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN);
    k8sc__buf path = { 0 };
    k8sc__buf_printf(&path, "/api/v1/namespaces/%s/pods/%s/binding", ns, name);
    int rc = k8sc__buf_status(&path);
    if (rc == 0) {
        char *p = k8sc__buf_detach(&path, NULL);
        rc = k8sc_client_request(NULL, NULL, s->client, "POST", p, "application/json", body, strlen(body));
        k8sc_free(p);
    }
    k8sc__buf_free(&path);
    json_object_put(b);
    return rc;
}

/* numFeasibleNodesToFind: how many feasible nodes are enough to pick from. */
static size_t feasible_wanted(const k8sc_scheduler *s, size_t all)
{
    if (all < MIN_FEASIBLE_NODES || s->percentage >= 100)
        return all;
    long pct = s->percentage;
    if (pct <= 0) {
        pct = BASE_PERCENT - (long)(all / 125);
        if (pct < MIN_FEASIBLE_PERCENT)
            pct = MIN_FEASIBLE_PERCENT;
    }
    size_t n = all * (size_t)pct / 100;
    return n < MIN_FEASIBLE_NODES ? MIN_FEASIBLE_NODES : n;
}

/*
 * Filter nodes from where the last search stopped until enough are feasible,
 * then score those: the chosen node's name (borrowed from the cache) or NULL
 * with `h` filled. Ties go to the first name, so placements are repeatable.
 */
static int choose(const char **out, k8sc_scheduler *s, const k8sc__sched_pod *p, k8sc__sched_node *const *nodes,
    size_t count, k8sc__sched_hist *h)
{
    size_t want = feasible_wanted(s, count);
    k8sc__sched_node **feasible = k8sc__calloc(want ? want : 1, sizeof(*feasible));
    int64_t *scores = k8sc__calloc(want ? want : 1, sizeof(*scores));
    size_t nf = 0, seen = 0;
    int rc = feasible && scores ? 0 : K8SC_ENOMEM;
    size_t start = count ? s->next_start % count : 0;
    for (; seen < count && nf < want && rc == 0; seen++) {
        k8sc__sched_node *n = nodes[(start + seen) % count];
        rc = k8sc__sched_filter(p, n, h);
        if (rc == 1) {
            feasible[nf++] = n;
            rc = 0;
        }
    }
    s->next_start = count ? (start + seen) % count : 0;
    *out = NULL;
    if (rc == 0 && nf)
        rc = k8sc__sched_score(p, feasible, nf, scores);
    int64_t best = 0;
    for (size_t i = 0; i < nf && rc == 0; i++)
        if (!*out || scores[i] > best || (scores[i] == best && strcmp(feasible[i]->name, *out) < 0)) {
            *out = feasible[i]->name;
            best = scores[i];
        }
    k8sc_free(feasible);
    k8sc_free(scores);
    return rc;
}

static void event(k8sc_scheduler *s, const k8sc_object *pod, const char *type, const char *reason, const char *msg)
{
    if (s->rec)
        k8sc_event_recorder_event(s->rec, pod, type, reason, "%s", msg);
}

static int fail(k8sc_reconcile_result *res, k8sc_scheduler *s, const k8sc_object *pod, const k8sc__sched_hist *h,
    size_t num_nodes)
{
    char *msg = NULL;
    int rc = k8sc__sched_hist_message(&msg, h, num_nodes);
    if (rc < 0)
        return rc;
    k8sc_log(K8SC_LOG_INFO, "%s: unable to schedule %s/%s: %s", s->name, k8sc_object_namespace(pod),
        k8sc_object_name(pod), msg);
    event(s, pod, "Warning", "FailedScheduling", msg);
    rc = mark_unschedulable(s, pod, msg);
    k8sc_free(msg);
    /* A conflict means the pod changed, which queues it again anyway. */
    if (rc == K8SC_ECONFLICT || rc == K8SC_ENOTFOUND)
        rc = 0;
    res->action = K8SC_RECONCILE_REQUEUE;
    return rc;
}

/* Write the binding; on failure forget the assumed pod and try it again after a back-off. */
static void bind_now(k8sc_scheduler *s, k8sc_object *pod, const char *node)
{
    const char *ns = k8sc_object_namespace(pod), *name = k8sc_object_name(pod);
    char msg[1200];
    if (bind(s, pod, node) < 0) {
        snprintf(msg, sizeof(msg), "Binding rejected: %s", k8sc_error_last());
        k8sc__sched_cache_lock(s->cache);
        k8sc__sched_cache_forget(s->cache, ns, name);
        k8sc__sched_cache_unlock(s->cache);
        event(s, pod, "Warning", "FailedScheduling", msg);
        k8sc_controller_enqueue_after(s->ctl, ns, name, BACKOFF_BASE_NS);
        return;
    }
    snprintf(msg, sizeof(msg), "Successfully assigned %s/%s to %s", ns, name, node);
    event(s, pod, "Normal", "Scheduled", msg);
}

static void *binder(void *ud)
{
    k8sc_scheduler *s = ud;
    pthread_mutex_lock(&s->bind_mu);
    for (;;) {
        while (!s->jobs && !s->binders_stop)
            pthread_cond_wait(&s->bind_cv, &s->bind_mu);
        bind_job *j = s->jobs;
        if (!j)
            break;
        if (!(s->jobs = j->next))
            s->jobs_tail = &s->jobs;
        pthread_mutex_unlock(&s->bind_mu);
        bind_now(s, j->pod, j->node);
        k8sc_object_free(j->pod);
        k8sc_free(j->node);
        k8sc_free(j);
        pthread_mutex_lock(&s->bind_mu);
    }
    pthread_mutex_unlock(&s->bind_mu);
    return NULL;
}

/* Bind on a binder thread when they run (k8sc_scheduler_start), else here. */
static void bind_later(k8sc_scheduler *s, k8sc_object *pod, const char *node)
{
    bind_job *j = s->nbinders ? k8sc__calloc(1, sizeof(*j)) : NULL;
    if (j && !(j->node = k8sc__strdup(node))) {
        k8sc_free(j);
        j = NULL;
    }
    if (!j) {
        bind_now(s, pod, node);
        return;
    }
    j->pod = k8sc_object_ref(pod);
    pthread_mutex_lock(&s->bind_mu);
    *s->jobs_tail = j;
    s->jobs_tail = &j->next;
    pthread_cond_signal(&s->bind_cv);
    pthread_mutex_unlock(&s->bind_mu);
}

static int schedule(k8sc_reconcile_result *res, k8sc_controller *ctl, const char *ns, const char *name, void *ud)
{
    (void)ctl;
    k8sc_scheduler *s = ud;
    k8sc_object *pod = NULL;
    if (k8sc_cache_get(&pod, s->pods, ns, name) < 0) {
        k8sc__sched_cache_lock(s->cache);
        k8sc__sched_cache_forget(s->cache, ns, name);
        k8sc__sched_cache_unlock(s->cache);
        return 0;
    }
    k8sc__sched_pod p;
    k8sc__sched_hist h = { 0 };
    const char *chosen = NULL;
    char node[256] = "";
    size_t count = 0;
    int rc = 0;
    k8sc__sched_cache_lock(s->cache);
    bool skip = !wants(s, pod) || k8sc__sched_cache_is_assumed(s->cache, ns, name);
    if (!skip && (rc = k8sc__sched_pod_init(&p, pod)) == 0) {
        k8sc__sched_node *const *nodes = k8sc__sched_cache_nodes(s->cache, &count);
        int64_t t0 = k8sc_clock_mono(NULL);
        rc = choose(&chosen, s, &p, nodes, count, &h);
        s->stats.algorithm_ns += (uint64_t)(k8sc_clock_mono(NULL) - t0);
        s->stats.scheduled += rc == 0 && chosen;
        s->stats.unschedulable += rc == 0 && !chosen;
        if (rc == 0 && chosen) {
            snprintf(node, sizeof(node), "%s", chosen);
            rc = k8sc__sched_cache_assume(s->cache, pod, node);
        }
    }
    k8sc__sched_cache_unlock(s->cache);
    if (!skip) {
        if (rc == 0 && !node[0])
            rc = fail(res, s, pod, &h, count);
        else if (rc == 0)
            bind_later(s, pod, node);
        k8sc__sched_pod_clear(&p);
    }
    k8sc__sched_hist_clear(&h);
    k8sc_object_free(pod);
    return rc;
}

static void scheduler_state_free(void *ud)
{
    k8sc_scheduler *s = ud;
    k8sc__sched_cache_free(s->cache);
    k8sc_ratelimiter_free(s->limiter);
    pthread_mutex_destroy(&s->bind_mu);
    pthread_cond_destroy(&s->bind_cv);
    k8sc_free(s->name);
    k8sc_free(s);
}

static int wire(k8sc_scheduler *s)
{
    if (!(s->pods = k8sc_controller_cache(s->ctl, "v1", "Pod")) ||
        !(s->nodes = k8sc_controller_cache(s->ctl, "v1", "Node")) ||
        !(s->pod_informer = k8sc_controller_informer(s->ctl, "v1", "Pod")) ||
        !(s->node_informer = k8sc_controller_informer(s->ctl, "v1", "Node")))
        return K8SC_ERROR;
    int rc = k8sc_cache_add_index(s->pods, NODE_INDEX, index_node_name, NULL);
    /* Another scheduler on the same factory added the same index already. */
    if (rc == K8SC_EEXISTS)
        rc = 0;
    if (rc == 0) {
        s->node_handler = (k8sc_informer_handler)K8SC_INFORMER_HANDLER_INIT;
        s->node_handler.on_add = node_added;
        s->node_handler.on_update = node_updated;
        s->node_handler.on_delete = node_deleted;
        s->node_handler.userdata = s;
        rc = k8sc_informer_add_handler(s->node_informer, &s->node_handler);
    }
    if (rc == 0) {
        s->pod_handler = (k8sc_informer_handler)K8SC_INFORMER_HANDLER_INIT;
        s->pod_handler.on_add = pod_added;
        s->pod_handler.on_update = pod_updated;
        s->pod_handler.on_delete = pod_deleted;
        s->pod_handler.userdata = s;
        rc = k8sc_informer_add_handler(s->pod_informer, &s->pod_handler);
    }
    return rc;
}

int k8sc_scheduler_new(k8sc_scheduler **out, k8sc_client *client, const k8sc_scheduler_options *opts)
{
    K8SC__CHECK_ARG(out && client);
    k8sc_scheduler_options o = K8SC_SCHEDULER_OPTIONS_INIT;
    if (opts) {
        if (opts->version != K8SC_SCHEDULER_OPTIONS_VERSION)
            return k8sc_error_set(K8SC_EINVAL, "k8sc_scheduler_new: unknown options version %u", opts->version);
        o = *opts;
    }
    k8sc_scheduler *s = k8sc__calloc(1, sizeof(*s));
    if (!s)
        return K8SC_ENOMEM;
    s->client = client;
    s->rec = o.recorder;
    s->percentage = o.percentage_of_nodes_to_score;
    pthread_mutex_init(&s->bind_mu, NULL);
    pthread_cond_init(&s->bind_cv, NULL);
    s->jobs_tail = &s->jobs;
    s->name = k8sc__strdup(o.scheduler_name && *o.scheduler_name ? o.scheduler_name : K8SC_SCHEDULER_DEFAULT_NAME);
    int rc = s->name ? k8sc__sched_cache_new(&s->cache) : K8SC_ENOMEM;
    if (rc == 0)
        rc = k8sc_ratelimiter_exponential_new(&s->limiter, BACKOFF_BASE_NS, BACKOFF_MAX_NS);
    if (rc < 0) {
        scheduler_state_free(s);
        return rc;
    }
    k8sc_controller_options co = K8SC_CONTROLLER_OPTIONS_INIT;
    co.name = s->name;
    co.api_version = "v1";
    co.kind = "Pod";
    co.reconcile = schedule;
    co.userdata = s;
    co.factory = o.factory;
    co.clock = o.clock;
    co.rate_limiter = s->limiter;
    if ((rc = k8sc_controller_new(&s->ctl, client, &co)) < 0) {
        scheduler_state_free(s);
        return rc;
    }
    if ((rc = wire(s)) < 0) {
        k8sc_scheduler_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* Let the binder threads write what is queued, then join them. */
static void binders_stop(k8sc_scheduler *s)
{
    pthread_mutex_lock(&s->bind_mu);
    s->binders_stop = true;
    pthread_cond_broadcast(&s->bind_cv);
    pthread_mutex_unlock(&s->bind_mu);
    for (size_t i = 0; i < s->nbinders; i++)
        pthread_join(s->binders[i], NULL);
    s->nbinders = 0;
    s->binders_stop = false;
}

void k8sc_scheduler_free(k8sc_scheduler *s)
{
    if (!s)
        return;
    k8sc_controller_stop(s->ctl);
    binders_stop(s);
    if (s->pod_informer && s->pod_handler.userdata)
        k8sc_informer_remove_handler(s->pod_informer, &s->pod_handler);
    if (s->node_informer && s->node_handler.userdata)
        k8sc_informer_remove_handler(s->node_informer, &s->node_handler);
    k8sc_controller_free(s->ctl);
    scheduler_state_free(s);
}

int k8sc_scheduler_start(k8sc_scheduler *s)
{
    K8SC__CHECK_ARG(s);
    for (; s->nbinders < BINDERS; s->nbinders++)
        if (pthread_create(&s->binders[s->nbinders], NULL, binder, s) != 0)
            break;
    int rc = k8sc_controller_start(s->ctl);
    if (rc < 0)
        binders_stop(s);
    return rc;
}

void k8sc_scheduler_stop(k8sc_scheduler *s)
{
    if (!s)
        return;
    k8sc_controller_stop(s->ctl);
    binders_stop(s);
}

int k8sc_scheduler_fd(k8sc_scheduler *s)
{
    return s ? k8sc_controller_fd(s->ctl) : -1;
}

int k8sc_scheduler_next_timeout_ms(k8sc_scheduler *s)
{
    return s ? k8sc_controller_next_timeout_ms(s->ctl) : -1;
}

int k8sc_scheduler_process(k8sc_scheduler *s)
{
    K8SC__CHECK_ARG(s);
    return k8sc_controller_process(s->ctl);
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

k8sc_controller *k8sc_scheduler_controller(k8sc_scheduler *s)
{
    return s ? s->ctl : NULL;
}
