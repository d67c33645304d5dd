/* String-keyed intrusive hash map for the controller module. */
#include <stdlib.h>
#include <string.h>

#include "controller_internal.h"
#include "internal.h"

/* FNV-1a: keys are short "namespace/name" strings. */
static size_t hash_key(const char *key)
{
    size_t h = (size_t)14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= (size_t)1099511628211ULL;
    }
    return h;
}

k8sc__keynode *k8sc__keymap_find(const k8sc__keymap *m, const char *key)
{
    if (!m->nbuckets)
        return NULL;
    size_t h = hash_key(key);
    for (k8sc__keynode *n = m->buckets[h & (m->nbuckets - 1)]; n; n = n->next)
        if (n->hash == h && strcmp(n->key, key) == 0)
            return n;
    return NULL;
}

/* Double the buckets (a power of two) once the load passes 1. */
static int grow(k8sc__keymap *m)
{
    size_t nb = m->nbuckets ? m->nbuckets * 2 : 16;
    k8sc__keynode **b = k8sc__calloc(nb, sizeof(*b));
    if (!b)
        return K8SC_ENOMEM;
    for (size_t i = 0; i < m->nbuckets; i++) {
        k8sc__keynode *n = m->buckets[i];
        while (n) {
            k8sc__keynode *next = n->next;
            size_t j = n->hash & (nb - 1);
            n->next = b[j];
            b[j] = n;
            n = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = nb;
    return 0;
}

k8sc__keynode *k8sc__keymap_insert(k8sc__keymap *m, const char *key, size_t size)
{
    if (m->count >= m->nbuckets && grow(m) < 0)
        return NULL;
    k8sc__keynode *n = k8sc__calloc(1, size);
    if (!n)
        return NULL;
    n->key = k8sc__strdup(key);
    if (!n->key) {
        free(n);
        return NULL;
    }
    n->hash = hash_key(key);
    size_t j = n->hash & (m->nbuckets - 1);
    n->next = m->buckets[j];
    m->buckets[j] = n;
    m->count++;
    return n;
}

void k8sc__keymap_remove(k8sc__keymap *m, k8sc__keynode *node)
{
    k8sc__keynode **pp = &m->buckets[node->hash & (m->nbuckets - 1)];
    while (*pp && *pp != node)
        pp = &(*pp)->next;
    if (*pp) {
        *pp = node->next;
        m->count--;
    }
    free(node->key);
    free(node);
}

void k8sc__keymap_clear(k8sc__keymap *m)
{
    for (size_t i = 0; i < m->nbuckets; i++) {
        k8sc__keynode *n = m->buckets[i];
        while (n) {
            k8sc__keynode *next = n->next;
            free(n->key);
            free(n);
            n = next;
        }
    }
    free(m->buckets);
    m->buckets = NULL;
    m->nbuckets = 0;
    m->count = 0;
}

int k8sc__object_key_of(char **out, const char *namespace_, const char *name)
{
    k8sc__buf b = K8SC__BUF_INIT;
    if (namespace_ && *namespace_)
        k8sc__buf_printf(&b, "%s/%s", namespace_, name);
    else
        k8sc__buf_puts(&b, name);
    if (k8sc__buf_status(&b) < 0) {
        k8sc__buf_free(&b);
        return K8SC_ENOMEM;
    }
    *out = k8sc__buf_detach(&b, NULL);
    return 0;
}
