/*
 * Protobuf schema: k8s.io/api policy/v1, scheduling/v1, networking/v1,
 * coordination/v1, autoscaling/v1 and v2, discovery/v1, events/v1 and
 * certificates/v1 generated.proto
 * (`kubectl drain`'s Eviction, `kubectl create pdb|priorityclass|ingress`,
 * `kubectl autoscale`, `kubectl certificate approve|deny`, Leases).
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

#define META M(1, "metadata", k8sc__pb_ObjectMeta)

/* ---- policy/v1 ---- */

K8SC__PB_MSG(Eviction, META, M(2, "deleteOptions", k8sc__pb_DeleteOptions));
K8SC__PB_MSG(PodDisruptionBudgetSpec,
    F(1, "minAvailable", INTORSTR), M(2, "selector", k8sc__pb_LabelSelector), F(3, "maxUnavailable", INTORSTR),
    P(4, "unhealthyPodEvictionPolicy", STRING));
K8SC__PB_MSG(PodDisruptionBudget,
    META, M(2, "spec", PodDisruptionBudgetSpec), MO(0, "status", k8sc__pb_AnyStatus));

/* ---- scheduling/v1 ---- */

K8SC__PB_MSG(PriorityClass,
    META, P(2, "value", INT32), F(3, "globalDefault", BOOL), F(4, "description", STRING),
    P(5, "preemptionPolicy", STRING));

/* ---- networking/v1 ---- */

K8SC__PB_MSG(ServiceBackendPort, F(1, "name", STRING), F(2, "number", INT32));
K8SC__PB_MSG(IngressServiceBackend, F(1, "name", STRING), M(2, "port", ServiceBackendPort));
K8SC__PB_MSG(IngressBackend,
    M(4, "service", IngressServiceBackend), M(3, "resource", k8sc__pb_TypedLocalObjectReference));
K8SC__PB_MSG(HTTPIngressPath, F(1, "path", STRING), P(3, "pathType", STRING), M(2, "backend", IngressBackend));
K8SC__PB_MSG(HTTPIngressRuleValue, RM(1, "paths", HTTPIngressPath));
K8SC__PB_MSG(IngressRuleValue, M(1, "http", HTTPIngressRuleValue));
K8SC__PB_MSG(IngressRule, F(1, "host", STRING), I(2, IngressRuleValue));
K8SC__PB_MSG(IngressTLS, R(1, "hosts", STRING), F(2, "secretName", STRING));
K8SC__PB_MSG(IngressSpec,
    P(4, "ingressClassName", STRING), M(1, "defaultBackend", IngressBackend), RM(2, "tls", IngressTLS),
    RM(3, "rules", IngressRule));
K8SC__PB_MSG(Ingress, META, M(2, "spec", IngressSpec), MO(0, "status", k8sc__pb_AnyStatus));

/* ---- coordination.k8s.io/v1 ---- */

K8SC__PB_MSG(LeaseSpec,
    P(1, "holderIdentity", STRING), P(2, "leaseDurationSeconds", INT32), P(3, "acquireTime", MICROTIME),
    P(4, "renewTime", MICROTIME), P(5, "leaseTransitions", INT32), P(6, "strategy", STRING),
    P(7, "preferredHolder", STRING));
K8SC__PB_MSG(Lease, META, M(2, "spec", LeaseSpec));

/* ---- autoscaling/v1 ---- */

K8SC__PB_MSG(CrossVersionObjectReference, F(1, "kind", STRING), F(2, "name", STRING), F(3, "apiVersion", STRING));
K8SC__PB_MSG(HorizontalPodAutoscalerSpec,
    M(1, "scaleTargetRef", CrossVersionObjectReference), P(2, "minReplicas", INT32), P(3, "maxReplicas", INT32),
    P(4, "targetCPUUtilizationPercentage", INT32));
K8SC__PB_MSG(HorizontalPodAutoscalerStatus,
    P(1, "observedGeneration", INT64), P(2, "lastScaleTime", TIME), P(3, "currentReplicas", INT32),
    P(4, "desiredReplicas", INT32), P(5, "currentCPUUtilizationPercentage", INT32));
K8SC__PB_MSG(HorizontalPodAutoscaler,
    META, M(2, "spec", HorizontalPodAutoscalerSpec), MO(3, "status", HorizontalPodAutoscalerStatus));

/* ---- autoscaling/v2 ---- */

K8SC__PB_MSG(MetricTarget,
    F(1, "type", STRING), P(2, "value", QUANTITY), P(3, "averageValue", QUANTITY), P(4, "averageUtilization", INT32));
K8SC__PB_MSG(MetricIdentifier, F(1, "name", STRING), M(2, "selector", k8sc__pb_LabelSelector));
K8SC__PB_MSG(ObjectMetricSource,
    M(1, "describedObject", CrossVersionObjectReference), M(2, "target", MetricTarget),
    M(3, "metric", MetricIdentifier));
K8SC__PB_MSG(PodsMetricSource, M(1, "metric", MetricIdentifier), M(2, "target", MetricTarget));
K8SC__PB_MSG(ResourceMetricSource, F(1, "name", STRING), M(2, "target", MetricTarget));
K8SC__PB_MSG(ContainerResourceMetricSource,
    F(1, "name", STRING), M(2, "target", MetricTarget), F(3, "container", STRING));
K8SC__PB_MSG(ExternalMetricSource, M(1, "metric", MetricIdentifier), M(2, "target", MetricTarget));
K8SC__PB_MSG(MetricSpec,
    F(1, "type", STRING), M(2, "object", ObjectMetricSource), M(3, "pods", PodsMetricSource),
    M(4, "resource", ResourceMetricSource), M(7, "containerResource", ContainerResourceMetricSource),
    M(5, "external", ExternalMetricSource));
K8SC__PB_MSG(HPAScalingPolicy, F(1, "type", STRING), F(2, "value", INT32), F(3, "periodSeconds", INT32));
K8SC__PB_MSG(HPAScalingRules,
    P(3, "stabilizationWindowSeconds", INT32), P(1, "selectPolicy", STRING), RM(2, "policies", HPAScalingPolicy));
K8SC__PB_MSG(HorizontalPodAutoscalerBehavior, M(1, "scaleUp", HPAScalingRules), M(2, "scaleDown", HPAScalingRules));
K8SC__PB_MSG(HorizontalPodAutoscalerSpecV2,
    M(1, "scaleTargetRef", CrossVersionObjectReference), P(2, "minReplicas", INT32), F(3, "maxReplicas", INT32),
    RM(4, "metrics", MetricSpec), M(5, "behavior", HorizontalPodAutoscalerBehavior));
K8SC__PB_MSG(HorizontalPodAutoscalerV2,
    META, M(2, "spec", HorizontalPodAutoscalerSpecV2), MO(0, "status", k8sc__pb_AnyStatus));

/* ---- discovery.k8s.io/v1 ---- */

K8SC__PB_MSG(EndpointConditions, P(1, "ready", BOOL), P(2, "serving", BOOL), P(3, "terminating", BOOL));
K8SC__PB_MSG(ForZone, F(1, "name", STRING));
K8SC__PB_MSG(EndpointHints, RM(1, "forZones", ForZone));
K8SC__PB_MSG(SliceEndpoint,
    R(1, "addresses", STRING), M(2, "conditions", EndpointConditions), P(3, "hostname", STRING),
    M(4, "targetRef", k8sc__pb_ObjectReference), F(5, "deprecatedTopology", MAP_STRING), P(6, "nodeName", STRING),
    P(7, "zone", STRING), M(8, "hints", EndpointHints));
K8SC__PB_MSG(SlicePort,
    P(1, "name", STRING), P(2, "protocol", STRING), P(3, "port", INT32), P(4, "appProtocol", STRING));
K8SC__PB_MSG(EndpointSlice,
    META, F(4, "addressType", STRING), RM(2, "endpoints", SliceEndpoint), RM(3, "ports", SlicePort));

/* ---- events.k8s.io/v1 ---- */

K8SC__PB_MSG(EventSource, F(1, "component", STRING), F(2, "host", STRING));
K8SC__PB_MSG(EventsEvent,
    META, F(2, "eventTime", MICROTIME), M(3, "series", k8sc__pb_EventSeries), F(4, "reportingController", STRING),
    F(5, "reportingInstance", STRING), F(6, "action", STRING), F(7, "reason", STRING),
    M(8, "regarding", k8sc__pb_ObjectReference), M(9, "related", k8sc__pb_ObjectReference), F(10, "note", STRING),
    F(11, "type", STRING), M(12, "deprecatedSource", EventSource), F(13, "deprecatedFirstTimestamp", TIME),
    F(14, "deprecatedLastTimestamp", TIME), F(15, "deprecatedCount", INT32));

/* ---- certificates.k8s.io/v1 ---- */

K8SC__PB_MSG(CertificateSigningRequestSpec,
    F(1, "request", BYTES), F(7, "signerName", STRING), P(8, "expirationSeconds", INT32), R(5, "usages", STRING),
    F(2, "username", STRING), F(3, "uid", STRING), R(4, "groups", STRING), F(6, "extra", MAP_STRINGS));
K8SC__PB_MSG(CertificateSigningRequestCondition,
    F(1, "type", STRING), F(6, "status", STRING), F(2, "reason", STRING), F(3, "message", STRING),
    F(4, "lastUpdateTime", TIME), F(5, "lastTransitionTime", TIME));
K8SC__PB_MSG(CertificateSigningRequestStatus,
    RM(1, "conditions", CertificateSigningRequestCondition), F(2, "certificate", BYTES));
K8SC__PB_MSG(CertificateSigningRequest,
    META, M(2, "spec", CertificateSigningRequestSpec), MO(3, "status", CertificateSigningRequestStatus));

const k8sc__pb_kind_entry k8sc__pb_kinds_misc[] = {
    { "policy/v1", "Eviction", &Eviction },
    { "policy/v1", "PodDisruptionBudget", &PodDisruptionBudget },
    { "scheduling.k8s.io/v1", "PriorityClass", &PriorityClass },
    { "networking.k8s.io/v1", "Ingress", &Ingress },
    { "coordination.k8s.io/v1", "Lease", &Lease },
    { "autoscaling/v1", "HorizontalPodAutoscaler", &HorizontalPodAutoscaler },
    { "autoscaling/v2", "HorizontalPodAutoscaler", &HorizontalPodAutoscalerV2 },
    { "discovery.k8s.io/v1", "EndpointSlice", &EndpointSlice },
    { "events.k8s.io/v1", "Event", &EventsEvent },
    { "certificates.k8s.io/v1", "CertificateSigningRequest", &CertificateSigningRequest },
    /* The body of a DELETE from a typed client (kubectl drain --disable-eviction). */
    { "v1", "DeleteOptions", &k8sc__pb_DeleteOptions },
    { "meta.k8s.io/v1", "DeleteOptions", &k8sc__pb_DeleteOptions },
    { NULL, NULL, NULL },
};
