/*
 * Server errors shared by both transports: a reply's HTTP status and
 * metav1.Status turned into a code and message, and the last Status kept
 * per thread for k8sc_client_last_status().
 */
#include "client_internal.h"

#include "k8sc/codec.h"

#include <string.h>

static pthread_once_t status_once = PTHREAD_ONCE_INIT;
static pthread_key_t status_key;

static void status_destroy(void *p)
{
    k8sc_object_free(p);
}

static void status_key_init(void)
{
    pthread_key_create(&status_key, status_destroy);
}

void k8sc__client_set_last_status(k8sc_object *st)
{
    pthread_once(&status_once, status_key_init);
    k8sc_object *old = pthread_getspecific(status_key);
    pthread_setspecific(status_key, st);
    k8sc_object_free(old);
}

const k8sc_object *k8sc_client_last_status(void)
{
    pthread_once(&status_once, status_key_init);
    return pthread_getspecific(status_key);
}

static const struct {
    const char *reason;
    int code;
} REASONS[] = {
    { "NotFound", K8SC_ENOTFOUND },
    { "AlreadyExists", K8SC_EEXISTS },
    { "Conflict", K8SC_ECONFLICT },
    { "Invalid", K8SC_EINVAL },
    { "BadRequest", K8SC_EINVAL },
    { "Forbidden", K8SC_EFORBIDDEN },
    { "Unauthorized", K8SC_EUNAUTHORIZED },
    { "Gone", K8SC_EGONE },
    { "Expired", K8SC_EGONE },
    { "Timeout", K8SC_ETIMEOUT },
    { "ServerTimeout", K8SC_ETIMEOUT },
    { "TooManyRequests", K8SC_ETOOMANY },
    { "ServiceUnavailable", K8SC_EUNAVAILABLE },
};

static int code_for_http(int http)
{
    switch (http) {
    case 400:
    case 422:
        return K8SC_EINVAL;
    case 401:
        return K8SC_EUNAUTHORIZED;
    case 403:
        return K8SC_EFORBIDDEN;
    case 404:
        return K8SC_ENOTFOUND;
    case 409:
        return K8SC_ECONFLICT;
    case 410:
        return K8SC_EGONE;
    case 429:
        return K8SC_ETOOMANY;
    case 503:
        return K8SC_EUNAVAILABLE;
    case 504:
        return K8SC_ETIMEOUT;
    default:
        return K8SC_ERROR;
    }
}

int k8sc__client_status_error(int http_status, const char *body, size_t len, const char *method, const char *url)
{
    struct json_object *root = NULL, *v;
    k8sc_object *st = NULL;
    if (body && len && k8sc_json_parse(&root, body, len) == 0 && json_object_is_type(root, json_type_object) &&
        json_object_object_get_ex(root, "kind", &v) && strcmp(json_object_get_string(v), "Status") == 0 &&
        k8sc_object_wrap(&st, root) == 0)
        root = NULL;
    json_object_put(root);
    int code = code_for_http(http_status);
    const char *reason = st ? k8sc_object_get_string(st, "reason") : NULL;
    for (size_t i = 0; reason && i < K8SC__ARRAY_LEN(REASONS); i++)
        if (strcmp(REASONS[i].reason, reason) == 0)
            code = REASONS[i].code;
    const char *msg = st ? k8sc_object_get_string(st, "message") : NULL;
    if (msg && *msg)
        k8sc_error_set(code, "%s", msg);
    else if (body && len)
        k8sc_error_set(code, "%s %s: the server responded with status %d: %.*s", method, url, http_status,
            (int)(len > 200 ? 200 : len), body);
    else
        k8sc_error_set(code, "%s %s: the server responded with status %d", method, url, http_status);
    k8sc__client_set_last_status(st);
    return code;
}
