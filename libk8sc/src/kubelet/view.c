/* A pod as the runtime has it: its sandboxes and containers, found by the kubelet's labels. */
#include <stdlib.h>
#include <string.h>

#include "kubelet_internal.h"

int k8sc__kl_view(kl_view *v, k8sc_kubelet *k, const char *ns, const char *name, const char *uid)
{
    memset(v, 0, sizeof(*v));
    const k8sc_runtime_pair labels[] = { { K8SC_LABEL_POD_NAMESPACE, ns },
                                         { K8SC_LABEL_POD_NAME, name },
                                         { K8SC_LABEL_POD_UID, uid } };
    int rc = k8sc_runtime_list_sandboxes_labeled(k->rt, &v->sandboxes, &v->n_sandboxes, labels, uid ? 3 : 2);
    if (rc != 0)
        return rc;
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
