/*
 * Internals of the YAML codec: scalar typing shared by the reader and the
 * writer (so that what the writer leaves plain is exactly what the reader
 * types as a string), and a reader with a lower node budget for fuzzing.
 */
#ifndef K8SC_YAML_INTERNAL_H
#define K8SC_YAML_INTERNAL_H

#include "codec_internal.h"

/* The explicit tag of a scalar, as far as typing cares. */
typedef enum {
    K8SC__YTAG_NONE,  /* untagged plain scalar: resolved from its text */
    K8SC__YTAG_STR,
    K8SC__YTAG_BOOL,
    K8SC__YTAG_INT,
    K8SC__YTAG_FLOAT,
    K8SC__YTAG_NULL,
    K8SC__YTAG_TIMESTAMP,
    K8SC__YTAG_BINARY,
    K8SC__YTAG_OTHER, /* "!", local and unknown tags: the text as a string */
} k8sc__ytag;

/* What go-yaml v2's resolve() makes of a scalar. */
typedef enum {
    K8SC__YVAL_STR,
    K8SC__YVAL_NULL,
    K8SC__YVAL_BOOL,
    K8SC__YVAL_INT,   /* fits int64 */
    K8SC__YVAL_UINT,  /* above INT64_MAX, fits uint64 */
    K8SC__YVAL_FLOAT,
    K8SC__YVAL_TIMESTAMP, /* decodes to its text, like a string */
} k8sc__yval_kind;

typedef struct {
    k8sc__yval_kind kind;
    bool b;
    int64_t i;
    uint64_t u;
    double f;
} k8sc__yval;

/* The tag a libyaml tag string stands for (NULL: none). */
k8sc__ytag k8sc__yaml_tag(const char *tag);

/*
 * Type scalar text `s` (`len` bytes) carrying `tag` as go-yaml v2 does.
 * Returns 0, K8SC_ENOMEM, or K8SC_EINVAL with `problem` (size `psize`)
 * saying why the text does not fit the tag. BINARY and OTHER give STR:
 * base64 decoding is the caller's business.
 */
int k8sc__yaml_resolve(k8sc__yval *out, k8sc__ytag tag, const char *s, size_t len, char *problem, size_t psize);

/* Whether go-yaml's encoder quotes `s` as a YAML 1.1 sexagesimal number ("1:20"). */
bool k8sc__yaml_is_base60_float(const char *s, size_t len);

/* Whether `s` is valid UTF-8 (no surrogates, overlongs or values above U+10FFFF). */
bool k8sc__yaml_valid_utf8(const char *s, size_t len);

/*
 * Go's strconv.FormatFloat(d, 'g', -1, 32) with go-yaml's spelling of the
 * specials (.inf, -.inf, .nan): how sigs.k8s.io/yaml turns float keys into
 * strings. `buf` holds K8SC__DOUBLE_BUFSIZE bytes.
 */
void k8sc__yaml_format_float32(char *buf, size_t size, double d);

/*
 * The integer Go's encoding/json writes for float `d` (shortest digits,
 * zero-padded: 4611686018427387904.0 becomes 4611686018427388000), when
 * `d` is whole, written without exponent and fits int64. How a YAML
 * `replicas: 1.0` reaches the server as the integer 1.
 */
bool k8sc__yaml_json_int(double d, int64_t *out);

/* go-yaml v2's map key order (digit runs numerically, non-letters first): <0, 0, >0. */
int k8sc__yaml_key_cmp(const char *a, const char *b);

/* A reader whose documents may expand to at most `max_nodes` nodes. */
int k8sc__yaml_reader_new_limited(k8sc_yaml_reader **out, const char *buf, size_t len, size_t max_nodes);

#endif
