/*
 * The score plugins, weighted by the profile (weight 0: not run):
 * NodeResourcesFit (fit_score.c), NodeResourcesBalancedAllocation,
 * TaintToleration, NodeAffinity, PodTopologySpread (spread.c),
 * InterPodAffinity (interpod.c), ImageLocality (image_locality.c). Each
 * plugin scores 0..100 after normalising over the feasible nodes.
 */
#include <json-c/json.h>
#include <string.h>

#include "sched.h"

#define MAX_SCORE 100

/* NodeResourcesBalancedAllocation: 1 - the standard deviation of the cpu and memory fractions, actual requests. */
static int64_t balanced(const k8sc__sched_pod *p, const k8sc__sched_node *n)
{
    double fr[2];
    int count = 0;
    int64_t cap[2] = { n->alloc_cpu, n->alloc_mem };
    int64_t req[2] = { n->milli_cpu + p->milli_cpu, n->memory + p->memory };
    for (int i = 0; i < 2; i++) {
        if (cap[i] <= 0)
            continue;
        double f = (double)req[i] / (double)cap[i];
        fr[count++] = f > 1 ? 1 : f;
    }
    double diff = count == 2 ? fr[0] - fr[1] : 0;
    double std = (diff < 0 ? -diff : diff) / 2;
    return (int64_t)((1 - std) * MAX_SCORE);
}

/* TaintToleration: PreferNoSchedule taints the pod does not tolerate (lower is better). */
static int64_t intolerable_prefer(const k8sc__sched_pod *p, const k8sc__sched_node *n)
{
    struct json_object *taints = n->taints, *tols = p->tolerations;
    size_t nt = taints ? json_object_array_length(taints) : 0;
    size_t nl = json_object_is_type(tols, json_type_array) ? json_object_array_length(tols) : 0;
    int64_t count = 0;
    for (size_t i = 0; i < nt; i++) {
        const struct json_object *t = json_object_array_get_idx(taints, i);
        const char *effect = k8sc__json_string(t, "effect");
        if (!effect || strcmp(effect, "PreferNoSchedule") != 0)
            continue;
        const char *key = k8sc__json_string(t, "key"), *value = k8sc__json_string(t, "value");
        bool tolerated = false;
        /* Only tolerations with an empty or PreferNoSchedule effect count (getAllTolerationPreferNoSchedule). */
        for (size_t j = 0; j < nl && !tolerated; j++) {
            const struct json_object *tl = json_object_array_get_idx(tols, j);
            const char *te = k8sc__json_string(tl, "effect"), *tk = k8sc__json_string(tl, "key");
            const char *op = k8sc__json_string(tl, "operator"), *tv = k8sc__json_string(tl, "value");
            if (te && *te && strcmp(te, "PreferNoSchedule") != 0)
                continue;
            if (tk && *tk && strcmp(tk, key ? key : "") != 0)
                continue;
            if (op && strcmp(op, "Exists") == 0)
                tolerated = true;
            else if (tk && *tk && strcmp(tv ? tv : "", value ? value : "") == 0)
                tolerated = true;
        }
        count += !tolerated;
    }
    return count;
}

/* NodeAffinity: the summed weights of the preferred terms the node matches. */
static int64_t preferred_affinity(const k8sc__sched_pod *p, const k8sc__sched_node *n)
{
    struct json_object *pref = p->preferred_affinity;
    size_t np = json_object_is_type(pref, json_type_array) ? json_object_array_length(pref) : 0;
    int64_t sum = 0;
    for (size_t i = 0; i < np; i++) {
        const struct json_object *term = json_object_array_get_idx(pref, i);
        int64_t w = json_object_get_int64(k8sc__json_member(term, "weight"));
        if (w != 0 && k8sc__sched_term_matches(k8sc__json_member(term, "preference"), n->node))
            sum += w;
    }
    return sum;
}

/* helper.DefaultNormalizeScore. */
static void normalize(int64_t *s, size_t count, bool reverse)
{
    int64_t max = 0;
    for (size_t i = 0; i < count; i++)
        if (s[i] > max)
            max = s[i];
    for (size_t i = 0; i < count; i++) {
        if (max == 0) {
            s[i] = reverse ? MAX_SCORE : s[i];
            continue;
        }
        s[i] = MAX_SCORE * s[i] / max;
        if (reverse)
            s[i] = MAX_SCORE - s[i];
    }
}

/* The plugins that score across nodes, in a table: each fills its own row of scores. */
typedef int (*cross_score_fn)(const k8sc__sched_cycle *cy, const k8sc__sched_pod *p, k8sc__sched_node *const *nodes,
    size_t count, int64_t *scores);

static const struct {
    k8sc__sched_plugin id;
    cross_score_fn fn;
} cross[] = {
    { K8SC__SCHED_POD_TOPOLOGY_SPREAD, k8sc__sched_spread_score },
    { K8SC__SCHED_INTER_POD_AFFINITY, k8sc__sched_interpod_score },
    { K8SC__SCHED_IMAGE_LOCALITY, k8sc__sched_image_score },
};

int k8sc__sched_score(k8sc__sched_cycle *cy, const k8sc__sched_pod *p, k8sc__sched_node *const *nodes, size_t count,
    int64_t *scores)
{
    const int *w = cy->profile->weight;
    int64_t *taint = k8sc__calloc(count ? count : 1, sizeof(*taint));
    int64_t *aff = k8sc__calloc(count ? count : 1, sizeof(*aff));
    int64_t *row = k8sc__calloc(count ? count : 1, sizeof(*row));
    int rc = taint && aff && row ? 0 : K8SC_ENOMEM;
    for (size_t i = 0; i < count && rc == 0; i++) {
        taint[i] = w[K8SC__SCHED_TAINT_TOLERATION] && nodes[i]->taints ? intolerable_prefer(p, nodes[i]) : 0;
        aff[i] = w[K8SC__SCHED_NODE_AFFINITY] && p->preferred_affinity ? preferred_affinity(p, nodes[i]) : 0;
    }
    normalize(taint, count, true);
    normalize(aff, count, false);
    for (size_t i = 0; i < count && rc == 0; i++) {
        scores[i] = w[K8SC__SCHED_TAINT_TOLERATION] * taint[i] + w[K8SC__SCHED_NODE_AFFINITY] * aff[i];
        if (w[K8SC__SCHED_NODE_RESOURCES_FIT])
            scores[i] += w[K8SC__SCHED_NODE_RESOURCES_FIT] * k8sc__sched_fit_score(cy->profile, p, nodes[i]);
        if (w[K8SC__SCHED_NODE_RESOURCES_BALANCED_ALLOCATION])
            scores[i] += w[K8SC__SCHED_NODE_RESOURCES_BALANCED_ALLOCATION] * balanced(p, nodes[i]);
    }
    for (size_t k = 0; k < sizeof(cross) / sizeof(cross[0]) && rc == 0; k++) {
        if (!w[cross[k].id])
            continue;
        rc = cross[k].fn(cy, p, nodes, count, row);
        for (size_t i = 0; i < count && rc == 0; i++)
            scores[i] += w[cross[k].id] * row[i];
    }
    k8sc_free(taint);
    k8sc_free(aff);
    k8sc_free(row);
    return rc;
}
