/*
 * Durable state of the runc backend: JSON records written atomically
 * under the root directory, process identities that survive PID reuse,
 * the monitors' exit records, and running the runc program.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "runc_internal.h"

extern char **environ;

char *k8sc__runc_path(const char *dir, const char *file)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/%s", dir, file);
    return k8sc__buf_status(&b) ? NULL : k8sc__buf_detach(&b, NULL);
}

char *k8sc__runc_sandbox_dir(const runc *r, const char *id)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/sandboxes/%s", r->root_dir, id);
    return k8sc__buf_status(&b) ? NULL : k8sc__buf_detach(&b, NULL);
}

char *k8sc__runc_container_dir(const runc *r, const char *id)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/containers/%s", r->root_dir, id);
    return k8sc__buf_status(&b) ? NULL : k8sc__buf_detach(&b, NULL);
}

static int write_text(const char *path, const char *text)
{
    k8sc__buf tmp = K8SC__BUF_INIT;
    k8sc__buf_printf(&tmp, "%s.tmp", path);
    if (k8sc__buf_status(&tmp))
        return K8SC_ENOMEM;
    int fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t len = strlen(text);
    int rc = 0;
    if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0)
        rc = k8sc_error_set(K8SC_EIO, "writing %s: %s", tmp.ptr, strerror(errno));
    if (fd >= 0)
        close(fd);
    if (rc == 0 && rename(tmp.ptr, path) != 0)
        rc = k8sc_error_set(K8SC_EIO, "renaming %s: %s", tmp.ptr, strerror(errno));
    if (rc != 0)
        unlink(tmp.ptr);
    k8sc__buf_free(&tmp);
    return rc;
}

int k8sc__runc_write_json(const char *path, struct json_object *obj)
{
    const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    return text ? write_text(path, text) : K8SC_ENOMEM;
}

struct json_object *k8sc__runc_read_json(const char *path)
{
    return json_object_from_file(path);
}

unsigned long long k8sc__runc_proc_start(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* The command name may hold spaces and parentheses: count fields after the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    char state = p[2];
    if (state == 'Z' || state == 'X')
        return 0;
    int field = 2;
    for (; *p && field < 22; p++)
        if (*p == ' ')
            field++;
    return strtoull(p, NULL, 10);
}

bool k8sc__runc_proc_alive(const runc_proc *p)
{
    return p->pid > 0 && p->start != 0 && k8sc__runc_proc_start(p->pid) == p->start;
}

bool k8sc__runc_exit_read(const char *dir, runc_exit *e)
{
    char *path = k8sc__runc_path(dir, "exit");
    FILE *f = path ? fopen(path, "re") : NULL;
    free(path);
    if (!f)
        return false;
    int code = 0, oom = 0;
    long long finished = 0;
    bool ok = fscanf(f, "%d %lld %d", &code, &finished, &oom) == 3;
    fclose(f);
    e->code = code;
    e->finished_at = finished;
    e->oom = oom != 0;
    return ok;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void k8sc__runc_rmtree(const char *path)
{
    nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int k8sc__runc_list_ids(const runc *r, const char *kind, char ***out)
{
    char *dir = k8sc__runc_path(r->root_dir, kind);
    if (!dir)
        return K8SC_ENOMEM;
    DIR *d = opendir(dir);
    free(dir);
    size_t n = 0, cap = 8;
    char **ids = k8sc__calloc(cap + 1, sizeof(*ids));
    if (!ids) {
        if (d)
            closedir(d);
        return K8SC_ENOMEM;
    }
    int rc = 0;
    for (struct dirent *de; d && rc == 0 && (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **grown = k8sc__realloc(ids, (cap * 2 + 1) * sizeof(*ids));
            if (!grown) {
                rc = K8SC_ENOMEM;
                break;
            }
            ids = grown;
            cap *= 2;
        }
        if (!(ids[n] = k8sc__strdup(de->d_name)))
            rc = K8SC_ENOMEM;
        else
            ids[++n] = NULL;
    }
    if (d)
        closedir(d);
    if (rc != 0) {
        k8sc_strv_free(ids);
        return rc;
    }
    *out = ids;
    return 0;
}

int k8sc__runc_run(const runc *r, const char *const *args, char **out)
{
    const char *argv[32];
    size_t n = 0;
    argv[n++] = r->runc_path;
    argv[n++] = "--root";
    argv[n++] = r->runc_root;
    for (size_t i = 0; args[i] && n < K8SC__ARRAY_LEN(argv) - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return k8sc_error_set(K8SC_EIO, "runc: pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int err = posix_spawn(&pid, r->runc_exe, &fa, &attr, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(p[1]);
    if (err != 0) {
        close(p[0]);
        return k8sc_error_set(K8SC_EIO, "running %s: %s", r->runc_path, strerror(err));
    }
    k8sc__buf b = K8SC__BUF_INIT;
    char chunk[4096];
    int64_t deadline = k8sc__mono_ms() + r->run_timeout_ms;
    bool late = false;
    for (;;) {
        int64_t left = deadline - k8sc__mono_ms();
        struct pollfd pf = { p[0], POLLIN, 0 };
        int ready = left > 0 ? poll(&pf, 1, (int)left) : 0;
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0) {
            late = true;
            kill(pid, SIGKILL);
            break;
        }
        ssize_t got = read(p[0], chunk, sizeof(chunk));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        if (b.len < 65536)
            k8sc__buf_put(&b, chunk, (size_t)got);
    }
    close(p[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (late) {
        k8sc__buf_free(&b);
        return k8sc_error_set(K8SC_ETIMEOUT, "%s %s: no end within %d ms", r->runc_path, args[0] ? args[0] : "",
                              r->run_timeout_ms);
    }
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    if (out) {
        if (k8sc__buf_status(&b))
            rc = K8SC_ENOMEM;
        else
            *out = k8sc__buf_detach(&b, NULL);
    }
    k8sc__buf_free(&b);
    return rc;
}

struct json_object *k8sc__runc_pairs_json(const k8sc_runtime_pair *pairs, size_t n)
{
    json_object *o = json_object_new_object();
    for (size_t i = 0; o && i < n; i++)
        json_object_object_add(o, pairs[i].name ? pairs[i].name : "",
                               json_object_new_string(pairs[i].value ? pairs[i].value : ""));
    return o;
}

int k8sc__runc_json_pairs(k8sc_runtime_pair **out, size_t *n, struct json_object *obj)
{
    *out = NULL;
    *n = 0;
    size_t len = obj && json_object_is_type(obj, json_type_object) ? (size_t)json_object_object_length(obj) : 0;
    if (len == 0)
        return 0;
    k8sc_runtime_pair *p = k8sc__calloc(len, sizeof(*p));
    if (!p)
        return K8SC_ENOMEM;
    size_t i = 0;
    json_object_object_foreach(obj, key, val)
    {
        if (i == len)
            break;
        p[i].name = k8sc__strdup(key);
        p[i].value = k8sc__strdup(json_object_get_string(val));
        i++;
        if (!p[i - 1].name || !p[i - 1].value) {
            k8sc__pairs_free(p, i);
            return K8SC_ENOMEM;
        }
    }
    *out = p;
    *n = i;
    return 0;
}

char *k8sc__runc_new_id(void)
{
    unsigned char raw[32];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, raw, sizeof(raw)) : -1;
    if (fd >= 0)
        close(fd);
    if (n != (ssize_t)sizeof(raw)) {
        k8sc_error_set(K8SC_EIO, "reading /dev/urandom: %s", strerror(errno));
        return NULL;
    }
    char *id = k8sc__malloc(sizeof(raw) * 2 + 1);
    for (size_t i = 0; id && i < sizeof(raw); i++)
        snprintf(id + 2 * i, 3, "%02x", raw[i]);
    return id;
}
