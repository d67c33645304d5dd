/*
 * Strategic merge patch metadata of the built-in kinds: the Go struct tags
 * `patchStrategy` and `patchMergeKey` of k8s.io/api v0.32 (the fields of
 * kubectl 1.32's own types), as a graph of the types that carry them.
 * A field not listed has no metadata: its lists are replaced, its maps
 * merged key by key.
 */
#include "patch_internal.h"

#include <string.h>

#define MERGE K8SC__PATCH_MERGE
#define RETAIN K8SC__PATCH_RETAIN_KEYS
#define REPLACE K8SC__PATCH_REPLACE
#define END { NULL, 0, NULL, NULL }
#define TYPE(var, name, ...) \
    static const k8sc__patch_field var##_fields[] = { __VA_ARGS__, END }; \
    static const k8sc__patch_type var = { name, var##_fields }

/* metav1.ObjectMeta */
TYPE(object_meta, "ObjectMeta",
    { "finalizers", MERGE, NULL, NULL },
    { "ownerReferences", MERGE, "uid", NULL });

/* The metadata every kind has; kinds without other metadata use this alone. */
TYPE(plain_object, "Object",
    { "metadata", 0, NULL, &object_meta });

/* v1.Container and v1.EphemeralContainer (same tags on EphemeralContainerCommon). */
TYPE(container, "Container",
    { "ports", MERGE, "containerPort", NULL },
    { "env", MERGE, "name", NULL },
    { "volumeMounts", MERGE, "mountPath", NULL },
    { "volumeDevices", MERGE, "devicePath", NULL });

TYPE(pod_spec, "PodSpec",
    { "volumes", MERGE | RETAIN, "name", NULL },
    { "initContainers", MERGE, "name", &container },
    { "containers", MERGE, "name", &container },
    { "ephemeralContainers", MERGE, "name", &container },
    { "imagePullSecrets", MERGE, "name", NULL },
    { "hostAliases", MERGE, "ip", NULL },
    { "topologySpreadConstraints", MERGE, "topologyKey", NULL },
    { "schedulingGates", MERGE, "name", NULL },
    { "resourceClaims", MERGE | RETAIN, "name", NULL });

TYPE(pod_status, "PodStatus",
    { "conditions", MERGE, "type", NULL },
    { "podIPs", MERGE, "ip", NULL },
    { "hostIPs", MERGE, "ip", NULL },
    { "resourceClaimStatuses", MERGE | RETAIN, "name", NULL });

TYPE(pod, "Pod",
    { "metadata", 0, NULL, &object_meta },
    { "spec", 0, NULL, &pod_spec },
    { "status", 0, NULL, &pod_status });

TYPE(pod_template_spec, "PodTemplateSpec",
    { "metadata", 0, NULL, &object_meta },
    { "spec", 0, NULL, &pod_spec });

TYPE(pod_template, "PodTemplate",
    { "metadata", 0, NULL, &object_meta },
    { "template", 0, NULL, &pod_template_spec });

/* The many status types whose only tagged field is conditions, merged by type. */
TYPE(conditions_status, "Status",
    { "conditions", MERGE, "type", NULL });

/* ReplicationController, ReplicaSet, StatefulSet, DaemonSet and Job specs. */
TYPE(workload_spec, "WorkloadSpec",
    { "template", 0, NULL, &pod_template_spec });

TYPE(workload, "Workload",
    { "metadata", 0, NULL, &object_meta },
    { "spec", 0, NULL, &workload_spec },
    { "status", 0, NULL, &conditions_status });

TYPE(deployment_spec, "DeploymentSpec",
    { "template", 0, NULL, &pod_template_spec },
    { "strategy", RETAIN, NULL, NULL });

TYPE(deployment, "Deployment",
    { "metadata", 0, NULL, &object_meta },
    { "spec", 0, NULL, &deployment_spec },
    { "status", 0, NULL, &conditions_status });

TYPE(job_template_spec, "JobTemplateSpec",
    { "metadata", 0, NULL, &object_meta },
    { "spec", 0, NULL, &workload_spec });

TYPE(cron_job_spec, "CronJobSpec",
    { "jobTemplate", 0, NULL, &job_template_spec });

/* CronJobStatus has no tagged field. */
TYPE(cron_job, "CronJob",
    { "metadata", 0, NULL, &object_meta },
    { "spec", 0, NULL, &cron_job_spec });

/* Namespace, PersistentVolumeClaim, HorizontalPodAutoscaler (v2). */
TYPE(with_conditions, "ObjectWithConditions",
    { "metadata", 0, NULL, &object_meta },
    { "status", 0, NULL, &conditions_status });

TYPE(node_spec, "NodeSpec",
    { "podCIDRs", MERGE, NULL, NULL });

TYPE(node_status, "NodeStatus",
    { "conditions", MERGE, "type", NULL },
    { "addresses", MERGE, "type", NULL });

TYPE(node, "Node",
    { "metadata", 0, NULL, &object_meta },
    { "spec", 0, NULL, &node_spec },
    { "status", 0, NULL, &node_status });

TYPE(service_spec, "ServiceSpec",
    { "ports", MERGE, "port", NULL });

TYPE(service, "Service",
    { "metadata", 0, NULL, &object_meta },
    { "spec", 0, NULL, &service_spec },
    { "status", 0, NULL, &conditions_status });

/* imagePullSecrets of a ServiceAccount has no tag: it is replaced. */
TYPE(service_account, "ServiceAccount",
    { "metadata", 0, NULL, &object_meta },
    { "secrets", MERGE, "name", NULL });

TYPE(pdb_spec, "PodDisruptionBudgetSpec",
    { "selector", REPLACE, NULL, NULL });

TYPE(pdb, "PodDisruptionBudget",
    { "metadata", 0, NULL, &object_meta },
    { "spec", 0, NULL, &pdb_spec },
    { "status", 0, NULL, &conditions_status });

TYPE(component_status, "ComponentStatus",
    { "metadata", 0, NULL, &object_meta },
    { "conditions", MERGE, "type", NULL });

TYPE(csi_node_spec, "CSINodeSpec",
    { "drivers", MERGE, "name", NULL });

TYPE(csi_node, "CSINode",
    { "metadata", 0, NULL, &object_meta },
    { "spec", 0, NULL, &csi_node_spec });

/*
 * The built-in kinds: those libk8sc serves, plus the subresource kinds a
 * PATCH can target. Custom resources are absent on purpose: Kubernetes
 * refuses strategic merge patches for them.
 */
static const struct {
    const char *api_version, *kind;
    const k8sc__patch_type *type;
} kinds[] = {
    { "v1", "Pod", &pod },
    { "v1", "Service", &service },
    { "v1", "Endpoints", &plain_object },
    { "v1", "Namespace", &with_conditions },
    { "v1", "Node", &node },
    { "v1", "ConfigMap", &plain_object },
    { "v1", "Secret", &plain_object },
    { "v1", "ServiceAccount", &service_account },
    { "v1", "PersistentVolume", &plain_object },
    { "v1", "PersistentVolumeClaim", &with_conditions },
    { "v1", "ReplicationController", &workload },
    { "v1", "Event", &plain_object },
    { "v1", "LimitRange", &plain_object },
    { "v1", "ResourceQuota", &plain_object },
    { "v1", "PodTemplate", &pod_template },
    { "v1", "Binding", &plain_object },
    { "v1", "ComponentStatus", &component_status },
    { "apps/v1", "Deployment", &deployment },
    { "apps/v1", "ReplicaSet", &workload },
    { "apps/v1", "StatefulSet", &workload },
    { "apps/v1", "DaemonSet", &workload },
    { "apps/v1", "ControllerRevision", &plain_object },
    { "batch/v1", "Job", &workload },
    { "batch/v1", "CronJob", &cron_job },
    { "autoscaling/v2", "HorizontalPodAutoscaler", &with_conditions },
    { "autoscaling/v1", "HorizontalPodAutoscaler", &plain_object },
    { "autoscaling/v1", "Scale", &plain_object },
    { "policy/v1", "PodDisruptionBudget", &pdb },
    { "policy/v1", "Eviction", &plain_object },
    { "networking.k8s.io/v1", "Ingress", &plain_object },
    { "networking.k8s.io/v1", "IngressClass", &plain_object },
    { "networking.k8s.io/v1", "NetworkPolicy", &plain_object },
    { "discovery.k8s.io/v1", "EndpointSlice", &plain_object },
    { "coordination.k8s.io/v1", "Lease", &plain_object },
    { "events.k8s.io/v1", "Event", &plain_object },
    { "rbac.authorization.k8s.io/v1", "Role", &plain_object },
    { "rbac.authorization.k8s.io/v1", "RoleBinding", &plain_object },
    { "rbac.authorization.k8s.io/v1", "ClusterRole", &plain_object },
    { "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", &plain_object },
    { "scheduling.k8s.io/v1", "PriorityClass", &plain_object },
    { "storage.k8s.io/v1", "StorageClass", &plain_object },
    { "storage.k8s.io/v1", "CSIDriver", &plain_object },
    { "storage.k8s.io/v1", "CSINode", &csi_node },
    { "storage.k8s.io/v1", "VolumeAttachment", &plain_object },
    { "node.k8s.io/v1", "RuntimeClass", &plain_object },
    { "certificates.k8s.io/v1", "CertificateSigningRequest", &plain_object },
    { "apiextensions.k8s.io/v1", "CustomResourceDefinition", &plain_object },
    { "authentication.k8s.io/v1", "TokenReview", &plain_object },
    { "authorization.k8s.io/v1", "SubjectAccessReview", &plain_object },
    { "authorization.k8s.io/v1", "SelfSubjectAccessReview", &plain_object },
};

const k8sc__patch_type *k8sc__patch_schema(const char *api_version, const char *kind)
{
    if (!api_version || !kind)
        return NULL;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(kinds); i++)
        if (strcmp(kinds[i].api_version, api_version) == 0 && strcmp(kinds[i].kind, kind) == 0)
            return kinds[i].type;
    return NULL;
}

const k8sc__patch_field *k8sc__patch_field_lookup(const k8sc__patch_type *type, const char *name)
{
    static const k8sc__patch_field none = END;
    if (type)
        for (const k8sc__patch_field *f = type->fields; f->name; f++)
            if (strcmp(f->name, name) == 0)
                return f;
    return &none;
}

bool k8sc_patch_strategic_supported(const char *api_version, const char *kind)
{
    return k8sc__patch_schema(api_version, kind) != NULL;
}
