/* Internal helpers shared by the JSON and YAML codecs. */
#ifndef K8SC_CODEC_INTERNAL_H
#define K8SC_CODEC_INTERNAL_H

#include "internal.h"
#include "k8sc/codec.h"
#include "object/object_internal.h"

#include <json-c/json.h>

/*
 * The keys of JSON object `obj` in output order: with K8SC_ENCODE_K8S_ORDER,
 * apiVersion, kind, metadata, spec, status first (those present), then the
 * rest; the rest sorted bytewise with K8SC_ENCODE_SORT_KEYS, else in
 * stored order. `keys` must hold
 * json_object_object_length(obj) entries; returns how many were written.
 * The strings are borrowed from `obj`.
 */
size_t k8sc__object_keys(const struct json_object *obj, unsigned flags, const char **keys);

#endif

/*
 * Parse a stream of concatenated JSON values, calling `fn` with each
 * (ownership passes to fn; NULL for a JSON null) and the line it starts on.
 * A non-zero return from fn stops and is returned.
 */
int k8sc__json_parse_stream(const char *buf, size_t len,
    int (*fn)(struct json_object *doc, size_t line, void *userdata), void *userdata);
