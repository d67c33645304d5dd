/*
 * Exec credential plugins (client.authentication.k8s.io/v1): run the
 * command with its args and env plus KUBERNETES_EXEC_INFO, read an
 * ExecCredential from its stdout, cache it until it expires.
 */
#include "client_internal.h"

#include "k8sc/codec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A plugin that prints nothing for this long is killed. */
#define EXEC_TIMEOUT_MS 60000
#define EXEC_MAX_OUTPUT (1 << 20)

static char *exec_info(const k8sc_client_config *cfg)
{
    struct json_object *info = json_object_new_object(), *spec = json_object_new_object();
    json_object_object_add(info, "kind", json_object_new_string("ExecCredential"));
    json_object_object_add(info, "apiVersion", json_object_new_string(cfg->exec->api_version));
    json_object_object_add(spec, "interactive", json_object_new_boolean(0));
    if (cfg->exec->provide_cluster_info) {
        struct json_object *cl = json_object_new_object();
        json_object_object_add(cl, "server", json_object_new_string(cfg->server));
        if (cfg->tls_server_name)
            json_object_object_add(cl, "tls-server-name", json_object_new_string(cfg->tls_server_name));
        if (cfg->insecure)
            json_object_object_add(cl, "insecure-skip-tls-verify", json_object_new_boolean(1));
        if (cfg->proxy_url)
            json_object_object_add(cl, "proxy-url", json_object_new_string(cfg->proxy_url));
        json_object_object_add(spec, "cluster", cl);
    }
    json_object_object_add(info, "spec", spec);
    char *s = NULL;
    k8sc_json_encode(&s, NULL, info, 0);
    json_object_put(info);
    return s;
}

/* environ, then the plugin's env, then KUBERNETES_EXEC_INFO (later entries win). */
static char **build_env(const k8sc_client_config *cfg, char *info_var)
{
    size_t n = 0, m = 0;
    while (environ && environ[n])
        n++;
    while (cfg->exec->env[m])
        m++;
    char **env = k8sc__calloc(n + m + 2, sizeof(char *));
    if (!env)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t klen = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        bool overridden = strncmp(environ[i], "KUBERNETES_EXEC_INFO=", 21) == 0;
        for (size_t j = 0; j < m && !overridden; j++)
            if (strncmp(cfg->exec->env[j], environ[i], klen) == 0 && cfg->exec->env[j][klen] == '=')
                overridden = true;
        if (!overridden)
            env[o++] = environ[i];
    }
    for (size_t j = 0; j < m; j++)
        env[o++] = cfg->exec->env[j];
    env[o] = info_var;
    return env;
}

static int read_output(k8sc__buf *out, int fd, const char *cmd)
{
    int64_t deadline = k8sc_clock_mono(NULL) + (int64_t)EXEC_TIMEOUT_MS * 1000000;
    char chunk[4096];
    for (;;) {
        int64_t left = (deadline - k8sc_clock_mono(NULL)) / 1000000;
        if (left <= 0)
            return k8sc_error_set(K8SC_ETIMEOUT, "exec plugin %s: no credential after %d s", cmd, EXEC_TIMEOUT_MS / 1000);
        struct pollfd p = { fd, POLLIN, 0 };
        int pr = poll(&p, 1, (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return k8sc_error_set(K8SC_EIO, "exec plugin %s: poll: %s", cmd, strerror(errno));
        if (pr == 0)
            continue;
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return k8sc_error_set(K8SC_EIO, "exec plugin %s: read: %s", cmd, strerror(errno));
        if (n == 0)
            return k8sc__buf_status(out);
        if (out->len + (size_t)n > EXEC_MAX_OUTPUT)
            return k8sc_error_set(K8SC_ERANGE, "exec plugin %s: output larger than %d bytes", cmd, EXEC_MAX_OUTPUT);
        k8sc__buf_put(out, chunk, (size_t)n);
    }
}

/* Read status.* from the plugin's ExecCredential into the cache. */
static int parse_credential(k8sc_client_config *cfg, const char *text, size_t len)
{
    struct json_object *root = NULL, *status, *v;
    const char *cmd = cfg->exec->command;
    if (k8sc_json_parse(&root, text, len) != 0 || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return k8sc_error_set(K8SC_EINVAL, "exec plugin %s: decoding stdout: %s", cmd,
            root ? "not an object" : k8sc_error_last());
    }
    int rc = 0;
    const char *api = json_object_object_get_ex(root, "apiVersion", &v) ? json_object_get_string(v) : "";
    if (strcmp(api, cfg->exec->api_version) != 0) {
        rc = k8sc_error_set(K8SC_EINVAL, "exec plugin is configured to use API version %s, plugin returned version %s",
            cfg->exec->api_version, api);
        goto done;
    }
    if (!json_object_object_get_ex(root, "status", &status) || !json_object_is_type(status, json_type_object)) {
        rc = k8sc_error_set(K8SC_EINVAL, "exec plugin didn't return a status field");
        goto done;
    }
    const char *tok = json_object_object_get_ex(status, "token", &v) ? json_object_get_string(v) : NULL;
    const char *cert = json_object_object_get_ex(status, "clientCertificateData", &v) ? json_object_get_string(v) : NULL;
    const char *key = json_object_object_get_ex(status, "clientKeyData", &v) ? json_object_get_string(v) : NULL;
    if (tok && !*tok)
        tok = NULL;
    if ((cert && *cert) != (key && *key)) {
        rc = k8sc_error_set(K8SC_EINVAL, "exec plugin returned only certificate or key, not both");
        goto done;
    }
    if (!tok && !(cert && *cert)) {
        rc = k8sc_error_set(K8SC_EINVAL, "exec plugin didn't return a token or cert/key pair");
        goto done;
    }
    int64_t expiry = 0;
    if (json_object_object_get_ex(status, "expirationTimestamp", &v) && v &&
        k8sc_time_parse(&expiry, json_object_get_string(v)) != 0) {
        rc = k8sc_error_set(K8SC_EINVAL, "exec plugin: expirationTimestamp: %s", k8sc_error_last());
        goto done;
    }
    free(cfg->exec_token);
    free(cfg->exec_cert);
    free(cfg->exec_key);
    cfg->exec_token = tok ? k8sc__strdup(tok) : NULL;
    cfg->exec_cert = cert && *cert ? k8sc__strdup(cert) : NULL;
    cfg->exec_key = key && *key ? k8sc__strdup(key) : NULL;
    cfg->exec_expiry = expiry;
    cfg->exec_cached = true;
done:
    json_object_put(root);
    return rc;
}

int k8sc__exec_run(k8sc_client_config *cfg)
{
    const k8sc__exec_plugin *p = cfg->exec;
    char *info = exec_info(cfg);
    k8sc__buf iv = K8SC__BUF_INIT;
    k8sc__buf_printf(&iv, "KUBERNETES_EXEC_INFO=%s", info ? info : "");
    free(info);
    char *info_var = k8sc__buf_detach(&iv, NULL);
    size_t nargs = 0;
    while (p->args[nargs])
        nargs++;
    char **argv = k8sc__calloc(nargs + 2, sizeof(char *));
    char **envp = info_var ? build_env(cfg, info_var) : NULL;
    int fds[2] = { -1, -1 };
    int rc = 0;
    if (!argv || !envp) {
        rc = K8SC_ENOMEM;
        goto out;
    }
    argv[0] = p->command;
    for (size_t i = 0; i < nargs; i++)
        argv[i + 1] = p->args[i];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        rc = k8sc_error_set(K8SC_EIO, "exec plugin %s: pipe: %s", p->command, strerror(errno));
        goto out;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    int err = posix_spawnp(&pid, p->command, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    fds[1] = -1;
    if (err != 0) {
        rc = k8sc_error_set(K8SC_EIO, "exec: executable %s not found: %s", p->command, strerror(err));
        goto out;
    }
    k8sc__buf output = K8SC__BUF_INIT;
    rc = read_output(&output, fds[0], p->command);
    if (rc)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!rc && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        rc = k8sc_error_set(K8SC_EIO, "exec: executable %s failed with exit code %d", p->command,
            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    if (!rc)
        rc = parse_credential(cfg, output.ptr ? output.ptr : "", output.len);
    k8sc__buf_free(&output);
out:
    if (fds[0] >= 0)
        close(fds[0]);
    free(argv);
    free(envp);
    free(info_var);
    return rc;
}
