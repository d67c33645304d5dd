/* Directories of the kubelet's data dir. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kubelet_internal.h"

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void k8sc__kl_remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

char *k8sc__kl_pod_dir(const k8sc_kubelet *k, const char *uid)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/pods/%s", k->data_dir, uid);
    return k8sc__buf_detach(&b, NULL);
}

char *k8sc__kl_log_dir_of(const k8sc_kubelet *k, const char *ns, const char *name, const char *uid)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/logs/%s_%s_%s", k->data_dir, ns, name, uid);
    return k8sc__buf_detach(&b, NULL);
}

char *k8sc__kl_log_dir(const k8sc_kubelet *k, const k8sc_object *pod)
{
    return k8sc__kl_log_dir_of(k, k8sc_object_namespace(pod), k8sc_object_name(pod), k8sc_object_uid(pod));
}

void k8sc__kl_remove_logs(const k8sc_kubelet *k, const char *ns, const char *name, const char *uid)
{
    if (!ns || !name || !uid || !*uid)
        return;
    char *dir = k8sc__kl_log_dir_of(k, ns, name, uid);
    if (dir)
        k8sc__kl_remove_tree(dir);
    free(dir);
}
