/*
 * Running iptables for the proxy: one iptables-restore --noflush per
 * sync, the jumps from the built-in chains checked and inserted with
 * iptables -C/-I as kube-proxy's EnsureRule does, and the cleanup that
 * deletes every proxy chain found by iptables-save.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/proxy_internal.h"

extern char **environ;

#define OUTPUT_MAX (4 * 1024 * 1024)

/*
 * Run argv with `in` on its stdin (a socket, so that a child exiting early
 * cannot SIGPIPE us), collect stdout and stderr into *out (may be NULL)
 * and return the exit status (>= 0) or a negative error.
 */
static int run(const char *const argv[], const char *in, size_t in_len, char **out)
{
    int sin[2] = { -1, -1 }, sout[2] = { -1, -1 };
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sin) != 0 || pipe2(sout, O_CLOEXEC) != 0) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (sin[i] >= 0)
                close(sin[i]);
            if (sout[i] >= 0)
                close(sout[i]);
        }
        return k8sc_error_set(K8SC_EIO, "%s: cannot make pipes: %s", argv[0], strerror(e));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sin[1], 0);
    posix_spawn_file_actions_adddup2(&fa, sout[1], 1);
    posix_spawn_file_actions_adddup2(&fa, sout[1], 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(sin[1]);
    close(sout[1]);
    if (rc != 0) {
        close(sin[0]);
        close(sout[0]);
        return k8sc_error_set(K8SC_EIO, "%s: cannot run: %s", argv[0], strerror(rc));
    }
    k8sc__buf b = K8SC__BUF_INIT;
    size_t off = 0;
    bool in_open = true;
    if (!in || in_len == 0) {
        close(sin[0]);
        in_open = false;
    }
    for (;;) {
        struct pollfd pf[2] = { { sout[0], POLLIN, 0 }, { in_open ? sin[0] : -1, POLLOUT, 0 } };
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (in_open && (pf[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = send(sin[0], in + off, in_len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0)
                off += (size_t)w;
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == in_len) {
                close(sin[0]);
                in_open = false;
            }
        }
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char chunk[4096];
            ssize_t r = read(sout[0], chunk, sizeof(chunk));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            if (b.len < OUTPUT_MAX)
                k8sc__buf_put(&b, chunk, (size_t)r);
        }
    }
    if (in_open)
        close(sin[0]);
    close(sout[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (k8sc__buf_status(&b) != 0) {
        k8sc__buf_free(&b);
        return k8sc__error_nomem();
    }
    if (out)
        *out = b.ptr ? k8sc__buf_detach(&b, NULL) : k8sc__strdup("");
    else
        k8sc__buf_free(&b);
    if (out && !*out)
        return K8SC_ENOMEM;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Trim trailing newlines of a tool's message for an error text. */
static const char *trimmed(char *msg)
{
    size_t n = msg ? strlen(msg) : 0;
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    return msg ? msg : "";
}

int k8sc__proxy_restore(const k8sc__proxy_tools *t, const char *text, size_t len)
{
    const char *argv[] = { t->restore, "--noflush", NULL };
    char *msg = NULL;
    int rc = run(argv, text, len, &msg);
    if (rc > 0)
        rc = k8sc_error_set(K8SC_EIO, "%s failed (exit %d): %s", t->restore, rc, trimmed(msg));
    k8sc_free(msg);
    return rc;
}

/* iptables -t table <op> chain args...: its exit status, or a negative error. */
static int jump_op(const k8sc__proxy_tools *t, const k8sc__proxy_jump *j, const char *op, char **msg)
{
    const char *argv[32];
    size_t n = 0;
    argv[n++] = t->iptables;
    argv[n++] = "-w";
    argv[n++] = "-t";
    argv[n++] = j->table;
    argv[n++] = op;
    argv[n++] = j->chain;
    if (strcmp(op, "-I") == 0)
        argv[n++] = "1";
    for (size_t i = 0; j->args[i] && n + 1 < K8SC__ARRAY_LEN(argv); i++)
        argv[n++] = j->args[i];
    argv[n] = NULL;
    return run(argv, NULL, 0, msg);
}

int k8sc__proxy_ensure_jumps(const k8sc__proxy_tools *t, k8sc_proxy_mode mode)
{
    const k8sc__proxy_jump *jumps = k8sc__proxy_jumps(mode);
    size_t n = 0;
    while (jumps[n].table)
        n++;
    /* Inserted first in reverse, so that jumps missing together keep their listed order. */
    while (n-- > 0) {
        int rc = jump_op(t, &jumps[n], "-C", NULL);
        if (rc < 0)
            return rc;
        if (rc == 0)
            continue;
        char *msg = NULL;
        rc = jump_op(t, &jumps[n], "-I", &msg);
        if (rc > 0)
            rc = k8sc_error_set(K8SC_EIO, "%s -t %s -I %s failed (exit %d): %s", t->iptables, jumps[n].table,
                jumps[n].chain, rc, trimmed(msg));
        k8sc_free(msg);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Append to `b` the declarations (flushes) and deletions of the proxy chains in iptables-save output. */
static void drop_chains(k8sc__buf *b, const char *table, const char *save)
{
    k8sc__buf del = K8SC__BUF_INIT;
    k8sc__buf_printf(b, "*%s\n", table);
    for (const char *line = save; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > 1 && line[0] == ':') {
            const char *sp = memchr(line, ' ', len);
            size_t nlen = sp ? (size_t)(sp - line - 1) : len - 1;
            char name[64];
            if (nlen < sizeof(name)) {
                memcpy(name, line + 1, nlen);
                name[nlen] = '\0';
                if (k8sc__proxy_owns_chain(name)) {
                    k8sc__buf_printf(b, ":%s - [0:0]\n", name);
                    k8sc__buf_printf(&del, "-X %s\n", name);
                }
            }
        }
        line = end ? end + 1 : line + len;
    }
    if (del.len)
        k8sc__buf_put(b, del.ptr, del.len);
    k8sc__buf_free(&del);
    k8sc__buf_puts(b, "COMMIT\n");
}

int k8sc__proxy_remove_all(const k8sc__proxy_tools *t)
{
    for (int mode = K8SC_PROXY_MODE_IPTABLES; mode <= K8SC_PROXY_MODE_USERSPACE; mode++)
        for (const k8sc__proxy_jump *j = k8sc__proxy_jumps((k8sc_proxy_mode)mode); j->table; j++) {
            /* A rule may have been added twice by hand or by a crashed run: delete until gone. */
            for (int i = 0; i < 16; i++) {
                int rc = jump_op(t, j, "-C", NULL);
                if (rc < 0)
                    return rc;
                if (rc != 0 || jump_op(t, j, "-D", NULL) != 0)
                    break;
            }
        }
    k8sc__buf text = K8SC__BUF_INIT;
    static const char *const tables[] = { "filter", "nat" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(tables); i++) {
        const char *argv[] = { t->save, "-t", tables[i], NULL };
        char *save = NULL;
        int rc = run(argv, NULL, 0, &save);
        if (rc < 0) {
            k8sc__buf_free(&text);
            return rc;
        }
        /* A table the kernel never loaded has nothing of ours (and save may complain). */
        if (rc == 0)
            drop_chains(&text, tables[i], save);
        k8sc_free(save);
    }
    if (k8sc__buf_status(&text) != 0) {
        k8sc__buf_free(&text);
        return k8sc__error_nomem();
    }
    int rc = text.len ? k8sc__proxy_restore(t, text.ptr, text.len) : 0;
    k8sc__buf_free(&text);
    return rc;
}
