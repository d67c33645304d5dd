/* kubectl describe statefulset and daemonset (their pods are those `related` holds). */
#include "describe_internal.h"

#include <string.h>

/* The selector as labels.Selector prints it ("" when it selects everything). */
static void write_selector(k8sc__dw *w, struct json_object *selector)
{
    char *text = NULL;
    if (k8sc__describe_selector(&text, selector, "") == 0)
        k8sc__dw_write(w, 0, "Selector:\t%s\n", text);
    k8sc_free(text);
}

static void write_claim_templates(k8sc__dw *w, struct json_object *templates)
{
    if (!k8sc__dj_len(templates)) {
        k8sc__dw_write(w, 0, "Volume Claims:\t<none>\n");
        return;
    }
    k8sc__dw_write(w, 0, "Volume Claims:\n");
    for (size_t i = 0; i < k8sc__dj_len(templates); i++) {
        struct json_object *pvc = k8sc__dj_at(templates, i);
        const char *storage = k8sc__dj_str(pvc, "spec.resources.requests.storage");
        char q[K8SC_QUANTITY_BUFSIZE + 64];
        k8sc__dw_write(w, 1, "Name:\t%s\n", k8sc__dj_or(pvc, "metadata.name"));
        k8sc__dw_write(w, 1, "StorageClass:\t%s\n", k8sc__describe_claim_class(pvc));
        k8sc__dw_labels(w, "  ", "Labels", k8sc__dj_get(pvc, "metadata.labels"));
        k8sc__dw_labels(w, "  ", "Annotations", k8sc__dj_get(pvc, "metadata.annotations"));
        if (storage)
            k8sc__describe_quantity(q, sizeof(q), storage);
        k8sc__dw_write(w, 1, "Capacity:\t%s\n", storage ? q : "<default>");
        k8sc__buf modes = K8SC__BUF_INIT;
        k8sc__describe_go_list(&modes, k8sc__dj_get(pvc, "spec.accessModes"));
        k8sc__dw_write(w, 1, "Access Modes:\t%s\n", modes.ptr ? modes.ptr : "[]");
        k8sc__buf_free(&modes);
    }
}

void k8sc__describe_statefulset(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *ss = in->obj, *spec = k8sc__dj_get(ss, "spec");
    struct json_object *ru = k8sc__dj_get(spec, "updateStrategy.rollingUpdate");
    char t[64];
    k8sc__dw_name(w, ss, true);
    k8sc__describe_time(t, sizeof(t), k8sc__dj_str(ss, "metadata.creationTimestamp"));
    k8sc__dw_write(w, 0, "CreationTimestamp:\t%s\n", *t ? t : "Mon, 01 Jan 0001 00:00:00 +0000");
    write_selector(w, k8sc__dj_get(spec, "selector"));
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(ss, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(ss, "metadata.annotations"));
    k8sc__dw_write(w, 0, "Replicas:\t%lld desired | %lld total\n", (long long)k8sc__dj_int(spec, "replicas", 1),
        (long long)k8sc__dj_int(ss, "status.replicas", 0));
    k8sc__dw_write(w, 0, "Update Strategy:\t%s\n", k8sc__dj_or(spec, "updateStrategy.type"));
    if (k8sc__dj_get(ru, "partition")) {
        k8sc__dw_write(w, 1, "Partition:\t%lld\n", (long long)k8sc__dj_int(ru, "partition", 0));
        if (k8sc__dj_get(ru, "maxUnavailable"))
            k8sc__dw_write(w, 1, "MaxUnavailable:\t%s\n", json_object_get_string(k8sc__dj_get(ru, "maxUnavailable")));
    }
    k8sc__dw_pods_status(w, in->related, in->nrelated);
    k8sc__describe_pod_template(w, k8sc__dj_get(spec, "template"));
    write_claim_templates(w, k8sc__dj_get(spec, "volumeClaimTemplates"));
    k8sc__dw_events(w, in->events, in->nevents);
}

void k8sc__describe_daemonset(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *ds = in->obj, *spec = k8sc__dj_get(ds, "spec"), *st = k8sc__dj_get(ds, "status");
    k8sc__dw_name(w, ds, false);
    write_selector(w, k8sc__dj_get(spec, "selector"));
    k8sc__dw_map_line(w, "Node-Selector", k8sc__dj_get(spec, "template.spec.nodeSelector"));
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(ds, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(ds, "metadata.annotations"));
    k8sc__dw_write(w, 0, "Desired Number of Nodes Scheduled: %lld\n", (long long)k8sc__dj_int(st, "desiredNumberScheduled", 0));
    k8sc__dw_write(w, 0, "Current Number of Nodes Scheduled: %lld\n", (long long)k8sc__dj_int(st, "currentNumberScheduled", 0));
    k8sc__dw_write(w, 0, "Number of Nodes Scheduled with Up-to-date Pods: %lld\n",
        (long long)k8sc__dj_int(st, "updatedNumberScheduled", 0));
    k8sc__dw_write(w, 0, "Number of Nodes Scheduled with Available Pods: %lld\n",
        (long long)k8sc__dj_int(st, "numberAvailable", 0));
    k8sc__dw_write(w, 0, "Number of Nodes Misscheduled: %lld\n", (long long)k8sc__dj_int(st, "numberMisscheduled", 0));
    k8sc__dw_pods_status(w, in->related, in->nrelated);
    k8sc__describe_pod_template(w, k8sc__dj_get(spec, "template"));
    k8sc__dw_events(w, in->events, in->nevents);
}
