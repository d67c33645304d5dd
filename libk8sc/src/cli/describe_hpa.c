/* kubectl describe horizontalpodautoscaler, autoscaling/v2 and autoscaling/v1. */
#include "describe_internal.h"

#include <string.h>

#define QBUF (K8SC_QUANTITY_BUFSIZE + 64)

/* A *Quantity as Go prints it: canonical, or "<nil>" when absent. */
static const char *qty(char *buf, struct json_object *o, const char *path)
{
    const char *s = k8sc__dj_str(o, path);
    if (!s)
        return "<nil>";
    k8sc__describe_quantity(buf, QBUF, s);
    return buf;
}

/* Go's %q of a plain string. */
static void quoted(char *buf, size_t size, const char *s)
{
    size_t n = 0;
    if (size < 3)
        return;
    buf[n++] = '"';
    for (; *s && n + 6 < size; s++) {
        if (*s == '"' || *s == '\\')
            buf[n++] = '\\';
        if ((unsigned char)*s < 0x20)
            n += (size_t)snprintf(buf + n, size - n, "\\x%02x", (unsigned char)*s);
        else
            buf[n++] = *s;
    }
    buf[n++] = '"';
    buf[n] = '\0';
}

/* The current value of metric `i` of type `member` at `path`, or "<unknown>". */
static const char *current(char *buf, struct json_object *cur, size_t i, const char *member, const char *path)
{
    struct json_object *src = k8sc__dj_get(k8sc__dj_at(cur, i), member);
    return src ? qty(buf, src, path) : "<unknown>";
}

/* A Resource or ContainerResource metric (`member`), after its "resource ... on pods" head. */
static void resource_metric(k8sc__dw *w, struct json_object *src, struct json_object *cur, size_t i, const char *member)
{
    char a[QBUF], b[QBUF], c[QBUF + 32], t[32];
    if (k8sc__dj_get(src, "target.averageValue")) {
        k8sc__dw_write(w, 0, ":\t%s / %s\n", current(a, cur, i, member, "current.averageValue"),
            qty(b, src, "target.averageValue"));
        return;
    }
    struct json_object *now = k8sc__dj_get(k8sc__dj_at(cur, i), member);
    snprintf(c, sizeof(c), "<unknown>");
    if (k8sc__dj_get(now, "current.averageUtilization"))
        snprintf(c, sizeof(c), "%lld%% (%s)", (long long)k8sc__dj_int(now, "current.averageUtilization", 0),
            qty(a, now, "current.averageValue"));
    snprintf(t, sizeof(t), "<auto>");
    if (k8sc__dj_get(src, "target.averageUtilization"))
        snprintf(t, sizeof(t), "%lld%%", (long long)k8sc__dj_int(src, "target.averageUtilization", 0));
    k8sc__dw_write(w, 1, "(as a percentage of request):\t%s / %s\n", c, t);
}

static void write_metric(k8sc__dw *w, struct json_object *m, struct json_object *cur, size_t i)
{
    const char *type = k8sc__dj_or(m, "type");
    char a[QBUF], b[QBUF], name[256];
    struct json_object *src;
    if (strcmp(type, "External") == 0) {
        src = k8sc__dj_get(m, "external");
        quoted(name, sizeof(name), k8sc__dj_or(src, "metric.name"));
        if (k8sc__dj_get(src, "target.averageValue"))
            k8sc__dw_write(w, 1, "%s (target average value):\t%s / %s\n", name,
                current(a, cur, i, "external", "current.averageValue"), qty(b, src, "target.averageValue"));
        else
            k8sc__dw_write(w, 1, "%s (target value):\t%s / %s\n", name, current(a, cur, i, "external", "current.value"),
                qty(b, src, "target.value"));
    } else if (strcmp(type, "Pods") == 0) {
        src = k8sc__dj_get(m, "pods");
        quoted(name, sizeof(name), k8sc__dj_or(src, "metric.name"));
        k8sc__dw_write(w, 1, "%s on pods:\t%s / %s\n", name, current(a, cur, i, "pods", "current.averageValue"),
            qty(b, src, "target.averageValue"));
    } else if (strcmp(type, "Object") == 0) {
        src = k8sc__dj_get(m, "object");
        k8sc__dw_write(w, 1, "\"%s\" on %s/%s ", k8sc__dj_or(src, "metric.name"), k8sc__dj_or(src, "describedObject.kind"),
            k8sc__dj_or(src, "describedObject.name"));
        if (strcmp(k8sc__dj_or(src, "target.type"), "AverageValue") == 0)
            k8sc__dw_write(w, 0, "(target average value):\t%s / %s\n",
                current(a, cur, i, "object", "current.averageValue"), qty(b, src, "target.averageValue"));
        else
            k8sc__dw_write(w, 0, "(target value):\t%s / %s\n", current(a, cur, i, "object", "current.value"),
                qty(b, src, "target.value"));
    } else if (strcmp(type, "Resource") == 0) {
        src = k8sc__dj_get(m, "resource");
        k8sc__dw_write(w, 1, "resource %s on pods", k8sc__dj_or(src, "name"));
        resource_metric(w, src, cur, i, "resource");
    } else if (strcmp(type, "ContainerResource") == 0) {
        src = k8sc__dj_get(m, "containerResource");
        k8sc__dw_write(w, 1, "resource %s of container \"%s\" on pods", k8sc__dj_or(src, "name"),
            k8sc__dj_or(src, "container"));
        resource_metric(w, src, cur, i, "containerResource");
    } else {
        quoted(name, sizeof(name), type);
        k8sc__dw_write(w, 1, "<unknown metric type %s>\n", name);
    }
}

static void write_direction(k8sc__dw *w, const char *title, struct json_object *rules)
{
    if (!rules)
        return;
    k8sc__dw_write(w, 1, "%s:\n", title);
    if (k8sc__dj_get(rules, "stabilizationWindowSeconds"))
        k8sc__dw_write(w, 2, "Stabilization Window: %lld seconds\n",
            (long long)k8sc__dj_int(rules, "stabilizationWindowSeconds", 0));
    struct json_object *policies = k8sc__dj_get(rules, "policies");
    if (!k8sc__dj_len(policies))
        return;
    const char *select = k8sc__dj_str(rules, "selectPolicy");
    k8sc__dw_write(w, 2, "Select Policy: %s\n", select ? select : "Max");
    k8sc__dw_write(w, 2, "Policies:\n");
    for (size_t i = 0; i < k8sc__dj_len(policies); i++) {
        struct json_object *p = k8sc__dj_at(policies, i);
        k8sc__dw_write(w, 3, "- Type: %s\tValue: %lld\tPeriod: %lld seconds\n", k8sc__dj_or(p, "type"),
            (long long)k8sc__dj_int(p, "value", 0), (long long)k8sc__dj_int(p, "periodSeconds", 0));
    }
}

/* The lines both versions start with, up to Reference. */
static void write_head(k8sc__dw *w, struct json_object *hpa)
{
    char t[64];
    k8sc__dw_name(w, hpa, true);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(hpa, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(hpa, "metadata.annotations"));
    k8sc__describe_time(t, sizeof(t), k8sc__dj_str(hpa, "metadata.creationTimestamp"));
    k8sc__dw_write(w, 0, "CreationTimestamp:\t%s\n", *t ? t : "Mon, 01 Jan 0001 00:00:00 +0000");
    k8sc__dw_write(w, 0, "Reference:\t%s/%s\n", k8sc__dj_or(hpa, "spec.scaleTargetRef.kind"),
        k8sc__dj_or(hpa, "spec.scaleTargetRef.name"));
}

/* Min and max replicas, the behavior (v2) and the target's pods. */
static void write_replicas(k8sc__dw *w, struct json_object *hpa, bool v2)
{
    struct json_object *spec = k8sc__dj_get(hpa, "spec"), *behavior = k8sc__dj_get(spec, "behavior");
    if (k8sc__dj_get(spec, "minReplicas"))
        k8sc__dw_write(w, 0, "Min replicas:\t%lld\n", (long long)k8sc__dj_int(spec, "minReplicas", 0));
    else
        k8sc__dw_write(w, 0, "Min replicas:\t<unset>\n");
    k8sc__dw_write(w, 0, "Max replicas:\t%lld\n", (long long)k8sc__dj_int(spec, "maxReplicas", 0));
    if (v2 && behavior) {
        k8sc__dw_write(w, 0, "Behavior:\n");
        write_direction(w, "Scale Up", k8sc__dj_get(behavior, "scaleUp"));
        write_direction(w, "Scale Down", k8sc__dj_get(behavior, "scaleDown"));
    }
    k8sc__dw_write(w, 0, "%s pods:\t%lld current / %lld desired\n", k8sc__dj_or(spec, "scaleTargetRef.kind"),
        (long long)k8sc__dj_int(hpa, "status.currentReplicas", 0), (long long)k8sc__dj_int(hpa, "status.desiredReplicas", 0));
}

static void describe_v2(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *hpa = in->obj, *metrics = k8sc__dj_get(hpa, "spec.metrics");
    struct json_object *cur = k8sc__dj_get(hpa, "status.currentMetrics"), *conds = k8sc__dj_get(hpa, "status.conditions");
    write_head(w, hpa);
    k8sc__dw_write(w, 0, "Metrics:\t( current / target )\n");
    for (size_t i = 0; i < k8sc__dj_len(metrics); i++)
        write_metric(w, k8sc__dj_at(metrics, i), cur, i);
    write_replicas(w, hpa, true);
    if (k8sc__dj_len(conds)) {
        k8sc__dw_write(w, 0, "Conditions:\n");
        k8sc__dw_write(w, 1, "Type\tStatus\tReason\tMessage\n");
        k8sc__dw_write(w, 1, "----\t------\t------\t-------\n");
        for (size_t i = 0; i < k8sc__dj_len(conds); i++) {
            struct json_object *c = k8sc__dj_at(conds, i);
            k8sc__dw_write(w, 1, "%s\t%s\t%s\t%s\n", k8sc__dj_or(c, "type"), k8sc__dj_or(c, "status"),
                k8sc__dj_or(c, "reason"), k8sc__dj_or(c, "message"));
        }
    }
    k8sc__dw_events(w, in->events, in->nevents);
}

static void describe_v1(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *hpa = in->obj;
    write_head(w, hpa);
    if (k8sc__dj_get(hpa, "spec.targetCPUUtilizationPercentage")) {
        k8sc__dw_write(w, 0, "Target CPU utilization:\t%lld%%\n",
            (long long)k8sc__dj_int(hpa, "spec.targetCPUUtilizationPercentage", 0));
        if (k8sc__dj_get(hpa, "status.currentCPUUtilizationPercentage"))
            k8sc__dw_write(w, 0, "Current CPU utilization:\t%lld%%\n",
                (long long)k8sc__dj_int(hpa, "status.currentCPUUtilizationPercentage", 0));
        else
            k8sc__dw_write(w, 0, "Current CPU utilization:\t<unknown>%%\n");
    }
    write_replicas(w, hpa, false);
    k8sc__dw_events(w, in->events, in->nevents);
}

void k8sc__describe_hpa(k8sc__dw *w, const k8sc__describe_input *in)
{
    if (strcmp(k8sc__dj_or(in->obj, "apiVersion"), "autoscaling/v1") == 0)
        describe_v1(w, in);
    else
        describe_v2(w, in);
}
