/* Manifest streams as `kubectl create -f` reads them: JSON or multi-document YAML, Lists expanded. */
#include "codec_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    k8sc_object **items;
    size_t count, cap;
    size_t doc; /* 1-based number of the document being read */
} collector;

static int push(collector *c, struct json_object *v)
{
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        k8sc_object **items = k8sc__realloc(c->items, cap * sizeof(*items));
        if (!items)
            return K8SC_ENOMEM;
        c->items = items;
        c->cap = cap;
    }
    k8sc_object *obj = NULL;
    int rc = k8sc_object_wrap(&obj, v);
    if (rc)
        return rc;
    c->items[c->count++] = obj;
    return 0;
}

static int bad_doc(const collector *c, size_t line, const char *what)
{
    return k8sc_error_set(K8SC_EINVAL, "error parsing manifest: document %zu (line %zu): %s", c->doc, line, what);
}

static bool has_string(struct json_object *v, const char *key)
{
    const char *s = k8sc__json_string(v, key);
    return s && *s;
}

/* Takes ownership of `doc`. */
static int add_document(struct json_object *doc, size_t line, void *userdata)
{
    collector *c = userdata;
    c->doc++;
    if (!doc)
        return 0; /* empty documents are skipped, as kubectl skips them */
    int rc = 0;
    if (!json_object_is_type(doc, json_type_object)) {
        rc = bad_doc(c, line, "expected an object with apiVersion and kind");
    } else if (!has_string(doc, "kind")) {
        rc = bad_doc(c, line, "Object 'Kind' is missing");
    } else if (!has_string(doc, "apiVersion")) {
        rc = bad_doc(c, line, "Object 'apiVersion' is missing");
    } else {
        struct json_object *items = k8sc__json_member(doc, "items");
        const char *kind = k8sc__json_string(doc, "kind");
        size_t klen = strlen(kind);
        if (items && klen >= 4 && strcmp(kind + klen - 4, "List") == 0) {
            if (!json_object_is_type(items, json_type_array)) {
                rc = bad_doc(c, line, "items must be a list");
            } else {
                size_t n = json_object_array_length(items);
                for (size_t i = 0; i < n && rc == 0; i++) {
                    struct json_object *it = json_object_array_get_idx(items, i);
                    if (!json_object_is_type(it, json_type_object) || !has_string(it, "kind") || !has_string(it, "apiVersion")) {
                        k8sc__buf msg = K8SC__BUF_INIT;
                        k8sc__buf_printf(&msg, "items[%zu]: expected an object with apiVersion and kind", i);
                        rc = bad_doc(c, line, msg.ptr ? msg.ptr : "items");
                        k8sc__buf_free(&msg);
                    } else {
                        rc = push(c, json_object_get(it));
                        if (rc)
                            json_object_put(it);
                    }
                }
            }
            json_object_put(doc);
            return rc;
        }
        rc = push(c, doc);
        if (rc == 0)
            return 0;
    }
    json_object_put(doc);
    return rc;
}

static bool looks_like_json(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = buf[i];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
            continue;
        return ch == '{';
    }
    return false;
}

int k8sc_manifest_decode(k8sc_object ***out, size_t *count, const char *buf, size_t len)
{
    K8SC__CHECK_ARG(out && count && (buf || len == 0));
    collector c = { NULL, 0, 0, 0 };
    int rc;
    if (looks_like_json(buf, len)) {
        rc = k8sc__json_parse_stream(buf, len, add_document, &c);
    } else {
        k8sc_yaml_reader *r = NULL;
        rc = k8sc_yaml_reader_new(&r, buf, len);
        while (rc == 0) {
            struct json_object *doc = NULL;
            int got = k8sc_yaml_reader_next(r, &doc);
            if (got <= 0) {
                rc = got;
                break;
            }
            rc = add_document(doc, k8sc_yaml_reader_line(r), &c);
        }
        k8sc_yaml_reader_free(r);
    }
    if (rc != 0) {
        k8sc_objects_free(c.items, c.count);
        return rc;
    }
    *out = c.items;
    *count = c.count;
    return 0;
}

void k8sc_objects_free(k8sc_object **objs, size_t count)
{
    for (size_t i = 0; objs && i < count; i++)
        k8sc_object_free(objs[i]);
    free(objs);
}
