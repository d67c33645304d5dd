/* The cluster zone: names of the Kubernetes DNS specification answered from the informer caches. */
#include "dns_objects.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct label {
    const uint8_t *p;
    size_t len;
} label;

typedef struct zone_ctx {
    k8sc_dns *dns;
    const k8sc__dns_query *q;
    k8sc__dns_writer *w;
    /* The name exists (whatever the type asked): NODATA rather than NXDOMAIN. */
    bool exists;
} zone_ctx;

/* Split a wire-form name into labels; the offset of each label in `at`. */
static size_t split(const uint8_t *name, label *l, size_t *at)
{
    size_t n = 0;
    for (size_t p = 0; name[p] != 0 && n < K8SC__DNS_MAX_LABELS; p += 1 + (size_t)name[p]) {
        l[n].p = name + p + 1;
        l[n].len = name[p];
        at[n++] = p;
    }
    return n;
}

static bool label_is(label l, const char *s)
{
    return l.len == strlen(s) && memcmp(l.p, s, l.len) == 0;
}

/* A label as a Kubernetes name: [a-z0-9-] only (the query is lower-cased already). */
static bool label_name(char out[64], label l)
{
    if (l.len == 0 || l.len > 63)
        return false;
    for (size_t i = 0; i < l.len; i++) {
        uint8_t c = l.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
        out[i] = (char)c;
    }
    out[l.len] = '\0';
    return true;
}

/* Whether the caller asked for `type`; either way the name has records, so it exists. */
static bool want(zone_ctx *c, uint16_t type)
{
    c->exists = true;
    return c->q->qtype == type || c->q->qtype == K8SC__DNS_T_ANY;
}

/* "<labels...>.<domain>" in wire form; false when too long or a label is not valid. */
static bool build_name(uint8_t *out, size_t *out_len, const k8sc_dns *dns, const char *const *labels, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(labels[i]);
        if (l == 0 || l > 63 || len + 1 + l + dns->domain_len > K8SC__DNS_MAX_NAME)
            return false;
        out[len++] = (uint8_t)l;
        memcpy(out + len, labels[i], l);
        len += l;
    }
    memcpy(out + len, dns->domain, dns->domain_len);
    *out_len = len + dns->domain_len;
    return true;
}

static void emit_addr(zone_ctx *c, int family, const uint8_t *addr)
{
    uint16_t type = family == AF_INET ? K8SC__DNS_T_A : K8SC__DNS_T_AAAA;
    if (!want(c, type))
        return;
    size_t at = k8sc__dns_rr_begin(c->w, K8SC__DNS_AN, c->q->raw_name, c->q->name_len, type, c->dns->ttl);
    k8sc__dns_put_bytes(c->w, addr, family == AF_INET ? 4 : 16);
    k8sc__dns_rr_end(c->w, at);
}

/* A record whose data is one domain name (CNAME, PTR); a CNAME answers every type. */
static void emit_target(zone_ctx *c, uint16_t type, const uint8_t *target, size_t len)
{
    if (!want(c, type) && type != K8SC__DNS_T_CNAME)
        return;
    size_t at = k8sc__dns_rr_begin(c->w, K8SC__DNS_AN, c->q->raw_name, c->q->name_len, type, c->dns->ttl);
    k8sc__dns_put_name(c->w, target, len);
    k8sc__dns_rr_end(c->w, at);
}

static void emit_srv(zone_ctx *c, uint16_t weight, uint16_t port, const uint8_t *target, size_t len)
{
    if (!want(c, K8SC__DNS_T_SRV))
        return;
    size_t at = k8sc__dns_rr_begin(c->w, K8SC__DNS_AN, c->q->raw_name, c->q->name_len, K8SC__DNS_T_SRV, c->dns->ttl);
    k8sc__dns_put_u16(c->w, 0);
    k8sc__dns_put_u16(c->w, weight);
    k8sc__dns_put_u16(c->w, port);
    /* RFC 2782: the target is never compressed. */
    k8sc__dns_put_bytes(c->w, target, len);
    k8sc__dns_rr_end(c->w, at);
}

void k8sc__dns_put_soa(k8sc_dns *dns, k8sc__dns_writer *w, int section)
{
    static const char *const mname[] = { "ns", "dns" };
    static const char *const rname[] = { "hostmaster" };
    uint8_t name[K8SC__DNS_MAX_NAME];
    size_t len;
    size_t at = k8sc__dns_rr_begin(w, section, dns->domain, dns->domain_len, K8SC__DNS_T_SOA, dns->ttl);
    if (build_name(name, &len, dns, mname, 2))
        k8sc__dns_put_name(w, name, len);
    if (build_name(name, &len, dns, rname, 1))
        k8sc__dns_put_name(w, name, len);
    k8sc__dns_put_u32(w, dns->serial);
    k8sc__dns_put_u32(w, 7200);
    k8sc__dns_put_u32(w, 1800);
    k8sc__dns_put_u32(w, 86400);
    k8sc__dns_put_u32(w, dns->ttl);
    k8sc__dns_rr_end(w, at);
}

static void answer_service(zone_ctx *c, const k8sc_object *svc)
{
    c->exists = true;
    if (k8sc__dns_service_external(svc)) {
        uint8_t target[K8SC__DNS_MAX_NAME];
        size_t len;
        const char *ext = k8sc_object_get_string(svc, "spec.externalName");
        if (ext && k8sc__dns_name_from_text(target, &len, ext) && len > 1)
            emit_target(c, K8SC__DNS_T_CNAME, target, len);
        return;
    }
    if (k8sc__dns_service_headless(svc)) {
        k8sc__dns_endpoints set;
        if (k8sc__dns_endpoints_collect(&set, c->dns->caches.slices, svc) < 0)
            return;
        for (size_t i = 0; i < set.count; i++)
            emit_addr(c, set.items[i].family, set.items[i].addr);
        k8sc__dns_endpoints_free(&set);
        return;
    }
    const char *ips[8];
    size_t n = k8sc__dns_service_ips(svc, ips, K8SC__ARRAY_LEN(ips));
    for (size_t i = 0; i < n; i++) {
        int family;
        uint8_t addr[16];
        if (k8sc__dns_ip_parse(&family, addr, ips[i]))
            emit_addr(c, family, addr);
    }
}

/* Whether some port of the Service (any name) has the protocol of label "_<proto>". */
static bool has_protocol(const k8sc_object *svc, label proto)
{
    struct json_object *ports = k8sc_object_get(svc, "spec.ports");
    if (!json_object_is_type(ports, json_type_array))
        return false;
    for (size_t i = 0; i < json_object_array_length(ports); i++) {
        uint16_t num;
        if (k8sc__dns_port_matches(json_object_array_get_idx(ports, i), NULL, 0, (const char *)proto.p + 1,
                proto.len - 1, &num))
            return true;
    }
    return false;
}

/* <host>.<svc>.<ns>.svc: an endpoint of a headless Service, or the "_<proto>" node above SRV names. */
static void answer_host(zone_ctx *c, const k8sc_object *svc, label host)
{
    if (host.len > 1 && host.p[0] == '_') {
        if (!k8sc__dns_service_external(svc) && has_protocol(svc, host))
            c->exists = true;
        return;
    }
    if (!k8sc__dns_service_headless(svc))
        return;
    k8sc__dns_endpoints set;
    if (k8sc__dns_endpoints_collect(&set, c->dns->caches.slices, svc) < 0)
        return;
    for (size_t i = 0; i < set.count; i++) {
        const char *h = set.items[i].host;
        if (strlen(h) == host.len && strncasecmp(h, (const char *)host.p, host.len) == 0)
            emit_addr(c, set.items[i].family, set.items[i].addr);
    }
    k8sc__dns_endpoints_free(&set);
}

/* _<port>._<proto>.<svc>.<ns>.svc: SRV for a named port. */
static void answer_srv(zone_ctx *c, const k8sc_object *svc, label port, label proto)
{
    if (port.len < 2 || port.p[0] != '_' || proto.len < 2 || proto.p[0] != '_' || k8sc__dns_service_external(svc))
        return;
    const char *pname = (const char *)port.p + 1, *pproto = (const char *)proto.p + 1;
    size_t plen = port.len - 1, prlen = proto.len - 1;
    const char *name = k8sc_object_name(svc), *ns = k8sc_object_namespace(svc);
    uint8_t target[K8SC__DNS_MAX_NAME];
    size_t tlen;
    uint16_t num;
    if (!k8sc__dns_service_headless(svc)) {
        struct json_object *ports = k8sc_object_get(svc, "spec.ports");
        const char *labels[] = { name, ns, "svc" };
        if (!json_object_is_type(ports, json_type_array) || !build_name(target, &tlen, c->dns, labels, 3))
            return;
        for (size_t i = 0; i < json_object_array_length(ports); i++)
            if (k8sc__dns_port_matches(json_object_array_get_idx(ports, i), pname, plen, pproto, prlen, &num))
                emit_srv(c, 100, num, target, tlen);
        return;
    }
    k8sc__dns_endpoints set;
    if (k8sc__dns_endpoints_collect(&set, c->dns->caches.slices, svc) < 0)
        return;
    /* Two passes: the weights share 100 among the records, as CoreDNS does. */
    size_t matches = 0;
    for (int pass = 0; pass < 2; pass++) {
        uint16_t weight = matches > 100 ? 1 : (uint16_t)(100 / (matches ? matches : 1));
        for (size_t i = 0; i < set.count; i++) {
            const struct json_object *ports = set.items[i].ports;
            if (!json_object_is_type(ports, json_type_array))
                continue;
            const char *labels[] = { set.items[i].host, name, ns, "svc" };
            for (size_t j = 0; j < json_object_array_length(ports); j++) {
                if (!k8sc__dns_port_matches(json_object_array_get_idx(ports, j), pname, plen, pproto, prlen, &num))
                    continue;
                if (pass == 0)
                    matches++;
                else if (build_name(target, &tlen, c->dns, labels, 4))
                    emit_srv(c, weight, num, target, tlen);
            }
        }
    }
    k8sc__dns_endpoints_free(&set);
}

static bool namespace_exists(k8sc_dns *dns, const char *ns)
{
    k8sc_object *obj = NULL;
    if (dns->caches.namespaces && k8sc_cache_get(&obj, dns->caches.namespaces, NULL, ns) == 0) {
        k8sc_object_free(obj);
        return true;
    }
    k8sc_object **items = NULL;
    size_t n = 0;
    if (k8sc_cache_list(&items, &n, dns->caches.services, ns, NULL) < 0)
        return false;
    k8sc_cache_items_free(items, n);
    return n > 0;
}

/* Names below the domain, `rel` labels of them before it. */
static k8sc__dns_zone_result answer_in_zone(zone_ctx *c, const label *l, size_t rel)
{
    if (rel == 0) {
        if (want(c, K8SC__DNS_T_SOA))
            k8sc__dns_put_soa(c->dns, c->w, K8SC__DNS_AN);
        return K8SC__DNS_ZONE_ANSWERED;
    }
    if (rel == 1 && label_is(l[0], "dns-version")) {
        if (want(c, K8SC__DNS_T_TXT)) {
            size_t at = k8sc__dns_rr_begin(c->w, K8SC__DNS_AN, c->q->raw_name, c->q->name_len, K8SC__DNS_T_TXT,
                c->dns->ttl);
            k8sc__dns_put_bytes(c->w, "\0051.1.0", 6);
            k8sc__dns_rr_end(c->w, at);
        }
        return K8SC__DNS_ZONE_ANSWERED;
    }
    if (!label_is(l[rel - 1], "svc") || rel > 5)
        return K8SC__DNS_ZONE_NXDOMAIN;
    if (rel == 1)
        return K8SC__DNS_ZONE_ANSWERED;
    char ns[64], name[64];
    if (!label_name(ns, l[rel - 2]))
        return K8SC__DNS_ZONE_NXDOMAIN;
    if (rel == 2)
        return namespace_exists(c->dns, ns) ? K8SC__DNS_ZONE_ANSWERED : K8SC__DNS_ZONE_NXDOMAIN;
    k8sc_object *svc = NULL;
    if (!label_name(name, l[rel - 3]) || k8sc_cache_get(&svc, c->dns->caches.services, ns, name) < 0)
        return K8SC__DNS_ZONE_NXDOMAIN;
    if (rel == 3)
        answer_service(c, svc);
    else if (rel == 4)
        answer_host(c, svc, l[0]);
    else
        answer_srv(c, svc, l[0], l[1]);
    k8sc_object_free(svc);
    return c->exists ? K8SC__DNS_ZONE_ANSWERED : K8SC__DNS_ZONE_NXDOMAIN;
}

static int digit_value(label l)
{
    if (l.len == 0 || l.len > 3 || (l.len > 1 && l.p[0] == '0'))
        return -1;
    int v = 0;
    for (size_t i = 0; i < l.len; i++) {
        if (l.p[i] < '0' || l.p[i] > '9')
            return -1;
        v = v * 10 + (l.p[i] - '0');
    }
    return v > 255 ? -1 : v;
}

static int nibble_value(label l)
{
    if (l.len != 1)
        return -1;
    uint8_t ch = l.p[0];
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    return (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10 : -1;
}

/* A complete reverse name (a.b.c.d.in-addr.arpa, 32 nibbles.ip6.arpa) as an address. */
static bool reverse_address(int *family, uint8_t addr[16], const label *l, size_t n)
{
    if (n == 6 && label_is(l[4], "in-addr") && label_is(l[5], "arpa")) {
        for (size_t i = 0; i < 4; i++) {
            int v = digit_value(l[3 - i]);
            if (v < 0)
                return false;
            addr[i] = (uint8_t)v;
        }
        *family = AF_INET;
        return true;
    }
    if (n == 34 && label_is(l[32], "ip6") && label_is(l[33], "arpa")) {
        memset(addr, 0, 16);
        for (size_t i = 0; i < 32; i++) {
            int v = nibble_value(l[31 - i]);
            if (v < 0)
                return false;
            addr[i / 2] |= (uint8_t)(i % 2 ? v : v << 4);
        }
        *family = AF_INET6;
        return true;
    }
    return false;
}

static void ptr_to(zone_ctx *c, const char *const *labels, size_t n)
{
    uint8_t target[K8SC__DNS_MAX_NAME];
    size_t len;
    if (build_name(target, &len, c->dns, labels, n))
        emit_target(c, K8SC__DNS_T_PTR, target, len);
}

/* PTR for a cluster IP, else for a ready endpoint address. */
static void answer_reverse(zone_ctx *c, int family, const uint8_t *addr)
{
    char ip[INET6_ADDRSTRLEN];
    k8sc_object **items = NULL;
    size_t n = 0;
    if (!inet_ntop(family, addr, ip, sizeof(ip)))
        return;
    if (k8sc_cache_by_index(&items, &n, c->dns->caches.services, K8SC__DNS_INDEX_SVC_IP, ip) == 0) {
        for (size_t i = 0; i < n; i++) {
            const char *labels[] = { k8sc_object_name(items[i]), k8sc_object_namespace(items[i]), "svc" };
            ptr_to(c, labels, 3);
        }
        k8sc_cache_items_free(items, n);
    }
    if (c->exists || k8sc_cache_by_index(&items, &n, c->dns->caches.slices, K8SC__DNS_INDEX_SLICE_IP, ip) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        const char *svc_name = k8sc_object_meta_get(items[i], K8SC_LABELS, "kubernetes.io/service-name");
        k8sc_object *svc = NULL;
        if (!svc_name || k8sc_cache_get(&svc, c->dns->caches.services, k8sc_object_namespace(items[i]), svc_name) < 0)
            continue;
        k8sc__dns_endpoints set;
        if (k8sc__dns_endpoints_collect(&set, c->dns->caches.slices, svc) == 0) {
            for (size_t j = 0; j < set.count; j++) {
                if (set.items[j].family != family || memcmp(set.items[j].addr, addr, family == AF_INET ? 4 : 16))
                    continue;
                const char *labels[] = { set.items[j].host, svc_name, k8sc_object_namespace(svc), "svc" };
                ptr_to(c, labels, 4);
            }
            k8sc__dns_endpoints_free(&set);
        }
        k8sc_object_free(svc);
    }
    k8sc_cache_items_free(items, n);
}

k8sc__dns_zone_result k8sc__dns_zone_answer(k8sc_dns *dns, const k8sc__dns_query *q, k8sc__dns_writer *w)
{
    label l[K8SC__DNS_MAX_LABELS];
    size_t at[K8SC__DNS_MAX_LABELS];
    size_t n = split(q->name, l, at);
    zone_ctx c = { dns, q, w, false };
    if (q->name_len >= dns->domain_len
        && memcmp(q->name + q->name_len - dns->domain_len, dns->domain, dns->domain_len) == 0) {
        size_t start = q->name_len - dns->domain_len;
        for (size_t rel = 0; rel < n; rel++)
            if (at[rel] == start)
                return answer_in_zone(&c, l, rel);
    }
    int family;
    uint8_t addr[16];
    if (reverse_address(&family, addr, l, n))
        answer_reverse(&c, family, addr);
    return c.exists ? K8SC__DNS_ZONE_ANSWERED : K8SC__DNS_ZONE_OUTSIDE;
}
