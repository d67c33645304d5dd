/* Exec and attach sessions, and exec_sync (probes), on top of a backend's exec_start and attach. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "runtime_internal.h"

#define SYNC_OUTPUT_MAX (16 * 1024)

/* A new session (fds -1) handed to `begin` (exec or attach); freed again if that fails. */
static int session_start(k8sc_runtime_exec **out, int (*begin)(k8sc_runtime_exec *ex, const void *arg),
                         const void *arg)
{
    k8sc_runtime_exec *ex = k8sc__calloc(1, sizeof(*ex));
    if (!ex)
        return K8SC_ENOMEM;
    ex->fds[0] = ex->fds[1] = ex->fds[2] = -1;
    int rc = begin(ex, arg);
    if (rc != 0) {
        for (int i = 0; i < 3; i++)
            if (ex->fds[i] >= 0)
                close(ex->fds[i]);
        free(ex);
        return rc;
    }
    *out = ex;
    return 0;
}

typedef struct begin_args {
    k8sc_runtime *rt;
    const char *id;
    const k8sc_exec_options *exec;
    const k8sc_attach_options *attach;
} begin_args;

static int begin(k8sc_runtime_exec *ex, const void *arg)
{
    const begin_args *a = arg;
    return a->exec ? k8sc__runtime_exec_begin(a->rt, ex, a->id, a->exec)
                   : k8sc__runtime_attach_begin(a->rt, ex, a->id, a->attach);
}

int k8sc_runtime_exec_start(k8sc_runtime *rt, k8sc_runtime_exec **out, const char *id,
                            const k8sc_exec_options *opts)
{
    K8SC__CHECK_ARG(rt && out && id && opts);
    *out = NULL;
    if (opts->version != K8SC_EXEC_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "exec options: unknown version %u", opts->version);
    if (opts->n_command == 0 || !opts->command || !opts->command[0] || !opts->command[0][0])
        return k8sc_error_set(K8SC_EINVAL, "exec: a command is required");
    begin_args a = { rt, id, opts, NULL };
    return session_start(out, begin, &a);
}

int k8sc_runtime_attach_options_init(k8sc_attach_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts);
    if (version != K8SC_ATTACH_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_attach_options: unknown version %u", version);
    k8sc_attach_options init = K8SC_ATTACH_OPTIONS_INIT;
    *opts = init;
    return 0;
}

int k8sc_runtime_attach(k8sc_runtime *rt, k8sc_runtime_exec **out, const char *id, const k8sc_attach_options *opts)
{
    K8SC__CHECK_ARG(rt && out && id && opts);
    *out = NULL;
    if (opts->version != K8SC_ATTACH_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "attach options: unknown version %u", opts->version);
    if (!opts->stdin_ && !opts->stdout_ && !opts->stderr_)
        return k8sc_error_set(K8SC_EINVAL, "attach: at least one of stdin, stdout and stderr is required");
    begin_args a = { rt, id, NULL, opts };
    return session_start(out, begin, &a);
}

int k8sc_runtime_exec_fd(const k8sc_runtime_exec *ex, int which)
{
    if (!ex || which < 0 || which > 2)
        return -1;
    return ex->fds[which];
}

void k8sc_runtime_exec_close_stdin(k8sc_runtime_exec *ex)
{
    if (ex && ex->fds[0] >= 0) {
        close(ex->fds[0]);
        ex->fds[0] = -1;
    }
}

int k8sc_runtime_exec_resize(k8sc_runtime_exec *ex, uint16_t width, uint16_t height)
{
    K8SC__CHECK_ARG(ex);
    if (!ex->resize)
        return k8sc_error_set(K8SC_EINVAL, "exec: the session has no terminal to resize");
    return ex->resize(ex, width, height);
}

int k8sc_runtime_exec_wait(k8sc_runtime_exec *ex, int *exit_code, int timeout_ms)
{
    K8SC__CHECK_ARG(ex && exit_code);
    return ex->wait(ex, exit_code, timeout_ms);
}

void k8sc_runtime_exec_free(k8sc_runtime_exec *ex)
{
    if (!ex)
        return;
    if (ex->release)
        ex->release(ex);
    for (int i = 0; i < 3; i++)
        if (ex->fds[i] >= 0)
            close(ex->fds[i]);
    free(ex);
}

/* Read what is there from one output fd; -1 on end of file. Output past the cap is read and dropped. */
static int drain(int fd, k8sc__buf *b)
{
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 0 : -1;
    if (n == 0)
        return -1;
    size_t room = b->len < SYNC_OUTPUT_MAX ? SYNC_OUTPUT_MAX - b->len : 0;
    k8sc__buf_put(b, chunk, (size_t)n < room ? (size_t)n : room);
    return 0;
}

int k8sc_runtime_exec_sync(k8sc_runtime *rt, const char *id, const char *const *command, size_t n_command,
                           int timeout_ms, int *exit_code, char **out_stdout, char **out_stderr)
{
    K8SC__CHECK_ARG(rt && id && command && exit_code && timeout_ms > 0);
    if (out_stdout)
        *out_stdout = NULL;
    if (out_stderr)
        *out_stderr = NULL;
    k8sc_exec_options opts = { K8SC_EXEC_OPTIONS_VERSION, command, n_command, false, false, 0, 0 };
    k8sc_runtime_exec *ex;
    int rc = k8sc_runtime_exec_start(rt, &ex, id, &opts);
    if (rc != 0)
        return rc;
    k8sc_runtime_exec_close_stdin(ex);
    k8sc__buf bufs[2] = { K8SC__BUF_INIT, K8SC__BUF_INIT };
    int64_t deadline = k8sc_clock_mono(NULL) + (int64_t)timeout_ms * 1000000;
    bool open[2] = { ex->fds[1] >= 0, ex->fds[2] >= 0 };
    while (open[0] || open[1]) {
        int64_t left = (deadline - k8sc_clock_mono(NULL)) / 1000000;
        if (left <= 0)
            break;
        struct pollfd p[2] = { { open[0] ? ex->fds[1] : -1, POLLIN, 0 }, { open[1] ? ex->fds[2] : -1, POLLIN, 0 } };
        int n = poll(p, 2, (int)left);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2 && n > 0; i++)
            if (p[i].revents && drain(p[i].fd, &bufs[i]) < 0)
                open[i] = false;
    }
    int left = (int)((deadline - k8sc_clock_mono(NULL)) / 1000000);
    rc = k8sc_runtime_exec_wait(ex, exit_code, left > 0 ? left : 0);
    if (rc == K8SC_ETIMEOUT)
        rc = k8sc_error_set(K8SC_ETIMEOUT, "command timed out after %d ms", timeout_ms);
    k8sc_runtime_exec_free(ex);
    if (rc == 0)
        rc = k8sc__buf_status(&bufs[0]) ? K8SC_ENOMEM : k8sc__buf_status(&bufs[1]);
    if (rc == 0 && out_stdout)
        *out_stdout = k8sc__buf_detach(&bufs[0], NULL);
    if (rc == 0 && out_stderr)
        *out_stderr = k8sc__buf_detach(&bufs[1], NULL);
    k8sc__buf_free(&bufs[0]);
    k8sc__buf_free(&bufs[1]);
    return rc;
}
