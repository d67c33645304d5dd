/*
 * Watches: a streaming GET (?watch=true) on its own connection, driven by
 * a curl multi handle so that k8sc_watch_next can wait with a timeout;
 * newline-delimited JSON events are cut out of the received bytes.
 */
#include "client_internal.h"

#include "k8sc/codec.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One event line larger than this is refused rather than buffered forever. */
#define MAX_EVENT ((size_t)256 << 20)

struct k8sc_watch {
    k8sc_client *client;
    CURLM *multi;
    CURL *easy;
    k8sc__easy_lists lists;
    k8sc__buf buf;   /* received, not yet consumed bytes from `start` */
    size_t start;
    bool done;
    bool overflow;
    CURLcode result;
    char *url;
    int fd; /* the connection's socket, recorded when curl creates it */
    char errbuf[CURL_ERROR_SIZE];
};

static const char *const TYPE_NAMES[] = { "ADDED", "MODIFIED", "DELETED", "BOOKMARK" };

const char *k8sc_watch_event_type_name(k8sc_watch_event_type type)
{
    return (unsigned)type < K8SC__ARRAY_LEN(TYPE_NAMES) ? TYPE_NAMES[type] : "";
}

int k8sc_watch_options_init(k8sc_watch_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts && version == K8SC_WATCH_OPTIONS_VERSION);
    *opts = (k8sc_watch_options)K8SC_WATCH_OPTIONS_INIT;
    return 0;
}

static size_t on_data(char *data, size_t size, size_t n, void *userdata)
{
    k8sc_watch *w = userdata;
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
    k8sc_watch *w = userdata;
    if (purpose == CURLSOCKTYPE_IPCXN)
        w->fd = (int)fd;
    return CURL_SOCKOPT_OK;
}

static int on_close(void *userdata, curl_socket_t fd)
{
    k8sc_watch *w = userdata;
    if (w->fd == (int)fd)
        w->fd = -1;
    return close(fd);
}

/* Let curl work for up to `timeout_ms`, noting when the transfer ends. */
static int drive(k8sc_watch *w, int timeout_ms)
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
static int await_status(k8sc_watch *w)
{
    int64_t deadline = k8sc_clock_mono(NULL) + (int64_t)w->client->timeout_ms * 1000000;
    long http = 0;
    for (;;) {
        int rc = drive(w, (int)(remaining_ms(deadline) > 100 ? 100 : remaining_ms(deadline)));
        if (rc)
            return rc;
        curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &http);
        /* Accepted: even a stream that already broke is reported by k8sc_watch_next, after its events. */
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

static int build_path(char **out, k8sc_client *client, const char *api_version, const char *kind,
    const char *namespace_, const k8sc_watch_options *opts)
{
    char *base;
    int rc = k8sc__client_path(&base, client, api_version, kind, namespace_, NULL);
    if (rc)
        return rc;
    k8sc__buf q = K8SC__BUF_INIT;
    k8sc__buf_puts(&q, base);
    free(base);
    k8sc__query_add(&q, "watch", "true");
    if (opts->label_selector && *opts->label_selector)
        k8sc__query_add(&q, "labelSelector", opts->label_selector);
    if (opts->field_selector && *opts->field_selector)
        k8sc__query_add(&q, "fieldSelector", opts->field_selector);
    if (opts->resource_version)
        k8sc__query_add(&q, "resourceVersion", opts->resource_version);
    if (opts->allow_watch_bookmarks)
        k8sc__query_add(&q, "allowWatchBookmarks", "true");
    if (opts->timeout_seconds > 0) {
        char n[32];
        snprintf(n, sizeof(n), "%lld", (long long)opts->timeout_seconds);
        k8sc__query_add(&q, "timeoutSeconds", n);
    }
    if (k8sc__buf_status(&q)) {
        k8sc__buf_free(&q);
        return K8SC_ENOMEM;
    }
    *out = k8sc__buf_detach(&q, NULL);
    return 0;
}

int k8sc_client_watch(k8sc_watch **out, k8sc_client *client, const char *api_version, const char *kind,
    const char *namespace_, const k8sc_watch_options *opts)
{
    K8SC__CHECK_ARG(out && client && api_version && kind);
    K8SC__CHECK_ARG(!opts || (opts->version == K8SC_WATCH_OPTIONS_VERSION && opts->timeout_seconds >= 0));
    *out = NULL;
    const k8sc_watch_options defaults = K8SC_WATCH_OPTIONS_INIT;
    char *path;
    int rc = build_path(&path, client, api_version, kind, namespace_, opts ? opts : &defaults);
    if (rc)
        return rc;
    k8sc_watch *w = k8sc__calloc(1, sizeof(*w));
    if (!w) {
        free(path);
        return K8SC_ENOMEM;
    }
    w->client = client;
    w->fd = -1;
    w->url = k8sc__client_url(client, path);
    free(path);
    w->multi = curl_multi_init();
    w->easy = curl_easy_init();
    if (!w->url || !w->multi || !w->easy) {
        k8sc_watch_free(w);
        return k8sc__error_nomem();
    }
    if ((rc = k8sc__client_setup_easy(w->easy, client, &w->lists, NULL))) {
        k8sc_watch_free(w);
        return rc;
    }
    curl_easy_setopt(w->easy, CURLOPT_URL, w->url);
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
        k8sc_watch_free(w);
        return k8sc__error_nomem();
    }
    if ((rc = await_status(w))) {
        k8sc_watch_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

/* Decode one event line. */
static int decode_event(k8sc_watch_event_type *type, k8sc_object **object, k8sc_watch *w, const char *line, size_t len)
{
    struct json_object *root = NULL, *t, *o;
    if (k8sc_json_parse(&root, line, len) != 0 || !json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "type", &t) || !json_object_object_get_ex(root, "object", &o) ||
        !json_object_is_type(o, json_type_object)) {
        json_object_put(root);
        return k8sc_error_set(K8SC_EIO, "watch %s: malformed event: %.*s", w->url, (int)(len > 200 ? 200 : len), line);
    }
    const char *ts = json_object_get_string(t);
    if (strcmp(ts, "ERROR") == 0) {
        struct json_object *code;
        int http = json_object_object_get_ex(o, "code", &code) ? json_object_get_int(code) : 500;
        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        int rc = k8sc__client_status_error(http, text, strlen(text), "WATCH", w->url);
        json_object_put(root);
        return rc;
    }
    for (size_t i = 0; i < K8SC__ARRAY_LEN(TYPE_NAMES); i++) {
        if (strcmp(ts, TYPE_NAMES[i]) != 0)
            continue;
        k8sc_object *obj;
        json_object_get(o);
        int rc = k8sc_object_wrap(&obj, o);
        json_object_put(root);
        if (rc) {
            json_object_put(o);
            return rc;
        }
        *type = (k8sc_watch_event_type)i;
        *object = obj;
        return 1;
    }
    int rc = k8sc_error_set(K8SC_EIO, "watch %s: unknown event type \"%s\"", w->url, ts);
    json_object_put(root);
    return rc;
}

int k8sc_watch_next(k8sc_watch_event_type *type, k8sc_object **object, k8sc_watch *watch, int timeout_ms)
{
    K8SC__CHECK_ARG(type && object && watch);
    *object = NULL;
    int64_t deadline = k8sc_clock_mono(NULL) + (int64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000;
    for (;;) {
        char *base = watch->buf.ptr ? watch->buf.ptr + watch->start : NULL;
        size_t avail = watch->buf.len - watch->start;
        char *nl = base ? memchr(base, '\n', avail) : NULL;
        if (nl || (watch->done && watch->result == CURLE_OK && avail > 0)) {
            size_t len = nl ? (size_t)(nl - base) : avail;
            watch->start += nl ? len + 1 : len;
            bool blank = true;
            for (size_t i = 0; i < len && blank; i++)
                blank = base[i] == ' ' || base[i] == '\r' || base[i] == '\t';
            if (blank)
                continue;
            return decode_event(type, object, watch, base, len);
        }
        if (watch->done) {
            if (watch->overflow)
                return k8sc_error_set(K8SC_ERANGE, "watch %s: event larger than %zu bytes", watch->url, MAX_EVENT);
            if (watch->result != CURLE_OK)
                return k8sc_error_set(K8SC_EIO, "watch %s: stream broken: %s", watch->url,
                    *watch->errbuf ? watch->errbuf : curl_easy_strerror(watch->result));
            return 0;
        }
        long left = timeout_ms < 0 ? 1000 : remaining_ms(deadline);
        if (timeout_ms >= 0 && left == 0) {
            /* Still give curl one non-blocking turn: data may be waiting. */
            int rc = drive(watch, 0);
            if (rc)
                return rc;
            if (watch->buf.len - watch->start > 0 && memchr(watch->buf.ptr + watch->start, '\n',
                    watch->buf.len - watch->start))
                continue;
            if (watch->done)
                continue;
            return k8sc_error_set(K8SC_ETIMEOUT, "watch %s: no event within %d ms", watch->url, timeout_ms);
        }
        int rc = drive(watch, (int)(left > 1000 ? 1000 : left));
        if (rc)
            return rc;
    }
}

int k8sc_watch_fd(const k8sc_watch *watch)
{
    return watch && !watch->done ? watch->fd : -1;
}

int k8sc_watch_run(k8sc_watch *watch, k8sc_watch_fn fn, void *userdata)
{
    K8SC__CHECK_ARG(watch && fn);
    for (;;) {
        k8sc_watch_event_type type;
        k8sc_object *obj;
        int rc = k8sc_watch_next(&type, &obj, watch, -1);
        if (rc <= 0)
            return rc;
        rc = fn(type, obj, userdata);
        k8sc_object_free(obj);
        if (rc)
            return rc;
    }
}

void k8sc_watch_free(k8sc_watch *watch)
{
    if (!watch)
        return;
    if (watch->multi && watch->easy)
        curl_multi_remove_handle(watch->multi, watch->easy);
    if (watch->easy)
        curl_easy_cleanup(watch->easy);
    if (watch->multi)
        curl_multi_cleanup(watch->multi);
    k8sc__easy_lists_free(&watch->lists);
    k8sc__buf_free(&watch->buf);
    free(watch->url);
    free(watch);
}
