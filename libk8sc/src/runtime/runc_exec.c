/*
 * Exec sessions of the runc backend: `runc exec` in its own session
 * with pipes as the command's stdio, or with a terminal of ours as
 * runc's stdio and a process.json (--process) giving the container's
 * terminal its size from the start: runc copies the size of its own
 * terminal only after the command has started, so a quick `stty size`
 * could see 0 rows ("stty: standard input: …" with a stale errno).
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "runc_internal.h"

extern char **environ;

typedef struct runc_exec {
    pid_t pid;
    bool reaped;
    int code;
    int tty; /* our own copy of the terminal's master side; -1 without a tty */
    char *process_path; /* the --process file (tty), removed on release */
} runc_exec;

static int exec_resize(k8sc_runtime_exec *ex, uint16_t width, uint16_t height)
{
    runc_exec *e = ex->state;
    struct winsize ws = { height, width, 0, 0 };
    if (ioctl(e->tty, TIOCSWINSZ, &ws) != 0)
        return k8sc_error_set(K8SC_EIO, "exec: resizing the terminal: %s", strerror(errno));
    return 0;
}

static bool reap(runc_exec *e, int flags)
{
    if (e->reaped)
        return true;
    int status;
    pid_t got;
    while ((got = waitpid(e->pid, &status, flags)) < 0 && errno == EINTR)
        ;
    if (got != e->pid)
        return false;
    e->reaped = true;
    e->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
}

static int exec_wait(k8sc_runtime_exec *ex, int *exit_code, int timeout_ms)
{
    runc_exec *e = ex->state;
    int64_t deadline = k8sc_clock_mono(NULL) + (int64_t)timeout_ms * 1000000;
    while (!reap(e, WNOHANG)) {
        if (timeout_ms >= 0 && k8sc_clock_mono(NULL) >= deadline)
            return k8sc_error_set(K8SC_ETIMEOUT, "exec: the command is still running");
        struct timespec ts = { 0, 5 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    *exit_code = e->code;
    return 0;
}

static void exec_release(k8sc_runtime_exec *ex)
{
    runc_exec *e = ex->state;
    if (!e)
        return;
    if (!reap(e, WNOHANG)) {
        kill(-e->pid, SIGKILL);
        reap(e, 0);
    }
    if (e->tty >= 0)
        close(e->tty);
    if (e->process_path)
        unlink(e->process_path);
    free(e->process_path);
    free(e);
    ex->state = NULL;
}

/*
 * Write "exec-<random>.json" in the container's directory: the
 * container's own process (environment, user, working directory,
 * capabilities) running `opts->command` on a terminal of the given size.
 * *path gets its path (caller frees and removes it).
 */
static int write_process(const runc *r, const char *id, const k8sc_exec_options *opts, char **path)
{
    *path = NULL;
    char *dir = k8sc__runc_container_dir(r, id);
    char *config_path = dir ? k8sc__runc_path(dir, "config.json") : NULL;
    json_object *config = config_path ? k8sc__runc_read_json(config_path) : NULL;
    json_object *proc = json_object_get(k8sc__json_member(config, "process"));
    char *rand_id = k8sc__runc_new_id();
    k8sc__buf name = K8SC__BUF_INIT;
    if (rand_id)
        k8sc__buf_printf(&name, "exec-%.16s.json", rand_id);
    int rc = !dir || !config_path || !rand_id || k8sc__buf_status(&name) ? K8SC_ENOMEM : 0;
    if (rc == 0 && !json_object_is_type(proc, json_type_object))
        rc = k8sc_error_set(K8SC_EIO, "exec: container %s has no readable config.json", id);
    if (rc == 0) {
        json_object *args = json_object_new_array();
        for (size_t i = 0; i < opts->n_command; i++)
            json_object_array_add(args, json_object_new_string(opts->command[i]));
        json_object *size = json_object_new_object();
        json_object_object_add(size, "height", json_object_new_int(opts->height ? opts->height : 24));
        json_object_object_add(size, "width", json_object_new_int(opts->width ? opts->width : 80));
        json_object_object_add(proc, "args", args);
        json_object_object_add(proc, "terminal", json_object_new_boolean(1));
        json_object_object_add(proc, "consoleSize", size);
        *path = k8sc__runc_path(dir, name.ptr);
        rc = *path ? k8sc__runc_write_json(*path, proc) : K8SC_ENOMEM;
    }
    json_object_put(proc);
    json_object_put(config);
    free(config_path);
    free(dir);
    free(rand_id);
    k8sc__buf_free(&name);
    if (rc != 0) {
        free(*path);
        *path = NULL;
    }
    return rc;
}

/*
 * A terminal pair whose slave side becomes runc's stdio: in the
 * foreground runc insists on a terminal of its own, makes it raw and
 * copies between it and the container's terminal, passing on resizes
 * (SIGWINCH, as it is the slave's session leader).
 */
static int open_pty(char *slave, size_t size, uint16_t width, uint16_t height)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0 || ptsname_r(master, slave, size) != 0) {
        int err = errno;
        if (master >= 0)
            close(master);
        return k8sc_error_set(K8SC_EIO, "exec: allocating a terminal: %s", strerror(err));
    }
    struct winsize ws = { height ? height : 24, width ? width : 80, 0, 0 };
    ioctl(master, TIOCSWINSZ, &ws);
    return master;
}

int k8sc__runc_exec_start(void *state, k8sc_runtime_exec *ex, const char *id, const k8sc_exec_options *opts)
{
    runc *r = state;
    int rc = k8sc__runc_container_running(r, id);
    if (rc != 0)
        return rc;
    const char **argv = k8sc__calloc(opts->n_command + 10, sizeof(*argv));
    runc_exec *e = k8sc__calloc(1, sizeof(*e));
    if (!argv || !e) {
        free(argv);
        free(e);
        return K8SC_ENOMEM;
    }
    e->tty = -1;
    char slave[64] = "";
    size_t n = 0;
    argv[n++] = r->runc_path;
    argv[n++] = "--root";
    argv[n++] = r->runc_root;
    argv[n++] = "exec";
    if (opts->tty) {
        e->tty = open_pty(slave, sizeof(slave), opts->width, opts->height);
        rc = e->tty < 0 ? e->tty : write_process(r, id, opts, &e->process_path);
        argv[n++] = "--tty";
        argv[n++] = "--process";
        argv[n++] = e->process_path;
        argv[n++] = id;
    } else {
        argv[n++] = id;
        for (size_t i = 0; i < opts->n_command; i++)
            argv[n++] = opts->command[i];
    }
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
    if (rc == 0 && !opts->tty &&
        ((opts->stdin_ && pipe2(in, O_CLOEXEC) != 0) || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0))
        rc = k8sc_error_set(K8SC_EIO, "exec: pipe: %s", strerror(errno));
    if (rc == 0) {
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&attr);
        if (opts->tty) {
            posix_spawn_file_actions_addopen(&fa, 0, slave, O_RDWR, 0);
            posix_spawn_file_actions_adddup2(&fa, 0, 1);
            posix_spawn_file_actions_adddup2(&fa, 0, 2);
        } else {
            if (in[0] >= 0)
                posix_spawn_file_actions_adddup2(&fa, in[0], 0);
            else
                posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
            posix_spawn_file_actions_adddup2(&fa, out[1], 1);
            posix_spawn_file_actions_adddup2(&fa, err[1], 2);
        }
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &all);
        /* Its own session (and process group): the terminal becomes its controlling one; release kills the group. */
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        int serr = posix_spawn(&e->pid, r->runc_exe, &fa, &attr, (char *const *)argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        if (serr != 0)
            rc = k8sc_error_set(K8SC_EIO, "exec: running %s: %s", r->runc_path, strerror(serr));
    }
    if (rc == 0 && opts->tty) {
        ex->fds[1] = fcntl(e->tty, F_DUPFD_CLOEXEC, 3);
        ex->fds[0] = opts->stdin_ ? fcntl(e->tty, F_DUPFD_CLOEXEC, 3) : -1;
        if (ex->fds[1] < 0)
            rc = k8sc_error_set(K8SC_EIO, "exec: dup: %s", strerror(errno));
    }
    if (in[0] >= 0)
        close(in[0]);
    if (out[1] >= 0)
        close(out[1]);
    if (err[1] >= 0)
        close(err[1]);
    free(argv);
    if (rc != 0) {
        if (in[1] >= 0)
            close(in[1]);
        if (out[0] >= 0)
            close(out[0]);
        if (err[0] >= 0)
            close(err[0]);
        if (e->pid > 0) {
            kill(-e->pid, SIGKILL);
            reap(e, 0);
        }
        if (e->tty >= 0)
            close(e->tty);
        if (e->process_path)
            unlink(e->process_path);
        free(e->process_path);
        free(e);
        return rc;
    }
    if (!opts->tty) {
        ex->fds[0] = in[1];
        ex->fds[1] = out[0];
        ex->fds[2] = err[0];
    }
    ex->state = e;
    ex->wait = exec_wait;
    ex->release = exec_release;
    if (opts->tty)
        ex->resize = exec_resize;
    return 0;
}
