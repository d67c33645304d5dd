/*
 * libk8sc cluster: a whole single-node cluster in one process, as
 * `k8sc up` runs it — the API server on the embedded SQLite store, the
 * controller manager, the scheduler, the kubelet, the pod network, the
 * Service proxy and the cluster DNS, each talking to the API server through
 * the in-process client, as separate programs would over HTTP. Or one part
 * of a multi-node cluster (the options' `role`): a server (`k8sc server`:
 * the control plane and the cluster DNS, with a join token) or an agent
 * (`k8sc agent`: the kubelet, the pod network and the proxy of one node,
 * joining a server over HTTPS with that token). A server serves HTTPS with
 * certificates of its own CA; a whole cluster plain HTTP (on loopback),
 * unless asked for TLS. Everything lives under one data directory:
 *
 *   k8sc.db       the store
 *   pods/, logs/  pod volumes and container logs (the kubelet's data directory)
 *   images/       image archives imported at start (*.tar, *.tar.gz)
 *   runtime/      container runtime state and the node's images
 *   runtime.conf  which runtime the cluster uses (for `k8sc down`)
 *   cni/          the pod network's CNI configuration (net.d/) and address leases
 *   kubeconfig    written once the node is Ready (unless another path is given); a
 *                 server's and an agent's carry the token's secret (an agent's is
 *                 written first); with TLS, the CA as certificate-authority-data
 *   token         a server's join token (0600), kept across restarts (also with TLS)
 *   tokens.csv    a server's API token file (the token's secret, user k8sc-admin)
 *   pki/          with TLS: ca.crt, ca.key (0600), the cluster CA (ECDSA P-256, ten
 *                 years); apiserver.crt, apiserver.key (0600), the API server's, for
 *                 the listen and advertise addresses (with a wildcard listen, the
 *                 host's), 127.0.0.1, localhost, kubernetes, kubernetes.default,
 *                 kubernetes.default.svc(.cluster.local) and the first Service
 *                 address (10.96.0.1); kept across restarts, made again when no
 *                 longer good for them
 *   lock, pid     held while the cluster runs
 *
 * Started again on the same directory the cluster resumes with its
 * objects; the kubelet starts the pods' containers again.
 */
#ifndef K8SC_CLUSTER_H
#define K8SC_CLUSTER_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8sc_cluster k8sc_cluster;

/* What a k8sc_cluster_up runs. */
typedef enum {
    /* A whole single-node cluster (`k8sc up`). */
    K8SC_CLUSTER_ROLE_ALL = 0,
    /* The control plane: API server, controller manager, scheduler, cluster DNS (`k8sc server`). */
    K8SC_CLUSTER_ROLE_SERVER = 1,
    /* A node joining a server: kubelet, pod network, proxy (`k8sc agent`). */
    K8SC_CLUSTER_ROLE_AGENT = 2,
} k8sc_cluster_role;

/* How to bring a cluster up. Strings are copied. */
typedef struct k8sc_cluster_options {
    unsigned int version;
    /* The data directory (created if missing). Required. */
    const char *data_dir;
    /* The API server's address (not for an agent). NULL: "127.0.0.1:6443" (port 0: any free port). */
    const char *listen;
    /* Where to write the kubeconfig. NULL: <data_dir>/kubeconfig. */
    const char *kubeconfig;
    /* Container runtime: "runc" (NULL), "docker" or "fake". */
    const char *runtime;
    /* Docker's socket for the docker runtime. NULL: /var/run/docker.sock. */
    const char *docker_socket;
    /* The node's name (NULL: the host name) and address (NULL: 127.0.0.1). */
    const char *node_name;
    const char *node_ip;
    /* How long to wait for the node to become Ready, in ms. 0: 60 s. */
    int ready_timeout_ms;
    /*
     * The pod network: "bridge" (every pod gets an address from the node's
     * podCIDR on the bridge k8sc0, through CNI; NULL: this, unless the
     * runtime is "fake") or "none" (pods get a loopback-only network).
     */
    const char *pod_network;
    /* The Service proxy: "iptables" (NULL: this with a pod network, else none), "userspace" or "none". */
    const char *proxy_mode;
    /* The pods' range, in a /24 per node (NULL: "10.244.0.0/16"), and the Services' (NULL: "10.96.0.0/12"). */
    const char *cluster_cidr;
    const char *service_cidr;
    /*
     * The cluster DNS Service's address, kube-system/kube-dns (NULL: the
     * Service range's tenth address, 10.96.0.10); "" for no cluster DNS. It
     * needs the proxy. The server itself listens on the node, port 10053.
     * A server's DNS listens on its advertise address (none when that is
     * loopback or unknown); an agent's pods use this address (NULL: the
     * kube-dns Service's, if the server has one).
     */
    const char *cluster_dns;
    /* What to run. Since version 2 (version 1: K8SC_CLUSTER_ROLE_ALL). */
    k8sc_cluster_role role;
    /* A server's store URL (NULL: sqlite under the data directory); etcd://HOST:PORT for several servers. */
    const char *store_url;
    /*
     * A server's address published in the kubernetes and kube-dns Endpoints,
     * which agents and pods must reach (NULL: the listen address unless it is
     * a wildcard).
     */
    const char *advertise_address;
    /* An agent's server, "https://HOST:PORT" (or "http://HOST:PORT" for a server without TLS). Required for an agent. */
    const char *server_url;
    /*
     * The join token (k8sc_cluster_token): "K10<CA hash>::<secret>", or the
     * secret alone — letters, digits, '.', '-' and '_', 16 to 128 of them.
     * A server's or a TLS cluster's (NULL: the one in <data_dir>/token, else a new random one;
     * one with a hash must name this server's CA); an agent's to join with
     * (required): with the hash, the agent fetches the CA from the server's
     * /cacerts and checks it; a bare secret needs `ca_file` for an https
     * server.
     */
    const char *token;
    /* An agent's kubelet port on its node address (0: any free port). */
    int kubelet_port;
    /*
     * An agent's CA (PEM file) to check its https server with, instead of
     * fetching it; it must match the token's hash, if any. Since version 3.
     */
    const char *ca_file;
    /*
     * A whole cluster's API server serves HTTPS and wants a token, as a
     * server's always does (`k8sc up --tls`; the token and its files as a
     * server's). Since version 3.
     */
    bool tls;
} k8sc_cluster_options;

/*
 * Version 1 is the same structure without the fields from `role` on,
 * version 2 without those from `ca_file` on (both still accepted).
 */
#define K8SC_CLUSTER_OPTIONS_VERSION 3
#define K8SC_CLUSTER_OPTIONS_INIT \
    { K8SC_CLUSTER_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, \
      K8SC_CLUSTER_ROLE_ALL, NULL, NULL, NULL, NULL, 0, NULL, false }

/* Fill `opts` (of the layout of `version`, 1 to 3) with the defaults. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_cluster_options_init(k8sc_cluster_options *opts, unsigned int version);

/*
 * Start a cluster, a server or an agent (the options' `role`) and return
 * once it serves: for a cluster or an agent, once its node is Ready and
 * the kubeconfig is written; for a server, once the API server listens and
 * the token and kubeconfig are written. Errors: EINVAL for missing or
 * malformed options; EEXISTS when a running cluster holds the data
 * directory (message names its pid); EIO when the address cannot be bound
 * or a directory or file made (message says which); EUNAVAILABLE when the
 * runtime is missing or an agent's server cannot be reached;
 * EUNAUTHORIZED when the server refuses an agent's token, or the CA an
 * agent fetched does not match its token's hash; ETIMEOUT when
 * the node does not become Ready in time (everything started is stopped
 * again).
 */
K8SC_EXTERN int k8sc_cluster_up(k8sc_cluster **out, const k8sc_cluster_options *opts);

/* The API server's URL, e.g. "https://127.0.0.1:6443" (borrowed); an agent's is its server's. */
K8SC_EXTERN const char *k8sc_cluster_server(const k8sc_cluster *c);

/* The kubeconfig's path (borrowed). */
K8SC_EXTERN const char *k8sc_cluster_kubeconfig(const k8sc_cluster *c);

/*
 * A server's join token (borrowed), as k3s's: "K10<CA hash>::<secret>",
 * where the CA hash is the lowercase hex SHA-256 of the cluster CA's PEM
 * file (pki/ca.crt, served at GET /cacerts) and the secret the bearer
 * token agents and the administrator use (tokens.csv, the kubeconfig).
 * Stored in <data_dir>/token. Also a whole cluster's with `tls`; NULL for
 * NULL, an agent or a plain-HTTP cluster.
 */
K8SC_EXTERN const char *k8sc_cluster_token(const k8sc_cluster *c);

/*
 * Stop the cluster: the kubelet stops every pod's containers (within
 * their grace periods, at most `grace_s` seconds), then every component
 * stops and the data directory is released. Objects stay in the store.
 * NULL is fine.
 */
K8SC_EXTERN void k8sc_cluster_stop(k8sc_cluster *c, int grace_s);

/*
 * `k8sc down`: stop the cluster, server or agent running on `data_dir`
 * (if any: SIGTERM to the pid it recorded, waiting up to `timeout_ms`),
 * stop and remove whatever containers are left of it and its network (in
 * the calling network namespace), and delete the directory. Errors:
 * ENOTFOUND when there is no such directory; ETIMEOUT if the cluster does
 * not stop; EIO.
 */
K8SC_EXTERN int k8sc_cluster_delete(const char *data_dir, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
