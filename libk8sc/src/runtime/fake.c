/*
 * The fake runtime: sandboxes and containers in memory, time from the
 * runtime's clock. A container runs until stopped, until the script for
 * its image (k8sc_runtime_fake_script) ends it, or as its command says:
 * `true` and `false` exit at once (0, 1), `sleep N` after N seconds,
 * `sh -c "exit N"` at once with N. Exec knows three
 * commands: `true`, `false` and `echo ARGS…`; anything else exits 126.
 * Attach echoes its stdin back on stdout (without stdin: the container's
 * "started <name>" line, then end of file).
 * Each started container writes one CRI log line ("started <name>") to
 * its log file when the log directory can be created. With a pod network
 * (cni_conf_dir), sandboxes not on the host's network are ADDed to it
 * like any runtime's, without a network namespace (CNI_NETNS empty): for
 * test plugins that only report an address.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni_internal.h"
#include "internal.h"
#include "runtime_internal.h"

typedef struct fake_sandbox {
    k8sc_sandbox_status *st;
    bool network; /* attached to the pod network */
    bool removed; /* freed by the next sweep */
} fake_sandbox;

typedef struct fake_container {
    k8sc_container_status *st;
    int64_t exit_at; /* wall ns; 0: runs until stopped */
    int scripted_code;
    int64_t run_ns; /* from its command: how long it runs (-1: until stopped) */
    int command_code;
    bool removed;
} fake_container;

typedef struct fake_script {
    char *image;
    int exit_code;
    int64_t run_ns;
} fake_script;

typedef struct fake {
    pthread_mutex_t lock;
    k8sc_clock *clock;
    uint64_t next_id;
    fake_sandbox **sandboxes;
    size_t n_sandboxes;
    fake_container **containers;
    size_t n_containers;
    fake_script *scripts;
    size_t n_scripts;
    k8sc_image **images;
    size_t n_images;
    k8sc__cni cni;
} fake;

static int fake_open(void **state, k8sc_runtime *rt, const k8sc_runtime_options *opts)
{
    fake *f = k8sc__calloc(1, sizeof(*f));
    if (!f)
        return K8SC_ENOMEM;
    int rc = k8sc__cni_init(&f->cni, opts, opts->root_dir);
    if (rc != 0) {
        free(f);
        return rc;
    }
    pthread_mutex_init(&f->lock, NULL);
    f->clock = k8sc_runtime_backend_clock(rt);
    *state = f;
    return 0;
}

static void fake_close(void *state)
{
    fake *f = state;
    k8sc__cni_fini(&f->cni);
    for (size_t i = 0; i < f->n_sandboxes; i++) {
        k8sc_sandbox_status_free(f->sandboxes[i]->st);
        free(f->sandboxes[i]);
    }
    for (size_t i = 0; i < f->n_containers; i++) {
        k8sc_container_status_free(f->containers[i]->st);
        free(f->containers[i]);
    }
    for (size_t i = 0; i < f->n_scripts; i++)
        free(f->scripts[i].image);
    k8sc_image_list_free(f->images, f->n_images);
    free(f->sandboxes);
    free(f->containers);
    free(f->scripts);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

static int fake_version(void *state, char **out)
{
    (void)state;
    *out = k8sc__strdup("fake://" K8SC_VERSION);
    return *out ? 0 : K8SC_ENOMEM;
}

static char *new_id(fake *f)
{
    char id[65];
    uint64_t n = ++f->next_id;
    snprintf(id, sizeof(id), "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, n * (uint64_t)0x9e3779b97f4a7c15ULL,
             n, (uint64_t)(uintptr_t)f, n ^ (uint64_t)0xfeedfacecafebeefULL);
    return k8sc__strdup(id);
}

static fake_sandbox *find_sandbox(fake *f, const char *id)
{
    for (size_t i = 0; i < f->n_sandboxes; i++)
        if (!f->sandboxes[i]->removed && strcmp(f->sandboxes[i]->st->id, id) == 0)
            return f->sandboxes[i];
    return NULL;
}

static fake_container *find_container(fake *f, const char *id)
{
    for (size_t i = 0; i < f->n_containers; i++)
        if (!f->containers[i]->removed && strcmp(f->containers[i]->st->id, id) == 0)
            return f->containers[i];
    return NULL;
}

static int grow(void *arrayp, size_t n, size_t size)
{
    void **array = arrayp;
    void *p = k8sc__realloc(*array, (n + 1) * size);
    if (!p)
        return K8SC_ENOMEM;
    *array = p;
    return 0;
}

/* The container as of now: a scripted exit that is due has happened. */
static void settle(fake *f, fake_container *c)
{
    if (c->st->state != K8SC_CONTAINER_RUNNING || c->exit_at == 0 || k8sc_clock_now(f->clock) < c->exit_at)
        return;
    c->st->state = K8SC_CONTAINER_EXITED;
    c->st->finished_at = c->exit_at;
    c->st->exit_code = c->scripted_code;
    c->st->reason = k8sc__strdup(c->scripted_code == 0 ? "Completed" : "Error");
}

static void pod_of(k8sc__cni_pod *pod, const k8sc_sandbox_status *st)
{
    memset(pod, 0, sizeof(*pod));
    pod->container_id = st->id;
    pod->pod_namespace = st->namespace_;
    pod->pod_name = st->name;
    pod->pod_uid = st->uid;
}

/* DEL a sandbox from the pod network if it is attached; its address goes. */
static int detach_locked(fake *f, fake_sandbox *s)
{
    if (!s->network)
        return 0;
    k8sc__cni_pod pod;
    pod_of(&pod, s->st);
    int rc = k8sc__cni_del(&f->cni, &pod);
    if (rc == 0) {
        s->network = false;
        free(s->st->ip);
        s->st->ip = NULL;
    }
    return rc;
}

static int fake_run_sandbox(void *state, char **out, const k8sc_sandbox_config *cfg)
{
    fake *f = state;
    fake_sandbox *s = k8sc__calloc(1, sizeof(*s));
    if (!s || !(s->st = k8sc__calloc(1, sizeof(*s->st)))) {
        free(s);
        return K8SC_ENOMEM;
    }
    pthread_mutex_lock(&f->lock);
    s->st->id = new_id(f);
    s->st->name = k8sc__strdup(cfg->name);
    s->st->namespace_ = k8sc__strdup(cfg->namespace_);
    s->st->uid = k8sc__strdup(cfg->uid);
    s->st->attempt = cfg->attempt;
    s->st->state = K8SC_SANDBOX_READY;
    s->st->created_at = k8sc_clock_now(f->clock);
    int rc = k8sc__sandbox_status_fill(s->st, cfg);
    if (rc == 0 && (!s->st->id || !s->st->name || !s->st->namespace_ || !s->st->uid))
        rc = K8SC_ENOMEM;
    if (rc == 0)
        rc = grow(&f->sandboxes, f->n_sandboxes, sizeof(*f->sandboxes));
    if (rc == 0 && f->cni.conf_dir && !cfg->host_network && !cfg->netns_path) {
        k8sc__cni_pod pod;
        pod_of(&pod, s->st);
        pod.port_mappings = cfg->port_mappings;
        pod.n_port_mappings = cfg->n_port_mappings;
        rc = k8sc__cni_add(&f->cni, &s->st->ip, &pod);
        s->network = rc == 0;
    }
    if (rc == 0) {
        f->sandboxes[f->n_sandboxes++] = s;
        *out = k8sc__strdup(s->st->id);
        rc = *out ? 0 : K8SC_ENOMEM;
    } else {
        k8sc_sandbox_status_free(s->st);
        free(s);
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static void stop_locked(fake *f, fake_container *c, int code)
{
    settle(f, c);
    if (c->st->state == K8SC_CONTAINER_EXITED)
        return;
    bool started = c->st->state == K8SC_CONTAINER_RUNNING;
    c->st->state = K8SC_CONTAINER_EXITED;
    c->st->finished_at = k8sc_clock_now(f->clock);
    c->st->exit_code = started ? code : 0;
    free(c->st->reason);
    c->st->reason = k8sc__strdup(code == 0 ? "Completed" : "Error");
}

/* Free removed sandboxes and containers, keeping the others in order. */
static void sweep(fake *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n_containers; i++) {
        if (f->containers[i]->removed) {
            k8sc_container_status_free(f->containers[i]->st);
            free(f->containers[i]);
        } else {
            f->containers[n++] = f->containers[i];
        }
    }
    f->n_containers = n;
    n = 0;
    for (size_t i = 0; i < f->n_sandboxes; i++) {
        if (f->sandboxes[i]->removed) {
            k8sc_sandbox_status_free(f->sandboxes[i]->st);
            free(f->sandboxes[i]);
        } else {
            f->sandboxes[n++] = f->sandboxes[i];
        }
    }
    f->n_sandboxes = n;
}

static int fake_stop_sandbox(void *state, const char *id)
{
    fake *f = state;
    pthread_mutex_lock(&f->lock);
    fake_sandbox *s = find_sandbox(f, id);
    int rc = s ? 0 : k8sc_error_set(K8SC_ENOTFOUND, "sandbox %s not found", id);
    if (s) {
        s->st->state = K8SC_SANDBOX_NOTREADY;
        for (size_t i = 0; i < f->n_containers; i++)
            if (!f->containers[i]->removed && strcmp(f->containers[i]->st->sandbox_id, id) == 0)
                stop_locked(f, f->containers[i], 137);
        rc = detach_locked(f, s);
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static int fake_remove_sandbox(void *state, const char *id)
{
    fake *f = state;
    pthread_mutex_lock(&f->lock);
    fake_sandbox *s = find_sandbox(f, id);
    int rc = s ? detach_locked(f, s) : 0;
    if (s && rc == 0) {
        s->removed = true;
        for (size_t i = 0; i < f->n_containers; i++)
            if (strcmp(f->containers[i]->st->sandbox_id, id) == 0)
                f->containers[i]->removed = true;
        sweep(f);
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static k8sc_sandbox_status *sandbox_copy(const k8sc_sandbox_status *s)
{
    k8sc_sandbox_status *c = k8sc__calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->id = k8sc__strdup(s->id);
    c->name = k8sc__strdup(s->name);
    c->namespace_ = k8sc__strdup(s->namespace_);
    c->uid = k8sc__strdup(s->uid);
    c->attempt = s->attempt;
    c->state = s->state;
    c->created_at = s->created_at;
    c->n_labels = s->n_labels;
    c->n_annotations = s->n_annotations;
    c->ip = s->ip ? k8sc__strdup(s->ip) : NULL;
    if (!c->id || !c->name || !c->namespace_ || !c->uid || (s->ip && !c->ip) || k8sc__pairs_dup(&c->labels, s->labels, s->n_labels) ||
        k8sc__pairs_dup(&c->annotations, s->annotations, s->n_annotations)) {
        k8sc_sandbox_status_free(c);
        k8sc__error_nomem();
        return NULL;
    }
    return c;
}

static int fake_sandbox_status(void *state, k8sc_sandbox_status **out, const char *id)
{
    fake *f = state;
    pthread_mutex_lock(&f->lock);
    fake_sandbox *s = find_sandbox(f, id);
    int rc = !s ? k8sc_error_set(K8SC_ENOTFOUND, "sandbox %s not found", id)
                : (*out = sandbox_copy(s->st)) ? 0 : K8SC_ENOMEM;
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static int fake_list_sandboxes(void *state, k8sc_sandbox_status ***out, size_t *count)
{
    fake *f = state;
    pthread_mutex_lock(&f->lock);
    k8sc_sandbox_status **list = k8sc__calloc(f->n_sandboxes + 1, sizeof(*list));
    size_t n = 0;
    int rc = list ? 0 : K8SC_ENOMEM;
    for (size_t i = 0; rc == 0 && i < f->n_sandboxes; i++) {
        if (f->sandboxes[i]->removed)
            continue;
        if (!(list[n] = sandbox_copy(f->sandboxes[i]->st)))
            rc = K8SC_ENOMEM;
        else
            n++;
    }
    pthread_mutex_unlock(&f->lock);
    if (rc != 0) {
        k8sc_sandbox_status_list_free(list, n);
        return rc;
    }
    *out = list;
    *count = n;
    return 0;
}

static const fake_script *script_for(const fake *f, const char *image)
{
    for (size_t i = 0; i < f->n_scripts; i++)
        if (strcmp(f->scripts[i].image, image) == 0)
            return &f->scripts[i];
    return NULL;
}

/* The argv entry `i` of command + args, or NULL. */
static const char *arg_at(const k8sc_container_config *cfg, size_t i)
{
    if (i < cfg->n_command)
        return cfg->command[i];
    i -= cfg->n_command;
    return i < cfg->n_args ? cfg->args[i] : NULL;
}

/* What a command does in the fake runtime: `true`, `false`, `sleep N`, `sh -c "exit N"`; else runs until stopped. */
static void command_effect(const k8sc_container_config *cfg, int64_t *run_ns, int *code)
{
    *run_ns = -1;
    *code = 0;
    const char *a0 = arg_at(cfg, 0);
    if (!a0)
        return;
    const char *base = strrchr(a0, '/') ? strrchr(a0, '/') + 1 : a0;
    const char *a1 = arg_at(cfg, 1), *a2 = arg_at(cfg, 2);
    char *end;
    if (strcmp(base, "true") == 0) {
        *run_ns = 0;
    } else if (strcmp(base, "false") == 0) {
        *run_ns = 0;
        *code = 1;
    } else if (strcmp(base, "sleep") == 0 && a1) {
        double secs = strtod(a1, &end);
        if (end != a1 && *end == '\0' && secs >= 0 && secs < 1e9)
            *run_ns = (int64_t)(secs * 1e9);
    } else if ((strcmp(base, "sh") == 0 || strcmp(base, "bash") == 0) && a1 && strcmp(a1, "-c") == 0 && a2 &&
               strncmp(a2, "exit ", 5) == 0) {
        long n = strtol(a2 + 5, &end, 10);
        if (end != a2 + 5 && *end == '\0' && n >= 0 && n <= 255) {
            *run_ns = 0;
            *code = (int)n;
        }
    }
}

static int fake_create_container(void *state, char **out, const char *sandbox_id, const k8sc_container_config *cfg,
                                 const k8sc_sandbox_config *sandbox)
{
    fake *f = state;
    fake_container *c = k8sc__calloc(1, sizeof(*c));
    if (!c || !(c->st = k8sc__calloc(1, sizeof(*c->st)))) {
        free(c);
        return K8SC_ENOMEM;
    }
    pthread_mutex_lock(&f->lock);
    int rc = 0;
    fake_sandbox *s = find_sandbox(f, sandbox_id);
    if (!s)
        rc = k8sc_error_set(K8SC_ENOTFOUND, "sandbox %s not found", sandbox_id);
    else if (s->st->state != K8SC_SANDBOX_READY)
        rc = k8sc_error_set(K8SC_EINVAL, "sandbox %s is not ready", sandbox_id);
    if (rc == 0) {
        k8sc__buf path = K8SC__BUF_INIT;
        k8sc__buf_printf(&path, "%s/%s", sandbox->log_directory, cfg->log_path);
        c->st->log_path = k8sc__buf_detach(&path, NULL);
        c->st->id = new_id(f);
        c->st->sandbox_id = k8sc__strdup(sandbox_id);
        c->st->name = k8sc__strdup(cfg->name);
        c->st->attempt = cfg->attempt;
        c->st->state = K8SC_CONTAINER_CREATED;
        command_effect(cfg, &c->run_ns, &c->command_code);
        c->st->created_at = k8sc_clock_now(f->clock);
        c->st->image = k8sc__strdup(cfg->image);
        k8sc__buf iid = K8SC__BUF_INIT;
        k8sc__buf_puts(&iid, "sha256:");
        for (const char *p = cfg->image; *p && iid.len < 71; p++)
            k8sc__buf_printf(&iid, "%02x", (unsigned char)*p);
        c->st->image_id = k8sc__buf_detach(&iid, NULL);
        c->st->n_labels = cfg->n_labels;
        c->st->n_annotations = cfg->n_annotations;
        if (!c->st->log_path || !c->st->id || !c->st->sandbox_id || !c->st->name || !c->st->image || !c->st->image_id ||
            k8sc__pairs_dup(&c->st->labels, cfg->labels, cfg->n_labels) ||
            k8sc__pairs_dup(&c->st->annotations, cfg->annotations, cfg->n_annotations) ||
            grow(&f->containers, f->n_containers, sizeof(*f->containers)))
            rc = K8SC_ENOMEM;
    }
    if (rc == 0 && !(*out = k8sc__strdup(c->st->id)))
        rc = K8SC_ENOMEM;
    if (rc == 0) {
        f->containers[f->n_containers++] = c;
    } else {
        k8sc_container_status_free(c->st);
        free(c);
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

/* mkdir -p of the directory `path` is in (best effort: the log is only written if it can be). */
static void make_parents(const char *path)
{
    char *p = k8sc__strdup(path);
    char *slash = p ? strrchr(p, '/') : NULL;
    if (slash && slash != p) {
        *slash = '\0';
        k8sc__mkdirs(p, 0755);
    }
    free(p);
}

static void write_start_line(const fake_container *c, int64_t now)
{
    make_parents(c->st->log_path);
    int fd = open(c->st->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return;
    time_t secs = (time_t)(now / 1000000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char line[512];
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ stdout F started %s\n",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (int)(now % 1000000000), c->st->name);
    if (n > 0 && (size_t)n < sizeof(line) && write(fd, line, (size_t)n) < 0)
        k8sc_log(K8SC_LOG_DEBUG, "fake runtime: writing %s: %s", c->st->log_path, strerror(errno));
    close(fd);
}

static int fake_start_container(void *state, const char *id)
{
    fake *f = state;
    pthread_mutex_lock(&f->lock);
    fake_container *c = find_container(f, id);
    int rc = 0;
    if (!c)
        rc = k8sc_error_set(K8SC_ENOTFOUND, "container %s not found", id);
    else if (c->st->state != K8SC_CONTAINER_CREATED)
        rc = k8sc_error_set(K8SC_EINVAL, "container %s is not in the created state", id);
    if (rc == 0) {
        int64_t now = k8sc_clock_now(f->clock);
        c->st->state = K8SC_CONTAINER_RUNNING;
        c->st->started_at = now;
        const fake_script *sc = script_for(f, c->st->image);
        if (sc) {
            c->exit_at = now + (sc->run_ns > 0 ? sc->run_ns : 0);
            c->scripted_code = sc->exit_code;
        } else if (c->run_ns >= 0) {
            c->exit_at = now + c->run_ns;
            c->scripted_code = c->command_code;
        }
        write_start_line(c, now);
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static int fake_stop_container(void *state, const char *id, int64_t timeout_s)
{
    fake *f = state;
    pthread_mutex_lock(&f->lock);
    fake_container *c = find_container(f, id);
    if (c)
        stop_locked(f, c, timeout_s == 0 ? 137 : 143);
    pthread_mutex_unlock(&f->lock);
    return c ? 0 : k8sc_error_set(K8SC_ENOTFOUND, "container %s not found", id);
}

static int fake_remove_container(void *state, const char *id)
{
    fake *f = state;
    pthread_mutex_lock(&f->lock);
    fake_container *c = find_container(f, id);
    if (c) {
        c->removed = true;
        sweep(f);
    }
    pthread_mutex_unlock(&f->lock);
    return 0;
}

static k8sc_container_status *container_copy(const k8sc_container_status *s)
{
    k8sc_container_status *c = k8sc__calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    *c = *s;
    c->id = k8sc__strdup(s->id);
    c->sandbox_id = k8sc__strdup(s->sandbox_id);
    c->name = k8sc__strdup(s->name);
    c->reason = s->reason ? k8sc__strdup(s->reason) : NULL;
    c->message = NULL;
    c->image = k8sc__strdup(s->image);
    c->image_id = k8sc__strdup(s->image_id);
    c->log_path = k8sc__strdup(s->log_path);
    c->labels = c->annotations = NULL;
    if (!c->id || !c->sandbox_id || !c->name || (s->reason && !c->reason) || !c->image || !c->image_id ||
        !c->log_path || k8sc__pairs_dup(&c->labels, s->labels, s->n_labels) ||
        k8sc__pairs_dup(&c->annotations, s->annotations, s->n_annotations)) {
        k8sc_container_status_free(c);
        k8sc__error_nomem();
        return NULL;
    }
    return c;
}

static int fake_container_status(void *state, k8sc_container_status **out, const char *id)
{
    fake *f = state;
    pthread_mutex_lock(&f->lock);
    fake_container *c = find_container(f, id);
    int rc;
    if (!c) {
        rc = k8sc_error_set(K8SC_ENOTFOUND, "container %s not found", id);
    } else {
        settle(f, c);
        rc = (*out = container_copy(c->st)) ? 0 : K8SC_ENOMEM;
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static int fake_list_containers(void *state, k8sc_container_status ***out, size_t *count, const char *sandbox_id)
{
    fake *f = state;
    pthread_mutex_lock(&f->lock);
    k8sc_container_status **list = k8sc__calloc(f->n_containers + 1, sizeof(*list));
    size_t n = 0;
    int rc = list ? 0 : K8SC_ENOMEM;
    for (size_t i = 0; rc == 0 && i < f->n_containers; i++) {
        fake_container *c = f->containers[i];
        if (c->removed || (sandbox_id && strcmp(c->st->sandbox_id, sandbox_id) != 0))
            continue;
        settle(f, c);
        if (!(list[n] = container_copy(c->st)))
            rc = K8SC_ENOMEM;
        else
            n++;
    }
    pthread_mutex_unlock(&f->lock);
    if (rc != 0) {
        k8sc_container_status_list_free(list, n);
        return rc;
    }
    *out = list;
    *count = n;
    return 0;
}

static int fake_exec_wait(k8sc_runtime_exec *ex, int *exit_code, int timeout_ms)
{
    (void)timeout_ms;
    *exit_code = (int)(intptr_t)ex->state;
    return 0;
}

static int fake_exec_start(void *state, k8sc_runtime_exec *ex, const char *id, const k8sc_exec_options *opts)
{
    fake *f = state;
    pthread_mutex_lock(&f->lock);
    fake_container *c = find_container(f, id);
    if (c)
        settle(f, c);
    int rc = !c ? k8sc_error_set(K8SC_ENOTFOUND, "container %s not found", id)
         : c->st->state != K8SC_CONTAINER_RUNNING ? k8sc_error_set(K8SC_EINVAL, "container %s is not running", id)
                                                 : 0;
    pthread_mutex_unlock(&f->lock);
    if (rc != 0)
        return rc;
    const char *cmd = opts->command[0];
    int code = strcmp(cmd, "true") == 0 ? 0 : strcmp(cmd, "false") == 0 ? 1 : strcmp(cmd, "echo") == 0 ? 0 : 126;
    k8sc__buf text = K8SC__BUF_INIT;
    if (strcmp(cmd, "echo") == 0) {
        for (size_t i = 1; i < opts->n_command; i++)
            k8sc__buf_printf(&text, "%s%s", i > 1 ? " " : "", opts->command[i]);
        k8sc__buf_putc(&text, '\n');
    } else if (code == 126) {
        k8sc__buf_printf(&text, "%s: not found in the fake runtime\n", cmd);
    }
    int out_pipe[2], err_pipe[2], in_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
        k8sc__buf_free(&text);
        return k8sc_error_set(K8SC_EIO, "exec: pipe: %s", strerror(errno));
    }
    if (pipe2(err_pipe, O_CLOEXEC) != 0 || pipe2(in_pipe, O_CLOEXEC) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        k8sc__buf_free(&text);
        return k8sc_error_set(K8SC_EIO, "exec: pipe: %s", strerror(errno));
    }
    /* The text is short (under the pipe's capacity), so this never blocks. */
    int target = code == 126 && !opts->tty ? err_pipe[1] : out_pipe[1];
    if (text.len && write(target, text.ptr, text.len) < 0)
        rc = k8sc_error_set(K8SC_EIO, "exec: write: %s", strerror(errno));
    k8sc__buf_free(&text);
    close(out_pipe[1]);
    close(err_pipe[1]);
    close(in_pipe[0]);
    ex->fds[0] = in_pipe[1];
    ex->fds[1] = out_pipe[0];
    if (opts->tty)
        close(err_pipe[0]);
    else
        ex->fds[2] = err_pipe[0];
    ex->state = (void *)(intptr_t)code;
    ex->wait = fake_exec_wait;
    return rc;
}

static int fake_attach_wait(k8sc_runtime_exec *ex, int *exit_code, int timeout_ms)
{
    (void)ex;
    (void)timeout_ms;
    *exit_code = 0;
    return 0;
}

/* One pipe: what is written to stdin comes back on stdout, and closing stdin ends the output. */
static int fake_attach(void *state, k8sc_runtime_exec *ex, const char *id, const k8sc_attach_options *opts)
{
    fake *f = state;
    char line[300] = "";
    pthread_mutex_lock(&f->lock);
    fake_container *c = find_container(f, id);
    if (c)
        settle(f, c);
    int rc = !c ? k8sc_error_set(K8SC_ENOTFOUND, "container %s not found", id)
         : c->st->state != K8SC_CONTAINER_RUNNING ? k8sc_error_set(K8SC_EINVAL, "container %s is not running", id)
                                                 : 0;
    if (rc == 0)
        snprintf(line, sizeof(line), "started %s\n", c->st->name);
    pthread_mutex_unlock(&f->lock);
    if (rc != 0)
        return rc;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return k8sc_error_set(K8SC_EIO, "attach: pipe: %s", strerror(errno));
    if (!opts->stdin_) {
        /* Short (under the pipe's capacity): never blocks. */
        if (write(p[1], line, strlen(line)) < 0)
            rc = k8sc_error_set(K8SC_EIO, "attach: write: %s", strerror(errno));
        close(p[1]);
        p[1] = -1;
    }
    ex->fds[0] = p[1];
    ex->fds[1] = p[0];
    ex->wait = fake_attach_wait;
    return rc;
}

static int fake_list_images(void *state, k8sc_image ***out, size_t *count)
{
    fake *f = state;
    pthread_mutex_lock(&f->lock);
    k8sc_image **list = k8sc__calloc(f->n_images + 1, sizeof(*list));
    size_t n = 0;
    int rc = list ? 0 : K8SC_ENOMEM;
    for (; rc == 0 && n < f->n_images; n++)
        if (!(list[n] = k8sc__image_dup(f->images[n])))
            rc = K8SC_ENOMEM;
    pthread_mutex_unlock(&f->lock);
    if (rc != 0) {
        k8sc_image_list_free(list, n);
        return rc;
    }
    *out = list;
    *count = n;
    return 0;
}

static k8sc_image *find_image(fake *f, const char *name)
{
    for (size_t i = 0; i < f->n_images; i++)
        if (strcmp(f->images[i]->repo_tags[0], name) == 0 || strcmp(f->images[i]->id, name) == 0)
            return f->images[i];
    return NULL;
}

static int fake_image_status(void *state, k8sc_image **out, const char *ref)
{
    fake *f = state;
    char *name = NULL;
    if (k8sc_image_normalize(&name, ref) != 0)
        name = NULL;
    pthread_mutex_lock(&f->lock);
    k8sc_image *img = find_image(f, name ? name : ref);
    int rc = !img ? k8sc_error_set(K8SC_ENOTFOUND, "image \"%s\" not found", ref)
                  : (*out = k8sc__image_dup(img)) ? 0 : K8SC_ENOMEM;
    pthread_mutex_unlock(&f->lock);
    free(name);
    return rc;
}

/* Pulling always works: the fake registry has every image, 1 MiB each. */
static int fake_pull_image(void *state, const char *ref)
{
    fake *f = state;
    char *name;
    int rc = k8sc_image_normalize(&name, ref);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&f->lock);
    if (!find_image(f, name)) {
        k8sc_image *img = k8sc__calloc(1, sizeof(*img));
        k8sc__buf id = K8SC__BUF_INIT;
        k8sc__buf_puts(&id, "sha256:");
        uint64_t h = 1469598103934665603ULL;
        for (const char *p = name; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        for (int i = 0; i < 4; i++)
            k8sc__buf_printf(&id, "%016" PRIx64, h * (uint64_t)(i + 1));
        if (img) {
            img->id = k8sc__buf_detach(&id, NULL);
            img->repo_tags = k8sc__calloc(2, sizeof(char *));
            img->size = 1 << 20;
        }
        if (!img || !img->id || !img->repo_tags || grow(&f->images, f->n_images, sizeof(*f->images))) {
            k8sc_image_free(img);
            k8sc__buf_free(&id);
            rc = K8SC_ENOMEM;
        } else {
            img->repo_tags[0] = name;
            img->n_repo_tags = 1;
            name = NULL;
            f->images[f->n_images++] = img;
        }
    }
    pthread_mutex_unlock(&f->lock);
    free(name);
    return rc;
}

static int fake_remove_image(void *state, const char *ref)
{
    fake *f = state;
    char *name = NULL;
    if (k8sc_image_normalize(&name, ref) != 0)
        name = NULL;
    pthread_mutex_lock(&f->lock);
    k8sc_image *img = find_image(f, name ? name : ref);
    if (img) {
        size_t i = 0;
        while (f->images[i] != img)
            i++;
        memmove(&f->images[i], &f->images[i + 1], (f->n_images - i - 1) * sizeof(*f->images));
        f->n_images--;
        k8sc_image_free(img);
    }
    pthread_mutex_unlock(&f->lock);
    free(name);
    return img ? 0 : k8sc_error_set(K8SC_ENOTFOUND, "image \"%s\" not found", ref);
}

int k8sc_runtime_fake_script(k8sc_runtime *rt, const char *image, int exit_code, int64_t run_ns)
{
    K8SC__CHECK_ARG(image && image[0]);
    fake *f = k8sc_runtime_backend_state(rt, &k8sc__runtime_fake);
    if (!f)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_runtime_fake_script: not a fake runtime");
    pthread_mutex_lock(&f->lock);
    fake_script *sc = (fake_script *)script_for(f, image);
    int rc = 0;
    if (!sc) {
        char *copy = k8sc__strdup(image);
        if (!copy || grow(&f->scripts, f->n_scripts, sizeof(*f->scripts))) {
            free(copy);
            rc = K8SC_ENOMEM;
        } else {
            sc = &f->scripts[f->n_scripts++];
            sc->image = copy;
        }
    }
    if (sc) {
        sc->exit_code = exit_code;
        sc->run_ns = run_ns;
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

int k8sc_runtime_fake_exit(k8sc_runtime *rt, const char *id, int exit_code)
{
    K8SC__CHECK_ARG(id);
    fake *f = k8sc_runtime_backend_state(rt, &k8sc__runtime_fake);
    if (!f)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_runtime_fake_exit: not a fake runtime");
    pthread_mutex_lock(&f->lock);
    fake_container *c = find_container(f, id);
    if (c)
        stop_locked(f, c, exit_code);
    pthread_mutex_unlock(&f->lock);
    return c ? 0 : k8sc_error_set(K8SC_ENOTFOUND, "container %s not found", id);
}

const k8sc_runtime_backend k8sc__runtime_fake = {
    .version = K8SC_RUNTIME_BACKEND_VERSION,
    .name = "fake",
    .open = fake_open,
    .close = fake_close,
    .runtime_version = fake_version,
    .run_sandbox = fake_run_sandbox,
    .stop_sandbox = fake_stop_sandbox,
    .remove_sandbox = fake_remove_sandbox,
    .sandbox_status = fake_sandbox_status,
    .list_sandboxes = fake_list_sandboxes,
    .create_container = fake_create_container,
    .start_container = fake_start_container,
    .stop_container = fake_stop_container,
    .remove_container = fake_remove_container,
    .container_status = fake_container_status,
    .list_containers = fake_list_containers,
    .exec_start = fake_exec_start,
    .list_images = fake_list_images,
    .image_status = fake_image_status,
    .pull_image = fake_pull_image,
    .remove_image = fake_remove_image,
    .attach = fake_attach,
};
