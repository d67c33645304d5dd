/*
 * Image import fuzzer: any file imports into the node image store or
 * fails with a message, never crashes, leaks or writes outside the
 * store; an imported image yields a root filesystem and can be removed.
 */
#include <k8sc/runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/image_internal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static char work[64];
static char archive[96];
static char store_dir[96];
static char rootfs[96];

static void cleanup(void)
{
    k8sc__rm_rf(work);
}

static void setup_once(void)
{
    if (work[0])
        return;
    snprintf(work, sizeof(work), "/tmp/k8sc-fuzz-image-XXXXXX");
    if (!mkdtemp(work))
        abort();
    atexit(cleanup);
    snprintf(archive, sizeof(archive), "%s/in.tar", work);
    snprintf(store_dir, sizeof(store_dir), "%s/store", work);
    snprintf(rootfs, sizeof(rootfs), "%s/rootfs", work);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    setup_once();
    FILE *f = fopen(archive, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    k8sc_image_store *s = NULL;
    if (k8sc_image_store_open(&s, store_dir) != 0)
        abort();
    char **names = NULL;
    if (k8sc_image_store_import(s, &names, archive) != 0) {
        if (!*k8sc_error_last() || names)
            abort();
    } else {
        k8sc_image **list = NULL;
        size_t n = 0;
        if (k8sc_image_store_list(s, &list, &n) != 0 || n == 0)
            abort();
        for (size_t i = 0; i < n; i++) {
            /* A layer may fail to apply (e.g. a file over a directory); it must say why. */
            if (k8sc_image_store_rootfs(s, list[i]->id, rootfs) != 0 && !*k8sc_error_last())
                abort();
            if (k8sc_image_rootfs_release(rootfs) != 0)
                abort();
            if (k8sc_image_store_remove(s, list[i]->id) != 0)
                abort();
        }
        k8sc_image_list_free(list, n);
    }
    k8sc_strv_free(names);
    k8sc_image_store_close(s);
    return 0;
}
