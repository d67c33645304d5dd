/*
 * The cluster DNS server's message handler on arbitrary bytes, over UDP
 * and TCP and with the smallest reply buffer, against a zone holding a
 * ClusterIP, a headless (with endpoints) and an ExternalName Service.
 * Whatever comes in, a reply must be a well-formed response to the same
 * id that fits its buffer, and over UDP its size limit.
 */
#include "net/dns_internal.h"
#include "k8sc/codec.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const objects[] = {
    "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"},"
    "\"spec\":{\"clusterIP\":\"10.96.0.10\",\"clusterIPs\":[\"10.96.0.10\",\"fd00::10\"],"
    "\"ports\":[{\"name\":\"http\",\"port\":80,\"protocol\":\"TCP\"},{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\"}]}}",
    "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"db\",\"namespace\":\"default\"},"
    "\"spec\":{\"clusterIP\":\"None\",\"ports\":[{\"name\":\"pg\",\"port\":5432}]}}",
    "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"ext\",\"namespace\":\"default\"},"
    "\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"db.example.com\"}}",
    "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"db-x\","
    "\"namespace\":\"default\",\"labels\":{\"kubernetes.io/service-name\":\"db\"}},\"addressType\":\"IPv4\","
    "\"ports\":[{\"name\":\"pg\",\"port\":5432,\"protocol\":\"TCP\"}],\"endpoints\":["
    "{\"addresses\":[\"10.1.0.1\"],\"hostname\":\"db-0\"},{\"addresses\":[\"10.1.0.2\"],\"conditions\":{\"ready\":true}},"
    "{\"addresses\":[\"10.1.0.3\"],\"conditions\":{\"ready\":false}},{\"addresses\":[null,7,\"x\"]}]}",
};

static k8sc_dns *zone(void)
{
    static k8sc_dns *dns;
    static k8sc__dns_caches caches;
    if (dns)
        return dns;
    if (k8sc_cache_new(&caches.services) < 0 || k8sc_cache_new(&caches.slices) < 0
        || k8sc_cache_new(&caches.namespaces) < 0 || k8sc__dns_add_indexes(&caches) < 0)
        abort();
    for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
        k8sc_object *obj = NULL;
        if (k8sc_object_from_json(&obj, objects[i], strlen(objects[i])) < 0)
            abort();
        k8sc_cache *c = strstr(objects[i], "EndpointSlice") ? caches.slices : caches.services;
        if (k8sc_cache_upsert(c, obj, NULL) < 0)
            abort();
        k8sc_object_free(obj);
    }
    k8sc_dns_options o = K8SC_DNS_OPTIONS_INIT;
    o.resolv_conf = "/dev/null";
    if (k8sc__dns_new_with_caches(&dns, &caches, &o) < 0)
        abort();
    return dns;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* Every section of a reply parses and nothing trails it. */
static void check_reply(const uint8_t *query, size_t qlen, const uint8_t *r, size_t len, size_t limit)
{
    if (len < K8SC__DNS_HEADER || len > limit || !(r[2] & 0x80))
        abort();
    if (qlen >= 2 && rd16(r) != rd16(query))
        abort();
    size_t off = K8SC__DNS_HEADER;
    uint8_t name[K8SC__DNS_MAX_NAME];
    size_t nlen;
    for (uint16_t i = 0; i < rd16(r + 4); i++) {
        if (!k8sc__dns_read_name(r, len, &off, name, &nlen) || off + 4 > len)
            abort();
        off += 4;
    }
    size_t records = (size_t)rd16(r + 6) + rd16(r + 8) + rd16(r + 10);
    for (size_t i = 0; i < records; i++) {
        if (!k8sc__dns_read_name(r, len, &off, name, &nlen) || off + 10 > len)
            abort();
        off += 10 + rd16(r + off + 8);
        if (off > len)
            abort();
    }
    if (off != len)
        abort();
}

static void run(const uint8_t *data, size_t size, size_t cap, bool tcp)
{
    uint8_t *reply = malloc(cap);
    if (!reply)
        return;
    k8sc_dns_action act;
    size_t len = 0;
    if (k8sc_dns_handle(&act, &len, zone(), data, size, reply, cap, tcp) < 0)
        abort();
    if (act == K8SC_DNS_ANSWER) {
        size_t limit = cap;
        if (!tcp && size >= K8SC__DNS_HEADER && rd16(data + 10) == 0)
            limit = 512;
        check_reply(data, size, reply, len, limit);
    } else if (len != 0 || act == K8SC_DNS_FORWARD) {
        /* There is no upstream: nothing is forwarded. */
        abort();
    }
    free(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size, K8SC__DNS_MAX_MSG, false);
    run(data, size, K8SC__DNS_MAX_MSG, true);
    run(data, size, 512, false);
    return 0;
}
