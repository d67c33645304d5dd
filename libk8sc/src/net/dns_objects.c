/* What the cluster zone reads from Services and EndpointSlices, and the cache indexes it looks them up by. */
#include "dns_objects.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SERVICE_NAME_LABEL "kubernetes.io/service-name"

bool k8sc__dns_ip_parse(int *family, uint8_t addr[16], const char *text)
{
    if (!text)
        return false;
    if (inet_pton(AF_INET, text, addr) == 1) {
        *family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, text, addr) == 1) {
        *family = AF_INET6;
        return true;
    }
    return false;
}

/* The string at `i` of a JSON array, NULL if it is anything else. */
static const char *string_at(struct json_object *array, size_t i)
{
    struct json_object *e = json_object_array_get_idx(array, i);
    return json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
}

static bool canonical_ip(char *out, size_t size, const char *text)
{
    int family;
    uint8_t addr[16];
    return k8sc__dns_ip_parse(&family, addr, text) && inet_ntop(family, addr, out, (socklen_t)size);
}

bool k8sc__dns_service_headless(const k8sc_object *svc)
{
    const char *ip = k8sc_object_get_string(svc, "spec.clusterIP");
    return ip && strcmp(ip, "None") == 0;
}

bool k8sc__dns_service_external(const k8sc_object *svc)
{
    const char *type = k8sc_object_get_string(svc, "spec.type");
    return type && strcmp(type, "ExternalName") == 0;
}

size_t k8sc__dns_service_ips(const k8sc_object *svc, const char **ips, size_t max)
{
    size_t n = 0;
    struct json_object *list = k8sc_object_get(svc, "spec.clusterIPs");
    if (list && json_object_is_type(list, json_type_array) && json_object_array_length(list) > 0) {
        for (size_t i = 0; i < json_object_array_length(list) && n < max; i++)
            if ((ips[n] = string_at(list, i)))
                n++;
        return n;
    }
    const char *ip = k8sc_object_get_string(svc, "spec.clusterIP");
    if (ip && max > 0 && strcmp(ip, "None") != 0 && *ip)
        ips[n++] = ip;
    return n;
}

bool k8sc__dns_port_matches(const struct json_object *port, const char *name, size_t name_len, const char *proto,
    size_t proto_len, uint16_t *number)
{
    const char *pname = k8sc__json_string(port, "name");
    const char *pproto = k8sc__json_string(port, "protocol");
    struct json_object *num = k8sc__json_member(port, "port");
    if (!pproto)
        pproto = "TCP";
    if (name && (!pname || strlen(pname) != name_len || strncmp(pname, name, name_len) != 0))
        return false;
    if (strlen(pproto) != proto_len || strncasecmp(pproto, proto, proto_len) != 0)
        return false;
    if (!json_object_is_type(num, json_type_int))
        return false;
    int64_t v = json_object_get_int64(num);
    if (v < 1 || v > 65535)
        return false;
    *number = (uint16_t)v;
    return true;
}

/* The host label of an endpoint without a hostname: its address with '.' and ':' as '-'. */
static void dashed(char *out, size_t size, int family, const uint8_t *addr)
{
    if (!inet_ntop(family, addr, out, (socklen_t)size)) {
        out[0] = '\0';
        return;
    }
    for (char *p = out; *p; p++)
        if (*p == '.' || *p == ':')
            *p = '-';
}

static int add_endpoint(k8sc__dns_endpoints *set, int family, const uint8_t *addr, const char *hostname,
    const struct json_object *ports)
{
    size_t alen = family == AF_INET ? 4 : 16;
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].family == family && memcmp(set->items[i].addr, addr, alen) == 0)
            return 0;
    if (set->count == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 8;
        k8sc__dns_endpoint *items = k8sc__realloc(set->items, cap * sizeof(*items));
        if (!items)
            return K8SC_ENOMEM;
        set->items = items;
        set->cap = cap;
    }
    k8sc__dns_endpoint *ep = &set->items[set->count++];
    memset(ep, 0, sizeof(*ep));
    ep->family = family;
    memcpy(ep->addr, addr, alen);
    ep->ports = ports;
    if (hostname && *hostname && strlen(hostname) < sizeof(ep->host))
        snprintf(ep->host, sizeof(ep->host), "%s", hostname);
    else
        dashed(ep->host, sizeof(ep->host), family, addr);
    return 0;
}

static int slice_family(const k8sc_object *slice)
{
    const char *t = k8sc_object_get_string(slice, "addressType");
    if (t && strcmp(t, "IPv4") == 0)
        return AF_INET;
    if (t && strcmp(t, "IPv6") == 0)
        return AF_INET6;
    return 0;
}

static int add_slice(k8sc__dns_endpoints *set, const k8sc_object *slice, bool all)
{
    int family = slice_family(slice);
    struct json_object *eps = k8sc_object_get(slice, "endpoints");
    if (!family || !json_object_is_type(eps, json_type_array))
        return 0;
    const struct json_object *ports = k8sc_object_get(slice, "ports");
    for (size_t i = 0; i < json_object_array_length(eps); i++) {
        struct json_object *ep = json_object_array_get_idx(eps, i);
        struct json_object *ready = k8sc__json_member(k8sc__json_member(ep, "conditions"), "ready");
        /* An unknown readiness counts as ready, as the EndpointSlice API asks of consumers. */
        if (!all && json_object_is_type(ready, json_type_boolean) && !json_object_get_boolean(ready))
            continue;
        struct json_object *addrs = k8sc__json_member(ep, "addresses");
        if (!json_object_is_type(addrs, json_type_array))
            continue;
        const char *hostname = k8sc__json_string(ep, "hostname");
        for (size_t j = 0; j < json_object_array_length(addrs); j++) {
            uint8_t addr[16];
            const char *text = string_at(addrs, j);
            if (!text || inet_pton(family, text, addr) != 1)
                continue;
            int rc = add_endpoint(set, family, addr, hostname, ports);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

int k8sc__dns_endpoints_collect(k8sc__dns_endpoints *set, k8sc_cache *slices, const k8sc_object *svc)
{
    memset(set, 0, sizeof(*set));
    char key[300];
    snprintf(key, sizeof(key), "%s/%s", k8sc_object_namespace(svc), k8sc_object_name(svc));
    int rc = k8sc_cache_by_index(&set->slices, &set->nslices, slices, K8SC__DNS_INDEX_SLICE_SVC, key);
    if (rc < 0)
        return rc;
    bool all = false;
    k8sc_object_get_bool(svc, "spec.publishNotReadyAddresses", &all);
    for (size_t i = 0; i < set->nslices && rc == 0; i++)
        rc = add_slice(set, set->slices[i], all);
    if (rc < 0)
        k8sc__dns_endpoints_free(set);
    return rc;
}

void k8sc__dns_endpoints_free(k8sc__dns_endpoints *set)
{
    k8sc_free(set->items);
    k8sc_cache_items_free(set->slices, set->nslices);
    memset(set, 0, sizeof(*set));
}

static int index_service_ips(k8sc_index_values *values, const k8sc_object *svc, void *userdata)
{
    (void)userdata;
    const char *ips[8];
    size_t n = k8sc__dns_service_ips(svc, ips, K8SC__ARRAY_LEN(ips));
    for (size_t i = 0; i < n; i++) {
        char canon[INET6_ADDRSTRLEN];
        if (canonical_ip(canon, sizeof(canon), ips[i])) {
            int rc = k8sc_index_values_add(values, canon);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static int index_slice_service(k8sc_index_values *values, const k8sc_object *slice, void *userdata)
{
    (void)userdata;
    const char *svc = k8sc_object_meta_get(slice, K8SC_LABELS, SERVICE_NAME_LABEL);
    const char *ns = k8sc_object_namespace(slice);
    if (!svc || !ns)
        return 0;
    char key[300];
    if ((size_t)snprintf(key, sizeof(key), "%s/%s", ns, svc) >= sizeof(key))
        return 0;
    return k8sc_index_values_add(values, key);
}

static int index_slice_ips(k8sc_index_values *values, const k8sc_object *slice, void *userdata)
{
    (void)userdata;
    struct json_object *eps = k8sc_object_get(slice, "endpoints");
    if (!json_object_is_type(eps, json_type_array))
        return 0;
    for (size_t i = 0; i < json_object_array_length(eps); i++) {
        struct json_object *addrs = k8sc__json_member(json_object_array_get_idx(eps, i), "addresses");
        if (!json_object_is_type(addrs, json_type_array))
            continue;
        for (size_t j = 0; j < json_object_array_length(addrs); j++) {
            char canon[INET6_ADDRSTRLEN];
            if (!canonical_ip(canon, sizeof(canon), string_at(addrs, j)))
                continue;
            int rc = k8sc_index_values_add(values, canon);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

int k8sc__dns_add_indexes(const k8sc__dns_caches *caches)
{
    int rc = k8sc_cache_add_index(caches->services, K8SC__DNS_INDEX_SVC_IP, index_service_ips, NULL);
    if (rc == 0)
        rc = k8sc_cache_add_index(caches->slices, K8SC__DNS_INDEX_SLICE_SVC, index_slice_service, NULL);
    if (rc == 0)
        rc = k8sc_cache_add_index(caches->slices, K8SC__DNS_INDEX_SLICE_IP, index_slice_ips, NULL);
    return rc;
}
