/*
 * The kubelet's Node: registration, the Lease in kube-node-lease (renewed
 * every 10 s) and the status (written when it changes, else every minute).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "kubelet_internal.h"

static int register_node(k8sc_kubelet *k)
{
    k8sc_object *node = NULL;
    int rc = k8sc_client_get(&node, k->client, K8SC_NODE, "", k->node_name);
    k8sc_object_free(node);
    if (rc != K8SC_ENOTFOUND)
        return rc;
    if (!k->register_node)
        return k8sc_error_set(K8SC_ENOTFOUND, "waiting for node %s to be created (--register-node=false)",
                              k->node_name);
    rc = k8sc_object_new(&node, K8SC_NODE);
    if (rc != 0)
        return rc;
    json_object *labels = json_object_new_object();
    json_object_object_add(labels, "beta.kubernetes.io/arch", json_object_new_string("amd64"));
    json_object_object_add(labels, "beta.kubernetes.io/os", json_object_new_string("linux"));
    json_object_object_add(labels, "kubernetes.io/arch", json_object_new_string("amd64"));
    json_object_object_add(labels, "kubernetes.io/hostname", json_object_new_string(k->node_name));
    json_object_object_add(labels, "kubernetes.io/os", json_object_new_string("linux"));
    json_object_object_foreach(k->node_labels, key, value)
        json_object_object_add(labels, key, json_object_get(value));
    rc = k8sc_object_set_name(node, k->node_name);
    if (rc == 0)
        rc = k8sc_object_set(node, "metadata.labels", labels);
    else
        json_object_put(labels);
    if (rc == 0 && json_object_array_length(k->taints) > 0)
        rc = k8sc_object_set(node, "spec.taints", json_object_get(k->taints));
    if (rc == 0) {
        rc = k8sc_client_create(NULL, k->client, node);
        if (rc == 0)
            k8sc_log(K8SC_LOG_INFO, "kubelet: registered node %s", k->node_name);
        else if (rc == K8SC_EEXISTS)
            rc = 0;
    }
    k8sc_object_free(node);
    return rc;
}

static int renew_lease(k8sc_kubelet *k, const char *node_uid)
{
    char stamp[64];
    k8sc__format_micro(stamp, sizeof(stamp), k8sc_clock_now(k->clock));
    k8sc_object *lease = NULL;
    int rc = k8sc_client_get(&lease, k->client, K8SC_LEASE, "kube-node-lease", k->node_name);
    if (rc == K8SC_ENOTFOUND) {
        rc = k8sc_object_new(&lease, K8SC_LEASE);
        if (rc != 0)
            return rc;
        json_object *owner = json_object_new_object();
        json_object_object_add(owner, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(owner, "kind", json_object_new_string("Node"));
        json_object_object_add(owner, "name", json_object_new_string(k->node_name));
        json_object_object_add(owner, "uid", json_object_new_string(node_uid ? node_uid : ""));
        json_object *owners = json_object_new_array();
        json_object_array_add(owners, owner);
        if ((rc = k8sc_object_set_name(lease, k->node_name)) == 0 &&
            (rc = k8sc_object_set_namespace(lease, "kube-node-lease")) == 0 &&
            (rc = k8sc_object_set(lease, "metadata.ownerReferences", node_uid ? owners : NULL)) == 0 &&
            (rc = k8sc_object_set_string(lease, "spec.holderIdentity", k->node_name)) == 0 &&
            (rc = k8sc_object_set_int(lease, "spec.leaseDurationSeconds", KL_LEASE_DURATION_S)) == 0 &&
            (rc = k8sc_object_set_string(lease, "spec.renewTime", stamp)) == 0)
            rc = k8sc_client_create(NULL, k->client, lease);
        if (!node_uid)
            json_object_put(owners);
        k8sc_object_free(lease);
        return rc;
    }
    if (rc == 0 && (rc = k8sc_object_set_string(lease, "spec.renewTime", stamp)) == 0 &&
        (rc = k8sc_object_set_string(lease, "spec.holderIdentity", k->node_name)) == 0)
        rc = k8sc_client_update(NULL, k->client, lease);
    k8sc_object_free(lease);
    return rc;
}

json_object *k8sc__kl_allocatable(k8sc_kubelet *k)
{
    json_object *cap = k8sc__kl_machine_capacity(k->data_dir);
    if (!cap)
        return NULL;
    json_object_object_foreach(k->capacity, key, value)
        json_object_object_add(cap, key, json_object_get(value));
    return cap;
}

static void add_condition(json_object *conds, const char *type, bool on, const char *reason, const char *message)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "type", json_object_new_string(type));
    json_object_object_add(c, "status", json_object_new_string(on ? "True" : "False"));
    json_object_object_add(c, "reason", json_object_new_string(reason));
    json_object_object_add(c, "message", json_object_new_string(message));
    json_object_array_add(conds, c);
}

static int64_t mem_available_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    if (!f)
        return -1;
    char line[256];
    long long kib = -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "MemAvailable: %lld kB", &kib) == 1)
            break;
    fclose(f);
    return kib < 0 ? -1 : kib * 1024;
}

/* The images the runtime has, as node.status.images. */
static json_object *node_images(k8sc_kubelet *k)
{
    json_object *arr = json_object_new_array();
    k8sc_image **imgs = NULL;
    size_t n = 0;
    if (k8sc_runtime_list_images(k->rt, &imgs, &n) != 0)
        return arr;
    for (size_t i = 0; i < n && i < 50; i++) {
        json_object *names = json_object_new_array();
        for (size_t j = 0; j < imgs[i]->n_repo_digests; j++)
            json_object_array_add(names, json_object_new_string(imgs[i]->repo_digests[j]));
        for (size_t j = 0; j < imgs[i]->n_repo_tags; j++)
            json_object_array_add(names, json_object_new_string(imgs[i]->repo_tags[j]));
        if (json_object_array_length(names) == 0)
            json_object_array_add(names, json_object_new_string(imgs[i]->id));
        json_object *img = json_object_new_object();
        json_object_object_add(img, "names", names);
        json_object_object_add(img, "sizeBytes", json_object_new_int64((int64_t)imgs[i]->size));
        json_object_array_add(arr, img);
    }
    k8sc_image_list_free(imgs, n);
    return arr;
}

/*
 * Ask the runtime whether the pod network is ready (it reads the CNI
 * configuration directory) and keep the answer for the pod workers.
 */
static bool refresh_network(k8sc_kubelet *k, int64_t mono)
{
    bool ready = k8sc_runtime_network_ready(k->rt) == 0;
    pthread_mutex_lock(&k->lock);
    k->network_checked = true;
    k->network_ready = ready;
    k->network_checked_ns = mono;
    pthread_mutex_unlock(&k->lock);
    return ready;
}

bool k8sc__kl_network_ready(k8sc_kubelet *k)
{
    int64_t mono = k8sc_clock_mono(k->clock);
    pthread_mutex_lock(&k->lock);
    bool fresh = k->network_checked && mono - k->network_checked_ns < KL_NETWORK_EVERY_NS;
    bool ready = k->network_ready;
    pthread_mutex_unlock(&k->lock);
    return fresh ? ready : refresh_network(k, mono);
}

/* The status the node should have now, without timestamps. */
static json_object *desired_status(k8sc_kubelet *k)
{
    json_object *st = json_object_new_object();
    json_object *alloc = k8sc__kl_allocatable(k);
    json_object_object_add(st, "capacity", json_object_get(alloc));
    json_object_object_add(st, "allocatable", alloc);
    int64_t avail = mem_available_bytes();
    bool mem_pressure = avail >= 0 && avail < 100LL * 1024 * 1024;
    struct statvfs vfs;
    bool disk_pressure = statvfs(k->data_dir, &vfs) == 0 && vfs.f_blocks > 0 && vfs.f_bavail * 10 < vfs.f_blocks;
    json_object *conds = json_object_new_array();
    add_condition(conds, "MemoryPressure", mem_pressure,
                  mem_pressure ? "KubeletHasInsufficientMemory" : "KubeletHasSufficientMemory",
                  mem_pressure ? "kubelet has insufficient memory available" : "kubelet has sufficient memory available");
    add_condition(conds, "DiskPressure", disk_pressure, disk_pressure ? "KubeletHasDiskPressure" : "KubeletHasNoDiskPressure",
                  disk_pressure ? "kubelet has disk pressure" : "kubelet has no disk pressure");
    add_condition(conds, "PIDPressure", false, "KubeletHasSufficientPID", "kubelet has sufficient PID available");
    /* As the kubelet reports the CRI's NetworkReady=false (containerd's words for a CNI without a configuration). */
    bool network = refresh_network(k, k8sc_clock_mono(k->clock));
    add_condition(conds, "Ready", network, network ? "KubeletReady" : "KubeletNotReady",
                  network ? "kubelet is posting ready status" : K8SC__KL_NETWORK_NOT_READY);
    json_object_object_add(st, "conditions", conds);
    json_object *addrs = json_object_new_array();
    json_object *a = json_object_new_object();
    json_object_object_add(a, "type", json_object_new_string("InternalIP"));
    json_object_object_add(a, "address", json_object_new_string(k->node_ip));
    json_object_array_add(addrs, a);
    a = json_object_new_object();
    json_object_object_add(a, "type", json_object_new_string("Hostname"));
    json_object_object_add(a, "address", json_object_new_string(k->node_name));
    json_object_array_add(addrs, a);
    json_object_object_add(st, "addresses", addrs);
    json_object *ep = json_object_new_object(), *kep = json_object_new_object();
    json_object_object_add(kep, "Port", json_object_new_int(k->bound_port ? k->bound_port : (k->port > 0 ? k->port : 0)));
    json_object_object_add(ep, "kubeletEndpoint", kep);
    json_object_object_add(st, "daemonEndpoints", ep);
    json_object_object_add(st, "nodeInfo", k8sc__kl_node_info(k));
    json_object_object_add(st, "images", node_images(k));
    return st;
}

/*
 * Stamp the conditions: heartbeat now; transition time kept from the
 * node's current condition of the same type and status.
 */
static void stamp_conditions(json_object *st, const k8sc_object *node, const char *now)
{
    json_object *old = k8sc_object_get(node, "status.conditions");
    json_object *conds = k8sc__json_member(st, "conditions");
    for (size_t i = 0; i < json_object_array_length(conds); i++) {
        json_object *c = json_object_array_get_idx(conds, i);
        const char *type = k8sc__json_string(c, "type"), *status = k8sc__json_string(c, "status");
        const char *since = now;
        for (size_t j = 0; old && j < json_object_array_length(old); j++) {
            json_object *o = json_object_array_get_idx(old, j);
            if (strcmp(k8sc__json_string(o, "type") ? k8sc__json_string(o, "type") : "", type) == 0 &&
                strcmp(k8sc__json_string(o, "status") ? k8sc__json_string(o, "status") : "", status) == 0 &&
                k8sc__json_string(o, "lastTransitionTime"))
                since = k8sc__json_string(o, "lastTransitionTime");
        }
        json_object_object_add(c, "lastHeartbeatTime", json_object_new_string(now));
        json_object_object_add(c, "lastTransitionTime", json_object_new_string(since));
    }
}

static int update_status(k8sc_kubelet *k, k8sc_object *node, json_object *desired)
{
    char now[K8SC_TIME_BUFSIZE];
    k8sc_time_format(now, sizeof(now), k8sc_clock_now(k->clock) / 1000000000);
    json_object *st = NULL;
    json_object_deep_copy(desired, &st, NULL);
    if (!st)
        return k8sc__error_nomem();
    stamp_conditions(st, node, now);
    /* Keep what others own in the status (podCIDRs are spec; volumes and config are not ours). */
    json_object *old = k8sc_object_get(node, "status");
    if (old && json_object_is_type(old, json_type_object)) {
        json_object_object_foreach(old, key, value)
            if (!json_object_object_get_ex(st, key, NULL))
                json_object_object_add(st, key, json_object_get(value));
    }
    int rc = k8sc_object_set(node, "status", st);
    return rc ? rc : k8sc_client_update_status(NULL, k->client, node);
}

int k8sc__kl_heartbeat(k8sc_kubelet *k)
{
    pthread_mutex_lock(&k->lock);
    bool registered = k->registered;
    pthread_mutex_unlock(&k->lock);
    int rc = registered ? 0 : register_node(k);
    if (rc != 0)
        return rc;
    k8sc_object *node = NULL;
    rc = k8sc_client_get(&node, k->client, K8SC_NODE, "", k->node_name);
    if (rc == K8SC_ENOTFOUND) {
        /* Deleted under us: register again next time. */
        pthread_mutex_lock(&k->lock);
        k->registered = false;
        pthread_mutex_unlock(&k->lock);
    }
    if (rc != 0)
        return rc;
    json_object *desired = desired_status(k);
    int64_t mono = k8sc_clock_mono(k->clock);
    pthread_mutex_lock(&k->lock);
    k->registered = true;
    bool due = !k->last_node_status || !json_object_equal(k->last_node_status, desired) ||
               mono - k->last_status_ns >= KL_STATUS_EVERY_NS;
    pthread_mutex_unlock(&k->lock);
    if (due && (rc = update_status(k, node, desired)) == 0) {
        pthread_mutex_lock(&k->lock);
        json_object_put(k->last_node_status);
        k->last_node_status = json_object_get(desired);
        k->last_status_ns = mono;
        pthread_mutex_unlock(&k->lock);
    }
    if (rc == 0)
        rc = renew_lease(k, k8sc_object_uid(node));
    if (rc == 0 && k8sc__kl_static_pods(k, k8sc_object_uid(node)) != 0)
        k8sc_log(K8SC_LOG_WARN, "kubelet: static pods: %s", k8sc_error_last());
    json_object_put(desired);
    k8sc_object_free(node);
    return rc;
}
