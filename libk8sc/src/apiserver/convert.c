/*
 * Built-in kinds served at versions whose shapes differ, stored in one of
 * them as kube-apiserver stores them: HorizontalPodAutoscaler is stored
 * as autoscaling/v2 and served at v2 and v1 (convert_hpa.c). Bodies are
 * converted to the storage version before anything else sees them
 * (k8sc__to_storage), and replies and watch events to the version asked
 * for. Objects stored as v1 before keep working: what is read converts
 * from whatever version it says it is.
 */
#include "apiserver_internal.h"

#include <string.h>

static bool is_hpa(const k8sc_resource *r)
{
    return r && strcmp(k8sc_resource_group(r), "autoscaling") == 0 &&
        strcmp(k8sc_resource_kind(r), "HorizontalPodAutoscaler") == 0;
}

const k8sc_resource *k8sc__storage_resource(k8sc_apiserver *srv, const k8sc_resource *r)
{
    if (!is_hpa(r) || strcmp(k8sc_resource_version(r), "v2") == 0)
        return r;
    const k8sc_resource *v2 = k8sc_registry_find_kind(srv->registry, "autoscaling", "v2", "HorizontalPodAutoscaler");
    return v2 ? v2 : r;
}

/* Whether `o` is an HPA of another autoscaling version than `to`'s, one this converts between. */
static bool needs(const struct json_object *o, const k8sc_resource *to)
{
    if (!is_hpa(to))
        return false;
    const char *av = k8sc__json_string(o, "apiVersion"), *kind = k8sc__json_string(o, "kind");
    return av && kind && strcmp(kind, "HorizontalPodAutoscaler") == 0 &&
        (strcmp(av, "autoscaling/v1") == 0 || strcmp(av, "autoscaling/v2") == 0) &&
        strcmp(av, k8sc_resource_api_version(to)) != 0;
}

void k8sc__convert_to(struct json_object *o, const k8sc_resource *to)
{
    if (needs(o, to))
        k8sc__convert_hpa(o, strcmp(k8sc_resource_version(to), "v1") == 0);
}

struct json_object *k8sc__converted(struct json_object *o, const k8sc_resource *to)
{
    if (!needs(o, to))
        return json_object_get(o);
    struct json_object *copy = NULL;
    if (json_object_deep_copy(o, &copy, NULL) != 0)
        return NULL;
    k8sc__convert_to(copy, to);
    return copy;
}

int k8sc__to_storage(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__route *route, k8sc_object *obj,
    k8sc__route *copy, const k8sc__route **out)
{
    *out = route;
    const k8sc_resource *storage = k8sc__storage_resource(srv, route->resource);
    if (storage == route->resource)
        return 0;
    int rc = k8sc__check_gvk(resp, route->resource, obj);
    if (rc || resp->status)
        return rc;
    k8sc__convert_to(k8sc_object_json(obj), storage);
    *copy = *route;
    copy->resource = storage;
    copy->version = k8sc_resource_version(storage);
    *out = copy;
    return 0;
}

int k8sc__reply_objects(k8sc_apiserver_response *resp, void (*fn)(struct json_object *o, const void *arg),
    const void *arg)
{
    struct json_object *body = NULL;
    if (resp->stream || !resp->body || k8sc_json_parse(&body, resp->body, resp->body_len) != 0 ||
        !json_object_is_type(body, json_type_object)) {
        json_object_put(body);
        return 0;
    }
    struct json_object *items = k8sc__json_member(body, "items");
    fn(body, arg);
    for (size_t i = 0; json_object_is_type(items, json_type_array) && i < json_object_array_length(items); i++)
        fn(json_object_array_get_idx(items, i), arg);
    char *ct = resp->content_type ? k8sc__strdup(resp->content_type) : NULL;
    int rc = k8sc__resp_json_ct(resp, resp->status, body, ct ? ct : "application/json");
    k8sc_free(ct);
    json_object_put(body);
    return rc;
}

static void convert_one(struct json_object *o, const void *to)
{
    k8sc__convert_to(o, to);
}

int k8sc__convert_reply(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__route *route)
{
    if (k8sc__storage_resource(srv, route->resource) == route->resource)
        return 0;
    return k8sc__reply_objects(resp, convert_one, route->resource);
}
