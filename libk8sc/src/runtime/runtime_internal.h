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

/*
 * Whether labels (looked up by `get` in `src`; NULL: absent) include
 * every pair of `want` (a NULL value matches ""). Backends filtering
 * their own records share it with k8sc_runtime_list_sandboxes_labeled.
 */
bool k8sc__runtime_labels_match(const k8sc_runtime_pair *want, size_t n,
                                const char *(*get)(const void *src, const char *name), const void *src);

/* Cgroups (runc_cgroup.c); runc_cgroup.c's header says how the mode is told. */
#define K8SC__CGROUP_ROOT "/sys/fs/cgroup"

/* A cgroup root and its mode. */
typedef struct k8sc__cgroup_fs {
    const char *root; /* borrowed */
    bool v2;          /* the unified hierarchy is mounted at root; else v1: "<root>/<controller>" each */
} k8sc__cgroup_fs;

/* The mode of the cgroup root `root` (statfs). EINVAL when it is neither kind; EIO if it cannot be read. */
int k8sc__cgroup_detect(k8sc__cgroup_fs *out, const char *root);
/* The host's cgroup root, detected once; v1 when it is neither kind (no cgroup filesystem to find anything in). */
const k8sc__cgroup_fs *k8sc__cgroup_host(void);
/* The directory of cgroup `path` ("/a/b") in `controller`'s hierarchy (v2 has one) (caller frees; NULL for ENOMEM). */
char *k8sc__cgroup_dir(const k8sc__cgroup_fs *fs, const char *controller, const char *path);
/* CPU and memory use of cgroup `path` as the kubelet counts them. An error naming the file that could not be read. */
int k8sc__cgroup_stats(const k8sc__cgroup_fs *fs, k8sc_container_stats *out, const char *path);
/* Remove the (empty) cgroup `path` from every hierarchy. */
void k8sc__cgroup_remove(const k8sc__cgroup_fs *fs, const char *path);
/*
 * A pod's own cgroup `parent` ("k8sc/pod<uid>", leading '/' optional)
 * goes from the host's hierarchies with the pod's last sandbox, as the
 * kubelet's pod container manager removes it; a top-level parent
 * (shared by pods) stays, and rmdir leaves one that is not empty.
 */
void k8sc__cgroup_remove_pod(const char *parent);
/*
 * v1 only (v2: nothing to do): make the top cgroup of `path` ("/k8sc" of
 * "/k8sc/pod…/…") in the cpuset hierarchy hand its CPUs and memory nodes
 * to every cgroup made below it (cgroup.clone_children), so that runc
 * finds them set and writes no cpuset.cpus: each such write validates
 * the new cgroup against all its siblings and rebuilds the scheduler's
 * domains over the whole hierarchy, a cost that grows with the number
 * of pods. Best effort: runc copies them itself where this failed.
 */
void k8sc__cgroup_cpuset_prepare(const k8sc__cgroup_fs *fs, const char *path);

/* The cgroup v2 cpu.weight of cgroup v1 cpu.shares, by Kubernetes' formula (shares clamped to 2..262144). */
uint64_t k8sc__cgroup_cpu_weight(uint64_t shares);

/* A limit as a cgroup v2 file takes it. */
typedef struct k8sc__cgroup_limit {
    const char *file; /* "cpu.weight", "cpu.max", "memory.max", "pids.max" */
    char value[48];   /* e.g. "39", "50000 100000" */
} k8sc__cgroup_limit;

#define K8SC__CGROUP_LIMITS_MAX 4

/* The v2 files and values that set `cfg`'s CPU, memory and pids limits (unset ones are left out); their number. */
size_t k8sc__cgroup_v2_limits(k8sc__cgroup_limit out[K8SC__CGROUP_LIMITS_MAX], const k8sc_container_config *cfg);

#endif
