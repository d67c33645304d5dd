/*
 * Discovery: apiVersion + kind -> plural resource and scope, from the
 * registry option or the server's /api/v1 and /apis/GROUP/VERSION
 * resource lists, cached per group-version and fetched again on a miss.
 * With a cache directory the lists are also kept on disk
 * (discovery_cache.c): a fresh list found there spares the request.
 */
#include "client_internal.h"

#include "k8sc/codec.h"

#include <stdlib.h>
#include <string.h>

struct k8sc__gv_cache {
    char *api_version;
    struct json_object *resources; /* APIResourceList.resources */
    k8sc__gv_cache *next;
};

void k8sc__discovery_free(k8sc__gv_cache *cache)
{
    while (cache) {
        k8sc__gv_cache *next = cache->next;
        json_object_put(cache->resources);
        free(cache->api_version);
        free(cache);
        cache = next;
    }
}

void k8sc_client_invalidate_discovery(k8sc_client *client)
{
    if (!client)
        return;
    pthread_mutex_lock(&client->disc_lock);
    k8sc__discovery_free(client->disc);
    client->disc = NULL;
    pthread_mutex_unlock(&client->disc_lock);
}

/* Look `kind` up in the cached list of `api_version` (lock held). 1 found, 0 not, -1 no such gv cached. */
static int lookup(k8sc_client *client, const char *api_version, const char *kind, char *plural, size_t size,
    bool *namespaced)
{
    for (k8sc__gv_cache *g = client->disc; g; g = g->next) {
        if (strcmp(g->api_version, api_version) != 0)
            continue;
        for (size_t i = 0; g->resources && i < json_object_array_length(g->resources); i++) {
            struct json_object *r = json_object_array_get_idx(g->resources, i), *v;
            const char *name = json_object_object_get_ex(r, "name", &v) ? json_object_get_string(v) : "";
            const char *k = json_object_object_get_ex(r, "kind", &v) ? json_object_get_string(v) : "";
            /* Subresources ("pods/status") share the kind; only the resource itself is addressable. */
            if (!name || !k || strchr(name, '/') || strcmp(k, kind) != 0)
                continue;
            snprintf(plural, size, "%s", name);
            *namespaced = json_object_object_get_ex(r, "namespaced", &v) && json_object_get_boolean(v);
            return 1;
        }
        return 0;
    }
    return -1;
}

/* lookup() taking the lock. */
static int find(k8sc_client *client, const char *api_version, const char *kind, char *plural, size_t size,
    bool *namespaced)
{
    pthread_mutex_lock(&client->disc_lock);
    int found = lookup(client, api_version, kind, plural, size, namespaced);
    pthread_mutex_unlock(&client->disc_lock);
    return found;
}

/* The resources of an APIResourceList body for `api_version` (a new reference), or NULL when it is not one. */
static struct json_object *parse_list(const char *body, size_t len, const char *api_version)
{
    struct json_object *root = NULL, *res = NULL, *gv = NULL;
    if (k8sc_json_parse(&root, body, len) != 0 || !json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "resources", &res) || !json_object_is_type(res, json_type_array) ||
        (json_object_object_get_ex(root, "groupVersion", &gv) &&
            (!json_object_is_type(gv, json_type_string) || strcmp(json_object_get_string(gv), api_version) != 0))) {
        json_object_put(root);
        return NULL;
    }
    json_object_get(res);
    json_object_put(root);
    return res;
}

/* Make `resources` (taken over) the cached list of `api_version`. ENOMEM. */
static int store(k8sc_client *client, const char *api_version, struct json_object *resources)
{
    k8sc__gv_cache *g = k8sc__calloc(1, sizeof(*g));
    if (!g || !(g->api_version = k8sc__strdup(api_version))) {
        free(g);
        json_object_put(resources);
        return K8SC_ENOMEM;
    }
    g->resources = resources;
    pthread_mutex_lock(&client->disc_lock);
    for (k8sc__gv_cache **p = &client->disc; *p; p = &(*p)->next) {
        if (strcmp((*p)->api_version, api_version) == 0) {
            k8sc__gv_cache *old = *p;
            *p = old->next;
            old->next = NULL;
            k8sc__discovery_free(old);
            break;
        }
    }
    g->next = client->disc;
    client->disc = g;
    pthread_mutex_unlock(&client->disc_lock);
    return 0;
}

/* The list of `api_version` from the disk cache: 1 stored, 0 none fresh there (a corrupt file is none), ENOMEM. */
static int load(k8sc_client *client, const char *api_version)
{
    char *body = NULL;
    size_t len = 0;
    int rc = k8sc__discovery_cache_read(&body, &len, client->disc_dir, api_version, client->disc_ttl_s);
    if (rc <= 0)
        return rc;
    struct json_object *res = parse_list(body, len, api_version);
    free(body);
    if (!res)
        return 0;
    rc = store(client, api_version, res);
    return rc ? rc : 1;
}

/* Fetch /api(s)/GV and replace its cache entry (and file). ENOTFOUND if the server does not serve it. */
static int fetch(k8sc_client *client, const char *api_version, const char *kind)
{
    char path[512];
    snprintf(path, sizeof(path), strchr(api_version, '/') ? "/apis/%s" : "/api/%s", api_version);
    char *body = NULL;
    size_t len = 0;
    int rc = k8sc__client_do(&body, &len, NULL, client, "GET", path, NULL, NULL, 0);
    if (rc == K8SC_ENOTFOUND) {
        free(body);
        return k8sc_error_set(K8SC_ENOTFOUND, "no matches for kind \"%s\" in version \"%s\"", kind, api_version);
    }
    struct json_object *res = rc == 0 ? parse_list(body, len, api_version) : NULL;
    if (rc == 0 && !res)
        rc = k8sc_error_set(K8SC_EIO, "GET %s: not an APIResourceList", path);
    if (rc == 0 && client->disc_dir)
        k8sc__discovery_cache_write(client->disc_dir, api_version, body, len);
    free(body);
    return rc ? rc : store(client, api_version, res);
}

int k8sc_client_resolve(k8sc_client *client, const char *api_version, const char *kind, char *plural, size_t size,
    bool *namespaced)
{
    K8SC__CHECK_ARG(client && api_version && *api_version && kind && *kind && plural && size > 0 && namespaced);
    const char *slash = strchr(api_version, '/');
    if (slash && (slash == api_version || !slash[1] || strchr(slash + 1, '/')))
        return k8sc_error_set(K8SC_EINVAL, "unexpected GroupVersion string: %s", api_version);
    if (client->registry) {
        const k8sc_resource *r = k8sc_registry_find_gvk(client->registry, api_version, kind);
        if (r) {
            snprintf(plural, size, "%s", k8sc_resource_plural(r));
            *namespaced = k8sc_resource_namespaced(r);
            return 0;
        }
    }
    int found = find(client, api_version, kind, plural, size, namespaced);
    if (found == 1)
        return 0;
    /* Not asked yet in this process: a fresh list on disk answers without a request. */
    int rc = found < 0 && client->disc_dir ? load(client, api_version) : 0;
    if (rc < 0)
        return rc;
    if (rc == 1 && find(client, api_version, kind, plural, size, namespaced) == 1)
        return 0;
    /* A miss may be a kind added since (a new CRD): ask again once. */
    rc = fetch(client, api_version, kind);
    if (rc)
        return rc;
    if (find(client, api_version, kind, plural, size, namespaced) != 1)
        return k8sc_error_set(K8SC_ENOTFOUND, "no matches for kind \"%s\" in version \"%s\"", kind, api_version);
    return 0;
}
