/* A resource type argument ("po", "deployments.apps") to a kind, as kubectl's RESTMapper does. */
#include "cli_internal.h"

int k8sc_cli_resolve(const k8sc_resource **out, k8sc_registry *reg, const char *type)
{
    K8SC__CHECK_ARG(out && type);
    *out = NULL;
    const k8sc_resource *r = *type ? k8sc_registry_lookup(reg ? reg : k8sc_registry_default(), type) : NULL;
    if (!r)
        return k8sc_error_set(K8SC_ENOTFOUND, "the server doesn't have a resource type \"%s\"", type);
    *out = r;
    return 0;
}
