/* -o yaml|json|name|jsonpath=…: objects printed as kubectl prints them. */
#include "cli_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void k8sc_cli_object_ref(char *buf, size_t size, const char *api_version, const char *kind, const char *name)
{
    if (!buf || size == 0)
        return;
    char lower[128];
    size_t i = 0;
    for (; kind && kind[i] && i + 1 < sizeof(lower); i++)
        lower[i] = (char)(kind[i] >= 'A' && kind[i] <= 'Z' ? kind[i] - 'A' + 'a' : kind[i]);
    lower[i] = '\0';
    const char *slash = api_version ? strchr(api_version, '/') : NULL;
    if (slash)
        snprintf(buf, size, "%s.%.*s/%s", lower, (int)(slash - api_version), api_version, name ? name : "");
    else
        snprintf(buf, size, "%s/%s", lower, name ? name : "");
}

/* A copy of `obj`'s tree with apiVersion and kind filled in from `r`. */
static struct json_object *item_json(const k8sc_object *obj, const k8sc_resource *r)
{
    struct json_object *copy = NULL;
    if (json_object_deep_copy(k8sc_object_json(obj), &copy, NULL))
        return NULL;
    if (r && !json_object_object_get(copy, "apiVersion"))
        json_object_object_add(copy, "apiVersion", json_object_new_string(k8sc_resource_api_version(r)));
    if (r && !json_object_object_get(copy, "kind"))
        json_object_object_add(copy, "kind", json_object_new_string(k8sc_resource_kind(r)));
    return copy;
}

static struct json_object *list_json(k8sc_object *const *objs, size_t n, const k8sc_resource *r)
{
    struct json_object *list = json_object_new_object(), *items = json_object_new_array();
    struct json_object *md = json_object_new_object();
    if (!list || !items || !md) {
        json_object_put(list);
        json_object_put(items);
        json_object_put(md);
        return NULL;
    }
    json_object_object_add(list, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(list, "items", items);
    json_object_object_add(list, "kind", json_object_new_string("List"));
    json_object_object_add(md, "resourceVersion", json_object_new_string(""));
    json_object_object_add(list, "metadata", md);
    for (size_t i = 0; i < n; i++) {
        struct json_object *it = item_json(objs[i], r);
        if (!it || json_object_array_add(items, it)) {
            json_object_put(it);
            json_object_put(list);
            return NULL;
        }
    }
    return list;
}

static int names(char **out, k8sc_object *const *objs, size_t n, const k8sc_resource *r)
{
    k8sc__buf b = K8SC__BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const char *av = k8sc_object_api_version(objs[i]), *kind = k8sc_object_kind(objs[i]);
        char ref[512];
        k8sc_cli_object_ref(ref, sizeof(ref), av ? av : r ? k8sc_resource_api_version(r) : "",
            kind ? kind : r ? k8sc_resource_kind(r) : "", k8sc_object_name(objs[i]));
        k8sc__buf_printf(&b, "%s\n", ref);
    }
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        return K8SC_ENOMEM;
    }
    *out = b.ptr ? k8sc__buf_detach(&b, NULL) : k8sc__strdup("");
    return *out ? 0 : K8SC_ENOMEM;
}

int k8sc_cli_format(char **out, const char *format, const k8sc_resource *r, k8sc_object *const *objs, size_t n,
    bool as_list)
{
    K8SC__CHECK_ARG(out && format && (objs || n == 0) && (as_list || n == 1));
    *out = NULL;
    if (strcmp(format, "name") == 0)
        return names(out, objs, n, r);
    bool yaml = strcmp(format, "yaml") == 0, json = strcmp(format, "json") == 0;
    const char *tmpl = strncmp(format, "jsonpath=", 9) == 0 ? format + 9 : NULL;
    if (!yaml && !json && !tmpl)
        return k8sc_error_set(K8SC_EINVAL, "unable to match a printer suitable for the output format \"%s\", "
                                           "allowed formats are: json,jsonpath,name,wide,yaml", format);
    struct json_object *doc = as_list ? list_json(objs, n, r) : item_json(objs[0], r);
    if (!doc)
        return k8sc__error_nomem();
    int rc;
    if (yaml)
        rc = k8sc_yaml_encode(out, NULL, doc, K8SC_ENCODE_SORT_KEYS);
    else if (json)
        rc = k8sc_json_encode(out, NULL, doc, K8SC_ENCODE_PRETTY | K8SC_ENCODE_SORT_KEYS | K8SC_ENCODE_NEWLINE);
    else
        rc = k8sc_cli_jsonpath(out, tmpl, doc);
    json_object_put(doc);
    return rc;
}

int k8sc_cli_list_items(k8sc_object ***out, size_t *n, const k8sc_object *list)
{
    K8SC__CHECK_ARG(out && n && list);
    *out = NULL;
    *n = 0;
    struct json_object *items = k8sc_object_get(list, "items");
    if (!json_object_is_type(items, json_type_array))
        return k8sc_error_set(K8SC_EINVAL, "not a List: items must be a list");
    size_t len = json_object_array_length(items);
    k8sc_object **objs = k8sc__calloc(len ? len : 1, sizeof(*objs));
    if (!objs)
        return K8SC_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        struct json_object *item = json_object_get(json_object_array_get_idx(items, i));
        int rc = k8sc_object_wrap(&objs[i], item);
        if (rc) {
            json_object_put(item);
            k8sc_objects_free(objs, i);
            return rc;
        }
    }
    *out = objs;
    *n = len;
    return 0;
}
