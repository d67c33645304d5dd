/* Internals of the kubelet module. */
#ifndef K8SC_KUBELET_INTERNAL_H
#define K8SC_KUBELET_INTERNAL_H

#include <json-c/json.h>
#include <pthread.h>

#include "controller/controller_internal.h"
#include "internal.h"
#include "k8sc/kubelet.h"

/* CrashLoopBackOff: 10 s doubling to 5 min, forgotten after 10 min of running. */
#define KL_BACKOFF_INITIAL_NS (10 * 1000000000LL)
#define KL_BACKOFF_MAX_NS (300 * 1000000000LL)
#define KL_BACKOFF_RESET_NS (600 * 1000000000LL)
#define KL_RELIST_NS (1000000000LL)
#define KL_LEASE_RENEW_NS (10 * 1000000000LL)
#define KL_LEASE_DURATION_S 40
#define KL_STATUS_EVERY_NS (60 * 1000000000LL)
/* How long the runtime's network readiness is trusted before it is asked again (kubelet's runtimeState). */
#define KL_NETWORK_EVERY_NS (5 * 1000000000LL)

/* Back-off of one container (or image pull) of a pod. */
typedef struct kl_backoff {
    char *name;
    int64_t delay_ns; /* the next wait; 0: none yet */
    int64_t until_ns; /* wall ns before which no restart happens */
} kl_backoff;

/* Probe kinds, in the order they gate each other. */
enum { KL_STARTUP = 0, KL_LIVENESS = 1, KL_READINESS = 2, KL_PROBES = 3 };

typedef struct kl_probe_result {
    int64_t last; /* wall ns of the last run; 0: never */
    int successes, failures;
    bool ok;
    bool ran;
} kl_probe_result;

/* The probe results of one container instance. */
typedef struct kl_probes {
    char *name;
    char *container_id;
    kl_probe_result kind[KL_PROBES];
} kl_probes;

/* What the kubelet remembers about a pod between syncs (keyed by uid). */
typedef struct kl_pod {
    k8sc__keynode node;
    int64_t start_time; /* unix seconds the kubelet first saw it */
    bool admitted;
    char *reject_reason; /* admission: the pod is failed with it */
    char *reject_message;
    kl_backoff *backoffs;
    size_t n_backoffs;
    /* Waiting reasons of containers that could not be made (keyed by container name). */
    json_object *waiting; /* {name: {"reason":…, "message":…}} */
    kl_probes *probes;
    size_t n_probes;
} kl_pod;

/* What pods' resolv.conf is made from (dns.c). */
typedef struct kl_dns {
    json_object *servers; /* cluster DNS addresses (array of strings; empty: none) */
    char *domain;         /* the cluster domain ("": none) */
    char *resolv_conf;    /* the node's resolver configuration ("": none) */
    bool resolv_default;  /* resolv_conf is the default: a missing file counts as empty */
} kl_dns;

struct k8sc_kubelet {
    k8sc_client *client;
    k8sc_runtime *rt;
    k8sc_clock *clock;
    char *node_name;
    char *node_ip;
    char *data_dir;
    char *pod_manifest_path;
    json_object *node_labels;  /* object */
    json_object *taints;       /* array */
    json_object *capacity;     /* object of quantities */
    bool register_node;
    char *listen_address;
    int port;
    int workers;
    k8sc_event_recorder *recorder;
    int64_t max_pids; /* per container; 0: none */
    kl_dns dns;

    k8sc_informer_factory *factory;
    k8sc_controller *pods;
    k8sc_workqueue *house; /* "relist", "heartbeat" */
    pthread_t house_thread;
    bool started, stopped;
    int epfd;

    pthread_mutex_t lock; /* guards what follows */
    k8sc__keymap pod_state; /* uid → kl_pod */
    k8sc__keymap seen;      /* container id → state as of the last relist */
    bool registered;
    int64_t last_status_ns; /* mono ns of the last node status write */
    json_object *last_node_status;
    bool network_checked;       /* the runtime was asked for its network readiness */
    bool network_ready;         /* its answer then */
    int64_t network_checked_ns; /* mono ns of that answer */
    uint16_t bound_port;
    void *server; /* k8sc__node_server */
};

/* kubelet.c */
/* The pod state of `uid`, created on first use (under k->lock). NULL on ENOMEM. */
kl_pod *k8sc__kl_pod_state(k8sc_kubelet *k, const char *uid);
/* Forget the state of pod `uid` (under k->lock). */
void k8sc__kl_pod_forget(k8sc_kubelet *k, const char *uid);

/* node.c: register the Node, keep its status and Lease fresh. */
int k8sc__kl_heartbeat(k8sc_kubelet *k);
/* The node's allocatable (a new JSON object of quantities). */
json_object *k8sc__kl_allocatable(k8sc_kubelet *k);
/*
 * Whether the runtime's pod network is ready, as last asked: the answer
 * the node status got, or a new one if older than KL_NETWORK_EVERY_NS.
 */
bool k8sc__kl_network_ready(k8sc_kubelet *k);

/* static_pods.c: make the mirror pods match --pod-manifest-path. */
int k8sc__kl_static_pods(k8sc_kubelet *k, const char *node_uid);

/* images.c: import the archives in <data-dir>/images into the runtime; the number imported. */
int k8sc__kl_import_images(k8sc_kubelet *k);

/* machine.c: facts about this machine. */
json_object *k8sc__kl_machine_capacity(const char *data_dir);
json_object *k8sc__kl_node_info(k8sc_kubelet *k);

/* relist.c: compare the runtime's containers with the last relist; enqueue pods that changed. */
int k8sc__kl_relist(k8sc_kubelet *k);

/* sync.c: the pod worker. */
int k8sc__kl_sync_pod(k8sc_reconcile_result *result, k8sc_controller *ctl, const char *namespace_,
                      const char *name, void *userdata);

/* Paths under the data directory (caller frees). */
char *k8sc__kl_pod_dir(const k8sc_kubelet *k, const char *uid);
char *k8sc__kl_log_dir(const k8sc_kubelet *k, const k8sc_object *pod);
/* <data>/logs/<ns>_<name>_<uid>, the pod's log directory, by its parts. */
char *k8sc__kl_log_dir_of(const k8sc_kubelet *k, const char *ns, const char *name, const char *uid);
/* Remove a pod's log directory (NULL or empty parts: nothing). */
void k8sc__kl_remove_logs(const k8sc_kubelet *k, const char *ns, const char *name, const char *uid);
/*
 * logs_gc.c: remove the log directories of pods that are gone — no
 * sandbox in the runtime and no pod of that uid in the cache — as the
 * kubelet's container GC evicts pod log directories. Only once the pod
 * cache has synced.
 */
void k8sc__kl_logs_gc(k8sc_kubelet *k);
/* Whether the pod cache has ns/name with this uid (NULL parts: no). */
bool k8sc__kl_pod_cached(k8sc_kubelet *k, const char *ns, const char *name, const char *uid);

/* rm -rf (best effort; stays on one file system and never follows symlinks). */
void k8sc__kl_remove_tree(const char *path);

/* What the runtime has of one pod (view.c). */
typedef struct kl_view {
    k8sc_sandbox_status **sandboxes;
    size_t n_sandboxes;
    k8sc_container_status **containers;
    size_t n_containers;
    const k8sc_sandbox_status *ready; /* the newest ready sandbox, or NULL */
} kl_view;

/* The sandboxes and containers of pod ns/name with `uid` (NULL: any uid). */
int k8sc__kl_view(kl_view *v, k8sc_kubelet *k, const char *ns, const char *name, const char *uid);
void k8sc__kl_view_free(kl_view *v);
/* The newest instance of container `name` (highest attempt), or NULL. */
const k8sc_container_status *k8sc__kl_latest(const kl_view *v, const char *name);
/* The newest instance of `name` older than `attempt`, or NULL. */
const k8sc_container_status *k8sc__kl_older(const kl_view *v, const char *name, uint32_t attempt);

/* A runtime config and the strings it points to (config.c). */
typedef struct kl_strings {
    char **items;
    size_t n;
    bool failed;
} kl_strings;
/* Keep `s` (taken) for the life of `ks`; returns it (NULL if s was NULL or on ENOMEM). */
char *k8sc__kl_keep(kl_strings *ks, char *s);
void k8sc__kl_strings_free(kl_strings *ks);

typedef struct kl_sandbox_cfg {
    k8sc_sandbox_config cfg;
    k8sc_runtime_pair labels[3];
    k8sc_runtime_port_mapping *ports; /* the containers' hostPorts */
    kl_strings strings;
} kl_sandbox_cfg;

/* The runtime's pod network is not ready (node condition Ready, the NetworkNotReady event), as Kubernetes words it. */
#define K8SC__KL_NETWORK_NOT_READY \
    "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin " \
    "returns error: cni plugin not initialized"

int k8sc__kl_sandbox_config(kl_sandbox_cfg *out, k8sc_kubelet *k, const k8sc_object *pod, uint32_t attempt);
void k8sc__kl_sandbox_config_free(kl_sandbox_cfg *c);

typedef struct kl_container_cfg {
    k8sc_container_config cfg;
    k8sc_runtime_pair labels[4];
    kl_strings strings;
    void *arrays[6];
} kl_container_cfg;

/*
 * The runtime config of `container` (a pod spec container) for `attempt`.
 * On a problem the pod's author must fix (a missing ConfigMap, Secret or
 * key), EINVAL with *reason "CreateContainerConfigError" and *message as
 * the kubelet words it (caller frees both).
 */
int k8sc__kl_container_config(kl_container_cfg *out, k8sc_kubelet *k, const k8sc_object *pod, json_object *container,
                              uint32_t attempt, char **message);
void k8sc__kl_container_config_free(kl_container_cfg *c);

/* env.c: the container's environment as an object {NAME: value} in order of definition. */
int k8sc__kl_env(json_object **out, k8sc_kubelet *k, const k8sc_object *pod, json_object *container, char **message);
/* Expand $(VAR) references from `env` ($$ is a literal $); unknown references stay as written. */
char *k8sc__kl_expand(const char *s, json_object *env);
/* The value a fieldRef / resourceFieldRef selects (caller frees), or NULL with *message. */
char *k8sc__kl_field_ref(k8sc_kubelet *k, const k8sc_object *pod, json_object *ref, char **message);
char *k8sc__kl_resource_ref(k8sc_kubelet *k, const k8sc_object *pod, json_object *container, json_object *ref,
                            char **message);

/* A ConfigMap's or Secret's data as {key: text} (Secrets decoded); NULL with *rc (ENOTFOUND…). */
json_object *k8sc__kl_source_data(k8sc_kubelet *k, const char *ns, bool secret, const char *name, int *rc);

/* volumes.c: make the pod's volumes; EINVAL with *message ("FailedMount"). */
int k8sc__kl_volumes_setup(k8sc_kubelet *k, const k8sc_object *pod, char **message);
/* Unmount the pod's memory-backed volumes and remove its directory. */
void k8sc__kl_volumes_teardown(k8sc_kubelet *k, const char *uid);
/* The bind mounts of `container` (array of *n, strings kept in `ks`). */
int k8sc__kl_mounts(k8sc_runtime_mount **out, size_t *n, kl_strings *ks, k8sc_kubelet *k, const k8sc_object *pod,
                    json_object *container, char **message);

/* dns.c: the cluster DNS options (EINVAL for an address that is not an IP), and their release. */
int k8sc__kl_dns_init(k8sc_kubelet *k, const k8sc_kubelet_options *opts);
void k8sc__kl_dns_free(k8sc_kubelet *k);
/* Path of the pod's resolv.conf (caller frees). */
char *k8sc__kl_resolv_conf_path(const k8sc_kubelet *k, const char *uid);
/* Form the pod's resolver configuration (events through k->recorder) and write it; errors with *message. */
int k8sc__kl_resolv_conf_write(k8sc_kubelet *k, const k8sc_object *pod, char **message);

/* status.c: the pod status the kubelet reports now. */
json_object *k8sc__kl_pod_status(k8sc_kubelet *k, const k8sc_object *pod, const kl_view *v, kl_pod *state);
/* Whether container `c` (spec) would be restarted after exiting with `exit_code`. */
bool k8sc__kl_should_restart(const k8sc_object *pod, int exit_code);
/* Whether a failed init container runs again (restartPolicy other than Never). */
bool k8sc__kl_init_should_restart(const k8sc_object *pod);

/* probe.c: the probe state of container `name` instance `id` (reset for a new instance), under k->lock. */
kl_probes *k8sc__kl_probes_of(kl_pod *p, const char *name, const char *id);
void k8sc__kl_probes_free(kl_pod *p);
/*
 * Run the pod's probes that are due at `now` (wall ns). *kill gets the ids
 * of containers whose liveness or startup probe failed (k8sc_strv-like
 * array of *n_kill; caller frees each and the array). Returns the ns until
 * the next probe is due (0: none).
 */
int64_t k8sc__kl_probe_pod(k8sc_kubelet *k, const k8sc_object *pod, const kl_view *v, kl_pod *p, int64_t now,
                           char ***kill, size_t *n_kill);
/* Whether container instance `container_id` has started and is ready, as its probes say. Under k->lock. */
void k8sc__kl_probe_status(kl_pod *p, json_object *spec, const char *container_id, bool *started, bool *ready);

/* The node API's resolver (lookup.c). */
int k8sc__kl_lookup(void *userdata, const char *ns, const char *pod, const char *container, bool previous,
                    char **container_id, char **log_path);

#endif
