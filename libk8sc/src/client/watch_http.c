/*
 * The HTTP side of watches: a streaming GET (?watch=true) on its own
 * connection, driven by a curl multi handle so that reads can wait with a
 * timeout; newline-delimited events are cut out of the received bytes.
 */
#include "client_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One event line larger than this is refused rather than buffered forever. */
#define MAX_EVENT ((size_t)256 << 20)

struct k8sc__http_watch {
    k8sc_client *client;
    CURLM *multi;
    CURL *easy;
    k8sc__easy_lists lists;
    k8sc__buf buf;   /* received, not yet consumed bytes from `start` */
    size_t start;
    bool done;
    bool overflow;
    CURLcode result;
    const char *url; /* borrowed from the watch */
    int fd; /* the connection's socket, recorded when curl creates it */
    char errbuf[CURL_ERROR_SIZE];
};

static size_t on_data(char *data, size_t size, size_t n, void *userdata)
{
    k8sc__http_watch *w = userdata;
    size_t len = size * n;
    if (w->buf.len - w->start + len > MAX_EVENT) {
        w->overflow = true;
        return 0;
    }
    /* Drop what was consumed before growing. */
    if (w->start > 0 && w->start * 2 >= w->buf.len) {
        memmove(w->buf.ptr, w->buf.ptr + w->start, w->buf.len - w->start);
        w->buf.len -= w->start;
        w->buf.ptr[w->buf.len] = '\0';
        w->start = 0;
    }
    return k8sc__buf_put(&w->buf, data, len) == 0 ? len : 0;
}

static int on_sockopt(void *userdata, curl_socket_t fd, curlsocktype purpose)
{
    k8sc__http_watch *w = userdata;
    if (purpose == CURLSOCKTYPE_IPCXN)
        w->fd = (int)fd;
    return CURL_SOCKOPT_OK;
}

static int on_close(void *userdata, curl_socket_t fd)
{
    k8sc__http_watch *w = userdata;
    if (w->fd == (int)fd)
        w->fd = -1;
    return close(fd);
}

/* Let curl work for up to `timeout_ms`, noting when the transfer ends. */
static int drive(k8sc__http_watch *w, int timeout_ms)
{
    int running = 0;
    CURLMcode mc = curl_multi_perform(w->multi, &running);
    if (mc == CURLM_OK && running && timeout_ms > 0) {
        mc = curl_multi_poll(w->multi, NULL, 0, timeout_ms, NULL);
        if (mc == CURLM_OK)
            mc = curl_multi_perform(w->multi, &running);
    }
    if (mc != CURLM_OK)
        return k8sc_error_set(K8SC_EIO, "watch %s: %s", w->url, curl_multi_strerror(mc));
    int left;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(w->multi, &left)))
        if (msg->msg == CURLMSG_DONE) {
            w->done = true;
            w->result = msg->data.result;
        }
    return 0;
}

static long remaining_ms(int64_t deadline)
{
    int64_t left = (deadline - k8sc_clock_mono(NULL)) / 1000000;
    return left < 0 ? 0 : left;
}

/* Wait for the reply's status; an error status is read to the end and mapped. */
static int await_status(k8sc__http_watch *w)
{
    int64_t deadline = k8sc_clock_mono(NULL) + (int64_t)w->client->timeout_ms * 1000000;
    long http = 0;
    for (;;) {
        int rc = drive(w, (int)(remaining_ms(deadline) > 100 ? 100 : remaining_ms(deadline)));
        if (rc)
            return rc;
        curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &http);
        /* Accepted: even a stream that already broke is reported by the reads, after its events. */
        if (http >= 200 && http < 300)
            return 0;
        if (w->done && w->result != CURLE_OK)
            return k8sc__client_curl_error(w->result, w->errbuf, "GET", w->url, w->client->timeout_ms);
        if (http != 0 && w->done)
            return k8sc__client_status_error((int)http, w->buf.ptr, w->buf.len, "GET", w->url);
        if (remaining_ms(deadline) == 0)
            return k8sc_error_set(K8SC_ETIMEOUT, "GET %s: no answer within %ld ms", w->url, w->client->timeout_ms);
    }
}

int k8sc__http_watch_open(k8sc__http_watch **out, k8sc_client *client, const char *url)
{
    *out = NULL;
    k8sc__http_watch *w = k8sc__calloc(1, sizeof(*w));
    if (!w)
        return K8SC_ENOMEM;
    w->client = client;
    w->url = url;
    w->fd = -1;
    w->multi = curl_multi_init();
    w->easy = curl_easy_init();
    if (!w->multi || !w->easy) {
        k8sc__http_watch_free(w);
        return k8sc__curl_load() ? K8SC_EIO : k8sc__error_nomem();
    }
    int rc = k8sc__client_setup_easy(w->easy, client, &w->lists, NULL);
    if (rc) {
        k8sc__http_watch_free(w);
        return rc;
    }
    curl_easy_setopt(w->easy, CURLOPT_URL, url);
    curl_easy_setopt(w->easy, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(w->easy, CURLOPT_ERRORBUFFER, w->errbuf);
    curl_easy_setopt(w->easy, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(w->easy, CURLOPT_WRITEDATA, w);
    /* A watch is long-lived and must not take a pooled connection another request expects back soon. */
    curl_easy_setopt(w->easy, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(w->easy, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(w->easy, CURLOPT_SOCKOPTFUNCTION, on_sockopt);
    curl_easy_setopt(w->easy, CURLOPT_SOCKOPTDATA, w);
    curl_easy_setopt(w->easy, CURLOPT_CLOSESOCKETFUNCTION, on_close);
    curl_easy_setopt(w->easy, CURLOPT_CLOSESOCKETDATA, w);
    if (curl_multi_add_handle(w->multi, w->easy) != CURLM_OK) {
        k8sc__http_watch_free(w);
        return k8sc__error_nomem();
    }
    if ((rc = await_status(w))) {
        k8sc__http_watch_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

int k8sc__http_watch_line(const char **line, size_t *len, k8sc__http_watch *w, int timeout_ms)
{
    *line = NULL;
    *len = 0;
    int64_t deadline = k8sc_clock_mono(NULL) + (int64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000;
    for (;;) {
        char *base = w->buf.ptr ? w->buf.ptr + w->start : NULL;
        size_t avail = w->buf.len - w->start;
        char *nl = base ? memchr(base, '\n', avail) : NULL;
        if (nl || (w->done && w->result == CURLE_OK && avail > 0)) {
            size_t n = nl ? (size_t)(nl - base) : avail;
            w->start += nl ? n + 1 : n;
            *line = base;
            *len = n;
            return 1;
        }
        if (w->done) {
            if (w->overflow)
                return k8sc_error_set(K8SC_ERANGE, "watch %s: event larger than %zu bytes", w->url, MAX_EVENT);
            if (w->result != CURLE_OK)
                return k8sc_error_set(K8SC_EIO, "watch %s: stream broken: %s", w->url,
                    *w->errbuf ? w->errbuf : curl_easy_strerror(w->result));
            return 0;
        }
        long left = timeout_ms < 0 ? 1000 : remaining_ms(deadline);
        if (timeout_ms >= 0 && left == 0) {
            /* Still give curl one non-blocking turn: data may be waiting. */
            int rc = drive(w, 0);
            if (rc)
                return rc;
            if (w->buf.len - w->start > 0 && memchr(w->buf.ptr + w->start, '\n', w->buf.len - w->start))
                continue;
            if (w->done)
                continue;
            return k8sc_error_set(K8SC_ETIMEOUT, "watch %s: no event within %d ms", w->url, timeout_ms);
        }
        int rc = drive(w, (int)(left > 1000 ? 1000 : left));
        if (rc)
            return rc;
    }
}

int k8sc__http_watch_fd(const k8sc__http_watch *w)
{
    return w && !w->done ? w->fd : -1;
}

void k8sc__http_watch_free(k8sc__http_watch *w)
{
    if (!w)
        return;
    if (w->multi && w->easy)
        curl_multi_remove_handle(w->multi, w->easy);
    if (w->easy)
        curl_easy_cleanup(w->easy);
    if (w->multi)
        curl_multi_cleanup(w->multi);
    k8sc__easy_lists_free(&w->lists);
    k8sc__buf_free(&w->buf);
    free(w);
}
