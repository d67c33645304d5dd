/* Reading a runc container's cgroup, on cgroup v1 (one hierarchy per controller) and v2 (unified). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "internal.h"
#include "runc_internal.h"

#define CGROUP2_MAGIC 0x63677270

static bool unified(void)
{
    struct statfs st;
    return statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_MAGIC;
}

char *k8sc__runc_cgroup_dir(const char *controller, const char *cgroups_path)
{
    if (!cgroups_path)
        return NULL;
    k8sc__buf b = K8SC__BUF_INIT;
    if (unified())
        k8sc__buf_printf(&b, "/sys/fs/cgroup%s", cgroups_path);
    else
        k8sc__buf_printf(&b, "/sys/fs/cgroup/%s%s", controller, cgroups_path);
    return k8sc__buf_status(&b) ? NULL : k8sc__buf_detach(&b, NULL);
}

/* The number in file `dir/name`, or after "key " on one of its lines when `key` is given. */
static bool read_value(const char *dir, const char *name, const char *key, uint64_t *out)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    char line[256];
    bool found = false;
    size_t klen = key ? strlen(key) : 0;
    while (!found && fgets(line, sizeof(line), f)) {
        if (key && (strncmp(line, key, klen) != 0 || line[klen] != ' '))
            continue;
        *out = strtoull(key ? line + klen + 1 : line, NULL, 10);
        found = true;
    }
    fclose(f);
    return found;
}

int k8sc__runc_cgroup_stats(k8sc_container_stats *out, const char *cgroups_path)
{
    memset(out, 0, sizeof(*out));
    bool v2 = unified();
    char *cpu = k8sc__runc_cgroup_dir("cpuacct", cgroups_path);
    char *mem = k8sc__runc_cgroup_dir("memory", cgroups_path);
    int rc = cpu && mem ? 0 : K8SC_ENOMEM;
    uint64_t usage = 0, inactive = 0;
    if (rc == 0 && v2) {
        if (!read_value(cpu, "cpu.stat", "usage_usec", &usage) || !read_value(mem, "memory.current", NULL,
                                                                              &out->memory_usage_bytes))
            rc = k8sc_error_set(K8SC_EIO, "reading cgroup %s: %s", cpu, strerror(errno));
        out->cpu_usage_ns = usage * 1000;
        read_value(mem, "memory.stat", "inactive_file", &inactive);
    } else if (rc == 0) {
        if (!read_value(cpu, "cpuacct.usage", NULL, &out->cpu_usage_ns) ||
            !read_value(mem, "memory.usage_in_bytes", NULL, &out->memory_usage_bytes))
            rc = k8sc_error_set(K8SC_EIO, "reading cgroup %s: %s", cpu, strerror(errno));
        read_value(mem, "memory.stat", "total_inactive_file", &inactive);
    }
    out->memory_working_set_bytes = out->memory_usage_bytes > inactive ? out->memory_usage_bytes - inactive : 0;
    free(cpu);
    free(mem);
    return rc;
}

void k8sc__runc_cgroup_remove(const char *cgroups_path)
{
    if (unified()) {
        char *dir = k8sc__runc_cgroup_dir("", cgroups_path);
        if (dir)
            rmdir(dir);
        free(dir);
        return;
    }
    DIR *d = opendir("/sys/fs/cgroup");
    for (struct dirent *de; d && (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        char *dir = k8sc__runc_cgroup_dir(de->d_name, cgroups_path);
        if (dir)
            rmdir(dir);
        free(dir);
    }
    if (d)
        closedir(d);
}
