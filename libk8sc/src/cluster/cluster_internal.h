/* Internals of the cluster module. */
#ifndef K8SC_CLUSTER_INTERNAL_H
#define K8SC_CLUSTER_INTERNAL_H

#include <json-c/json.h>

#include "internal.h"
#include "k8sc/cluster.h"
#include "k8sc/runtime.h"

/* "<dir>/<name>" (caller frees), NULL on ENOMEM. */
char *k8sc__cluster_path(const char *dir, const char *name);
/* The pid recorded in <dir>/pid, or 0. */
long k8sc__cluster_read_pid(const char *dir);
/* Record the runtime (and Docker's socket) in <dir>/runtime.conf for `k8sc down`. */
int k8sc__cluster_write_runtime(const char *dir, const k8sc_cluster_options *opts);

#endif
