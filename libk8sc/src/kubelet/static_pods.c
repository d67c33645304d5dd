/*
 * Static pods: manifests in --pod-manifest-path, each run as a pod named
 * "<name>-<node>" with a mirror pod in the API (annotation
 * kubernetes.io/config.mirror with the manifest's hash, owned by the
 * Node). A changed manifest replaces its pod; a removed one deletes it;
 * a deleted mirror pod comes back. Unlike Kubernetes, the pod runs from
 * its mirror, so static pods need the API server.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "k8sc/codec.h"
#include "kubelet_internal.h"

#define MIRROR_ANNOTATION_PATH "kubernetes\\.io/config\\.mirror"

/* FNV-1a of the manifest text, as a hex string (the config hash). */
static void hash_text(char out[17], const char *text, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 1099511628211ULL;
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* The mirror pod a manifest file asks for (NULL with a logged reason if it is not one pod). */
static k8sc_object *mirror_of(k8sc_kubelet *k, const char *path, const char *node_uid)
{
    size_t len = 0;
    char *text = NULL;
    if (k8sc__read_file(&text, &len, path, 1 << 20) != 0)
        return NULL;
    k8sc_object **objs = NULL;
    size_t n = 0;
    k8sc_object *pod = NULL;
    if (k8sc_manifest_decode(&objs, &n, text, len) != 0 || n != 1 ||
        strcmp(k8sc_object_kind(objs[0]) ? k8sc_object_kind(objs[0]) : "", "Pod") != 0) {
        k8sc_log(K8SC_LOG_WARN, "kubelet: static pod manifest %s: not one Pod (%s)", path,
                 n == 1 ? "another kind" : k8sc_error_last());
    } else {
        pod = k8sc_object_ref(objs[0]);
        char hash[17], name[320];
        hash_text(hash, text, len);
        snprintf(name, sizeof(name), "%s-%s", k8sc_object_name(pod) ? k8sc_object_name(pod) : "", k->node_name);
        json_object *owner = json_object_new_object();
        json_object_object_add(owner, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(owner, "kind", json_object_new_string("Node"));
        json_object_object_add(owner, "name", json_object_new_string(k->node_name));
        json_object_object_add(owner, "uid", json_object_new_string(node_uid));
        json_object_object_add(owner, "controller", json_object_new_boolean(true));
        json_object *owners = json_object_new_array();
        json_object_array_add(owners, owner);
        if (k8sc_object_set_name(pod, name) != 0 ||
            (!k8sc_object_namespace(pod) && k8sc_object_set_namespace(pod, "default") != 0) ||
            k8sc_object_set_string(pod, "spec.nodeName", k->node_name) != 0 ||
            k8sc_object_set_string(pod, "metadata.annotations." MIRROR_ANNOTATION_PATH, hash) != 0 ||
            k8sc_object_set_string(pod, "metadata.annotations.kubernetes\\.io/config\\.hash", hash) != 0 ||
            k8sc_object_set_string(pod, "metadata.annotations.kubernetes\\.io/config\\.source", "file") != 0 ||
            k8sc_object_set(pod, "metadata.ownerReferences", owners) != 0) {
            k8sc_object_free(pod);
            pod = NULL;
        }
    }
    k8sc_objects_free(objs, n);
    free(text);
    return pod;
}

/* Make the API's mirror pods match the manifest directory. */
int k8sc__kl_static_pods(k8sc_kubelet *k, const char *node_uid)
{
    if (!k->pod_manifest_path)
        return 0;
    DIR *d = opendir(k->pod_manifest_path);
    if (!d)
        return k8sc_error_set(K8SC_EIO, "cannot read --pod-manifest-path %s", k->pod_manifest_path);
    json_object *wanted = json_object_new_object();
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || !(n > 5 && (strcmp(e->d_name + n - 5, ".yaml") == 0 ||
                                              strcmp(e->d_name + n - 4, ".yml") == 0 ||
                                              strcmp(e->d_name + n - 5, ".json") == 0)))
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", k->pod_manifest_path, e->d_name);
        k8sc_object *pod = mirror_of(k, path, node_uid);
        if (!pod)
            continue;
        k8sc_object *cur = NULL;
        const char *hash = k8sc_object_get_string(pod, "metadata.annotations." MIRROR_ANNOTATION_PATH);
        int rc = k8sc_client_get(&cur, k->client, K8SC_POD, k8sc_object_namespace(pod), k8sc_object_name(pod));
        const char *cur_hash = cur ? k8sc_object_get_string(cur, "metadata.annotations." MIRROR_ANNOTATION_PATH) : NULL;
        if (rc == K8SC_ENOTFOUND) {
            if (k8sc_client_create(NULL, k->client, pod) != 0)
                k8sc_log(K8SC_LOG_WARN, "kubelet: mirror pod %s: %s", k8sc_object_name(pod), k8sc_error_last());
        } else if (rc == 0 && (!cur_hash || strcmp(cur_hash, hash) != 0) &&
                   !k8sc_object_get(cur, "metadata.deletionTimestamp")) {
            /* The manifest changed: the old pod goes, the new one comes on a later pass. */
            k8sc_delete_options del = K8SC_DELETE_OPTIONS_INIT;
            del.precondition_uid = k8sc_object_uid(cur);
            k8sc_client_delete(NULL, k->client, K8SC_POD, k8sc_object_namespace(cur), k8sc_object_name(cur), &del);
        }
        char key[640];
        snprintf(key, sizeof(key), "%s/%s", k8sc_object_namespace(pod), k8sc_object_name(pod));
        json_object_object_add(wanted, key, NULL);
        k8sc_object_free(cur);
        k8sc_object_free(pod);
    }
    closedir(d);
    /* Mirror pods whose manifest is gone. */
    k8sc_cache *cache = k8sc_controller_cache(k->pods, K8SC_POD);
    k8sc_object **pods = NULL;
    size_t n = 0;
    if (cache && k8sc_cache_list(&pods, &n, cache, NULL, NULL) == 0) {
        for (size_t i = 0; i < n; i++) {
            char key[640];
            snprintf(key, sizeof(key), "%s/%s", k8sc_object_namespace(pods[i]), k8sc_object_name(pods[i]));
            if (!k8sc_object_get_string(pods[i], "metadata.annotations." MIRROR_ANNOTATION_PATH) ||
                json_object_object_get_ex(wanted, key, NULL) || k8sc_object_get(pods[i], "metadata.deletionTimestamp"))
                continue;
            k8sc_client_delete(NULL, k->client, K8SC_POD, k8sc_object_namespace(pods[i]), k8sc_object_name(pods[i]),
                               NULL);
        }
        k8sc_cache_items_free(pods, n);
    }
    json_object_put(wanted);
    return 0;
}
