/* Protobuf schema: k8s.io/api/apps/v1 and batch/v1 generated.proto (workloads). */
#include "codec/protobuf_internal.h"

#define F K8SC__PB_F
#define P K8SC__PB_P
#define R K8SC__PB_R
#define M K8SC__PB_M
#define RM K8SC__PB_RM
#define MO K8SC__PB_MO
#define RMO K8SC__PB_RMO

#define META M(1, "metadata", k8sc__pb_ObjectMeta)

/* ---- apps/v1 ---- */

K8SC__PB_MSG(RollingUpdateDeployment, F(1, "maxUnavailable", INTORSTR), F(2, "maxSurge", INTORSTR));
K8SC__PB_MSG(DeploymentStrategy, F(1, "type", STRING), M(2, "rollingUpdate", RollingUpdateDeployment));
K8SC__PB_MSG(DeploymentSpec,
    P(1, "replicas", INT32), M(2, "selector", k8sc__pb_LabelSelector), M(3, "template", k8sc__pb_PodTemplateSpec),
    M(4, "strategy", DeploymentStrategy), F(5, "minReadySeconds", INT32), P(6, "revisionHistoryLimit", INT32),
    F(7, "paused", BOOL), P(9, "progressDeadlineSeconds", INT32));
K8SC__PB_MSG(DeploymentCondition,
    F(1, "type", STRING), F(2, "status", STRING), F(6, "lastUpdateTime", TIME), F(7, "lastTransitionTime", TIME),
    F(4, "reason", STRING), F(5, "message", STRING));
K8SC__PB_MSG(DeploymentStatus,
    F(1, "observedGeneration", INT64), F(2, "replicas", INT32), F(3, "updatedReplicas", INT32),
    F(7, "readyReplicas", INT32), F(4, "availableReplicas", INT32), F(5, "unavailableReplicas", INT32),
    P(9, "terminatingReplicas", INT32), RM(6, "conditions", DeploymentCondition), P(8, "collisionCount", INT32));
K8SC__PB_MSG(Deployment, META, M(2, "spec", DeploymentSpec), MO(3, "status", DeploymentStatus));

K8SC__PB_MSG(ReplicaSetCondition,
    F(1, "type", STRING), F(2, "status", STRING), F(3, "lastTransitionTime", TIME), F(4, "reason", STRING),
    F(5, "message", STRING));
K8SC__PB_MSG(ReplicaSetSpec,
    P(1, "replicas", INT32), F(4, "minReadySeconds", INT32), M(2, "selector", k8sc__pb_LabelSelector),
    M(3, "template", k8sc__pb_PodTemplateSpec));
K8SC__PB_MSG(ReplicaSetStatus,
    F(1, "replicas", INT32), F(2, "fullyLabeledReplicas", INT32), F(4, "readyReplicas", INT32),
    F(5, "availableReplicas", INT32), F(3, "observedGeneration", INT64), RM(6, "conditions", ReplicaSetCondition));
K8SC__PB_MSG(ReplicaSet, META, M(2, "spec", ReplicaSetSpec), MO(3, "status", ReplicaSetStatus));

K8SC__PB_MSG(PersistentVolumeClaimTemplate,
    M(1, "metadata", k8sc__pb_ObjectMeta), M(2, "spec", k8sc__pb_PersistentVolumeClaimSpec));
K8SC__PB_MSG(RollingUpdateStatefulSetStrategy, P(1, "partition", INT32), F(2, "maxUnavailable", INTORSTR));
K8SC__PB_MSG(StatefulSetUpdateStrategy,
    F(1, "type", STRING), M(2, "rollingUpdate", RollingUpdateStatefulSetStrategy));
K8SC__PB_MSG(StatefulSetPersistentVolumeClaimRetentionPolicy,
    F(1, "whenDeleted", STRING), F(2, "whenScaled", STRING));
K8SC__PB_MSG(StatefulSetOrdinals, F(1, "start", INT32));
K8SC__PB_MSG(StatefulSetSpec,
    P(1, "replicas", INT32), M(2, "selector", k8sc__pb_LabelSelector), M(3, "template", k8sc__pb_PodTemplateSpec),
    RM(4, "volumeClaimTemplates", PersistentVolumeClaimTemplate), F(5, "serviceName", STRING),
    F(6, "podManagementPolicy", STRING), M(7, "updateStrategy", StatefulSetUpdateStrategy),
    P(8, "revisionHistoryLimit", INT32), F(9, "minReadySeconds", INT32),
    M(10, "persistentVolumeClaimRetentionPolicy", StatefulSetPersistentVolumeClaimRetentionPolicy),
    M(11, "ordinals", StatefulSetOrdinals));
K8SC__PB_MSG(StatefulSet, META, M(2, "spec", StatefulSetSpec), MO(0, "status", k8sc__pb_AnyStatus));

K8SC__PB_MSG(RollingUpdateDaemonSet, F(1, "maxUnavailable", INTORSTR), F(2, "maxSurge", INTORSTR));
K8SC__PB_MSG(DaemonSetUpdateStrategy, F(1, "type", STRING), M(2, "rollingUpdate", RollingUpdateDaemonSet));
K8SC__PB_MSG(DaemonSetSpec,
    M(1, "selector", k8sc__pb_LabelSelector), M(2, "template", k8sc__pb_PodTemplateSpec),
    M(3, "updateStrategy", DaemonSetUpdateStrategy), F(4, "minReadySeconds", INT32),
    P(6, "revisionHistoryLimit", INT32));
K8SC__PB_MSG(DaemonSet, META, M(2, "spec", DaemonSetSpec), MO(0, "status", k8sc__pb_AnyStatus));

K8SC__PB_MSG(ControllerRevision, META, P(2, "data", RAWJSON), F(3, "revision", INT64));

/* ---- batch/v1 ---- */

K8SC__PB_MSG(PodFailurePolicyOnExitCodesRequirement,
    P(1, "containerName", STRING), F(2, "operator", STRING), R(3, "values", INT32));
K8SC__PB_MSG(PodFailurePolicyOnPodConditionsPattern, F(1, "type", STRING), F(2, "status", STRING));
K8SC__PB_MSG(PodFailurePolicyRule,
    F(1, "action", STRING), M(2, "onExitCodes", PodFailurePolicyOnExitCodesRequirement),
    RM(3, "onPodConditions", PodFailurePolicyOnPodConditionsPattern));
K8SC__PB_MSG(PodFailurePolicy, RM(1, "rules", PodFailurePolicyRule));
K8SC__PB_MSG(SuccessPolicyRule, P(1, "succeededIndexes", STRING), P(2, "succeededCount", INT32));
K8SC__PB_MSG(SuccessPolicy, RM(1, "rules", SuccessPolicyRule));
K8SC__PB_MSG(JobSpec,
    P(1, "parallelism", INT32), P(2, "completions", INT32), P(3, "activeDeadlineSeconds", INT64),
    P(7, "backoffLimit", INT32), P(12, "backoffLimitPerIndex", INT32), P(13, "maxFailedIndexes", INT32),
    M(4, "selector", k8sc__pb_LabelSelector), P(5, "manualSelector", BOOL),
    M(6, "template", k8sc__pb_PodTemplateSpec), P(8, "ttlSecondsAfterFinished", INT32),
    P(9, "completionMode", STRING), P(10, "suspend", BOOL), P(14, "podReplacementPolicy", STRING),
    P(15, "managedBy", STRING), M(11, "podFailurePolicy", PodFailurePolicy),
    M(16, "successPolicy", SuccessPolicy));
K8SC__PB_MSG(JobCondition,
    F(1, "type", STRING), F(2, "status", STRING), F(3, "lastProbeTime", TIME), F(4, "lastTransitionTime", TIME),
    F(5, "reason", STRING), F(6, "message", STRING));
K8SC__PB_MSG(JobStatus,
    RM(1, "conditions", JobCondition), P(2, "startTime", TIME), P(3, "completionTime", TIME),
    F(4, "active", INT32), F(5, "succeeded", INT32), F(6, "failed", INT32), P(11, "terminating", INT32),
    F(7, "completedIndexes", STRING), P(10, "failedIndexes", STRING), P(9, "ready", INT32));
K8SC__PB_MSG(Job, META, M(2, "spec", JobSpec), MO(3, "status", JobStatus));

K8SC__PB_MSG(JobTemplateSpec, META, M(2, "spec", JobSpec));
K8SC__PB_MSG(CronJobSpec,
    F(1, "schedule", STRING), P(8, "timeZone", STRING), P(2, "startingDeadlineSeconds", INT64),
    F(3, "concurrencyPolicy", STRING), P(4, "suspend", BOOL), M(5, "jobTemplate", JobTemplateSpec),
    P(6, "successfulJobsHistoryLimit", INT32), P(7, "failedJobsHistoryLimit", INT32));
K8SC__PB_MSG(CronJobStatus,
    RM(1, "active", k8sc__pb_ObjectReference), P(4, "lastScheduleTime", TIME), P(5, "lastSuccessfulTime", TIME));
K8SC__PB_MSG(CronJob, META, M(2, "spec", CronJobSpec), MO(3, "status", CronJobStatus));

const k8sc__pb_kind_entry k8sc__pb_kinds_apps[] = {
    { "apps/v1", "Deployment", &Deployment },
    { "apps/v1", "ReplicaSet", &ReplicaSet },
    { "apps/v1", "StatefulSet", &StatefulSet },
    { "apps/v1", "DaemonSet", &DaemonSet },
    { "apps/v1", "ControllerRevision", &ControllerRevision },
    { "batch/v1", "Job", &Job },
    { "batch/v1", "CronJob", &CronJob },
    { NULL, NULL, NULL },
};
