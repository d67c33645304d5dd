/*
 * Watches, whichever the transport: open a stream of newline-delimited
 * watch events (HTTP or the in-process API server's handler), decode each
 * event line, and hand events to the caller or a callback.
 */
#include "client_internal.h"
#include "inproc.h"

#include "k8sc/codec.h"

#include <stdlib.h>
#include <string.h>

struct k8sc_watch {
    char *url; /* named in messages */
    /* One of the two transports. */
    k8sc__http_watch *http;
    k8sc_apiserver_response *inproc;
    bool ended;
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
    if (!w || !(w->url = k8sc__client_url(client, path))) {
        free(path);
        k8sc_watch_free(w);
        return K8SC_ENOMEM;
    }
    if (client->apiserver)
        rc = k8sc__inproc_watch_open(&w->inproc, client, path, w->url);
    else
        rc = k8sc__http_watch_open(&w->http, client, w->url);
    free(path);
    if (rc) {
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

/* The next line from the transport, waiting up to `timeout_ms`; `*owned` is set when the line is the caller's. */
static int next_line(const char **line, size_t *len, char **owned, k8sc_watch *w, int timeout_ms)
{
    *owned = NULL;
    if (w->http)
        return k8sc__http_watch_line(line, len, w->http, timeout_ms);
    int rc = k8sc__inproc()->next(owned, w->inproc, timeout_ms);
    if (rc == 1) {
        *line = *owned;
        *len = strlen(*owned);
    }
    return rc;
}

int k8sc_watch_next(k8sc_watch_event_type *type, k8sc_object **object, k8sc_watch *watch, int timeout_ms)
{
    K8SC__CHECK_ARG(type && object && watch);
    *object = NULL;
    if (watch->ended)
        return 0;
    int64_t deadline = k8sc_clock_mono(NULL) + (int64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000;
    for (;;) {
        int left = timeout_ms;
        if (timeout_ms > 0) {
            int64_t ms = (deadline - k8sc_clock_mono(NULL)) / 1000000;
            left = ms < 0 ? 0 : (int)ms;
        }
        const char *line;
        size_t len;
        char *owned;
        int rc = next_line(&line, &len, &owned, watch, left);
        if (rc == K8SC_ETIMEOUT)
            return k8sc_error_set(K8SC_ETIMEOUT, "watch %s: no event within %d ms", watch->url, timeout_ms);
        if (rc == 0)
            watch->ended = true;
        if (rc != 1)
            return rc;
        bool blank = true;
        for (size_t i = 0; i < len && blank; i++)
            blank = line[i] == ' ' || line[i] == '\r' || line[i] == '\t' || line[i] == '\n';
        if (!blank)
            rc = decode_event(type, object, watch, line, len);
        k8sc_free(owned);
        if (!blank)
            return rc;
    }
}

int k8sc_watch_fd(const k8sc_watch *watch)
{
    if (!watch || watch->ended)
        return -1;
    if (watch->http)
        return k8sc__http_watch_fd(watch->http);
    return k8sc__inproc()->fd(watch->inproc);
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
    k8sc__http_watch_free(watch->http);
    if (watch->inproc)
        k8sc__inproc()->free(watch->inproc);
    free(watch->url);
    free(watch);
}
