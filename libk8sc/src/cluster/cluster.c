/*
 * A cluster in one process — API server, controller manager, scheduler,
 * kubelet and network — or one role of a multi-node cluster: the server
 * (the control plane) or an agent (a node).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster_internal.h"

/* How many bytes of k8sc_cluster_options a caller of `version` has; 0 for an unknown version. */
static size_t options_size(unsigned int version)
{
    if (version == 1)
        return offsetof(k8sc_cluster_options, role);
    if (version == 2)
        return offsetof(k8sc_cluster_options, ca_file);
    return version == K8SC_CLUSTER_OPTIONS_VERSION ? sizeof(k8sc_cluster_options) : 0;
}

int k8sc_cluster_options_init(k8sc_cluster_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts);
    if (!options_size(version))
        return k8sc_error_set(K8SC_EINVAL, "k8sc_cluster_options: unknown version %u", version);
    const k8sc_cluster_options init = K8SC_CLUSTER_OPTIONS_INIT;
    memcpy(opts, &init, options_size(version));
    opts->version = version;
    return 0;
}

/* What each role needs. */
static int check_options(const k8sc_cluster_options *o)
{
    if (!o->data_dir || !o->data_dir[0])
        return k8sc_error_set(K8SC_EINVAL, "cluster: a data directory is required");
    if (o->role != K8SC_CLUSTER_ROLE_ALL && o->role != K8SC_CLUSTER_ROLE_SERVER && o->role != K8SC_CLUSTER_ROLE_AGENT)
        return k8sc_error_set(K8SC_EINVAL, "cluster: unknown role %d", (int)o->role);
    if (o->role == K8SC_CLUSTER_ROLE_AGENT && (!o->server_url || !o->server_url[0]))
        return k8sc_error_set(K8SC_EINVAL, "cluster: an agent needs its server's URL");
    if (o->role == K8SC_CLUSTER_ROLE_AGENT && !o->token)
        return k8sc_error_set(K8SC_EINVAL, "cluster: an agent needs the server's join token");
    if (o->token && k8sc__cluster_token_check(o->token) < 0)
        return k8sc_error_set(K8SC_EINVAL, "cluster: %s", k8sc_error_last());
    if (o->kubelet_port < 0 || o->kubelet_port > 65535)
        return k8sc_error_set(K8SC_EINVAL, "cluster: invalid kubelet port %d", o->kubelet_port);
    return 0;
}

/* Resolve the network options: what runs, and where. */
static int network_settings(k8sc_cluster *c, const k8sc_cluster_options *o)
{
    const char *pn = o->pod_network;
    if (pn && strcmp(pn, "bridge") != 0 && strcmp(pn, "none") != 0)
        return k8sc_error_set(K8SC_EINVAL, "cluster: unknown pod network \"%s\" (bridge or none)", pn);
    const char *pm = o->proxy_mode;
    if (pm && strcmp(pm, "iptables") != 0 && strcmp(pm, "userspace") != 0 && strcmp(pm, "none") != 0)
        return k8sc_error_set(K8SC_EINVAL, "cluster: unknown proxy mode \"%s\" (iptables, userspace or none)", pm);
    if (o->cluster_dns)
        snprintf(c->dns_ip, sizeof(c->dns_ip), "%s", o->cluster_dns);
    else if (o->role != K8SC_CLUSTER_ROLE_AGENT &&
             k8sc__cluster_dns_ip(c->dns_ip, sizeof(c->dns_ip), o->service_cidr ? o->service_cidr : "10.96.0.0/12") < 0)
        return k8sc_error_set(K8SC_EINVAL, "cluster: invalid Service range %s", o->service_cidr);
    /* A server has no node: the agents run the pod network and the proxy its DNS is reached through. */
    if (o->role == K8SC_CLUSTER_ROLE_SERVER)
        return 0;
    bool fake = o->runtime && strcmp(o->runtime, "fake") == 0;
    c->bridge = pn ? strcmp(pn, "bridge") == 0 : !fake;
    c->proxy_mode = pm ? (strcmp(pm, "none") == 0 ? NULL : pm) : (c->bridge ? "iptables" : NULL);
    if (c->bridge && (!(c->cni_conf_dir = k8sc__cluster_path(c->data_dir, "cni/net.d")) ||
                      !(c->ipam_dir = k8sc__cluster_path(c->data_dir, "cni/ipam"))))
        return K8SC_ENOMEM;
    /* Pods reach the DNS through its Service address, which only the proxy serves. */
    if (!c->proxy_mode)
        c->dns_ip[0] = '\0';
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
    free(c->token);
    free(c->ca_pem);
    free(c->cni_conf_dir);
    free(c->ipam_dir);
    free(c);
}

/* Start what the role runs, once the directory is ours. */
static int start_role(k8sc_cluster *c, const k8sc_cluster_options *o, const char *node)
{
    int rc = 0;
    switch (o->role) {
    case K8SC_CLUSTER_ROLE_SERVER:
        if ((rc = k8sc__cluster_start_control_plane(c, o)) == 0)
            rc = k8sc__cluster_write_kubeconfig(c->kubeconfig, c->server, c->token, c->ca_pem);
        break;
    case K8SC_CLUSTER_ROLE_AGENT:
        if ((rc = k8sc__cluster_join(c, o)) == 0)
            rc = k8sc__cluster_start_node(c, o, node);
        break;
    case K8SC_CLUSTER_ROLE_ALL:
        if ((rc = k8sc__cluster_start_control_plane(c, o)) == 0 && (rc = k8sc__cluster_start_node(c, o, node)) == 0)
            rc = k8sc__cluster_write_kubeconfig(c->kubeconfig, c->server, c->token, c->ca_pem);
        break;
    }
    return rc;
}

int k8sc_cluster_up(k8sc_cluster **out, const k8sc_cluster_options *opts)
{
    K8SC__CHECK_ARG(out && opts);
    *out = NULL;
    if (!options_size(opts->version))
        return k8sc_error_set(K8SC_EINVAL, "k8sc_cluster_options: unknown version %u", opts->version);
    /* A caller of an older version has a shorter structure: the fields it lacks keep their defaults. */
    k8sc_cluster_options o = K8SC_CLUSTER_OPTIONS_INIT;
    memcpy(&o, opts, options_size(opts->version));
    int rc = check_options(&o);
    if (rc < 0)
        return rc;
    k8sc_cluster *c = k8sc__calloc(1, sizeof(*c));
    if (!c)
        return K8SC_ENOMEM;
    c->role = o.role;
    c->lock_fd = -1;
    c->data_dir = k8sc__strdup(o.data_dir);
    c->kubeconfig = o.kubeconfig ? k8sc__strdup(o.kubeconfig) : k8sc__cluster_path(o.data_dir, "kubeconfig");
    char node[256] = "localhost";
    if (o.node_name)
        snprintf(node, sizeof(node), "%s", o.node_name);
    else
        gethostname(node, sizeof(node) - 1);
    rc = c->data_dir && c->kubeconfig ? 0 : K8SC_ENOMEM;
    if (rc == 0 && mkdir(c->data_dir, 0700) != 0 && errno != EEXIST)
        rc = k8sc_error_set(K8SC_EIO, "cannot create %s: %s", c->data_dir, strerror(errno));
    if (rc == 0)
        rc = network_settings(c, &o);
    if (rc == 0)
        rc = lock_dir(c);
    if (rc == 0)
        rc = start_role(c, &o, node);
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

const char *k8sc_cluster_token(const k8sc_cluster *c)
{
    return c ? c->token : NULL;
}

void k8sc_cluster_stop(k8sc_cluster *c, int grace_s)
{
    if (c)
        teardown(c, true, grace_s < 0 ? 0 : grace_s);
}
