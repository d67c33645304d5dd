/*
 * A server's join token — one random secret, as k3s's server token: the
 * agents' and the administrator's bearer token — and the kubeconfigs that
 * carry it. Secrets are written 0600, atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster_internal.h"

/* Random bytes in a new token (hex-encoded: twice as many characters). */
#define TOKEN_BYTES 24
#define TOKEN_MIN 16
#define TOKEN_MAX 128

int k8sc__cluster_token_check(const char *token)
{
    size_t n = strlen(token);
    if (n < TOKEN_MIN || n > TOKEN_MAX)
        return k8sc_error_set(K8SC_EINVAL, "a join token has %d to %d characters, not %zu", TOKEN_MIN, TOKEN_MAX, n);
    if (strspn(token, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != n)
        return k8sc_error_set(K8SC_EINVAL, "a join token has only letters, digits, '.', '-' and '_'");
    return 0;
}

/* Replace `path` with `content`, mode 0600. */
static int write_secret(const char *path, const char *content)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return k8sc_error_set(K8SC_EIO, "cannot write %s: %s", tmp, strerror(errno));
    size_t len = strlen(content), off = 0;
    while (off < len) {
        ssize_t w = write(fd, content + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int err = off < len ? errno : 0;
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (err) {
        unlink(tmp);
        return k8sc_error_set(K8SC_EIO, "cannot write %s: %s", path, strerror(err));
    }
    return 0;
}

/* The token in <dir>/token: 0 with *out set, ENOTFOUND when there is none, EINVAL for a bad one. */
static int read_token(char **out, const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? K8SC_ENOTFOUND : k8sc_error_set(K8SC_EIO, "cannot read %s: %s", path, strerror(errno));
    char line[TOKEN_MAX + 2] = "";
    if (!fgets(line, sizeof(line), f))
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    if (k8sc__cluster_token_check(line) < 0)
        return k8sc_error_set(K8SC_EINVAL, "%s: %s", path, k8sc_error_last());
    *out = k8sc__strdup(line);
    return *out ? 0 : K8SC_ENOMEM;
}

static int new_token(char **out)
{
    unsigned char raw[TOKEN_BYTES];
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        return k8sc_error_set(K8SC_EIO, "no random bytes for a join token: %s", strerror(errno));
    k8sc__buf b = K8SC__BUF_INIT;
    for (size_t i = 0; i < sizeof(raw); i++)
        k8sc__buf_printf(&b, "%02x", raw[i]);
    *out = k8sc__buf_detach(&b, NULL);
    return *out ? 0 : K8SC_ENOMEM;
}

int k8sc__cluster_token_setup(char **out, const char *dir, const char *given)
{
    *out = NULL;
    char *path = k8sc__cluster_path(dir, "token"), *csv = k8sc__cluster_path(dir, "tokens.csv");
    int rc = path && csv ? 0 : K8SC_ENOMEM;
    if (rc == 0 && given)
        rc = (*out = k8sc__strdup(given)) ? 0 : K8SC_ENOMEM;
    else if (rc == 0 && (rc = read_token(out, path)) == K8SC_ENOTFOUND)
        rc = new_token(out);
    k8sc__buf b = K8SC__BUF_INIT;
    if (rc == 0) {
        k8sc__buf_printf(&b, "%s\n", *out);
        rc = k8sc__buf_status(&b) ? K8SC_ENOMEM : write_secret(path, b.ptr);
    }
    if (rc == 0) {
        /* The API server's token file: the token is the administrator's, as kubeadm's admin.conf is. */
        k8sc__buf_free(&b);
        k8sc__buf_printf(&b, "%s,k8sc-admin,k8sc-admin,system:masters\n", *out);
        rc = k8sc__buf_status(&b) ? K8SC_ENOMEM : write_secret(csv, b.ptr);
    }
    k8sc__buf_free(&b);
    free(path);
    free(csv);
    if (rc != 0) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

int k8sc__cluster_write_kubeconfig(const char *path, const char *server, const char *token)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b,
                     "apiVersion: v1\nkind: Config\nclusters:\n- name: k8sc\n  cluster:\n    server: %s\n"
                     "users:\n- name: k8sc-admin\n  user:",
                     server);
    if (token)
        k8sc__buf_printf(&b, "\n    token: %s\n", token);
    else
        k8sc__buf_puts(&b, " {}\n");
    k8sc__buf_puts(&b, "contexts:\n- name: k8sc\n  context:\n    cluster: k8sc\n    user: k8sc-admin\n"
                       "    namespace: default\ncurrent-context: k8sc\n");
    int rc = k8sc__buf_status(&b) ? K8SC_ENOMEM : write_secret(path, b.ptr);
    k8sc__buf_free(&b);
    return rc;
}
