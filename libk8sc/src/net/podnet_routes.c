/*
 * Host-gw routes to the other nodes' pods, made with ip(8) and tagged with
 * our routing protocol number so that routes made by anything else are
 * never changed or removed; and the removal of the pods' bridge.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "podnet_internal.h"

extern char **environ;

#define STR_(x) #x
#define STR(x) STR_(x)
#define PROTO STR(K8SC_PODNET_ROUTE_PROTO)

static const char *ip_binary(void)
{
    static const char *const known[] = { "/sbin/ip", "/usr/sbin/ip", "/bin/ip", "/usr/bin/ip" };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (access(known[i], X_OK) == 0)
            return known[i];
    return "ip";
}

/* Run ip(8) with `args` (NULL-terminated, without argv[0]); its output (stdout and stderr) in *out. */
static int run_ip(const char *const *args, k8sc__buf *out)
{
    const char *argv[16];
    size_t n = 0;
    argv[n++] = ip_binary();
    for (size_t i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return k8sc_error_set(K8SC_EIO, "ip: cannot make a pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return k8sc_error_set(K8SC_EIO, "cannot run %s: %s", argv[0], strerror(rc));
    }
    char chunk[4096];
    ssize_t r;
    while ((r = read(fds[0], chunk, sizeof(chunk))) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        k8sc__buf_put(out, chunk, (size_t)r);
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (k8sc__buf_status(out) != 0)
        return K8SC_ENOMEM;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        k8sc__buf cmd = K8SC__BUF_INIT;
        for (size_t i = 1; argv[i]; i++)
            k8sc__buf_printf(&cmd, "%s%s", i > 1 ? " " : "", argv[i]);
        size_t len = out->len;
        while (len > 0 && (out->ptr[len - 1] == '\n' || out->ptr[len - 1] == ' '))
            len--;
        rc = k8sc_error_set(K8SC_EIO, "ip %s: %.*s", cmd.ptr ? cmd.ptr : "", (int)len, out->ptr ? out->ptr : "");
        k8sc__buf_free(&cmd);
        return rc;
    }
    return 0;
}

/* Parse `ip route show` lines into {dst: gateway}; a bare address is a host route. */
static void parse_routes(json_object *into, char *text, bool v6)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *fsave = NULL;
        const char *dst = strtok_r(line, " \t", &fsave), *via = NULL;
        for (char *t; (t = strtok_r(NULL, " \t", &fsave));)
            if (strcmp(t, "via") == 0) {
                via = strtok_r(NULL, " \t", &fsave);
                break;
            }
        if (!dst)
            continue;
        char full[128];
        snprintf(full, sizeof(full), strchr(dst, '/') ? "%s" : "%s/%s", dst, v6 ? "128" : "32");
        json_object_object_add(into, full, json_object_new_string(via ? via : ""));
    }
}

int k8sc__podnet_routes_list(json_object **out)
{
    *out = json_object_new_object();
    if (!*out)
        return k8sc__error_nomem();
    for (int family = 0; family < 2; family++) {
        const char *args[] = { family ? "-6" : "-4", "route", "show", "proto", PROTO, NULL };
        k8sc__buf b = K8SC__BUF_INIT;
        int rc = run_ip(args, &b);
        if (rc == 0 && b.len > 0)
            parse_routes(*out, b.ptr, family == 1);
        k8sc__buf_free(&b);
        if (rc != 0) {
            json_object_put(*out);
            *out = NULL;
            return rc;
        }
    }
    return 0;
}

int k8sc__podnet_routes_sync(json_object *want)
{
    json_object *have = NULL;
    int rc = k8sc__podnet_routes_list(&have);
    if (rc != 0)
        return rc;
    int first = 0;
    json_object_object_foreach(have, dst, gw) {
        json_object *w = k8sc__json_member(want, dst);
        if (w && strcmp(json_object_get_string(w), json_object_get_string(gw)) == 0)
            continue;
        if (w)
            continue; /* replaced below */
        const char *args[] = { "route", "del", dst, "proto", PROTO, NULL };
        k8sc__buf b = K8SC__BUF_INIT;
        rc = run_ip(args, &b);
        k8sc__buf_free(&b);
        if (rc != 0 && first == 0)
            first = rc;
        else if (rc == 0)
            k8sc_log(K8SC_LOG_INFO, "pod network: removed route %s via %s", dst, json_object_get_string(gw));
    }
    json_object_object_foreach(want, wdst, wgw) {
        json_object *h = k8sc__json_member(have, wdst);
        if (h && strcmp(json_object_get_string(h), json_object_get_string(wgw)) == 0)
            continue;
        const char *args[] = { "route", "replace", wdst, "via", json_object_get_string(wgw), "proto", PROTO, NULL };
        k8sc__buf b = K8SC__BUF_INIT;
        rc = run_ip(args, &b);
        k8sc__buf_free(&b);
        if (rc != 0 && first == 0)
            first = rc;
        else if (rc == 0)
            k8sc_log(K8SC_LOG_INFO, "pod network: route %s via %s", wdst, json_object_get_string(wgw));
    }
    json_object_put(have);
    return first;
}

int k8sc_podnet_cleanup(void)
{
    json_object *none = json_object_new_object();
    if (!none)
        return k8sc__error_nomem();
    int rc = k8sc__podnet_routes_sync(none);
    json_object_put(none);
    return rc;
}

int k8sc_podnet_remove_bridge(const char *bridge)
{
    const char *name = bridge ? bridge : "k8sc0";
    if (!k8sc__podnet_valid_ifname(name))
        return k8sc_error_set(K8SC_EINVAL, "pod network: \"%s\" is not a valid interface name", name);
    const char *show[] = { "-o", "-d", "link", "show", "dev", name, NULL };
    k8sc__buf b = K8SC__BUF_INIT;
    int rc = run_ip(show, &b);
    /* ip(8) fails for a device that does not exist: nothing to remove. */
    bool exists = rc == 0;
    bool is_bridge = exists && b.ptr && strstr(b.ptr, " bridge ");
    k8sc__buf_free(&b);
    if (!exists)
        return 0;
    if (!is_bridge)
        return k8sc_error_set(K8SC_EINVAL, "pod network: %s is not a bridge", name);
    const char *del[] = { "link", "del", "dev", name, NULL };
    rc = run_ip(del, &b);
    k8sc__buf_free(&b);
    return rc;
}
