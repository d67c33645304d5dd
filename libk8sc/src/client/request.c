/*
 * Raw requests: each goes to the client's transport, the in-process API
 * server's handler when the client has one, else HTTP.
 */
#include "client_internal.h"

#include "k8sc/codec.h"

int k8sc__client_do(char **out, size_t *out_len, int *status, k8sc_client *client, const char *method,
    const char *path, const char *content_type, const char *body, size_t body_len)
{
    if (client->apiserver)
        return k8sc__inproc_do(out, out_len, status, client, method, path, content_type, body, body_len);
    return k8sc__http_do(out, out_len, status, client, method, path, content_type, body, body_len);
}

int k8sc_client_request(char **out, int *status, k8sc_client *client, const char *method, const char *path,
    const char *content_type, const char *body, size_t body_len)
{
    K8SC__CHECK_ARG(client && method && *method && path && path[0] == '/' && (body || body_len == 0));
    return k8sc__client_do(out, NULL, status, client, method, path, content_type, body, body_len);
}

int k8sc__client_decode(k8sc_object **out, const char *body, size_t len, const char *what)
{
    int rc = k8sc_object_from_json(out, body, len);
    if (rc)
        return k8sc_error_set(rc, "%s: decoding the reply: %s", what, k8sc_error_last());
    return 0;
}
