/* kubectl describe pod, and the pod template and containers every workload layout shows. */
#include "describe_internal.h"

#include <stdlib.h>
#include <string.h>

static size_t arr_len(struct json_object *a)
{
    return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

/* "80/TCP, 443/TCP" of `field` ("containerPort" or "hostPort") of each port. */
static void ports_text(k8sc__buf *b, struct json_object *ports, const char *field)
{
    for (size_t i = 0; i < arr_len(ports); i++) {
        struct json_object *p = json_object_array_get_idx(ports, i);
        k8sc__buf_printf(b, "%s%lld/%s", i ? ", " : "", (long long)k8sc__dj_int(p, field, 0),
            k8sc__dj_or(p, "protocol"));
    }
}

static void write_ports(k8sc__dw *w, struct json_object *ports, const char *field, const char *one, const char *many)
{
    k8sc__buf b = K8SC__BUF_INIT;
    ports_text(&b, ports, field);
    const char *text = b.ptr && *b.ptr ? b.ptr : NULL;
    if (text && strchr(text, ','))
        k8sc__dw_write(w, 2, "%s:\t%s\n", many, text);
    else
        k8sc__dw_write(w, 2, "%s:\t%s\n", one, text ? text : "<none>");
    k8sc__buf_free(&b);
}

static void write_lines(k8sc__dw *w, int level, const char *s)
{
    for (;;) {
        const char *eol = strchr(s, '\n');
        k8sc__dw_write(w, level, "%.*s\n", (int)(eol ? eol - s : (long)strlen(s)), s);
        if (!eol)
            break;
        s = eol + 1;
    }
}

static void write_strings(k8sc__dw *w, const char *title, struct json_object *list)
{
    if (arr_len(list) == 0)
        return;
    k8sc__dw_write(w, 2, "%s:\n", title);
    for (size_t i = 0; i < arr_len(list); i++)
        write_lines(w, 3, json_object_get_string(json_object_array_get_idx(list, i)));
}

static void write_resources(k8sc__dw *w, struct json_object *res, int level)
{
    static const char *const kinds[][2] = { { "limits", "Limits" }, { "requests", "Requests" } };
    for (size_t k = 0; k < K8SC__ARRAY_LEN(kinds); k++) {
        struct json_object *map = k8sc__dj_get(res, kinds[k][0]);
        if (!json_object_is_type(map, json_type_object) || json_object_object_length(map) == 0)
            continue;
        k8sc__dw_write(w, level, "%s:\n", kinds[k][1]);
        size_t n = 0;
        const char **keys = k8sc__dj_sorted_keys(map, NULL, &n);
        for (size_t i = 0; keys && i < n; i++)
            k8sc__dw_write(w, level + 1, "%s:\t%s\n", keys[i], json_object_get_string(json_object_object_get(map, keys[i])));
        free(keys);
    }
}

static void write_state(k8sc__dw *w, const char *title, struct json_object *state)
{
    struct json_object *s;
    char t[64];
    if ((s = k8sc__dj_get(state, "running"))) {
        k8sc__dw_write(w, 2, "%s:\tRunning\n", title);
        k8sc__describe_time(t, sizeof(t), k8sc__dj_str(s, "startedAt"));
        k8sc__dw_write(w, 3, "Started:\t%s\n", t);
    } else if ((s = k8sc__dj_get(state, "terminated"))) {
        k8sc__dw_write(w, 2, "%s:\tTerminated\n", title);
        if (*k8sc__dj_or(s, "reason"))
            k8sc__dw_write(w, 3, "Reason:\t%s\n", k8sc__dj_or(s, "reason"));
        if (*k8sc__dj_or(s, "message"))
            k8sc__dw_write(w, 3, "Message:\t%s\n", k8sc__dj_or(s, "message"));
        k8sc__dw_write(w, 3, "Exit Code:\t%lld\n", (long long)k8sc__dj_int(s, "exitCode", 0));
        if (k8sc__dj_int(s, "signal", 0) > 0)
            k8sc__dw_write(w, 3, "Signal:\t%lld\n", (long long)k8sc__dj_int(s, "signal", 0));
        k8sc__describe_time(t, sizeof(t), k8sc__dj_str(s, "startedAt"));
        k8sc__dw_write(w, 3, "Started:\t%s\n", *t ? t : "Mon, 01 Jan 0001 00:00:00 +0000");
        k8sc__describe_time(t, sizeof(t), k8sc__dj_str(s, "finishedAt"));
        k8sc__dw_write(w, 3, "Finished:\t%s\n", *t ? t : "Mon, 01 Jan 0001 00:00:00 +0000");
    } else {
        k8sc__dw_write(w, 2, "%s:\tWaiting\n", title);
        if ((s = k8sc__dj_get(state, "waiting")) && *k8sc__dj_or(s, "reason"))
            k8sc__dw_write(w, 3, "Reason:\t%s\n", k8sc__dj_or(s, "reason"));
    }
}

static void write_probe(k8sc__dw *w, const char *title, struct json_object *p)
{
    if (!p)
        return;
    char attrs[160];
    snprintf(attrs, sizeof(attrs), "delay=%llds timeout=%llds period=%llds #success=%lld #failure=%lld",
        (long long)k8sc__dj_int(p, "initialDelaySeconds", 0), (long long)k8sc__dj_int(p, "timeoutSeconds", 0),
        (long long)k8sc__dj_int(p, "periodSeconds", 0), (long long)k8sc__dj_int(p, "successThreshold", 0),
        (long long)k8sc__dj_int(p, "failureThreshold", 0));
    struct json_object *h;
    if ((h = k8sc__dj_get(p, "exec"))) {
        k8sc__buf b = K8SC__BUF_INIT;
        struct json_object *cmd = k8sc__dj_get(h, "command");
        for (size_t i = 0; i < arr_len(cmd); i++)
            k8sc__buf_printf(&b, "%s%s", i ? " " : "", json_object_get_string(json_object_array_get_idx(cmd, i)));
        k8sc__dw_write(w, 2, "%s:\texec [%s] %s\n", title, b.ptr ? b.ptr : "", attrs);
        k8sc__buf_free(&b);
    } else if ((h = k8sc__dj_get(p, "httpGet"))) {
        struct json_object *port = k8sc__dj_get(h, "port");
        char scheme[16] = "http";
        const char *s = k8sc__dj_str(h, "scheme");
        if (s) {
            snprintf(scheme, sizeof(scheme), "%s", s);
            for (char *c = scheme; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c - 'A' + 'a');
        }
        k8sc__dw_write(w, 2, "%s:\thttp-get %s://%s:%s%s %s\n", title, scheme, k8sc__dj_or(h, "host"),
            port ? json_object_get_string(port) : "", k8sc__dj_or(h, "path"), attrs);
    } else if ((h = k8sc__dj_get(p, "tcpSocket"))) {
        struct json_object *port = k8sc__dj_get(h, "port");
        k8sc__dw_write(w, 2, "%s:\ttcp-socket %s:%s %s\n", title, k8sc__dj_or(h, "host"),
            port ? json_object_get_string(port) : "", attrs);
    } else if ((h = k8sc__dj_get(p, "grpc"))) {
        k8sc__dw_write(w, 2, "%s:\tgrpc <pod>:%lld %s %s\n", title, (long long)k8sc__dj_int(h, "port", 0),
            k8sc__dj_or(h, "service"), attrs);
    } else {
        k8sc__dw_write(w, 2, "%s:\tunknown %s\n", title, attrs);
    }
}

/* `pod` (NULL for a template) resolves fieldRef values as kubectl's EnvValueRetriever. */
static void write_env(k8sc__dw *w, struct json_object *c, struct json_object *pod)
{
    struct json_object *from = k8sc__dj_get(c, "envFrom");
    if (arr_len(from)) {
        k8sc__dw_write(w, 2, "Environment Variables from:\n");
        for (size_t i = 0; i < arr_len(from); i++) {
            struct json_object *e = json_object_array_get_idx(from, i), *ref;
            const char *kind = "", *name = "";
            bool optional = false;
            if ((ref = k8sc__dj_get(e, "configMapRef")) || (ref = k8sc__dj_get(e, "secretRef"))) {
                kind = k8sc__dj_get(e, "configMapRef") ? "ConfigMap" : "Secret";
                name = k8sc__dj_or(ref, "name");
                optional = json_object_get_boolean(k8sc__dj_get(ref, "optional"));
            }
            const char *prefix = k8sc__dj_or(e, "prefix");
            if (*prefix)
                k8sc__dw_write(w, 3, "%s\t%s with prefix '%s'\tOptional: %s\n", name, kind, prefix,
                    optional ? "true" : "false");
            else
                k8sc__dw_write(w, 3, "%s\t%s\tOptional: %s\n", name, kind, optional ? "true" : "false");
        }
    }
    struct json_object *env = k8sc__dj_get(c, "env");
    k8sc__dw_write(w, 2, "Environment:%s\n", arr_len(env) ? "" : "\t<none>");
    for (size_t i = 0; i < arr_len(env); i++) {
        struct json_object *e = json_object_array_get_idx(env, i), *vf = k8sc__dj_get(e, "valueFrom"), *r;
        const char *name = k8sc__dj_or(e, "name");
        if (!vf) {
            const char *v = k8sc__dj_or(e, "value"), *eol = strchr(v, '\n');
            k8sc__dw_write(w, 3, "%s:\t%.*s\n", name, (int)(eol ? eol - v : (long)strlen(v)), v);
            while (eol) {
                v = eol + 1;
                eol = strchr(v, '\n');
                k8sc__dw_write(w, 3, "\t%.*s\n", (int)(eol ? eol - v : (long)strlen(v)), v);
            }
        } else if ((r = k8sc__dj_get(vf, "fieldRef"))) {
            const char *path = k8sc__dj_or(r, "fieldPath");
            k8sc__dw_write(w, 3, "%s:\t%s (%s:%s)\n", name, pod && !strchr(path, '[') ? k8sc__dj_or(pod, path) : "",
                k8sc__dj_or(r, "apiVersion"), path);
        } else if ((r = k8sc__dj_get(vf, "resourceFieldRef"))) {
            k8sc__dw_write(w, 3, "%s:\t (%s)\n", name, k8sc__dj_or(r, "resource"));
        } else if ((r = k8sc__dj_get(vf, "secretKeyRef"))) {
            k8sc__dw_write(w, 3, "%s:\t<set to the key '%s' in secret '%s'>\tOptional: %s\n", name,
                k8sc__dj_or(r, "key"), k8sc__dj_or(r, "name"),
                json_object_get_boolean(k8sc__dj_get(r, "optional")) ? "true" : "false");
        } else if ((r = k8sc__dj_get(vf, "configMapKeyRef"))) {
            k8sc__dw_write(w, 3, "%s:\t<set to the key '%s' of config map '%s'>\tOptional: %s\n", name,
                k8sc__dj_or(r, "key"), k8sc__dj_or(r, "name"),
                json_object_get_boolean(k8sc__dj_get(r, "optional")) ? "true" : "false");
        }
    }
}

static int by_mount_path(const void *a, const void *b)
{
    return strcmp(k8sc__dj_or(*(struct json_object *const *)a, "mountPath"),
        k8sc__dj_or(*(struct json_object *const *)b, "mountPath"));
}

static void write_mounts(k8sc__dw *w, struct json_object *c)
{
    struct json_object *mounts = k8sc__dj_get(c, "volumeMounts");
    size_t n = arr_len(mounts);
    k8sc__dw_write(w, 2, "Mounts:%s\n", n ? "" : "\t<none>");
    struct json_object **sorted = n ? k8sc__calloc(n, sizeof(*sorted)) : NULL;
    for (size_t i = 0; sorted && i < n; i++)
        sorted[i] = json_object_array_get_idx(mounts, i);
    if (sorted)
        qsort(sorted, n, sizeof(*sorted), by_mount_path);
    for (size_t i = 0; sorted && i < n; i++) {
        const char *sub = k8sc__dj_or(sorted[i], "subPath");
        bool ro = json_object_get_boolean(k8sc__dj_get(sorted[i], "readOnly"));
        if (*sub)
            k8sc__dw_write(w, 3, "%s from %s (%s,path=\"%s\")\n", k8sc__dj_or(sorted[i], "mountPath"),
                k8sc__dj_or(sorted[i], "name"), ro ? "ro" : "rw", sub);
        else
            k8sc__dw_write(w, 3, "%s from %s (%s)\n", k8sc__dj_or(sorted[i], "mountPath"),
                k8sc__dj_or(sorted[i], "name"), ro ? "ro" : "rw");
    }
    free(sorted);
}

static struct json_object *status_of(struct json_object *statuses, const char *name)
{
    for (size_t i = 0; i < arr_len(statuses); i++) {
        struct json_object *s = json_object_array_get_idx(statuses, i);
        if (strcmp(k8sc__dj_or(s, "name"), name) == 0)
            return s;
    }
    return NULL;
}

static void write_containers(k8sc__dw *w, const char *title, struct json_object *containers,
    struct json_object *statuses, const char *space, struct json_object *pod)
{
    k8sc__dw_write(w, 0, "%s%s:%s\n", space, title, arr_len(containers) ? "" : " <none>");
    for (size_t i = 0; i < arr_len(containers); i++) {
        struct json_object *c = json_object_array_get_idx(containers, i);
        struct json_object *st = status_of(statuses, k8sc__dj_or(c, "name"));
        k8sc__dw_write(w, 1, "%s%s:\n", *space ? " " : "", k8sc__dj_or(c, "name"));
        if (st)
            k8sc__dw_write(w, 2, "Container ID:\t%s\n", k8sc__dj_or(st, "containerID"));
        k8sc__dw_write(w, 2, "Image:\t%s\n", k8sc__dj_or(c, "image"));
        if (st)
            k8sc__dw_write(w, 2, "Image ID:\t%s\n", k8sc__dj_or(st, "imageID"));
        write_ports(w, k8sc__dj_get(c, "ports"), "containerPort", "Port", "Ports");
        write_ports(w, k8sc__dj_get(c, "ports"), "hostPort", "Host Port", "Host Ports");
        write_strings(w, "Command", k8sc__dj_get(c, "command"));
        write_strings(w, "Args", k8sc__dj_get(c, "args"));
        if (st) {
            write_state(w, "State", k8sc__dj_get(st, "state"));
            if (k8sc__dj_get(st, "lastState.terminated"))
                write_state(w, "Last State", k8sc__dj_get(st, "lastState"));
            k8sc__dw_write(w, 2, "Ready:\t%s\n", json_object_get_boolean(k8sc__dj_get(st, "ready")) ? "True" : "False");
            k8sc__dw_write(w, 2, "Restart Count:\t%lld\n", (long long)k8sc__dj_int(st, "restartCount", 0));
        }
        write_resources(w, k8sc__dj_get(c, "resources"), 2);
        write_probe(w, "Liveness", k8sc__dj_get(c, "livenessProbe"));
        write_probe(w, "Readiness", k8sc__dj_get(c, "readinessProbe"));
        write_probe(w, "Startup", k8sc__dj_get(c, "startupProbe"));
        write_env(w, c, pod);
        write_mounts(w, c);
    }
}

static void write_volume(k8sc__dw *w, struct json_object *v)
{
    struct json_object *s;
    if ((s = k8sc__dj_get(v, "hostPath"))) {
        k8sc__dw_write(w, 2, "Type:\tHostPath (bare host directory volume)\n    Path:\t%s\n    HostPathType:\t%s\n",
            k8sc__dj_or(s, "path"), k8sc__dj_str(s, "type") ? k8sc__dj_str(s, "type") : "<none>");
    } else if ((s = k8sc__dj_get(v, "emptyDir"))) {
        const char *limit = k8sc__dj_str(s, "sizeLimit");
        k8sc__dw_write(w, 2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t%s\n"
                             "    SizeLimit:\t%s\n", k8sc__dj_or(s, "medium"), limit && strcmp(limit, "0") ? limit : "<unset>");
    } else if ((s = k8sc__dj_get(v, "secret"))) {
        k8sc__dw_write(w, 2, "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t%s\n    Optional:\t%s\n",
            k8sc__dj_or(s, "secretName"), json_object_get_boolean(k8sc__dj_get(s, "optional")) ? "true" : "false");
    } else if ((s = k8sc__dj_get(v, "configMap"))) {
        k8sc__dw_write(w, 2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t%s\n    Optional:\t%s\n",
            k8sc__dj_or(s, "name"), json_object_get_boolean(k8sc__dj_get(s, "optional")) ? "true" : "false");
    } else if ((s = k8sc__dj_get(v, "persistentVolumeClaim"))) {
        k8sc__dw_write(w, 2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same "
                             "namespace)\n    ClaimName:\t%s\n    ReadOnly:\t%s\n", k8sc__dj_or(s, "claimName"),
            json_object_get_boolean(k8sc__dj_get(s, "readOnly")) ? "true" : "false");
    } else if ((s = k8sc__dj_get(v, "projected"))) {
        k8sc__dw_write(w, 2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n");
        struct json_object *srcs = k8sc__dj_get(s, "sources"), *x;
        for (size_t i = 0; i < arr_len(srcs); i++) {
            struct json_object *src = json_object_array_get_idx(srcs, i);
            if ((x = k8sc__dj_get(src, "secret")))
                k8sc__dw_write(w, 2, "SecretName:\t%s\n    Optional:\t%s\n", k8sc__dj_or(x, "name"),
                    json_object_get_boolean(k8sc__dj_get(x, "optional")) ? "true" : "false");
            else if (k8sc__dj_get(src, "downwardAPI"))
                k8sc__dw_write(w, 2, "DownwardAPI:\ttrue\n");
            else if ((x = k8sc__dj_get(src, "configMap")))
                k8sc__dw_write(w, 2, "ConfigMapName:\t%s\n    Optional:\t%s\n", k8sc__dj_or(x, "name"),
                    json_object_get_boolean(k8sc__dj_get(x, "optional")) ? "true" : "false");
            else if ((x = k8sc__dj_get(src, "serviceAccountToken")))
                k8sc__dw_write(w, 2, "TokenExpirationSeconds:\t%lld\n", (long long)k8sc__dj_int(x, "expirationSeconds", 0));
        }
    } else {
        k8sc__dw_write(w, 1, "<unknown>\n");
    }
}

static void write_volumes(k8sc__dw *w, struct json_object *volumes, const char *space)
{
    if (arr_len(volumes) == 0) {
        k8sc__dw_write(w, 0, "%sVolumes:\t<none>\n", space);
        return;
    }
    k8sc__dw_write(w, 0, "%sVolumes:\n", space);
    for (size_t i = 0; i < arr_len(volumes); i++) {
        struct json_object *v = json_object_array_get_idx(volumes, i);
        k8sc__dw_write(w, 1, "%s%s:\n", *space ? " " : "", k8sc__dj_or(v, "name"));
        write_volume(w, v);
    }
}

static int by_key(const void *a, const void *b)
{
    return strcmp(k8sc__dj_or(*(struct json_object *const *)a, "key"), k8sc__dj_or(*(struct json_object *const *)b, "key"));
}

static void write_tolerations(k8sc__dw *w, const char *title, struct json_object *tols)
{
    size_t n = arr_len(tols);
    k8sc__dw_write(w, 0, "%s:\t", title);
    struct json_object **sorted = n ? k8sc__calloc(n, sizeof(*sorted)) : NULL;
    if (!sorted) {
        k8sc__dw_write(w, 0, "<none>\n");
        return;
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_object_array_get_idx(tols, i);
    qsort(sorted, n, sizeof(*sorted), by_key);
    for (size_t i = 0; i < n; i++) {
        struct json_object *t = sorted[i];
        const char *key = k8sc__dj_or(t, "key"), *value = k8sc__dj_or(t, "value"), *effect = k8sc__dj_or(t, "effect");
        if (i)
            k8sc__dw_write(w, 0, "\t");
        k8sc__dw_write(w, 0, "%s", key);
        if (*value)
            k8sc__dw_write(w, 0, "=%s", value);
        if (*effect)
            k8sc__dw_write(w, 0, ":%s", effect);
        if (strcmp(k8sc__dj_or(t, "operator"), "Exists") == 0 && !*value)
            k8sc__dw_write(w, 0, "%sop=Exists", *key || *effect ? " " : "");
        if (k8sc__dj_get(t, "tolerationSeconds"))
            k8sc__dw_write(w, 0, " for %llds", (long long)k8sc__dj_int(t, "tolerationSeconds", 0));
        k8sc__dw_write(w, 0, "\n");
    }
    free(sorted);
}

void k8sc__describe_pod_template(k8sc__dw *w, struct json_object *tmpl)
{
    k8sc__dw_write(w, 0, "Pod Template:\n");
    struct json_object *spec = k8sc__dj_get(tmpl, "spec"), *ann = k8sc__dj_get(tmpl, "metadata.annotations");
    k8sc__dw_labels(w, "  ", "Labels", k8sc__dj_get(tmpl, "metadata.labels"));
    if (json_object_is_type(ann, json_type_object) && json_object_object_length(ann) > 0)
        k8sc__dw_annotations(w, "  Annotations", ann);
    if (*k8sc__dj_or(spec, "serviceAccountName"))
        k8sc__dw_write(w, 1, "Service Account:\t%s\n", k8sc__dj_or(spec, "serviceAccountName"));
    if (arr_len(k8sc__dj_get(spec, "initContainers")))
        write_containers(w, "Init Containers", k8sc__dj_get(spec, "initContainers"), NULL, "  ", NULL);
    write_containers(w, "Containers", k8sc__dj_get(spec, "containers"), NULL, "  ", NULL);
    write_volumes(w, k8sc__dj_get(spec, "volumes"), "  ");
    if (*k8sc__dj_or(spec, "priorityClassName"))
        k8sc__dw_write(w, 1, "Priority Class Name:\t%s\n", k8sc__dj_or(spec, "priorityClassName"));
    k8sc__dw_labels(w, "  ", "Node-Selectors", k8sc__dj_get(spec, "nodeSelector"));
    write_tolerations(w, "  Tolerations", k8sc__dj_get(spec, "tolerations"));
}

/* The QoS class as qos.GetPodQOS: the status's, else computed from the containers' resources. */
static const char *qos_class(struct json_object *pod)
{
    const char *q = k8sc__dj_str(pod, "status.qosClass");
    if (q && *q)
        return q;
    struct json_object *cs = k8sc__dj_get(pod, "spec.containers");
    bool any = false, guaranteed = true;
    for (size_t i = 0; i < arr_len(cs); i++) {
        struct json_object *res = k8sc__dj_get(json_object_array_get_idx(cs, i), "resources");
        struct json_object *req = k8sc__dj_get(res, "requests"), *lim = k8sc__dj_get(res, "limits");
        if ((req && json_object_object_length(req)) || (lim && json_object_object_length(lim)))
            any = true;
        static const char *const kinds[] = { "cpu", "memory" };
        for (size_t k = 0; k < 2; k++) {
            const char *l = k8sc__dj_str(lim, kinds[k]), *r = k8sc__dj_str(req, kinds[k]);
            if (!l || (r && strcmp(l, r) != 0))
                guaranteed = false;
        }
    }
    return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
}

void k8sc__describe_pod(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *pod = in->obj, *spec = k8sc__dj_get(pod, "spec"), *status = k8sc__dj_get(pod, "status");
    char t[64], ctl[256];
    k8sc__dw_name(w, pod, true);
    if (k8sc__dj_get(spec, "priority"))
        k8sc__dw_write(w, 0, "Priority:\t%lld\n", (long long)k8sc__dj_int(spec, "priority", 0));
    if (*k8sc__dj_or(spec, "priorityClassName"))
        k8sc__dw_write(w, 0, "Priority Class Name:\t%s\n", k8sc__dj_or(spec, "priorityClassName"));
    if (*k8sc__dj_or(spec, "runtimeClassName"))
        k8sc__dw_write(w, 0, "Runtime Class Name:\t%s\n", k8sc__dj_or(spec, "runtimeClassName"));
    if (*k8sc__dj_or(spec, "serviceAccountName"))
        k8sc__dw_write(w, 0, "Service Account:\t%s\n", k8sc__dj_or(spec, "serviceAccountName"));
    if (*k8sc__dj_or(spec, "nodeName"))
        k8sc__dw_write(w, 0, "Node:\t%s/%s\n", k8sc__dj_or(spec, "nodeName"), k8sc__dj_or(status, "hostIP"));
    else
        k8sc__dw_write(w, 0, "Node:\t<none>\n");
    if (k8sc__dj_str(status, "startTime")) {
        k8sc__describe_time(t, sizeof(t), k8sc__dj_str(status, "startTime"));
        k8sc__dw_write(w, 0, "Start Time:\t%s\n", t);
    }
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(pod, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(pod, "metadata.annotations"));
    const char *phase = k8sc__dj_or(status, "phase");
    if (k8sc__dj_str(pod, "metadata.deletionTimestamp") && strcmp(phase, "Failed") && strcmp(phase, "Succeeded")) {
        k8sc__describe_age(t, sizeof(t), k8sc__dj_str(pod, "metadata.deletionTimestamp"), w->now);
        k8sc__dw_write(w, 0, "Status:\tTerminating (lasts %s)\n", t);
        k8sc__dw_write(w, 0, "Termination Grace Period:\t%llds\n",
            (long long)k8sc__dj_int(pod, "metadata.deletionGracePeriodSeconds", 0));
    } else {
        k8sc__dw_write(w, 0, "Status:\t%s\n", phase);
    }
    if (*k8sc__dj_or(status, "reason"))
        k8sc__dw_write(w, 0, "Reason:\t%s\n", k8sc__dj_or(status, "reason"));
    if (*k8sc__dj_or(status, "message"))
        k8sc__dw_write(w, 0, "Message:\t%s\n", k8sc__dj_or(status, "message"));
    if (k8sc__dj_get(spec, "securityContext.seccompProfile"))
        k8sc__dw_write(w, 0, "SeccompProfile:\t%s\n", k8sc__dj_or(spec, "securityContext.seccompProfile.type"));
    k8sc__dw_write(w, 0, "IP:\t%s\n", k8sc__dj_or(status, "podIP"));
    struct json_object *ips = k8sc__dj_get(status, "podIPs");
    if (arr_len(ips) == 0)
        k8sc__dw_write(w, 0, "IPs:\t<none>\n");
    else
        k8sc__dw_write(w, 0, "IPs:\n");
    for (size_t i = 0; i < arr_len(ips); i++)
        k8sc__dw_write(w, 1, "IP:\t%s\n", k8sc__dj_or(json_object_array_get_idx(ips, i), "ip"));
    if (k8sc__describe_controller(ctl, sizeof(ctl), pod))
        k8sc__dw_write(w, 0, "Controlled By:\t%s\n", ctl);
    if (*k8sc__dj_or(status, "nominatedNodeName"))
        k8sc__dw_write(w, 0, "NominatedNodeName:\t%s\n", k8sc__dj_or(status, "nominatedNodeName"));
    if (arr_len(k8sc__dj_get(spec, "initContainers")))
        write_containers(w, "Init Containers", k8sc__dj_get(spec, "initContainers"),
            k8sc__dj_get(status, "initContainerStatuses"), "", pod);
    write_containers(w, "Containers", k8sc__dj_get(spec, "containers"), k8sc__dj_get(status, "containerStatuses"), "",
        pod);
    struct json_object *conds = k8sc__dj_get(status, "conditions");
    if (arr_len(conds)) {
        k8sc__dw_write(w, 0, "Conditions:\n  Type\tStatus\n");
        for (size_t i = 0; i < arr_len(conds); i++) {
            struct json_object *c = json_object_array_get_idx(conds, i);
            k8sc__dw_write(w, 1, "%s \t%s \n", k8sc__dj_or(c, "type"), k8sc__dj_or(c, "status"));
        }
    }
    write_volumes(w, k8sc__dj_get(spec, "volumes"), "");
    k8sc__dw_write(w, 0, "QoS Class:\t%s\n", qos_class(pod));
    k8sc__dw_labels(w, "", "Node-Selectors", k8sc__dj_get(spec, "nodeSelector"));
    write_tolerations(w, "Tolerations", k8sc__dj_get(spec, "tolerations"));
    k8sc__dw_events(w, in->events, in->nevents);
}
