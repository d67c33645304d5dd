/* Internals shared by the runtime module's files and backends. */
#ifndef K8SC_RUNTIME_INTERNAL_H
#define K8SC_RUNTIME_INTERNAL_H

#include "k8sc/sys/runtime_backend.h"

/* The built-in backends. */
extern const k8sc_runtime_backend k8sc__runtime_fake;
extern const k8sc_runtime_backend k8sc__runtime_runc;
extern const k8sc_runtime_backend k8sc__runtime_docker;

/* Deep copies (owned strings); 0 or ENOMEM. n == 0 gives *out NULL. */
int k8sc__pairs_dup(k8sc_runtime_pair **out, const k8sc_runtime_pair *in, size_t n);
void k8sc__pairs_free(k8sc_runtime_pair *pairs, size_t n);

/* A NULL-terminated copy of `n` strings (k8sc_strv_free); 0 or ENOMEM. */
int k8sc__strv_dup(char ***out, const char *const *v, size_t n);

/* A deep copy of an image (k8sc_image_free); NULL on ENOMEM. */
k8sc_image *k8sc__image_dup(const k8sc_image *img);

/* Copy the labels and annotations of a sandbox config into a status. 0 or ENOMEM. */
int k8sc__sandbox_status_fill(k8sc_sandbox_status *st, const k8sc_sandbox_config *cfg);

/* Hand an allocated session (fds -1) to the backend's exec_start. */
int k8sc__runtime_exec_begin(k8sc_runtime *rt, k8sc_runtime_exec *ex, const char *id, const k8sc_exec_options *opts);
/* Hand an allocated session (fds -1) to the backend's attach (EUNAVAILABLE without one). */
int k8sc__runtime_attach_begin(k8sc_runtime *rt, k8sc_runtime_exec *ex, const char *id, const k8sc_attach_options *opts);

#endif
