/* Which pods of a node drain may remove, with kubectl's warnings and refusals (its drain filters). */
#include "drain_internal.h"
#include "generate_internal.h"

#include <string.h>

static const char *const fatal_daemonset = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
static const char *const warn_daemonset = "ignoring DaemonSet-managed Pods";
static const char *const fatal_local = "Pods with local storage (use --delete-emptydir-data to override)";
static const char *const warn_local = "deleting Pods with local storage";
static const char *const fatal_unmanaged = "cannot delete Pods that declare no controller (use --force to override)";
static const char *const warn_unmanaged = "deleting Pods that declare no controller";

static struct json_object *controller_of(const k8sc_object *pod)
{
    struct json_object *refs = k8sc_object_get(pod, "metadata.ownerReferences");
    for (size_t i = 0; i < k8sc__jlen(refs); i++) {
        struct json_object *r = json_object_array_get_idx(refs, i);
        if (json_object_get_boolean(json_object_object_get(r, "controller")))
            return r;
    }
    return NULL;
}

static bool finished(const k8sc_object *pod)
{
    const char *phase = k8sc_object_get_string(pod, "status.phase");
    return phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0);
}

static k8sc__drain_status status(bool del, k8sc__drain_reason reason, const char *message)
{
    k8sc__drain_status s = { del, reason, { 0 } };
    snprintf(s.message, sizeof(s.message), "%s", message ? message : "");
    return s;
}

static k8sc__drain_status daemonset_filter(k8sc_client *c, const k8sc__drain_opts *o, const k8sc_object *pod)
{
    struct json_object *ref = controller_of(pod);
    const char *kind = ref ? json_object_get_string(json_object_object_get(ref, "kind")) : NULL;
    if (!kind || strcmp(kind, "DaemonSet") != 0 || finished(pod))
        return status(true, K8SC__DRAIN_OKAY, NULL);
    k8sc_object *ds = NULL;
    int rc = k8sc_client_get(&ds, c, "apps/v1", "DaemonSet", k8sc_object_namespace(pod),
        json_object_get_string(json_object_object_get(ref, "name")));
    k8sc_object_free(ds);
    if (rc == K8SC_ENOTFOUND && o->force)
        return status(true, K8SC__DRAIN_WARNING, k8sc_error_last());
    if (rc)
        return status(false, K8SC__DRAIN_ERROR, k8sc_error_last());
    if (!o->ignore_daemonsets)
        return status(false, K8SC__DRAIN_ERROR, fatal_daemonset);
    return status(false, K8SC__DRAIN_WARNING, warn_daemonset);
}

static k8sc__drain_status local_storage_filter(const k8sc__drain_opts *o, const k8sc_object *pod)
{
    struct json_object *vols = k8sc_object_get(pod, "spec.volumes");
    bool local = false;
    for (size_t i = 0; i < k8sc__jlen(vols); i++)
        local |= json_object_object_get_ex(json_object_array_get_idx(vols, i), "emptyDir", NULL);
    if (!local || finished(pod))
        return status(true, K8SC__DRAIN_OKAY, NULL);
    if (!o->delete_emptydir_data)
        return status(false, K8SC__DRAIN_ERROR, fatal_local);
    return status(true, K8SC__DRAIN_WARNING, warn_local);
}

static k8sc__drain_status unreplicated_filter(const k8sc__drain_opts *o, const k8sc_object *pod)
{
    if (finished(pod) || controller_of(pod))
        return status(true, K8SC__DRAIN_OKAY, NULL);
    if (o->force)
        return status(true, K8SC__DRAIN_WARNING, warn_unmanaged);
    return status(false, K8SC__DRAIN_ERROR, fatal_unmanaged);
}

k8sc__drain_status k8sc__drain_classify(k8sc_client *c, const k8sc__drain_opts *o, const k8sc_object *pod)
{
    /* As kubectl: the filters run in order until one keeps the pod; the last verdict is the pod's. */
    k8sc__drain_status s = daemonset_filter(c, o, pod);
    if (!s.del)
        return s;
    if (k8sc_object_meta_get(pod, K8SC_ANNOTATIONS, "kubernetes.io/config.mirror"))
        return status(false, K8SC__DRAIN_SKIP, NULL);
    s = local_storage_filter(o, pod);
    if (!s.del)
        return s;
    return unreplicated_filter(o, pod);
}

/* "MESSAGE: ns/a, ns/b" for each distinct message of `reason`, in first-seen order, joined by `sep`. */
void k8sc__drain_summary(k8sc__buf *out, const k8sc__drain_pod *pods, size_t n, k8sc__drain_reason reason,
    const char *prefix, const char *sep)
{
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (pods[i].status.reason != reason)
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = pods[j].status.reason == reason && strcmp(pods[j].status.message, pods[i].status.message) == 0;
        if (seen)
            continue;
        k8sc__buf_printf(out, "%s%s%s: ", first ? "" : sep, prefix, pods[i].status.message);
        for (size_t j = i; j < n; j++)
            if (pods[j].status.reason == reason && strcmp(pods[j].status.message, pods[i].status.message) == 0)
                k8sc__buf_printf(out, "%s%s/%s", j == i ? "" : ", ", k8sc_object_namespace(pods[j].pod),
                    k8sc_object_name(pods[j].pod));
        first = false;
    }
}

size_t k8sc__drain_distinct(const k8sc__drain_pod *pods, size_t n, k8sc__drain_reason reason)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        bool seen = pods[i].status.reason != reason;
        for (size_t j = 0; j < i && !seen; j++)
            seen = pods[j].status.reason == reason && strcmp(pods[j].status.message, pods[i].status.message) == 0;
        count += !seen;
    }
    return count;
}
