/* Images through dockerd: list, inspect, remove, load archives, and the sandboxes' pause image. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "docker_internal.h"

#define BUSYBOX "/bin/busybox"
#define LOAD_TIMEOUT_MS 300000
#define PULL_TIMEOUT_MS 60000

static int strv_from_json(char ***out, size_t *n, json_object *a, bool normalise)
{
    *out = NULL;
    *n = 0;
    size_t len = json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
    if (len == 0)
        return 0;
    char **v = k8sc__calloc(len + 1, sizeof(*v));
    if (!v)
        return K8SC_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(a, i));
        if (!s || strcmp(s, "<none>:<none>") == 0 || strcmp(s, "<none>@<none>") == 0)
            continue;
        char *c = NULL;
        if (!normalise || k8sc_image_normalize(&c, s) != 0)
            c = k8sc__strdup(s);
        if (!c) {
            k8sc_strv_free(v);
            return K8SC_ENOMEM;
        }
        v[k++] = c;
    }
    if (k == 0) {
        free(v);
        v = NULL;
    }
    *out = v;
    *n = k;
    return 0;
}

static char *str_or_null(json_object *o, const char *key, bool *failed)
{
    const char *s = k8sc__json_string(o, key);
    if (!s || !s[0])
        return NULL;
    char *c = k8sc__strdup(s);
    if (!c)
        *failed = true;
    return c;
}

static k8sc_image *image_from(json_object *j)
{
    k8sc_image *img = k8sc__calloc(1, sizeof(*img));
    if (!img)
        return NULL;
    json_object *cfg = k8sc__json_member(j, "Config");
    bool failed = false;
    img->id = str_or_null(j, "Id", &failed);
    img->size = (uint64_t)json_object_get_int64(k8sc__json_member(j, "Size"));
    img->working_dir = str_or_null(cfg, "WorkingDir", &failed);
    img->user = str_or_null(cfg, "User", &failed);
    img->stop_signal = str_or_null(cfg, "StopSignal", &failed);
    if (failed || !img->id || strv_from_json(&img->repo_tags, &img->n_repo_tags, k8sc__json_member(j, "RepoTags"), true) ||
        strv_from_json(&img->repo_digests, &img->n_repo_digests, k8sc__json_member(j, "RepoDigests"), true) ||
        strv_from_json(&img->entrypoint, &img->n_entrypoint, k8sc__json_member(cfg, "Entrypoint"), false) ||
        strv_from_json(&img->cmd, &img->n_cmd, k8sc__json_member(cfg, "Cmd"), false) ||
        strv_from_json(&img->env, &img->n_env, k8sc__json_member(cfg, "Env"), false)) {
        k8sc_image_free(img);
        k8sc__error_nomem();
        return NULL;
    }
    return img;
}

/* Inspect image `ref` as given (a name Docker understands, or an id). */
static int inspect_image(k8sc__docker *d, k8sc_image **out, const char *ref, const char *shown)
{
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/images/%s/json", ref);
    json_object *j = NULL;
    int rc = k8sc__buf_status(&path) ? k8sc__error_nomem() : k8sc__docker_json(d, "GET", path.ptr, NULL, &j, 0);
    k8sc__buf_free(&path);
    if (rc == K8SC_ENOTFOUND)
        return k8sc_error_set(K8SC_ENOTFOUND, "image \"%s\" not found", shown);
    if (rc == 0) {
        *out = image_from(j);
        rc = *out ? 0 : K8SC_ENOMEM;
    }
    json_object_put(j);
    return rc;
}

/* The reference as Docker's URL wants it: normalised when it parses, escaped piecewise (slashes stay). */
static char *image_path_ref(const char *ref)
{
    char *name = NULL;
    if (strncmp(ref, "sha256:", 7) == 0 || k8sc_image_normalize(&name, ref) != 0)
        name = k8sc__strdup(ref);
    if (!name)
        return NULL;
    k8sc__buf b = K8SC__BUF_INIT;
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("/:@._-", c))
            k8sc__buf_putc(&b, (char)c);
        else
            k8sc__buf_printf(&b, "%%%02X", c);
    }
    free(name);
    return k8sc__buf_detach(&b, NULL);
}

int k8sc__docker_image_status(void *state, k8sc_image **out, const char *ref)
{
    char *r = image_path_ref(ref);
    if (!r)
        return k8sc__error_nomem();
    int rc = inspect_image(state, out, r, ref);
    /* a bare id (or id prefix) also reads as a name; Docker knows it as given */
    if (rc == K8SC_ENOTFOUND && strchr(ref, '/') == NULL && strchr(ref, ':') == NULL) {
        free(r);
        r = k8sc__docker_escape(ref);
        rc = r ? inspect_image(state, out, r, ref) : K8SC_ENOMEM;
    }
    free(r);
    return rc;
}

int k8sc__docker_list_images(void *state, k8sc_image ***out, size_t *count)
{
    k8sc__docker *d = state;
    json_object *list = NULL;
    int rc = k8sc__docker_json(d, "GET", "/images/json", NULL, &list, 0);
    if (rc != 0)
        return rc;
    size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
    k8sc_image **imgs = k8sc__calloc(n + 1, sizeof(*imgs));
    size_t k = 0;
    rc = imgs ? 0 : K8SC_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *id = k8sc__json_string(json_object_array_get_idx(list, i), "Id");
        if (!id)
            continue;
        rc = inspect_image(d, &imgs[k], id, id);
        if (rc == 0)
            k++;
        else if (rc == K8SC_ENOTFOUND)
            rc = 0; /* removed meanwhile */
    }
    json_object_put(list);
    if (rc != 0) {
        k8sc_image_list_free(imgs, k);
        return rc;
    }
    *out = imgs;
    *count = k;
    return 0;
}

int k8sc__docker_remove_image(void *state, const char *ref)
{
    k8sc__docker *d = state;
    char *r = image_path_ref(ref);
    if (!r)
        return k8sc__error_nomem();
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/images/%s", r);
    free(r);
    int rc = k8sc__buf_status(&path) ? k8sc__error_nomem()
                                     : k8sc__docker_json(d, "DELETE", path.ptr, NULL, NULL, K8SC_EINVAL);
    k8sc__buf_free(&path);
    if (rc == K8SC_ENOTFOUND)
        return k8sc_error_set(K8SC_ENOTFOUND, "image \"%s\" not found", ref);
    return rc;
}

/*
 * Docker answers long operations (load, pull, import) with a stream of
 * JSON objects; a failure is an object with "error". Calls `fn` with
 * each object; returns the first error's text (caller frees) or NULL.
 */
static char *stream_scan(const k8sc__buf *b, void (*fn)(json_object *obj, void *ud), void *ud)
{
    char *err = NULL;
    json_tokener *tok = json_tokener_new();
    size_t off = 0;
    while (tok && b->ptr && off < b->len && !err) {
        while (off < b->len && strchr(" \r\n\t", b->ptr[off]))
            off++;
        if (off >= b->len)
            break;
        json_tokener_reset(tok);
        json_object *o = json_tokener_parse_ex(tok, b->ptr + off, (int)(b->len - off));
        if (!o) {
            err = k8sc__strndup(b->ptr + off, b->len - off);
            break;
        }
        off += json_tokener_get_parse_end(tok);
        const char *e = k8sc__json_string(o, "error");
        if (e)
            err = k8sc__strdup(e);
        else if (fn)
            fn(o, ud);
        json_object_put(o);
    }
    json_tokener_free(tok);
    return err;
}

typedef struct loaded {
    char **names;
    size_t n;
    bool failed;
} loaded;

static void add_loaded(json_object *o, void *ud)
{
    loaded *l = ud;
    const char *s = k8sc__json_string(o, "stream");
    const char *name = NULL;
    if (s && strncmp(s, "Loaded image: ", 14) == 0)
        name = s + 14;
    else if (s && strncmp(s, "Loaded image ID: ", 17) == 0)
        name = s + 17;
    if (!name)
        return;
    char *raw = k8sc__strndup(name, strcspn(name, "\r\n"));
    char *norm = NULL;
    if (raw && (strncmp(raw, "sha256:", 7) == 0 || k8sc_image_normalize(&norm, raw) != 0))
        norm = k8sc__strdup(raw);
    free(raw);
    char **v = norm ? k8sc__realloc(l->names, (l->n + 2) * sizeof(*v)) : NULL;
    if (!v) {
        free(norm);
        l->failed = true;
        return;
    }
    v[l->n++] = norm;
    v[l->n] = NULL;
    l->names = v;
}

int k8sc__docker_import_image(void *state, char ***out, const char *path)
{
    k8sc__docker *d = state;
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        int rc = k8sc_error_set(f ? K8SC_EINVAL : K8SC_EIO, "cannot import %s: %s", path,
                                f ? "not a regular file" : strerror(errno));
        if (f)
            fclose(f);
        return rc;
    }
    k8sc__docker_req req = { .method = "POST", .path = "/images/load?quiet=0", .upload = f,
                             .upload_len = st.st_size, .content_type = "application/x-tar",
                             .timeout_ms = LOAD_TIMEOUT_MS };
    k8sc__buf resp = K8SC__BUF_INIT;
    long status;
    int rc = k8sc__docker_call(d, &req, &status, &resp);
    fclose(f);
    if (rc == K8SC_EIO && status >= 400 && status < 600)
        rc = k8sc_error_set(K8SC_EINVAL, "%s is not an image archive: %s", path, k8sc_error_last());
    loaded l = { NULL, 0, false };
    char *err = rc == 0 ? stream_scan(&resp, add_loaded, &l) : NULL;
    k8sc__buf_free(&resp);
    if (rc == 0 && err)
        rc = k8sc_error_set(K8SC_EINVAL, "%s is not an image archive: %s", path, err);
    else if (rc == 0 && l.failed)
        rc = k8sc__error_nomem();
    else if (rc == 0 && l.n == 0)
        rc = k8sc_error_set(K8SC_EINVAL, "%s is not an image archive: dockerd loaded no image", path);
    free(err);
    if (rc != 0) {
        k8sc_strv_free(l.names);
        return rc;
    }
    *out = l.names;
    return 0;
}

int k8sc__docker_pull_image(void *state, const char *ref)
{
    k8sc__docker *d = state;
    char *name = NULL;
    int rc = k8sc_image_normalize(&name, ref);
    if (rc != 0)
        return rc;
    char *q = k8sc__docker_escape(name);
    free(name);
    if (!q)
        return K8SC_ENOMEM;
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/images/create?fromImage=%s", q);
    free(q);
    if (k8sc__buf_status(&path))
        return k8sc__error_nomem();
    k8sc__docker_req req = { .method = "POST", .path = path.ptr, .body = "", .timeout_ms = PULL_TIMEOUT_MS };
    k8sc__buf resp = K8SC__BUF_INIT;
    long status;
    rc = k8sc__docker_call(d, &req, &status, &resp);
    char *err = rc == 0 ? stream_scan(&resp, NULL, NULL) : NULL;
    if (rc != 0 || err)
        rc = k8sc_error_set(K8SC_EUNAVAILABLE, "cannot pull image \"%s\": %s", ref, err ? err : k8sc_error_last());
    free(err);
    k8sc__buf_free(&resp);
    k8sc__buf_free(&path);
    return rc;
}

/* ---- the pause image ---- */

static void tar_octal(char *field, size_t size, uint64_t v)
{
    snprintf(field, size, "%0*llo", (int)size - 1, (unsigned long long)v);
}

/* One ustar header for `name` (a directory when data is NULL). */
static void tar_header(k8sc__buf *b, const char *name, size_t size, unsigned mode, bool dir)
{
    char h[512];
    memset(h, 0, sizeof(h));
    snprintf(h, 100, "%s", name);
    tar_octal(h + 100, 8, mode);
    tar_octal(h + 108, 8, 0);
    tar_octal(h + 116, 8, 0);
    tar_octal(h + 124, 12, size);
    tar_octal(h + 136, 12, 0);
    h[156] = dir ? '5' : '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof(h); i++)
        sum += (unsigned char)h[i];
    snprintf(h + 148, 8, "%06o", sum);
    k8sc__buf_put(b, h, sizeof(h));
}

/* A root filesystem tar holding only /bin/busybox. */
static int pause_rootfs(k8sc__buf *tar)
{
    FILE *f = fopen(BUSYBOX, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        int rc = k8sc_error_set(K8SC_EUNAVAILABLE, "docker runtime: cannot make the pause image: %s: %s", BUSYBOX,
                                strerror(errno));
        if (f)
            fclose(f);
        return rc;
    }
    size_t size = (size_t)st.st_size;
    tar_header(tar, "bin/", 0, 0755, true);
    tar_header(tar, "bin/busybox", size, 0755, false);
    int rc = k8sc__buf_grow(tar, size + 512 + 1024);
    if (rc == 0 && fread(tar->ptr + tar->len, 1, size, f) != size)
        rc = k8sc_error_set(K8SC_EIO, "docker runtime: reading %s: short read", BUSYBOX);
    fclose(f);
    if (rc != 0)
        return rc;
    tar->len += size;
    static const char zeros[1024];
    k8sc__buf_put(tar, zeros, (512 - size % 512) % 512);
    k8sc__buf_put(tar, zeros, sizeof(zeros));
    return k8sc__buf_status(tar);
}

static int import_pause(k8sc__docker *d)
{
    k8sc__buf tar = K8SC__BUF_INIT;
    int rc = pause_rootfs(&tar);
    char *changes = rc == 0 ? k8sc__docker_escape("CMD [\"/bin/busybox\",\"sleep\",\"2147483647\"]") : NULL;
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/images/create?fromSrc=-&repo=k8sc/pause&tag=1&changes=%s", changes ? changes : "");
    free(changes);
    if (rc == 0 && (!changes || k8sc__buf_status(&path)))
        rc = k8sc__error_nomem();
    k8sc__buf resp = K8SC__BUF_INIT;
    if (rc == 0) {
        k8sc__docker_req req = { .method = "POST", .path = path.ptr, .body = tar.ptr, .body_len = tar.len,
                                 .content_type = "application/x-tar", .timeout_ms = LOAD_TIMEOUT_MS };
        long status;
        rc = k8sc__docker_call(d, &req, &status, &resp);
    }
    char *err = rc == 0 ? stream_scan(&resp, NULL, NULL) : NULL;
    if (err)
        rc = k8sc_error_set(K8SC_EIO, "dockerd at %s: making the pause image: %s", d->socket, err);
    free(err);
    k8sc__buf_free(&resp);
    k8sc__buf_free(&path);
    k8sc__buf_free(&tar);
    return rc;
}

int k8sc__docker_pause_image(k8sc__docker *d)
{
    pthread_mutex_lock(&d->pause_lock);
    int rc = 0;
    if (!d->pause_ready) {
        k8sc_image *img = NULL;
        rc = inspect_image(d, &img, K8SC__DOCKER_PAUSE_IMAGE, K8SC__DOCKER_PAUSE_IMAGE);
        k8sc_image_free(img);
        if (rc == K8SC_ENOTFOUND)
            rc = import_pause(d);
        d->pause_ready = rc == 0;
    }
    pthread_mutex_unlock(&d->pause_lock);
    return rc;
}
