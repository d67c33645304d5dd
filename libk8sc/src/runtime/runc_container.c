/*
 * Containers of the runc backend. Each has a directory
 * "<root>/containers/<id>" holding its bundle (config.json, rootfs), its
 * record (container.json, written by the library) and the exit record
 * its monitor writes when it ends ("exit"). Its root is an overlay of the
 * image's tree (layers "rootfs.upper" and "rootfs.work" beside it) that
 * the monitor mounts in a mount namespace of its own, or where overlays
 * do not work a copy of the tree.
 *
 * Its cgroup is "<cgroup parent>/<id>" on cgroup v1. On v2 it is
 * "<cgroup parent>/<id>/container": runc removes the leaf as soon as the
 * container ends, and the OOM-kill counter of the scope above it
 * outlives that for the monitor to read. remove_container removes both.
 */
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image_internal.h"
#include "internal.h"
#include "runc_internal.h"

#define KILL_WAIT_MS 10000
#define START_WAIT_MS 30000

/* Whether a container's record is of sandbox `arg`. */
static bool in_sandbox(json_object *rec, void *arg)
{
    const char *sb = k8sc__json_string(rec, "sandboxId");
    return sb && strcmp(sb, arg) == 0;
}

/* The record of container `id` (with its directory in *dir_out if not NULL), if in sandbox `sandbox_id` (NULL: any). */
static json_object *read_in(const runc *r, const char *id, char **dir_out, const char *sandbox_id)
{
    if (!id[0] || strchr(id, '/') || id[0] == '.')
        return NULL;
    char *dir = k8sc__runc_container_dir(r, id);
    char *path = dir ? k8sc__runc_path(dir, "container.json") : NULL;
    json_object *rec =
        path ? k8sc__runc_records_read(r->records, path, sandbox_id ? in_sandbox : NULL, (void *)sandbox_id) : NULL;
    free(path);
    if (rec && dir_out)
        *dir_out = dir;
    else
        free(dir);
    return rec;
}

static json_object *read_record(const runc *r, const char *id, char **dir_out)
{
    return read_in(r, id, dir_out, NULL);
}

static int write_record(const runc *r, const char *dir, json_object *rec)
{
    char *path = k8sc__runc_path(dir, "container.json");
    int rc = path ? k8sc__runc_records_write(r->records, path, rec) : K8SC_ENOMEM;
    free(path);
    return rc;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void put_string(json_object *o, const char *key, const char *value)
{
    if (value)
        json_object_object_add(o, key, json_object_new_string(value));
}

static char *join(const char *a, const char *sep, const char *b)
{
    k8sc__buf buf = K8SC__BUF_INIT;
    k8sc__buf_printf(&buf, "%s%s%s", a, sep, b);
    return k8sc__buf_status(&buf) ? NULL : k8sc__buf_detach(&buf, NULL);
}

/*
 * Make the container's root `rootfs` from the image's `tree`: with
 * overlays, an empty directory and the overlay's layers beside it,
 * *overlay its mount options (the monitor mounts it); otherwise a copy.
 */
static int make_root(const runc *r, const char *tree, const char *rootfs, char **overlay)
{
    if (mkdir(rootfs, 0755) != 0)
        return k8sc_error_set(K8SC_EIO, "mkdir %s: %s", rootfs, strerror(errno));
    if (r->overlay)
        *overlay = k8sc__image_overlay_options(tree, rootfs);
    return *overlay ? 0 : k8sc__copy_tree(tree, rootfs);
}

int k8sc__runc_create_container(void *state, char **out, const char *sandbox_id, const k8sc_container_config *cfg,
                                const k8sc_sandbox_config *sandbox)
{
    runc *r = state;
    runc_proc pause;
    bool host_network = false;
    char *cgroup_parent = NULL, *log_directory = NULL;
    int rc = k8sc__runc_sandbox_pause(r, sandbox_id, &pause, &host_network, &cgroup_parent, &log_directory);
    if (rc != 0)
        return rc;
    k8sc_image *img = NULL;
    rc = k8sc_image_store_get(r->images, &img, cfg->image);
    char *id = rc == 0 ? k8sc__runc_new_id() : NULL;
    char *dir = id ? k8sc__runc_container_dir(r, id) : NULL;
    char *rootfs = dir ? k8sc__runc_path(dir, "rootfs") : NULL;
    char *log_path = NULL, *cgroups_path = NULL, *scope = NULL;
    if (rc == 0 && !rootfs)
        rc = K8SC_ENOMEM;
    if (rc == 0) {
        log_path = log_directory[0] ? join(log_directory, "/", cfg->log_path) : join(dir, "/log/", cfg->log_path);
        k8sc__buf cg = K8SC__BUF_INIT;
        k8sc__buf_printf(&cg, "/%s/%s", cgroup_parent[0] == '/' ? cgroup_parent + 1 : cgroup_parent, id);
        scope = k8sc__buf_status(&cg) ? NULL : k8sc__buf_detach(&cg, NULL);
        /*
         * On v2 the container runs in "<scope>/container": runc removes that
         * cgroup when the container ends, and the monitor reads OOM kills from
         * the scope's hierarchical memory.events. On v1 the monitor watches
         * the container's own cgroup, so the scope level (a dozen more
         * cgroups to make and remove) is not needed.
         */
        const k8sc__cgroup_fs *fs = k8sc__cgroup_host();
        if (fs->v2) {
            cgroups_path = scope ? join(scope, "/", "container") : NULL;
        } else {
            cgroups_path = scope;
            scope = NULL;
            k8sc__cgroup_cpuset_prepare(fs, cgroups_path);
        }
        rc = log_path && cgroups_path ? k8sc__mkdirs(dir, 0700) : K8SC_ENOMEM;
    }
    if (rc == 0) {
        char *slash = strrchr(log_path, '/');
        *slash = '\0';
        rc = k8sc__mkdirs(log_path, 0755);
        *slash = '/';
    }
    char *tree = NULL, *overlay = NULL;
    if (rc == 0)
        rc = k8sc__image_store_tree(r->images, img->id, &tree);
    if (rc == 0)
        rc = make_root(r, tree, rootfs, &overlay);
    if (rc == 0)
        rc = k8sc__runc_spec_write(dir, cfg, sandbox, img, tree, pause.pid, host_network, cgroups_path);
    if (rc == 0) {
        json_object *rec = json_object_new_object();
        put_string(rec, "id", id);
        put_string(rec, "sandboxId", sandbox_id);
        put_string(rec, "name", cfg->name);
        json_object_object_add(rec, "attempt", json_object_new_int64(cfg->attempt));
        put_string(rec, "image", cfg->image);
        put_string(rec, "imageId", img->id);
        put_string(rec, "logPath", log_path);
        put_string(rec, "cgroupsPath", cgroups_path);
        put_string(rec, "cgroupScope", scope);
        put_string(rec, "overlay", overlay);
        put_string(rec, "stopSignal", img->stop_signal && img->stop_signal[0] ? img->stop_signal : "SIGTERM");
        json_object_object_add(rec, "memoryLimit", json_object_new_int64(cfg->memory_limit_bytes));
        json_object_object_add(rec, "tty", json_object_new_boolean(cfg->tty));
        json_object_object_add(rec, "stdin", json_object_new_boolean(cfg->stdin_));
        json_object_object_add(rec, "stdinOnce", json_object_new_boolean(cfg->stdin_once));
        json_object_object_add(rec, "createdAt", json_object_new_int64(k8sc_clock_now(r->clock)));
        json_object_object_add(rec, "labels", k8sc__runc_pairs_json(cfg->labels, cfg->n_labels));
        json_object_object_add(rec, "annotations", k8sc__runc_pairs_json(cfg->annotations, cfg->n_annotations));
        rc = write_record(r, dir, rec);
        json_object_put(rec);
    }
    if (rc != 0 && dir) {
        k8sc__runc_records_forget(r->records, dir);
        k8sc__runc_rmtree(dir);
    }
    if (rc == 0)
        *out = id;
    else
        free(id);
    k8sc_image_free(img);
    free(dir);
    free(rootfs);
    free(tree);
    free(overlay);
    free(log_path);
    free(cgroups_path);
    free(scope);
    free(cgroup_parent);
    free(log_directory);
    return rc;
}

typedef enum { PHASE_CREATED, PHASE_RUNNING, PHASE_EXITED } phase;

/* Where a container is, from its record, exit record and monitor. */
static phase container_phase(json_object *rec, const char *dir, runc_exit *e)
{
    if (k8sc__runc_exit_read(dir, e))
        return PHASE_EXITED;
    json_object *mon = k8sc__json_member(rec, "monitor");
    if (!mon)
        return PHASE_CREATED;
    runc_proc p = { (pid_t)json_object_get_int(k8sc__json_member(mon, "pid")),
                    (unsigned long long)json_object_get_uint64(k8sc__json_member(mon, "start")) };
    if (k8sc__runc_proc_alive(&p))
        return PHASE_RUNNING;
    /* The monitor may have written its record just before exiting. */
    if (k8sc__runc_exit_read(dir, e))
        return PHASE_EXITED;
    e->code = 255;
    e->finished_at = 0;
    e->oom = false;
    return PHASE_EXITED;
}

/* An inotify descriptor watching `dir` for files arriving (-1 if inotify is unavailable: then polled). */
static int watch_dir(const char *dir)
{
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd >= 0 && inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/*
 * Wait until runc has started the container's process (it writes the pid
 * file) or given up (the monitor writes the exit record), woken by
 * `watch` as files arrive in `dir`.
 */
static int wait_started(const char *dir, const char *id, int watch)
{
    char *pid_path = k8sc__runc_path(dir, "pid");
    if (!pid_path)
        return K8SC_ENOMEM;
    int64_t deadline = k8sc__mono_ms() + START_WAIT_MS;
    int rc = 0;
    runc_exit e;
    for (;;) {
        if (access(pid_path, F_OK) == 0)
            break;
        if (k8sc__runc_exit_read(dir, &e)) {
            rc = k8sc_error_set(K8SC_EIO, "container %s failed to start (runc exited with %d; its log says why)",
                                id, e.code);
            break;
        }
        int64_t left = deadline - k8sc__mono_ms();
        if (left <= 0)
            break;
        if (watch < 0) {
            sleep_ms(5);
            continue;
        }
        struct pollfd p = { watch, POLLIN, 0 };
        poll(&p, 1, (int)(left < 100 ? left : 100));
        char events[4096];
        while (read(watch, events, sizeof(events)) > 0)
            ;
    }
    free(pid_path);
    return rc;
}

int k8sc__runc_start_container(void *state, const char *id)
{
    runc *r = state;
    char *dir = NULL;
    pthread_mutex_lock(&r->lock);
    json_object *rec = read_record(r, id, &dir);
    int rc = 0;
    runc_exit e;
    if (!rec)
        rc = k8sc_error_set(K8SC_ENOTFOUND, "container %s not found", id);
    else if (container_phase(rec, dir, &e) != PHASE_CREATED)
        rc = k8sc_error_set(K8SC_EINVAL, "container %s is not in the created state", id);
    bool limited = rc == 0 && json_object_get_int64(k8sc__json_member(rec, "memoryLimit")) > 0;
    runc_proc mon;
    /* Watched from before the monitor starts, so the pid file's arrival cannot be missed. */
    int watch = rc == 0 ? watch_dir(dir) : -1;
    if (rc == 0) {
        runc_stdio stdio = { json_object_get_boolean(k8sc__json_member(rec, "tty")),
                             json_object_get_boolean(k8sc__json_member(rec, "stdin")),
                             json_object_get_boolean(k8sc__json_member(rec, "stdinOnce")) };
        json_object_object_add(rec, "startedAt", json_object_new_int64(k8sc_clock_now(r->clock)));
        rc = k8sc__runc_monitor_start(r, &mon, id, dir, k8sc__json_string(rec, "logPath"),
                                      limited ? k8sc__json_string(rec, "cgroupScope") : NULL,
                                      limited ? k8sc__json_string(rec, "cgroupsPath") : NULL,
                                      k8sc__json_string(rec, "overlay"), &stdio);
    }
    if (rc == 0) {
        json_object *m = json_object_new_object();
        json_object_object_add(m, "pid", json_object_new_int(mon.pid));
        json_object_object_add(m, "start", json_object_new_uint64(mon.start));
        json_object_object_add(rec, "monitor", m);
        rc = write_record(r, dir, rec);
    }
    pthread_mutex_unlock(&r->lock);
    if (rc == 0)
        rc = wait_started(dir, id, watch);
    if (watch >= 0)
        close(watch);
    json_object_put(rec);
    free(dir);
    return rc;
}

/* The signal number of "SIGTERM", "TERM" or "15"; SIGTERM when unknown. */
static const char *signal_arg(const char *name)
{
    static const char *const names[] = { "HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM", "STOP", "WINCH" };
    if (!name)
        return "TERM";
    const char *base = strncasecmp(name, "SIG", 3) == 0 ? name + 3 : name;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(names); i++)
        if (strcasecmp(base, names[i]) == 0)
            return names[i];
    char *end;
    long n = strtol(base, &end, 10);
    return *base && !*end && n > 0 && n < 65 ? base : "TERM";
}

static bool wait_exit(const char *dir, int ms)
{
    runc_exit e;
    for (int waited = 0; waited < ms; waited += 10) {
        if (k8sc__runc_exit_read(dir, &e))
            return true;
        sleep_ms(10);
    }
    return k8sc__runc_exit_read(dir, &e);
}

int k8sc__runc_stop_container(void *state, const char *id, int64_t timeout_s)
{
    runc *r = state;
    char *dir = NULL;
    json_object *rec = read_record(r, id, &dir);
    if (!rec)
        return k8sc_error_set(K8SC_ENOTFOUND, "container %s not found", id);
    runc_exit e;
    int rc = 0;
    if (container_phase(rec, dir, &e) == PHASE_RUNNING) {
        if (timeout_s > 0) {
            const char *args[] = { "kill", id, signal_arg(k8sc__json_string(rec, "stopSignal")), NULL };
            k8sc__runc_run(r, args, NULL);
        }
        int64_t grace_ms = timeout_s > 0 ? (timeout_s > 86400 ? 86400 : timeout_s) * 1000 : 0;
        if (!wait_exit(dir, (int)grace_ms)) {
            const char *args[] = { "kill", "--all", id, "KILL", NULL };
            /* runc may still be setting the container up: retry until it takes the signal. */
            for (int waited = 0; waited < KILL_WAIT_MS && !wait_exit(dir, 0); waited += 100) {
                k8sc__runc_run(r, args, NULL);
                if (wait_exit(dir, 100))
                    break;
            }
        }
        if (container_phase(rec, dir, &e) == PHASE_RUNNING)
            rc = k8sc_error_set(K8SC_EIO, "container %s did not stop", id);
    }
    json_object_put(rec);
    free(dir);
    return rc;
}

int k8sc__runc_remove_container(void *state, const char *id)
{
    runc *r = state;
    char *dir = NULL;
    json_object *rec = read_record(r, id, &dir);
    if (!rec)
        return 0;
    int rc = k8sc__runc_stop_container(r, id, 0);
    if (rc == 0) {
        const char *args[] = { "delete", "--force", id, NULL };
        k8sc__runc_run(r, args, NULL);
        const char *cg = k8sc__json_string(rec, "cgroupsPath"), *scope = k8sc__json_string(rec, "cgroupScope");
        const k8sc__cgroup_fs *fs = k8sc__cgroup_host();
        if (cg)
            k8sc__cgroup_remove(fs, cg);
        if (scope)
            k8sc__cgroup_remove(fs, scope);
        /* Only roots made before the monitors mounted them are mounted here. */
        char *rootfs = k8sc__runc_path(dir, "rootfs");
        if (rootfs)
            umount2(rootfs, MNT_DETACH);
        free(rootfs);
        k8sc__runc_records_forget(r->records, dir);
        k8sc__runc_rmtree(dir);
    }
    json_object_put(rec);
    free(dir);
    return rc;
}

static char *dup_member(json_object *rec, const char *key)
{
    const char *s = k8sc__json_string(rec, key);
    return k8sc__strdup(s ? s : "");
}

static int status_from(k8sc_container_status **out, json_object *rec, const char *dir)
{
    k8sc_container_status *st = k8sc__calloc(1, sizeof(*st));
    if (!st)
        return K8SC_ENOMEM;
    st->id = dup_member(rec, "id");
    st->sandbox_id = dup_member(rec, "sandboxId");
    st->name = dup_member(rec, "name");
    st->attempt = (uint32_t)json_object_get_int64(k8sc__json_member(rec, "attempt"));
    st->created_at = json_object_get_int64(k8sc__json_member(rec, "createdAt"));
    st->started_at = json_object_get_int64(k8sc__json_member(rec, "startedAt"));
    st->image = dup_member(rec, "image");
    st->image_id = dup_member(rec, "imageId");
    st->log_path = dup_member(rec, "logPath");
    runc_exit e;
    phase ph = container_phase(rec, dir, &e);
    bool ok = st->id && st->sandbox_id && st->name && st->image && st->image_id && st->log_path;
    if (ph == PHASE_CREATED) {
        st->state = K8SC_CONTAINER_CREATED;
    } else if (ph == PHASE_RUNNING) {
        st->state = K8SC_CONTAINER_RUNNING;
    } else {
        st->state = K8SC_CONTAINER_EXITED;
        st->exit_code = e.code;
        st->finished_at = e.finished_at ? e.finished_at : st->started_at;
        st->reason = k8sc__strdup(e.oom ? "OOMKilled" : e.code == 0 ? "Completed" : "Error");
        ok = ok && st->reason;
        if (e.finished_at == 0) {
            st->message = k8sc__strdup("the container's monitor ended without recording its exit");
            ok = ok && st->message;
        }
    }
    if (!ok || k8sc__runc_json_pairs(&st->labels, &st->n_labels, k8sc__json_member(rec, "labels")) ||
        k8sc__runc_json_pairs(&st->annotations, &st->n_annotations, k8sc__json_member(rec, "annotations"))) {
        k8sc_container_status_free(st);
        return K8SC_ENOMEM;
    }
    *out = st;
    return 0;
}

int k8sc__runc_container_status(void *state, k8sc_container_status **out, const char *id)
{
    runc *r = state;
    char *dir = NULL;
    json_object *rec = read_record(r, id, &dir);
    if (!rec)
        return k8sc_error_set(K8SC_ENOTFOUND, "container %s not found", id);
    int rc = status_from(out, rec, dir);
    json_object_put(rec);
    free(dir);
    return rc;
}

int k8sc__runc_list_containers(void *state, k8sc_container_status ***out, size_t *count, const char *sandbox_id)
{
    runc *r = state;
    char **ids;
    int rc = k8sc__runc_list_ids(r, "containers", &ids);
    if (rc != 0)
        return rc;
    size_t total = 0;
    while (ids[total])
        total++;
    k8sc_container_status **list = k8sc__calloc(total + 1, sizeof(*list));
    size_t n = 0;
    rc = list ? 0 : K8SC_ENOMEM;
    for (size_t i = 0; rc == 0 && i < total; i++) {
        char *dir = NULL;
        json_object *rec = read_in(r, ids[i], &dir, sandbox_id);
        /* No record: a container being made or removed right now, or one of another sandbox. */
        if (!rec)
            continue;
        rc = status_from(&list[n], rec, dir);
        if (rc == 0)
            n++;
        json_object_put(rec);
        free(dir);
    }
    k8sc_strv_free(ids);
    if (rc != 0) {
        k8sc_container_status_list_free(list, n);
        return rc;
    }
    *out = list;
    *count = n;
    return 0;
}

int k8sc__runc_container_stats(void *state, k8sc_container_stats *out, const char *id)
{
    runc *r = state;
    char *dir = NULL;
    json_object *rec = read_record(r, id, &dir);
    if (!rec)
        return k8sc_error_set(K8SC_ENOTFOUND, "container %s not found", id);
    runc_exit e;
    int rc = container_phase(rec, dir, &e) != PHASE_RUNNING
                 ? k8sc_error_set(K8SC_EINVAL, "container %s is not running", id)
                 : k8sc__cgroup_stats(k8sc__cgroup_host(), out, k8sc__json_string(rec, "cgroupsPath"));
    if (rc == 0)
        out->timestamp = k8sc_clock_now(r->clock);
    json_object_put(rec);
    free(dir);
    return rc;
}

int k8sc__runc_container_running(runc *r, const char *id)
{
    char *dir = NULL;
    json_object *rec = read_record(r, id, &dir);
    if (!rec)
        return k8sc_error_set(K8SC_ENOTFOUND, "container %s not found", id);
    runc_exit e;
    int rc = container_phase(rec, dir, &e) == PHASE_RUNNING
                 ? 0
                 : k8sc_error_set(K8SC_EINVAL, "container %s is not running", id);
    json_object_put(rec);
    free(dir);
    return rc;
}

int k8sc__runc_container_stdio(runc *r, const char *id, char **dir, runc_stdio *stdio)
{
    *dir = NULL;
    json_object *rec = read_record(r, id, dir);
    if (!rec)
        return k8sc_error_set(K8SC_ENOTFOUND, "container %s not found", id);
    runc_exit e;
    int rc = container_phase(rec, *dir, &e) == PHASE_RUNNING
                 ? 0
                 : k8sc_error_set(K8SC_EINVAL, "container %s is not running", id);
    stdio->tty = json_object_get_boolean(k8sc__json_member(rec, "tty"));
    stdio->stdin_ = json_object_get_boolean(k8sc__json_member(rec, "stdin"));
    stdio->stdin_once = json_object_get_boolean(k8sc__json_member(rec, "stdinOnce"));
    json_object_put(rec);
    if (rc != 0) {
        free(*dir);
        *dir = NULL;
    }
    return rc;
}
