/*
 * The OCI runtime spec (config.json) of a runc container, from its
 * container config, its sandbox and its image, with Docker's defaults:
 * entrypoint/cmd fallbacks, the default capability set, runc's standard
 * mounts and masked/read-only paths.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "runc_internal.h"

static const char *const all_caps[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
    "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

/* Docker's default set (moby oci/caps/defaults.go). */
static const char *const default_caps[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
    "CAP_AUDIT_WRITE",
};

static const char *const masked_paths[] = {
    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
    "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static json_object *strv_json(const char *const *v, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < n; i++)
        json_object_array_add(a, json_object_new_string(v[i]));
    return a;
}

static bool caps_has(json_object *caps, const char *name)
{
    for (size_t i = 0; i < json_object_array_length(caps); i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(caps, i)), name) == 0)
            return true;
    return false;
}

/* "net_admin" or "CAP_NET_ADMIN" → "CAP_NET_ADMIN" into buf; false if unknown. */
static bool cap_name(char *buf, size_t size, const char *in)
{
    const char *base = strncasecmp(in, "CAP_", 4) == 0 ? in + 4 : in;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(all_caps); i++) {
        if (strcasecmp(all_caps[i] + 4, base) == 0) {
            snprintf(buf, size, "%s", all_caps[i]);
            return true;
        }
    }
    return false;
}

static int capabilities(json_object **out, const k8sc_container_config *cfg)
{
    json_object *caps = json_object_new_array();
    bool all = cfg->privileged;
    for (size_t i = 0; i < cfg->n_add_capabilities; i++)
        if (strcasecmp(cfg->add_capabilities[i], "ALL") == 0)
            all = true;
    size_t n_base = all ? K8SC__ARRAY_LEN(all_caps) : K8SC__ARRAY_LEN(default_caps);
    for (size_t i = 0; i < n_base; i++)
        json_object_array_add(caps, json_object_new_string(all ? all_caps[i] : default_caps[i]));
    char name[64];
    for (size_t i = 0; i < cfg->n_add_capabilities; i++) {
        if (strcasecmp(cfg->add_capabilities[i], "ALL") == 0)
            continue;
        if (!cap_name(name, sizeof(name), cfg->add_capabilities[i])) {
            json_object_put(caps);
            return k8sc_error_set(K8SC_EINVAL, "unknown capability \"%s\"", cfg->add_capabilities[i]);
        }
        if (!caps_has(caps, name))
            json_object_array_add(caps, json_object_new_string(name));
    }
    for (size_t i = 0; i < cfg->n_drop_capabilities && !cfg->privileged; i++) {
        const char *d = cfg->drop_capabilities[i];
        bool drop_all = strcasecmp(d, "ALL") == 0;
        if (!drop_all && !cap_name(name, sizeof(name), d)) {
            json_object_put(caps);
            return k8sc_error_set(K8SC_EINVAL, "unknown capability \"%s\"", d);
        }
        json_object *kept = json_object_new_array();
        for (size_t j = 0; j < json_object_array_length(caps); j++) {
            const char *c = json_object_get_string(json_object_array_get_idx(caps, j));
            bool added = false;
            for (size_t k = 0; drop_all && k < cfg->n_add_capabilities; k++) {
                char a[64];
                added |= cap_name(a, sizeof(a), cfg->add_capabilities[k]) && strcmp(a, c) == 0;
            }
            /* Kubernetes: drop ALL, then add back what `add` names. */
            if ((drop_all && !added) || (!drop_all && strcmp(c, name) == 0))
                continue;
            json_object_array_add(kept, json_object_new_string(c));
        }
        json_object_put(caps);
        caps = kept;
    }
    json_object *set = json_object_new_object();
    const char *kinds[] = { "bounding", "effective", "permitted" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(kinds); i++)
        json_object_object_add(set, kinds[i], json_object_get(caps));
    json_object_put(caps);
    *out = set;
    return 0;
}

/* Look `name` up in the rootfs file "/etc/passwd" or "/etc/group": its id (field 3) and, for passwd, gid. */
static bool lookup_id(const char *rootfs, const char *file, const char *name, long *id, long *gid)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s%s", rootfs, file);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        char *fields[4] = { line, NULL, NULL, NULL };
        for (int i = 1; i < 4 && fields[i - 1]; i++) {
            char *c = strchr(fields[i - 1], ':');
            if (c) {
                *c = '\0';
                fields[i] = c + 1;
            }
        }
        if (!fields[3] || strcmp(fields[0], name) != 0)
            continue;
        *id = strtol(fields[2], NULL, 10);
        if (gid)
            *gid = strtol(fields[3], NULL, 10);
        found = true;
    }
    fclose(f);
    return found;
}

static bool numeric(const char *s, long *v)
{
    char *end;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (!*s || *end || errno || n < 0)
        return false;
    *v = n;
    return true;
}

/* The uid and gid the process runs as: run_as_* over the image's "user[:group]", names from the rootfs. */
static int resolve_user(const char *rootfs, const k8sc_container_config *cfg, const k8sc_image *img, long *uid,
                        long *gid)
{
    *uid = 0;
    *gid = 0;
    bool gid_set = false;
    if (cfg->run_as_user < 0 && img->user && img->user[0]) {
        char user[256];
        snprintf(user, sizeof(user), "%s", img->user);
        char *group = strchr(user, ':');
        if (group)
            *group++ = '\0';
        long pw_gid = 0;
        if (!numeric(user, uid)) {
            if (!lookup_id(rootfs, "/etc/passwd", user, uid, &pw_gid))
                return k8sc_error_set(K8SC_EINVAL, "image user \"%s\" not found in the image's /etc/passwd", user);
            *gid = pw_gid;
            gid_set = true;
        }
        if (group && !numeric(group, gid) && !lookup_id(rootfs, "/etc/group", group, gid, NULL))
            return k8sc_error_set(K8SC_EINVAL, "image group \"%s\" not found in the image's /etc/group", group);
        gid_set |= group != NULL;
    } else if (cfg->run_as_user >= 0) {
        *uid = (long)cfg->run_as_user;
    }
    if (cfg->run_as_group >= 0)
        *gid = (long)cfg->run_as_group;
    else if (!gid_set && *uid != 0) {
        /* The user's primary group from /etc/passwd, if it is listed there. */
        char path[4096];
        snprintf(path, sizeof(path), "%s/etc/passwd", rootfs);
        FILE *f = fopen(path, "re");
        char line[1024];
        while (f && fgets(line, sizeof(line), f)) {
            long u, g;
            char *p = strchr(line, ':');
            p = p ? strchr(p + 1, ':') : NULL;
            if (p && sscanf(p + 1, "%ld:%ld", &u, &g) == 2 && u == *uid) {
                *gid = g;
                break;
            }
        }
        if (f)
            fclose(f);
    }
    return 0;
}

static json_object *process_args(const k8sc_container_config *cfg, const k8sc_image *img)
{
    json_object *a = json_object_new_array();
    if (cfg->n_command > 0) {
        for (size_t i = 0; i < cfg->n_command; i++)
            json_object_array_add(a, json_object_new_string(cfg->command[i]));
    } else {
        for (size_t i = 0; i < img->n_entrypoint; i++)
            json_object_array_add(a, json_object_new_string(img->entrypoint[i]));
    }
    if (cfg->n_args > 0) {
        for (size_t i = 0; i < cfg->n_args; i++)
            json_object_array_add(a, json_object_new_string(cfg->args[i]));
    } else if (cfg->n_command == 0) {
        for (size_t i = 0; i < img->n_cmd; i++)
            json_object_array_add(a, json_object_new_string(img->cmd[i]));
    }
    return a;
}

static json_object *process_env(const k8sc_container_config *cfg, const k8sc_image *img)
{
    json_object *a = json_object_new_array();
    bool has_path = false;
    for (size_t i = 0; i < img->n_env; i++) {
        const char *eq = strchr(img->env[i], '=');
        size_t len = eq ? (size_t)(eq - img->env[i]) : strlen(img->env[i]);
        bool overridden = false;
        for (size_t j = 0; j < cfg->n_envs && !overridden; j++)
            overridden = strlen(cfg->envs[j].name) == len && strncmp(cfg->envs[j].name, img->env[i], len) == 0;
        has_path |= len == 4 && strncmp(img->env[i], "PATH", 4) == 0;
        if (!overridden)
            json_object_array_add(a, json_object_new_string(img->env[i]));
    }
    for (size_t j = 0; j < cfg->n_envs; j++) {
        k8sc__buf b = K8SC__BUF_INIT;
        k8sc__buf_printf(&b, "%s=%s", cfg->envs[j].name, cfg->envs[j].value ? cfg->envs[j].value : "");
        has_path |= strcmp(cfg->envs[j].name, "PATH") == 0;
        if (!k8sc__buf_status(&b))
            json_object_array_add(a, json_object_new_string(b.ptr));
        k8sc__buf_free(&b);
    }
    if (!has_path)
        json_object_array_add(a, json_object_new_string("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    return a;
}

static void add_mount(json_object *mounts, const char *dest, const char *type, const char *source,
                      const char *const *opts, size_t n_opts)
{
    json_object *m = json_object_new_object();
    json_object_object_add(m, "destination", json_object_new_string(dest));
    json_object_object_add(m, "type", json_object_new_string(type));
    json_object_object_add(m, "source", json_object_new_string(source));
    json_object_object_add(m, "options", strv_json(opts, n_opts));
    json_object_array_add(mounts, m);
}

static json_object *mounts_json(const k8sc_container_config *cfg)
{
    json_object *m = json_object_new_array();
    const char *proc[] = { "nosuid", "noexec", "nodev" };
    const char *dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k" };
    const char *pts[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" };
    const char *shm[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" };
    const char *sys_ro[] = { "nosuid", "noexec", "nodev", "ro" };
    const char *cg_ro[] = { "nosuid", "noexec", "nodev", "relatime", "ro" };
    size_t sys_n = cfg->privileged ? 3 : 4;
    add_mount(m, "/proc", "proc", "proc", proc, 3);
    add_mount(m, "/dev", "tmpfs", "tmpfs", dev, 4);
    add_mount(m, "/dev/pts", "devpts", "devpts", pts, 6);
    add_mount(m, "/dev/shm", "tmpfs", "shm", shm, 5);
    add_mount(m, "/dev/mqueue", "mqueue", "mqueue", proc, 3);
    add_mount(m, "/sys", "sysfs", "sysfs", sys_ro, sys_n);
    add_mount(m, "/sys/fs/cgroup", "cgroup", "cgroup", cg_ro, cfg->privileged ? 4 : 5);
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const char *bind[] = { "rbind", "rprivate", cfg->mounts[i].readonly ? "ro" : "rw" };
        add_mount(m, cfg->mounts[i].container_path, "bind", cfg->mounts[i].host_path, bind, 3);
    }
    return m;
}

static void add_ns(json_object *list, const char *type, const char *path)
{
    json_object *ns = json_object_new_object();
    json_object_object_add(ns, "type", json_object_new_string(type));
    if (path)
        json_object_object_add(ns, "path", json_object_new_string(path));
    json_object_array_add(list, ns);
}

static json_object *linux_json(const k8sc_container_config *cfg, const k8sc_sandbox_config *sandbox, pid_t pause,
                               const char *cgroups_path)
{
    json_object *lx = json_object_new_object();
    json_object *ns = json_object_new_array();
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pause);
    add_ns(ns, "network", path);
    snprintf(path, sizeof(path), "/proc/%d/ns/ipc", (int)pause);
    add_ns(ns, "ipc", path);
    snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)pause);
    add_ns(ns, "uts", path);
    if (!sandbox->host_pid)
        add_ns(ns, "pid", NULL);
    add_ns(ns, "mount", NULL);
    json_object_object_add(lx, "namespaces", ns);
    json_object_object_add(lx, "cgroupsPath", json_object_new_string(cgroups_path));

    json_object *res = json_object_new_object();
    json_object *dev = json_object_new_object();
    json_object_object_add(dev, "allow", json_object_new_boolean(cfg->privileged));
    json_object_object_add(dev, "access", json_object_new_string("rwm"));
    json_object *devs = json_object_new_array();
    json_object_array_add(devs, dev);
    json_object_object_add(res, "devices", devs);
    if (cfg->cpu_shares > 0 || cfg->cpu_quota_us > 0 || cfg->cpu_period_us > 0) {
        json_object *cpu = json_object_new_object();
        if (cfg->cpu_shares > 0)
            json_object_object_add(cpu, "shares", json_object_new_int64(cfg->cpu_shares));
        if (cfg->cpu_quota_us > 0)
            json_object_object_add(cpu, "quota", json_object_new_int64(cfg->cpu_quota_us));
        if (cfg->cpu_period_us > 0)
            json_object_object_add(cpu, "period", json_object_new_int64(cfg->cpu_period_us));
        json_object_object_add(res, "cpu", cpu);
    }
    if (cfg->memory_limit_bytes > 0) {
        json_object *mem = json_object_new_object();
        json_object_object_add(mem, "limit", json_object_new_int64(cfg->memory_limit_bytes));
        json_object_object_add(res, "memory", mem);
    }
    if (cfg->pids_limit > 0) {
        json_object *pids = json_object_new_object();
        json_object_object_add(pids, "limit", json_object_new_int64(cfg->pids_limit));
        json_object_object_add(res, "pids", pids);
    }
    /*
     * On cgroup v2 the limits also go in its files' own syntax (runc writes
     * them last), so that cpu.weight follows Kubernetes' formula whatever
     * conversion runc makes of the shares.
     */
    k8sc__cgroup_limit lim[K8SC__CGROUP_LIMITS_MAX];
    size_t n_lim = k8sc__cgroup_host()->v2 ? k8sc__cgroup_v2_limits(lim, cfg) : 0;
    if (n_lim) {
        json_object *unified = json_object_new_object();
        for (size_t i = 0; i < n_lim; i++)
            json_object_object_add(unified, lim[i].file, json_object_new_string(lim[i].value));
        json_object_object_add(res, "unified", unified);
    }
    json_object_object_add(lx, "resources", res);
    if (!cfg->privileged) {
        json_object_object_add(lx, "maskedPaths", strv_json(masked_paths, K8SC__ARRAY_LEN(masked_paths)));
        json_object_object_add(lx, "readonlyPaths", strv_json(readonly_paths, K8SC__ARRAY_LEN(readonly_paths)));
    }
    return lx;
}

int k8sc__runc_spec_write(const char *dir, const k8sc_container_config *cfg, const k8sc_sandbox_config *sandbox,
                          const k8sc_image *img, const char *image_root, pid_t pause, bool host_network,
                          const char *cgroups_path)
{
    char *path = k8sc__runc_path(dir, "config.json");
    if (!path)
        return K8SC_ENOMEM;
    long uid, gid;
    json_object *caps = NULL;
    json_object *args = process_args(cfg, img);
    int rc = json_object_array_length(args) == 0
                 ? k8sc_error_set(K8SC_EINVAL, "container %s: no command (none given and none in the image)",
                                  cfg->name)
                 : 0;
    if (rc == 0)
        rc = resolve_user(image_root, cfg, img, &uid, &gid);
    if (rc == 0)
        rc = capabilities(&caps, cfg);
    if (rc != 0) {
        json_object_put(args);
        free(path);
        return rc;
    }
    json_object *spec = json_object_new_object();
    json_object_object_add(spec, "ociVersion", json_object_new_string("1.0.2"));

    json_object *proc = json_object_new_object();
    json_object_object_add(proc, "terminal", json_object_new_boolean(cfg->tty));
    json_object *user = json_object_new_object();
    json_object_object_add(user, "uid", json_object_new_int64(uid));
    json_object_object_add(user, "gid", json_object_new_int64(gid));
    json_object_object_add(proc, "user", user);
    json_object_object_add(proc, "args", args);
    json_object_object_add(proc, "env", process_env(cfg, img));
    const char *cwd = cfg->working_dir && cfg->working_dir[0] ? cfg->working_dir
                      : img->working_dir && img->working_dir[0] ? img->working_dir
                                                                : "/";
    json_object_object_add(proc, "cwd", json_object_new_string(cwd));
    json_object_object_add(proc, "capabilities", caps);
    json_object_object_add(proc, "noNewPrivileges", json_object_new_boolean(false));
    json_object_object_add(spec, "process", proc);

    json_object *root = json_object_new_object();
    json_object_object_add(root, "path", json_object_new_string("rootfs"));
    json_object_object_add(root, "readonly", json_object_new_boolean(cfg->readonly_rootfs));
    json_object_object_add(spec, "root", root);
    if (!host_network)
        json_object_object_add(spec, "hostname",
                               json_object_new_string(sandbox->hostname ? sandbox->hostname : sandbox->name));
    json_object_object_add(spec, "mounts", mounts_json(cfg));
    json_object_object_add(spec, "linux", linux_json(cfg, sandbox, pause, cgroups_path));
    rc = k8sc__runc_write_json(path, spec);
    json_object_put(spec);
    free(path);
    return rc;
}
