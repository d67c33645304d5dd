/*
 * libk8sc codecs: JSON (json-c) and YAML (libyaml) to and from JSON trees
 * and objects, and manifest streams.
 *
 * Limits, applied to every decoder: nesting deeper than
 * K8SC_CODEC_MAX_DEPTH, an input larger than K8SC_CODEC_MAX_INPUT bytes, or
 * a YAML document whose aliases expand beyond K8SC_CODEC_MAX_NODES nodes is
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
 * tree with the typing kubectl applies to manifests (sigs.k8s.io/yaml,
 * YAML 1.1 style): plain `true/false/yes/no/on/off/y/n` (any case form
 * Go's yaml.v2 accepts) are booleans, `null`/`~`/empty are null, integers
 * (decimal, 0x, 0o/0 octal, with '_') and floats (.inf, .nan) are
 * numbers; quoted scalars are strings; keys become strings. An empty
 * document yields JSON null. EINVAL if the text holds several documents.
 */
K8SC_EXTERN int k8sc_yaml_parse(struct json_object **out, const char *buf, size_t len);

/* A reader over a multi-document YAML stream. */
typedef struct k8sc_yaml_reader k8sc_yaml_reader;

/* A reader over `len` bytes of `buf`, which must outlive the reader. */
K8SC_EXTERN int k8sc_yaml_reader_new(k8sc_yaml_reader **out, const char *buf, size_t len);

/*
 * The next document: 1 with `*out` set (JSON null for an empty document),
 * 0 at the end of the stream, or a negative error (the reader is then
 * finished).
 */
K8SC_EXTERN int k8sc_yaml_reader_next(k8sc_yaml_reader *reader, struct json_object **out);

/* The 1-based line where the last returned document started. */
K8SC_EXTERN size_t k8sc_yaml_reader_line(const k8sc_yaml_reader *reader);

K8SC_EXTERN void k8sc_yaml_reader_free(k8sc_yaml_reader *reader);

/*
 * Serialize a JSON tree as block-style YAML, as `kubectl -o yaml` prints:
 * two-space indentation, list items at their parent's indentation,
 * strings that would read back as another type (or need escaping) quoted,
 * multi-line strings as literal blocks where that round-trips.
 * K8SC_ENCODE_K8S_ORDER puts apiVersion/kind/metadata/spec/status first;
 * K8SC_ENCODE_SORT_KEYS sorts keys (what `kubectl -o yaml` shows).
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

#ifdef __cplusplus
}
#endif
#endif
