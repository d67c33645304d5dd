/*
 * Schema tables for the Kubernetes protobuf decoder: each generated message
 * (k8s.io/api/<group>/<version>/generated.proto) is a list of fields, each
 * naming its JSON key and how its value maps onto JSON.
 */
#ifndef K8SC_PROTOBUF_INTERNAL_H
#define K8SC_PROTOBUF_INTERNAL_H

#include "internal.h"

typedef enum {
    K8SC__PB_STRING,     /* string */
    K8SC__PB_INT32,      /* int32 varint, sign-extended */
    K8SC__PB_INT64,      /* int64 varint */
    K8SC__PB_BOOL,       /* bool varint */
    K8SC__PB_BYTES,      /* bytes, base64 in JSON */
    K8SC__PB_MESSAGE,    /* nested message, a JSON object */
    K8SC__PB_INLINE,     /* embedded struct (json:",inline"): its fields go into the parent object */
    K8SC__PB_MAP_STRING, /* map<string, string> */
    K8SC__PB_MAP_BYTES,  /* map<string, bytes>, values base64 */
    K8SC__PB_MAP_QUANTITY, /* map<string, resource.Quantity> */
    K8SC__PB_MAP_STRINGS,  /* map<string, StringArray {repeated string items = 1}>, e.g. SubjectAccessReview extra */
    K8SC__PB_TIME,       /* meta/v1 Time {1 seconds, 2 nanos}: "2006-01-02T15:04:05Z" */
    K8SC__PB_MICROTIME,  /* meta/v1 MicroTime: "2006-01-02T15:04:05.000000Z" */
    K8SC__PB_INTORSTR,   /* intstr.IntOrString {1 type, 2 intVal, 3 strVal} */
    K8SC__PB_QUANTITY,   /* resource.Quantity {1 string} */
    K8SC__PB_RAWJSON,    /* runtime.RawExtension / FieldsV1 {1 raw bytes}: the bytes are JSON */
} k8sc__pb_kind;

enum {
    K8SC__PB_REPEATED = 1 << 0, /* repeated: a JSON array */
    K8SC__PB_POINTER = 1 << 1,  /* a Go pointer: kept when zero (replicas: 0 is not "unset") */
    K8SC__PB_OPEN = 1 << 2,     /* the message's table is partial: JSON keys it lacks are not unknown (schema_walk.c) */
};

typedef struct k8sc__pb_message k8sc__pb_message;

typedef struct {
    uint32_t number;
    const char *json;           /* NULL for K8SC__PB_INLINE */
    uint8_t kind;               /* k8sc__pb_kind */
    uint8_t flags;
    const k8sc__pb_message *msg; /* for MESSAGE and INLINE */
} k8sc__pb_field;

struct k8sc__pb_message {
    const char *name;
    const k8sc__pb_field *fields;
    size_t nfields;
};

/* A top-level kind and its message. */
typedef struct {
    const char *api_version, *kind;
    const k8sc__pb_message *msg;
} k8sc__pb_kind_entry;

/* Table-building shorthands: F scalar, P pointer scalar, M message, I inline, R repeated. */
#define K8SC__PB_F(n, j, k) { (n), (j), K8SC__PB_##k, 0, NULL }
#define K8SC__PB_P(n, j, k) { (n), (j), K8SC__PB_##k, K8SC__PB_POINTER, NULL }
#define K8SC__PB_R(n, j, k) { (n), (j), K8SC__PB_##k, K8SC__PB_REPEATED, NULL }
#define K8SC__PB_M(n, j, m) { (n), (j), K8SC__PB_MESSAGE, 0, &(m) }
#define K8SC__PB_RM(n, j, m) { (n), (j), K8SC__PB_MESSAGE, K8SC__PB_REPEATED, &(m) }
#define K8SC__PB_I(n, m) { (n), NULL, K8SC__PB_INLINE, 0, &(m) }
/* Open variants: a message whose table lists only part of its fields. */
#define K8SC__PB_MO(n, j, m) { (n), (j), K8SC__PB_MESSAGE, K8SC__PB_OPEN, &(m) }
#define K8SC__PB_RMO(n, j, m) { (n), (j), K8SC__PB_MESSAGE, K8SC__PB_REPEATED | K8SC__PB_OPEN, &(m) }
#define K8SC__PB_IO(n, m) { (n), NULL, K8SC__PB_INLINE, K8SC__PB_OPEN, &(m) }
#define K8SC__PB_MSG(id, ...) \
    static const k8sc__pb_field id##_fields[] = { __VA_ARGS__ }; \
    static const k8sc__pb_message id = { #id, id##_fields, sizeof(id##_fields) / sizeof(id##_fields[0]) }
/* Same, visible to the other schema files (declared below). */
#define K8SC__PB_MSG_SHARED(id, ...) \
    static const k8sc__pb_field id##_fields[] = { __VA_ARGS__ }; \
    const k8sc__pb_message k8sc__pb_##id = { #id, id##_fields, sizeof(id##_fields) / sizeof(id##_fields[0]) }

/* meta/v1 (protobuf_schema_meta.c) */
extern const k8sc__pb_message k8sc__pb_ObjectMeta, k8sc__pb_ListMeta, k8sc__pb_LabelSelector, k8sc__pb_Condition,
    k8sc__pb_DeleteOptions;
/* core/v1 pieces other groups embed (protobuf_schema_core.c) */
extern const k8sc__pb_message k8sc__pb_PodTemplateSpec, k8sc__pb_ObjectReference, k8sc__pb_LocalObjectReference,
    k8sc__pb_TypedLocalObjectReference, k8sc__pb_Container, k8sc__pb_PersistentVolumeClaimSpec, k8sc__pb_EventSeries;

/*
 * A status whose fields the tables do not spell out (protobuf_schema_meta.c):
 * no fields, used open. Fields numbered 0 are JSON-only: the protobuf
 * decoder never meets them (tag 0 is invalid), schema_walk.c knows them.
 */
extern const k8sc__pb_message k8sc__pb_AnyStatus;

/* Per-group kind tables, each ending with a NULL entry. */
extern const k8sc__pb_kind_entry k8sc__pb_kinds_core[];
extern const k8sc__pb_kind_entry k8sc__pb_kinds_apps[];
extern const k8sc__pb_kind_entry k8sc__pb_kinds_auth[];
extern const k8sc__pb_kind_entry k8sc__pb_kinds_misc[];

#endif
