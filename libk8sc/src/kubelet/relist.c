/*
 * The pod lifecycle event generator (the kubelet's PLEG): every second
 * the runtime's containers are compared with the previous listing, and
 * the pods whose containers started, exited or vanished are synced. Pods
 * the API no longer has (sandboxes left behind) are synced too, which
 * cleans them up.
 */
#include <stdlib.h>
#include <string.h>

#include "kubelet_internal.h"

typedef struct seen_container {
    k8sc__keynode node;
    int state;
    bool marked;
} seen_container;

static void enqueue_labels(k8sc_kubelet *k, const k8sc_runtime_pair *labels, size_t n)
{
    const char *ns = k8sc_runtime_pair_get(labels, n, K8SC_LABEL_POD_NAMESPACE);
    const char *name = k8sc_runtime_pair_get(labels, n, K8SC_LABEL_POD_NAME);
    if (ns && name)
        k8sc_controller_enqueue(k->pods, ns, name);
}

/* Whether the pod cache has the pod these labels name, with their uid. */
static bool pod_known(k8sc_kubelet *k, const k8sc_runtime_pair *labels, size_t n)
{
    return k8sc__kl_pod_cached(k, k8sc_runtime_pair_get(labels, n, K8SC_LABEL_POD_NAMESPACE),
                               k8sc_runtime_pair_get(labels, n, K8SC_LABEL_POD_NAME),
                               k8sc_runtime_pair_get(labels, n, K8SC_LABEL_POD_UID));
}

int k8sc__kl_relist(k8sc_kubelet *k)
{
    k8sc_container_status **cs = NULL;
    size_t n = 0;
    int rc = k8sc_runtime_list_containers(k->rt, &cs, &n, NULL);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&k->lock);
    for (size_t i = 0; i < n; i++) {
        seen_container *s = (seen_container *)k8sc__keymap_find(&k->seen, cs[i]->id);
        if (!s) {
            s = (seen_container *)k8sc__keymap_insert(&k->seen, cs[i]->id, sizeof(*s));
            if (!s)
                continue;
            s->state = -1;
        }
        s->marked = true;
        if (s->state != (int)cs[i]->state) {
            s->state = (int)cs[i]->state;
            enqueue_labels(k, cs[i]->labels, cs[i]->n_labels);
        }
    }
    /* Containers gone since the last listing. */
    for (size_t b = 0; b < k->seen.nbuckets; b++) {
        k8sc__keynode *node = k->seen.buckets[b];
        while (node) {
            k8sc__keynode *next = node->next;
            seen_container *s = (seen_container *)node;
            if (!s->marked)
                k8sc__keymap_remove(&k->seen, node);
            else
                s->marked = false;
            node = next;
        }
    }
    pthread_mutex_unlock(&k->lock);
    k8sc_container_status_list_free(cs, n);

    k8sc_sandbox_status **sb = NULL;
    size_t m = 0;
    if ((rc = k8sc_runtime_list_sandboxes(k->rt, &sb, &m)) != 0)
        return rc;
    for (size_t i = 0; i < m; i++)
        if (!pod_known(k, sb[i]->labels, sb[i]->n_labels))
            enqueue_labels(k, sb[i]->labels, sb[i]->n_labels);
    k8sc_sandbox_status_list_free(sb, m);
    return 0;
}
