/*
 * InterPodAffinity (kube-scheduler 1.32's interpodaffinity plugin). The
 * pre-filter counts, per topology pair, the existing pods whose required
 * anti-affinity matches the incoming pod, and the pods that match the
 * incoming pod's required affinity and anti-affinity terms; the filter
 * then reads one count per term and node. The score sums the weights of
 * the preferred terms (of the pod and of the pods already placed, plus
 * their required affinity at hard_pod_affinity_weight) per topology pair.
 * Pods without any pod affinity cost one counter test when no placed pod
 * has anti-affinity.
 */
#include <json-c/json.h>
#include <string.h>

#include "sched.h"

#define MAX_SCORE 100

typedef struct interpod_state {
    k8sc__keymap existing_anti; /* pairs where placed pods' required anti-affinity matches the pod */
    k8sc__keymap affinity;      /* pairs with pods matching all the pod's required affinity terms */
    k8sc__keymap anti;          /* pairs with pods matching one of the pod's required anti-affinity terms */
    struct k8sc__sched_cache *cache;
} interpod_state;

static k8sc__sched_cache *cycle_cache(const k8sc__sched_cycle *cy)
{
    return cy->count ? cy->nodes[0]->cache : NULL;
}

static size_t nterms(const k8sc__sched_affinity *a, k8sc__sched_term_kind k)
{
    return a ? a->n[k] : 0;
}

/* podMatchesAllAffinityTerms: false without terms. */
static bool matches_all(const k8sc__sched_affinity *a, const char *ns, const struct json_object *labels,
    k8sc__sched_cache *cache)
{
    size_t n = nterms(a, K8SC__SCHED_AFFINITY);
    for (size_t i = 0; i < n; i++)
        if (!k8sc__sched_term_matches_pod(&a->terms[K8SC__SCHED_AFFINITY][i], ns, labels, cache))
            return false;
    return n > 0;
}

/* Count `pi` on its node (delta 1) or take it off (-1): updateWithPod. */
static int count_pod(interpod_state *s, const k8sc__sched_pod *p, const k8sc__sched_pod_info *pi, int delta)
{
    const k8sc__sched_node *n = pi->node;
    const k8sc__sched_affinity *mine = p->affinity, *theirs = pi->affinity;
    int rc = 0;
    for (size_t i = 0; i < nterms(theirs, K8SC__SCHED_ANTI_AFFINITY) && rc == 0; i++) {
        const k8sc__sched_term *t = &theirs->terms[K8SC__SCHED_ANTI_AFFINITY][i];
        const char *v = k8sc__sched_node_label(n, t->topology_key);
        if (v && k8sc__sched_term_matches_pod(t, p->ns, p->labels, s->cache))
            rc = k8sc__sched_tp_add(&s->existing_anti, t->topology_key, v, delta);
    }
    if (rc == 0 && matches_all(mine, pi->ns, pi->labels, s->cache))
        for (size_t i = 0; i < mine->n[K8SC__SCHED_AFFINITY] && rc == 0; i++) {
            const char *key = mine->terms[K8SC__SCHED_AFFINITY][i].topology_key;
            const char *v = k8sc__sched_node_label(n, key);
            if (v)
                rc = k8sc__sched_tp_add(&s->affinity, key, v, delta);
        }
    for (size_t i = 0; i < nterms(mine, K8SC__SCHED_ANTI_AFFINITY) && rc == 0; i++) {
        const k8sc__sched_term *t = &mine->terms[K8SC__SCHED_ANTI_AFFINITY][i];
        const char *v = k8sc__sched_node_label(n, t->topology_key);
        if (v && k8sc__sched_term_matches_pod(t, pi->ns, pi->labels, s->cache))
            rc = k8sc__sched_tp_add(&s->anti, t->topology_key, v, delta);
    }
    return rc;
}

void k8sc__sched_interpod_free(void *state)
{
    interpod_state *s = state;
    if (!s)
        return;
    k8sc__keymap_clear(&s->existing_anti);
    k8sc__keymap_clear(&s->affinity);
    k8sc__keymap_clear(&s->anti);
    k8sc_free(s);
}

int k8sc__sched_interpod_prefilter(void **out, const k8sc__sched_cycle *cy, const k8sc__sched_pod *p)
{
    *out = NULL;
    k8sc__sched_cache *cache = cycle_cache(cy);
    bool incoming = nterms(p->affinity, K8SC__SCHED_AFFINITY) || nterms(p->affinity, K8SC__SCHED_ANTI_AFFINITY);
    bool existing = cache && k8sc__sched_cache_affinity_pods(cache, true) > 0;
    if (!incoming && !existing)
        return 0;
    interpod_state *s = k8sc__calloc(1, sizeof(*s));
    if (!s)
        return K8SC_ENOMEM;
    s->cache = cache;
    int rc = 0;
    for (size_t i = 0; i < cy->count && rc == 0; i++) {
        const k8sc__sched_node *n = cy->nodes[i];
        if (!incoming && !n->with_anti_affinity)
            continue;
        for (size_t j = 0; j < n->npods && rc == 0; j++)
            if (incoming || (n->pods[j]->affinity && n->pods[j]->affinity->n[K8SC__SCHED_ANTI_AFFINITY]))
                rc = count_pod(s, p, n->pods[j], 1);
    }
    if (rc < 0 || (!incoming && s->existing_anti.count == 0)) {
        k8sc__sched_interpod_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int k8sc__sched_interpod_update(void *state, const k8sc__sched_pod *p, const k8sc__sched_pod_info *pi, int delta)
{
    return state && pi->node && pi->node->node ? count_pod(state, p, pi, delta) : 0;
}

/* satisfyPodAffinity, with the exception for the first pod of a group that matches its own terms. */
static bool affinity_ok(const interpod_state *s, const k8sc__sched_pod *p, const k8sc__sched_node *n)
{
    bool exist = true;
    for (size_t i = 0; i < nterms(p->affinity, K8SC__SCHED_AFFINITY); i++) {
        const char *key = p->affinity->terms[K8SC__SCHED_AFFINITY][i].topology_key;
        const char *v = k8sc__sched_node_label(n, key);
        if (!v)
            return false;
        if (k8sc__sched_tp_get(&s->affinity, key, v) <= 0)
            exist = false;
    }
    return exist || (s->affinity.count == 0 && matches_all(p->affinity, p->ns, p->labels, s->cache));
}

static bool anti_ok(const interpod_state *s, const k8sc__sched_pod *p, const k8sc__sched_node *n)
{
    for (size_t i = 0; s->anti.count && i < nterms(p->affinity, K8SC__SCHED_ANTI_AFFINITY); i++) {
        const char *key = p->affinity->terms[K8SC__SCHED_ANTI_AFFINITY][i].topology_key;
        const char *v = k8sc__sched_node_label(n, key);
        if (v && k8sc__sched_tp_get(&s->anti, key, v) > 0)
            return false;
    }
    return true;
}

/* satisfyExistingPodsAntiAffinity: no pair of the node's labels is counted. */
static bool existing_ok(const interpod_state *s, const k8sc__sched_node *n)
{
    struct json_object *labels = s->existing_anti.count ? k8sc_object_get(n->node, "metadata.labels") : NULL;
    if (!json_object_is_type(labels, json_type_object))
        return true;
    json_object_object_foreach(labels, key, val)
    {
        const char *v = json_object_get_string(val);
        if (v && k8sc__sched_tp_get(&s->existing_anti, key, v) > 0)
            return false;
    }
    return true;
}

const char *k8sc__sched_interpod_filter(const void *state, const k8sc__sched_pod *p, const k8sc__sched_node *n,
    bool *unresolvable)
{
    const interpod_state *s = state;
    *unresolvable = false;
    if (!affinity_ok(s, p, n)) {
        *unresolvable = true;
        return "node(s) didn't match pod affinity rules";
    }
    if (!anti_ok(s, p, n))
        return "node(s) didn't match pod anti-affinity rules";
    if (!existing_ok(s, n))
        return "node(s) didn't satisfy existing pods anti-affinity rules";
    return NULL;
}

/* The pre-score's topologyScore: pair sums, and the distinct topology keys they use. */
typedef struct topo_score {
    k8sc__keymap pairs;
    const char **keys;
    size_t nkeys, cap;
} topo_score;

/* processTerm: `weight` for every node sharing the existing pod's node's value of the term's key. */
static int add_term(topo_score *ts, const k8sc__sched_term *t, int64_t weight, const k8sc__sched_node *n)
{
    const char *v = k8sc__sched_node_label(n, t->topology_key);
    if (!v || weight == 0)
        return 0;
    size_t k = 0;
    while (k < ts->nkeys && strcmp(ts->keys[k], t->topology_key) != 0)
        k++;
    if (k == ts->nkeys) {
        if (ts->nkeys == ts->cap) {
            size_t cap = ts->cap ? ts->cap * 2 : 4;
            const char **keys = k8sc__realloc(ts->keys, cap * sizeof(*keys));
            if (!keys)
                return K8SC_ENOMEM;
            ts->keys = keys;
            ts->cap = cap;
        }
        ts->keys[ts->nkeys++] = t->topology_key;
    }
    return k8sc__sched_tp_add(&ts->pairs, t->topology_key, v, weight);
}

/* processExistingPod. */
static int score_pod(topo_score *ts, const k8sc__sched_cycle *cy, const k8sc__sched_pod *p,
    const k8sc__sched_pod_info *pi, k8sc__sched_cache *cache)
{
    static const struct {
        k8sc__sched_term_kind kind;
        bool theirs; /* the existing pod's terms against the incoming pod, else the other way round */
        int sign;
    } passes[] = {
        { K8SC__SCHED_PREFERRED_AFFINITY, false, 1 },
        { K8SC__SCHED_PREFERRED_ANTI_AFFINITY, false, -1 },
        { K8SC__SCHED_AFFINITY, true, 1 },
        { K8SC__SCHED_PREFERRED_AFFINITY, true, 1 },
        { K8SC__SCHED_PREFERRED_ANTI_AFFINITY, true, -1 },
    };
    const k8sc__sched_node *n = pi->node;
    struct json_object *labels = k8sc_object_get(n->node, "metadata.labels");
    if (!json_object_is_type(labels, json_type_object) || json_object_object_length(labels) == 0)
        return 0;
    int rc = 0;
    for (size_t k = 0; k < sizeof(passes) / sizeof(passes[0]) && rc == 0; k++) {
        const k8sc__sched_affinity *a = passes[k].theirs ? pi->affinity : p->affinity;
        size_t count = nterms(a, passes[k].kind);
        for (size_t i = 0; i < count && rc == 0; i++) {
            const k8sc__sched_term *t = &a->terms[passes[k].kind][i];
            bool hard = passes[k].kind == K8SC__SCHED_AFFINITY;
            int64_t w = hard ? cy->profile->hard_pod_affinity_weight : t->weight;
            bool match = passes[k].theirs ? k8sc__sched_term_matches_pod(t, p->ns, p->labels, cache)
                                          : k8sc__sched_term_matches_pod(t, pi->ns, pi->labels, cache);
            if (match)
                rc = add_term(ts, t, w * passes[k].sign, n);
        }
    }
    return rc;
}

int k8sc__sched_interpod_score(const k8sc__sched_cycle *cy, const k8sc__sched_pod *p, k8sc__sched_node *const *nodes,
    size_t count, int64_t *scores)
{
    memset(scores, 0, count * sizeof(*scores));
    k8sc__sched_cache *cache = cycle_cache(cy);
    bool constraints = nterms(p->affinity, K8SC__SCHED_PREFERRED_AFFINITY) ||
        nterms(p->affinity, K8SC__SCHED_PREFERRED_ANTI_AFFINITY);
    if (count == 0 || !cache || (cy->profile->ignore_preferred_terms_of_existing_pods && !constraints))
        return 0;
    if (!constraints && k8sc__sched_cache_affinity_pods(cache, false) == 0)
        return 0;
    topo_score ts = { K8SC__KEYMAP_INIT, NULL, 0, 0 };
    int rc = 0;
    for (size_t i = 0; i < cy->count && rc == 0; i++) {
        const k8sc__sched_node *n = cy->nodes[i];
        if (!constraints && !n->with_affinity)
            continue;
        for (size_t j = 0; j < n->npods && rc == 0; j++)
            if (constraints || n->pods[j]->affinity)
                rc = score_pod(&ts, cy, p, n->pods[j], cache);
    }
    if (rc == 0 && ts.pairs.count) {
        int64_t min = INT64_MAX, max = INT64_MIN;
        for (size_t i = 0; i < count; i++) {
            int64_t sum = 0;
            for (size_t k = 0; k < ts.nkeys; k++) {
                const char *v = k8sc__sched_node_label(nodes[i], ts.keys[k]);
                if (v)
                    sum += k8sc__sched_tp_get(&ts.pairs, ts.keys[k], v);
            }
            scores[i] = sum;
            min = sum < min ? sum : min;
            max = sum > max ? sum : max;
        }
        for (size_t i = 0; i < count; i++)
            scores[i] = max > min ? (int64_t)(MAX_SCORE * ((double)(scores[i] - min) / (double)(max - min))) : 0;
    }
    k8sc__keymap_clear(&ts.pairs);
    k8sc_free(ts.keys);
    return rc;
}
