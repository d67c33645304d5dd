/* A GET whose reply body is handed on as it arrives (followed logs). */
#include "client_internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ERROR_BODY (64 * 1024)

typedef struct get_state {
    CURL *easy;
    k8sc_client_data_fn fn;
    void *userdata;
    int fn_rc;
    long http;
    k8sc__buf error_body; /* the body of an error reply, for its Status */
} get_state;

static size_t on_data(char *data, size_t size, size_t n, void *userdata)
{
    get_state *g = userdata;
    size_t len = size * n;
    if (!g->http)
        curl_easy_getinfo(g->easy, CURLINFO_RESPONSE_CODE, &g->http);
    if (g->http >= 300) {
        if (g->error_body.len + len <= MAX_ERROR_BODY)
            k8sc__buf_put(&g->error_body, data, len);
        return len;
    }
    g->fn_rc = g->fn(data, len, g->userdata);
    return g->fn_rc ? 0 : len;
}

int k8sc_client_stream_get(k8sc_client *client, const char *path, k8sc_client_data_fn fn, void *userdata)
{
    K8SC__CHECK_ARG(client && path && fn);
    if (client->apiserver)
        return k8sc_error_set(K8SC_EUNAVAILABLE, "streaming %s needs an HTTP connection to the API server", path);
    char *url = k8sc__client_url(client, path);
    CURL *easy = url ? curl_easy_init() : NULL;
    if (!easy) {
        free(url);
        return K8SC_ENOMEM;
    }
    get_state g = { easy, fn, userdata, 0, 0, K8SC__BUF_INIT };
    k8sc__easy_lists lists = { NULL, NULL };
    char errbuf[CURL_ERROR_SIZE] = "";
    int rc = k8sc__client_setup_easy(easy, client, &lists, NULL);
    if (rc == 0) {
        curl_easy_setopt(easy, CURLOPT_URL, url);
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, &g);
        CURLcode cc = curl_easy_perform(easy);
        long http = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &http);
        if (g.fn_rc)
            rc = g.fn_rc;
        else if (cc != CURLE_OK)
            rc = k8sc__client_curl_error(cc, errbuf, "GET", url, 0);
        else if (http >= 300)
            rc = k8sc__client_status_error((int)http, g.error_body.ptr ? g.error_body.ptr : "", g.error_body.len,
                                           "GET", url);
    }
    curl_easy_cleanup(easy);
    k8sc__easy_lists_free(&lists);
    k8sc__buf_free(&g.error_body);
    free(url);
    return rc;
}
