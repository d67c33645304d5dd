/*
 * Replies: JSON bodies and metav1.Status errors worded as
 * k8s.io/apimachinery/pkg/api/errors words them, since kubectl prints the
 * message verbatim ("Error from server (NotFound): ...").
 */
#include "apiserver_internal.h"

#include <string.h>

int k8sc__resp_json_ct(k8sc_apiserver_response *resp, int status, const struct json_object *body,
    const char *content_type)
{
    char *text = NULL;
    size_t len = 0;
    int rc = k8sc_json_encode(&text, &len, body, K8SC_ENCODE_NEWLINE);
    if (rc)
        return rc;
    char *ct = k8sc__strdup(content_type);
    if (!ct) {
        k8sc_free(text);
        return K8SC_ENOMEM;
    }
    k8sc_free(resp->body);
    k8sc_free(resp->content_type);
    resp->status = status;
    resp->body = text;
    resp->body_len = len;
    resp->content_type = ct;
    return 0;
}

int k8sc__resp_json(k8sc_apiserver_response *resp, int status, const struct json_object *body)
{
    return k8sc__resp_json_ct(resp, status, body, "application/json");
}

int k8sc__resp_object(k8sc_apiserver_response *resp, int status, const k8sc_object *obj)
{
    return k8sc__resp_json(resp, status, k8sc_object_json(obj));
}

struct json_object *k8sc__status_new(int code, const char *reason, const char *message, struct json_object *details)
{
    struct json_object *st = json_object_new_object();
    if (!st) {
        json_object_put(details);
        return NULL;
    }
    json_object_object_add(st, "kind", json_object_new_string("Status"));
    json_object_object_add(st, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(st, "metadata", json_object_new_object());
    json_object_object_add(st, "status", json_object_new_string(code >= 200 && code < 300 ? "Success" : "Failure"));
    if (message)
        json_object_object_add(st, "message", json_object_new_string(message));
    if (reason)
        json_object_object_add(st, "reason", json_object_new_string(reason));
    if (details)
        json_object_object_add(st, "details", details);
    json_object_object_add(st, "code", json_object_new_int(code));
    return st;
}

int k8sc__status_error(k8sc_apiserver_response *resp, int code, const char *reason, const char *message,
    struct json_object *details)
{
    struct json_object *st = k8sc__status_new(code, reason, message, details);
    if (!st)
        return k8sc__error_nomem();
    int rc = k8sc__resp_json(resp, code, st);
    json_object_put(st);
    return rc;
}

void k8sc__qualified(char *buf, size_t size, const k8sc_resource *r)
{
    const char *group = k8sc_resource_group(r);
    if (group && *group)
        snprintf(buf, size, "%s.%s", k8sc_resource_plural(r), group);
    else
        snprintf(buf, size, "%s", k8sc_resource_plural(r));
}

/* details as StatusDetails for a resource: {name, group, kind: plural}. */
static struct json_object *details_for(const k8sc_resource *r, const char *name, const char *kind)
{
    struct json_object *d = json_object_new_object();
    if (!d)
        return NULL;
    if (name && *name)
        json_object_object_add(d, "name", json_object_new_string(name));
    const char *group = k8sc_resource_group(r);
    if (group && *group)
        json_object_object_add(d, "group", json_object_new_string(group));
    json_object_object_add(d, "kind", json_object_new_string(kind));
    return d;
}

int k8sc__status_not_found(k8sc_apiserver_response *resp, const k8sc_resource *r, const char *name)
{
    char q[320], msg[1024];
    k8sc__qualified(q, sizeof(q), r);
    snprintf(msg, sizeof(msg), "%s \"%s\" not found", q, name ? name : "");
    return k8sc__status_error(resp, 404, "NotFound", msg, details_for(r, name, k8sc_resource_plural(r)));
}

int k8sc__status_already_exists(k8sc_apiserver_response *resp, const k8sc_resource *r, const char *name)
{
    char q[320], msg[1024];
    k8sc__qualified(q, sizeof(q), r);
    snprintf(msg, sizeof(msg), "%s \"%s\" already exists", q, name ? name : "");
    return k8sc__status_error(resp, 409, "AlreadyExists", msg, details_for(r, name, k8sc_resource_plural(r)));
}

int k8sc__status_conflict(k8sc_apiserver_response *resp, const k8sc_resource *r, const char *name)
{
    char q[320], msg[1024];
    k8sc__qualified(q, sizeof(q), r);
    snprintf(msg, sizeof(msg),
        "Operation cannot be fulfilled on %s \"%s\": the object has been modified; "
        "please apply your changes to the latest version and try again", q, name ? name : "");
    return k8sc__status_error(resp, 409, "Conflict", msg, details_for(r, name, k8sc_resource_plural(r)));
}

/* The CauseType a field error reports as (metav1.CauseType). */
static const char *cause_reason(k8sc_field_error_type t)
{
    switch (t) {
    case K8SC_FIELD_NOT_FOUND: return "FieldValueNotFound";
    case K8SC_FIELD_REQUIRED: return "FieldValueRequired";
    case K8SC_FIELD_DUPLICATE: return "FieldValueDuplicate";
    case K8SC_FIELD_INVALID: return "FieldValueInvalid";
    case K8SC_FIELD_NOT_SUPPORTED: return "FieldValueNotSupported";
    case K8SC_FIELD_FORBIDDEN: return "FieldValueForbidden";
    case K8SC_FIELD_TOO_LONG: return "FieldValueTooLong";
    case K8SC_FIELD_TOO_MANY: return "FieldValueTooMany";
    case K8SC_FIELD_INTERNAL: return "InternalError";
    case K8SC_FIELD_TYPE_INVALID: return "FieldValueTypeInvalid";
    }
    return "FieldValueInvalid";
}

int k8sc__status_invalid(k8sc_apiserver_response *resp, const k8sc_resource *r, const char *name,
    const k8sc_field_errors *errs)
{
    return k8sc__status_invalid_kind(resp, k8sc_resource_group(r), k8sc_resource_kind(r), name, errs);
}

int k8sc__status_invalid_kind(k8sc_apiserver_response *resp, const char *group, const char *kind, const char *name,
    const k8sc_field_errors *errs)
{
    char *agg = NULL;
    int rc = k8sc_field_errors_to_string(&agg, errs);
    if (rc)
        return rc;
    struct json_object *details = json_object_new_object();
    if (details) {
        if (name && *name)
            json_object_object_add(details, "name", json_object_new_string(name));
        if (group && *group)
            json_object_object_add(details, "group", json_object_new_string(group));
        json_object_object_add(details, "kind", json_object_new_string(kind));
    }
    struct json_object *causes = json_object_new_array();
    if (!details || !causes) {
        json_object_put(details);
        json_object_put(causes);
        k8sc_free(agg);
        return k8sc__error_nomem();
    }
    for (size_t i = 0; i < k8sc_field_errors_count(errs); i++) {
        k8sc_field_error fe;
        char *one = NULL;
        if (k8sc_field_errors_at(errs, i, &fe) || k8sc_field_error_to_string(&one, &fe))
            continue;
        /* A cause carries the message without its "field: " prefix (ErrorBody). */
        const char *body = one;
        size_t flen = strlen(fe.field);
        if (strncmp(one, fe.field, flen) == 0 && strncmp(one + flen, ": ", 2) == 0)
            body = one + flen + 2;
        struct json_object *c = json_object_new_object();
        json_object_object_add(c, "reason", json_object_new_string(cause_reason(fe.type)));
        json_object_object_add(c, "message", json_object_new_string(body));
        json_object_object_add(c, "field", json_object_new_string(fe.field));
        json_object_array_add(causes, c);
        k8sc_free(one);
    }
    json_object_object_add(details, "causes", causes);
    k8sc__buf msg = K8SC__BUF_INIT;
    /* The qualified kind, as schema.GroupKind prints it: "Deployment.apps". */
    if (group && *group)
        k8sc__buf_printf(&msg, "%s.%s \"%s\" is invalid: %s", kind, group, name ? name : "", agg);
    else
        k8sc__buf_printf(&msg, "%s \"%s\" is invalid: %s", kind, name ? name : "", agg);
    k8sc_free(agg);
    if (k8sc__buf_status(&msg)) {
        json_object_put(details);
        k8sc__buf_free(&msg);
        return K8SC_ENOMEM;
    }
    rc = k8sc__status_error(resp, 422, "Invalid", msg.ptr, details);
    k8sc__buf_free(&msg);
    return rc;
}

int k8sc__status_bad_request(k8sc_apiserver_response *resp, const char *fmt, ...)
{
    k8sc__buf msg = K8SC__BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    k8sc__buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    if (k8sc__buf_status(&msg)) {
        k8sc__buf_free(&msg);
        return K8SC_ENOMEM;
    }
    int rc = k8sc__status_error(resp, 400, "BadRequest", msg.ptr, NULL);
    k8sc__buf_free(&msg);
    return rc;
}

int k8sc__status_gone(k8sc_apiserver_response *resp, int64_t requested, int64_t oldest)
{
    char msg[128];
    snprintf(msg, sizeof(msg), "too old resource version: %lld (%lld)", (long long)requested, (long long)oldest);
    return k8sc__status_error(resp, 410, "Expired", msg, NULL);
}

int k8sc__status_route_not_found(k8sc_apiserver_response *resp)
{
    return k8sc__status_error(resp, 404, "NotFound", "the server could not find the requested resource",
        json_object_new_object());
}

int k8sc__status_method_not_allowed(k8sc_apiserver_response *resp)
{
    return k8sc__status_error(resp, 405, "MethodNotAllowed",
        "the server does not allow this method on the requested resource", json_object_new_object());
}

int k8sc__status_internal(k8sc_apiserver_response *resp, const char *what)
{
    char msg[1024];
    snprintf(msg, sizeof(msg), "Internal error occurred: %s", what);
    return k8sc__status_error(resp, 500, "InternalError", msg, NULL);
}

int k8sc__status_from_code(k8sc_apiserver_response *resp, int code, const k8sc_resource *r, const char *name)
{
    switch (code) {
    case K8SC_ENOTFOUND: return k8sc__status_not_found(resp, r, name);
    case K8SC_EEXISTS: return k8sc__status_already_exists(resp, r, name);
    case K8SC_ECONFLICT: return k8sc__status_conflict(resp, r, name);
    case K8SC_ENOMEM: return code;
    case K8SC_EUNAVAILABLE:
        return k8sc__status_error(resp, 503, "ServiceUnavailable", k8sc_error_last(), NULL);
    case K8SC_ERANGE:
        return k8sc__status_error(resp, 413, "RequestEntityTooLarge", k8sc_error_last(), NULL);
    default:
        return k8sc__status_internal(resp, k8sc_error_last());
    }
}
