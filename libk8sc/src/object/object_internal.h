/* Internal helpers of the object module. */
#ifndef K8SC_OBJECT_INTERNAL_H
#define K8SC_OBJECT_INTERNAL_H

#include "internal.h"
#include "k8sc/object.h"

#include <json-c/json.h>

/* The member `key` of JSON object `obj`, or NULL (also when obj is not an object). */
struct json_object *k8sc__json_member(const struct json_object *obj, const char *key);

/* The string member `key`, borrowed, or NULL if absent or not a string. */
const char *k8sc__json_string(const struct json_object *obj, const char *key);

/* The member `key` of `obj`, created as an empty JSON object if missing. NULL on ENOMEM or if not an object. */
struct json_object *k8sc__json_ensure_map(struct json_object *obj, const char *key);

/* metadata of an object, or NULL. */
struct json_object *k8sc__object_metadata(const k8sc_object *obj);

/* Register the built-in Kubernetes kinds (registry_builtin.c). */
int k8sc__registry_add_builtins(k8sc_registry *reg);

#endif
