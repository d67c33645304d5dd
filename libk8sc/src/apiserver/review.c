/*
 * Self reviews, created and answered but never stored: a
 * SelfSubjectAccessReview (`kubectl auth can-i`) is allowed, as
 * kube-apiserver's AlwaysAllow authorizer answers while this server has
 * no authorizer; a SelfSubjectReview (`kubectl auth whoami`) names the
 * anonymous user, which is what every request is without authentication.
 */
#include "apiserver_internal.h"

#include <string.h>

static bool is(const k8sc_resource *r, const char *group, const char *kind)
{
    return strcmp(k8sc_resource_group(r), group) == 0 && strcmp(k8sc_resource_kind(r), kind) == 0;
}

bool k8sc__is_review(const k8sc_resource *r)
{
    return is(r, "authorization.k8s.io", "SelfSubjectAccessReview") ||
        is(r, "authentication.k8s.io", "SelfSubjectReview");
}

/* ValidateSelfSubjectAccessReviewSpec: exactly one of the two attribute sets. */
static int validate_access(k8sc_apiserver_response *resp, const k8sc_object *obj)
{
    bool res = k8sc_object_get(obj, "spec.resourceAttributes") != NULL;
    bool non = k8sc_object_get(obj, "spec.nonResourceAttributes") != NULL;
    if (res != non)
        return 0;
    k8sc_field_errors *errs = NULL;
    int rc = k8sc_field_errors_new(&errs);
    if (!rc && res)
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, "spec.nonResourceAttributes", NULL,
            "cannot be specified in combination with resourceAttributes");
    else if (!rc)
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, "spec.resourceAttributes", NULL,
            "exactly one of nonResourceAttributes or resourceAttributes must be specified");
    if (!rc)
        rc = k8sc__status_invalid_kind(resp, "authorization.k8s.io", "SelfSubjectAccessReview", "", errs);
    k8sc_field_errors_free(errs);
    return rc;
}

static int set_json(k8sc_object *obj, const char *path, const char *json)
{
    struct json_object *v = NULL;
    int rc = k8sc_json_parse(&v, json, strlen(json));
    if (!rc && (rc = k8sc_object_set(obj, path, v)))
        json_object_put(v);
    return rc;
}

int k8sc__handle_review(k8sc_apiserver_response *resp, const k8sc__request *req, const k8sc__route *route)
{
    k8sc_object *obj = NULL;
    int rc = k8sc__decode_body(&obj, resp, req);
    if (rc || resp->status)
        return rc;
    rc = k8sc__check_gvk(resp, route->resource, obj);
    bool access = is(route->resource, "authorization.k8s.io", "SelfSubjectAccessReview");
    if (!rc && !resp->status && access)
        rc = validate_access(resp, obj);
    if (!rc && !resp->status) {
        rc = access ? set_json(obj, "status", "{\"allowed\":true}")
                    : set_json(obj, "status", "{\"userInfo\":{\"username\":\"system:anonymous\","
                                              "\"groups\":[\"system:unauthenticated\"]}}");
        if (!rc)
            rc = set_json(obj, "metadata", "{\"creationTimestamp\":null}");
        if (!rc)
            rc = k8sc__resp_object(resp, 201, obj);
    }
    k8sc_object_free(obj);
    return rc;
}
