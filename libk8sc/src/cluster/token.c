/*
 * A server's join token, in k3s's form "K10<CA hash>::<secret>": the hex
 * SHA-256 of the cluster CA's PEM (as GET /cacerts serves it), so that an
 * agent can check the CA it fetches over an unverified connection, and
 * one random secret, the agents' and the administrator's bearer token.
 * A bare secret is a token too (from servers before TLS, or for agents
 * given the CA file). And the kubeconfigs that carry them. Secrets are
 * written 0600, atomically.
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

#define PREFIX "K10"
#define SEPARATOR "::"

/* EINVAL unless `secret` is 16 to 128 letters, digits, '.', '-' or '_'. */
static int secret_check(const char *token)
{
    size_t n = strlen(token);
    if (n < TOKEN_MIN || n > TOKEN_MAX)
        return k8sc_error_set(K8SC_EINVAL, "a join token has %d to %d characters, not %zu", TOKEN_MIN, TOKEN_MAX, n);
    if (strspn(token, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != n)
        return k8sc_error_set(K8SC_EINVAL, "a join token has only letters, digits, '.', '-' and '_'");
    return 0;
}

int k8sc__cluster_token_parse(char hash[65], const char **secret, const char *token)
{
    hash[0] = '\0';
    *secret = token;
    const char *sep = strstr(token, SEPARATOR);
    if (strncmp(token, PREFIX, strlen(PREFIX)) == 0 && sep) {
        const char *h = token + strlen(PREFIX);
        size_t n = (size_t)(sep - h);
        if (n != 64 || strspn(h, "0123456789abcdef") < n)
            return k8sc_error_set(K8SC_EINVAL, "a join token K10<CA hash>::<secret> has a CA hash of 64 lowercase hex "
                                               "digits");
        memcpy(hash, h, n);
        hash[n] = '\0';
        *secret = sep + strlen(SEPARATOR);
    }
    return secret_check(*secret);
}

int k8sc__cluster_token_check(const char *token)
{
    char hash[65];
    const char *secret;
    return k8sc__cluster_token_parse(hash, &secret, token);
}

int k8sc__cluster_write_file(const char *path, const char *content, mode_t mode)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
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
    char line[TOKEN_MAX + 80] = "";
    if (!fgets(line, sizeof(line), f))
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    char hash[65];
    const char *secret;
    if (k8sc__cluster_token_parse(hash, &secret, line) < 0)
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

/*
 * The token to use: `given` or the stored one (`*token`, either form),
 * made "K10<hash of ca_pem>::<secret>" when there is a CA. A given token
 * for another CA is refused; a stored one keeps its secret (the CA was
 * made again: agents need the new token).
 */
static int with_ca_hash(char **token, const char *ca_pem, bool given)
{
    char hash[65], want[65];
    const char *secret;
    int rc = k8sc__cluster_token_parse(hash, &secret, *token);
    if (rc < 0 || !ca_pem)
        return rc;
    k8sc__cluster_sha256_hex(want, ca_pem, strlen(ca_pem));
    if (hash[0] && strcmp(hash, want) != 0) {
        if (given)
            return k8sc_error_set(K8SC_EINVAL, "the join token's CA hash is not this server's CA's (%s)", want);
        k8sc_log(K8SC_LOG_WARN, "cluster: the cluster CA changed: agents need the new join token");
    }
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, PREFIX "%s" SEPARATOR "%s", want, secret);
    char *full = k8sc__buf_detach(&b, NULL);
    if (!full)
        return K8SC_ENOMEM;
    free(*token);
    *token = full;
    return 0;
}

int k8sc__cluster_token_setup(char **out, const char *dir, const char *given, const char *ca_pem)
{
    *out = NULL;
    char *path = k8sc__cluster_path(dir, "token"), *csv = k8sc__cluster_path(dir, "tokens.csv");
    int rc = path && csv ? 0 : K8SC_ENOMEM;
    if (rc == 0 && given)
        rc = (*out = k8sc__strdup(given)) ? 0 : K8SC_ENOMEM;
    else if (rc == 0 && (rc = read_token(out, path)) == K8SC_ENOTFOUND)
        rc = new_token(out);
    if (rc == 0)
        rc = with_ca_hash(out, ca_pem, given != NULL);
    k8sc__buf b = K8SC__BUF_INIT;
    if (rc == 0) {
        k8sc__buf_printf(&b, "%s\n", *out);
        rc = k8sc__buf_status(&b) ? K8SC_ENOMEM : k8sc__cluster_write_file(path, b.ptr, 0600);
    }
    if (rc == 0) {
        /* The API server's token file: the secret is the administrator's, as kubeadm's admin.conf is. */
        char hash[65];
        const char *secret;
        k8sc__cluster_token_parse(hash, &secret, *out);
        k8sc__buf_free(&b);
        k8sc__buf_printf(&b, "%s,k8sc-admin,k8sc-admin,system:masters\n", secret);
        rc = k8sc__buf_status(&b) ? K8SC_ENOMEM : k8sc__cluster_write_file(csv, b.ptr, 0600);
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

int k8sc__cluster_write_kubeconfig(const char *path, const char *server, const char *token, const char *ca_pem)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "apiVersion: v1\nkind: Config\nclusters:\n- name: k8sc\n  cluster:\n    server: %s\n", server);
    if (ca_pem) {
        k8sc__buf_puts(&b, "    certificate-authority-data: ");
        k8sc__base64_encode(&b, ca_pem, strlen(ca_pem), 0);
        k8sc__buf_putc(&b, '\n');
    }
    k8sc__buf_puts(&b, "users:\n- name: k8sc-admin\n  user:");
    char hash[65];
    const char *secret = NULL;
    if (token && k8sc__cluster_token_parse(hash, &secret, token) < 0)
        secret = NULL;
    if (secret)
        k8sc__buf_printf(&b, "\n    token: %s\n", secret);
    else
        k8sc__buf_puts(&b, " {}\n");
    k8sc__buf_puts(&b, "contexts:\n- name: k8sc\n  context:\n    cluster: k8sc\n    user: k8sc-admin\n"
                       "    namespace: default\ncurrent-context: k8sc\n");
    int rc = k8sc__buf_status(&b) ? K8SC_ENOMEM : k8sc__cluster_write_file(path, b.ptr, 0600);
    k8sc__buf_free(&b);
    return rc;
}
