/*
 * libk8sc codecs: JSON (json-c) and YAML (libyaml) to and from JSON trees
 * and objects, and manifest streams.
 *
 * Limits, applied to every decoder: nesting deeper than
 * K8SC_CODEC_MAX_DEPTH, an input larger than K8SC_CODEC_MAX_INPUT bytes, or
 * a YAML document whose aliases expand beyond K8SC_CODEC_MAX_NODES nodes
 * (or, as go-yaml refuses, past 400,000 nodes mostly from aliases) is
 * refused with K8SC_ERANGE. Malformed input gives K8SC_EINVAL with a message
 * naming the line, column and problem.
 */
#ifndef K8SC_CODEC_H
#define K8SC_CODEC_H

#include "object.h"

#ifdef __cplusplus
extern "C" {
#endif

#define K8SC_CODEC_MAX_DEPTH 256
#define K8SC_CODEC_MAX_INPUT (256u * 1024u * 1024u)
#define K8SC_CODEC_MAX_NODES 10000000u

/* Encoding flags. */
enum {
    K8SC_ENCODE_PRETTY = 1 << 0,    /* JSON: indented like `kubectl -o json` (4 spaces) */
    K8SC_ENCODE_K8S_ORDER = 1 << 1, /* apiVersion, kind, metadata, spec, status first, then the rest in stored order */
    K8SC_ENCODE_NEWLINE = 1 << 2,   /* JSON: end with a newline */
    K8SC_ENCODE_SORT_KEYS = 1 << 3, /* every map's keys sorted bytewise, as kubectl prints objects */
};

/*
 * Parse one JSON value from `buf` (`len` bytes; need not be NUL-terminated).
 * Trailing non-space bytes are an error. The tree is the caller's
 * (json_object_put).
 */
K8SC_EXTERN int k8sc_json_parse(struct json_object **out, const char *buf, size_t len);

/*
 * Serialize a JSON tree. `*out` is NUL-terminated and the caller's
 * (k8sc_free); `out_len` (may be NULL) receives its length.
 */
K8SC_EXTERN int k8sc_json_encode(char **out, size_t *out_len, const struct json_object *value, unsigned flags);

/*
 * Parse a single-document YAML (or JSON, which is YAML) text into a JSON
 * tree with the typing kubectl applies to manifests (sigs.k8s.io/yaml over
 * go-yaml v2, YAML 1.1 style): plain y/Y/yes/Yes/YES/n/N/no/No/NO,
 * true/True/TRUE, false/False/FALSE, on/On/ON, off/Off/OFF are booleans;
 * `~`, null/Null/NULL and empty are null; integers (decimal, 0b, 0o, 0x or
 * leading-0 octal, '_' ignored) are int64, doubles beyond (uint64 with an
 * explicit !!int); floats are doubles, except that a whole untagged float
 * becomes the integer kubectl sends (`1.0`, `1e3`: 1, 1000); .inf and .nan
 * are refused (EINVAL), as JSON cannot carry them; timestamps and quoted
 * scalars stay strings; tags (!!str, !!int, !!float, !!bool, !!null,
 * !!binary) are honoured. Keys become strings (`1.5:` "1.5", `yes:`
 * "true"); a null or uint64 key is EINVAL; a repeated key keeps its last
 * value. Merge keys (`<<`) and aliases expand into copies. The tree is
 * the caller's (json_object_put); JSON null, for an empty text or
 * document, is a NULL `*out`. EINVAL if several documents are not empty.
 */
K8SC_EXTERN int k8sc_yaml_parse(struct json_object **out, const char *buf, size_t len);

/* A reader over a multi-document YAML stream. */
typedef struct k8sc_yaml_reader k8sc_yaml_reader;

/* A reader over `len` bytes of `buf`, which must outlive the reader. */
K8SC_EXTERN int k8sc_yaml_reader_new(k8sc_yaml_reader **out, const char *buf, size_t len);

/*
 * The next document, typed as k8sc_yaml_parse does: 1 with `*out` set
 * (the caller's; NULL, JSON null, for an empty document), 0 at the end of
 * the stream, or a negative error; after an error every call returns it
 * again.
 */
K8SC_EXTERN int k8sc_yaml_reader_next(k8sc_yaml_reader *reader, struct json_object **out);

/* The 1-based line where the last returned document started. */
K8SC_EXTERN size_t k8sc_yaml_reader_line(const k8sc_yaml_reader *reader);

/* Free a reader (not the buffer it reads). NULL is fine. */
K8SC_EXTERN void k8sc_yaml_reader_free(k8sc_yaml_reader *reader);

/*
 * Serialize a JSON tree as block-style YAML, as `kubectl -o yaml` prints:
 * two-space indentation, list items at their parent's indentation,
 * strings that would read back as another type (or need escaping) quoted,
 * multi-line strings as literal blocks where that round-trips, long
 * strings folded at 80 columns, invalid UTF-8 as !!binary.
 * K8SC_ENCODE_K8S_ORDER puts apiVersion/kind/metadata/spec/status first;
 * K8SC_ENCODE_SORT_KEYS sorts keys in go-yaml's order, which `kubectl -o
 * yaml` shows (digit runs compared as numbers: "a2" before "a10"). Reading
 * the text back with k8sc_yaml_parse gives an equal tree: to keep that, a
 * whole-number double is written `!!float 3`, a uint64 above INT64_MAX
 * `!!int`, and a key "<<" is quoted.
 * NaN and infinities are EINVAL. `*out` is the caller's (k8sc_free).
 */
K8SC_EXTERN int k8sc_yaml_encode(char **out, size_t *out_len, const struct json_object *value, unsigned flags);

/*
 * Decode a manifest stream as `kubectl create -f` reads one: JSON (one or
 * more concatenated values) or multi-document YAML, detected from the
 * content; empty documents skipped; `kind: List` (and any *List with
 * items) expanded into its items. Every document must be an object with
 * apiVersion and kind, else EINVAL naming the document. `*out` is an array
 * of `*count` objects, freed with k8sc_objects_free().
 */
K8SC_EXTERN int k8sc_manifest_decode(k8sc_object ***out, size_t *count, const char *buf, size_t len);

/* Free an array returned by k8sc_manifest_decode and its objects. */
K8SC_EXTERN void k8sc_objects_free(k8sc_object **objs, size_t count);

/* Decode one JSON object text into an object (EINVAL if not a JSON object). */
K8SC_EXTERN int k8sc_object_from_json(k8sc_object **out, const char *buf, size_t len);

/* Encode an object as JSON (see k8sc_json_encode). */
K8SC_EXTERN int k8sc_object_to_json(char **out, size_t *out_len, const k8sc_object *obj, unsigned flags);

/* Encode an object as YAML (see k8sc_yaml_encode). */
K8SC_EXTERN int k8sc_object_to_yaml(char **out, size_t *out_len, const k8sc_object *obj, unsigned flags);

/* ---- Patches ----------------------------------------------------------- */

/*
 * The patch engine behind PATCH requests (`kubectl patch`, `apply`,
 * `edit`, `scale`...) and behind client-side apply.
 *
 * Common rules: inputs are never modified; every `*out` is a new,
 * unshared JSON tree the caller frees with json_object_put() (a NULL
 * `*out` is JSON null), and is NULL after an error. A NULL input is JSON
 * null. Inputs nesting deeper than K8SC_CODEC_MAX_DEPTH, and results that
 * would, give K8SC_ERANGE. Malformed patches give K8SC_EINVAL with a
 * message naming where and what, in Kubernetes' words where it has some
 * (e.g. `unknown patch type: foo in map: {"$patch":"foo"}`).
 */

/* The patch formats of a PATCH request. */
typedef enum {
    K8SC_PATCH_JSON = 0,      /* RFC 6902 JSON patch: application/json-patch+json */
    K8SC_PATCH_MERGE = 1,     /* RFC 7386 JSON merge patch: application/merge-patch+json */
    K8SC_PATCH_STRATEGIC = 2, /* strategic merge patch: application/strategic-merge-patch+json */
} k8sc_patch_type;

/* The media type of `type` (a static string), or NULL for an unknown value. */
K8SC_EXTERN const char *k8sc_patch_content_type(k8sc_patch_type type);

/*
 * The patch type of a Content-Type header value (case-insensitive,
 * parameters after ';' ignored). EINVAL for any other media type,
 * including server-side apply's application/apply-patch+yaml, which this
 * engine does not implement; an API server answers 415 to those.
 */
K8SC_EXTERN int k8sc_patch_type_parse(k8sc_patch_type *out, const char *content_type);

/*
 * Apply an RFC 7386 JSON merge patch: objects in `patch` merge into
 * `original` key by key, a null value deletes the key, anything else
 * (arrays included) replaces. Null members inside added values are
 * dropped, inside arrays of objects too, as Kubernetes does. A patch that
 * is not an object is the result (JSON null gives NULL).
 */
K8SC_EXTERN int k8sc_patch_merge_apply(struct json_object **out, const struct json_object *original,
    const struct json_object *patch);

/*
 * Create the JSON merge patch that turns `original` into `modified`:
 * changed and added keys, null for removed ones, arrays whole, `{}` when
 * nothing changed; `modified` itself when either is not an object.
 * Applying it to `original` gives `modified` unless `modified` holds null
 * members, which a merge patch cannot express.
 */
K8SC_EXTERN int k8sc_patch_merge_create(struct json_object **out, const struct json_object *original,
    const struct json_object *modified);

/*
 * Apply an RFC 6902 JSON patch: `ops` is an array of operations (add,
 * remove, replace, move, copy, test) with RFC 6901 pointers ("~1" is '/',
 * "~0" is '~', "-" appends to an array). Operations apply in order to a
 * copy of `original`; the first one that fails stops with EINVAL naming
 * its 0-based index, op and path, e.g. `jsonpatch: operation 2 (remove
 * /spec/x): path not found: /spec/x`. As in Kubernetes, `replace` of a
 * missing member of an existing object adds it. More than 10,000
 * operations, or copies adding up to over 1,000,000 values, give ERANGE.
 */
K8SC_EXTERN int k8sc_patch_json_apply(struct json_object **out, const struct json_object *original,
    const struct json_object *ops);

/*
 * Whether apiVersion/kind is a built-in kind with strategic merge patch
 * metadata. Kubernetes accepts strategic merge patches only for those;
 * for others (custom resources) it answers 415 Unsupported Media Type.
 */
K8SC_EXTERN bool k8sc_patch_strategic_supported(const char *api_version, const char *kind);

/*
 * Apply a strategic merge patch as the Kubernetes API server does
 * (k8s.io/apimachinery strategicpatch): maps merge recursively, null
 * deletes a key, lists whose Go field has patchStrategy "merge" merge by
 * their patchMergeKey (containers by name, ports by containerPort,
 * conditions by type...) or as sets (finalizers), other lists are
 * replaced; the directives `$patch: replace` and `$patch: delete` (in maps
 * and list entries; `merge` is refused, as by Kubernetes), `$retainKeys`,
 * `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>` are
 * honoured and never reach the result. `original` and `patch` must be
 * objects (NULL is {}). `api_version`/`kind` choose the metadata; NULL
 * takes them from `original`. ENOTFOUND, and only for this reason, when
 * the kind has none (see k8sc_patch_strategic_supported): map it to 415.
 */
K8SC_EXTERN int k8sc_patch_strategic_apply(struct json_object **out, const struct json_object *original,
    const struct json_object *patch, const char *api_version, const char *kind);

/*
 * Create the patch that turns `original` into `modified`, as kubectl
 * does for edit, label or set: a strategic merge patch (with
 * `$setElementOrder` lists, `$patch: delete` entries and
 * `$deleteFromPrimitiveList` lists) for built-in kinds, a JSON merge
 * patch for others. `*type` (may be NULL) says which was made.
 * `api_version`/`kind` NULL: taken from `modified`, else `original`.
 */
K8SC_EXTERN int k8sc_patch_strategic_create_two_way(struct json_object **out, k8sc_patch_type *type,
    const struct json_object *original, const struct json_object *modified,
    const char *api_version, const char *kind);

/*
 * Create what `kubectl apply` (client-side) sends: `original` is the
 * last-applied configuration (NULL if none), `modified` the new manifest
 * (with its new last-applied annotation), `current` the live object.
 * Additions and changes come from current→modified, deletions (null,
 * `$patch: delete`, `$deleteFromPrimitiveList`) only from
 * original→modified, so fields the server or other clients set survive.
 * Built-in kinds get a strategic merge patch identical to kubectl 1.32's
 * (encode it with K8SC_ENCODE_SORT_KEYS for the same bytes), other kinds
 * the three-way JSON merge patch kubectl sends for custom resources;
 * `*type` (may be NULL) says which. `{}` means nothing to send. Changes
 * made by others are overwritten, as with kubectl's default --overwrite.
 * `api_version`/`kind` NULL: taken from `modified`, else `current`.
 */
K8SC_EXTERN int k8sc_patch_strategic_create_three_way(struct json_object **out, k8sc_patch_type *type,
    const struct json_object *original, const struct json_object *modified,
    const struct json_object *current, const char *api_version, const char *kind);

/*
 * Apply a patch of any type, as an API server's PATCH handler does;
 * `api_version`/`kind` are used for strategic merge patches only (see
 * k8sc_patch_strategic_apply, including its ENOTFOUND).
 */
K8SC_EXTERN int k8sc_patch_apply(struct json_object **out, k8sc_patch_type type,
    const struct json_object *original, const struct json_object *patch,
    const char *api_version, const char *kind);

/* ---- Protobuf ---------------------------------------------------------- */

/*
 * Decode a Kubernetes protobuf body (application/vnd.kubernetes.protobuf:
 * the magic "k8s\0" and a runtime.Unknown envelope around the kind's
 * generated message) into the JSON object the JSON encoding of the same
 * object would give: apiVersion and kind first, zero-valued non-pointer
 * fields left out as omitempty does, bytes as base64, times as RFC 3339,
 * quantities and IntOrString as their JSON forms. Fields the tables do not
 * know are skipped. The tree is the caller's (json_object_put).
 * Errors: EINVAL naming the byte offset for malformed input, ENOTFOUND
 * for a kind without a schema (see k8sc_protobuf_known), ERANGE past the
 * size or nesting limits.
 */
K8SC_EXTERN int k8sc_protobuf_decode(struct json_object **out, const void *buf, size_t len);

/* True if k8sc_protobuf_decode has a schema for `api_version`/`kind` ("apps/v1", "Deployment"). */
K8SC_EXTERN bool k8sc_protobuf_known(const char *api_version, const char *kind);

#ifdef __cplusplus
}
#endif
#endif
