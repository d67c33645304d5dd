/*
 * kubectl describe: the layout for the object's kind, fed with what kubectl
 * fetches beside the object (ReplicaSets of a Deployment, Pods of a
 * ReplicaSet, StatefulSet, DaemonSet, Node or claim, EndpointSlices of a
 * Service, the backends of an Ingress, quotas of a Namespace) and the
 * Events whose involvedObject is the object.
 */
#include "describe_internal.h"

#include <stdlib.h>
#include <string.h>

typedef void (*layout_fn)(k8sc__dw *w, const k8sc__describe_input *in);

static const struct {
    const char *group, *kind;
    layout_fn fn;
} layouts[] = {
    { "", "Pod", k8sc__describe_pod },
    { "", "Service", k8sc__describe_service },
    { "", "Node", k8sc__describe_node },
    { "", "Namespace", k8sc__describe_namespace },
    { "", "ConfigMap", k8sc__describe_configmap },
    { "apps", "Deployment", k8sc__describe_deployment },
    { "apps", "ReplicaSet", k8sc__describe_replicaset },
    { "batch", "Job", k8sc__describe_job },
    { "", "Secret", k8sc__describe_secret },
    { "", "ServiceAccount", k8sc__describe_serviceaccount },
    { "batch", "CronJob", k8sc__describe_cronjob },
    { "", "ReplicationController", k8sc__describe_replicationcontroller },
    { "", "Endpoints", k8sc__describe_endpoints },
    { "discovery.k8s.io", "EndpointSlice", k8sc__describe_endpointslice },
    { "policy", "PodDisruptionBudget", k8sc__describe_poddisruptionbudget },
    { "autoscaling", "HorizontalPodAutoscaler", k8sc__describe_hpa },
    { "", "ResourceQuota", k8sc__describe_resourcequota },
    { "", "LimitRange", k8sc__describe_limitrange },
    { "rbac.authorization.k8s.io", "Role", k8sc__describe_role },
    { "rbac.authorization.k8s.io", "ClusterRole", k8sc__describe_role },
    { "rbac.authorization.k8s.io", "RoleBinding", k8sc__describe_rolebinding },
    { "rbac.authorization.k8s.io", "ClusterRoleBinding", k8sc__describe_rolebinding },
    { "scheduling.k8s.io", "PriorityClass", k8sc__describe_priorityclass },
    { "apps", "StatefulSet", k8sc__describe_statefulset },
    { "apps", "DaemonSet", k8sc__describe_daemonset },
    { "networking.k8s.io", "Ingress", k8sc__describe_ingress },
    { "networking.k8s.io", "NetworkPolicy", k8sc__describe_networkpolicy },
    { "", "PersistentVolumeClaim", k8sc__describe_pvc },
    { "", "PersistentVolume", k8sc__describe_pv },
    { "storage.k8s.io", "StorageClass", k8sc__describe_storageclass },
};

static layout_fn layout_for(const char *api_version, const char *kind)
{
    const char *slash = api_version ? strchr(api_version, '/') : NULL;
    size_t glen = slash ? (size_t)(slash - api_version) : 0;
    for (size_t i = 0; kind && i < K8SC__ARRAY_LEN(layouts); i++)
        if (strcmp(layouts[i].kind, kind) == 0 && strlen(layouts[i].group) == glen &&
            strncmp(layouts[i].group, api_version ? api_version : "", glen) == 0)
            return layouts[i].fn;
    return k8sc__describe_generic;
}

int k8sc_cli_describe_format(char **out, const k8sc_object *obj, k8sc_object *const *related, size_t nrelated,
    k8sc_object *const *events, size_t nevents, time_t now)
{
    K8SC__CHECK_ARG(out && obj && (related || nrelated == 0) && (events || nevents == 0));
    *out = NULL;
    k8sc__dw w = { K8SC__BUF_INIT, K8SC__BUF_INIT, now };
    k8sc__describe_input in = { k8sc_object_json(obj), related, nrelated, events, nevents };
    layout_for(k8sc_object_api_version(obj), k8sc_object_kind(obj))(&w, &in);
    return k8sc__dw_finish(&w, out);
}

/* A growable list of objects. */
typedef struct {
    k8sc_object **v;
    size_t n;
} objects;

static int objects_add(objects *o, k8sc_object *obj)
{
    k8sc_object **v = k8sc__realloc(o->v, (o->n + 1) * sizeof(*v));
    if (!v) {
        k8sc_object_free(obj);
        return K8SC_ENOMEM;
    }
    o->v = v;
    o->v[o->n++] = obj;
    return 0;
}

typedef bool (*keep_fn)(const k8sc_object *item, const k8sc_object *obj);

/* Add the items of a list to `o`, those `keep` accepts (NULL: all), with `kind` set. */
static int list_into(objects *o, k8sc_client *c, const char *av, const char *kind, const char *ns,
    const k8sc_list_options *lo, keep_fn keep, const k8sc_object *obj)
{
    k8sc_object *list = NULL, **items = NULL;
    size_t n = 0;
    int rc = k8sc_client_list(&list, c, av, kind, ns, lo);
    if (!rc)
        rc = k8sc_cli_list_items(&items, &n, list);
    k8sc_object_free(list);
    for (size_t i = 0; i < n; i++) {
        if (rc || (keep && !keep(items[i], obj))) {
            k8sc_object_free(items[i]);
            continue;
        }
        k8sc_object_set_api_version(items[i], av);
        k8sc_object_set_kind(items[i], kind);
        rc = objects_add(o, items[i]);
    }
    free(items);
    return rc;
}

static bool controlled_by(const k8sc_object *item, const k8sc_object *owner)
{
    k8sc_owner_ref ref;
    const char *uid = k8sc_object_uid(owner);
    return k8sc_object_controller_ref(&ref, item) == 0 && uid && ref.uid && strcmp(ref.uid, uid) == 0;
}

static bool about(const k8sc_object *event, const k8sc_object *obj)
{
    const char *name = k8sc_object_get_string(event, "involvedObject.name");
    const char *ns = k8sc_object_get_string(event, "involvedObject.namespace");
    const char *kind = k8sc_object_get_string(event, "involvedObject.kind");
    const char *uid = k8sc_object_get_string(event, "involvedObject.uid");
    const char *okind = k8sc_object_kind(obj), *ons = k8sc_object_namespace(obj), *ouid = k8sc_object_uid(obj);
    if (!name || strcmp(name, k8sc_object_name(obj)) != 0 || strcmp(ns ? ns : "", ons ? ons : "") != 0)
        return false;
    if (okind && strcmp(okind, "Pod") != 0 && (!kind || strcmp(kind, okind) != 0))
        return false;
    bool node = okind && strcmp(okind, "Node") == 0;
    return !ouid || (uid && (strcmp(uid, ouid) == 0 || (node && strcmp(uid, k8sc_object_name(obj)) == 0)));
}

/* A selector string for a list from a LabelSelector object; NULL when it has none. */
static char *selector_of(const k8sc_object *obj, const char *path)
{
    struct json_object *sel = k8sc_object_get(obj, path);
    char *text = NULL;
    if (sel && k8sc__describe_selector(&text, sel, "") == 0 && *text)
        return text;
    k8sc_free(text);
    return NULL;
}

/* The Service named by an Ingress backend and its EndpointSlices, once per service. */
static int backend_into(objects *o, k8sc_client *c, const char *ns, struct json_object *backend)
{
    const char *name = json_object_get_string(k8sc__dj_get(backend, "service.name"));
    if (!name)
        return 0;
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(k8sc_object_kind(o->v[i]), "Service") == 0 && strcmp(k8sc_object_name(o->v[i]), name) == 0)
            return 0;
    char buf[512];
    k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
    snprintf(buf, sizeof(buf), "kubernetes.io/service-name=%s", name);
    lo.label_selector = buf;
    int rc = list_into(o, c, K8SC_ENDPOINTSLICE, ns, &lo, NULL, NULL);
    k8sc_object *svc = NULL;
    if (!rc && k8sc_client_get(&svc, c, K8SC_SERVICE, ns, name) == 0 && !(rc = k8sc_object_set_kind(svc, "Service")))
        return objects_add(o, svc);
    k8sc_object_free(svc);
    return rc;
}

static int ingress_backends(objects *o, k8sc_client *c, const k8sc_object *ing)
{
    struct json_object *spec = k8sc_object_get(ing, "spec"), *rules = k8sc__dj_get(spec, "rules");
    const char *ns = k8sc_object_namespace(ing);
    int rc = backend_into(o, c, ns, k8sc__dj_get(spec, "defaultBackend"));
    for (size_t i = 0; !rc && i < k8sc__dj_len(rules); i++) {
        struct json_object *paths = k8sc__dj_get(k8sc__dj_at(rules, i), "http.paths");
        for (size_t p = 0; !rc && p < k8sc__dj_len(paths); p++)
            rc = backend_into(o, c, ns, k8sc__dj_get(k8sc__dj_at(paths, p), "backend"));
    }
    return rc;
}

static int related_of(objects *o, k8sc_client *c, const k8sc_object *obj)
{
    const char *kind = k8sc_object_kind(obj), *ns = k8sc_object_namespace(obj), *name = k8sc_object_name(obj);
    k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
    char buf[512];
    int rc = 0;
    if (strcmp(kind, "Deployment") == 0 || strcmp(kind, "ReplicaSet") == 0 || strcmp(kind, "StatefulSet") == 0 ||
        strcmp(kind, "DaemonSet") == 0) {
        char *sel = selector_of(obj, "spec.selector");
        lo.label_selector = sel;
        if (sel && strcmp(kind, "Deployment") == 0)
            rc = list_into(o, c, K8SC_REPLICASET, ns, &lo, controlled_by, obj);
        else if (sel)
            rc = list_into(o, c, K8SC_POD, ns, &lo, controlled_by, obj);
        k8sc_free(sel);
    } else if (strcmp(kind, "PersistentVolumeClaim") == 0) {
        rc = list_into(o, c, K8SC_POD, ns, &lo, NULL, NULL);
    } else if (strcmp(kind, "Ingress") == 0) {
        rc = ingress_backends(o, c, obj);
    } else if (strcmp(kind, "ServiceAccount") == 0) {
        rc = list_into(o, c, K8SC_SECRET, ns, &lo, NULL, NULL);
    } else if (strcmp(kind, "ReplicationController") == 0) {
        char *sel = k8sc__describe_map_selector(k8sc_object_get(obj, "spec.selector"));
        lo.label_selector = sel;
        if (sel)
            rc = list_into(o, c, K8SC_POD, ns, &lo, controlled_by, obj);
        k8sc_free(sel);
    } else if (strcmp(kind, "Service") == 0) {
        snprintf(buf, sizeof(buf), "kubernetes.io/service-name=%s", name);
        lo.label_selector = buf;
        rc = list_into(o, c, K8SC_ENDPOINTSLICE, ns, &lo, NULL, NULL);
    } else if (strcmp(kind, "Node") == 0) {
        snprintf(buf, sizeof(buf), "spec.nodeName=%s,status.phase!=Succeeded,status.phase!=Failed", name);
        lo.field_selector = buf;
        rc = list_into(o, c, K8SC_POD, "", &lo, NULL, NULL);
        k8sc_object *lease = NULL;
        if (!rc && k8sc_client_get(&lease, c, K8SC_LEASE, "kube-node-lease", name) == 0) {
            k8sc_object_set_kind(lease, "Lease");
            rc = objects_add(o, lease);
        }
    } else if (strcmp(kind, "Namespace") == 0) {
        rc = list_into(o, c, K8SC_RESOURCEQUOTA, name, NULL, NULL, NULL);
        if (!rc)
            rc = list_into(o, c, K8SC_LIMITRANGE, name, NULL, NULL, NULL);
    }
    return rc;
}

/* Whether kubectl looks up the events of a kind (its layout shows them). */
static bool shows_events(const char *group, const char *kind)
{
    static const char *const quiet[][2] = { { "", "Namespace" }, { "", "Secret" }, { "", "LimitRange" },
        { "", "ResourceQuota" }, { "rbac.authorization.k8s.io", "Role" }, { "rbac.authorization.k8s.io", "ClusterRole" },
        { "rbac.authorization.k8s.io", "RoleBinding" }, { "rbac.authorization.k8s.io", "ClusterRoleBinding" },
        { "networking.k8s.io", "NetworkPolicy" } };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(quiet); i++)
        if (strcmp(quiet[i][0], group) == 0 && strcmp(quiet[i][1], kind) == 0)
            return false;
    return true;
}

int k8sc_cli_describe(char **out, k8sc_client *client, const k8sc_resource *r, const char *namespace_,
    const char *name)
{
    K8SC__CHECK_ARG(out && client && r && name);
    *out = NULL;
    k8sc_object *obj = NULL;
    const char *av = k8sc_resource_api_version(r), *kind = k8sc_resource_kind(r);
    int rc = K8SC_ENOTFOUND;
    /* As kubectl, a HorizontalPodAutoscaler is read as autoscaling/v2 first, whatever version was named. */
    if (strcmp(kind, "HorizontalPodAutoscaler") == 0 && strcmp(k8sc_resource_group(r), "autoscaling") == 0 &&
        (rc = k8sc_client_get(&obj, client, K8SC_HORIZONTALPODAUTOSCALER, namespace_, name)) == 0)
        av = "autoscaling/v2";
    if (rc)
        rc = k8sc_client_get(&obj, client, av, kind, namespace_, name);
    if (rc)
        return rc;
    if ((rc = k8sc_object_set_api_version(obj, av)) || (rc = k8sc_object_set_kind(obj, kind))) {
        k8sc_object_free(obj);
        return rc;
    }
    objects related = { NULL, 0 }, events = { NULL, 0 };
    rc = related_of(&related, client, obj);
    const char *ns = k8sc_resource_namespaced(r) ? k8sc_object_namespace(obj) : "";
    if (!rc && shows_events(k8sc_resource_group(r), kind))
        rc = list_into(&events, client, K8SC_EVENT, ns, NULL, about, obj);
    if (!rc)
        rc = k8sc_cli_describe_format(out, obj, related.v, related.n, events.v, events.n, time(NULL));
    k8sc_objects_free(related.v, related.n);
    k8sc_objects_free(events.v, events.n);
    k8sc_object_free(obj);
    return rc;
}
