/* User plugins (k8sc_scheduler_add_filter / add_score): the registry and how a profile runs them. */
#include <stdio.h>
#include <string.h>

#include "framework.h"

int k8sc__sched_user_plugins_add(k8sc__sched_user_plugins *u, const char *name, k8sc_scheduler_filter_fn filter,
    k8sc_scheduler_score_fn score, int weight, void *userdata)
{
    if (k8sc__sched_plugin_lookup(name) >= 0)
        return k8sc_error_set(K8SC_EEXISTS, "scheduler: plugin name \"%s\" is a built-in plugin's", name);
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->items[i].name, name) == 0)
            return k8sc_error_set(K8SC_EEXISTS, "scheduler: plugin \"%s\" is already added", name);
    if (u->n == K8SC__SCHED_MAX_USER_PLUGINS)
        return k8sc_error_set(K8SC_EINVAL, "scheduler: at most %d user plugins", K8SC__SCHED_MAX_USER_PLUGINS);
    k8sc__sched_user_plugin *p = &u->items[u->n];
    if (!(p->name = k8sc__strdup(name)))
        return K8SC_ENOMEM;
    p->filter = filter;
    p->score = score;
    p->weight = weight;
    p->userdata = userdata;
    u->n++;
    return 0;
}

void k8sc__sched_user_plugins_clear(k8sc__sched_user_plugins *u)
{
    for (size_t i = 0; i < u->n; i++)
        k8sc_free(u->items[i].name);
    memset(u, 0, sizeof(*u));
}

void k8sc__sched_user_defaults(k8sc__sched_named_profile *np)
{
    for (size_t i = 0; i < K8SC__SCHED_MAX_USER_PLUGINS; i++) {
        np->user_filter[i] = true;
        np->user_weight[i] = -1;
    }
}

/* The reason `why` once more in the histogram, as a node rejected for room (preemption may help). */
static int count_reason(k8sc__sched_hist *h, const char *why)
{
    h->resolvable++;
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->reasons[i], why) == 0) {
            h->counts[i]++;
            return 0;
        }
    char **reasons = k8sc__realloc(h->reasons, (h->n + 1) * sizeof(*reasons));
    if (!reasons)
        return K8SC_ENOMEM;
    h->reasons = reasons;
    int *counts = k8sc__realloc(h->counts, (h->n + 1) * sizeof(*counts));
    if (!counts)
        return K8SC_ENOMEM;
    h->counts = counts;
    if (!(h->reasons[h->n] = k8sc__strdup(why)))
        return K8SC_ENOMEM;
    h->counts[h->n++] = 1;
    return 0;
}

int k8sc__sched_user_filter(const k8sc__sched_user_plugins *u, const k8sc__sched_named_profile *np,
    const k8sc_object *pod, const k8sc__sched_node *n, k8sc__sched_hist *h)
{
    for (size_t i = 0; i < u->n; i++) {
        const k8sc__sched_user_plugin *p = &u->items[i];
        if (!p->filter || !np->user_filter[i])
            continue;
        char reason[256] = "";
        int rc = p->filter(pod, n->node, reason, sizeof(reason), p->userdata);
        if (rc < 0)
            return k8sc_error_set(K8SC_ERROR, "scheduler: filter plugin %s failed on node %s (%d)", p->name, n->name, rc);
        if (rc > 0) {
            reason[sizeof(reason) - 1] = '\0';
            if (!reason[0])
                snprintf(reason, sizeof(reason), "node(s) didn't satisfy plugin %s", p->name);
            return h ? count_reason(h, reason) : 0;
        }
    }
    return 1;
}

int k8sc__sched_user_score(const k8sc__sched_user_plugins *u, const k8sc__sched_named_profile *np,
    const k8sc_object *pod, k8sc__sched_node *const *nodes, size_t count, int64_t *scores)
{
    for (size_t i = 0; i < u->n; i++) {
        const k8sc__sched_user_plugin *p = &u->items[i];
        int weight = np->user_weight[i] < 0 ? p->weight : np->user_weight[i];
        if (!p->score || weight == 0)
            continue;
        for (size_t j = 0; j < count; j++) {
            int64_t v = 0;
            int rc = p->score(&v, pod, nodes[j]->node, p->userdata);
            if (rc < 0)
                return k8sc_error_set(K8SC_ERROR, "scheduler: score plugin %s failed on node %s (%d)", p->name,
                    nodes[j]->name, rc);
            scores[j] += (v < 0 ? 0 : v > 100 ? 100 : v) * weight;
        }
    }
    return 0;
}
