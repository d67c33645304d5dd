/*
 * libk8sc net: the cluster's network on a node — the pod-network agent
 * (the bridge CNI configuration for the node's podCIDR and host-gw routes
 * to the other nodes' pods), the Service proxy (kube-proxy's iptables and
 * userspace modes) and the cluster DNS server. Each follows the API through
 * informers; `k8sc up` runs all three, and k8sc-kubelet --pod-network,
 * k8sc-proxy and k8sc-dns run them alone. Pod addresses themselves come
 * from the container runtime through CNI (see runtime.h).
 */
#ifndef K8SC_NET_H
#define K8SC_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "controller.h"
#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- pod network --------------------------------------------------------- */

/*
 * The pod-network agent, what flannel does in host-gw mode:
 *
 *  - it waits for its own Node's spec.podCIDR (given by the node IPAM
 *    controller) and writes <conf_dir>/10-k8sc.conflist for the CNI
 *    runtime: a bridge network (the node's gateway on the bridge, hairpin
 *    mode, no masquerading) with host-local addresses from the podCIDR,
 *    and portmap for hostPorts. The file is replaced atomically and only
 *    when its content changes;
 *  - it keeps one route "<podCIDR> via <InternalIP>" per other Node in the
 *    current network namespace, tagged with protocol K8SC_PODNET_ROUTE_PROTO
 *    so that it only ever changes or removes routes it made. A Node that
 *    goes or changes takes its route with it.
 *
 * Nodes are followed through an informer. Routes are made with ip(8)
 * (/sbin/ip or the first "ip" on PATH). Runs on its own threads
 * (k8sc_podnet_start) or in a host's loop (fd, next_timeout, process).
 */

/* The routing protocol number the agent's routes carry (rtnetlink "proto"). */
#define K8SC_PODNET_ROUTE_PROTO 199

/* The configuration file the agent writes in conf_dir. */
#define K8SC_PODNET_CONFLIST "10-k8sc.conflist"

typedef struct k8sc_podnet k8sc_podnet;

/* How to run the agent. Strings are copied; the clock is borrowed. */
typedef struct k8sc_podnet_options {
    unsigned int version;
    /* The Node this agent runs on. Required. */
    const char *node_name;
    /* The CNI configuration directory (made if missing). Required. */
    const char *conf_dir;
    /* The bridge the pods are attached to. NULL: "k8sc0". */
    const char *bridge;
    /* Keep host-gw routes to the other Nodes' pods (true) or only write the configuration. */
    bool routes;
    /* Clock for the informer's back-off and retries. NULL: the system clock. */
    k8sc_clock *clock;
    /*
     * Since version 2: where the host-local IPAM plugin keeps the addresses
     * it gave out (its "dataDir"), so that a cluster's leases live and go
     * with its own files. NULL: the plugin's default, /var/lib/cni/networks,
     * shared by every network of the machine named "k8sc".
     */
    const char *ipam_dir;
} k8sc_podnet_options;

#define K8SC_PODNET_OPTIONS_VERSION 2
#define K8SC_PODNET_OPTIONS_INIT { K8SC_PODNET_OPTIONS_VERSION, NULL, NULL, NULL, true, NULL, NULL }

/* Fill `opts` with K8SC_PODNET_OPTIONS_INIT for `version` (1 or 2). EINVAL for NULL or an unknown version. */
K8SC_EXTERN int k8sc_podnet_options_init(k8sc_podnet_options *opts, unsigned int version);

/*
 * Create an agent following Nodes through `client` (borrowed; must outlive
 * the agent). Nothing happens until it is started or processed. Errors:
 * EINVAL for NULL, an unknown version, a missing node name or conf_dir, a
 * bridge name that is not a valid interface name; ENOMEM.
 */
K8SC_EXTERN int k8sc_podnet_new(k8sc_podnet **out, k8sc_client *client, const k8sc_podnet_options *opts);

/* Run on its own threads (the Node informer and a worker). Errors: EINVAL if started or stopped; EIO. */
K8SC_EXTERN int k8sc_podnet_start(k8sc_podnet *pn);

/*
 * Stop the threads started by k8sc_podnet_start. The configuration file and
 * the routes stay (as flannel leaves them): see k8sc_podnet_cleanup. NULL is
 * fine; idempotent.
 */
K8SC_EXTERN void k8sc_podnet_stop(k8sc_podnet *pn);

/* Stop the agent if started and free it. NULL is fine. */
K8SC_EXTERN void k8sc_podnet_free(k8sc_podnet *pn);

/* For a host loop (instead of start): an epoll fd (owned) readable when there is work. -1 for NULL. */
K8SC_EXTERN int k8sc_podnet_fd(k8sc_podnet *pn);

/* Milliseconds until k8sc_podnet_process must run even if the fd stays quiet; -1: no deadline. */
K8SC_EXTERN int k8sc_podnet_next_timeout_ms(k8sc_podnet *pn);

/*
 * Do what is due on the calling thread: the informer, then one sync of the
 * configuration and the routes if anything changed. Returns 1 when a sync
 * ran, 0 otherwise; a failed sync is retried with back-off and its error
 * returned. Errors: EINVAL for NULL or a started agent.
 */
K8SC_EXTERN int k8sc_podnet_process(k8sc_podnet *pn);

/*
 * The podCIDR the configuration was last written for, as a copy the caller
 * frees with k8sc_free; NULL while there is none yet (or for NULL, or ENOMEM).
 */
K8SC_EXTERN char *k8sc_podnet_pod_cidr(k8sc_podnet *pn);

/*
 * Remove every route tagged K8SC_PODNET_ROUTE_PROTO from the current
 * network namespace (whichever agent made it). Errors: EIO when ip(8)
 * cannot be run or fails.
 */
K8SC_EXTERN int k8sc_podnet_cleanup(void);

/*
 * Delete the pods' bridge `bridge` (NULL: "k8sc0") from the current network
 * namespace, as a node that leaves the cluster does; a missing one is fine.
 * Errors: EINVAL for an invalid name or an interface of that name that is
 * not a bridge; EIO when ip(8) cannot be run or fails.
 */
K8SC_EXTERN int k8sc_podnet_remove_bridge(const char *bridge);

/* ---- Service proxy ------------------------------------------------------- */

/*
 * The Service proxy: kube-proxy for one node. It follows Services and discovery.k8s.io/v1 EndpointSlices
 * through informers and makes every Service port reachable on its
 * ClusterIP (and NodePort) by one of its ready endpoints, either with
 * kube-proxy's iptables nat rules or, in userspace mode, through a
 * listener per Service port that relays connections to the endpoints and
 * iptables portal rules that redirect Service traffic to those listeners.
 * Changes are batched: a burst of updates leads to one sync, at most one
 * every min_sync_ms, plus a full resync every sync_period_ms.
 *
 * Rules are written with iptables-restore --noflush in one transaction
 * per sync and live only in the chains kube-proxy names (KUBE-SERVICES,
 * KUBE-SVC-*, KUBE-SEP-*, KUBE-PORTALS-*, ...) plus one jump from each
 * built-in chain; the process needs CAP_NET_ADMIN in its network namespace.
 * As kube-proxy's MinimizeIPTablesRestore, a sync rewrites the top chains
 * and only the per-Service chains that changed; every chain is rewritten
 * on the first sync, after a failed one and at least once an hour.
 */

typedef struct k8sc_proxy k8sc_proxy;

typedef enum {
    /* kube-proxy's iptables mode: DNAT in the kernel, random balancing. */
    K8SC_PROXY_MODE_IPTABLES = 0,
    /* The classic userspace mode: portals redirect to relays in this process, round robin. */
    K8SC_PROXY_MODE_USERSPACE = 1,
} k8sc_proxy_mode;

/* How to run a proxy. Strings are copied. */
typedef struct k8sc_proxy_options {
    unsigned int version;
    k8sc_proxy_mode mode;
    /* The node's IPv4 address: userspace portals for local traffic DNAT to it. Required in userspace mode. */
    const char *node_ip;
    /* This node's name, for internalTrafficPolicy Local. NULL: the host name. */
    const char *node_name;
    /* Least time between two syncs (kube-proxy's minSyncPeriod). 0: 1000 ms. */
    int min_sync_ms;
    /* Resync period even without changes (kube-proxy's syncPeriod). 0: 30000 ms. */
    int sync_period_ms;
    /*
     * Pod CIDR of the cluster (e.g. "10.244.0.0/16"), iptables mode: traffic
     * to a ClusterIP from outside it is masqueraded. NULL: none.
     */
    const char *cluster_cidr;
    /* Programs to run. NULL: "iptables", "iptables-restore", "iptables-save" from PATH. */
    const char *iptables;
    const char *iptables_restore;
    const char *iptables_save;
    /* Userspace mode: a UDP client's relay is dropped after this much silence. 0: 250 ms (--udp-timeout). */
    int udp_idle_timeout_ms;
} k8sc_proxy_options;

#define K8SC_PROXY_OPTIONS_VERSION 1
#define K8SC_PROXY_OPTIONS_INIT \
    { K8SC_PROXY_OPTIONS_VERSION, K8SC_PROXY_MODE_IPTABLES, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL, 0 }

/* Fill `opts` with K8SC_PROXY_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_proxy_options_init(k8sc_proxy_options *opts, unsigned int version);

/*
 * Create a proxy watching through `client` (borrowed; must outlive the
 * proxy). Nothing is watched or written until k8sc_proxy_start. Errors:
 * EINVAL for a NULL client, an unknown options version or mode, a
 * malformed node_ip or cluster_cidr, or userspace mode without node_ip;
 * ENOMEM.
 */
K8SC_EXTERN int k8sc_proxy_new(k8sc_proxy **out, k8sc_client *client, const k8sc_proxy_options *opts);

/*
 * Remove rules a previous run left, install the jumps from the built-in
 * chains, start the informers, the sync thread and (userspace mode) the
 * relay thread. Errors: EINVAL for NULL or a proxy already started; EIO
 * when iptables cannot be run or a thread cannot start.
 */
K8SC_EXTERN int k8sc_proxy_start(k8sc_proxy *p);

/*
 * Stop the threads and informers, close the relays and remove every rule
 * and chain the proxy made. NULL is fine; idempotent.
 */
K8SC_EXTERN void k8sc_proxy_stop(k8sc_proxy *p);

/*
 * How many syncs wrote rules successfully since the start; 0 for NULL.
 * Thread-safe: tests and health checks wait on it.
 */
K8SC_EXTERN uint64_t k8sc_proxy_sync_count(k8sc_proxy *p);

/* Stop the proxy (k8sc_proxy_stop) and free it. NULL is fine. */
K8SC_EXTERN void k8sc_proxy_free(k8sc_proxy *p);

/*
 * kube-proxy --cleanup: remove the jumps and the chains of both modes
 * from the nat and filter tables, whoever made them. Only the program
 * paths of `opts` are used (NULL for the defaults). Errors: EINVAL for an
 * unknown options version; EIO when iptables fails.
 */
K8SC_EXTERN int k8sc_proxy_cleanup(const k8sc_proxy_options *opts);

/* ---- cluster DNS --------------------------------------------------------- */

/*
 * The cluster DNS: an authoritative server for the cluster domain following the Kubernetes
 * DNS-Based Service Discovery specification (schema 1.1.0), as CoreDNS's
 * kubernetes plugin serves it:
 *
 *  - <svc>.<ns>.svc.<domain>  A/AAAA: the cluster IPs; for a headless
 *    Service one record per ready endpoint address (EndpointSlices);
 *    CNAME for an ExternalName Service.
 *  - <hostname>.<svc>.<ns>.svc.<domain>  A/AAAA for each ready endpoint of
 *    a headless Service; the hostname is the endpoint's `hostname` or its
 *    address with '.' or ':' turned into '-'.
 *  - _<port>._<proto>.<svc>.<ns>.svc.<domain>  SRV for named ports.
 *  - PTR for cluster IPs and ready endpoint addresses.
 *  - <ns>.svc.<domain> for an existing namespace, and every other name
 *    that exists without records of the asked type: NOERROR, no answer.
 *  - dns-version.<domain> TXT "1.1.0".
 *
 * Names outside the domain (and reverse names it has no record for) are
 * relayed to the upstream resolvers over the transport the client used,
 * one after the other until one answers in time (else SERVFAIL), or
 * REFUSED when there are none.
 * Services, EndpointSlices and Namespaces are followed through informers,
 * so answers change as soon as the objects do. One thread serves UDP and
 * TCP on the same address with epoll.
 */

typedef struct k8sc_dns k8sc_dns;

/* How to serve. Strings are copied; the factory is borrowed. */
typedef struct k8sc_dns_options {
    unsigned int version;
    /* The cluster domain. NULL: "cluster.local". */
    const char *domain;
    /* "IPv4:PORT" or "[IPv6]:PORT"; port 0 picks a free one (k8sc_dns_port). NULL: "127.0.0.1:53". */
    const char *listen;
    /* Where the upstream resolvers are read from ("nameserver" lines). NULL: "/etc/resolv.conf". */
    const char *resolv_conf;
    /* Upstreams as "IP", "IPv4:PORT" or "[IPv6]:PORT", used instead of resolv_conf when count > 0. */
    const char *const *upstreams;
    size_t upstream_count;
    /* TTL of every record and of negative answers, in seconds. 0: 5. */
    unsigned int ttl;
    /* How long one upstream may take before the next is tried. 0: 2000 ms. */
    int forward_timeout_ms;
    /* A TCP connection without a complete query for this long is closed. 0: 10000 ms. */
    int tcp_idle_timeout_ms;
    /* Most TCP connections open at once; more are closed at once. 0: 256. */
    unsigned int max_tcp_connections;
    /* Informers to share (must outlive the server; its owner starts it). NULL: the server's own. */
    k8sc_informer_factory *factory;
} k8sc_dns_options;

#define K8SC_DNS_OPTIONS_VERSION 1
#define K8SC_DNS_OPTIONS_INIT { K8SC_DNS_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, NULL }

/* Fill `opts` with K8SC_DNS_OPTIONS_INIT. EINVAL for NULL or an unknown version. */
K8SC_EXTERN int k8sc_dns_options_init(k8sc_dns_options *opts, unsigned int version);

/*
 * Create a server that follows Services, EndpointSlices and Namespaces
 * through `client` (borrowed; must outlive the server). The upstreams are
 * read here; those equal to the listen address (port 53) are skipped.
 * Nothing listens until k8sc_dns_start. `opts` may be NULL. Errors:
 * EINVAL for NULL, an unknown version, a malformed domain, listen address
 * or upstream; EIO when resolv_conf was given and cannot be read (the
 * default path may be missing: no upstreams); ENOMEM.
 */
K8SC_EXTERN int k8sc_dns_new(k8sc_dns **out, k8sc_client *client, const k8sc_dns_options *opts);

/*
 * Bind UDP and TCP on the listen address, start the informers (when the
 * factory is the server's own) and the serving thread. A server runs
 * once. Errors: EINVAL if started or stopped already; EIO when the
 * address cannot be bound.
 */
K8SC_EXTERN int k8sc_dns_start(k8sc_dns *dns);

/* Wait up to `timeout_ms` (< 0: forever) until the informers have synced. Errors: EINVAL; ETIMEOUT. */
K8SC_EXTERN int k8sc_dns_wait_synced(k8sc_dns *dns, int timeout_ms);

/* The port being served (useful with port 0); 0 before k8sc_dns_start or for NULL. */
K8SC_EXTERN int k8sc_dns_port(const k8sc_dns *dns);

/* Stop serving, close the sockets and drop pending forwards. NULL is fine; idempotent. */
K8SC_EXTERN void k8sc_dns_stop(k8sc_dns *dns);

/* Stop the server if running and free it. NULL is fine. */
K8SC_EXTERN void k8sc_dns_free(k8sc_dns *dns);

/* What k8sc_dns_handle made of a message. */
typedef enum {
    /* `reply` holds the answer to send back. */
    K8SC_DNS_ANSWER = 0,
    /* Nothing to send: no DNS header could be read, or the message is a response. */
    K8SC_DNS_DROP = 1,
    /* The name is the upstreams' business: the server relays the query unchanged. */
    K8SC_DNS_FORWARD = 2,
} k8sc_dns_action;

/*
 * Answer one DNS message `query` of `len` bytes as the server does, into
 * `reply` (`cap` bytes, at least 512) without any network I/O. `tcp`
 * says whether it came over TCP: over UDP an answer bigger than 512 bytes
 * or the EDNS0 size the client advertised is cut to its question with TC
 * set. Sets `*out` and `*reply_len` (0 unless K8SC_DNS_ANSWER).
 * Malformed messages get FORMERR, other opcodes NOTIMP, names outside
 * the domain REFUSED when there is no upstream. Thread-safe. Errors:
 * EINVAL for NULL arguments or cap < 512.
 */
K8SC_EXTERN int k8sc_dns_handle(k8sc_dns_action *out, size_t *reply_len, k8sc_dns *dns,
    const uint8_t *query, size_t len, uint8_t *reply, size_t cap, bool tcp);

#ifdef __cplusplus
}
#endif
#endif
