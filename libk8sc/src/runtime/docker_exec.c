/*
 * Exec through dockerd: the exec is created over the API, then started on
 * a connection of our own that dockerd hijacks (HTTP Upgrade) into the
 * command's raw stdio. A pump thread copies the session's stdin into that
 * stream and splits what comes back (8-byte frame headers unless a tty)
 * into the stdout and stderr sockets handed to the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "docker_internal.h"

#define HANDSHAKE_TIMEOUT_MS 10000
#define HEAD_MAX (16 * 1024)
#define WAIT_POLL_MS 50

typedef struct dexec {
    k8sc__docker *d;
    char *id;
    int sock;
    int in_r;          /* our end of the stdin socket, -1 without stdin */
    int out_w, err_w;  /* our ends of the stdout and stderr sockets */
    int wake[2];
    bool tty;
    bool started;
    pthread_t thread;
    k8sc__buf early;   /* stream bytes that came with the response head */
    unsigned char hdr[8];
    size_t hdr_len;
    size_t remaining;
} dexec;

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Write all of `data` to `fd` (non-blocking), giving up when `wake` becomes readable or the peer is gone. */
static int send_all(int fd, int wake, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return -1;
        struct pollfd p[2] = { { fd, POLLOUT, 0 }, { wake, POLLIN, 0 } };
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            return -1;
        if (p[1].revents)
            return -1;
    }
    return 0;
}

/* Pass stream bytes on to the caller's stdout or stderr; -1 when the pump should stop. */
static int demux(dexec *x, const char *data, size_t len)
{
    if (x->tty)
        return x->out_w >= 0 && send_all(x->out_w, x->wake[0], data, len) != 0 ? -1 : 0;
    while (len > 0) {
        if (x->remaining == 0) {
            size_t take = 8 - x->hdr_len < len ? 8 - x->hdr_len : len;
            memcpy(x->hdr + x->hdr_len, data, take);
            x->hdr_len += take;
            data += take;
            len -= take;
            if (x->hdr_len == 8) {
                x->remaining = (size_t)x->hdr[4] << 24 | (size_t)x->hdr[5] << 16 | (size_t)x->hdr[6] << 8 | x->hdr[7];
                x->hdr_len = 0;
            }
            continue;
        }
        size_t take = x->remaining < len ? x->remaining : len;
        int fd = x->hdr[0] == 2 ? x->err_w : x->out_w;
        /* a reader that went away loses its stream, not the other one */
        if (fd >= 0 && send_all(fd, x->wake[0], data, take) != 0 && errno != EPIPE && errno != ECONNRESET)
            return -1;
        x->remaining -= take;
        data += take;
        len -= take;
    }
    return 0;
}

static void *pump(void *arg)
{
    dexec *x = arg;
    char buf[16384];
    bool run = demux(x, x->early.ptr ? x->early.ptr : "", x->early.len) == 0;
    while (run) {
        struct pollfd p[3] = { { x->sock, POLLIN, 0 }, { x->wake[0], POLLIN, 0 }, { x->in_r, POLLIN, 0 } };
        if (poll(p, x->in_r >= 0 ? 3 : 2, -1) < 0) {
            run = errno == EINTR;
            continue;
        }
        if (p[1].revents)
            break;
        if (p[0].revents) {
            ssize_t n = recv(x->sock, buf, sizeof(buf), 0);
            if (n > 0)
                run = demux(x, buf, (size_t)n) == 0;
            else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                run = false;
        }
        if (run && x->in_r >= 0 && p[2].revents) {
            ssize_t n = recv(x->in_r, buf, sizeof(buf), 0);
            if (n > 0) {
                run = send_all(x->sock, x->wake[0], buf, (size_t)n) == 0;
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                /* the caller closed stdin: the command reads end of file */
                shutdown(x->sock, SHUT_WR);
                close_fd(&x->in_r);
            }
        }
    }
    close_fd(&x->out_w);
    close_fd(&x->err_w);
    return NULL;
}

static int connect_socket(k8sc__docker *d)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(d->socket) >= sizeof(sa.sun_path))
        return k8sc_error_set(K8SC_EINVAL, "docker socket path %s is too long", d->socket);
    strcpy(sa.sun_path, d->socket);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return k8sc_error_set(K8SC_EIO, "exec: socket: %s", strerror(errno));
    struct timeval tv = { HANDSHAKE_TIMEOUT_MS / 1000, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int err = errno;
        close(fd);
        return k8sc_error_set(K8SC_EUNAVAILABLE, "cannot reach dockerd at %s: %s", d->socket, strerror(err));
    }
    return fd;
}

/* Read the response head; the stream bytes after it go to x->early. Returns the HTTP status or an error. */
static int read_head(dexec *x, const char *what)
{
    k8sc__buf head = K8SC__BUF_INIT;
    char buf[4096];
    char *end = NULL;
    while (!end) {
        ssize_t n = recv(x->sock, buf, sizeof(buf), 0);
        if (n <= 0) {
            int err = n < 0 ? errno : 0;
            k8sc__buf_free(&head);
            return k8sc_error_set(err == EAGAIN ? K8SC_ETIMEOUT : K8SC_EIO, "dockerd at %s: %s: %s", x->d->socket,
                                  what, err == EAGAIN ? "no answer" : n == 0 ? "connection closed" : strerror(err));
        }
        k8sc__buf_put(&head, buf, (size_t)n);
        if (k8sc__buf_status(&head))
            return k8sc__error_nomem();
        end = strstr(head.ptr, "\r\n\r\n");
        if (!end && head.len > HEAD_MAX) {
            k8sc__buf_free(&head);
            return k8sc_error_set(K8SC_EIO, "dockerd at %s: %s: response head too long", x->d->socket, what);
        }
    }
    int status = 0;
    if (sscanf(head.ptr, "HTTP/1.%*d %d", &status) != 1)
        status = 0;
    size_t body = (size_t)(end + 4 - head.ptr);
    k8sc__buf_put(&x->early, head.ptr + body, head.len - body);
    k8sc__buf_free(&head);
    return k8sc__buf_status(&x->early) ? k8sc__error_nomem() : status;
}

/* dockerd refused the start: its message is in the body (read what came and a little more). */
static int start_error(dexec *x, int status, const char *what)
{
    char buf[4096];
    ssize_t n;
    while (x->early.len < HEAD_MAX && !strstr(x->early.ptr ? x->early.ptr : "", "}") &&
           (n = recv(x->sock, buf, sizeof(buf), 0)) > 0)
        k8sc__buf_put(&x->early, buf, (size_t)n);
    json_object *j = x->early.ptr ? json_tokener_parse(x->early.ptr) : NULL;
    const char *m = k8sc__json_string(j, "message");
    int code = status == 404 ? K8SC_ENOTFOUND : status == 409 ? K8SC_EINVAL : K8SC_EIO;
    int rc = k8sc_error_set(code, "dockerd at %s: %s: %d %s", x->d->socket, what, status, m ? m : "(no message)");
    json_object_put(j);
    return rc;
}

static int hijack(dexec *x)
{
    int fd = connect_socket(x->d);
    if (fd < 0)
        return fd;
    x->sock = fd;
    k8sc__buf what = K8SC__BUF_INIT;
    k8sc__buf_printf(&what, "POST /exec/%s/start", x->id);
    const char *body = x->tty ? "{\"Detach\":false,\"Tty\":true}" : "{\"Detach\":false,\"Tty\":false}";
    k8sc__buf req = K8SC__BUF_INIT;
    k8sc__buf_printf(&req,
                     "POST /v1.41/exec/%s/start HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                     "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: %zu\r\n\r\n%s",
                     x->id, strlen(body), body);
    int rc = k8sc__buf_status(&req) || k8sc__buf_status(&what) ? k8sc__error_nomem() : 0;
    for (size_t off = 0; rc == 0 && off < req.len;) {
        ssize_t n = send(fd, req.ptr + off, req.len - off, MSG_NOSIGNAL);
        if (n <= 0)
            rc = k8sc_error_set(K8SC_EIO, "dockerd at %s: %s: %s", x->d->socket, what.ptr, strerror(errno));
        else
            off += (size_t)n;
    }
    if (rc == 0) {
        rc = read_head(x, what.ptr);
        if (rc >= 0 && rc != 101 && rc != 200)
            rc = start_error(x, rc, what.ptr);
        else if (rc >= 0)
            rc = 0;
    }
    if (rc == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
        rc = k8sc_error_set(K8SC_EIO, "exec: fcntl: %s", strerror(errno));
    k8sc__buf_free(&req);
    k8sc__buf_free(&what);
    return rc;
}

/* A socket pair: *ours (non-blocking) for the pump, *theirs for the caller. */
static int pair(int *ours, int *theirs)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return k8sc_error_set(K8SC_EIO, "exec: socketpair: %s", strerror(errno));
    fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    *ours = sv[0];
    *theirs = sv[1];
    return 0;
}

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
    if (!x->tty)
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
    if (x->started) {
        if (write(x->wake[1], "x", 1) < 0)
            k8sc_log(K8SC_LOG_DEBUG, "docker exec: waking the pump: %s", strerror(errno));
        pthread_join(x->thread, NULL);
    }
    close_fd(&x->sock);
    close_fd(&x->in_r);
    close_fd(&x->out_w);
    close_fd(&x->err_w);
    close_fd(&x->wake[0]);
    close_fd(&x->wake[1]);
    k8sc__buf_free(&x->early);
    free(x->id);
    free(x);
}

/* Docker cannot kill an exec: kill its process, which dockerd reports by its host pid. */
static void dexec_release(k8sc_runtime_exec *ex)
{
    dexec *x = ex->state;
    json_object *j = NULL;
    if (x->started && exec_json(x, &j) == 0 && json_object_get_boolean(k8sc__json_member(j, "Running"))) {
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
    x->sock = x->in_r = x->out_w = x->err_w = x->wake[0] = x->wake[1] = -1;
    x->tty = opts->tty;
    int rc = create_exec(x->d, &x->id, id, opts);
    if (rc == 0 && pipe2(x->wake, O_CLOEXEC) != 0)
        rc = k8sc_error_set(K8SC_EIO, "exec: pipe: %s", strerror(errno));
    if (rc == 0)
        rc = pair(&x->out_w, &ex->fds[1]);
    if (rc == 0 && !opts->tty)
        rc = pair(&x->err_w, &ex->fds[2]);
    if (rc == 0 && opts->stdin_)
        rc = pair(&x->in_r, &ex->fds[0]);
    if (rc == 0)
        rc = hijack(x);
    if (rc == 0) {
        int err = pthread_create(&x->thread, NULL, pump, x);
        if (err != 0)
            rc = k8sc_error_set(K8SC_EIO, "exec: cannot start a thread: %s", strerror(err));
        x->started = err == 0;
    }
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
