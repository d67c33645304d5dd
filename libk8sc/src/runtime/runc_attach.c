/*
 * Attach for the runc backend: one connection per stream to the unix
 * socket the container's monitor serves (runc_monitor.c describes the
 * protocol), so the session's fds are the sockets themselves.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"
#include "runc_internal.h"

typedef struct runc_attach {
    int resize_fd; /* the 'r' connection; -1 without a tty */
} runc_attach;

/* Send all of `data` on socket `fd` (no SIGPIPE); 0 or -1. */
static int send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A connection to "<dir>/attach" saying `role`; the fd, or a negative K8SC_E code. */
static int connect_role(const char *dir, char role)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    int dir_fd = -1;
    int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/attach", dir);
    if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
        /* Too long for a socket address: reach it through the directory's fd instead. */
        dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
            return k8sc_error_set(K8SC_EIO, "attach: %s: %s", dir, strerror(errno));
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/attach", dir_fd);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = 0;
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        rc = k8sc_error_set(errno == ENOENT || errno == ECONNREFUSED ? K8SC_EINVAL : K8SC_EIO,
                            "attach: the container's monitor does not take attach connections: %s", strerror(errno));
    else if (send_all(fd, &role, 1) != 0)
        rc = k8sc_error_set(K8SC_EIO, "attach: writing to the container's monitor: %s", strerror(errno));
    if (dir_fd >= 0)
        close(dir_fd);
    if (rc != 0) {
        if (fd >= 0)
            close(fd);
        return rc;
    }
    return fd;
}

static int attach_resize(k8sc_runtime_exec *ex, uint16_t width, uint16_t height)
{
    runc_attach *a = ex->state;
    unsigned char msg[4] = { (unsigned char)(width >> 8), (unsigned char)width, (unsigned char)(height >> 8),
                             (unsigned char)height };
    if (send_all(a->resize_fd, msg, sizeof(msg)) != 0)
        return k8sc_error_set(K8SC_EIO, "attach: resizing the terminal: the container has ended");
    return 0;
}

static int attach_wait(k8sc_runtime_exec *ex, int *exit_code, int timeout_ms)
{
    (void)ex;
    (void)timeout_ms;
    *exit_code = 0;
    return 0;
}

static void attach_release(k8sc_runtime_exec *ex)
{
    runc_attach *a = ex->state;
    if (!a)
        return;
    if (a->resize_fd >= 0)
        close(a->resize_fd);
    free(a);
    ex->state = NULL;
}

int k8sc__runc_attach(void *state, k8sc_runtime_exec *ex, const char *id, const k8sc_attach_options *opts)
{
    runc *r = state;
    char *dir = NULL;
    runc_stdio stdio;
    int rc = k8sc__runc_container_stdio(r, id, &dir, &stdio);
    if (rc != 0)
        return rc;
    runc_attach *a = k8sc__calloc(1, sizeof(*a));
    if (!a) {
        free(dir);
        return K8SC_ENOMEM;
    }
    a->resize_fd = -1;
    ex->state = a;
    ex->wait = attach_wait;
    ex->release = attach_release;
    /* stdout always: its end of file is how the session learns that the container ended. */
    int fd = connect_role(dir, 'o');
    rc = fd < 0 ? fd : 0;
    ex->fds[1] = fd;
    if (rc == 0 && opts->stderr_ && !stdio.tty) {
        ex->fds[2] = fd = connect_role(dir, 'e');
        rc = fd < 0 ? fd : 0;
    }
    if (rc == 0 && opts->stdin_ && stdio.stdin_) {
        ex->fds[0] = fd = connect_role(dir, 'i');
        rc = fd < 0 ? fd : 0;
    }
    if (rc == 0 && stdio.tty) {
        a->resize_fd = fd = connect_role(dir, 'r');
        rc = fd < 0 ? fd : 0;
        ex->resize = attach_resize;
    }
    for (int i = 0; i < 3; i++)
        if (ex->fds[i] < 0)
            ex->fds[i] = -1;
    if (a->resize_fd < 0)
        a->resize_fd = -1;
    if (rc != 0)
        attach_release(ex);
    free(dir);
    return rc;
}
