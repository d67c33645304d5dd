/*
 * Pod volumes under <data-dir>/pods/<uid>/volumes/<plugin>/<name>:
 * emptyDir (tmpfs for medium Memory), hostPath (with its type checks),
 * and the projected kinds — configMap, secret, downwardAPI, projected —
 * written as the kubelet's atomic writer does: files in a timestamped
 * directory that "..data" points to, and a link per top-level name.
 * Every container also gets the pod's /etc/hosts and /etc/resolv.conf
 * (dns.c) unless it mounts its own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "controllers/workload.h"
#include "kubelet_internal.h"

static const char *plugin_of(json_object *vol)
{
    if (k8sc__json_member(vol, "emptyDir"))
        return "kubernetes.io~empty-dir";
    if (k8sc__json_member(vol, "configMap"))
        return "kubernetes.io~configmap";
    if (k8sc__json_member(vol, "secret"))
        return "kubernetes.io~secret";
    if (k8sc__json_member(vol, "downwardAPI"))
        return "kubernetes.io~downward-api";
    if (k8sc__json_member(vol, "projected"))
        return "kubernetes.io~projected";
    return NULL;
}

/* The host directory of volume `vol` (caller frees); hostPath gives its path. */
static char *volume_dir(k8sc_kubelet *k, const char *uid, json_object *vol)
{
    json_object *hp = k8sc__json_member(vol, "hostPath");
    if (hp)
        return k8sc__strdup(k8sc__json_string(hp, "path") ? k8sc__json_string(hp, "path") : "/");
    const char *plugin = plugin_of(vol);
    if (!plugin)
        return NULL;
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/pods/%s/volumes/%s/%s", k->data_dir, uid, plugin, k8sc__json_string(vol, "name"));
    return k8sc__buf_detach(&b, NULL);
}

static char *msgf(const char *fmt, const char *a, const char *b)
{
    k8sc__buf m = K8SC__BUF_INIT;
    k8sc__buf_printf(&m, fmt, a, b);
    return k8sc__buf_detach(&m, NULL);
}

static int host_path(json_object *hp, char **message)
{
    const char *path = k8sc__json_string(hp, "path");
    const char *type = k8sc__json_string(hp, "type");
    struct stat st;
    if (!path || !type || !type[0])
        return 0;
    bool exists = stat(path, &st) == 0;
    if (strcmp(type, "DirectoryOrCreate") == 0 && !exists)
        return k8sc__mkdirs(path, 0755);
    if (strcmp(type, "FileOrCreate") == 0 && !exists) {
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0)
            close(fd);
        return 0;
    }
    if (strcmp(type, "Directory") == 0 && (!exists || !S_ISDIR(st.st_mode))) {
        *message = msgf("hostPath type check failed: %s is not a directory%s", path, "");
        return K8SC_EINVAL;
    }
    if (strcmp(type, "File") == 0 && (!exists || !S_ISREG(st.st_mode))) {
        *message = msgf("hostPath type check failed: %s is not a file%s", path, "");
        return K8SC_EINVAL;
    }
    if (strcmp(type, "Socket") == 0 && (!exists || !S_ISSOCK(st.st_mode))) {
        *message = msgf("hostPath type check failed: %s is not a socket file%s", path, "");
        return K8SC_EINVAL;
    }
    return 0;
}

/* Add the files of a configMap/secret source to `files` ({path: {"data":…, "mode":n}}). */
static int add_keyed(json_object *files, k8sc_kubelet *k, const k8sc_object *pod, json_object *src, bool secret,
                     int default_mode, char **message)
{
    const char *name = k8sc__json_string(src, secret ? "secretName" : "name");
    if (!name)
        name = k8sc__json_string(src, "name");
    int rc;
    json_object *data = k8sc__kl_source_data(k, k8sc_object_namespace(pod), secret, name ? name : "", &rc);
    json_object *opt = k8sc__json_member(src, "optional");
    if (!data) {
        if (rc == K8SC_ENOTFOUND && opt && json_object_get_boolean(opt))
            return 0;
        *message = msgf(rc == K8SC_ENOTFOUND ? "%s \"%s\" not found" : "cannot read %s \"%s\"",
                        secret ? "secret" : "configmap", name ? name : "");
        return K8SC_EINVAL;
    }
    json_object *items = k8sc__json_member(src, "items");
    int mode = (int)k8sc__json_int(src, "defaultMode", default_mode);
    rc = 0;
    if (items && json_object_array_length(items) > 0) {
        for (size_t i = 0; i < json_object_array_length(items) && rc == 0; i++) {
            json_object *it = json_object_array_get_idx(items, i);
            const char *key = k8sc__json_string(it, "key"), *path = k8sc__json_string(it, "path");
            json_object *v = k8sc__json_member(data, key ? key : "");
            if (!v) {
                if (opt && json_object_get_boolean(opt))
                    continue;
                *message = msgf("configmap references non-existent config key: %s%s", key ? key : "", "");
                rc = K8SC_EINVAL;
                break;
            }
            json_object *f = json_object_new_object();
            json_object_object_add(f, "data", json_object_get(v));
            json_object_object_add(f, "mode", json_object_new_int((int)k8sc__json_int(it, "mode", mode)));
            json_object_object_add(files, path ? path : key, f);
        }
    } else {
        json_object_object_foreach(data, key, v) {
            json_object *f = json_object_new_object();
            json_object_object_add(f, "data", json_object_get(v));
            json_object_object_add(f, "mode", json_object_new_int(mode));
            json_object_object_add(files, key, f);
        }
    }
    json_object_put(data);
    return rc;
}

static int add_downward(json_object *files, k8sc_kubelet *k, const k8sc_object *pod, json_object *src,
                        int default_mode, char **message)
{
    json_object *items = k8sc__json_member(src, "items");
    int mode = (int)k8sc__json_int(src, "defaultMode", default_mode);
    for (size_t i = 0; items && i < json_object_array_length(items); i++) {
        json_object *it = json_object_array_get_idx(items, i);
        char *v = NULL;
        if (k8sc__json_member(it, "fieldRef"))
            v = k8sc__kl_field_ref(k, pod, k8sc__json_member(it, "fieldRef"), message);
        else if (k8sc__json_member(it, "resourceFieldRef"))
            v = k8sc__kl_resource_ref(k, pod, NULL, k8sc__json_member(it, "resourceFieldRef"), message);
        if (!v)
            return K8SC_EINVAL;
        json_object *f = json_object_new_object();
        json_object_object_add(f, "data", json_object_new_string(v));
        json_object_object_add(f, "mode", json_object_new_int((int)k8sc__json_int(it, "mode", mode)));
        json_object_object_add(files, k8sc__json_string(it, "path") ? k8sc__json_string(it, "path") : "", f);
        free(v);
    }
    return 0;
}

static int write_file(const char *dir, const char *rel, json_object *f)
{
    if (!rel[0] || rel[0] == '/' || strstr(rel, ".."))
        return k8sc_error_set(K8SC_EINVAL, "volume file path \"%s\" must be relative without \"..\"", rel);
    k8sc__buf p = K8SC__BUF_INIT;
    k8sc__buf_printf(&p, "%s/%s", dir, rel);
    char *path = k8sc__buf_detach(&p, NULL);
    if (!path)
        return K8SC_ENOMEM;
    char *slash = strrchr(path, '/');
    *slash = '\0';
    int rc = k8sc__mkdirs(path, 0755);
    *slash = '/';
    const char *data = json_object_get_string(k8sc__json_member(f, "data"));
    size_t len = (size_t)json_object_get_string_len(k8sc__json_member(f, "data"));
    int fd = rc == 0 ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    if (rc == 0 && (fd < 0 || write(fd, data, len) != (ssize_t)len ||
                    fchmod(fd, (mode_t)k8sc__json_int(f, "mode", 0644) & 07777) != 0))
        rc = k8sc_error_set(K8SC_EIO, "cannot write %s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

/* Write `files` into `dir` atomically, unless they are what is there already. */
static int project(const char *dir, json_object *files)
{
    int rc = k8sc__mkdirs(dir, 0755);
    if (rc != 0)
        return rc;
    const char *text = json_object_to_json_string_ext(files, JSON_C_TO_STRING_PLAIN);
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/..k8sc-content", dir);
    char *content_path = k8sc__buf_detach(&b, NULL);
    if (!content_path)
        return K8SC_ENOMEM;
    char old[65536];
    int fd = open(content_path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, old, sizeof(old) - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n >= 0 && (size_t)n == strlen(text) && memcmp(old, text, (size_t)n) == 0) {
        free(content_path);
        return 0;
    }
    static unsigned counter;
    char stamp[64];
    snprintf(stamp, sizeof(stamp), "..%ld_%u", (long)getpid(), __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
    b = (k8sc__buf)K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/%s", dir, stamp);
    char *gen = k8sc__buf_detach(&b, NULL);
    rc = gen ? k8sc__mkdirs(gen, 0755) : K8SC_ENOMEM;
    json_object_object_foreach(files, rel, f)
        if (rc == 0)
            rc = write_file(gen, rel, f);
    char link_tmp[4096], link_data[4096];
    snprintf(link_tmp, sizeof(link_tmp), "%s/..data_tmp", dir);
    snprintf(link_data, sizeof(link_data), "%s/..data", dir);
    char previous[4096] = "";
    ssize_t pl = readlink(link_data, previous, sizeof(previous) - 1);
    previous[pl > 0 ? pl : 0] = '\0';
    unlink(link_tmp);
    if (rc == 0 && (symlink(stamp, link_tmp) != 0 || rename(link_tmp, link_data) != 0))
        rc = k8sc_error_set(K8SC_EIO, "cannot update %s: %s", link_data, strerror(errno));
    /* A link per top-level name into ..data. */
    json_object_object_foreach(files, rel2, f2) {
        (void)f2;
        if (rc != 0)
            break;
        char top[1024], lpath[4096], target[1100];
        snprintf(top, sizeof(top), "%.*s", (int)strcspn(rel2, "/"), rel2);
        snprintf(lpath, sizeof(lpath), "%s/%s", dir, top);
        snprintf(target, sizeof(target), "..data/%s", top);
        struct stat st;
        if (lstat(lpath, &st) != 0 && symlink(target, lpath) != 0)
            rc = k8sc_error_set(K8SC_EIO, "cannot link %s: %s", lpath, strerror(errno));
    }
    if (rc == 0 && previous[0]) {
        char old_dir[8192];
        snprintf(old_dir, sizeof(old_dir), "%s/%s", dir, previous);
        k8sc__kl_remove_tree(old_dir);
    }
    if (rc == 0) {
        fd = open(content_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
            if (write(fd, text, strlen(text)) < 0)
                rc = k8sc_error_set(K8SC_EIO, "cannot write %s: %s", content_path, strerror(errno));
            close(fd);
        }
    } else if (gen) {
        k8sc__kl_remove_tree(gen);
    }
    free(gen);
    free(content_path);
    return rc;
}

static bool is_mountpoint(const char *dir)
{
    struct stat a, b;
    k8sc__buf p = K8SC__BUF_INIT;
    k8sc__buf_printf(&p, "%s/..", dir);
    bool mounted = p.ptr && stat(dir, &a) == 0 && stat(p.ptr, &b) == 0 && a.st_dev != b.st_dev;
    k8sc__buf_free(&p);
    return mounted;
}

static int empty_dir(const char *dir, json_object *ed)
{
    int rc = k8sc__mkdirs(dir, 0777);
    if (rc != 0)
        return rc;
    chmod(dir, 0777);
    const char *medium = k8sc__json_string(ed, "medium");
    if (!medium || strcmp(medium, "Memory") != 0 || is_mountpoint(dir))
        return 0;
    char opts[64] = "mode=0777";
    const char *limit = k8sc__json_string(ed, "sizeLimit");
    k8sc_quantity q;
    int64_t bytes;
    if (limit && k8sc_quantity_parse(&q, limit) == 0 && k8sc_quantity_int(&q, &bytes) == 0 && bytes > 0)
        snprintf(opts, sizeof(opts), "mode=0777,size=%lld", (long long)bytes);
    if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) != 0)
        k8sc_log(K8SC_LOG_WARN, "kubelet: emptyDir %s: cannot mount tmpfs (%s); using the disk", dir,
                 strerror(errno));
    return 0;
}

int k8sc__kl_volumes_setup(k8sc_kubelet *k, const k8sc_object *pod, char **message)
{
    *message = NULL;
    json_object *vols = k8sc_object_get(pod, "spec.volumes");
    int rc = 0;
    for (size_t i = 0; vols && rc == 0 && i < json_object_array_length(vols); i++) {
        json_object *vol = json_object_array_get_idx(vols, i);
        char *dir = volume_dir(k, k8sc_object_uid(pod), vol);
        if (!dir)
            continue;
        json_object *files = json_object_new_object();
        json_object *src;
        if ((src = k8sc__json_member(vol, "hostPath"))) {
            rc = host_path(src, message);
        } else if ((src = k8sc__json_member(vol, "emptyDir"))) {
            rc = empty_dir(dir, src);
        } else if ((src = k8sc__json_member(vol, "configMap"))) {
            if ((rc = add_keyed(files, k, pod, src, false, 0644, message)) == 0)
                rc = project(dir, files);
        } else if ((src = k8sc__json_member(vol, "secret"))) {
            if ((rc = add_keyed(files, k, pod, src, true, 0644, message)) == 0)
                rc = project(dir, files);
        } else if ((src = k8sc__json_member(vol, "downwardAPI"))) {
            if ((rc = add_downward(files, k, pod, src, 0644, message)) == 0)
                rc = project(dir, files);
        } else if ((src = k8sc__json_member(vol, "projected"))) {
            json_object *sources = k8sc__json_member(src, "sources");
            int mode = (int)k8sc__json_int(src, "defaultMode", 0644);
            for (size_t j = 0; sources && rc == 0 && j < json_object_array_length(sources); j++) {
                json_object *s = json_object_array_get_idx(sources, j), *x;
                if ((x = k8sc__json_member(s, "configMap")))
                    rc = add_keyed(files, k, pod, x, false, mode, message);
                else if ((x = k8sc__json_member(s, "secret")))
                    rc = add_keyed(files, k, pod, x, true, mode, message);
                else if ((x = k8sc__json_member(s, "downwardAPI")))
                    rc = add_downward(files, k, pod, x, mode, message);
            }
            if (rc == 0)
                rc = project(dir, files);
        }
        if (rc != 0 && !*message) {
            k8sc__buf m = K8SC__BUF_INIT;
            k8sc__buf_printf(&m, "MountVolume.SetUp failed for volume \"%s\" : %s", k8sc__json_string(vol, "name"),
                             k8sc_error_last());
            *message = k8sc__buf_detach(&m, NULL);
        } else if (rc != 0) {
            k8sc__buf m = K8SC__BUF_INIT;
            k8sc__buf_printf(&m, "MountVolume.SetUp failed for volume \"%s\" : %s", k8sc__json_string(vol, "name"),
                             *message);
            free(*message);
            *message = k8sc__buf_detach(&m, NULL);
        }
        json_object_put(files);
        free(dir);
    }
    if (rc == 0)
        rc = k8sc__kl_resolv_conf_write(k, pod, message);
    return rc == 0 ? 0 : K8SC_EINVAL;
}

static json_object *find_volume(const k8sc_object *pod, const char *name)
{
    json_object *vols = k8sc_object_get(pod, "spec.volumes");
    for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
        json_object *v = json_object_array_get_idx(vols, i);
        if (strcmp(k8sc__json_string(v, "name") ? k8sc__json_string(v, "name") : "", name) == 0)
            return v;
    }
    return NULL;
}

/* The "# Entries added by HostAliases." section of spec.hostAliases, if any. */
static void host_aliases(k8sc__buf *c, const k8sc_object *pod)
{
    json_object *aliases = k8sc_object_get(pod, "spec.hostAliases");
    if (!aliases || json_object_array_length(aliases) == 0)
        return;
    k8sc__buf_puts(c, "\n# Entries added by HostAliases.\n");
    for (size_t i = 0; i < json_object_array_length(aliases); i++) {
        json_object *a = json_object_array_get_idx(aliases, i);
        json_object *names = k8sc__json_member(a, "hostnames");
        const char *ip = k8sc__json_string(a, "ip");
        k8sc__buf_puts(c, ip ? ip : "");
        for (size_t j = 0; names && j < json_object_array_length(names); j++)
            k8sc__buf_printf(c, "\t%s", json_object_get_string(json_object_array_get_idx(names, j)));
        k8sc__buf_putc(c, '\n');
    }
}

/* The node's hosts file after the host-network header; EIO if it cannot be read. */
static int node_hosts(k8sc__buf *c)
{
    k8sc__buf_puts(c, "# Kubernetes-managed hosts file (host network).\n");
    int fd = open("/etc/hosts", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return K8SC_EIO;
    char chunk[4096];
    ssize_t r;
    while ((r = read(fd, chunk, sizeof(chunk))) > 0)
        k8sc__buf_put(c, chunk, (size_t)r);
    close(fd);
    return r < 0 ? K8SC_EIO : 0;
}

/* The pod's address (caller frees): its ready sandbox's own, else the node's (no pod network). */
static char *pod_ip(k8sc_kubelet *k, const k8sc_object *pod)
{
    kl_view v = { 0 };
    char *ip = NULL;
    if (k8sc__kl_view(&v, k, k8sc_object_namespace(pod), k8sc_object_name(pod), k8sc_object_uid(pod)) == 0 &&
        v.ready && v.ready->ip && v.ready->ip[0])
        ip = k8sc__strdup(v.ready->ip);
    k8sc__kl_view_free(&v);
    return ip ? ip : k8sc__strdup(k->node_ip);
}

/*
 * /etc/hosts for the pod, as the kubelet writes it: a managed file naming
 * the pod (with its subdomain's name when it has one), or the node's own
 * for a pod on the host's network; then spec.hostAliases.
 */
static char *etc_hosts(k8sc_kubelet *k, const k8sc_object *pod)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/pods/%s/etc-hosts", k->data_dir, k8sc_object_uid(pod));
    char *path = k8sc__buf_detach(&b, NULL);
    if (!path)
        return NULL;
    bool host_network = false;
    k8sc_object_get_bool(pod, "spec.hostNetwork", &host_network);
    const char *hostname = k8sc_object_get_string(pod, "spec.hostname");
    const char *subdomain = k8sc_object_get_string(pod, "spec.subdomain");
    if (!hostname || !hostname[0])
        hostname = k8sc_object_name(pod);
    /* A pod's name may be longer than a host name can be. */
    int hn = (int)strnlen(hostname, 63);
    k8sc__buf c = K8SC__BUF_INIT;
    char *ip = NULL;
    int rc = 0;
    if (host_network) {
        rc = node_hosts(&c);
    } else if (!(ip = pod_ip(k, pod))) {
        rc = K8SC_ENOMEM;
    } else {
        k8sc__buf_puts(&c, "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
                           "ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\n"
                           "fe00::2\tip6-allrouters\n");
        if (subdomain && subdomain[0] && k->dns.domain[0])
            k8sc__buf_printf(&c, "%s\t%.*s.%s.%s.svc.%s\t%.*s\n", ip, hn, hostname, subdomain,
                             k8sc_object_namespace(pod), k->dns.domain, hn, hostname);
        else
            k8sc__buf_printf(&c, "%s\t%.*s\n", ip, hn, hostname);
    }
    free(ip);
    host_aliases(&c, pod);
    char *dir = k8sc__kl_pod_dir(k, k8sc_object_uid(pod));
    if (rc == 0)
        rc = dir ? k8sc__mkdirs(dir, 0755) : K8SC_ENOMEM;
    free(dir);
    int fd = rc == 0 && k8sc__buf_status(&c) == 0 ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    if (fd < 0 || write(fd, c.ptr, c.len) != (ssize_t)c.len) {
        free(path);
        path = NULL;
    }
    if (fd >= 0)
        close(fd);
    k8sc__buf_free(&c);
    return path;
}

int k8sc__kl_mounts(k8sc_runtime_mount **out, size_t *n, kl_strings *ks, k8sc_kubelet *k, const k8sc_object *pod,
                    json_object *container, char **message)
{
    *out = NULL;
    *n = 0;
    json_object *vms = k8sc__json_member(container, "volumeMounts");
    size_t count = vms ? json_object_array_length(vms) : 0;
    k8sc_runtime_mount *m = k8sc__calloc(count + 2, sizeof(*m));
    if (!m)
        return K8SC_ENOMEM;
    *out = m;
    bool has_hosts = false, has_resolv = false;
    for (size_t i = 0; i < count; i++) {
        json_object *vm = json_object_array_get_idx(vms, i);
        const char *vname = k8sc__json_string(vm, "name");
        json_object *vol = find_volume(pod, vname ? vname : "");
        char *dir = vol ? volume_dir(k, k8sc_object_uid(pod), vol) : NULL;
        if (!dir) {
            *message = msgf("volume \"%s\" has no source this kubelet can mount%s", vname ? vname : "", "");
            return K8SC_EINVAL;
        }
        const char *sub = k8sc__json_string(vm, "subPath");
        if (sub && sub[0]) {
            if (sub[0] == '/' || strstr(sub, "..")) {
                free(dir);
                *message = msgf("subPath \"%s\" must be a relative path without \"..\"%s", sub, "");
                return K8SC_EINVAL;
            }
            k8sc__buf b = K8SC__BUF_INIT;
            k8sc__buf_printf(&b, "%s/%s", dir, sub);
            free(dir);
            dir = k8sc__buf_detach(&b, NULL);
            struct stat st;
            if (dir && stat(dir, &st) != 0)
                k8sc__mkdirs(dir, 0777);
        }
        json_object *ro = k8sc__json_member(vm, "readOnly");
        bool projected = k8sc__json_member(vol, "configMap") || k8sc__json_member(vol, "secret") ||
                         k8sc__json_member(vol, "downwardAPI") || k8sc__json_member(vol, "projected");
        m[*n].host_path = k8sc__kl_keep(ks, dir);
        m[*n].container_path = k8sc__json_string(vm, "mountPath");
        m[*n].readonly = (ro && json_object_get_boolean(ro)) || projected;
        if (m[*n].container_path && strcmp(m[*n].container_path, "/etc/hosts") == 0)
            has_hosts = true;
        if (m[*n].container_path && strcmp(m[*n].container_path, "/etc/resolv.conf") == 0)
            has_resolv = true;
        if (!m[*n].container_path || m[*n].container_path[0] != '/') {
            *message = msgf("mountPath of volume \"%s\" must be absolute%s", vname ? vname : "", "");
            return K8SC_EINVAL;
        }
        (*n)++;
    }
    if (!has_hosts) {
        char *hosts = etc_hosts(k, pod);
        if (hosts) {
            m[*n].host_path = k8sc__kl_keep(ks, hosts);
            m[*n].container_path = "/etc/hosts";
            m[*n].readonly = false;
            (*n)++;
        }
    }
    /* Written with the pod's volumes; a pod directory lost since then gets it again. */
    char *resolv = has_resolv ? NULL : k8sc__kl_resolv_conf_path(k, k8sc_object_uid(pod));
    if (resolv && access(resolv, F_OK) != 0) {
        char *why = NULL;
        if (k8sc__kl_resolv_conf_write(k, pod, &why) != 0) {
            free(resolv);
            *message = why;
            return K8SC_EINVAL;
        }
    }
    if (resolv) {
        m[*n].host_path = k8sc__kl_keep(ks, resolv);
        m[*n].container_path = "/etc/resolv.conf";
        m[*n].readonly = false;
        (*n)++;
    }
    return ks->failed ? K8SC_ENOMEM : 0;
}

void k8sc__kl_volumes_teardown(k8sc_kubelet *k, const char *uid)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/pods/%s/volumes/kubernetes.io~empty-dir", k->data_dir, uid);
    char *ed = k8sc__buf_detach(&b, NULL);
    DIR *d = ed ? opendir(ed) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", ed, e->d_name);
        if (is_mountpoint(path))
            umount2(path, MNT_DETACH);
    }
    if (d)
        closedir(d);
    free(ed);
    char *dir = k8sc__kl_pod_dir(k, uid);
    if (dir)
        k8sc__kl_remove_tree(dir);
    free(dir);
}
