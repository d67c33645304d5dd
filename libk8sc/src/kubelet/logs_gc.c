/*
 * Garbage collection of pod log directories (<data>/logs/<ns>_<name>_<uid>),
 * as the kubelet's container GC evicts the /var/log/pods directories of
 * pods that are gone. A pod's own deletion removes its directory
 * (sync.c); this catches the ones left when pods went while the kubelet
 * was not running.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "kubelet_internal.h"

/* Whether one of the runtime's sandboxes belongs to the pod `uid`. */
static bool has_sandbox(k8sc_sandbox_status *const *sb, size_t n, const char *uid)
{
    for (size_t i = 0; i < n; i++)
        if (sb[i]->uid && strcmp(sb[i]->uid, uid) == 0)
            return true;
    return false;
}

bool k8sc__kl_pod_cached(k8sc_kubelet *k, const char *ns, const char *name, const char *uid)
{
    k8sc_cache *cache = k8sc_controller_cache(k->pods, K8SC_POD);
    k8sc_object *pod = NULL;
    if (!ns || !name || !uid || !cache || k8sc_cache_get(&pod, cache, ns, name) != 0)
        return false;
    bool same = strcmp(k8sc_object_uid(pod) ? k8sc_object_uid(pod) : "", uid) == 0;
    k8sc_object_free(pod);
    return same;
}

void k8sc__kl_logs_gc(k8sc_kubelet *k)
{
    k8sc_informer *pods = k8sc_controller_informer(k->pods, K8SC_POD);
    if (!pods || !k8sc_informer_has_synced(pods))
        return;
    k8sc_sandbox_status **sb = NULL;
    size_t n = 0;
    if (k8sc_runtime_list_sandboxes(k->rt, &sb, &n) != 0)
        return;
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/logs", k->data_dir);
    char *logs = k8sc__buf_detach(&b, NULL);
    DIR *d = logs ? opendir(logs) : NULL;
    for (struct dirent *e; d && (e = readdir(d));) {
        /* Names and namespaces have no '_' (DNS labels): <ns>_<name>_<uid>. */
        char entry[256];
        snprintf(entry, sizeof(entry), "%s", e->d_name);
        char *first = strchr(entry, '_'), *last = strrchr(entry, '_');
        if (entry[0] == '.' || !first || first == last || !last[1])
            continue;
        *first = *last = '\0';
        const char *ns = entry, *name = first + 1, *uid = last + 1;
        if (!has_sandbox(sb, n, uid) && !k8sc__kl_pod_cached(k, ns, name, uid))
            k8sc__kl_remove_logs(k, ns, name, uid);
    }
    if (d)
        closedir(d);
    free(logs);
    k8sc_sandbox_status_list_free(sb, n);
}
