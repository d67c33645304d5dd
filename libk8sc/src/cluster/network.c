/*
 * The cluster's network inside `k8sc up`: the pod-network agent (CNI
 * bridge on the node's podCIDR), the Service proxy, and the cluster DNS
 * server published as the kube-system/kube-dns Service — as kubeadm
 * clusters run CoreDNS behind that Service, here the server runs in the
 * process and the Service's endpoint is the node.
 */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster_internal.h"
#include "k8sc/client.h"
#include "k8sc/net.h"

/* Where the DNS server listens on the node (the Service maps port 53 to it). */
#define DNS_PORT 10053

bool k8sc__cluster_ip_unreachable(const char *ip)
{
    struct in_addr a;
    return !ip || inet_pton(AF_INET, ip, &a) != 1 || (ntohl(a.s_addr) >> 24) == 127;
}

/* The first address of `cidr` ("10.244.0.0/24" -> "10.244.0.1"): the bridge's, the pods' gateway. */
static int gateway_of(char *out, size_t size, const char *cidr)
{
    char net[64];
    const char *slash = cidr ? strchr(cidr, '/') : NULL;
    struct in_addr a;
    if (!slash || (size_t)(slash - cidr) >= sizeof(net))
        return k8sc_error_set(K8SC_EINVAL, "invalid pod CIDR %s", cidr ? cidr : "(none)");
    memcpy(net, cidr, (size_t)(slash - cidr));
    net[slash - cidr] = '\0';
    if (inet_pton(AF_INET, net, &a) != 1)
        return k8sc_error_set(K8SC_EINVAL, "invalid pod CIDR %s", cidr);
    a.s_addr = htonl(ntohl(a.s_addr) + 1);
    return inet_ntop(AF_INET, &a, out, (socklen_t)size) ? 0 : K8SC_EINVAL;
}

/*
 * Create `json`, or merge it into the object that exists (recreating a
 * Service whose clusterIP differs). It looks first: creating a Service that
 * exists with its own address fails on the address, as on Kubernetes.
 */
static int ensure(k8sc_client *client, const char *json)
{
    k8sc_object *want = NULL;
    int rc = k8sc_object_from_json(&want, json, strlen(json));
    if (rc < 0)
        return rc;
    const char *av = k8sc_object_api_version(want), *kind = k8sc_object_kind(want);
    const char *ns = k8sc_object_namespace(want), *name = k8sc_object_name(want);
    k8sc_object *have = NULL;
    rc = k8sc_client_get(&have, client, av, kind, ns, name);
    if (rc == 0) {
        const char *want_ip = k8sc_object_get_string(want, "spec.clusterIP");
        const char *have_ip = k8sc_object_get_string(have, "spec.clusterIP");
        if (strcmp(kind, "Service") == 0 && want_ip && (!have_ip || strcmp(want_ip, have_ip) != 0)) {
            rc = k8sc_client_delete(NULL, client, av, kind, ns, name, NULL);
            rc = rc == 0 || rc == K8SC_ENOTFOUND ? K8SC_ENOTFOUND : rc;
        } else {
            rc = k8sc_client_patch(NULL, client, av, kind, ns, name, K8SC_PATCH_MERGE, json);
        }
    }
    if (rc == K8SC_ENOTFOUND)
        rc = k8sc_client_create(NULL, client, want);
    k8sc_object_free(have);
    k8sc_object_free(want);
    return rc;
}

/* kube-system/kube-dns: a Service without a selector whose endpoint is the node's DNS server. */
static int publish_dns(k8sc_client *client, const char *service_ip, const char *host)
{
    char json[2048];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"kube-dns\",\"namespace\":\"kube-system\","
        "\"labels\":{\"k8s-app\":\"kube-dns\",\"kubernetes.io/name\":\"CoreDNS\"}},\"spec\":{\"clusterIP\":\"%s\","
        "\"ports\":[{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\",\"targetPort\":%d},"
        "{\"name\":\"dns-tcp\",\"port\":53,\"protocol\":\"TCP\",\"targetPort\":%d}]}}",
        service_ip, DNS_PORT, DNS_PORT);
    int rc = ensure(client, json);
    if (rc == 0) {
        snprintf(json, sizeof(json),
            "{\"apiVersion\":\"v1\",\"kind\":\"Endpoints\",\"metadata\":{\"name\":\"kube-dns\",\"namespace\":"
            "\"kube-system\",\"labels\":{\"k8s-app\":\"kube-dns\"}},\"subsets\":[{\"addresses\":[{\"ip\":\"%s\"}],"
            "\"ports\":[{\"name\":\"dns\",\"port\":%d,\"protocol\":\"UDP\"},{\"name\":\"dns-tcp\",\"port\":%d,"
            "\"protocol\":\"TCP\"}]}]}",
            host, DNS_PORT, DNS_PORT);
        rc = ensure(client, json);
    }
    if (rc == 0) {
        snprintf(json, sizeof(json),
            "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"kube-dns\","
            "\"namespace\":\"kube-system\",\"labels\":{\"kubernetes.io/service-name\":\"kube-dns\","
            "\"endpointslice.kubernetes.io/managed-by\":\"k8sc-cluster\"}},\"addressType\":\"IPv4\","
            "\"endpoints\":[{\"addresses\":[\"%s\"],\"conditions\":{\"ready\":true,\"serving\":true,"
            "\"terminating\":false}}],\"ports\":[{\"name\":\"dns\",\"port\":%d,\"protocol\":\"UDP\"},"
            "{\"name\":\"dns-tcp\",\"port\":%d,\"protocol\":\"TCP\"}]}",
            host, DNS_PORT, DNS_PORT);
        rc = ensure(client, json);
    }
    if (rc < 0)
        return k8sc_error_set(rc, "publishing the kube-dns Service: %s", k8sc_error_last());
    return 0;
}

/* The tenth address of the Service range, where kubeadm puts kube-dns ("10.96.0.0/12" -> "10.96.0.10"). */
int k8sc__cluster_dns_ip(char *out, size_t size, const char *service_cidr)
{
    char gw[64];
    int rc = gateway_of(gw, sizeof(gw), service_cidr);
    struct in_addr a;
    if (rc < 0 || inet_pton(AF_INET, gw, &a) != 1)
        return rc < 0 ? rc : K8SC_EINVAL;
    a.s_addr = htonl(ntohl(a.s_addr) + 9);
    return inet_ntop(AF_INET, &a, out, (socklen_t)size) ? 0 : K8SC_EINVAL;
}

int k8sc__cluster_net_prepare(k8sc__cluster_net *n, k8sc_client *client, const k8sc__cluster_net_config *cfg)
{
    n->cfg = *cfg;
    if (!cfg->bridge)
        return 0;
    k8sc_podnet_options po = K8SC_PODNET_OPTIONS_INIT;
    po.node_name = cfg->node_name;
    po.conf_dir = cfg->cni_conf_dir;
    po.ipam_dir = cfg->ipam_dir;
    int rc = k8sc_podnet_new(&n->podnet, client, &po);
    if (rc == 0)
        rc = k8sc_podnet_start(n->podnet);
    return rc;
}

/* The node address pods reach: its InternalIP unless that is loopback, else its bridge's (the pods' gateway). */
static int pod_facing_ip(char *out, size_t size, k8sc__cluster_net *n)
{
    if (!k8sc__cluster_ip_unreachable(n->cfg.node_ip)) {
        snprintf(out, size, "%s", n->cfg.node_ip);
        return 0;
    }
    if (!n->podnet) {
        snprintf(out, size, "127.0.0.1");
        return 0;
    }
    /* A restarted cluster's node may look Ready before the agent has seen its podCIDR again. */
    char *cidr = k8sc_podnet_pod_cidr(n->podnet);
    for (int i = 0; !cidr && i < 300; i++) {
        struct timespec ts = { 0, 100 * 1000000L };
        nanosleep(&ts, NULL);
        cidr = k8sc_podnet_pod_cidr(n->podnet);
    }
    int rc = gateway_of(out, size, cidr);
    k8sc_free(cidr);
    return rc;
}

int k8sc__cluster_net_start(k8sc__cluster_net *n, k8sc_client *client)
{
    char host[64];
    int rc = pod_facing_ip(host, sizeof(host), n);
    if (rc == 0 && n->cfg.proxy_mode) {
        k8sc_proxy_options po = K8SC_PROXY_OPTIONS_INIT;
        po.mode = strcmp(n->cfg.proxy_mode, "userspace") == 0 ? K8SC_PROXY_MODE_USERSPACE : K8SC_PROXY_MODE_IPTABLES;
        po.node_ip = host;
        po.node_name = n->cfg.node_name;
        po.cluster_cidr = n->cfg.cluster_cidr;
        if ((rc = k8sc_proxy_new(&n->proxy, client, &po)) == 0)
            rc = k8sc_proxy_start(n->proxy);
        if (rc < 0)
            return k8sc_error_set(rc, "service proxy: %s", k8sc_error_last());
    }
    if (rc == 0 && n->cfg.dns_service_ip) {
        char listen[96];
        snprintf(listen, sizeof(listen), "%s:%d", host, DNS_PORT);
        k8sc_dns_options d = K8SC_DNS_OPTIONS_INIT;
        d.listen = listen;
        d.domain = n->cfg.domain;
        if ((rc = k8sc_dns_new(&n->dns, client, &d)) == 0)
            rc = k8sc_dns_start(n->dns);
        if (rc < 0)
            return k8sc_error_set(rc, "cluster DNS on %s: %s", listen, k8sc_error_last());
        rc = publish_dns(client, n->cfg.dns_service_ip, host);
    }
    return rc;
}

void k8sc__cluster_net_stop(k8sc__cluster_net *n)
{
    k8sc_proxy_free(n->proxy);
    k8sc_dns_free(n->dns);
    k8sc_podnet_free(n->podnet);
    n->proxy = NULL;
    n->dns = NULL;
    n->podnet = NULL;
}

void k8sc__cluster_net_remove(bool bridge, bool proxy)
{
    if (proxy && k8sc_proxy_cleanup(NULL) < 0)
        k8sc_log(K8SC_LOG_WARN, "cluster: removing the proxy's rules: %s", k8sc_error_last());
    if (!bridge)
        return;
    if (k8sc_podnet_cleanup() < 0)
        k8sc_log(K8SC_LOG_WARN, "cluster: removing the pod routes: %s", k8sc_error_last());
    if (k8sc_podnet_remove_bridge(NULL) < 0)
        k8sc_log(K8SC_LOG_WARN, "cluster: removing the pod bridge: %s", k8sc_error_last());
}
