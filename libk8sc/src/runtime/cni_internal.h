/*
 * The pod network of a runtime: a CNI runtime as the containernetworking
 * specification (SPEC.md) describes it and libcni implements it. The
 * first configuration of a directory names a list of plugins; each is
 * executed with CNI_COMMAND ADD (in order, each seeing the previous
 * result), DEL (in reverse) or CHECK. Results are cached on disk so DEL
 * gets its prevResult even after a restart. Only the plugins touch the
 * network.
 */
#ifndef K8SC_CNI_INTERNAL_H
#define K8SC_CNI_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime_internal.h"

struct json_object;

#define K8SC__CNI_DEFAULT_BIN_DIR "/usr/lib/cni:/opt/cni/bin"
#define K8SC__CNI_TIMEOUT_MS (60 * 1000)

/* Where the pod network comes from. conf_dir NULL: no pod network (DEL of cached attachments only). */
typedef struct k8sc__cni {
    char *conf_dir;
    char *bin_dir;   /* colon-separated search path */
    char *cache_dir; /* results kept for DEL: "<cache_dir>/results/…" */
    int timeout_ms;  /* per plugin run */
} k8sc__cni;

/*
 * Fill `c` from the runtime options (defaults as runtime.h says;
 * `root_dir` is the runtime's state directory for the cache). 0 or
 * ENOMEM. Without opts->cni_conf_dir there is no pod network (conf_dir
 * NULL: nothing is ADDed), but the plugin path and the cache are set so
 * that what an earlier runtime attached is still DELeted.
 */
int k8sc__cni_init(k8sc__cni *c, const k8sc_runtime_options *opts, const char *root_dir);
void k8sc__cni_fini(k8sc__cni *c);

/*
 * The network configuration list `conf_dir` sets up: the first of its
 * *.conflist, *.conf and *.json files in lexical order, a single plugin
 * (.conf, .json) wrapped into a list. *out is {"cniVersion", "name",
 * "plugins": [...]} (json_object_put). Errors: ENOTFOUND "no networks
 * found in DIR"; EINVAL naming the file and what is wrong.
 */
int k8sc__cni_load(struct json_object **out, const char *conf_dir);

/* Parse and validate configuration text from `file` (a list when `list`, else one plugin). As k8sc__cni_load. */
int k8sc__cni_parse(struct json_object **out, const char *text, size_t len, const char *file, bool list);

/*
 * Whether the pod network can be set up: 0 when a valid configuration is
 * present, EUNAVAILABLE "cni plugin not initialized: <why>" otherwise.
 */
int k8sc__cni_status(const char *conf_dir);

/* The pod a network attachment is for. Strings borrowed. */
typedef struct k8sc__cni_pod {
    const char *container_id; /* the sandbox's id */
    const char *netns;        /* path of its network namespace; NULL or missing (DEL): none */
    const char *ifname;       /* NULL: "eth0" */
    const char *pod_namespace;
    const char *pod_name;
    const char *pod_uid;
    const k8sc_runtime_port_mapping *port_mappings;
    size_t n_port_mappings;
} k8sc__cni_pod;

/*
 * ADD the pod to the network: every plugin in order, each given the
 * previous one's result. *ip (may be NULL) gets the pod's address without
 * prefix (caller frees; NULL when the result has none). The result is
 * cached for DEL. On failure the plugins are called with DEL (cleanup)
 * and the error names the failing plugin and its message.
 */
int k8sc__cni_add(const k8sc__cni *c, char **ip, const k8sc__cni_pod *pod);

/*
 * DEL the pod from the network, plugins in reverse order, with the cached
 * configuration and result when there is one (else the current
 * configuration, no prevResult). A missing netns is passed as none.
 * Deleting twice succeeds; with no cache and no configuration, nothing
 * is done.
 */
int k8sc__cni_del(const k8sc__cni *c, const k8sc__cni_pod *pod);

/* CHECK the pod's attachment (cniVersion 0.4.0 and later; older: 0). ENOTFOUND without a cached ADD. */
int k8sc__cni_check(const k8sc__cni *c, const k8sc__cni_pod *pod);

/*
 * Whether sandbox `container_id` is attached (an ADD is cached and not
 * DELeted since) and its address from the cached result (`ip` may be
 * NULL; caller frees; NULL when not attached). 0 or ENOMEM.
 */
int k8sc__cni_cached_ip(const k8sc__cni *c, bool *attached, char **ip, const char *container_id);

/*
 * Pin the network namespace of process `pid` (as containerd does): bind
 * mount /proc/<pid>/ns/net at "<dir>/<id>" (dir made if missing), so the
 * namespace outlives the process and DEL still finds it. *out gets the
 * path. EIO with the reason (mounting needs privileges).
 */
int k8sc__cni_netns_pin(char **out, const char *dir, const char *id, pid_t pid);
/* Unmount and remove a pinned namespace; a missing path is fine. */
void k8sc__cni_netns_unpin(const char *path);

/*
 * Execute plugin `type` (found on c->bin_dir) with CNI_COMMAND `command`
 * and `conf` (text) on stdin. On exit 0, *result gets its output parsed
 * (NULL when empty); otherwise the error object's msg and details become
 * the k8sc error (EIO). ETIMEOUT after c->timeout_ms; ENOTFOUND for a
 * plugin not on the path.
 */
int k8sc__cni_exec(struct json_object **result, const k8sc__cni *c, const char *type, const char *command,
                   const k8sc__cni_pod *pod, const char *conf);

#endif
