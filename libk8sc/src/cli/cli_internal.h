/* Internal declarations shared by the cli module's files. */
#ifndef K8SC_CLI_INTERNAL_H
#define K8SC_CLI_INTERNAL_H

#include "internal.h"
#include "k8sc/cli.h"

#include <json-c/json.h>

/* GET `path` asking for `accept`; `*out` is the reply body (k8sc_free). Errors as the client's. */
int k8sc__cli_get(char **out, k8sc_client *client, const char *path, const char *accept);

#endif
