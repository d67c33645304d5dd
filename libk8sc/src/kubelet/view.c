/* A pod as the runtime has it: its sandboxes and containers, found by the kubelet's labels. */
#include <stdlib.h>
#include <string.h>

#include "kubelet_internal.h"

static bool labels_match(const k8sc_runtime_pair *labels, size_t n, const char *ns, const char *name,
                         const char *uid)
{
    const char *lns = k8sc_runtime_pair_get(labels, n, K8SC_LABEL_POD_NAMESPACE);
    const char *lname = k8sc_runtime_pair_get(labels, n, K8SC_LABEL_POD_NAME);
    const char *luid = k8sc_runtime_pair_get(labels, n, K8SC_LABEL_POD_UID);
    return lns && lname && strcmp(lns, ns) == 0 && strcmp(lname, name) == 0 &&
           (!uid || (luid && strcmp(luid, uid) == 0));
}

int k8sc__kl_view(kl_view *v, k8sc_kubelet *k, const char *ns, const char *name, const char *uid)
{
    memset(v, 0, sizeof(*v));
    k8sc_sandbox_status **sb = NULL;
    size_t nsb = 0;
    int rc = k8sc_runtime_list_sandboxes(k->rt, &sb, &nsb);
    if (rc != 0)
        return rc;
    v->sandboxes = sb;
    for (size_t i = 0; i < nsb; i++) {
        if (!labels_match(sb[i]->labels, sb[i]->n_labels, ns, name, uid)) {
            k8sc_sandbox_status_free(sb[i]);
            continue;
        }
        sb[v->n_sandboxes++] = sb[i];
    }
    for (size_t i = 0; i < v->n_sandboxes; i++) {
        const k8sc_sandbox_status *s = v->sandboxes[i];
        if (s->state == K8SC_SANDBOX_READY && (!v->ready || s->attempt > v->ready->attempt))
            v->ready = s;
    }
    if (v->n_sandboxes == 0)
        return 0;
    /* The containers of this pod's sandboxes only (the runtime filters; no status of other pods is made). */
    for (size_t i = 0; i < v->n_sandboxes; i++) {
        k8sc_container_status **cs = NULL;
        size_t ncs = 0;
        if ((rc = k8sc_runtime_list_containers(k->rt, &cs, &ncs, v->sandboxes[i]->id)) != 0) {
            k8sc__kl_view_free(v);
            return rc;
        }
        k8sc_container_status **all = k8sc__realloc(v->containers, (v->n_containers + ncs + 1) * sizeof(*all));
        if (!all) {
            k8sc_container_status_list_free(cs, ncs);
            k8sc__kl_view_free(v);
            return K8SC_ENOMEM;
        }
        v->containers = all;
        memcpy(all + v->n_containers, cs, ncs * sizeof(*cs));
        v->n_containers += ncs;
        free(cs);
    }
    return 0;
}

void k8sc__kl_view_free(kl_view *v)
{
    k8sc_sandbox_status_list_free(v->sandboxes, v->n_sandboxes);
    k8sc_container_status_list_free(v->containers, v->n_containers);
    memset(v, 0, sizeof(*v));
}

const k8sc_container_status *k8sc__kl_older(const kl_view *v, const char *name, uint32_t attempt)
{
    const k8sc_container_status *best = NULL;
    for (size_t i = 0; i < v->n_containers; i++) {
        const k8sc_container_status *c = v->containers[i];
        if (strcmp(c->name, name) != 0 || c->attempt >= attempt)
            continue;
        if (!best || c->attempt > best->attempt || (c->attempt == best->attempt && c->created_at > best->created_at))
            best = c;
    }
    return best;
}

const k8sc_container_status *k8sc__kl_latest(const kl_view *v, const char *name)
{
    return k8sc__kl_older(v, name, UINT32_MAX);
}
