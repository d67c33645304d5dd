/*
 * ImageLocality (kube-scheduler 1.32): favour nodes that already have the
 * pod's images, by size, scaled by how many nodes have them (so that one
 * node holding an image does not draw every pod), clamped between 23 MB
 * and 1000 MB per container. Not normalised.
 */
#include <string.h>

#include "sched.h"

#define MAX_SCORE 100
#define MB (1024LL * 1024)
#define MIN_THRESHOLD (23 * MB)
#define MAX_CONTAINER_THRESHOLD (1000 * MB)

/* normalizedImageName: ":latest" when the name has neither tag nor digest. */
static char *normalized(const char *image)
{
    const char *colon = strrchr(image, ':'), *slash = strrchr(image, '/');
    size_t len = strlen(image);
    bool tagged = colon && (!slash || colon > slash);
    char *s = k8sc__malloc(len + 8);
    if (s) {
        memcpy(s, image, len + 1);
        if (!tagged)
            memcpy(s + len, ":latest", 8);
    }
    return s;
}

int k8sc__sched_image_score(const k8sc__sched_cycle *cy, const k8sc__sched_pod *p, k8sc__sched_node *const *nodes,
    size_t count, int64_t *scores)
{
    memset(scores, 0, count * sizeof(*scores));
    size_t ninit = k8sc_pod_container_count(p->pod, K8SC_INIT_CONTAINERS);
    size_t ncont = ninit + k8sc_pod_container_count(p->pod, K8SC_CONTAINERS);
    if (count == 0 || ncont == 0 || cy->count == 0 || k8sc__sched_cache_image_nodes(cy->nodes[0]->cache, NULL) == 0)
        return 0;
    char **names = k8sc__calloc(ncont, sizeof(*names));
    double *spread = k8sc__calloc(ncont, sizeof(*spread));
    int rc = names && spread ? 0 : K8SC_ENOMEM;
    for (size_t i = 0; i < ncont && rc == 0; i++) {
        k8sc_container c;
        bool init = i < ninit;
        if (k8sc_pod_container(&c, p->pod, init ? K8SC_INIT_CONTAINERS : K8SC_CONTAINERS, init ? i : i - ninit) < 0 ||
            !c.image)
            continue;
        if (!(names[i] = normalized(c.image))) {
            rc = K8SC_ENOMEM;
            break;
        }
        spread[i] = (double)k8sc__sched_cache_image_nodes(cy->nodes[0]->cache, names[i]) / (double)cy->count;
    }
    int64_t max_threshold = MAX_CONTAINER_THRESHOLD * (int64_t)ncont;
    for (size_t i = 0; i < count && rc == 0; i++) {
        if (nodes[i]->images.count == 0)
            continue;
        int64_t sum = 0;
        for (size_t j = 0; j < ncont; j++) {
            const k8sc__sched_image *img =
                names[j] ? (const k8sc__sched_image *)k8sc__keymap_find(&nodes[i]->images, names[j]) : NULL;
            if (img)
                sum += (int64_t)((double)img->size * spread[j]);
        }
        sum = sum < MIN_THRESHOLD ? MIN_THRESHOLD : sum > max_threshold ? max_threshold : sum;
        scores[i] = MAX_SCORE * (sum - MIN_THRESHOLD) / (max_threshold - MIN_THRESHOLD);
    }
    for (size_t i = 0; names && i < ncont; i++)
        k8sc_free(names[i]);
    k8sc_free(names);
    k8sc_free(spread);
    return rc;
}
