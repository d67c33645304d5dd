/*
 * Attach through dockerd: POST /containers/{id}/attach on a stream
 * (docker_stream.c), multiplexed unless the container has a terminal.
 *
 * Closing the session's stdin follows the runc backend: it detaches
 * stdin, and for a container created with stdin_once it also ends the
 * container's stdin. dockerd does that itself for a stdin_once container
 * without a terminal when our write side shuts; with a terminal it would
 * only end the attach, so the end of file is sent as ^D, as the runc
 * backend's monitor does. Otherwise nothing more is sent and the output
 * keeps coming (a shut write side would make dockerd end the attach).
 */
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"

typedef struct dattach {
    k8sc__docker *d;
    char *id; /* full, as dockerd reported it */
    k8sc__docker_stream stream;
} dattach;

static int attach_resize(k8sc_runtime_exec *ex, uint16_t width, uint16_t height)
{
    dattach *a = ex->state;
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/containers/%s/resize?h=%u&w=%u", a->id, (unsigned)height, (unsigned)width);
    int rc = k8sc__buf_status(&path) ? k8sc__error_nomem()
                                     : k8sc__docker_json(a->d, "POST", path.ptr, NULL, NULL, K8SC_EINVAL);
    k8sc__buf_free(&path);
    return rc;
}

/* Attach reports no exit code: 0 once the output has ended. */
static int attach_wait(k8sc_runtime_exec *ex, int *exit_code, int timeout_ms)
{
    dattach *a = ex->state;
    int rc = k8sc__docker_stream_wait(&a->stream, timeout_ms);
    if (rc == K8SC_ETIMEOUT)
        return k8sc_error_set(K8SC_ETIMEOUT, "attach %s: the container's output goes on", a->id);
    *exit_code = 0;
    return rc;
}

static void dattach_free(dattach *a)
{
    k8sc__docker_stream_close(&a->stream);
    free(a->id);
    free(a);
}

static void attach_release(k8sc_runtime_exec *ex)
{
    dattach_free(ex->state);
    ex->state = NULL;
}

static bool config_flag(json_object *j, const char *key)
{
    return json_object_get_boolean(k8sc__json_member(k8sc__json_member(j, "Config"), key));
}

int k8sc__docker_attach(void *state, k8sc_runtime_exec *ex, const char *id, const k8sc_attach_options *opts)
{
    k8sc__docker *d = state;
    json_object *j = NULL;
    int rc = k8sc__docker_inspect(d, &j, id, "container", "container");
    if (rc != 0)
        return rc;
    dattach *a = k8sc__calloc(1, sizeof(*a));
    const char *full = k8sc__json_string(j, "Id");
    if (!a || !full || !(a->id = k8sc__strdup(full))) {
        json_object_put(j);
        free(a);
        return full ? K8SC_ENOMEM : k8sc_error_set(K8SC_EIO, "dockerd at %s: container %s has no id", d->socket, id);
    }
    a->d = d;
    bool tty = config_flag(j, "Tty");
    bool in = opts->stdin_ && config_flag(j, "OpenStdin");
    bool once = config_flag(j, "StdinOnce");
    k8sc__docker_eof eof = !in || !once ? K8SC__DOCKER_EOF_DETACH
                         : tty          ? K8SC__DOCKER_EOF_EOT
                                        : K8SC__DOCKER_EOF_SHUTDOWN;
    k8sc__docker_stream_init(&a->stream, d, tty, eof);
    if (!json_object_get_boolean(k8sc__json_member(k8sc__json_member(j, "State"), "Running")))
        rc = k8sc_error_set(K8SC_EINVAL, "container %s is not running", id);
    json_object_put(j);
    bool err = opts->stderr_ && !tty;
    k8sc__buf path = K8SC__BUF_INIT;
    /* stdout always: its end of file is how the session learns that the container ended. */
    k8sc__buf_printf(&path, "/containers/%s/attach?stream=1&stdin=%d&stdout=1&stderr=%d", a->id, in, err);
    if (rc == 0 && k8sc__buf_status(&path))
        rc = k8sc__error_nomem();
    if (rc == 0)
        rc = k8sc__docker_stream_start(&a->stream, ex, in, err, path.ptr, NULL);
    k8sc__buf_free(&path);
    if (rc == K8SC_ENOTFOUND)
        rc = k8sc_error_set(K8SC_ENOTFOUND, "container %s not found", id);
    if (rc != 0) {
        dattach_free(a);
        return rc;
    }
    ex->state = a;
    ex->wait = attach_wait;
    ex->release = attach_release;
    if (tty)
        ex->resize = attach_resize;
    return 0;
}
