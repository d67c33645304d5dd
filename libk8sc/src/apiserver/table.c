/*
 * Server-side printing (Accept: application/json;as=Table;g=meta.k8s.io;v=v1):
 * meta.k8s.io/v1 Table documents with the columns kube-apiserver's printers
 * give the common kinds, NAME and AGE for the rest. kubectl prints cells
 * verbatim, so ages are formatted here as duration.HumanDuration does.
 */
#include "apiserver_internal.h"

#include <string.h>

bool k8sc__wants_table(const char *accept)
{
    return accept && strstr(accept, "as=Table") && strstr(accept, "g=meta.k8s.io");
}

typedef struct {
    const char *name, *type;
    int priority;
} column;

typedef struct {
    const char *kind;
    const column *columns; /* between Name and the rest; Age placed where listed */
} printer;

#define COLS(...) ((const column[]){ __VA_ARGS__, { NULL, NULL, 0 } })

static const printer printers[] = {
    { "ConfigMap", COLS({ "Data", "string", 0 }, { "Age", "string", 0 }) },
    /* The default table convertor kube-apiserver gives CRDs: the creation time, which kubectl shows as is. */
    { "CustomResourceDefinition", COLS({ "Created At", "date", 0 }) },
    { "Secret", COLS({ "Type", "string", 0 }, { "Data", "string", 0 }, { "Age", "string", 0 }) },
    { "ServiceAccount", COLS({ "Secrets", "string", 0 }, { "Age", "string", 0 }) },
    { "Namespace", COLS({ "Status", "string", 0 }, { "Age", "string", 0 }) },
    { "Pod", COLS({ "Ready", "string", 0 }, { "Status", "string", 0 }, { "Restarts", "string", 0 },
        { "Age", "string", 0 }, { "IP", "string", 1 }, { "Node", "string", 1 },
        { "Nominated Node", "string", 1 }, { "Readiness Gates", "string", 1 }) },
    { "Service", COLS({ "Type", "string", 0 }, { "Cluster-IP", "string", 0 }, { "External-IP", "string", 0 },
        { "Port(s)", "string", 0 }, { "Age", "string", 0 }, { "Selector", "string", 1 }) },
    { "Deployment", COLS({ "Ready", "string", 0 }, { "Up-to-date", "string", 0 }, { "Available", "string", 0 },
        { "Age", "string", 0 }, { "Containers", "string", 1 }, { "Images", "string", 1 }, { "Selector", "string", 1 }) },
    { "ReplicaSet", COLS({ "Desired", "integer", 0 }, { "Current", "integer", 0 }, { "Ready", "integer", 0 },
        { "Age", "string", 0 }, { "Containers", "string", 1 }, { "Images", "string", 1 }, { "Selector", "string", 1 }) },
    { "Node", COLS({ "Status", "string", 0 }, { "Roles", "string", 0 }, { "Age", "string", 0 },
        { "Version", "string", 0 }, { "Internal-IP", "string", 1 }, { "External-IP", "string", 1 },
        { "OS-Image", "string", 1 }, { "Kernel-Version", "string", 1 }, { "Container-Runtime", "string", 1 }) },
    /* Events lead with when, not with their generated names (Name is a wide column at the end). */
    { "Event", COLS({ "Last Seen", "string", 0 }, { "Type", "string", 0 }, { "Reason", "string", 0 },
        { "Object", "string", 0 }, { "Subobject", "string", 1 }, { "Source", "string", 1 },
        { "Message", "string", 0 }, { "First Seen", "string", 1 }, { "Count", "integer", 1 },
        { "Name", "string", 1 }) },
    { "Job", COLS({ "Status", "string", 0 }, { "Completions", "string", 0 }, { "Duration", "string", 0 },
        { "Age", "string", 0 }, { "Containers", "string", 1 }, { "Images", "string", 1 }, { "Selector", "string", 1 }) },
    /* The kinds below get their cells from table_kinds.c. */
    { "ReplicationController", COLS({ "Desired", "integer", 0 }, { "Current", "integer", 0 },
        { "Ready", "integer", 0 }, { "Age", "string", 0 }, { "Containers", "string", 1 }, { "Images", "string", 1 },
        { "Selector", "string", 1 }) },
    { "CronJob", COLS({ "Schedule", "string", 0 }, { "Timezone", "string", 0 }, { "Suspend", "boolean", 0 },
        { "Active", "integer", 0 }, { "Last Schedule", "string", 0 }, { "Age", "string", 0 },
        { "Containers", "string", 1 }, { "Images", "string", 1 }, { "Selector", "string", 1 }) },
    { "Endpoints", COLS({ "Endpoints", "string", 0 }, { "Age", "string", 0 }) },
    { "EndpointSlice", COLS({ "AddressType", "string", 0 }, { "Ports", "string", 0 }, { "Endpoints", "string", 0 },
        { "Age", "string", 0 }) },
    { "PodDisruptionBudget", COLS({ "Min Available", "string", 0 }, { "Max Unavailable", "string", 0 },
        { "Allowed Disruptions", "integer", 0 }, { "Age", "string", 0 }) },
    { "Lease", COLS({ "Holder", "string", 0 }, { "Age", "string", 0 }) },
    { "HorizontalPodAutoscaler", COLS({ "Reference", "string", 0 }, { "Targets", "string", 0 },
        { "MinPods", "string", 0 }, { "MaxPods", "integer", 0 }, { "Replicas", "integer", 0 }, { "Age", "string", 0 }) },
};

static const column default_columns[] = { { "Age", "string", 0 }, { NULL, NULL, 0 } };

static const column *columns_for(const k8sc_resource *r)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(printers); i++)
        if (strcmp(printers[i].kind, k8sc_resource_kind(r)) == 0)
            return printers[i].columns;
    return default_columns;
}

/* Whether the table starts with the object's name (all kinds but Event). */
static bool leading_name(const k8sc_resource *r)
{
    return strcmp(k8sc_resource_kind(r), "Event") != 0;
}

struct json_object *k8sc__table_columns(const k8sc_resource *r)
{
    struct json_object *cols = json_object_new_array();
    if (!cols)
        return NULL;
    struct json_object *name = leading_name(r) ? json_object_new_object() : NULL;
    if (name) {
    json_object_object_add(name, "name", json_object_new_string("Name"));
    json_object_object_add(name, "type", json_object_new_string("string"));
    json_object_object_add(name, "format", json_object_new_string("name"));
    json_object_object_add(name, "description", json_object_new_string(
        "Name must be unique within a namespace."));
    json_object_object_add(name, "priority", json_object_new_int(0));
    json_object_array_add(cols, name);
    }
    for (const column *c = columns_for(r); c->name; c++) {
        struct json_object *col = json_object_new_object();
        json_object_object_add(col, "name", json_object_new_string(c->name));
        json_object_object_add(col, "type", json_object_new_string(c->type));
        json_object_object_add(col, "format", json_object_new_string(""));
        json_object_object_add(col, "description", json_object_new_string(c->name));
        json_object_object_add(col, "priority", json_object_new_int(c->priority));
        json_object_array_add(cols, col);
    }
    return cols;
}

static int64_t get_int(const k8sc_object *obj, const char *path)
{
    int64_t v = 0;
    if (k8sc_object_get_int(obj, path, &v))
        return 0;
    return v;
}

static size_t map_len(const k8sc_object *obj, const char *path)
{
    struct json_object *m = k8sc_object_get(obj, path);
    return m && json_object_is_type(m, json_type_object) ? (size_t)json_object_object_length(m) : 0;
}

static size_t array_len(const k8sc_object *obj, const char *path)
{
    struct json_object *a = k8sc_object_get(obj, path);
    return a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static const char *or_none(const char *s)
{
    return s && *s ? s : "<none>";
}

/* "a,b" from one field of every container in the pod template. */
static void container_field(k8sc__buf *b, const k8sc_object *obj, bool images)
{
    size_t n = k8sc_pod_container_count(obj, K8SC_CONTAINERS);
    for (size_t i = 0; i < n; i++) {
        k8sc_container c;
        if (k8sc_pod_container(&c, obj, K8SC_CONTAINERS, i))
            continue;
        if (i)
            k8sc__buf_putc(b, ',');
        k8sc__buf_puts(b, images ? (c.image ? c.image : "") : (c.name ? c.name : ""));
    }
}

static void selector_string(k8sc__buf *b, const k8sc_object *obj, const char *path, bool from_map)
{
    struct json_object *sj = k8sc_object_get(obj, path);
    k8sc_selector *sel = NULL;
    char *text = NULL;
    int rc = from_map ? k8sc_selector_from_map(&sel, sj) : k8sc_selector_from_json(&sel, sj);
    if (rc == 0 && k8sc_selector_to_string(&text, sel) == 0)
        k8sc__buf_puts(b, from_map && !*text ? "<none>" : text);
    k8sc_free(text);
    k8sc_selector_free(sel);
}

static struct json_object *str_cell(k8sc__buf *b)
{
    struct json_object *s = json_object_new_string(b->ptr ? b->ptr : "");
    k8sc__buf_free(b);
    return s;
}

static const char *condition_status(const k8sc_object *obj, const char *path, const char *type)
{
    struct json_object *conds = k8sc_object_get(obj, path);
    if (!conds || !json_object_is_type(conds, json_type_array))
        return NULL;
    for (size_t i = 0; i < json_object_array_length(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i), *t, *s;
        if (json_object_object_get_ex(c, "type", &t) && json_object_object_get_ex(c, "status", &s) &&
            json_object_is_type(t, json_type_string) && strcmp(json_object_get_string(t), type) == 0)
            return json_object_get_string(s);
    }
    return NULL;
}

static const char *pod_status(const k8sc_object *pod)
{
    int64_t ts;
    if (k8sc_object_deletion_timestamp(pod, &ts) == 0)
        return "Terminating";
    const char *reason = k8sc_object_get_string(pod, "status.reason");
    if (reason && *reason)
        return reason;
    struct json_object *cs = k8sc_object_get(pod, "status.containerStatuses");
    for (size_t i = 0; cs && json_object_is_type(cs, json_type_array) && i < json_object_array_length(cs); i++) {
        struct json_object *c = json_object_array_get_idx(cs, i), *state, *w, *r;
        if (!json_object_object_get_ex(c, "state", &state))
            continue;
        if (json_object_object_get_ex(state, "waiting", &w) && json_object_object_get_ex(w, "reason", &r))
            return json_object_get_string(r);
        if (json_object_object_get_ex(state, "terminated", &w) && json_object_object_get_ex(w, "reason", &r))
            return json_object_get_string(r);
    }
    const char *phase = k8sc_object_get_string(pod, "status.phase");
    return phase && *phase ? phase : "Pending";
}

static void pod_ready(k8sc__buf *b, const k8sc_object *pod)
{
    size_t total = k8sc_pod_container_count(pod, K8SC_CONTAINERS), ready = 0;
    struct json_object *cs = k8sc_object_get(pod, "status.containerStatuses");
    for (size_t i = 0; cs && json_object_is_type(cs, json_type_array) && i < json_object_array_length(cs); i++) {
        struct json_object *r;
        if (json_object_object_get_ex(json_object_array_get_idx(cs, i), "ready", &r) && json_object_get_boolean(r))
            ready++;
    }
    k8sc__buf_printf(b, "%zu/%zu", ready, total);
}

static int64_t pod_restarts(const k8sc_object *pod)
{
    int64_t n = 0;
    struct json_object *cs = k8sc_object_get(pod, "status.containerStatuses");
    for (size_t i = 0; cs && json_object_is_type(cs, json_type_array) && i < json_object_array_length(cs); i++) {
        struct json_object *r;
        if (json_object_object_get_ex(json_object_array_get_idx(cs, i), "restartCount", &r))
            n += json_object_get_int64(r);
    }
    return n;
}

static void service_ports(k8sc__buf *b, const k8sc_object *svc)
{
    struct json_object *ports = k8sc_object_get(svc, "spec.ports");
    size_t n = ports && json_object_is_type(ports, json_type_array) ? json_object_array_length(ports) : 0;
    if (!n) {
        k8sc__buf_puts(b, "<none>");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct json_object *p = json_object_array_get_idx(ports, i), *v;
        if (i)
            k8sc__buf_putc(b, ',');
        k8sc__buf_printf(b, "%lld", json_object_object_get_ex(p, "port", &v) ? (long long)json_object_get_int64(v) : 0LL);
        if (json_object_object_get_ex(p, "nodePort", &v))
            k8sc__buf_printf(b, ":%lld", (long long)json_object_get_int64(v));
        const char *proto = json_object_object_get_ex(p, "protocol", &v) ? json_object_get_string(v) : "TCP";
        k8sc__buf_printf(b, "/%s", proto);
    }
}

/* kubectl's getServiceExternalIP: spec.externalIPs, with the load balancer's ingress first. */
static void service_external_ip(k8sc__buf *b, const k8sc_object *svc)
{
    const char *type = k8sc_object_get_string(svc, "spec.type");
    type = type ? type : "ClusterIP";
    if (strcmp(type, "ExternalName") == 0) {
        const char *name = k8sc_object_get_string(svc, "spec.externalName");
        k8sc__buf_puts(b, name ? name : "");
        return;
    }
    bool lb = strcmp(type, "LoadBalancer") == 0;
    if (!lb && strcmp(type, "ClusterIP") != 0 && strcmp(type, "NodePort") != 0) {
        k8sc__buf_puts(b, "<unknown>");
        return;
    }
    size_t start = b->len;
    struct json_object *ing = lb ? k8sc_object_get(svc, "status.loadBalancer.ingress") : NULL;
    for (size_t i = 0; ing && json_object_is_type(ing, json_type_array) && i < json_object_array_length(ing); i++) {
        struct json_object *e = json_object_array_get_idx(ing, i);
        const char *v = k8sc__json_string(e, "ip");
        if (!v || !*v)
            v = k8sc__json_string(e, "hostname");
        if (v && *v)
            k8sc__buf_printf(b, "%s%s", b->len > start ? "," : "", v);
    }
    struct json_object *ext = k8sc_object_get(svc, "spec.externalIPs");
    for (size_t i = 0; ext && json_object_is_type(ext, json_type_array) && i < json_object_array_length(ext); i++)
        k8sc__buf_printf(b, "%s%s", b->len > start ? "," : "", json_object_get_string(json_object_array_get_idx(ext, i)));
    if (b->len == start)
        k8sc__buf_puts(b, lb ? "<pending>" : "<none>");
}

static void node_roles(k8sc__buf *b, const k8sc_object *node)
{
    struct json_object *labels = k8sc_object_get(node, "metadata.labels");
    bool any = false;
    if (labels && json_object_is_type(labels, json_type_object)) {
        json_object_object_foreach(labels, key, val) {
            (void)val;
            const char *prefix = "node-role.kubernetes.io/";
            if (strncmp(key, prefix, strlen(prefix)) == 0 && key[strlen(prefix)]) {
                k8sc__buf_printf(b, "%s%s", any ? "," : "", key + strlen(prefix));
                any = true;
            }
        }
    }
    if (!any)
        k8sc__buf_puts(b, "<none>");
}

static const char *node_address(const k8sc_object *node, const char *type)
{
    struct json_object *addrs = k8sc_object_get(node, "status.addresses");
    for (size_t i = 0; addrs && json_object_is_type(addrs, json_type_array) && i < json_object_array_length(addrs); i++) {
        struct json_object *a = json_object_array_get_idx(addrs, i), *t, *v;
        if (json_object_object_get_ex(a, "type", &t) && strcmp(json_object_get_string(t), type) == 0 &&
            json_object_object_get_ex(a, "address", &v))
            return json_object_get_string(v);
    }
    return "<none>";
}

static const char *job_status(const k8sc_object *job)
{
    static const char *const order[] = { "Failed", "Complete", "SuccessCriteriaMet", "FailureTarget", "Suspended" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(order); i++) {
        const char *s = condition_status(job, "status.conditions", order[i]);
        if (s && strcmp(s, "True") == 0)
            return order[i];
    }
    int64_t ts;
    if (k8sc_object_deletion_timestamp(job, &ts) == 0)
        return "Terminating";
    return "Running";
}

static void job_duration(k8sc__buf *b, const k8sc_object *job, int64_t now)
{
    const char *start = k8sc_object_get_string(job, "status.startTime");
    const char *end = k8sc_object_get_string(job, "status.completionTime");
    int64_t s, e = now;
    if (!start || k8sc_time_parse(&s, start))
        return;
    if (end && k8sc_time_parse(&e, end))
        e = now;
    char d[32];
    k8sc__human_duration(d, sizeof(d), e - s);
    k8sc__buf_puts(b, d);
}

/* How long ago the time at `path` was, as kubectl prints it ("<unknown>" without one). */
static void ago(k8sc__buf *b, const k8sc_object *obj, const char *path, int64_t now)
{
    const char *ts = k8sc_object_get_string(obj, path);
    int64_t t;
    char d[32] = "<unknown>";
    if (ts && k8sc_time_parse(&t, ts) == 0)
        k8sc__human_duration(d, sizeof(d), now - t);
    k8sc__buf_puts(b, d);
}

/* A cell of the Event table (printEvent). */
static struct json_object *event_cell(k8sc__buf *b, const char *col, const k8sc_object *obj, int64_t now)
{
    if (strcmp(col, "Last Seen") == 0) {
        const char *path = k8sc_object_get_string(obj, "series.lastObservedTime") ? "series.lastObservedTime"
                         : k8sc_object_get_string(obj, "lastTimestamp")           ? "lastTimestamp"
                                                                                  : "eventTime";
        ago(b, obj, path, now);
    } else if (strcmp(col, "First Seen") == 0) {
        ago(b, obj, k8sc_object_get_string(obj, "firstTimestamp") ? "firstTimestamp" : "eventTime", now);
    } else if (strcmp(col, "Object") == 0) {
        const char *kind = k8sc_object_get_string(obj, "involvedObject.kind");
        const char *name = k8sc_object_get_string(obj, "involvedObject.name");
        for (const char *p = kind ? kind : ""; *p; p++)
            k8sc__buf_putc(b, (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p));
        k8sc__buf_printf(b, "/%s", name ? name : "");
    } else if (strcmp(col, "Subobject") == 0) {
        k8sc__buf_puts(b, k8sc_object_get_string(obj, "involvedObject.fieldPath") ? k8sc_object_get_string(obj,
            "involvedObject.fieldPath") : "");
    } else if (strcmp(col, "Source") == 0) {
        const char *comp = k8sc_object_get_string(obj, "source.component");
        const char *host = k8sc_object_get_string(obj, "source.host");
        if (!comp)
            comp = k8sc_object_get_string(obj, "reportingComponent");
        k8sc__buf_puts(b, comp ? comp : "");
        if (host && host[0])
            k8sc__buf_printf(b, ", %s", host);
    } else if (strcmp(col, "Count") == 0) {
        int64_t n = get_int(obj, "count");
        return json_object_new_int64(n ? n : 1);
    } else {
        static const struct { const char *col, *path; } plain[] = {
            { "Type", "type" }, { "Reason", "reason" }, { "Message", "message" }, { "Name", "metadata.name" } };
        for (size_t i = 0; i < K8SC__ARRAY_LEN(plain); i++)
            if (strcmp(col, plain[i].col) == 0) {
                const char *v = k8sc_object_get_string(obj, plain[i].path);
                k8sc__buf_puts(b, v ? v : "");
            }
    }
    return str_cell(b);
}

/* The cell of column `col` for `obj`. */
static struct json_object *cell(const char *kind, const char *col, const k8sc_object *obj, int64_t now)
{
    k8sc__buf b = K8SC__BUF_INIT;
    if (strcmp(col, "Age") == 0) {
        int64_t created;
        char age[32] = "<unknown>";
        if (k8sc_object_creation_timestamp(obj, &created) == 0)
            k8sc__human_duration(age, sizeof(age), now - created);
        return json_object_new_string(age);
    }
    if (strcmp(col, "Created At") == 0) {
        const char *ts = k8sc_object_get_string(obj, "metadata.creationTimestamp");
        return json_object_new_string(ts ? ts : "");
    }
    if (strcmp(kind, "ConfigMap") == 0 && strcmp(col, "Data") == 0)
        return json_object_new_int64((int64_t)(map_len(obj, "data") + map_len(obj, "binaryData")));
    if (strcmp(kind, "Secret") == 0) {
        if (strcmp(col, "Type") == 0)
            return json_object_new_string(k8sc_object_get_string(obj, "type") ? k8sc_object_get_string(obj, "type") : "");
        return json_object_new_int64((int64_t)map_len(obj, "data"));
    }
    if (strcmp(kind, "ServiceAccount") == 0)
        return json_object_new_int64((int64_t)array_len(obj, "secrets"));
    if (strcmp(kind, "Namespace") == 0) {
        const char *phase = k8sc_object_get_string(obj, "status.phase");
        return json_object_new_string(phase ? phase : "Active");
    }
    if (strcmp(kind, "Pod") == 0) {
        if (strcmp(col, "Ready") == 0)
            pod_ready(&b, obj);
        else if (strcmp(col, "Status") == 0)
            return json_object_new_string(pod_status(obj));
        else if (strcmp(col, "Restarts") == 0)
            return json_object_new_int64(pod_restarts(obj));
        else if (strcmp(col, "IP") == 0)
            return json_object_new_string(or_none(k8sc_object_get_string(obj, "status.podIP")));
        else if (strcmp(col, "Node") == 0)
            return json_object_new_string(or_none(k8sc_object_get_string(obj, "spec.nodeName")));
        else
            return json_object_new_string("<none>");
        return str_cell(&b);
    }
    if (strcmp(kind, "Service") == 0) {
        if (strcmp(col, "Type") == 0) {
            const char *t = k8sc_object_get_string(obj, "spec.type");
            return json_object_new_string(t ? t : "ClusterIP");
        }
        if (strcmp(col, "Cluster-IP") == 0)
            return json_object_new_string(or_none(k8sc_object_get_string(obj, "spec.clusterIP")));
        if (strcmp(col, "External-IP") == 0) {
            service_external_ip(&b, obj);
            return str_cell(&b);
        }
        if (strcmp(col, "Port(s)") == 0)
            service_ports(&b, obj);
        else
            selector_string(&b, obj, "spec.selector", true);
        return str_cell(&b);
    }
    if (strcmp(kind, "Deployment") == 0 || strcmp(kind, "ReplicaSet") == 0 || strcmp(kind, "Job") == 0) {
        int64_t want = 1;
        if (k8sc_object_get_int(obj, "spec.replicas", &want))
            want = 1;
        if (strcmp(col, "Containers") == 0)
            container_field(&b, obj, false);
        else if (strcmp(col, "Images") == 0)
            container_field(&b, obj, true);
        else if (strcmp(col, "Selector") == 0)
            selector_string(&b, obj, "spec.selector", false);
        else if (strcmp(kind, "Deployment") == 0 && strcmp(col, "Ready") == 0)
            k8sc__buf_printf(&b, "%lld/%lld", (long long)get_int(obj, "status.readyReplicas"), (long long)want);
        else if (strcmp(col, "Up-to-date") == 0)
            return json_object_new_int64(get_int(obj, "status.updatedReplicas"));
        else if (strcmp(col, "Available") == 0)
            return json_object_new_int64(get_int(obj, "status.availableReplicas"));
        else if (strcmp(col, "Desired") == 0)
            return json_object_new_int64(want);
        else if (strcmp(col, "Current") == 0)
            return json_object_new_int64(get_int(obj, "status.replicas"));
        else if (strcmp(col, "Ready") == 0)
            return json_object_new_int64(get_int(obj, "status.readyReplicas"));
        else if (strcmp(col, "Status") == 0)
            return json_object_new_string(job_status(obj));
        else if (strcmp(col, "Completions") == 0) {
            int64_t completions;
            if (k8sc_object_get_int(obj, "spec.completions", &completions) == 0)
                k8sc__buf_printf(&b, "%lld/%lld", (long long)get_int(obj, "status.succeeded"), (long long)completions);
            else
                k8sc__buf_printf(&b, "%lld/1 of %lld", (long long)get_int(obj, "status.succeeded"),
                    (long long)(get_int(obj, "spec.parallelism") ? get_int(obj, "spec.parallelism") : 1));
        } else if (strcmp(col, "Duration") == 0)
            job_duration(&b, obj, now);
        return str_cell(&b);
    }
    if (strcmp(kind, "Event") == 0)
        return event_cell(&b, col, obj, now);
    if (strcmp(kind, "Node") == 0) {
        if (strcmp(col, "Status") == 0) {
            const char *ready = condition_status(obj, "status.conditions", "Ready");
            k8sc__buf_puts(&b, !ready ? "Unknown" : strcmp(ready, "True") == 0 ? "Ready" : "NotReady");
            bool unsched = false;
            if (k8sc_object_get_bool(obj, "spec.unschedulable", &unsched) == 0 && unsched)
                k8sc__buf_puts(&b, ",SchedulingDisabled");
        } else if (strcmp(col, "Roles") == 0) {
            node_roles(&b, obj);
        } else if (strcmp(col, "Version") == 0) {
            k8sc__buf_puts(&b, or_none(k8sc_object_get_string(obj, "status.nodeInfo.kubeletVersion")));
        } else if (strcmp(col, "Internal-IP") == 0) {
            k8sc__buf_puts(&b, node_address(obj, "InternalIP"));
        } else if (strcmp(col, "External-IP") == 0) {
            k8sc__buf_puts(&b, node_address(obj, "ExternalIP"));
        } else if (strcmp(col, "OS-Image") == 0) {
            k8sc__buf_puts(&b, or_none(k8sc_object_get_string(obj, "status.nodeInfo.osImage")));
        } else if (strcmp(col, "Kernel-Version") == 0) {
            k8sc__buf_puts(&b, or_none(k8sc_object_get_string(obj, "status.nodeInfo.kernelVersion")));
        } else {
            k8sc__buf_puts(&b, or_none(k8sc_object_get_string(obj, "status.nodeInfo.containerRuntimeVersion")));
        }
        return str_cell(&b);
    }
    return k8sc__table_cell_more(kind, col, obj, now);
}

/* PartialObjectMetadata carrying the object's metadata (for -A and --show-labels). */
static struct json_object *partial_metadata(const k8sc_object *obj)
{
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "kind", json_object_new_string("PartialObjectMetadata"));
    json_object_object_add(p, "apiVersion", json_object_new_string("meta.k8s.io/v1"));
    struct json_object *md = k8sc_object_get(obj, "metadata");
    struct json_object *copy = NULL;
    if (md && json_object_deep_copy(md, &copy, NULL) == 0)
        json_object_object_add(p, "metadata", copy);
    else
        json_object_object_add(p, "metadata", json_object_new_object());
    return p;
}

struct json_object *k8sc__table_row(k8sc_apiserver *srv, const k8sc_resource *r, const k8sc_object *obj, int64_t now)
{
    k8sc_object *crd = k8sc__crd_for(srv, r);
    bool custom = crd != NULL;
    struct json_object *row = json_object_new_object();
    struct json_object *cells = crd ? k8sc__crd_table_cells(crd, k8sc_resource_version(r), obj) : json_object_new_array();
    k8sc_object_free(crd);
    if (!row || !cells) {
        json_object_put(row);
        json_object_put(cells);
        return NULL;
    }
    if (!custom) {
        const char *name = k8sc_object_name(obj);
        if (leading_name(r))
            json_object_array_add(cells, json_object_new_string(name ? name : ""));
        for (const column *c = columns_for(r); c->name; c++)
            json_object_array_add(cells, cell(k8sc_resource_kind(r), c->name, obj, now));
    }
    json_object_object_add(row, "cells", cells);
    json_object_object_add(row, "object", partial_metadata(obj));
    return row;
}

struct json_object *k8sc__table_new(k8sc_apiserver *srv, const k8sc_resource *r, const char *rv)
{
    struct json_object *t = json_object_new_object();
    if (!t)
        return NULL;
    k8sc_object *crd = k8sc__crd_for(srv, r);
    json_object_object_add(t, "kind", json_object_new_string("Table"));
    json_object_object_add(t, "apiVersion", json_object_new_string("meta.k8s.io/v1"));
    struct json_object *md = json_object_new_object();
    if (rv)
        json_object_object_add(md, "resourceVersion", json_object_new_string(rv));
    json_object_object_add(t, "metadata", md);
    json_object_object_add(t, "columnDefinitions",
        crd ? k8sc__crd_table_columns(crd, k8sc_resource_version(r)) : k8sc__table_columns(r));
    k8sc_object_free(crd);
    json_object_object_add(t, "rows", json_object_new_array());
    return t;
}
