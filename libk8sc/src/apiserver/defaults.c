/*
 * Per-kind defaults, as Kubernetes' generated defaulters (pkg/apis/{core,apps,
 * batch}/v1/defaults.go: SetDefaults_PodSpec, _Container, _Deployment, _Job,
 * _CronJob, _Service, ...) and the defaulting admission plugins
 * (DefaultTolerationSeconds, Priority) fill them. Defaulting runs on every
 * decode there, so updates get the spec defaults too; what only a create
 * does (generated job selectors, admission) is under `create`.
 */
#include "apiserver_internal.h"

#include <string.h>

static struct json_object *child(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
        return NULL;
    return v;
}

/* The object at o[key], created empty when absent or null. NULL if o[key] is not an object. */
static struct json_object *ensure_obj(struct json_object *o, const char *key)
{
    if (!o || !json_object_is_type(o, json_type_object))
        return NULL;
    struct json_object *v = child(o, key);
    if (v && json_object_is_type(v, json_type_object))
        return v;
    if (v)
        return NULL;
    v = json_object_new_object();
    if (v && json_object_object_add(o, key, v) != 0) {
        json_object_put(v);
        return NULL;
    }
    return v;
}

/* Unset means absent or null; an empty string counts as unset for strings, as Go's "" does. */
static bool unset(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !v)
        return true;
    return json_object_is_type(v, json_type_string) && json_object_get_string_len(v) == 0;
}

static void def_str(struct json_object *o, const char *key, const char *value)
{
    if (o && unset(o, key))
        json_object_object_add(o, key, json_object_new_string(value));
}

static void def_int(struct json_object *o, const char *key, int64_t value)
{
    if (o && unset(o, key))
        json_object_object_add(o, key, json_object_new_int64(value));
}

static void def_bool(struct json_object *o, const char *key, bool value)
{
    if (o && unset(o, key))
        json_object_object_add(o, key, json_object_new_boolean(value));
}

static bool is(const k8sc_resource *r, const char *group, const char *kind)
{
    return strcmp(k8sc_resource_group(r), group) == 0 && strcmp(k8sc_resource_kind(r), kind) == 0;
}

/* imagePullPolicy from the image reference: Always for ":latest" or no tag (and no digest). */
static const char *pull_policy(const char *image)
{
    if (strchr(image, '@'))
        return "IfNotPresent";
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(slash ? slash : image, ':');
    if (!colon || strcmp(colon + 1, "latest") == 0)
        return "Always";
    return "IfNotPresent";
}

static void probe_defaults(struct json_object *p)
{
    if (!p || !json_object_is_type(p, json_type_object))
        return;
    def_int(p, "timeoutSeconds", 1);
    def_int(p, "periodSeconds", 10);
    def_int(p, "successThreshold", 1);
    def_int(p, "failureThreshold", 3);
    struct json_object *http = child(p, "httpGet");
    if (http && json_object_is_type(http, json_type_object)) {
        def_str(http, "path", "/");
        def_str(http, "scheme", "HTTP");
    }
}

static void container_defaults(struct json_object *c)
{
    if (!c || !json_object_is_type(c, json_type_object))
        return;
    struct json_object *image = child(c, "image");
    if (image && json_object_is_type(image, json_type_string))
        def_str(c, "imagePullPolicy", pull_policy(json_object_get_string(image)));
    def_str(c, "terminationMessagePath", "/dev/termination-log");
    def_str(c, "terminationMessagePolicy", "File");
    struct json_object *ports = child(c, "ports");
    for (size_t i = 0; ports && json_object_is_type(ports, json_type_array) && i < json_object_array_length(ports); i++) {
        struct json_object *p = json_object_array_get_idx(ports, i);
        if (p && json_object_is_type(p, json_type_object))
            def_str(p, "protocol", "TCP");
    }
    probe_defaults(child(c, "livenessProbe"));
    probe_defaults(child(c, "readinessProbe"));
    probe_defaults(child(c, "startupProbe"));
    struct json_object *env = child(c, "env");
    for (size_t i = 0; env && json_object_is_type(env, json_type_array) && i < json_object_array_length(env); i++) {
        struct json_object *ref = child(child(json_object_array_get_idx(env, i), "valueFrom"), "fieldRef");
        if (ref && json_object_is_type(ref, json_type_object))
            def_str(ref, "apiVersion", "v1");
    }
}

static void containers_defaults(struct json_object *list)
{
    for (size_t i = 0; list && json_object_is_type(list, json_type_array) && i < json_object_array_length(list); i++)
        container_defaults(json_object_array_get_idx(list, i));
}

static void volume_defaults(struct json_object *vols)
{
    static const char *const sources[] = { "secret", "configMap", "downwardAPI", "projected" };
    for (size_t i = 0; vols && json_object_is_type(vols, json_type_array) && i < json_object_array_length(vols); i++) {
        struct json_object *v = json_object_array_get_idx(vols, i);
        if (!v || !json_object_is_type(v, json_type_object))
            continue;
        /* A volume naming no source is an emptyDir (SetDefaults_Volume). */
        if (json_object_object_length(v) == 1 && child(v, "name"))
            json_object_object_add(v, "emptyDir", json_object_new_object());
        for (size_t j = 0; j < K8SC__ARRAY_LEN(sources); j++) {
            struct json_object *s = child(v, sources[j]);
            if (s && json_object_is_type(s, json_type_object))
                def_int(s, "defaultMode", 420);
        }
        struct json_object *hp = child(v, "hostPath");
        if (hp && json_object_is_type(hp, json_type_object) && !child(hp, "type"))
            json_object_object_add(hp, "type", json_object_new_string(""));
    }
}

/* SetDefaults_PodSpec and what it reaches (containers, volumes). */
static void pod_spec_defaults(struct json_object *spec)
{
    if (!spec || !json_object_is_type(spec, json_type_object))
        return;
    def_str(spec, "dnsPolicy", "ClusterFirst");
    def_str(spec, "restartPolicy", "Always");
    if (unset(spec, "securityContext"))
        json_object_object_add(spec, "securityContext", json_object_new_object());
    def_int(spec, "terminationGracePeriodSeconds", 30);
    def_str(spec, "schedulerName", "default-scheduler");
    containers_defaults(child(spec, "containers"));
    containers_defaults(child(spec, "initContainers"));
    volume_defaults(child(spec, "volumes"));
}

static void template_defaults(struct json_object *tmpl)
{
    pod_spec_defaults(child(tmpl, "spec"));
}

/* SetDefaults_Pod: requests default to limits, container by container. */
static void requests_from_limits(struct json_object *containers)
{
    for (size_t i = 0; containers && json_object_is_type(containers, json_type_array) &&
                       i < json_object_array_length(containers); i++) {
        struct json_object *res = child(json_object_array_get_idx(containers, i), "resources");
        struct json_object *limits = child(res, "limits");
        if (!limits || !json_object_is_type(limits, json_type_object) || json_object_object_length(limits) == 0)
            continue;
        struct json_object *req = ensure_obj(res, "requests");
        if (!req)
            continue;
        json_object_object_foreach(limits, k, v) {
            if (!child(req, k))
                json_object_object_add(req, k, json_object_get(v));
        }
    }
}

/* True if some toleration already covers `key` for NoExecute taints. */
static bool tolerates(struct json_object *tols, const char *key)
{
    for (size_t i = 0; tols && json_object_is_type(tols, json_type_array) && i < json_object_array_length(tols); i++) {
        struct json_object *t = json_object_array_get_idx(tols, i);
        struct json_object *k = child(t, "key"), *e = child(t, "effect"), *op = child(t, "operator");
        const char *ks = k ? json_object_get_string(k) : "";
        const char *es = e ? json_object_get_string(e) : "";
        bool any_key = !*ks && op && strcmp(json_object_get_string(op), "Exists") == 0;
        if ((any_key || strcmp(ks, key) == 0) && (!*es || strcmp(es, "NoExecute") == 0))
            return true;
    }
    return false;
}

/* Sum cpu and memory (positive values only) of one resource list into sums[0..1]; *found gets bit 0/1 set. */
static void qos_add(k8sc_quantity sums[2], unsigned *found, struct json_object *list)
{
    static const char *const names[] = { "cpu", "memory" };
    for (size_t i = 0; i < 2; i++) {
        struct json_object *v = child(list, names[i]);
        k8sc_quantity q;
        if (!v || !json_object_is_type(v, json_type_string) || k8sc_quantity_parse(&q, json_object_get_string(v)) ||
            k8sc_quantity_sign(&q) <= 0)
            continue;
        if (!(*found & (1u << i)))
            sums[i] = q;
        else if (k8sc_quantity_add(&sums[i], &sums[i], &q) != 0)
            continue;
        *found |= 1u << i;
    }
}

/* status.qosClass as ComputePodQOS decides it from the containers' cpu and memory. */
static const char *qos_class(struct json_object *spec)
{
    k8sc_quantity req[2] = { { 0, 0, 0 }, { 0, 0, 0 } }, lim[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
    unsigned has_req = 0, has_lim = 0;
    bool guaranteed = true;
    static const char *const lists[] = { "containers", "initContainers" };
    for (size_t l = 0; l < 2; l++) {
        struct json_object *cs = child(spec, lists[l]);
        for (size_t i = 0; cs && json_object_is_type(cs, json_type_array) && i < json_object_array_length(cs); i++) {
            struct json_object *res = child(json_object_array_get_idx(cs, i), "resources");
            unsigned mine = 0;
            k8sc_quantity scratch[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
            qos_add(req, &has_req, child(res, "requests"));
            qos_add(scratch, &mine, child(res, "limits"));
            qos_add(lim, &has_lim, child(res, "limits"));
            if (mine != 3)
                guaranteed = false;
        }
    }
    if (!has_req && !has_lim)
        return "BestEffort";
    for (size_t i = 0; guaranteed && i < 2; i++)
        if ((has_req & (1u << i)) && (!(has_lim & (1u << i)) || k8sc_quantity_cmp(&req[i], &lim[i]) != 0))
            guaranteed = false;
    return guaranteed && has_req == has_lim ? "Guaranteed" : "Burstable";
}

/* What a pod write gets from defaulting plus the DefaultTolerationSeconds and Priority admission plugins. */
static int pod_defaults(k8sc_object *obj, bool create)
{
    struct json_object *root = k8sc_object_json(obj);
    struct json_object *spec = ensure_obj(root, "spec");
    if (!spec)
        return 0;
    pod_spec_defaults(spec);
    def_bool(spec, "enableServiceLinks", true);
    requests_from_limits(child(spec, "containers"));
    requests_from_limits(child(spec, "initContainers"));
    /* Status is the server's on create (PrepareForCreate): Pending, and the QoS class. */
    struct json_object *status = create ? ensure_obj(root, "status") : NULL;
    if (status)
        json_object_object_add(status, "qosClass", json_object_new_string(qos_class(spec)));
    /* Both admission plugins below admit updates too (keeping an update of the same manifest a no-op). */
    static const char *const taints[] = { "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(taints); i++) {
        struct json_object *tols = child(spec, "tolerations");
        if (tols && !json_object_is_type(tols, json_type_array))
            break;
        if (tolerates(tols, taints[i]))
            continue;
        if (!tols) {
            tols = json_object_new_array();
            if (!tols)
                return k8sc__error_nomem();
            json_object_object_add(spec, "tolerations", tols);
        }
        struct json_object *t = json_object_new_object();
        if (!t)
            return k8sc__error_nomem();
        json_object_object_add(t, "key", json_object_new_string(taints[i]));
        json_object_object_add(t, "operator", json_object_new_string("Exists"));
        json_object_object_add(t, "effect", json_object_new_string("NoExecute"));
        json_object_object_add(t, "tolerationSeconds", json_object_new_int64(300));
        json_object_array_add(tols, t);
    }
    if (unset(spec, "priorityClassName")) {
        def_int(spec, "priority", 0);
        def_str(spec, "preemptionPolicy", "PreemptLowerPriority");
    }
    return 0;
}

static void deployment_defaults(struct json_object *spec)
{
    def_int(spec, "replicas", 1);
    struct json_object *strategy = ensure_obj(spec, "strategy");
    if (strategy) {
        def_str(strategy, "type", "RollingUpdate");
        struct json_object *type = child(strategy, "type");
        if (type && strcmp(json_object_get_string(type), "RollingUpdate") == 0) {
            struct json_object *ru = ensure_obj(strategy, "rollingUpdate");
            def_str(ru, "maxUnavailable", "25%");
            def_str(ru, "maxSurge", "25%");
        }
    }
    def_int(spec, "revisionHistoryLimit", 10);
    def_int(spec, "progressDeadlineSeconds", 600);
}

static void statefulset_defaults(struct json_object *spec)
{
    def_str(spec, "podManagementPolicy", "OrderedReady");
    struct json_object *us = ensure_obj(spec, "updateStrategy");
    if (us) {
        def_str(us, "type", "RollingUpdate");
        struct json_object *type = child(us, "type");
        if (type && strcmp(json_object_get_string(type), "RollingUpdate") == 0)
            def_int(ensure_obj(us, "rollingUpdate"), "partition", 0);
    }
    def_int(spec, "replicas", 1);
    def_int(spec, "revisionHistoryLimit", 10);
    struct json_object *pvc = ensure_obj(spec, "persistentVolumeClaimRetentionPolicy");
    def_str(pvc, "whenDeleted", "Retain");
    def_str(pvc, "whenScaled", "Retain");
}

static void daemonset_defaults(struct json_object *spec)
{
    struct json_object *us = ensure_obj(spec, "updateStrategy");
    if (us) {
        def_str(us, "type", "RollingUpdate");
        struct json_object *type = child(us, "type");
        if (type && strcmp(json_object_get_string(type), "RollingUpdate") == 0) {
            struct json_object *ru = ensure_obj(us, "rollingUpdate");
            def_int(ru, "maxUnavailable", 1);
            def_int(ru, "maxSurge", 0);
        }
    }
    def_int(spec, "revisionHistoryLimit", 10);
}

/* The template's labels copied (a reference taken) when the object has none. */
static void labels_from_template(struct json_object *root, struct json_object *tmpl_labels)
{
    struct json_object *md = ensure_obj(root, "metadata");
    struct json_object *labels = child(md, "labels");
    if (!md || !tmpl_labels || !json_object_is_type(tmpl_labels, json_type_object))
        return;
    if (labels && json_object_is_type(labels, json_type_object) && json_object_object_length(labels) > 0)
        return;
    struct json_object *copy = NULL;
    if (json_object_deep_copy(tmpl_labels, &copy, NULL) == 0)
        json_object_object_add(md, "labels", copy);
}

static void rc_defaults(struct json_object *root, struct json_object *spec)
{
    struct json_object *labels = child(child(child(spec, "template"), "metadata"), "labels");
    if (labels && json_object_is_type(labels, json_type_object)) {
        struct json_object *sel = child(spec, "selector");
        if (!sel || (json_object_is_type(sel, json_type_object) && json_object_object_length(sel) == 0)) {
            struct json_object *copy = NULL;
            if (json_object_deep_copy(labels, &copy, NULL) == 0)
                json_object_object_add(spec, "selector", copy);
        }
        labels_from_template(root, labels);
    }
    def_int(spec, "replicas", 1);
}

/* generateSelector (pkg/registry/batch/job/strategy.go): label the pods with the job's name and uid. */
static void job_selector(struct json_object *spec, const char *name, const char *uid)
{
    struct json_object *tmpl = ensure_obj(spec, "template");
    struct json_object *md = ensure_obj(tmpl, "metadata");
    struct json_object *labels = ensure_obj(md, "labels");
    if (!labels)
        return;
    def_str(labels, "batch.kubernetes.io/controller-uid", uid);
    def_str(labels, "batch.kubernetes.io/job-name", name);
    def_str(labels, "controller-uid", uid);
    def_str(labels, "job-name", name);
    struct json_object *sel = ensure_obj(spec, "selector");
    def_str(ensure_obj(sel, "matchLabels"), "batch.kubernetes.io/controller-uid", uid);
}

static void job_defaults(k8sc_object *obj, struct json_object *spec, bool create)
{
    struct json_object *root = k8sc_object_json(obj);
    if (unset(spec, "completions") && unset(spec, "parallelism")) {
        def_int(spec, "completions", 1);
        def_int(spec, "parallelism", 1);
    }
    def_int(spec, "parallelism", 1);
    def_int(spec, "backoffLimit", unset(spec, "backoffLimitPerIndex") ? 6 : INT32_MAX);
    def_str(spec, "completionMode", "NonIndexed");
    def_bool(spec, "suspend", false);
    def_str(spec, "podReplacementPolicy", unset(spec, "podFailurePolicy") ? "TerminatingOrFailed" : "Failed");
    /* Defaulting copies the user's template labels first; the generated ones only when there were none. */
    struct json_object *tl = child(child(child(spec, "template"), "metadata"), "labels");
    if (tl && json_object_is_type(tl, json_type_object) && json_object_object_length(tl) > 0)
        labels_from_template(root, tl);
    struct json_object *manual = child(spec, "manualSelector");
    bool manual_on = manual && json_object_is_type(manual, json_type_boolean) && json_object_get_boolean(manual);
    if (create && !manual_on && k8sc_object_name(obj) && k8sc_object_uid(obj))
        job_selector(spec, k8sc_object_name(obj), k8sc_object_uid(obj));
    labels_from_template(root, child(child(child(spec, "template"), "metadata"), "labels"));
}

static void cronjob_defaults(struct json_object *spec)
{
    def_str(spec, "concurrencyPolicy", "Allow");
    def_bool(spec, "suspend", false);
    def_int(spec, "successfulJobsHistoryLimit", 3);
    def_int(spec, "failedJobsHistoryLimit", 1);
    template_defaults(child(child(child(spec, "jobTemplate"), "spec"), "template"));
}

static void service_defaults(struct json_object *spec)
{
    def_str(spec, "sessionAffinity", "None");
    struct json_object *aff = child(spec, "sessionAffinity");
    const char *affinity = aff && json_object_get_string(aff) ? json_object_get_string(aff) : "";
    if (strcmp(affinity, "None") == 0)
        json_object_object_del(spec, "sessionAffinityConfig");
    else if (strcmp(affinity, "ClientIP") == 0)
        def_int(ensure_obj(ensure_obj(spec, "sessionAffinityConfig"), "clientIP"), "timeoutSeconds", 10800);
    def_str(spec, "type", "ClusterIP");
    const char *type = json_object_get_string(child(spec, "type"));
    if (!type)
        type = "";
    struct json_object *ports = child(spec, "ports");
    for (size_t i = 0; ports && json_object_is_type(ports, json_type_array) && i < json_object_array_length(ports); i++) {
        struct json_object *p = json_object_array_get_idx(ports, i);
        if (!p || !json_object_is_type(p, json_type_object))
            continue;
        def_str(p, "protocol", "TCP");
        struct json_object *tp = child(p, "targetPort"), *port = child(p, "port");
        bool zero = !tp || (json_object_is_type(tp, json_type_int) && json_object_get_int64(tp) == 0) ||
            (json_object_is_type(tp, json_type_string) && json_object_get_string_len(tp) == 0);
        if (zero && port && json_object_is_type(port, json_type_int))
            json_object_object_add(p, "targetPort", json_object_new_int64(json_object_get_int64(port)));
    }
    struct json_object *ext = child(spec, "externalIPs");
    bool external = strcmp(type, "NodePort") == 0 || strcmp(type, "LoadBalancer") == 0 ||
        (strcmp(type, "ClusterIP") == 0 && ext && json_object_is_type(ext, json_type_array) &&
         json_object_array_length(ext) > 0);
    if (external)
        def_str(spec, "externalTrafficPolicy", "Cluster");
    if (strcmp(type, "ExternalName") != 0) {
        def_str(spec, "internalTrafficPolicy", "Cluster");
        /* What the service REST layer's IP family allocation settles on for a single-stack IPv4 cluster. */
        def_str(spec, "ipFamilyPolicy", "SingleStack");
        if (unset(spec, "ipFamilies")) {
            struct json_object *fam = json_object_new_array();
            if (fam) {
                json_object_array_add(fam, json_object_new_string("IPv4"));
                json_object_object_add(spec, "ipFamilies", fam);
            }
        }
    }
    if (strcmp(type, "LoadBalancer") == 0)
        def_bool(spec, "allocateLoadBalancerNodePorts", true);
}

/*
 * Secrets: type Opaque by default, and stringData (write-only) folded into
 * data as base64, winning over data's keys, as the v1 conversion does.
 */
static int secret_defaults(struct json_object *root)
{
    def_str(root, "type", "Opaque");
    struct json_object *sd = child(root, "stringData");
    if (!sd)
        return 0;
    if (json_object_is_type(sd, json_type_object)) {
        struct json_object *data = ensure_obj(root, "data");
        if (!data)
            return k8sc__error_nomem();
        json_object_object_foreach(sd, key, val) {
            if (!json_object_is_type(val, json_type_string))
                continue;
            k8sc__buf b = K8SC__BUF_INIT;
            k8sc__base64_encode(&b, json_object_get_string(val), (size_t)json_object_get_string_len(val), 0);
            struct json_object *enc = k8sc__buf_status(&b) ? NULL
                : json_object_new_string_len(b.ptr ? b.ptr : "", (int)b.len);
            k8sc__buf_free(&b);
            if (!enc || json_object_object_add(data, key, enc) < 0) {
                json_object_put(enc);
                return k8sc__error_nomem();
            }
        }
    }
    json_object_object_del(root, "stringData");
    return 0;
}

/* Nodes: spec.podCIDR and spec.podCIDRs say the same, as the v1 conversion keeps them. */
static int node_defaults(struct json_object *root)
{
    struct json_object *spec = child(root, "spec"), *one = child(spec, "podCIDR"), *many = child(spec, "podCIDRs");
    bool has_one = one && json_object_is_type(one, json_type_string) && json_object_get_string_len(one) > 0;
    bool has_many = many && json_object_is_type(many, json_type_array) && json_object_array_length(many) > 0;
    if (has_one && !has_many) {
        struct json_object *arr = json_object_new_array();
        if (!arr || json_object_array_add(arr, json_object_get(one)) < 0) {
            json_object_put(arr);
            return k8sc__error_nomem();
        }
        json_object_object_add(spec, "podCIDRs", arr);
    } else if (has_many) {
        /* As the v1 conversion: podCIDRs wins, podCIDR is its first entry. */
        json_object_object_add(spec, "podCIDR", json_object_get(json_object_array_get_idx(many, 0)));
    }
    return 0;
}

/* Ports of a list (NetworkPolicy rules, EndpointSlices): protocol TCP when unset. */
static void ports_protocol(struct json_object *ports)
{
    for (size_t i = 0; json_object_is_type(ports, json_type_array) && i < json_object_array_length(ports); i++)
        def_str(json_object_array_get_idx(ports, i), "protocol", "TCP");
}

/* NetworkPolicy: policyTypes from the rules present (SetDefaults_NetworkPolicy), rule ports TCP. */
static void networkpolicy_defaults(struct json_object *spec)
{
    static const char *const dirs[] = { "ingress", "egress" };
    for (size_t d = 0; d < 2; d++) {
        struct json_object *rules = child(spec, dirs[d]);
        for (size_t i = 0; json_object_is_type(rules, json_type_array) && i < json_object_array_length(rules); i++)
            ports_protocol(child(json_object_array_get_idx(rules, i), "ports"));
    }
    struct json_object *types = child(spec, "policyTypes");
    if (types && json_object_is_type(types, json_type_array) && json_object_array_length(types) > 0)
        return;
    types = json_object_new_array();
    json_object_array_add(types, json_object_new_string("Ingress"));
    struct json_object *egress = child(spec, "egress");
    if (json_object_is_type(egress, json_type_array) && json_object_array_length(egress) > 0)
        json_object_array_add(types, json_object_new_string("Egress"));
    json_object_object_add(spec, "policyTypes", types);
}

/* autoscaling/v2 without metrics: 80 % average CPU utilization (autoscaling.DefaultCPUUtilization). */
static void hpa_metrics_defaults(struct json_object *spec)
{
    struct json_object *metrics = child(spec, "metrics");
    if (json_object_is_type(metrics, json_type_array) && json_object_array_length(metrics) > 0)
        return;
    struct json_object *target = json_object_new_object(), *resource = json_object_new_object();
    struct json_object *metric = json_object_new_object();
    metrics = json_object_new_array();
    json_object_object_add(target, "type", json_object_new_string("Utilization"));
    json_object_object_add(target, "averageUtilization", json_object_new_int(80));
    json_object_object_add(resource, "name", json_object_new_string("cpu"));
    json_object_object_add(resource, "target", target);
    json_object_object_add(metric, "type", json_object_new_string("Resource"));
    json_object_object_add(metric, "resource", resource);
    json_object_array_add(metrics, metric);
    json_object_object_add(spec, "metrics", metrics);
}

/* Kinds outside the workloads whose defaulters set a field or two. */
static void other_defaults(const k8sc_resource *r, struct json_object *root)
{
    struct json_object *spec = child(root, "spec");
    if (is(r, "scheduling.k8s.io", "PriorityClass")) {
        def_str(root, "preemptionPolicy", "PreemptLowerPriority");
    } else if (is(r, "discovery.k8s.io", "EndpointSlice")) {
        ports_protocol(child(root, "ports"));
    } else if (is(r, "", "PersistentVolumeClaim")) {
        def_str(spec, "volumeMode", "Filesystem");
    } else if (is(r, "", "PersistentVolume")) {
        def_str(spec, "persistentVolumeReclaimPolicy", "Retain");
        def_str(spec, "volumeMode", "Filesystem");
    } else if (is(r, "storage.k8s.io", "StorageClass")) {
        def_str(root, "reclaimPolicy", "Delete");
        def_str(root, "volumeBindingMode", "Immediate");
    } else if (is(r, "autoscaling", "HorizontalPodAutoscaler")) {
        def_int(spec, "minReplicas", 1);
        if (spec && strcmp(k8sc_resource_version(r), "v2") == 0)
            hpa_metrics_defaults(spec);
    } else if (is(r, "networking.k8s.io", "NetworkPolicy") && spec) {
        networkpolicy_defaults(spec);
    }
}

int k8sc__kind_defaults(const k8sc_resource *r, k8sc_object *obj, bool create)
{
    struct json_object *root = k8sc_object_json(obj);
    if (is(r, "", "Pod"))
        return pod_defaults(obj, create);
    if (is(r, "", "Node"))
        return node_defaults(root);
    if (is(r, "", "Secret"))
        return secret_defaults(root);
    bool workload = is(r, "apps", "Deployment") || is(r, "apps", "ReplicaSet") || is(r, "apps", "StatefulSet") ||
        is(r, "apps", "DaemonSet") || is(r, "", "ReplicationController") || is(r, "batch", "Job") ||
        is(r, "batch", "CronJob") || is(r, "", "Service");
    if (!workload) {
        if (is(r, "", "PodTemplate"))
            template_defaults(child(root, "template"));
        else
            other_defaults(r, root);
        return 0;
    }
    struct json_object *spec = ensure_obj(root, "spec");
    if (!spec)
        return 0;
    if (!is(r, "batch", "CronJob") && !is(r, "", "Service"))
        template_defaults(child(spec, "template"));
    if (is(r, "apps", "Deployment"))
        deployment_defaults(spec);
    else if (is(r, "apps", "ReplicaSet"))
        def_int(spec, "replicas", 1);
    else if (is(r, "apps", "StatefulSet"))
        statefulset_defaults(spec);
    else if (is(r, "apps", "DaemonSet"))
        daemonset_defaults(spec);
    else if (is(r, "", "ReplicationController"))
        rc_defaults(root, spec);
    else if (is(r, "batch", "Job"))
        job_defaults(obj, spec, create);
    else if (is(r, "batch", "CronJob"))
        cronjob_defaults(spec);
    else
        service_defaults(spec);
    return 0;
}
