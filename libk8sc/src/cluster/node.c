/*
 * The node of a cluster or an agent: the container runtime, the kubelet,
 * the pod network and the Service proxy. An agent reaches its server over
 * HTTPS with the join token, through a kubeconfig in its data directory;
 * it learns the CA as k3s's agents do, from the server's /cacerts checked
 * against the hash the token carries (or from a CA file).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster_internal.h"

static bool node_ready(k8sc_client *client, const char *node)
{
    k8sc_object *n = NULL;
    if (k8sc_client_get(&n, client, K8SC_NODE, "", node) != 0)
        return false;
    struct json_object *conds = k8sc_object_get(n, "status.conditions");
    bool ready = false;
    for (size_t i = 0; conds && i < json_object_array_length(conds); i++) {
        struct json_object *cnd = json_object_array_get_idx(conds, i);
        const char *type = k8sc__json_string(cnd, "type"), *status = k8sc__json_string(cnd, "status");
        ready = ready || (type && status && strcmp(type, "Ready") == 0 && strcmp(status, "True") == 0);
    }
    k8sc_object_free(n);
    return ready;
}

static int start_kubelet(k8sc_cluster *c, const k8sc_cluster_options *opts, const char *node)
{
    char *root = k8sc__cluster_path(c->data_dir, "runtime");
    int rc = root ? k8sc__cluster_write_runtime(c->data_dir, opts, c->cni_conf_dir, c->proxy_mode) : K8SC_ENOMEM;
    k8sc_runtime_options ro = K8SC_RUNTIME_OPTIONS_INIT;
    ro.root_dir = root;
    ro.docker_socket = opts->docker_socket;
    ro.cni_conf_dir = c->cni_conf_dir;
    if (rc == 0)
        rc = k8sc_runtime_open(&c->runtime, opts->runtime ? opts->runtime : "runc", &ro);
    if (rc == 0)
        rc = k8sc_event_recorder_new(&c->kubelet_events, c->client, "kubelet", node, NULL);
    k8sc_kubelet_options ko = K8SC_KUBELET_OPTIONS_INIT;
    ko.node_name = node;
    ko.runtime = c->runtime;
    ko.node_ip = opts->node_ip;
    ko.cluster_dns = c->dns_ip[0] ? c->dns_ip : NULL;
    /* Pods, logs and images/ (imported at start) directly under the data directory. */
    ko.data_dir = c->data_dir;
    ko.recorder = c->kubelet_events;
    /*
     * On the node's address, where the API server's proxy (logs, exec) reaches
     * it; any free port unless one is given: several nodes (and tests) may
     * share a machine.
     */
    ko.port = opts->kubelet_port;
    ko.listen_address = opts->node_ip;
    if (rc == 0)
        rc = k8sc_kubelet_new(&c->kubelet, c->client, &ko);
    if (rc == 0)
        rc = k8sc_kubelet_start(c->kubelet);
    free(root);
    return rc;
}

int k8sc__cluster_start_node(k8sc_cluster *c, const k8sc_cluster_options *opts, const char *node)
{
    /* A whole cluster serves its DNS on its node; an agent's pods use the server's. */
    const char *dns = opts->role == K8SC_CLUSTER_ROLE_ALL && c->dns_ip[0] ? c->dns_ip : NULL;
    k8sc__cluster_net_config nc = { node, opts->node_ip, c->cni_conf_dir, c->ipam_dir, c->bridge, c->proxy_mode,
                                    opts->cluster_cidr ? opts->cluster_cidr : "10.244.0.0/16", dns, NULL };
    int rc = k8sc__cluster_net_prepare(&c->net, c->client, &nc);
    if (rc == 0)
        rc = start_kubelet(c, opts, node);
    int64_t deadline = k8sc_clock_mono(NULL) + (int64_t)(opts->ready_timeout_ms > 0 ? opts->ready_timeout_ms : 60000) *
                                                    1000000;
    while (rc == 0 && !node_ready(c->client, node)) {
        if (k8sc_clock_mono(NULL) > deadline) {
            rc = k8sc_error_set(K8SC_ETIMEOUT, "node %s did not become Ready", node);
            break;
        }
        struct timespec ts = { 0, 100 * 1000000L };
        nanosleep(&ts, NULL);
    }
    return rc == 0 ? k8sc__cluster_net_start(&c->net, c->client) : rc;
}

/* GET <server>/cacerts without checking the server (nor sending the token): checked against the hash after. */
static int fetch_cacerts(char **out, const char *server)
{
    *out = NULL;
    k8sc__buf kc = K8SC__BUF_INIT;
    k8sc__buf_printf(&kc, "apiVersion: v1\nkind: Config\nclusters:\n- name: s\n  cluster:\n    server: \"%s\"\n"
                          "    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: c\n"
                          "  context: {cluster: s, user: u}\ncurrent-context: c\n", server);
    int rc = k8sc__buf_status(&kc);
    k8sc_kubeconfig *k = NULL;
    k8sc_client_config *cfg = NULL;
    k8sc_client *client = NULL;
    if (rc == 0)
        rc = k8sc_kubeconfig_parse(&k, kc.ptr, kc.len, "join");
    if (rc == 0)
        rc = k8sc_client_config_from_kubeconfig(&cfg, k, NULL);
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    co.config = cfg;
    co.timeout_ms = 10000;
    if (rc == 0)
        rc = k8sc_client_new(&client, &co);
    int status = 0;
    if (rc == 0)
        rc = k8sc_client_request(out, &status, client, "GET", "/cacerts", NULL, NULL, 0);
    if (rc < 0) {
        k8sc_free(*out);
        *out = NULL;
        rc = k8sc_error_set(rc == K8SC_ENOTFOUND ? K8SC_EUNAVAILABLE : rc, "fetching the CA from %s/cacerts: %s",
                            server, k8sc_error_last());
    } else if (!*out) {
        rc = k8sc_error_set(K8SC_EUNAVAILABLE, "fetching the CA from %s/cacerts: no reply", server);
    }
    k8sc_client_free(client);
    k8sc_client_config_free(cfg);
    k8sc_kubeconfig_free(k);
    k8sc__buf_free(&kc);
    return rc;
}

static int read_ca_file(char **out, const char *path)
{
    int rc = k8sc__read_file(out, NULL, path, 1024 * 1024);
    if (rc != 0)
        return k8sc_error_set(rc, "CA file: %s", k8sc_error_last());
    if (!strstr(*out, "-----BEGIN CERTIFICATE-----")) {
        free(*out);
        *out = NULL;
        return k8sc_error_set(K8SC_EINVAL, "CA file %s: no PEM certificate in it", path);
    }
    return 0;
}

/*
 * The CA an agent trusts its server with: the CA file, else /cacerts; either
 * must have the token's hash. None for a plain-HTTP server; an https one
 * without a hash or a file is EINVAL.
 */
static int agent_ca(char **out, const k8sc_cluster_options *opts)
{
    *out = NULL;
    char hash[65], got[65];
    const char *secret;
    int rc = k8sc__cluster_token_parse(hash, &secret, opts->token);
    if (rc < 0)
        return rc;
    bool https = strncmp(opts->server_url, "https://", 8) == 0;
    if (opts->ca_file)
        rc = read_ca_file(out, opts->ca_file);
    else if (hash[0] && https)
        rc = fetch_cacerts(out, opts->server_url);
    else if (https)
        return k8sc_error_set(K8SC_EINVAL, "joining %s: a join token without the CA's hash (K10<hash>::<secret>) "
                                           "needs the server's CA file", opts->server_url);
    if (rc < 0 || !*out || !hash[0])
        return rc;
    k8sc__cluster_sha256_hex(got, *out, strlen(*out));
    if (strcmp(got, hash) != 0) {
        k8sc_free(*out);
        *out = NULL;
        return k8sc_error_set(K8SC_EUNAUTHORIZED, "joining %s: the server's CA (%s) is not the join token's (%s)",
                              opts->server_url, opts->ca_file ? opts->ca_file : "from /cacerts", hash);
    }
    return 0;
}

int k8sc__cluster_join(k8sc_cluster *c, const k8sc_cluster_options *opts)
{
    if (!(c->server = k8sc__strdup(opts->server_url)))
        return K8SC_ENOMEM;
    int rc = agent_ca(&c->ca_pem, opts);
    if (rc == 0)
        rc = k8sc__cluster_write_kubeconfig(c->kubeconfig, c->server, opts->token, c->ca_pem);
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    co.kubeconfig = c->kubeconfig;
    if (rc == 0)
        rc = k8sc_client_new(&c->client, &co);
    if (rc < 0)
        return rc;
    /* The first request checks the server and the token, and tells the cluster DNS's address. */
    k8sc_object *svc = NULL;
    rc = k8sc_client_get(&svc, c->client, "v1", "Service", "kube-system", "kube-dns");
    if (rc < 0 && rc != K8SC_ENOTFOUND)
        return k8sc_error_set(rc, "joining %s: %s", c->server, k8sc_error_last());
    const char *ip = svc ? k8sc_object_get_string(svc, "spec.clusterIP") : NULL;
    /* Only the proxy serves the Service address; an address given in the options wins. */
    if (c->proxy_mode && !opts->cluster_dns && ip && strcmp(ip, "None") != 0)
        snprintf(c->dns_ip, sizeof(c->dns_ip), "%s", ip);
    k8sc_object_free(svc);
    return 0;
}
