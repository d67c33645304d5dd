/* k8sctl drain's pieces: its flags and the verdict on each pod of the node. */
#ifndef K8SC_CLI_DRAIN_INTERNAL_H
#define K8SC_CLI_DRAIN_INTERNAL_H

#include "cli_internal.h"

typedef struct k8sc__drain_opts {
    bool ignore_daemonsets, delete_emptydir_data, force, disable_eviction;
    const char *dry_run, *selector;
    int64_t grace_period, timeout_sec;
} k8sc__drain_opts;

typedef enum { K8SC__DRAIN_OKAY, K8SC__DRAIN_SKIP, K8SC__DRAIN_WARNING, K8SC__DRAIN_ERROR } k8sc__drain_reason;

/* Whether to delete a pod, and why not or with what warning. */
typedef struct k8sc__drain_status {
    bool del;
    k8sc__drain_reason reason;
    char message[512];
} k8sc__drain_status;

typedef struct k8sc__drain_pod {
    k8sc_object *pod; /* borrowed */
    k8sc__drain_status status;
} k8sc__drain_pod;

/* kubectl's drain filters (DaemonSet, mirror, local storage, unreplicated) on one pod. */
k8sc__drain_status k8sc__drain_classify(k8sc_client *c, const k8sc__drain_opts *o, const k8sc_object *pod);

/* Append "PREFIXMESSAGE: ns/a, ns/b" per distinct message of `reason`, separated by `sep`. */
void k8sc__drain_summary(k8sc__buf *out, const k8sc__drain_pod *pods, size_t n, k8sc__drain_reason reason,
    const char *prefix, const char *sep);

/* How many distinct messages the pods of `reason` have. */
size_t k8sc__drain_distinct(const k8sc__drain_pod *pods, size_t n, k8sc__drain_reason reason);

#endif
