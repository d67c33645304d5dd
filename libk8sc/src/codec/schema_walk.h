/*
 * Built-in kinds' field names, from the protobuf schema tables: the
 * unknown fields of an object (what fieldValidation reports and typed
 * decoding drops) and the duplicate keys of a JSON body.
 */
#ifndef K8SC_SCHEMA_WALK_H
#define K8SC_SCHEMA_WALK_H

#include "codec/protobuf_internal.h"
#include "internal.h"

#include <json-c/json.h>

enum {
    K8SC__WALK_PRUNE = 1 << 0, /* remove the unknown fields found */
    K8SC__WALK_PATCH = 1 << 1, /* a merge or strategic merge patch: `$` directives are not fields */
};

/* The tables' kinds, all groups together: entry `i` (static), or NULL past the last. */
const k8sc__pb_kind_entry *k8sc__schema_kind_at(size_t i);

/* True if the tables describe `api_version`/`kind` ("apps/v1", "Deployment"). */
bool k8sc__schema_known(const char *api_version, const char *kind);

/*
 * Walk object `root` of the kind against its table: the path of each
 * unknown field ("spec.foo", "spec.containers[0].bar") is appended to the
 * JSON array `unknown` (may be NULL), in document order. Messages the
 * tables mark open accept any key. With PRUNE, creationTimestamp: null
 * (Go's zero Time) goes too. 0, ENOTFOUND for a kind without a
 * table, ENOMEM.
 */
int k8sc__schema_unknown(struct json_object *root, const char *api_version, const char *kind, unsigned flags,
    struct json_object *unknown);

/*
 * The keys JSON `text` repeats within one object, as paths
 * ("metadata.name", "spec.containers[0].image"), appended to the array
 * `out`. Malformed text ends the scan early (the decoder reports it).
 * 0 or ENOMEM.
 */
int k8sc__json_duplicates(const char *text, size_t len, struct json_object *out);

#endif
