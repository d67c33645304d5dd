/* Runtime configs of a pod's sandbox and containers, built from its spec. */
#include <stdlib.h>
#include <string.h>

#include "kubelet_internal.h"

char *k8sc__kl_keep(kl_strings *ks, char *s)
{
    if (!s) {
        ks->failed = true;
        return NULL;
    }
    char **items = k8sc__realloc(ks->items, (ks->n + 1) * sizeof(*items));
    if (!items) {
        free(s);
        ks->failed = true;
        return NULL;
    }
    ks->items = items;
    ks->items[ks->n++] = s;
    return s;
}

void k8sc__kl_strings_free(kl_strings *ks)
{
    for (size_t i = 0; i < ks->n; i++)
        free(ks->items[i]);
    free(ks->items);
    memset(ks, 0, sizeof(*ks));
}

/*
 * The sandbox's port mappings: every app container port with a hostPort,
 * as the kubelet's generatePodSandboxConfig gathers them (strings borrowed
 * from the pod).
 */
static int port_mappings(kl_sandbox_cfg *out, const k8sc_object *pod)
{
    json_object *containers = k8sc_object_get(pod, "spec.containers");
    size_t nc = json_object_is_type(containers, json_type_array) ? json_object_array_length(containers) : 0;
    size_t total = 0;
    for (size_t i = 0; i < nc; i++) {
        json_object *ports = k8sc__json_member(json_object_array_get_idx(containers, i), "ports");
        total += json_object_is_type(ports, json_type_array) ? json_object_array_length(ports) : 0;
    }
    if (total == 0)
        return 0;
    if (!(out->ports = k8sc__calloc(total, sizeof(*out->ports))))
        return K8SC_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < nc; i++) {
        json_object *ports = k8sc__json_member(json_object_array_get_idx(containers, i), "ports");
        size_t np = json_object_is_type(ports, json_type_array) ? json_object_array_length(ports) : 0;
        for (size_t j = 0; j < np; j++) {
            json_object *p = json_object_array_get_idx(ports, j);
            int32_t host_port = json_object_get_int(k8sc__json_member(p, "hostPort"));
            if (host_port <= 0)
                continue;
            k8sc_runtime_port_mapping *m = &out->ports[n++];
            m->host_port = host_port;
            m->container_port = json_object_get_int(k8sc__json_member(p, "containerPort"));
            m->protocol = k8sc__json_string(p, "protocol");
            m->host_ip = k8sc__json_string(p, "hostIP");
        }
    }
    out->cfg.port_mappings = n ? out->ports : NULL;
    out->cfg.n_port_mappings = n;
    return 0;
}

int k8sc__kl_sandbox_config(kl_sandbox_cfg *out, k8sc_kubelet *k, const k8sc_object *pod, uint32_t attempt)
{
    memset(out, 0, sizeof(*out));
    k8sc_sandbox_config *c = &out->cfg;
    c->version = K8SC_SANDBOX_CONFIG_VERSION;
    c->name = k8sc_object_name(pod);
    c->namespace_ = k8sc_object_namespace(pod);
    c->uid = k8sc_object_uid(pod);
    c->attempt = attempt;
    const char *hostname = k8sc_object_get_string(pod, "spec.hostname");
    c->hostname = hostname ? hostname : c->name;
    c->log_directory = k8sc__kl_keep(&out->strings, k8sc__kl_log_dir(k, pod));
    out->labels[0] = (k8sc_runtime_pair){ K8SC_LABEL_POD_NAME, c->name };
    out->labels[1] = (k8sc_runtime_pair){ K8SC_LABEL_POD_NAMESPACE, c->namespace_ };
    out->labels[2] = (k8sc_runtime_pair){ K8SC_LABEL_POD_UID, c->uid };
    c->labels = out->labels;
    c->n_labels = 3;
    bool b = false;
    c->host_network = k8sc_object_get_bool(pod, "spec.hostNetwork", &b) == 0 && b;
    b = false;
    c->host_pid = k8sc_object_get_bool(pod, "spec.hostPID", &b) == 0 && b;
    b = false;
    c->host_ipc = k8sc_object_get_bool(pod, "spec.hostIPC", &b) == 0 && b;
    k8sc__buf cg = K8SC__BUF_INIT;
    k8sc__buf_printf(&cg, "k8sc/pod%s", c->uid);
    c->cgroup_parent = k8sc__kl_keep(&out->strings, k8sc__buf_detach(&cg, NULL));
    int rc = port_mappings(out, pod);
    if (rc == 0 && out->strings.failed)
        rc = K8SC_ENOMEM;
    if (rc != 0)
        k8sc__kl_sandbox_config_free(out);
    return rc;
}

void k8sc__kl_sandbox_config_free(kl_sandbox_cfg *c)
{
    free(c->ports);
    c->ports = NULL;
    k8sc__kl_strings_free(&c->strings);
}

/* An array of strings from a JSON array, each $(VAR)-expanded; kept in `c`. */
static const char **expanded(kl_container_cfg *c, int slot, json_object *arr, json_object *env, size_t *n)
{
    *n = arr ? json_object_array_length(arr) : 0;
    if (*n == 0)
        return NULL;
    const char **v = k8sc__calloc(*n, sizeof(*v));
    c->arrays[slot] = v;
    for (size_t i = 0; v && i < *n; i++)
        v[i] = k8sc__kl_keep(&c->strings,
                             k8sc__kl_expand(json_object_get_string(json_object_array_get_idx(arr, i)), env));
    if (!v)
        c->strings.failed = true;
    return v;
}

/* Milli-cores or bytes of a container's resources.<which>.<name>, or 0. */
static int64_t resource(json_object *container, const char *which, const char *name, bool milli)
{
    json_object *res = k8sc__json_member(k8sc__json_member(container, "resources"), which);
    const char *text = k8sc__json_string(res, name);
    k8sc_quantity q;
    int64_t v = 0;
    if (!text || k8sc_quantity_parse(&q, text) != 0)
        return 0;
    if (milli ? k8sc_quantity_milli(&q, &v) : k8sc_quantity_int(&q, &v))
        return 0;
    return v;
}

static const char **capability_list(kl_container_cfg *c, int slot, json_object *arr, size_t *n)
{
    *n = arr ? json_object_array_length(arr) : 0;
    if (*n == 0)
        return NULL;
    const char **v = k8sc__calloc(*n, sizeof(*v));
    c->arrays[slot] = v;
    for (size_t i = 0; v && i < *n; i++)
        v[i] = json_object_get_string(json_object_array_get_idx(arr, i));
    if (!v)
        c->strings.failed = true;
    return v;
}

/* securityContext field of the container, else of the pod. */
static json_object *security(const k8sc_object *pod, json_object *container, const char *field)
{
    json_object *v = k8sc__json_member(k8sc__json_member(container, "securityContext"), field);
    if (v)
        return v;
    return k8sc__json_member(k8sc_object_get(pod, "spec.securityContext"), field);
}

int k8sc__kl_container_config(kl_container_cfg *out, k8sc_kubelet *k, const k8sc_object *pod, json_object *container,
                              uint32_t attempt, char **message)
{
    memset(out, 0, sizeof(*out));
    *message = NULL;
    json_object *env = NULL;
    int rc = k8sc__kl_env(&env, k, pod, container, message);
    if (rc != 0)
        return rc;
    k8sc_container_config *c = &out->cfg;
    c->version = K8SC_CONTAINER_CONFIG_VERSION;
    c->name = k8sc__json_string(container, "name");
    c->attempt = attempt;
    c->image = k8sc__json_string(container, "image");
    c->command = expanded(out, 0, k8sc__json_member(container, "command"), env, &c->n_command);
    c->args = expanded(out, 1, k8sc__json_member(container, "args"), env, &c->n_args);
    c->working_dir = k8sc__json_string(container, "workingDir");
    size_t n_env = (size_t)json_object_object_length(env);
    k8sc_runtime_pair *envs = n_env ? k8sc__calloc(n_env, sizeof(*envs)) : NULL;
    out->arrays[2] = envs;
    size_t i = 0;
    json_object_object_foreach(env, name, value) {
        if (!envs)
            break;
        envs[i].name = k8sc__kl_keep(&out->strings, k8sc__strdup(name));
        envs[i].value = k8sc__kl_keep(&out->strings, k8sc__strdup(json_object_get_string(value)));
        i++;
    }
    c->envs = envs;
    c->n_envs = envs ? n_env : 0;
    json_object_put(env);
    k8sc_runtime_mount *mounts = NULL;
    rc = k8sc__kl_mounts(&mounts, &c->n_mounts, &out->strings, k, pod, container, message);
    out->arrays[3] = mounts;
    c->mounts = mounts;
    k8sc__buf lp = K8SC__BUF_INIT;
    k8sc__buf_printf(&lp, "%s/%u.log", c->name, attempt);
    c->log_path = k8sc__kl_keep(&out->strings, k8sc__buf_detach(&lp, NULL));
    out->labels[0] = (k8sc_runtime_pair){ K8SC_LABEL_POD_NAME, k8sc_object_name(pod) };
    out->labels[1] = (k8sc_runtime_pair){ K8SC_LABEL_POD_NAMESPACE, k8sc_object_namespace(pod) };
    out->labels[2] = (k8sc_runtime_pair){ K8SC_LABEL_POD_UID, k8sc_object_uid(pod) };
    out->labels[3] = (k8sc_runtime_pair){ K8SC_LABEL_CONTAINER_NAME, c->name };
    c->labels = out->labels;
    c->n_labels = 4;
    json_object *v;
    c->tty = json_object_object_get_ex(container, "tty", &v) && json_object_get_boolean(v);
    c->stdin_ = json_object_object_get_ex(container, "stdin", &v) && json_object_get_boolean(v);
    c->stdin_once = json_object_object_get_ex(container, "stdinOnce", &v) && json_object_get_boolean(v);
    int64_t cpu_req = resource(container, "requests", "cpu", true);
    int64_t cpu_lim = resource(container, "limits", "cpu", true);
    /* As the kubelet's MilliCPUToShares and MilliCPUToQuota. */
    c->cpu_shares = cpu_req ? (cpu_req * 1024 / 1000 < 2 ? 2 : cpu_req * 1024 / 1000) : 2;
    if (cpu_lim) {
        c->cpu_period_us = 100000;
        c->cpu_quota_us = cpu_lim * 100000 / 1000 < 1000 ? 1000 : cpu_lim * 100000 / 1000;
    }
    c->memory_limit_bytes = resource(container, "limits", "memory", false);
    c->pids_limit = k->max_pids;
    v = security(pod, container, "runAsUser");
    c->run_as_user = v ? json_object_get_int64(v) : -1;
    v = security(pod, container, "runAsGroup");
    c->run_as_group = v ? json_object_get_int64(v) : -1;
    json_object *sc = k8sc__json_member(container, "securityContext");
    c->readonly_rootfs = (v = k8sc__json_member(sc, "readOnlyRootFilesystem")) && json_object_get_boolean(v);
    c->privileged = (v = k8sc__json_member(sc, "privileged")) && json_object_get_boolean(v);
    json_object *caps = k8sc__json_member(sc, "capabilities");
    c->add_capabilities = capability_list(out, 4, k8sc__json_member(caps, "add"), &c->n_add_capabilities);
    c->drop_capabilities = capability_list(out, 5, k8sc__json_member(caps, "drop"), &c->n_drop_capabilities);
    if (rc == 0 && (out->strings.failed || (n_env && !envs)))
        rc = K8SC_ENOMEM;
    if (rc != 0)
        k8sc__kl_container_config_free(out);
    return rc;
}

void k8sc__kl_container_config_free(kl_container_cfg *c)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(c->arrays); i++)
        free(c->arrays[i]);
    k8sc__kl_strings_free(&c->strings);
    memset(c->arrays, 0, sizeof(c->arrays));
}
