/*
 * Watch: GET ...?watch=true as newline-delimited watch events
 * ({"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":...}) fed by a
 * store watch. resourceVersion absent or "0" first replays the current
 * state as ADDED events; "N" streams the changes after N, or one ERROR
 * event with a 410 Status once N is compacted. Selectors apply to events
 * as the watch cache applies them: an object that stops matching is
 * reported DELETED, one that starts matching ADDED. For an in-process
 * reader's event loop a stream also offers a descriptor to poll.
 */
#include "apiserver_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* How often an idle watch sends a BOOKMARK when the client allows them. */
#define BOOKMARK_INTERVAL_NS (60LL * 1000000000LL)
/* How often a blocked read looks at the server's stop flag. */
#define POLL_SLICE_MS 200

struct k8sc__watch_stream {
    k8sc_apiserver *srv;
    const k8sc_resource *resource;
    k8sc_store_watch *watch;
    k8sc__filter filter;
    bool table;
    bool bookmarks;
    int64_t deadline;      /* monotonic ns, 0: none */
    int64_t last_sent;     /* monotonic ns of the last line */
    int64_t revision;      /* last revision delivered */
    char **pending;        /* lines to send before reading the store */
    size_t npending, next_pending;
    bool ended;
    /* For k8sc_apiserver_response_fd, made on first use (else -1): an epoll set of the store watch and a timer. */
    int pollfd;
    int timerfd;
};

void k8sc__watch_stream_free(struct k8sc__watch_stream *ws)
{
    if (!ws)
        return;
    k8sc_store_watch_close(ws->watch);
    if (ws->pollfd >= 0)
        close(ws->pollfd);
    if (ws->timerfd >= 0)
        close(ws->timerfd);
    k8sc__filter_clear(&ws->filter);
    for (size_t i = ws->next_pending; i < ws->npending; i++)
        k8sc_free(ws->pending[i]);
    k8sc_free(ws->pending);
    k8sc_free(ws);
}

static int push_line(struct k8sc__watch_stream *ws, char *line)
{
    char **grown = k8sc__realloc(ws->pending, (ws->npending + 1) * sizeof(*grown));
    if (!grown) {
        k8sc_free(line);
        return K8SC_ENOMEM;
    }
    ws->pending = grown;
    ws->pending[ws->npending++] = line;
    return 0;
}

/* One event line; takes over `object`. */
static char *event_line(const char *type, struct json_object *object)
{
    struct json_object *ev = json_object_new_object();
    if (!ev) {
        json_object_put(object);
        return NULL;
    }
    json_object_object_add(ev, "type", json_object_new_string(type));
    json_object_object_add(ev, "object", object);
    char *text = NULL;
    k8sc_json_encode(&text, NULL, ev, K8SC_ENCODE_NEWLINE);
    json_object_put(ev);
    return text;
}

static char *object_event(struct k8sc__watch_stream *ws, const char *type, const k8sc_object *obj)
{
    if (!ws->table) {
        struct json_object *o = k8sc__converted(k8sc_object_json(obj), ws->resource);
        return o ? event_line(type, o) : NULL;
    }
    struct json_object *t = k8sc__table_new(ws->srv, ws->resource, k8sc_object_resource_version(obj)), *rows = NULL;
    if (t && json_object_object_get_ex(t, "rows", &rows))
        json_object_array_add(rows, k8sc__table_row(ws->srv, ws->resource, obj, k8sc_clock_now(ws->srv->clock) / 1000000000));
    return event_line(type, t);
}

static char *bookmark_line(struct k8sc__watch_stream *ws, bool initial_end)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "kind", json_object_new_string(k8sc_resource_kind(ws->resource)));
    json_object_object_add(o, "apiVersion", json_object_new_string(k8sc_resource_api_version(ws->resource)));
    struct json_object *md = json_object_new_object();
    char rv[32];
    snprintf(rv, sizeof(rv), "%lld", (long long)ws->revision);
    json_object_object_add(md, "resourceVersion", json_object_new_string(rv));
    if (initial_end) {
        struct json_object *ann = json_object_new_object();
        json_object_object_add(ann, "k8s.io/initial-events-end", json_object_new_string("true"));
        json_object_object_add(md, "annotations", ann);
    }
    json_object_object_add(o, "metadata", md);
    return event_line("BOOKMARK", o);
}

static char *error_line(int code, const char *reason, const char *message)
{
    struct json_object *st = k8sc__status_new(code, reason, message, NULL);
    return st ? event_line("ERROR", st) : NULL;
}

/* Replay the state at the current revision as ADDED events; returns the revision read. */
static int initial_events(struct k8sc__watch_stream *ws, const char *prefix, int64_t *revision)
{
    char *token = NULL;
    int rc = 0;
    int64_t at = 0;
    do {
        k8sc_store_page *page = NULL;
        rc = k8sc_store_list(&page, ws->srv->store, prefix, 500, token, at);
        k8sc_free(token);
        token = NULL;
        if (rc)
            break;
        at = page->revision;
        for (size_t i = 0; i < page->count && !rc; i++) {
            k8sc_object *obj = NULL;
            if ((rc = k8sc__object_from_kv(&obj, page->items[i])))
                break;
            if (k8sc__filter_matches(&ws->filter, NULL, obj)) {
                char *line = object_event(ws, "ADDED", obj);
                rc = line ? push_line(ws, line) : K8SC_ENOMEM;
            }
            k8sc_object_free(obj);
        }
        if (!rc && page->continue_token && !(token = k8sc__strdup(page->continue_token)))
            rc = K8SC_ENOMEM;
        k8sc_store_page_free(page);
    } while (!rc && token);
    k8sc_free(token);
    *revision = at;
    return rc;
}

int k8sc__handle_watch(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route)
{
    struct k8sc__watch_stream *ws = k8sc__calloc(1, sizeof(*ws));
    if (!ws)
        return K8SC_ENOMEM;
    ws->srv = srv;
    ws->pollfd = ws->timerfd = -1;
    ws->resource = route->resource;
    ws->table = k8sc__wants_table(req->accept);
    const char *b = k8sc__query_get(req, "allowWatchBookmarks");
    ws->bookmarks = b && (strcmp(b, "true") == 0 || strcmp(b, "1") == 0);
    int rc = k8sc__filter_parse(&ws->filter, resp, req, route);
    const char *rvs = k8sc__query_get(req, "resourceVersion");
    const char *ts = k8sc__query_get(req, "timeoutSeconds");
    int64_t rv = 0;
    if (!rc && !resp->status && rvs && *rvs) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(rvs, &end, 10);
        if (errno || *end || v < 0)
            rc = k8sc__status_bad_request(resp, "invalid resource version: %s", rvs);
        rv = v;
    }
    if (!rc && !resp->status && ts && *ts) {
        char *end = NULL;
        long long v = strtoll(ts, &end, 10);
        if (*end || v < 0)
            rc = k8sc__status_bad_request(resp, "invalid timeoutSeconds: %s", ts);
        else if (v > 0)
            ws->deadline = k8sc_clock_mono(srv->clock) + v * 1000000000LL;
    }
    char *prefix = NULL;
    if (!rc && !resp->status && !(prefix = k8sc__storage_key(route->resource, route->ns, NULL)))
        rc = K8SC_ENOMEM;
    if (rc || resp->status) {
        k8sc_free(prefix);
        k8sc__watch_stream_free(ws);
        return rc;
    }
    const char *sie = k8sc__query_get(req, "sendInitialEvents");
    bool send_initial = sie && strcmp(sie, "true") == 0;
    if (rv == 0 || send_initial) {
        rc = initial_events(ws, prefix, &rv);
        if (!rc && send_initial && ws->bookmarks) {
            ws->revision = rv;
            char *line = bookmark_line(ws, true);
            rc = line ? push_line(ws, line) : K8SC_ENOMEM;
        }
    }
    if (!rc) {
        rc = k8sc_store_watch_open(&ws->watch, srv->store, prefix, rv);
        if (rc == K8SC_EGONE) {
            int64_t compacted = 0;
            char msg[128];
            k8sc_store_compacted_revision(&compacted, srv->store);
            snprintf(msg, sizeof(msg), "too old resource version: %lld (%lld)", (long long)rv, (long long)compacted);
            char *line = error_line(410, "Expired", msg);
            rc = line ? push_line(ws, line) : K8SC_ENOMEM;
            ws->ended = true;
        }
    }
    k8sc_free(prefix);
    if (rc) {
        k8sc__watch_stream_free(ws);
        return rc == K8SC_ENOMEM ? rc : k8sc__status_internal(resp, k8sc_error_last());
    }
    ws->revision = rv;
    ws->last_sent = k8sc_clock_mono(srv->clock);
    k8sc_free(resp->content_type);
    resp->content_type = k8sc__strdup("application/json");
    resp->status = 200;
    resp->stream = ws;
    return resp->content_type ? 0 : K8SC_ENOMEM;
}

/* The line for one store event, or NULL (with 0) when the filter hides it. */
static int convert(char **out, struct k8sc__watch_stream *ws, const k8sc_store_event *ev)
{
    *out = NULL;
    k8sc_object *now = NULL, *before = NULL;
    int rc = 0;
    ws->revision = ev->kv->mod_revision;
    /* Without selectors the previous object only matters for a deletion: most events parse one value, not two. */
    bool everything = !ws->filter.labels && !ws->filter.fields;
    if (ev->type != K8SC_STORE_DELETED)
        rc = k8sc__object_from_kv(&now, ev->kv);
    if (!rc && ev->prev && (!everything || ev->type == K8SC_STORE_DELETED)) {
        rc = k8sc__object_from_kv(&before, ev->prev);
        /* A deleted object is reported as last seen, at the deletion's revision. */
        if (!rc && ev->type == K8SC_STORE_DELETED) {
            char rv[32];
            snprintf(rv, sizeof(rv), "%lld", (long long)ev->kv->mod_revision);
            rc = k8sc_object_set_resource_version(before, rv);
        }
    }
    if (rc) {
        k8sc_object_free(now);
        k8sc_object_free(before);
        return rc;
    }
    bool was = everything ? ev->prev != NULL : before && k8sc__filter_matches(&ws->filter, NULL, before);
    bool is = now && (everything || k8sc__filter_matches(&ws->filter, NULL, now));
    if (ev->type == K8SC_STORE_DELETED) {
        if (was)
            *out = object_event(ws, "DELETED", before);
    } else if (is && was) {
        *out = object_event(ws, "MODIFIED", now);
    } else if (is) {
        *out = object_event(ws, "ADDED", now);
    } else if (was) {
        *out = object_event(ws, "DELETED", now);
    }
    bool shown = (ev->type == K8SC_STORE_DELETED && was) || (ev->type != K8SC_STORE_DELETED && (is || was));
    k8sc_object_free(now);
    k8sc_object_free(before);
    return shown && !*out ? K8SC_ENOMEM : 0;
}

static int stream_next(char **out, struct k8sc__watch_stream *ws, int timeout_ms)
{
    *out = NULL;
    if (ws->next_pending < ws->npending) {
        *out = ws->pending[ws->next_pending];
        ws->pending[ws->next_pending++] = NULL;
        return 1;
    }
    if (ws->ended || !ws->watch)
        return 0;
    int64_t start = k8sc_clock_mono(NULL);
    for (;;) {
        if (atomic_load(&ws->srv->stopping)) {
            ws->ended = true;
            return 0;
        }
        int64_t now = k8sc_clock_mono(ws->srv->clock);
        if (ws->deadline && now >= ws->deadline) {
            ws->ended = true;
            return 0;
        }
        if (ws->bookmarks && now - ws->last_sent >= BOOKMARK_INTERVAL_NS) {
            ws->last_sent = now;
            *out = bookmark_line(ws, false);
            return *out ? 1 : K8SC_ENOMEM;
        }
        int slice = POLL_SLICE_MS;
        if (timeout_ms >= 0) {
            int64_t left = timeout_ms - (k8sc_clock_mono(NULL) - start) / 1000000;
            if (left < slice)
                slice = left < 0 ? 0 : (int)left;
        }
        k8sc_store_event *ev = NULL;
        int rc = k8sc_store_watch_wait(&ev, ws->watch, slice);
        /* Out of time only once a read without waiting found nothing, so timeout 0 still takes queued events. */
        if (rc == K8SC_ETIMEOUT && timeout_ms >= 0 && slice == 0)
            return k8sc_error_set(K8SC_ETIMEOUT, "no watch event within %d ms", timeout_ms);
        if (rc == K8SC_ETIMEOUT)
            continue;
        if (rc) {
            /* The store ended the watch: tell the client to re-list, then stop. */
            ws->ended = true;
            *out = rc == K8SC_EGONE ? error_line(410, "Expired", k8sc_error_last())
                                    : error_line(500, "InternalError", k8sc_error_last());
            return *out ? 1 : K8SC_ENOMEM;
        }
        rc = convert(out, ws, ev);
        k8sc_store_event_free(ev);
        if (rc)
            return rc;
        if (*out) {
            ws->last_sent = k8sc_clock_mono(ws->srv->clock);
            return 1;
        }
    }
}

/* Arm the timer to fire at once while a line or the end is waiting, else every poll slice. */
static void rearm(struct k8sc__watch_stream *ws)
{
    if (ws->timerfd < 0)
        return;
    uint64_t expirations;
    ssize_t n = read(ws->timerfd, &expirations, sizeof(expirations));
    (void)n; /* EAGAIN: it had not fired, nothing to clear */
    struct itimerspec its = { { 0, 0 }, { 0, 0 } };
    if (ws->next_pending < ws->npending || ws->ended || !ws->watch) {
        its.it_value.tv_nsec = 1;
    } else {
        its.it_value.tv_nsec = POLL_SLICE_MS * 1000000L;
        its.it_interval = its.it_value;
    }
    timerfd_settime(ws->timerfd, 0, &its, NULL);
}

int k8sc__watch_stream_next(char **out, struct k8sc__watch_stream *ws, int timeout_ms)
{
    int rc = stream_next(out, ws, timeout_ms);
    rearm(ws);
    return rc;
}

static int add_fd(int epfd, int fd)
{
    struct epoll_event ev = { .events = EPOLLIN, .data = { .fd = fd } };
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int k8sc_apiserver_response_fd(k8sc_apiserver_response *resp)
{
    if (!resp || !resp->stream) {
        k8sc_error_set(K8SC_EINVAL, "apiserver: not a watch stream");
        return -1;
    }
    struct k8sc__watch_stream *ws = resp->stream;
    if (ws->pollfd >= 0)
        return ws->pollfd;
    /*
     * The store watch's descriptor is readable while store events wait; the
     * timer covers what it cannot show: lines already queued, the end of
     * the stream, timeoutSeconds, bookmarks and the server stopping.
     */
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epfd < 0 || tfd < 0 || add_fd(epfd, tfd) != 0 ||
        (ws->watch && add_fd(epfd, k8sc_store_watch_fd(ws->watch)) != 0)) {
        int e = errno;
        if (epfd >= 0)
            close(epfd);
        if (tfd >= 0)
            close(tfd);
        k8sc_error_set(K8SC_EIO, "apiserver: watch descriptor: %s", strerror(e));
        return -1;
    }
    ws->pollfd = epfd;
    ws->timerfd = tfd;
    rearm(ws);
    return epfd;
}
