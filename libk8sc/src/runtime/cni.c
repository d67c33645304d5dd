/*
 * The CNI operations on a configuration list, as libcni does them: ADD
 * through the plugins in order with prevResult chained, DEL in reverse
 * with the cached result, CHECK in order; runtimeConfig carries the
 * capabilities a plugin declares. The cache ("<cache_dir>/results/
 * <container>-<ifname>") keeps the configuration, the capability
 * arguments and the result of each ADD until its DEL.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cni_internal.h"
#include "internal.h"

#define CACHE_KIND "cniCacheV1"

static const char *ifname_of(const k8sc__cni_pod *pod)
{
    return pod->ifname ? pod->ifname : "eth0";
}

static int check_pod(const k8sc__cni_pod *pod)
{
    const char *id = pod->container_id;
    const char *ifname = ifname_of(pod);
    if (!id || !id[0] || strchr(id, '/') || id[0] == '.' || !ifname[0] || strchr(ifname, '/'))
        return k8sc_error_set(K8SC_EINVAL, "CNI: invalid container id or interface name");
    return 0;
}

static char *cache_path(const k8sc__cni *c, const k8sc__cni_pod *pod, const char *suffix)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/results/%s-%s%s", c->cache_dir, pod->container_id, ifname_of(pod), suffix);
    char *path = k8sc__buf_status(&b) ? NULL : k8sc__buf_detach(&b, NULL);
    k8sc__buf_free(&b);
    return path;
}

static int cache_write(const k8sc__cni *c, const k8sc__cni_pod *pod, json_object *entry)
{
    k8sc__buf dir = K8SC__BUF_INIT;
    k8sc__buf_printf(&dir, "%s/results", c->cache_dir);
    int rc = k8sc__buf_status(&dir);
    if (rc == 0)
        rc = k8sc__mkdirs(dir.ptr, 0700);
    k8sc__buf_free(&dir);
    char *path = cache_path(c, pod, "");
    char *tmp = cache_path(c, pod, ".tmp");
    if (rc == 0 && (!path || !tmp))
        rc = K8SC_ENOMEM;
    if (rc == 0 && json_object_to_file_ext(tmp, entry, JSON_C_TO_STRING_PLAIN) != 0)
        rc = k8sc_error_set(K8SC_EIO, "CNI cache: writing %s: %s", tmp, strerror(errno));
    if (rc == 0 && rename(tmp, path) != 0)
        rc = k8sc_error_set(K8SC_EIO, "CNI cache: renaming %s: %s", tmp, strerror(errno));
    if (rc != 0 && tmp)
        unlink(tmp);
    free(path);
    free(tmp);
    return rc;
}

/* The cached entry of the pod's attachment, or NULL. */
static json_object *cache_read(const k8sc__cni *c, const k8sc__cni_pod *pod)
{
    char *path = cache_path(c, pod, "");
    json_object *entry = path && access(path, F_OK) == 0 ? json_object_from_file(path) : NULL;
    free(path);
    if (entry && (!json_object_is_type(entry, json_type_object) ||
                  !k8sc__json_string(entry, "kind") || strcmp(k8sc__json_string(entry, "kind"), CACHE_KIND) != 0)) {
        json_object_put(entry);
        entry = NULL;
    }
    return entry;
}

/* The configuration list of a cached entry, validated again as a file would be. */
static int cached_list(json_object **out, json_object *entry)
{
    json_object *list = k8sc__json_member(entry, "config");
    const char *text = list ? json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN) : "";
    return k8sc__cni_parse(out, text, strlen(text), "(cached result)", true);
}

static void cache_remove(const k8sc__cni *c, const k8sc__cni_pod *pod)
{
    char *path = cache_path(c, pod, "");
    if (path)
        unlink(path);
    free(path);
}

static const char *protocol_of(const char *p)
{
    if (!p || !p[0] || strcasecmp(p, "TCP") == 0)
        return "tcp";
    if (strcasecmp(p, "UDP") == 0)
        return "udp";
    if (strcasecmp(p, "SCTP") == 0)
        return "sctp";
    return p;
}

/* The capability arguments the runtime offers: {"portMappings": [...]}, as containerd passes them. */
static json_object *capability_args(const k8sc__cni_pod *pod)
{
    json_object *args = json_object_new_object();
    json_object *maps = json_object_new_array();
    for (size_t i = 0; i < pod->n_port_mappings; i++) {
        const k8sc_runtime_port_mapping *pm = &pod->port_mappings[i];
        json_object *m = json_object_new_object();
        json_object_object_add(m, "hostPort", json_object_new_int(pm->host_port));
        json_object_object_add(m, "containerPort", json_object_new_int(pm->container_port));
        json_object_object_add(m, "protocol", json_object_new_string(protocol_of(pm->protocol)));
        if (pm->host_ip && pm->host_ip[0])
            json_object_object_add(m, "hostIP", json_object_new_string(pm->host_ip));
        json_object_array_add(maps, m);
    }
    json_object_object_add(args, "portMappings", maps);
    return args;
}

/*
 * The stdin of one plugin: its configuration with the list's name and
 * cniVersion, prevResult, and runtimeConfig holding only the
 * capabilities it declares (libcni's buildOneConfig). Caller frees.
 */
static char *plugin_conf(json_object *list, json_object *plugin, json_object *prev, json_object *caps)
{
    json_object *conf = json_object_new_object();
    if (!conf)
        return NULL;
    json_object_object_foreach(plugin, key, value) {
        if (strcmp(key, "runtimeConfig") != 0 && strcmp(key, "prevResult") != 0)
            json_object_object_add(conf, key, json_object_get(value));
    }
    json_object_object_add(conf, "name", json_object_new_string(k8sc__json_string(list, "name")));
    json_object_object_add(conf, "cniVersion", json_object_new_string(k8sc__json_string(list, "cniVersion")));
    if (prev)
        json_object_object_add(conf, "prevResult", json_object_get(prev));
    json_object *rtc = NULL;
    json_object *declared = k8sc__json_member(plugin, "capabilities");
    if (json_object_is_type(declared, json_type_object)) {
        json_object_object_foreach(declared, cap, on) {
            json_object *arg = k8sc__json_member(caps, cap);
            if (!json_object_get_boolean(on) || !arg)
                continue;
            if (!rtc)
                rtc = json_object_new_object();
            json_object_object_add(rtc, cap, json_object_get(arg));
        }
    }
    if (rtc)
        json_object_object_add(conf, "runtimeConfig", rtc);
    const char *text = json_object_to_json_string_ext(conf, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *copy = text ? k8sc__strdup(text) : NULL;
    json_object_put(conf);
    return copy;
}

static int exec_one(json_object **result, const k8sc__cni *c, json_object *list, size_t i, const char *command,
                    const k8sc__cni_pod *pod, json_object *prev, json_object *caps)
{
    json_object *plugin = json_object_array_get_idx(k8sc__json_member(list, "plugins"), i);
    char *conf = plugin_conf(list, plugin, prev, caps);
    if (!conf)
        return k8sc__error_nomem();
    int rc = k8sc__cni_exec(result, c, k8sc__json_string(plugin, "type"), command, pod, conf);
    free(conf);
    return rc;
}

/*
 * DEL through the list in reverse. A failing plugin does not keep the
 * others from releasing what they hold (an address above all); the first
 * error is returned.
 */
static int del_list(const k8sc__cni *c, json_object *list, const k8sc__cni_pod *pod, json_object *prev,
                    json_object *caps)
{
    size_t n = json_object_array_length(k8sc__json_member(list, "plugins"));
    int rc = 0;
    char first[1024] = "";
    for (size_t i = n; i > 0; i--) {
        json_object *out = NULL;
        int r = exec_one(&out, c, list, i - 1, "DEL", pod, prev, caps);
        json_object_put(out);
        if (r != 0 && rc == 0) {
            rc = r;
            snprintf(first, sizeof(first), "%s", k8sc_error_last());
        }
    }
    return rc == 0 ? 0 : k8sc_error_set(rc, "%s", first);
}

/* The pod's address in an ADD result: of the first interface in the sandbox, else the first one; no prefix. */
static int result_ip(char **out, json_object *result)
{
    *out = NULL;
    const char *addr = NULL;
    json_object *ips = k8sc__json_member(result, "ips");
    json_object *ifaces = k8sc__json_member(result, "interfaces");
    size_t n = json_object_is_type(ips, json_type_array) ? json_object_array_length(ips) : 0;
    for (size_t i = 0; i < n && !addr; i++) {
        json_object *ip = json_object_array_get_idx(ips, i);
        json_object *idx = k8sc__json_member(ip, "interface");
        json_object *iface = idx && json_object_is_type(ifaces, json_type_array)
                                 ? json_object_array_get_idx(ifaces, (size_t)json_object_get_int(idx))
                                 : NULL;
        const char *sandbox = k8sc__json_string(iface, "sandbox");
        if (sandbox && sandbox[0])
            addr = k8sc__json_string(ip, "address");
    }
    if (!addr && n > 0)
        addr = k8sc__json_string(json_object_array_get_idx(ips, 0), "address");
    if (!addr)
        addr = k8sc__json_string(k8sc__json_member(result, "ip4"), "ip");
    if (!addr)
        return 0;
    *out = k8sc__strndup(addr, strcspn(addr, "/"));
    return *out ? 0 : K8SC_ENOMEM;
}

int k8sc__cni_add(const k8sc__cni *c, char **ip, const k8sc__cni_pod *pod)
{
    if (ip)
        *ip = NULL;
    int rc = check_pod(pod);
    if (rc != 0)
        return rc;
    if (!c->conf_dir)
        return k8sc_error_set(K8SC_EINVAL, "CNI: the runtime has no pod network");
    json_object *list = NULL;
    if ((rc = k8sc__cni_load(&list, c->conf_dir)) != 0)
        return rc;
    json_object *caps = capability_args(pod);
    json_object *prev = NULL;
    size_t n = json_object_array_length(k8sc__json_member(list, "plugins"));
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_object *out = NULL;
        rc = exec_one(&out, c, list, i, "ADD", pod, prev, caps);
        if (rc == 0 && out) {
            json_object_put(prev);
            prev = out;
        }
    }
    json_object *entry = NULL;
    if (rc == 0) {
        entry = json_object_new_object();
        json_object_object_add(entry, "kind", json_object_new_string(CACHE_KIND));
        json_object_object_add(entry, "containerId", json_object_new_string(pod->container_id));
        json_object_object_add(entry, "ifName", json_object_new_string(ifname_of(pod)));
        json_object_object_add(entry, "networkName", json_object_new_string(k8sc__json_string(list, "name")));
        json_object_object_add(entry, "config", json_object_get(list));
        json_object_object_add(entry, "capabilities", json_object_get(caps));
        if (prev)
            json_object_object_add(entry, "result", json_object_get(prev));
        rc = cache_write(c, pod, entry);
    }
    if (rc == 0 && ip)
        rc = result_ip(ip, prev);
    if (rc != 0) {
        /* Whatever the plugins made so far goes again, as containerd cleans up a failed setup. */
        char saved[1024];
        snprintf(saved, sizeof(saved), "%s", k8sc_error_last());
        del_list(c, list, pod, NULL, caps);
        cache_remove(c, pod);
        rc = k8sc_error_set(rc, "%s", saved);
    }
    json_object_put(entry);
    json_object_put(prev);
    json_object_put(caps);
    json_object_put(list);
    return rc;
}

int k8sc__cni_del(const k8sc__cni *c, const k8sc__cni_pod *pod)
{
    int rc = check_pod(pod);
    if (rc != 0)
        return rc;
    json_object *entry = cache_read(c, pod);
    json_object *list = NULL;
    if (entry) {
        rc = cached_list(&list, entry);
    } else if (!c->conf_dir || k8sc__cni_load(&list, c->conf_dir) != 0) {
        /* Nothing was attached through us and there is no network to detach from. */
        json_object_put(entry);
        return 0;
    }
    json_object *caps = entry && k8sc__json_member(entry, "capabilities")
                            ? json_object_get(k8sc__json_member(entry, "capabilities"))
                            : capability_args(pod);
    if (rc == 0)
        rc = del_list(c, list, pod, k8sc__json_member(entry, "result"), caps);
    if (rc == 0)
        cache_remove(c, pod);
    json_object_put(caps);
    json_object_put(list);
    json_object_put(entry);
    return rc;
}

static bool supports_check(const char *version)
{
    return version && strcmp(version, "0.4.0") >= 0;
}

int k8sc__cni_check(const k8sc__cni *c, const k8sc__cni_pod *pod)
{
    int rc = check_pod(pod);
    if (rc != 0)
        return rc;
    json_object *entry = cache_read(c, pod);
    if (!entry)
        return k8sc_error_set(K8SC_ENOTFOUND, "CNI: no cached result for %s/%s to check", pod->container_id,
                              ifname_of(pod));
    json_object *list = NULL;
    if ((rc = cached_list(&list, entry)) != 0) {
        json_object_put(entry);
        return rc;
    }
    json_object *v = k8sc__json_member(list, "disableCheck");
    if (supports_check(k8sc__json_string(list, "cniVersion")) && !(v && json_object_get_boolean(v))) {
        size_t n = json_object_array_length(k8sc__json_member(list, "plugins"));
        json_object *caps = k8sc__json_member(entry, "capabilities");
        for (size_t i = 0; rc == 0 && i < n; i++) {
            json_object *out = NULL;
            rc = exec_one(&out, c, list, i, "CHECK", pod, k8sc__json_member(entry, "result"), caps);
            json_object_put(out);
        }
    }
    json_object_put(list);
    json_object_put(entry);
    return rc;
}

int k8sc__cni_cached_ip(const k8sc__cni *c, bool *attached, char **ip, const char *container_id)
{
    *attached = false;
    if (ip)
        *ip = NULL;
    k8sc__cni_pod pod = { 0 };
    pod.container_id = container_id;
    if (check_pod(&pod) != 0)
        return 0;
    json_object *entry = cache_read(c, &pod);
    *attached = entry != NULL;
    int rc = entry && ip ? result_ip(ip, k8sc__json_member(entry, "result")) : 0;
    json_object_put(entry);
    return rc;
}
