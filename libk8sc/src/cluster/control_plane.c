/*
 * The control plane of a cluster or a server: the store, the API server,
 * the controller manager and the scheduler, each on the in-process client;
 * a server also runs the cluster DNS, serves HTTPS with the cluster's
 * certificates and requires the join token's secret.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster_internal.h"

/* "sqlite:<dir>/k8sc.db" unless the options name a store (caller frees). */
static char *store_url(const k8sc_cluster *c, const k8sc_cluster_options *o)
{
    if (o->store_url)
        return k8sc__strdup(o->store_url);
    char *db = k8sc__cluster_path(c->data_dir, "k8sc.db");
    if (!db)
        return NULL;
    k8sc__buf url = K8SC__BUF_INIT;
    k8sc__buf_printf(&url, "sqlite:%s", db);
    free(db);
    return k8sc__buf_detach(&url, NULL);
}

/* The host of "HOST:PORT" ("" for ":PORT"). */
static void listen_host(char *out, size_t size, const char *listen)
{
    const char *colon = strrchr(listen, ':');
    snprintf(out, size, "%.*s", colon ? (int)(colon - listen) : 0, listen);
}

static bool wildcard(const char *host)
{
    return !host[0] || strcmp(host, "0.0.0.0") == 0;
}

/* Most addresses a serving certificate is made for. */
#define MAX_SANS 32

/* Add `ip` to the NULL-terminated `ips` (copied into `store`, one slot per entry) unless it is there. */
static void add_ip(const char **ips, char (*store)[INET_ADDRSTRLEN], const char *ip)
{
    struct in_addr a;
    if (!ip || inet_pton(AF_INET, ip, &a) != 1 || a.s_addr == htonl(INADDR_ANY))
        return;
    size_t n = 0;
    for (; ips[n]; n++)
        if (strcmp(ips[n], ip) == 0)
            return;
    if (n + 1 >= MAX_SANS)
        return;
    inet_ntop(AF_INET, &a, store[n], INET_ADDRSTRLEN);
    ips[n] = store[n];
    ips[n + 1] = NULL;
}

/* The first address of a Service range, the kubernetes Service's ("10.96.0.0/12" -> "10.96.0.1"); "" if malformed. */
static void first_service_ip(char out[INET_ADDRSTRLEN], const char *cidr)
{
    char net[INET_ADDRSTRLEN];
    const char *slash = strchr(cidr, '/');
    int prefix = slash ? atoi(slash + 1) : -1;
    struct in_addr a;
    out[0] = '\0';
    if (!slash || (size_t)(slash - cidr) >= sizeof(net) || prefix < 1 || prefix > 30)
        return;
    snprintf(net, sizeof(net), "%.*s", (int)(slash - cidr), cidr);
    if (inet_pton(AF_INET, net, &a) != 1)
        return;
    a.s_addr = htonl((ntohl(a.s_addr) & (0xffffffffu << (32 - prefix))) + 1);
    inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

/*
 * The certificates for the API server's names and addresses: the listen
 * and advertise addresses (every address of the host's for a wildcard
 * listen), loopback and the kubernetes Service's, by which pods reach it.
 */
static int setup_pki(k8sc__cluster_pki *pki, const k8sc_cluster_options *o, const char *host)
{
    static const char *const names[] = { "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                                         "kubernetes.default.svc.cluster.local", NULL };
    const char *ips[MAX_SANS] = { NULL };
    char store[MAX_SANS][INET_ADDRSTRLEN], svc[INET_ADDRSTRLEN];
    add_ip(ips, store, "127.0.0.1");
    add_ip(ips, store, host);
    add_ip(ips, store, o->advertise_address);
    first_service_ip(svc, o->service_cidr ? o->service_cidr : "10.96.0.0/12");
    add_ip(ips, store, svc);
    struct ifaddrs *ifs = NULL;
    if (wildcard(host) && getifaddrs(&ifs) == 0) {
        for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
            char addr[INET_ADDRSTRLEN];
            if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
                inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, addr, sizeof(addr)))
                add_ip(ips, store, addr);
        }
        freeifaddrs(ifs);
    }
    return k8sc__cluster_pki_setup(pki, o->data_dir, ips, names);
}

static int start_apiserver(k8sc_cluster *c, const k8sc_cluster_options *o)
{
    const char *listen = o->listen ? o->listen : "127.0.0.1:6443";
    char host[256];
    listen_host(host, sizeof(host), listen);
    bool tls = o->role == K8SC_CLUSTER_ROLE_SERVER || o->tls;
    k8sc__cluster_pki pki = { NULL, NULL, NULL, NULL };
    int rc = tls ? setup_pki(&pki, o, host) : 0;
    if (rc == 0 && tls) {
        c->ca_pem = pki.ca_pem;
        pki.ca_pem = NULL;
    }
    /*
     * Over TLS the API wants a token: kubectl sends one only there, and with
     * no credentials at all it would prompt for a user name and password.
     */
    if (rc == 0 && tls)
        rc = k8sc__cluster_token_setup(&c->token, c->data_dir, o->token, c->ca_pem);
    if (rc != 0) {
        k8sc__cluster_pki_clear(&pki);
        return rc;
    }
    char *url = store_url(c, o);
    rc = url ? k8sc_store_open(&c->store, url, NULL) : K8SC_ENOMEM;
    if (rc < 0)
        rc = k8sc_error_set(rc, "store %s: %s", url ? url : "", k8sc_error_last());
    free(url);
    char *token_file = c->token ? k8sc__cluster_path(c->data_dir, "tokens.csv") : NULL;
    if (rc == 0 && c->token && !token_file)
        rc = K8SC_ENOMEM;
    k8sc_apiserver_options ao = K8SC_APISERVER_OPTIONS_INIT;
    ao.listen = listen;
    ao.store = c->store;
    ao.service_cluster_ip_range = o->service_cidr;
    ao.advertise_address = o->advertise_address;
    ao.token_file = token_file;
    ao.tls_cert_file = pki.cert_file;
    ao.tls_key_file = pki.key_file;
    /* Agents fetch the CA there and check it against their join token. */
    ao.tls_ca_file = o->role == K8SC_CLUSTER_ROLE_SERVER ? pki.ca_file : NULL;
    if (rc == 0)
        rc = k8sc_apiserver_new(&c->apiserver, &ao);
    free(token_file);
    k8sc__cluster_pki_clear(&pki);
    if (rc == 0 && (rc = k8sc_apiserver_start(c->apiserver)) != 0)
        rc = k8sc_error_set(rc, "API server on %s: %s", ao.listen, k8sc_error_last());
    if (rc != 0)
        return rc;
    /* The address kubectl uses: a wildcard listen is reached on the advertised address, or loopback. */
    if (wildcard(host))
        snprintf(host, sizeof(host), "%s", o->advertise_address ? o->advertise_address : "127.0.0.1");
    k8sc__buf s = K8SC__BUF_INIT;
    k8sc__buf_printf(&s, "%s://%s:%d", tls ? "https" : "http", host, k8sc_apiserver_port(c->apiserver));
    if (!(c->server = k8sc__buf_detach(&s, NULL)))
        return K8SC_ENOMEM;
    return k8sc_client_new_in_process(&c->client, c->apiserver);
}

/*
 * A server's cluster DNS: on its advertised address, port 10053, behind the
 * kube-dns Service that the agents' proxies serve. Without an address the
 * pods can reach there is none.
 */
static int start_server_dns(k8sc_cluster *c, const k8sc_cluster_options *o)
{
    if (!c->dns_ip[0])
        return 0;
    char host[256];
    listen_host(host, sizeof(host), o->listen ? o->listen : "127.0.0.1:6443");
    const char *addr = o->advertise_address ? o->advertise_address : host;
    if (wildcard(addr) || k8sc__cluster_ip_unreachable(addr)) {
        k8sc_log(K8SC_LOG_WARN, "cluster: no cluster DNS: the server's address %s is not one pods can reach "
                                "(give an advertise address)", addr[0] ? addr : "(any)");
        return 0;
    }
    k8sc__cluster_net_config nc = { NULL, addr, NULL, NULL, false, NULL, NULL, c->dns_ip, NULL };
    int rc = k8sc__cluster_net_prepare(&c->net, c->client, &nc);
    return rc == 0 ? k8sc__cluster_net_start(&c->net, c->client) : rc;
}

int k8sc__cluster_start_control_plane(k8sc_cluster *c, const k8sc_cluster_options *o)
{
    int rc = start_apiserver(c, o);
    if (rc != 0)
        return rc;
    k8sc_controller_manager_options mo = K8SC_CONTROLLER_MANAGER_OPTIONS_INIT;
    /* Node IPAM gives nodes their podCIDRs when there is a pod network to use them: a server's agents may have one. */
    if (c->bridge || o->role == K8SC_CLUSTER_ROLE_SERVER)
        mo.cluster_cidr = o->cluster_cidr ? o->cluster_cidr : "10.244.0.0/16";
    if ((rc = k8sc_controller_manager_new(&c->manager, c->client, &mo)) != 0 ||
        (rc = k8sc_controller_manager_start(c->manager)) != 0)
        return rc;
    char hostname[256] = "localhost";
    gethostname(hostname, sizeof(hostname) - 1);
    if ((rc = k8sc_event_recorder_new(&c->scheduler_events, c->client, K8SC_SCHEDULER_DEFAULT_NAME, hostname,
                                      NULL)) != 0)
        return rc;
    k8sc_scheduler_options so = K8SC_SCHEDULER_OPTIONS_INIT;
    so.recorder = c->scheduler_events;
    if ((rc = k8sc_scheduler_new(&c->scheduler, c->client, &so)) != 0 || (rc = k8sc_scheduler_start(c->scheduler)) != 0)
        return rc;
    return o->role == K8SC_CLUSTER_ROLE_SERVER ? start_server_dns(c, o) : 0;
}
