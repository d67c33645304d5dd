/*
 * The informer cache (client-go's threadSafeMap + indexers): objects by
 * "namespace/name", plus named indexes from index values to sets of keys.
 * Each item remembers the values it was indexed under, so an update or a
 * delete removes exactly the entries it made.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "controller_internal.h"
#include "internal.h"

struct k8sc_index_values {
    char **v;
    size_t n, cap;
};

/* One value of one index: the set of keys indexed under it. */
typedef struct value_set {
    k8sc__keynode node;
    k8sc__keymap keys; /* plain k8sc__keynode members */
} value_set;

typedef struct cache_index {
    char *name;
    k8sc_index_fn fn;
    void *userdata;
    char *label_key; /* for label indexes: the label (fn is label_index) */
    k8sc__keymap values;
} cache_index;

typedef struct cache_item {
    k8sc__keynode node;
    k8sc_object *obj;
    k8sc_index_values *vals; /* one per index, in index order */
    size_t nvals;
} cache_item;

struct k8sc_cache {
    pthread_rwlock_t lock;
    k8sc__keymap items;
    cache_index *idx;
    size_t nidx;
};

int k8sc_index_values_add(k8sc_index_values *values, const char *value)
{
    K8SC__CHECK_ARG(values && value);
    if (values->n == values->cap) {
        size_t cap = values->cap ? values->cap * 2 : 2;
        char **v = k8sc__realloc(values->v, cap * sizeof(*v));
        if (!v)
            return K8SC_ENOMEM;
        values->v = v;
        values->cap = cap;
    }
    if (!(values->v[values->n] = k8sc__strdup(value)))
        return K8SC_ENOMEM;
    values->n++;
    return 0;
}

static void values_clear(k8sc_index_values *values)
{
    for (size_t i = 0; i < values->n; i++)
        free(values->v[i]);
    free(values->v);
    *values = (k8sc_index_values){ 0 };
}

static int namespace_index(k8sc_index_values *values, const k8sc_object *obj, void *userdata)
{
    (void)userdata;
    const char *ns = k8sc_object_namespace(obj);
    return k8sc_index_values_add(values, ns ? ns : "");
}

static int label_index(k8sc_index_values *values, const k8sc_object *obj, void *userdata)
{
    const char *v = k8sc_object_meta_get(obj, K8SC_LABELS, userdata);
    return v ? k8sc_index_values_add(values, v) : 0;
}

int k8sc_cache_key(char **out, const k8sc_object *obj)
{
    K8SC__CHECK_ARG(out && obj);
    const char *name = k8sc_object_name(obj);
    const char *ns = k8sc_object_namespace(obj);
    if (!name || !*name)
        return k8sc_error_set(K8SC_EINVAL, "object has no name: it cannot be cached");
    return k8sc__object_key_of(out, ns, name);
}

/* Index `key` under every value `vals` holds for `ix`. */
static int index_insert(cache_index *ix, const k8sc_index_values *vals, const char *key)
{
    for (size_t i = 0; i < vals->n; i++) {
        value_set *vs = (value_set *)k8sc__keymap_find(&ix->values, vals->v[i]);
        if (!vs && !(vs = (value_set *)k8sc__keymap_insert(&ix->values, vals->v[i], sizeof(*vs))))
            return K8SC_ENOMEM;
        if (!k8sc__keymap_find(&vs->keys, key) && !k8sc__keymap_insert(&vs->keys, key, sizeof(k8sc__keynode)))
            return K8SC_ENOMEM;
    }
    return 0;
}

static void index_delete(cache_index *ix, const k8sc_index_values *vals, const char *key)
{
    for (size_t i = 0; i < vals->n; i++) {
        value_set *vs = (value_set *)k8sc__keymap_find(&ix->values, vals->v[i]);
        if (!vs)
            continue;
        k8sc__keynode *kn = k8sc__keymap_find(&vs->keys, key);
        if (kn)
            k8sc__keymap_remove(&vs->keys, kn);
        if (!vs->keys.count) {
            k8sc__keymap_clear(&vs->keys);
            k8sc__keymap_remove(&ix->values, &vs->node);
        }
    }
}

/* Compute `obj`'s values for `ix` into `vals` (empty on failure, which is logged). */
static int index_compute(k8sc_index_values *vals, cache_index *ix, const k8sc_object *obj)
{
    int rc = ix->fn(vals, obj, ix->label_key ? ix->label_key : ix->userdata);
    if (rc == K8SC_ENOMEM)
        return rc;
    if (rc < 0) {
        k8sc_log(K8SC_LOG_WARN, "index %s: %s/%s left out: %s", ix->name,
            k8sc_object_namespace(obj) ? k8sc_object_namespace(obj) : "", k8sc_object_name(obj),
            k8sc_error_last());
        values_clear(vals);
    }
    return 0;
}

/* (Re)index `item` for its current object under every index. */
static int item_index(k8sc_cache *c, cache_item *item)
{
    if (item->nvals < c->nidx) {
        k8sc_index_values *v = k8sc__realloc(item->vals, c->nidx * sizeof(*v));
        if (!v)
            return K8SC_ENOMEM;
        memset(v + item->nvals, 0, (c->nidx - item->nvals) * sizeof(*v));
        item->vals = v;
        item->nvals = c->nidx;
    }
    for (size_t i = 0; i < c->nidx; i++) {
        int rc = index_compute(&item->vals[i], &c->idx[i], item->obj);
        if (rc == 0)
            rc = index_insert(&c->idx[i], &item->vals[i], item->node.key);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void item_unindex(k8sc_cache *c, cache_item *item)
{
    for (size_t i = 0; i < item->nvals; i++) {
        index_delete(&c->idx[i], &item->vals[i], item->node.key);
        values_clear(&item->vals[i]);
    }
}

static int add_index(k8sc_cache *c, const char *name, k8sc_index_fn fn, void *userdata, const char *label_key)
{
    for (size_t i = 0; i < c->nidx; i++)
        if (strcmp(c->idx[i].name, name) == 0)
            return k8sc_error_set(K8SC_EEXISTS, "index %s already exists", name);
    cache_index *idx = k8sc__realloc(c->idx, (c->nidx + 1) * sizeof(*idx));
    if (!idx)
        return K8SC_ENOMEM;
    c->idx = idx;
    cache_index *ix = &idx[c->nidx];
    *ix = (cache_index){ k8sc__strdup(name), fn, userdata, label_key ? k8sc__strdup(label_key) : NULL,
        K8SC__KEYMAP_INIT };
    if (!ix->name || (label_key && !ix->label_key)) {
        free(ix->name);
        free(ix->label_key);
        return K8SC_ENOMEM;
    }
    c->nidx++;
    /* Index what is already cached: every item gets its slot for the new index. */
    for (size_t b = 0; b < c->items.nbuckets; b++) {
        for (k8sc__keynode *n = c->items.buckets[b]; n; n = n->next) {
            cache_item *item = (cache_item *)n;
            k8sc_index_values *v = k8sc__realloc(item->vals, c->nidx * sizeof(*v));
            if (!v)
                return K8SC_ENOMEM;
            item->vals = v;
            v[c->nidx - 1] = (k8sc_index_values){ 0 };
            item->nvals = c->nidx;
            int rc = index_compute(&v[c->nidx - 1], ix, item->obj);
            if (rc == 0)
                rc = index_insert(ix, &v[c->nidx - 1], n->key);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

int k8sc_cache_new(k8sc_cache **out)
{
    K8SC__CHECK_ARG(out);
    k8sc_cache *c = k8sc__calloc(1, sizeof(*c));
    if (!c)
        return K8SC_ENOMEM;
    pthread_rwlock_init(&c->lock, NULL);
    if (add_index(c, K8SC_INDEX_NAMESPACE, namespace_index, NULL, NULL) < 0) {
        k8sc_cache_free(c);
        return K8SC_ENOMEM;
    }
    *out = c;
    return 0;
}

void k8sc_cache_free(k8sc_cache *c)
{
    if (!c)
        return;
    for (size_t b = 0; b < c->items.nbuckets; b++) {
        for (k8sc__keynode *n = c->items.buckets[b]; n; n = n->next) {
            cache_item *item = (cache_item *)n;
            for (size_t i = 0; i < item->nvals; i++)
                values_clear(&item->vals[i]);
            free(item->vals);
            k8sc_object_free(item->obj);
        }
    }
    k8sc__keymap_clear(&c->items);
    for (size_t i = 0; i < c->nidx; i++) {
        cache_index *ix = &c->idx[i];
        for (size_t b = 0; b < ix->values.nbuckets; b++)
            for (k8sc__keynode *n = ix->values.buckets[b]; n; n = n->next)
                k8sc__keymap_clear(&((value_set *)n)->keys);
        k8sc__keymap_clear(&ix->values);
        free(ix->name);
        free(ix->label_key);
    }
    free(c->idx);
    pthread_rwlock_destroy(&c->lock);
    free(c);
}

int k8sc_cache_add_index(k8sc_cache *c, const char *name, k8sc_index_fn fn, void *userdata)
{
    K8SC__CHECK_ARG(c && name && fn);
    pthread_rwlock_wrlock(&c->lock);
    int rc = add_index(c, name, fn, userdata, NULL);
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

int k8sc_cache_add_label_index(k8sc_cache *c, const char *label_key)
{
    K8SC__CHECK_ARG(c && label_key);
    k8sc__buf name = K8SC__BUF_INIT;
    k8sc__buf_printf(&name, "label:%s", label_key);
    if (k8sc__buf_status(&name) < 0) {
        k8sc__buf_free(&name);
        return K8SC_ENOMEM;
    }
    pthread_rwlock_wrlock(&c->lock);
    int rc = add_index(c, name.ptr, label_index, NULL, label_key);
    pthread_rwlock_unlock(&c->lock);
    k8sc__buf_free(&name);
    return rc;
}

int k8sc_cache_upsert(k8sc_cache *c, k8sc_object *obj, k8sc_object **old)
{
    if (old)
        *old = NULL;
    K8SC__CHECK_ARG(c && obj);
    char *key;
    int rc = k8sc_cache_key(&key, obj);
    if (rc < 0)
        return rc;
    pthread_rwlock_wrlock(&c->lock);
    cache_item *item = (cache_item *)k8sc__keymap_find(&c->items, key);
    if (!item && !(item = (cache_item *)k8sc__keymap_insert(&c->items, key, sizeof(*item)))) {
        rc = K8SC_ENOMEM;
        goto out;
    }
    item_unindex(c, item);
    k8sc_object *prev = item->obj;
    item->obj = k8sc_object_ref(obj);
    rc = item_index(c, item);
    if (old)
        *old = prev;
    else
        k8sc_object_free(prev);
out:
    pthread_rwlock_unlock(&c->lock);
    free(key);
    return rc;
}

int k8sc_cache_remove(k8sc_cache *c, const char *key, k8sc_object **old)
{
    if (old)
        *old = NULL;
    K8SC__CHECK_ARG(c && key);
    pthread_rwlock_wrlock(&c->lock);
    cache_item *item = (cache_item *)k8sc__keymap_find(&c->items, key);
    if (!item) {
        pthread_rwlock_unlock(&c->lock);
        return k8sc_error_set(K8SC_ENOTFOUND, "%s not found in the cache", key);
    }
    item_unindex(c, item);
    free(item->vals);
    if (old)
        *old = item->obj;
    else
        k8sc_object_free(item->obj);
    k8sc__keymap_remove(&c->items, &item->node);
    pthread_rwlock_unlock(&c->lock);
    return 0;
}

int k8sc_cache_get_by_key(k8sc_object **out, k8sc_cache *c, const char *key)
{
    K8SC__CHECK_ARG(out && c && key);
    *out = NULL;
    pthread_rwlock_rdlock(&c->lock);
    cache_item *item = (cache_item *)k8sc__keymap_find(&c->items, key);
    if (item)
        *out = k8sc_object_ref(item->obj);
    pthread_rwlock_unlock(&c->lock);
    return item ? 0 : k8sc_error_set(K8SC_ENOTFOUND, "%s not found in the cache", key);
}

int k8sc_cache_get(k8sc_object **out, k8sc_cache *c, const char *namespace_, const char *name)
{
    K8SC__CHECK_ARG(out && c && name);
    char *key;
    int rc = k8sc__object_key_of(&key, namespace_, name);
    if (rc == 0)
        rc = k8sc_cache_get_by_key(out, c, key);
    free(key);
    return rc;
}

size_t k8sc_cache_len(k8sc_cache *c)
{
    if (!c)
        return 0;
    pthread_rwlock_rdlock(&c->lock);
    size_t n = c->items.count;
    pthread_rwlock_unlock(&c->lock);
    return n;
}

void k8sc_cache_items_free(k8sc_object **items, size_t count)
{
    if (!items)
        return;
    for (size_t i = 0; i < count; i++)
        k8sc_object_free(items[i]);
    free(items);
}

/* Collect the items named by `keys` (or every item when NULL) that pass `sel`. Lock held. */
static int collect(k8sc_object ***out, size_t *count, k8sc_cache *c, const k8sc__keymap *keys,
    const k8sc_selector *sel)
{
    const k8sc__keymap *set = keys ? keys : &c->items;
    k8sc_object **items = k8sc__malloc((set->count ? set->count : 1) * sizeof(*items));
    if (!items)
        return K8SC_ENOMEM;
    size_t n = 0;
    for (size_t b = 0; b < set->nbuckets; b++) {
        for (k8sc__keynode *kn = set->buckets[b]; kn; kn = kn->next) {
            cache_item *item = keys ? (cache_item *)k8sc__keymap_find(&c->items, kn->key) : (cache_item *)kn;
            if (item && (!sel || k8sc_selector_matches_object(sel, item->obj)))
                items[n++] = k8sc_object_ref(item->obj);
        }
    }
    *out = items;
    *count = n;
    return 0;
}

static const k8sc__keymap EMPTY_SET = K8SC__KEYMAP_INIT;

/* The key set of `value` in the index named `index`, or NULL for an unknown index. Lock held. */
static const k8sc__keymap *index_lookup(k8sc_cache *c, const char *index, const char *value)
{
    for (size_t i = 0; i < c->nidx; i++) {
        if (strcmp(c->idx[i].name, index) == 0) {
            value_set *vs = (value_set *)k8sc__keymap_find(&c->idx[i].values, value);
            return vs ? &vs->keys : &EMPTY_SET;
        }
    }
    return NULL;
}

int k8sc_cache_list(k8sc_object ***out, size_t *count, k8sc_cache *c, const char *namespace_,
    const k8sc_selector *selector)
{
    K8SC__CHECK_ARG(out && count && c);
    pthread_rwlock_rdlock(&c->lock);
    const k8sc__keymap *keys = namespace_ && *namespace_
        ? index_lookup(c, K8SC_INDEX_NAMESPACE, namespace_) : NULL;
    int rc = collect(out, count, c, keys, selector);
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

int k8sc_cache_by_index(k8sc_object ***out, size_t *count, k8sc_cache *c, const char *index, const char *value)
{
    K8SC__CHECK_ARG(out && count && c && index && value);
    pthread_rwlock_rdlock(&c->lock);
    const k8sc__keymap *keys = index_lookup(c, index, value);
    int rc = keys ? collect(out, count, c, keys, NULL)
                  : k8sc_error_set(K8SC_ENOTFOUND, "no index named %s", index);
    pthread_rwlock_unlock(&c->lock);
    return rc;
}
