/* kubectl describe's shared pieces: the prefix writer, labels, annotations, events, times and selectors. */
#include "describe_internal.h"


#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ANNOTATION_LEN 140

void k8sc__dw_write(k8sc__dw *w, int level, const char *fmt, ...)
{
    for (int i = 0; i < level; i++)
        k8sc__buf_puts(&w->seg, "  ");
    va_list ap;
    va_start(ap, fmt);
    k8sc__buf_vprintf(&w->seg, fmt, ap);
    va_end(ap);
}

void k8sc__dw_flush(k8sc__dw *w)
{
    if (w->seg.len && !w->seg.failed && k8sc__tabwriter_format(&w->out, w->seg.ptr, w->seg.len, 2, 0))
        w->out.failed = true;
    if (w->seg.failed)
        w->out.failed = true;
    w->seg.len = 0;
    if (w->seg.ptr)
        w->seg.ptr[0] = '\0';
}

int k8sc__dw_finish(k8sc__dw *w, char **out)
{
    k8sc__dw_flush(w);
    k8sc__buf_free(&w->seg);
    if (k8sc__buf_status(&w->out)) {
        k8sc__buf_free(&w->out);
        return k8sc__error_nomem();
    }
    *out = w->out.ptr ? k8sc__buf_detach(&w->out, NULL) : k8sc__strdup("");
    return *out ? 0 : K8SC_ENOMEM;
}

struct json_object *k8sc__dj_get(struct json_object *o, const char *path)
{
    char key[128];
    while (o && *path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (len >= sizeof(key) || !json_object_is_type(o, json_type_object))
            return NULL;
        memcpy(key, path, len);
        key[len] = '\0';
        if (!json_object_object_get_ex(o, key, &o))
            return NULL;
        path += len + (dot ? 1 : 0);
    }
    return o;
}

const char *k8sc__dj_str(struct json_object *o, const char *path)
{
    struct json_object *v = k8sc__dj_get(o, path);
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

const char *k8sc__dj_or(struct json_object *o, const char *path)
{
    const char *s = k8sc__dj_str(o, path);
    return s ? s : "";
}

int64_t k8sc__dj_int(struct json_object *o, const char *path, int64_t def)
{
    struct json_object *v = k8sc__dj_get(o, path);
    return json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : def;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **k8sc__dj_sorted_keys(struct json_object *map, const char *skip, size_t *n)
{
    *n = 0;
    size_t len = json_object_is_type(map, json_type_object) ? (size_t)json_object_object_length(map) : 0;
    const char **keys = k8sc__calloc(len ? len : 1, sizeof(*keys));
    if (!keys)
        return NULL;
    if (len) {
        json_object_object_foreach(map, k, v) {
            (void)v;
            if (!skip || strcmp(k, skip) != 0)
                keys[(*n)++] = k;
        }
    }
    qsort(keys, *n, sizeof(*keys), by_string);
    return keys;
}

void k8sc__dw_labels(k8sc__dw *w, const char *indent, const char *title, struct json_object *map)
{
    k8sc__dw_write(w, 0, "%s%s:\t", indent, title);
    size_t n = 0;
    const char **keys = k8sc__dj_sorted_keys(map, NULL, &n);
    if (!keys || n == 0)
        k8sc__dw_write(w, 0, "<none>\n");
    for (size_t i = 0; keys && i < n; i++) {
        if (i)
            k8sc__dw_write(w, 0, "%s\t", indent);
        k8sc__dw_write(w, 0, "%s=%s\n", keys[i], json_object_get_string(json_object_object_get(map, keys[i])));
    }
    free(keys);
}

void k8sc__dw_annotations(k8sc__dw *w, const char *title, struct json_object *map)
{
    k8sc__dw_write(w, 0, "%s:\t", title);
    size_t n = 0;
    const char **keys = k8sc__dj_sorted_keys(map, K8SC_CLI_LAST_APPLIED, &n);
    if (!keys || n == 0)
        k8sc__dw_write(w, 0, "<none>\n");
    for (size_t i = 0; keys && i < n; i++) {
        if (i)
            k8sc__dw_write(w, 0, "\t");
        const char *value = json_object_get_string(json_object_object_get(map, keys[i]));
        size_t vlen = strlen(value);
        if (vlen && value[vlen - 1] == '\n')
            vlen--;
        if (vlen + strlen(keys[i]) + 2 <= MAX_ANNOTATION_LEN && !memchr(value, '\n', vlen)) {
            k8sc__dw_write(w, 0, "%s: %.*s\n", keys[i], (int)vlen, value);
            continue;
        }
        k8sc__dw_write(w, 0, "%s:\n", keys[i]);
        const char *p = value, *end = value + vlen;
        for (;;) {
            const char *eol = memchr(p, '\n', (size_t)(end - p));
            size_t len = (size_t)((eol ? eol : end) - p);
            if (len > MAX_ANNOTATION_LEN - 2)
                k8sc__dw_write(w, 0, "\t  %.*s...\n", MAX_ANNOTATION_LEN - 2, p);
            else
                k8sc__dw_write(w, 0, "\t  %.*s\n", (int)len, p);
            if (!eol)
                break;
            p = eol + 1;
        }
    }
    free(keys);
}

void k8sc__dw_name(k8sc__dw *w, struct json_object *obj, bool with_namespace)
{
    k8sc__dw_write(w, 0, "Name:\t%s\n", k8sc__dj_or(obj, "metadata.name"));
    if (with_namespace)
        k8sc__dw_write(w, 0, "Namespace:\t%s\n", k8sc__dj_or(obj, "metadata.namespace"));
}

void k8sc__describe_time(char *buf, size_t size, const char *rfc3339)
{
    int64_t t = 0;
    struct tm tm;
    buf[0] = '\0';
    if (!rfc3339 || k8sc_time_parse(&t, rfc3339) != 0)
        return;
    time_t tt = (time_t)t;
    if (localtime_r(&tt, &tm))
        strftime(buf, size, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

void k8sc__describe_age(char *buf, size_t size, const char *rfc3339, time_t now)
{
    int64_t t = 0;
    if (!rfc3339 || !*rfc3339 || k8sc_time_parse(&t, rfc3339) != 0) {
        snprintf(buf, size, "<unknown>");
        return;
    }
    k8sc__human_duration(buf, size, (int64_t)now - t);
}

/* The time an event is sorted by: lastTimestamp, else eventTime. */
static int64_t event_time(const k8sc_object *e)
{
    const char *ts = k8sc_object_get_string(e, "lastTimestamp");
    if (!ts)
        ts = k8sc_object_get_string(e, "eventTime");
    int64_t t = 0;
    if (ts)
        k8sc_time_parse(&t, ts);
    return t;
}

void k8sc__dw_events(k8sc__dw *w, k8sc_object *const *events, size_t n)
{
    if (n == 0) {
        k8sc__dw_write(w, 0, "Events:\t<none>\n");
        return;
    }
    k8sc__dw_flush(w);
    k8sc_object **sorted = k8sc__calloc(n, sizeof(*sorted));
    if (!sorted) {
        w->out.failed = true;
        return;
    }
    memcpy(sorted, events, n * sizeof(*sorted));
    for (size_t a = 1; a < n; a++)
        for (size_t c = a; c > 0 && event_time(sorted[c - 1]) > event_time(sorted[c]); c--) {
            k8sc_object *t = sorted[c];
            sorted[c] = sorted[c - 1];
            sorted[c - 1] = t;
        }
    k8sc__dw_write(w, 0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    k8sc__dw_write(w, 1, "----\t------\t----\t----\t-------\n");
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = k8sc_object_json(sorted[i]);
        char first[32], last[64], interval[160];
        const char *event_time_s = k8sc__dj_str(e, "eventTime");
        k8sc__describe_age(first, sizeof(first), event_time_s ? event_time_s : k8sc__dj_str(e, "firstTimestamp"),
            w->now);
        int64_t count = k8sc__dj_int(e, "count", 0);
        if (k8sc__dj_get(e, "series")) {
            k8sc__describe_age(last, sizeof(last), k8sc__dj_str(e, "series.lastObservedTime"), w->now);
            snprintf(interval, sizeof(interval), "%s (x%lld over %s)", last,
                (long long)k8sc__dj_int(e, "series.count", 0), first);
        } else if (count > 1) {
            k8sc__describe_age(last, sizeof(last), k8sc__dj_str(e, "lastTimestamp"), w->now);
            snprintf(interval, sizeof(interval), "%s (x%lld over %s)", last, (long long)count, first);
        } else {
            snprintf(interval, sizeof(interval), "%s", first);
        }
        const char *source = k8sc__dj_or(e, "source.component");
        if (!*source)
            source = k8sc__dj_or(e, "reportingComponent");
        const char *msg = k8sc__dj_or(e, "message"), *field = k8sc__dj_or(e, "involvedObject.fieldPath");
        while (*msg == ' ' || *msg == '\n' || *msg == '\t' || *msg == '\r')
            msg++;
        size_t mlen = strlen(msg);
        while (mlen && (msg[mlen - 1] == ' ' || msg[mlen - 1] == '\n' || msg[mlen - 1] == '\t' || msg[mlen - 1] == '\r'))
            mlen--;
        k8sc__dw_write(w, 1, "%s\t%s\t%s\t%s\t%s%s%.*s\n", k8sc__dj_or(e, "type"), k8sc__dj_or(e, "reason"), interval,
            source, field, *field ? ": " : "", (int)mlen, msg);
    }
    free(sorted);
}

int k8sc__describe_selector(char **out, struct json_object *selector, const char *none)
{
    k8sc_selector *sel = NULL;
    *out = NULL;
    if (!selector || (json_object_is_type(selector, json_type_object) && json_object_object_length(selector) == 0))
        return (*out = k8sc__strdup(none)) ? 0 : K8SC_ENOMEM;
    int rc = k8sc_selector_from_json(&sel, selector);
    if (!rc)
        rc = k8sc_selector_to_string(out, sel);
    k8sc_selector_free(sel);
    if (!rc && !**out) {
        k8sc_free(*out);
        rc = (*out = k8sc__strdup(none)) ? 0 : K8SC_ENOMEM;
    }
    return rc;
}

int k8sc__describe_controller(char *buf, size_t size, struct json_object *obj)
{
    struct json_object *refs = k8sc__dj_get(obj, "metadata.ownerReferences");
    for (size_t i = 0; json_object_is_type(refs, json_type_array) && i < json_object_array_length(refs); i++) {
        struct json_object *r = json_object_array_get_idx(refs, i);
        if (json_object_get_boolean(json_object_object_get(r, "controller"))) {
            snprintf(buf, size, "%s/%s", k8sc__dj_or(r, "kind"), k8sc__dj_or(r, "name"));
            return 1;
        }
    }
    return 0;
}

size_t k8sc__dj_len(struct json_object *a)
{
    return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

void k8sc__describe_quantity(char *buf, size_t size, const char *text)
{
    k8sc_quantity q = k8sc_quantity_from_int(0, K8SC_QUANTITY_DECIMAL_SI);
    if (text && k8sc_quantity_parse(&q, text) != 0) {
        snprintf(buf, size, "%s", text);
        return;
    }
    if (k8sc_quantity_format_to(buf, size, &q) != 0)
        snprintf(buf, size, "%s", text ? text : "0");
}

void k8sc__describe_go_list(k8sc__buf *b, struct json_object *list)
{
    k8sc__buf_puts(b, "[");
    for (size_t i = 0; i < k8sc__dj_len(list); i++)
        k8sc__buf_printf(b, "%s%s", i ? " " : "", json_object_get_string(json_object_array_get_idx(list, i)));
    k8sc__buf_puts(b, "]");
}

void k8sc__dw_pods_status(k8sc__dw *w, k8sc_object *const *pods, size_t n)
{
    static const char *const phases[] = { "Running", "Pending", "Succeeded", "Failed" };
    long long counts[4] = { 0 };
    for (size_t i = 0; i < n; i++) {
        const char *phase = k8sc_object_get_string(pods[i], "status.phase");
        for (size_t p = 0; phase && p < 4; p++)
            counts[p] += strcmp(phase, phases[p]) == 0;
    }
    k8sc__dw_write(w, 0, "Pods Status:\t%lld Running / %lld Waiting / %lld Succeeded / %lld Failed\n", counts[0],
        counts[1], counts[2], counts[3]);
}

void k8sc__dw_map_line(k8sc__dw *w, const char *title, struct json_object *map)
{
    char *text = k8sc__describe_map_selector(map);
    k8sc__dw_write(w, 0, "%s:\t%s\n", title, text ? text : "<none>");
    k8sc_free(text);
}

struct json_object *k8sc__dj_at(struct json_object *a, size_t i)
{
    return i < k8sc__dj_len(a) ? json_object_array_get_idx(a, i) : NULL;
}

const char *k8sc__dj_key(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}
