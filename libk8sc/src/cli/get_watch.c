/*
 * k8sctl get -w: the objects first (unless --watch-only), then one line or
 * document per watch event until the stream ends. Table rows come from the
 * server's Table of each changed object (a deleted one's last known row);
 * as kubectl's, each event is laid out on its own.
 */
#include "describe_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    k8sc__cli *cli;
    k8sc_client *c;
    const k8sc_resource *r;
    const k8sc__cli_watch_flags *f;
    bool table;
    size_t printed; /* documents printed, for the yaml separator */
    k8sc_object *shown; /* every Table row printed, for the column widths */
    k8sc_object **rows; /* the last one-row Table of each object seen, by UID */
    size_t nrows;
} watcher;

/* A metadata field of the first row's object of a Table, or NULL. */
static const char *row_meta(const k8sc_object *table, const char *field)
{
    struct json_object *rows = k8sc_object_get(table, "rows");
    struct json_object *row = json_object_is_type(rows, json_type_array) && json_object_array_length(rows)
        ? json_object_array_get_idx(rows, 0) : NULL;
    struct json_object *md = k8sc__dj_get(row, "object.metadata");
    return md ? k8sc__dj_str(md, field) : NULL;
}

static const char *row_uid(const k8sc_object *table)
{
    return row_meta(table, "uid");
}

static k8sc_object *cached_row(watcher *w, const char *uid)
{
    for (size_t i = 0; uid && i < w->nrows; i++)
        if (row_uid(w->rows[i]) && strcmp(row_uid(w->rows[i]), uid) == 0)
            return w->rows[i];
    return NULL;
}

static int cache_row(watcher *w, k8sc_object *table)
{
    const char *uid = row_uid(table);
    for (size_t i = 0; uid && i < w->nrows; i++)
        if (row_uid(w->rows[i]) && strcmp(row_uid(w->rows[i]), uid) == 0) {
            k8sc_object_free(w->rows[i]);
            w->rows[i] = k8sc_object_ref(table);
            return 0;
        }
    k8sc_object **more = k8sc__realloc(w->rows, (w->nrows + 1) * sizeof(*more));
    if (!more)
        return k8sc__error_nomem();
    w->rows = more;
    w->rows[w->nrows++] = k8sc_object_ref(table);
    return 0;
}

static struct json_object *column(const char *name)
{
    struct json_object *col = json_object_new_object();
    json_object_object_add(col, "name", json_object_new_string(name));
    json_object_object_add(col, "type", json_object_new_string("string"));
    json_object_object_add(col, "format", json_object_new_string(""));
    json_object_object_add(col, "description", json_object_new_string(""));
    json_object_object_add(col, "priority", json_object_new_int(0));
    return col;
}

/* A copy of array `a` with `first` (and `second`, when set) in front; the new values are taken over. */
static struct json_object *prepend(struct json_object *a, struct json_object *first, struct json_object *second)
{
    struct json_object *out = json_object_new_array();
    json_object_array_add(out, first);
    if (second)
        json_object_array_add(out, second);
    for (size_t i = 0; json_object_is_type(a, json_type_array) && i < json_object_array_length(a); i++)
        json_object_array_add(out, json_object_get(json_object_array_get_idx(a, i)));
    return out;
}

/* kubectl's EVENT column (and NAMESPACE after it with -A) in front of a Table's columns. */
static int add_event_column(k8sc_object *table, const char *event, bool with_ns)
{
    struct json_object *root = k8sc_object_json(table);
    struct json_object *cols = json_object_object_get(root, "columnDefinitions");
    json_object_object_add(root, "columnDefinitions",
        prepend(cols, column("EVENT"), with_ns ? column("NAMESPACE") : NULL));
    struct json_object *rows = json_object_object_get(root, "rows");
    for (size_t i = 0; json_object_is_type(rows, json_type_array) && i < json_object_array_length(rows); i++) {
        struct json_object *row = json_object_array_get_idx(rows, i);
        const char *ns = k8sc__dj_str(row, "object.metadata.namespace");
        /* kubectl pads the type to the longest one's width, MODIFIED. */
        char padded[16];
        snprintf(padded, sizeof(padded), "%-8s", event);
        json_object_object_add(row, "cells", prepend(json_object_object_get(row, "cells"),
            json_object_new_string(padded), with_ns ? json_object_new_string(ns ? ns : "") : NULL));
    }
    return 0;
}

/* The text after the last line break but one: the last line of `text`. */
static const char *last_line(const char *text)
{
    size_t len = strlen(text);
    if (len && text[len - 1] == '\n')
        len--;
    while (len && text[len - 1] != '\n')
        len--;
    return text + len;
}

/*
 * Print a Table's rows (with the header the first time). kubectl's
 * tabwriter remembers column widths across events, so each event's row is
 * laid out with everything printed before it, and only its line shown.
 */
static int print_table(watcher *w, const k8sc_object *table, const char *event)
{
    k8sc_object *copy = NULL;
    int rc = k8sc_object_dup(&copy, table);
    k8sc_cli_table_options o = *w->f->table;
    o.with_namespace = w->f->all_namespaces && k8sc_resource_namespaced(w->r);
    if (!rc && w->f->events) {
        rc = add_event_column(copy, event, o.with_namespace);
        o.with_namespace = false;
    }
    bool first = !w->shown;
    if (!rc && first)
        w->shown = k8sc_object_ref(copy);
    else if (!rc)
        rc = k8sc_cli_table_append(w->shown, copy);
    char *text = NULL;
    if (!rc)
        rc = k8sc_cli_table_format(&text, w->shown, &o);
    if (!rc) {
        fputs(first ? text : last_line(text), w->cli->out);
        fflush(w->cli->out);
    }
    k8sc_free(text);
    k8sc_object_free(copy);
    return rc;
}

static int print_object(watcher *w, const k8sc_object *obj, const char *event)
{
    const char *o = w->f->output;
    k8sc_object *one = (k8sc_object *)obj;
    char *text = NULL;
    int rc;
    if (w->f->events && strcmp(o, "yaml") == 0) {
        struct json_object *ev = json_object_new_object();
        json_object_object_add(ev, "type", json_object_new_string(event));
        json_object_object_add(ev, "object", json_object_get(k8sc_object_json(obj)));
        rc = k8sc_yaml_encode(&text, NULL, ev, K8SC_ENCODE_SORT_KEYS);
        json_object_put(ev);
    } else if (w->f->events && strcmp(o, "json") == 0) {
        /* kubectl writes an event on one line, its type before its object. */
        char *obj_text = NULL;
        rc = k8sc_json_encode(&obj_text, NULL, k8sc_object_json(obj), K8SC_ENCODE_SORT_KEYS);
        k8sc__buf b = K8SC__BUF_INIT;
        if (!rc)
            k8sc__buf_printf(&b, "{\"type\":\"%s\",\"object\":%s}\n", event, obj_text);
        k8sc_free(obj_text);
        if (!rc && !(text = k8sc__buf_status(&b) ? NULL : k8sc__buf_detach(&b, NULL)))
            rc = K8SC_ENOMEM;
        k8sc__buf_free(&b);
    } else {
        rc = k8sc_cli_format(&text, o, w->r, &one, 1, false);
    }
    if (rc)
        return rc;
    if (strcmp(o, "yaml") == 0 && w->printed++)
        fputs("---\n", w->cli->out);
    fputs(text, w->cli->out);
    fflush(w->cli->out);
    k8sc_free(text);
    return 0;
}

static int on_event(watcher *w, k8sc_watch_event_type type, const k8sc_object *obj)
{
    const char *event = k8sc_watch_event_type_name(type);
    if (!w->table)
        return print_object(w, obj, event);
    k8sc_object *row = NULL;
    int rc = 0;
    if (type != K8SC_WATCH_DELETED)
        rc = k8sc_cli_get_table(&row, w->c, w->r, k8sc_object_namespace(obj), k8sc_object_name(obj), NULL);
    if (type == K8SC_WATCH_DELETED || rc == K8SC_ENOTFOUND) {
        k8sc_object *last = cached_row(w, k8sc_object_uid(obj));
        return last ? print_table(w, last, event) : 0;
    }
    if (!rc)
        rc = cache_row(w, row);
    if (!rc)
        rc = print_table(w, row, event);
    k8sc_object_free(row);
    return rc;
}

/* The rows of the first Table, one Table each, into the cache. */
static int cache_rows(watcher *w, const k8sc_object *table)
{
    struct json_object *rows = k8sc_object_get(table, "rows");
    int rc = 0;
    for (size_t i = 0; !rc && json_object_is_type(rows, json_type_array) && i < json_object_array_length(rows); i++) {
        k8sc_object *one = NULL;
        rc = k8sc_object_dup(&one, table);
        struct json_object *only = json_object_new_array();
        json_object_array_add(only, json_object_get(json_object_array_get_idx(rows, i)));
        if (!rc)
            json_object_object_add(k8sc_object_json(one), "rows", only);
        else
            json_object_put(only);
        if (!rc)
            rc = cache_row(w, one);
        k8sc_object_free(one);
    }
    return rc;
}

/* What is there now: printed unless --watch-only; `*rv` the resourceVersion to watch from. */
static int initial(watcher *w, const char *ns, const char *name, char **rv)
{
    k8sc_object *got = NULL, **items = NULL;
    size_t n = 0;
    int rc;
    if (w->table)
        rc = k8sc_cli_get_table(&got, w->c, w->r, ns, name, name ? NULL : w->f->list);
    else if (name)
        rc = k8sc_client_get(&got, w->c, k8sc_resource_api_version(w->r), k8sc_resource_kind(w->r), ns, name);
    else
        rc = k8sc_client_list(&got, w->c, k8sc_resource_api_version(w->r), k8sc_resource_kind(w->r), ns, w->f->list);
    if (rc)
        return rc;
    const char *v = k8sc_object_get_string(got, "metadata.resourceVersion");
    if (w->table && name)
        v = row_meta(got, "resourceVersion");
    *rv = v && *v ? k8sc__strdup(v) : NULL;
    if (w->table) {
        rc = cache_rows(w, got);
        if (!rc && !w->f->watch_only && k8sc_cli_table_rows(got))
            rc = print_table(w, got, "ADDED");
    } else if (name) {
        rc = w->f->watch_only ? 0 : print_object(w, got, "ADDED");
    } else {
        rc = k8sc_cli_list_items(&items, &n, got);
        for (size_t i = 0; !rc && !w->f->watch_only && i < n; i++)
            rc = print_object(w, items[i], "ADDED");
    }
    k8sc_objects_free(items, n);
    k8sc_object_free(got);
    return rc;
}

int k8sc__cli_get_watch(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const char *ns, const char *name,
    const k8sc__cli_watch_flags *f)
{
    watcher w = { cli, c, r, f, !*f->output || strcmp(f->output, "wide") == 0, 0, NULL, NULL, 0 };
    char *rv = NULL, field[512] = "";
    int rc = initial(&w, ns, name, &rv);
    if (name) {
        snprintf(field, sizeof(field), "metadata.name=%s%s%s", name, f->list->field_selector ? "," : "",
            f->list->field_selector ? f->list->field_selector : "");
    }
    k8sc_watch_options wo = K8SC_WATCH_OPTIONS_INIT;
    wo.label_selector = f->list->label_selector;
    wo.field_selector = name ? field : f->list->field_selector;
    wo.resource_version = rv;
    k8sc_watch *watch = NULL;
    if (!rc)
        rc = k8sc_client_watch(&watch, c, k8sc_resource_api_version(r), k8sc_resource_kind(r), ns, &wo);
    while (!rc) {
        k8sc_watch_event_type type;
        k8sc_object *obj = NULL;
        int got = k8sc_watch_next(&type, &obj, watch, -1);
        if (got <= 0) {
            rc = got;
            break;
        }
        if (type != K8SC_WATCH_BOOKMARK)
            rc = on_event(&w, type, obj);
        k8sc_object_free(obj);
    }
    k8sc_watch_free(watch);
    free(rv);
    k8sc_objects_free(w.rows, w.nrows);
    k8sc_object_free(w.shown);
    return rc ? k8sc__cli_report(cli, NULL) : 0;
}
