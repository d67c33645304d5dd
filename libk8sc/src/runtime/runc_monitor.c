/*
 * The processes the runc backend leaves running: a container's monitor
 * and a sandbox's pause process.
 *
 * Both are started by the spawner (runc_spawner.c), a fork of the host,
 * which may be multi-threaded (the kubelet, Python); no helper
 * executable is guaranteed to be installed. So the children make only
 * async-signal-safe calls (raw syscalls: setsid, vfork, execve, waitpid,
 * pipe, dup2, poll, read, write, open, rename, clock_gettime, unshare,
 * setns, ioctl) and format numbers and times themselves; their paths
 * come as the request's fields and their buffers are static. Each runs
 * in its own session and outlives the host.
 *
 * The monitor runs `runc run` in the foreground with pipes as the
 * container's stdout and stderr (for a container with a terminal, a
 * terminal of its own as runc's stdio: runc insists on one and copies
 * between it and the container's), writes every line to the log file in
 * the CRI format (16 KiB pieces of longer lines as "P" lines), rotates
 * the file by size (one predecessor, "<path>.1"), and when runc returns
 * writes "<exit code> <finished ns> <oom 0|1>" to "exit" in the
 * container's directory, then exits.
 *
 * It also serves attach (runc_attach.c) on the unix socket "attach" in
 * the container's directory while the container runs. A client sends one
 * byte saying what the connection is, then: 'o' / 'e' receive the
 * container's stdout / stderr from then on (a client that falls behind
 * by a socket buffer is dropped: the monitor never blocks on one), 'i'
 * sends stdin (end of file detaches; with stdin_once it also ends the
 * container's stdin), 'r' sends terminal sizes as 4 bytes (width, height,
 * big-endian 16-bit). A container created with stdin gets a pipe (or its
 * terminal) as stdin, held open by the monitor; without, /dev/null and
 * stdin clients are read and ignored. When the container ends, every
 * connection is closed and the socket removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "runc_internal.h"

#define LINE_PIECE (16 * 1024)
#define LOG_MAX_BYTES (10 * 1024 * 1024)
#define MAX_CONNS 16
#define STDIN_CHUNK 4096
#define ATTACH_SOCKET "attach"

typedef struct attach_conn {
    int fd;             /* -1: free slot */
    char role;          /* 0 until the client said; 'o', 'e', 'i', 'r' */
    unsigned char size[4];
    size_t n_size;
} attach_conn;

typedef struct monitor {
    const char *const *argv;
    const char *exe; /* what to execute (the spawner's sealed runc), or NULL: argv[0] */
    const char *rootfs;
    const char *overlay; /* the mount options of the container's root, or NULL: rootfs is a directory */
    const char *const *envp;
    const char *log;
    const char *log_old;
    const char *exit_path;
    const char *exit_tmp;
    const char *oom_path;      /* v2: the scope's memory.events (hierarchical); NULL: not watched */
    const char *oom_control;   /* v1: the leaf's memory.oom_control, watched through an eventfd */
    const char *event_control; /* v1: the leaf's cgroup.event_control */
    const char *dir;           /* the container's directory (the attach socket's) */
    bool oom_seen;
    bool tty;             /* give runc a terminal (the container's output all comes as stdout) */
    bool stdin_;          /* the container has a stdin fed by attach clients */
    bool stdin_once;      /* the first stdin client's detach ends it */
    int listen_fd;
    int stdin_fd;         /* write end of the container's stdin; -1: none or ended */
    bool stdin_closing;   /* end the container's stdin once the pending input is written */
    char stdin_buf[STDIN_CHUNK];
    size_t stdin_len, stdin_off;
    attach_conn conns[MAX_CONNS];
    int log_fd;
    off_t log_size;
    long long oom_kills;
    char pending[2][LINE_PIECE];
    size_t n_pending[2];
    char line[LINE_PIECE + 64];
    char chunk[LINE_PIECE];
} monitor;

static size_t fmt_uint(char *out, unsigned long long v, int width)
{
    char tmp[20]; /* the digits of the longest unsigned long long, last first */
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < (int)sizeof(tmp));
    size_t len = 0;
    for (int pad = width - n; pad > 0; pad--)
        out[len++] = '0';
    while (n > 0)
        out[len++] = tmp[--n];
    return len;
}

static size_t fmt_int(char *out, long long v)
{
    if (v < 0) {
        out[0] = '-';
        return 1 + fmt_uint(out + 1, (unsigned long long)-v, 1);
    }
    return fmt_uint(out, (unsigned long long)v, 1);
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* RFC3339Nano in UTC ("2016-10-06T00:17:09.669794202Z", 30 bytes), from civil-from-days arithmetic. */
static size_t fmt_time(char *out, long long ns)
{
    long long secs = ns / 1000000000LL, frac = ns % 1000000000LL;
    long long days = secs / 86400, rem = secs % 86400;
    long long z = days + 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    long long d = doy - (153 * mp + 2) / 5 + 1;
    long long m = mp < 10 ? mp + 3 : mp - 9;
    long long y = yoe + era * 400 + (m <= 2);
    size_t n = fmt_uint(out, (unsigned long long)y, 4);
    out[n++] = '-';
    n += fmt_uint(out + n, (unsigned long long)m, 2);
    out[n++] = '-';
    n += fmt_uint(out + n, (unsigned long long)d, 2);
    out[n++] = 'T';
    n += fmt_uint(out + n, (unsigned long long)(rem / 3600), 2);
    out[n++] = ':';
    n += fmt_uint(out + n, (unsigned long long)(rem / 60 % 60), 2);
    out[n++] = ':';
    n += fmt_uint(out + n, (unsigned long long)(rem % 60), 2);
    out[n++] = '.';
    n += fmt_uint(out + n, (unsigned long long)frac, 9);
    out[n++] = 'Z';
    return n;
}

static void write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

static void open_log(monitor *m)
{
    m->log_fd = open(m->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    struct stat st;
    m->log_size = m->log_fd >= 0 && fstat(m->log_fd, &st) == 0 ? st.st_size : 0;
}

static void emit(monitor *m, int stream, bool partial)
{
    if (m->log_size >= LOG_MAX_BYTES) {
        rename(m->log, m->log_old);
        if (m->log_fd >= 0)
            close(m->log_fd);
        open_log(m);
    }
    size_t n = fmt_time(m->line, now_ns());
    const char *tag = stream == 0 ? " stdout " : " stderr ";
    memcpy(m->line + n, tag, 8);
    n += 8;
    m->line[n++] = partial ? 'P' : 'F';
    m->line[n++] = ' ';
    memcpy(m->line + n, m->pending[stream], m->n_pending[stream]);
    n += m->n_pending[stream];
    m->line[n++] = '\n';
    m->n_pending[stream] = 0;
    if (m->log_fd >= 0)
        write_all(m->log_fd, m->line, n);
    m->log_size += (off_t)n;
}

static void take(monitor *m, int stream, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\n') {
            emit(m, stream, false);
            continue;
        }
        m->pending[stream][m->n_pending[stream]++] = p[i];
        if (m->n_pending[stream] == LINE_PIECE)
            emit(m, stream, true);
    }
}

/* The container's cgroup scope's "oom_kill N" count (v1 memory.oom_control, v2 memory.events); unchanged if unreadable. */
static void read_oom(monitor *m)
{
    if (!m->oom_path)
        return;
    int fd = open(m->oom_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[512];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    for (char *p = buf; (p = strstr(p, "oom_kill ")); p++) {
        if (p != buf && p[-1] != '\n')
            continue;
        long long v = 0;
        for (p += 9; *p >= '0' && *p <= '9'; p++)
            v = v * 10 + (*p - '0');
        m->oom_kills = v;
        return;
    }
}

/*
 * cgroup v1 counts OOM kills per cgroup and runc removes the container's
 * cgroup before the monitor learns of the exit, so on v1 the monitor
 * asks for OOM notifications (an eventfd registered in
 * cgroup.event_control, as containerd does). The eventfd also fires when
 * the cgroup is removed; only a notification while it exists is an OOM.
 */
static int watch_oom(const monitor *m)
{
    if (!m->oom_control)
        return -1;
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int ofd = open(m->oom_control, O_RDONLY | O_CLOEXEC);
    int cfd = open(m->event_control, O_WRONLY | O_CLOEXEC);
    bool ok = efd >= 0 && ofd >= 0 && cfd >= 0;
    if (ok) {
        char line[48];
        size_t n = fmt_uint(line, (unsigned long long)efd, 1);
        line[n++] = ' ';
        n += fmt_uint(line + n, (unsigned long long)ofd, 1);
        ok = write(cfd, line, n) == (ssize_t)n;
    }
    if (cfd >= 0)
        close(cfd);
    /* The registration holds its own reference to the oom_control file. */
    if (ofd >= 0)
        close(ofd);
    if (!ok && efd >= 0) {
        close(efd);
        efd = -1;
    }
    return efd;
}

void k8sc__runc_reset_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * Not prctl(): sanitizers intercept it and, for PR_SET_NAME, rename the
 * thread in their registry under its lock. In a fork of a multi-threaded
 * host that lock may have been held by another thread at the fork, and
 * then the child waits for it forever (the spawner of an ASan build did).
 */
void k8sc__runc_set_name(const char *name)
{
    syscall(SYS_prctl, PR_SET_NAME, (unsigned long)name, 0UL, 0UL, 0UL);
}

void k8sc__runc_isolate_fds(int keep, int exe)
{
    /* Out of the way first: `exe` may sit at 3, where `keep` goes. */
    int high = exe >= 0 ? fcntl(exe, F_DUPFD_CLOEXEC, K8SC__RUNC_EXE_FD + 1) : -1;
    if (keep != 3) {
        dup2(keep, 3);
        close(keep);
    }
    fcntl(3, F_SETFD, FD_CLOEXEC);
    if (high >= 0)
        dup3(high, K8SC__RUNC_EXE_FD, O_CLOEXEC);
    syscall(SYS_close_range, high >= 0 ? K8SC__RUNC_EXE_FD + 1U : 4U, ~0U, 0U);
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3 && null >= 0; fd++)
        if (fd != null)
            dup2(null, fd);
    if (null > 2)
        close(null);
}

void k8sc__runc_report(int fd, char tag, long long v)
{
    char buf[32];
    buf[0] = tag;
    size_t n = 1 + fmt_int(buf + 1, v);
    buf[n++] = '\n';
    write_all(fd, buf, n);
}

/* A terminal: out[0] its master side, `slave` its path (out[1] -1: the child opens it). Raw syscalls only. */
static int open_pty(int out[2], char slave[32])
{
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    int unlock = 0;
    unsigned int n = 0;
    if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) != 0 || ioctl(master, TIOCGPTN, &n) != 0)
        return -1;
    memcpy(slave, "/dev/pts/", 9);
    slave[9 + fmt_uint(slave + 9, n, 1)] = '\0';
    out[0] = master;
    out[1] = -1;
    return 0;
}

/* Listen on "attach" in the container's directory (the monitor's cwd then); -1 if that fails (no attach). */
static int attach_listen(monitor *m)
{
    if (chdir(m->dir) != 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, ATTACH_SOCKET, sizeof(ATTACH_SOCKET));
    unlink(ATTACH_SOCKET);
    if (fd >= 0 && (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chmod(ATTACH_SOCKET, 0600) != 0 ||
                    listen(fd, MAX_CONNS) != 0)) {
        close(fd);
        fd = -1;
    }
    for (int i = 0; i < MAX_CONNS; i++)
        m->conns[i].fd = -1;
    return fd;
}

static void conn_drop(attach_conn *c)
{
    close(c->fd);
    c->fd = -1;
    c->role = 0;
    c->n_size = 0;
}

static void stdin_end(monitor *m)
{
    if (m->stdin_fd < 0)
        return;
    /* A terminal has no end of file to pass on but the EOF character (^D); if it does not fit, it is lost. */
    ssize_t n = m->tty ? write(m->stdin_fd, "\x04", 1) : 0;
    (void)n;
    close(m->stdin_fd);
    m->stdin_fd = -1;
    m->stdin_len = m->stdin_off = 0;
}

/* Output of stream 0 / 1 to the clients that asked for it. */
static void broadcast(monitor *m, int stream, const char *p, size_t len)
{
    char role = stream == 0 ? 'o' : 'e';
    for (int i = 0; i < MAX_CONNS; i++) {
        attach_conn *c = &m->conns[i];
        if (c->fd >= 0 && c->role == role && send(c->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)len)
            conn_drop(c);
    }
}

static void conn_accept(monitor *m)
{
    int fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (int i = 0; i < MAX_CONNS; i++)
        if (m->conns[i].fd < 0) {
            m->conns[i].fd = fd;
            return;
        }
    close(fd);
}

static void conn_read(monitor *m, attach_conn *c, int tty_master)
{
    char scratch[64];
    bool input = c->role == 'i' && m->stdin_fd >= 0;
    if (input && m->stdin_off < m->stdin_len)
        return; /* another client's input is still being written */
    char *buf = input ? m->stdin_buf : scratch;
    size_t size = input ? sizeof(m->stdin_buf) : c->role ? sizeof(scratch) : 1;
    ssize_t n = read(c->fd, buf, size);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        if (c->role == 'i' && m->stdin_once)
            m->stdin_closing = true;
        conn_drop(c);
        return;
    }
    if (!c->role) {
        if (buf[0] == 'o' || buf[0] == 'e' || buf[0] == 'i' || buf[0] == 'r')
            c->role = buf[0];
        else
            conn_drop(c);
    } else if (input) {
        m->stdin_len = (size_t)n;
        m->stdin_off = 0;
    } else if (c->role == 'r') {
        for (ssize_t i = 0; i < n; i++) {
            c->size[c->n_size++] = (unsigned char)buf[i];
            if (c->n_size < 4)
                continue;
            c->n_size = 0;
            struct winsize ws = { (unsigned short)(c->size[2] << 8 | c->size[3]),
                                  (unsigned short)(c->size[0] << 8 | c->size[1]), 0, 0 };
            if (tty_master >= 0 && ws.ws_row && ws.ws_col)
                ioctl(tty_master, TIOCSWINSZ, &ws);
        }
    }
}

static void stdin_write(monitor *m)
{
    ssize_t n = write(m->stdin_fd, m->stdin_buf + m->stdin_off, m->stdin_len - m->stdin_off);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        /* The container closed its stdin: input has nowhere to go. */
        close(m->stdin_fd);
        m->stdin_fd = -1;
        m->stdin_len = m->stdin_off = 0;
        return;
    }
    m->stdin_off += (size_t)n;
    if (m->stdin_off == m->stdin_len)
        m->stdin_len = m->stdin_off = 0;
}

/*
 * Start runc with vfork, so it starts without a copy of the monitor: the
 * child only sets up its stdio (`out`; `slave`, the terminal, with tty)
 * and execs. Its pid, or -1.
 */
static __attribute__((noinline)) pid_t start_runc(const monitor *m, int out, int err, int in, const char *slave)
{
    pid_t child = vfork();
    if (child != 0)
        return child;
    int fd = out;
    if (m->tty) {
        setsid();
        fd = open(slave, O_RDWR);
        dup2(fd, 0);
        dup2(fd, 2);
    }
    dup2(fd, 1);
    if (!m->tty)
        dup2(err, 2);
    if (in >= 0)
        dup2(in, 0);
    if (m->exe)
        execve(m->exe, (char *const *)m->argv, (char *const *)m->envp);
    execve(m->argv[0], (char *const *)m->argv, (char *const *)m->envp);
    _exit(127);
}

/*
 * Mount the container's root overlay in a mount namespace of the
 * monitor's own, which runc and the container inherit: the host's mount
 * table does not grow with each container, and the mount goes away
 * with the monitor. 0 or -1 (errno).
 */
static int mount_root(const monitor *m)
{
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0)
        return -1;
    return mount("overlay", m->rootfs, "overlay", 0, m->overlay);
}

static void monitor_main(monitor *m, int report)
{
    k8sc__runc_isolate_fds(report, m->exe ? K8SC__RUNC_EXE_FD : -1);
    k8sc__runc_reset_signals();
    int out[2], err[2], in[2] = { -1, -1 };
    char slave[32];
    if (m->tty ? open_pty(out, slave) != 0
               : pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 || (m->stdin_ && pipe2(in, O_CLOEXEC) != 0)) {
        k8sc__runc_report(3, 'E', errno);
        _exit(1);
    }
    if (m->overlay && mount_root(m) != 0) {
        k8sc__runc_report(3, 'E', errno);
        _exit(1);
    }
    m->listen_fd = attach_listen(m);
    if (m->tty)
        err[0] = err[1] = -1;
    open_log(m);
    int oom_fd = watch_oom(m);
    pid_t child = start_runc(m, out[1], err[1], in[0], slave);
    if (child < 0) {
        k8sc__runc_report(3, 'E', errno);
        _exit(1);
    }
    if (out[1] >= 0)
        close(out[1]);
    if (err[1] >= 0)
        close(err[1]);
    if (in[0] >= 0)
        close(in[0]);
    /* Input goes to the stdin pipe, or with a terminal to its master side (through runc to the container). */
    m->stdin_fd = !m->stdin_ ? -1 : m->tty ? fcntl(out[0], F_DUPFD_CLOEXEC, 3) : in[1];
    if (m->stdin_fd >= 0)
        fcntl(m->stdin_fd, F_SETFL, O_NONBLOCK);
    /* Only now (runc has its default): a client gone away must not kill the monitor. */
    struct sigaction ign;
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, NULL);
    k8sc__runc_report(3, 'P', getpid());
    close(3);
    struct pollfd p[5 + MAX_CONNS] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 }, { oom_fd, POLLIN, 0 } };
    /* A terminal's master side reads EIO once the last slave fd is closed: end of output, as EOF is for a pipe. */
    while (p[0].fd >= 0 || p[1].fd >= 0) {
        bool pending = m->stdin_off < m->stdin_len;
        p[3] = (struct pollfd){ m->listen_fd, POLLIN, 0 };
        p[4] = (struct pollfd){ pending ? m->stdin_fd : -1, POLLOUT, 0 };
        for (int i = 0; i < MAX_CONNS; i++) {
            const attach_conn *c = &m->conns[i];
            /* While input waits for the container, leave further input in the clients' sockets. */
            p[5 + i] = (struct pollfd){ c->role == 'i' && pending ? -1 : c->fd, POLLIN, 0 };
        }
        int n = poll(p, 5 + MAX_CONNS, -1);
        if (n > 0 && p[3].revents)
            conn_accept(m);
        if (n > 0 && p[4].revents && m->stdin_fd >= 0)
            stdin_write(m);
        for (int i = 0; i < MAX_CONNS && n > 0; i++)
            if (p[5 + i].revents && m->conns[i].fd == p[5 + i].fd)
                conn_read(m, &m->conns[i], m->tty ? out[0] : -1);
        if (m->stdin_closing && m->stdin_off == m->stdin_len) {
            stdin_end(m);
            m->stdin_closing = false;
        }
        if (n > 0 && p[2].revents) {
            uint64_t count;
            if (read(p[2].fd, &count, sizeof(count)) < 0 || access(m->oom_control, F_OK) != 0) {
                close(p[2].fd);
                p[2].fd = -1;
            } else {
                m->oom_seen = true;
            }
            n--;
        }
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2 && n > 0; i++) {
            if (!p[i].revents)
                continue;
            ssize_t got = read(p[i].fd, m->chunk, sizeof(m->chunk));
            if (got < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (got <= 0) {
                close(p[i].fd);
                p[i].fd = -1;
                continue;
            }
            take(m, i, m->chunk, (size_t)got);
            broadcast(m, i, m->chunk, (size_t)got);
        }
    }
    /* The container's output has ended: so have its attach sessions. */
    if (m->listen_fd >= 0) {
        close(m->listen_fd);
        unlink(ATTACH_SOCKET);
    }
    for (int i = 0; i < MAX_CONNS; i++)
        if (m->conns[i].fd >= 0)
            conn_drop(&m->conns[i]);
    if (m->stdin_fd >= 0)
        close(m->stdin_fd);
    for (int i = 0; i < 2; i++)
        if (m->n_pending[i])
            emit(m, i, false);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    read_oom(m);
    char rec[96];
    size_t n = fmt_int(rec, code);
    rec[n++] = ' ';
    n += fmt_int(rec + n, now_ns());
    rec[n++] = ' ';
    rec[n++] = code == 137 && (m->oom_kills > 0 || m->oom_seen) ? '1' : '0';
    rec[n++] = '\n';
    int fd = open(m->exit_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        write_all(fd, rec, n);
        fsync(fd);
        close(fd);
        rename(m->exit_tmp, m->exit_path);
    }
    _exit(0);
}

static void lo_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, "lo", 3);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    close(s);
}

typedef struct pause_args {
    int flags;
    const char *netns_path;
    const char *hostname;
} pause_args;

static void pause_main(const pause_args *a, int report)
{
    k8sc__runc_isolate_fds(report, -1);
    k8sc__runc_reset_signals();
    if (a->netns_path) {
        int fd = open(a->netns_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
            k8sc__runc_report(3, 'E', errno);
            _exit(1);
        }
        close(fd);
    }
    if (unshare(a->flags) != 0 || (a->hostname && sethostname(a->hostname, strlen(a->hostname)) != 0)) {
        k8sc__runc_report(3, 'E', errno);
        _exit(1);
    }
    if (a->flags & CLONE_NEWNET)
        lo_up();
    k8sc__runc_set_name("k8sc-pause");
    k8sc__runc_report(3, 'P', getpid());
    close(3);
    for (;;)
        pause();
}

/* A monitor's fields, as sent to the spawner. */
enum {
    MF_RUNC,
    MF_RUNC_ROOT,
    MF_DIR,
    MF_PID_FILE,
    MF_ID,
    MF_LOG,
    MF_LOG_OLD,
    MF_EXIT,
    MF_EXIT_TMP,
    MF_OOM,
    MF_OOM_CONTROL,
    MF_EVENT_CONTROL,
    MF_TTY,
    MF_STDIN,
    MF_STDIN_ONCE,
    MF_EXE,
    MF_ROOTFS,
    MF_OVERLAY,
    MF_COUNT
};

_Static_assert(MF_COUNT <= K8SC__RUNC_SPAWN_FIELDS, "a monitor's fields fit in a spawner request");

/* A pause process's fields. */
enum { PF_FLAGS, PF_NETNS, PF_HOSTNAME, PF_COUNT };

static int parse_flags(const char *s)
{
    int v = 0;
    for (; s && *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (*s - '0');
    return v;
}

void k8sc__runc_child_main(char kind, const char *const *f, size_t n, int report)
{
    if (kind == 'p' && n == PF_COUNT) {
        pause_args a = { parse_flags(f[PF_FLAGS]), f[PF_NETNS], f[PF_HOSTNAME] };
        pause_main(&a, report);
    }
    if (kind == 'm' && n == MF_COUNT && f[MF_RUNC] && f[MF_RUNC_ROOT] && f[MF_DIR] && f[MF_PID_FILE] && f[MF_ID] &&
        f[MF_LOG] && f[MF_LOG_OLD] && f[MF_EXIT] && f[MF_EXIT_TMP]) {
        static monitor m;
        const char *argv[] = { f[MF_RUNC], "--root", f[MF_RUNC_ROOT], "run", "--bundle", f[MF_DIR], "--pid-file",
                               f[MF_PID_FILE], f[MF_ID], NULL };
        static const char *const envp[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL };
        m.argv = argv;
        m.exe = f[MF_EXE] ? K8SC__RUNC_EXE_PATH : NULL;
        m.rootfs = f[MF_ROOTFS];
        m.overlay = f[MF_ROOTFS] ? f[MF_OVERLAY] : NULL;
        m.envp = envp;
        m.log = f[MF_LOG];
        m.log_old = f[MF_LOG_OLD];
        m.exit_path = f[MF_EXIT];
        m.exit_tmp = f[MF_EXIT_TMP];
        m.oom_path = f[MF_OOM];
        m.oom_control = f[MF_OOM_CONTROL];
        m.event_control = f[MF_EVENT_CONTROL];
        m.dir = f[MF_DIR];
        m.tty = f[MF_TTY] != NULL;
        m.stdin_ = f[MF_STDIN] != NULL;
        m.stdin_once = f[MF_STDIN_ONCE] != NULL;
        monitor_main(&m, report);
    }
    k8sc__runc_report(report, 'E', EINVAL);
    _exit(1);
}

int k8sc__runc_pause_start(const runc *r, runc_proc *out, const k8sc_sandbox_config *cfg)
{
    int flags = CLONE_NEWUTS;
    const char *netns = cfg->netns_path, *hostname = cfg->hostname ? cfg->hostname : cfg->name;
    if (cfg->host_network) {
        /* A pod on the host's network shares the host's name too, as in Kubernetes. */
        flags = 0;
        netns = NULL;
        hostname = NULL;
    } else if (!netns) {
        flags |= CLONE_NEWNET;
    }
    if (!cfg->host_ipc)
        flags |= CLONE_NEWIPC;
    if (hostname && strlen(hostname) > 64)
        return k8sc_error_set(K8SC_EINVAL, "sandbox hostname \"%s\" is longer than 64 characters", hostname);
    char num[16];
    snprintf(num, sizeof(num), "%d", flags);
    const char *f[PF_COUNT] = { [PF_FLAGS] = num, [PF_NETNS] = netns, [PF_HOSTNAME] = hostname };
    return k8sc__runc_spawn(r->spawner, out, "starting the sandbox's pause process", 'p', f, PF_COUNT);
}

int k8sc__runc_monitor_start(const runc *r, runc_proc *out, const char *id, const char *dir, const char *log_path,
                             const char *scope, const char *leaf, const char *overlay, const runc_stdio *stdio)
{
    char *bundle_pid = k8sc__runc_path(dir, "pid");
    char *rootfs = k8sc__runc_path(dir, "rootfs");
    k8sc__buf old = K8SC__BUF_INIT;
    k8sc__buf_printf(&old, "%s.1", log_path);
    char *log_old = k8sc__buf_status(&old) ? NULL : k8sc__buf_detach(&old, NULL);
    k8sc__buf_free(&old);
    char *exit_path = k8sc__runc_path(dir, "exit");
    char *exit_tmp = k8sc__runc_path(dir, "exit.tmp");
    const k8sc__cgroup_fs *fs = k8sc__cgroup_host();
    bool v2 = fs->v2;
    char *scope_dir = k8sc__cgroup_dir(fs, "memory", scope), *leaf_dir = k8sc__cgroup_dir(fs, "memory", leaf);
    char *oom = NULL, *oom_control = NULL, *event_control = NULL;
    int rc = 0;
    if (v2 && scope_dir)
        oom = k8sc__runc_path(scope_dir, "memory.events");
    /* v1: make the leaf now (runc takes it as it is) so the monitor can watch it from the start. */
    if (!v2 && leaf_dir && k8sc__mkdirs(leaf_dir, 0755) == 0) {
        oom_control = k8sc__runc_path(leaf_dir, "memory.oom_control");
        event_control = k8sc__runc_path(leaf_dir, "cgroup.event_control");
    }
    if (!bundle_pid || !rootfs || !log_old || !exit_path || !exit_tmp || (scope && !scope_dir) || (leaf && !leaf_dir) ||
        (oom_control && !event_control))
        rc = K8SC_ENOMEM;
    if (rc == 0) {
        const char *f[MF_COUNT] = {
            [MF_RUNC] = r->runc_path,
            [MF_RUNC_ROOT] = r->runc_root,
            [MF_DIR] = dir,
            [MF_PID_FILE] = bundle_pid,
            [MF_ID] = id,
            [MF_LOG] = log_path,
            [MF_LOG_OLD] = log_old,
            [MF_EXIT] = exit_path,
            [MF_EXIT_TMP] = exit_tmp,
            [MF_OOM] = oom,
            [MF_OOM_CONTROL] = oom_control,
            [MF_EVENT_CONTROL] = event_control,
            [MF_TTY] = stdio->tty ? "1" : NULL,
            [MF_STDIN] = stdio->stdin_ ? "1" : NULL,
            [MF_STDIN_ONCE] = stdio->stdin_once ? "1" : NULL,
            [MF_EXE] = r->runc_fd >= 0 ? "1" : NULL,
            [MF_ROOTFS] = rootfs,
            [MF_OVERLAY] = overlay,
        };
        rc = k8sc__runc_spawn(r->spawner, out, "starting the container monitor", 'm', f, MF_COUNT);
    }
    free(bundle_pid);
    free(rootfs);
    free(log_old);
    free(exit_path);
    free(exit_tmp);
    free(scope_dir);
    free(leaf_dir);
    free(oom);
    free(oom_control);
    free(event_control);
    return rc;
}
