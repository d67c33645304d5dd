/* What the Endpoints and EndpointSlice controllers share (endpoints.c). */
#ifndef K8SC_CONTROLLERS_ENDPOINTS_H
#define K8SC_CONTROLLERS_ENDPOINTS_H

#include "workload.h"

/*
 * Whether a pod belongs in a Service's endpoints (shouldPodBeInEndpoints):
 * it has an IP, is not finished for good, and is not terminating unless
 * `include_terminating`.
 */
bool k8sc__pod_serves(const k8sc_object *pod, bool include_terminating);

/* The pod's port for a Service port (its targetPort, named ones looked up in the pod), or -1. */
int64_t k8sc__target_port(const k8sc_object *pod, struct json_object *svc_port);

/* {"kind":"Pod","namespace","name","uid"} of a pod, new. */
struct json_object *k8sc__target_ref(const k8sc_object *pod);

/* The cached pods the Service selects (none without a selector), new references. */
int k8sc__service_pods(k8sc_object ***out, size_t *count, k8sc_controller *ctl, const k8sc_object *svc);

/* Enqueue (in `ctl`) every Service of the pod's namespace that selects it. */
void k8sc__enqueue_services_of(k8sc_controller *ctl, const k8sc_object *pod);

#endif
