/*
 * The HTTP transport: curl handle setup (TLS material from memory,
 * credentials, proxy, tls-server-name), requests with bounded retries for
 * 429/5xx honouring Retry-After (through curl, or http1.c for plain
 * http://), and curl failures mapped to codes.
 */
#include "client_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Most of a reply body we keep; an API server's lists can be large, but not this large. */
#define MAX_BODY ((size_t)1 << 30)

int k8sc__client_curl_error(CURLcode cc, const char *errbuf, const char *method, const char *url, long timeout_ms)
{
    const char *detail = errbuf && *errbuf ? errbuf : curl_easy_strerror(cc);
    k8sc__client_set_last_status(NULL);
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        return k8sc_error_set(K8SC_ETIMEOUT, "%s %s: no answer within %ld ms: %s", method, url, timeout_ms, detail);
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        return k8sc_error_set(K8SC_EUNAVAILABLE, "%s %s: %s", method, url, detail);
    case CURLE_OUT_OF_MEMORY:
        return k8sc__error_nomem();
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        return k8sc_error_set(K8SC_EUNAVAILABLE, "%s %s: TLS: %s", method, url, detail);
    default:
        return k8sc_error_set(K8SC_EIO, "%s %s: %s", method, url, detail);
    }
}

char *k8sc__client_url(k8sc_client *client, const char *path)
{
    const k8sc_client_config *cfg = client->config;
    k8sc__buf b = K8SC__BUF_INIT;
    if (cfg->tls_server_name) {
        /* Keep the path/port but name the TLS host, and connect to the real host (CONNECT_TO). */
        CURLU *u = curl_url();
        char *port = NULL, *scheme = NULL;
        if (u && curl_url_set(u, CURLUPART_URL, cfg->server, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
            char *base = NULL;
            curl_url_set(u, CURLUPART_HOST, cfg->tls_server_name, 0);
            if (curl_url_get(u, CURLUPART_URL, &base, 0) == CURLUE_OK) {
                size_t n = strlen(base);
                while (n > 0 && base[n - 1] == '/')
                    n--;
                k8sc__buf_put(&b, base, n);
            }
            curl_free(base);
        }
        curl_free(port);
        curl_free(scheme);
        curl_url_cleanup(u);
    }
    if (b.len == 0)
        k8sc__buf_puts(&b, cfg->server);
    k8sc__buf_puts(&b, path);
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        return NULL;
    }
    return k8sc__buf_detach(&b, NULL);
}

void k8sc__easy_lists_free(k8sc__easy_lists *lists)
{
    curl_slist_free_all(lists->headers);
    curl_slist_free_all(lists->connect_to);
    lists->headers = lists->connect_to = NULL;
}

static int add_header(struct curl_slist **list, const char *fmt, const char *value)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, fmt, value);
    if (k8sc__buf_status(&b))
        return K8SC_ENOMEM;
    struct curl_slist *n = curl_slist_append(*list, b.ptr);
    k8sc__buf_free(&b);
    if (!n)
        return k8sc__error_nomem();
    *list = n;
    return 0;
}

/* For tls-server-name: connect to the configured host while the URL names the TLS host. */
static int setup_connect_to(CURL *easy, const k8sc_client_config *cfg, k8sc__easy_lists *lists)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    int rc = 0;
    if (!u || curl_url_set(u, CURLUPART_URL, cfg->server, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        rc = k8sc_error_set(K8SC_EINVAL, "server URL \"%s\" is not valid", cfg->server);
    } else {
        k8sc__buf b = K8SC__BUF_INIT;
        k8sc__buf_printf(&b, "%s:%s:%s:%s", cfg->tls_server_name, port, host, port);
        struct curl_slist *n = k8sc__buf_status(&b) ? NULL : curl_slist_append(lists->connect_to, b.ptr);
        k8sc__buf_free(&b);
        if (!n)
            rc = k8sc__error_nomem();
        else {
            lists->connect_to = n;
            curl_easy_setopt(easy, CURLOPT_CONNECT_TO, lists->connect_to);
            /* The Host header still names the server, as Go sends it; only SNI and verification change. */
            char hp[512];
            snprintf(hp, sizeof(hp), "%s:%s", host, port);
            rc = add_header(&lists->headers, "Host: %s", hp);
        }
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

int k8sc__client_setup_easy(CURL *easy, k8sc_client *client, k8sc__easy_lists *lists, const char *content_type)
{
    k8sc_client_config *cfg = client->config;
    CURLSH *share = k8sc__client_share(client);
    if (!share)
        return K8SC_EIO;
    curl_easy_setopt(easy, CURLOPT_SHARE, share);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, client->user_agent);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, client->timeout_ms);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    if (cfg->proxy_url)
        curl_easy_setopt(easy, CURLOPT_PROXY, cfg->proxy_url);
    if (cfg->insecure) {
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (cfg->ca) {
        struct curl_blob blob = { cfg->ca, strlen(cfg->ca), CURL_BLOB_COPY };
        curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &blob);
    }
    int rc = 0;
    if (cfg->tls_server_name && (rc = setup_connect_to(easy, cfg, lists)))
        return rc;
    char *cert = NULL, *key = NULL, *token = NULL;
    if ((rc = k8sc_client_config_client_cert(&cert, &key, cfg)))
        return rc;
    if (cert) {
        struct curl_blob cb = { cert, strlen(cert), CURL_BLOB_COPY };
        struct curl_blob kb = { key, strlen(key), CURL_BLOB_COPY };
        curl_easy_setopt(easy, CURLOPT_SSLCERT_BLOB, &cb);
        curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(easy, CURLOPT_SSLKEY_BLOB, &kb);
        curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
    }
    free(cert);
    free(key);
    if ((rc = k8sc_client_config_token(&token, cfg)))
        return rc;
    if (token) {
        rc = add_header(&lists->headers, "Authorization: Bearer %s", token);
        free(token);
    } else if (cfg->username) {
        curl_easy_setopt(easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(easy, CURLOPT_USERNAME, cfg->username);
        curl_easy_setopt(easy, CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
    }
    if (!rc)
        rc = add_header(&lists->headers, "Accept: %s", "application/json");
    if (!rc && content_type)
        rc = add_header(&lists->headers, "Content-Type: %s", content_type);
    if (!rc)
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, lists->headers);
    return rc;
}

static size_t write_body(char *data, size_t size, size_t n, void *userdata)
{
    k8sc__buf *b = userdata;
    size_t len = size * n;
    if (b->len + len > MAX_BODY || k8sc__buf_put(b, data, len) != 0)
        return 0;
    return len;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static bool retryable_status(long http, int64_t retry_after)
{
    if (http == 429 || http == 502 || http == 503 || http == 504)
        return true;
    /* Other 5xx are usually real failures; retry them only when the server asks to. */
    return http >= 500 && retry_after > 0;
}

/* Exponential back-off without Retry-After: 200 ms doubling, capped by the client's maximum. */
static long backoff_ms(const k8sc_client *client, int attempt, int64_t retry_after)
{
    long ms = retry_after > 0 ? (retry_after > 100000 ? 100000000L : (long)retry_after * 1000L)
                              : 200L << (attempt < 10 ? attempt : 10);
    return ms > client->max_retry_wait_ms ? client->max_retry_wait_ms : ms;
}

/* `headers` with its Accept replaced by `accept` (a new list; NULL when out of memory). */
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

/* One transfer through curl, reported as k8sc__http1_attempt reports its own. */
static CURLcode curl_attempt(k8sc_client *client, const char *url, const char *method, const char *content_type,
    const char *accept, const char *body, size_t body_len, k8sc__buf *resp, long *http, int64_t *retry_after,
    char *errbuf, int *rc)
{
    *rc = 0;
    CURL *easy = curl_easy_init();
    if (!easy) {
        *rc = k8sc__curl_load() ? K8SC_EIO : k8sc__error_nomem();
        return CURLE_OK;
    }
    k8sc__easy_lists lists = { NULL, NULL };
    *rc = k8sc__client_setup_easy(easy, client, &lists, content_type);
    if (!*rc && accept) {
        struct curl_slist *h = replace_accept(lists.headers, accept);
        if (!h) {
            *rc = k8sc__error_nomem();
        } else {
            curl_slist_free_all(lists.headers);
            lists.headers = h;
            curl_easy_setopt(easy, CURLOPT_HTTPHEADER, lists.headers);
        }
    }
    if (*rc) {
        curl_easy_cleanup(easy);
        k8sc__easy_lists_free(&lists);
        return CURLE_OK;
    }
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, client->timeout_ms);
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, resp);
    if (body) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    } else if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    }
    CURLcode cc = curl_easy_perform(easy);
    curl_off_t ra = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, http);
    curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &ra);
    *retry_after = (int64_t)ra;
    curl_easy_cleanup(easy);
    k8sc__easy_lists_free(&lists);
    return cc;
}

int k8sc__http_do(char **out, size_t *out_len, int *status, k8sc_client *client, const char *method,
    const char *path, const char *content_type, const char *body, size_t body_len)
{
    return k8sc__http_do_accept(out, out_len, status, client, method, path, content_type, NULL, body, body_len);
}

int k8sc__http_do_accept(char **out, size_t *out_len, int *status, k8sc_client *client, const char *method,
    const char *path, const char *content_type, const char *accept, const char *body, size_t body_len)
{
    if (out)
        *out = NULL;
    if (status)
        *status = 0;
    char *url = k8sc__client_url(client, path);
    if (!url)
        return K8SC_ENOMEM;
    int rc = 0;
    for (int attempt = 0;; attempt++) {
        k8sc__buf resp = K8SC__BUF_INIT;
        char errbuf[CURL_ERROR_SIZE] = "";
        long http = 0;
        int64_t retry_after = 0;
        CURLcode cc = client->http1
            ? k8sc__http1_attempt(client->http1, client, method, path, content_type, accept, body, body_len, &resp,
                  &http, &retry_after, errbuf, &rc)
            : curl_attempt(client, url, method, content_type, accept, body, body_len, &resp, &http, &retry_after,
                  errbuf, &rc);
        if (rc) {
            k8sc__buf_free(&resp);
            break;
        }
        bool more = attempt < client->max_retries;
        if (cc != CURLE_OK) {
            if ((cc == CURLE_WRITE_ERROR || cc == CURLE_OUT_OF_MEMORY) && resp.failed)
                rc = k8sc__error_nomem();
            else if (cc == CURLE_WRITE_ERROR)
                rc = k8sc_error_set(K8SC_ERANGE, "%s %s: reply larger than %zu bytes", method, url, MAX_BODY);
            else
                rc = k8sc__client_curl_error(cc, errbuf, method, url, client->timeout_ms);
            k8sc__buf_free(&resp);
            /* A connection dropped before any reply is retried like a 503 (client-go retries resets). */
            if (more && (cc == CURLE_GOT_NOTHING || cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR)) {
                sleep_ms(backoff_ms(client, attempt, 0));
                continue;
            }
            break;
        }
        if (more && retryable_status(http, retry_after)) {
            k8sc_log(K8SC_LOG_DEBUG, "%s %s: status %ld, retry %d", method, url, http, attempt + 1);
            k8sc__buf_free(&resp);
            sleep_ms(backoff_ms(client, attempt, retry_after));
            continue;
        }
        if (status)
            *status = (int)http;
        size_t len = resp.len;
        char *text = resp.ptr ? k8sc__buf_detach(&resp, &len) : k8sc__strdup("");
        if (!text) {
            rc = K8SC_ENOMEM;
            break;
        }
        rc = http >= 200 && http < 300 ? 0 : k8sc__client_status_error((int)http, text, len, method, url);
        if (rc == 0)
            k8sc__client_set_last_status(NULL);
        if (out) {
            *out = text;
            if (out_len)
                *out_len = len;
        } else {
            free(text);
        }
        break;
    }
    free(url);
    return rc;
}
