/*
 * Event recorder after client-go's tools/record: callers build core/v1
 * Events and queue them; one sender thread correlates and writes them.
 *
 * Correlation is client-go's eventLogger: events with the same source,
 * involved object, type, reason and message share a key; a repeat within
 * ten minutes of the last one patches the existing Event's count,
 * lastTimestamp and message instead of creating a new one. Only the
 * sender thread touches the correlation cache, so it needs no lock.
 */
#include <json-c/json.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "controller.h"
#include "controller_internal.h"
#include "internal.h"

#define SEC INT64_C(1000000000)
/* client-go's maxIntervalInSeconds: a repeat older than this starts a new Event. */
#define CORRELATION_WINDOW_NS (600 * SEC)
/* client-go's maxLruCacheEntries. */
#define CACHE_MAX 4096
/* How long k8sc_event_recorder_free waits for the queue to drain. */
#define FREE_FLUSH_MS 5000

typedef struct ev_item {
    struct ev_item *next;
    k8sc_object *event;
    char *key;
    int64_t at_ns;
} ev_item;

/* What the sender remembers of an Event it wrote, by correlation key. */
typedef struct ev_seen {
    k8sc__keynode node;
    char name[288];
    char ns[72];
    char first[K8SC_TIME_BUFSIZE];
    int64_t count;
    int64_t last_ns;
} ev_seen;

struct k8sc_event_recorder {
    k8sc_client *client;
    char *component, *host;
    k8sc_clock *clock;

    pthread_mutex_t mu;
    pthread_cond_t work; /* an item was queued, or stop */
    pthread_cond_t idle; /* the queue drained and nothing is being sent */
    ev_item *head, *tail;
    size_t len;
    bool sending, stop;
    int64_t last_name_ns;
    pthread_t thread;

    k8sc__keymap seen; /* sender thread only */
};

static void item_free(ev_item *it)
{
    if (!it)
        return;
    k8sc_object_free(it->event);
    free(it->key);
    free(it);
}

static void *sender_main(void *arg);

int k8sc_event_recorder_new(k8sc_event_recorder **out, k8sc_client *client, const char *component, const char *host,
    k8sc_clock *clock)
{
    K8SC__CHECK_ARG(out);
    K8SC__CHECK_ARG(client);
    K8SC__CHECK_ARG(component && *component);
    k8sc_event_recorder *rec = k8sc__calloc(1, sizeof(*rec));
    if (!rec)
        return K8SC_ENOMEM;
    rec->client = client;
    rec->clock = clock;
    rec->component = k8sc__strdup(component);
    rec->host = k8sc__strdup(host ? host : "");
    if (!rec->component || !rec->host) {
        free(rec->component);
        free(rec->host);
        free(rec);
        return K8SC_ENOMEM;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&rec->work, &ca);
    pthread_cond_init(&rec->idle, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&rec->mu, NULL);
    int err = pthread_create(&rec->thread, NULL, sender_main, rec);
    if (err) {
        pthread_cond_destroy(&rec->work);
        pthread_cond_destroy(&rec->idle);
        pthread_mutex_destroy(&rec->mu);
        free(rec->component);
        free(rec->host);
        free(rec);
        return k8sc_error_set(K8SC_EIO, "k8sc_event_recorder_new: pthread_create: %s", strerror(err));
    }
    *out = rec;
    return 0;
}

/* client-go's getEventKey: every field that makes two events the same, joined by a separator. */
static char *correlation_key(const k8sc_object *ev)
{
    static const char *const fields[] = { "source.component", "source.host", "involvedObject.kind",
        "involvedObject.namespace", "involvedObject.name", "involvedObject.fieldPath", "involvedObject.uid",
        "involvedObject.apiVersion", "type", "reason", "message" };
    k8sc__buf b = K8SC__BUF_INIT;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(fields); i++) {
        const char *v = k8sc_object_get_string(ev, fields[i]);
        k8sc__buf_puts(&b, v ? v : "");
        k8sc__buf_putc(&b, '\x1f');
    }
    if (k8sc__buf_status(&b) < 0) {
        k8sc__buf_free(&b);
        return NULL;
    }
    return k8sc__buf_detach(&b, NULL);
}

static int set_opt_string(k8sc_object *obj, const char *path, const char *value)
{
    return value && *value ? k8sc_object_set_string(obj, path, value) : 0;
}

/* client-go's makeEvent plus the source generateEvent adds. */
static int build_event(k8sc_object **out, k8sc_event_recorder *rec, const k8sc_object *regarding, const char *type,
    const char *reason, const char *message, int64_t name_ns, int64_t at_ns)
{
    const char *obj_ns = k8sc_object_namespace(regarding);
    char name[320], stamp[K8SC_TIME_BUFSIZE];
    snprintf(name, sizeof(name), "%s.%llx", k8sc_object_name(regarding), (unsigned long long)name_ns);
    int64_t sec = at_ns / SEC - (at_ns % SEC < 0);
    int rc = k8sc_time_format(stamp, sizeof(stamp), sec);
    if (rc < 0)
        return rc;
    k8sc_object *ev = NULL;
    rc = k8sc_object_new(&ev, "v1", "Event");
    if (rc < 0)
        return rc;
    rc = k8sc_object_set_name(ev, name);
    if (rc == 0)
        rc = k8sc_object_set_namespace(ev, obj_ns && *obj_ns ? obj_ns : "default");
    if (rc == 0)
        rc = k8sc_object_set_string(ev, "involvedObject.kind", k8sc_object_kind(regarding));
    if (rc == 0)
        rc = set_opt_string(ev, "involvedObject.namespace", obj_ns);
    if (rc == 0)
        rc = k8sc_object_set_string(ev, "involvedObject.name", k8sc_object_name(regarding));
    if (rc == 0)
        rc = set_opt_string(ev, "involvedObject.uid", k8sc_object_uid(regarding));
    if (rc == 0)
        rc = set_opt_string(ev, "involvedObject.apiVersion", k8sc_object_api_version(regarding));
    if (rc == 0)
        rc = set_opt_string(ev, "involvedObject.resourceVersion", k8sc_object_resource_version(regarding));
    if (rc == 0)
        rc = k8sc_object_set_string(ev, "reason", reason);
    if (rc == 0)
        rc = k8sc_object_set_string(ev, "message", message);
    if (rc == 0)
        rc = k8sc_object_set_string(ev, "source.component", rec->component);
    if (rc == 0)
        rc = set_opt_string(ev, "source.host", rec->host);
    if (rc == 0)
        rc = k8sc_object_set_string(ev, "firstTimestamp", stamp);
    if (rc == 0)
        rc = k8sc_object_set_string(ev, "lastTimestamp", stamp);
    if (rc == 0)
        rc = k8sc_object_set_int(ev, "count", 1);
    if (rc == 0)
        rc = k8sc_object_set_string(ev, "type", type);
    if (rc == 0)
        rc = k8sc_object_set(ev, "eventTime", NULL);
    if (rc == 0)
        rc = k8sc_object_set_string(ev, "reportingComponent", rec->component);
    if (rc == 0)
        rc = k8sc_object_set_string(ev, "reportingInstance", rec->host);
    if (rc < 0) {
        k8sc_object_free(ev);
        return rc;
    }
    *out = ev;
    return 0;
}

int k8sc_event_recorder_event(k8sc_event_recorder *rec, const k8sc_object *regarding, const char *type,
    const char *reason, const char *message_fmt, ...)
{
    va_list ap;
    va_start(ap, message_fmt);
    int rc = k8sc_event_recorder_eventv(rec, regarding, type, reason, message_fmt, ap);
    va_end(ap);
    return rc;
}

int k8sc_event_recorder_eventv(k8sc_event_recorder *rec, const k8sc_object *regarding, const char *type,
    const char *reason, const char *message_fmt, va_list ap)
{
    K8SC__CHECK_ARG(rec);
    K8SC__CHECK_ARG(regarding);
    K8SC__CHECK_ARG(message_fmt);
    const char *kind = k8sc_object_kind(regarding), *name = k8sc_object_name(regarding);
    if (!kind || !*kind || !name || !*name)
        return k8sc_error_set(K8SC_EINVAL, "event recorder: the object has no kind or name");
    if (!type || (strcmp(type, "Normal") != 0 && strcmp(type, "Warning") != 0))
        return k8sc_error_set(K8SC_EINVAL, "event recorder: unsupported event type: \"%s\"", type ? type : "");
    if (!reason || !*reason)
        return k8sc_error_set(K8SC_EINVAL, "event recorder: the reason is empty");

    k8sc__buf msg = K8SC__BUF_INIT;
    k8sc__buf_vprintf(&msg, message_fmt, ap);
    k8sc__buf_putc(&msg, '\0');
    if (k8sc__buf_status(&msg) < 0) {
        k8sc__buf_free(&msg);
        return K8SC_ENOMEM;
    }

    int64_t at = k8sc_clock_now(rec->clock);
    /* Names carry the time in ns; never reuse one, even when the clock stands still. */
    pthread_mutex_lock(&rec->mu);
    int64_t name_ns = at > rec->last_name_ns ? at : rec->last_name_ns + 1;
    rec->last_name_ns = name_ns;
    pthread_mutex_unlock(&rec->mu);

    ev_item *it = k8sc__calloc(1, sizeof(*it));
    int rc = it ? build_event(&it->event, rec, regarding, type, reason, msg.ptr, name_ns, at) : K8SC_ENOMEM;
    k8sc__buf_free(&msg);
    if (rc == 0 && !(it->key = correlation_key(it->event)))
        rc = K8SC_ENOMEM;
    if (rc < 0) {
        item_free(it);
        return rc;
    }
    it->at_ns = at;

    pthread_mutex_lock(&rec->mu);
    if (rec->len >= K8SC_EVENT_QUEUE_MAX || rec->stop) {
        pthread_mutex_unlock(&rec->mu);
        k8sc_log(K8SC_LOG_WARN, "events: queue full, dropping event %s/%s %s", kind, name, reason);
        item_free(it);
        return k8sc_error_set(K8SC_ETOOMANY, "event recorder: queue full, event dropped");
    }
    if (rec->tail)
        rec->tail->next = it;
    else
        rec->head = it;
    rec->tail = it;
    rec->len++;
    pthread_cond_signal(&rec->work);
    pthread_mutex_unlock(&rec->mu);
    return 0;
}

/* Keep the cache bounded: forget the entry seen longest ago. */
static void evict_oldest(k8sc__keymap *m)
{
    ev_seen *oldest = NULL;
    for (size_t i = 0; i < m->nbuckets; i++)
        for (k8sc__keynode *n = m->buckets[i]; n; n = n->next) {
            ev_seen *s = (ev_seen *)n;
            if (!oldest || s->last_ns < oldest->last_ns)
                oldest = s;
        }
    if (oldest)
        k8sc__keymap_remove(m, &oldest->node);
}

/* Remember what the server stored for `key`. */
static void remember(k8sc_event_recorder *rec, const char *key, const k8sc_object *stored, int64_t at_ns)
{
    ev_seen *s = (ev_seen *)k8sc__keymap_find(&rec->seen, key);
    const char *name = k8sc_object_name(stored), *ns = k8sc_object_namespace(stored);
    const char *first = k8sc_object_get_string(stored, "firstTimestamp");
    int64_t count = 1;
    k8sc_object_get_int(stored, "count", &count);
    if (!name || !ns || !first || strlen(name) >= sizeof(s->name) || strlen(ns) >= sizeof(s->ns) ||
        strlen(first) >= sizeof(s->first)) {
        if (s)
            k8sc__keymap_remove(&rec->seen, &s->node);
        return;
    }
    if (!s) {
        if (rec->seen.count >= CACHE_MAX)
            evict_oldest(&rec->seen);
        s = (ev_seen *)k8sc__keymap_insert(&rec->seen, key, sizeof(*s));
        if (!s)
            return;
    }
    snprintf(s->name, sizeof(s->name), "%s", name);
    snprintf(s->ns, sizeof(s->ns), "%s", ns);
    snprintf(s->first, sizeof(s->first), "%s", first);
    s->count = count;
    s->last_ns = at_ns;
}

static int patch_repeat(k8sc_event_recorder *rec, k8sc_object **out, const ev_seen *s, const k8sc_object *ev,
    int64_t count)
{
    struct json_object *p = json_object_new_object();
    if (!p)
        return k8sc__error_nomem();
    json_object_object_add(p, "count", json_object_new_int64(count));
    json_object_object_add(p, "lastTimestamp", json_object_new_string(k8sc_object_get_string(ev, "lastTimestamp")));
    json_object_object_add(p, "message", json_object_new_string(k8sc_object_get_string(ev, "message")));
    const char *text = json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN);
    int rc = text ? k8sc_client_patch(out, rec->client, "v1", "Event", s->ns, s->name, K8SC_PATCH_STRATEGIC, text)
                  : k8sc__error_nomem();
    json_object_put(p);
    return rc;
}

/* client-go's recordToSink for one event: patch a recent twin, else create. */
static void send_one(k8sc_event_recorder *rec, ev_item *it)
{
    ev_seen *s = (ev_seen *)k8sc__keymap_find(&rec->seen, it->key);
    if (s && it->at_ns - s->last_ns >= CORRELATION_WINDOW_NS) {
        k8sc__keymap_remove(&rec->seen, &s->node);
        s = NULL;
    }
    k8sc_object *stored = NULL;
    int rc = K8SC_ENOTFOUND;
    if (s) {
        int64_t count = s->count + 1;
        rc = patch_repeat(rec, &stored, s, it->event, count);
        /* The Event may have been deleted meanwhile: create it again under its old name and count. */
        if (rc == K8SC_ENOTFOUND && (k8sc_object_set_name(it->event, s->name) < 0 ||
                                        k8sc_object_set_string(it->event, "firstTimestamp", s->first) < 0 ||
                                        k8sc_object_set_int(it->event, "count", count) < 0))
            rc = K8SC_ENOMEM;
    }
    if (rc == K8SC_ENOTFOUND)
        rc = k8sc_client_create(&stored, rec->client, it->event);
    if (rc == 0) {
        remember(rec, it->key, stored, it->at_ns);
    } else {
        k8sc_log(rc == K8SC_EEXISTS ? K8SC_LOG_DEBUG : K8SC_LOG_WARN, "events: unable to write event %s/%s: %s",
            k8sc_object_namespace(it->event), k8sc_object_name(it->event), k8sc_error_last());
    }
    k8sc_object_free(stored);
}

static void *sender_main(void *arg)
{
    k8sc_event_recorder *rec = arg;
    pthread_mutex_lock(&rec->mu);
    for (;;) {
        while (!rec->head && !rec->stop)
            pthread_cond_wait(&rec->work, &rec->mu);
        if (rec->stop)
            break;
        ev_item *it = rec->head;
        rec->head = it->next;
        if (!rec->head)
            rec->tail = NULL;
        rec->len--;
        rec->sending = true;
        pthread_mutex_unlock(&rec->mu);
        send_one(rec, it);
        item_free(it);
        pthread_mutex_lock(&rec->mu);
        rec->sending = false;
        if (!rec->head)
            pthread_cond_broadcast(&rec->idle);
    }
    pthread_mutex_unlock(&rec->mu);
    return NULL;
}

static int64_t real_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
}

/* Wait for the queue to drain until `deadline` (CLOCK_MONOTONIC ns); called with mu held. */
static bool wait_idle(k8sc_event_recorder *rec, int64_t deadline)
{
    struct timespec ts = { (time_t)(deadline / SEC), (long)(deadline % SEC) };
    while ((rec->head || rec->sending) && real_mono_ns() < deadline)
        pthread_cond_timedwait(&rec->idle, &rec->mu, &ts);
    return !rec->head && !rec->sending;
}

int k8sc_event_recorder_flush(k8sc_event_recorder *rec, int timeout_ms)
{
    K8SC__CHECK_ARG(rec);
    K8SC__CHECK_ARG(timeout_ms >= 0);
    pthread_mutex_lock(&rec->mu);
    bool idle = wait_idle(rec, real_mono_ns() + (int64_t)timeout_ms * 1000000);
    pthread_mutex_unlock(&rec->mu);
    return idle ? 0 : k8sc_error_set(K8SC_ETIMEOUT, "event recorder: events still queued after %d ms", timeout_ms);
}

void k8sc_event_recorder_free(k8sc_event_recorder *rec)
{
    if (!rec)
        return;
    pthread_mutex_lock(&rec->mu);
    wait_idle(rec, real_mono_ns() + (int64_t)FREE_FLUSH_MS * 1000000);
    rec->stop = true;
    ev_item *rest = rec->head;
    size_t dropped = rec->len;
    rec->head = rec->tail = NULL;
    rec->len = 0;
    pthread_cond_signal(&rec->work);
    pthread_mutex_unlock(&rec->mu);
    if (dropped)
        k8sc_log(K8SC_LOG_WARN, "events: recorder closed with %zu events unsent, dropped", dropped);
    pthread_join(rec->thread, NULL);
    while (rest) {
        ev_item *next = rest->next;
        item_free(rest);
        rest = next;
    }
    k8sc__keymap_clear(&rec->seen);
    pthread_cond_destroy(&rec->work);
    pthread_cond_destroy(&rec->idle);
    pthread_mutex_destroy(&rec->mu);
    free(rec->component);
    free(rec->host);
    free(rec);
}
