/* Reading Services and EndpointSlices for the cluster zone. */
#ifndef K8SC_NET_DNS_OBJECTS_H
#define K8SC_NET_DNS_OBJECTS_H

#include "dns_internal.h"

struct json_object;

/* Parse an IPv4 or IPv6 address (NULL is false). */
bool k8sc__dns_ip_parse(int *family, uint8_t addr[16], const char *text);

bool k8sc__dns_service_headless(const k8sc_object *svc);
bool k8sc__dns_service_external(const k8sc_object *svc);

/* The cluster IPs of a Service (spec.clusterIPs, else spec.clusterIP), borrowed, at most `max`. */
size_t k8sc__dns_service_ips(const k8sc_object *svc, const char **ips, size_t max);

/*
 * Whether a Service or EndpointSlice port has the name (any name when
 * `name` is NULL) and protocol (case-insensitive, default TCP) given;
 * its number in *number.
 */
bool k8sc__dns_port_matches(const struct json_object *port, const char *name, size_t name_len, const char *proto,
    size_t proto_len, uint16_t *number);

/* One endpoint address of a Service, with its host label and its slice's ports (borrowed from `slices`). */
typedef struct k8sc__dns_endpoint {
    int family;
    uint8_t addr[16];
    char host[64];
    const struct json_object *ports;
} k8sc__dns_endpoint;

/* The ready (or, with publishNotReadyAddresses, all) endpoints of a Service, one per address. */
typedef struct k8sc__dns_endpoints {
    k8sc_object **slices;
    size_t nslices;
    k8sc__dns_endpoint *items;
    size_t count;
    size_t cap;
} k8sc__dns_endpoints;

int k8sc__dns_endpoints_collect(k8sc__dns_endpoints *set, k8sc_cache *slices, const k8sc_object *svc);
void k8sc__dns_endpoints_free(k8sc__dns_endpoints *set);

#endif
