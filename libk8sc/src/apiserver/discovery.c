/*
 * Discovery: /version, the legacy documents (/api, /apis, /api/v1,
 * /apis/G, /apis/G/V) and aggregated discovery (apidiscovery.k8s.io/v2),
 * all generated from the registry.
 */
#include "apiserver_internal.h"

#include <string.h>

#define AGGREGATED_CT "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

bool k8sc__accept_has(const char *accept, const char *needle)
{
    return accept && strstr(accept, needle) != NULL;
}

/* True if one media range of Accept carries every parameter of the v2 aggregated list. */
static bool wants_aggregated(const char *accept)
{
    if (!accept)
        return false;
    const char *p = accept;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char range[256];
        if (len < sizeof(range)) {
            memcpy(range, p, len);
            range[len] = '\0';
            const char *v = strstr(range, "v=v2");
            if (strstr(range, "g=apidiscovery.k8s.io") && strstr(range, "as=APIGroupDiscoveryList") &&
                v && (v[4] == ';' || v[4] == '\0' || v[4] == ' '))
                return true;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

int k8sc__serve_version(k8sc_apiserver_response *resp)
{
    struct json_object *v = json_object_new_object();
    if (!v)
        return k8sc__error_nomem();
    /* kubectl's dispatcher picks its client by gitVersion: v1.32.x runs the built-in 1.32. */
    json_object_object_add(v, "major", json_object_new_string("1"));
    json_object_object_add(v, "minor", json_object_new_string("32"));
    json_object_object_add(v, "gitVersion", json_object_new_string("v1.32.0"));
    json_object_object_add(v, "gitCommit", json_object_new_string("k8sc-" K8SC_VERSION));
    json_object_object_add(v, "gitTreeState", json_object_new_string("clean"));
    json_object_object_add(v, "buildDate", json_object_new_string("1970-01-01T00:00:00Z"));
    json_object_object_add(v, "goVersion", json_object_new_string("n/a (libk8sc, C11)"));
    json_object_object_add(v, "compiler", json_object_new_string("gc"));
    json_object_object_add(v, "platform", json_object_new_string("linux/amd64"));
    int rc = k8sc__resp_json(resp, 200, v);
    json_object_put(v);
    return rc;
}

bool k8sc__registry_has_gv(k8sc_registry *reg, const char *group, const char *version)
{
    for (size_t i = 0; i < k8sc_registry_count(reg); i++) {
        const k8sc_resource *r = k8sc_registry_at(reg, i);
        if (strcmp(k8sc_resource_group(r), group) == 0 &&
            (!version || strcmp(k8sc_resource_version(r), version) == 0))
            return true;
    }
    return false;
}

/* Distinct groups (without ""), in registration order; versions likewise per group. */
static size_t list_groups(k8sc_registry *reg, const char **groups, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < k8sc_registry_count(reg); i++) {
        const char *g = k8sc_resource_group(k8sc_registry_at(reg, i));
        if (!*g)
            continue;
        bool seen = false;
        for (size_t j = 0; j < n && !seen; j++)
            seen = strcmp(groups[j], g) == 0;
        if (!seen && n < max)
            groups[n++] = g;
    }
    return n;
}

static size_t list_versions(k8sc_registry *reg, const char *group, const char **versions, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < k8sc_registry_count(reg); i++) {
        const k8sc_resource *r = k8sc_registry_at(reg, i);
        if (strcmp(k8sc_resource_group(r), group) != 0)
            continue;
        const char *v = k8sc_resource_version(r);
        bool seen = false;
        for (size_t j = 0; j < n && !seen; j++)
            seen = strcmp(versions[j], v) == 0;
        if (!seen && n < max)
            versions[n++] = v;
    }
    return n;
}

static struct json_object *string_array(const char *const *items)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; items && items[i]; i++)
        json_object_array_add(a, json_object_new_string(items[i]));
    return a;
}

typedef struct {
    const char *name, *group, *version, *kind; /* kind NULL: the parent kind */
    const char *const *verbs;
} subresource_info;

static const char *const verbs_gpu[] = { "get", "patch", "update", NULL };
static const char *const verbs_create[] = { "create", NULL };
static const char *const verbs_get[] = { "get", NULL };
static const char *const verbs_create_get[] = { "create", "get", NULL };
static const char *const verbs_update[] = { "update", NULL };
static const char *const verbs_proxy[] = { "create", "delete", "get", "patch", "update", NULL };

/* What each subresource accepts and returns, as kube-apiserver's discovery reports it. */
static subresource_info subresource(const k8sc_resource *r, const char *name)
{
    static const subresource_info table[] = {
        { "status", NULL, NULL, NULL, verbs_gpu },
        { "scale", "autoscaling", "v1", "Scale", verbs_gpu },
        { "binding", "", "v1", "Binding", verbs_create },
        { "eviction", "policy", "v1", "Eviction", verbs_create },
        { "log", NULL, NULL, NULL, verbs_get },
        { "exec", "", "v1", "PodExecOptions", verbs_create_get },
        { "attach", "", "v1", "PodAttachOptions", verbs_create_get },
        { "portforward", "", "v1", "PodPortForwardOptions", verbs_create_get },
        { "ephemeralcontainers", NULL, NULL, NULL, verbs_gpu },
        { "resize", NULL, NULL, NULL, verbs_gpu },
        { "token", "authentication.k8s.io", "v1", "TokenRequest", verbs_create },
        { "finalize", NULL, NULL, NULL, verbs_update },
        { "approval", NULL, NULL, NULL, verbs_gpu },
    };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(table); i++)
        if (strcmp(table[i].name, name) == 0) {
            subresource_info s = table[i];
            if (!s.kind) {
                s.group = k8sc_resource_group(r);
                s.version = k8sc_resource_version(r);
                s.kind = k8sc_resource_kind(r);
            }
            return s;
        }
    /* proxy and anything unknown */
    subresource_info s = { name, "", "v1", NULL, verbs_proxy };
    if (strcmp(name, "proxy") == 0) {
        s.kind = strcmp(k8sc_resource_kind(r), "Pod") == 0 ? "PodProxyOptions"
               : strcmp(k8sc_resource_kind(r), "Node") == 0 ? "NodeProxyOptions" : "ServiceProxyOptions";
    } else {
        s.group = k8sc_resource_group(r);
        s.version = k8sc_resource_version(r);
        s.kind = k8sc_resource_kind(r);
    }
    return s;
}

static struct json_object *api_resource_list(k8sc_registry *reg, const char *group, const char *version)
{
    struct json_object *list = json_object_new_object();
    struct json_object *items = json_object_new_array();
    json_object_object_add(list, "kind", json_object_new_string("APIResourceList"));
    json_object_object_add(list, "apiVersion", json_object_new_string("v1"));
    char gv[256];
    if (*group)
        snprintf(gv, sizeof(gv), "%s/%s", group, version);
    else
        snprintf(gv, sizeof(gv), "%s", version);
    json_object_object_add(list, "groupVersion", json_object_new_string(gv));
    for (size_t i = 0; i < k8sc_registry_count(reg); i++) {
        const k8sc_resource *r = k8sc_registry_at(reg, i);
        if (strcmp(k8sc_resource_group(r), group) != 0 || strcmp(k8sc_resource_version(r), version) != 0)
            continue;
        struct json_object *e = json_object_new_object();
        json_object_object_add(e, "name", json_object_new_string(k8sc_resource_plural(r)));
        json_object_object_add(e, "singularName", json_object_new_string(k8sc_resource_singular(r)));
        json_object_object_add(e, "namespaced", json_object_new_boolean(k8sc_resource_namespaced(r)));
        json_object_object_add(e, "kind", json_object_new_string(k8sc_resource_kind(r)));
        json_object_object_add(e, "verbs", string_array(k8sc_resource_verbs(r)));
        const char *const *sn = k8sc_resource_short_names(r);
        if (sn && sn[0])
            json_object_object_add(e, "shortNames", string_array(sn));
        const char *const *cat = k8sc_resource_categories(r);
        if (cat && cat[0])
            json_object_object_add(e, "categories", string_array(cat));
        json_object_array_add(items, e);
        const char *const *subs = k8sc_resource_subresources(r);
        for (size_t j = 0; subs && subs[j]; j++) {
            subresource_info s = subresource(r, subs[j]);
            char name[256];
            snprintf(name, sizeof(name), "%s/%s", k8sc_resource_plural(r), subs[j]);
            struct json_object *se = json_object_new_object();
            json_object_object_add(se, "name", json_object_new_string(name));
            json_object_object_add(se, "singularName", json_object_new_string(""));
            json_object_object_add(se, "namespaced", json_object_new_boolean(k8sc_resource_namespaced(r)));
            if (strcmp(s.group, group) != 0 || strcmp(s.version, version) != 0) {
                json_object_object_add(se, "group", json_object_new_string(s.group));
                json_object_object_add(se, "version", json_object_new_string(s.version));
            }
            json_object_object_add(se, "kind", json_object_new_string(s.kind));
            json_object_object_add(se, "verbs", string_array(s.verbs));
            json_object_array_add(items, se);
        }
    }
    json_object_object_add(list, "resources", items);
    return list;
}

int k8sc__serve_group_version(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const char *group, const char *version)
{
    struct json_object *list = api_resource_list(srv->registry, group, version);
    if (!list)
        return k8sc__error_nomem();
    int rc = k8sc__resp_json(resp, 200, list);
    json_object_put(list);
    return rc;
}

static struct json_object *group_json(k8sc_registry *reg, const char *group)
{
    const char *versions[16];
    size_t nv = list_versions(reg, group, versions, 16);
    struct json_object *g = json_object_new_object();
    struct json_object *va = json_object_new_array();
    json_object_object_add(g, "name", json_object_new_string(group));
    struct json_object *preferred = NULL;
    for (size_t i = 0; i < nv; i++) {
        char gv[256];
        snprintf(gv, sizeof(gv), "%s/%s", group, versions[i]);
        struct json_object *v = json_object_new_object();
        json_object_object_add(v, "groupVersion", json_object_new_string(gv));
        json_object_object_add(v, "version", json_object_new_string(versions[i]));
        if (!preferred)
            preferred = json_object_get(v);
        json_object_array_add(va, v);
    }
    json_object_object_add(g, "versions", va);
    json_object_object_add(g, "preferredVersion", preferred ? preferred : json_object_new_object());
    return g;
}

int k8sc__serve_group(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const char *group)
{
    struct json_object *g = group_json(srv->registry, group);
    if (!g)
        return k8sc__error_nomem();
    json_object_object_add(g, "kind", json_object_new_string("APIGroup"));
    json_object_object_add(g, "apiVersion", json_object_new_string("v1"));
    int rc = k8sc__resp_json(resp, 200, g);
    json_object_put(g);
    return rc;
}

/* One aggregated APIResourceDiscovery entry. */
static struct json_object *aggregated_resource(const k8sc_resource *r)
{
    struct json_object *e = json_object_new_object();
    json_object_object_add(e, "resource", json_object_new_string(k8sc_resource_plural(r)));
    struct json_object *rk = json_object_new_object();
    json_object_object_add(rk, "group", json_object_new_string(k8sc_resource_group(r)));
    json_object_object_add(rk, "version", json_object_new_string(k8sc_resource_version(r)));
    json_object_object_add(rk, "kind", json_object_new_string(k8sc_resource_kind(r)));
    json_object_object_add(e, "responseKind", rk);
    json_object_object_add(e, "scope", json_object_new_string(k8sc_resource_namespaced(r) ? "Namespaced" : "Cluster"));
    json_object_object_add(e, "singularResource", json_object_new_string(k8sc_resource_singular(r)));
    json_object_object_add(e, "verbs", string_array(k8sc_resource_verbs(r)));
    const char *const *sn = k8sc_resource_short_names(r);
    if (sn && sn[0])
        json_object_object_add(e, "shortNames", string_array(sn));
    const char *const *cat = k8sc_resource_categories(r);
    if (cat && cat[0])
        json_object_object_add(e, "categories", string_array(cat));
    const char *const *subs = k8sc_resource_subresources(r);
    if (subs && subs[0]) {
        struct json_object *sa = json_object_new_array();
        for (size_t j = 0; subs[j]; j++) {
            subresource_info s = subresource(r, subs[j]);
            struct json_object *se = json_object_new_object();
            json_object_object_add(se, "subresource", json_object_new_string(subs[j]));
            struct json_object *sk = json_object_new_object();
            json_object_object_add(sk, "group", json_object_new_string(s.group));
            json_object_object_add(sk, "version", json_object_new_string(s.version));
            json_object_object_add(sk, "kind", json_object_new_string(s.kind));
            json_object_object_add(se, "responseKind", sk);
            json_object_object_add(se, "verbs", string_array(s.verbs));
            json_object_array_add(sa, se);
        }
        json_object_object_add(e, "subresources", sa);
    }
    return e;
}

/* An APIGroupDiscovery item for `group` ("" for the legacy core group). */
static struct json_object *aggregated_group(k8sc_registry *reg, const char *group)
{
    const char *versions[16];
    size_t nv = list_versions(reg, group, versions, 16);
    struct json_object *item = json_object_new_object();
    struct json_object *md = json_object_new_object();
    if (*group)
        json_object_object_add(md, "name", json_object_new_string(group));
    json_object_object_add(md, "creationTimestamp", NULL);
    json_object_object_add(item, "metadata", md);
    struct json_object *va = json_object_new_array();
    for (size_t i = 0; i < nv; i++) {
        struct json_object *v = json_object_new_object();
        json_object_object_add(v, "version", json_object_new_string(versions[i]));
        struct json_object *ra = json_object_new_array();
        for (size_t k = 0; k < k8sc_registry_count(reg); k++) {
            const k8sc_resource *r = k8sc_registry_at(reg, k);
            if (strcmp(k8sc_resource_group(r), group) == 0 && strcmp(k8sc_resource_version(r), versions[i]) == 0)
                json_object_array_add(ra, aggregated_resource(r));
        }
        json_object_object_add(v, "resources", ra);
        json_object_object_add(v, "freshness", json_object_new_string("Current"));
        json_object_array_add(va, v);
    }
    json_object_object_add(item, "versions", va);
    return item;
}

static int serve_aggregated(k8sc_apiserver_response *resp, k8sc_apiserver *srv, bool legacy)
{
    struct json_object *list = json_object_new_object();
    if (!list)
        return k8sc__error_nomem();
    json_object_object_add(list, "kind", json_object_new_string("APIGroupDiscoveryList"));
    json_object_object_add(list, "apiVersion", json_object_new_string("apidiscovery.k8s.io/v2"));
    json_object_object_add(list, "metadata", json_object_new_object());
    struct json_object *items = json_object_new_array();
    if (legacy) {
        if (k8sc__registry_has_gv(srv->registry, "", NULL))
            json_object_array_add(items, aggregated_group(srv->registry, ""));
    } else {
        const char *groups[128];
        size_t ng = list_groups(srv->registry, groups, 128);
        for (size_t i = 0; i < ng; i++)
            json_object_array_add(items, aggregated_group(srv->registry, groups[i]));
    }
    json_object_object_add(list, "items", items);
    int rc = k8sc__resp_json_ct(resp, 200, list, AGGREGATED_CT);
    json_object_put(list);
    return rc;
}

int k8sc__serve_api(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req)
{
    if (wants_aggregated(req->accept))
        return serve_aggregated(resp, srv, true);
    struct json_object *v = json_object_new_object();
    if (!v)
        return k8sc__error_nomem();
    json_object_object_add(v, "kind", json_object_new_string("APIVersions"));
    const char *versions[16];
    size_t nv = list_versions(srv->registry, "", versions, 16);
    struct json_object *va = json_object_new_array();
    for (size_t i = 0; i < nv; i++)
        json_object_array_add(va, json_object_new_string(versions[i]));
    json_object_object_add(v, "versions", va);
    struct json_object *cidrs = json_object_new_array();
    struct json_object *c = json_object_new_object();
    json_object_object_add(c, "clientCIDR", json_object_new_string("0.0.0.0/0"));
    char addr[300];
    snprintf(addr, sizeof(addr), "%s:%d", srv->listen_host, srv->bound_port ? srv->bound_port : srv->listen_port);
    json_object_object_add(c, "serverAddress", json_object_new_string(addr));
    json_object_array_add(cidrs, c);
    json_object_object_add(v, "serverAddressByClientCIDRs", cidrs);
    int rc = k8sc__resp_json(resp, 200, v);
    json_object_put(v);
    return rc;
}

int k8sc__serve_apis(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req)
{
    if (wants_aggregated(req->accept))
        return serve_aggregated(resp, srv, false);
    struct json_object *list = json_object_new_object();
    if (!list)
        return k8sc__error_nomem();
    json_object_object_add(list, "kind", json_object_new_string("APIGroupList"));
    json_object_object_add(list, "apiVersion", json_object_new_string("v1"));
    const char *groups[128];
    size_t ng = list_groups(srv->registry, groups, 128);
    struct json_object *ga = json_object_new_array();
    for (size_t i = 0; i < ng; i++)
        json_object_array_add(ga, group_json(srv->registry, groups[i]));
    json_object_object_add(list, "groups", ga);
    int rc = k8sc__resp_json(resp, 200, list);
    json_object_put(list);
    return rc;
}
