/*
 * A GET with a chosen Accept header (server-side Tables). The client's
 * request API always asks for application/json, so this goes through the
 * client's transport pieces: its in-process server's handler, or the HTTP
 * transport with Accept replaced.
 */
#include "cli_internal.h"

#include "../client/client_internal.h"
#include "inproc.h"

static int inproc_get(char **out, k8sc_client *client, const char *path, const char *accept)
{
    const k8sc__inproc_ops *srv = k8sc__inproc();
    k8sc_apiserver_response *resp = NULL;
    int rc = srv->handle(&resp, client->apiserver, "GET", path, NULL, accept, NULL, 0);
    if (rc)
        return rc;
    size_t len = 0;
    const char *body = srv->body(resp, &len);
    int status = srv->status(resp);
    rc = status >= 200 && status < 300 ? 0 : k8sc__client_status_error(status, body, len, "GET", path);
    if (!rc && !(*out = k8sc__strndup(body, len)))
        rc = K8SC_ENOMEM;
    srv->free(resp);
    return rc;
}

int k8sc__cli_get(char **out, k8sc_client *client, const char *path, const char *accept)
{
    *out = NULL;
    if (client->apiserver)
        return inproc_get(out, client, path, accept);
    int rc = k8sc__http_do_accept(out, NULL, NULL, client, "GET", path, NULL, accept, NULL, 0);
    if (rc) { /* the reply of a failed request is not the caller's */
        k8sc_free(*out);
        *out = NULL;
    }
    return rc;
}
