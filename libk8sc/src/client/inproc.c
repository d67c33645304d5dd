/*
 * The in-process transport: requests go straight to an API server's
 * handler (k8sc_apiserver_handle) in this process, with the same paths,
 * bodies, replies and Status errors as over HTTP but no socket; a watch
 * reads the handler's streaming response.
 */
#include "client_internal.h"
#include "inproc.h"

#include <stdatomic.h>


/* What k8sc_client_config_server() names for an in-process client. */
#define INPROC_SERVER "inproc://"

int k8sc__inproc_config(k8sc_client_config **out, const char *namespace_)
{
    *out = NULL;
    k8sc_client_config *cfg = k8sc__client_config_alloc();
    if (!cfg)
        return K8SC_ENOMEM;
    cfg->server = k8sc__strdup(INPROC_SERVER);
    cfg->namespace_ = k8sc__strdup(namespace_ && *namespace_ ? namespace_ : "default");
    if (!cfg->server || !cfg->namespace_) {
        k8sc_client_config_free(cfg);
        return K8SC_ENOMEM;
    }
    *out = cfg;
    return 0;
}

static _Atomic(const k8sc__inproc_ops *) registered;

void k8sc__inproc_register(const k8sc__inproc_ops *ops)
{
    atomic_store(&registered, ops);
}

const k8sc__inproc_ops *k8sc__inproc(void)
{
    return atomic_load(&registered);
}

/*
 * A plain request the handler answered with a stream (?watch=true through
 * k8sc_client_request): its lines until the stream ends, within the
 * client's timeout as over HTTP.
 */
static int read_stream(k8sc__buf *b, k8sc_apiserver_response *resp, const k8sc_client *client, const char *method,
    const char *url)
{
    int64_t deadline = k8sc_clock_mono(NULL) + (int64_t)client->timeout_ms * 1000000;
    for (;;) {
        int64_t left = (deadline - k8sc_clock_mono(NULL)) / 1000000;
        char *line = NULL;
        int rc = left > 0 ? k8sc__inproc()->next(&line, resp, (int)left) : K8SC_ETIMEOUT;
        if (rc == K8SC_ETIMEOUT)
            return k8sc_error_set(K8SC_ETIMEOUT, "%s %s: no answer within %ld ms", method, url, client->timeout_ms);
        if (rc != 1)
            return rc;
        k8sc__buf_puts(b, line);
        k8sc_free(line);
        if (k8sc__buf_status(b))
            return K8SC_ENOMEM;
    }
}

int k8sc__inproc_do(char **out, size_t *out_len, int *status, k8sc_client *client, const char *method,
    const char *path, const char *content_type, const char *body, size_t body_len)
{
    if (out)
        *out = NULL;
    if (status)
        *status = 0;
    char *url = k8sc__client_url(client, path);
    if (!url)
        return K8SC_ENOMEM;
    const k8sc__inproc_ops *srv = k8sc__inproc();
    k8sc_apiserver_response *resp = NULL;
    k8sc__buf reply = K8SC__BUF_INIT;
    int rc = srv->handle(&resp, client->apiserver, method, path, content_type, "application/json", body, body_len);
    if (!rc && srv->is_stream(resp)) {
        rc = read_stream(&reply, resp, client, method, url);
    } else if (!rc) {
        size_t len;
        const char *text = srv->body(resp, &len);
        if (k8sc__buf_put(&reply, text, len))
            rc = K8SC_ENOMEM;
    }
    int http = rc ? 0 : srv->status(resp);
    if (resp)
        srv->free(resp);
    size_t len = reply.len;
    char *text = NULL;
    if (!rc && !(text = k8sc__buf_detach(&reply, &len)))
        rc = K8SC_ENOMEM;
    k8sc__buf_free(&reply);
    if (rc) {
        k8sc__client_set_last_status(NULL);
        k8sc_free(url);
        return rc;
    }
    if (status)
        *status = http;
    rc = http >= 200 && http < 300 ? 0 : k8sc__client_status_error(http, text, len, method, url);
    if (rc == 0)
        k8sc__client_set_last_status(NULL);
    if (out) {
        *out = text;
        if (out_len)
            *out_len = len;
    } else {
        k8sc_free(text);
    }
    k8sc_free(url);
    return rc;
}

int k8sc__inproc_watch_open(k8sc_apiserver_response **out, k8sc_client *client, const char *path, const char *url)
{
    *out = NULL;
    const k8sc__inproc_ops *srv = k8sc__inproc();
    k8sc_apiserver_response *resp = NULL;
    int rc = srv->handle(&resp, client->apiserver, "GET", path, NULL, "application/json", NULL, 0);
    if (rc)
        return rc;
    int http = srv->status(resp);
    if (http >= 200 && http < 300 && srv->is_stream(resp)) {
        *out = resp;
        return 0;
    }
    if (http >= 200 && http < 300) {
        rc = k8sc_error_set(K8SC_EIO, "GET %s: the server did not answer with a watch stream", url);
    } else {
        size_t len;
        const char *text = srv->body(resp, &len);
        rc = k8sc__client_status_error(http, text, len, "GET", url);
    }
    srv->free(resp);
    return rc;
}

int k8sc_client_new_in_process(k8sc_client **out, k8sc_apiserver *srv)
{
    K8SC__CHECK_ARG(out && srv);
    k8sc_client_options opts = K8SC_CLIENT_OPTIONS_INIT;
    opts.apiserver = srv;
    return k8sc_client_new(out, &opts);
}
