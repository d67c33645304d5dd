/* Small file helpers shared by the modules: mkdir -p, reading a whole file, PEM passphrases. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* mkdir of `p` (writable copy), making missing parents first; errno kept on failure. */
static int make(char *p, mode_t mode)
{
    if (mkdir(p, mode) == 0 || errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return -1;
    char *slash = strrchr(p, '/');
    if (!slash || slash == p)
        return -1;
    *slash = '\0';
    int rc = make(p, mode);
    *slash = '/';
    if (rc != 0)
        return -1;
    return mkdir(p, mode) == 0 || errno == EEXIST ? 0 : -1;
}

int k8sc__mkdirs(const char *path, mode_t mode)
{
    /* The common case, the directory is there or only its last part is missing, costs one call. */
    if (mkdir(path, mode) == 0 || errno == EEXIST)
        return 0;
    char *p = k8sc__strdup(path);
    if (!p)
        return K8SC_ENOMEM;
    int rc = make(p, mode) == 0 ? 0 : k8sc_error_set(K8SC_EIO, "cannot create directory %s: %s", path, strerror(errno));
    free(p);
    return rc;
}

int k8sc__read_file(char **out, size_t *len, const char *path, size_t max)
{
    *out = NULL;
    if (len)
        *len = 0;
    FILE *f = fopen(path, "rbe");
    if (!f) {
        int err = errno;
        k8sc_error_set(K8SC_EIO, "cannot read %s: %s", path, strerror(err));
        errno = err; /* for callers that word the reason themselves */
        return K8SC_EIO;
    }
    k8sc__buf b = K8SC__BUF_INIT;
    char chunk[8192];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (max && b.len + n > max)
            rc = k8sc_error_set(K8SC_EINVAL, "%s is larger than %zu bytes", path, max);
        else
            k8sc__buf_put(&b, chunk, n);
    }
    int err = ferror(f) ? (errno ? errno : EIO) : 0;
    if (rc == 0 && err)
        rc = k8sc_error_set(K8SC_EIO, "cannot read %s: %s", path, strerror(err));
    fclose(f);
    if (err)
        errno = err;
    size_t got = b.len;
    if (rc == 0 && (*out = k8sc__buf_detach(&b, NULL)) == NULL)
        rc = K8SC_ENOMEM;
    k8sc__buf_free(&b);
    if (rc == 0 && len)
        *len = got;
    return rc;
}

int k8sc__pem_no_passphrase(char *buf, int size, int rwflag, void *userdata)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)userdata;
    return 0;
}
