/*
 * Pod affinity terms read once per pod (framework.NewPodInfo), and the
 * counts per topology pair that InterPodAffinity and PodTopologySpread keep.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "sched.h"

static void term_clear(k8sc__sched_term *t)
{
    k8sc_selector_free(t->selector);
    k8sc_selector_free(t->ns_selector);
    k8sc_free(t->namespaces);
}

void k8sc__sched_affinity_free(k8sc__sched_affinity *a)
{
    if (!a)
        return;
    for (int k = 0; k < K8SC__SCHED_TERM_KINDS; k++) {
        for (size_t i = 0; i < a->n[k]; i++)
            term_clear(&a->terms[k][i]);
        k8sc_free(a->terms[k]);
    }
    k8sc_free(a);
}

/* newAffinityTerm: a PodAffinityTerm of a pod in namespace `ns`. */
static int term_parse(k8sc__sched_term *t, const struct json_object *term, const char *ns)
{
    int rc = k8sc_selector_from_json(&t->selector, k8sc__json_member(term, "labelSelector"));
    struct json_object *nss = k8sc__json_member(term, "namespaces");
    struct json_object *nsel = k8sc__json_member(term, "namespaceSelector");
    size_t n = json_object_is_type(nss, json_type_array) ? json_object_array_length(nss) : 0;
    if (rc == 0 && nsel)
        rc = k8sc_selector_from_json(&t->ns_selector, nsel);
    if (rc == 0 && !(t->namespaces = k8sc__calloc(n ? n : 1, sizeof(*t->namespaces))))
        rc = K8SC_ENOMEM;
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(nss, i));
        if (s)
            t->namespaces[t->nns++] = s;
    }
    if (n == 0 && !nsel)
        t->namespaces[t->nns++] = ns;
    const char *key = k8sc__json_string(term, "topologyKey");
    t->topology_key = key ? key : "";
    return 0;
}

/* Parse `list` (an array of terms, or of weighted terms with `podAffinityTerm`) into kind `k`. */
static int terms_parse(k8sc__sched_affinity *a, k8sc__sched_term_kind k, const struct json_object *list, const char *ns)
{
    size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
    if (n == 0)
        return 0;
    if (!(a->terms[k] = k8sc__calloc(n, sizeof(*a->terms[k]))))
        return K8SC_ENOMEM;
    bool weighted = k >= K8SC__SCHED_PREFERRED_AFFINITY;
    for (size_t i = 0; i < n; i++) {
        const struct json_object *item = json_object_array_get_idx(list, i);
        k8sc__sched_term *t = &a->terms[k][a->n[k]++];
        int rc = term_parse(t, weighted ? k8sc__json_member(item, "podAffinityTerm") : item, ns);
        if (rc < 0)
            return k8sc_error_set(rc, "pod affinity term %zu: %s", i, k8sc_error_last());
        if (weighted)
            t->weight = json_object_get_int64(k8sc__json_member(item, "weight"));
    }
    return 0;
}

int k8sc__sched_affinity_parse(k8sc__sched_affinity **out, const k8sc_object *pod)
{
    *out = NULL;
    struct json_object *aff = k8sc_object_get(pod, "spec.affinity");
    struct json_object *pa = k8sc__json_member(aff, "podAffinity");
    struct json_object *anti = k8sc__json_member(aff, "podAntiAffinity");
    if (!pa && !anti)
        return 0;
    k8sc__sched_affinity *a = k8sc__calloc(1, sizeof(*a));
    if (!a)
        return K8SC_ENOMEM;
    const char *ns = k8sc_object_namespace(pod);
    ns = ns ? ns : "";
    const char *req = "requiredDuringSchedulingIgnoredDuringExecution";
    const char *pref = "preferredDuringSchedulingIgnoredDuringExecution";
    int rc = terms_parse(a, K8SC__SCHED_AFFINITY, k8sc__json_member(pa, req), ns);
    if (rc == 0)
        rc = terms_parse(a, K8SC__SCHED_ANTI_AFFINITY, k8sc__json_member(anti, req), ns);
    if (rc == 0)
        rc = terms_parse(a, K8SC__SCHED_PREFERRED_AFFINITY, k8sc__json_member(pa, pref), ns);
    if (rc == 0)
        rc = terms_parse(a, K8SC__SCHED_PREFERRED_ANTI_AFFINITY, k8sc__json_member(anti, pref), ns);
    if (rc < 0) {
        k8sc__sched_affinity_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

bool k8sc__sched_term_matches_pod(const k8sc__sched_term *t, const char *ns, const struct json_object *labels,
    struct k8sc__sched_cache *cache)
{
    bool in = false;
    for (size_t i = 0; i < t->nns && !in; i++)
        in = strcmp(t->namespaces[i], ns) == 0;
    if (!in && t->ns_selector) {
        const struct json_object *nsl = k8sc_selector_is_everything(t->ns_selector) || !cache
            ? NULL
            : k8sc__sched_cache_namespace_labels(cache, ns);
        in = k8sc_selector_matches_map(t->ns_selector, nsl);
    }
    return in && k8sc_selector_matches_map(t->selector, labels);
}

/* "key\x01value": label keys and values never hold a control character. */
static void tp_key(char *buf, size_t size, const char *key, const char *value)
{
    snprintf(buf, size, "%s\x01%s", key, value);
}

int k8sc__sched_tp_add(k8sc__keymap *m, const char *key, const char *value, int64_t delta)
{
    char k[640];
    tp_key(k, sizeof(k), key, value);
    k8sc__sched_tpcount *e = (k8sc__sched_tpcount *)k8sc__keymap_find(m, k);
    if (!e && delta == 0)
        return 0;
    if (!e && !(e = (k8sc__sched_tpcount *)k8sc__keymap_insert(m, k, sizeof(*e))))
        return K8SC_ENOMEM;
    e->count += delta;
    if (e->count == 0)
        k8sc__keymap_remove(m, &e->kn);
    return 0;
}

int64_t k8sc__sched_tp_get(const k8sc__keymap *m, const char *key, const char *value)
{
    if (!m->count)
        return 0;
    char k[640];
    tp_key(k, sizeof(k), key, value);
    const k8sc__sched_tpcount *e = (const k8sc__sched_tpcount *)k8sc__keymap_find(m, k);
    return e ? e->count : 0;
}

const char *k8sc__sched_node_label(const k8sc__sched_node *n, const char *key)
{
    return n->node ? k8sc_object_meta_get(n->node, K8SC_LABELS, key) : NULL;
}
