#include "codec_internal.h"

#include <stdlib.h>
#include <string.h>

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *const k8s_first[] = { "apiVersion", "kind", "metadata", "spec", "status" };

static bool is_k8s_first(const char *key)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(k8s_first); i++)
        if (strcmp(key, k8s_first[i]) == 0)
            return true;
    return false;
}

size_t k8sc__object_keys(const struct json_object *obj, unsigned flags, const char **keys)
{
    size_t n = 0, first = 0;
    struct json_object *o = (struct json_object *)obj;
    if (flags & K8SC_ENCODE_K8S_ORDER) {
        for (size_t i = 0; i < K8SC__ARRAY_LEN(k8s_first); i++)
            if (json_object_object_get_ex(o, k8s_first[i], NULL))
                keys[n++] = k8s_first[i];
        first = n;
    }
    json_object_object_foreach(o, key, val) {
        (void)val;
        if ((flags & K8SC_ENCODE_K8S_ORDER) && is_k8s_first(key))
            continue;
        keys[n++] = key;
    }
    if (flags & K8SC_ENCODE_SORT_KEYS)
        qsort(keys + first, n - first, sizeof(*keys), cmp_keys);
    return n;
}

