/*
 * The `kubernetes` Service in default, pointing at this API server, and its
 * Endpoints and EndpointSlice (pkg/controlplane/controller/kubernetesservice
 * and the endpoint reconciler's EndpointsAdapter): created at start if
 * missing and brought up to date with the address and port served now.
 */
#include "apiserver_internal.h"

#include <arpa/inet.h>
#include <string.h>

static bool serves(k8sc_apiserver *srv, const char *group, const char *version, const char *plural)
{
    return k8sc_registry_find_resource(srv->registry, group, version, plural) != NULL;
}

/*
 * Merge-patch `patch` into `collection`/kubernetes, or POST `body` to
 * `collection` when it does not exist. (Not POST first: a Service create
 * allocates its ClusterIP before it finds the name taken.)
 */
static int put(k8sc_apiserver *srv, const char *collection, const char *body, const char *patch)
{
    char target[256];
    snprintf(target, sizeof(target), "%s/kubernetes", collection);
    k8sc_apiserver_response *resp = NULL;
    int rc = 0;
    for (int attempt = 0; attempt < 2 && !rc; attempt++) {
        k8sc_apiserver_response_free(resp);
        resp = NULL;
        rc = k8sc_apiserver_handle(&resp, srv, "PATCH", target, "application/merge-patch+json", NULL, patch,
            strlen(patch));
        if (rc || resp->status != 404)
            break;
        k8sc_apiserver_response_free(resp);
        resp = NULL;
        rc = k8sc_apiserver_handle(&resp, srv, "POST", collection, "application/json", NULL, body, strlen(body));
        /* Created meanwhile by another API server: patch that one. */
        if (rc || resp->status != 409)
            break;
    }
    if (!rc && resp->status >= 300)
        rc = k8sc_error_set(K8SC_ERROR, "%s: %s", target, k8sc_apiserver_response_body(resp, NULL));
    k8sc_apiserver_response_free(resp);
    return rc;
}

int k8sc__svc_kubernetes_ensure(k8sc_apiserver *srv)
{
    if (!serves(srv, "", "v1", "services"))
        return 0;
    int port = srv->bound_port;
    const char *adv = srv->svc.advertise;
    char ip[INET_ADDRSTRLEN];
    struct in_addr a = { htonl(srv->svc.ips.base) };
    inet_ntop(AF_INET, &a, ip, sizeof(ip));
    char ports[160], body[1024], patch[512];
    snprintf(ports, sizeof(ports), "[{\"name\":\"https\",\"port\":443,\"protocol\":\"TCP\",\"targetPort\":%d}]", port);
    const char *labels = "{\"component\":\"apiserver\",\"provider\":\"kubernetes\"}";
    snprintf(body, sizeof(body), "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"kubernetes\","
        "\"namespace\":\"default\",\"labels\":%s},\"spec\":{\"type\":\"ClusterIP\",\"sessionAffinity\":\"None\","
        "\"clusterIP\":\"%s\",\"ports\":%s}}", labels, ip, ports);
    snprintf(patch, sizeof(patch), "{\"metadata\":{\"labels\":%s},\"spec\":{\"ports\":%s}}", labels, ports);
    int rc = put(srv, "/api/v1/namespaces/default/services", body, patch);
    if (!rc && serves(srv, "", "v1", "endpoints")) {
        char subsets[256];
        snprintf(subsets, sizeof(subsets), "[{\"addresses\":[{\"ip\":\"%s\"}],\"ports\":[{\"name\":\"https\","
            "\"port\":%d,\"protocol\":\"TCP\"}]}]", adv, port);
        /* The EndpointSlice is written here too, so the mirroring controller must leave it alone. */
        labels = "{\"endpointslice.kubernetes.io/skip-mirror\":\"true\"}";
        snprintf(body, sizeof(body), "{\"apiVersion\":\"v1\",\"kind\":\"Endpoints\",\"metadata\":{\"name\":"
            "\"kubernetes\",\"namespace\":\"default\",\"labels\":%s},\"subsets\":%s}", labels, subsets);
        snprintf(patch, sizeof(patch), "{\"metadata\":{\"labels\":%s},\"subsets\":%s}", labels, subsets);
        rc = put(srv, "/api/v1/namespaces/default/endpoints", body, patch);
    }
    if (!rc && serves(srv, "discovery.k8s.io", "v1", "endpointslices")) {
        char eps[160], eports[128];
        snprintf(eps, sizeof(eps), "[{\"addresses\":[\"%s\"],\"conditions\":{\"ready\":true}}]", adv);
        snprintf(eports, sizeof(eports), "[{\"name\":\"https\",\"port\":%d,\"protocol\":\"TCP\"}]", port);
        labels = "{\"kubernetes.io/service-name\":\"kubernetes\"}";
        snprintf(body, sizeof(body), "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\","
            "\"metadata\":{\"name\":\"kubernetes\",\"namespace\":\"default\",\"labels\":%s},\"addressType\":\"IPv4\","
            "\"endpoints\":%s,\"ports\":%s}", labels, eps, eports);
        snprintf(patch, sizeof(patch), "{\"metadata\":{\"labels\":%s},\"addressType\":\"IPv4\",\"endpoints\":%s,"
            "\"ports\":%s}", labels, eps, eports);
        rc = put(srv, "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", body, patch);
    }
    return rc;
}
