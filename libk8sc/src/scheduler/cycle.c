/*
 * One scheduling cycle (kube-scheduler's scheduleOne): filter from where
 * the last search stopped, with the pods nominated to a node counted on
 * it, score, assume; or preempt (DefaultPreemption) and report the pod
 * unschedulable. Bindings are written by binder threads while the next
 * pod is being placed.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framework.h"

/* kube-scheduler's minFeasibleNodesToFind, minFeasibleNodesPercentageToFind, basePercentageOfNodesToScore. */
#define MIN_FEASIBLE_NODES 100
#define MIN_FEASIBLE_PERCENT 5
#define BASE_PERCENT 50

const k8sc__sched_named_profile *k8sc__sched_wants(const k8sc_scheduler *s, const k8sc_object *pod)
{
    const char *node = k8sc_object_get_string(pod, "spec.nodeName");
    const char *name = k8sc_object_get_string(pod, "spec.schedulerName");
    struct json_object *gates = k8sc_object_get(pod, "spec.schedulingGates");
    if ((node && *node) || k8sc_object_has(pod, "metadata.deletionTimestamp") || k8sc__sched_pod_terminated(pod) ||
        (json_object_is_type(gates, json_type_array) && json_object_array_length(gates) > 0))
        return NULL;
    if (!name || !*name)
        name = K8SC_SCHEDULER_DEFAULT_NAME;
    for (size_t i = 0; i < s->config.nprofiles; i++)
        if (strcmp(s->config.profiles[i].name, name) == 0)
            return &s->config.profiles[i];
    return NULL;
}

/* What one cycle works with. */
typedef struct cycle {
    k8sc_scheduler *s;
    const k8sc__sched_named_profile *np;
    const k8sc_object *pod;
    const char *key;
    k8sc__sched_pod p;
    int64_t priority;
    k8sc__sched_cycle cy;
} cycle;

/*
 * The pods nominated to `n` that go before this one (priority at least
 * as high), as pod_infos in `*out` (freed with free_infos).
 */
static int nominated_on(cycle *c, const k8sc__sched_node *n, k8sc__sched_pod_info ***out, size_t *count)
{
    k8sc_object **items = NULL;
    size_t ni = 0;
    *out = NULL;
    *count = 0;
    if (!c->s->nominated || k8sc_cache_by_index(&items, &ni, c->s->pods, K8SC__SCHED_NOMINATED_INDEX, n->name) < 0)
        return 0;
    int rc = 0;
    k8sc__sched_pod_info **infos = ni ? k8sc__calloc(ni, sizeof(*infos)) : NULL;
    if (ni && !infos)
        rc = K8SC_ENOMEM;
    for (size_t i = 0; i < ni && rc == 0; i++) {
        const k8sc_object *o = items[i];
        bool self = strcmp(k8sc_object_name(o), k8sc_object_name(c->pod)) == 0 &&
            strcmp(k8sc_object_namespace(o), k8sc_object_namespace(c->pod)) == 0;
        if (self || k8sc__sched_pod_priority(o) < c->priority)
            continue;
        rc = k8sc__sched_pod_info_new(&infos[*count], o);
        *count += rc == 0;
    }
    k8sc_cache_items_free(items, ni);
    *out = infos;
    if (rc < 0) {
        for (size_t i = 0; i < *count; i++)
            k8sc__sched_pod_info_free(infos[i]);
        k8sc_free(infos);
        *out = NULL;
        *count = 0;
    }
    return rc;
}

static void free_infos(k8sc__sched_pod_info **infos, size_t n)
{
    for (size_t i = 0; i < n; i++)
        k8sc__sched_pod_info_free(infos[i]);
    k8sc_free(infos);
}

/* The built-in and user filters on `n` as it is: 1 fits, 0 not (reasons in `h`), < 0 on error. */
static int filter_plain(cycle *c, const k8sc__sched_node *n, k8sc__sched_hist *h)
{
    int rc = k8sc__sched_filter(&c->cy, &c->p, n, h);
    if (rc == 1)
        rc = k8sc__sched_user_filter(&c->s->user, c->np, c->pod, n, h);
    return rc;
}

/*
 * RunFilterPluginsWithNominatedPods: with pods of at least this priority
 * nominated to `n`, the pod must fit both with them counted and without.
 */
static int filter_node(cycle *c, const k8sc__sched_node *n, k8sc__sched_hist *h)
{
    k8sc__sched_pod_info **nom = NULL;
    size_t nn = 0;
    int rc = nominated_on(c, n, &nom, &nn);
    if (rc == 0 && nn) {
        k8sc__sched_node scratch;
        if ((rc = k8sc__sched_scratch_node(&scratch, n, NULL, 0, nom, nn)) == 0) {
            for (size_t i = 0; i < nn && rc == 0; i++) {
                nom[i]->node = (k8sc__sched_node *)n; /* counted where they are nominated */
                rc = k8sc__sched_cycle_add_pod(&c->cy, &c->p, nom[i]);
            }
            if (rc == 0)
                rc = filter_plain(c, &scratch, h);
            for (size_t i = 0; i < nn; i++)
                k8sc__sched_cycle_remove_pod(&c->cy, &c->p, nom[i]);
            k8sc__sched_scratch_clear(&scratch);
        }
        if (rc != 1) {
            free_infos(nom, nn);
            return rc;
        }
    }
    free_infos(nom, nn);
    return rc < 0 ? rc : filter_plain(c, n, h);
}

/* numFeasibleNodesToFind: how many feasible nodes are enough to pick from. */
static size_t feasible_wanted(const cycle *c, size_t all)
{
    int pct = c->np->percentage >= 0 ? c->np->percentage : c->s->percentage;
    if (all < MIN_FEASIBLE_NODES || pct >= 100)
        return all;
    long p = pct;
    if (p <= 0) {
        p = BASE_PERCENT - (long)(all / 125);
        if (p < MIN_FEASIBLE_PERCENT)
            p = MIN_FEASIBLE_PERCENT;
    }
    size_t n = all * (size_t)p / 100;
    return n < MIN_FEASIBLE_NODES ? MIN_FEASIBLE_NODES : n;
}

/*
 * Filter nodes from where the last search stopped until enough are feasible,
 * then score those: the chosen node's name (borrowed from the cache) or NULL
 * with `h` filled. Ties go to the first name, so placements are repeatable.
 */
static int choose(const char **out, cycle *c, k8sc__sched_node *const *nodes, size_t count, k8sc__sched_hist *h)
{
    k8sc_scheduler *s = c->s;
    size_t want = feasible_wanted(c, count);
    k8sc__sched_node **feasible = k8sc__calloc(want ? want : 1, sizeof(*feasible));
    int64_t *scores = k8sc__calloc(want ? want : 1, sizeof(*scores));
    size_t nf = 0, seen = 0;
    int rc = feasible && scores ? 0 : K8SC_ENOMEM;
    size_t start = count ? s->next_start % count : 0;
    for (; seen < count && nf < want && rc == 0; seen++) {
        k8sc__sched_node *n = nodes[(start + seen) % count];
        rc = filter_node(c, n, h);
        if (rc == 1) {
            feasible[nf++] = n;
            rc = 0;
        }
    }
    s->next_start = count ? (start + seen) % count : 0;
    *out = NULL;
    if (rc == 0 && nf)
        rc = k8sc__sched_score(&c->cy, &c->p, feasible, nf, scores);
    if (rc == 0 && nf)
        rc = k8sc__sched_user_score(&s->user, c->np, c->pod, feasible, nf, scores);
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

static int preempt_fits(void *ud, k8sc__sched_cycle *cy, const k8sc__sched_node *n)
{
    cycle *c = ud;
    (void)cy;
    k8sc__sched_hist h = { 0 };
    int rc = filter_plain(c, n, &h);
    k8sc__sched_hist_clear(&h);
    return rc;
}

static void event(k8sc_scheduler *s, const k8sc_object *obj, const char *type, const char *reason, const char *msg)
{
    if (s->rec)
        k8sc_event_recorder_event(s->rec, obj, type, reason, "%s", msg);
}

/* The status conditions of `pod` but those of `type`, plus `cond` (taken). */
static struct json_object *conditions_with(const k8sc_object *pod, const char *type, struct json_object *cond)
{
    struct json_object *conds = k8sc_object_get(pod, "status.conditions");
    size_t n = json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;
    struct json_object *list = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        struct json_object *ci = json_object_array_get_idx(conds, i);
        const char *t = k8sc__json_string(ci, "type");
        if (!t || strcmp(t, type) != 0)
            json_object_array_add(list, json_object_get(ci));
    }
    json_object_array_add(list, cond);
    return list;
}

static struct json_object *condition(k8sc_scheduler *s, const char *type, const char *status, const char *since,
    const char *reason, const char *message)
{
    char now[K8SC_TIME_BUFSIZE];
    k8sc_time_format(now, sizeof(now), k8sc_clock_now(s->clock) / 1000000000LL);
    struct json_object *cond = json_object_new_object();
    json_object_object_add(cond, "type", json_object_new_string(type));
    json_object_object_add(cond, "status", json_object_new_string(status));
    json_object_object_add(cond, "lastProbeTime", NULL);
    json_object_object_add(cond, "lastTransitionTime", json_object_new_string(since ? since : now));
    json_object_object_add(cond, "reason", json_object_new_string(reason));
    json_object_object_add(cond, "message", json_object_new_string(message));
    return cond;
}

/* Write `pod`'s status with `cond` in place of its condition of the same type (and `nominated` when set). */
static int write_status(k8sc_scheduler *s, const k8sc_object *pod, const char *type, struct json_object *cond,
    const char *nominated)
{
    k8sc_object *copy = NULL;
    struct json_object *list = conditions_with(pod, type, cond);
    int rc = k8sc_object_dup(&copy, pod);
    if (rc == 0)
        rc = k8sc_object_set(copy, "status.conditions", list);
    else
        json_object_put(list);
    if (rc == 0 && nominated)
        rc = k8sc_object_set(copy, "status.nominatedNodeName", json_object_new_string(nominated));
    if (rc == 0)
        rc = k8sc_client_update_status(NULL, s->client, copy);
    k8sc_object_free(copy);
    return rc;
}

/* PodScheduled False/Unschedulable with `message` (and the nominated node), unless the pod says so already. */
static int mark_unschedulable(k8sc_scheduler *s, const k8sc_object *pod, const char *message, const char *nominated)
{
    struct json_object *conds = k8sc_object_get(pod, "status.conditions");
    size_t n = json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;
    const char *since = NULL, *had = k8sc_object_get_string(pod, "status.nominatedNodeName");
    bool same_nomination = !nominated || (had && strcmp(had, nominated) == 0);
    for (size_t i = 0; i < n; i++) {
        const struct json_object *c = json_object_array_get_idx(conds, i);
        const char *type = k8sc__json_string(c, "type"), *status = k8sc__json_string(c, "status");
        if (!type || strcmp(type, "PodScheduled") != 0 || !status || strcmp(status, "False") != 0)
            continue;
        const char *reason = k8sc__json_string(c, "reason"), *msg = k8sc__json_string(c, "message");
        if (reason && strcmp(reason, "Unschedulable") == 0 && msg && strcmp(msg, message) == 0 && same_nomination)
            return 0;
        since = k8sc__json_string(c, "lastTransitionTime");
    }
    return write_status(s, pod, "PodScheduled",
        condition(s, "PodScheduled", "False", since, "Unschedulable", message), nominated);
}

/*
 * The FailedScheduling message: the filters' histogram, then the
 * PostFilter's verdict — kept as the histogram has it, dropped when
 * preemption nominated a node, or `post` in its place.
 */
static int fail(cycle *c, const k8sc__sched_hist *h, size_t num_nodes, const char *nominated, const char *post)
{
    char *msg = NULL;
    int rc = k8sc__sched_hist_message(&msg, h, num_nodes);
    if (rc < 0)
        return rc;
    char *cut = strstr(msg, ". preemption: ");
    k8sc__buf b = K8SC__BUF_INIT;
    if (cut && (nominated || post)) {
        k8sc__buf_put(&b, msg, (size_t)(cut - msg));
        if (nominated)
            k8sc__buf_putc(&b, '.');
        else
            k8sc__buf_printf(&b, ". preemption: %s", post);
        k8sc_free(msg);
        msg = k8sc__buf_status(&b) == 0 ? k8sc__buf_detach(&b, NULL) : NULL;
        k8sc__buf_free(&b);
        if (!msg)
            return K8SC_ENOMEM;
    }
    k8sc_log(K8SC_LOG_INFO, "%s: unable to schedule %s: %s", c->np->name, c->key, msg);
    event(c->s, c->pod, "Warning", "FailedScheduling", msg);
    rc = mark_unschedulable(c->s, c->pod, msg, nominated);
    k8sc_free(msg);
    /* A conflict means the pod changed, which queues it again anyway. */
    return rc == K8SC_ECONFLICT || rc == K8SC_ENOTFOUND ? 0 : rc;
}

/*
 * prepareCandidate: each victim gets the DisruptionTarget condition and is
 * deleted, with an Event naming the preemptor.
 */
static void evict(cycle *c, k8sc_object *const *victims, size_t n, const char *node)
{
    k8sc_scheduler *s = c->s;
    char msg[600];
    const char *sched = k8sc_object_get_string(c->pod, "spec.schedulerName");
    for (size_t i = 0; i < n; i++) {
        const k8sc_object *v = victims[i];
        snprintf(msg, sizeof(msg), "%s: preempting to accommodate a higher priority pod",
            sched && *sched ? sched : K8SC_SCHEDULER_DEFAULT_NAME);
        int rc = write_status(s, v, "DisruptionTarget",
            condition(s, "DisruptionTarget", "True", NULL, "PreemptionByScheduler", msg), NULL);
        k8sc_delete_options o = K8SC_DELETE_OPTIONS_INIT;
        o.precondition_uid = k8sc_object_uid(v);
        if (rc == 0 || rc == K8SC_ECONFLICT)
            rc = k8sc_client_delete(NULL, s->client, "v1", "Pod", k8sc_object_namespace(v), k8sc_object_name(v), &o);
        if (rc < 0 && rc != K8SC_ENOTFOUND) {
            k8sc_log(K8SC_LOG_WARN, "%s: preempting %s/%s: %s", c->np->name, k8sc_object_namespace(v),
                k8sc_object_name(v), k8sc_error_last());
            continue;
        }
        snprintf(msg, sizeof(msg), "Preempted by pod %s on node %s", k8sc_object_uid(c->pod) ? k8sc_object_uid(c->pod) : "",
            node);
        event(s, v, "Normal", "Preempted", msg);
    }
}

/* Lower-priority pods nominated to `node` may no longer fit there: their nomination goes (as prepareCandidate). */
static void clear_lower_nominations(cycle *c, const char *node)
{
    k8sc_object **items = NULL;
    size_t n = 0;
    if (k8sc_cache_by_index(&items, &n, c->s->pods, K8SC__SCHED_NOMINATED_INDEX, node) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        if (k8sc__sched_pod_priority(items[i]) >= c->priority)
            continue;
        k8sc_object *copy = NULL;
        int rc = k8sc_object_dup(&copy, items[i]);
        if (rc == 0)
            rc = k8sc_object_remove(copy, "status.nominatedNodeName");
        if (rc == 0)
            rc = k8sc_client_update_status(NULL, c->s->client, copy);
        if (rc < 0 && rc != K8SC_ECONFLICT && rc != K8SC_ENOTFOUND)
            k8sc_log(K8SC_LOG_WARN, "%s: clearing the nomination of %s/%s: %s", c->np->name,
                k8sc_object_namespace(items[i]), k8sc_object_name(items[i]), k8sc_error_last());
        k8sc_object_free(copy);
    }
    k8sc_cache_items_free(items, n);
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

/* Write the binding; on failure forget the assumed pod and try it again after a back-off. */
static void bind_now(k8sc_scheduler *s, k8sc_object *pod, const char *node)
{
    const char *ns = k8sc_object_namespace(pod), *name = k8sc_object_name(pod);
    char msg[1200], *key = NULL;
    if (k8sc__object_key_of(&key, ns, name) < 0)
        return;
    if (bind(s, pod, node) < 0) {
        snprintf(msg, sizeof(msg), "Binding rejected: %s", k8sc_error_last());
        k8sc__sched_cache_lock(s->cache);
        k8sc__sched_cache_forget(s->cache, ns, name);
        k8sc__sched_cache_unlock(s->cache);
        event(s, pod, "Warning", "FailedScheduling", msg);
        k8sc__sched_queue_requeue(s->queue, key, false);
    } else {
        snprintf(msg, sizeof(msg), "Successfully assigned %s/%s to %s", ns, name, node);
        event(s, pod, "Normal", "Scheduled", msg);
        k8sc__sched_queue_done(s->queue, key);
    }
    k8sc_free(key);
}

static void *binder(void *ud)
{
    k8sc_scheduler *s = ud;
    pthread_mutex_lock(&s->bind_mu);
    for (;;) {
        while (!s->jobs && !s->binders_stop)
            pthread_cond_wait(&s->bind_cv, &s->bind_mu);
        k8sc__sched_bind_job *j = s->jobs;
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

int k8sc__sched_binders_start(k8sc_scheduler *s)
{
    for (; s->nbinders < K8SC__SCHED_BINDERS; s->nbinders++)
        if (pthread_create(&s->binders[s->nbinders], NULL, binder, s) != 0)
            break;
    return s->nbinders ? 0 : k8sc_error_set(K8SC_EIO, "scheduler: cannot start a binder thread");
}

void k8sc__sched_binders_stop(k8sc_scheduler *s)
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

/* Bind on a binder thread when they run (k8sc_scheduler_start), else here. */
static void bind_later(k8sc_scheduler *s, k8sc_object *pod, const char *node)
{
    k8sc__sched_bind_job *j = s->nbinders ? k8sc__calloc(1, sizeof(*j)) : NULL;
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

/*
 * PodEligibleToPreemptOthers: a pod already nominated to a node where a
 * lower-priority pod is terminating waits for that room instead of
 * evicting more.
 */
static bool victims_terminating(const cycle *c, k8sc__sched_node *const *nodes, size_t count)
{
    const char *nom = k8sc_object_get_string(c->pod, "status.nominatedNodeName");
    for (size_t i = 0; nom && *nom && i < count; i++) {
        if (strcmp(nodes[i]->name, nom) != 0)
            continue;
        for (size_t j = 0; j < nodes[i]->npods; j++) {
            const k8sc_object *o = nodes[i]->pods[j]->pod;
            if (k8sc_object_has(o, "metadata.deletionTimestamp") &&
                k8sc__sched_pod_priority(o) < c->priority)
                return true;
        }
    }
    return false;
}

/* The lookup part of a cycle, under the cache's lock: a node in `node`, or preemption's verdict in `pr`. */
static int place(cycle *c, char *node, size_t node_size, k8sc__sched_hist *h, size_t *count,
    k8sc__sched_preemption *pr, const char **post)
{
    k8sc_scheduler *s = c->s;
    k8sc__sched_node *const *nodes = k8sc__sched_cache_nodes(s->cache, count);
    const char *chosen = NULL;
    int64_t t0 = k8sc_clock_mono(NULL);
    int rc = k8sc__sched_cycle_init(&c->cy, &c->np->profile, &c->p, nodes, *count);
    if (rc == 0)
        rc = choose(&chosen, c, nodes, *count, h);
    s->stats.algorithm_ns += (uint64_t)(k8sc_clock_mono(NULL) - t0);
    s->stats.scheduled += rc == 0 && chosen;
    s->stats.unschedulable += rc == 0 && !chosen;
    if (rc == 0 && chosen) {
        snprintf(node, node_size, "%s", chosen);
        rc = k8sc__sched_cache_assume(s->cache, c->pod, node);
    } else if (rc == 0 && *count && c->np->preempt) {
        if (!k8sc__sched_pod_may_preempt(c->pod)) {
            *post = "not eligible due to preemptionPolicy=Never.";
        } else if (victims_terminating(c, nodes, *count)) {
            *post = "not eligible due to a terminating pod on the nominated node.";
        } else {
            pr->cycle = &c->cy;
            pr->pod = &c->p;
            pr->priority = c->priority;
            pr->pdbs = s->pdbs;
            pr->fits = preempt_fits;
            pr->fits_userdata = c;
            rc = k8sc__sched_preempt_find(pr);
        }
    }
    k8sc__sched_cycle_clear(&c->cy);
    return rc;
}

void k8sc__sched_schedule_one(k8sc_scheduler *s, const char *key)
{
    char ns[256] = "";
    const char *slash = strchr(key, '/'), *name = slash ? slash + 1 : key;
    snprintf(ns, sizeof(ns), "%.*s", slash ? (int)(slash - key) : 0, key);
    k8sc_object *pod = NULL;
    if (k8sc_cache_get(&pod, s->pods, ns, name) < 0) {
        k8sc__sched_cache_lock(s->cache);
        k8sc__sched_cache_forget(s->cache, ns, name);
        k8sc__sched_cache_unlock(s->cache);
        k8sc__sched_queue_delete(s->queue, key);
        return;
    }
    cycle c = { .s = s, .pod = pod, .key = key };
    k8sc__sched_hist h = { 0 };
    k8sc__sched_preemption pr = { 0 };
    const char *post = NULL;
    char node[256] = "";
    size_t count = 0;
    int rc = 0;
    k8sc__sched_cache_lock(s->cache);
    c.np = k8sc__sched_wants(s, pod);
    bool skip = !c.np || k8sc__sched_cache_is_assumed(s->cache, ns, name);
    bool ready = !skip && (rc = k8sc__sched_pod_init(&c.p, pod)) == 0;
    if (ready) {
        c.priority = k8sc__sched_pod_priority(pod);
        rc = place(&c, node, sizeof(node), &h, &count, &pr, &post);
    }
    k8sc__sched_cache_unlock(s->cache);
    if (skip) {
        k8sc__sched_queue_done(s->queue, key);
    } else if (rc == 0 && node[0]) {
        bind_later(s, pod, node);
    } else {
        if (rc == 0 && pr.node) {
            evict(&c, pr.victims, pr.nvictims, pr.node);
            clear_lower_nominations(&c, pr.node);
        }
        if (rc == 0)
            rc = fail(&c, &h, count, pr.node, post);
        if (rc < 0)
            k8sc_log(K8SC_LOG_ERROR, "%s: scheduling %s failed: %s", s->config.profiles[0].name, key,
                k8sc_error_last());
        k8sc__sched_queue_requeue(s->queue, key, rc == 0);
    }
    if (ready)
        k8sc__sched_pod_clear(&c.p);
    k8sc__sched_preemption_clear(&pr);
    k8sc__sched_hist_clear(&h);
    k8sc_object_free(pod);
}
