/* Opening runtimes by name and checking arguments before the backend sees them. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cni_internal.h"
#include "internal.h"
#include "runtime_internal.h"

struct k8sc_runtime {
    const k8sc_runtime_backend *backend;
    void *state;
    k8sc_clock *clock;
    char *cni_conf_dir; /* NULL: no pod network */
};

#define MAX_BACKENDS 16

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static const k8sc_runtime_backend *registered[MAX_BACKENDS];
static const k8sc_runtime_backend *const builtin[] = {
    &k8sc__runtime_fake,
    &k8sc__runtime_runc,
    &k8sc__runtime_docker,
};

int k8sc_runtime_backend_register(const k8sc_runtime_backend *backend)
{
    K8SC__CHECK_ARG(backend && backend->name && backend->name[0]);
    if (backend->version < 1 || backend->version > K8SC_RUNTIME_BACKEND_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "runtime backend %s: unknown table version %u", backend->name,
                              backend->version);
    int rc = 0;
    pthread_mutex_lock(&registry_lock);
    size_t i = 0;
    while (i < MAX_BACKENDS && registered[i] && strcmp(registered[i]->name, backend->name) != 0)
        i++;
    if (i < MAX_BACKENDS)
        registered[i] = backend;
    else
        rc = k8sc_error_set(K8SC_ERANGE, "runtime backend %s: too many backends registered", backend->name);
    pthread_mutex_unlock(&registry_lock);
    return rc;
}

static const k8sc_runtime_backend *find_backend(const char *name)
{
    const k8sc_runtime_backend *found = NULL;
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < MAX_BACKENDS && registered[i] && !found; i++)
        if (strcmp(registered[i]->name, name) == 0)
            found = registered[i];
    pthread_mutex_unlock(&registry_lock);
    for (size_t i = 0; i < K8SC__ARRAY_LEN(builtin) && !found; i++)
        if (strcmp(builtin[i]->name, name) == 0)
            found = builtin[i];
    return found;
}

int k8sc_runtime_options_init(k8sc_runtime_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts);
    if (version != K8SC_RUNTIME_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_runtime_options: unknown version %u", version);
    k8sc_runtime_options init = K8SC_RUNTIME_OPTIONS_INIT;
    *opts = init;
    return 0;
}

int k8sc_runtime_open(k8sc_runtime **out, const char *name, const k8sc_runtime_options *opts)
{
    K8SC__CHECK_ARG(out && name);
    *out = NULL;
    k8sc_runtime_options defaults = K8SC_RUNTIME_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    if (opts->version != K8SC_RUNTIME_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_runtime_options: unknown version %u", opts->version);
    const k8sc_runtime_backend *backend = find_backend(name);
    if (!backend)
        return k8sc_error_set(K8SC_ENOTFOUND, "unknown container runtime \"%s\" (known: fake, runc, docker)",
                              name);
    k8sc_runtime *rt = k8sc__calloc(1, sizeof(*rt));
    if (!rt)
        return K8SC_ENOMEM;
    rt->backend = backend;
    rt->clock = opts->clock ? opts->clock : k8sc_clock_system();
    if (opts->cni_conf_dir && !(rt->cni_conf_dir = k8sc__strdup(opts->cni_conf_dir))) {
        free(rt);
        return K8SC_ENOMEM;
    }
    int rc = backend->open(&rt->state, rt, opts);
    if (rc != 0) {
        free(rt->cni_conf_dir);
        free(rt);
        return rc;
    }
    *out = rt;
    return 0;
}

void k8sc_runtime_close(k8sc_runtime *rt)
{
    if (!rt)
        return;
    rt->backend->close(rt->state);
    free(rt->cni_conf_dir);
    free(rt);
}

int k8sc_runtime_network_ready(k8sc_runtime *rt)
{
    K8SC__CHECK_ARG(rt);
    return rt->cni_conf_dir ? k8sc__cni_status(rt->cni_conf_dir) : 0;
}

const char *k8sc_runtime_name(const k8sc_runtime *rt)
{
    return rt ? rt->backend->name : NULL;
}

k8sc_clock *k8sc_runtime_backend_clock(const k8sc_runtime *rt)
{
    return rt && rt->clock ? rt->clock : k8sc_clock_system();
}

void *k8sc_runtime_backend_state(const k8sc_runtime *rt, const k8sc_runtime_backend *backend)
{
    return rt && rt->backend == backend ? rt->state : NULL;
}

static int unsupported(const k8sc_runtime *rt, const char *what)
{
    return k8sc_error_set(K8SC_EUNAVAILABLE, "container runtime %s cannot %s", rt->backend->name, what);
}

int k8sc_runtime_version(const k8sc_runtime *rt, char **out)
{
    K8SC__CHECK_ARG(rt && out);
    *out = NULL;
    return rt->backend->runtime_version(rt->state, out);
}

static int check_sandbox_config(const k8sc_sandbox_config *c)
{
    if (!c)
        return k8sc_error_set(K8SC_EINVAL, "sandbox config: NULL");
    if (c->version != K8SC_SANDBOX_CONFIG_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "sandbox config: unknown version %u", c->version);
    if (!c->name || !c->name[0] || !c->namespace_ || !c->namespace_[0] || !c->uid || !c->uid[0])
        return k8sc_error_set(K8SC_EINVAL, "sandbox config: name, namespace and uid are required");
    if (!c->log_directory || c->log_directory[0] != '/')
        return k8sc_error_set(K8SC_EINVAL, "sandbox config: log_directory must be an absolute path");
    if ((c->n_labels && !c->labels) || (c->n_annotations && !c->annotations))
        return k8sc_error_set(K8SC_EINVAL, "sandbox config: labels or annotations missing");
    return 0;
}

static int check_container_config(const k8sc_container_config *c)
{
    if (!c)
        return k8sc_error_set(K8SC_EINVAL, "container config: NULL");
    if (c->version != K8SC_CONTAINER_CONFIG_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "container config: unknown version %u", c->version);
    if (!c->name || !c->name[0] || !c->image || !c->image[0])
        return k8sc_error_set(K8SC_EINVAL, "container config: name and image are required");
    if (!c->log_path || !c->log_path[0] || c->log_path[0] == '/' || strstr(c->log_path, ".."))
        return k8sc_error_set(K8SC_EINVAL, "container config: log_path must be relative, inside the log directory");
    if ((c->n_command && !c->command) || (c->n_args && !c->args) || (c->n_envs && !c->envs) ||
        (c->n_mounts && !c->mounts) || (c->n_labels && !c->labels) || (c->n_annotations && !c->annotations) ||
        (c->n_add_capabilities && !c->add_capabilities) || (c->n_drop_capabilities && !c->drop_capabilities))
        return k8sc_error_set(K8SC_EINVAL, "container config: an array is missing its elements");
    for (size_t i = 0; i < c->n_mounts; i++)
        if (!c->mounts[i].container_path || c->mounts[i].container_path[0] != '/' || !c->mounts[i].host_path)
            return k8sc_error_set(K8SC_EINVAL, "container config: mount %zu needs absolute paths", i);
    return 0;
}

int k8sc_runtime_run_sandbox(k8sc_runtime *rt, char **out, const k8sc_sandbox_config *config)
{
    K8SC__CHECK_ARG(rt && out);
    *out = NULL;
    int rc = check_sandbox_config(config);
    return rc ? rc : rt->backend->run_sandbox(rt->state, out, config);
}

int k8sc_runtime_stop_sandbox(k8sc_runtime *rt, const char *id)
{
    K8SC__CHECK_ARG(rt && id);
    return rt->backend->stop_sandbox(rt->state, id);
}

int k8sc_runtime_remove_sandbox(k8sc_runtime *rt, const char *id)
{
    K8SC__CHECK_ARG(rt && id);
    return rt->backend->remove_sandbox(rt->state, id);
}

int k8sc_runtime_sandbox_status(k8sc_runtime *rt, k8sc_sandbox_status **out, const char *id)
{
    K8SC__CHECK_ARG(rt && out && id);
    *out = NULL;
    return rt->backend->sandbox_status(rt->state, out, id);
}

int k8sc_runtime_list_sandboxes(k8sc_runtime *rt, k8sc_sandbox_status ***out, size_t *count)
{
    K8SC__CHECK_ARG(rt && out && count);
    *out = NULL;
    *count = 0;
    return rt->backend->list_sandboxes(rt->state, out, count);
}

bool k8sc__runtime_labels_match(const k8sc_runtime_pair *want, size_t n,
                                const char *(*get)(const void *src, const char *name), const void *src)
{
    for (size_t i = 0; i < n; i++) {
        const char *v = get(src, want[i].name);
        if (!v || strcmp(v, want[i].value ? want[i].value : "") != 0)
            return false;
    }
    return true;
}

static const char *pair_label(const void *src, const char *name)
{
    const k8sc_sandbox_status *st = src;
    return k8sc_runtime_pair_get(st->labels, st->n_labels, name);
}

int k8sc_runtime_list_sandboxes_labeled(k8sc_runtime *rt, k8sc_sandbox_status ***out, size_t *count,
                                        const k8sc_runtime_pair *labels, size_t n_labels)
{
    K8SC__CHECK_ARG(rt && out && count && (labels || n_labels == 0));
    for (size_t i = 0; i < n_labels; i++)
        K8SC__CHECK_ARG(labels[i].name);
    *out = NULL;
    *count = 0;
    if (rt->backend->version >= 3 && rt->backend->list_sandboxes_labeled)
        return rt->backend->list_sandboxes_labeled(rt->state, out, count, labels, n_labels);
    k8sc_sandbox_status **list = NULL;
    size_t n = 0, kept = 0;
    int rc = rt->backend->list_sandboxes(rt->state, &list, &n);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (k8sc__runtime_labels_match(labels, n_labels, pair_label, list[i]))
            list[kept++] = list[i];
        else
            k8sc_sandbox_status_free(list[i]);
    }
    *out = list;
    *count = kept;
    return 0;
}

int k8sc_runtime_create_container(k8sc_runtime *rt, char **out, const char *sandbox_id,
                                  const k8sc_container_config *config, const k8sc_sandbox_config *sandbox)
{
    K8SC__CHECK_ARG(rt && out && sandbox_id);
    *out = NULL;
    int rc = check_sandbox_config(sandbox);
    if (rc == 0)
        rc = check_container_config(config);
    return rc ? rc : rt->backend->create_container(rt->state, out, sandbox_id, config, sandbox);
}

int k8sc_runtime_start_container(k8sc_runtime *rt, const char *id)
{
    K8SC__CHECK_ARG(rt && id);
    return rt->backend->start_container(rt->state, id);
}

int k8sc_runtime_stop_container(k8sc_runtime *rt, const char *id, int64_t timeout_s)
{
    K8SC__CHECK_ARG(rt && id && timeout_s >= 0);
    return rt->backend->stop_container(rt->state, id, timeout_s);
}

int k8sc_runtime_remove_container(k8sc_runtime *rt, const char *id)
{
    K8SC__CHECK_ARG(rt && id);
    return rt->backend->remove_container(rt->state, id);
}

int k8sc_runtime_container_status(k8sc_runtime *rt, k8sc_container_status **out, const char *id)
{
    K8SC__CHECK_ARG(rt && out && id);
    *out = NULL;
    return rt->backend->container_status(rt->state, out, id);
}

int k8sc_runtime_list_containers(k8sc_runtime *rt, k8sc_container_status ***out, size_t *count,
                                 const char *sandbox_id)
{
    K8SC__CHECK_ARG(rt && out && count);
    *out = NULL;
    *count = 0;
    return rt->backend->list_containers(rt->state, out, count, sandbox_id);
}

int k8sc_runtime_container_stats(k8sc_runtime *rt, k8sc_container_stats *out, const char *id)
{
    K8SC__CHECK_ARG(rt && out && id);
    memset(out, 0, sizeof(*out));
    if (!rt->backend->container_stats)
        return unsupported(rt, "report container stats");
    return rt->backend->container_stats(rt->state, out, id);
}

int k8sc_runtime_list_images(k8sc_runtime *rt, k8sc_image ***out, size_t *count)
{
    K8SC__CHECK_ARG(rt && out && count);
    *out = NULL;
    *count = 0;
    return rt->backend->list_images(rt->state, out, count);
}

int k8sc_runtime_image_status(k8sc_runtime *rt, k8sc_image **out, const char *ref)
{
    K8SC__CHECK_ARG(rt && out && ref && ref[0]);
    *out = NULL;
    return rt->backend->image_status(rt->state, out, ref);
}

int k8sc_runtime_pull_image(k8sc_runtime *rt, const char *ref)
{
    K8SC__CHECK_ARG(rt && ref && ref[0]);
    if (!rt->backend->pull_image)
        return k8sc_error_set(K8SC_EUNAVAILABLE, "cannot pull image \"%s\": container runtime %s has no registry access",
                              ref, rt->backend->name);
    return rt->backend->pull_image(rt->state, ref);
}

int k8sc_runtime_remove_image(k8sc_runtime *rt, const char *ref)
{
    K8SC__CHECK_ARG(rt && ref && ref[0]);
    if (!rt->backend->remove_image)
        return unsupported(rt, "remove images");
    return rt->backend->remove_image(rt->state, ref);
}

int k8sc_runtime_import_image(k8sc_runtime *rt, char ***out, const char *path)
{
    K8SC__CHECK_ARG(rt && path);
    if (out)
        *out = NULL;
    if (!rt->backend->import_image)
        return unsupported(rt, "import images");
    char **names = NULL;
    int rc = rt->backend->import_image(rt->state, &names, path);
    if (rc == 0 && out)
        *out = names;
    else
        k8sc_strv_free(names);
    return rc;
}

int k8sc__runtime_exec_begin(k8sc_runtime *rt, k8sc_runtime_exec *ex, const char *id, const k8sc_exec_options *opts)
{
    if (!rt->backend->exec_start)
        return unsupported(rt, "exec in containers");
    return rt->backend->exec_start(rt->state, ex, id, opts);
}

int k8sc__runtime_attach_begin(k8sc_runtime *rt, k8sc_runtime_exec *ex, const char *id, const k8sc_attach_options *opts)
{
    /* A version-1 table ends before `attach`: never read past it. */
    if (rt->backend->version < 2 || !rt->backend->attach)
        return unsupported(rt, "attach to containers");
    return rt->backend->attach(rt->state, ex, id, opts);
}
