/* kubectl rollout status for a Deployment: one progress line from its spec and status. */
#include "cli_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define REVISION_ANNOTATION "deployment.kubernetes.io/revision"

int k8sc_cli_rollout_revision(int64_t *out, const k8sc_object *obj)
{
    K8SC__CHECK_ARG(out && obj);
    *out = 0;
    const char *v = k8sc_object_meta_get(obj, K8SC_ANNOTATIONS, REVISION_ANNOTATION);
    if (!v)
        return 0;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end)
        return k8sc_error_set(K8SC_EINVAL, "strconv.ParseInt: parsing \"%s\": invalid syntax", v);
    *out = n;
    return 0;
}

/* The Progressing condition's reason, or "". */
static const char *progress_reason(const k8sc_object *d)
{
    struct json_object *conds = k8sc_object_get(d, "status.conditions");
    for (size_t i = 0; json_object_is_type(conds, json_type_array) && i < json_object_array_length(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i), *type = NULL, *reason = NULL;
        if (json_object_object_get_ex(c, "type", &type) &&
            strcmp(json_object_get_string(type), "Progressing") == 0 &&
            json_object_object_get_ex(c, "reason", &reason))
            return json_object_get_string(reason);
    }
    return "";
}

int k8sc_cli_rollout_status(char **out, bool *done, const k8sc_object *deployment, int64_t revision)
{
    K8SC__CHECK_ARG(out && done && deployment);
    *out = NULL;
    *done = false;
    const char *name = k8sc_object_name(deployment);
    name = name ? name : "";
    if (revision > 0) {
        int64_t have = 0;
        if (k8sc_cli_rollout_revision(&have, deployment))
            return k8sc_error_set(K8SC_EINVAL, "cannot get the revision of deployment \"%s\": %s", name,
                k8sc_error_last());
        if (have != revision)
            return k8sc_error_set(K8SC_EINVAL, "desired revision (%" PRId64 ") is different from the running "
                                               "revision (%" PRId64 ")", revision, have);
    }
    int64_t observed = 0, replicas = 0, updated = 0, current = 0, available = 0;
    k8sc_object_get_int(deployment, "status.observedGeneration", &observed);
    bool has_replicas = k8sc_object_get_int(deployment, "spec.replicas", &replicas) == 0;
    k8sc_object_get_int(deployment, "status.updatedReplicas", &updated);
    k8sc_object_get_int(deployment, "status.replicas", &current);
    k8sc_object_get_int(deployment, "status.availableReplicas", &available);
    k8sc__buf b = K8SC__BUF_INIT;
    if (k8sc_object_generation(deployment) > observed)
        k8sc__buf_puts(&b, "Waiting for deployment spec update to be observed...\n");
    else if (strcmp(progress_reason(deployment), "ProgressDeadlineExceeded") == 0)
        return k8sc_error_set(K8SC_EINVAL, "deployment \"%s\" exceeded its progress deadline", name);
    else if (has_replicas && updated < replicas)
        k8sc__buf_printf(&b, "Waiting for deployment \"%s\" rollout to finish: %" PRId64 " out of %" PRId64
                             " new replicas have been updated...\n", name, updated, replicas);
    else if (current > updated)
        k8sc__buf_printf(&b, "Waiting for deployment \"%s\" rollout to finish: %" PRId64
                             " old replicas are pending termination...\n", name, current - updated);
    else if (available < updated)
        k8sc__buf_printf(&b, "Waiting for deployment \"%s\" rollout to finish: %" PRId64 " of %" PRId64
                             " updated replicas are available...\n", name, available, updated);
    else {
        k8sc__buf_printf(&b, "deployment \"%s\" successfully rolled out\n", name);
        *done = true;
    }
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        return k8sc__error_nomem();
    }
    *out = k8sc__buf_detach(&b, NULL);
    return 0;
}
