/*
 * DefaultPreemption (kube-scheduler's PostFilter): pod priority, the
 * scratch nodes the what-if runs on, victim selection per node
 * (SelectVictimsOnNode) and the choice among candidate nodes
 * (pickOneNodeForPreemption).
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "framework.h"

/* corev1helpers.PodPriority: spec.priority, which the API server's Priority admission sets; 0 without it. */
int64_t k8sc__sched_pod_priority(const k8sc_object *pod)
{
    struct json_object *v = k8sc_object_get(pod, "spec.priority");
    return json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;
}

bool k8sc__sched_pod_may_preempt(const k8sc_object *pod)
{
    const char *policy = k8sc_object_get_string(pod, "spec.preemptionPolicy");
    return !policy || strcmp(policy, "Never") != 0;
}

static int count_pod(k8sc__sched_node *n, k8sc__sched_pod_info *pi)
{
    n->pods[n->npods++] = pi;
    n->milli_cpu += pi->milli_cpu;
    n->memory += pi->memory;
    n->nonzero_cpu += pi->nonzero_cpu;
    n->nonzero_mem += pi->nonzero_mem;
    return pi->requests ? k8sc_resources_add(n->requested, pi->requests) : 0;
}

int k8sc__sched_scratch_node(k8sc__sched_node *out, const k8sc__sched_node *n, k8sc__sched_pod_info *const *drop,
    size_t ndrop, k8sc__sched_pod_info *const *add, size_t nadd)
{
    *out = *n;
    out->pods = k8sc__calloc(n->npods + nadd + 1, sizeof(*out->pods));
    out->requested = NULL;
    out->npods = 0;
    out->cap = n->npods + nadd + 1;
    out->milli_cpu = out->memory = out->nonzero_cpu = out->nonzero_mem = 0;
    int rc = out->pods ? k8sc_resources_new(&out->requested) : K8SC_ENOMEM;
    for (size_t i = 0; i < n->npods && rc == 0; i++) {
        bool dropped = false;
        for (size_t j = 0; j < ndrop && !dropped; j++)
            dropped = drop[j] == n->pods[i];
        if (!dropped)
            rc = count_pod(out, n->pods[i]);
    }
    for (size_t i = 0; i < nadd && rc == 0; i++)
        rc = count_pod(out, add[i]);
    if (rc < 0)
        k8sc__sched_scratch_clear(out);
    return rc;
}

void k8sc__sched_scratch_clear(k8sc__sched_node *n)
{
    k8sc_free(n->pods);
    k8sc_resources_free(n->requested);
    n->pods = NULL;
    n->requested = NULL;
    n->npods = 0;
}

int k8sc__sched_pod_info_new(k8sc__sched_pod_info **out, const k8sc_object *pod)
{
    k8sc__sched_pod p;
    int rc = k8sc__sched_pod_init(&p, pod);
    if (rc < 0)
        return rc;
    k8sc__sched_pod_info *pi = k8sc__calloc(1, sizeof(*pi));
    if (!pi) {
        k8sc__sched_pod_clear(&p);
        return K8SC_ENOMEM;
    }
    k8sc__sched_pod_info_set(pi, &p, pod);
    k8sc__sched_pod_clear(&p);
    *out = pi;
    return 0;
}

void k8sc__sched_pod_info_free(k8sc__sched_pod_info *pi)
{
    if (!pi)
        return;
    k8sc__sched_pod_info_release(pi);
    k8sc_free(pi);
}

/* A pod that may be evicted, with what orders it. */
typedef struct victim {
    k8sc__sched_pod_info *pi;
    int64_t priority;
    int64_t start; /* status.startTime in seconds; INT64_MAX when unknown */
    bool violates; /* evicting it would break a PodDisruptionBudget */
} victim;

/* MoreImportantPod: higher priority first, then the one that started earlier. */
static int more_important(const void *a, const void *b)
{
    const victim *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int64_t start_of(const k8sc_object *pod)
{
    int64_t t = 0;
    const char *s = k8sc_object_get_string(pod, "status.startTime");
    return s && k8sc_time_parse(&t, s) == 0 ? t : INT64_MAX;
}

/* A selector with no requirement matches no pod here (filterPodsWithPDBViolation). */
static bool empty_selector(const struct json_object *sel)
{
    struct json_object *ml = k8sc__json_member(sel, "matchLabels"), *me = k8sc__json_member(sel, "matchExpressions");
    return !(json_object_is_type(ml, json_type_object) && json_object_object_length(ml) > 0) &&
        !(json_object_is_type(me, json_type_array) && json_object_array_length(me) > 0);
}

static bool disrupted_already(const k8sc_object *pdb, const char *pod_name)
{
    struct json_object *dp = k8sc_object_get(pdb, "status.disruptedPods");
    return json_object_is_type(dp, json_type_object) && json_object_object_get_ex(dp, pod_name, NULL);
}

/*
 * Mark the victims whose eviction would take some budget below zero, in
 * importance order: each budget's disruptionsAllowed is spent as pods are
 * counted against it.
 */
static void mark_pdb_violations(victim *v, size_t n, k8sc_cache *pdbs)
{
    k8sc_object **items = NULL;
    size_t count = 0;
    if (!pdbs || k8sc_cache_list(&items, &count, pdbs, NULL, NULL) < 0 || count == 0) {
        k8sc_cache_items_free(items, count);
        return;
    }
    int64_t *allowed = k8sc__calloc(count, sizeof(*allowed));
    for (size_t j = 0; allowed && j < count; j++)
        allowed[j] = json_object_get_int64(k8sc_object_get(items[j], "status.disruptionsAllowed"));
    for (size_t i = 0; allowed && i < n; i++) {
        const k8sc_object *pod = v[i].pi->pod;
        const char *ns = k8sc_object_namespace(pod);
        for (size_t j = 0; j < count; j++) {
            struct json_object *sel = k8sc_object_get(items[j], "spec.selector");
            const char *pns = k8sc_object_namespace(items[j]);
            if (!ns || !pns || strcmp(ns, pns) != 0 || empty_selector(sel))
                continue;
            k8sc_selector *s = NULL;
            bool match = k8sc_selector_from_json(&s, sel) == 0 && k8sc_selector_matches_object(s, pod);
            k8sc_selector_free(s);
            if (!match || disrupted_already(items[j], k8sc_object_name(pod)))
                continue;
            if (--allowed[j] < 0)
                v[i].violates = true;
        }
    }
    k8sc_free(allowed);
    k8sc_cache_items_free(items, count);
}

/* What evicting on one node costs. */
typedef struct candidate {
    const k8sc__sched_node *node;
    victim *victims; /* importance order */
    size_t n;
    size_t pdb_violations;
} candidate;

static int fits(k8sc__sched_preemption *pr, const k8sc__sched_node *n, k8sc__sched_pod_info *const *drop, size_t ndrop)
{
    k8sc__sched_node scratch;
    int rc = k8sc__sched_scratch_node(&scratch, n, drop, ndrop, NULL, 0);
    if (rc < 0)
        return rc;
    rc = pr->fits(pr->fits_userdata, pr->cycle, &scratch);
    k8sc__sched_scratch_clear(&scratch);
    return rc;
}

/*
 * SelectVictimsOnNode: take every lower-priority pod off `n`; if the pod
 * then fits, put them back one by one, budget-violating ones first, each
 * in importance order, keeping off only those without which it does not
 * fit. 1 with `c` filled, 0 when evicting cannot help, < 0 on error.
 */
static int select_victims(k8sc__sched_preemption *pr, const k8sc__sched_node *n, candidate *c)
{
    victim *all = k8sc__calloc(n->npods + 1, sizeof(*all));
    k8sc__sched_pod_info **drop = k8sc__calloc(n->npods + 1, sizeof(*drop));
    size_t nall = 0;
    int rc = all && drop ? 0 : K8SC_ENOMEM;
    for (size_t i = 0; i < n->npods && rc == 0; i++) {
        int64_t prio = k8sc__sched_pod_priority(n->pods[i]->pod);
        if (prio < pr->priority)
            all[nall++] = (victim){ n->pods[i], prio, start_of(n->pods[i]->pod), false };
    }
    for (size_t i = 0; i < nall && rc == 0; i++) {
        drop[i] = all[i].pi;
        rc = k8sc__sched_cycle_remove_pod(pr->cycle, pr->pod, all[i].pi);
    }
    size_t removed = rc == 0 ? nall : 0;
    if (rc == 0 && nall)
        rc = fits(pr, n, drop, nall);
    if (rc == 1) {
        qsort(all, nall, sizeof(*all), more_important);
        mark_pdb_violations(all, nall, pr->pdbs);
        /* Reprieve order: the violating victims first, each group by importance. */
        victim *order = k8sc__calloc(nall, sizeof(*order));
        size_t k = 0;
        rc = order ? 0 : K8SC_ENOMEM;
        for (int pass = 0; pass < 2 && rc == 0; pass++)
            for (size_t i = 0; i < nall; i++)
                if (all[i].violates == (pass == 0))
                    order[k++] = all[i];
        c->victims = k8sc__calloc(nall, sizeof(*c->victims));
        if (rc == 0 && !c->victims)
            rc = K8SC_ENOMEM;
        c->n = 0;
        for (size_t i = 0; i < nall && rc == 0; i++) {
            /* Off the node: the victims so far and the pods not tried yet. */
            size_t nd = 0;
            for (size_t j = 0; j < c->n; j++)
                drop[nd++] = c->victims[j].pi;
            for (size_t j = i + 1; j < nall; j++)
                drop[nd++] = order[j].pi;
            if ((rc = k8sc__sched_cycle_add_pod(pr->cycle, pr->pod, order[i].pi)) < 0)
                break;
            rc = fits(pr, n, drop, nd);
            if (rc == 0) {
                rc = k8sc__sched_cycle_remove_pod(pr->cycle, pr->pod, order[i].pi);
                c->victims[c->n++] = order[i];
                c->pdb_violations += order[i].violates;
            } else if (rc == 1) {
                rc = 0;
            }
        }
        removed = c->n;
        for (size_t j = 0; j < c->n; j++)
            drop[j] = c->victims[j].pi;
        k8sc_free(order);
        c->node = n;
        if (rc == 0) {
            /* The victims in importance order, as pickOneNodeForPreemption reads them. */
            qsort(c->victims, c->n, sizeof(*c->victims), more_important);
            rc = 1;
        }
    }
    /* The cycle's state goes back to the node as it is. */
    for (size_t i = 0; i < removed; i++)
        k8sc__sched_cycle_add_pod(pr->cycle, pr->pod, drop[i]);
    k8sc_free(all);
    k8sc_free(drop);
    return rc;
}

static int64_t sum_priorities(const candidate *c)
{
    int64_t sum = 0;
    /* As kube-scheduler: every priority shifted above zero so that more victims never cost less. */
    for (size_t i = 0; i < c->n; i++)
        sum += c->victims[i].priority + (int64_t)INT32_MAX + 1;
    return sum;
}

/* The earliest start among the highest-priority victims (GetEarliestPodStartTime). */
static int64_t earliest_start(const candidate *c)
{
    int64_t t = INT64_MAX;
    for (size_t i = 0; i < c->n && c->victims[i].priority == c->victims[0].priority; i++)
        if (c->victims[i].start < t)
            t = c->victims[i].start;
    return t;
}

/* Whether `a` is a better node to preempt on than `b` (pickOneNodeForPreemption's criteria in order). */
static bool better(const candidate *a, const candidate *b)
{
    if (a->pdb_violations != b->pdb_violations)
        return a->pdb_violations < b->pdb_violations;
    if (a->n == 0 || b->n == 0)
        return a->n == 0 && b->n != 0;
    if (a->victims[0].priority != b->victims[0].priority)
        return a->victims[0].priority < b->victims[0].priority;
    int64_t sa = sum_priorities(a), sb = sum_priorities(b);
    if (sa != sb)
        return sa < sb;
    if (a->n != b->n)
        return a->n < b->n;
    return earliest_start(a) > earliest_start(b);
}

/* Whether filtering failed on `n` only for reasons evicting pods can change. */
static int resolvable(k8sc__sched_preemption *pr, const k8sc__sched_node *n)
{
    k8sc__sched_hist h = { 0 };
    int rc = k8sc__sched_filter(pr->cycle, pr->pod, n, &h);
    if (rc == 0)
        rc = h.unresolvable == 0;
    else if (rc == 1)
        rc = 0;
    k8sc__sched_hist_clear(&h);
    return rc;
}

int k8sc__sched_preempt_find(k8sc__sched_preemption *pr)
{
    k8sc__sched_cycle *cy = pr->cycle;
    candidate best = { 0 };
    int rc = 0;
    pr->node = NULL;
    pr->victims = NULL;
    pr->nvictims = 0;
    for (size_t i = 0; i < cy->count && rc == 0; i++) {
        const k8sc__sched_node *n = cy->nodes[i];
        candidate c = { 0 };
        if ((rc = resolvable(pr, n)) <= 0)
            continue;
        rc = select_victims(pr, n, &c);
        if (rc == 1 && (!best.node || better(&c, &best))) {
            k8sc_free(best.victims);
            best = c;
        } else {
            k8sc_free(c.victims);
        }
        rc = rc < 0 ? rc : 0;
    }
    if (rc == 0 && best.node) {
        pr->node = k8sc__strdup(best.node->name);
        pr->victims = k8sc__calloc(best.n + 1, sizeof(*pr->victims));
        if (!pr->node || !pr->victims)
            rc = K8SC_ENOMEM;
        for (size_t i = 0; rc == 0 && i < best.n; i++)
            pr->victims[pr->nvictims++] = k8sc_object_ref(best.victims[i].pi->pod);
    }
    k8sc_free(best.victims);
    if (rc < 0)
        k8sc__sched_preemption_clear(pr);
    return rc;
}

void k8sc__sched_preemption_clear(k8sc__sched_preemption *pr)
{
    for (size_t i = 0; i < pr->nvictims; i++)
        k8sc_object_free(pr->victims[i]);
    k8sc_free(pr->victims);
    k8sc_free(pr->node);
    pr->victims = NULL;
    pr->node = NULL;
    pr->nvictims = 0;
}
