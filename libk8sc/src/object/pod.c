/*
 * Pod specs, their containers, and the pod's effective requests and
 * limits as k8s.io/component-helpers/resource (PodRequests, PodLimits)
 * computes them for the scheduler and kubelet admission.
 */
#include "internal.h"
#include "k8sc/object.h"

#include <json-c/json.h>
#include <string.h>

/* Where each kind keeps its pod spec. */
static const struct {
    const char *kind;
    const char *path; /* for messages */
    const char *keys[6];
} spec_paths[] = {
    { "Pod", "spec", { "spec", NULL } },
    { "PodTemplate", "template.spec", { "template", "spec", NULL } },
    { "ReplicaSet", "spec.template.spec", { "spec", "template", "spec", NULL } },
    { "Deployment", "spec.template.spec", { "spec", "template", "spec", NULL } },
    { "ReplicationController", "spec.template.spec", { "spec", "template", "spec", NULL } },
    { "StatefulSet", "spec.template.spec", { "spec", "template", "spec", NULL } },
    { "DaemonSet", "spec.template.spec", { "spec", "template", "spec", NULL } },
    { "Job", "spec.template.spec", { "spec", "template", "spec", NULL } },
    { "CronJob", "spec.jobTemplate.spec.template.spec",
        { "spec", "jobTemplate", "spec", "template", "spec", NULL } },
};

static const char *const set_keys[] = { "containers", "initContainers", "ephemeralContainers" };

/* Member `key` of a JSON object, or NULL (also when `obj` is not an object). */
static struct json_object *member(struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;
    if (obj && json_object_is_type(obj, json_type_object))
        json_object_object_get_ex(obj, key, &v);
    return v;
}

static const char *string_member(struct json_object *obj, const char *key)
{
    struct json_object *v = member(obj, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* The pod spec and, for messages, its path; NULL if the kind has none. */
static struct json_object *find_pod_spec(const k8sc_object *obj, const char **path)
{
    if (!obj)
        return NULL;
    struct json_object *root = k8sc_object_json(obj);
    const char *kind = string_member(root, "kind");
    if (!kind)
        return NULL;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(spec_paths); i++) {
        if (strcmp(kind, spec_paths[i].kind) != 0)
            continue;
        struct json_object *v = root;
        for (size_t k = 0; v && spec_paths[i].keys[k]; k++)
            v = member(v, spec_paths[i].keys[k]);
        if (!v || !json_object_is_type(v, json_type_object))
            return NULL;
        if (path)
            *path = spec_paths[i].path;
        return v;
    }
    return NULL;
}

/* The kind, for messages. */
static const char *kind_of(const k8sc_object *obj)
{
    const char *kind = string_member(k8sc_object_json(obj), "kind");
    return kind ? kind : "an object without kind";
}

struct json_object *k8sc_object_pod_spec(const k8sc_object *obj)
{
    return find_pod_spec(obj, NULL);
}

static struct json_object *container_array(const k8sc_object *obj, k8sc_container_set set)
{
    if ((unsigned)set >= K8SC__ARRAY_LEN(set_keys))
        return NULL;
    struct json_object *list = member(k8sc_object_pod_spec(obj), set_keys[set]);
    return list && json_object_is_type(list, json_type_array) ? list : NULL;
}

size_t k8sc_pod_container_count(const k8sc_object *obj, k8sc_container_set set)
{
    struct json_object *list = container_array(obj, set);
    return list ? json_object_array_length(list) : 0;
}

int k8sc_pod_container(k8sc_container *out, const k8sc_object *obj, k8sc_container_set set, size_t index)
{
    K8SC__CHECK_ARG(out);
    K8SC__CHECK_ARG(obj);
    K8SC__CHECK_ARG((unsigned)set < K8SC__ARRAY_LEN(set_keys));
    const char *path = NULL;
    if (!find_pod_spec(obj, &path))
        return k8sc_error_set(K8SC_ENOTFOUND, "%s has no pod spec", kind_of(obj));
    struct json_object *list = container_array(obj, set);
    size_t n = list ? json_object_array_length(list) : 0;
    if (index >= n)
        return k8sc_error_set(K8SC_ENOTFOUND, "%s.%s[%zu]: no such container (%zu present)",
            path, set_keys[set], index, n);
    struct json_object *c = json_object_array_get_idx(list, index);
    if (!c || !json_object_is_type(c, json_type_object))
        return k8sc_error_set(K8SC_EINVAL, "%s.%s[%zu]: container must be an object, not %s",
            path, set_keys[set], index, json_type_to_name(json_object_get_type(c)));
    out->name = string_member(c, "name");
    out->image = string_member(c, "image");
    out->json = c;
    return 0;
}

/* resources.<field> of a container JSON object. */
static int container_resources(k8sc_resources **out, struct json_object *c, const char *field)
{
    struct json_object *resources = member(c, "resources");
    if (resources && !json_object_is_type(resources, json_type_object)) {
        *out = NULL;
        return k8sc_error_set(K8SC_EINVAL, "resources must be an object, not %s",
            json_type_to_name(json_object_get_type(resources)));
    }
    int rc = k8sc_resources_from_json(out, member(resources, field));
    if (rc != 0)
        k8sc_error_set(rc, "resources.%s: %s", field, k8sc_error_last());
    return rc;
}

static int named_container_resources(k8sc_resources **out, const k8sc_container *c, const char *field)
{
    K8SC__CHECK_ARG(out);
    K8SC__CHECK_ARG(c);
    K8SC__CHECK_ARG(c->json);
    int rc = container_resources(out, c->json, field);
    if (rc != 0 && c->name)
        k8sc_error_set(rc, "container \"%s\": %s", c->name, k8sc_error_last());
    return rc;
}

int k8sc_container_requests(k8sc_resources **out, const k8sc_container *c)
{
    return named_container_resources(out, c, "requests");
}

int k8sc_container_limits(k8sc_resources **out, const k8sc_container *c)
{
    return named_container_resources(out, c, "limits");
}

/* The resources of container `i` of the array `list`. */
static int nth_resources(k8sc_resources **out, struct json_object *list, size_t i, const char *field)
{
    struct json_object *c = json_object_array_get_idx(list, i);
    if (!c || !json_object_is_type(c, json_type_object)) {
        *out = NULL;
        return k8sc_error_set(K8SC_EINVAL, "container must be an object, not %s",
            json_type_to_name(json_object_get_type(c)));
    }
    return container_resources(out, c, field);
}

static struct json_object *array_member(struct json_object *spec, const char *key)
{
    struct json_object *list = member(spec, key);
    return list && json_object_is_type(list, json_type_array) ? list : NULL;
}

/* Prefix the current error with where it happened; ENOMEM stays as it is. */
static int located(int rc, const char *path, const char *key, size_t index)
{
    if (rc == 0 || rc == K8SC_ENOMEM)
        return rc;
    return k8sc_error_set(rc, "%s.%s[%zu]: %s", path, key, index, k8sc_error_last());
}

/*
 * aggregateContainerResourcesByFn: the regular containers' sum, plus
 * each sidecar (restartPolicy Always), raised to the peak any init
 * container reaches while it runs beside the sidecars started before it.
 */
static int aggregate(k8sc_resources *result, struct json_object *spec, const char *path, const char *field)
{
    struct json_object *list = array_member(spec, "containers");
    size_t n = list ? json_object_array_length(list) : 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        k8sc_resources *c = NULL;
        rc = nth_resources(&c, list, i, field);
        if (rc == 0)
            rc = k8sc_resources_add(result, c);
        rc = located(rc, path, "containers", i);
        k8sc_resources_free(c);
    }
    if (rc != 0)
        return rc;

    k8sc_resources *sidecars = NULL, *init_peak = NULL;
    rc = k8sc_resources_new(&sidecars);
    if (rc == 0)
        rc = k8sc_resources_new(&init_peak);
    list = array_member(spec, "initContainers");
    n = list ? json_object_array_length(list) : 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        k8sc_resources *c = NULL;
        rc = nth_resources(&c, list, i, field);
        const char *policy = string_member(json_object_array_get_idx(list, i), "restartPolicy");
        bool sidecar = policy && strcmp(policy, "Always") == 0;
        if (rc == 0 && sidecar) {
            /* A sidecar keeps running: it adds to the pod and to every later init container. */
            rc = k8sc_resources_add(result, c);
            if (rc == 0)
                rc = k8sc_resources_add(sidecars, c);
            if (rc == 0)
                rc = k8sc_resources_max(init_peak, sidecars);
        } else if (rc == 0) {
            rc = k8sc_resources_add(c, sidecars);
            if (rc == 0)
                rc = k8sc_resources_max(init_peak, c);
        }
        rc = located(rc, path, "initContainers", i);
        k8sc_resources_free(c);
    }
    if (rc == 0)
        rc = k8sc_resources_max(result, init_peak);
    k8sc_resources_free(sidecars);
    k8sc_resources_free(init_peak);
    return rc;
}

/* Overhead raises only limits that are set and non-zero: zero or absent means unlimited. */
static int add_overhead_to_limits(k8sc_resources *limits, const k8sc_resources *overhead)
{
    for (size_t i = 0; i < k8sc_resources_count(overhead); i++) {
        const char *name;
        k8sc_quantity extra, cur;
        k8sc_resources_at(overhead, i, &name, &extra);
        if (k8sc_resources_get(limits, name, &cur) != 0 || k8sc_quantity_sign(&cur) == 0)
            continue;
        int rc = k8sc_quantity_add(&cur, &cur, &extra);
        if (rc != 0)
            return k8sc_error_set(rc, "resource \"%s\": %s", name, k8sc_error_last());
        k8sc_resources_set(limits, name, &cur); /* replaces: cannot fail */
    }
    return 0;
}

static int pod_resources(k8sc_resources **out, const k8sc_object *pod, const char *field, bool limits)
{
    K8SC__CHECK_ARG(out);
    K8SC__CHECK_ARG(pod);
    *out = NULL;
    const char *path = NULL;
    struct json_object *spec = find_pod_spec(pod, &path);
    if (!spec)
        return k8sc_error_set(K8SC_EINVAL, "%s has no pod spec", kind_of(pod));
    k8sc_resources *result = NULL, *overhead = NULL;
    int rc = k8sc_resources_new(&result);
    if (rc == 0)
        rc = aggregate(result, spec, path, field);
    if (rc == 0) {
        rc = k8sc_resources_from_json(&overhead, member(spec, "overhead"));
        if (rc == 0)
            rc = limits ? add_overhead_to_limits(result, overhead) : k8sc_resources_add(result, overhead);
        if (rc != 0 && rc != K8SC_ENOMEM)
            k8sc_error_set(rc, "%s.overhead: %s", path, k8sc_error_last());
    }
    k8sc_resources_free(overhead);
    if (rc != 0) {
        k8sc_resources_free(result);
        return rc;
    }
    *out = result;
    return 0;
}

int k8sc_pod_requests(k8sc_resources **out, const k8sc_object *pod)
{
    return pod_resources(out, pod, "requests", false);
}

int k8sc_pod_limits(k8sc_resources **out, const k8sc_object *pod)
{
    return pod_resources(out, pod, "limits", true);
}
