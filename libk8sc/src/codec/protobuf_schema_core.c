/*
 * Protobuf schema: k8s.io/api/core/v1/generated.proto, the kinds kubectl
 * creates and the pod template the workload groups embed. Volume sources
 * beyond the everyday ones (cloud disks, iSCSI, ...) are left out and
 * skipped when present.
 */
#include "codec/protobuf_internal.h"

#define F K8SC__PB_F
#define P K8SC__PB_P
#define R K8SC__PB_R
#define M K8SC__PB_M
#define RM K8SC__PB_RM
#define MO K8SC__PB_MO
#define RMO K8SC__PB_RMO
#define I K8SC__PB_I

/* ---- references ---- */

K8SC__PB_MSG_SHARED(LocalObjectReference, F(1, "name", STRING));
K8SC__PB_MSG_SHARED(ObjectReference,
    F(1, "kind", STRING), F(2, "namespace", STRING), F(3, "name", STRING), F(4, "uid", STRING),
    F(5, "apiVersion", STRING), F(6, "resourceVersion", STRING), F(7, "fieldPath", STRING));
K8SC__PB_MSG_SHARED(TypedLocalObjectReference,
    P(1, "apiGroup", STRING), F(2, "kind", STRING), F(3, "name", STRING));
K8SC__PB_MSG(TypedObjectReference,
    P(1, "apiGroup", STRING), F(2, "kind", STRING), F(3, "name", STRING), P(4, "namespace", STRING));

/* ---- volumes ---- */

K8SC__PB_MSG(KeyToPath, F(1, "key", STRING), F(2, "path", STRING), P(3, "mode", INT32));
K8SC__PB_MSG(HostPathVolumeSource, F(1, "path", STRING), P(2, "type", STRING));
K8SC__PB_MSG(EmptyDirVolumeSource, F(1, "medium", STRING), P(2, "sizeLimit", QUANTITY));
K8SC__PB_MSG(SecretVolumeSource,
    F(1, "secretName", STRING), RM(2, "items", KeyToPath), P(3, "defaultMode", INT32), P(4, "optional", BOOL));
K8SC__PB_MSG(ConfigMapVolumeSource,
    I(1, k8sc__pb_LocalObjectReference), RM(2, "items", KeyToPath), P(3, "defaultMode", INT32),
    P(4, "optional", BOOL));
K8SC__PB_MSG(PersistentVolumeClaimVolumeSource, F(1, "claimName", STRING), F(2, "readOnly", BOOL));
K8SC__PB_MSG(NFSVolumeSource, F(1, "server", STRING), F(2, "path", STRING), F(3, "readOnly", BOOL));
K8SC__PB_MSG(ObjectFieldSelector, F(1, "apiVersion", STRING), F(2, "fieldPath", STRING));
K8SC__PB_MSG(ResourceFieldSelector,
    F(1, "containerName", STRING), F(2, "resource", STRING), P(3, "divisor", QUANTITY));
K8SC__PB_MSG(DownwardAPIVolumeFile,
    F(1, "path", STRING), M(2, "fieldRef", ObjectFieldSelector), M(3, "resourceFieldRef", ResourceFieldSelector),
    P(4, "mode", INT32));
K8SC__PB_MSG(DownwardAPIVolumeSource, RM(1, "items", DownwardAPIVolumeFile), P(2, "defaultMode", INT32));
K8SC__PB_MSG(DownwardAPIProjection, RM(1, "items", DownwardAPIVolumeFile));
K8SC__PB_MSG(ConfigMapProjection,
    I(1, k8sc__pb_LocalObjectReference), RM(2, "items", KeyToPath), P(4, "optional", BOOL));
K8SC__PB_MSG(SecretProjection,
    I(1, k8sc__pb_LocalObjectReference), RM(2, "items", KeyToPath), P(4, "optional", BOOL));
K8SC__PB_MSG(ServiceAccountTokenProjection,
    F(1, "audience", STRING), P(2, "expirationSeconds", INT64), F(3, "path", STRING));
K8SC__PB_MSG(VolumeProjection,
    M(1, "secret", SecretProjection), M(2, "downwardAPI", DownwardAPIProjection),
    M(3, "configMap", ConfigMapProjection), M(4, "serviceAccountToken", ServiceAccountTokenProjection));
K8SC__PB_MSG(ProjectedVolumeSource, RM(1, "sources", VolumeProjection), P(2, "defaultMode", INT32));
K8SC__PB_MSG(CSIVolumeSource,
    F(1, "driver", STRING), P(2, "readOnly", BOOL), P(3, "fsType", STRING), F(4, "volumeAttributes", MAP_STRING),
    M(5, "nodePublishSecretRef", k8sc__pb_LocalObjectReference));
K8SC__PB_MSG(VolumeSource,
    M(1, "hostPath", HostPathVolumeSource), M(2, "emptyDir", EmptyDirVolumeSource),
    M(6, "secret", SecretVolumeSource), M(7, "nfs", NFSVolumeSource),
    M(10, "persistentVolumeClaim", PersistentVolumeClaimVolumeSource),
    M(16, "downwardAPI", DownwardAPIVolumeSource), M(19, "configMap", ConfigMapVolumeSource),
    M(26, "projected", ProjectedVolumeSource), M(28, "csi", CSIVolumeSource));
/* Open: the volume sources left out above are accepted as they come. */
K8SC__PB_MSG(Volume, F(1, "name", STRING), K8SC__PB_IO(2, VolumeSource));

/* ---- containers ---- */

K8SC__PB_MSG(ConfigMapKeySelector,
    I(1, k8sc__pb_LocalObjectReference), F(2, "key", STRING), P(3, "optional", BOOL));
K8SC__PB_MSG(SecretKeySelector,
    I(1, k8sc__pb_LocalObjectReference), F(2, "key", STRING), P(3, "optional", BOOL));
K8SC__PB_MSG(EnvVarSource,
    M(1, "fieldRef", ObjectFieldSelector), M(2, "resourceFieldRef", ResourceFieldSelector),
    M(3, "configMapKeyRef", ConfigMapKeySelector), M(4, "secretKeyRef", SecretKeySelector));
K8SC__PB_MSG(EnvVar, F(1, "name", STRING), F(2, "value", STRING), M(3, "valueFrom", EnvVarSource));
K8SC__PB_MSG(ConfigMapEnvSource, I(1, k8sc__pb_LocalObjectReference), P(2, "optional", BOOL));
K8SC__PB_MSG(SecretEnvSource, I(1, k8sc__pb_LocalObjectReference), P(2, "optional", BOOL));
K8SC__PB_MSG(EnvFromSource,
    F(1, "prefix", STRING), M(2, "configMapRef", ConfigMapEnvSource), M(3, "secretRef", SecretEnvSource));
K8SC__PB_MSG(ContainerPort,
    F(1, "name", STRING), F(2, "hostPort", INT32), P(3, "containerPort", INT32), F(4, "protocol", STRING),
    F(5, "hostIP", STRING));
K8SC__PB_MSG(ResourceClaim, F(1, "name", STRING), F(2, "request", STRING));
K8SC__PB_MSG(ResourceRequirements,
    F(1, "limits", MAP_QUANTITY), F(2, "requests", MAP_QUANTITY), RM(3, "claims", ResourceClaim));
K8SC__PB_MSG(VolumeMount,
    F(1, "name", STRING), F(2, "readOnly", BOOL), P(7, "recursiveReadOnly", STRING), F(3, "mountPath", STRING),
    F(4, "subPath", STRING), P(5, "mountPropagation", STRING), F(6, "subPathExpr", STRING));
K8SC__PB_MSG(VolumeDevice, F(1, "name", STRING), F(2, "devicePath", STRING));
K8SC__PB_MSG(ExecAction, R(1, "command", STRING));
K8SC__PB_MSG(HTTPHeader, F(1, "name", STRING), P(2, "value", STRING));
K8SC__PB_MSG(HTTPGetAction,
    F(1, "path", STRING), F(2, "port", INTORSTR), F(3, "host", STRING), F(4, "scheme", STRING),
    RM(5, "httpHeaders", HTTPHeader));
K8SC__PB_MSG(TCPSocketAction, F(1, "port", INTORSTR), F(2, "host", STRING));
K8SC__PB_MSG(GRPCAction, P(1, "port", INT32), P(2, "service", STRING));
K8SC__PB_MSG(ProbeHandler,
    M(1, "exec", ExecAction), M(2, "httpGet", HTTPGetAction), M(3, "tcpSocket", TCPSocketAction),
    M(4, "grpc", GRPCAction));
K8SC__PB_MSG(Probe,
    I(1, ProbeHandler), F(2, "initialDelaySeconds", INT32), F(3, "timeoutSeconds", INT32),
    F(4, "periodSeconds", INT32), F(5, "successThreshold", INT32), F(6, "failureThreshold", INT32),
    P(7, "terminationGracePeriodSeconds", INT64));
K8SC__PB_MSG(SleepAction, P(1, "seconds", INT64));
K8SC__PB_MSG(LifecycleHandler,
    M(1, "exec", ExecAction), M(2, "httpGet", HTTPGetAction), M(3, "tcpSocket", TCPSocketAction),
    M(4, "sleep", SleepAction));
K8SC__PB_MSG(Lifecycle, M(1, "postStart", LifecycleHandler), M(2, "preStop", LifecycleHandler));
K8SC__PB_MSG(Capabilities, R(1, "add", STRING), R(2, "drop", STRING));
K8SC__PB_MSG(SELinuxOptions,
    F(1, "user", STRING), F(2, "role", STRING), F(3, "type", STRING), F(4, "level", STRING));
K8SC__PB_MSG(SeccompProfile, F(1, "type", STRING), P(2, "localhostProfile", STRING));
K8SC__PB_MSG(AppArmorProfile, F(1, "type", STRING), P(2, "localhostProfile", STRING));
K8SC__PB_MSG(WindowsSecurityContextOptions,
    P(1, "gmsaCredentialSpecName", STRING), P(2, "gmsaCredentialSpec", STRING), P(3, "runAsUserName", STRING),
    P(4, "hostProcess", BOOL));
K8SC__PB_MSG(SecurityContext,
    M(1, "capabilities", Capabilities), P(2, "privileged", BOOL), M(3, "seLinuxOptions", SELinuxOptions),
    P(4, "runAsUser", INT64), P(8, "runAsGroup", INT64), P(5, "runAsNonRoot", BOOL),
    P(6, "readOnlyRootFilesystem", BOOL), P(7, "allowPrivilegeEscalation", BOOL), P(9, "procMount", STRING),
    M(10, "windowsOptions", WindowsSecurityContextOptions),
    M(11, "seccompProfile", SeccompProfile), M(12, "appArmorProfile", AppArmorProfile));
K8SC__PB_MSG(ContainerResizePolicy, F(1, "resourceName", STRING), F(2, "restartPolicy", STRING));
K8SC__PB_MSG_SHARED(Container,
    F(1, "name", STRING), F(2, "image", STRING), R(3, "command", STRING), R(4, "args", STRING),
    F(5, "workingDir", STRING), RM(6, "ports", ContainerPort), RM(19, "envFrom", EnvFromSource),
    RM(7, "env", EnvVar), M(8, "resources", ResourceRequirements), RM(23, "resizePolicy", ContainerResizePolicy),
    P(24, "restartPolicy", STRING), RM(9, "volumeMounts", VolumeMount), RM(21, "volumeDevices", VolumeDevice),
    M(10, "livenessProbe", Probe), M(11, "readinessProbe", Probe), M(22, "startupProbe", Probe),
    M(12, "lifecycle", Lifecycle), F(13, "terminationMessagePath", STRING),
    F(20, "terminationMessagePolicy", STRING), F(14, "imagePullPolicy", STRING),
    M(15, "securityContext", SecurityContext), F(16, "stdin", BOOL), F(17, "stdinOnce", BOOL),
    F(18, "tty", BOOL));
K8SC__PB_MSG(EphemeralContainer, I(1, k8sc__pb_Container), F(2, "targetContainerName", STRING));

/* ---- pods ---- */

K8SC__PB_MSG(Toleration,
    F(1, "key", STRING), F(2, "operator", STRING), F(3, "value", STRING), F(4, "effect", STRING),
    P(5, "tolerationSeconds", INT64));
K8SC__PB_MSG(Sysctl, F(1, "name", STRING), F(2, "value", STRING));
K8SC__PB_MSG(PodSecurityContext,
    M(1, "seLinuxOptions", SELinuxOptions), M(8, "windowsOptions", WindowsSecurityContextOptions),
    P(2, "runAsUser", INT64), P(6, "runAsGroup", INT64),
    P(3, "runAsNonRoot", BOOL), R(4, "supplementalGroups", INT64), P(12, "supplementalGroupsPolicy", STRING),
    P(5, "fsGroup", INT64), RM(7, "sysctls", Sysctl), P(9, "fsGroupChangePolicy", STRING),
    M(10, "seccompProfile", SeccompProfile), M(11, "appArmorProfile", AppArmorProfile),
    P(13, "seLinuxChangePolicy", STRING));
K8SC__PB_MSG(HostAlias, F(1, "ip", STRING), R(2, "hostnames", STRING));
K8SC__PB_MSG(PodDNSConfigOption, F(1, "name", STRING), P(2, "value", STRING));
K8SC__PB_MSG(PodDNSConfig,
    R(1, "nameservers", STRING), R(2, "searches", STRING), RM(3, "options", PodDNSConfigOption));
K8SC__PB_MSG(NodeSelectorRequirement, F(1, "key", STRING), F(2, "operator", STRING), R(3, "values", STRING));
K8SC__PB_MSG(NodeSelectorTerm,
    RM(1, "matchExpressions", NodeSelectorRequirement), RM(2, "matchFields", NodeSelectorRequirement));
K8SC__PB_MSG(NodeSelector, RM(1, "nodeSelectorTerms", NodeSelectorTerm));
K8SC__PB_MSG(PreferredSchedulingTerm, P(1, "weight", INT32), M(2, "preference", NodeSelectorTerm));
K8SC__PB_MSG(NodeAffinity,
    M(1, "requiredDuringSchedulingIgnoredDuringExecution", NodeSelector),
    RM(2, "preferredDuringSchedulingIgnoredDuringExecution", PreferredSchedulingTerm));
K8SC__PB_MSG(PodAffinityTerm,
    M(1, "labelSelector", k8sc__pb_LabelSelector), R(2, "namespaces", STRING), F(3, "topologyKey", STRING),
    M(4, "namespaceSelector", k8sc__pb_LabelSelector), R(5, "matchLabelKeys", STRING),
    R(6, "mismatchLabelKeys", STRING));
K8SC__PB_MSG(WeightedPodAffinityTerm, P(1, "weight", INT32), M(2, "podAffinityTerm", PodAffinityTerm));
K8SC__PB_MSG(PodAffinity,
    RM(1, "requiredDuringSchedulingIgnoredDuringExecution", PodAffinityTerm),
    RM(2, "preferredDuringSchedulingIgnoredDuringExecution", WeightedPodAffinityTerm));
K8SC__PB_MSG(Affinity,
    M(1, "nodeAffinity", NodeAffinity), M(2, "podAffinity", PodAffinity), M(3, "podAntiAffinity", PodAffinity));
K8SC__PB_MSG(TopologySpreadConstraint,
    P(1, "maxSkew", INT32), F(2, "topologyKey", STRING), F(3, "whenUnsatisfiable", STRING),
    M(4, "labelSelector", k8sc__pb_LabelSelector), P(5, "minDomains", INT32),
    P(6, "nodeAffinityPolicy", STRING), P(7, "nodeTaintsPolicy", STRING), R(8, "matchLabelKeys", STRING));
K8SC__PB_MSG(PodReadinessGate, F(1, "conditionType", STRING));
K8SC__PB_MSG(PodOS, F(1, "name", STRING));
K8SC__PB_MSG(PodSchedulingGate, F(1, "name", STRING));
K8SC__PB_MSG(PodResourceClaim,
    F(1, "name", STRING), P(3, "resourceClaimName", STRING), P(4, "resourceClaimTemplateName", STRING));
K8SC__PB_MSG(PodSpec,
    RM(1, "volumes", Volume), RM(20, "initContainers", k8sc__pb_Container), RM(2, "containers", k8sc__pb_Container),
    RM(34, "ephemeralContainers", EphemeralContainer), F(3, "restartPolicy", STRING),
    P(4, "terminationGracePeriodSeconds", INT64), P(5, "activeDeadlineSeconds", INT64),
    F(6, "dnsPolicy", STRING), F(7, "nodeSelector", MAP_STRING), F(8, "serviceAccountName", STRING),
    F(9, "serviceAccount", STRING), P(21, "automountServiceAccountToken", BOOL), F(10, "nodeName", STRING),
    F(11, "hostNetwork", BOOL), F(12, "hostPID", BOOL), F(13, "hostIPC", BOOL),
    P(27, "shareProcessNamespace", BOOL), M(14, "securityContext", PodSecurityContext),
    RM(15, "imagePullSecrets", k8sc__pb_LocalObjectReference), F(16, "hostname", STRING),
    F(17, "subdomain", STRING), M(18, "affinity", Affinity), F(19, "schedulerName", STRING),
    RM(22, "tolerations", Toleration), RM(23, "hostAliases", HostAlias), F(24, "priorityClassName", STRING),
    P(25, "priority", INT32), M(26, "dnsConfig", PodDNSConfig), RM(28, "readinessGates", PodReadinessGate),
    P(29, "runtimeClassName", STRING), P(30, "enableServiceLinks", BOOL), P(31, "preemptionPolicy", STRING),
    F(32, "overhead", MAP_QUANTITY), RM(33, "topologySpreadConstraints", TopologySpreadConstraint),
    P(35, "setHostnameAsFQDN", BOOL), M(36, "os", PodOS), P(37, "hostUsers", BOOL),
    RM(38, "schedulingGates", PodSchedulingGate), RM(39, "resourceClaims", PodResourceClaim),
    M(40, "resources", ResourceRequirements));
K8SC__PB_MSG(PodCondition,
    F(1, "type", STRING), F(2, "status", STRING), F(3, "lastProbeTime", TIME), F(4, "lastTransitionTime", TIME),
    F(5, "reason", STRING), F(6, "message", STRING));
K8SC__PB_MSG(PodIP, F(1, "ip", STRING));
K8SC__PB_MSG(PodStatus,
    F(1, "phase", STRING), RM(2, "conditions", PodCondition), F(3, "message", STRING), F(4, "reason", STRING),
    F(11, "nominatedNodeName", STRING), F(5, "hostIP", STRING), F(6, "podIP", STRING), RM(12, "podIPs", PodIP),
    P(7, "startTime", TIME), F(9, "qosClass", STRING));
K8SC__PB_MSG(Pod, M(1, "metadata", k8sc__pb_ObjectMeta), M(2, "spec", PodSpec), MO(3, "status", PodStatus));
K8SC__PB_MSG_SHARED(PodTemplateSpec, M(1, "metadata", k8sc__pb_ObjectMeta), M(2, "spec", PodSpec));
K8SC__PB_MSG(PodTemplate, M(1, "metadata", k8sc__pb_ObjectMeta), M(2, "template", k8sc__pb_PodTemplateSpec));
K8SC__PB_MSG(Binding, M(1, "metadata", k8sc__pb_ObjectMeta), M(2, "target", k8sc__pb_ObjectReference));

/* ---- namespaces, configuration, accounts ---- */

K8SC__PB_MSG(NamespaceSpec, R(1, "finalizers", STRING));
K8SC__PB_MSG(NamespaceCondition,
    F(1, "type", STRING), F(2, "status", STRING), F(4, "lastTransitionTime", TIME), F(5, "reason", STRING),
    F(6, "message", STRING));
K8SC__PB_MSG(NamespaceStatus, F(1, "phase", STRING), RM(2, "conditions", NamespaceCondition));
K8SC__PB_MSG(Namespace,
    M(1, "metadata", k8sc__pb_ObjectMeta), M(2, "spec", NamespaceSpec), MO(3, "status", NamespaceStatus));
K8SC__PB_MSG(ConfigMap,
    M(1, "metadata", k8sc__pb_ObjectMeta), P(4, "immutable", BOOL), F(2, "data", MAP_STRING),
    F(3, "binaryData", MAP_BYTES));
K8SC__PB_MSG(Secret,
    M(1, "metadata", k8sc__pb_ObjectMeta), P(5, "immutable", BOOL), F(2, "data", MAP_BYTES),
    F(4, "stringData", MAP_STRING), F(3, "type", STRING));
K8SC__PB_MSG(ServiceAccount,
    M(1, "metadata", k8sc__pb_ObjectMeta), RM(2, "secrets", k8sc__pb_ObjectReference),
    RM(3, "imagePullSecrets", k8sc__pb_LocalObjectReference), P(4, "automountServiceAccountToken", BOOL));

/* ---- services ---- */

K8SC__PB_MSG(ServicePort,
    F(1, "name", STRING), F(2, "protocol", STRING), P(6, "appProtocol", STRING), P(3, "port", INT32),
    F(4, "targetPort", INTORSTR), F(5, "nodePort", INT32));
K8SC__PB_MSG(ClientIPConfig, P(1, "timeoutSeconds", INT32));
K8SC__PB_MSG(SessionAffinityConfig, M(1, "clientIP", ClientIPConfig));
K8SC__PB_MSG(ServiceSpec,
    RM(1, "ports", ServicePort), F(2, "selector", MAP_STRING), F(3, "clusterIP", STRING),
    R(18, "clusterIPs", STRING), F(4, "type", STRING), R(5, "externalIPs", STRING),
    F(7, "sessionAffinity", STRING), F(8, "loadBalancerIP", STRING), R(9, "loadBalancerSourceRanges", STRING),
    F(10, "externalName", STRING), F(11, "externalTrafficPolicy", STRING), F(12, "healthCheckNodePort", INT32),
    F(13, "publishNotReadyAddresses", BOOL), M(14, "sessionAffinityConfig", SessionAffinityConfig),
    R(19, "ipFamilies", STRING), P(17, "ipFamilyPolicy", STRING), P(20, "allocateLoadBalancerNodePorts", BOOL),
    P(21, "loadBalancerClass", STRING), P(22, "internalTrafficPolicy", STRING),
    P(23, "trafficDistribution", STRING));
K8SC__PB_MSG(PortStatus, P(1, "port", INT32), F(2, "protocol", STRING), P(3, "error", STRING));
K8SC__PB_MSG(LoadBalancerIngress,
    F(1, "ip", STRING), F(2, "hostname", STRING), P(3, "ipMode", STRING), RM(4, "ports", PortStatus));
K8SC__PB_MSG(LoadBalancerStatus, RM(1, "ingress", LoadBalancerIngress));
K8SC__PB_MSG(ServiceStatus, M(1, "loadBalancer", LoadBalancerStatus), RM(2, "conditions", k8sc__pb_Condition));
K8SC__PB_MSG(Service,
    M(1, "metadata", k8sc__pb_ObjectMeta), M(2, "spec", ServiceSpec), MO(3, "status", ServiceStatus));

/* ---- quotas and limits ---- */

K8SC__PB_MSG(ScopedResourceSelectorRequirement,
    F(1, "scopeName", STRING), F(2, "operator", STRING), R(3, "values", STRING));
K8SC__PB_MSG(ScopeSelector, RM(1, "matchExpressions", ScopedResourceSelectorRequirement));
K8SC__PB_MSG(ResourceQuotaSpec,
    F(1, "hard", MAP_QUANTITY), R(2, "scopes", STRING), M(3, "scopeSelector", ScopeSelector));
K8SC__PB_MSG(ResourceQuotaStatus, F(1, "hard", MAP_QUANTITY), F(2, "used", MAP_QUANTITY));
K8SC__PB_MSG(ResourceQuota,
    M(1, "metadata", k8sc__pb_ObjectMeta), M(2, "spec", ResourceQuotaSpec), MO(3, "status", ResourceQuotaStatus));
K8SC__PB_MSG(LimitRangeItem,
    F(1, "type", STRING), F(2, "max", MAP_QUANTITY), F(3, "min", MAP_QUANTITY), F(4, "default", MAP_QUANTITY),
    F(5, "defaultRequest", MAP_QUANTITY), F(6, "maxLimitRequestRatio", MAP_QUANTITY));
K8SC__PB_MSG(LimitRangeSpec, RM(1, "limits", LimitRangeItem));
K8SC__PB_MSG(LimitRange, M(1, "metadata", k8sc__pb_ObjectMeta), M(2, "spec", LimitRangeSpec));

/* ---- storage claims, replication controllers, nodes ---- */

K8SC__PB_MSG(VolumeResourceRequirements, F(1, "limits", MAP_QUANTITY), F(2, "requests", MAP_QUANTITY));
K8SC__PB_MSG_SHARED(PersistentVolumeClaimSpec,
    R(1, "accessModes", STRING), M(4, "selector", k8sc__pb_LabelSelector),
    M(2, "resources", VolumeResourceRequirements), F(3, "volumeName", STRING), P(5, "storageClassName", STRING),
    P(6, "volumeMode", STRING), M(7, "dataSource", k8sc__pb_TypedLocalObjectReference),
    M(8, "dataSourceRef", TypedObjectReference), P(9, "volumeAttributesClassName", STRING));
K8SC__PB_MSG(PersistentVolumeClaimStatus,
    F(1, "phase", STRING), R(2, "accessModes", STRING), F(3, "capacity", MAP_QUANTITY));
K8SC__PB_MSG(PersistentVolumeClaim,
    M(1, "metadata", k8sc__pb_ObjectMeta), M(2, "spec", k8sc__pb_PersistentVolumeClaimSpec),
    MO(3, "status", PersistentVolumeClaimStatus));
K8SC__PB_MSG(ReplicationControllerSpec,
    P(1, "replicas", INT32), F(4, "minReadySeconds", INT32), F(2, "selector", MAP_STRING),
    M(3, "template", k8sc__pb_PodTemplateSpec));
K8SC__PB_MSG(ReplicationControllerStatus,
    F(1, "replicas", INT32), F(2, "fullyLabeledReplicas", INT32), F(4, "readyReplicas", INT32),
    F(5, "availableReplicas", INT32), F(3, "observedGeneration", INT64));
K8SC__PB_MSG(ReplicationController,
    M(1, "metadata", k8sc__pb_ObjectMeta), M(2, "spec", ReplicationControllerSpec),
    MO(3, "status", ReplicationControllerStatus));
K8SC__PB_MSG(Taint,
    F(1, "key", STRING), F(2, "value", STRING), F(3, "effect", STRING), P(4, "timeAdded", TIME));
K8SC__PB_MSG(NodeSpec,
    F(1, "podCIDR", STRING), R(7, "podCIDRs", STRING), F(3, "providerID", STRING), F(4, "unschedulable", BOOL),
    RM(5, "taints", Taint), MO(0, "configSource", k8sc__pb_AnyStatus), F(2, "externalID", STRING));
K8SC__PB_MSG(Node,
    M(1, "metadata", k8sc__pb_ObjectMeta), M(2, "spec", NodeSpec), MO(0, "status", k8sc__pb_AnyStatus));

/* ---- endpoints and events ---- */

K8SC__PB_MSG(EndpointAddress,
    F(1, "ip", STRING), F(3, "hostname", STRING), P(4, "nodeName", STRING),
    M(2, "targetRef", k8sc__pb_ObjectReference));
K8SC__PB_MSG(EndpointPort,
    F(1, "name", STRING), P(2, "port", INT32), F(3, "protocol", STRING), P(4, "appProtocol", STRING));
K8SC__PB_MSG(EndpointSubset,
    RM(1, "addresses", EndpointAddress), RM(2, "notReadyAddresses", EndpointAddress), RM(3, "ports", EndpointPort));
K8SC__PB_MSG(Endpoints, M(1, "metadata", k8sc__pb_ObjectMeta), RM(2, "subsets", EndpointSubset));
K8SC__PB_MSG(EventSource, F(1, "component", STRING), F(2, "host", STRING));
K8SC__PB_MSG_SHARED(EventSeries, P(1, "count", INT32), F(2, "lastObservedTime", MICROTIME));
K8SC__PB_MSG(Event,
    M(1, "metadata", k8sc__pb_ObjectMeta), M(2, "involvedObject", k8sc__pb_ObjectReference),
    F(3, "reason", STRING), F(4, "message", STRING), M(5, "source", EventSource), F(6, "firstTimestamp", TIME),
    F(7, "lastTimestamp", TIME), F(8, "count", INT32), F(9, "type", STRING), F(10, "eventTime", MICROTIME),
    M(11, "series", k8sc__pb_EventSeries), F(12, "action", STRING), M(13, "related", k8sc__pb_ObjectReference),
    F(14, "reportingComponent", STRING), F(15, "reportingInstance", STRING));

const k8sc__pb_kind_entry k8sc__pb_kinds_core[] = {
    { "v1", "Pod", &Pod },
    { "v1", "PodTemplate", &PodTemplate },
    { "v1", "Binding", &Binding },
    { "v1", "Namespace", &Namespace },
    { "v1", "ConfigMap", &ConfigMap },
    { "v1", "Secret", &Secret },
    { "v1", "ServiceAccount", &ServiceAccount },
    { "v1", "Service", &Service },
    { "v1", "ResourceQuota", &ResourceQuota },
    { "v1", "LimitRange", &LimitRange },
    { "v1", "PersistentVolumeClaim", &PersistentVolumeClaim },
    { "v1", "ReplicationController", &ReplicationController },
    { "v1", "Node", &Node },
    { "v1", "Endpoints", &Endpoints },
    { "v1", "Event", &Event },
    { NULL, NULL, NULL },
};
