/*
 * Protobuf schema: k8s.io/api authentication/v1, authorization/v1 and
 * rbac/v1 generated.proto (`kubectl create token`, `kubectl auth can-i`,
 * `kubectl create role|rolebinding|clusterrole|clusterrolebinding`).
 */
#include "codec/protobuf_internal.h"

#define F K8SC__PB_F
#define P K8SC__PB_P
#define R K8SC__PB_R
#define M K8SC__PB_M
#define RM K8SC__PB_RM
#define MO K8SC__PB_MO
#define RMO K8SC__PB_RMO

#define META M(1, "metadata", k8sc__pb_ObjectMeta)

/* ---- authentication/v1 ---- */

K8SC__PB_MSG(BoundObjectReference,
    F(1, "kind", STRING), F(2, "apiVersion", STRING), F(3, "name", STRING), F(4, "uid", STRING));
K8SC__PB_MSG(TokenRequestSpec,
    R(1, "audiences", STRING), P(4, "expirationSeconds", INT64), M(3, "boundObjectRef", BoundObjectReference));
K8SC__PB_MSG(TokenRequestStatus, P(1, "token", STRING), F(2, "expirationTimestamp", TIME));
K8SC__PB_MSG(TokenRequest, META, M(2, "spec", TokenRequestSpec), MO(3, "status", TokenRequestStatus));
K8SC__PB_MSG(TokenReviewSpec, F(1, "token", STRING), R(2, "audiences", STRING));
K8SC__PB_MSG(TokenReview, META, M(2, "spec", TokenReviewSpec));
K8SC__PB_MSG(SelfSubjectReview, META, MO(0, "status", k8sc__pb_AnyStatus));

/* ---- authorization/v1 ---- */

K8SC__PB_MSG(FieldSelectorRequirement, F(1, "key", STRING), F(2, "operator", STRING), R(3, "values", STRING));
K8SC__PB_MSG(FieldSelectorAttributes,
    F(1, "rawSelector", STRING), RM(2, "requirements", FieldSelectorRequirement));
K8SC__PB_MSG(LabelSelectorRequirement, F(1, "key", STRING), F(2, "operator", STRING), R(3, "values", STRING));
K8SC__PB_MSG(LabelSelectorAttributes,
    F(1, "rawSelector", STRING), RM(2, "requirements", LabelSelectorRequirement));
K8SC__PB_MSG(ResourceAttributes,
    F(1, "namespace", STRING), F(2, "verb", STRING), F(3, "group", STRING), F(4, "version", STRING),
    F(5, "resource", STRING), F(6, "subresource", STRING), F(7, "name", STRING),
    M(8, "fieldSelector", FieldSelectorAttributes), M(9, "labelSelector", LabelSelectorAttributes));
K8SC__PB_MSG(NonResourceAttributes, F(1, "path", STRING), F(2, "verb", STRING));
K8SC__PB_MSG(SelfSubjectAccessReviewSpec,
    M(1, "resourceAttributes", ResourceAttributes), M(2, "nonResourceAttributes", NonResourceAttributes));
K8SC__PB_MSG(SubjectAccessReviewSpec,
    M(1, "resourceAttributes", ResourceAttributes), M(2, "nonResourceAttributes", NonResourceAttributes),
    F(3, "user", STRING), R(4, "groups", STRING), F(5, "extra", MAP_STRINGS), F(6, "uid", STRING));
/* allowed has no omitempty in Go: a false is written out. */
K8SC__PB_MSG(SubjectAccessReviewStatus,
    P(1, "allowed", BOOL), F(4, "denied", BOOL), F(2, "reason", STRING), F(3, "evaluationError", STRING));
K8SC__PB_MSG(SelfSubjectAccessReview,
    META, M(2, "spec", SelfSubjectAccessReviewSpec), MO(3, "status", SubjectAccessReviewStatus));
K8SC__PB_MSG(SubjectAccessReview,
    META, M(2, "spec", SubjectAccessReviewSpec), MO(3, "status", SubjectAccessReviewStatus));

/* ---- rbac/v1 ---- */

K8SC__PB_MSG(PolicyRule,
    R(1, "verbs", STRING), R(2, "apiGroups", STRING), R(3, "resources", STRING), R(4, "resourceNames", STRING),
    R(5, "nonResourceURLs", STRING));
K8SC__PB_MSG(AggregationRule, RM(1, "clusterRoleSelectors", k8sc__pb_LabelSelector));
K8SC__PB_MSG(Subject, F(1, "kind", STRING), F(2, "apiGroup", STRING), F(3, "name", STRING),
    F(4, "namespace", STRING));
K8SC__PB_MSG(RoleRef, F(1, "apiGroup", STRING), F(2, "kind", STRING), F(3, "name", STRING));
K8SC__PB_MSG(Role, META, RM(2, "rules", PolicyRule));
K8SC__PB_MSG(ClusterRole, META, RM(2, "rules", PolicyRule), M(3, "aggregationRule", AggregationRule));
K8SC__PB_MSG(RoleBinding, META, RM(2, "subjects", Subject), M(3, "roleRef", RoleRef));

const k8sc__pb_kind_entry k8sc__pb_kinds_auth[] = {
    { "authentication.k8s.io/v1", "TokenRequest", &TokenRequest },
    { "authentication.k8s.io/v1", "TokenReview", &TokenReview },
    { "authentication.k8s.io/v1", "SelfSubjectReview", &SelfSubjectReview },
    { "authorization.k8s.io/v1", "SelfSubjectAccessReview", &SelfSubjectAccessReview },
    { "authorization.k8s.io/v1", "SubjectAccessReview", &SubjectAccessReview },
    { "rbac.authorization.k8s.io/v1", "Role", &Role },
    { "rbac.authorization.k8s.io/v1", "ClusterRole", &ClusterRole },
    { "rbac.authorization.k8s.io/v1", "RoleBinding", &RoleBinding },
    /* ClusterRoleBinding has RoleBinding's fields and numbers. */
    { "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", &RoleBinding },
    { NULL, NULL, NULL },
};
