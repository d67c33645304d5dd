/*
 * The runc backend's state records (sandbox.json, container.json) kept
 * parsed in memory.
 *
 * The kubelet lists every sandbox and container several times per pod
 * sync and once a second for its PLEG; with a hundred pods, opening,
 * reading and parsing each record was most of its CPU. A record is
 * always replaced by rename (k8sc__runc_write_json), so one stat tells
 * whether the file is still the one parsed: same device, inode, size
 * and modification time. This backend's own writes go through the cache
 * (records_write), so the stat only has to catch other processes'
 * changes. Readers get their own copy, so the cache is never shared
 * across threads (json-c's reference counts are not atomic).
 */
#include <json-c/json.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "controller/controller_internal.h"
#include "internal.h"
#include "runc_internal.h"

typedef struct record {
    k8sc__keynode node; /* key: the path */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    json_object *obj;
} record;

struct runc_records {
    pthread_mutex_t lock;
    k8sc__keymap map;
};

int k8sc__runc_records_new(runc_records **out)
{
    runc_records *c = k8sc__calloc(1, sizeof(*c));
    if (!c)
        return K8SC_ENOMEM;
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return 0;
}

static void drop(runc_records *c, record *e)
{
    json_object_put(e->obj);
    k8sc__keymap_remove(&c->map, &e->node);
}

void k8sc__runc_records_free(runc_records *c)
{
    if (!c)
        return;
    k8sc__keymap m = c->map;
    for (size_t i = 0; i < m.nbuckets; i++)
        for (k8sc__keynode *n = m.buckets[i]; n; n = n->next)
            json_object_put(((record *)n)->obj);
    k8sc__keymap_clear(&c->map);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static bool same_file(const record *e, const struct stat *st)
{
    return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
           e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* Cache `obj` (taken) as the record of `path` as `st` describes it; false (not taken) without memory. */
static bool keep(runc_records *c, const char *path, const struct stat *st, json_object *obj)
{
    record *e = (record *)k8sc__keymap_insert(&c->map, path, sizeof(*e));
    if (!e)
        return false;
    e->dev = st->st_dev;
    e->ino = st->st_ino;
    e->size = st->st_size;
    e->mtime = st->st_mtim;
    e->obj = obj;
    return true;
}

static json_object *copy(json_object *obj)
{
    json_object *out = NULL;
    return json_object_deep_copy(obj, &out, NULL) == 0 ? out : NULL;
}

json_object *k8sc__runc_records_read(runc_records *c, const char *path, bool (*match)(json_object *rec, void *arg),
                                     void *arg)
{
    pthread_mutex_lock(&c->lock);
    record *e = (record *)k8sc__keymap_find(&c->map, path);
    /* What a filter looks at never changes in a record: a refused one needs no look at the file. */
    if (e && match && !match(e->obj, arg)) {
        pthread_mutex_unlock(&c->lock);
        return NULL;
    }
    json_object *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (e)
            drop(c, e);
    } else if (e && same_file(e, &st)) {
        out = copy(e->obj);
    } else {
        if (e)
            drop(c, e);
        json_object *obj = k8sc__runc_read_json(path);
        bool wanted = obj && (!match || match(obj, arg));
        /* Kept only if the file did not change while it was read. */
        struct stat after;
        if (obj && stat(path, &after) == 0 && after.st_ino == st.st_ino && after.st_dev == st.st_dev &&
            keep(c, path, &after, obj))
            out = wanted ? copy(obj) : NULL;
        else if (wanted)
            out = obj;
        else
            json_object_put(obj);
    }
    pthread_mutex_unlock(&c->lock);
    return out;
}

void k8sc__runc_records_forget(runc_records *c, const char *dir)
{
    size_t len = strlen(dir);
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->map.nbuckets; i++) {
        k8sc__keynode *n = c->map.buckets[i];
        while (n) {
            k8sc__keynode *next = n->next;
            if (strncmp(n->key, dir, len) == 0 && n->key[len] == '/')
                drop(c, (record *)n);
            n = next;
        }
    }
    pthread_mutex_unlock(&c->lock);
}

int k8sc__runc_records_write(runc_records *c, const char *path, json_object *obj)
{
    pthread_mutex_lock(&c->lock);
    record *e = (record *)k8sc__keymap_find(&c->map, path);
    if (e)
        drop(c, e);
    int rc = k8sc__runc_write_json(path, obj);
    struct stat st;
    json_object *mine = rc == 0 && stat(path, &st) == 0 ? copy(obj) : NULL;
    if (mine && !keep(c, path, &st, mine))
        json_object_put(mine);
    pthread_mutex_unlock(&c->lock);
    return rc;
}
