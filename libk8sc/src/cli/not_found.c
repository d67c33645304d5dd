/* What kubectl's resource builder says of an object it did not find: its namespace may be what is missing. */
#include "cli_internal.h"

#include <string.h>

char *k8sc__cli_not_found_message(k8sc_client *c, const k8sc_resource *r, const char *ns)
{
    char *msg = k8sc__strdup(k8sc_error_last());
    /* resource.Info.Get asks for the namespace only outside "default". */
    if (!msg || !k8sc_resource_namespaced(r) || !ns || !*ns || strcmp(ns, "default") == 0)
        return msg;
    k8sc_object *found = NULL;
    if (k8sc_client_get(&found, c, K8SC_NAMESPACE, NULL, ns) == K8SC_ENOTFOUND && k8sc_client_last_status()) {
        k8sc_free(msg);
        return k8sc__strdup(k8sc_error_last());
    }
    k8sc_object_free(found);
    return msg;
}
