/*
 * HorizontalPodAutoscaler between autoscaling/v1 and autoscaling/v2, as
 * kube-apiserver converts it (pkg/apis/autoscaling/v1/conversion.go): v1
 * has only spec.targetCPUUtilizationPercentage and
 * status.currentCPUUtilizationPercentage; what else v2 says travels in v1
 * annotations — the other metrics and the current metrics in v1's metric
 * shapes, the behavior and the conditions as they are — so an object read
 * and written back through v1 loses nothing. A v1 object without any
 * metric gets v2's default, 80 % average CPU utilization.
 */
#include "apiserver_internal.h"

#include <stdio.h>
#include <string.h>

#define ANN_METRICS "autoscaling.alpha.kubernetes.io/metrics"
#define ANN_CURRENT "autoscaling.alpha.kubernetes.io/current-metrics"
#define ANN_CONDITIONS "autoscaling.alpha.kubernetes.io/conditions"
#define ANN_BEHAVIOR "autoscaling.alpha.kubernetes.io/behavior"
#define DEFAULT_CPU_UTILIZATION 80

/* One field of a metric source: its path in v2 ("a.b") and its name in v1. */
typedef struct field_map {
    const char *v2, *v1;
} field_map;

/* The source kinds: the member named like the type in both versions, and their fields for spec and status. */
typedef struct source_map {
    const char *member;
    field_map spec[6], status[6];
} source_map;

static const source_map SOURCES[] = {
    { "resource",
      { { "name", "name" }, { "target.averageUtilization", "targetAverageUtilization" },
        { "target.averageValue", "targetAverageValue" } },
      { { "name", "name" }, { "current.averageUtilization", "currentAverageUtilization" },
        { "current.averageValue", "currentAverageValue" } } },
    { "containerResource",
      { { "name", "name" }, { "container", "container" }, { "target.averageUtilization", "targetAverageUtilization" },
        { "target.averageValue", "targetAverageValue" } },
      { { "name", "name" }, { "container", "container" }, { "current.averageUtilization", "currentAverageUtilization" },
        { "current.averageValue", "currentAverageValue" } } },
    { "pods",
      { { "metric.name", "metricName" }, { "metric.selector", "selector" },
        { "target.averageValue", "targetAverageValue" } },
      { { "metric.name", "metricName" }, { "metric.selector", "selector" },
        { "current.averageValue", "currentAverageValue" } } },
    { "object",
      { { "describedObject", "target" }, { "metric.name", "metricName" }, { "metric.selector", "selector" },
        { "target.value", "targetValue" }, { "target.averageValue", "averageValue" } },
      { { "describedObject", "target" }, { "metric.name", "metricName" }, { "metric.selector", "selector" },
        { "current.value", "currentValue" }, { "current.averageValue", "averageValue" } } },
    { "external",
      { { "metric.name", "metricName" }, { "metric.selector", "metricSelector" }, { "target.value", "targetValue" },
        { "target.averageValue", "targetAverageValue" } },
      { { "metric.name", "metricName" }, { "metric.selector", "metricSelector" }, { "current.value", "currentValue" },
        { "current.averageValue", "currentAverageValue" } } },
};

/* The value at dotted `path` under `o`, or NULL. */
static json_object *at(json_object *o, const char *path)
{
    char key[64];
    while (o && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(key))
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        o = k8sc__json_member(o, key);
        path += n + (path[n] == '.');
    }
    return o;
}

/* Put a new reference to `v` at dotted `path` under `o`, making the objects on the way. */
static void put(json_object *o, const char *path, json_object *v)
{
    char key[64];
    for (;;) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(key))
            return;
        memcpy(key, path, n);
        key[n] = '\0';
        if (!path[n]) {
            json_object_object_add(o, key, json_object_get(v));
            return;
        }
        json_object *next = k8sc__json_member(o, key);
        if (!next || !json_object_is_type(next, json_type_object)) {
            next = json_object_new_object();
            json_object_object_add(o, key, next);
        }
        o = next;
        path += n + 1;
    }
}

static const source_map *source_of(const char *member)
{
    for (size_t i = 0; member && i < K8SC__ARRAY_LEN(SOURCES); i++)
        if (strcmp(SOURCES[i].member, member) == 0)
            return &SOURCES[i];
    return NULL;
}

/* The member of a metric that holds its source: its type with a small first letter ("Resource" -> "resource"). */
static const source_map *source_for_type(const char *type)
{
    if (!type || !*type)
        return NULL;
    char member[32];
    snprintf(member, sizeof(member), "%s", type);
    if (member[0] >= 'A' && member[0] <= 'Z')
        member[0] = (char)(member[0] - 'A' + 'a');
    return source_of(member);
}

/* One metric (spec or status) from one version's shape to the other's (to_v1 says which way); new object. */
static json_object *metric_convert(json_object *m, bool status, bool to_v1)
{
    json_object *out = json_object_new_object();
    const char *type = k8sc__json_string(m, "type");
    const source_map *s = source_for_type(type);
    json_object *src = s ? k8sc__json_member(m, s->member) : NULL;
    if (type)
        json_object_object_add(out, "type", json_object_new_string(type));
    if (!src)
        return out;
    json_object *dst = json_object_new_object();
    const field_map *f = status ? s->status : s->spec;
    for (; f < (status ? s->status : s->spec) + 6 && f->v2; f++) {
        json_object *v = at(src, to_v1 ? f->v2 : f->v1);
        if (v)
            put(dst, to_v1 ? f->v1 : f->v2, v);
    }
    /* A v2 target says first what kind of value it holds: utilization, then average value, then value. */
    json_object *target = !to_v1 && !status ? k8sc__json_member(dst, "target") : NULL;
    if (target) {
        json_object *typed = json_object_new_object();
        json_object_object_add(typed, "type",
                               json_object_new_string(k8sc__json_member(target, "averageUtilization") ? "Utilization"
                                                      : k8sc__json_member(target, "averageValue") ? "AverageValue"
                                                                                                : "Value"));
        json_object_object_foreach(target, key, value)
            json_object_object_add(typed, key, json_object_get(value));
        json_object_object_add(dst, "target", typed);
    }
    json_object_object_add(out, s->member, dst);
    return out;
}

/* A list of metrics converted one by one (new array). */
static json_object *metrics_convert(json_object *list, bool status, bool to_v1)
{
    json_object *out = json_object_new_array();
    for (size_t i = 0; json_object_is_type(list, json_type_array) && i < json_object_array_length(list); i++)
        json_object_array_add(out, metric_convert(json_object_array_get_idx(list, i), status, to_v1));
    return out;
}

/* Whether `m` is a CPU resource metric with an average utilization at `field` ("target" / "current"). */
static json_object *cpu_utilization(json_object *m, const char *field)
{
    json_object *r = k8sc__json_member(m, "resource");
    const char *type = k8sc__json_string(m, "type"), *name = k8sc__json_string(r, "name");
    if (!type || strcmp(type, "Resource") != 0 || !name || strcmp(name, "cpu") != 0)
        return NULL;
    return k8sc__json_member(k8sc__json_member(r, field), "averageUtilization");
}

/* {type: Resource, resource: {name: cpu, <field>: {[type: Utilization,] averageUtilization: v}}} */
static json_object *cpu_metric(const char *field, json_object *v)
{
    json_object *m = json_object_new_object(), *r = json_object_new_object(), *t = json_object_new_object();
    if (strcmp(field, "target") == 0)
        json_object_object_add(t, "type", json_object_new_string("Utilization"));
    json_object_object_add(t, "averageUtilization", json_object_get(v));
    json_object_object_add(r, "name", json_object_new_string("cpu"));
    json_object_object_add(r, field, t);
    json_object_object_add(m, "type", json_object_new_string("Resource"));
    json_object_object_add(m, "resource", r);
    return m;
}

static json_object *annotations(json_object *o, bool make)
{
    json_object *md = k8sc__json_member(o, "metadata");
    json_object *a = md ? k8sc__json_member(md, "annotations") : NULL;
    if (!a && make && md) {
        a = json_object_new_object();
        json_object_object_add(md, "annotations", a);
    }
    return a;
}

/* Annotate `o` with `value` as JSON text (a reference is taken); nothing for NULL or an empty array. */
static void annotate(json_object *o, const char *key, json_object *value)
{
    if (!value || (json_object_is_type(value, json_type_array) && json_object_array_length(value) == 0))
        return;
    json_object *a = annotations(o, true);
    if (a)
        json_object_object_add(a, key,
                               json_object_new_string(json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN)));
}

/* The annotation `key` parsed (new reference) and removed, or NULL (a malformed one stays). */
static json_object *unannotate(json_object *o, const char *key)
{
    json_object *a = annotations(o, false);
    const char *text = a ? k8sc__json_string(a, key) : NULL;
    json_object *v = text ? json_tokener_parse(text) : NULL;
    if (v)
        json_object_object_del(a, key);
    return v;
}

static void drop_empty_annotations(json_object *o)
{
    json_object *a = annotations(o, false);
    if (a && json_object_is_type(a, json_type_object) && json_object_object_length(a) == 0)
        json_object_object_del(k8sc__json_member(o, "metadata"), "annotations");
}

static void to_v1(json_object *o)
{
    json_object *spec = k8sc__json_member(o, "spec"), *status = k8sc__json_member(o, "status");
    json_object *metrics = spec ? json_object_get(k8sc__json_member(spec, "metrics")) : NULL;
    if (spec) {
        json_object_object_del(spec, "metrics");
        json_object *others = json_object_new_array();
        bool have_cpu = false;
        size_t n = json_object_is_type(metrics, json_type_array) ? json_object_array_length(metrics) : 0;
        for (size_t i = 0; i < n; i++) {
            json_object *m = json_object_array_get_idx(metrics, i), *cpu = cpu_utilization(m, "target");
            if (cpu && !have_cpu)
                json_object_object_add(spec, "targetCPUUtilizationPercentage", json_object_get(cpu));
            have_cpu = have_cpu || cpu;
            if (!cpu)
                json_object_array_add(others, metric_convert(m, false, true));
        }
        annotate(o, ANN_METRICS, others);
        json_object_put(others);
        annotate(o, ANN_BEHAVIOR, k8sc__json_member(spec, "behavior"));
        json_object_object_del(spec, "behavior");
    }
    json_object_put(metrics);
    if (status) {
        json_object *current = k8sc__json_member(status, "currentMetrics");
        size_t n = json_object_is_type(current, json_type_array) ? json_object_array_length(current) : 0;
        for (size_t i = 0; i < n; i++) {
            json_object *cpu = cpu_utilization(json_object_array_get_idx(current, i), "current");
            if (cpu)
                json_object_object_add(status, "currentCPUUtilizationPercentage", json_object_get(cpu));
        }
        json_object *v1 = metrics_convert(current, true, true);
        annotate(o, ANN_CURRENT, v1);
        json_object_put(v1);
        json_object_object_del(status, "currentMetrics");
        annotate(o, ANN_CONDITIONS, k8sc__json_member(status, "conditions"));
        json_object_object_del(status, "conditions");
    }
}

static void to_v2(json_object *o)
{
    json_object *spec = k8sc__json_member(o, "spec"), *status = k8sc__json_member(o, "status");
    json_object *others = unannotate(o, ANN_METRICS), *current = unannotate(o, ANN_CURRENT);
    json_object *behavior = unannotate(o, ANN_BEHAVIOR), *conditions = unannotate(o, ANN_CONDITIONS);
    if (spec) {
        json_object *metrics = metrics_convert(others, false, false);
        json_object *cpu = k8sc__json_member(spec, "targetCPUUtilizationPercentage");
        if (cpu)
            json_object_array_add(metrics, cpu_metric("target", cpu));
        if (json_object_array_length(metrics) == 0) {
            json_object *def = json_object_new_int(DEFAULT_CPU_UTILIZATION);
            json_object_array_add(metrics, cpu_metric("target", def));
            json_object_put(def);
        }
        json_object_object_del(spec, "targetCPUUtilizationPercentage");
        json_object_object_add(spec, "metrics", metrics);
        if (behavior)
            json_object_object_add(spec, "behavior", json_object_get(behavior));
    }
    if (status) {
        json_object *cpu = k8sc__json_member(status, "currentCPUUtilizationPercentage");
        /* The annotation has them all; without it, the CPU utilization is all v1 knew. */
        json_object *metrics = current ? metrics_convert(current, true, false) : NULL;
        if (!metrics && cpu) {
            metrics = json_object_new_array();
            json_object_array_add(metrics, cpu_metric("current", cpu));
        }
        json_object_object_del(status, "currentCPUUtilizationPercentage");
        if (metrics)
            json_object_object_add(status, "currentMetrics", metrics);
        if (conditions)
            json_object_object_add(status, "conditions", json_object_get(conditions));
    }
    drop_empty_annotations(o);
    json_object_put(others);
    json_object_put(current);
    json_object_put(behavior);
    json_object_put(conditions);
}

void k8sc__convert_hpa(json_object *o, bool v1)
{
    if (v1)
        to_v1(o);
    else
        to_v2(o);
    json_object_object_add(o, "apiVersion", json_object_new_string(v1 ? "autoscaling/v1" : "autoscaling/v2"));
}
