/*
 * The docker runtime: pod sandboxes and containers as Docker containers,
 * through the Engine API. Docker keeps all the state: a sandbox is a
 * "pause" container (image k8sc/pause:1, made from /bin/busybox on first
 * use) that holds the pod's network and IPC namespaces; its labels carry
 * the pod's identity, so listing rebuilds every status from Docker alone.
 * A container joins its sandbox's namespaces and logs in Docker's
 * json-file format, linked at <log_directory>/<log_path>.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docker_internal.h"

#define STOP_MARGIN_S 30

static int docker_open(void **state, k8sc_runtime *rt, const k8sc_runtime_options *opts)
{
    (void)rt;
    k8sc__docker *d = k8sc__calloc(1, sizeof(*d));
    if (!d)
        return K8SC_ENOMEM;
    const char *state_dir = opts->root_dir ? opts->root_dir : "/var/lib/k8sc/runtime";
    d->socket = k8sc__strdup(opts->docker_socket ? opts->docker_socket : "/var/run/docker.sock");
    d->state_dir = k8sc__strdup(state_dir);
    if (!d->socket || !d->state_dir || k8sc__cni_init(&d->cni, opts, state_dir) != 0) {
        free(d->socket);
        free(d->state_dir);
        free(d);
        return K8SC_ENOMEM;
    }
    pthread_mutex_init(&d->pause_lock, NULL);
    k8sc__docker_req ping = { .method = "GET", .path = "/_ping", .timeout_ms = 3000 };
    long status;
    int rc = k8sc__docker_call(d, &ping, &status, NULL);
    if (rc == K8SC_ETIMEOUT || rc == K8SC_EIO)
        rc = k8sc_error_set(K8SC_EUNAVAILABLE, "cannot reach dockerd at %s: %s", d->socket, k8sc_error_last());
    json_object *info = NULL;
    if (rc == 0)
        rc = k8sc__docker_json(d, "GET", "/info", NULL, &info, 0);
    if (rc == 0) {
        const char *root = k8sc__json_string(info, "DockerRootDir");
        const char *driver = k8sc__json_string(info, "CgroupDriver");
        d->cgroupfs = !driver || strcmp(driver, "systemd") != 0;
        d->root_dir = k8sc__strdup(root ? root : "/var/lib/docker");
        if (!d->root_dir)
            rc = K8SC_ENOMEM;
    }
    json_object_put(info);
    if (rc != 0) {
        pthread_mutex_destroy(&d->pause_lock);
        k8sc__cni_fini(&d->cni);
        free(d->state_dir);
        free(d->root_dir);
        free(d->socket);
        free(d);
        return rc;
    }
    *state = d;
    return 0;
}

static void docker_close(void *state)
{
    k8sc__docker *d = state;
    pthread_mutex_destroy(&d->pause_lock);
    k8sc__cni_fini(&d->cni);
    free(d->state_dir);
    free(d->root_dir);
    free(d->socket);
    free(d);
}

static int docker_version(void *state, char **out)
{
    json_object *v;
    int rc = k8sc__docker_json(state, "GET", "/version", NULL, &v, 0);
    if (rc != 0)
        return rc;
    const char *ver = k8sc__json_string(v, "Version");
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "docker://%s", ver ? ver : "unknown");
    json_object_put(v);
    *out = k8sc__buf_detach(&b, NULL);
    return *out ? 0 : k8sc__error_nomem();
}

/* ---- JSON building ---- */

static void put_str(json_object *o, const char *key, const char *value)
{
    json_object_object_add(o, key, json_object_new_string(value));
}

static json_object *strv_json(const char *const *v, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < n; i++)
        json_object_array_add(a, json_object_new_string(v[i] ? v[i] : ""));
    return a;
}

static void put_labels(json_object *labels, const k8sc_runtime_pair *pairs, size_t n, const char *prefix)
{
    for (size_t i = 0; i < n; i++) {
        k8sc__buf key = K8SC__BUF_INIT;
        k8sc__buf_printf(&key, "%s%s", prefix, pairs[i].name ? pairs[i].name : "");
        if (!k8sc__buf_status(&key))
            put_str(labels, key.ptr, pairs[i].value ? pairs[i].value : "");
        k8sc__buf_free(&key);
    }
}

static void put_u32(json_object *labels, const char *key, uint32_t v)
{
    char num[16];
    snprintf(num, sizeof(num), "%" PRIu32, v);
    put_str(labels, key, num);
}

/* Docker wants a cgroupfs parent as an absolute path, a systemd one as a slice. */
static void put_cgroup_parent(k8sc__docker *d, json_object *host, const char *parent)
{
    if (!parent || !parent[0] || !d->cgroupfs)
        return;
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s%s", parent[0] == '/' ? "" : "/", parent);
    if (!k8sc__buf_status(&b))
        put_str(host, "CgroupParent", b.ptr);
    k8sc__buf_free(&b);
}

/* ---- reading containers back ---- */

static json_object *config_labels(json_object *inspect)
{
    return k8sc__json_member(k8sc__json_member(inspect, "Config"), "Labels");
}

/* The labels a caller gave (not the backend's own) and the annotations, from Docker's labels. */
static int split_labels(json_object *labels, k8sc_runtime_pair **lout, size_t *nl, k8sc_runtime_pair **aout,
                        size_t *na)
{
    size_t n = labels && json_object_is_type(labels, json_type_object) ? (size_t)json_object_object_length(labels)
                                                                        : 0;
    *lout = *aout = NULL;
    *nl = *na = 0;
    if (n == 0)
        return 0;
    k8sc_runtime_pair *l = k8sc__calloc(n, sizeof(*l));
    k8sc_runtime_pair *a = k8sc__calloc(n, sizeof(*a));
    if (!l || !a) {
        free(l);
        free(a);
        return K8SC_ENOMEM;
    }
    size_t il = 0, ia = 0;
    bool failed = false;
    json_object_object_foreach(labels, key, val)
    {
        const char *v = json_object_get_string(val);
        size_t plen = strlen(K8SC__DOCKER_ANNOTATION);
        if (strncmp(key, K8SC__DOCKER_ANNOTATION, plen) == 0) {
            a[ia].name = k8sc__strdup(key + plen);
            a[ia].value = k8sc__strdup(v ? v : "");
            failed |= !a[ia].name || !a[ia].value;
            ia++;
        } else if (strncmp(key, K8SC__DOCKER_PREFIX, strlen(K8SC__DOCKER_PREFIX)) != 0 &&
                   strcmp(key, K8SC__DOCKER_TYPE) != 0 && strcmp(key, K8SC__DOCKER_SANDBOX_ID) != 0) {
            l[il].name = k8sc__strdup(key);
            l[il].value = k8sc__strdup(v ? v : "");
            failed |= !l[il].name || !l[il].value;
            il++;
        }
    }
    if (failed) {
        k8sc__pairs_free(l, n);
        k8sc__pairs_free(a, n);
        return k8sc__error_nomem();
    }
    if (il == 0) {
        free(l);
        l = NULL;
    }
    if (ia == 0) {
        free(a);
        a = NULL;
    }
    *lout = l;
    *nl = il;
    *aout = a;
    *na = ia;
    return 0;
}

static char *label_dup(json_object *labels, const char *key, bool *failed)
{
    const char *v = k8sc__json_string(labels, key);
    char *c = k8sc__strdup(v ? v : "");
    if (!c)
        *failed = true;
    return c;
}

static uint32_t label_u32(json_object *labels, const char *key)
{
    const char *v = k8sc__json_string(labels, key);
    return v ? (uint32_t)strtoul(v, NULL, 10) : 0;
}

static const char *docker_type(json_object *inspect)
{
    const char *t = k8sc__json_string(config_labels(inspect), K8SC__DOCKER_TYPE);
    return t ? t : "";
}

int k8sc__docker_inspect(k8sc__docker *d, json_object **out, const char *id, const char *type, const char *what)
{
    *out = NULL;
    char *eid = k8sc__docker_escape(id);
    if (!eid)
        return K8SC_ENOMEM;
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/containers/%s/json", eid);
    free(eid);
    if (k8sc__buf_status(&path))
        return k8sc__error_nomem();
    json_object *j = NULL;
    int rc = k8sc__docker_json(d, "GET", path.ptr, NULL, &j, 0);
    k8sc__buf_free(&path);
    if (rc == K8SC_ENOTFOUND || (rc == 0 && strcmp(docker_type(j), type) != 0)) {
        json_object_put(j);
        return k8sc_error_set(K8SC_ENOTFOUND, "%s %s not found", what, id);
    }
    if (rc == 0)
        *out = j;
    return rc;
}

static const char *state_string(json_object *inspect, const char *key)
{
    return k8sc__json_string(k8sc__json_member(inspect, "State"), key);
}

static k8sc_sandbox_status *sandbox_from(json_object *j)
{
    k8sc_sandbox_status *s = k8sc__calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    json_object *labels = config_labels(j);
    bool failed = false;
    const char *id = k8sc__json_string(j, "Id");
    s->id = k8sc__strdup(id ? id : "");
    s->name = label_dup(labels, K8SC__DOCKER_POD_NAME, &failed);
    s->namespace_ = label_dup(labels, K8SC__DOCKER_POD_NAMESPACE, &failed);
    s->uid = label_dup(labels, K8SC__DOCKER_POD_UID, &failed);
    s->attempt = label_u32(labels, K8SC__DOCKER_POD_ATTEMPT);
    const char *st = state_string(j, "Status");
    s->state = st && strcmp(st, "running") == 0 ? K8SC_SANDBOX_READY : K8SC_SANDBOX_NOTREADY;
    s->created_at = k8sc__docker_time(k8sc__json_string(j, "Created"));
    /* Probes enter the pause's network namespace (none with the host's network). */
    const char *mode = k8sc__json_string(k8sc__json_member(j, "HostConfig"), "NetworkMode");
    int pid = (int)json_object_get_int(k8sc__json_member(k8sc__json_member(j, "State"), "Pid"));
    if (s->state == K8SC_SANDBOX_READY && pid > 0 && !(mode && strcmp(mode, "host") == 0)) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
        if (!(s->netns_path = k8sc__strdup(path)))
            failed = true;
    }
    if (failed || !s->id || split_labels(labels, &s->labels, &s->n_labels, &s->annotations, &s->n_annotations)) {
        k8sc_sandbox_status_free(s);
        k8sc__error_nomem();
        return NULL;
    }
    return s;
}

static k8sc_container_state container_state(const char *status)
{
    if (!status)
        return K8SC_CONTAINER_UNKNOWN;
    if (strcmp(status, "created") == 0)
        return K8SC_CONTAINER_CREATED;
    if (strcmp(status, "running") == 0 || strcmp(status, "paused") == 0 || strcmp(status, "restarting") == 0)
        return K8SC_CONTAINER_RUNNING;
    if (strcmp(status, "exited") == 0 || strcmp(status, "dead") == 0)
        return K8SC_CONTAINER_EXITED;
    return K8SC_CONTAINER_UNKNOWN;
}

static k8sc_container_status *container_from(json_object *j)
{
    k8sc_container_status *c = k8sc__calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    json_object *labels = config_labels(j);
    json_object *state = k8sc__json_member(j, "State");
    bool failed = false;
    const char *id = k8sc__json_string(j, "Id");
    c->id = k8sc__strdup(id ? id : "");
    c->sandbox_id = label_dup(labels, K8SC__DOCKER_SANDBOX_ID, &failed);
    c->name = label_dup(labels, K8SC__DOCKER_CONTAINER_NAME, &failed);
    c->attempt = label_u32(labels, K8SC__DOCKER_CONTAINER_ATTEMPT);
    c->state = container_state(k8sc__json_string(state, "Status"));
    c->created_at = k8sc__docker_time(k8sc__json_string(j, "Created"));
    c->started_at = k8sc__docker_time(k8sc__json_string(state, "StartedAt"));
    if (c->state == K8SC_CONTAINER_EXITED) {
        c->finished_at = k8sc__docker_time(k8sc__json_string(state, "FinishedAt"));
        /* dockerd stamps the start after the process runs: a quick one can seem to end first */
        if (c->finished_at < c->started_at)
            c->finished_at = c->started_at;
        c->exit_code = json_object_get_int(k8sc__json_member(state, "ExitCode"));
        bool oom = json_object_get_boolean(k8sc__json_member(state, "OOMKilled"));
        c->reason = k8sc__strdup(oom ? "OOMKilled" : c->exit_code == 0 ? "Completed" : "Error");
        failed |= !c->reason;
        const char *err = k8sc__json_string(state, "Error");
        if (err && err[0])
            failed |= !(c->message = k8sc__strdup(err));
    }
    const char *image = k8sc__json_string(labels, K8SC__DOCKER_CONTAINER_IMAGE);
    if (!image)
        image = k8sc__json_string(k8sc__json_member(j, "Config"), "Image");
    c->image = k8sc__strdup(image ? image : "");
    const char *image_id = k8sc__json_string(j, "Image");
    c->image_id = k8sc__strdup(image_id ? image_id : "");
    c->log_path = label_dup(labels, K8SC__DOCKER_CONTAINER_LOG, &failed);
    if (failed || !c->id || !c->image || !c->image_id ||
        split_labels(labels, &c->labels, &c->n_labels, &c->annotations, &c->n_annotations)) {
        k8sc_container_status_free(c);
        k8sc__error_nomem();
        return NULL;
    }
    return c;
}

/* The ids of the containers with every label of `filters` ("k=v" or "k"). */
static int list_ids(k8sc__docker *d, char ***out, size_t *count, const char *const *filters, size_t n_filters)
{
    *out = NULL;
    *count = 0;
    json_object *f = json_object_new_object();
    if (!f)
        return k8sc__error_nomem();
    json_object_object_add(f, "label", strv_json(filters, n_filters));
    char *q = k8sc__docker_escape(json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN));
    json_object_put(f);
    if (!q)
        return K8SC_ENOMEM;
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/containers/json?all=1&filters=%s", q);
    free(q);
    if (k8sc__buf_status(&path))
        return k8sc__error_nomem();
    json_object *list = NULL;
    int rc = k8sc__docker_json(d, "GET", path.ptr, NULL, &list, 0);
    k8sc__buf_free(&path);
    if (rc != 0)
        return rc;
    size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
    char **ids = k8sc__calloc(n + 1, sizeof(*ids));
    size_t k = 0;
    for (size_t i = 0; ids && i < n; i++) {
        const char *id = k8sc__json_string(json_object_array_get_idx(list, i), "Id");
        if (id && !(ids[k++] = k8sc__strdup(id))) {
            k8sc_strv_free(ids);
            ids = NULL;
        }
    }
    json_object_put(list);
    if (!ids)
        return k8sc__error_nomem();
    *out = ids;
    *count = k;
    return 0;
}

static int container_ids_of(k8sc__docker *d, char ***out, size_t *count, const char *sandbox_id)
{
    k8sc__buf sb = K8SC__BUF_INIT;
    if (sandbox_id)
        k8sc__buf_printf(&sb, K8SC__DOCKER_SANDBOX_ID "=%s", sandbox_id);
    if (k8sc__buf_status(&sb))
        return k8sc__error_nomem();
    const char *filters[] = { K8SC__DOCKER_TYPE "=container", sb.ptr };
    int rc = list_ids(d, out, count, filters, sandbox_id ? 2 : 1);
    k8sc__buf_free(&sb);
    return rc;
}

static int start(k8sc__docker *d, const char *id)
{
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/containers/%s/start", id);
    int rc = k8sc__buf_status(&path) ? k8sc__error_nomem() : k8sc__docker_json(d, "POST", path.ptr, NULL, NULL, 0);
    k8sc__buf_free(&path);
    return rc;
}

static int remove_docker_container(k8sc__docker *d, const char *id)
{
    char *eid = k8sc__docker_escape(id);
    if (!eid)
        return K8SC_ENOMEM;
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/containers/%s?force=1&v=1", eid);
    free(eid);
    int rc = k8sc__buf_status(&path) ? k8sc__error_nomem()
                                     : k8sc__docker_json(d, "DELETE", path.ptr, NULL, NULL, K8SC_EINVAL);
    k8sc__buf_free(&path);
    return rc == K8SC_ENOTFOUND ? 0 : rc;
}

/* Create the container described by `body` under `name`; *out its id. */
static int create(k8sc__docker *d, char **out, const char *name, json_object *body)
{
    *out = NULL;
    char *ename = k8sc__docker_escape(name);
    if (!ename)
        return K8SC_ENOMEM;
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/containers/create?name=%s", ename);
    free(ename);
    json_object *resp = NULL;
    int rc = k8sc__buf_status(&path) ? k8sc__error_nomem() : k8sc__docker_json(d, "POST", path.ptr, body, &resp, 0);
    k8sc__buf_free(&path);
    const char *id = rc == 0 ? k8sc__json_string(resp, "Id") : NULL;
    if (rc == 0 && !id)
        rc = k8sc_error_set(K8SC_EIO, "dockerd at %s: create %s: no container id in the answer", d->socket, name);
    if (rc == 0 && !(*out = k8sc__strdup(id)))
        rc = k8sc__error_nomem();
    json_object_put(resp);
    return rc;
}

static int docker_run_sandbox(void *state, char **out, const k8sc_sandbox_config *cfg)
{
    k8sc__docker *d = state;
    if (cfg->netns_path)
        return k8sc_error_set(K8SC_EINVAL, "container runtime docker cannot join network namespace %s",
                              cfg->netns_path);
    int rc = k8sc__mkdirs(cfg->log_directory, 0755);
    if (rc == 0)
        rc = k8sc__docker_pause_image(d);
    if (rc != 0)
        return rc;
    json_object *body = json_object_new_object();
    json_object *labels = json_object_new_object();
    json_object *host = json_object_new_object();
    if (!body || !labels || !host) {
        json_object_put(body);
        json_object_put(labels);
        json_object_put(host);
        return k8sc__error_nomem();
    }
    put_labels(labels, cfg->labels, cfg->n_labels, "");
    put_labels(labels, cfg->annotations, cfg->n_annotations, K8SC__DOCKER_ANNOTATION);
    put_str(labels, K8SC__DOCKER_TYPE, "podsandbox");
    put_str(labels, K8SC__DOCKER_POD_NAME, cfg->name);
    put_str(labels, K8SC__DOCKER_POD_NAMESPACE, cfg->namespace_);
    put_str(labels, K8SC__DOCKER_POD_UID, cfg->uid);
    put_u32(labels, K8SC__DOCKER_POD_ATTEMPT, cfg->attempt);
    put_str(body, "Image", K8SC__DOCKER_PAUSE_IMAGE);
    /* Docker refuses a hostname of its own in the host's network namespace. */
    if (!cfg->host_network)
        put_str(body, "Hostname", cfg->hostname ? cfg->hostname : cfg->name);
    json_object_object_add(body, "Labels", labels);
    put_str(host, "NetworkMode", cfg->host_network ? "host" : "none");
    put_str(host, "IpcMode", cfg->host_ipc ? "host" : "shareable");
    if (cfg->host_pid)
        put_str(host, "PidMode", "host");
    put_cgroup_parent(d, host, cfg->cgroup_parent);
    json_object_object_add(body, "HostConfig", host);
    k8sc__buf name = K8SC__BUF_INIT;
    k8sc__buf_printf(&name, "k8s_POD_%s_%s_%s_%" PRIu32, cfg->name, cfg->namespace_, cfg->uid, cfg->attempt);
    char *id = NULL;
    rc = k8sc__buf_status(&name) ? k8sc__error_nomem() : create(d, &id, name.ptr, body);
    json_object_put(body);
    k8sc__buf_free(&name);
    if (rc == 0 && ((rc = start(d, id)) != 0 || (rc = k8sc__docker_network_setup(d, id, cfg)) != 0)) {
        char *msg = k8sc__strdup(k8sc_error_last());
        remove_docker_container(d, id);
        k8sc_error_set(rc, "%s", msg ? msg : "cannot start the sandbox");
        free(msg);
    }
    if (rc != 0) {
        free(id);
        return rc;
    }
    *out = id;
    return 0;
}

static int stop(k8sc__docker *d, const char *id, int64_t timeout_s)
{
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/containers/%s/stop?t=%" PRId64, id, timeout_s);
    k8sc__docker_req req = { .method = "POST", .path = path.ptr, .body = "", .body_len = 0,
                             .timeout_ms = (long)((timeout_s + STOP_MARGIN_S) * 1000) };
    long status;
    int rc = k8sc__buf_status(&path) ? k8sc__error_nomem() : k8sc__docker_call(d, &req, &status, NULL);
    k8sc__buf_free(&path);
    return rc;
}

/* Detach sandbox `j` (its inspect) from the pod network, before its pause goes. */
static int network_teardown(k8sc__docker *d, json_object *j)
{
    json_object *labels = config_labels(j);
    return k8sc__docker_network_teardown(d, k8sc__json_string(j, "Id"),
                                         k8sc__json_string(labels, K8SC__DOCKER_POD_NAMESPACE),
                                         k8sc__json_string(labels, K8SC__DOCKER_POD_NAME),
                                         k8sc__json_string(labels, K8SC__DOCKER_POD_UID));
}

static int docker_stop_sandbox(void *state, const char *id)
{
    k8sc__docker *d = state;
    json_object *j;
    int rc = k8sc__docker_inspect(d, &j, id, "podsandbox", "sandbox");
    if (rc != 0)
        return rc;
    const char *full = k8sc__json_string(j, "Id");
    char **ids = NULL;
    size_t n = 0;
    rc = container_ids_of(d, &ids, &n, full);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = stop(d, ids[i], 0);
        if (rc == K8SC_ENOTFOUND)
            rc = 0;
    }
    if (rc == 0)
        rc = network_teardown(d, j);
    if (rc == 0)
        rc = stop(d, full, 0);
    k8sc_strv_free(ids);
    json_object_put(j);
    return rc;
}

/* Remove the link at a container's log path (only a link: never a file someone else wrote). */
static void remove_log_link(const char *path)
{
    struct stat st;
    if (path && path[0] && lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && unlink(path) != 0)
        k8sc_log(K8SC_LOG_DEBUG, "docker runtime: removing %s: %s", path, strerror(errno));
}

static int remove_container(k8sc__docker *d, const char *id)
{
    json_object *j = NULL;
    int rc = k8sc__docker_inspect(d, &j, id, "container", "container");
    if (rc == K8SC_ENOTFOUND)
        return 0;
    if (rc == 0)
        rc = remove_docker_container(d, k8sc__json_string(j, "Id"));
    if (rc == 0)
        remove_log_link(k8sc__json_string(config_labels(j), K8SC__DOCKER_CONTAINER_LOG));
    json_object_put(j);
    return rc;
}

static int docker_remove_sandbox(void *state, const char *id)
{
    k8sc__docker *d = state;
    json_object *j;
    int rc = k8sc__docker_inspect(d, &j, id, "podsandbox", "sandbox");
    if (rc == K8SC_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    const char *full = k8sc__json_string(j, "Id");
    /* Docker removes its containers' cgroups, not the pod's own one it made them in. */
    const char *parent = d->cgroupfs ? k8sc__json_string(k8sc__json_member(j, "HostConfig"), "CgroupParent") : NULL;
    char **ids = NULL;
    size_t n = 0;
    rc = container_ids_of(d, &ids, &n, full);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = remove_container(d, ids[i]);
    if (rc == 0)
        rc = network_teardown(d, j);
    if (rc == 0)
        rc = remove_docker_container(d, full);
    if (rc == 0 && parent)
        k8sc__cgroup_remove_pod(parent);
    k8sc_strv_free(ids);
    json_object_put(j);
    return rc;
}

static int docker_sandbox_status(void *state, k8sc_sandbox_status **out, const char *id)
{
    json_object *j;
    k8sc__docker *d = state;
    int rc = k8sc__docker_inspect(d, &j, id, "podsandbox", "sandbox");
    if (rc != 0)
        return rc;
    *out = sandbox_from(j);
    json_object_put(j);
    if (!*out)
        return K8SC_ENOMEM;
    bool attached = false;
    if ((rc = k8sc__cni_cached_ip(&d->cni, &attached, &(*out)->ip, (*out)->id)) != 0) {
        k8sc_sandbox_status_free(*out);
        *out = NULL;
    }
    return rc;
}

static int docker_list_sandboxes(void *state, k8sc_sandbox_status ***out, size_t *count)
{
    k8sc__docker *d = state;
    char **ids;
    size_t n;
    const char *filters[] = { K8SC__DOCKER_TYPE "=podsandbox", K8SC__DOCKER_POD_UID };
    int rc = list_ids(d, &ids, &n, filters, 2);
    if (rc != 0)
        return rc;
    k8sc_sandbox_status **list = k8sc__calloc(n + 1, sizeof(*list));
    size_t k = 0;
    rc = list ? 0 : K8SC_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = docker_sandbox_status(d, &list[k], ids[i]);
        if (rc == 0)
            k++;
        else if (rc == K8SC_ENOTFOUND)
            rc = 0; /* removed meanwhile */
    }
    k8sc_strv_free(ids);
    if (rc != 0) {
        k8sc_sandbox_status_list_free(list, k);
        return rc;
    }
    *out = list;
    *count = k;
    return 0;
}

/* ---- containers ---- */

static void put_env(json_object *body, const k8sc_container_config *cfg)
{
    if (cfg->n_envs == 0)
        return;
    json_object *env = json_object_new_array();
    for (size_t i = 0; env && i < cfg->n_envs; i++) {
        k8sc__buf e = K8SC__BUF_INIT;
        k8sc__buf_printf(&e, "%s=%s", cfg->envs[i].name ? cfg->envs[i].name : "",
                         cfg->envs[i].value ? cfg->envs[i].value : "");
        if (!k8sc__buf_status(&e))
            json_object_array_add(env, json_object_new_string(e.ptr));
        k8sc__buf_free(&e);
    }
    json_object_object_add(body, "Env", env);
}

static void put_binds(json_object *host, const k8sc_container_config *cfg)
{
    if (cfg->n_mounts == 0)
        return;
    json_object *binds = json_object_new_array();
    for (size_t i = 0; binds && i < cfg->n_mounts; i++) {
        k8sc__buf b = K8SC__BUF_INIT;
        k8sc__buf_printf(&b, "%s:%s:%s", cfg->mounts[i].host_path, cfg->mounts[i].container_path,
                         cfg->mounts[i].readonly ? "ro" : "rw");
        if (!k8sc__buf_status(&b))
            json_object_array_add(binds, json_object_new_string(b.ptr));
        k8sc__buf_free(&b);
    }
    json_object_object_add(host, "Binds", binds);
}

static void put_i64(json_object *o, const char *key, int64_t v)
{
    if (v > 0)
        json_object_object_add(o, key, json_object_new_int64(v));
}

static json_object *container_body(k8sc__docker *d, const char *sandbox_id, const k8sc_container_config *cfg,
                                   const k8sc_sandbox_config *sandbox, const char *log_path)
{
    json_object *body = json_object_new_object();
    json_object *labels = json_object_new_object();
    json_object *host = json_object_new_object();
    json_object *logc = json_object_new_object();
    if (!body || !labels || !host || !logc) {
        json_object_put(body);
        json_object_put(labels);
        json_object_put(host);
        json_object_put(logc);
        return NULL;
    }
    put_labels(labels, cfg->labels, cfg->n_labels, "");
    put_labels(labels, cfg->annotations, cfg->n_annotations, K8SC__DOCKER_ANNOTATION);
    put_str(labels, K8SC__DOCKER_TYPE, "container");
    put_str(labels, K8SC__DOCKER_SANDBOX_ID, sandbox_id);
    put_str(labels, K8SC__DOCKER_CONTAINER_NAME, cfg->name);
    put_u32(labels, K8SC__DOCKER_CONTAINER_ATTEMPT, cfg->attempt);
    put_str(labels, K8SC__DOCKER_CONTAINER_IMAGE, cfg->image);
    put_str(labels, K8SC__DOCKER_CONTAINER_LOG, log_path);
    json_object_object_add(body, "Labels", labels);
    put_str(body, "Image", cfg->image);
    /* A command replaces the image's entrypoint and, as in Kubernetes, its arguments too. */
    if (cfg->n_command) {
        json_object_object_add(body, "Entrypoint", strv_json(cfg->command, cfg->n_command));
        json_object_object_add(body, "Cmd", strv_json(cfg->args, cfg->n_args));
    } else if (cfg->n_args) {
        json_object_object_add(body, "Cmd", strv_json(cfg->args, cfg->n_args));
    }
    if (cfg->working_dir && cfg->working_dir[0])
        put_str(body, "WorkingDir", cfg->working_dir);
    put_env(body, cfg);
    if (cfg->run_as_user >= 0) {
        char user[48];
        if (cfg->run_as_group >= 0)
            snprintf(user, sizeof(user), "%" PRId64 ":%" PRId64, cfg->run_as_user, cfg->run_as_group);
        else
            snprintf(user, sizeof(user), "%" PRId64, cfg->run_as_user);
        put_str(body, "User", user);
    }
    /* Interactive containers, as dockershim made them (attached to through docker_attach.c). */
    json_object_object_add(body, "Tty", json_object_new_boolean(cfg->tty));
    json_object_object_add(body, "OpenStdin", json_object_new_boolean(cfg->stdin_));
    json_object_object_add(body, "AttachStdin", json_object_new_boolean(cfg->stdin_));
    json_object_object_add(body, "StdinOnce", json_object_new_boolean(cfg->stdin_once));
    k8sc__buf mode = K8SC__BUF_INIT;
    k8sc__buf_printf(&mode, "container:%s", sandbox_id);
    if (!k8sc__buf_status(&mode)) {
        put_str(host, "NetworkMode", mode.ptr);
        put_str(host, "IpcMode", mode.ptr);
        if (sandbox->host_pid)
            put_str(host, "PidMode", "host");
    }
    k8sc__buf_free(&mode);
    put_binds(host, cfg);
    put_i64(host, "CpuShares", cfg->cpu_shares);
    put_i64(host, "CpuQuota", cfg->cpu_quota_us);
    put_i64(host, "CpuPeriod", cfg->cpu_period_us);
    put_i64(host, "Memory", cfg->memory_limit_bytes);
    put_i64(host, "PidsLimit", cfg->pids_limit);
    json_object_object_add(host, "ReadonlyRootfs", json_object_new_boolean(cfg->readonly_rootfs));
    json_object_object_add(host, "Privileged", json_object_new_boolean(cfg->privileged));
    if (cfg->n_add_capabilities)
        json_object_object_add(host, "CapAdd", strv_json(cfg->add_capabilities, cfg->n_add_capabilities));
    if (cfg->n_drop_capabilities)
        json_object_object_add(host, "CapDrop", strv_json(cfg->drop_capabilities, cfg->n_drop_capabilities));
    put_str(logc, "Type", "json-file");
    json_object_object_add(logc, "Config", json_object_new_object());
    json_object_object_add(host, "LogConfig", logc);
    put_cgroup_parent(d, host, sandbox->cgroup_parent);
    json_object_object_add(body, "HostConfig", host);
    return body;
}

/* Link `link` to Docker's json-file log of the container (replacing an older link). */
static int link_log(k8sc__docker *d, const char *link, json_object *j)
{
    const char *id = k8sc__json_string(j, "Id");
    const char *target = k8sc__json_string(j, "LogPath");
    k8sc__buf b = K8SC__BUF_INIT;
    /* Docker fills LogPath in when it starts the logger; before that it is where it will be. */
    if (!target || !target[0])
        k8sc__buf_printf(&b, "%s/containers/%s/%s-json.log", d->root_dir, id ? id : "", id ? id : "");
    else
        k8sc__buf_puts(&b, target);
    char *dir = k8sc__strdup(link);
    if (k8sc__buf_status(&b) || !dir) {
        k8sc__buf_free(&b);
        free(dir);
        return k8sc__error_nomem();
    }
    *strrchr(dir, '/') = '\0';
    int rc = k8sc__mkdirs(dir, 0755);
    free(dir);
    remove_log_link(link);
    if (rc == 0 && symlink(b.ptr, link) != 0)
        rc = k8sc_error_set(K8SC_EIO, "cannot link container log %s to %s: %s", link, b.ptr, strerror(errno));
    k8sc__buf_free(&b);
    return rc;
}

static int docker_create_container(void *state, char **out, const char *sandbox_id, const k8sc_container_config *cfg,
                                   const k8sc_sandbox_config *sandbox)
{
    k8sc__docker *d = state;
    json_object *sb;
    int rc = k8sc__docker_inspect(d, &sb, sandbox_id, "podsandbox", "sandbox");
    if (rc != 0)
        return rc;
    const char *st = state_string(sb, "Status");
    if (!st || strcmp(st, "running") != 0) {
        json_object_put(sb);
        return k8sc_error_set(K8SC_EINVAL, "sandbox %s is not ready", sandbox_id);
    }
    json_object *labels = config_labels(sb);
    k8sc__buf log = K8SC__BUF_INIT;
    k8sc__buf_printf(&log, "%s/%s", sandbox->log_directory, cfg->log_path);
    k8sc__buf name = K8SC__BUF_INIT;
    k8sc__buf_printf(&name, "k8s_%s_%s_%s_%s_%" PRIu32, cfg->name, k8sc__json_string(labels, K8SC__DOCKER_POD_NAME),
                     k8sc__json_string(labels, K8SC__DOCKER_POD_NAMESPACE),
                     k8sc__json_string(labels, K8SC__DOCKER_POD_UID), cfg->attempt);
    json_object *body = k8sc__buf_status(&log) || k8sc__buf_status(&name)
                            ? NULL
                            : container_body(d, k8sc__json_string(sb, "Id"), cfg, sandbox, log.ptr);
    char *id = NULL;
    rc = body ? create(d, &id, name.ptr, body) : k8sc__error_nomem();
    json_object_put(body);
    json_object_put(sb);
    k8sc__buf_free(&name);
    json_object *j = NULL;
    if (rc == 0)
        rc = k8sc__docker_inspect(d, &j, id, "container", "container");
    if (rc == 0)
        rc = link_log(d, log.ptr, j);
    json_object_put(j);
    k8sc__buf_free(&log);
    if (rc != 0) {
        if (id) {
            char *msg = k8sc__strdup(k8sc_error_last());
            remove_docker_container(d, id);
            k8sc_error_set(rc, "%s", msg ? msg : "cannot create the container");
            free(msg);
        }
        free(id);
        return rc;
    }
    *out = id;
    return 0;
}

static int docker_start_container(void *state, const char *id)
{
    k8sc__docker *d = state;
    json_object *j;
    int rc = k8sc__docker_inspect(d, &j, id, "container", "container");
    if (rc != 0)
        return rc;
    const char *st = state_string(j, "Status");
    if (!st || strcmp(st, "created") != 0)
        rc = k8sc_error_set(K8SC_EINVAL, "container %s is not in the created state (%s)", id, st ? st : "unknown");
    if (rc == 0)
        rc = start(d, k8sc__json_string(j, "Id"));
    json_object_put(j);
    return rc;
}

static int docker_stop_container(void *state, const char *id, int64_t timeout_s)
{
    k8sc__docker *d = state;
    json_object *j;
    int rc = k8sc__docker_inspect(d, &j, id, "container", "container");
    if (rc == 0)
        rc = stop(d, k8sc__json_string(j, "Id"), timeout_s);
    json_object_put(j);
    return rc;
}

static int docker_remove_container(void *state, const char *id)
{
    return remove_container(state, id);
}

static int docker_container_status(void *state, k8sc_container_status **out, const char *id)
{
    json_object *j;
    int rc = k8sc__docker_inspect(state, &j, id, "container", "container");
    if (rc != 0)
        return rc;
    *out = container_from(j);
    json_object_put(j);
    return *out ? 0 : K8SC_ENOMEM;
}

static int docker_list_containers(void *state, k8sc_container_status ***out, size_t *count, const char *sandbox_id)
{
    k8sc__docker *d = state;
    char *full = NULL;
    if (sandbox_id) {
        json_object *sb;
        int rc = k8sc__docker_inspect(d, &sb, sandbox_id, "podsandbox", "sandbox");
        if (rc == K8SC_ENOTFOUND) {
            *out = k8sc__calloc(1, sizeof(**out));
            return *out ? 0 : K8SC_ENOMEM;
        }
        if (rc != 0)
            return rc;
        full = k8sc__strdup(k8sc__json_string(sb, "Id"));
        json_object_put(sb);
        if (!full)
            return k8sc__error_nomem();
    }
    char **ids;
    size_t n;
    int rc = container_ids_of(d, &ids, &n, full);
    free(full);
    if (rc != 0)
        return rc;
    k8sc_container_status **list = k8sc__calloc(n + 1, sizeof(*list));
    size_t k = 0;
    rc = list ? 0 : K8SC_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = docker_container_status(d, &list[k], ids[i]);
        if (rc == 0)
            k++;
        else if (rc == K8SC_ENOTFOUND)
            rc = 0; /* removed meanwhile */
    }
    k8sc_strv_free(ids);
    if (rc != 0) {
        k8sc_container_status_list_free(list, k);
        return rc;
    }
    *out = list;
    *count = k;
    return 0;
}

static uint64_t u64_at(json_object *o, const char *a, const char *b)
{
    json_object *v = k8sc__json_member(o, a);
    if (b)
        v = k8sc__json_member(v, b);
    return v ? (uint64_t)json_object_get_int64(v) : 0;
}

static int docker_container_stats(void *state, k8sc_container_stats *out, const char *id)
{
    k8sc__docker *d = state;
    json_object *j;
    int rc = k8sc__docker_inspect(d, &j, id, "container", "container");
    if (rc != 0)
        return rc;
    const char *st = state_string(j, "Status");
    if (!st || strcmp(st, "running") != 0)
        rc = k8sc_error_set(K8SC_EINVAL, "container %s is not running", id);
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/containers/%s/stats?stream=false&one-shot=true", k8sc__json_string(j, "Id"));
    json_object_put(j);
    json_object *s = NULL;
    if (rc == 0)
        rc = k8sc__buf_status(&path) ? k8sc__error_nomem() : k8sc__docker_json(d, "GET", path.ptr, NULL, &s, 0);
    k8sc__buf_free(&path);
    if (rc != 0)
        return rc;
    out->timestamp = k8sc__docker_time(k8sc__json_string(s, "read"));
    out->cpu_usage_ns = u64_at(k8sc__json_member(s, "cpu_stats"), "cpu_usage", "total_usage");
    json_object *mem = k8sc__json_member(s, "memory_stats");
    out->memory_usage_bytes = u64_at(mem, "usage", NULL);
    /* cgroup v1 reports total_inactive_file, v2 inactive_file */
    uint64_t inactive = u64_at(mem, "stats", "total_inactive_file");
    if (!k8sc__json_member(k8sc__json_member(mem, "stats"), "total_inactive_file"))
        inactive = u64_at(mem, "stats", "inactive_file");
    out->memory_working_set_bytes = out->memory_usage_bytes > inactive ? out->memory_usage_bytes - inactive : 0;
    json_object_put(s);
    return 0;
}

const k8sc_runtime_backend k8sc__runtime_docker = {
    .version = K8SC_RUNTIME_BACKEND_VERSION,
    .name = "docker",
    .open = docker_open,
    .close = docker_close,
    .runtime_version = docker_version,
    .run_sandbox = docker_run_sandbox,
    .stop_sandbox = docker_stop_sandbox,
    .remove_sandbox = docker_remove_sandbox,
    .sandbox_status = docker_sandbox_status,
    .list_sandboxes = docker_list_sandboxes,
    .create_container = docker_create_container,
    .start_container = docker_start_container,
    .stop_container = docker_stop_container,
    .remove_container = docker_remove_container,
    .container_status = docker_container_status,
    .list_containers = docker_list_containers,
    .container_stats = docker_container_stats,
    .exec_start = k8sc__docker_exec_start,
    .list_images = k8sc__docker_list_images,
    .image_status = k8sc__docker_image_status,
    .pull_image = k8sc__docker_pull_image,
    .remove_image = k8sc__docker_remove_image,
    .import_image = k8sc__docker_import_image,
    .attach = k8sc__docker_attach,
};
