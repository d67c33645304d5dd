/*
 * A real copy of an unpacked image root (containers write to theirs, so
 * hard links to the cache would leak writes back): regular files by
 * copy_file_range, directories, symlinks, device nodes and fifos made
 * anew; owners, modes and times kept; hard links inside the tree kept.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_internal.h"
#include "internal.h"

typedef struct copy_link {
    dev_t dev;
    ino_t ino;
    char *path; /* relative to the destination root */
} copy_link;

typedef struct copy_ctx {
    int dest_root;
    copy_link *links;
    size_t n_links;
    size_t cap_links;
    char *failed; /* what failed, for the message */
} copy_ctx;

static int copy_dir(copy_ctx *c, int sfd, int dfd, k8sc__buf *rel);

static int copy_fail(copy_ctx *c, const k8sc__buf *rel)
{
    if (!c->failed)
        c->failed = k8sc__strdup(rel->ptr ? rel->ptr : ".");
    return -1;
}

static int copy_data(int in, int out)
{
    for (;;) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
        if (n == 0)
            return 0;
        if (n > 0)
            continue;
        if (errno == EINTR)
            continue;
        if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP && errno != EINVAL)
            return -1;
        break;
    }
    char buf[65536];
    ssize_t r;
    while ((r = read(in, buf, sizeof(buf))) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        for (ssize_t off = 0; off < r;) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                return -1;
            }
            off += w;
        }
    }
    return 0;
}

/* An earlier copy of the same inode, to link to; NULL if none. */
static const char *link_find(const copy_ctx *c, const struct stat *st)
{
    for (size_t i = 0; i < c->n_links; i++)
        if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino)
            return c->links[i].path;
    return NULL;
}

static int link_add(copy_ctx *c, const struct stat *st, const char *rel)
{
    if (c->n_links == c->cap_links) {
        size_t cap = c->cap_links ? c->cap_links * 2 : 16;
        copy_link *n = k8sc__realloc(c->links, cap * sizeof(*n));
        if (!n)
            return -1;
        c->links = n;
        c->cap_links = cap;
    }
    char *p = k8sc__strdup(rel);
    if (!p)
        return -1;
    c->links[c->n_links++] = (copy_link){ st->st_dev, st->st_ino, p };
    return 0;
}

static int copy_attrs(int dfd, const char *name, const struct stat *st)
{
    /* Owner first: chown clears set-id bits, which the chmod then restores. */
    if (geteuid() == 0 && fchownat(dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    if (!S_ISLNK(st->st_mode) && fchmodat(dfd, name, st->st_mode & 07777, 0) != 0)
        return -1;
    struct timespec ts[2] = { st->st_atim, st->st_mtim };
    if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    return 0;
}

static int copy_file(int sfd, int dfd, const char *name)
{
    int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return -1;
    }
    int rc = copy_data(in, out);
    close(in);
    if (close(out) != 0)
        rc = -1;
    return rc;
}

static int copy_symlink(int sfd, int dfd, const char *name, const struct stat *st)
{
    size_t cap = (size_t)st->st_size + 1;
    char *target = k8sc__malloc(cap);
    if (!target)
        return -1;
    ssize_t n = readlinkat(sfd, name, target, cap);
    if (n < 0 || (size_t)n >= cap) {
        free(target);
        if (n >= 0)
            errno = EIO;
        return -1;
    }
    target[n] = '\0';
    int rc = symlinkat(target, dfd, name);
    free(target);
    return rc;
}

static int copy_entry(copy_ctx *c, int sfd, int dfd, const char *name, k8sc__buf *rel)
{
    struct stat st;
    if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
        const char *first = link_find(c, &st);
        if (first)
            return linkat(c->dest_root, first, dfd, name, 0);
        if (link_add(c, &st, rel->ptr) != 0)
            return -1;
    }
    int rc;
    if (S_ISDIR(st.st_mode)) {
        if (mkdirat(dfd, name, 0700) != 0)
            return -1;
        int s2 = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int d2 = s2 < 0 ? -1 : openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        rc = (s2 < 0 || d2 < 0) ? -1 : copy_dir(c, s2, d2, rel);
        if (s2 >= 0)
            close(s2);
        if (d2 >= 0)
            close(d2);
    } else if (S_ISREG(st.st_mode)) {
        rc = copy_file(sfd, dfd, name);
    } else if (S_ISLNK(st.st_mode)) {
        rc = copy_symlink(sfd, dfd, name, &st);
    } else {
        rc = mknodat(dfd, name, st.st_mode, st.st_rdev);
    }
    if (rc != 0)
        return rc;
    return copy_attrs(dfd, name, &st);
}

static int copy_dir(copy_ctx *c, int sfd, int dfd, k8sc__buf *rel)
{
    int fd = dup(sfd);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return copy_fail(c, rel);
    }
    int rc = 0;
    struct dirent *de;
    size_t base = rel->len;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (base)
            k8sc__buf_putc(rel, '/');
        k8sc__buf_puts(rel, de->d_name);
        if (k8sc__buf_status(rel) != 0)
            rc = -1;
        else if (copy_entry(c, sfd, dfd, de->d_name, rel) != 0)
            rc = copy_fail(c, rel);
        rel->len = base;
        if (rel->ptr)
            rel->ptr[base] = '\0';
    }
    closedir(d);
    return rc;
}

int k8sc__copy_tree(const char *src, const char *dest)
{
    int sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sfd < 0)
        return k8sc_error_set(K8SC_EIO, "open %s: %s", src, strerror(errno));
    int dfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        int e = errno;
        close(sfd);
        return k8sc_error_set(K8SC_EIO, "open %s: %s", dest, strerror(e));
    }
    copy_ctx c = { dfd, NULL, 0, 0, NULL };
    k8sc__buf rel = K8SC__BUF_INIT;
    struct stat st;
    int rc = copy_dir(&c, sfd, dfd, &rel);
    int e = errno;
    if (rc == 0 && fstat(sfd, &st) == 0 && copy_attrs(dfd, ".", &st) != 0) {
        e = errno;
        rc = -1;
    }
    if (rc != 0)
        rc = k8sc_error_set(K8SC_EIO, "copy %s to %s: %s: %s", src, dest, c.failed ? c.failed : ".", strerror(e));
    for (size_t i = 0; i < c.n_links; i++)
        free(c.links[i].path);
    free(c.links);
    free(c.failed);
    k8sc__buf_free(&rel);
    close(sfd);
    close(dfd);
    return rc;
}
