/*
 * Kubelet fuzzer: the input is a Pod (JSON or YAML) bound to the node. If
 * the API server accepts it, a kubelet on the fake runtime syncs it a few
 * times (containers, env, volumes, probes, status), then it is deleted
 * and synced away. Whatever the API server accepted must never crash or
 * leak the kubelet. hostPath volumes and memory-backed emptyDirs are
 * dropped first: they would touch the host's file systems.
 */
#include <json-c/json.h>
#include <k8sc/k8sc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kubelet/kubelet_internal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static char dir[64];

static void make_safe(k8sc_object *pod)
{
    json_object *vols = k8sc_object_get(pod, "spec.volumes");
    if (!vols || !json_object_is_type(vols, json_type_array))
        return;
    for (size_t i = 0; i < json_object_array_length(vols); i++) {
        json_object *v = json_object_array_get_idx(vols, i);
        if (!json_object_is_type(v, json_type_object))
            continue;
        json_object_object_del(v, "hostPath");
        json_object *ed = NULL;
        if (json_object_object_get_ex(v, "emptyDir", &ed) && json_object_is_type(ed, json_type_object))
            json_object_object_del(ed, "medium");
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/k8sc-fuzz-kubelet-%d", (int)getpid());
        k8sc_log_set_handler(NULL, K8SC_LOG_ERROR, NULL);
    }
    k8sc_object **objs = NULL;
    size_t n = 0;
    if (k8sc_manifest_decode(&objs, &n, (const char *)data, size) != 0 || n != 1) {
        k8sc_objects_free(objs, n);
        return 0;
    }
    k8sc_object *pod = objs[0];
    k8sc_object_set_api_version(pod, "v1");
    k8sc_object_set_kind(pod, "Pod");
    k8sc_object_set_namespace(pod, "default");
    if (!k8sc_object_name(pod))
        k8sc_object_set_name(pod, "fuzz");
    k8sc_object_set_string(pod, "spec.nodeName", "fuzz-node");
    make_safe(pod);

    k8sc_clock *clock = NULL;
    k8sc_store *store = NULL;
    k8sc_apiserver *srv = NULL;
    k8sc_client *client = NULL;
    k8sc_runtime *rt = NULL;
    k8sc_kubelet *k = NULL;
    k8sc_clock_fake_new(&clock, 1700000000LL * 1000000000LL);
    k8sc_store_open(&store, "memory://", NULL);
    k8sc_apiserver_options ao = K8SC_APISERVER_OPTIONS_INIT;
    ao.store = store;
    ao.clock = clock;
    k8sc_runtime_options ro = K8SC_RUNTIME_OPTIONS_INIT;
    ro.clock = clock;
    k8sc_kubelet_options ko = K8SC_KUBELET_OPTIONS_INIT;
    ko.node_name = "fuzz-node";
    ko.clock = clock;
    ko.data_dir = dir;
    ko.port = -1;
    if (store && k8sc_apiserver_new(&srv, &ao) == 0 && k8sc_client_new_in_process(&client, srv) == 0 &&
        k8sc_runtime_open(&rt, "fake", &ro) == 0 && (ko.runtime = rt, k8sc_kubelet_new(&k, client, &ko)) == 0 &&
        k8sc_client_create(NULL, client, pod) == 0) {
        for (int i = 0; i < 4; i++) {
            if (k8sc_kubelet_process(k) < 0)
                abort();
            k8sc_clock_fake_advance(clock, 3LL * 1000000000LL);
        }
        k8sc_delete_options del = K8SC_DELETE_OPTIONS_INIT;
        del.grace_period_seconds = 0;
        k8sc_client_delete(NULL, client, "v1", "Pod", "default", k8sc_object_name(pod), &del);
        for (int i = 0; i < 3; i++) {
            k8sc_kubelet_process(k);
            k8sc_clock_fake_advance(clock, 2LL * 1000000000LL);
        }
    }
    k8sc_kubelet_free(k);
    k8sc_runtime_close(rt);
    k8sc_client_free(client);
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
    k8sc_clock_free(clock);
    k8sc_objects_free(objs, n);
    k8sc__kl_remove_tree(dir);
    return 0;
}
