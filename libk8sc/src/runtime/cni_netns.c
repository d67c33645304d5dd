/* Pinning a pod's network namespace to a file, so it outlives its process (as containerd's netns package does). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni_internal.h"
#include "internal.h"

int k8sc__cni_netns_pin(char **out, const char *dir, const char *id, pid_t pid)
{
    *out = NULL;
    if (!id[0] || strchr(id, '/') || id[0] == '.')
        return k8sc_error_set(K8SC_EINVAL, "pinning a network namespace: invalid id \"%s\"", id);
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/%s", dir, id);
    int rc = k8sc__buf_status(&b);
    if (rc == 0)
        rc = k8sc__mkdirs(dir, 0700);
    char src[64];
    snprintf(src, sizeof(src), "/proc/%d/ns/net", (int)pid);
    if (rc == 0) {
        int fd = open(b.ptr, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            rc = k8sc_error_set(K8SC_EIO, "creating %s: %s", b.ptr, strerror(errno));
        else
            close(fd);
    }
    if (rc == 0 && mount(src, b.ptr, NULL, MS_BIND, NULL) != 0) {
        rc = k8sc_error_set(K8SC_EIO, "pinning the sandbox's network namespace at %s: %s", b.ptr, strerror(errno));
        unlink(b.ptr);
    }
    if (rc == 0)
        *out = k8sc__buf_detach(&b, NULL);
    k8sc__buf_free(&b);
    return rc;
}

void k8sc__cni_netns_unpin(const char *path)
{
    /* EINVAL: not a mount point (any more); the file itself still goes. */
    if (umount2(path, MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
        return;
    unlink(path);
}
