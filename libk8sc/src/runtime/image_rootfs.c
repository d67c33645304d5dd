/*
 * Root filesystems of images. Each image is unpacked once, into
 * <store>/rootfs/<hex>/ (built in tmp/ and renamed into place, so a
 * half-built tree is never seen). A container's root is an overlay mount
 * of it with a writable layer beside the root ("<dest>.upper" and
 * "<dest>.work"), which costs nothing per container; where overlays
 * cannot be mounted (not root, no overlayfs) it is a real copy.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_internal.h"
#include "internal.h"

/* Unpack the layers of `entry` into a new tree and rename it to `cache`. */
static int build_cache(k8sc_image_store *s, json_object *entry, const char *cache)
{
    char *tmp = NULL;
    int rc = k8sc__image_tmpdir(&tmp, s, "rootfs");
    if (rc != 0)
        return rc;
    if (chmod(tmp, 0755) != 0)
        rc = k8sc_error_set(K8SC_EIO, "chmod %s: %s", tmp, strerror(errno));
    json_object *layers = k8sc__json_member(entry, "layers");
    size_t n = json_object_is_type(layers, json_type_array) ? json_object_array_length(layers) : 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *digest = json_object_get_string(json_object_array_get_idx(layers, i));
        if (!digest || strncmp(digest, "sha256:", 7) != 0 || !k8sc__sha256_hex_ok(digest + 7)) {
            rc = k8sc_error_set(K8SC_EIO, "image store: bad layer digest in the index");
            break;
        }
        char *blob = k8sc__image_blob_path(s, digest + 7);
        rc = blob ? k8sc__layer_apply(tmp, blob) : K8SC_ENOMEM;
        free(blob);
    }
    /* Another thread or process may have built it meanwhile: theirs is as good. */
    if (rc == 0 && rename(tmp, cache) != 0 && errno != EEXIST && errno != ENOTEMPTY)
        rc = k8sc_error_set(K8SC_EIO, "rename %s to %s: %s", tmp, cache, strerror(errno));
    if (access(tmp, F_OK) == 0)
        k8sc__rm_rf_at(AT_FDCWD, tmp);
    free(tmp);
    return rc;
}

/* Make `dest` an empty directory (creating it). */
static int prepare_dest(const char *dest)
{
    if (mkdir(dest, 0755) == 0)
        return 0;
    if (errno != EEXIST)
        return k8sc_error_set(K8SC_EIO, "mkdir %s: %s", dest, strerror(errno));
    DIR *d = opendir(dest);
    if (!d)
        return k8sc_error_set(K8SC_EIO, "open %s: %s", dest, strerror(errno));
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            rc = k8sc_error_set(K8SC_EIO, "rootfs destination %s is not empty", dest);
            break;
        }
    closedir(d);
    return rc;
}

char *k8sc__image_overlay_options(const char *lower, const char *dest)
{
    if (strpbrk(lower, ",:") || strpbrk(dest, ",:"))
        return NULL;
    k8sc__buf upper = K8SC__BUF_INIT, work = K8SC__BUF_INIT, opts = K8SC__BUF_INIT;
    k8sc__buf_printf(&upper, "%s.upper", dest);
    k8sc__buf_printf(&work, "%s.work", dest);
    k8sc__buf_printf(&opts, "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper.ptr ? upper.ptr : "",
                     work.ptr ? work.ptr : "");
    bool ok = k8sc__buf_status(&upper) == 0 && k8sc__buf_status(&work) == 0 && k8sc__buf_status(&opts) == 0;
    bool made_upper = ok && mkdir(upper.ptr, 0755) == 0;
    bool made_work = made_upper && mkdir(work.ptr, 0700) == 0;
    if (!made_work) {
        if (made_upper)
            rmdir(upper.ptr);
        k8sc__buf_free(&opts);
    }
    k8sc__buf_free(&upper);
    k8sc__buf_free(&work);
    return made_work ? k8sc__buf_detach(&opts, NULL) : NULL;
}

void k8sc__image_overlay_undo(const char *dest)
{
    static const char *const suffixes[] = { ".upper", ".work" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(suffixes); i++) {
        k8sc__buf b = K8SC__BUF_INIT;
        k8sc__buf_printf(&b, "%s%s", dest, suffixes[i]);
        if (k8sc__buf_status(&b) == 0)
            k8sc__rm_rf(b.ptr);
        k8sc__buf_free(&b);
    }
}

/* Mount an overlay of `lower` on `dest` with its upper and work directories beside `dest`; false if not possible. */
static bool overlay(const char *lower, const char *dest)
{
    char *opts = k8sc__image_overlay_options(lower, dest);
    bool ok = opts && mount("overlay", dest, "overlay", 0, opts) == 0;
    if (opts && !ok)
        k8sc__image_overlay_undo(dest);
    free(opts);
    return ok;
}

bool k8sc__image_overlay_works(const char *dir)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/.overlay-probe-XXXXXX", dir);
    if (k8sc__buf_status(&b) != 0 || !mkdtemp(b.ptr)) {
        k8sc__buf_free(&b);
        return false;
    }
    char *probe = b.ptr;
    k8sc__buf lower = K8SC__BUF_INIT, dest = K8SC__BUF_INIT;
    k8sc__buf_printf(&lower, "%s/lower", probe);
    k8sc__buf_printf(&dest, "%s/root", probe);
    bool ok = k8sc__buf_status(&lower) == 0 && k8sc__buf_status(&dest) == 0 && mkdir(lower.ptr, 0755) == 0 &&
              mkdir(dest.ptr, 0755) == 0 && overlay(lower.ptr, dest.ptr);
    if (ok)
        umount2(dest.ptr, MNT_DETACH);
    k8sc__rm_rf(probe);
    k8sc__buf_free(&lower);
    k8sc__buf_free(&dest);
    k8sc__buf_free(&b);
    return ok;
}

int k8sc__image_store_tree(k8sc_image_store *s, const char *ref, char **out)
{
    json_object *idx = NULL;
    int rc = k8sc__image_index_load(s, &idx);
    const char *id = NULL;
    if (rc == 0)
        rc = k8sc__image_resolve(idx, ref, &id, NULL);
    if (rc != 0) {
        json_object_put(idx);
        return rc;
    }
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/rootfs/%s", s->dir, id + 7);
    if (k8sc__buf_status(&b) != 0) {
        json_object_put(idx);
        k8sc__buf_free(&b);
        return K8SC_ENOMEM;
    }
    struct stat st;
    if (stat(b.ptr, &st) != 0)
        rc = build_cache(s, k8sc__json_member(k8sc__json_member(idx, "images"), id), b.ptr);
    json_object_put(idx);
    if (rc == 0 && (*out = k8sc__buf_detach(&b, NULL)) == NULL)
        rc = K8SC_ENOMEM;
    k8sc__buf_free(&b);
    return rc;
}

int k8sc_image_store_rootfs(k8sc_image_store *s, const char *ref, const char *dest)
{
    K8SC__CHECK_ARG(s && ref && dest && *dest);
    char *tree = NULL;
    int rc = k8sc__image_store_tree(s, ref, &tree);
    if (rc == 0)
        rc = prepare_dest(dest);
    if (rc == 0 && !overlay(tree, dest))
        rc = k8sc__copy_tree(tree, dest);
    free(tree);
    return rc;
}

int k8sc_image_rootfs_release(const char *dest)
{
    K8SC__CHECK_ARG(dest && *dest);
    umount2(dest, MNT_DETACH);
    int rc = 0;
    static const char *const suffixes[] = { "", ".upper", ".work" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(suffixes); i++) {
        k8sc__buf b = K8SC__BUF_INIT;
        k8sc__buf_printf(&b, "%s%s", dest, suffixes[i]);
        if (k8sc__buf_status(&b) != 0)
            rc = K8SC_ENOMEM;
        else if (k8sc__rm_rf(b.ptr) != 0)
            rc = K8SC_EIO;
        k8sc__buf_free(&b);
    }
    return rc;
}
