/* Internals of the node image store (image_*.c). */
#ifndef K8SC_IMAGE_INTERNAL_H
#define K8SC_IMAGE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8sc/runtime.h"

struct json_object;

/*
 * Layout of a store directory:
 *   blobs/sha256/<hex>   configs and layers, named by their digest
 *   index.json           {"images": {id: {"layers": [...], "size": n, "digests": [...]}},
 *                         "names": {name: id}}, replaced atomically
 *   rootfs/<hex>/        unpacked root filesystems, one per image
 *   tmp/                 imports and unpacks in progress
 *   lock                 flock()ed by writers
 */
struct k8sc_image_store {
    char *dir; /* absolute, without symlinks */
    pthread_mutex_t lock;
};

#define K8SC__SHA256_HEX 64

/* Length limit of the small JSON documents of an archive (manifests, configs, indexes). */
#define K8SC__IMAGE_JSON_MAX (4u << 20)

/* The lowercase hex sha256 of a file (hex: 65 bytes); *size its length. 0, or EIO with a message. */
int k8sc__sha256_file(char *hex, uint64_t *size, const char *path);

/* Whether `hex` is 64 lowercase hex digits. */
bool k8sc__sha256_hex_ok(const char *hex);

/* Whether an archive member name (leading "./" already stripped) is safe: not empty, not absolute, no ".." component. */
bool k8sc__image_path_safe(const char *name);

/* Path of blob `hex` in the store (caller frees); NULL on ENOMEM. */
char *k8sc__image_blob_path(const k8sc_image_store *s, const char *hex);

/* Take / release the store's writer lock (mutex, then the lock file). 0 or EIO. */
int k8sc__image_lock(k8sc_image_store *s, int *fd);
void k8sc__image_unlock(k8sc_image_store *s, int fd);

/* Read the index (an empty one if missing). 0, EIO or ENOMEM. */
int k8sc__image_index_load(const k8sc_image_store *s, struct json_object **out);

/* Replace the index atomically. 0 or EIO. Hold the lock. */
int k8sc__image_index_save(const k8sc_image_store *s, struct json_object *index);


/* Make a fresh directory under the store's tmp/ (caller frees the path). */
int k8sc__image_tmpdir(char **out, const k8sc_image_store *s, const char *prefix);

/* Remove `path` and everything under it; a missing path is fine. 0 or EIO. */
int k8sc__rm_rf(const char *path);

/* Remove `name` in directory `parent` and everything under it; missing is fine. 0 or -1 (errno). */
int k8sc__rm_rf_at(int parent, const char *name);

/*
 * The unpacked tree of image `ref` ("<store>/rootfs/<hex>", built on first
 * use; never written to afterwards): *out, caller frees. 0, ENOTFOUND, EIO.
 */
int k8sc__image_store_tree(k8sc_image_store *s, const char *ref, char **out);

/*
 * Make "<dest>.upper" and "<dest>.work" and return the options of an
 * overlay mount of `lower` on `dest` (caller frees); NULL, leaving
 * nothing behind, when the paths cannot be written in mount options or
 * the directories cannot be made. k8sc__image_overlay_undo removes them.
 */
char *k8sc__image_overlay_options(const char *lower, const char *dest);
void k8sc__image_overlay_undo(const char *dest);

/* Whether overlay mounts work here (tried once in a scratch directory under `dir`). */
bool k8sc__image_overlay_works(const char *dir);

/* Copy the tree `src` into the existing empty directory `dest` (modes, owners, times, links, devices). 0 or EIO. */
int k8sc__copy_tree(const char *src, const char *dest);

/*
 * Walk the layer tar `path` (gzip or plain): check every member's name
 * and add the sizes of its regular files to *size. EINVAL naming the
 * layer for a bad archive or unsafe member.
 */
int k8sc__layer_scan(const char *path, const char *what, uint64_t *size);

/* Apply the layer tar `path` to the root filesystem being built at `root` (whiteouts included). 0, EINVAL, EIO. */
int k8sc__layer_apply(const char *root, const char *path);

/* Fill an image from the index entry `id` and its config blob. 0, EIO, ENOMEM. */
int k8sc__image_from_index(const k8sc_image_store *s, k8sc_image **out, struct json_object *index, const char *id);

/*
 * Find the image id that `ref` names in the index: a name (normalised
 * first), a digest reference, a full id or an id prefix of at least 12
 * hex digits. *id is borrowed from the index (copy it before editing
 * the index); *name (may be NULL) gets the normalised name when a name
 * matched, else NULL (caller frees). ENOTFOUND, EINVAL (ambiguous).
 */
int k8sc__image_resolve(struct json_object *index, const char *ref, const char **id, char **name);

#endif
