/* Component schemas of the built-in kinds for the OpenAPI v3 documents (openapi_schema.c). */
#ifndef K8SC_OPENAPI_SCHEMA_H
#define K8SC_OPENAPI_SCHEMA_H

#include "internal.h"

/* The name kinds without a table and custom resources reference for metadata. */
#define K8SC__OPENAPI_OBJECT_META "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

/*
 * The components.schemas members ("name":{...},... without the braces)
 * of the kinds the protobuf schema tables describe in `group`/`version`,
 * with every schema they reach, plus ObjectMeta's which every document
 * carries. The text is borrowed and lives as long as the process: it is
 * built at first use and kept. 0, ENOMEM, or ERROR when two messages of
 * the tables would take one schema name.
 */
int k8sc__openapi_builtin_schemas(const char **out, size_t *len, const char *group, const char *version);

#endif
