/* `k8sc down`: stop a cluster's process, remove what is left of its containers, delete its directory. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cluster_internal.h"
#include "kubelet/kubelet_internal.h"

long k8sc__cluster_read_pid(const char *dir)
{
    char *path = k8sc__cluster_path(dir, "pid");
    FILE *f = path ? fopen(path, "re") : NULL;
    long pid = 0;
    if (f && fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    if (f)
        fclose(f);
    free(path);
    return pid;
}

int k8sc__cluster_write_runtime(const char *dir, const k8sc_cluster_options *opts, const char *cni_conf_dir,
                                const char *proxy_mode)
{
    char *path = k8sc__cluster_path(dir, "runtime.conf");
    FILE *f = path ? fopen(path, "we") : NULL;
    int rc = 0;
    if (!f || fprintf(f, "runtime=%s\ndocker_socket=%s\ncni_conf_dir=%s\nproxy=%s\n", opts->runtime ? opts->runtime : "runc",
                      opts->docker_socket ? opts->docker_socket : "", cni_conf_dir ? cni_conf_dir : "",
                      proxy_mode ? proxy_mode : "") < 0)
        rc = k8sc_error_set(K8SC_EIO, "cannot write %s: %s", path ? path : dir, strerror(errno));
    if (f && fclose(f) != 0 && rc == 0)
        rc = k8sc_error_set(K8SC_EIO, "cannot write %s: %s", path, strerror(errno));
    free(path);
    return rc;
}

/* Whether a running cluster holds <dir>/lock. */
static bool locked(const char *dir)
{
    char *path = k8sc__cluster_path(dir, "lock");
    int fd = path ? open(path, O_RDWR | O_CLOEXEC) : -1;
    free(path);
    if (fd < 0)
        return false;
    bool held = flock(fd, LOCK_EX | LOCK_NB) != 0;
    close(fd);
    return held;
}

/* What runtime.conf records. */
typedef struct recorded {
    char runtime[64], socket[400], cni_conf_dir[4096], proxy[32];
} recorded;

static void read_recorded(recorded *r, const char *dir)
{
    memset(r, 0, sizeof(*r));
    char *conf = k8sc__cluster_path(dir, "runtime.conf");
    FILE *f = conf ? fopen(conf, "re") : NULL;
    char line[4200];
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "runtime=", 8) == 0)
            snprintf(r->runtime, sizeof(r->runtime), "%.63s", line + 8);
        else if (strncmp(line, "docker_socket=", 14) == 0)
            snprintf(r->socket, sizeof(r->socket), "%.399s", line + 14);
        else if (strncmp(line, "cni_conf_dir=", 13) == 0)
            snprintf(r->cni_conf_dir, sizeof(r->cni_conf_dir), "%.4095s", line + 13);
        else if (strncmp(line, "proxy=", 6) == 0)
            snprintf(r->proxy, sizeof(r->proxy), "%.31s", line + 6);
    }
    if (f)
        fclose(f);
    free(conf);
}

/* Stop and remove every sandbox and container the cluster's runtime still has (their pod addresses too). */
static void remove_containers(const char *dir, const recorded *rec)
{
    if (!rec->runtime[0])
        return;
    const char *runtime = rec->runtime;
    char *root = k8sc__cluster_path(dir, "runtime");
    k8sc_runtime_options ro = K8SC_RUNTIME_OPTIONS_INIT;
    ro.root_dir = root;
    ro.docker_socket = rec->socket[0] ? rec->socket : NULL;
    ro.cni_conf_dir = rec->cni_conf_dir[0] ? rec->cni_conf_dir : NULL;
    k8sc_runtime *rt = NULL;
    if (root && k8sc_runtime_open(&rt, runtime, &ro) == 0) {
        k8sc_sandbox_status **sb = NULL;
        size_t n = 0;
        if (k8sc_runtime_list_sandboxes(rt, &sb, &n) == 0) {
            for (size_t i = 0; i < n; i++) {
                k8sc_runtime_stop_sandbox(rt, sb[i]->id);
                k8sc_runtime_remove_sandbox(rt, sb[i]->id);
            }
            k8sc_sandbox_status_list_free(sb, n);
        }
        k8sc_runtime_close(rt);
    } else {
        k8sc_log(K8SC_LOG_WARN, "cluster: cannot open runtime %s to remove its containers: %s", runtime,
                 k8sc_error_last());
    }
    free(root);
}

int k8sc_cluster_delete(const char *data_dir, int timeout_ms)
{
    K8SC__CHECK_ARG(data_dir && data_dir[0]);
    struct stat st;
    if (stat(data_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return k8sc_error_set(K8SC_ENOTFOUND, "no cluster data directory %s", data_dir);
    if (locked(data_dir)) {
        long pid = k8sc__cluster_read_pid(data_dir);
        if (pid <= 0 || kill((pid_t)pid, SIGTERM) != 0)
            return k8sc_error_set(K8SC_EIO, "the cluster on %s is running but its pid (%ld) cannot be signalled",
                                  data_dir, pid);
        int64_t deadline = k8sc_clock_mono(NULL) + (int64_t)(timeout_ms > 0 ? timeout_ms : 60000) * 1000000;
        while (locked(data_dir)) {
            if (k8sc_clock_mono(NULL) > deadline)
                return k8sc_error_set(K8SC_ETIMEOUT, "the cluster on %s (pid %ld) did not stop", data_dir, pid);
            struct timespec ts = { 0, 100 * 1000000L };
            nanosleep(&ts, NULL);
        }
    }
    recorded rec;
    read_recorded(&rec, data_dir);
    remove_containers(data_dir, &rec);
    k8sc__cluster_net_remove(rec.cni_conf_dir[0] != '\0', rec.proxy[0] != '\0');
    k8sc__kl_remove_tree(data_dir);
    if (stat(data_dir, &st) == 0)
        return k8sc_error_set(K8SC_EIO, "cannot remove all of %s", data_dir);
    return 0;
}
