/* Executing one CNI plugin: its environment, stdin, output, error object and timeout. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cni_internal.h"
#include "internal.h"

extern char **environ;

#define OUTPUT_MAX (1024 * 1024)

/* The plugin's path on the search path `bin_dir` (caller frees), or NULL with ENOTFOUND set. */
static char *find_plugin(const char *bin_dir, const char *type)
{
    const char *p = bin_dir;
    while (*p) {
        size_t n = strcspn(p, ":");
        if (n > 0) {
            k8sc__buf b = K8SC__BUF_INIT;
            k8sc__buf_put(&b, p, n);
            k8sc__buf_printf(&b, "/%s", type);
            if (k8sc__buf_status(&b)) {
                k8sc__buf_free(&b);
                return NULL;
            }
            if (access(b.ptr, X_OK) == 0)
                return k8sc__buf_detach(&b, NULL);
            k8sc__buf_free(&b);
        }
        p += n;
        if (*p == ':')
            p++;
    }
    k8sc_error_set(K8SC_ENOTFOUND, "failed to find plugin \"%s\" in path [%s]", type, bin_dir);
    return NULL;
}

/* The plugin's environment: ours without CNI_* variables, then the CNI ones (NULL-terminated; k8sc_strv_free). */
static char **plugin_env(const k8sc__cni *c, const char *command, const k8sc__cni_pod *pod)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = k8sc__calloc(n + 7, sizeof(*env));
    if (!env)
        return NULL;
    size_t k = 0;
    bool failed = false;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "CNI_", 4) != 0 && !(env[k++] = k8sc__strdup(environ[i])))
            failed = true;
    k8sc__buf v[6] = { K8SC__BUF_INIT, K8SC__BUF_INIT, K8SC__BUF_INIT,
                       K8SC__BUF_INIT, K8SC__BUF_INIT, K8SC__BUF_INIT };
    /* A netns that is gone (DEL after the pause died and its mount went) is passed as none. */
    bool netns = pod->netns && pod->netns[0] && access(pod->netns, F_OK) == 0;
    k8sc__buf_printf(&v[0], "CNI_COMMAND=%s", command);
    k8sc__buf_printf(&v[1], "CNI_CONTAINERID=%s", pod->container_id);
    k8sc__buf_printf(&v[2], "CNI_NETNS=%s", netns ? pod->netns : "");
    k8sc__buf_printf(&v[3], "CNI_IFNAME=%s", pod->ifname ? pod->ifname : "eth0");
    k8sc__buf_printf(&v[4], "CNI_PATH=%s", c->bin_dir);
    k8sc__buf_printf(&v[5],
                     "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=%s;K8S_POD_NAME=%s;K8S_POD_INFRA_CONTAINER_ID=%s;"
                     "K8S_POD_UID=%s",
                     pod->pod_namespace ? pod->pod_namespace : "", pod->pod_name ? pod->pod_name : "",
                     pod->container_id, pod->pod_uid ? pod->pod_uid : "");
    for (size_t i = 0; i < 6; i++) {
        if (k8sc__buf_status(&v[i]))
            failed = true;
        else
            env[k++] = k8sc__buf_detach(&v[i], NULL);
        k8sc__buf_free(&v[i]);
    }
    if (failed) {
        k8sc_strv_free(env);
        k8sc__error_nomem();
        return NULL;
    }
    return env;
}

typedef struct run {
    int in, out, err; /* parent's ends; -1 once closed */
    const char *input;
    size_t input_len, written;
    k8sc__buf stdout_, stderr_;
} run;

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Read what is there from *fd into `b` (capped); close it at end of file. */
static void drain(int *fd, k8sc__buf *b)
{
    char chunk[8192];
    ssize_t got = read(*fd, chunk, sizeof(chunk));
    if (got > 0) {
        if (b->len + (size_t)got <= OUTPUT_MAX)
            k8sc__buf_put(b, chunk, (size_t)got);
    } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        close_fd(fd);
    }
}

/*
 * write() to a plugin that may have exited without reading its stdin:
 * SIGPIPE is blocked for the call and a pending one consumed, so the
 * process only sees EPIPE.
 */
static ssize_t write_quietly(int fd, const char *data, size_t len)
{
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    ssize_t w = write(fd, data, len);
    int e = errno;
    if (w < 0 && e == EPIPE) {
        struct timespec zero = { 0, 0 };
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return w;
}

/* Feed stdin and collect the output until both outputs close; false when `deadline` passed first. */
static bool pump(run *r, int64_t deadline)
{
    while (r->out >= 0 || r->err >= 0) {
        struct pollfd p[3];
        nfds_t n = 0;
        int idx_in = -1, idx_out = -1, idx_err = -1;
        if (r->in >= 0) {
            idx_in = (int)n;
            p[n++] = (struct pollfd){ r->in, POLLOUT, 0 };
        }
        if (r->out >= 0) {
            idx_out = (int)n;
            p[n++] = (struct pollfd){ r->out, POLLIN, 0 };
        }
        if (r->err >= 0) {
            idx_err = (int)n;
            p[n++] = (struct pollfd){ r->err, POLLIN, 0 };
        }
        int64_t left = deadline - k8sc__mono_ms();
        if (left <= 0)
            return false;
        int got = poll(p, n, left > 1000 ? 1000 : (int)left);
        if (got < 0 && errno != EINTR)
            return false;
        if (got <= 0)
            continue;
        if (idx_in >= 0 && p[idx_in].revents) {
            ssize_t w = write_quietly(r->in, r->input + r->written, r->input_len - r->written);
            if (w > 0)
                r->written += (size_t)w;
            /* Done, or the plugin closed its stdin without reading it all: it has had its chance. */
            if (r->written >= r->input_len || (w < 0 && errno != EINTR && errno != EAGAIN))
                close_fd(&r->in);
        }
        if (idx_out >= 0 && p[idx_out].revents)
            drain(&r->out, &r->stdout_);
        if (idx_err >= 0 && p[idx_err].revents)
            drain(&r->err, &r->stderr_);
    }
    return true;
}

/* Spawn `path` with its stdio on new pipes; the parent's ends go to `r` (non-blocking). */
static int spawn(pid_t *pid, run *r, const char *path, char **env)
{
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (in[i] >= 0)
                close(in[i]);
            if (out[i] >= 0)
                close(out[i]);
            if (err[i] >= 0)
                close(err[i]);
        }
        return k8sc_error_set(K8SC_EIO, "CNI plugin %s: pipe: %s", path, strerror(e));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = { (char *)path, NULL };
    int e = posix_spawn(pid, path, &fa, &attr, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    if (e != 0) {
        close(in[1]);
        close(out[0]);
        close(err[0]);
        return k8sc_error_set(K8SC_EIO, "CNI plugin %s: %s", path, strerror(e));
    }
    r->in = in[1];
    r->out = out[0];
    r->err = err[0];
    fcntl(r->in, F_SETFL, O_NONBLOCK);
    fcntl(r->out, F_SETFL, O_NONBLOCK);
    fcntl(r->err, F_SETFL, O_NONBLOCK);
    return 0;
}

/* The trimmed last line of `text` (borrowed into `buf`). */
static const char *last_line(char *buf, size_t size, const char *text)
{
    size_t n = text ? strlen(text) : 0;
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\r'))
        n--;
    size_t start = n;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    snprintf(buf, size, "%.*s", (int)(n - start), text ? text + start : "");
    return buf;
}

/* The k8sc error for a plugin that failed: its error object's msg and details, else its stderr. */
static int plugin_error(const char *type, const char *command, int status, const char *out, const char *err)
{
    json_object *e = out && out[0] ? json_tokener_parse(out) : NULL;
    const char *msg = k8sc__json_string(e, "msg");
    const char *details = k8sc__json_string(e, "details");
    int code = json_object_get_int(k8sc__json_member(e, "code"));
    char line[512];
    int rc;
    if (msg && details && details[0])
        rc = k8sc_error_set(K8SC_EIO, "plugin type=\"%s\" failed (%s): %s: %s", type, command, msg, details);
    else if (msg)
        rc = k8sc_error_set(K8SC_EIO, "plugin type=\"%s\" failed (%s): %s", type, command, msg);
    else if (e)
        rc = k8sc_error_set(K8SC_EIO, "plugin type=\"%s\" failed (%s): error code %d", type, command, code);
    else if (err && last_line(line, sizeof(line), err)[0])
        rc = k8sc_error_set(K8SC_EIO, "plugin type=\"%s\" failed (%s): exit status %d: %s", type, command, status,
                            line);
    else
        rc = k8sc_error_set(K8SC_EIO, "plugin type=\"%s\" failed (%s): exit status %d", type, command, status);
    json_object_put(e);
    return rc;
}

int k8sc__cni_exec(json_object **result, const k8sc__cni *c, const char *type, const char *command,
                   const k8sc__cni_pod *pod, const char *conf)
{
    *result = NULL;
    char *path = find_plugin(c->bin_dir, type);
    if (!path)
        return k8sc_error_last_code() == K8SC_ENOMEM ? K8SC_ENOMEM : K8SC_ENOTFOUND;
    char **env = plugin_env(c, command, pod);
    if (!env) {
        free(path);
        return K8SC_ENOMEM;
    }
    run r = { -1, -1, -1, conf, strlen(conf), 0, K8SC__BUF_INIT, K8SC__BUF_INIT };
    pid_t pid = -1;
    int rc = spawn(&pid, &r, path, env);
    k8sc_strv_free(env);
    bool done = rc == 0 && pump(&r, k8sc__mono_ms() + c->timeout_ms);
    close_fd(&r.in);
    close_fd(&r.out);
    close_fd(&r.err);
    if (rc == 0 && !done)
        kill(pid, SIGKILL);
    int status = 0;
    while (rc == 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc == 0 && (k8sc__buf_status(&r.stdout_) || k8sc__buf_status(&r.stderr_)))
        rc = K8SC_ENOMEM;
    const char *out = r.stdout_.ptr ? r.stdout_.ptr : "";
    if (rc != 0) {
        /* The error is set. */
    } else if (!done) {
        rc = k8sc_error_set(K8SC_ETIMEOUT, "plugin type=\"%s\" failed (%s): timed out after %d ms", type, command,
                            c->timeout_ms);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        rc = plugin_error(type, command, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out,
                          r.stderr_.ptr);
    } else if (strspn(out, " \t\r\n") < strlen(out)) {
        json_tokener *tok = json_tokener_new();
        json_object *res = tok ? json_tokener_parse_ex(tok, out, (int)strlen(out)) : NULL;
        if (!tok)
            rc = K8SC_ENOMEM;
        else if (json_tokener_get_error(tok) != json_tokener_success || !json_object_is_type(res, json_type_object))
            rc = k8sc_error_set(K8SC_EIO, "plugin type=\"%s\" (%s): its output is not a JSON object", type, command);
        if (rc == 0)
            *result = res;
        else
            json_object_put(res);
        json_tokener_free(tok);
    }
    k8sc__buf_free(&r.stdout_);
    k8sc__buf_free(&r.stderr_);
    free(path);
    return rc;
}
