/*
 * Internal helpers of the patch engine (patch_*.c): JSON tree utilities
 * with the comparisons Kubernetes' Go code makes, and the strategic merge
 * patch metadata tables.
 */
#ifndef K8SC_PATCH_INTERNAL_H
#define K8SC_PATCH_INTERNAL_H

#include "codec_internal.h"

/* JSON kinds as the patch algorithms see them: 1 and 1.0 are both numbers. */
typedef enum {
    K8SC__JNULL,
    K8SC__JBOOL,
    K8SC__JNUMBER,
    K8SC__JSTRING,
    K8SC__JOBJECT,
    K8SC__JARRAY,
} k8sc__jkind;

k8sc__jkind k8sc__json_kind(const struct json_object *v);

/* Go's name for a kind in Kubernetes messages: "map", "slice", "string"... */
const char *k8sc__json_kind_name(k8sc__jkind kind);

/* JSON's name for the type of `v` with an article ("an object", "null"), for messages. */
const char *k8sc__json_type_name(const struct json_object *v);

/*
 * ERANGE (naming `what`) if `v` nests values deeper than
 * K8SC_CODEC_MAX_DEPTH levels below `base` levels, else 0.
 */
int k8sc__json_check_depth(const struct json_object *v, int base, const char *what);

/* Levels of nesting in `v` (0 for a scalar or empty container), at most `limit` + 1. */
int k8sc__json_depth(const struct json_object *v, int limit);

/* Number of values in `v` (1 for a scalar), counting stops past `limit`. */
size_t k8sc__json_count(const struct json_object *v, size_t limit);

/*
 * A deep copy of `v` (NULL, JSON null, copies as NULL). Inputs must have
 * passed k8sc__json_check_depth. 0 or ENOMEM.
 */
int k8sc__json_copy(struct json_object **out, const struct json_object *v);

/* Deep equality: numbers by value (1 equals 1.0), key order ignored. */
bool k8sc__json_equal(const struct json_object *a, const struct json_object *b);

/* Append `v` as compact JSON for a message, cut short after ~200 bytes. */
void k8sc__json_describe(k8sc__buf *b, const struct json_object *v);

/*
 * Append what Go's fmt "%v" prints for a decoded JSON scalar (strings raw,
 * whole numbers as integers, "<nil>" for null); containers as JSON.
 */
void k8sc__json_go_string(k8sc__buf *b, const struct json_object *v);

/* The member `key` of object `obj` and whether it exists (`*value` may be NULL: JSON null). */
bool k8sc__json_get(const struct json_object *obj, const char *key, struct json_object **value);

/* Set member `key` (copied) to `value`, taking over one reference to it. 0 or ENOMEM. */
int k8sc__json_set(struct json_object *obj, const char *key, struct json_object *value);

/*
 * Sort `n` elements of `size` bytes stably (merge sort). `cmp` returns
 * <0, 0 or >0; 0 keeps two elements in their relative order, so a
 * comparison that cannot order some pairs is safe. 0 or ENOMEM.
 */
int k8sc__stable_sort(void *base, size_t n, size_t size,
    int (*cmp)(const void *a, const void *b, void *ctx), void *ctx);

/* ---- Strategic merge patch metadata (patch_schema.c) ---------------------- */

/* patchStrategy values of a Go struct field. */
enum {
    K8SC__PATCH_MERGE = 1 << 0,       /* lists merged (by patchMergeKey for lists of maps) */
    K8SC__PATCH_RETAIN_KEYS = 1 << 1, /* $retainKeys directives generated for the value */
    K8SC__PATCH_REPLACE = 1 << 2,     /* maps replaced whole */
};

typedef struct k8sc__patch_type k8sc__patch_type;

/* One field of a Go API type that has patch metadata or leads to some. */
typedef struct k8sc__patch_field {
    const char *name;              /* JSON name */
    unsigned strategy;             /* K8SC__PATCH_* */
    const char *merge_key;         /* patchMergeKey, for lists of maps */
    const k8sc__patch_type *type;  /* the value's type: the map, or the list's elements */
} k8sc__patch_field;

/* A Go struct type: its fields with patch metadata, ending with a NULL name. */
struct k8sc__patch_type {
    const char *name;
    const k8sc__patch_field *fields;
};

/* The type of built-in apiVersion/kind, or NULL for kinds Kubernetes does not know (custom resources). */
const k8sc__patch_type *k8sc__patch_schema(const char *api_version, const char *kind);

/* Metadata of field `name` of `type` (NULL: no metadata); never NULL. */
const k8sc__patch_field *k8sc__patch_field_lookup(const k8sc__patch_type *type, const char *name);

/* ---- Engines shared between files ------------------------------------------ */

/* Strategic merge patch of `original` with `patch` under `schema` (patch_strategic.c). */
int k8sc__patch_strategic_apply_schema(struct json_object **out, const struct json_object *original,
    const struct json_object *patch, const k8sc__patch_type *schema);

/* Two-way and three-way strategic patch creation under `schema` (patch_diff.c). */
int k8sc__patch_strategic_two_way_schema(struct json_object **out, const struct json_object *original,
    const struct json_object *modified, const k8sc__patch_type *schema);
int k8sc__patch_strategic_three_way_schema(struct json_object **out, const struct json_object *original,
    const struct json_object *modified, const struct json_object *current, const k8sc__patch_type *schema);

/*
 * The strategic merge core on trees the caller owns (both are modified):
 * merge `patch` into the JSON object `original`, consuming `patch`.
 * `server` selects what an API server does (parallel lists applied, nulls
 * and directives dropped); otherwise two patches are combined as kubectl
 * does when it builds a three-way patch. `*out` is `original` or a
 * replacement; on error both are released.
 */
int k8sc__patch_strategic_merge(struct json_object **out, struct json_object *original,
    struct json_object *patch, const k8sc__patch_type *schema, bool server);

/* kubectl's three-way JSON merge patch for custom resources (patch_merge.c). */
int k8sc__patch_merge_three_way(struct json_object **out, const struct json_object *original,
    const struct json_object *modified, const struct json_object *current);

/* A list element and its position in a reference order (-1: not in it), for normalizing list order. */
typedef struct {
    struct json_object *v;
    long at;
} k8sc__ranked;

/* k8sc__stable_sort comparator by position; elements without one keep their place relative to others. */
int k8sc__cmp_rank(const void *a, const void *b, void *ctx);

#endif
