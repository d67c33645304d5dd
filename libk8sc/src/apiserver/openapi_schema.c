/*
 * OpenAPI v3 component schemas of the built-in kinds, made from the
 * protobuf schema tables (codec/protobuf_schema_*.c) so that `kubectl
 * explain` can walk into any field: one schema per message, named after
 * the Go type as kube-apiserver names it (io.k8s.api.core.v1.PodSpec),
 * nested messages referenced with allOf/$ref as kube-openapi writes them,
 * and apimachinery's value types (Time, Quantity, IntOrString) as their
 * own schemas. The schemas depend on the static tables only, so each
 * group/version's are built once, at first use, and kept serialized.
 */
#include "apiserver/openapi_schema.h"
#include "codec/schema_walk.h"
#include "k8sc/codec.h"

#include <ctype.h>
#include <json-c/json.h>
#include <pthread.h>
#include <string.h>

#define META "io.k8s.apimachinery.pkg.apis.meta.v1"
#define CORE "io.k8s.api.core.v1"
#define QUANTITY "io.k8s.apimachinery.pkg.api.resource.Quantity"
#define INT_OR_STRING "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
#define RAW_EXTENSION "io.k8s.apimachinery.pkg.runtime.RawExtension"
#define REF "#/components/schemas/"

/* ---- descriptions ---------------------------------------------------------- */

/*
 * Keyed by kind ("Pod"), by the tables' message name ("PodSpec"), by
 * "Message.field" or, for a kind's apiVersion and kind and any
 * message-valued metadata, spec or status without its own entry, "*.field".
 */
typedef struct {
    const char *key, *text;
} doc_entry;

static const doc_entry docs[] = {
    /* kinds */
    { "Pod", "Pod is a collection of containers that can run on a host. This resource is created by clients and "
             "scheduled onto hosts." },
    { "PodTemplate", "PodTemplate describes a template for creating copies of a predefined pod." },
    { "Binding", "Binding ties one object to another; for example, a pod is bound to a node by a scheduler." },
    { "Namespace", "Namespace provides a scope for Names. Use of multiple namespaces is optional." },
    { "ConfigMap", "ConfigMap holds configuration data for pods to consume." },
    { "Secret", "Secret holds secret data of a certain type. The total bytes of the values in the Data field must "
                "be less than MaxSecretSize bytes." },
    { "ServiceAccount", "ServiceAccount binds together: a name, understood by users, and perhaps by peripheral "
                        "systems, for an identity; a principal that can be authenticated and authorized; a set of "
                        "secrets." },
    { "Service", "Service is a named abstraction of software service (for example, mysql) consisting of local port "
                 "(for example 3306) that the proxy listens on, and the selector that determines which pods will "
                 "answer requests sent through the proxy." },
    { "ResourceQuota", "ResourceQuota sets aggregate quota restrictions enforced per namespace" },
    { "LimitRange", "LimitRange sets resource usage limits for each kind of resource in a Namespace." },
    { "PersistentVolumeClaim", "PersistentVolumeClaim is a user's request for and claim to a persistent volume" },
    { "ReplicationController", "ReplicationController represents the configuration of a replication controller." },
    { "Node", "Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in "
              "etcd)." },
    { "Endpoints", "Endpoints is a collection of endpoints that implement the actual service." },
    { "Event", "Event is a report of an event somewhere in the cluster. Events have a limited retention time and "
               "triggers and messages may evolve with time." },
    { "Deployment", "Deployment enables declarative updates for Pods and ReplicaSets." },
    { "ReplicaSet", "ReplicaSet ensures that a specified number of pod replicas are running at any given time." },
    { "StatefulSet", "StatefulSet represents a set of pods with consistent identities: a single stable DNS name "
                     "and hostname, and as many VolumeClaims as requested." },
    { "DaemonSet", "DaemonSet represents the configuration of a daemon set." },
    { "ControllerRevision", "ControllerRevision implements an immutable snapshot of state data. Clients are "
                            "responsible for serializing and deserializing the objects that contain their "
                            "internal state." },
    { "Job", "Job represents the configuration of a single job." },
    { "CronJob", "CronJob represents the configuration of a single cron job." },
    { "TokenRequest", "TokenRequest requests a token for a given service account." },
    { "TokenReview", "TokenReview attempts to authenticate a token to a known user." },
    { "SelfSubjectReview", "SelfSubjectReview contains the user information that the kube-apiserver has about the "
                           "user making this request." },
    { "SelfSubjectAccessReview", "SelfSubjectAccessReview checks whether or the current user can perform an "
                                 "action. Not filling in a spec.namespace means \"in all namespaces\"." },
    { "SubjectAccessReview", "SubjectAccessReview checks whether or not a user or group can perform an action." },
    { "Role", "Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a "
              "RoleBinding." },
    { "ClusterRole", "ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a "
                     "unit by a RoleBinding or ClusterRoleBinding." },
    { "RoleBinding", "RoleBinding references a role, but does not contain it. It can reference a Role in the same "
                     "namespace or a ClusterRole in the global namespace." },
    { "ClusterRoleBinding", "ClusterRoleBinding references a ClusterRole, but not contain it. It can reference a "
                            "ClusterRole in the global namespace, and adds who information via Subject." },
    { "Eviction", "Eviction evicts a pod from its node subject to certain policies and safety constraints. This is "
                  "a subresource of Pod." },
    { "PodDisruptionBudget", "PodDisruptionBudget is an object to define the max disruption that can be caused to "
                             "a collection of pods" },
    { "PriorityClass", "PriorityClass defines mapping from a priority class name to the priority integer value. "
                       "The value can be any valid integer." },
    { "Ingress", "Ingress is a collection of rules that allow inbound connections to reach the endpoints defined "
                 "by a backend." },
    { "Lease", "Lease defines a lease concept." },
    { "HorizontalPodAutoscaler", "HorizontalPodAutoscaler is the configuration for a horizontal pod autoscaler, "
                                 "which automatically manages the replica count of any resource implementing the "
                                 "scale subresource." },
    { "EndpointSlice", "EndpointSlice represents a subset of the endpoints that implement a service." },
    { "CertificateSigningRequest", "CertificateSigningRequest objects provide a mechanism to obtain x509 "
                                   "certificates by submitting a certificate signing request, and having it "
                                   "asynchronously approved and issued." },
    { "DeleteOptions", "DeleteOptions may be provided when deleting an API object." },
    /* messages */
    { "ObjectMeta", "ObjectMeta is metadata that all persisted resources must have, which includes all objects "
                    "users must create." },
    { "OwnerReference", "OwnerReference contains enough information to let you identify an owning object." },
    { "ManagedFieldsEntry", "ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource "
                            "that the fieldset applies to." },
    { "LabelSelector", "A label selector is a label query over a set of resources." },
    { "LabelSelectorRequirement", "A label selector requirement is a selector that contains values, a key, and an "
                                  "operator that relates the key and values." },
    { "Condition", "Condition contains details for one aspect of the current state of this API Resource." },
    { "PodSpec", "PodSpec is a description of a pod." },
    { "PodStatus", "PodStatus represents information about the status of a pod." },
    { "PodTemplateSpec", "PodTemplateSpec describes the data a pod should have when created from a template" },
    { "Container", "A single application container that you want to run within a pod." },
    { "ResourceRequirements", "ResourceRequirements describes the compute resource requirements." },
    { "ContainerPort", "ContainerPort represents a network port in a single container." },
    { "EnvVar", "EnvVar represents an environment variable present in a Container." },
    { "VolumeMount", "VolumeMount describes a mounting of a Volume within a container." },
    { "Volume", "Volume represents a named volume in a pod that may be accessed by any container in the pod." },
    { "Probe", "Probe describes a health check to be performed against a container to determine whether it is "
               "alive or ready to receive traffic." },
    { "SecurityContext", "SecurityContext holds security configuration that will be applied to a container." },
    { "ObjectReference", "ObjectReference contains enough information to let you inspect or modify the referred "
                         "object." },
    { "LocalObjectReference", "LocalObjectReference contains enough information to let you locate the referenced "
                              "object inside the same namespace." },
    { "Toleration", "The pod this Toleration is attached to tolerates any taint that matches the triple "
                    "<key,value,effect> using the matching operator <operator>." },
    { "Affinity", "Affinity is a group of affinity scheduling rules." },
    { "ServiceSpec", "ServiceSpec describes the attributes that a user creates on a service." },
    { "ServicePort", "ServicePort contains information on service's port." },
    { "ServiceStatus", "ServiceStatus represents the current status of a service." },
    { "DeploymentSpec", "DeploymentSpec is the specification of the desired behavior of the Deployment." },
    { "DeploymentStatus", "DeploymentStatus is the most recently observed status of the Deployment." },
    { "DeploymentStrategy", "DeploymentStrategy describes how to replace existing pods with new ones." },
    { "RollingUpdateDeployment", "Spec to control the desired behavior of rolling update." },
    { "ReplicaSetSpec", "ReplicaSetSpec is the specification of a ReplicaSet." },
    { "StatefulSetSpec", "A StatefulSetSpec is the specification of a StatefulSet." },
    { "DaemonSetSpec", "DaemonSetSpec is the specification of a daemon set." },
    { "JobSpec", "JobSpec describes how the job execution will look like." },
    { "JobTemplateSpec", "JobTemplateSpec describes the data a Job should have when created from a template" },
    { "CronJobSpec", "CronJobSpec describes how the job execution will look like and when it will actually run." },
    { "StatefulSetStatus", "StatefulSetStatus represents the current state of a StatefulSet." },
    { "DaemonSetStatus", "DaemonSetStatus represents the current status of a daemon set." },
    { "NodeStatus", "NodeStatus is information about the current status of a node." },
    { "NodeConfigSource", "NodeConfigSource specifies a source of node configuration." },
    { "IngressStatus", "IngressStatus describe the current state of the Ingress." },
    { "PodDisruptionBudgetStatus", "PodDisruptionBudgetStatus represents information about the status of a "
                                   "PodDisruptionBudget." },
    { "HorizontalPodAutoscalerStatus", "HorizontalPodAutoscalerStatus describes the current status of a "
                                       "horizontal pod autoscaler." },
    { "SelfSubjectReviewStatus", "SelfSubjectReviewStatus is filled by the kube-apiserver and sent back to a user." },
    /* fields */
    { "*.apiVersion", "APIVersion defines the versioned schema of this representation of an object. Servers "
                      "should convert recognized schemas to the latest internal value, and may reject "
                      "unrecognized values. More info: "
                      "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources" },
    { "*.kind", "Kind is a string value representing the REST resource this object represents. Servers may infer "
                "this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More "
                "info: https://git.k8s.io/community/contributors/devel/sig-architecture/"
                "api-conventions.md#types-kinds" },
    { "*.metadata", "Standard object's metadata. More info: "
                    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
    { "*.spec", "Specification of the desired behavior. More info: "
                "https://git.k8s.io/community/contributors/devel/sig-architecture/"
                "api-conventions.md#spec-and-status" },
    { "*.status", "Most recently observed status. Populated by the system. Read-only. More info: "
                  "https://git.k8s.io/community/contributors/devel/sig-architecture/"
                  "api-conventions.md#spec-and-status" },
    { "ObjectMeta.name", "Name must be unique within a namespace. Cannot be updated." },
    { "ObjectMeta.generateName", "GenerateName is an optional prefix, used by the server, to generate a unique "
                                 "name ONLY IF the Name field has not been provided." },
    { "ObjectMeta.namespace", "Namespace defines the space within which each name must be unique. An empty "
                              "namespace is equivalent to the \"default\" namespace." },
    { "ObjectMeta.uid", "UID is the unique in time and space value for this object. Populated by the system. "
                        "Read-only." },
    { "ObjectMeta.resourceVersion", "An opaque value that represents the internal version of this object that can "
                                    "be used by clients to determine when objects have changed." },
    { "ObjectMeta.generation", "A sequence number representing a specific generation of the desired state. "
                               "Populated by the system. Read-only." },
    { "ObjectMeta.creationTimestamp", "CreationTimestamp is a timestamp representing the server time when this "
                                      "object was created. Populated by the system. Read-only." },
    { "ObjectMeta.deletionTimestamp", "DeletionTimestamp is RFC 3339 date and time at which this resource will be "
                                      "deleted. Set by the server when a graceful deletion is requested." },
    { "ObjectMeta.labels", "Map of string keys and values that can be used to organize and categorize (scope and "
                           "select) objects." },
    { "ObjectMeta.annotations", "Annotations is an unstructured key value map stored with a resource that may be "
                                "set by external tools to store and retrieve arbitrary metadata." },
    { "ObjectMeta.ownerReferences", "List of objects depended by this object. If ALL objects in the list have been "
                                    "deleted, this object will be garbage collected." },
    { "ObjectMeta.finalizers", "Must be empty before the object is deleted from the registry." },
    { "ObjectMeta.managedFields", "ManagedFields maps workflow-id and version to the set of fields that are "
                                  "managed by that workflow." },
    { "Pod.spec", "Specification of the desired behavior of the pod." },
    { "Pod.status", "Most recently observed status of the pod. This data may not be up to date. Populated by the "
                    "system. Read-only." },
    { "PodSpec.containers", "List of containers belonging to the pod. Containers cannot currently be added or "
                            "removed. There must be at least one container in a Pod. Cannot be updated." },
    { "PodSpec.initContainers", "List of initialization containers belonging to the pod." },
    { "PodSpec.volumes", "List of volumes that can be mounted by containers belonging to the pod." },
    { "PodSpec.restartPolicy", "Restart policy for all containers within the pod. One of Always, OnFailure, "
                               "Never. Default to Always." },
    { "PodSpec.nodeSelector", "NodeSelector is a selector which must be true for the pod to fit on a node." },
    { "PodSpec.nodeName", "NodeName indicates in which node this pod is scheduled." },
    { "PodSpec.serviceAccountName", "ServiceAccountName is the name of the ServiceAccount to use to run this pod." },
    { "PodSpec.affinity", "If specified, the pod's scheduling constraints" },
    { "PodSpec.tolerations", "If specified, the pod's tolerations." },
    { "PodSpec.terminationGracePeriodSeconds", "Optional duration in seconds the pod needs to terminate "
                                               "gracefully." },
    { "PodSpec.hostNetwork", "Host networking requested for this pod. Default to false." },
    { "PodSpec.securityContext", "SecurityContext holds pod-level security attributes and common container "
                                 "settings." },
    { "PodSpec.imagePullSecrets", "ImagePullSecrets is an optional list of references to secrets in the same "
                                  "namespace to use for pulling any of the images used by this PodSpec." },
    { "PodTemplateSpec.spec", "Specification of the desired behavior of the pod." },
    { "Container.name", "Name of the container specified as a DNS_LABEL. Each container in a pod must have a "
                        "unique name (DNS_LABEL). Cannot be updated." },
    { "Container.image", "Container image name." },
    { "Container.command", "Entrypoint array. Not executed within a shell. The container image's ENTRYPOINT is "
                           "used if this is not provided." },
    { "Container.args", "Arguments to the entrypoint. The container image's CMD is used if this is not provided." },
    { "Container.workingDir", "Container's working directory." },
    { "Container.ports", "List of ports to expose from the container." },
    { "Container.env", "List of environment variables to set in the container. Cannot be updated." },
    { "Container.envFrom", "List of sources to populate environment variables in the container." },
    { "Container.resources", "Compute Resources required by this container. Cannot be updated." },
    { "Container.volumeMounts", "Pod volumes to mount into the container's filesystem. Cannot be updated." },
    { "Container.livenessProbe", "Periodic probe of container liveness. Container will be restarted if the probe "
                                 "fails. Cannot be updated." },
    { "Container.readinessProbe", "Periodic probe of container service readiness. Container will be removed from "
                                  "service endpoints if the probe fails. Cannot be updated." },
    { "Container.startupProbe", "StartupProbe indicates that the Pod has successfully initialized." },
    { "Container.imagePullPolicy", "Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always if "
                                   ":latest tag is specified, or IfNotPresent otherwise. Cannot be updated." },
    { "Container.securityContext", "SecurityContext defines the security options the container should be run "
                                   "with." },
    { "ResourceRequirements.limits", "Limits describes the maximum amount of compute resources allowed." },
    { "ResourceRequirements.requests", "Requests describes the minimum amount of compute resources required. If "
                                       "Requests is omitted for a container, it defaults to Limits if that is "
                                       "explicitly specified, otherwise to an implementation-defined value." },
    { "ResourceRequirements.claims", "Claims lists the names of resources, defined in spec.resourceClaims, that "
                                     "are used by this container." },
    { "ContainerPort.containerPort", "Number of port to expose on the pod's IP address. This must be a valid port "
                                     "number, 0 < x < 65536." },
    { "ContainerPort.name", "If specified, this must be an IANA_SVC_NAME and unique within the pod." },
    { "ContainerPort.protocol", "Protocol for port. Must be UDP, TCP, or SCTP. Defaults to \"TCP\"." },
    { "EnvVar.name", "Name of the environment variable. Must be a C_IDENTIFIER." },
    { "EnvVar.value", "Variable references $(VAR_NAME) are expanded using the previously defined environment "
                      "variables in the container and any service environment variables." },
    { "EnvVar.valueFrom", "Source for the environment variable's value. Cannot be used if value is not empty." },
    { "VolumeMount.name", "This must match the Name of a Volume." },
    { "VolumeMount.mountPath", "Path within the container at which the volume should be mounted. Must not contain "
                               "':'." },
    { "VolumeMount.readOnly", "Mounted read-only if true, read-write otherwise (false or unspecified). Defaults to "
                              "false." },
    { "Volume.name", "name of the volume. Must be a DNS_LABEL and unique within the pod." },
    { "ConfigMap.data", "Data contains the configuration data. Each key must consist of alphanumeric characters, "
                        "'-', '_' or '.'." },
    { "ConfigMap.binaryData", "BinaryData contains the binary data. Each key must consist of alphanumeric "
                              "characters, '-', '_' or '.'." },
    { "ConfigMap.immutable", "Immutable, if set to true, ensures that data stored in the ConfigMap cannot be "
                             "updated (only object metadata can be modified)." },
    { "Secret.data", "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or "
                     "'.'. The serialized form of the secret data is a base64 encoded string." },
    { "Secret.stringData", "stringData allows specifying non-binary secret data in string form. It is provided as "
                           "a write-only input field for convenience." },
    { "Secret.type", "Used to facilitate programmatic handling of secret data." },
    { "Secret.immutable", "Immutable, if set to true, ensures that data stored in the Secret cannot be updated "
                          "(only object metadata can be modified)." },
    { "Service.spec", "Spec defines the behavior of a service." },
    { "ServiceSpec.ports", "The list of ports that are exposed by this service." },
    { "ServiceSpec.selector", "Route service traffic to pods with label keys and values matching this selector." },
    { "ServiceSpec.clusterIP", "clusterIP is the IP address of the service and is usually assigned randomly." },
    { "ServiceSpec.type", "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are "
                          "ExternalName, ClusterIP, NodePort, and LoadBalancer." },
    { "ServicePort.name", "The name of this port within the service. This must be a DNS_LABEL." },
    { "ServicePort.protocol", "The IP protocol for this port. Supports \"TCP\", \"UDP\", and \"SCTP\". Default is "
                              "TCP." },
    { "ServicePort.port", "The port that will be exposed by this service." },
    { "ServicePort.targetPort", "Number or name of the port to access on the pods targeted by the service. Number "
                                "must be in the range 1 to 65535. Name must be an IANA_SVC_NAME." },
    { "ServicePort.nodePort", "The port on each node on which this service is exposed when type is NodePort or "
                              "LoadBalancer." },
    { "Deployment.spec", "Specification of the desired behavior of the Deployment." },
    { "Deployment.status", "Most recently observed status of the Deployment." },
    { "DeploymentSpec.replicas", "Number of desired pods. This is a pointer to distinguish between explicit zero "
                                 "and not specified. Defaults to 1." },
    { "DeploymentSpec.selector", "Label selector for pods. Existing ReplicaSets whose pods are selected by this "
                                 "will be the ones affected by this deployment. It must match the pod template's "
                                 "labels." },
    { "DeploymentSpec.template", "Template describes the pods that will be created." },
    { "DeploymentSpec.strategy", "The deployment strategy to use to replace existing pods with new ones." },
    { "DeploymentSpec.minReadySeconds", "Minimum number of seconds for which a newly created pod should be ready "
                                        "without any of its container crashing, for it to be considered "
                                        "available. Defaults to 0." },
    { "DeploymentSpec.revisionHistoryLimit", "The number of old ReplicaSets to retain to allow rollback. Defaults "
                                             "to 10." },
    { "DeploymentSpec.paused", "Indicates that the deployment is paused." },
    { "DeploymentSpec.progressDeadlineSeconds", "The maximum time in seconds for a deployment to make progress "
                                                "before it is considered to be failed. Defaults to 600s." },
    { "DeploymentStrategy.type", "Type of deployment. Can be \"Recreate\" or \"RollingUpdate\". Default is "
                                 "RollingUpdate." },
    { "DeploymentStrategy.rollingUpdate", "Rolling update config params. Present only if DeploymentStrategyType = "
                                          "RollingUpdate." },
    { "RollingUpdateDeployment.maxUnavailable", "The maximum number of pods that can be unavailable during the "
                                                "update. Value can be an absolute number (ex: 5) or a percentage "
                                                "of desired pods (ex: 10%). Defaults to 25%." },
    { "RollingUpdateDeployment.maxSurge", "The maximum number of pods that can be scheduled above the desired "
                                          "number of pods. Value can be an absolute number (ex: 5) or a "
                                          "percentage of desired pods (ex: 10%). Defaults to 25%." },
    { "JobSpec.template", "Describes the pod that will be created when executing a job." },
    { "JobSpec.completions", "Specifies the desired number of successfully finished pods the job should be run "
                             "with." },
    { "JobSpec.parallelism", "Specifies the maximum desired number of pods the job should run at any given time." },
    { "JobSpec.backoffLimit", "Specifies the number of retries before marking this job failed. Defaults to 6" },
    { "CronJobSpec.schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron." },
    { "CronJobSpec.jobTemplate", "Specifies the job that will be created when executing a CronJob." },
    { "CronJobSpec.suspend", "This flag tells the controller to suspend subsequent executions, it does not apply "
                             "to already started executions. Defaults to false." },
    { "LabelSelector.matchLabels", "matchLabels is a map of {key,value} pairs." },
    { "LabelSelector.matchExpressions", "matchExpressions is a list of label selector requirements. The "
                                        "requirements are ANDed." },
};

static const char *doc(const char *key)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(docs); i++)
        if (strcmp(docs[i].key, key) == 0)
            return docs[i].text;
    return NULL;
}

/* The description of field `f` of message `msg`; the generic metadata/spec/status texts only for messages. */
static const char *field_doc(const char *msg, const k8sc__pb_field *f)
{
    char key[160];
    snprintf(key, sizeof(key), "%s.%s", msg, f->json);
    const char *d = doc(key);
    if (d || f->kind != K8SC__PB_MESSAGE)
        return d;
    snprintf(key, sizeof(key), "*.%s", f->json);
    return doc(key);
}

/* ---- required fields, names ---------------------------------------------------- */

/* The fields the API requires, by the tables' message name. */
static const struct {
    const char *msg;
    const char *fields[4];
} required_fields[] = {
    { "Container", { "name" } }, { "EphemeralContainer", { "name" } }, { "PodSpec", { "containers" } },
    { "ContainerPort", { "containerPort" } }, { "EnvVar", { "name" } }, { "VolumeMount", { "name", "mountPath" } },
    { "Volume", { "name" } }, { "KeyToPath", { "key", "path" } }, { "VolumeDevice", { "name", "devicePath" } },
    { "ServicePort", { "port" } }, { "ConfigMapKeySelector", { "key" } }, { "SecretKeySelector", { "key" } },
    { "ObjectFieldSelector", { "fieldPath" } }, { "ResourceFieldSelector", { "resource" } },
    { "HTTPGetAction", { "port" } }, { "TCPSocketAction", { "port" } }, { "GRPCAction", { "port" } },
    { "HTTPHeader", { "name", "value" } }, { "Sysctl", { "name", "value" } }, { "HostAlias", { "ip" } },
    { "NodeSelectorRequirement", { "key", "operator" } }, { "NodeSelector", { "nodeSelectorTerms" } },
    { "PreferredSchedulingTerm", { "weight", "preference" } }, { "PodAffinityTerm", { "topologyKey" } },
    { "WeightedPodAffinityTerm", { "weight", "podAffinityTerm" } },
    { "TopologySpreadConstraint", { "maxSkew", "topologyKey", "whenUnsatisfiable" } },
    { "PodReadinessGate", { "conditionType" } }, { "PodOS", { "name" } }, { "PodSchedulingGate", { "name" } },
    { "PodResourceClaim", { "name" } }, { "ResourceClaim", { "name" } },
    { "ContainerResizePolicy", { "resourceName", "restartPolicy" } }, { "SeccompProfile", { "type" } },
    { "AppArmorProfile", { "type" } }, { "HostPathVolumeSource", { "path" } },
    { "NFSVolumeSource", { "server", "path" } }, { "PersistentVolumeClaimVolumeSource", { "claimName" } },
    { "DownwardAPIVolumeFile", { "path" } }, { "ServiceAccountTokenProjection", { "path" } },
    { "CSIVolumeSource", { "driver" } }, { "LimitRangeItem", { "type" } }, { "LimitRangeSpec", { "limits" } },
    { "ScopedResourceSelectorRequirement", { "scopeName", "operator" } }, { "Taint", { "key", "effect" } },
    { "PodCondition", { "type", "status" } }, { "NamespaceCondition", { "type", "status" } },
    { "Binding", { "target" } }, { "Event", { "metadata", "involvedObject" } },
    { "OwnerReference", { "apiVersion", "kind", "name", "uid" } },
    { "LabelSelectorRequirement", { "key", "operator" } },
    { "Condition", { "type", "status", "lastTransitionTime", "reason" } },
    { "DeploymentSpec", { "selector", "template" } }, { "DeploymentCondition", { "type", "status" } },
    { "ReplicaSetSpec", { "selector" } }, { "ReplicaSetCondition", { "type", "status" } },
    { "StatefulSetSpec", { "selector", "template" } }, { "DaemonSetSpec", { "selector", "template" } },
    { "ControllerRevision", { "revision" } }, { "JobSpec", { "template" } }, { "JobCondition", { "type", "status" } },
    { "CronJobSpec", { "schedule", "jobTemplate" } }, { "PodFailurePolicy", { "rules" } },
    { "PodFailurePolicyRule", { "action" } }, { "PodFailurePolicyOnExitCodesRequirement", { "operator", "values" } },
    { "PodFailurePolicyOnPodConditionsPattern", { "type", "status" } }, { "SuccessPolicy", { "rules" } },
    { "TokenRequestSpec", { "audiences" } }, { "TokenRequestStatus", { "token", "expirationTimestamp" } },
    { "TokenReview", { "spec" } }, { "SelfSubjectAccessReview", { "spec" } }, { "SubjectAccessReview", { "spec" } },
    { "SubjectAccessReviewStatus", { "allowed" } }, { "PolicyRule", { "verbs" } },
    { "Subject", { "kind", "name" } }, { "RoleRef", { "apiGroup", "kind", "name" } }, { "RoleBinding", { "roleRef" } },
    { "PriorityClass", { "value" } }, { "IngressServiceBackend", { "name" } },
    { "HTTPIngressPath", { "pathType", "backend" } }, { "HTTPIngressRuleValue", { "paths" } },
    { "CrossVersionObjectReference", { "kind", "name" } },
    { "HorizontalPodAutoscalerSpec", { "scaleTargetRef", "maxReplicas" } },
    { "HorizontalPodAutoscalerSpecV2", { "scaleTargetRef", "maxReplicas" } }, { "MetricSpec", { "type" } },
    { "MetricTarget", { "type" } }, { "MetricIdentifier", { "name" } },
    { "HPAScalingPolicy", { "type", "value", "periodSeconds" } },
    { "ObjectMetricSource", { "describedObject", "target", "metric" } },
    { "PodsMetricSource", { "metric", "target" } }, { "ResourceMetricSource", { "name", "target" } },
    { "ContainerResourceMetricSource", { "name", "target", "container" } },
    { "ExternalMetricSource", { "metric", "target" } }, { "EndpointSlice", { "addressType", "endpoints" } },
    { "SliceEndpoint", { "addresses" } }, { "ForZone", { "name" } }, { "EventsEvent", { "eventTime" } },
    { "CertificateSigningRequestSpec", { "request", "signerName" } },
    { "CertificateSigningRequestCondition", { "type", "status" } },
};

/*
 * Messages the tables name apart from their Go type (two versions of one
 * kind in one file), or place in another package than the group using
 * them: the name, and the package if not the user's.
 */
static const struct {
    const char *table, *package, *name;
} renames[] = {
    { "HorizontalPodAutoscalerV2", NULL, "HorizontalPodAutoscaler" },
    { "HorizontalPodAutoscalerSpecV2", NULL, "HorizontalPodAutoscalerSpec" },
    { "EventsEvent", NULL, "Event" },
    { "SliceEndpoint", NULL, "Endpoint" },
    { "SlicePort", NULL, "EndpointPort" },
    { "PersistentVolumeClaimTemplate", CORE, "PersistentVolumeClaim" },
    { "EventSource", CORE, "EventSource" },
    { "LabelSelectorRequirement", META, "LabelSelectorRequirement" },
    { "FieldSelectorRequirement", META, "FieldSelectorRequirement" },
};

/* apimachinery's value types: referenced by name, each a fixed schema. */
static const struct {
    const char *name, *json;
} values[] = {
    { META ".Time", "{\"description\":\"Time is a wrapper around time.Time which supports correct marshaling to "
                    "YAML and JSON. Wrappers are provided for many of the factory methods that the time package "
                    "offers.\",\"type\":\"string\",\"format\":\"date-time\"}" },
    { META ".MicroTime", "{\"description\":\"MicroTime is version of Time with microsecond level precision.\","
                         "\"type\":\"string\",\"format\":\"date-time\"}" },
    { QUANTITY, "{\"description\":\"Quantity is a fixed-point representation of a number. It provides convenient "
                "marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors. The "
                "serialization format is: <quantity> ::= <signedNumber><suffix>, where a suffix is a binary SI "
                "(Ki | Mi | Gi | Ti | Pi | Ei), decimal SI (m | \\\"\\\" | k | M | G | T | P | E) or decimal "
                "exponent (e<signedNumber> | E<signedNumber>).\",\"oneOf\":[{\"type\":\"string\"},"
                "{\"type\":\"number\"}]}" },
    { INT_OR_STRING, "{\"description\":\"IntOrString is a type that can hold an int32 or a string. When used in "
                     "JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type. This "
                     "allows you to have, for example, a JSON field that can accept a name or number.\","
                     "\"format\":\"int-or-string\",\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]}" },
    { META ".FieldsV1", "{\"description\":\"FieldsV1 stores a set of fields in a data structure like a Trie, in "
                        "JSON format.\",\"type\":\"object\"}" },
    { RAW_EXTENSION, "{\"description\":\"RawExtension is used to hold extensions in external versions.\","
                     "\"type\":\"object\"}" },
};

/* ---- building ----------------------------------------------------------------- */

typedef struct {
    const k8sc__pb_message *msg;
    char *name;
} owner;

typedef struct {
    struct json_object *schemas;
    owner *owners; /* which message each schema was made from */
    size_t nowners, cap;
    int rc;
} builder;

static void fail(builder *b, int rc)
{
    if (!b->rc)
        b->rc = rc;
}

/* obj[key] = val, taking `val`; a NULL on either side (allocation failure) marks the build failed. */
static void set(builder *b, struct json_object *obj, const char *key, struct json_object *val)
{
    if (!obj || !val || json_object_object_add(obj, key, val) != 0) {
        json_object_put(val);
        fail(b, K8SC_ENOMEM);
    }
}

static void push(builder *b, struct json_object *arr, struct json_object *val)
{
    if (!arr || !val || json_object_array_add(arr, val) != 0) {
        json_object_put(val);
        fail(b, K8SC_ENOMEM);
    }
}

static struct json_object *type(builder *b, const char *t, const char *format)
{
    struct json_object *s = json_object_new_object();
    set(b, s, "type", json_object_new_string(t));
    if (format)
        set(b, s, "format", json_object_new_string(format));
    return s;
}

/* {"allOf":[{"$ref":"#/components/schemas/NAME"}]}, as kube-openapi refers to a named schema. */
static struct json_object *ref(builder *b, const char *name)
{
    char target[320];
    snprintf(target, sizeof(target), REF "%s", name);
    struct json_object *r = json_object_new_object(), *all = json_object_new_array(), *s = json_object_new_object();
    set(b, r, "$ref", json_object_new_string(target));
    push(b, all, r);
    set(b, s, "allOf", all);
    return s;
}

static struct json_object *wrap(builder *b, const char *t, const char *key, struct json_object *inner)
{
    struct json_object *s = type(b, t, NULL);
    set(b, s, key, inner);
    return s;
}

/* A reference to value type `name`, whose schema joins the document the first time. */
static struct json_object *value_ref(builder *b, const char *name)
{
    if (!json_object_object_get_ex(b->schemas, name, NULL)) {
        for (size_t i = 0; i < K8SC__ARRAY_LEN(values); i++)
            if (strcmp(values[i].name, name) == 0)
                set(b, b->schemas, name, json_tokener_parse(values[i].json));
    }
    return ref(b, name);
}

/* 1 when `name` is new, taken for `m` (the caller builds it); 0 when `m` has it; ERROR when another message has. */
static int claim(builder *b, const char *name, const k8sc__pb_message *m)
{
    for (size_t i = 0; i < b->nowners; i++) {
        if (strcmp(b->owners[i].name, name) != 0)
            continue;
        if (b->owners[i].msg == m)
            return 0;
        return k8sc_error_set(K8SC_ERROR, "OpenAPI: messages %s and %s both make schema %s",
            b->owners[i].msg->name, m->name, name);
    }
    if (b->nowners == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        owner *o = k8sc__realloc(b->owners, cap * sizeof(*o));
        if (!o)
            return k8sc__error_nomem();
        b->owners = o;
        b->cap = cap;
    }
    char *copy = k8sc__strdup(name);
    if (!copy)
        return K8SC_ENOMEM;
    b->owners[b->nowners].msg = m;
    b->owners[b->nowners++].name = copy;
    return 1;
}

static const k8sc__pb_message *const meta_messages[] = {
    &k8sc__pb_ObjectMeta, &k8sc__pb_ListMeta, &k8sc__pb_LabelSelector, &k8sc__pb_Condition, &k8sc__pb_DeleteOptions,
};
static const k8sc__pb_message *const core_messages[] = {
    &k8sc__pb_PodTemplateSpec, &k8sc__pb_ObjectReference, &k8sc__pb_LocalObjectReference,
    &k8sc__pb_TypedLocalObjectReference, &k8sc__pb_Container, &k8sc__pb_PersistentVolumeClaimSpec,
    &k8sc__pb_EventSeries,
};

/*
 * A message's Go package and type name. Messages of one group's table
 * belong to the group that uses them, except the ones shared across
 * groups (declared in protobuf_internal.h) and those `renames` places.
 */
static void message_name(char *pkg, size_t pkg_size, char *name, size_t name_size, const k8sc__pb_message *m,
    const char *user_pkg)
{
    const char *p = user_pkg, *n = m->name;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(meta_messages); i++)
        if (meta_messages[i] == m)
            p = META;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(core_messages); i++)
        if (core_messages[i] == m)
            p = CORE;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(renames); i++) {
        if (strcmp(renames[i].table, m->name) == 0) {
            n = renames[i].name;
            p = renames[i].package ? renames[i].package : p;
        }
    }
    snprintf(pkg, pkg_size, "%s", p);
    snprintf(name, name_size, "%s", n);
}

static void build_message(builder *b, const k8sc__pb_message *m, const char *pkg, const char *name,
    const char *full, const k8sc__pb_kind_entry *top);

/*
 * A message-valued field: a reference to the message's schema, built on
 * first use. The tables' stand-in for an undescribed status (AnyStatus)
 * becomes a schema of its own per use, named after its owner:
 * StatefulSet.status -> StatefulSetStatus, NodeSpec.configSource -> NodeConfigSource.
 */
static struct json_object *message_ref(builder *b, const k8sc__pb_field *f, const char *pkg, const char *owner_name)
{
    char mpkg[128], name[128], full[300];
    if (f->msg == &k8sc__pb_AnyStatus) {
        size_t n = strlen(owner_name);
        if (n > 4 && strcmp(owner_name + n - 4, "Spec") == 0)
            n -= 4;
        snprintf(mpkg, sizeof(mpkg), "%s", pkg);
        snprintf(name, sizeof(name), "%.*s%c%s", (int)n, owner_name, toupper((unsigned char)f->json[0]), f->json + 1);
    } else {
        message_name(mpkg, sizeof(mpkg), name, sizeof(name), f->msg, pkg);
    }
    snprintf(full, sizeof(full), "%s.%s", mpkg, name);
    int rc = claim(b, full, f->msg);
    if (rc < 0)
        fail(b, rc);
    else if (rc == 1)
        build_message(b, f->msg, mpkg, name, full, NULL);
    return ref(b, full);
}

/* The schema of one value of field `f` (an element, for a repeated field). */
static struct json_object *value_schema(builder *b, const k8sc__pb_field *f, const char *pkg, const char *owner_name)
{
    switch (f->kind) {
    case K8SC__PB_INT32:
        return type(b, "integer", "int32");
    case K8SC__PB_INT64:
        return type(b, "integer", "int64");
    case K8SC__PB_BOOL:
        return type(b, "boolean", NULL);
    case K8SC__PB_BYTES:
        return type(b, "string", "byte");
    case K8SC__PB_MESSAGE:
        return message_ref(b, f, pkg, owner_name);
    case K8SC__PB_MAP_STRING:
        return wrap(b, "object", "additionalProperties", type(b, "string", NULL));
    case K8SC__PB_MAP_BYTES:
        return wrap(b, "object", "additionalProperties", type(b, "string", "byte"));
    case K8SC__PB_MAP_QUANTITY:
        return wrap(b, "object", "additionalProperties", value_ref(b, QUANTITY));
    case K8SC__PB_MAP_STRINGS:
        return wrap(b, "object", "additionalProperties", wrap(b, "array", "items", type(b, "string", NULL)));
    case K8SC__PB_TIME:
        return value_ref(b, META ".Time");
    case K8SC__PB_MICROTIME:
        return value_ref(b, META ".MicroTime");
    case K8SC__PB_INTORSTR:
        return value_ref(b, INT_OR_STRING);
    case K8SC__PB_QUANTITY:
        return value_ref(b, QUANTITY);
    case K8SC__PB_RAWJSON:
        return value_ref(b, strcmp(f->json, "fieldsV1") == 0 ? META ".FieldsV1" : RAW_EXTENSION);
    case K8SC__PB_STRING:
    default:
        return type(b, "string", NULL);
    }
}

/* The fields of `m` into `props`, an inlined message's in place (as Go's embedded structs). */
static void add_fields(builder *b, struct json_object *props, const k8sc__pb_message *m, const char *pkg,
    const char *owner_name)
{
    for (size_t i = 0; i < m->nfields && !b->rc; i++) {
        const k8sc__pb_field *f = &m->fields[i];
        if (f->kind == K8SC__PB_INLINE) {
            add_fields(b, props, f->msg, pkg, owner_name);
            continue;
        }
        struct json_object *v = value_schema(b, f, pkg, owner_name);
        if (f->flags & K8SC__PB_REPEATED)
            v = wrap(b, "array", "items", v);
        const char *d = field_doc(m->name, f);
        if (d)
            set(b, v, "description", json_object_new_string(d));
        set(b, props, f->json, v);
    }
}

static void add_required(builder *b, struct json_object *s, struct json_object *props, const k8sc__pb_message *m)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(required_fields); i++) {
        if (strcmp(required_fields[i].msg, m->name) != 0)
            continue;
        struct json_object *req = json_object_new_array();
        for (size_t j = 0; j < K8SC__ARRAY_LEN(required_fields[i].fields) && required_fields[i].fields[j]; j++)
            if (json_object_object_get_ex(props, required_fields[i].fields[j], NULL))
                push(b, req, json_object_new_string(required_fields[i].fields[j]));
        set(b, s, "required", req);
        return;
    }
}

/* A kind's schema: apiVersion and kind first, and the group/version/kind it stands for. */
static void add_kind(builder *b, struct json_object *s, struct json_object *props, const k8sc__pb_kind_entry *e)
{
    set(b, props, "apiVersion", type(b, "string", NULL));
    set(b, json_object_object_get(props, "apiVersion"), "description", json_object_new_string(doc("*.apiVersion")));
    set(b, props, "kind", type(b, "string", NULL));
    set(b, json_object_object_get(props, "kind"), "description", json_object_new_string(doc("*.kind")));
    const char *slash = strchr(e->api_version, '/');
    char group[128];
    snprintf(group, sizeof(group), "%.*s", slash ? (int)(slash - e->api_version) : 0, e->api_version);
    struct json_object *gvk = json_object_new_object(), *gvks = json_object_new_array();
    set(b, gvk, "group", json_object_new_string(group));
    set(b, gvk, "kind", json_object_new_string(e->kind));
    set(b, gvk, "version", json_object_new_string(slash ? slash + 1 : e->api_version));
    push(b, gvks, gvk);
    set(b, s, "x-kubernetes-group-version-kind", gvks);
}

/* Schema `full` of message `m` (claimed by the caller), in the document before its fields so that cycles end. */
static void build_message(builder *b, const k8sc__pb_message *m, const char *pkg, const char *name,
    const char *full, const k8sc__pb_kind_entry *top)
{
    struct json_object *s = json_object_new_object();
    set(b, b->schemas, full, json_object_get(s));
    const char *d = doc(top ? top->kind : name);
    if (d)
        set(b, s, "description", json_object_new_string(d));
    set(b, s, "type", json_object_new_string("object"));
    struct json_object *props = json_object_new_object();
    if (top)
        add_kind(b, s, props, top);
    add_fields(b, props, m, pkg, top ? top->kind : name);
    if (m == &k8sc__pb_AnyStatus)
        set(b, s, "x-kubernetes-preserve-unknown-fields", json_object_new_boolean(true));
    else
        add_required(b, s, props, m);
    set(b, s, "properties", props);
    json_object_put(s);
}

/* io.k8s.api.<group's first label|core>.<version>, meta.k8s.io's in apimachinery. */
static void gv_package(char *buf, size_t size, const char *api_version)
{
    const char *slash = strchr(api_version, '/');
    if (!slash)
        snprintf(buf, size, "io.k8s.api.core.%s", api_version);
    else if (strncmp(api_version, "meta.k8s.io/", 12) == 0)
        snprintf(buf, size, "io.k8s.apimachinery.pkg.apis.meta.%s", slash + 1);
    else
        snprintf(buf, size, "io.k8s.api.%.*s.%s", (int)strcspn(api_version, "./"), api_version, slash + 1);
}

static bool has_kinds(const char *api_version)
{
    const k8sc__pb_kind_entry *e;
    for (size_t i = 0; (e = k8sc__schema_kind_at(i)); i++)
        if (strcmp(e->api_version, api_version) == 0)
            return true;
    return false;
}

/* The schemas of `api_version`'s kinds ("" for none), serialized without the outer braces. */
static int build(char **out, size_t *len, const char *api_version)
{
    builder b = { json_object_new_object(), NULL, 0, 0, 0 };
    if (!b.schemas)
        return k8sc__error_nomem();
    static const k8sc__pb_field object_meta = K8SC__PB_M(1, "metadata", k8sc__pb_ObjectMeta);
    json_object_put(message_ref(&b, &object_meta, META, ""));
    char gv_pkg[128];
    gv_package(gv_pkg, sizeof(gv_pkg), api_version);
    const k8sc__pb_kind_entry *e;
    for (size_t i = 0; !b.rc && (e = k8sc__schema_kind_at(i)); i++) {
        if (strcmp(e->api_version, api_version) != 0)
            continue;
        char pkg[128], name[128], full[300];
        message_name(pkg, sizeof(pkg), name, sizeof(name), e->msg, gv_pkg);
        snprintf(full, sizeof(full), "%s.%s", pkg, e->kind);
        int rc = claim(&b, full, e->msg);
        if (rc < 0)
            fail(&b, rc);
        else if (rc == 1)
            build_message(&b, e->msg, pkg, e->kind, full, e);
        else /* met as a field's message first */
            add_kind(&b, json_object_object_get(b.schemas, full),
                json_object_object_get(json_object_object_get(b.schemas, full), "properties"), e);
    }
    char *text = NULL;
    int rc = b.rc ? b.rc : k8sc_json_encode(&text, len, b.schemas, 0);
    json_object_put(b.schemas);
    for (size_t i = 0; i < b.nowners; i++)
        k8sc_free(b.owners[i].name);
    k8sc_free(b.owners);
    if (rc)
        return rc;
    /* "{...}" -> "...": the members go next to other schemas in the document. */
    *len -= 2;
    memmove(text, text + 1, *len);
    text[*len] = '\0';
    *out = text;
    return 0;
}

/* ---- the cache ------------------------------------------------------------------ */

typedef struct cached {
    struct cached *next;
    char *api_version, *text;
    size_t len;
} cached;

/* One entry per group/version of the tables and one ("") for the rest: a bounded set, never freed. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cached *cache;

int k8sc__openapi_builtin_schemas(const char **out, size_t *len, const char *group, const char *version)
{
    char av[256];
    snprintf(av, sizeof(av), "%s%s%s", group, *group ? "/" : "", version);
    if (!has_kinds(av))
        av[0] = '\0';
    int rc = 0;
    pthread_mutex_lock(&cache_lock);
    cached *c = cache;
    while (c && strcmp(c->api_version, av) != 0)
        c = c->next;
    if (!c) {
        c = k8sc__calloc(1, sizeof(*c));
        if (!c || !(c->api_version = k8sc__strdup(av)))
            rc = K8SC_ENOMEM;
        if (!rc)
            rc = build(&c->text, &c->len, av);
        if (rc) {
            if (c)
                k8sc_free(c->api_version);
            k8sc_free(c);
            c = NULL;
        } else {
            c->next = cache;
            cache = c;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    if (c) {
        *out = c->text;
        *len = c->len;
    }
    return rc;
}
