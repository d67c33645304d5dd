/*
 * Exec through dockerd: the exec is created over the API, then started on
 * a stream (docker_stream.c) that carries the command's stdio.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker_internal.h"

#define WAIT_POLL_MS 50

typedef struct dexec {
    k8sc__docker *d;
    char *id;
    k8sc__docker_stream stream;
} dexec;

static int exec_json(dexec *x, json_object **out)
{
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/exec/%s/json", x->id);
    int rc = k8sc__buf_status(&path) ? k8sc__error_nomem() : k8sc__docker_json(x->d, "GET", path.ptr, NULL, out, 0);
    k8sc__buf_free(&path);
    return rc;
}

static int dexec_resize(k8sc_runtime_exec *ex, uint16_t width, uint16_t height)
{
    dexec *x = ex->state;
    if (!x->stream.tty)
        return k8sc_error_set(K8SC_EINVAL, "exec: the session has no terminal to resize");
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/exec/%s/resize?h=%u&w=%u", x->id, (unsigned)height, (unsigned)width);
    int rc = k8sc__buf_status(&path) ? k8sc__error_nomem()
                                     : k8sc__docker_json(x->d, "POST", path.ptr, NULL, NULL, K8SC_EINVAL);
    k8sc__buf_free(&path);
    return rc;
}

static int dexec_wait(k8sc_runtime_exec *ex, int *exit_code, int timeout_ms)
{
    dexec *x = ex->state;
    int64_t deadline = k8sc_clock_mono(NULL) + (int64_t)timeout_ms * 1000000;
    for (;;) {
        json_object *j = NULL;
        int rc = exec_json(x, &j);
        if (rc != 0)
            return rc;
        json_object *code = k8sc__json_member(j, "ExitCode");
        /* until the command has started, dockerd says not running and has no exit code */
        bool done = !json_object_get_boolean(k8sc__json_member(j, "Running")) && code &&
                    !json_object_is_type(code, json_type_null);
        if (done)
            *exit_code = json_object_get_int(code);
        json_object_put(j);
        if (done)
            return 0;
        if (timeout_ms >= 0 && k8sc_clock_mono(NULL) >= deadline)
            return k8sc_error_set(K8SC_ETIMEOUT, "exec %s: still running", x->id);
        struct timespec ts = { 0, WAIT_POLL_MS * 1000000L };
        nanosleep(&ts, NULL);
    }
}

static void dexec_free(dexec *x)
{
    k8sc__docker_stream_close(&x->stream);
    free(x->id);
    free(x);
}

/* Docker cannot kill an exec: kill its process, which dockerd reports by its host pid. */
static void dexec_release(k8sc_runtime_exec *ex)
{
    dexec *x = ex->state;
    json_object *j = NULL;
    if (x->stream.started && exec_json(x, &j) == 0 && json_object_get_boolean(k8sc__json_member(j, "Running"))) {
        int pid = json_object_get_int(k8sc__json_member(j, "Pid"));
        if (pid > 1)
            kill(pid, SIGKILL);
    }
    json_object_put(j);
    dexec_free(x);
    ex->state = NULL;
}

static int create_exec(k8sc__docker *d, char **out, const char *id, const k8sc_exec_options *opts)
{
    json_object *body = json_object_new_object();
    json_object *cmd = json_object_new_array();
    if (!body || !cmd) {
        json_object_put(body);
        json_object_put(cmd);
        return k8sc__error_nomem();
    }
    for (size_t i = 0; i < opts->n_command; i++)
        json_object_array_add(cmd, json_object_new_string(opts->command[i] ? opts->command[i] : ""));
    json_object_object_add(body, "AttachStdin", json_object_new_boolean(opts->stdin_));
    json_object_object_add(body, "AttachStdout", json_object_new_boolean(true));
    json_object_object_add(body, "AttachStderr", json_object_new_boolean(true));
    json_object_object_add(body, "Tty", json_object_new_boolean(opts->tty));
    json_object_object_add(body, "Cmd", cmd);
    char *eid = k8sc__docker_escape(id);
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/containers/%s/exec", eid ? eid : "");
    free(eid);
    json_object *resp = NULL;
    int rc = !eid || k8sc__buf_status(&path) ? k8sc__error_nomem()
                                             : k8sc__docker_json(d, "POST", path.ptr, body, &resp, K8SC_EINVAL);
    json_object_put(body);
    k8sc__buf_free(&path);
    if (rc == K8SC_ENOTFOUND)
        rc = k8sc_error_set(K8SC_ENOTFOUND, "container %s not found", id);
    const char *xid = rc == 0 ? k8sc__json_string(resp, "Id") : NULL;
    if (rc == 0 && !xid)
        rc = k8sc_error_set(K8SC_EIO, "dockerd at %s: exec in %s: no exec id in the answer", d->socket, id);
    if (rc == 0 && !(*out = k8sc__strdup(xid)))
        rc = k8sc__error_nomem();
    json_object_put(resp);
    return rc;
}

int k8sc__docker_exec_start(void *state, k8sc_runtime_exec *ex, const char *id, const k8sc_exec_options *opts)
{
    dexec *x = k8sc__calloc(1, sizeof(*x));
    if (!x)
        return K8SC_ENOMEM;
    x->d = state;
    k8sc__docker_stream_init(&x->stream, x->d, opts->tty, K8SC__DOCKER_EOF_SHUTDOWN);
    int rc = create_exec(x->d, &x->id, id, opts);
    k8sc__buf path = K8SC__BUF_INIT;
    if (rc == 0) {
        k8sc__buf_printf(&path, "/exec/%s/start", x->id);
        rc = k8sc__buf_status(&path) ? k8sc__error_nomem() : 0;
    }
    if (rc == 0)
        rc = k8sc__docker_stream_start(&x->stream, ex, opts->stdin_, true, path.ptr,
                                       opts->tty ? "{\"Detach\":false,\"Tty\":true}"
                                                 : "{\"Detach\":false,\"Tty\":false}");
    k8sc__buf_free(&path);
    if (rc != 0) {
        dexec_free(x);
        return rc;
    }
    ex->state = x;
    ex->wait = dexec_wait;
    ex->release = dexec_release;
    if (opts->tty) {
        ex->resize = dexec_resize;
        if (opts->width && opts->height && dexec_resize(ex, opts->width, opts->height) != 0)
            k8sc_log(K8SC_LOG_DEBUG, "docker exec %s: initial resize: %s", x->id, k8sc_error_last());
    }
    return 0;
}
