/*
 * Request targets and routing: percent-decoding the query, splitting
 * /api/v1/namespaces/NS/RESOURCE/NAME/SUB and /apis/G/V/... into a route,
 * and dispatching to discovery, OpenAPI or the resource handlers.
 */
#include "apiserver_internal.h"

#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode %XX (and '+' as space in queries) from s[0..n) into a new string. */
static char *url_decode(const char *s, size_t n, bool plus_space)
{
    char *out = k8sc__malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else if (s[i] == '+' && plus_space) {
            out[o++] = ' ';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

const char *k8sc__query_get(const k8sc__request *req, const char *key)
{
    for (size_t i = 0; i < req->nparams; i++)
        if (strcmp(req->params[i].key, key) == 0)
            return req->params[i].value;
    return NULL;
}

void k8sc__request_clear(k8sc__request *req)
{
    for (size_t i = 0; i < req->nparams; i++) {
        k8sc_free(req->params[i].key);
        k8sc_free(req->params[i].value);
    }
    k8sc_free(req->params);
    k8sc_free(req->path);
    req->params = NULL;
    req->nparams = 0;
    req->path = NULL;
}

int k8sc__request_parse_target(k8sc__request *req, const char *target)
{
    const char *q = strchr(target, '?');
    size_t plen = q ? (size_t)(q - target) : strlen(target);
    req->path = url_decode(target, plen, false);
    if (!req->path)
        return K8SC_ENOMEM;
    if (!q)
        return 0;
    const char *p = q + 1;
    size_t count = 1;
    for (const char *c = p; *c; c++)
        count += *c == '&';
    req->params = k8sc__calloc(count, sizeof(*req->params));
    if (!req->params)
        return K8SC_ENOMEM;
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len) {
            const char *eq = memchr(p, '=', len);
            size_t klen = eq ? (size_t)(eq - p) : len;
            k8sc__query_param *qp = &req->params[req->nparams];
            qp->key = url_decode(p, klen, true);
            qp->value = eq ? url_decode(eq + 1, len - klen - 1, true) : k8sc__strdup("");
            if (!qp->key || !qp->value) {
                k8sc_free(qp->key);
                k8sc_free(qp->value);
                return K8SC_ENOMEM;
            }
            req->nparams++;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

void k8sc__route_clear(k8sc__route *route)
{
    k8sc_free(route->storage);
    memset(route, 0, sizeof(*route));
}

#define MAX_SEGS 10

/* Resolve segs (after the group/version) to a resource route. */
static int route_resource(k8sc__route *route, k8sc_apiserver *srv, char **segs, size_t n)
{
    const char *group = route->group, *version = route->version;
    if (n == 0)
        return 0;
    if (strcmp(segs[0], "namespaces") == 0 && n >= 3 && strcmp(group, "") == 0) {
        const k8sc_resource *inner = k8sc_registry_find_resource(srv->registry, group, version, segs[2]);
        if (!inner || !k8sc_resource_namespaced(inner)) {
            if (n != 3)
                return 0;
            /* /api/v1/namespaces/NS/status and /finalize. */
            route->resource = k8sc_registry_find_resource(srv->registry, group, version, "namespaces");
            route->name = segs[1];
            route->subresource = segs[2];
            route->plural = segs[0];
            route->kind = route->resource ? K8SC__ROUTE_RESOURCE : K8SC__ROUTE_NONE;
            return 0;
        }
    }
    if (strcmp(segs[0], "namespaces") == 0 && n >= 3) {
        route->ns = segs[1];
        segs += 2;
        n -= 2;
        if (n > 3)
            return 0;
        route->resource = k8sc_registry_find_resource(srv->registry, group, version, segs[0]);
        if (!route->resource || !k8sc_resource_namespaced(route->resource))
            return 0;
    } else {
        if (n > 3)
            return 0;
        route->resource = k8sc_registry_find_resource(srv->registry, group, version, segs[0]);
        if (!route->resource)
            return 0;
        /* A namespaced kind is addressed by name only inside a namespace. */
        if (k8sc_resource_namespaced(route->resource) && n > 1)
            return 0;
    }
    route->plural = segs[0];
    route->name = n > 1 ? segs[1] : NULL;
    route->subresource = n > 2 ? segs[2] : NULL;
    route->kind = K8SC__ROUTE_RESOURCE;
    return 0;
}

int k8sc__route_parse(k8sc__route *route, k8sc_apiserver *srv, const char *path)
{
    memset(route, 0, sizeof(*route));
    route->storage = k8sc__strdup(path);
    if (!route->storage)
        return K8SC_ENOMEM;
    char *segs[MAX_SEGS + 1];
    size_t n = 0;
    /* strtok_r: requests are routed on many threads at once. */
    char *save = NULL;
    for (char *tok = strtok_r(route->storage, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
        if (n == MAX_SEGS)
            return 0; /* too deep: no route */
        segs[n++] = tok;
    }
    if (n == 1 && (strcmp(segs[0], "version") == 0)) {
        route->kind = K8SC__ROUTE_VERSION;
    } else if (n == 1 && (strcmp(segs[0], "healthz") == 0 || strcmp(segs[0], "livez") == 0 ||
                          strcmp(segs[0], "readyz") == 0)) {
        route->kind = K8SC__ROUTE_HEALTH;
    } else if (n >= 1 && strcmp(segs[0], "api") == 0) {
        if (n == 1) {
            route->kind = K8SC__ROUTE_API;
            return 0;
        }
        route->group = "";
        route->version = segs[1];
        if (!k8sc__registry_has_gv(srv->registry, "", segs[1]))
            return 0;
        if (n == 2)
            route->kind = K8SC__ROUTE_GROUP_VERSION;
        else
            return route_resource(route, srv, segs + 2, n - 2);
    } else if (n >= 1 && strcmp(segs[0], "apis") == 0) {
        if (n == 1) {
            route->kind = K8SC__ROUTE_APIS;
            return 0;
        }
        route->group = segs[1];
        if (!k8sc__registry_has_gv(srv->registry, segs[1], NULL) || strcmp(segs[1], "") == 0)
            return 0;
        if (n == 2) {
            route->kind = K8SC__ROUTE_GROUP;
            return 0;
        }
        route->version = segs[2];
        if (!k8sc__registry_has_gv(srv->registry, segs[1], segs[2]))
            return 0;
        if (n == 3)
            route->kind = K8SC__ROUTE_GROUP_VERSION;
        else
            return route_resource(route, srv, segs + 3, n - 3);
    } else if (n >= 2 && strcmp(segs[0], "openapi") == 0 && strcmp(segs[1], "v3") == 0) {
        if (n == 2) {
            route->kind = K8SC__ROUTE_OPENAPI_ROOT;
        } else if (n == 4 && strcmp(segs[2], "api") == 0) {
            route->group = "";
            route->version = segs[3];
            if (k8sc__registry_has_gv(srv->registry, "", segs[3]))
                route->kind = K8SC__ROUTE_OPENAPI_GV;
        } else if (n == 5 && strcmp(segs[2], "apis") == 0) {
            route->group = segs[3];
            route->version = segs[4];
            if (k8sc__registry_has_gv(srv->registry, segs[3], segs[4]))
                route->kind = K8SC__ROUTE_OPENAPI_GV;
        }
    }
    return 0;
}

static bool is_get(const k8sc__request *req)
{
    return strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
}

int k8sc__dispatch(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req)
{
    k8sc__route route;
    int rc = k8sc__route_parse(&route, srv, req->path);
    if (rc) {
        k8sc__route_clear(&route);
        return rc;
    }
    if (route.kind != K8SC__ROUTE_NONE && route.kind != K8SC__ROUTE_RESOURCE && !is_get(req)) {
        rc = k8sc__status_method_not_allowed(resp);
        k8sc__route_clear(&route);
        return rc;
    }
    switch (route.kind) {
    case K8SC__ROUTE_NONE:
        rc = k8sc__status_route_not_found(resp);
        break;
    case K8SC__ROUTE_HEALTH:
        k8sc_free(resp->body);
        k8sc_free(resp->content_type);
        resp->status = 200;
        resp->body = k8sc__strdup("ok");
        resp->body_len = 2;
        resp->content_type = k8sc__strdup("text/plain; charset=utf-8");
        rc = resp->body && resp->content_type ? 0 : K8SC_ENOMEM;
        break;
    case K8SC__ROUTE_VERSION:
        rc = k8sc__serve_version(resp);
        break;
    case K8SC__ROUTE_API:
        rc = k8sc__serve_api(resp, srv, req);
        break;
    case K8SC__ROUTE_APIS:
        rc = k8sc__serve_apis(resp, srv, req);
        break;
    case K8SC__ROUTE_GROUP:
        rc = k8sc__serve_group(resp, srv, route.group);
        break;
    case K8SC__ROUTE_GROUP_VERSION:
        rc = k8sc__serve_group_version(resp, srv, route.group, route.version);
        break;
    case K8SC__ROUTE_OPENAPI_ROOT:
        rc = k8sc__serve_openapi_root(resp, srv);
        break;
    case K8SC__ROUTE_OPENAPI_GV:
        rc = k8sc__serve_openapi_gv(resp, srv, route.group, route.version);
        break;
    case K8SC__ROUTE_RESOURCE:
        rc = k8sc__crd_admit(resp, srv, req, &route);
        if (!rc && !resp->status)
            rc = k8sc__fieldval_admit(resp, req, &route);
        if (!rc && !resp->status)
            rc = k8sc__handle_resource(resp, srv, req, &route);
        if (!rc && resp->status < 300)
            rc = k8sc__crd_convert_reply(resp, srv, &route);
        if (!rc && resp->status < 300)
            rc = k8sc__convert_reply(resp, srv, &route);
        /* CRD writes change what is served (and deleting one removes its custom resources). */
        if (!rc && !is_get(req) && k8sc__is_crd(route.resource) && resp->status < 300)
            rc = k8sc__crd_sync(srv);
        break;
    }
    k8sc__route_clear(&route);
    return rc;
}
