/*
 * fieldValidation for built-in kinds (Strict, Warn, Ignore), as the
 * apiserver's strict decoding does: unknown fields (from the schema
 * tables, codec/schema_walk.c) and, in JSON bodies, duplicate fields fail
 * a Strict request with 400 and become Warning headers with Warn. Typed
 * decoding never keeps unknown fields, so they are pruned from every
 * write whatever the mode (k8sc__fieldval_prune).
 */
#include "apiserver_internal.h"
#include "codec/schema_walk.h"

#include <string.h>

static bool starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ValidateCreateOptions and its siblings: 422 for a mode that is none of the four. */
static int check_mode(k8sc_apiserver_response *resp, const k8sc__request *req, const char *mode)
{
    if (!mode || !*mode || strcmp(mode, "Ignore") == 0 || strcmp(mode, "Strict") == 0 || strcmp(mode, "Warn") == 0)
        return 0;
    k8sc_field_errors *errs = NULL;
    int rc = k8sc_field_errors_new(&errs);
    if (!rc)
        rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_NOT_SUPPORTED, "fieldValidation", mode,
            "supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"");
    if (!rc)
        rc = k8sc__status_invalid_kind(resp, "meta.k8s.io", strcmp(req->method, "POST") == 0 ? "CreateOptions"
            : strcmp(req->method, "PUT") == 0 ? "UpdateOptions" : "PatchOptions", "", errs);
    k8sc_field_errors_free(errs);
    return rc;
}

/* The body as JSON, and whether it is a partial object (a merge or strategic merge patch). NULL: not checked. */
static struct json_object *parse_body(const k8sc__request *req, bool *patch, bool *json)
{
    const char *ct = req->content_type;
    struct json_object *root = NULL;
    *patch = strcmp(req->method, "PATCH") == 0;
    *json = true;
    if (*patch && !starts_with(ct, "application/merge-patch+json") &&
        !starts_with(ct, "application/strategic-merge-patch+json")) {
        /* A JSON patch carries values, not an object; a server-side apply body is a whole object. */
        if (!starts_with(ct, "application/apply-patch"))
            return NULL;
        *patch = false;
        *json = false;
    } else if (!*patch && ct && *ct && !starts_with(ct, "application/json")) {
        /* YAML and protobuf bodies: duplicates are not looked for, unknown fields are. */
        *json = false;
        k8sc_object *obj = NULL;
        k8sc_apiserver_response scratch = { 0 };
        if (k8sc__decode_body(&obj, &scratch, req) == 0 && obj)
            root = json_object_get(k8sc_object_json(obj));
        k8sc_object_free(obj);
        k8sc_free(scratch.body);
        k8sc_free(scratch.content_type);
        return root;
    }
    int rc = *json ? k8sc_json_parse(&root, req->body ? req->body : "", req->body_len)
                   : k8sc_yaml_parse(&root, req->body ? req->body : "", req->body_len);
    if (rc) {
        json_object_put(root);
        return NULL;
    }
    return root;
}

static int report(k8sc_apiserver_response *resp, const k8sc__request *req, const k8sc_resource *r, bool strict,
    const struct json_object *dups, const struct json_object *unknown)
{
    k8sc__buf msg = K8SC__BUF_INIT;
    size_t nd = json_object_array_length(dups), nu = json_object_array_length(unknown);
    for (size_t i = 0; i < nd + nu; i++) {
        const char *what = i < nd ? "duplicate" : "unknown";
        const char *path = json_object_get_string(json_object_array_get_idx(i < nd ? dups : unknown, i < nd ? i : i - nd));
        if (strict && i == 0 && strcmp(req->method, "PATCH") != 0)
            /* Creates and updates word it as transformDecodeError does; patches do not. */
            k8sc__buf_printf(&msg, "%s in version \"%s\" cannot be handled as a %s: ", k8sc_resource_kind(r),
                k8sc_resource_version(r), k8sc_resource_kind(r));
        if (strict)
            k8sc__buf_printf(&msg, "%s%s field \"%s\"", i ? ", " : "strict decoding error: ", what, path);
        else
            k8sc__buf_printf(&msg, "%s%s field \"%s\"", i ? "\n" : "", what, path);
    }
    int rc = k8sc__buf_status(&msg);
    if (!rc && msg.ptr && strict) {
        rc = k8sc__status_bad_request(resp, "%s", msg.ptr);
    } else if (!rc && msg.ptr) {
        k8sc_free(resp->warnings);
        resp->warnings = k8sc__buf_detach(&msg, NULL);
    }
    k8sc__buf_free(&msg);
    return rc;
}

int k8sc__fieldval_admit(k8sc_apiserver_response *resp, const k8sc__request *req, const k8sc__route *route)
{
    const k8sc_resource *r = route->resource;
    const char *m = req->method;
    if (strcmp(m, "POST") != 0 && strcmp(m, "PUT") != 0 && strcmp(m, "PATCH") != 0)
        return 0;
    if (route->subresource && strcmp(route->subresource, "status") != 0)
        return 0;
    if ((strcmp(m, "POST") == 0) != (route->name == NULL))
        return 0;
    if (!k8sc__schema_known(k8sc_resource_api_version(r), k8sc_resource_kind(r)))
        return 0;
    const char *mode = k8sc__query_get(req, "fieldValidation");
    int rc = check_mode(resp, req, mode);
    if (rc || resp->status || (mode && strcmp(mode, "Ignore") == 0))
        return rc;
    bool patch, json;
    struct json_object *root = parse_body(req, &patch, &json);
    if (!root)
        return 0; /* the handler reports a malformed body */
    struct json_object *dups = json_object_new_array(), *unknown = json_object_new_array();
    rc = dups && unknown ? 0 : K8SC_ENOMEM;
    if (!rc && json)
        rc = k8sc__json_duplicates(req->body, req->body_len, dups);
    if (!rc)
        rc = k8sc__schema_unknown(root, k8sc_resource_api_version(r), k8sc_resource_kind(r),
            patch ? K8SC__WALK_PATCH : 0, unknown);
    if (!rc)
        rc = report(resp, req, r, mode && strcmp(mode, "Strict") == 0, dups, unknown);
    json_object_put(dups);
    json_object_put(unknown);
    json_object_put(root);
    return rc;
}

int k8sc__fieldval_prune(const k8sc_resource *r, k8sc_object *obj)
{
    int rc = k8sc__schema_unknown(k8sc_object_json(obj), k8sc_resource_api_version(r), k8sc_resource_kind(r),
        K8SC__WALK_PRUNE, NULL);
    return rc == K8SC_ENOTFOUND ? 0 : rc;
}
