/*
 * YAML encoding as `kubectl -o yaml` prints: go-yaml v2's encoder choices
 * (which scalars must be quoted, literal blocks for multi-line strings,
 * !!binary for invalid UTF-8, its key order) driving libyaml's emitter,
 * of which go-yaml's is a line-by-line port, so the layout (compact
 * sequences, 80-column folding, quoting fallbacks) comes out the same.
 *
 * Where go-yaml's output would not read back as the same JSON tree, this
 * writer departs from it: a key "<<" is quoted (plain, it would be a merge
 * key), a whole-number double is tagged !!float (plain, it would read
 * back as an integer) and a uint64 above INT64_MAX !!int (plain, it would
 * read back as a float, as kubectl reads it).
 */
#include "yaml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define FLOAT_TAG "tag:yaml.org,2002:float"
#define INT_TAG "tag:yaml.org,2002:int"
#define BINARY_TAG "tag:yaml.org,2002:binary"

typedef struct {
    yaml_emitter_t emitter;
    k8sc__buf out;
    unsigned flags;
} writer;

static int write_out(void *data, unsigned char *buffer, size_t size)
{
    k8sc__buf *b = data;
    return k8sc__buf_put(b, (const char *)buffer, size) == 0;
}

static int emit(writer *w, yaml_event_t *ev)
{
    if (yaml_emitter_emit(&w->emitter, ev))
        return 0;
    if (k8sc__buf_status(&w->out) || w->emitter.error == YAML_MEMORY_ERROR)
        return k8sc__error_nomem();
    return k8sc_error_set(K8SC_EINVAL, "yaml: %s", w->emitter.problem ? w->emitter.problem : "cannot emit YAML");
}

static int emit_scalar(writer *w, const char *tag, const char *value, size_t len, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    int implicit = tag == NULL;
    if (len > INT32_MAX)
        return k8sc_error_set(K8SC_ERANGE, "yaml: string of %zu bytes is too large", len);
    if (!yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)tag, (yaml_char_t *)value, (int)len, implicit,
            implicit, style))
        return k8sc__error_nomem();
    return emit(w, &ev);
}

/* go-yaml's stringv: plain unless the text would read back as something else. */
static int emit_string(writer *w, const char *s, size_t len, bool is_key)
{
    if (!k8sc__yaml_valid_utf8(s, len)) {
        k8sc__buf b64 = K8SC__BUF_INIT;
        k8sc__base64_encode(&b64, s, len, 70);
        k8sc__buf_putc(&b64, '\0');
        int rc = k8sc__buf_status(&b64);
        if (rc == 0) {
            size_t n = b64.len - 1;
            rc = emit_scalar(w, BINARY_TAG, b64.ptr, n,
                memchr(b64.ptr, '\n', n) ? YAML_LITERAL_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE);
        }
        k8sc__buf_free(&b64);
        return rc;
    }
    k8sc__yval v;
    char problem[8];
    int rc = k8sc__yaml_resolve(&v, K8SC__YTAG_NONE, s, len, problem, sizeof(problem));
    if (rc)
        return rc;
    bool plain = v.kind == K8SC__YVAL_STR && !k8sc__yaml_is_base60_float(s, len);
    if (is_key && len == 2 && memcmp(s, "<<", 2) == 0)
        plain = false;
    yaml_scalar_style_t style = memchr(s, '\n', len) ? YAML_LITERAL_SCALAR_STYLE
        : plain                                      ? YAML_PLAIN_SCALAR_STYLE
                                                     : YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    return emit_scalar(w, NULL, s, len, style);
}

static int emit_double(writer *w, double d)
{
    if (isnan(d))
        return k8sc_error_set(K8SC_EINVAL, "yaml: unsupported value: NaN");
    if (isinf(d))
        return k8sc_error_set(K8SC_EINVAL, "yaml: unsupported value: %cInf", d < 0 ? '-' : '+');
    char text[K8SC__DOUBLE_BUFSIZE];
    k8sc__format_double(text, sizeof(text), d, 'g');
    int64_t as_int;
    bool whole = k8sc__yaml_json_int(d, &as_int); /* what the reader would turn into an integer */
    return emit_scalar(w, whole ? FLOAT_TAG : NULL, text, strlen(text), YAML_PLAIN_SCALAR_STYLE);
}

static bool is_k8s_first(const char *key)
{
    static const char *const first[] = { "apiVersion", "kind", "metadata", "spec", "status" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(first); i++)
        if (strcmp(key, first[i]) == 0)
            return true;
    return false;
}

static int cmp_keys(const void *a, const void *b)
{
    return k8sc__yaml_key_cmp(*(const char *const *)a, *(const char *const *)b);
}

static int emit_value(writer *w, struct json_object *v, int depth);

static int emit_mapping(writer *w, struct json_object *v, int depth)
{
    yaml_event_t ev;
    size_t n = (size_t)json_object_object_length(v);
    const char **keys = k8sc__malloc((n ? n : 1) * sizeof(*keys));
    if (!keys)
        return K8SC_ENOMEM;
    n = k8sc__object_keys(v, w->flags & ~(unsigned)K8SC_ENCODE_SORT_KEYS, keys);
    if (w->flags & K8SC_ENCODE_SORT_KEYS) {
        /* kubectl's order is go-yaml's, not bytewise: "a2" before "a10", "_x" before "A". */
        size_t first = 0;
        if (w->flags & K8SC_ENCODE_K8S_ORDER)
            while (first < n && is_k8s_first(keys[first]))
                first++;
        qsort(keys + first, n - first, sizeof(*keys), cmp_keys);
    }
    int rc = 0;
    if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE))
        rc = k8sc__error_nomem();
    else
        rc = emit(w, &ev);
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct json_object *child = NULL;
        json_object_object_get_ex(v, keys[i], &child);
        rc = emit_string(w, keys[i], strlen(keys[i]), true);
        if (rc == 0)
            rc = emit_value(w, child, depth + 1);
    }
    free(keys);
    if (rc)
        return rc;
    yaml_mapping_end_event_initialize(&ev);
    return emit(w, &ev);
}

static int emit_sequence(writer *w, struct json_object *v, int depth)
{
    yaml_event_t ev;
    if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE))
        return k8sc__error_nomem();
    int rc = emit(w, &ev);
    size_t n = json_object_array_length(v);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = emit_value(w, json_object_array_get_idx(v, i), depth + 1);
    if (rc)
        return rc;
    yaml_sequence_end_event_initialize(&ev);
    return emit(w, &ev);
}

static int emit_value(writer *w, struct json_object *v, int depth)
{
    char num[32];
    switch (json_object_get_type(v)) {
    case json_type_null:
        return emit_scalar(w, NULL, "null", 4, YAML_PLAIN_SCALAR_STYLE);
    case json_type_boolean:
        return json_object_get_boolean(v) ? emit_scalar(w, NULL, "true", 4, YAML_PLAIN_SCALAR_STYLE)
                                          : emit_scalar(w, NULL, "false", 5, YAML_PLAIN_SCALAR_STYLE);
    case json_type_int:
        /* json-c keeps integers above INT64_MAX as uint64; plain, those would read back as floats. */
        if (json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX) {
            snprintf(num, sizeof(num), "%llu", (unsigned long long)json_object_get_uint64(v));
            return emit_scalar(w, INT_TAG, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
        }
        snprintf(num, sizeof(num), "%lld", (long long)json_object_get_int64(v));
        return emit_scalar(w, NULL, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
    case json_type_double:
        return emit_double(w, json_object_get_double(v));
    case json_type_string:
        return emit_string(w, json_object_get_string(v), (size_t)json_object_get_string_len(v), false);
    case json_type_object:
    case json_type_array:
        if (depth >= K8SC_CODEC_MAX_DEPTH)
            return k8sc_error_set(K8SC_ERANGE, "yaml: nesting deeper than %d", K8SC_CODEC_MAX_DEPTH);
        return json_object_is_type(v, json_type_object) ? emit_mapping(w, v, depth) : emit_sequence(w, v, depth);
    }
    return k8sc_error_set(K8SC_EINVAL, "yaml: unknown value type");
}

static int emit_document(writer *w, const struct json_object *value)
{
    yaml_event_t ev;
    if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING))
        return k8sc__error_nomem();
    int rc = emit(w, &ev);
    if (rc == 0 && !yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1))
        rc = k8sc__error_nomem();
    else if (rc == 0)
        rc = emit(w, &ev);
    if (rc == 0)
        rc = emit_value(w, (struct json_object *)value, 0);
    if (rc == 0 && !yaml_document_end_event_initialize(&ev, 1))
        rc = k8sc__error_nomem();
    else if (rc == 0)
        rc = emit(w, &ev);
    /*
     * libyaml marks the stream "open ended" after a kept-trailing-newlines
     * block scalar and would close it with "..."; go-yaml clears the flag
     * first, and the marker adds nothing for a single document.
     */
    w->emitter.open_ended = 0;
    if (rc == 0 && !yaml_stream_end_event_initialize(&ev))
        rc = k8sc__error_nomem();
    else if (rc == 0)
        rc = emit(w, &ev);
    return rc;
}

int k8sc_yaml_encode(char **out, size_t *out_len, const struct json_object *value, unsigned flags)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    writer w;
    memset(&w, 0, sizeof(w));
    w.flags = flags;
    if (!yaml_emitter_initialize(&w.emitter))
        return k8sc__error_nomem();
    yaml_emitter_set_output(&w.emitter, write_out, &w.out);
    yaml_emitter_set_unicode(&w.emitter, 1);
    int rc = emit_document(&w, value);
    yaml_emitter_delete(&w.emitter);
    if (rc == 0)
        rc = k8sc__buf_status(&w.out);
    if (rc) {
        k8sc__buf_free(&w.out);
        return rc;
    }
    *out = k8sc__buf_detach(&w.out, out_len);
    return *out ? 0 : K8SC_ENOMEM;
}

int k8sc_object_to_yaml(char **out, size_t *out_len, const k8sc_object *obj, unsigned flags)
{
    K8SC__CHECK_ARG(out && obj);
    return k8sc_yaml_encode(out, out_len, k8sc_object_json(obj), flags);
}
