/*
 * Importing image archives: `docker save` (manifest.json naming each
 * image's config and layer files, old "<id>/layer.tar" or new
 * "blobs/sha256/<hex>" layout) and OCI image layouts (index.json →
 * manifests or nested indexes → config and layer blobs), as tar,
 * optionally compressed. Every member is first staged under tmp/ with
 * its sha256; blobs named by digest must match it, layers of a docker
 * archive must match the config's diff_ids when stored uncompressed.
 * Only then are the blobs moved in and the index updated, under the
 * writer lock.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_internal.h"
#include "internal.h"
#include "runtime_internal.h"

#define MAX_MEMBERS 100000
#define MAX_LINK_HOPS 8
#define MAX_INDEX_DEPTH 4

typedef struct staged {
    char *name; /* member name, cleaned */
    char *file; /* staged copy; NULL for links */
    char *link; /* symlink / hardlink target, cleaned; NULL for files */
    char hex[K8SC__SHA256_HEX + 1];
    uint64_t size;
    bool moved; /* now in blobs/ */
} staged;

typedef struct pending {
    staged *config;
    staged **layers;
    size_t n_layers;
    char **names; /* normalised */
    size_t n_names;
    char **digests;
    size_t n_digests;
    uint64_t size;
} pending;

typedef struct import_ctx {
    k8sc_image_store *s;
    const char *path;
    char *tmp;
    staged *members;
    size_t n_members;
    pending *images;
    size_t n_images;
} import_ctx;

static int bad(const import_ctx *c, const char *fmt, const char *arg)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "image archive %s: ", c->path);
    k8sc__buf_printf(&b, fmt, arg);
    int rc = k8sc_error_set(K8SC_EINVAL, "%s", b.ptr ? b.ptr : "invalid");
    k8sc__buf_free(&b);
    return rc;
}

static char *strv_push(char ***v, size_t *n, const char *s)
{
    char **nv = k8sc__realloc(*v, (*n + 1) * sizeof(**v));
    if (!nv)
        return NULL;
    *v = nv;
    return (nv[*n] = k8sc__strdup(s)) ? nv[(*n)++] : NULL;
}

/* Strip "./" and "/" runs at the start; NULL if still unsafe. "" for the root. */
static const char *member_name(const char *name)
{
    if (!name)
        return NULL;
    while (name[0] == '.' && name[1] == '/')
        for (name += 2; name[0] == '/';)
            name++;
    if (name[0] == '\0' || strcmp(name, ".") == 0)
        return "";
    return k8sc__image_path_safe(name) ? name : NULL;
}

/* `target` of a symlink in member `name`'s directory, as a member name (caller frees); NULL if it escapes. */
static char *resolve_symlink(const char *name, const char *target)
{
    if (!target || target[0] == '/')
        return NULL;
    k8sc__buf b = K8SC__BUF_INIT;
    const char *slash = strrchr(name, '/');
    if (slash)
        k8sc__buf_put(&b, name, (size_t)(slash - name));
    for (const char *c = target; *c;) {
        const char *e = strchr(c, '/');
        size_t n = e ? (size_t)(e - c) : strlen(c);
        if (n == 2 && c[0] == '.' && c[1] == '.') {
            if (b.len == 0) {
                k8sc__buf_free(&b);
                return NULL;
            }
            char *last = memrchr(b.ptr, '/', b.len);
            b.len = last ? (size_t)(last - b.ptr) : 0;
            b.ptr[b.len] = '\0';
        } else if (n > 0 && !(n == 1 && c[0] == '.')) {
            if (b.len)
                k8sc__buf_putc(&b, '/');
            k8sc__buf_put(&b, c, n);
        }
        c += n + (e ? 1 : 0);
    }
    k8sc__buf_putc(&b, '\0');
    if (k8sc__buf_status(&b) != 0) {
        k8sc__buf_free(&b);
        return NULL;
    }
    return k8sc__buf_detach(&b, NULL);
}

static const staged *lookup(const import_ctx *c, const char *name)
{
    for (int hop = 0; hop <= MAX_LINK_HOPS && name; hop++) {
        const staged *found = NULL;
        for (size_t i = c->n_members; i-- > 0;)
            if (strcmp(c->members[i].name, name) == 0) {
                found = &c->members[i];
                break;
            }
        if (!found || !found->link)
            return found;
        name = found->link;
    }
    return NULL;
}

/* Copy the current member's data to a new staged file, hashing it. */
static int stage_data(import_ctx *c, struct archive *a, staged *m)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/%zu", c->tmp, c->n_members);
    if (k8sc__buf_status(&b) != 0) {
        k8sc__buf_free(&b);
        return K8SC_ENOMEM;
    }
    m->file = k8sc__buf_detach(&b, NULL);
    int fd = open(m->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return k8sc_error_set(K8SC_EIO, "create %s: %s", m->file, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        close(fd);
        return k8sc_error_set(K8SC_EIO, "sha256: cannot initialise");
    }
    int rc = 0;
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
        EVP_DigestUpdate(ctx, buf, (size_t)n);
        m->size += (uint64_t)n;
        for (la_ssize_t off = 0; off < n && rc == 0;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0 && errno != EINTR)
                rc = k8sc_error_set(K8SC_EIO, "write %s: %s", m->file, strerror(errno));
            else if (w > 0)
                off += w;
        }
        if (rc != 0)
            break;
    }
    if (rc == 0 && n < 0)
        rc = bad(c, "%s", archive_error_string(a) ? archive_error_string(a) : "read error");
    if (close(fd) != 0 && rc == 0)
        rc = k8sc_error_set(K8SC_EIO, "write %s: %s", m->file, strerror(errno));
    unsigned char md[32];
    EVP_DigestFinal_ex(ctx, md, NULL);
    EVP_MD_CTX_free(ctx);
    for (int i = 0; i < 32; i++)
        snprintf(m->hex + 2 * i, 3, "%02x", md[i]);
    return rc;
}

static int stage_member(import_ctx *c, struct archive *a, struct archive_entry *e)
{
    const char *raw = archive_entry_pathname(e);
    const char *name = member_name(raw);
    if (!name)
        return bad(c, "unsafe path \"%s\"", raw ? raw : "");
    mode_t type = archive_entry_filetype(e);
    const char *hard = archive_entry_hardlink(e);
    if (hard && !member_name(hard))
        return bad(c, "unsafe link target \"%s\"", hard);
    if (!hard && type != AE_IFREG && type != AE_IFLNK)
        return 0;
    if (name[0] == '\0')
        return 0;
    if (c->n_members >= MAX_MEMBERS)
        return bad(c, "%s", "too many members");
    staged *nv = k8sc__realloc(c->members, (c->n_members + 1) * sizeof(*nv));
    if (!nv)
        return K8SC_ENOMEM;
    c->members = nv;
    staged *m = &c->members[c->n_members];
    memset(m, 0, sizeof(*m));
    if (!(m->name = k8sc__strdup(name)))
        return K8SC_ENOMEM;
    int rc = 0;
    if (hard) {
        if (!(m->link = k8sc__strdup(member_name(hard))))
            rc = K8SC_ENOMEM;
    } else if (type == AE_IFLNK) {
        /* Old `docker save` links repeated layers to their first copy. */
        if (!(m->link = resolve_symlink(name, archive_entry_symlink(e))))
            rc = bad(c, "unsafe symlink \"%s\"", name);
    } else {
        rc = stage_data(c, a, m);
    }
    c->n_members++;
    return rc;
}

static int read_archive(import_ctx *c)
{
    struct archive *a = archive_read_new();
    if (!a)
        return k8sc__error_nomem();
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_format_tar(a);
    int rc = 0;
    if (archive_read_open_filename(a, c->path, 65536) != ARCHIVE_OK) {
        rc = bad(c, "not an image archive: %s", archive_error_string(a) ? archive_error_string(a) : "unreadable");
        archive_read_free(a);
        return rc;
    }
    struct archive_entry *e;
    int r;
    while (rc == 0 && ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN))
        rc = stage_member(c, a, e);
    if (rc == 0 && r != ARCHIVE_EOF)
        rc = bad(c, "not an image archive: %s", archive_error_string(a) ? archive_error_string(a) : "read error");
    archive_read_free(a);
    return rc;
}

static int parse_json(const import_ctx *c, json_object **out, const staged *m, json_type type)
{
    char *text = NULL;
    size_t len = 0;
    int rc = k8sc__read_file(&text, &len, m->file, K8SC__IMAGE_JSON_MAX);
    if (rc != 0)
        return rc == K8SC_EINVAL ? bad(c, "%s is too large", m->name) : rc;
    json_tokener *tok = json_tokener_new();
    json_object *o = tok ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
    bool complete = tok && json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    free(text);
    if (!o || !complete || !json_object_is_type(o, type)) {
        json_object_put(o);
        return bad(c, "%s is not valid JSON of the expected shape", m->name);
    }
    *out = o;
    return 0;
}

/* The blob named by `digest` ("sha256:<hex>"), verified. */
static int blob(const import_ctx *c, const staged **out, const char *digest, int64_t size)
{
    if (!digest || strncmp(digest, "sha256:", 7) != 0 || !k8sc__sha256_hex_ok(digest + 7))
        return bad(c, "unsupported digest \"%s\"", digest ? digest : "");
    char name[80];
    snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
    const staged *m = lookup(c, name);
    if (!m || !m->file)
        return bad(c, "missing blob %s", name);
    if (strcmp(m->hex, digest + 7) != 0)
        return bad(c, "digest mismatch for blob %s", name);
    if (size >= 0 && (uint64_t)size != m->size)
        return bad(c, "size mismatch for blob %s", name);
    *out = m;
    return 0;
}

/* The file member `name` of a docker archive, checked against its name when that is a digest. */
static int docker_file(const import_ctx *c, const staged **out, const char *name)
{
    const char *clean = name ? member_name(name) : NULL;
    if (!clean || !*clean)
        return bad(c, "bad file name \"%s\" in manifest.json", name ? name : "");
    if (strncmp(clean, "blobs/sha256/", 13) == 0) {
        char digest[80];
        snprintf(digest, sizeof(digest), "sha256:%s", clean + 13);
        return blob(c, out, digest, -1);
    }
    const staged *m = lookup(c, clean);
    if (!m || !m->file)
        return bad(c, "missing file %s", clean);
    size_t n = strlen(clean);
    if (n == K8SC__SHA256_HEX + 5 && strcmp(clean + K8SC__SHA256_HEX, ".json") == 0 &&
        strncmp(clean, m->hex, K8SC__SHA256_HEX) != 0)
        return bad(c, "digest mismatch for blob %s", clean);
    *out = m;
    return 0;
}

static bool compressed(const staged *m)
{
    unsigned char magic[4] = { 0 };
    int fd = open(m->file, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, magic, sizeof(magic));
    if (fd >= 0)
        close(fd);
    return n >= 2 && ((magic[0] == 0x1f && magic[1] == 0x8b) ||
                      (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd));
}

/* Layers must match the config's rootfs.diff_ids (checkable when stored uncompressed). */
static int check_diff_ids(const import_ctx *c, const pending *p, json_object *config)
{
    json_object *ids = k8sc__json_member(k8sc__json_member(config, "rootfs"), "diff_ids");
    if (!ids)
        return 0;
    if (!json_object_is_type(ids, json_type_array) || json_object_array_length(ids) != p->n_layers)
        return bad(c, "config %s: diff_ids do not match the layers", p->config->name);
    for (size_t i = 0; i < p->n_layers; i++) {
        const char *id = json_object_get_string(json_object_array_get_idx(ids, i));
        if (compressed(p->layers[i]))
            continue;
        if (!id || strncmp(id, "sha256:", 7) != 0 || strcmp(id + 7, p->layers[i]->hex) != 0)
            return bad(c, "digest mismatch for layer %s", p->layers[i]->name);
    }
    return 0;
}

static int add_name(const import_ctx *c, pending *p, const char *ref)
{
    char *norm = NULL;
    if (k8sc_image_normalize(&norm, ref) != 0)
        return k8sc_error_last_code() == K8SC_ENOMEM ? K8SC_ENOMEM : bad(c, "bad image name \"%s\"", ref);
    int rc = strv_push(&p->names, &p->n_names, norm) ? 0 : K8SC_ENOMEM;
    free(norm);
    return rc;
}

static pending *new_image(import_ctx *c)
{
    pending *nv = k8sc__realloc(c->images, (c->n_images + 1) * sizeof(*nv));
    if (!nv)
        return NULL;
    c->images = nv;
    memset(&nv[c->n_images], 0, sizeof(*nv));
    return &nv[c->n_images++];
}

static int push_layer(pending *p, const staged *m)
{
    staged **nv = k8sc__realloc(p->layers, (p->n_layers + 1) * sizeof(*nv));
    if (!nv)
        return K8SC_ENOMEM;
    p->layers = nv;
    p->layers[p->n_layers++] = (staged *)m;
    return 0;
}

static int docker_image(import_ctx *c, json_object *item)
{
    pending *p = new_image(c);
    if (!p)
        return K8SC_ENOMEM;
    if (!json_object_is_type(item, json_type_object))
        return bad(c, "%s", "manifest.json: an entry is not an object");
    const staged *cfg = NULL;
    int rc = docker_file(c, &cfg, k8sc__json_string(item, "Config"));
    if (rc != 0)
        return rc;
    p->config = (staged *)cfg;
    json_object *layers = k8sc__json_member(item, "Layers");
    if (!json_object_is_type(layers, json_type_array))
        return bad(c, "%s", "manifest.json: Layers is missing");
    for (size_t i = 0; i < json_object_array_length(layers); i++) {
        const staged *m = NULL;
        if ((rc = docker_file(c, &m, json_object_get_string(json_object_array_get_idx(layers, i)))) != 0 ||
            (rc = push_layer(p, m)) != 0)
            return rc;
    }
    json_object *tags = k8sc__json_member(item, "RepoTags");
    size_t n = json_object_is_type(tags, json_type_array) ? json_object_array_length(tags) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = json_object_get_string(json_object_array_get_idx(tags, i));
        if ((rc = add_name(c, p, t ? t : "")) != 0)
            return rc;
    }
    json_object *config = NULL;
    if ((rc = parse_json(c, &config, cfg, json_type_object)) != 0)
        return rc;
    rc = check_diff_ids(c, p, config);
    json_object_put(config);
    return rc;
}

static int read_docker(import_ctx *c, const staged *manifest)
{
    json_object *list = NULL;
    int rc = parse_json(c, &list, manifest, json_type_array);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < json_object_array_length(list) && rc == 0; i++)
        rc = docker_image(c, json_object_array_get_idx(list, i));
    json_object_put(list);
    return rc;
}

static const char *host_arch(void)
{
#if defined(__x86_64__)
    return "amd64";
#elif defined(__aarch64__)
    return "arm64";
#elif defined(__arm__)
    return "arm";
#elif defined(__i386__)
    return "386";
#else
    return NULL;
#endif
}

/* The manifest of an index to use: this machine's platform, else the first. */
static json_object *pick_manifest(json_object *manifests)
{
    size_t n = json_object_array_length(manifests);
    const char *arch = host_arch();
    for (size_t i = 0; i < n && arch; i++) {
        json_object *plat = k8sc__json_member(json_object_array_get_idx(manifests, i), "platform");
        const char *os = k8sc__json_string(plat, "os");
        const char *a = k8sc__json_string(plat, "architecture");
        if (os && a && strcmp(os, "linux") == 0 && strcmp(a, arch) == 0)
            return json_object_array_get_idx(manifests, i);
    }
    return n ? json_object_array_get_idx(manifests, 0) : NULL;
}

static int64_t desc_size(json_object *desc)
{
    json_object *s = k8sc__json_member(desc, "size");
    return json_object_is_type(s, json_type_int) ? json_object_get_int64(s) : -1;
}

/* The image name a descriptor's annotations give, or NULL (a bare tag names nothing). */
static const char *desc_name(json_object *desc)
{
    json_object *ann = k8sc__json_member(desc, "annotations");
    const char *n = k8sc__json_string(ann, "io.containerd.image.name");
    if (n)
        return n;
    n = k8sc__json_string(ann, "org.opencontainers.image.ref.name");
    return n && (strchr(n, '/') || strchr(n, ':')) ? n : NULL;
}

static int add_repo_digest(pending *p, const char *name, const char *digest)
{
    const char *slash = strrchr(name, '/');
    const char *end = strpbrk(slash ? slash : name, ":@");
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_put(&b, name, end ? (size_t)(end - name) : strlen(name));
    k8sc__buf_printf(&b, "@%s", digest);
    int rc = k8sc__buf_status(&b) == 0 && strv_push(&p->digests, &p->n_digests, b.ptr) ? 0 : K8SC_ENOMEM;
    k8sc__buf_free(&b);
    return rc;
}

static int oci_manifest(import_ctx *c, json_object *m, const char *digest, const char *name)
{
    pending *p = new_image(c);
    if (!p)
        return K8SC_ENOMEM;
    json_object *cd = k8sc__json_member(m, "config");
    const staged *cfg = NULL;
    int rc = blob(c, &cfg, k8sc__json_string(cd, "digest"), desc_size(cd));
    if (rc != 0)
        return rc;
    p->config = (staged *)cfg;
    json_object *layers = k8sc__json_member(m, "layers");
    if (!json_object_is_type(layers, json_type_array))
        return bad(c, "manifest %s has no layers", digest);
    for (size_t i = 0; i < json_object_array_length(layers); i++) {
        json_object *ld = json_object_array_get_idx(layers, i);
        const staged *l = NULL;
        if ((rc = blob(c, &l, k8sc__json_string(ld, "digest"), desc_size(ld))) != 0 || (rc = push_layer(p, l)) != 0)
            return rc;
    }
    json_object *config = NULL;
    if ((rc = parse_json(c, &config, cfg, json_type_object)) != 0)
        return rc;
    json_object_put(config);
    if (name && (rc = add_name(c, p, name)) == 0)
        rc = add_repo_digest(p, p->names[p->n_names - 1], digest);
    return rc;
}

static int oci_descriptor(import_ctx *c, json_object *desc, const char *name, int depth)
{
    if (depth > MAX_INDEX_DEPTH)
        return bad(c, "%s", "indexes nested too deeply");
    const char *digest = k8sc__json_string(desc, "digest");
    const staged *m = NULL;
    int rc = blob(c, &m, digest, desc_size(desc));
    if (rc != 0)
        return rc;
    if (!name)
        name = desc_name(desc);
    json_object *doc = NULL;
    if ((rc = parse_json(c, &doc, m, json_type_object)) != 0)
        return rc;
    json_object *manifests = k8sc__json_member(doc, "manifests");
    if (json_object_is_type(manifests, json_type_array)) {
        json_object *pick = pick_manifest(manifests);
        rc = pick ? oci_descriptor(c, pick, name, depth + 1) : bad(c, "index %s lists no manifests", digest);
    } else {
        rc = oci_manifest(c, doc, digest, name);
    }
    json_object_put(doc);
    return rc;
}

static int read_oci(import_ctx *c, const staged *index)
{
    json_object *idx = NULL;
    int rc = parse_json(c, &idx, index, json_type_object);
    if (rc != 0)
        return rc;
    json_object *manifests = k8sc__json_member(idx, "manifests");
    if (!json_object_is_type(manifests, json_type_array))
        rc = bad(c, "%s", "index.json has no manifests");
    for (size_t i = 0; rc == 0 && i < json_object_array_length(manifests); i++)
        rc = oci_descriptor(c, json_object_array_get_idx(manifests, i), NULL, 0);
    json_object_put(idx);
    return rc;
}

/* Put a staged blob in place (an existing copy has the same bytes). */
static int move_blob(import_ctx *c, staged *m)
{
    if (m->moved)
        return 0;
    char *dest = k8sc__image_blob_path(c->s, m->hex);
    if (!dest)
        return K8SC_ENOMEM;
    int rc = 0;
    if (access(dest, F_OK) != 0 && rename(m->file, dest) != 0)
        rc = k8sc_error_set(K8SC_EIO, "rename %s to %s: %s", m->file, dest, strerror(errno));
    free(dest);
    m->moved = rc == 0;
    return rc;
}

static int json_add_str(json_object *arr, const char *s)
{
    json_object *v = json_object_new_string(s);
    if (!v || json_object_array_add(arr, v) != 0) {
        json_object_put(v);
        return K8SC_ENOMEM;
    }
    return 0;
}

static bool array_has(json_object *arr, const char *s)
{
    for (size_t i = 0; i < json_object_array_length(arr); i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), s) == 0)
            return true;
    return false;
}

/* Add image `p` to the index (blobs already in place). */
static int index_add(json_object *idx, const pending *p, const char *id)
{
    json_object *images = k8sc__json_member(idx, "images");
    json_object *entry = k8sc__json_member(images, id);
    int rc = 0;
    if (!entry) {
        entry = json_object_new_object();
        json_object *layers = json_object_new_array();
        json_object *size = json_object_new_int64((int64_t)p->size);
        if (!entry || !layers || !size || json_object_object_add(images, id, entry) != 0) {
            json_object_put(entry);
            json_object_put(layers);
            json_object_put(size);
            return K8SC_ENOMEM;
        }
        json_object_object_add(entry, "layers", layers);
        json_object_object_add(entry, "size", size);
        char digest[K8SC__SHA256_HEX + 8];
        for (size_t i = 0; i < p->n_layers && rc == 0; i++) {
            snprintf(digest, sizeof(digest), "sha256:%s", p->layers[i]->hex);
            rc = json_add_str(layers, digest);
        }
    }
    json_object *digests = k8sc__json_member(entry, "digests");
    if (!digests && p->n_digests) {
        if (!(digests = json_object_new_array()) || json_object_object_add(entry, "digests", digests) != 0) {
            json_object_put(digests);
            return K8SC_ENOMEM;
        }
    }
    for (size_t i = 0; i < p->n_digests && rc == 0; i++)
        if (!array_has(digests, p->digests[i]))
            rc = json_add_str(digests, p->digests[i]);
    json_object *names = k8sc__json_member(idx, "names");
    for (size_t i = 0; i < p->n_names && rc == 0; i++) {
        json_object *v = json_object_new_string(id);
        if (!v || json_object_object_add(names, p->names[i], v) != 0) {
            json_object_put(v);
            rc = K8SC_ENOMEM;
        }
    }
    return rc;
}

static int commit(import_ctx *c)
{
    int lock = -1;
    int rc = k8sc__image_lock(c->s, &lock);
    if (rc != 0)
        return rc;
    json_object *idx = NULL;
    rc = k8sc__image_index_load(c->s, &idx);
    for (size_t i = 0; i < c->n_images && rc == 0; i++) {
        pending *p = &c->images[i];
        char id[K8SC__SHA256_HEX + 8];
        snprintf(id, sizeof(id), "sha256:%s", p->config->hex);
        /* An image already present keeps its blobs; this archive's copies (maybe compressed otherwise) go. */
        if (!k8sc__json_member(k8sc__json_member(idx, "images"), id)) {
            rc = move_blob(c, p->config);
            for (size_t j = 0; j < p->n_layers && rc == 0; j++)
                rc = move_blob(c, p->layers[j]);
        }
        if (rc == 0)
            rc = index_add(idx, p, id) != 0 ? k8sc__error_nomem() : 0;
    }
    if (rc == 0)
        rc = k8sc__image_index_save(c->s, idx);
    json_object_put(idx);
    k8sc__image_unlock(c->s, lock);
    return rc;
}

static int names_out(const import_ctx *c, char ***out)
{
    char **v = NULL;
    size_t n = 0;
    for (size_t i = 0; i < c->n_images; i++)
        for (size_t j = 0; j < c->images[i].n_names; j++)
            if (!strv_push(&v, &n, c->images[i].names[j])) {
                for (size_t k = 0; k < n; k++)
                    free(v[k]);
                free(v);
                return K8SC_ENOMEM;
            }
    char **nv = k8sc__realloc(v, (n + 1) * sizeof(*v));
    if (!nv) {
        for (size_t k = 0; k < n; k++)
            free(v[k]);
        free(v);
        return K8SC_ENOMEM;
    }
    nv[n] = NULL;
    *out = nv;
    return 0;
}

static void ctx_free(import_ctx *c)
{
    for (size_t i = 0; i < c->n_images; i++) {
        pending *p = &c->images[i];
        free(p->layers);
        for (size_t j = 0; j < p->n_names; j++)
            free(p->names[j]);
        free(p->names);
        for (size_t j = 0; j < p->n_digests; j++)
            free(p->digests[j]);
        free(p->digests);
    }
    free(c->images);
    for (size_t i = 0; i < c->n_members; i++) {
        free(c->members[i].name);
        free(c->members[i].file);
        free(c->members[i].link);
    }
    free(c->members);
    if (c->tmp)
        k8sc__rm_rf_at(AT_FDCWD, c->tmp);
    free(c->tmp);
}

static int import_images(import_ctx *c)
{
    int rc = read_archive(c);
    if (rc != 0)
        return rc;
    const staged *manifest = lookup(c, "manifest.json");
    const staged *index = lookup(c, "index.json");
    if (manifest && manifest->file)
        rc = read_docker(c, manifest);
    else if (index && index->file)
        rc = read_oci(c, index);
    else
        rc = bad(c, "%s", "no manifest.json or index.json: not a docker save or OCI image archive");
    if (rc == 0 && c->n_images == 0)
        rc = bad(c, "%s", "contains no images");
    for (size_t i = 0; i < c->n_images && rc == 0; i++)
        for (size_t j = 0; j < c->images[i].n_layers && rc == 0; j++)
            rc = k8sc__layer_scan(c->images[i].layers[j]->file, c->images[i].layers[j]->name, &c->images[i].size);
    return rc;
}

int k8sc_image_store_import(k8sc_image_store *s, char ***out, const char *path)
{
    K8SC__CHECK_ARG(s && path);
    if (out)
        *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return k8sc_error_set(K8SC_EIO, "image archive %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return k8sc_error_set(K8SC_EINVAL, "image archive %s: not a regular file", path);
    import_ctx c = { s, path, NULL, NULL, 0, NULL, 0 };
    int rc = k8sc__image_tmpdir(&c.tmp, s, "import");
    if (rc == 0)
        rc = import_images(&c);
    if (rc == 0)
        rc = commit(&c);
    if (rc == 0 && out)
        rc = names_out(&c, out);
    ctx_free(&c);
    return rc;
}
