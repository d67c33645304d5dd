/*
 * KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) into
 * profiles: plugin sets per extension point merged over the default
 * profile as kube-scheduler's mergePlugins does, weights, and the args of
 * NodeResourcesFit, InterPodAffinity and PodTopologySpread. Decoding is
 * strict, as kube-scheduler's: an unknown field or plugin is an error.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framework.h"
#include "k8sc/codec.h"

/* Plugins of kube-scheduler's default set this scheduler has no counterpart for: accepted, not run. */
static const char *const inert[] = { "PrioritySort", "DefaultBinder", "SchedulingGates", "VolumeBinding",
    "VolumeRestrictions", "VolumeZone", "NodeVolumeLimits", "DynamicResources" };
#define DEFAULT_PREEMPTION "DefaultPreemption"

static const char *const points[] = { "preEnqueue", "queueSort", "preFilter", "filter", "postFilter", "preScore",
    "score", "reserve", "permit", "preBind", "bind", "postBind", "multiPoint" };

static const char *const top_fields[] = { "apiVersion", "kind", "parallelism", "leaderElection", "clientConnection",
    "healthzBindAddress", "metricsBindAddress", "enableProfiling", "enableContentionProfiling",
    "percentageOfNodesToScore", "podInitialBackoffSeconds", "podMaxBackoffSeconds", "profiles", "extenders",
    "delayCacheUntilActive" };

typedef struct parser {
    const char *what;
    const char *const *user;
    size_t nuser;
    char path[256];
} parser;

static int bad(const parser *ps, const char *field, const char *fmt, ...) K8SC_PRINTF(3, 4);
static int bad(const parser *ps, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return k8sc_error_set(K8SC_EINVAL, "%s: %s%s%s: %s", ps->what, ps->path, *ps->path && *field ? "." : "", field, msg);
}

static bool in(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

/* Every member of `obj` must be one of `fields`. */
static int only(const parser *ps, struct json_object *obj, const char *const *fields, size_t n)
{
    if (!json_object_is_type(obj, json_type_object))
        return bad(ps, "", "must be an object");
    json_object_object_foreach(obj, key, val)
    {
        (void)val;
        if (!in(key, fields, n))
            return bad(ps, key, "unknown field");
    }
    return 0;
}

static int get_int(const parser *ps, struct json_object *obj, const char *field, int64_t lo, int64_t hi, int64_t *out)
{
    struct json_object *v = NULL;
    if (!json_object_object_get_ex(obj, field, &v))
        return 0;
    if (!json_object_is_type(v, json_type_int))
        return bad(ps, field, "must be an integer");
    int64_t x = json_object_get_int64(v);
    if (x < lo || x > hi)
        return bad(ps, field, "%lld is out of range [%lld, %lld]", (long long)x, (long long)lo, (long long)hi);
    *out = x;
    return 1;
}

static void push(parser *ps, size_t *mark, const char *fmt, ...) K8SC_PRINTF(3, 4);
static void push(parser *ps, size_t *mark, const char *fmt, ...)
{
    *mark = strlen(ps->path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->path + *mark, sizeof(ps->path) - *mark, fmt, ap);
    va_end(ap);
}

static void pop(parser *ps, size_t mark)
{
    ps->path[mark] = '\0';
}

/* A plugin of a Plugins set: a built-in id (>= 0), a user plugin (-2 - index), DefaultPreemption or inert (-1). */
static int plugin_of(const parser *ps, const char *name, int *id)
{
    int b = k8sc__sched_plugin_lookup(name);
    if (b >= 0) {
        *id = b;
        return 0;
    }
    for (size_t i = 0; i < ps->nuser; i++)
        if (strcmp(ps->user[i], name) == 0) {
            *id = -2 - (int)i;
            return 0;
        }
    if (strcmp(name, DEFAULT_PREEMPTION) == 0 || in(name, inert, K8SC__ARRAY_LEN(inert))) {
        *id = -1;
        return 0;
    }
    return bad(ps, "name", "unknown plugin \"%s\"", name);
}

static bool has_filter(int id)
{
    return id != K8SC__SCHED_NODE_RESOURCES_BALANCED_ALLOCATION && id != K8SC__SCHED_IMAGE_LOCALITY;
}

static bool has_score(int id)
{
    k8sc__sched_profile d;
    k8sc__sched_profile_default(&d);
    return d.weight[id] > 0;
}

static int default_weight(int id)
{
    k8sc__sched_profile d;
    k8sc__sched_profile_default(&d);
    return d.weight[id];
}

typedef enum { PT_MULTI, PT_FILTER, PT_SCORE, PT_POST_FILTER, PT_OTHER } point_kind;

static void disable(k8sc__sched_named_profile *np, point_kind pk, int id)
{
    if (id >= 0) {
        if (pk == PT_MULTI || pk == PT_FILTER)
            np->profile.filter[id] = false;
        if (pk == PT_MULTI || pk == PT_SCORE)
            np->profile.weight[id] = 0;
    } else if (id <= -2) {
        if (pk == PT_MULTI || pk == PT_FILTER)
            np->user_filter[-2 - id] = false;
        if (pk == PT_MULTI || pk == PT_SCORE)
            np->user_weight[-2 - id] = 0;
    }
}

/* `weight` 0: the plugin's default. */
static int enable(parser *ps, k8sc__sched_named_profile *np, point_kind pk, int id, int64_t weight, const char *name)
{
    if (id >= 0) {
        if (pk == PT_FILTER && !has_filter(id))
            return bad(ps, "name", "plugin \"%s\" does not extend filter", name);
        if (pk == PT_SCORE && !has_score(id))
            return bad(ps, "name", "plugin \"%s\" does not extend score", name);
        if ((pk == PT_MULTI || pk == PT_FILTER) && has_filter(id))
            np->profile.filter[id] = true;
        if ((pk == PT_MULTI || pk == PT_SCORE) && has_score(id))
            np->profile.weight[id] = weight ? (int)weight : default_weight(id);
    } else if (id <= -2) {
        if (pk == PT_MULTI || pk == PT_FILTER)
            np->user_filter[-2 - id] = true;
        if (pk == PT_MULTI || pk == PT_SCORE)
            np->user_weight[-2 - id] = weight ? (int)weight : -1;
    }
    if (pk == PT_POST_FILTER || pk == PT_MULTI)
        np->preempt = np->preempt || strcmp(name, DEFAULT_PREEMPTION) == 0;
    return 0;
}

/* One PluginSet: {enabled: [{name, weight}], disabled: [{name}]}; disabled first, as kube merges them. */
static int plugin_set(parser *ps, k8sc__sched_named_profile *np, struct json_object *set, point_kind pk)
{
    static const char *const set_fields[] = { "enabled", "disabled" };
    static const char *const plugin_fields[] = { "name", "weight" };
    int rc = only(ps, set, set_fields, 2);
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        const char *field = pass == 0 ? "disabled" : "enabled";
        struct json_object *list = NULL;
        if (!json_object_object_get_ex(set, field, &list) || json_object_is_type(list, json_type_null))
            continue;
        if (!json_object_is_type(list, json_type_array))
            return bad(ps, field, "must be a list");
        for (size_t i = 0; i < json_object_array_length(list) && rc == 0; i++) {
            size_t mark;
            push(ps, &mark, ".%s[%zu]", field, i);
            struct json_object *pl = json_object_array_get_idx(list, i);
            const char *name = k8sc__json_string(pl, "name");
            int64_t weight = 0;
            int id = -1;
            if ((rc = only(ps, pl, plugin_fields, 2)) < 0)
                ;
            else if (!name || !*name)
                rc = bad(ps, "name", "required");
            else if (pass == 0 && strcmp(name, "*") == 0) {
                for (int b = 0; b < K8SC__SCHED_PLUGIN_COUNT; b++)
                    disable(np, pk, b);
                for (size_t u = 0; u < ps->nuser; u++)
                    disable(np, pk, -2 - (int)u);
                if (pk == PT_MULTI || pk == PT_POST_FILTER)
                    np->preempt = false;
            } else if ((rc = plugin_of(ps, name, &id)) == 0 && (rc = get_int(ps, pl, "weight", 0, 100, &weight)) >= 0) {
                rc = 0;
                if (pass == 0) {
                    disable(np, pk, id);
                    if ((pk == PT_MULTI || pk == PT_POST_FILTER) && strcmp(name, DEFAULT_PREEMPTION) == 0)
                        np->preempt = false;
                } else {
                    rc = enable(ps, np, pk, id, weight, name);
                }
            }
            pop(ps, mark);
        }
    }
    return rc;
}

static int plugins(parser *ps, k8sc__sched_named_profile *np, struct json_object *obj)
{
    int rc = only(ps, obj, points, K8SC__ARRAY_LEN(points));
    /* multiPoint first: a specific extension point overrides it. */
    static const char *const order[] = { "multiPoint", "filter", "score", "postFilter" };
    static const point_kind kinds[] = { PT_MULTI, PT_FILTER, PT_SCORE, PT_POST_FILTER };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(order) && rc == 0; i++) {
        struct json_object *set = NULL;
        if (!json_object_object_get_ex(obj, order[i], &set))
            continue;
        size_t mark;
        push(ps, &mark, ".%s", order[i]);
        rc = plugin_set(ps, np, set, kinds[i]);
        pop(ps, mark);
    }
    /* The other points hold no plugin of ours, but their names must still be known. */
    for (size_t i = 0; i < K8SC__ARRAY_LEN(points) && rc == 0; i++) {
        struct json_object *set = NULL;
        if (in(points[i], order, K8SC__ARRAY_LEN(order)) || !json_object_object_get_ex(obj, points[i], &set))
            continue;
        size_t mark;
        push(ps, &mark, ".%s", points[i]);
        k8sc__sched_named_profile scratch = *np;
        rc = plugin_set(ps, &scratch, set, PT_OTHER);
        pop(ps, mark);
    }
    return rc;
}

static int fit_args(parser *ps, k8sc__sched_profile *p, struct json_object *args)
{
    static const char *const fields[] = { "apiVersion", "kind", "ignoredResources", "ignoredResourceGroups",
        "scoringStrategy" };
    static const char *const strategy_fields[] = { "type", "resources", "requestedToCapacityRatio" };
    static const char *const res_fields[] = { "name", "weight" };
    static const char *const shape_fields[] = { "utilization", "score" };
    int rc = only(ps, args, fields, K8SC__ARRAY_LEN(fields));
    struct json_object *st = NULL;
    if (rc < 0 || !json_object_object_get_ex(args, "scoringStrategy", &st))
        return rc;
    size_t mark;
    push(ps, &mark, ".scoringStrategy");
    if ((rc = only(ps, st, strategy_fields, 3)) < 0)
        return rc;
    const char *type = k8sc__json_string(st, "type");
    if (!type || strcmp(type, "LeastAllocated") == 0)
        p->strategy = K8SC__SCHED_LEAST_ALLOCATED;
    else if (strcmp(type, "MostAllocated") == 0)
        p->strategy = K8SC__SCHED_MOST_ALLOCATED;
    else if (strcmp(type, "RequestedToCapacityRatio") == 0)
        p->strategy = K8SC__SCHED_REQUESTED_TO_CAPACITY_RATIO;
    else
        return bad(ps, "type", "unsupported value \"%s\": LeastAllocated, MostAllocated or RequestedToCapacityRatio",
            type);
    struct json_object *res = NULL;
    if (json_object_object_get_ex(st, "resources", &res)) {
        if (!json_object_is_type(res, json_type_array) || json_object_array_length(res) > K8SC__SCHED_MAX_RESOURCES)
            return bad(ps, "resources", "must be a list of at most %d resources", K8SC__SCHED_MAX_RESOURCES);
        p->nresources = 0;
        for (size_t i = 0; i < json_object_array_length(res); i++) {
            size_t m2;
            push(ps, &m2, ".resources[%zu]", i);
            struct json_object *r = json_object_array_get_idx(res, i);
            const char *name = k8sc__json_string(r, "name");
            int64_t w = 1;
            if ((rc = only(ps, r, res_fields, 2)) < 0 || (rc = get_int(ps, r, "weight", 1, 100, &w)) < 0)
                return rc;
            if (!name || !*name || strlen(name) >= sizeof(p->resources[0].name))
                return bad(ps, "name", "required, at most %zu characters", sizeof(p->resources[0].name) - 1);
            strcpy(p->resources[p->nresources].name, name);
            p->resources[p->nresources++].weight = w;
            pop(ps, m2);
        }
    }
    struct json_object *rtc = NULL, *shape = NULL;
    if (json_object_object_get_ex(st, "requestedToCapacityRatio", &rtc)) {
        static const char *const rtc_fields[] = { "shape" };
        size_t m2;
        push(ps, &m2, ".requestedToCapacityRatio");
        if ((rc = only(ps, rtc, rtc_fields, 1)) < 0)
            return rc;
        json_object_object_get_ex(rtc, "shape", &shape);
        if (!json_object_is_type(shape, json_type_array) || json_object_array_length(shape) == 0 ||
            json_object_array_length(shape) > K8SC__SCHED_MAX_SHAPE)
            return bad(ps, "shape", "must be a list of 1 to %d points", K8SC__SCHED_MAX_SHAPE);
        p->nshape = 0;
        for (size_t i = 0; i < json_object_array_length(shape); i++) {
            size_t m3;
            push(ps, &m3, ".shape[%zu]", i);
            struct json_object *pt = json_object_array_get_idx(shape, i);
            int64_t u = -1, sc = -1;
            if ((rc = only(ps, pt, shape_fields, 2)) < 0 || (rc = get_int(ps, pt, "utilization", 0, 100, &u)) < 0 ||
                (rc = get_int(ps, pt, "score", 0, 10, &sc)) < 0)
                return rc;
            if (u < 0 || sc < 0)
                return bad(ps, u < 0 ? "utilization" : "score", "required");
            if (p->nshape && u <= p->shape[p->nshape - 1].utilization)
                return bad(ps, "utilization", "values must be sorted in increasing order");
            p->shape[p->nshape].utilization = u;
            p->shape[p->nshape++].score = sc;
            pop(ps, m3);
        }
        pop(ps, m2);
    }
    if (p->strategy == K8SC__SCHED_REQUESTED_TO_CAPACITY_RATIO && !p->nshape)
        return bad(ps, "requestedToCapacityRatio", "required for type RequestedToCapacityRatio");
    pop(ps, mark);
    return 0;
}

static int affinity_args(parser *ps, k8sc__sched_profile *p, struct json_object *args)
{
    static const char *const fields[] = { "apiVersion", "kind", "hardPodAffinityWeight",
        "ignorePreferredTermsOfExistingPods" };
    int rc = only(ps, args, fields, K8SC__ARRAY_LEN(fields));
    if (rc == 0 && (rc = get_int(ps, args, "hardPodAffinityWeight", 0, 100, &p->hard_pod_affinity_weight)) > 0)
        rc = 0;
    struct json_object *v = NULL;
    if (rc == 0 && json_object_object_get_ex(args, "ignorePreferredTermsOfExistingPods", &v)) {
        if (!json_object_is_type(v, json_type_boolean))
            return bad(ps, "ignorePreferredTermsOfExistingPods", "must be a boolean");
        p->ignore_preferred_terms_of_existing_pods = json_object_get_boolean(v);
    }
    return rc;
}

static int spread_args(parser *ps, k8sc__sched_profile *p, struct json_object *args)
{
    static const char *const fields[] = { "apiVersion", "kind", "defaultConstraints", "defaultingType" };
    int rc = only(ps, args, fields, K8SC__ARRAY_LEN(fields));
    const char *type = k8sc__json_string(args, "defaultingType");
    if (rc < 0 || !type)
        return rc;
    if (strcmp(type, "System") == 0)
        p->system_default_spread = true;
    else if (strcmp(type, "List") == 0)
        p->system_default_spread = false;
    else
        return bad(ps, "defaultingType", "unsupported value \"%s\": System or List", type);
    return 0;
}

static int plugin_config(parser *ps, k8sc__sched_profile *p, struct json_object *list)
{
    static const char *const fields[] = { "name", "args" };
    if (!json_object_is_type(list, json_type_array))
        return bad(ps, "", "must be a list");
    int rc = 0;
    for (size_t i = 0; i < json_object_array_length(list) && rc == 0; i++) {
        size_t mark;
        push(ps, &mark, "[%zu]", i);
        struct json_object *pc = json_object_array_get_idx(list, i), *args = NULL;
        const char *name = k8sc__json_string(pc, "name");
        int id = -1;
        if ((rc = only(ps, pc, fields, 2)) < 0 || (!name && (rc = bad(ps, "name", "required")) < 0) ||
            (rc = plugin_of(ps, name, &id)) < 0) {
            pop(ps, mark);
            break;
        }
        json_object_object_get_ex(pc, "args", &args);
        push(ps, &mark, ".args");
        if (!args)
            ;
        else if (id == K8SC__SCHED_NODE_RESOURCES_FIT)
            rc = fit_args(ps, p, args);
        else if (id == K8SC__SCHED_INTER_POD_AFFINITY)
            rc = affinity_args(ps, p, args);
        else if (id == K8SC__SCHED_POD_TOPOLOGY_SPREAD)
            rc = spread_args(ps, p, args);
        else if (!json_object_is_type(args, json_type_object))
            rc = bad(ps, "", "must be an object");
        pop(ps, mark);
    }
    return rc;
}

static int percentage(parser *ps, struct json_object *obj, int *out)
{
    int64_t v = -1;
    int rc = get_int(ps, obj, "percentageOfNodesToScore", 0, 100, &v);
    if (rc > 0)
        *out = (int)v;
    return rc < 0 ? rc : 0;
}

static int profile(parser *ps, k8sc__sched_named_profile *np, struct json_object *obj)
{
    static const char *const fields[] = { "schedulerName", "percentageOfNodesToScore", "plugins", "pluginConfig" };
    int rc = only(ps, obj, fields, K8SC__ARRAY_LEN(fields));
    if (rc < 0)
        return rc;
    const char *name = k8sc__json_string(obj, "schedulerName");
    np->name = k8sc__strdup(name && *name ? name : K8SC_SCHEDULER_DEFAULT_NAME);
    if (!np->name)
        return K8SC_ENOMEM;
    k8sc__sched_profile_default(&np->profile);
    np->percentage = -1;
    np->preempt = true;
    k8sc__sched_user_defaults(np);
    struct json_object *v = NULL;
    if ((rc = percentage(ps, obj, &np->percentage)) < 0)
        return rc;
    size_t mark;
    if (json_object_object_get_ex(obj, "plugins", &v)) {
        push(ps, &mark, ".plugins");
        rc = plugins(ps, np, v);
        pop(ps, mark);
    }
    if (rc == 0 && json_object_object_get_ex(obj, "pluginConfig", &v)) {
        push(ps, &mark, ".pluginConfig");
        rc = plugin_config(ps, &np->profile, v);
        pop(ps, mark);
    }
    return rc;
}

static int config(parser *ps, k8sc__sched_config *out, struct json_object *doc)
{
    int rc = only(ps, doc, top_fields, K8SC__ARRAY_LEN(top_fields));
    if (rc < 0)
        return rc;
    const char *av = k8sc__json_string(doc, "apiVersion"), *kind = k8sc__json_string(doc, "kind");
    if (!av || strcmp(av, "kubescheduler.config.k8s.io/v1") != 0)
        return bad(ps, "apiVersion", "must be kubescheduler.config.k8s.io/v1, not \"%s\"", av ? av : "");
    if (!kind || strcmp(kind, "KubeSchedulerConfiguration") != 0)
        return bad(ps, "kind", "must be KubeSchedulerConfiguration, not \"%s\"", kind ? kind : "");
    if ((rc = percentage(ps, doc, &out->percentage)) < 0)
        return rc;
    struct json_object *list = NULL;
    json_object_object_get_ex(doc, "profiles", &list);
    size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
    if (list && !json_object_is_type(list, json_type_array))
        return bad(ps, "profiles", "must be a list");
    if (!(out->profiles = k8sc__calloc(n ? n : 1, sizeof(*out->profiles))))
        return K8SC_ENOMEM;
    if (n == 0) {
        /* No profiles: kube-scheduler's one default profile. */
        out->nprofiles = 1;
        snprintf(ps->path, sizeof(ps->path), "profiles[0]");
        struct json_object *empty = json_object_new_object();
        rc = empty ? profile(ps, &out->profiles[0], empty) : K8SC_ENOMEM;
        json_object_put(empty);
        return rc;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        snprintf(ps->path, sizeof(ps->path), "profiles[%zu]", i);
        out->nprofiles++;
        rc = profile(ps, &out->profiles[i], json_object_array_get_idx(list, i));
        for (size_t j = 0; j < i && rc == 0; j++)
            if (strcmp(out->profiles[j].name, out->profiles[i].name) == 0)
                rc = bad(ps, "schedulerName", "duplicate scheduler name \"%s\"", out->profiles[i].name);
    }
    return rc;
}

int k8sc__sched_config_parse(k8sc__sched_config *out, const char *text, size_t len, const char *what,
    const char *const *user, size_t nuser)
{
    memset(out, 0, sizeof(*out));
    out->percentage = -1;
    parser ps = { what, user, nuser, "" };
    if (nuser > K8SC__SCHED_MAX_USER_PLUGINS)
        return k8sc_error_set(K8SC_EINVAL, "%s: more than %d user plugins", what, K8SC__SCHED_MAX_USER_PLUGINS);
    struct json_object *doc = NULL;
    int rc = k8sc_yaml_parse(&doc, text, len);
    if (rc < 0)
        return k8sc_error_set(K8SC_EINVAL, "%s: %s", what, k8sc_error_last());
    rc = config(&ps, out, doc);
    json_object_put(doc);
    if (rc < 0)
        k8sc__sched_config_clear(out);
    return rc;
}

int k8sc__sched_config_load(k8sc__sched_config *out, const char *path, const char *const *user, size_t nuser)
{
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "rb");
    if (!f)
        return k8sc_error_set(K8SC_EIO, "%s: cannot open: %s", path, strerror(errno));
    k8sc__buf b = K8SC__BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        k8sc__buf_put(&b, chunk, n);
    bool err = ferror(f);
    fclose(f);
    int rc = err ? k8sc_error_set(K8SC_EIO, "%s: cannot read", path) : k8sc__buf_status(&b);
    if (rc == 0)
        rc = k8sc__sched_config_parse(out, b.ptr ? b.ptr : "", b.len, path, user, nuser);
    k8sc__buf_free(&b);
    return rc;
}

void k8sc__sched_config_clear(k8sc__sched_config *c)
{
    for (size_t i = 0; c->profiles && i < c->nprofiles; i++)
        k8sc_free(c->profiles[i].name);
    k8sc_free(c->profiles);
    memset(c, 0, sizeof(*c));
}
