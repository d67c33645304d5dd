/* What the kubelet reports about its machine: capacity and nodeInfo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kubelet_internal.h"

#define KUBELET_VERSION "v1.32.0-k8sc"

/* The first line of a small file, trimmed (caller frees), or NULL. */
static char *read_line(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char buf[256];
    char *line = fgets(buf, sizeof(buf), f) ? buf : NULL;
    fclose(f);
    if (!line)
        return NULL;
    line[strcspn(line, "\r\n")] = '\0';
    return k8sc__strdup(line);
}

static int64_t mem_total_kib(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    if (!f)
        return 0;
    char line[256];
    long long kib = 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "MemTotal: %lld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

json_object *k8sc__kl_machine_capacity(const char *data_dir)
{
    json_object *cap = json_object_new_object();
    if (!cap)
        return NULL;
    char buf[64];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    snprintf(buf, sizeof(buf), "%ld", cpus > 0 ? cpus : 1);
    json_object_object_add(cap, "cpu", json_object_new_string(buf));
    snprintf(buf, sizeof(buf), "%lldKi", (long long)mem_total_kib());
    json_object_object_add(cap, "memory", json_object_new_string(buf));
    struct statvfs vfs;
    if (statvfs(data_dir, &vfs) == 0) {
        snprintf(buf, sizeof(buf), "%lluKi", (unsigned long long)vfs.f_blocks * vfs.f_frsize / 1024);
        json_object_object_add(cap, "ephemeral-storage", json_object_new_string(buf));
    }
    json_object_object_add(cap, "hugepages-2Mi", json_object_new_string("0"));
    json_object_object_add(cap, "pods", json_object_new_string("110"));
    return cap;
}

/* PRETTY_NAME from /etc/os-release, or "Linux". */
static char *os_image(void)
{
    FILE *f = fopen("/etc/os-release", "re");
    char line[256];
    char *name = NULL;
    while (f && !name && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "PRETTY_NAME=", 12) != 0)
            continue;
        char *v = line + 12;
        v[strcspn(v, "\r\n")] = '\0';
        size_t n = strlen(v);
        if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
            v[n - 1] = '\0';
            v++;
        }
        name = k8sc__strdup(v);
    }
    if (f)
        fclose(f);
    return name ? name : k8sc__strdup("Linux");
}

static void add_string(json_object *o, const char *key, const char *value)
{
    json_object_object_add(o, key, json_object_new_string(value ? value : ""));
}

json_object *k8sc__kl_node_info(k8sc_kubelet *k)
{
    json_object *info = json_object_new_object();
    if (!info)
        return NULL;
    struct utsname u;
    bool have_uname = uname(&u) == 0;
    char *machine_id = read_line("/etc/machine-id");
    char *boot_id = read_line("/proc/sys/kernel/random/boot_id");
    char *product = read_line("/sys/class/dmi/id/product_uuid");
    char *image = os_image();
    char *runtime = NULL;
    if (k8sc_runtime_version(k->rt, &runtime) != 0)
        runtime = NULL;
    add_string(info, "architecture", "amd64");
    add_string(info, "bootID", boot_id);
    add_string(info, "containerRuntimeVersion", runtime);
    add_string(info, "kernelVersion", have_uname ? u.release : "");
    add_string(info, "kubeProxyVersion", KUBELET_VERSION);
    add_string(info, "kubeletVersion", KUBELET_VERSION);
    add_string(info, "machineID", machine_id);
    add_string(info, "operatingSystem", "linux");
    add_string(info, "osImage", image);
    add_string(info, "systemUUID", product ? product : machine_id);
    free(machine_id);
    free(boot_id);
    free(product);
    free(image);
    free(runtime);
    return info;
}
