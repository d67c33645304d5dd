/*
 * libk8sc runtime backends: the table a container runtime implements to
 * be opened by name through k8sc_runtime_open. Weaker stability promise
 * than runtime.h: the table is versioned and may grow.
 *
 * The generic layer checks arguments (non-NULL ids, configs with their
 * required fields and versions), builds exec_sync on exec_start, and
 * reads logs; a backend does the rest. Every entry is required unless
 * marked optional; an optional NULL entry makes the call fail with
 * EUNAVAILABLE ("<backend> cannot …"). Calls may come from many threads
 * at once.
 *
 * Versions: entries are only ever added at the end, and each addition
 * bumps K8SC_RUNTIME_BACKEND_VERSION. A table of an older version is
 * accepted and its later entries are treated as NULL (the generic layer
 * never reads past what the table's version has).
 *   1: up to import_image.
 *   2: attach.
 *   3: list_sandboxes_labeled.
 */
#ifndef K8SC_SYS_RUNTIME_BACKEND_H
#define K8SC_SYS_RUNTIME_BACKEND_H

#include "../runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define K8SC_RUNTIME_BACKEND_VERSION 3

/*
 * An exec session. The generic layer allocates it with every fd -1 and
 * frees it; the backend's exec_start fills in the fds it gives the
 * caller, `state` and the three operations.
 */
struct k8sc_runtime_exec {
    int fds[3]; /* stdin (write end), stdout, stderr (read ends); -1 if absent */
    void *state;
    /* Resize the terminal; optional (NULL: EINVAL). */
    int (*resize)(k8sc_runtime_exec *ex, uint16_t width, uint16_t height);
    /* As k8sc_runtime_exec_wait. */
    int (*wait)(k8sc_runtime_exec *ex, int *exit_code, int timeout_ms);
    /* Kill the command if still running and free `state`; the generic layer closes the fds. */
    void (*release)(k8sc_runtime_exec *ex);
};

typedef struct k8sc_runtime_backend {
    unsigned int version; /* K8SC_RUNTIME_BACKEND_VERSION */
    const char *name;     /* "runc", "docker", "fake", … */
    /* Open: set *state. `rt` is the handle being opened (for k8sc_runtime_backend_clock). */
    int (*open)(void **state, k8sc_runtime *rt, const k8sc_runtime_options *opts);
    /* Free the state; containers keep running. */
    void (*close)(void *state);
    /* As k8sc_runtime_version. */
    int (*runtime_version)(void *state, char **out);
    int (*run_sandbox)(void *state, char **out, const k8sc_sandbox_config *config);
    int (*stop_sandbox)(void *state, const char *id);
    int (*remove_sandbox)(void *state, const char *id);
    int (*sandbox_status)(void *state, k8sc_sandbox_status **out, const char *id);
    int (*list_sandboxes)(void *state, k8sc_sandbox_status ***out, size_t *count);
    int (*create_container)(void *state, char **out, const char *sandbox_id, const k8sc_container_config *config,
                            const k8sc_sandbox_config *sandbox);
    int (*start_container)(void *state, const char *id);
    int (*stop_container)(void *state, const char *id, int64_t timeout_s);
    int (*remove_container)(void *state, const char *id);
    int (*container_status)(void *state, k8sc_container_status **out, const char *id);
    int (*list_containers)(void *state, k8sc_container_status ***out, size_t *count, const char *sandbox_id);
    /* Optional. */
    int (*container_stats)(void *state, k8sc_container_stats *out, const char *id);
    /* Optional. Fill `ex` (see struct k8sc_runtime_exec). */
    int (*exec_start)(void *state, k8sc_runtime_exec *ex, const char *id, const k8sc_exec_options *opts);
    int (*list_images)(void *state, k8sc_image ***out, size_t *count);
    int (*image_status)(void *state, k8sc_image **out, const char *ref);
    /* Optional. */
    int (*pull_image)(void *state, const char *ref);
    /* Optional. */
    int (*remove_image)(void *state, const char *ref);
    /* Optional. */
    int (*import_image)(void *state, char ***out, const char *path);
    /* Version 2. Optional. Attach `ex` (as exec_start fills it) to container `id`'s stdio; see k8sc_runtime_attach. */
    int (*attach)(void *state, k8sc_runtime_exec *ex, const char *id, const k8sc_attach_options *opts);
    /*
     * Version 3. Optional (NULL: the generic layer filters list_sandboxes).
     * As k8sc_runtime_list_sandboxes_labeled; for a backend that can leave
     * other sandboxes out without making their statuses.
     */
    int (*list_sandboxes_labeled)(void *state, k8sc_sandbox_status ***out, size_t *count,
                                  const k8sc_runtime_pair *labels, size_t n_labels);
} k8sc_runtime_backend;

/*
 * Make `backend` openable by its name (replacing a previous one of that
 * name). The table is borrowed and must outlive its use. Built-in:
 * "fake", "runc", "docker". Versions 1 to K8SC_RUNTIME_BACKEND_VERSION are
 * accepted. EINVAL for a NULL table, a missing name or an unknown version.
 */
K8SC_EXTERN int k8sc_runtime_backend_register(const k8sc_runtime_backend *backend);

/* The clock the runtime was opened with (never NULL; the system clock by default). */
K8SC_EXTERN k8sc_clock *k8sc_runtime_backend_clock(const k8sc_runtime *rt);

/* The backend state of a runtime opened with `backend` (NULL if it was opened with another). */
K8SC_EXTERN void *k8sc_runtime_backend_state(const k8sc_runtime *rt, const k8sc_runtime_backend *backend);

#ifdef __cplusplus
}
#endif
#endif
