/* The node image store: reference normalisation, archive import (docker save, OCI), lookups, removal, root filesystems. */
#include "k8sc/core.h"
#include "k8sc/runtime.h"
#include "testutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/k8sc-img-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* Root filesystems are overlay mounts where the kernel allows: unmount what the test left under `dir`. */
static void unmount_under(const char *d)
{
    FILE *m = fopen("/proc/self/mounts", "r");
    char line[4096], src[2048], point[2048];
    while (m && fgets(line, sizeof(line), m))
        if (sscanf(line, "%2047s %2047s", src, point) == 2 && strncmp(point, d, strlen(d)) == 0)
            umount2(point, MNT_DETACH);
    if (m)
        fclose(m);
}

static void teardown(void)
{
    unmount_under(dir);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static const char *at(const char *name)
{
    static char paths[8][512];
    static int slot;
    char *p = paths[slot++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

/* Archive members: 'f' file, 'd' directory, 'l' symlink to data, 'h' hard link to data. */
typedef struct member {
    const char *name;
    char type;
    const char *data;
    size_t len; /* 0: strlen(data) */
    int mode;
} member;

typedef struct blob {
    char *data;
    size_t len;
    char hex[65];
} blob;

static void sha_hex(char *out, const void *d, size_t n)
{
    unsigned char md[32];
    ck_assert_int_eq(EVP_Digest(d, n, md, NULL, EVP_sha256(), NULL), 1);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static blob tar_mem(const member *m, size_t n, bool gz)
{
    size_t cap = 1 << 20;
    blob b = { malloc(cap), 0, "" };
    ck_assert_ptr_nonnull(b.data);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (gz)
        archive_write_add_filter_gzip(a);
    archive_write_set_bytes_in_last_block(a, 1);
    ck_assert_int_eq(archive_write_open_memory(a, b.data, cap, &b.len), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, m[i].name);
        size_t len = m[i].type == 'f' ? (m[i].len ? m[i].len : strlen(m[i].data)) : 0;
        int mode = m[i].mode ? m[i].mode : (m[i].type == 'd' ? 0755 : 0644);
        switch (m[i].type) {
        case 'd': archive_entry_set_filetype(e, AE_IFDIR); break;
        case 'l': archive_entry_set_filetype(e, AE_IFLNK); archive_entry_set_symlink(e, m[i].data); break;
        case 'h': archive_entry_set_filetype(e, AE_IFREG); archive_entry_set_hardlink(e, m[i].data); break;
        default: archive_entry_set_filetype(e, AE_IFREG); break;
        }
        archive_entry_set_perm(e, (mode_t)mode);
        archive_entry_set_size(e, (la_int64_t)len);
        archive_entry_set_mtime(e, 1000000000, 0);
        ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
        if (len)
            ck_assert_int_eq(archive_write_data(a, m[i].data, len), (la_ssize_t)len);
        archive_entry_free(e);
    }
    ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    sha_hex(b.hex, b.data, b.len);
    return b;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* The two layers of the test image: files, a symlink, a hard link, then a whiteout and an opaque directory. */
static blob layer1(void)
{
    static const member m[] = {
        { "etc/", 'd', NULL, 0, 0 },
        { "etc/a.txt", 'f', "A", 0, 0 },
        { "etc/app/", 'd', NULL, 0, 0750 },
        { "etc/app/x", 'f', "X", 0, 0 },
        { "etc/app/y", 'f', "Y", 0, 0 },
        { "bin/", 'd', NULL, 0, 0 },
        { "bin/tool", 'f', "tool", 0, 0755 },
        { "bin/link", 'l', "tool", 0, 0777 },
        { "bin/hard", 'h', "bin/tool", 0, 0755 },
        { "usr/", 'd', NULL, 0, 0 },
        { "usr/gone", 'f', "G", 0, 0 },
        { "usr/gonedir/", 'd', NULL, 0, 0 },
        { "usr/gonedir/f", 'f', "F", 0, 0 },
    };
    return tar_mem(m, sizeof(m) / sizeof(m[0]), false);
}

static blob layer2(bool gz)
{
    static const member m[] = {
        { "./usr/.wh.gone", 'f', "", 0, 0 },
        { "./usr/.wh.gonedir", 'f', "", 0, 0 },
        { "./etc/app/", 'd', NULL, 0, 0750 },
        { "./etc/app/z", 'f', "Z", 0, 0600 },
        { "./etc/app/.wh..wh..opq", 'f', "", 0, 0 },
        { "./etc/a.txt", 'f', "A2", 0, 0 },
    };
    return tar_mem(m, sizeof(m) / sizeof(m[0]), gz);
}

#define IMAGE_SIZE 12u /* A X Y tool G F, Z A2 */

static char *config_json(const char *diff1, const char *diff2)
{
    static char buf[1024];
    snprintf(buf, sizeof(buf),
             "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":[\"/bin/tool\"],"
             "\"Cmd\":[\"run\",\"--fast\"],\"Env\":[\"PATH=/bin\",\"A=1\"],\"WorkingDir\":\"/etc\","
             "\"User\":\"65534\",\"StopSignal\":\"SIGQUIT\"},"
             "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\",\"sha256:%s\"]}}",
             diff1, diff2);
    return buf;
}

typedef struct built {
    char id[72];
    char manifest_hex[65];
} built;

/* A `docker save` archive of the test image named `tag`; `blobs_layout`: the newer blobs/sha256 paths. */
static built make_docker(const char *path, const char *tag, bool blobs_layout, bool corrupt_layer)
{
    blob l1 = layer1(), l2 = layer2(false);
    char *cfg = strdup(config_json(l1.hex, l2.hex));
    char cfg_hex[65];
    sha_hex(cfg_hex, cfg, strlen(cfg));
    if (corrupt_layer)
        l2.data[600] ^= 1; /* inside the first file's data: the tar still reads */
    char n_cfg[128], n_l1[128], n_l2[128], manifest[1024];
    if (blobs_layout) {
        snprintf(n_cfg, sizeof(n_cfg), "blobs/sha256/%s", cfg_hex);
        snprintf(n_l1, sizeof(n_l1), "blobs/sha256/%s", l1.hex);
        snprintf(n_l2, sizeof(n_l2), "blobs/sha256/%s", l2.hex);
    } else {
        snprintf(n_cfg, sizeof(n_cfg), "%s.json", cfg_hex);
        snprintf(n_l1, sizeof(n_l1), "%.12s/layer.tar", l1.hex);
        snprintf(n_l2, sizeof(n_l2), "%.12s/layer.tar", l2.hex);
    }
    snprintf(manifest, sizeof(manifest), "[{\"Config\":\"%s\",\"RepoTags\":[\"%s\"],\"Layers\":[\"%s\",\"%s\"]}]",
             n_cfg, tag, n_l1, n_l2);
    member m[] = {
        { "manifest.json", 'f', manifest, 0, 0 },
        { n_cfg, 'f', cfg, 0, 0 },
        { n_l1, 'f', l1.data, l1.len, 0 },
        { n_l2, 'f', l2.data, l2.len, 0 },
    };
    blob outer = tar_mem(m, 4, false);
    write_file(path, outer.data, outer.len);
    built b;
    snprintf(b.id, sizeof(b.id), "sha256:%s", cfg_hex);
    b.manifest_hex[0] = '\0';
    free(outer.data);
    free(l1.data);
    free(l2.data);
    free(cfg);
    return b;
}

/* An OCI image layout (gzip'd second layer, index → nested index → manifest), as a gzip'd tar. */
static built make_oci(const char *path, const char *name, bool bad_blob)
{
    blob l1 = layer1(), l2 = layer2(true);
    char l2_diff[65];
    blob l2_plain = layer2(false);
    memcpy(l2_diff, l2_plain.hex, sizeof(l2_diff));
    free(l2_plain.data);
    char *cfg = strdup(config_json(l1.hex, l2_diff));
    char cfg_hex[65];
    sha_hex(cfg_hex, cfg, strlen(cfg));
    char manifest[2048];
    snprintf(manifest, sizeof(manifest),
             "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
             "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:%s\",\"size\":%zu},"
             "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:%s\",\"size\":%zu},"
             "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:%s\",\"size\":%zu}]}",
             cfg_hex, strlen(cfg), l1.hex, l1.len, l2.hex, l2.len);
    char man_hex[65];
    sha_hex(man_hex, manifest, strlen(manifest));
    char inner[1024];
    snprintf(inner, sizeof(inner),
             "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%s\",\"size\":%zu,"
             "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}",
             man_hex, strlen(manifest));
    char inner_hex[65];
    sha_hex(inner_hex, inner, strlen(inner));
    char index[1024];
    snprintf(index, sizeof(index),
             "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
             "\"digest\":\"sha256:%s\",\"size\":%zu,\"annotations\":{\"org.opencontainers.image.ref.name\":\"%s\"}}]}",
             inner_hex, strlen(inner), name);
    char n_cfg[128], n_l1[128], n_l2[128], n_man[128], n_inner[128];
    snprintf(n_cfg, sizeof(n_cfg), "blobs/sha256/%s", cfg_hex);
    snprintf(n_l1, sizeof(n_l1), "blobs/sha256/%s", l1.hex);
    snprintf(n_l2, sizeof(n_l2), "blobs/sha256/%s", l2.hex);
    snprintf(n_man, sizeof(n_man), "blobs/sha256/%s", man_hex);
    snprintf(n_inner, sizeof(n_inner), "blobs/sha256/%s", inner_hex);
    if (bad_blob)
        l1.data[0] ^= 1;
    member m[] = {
        { "oci-layout", 'f', "{\"imageLayoutVersion\":\"1.0.0\"}", 0, 0 },
        { "index.json", 'f', index, 0, 0 },
        { "blobs/", 'd', NULL, 0, 0 },
        { "blobs/sha256/", 'd', NULL, 0, 0 },
        { n_inner, 'f', inner, 0, 0 },
        { n_man, 'f', manifest, 0, 0 },
        { n_cfg, 'f', cfg, 0, 0 },
        { n_l1, 'f', l1.data, l1.len, 0 },
        { n_l2, 'f', l2.data, l2.len, 0 },
    };
    blob outer = tar_mem(m, sizeof(m) / sizeof(m[0]), true);
    write_file(path, outer.data, outer.len);
    built b;
    snprintf(b.id, sizeof(b.id), "sha256:%s", cfg_hex);
    memcpy(b.manifest_hex, man_hex, sizeof(man_hex));
    free(outer.data);
    free(l1.data);
    free(l2.data);
    free(cfg);
    return b;
}

static k8sc_image_store *open_store(void)
{
    k8sc_image_store *s = NULL;
    ck_assert_int_eq(k8sc_image_store_open(&s, at("store")), 0);
    return s;
}

static void import_ok(k8sc_image_store *s, const char *path, const char *want_name)
{
    char **names = NULL;
    int rc = k8sc_image_store_import(s, &names, path);
    ck_assert_msg(rc == 0, "import %s: %s", path, k8sc_error_last());
    ck_assert_ptr_nonnull(names);
    ck_assert_str_eq(names[0], want_name);
    ck_assert_ptr_null(names[1]);
    k8sc_strv_free(names);
}

static void expect_import_error(k8sc_image_store *s, const char *path, int code, const char *msg_part)
{
    char **names = (char **)1;
    int rc = k8sc_image_store_import(s, &names, path);
    ck_assert_msg(rc == code, "import %s: %d %s", path, rc, k8sc_error_last());
    ck_assert_ptr_null(names);
    ck_assert_msg(strstr(k8sc_error_last(), msg_part), "message \"%s\" lacks \"%s\"", k8sc_error_last(), msg_part);
}

static bool strv_has(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static void check_image_fields(const k8sc_image *img, const char *id)
{
    ck_assert_str_eq(img->id, id);
    ck_assert_uint_eq(img->size, IMAGE_SIZE);
    ck_assert_uint_eq(img->n_entrypoint, 1);
    ck_assert_str_eq(img->entrypoint[0], "/bin/tool");
    ck_assert_uint_eq(img->n_cmd, 2);
    ck_assert_str_eq(img->cmd[1], "--fast");
    ck_assert_uint_eq(img->n_env, 2);
    ck_assert_str_eq(img->env[1], "A=1");
    ck_assert_str_eq(img->working_dir, "/etc");
    ck_assert_str_eq(img->user, "65534");
    ck_assert_str_eq(img->stop_signal, "SIGQUIT");
}

static size_t count_entries(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* The root filesystem of the test image, file by file. */
static void check_rootfs(const char *root)
{
    char p[512], target[64];
    struct stat st, st2;
#define P(rel) (snprintf(p, sizeof(p), "%s/%s", root, rel), p)
    ck_assert_str_eq(read_text(P("etc/a.txt")), "A2");
    ck_assert_uint_eq(count_entries(P("etc/app")), 1);
    ck_assert_str_eq(read_text(P("etc/app/z")), "Z");
    ck_assert_int_eq(stat(P("etc/app/z"), &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    ck_assert_int_eq(stat(P("etc/app"), &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0750);
    ck_assert_int_eq(stat(P("bin/tool"), &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0755);
    ck_assert_int_eq(st.st_mtime, 1000000000);
    ck_assert_str_eq(read_text(P("bin/tool")), "tool");
    ck_assert_int_eq(stat(P("bin/hard"), &st2), 0);
    ck_assert_uint_eq(st.st_ino, st2.st_ino);
    ck_assert_int_eq(lstat(P("bin/link"), &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ssize_t n = readlink(P("bin/link"), target, sizeof(target) - 1);
    ck_assert_int_eq(n, 4);
    target[n] = '\0';
    ck_assert_str_eq(target, "tool");
    ck_assert_int_eq(access(P("usr/gone"), F_OK), -1);
    ck_assert_int_eq(access(P("usr/gonedir"), F_OK), -1);
    ck_assert_uint_eq(count_entries(P("usr")), 0);
    ck_assert_uint_eq(count_entries(root), 3);
#undef P
}

typedef struct norm_case {
    const char *in;
    const char *out; /* NULL: EINVAL */
    const char *msg; /* part of the message on error */
} norm_case;

START_TEST(test_normalize)
{
    static const norm_case cases[] = {
        { "busybox", "docker.io/library/busybox:latest", NULL },
        { "busybox:1.36", "docker.io/library/busybox:1.36", NULL },
        { "me/app:1", "docker.io/me/app:1", NULL },
        { "docker.io/busybox", "docker.io/library/busybox:latest", NULL },
        { "index.docker.io/library/x", "docker.io/library/x:latest", NULL },
        { "index.docker.io/me/x:2", "docker.io/me/x:2", NULL },
        { "localhost:5000/a/b:c", "localhost:5000/a/b:c", NULL },
        { "localhost/a", "localhost/a:latest", NULL },
        { "example.com/a/b/c", "example.com/a/b/c:latest", NULL },
        { "a-b_c__d/e-f.g", "docker.io/a-b_c__d/e-f.g:latest", NULL },
        { "a_b.c/x", NULL, "invalid registry" },
        { "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
          "docker.io/library/busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", NULL },
        { "busybox:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
          "docker.io/library/busybox:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", NULL },
        { "Busybox", NULL, "must be lowercase" },
        { "me/App:1", NULL, "must be lowercase" },
        { "busybox:", NULL, "invalid tag" },
        { "busybox:-x", NULL, "invalid tag" },
        { "busybox:bad tag", NULL, "invalid tag" },
        { "busybox@sha256:abc", NULL, "invalid digest" },
        { "busybox@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", NULL, "invalid digest" },
        { "", NULL, "empty" },
        { "a//b", NULL, "invalid repository name" },
        { "a/", NULL, "invalid repository name" },
        { "-a", NULL, "invalid repository name" },
        { "a..b", NULL, "invalid repository name" },
        { "a___b", NULL, "invalid repository name" },
        { "busybox:a/b", NULL, "invalid registry" },
        { "example.com:abc/x", NULL, "invalid registry" },
        { "a.b-/x", NULL, "invalid registry" },
        { "-a.b/x", NULL, "invalid registry" },
        { "busybox@sha256:0123456789abcdef0123456789abcdef01234567", NULL, "invalid digest" },
        { "[::1]:5000/x", "[::1]:5000/x:latest", NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = NULL;
        int rc = k8sc_image_normalize(&out, cases[i].in);
        if (cases[i].out) {
            ck_assert_msg(rc == 0, "%s: %s", cases[i].in, k8sc_error_last());
            ck_assert_str_eq(out, cases[i].out);
        } else {
            ck_assert_msg(rc == K8SC_EINVAL, "%s: got %d (%s)", cases[i].in, rc, out ? out : "");
            ck_assert_ptr_null(out);
            ck_assert_msg(strstr(k8sc_error_last(), cases[i].msg), "%s: message \"%s\"", cases[i].in,
                          k8sc_error_last());
        }
        k8sc_free(out);
    }
}
END_TEST

START_TEST(test_docker_import)
{
    built b = make_docker(at("d.tar"), "app:1", false, false);
    k8sc_image_store *s = open_store();
    import_ok(s, at("d.tar"), "docker.io/library/app:1");
    char prefix[64];
    const char *refs[] = { "app:1", "docker.io/library/app:1", b.id, NULL, NULL, NULL };
    snprintf(prefix, sizeof(prefix), "%.19s", b.id);
    refs[3] = prefix;
    refs[4] = b.id + 7;
    for (size_t i = 0; refs[i]; i++) {
        k8sc_image *img = NULL;
        ck_assert_msg(k8sc_image_store_get(s, &img, refs[i]) == 0, "%s: %s", refs[i], k8sc_error_last());
        check_image_fields(img, b.id);
        ck_assert_uint_eq(img->n_repo_tags, 1);
        ck_assert_str_eq(img->repo_tags[0], "docker.io/library/app:1");
        ck_assert_uint_eq(img->n_repo_digests, 0);
        k8sc_image_free(img);
    }
    char short_prefix[32];
    snprintf(short_prefix, sizeof(short_prefix), "%.11s", b.id + 7);
    k8sc_image *img = NULL;
    ck_assert_int_eq(k8sc_image_store_get(s, &img, short_prefix), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_image_store_get(s, &img, "app:2"), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_image_store_get(s, &img, "Bad:Ref"), K8SC_ENOTFOUND);
    ck_assert_ptr_null(img);

    ck_assert_int_eq(k8sc_image_store_rootfs(s, "app:1", at("root1")), 0);
    check_rootfs(at("root1"));
    /* From the cache now; the copy is real: writing it leaves the next one alone. */
    write_file(at("root1/etc/a.txt"), "changed", 7);
    ck_assert_int_eq(mkdir(at("root2"), 0755), 0);
    ck_assert_int_eq(k8sc_image_store_rootfs(s, b.id, at("root2")), 0);
    check_rootfs(at("root2"));
    ck_assert_int_eq(k8sc_image_store_rootfs(s, b.id, at("root2")), K8SC_EIO);
    ck_assert_int_eq(k8sc_image_store_rootfs(s, "nope", at("root3")), K8SC_ENOTFOUND);
    k8sc_image_store_close(s);
}
END_TEST

START_TEST(test_docker_blobs_layout)
{
    built b = make_docker(at("d.tar"), "example.com/team/app:v2", true, false);
    k8sc_image_store *s = open_store();
    import_ok(s, at("d.tar"), "example.com/team/app:v2");
    k8sc_image *img = NULL;
    ck_assert_int_eq(k8sc_image_store_get(s, &img, "example.com/team/app:v2"), 0);
    check_image_fields(img, b.id);
    k8sc_image_free(img);
    ck_assert_int_eq(k8sc_image_store_rootfs(s, "example.com/team/app:v2", at("root")), 0);
    check_rootfs(at("root"));
    k8sc_image_store_close(s);
}
END_TEST

START_TEST(test_oci_import)
{
    built b = make_oci(at("o.tar.gz"), "example.com/oci/app:2", false);
    k8sc_image_store *s = open_store();
    import_ok(s, at("o.tar.gz"), "example.com/oci/app:2");
    k8sc_image *img = NULL;
    ck_assert_int_eq(k8sc_image_store_get(s, &img, "example.com/oci/app:2"), 0);
    check_image_fields(img, b.id);
    char digest[128];
    snprintf(digest, sizeof(digest), "example.com/oci/app@sha256:%s", b.manifest_hex);
    ck_assert_uint_eq(img->n_repo_digests, 1);
    ck_assert_str_eq(img->repo_digests[0], digest);
    k8sc_image_free(img);
    ck_assert_int_eq(k8sc_image_store_get(s, &img, digest), 0);
    ck_assert_str_eq(img->id, b.id);
    k8sc_image_free(img);
    ck_assert_int_eq(k8sc_image_store_rootfs(s, digest, at("root")), 0);
    check_rootfs(at("root"));
    k8sc_image_store_close(s);
}
END_TEST

START_TEST(test_reimport_and_tags)
{
    built b = make_docker(at("d1.tar"), "app:1", false, false);
    make_docker(at("d2.tar"), "app:2", true, false);
    k8sc_image_store *s = open_store();
    import_ok(s, at("d1.tar"), "docker.io/library/app:1");
    import_ok(s, at("d1.tar"), "docker.io/library/app:1");
    import_ok(s, at("d2.tar"), "docker.io/library/app:2");
    k8sc_image **list = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc_image_store_list(s, &list, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(list[0]->id, b.id);
    ck_assert_uint_eq(list[0]->n_repo_tags, 2);
    ck_assert(strv_has(list[0]->repo_tags, 2, "docker.io/library/app:1"));
    ck_assert(strv_has(list[0]->repo_tags, 2, "docker.io/library/app:2"));
    k8sc_image_list_free(list, n);

    /* A second store on the same directory sees it all. */
    k8sc_image_store *s2 = open_store();
    k8sc_image *img = NULL;
    ck_assert_int_eq(k8sc_image_store_get(s2, &img, "app:2"), 0);
    k8sc_image_free(img);
    k8sc_image_store_close(s2);

    /* Remove a name, then the last name takes the image and its blobs. */
    ck_assert_int_eq(k8sc_image_store_rootfs(s, "app:1", at("root")), 0);
    ck_assert_int_eq(k8sc_image_store_remove(s, "app:1"), 0);
    ck_assert_int_eq(k8sc_image_store_get(s, &img, "app:1"), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_image_store_get(s, &img, b.id), 0);
    ck_assert_uint_eq(img->n_repo_tags, 1);
    ck_assert_str_eq(img->repo_tags[0], "docker.io/library/app:2");
    k8sc_image_free(img);
    ck_assert_uint_eq(count_entries(at("store/blobs/sha256")), 3);
    ck_assert_int_eq(k8sc_image_store_remove(s, "app:2"), 0);
    ck_assert_int_eq(k8sc_image_store_get(s, &img, b.id), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_image_store_remove(s, "app:2"), K8SC_ENOTFOUND);
    ck_assert_uint_eq(count_entries(at("store/blobs/sha256")), 0);
    ck_assert_uint_eq(count_entries(at("store/rootfs")), 0);
    ck_assert_int_eq(k8sc_image_store_list(s, &list, &n), 0);
    ck_assert_uint_eq(n, 0);
    k8sc_image_list_free(list, n);
    k8sc_image_store_close(s);
}
END_TEST

START_TEST(test_remove_by_id)
{
    built d = make_docker(at("d.tar"), "app:1", false, false);
    built o = make_oci(at("o.tar"), "example.com/oci/app:2", false);
    /* The same config (the diff_ids are of the uncompressed layers): one image with both names. */
    ck_assert_str_eq(d.id, o.id);
    k8sc_image_store *s = open_store();
    import_ok(s, at("d.tar"), "docker.io/library/app:1");
    import_ok(s, at("o.tar"), "example.com/oci/app:2");
    k8sc_image *img = NULL;
    ck_assert_int_eq(k8sc_image_store_get(s, &img, "app:1"), 0);
    ck_assert_uint_eq(img->n_repo_tags, 2);
    ck_assert_uint_eq(img->n_repo_digests, 1);
    k8sc_image_free(img);
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "%.12s", d.id + 7);
    ck_assert_int_eq(k8sc_image_store_remove(s, prefix), 0);
    ck_assert_int_eq(k8sc_image_store_get(s, &img, "app:1"), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_image_store_get(s, &img, "example.com/oci/app:2"), K8SC_ENOTFOUND);
    ck_assert_uint_eq(count_entries(at("store/blobs/sha256")), 0);
    k8sc_image_store_close(s);
}
END_TEST

START_TEST(test_digest_mismatch)
{
    k8sc_image_store *s = open_store();
    make_docker(at("d.tar"), "app:1", false, true);
    expect_import_error(s, at("d.tar"), K8SC_EINVAL, "digest mismatch for layer ");
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "/layer.tar"));
    make_oci(at("o.tar"), "example.com/oci/app:2", true);
    expect_import_error(s, at("o.tar"), K8SC_EINVAL, "digest mismatch for blob blobs/sha256/");
    k8sc_image **list = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc_image_store_list(s, &list, &n), 0);
    ck_assert_uint_eq(n, 0);
    k8sc_image_list_free(list, n);
    ck_assert_uint_eq(count_entries(at("store/blobs/sha256")), 0);
    ck_assert_uint_eq(count_entries(at("store/tmp")), 0);
    k8sc_image_store_close(s);
}
END_TEST

START_TEST(test_bad_archives)
{
    k8sc_image_store *s = open_store();
    make_docker(at("good.tar"), "app:1", false, false);
    struct stat st;
    ck_assert_int_eq(stat(at("good.tar"), &st), 0);
    FILE *f = fopen(at("good.tar"), "rb");
    char *buf = malloc((size_t)st.st_size);
    ck_assert_uint_eq(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
    fclose(f);
    write_file(at("trunc.tar"), buf, (size_t)st.st_size / 2);
    for (size_t i = 0; i < 4096; i++)
        buf[i] = (char)(i * 131 + 7);
    write_file(at("garbage.tar"), buf, 4096);
    free(buf);
    write_file(at("empty.tar"), "", 0);
    write_file(at("text.tar"), "hello, this is not a tar\n", 25);
    static const member plain[] = { { "hello.txt", 'f', "hi", 0, 0 } };
    blob t = tar_mem(plain, 1, false);
    write_file(at("plain.tar"), t.data, t.len);
    free(t.data);
    static const member badjson[] = { { "manifest.json", 'f', "{not json", 0, 0 } };
    t = tar_mem(badjson, 1, false);
    write_file(at("badjson.tar"), t.data, t.len);
    free(t.data);
    static const member missing[] = { { "manifest.json", 'f', "[{\"Config\":\"c.json\",\"Layers\":[]}]", 0, 0 } };
    t = tar_mem(missing, 1, false);
    write_file(at("missing.tar"), t.data, t.len);
    free(t.data);

    expect_import_error(s, at("trunc.tar"), K8SC_EINVAL, "trunc.tar");
    expect_import_error(s, at("garbage.tar"), K8SC_EINVAL, "not an image archive");
    expect_import_error(s, at("empty.tar"), K8SC_EINVAL, "empty.tar");
    expect_import_error(s, at("text.tar"), K8SC_EINVAL, "not an image archive");
    expect_import_error(s, at("plain.tar"), K8SC_EINVAL, "no manifest.json or index.json");
    expect_import_error(s, at("badjson.tar"), K8SC_EINVAL, "manifest.json is not valid JSON");
    expect_import_error(s, at("missing.tar"), K8SC_EINVAL, "missing file c.json");
    expect_import_error(s, dir, K8SC_EINVAL, "not a regular file");
    expect_import_error(s, at("nonexistent.tar"), K8SC_EIO, "nonexistent.tar");
    ck_assert_uint_eq(count_entries(at("store/tmp")), 0);
    k8sc_image_store_close(s);
}
END_TEST

START_TEST(test_path_traversal)
{
    k8sc_image_store *s = open_store();
    static const member outer[] = { { "manifest.json", 'f', "[]", 0, 0 }, { "../evil", 'f', "x", 0, 0 } };
    blob t = tar_mem(outer, 2, false);
    write_file(at("outer.tar"), t.data, t.len);
    free(t.data);
    expect_import_error(s, at("outer.tar"), K8SC_EINVAL, "unsafe path \"../evil\"");
    ck_assert_int_eq(access(at("store/evil"), F_OK), -1);

    static const member bad_layers[][1] = {
        { { "a/../../escape", 'f', "x", 0, 0 } },
        { { "/etc/abs", 'f', "x", 0, 0 } },
        { { "ok", 'h', "../../etc/passwd", 0, 0 } },
    };
    for (size_t i = 0; i < 3; i++) {
        blob l = tar_mem(bad_layers[i], 1, false);
        static const char cfg[] = "{\"config\":{}}";
        char cfg_hex[65], man[512], n_cfg[80];
        sha_hex(cfg_hex, cfg, strlen(cfg));
        snprintf(n_cfg, sizeof(n_cfg), "%s.json", cfg_hex);
        snprintf(man, sizeof(man), "[{\"Config\":\"%s\",\"RepoTags\":[\"evil:1\"],\"Layers\":[\"l/layer.tar\"]}]", n_cfg);
        member m[] = { { "manifest.json", 'f', man, 0, 0 }, { n_cfg, 'f', cfg, 0, 0 },
                       { "l/layer.tar", 'f', l.data, l.len, 0 } };
        blob a = tar_mem(m, 3, false);
        write_file(at("evil.tar"), a.data, a.len);
        expect_import_error(s, at("evil.tar"), K8SC_EINVAL, "unsafe member name");
        free(a.data);
        free(l.data);
    }
    k8sc_image *img = NULL;
    ck_assert_int_eq(k8sc_image_store_get(s, &img, "evil:1"), K8SC_ENOTFOUND);
    k8sc_image_store_close(s);
}
END_TEST

typedef struct import_job {
    k8sc_image_store *s;
    const char *path;
    int rc;
} import_job;

static void *import_thread(void *arg)
{
    import_job *j = arg;
    for (int i = 0; i < 5 && j->rc == 0; i++)
        j->rc = k8sc_image_store_import(j->s, NULL, j->path);
    return NULL;
}

START_TEST(test_concurrent_imports)
{
    built d = make_docker(at("d.tar"), "app:1", false, false);
    make_oci(at("o.tar"), "example.com/oci/app:2", false);
    k8sc_image_store *s = open_store();
    k8sc_image_store *s2 = open_store();
    import_job jobs[2] = { { s, at("d.tar"), 0 }, { s2, at("o.tar"), 0 } };
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, import_thread, &jobs[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(jobs[i].rc, 0);
    }
    k8sc_image *img = NULL;
    ck_assert_int_eq(k8sc_image_store_get(s, &img, "app:1"), 0);
    ck_assert_str_eq(img->id, d.id);
    ck_assert_uint_eq(img->n_repo_tags, 2);
    k8sc_image_free(img);
    ck_assert_uint_eq(count_entries(at("store/blobs/sha256")), 3); /* config and the layers of the first import */
    ck_assert_uint_eq(count_entries(at("store/tmp")), 0);
    k8sc_image_store_close(s);
    k8sc_image_store_close(s2);
}
END_TEST

START_TEST(test_busybox_script)
{
    if (access("/bin/busybox", X_OK) != 0) {
        printf("test_busybox_script: skipped: /bin/busybox is missing (install busybox-static)\n");
        return;
    }
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "sh '%s' '%s' >/dev/null", K8SC_TEST_DATA "/../../examples/images/build-busybox-image.sh",
             at("busybox.tar"));
    ck_assert_int_eq(system(cmd), 0);
    k8sc_image_store *s = open_store();
    import_ok(s, at("busybox.tar"), "docker.io/library/busybox:1.36");
    k8sc_image *img = NULL;
    ck_assert_int_eq(k8sc_image_store_get(s, &img, "busybox:1.36"), 0);
    ck_assert_uint_eq(img->n_cmd, 1);
    ck_assert_str_eq(img->cmd[0], "sh");
    ck_assert_uint_eq(img->n_env, 1);
    ck_assert_ptr_nonnull(strstr(img->env[0], "PATH=/usr/local/sbin"));
    ck_assert_uint_gt(img->size, 100000);
    k8sc_image_free(img);
    ck_assert_int_eq(k8sc_image_store_rootfs(s, "busybox:1.36", at("root")), 0);
    struct stat st;
    ck_assert_int_eq(stat(at("root/bin/busybox"), &st), 0);
    ck_assert(S_ISREG(st.st_mode) && (st.st_mode & 0111));
    ck_assert_int_eq(lstat(at("root/bin/sh"), &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_int_eq(stat(at("root/tmp"), &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 01777);
    ck_assert_ptr_nonnull(strstr(read_text(at("root/etc/passwd")), "nobody:x:65534"));
    k8sc_image_store_close(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("image");
    TCase *tc = tcase_create("image");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_normalize);
    tcase_add_test(tc, test_docker_import);
    tcase_add_test(tc, test_docker_blobs_layout);
    tcase_add_test(tc, test_oci_import);
    tcase_add_test(tc, test_reimport_and_tags);
    tcase_add_test(tc, test_remove_by_id);
    tcase_add_test(tc, test_digest_mismatch);
    tcase_add_test(tc, test_bad_archives);
    tcase_add_test(tc, test_path_traversal);
    tcase_add_test(tc, test_concurrent_imports);
    tcase_add_test(tc, test_busybox_script);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
