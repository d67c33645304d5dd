/*
 * The proxy's model: Service ports with their ready endpoints, built from
 * Services and EndpointSlices as kube-proxy's ServiceChangeTracker and
 * EndpointsChangeTracker see them.
 */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/proxy_internal.h"

#define SERVICE_NAME_LABEL "kubernetes.io/service-name"

static const char *str_or(const char *s, const char *dflt)
{
    return s ? s : dflt;
}

static int json_int(struct json_object *o, const char *key)
{
    struct json_object *v = json_object_object_get(o, key);
    return v && json_object_is_type(v, json_type_int) ? json_object_get_int(v) : 0;
}

static const char *json_str(struct json_object *o, const char *key)
{
    struct json_object *v = json_object_object_get(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static void port_clear(k8sc__proxy_port *p)
{
    k8sc_free(p->namespace_);
    k8sc_free(p->name);
    k8sc_free(p->port_name);
    k8sc_free(p->protocol);
    k8sc_free(p->cluster_ip);
    for (size_t i = 0; i < p->n_endpoints; i++)
        k8sc_free(p->endpoints[i].ip);
    k8sc_free(p->endpoints);
}

void k8sc__proxy_model_clear(k8sc__proxy_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_ports; i++)
        port_clear(&m->ports[i]);
    k8sc_free(m->ports);
    m->ports = NULL;
    m->n_ports = 0;
}

int k8sc__proxy_port_string(char *buf, size_t size, const k8sc__proxy_port *p)
{
    int n = snprintf(buf, size, "%s/%s%s%s", p->namespace_, p->name, *p->port_name ? ":" : "", p->port_name);
    return n < 0 || (size_t)n >= size ? K8SC_ERANGE : 0;
}

/* Names end up in iptables comments and hashes: only DNS-label characters are let through. */
static bool safe_token(const char *s)
{
    size_t n = strlen(s);
    if (n > 253)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
            return false;
    return true;
}

static bool is_ipv4(const char *s)
{
    struct in_addr a;
    return s && inet_pton(AF_INET, s, &a) == 1;
}

/* The slice's port number for `port_name` + `protocol`, or 0. */
static int slice_port(struct json_object *ports, const char *port_name, const char *protocol)
{
    size_t n = json_object_is_type(ports, json_type_array) ? json_object_array_length(ports) : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *sp = json_object_array_get_idx(ports, i);
        if (strcmp(str_or(json_str(sp, "name"), ""), port_name) == 0
            && strcmp(str_or(json_str(sp, "protocol"), "TCP"), protocol) == 0)
            return json_int(sp, "port");
    }
    return 0;
}

static bool endpoint_ready(struct json_object *ep)
{
    struct json_object *cond = json_object_object_get(ep, "conditions");
    struct json_object *ready = cond ? json_object_object_get(cond, "ready") : NULL;
    return !ready || !json_object_is_type(ready, json_type_boolean) || json_object_get_boolean(ready);
}

static int add_endpoint(k8sc__proxy_port *p, const char *ip, int port)
{
    for (size_t i = 0; i < p->n_endpoints; i++)
        if (p->endpoints[i].port == port && strcmp(p->endpoints[i].ip, ip) == 0)
            return 0;
    k8sc__proxy_endpoint *grown = k8sc__realloc(p->endpoints, (p->n_endpoints + 1) * sizeof(*grown));
    if (!grown)
        return K8SC_ENOMEM;
    p->endpoints = grown;
    char *dup = k8sc__strdup(ip);
    if (!dup)
        return K8SC_ENOMEM;
    p->endpoints[p->n_endpoints++] = (k8sc__proxy_endpoint){ dup, port };
    return 0;
}

/* Add the ready endpoints of `slice` (one of p's Service's) to `p`. */
static int add_slice(k8sc__proxy_port *p, const k8sc_object *slice, bool local_only, const char *node_name)
{
    const char *family = k8sc_object_get_string(slice, "addressType");
    if (family && strcmp(family, "IPv4") != 0)
        return 0;
    int port = slice_port(k8sc_object_get(slice, "ports"), p->port_name, p->protocol);
    if (port <= 0 || port > 65535)
        return 0;
    struct json_object *eps = k8sc_object_get(slice, "endpoints");
    size_t n = json_object_is_type(eps, json_type_array) ? json_object_array_length(eps) : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *ep = json_object_array_get_idx(eps, i);
        struct json_object *addrs = json_object_object_get(ep, "addresses");
        if (!endpoint_ready(ep) || !json_object_is_type(addrs, json_type_array) || json_object_array_length(addrs) == 0)
            continue;
        if (local_only && strcmp(str_or(json_str(ep, "nodeName"), ""), node_name) != 0)
            continue;
        const char *ip = json_object_get_string(json_object_array_get_idx(addrs, 0));
        if (!is_ipv4(ip))
            continue;
        int rc = add_endpoint(p, ip, port);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int endpoint_cmp(const void *a, const void *b)
{
    const k8sc__proxy_endpoint *x = a, *y = b;
    int c = strcmp(x->ip, y->ip);
    return c ? c : (x->port > y->port) - (x->port < y->port);
}

static int port_cmp(const void *a, const void *b)
{
    const k8sc__proxy_port *x = a, *y = b;
    int c = strcmp(x->namespace_, y->namespace_);
    if (!c)
        c = strcmp(x->name, y->name);
    if (!c)
        c = strcmp(x->port_name, y->port_name);
    return c ? c : strcmp(x->protocol, y->protocol);
}

static int service_affinity(const k8sc_object *svc)
{
    const char *aff = k8sc_object_get_string(svc, "spec.sessionAffinity");
    if (!aff || strcmp(aff, "ClientIP") != 0)
        return 0;
    int64_t t = 0;
    if (k8sc_object_get_int(svc, "spec.sessionAffinityConfig.clientIP.timeoutSeconds", &t) != 0 || t <= 0 || t > 86400)
        t = K8SC__PROXY_AFFINITY_DEFAULT_S;
    return (int)t;
}

/* A slice under the Service it belongs to, for sorting and searching. */
typedef struct owned_slice {
    const char *namespace_;
    const char *service;
    const k8sc_object *obj;
} owned_slice;

static int owned_cmp(const void *a, const void *b)
{
    const owned_slice *x = a, *y = b;
    int c = strcmp(x->namespace_, y->namespace_);
    return c ? c : strcmp(x->service, y->service);
}

/* Append the ports of `svc` with their endpoints from `slices` (all of `svc`). */
static int add_service(k8sc__proxy_model *m, size_t *cap, const k8sc_object *svc, const owned_slice *slices,
    size_t n_slices, const char *node_name)
{
    const char *ip = k8sc_object_get_string(svc, "spec.clusterIP");
    const char *type = k8sc_object_get_string(svc, "spec.type");
    const char *ns = str_or(k8sc_object_namespace(svc), "default");
    const char *name = k8sc_object_name(svc);
    if (!name || !safe_token(name) || !safe_token(ns) || !is_ipv4(ip) || (type && strcmp(type, "ExternalName") == 0))
        return 0;
    const char *itp = k8sc_object_get_string(svc, "spec.internalTrafficPolicy");
    bool local_only = itp && strcmp(itp, "Local") == 0 && node_name;
    struct json_object *ports = k8sc_object_get(svc, "spec.ports");
    size_t n = json_object_is_type(ports, json_type_array) ? json_object_array_length(ports) : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *sp = json_object_array_get_idx(ports, i);
        int port = json_int(sp, "port");
        const char *proto = str_or(json_str(sp, "protocol"), "TCP");
        if (port <= 0 || port > 65535 || !safe_token(str_or(json_str(sp, "name"), ""))
            || (strcmp(proto, "TCP") != 0 && strcmp(proto, "UDP") != 0 && strcmp(proto, "SCTP") != 0))
            continue;
        if (m->n_ports == *cap) {
            size_t ncap = *cap ? *cap * 2 : 16;
            k8sc__proxy_port *grown = k8sc__realloc(m->ports, ncap * sizeof(*grown));
            if (!grown)
                return K8SC_ENOMEM;
            m->ports = grown;
            *cap = ncap;
        }
        k8sc__proxy_port *p = &m->ports[m->n_ports++];
        memset(p, 0, sizeof(*p));
        p->namespace_ = k8sc__strdup(ns);
        p->name = k8sc__strdup(name);
        p->port_name = k8sc__strdup(str_or(json_str(sp, "name"), ""));
        p->protocol = k8sc__strdup(proto);
        p->cluster_ip = k8sc__strdup(ip);
        if (!p->namespace_ || !p->name || !p->port_name || !p->protocol || !p->cluster_ip)
            return K8SC_ENOMEM;
        p->port = port;
        int np = json_int(sp, "nodePort");
        p->node_port = np > 0 && np <= 65535 ? np : 0;
        p->affinity_timeout_s = service_affinity(svc);
        for (size_t s = 0; s < n_slices; s++) {
            int rc = add_slice(p, slices[s].obj, local_only, node_name);
            if (rc < 0)
                return rc;
        }
        if (p->n_endpoints > 1)
            qsort(p->endpoints, p->n_endpoints, sizeof(*p->endpoints), endpoint_cmp);
    }
    return 0;
}

int k8sc__proxy_model_build(k8sc__proxy_model *out, k8sc_object *const *services, size_t n_services,
    k8sc_object *const *slices, size_t n_slices, const char *node_name)
{
    K8SC__CHECK_ARG(out && (services || !n_services) && (slices || !n_slices));
    owned_slice *owned = n_slices ? k8sc__calloc(n_slices, sizeof(*owned)) : NULL;
    if (n_slices && !owned)
        return K8SC_ENOMEM;
    size_t n_owned = 0;
    for (size_t i = 0; i < n_slices; i++) {
        const char *svc = k8sc_object_meta_get(slices[i], K8SC_LABELS, SERVICE_NAME_LABEL);
        if (svc)
            owned[n_owned++] = (owned_slice){ str_or(k8sc_object_namespace(slices[i]), "default"), svc, slices[i] };
    }
    if (n_owned > 1)
        qsort(owned, n_owned, sizeof(*owned), owned_cmp);
    k8sc__proxy_model m = { NULL, 0 };
    size_t cap = 0;
    for (size_t i = 0; i < n_services; i++) {
        /* The run of slices labelled with this Service, found by binary search. */
        owned_slice key = { str_or(k8sc_object_namespace(services[i]), "default"),
            str_or(k8sc_object_name(services[i]), ""), NULL };
        size_t lo = 0, hi = n_owned;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (owned_cmp(&owned[mid], &key) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t end = lo;
        while (end < n_owned && owned_cmp(&owned[end], &key) == 0)
            end++;
        int rc = add_service(&m, &cap, services[i], owned + lo, end - lo, node_name);
        if (rc < 0) {
            k8sc_free(owned);
            k8sc__proxy_model_clear(&m);
            return rc;
        }
    }
    k8sc_free(owned);
    if (m.n_ports > 1)
        qsort(m.ports, m.n_ports, sizeof(*m.ports), port_cmp);
    *out = m;
    return 0;
}
