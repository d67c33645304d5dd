/*
 * The node API's read-only views: /stats/summary (the kubelet's Summary
 * API: node and per-pod container cpu/memory) and /pods, both from the
 * runtime's containers grouped by their pod labels.
 */
#include "node_server.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const char *label(const k8sc_container_status *c, const char *name)
{
    return k8sc_runtime_pair_get(c->labels, c->n_labels, name);
}

static struct json_object *time_json(int64_t ns)
{
    char buf[K8SC_TIME_BUFSIZE];
    if (k8sc_time_format(buf, sizeof(buf), ns / 1000000000) != 0)
        return NULL;
    return json_object_new_string(buf);
}

static struct json_object *cpu_json(int64_t ts, uint64_t usage_ns)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "time", time_json(ts));
    json_object_object_add(o, "usageCoreNanoSeconds", json_object_new_uint64(usage_ns));
    return o;
}

static struct json_object *mem_json(int64_t ts, uint64_t usage, uint64_t working_set)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "time", time_json(ts));
    json_object_object_add(o, "usageBytes", json_object_new_uint64(usage));
    json_object_object_add(o, "workingSetBytes", json_object_new_uint64(working_set));
    return o;
}

/* The machine's cpu time (all cpus, not idle) and memory in use, from /proc. */
static void node_usage(uint64_t *cpu_ns, uint64_t *mem_used, uint64_t *working_set)
{
    *cpu_ns = *mem_used = *working_set = 0;
    FILE *f = fopen("/proc/stat", "re");
    if (f) {
        unsigned long long v[8] = { 0 };
        if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
                   &v[7]) == 8) {
            long hz = sysconf(_SC_CLK_TCK);
            uint64_t busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
            *cpu_ns = busy * (1000000000ULL / (uint64_t)(hz > 0 ? hz : 100));
        }
        fclose(f);
    }
    f = fopen("/proc/meminfo", "re");
    if (!f)
        return;
    char line[128];
    unsigned long long total = 0, free_kb = 0, avail = 0, kb;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "MemTotal: %llu", &kb) == 1)
            total = kb;
        else if (sscanf(line, "MemFree: %llu", &kb) == 1)
            free_kb = kb;
        else if (sscanf(line, "MemAvailable: %llu", &kb) == 1)
            avail = kb;
    }
    fclose(f);
    *mem_used = (total - free_kb) * 1024;
    *working_set = (total - avail) * 1024;
}

/* The pod entry for a container's labels in `pods` (made on first use), or NULL without pod labels. */
static struct json_object *pod_entry(struct json_object *pods, const k8sc_container_status *c, int64_t now)
{
    const char *name = label(c, K8SC_LABEL_POD_NAME), *ns = label(c, K8SC_LABEL_POD_NAMESPACE);
    const char *uid = label(c, K8SC_LABEL_POD_UID);
    if (!name || !ns)
        return NULL;
    for (size_t i = 0; i < json_object_array_length(pods); i++) {
        struct json_object *p = json_object_array_get_idx(pods, i);
        struct json_object *ref = k8sc__json_member(p, "podRef");
        if (strcmp(k8sc__json_string(ref, "name"), name) == 0 && strcmp(k8sc__json_string(ref, "namespace"), ns) == 0)
            return p;
    }
    struct json_object *p = json_object_new_object(), *ref = json_object_new_object();
    json_object_object_add(ref, "name", json_object_new_string(name));
    json_object_object_add(ref, "namespace", json_object_new_string(ns));
    json_object_object_add(ref, "uid", json_object_new_string(uid ? uid : ""));
    json_object_object_add(p, "podRef", ref);
    json_object_object_add(p, "startTime", time_json(c->created_at ? c->created_at : now));
    json_object_object_add(p, "containers", json_object_new_array());
    json_object_object_add(p, "cpu", cpu_json(now, 0));
    json_object_object_add(p, "memory", mem_json(now, 0, 0));
    json_object_array_add(pods, p);
    return p;
}

static void add_to(struct json_object *obj, const char *key, uint64_t n)
{
    struct json_object *v = k8sc__json_member(obj, key);
    json_object_set_uint64(v, json_object_get_uint64(v) + n);
}

int k8sc__node_stats_summary(k8sc_runtime *rt, char **out)
{
    *out = NULL;
    k8sc_container_status **list = NULL;
    size_t n = 0;
    int rc = k8sc_runtime_list_containers(rt, &list, &n, NULL);
    if (rc != 0)
        return rc;
    int64_t now = k8sc_clock_now(NULL);
    struct json_object *root = json_object_new_object(), *node = json_object_new_object();
    struct json_object *pods = json_object_new_array();
    char host[256] = "";
    gethostname(host, sizeof(host) - 1);
    uint64_t cpu, mem, ws;
    node_usage(&cpu, &mem, &ws);
    json_object_object_add(node, "nodeName", json_object_new_string(host));
    json_object_object_add(node, "cpu", cpu_json(now, cpu));
    json_object_object_add(node, "memory", mem_json(now, mem, ws));
    for (size_t i = 0; i < n; i++) {
        k8sc_container_status *c = list[i];
        k8sc_container_stats st;
        if (c->state != K8SC_CONTAINER_RUNNING || k8sc_runtime_container_stats(rt, &st, c->id) != 0)
            continue;
        struct json_object *p = pod_entry(pods, c, now);
        if (!p)
            continue;
        struct json_object *ce = json_object_new_object();
        json_object_object_add(ce, "name", json_object_new_string(c->name));
        json_object_object_add(ce, "startTime", time_json(c->started_at));
        json_object_object_add(ce, "cpu", cpu_json(st.timestamp, st.cpu_usage_ns));
        json_object_object_add(ce, "memory", mem_json(st.timestamp, st.memory_usage_bytes, st.memory_working_set_bytes));
        json_object_array_add(k8sc__json_member(p, "containers"), ce);
        add_to(k8sc__json_member(p, "cpu"), "usageCoreNanoSeconds", st.cpu_usage_ns);
        add_to(k8sc__json_member(p, "memory"), "usageBytes", st.memory_usage_bytes);
        add_to(k8sc__json_member(p, "memory"), "workingSetBytes", st.memory_working_set_bytes);
    }
    json_object_object_add(root, "node", node);
    json_object_object_add(root, "pods", pods);
    *out = k8sc__strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
    json_object_put(root);
    k8sc_container_status_list_free(list, n);
    return *out ? 0 : K8SC_ENOMEM;
}

int k8sc__node_pods(k8sc_runtime *rt, char **out)
{
    *out = NULL;
    k8sc_sandbox_status **list = NULL;
    size_t n = 0;
    int rc = k8sc_runtime_list_sandboxes(rt, &list, &n);
    if (rc != 0)
        return rc;
    struct json_object *root = json_object_new_object(), *items = json_object_new_array();
    json_object_object_add(root, "kind", json_object_new_string("PodList"));
    json_object_object_add(root, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(root, "metadata", json_object_new_object());
    for (size_t i = 0; i < n; i++) {
        if (list[i]->state != K8SC_SANDBOX_READY)
            continue;
        struct json_object *pod = json_object_new_object(), *meta = json_object_new_object();
        json_object_object_add(meta, "name", json_object_new_string(list[i]->name));
        json_object_object_add(meta, "namespace", json_object_new_string(list[i]->namespace_));
        json_object_object_add(meta, "uid", json_object_new_string(list[i]->uid));
        json_object_object_add(pod, "metadata", meta);
        json_object_array_add(items, pod);
    }
    json_object_object_add(root, "items", items);
    *out = k8sc__strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
    json_object_put(root);
    k8sc_sandbox_status_list_free(list, n);
    return *out ? 0 : K8SC_ENOMEM;
}
