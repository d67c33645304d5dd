/* Patch types, their media types, and one entry point for PATCH handlers. */
#include "patch_internal.h"

#include <ctype.h>
#include <string.h>

static const char *const media_types[] = {
    [K8SC_PATCH_JSON] = "application/json-patch+json",
    [K8SC_PATCH_MERGE] = "application/merge-patch+json",
    [K8SC_PATCH_STRATEGIC] = "application/strategic-merge-patch+json",
};

const char *k8sc_patch_content_type(k8sc_patch_type type)
{
    if ((unsigned)type >= K8SC__ARRAY_LEN(media_types))
        return NULL;
    return media_types[type];
}

int k8sc_patch_type_parse(k8sc_patch_type *out, const char *content_type)
{
    K8SC__CHECK_ARG(out);
    K8SC__CHECK_ARG(content_type);
    const char *s = content_type, *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strcspn(s, ";");
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(media_types); i++) {
        if (strlen(media_types[i]) == (size_t)(e - s) && strncasecmp(s, media_types[i], (size_t)(e - s)) == 0) {
            *out = (k8sc_patch_type)i;
            return 0;
        }
    }
    return k8sc_error_set(K8SC_EINVAL,
        "unsupported patch media type \"%.*s\": want application/json-patch+json, application/merge-patch+json "
        "or application/strategic-merge-patch+json",
        (int)(e - s > 200 ? 200 : e - s), s);
}

int k8sc_patch_apply(struct json_object **out, k8sc_patch_type type, const struct json_object *original,
    const struct json_object *patch, const char *api_version, const char *kind)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    switch (type) {
    case K8SC_PATCH_JSON: return k8sc_patch_json_apply(out, original, patch);
    case K8SC_PATCH_MERGE: return k8sc_patch_merge_apply(out, original, patch);
    case K8SC_PATCH_STRATEGIC: return k8sc_patch_strategic_apply(out, original, patch, api_version, kind);
    }
    return k8sc_error_set(K8SC_EINVAL, "k8sc_patch_apply: unknown patch type %d", (int)type);
}
