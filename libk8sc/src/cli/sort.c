/*
 * --sort-by: objects (and the Table rows that stand for them) ordered by a
 * JSONPath field as kubectl orders them: values that are numbers by value,
 * other strings byte by byte, objects without the field first (reversed).
 */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>

/* "{.a.b}" from ".a.b", "a.b" or "{.a.b}" (kubectl's relaxed JSONPath); `*out` k8sc_free. */
int k8sc__cli_relaxed_jsonpath(char **out, const char *field)
{
    const char *f = field;
    size_t len = strlen(f);
    if (len >= 2 && f[0] == '{' && f[len - 1] == '}') {
        f++;
        len -= 2;
    }
    if (len && f[0] == '.') {
        f++;
        len--;
    }
    if (len == 0)
        return k8sc_error_set(K8SC_EINVAL, "unexpected path string, expected a 'name1.name2' or '.name1.name2' or "
                                           "'{name1.name2}' or '{.name1.name2}'");
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "{.%.*s}", (int)len, f);
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        return K8SC_ENOMEM;
    }
    *out = k8sc__buf_detach(&b, NULL);
    return 0;
}

typedef struct {
    size_t index;
    char *key; /* NULL: the object has no such field */
} sort_entry;

static bool number(const char *s, double *out)
{
    char *end = NULL;
    *out = strtod(s, &end);
    return *s && end && !*end;
}

/*
 * kubectl's less: an object without the field is less than anything, even
 * another without it (so that, as Go's insertion sort runs, those end up
 * first in reverse order).
 */
static bool less(const char *a, const char *b)
{
    if (!a || !b)
        return !a;
    double x, y;
    if (number(a, &x) && number(b, &y))
        return x < y;
    return strcmp(a, b) < 0;
}

/* The order of `n` documents by `field`: `*out` is an array of indexes (free). */
static int order(size_t **out, const char *field, struct json_object *const *docs, size_t n, size_t *found)
{
    char *expr = NULL;
    *found = 0;
    int rc = k8sc__cli_relaxed_jsonpath(&expr, field);
    if (rc)
        return rc;
    sort_entry *e = k8sc__calloc(n ? n : 1, sizeof(*e));
    size_t *idx = k8sc__calloc(n ? n : 1, sizeof(*idx));
    if (!e || !idx)
        rc = K8SC_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        e[i].index = i;
        rc = k8sc_cli_jsonpath(&e[i].key, expr, docs[i]);
        if (!rc && !*e[i].key) {
            k8sc_free(e[i].key);
            e[i].key = NULL;
        }
        *found += e[i].key != NULL;
    }
    /* Insertion sort, as Go sorts short lists. */
    for (size_t a = 1; !rc && a < n; a++)
        for (size_t c = a; c > 0 && less(e[c].key, e[c - 1].key); c--) {
            sort_entry t = e[c];
            e[c] = e[c - 1];
            e[c - 1] = t;
        }
    for (size_t i = 0; e && i < n; i++) {
        if (!rc)
            idx[i] = e[i].index;
        k8sc_free(e[i].key);
    }
    free(e);
    k8sc_free(expr);
    if (rc) {
        free(idx);
        return rc;
    }
    *out = idx;
    return 0;
}

int k8sc_cli_sort_objects(k8sc_object **objs, size_t n, const char *field)
{
    K8SC__CHECK_ARG((objs || n == 0) && field);
    struct json_object **docs = k8sc__calloc(n ? n : 1, sizeof(*docs));
    k8sc_object **copy = k8sc__calloc(n ? n : 1, sizeof(*copy));
    size_t *idx = NULL, found = 0;
    int rc = docs && copy ? 0 : K8SC_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        docs[i] = k8sc_object_json(objs[i]);
        copy[i] = objs[i];
    }
    if (!rc)
        rc = order(&idx, field, docs, n, &found);
    for (size_t i = 0; !rc && i < n; i++)
        objs[i] = copy[idx[i]];
    free(idx);
    free(copy);
    free(docs);
    return rc;
}

static bool same_object(const k8sc_object *o, struct json_object *row_obj)
{
    struct json_object *md = json_object_object_get(row_obj, "metadata");
    const char *name = json_object_get_string(json_object_object_get(md, "name"));
    const char *ns = json_object_get_string(json_object_object_get(md, "namespace"));
    const char *oname = k8sc_object_name(o), *ons = k8sc_object_namespace(o);
    return name && oname && strcmp(name, oname) == 0 && strcmp(ns ? ns : "", ons ? ons : "") == 0;
}

int k8sc_cli_table_sort(k8sc_object *table, const char *field, k8sc_object *const *objs, size_t n, size_t *found)
{
    K8SC__CHECK_ARG(table && field && (objs || n == 0));
    struct json_object *rows = k8sc_object_get(table, "rows");
    if (!json_object_is_type(rows, json_type_array))
        return k8sc_error_set(K8SC_EINVAL, "not a Table: rows must be a list");
    size_t nrows = json_object_array_length(rows);
    struct json_object **docs = k8sc__calloc(nrows ? nrows : 1, sizeof(*docs));
    struct json_object **sorted_rows = k8sc__calloc(nrows ? nrows : 1, sizeof(*sorted_rows));
    size_t *idx = NULL, have = 0;
    int rc = docs && sorted_rows ? 0 : K8SC_ENOMEM;
    for (size_t r = 0; !rc && r < nrows; r++) {
        struct json_object *row_obj = json_object_object_get(json_object_array_get_idx(rows, r), "object");
        docs[r] = row_obj;
        for (size_t i = 0; i < n; i++)
            if (same_object(objs[i], row_obj)) {
                docs[r] = k8sc_object_json(objs[i]);
                break;
            }
    }
    if (!rc)
        rc = order(&idx, field, docs, nrows, &have);
    for (size_t r = 0; !rc && r < nrows; r++)
        sorted_rows[r] = json_object_get(json_object_array_get_idx(rows, idx[r]));
    for (size_t r = 0; !rc && r < nrows; r++)
        json_object_array_put_idx(rows, r, sorted_rows[r]);
    if (!rc && found)
        *found = have;
    free(idx);
    free(sorted_rows);
    free(docs);
    return rc;
}
