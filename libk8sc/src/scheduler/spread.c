/*
 * PodTopologySpread (kube-scheduler 1.32's podtopologyspread plugin). The
 * filter checks the pod's DoNotSchedule constraints against the matching
 * pods counted per domain once per cycle over every eligible node; the
 * score ranks the feasible nodes by the matching pods in their domains for
 * the ScheduleAnyway constraints, or the system defaults (hostname maxSkew
 * 3, zone maxSkew 5) for a pod of a workload that sets none.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sched.h"

#define MAX_SCORE 100
#define LABEL_HOSTNAME "kubernetes.io/hostname"
#define LABEL_ZONE "topology.kubernetes.io/zone"

typedef struct constraint {
    const char *key;
    int64_t max_skew, min_domains;
    k8sc_selector *selector;
    bool honor_affinity, honor_taints; /* nodeAffinityPolicy / nodeTaintsPolicy */
    k8sc__keymap domains;              /* "key\x01value" -> matching pods, zero counts kept */
    int64_t min;                       /* the smallest count over `domains` */
} constraint;

typedef struct spread_state {
    constraint *c;
    size_t n;
} spread_state;

static void constraints_free(constraint *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        k8sc_selector_free(c[i].selector);
        k8sc__keymap_clear(&c[i].domains);
    }
    k8sc_free(c);
}

/* The labelSelector with matchLabelKeys' `key In (pod's value)` added (mergeLabelSetWithSelector). */
static int constraint_selector(k8sc_selector **out, const struct json_object *tsc, const k8sc__sched_pod *p)
{
    struct json_object *sel = k8sc__json_member(tsc, "labelSelector");
    struct json_object *keys = k8sc__json_member(tsc, "matchLabelKeys");
    size_t nk = json_object_is_type(keys, json_type_array) ? json_object_array_length(keys) : 0;
    if (!sel || nk == 0)
        return k8sc_selector_from_json(out, sel);
    struct json_object *copy = NULL;
    if (json_object_deep_copy(sel, &copy, NULL) != 0)
        return K8SC_ENOMEM;
    struct json_object *exprs = k8sc__json_member(copy, "matchExpressions");
    if (!json_object_is_type(exprs, json_type_array)) {
        exprs = json_object_new_array();
        json_object_object_add(copy, "matchExpressions", exprs);
    }
    for (size_t i = 0; i < nk; i++) {
        const char *key = json_object_get_string(json_object_array_get_idx(keys, i));
        struct json_object *v = key && p->labels ? k8sc__json_member(p->labels, key) : NULL;
        if (!v)
            continue;
        struct json_object *req = json_object_new_object(), *values = json_object_new_array();
        json_object_object_add(req, "key", json_object_new_string(key));
        json_object_object_add(req, "operator", json_object_new_string("In"));
        json_object_array_add(values, json_object_get(v));
        json_object_object_add(req, "values", values);
        json_object_array_add(exprs, req);
    }
    int rc = k8sc_selector_from_json(out, copy);
    json_object_put(copy);
    return rc;
}

/* The pod's constraints with whenUnsatisfiable `when` (filterTopologySpreadConstraints). */
static int constraints_read(constraint **out, size_t *count, const k8sc__sched_pod *p, const char *when)
{
    size_t total = p->spread ? json_object_array_length(p->spread) : 0, n = 0;
    *out = NULL;
    *count = 0;
    constraint *c = k8sc__calloc(total ? total : 1, sizeof(*c));
    if (!c)
        return K8SC_ENOMEM;
    for (size_t i = 0; i < total; i++) {
        const struct json_object *tsc = json_object_array_get_idx(p->spread, i);
        const char *w = k8sc__json_string(tsc, "whenUnsatisfiable");
        if (strcmp(w ? w : "DoNotSchedule", when) != 0)
            continue;
        constraint *ct = &c[n++];
        const char *key = k8sc__json_string(tsc, "topologyKey");
        const char *ap = k8sc__json_string(tsc, "nodeAffinityPolicy");
        const char *tp = k8sc__json_string(tsc, "nodeTaintsPolicy");
        ct->key = key ? key : "";
        ct->max_skew = json_object_get_int64(k8sc__json_member(tsc, "maxSkew"));
        struct json_object *md = k8sc__json_member(tsc, "minDomains");
        ct->min_domains = md ? json_object_get_int64(md) : 1;
        ct->honor_affinity = !ap || strcmp(ap, "Ignore") != 0;
        ct->honor_taints = tp && strcmp(tp, "Honor") == 0;
        int rc = constraint_selector(&ct->selector, tsc, p);
        if (rc < 0) {
            constraints_free(c, n);
            return k8sc_error_set(rc, "topologySpreadConstraints[%zu]: %s", i, k8sc_error_last());
        }
    }
    *out = c;
    *count = n;
    return 0;
}

/* buildDefaultConstraints: the system defaults, selecting the pods that share the pod's labels. */
static int constraints_default(constraint **out, size_t *count, const k8sc__sched_pod *p)
{
    *out = NULL;
    *count = 0;
    if (!p->labels || json_object_object_length(p->labels) == 0)
        return 0;
    constraint *c = k8sc__calloc(2, sizeof(*c));
    if (!c)
        return K8SC_ENOMEM;
    const char *keys[2] = { LABEL_HOSTNAME, LABEL_ZONE };
    for (size_t i = 0; i < 2; i++) {
        c[i].key = keys[i];
        c[i].max_skew = i == 0 ? 3 : 5;
        c[i].min_domains = 1;
        c[i].honor_affinity = true;
        int rc = k8sc_selector_from_map(&c[i].selector, p->labels);
        if (rc < 0) {
            constraints_free(c, i + 1);
            return rc;
        }
    }
    *out = c;
    *count = 2;
    return 0;
}

/* nodeLabelsMatchSpreadConstraints. */
static bool has_keys(const k8sc__sched_node *n, const constraint *c, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!k8sc__sched_node_label(n, c[i].key))
            return false;
    return true;
}

/* matchNodeInclusionPolicies. */
static bool included(const constraint *c, const k8sc__sched_pod *p, const k8sc__sched_node *n)
{
    return (!c->honor_affinity || k8sc__sched_node_affinity_fits(p, n)) &&
        (!c->honor_taints || k8sc__sched_taints_tolerated(p, n));
}

/* countPodsMatchSelector: the pod's namespace, not terminating; an empty selector counts none. */
static int64_t count_matching(const k8sc__sched_node *n, const k8sc_selector *sel, const char *ns)
{
    if (k8sc_selector_is_everything(sel))
        return 0;
    int64_t count = 0;
    for (size_t i = 0; i < n->npods; i++) {
        const k8sc__sched_pod_info *pi = n->pods[i];
        if (!pi->terminating && strcmp(pi->ns, ns) == 0 && k8sc_selector_matches_map(sel, pi->labels))
            count++;
    }
    return count;
}

/* The domain (key, value) of `m`, created with 0 when `create`. */
static k8sc__sched_tpcount *domain(k8sc__keymap *m, const char *key, const char *value, bool create)
{
    char k[640];
    snprintf(k, sizeof(k), "%s\x01%s", key, value);
    k8sc__sched_tpcount *e = (k8sc__sched_tpcount *)k8sc__keymap_find(m, k);
    if (!e && create)
        e = (k8sc__sched_tpcount *)k8sc__keymap_insert(m, k, sizeof(*e));
    return e;
}

static void update_min(constraint *c)
{
    c->min = INT64_MAX;
    for (size_t b = 0; b < c->domains.nbuckets; b++)
        for (const k8sc__keynode *kn = c->domains.buckets[b]; kn; kn = kn->next)
            if (((const k8sc__sched_tpcount *)kn)->count < c->min)
                c->min = ((const k8sc__sched_tpcount *)kn)->count;
}

void k8sc__sched_spread_free(void *state)
{
    spread_state *s = state;
    if (!s)
        return;
    constraints_free(s->c, s->n);
    k8sc_free(s);
}

int k8sc__sched_spread_prefilter(void **out, const k8sc__sched_cycle *cy, const k8sc__sched_pod *p)
{
    *out = NULL;
    if (!p->spread)
        return 0;
    spread_state *s = k8sc__calloc(1, sizeof(*s));
    if (!s)
        return K8SC_ENOMEM;
    int rc = constraints_read(&s->c, &s->n, p, "DoNotSchedule");
    for (size_t i = 0; rc == 0 && s->n && i < cy->count; i++) {
        const k8sc__sched_node *n = cy->nodes[i];
        if (!has_keys(n, s->c, s->n))
            continue;
        for (size_t j = 0; j < s->n && rc == 0; j++) {
            constraint *c = &s->c[j];
            if (!included(c, p, n))
                continue;
            k8sc__sched_tpcount *d = domain(&c->domains, c->key, k8sc__sched_node_label(n, c->key), true);
            if (!d)
                rc = K8SC_ENOMEM;
            else
                d->count += count_matching(n, c->selector, p->ns);
        }
    }
    if (rc < 0 || s->n == 0) {
        k8sc__sched_spread_free(s);
        return rc;
    }
    for (size_t j = 0; j < s->n; j++)
        update_min(&s->c[j]);
    *out = s;
    return 0;
}

int k8sc__sched_spread_update(void *state, const k8sc__sched_pod *p, const k8sc__sched_pod_info *pi, int delta)
{
    spread_state *s = state;
    const k8sc__sched_node *n = pi->node;
    if (!s || !n || !n->node || strcmp(pi->ns, p->ns) != 0 || !has_keys(n, s->c, s->n))
        return 0;
    for (size_t j = 0; j < s->n; j++) {
        constraint *c = &s->c[j];
        if (!k8sc_selector_matches_map(c->selector, pi->labels) || !included(c, p, n))
            continue;
        k8sc__sched_tpcount *d = domain(&c->domains, c->key, k8sc__sched_node_label(n, c->key), true);
        if (!d)
            return K8SC_ENOMEM;
        d->count += delta;
        update_min(c);
    }
    return 0;
}

const char *k8sc__sched_spread_filter(const void *state, const k8sc__sched_pod *p, const k8sc__sched_node *n,
    bool *unresolvable)
{
    const spread_state *s = state;
    *unresolvable = false;
    for (size_t j = 0; j < s->n; j++) {
        const constraint *c = &s->c[j];
        const char *v = k8sc__sched_node_label(n, c->key);
        if (!v) {
            *unresolvable = true;
            return "node(s) didn't match pod topology spread constraints (missing required label)";
        }
        k8sc__sched_tpcount *d = domain((k8sc__keymap *)&c->domains, c->key, v, false);
        int64_t self = k8sc_selector_matches_map(c->selector, p->labels) ? 1 : 0;
        int64_t min = (int64_t)c->domains.count < c->min_domains ? 0 : c->min;
        if ((d ? d->count : 0) + self - min > c->max_skew)
            return "node(s) didn't match pod topology spread constraints";
    }
    return NULL;
}

/* PreScore over the feasible `nodes`, Score and NormalizeScore. */
static int spread_score(constraint *c, size_t nc, bool require_all, const k8sc__sched_cycle *cy,
    const k8sc__sched_pod *p, k8sc__sched_node *const *nodes, size_t count, int64_t *scores)
{
    bool *ignored = k8sc__calloc(count ? count : 1, sizeof(*ignored));
    double *weight = k8sc__calloc(nc, sizeof(*weight));
    k8sc__keymap pairs = K8SC__KEYMAP_INIT;
    int rc = ignored && weight ? 0 : K8SC_ENOMEM;
    size_t nignored = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        if (require_all && !has_keys(nodes[i], c, nc)) {
            ignored[i] = true;
            nignored++;
            continue;
        }
        for (size_t j = 0; j < nc && rc == 0; j++) {
            if (strcmp(c[j].key, LABEL_HOSTNAME) == 0)
                continue;
            const char *v = k8sc__sched_node_label(nodes[i], c[j].key);
            v = v ? v : "";
            if (domain(&pairs, c[j].key, v, false))
                continue;
            if (!domain(&pairs, c[j].key, v, true))
                rc = K8SC_ENOMEM;
            weight[j] += 1;
        }
    }
    for (size_t j = 0; j < nc && rc == 0; j++) {
        double size = strcmp(c[j].key, LABEL_HOSTNAME) == 0 ? (double)(count - nignored) : weight[j];
        weight[j] = log(size + 2);
    }
    for (size_t i = 0; i < cy->count && rc == 0 && pairs.count; i++) {
        const k8sc__sched_node *n = cy->nodes[i];
        if (require_all && !has_keys(n, c, nc))
            continue;
        for (size_t j = 0; j < nc; j++) {
            const char *v = k8sc__sched_node_label(n, c[j].key);
            k8sc__sched_tpcount *d = included(&c[j], p, n) ? domain(&pairs, c[j].key, v ? v : "", false) : NULL;
            if (d)
                d->count += count_matching(n, c[j].selector, p->ns);
        }
    }
    int64_t min = INT64_MAX, max = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        double score = 0;
        for (size_t j = 0; j < nc && !ignored[i]; j++) {
            const char *v = k8sc__sched_node_label(nodes[i], c[j].key);
            if (!v)
                continue;
            int64_t cnt = 0;
            if (strcmp(c[j].key, LABEL_HOSTNAME) == 0) {
                cnt = count_matching(nodes[i], c[j].selector, p->ns);
            } else {
                const k8sc__sched_tpcount *d = domain(&pairs, c[j].key, v, false);
                cnt = d ? d->count : 0;
            }
            score += (double)cnt * weight[j] + (double)(c[j].max_skew - 1);
        }
        scores[i] = (int64_t)round(score);
        if (!ignored[i]) {
            min = scores[i] < min ? scores[i] : min;
            max = scores[i] > max ? scores[i] : max;
        }
    }
    for (size_t i = 0; i < count && rc == 0; i++) {
        if (ignored[i])
            scores[i] = 0;
        else if (max == 0)
            scores[i] = MAX_SCORE;
        else
            scores[i] = MAX_SCORE * (max + min - scores[i]) / max;
    }
    k8sc__keymap_clear(&pairs);
    k8sc_free(ignored);
    k8sc_free(weight);
    return rc;
}

int k8sc__sched_spread_score(const k8sc__sched_cycle *cy, const k8sc__sched_pod *p, k8sc__sched_node *const *nodes,
    size_t count, int64_t *scores)
{
    memset(scores, 0, count * sizeof(*scores));
    constraint *c = NULL;
    size_t nc = 0;
    int rc = 0;
    if (p->spread)
        rc = constraints_read(&c, &nc, p, "ScheduleAnyway");
    else if (cy->profile->system_default_spread && p->default_spread)
        rc = constraints_default(&c, &nc, p);
    if (rc == 0 && nc && count)
        rc = spread_score(c, nc, p->spread != NULL, cy, p, nodes, count, scores);
    constraints_free(c, nc);
    return rc;
}
