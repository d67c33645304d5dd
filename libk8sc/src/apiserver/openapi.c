/*
 * OpenAPI v3: the root index and one document per group/version. The
 * documents carry what kubectl needs: operations tagged with
 * x-kubernetes-group-version-kind and the fieldValidation parameter (so
 * create/apply validate on the server), and the component schemas
 * `kubectl explain` walks: the built-in kinds' from the protobuf schema
 * tables (openapi_schema.c, built once and kept serialized), custom
 * resources' from their CRDs, and a top-level outline for the few kinds
 * without a table.
 */
#include "apiserver_internal.h"
#include "apiserver/openapi_schema.h"
#include "codec/schema_walk.h"

#include <string.h>

static void gv_path(char *buf, size_t size, const char *group, const char *version)
{
    if (*group)
        snprintf(buf, size, "apis/%s/%s", group, version);
    else
        snprintf(buf, size, "api/%s", version);
}

int k8sc__serve_openapi_root(k8sc_apiserver_response *resp, k8sc_apiserver *srv)
{
    struct json_object *root = json_object_new_object();
    if (!root)
        return k8sc__error_nomem();
    struct json_object *paths = json_object_new_object();
    for (size_t i = 0; i < k8sc_registry_count(srv->registry); i++) {
        const k8sc_resource *r = k8sc_registry_at(srv->registry, i);
        char p[256], url[300];
        gv_path(p, sizeof(p), k8sc_resource_group(r), k8sc_resource_version(r));
        if (json_object_object_get_ex(paths, p, NULL))
            continue;
        snprintf(url, sizeof(url), "/openapi/v3/%s", p);
        struct json_object *e = json_object_new_object();
        json_object_object_add(e, "serverRelativeURL", json_object_new_string(url));
        json_object_object_add(paths, p, e);
    }
    json_object_object_add(root, "paths", paths);
    int rc = k8sc__resp_json(resp, 200, root);
    json_object_put(root);
    return rc;
}

static struct json_object *gvk_json(const k8sc_resource *r)
{
    struct json_object *g = json_object_new_object();
    json_object_object_add(g, "group", json_object_new_string(k8sc_resource_group(r)));
    json_object_object_add(g, "version", json_object_new_string(k8sc_resource_version(r)));
    json_object_object_add(g, "kind", json_object_new_string(k8sc_resource_kind(r)));
    return g;
}

static struct json_object *param(const char *name, const char *in, bool required)
{
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "name", json_object_new_string(name));
    json_object_object_add(p, "in", json_object_new_string(in));
    if (required)
        json_object_object_add(p, "required", json_object_new_boolean(true));
    struct json_object *schema = json_object_new_object();
    json_object_object_add(schema, "type", json_object_new_string("string"));
    json_object_object_add(schema, "uniqueItems", json_object_new_boolean(true));
    json_object_object_add(p, "schema", schema);
    return p;
}

/* The schema name Kubernetes uses: io.k8s.api.<group prefix|core>.<version>.<Kind>. */
static void schema_name(char *buf, size_t size, const k8sc_resource *r)
{
    const char *group = k8sc_resource_group(r);
    char prefix[128];
    if (!*group) {
        snprintf(prefix, sizeof(prefix), "core");
    } else {
        size_t n = strcspn(group, ".");
        snprintf(prefix, sizeof(prefix), "%.*s", (int)n, group);
    }
    if (strcmp(group, "apiextensions.k8s.io") == 0)
        snprintf(buf, size, "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.%s.%s",
            k8sc_resource_version(r), k8sc_resource_kind(r));
    else
        snprintf(buf, size, "io.k8s.api.%s.%s.%s", prefix, k8sc_resource_version(r), k8sc_resource_kind(r));
}

static struct json_object *operation(const k8sc_resource *r, const char *verb, const char *action, bool write)
{
    struct json_object *op = json_object_new_object();
    char id[300];
    snprintf(id, sizeof(id), "%s%s", verb, k8sc_resource_kind(r));
    json_object_object_add(op, "operationId", json_object_new_string(id));
    json_object_object_add(op, "x-kubernetes-action", json_object_new_string(action));
    json_object_object_add(op, "x-kubernetes-group-version-kind", gvk_json(r));
    struct json_object *params = json_object_new_array();
    if (write) {
        json_object_array_add(params, param("dryRun", "query", false));
        json_object_array_add(params, param("fieldManager", "query", false));
        json_object_array_add(params, param("fieldValidation", "query", false));
    }
    json_object_object_add(op, "parameters", params);
    struct json_object *ok = json_object_new_object();
    json_object_object_add(ok, "description", json_object_new_string("OK"));
    struct json_object *responses = json_object_new_object();
    json_object_object_add(responses, "200", ok);
    json_object_object_add(op, "responses", responses);
    return op;
}

static struct json_object *prop(const char *type, const char *description)
{
    struct json_object *p = json_object_new_object();
    json_object_object_add(p, "type", json_object_new_string(type));
    json_object_object_add(p, "description", json_object_new_string(description));
    return p;
}

/* The outline of a kind the schema tables do not describe: its metadata, spec and status are not spelled out. */
static struct json_object *kind_schema(const k8sc_resource *r)
{
    struct json_object *s = json_object_new_object();
    char desc[512];
    snprintf(desc, sizeof(desc), "%s is a %s/%s resource served by libk8sc.", k8sc_resource_kind(r),
        k8sc_resource_api_version(r), k8sc_resource_plural(r));
    json_object_object_add(s, "description", json_object_new_string(desc));
    json_object_object_add(s, "type", json_object_new_string("object"));
    struct json_object *props = json_object_new_object();
    json_object_object_add(props, "apiVersion", prop("string",
        "APIVersion defines the versioned schema of this representation of an object."));
    json_object_object_add(props, "kind", prop("string",
        "Kind is a string value representing the REST resource this object represents."));
    struct json_object *meta = json_object_new_object(), *all = json_object_new_array(),
        *ref = json_object_new_object();
    json_object_object_add(ref, "$ref", json_object_new_string("#/components/schemas/" K8SC__OPENAPI_OBJECT_META));
    json_object_array_add(all, ref);
    json_object_object_add(meta, "allOf", all);
    json_object_object_add(meta, "description", json_object_new_string("Standard object's metadata."));
    json_object_object_add(props, "metadata", meta);
    json_object_object_add(props, "spec", prop("object", "Spec defines the desired state."));
    if (k8sc_resource_has_subresource(r, "status"))
        json_object_object_add(props, "status", prop("object", "Status is the most recently observed state."));
    json_object_object_add(s, "properties", props);
    struct json_object *gvks = json_object_new_array();
    json_object_array_add(gvks, gvk_json(r));
    json_object_object_add(s, "x-kubernetes-group-version-kind", gvks);
    return s;
}

/*
 * The document as text: `paths`, then the built-in schemas (already
 * serialized members) and the `extra` ones side by side in components.schemas.
 */
static int send_document(k8sc_apiserver_response *resp, const struct json_object *paths,
    const struct json_object *extra, const char *builtin, size_t builtin_len)
{
    char *p = NULL, *x = NULL;
    size_t plen = 0, xlen = 0;
    int rc = k8sc_json_encode(&p, &plen, paths, 0);
    if (!rc)
        rc = k8sc_json_encode(&x, &xlen, extra, 0);
    k8sc__buf b = K8SC__BUF_INIT;
    if (!rc) {
        k8sc__buf_puts(&b, "{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"Kubernetes\",\"version\":\"v1.32.0\"},"
                           "\"paths\":");
        k8sc__buf_put(&b, p, plen);
        k8sc__buf_puts(&b, ",\"components\":{\"schemas\":{");
        k8sc__buf_put(&b, builtin, builtin_len);
        /* "{...}": its members after the built-in ones. */
        if (xlen > 2) {
            if (builtin_len)
                k8sc__buf_putc(&b, ',');
            k8sc__buf_put(&b, x + 1, xlen - 2);
        }
        k8sc__buf_puts(&b, "}}}\n");
        rc = k8sc__buf_status(&b);
    }
    char *ct = rc ? NULL : k8sc__strdup("application/json");
    if (!rc && !ct)
        rc = K8SC_ENOMEM;
    if (!rc) {
        k8sc_free(resp->body);
        k8sc_free(resp->content_type);
        resp->status = 200;
        resp->content_type = ct;
        resp->body = k8sc__buf_detach(&b, &resp->body_len);
    }
    k8sc__buf_free(&b);
    k8sc_free(p);
    k8sc_free(x);
    return rc;
}

int k8sc__serve_openapi_gv(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const char *group, const char *version)
{
    const char *builtin = NULL;
    size_t builtin_len = 0;
    int rc = k8sc__openapi_builtin_schemas(&builtin, &builtin_len, group, version);
    if (rc)
        return rc;
    struct json_object *paths = json_object_new_object(), *extra = json_object_new_object();
    if (!paths || !extra) {
        json_object_put(paths);
        json_object_put(extra);
        return k8sc__error_nomem();
    }
    char base[256];
    gv_path(base, sizeof(base), group, version);
    for (size_t i = 0; i < k8sc_registry_count(srv->registry); i++) {
        const k8sc_resource *r = k8sc_registry_at(srv->registry, i);
        if (strcmp(k8sc_resource_group(r), group) != 0 || strcmp(k8sc_resource_version(r), version) != 0)
            continue;
        char coll[512], item[600];
        if (k8sc_resource_namespaced(r))
            snprintf(coll, sizeof(coll), "/%s/namespaces/{namespace}/%s", base, k8sc_resource_plural(r));
        else
            snprintf(coll, sizeof(coll), "/%s/%s", base, k8sc_resource_plural(r));
        snprintf(item, sizeof(item), "%s/{name}", coll);
        struct json_object *c = json_object_new_object();
        json_object_object_add(c, "get", operation(r, "list", "list", false));
        json_object_object_add(c, "post", operation(r, "create", "post", true));
        json_object_object_add(c, "delete", operation(r, "deletecollection", "deletecollection", false));
        json_object_object_add(paths, coll, c);
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "get", operation(r, "read", "get", false));
        json_object_object_add(o, "put", operation(r, "replace", "put", true));
        json_object_object_add(o, "patch", operation(r, "patch", "patch", true));
        json_object_object_add(o, "delete", operation(r, "delete", "delete", false));
        json_object_object_add(paths, item, o);
        char name[400];
        k8sc_object *crd = k8sc__crd_for(srv, r);
        if (crd) {
            k8sc__crd_schema_name(name, sizeof(name), r);
            json_object_object_add(extra, name, k8sc__crd_openapi_schema(crd, r));
            k8sc_object_free(crd);
        } else if (!k8sc__schema_known(k8sc_resource_api_version(r), k8sc_resource_kind(r))) {
            schema_name(name, sizeof(name), r);
            json_object_object_add(extra, name, kind_schema(r));
        }
    }
    rc = send_document(resp, paths, extra, builtin, builtin_len);
    json_object_put(paths);
    json_object_put(extra);
    return rc;
}
