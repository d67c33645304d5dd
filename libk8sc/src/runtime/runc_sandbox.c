/*
 * Sandboxes of the runc backend: a pause process holding the pod's
 * network, IPC and UTS namespaces (runc_monitor.c) and a JSON record in
 * "<root>/sandboxes/<id>/sandbox.json".
 */
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "runc_internal.h"

static char *record_path(const runc *r, const char *id)
{
    char *dir = k8sc__runc_sandbox_dir(r, id);
    char *path = dir ? k8sc__runc_path(dir, "sandbox.json") : NULL;
    free(dir);
    return path;
}

/* The record of sandbox `id` if `match` (NULL: any) takes it. */
static json_object *read_matching(const runc *r, const char *id, bool (*match)(json_object *, void *), void *arg)
{
    if (!id[0] || strchr(id, '/') || id[0] == '.')
        return NULL;
    char *path = record_path(r, id);
    json_object *rec = path ? k8sc__runc_records_read(r->records, path, match, arg) : NULL;
    free(path);
    return rec;
}

static json_object *read_record(const runc *r, const char *id)
{
    return read_matching(r, id, NULL, NULL);
}

static int write_record(const runc *r, const char *id, json_object *rec)
{
    char *path = record_path(r, id);
    int rc = path ? k8sc__runc_records_write(r->records, path, rec) : K8SC_ENOMEM;
    free(path);
    return rc;
}

static void record_pause(json_object *rec, runc_proc *p)
{
    json_object *pause = k8sc__json_member(rec, "pause");
    p->pid = (pid_t)json_object_get_int(k8sc__json_member(pause, "pid"));
    p->start = (unsigned long long)json_object_get_uint64(k8sc__json_member(pause, "start"));
}

static void put_string(json_object *o, const char *key, const char *value)
{
    if (value)
        json_object_object_add(o, key, json_object_new_string(value));
}

int k8sc__runc_run_sandbox(void *state, char **out, const k8sc_sandbox_config *cfg)
{
    runc *r = state;
    char *id = k8sc__runc_new_id();
    char *dir = id ? k8sc__runc_sandbox_dir(r, id) : NULL;
    if (!dir) {
        free(id);
        return K8SC_ENOMEM;
    }
    int rc = k8sc__mkdirs(dir, 0700);
    if (rc == 0 && cfg->log_directory)
        rc = k8sc__mkdirs(cfg->log_directory, 0755);
    runc_proc pause = { 0, 0 };
    bool network = false;
    if (rc == 0)
        rc = k8sc__runc_pause_start(r, &pause, cfg);
    json_object *rec = json_object_new_object();
    if (rc == 0) {
        put_string(rec, "id", id);
        put_string(rec, "name", cfg->name);
        put_string(rec, "namespace", cfg->namespace_);
        put_string(rec, "uid", cfg->uid);
        json_object_object_add(rec, "attempt", json_object_new_int64(cfg->attempt));
        json_object_object_add(rec, "createdAt", json_object_new_int64(k8sc_clock_now(r->clock)));
        json_object_object_add(rec, "ready", json_object_new_boolean(true));
        put_string(rec, "hostname", cfg->hostname ? cfg->hostname : cfg->name);
        put_string(rec, "logDirectory", cfg->log_directory);
        put_string(rec, "netnsPath", cfg->netns_path);
        put_string(rec, "cgroupParent", cfg->cgroup_parent ? cfg->cgroup_parent : "k8sc");
        json_object_object_add(rec, "hostNetwork", json_object_new_boolean(cfg->host_network));
        json_object_object_add(rec, "hostPID", json_object_new_boolean(cfg->host_pid));
        json_object_object_add(rec, "hostIPC", json_object_new_boolean(cfg->host_ipc));
        json_object_object_add(rec, "labels", k8sc__runc_pairs_json(cfg->labels, cfg->n_labels));
        json_object_object_add(rec, "annotations", k8sc__runc_pairs_json(cfg->annotations, cfg->n_annotations));
        json_object *p = json_object_new_object();
        json_object_object_add(p, "pid", json_object_new_int(pause.pid));
        json_object_object_add(p, "start", json_object_new_uint64(pause.start));
        json_object_object_add(rec, "pause", p);
        rc = k8sc__runc_network_setup(r, rec, pause.pid, cfg);
        network = rc == 0;
    }
    if (rc == 0)
        rc = write_record(r, id, rec);
    if (rc != 0) {
        if (network) {
            char saved[1024];
            snprintf(saved, sizeof(saved), "%s", k8sc_error_last());
            bool changed = false;
            k8sc__runc_network_teardown(r, rec, &changed);
            k8sc_error_set(rc, "%s", saved);
        }
        if (pause.pid > 0 && k8sc__runc_proc_alive(&pause))
            kill(pause.pid, SIGKILL);
        k8sc__runc_records_forget(r->records, dir);
        k8sc__runc_rmtree(dir);
        free(id);
    } else {
        *out = id;
    }
    json_object_put(rec);
    free(dir);
    return rc;
}

/* Kill the pause process and wait (up to 5 s) until it is gone. */
static void kill_pause(const runc_proc *p)
{
    if (!k8sc__runc_proc_alive(p))
        return;
    kill(p->pid, SIGKILL);
    for (int i = 0; i < 500 && k8sc__runc_proc_alive(p); i++) {
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}

int k8sc__runc_stop_sandbox(void *state, const char *id)
{
    runc *r = state;
    json_object *rec = read_record(r, id);
    if (!rec)
        return k8sc_error_set(K8SC_ENOTFOUND, "sandbox %s not found", id);
    k8sc_container_status **list = NULL;
    size_t n = 0;
    int rc = k8sc__runc_list_containers(r, &list, &n, id);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (list[i]->state == K8SC_CONTAINER_RUNNING)
            rc = k8sc__runc_stop_container(r, list[i]->id, 0);
    k8sc_container_status_list_free(list, n);
    runc_proc pause;
    record_pause(rec, &pause);
    /* The network goes first, while the namespace still has the pod's interface (containerd's order). */
    bool changed = false;
    if (rc == 0)
        rc = k8sc__runc_network_teardown(r, rec, &changed);
    if (rc == 0)
        kill_pause(&pause);
    if (rc == 0 && json_object_get_boolean(k8sc__json_member(rec, "ready"))) {
        json_object_object_add(rec, "ready", json_object_new_boolean(false));
        changed = true;
    }
    if (rc == 0 && changed) {
        pthread_mutex_lock(&r->lock);
        rc = write_record(r, id, rec);
        pthread_mutex_unlock(&r->lock);
    }
    json_object_put(rec);
    return rc;
}

int k8sc__runc_remove_sandbox(void *state, const char *id)
{
    runc *r = state;
    json_object *rec = read_record(r, id);
    if (!rec)
        return 0;
    const char *parent = k8sc__json_string(rec, "cgroupParent");
    char *cgroup = parent ? k8sc__strdup(parent) : NULL;
    json_object_put(rec);
    int rc = k8sc__runc_stop_sandbox(r, id);
    k8sc_container_status **list = NULL;
    size_t n = 0;
    if (rc == 0)
        rc = k8sc__runc_list_containers(r, &list, &n, id);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = k8sc__runc_remove_container(r, list[i]->id);
    k8sc_container_status_list_free(list, n);
    if (rc == 0 && cgroup)
        k8sc__cgroup_remove_pod(cgroup);
    free(cgroup);
    char *dir = rc == 0 ? k8sc__runc_sandbox_dir(r, id) : NULL;
    if (dir) {
        k8sc__runc_records_forget(r->records, dir);
        k8sc__runc_rmtree(dir);
    }
    free(dir);
    return rc;
}

static char *dup_member(json_object *rec, const char *key)
{
    const char *s = k8sc__json_string(rec, key);
    return k8sc__strdup(s ? s : "");
}

static int status_from(k8sc_sandbox_status **out, json_object *rec)
{
    k8sc_sandbox_status *st = k8sc__calloc(1, sizeof(*st));
    if (!st)
        return K8SC_ENOMEM;
    st->id = dup_member(rec, "id");
    st->name = dup_member(rec, "name");
    st->namespace_ = dup_member(rec, "namespace");
    st->uid = dup_member(rec, "uid");
    st->attempt = (uint32_t)json_object_get_int64(k8sc__json_member(rec, "attempt"));
    st->created_at = json_object_get_int64(k8sc__json_member(rec, "createdAt"));
    runc_proc pause;
    record_pause(rec, &pause);
    st->state = json_object_get_boolean(k8sc__json_member(rec, "ready")) && k8sc__runc_proc_alive(&pause)
                    ? K8SC_SANDBOX_READY
                    : K8SC_SANDBOX_NOTREADY;
    /* The namespace probes enter: the one joined, else the pause's own (none with the host's network). */
    const char *joined = k8sc__json_string(rec, "netnsPath");
    bool host = json_object_get_boolean(k8sc__json_member(rec, "hostNetwork"));
    const char *pinned = k8sc__json_string(rec, "podNetns");
    if (joined && joined[0]) {
        st->netns_path = k8sc__strdup(joined);
    } else if (pinned && st->state == K8SC_SANDBOX_READY) {
        st->netns_path = k8sc__strdup(pinned);
    } else if (!host && st->state == K8SC_SANDBOX_READY) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pause.pid);
        st->netns_path = k8sc__strdup(path);
    }
    st->ip = k8sc__runc_network_ip(rec);
    if (!st->id || !st->name || !st->namespace_ || !st->uid ||
        k8sc__runc_json_pairs(&st->labels, &st->n_labels, k8sc__json_member(rec, "labels")) ||
        k8sc__runc_json_pairs(&st->annotations, &st->n_annotations, k8sc__json_member(rec, "annotations"))) {
        k8sc_sandbox_status_free(st);
        return K8SC_ENOMEM;
    }
    *out = st;
    return 0;
}

int k8sc__runc_sandbox_status(void *state, k8sc_sandbox_status **out, const char *id)
{
    runc *r = state;
    json_object *rec = read_record(r, id);
    if (!rec)
        return k8sc_error_set(K8SC_ENOTFOUND, "sandbox %s not found", id);
    int rc = status_from(out, rec);
    json_object_put(rec);
    return rc;
}

typedef struct label_filter {
    const k8sc_runtime_pair *labels;
    size_t n;
} label_filter;

static const char *record_label(const void *labels, const char *name)
{
    return k8sc__json_string(labels, name);
}

/* Whether the record's labels include every pair of the filter. */
static bool has_labels(json_object *rec, void *arg)
{
    const label_filter *f = arg;
    return k8sc__runtime_labels_match(f->labels, f->n, record_label, k8sc__json_member(rec, "labels"));
}

int k8sc__runc_list_sandboxes_labeled(void *state, k8sc_sandbox_status ***out, size_t *count,
                                      const k8sc_runtime_pair *labels, size_t n_labels)
{
    runc *r = state;
    char **ids;
    int rc = k8sc__runc_list_ids(r, "sandboxes", &ids);
    if (rc != 0)
        return rc;
    size_t total = 0;
    while (ids[total])
        total++;
    k8sc_sandbox_status **list = k8sc__calloc(total + 1, sizeof(*list));
    size_t n = 0;
    rc = list ? 0 : K8SC_ENOMEM;
    label_filter f = { labels, n_labels };
    for (size_t i = 0; rc == 0 && i < total; i++) {
        /* No record: a sandbox being made or removed right now (or one the filter leaves out). */
        json_object *rec = read_matching(r, ids[i], n_labels ? has_labels : NULL, &f);
        if (!rec)
            continue;
        rc = status_from(&list[n], rec);
        json_object_put(rec);
        if (rc == 0)
            n++;
    }
    k8sc_strv_free(ids);
    if (rc != 0) {
        k8sc_sandbox_status_list_free(list, n);
        return rc;
    }
    *out = list;
    *count = n;
    return 0;
}

int k8sc__runc_list_sandboxes(void *state, k8sc_sandbox_status ***out, size_t *count)
{
    return k8sc__runc_list_sandboxes_labeled(state, out, count, NULL, 0);
}

int k8sc__runc_sandbox_pause(runc *r, const char *id, runc_proc *pause, bool *host_network, char **cgroup_parent,
                             char **log_directory)
{
    json_object *rec = read_record(r, id);
    if (!rec)
        return k8sc_error_set(K8SC_ENOTFOUND, "sandbox %s not found", id);
    record_pause(rec, pause);
    int rc = 0;
    if (!json_object_get_boolean(k8sc__json_member(rec, "ready")) || !k8sc__runc_proc_alive(pause))
        rc = k8sc_error_set(K8SC_EINVAL, "sandbox %s is not ready", id);
    *host_network = json_object_get_boolean(k8sc__json_member(rec, "hostNetwork"));
    *cgroup_parent = rc == 0 ? dup_member(rec, "cgroupParent") : NULL;
    *log_directory = rc == 0 ? dup_member(rec, "logDirectory") : NULL;
    if (rc == 0 && (!*cgroup_parent || !*log_directory)) {
        free(*cgroup_parent);
        free(*log_directory);
        rc = K8SC_ENOMEM;
    }
    json_object_put(rec);
    return rc;
}
