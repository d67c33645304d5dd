/*
 * The runc backend's spawner: one process, forked when the backend opens,
 * that double-forks the backend's long-lived processes (pause processes
 * and container monitors) on request.
 *
 * Why: the host (the kubelet) grows to many threads and megabytes, and a
 * fork of it copies its page tables and write-protects every page it
 * has, so that afterwards each page a host thread writes costs a fault,
 * a copy and a TLB shoot-down of the other CPUs. With two forks per pod
 * that was most of the kubelet's CPU when pods start at 10/s. The
 * spawner is forked once, early, and stays idle; forking it is cheap and
 * costs the host nothing.
 *
 * A request is one SOCK_SEQPACKET message: the kind of process, its
 * fields (strings, some absent), and as SCM_RIGHTS the write end of a
 * pipe to which the process reports "P<pid>\n" once it runs (or
 * "E<errno>\n"). The process runs in its own session as the spawner's
 * child (the kernel reaps it: SIGCHLD is ignored), and is reparented to
 * init when the spawner ends, so it outlives the host. The spawner has
 * only async-signal-safe code to run (it is a fork of a multi-threaded
 * host) and exits when its socket's other end closes (the host closed
 * the backend or died). If it is gone (killed), the next request starts
 * a new one. It keeps the backend's sealed runc (runc_binary.c) at
 * K8SC__RUNC_EXE_FD, for the monitors to execute. A request waits for
 * its report at most K8SC__RUNC_SPAWN_TIMEOUT_MS: a spawner that does not
 * answer by then is killed and replaced, so that no caller (a pod worker)
 * waits on it forever.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "runc_internal.h"

#define SPAWN_MAX (64 * 1024)
/* How long a spawner whose socket closed has to exit before it is killed. */
#define END_WAIT_MS 2000

/* Fields: '+' string NUL, or '-' NUL for an absent one, after the kind byte. */
static bool decode(char *buf, size_t len, char *kind, const char **fields, size_t *n)
{
    if (len < 1)
        return false;
    *kind = buf[0];
    *n = 0;
    size_t off = 1;
    while (off < len) {
        char *end = memchr(buf + off, '\0', len - off);
        if (!end || *n == K8SC__RUNC_SPAWN_FIELDS || (buf[off] != '+' && buf[off] != '-'))
            return false;
        fields[(*n)++] = buf[off] == '+' ? buf + off + 1 : NULL;
        off = (size_t)(end - buf) + 1;
    }
    return true;
}

static void spawner_main(int sock, int exe)
{
    k8sc__runc_isolate_fds(sock, exe);
    k8sc__runc_reset_signals();
    /* Its children (reset to the default at their start) are reaped by the kernel. */
    struct sigaction ign;
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    ign.sa_flags = SA_NOCLDWAIT;
    sigaction(SIGCHLD, &ign, NULL);
    /* A report nobody reads any more must not end the spawner. */
    ign.sa_flags = 0;
    sigaction(SIGPIPE, &ign, NULL);
    k8sc__runc_set_name("k8sc-spawner");
    static char buf[SPAWN_MAX];
    for (;;) {
        union {
            char space[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } ctl;
        struct iovec iov = { buf, sizeof(buf) };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
                              .msg_controllen = sizeof(ctl.space) };
        ssize_t len = recvmsg(3, &msg, MSG_CMSG_CLOEXEC);
        if (len < 0 && errno == EINTR)
            continue;
        if (len <= 0)
            _exit(0);
        int report = -1;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            memcpy(&report, CMSG_DATA(c), sizeof(report));
        if (report < 0)
            continue;
        char kind;
        const char *fields[K8SC__RUNC_SPAWN_FIELDS];
        size_t n;
        if ((msg.msg_flags & MSG_TRUNC) || !decode(buf, (size_t)len, &kind, fields, &n)) {
            k8sc__runc_report(report, 'E', EINVAL);
            close(report);
            continue;
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(3);
            setsid();
            k8sc__runc_child_main(kind, fields, n, report);
        }
        if (pid < 0)
            k8sc__runc_report(report, 'E', errno);
        close(report);
    }
}

/* With s->lock held. */
static int spawner_start(runc_spawner *s)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return k8sc_error_set(K8SC_EIO, "starting the spawner: socketpair: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(sv[0]);
        close(sv[1]);
        return k8sc_error_set(K8SC_EIO, "starting the spawner: fork: %s", strerror(err));
    }
    if (pid == 0) {
        close(sv[0]);
        spawner_main(sv[1], s->exe_fd);
    }
    close(sv[1]);
    s->sock = sv[0];
    s->pid = pid;
    return 0;
}

/*
 * With s->lock held: end the spawner (it exits when its socket closes) and
 * reap it; one that has not exited within END_WAIT_MS (wedged) is killed.
 */
static void spawner_end(runc_spawner *s)
{
    if (s->sock >= 0)
        close(s->sock);
    /* It normally exits at once: look again after 1, 2, 4 ... (at most 50) ms. */
    for (int waited = 0, step = 1; s->pid > 0; waited += step, step = step < 50 ? step * 2 : 50) {
        pid_t got = waitpid(s->pid, NULL, WNOHANG);
        if (got == s->pid || (got < 0 && errno != EINTR))
            break;
        if (waited >= END_WAIT_MS)
            kill(s->pid, SIGKILL);
        struct timespec ts = { 0, step * 1000000L };
        nanosleep(&ts, NULL);
    }
    s->sock = -1;
    s->pid = 0;
}

int k8sc__runc_spawner_open(runc_spawner **out, int exe_fd)
{
    runc_spawner *s = k8sc__calloc(1, sizeof(*s));
    if (!s)
        return K8SC_ENOMEM;
    s->exe_fd = exe_fd;
    s->timeout_ms = K8SC__RUNC_SPAWN_TIMEOUT_MS;
    pthread_mutex_init(&s->lock, NULL);
    int rc = spawner_start(s);
    if (rc != 0) {
        pthread_mutex_destroy(&s->lock);
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void k8sc__runc_spawner_close(runc_spawner *s)
{
    if (!s)
        return;
    spawner_end(s);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* With s->lock held: the spawner `pid` did not answer in time; kill it (if still the current one), reap it. */
static void spawner_wedged(runc_spawner *s, pid_t pid)
{
    if (pid <= 0 || s->pid != pid)
        return;
    kill(pid, SIGKILL);
    spawner_end(s);
}

/* Milliseconds left until `deadline` (CLOCK_MONOTONIC ns), at least 0. */
static int ms_left(int64_t deadline)
{
    int64_t left = deadline - k8sc_clock_mono(NULL);
    return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

/*
 * Send the request with the report fd by `deadline`; a spawner found gone
 * is replaced once. *pid: the spawner it went to.
 */
static int send_request(runc_spawner *s, const char *what, const k8sc__buf *req, int report, int64_t deadline,
                        pid_t *pid)
{
    union {
        char space[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof(ctl));
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (s->sock < 0 && (rc = spawner_start(s)) != 0)
            break;
        *pid = s->pid;
        struct iovec iov = { req->ptr, req->len };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
                              .msg_controllen = sizeof(ctl.space) };
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &report, sizeof(report));
        ssize_t n;
        /* Bounded: a spawner that stopped reading holds this request (and those behind the lock) until the deadline. */
        for (;;) {
            n = sendmsg(s->sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n >= 0 || (errno != EINTR && errno != EAGAIN))
                break;
            struct pollfd pf = { s->sock, POLLOUT, 0 };
            if (errno == EAGAIN && poll(&pf, 1, ms_left(deadline)) == 0) {
                errno = ETIMEDOUT;
                break;
            }
        }
        if (n >= 0) {
            rc = 0;
            break;
        }
        int err = errno;
        rc = k8sc_error_set(err == ETIMEDOUT ? K8SC_ETIMEOUT : K8SC_EIO, "%s: the spawner: %s", what,
                            err == ETIMEDOUT ? "it takes no more requests" : strerror(err));
        if (err == ETIMEDOUT) {
            spawner_wedged(s, *pid);
            break;
        }
        if (err != EPIPE && err != ECONNRESET && err != ENOTCONN && err != ECONNREFUSED)
            break;
        spawner_end(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Read the report ("P<pid>\n" or "E<errno>\n") into buf by `deadline`; its length, or -1 on timeout. */
static ssize_t read_report(int fd, char *buf, size_t size, int64_t deadline)
{
    size_t len = 0;
    for (;;) {
        struct pollfd pf = { fd, POLLIN, 0 };
        int ready = poll(&pf, 1, ms_left(deadline));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0)
            return -1;
        ssize_t got = read(fd, buf + len, size - 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
        if (memchr(buf, '\n', len) || len == size - 1)
            break;
    }
    buf[len] = '\0';
    return (ssize_t)len;
}

int k8sc__runc_spawn(runc_spawner *s, runc_proc *out, const char *what, char kind, const char *const *fields,
                     size_t n)
{
    k8sc__buf req = K8SC__BUF_INIT;
    k8sc__buf_putc(&req, kind);
    for (size_t i = 0; i < n; i++) {
        k8sc__buf_putc(&req, fields[i] ? '+' : '-');
        if (fields[i])
            k8sc__buf_puts(&req, fields[i]);
        k8sc__buf_putc(&req, '\0');
    }
    int rc = k8sc__buf_status(&req);
    if (rc == 0 && (req.len > SPAWN_MAX || n > K8SC__RUNC_SPAWN_FIELDS))
        rc = k8sc_error_set(K8SC_EINVAL, "%s: the request is too large", what);
    int p[2] = { -1, -1 };
    if (rc == 0 && pipe2(p, O_CLOEXEC) != 0)
        rc = k8sc_error_set(K8SC_EIO, "%s: pipe: %s", what, strerror(errno));
    int64_t deadline = k8sc_clock_mono(NULL) + (int64_t)s->timeout_ms * 1000000;
    pid_t to = 0;
    if (rc == 0)
        rc = send_request(s, what, &req, p[1], deadline, &to);
    k8sc__buf_free(&req);
    if (p[1] >= 0)
        close(p[1]);
    if (rc != 0) {
        if (p[0] >= 0)
            close(p[0]);
        return rc;
    }
    char buf[64];
    ssize_t len = read_report(p[0], buf, sizeof(buf), deadline);
    close(p[0]);
    if (len < 0) {
        /* Wedged (it never forked, or its child never ran): a new spawner for the next request. */
        pthread_mutex_lock(&s->lock);
        spawner_wedged(s, to);
        pthread_mutex_unlock(&s->lock);
        return k8sc_error_set(K8SC_ETIMEOUT, "%s: no answer from the spawner within %d ms", what, s->timeout_ms);
    }
    long v = strtol(buf + (len ? 1 : 0), NULL, 10);
    if (len == 0 || buf[0] != 'P' || v <= 0)
        return k8sc_error_set(K8SC_EIO, "%s: %s", what,
                              len && buf[0] == 'E' ? strerror((int)v) : "the process did not start");
    out->pid = (pid_t)v;
    out->start = k8sc__runc_proc_start(out->pid);
    return 0;
}
