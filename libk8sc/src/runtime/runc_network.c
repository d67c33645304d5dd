/*
 * The pod network of runc sandboxes. As containerd does, the pause's
 * network namespace is pinned by a bind mount at "<root>/netns/<id>", so
 * the CNI DEL still finds it after the pause has died (or the runtime
 * restarted); the sandbox record keeps the path, the address and whether
 * the network is attached.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cni_internal.h"
#include "internal.h"
#include "runc_internal.h"

static void pod_of(k8sc__cni_pod *pod, json_object *rec, const char *netns)
{
    memset(pod, 0, sizeof(*pod));
    pod->container_id = k8sc__json_string(rec, "id");
    pod->netns = netns;
    pod->pod_namespace = k8sc__json_string(rec, "namespace");
    pod->pod_name = k8sc__json_string(rec, "name");
    pod->pod_uid = k8sc__json_string(rec, "uid");
}

int k8sc__runc_network_setup(const runc *r, json_object *rec, pid_t pause, const k8sc_sandbox_config *cfg)
{
    if (!r->cni.conf_dir || cfg->host_network || cfg->netns_path)
        return 0;
    const char *id = k8sc__json_string(rec, "id");
    char *dir = k8sc__runc_path(r->root_dir, "netns");
    char *netns = NULL;
    int rc = dir ? k8sc__cni_netns_pin(&netns, dir, id, pause) : K8SC_ENOMEM;
    free(dir);
    if (rc != 0)
        return rc;
    k8sc__cni_pod pod;
    pod_of(&pod, rec, netns);
    pod.port_mappings = cfg->port_mappings;
    pod.n_port_mappings = cfg->n_port_mappings;
    char *ip = NULL;
    rc = k8sc__cni_add(&r->cni, &ip, &pod);
    if (rc == 0) {
        json_object_object_add(rec, "podNetns", json_object_new_string(netns));
        json_object_object_add(rec, "podNetwork", json_object_new_boolean(true));
        if (ip)
            json_object_object_add(rec, "ip", json_object_new_string(ip));
    } else {
        k8sc__cni_netns_unpin(netns);
    }
    free(ip);
    free(netns);
    return rc;
}

int k8sc__runc_network_teardown(const runc *r, json_object *rec, bool *changed)
{
    const char *netns = k8sc__json_string(rec, "podNetns");
    json_object *attached = k8sc__json_member(rec, "podNetwork");
    if (attached && json_object_get_boolean(attached)) {
        k8sc__cni_pod pod;
        pod_of(&pod, rec, netns);
        /* Also from a runtime opened without a pod network: the cache has what the ADD used. */
        int rc = k8sc__cni_del(&r->cni, &pod);
        if (rc != 0)
            return rc;
        json_object_object_add(rec, "podNetwork", json_object_new_boolean(false));
        *changed = true;
    }
    if (netns)
        k8sc__cni_netns_unpin(netns);
    return 0;
}

char *k8sc__runc_network_ip(json_object *rec)
{
    json_object *attached = k8sc__json_member(rec, "podNetwork");
    const char *ip = k8sc__json_string(rec, "ip");
    return attached && json_object_get_boolean(attached) && ip ? k8sc__strdup(ip) : NULL;
}
