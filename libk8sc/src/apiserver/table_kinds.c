/*
 * Table cells of the kinds printed beyond table.c's: ReplicationController,
 * CronJob, Endpoints, EndpointSlice, PodDisruptionBudget, Lease and
 * HorizontalPodAutoscaler, as kubernetes/pkg/printers/internalversion
 * (printers.go) fills them.
 */
#include "apiserver_internal.h"

#include <string.h>

static struct json_object *arr(const k8sc_object *obj, const char *path)
{
    struct json_object *a = k8sc_object_get(obj, path);
    return a && json_object_is_type(a, json_type_array) ? a : NULL;
}

static size_t alen(struct json_object *a)
{
    return a ? json_object_array_length(a) : 0;
}

static struct json_object *str_cell(k8sc__buf *b)
{
    struct json_object *s = json_object_new_string(b->ptr ? b->ptr : "");
    k8sc__buf_free(b);
    return s;
}

static int64_t int_at(const k8sc_object *obj, const char *path)
{
    int64_t v = 0;
    return k8sc_object_get_int(obj, path, &v) == 0 ? v : 0;
}

/* A scalar JSON value (IntOrString, Quantity) as text, or `none`. */
static const char *text_of(struct json_object *v, const char *none)
{
    return v && !json_object_is_type(v, json_type_object) && !json_object_is_type(v, json_type_array)
        ? json_object_get_string(v) : none;
}

/* listWithMoreString: "a,b,c + 2 more...", "<unset>" for none. */
static void with_more(k8sc__buf *b, size_t shown, size_t count, size_t max)
{
    if (count > max)
        k8sc__buf_printf(b, " + %zu more...", count - max);
    else if (!shown)
        k8sc__buf_puts(b, "<unset>");
}

/* formatEndpoints: "ip:port" for each address and port, three at most. */
static void endpoints_list(k8sc__buf *b, const k8sc_object *ep)
{
    struct json_object *subsets = arr(ep, "subsets");
    if (!alen(subsets)) {
        k8sc__buf_puts(b, "<none>");
        return;
    }
    size_t shown = 0, count = 0;
    for (size_t i = 0; i < alen(subsets); i++) {
        struct json_object *ss = json_object_array_get_idx(subsets, i);
        struct json_object *addrs = k8sc__json_member(ss, "addresses"), *ports = k8sc__json_member(ss, "ports");
        size_t na = addrs && json_object_is_type(addrs, json_type_array) ? json_object_array_length(addrs) : 0;
        size_t np = ports && json_object_is_type(ports, json_type_array) ? json_object_array_length(ports) : 0;
        for (size_t p = 0; p < (np ? np : 1); p++) {
            count += na;
            for (size_t a = 0; a < na && shown < 3; a++, shown++) {
                const char *ip = k8sc__json_string(json_object_array_get_idx(addrs, a), "ip");
                k8sc__buf_printf(b, "%s%s", shown ? "," : "", ip ? ip : "");
                if (np) {
                    struct json_object *port = k8sc__json_member(json_object_array_get_idx(ports, p), "port");
                    k8sc__buf_printf(b, ":%lld", (long long)(port ? json_object_get_int64(port) : 0));
                }
            }
        }
    }
    if (count > 3)
        k8sc__buf_printf(b, " + %zu more...", count - 3);
}

/* formatDiscoveryPorts and formatDiscoveryEndpoints. */
static void slice_list(k8sc__buf *b, const k8sc_object *slice, bool ports)
{
    size_t shown = 0, count = 0;
    struct json_object *items = arr(slice, ports ? "ports" : "endpoints");
    for (size_t i = 0; i < alen(items); i++) {
        struct json_object *it = json_object_array_get_idx(items, i);
        if (ports) {
            struct json_object *port = k8sc__json_member(it, "port");
            const char *name = k8sc__json_string(it, "name");
            if (shown < 3) {
                if (port)
                    k8sc__buf_printf(b, "%s%lld", shown ? "," : "", (long long)json_object_get_int64(port));
                else
                    k8sc__buf_printf(b, "%s%s", shown ? "," : "", name ? name : "*");
                shown++;
            }
            count++;
            continue;
        }
        struct json_object *addrs = k8sc__json_member(it, "addresses");
        for (size_t a = 0; addrs && json_object_is_type(addrs, json_type_array) && a < json_object_array_length(addrs);
             a++, count++)
            if (shown < 3)
                k8sc__buf_printf(b, "%s%s", shown++ ? "," : "",
                    json_object_get_string(json_object_array_get_idx(addrs, a)));
    }
    with_more(b, shown, count, 3);
}

/* "a,b" from one field of every container of the pod template at `spec`. */
static void containers(k8sc__buf *b, const k8sc_object *obj, const char *spec, const char *field)
{
    char path[128];
    snprintf(path, sizeof(path), "%s.containers", spec);
    struct json_object *cs = arr(obj, path);
    for (size_t i = 0; i < alen(cs); i++) {
        const char *v = k8sc__json_string(json_object_array_get_idx(cs, i), field);
        k8sc__buf_printf(b, "%s%s", i ? "," : "", v ? v : "");
    }
}

static void selector(k8sc__buf *b, const k8sc_object *obj, const char *path, bool from_map)
{
    struct json_object *sj = k8sc_object_get(obj, path);
    k8sc_selector *sel = NULL;
    char *text = NULL;
    if (!sj) {
        k8sc__buf_puts(b, "<none>");
        return;
    }
    int rc = from_map ? k8sc_selector_from_map(&sel, sj) : k8sc_selector_from_json(&sel, sj);
    if (rc == 0 && k8sc_selector_to_string(&text, sel) == 0)
        k8sc__buf_puts(b, *text ? text : "<none>");
    k8sc_free(text);
    k8sc_selector_free(sel);
}

static void since(k8sc__buf *b, const char *ts, int64_t now)
{
    int64_t t;
    char d[32] = "<unknown>";
    if (ts && k8sc_time_parse(&t, ts) == 0)
        k8sc__human_duration(d, sizeof(d), now - t);
    k8sc__buf_puts(b, d);
}

/* One HPA metric: "cpu: 40%/50%", "<unknown>/100m". */
static void hpa_metric(k8sc__buf *b, struct json_object *spec, struct json_object *status)
{
    const char *type = k8sc__json_string(spec, "type");
    static const struct { const char *type, *key; } keys[] = {
        { "Resource", "resource" }, { "ContainerResource", "containerResource" }, { "Pods", "pods" },
        { "Object", "object" }, { "External", "external" },
    };
    const char *key = NULL;
    for (size_t i = 0; type && i < K8SC__ARRAY_LEN(keys); i++)
        if (strcmp(type, keys[i].type) == 0)
            key = keys[i].key;
    struct json_object *src = key ? k8sc__json_member(spec, key) : NULL;
    struct json_object *target = k8sc__json_member(src, "target");
    struct json_object *cur = k8sc__json_member(k8sc__json_member(status, key ? key : ""), "current");
    bool resource = key && (strcmp(key, "resource") == 0 || strcmp(key, "containerResource") == 0);
    if (resource)
        k8sc__buf_printf(b, "%s: ", text_of(k8sc__json_member(src, "name"), ""));
    struct json_object *util = k8sc__json_member(target, "averageUtilization");
    if (resource && !k8sc__json_member(target, "averageValue")) {
        struct json_object *cu = k8sc__json_member(cur, "averageUtilization");
        if (cu)
            k8sc__buf_printf(b, "%lld%%/", (long long)json_object_get_int64(cu));
        else
            k8sc__buf_puts(b, "<unknown>/");
        if (util)
            k8sc__buf_printf(b, "%lld%%", (long long)json_object_get_int64(util));
        else
            k8sc__buf_puts(b, "<auto>");
        return;
    }
    const char *field = k8sc__json_member(target, "averageValue") ? "averageValue" : "value";
    k8sc__buf_printf(b, "%s/%s", text_of(k8sc__json_member(cur, field), "<unknown>"),
        text_of(k8sc__json_member(target, field), "<auto>"));
}

/* formatHPAMetrics (two at most), or the v1 CPU target. */
static void hpa_targets(k8sc__buf *b, const k8sc_object *hpa)
{
    int64_t cpu;
    if (k8sc_object_get_int(hpa, "spec.targetCPUUtilizationPercentage", &cpu) == 0) {
        int64_t cur;
        if (k8sc_object_get_int(hpa, "status.currentCPUUtilizationPercentage", &cur) == 0)
            k8sc__buf_printf(b, "cpu: %lld%%/%lld%%", (long long)cur, (long long)cpu);
        else
            k8sc__buf_printf(b, "cpu: <unknown>/%lld%%", (long long)cpu);
        return;
    }
    struct json_object *specs = arr(hpa, "spec.metrics"), *statuses = arr(hpa, "status.currentMetrics");
    if (!alen(specs)) {
        k8sc__buf_puts(b, "<none>");
        return;
    }
    for (size_t i = 0; i < alen(specs) && i < 2; i++) {
        if (i)
            k8sc__buf_puts(b, ", ");
        hpa_metric(b, json_object_array_get_idx(specs, i), i < alen(statuses) ? json_object_array_get_idx(statuses, i)
                                                                            : NULL);
    }
    if (alen(specs) > 2)
        k8sc__buf_printf(b, " + %zu more...", alen(specs) - 2);
}

static struct json_object *rc_cell(const char *col, const k8sc_object *obj)
{
    k8sc__buf b = K8SC__BUF_INIT;
    int64_t want = 1;
    if (k8sc_object_get_int(obj, "spec.replicas", &want))
        want = 1;
    if (strcmp(col, "Desired") == 0)
        return json_object_new_int64(want);
    if (strcmp(col, "Current") == 0)
        return json_object_new_int64(int_at(obj, "status.replicas"));
    if (strcmp(col, "Ready") == 0)
        return json_object_new_int64(int_at(obj, "status.readyReplicas"));
    if (strcmp(col, "Containers") == 0)
        containers(&b, obj, "spec.template.spec", "name");
    else if (strcmp(col, "Images") == 0)
        containers(&b, obj, "spec.template.spec", "image");
    else
        selector(&b, obj, "spec.selector", true);
    return str_cell(&b);
}

static struct json_object *cronjob_cell(const char *col, const k8sc_object *obj, int64_t now)
{
    k8sc__buf b = K8SC__BUF_INIT;
    if (strcmp(col, "Schedule") == 0)
        return json_object_new_string(text_of(k8sc_object_get(obj, "spec.schedule"), ""));
    if (strcmp(col, "Timezone") == 0)
        return json_object_new_string(text_of(k8sc_object_get(obj, "spec.timeZone"), "<none>"));
    if (strcmp(col, "Suspend") == 0) {
        bool s = false;
        return json_object_new_string(k8sc_object_get_bool(obj, "spec.suspend", &s) != 0 ? "<unset>"
                                      : s                                                  ? "True"
                                                                                           : "False");
    }
    if (strcmp(col, "Active") == 0)
        return json_object_new_int64((int64_t)alen(arr(obj, "status.active")));
    if (strcmp(col, "Last Schedule") == 0) {
        const char *ts = k8sc_object_get_string(obj, "status.lastScheduleTime");
        if (!ts)
            return json_object_new_string("<none>");
        since(&b, ts, now);
    } else if (strcmp(col, "Containers") == 0) {
        containers(&b, obj, "spec.jobTemplate.spec.template.spec", "name");
    } else if (strcmp(col, "Images") == 0) {
        containers(&b, obj, "spec.jobTemplate.spec.template.spec", "image");
    } else {
        selector(&b, obj, "spec.jobTemplate.spec.selector", false);
    }
    return str_cell(&b);
}

struct json_object *k8sc__table_cell_more(const char *kind, const char *col, const k8sc_object *obj, int64_t now)
{
    k8sc__buf b = K8SC__BUF_INIT;
    if (strcmp(kind, "ReplicationController") == 0)
        return rc_cell(col, obj);
    if (strcmp(kind, "CronJob") == 0)
        return cronjob_cell(col, obj, now);
    if (strcmp(kind, "Endpoints") == 0) {
        endpoints_list(&b, obj);
        return str_cell(&b);
    }
    if (strcmp(kind, "EndpointSlice") == 0) {
        if (strcmp(col, "AddressType") == 0)
            return json_object_new_string(text_of(k8sc_object_get(obj, "addressType"), ""));
        slice_list(&b, obj, strcmp(col, "Ports") == 0);
        return str_cell(&b);
    }
    if (strcmp(kind, "PodDisruptionBudget") == 0) {
        if (strcmp(col, "Allowed Disruptions") == 0)
            return json_object_new_int64(int_at(obj, "status.disruptionsAllowed"));
        return json_object_new_string(text_of(
            k8sc_object_get(obj, strcmp(col, "Min Available") == 0 ? "spec.minAvailable" : "spec.maxUnavailable"),
            "N/A"));
    }
    if (strcmp(kind, "Lease") == 0)
        return json_object_new_string(text_of(k8sc_object_get(obj, "spec.holderIdentity"), ""));
    if (strcmp(kind, "HorizontalPodAutoscaler") == 0) {
        if (strcmp(col, "Reference") == 0) {
            k8sc__buf_printf(&b, "%s/%s", text_of(k8sc_object_get(obj, "spec.scaleTargetRef.kind"), ""),
                text_of(k8sc_object_get(obj, "spec.scaleTargetRef.name"), ""));
        } else if (strcmp(col, "Targets") == 0) {
            hpa_targets(&b, obj);
        } else if (strcmp(col, "MinPods") == 0) {
            int64_t min;
            if (k8sc_object_get_int(obj, "spec.minReplicas", &min) == 0)
                k8sc__buf_printf(&b, "%lld", (long long)min);
            else
                k8sc__buf_puts(&b, "<unset>");
        } else {
            return json_object_new_int64(int_at(obj, strcmp(col, "MaxPods") == 0 ? "spec.maxReplicas"
                                                                                 : "status.currentReplicas"));
        }
        return str_cell(&b);
    }
    return json_object_new_string("");
}
