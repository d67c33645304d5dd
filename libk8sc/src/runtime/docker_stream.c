/*
 * A process's stdio through dockerd (exec and attach): the request goes
 * out on a connection of our own that dockerd hijacks (HTTP Upgrade) into
 * the raw stream. A pump thread copies the caller's stdin into that
 * stream and splits what comes back (8-byte frame headers unless a tty)
 * into the stdout and stderr sockets handed to the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "docker_internal.h"

#define HANDSHAKE_TIMEOUT_MS 10000
#define HEAD_MAX (16 * 1024)

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

void k8sc__docker_stream_init(k8sc__docker_stream *s, k8sc__docker *d, bool tty, k8sc__docker_eof eof)
{
    memset(s, 0, sizeof(*s));
    s->d = d;
    s->tty = tty;
    s->eof = eof;
    s->sock = s->in_r = s->out_w = s->err_w = -1;
    s->wake[0] = s->wake[1] = s->done[0] = s->done[1] = -1;
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
static int demux(k8sc__docker_stream *s, const char *data, size_t len)
{
    if (s->tty)
        return s->out_w >= 0 && send_all(s->out_w, s->wake[0], data, len) != 0 ? -1 : 0;
    while (len > 0) {
        if (s->remaining == 0) {
            size_t take = 8 - s->hdr_len < len ? 8 - s->hdr_len : len;
            memcpy(s->hdr + s->hdr_len, data, take);
            s->hdr_len += take;
            data += take;
            len -= take;
            if (s->hdr_len == 8) {
                s->remaining = (size_t)s->hdr[4] << 24 | (size_t)s->hdr[5] << 16 | (size_t)s->hdr[6] << 8 | s->hdr[7];
                s->hdr_len = 0;
            }
            continue;
        }
        size_t take = s->remaining < len ? s->remaining : len;
        int fd = s->hdr[0] == 2 ? s->err_w : s->out_w;
        /* a reader that went away loses its stream, not the other one */
        if (fd >= 0 && send_all(fd, s->wake[0], data, take) != 0 && errno != EPIPE && errno != ECONNRESET)
            return -1;
        s->remaining -= take;
        data += take;
        len -= take;
    }
    return 0;
}

/* The caller closed stdin: tell the process as s->eof says; false if the stream broke. */
static bool stdin_eof(k8sc__docker_stream *s)
{
    bool ok = true;
    if (s->eof == K8SC__DOCKER_EOF_SHUTDOWN)
        shutdown(s->sock, SHUT_WR);
    else if (s->eof == K8SC__DOCKER_EOF_EOT)
        ok = send_all(s->sock, s->wake[0], "\x04", 1) == 0;
    s->stdin_closed = true;
    close_fd(&s->in_r);
    return ok;
}

static void *pump(void *arg)
{
    k8sc__docker_stream *s = arg;
    char buf[16384];
    bool run = demux(s, s->early.ptr ? s->early.ptr : "", s->early.len) == 0;
    while (run) {
        struct pollfd p[3] = { { s->sock, POLLIN, 0 }, { s->wake[0], POLLIN, 0 }, { s->in_r, POLLIN, 0 } };
        if (poll(p, s->in_r >= 0 ? 3 : 2, -1) < 0) {
            run = errno == EINTR;
            continue;
        }
        if (p[1].revents)
            break;
        if (p[0].revents) {
            ssize_t n = recv(s->sock, buf, sizeof(buf), 0);
            if (n > 0)
                run = demux(s, buf, (size_t)n) == 0;
            else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                s->ended = true;
            run = run && !s->ended;
        }
        if (run && s->in_r >= 0 && p[2].revents) {
            ssize_t n = recv(s->in_r, buf, sizeof(buf), 0);
            if (n > 0)
                run = send_all(s->sock, s->wake[0], buf, (size_t)n) == 0;
            else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                run = stdin_eof(s);
        }
    }
    close_fd(&s->out_w);
    close_fd(&s->err_w);
    /* Writing to the stdin of a stream that has ended fails rather than filling a buffer no one reads. */
    if (s->ended)
        close_fd(&s->in_r);
    close_fd(&s->done[1]);
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
        return k8sc_error_set(K8SC_EIO, "docker stream: socket: %s", strerror(errno));
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

/* Read the response head; the stream bytes after it go to s->early. Returns the HTTP status or an error. */
static int read_head(k8sc__docker_stream *s, const char *what)
{
    k8sc__buf head = K8SC__BUF_INIT;
    char buf[4096];
    char *end = NULL;
    while (!end) {
        ssize_t n = recv(s->sock, buf, sizeof(buf), 0);
        if (n <= 0) {
            int err = n < 0 ? errno : 0;
            k8sc__buf_free(&head);
            return k8sc_error_set(err == EAGAIN ? K8SC_ETIMEOUT : K8SC_EIO, "dockerd at %s: %s: %s", s->d->socket,
                                  what, err == EAGAIN ? "no answer" : n == 0 ? "connection closed" : strerror(err));
        }
        k8sc__buf_put(&head, buf, (size_t)n);
        if (k8sc__buf_status(&head))
            return k8sc__error_nomem();
        end = strstr(head.ptr, "\r\n\r\n");
        if (!end && head.len > HEAD_MAX) {
            k8sc__buf_free(&head);
            return k8sc_error_set(K8SC_EIO, "dockerd at %s: %s: response head too long", s->d->socket, what);
        }
    }
    int status = 0;
    if (sscanf(head.ptr, "HTTP/1.%*d %d", &status) != 1)
        status = 0;
    size_t body = (size_t)(end + 4 - head.ptr);
    k8sc__buf_put(&s->early, head.ptr + body, head.len - body);
    k8sc__buf_free(&head);
    return k8sc__buf_status(&s->early) ? k8sc__error_nomem() : status;
}

/* dockerd refused the request: its message is in the body (read what came and a little more). */
static int refused(k8sc__docker_stream *s, int status, const char *what)
{
    char buf[4096];
    ssize_t n;
    while (s->early.len < HEAD_MAX && !strstr(s->early.ptr ? s->early.ptr : "", "}") &&
           (n = recv(s->sock, buf, sizeof(buf), 0)) > 0)
        k8sc__buf_put(&s->early, buf, (size_t)n);
    json_object *j = s->early.ptr ? json_tokener_parse(s->early.ptr) : NULL;
    const char *m = k8sc__json_string(j, "message");
    int code = status == 404 ? K8SC_ENOTFOUND : status == 409 ? K8SC_EINVAL : K8SC_EIO;
    int rc = k8sc_error_set(code, "dockerd at %s: %s: %d %s", s->d->socket, what, status, m ? m : "(no message)");
    json_object_put(j);
    return rc;
}

static int hijack(k8sc__docker_stream *s, const char *path, const char *body)
{
    int fd = connect_socket(s->d);
    if (fd < 0)
        return fd;
    s->sock = fd;
    k8sc__buf what = K8SC__BUF_INIT;
    k8sc__buf_printf(&what, "POST %s", path);
    k8sc__buf req = K8SC__BUF_INIT;
    k8sc__buf_printf(&req,
                     "POST /v1.41%s HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                     "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: %zu\r\n\r\n%s",
                     path, body ? strlen(body) : 0, body ? body : "");
    int rc = k8sc__buf_status(&req) || k8sc__buf_status(&what) ? k8sc__error_nomem() : 0;
    for (size_t off = 0; rc == 0 && off < req.len;) {
        ssize_t n = send(fd, req.ptr + off, req.len - off, MSG_NOSIGNAL);
        if (n <= 0)
            rc = k8sc_error_set(K8SC_EIO, "dockerd at %s: %s: %s", s->d->socket, what.ptr, strerror(errno));
        else
            off += (size_t)n;
    }
    if (rc == 0) {
        rc = read_head(s, what.ptr);
        if (rc >= 0 && rc != 101 && rc != 200)
            rc = refused(s, rc, what.ptr);
        else if (rc >= 0)
            rc = 0;
    }
    if (rc == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
        rc = k8sc_error_set(K8SC_EIO, "docker stream: fcntl: %s", strerror(errno));
    k8sc__buf_free(&req);
    k8sc__buf_free(&what);
    return rc;
}

/* A socket pair: *ours (non-blocking) for the pump, *theirs for the caller. */
static int pair(int *ours, int *theirs)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return k8sc_error_set(K8SC_EIO, "docker stream: socketpair: %s", strerror(errno));
    fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    *ours = sv[0];
    *theirs = sv[1];
    return 0;
}

int k8sc__docker_stream_start(k8sc__docker_stream *s, k8sc_runtime_exec *ex, bool in, bool err, const char *path,
                              const char *body)
{
    int rc = 0;
    if (pipe2(s->wake, O_CLOEXEC) != 0 || pipe2(s->done, O_CLOEXEC) != 0)
        rc = k8sc_error_set(K8SC_EIO, "docker stream: pipe: %s", strerror(errno));
    if (rc == 0)
        rc = pair(&s->out_w, &ex->fds[1]);
    if (rc == 0 && err && !s->tty)
        rc = pair(&s->err_w, &ex->fds[2]);
    if (rc == 0 && in)
        rc = pair(&s->in_r, &ex->fds[0]);
    if (rc == 0)
        rc = hijack(s, path, body);
    if (rc == 0) {
        int e = pthread_create(&s->thread, NULL, pump, s);
        if (e != 0)
            rc = k8sc_error_set(K8SC_EIO, "docker stream: cannot start a thread: %s", strerror(e));
        s->started = e == 0;
    }
    return rc;
}

int k8sc__docker_stream_wait(k8sc__docker_stream *s, int timeout_ms)
{
    struct pollfd p = { s->done[0], POLLIN, 0 };
    int n;
    while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
        ;
    return n > 0 ? 0 : k8sc_error_set(K8SC_ETIMEOUT, "the stream is still open");
}

void k8sc__docker_stream_close(k8sc__docker_stream *s)
{
    if (s->started) {
        if (write(s->wake[1], "x", 1) < 0)
            k8sc_log(K8SC_LOG_DEBUG, "docker stream: waking the pump: %s", strerror(errno));
        pthread_join(s->thread, NULL);
        /* Detaching with stdin still open ends it as closing it would (a shutdown is the close below). */
        if (s->in_r >= 0 && !s->stdin_closed && !s->ended && s->eof == K8SC__DOCKER_EOF_EOT &&
            send(s->sock, "\x04", 1, MSG_NOSIGNAL) != 1)
            k8sc_log(K8SC_LOG_DEBUG, "docker stream: ending stdin: %s", strerror(errno));
    }
    close_fd(&s->sock);
    close_fd(&s->in_r);
    close_fd(&s->out_w);
    close_fd(&s->err_w);
    close_fd(&s->wake[0]);
    close_fd(&s->wake[1]);
    close_fd(&s->done[0]);
    close_fd(&s->done[1]);
    k8sc__buf_free(&s->early);
}
