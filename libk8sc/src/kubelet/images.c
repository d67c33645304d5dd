/* Air-gapped images: the archives (.tar, .tar.gz) in <data-dir>/images are imported when the kubelet starts. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kubelet_internal.h"

int k8sc__kl_import_images(k8sc_kubelet *k)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/images", k->data_dir);
    char *dir = k8sc__buf_detach(&b, NULL);
    if (!dir)
        return K8SC_ENOMEM;
    DIR *d = opendir(dir);
    if (!d) {
        free(dir);
        return 0;
    }
    int imported = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n < 5 || (strcmp(e->d_name + n - 4, ".tar") != 0 &&
                                             (n < 8 || strcmp(e->d_name + n - 7, ".tar.gz") != 0)))
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        char **names = NULL;
        if (k8sc_runtime_import_image(k->rt, &names, path) != 0) {
            k8sc_log(K8SC_LOG_WARN, "kubelet: image archive %s: %s", path, k8sc_error_last());
            continue;
        }
        for (char **p = names; p && *p; p++)
            k8sc_log(K8SC_LOG_INFO, "kubelet: imported image %s from %s", *p, e->d_name);
        k8sc_strv_free(names);
        imported++;
    }
    closedir(d);
    free(dir);
    return imported;
}
