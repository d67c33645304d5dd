/* How the node API finds a pod's container: by the runtime's labels, defaulting from the pod's spec. */
#include <stdlib.h>
#include <string.h>

#include "kubelet_internal.h"

int k8sc__kl_lookup(void *userdata, const char *ns, const char *pod, const char *container, bool previous,
                    char **container_id, char **log_path)
{
    k8sc_kubelet *k = userdata;
    *container_id = *log_path = NULL;
    k8sc_object *obj = NULL;
    k8sc_cache *cache = k8sc_controller_cache(k->pods, K8SC_POD);
    if (!cache || k8sc_cache_get(&obj, cache, ns, pod) != 0)
        return k8sc_error_set(K8SC_ENOTFOUND, "pod \"%s\" not found on node %s", pod, k->node_name);
    const char *name = container;
    if (!name || !name[0]) {
        json_object *cs = k8sc_object_get(obj, "spec.containers");
        name = cs && json_object_array_length(cs) ? k8sc__json_string(json_object_array_get_idx(cs, 0), "name") : "";
    }
    kl_view v;
    int rc = k8sc__kl_view(&v, k, ns, pod, k8sc_object_uid(obj));
    if (rc != 0) {
        k8sc_object_free(obj);
        return rc;
    }
    const k8sc_container_status *c = k8sc__kl_latest(&v, name);
    if (c && previous)
        c = k8sc__kl_older(&v, name, c->attempt);
    if (!c && previous) {
        rc = k8sc_error_set(K8SC_ENOTFOUND, "previous terminated container \"%s\" in pod \"%s\" not found", name, pod);
    } else if (!c) {
        const char *reason = "ContainerCreating";
        pthread_mutex_lock(&k->lock);
        k8sc__keynode *n = k8sc__keymap_find(&k->pod_state, k8sc_object_uid(obj));
        json_object *w = n && ((kl_pod *)n)->waiting ? k8sc__json_member(((kl_pod *)n)->waiting, name) : NULL;
        char *why = k8sc__strdup(w && k8sc__json_string(w, "reason") ? k8sc__json_string(w, "reason") : reason);
        pthread_mutex_unlock(&k->lock);
        rc = k8sc_error_set(K8SC_ENOTFOUND, "container \"%s\" in pod \"%s\" is waiting to start: %s", name, pod,
                            why ? why : reason);
        free(why);
    } else {
        *container_id = k8sc__strdup(c->id);
        *log_path = k8sc__strdup(c->log_path);
        if (!*container_id || !*log_path) {
            free(*container_id);
            free(*log_path);
            *container_id = *log_path = NULL;
            rc = K8SC_ENOMEM;
        }
    }
    k8sc__kl_view_free(&v);
    k8sc_object_free(obj);
    return rc;
}
