/* Shared between field_errors.c and validation.c; never installed. */
#ifndef K8SC_VALIDATION_INTERNAL_H
#define K8SC_VALIDATION_INTERNAL_H

#include "internal.h"
#include "k8sc/object.h"

/*
 * Append an error whose bad value is already rendered the way Kubernetes
 * prints it (`value` NULL: no value). For values whose Go type matters to
 * the wording (e.g. a []string printed as `[]string{"a", "b"}`), which a
 * JSON value alone cannot tell.
 */
int k8sc__field_errors_add_rendered(k8sc_field_errors *errs, k8sc_field_error_type type,
    const char *field, const char *value, const char *detail);

/* Append `v` to `b` as a Go field error prints a bad value (strings %q, numbers %v, trees as JSON). */
int k8sc__field_value_render(k8sc__buf *b, const struct json_object *v);

#endif
