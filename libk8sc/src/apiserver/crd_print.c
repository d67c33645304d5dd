/*
 * How custom resources print and describe themselves: Table columns from
 * a CRD version's additionalPrinterColumns (kube-apiserver's CRD table
 * convertor: Name, then the columns, or Age when none is declared) and
 * the OpenAPI v3 schema kubectl explain and client-side apply read, built
 * from the version's openAPIV3Schema.
 */
#include "apiserver_internal.h"

#include <stdlib.h>
#include <string.h>


/* The implicit column of a version that declares none. */
static struct json_object *age_column(void)
{
    struct json_object *c = json_object_new_object();
    json_object_object_add(c, "name", json_object_new_string("Age"));
    json_object_object_add(c, "type", json_object_new_string("date"));
    json_object_object_add(c, "jsonPath", json_object_new_string(".metadata.creationTimestamp"));
    return c;
}

/* The version's printer columns (a new reference). */
static struct json_object *printer_columns(const k8sc_object *crd, const char *version)
{
    struct json_object *cols = k8sc__json_member(k8sc__crd_version(crd, version), "additionalPrinterColumns");
    if (cols && json_object_is_type(cols, json_type_array) && json_object_array_length(cols) > 0)
        return json_object_get(cols);
    struct json_object *a = json_object_new_array();
    json_object_array_add(a, age_column());
    return a;
}

struct json_object *k8sc__crd_table_columns(const k8sc_object *crd, const char *version)
{
    struct json_object *out = json_object_new_array(), *cols = printer_columns(crd, version);
    struct json_object *name = json_object_new_object();
    json_object_object_add(name, "name", json_object_new_string("Name"));
    json_object_object_add(name, "type", json_object_new_string("string"));
    json_object_object_add(name, "format", json_object_new_string("name"));
    json_object_object_add(name, "description", json_object_new_string(
        "Name must be unique within a namespace. Is required when creating resources, although some resources may "
        "allow a client to request the generation of an appropriate name automatically. Name is primarily intended "
        "for creation idempotence and configuration definition. Cannot be updated. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"));
    json_object_object_add(name, "priority", json_object_new_int(0));
    json_object_array_add(out, name);
    for (size_t i = 0; cols && i < json_object_array_length(cols); i++) {
        struct json_object *c = json_object_array_get_idx(cols, i), *d = json_object_new_object();
        char desc[512];
        snprintf(desc, sizeof(desc), "Custom resource definition column (in JSONPath format): %s",
            k8sc__json_string(c, "jsonPath") ? k8sc__json_string(c, "jsonPath") : "");
        json_object_object_add(d, "name", json_object_new_string(k8sc__json_string(c, "name") ? k8sc__json_string(c, "name") : ""));
        json_object_object_add(d, "type", json_object_new_string(k8sc__json_string(c, "type") ? k8sc__json_string(c, "type") : "string"));
        json_object_object_add(d, "format", json_object_new_string(k8sc__json_string(c, "format") ? k8sc__json_string(c, "format") : ""));
        json_object_object_add(d, "description", json_object_new_string(k8sc__json_string(c, "description") ? k8sc__json_string(c, "description")
                                                                                                : desc));
        struct json_object *prio = k8sc__json_member(c, "priority");
        json_object_object_add(d, "priority", json_object_new_int(prio ? json_object_get_int(prio) : 0));
        json_object_array_add(out, d);
    }
    json_object_put(cols);
    return out;
}

/* A filter step "[?(@.key==\"value\")]": the first array element whose key equals value. */
static struct json_object *filter(struct json_object *arr, const char *expr, size_t len)
{
    const char *eq = NULL;
    for (size_t i = 0; i + 1 < len; i++)
        if (expr[i] == '=' && expr[i + 1] == '=') {
            eq = expr + i;
            break;
        }
    if (!arr || !json_object_is_type(arr, json_type_array) || !eq || strncmp(expr, "?(@.", 4) != 0)
        return NULL;
    char key[128], val[256];
    snprintf(key, sizeof(key), "%.*s", (int)(eq - expr - 4), expr + 4);
    const char *v = eq + 2, *end = expr + len;
    if (end > v && end[-1] == ')')
        end--;
    if (end - v >= 2 && (*v == '"' || *v == '\'')) {
        v++;
        end--;
    }
    snprintf(val, sizeof(val), "%.*s", (int)(end - v), v);
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        struct json_object *e = json_object_array_get_idx(arr, i);
        const char *s = k8sc__json_string(e, key);
        if (s && strcmp(s, val) == 0)
            return e;
    }
    return NULL;
}

/* Evaluate a simple JSONPath (".a.b[0].c", filters allowed); NULL when nothing is there. */
static struct json_object *eval_path(struct json_object *root, const char *path)
{
    struct json_object *cur = root;
    const char *p = path;
    if (*p == '{')
        p++;
    while (cur && *p && *p != '}') {
        if (*p == '.') {
            p++;
            size_t n = strcspn(p, ".[}");
            char key[256];
            snprintf(key, sizeof(key), "%.*s", (int)n, p);
            cur = n ? k8sc__json_member(cur, key) : cur;
            p += n;
        } else if (*p == '[') {
            const char *close = strchr(p, ']');
            if (!close)
                return NULL;
            if (p[1] == '?') {
                cur = filter(cur, p + 1, (size_t)(close - p - 1));
            } else {
                char *end = NULL;
                long idx = strtol(p + 1, &end, 10);
                if (!json_object_is_type(cur, json_type_array) || idx < 0 ||
                    (size_t)idx >= json_object_array_length(cur))
                    return NULL;
                cur = json_object_array_get_idx(cur, (size_t)idx);
            }
            p = close + 1;
        } else {
            return NULL;
        }
    }
    return cur;
}

struct json_object *k8sc__crd_table_cells(const k8sc_object *crd, const char *version, const k8sc_object *obj)
{
    struct json_object *cells = json_object_new_array(), *cols = printer_columns(crd, version);
    const char *name = k8sc_object_name(obj);
    json_object_array_add(cells, json_object_new_string(name ? name : ""));
    for (size_t i = 0; cols && i < json_object_array_length(cols); i++) {
        struct json_object *c = json_object_array_get_idx(cols, i);
        const char *jp = k8sc__json_string(c, "jsonPath"), *type = k8sc__json_string(c, "type");
        struct json_object *v = jp ? eval_path(k8sc_object_json(obj), jp) : NULL;
        if (!v) {
            json_object_array_add(cells, NULL);
        } else if (type && strcmp(type, "string") == 0 && !json_object_is_type(v, json_type_string)) {
            /* String columns print whatever is there as text. */
            json_object_array_add(cells, json_object_new_string(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)));
        } else {
            json_object_array_add(cells, json_object_get(v));
        }
    }
    json_object_put(cols);
    return cells;
}

/* ---- OpenAPI ---------------------------------------------------------------- */

void k8sc__crd_schema_name(char *buf, size_t size, const k8sc_resource *r)
{
    /* The group reversed, as kube-apiserver names CRD schemas: demo.k8sc.io -> io.k8sc.demo. */
    const char *g = k8sc_resource_group(r);
    k8sc__buf b = K8SC__BUF_INIT;
    const char *end = g + strlen(g);
    while (end > g) {
        const char *dot = end;
        while (dot > g && dot[-1] != '.')
            dot--;
        k8sc__buf_printf(&b, "%s%.*s", b.len ? "." : "", (int)(end - dot), dot);
        end = dot > g ? dot - 1 : g;
    }
    snprintf(buf, size, "%s.%s.%s", b.ptr ? b.ptr : "", k8sc_resource_version(r), k8sc_resource_kind(r));
    k8sc__buf_free(&b);
}

static struct json_object *prop(const char *type, const char *description)
{
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "type", json_object_new_string(type));
    json_object_object_add(p, "description", json_object_new_string(description));
    return p;
}

struct json_object *k8sc__crd_openapi_schema(const k8sc_object *crd, const k8sc_resource *r)
{
    struct json_object *v = k8sc__crd_version(crd, k8sc_resource_version(r));
    struct json_object *schema = k8sc__json_member(k8sc__json_member(v, "schema"), "openAPIV3Schema"), *s = NULL;
    if (schema) {
        if (json_object_deep_copy(schema, &s, NULL))
            return NULL;
    } else {
        s = json_object_new_object();
        json_object_object_add(s, "type", json_object_new_string("object"));
        json_object_object_add(s, "x-kubernetes-preserve-unknown-fields", json_object_new_boolean(true));
    }
    struct json_object *props = k8sc__json_member(s, "properties");
    if (!props) {
        props = json_object_new_object();
        json_object_object_add(s, "properties", props);
    }
    json_object_object_add(props, "apiVersion", prop("string",
        "APIVersion defines the versioned schema of this representation of an object. Servers should convert "
        "recognized schemas to the latest internal value, and may reject unrecognized values."));
    json_object_object_add(props, "kind", prop("string",
        "Kind is a string value representing the REST resource this object represents."));
    json_object_object_add(props, "metadata", prop("object", "Standard object's metadata."));
    struct json_object *gvks = json_object_new_array(), *gvk = json_object_new_object();
    json_object_object_add(gvk, "group", json_object_new_string(k8sc_resource_group(r)));
    json_object_object_add(gvk, "version", json_object_new_string(k8sc_resource_version(r)));
    json_object_object_add(gvk, "kind", json_object_new_string(k8sc_resource_kind(r)));
    json_object_array_add(gvks, gvk);
    json_object_object_add(s, "x-kubernetes-group-version-kind", gvks);
    return s;
}
