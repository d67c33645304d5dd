/*
 * The pod network of docker sandboxes: the pause container runs with
 * network "none" and its namespace, pinned at "<root_dir>/netns/<id>"
 * (k8sc's runtime root, not Docker's), is ADDed to the CNI network. Docker
 * keeps no record of it: the CNI result cache says whether a sandbox is
 * attached and with which address.
 */
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"

static char *netns_dir(const k8sc__docker *d)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/netns", d->state_dir);
    char *dir = k8sc__buf_status(&b) ? NULL : k8sc__buf_detach(&b, NULL);
    k8sc__buf_free(&b);
    return dir;
}

int k8sc__docker_network_setup(k8sc__docker *d, const char *id, const k8sc_sandbox_config *cfg)
{
    if (!d->cni.conf_dir || cfg->host_network)
        return 0;
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/containers/%s/json", id);
    json_object *j = NULL;
    int rc = k8sc__buf_status(&path) ? K8SC_ENOMEM : k8sc__docker_json(d, "GET", path.ptr, NULL, &j, 0);
    k8sc__buf_free(&path);
    int pid = json_object_get_int(k8sc__json_member(k8sc__json_member(j, "State"), "Pid"));
    json_object_put(j);
    if (rc == 0 && pid <= 0)
        rc = k8sc_error_set(K8SC_EIO, "sandbox %s: its pause container is not running", id);
    char *dir = rc == 0 ? netns_dir(d) : NULL;
    char *netns = NULL;
    if (rc == 0)
        rc = dir ? k8sc__cni_netns_pin(&netns, dir, id, pid) : K8SC_ENOMEM;
    free(dir);
    if (rc != 0)
        return rc;
    k8sc__cni_pod pod = { 0 };
    pod.container_id = id;
    pod.netns = netns;
    pod.pod_namespace = cfg->namespace_;
    pod.pod_name = cfg->name;
    pod.pod_uid = cfg->uid;
    pod.port_mappings = cfg->port_mappings;
    pod.n_port_mappings = cfg->n_port_mappings;
    rc = k8sc__cni_add(&d->cni, NULL, &pod);
    if (rc != 0)
        k8sc__cni_netns_unpin(netns);
    free(netns);
    return rc;
}

int k8sc__docker_network_teardown(k8sc__docker *d, const char *id, const char *ns, const char *name, const char *uid)
{
    bool attached = false;
    int rc = k8sc__cni_cached_ip(&d->cni, &attached, NULL, id);
    char *dir = rc == 0 ? netns_dir(d) : NULL;
    k8sc__buf netns = K8SC__BUF_INIT;
    if (dir)
        k8sc__buf_printf(&netns, "%s/%s", dir, id);
    free(dir);
    if (rc == 0 && k8sc__buf_status(&netns))
        rc = K8SC_ENOMEM;
    if (rc == 0 && attached) {
        k8sc__cni_pod pod = { 0 };
        pod.container_id = id;
        pod.netns = netns.ptr;
        pod.pod_namespace = ns;
        pod.pod_name = name;
        pod.pod_uid = uid;
        rc = k8sc__cni_del(&d->cni, &pod);
    }
    if (rc == 0)
        k8sc__cni_netns_unpin(netns.ptr);
    k8sc__buf_free(&netns);
    return rc;
}
