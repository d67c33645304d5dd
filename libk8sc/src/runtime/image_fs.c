/* File system helpers of the image store: digests, safe names, removal and tree copies. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_internal.h"
#include "internal.h"

int k8sc__sha256_file(char *hex, uint64_t *size, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return k8sc_error_set(K8SC_EIO, "open %s: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        close(fd);
        return k8sc_error_set(K8SC_EIO, "sha256: cannot initialise");
    }
    char buf[65536];
    uint64_t total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            EVP_MD_CTX_free(ctx);
            close(fd);
            return k8sc_error_set(K8SC_EIO, "read %s: %s", path, strerror(e));
        }
        EVP_DigestUpdate(ctx, buf, (size_t)n);
        total += (uint64_t)n;
    }
    close(fd);
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    for (unsigned int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    if (size)
        *size = total;
    return 0;
}

bool k8sc__sha256_hex_ok(const char *hex)
{
    size_t n = 0;
    for (; hex[n]; n++)
        if (!((hex[n] >= '0' && hex[n] <= '9') || (hex[n] >= 'a' && hex[n] <= 'f')))
            return false;
    return n == K8SC__SHA256_HEX;
}

bool k8sc__image_path_safe(const char *name)
{
    if (name[0] == '/' || name[0] == '\0')
        return false;
    for (const char *c = name; *c;) {
        const char *e = strchr(c, '/');
        size_t n = e ? (size_t)(e - c) : strlen(c);
        if (n == 2 && c[0] == '.' && c[1] == '.')
            return false;
        c += n + (e ? 1 : 0);
    }
    return true;
}

int k8sc__image_tmpdir(char **out, const k8sc_image_store *s, const char *prefix)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/tmp/%s-XXXXXX", s->dir, prefix);
    if (k8sc__buf_status(&b) != 0) {
        k8sc__buf_free(&b);
        return K8SC_ENOMEM;
    }
    char *path = k8sc__buf_detach(&b, NULL);
    if (!mkdtemp(path)) {
        int e = errno;
        free(path);
        return k8sc_error_set(K8SC_EIO, "mkdtemp in %s/tmp: %s", s->dir, strerror(e));
    }
    *out = path;
    return 0;
}

int k8sc__rm_rf_at(int parent, const char *name)
{
    if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
        return 0;
    if (errno != EISDIR && errno != EPERM)
        return -1;
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (k8sc__rm_rf_at(dirfd(d), de->d_name) != 0)
            rc = -1;
    }
    closedir(d);
    if (rc == 0 && unlinkat(parent, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        rc = -1;
    return rc;
}

int k8sc__rm_rf(const char *path)
{
    if (k8sc__rm_rf_at(AT_FDCWD, path) != 0)
        return k8sc_error_set(K8SC_EIO, "remove %s: %s", path, strerror(errno));
    return 0;
}
