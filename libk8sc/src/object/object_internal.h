/* Internal helpers of the object module. */
#ifndef K8SC_OBJECT_INTERNAL_H
#define K8SC_OBJECT_INTERNAL_H

#include "internal.h"
#include "k8sc/object.h"

#include <json-c/json.h>



/* The member `key` of `obj`, created as an empty JSON object if missing. NULL on ENOMEM or if not an object. */
struct json_object *k8sc__json_ensure_map(struct json_object *obj, const char *key);

/* metadata of an object, or NULL. */
struct json_object *k8sc__object_metadata(const k8sc_object *obj);

/*
 * Record EINVAL for a parse error as `<what> "<text>": at position N: <message>`,
 * the text Go-quoted and cut to 120 bytes. Returns K8SC_EINVAL (or ENOMEM).
 */
int k8sc__syntax_error(const char *what, const char *text, size_t len, size_t pos, const char *fmt, va_list ap);

/* Append `p` Go-quoted, cut to `max` bytes with "..." after. */
void k8sc__put_quoted_cut(k8sc__buf *b, const char *p, size_t len, size_t max);

/* Register the built-in Kubernetes kinds (registry_builtin.c). */
int k8sc__registry_add_builtins(k8sc_registry *reg);

#endif
