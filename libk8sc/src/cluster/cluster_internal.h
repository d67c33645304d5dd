/* Internals of the cluster module. */
#ifndef K8SC_CLUSTER_INTERNAL_H
#define K8SC_CLUSTER_INTERNAL_H

#include <json-c/json.h>
#include <sys/types.h>

#include "internal.h"
#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/cluster.h"
#include "k8sc/controller.h"
#include "k8sc/controllers.h"
#include "k8sc/kubelet.h"
#include "k8sc/net.h"
#include "k8sc/runtime.h"
#include "k8sc/scheduler.h"
#include "k8sc/store.h"

/* "<dir>/<name>" (caller frees), NULL on ENOMEM. */
char *k8sc__cluster_path(const char *dir, const char *name);
/* The pid recorded in <dir>/pid, or 0. */
long k8sc__cluster_read_pid(const char *dir);
/* Record the runtime, Docker's socket and the network's parts in <dir>/runtime.conf for `k8sc down`. */
int k8sc__cluster_write_runtime(const char *dir, const k8sc_cluster_options *opts, const char *cni_conf_dir,
                                const char *proxy_mode);

/* What the cluster's network is made of (strings borrowed from the options; NULL: that part is off). */
typedef struct k8sc__cluster_net_config {
    const char *node_name;
    const char *node_ip;
    const char *cni_conf_dir;   /* with `bridge` */
    const char *ipam_dir;       /* with `bridge`: the pods' addresses */
    bool bridge;                /* run the pod-network agent */
    const char *proxy_mode;     /* "iptables" or "userspace" */
    const char *cluster_cidr;
    const char *dns_service_ip; /* run the cluster DNS behind this Service address */
    const char *domain;
} k8sc__cluster_net_config;

typedef struct k8sc__cluster_net {
    k8sc__cluster_net_config cfg;
    k8sc_podnet *podnet;
    k8sc_proxy *proxy;
    k8sc_dns *dns;
} k8sc__cluster_net;

/* Start the pod-network agent (before the kubelet, so the node's network becomes ready). */
int k8sc__cluster_net_prepare(k8sc__cluster_net *n, k8sc_client *client, const k8sc__cluster_net_config *cfg);
/* Once the node is Ready: the Service proxy and the cluster DNS with its kube-dns Service. */
int k8sc__cluster_net_start(k8sc__cluster_net *n, k8sc_client *client);
/* Stop what runs (the proxy removes its rules). */
void k8sc__cluster_net_stop(k8sc__cluster_net *n);
/* `k8sc down`: remove the pod bridge and routes (bridge) and the proxy's rules (proxy). */
void k8sc__cluster_net_remove(bool bridge, bool proxy);
/* The tenth address of a Service range ("10.96.0.0/12" -> "10.96.0.10"). */
int k8sc__cluster_dns_ip(char *out, size_t size, const char *service_cidr);
/* Whether `ip` is missing, not an IPv4 address, or loopback: no place pods can reach. */
bool k8sc__cluster_ip_unreachable(const char *ip);

struct k8sc_cluster {
    k8sc_cluster_role role;
    char *data_dir;
    char *server;
    char *kubeconfig;
    char *token;  /* a server's join token, K10<CA hash>::<secret> (token.c) */
    char *ca_pem; /* the CA that the API server's certificate is checked with; NULL: plain HTTP */
    int lock_fd;
    k8sc_store *store;
    k8sc_apiserver *apiserver;
    k8sc_client *client;
    k8sc_event_recorder *kubelet_events, *scheduler_events;
    k8sc_controller_manager *manager;
    k8sc_scheduler *scheduler;
    k8sc_runtime *runtime;
    k8sc_kubelet *kubelet;
    k8sc__cluster_net net;
    /* The network's settings, resolved from the options. */
    bool bridge;
    const char *proxy_mode; /* NULL: none */
    char *cni_conf_dir;
    char *ipam_dir; /* <data-dir>/cni/ipam, with bridge */
    char dns_ip[64]; /* "" for no cluster DNS */
};

/* The control plane (control_plane.c): store, API server, controller manager, scheduler; sets c->server and c->client. */
int k8sc__cluster_start_control_plane(k8sc_cluster *c, const k8sc_cluster_options *opts);
/* The node (node.c): runtime, kubelet and pod network; returns once the node is Ready, then starts the proxy. */
int k8sc__cluster_start_node(k8sc_cluster *c, const k8sc_cluster_options *opts, const char *node);
/* An agent's client of its server (node.c), through <kubeconfig> written with the token; sets c->server and c->client. */
int k8sc__cluster_join(k8sc_cluster *c, const k8sc_cluster_options *opts);

/* Join tokens and kubeconfigs (token.c). */
/*
 * Split a join token, "K10<CA hash>::<secret>" (`hash` gets the 64 hex
 * digits) or a bare secret (`hash` ""); `*secret` points into `token`.
 * EINVAL unless the secret is 16 to 128 letters, digits, '.', '-' or '_'
 * and a hash 64 lowercase hex digits.
 */
int k8sc__cluster_token_parse(char hash[65], const char **secret, const char *token);
/* k8sc__cluster_token_parse's checks alone. */
int k8sc__cluster_token_check(const char *token);
/*
 * A server's token: `given`, else <dir>/token's, else a new random secret;
 * with the hash of `ca_pem` when not NULL (a given token for another CA is
 * EINVAL). Written to <dir>/token (0600) and its secret to <dir>/tokens.csv.
 */
int k8sc__cluster_token_setup(char **out, const char *dir, const char *given, const char *ca_pem);
/*
 * Write a kubeconfig (0600) for `server`, with the secret of join token
 * `token` as the user's bearer token and `ca_pem` as the
 * certificate-authority-data, each when not NULL.
 */
int k8sc__cluster_write_kubeconfig(const char *path, const char *server, const char *token, const char *ca_pem);
/* Replace `path` atomically with `content`, created with `mode`; EIO naming the file. */
int k8sc__cluster_write_file(const char *path, const char *content, mode_t mode);

/* A server's certificates (pki.c): paths under <dir>/pki/ and the CA's PEM, all owned. */
typedef struct k8sc__cluster_pki {
    char *ca_file, *cert_file, *key_file;
    char *ca_pem;
} k8sc__cluster_pki;
/*
 * Make or reuse <dir>/pki/: ca.crt and ca.key (0600), the cluster CA;
 * apiserver.crt and apiserver.key (0600), signed by it for the addresses
 * `ips` and the DNS names `names` (NULL-terminated lists) — made again when
 * they miss one, were signed by another CA or expire within 30 days. A
 * damaged CA is EINVAL naming its file (never replaced: agents trust it).
 */
int k8sc__cluster_pki_setup(k8sc__cluster_pki *pki, const char *dir, const char *const *ips,
                            const char *const *names);
void k8sc__cluster_pki_clear(k8sc__cluster_pki *pki);
/* The lowercase hex SHA-256 of `data`. */
void k8sc__cluster_sha256_hex(char out[65], const char *data, size_t len);

#endif
