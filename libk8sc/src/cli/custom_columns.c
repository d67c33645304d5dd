/* -o custom-columns=HEADER:PATH,...: one column per JSONPath, kubectl's tabwriter layout. */
#include "describe_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *header;
    char *expr;
} column;

static void columns_free(column *cols, size_t n)
{
    for (size_t i = 0; cols && i < n; i++) {
        free(cols[i].header);
        k8sc_free(cols[i].expr);
    }
    free(cols);
}

static int parse_spec(column **out, size_t *n, const char *spec)
{
    size_t count = 1;
    for (const char *p = spec; *p; p++)
        count += *p == ',';
    column *cols = k8sc__calloc(count, sizeof(*cols));
    if (!cols)
        return K8SC_ENOMEM;
    int rc = 0;
    const char *p = spec;
    for (size_t i = 0; !rc && i < count; i++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        if (!colon || colon == p || colon + 1 == p + len) {
            rc = k8sc_error_set(K8SC_EINVAL, "unexpected custom-columns spec: %.*s, expected <header>:<json-path-expr>",
                (int)len, p);
            break;
        }
        char *path = k8sc__strndup(colon + 1, (size_t)(p + len - colon - 1));
        cols[i].header = k8sc__strndup(p, (size_t)(colon - p));
        rc = path && cols[i].header ? k8sc__cli_relaxed_jsonpath(&cols[i].expr, path) : K8SC_ENOMEM;
        free(path);
        p = comma ? comma + 1 : p + len;
    }
    if (rc) {
        columns_free(cols, count);
        return rc;
    }
    *out = cols;
    *n = count;
    return 0;
}

/* A JSON value as Go's %v prints the decoded value: map[k:v ...] with sorted keys, [a b], strings bare. */
static void go_value(k8sc__buf *b, struct json_object *v)
{
    if (json_object_is_type(v, json_type_object)) {
        size_t n = 0;
        const char **keys = k8sc__dj_sorted_keys(v, NULL, &n);
        k8sc__buf_puts(b, "map[");
        for (size_t i = 0; keys && i < n; i++) {
            k8sc__buf_printf(b, "%s%s:", i ? " " : "", keys[i]);
            go_value(b, json_object_object_get(v, keys[i]));
        }
        free(keys);
        k8sc__buf_putc(b, ']');
    } else if (json_object_is_type(v, json_type_array)) {
        k8sc__buf_putc(b, '[');
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            if (i)
                k8sc__buf_putc(b, ' ');
            go_value(b, json_object_array_get_idx(v, i));
        }
        k8sc__buf_putc(b, ']');
    } else if (!v) {
        k8sc__buf_puts(b, "<nil>");
    } else {
        k8sc__buf_puts(b, json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                   : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
    }
}

/* One cell: the values found joined by ",", or "<none>". */
static int cell(k8sc__buf *b, const column *col, struct json_object *doc)
{
    char *text = NULL;
    int rc = k8sc_cli_jsonpath(&text, col->expr, doc);
    if (rc)
        return rc;
    struct json_object *doc_value = NULL;
    if (!*text) {
        k8sc__buf_puts(b, "<none>");
    } else if ((*text == '{' || *text == '[') && k8sc_json_parse(&doc_value, text, strlen(text)) == 0) {
        go_value(b, doc_value);
        json_object_put(doc_value);
    } else {
        /* Several results come back space-separated; kubectl joins them with commas. */
        for (char *c = text; *c; c++)
            k8sc__buf_putc(b, *c == ' ' && strchr(col->expr, '*') ? ',' : *c == '\t' ? ' ' : *c);
    }
    k8sc_free(text);
    return 0;
}

int k8sc_cli_custom_columns(char **out, const char *spec, k8sc_object *const *objs, size_t n, bool no_headers)
{
    K8SC__CHECK_ARG(out && spec && (objs || n == 0));
    *out = NULL;
    column *cols = NULL;
    size_t ncols = 0;
    int rc = parse_spec(&cols, &ncols, spec);
    if (rc)
        return rc;
    k8sc__buf text = K8SC__BUF_INIT, result = K8SC__BUF_INIT;
    for (size_t c = 0; !no_headers && c < ncols; c++)
        k8sc__buf_printf(&text, "%s%s", cols[c].header, c + 1 < ncols ? "\t" : "\n");
    for (size_t i = 0; !rc && i < n; i++)
        for (size_t c = 0; !rc && c < ncols; c++) {
            rc = cell(&text, &cols[c], k8sc_object_json(objs[i]));
            k8sc__buf_putc(&text, c + 1 < ncols ? '\t' : '\n');
        }
    if (!rc)
        rc = k8sc__buf_status(&text);
    if (!rc && text.len)
        rc = k8sc__tabwriter_format(&result, text.ptr, text.len, 3, 6);
    if (!rc)
        rc = (*out = result.ptr ? k8sc__buf_detach(&result, NULL) : k8sc__strdup("")) ? 0 : K8SC_ENOMEM;
    k8sc__buf_free(&text);
    k8sc__buf_free(&result);
    columns_free(cols, ncols);
    return rc;
}
