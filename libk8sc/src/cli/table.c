/*
 * Server-side Tables: fetched with kubectl's Accept header and printed as
 * kubectl's table printer does through a text/tabwriter (minimum width 6,
 * padding 3, the last column unpadded).
 */
#include "cli_internal.h"

#include "../client/client_internal.h"

#include <stdlib.h>
#include <string.h>

#define TABLE_ACCEPT \
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
#define MIN_WIDTH 6
#define PADDING 3

int k8sc_cli_table_options_init(k8sc_cli_table_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts);
    if (version != K8SC_CLI_TABLE_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_cli_table_options: unknown version %u", version);
    k8sc_cli_table_options init = K8SC_CLI_TABLE_OPTIONS_INIT;
    *opts = init;
    return 0;
}

int k8sc_cli_get_table(k8sc_object **out, k8sc_client *client, const k8sc_resource *r,
    const char *namespace_, const char *name, const k8sc_list_options *opts)
{
    K8SC__CHECK_ARG(out && client && r);
    *out = NULL;
    char *path = NULL;
    int rc = k8sc__client_path(&path, client, k8sc_resource_api_version(r), k8sc_resource_kind(r), namespace_, name);
    if (rc)
        return rc;
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_puts(&b, path);
    free(path);
    if (!name && opts) {
        if (opts->label_selector && *opts->label_selector)
            k8sc__query_add(&b, "labelSelector", opts->label_selector);
        if (opts->field_selector && *opts->field_selector)
            k8sc__query_add(&b, "fieldSelector", opts->field_selector);
    }
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        return K8SC_ENOMEM;
    }
    char *body = NULL;
    rc = k8sc__cli_get(&body, client, b.ptr, TABLE_ACCEPT);
    k8sc__buf_free(&b);
    if (rc)
        return rc;
    struct json_object *t = NULL;
    rc = k8sc_json_parse(&t, body, strlen(body));
    free(body);
    if (rc)
        return k8sc_error_set(rc, "decoding the table: %s", k8sc_error_last());
    if (!json_object_is_type(json_object_object_get(t, "columnDefinitions"), json_type_array)) {
        json_object_put(t);
        return k8sc_error_set(K8SC_EINVAL, "the server did not answer with a Table");
    }
    if ((rc = k8sc_object_wrap(out, t)))
        json_object_put(t);
    return rc;
}

size_t k8sc_cli_table_rows(const k8sc_object *table)
{
    struct json_object *rows = table ? k8sc_object_get(table, "rows") : NULL;
    return json_object_is_type(rows, json_type_array) ? json_object_array_length(rows) : 0;
}

int k8sc_cli_table_append(k8sc_object *dst, const k8sc_object *src)
{
    K8SC__CHECK_ARG(dst && src);
    struct json_object *to = k8sc_object_get(dst, "rows"), *from = k8sc_object_get(src, "rows");
    if (!json_object_is_type(to, json_type_array) || !json_object_is_type(from, json_type_array))
        return k8sc_error_set(K8SC_EINVAL, "not a Table: rows must be a list");
    for (size_t i = 0; i < json_object_array_length(from); i++) {
        struct json_object *row = json_object_get(json_object_array_get_idx(from, i));
        if (json_object_array_add(to, row)) {
            json_object_put(row);
            return k8sc__error_nomem();
        }
    }
    return 0;
}

/* One row of cells as text; `cells` holds ncols strings. */
typedef struct {
    char **cells;
} line;

static char *cell_text(struct json_object *v)
{
    if (!v || json_object_is_type(v, json_type_null))
        return k8sc__strdup("<none>");
    if (json_object_is_type(v, json_type_string))
        return k8sc__strdup(json_object_get_string(v));
    return k8sc__strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static char *upper(const char *s)
{
    char *u = k8sc__strdup(s);
    for (char *p = u; p && *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return u;
}

/* "a=1,b=2" from metadata.labels (sorted as Go's labels.String), or "<none>". */
static char *labels_text(struct json_object *obj)
{
    struct json_object *md = json_object_object_get(obj, "metadata");
    struct json_object *labels = json_object_object_get(md, "labels");
    size_t n = json_object_is_type(labels, json_type_object) ? (size_t)json_object_object_length(labels) : 0;
    if (n == 0)
        return k8sc__strdup("<none>");
    const char **keys = k8sc__calloc(n, sizeof(*keys));
    if (!keys)
        return NULL;
    size_t i = 0;
    json_object_object_foreach(labels, k, v) {
        (void)v;
        keys[i++] = k;
    }
    for (size_t a = 1; a < n; a++)
        for (size_t c = a; c > 0 && strcmp(keys[c - 1], keys[c]) > 0; c--) {
            const char *t = keys[c];
            keys[c] = keys[c - 1];
            keys[c - 1] = t;
        }
    k8sc__buf b = K8SC__BUF_INIT;
    for (i = 0; i < n; i++)
        k8sc__buf_printf(&b, "%s%s=%s", i ? "," : "", keys[i],
            json_object_get_string(json_object_object_get(labels, keys[i])));
    free(keys);
    return k8sc__buf_status(&b) ? (k8sc__buf_free(&b), NULL) : k8sc__buf_detach(&b, NULL);
}

static char *namespace_text(struct json_object *obj)
{
    struct json_object *ns = json_object_object_get(json_object_object_get(obj, "metadata"), "namespace");
    return k8sc__strdup(ns ? json_object_get_string(ns) : "");
}

static void lines_free(line *lines, size_t nlines, size_t ncols)
{
    for (size_t i = 0; lines && i < nlines; i++) {
        for (size_t c = 0; lines[i].cells && c < ncols; c++)
            free(lines[i].cells[c]);
        free(lines[i].cells);
    }
    free(lines);
}

/* Which columns print: `shown[i]` is the column index of printed column i. */
static size_t shown_columns(size_t *shown, struct json_object *defs, bool wide)
{
    size_t n = 0;
    for (size_t i = 0; i < json_object_array_length(defs); i++) {
        struct json_object *d = json_object_array_get_idx(defs, i);
        if (wide || json_object_get_int64(json_object_object_get(d, "priority")) == 0)
            shown[n++] = i;
    }
    return n;
}

static int fill_line(line *l, struct json_object *row, struct json_object *defs, const size_t *shown,
    size_t nshown, const k8sc_cli_table_options *o)
{
    size_t ncols = nshown + (o->with_namespace ? 1 : 0) + (o->show_labels ? 1 : 0), c = 0;
    if (!(l->cells = k8sc__calloc(ncols, sizeof(char *))))
        return K8SC_ENOMEM;
    struct json_object *obj = row ? json_object_object_get(row, "object") : NULL;
    struct json_object *cells = row ? json_object_object_get(row, "cells") : NULL;
    if (o->with_namespace)
        l->cells[c++] = row ? namespace_text(obj) : k8sc__strdup("NAMESPACE");
    for (size_t i = 0; i < nshown; i++) {
        if (row)
            l->cells[c++] = cell_text(json_object_array_get_idx(cells, shown[i]));
        else
            l->cells[c++] = upper(json_object_get_string(
                json_object_object_get(json_object_array_get_idx(defs, shown[i]), "name")));
    }
    if (o->show_labels)
        l->cells[c++] = row ? labels_text(obj) : k8sc__strdup("LABELS");
    for (size_t i = 0; i < ncols; i++)
        if (!l->cells[i])
            return K8SC_ENOMEM;
    return 0;
}

static int print_lines(char **out, line *lines, size_t nlines, size_t ncols)
{
    size_t *width = k8sc__calloc(ncols ? ncols : 1, sizeof(size_t));
    if (!width)
        return K8SC_ENOMEM;
    for (size_t i = 0; i < nlines; i++)
        for (size_t c = 0; c + 1 < ncols; c++) {
            size_t w = strlen(lines[i].cells[c]) + PADDING;
            if (w > width[c])
                width[c] = w < MIN_WIDTH ? MIN_WIDTH : w;
        }
    k8sc__buf b = K8SC__BUF_INIT;
    for (size_t i = 0; i < nlines; i++) {
        for (size_t c = 0; c < ncols; c++) {
            const char *s = lines[i].cells[c];
            k8sc__buf_puts(&b, s);
            for (size_t pad = strlen(s); c + 1 < ncols && pad < width[c]; pad++)
                k8sc__buf_putc(&b, ' ');
        }
        k8sc__buf_putc(&b, '\n');
    }
    free(width);
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        return K8SC_ENOMEM;
    }
    *out = b.ptr ? k8sc__buf_detach(&b, NULL) : k8sc__strdup("");
    return *out ? 0 : K8SC_ENOMEM;
}

int k8sc_cli_table_format(char **out, const k8sc_object *tobj, const k8sc_cli_table_options *opts)
{
    K8SC__CHECK_ARG(out && tobj);
    struct json_object *table = k8sc_object_json(tobj);
    *out = NULL;
    k8sc_cli_table_options o = K8SC_CLI_TABLE_OPTIONS_INIT;
    if (opts)
        o = *opts;
    struct json_object *defs = json_object_object_get(table, "columnDefinitions");
    struct json_object *rows = json_object_object_get(table, "rows");
    if (!json_object_is_type(defs, json_type_array) || (rows && !json_object_is_type(rows, json_type_array)))
        return k8sc_error_set(K8SC_EINVAL, "not a Table: columnDefinitions and rows must be lists");
    size_t nrows = k8sc_cli_table_rows(tobj);
    if (nrows == 0)
        return (*out = k8sc__strdup("")) ? 0 : K8SC_ENOMEM;
    size_t ndefs = json_object_array_length(defs);
    size_t *shown = k8sc__calloc(ndefs ? ndefs : 1, sizeof(size_t));
    size_t nlines = nrows + (o.no_headers ? 0 : 1);
    line *lines = k8sc__calloc(nlines, sizeof(line));
    int rc = shown && lines ? 0 : K8SC_ENOMEM;
    size_t nshown = rc ? 0 : shown_columns(shown, defs, o.wide);
    size_t ncols = nshown + (o.with_namespace ? 1 : 0) + (o.show_labels ? 1 : 0);
    for (size_t i = 0; !rc && i < nlines; i++) {
        struct json_object *row = o.no_headers ? json_object_array_get_idx(rows, i)
                                  : i ? json_object_array_get_idx(rows, i - 1) : NULL;
        rc = fill_line(&lines[i], row, defs, shown, nshown, &o);
    }
    if (!rc)
        rc = print_lines(out, lines, nlines, ncols);
    lines_free(lines, nlines, ncols);
    free(shown);
    return rc;
}
