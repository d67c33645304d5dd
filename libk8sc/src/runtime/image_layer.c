/*
 * Image layers: tar archives (plain, gzip or zstd) applied in order to a
 * root filesystem. A member ".wh.NAME" deletes NAME of the layers below;
 * ".wh..wh..opq" empties its directory of them (OCI image-spec
 * layer.md). Whiteouts of a layer are applied before its files, so they
 * only touch lower layers. Members are written by libarchive with its
 * symlink and ".." guards, under names checked here first.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_internal.h"
#include "internal.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

static struct archive *layer_open(const char *path)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_format_tar(a);
    /* A failed open shows up as the first header's error. */
    archive_read_open_filename(a, path, 65536);
    return a;
}

/* The member name without leading "./": "" for the root itself; NULL if unsafe. */
static const char *clean_name(const char *name)
{
    if (!name)
        return NULL;
    while (name[0] == '.' && name[1] == '/')
        for (name += 2; name[0] == '/';)
            name++;
    if (strcmp(name, ".") == 0)
        return "";
    if (name[0] == '\0')
        return "";
    return k8sc__image_path_safe(name) ? name : NULL;
}

/* An error naming the layer: libarchive's message, or `why`. */
static int layer_error(struct archive *a, const char *what, const char *why)
{
    const char *msg = why ? why : archive_error_string(a);
    return k8sc_error_set(K8SC_EINVAL, "layer %s: %s", what, msg ? msg : "not a tar archive");
}

int k8sc__layer_scan(const char *path, const char *what, uint64_t *size)
{
    struct archive *a = layer_open(path);
    if (!a)
        return k8sc__error_nomem();
    int rc = 0;
    uint64_t total = 0;
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *name = archive_entry_pathname(e);
        const char *link = archive_entry_hardlink(e);
        if (!clean_name(name) || (link && !clean_name(link))) {
            k8sc_error_set(K8SC_EINVAL, "layer %s: unsafe member name \"%s\"", what,
                           !clean_name(name) ? (name ? name : "") : link);
            archive_read_free(a);
            return K8SC_EINVAL;
        }
        if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0)
            total += (uint64_t)archive_entry_size(e);
        if (archive_read_data_skip(a) != ARCHIVE_OK) {
            r = ARCHIVE_FATAL;
            break;
        }
    }
    if (r != ARCHIVE_EOF)
        rc = layer_error(a, what, NULL);
    archive_read_free(a);
    if (rc == 0)
        *size += total;
    return rc;
}

/* Open directory `rel` of `root` without following symlinks anywhere; -1 if it is not a directory there. */
static int open_dir_nofollow(int rootfd, const char *rel, size_t len)
{
    int fd = dup(rootfd);
    for (size_t i = 0; fd >= 0 && i < len;) {
        const char *e = memchr(rel + i, '/', len - i);
        size_t n = e ? (size_t)(e - (rel + i)) : len - i;
        if (n > 0 && !(n == 1 && rel[i] == '.')) {
            char *comp = k8sc__strndup(rel + i, n);
            int next = comp ? openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
            free(comp);
            close(fd);
            fd = next;
        }
        i += n + 1;
    }
    return fd;
}

static int empty_dir(int dfd)
{
    int fd = dup(dfd);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (k8sc__rm_rf_at(dfd, de->d_name) != 0)
            rc = -1;
    }
    closedir(d);
    return rc;
}

/* Apply the whiteout `name` (clean, basename starting ".wh."). */
static int whiteout(int rootfd, const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    size_t dir_len = slash ? (size_t)(slash - name) : 0;
    int dfd = open_dir_nofollow(rootfd, name, dir_len);
    if (dfd < 0)
        return 0; /* nothing below to hide */
    int rc;
    if (strcmp(base, WH_OPAQUE) == 0)
        rc = empty_dir(dfd);
    else if (strcmp(base + strlen(WH_PREFIX), ".") == 0 || strcmp(base + strlen(WH_PREFIX), "..") == 0 ||
             base[strlen(WH_PREFIX)] == '\0')
        rc = 0;
    else
        rc = k8sc__rm_rf_at(dfd, base + strlen(WH_PREFIX));
    close(dfd);
    return rc;
}

static bool is_whiteout(const char *name)
{
    const char *slash = strrchr(name, '/');
    return strncmp(slash ? slash + 1 : name, WH_PREFIX, strlen(WH_PREFIX)) == 0;
}

static int apply_whiteouts(const char *root, const char *path)
{
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return k8sc_error_set(K8SC_EIO, "open %s: %s", root, strerror(errno));
    struct archive *a = layer_open(path);
    if (!a) {
        close(rootfd);
        return k8sc__error_nomem();
    }
    int rc = 0;
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *name = clean_name(archive_entry_pathname(e));
        if (!name) {
            rc = k8sc_error_set(K8SC_EINVAL, "layer %s: unsafe member name", path);
            break;
        }
        if (is_whiteout(name) && whiteout(rootfd, name) != 0) {
            rc = k8sc_error_set(K8SC_EIO, "whiteout %s in %s: %s", name, root, strerror(errno));
            break;
        }
    }
    if (rc == 0 && r != ARCHIVE_EOF)
        rc = layer_error(a, path, NULL);
    archive_read_free(a);
    close(rootfd);
    return rc;
}

static char *join(const char *root, const char *name)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/%s", root, name);
    if (k8sc__buf_status(&b) != 0) {
        k8sc__buf_free(&b);
        return NULL;
    }
    return k8sc__buf_detach(&b, NULL);
}

static int copy_member(struct archive *in, struct archive *out)
{
    const void *buf;
    size_t len;
    int64_t off;
    int r;
    while ((r = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK)
        if (archive_write_data_block(out, buf, len, off) < ARCHIVE_WARN)
            return ARCHIVE_FATAL;
    return r == ARCHIVE_EOF ? ARCHIVE_OK : ARCHIVE_FATAL;
}

/* Write one member under `root`; its names are already checked. */
static int extract_member(struct archive *in, struct archive *out, struct archive_entry *e, const char *root,
                          const char *name, const char *path)
{
    mode_t type = archive_entry_filetype(e);
    if ((type == AE_IFCHR || type == AE_IFBLK) && geteuid() != 0)
        return 0; /* device nodes need root; an unprivileged unpack goes without */
    char *full = join(root, name);
    const char *link = archive_entry_hardlink(e);
    char *full_link = link ? join(root, clean_name(link)) : NULL;
    if (!full || (link && !full_link)) {
        free(full);
        free(full_link);
        return k8sc__error_nomem();
    }
    archive_entry_set_pathname(e, full);
    if (full_link)
        archive_entry_set_hardlink(e, full_link);
    int rc = 0;
    int r = archive_write_header(out, e);
    if (r < ARCHIVE_WARN)
        rc = k8sc_error_set(K8SC_EIO, "layer %s: %s: %s", path, name, archive_error_string(out));
    else if (archive_entry_size(e) > 0 && copy_member(in, out) != ARCHIVE_OK)
        rc = k8sc_error_set(K8SC_EIO, "layer %s: %s: %s", path, name,
                            archive_error_string(archive_errno(in) ? in : out));
    else if (archive_write_finish_entry(out) < ARCHIVE_WARN)
        rc = k8sc_error_set(K8SC_EIO, "layer %s: %s: %s", path, name, archive_error_string(out));
    free(full);
    free(full_link);
    return rc;
}

int k8sc__layer_apply(const char *root, const char *path)
{
    int rc = apply_whiteouts(root, path);
    if (rc != 0)
        return rc;
    struct archive *in = layer_open(path);
    struct archive *out = archive_write_disk_new();
    if (!in || !out) {
        archive_read_free(in);
        archive_write_free(out);
        return k8sc__error_nomem();
    }
    int flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                ARCHIVE_EXTRACT_SECURE_NODOTDOT;
    if (geteuid() == 0)
        flags |= ARCHIVE_EXTRACT_OWNER;
    archive_write_disk_set_options(out, flags);
    archive_write_disk_set_standard_lookup(out);
    struct archive_entry *e;
    int r = ARCHIVE_EOF;
    while (rc == 0 && ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
        const char *name = clean_name(archive_entry_pathname(e));
        const char *link = archive_entry_hardlink(e);
        if (!name || (link && !clean_name(link)))
            rc = k8sc_error_set(K8SC_EINVAL, "layer %s: unsafe member name", path);
        else if (name[0] != '\0' && !is_whiteout(name))
            rc = extract_member(in, out, e, root, name, path);
    }
    if (rc == 0 && r != ARCHIVE_EOF)
        rc = layer_error(in, path, NULL);
    if (archive_write_close(out) != ARCHIVE_OK && rc == 0)
        rc = k8sc_error_set(K8SC_EIO, "layer %s: %s", path, archive_error_string(out));
    archive_write_free(out);
    archive_read_free(in);
    return rc;
}
