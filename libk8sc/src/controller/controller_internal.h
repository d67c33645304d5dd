/* Internals shared by the controller sources. */
#ifndef K8SC_CONTROLLER_INTERNAL_H
#define K8SC_CONTROLLER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/*
 * A string-keyed hash map of intrusive nodes: embed k8sc__keynode as the
 * first member so one allocation holds key, links and payload. Not locked;
 * callers hold their own mutex.
 */
typedef struct k8sc__keynode {
    struct k8sc__keynode *next;
    size_t hash;
    char *key;
} k8sc__keynode;

typedef struct k8sc__keymap {
    k8sc__keynode **buckets;
    size_t nbuckets;
    size_t count;
} k8sc__keymap;

#define K8SC__KEYMAP_INIT { NULL, 0, 0 }

/* The node with `key`, or NULL. */
k8sc__keynode *k8sc__keymap_find(const k8sc__keymap *m, const char *key);

/*
 * Allocate a zeroed node of `size` bytes holding a copy of `key` and insert
 * it (the key must be absent). NULL with ENOMEM set.
 */
k8sc__keynode *k8sc__keymap_insert(k8sc__keymap *m, const char *key, size_t size);

/* Unlink `node` and free it with its key. */
void k8sc__keymap_remove(k8sc__keymap *m, k8sc__keynode *node);

/* Free every node and the buckets. */
void k8sc__keymap_clear(k8sc__keymap *m);

/* The key "namespace/name" ("name" when `namespace_` is NULL or "") in `*out` (k8sc_free). ENOMEM. */
int k8sc__object_key_of(char **out, const char *namespace_, const char *name);

/* metav1.MicroTime of `ns` (wall ns): RFC 3339 in UTC with exactly six fractional digits. */
void k8sc__format_micro(char *buf, size_t size, int64_t ns);

#endif
