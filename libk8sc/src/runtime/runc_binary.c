/*
 * One sealed in-memory copy of the runc binary, made when the backend
 * opens, from which every runc the backend starts is executed.
 *
 * Why: to defend against CVE-2019-5736 (a container overwriting the
 * host's runc through /proc/self/exe), `runc init` makes itself a
 * read-only copy and executes that before it enters the container: a
 * bind mount and an unmount in the host's mount namespace and one more
 * exec of the 10 MB binary for every container started and every
 * `runc exec`. runc skips all of it when it already runs from a memfd
 * sealed against writes (runc's documented memfd-bind set-up): the
 * container can no more write to it than to runc's own copy, and the
 * copy is made once instead of once per process.
 *
 * The copy is of the binary as it was when the backend opened; a runc
 * upgraded on disk is used from the next open.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "runc_internal.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* Copy the regular file `in` (size `size`) into `out`; 0 or -1. */
static int copy_all(int out, int in, off_t size)
{
    off_t off = 0;
    while (off < size) {
        ssize_t n = sendfile(out, in, &off, (size_t)(size - off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
    }
    return 0;
}

int k8sc__runc_sealed_copy(const char *path)
{
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    struct stat st;
    char magic[4];
    /* Only ELF programs: a script run from a descriptor closed on exec would not find itself. */
    if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode) || pread(in, magic, 4, 0) != 4 ||
        memcmp(magic, "\177ELF", 4) != 0) {
        close(in);
        return -1;
    }
    /* MFD_EXEC asks for an executable memfd where the kernel knows the flag (6.3 and later). */
    int fd = memfd_create("runc", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create("runc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd >= 0 && (copy_all(fd, in, st.st_size) != 0 ||
                    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0)) {
        close(fd);
        fd = -1;
    }
    close(in);
    return fd;
}
