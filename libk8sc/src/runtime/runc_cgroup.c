/*
 * Cgroups of runc containers, on cgroup v1 (one hierarchy per controller
 * below the root) and v2 (the unified hierarchy mounted at the root).
 * The mode is that of the root's filesystem, as Kubernetes tells it: a
 * cgroup2 mount is v2; a tmpfs of v1 hierarchies is v1, also when a
 * cgroup2 hierarchy is mounted below it ("hybrid"). Every function takes
 * the root, so the v2 paths are exercised without a v2 host.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "internal.h"
#include "runc_internal.h"

#define CGROUP2_SUPER_MAGIC 0x63677270
#define TMPFS_MAGIC 0x01021994
/* Kubernetes' bounds of cpu.shares (MinShares, MaxShares) and the v2 weight range. */
#define SHARES_MIN 2
#define SHARES_MAX 262144
#define WEIGHT_MAX 10000
#define CFS_PERIOD_DEFAULT_US 100000

int k8sc__cgroup_detect(k8sc__cgroup_fs *out, const char *root)
{
    struct statfs st;
    if (statfs(root, &st) != 0)
        return k8sc_error_set(K8SC_EIO, "cgroup root %s: %s", root, strerror(errno));
    if (st.f_type != CGROUP2_SUPER_MAGIC && st.f_type != TMPFS_MAGIC)
        return k8sc_error_set(K8SC_EINVAL, "cgroup root %s is neither a cgroup2 mount nor a tmpfs of v1 hierarchies",
                              root);
    out->root = root;
    out->v2 = st.f_type == CGROUP2_SUPER_MAGIC;
    return 0;
}

static k8sc__cgroup_fs host_fs;

static void detect_host(void)
{
    k8sc__cgroup_fs fs = { K8SC__CGROUP_ROOT, false };
    if (k8sc__cgroup_detect(&fs, K8SC__CGROUP_ROOT) != 0)
        fs.v2 = false;
    host_fs = fs;
}

const k8sc__cgroup_fs *k8sc__cgroup_host(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, detect_host);
    return &host_fs;
}

char *k8sc__cgroup_dir(const k8sc__cgroup_fs *fs, const char *controller, const char *path)
{
    if (!path)
        return NULL;
    k8sc__buf b = K8SC__BUF_INIT;
    if (fs->v2)
        k8sc__buf_printf(&b, "%s%s", fs->root, path);
    else
        k8sc__buf_printf(&b, "%s/%s%s", fs->root, controller, path);
    return k8sc__buf_status(&b) ? NULL : k8sc__buf_detach(&b, NULL);
}

/*
 * The number in file `dir/name`, or after "key " on one of its lines when
 * `key` is given. 0, or an error naming the file (EIO; EINVAL when the
 * file has no such number).
 */
static int read_value(const char *dir, const char *name, const char *key, uint64_t *out)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "re");
    if (!f)
        return k8sc_error_set(K8SC_EIO, "reading cgroup file %s: %s", path, strerror(errno));
    char line[256];
    bool found = false;
    size_t klen = key ? strlen(key) : 0;
    while (!found && fgets(line, sizeof(line), f)) {
        if (key && (strncmp(line, key, klen) != 0 || line[klen] != ' '))
            continue;
        char *end;
        errno = 0;
        *out = strtoull(key ? line + klen + 1 : line, &end, 10);
        found = errno == 0 && end != (key ? line + klen + 1 : line);
        if (!found)
            break;
    }
    fclose(f);
    if (!found)
        return k8sc_error_set(K8SC_EINVAL, "cgroup file %s has no %s%snumber", path, key ? key : "",
                              key ? " " : "");
    return 0;
}

int k8sc__cgroup_stats(const k8sc__cgroup_fs *fs, k8sc_container_stats *out, const char *path)
{
    memset(out, 0, sizeof(*out));
    char *cpu = k8sc__cgroup_dir(fs, "cpuacct", path);
    char *mem = k8sc__cgroup_dir(fs, "memory", path);
    int rc = cpu && mem ? 0 : K8SC_ENOMEM;
    uint64_t usage = 0, inactive = 0;
    if (rc == 0 && fs->v2) {
        rc = read_value(cpu, "cpu.stat", "usage_usec", &usage);
        out->cpu_usage_ns = usage * 1000;
        if (rc == 0)
            rc = read_value(mem, "memory.current", NULL, &out->memory_usage_bytes);
        if (rc == 0 && read_value(mem, "memory.stat", "inactive_file", &inactive) != 0)
            inactive = 0;
    } else if (rc == 0) {
        rc = read_value(cpu, "cpuacct.usage", NULL, &out->cpu_usage_ns);
        if (rc == 0)
            rc = read_value(mem, "memory.usage_in_bytes", NULL, &out->memory_usage_bytes);
        if (rc == 0 && read_value(mem, "memory.stat", "total_inactive_file", &inactive) != 0)
            inactive = 0;
    }
    /* The working set, as the kubelet (cAdvisor) counts it: usage less the inactive page cache. */
    out->memory_working_set_bytes = out->memory_usage_bytes > inactive ? out->memory_usage_bytes - inactive : 0;
    free(cpu);
    free(mem);
    return rc;
}

void k8sc__cgroup_remove(const k8sc__cgroup_fs *fs, const char *path)
{
    if (fs->v2) {
        char *dir = k8sc__cgroup_dir(fs, "", path);
        if (dir)
            rmdir(dir);
        free(dir);
        return;
    }
    DIR *d = opendir(fs->root);
    for (struct dirent *de; d && (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        char *dir = k8sc__cgroup_dir(fs, de->d_name, path);
        if (dir)
            rmdir(dir);
        free(dir);
    }
    if (d)
        closedir(d);
}

/* The start of file `dir/name` in `buf` ("" if unreadable); its length. */
static size_t read_text(const char *dir, const char *name, char *buf, size_t size)
{
    char *path = k8sc__runc_path(dir, name);
    FILE *f = path ? fopen(path, "re") : NULL;
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    if (f)
        fclose(f);
    free(path);
    buf[n] = '\0';
    return n;
}

/* Write `text` to file `dir/name`; false on failure. */
static bool put_value(const char *dir, const char *name, const char *text)
{
    char *path = k8sc__runc_path(dir, name);
    FILE *f = path ? fopen(path, "we") : NULL;
    free(path);
    if (!f)
        return false;
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

/* File `name` (a cpuset's cpus or mems) of `dir` set, copied from `parent` if it was empty. */
static bool inherit(const char *parent, const char *dir, const char *name)
{
    char buf[4096];
    read_text(dir, name, buf, sizeof(buf));
    if (buf[strspn(buf, " \n")])
        return true;
    return read_text(parent, name, buf, sizeof(buf)) > 0 && put_value(dir, name, buf);
}

void k8sc__cgroup_cpuset_prepare(const k8sc__cgroup_fs *fs, const char *path)
{
    if (fs->v2 || !path || path[0] != '/' || !path[1])
        return;
    char *first = k8sc__strndup(path, 1 + strcspn(path + 1, "/"));
    char *root = k8sc__cgroup_dir(fs, "cpuset", "");
    char *top = first ? k8sc__cgroup_dir(fs, "cpuset", first) : NULL;
    char flag[8] = "";
    if (root && top && (mkdir(top, 0755) == 0 || errno == EEXIST))
        read_text(top, "cgroup.clone_children", flag, sizeof(flag));
    else
        flag[0] = '-';
    if (flag[0] != '1' && (flag[0] == '-' || !inherit(root, top, "cpuset.cpus") ||
                           !inherit(root, top, "cpuset.mems") || !put_value(top, "cgroup.clone_children", "1")))
        k8sc_log(K8SC_LOG_DEBUG, "runc: cpuset of %s: cannot hand CPUs down to new cgroups", path);
    free(first);
    free(root);
    free(top);
}

void k8sc__cgroup_remove_pod(const char *parent)
{
    const char *p = parent[0] == '/' ? parent + 1 : parent;
    if (!strchr(p, '/'))
        return;
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "/%s", p);
    if (k8sc__buf_status(&b) == 0)
        k8sc__cgroup_remove(k8sc__cgroup_host(), b.ptr);
    k8sc__buf_free(&b);
}

uint64_t k8sc__cgroup_cpu_weight(uint64_t shares)
{
    if (shares < SHARES_MIN)
        shares = SHARES_MIN;
    if (shares > SHARES_MAX)
        shares = SHARES_MAX;
    /* Kubernetes' CPUSharesToCPUWeight: the shares range mapped linearly onto 1..10000. */
    return 1 + ((shares - SHARES_MIN) * (WEIGHT_MAX - 1)) / (SHARES_MAX - SHARES_MIN);
}

/* One limit: `value` ("max" when < 0), followed by `period` when > 0 (cpu.max). */
static void put_limit(k8sc__cgroup_limit *out, size_t *n, const char *file, int64_t value, int64_t period)
{
    char v[24] = "max";
    if (value >= 0)
        snprintf(v, sizeof(v), "%" PRId64, value);
    out[*n].file = file;
    if (period > 0)
        snprintf(out[*n].value, sizeof(out[*n].value), "%s %" PRId64, v, period);
    else
        snprintf(out[*n].value, sizeof(out[*n].value), "%s", v);
    (*n)++;
}

size_t k8sc__cgroup_v2_limits(k8sc__cgroup_limit out[K8SC__CGROUP_LIMITS_MAX], const k8sc_container_config *cfg)
{
    size_t n = 0;
    if (cfg->cpu_shares > 0)
        put_limit(out, &n, "cpu.weight", (int64_t)k8sc__cgroup_cpu_weight((uint64_t)cfg->cpu_shares), 0);
    /* A period without a quota is "max PERIOD"; a quota without a period takes the CFS default period. */
    if (cfg->cpu_quota_us > 0 || cfg->cpu_period_us > 0)
        put_limit(out, &n, "cpu.max", cfg->cpu_quota_us > 0 ? cfg->cpu_quota_us : -1,
                  cfg->cpu_period_us > 0 ? cfg->cpu_period_us : CFS_PERIOD_DEFAULT_US);
    if (cfg->memory_limit_bytes > 0)
        put_limit(out, &n, "memory.max", cfg->memory_limit_bytes, 0);
    if (cfg->pids_limit > 0)
        put_limit(out, &n, "pids.max", cfg->pids_limit, 0);
    return n;
}
