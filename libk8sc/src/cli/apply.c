/*
 * Client-side apply as kubectl's: the manifest is remembered in the
 * last-applied-configuration annotation and a three-way patch (last
 * applied, manifest, live object) carries the changes.
 */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>

const char *k8sc_cli_apply_result_name(k8sc_cli_apply_result result)
{
    switch (result) {
    case K8SC_CLI_APPLY_CREATED:
        return "created";
    case K8SC_CLI_APPLY_CONFIGURED:
        return "configured";
    case K8SC_CLI_APPLY_UNCHANGED:
        return "unchanged";
    }
    return "";
}

/*
 * `obj` in namespace `ns` (NULL: cluster-scoped) with the annotation
 * holding that object without the annotation, encoded as kubectl does
 * (sorted keys, an empty annotations map kept, a final newline), so that
 * kubectl and this code see each other's annotation as unchanged.
 */
static int modified_config(k8sc_object **out, const k8sc_object *obj, const char *ns)
{
    k8sc_object *m = NULL;
    int rc = k8sc_object_dup(&m, obj);
    if (rc)
        return rc;
    if (ns && !k8sc_object_namespace(m))
        rc = k8sc_object_set_namespace(m, ns);
    struct json_object *ann = k8sc_object_get(m, "metadata.annotations");
    if (ann)
        json_object_object_del(ann, K8SC_CLI_LAST_APPLIED);
    else if (!rc) {
        struct json_object *empty = json_object_new_object();
        if ((rc = empty ? k8sc_object_set(m, "metadata.annotations", empty) : K8SC_ENOMEM))
            json_object_put(empty);
    }
    char *text = NULL;
    if (!rc)
        rc = k8sc_json_encode(&text, NULL, k8sc_object_json(m), K8SC_ENCODE_SORT_KEYS | K8SC_ENCODE_NEWLINE);
    if (!rc)
        rc = k8sc_object_meta_set(m, K8SC_ANNOTATIONS, K8SC_CLI_LAST_APPLIED, text);
    free(text);
    if (rc) {
        k8sc_object_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

static int patch_live(k8sc_object **out, k8sc_cli_apply_result *result, k8sc_client *client,
    const k8sc_object *modified, const k8sc_object *live, const char *ns)
{
    const char *last = k8sc_object_meta_get(live, K8SC_ANNOTATIONS, K8SC_CLI_LAST_APPLIED);
    struct json_object *original = NULL, *patch = NULL;
    int rc = last && *last ? k8sc_json_parse(&original, last, strlen(last)) : 0;
    if (rc)
        return k8sc_error_set(rc, "the %s annotation of %s is not JSON: %s", K8SC_CLI_LAST_APPLIED,
            k8sc_object_name(live), k8sc_error_last());
    k8sc_patch_type type = K8SC_PATCH_MERGE;
    rc = k8sc_patch_strategic_create_three_way(&patch, &type, original, k8sc_object_json(modified),
        k8sc_object_json(live), NULL, NULL);
    json_object_put(original);
    if (rc)
        return rc;
    if (json_object_is_type(patch, json_type_object) && json_object_object_length(patch) == 0) {
        json_object_put(patch);
        *result = K8SC_CLI_APPLY_UNCHANGED;
        return out ? k8sc_object_dup(out, live) : 0;
    }
    char *text = NULL;
    rc = k8sc_json_encode(&text, NULL, patch, K8SC_ENCODE_SORT_KEYS);
    json_object_put(patch);
    if (rc)
        return rc;
    k8sc_object *res = NULL;
    rc = k8sc_client_patch(&res, client, k8sc_object_api_version(modified), k8sc_object_kind(modified), ns,
        k8sc_object_name(modified), type, text);
    free(text);
    if (rc)
        return rc;
    *result = K8SC_CLI_APPLY_CONFIGURED;
    if (out)
        *out = res;
    else
        k8sc_object_free(res);
    return 0;
}

int k8sc_cli_apply(k8sc_object **out, k8sc_cli_apply_result *result, bool *adopted, k8sc_client *client,
    const k8sc_object *obj)
{
    K8SC__CHECK_ARG(result && client && obj);
    if (out)
        *out = NULL;
    if (adopted)
        *adopted = false;
    const char *av = k8sc_object_api_version(obj), *kind = k8sc_object_kind(obj), *name = k8sc_object_name(obj);
    if (!av || !kind)
        return k8sc_error_set(K8SC_EINVAL, "Object 'Kind' is missing");
    if (!name || !*name)
        return k8sc_error_set(K8SC_EINVAL, "error from server: resource name may not be empty");
    char plural[256];
    bool namespaced = false;
    int rc = k8sc_client_resolve(client, av, kind, plural, sizeof(plural), &namespaced);
    if (rc)
        return rc;
    const char *ns = k8sc_object_namespace(obj);
    if (!ns && namespaced)
        ns = k8sc_client_namespace(client);
    k8sc_object *modified = NULL, *live = NULL;
    if ((rc = modified_config(&modified, obj, namespaced ? ns : NULL)))
        return rc;
    rc = k8sc_client_get(&live, client, av, kind, ns, name);
    if (rc == K8SC_ENOTFOUND) {
        rc = k8sc_client_create(out, client, modified);
        if (!rc)
            *result = K8SC_CLI_APPLY_CREATED;
    } else if (!rc) {
        if (adopted)
            *adopted = !k8sc_object_meta_get(live, K8SC_ANNOTATIONS, K8SC_CLI_LAST_APPLIED);
        rc = patch_live(out, result, client, modified, live, ns);
    }
    k8sc_object_free(live);
    k8sc_object_free(modified);
    return rc;
}
