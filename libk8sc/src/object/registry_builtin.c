/* The built-in kinds of Kubernetes 1.32 that libk8sc knows, as discovery lists them. */
#include "object_internal.h"

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE NULL
#define ALL L("all")

typedef struct {
    const char *group, *version, *kind, *plural;
    bool namespaced;
    const char *const *short_names, *const *subresources, *const *categories, *const *verbs;
} builtin;

static const builtin builtins[] = {
    /* core/v1 */
    { "", "v1", "Pod", "pods", true, L("po"),
      L("status", "binding", "eviction", "log", "exec", "attach", "portforward", "proxy", "ephemeralcontainers", "resize"), ALL, NONE },
    { "", "v1", "Service", "services", true, L("svc"), L("status", "proxy"), ALL, NONE },
    { "", "v1", "Endpoints", "endpoints", true, L("ep"), NONE, NONE, NONE },
    { "", "v1", "Namespace", "namespaces", false, L("ns"), L("status", "finalize"), NONE,
      L("create", "delete", "get", "list", "patch", "update", "watch") },
    { "", "v1", "Node", "nodes", false, L("no"), L("status", "proxy"), NONE, NONE },
    { "", "v1", "ConfigMap", "configmaps", true, L("cm"), NONE, NONE, NONE },
    { "", "v1", "Secret", "secrets", true, NONE, NONE, NONE, NONE },
    { "", "v1", "ServiceAccount", "serviceaccounts", true, L("sa"), L("token"), NONE, NONE },
    { "", "v1", "PersistentVolume", "persistentvolumes", false, L("pv"), L("status"), NONE, NONE },
    { "", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, L("pvc"), L("status"), NONE, NONE },
    { "", "v1", "ReplicationController", "replicationcontrollers", true, L("rc"), L("status", "scale"), ALL, NONE },
    { "", "v1", "Event", "events", true, L("ev"), NONE, NONE, NONE },
    { "", "v1", "LimitRange", "limitranges", true, L("limits"), NONE, NONE, NONE },
    { "", "v1", "ResourceQuota", "resourcequotas", true, L("quota"), L("status"), NONE, NONE },
    { "", "v1", "PodTemplate", "podtemplates", true, NONE, NONE, NONE, NONE },
    { "", "v1", "Binding", "bindings", true, NONE, NONE, NONE, L("create") },
    { "", "v1", "ComponentStatus", "componentstatuses", false, L("cs"), NONE, NONE, L("get", "list") },
    /* apps/v1 */
    { "apps", "v1", "Deployment", "deployments", true, L("deploy"), L("status", "scale"), ALL, NONE },
    { "apps", "v1", "ReplicaSet", "replicasets", true, L("rs"), L("status", "scale"), ALL, NONE },
    { "apps", "v1", "StatefulSet", "statefulsets", true, L("sts"), L("status", "scale"), ALL, NONE },
    { "apps", "v1", "DaemonSet", "daemonsets", true, L("ds"), L("status"), ALL, NONE },
    { "apps", "v1", "ControllerRevision", "controllerrevisions", true, NONE, NONE, NONE, NONE },
    /* batch/v1 */
    { "batch", "v1", "Job", "jobs", true, NONE, L("status"), ALL, NONE },
    { "batch", "v1", "CronJob", "cronjobs", true, L("cj"), L("status"), ALL, NONE },
    /* autoscaling: v2 is preferred, v1 still served */
    { "autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, L("hpa"), L("status"), ALL, NONE },
    { "autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, L("hpa"), L("status"), ALL, NONE },
    /* policy/v1 */
    { "policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, L("pdb"), L("status"), NONE, NONE },
    /* networking.k8s.io/v1 */
    { "networking.k8s.io", "v1", "Ingress", "ingresses", true, L("ing"), L("status"), NONE, NONE },
    { "networking.k8s.io", "v1", "IngressClass", "ingressclasses", false, NONE, NONE, NONE, NONE },
    { "networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, L("netpol"), NONE, NONE, NONE },
    /* discovery.k8s.io/v1 */
    { "discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, NONE, NONE, NONE, NONE },
    /* coordination.k8s.io/v1 */
    { "coordination.k8s.io", "v1", "Lease", "leases", true, NONE, NONE, NONE, NONE },
    /* events.k8s.io/v1 */
    { "events.k8s.io", "v1", "Event", "events", true, L("ev"), NONE, NONE, NONE },
    /* rbac.authorization.k8s.io/v1 */
    { "rbac.authorization.k8s.io", "v1", "Role", "roles", true, NONE, NONE, NONE, NONE },
    { "rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, NONE, NONE, NONE, NONE },
    { "rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, NONE, NONE, NONE, NONE },
    { "rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, NONE, NONE, NONE, NONE },
    /* scheduling.k8s.io/v1 */
    { "scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false, L("pc"), NONE, NONE, NONE },
    /* storage.k8s.io/v1 */
    { "storage.k8s.io", "v1", "StorageClass", "storageclasses", false, L("sc"), NONE, NONE, NONE },
    { "storage.k8s.io", "v1", "CSIDriver", "csidrivers", false, NONE, NONE, NONE, NONE },
    { "storage.k8s.io", "v1", "CSINode", "csinodes", false, NONE, NONE, NONE, NONE },
    { "storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments", false, NONE, L("status"), NONE, NONE },
    /* node.k8s.io/v1 */
    { "node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", false, NONE, NONE, NONE, NONE },
    /* certificates.k8s.io/v1 */
    { "certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests", false, L("csr"),
      L("status", "approval"), NONE, NONE },
    /* apiextensions.k8s.io/v1 */
    { "apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false, L("crd", "crds"),
      L("status"), L("api-extensions"), NONE },
    /* authentication / authorization reviews: create only */
    { "authentication.k8s.io", "v1", "TokenReview", "tokenreviews", false, NONE, NONE, NONE, L("create") },
    { "authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews", false, NONE, NONE, NONE, L("create") },
    { "authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false, NONE, NONE, NONE, L("create") },
    { "authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", false, NONE, NONE, NONE, L("create") },
};

int k8sc__registry_add_builtins(k8sc_registry *reg)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(builtins); i++) {
        const builtin *b = &builtins[i];
        k8sc_resource_def def = K8SC_RESOURCE_DEF_INIT;
        def.group = b->group;
        def.api_version = b->version;
        def.kind = b->kind;
        def.plural = b->plural;
        def.namespaced = b->namespaced;
        def.short_names = b->short_names;
        def.subresources = b->subresources;
        def.categories = b->categories;
        def.verbs = b->verbs;
        int rc = k8sc_registry_add(reg, &def);
        if (rc)
            return rc;
    }
    return 0;
}
