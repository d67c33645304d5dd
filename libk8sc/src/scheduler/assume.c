/* The assume cache (kube-scheduler's cache.AssumePod / ForgetPod). */
#include <pthread.h>
#include <string.h>

#include "k8sc/controller.h"
#include "sched.h"

typedef struct assumed_pod {
    char *key;
    char *node;
    k8sc_object *pod;
} assumed_pod;

struct k8sc__sched_assumed {
    pthread_mutex_t mu;
    assumed_pod *items;
    size_t n, cap;
};

int k8sc__sched_assumed_new(k8sc__sched_assumed **out)
{
    k8sc__sched_assumed *a = k8sc__calloc(1, sizeof(*a));
    if (!a)
        return K8SC_ENOMEM;
    pthread_mutex_init(&a->mu, NULL);
    *out = a;
    return 0;
}

static void drop(k8sc__sched_assumed *a, size_t i)
{
    k8sc_free(a->items[i].key);
    k8sc_free(a->items[i].node);
    k8sc_object_free(a->items[i].pod);
    a->items[i] = a->items[--a->n];
}

void k8sc__sched_assumed_free(k8sc__sched_assumed *a)
{
    if (!a)
        return;
    while (a->n)
        drop(a, a->n - 1);
    k8sc_free(a->items);
    pthread_mutex_destroy(&a->mu);
    k8sc_free(a);
}

static size_t find(const k8sc__sched_assumed *a, const char *key)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->items[i].key, key) == 0)
            return i;
    return a->n;
}

int k8sc__sched_assume(k8sc__sched_assumed *a, const char *key, const k8sc_object *pod, const char *node)
{
    assumed_pod ap = { k8sc__strdup(key), k8sc__strdup(node), NULL };
    int rc = ap.key && ap.node ? k8sc_object_dup(&ap.pod, pod) : K8SC_ENOMEM;
    if (rc == 0)
        rc = k8sc_object_set_string(ap.pod, "spec.nodeName", node);
    pthread_mutex_lock(&a->mu);
    if (rc == 0 && a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        assumed_pod *items = k8sc__realloc(a->items, cap * sizeof(*items));
        if (!items)
            rc = K8SC_ENOMEM;
        else {
            a->items = items;
            a->cap = cap;
        }
    }
    if (rc == 0) {
        size_t i = find(a, key);
        if (i < a->n)
            drop(a, i);
        a->items[a->n++] = ap;
    }
    pthread_mutex_unlock(&a->mu);
    if (rc < 0) {
        k8sc_free(ap.key);
        k8sc_free(ap.node);
        k8sc_object_free(ap.pod);
    }
    return rc;
}

void k8sc__sched_forget(k8sc__sched_assumed *a, const char *key)
{
    pthread_mutex_lock(&a->mu);
    size_t i = find(a, key);
    if (i < a->n)
        drop(a, i);
    pthread_mutex_unlock(&a->mu);
}

bool k8sc__sched_is_assumed(k8sc__sched_assumed *a, const char *key)
{
    pthread_mutex_lock(&a->mu);
    bool found = find(a, key) < a->n;
    pthread_mutex_unlock(&a->mu);
    return found;
}

int k8sc__sched_assumed_add_to(k8sc__sched_assumed *a, k8sc__sched_node *n, struct k8sc_cache *pods)
{
    int rc = 0;
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < a->n && rc == 0;) {
        k8sc_object *seen = NULL;
        bool gone = k8sc_cache_get_by_key(&seen, pods, a->items[i].key) < 0;
        const char *bound = seen ? k8sc_object_get_string(seen, "spec.nodeName") : NULL;
        bool confirmed = bound && *bound;
        k8sc_object_free(seen);
        if (gone || confirmed) {
            drop(a, i);
            continue;
        }
        if (strcmp(a->items[i].node, n->name) == 0)
            rc = k8sc__sched_node_add_pod(n, a->items[i].pod);
        i++;
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}
