/*
 * The node image store: opening, the index of images and names, lookups
 * and removal. Readers take the index as last renamed into place;
 * writers hold the store's mutex and an flock on <dir>/lock, so several
 * processes can share a directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_internal.h"
#include "internal.h"
#include "runtime_internal.h"

#define INDEX_MAX (64u << 20)
#define ID_PREFIX_MIN 12

static char *path_of(const k8sc_image_store *s, const char *fmt, const char *arg)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_puts(&b, s->dir);
    k8sc__buf_printf(&b, fmt, arg);
    if (k8sc__buf_status(&b) != 0) {
        k8sc__buf_free(&b);
        return NULL;
    }
    return k8sc__buf_detach(&b, NULL);
}

char *k8sc__image_blob_path(const k8sc_image_store *s, const char *hex)
{
    return path_of(s, "/blobs/sha256/%s", hex);
}

int k8sc_image_store_open(k8sc_image_store **out, const char *dir)
{
    K8SC__CHECK_ARG(out && dir && *dir);
    *out = NULL;
    int rc = k8sc__mkdirs(dir, 0755);
    if (rc != 0)
        return rc;
    char real[PATH_MAX];
    if (!realpath(dir, real))
        return k8sc_error_set(K8SC_EIO, "image store: %s: %s", dir, strerror(errno));
    k8sc_image_store *s = k8sc__calloc(1, sizeof(*s));
    if (!s || !(s->dir = k8sc__strdup(real))) {
        free(s);
        return K8SC_ENOMEM;
    }
    pthread_mutex_init(&s->lock, NULL);
    static const char *const subdirs[] = { "/blobs/sha256", "/rootfs", "/tmp" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(subdirs) && rc == 0; i++) {
        char *p = path_of(s, "%s", subdirs[i]);
        rc = p ? k8sc__mkdirs(p, 0755) : K8SC_ENOMEM;
        free(p);
    }
    if (rc != 0) {
        k8sc_image_store_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void k8sc_image_store_close(k8sc_image_store *s)
{
    if (!s)
        return;
    pthread_mutex_destroy(&s->lock);
    free(s->dir);
    free(s);
}

int k8sc__image_lock(k8sc_image_store *s, int *fd)
{
    pthread_mutex_lock(&s->lock);
    char *p = path_of(s, "%s", "/lock");
    int f = p ? open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644) : -1;
    int e = errno;
    free(p);
    while (f >= 0 && flock(f, LOCK_EX) != 0) {
        if (errno == EINTR)
            continue;
        e = errno;
        close(f);
        f = -1;
    }
    if (f < 0) {
        pthread_mutex_unlock(&s->lock);
        return p ? k8sc_error_set(K8SC_EIO, "image store %s: lock: %s", s->dir, strerror(e)) : K8SC_ENOMEM;
    }
    *fd = f;
    return 0;
}

void k8sc__image_unlock(k8sc_image_store *s, int fd)
{
    flock(fd, LOCK_UN);
    close(fd);
    pthread_mutex_unlock(&s->lock);
}

static json_object *ensure_object(json_object *parent, const char *key)
{
    json_object *o = k8sc__json_member(parent, key);
    if (o && json_object_is_type(o, json_type_object))
        return o;
    o = json_object_new_object();
    if (!o || json_object_object_add(parent, key, o) != 0)
        return NULL;
    return o;
}

int k8sc__image_index_load(const k8sc_image_store *s, json_object **out)
{
    *out = NULL;
    char *p = path_of(s, "%s", "/index.json");
    if (!p)
        return K8SC_ENOMEM;
    char *text = NULL;
    json_object *idx = NULL;
    if (access(p, F_OK) == 0) {
        int rc = k8sc__read_file(&text, NULL, p, INDEX_MAX);
        if (rc != 0) {
            free(p);
            return rc == K8SC_EINVAL ? k8sc_error_set(K8SC_EIO, "%s", k8sc_error_last()) : rc;
        }
        idx = json_tokener_parse(text);
        free(text);
        if (!idx || !json_object_is_type(idx, json_type_object)) {
            json_object_put(idx);
            int rc2 = k8sc_error_set(K8SC_EIO, "image store: %s is corrupt", p);
            free(p);
            return rc2;
        }
    } else {
        idx = json_object_new_object();
    }
    free(p);
    if (!idx || !ensure_object(idx, "images") || !ensure_object(idx, "names")) {
        json_object_put(idx);
        return k8sc__error_nomem();
    }
    *out = idx;
    return 0;
}

int k8sc__image_index_save(const k8sc_image_store *s, json_object *index)
{
    char *p = path_of(s, "%s", "/index.json");
    char *tmp = path_of(s, "%s", "/index.json.tmp");
    const char *text = json_object_to_json_string_ext(index, JSON_C_TO_STRING_PLAIN);
    if (!p || !tmp || !text) {
        free(p);
        free(tmp);
        return k8sc__error_nomem();
    }
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t len = strlen(text);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0 || close(fd) != 0 ||
        rename(tmp, p) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        rc = k8sc_error_set(K8SC_EIO, "image store: write %s: %s", p, strerror(e));
    }
    free(p);
    free(tmp);
    return rc;
}

static bool hex_prefix_ok(const char *s, size_t min)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return false;
    return n >= min && n <= K8SC__SHA256_HEX;
}

/* The image whose id's hex starts with `hex`. */
static int resolve_prefix(json_object *images, const char *hex, const char **id)
{
    const char *found = NULL;
    json_object_object_foreach(images, key, val)
    {
        (void)val;
        if (strncmp(key, "sha256:", 7) == 0 && strncmp(key + 7, hex, strlen(hex)) == 0) {
            if (found)
                return k8sc_error_set(K8SC_EINVAL, "image id prefix \"%s\" is ambiguous", hex);
            found = key;
        }
    }
    if (!found)
        return k8sc_error_set(K8SC_ENOTFOUND, "image \"%s\" not found", hex);
    *id = found;
    return 0;
}

/* The image one of whose repo digests is `ref`. */
static const char *resolve_digest(json_object *images, const char *ref)
{
    json_object_object_foreach(images, key, val)
    {
        json_object *digests = k8sc__json_member(val, "digests");
        size_t n = json_object_is_type(digests, json_type_array) ? json_object_array_length(digests) : 0;
        for (size_t i = 0; i < n; i++) {
            const char *d = json_object_get_string(json_object_array_get_idx(digests, i));
            if (d && strcmp(d, ref) == 0)
                return key;
        }
    }
    return NULL;
}

int k8sc__image_resolve(json_object *index, const char *ref, const char **id, char **name)
{
    json_object *images = k8sc__json_member(index, "images");
    json_object *names = k8sc__json_member(index, "names");
    if (name)
        *name = NULL;
    if (strncmp(ref, "sha256:", 7) == 0) {
        if (!hex_prefix_ok(ref + 7, ID_PREFIX_MIN))
            return k8sc_error_set(K8SC_ENOTFOUND, "image \"%s\" not found", ref);
        return resolve_prefix(images, ref + 7, id);
    }
    char *norm = NULL;
    if (k8sc_image_normalize(&norm, ref) == 0) {
        const char *hit = strchr(norm, '@') ? resolve_digest(images, norm) : k8sc__json_string(names, norm);
        if (hit && k8sc__json_member(images, hit)) {
            *id = hit;
            if (name)
                *name = norm;
            else
                free(norm);
            return 0;
        }
        free(norm);
    } else if (k8sc_error_last_code() == K8SC_ENOMEM) {
        return K8SC_ENOMEM;
    }
    if (hex_prefix_ok(ref, ID_PREFIX_MIN))
        return resolve_prefix(images, ref, id);
    return k8sc_error_set(K8SC_ENOTFOUND, "image \"%s\" not found", ref);
}

static int strv_from_array(char ***out, size_t *n, json_object *arr)
{
    *out = NULL;
    *n = 0;
    if (!json_object_is_type(arr, json_type_array) || json_object_array_length(arr) == 0)
        return 0;
    size_t len = json_object_array_length(arr);
    char **v = k8sc__calloc(len + 1, sizeof(*v));
    if (!v)
        return K8SC_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        const char *str = json_object_get_string(json_object_array_get_idx(arr, i));
        if (!(v[i] = k8sc__strdup(str ? str : ""))) {
            k8sc_strv_free(v);
            return K8SC_ENOMEM;
        }
    }
    *out = v;
    *n = len;
    return 0;
}

static int strdup_nonempty(char **out, const char *s)
{
    *out = NULL;
    if (!s || !*s)
        return 0;
    return (*out = k8sc__strdup(s)) ? 0 : K8SC_ENOMEM;
}

static int fill_config(k8sc_image *img, const char *text)
{
    json_object *cfg = json_tokener_parse(text);
    json_object *c = k8sc__json_member(cfg, "config");
    int rc = 0;
    if (!c)
        c = k8sc__json_member(cfg, "container_config");
    if (c && (strv_from_array(&img->entrypoint, &img->n_entrypoint, k8sc__json_member(c, "Entrypoint")) ||
              strv_from_array(&img->cmd, &img->n_cmd, k8sc__json_member(c, "Cmd")) ||
              strv_from_array(&img->env, &img->n_env, k8sc__json_member(c, "Env")) ||
              strdup_nonempty(&img->working_dir, k8sc__json_string(c, "WorkingDir")) ||
              strdup_nonempty(&img->user, k8sc__json_string(c, "User")) ||
              strdup_nonempty(&img->stop_signal, k8sc__json_string(c, "StopSignal"))))
        rc = K8SC_ENOMEM;
    json_object_put(cfg);
    return rc;
}

static int fill_tags(k8sc_image *img, json_object *names, const char *id)
{
    size_t n = 0;
    json_object_object_foreach(names, k1, v1)
    {
        (void)k1;
        n += strcmp(json_object_get_string(v1), id) == 0;
    }
    if (n == 0)
        return 0;
    img->repo_tags = k8sc__calloc(n + 1, sizeof(char *));
    if (!img->repo_tags)
        return K8SC_ENOMEM;
    json_object_object_foreach(names, key, val)
    {
        if (strcmp(json_object_get_string(val), id) != 0)
            continue;
        if (!(img->repo_tags[img->n_repo_tags] = k8sc__strdup(key)))
            return K8SC_ENOMEM;
        img->n_repo_tags++;
    }
    return 0;
}

int k8sc__image_from_index(const k8sc_image_store *s, k8sc_image **out, json_object *index, const char *id)
{
    json_object *entry = k8sc__json_member(k8sc__json_member(index, "images"), id);
    if (!entry)
        return k8sc_error_set(K8SC_ENOTFOUND, "image \"%s\" not found", id);
    char *path = k8sc__image_blob_path(s, id + 7);
    if (!path)
        return K8SC_ENOMEM;
    char *text = NULL;
    int rc = k8sc__read_file(&text, NULL, path, K8SC__IMAGE_JSON_MAX);
    free(path);
    if (rc != 0)
        return rc == K8SC_ENOMEM ? rc : k8sc_error_set(K8SC_EIO, "image %s: config: %s", id, k8sc_error_last());
    k8sc_image *img = k8sc__calloc(1, sizeof(*img));
    if (!img || !(img->id = k8sc__strdup(id)) || fill_config(img, text) != 0 ||
        fill_tags(img, k8sc__json_member(index, "names"), id) != 0 ||
        strv_from_array(&img->repo_digests, &img->n_repo_digests, k8sc__json_member(entry, "digests")) != 0) {
        free(text);
        k8sc_image_free(img);
        return k8sc__error_nomem();
    }
    free(text);
    img->size = (uint64_t)json_object_get_int64(k8sc__json_member(entry, "size"));
    *out = img;
    return 0;
}

int k8sc_image_store_list(k8sc_image_store *s, k8sc_image ***out, size_t *count)
{
    K8SC__CHECK_ARG(s && out && count);
    *out = NULL;
    *count = 0;
    json_object *idx = NULL;
    int rc = k8sc__image_index_load(s, &idx);
    if (rc != 0)
        return rc;
    json_object *images = k8sc__json_member(idx, "images");
    size_t n = (size_t)json_object_object_length(images);
    k8sc_image **list = k8sc__calloc(n ? n : 1, sizeof(*list));
    if (!list) {
        json_object_put(idx);
        return K8SC_ENOMEM;
    }
    size_t i = 0;
    json_object_object_foreach(images, key, val)
    {
        (void)val;
        if ((rc = k8sc__image_from_index(s, &list[i], idx, key)) != 0)
            break;
        i++;
    }
    json_object_put(idx);
    if (rc != 0) {
        k8sc_image_list_free(list, i);
        return rc;
    }
    *out = list;
    *count = i;
    return 0;
}

int k8sc_image_store_get(k8sc_image_store *s, k8sc_image **out, const char *ref)
{
    K8SC__CHECK_ARG(s && out && ref);
    *out = NULL;
    json_object *idx = NULL;
    int rc = k8sc__image_index_load(s, &idx);
    const char *id = NULL;
    if (rc == 0 && (rc = k8sc__image_resolve(idx, ref, &id, NULL)) == 0)
        rc = k8sc__image_from_index(s, out, idx, id);
    json_object_put(idx);
    return rc;
}

static bool has_name(json_object *names, const char *id)
{
    json_object_object_foreach(names, key, val)
    {
        (void)key;
        if (strcmp(json_object_get_string(val), id) == 0)
            return true;
    }
    return false;
}

static bool blob_used(json_object *images, const char *digest)
{
    json_object_object_foreach(images, key, val)
    {
        if (strcmp(key, digest) == 0)
            return true;
        json_object *layers = k8sc__json_member(val, "layers");
        size_t n = json_object_is_type(layers, json_type_array) ? json_object_array_length(layers) : 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(json_object_get_string(json_object_array_get_idx(layers, i)), digest) == 0)
                return true;
    }
    return false;
}

static void unlink_blob(const k8sc_image_store *s, json_object *images, const char *digest)
{
    if (strncmp(digest, "sha256:", 7) != 0 || !k8sc__sha256_hex_ok(digest + 7) || blob_used(images, digest))
        return;
    char *p = k8sc__image_blob_path(s, digest + 7);
    if (p && unlink(p) != 0 && errno != ENOENT)
        k8sc_log(K8SC_LOG_WARN, "image store: unlink %s: %s", p, strerror(errno));
    free(p);
}

/* Drop image `id` (with its names) from the index and delete what no other image uses. */
static int drop_image(const k8sc_image_store *s, json_object *idx, const char *id)
{
    json_object *images = k8sc__json_member(idx, "images");
    json_object *names = k8sc__json_member(idx, "names");
    char *key = k8sc__strdup(id);
    json_object *entry = json_object_get(k8sc__json_member(images, id));
    if (!key || !entry) {
        free(key);
        json_object_put(entry);
        return k8sc__error_nomem();
    }
    for (bool again = true; again;) {
        again = false;
        json_object_object_foreach(names, n, v)
        {
            if (strcmp(json_object_get_string(v), key) == 0) {
                json_object_object_del(names, n);
                again = true;
                break;
            }
        }
    }
    json_object_object_del(images, key);
    int rc = k8sc__image_index_save(s, idx);
    if (rc == 0) {
        unlink_blob(s, images, key);
        json_object *layers = k8sc__json_member(entry, "layers");
        size_t n = json_object_is_type(layers, json_type_array) ? json_object_array_length(layers) : 0;
        for (size_t i = 0; i < n; i++)
            unlink_blob(s, images, json_object_get_string(json_object_array_get_idx(layers, i)));
        char *root = path_of(s, "/rootfs/%s", key + 7);
        if (root && k8sc__rm_rf(root) != 0)
            k8sc_log(K8SC_LOG_WARN, "%s", k8sc_error_last());
        free(root);
    }
    json_object_put(entry);
    free(key);
    return rc;
}

/* Forget the digest reference `ref` of image `id`. */
static void drop_digest(json_object *entry, const char *ref)
{
    json_object *digests = k8sc__json_member(entry, "digests");
    size_t n = json_object_is_type(digests, json_type_array) ? json_object_array_length(digests) : 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(digests, i)), ref) == 0) {
            json_object_array_del_idx(digests, i, 1);
            return;
        }
}

/* The length of the repository part of a normalised name ("docker.io/library/busybox" of "…:1.36"). */
static size_t repo_len(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *end = strpbrk(slash ? slash : name, ":@");
    return end ? (size_t)(end - name) : strlen(name);
}

/* As Docker's untag: once no tag of its repository is left, the repository's digest references go too. */
static void drop_repo_digests(json_object *entry, json_object *names, const char *name)
{
    size_t rl = repo_len(name);
    json_object_object_foreach(names, key, val)
    {
        (void)val;
        if (repo_len(key) == rl && strncmp(key, name, rl) == 0)
            return;
    }
    json_object *digests = k8sc__json_member(entry, "digests");
    size_t n = json_object_is_type(digests, json_type_array) ? json_object_array_length(digests) : 0;
    for (size_t i = n; i-- > 0;) {
        const char *d = json_object_get_string(json_object_array_get_idx(digests, i));
        if (repo_len(d) == rl && strncmp(d, name, rl) == 0)
            json_object_array_del_idx(digests, i, 1);
    }
}

int k8sc_image_store_remove(k8sc_image_store *s, const char *ref)
{
    K8SC__CHECK_ARG(s && ref);
    int lock = -1;
    int rc = k8sc__image_lock(s, &lock);
    if (rc != 0)
        return rc;
    json_object *idx = NULL;
    const char *found = NULL;
    char *name = NULL;
    char *id = NULL;
    if ((rc = k8sc__image_index_load(s, &idx)) == 0 && (rc = k8sc__image_resolve(idx, ref, &found, &name)) == 0 &&
        !(id = k8sc__strdup(found)))
        rc = K8SC_ENOMEM;
    if (rc == 0) {
        json_object *names = k8sc__json_member(idx, "names");
        json_object *entry = k8sc__json_member(k8sc__json_member(idx, "images"), id);
        if (name && strchr(name, '@')) {
            drop_digest(entry, name);
        } else if (name) {
            json_object_object_del(names, name);
            drop_repo_digests(entry, names, name);
        }
        json_object *digests = k8sc__json_member(entry, "digests");
        bool keep = name && (has_name(names, id) ||
                             (json_object_is_type(digests, json_type_array) && json_object_array_length(digests) > 0));
        rc = keep ? k8sc__image_index_save(s, idx) : drop_image(s, idx, id);
    }
    free(id);
    free(name);
    json_object_put(idx);
    k8sc__image_unlock(s, lock);
    return rc;
}
