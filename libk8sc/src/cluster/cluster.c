/* A single-node cluster in one process: API server, controller manager, scheduler, kubelet and network. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cluster_internal.h"
#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/controllers.h"
#include "k8sc/kubelet.h"
#include "k8sc/runtime.h"
#include "k8sc/scheduler.h"
#include "k8sc/store.h"

struct k8sc_cluster {
    char *data_dir;
    char *server;
    char *kubeconfig;
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
    char dns_ip[64]; /* "" for no cluster DNS */
};

/* Resolve the network options: what runs, and where. */
static int network_settings(k8sc_cluster *c, const k8sc_cluster_options *o)
{
    const char *pn = o->pod_network;
    if (pn && strcmp(pn, "bridge") != 0 && strcmp(pn, "none") != 0)
        return k8sc_error_set(K8SC_EINVAL, "cluster: unknown pod network \"%s\" (bridge or none)", pn);
    const char *pm = o->proxy_mode;
    if (pm && strcmp(pm, "iptables") != 0 && strcmp(pm, "userspace") != 0 && strcmp(pm, "none") != 0)
        return k8sc_error_set(K8SC_EINVAL, "cluster: unknown proxy mode \"%s\" (iptables, userspace or none)", pm);
    bool fake = o->runtime && strcmp(o->runtime, "fake") == 0;
    c->bridge = pn ? strcmp(pn, "bridge") == 0 : !fake;
    c->proxy_mode = pm ? (strcmp(pm, "none") == 0 ? NULL : pm) : (c->bridge ? "iptables" : NULL);
    if (c->bridge && !(c->cni_conf_dir = k8sc__cluster_path(c->data_dir, "cni/net.d")))
        return K8SC_ENOMEM;
    if (o->cluster_dns)
        snprintf(c->dns_ip, sizeof(c->dns_ip), "%s", o->cluster_dns);
    else if (k8sc__cluster_dns_ip(c->dns_ip, sizeof(c->dns_ip), o->service_cidr ? o->service_cidr : "10.96.0.0/12") < 0)
        return k8sc_error_set(K8SC_EINVAL, "cluster: invalid Service range %s", o->service_cidr);
    /* Pods reach the DNS through its Service address, which only the proxy serves. */
    if (!c->proxy_mode)
        c->dns_ip[0] = '\0';
    return 0;
}

int k8sc_cluster_options_init(k8sc_cluster_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts);
    if (version != K8SC_CLUSTER_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_cluster_options: unknown version %u", version);
    k8sc_cluster_options init = K8SC_CLUSTER_OPTIONS_INIT;
    *opts = init;
    return 0;
}

char *k8sc__cluster_path(const char *dir, const char *name)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/%s", dir, name);
    return k8sc__buf_detach(&b, NULL);
}

/* Take the data directory's lock and record our pid; EEXISTS naming the holder's pid. */
static int lock_dir(k8sc_cluster *c)
{
    char *lock = k8sc__cluster_path(c->data_dir, "lock");
    char *pidfile = k8sc__cluster_path(c->data_dir, "pid");
    int rc = lock && pidfile ? 0 : K8SC_ENOMEM;
    int fd = -1;
    if (rc == 0 && (fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
        rc = k8sc_error_set(K8SC_EIO, "cannot open %s: %s", lock, strerror(errno));
    if (rc == 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        long pid = k8sc__cluster_read_pid(c->data_dir);
        rc = k8sc_error_set(K8SC_EEXISTS, "data directory %s is in use by a running cluster (pid %ld)", c->data_dir,
                            pid);
        close(fd);
    } else if (rc == 0) {
        /* Ours from here on: teardown removes the pid file and releases the lock. */
        c->lock_fd = fd;
    }
    if (rc == 0) {
        FILE *f = fopen(pidfile, "we");
        if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0)
            rc = k8sc_error_set(K8SC_EIO, "cannot write %s: %s", pidfile, strerror(errno));
    }
    free(lock);
    free(pidfile);
    return rc;
}

static int write_kubeconfig(const k8sc_cluster *c)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", c->kubeconfig);
    FILE *f = fopen(tmp, "we");
    if (!f)
        return k8sc_error_set(K8SC_EIO, "cannot write %s: %s", tmp, strerror(errno));
    fprintf(f,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: k8sc\n  cluster:\n    server: %s\n"
            "users:\n- name: k8sc-admin\n  user: {}\ncontexts:\n- name: k8sc\n  context:\n    cluster: k8sc\n"
            "    user: k8sc-admin\n    namespace: default\ncurrent-context: k8sc\n",
            c->server);
    if (fclose(f) != 0 || rename(tmp, c->kubeconfig) != 0)
        return k8sc_error_set(K8SC_EIO, "cannot write %s: %s", c->kubeconfig, strerror(errno));
    return 0;
}

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

static int start_control_plane(k8sc_cluster *c, const k8sc_cluster_options *opts)
{
    char *db = k8sc__cluster_path(c->data_dir, "k8sc.db");
    k8sc__buf url = K8SC__BUF_INIT;
    k8sc__buf_printf(&url, "sqlite:%s", db ? db : "");
    free(db);
    char *store_url = k8sc__buf_detach(&url, NULL);
    int rc = store_url ? k8sc_store_open(&c->store, store_url, NULL) : K8SC_ENOMEM;
    free(store_url);
    k8sc_apiserver_options ao = K8SC_APISERVER_OPTIONS_INIT;
    ao.listen = opts->listen ? opts->listen : "127.0.0.1:6443";
    ao.store = c->store;
    ao.service_cluster_ip_range = opts->service_cidr;
    if (rc == 0)
        rc = k8sc_apiserver_new(&c->apiserver, &ao);
    if (rc == 0 && (rc = k8sc_apiserver_start(c->apiserver)) != 0)
        rc = k8sc_error_set(rc, "API server on %s: %s", ao.listen, k8sc_error_last());
    if (rc != 0)
        return rc;
    /* The address kubectl uses: a wildcard listen is reached on loopback. */
    char host[256];
    const char *colon = strrchr(ao.listen, ':');
    snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - ao.listen) : 0, ao.listen);
    if (!host[0] || strcmp(host, "0.0.0.0") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");
    k8sc__buf s = K8SC__BUF_INIT;
    k8sc__buf_printf(&s, "http://%s:%d", host, k8sc_apiserver_port(c->apiserver));
    if (!(c->server = k8sc__buf_detach(&s, NULL)))
        return K8SC_ENOMEM;
    if ((rc = k8sc_client_new_in_process(&c->client, c->apiserver)) != 0)
        return rc;
    k8sc_controller_manager_options mo = K8SC_CONTROLLER_MANAGER_OPTIONS_INIT;
    /* Node IPAM gives the node its podCIDR only when there is a pod network to use it. */
    if (c->bridge)
        mo.cluster_cidr = opts->cluster_cidr ? opts->cluster_cidr : "10.244.0.0/16";
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
    if ((rc = k8sc_scheduler_new(&c->scheduler, c->client, &so)) != 0)
        return rc;
    return k8sc_scheduler_start(c->scheduler);
}

static int start_node(k8sc_cluster *c, const k8sc_cluster_options *opts, const char *node)
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
    /* Any free port: several clusters (and tests) may share a machine. On the node's address, where the API server's proxy (logs, exec) reaches it. */
    ko.port = 0;
    ko.listen_address = opts->node_ip;
    if (rc == 0)
        rc = k8sc_kubelet_new(&c->kubelet, c->client, &ko);
    if (rc == 0)
        rc = k8sc_kubelet_start(c->kubelet);
    free(root);
    return rc;
}

/* Stop and free everything started; the containers too when `pods` (with at most `grace_s` each). */
static void teardown(k8sc_cluster *c, bool pods, int grace_s)
{
    k8sc_kubelet_stop(c->kubelet);
    if (pods && c->kubelet && k8sc_kubelet_shutdown_pods(c->kubelet, grace_s) != 0)
        k8sc_log(K8SC_LOG_WARN, "cluster: stopping the pods: %s", k8sc_error_last());
    k8sc_kubelet_free(c->kubelet);
    k8sc__cluster_net_stop(&c->net);
    k8sc_scheduler_free(c->scheduler);
    k8sc_controller_manager_free(c->manager);
    k8sc_event_recorder_free(c->kubelet_events);
    k8sc_event_recorder_free(c->scheduler_events);
    k8sc_runtime_close(c->runtime);
    k8sc_client_free(c->client);
    k8sc_apiserver_free(c->apiserver);
    k8sc_store_close(c->store);
    if (c->lock_fd >= 0) {
        char *pidfile = k8sc__cluster_path(c->data_dir, "pid");
        if (pidfile)
            unlink(pidfile);
        free(pidfile);
        close(c->lock_fd);
    }
    free(c->data_dir);
    free(c->server);
    free(c->kubeconfig);
    free(c->cni_conf_dir);
    free(c);
}

int k8sc_cluster_up(k8sc_cluster **out, const k8sc_cluster_options *opts)
{
    K8SC__CHECK_ARG(out && opts);
    *out = NULL;
    if (opts->version != K8SC_CLUSTER_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_cluster_options: unknown version %u", opts->version);
    if (!opts->data_dir || !opts->data_dir[0])
        return k8sc_error_set(K8SC_EINVAL, "cluster: a data directory is required");
    k8sc_cluster *c = k8sc__calloc(1, sizeof(*c));
    if (!c)
        return K8SC_ENOMEM;
    c->lock_fd = -1;
    c->data_dir = k8sc__strdup(opts->data_dir);
    c->kubeconfig = opts->kubeconfig ? k8sc__strdup(opts->kubeconfig) : k8sc__cluster_path(opts->data_dir, "kubeconfig");
    char node[256] = "localhost";
    if (opts->node_name)
        snprintf(node, sizeof(node), "%s", opts->node_name);
    else
        gethostname(node, sizeof(node) - 1);
    int rc = c->data_dir && c->kubeconfig ? 0 : K8SC_ENOMEM;
    if (rc == 0 && mkdir(c->data_dir, 0700) != 0 && errno != EEXIST)
        rc = k8sc_error_set(K8SC_EIO, "cannot create %s: %s", c->data_dir, strerror(errno));
    if (rc == 0)
        rc = network_settings(c, opts);
    if (rc == 0)
        rc = lock_dir(c);
    if (rc == 0)
        rc = start_control_plane(c, opts);
    k8sc__cluster_net_config nc = { node, opts->node_ip, c->cni_conf_dir, c->bridge, c->proxy_mode,
                                    opts->cluster_cidr ? opts->cluster_cidr : "10.244.0.0/16",
                                    c->dns_ip[0] ? c->dns_ip : NULL, NULL };
    if (rc == 0)
        rc = k8sc__cluster_net_prepare(&c->net, c->client, &nc);
    if (rc == 0)
        rc = start_node(c, opts, node);
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
    if (rc == 0)
        rc = k8sc__cluster_net_start(&c->net, c->client);
    if (rc == 0)
        rc = write_kubeconfig(c);
    if (rc != 0) {
        /* Keep the message: tearing down may log. */
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s", k8sc_error_last());
        teardown(c, false, 0);
        return k8sc_error_set(rc, "%s", msg);
    }
    *out = c;
    return 0;
}

const char *k8sc_cluster_server(const k8sc_cluster *c)
{
    return c ? c->server : NULL;
}

const char *k8sc_cluster_kubeconfig(const k8sc_cluster *c)
{
    return c ? c->kubeconfig : NULL;
}

void k8sc_cluster_stop(k8sc_cluster *c, int grace_s)
{
    if (c)
        teardown(c, true, grace_s < 0 ? 0 : grace_s);
}
