/* Creation and deletion expectations of the workload controllers. */
#include <stdlib.h>
#include <string.h>

#include "controller/controller_internal.h"
#include "workload.h"

/* As the controller package's ExpectationsTimeout. */
#define EXPECTATIONS_TTL_NS (5LL * 60 * 1000000000)

typedef struct record {
    k8sc__keynode node;
    int adds;
    k8sc__keymap dels; /* keys of pods whose deletion is awaited */
    int64_t at;
} record;

struct k8sc__expectations {
    pthread_mutex_t mu;
    k8sc_clock *clock;
    k8sc__keymap records;
};

int k8sc__expectations_new(k8sc__expectations **out, k8sc_clock *clock)
{
    k8sc__expectations *e = k8sc__calloc(1, sizeof(*e));
    if (!e)
        return K8SC_ENOMEM;
    pthread_mutex_init(&e->mu, NULL);
    e->clock = clock ? clock : k8sc_clock_system();
    *out = e;
    return 0;
}

static void drop(k8sc__expectations *e, record *r)
{
    k8sc__keymap_clear(&r->dels);
    k8sc__keymap_remove(&e->records, &r->node);
}

void k8sc__expectations_free(k8sc__expectations *e)
{
    if (!e)
        return;
    for (size_t b = 0; b < e->records.nbuckets; b++)
        for (k8sc__keynode *n = e->records.buckets[b]; n; n = n->next)
            k8sc__keymap_clear(&((record *)n)->dels);
    k8sc__keymap_clear(&e->records);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

bool k8sc__expectations_satisfied(k8sc__expectations *e, const char *key)
{
    pthread_mutex_lock(&e->mu);
    record *r = (record *)k8sc__keymap_find(&e->records, key);
    bool ok = !r || (r->adds <= 0 && r->dels.count == 0) ||
        k8sc_clock_mono(e->clock) - r->at > EXPECTATIONS_TTL_NS;
    pthread_mutex_unlock(&e->mu);
    return ok;
}

int k8sc__expectations_expect(k8sc__expectations *e, const char *key, int adds, char *const *dels, size_t n)
{
    pthread_mutex_lock(&e->mu);
    record *r = (record *)k8sc__keymap_find(&e->records, key);
    if (r)
        drop(e, r);
    int rc = 0;
    if (!(r = (record *)k8sc__keymap_insert(&e->records, key, sizeof(*r))))
        rc = K8SC_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!k8sc__keymap_find(&r->dels, dels[i]) && !k8sc__keymap_insert(&r->dels, dels[i], sizeof(k8sc__keynode)))
            rc = K8SC_ENOMEM;
    if (r) {
        r->adds = adds;
        r->at = k8sc_clock_mono(e->clock);
        if (rc < 0)
            drop(e, r);
    }
    pthread_mutex_unlock(&e->mu);
    return rc;
}

void k8sc__expectations_created(k8sc__expectations *e, const char *key)
{
    pthread_mutex_lock(&e->mu);
    record *r = (record *)k8sc__keymap_find(&e->records, key);
    if (r)
        r->adds--;
    pthread_mutex_unlock(&e->mu);
}

void k8sc__expectations_deleted(k8sc__expectations *e, const char *key, const char *pod_key)
{
    pthread_mutex_lock(&e->mu);
    record *r = (record *)k8sc__keymap_find(&e->records, key);
    k8sc__keynode *d = r ? k8sc__keymap_find(&r->dels, pod_key) : NULL;
    if (d)
        k8sc__keymap_remove(&r->dels, d);
    pthread_mutex_unlock(&e->mu);
}

void k8sc__expectations_forget(k8sc__expectations *e, const char *key)
{
    pthread_mutex_lock(&e->mu);
    record *r = (record *)k8sc__keymap_find(&e->records, key);
    if (r)
        drop(e, r);
    pthread_mutex_unlock(&e->mu);
}
