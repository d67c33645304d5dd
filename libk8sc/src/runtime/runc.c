/*
 * The runc runtime backend: pod sandboxes are pause processes holding
 * the pod's namespaces, containers are OCI bundles run by `runc` under a
 * monitor process each (runc_monitor.c), images come from the node image
 * store. Everything is kept on disk under the root directory
 * (runc_state.c), so a new handle on the same directory sees what an
 * earlier one made. This file: open/close, version, images, the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image_internal.h"
#include "internal.h"
#include "runc_internal.h"

#define DEFAULT_ROOT "/var/lib/k8sc/runtime"

/* The absolute path of `prog` (searched in PATH when it has no '/'), or NULL. */
static char *find_program(const char *prog)
{
    if (strchr(prog, '/'))
        return access(prog, X_OK) == 0 ? k8sc__strdup(prog) : NULL;
    const char *path = getenv("PATH");
    k8sc__buf dirs = K8SC__BUF_INIT;
    k8sc__buf_printf(&dirs, "%s:/usr/local/sbin:/usr/sbin:/sbin", path ? path : "/usr/local/bin:/usr/bin:/bin");
    if (k8sc__buf_status(&dirs))
        return NULL;
    char *found = NULL;
    char *save = NULL;
    for (char *d = strtok_r(dirs.ptr, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        k8sc__buf full = K8SC__BUF_INIT;
        k8sc__buf_printf(&full, "%s/%s", d, prog);
        if (!k8sc__buf_status(&full) && access(full.ptr, X_OK) == 0)
            found = k8sc__buf_detach(&full, NULL);
        k8sc__buf_free(&full);
    }
    k8sc__buf_free(&dirs);
    return found;
}

static void runc_close(void *state)
{
    runc *r = state;
    if (!r)
        return;
    k8sc__runc_spawner_close(r->spawner);
    k8sc__runc_records_free(r->records);
    k8sc_image_store_close(r->images);
    k8sc__cni_fini(&r->cni);
    free(r->root_dir);
    if (r->runc_fd >= 0)
        close(r->runc_fd);
    free(r->runc_exe);
    free(r->runc_path);
    free(r->runc_root);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static int runc_open(void **state, k8sc_runtime *rt, const k8sc_runtime_options *opts)
{
    runc *r = k8sc__calloc(1, sizeof(*r));
    if (!r)
        return K8SC_ENOMEM;
    pthread_mutex_init(&r->lock, NULL);
    r->runc_fd = -1;
    r->run_timeout_ms = K8SC__RUNC_RUN_TIMEOUT_MS;
    r->clock = k8sc_runtime_backend_clock(rt);
    const char *prog = opts->runc_path ? opts->runc_path : "runc";
    r->runc_path = find_program(prog);
    if (!r->runc_path) {
        runc_close(r);
        return k8sc_error_set(K8SC_EUNAVAILABLE, "runc not found (looked for \"%s\")", prog);
    }
    r->runc_fd = k8sc__runc_sealed_copy(r->runc_path);
    char fd_path[32];
    snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", r->runc_fd);
    r->runc_exe = k8sc__strdup(r->runc_fd >= 0 ? fd_path : r->runc_path);
    r->root_dir = k8sc__strdup(opts->root_dir ? opts->root_dir : DEFAULT_ROOT);
    r->runc_root = opts->runc_root ? k8sc__strdup(opts->runc_root) : r->root_dir ? k8sc__runc_path(r->root_dir, "runc")
                                                                                   : NULL;
    char *images = opts->image_dir ? k8sc__strdup(opts->image_dir)
                   : r->root_dir   ? k8sc__runc_path(r->root_dir, "images")
                                   : NULL;
    char *sandboxes = r->root_dir ? k8sc__runc_path(r->root_dir, "sandboxes") : NULL;
    char *containers = r->root_dir ? k8sc__runc_path(r->root_dir, "containers") : NULL;
    int rc = !r->root_dir || !r->runc_root || !r->runc_exe || !images || !sandboxes || !containers ? K8SC_ENOMEM : 0;
    if (rc == 0)
        rc = k8sc__mkdirs(sandboxes, 0700);
    if (rc == 0)
        rc = k8sc__mkdirs(containers, 0700);
    if (rc == 0)
        r->overlay = k8sc__image_overlay_works(containers);
    if (rc == 0)
        rc = k8sc__mkdirs(r->runc_root, 0700);
    if (rc == 0)
        rc = k8sc_image_store_open(&r->images, images);
    if (rc == 0)
        rc = k8sc__cni_init(&r->cni, opts, r->root_dir);
    if (rc == 0)
        rc = k8sc__runc_records_new(&r->records);
    if (rc == 0)
        rc = k8sc__runc_spawner_open(&r->spawner, r->runc_fd);
    free(images);
    free(sandboxes);
    free(containers);
    if (rc != 0) {
        runc_close(r);
        return rc;
    }
    *state = r;
    return 0;
}

static int runc_version(void *state, char **out)
{
    runc *r = state;
    const char *args[] = { "--version", NULL };
    char *text = NULL;
    int rc = k8sc__runc_run(r, args, &text);
    if (rc < 0)
        return rc;
    const char *v = text ? strstr(text, "runc version ") : NULL;
    if (rc != 0 || !v) {
        free(text);
        return k8sc_error_set(K8SC_EIO, "%s --version failed", r->runc_path);
    }
    v += strlen("runc version ");
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_puts(&b, "runc://");
    k8sc__buf_put(&b, v, strcspn(v, " \n"));
    free(text);
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        return K8SC_ENOMEM;
    }
    *out = k8sc__buf_detach(&b, NULL);
    return 0;
}

static int runc_list_images(void *state, k8sc_image ***out, size_t *count)
{
    runc *r = state;
    return k8sc_image_store_list(r->images, out, count);
}

static int runc_image_status(void *state, k8sc_image **out, const char *ref)
{
    runc *r = state;
    return k8sc_image_store_get(r->images, out, ref);
}

static int runc_remove_image(void *state, const char *ref)
{
    runc *r = state;
    k8sc_image *img = NULL;
    int rc = k8sc_image_store_get(r->images, &img, ref);
    if (rc != 0)
        return rc;
    k8sc_container_status **list = NULL;
    size_t n = 0;
    rc = k8sc__runc_list_containers(r, &list, &n, NULL);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (list[i]->image_id && strcmp(list[i]->image_id, img->id) == 0)
            rc = k8sc_error_set(K8SC_EINVAL, "image \"%s\" is in use by container %s", ref, list[i]->id);
    k8sc_container_status_list_free(list, n);
    k8sc_image_free(img);
    return rc != 0 ? rc : k8sc_image_store_remove(r->images, ref);
}

static int runc_import_image(void *state, char ***out, const char *path)
{
    runc *r = state;
    return k8sc_image_store_import(r->images, out, path);
}

const k8sc_runtime_backend k8sc__runtime_runc = {
    .version = K8SC_RUNTIME_BACKEND_VERSION,
    .name = "runc",
    .open = runc_open,
    .close = runc_close,
    .runtime_version = runc_version,
    .run_sandbox = k8sc__runc_run_sandbox,
    .stop_sandbox = k8sc__runc_stop_sandbox,
    .remove_sandbox = k8sc__runc_remove_sandbox,
    .sandbox_status = k8sc__runc_sandbox_status,
    .list_sandboxes = k8sc__runc_list_sandboxes,
    .create_container = k8sc__runc_create_container,
    .start_container = k8sc__runc_start_container,
    .stop_container = k8sc__runc_stop_container,
    .remove_container = k8sc__runc_remove_container,
    .container_status = k8sc__runc_container_status,
    .list_containers = k8sc__runc_list_containers,
    .container_stats = k8sc__runc_container_stats,
    .exec_start = k8sc__runc_exec_start,
    .list_images = runc_list_images,
    .image_status = runc_image_status,
    .remove_image = runc_remove_image,
    .import_image = runc_import_image,
    .attach = k8sc__runc_attach,
    .list_sandboxes_labeled = k8sc__runc_list_sandboxes_labeled,
};
