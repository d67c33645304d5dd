/*
 * Protobuf schema: k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto
 * (ObjectMeta and the pieces every group embeds).
 */
#include "codec/protobuf_internal.h"

#define F K8SC__PB_F
#define P K8SC__PB_P
#define R K8SC__PB_R
#define M K8SC__PB_M
#define RM K8SC__PB_RM

K8SC__PB_MSG(OwnerReference,
    F(5, "apiVersion", STRING), F(1, "kind", STRING), F(3, "name", STRING), F(4, "uid", STRING),
    P(6, "controller", BOOL), P(7, "blockOwnerDeletion", BOOL));

K8SC__PB_MSG(ManagedFieldsEntry,
    F(1, "manager", STRING), F(2, "operation", STRING), F(3, "apiVersion", STRING), P(4, "time", TIME),
    F(6, "fieldsType", STRING), P(7, "fieldsV1", RAWJSON), F(8, "subresource", STRING));

K8SC__PB_MSG_SHARED(ObjectMeta,
    F(1, "name", STRING), F(2, "generateName", STRING), F(3, "namespace", STRING), F(4, "selfLink", STRING),
    F(5, "uid", STRING), F(6, "resourceVersion", STRING), F(7, "generation", INT64),
    F(8, "creationTimestamp", TIME), P(9, "deletionTimestamp", TIME), P(10, "deletionGracePeriodSeconds", INT64),
    F(11, "labels", MAP_STRING), F(12, "annotations", MAP_STRING), RM(13, "ownerReferences", OwnerReference),
    R(14, "finalizers", STRING), RM(17, "managedFields", ManagedFieldsEntry));

K8SC__PB_MSG_SHARED(ListMeta,
    F(1, "selfLink", STRING), F(2, "resourceVersion", STRING), F(3, "continue", STRING),
    P(4, "remainingItemCount", INT64));

K8SC__PB_MSG(LabelSelectorRequirement,
    F(1, "key", STRING), F(2, "operator", STRING), R(3, "values", STRING));

K8SC__PB_MSG_SHARED(LabelSelector,
    F(1, "matchLabels", MAP_STRING), RM(2, "matchExpressions", LabelSelectorRequirement));

K8SC__PB_MSG_SHARED(Condition,
    F(1, "type", STRING), F(2, "status", STRING), F(3, "observedGeneration", INT64),
    F(4, "lastTransitionTime", TIME), F(5, "reason", STRING), F(6, "message", STRING));

K8SC__PB_MSG(Preconditions, P(1, "uid", STRING), P(2, "resourceVersion", STRING));

K8SC__PB_MSG_SHARED(DeleteOptions,
    P(1, "gracePeriodSeconds", INT64), M(2, "preconditions", Preconditions), P(3, "orphanDependents", BOOL),
    P(4, "propagationPolicy", STRING), R(5, "dryRun", STRING),
    P(6, "ignoreStoreReadErrorWithClusterBreakingPotential", BOOL));

/* No fields: protobuf decodes it as {}, schema_walk.c accepts any keys when a field uses it open. */
const k8sc__pb_message k8sc__pb_AnyStatus = { "AnyStatus", NULL, 0 };
