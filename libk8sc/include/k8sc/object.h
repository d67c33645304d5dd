/*
 * libk8sc object model: generic Kubernetes objects and their metadata,
 * quantities and resource lists, the resource registry, label and field
 * selectors, and validation helpers.
 *
 * An object is a JSON tree (json-c) with a reference count. Any
 * apiVersion/kind is accepted and unknown fields are kept as they are, so a
 * decode/encode round trip loses nothing. Objects may be shared between
 * threads only while nobody modifies them (as informer caches do).
 */
#ifndef K8SC_OBJECT_H
#define K8SC_OBJECT_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

struct json_object; /* from <json-c/json.h>; include it to walk trees yourself */

/* ---- Objects ---------------------------------------------------------- */

typedef struct k8sc_object k8sc_object;

/*
 * Create an empty object {"apiVersion": api_version, "kind": kind}.
 * Either string may be NULL to leave the field out.
 */
K8SC_EXTERN int k8sc_object_new(k8sc_object **out, const char *api_version, const char *kind);

/*
 * Wrap a json-c tree, which must be a JSON object. Takes over the caller's
 * reference to `root` on success (on failure the caller keeps it).
 */
K8SC_EXTERN int k8sc_object_wrap(k8sc_object **out, struct json_object *root);

/* The object's JSON tree, borrowed: valid while `obj` lives. Never NULL for a non-NULL obj. */
K8SC_EXTERN struct json_object *k8sc_object_json(const k8sc_object *obj);

/* A new reference to `obj` (thread-safe). Release it with k8sc_object_free(). */
K8SC_EXTERN k8sc_object *k8sc_object_ref(k8sc_object *obj);

/* A deep copy of `obj`, which the caller may modify freely. */
K8SC_EXTERN int k8sc_object_dup(k8sc_object **out, const k8sc_object *obj);

/* Drop a reference; the object is freed with its last one. NULL is fine. */
K8SC_EXTERN void k8sc_object_free(k8sc_object *obj);

/* Deep equality of two objects' trees (key order ignored). */
K8SC_EXTERN bool k8sc_object_equal(const k8sc_object *a, const k8sc_object *b);

/*
 * Field paths. A path names a field inside an object: fields separated by
 * '.', array elements as "[N]", and a '\' escaping the next character,
 * e.g. "spec.template.spec.containers[0].image" or
 * "metadata.labels.app\.kubernetes\.io/name".
 */

/* The value at `path`, borrowed, or NULL if absent (json-c represents JSON null as NULL too). */
K8SC_EXTERN struct json_object *k8sc_object_get(const k8sc_object *obj, const char *path);

/* True if the field at `path` is present, also when its value is JSON null. */
K8SC_EXTERN bool k8sc_object_has(const k8sc_object *obj, const char *path);

/* The string at `path`, borrowed, or NULL if absent or not a string. */
K8SC_EXTERN const char *k8sc_object_get_string(const k8sc_object *obj, const char *path);

/* The integer at `path`. ENOTFOUND if absent, EINVAL if not an integer. */
K8SC_EXTERN int k8sc_object_get_int(const k8sc_object *obj, const char *path, int64_t *out);

/* The boolean at `path`. ENOTFOUND if absent, EINVAL if not a boolean. */
K8SC_EXTERN int k8sc_object_get_bool(const k8sc_object *obj, const char *path, bool *out);

/*
 * Set the value at `path`, creating missing maps on the way (not arrays:
 * an index past the end is ENOTFOUND). Takes over the reference to
 * `value` on success; on failure the caller keeps it. A NULL value stores
 * JSON null.
 */
K8SC_EXTERN int k8sc_object_set(k8sc_object *obj, const char *path, struct json_object *value);

/* Set a string (copied), integer or boolean at `path`, as k8sc_object_set(). */
K8SC_EXTERN int k8sc_object_set_string(k8sc_object *obj, const char *path, const char *value);
K8SC_EXTERN int k8sc_object_set_int(k8sc_object *obj, const char *path, int64_t value);
K8SC_EXTERN int k8sc_object_set_bool(k8sc_object *obj, const char *path, bool value);

/* Remove the field at `path`. ENOTFOUND if it was not there. */
K8SC_EXTERN int k8sc_object_remove(k8sc_object *obj, const char *path);

/* ---- Metadata ---------------------------------------------------------- */

/* Borrowed strings, NULL when absent. */
K8SC_EXTERN const char *k8sc_object_api_version(const k8sc_object *obj);
K8SC_EXTERN const char *k8sc_object_kind(const k8sc_object *obj);
K8SC_EXTERN const char *k8sc_object_name(const k8sc_object *obj);
K8SC_EXTERN const char *k8sc_object_generate_name(const k8sc_object *obj);
K8SC_EXTERN const char *k8sc_object_namespace(const k8sc_object *obj);
K8SC_EXTERN const char *k8sc_object_uid(const k8sc_object *obj);
K8SC_EXTERN const char *k8sc_object_resource_version(const k8sc_object *obj);

/* Setters copy `value`; NULL removes the field. */
K8SC_EXTERN int k8sc_object_set_api_version(k8sc_object *obj, const char *value);
K8SC_EXTERN int k8sc_object_set_kind(k8sc_object *obj, const char *value);
K8SC_EXTERN int k8sc_object_set_name(k8sc_object *obj, const char *value);
K8SC_EXTERN int k8sc_object_set_generate_name(k8sc_object *obj, const char *value);
K8SC_EXTERN int k8sc_object_set_namespace(k8sc_object *obj, const char *value);
K8SC_EXTERN int k8sc_object_set_uid(k8sc_object *obj, const char *value);
K8SC_EXTERN int k8sc_object_set_resource_version(k8sc_object *obj, const char *value);

/* metadata.generation; 0 when absent. */
K8SC_EXTERN int64_t k8sc_object_generation(const k8sc_object *obj);
K8SC_EXTERN int k8sc_object_set_generation(k8sc_object *obj, int64_t generation);

/*
 * Timestamps as seconds since the epoch (metav1.Time has second
 * precision). Getters return ENOTFOUND when absent and EINVAL when
 * malformed; setters with `present == false` remove the field.
 */
K8SC_EXTERN int k8sc_object_creation_timestamp(const k8sc_object *obj, int64_t *out);
K8SC_EXTERN int k8sc_object_set_creation_timestamp(k8sc_object *obj, bool present, int64_t unix_sec);
K8SC_EXTERN int k8sc_object_deletion_timestamp(const k8sc_object *obj, int64_t *out);
K8SC_EXTERN int k8sc_object_set_deletion_timestamp(k8sc_object *obj, bool present, int64_t unix_sec);

/* metadata.deletionGracePeriodSeconds: ENOTFOUND when absent. */
K8SC_EXTERN int k8sc_object_deletion_grace_period(const k8sc_object *obj, int64_t *out);
K8SC_EXTERN int k8sc_object_set_deletion_grace_period(k8sc_object *obj, bool present, int64_t seconds);

/* Which string map of metadata an accessor works on. */
typedef enum { K8SC_LABELS = 0, K8SC_ANNOTATIONS = 1 } k8sc_meta_map;

/* The value of a label or annotation, borrowed, or NULL. */
K8SC_EXTERN const char *k8sc_object_meta_get(const k8sc_object *obj, k8sc_meta_map map, const char *key);

/* Set a label or annotation (both strings copied); a NULL value removes the key. */
K8SC_EXTERN int k8sc_object_meta_set(k8sc_object *obj, k8sc_meta_map map, const char *key, const char *value);

/* Number of labels or annotations. */
K8SC_EXTERN size_t k8sc_object_meta_count(const k8sc_object *obj, k8sc_meta_map map);

/*
 * Call `fn` for every label or annotation, in stored order, with borrowed
 * strings. A non-zero return from `fn` stops and is returned unchanged.
 */
K8SC_EXTERN int k8sc_object_meta_foreach(const k8sc_object *obj, k8sc_meta_map map,
    int (*fn)(const char *key, const char *value, void *userdata), void *userdata);

/* One metadata.ownerReferences entry; strings borrowed from the object. */
typedef struct k8sc_owner_ref {
    const char *api_version;
    const char *kind;
    const char *name;
    const char *uid;
    bool controller;           /* controller: true */
    bool block_owner_deletion; /* blockOwnerDeletion: true */
} k8sc_owner_ref;

/* Number of metadata.ownerReferences entries (0 when absent). */
K8SC_EXTERN size_t k8sc_object_owner_ref_count(const k8sc_object *obj);

/* Fill `out` with entry `index`; ENOTFOUND past the end, EINVAL if malformed. */
K8SC_EXTERN int k8sc_object_owner_ref(k8sc_owner_ref *out, const k8sc_object *obj, size_t index);

/* The entry with controller=true. ENOTFOUND if there is none. */
K8SC_EXTERN int k8sc_object_controller_ref(k8sc_owner_ref *out, const k8sc_object *obj);

/* Add an owner reference (strings copied), replacing one with the same uid. */
K8SC_EXTERN int k8sc_object_add_owner_ref(k8sc_object *obj, const k8sc_owner_ref *ref);

/* Remove the owner reference with this uid. ENOTFOUND if none. */
K8SC_EXTERN int k8sc_object_remove_owner_ref(k8sc_object *obj, const char *uid);

/* metadata.finalizers. */
K8SC_EXTERN size_t k8sc_object_finalizer_count(const k8sc_object *obj);
/* The finalizer at `index`, borrowed, or NULL past the end. */
K8SC_EXTERN const char *k8sc_object_finalizer(const k8sc_object *obj, size_t index);
K8SC_EXTERN bool k8sc_object_has_finalizer(const k8sc_object *obj, const char *name);
/* Add `name` unless present (no error then). */
K8SC_EXTERN int k8sc_object_add_finalizer(k8sc_object *obj, const char *name);
/* Remove `name`. ENOTFOUND if absent. */
K8SC_EXTERN int k8sc_object_remove_finalizer(k8sc_object *obj, const char *name);

/* ---- Quantities -------------------------------------------------------- */

/* How a quantity prints, as in Kubernetes' resource.Format. */
typedef enum {
    K8SC_QUANTITY_DECIMAL_SI = 0,       /* m, "", k, M, G, T, P, E */
    K8SC_QUANTITY_BINARY_SI = 1,        /* Ki, Mi, Gi, Ti, Pi, Ei */
    K8SC_QUANTITY_DECIMAL_EXPONENT = 2, /* e3, E6 ... */
} k8sc_quantity_format;

/*
 * A resource quantity (Kubernetes resource.Quantity): the exact decimal
 * value `value` * 10^`scale` and the format it prints in. A plain value
 * type: copy it freely; treat the fields as read-only and use the
 * functions below (Python: use the string functions).
 */
typedef struct k8sc_quantity {
    int64_t value;
    int32_t scale;
    int32_t format; /* k8sc_quantity_format */
} k8sc_quantity;

/* Buffer size that holds any formatted quantity. */
#define K8SC_QUANTITY_BUFSIZE 48

/*
 * Parse a quantity exactly as Kubernetes' resource.ParseQuantity:
 * "<signed number><suffix>", values more precise than 1n rounded up (away
 * from zero), BinarySI values capped at 2^63-1 in magnitude (DecimalSI and
 * DecimalExponent values are not capped: "12E" stays 1.2e19). EINVAL with
 * the position and problem on malformed input; EOVERFLOW for a value this
 * representation cannot hold exactly (more than 19 significant digits at
 * nano precision, where Kubernetes would switch to arbitrary precision).
 */
K8SC_EXTERN int k8sc_quantity_parse(k8sc_quantity *out, const char *text);

/*
 * Write the canonical form (Quantity.String()), e.g. "1500m", "512Mi",
 * "1". EINVAL if `size` is too small (K8SC_QUANTITY_BUFSIZE always fits).
 */
K8SC_EXTERN int k8sc_quantity_format_to(char *buf, size_t size, const k8sc_quantity *q);

/* -1, 0 or 1 as a < b, a == b, a > b (by value; format ignored; NULL counts as zero). */
K8SC_EXTERN int k8sc_quantity_cmp(const k8sc_quantity *a, const k8sc_quantity *b);

/*
 * out = a + b / a - b, keeping a's format (b's when a is zero, as
 * Quantity.Add does). `out` may alias an operand. EOVERFLOW when the exact
 * result cannot be held; `out` is then untouched.
 */
K8SC_EXTERN int k8sc_quantity_add(k8sc_quantity *out, const k8sc_quantity *a, const k8sc_quantity *b);
K8SC_EXTERN int k8sc_quantity_sub(k8sc_quantity *out, const k8sc_quantity *a, const k8sc_quantity *b);

/* The value in thousandths, rounded away from zero (MilliValue). EOVERFLOW if out of int64. */
K8SC_EXTERN int k8sc_quantity_milli(const k8sc_quantity *q, int64_t *out);

/*
 * The value as an integer, rounded away from zero (Value(): 1.5 -> 2,
 * -1.5 -> -2; bytes for memory). EOVERFLOW if out of int64.
 */
K8SC_EXTERN int k8sc_quantity_int(const k8sc_quantity *q, int64_t *out);

/* A quantity of `milli` thousandths, or of `value` units, in `format`. */
K8SC_EXTERN k8sc_quantity k8sc_quantity_from_milli(int64_t milli, k8sc_quantity_format format);
K8SC_EXTERN k8sc_quantity k8sc_quantity_from_int(int64_t value, k8sc_quantity_format format);

/* -1, 0 or 1 by sign. */
K8SC_EXTERN int k8sc_quantity_sign(const k8sc_quantity *q);

/* ---- Resource lists and containers --------------------------------------- */

/* A v1.ResourceList: resource name -> quantity, in insertion order. */
typedef struct k8sc_resources k8sc_resources;

/* An empty resource list, freed with k8sc_resources_free (which accepts NULL). */
K8SC_EXTERN int k8sc_resources_new(k8sc_resources **out);
K8SC_EXTERN void k8sc_resources_free(k8sc_resources *res);

/*
 * Read a ResourceList JSON map ({"cpu":"500m","memory":"1Gi"}); NULL or a
 * missing map gives an empty list. EINVAL naming the entry on a bad quantity.
 */
K8SC_EXTERN int k8sc_resources_from_json(k8sc_resources **out, const struct json_object *map);

/* A new JSON map with canonical quantity strings. */
K8SC_EXTERN int k8sc_resources_to_json(struct json_object **out, const k8sc_resources *res);

/* ENOTFOUND if `name` is absent. */
K8SC_EXTERN int k8sc_resources_get(const k8sc_resources *res, const char *name, k8sc_quantity *out);
K8SC_EXTERN int k8sc_resources_set(k8sc_resources *res, const char *name, const k8sc_quantity *q);
K8SC_EXTERN size_t k8sc_resources_count(const k8sc_resources *res);
/* Entry `index`: name borrowed from `res`. ENOTFOUND past the end. */
K8SC_EXTERN int k8sc_resources_at(const k8sc_resources *res, size_t index, const char **name, k8sc_quantity *q);

/* dst[name] += src[name] for every name in src. */
K8SC_EXTERN int k8sc_resources_add(k8sc_resources *dst, const k8sc_resources *src);

/* dst[name] = max(dst[name], src[name]) for every name in src. */
K8SC_EXTERN int k8sc_resources_max(k8sc_resources *dst, const k8sc_resources *src);

/* Which containers of a pod spec to look at. */
typedef enum {
    K8SC_CONTAINERS = 0,           /* spec.containers */
    K8SC_INIT_CONTAINERS = 1,      /* spec.initContainers */
    K8SC_EPHEMERAL_CONTAINERS = 2, /* spec.ephemeralContainers */
} k8sc_container_set;

/* A container of a pod spec; strings and json borrowed from the object. */
typedef struct k8sc_container {
    const char *name;
    const char *image;
    struct json_object *json; /* the whole container */
} k8sc_container;

/*
 * The pod spec inside `obj`, borrowed: `spec` for a Pod,
 * `spec.template.spec` for workloads (ReplicaSet, Deployment, Job, ...)
 * and `spec.jobTemplate.spec.template.spec` for a CronJob. NULL if none.
 */
K8SC_EXTERN struct json_object *k8sc_object_pod_spec(const k8sc_object *obj);

/* Number of containers of one set in the pod spec of `obj`. */
K8SC_EXTERN size_t k8sc_pod_container_count(const k8sc_object *obj, k8sc_container_set set);

/* Fill `out` with container `index` of `set`. ENOTFOUND past the end. */
K8SC_EXTERN int k8sc_pod_container(k8sc_container *out, const k8sc_object *obj,
    k8sc_container_set set, size_t index);

/* A container's resources.requests or resources.limits. */
K8SC_EXTERN int k8sc_container_requests(k8sc_resources **out, const k8sc_container *c);
K8SC_EXTERN int k8sc_container_limits(k8sc_resources **out, const k8sc_container *c);

/*
 * The pod's effective requests (or limits) as the scheduler counts them:
 * the sum over containers, raised to each init container's own value
 * (sidecar init containers with restartPolicy Always add to the sum),
 * plus spec.overhead.
 */
K8SC_EXTERN int k8sc_pod_requests(k8sc_resources **out, const k8sc_object *pod);
K8SC_EXTERN int k8sc_pod_limits(k8sc_resources **out, const k8sc_object *pod);

/* ---- Resource registry --------------------------------------------------- */

/* A kind the API serves. Borrowed from its registry, valid while the registry lives. */
typedef struct k8sc_resource k8sc_resource;

/* What to register: strings copied; arrays end with a NULL entry (or are NULL). */
typedef struct k8sc_resource_def {
    unsigned int version;       /* K8SC_RESOURCE_DEF_VERSION */
    const char *group;          /* "" for the core group */
    const char *api_version;    /* "v1" */
    const char *kind;           /* "Deployment" */
    const char *plural;         /* "deployments" */
    const char *singular;       /* "deployment"; NULL: lower-cased kind */
    bool namespaced;
    const char *const *short_names;  /* {"deploy", NULL} */
    const char *const *subresources; /* {"status", "scale", NULL} */
    const char *const *categories;   /* {"all", NULL} */
    const char *const *verbs;        /* NULL: the usual eight */
} k8sc_resource_def;

#define K8SC_RESOURCE_DEF_VERSION 1
#define K8SC_RESOURCE_DEF_INIT { K8SC_RESOURCE_DEF_VERSION, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL }
/* Fill `def` with K8SC_RESOURCE_DEF_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_resource_def_init(k8sc_resource_def *def, unsigned int version);

typedef struct k8sc_registry k8sc_registry;

/* A registry holding the built-in kinds of Kubernetes 1.32 that libk8sc serves. */
K8SC_EXTERN int k8sc_registry_new(k8sc_registry **out);

/* An empty registry. */
K8SC_EXTERN int k8sc_registry_new_empty(k8sc_registry **out);

/* The shared process-wide registry with the built-in kinds. Never NULL; do not free. */
K8SC_EXTERN k8sc_registry *k8sc_registry_default(void);

/* Free a registry and every kind it handed out. NULL and the default registry are ignored. */
K8SC_EXTERN void k8sc_registry_free(k8sc_registry *reg);

/*
 * Add a kind (e.g. a custom resource), thread-safe. EEXISTS if the
 * group/version/plural is already there; EINVAL on a malformed definition.
 */
K8SC_EXTERN int k8sc_registry_add(k8sc_registry *reg, const k8sc_resource_def *def);

/*
 * Replace every version of group/plural with the `n` kinds of `defs` (all
 * of that group and plural; preferred version first) at once: a
 * concurrent lookup finds the old kinds or the new ones, never none.
 * Pointers handed out earlier stay valid until the registry is freed.
 * Errors: EINVAL on a malformed or foreign definition; ENOMEM.
 */
K8SC_EXTERN int k8sc_registry_replace(k8sc_registry *reg, const char *group, const char *plural,
    const k8sc_resource_def *defs, size_t n);

/*
 * Remove group/version/plural (NULL version: every version). Pointers
 * handed out earlier stay valid until the registry is freed.
 */
K8SC_EXTERN int k8sc_registry_remove(k8sc_registry *reg, const char *group, const char *api_version, const char *plural);

/*
 * Find a kind by group, version (NULL: the preferred, i.e. first
 * registered) and kind, e.g. ("apps", "v1", "Deployment"). NULL if unknown.
 */
K8SC_EXTERN const k8sc_resource *k8sc_registry_find_kind(k8sc_registry *reg,
    const char *group, const char *api_version, const char *kind);

/* Find by apiVersion ("apps/v1" or "v1") and kind, as written in manifests. */
K8SC_EXTERN const k8sc_resource *k8sc_registry_find_gvk(k8sc_registry *reg,
    const char *api_version, const char *kind);

/* Find by group, version (NULL: preferred) and plural resource name. */
K8SC_EXTERN const k8sc_resource *k8sc_registry_find_resource(k8sc_registry *reg,
    const char *group, const char *api_version, const char *plural);

/*
 * Resolve a name as kubectl does on its command line: plural, singular,
 * short name or kind, case-insensitively, optionally qualified by group
 * or version and group ("deploy", "pods", "Pod", "deployments.apps",
 * "deployments.v1.apps"). Built-in core kinds win ties. NULL if unknown.
 */
K8SC_EXTERN const k8sc_resource *k8sc_registry_lookup(k8sc_registry *reg, const char *name);

/* Number of kinds, and kind `index` in registration order (NULL past the end). */
K8SC_EXTERN size_t k8sc_registry_count(k8sc_registry *reg);
K8SC_EXTERN const k8sc_resource *k8sc_registry_at(k8sc_registry *reg, size_t index);

/* Accessors; strings borrowed from the registry. */
K8SC_EXTERN const char *k8sc_resource_group(const k8sc_resource *r);
K8SC_EXTERN const char *k8sc_resource_version(const k8sc_resource *r);
/* "apps/v1" or "v1". */
K8SC_EXTERN const char *k8sc_resource_api_version(const k8sc_resource *r);
K8SC_EXTERN const char *k8sc_resource_kind(const k8sc_resource *r);
/* "DeploymentList". */
K8SC_EXTERN const char *k8sc_resource_list_kind(const k8sc_resource *r);
K8SC_EXTERN const char *k8sc_resource_plural(const k8sc_resource *r);
K8SC_EXTERN const char *k8sc_resource_singular(const k8sc_resource *r);
K8SC_EXTERN bool k8sc_resource_namespaced(const k8sc_resource *r);
/* NULL-terminated arrays, borrowed. */
K8SC_EXTERN const char *const *k8sc_resource_short_names(const k8sc_resource *r);
K8SC_EXTERN const char *const *k8sc_resource_subresources(const k8sc_resource *r);
K8SC_EXTERN const char *const *k8sc_resource_categories(const k8sc_resource *r);
K8SC_EXTERN const char *const *k8sc_resource_verbs(const k8sc_resource *r);
K8SC_EXTERN bool k8sc_resource_has_subresource(const k8sc_resource *r, const char *name);

/* ---- Label and field selectors ------------------------------------------- */

/* A parsed label selector: a conjunction of requirements. Immutable, shareable. */
typedef struct k8sc_selector k8sc_selector;

/* Operators of a requirement, as Kubernetes' selection.Operator. */
typedef enum {
    K8SC_SEL_EQUALS = 0,     /* =, == */
    K8SC_SEL_NOT_EQUALS,     /* != */
    K8SC_SEL_IN,             /* in (...) */
    K8SC_SEL_NOT_IN,         /* notin (...) */
    K8SC_SEL_EXISTS,         /* key */
    K8SC_SEL_DOES_NOT_EXIST, /* !key */
    K8SC_SEL_GT,             /* key>N */
    K8SC_SEL_LT,             /* key<N */
} k8sc_selector_op;

/* Looks up the value of `key` in some label or field set: borrowed, NULL if absent. */
typedef const char *(*k8sc_lookup_fn)(const char *key, void *userdata);

/*
 * Parse a label selector string as labels.Parse does ("app=web,tier in
 * (a,b),!canary,replicas>2"). "" matches everything. EINVAL with the
 * position and problem on bad syntax, keys or values.
 */
K8SC_EXTERN int k8sc_selector_parse(k8sc_selector **out, const char *text);

/*
 * Convert a metav1.LabelSelector object (matchLabels + matchExpressions)
 * as LabelSelectorAsSelector does: NULL (nil) selects nothing, {} selects
 * everything. EINVAL on an invalid operator, key or value list.
 */
K8SC_EXTERN int k8sc_selector_from_json(k8sc_selector **out, const struct json_object *label_selector);

/* An equality selector from a string map (labels.SelectorFromSet); NULL or {} selects everything. */
K8SC_EXTERN int k8sc_selector_from_map(k8sc_selector **out, const struct json_object *map);

/* Selectors that match everything / nothing. */
K8SC_EXTERN int k8sc_selector_everything(k8sc_selector **out);
K8SC_EXTERN int k8sc_selector_nothing(k8sc_selector **out);

/* Free a selector. NULL is fine. */
K8SC_EXTERN void k8sc_selector_free(k8sc_selector *sel);

/* True if the labels seen through `get` satisfy every requirement. Allocates nothing. */
K8SC_EXTERN bool k8sc_selector_matches(const k8sc_selector *sel, k8sc_lookup_fn get, void *userdata);

/* True if a JSON string map (e.g. metadata.labels; NULL = no labels) matches. Allocates nothing. */
K8SC_EXTERN bool k8sc_selector_matches_map(const k8sc_selector *sel, const struct json_object *labels);

/* True if the object's metadata.labels match. */
K8SC_EXTERN bool k8sc_selector_matches_object(const k8sc_selector *sel, const k8sc_object *obj);

/* True for a selector that matches everything (no requirements). */
K8SC_EXTERN bool k8sc_selector_is_everything(const k8sc_selector *sel);

/* The canonical string form (Selector.String(): requirements sorted by key). */
K8SC_EXTERN int k8sc_selector_to_string(char **out, const k8sc_selector *sel);

/* Number of requirements, and requirement `index` (strings borrowed from `sel`). */
K8SC_EXTERN size_t k8sc_selector_count(const k8sc_selector *sel);
K8SC_EXTERN int k8sc_selector_requirement(const k8sc_selector *sel, size_t index,
    const char **key, k8sc_selector_op *op, const char *const **values, size_t *nvalues);

/* A parsed field selector ("metadata.name=x,status.phase!=Running"). */
typedef struct k8sc_field_selector k8sc_field_selector;

/*
 * Parse as fields.ParseSelector: terms "field=value", "field==value",
 * "field!=value" separated by ','; in values '\' escapes ',', '=' and '\'
 * (any other escape, or a bare '=', is an error). "" matches everything.
 * EINVAL with the position and problem, also for an empty field name.
 */
K8SC_EXTERN int k8sc_field_selector_parse(k8sc_field_selector **out, const char *text);
K8SC_EXTERN void k8sc_field_selector_free(k8sc_field_selector *sel);

/* True if the fields seen through `get` match (an absent field reads as ""). Allocates nothing. */
K8SC_EXTERN bool k8sc_field_selector_matches(const k8sc_field_selector *sel, k8sc_lookup_fn get, void *userdata);

/*
 * True for a selector without terms; the canonical string form (the
 * caller's, k8sc_free; values re-escaped); the number of terms.
 */
K8SC_EXTERN bool k8sc_field_selector_is_everything(const k8sc_field_selector *sel);
K8SC_EXTERN int k8sc_field_selector_to_string(char **out, const k8sc_field_selector *sel);
K8SC_EXTERN size_t k8sc_field_selector_count(const k8sc_field_selector *sel);
/* Term `index`; op is K8SC_SEL_EQUALS or K8SC_SEL_NOT_EQUALS; strings borrowed. */
K8SC_EXTERN int k8sc_field_selector_term(const k8sc_field_selector *sel, size_t index,
    const char **field, k8sc_selector_op *op, const char **value);

/* If the selector requires `field` to equal one value, that value (borrowed); else NULL. */
K8SC_EXTERN const char *k8sc_field_selector_exact(const k8sc_field_selector *sel, const char *field);

/* ---- Validation ---------------------------------------------------------- */

/* Kinds of field error, as field.ErrorType. */
typedef enum {
    K8SC_FIELD_NOT_FOUND = 0,  /* "Not found" */
    K8SC_FIELD_REQUIRED,       /* "Required value" */
    K8SC_FIELD_DUPLICATE,      /* "Duplicate value" */
    K8SC_FIELD_INVALID,        /* "Invalid value" */
    K8SC_FIELD_NOT_SUPPORTED,  /* "Unsupported value" */
    K8SC_FIELD_FORBIDDEN,      /* "Forbidden" */
    K8SC_FIELD_TOO_LONG,       /* "Too long" */
    K8SC_FIELD_TOO_MANY,       /* "Too many" */
    K8SC_FIELD_INTERNAL,       /* "Internal error" */
    K8SC_FIELD_TYPE_INVALID,   /* "Invalid value" (wrong JSON type) */
} k8sc_field_error_type;

/* A list of field errors (field.ErrorList). */
typedef struct k8sc_field_errors k8sc_field_errors;

/* One error; strings borrowed from the list. */
typedef struct k8sc_field_error {
    k8sc_field_error_type type;
    const char *field;      /* "metadata.name" */
    const char *bad_value;  /* the value as Kubernetes quotes it ("\"BadName\"", "5"), or NULL */
    const char *detail;     /* may be "" */
} k8sc_field_error;

/*
 * An empty error list (free with k8sc_field_errors_free, NULL is fine),
 * its length, and entry `index` (ENOTFOUND past the end; strings borrowed
 * from the list).
 */
K8SC_EXTERN int k8sc_field_errors_new(k8sc_field_errors **out);
K8SC_EXTERN void k8sc_field_errors_free(k8sc_field_errors *errs);
K8SC_EXTERN size_t k8sc_field_errors_count(const k8sc_field_errors *errs);
K8SC_EXTERN int k8sc_field_errors_at(const k8sc_field_errors *errs, size_t index, k8sc_field_error *out);

/*
 * Append an error. `bad_value` is the offending JSON value, printed as
 * Kubernetes prints it (strings quoted, numbers and booleans plain, maps
 * and lists as compact JSON); NULL is JSON null and prints "null", except
 * for K8SC_FIELD_TOO_MANY where it means "no count". Required, Forbidden,
 * Too long and Internal errors never show a value. `detail` is
 * printf-style (NULL: none). EINVAL on a NULL list or field or an unknown type.
 */
K8SC_EXTERN int k8sc_field_errors_add(k8sc_field_errors *errs, k8sc_field_error_type type,
    const char *field, const struct json_object *bad_value, const char *detail, ...) K8SC_PRINTF(5, 6);

/* Like k8sc_field_errors_add with a string bad value (quoted when printed). */
K8SC_EXTERN int k8sc_field_errors_add_str(k8sc_field_errors *errs, k8sc_field_error_type type,
    const char *field, const char *bad_value, const char *detail, ...) K8SC_PRINTF(5, 6);

/*
 * One error as Kubernetes prints it, e.g.
 * `metadata.name: Invalid value: "BadName": a lowercase RFC 1123 ...`.
 */
K8SC_EXTERN int k8sc_field_error_to_string(char **out, const k8sc_field_error *err);

/*
 * All errors as ToAggregate().Error() prints them: a repeated message
 * once, one message alone, several as "[a, b]", none as "".
 */
K8SC_EXTERN int k8sc_field_errors_to_string(char **out, const k8sc_field_errors *errs);

/*
 * Validators. Each appends its errors for `field` to `errs` (which may be
 * NULL to only test; `field` may then be NULL too) and returns the number
 * of errors found (0: valid), or a negative code (EINVAL on a NULL value,
 * ENOMEM) if it could not finish. Messages are Kubernetes 1.32's, word
 * for word.
 */
K8SC_EXTERN int k8sc_validate_dns1123_label(k8sc_field_errors *errs, const char *field, const char *value);
K8SC_EXTERN int k8sc_validate_dns1123_subdomain(k8sc_field_errors *errs, const char *field, const char *value);
K8SC_EXTERN int k8sc_validate_dns1035_label(k8sc_field_errors *errs, const char *field, const char *value);
/* A qualified name ([prefix/]name), as label and annotation keys. */
K8SC_EXTERN int k8sc_validate_qualified_name(k8sc_field_errors *errs, const char *field, const char *value);
K8SC_EXTERN int k8sc_validate_label_value(k8sc_field_errors *errs, const char *field, const char *value);
/* A labels map: every key a qualified name, every value a label value. */
K8SC_EXTERN int k8sc_validate_labels(k8sc_field_errors *errs, const char *field, const struct json_object *labels);
/* An annotations map: keys qualified names (lower-cased), total size at most 256 KiB. */
K8SC_EXTERN int k8sc_validate_annotations(k8sc_field_errors *errs, const char *field, const struct json_object *annotations);

/* Which rule metadata.name must follow. */
typedef enum {
    K8SC_NAME_DNS1123_SUBDOMAIN = 0, /* most kinds */
    K8SC_NAME_DNS1123_LABEL = 1,     /* namespaces, ... */
    K8SC_NAME_DNS1035_LABEL = 2,     /* services */
    K8SC_NAME_PATH_SEGMENT = 3,      /* any name that is a valid path segment */
} k8sc_name_rule;

/*
 * ValidateObjectMeta: name or generateName required and valid under
 * `rule`, namespace required (and a DNS-1123 label) iff `namespaced`,
 * generation, labels, annotations, ownerReferences, finalizers and
 * managedFields well-formed. Kinds of built-in API groups (no dot, or
 * *.k8s.io) also get core validation's rule that a finalizer without '/'
 * be a standard one. A field of the wrong JSON type is reported as
 * schema validation words it.
 */
K8SC_EXTERN int k8sc_validate_object_meta(k8sc_field_errors *errs, const k8sc_object *obj,
    bool namespaced, k8sc_name_rule rule);

/* ---- CronJob schedules ------------------------------------------------------ */

/*
 * A CronJob's schedule is parsed as Kubernetes 1.32 does
 * (github.com/robfig/cron/v3 ParseStandard plus the CronJob validation
 * rules) and evaluated in an IANA time zone read from the system's
 * zoneinfo files, with robfig's local-wall-time rules on daylight-saving
 * days. Times are whole seconds since the Unix epoch; the supported range
 * is the years 1 to 9999. The API server validates schedules with it and
 * the CronJob controller runs them.
 */
/* A parsed CronJob schedule. Immutable, so any number of threads may use it. */
typedef struct k8sc_cron k8sc_cron;

/* How to parse a schedule. Strings are read during the call only. */
typedef struct k8sc_cron_options {
    unsigned int version;
    /*
     * spec.timeZone: an IANA zone name such as "Europe/Berlin" or "Etc/UTC",
     * checked as the CronJob validation does. NULL or "" (and "UTC") mean
     * UTC, which libk8sc takes as the controller's local zone.
     */
    const char *time_zone;
    /*
     * Accept a robfig "TZ=zone " or "CRON_TZ=zone " prefix in the schedule.
     * Kubernetes rejects any "TZ" in a schedule unless the stored object
     * already had one (an update); false gives the create-time rule. A
     * prefix naming "", "UTC" or "Local" means UTC.
     */
    bool allow_tz_in_schedule;
    /* Where the TZif files live. NULL: "/usr/share/zoneinfo". */
    const char *zoneinfo_dir;
} k8sc_cron_options;

#define K8SC_CRON_OPTIONS_VERSION 1
#define K8SC_CRON_OPTIONS_INIT { K8SC_CRON_OPTIONS_VERSION, NULL, false, NULL }

/* Fill `opts` with K8SC_CRON_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_cron_options_init(k8sc_cron_options *opts, unsigned int version);

/*
 * Parse a CronJob schedule: five fields (minute hour day-of-month month
 * day-of-week) with `*`, `?`, `a-b`, `a-b/n`, `a/n`, lists, JAN-DEC and
 * SUN-SAT (day-of-week runs 0-6, so 7 is an error), or one of @yearly
 * @annually @monthly @weekly @daily @midnight @hourly or "@every <Go
 * duration>" (whole seconds, at least one). `opts` may be NULL for the
 * defaults. The schedule belongs to the caller (k8sc_cron_free()).
 * Errors: EINVAL with robfig's or the validation's message ("expected
 * exactly 5 fields, found 6: [...]", "end of range (70) above maximum
 * (59): 0-70", "unknown time zone X", "cannot use TZ or CRON_TZ in
 * schedule, use timeZone field instead", ...), the first of: "TZ" in the
 * schedule, the time zone, the schedule (the apiserver lists them all);
 * ENOMEM.
 */
K8SC_EXTERN int k8sc_cron_parse(k8sc_cron **out, const char *spec, const k8sc_cron_options *opts);

/* Free a schedule. NULL is fine. */
K8SC_EXTERN void k8sc_cron_free(k8sc_cron *c);

/* The schedule's zone name ("UTC" when none was given); borrowed from `c`. */
K8SC_EXTERN const char *k8sc_cron_time_zone(const k8sc_cron *c);

/*
 * The first schedule time strictly after `after` into *out (robfig's
 * Schedule.Next). A time that does not exist on a spring-forward day
 * and a repeated one on a fall-back day resolve as Go's time.Date does.
 * Errors: ENOTFOUND when no time matches within five years of `after`
 * (robfig returns the zero time: "0 0 30 2 *" never fires); EINVAL for
 * NULL arguments or `after` outside the years 1-9999.
 */
K8SC_EXTERN int k8sc_cron_next(int64_t *out, const k8sc_cron *c, int64_t after);

/* How many start times were missed, as the CronJob controller classifies them. */
typedef enum {
    K8SC_CRON_NONE_MISSED = 0, /* at most one start time is due */
    K8SC_CRON_FEW_MISSED = 1,  /* two to 100 */
    K8SC_CRON_MANY_MISSED = 2  /* more than 100: "too many missed start times" */
} k8sc_cron_missed_kind;

/* What k8sc_cron_most_recent() finds. */
typedef struct k8sc_cron_schedule_times {
    /* The time counted from: `earliest`, moved up to now - startingDeadlineSeconds. */
    int64_t earliest;
    /* Whether a start time is due, and the latest one at or before now. */
    bool has_most_recent;
    int64_t most_recent;
    /*
     * The controller's estimate of the start times due in (earliest, now]:
     * 0 or 1 exactly, from 2 on (now - t1) / (t2 - t1) + 1 with t1, t2 the
     * first two start times after earliest.
     */
    int64_t missed;
    k8sc_cron_missed_kind missed_kind;
    /*
     * Where the controller requeues the CronJob (nextScheduleTimeDuration):
     * the start time after most_recent; with none, the first one after
     * earliest, or after now if start times were missed all the same (the
     * estimate overshot).
     */
    int64_t next;
} k8sc_cron_schedule_times;

/*
 * The CronJob controller's mostRecentScheduleTime and the requeue time of
 * nextScheduleTimeDuration (without its 100 ms pad). `earliest` is
 * status.lastScheduleTime, or the creation time if it has none;
 * `starting_deadline_seconds` is spec.startingDeadlineSeconds, negative
 * for none. Errors: EINVAL for NULL arguments, times outside the years
 * 1-9999, or a schedule whose first two start times after earliest are
 * less than a second apart or never come ("time difference between two
 * schedules is less than 1 second"; the controller then requeues at
 * k8sc_cron_next() of now); ENOTFOUND if the next start time is more than
 * five years away. The arithmetic is exact where Go's
 * time.Duration would overflow (now more than 292 years past earliest).
 */
K8SC_EXTERN int k8sc_cron_most_recent(k8sc_cron_schedule_times *out, const k8sc_cron *c, int64_t earliest,
                                      int64_t now, int64_t starting_deadline_seconds);

#ifdef __cplusplus
}
#endif
#endif
