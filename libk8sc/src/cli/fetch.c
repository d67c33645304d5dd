/*
 * A GET with a chosen Accept header (server-side Tables). The client's
 * request API always asks for application/json, so this goes through the
 * client's transport pieces: its in-process server's handler, or a curl
 * handle set up by the client (TLS, credentials) with Accept replaced.
 */
#include "cli_internal.h"

#include "../client/client_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_REPLY (256u * 1024u * 1024u)

static size_t write_reply(char *data, size_t size, size_t n, void *userdata)
{
    k8sc__buf *b = userdata;
    size_t len = size * n;
    if (b->len + len > MAX_REPLY || k8sc__buf_put(b, data, len) != 0)
        return 0;
    return len;
}

static int inproc_get(char **out, k8sc_client *client, const char *path, const char *accept)
{
    k8sc_apiserver_response *resp = NULL;
    int rc = k8sc_apiserver_handle(&resp, client->apiserver, "GET", path, NULL, accept, NULL, 0);
    if (rc)
        return rc;
    size_t len = 0;
    const char *body = k8sc_apiserver_response_body(resp, &len);
    int status = k8sc_apiserver_response_status(resp);
    rc = status >= 200 && status < 300 ? 0 : k8sc__client_status_error(status, body, len, "GET", path);
    if (!rc && !(*out = k8sc__strndup(body, len)))
        rc = K8SC_ENOMEM;
    k8sc_apiserver_response_free(resp);
    return rc;
}

/* The client's headers with its Accept replaced by `accept`. */
static struct curl_slist *replace_accept(const struct curl_slist *headers, const char *accept)
{
    struct curl_slist *list = NULL, *next;
    for (const struct curl_slist *h = headers; h; h = h->next) {
        if (strncasecmp(h->data, "Accept:", 7) == 0)
            continue;
        if (!(next = curl_slist_append(list, h->data)))
            goto fail;
        list = next;
    }
    k8sc__buf line = K8SC__BUF_INIT;
    k8sc__buf_printf(&line, "Accept: %s", accept);
    next = k8sc__buf_status(&line) ? NULL : curl_slist_append(list, line.ptr);
    k8sc__buf_free(&line);
    if (next)
        return next;
fail:
    curl_slist_free_all(list);
    return NULL;
}

static int http_get(char **out, k8sc_client *client, const char *path, const char *accept)
{
    char *url = k8sc__client_url(client, path);
    CURL *easy = url ? curl_easy_init() : NULL;
    if (!easy) {
        free(url);
        return k8sc__error_nomem();
    }
    k8sc__easy_lists lists = { NULL, NULL };
    struct curl_slist *headers = NULL;
    k8sc__buf resp = K8SC__BUF_INIT;
    char errbuf[CURL_ERROR_SIZE] = "";
    int rc = k8sc__client_setup_easy(easy, client, &lists, NULL);
    if (!rc && !(headers = replace_accept(lists.headers, accept)))
        rc = k8sc__error_nomem();
    if (!rc) {
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(easy, CURLOPT_URL, url);
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, client->timeout_ms);
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_reply);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, &resp);
        CURLcode cc = curl_easy_perform(easy);
        long http = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &http);
        if (cc == CURLE_WRITE_ERROR && resp.failed)
            rc = k8sc__error_nomem();
        else if (cc == CURLE_WRITE_ERROR)
            rc = k8sc_error_set(K8SC_ERANGE, "GET %s: reply larger than %u bytes", url, MAX_REPLY);
        else if (cc != CURLE_OK)
            rc = k8sc__client_curl_error(cc, errbuf, "GET", url, client->timeout_ms);
        else if (http < 200 || http >= 300)
            rc = k8sc__client_status_error((int)http, resp.ptr ? resp.ptr : "", resp.len, "GET", url);
        else if (!(*out = resp.ptr ? k8sc__buf_detach(&resp, NULL) : k8sc__strdup("")))
            rc = K8SC_ENOMEM;
    }
    curl_slist_free_all(headers);
    k8sc__easy_lists_free(&lists);
    curl_easy_cleanup(easy);
    k8sc__buf_free(&resp);
    free(url);
    return rc;
}

int k8sc__cli_get(char **out, k8sc_client *client, const char *path, const char *accept)
{
    *out = NULL;
    if (client->apiserver)
        return inproc_get(out, client, path, accept);
    return http_get(out, client, path, accept);
}
