/*
 * libk8sc runtime: the container runtime interface (CRI) the kubelet runs
 * pods through, modelled on Kubernetes' CRI (runtime.v1): pod sandboxes
 * (the namespaces a pod's containers share), containers, exec, stats and
 * images. Backends, chosen by name when the runtime is opened:
 *
 *   "fake"   in memory and deterministic, for tests and simulated nodes:
 *            containers run until stopped, until a script
 *            (k8sc_runtime_fake_script) ends them, or as their command
 *            says (`true`, `false`, `sleep N`, `sh -c "exit N"`); exec
 *            knows `true`, `false` and `echo`; attach echoes what is
 *            written to its stdin (without stdin: one "started NAME"
 *            line). Given a pod network, it
 *            runs the CNI plugins without a network namespace (for test
 *            plugins that only hand out addresses).
 *   "runc"   OCI bundles run by the `runc` program, with a small monitor
 *            per container that writes its output to the log file and
 *            records the exit code (so a restarted kubelet loses nothing);
 *            images come from the node image store below.
 *   "docker" the Docker Engine API (v1.41) over its unix socket.
 *
 * Container output goes to the file named by the container config's
 * log_path, in the CRI log format ("<RFC3339Nano> stdout|stderr F|P
 * <text>") or Docker's json-file format (a backend may link its own
 * file there); k8sc_runtime_log_read reads both.
 *
 * Calls on one runtime are thread-safe. Strings passed in are copied;
 * results come back through `out` and are freed by the matching _free.
 */
#ifndef K8SC_RUNTIME_H
#define K8SC_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8sc_runtime k8sc_runtime;
typedef struct k8sc_image_store k8sc_image_store;

/* Labels the kubelet puts on sandboxes and containers (as Kubernetes' kubelet does). */
#define K8SC_LABEL_POD_NAME "io.kubernetes.pod.name"
#define K8SC_LABEL_POD_NAMESPACE "io.kubernetes.pod.namespace"
#define K8SC_LABEL_POD_UID "io.kubernetes.pod.uid"
#define K8SC_LABEL_CONTAINER_NAME "io.kubernetes.container.name"

/* A name/value pair: an environment variable, a label or an annotation. */
typedef struct k8sc_runtime_pair {
    const char *name;
    const char *value;
} k8sc_runtime_pair;

/* A bind mount into a container. */
typedef struct k8sc_runtime_mount {
    const char *container_path;
    const char *host_path;
    bool readonly;
} k8sc_runtime_mount;

typedef enum {
    K8SC_SANDBOX_READY = 0,
    K8SC_SANDBOX_NOTREADY = 1,
} k8sc_sandbox_state;

typedef enum {
    K8SC_CONTAINER_CREATED = 0,
    K8SC_CONTAINER_RUNNING = 1,
    K8SC_CONTAINER_EXITED = 2,
    K8SC_CONTAINER_UNKNOWN = 3,
} k8sc_container_state;

/* What a pod sandbox is made from. All pointers are borrowed for the call. */
/* A host port forwarded to a pod's port (a container's hostPort). Strings are borrowed. */
typedef struct k8sc_runtime_port_mapping {
    const char *protocol;   /* "TCP", "UDP" or "SCTP"; NULL: "TCP" */
    int32_t container_port;
    int32_t host_port;
    const char *host_ip;    /* NULL or "": every address of the node */
} k8sc_runtime_port_mapping;

typedef struct k8sc_sandbox_config {
    unsigned int version;
    const char *name;      /* the pod's name */
    const char *namespace_; /* the pod's namespace */
    const char *uid;       /* the pod's uid */
    uint32_t attempt;      /* 0 for the pod's first sandbox */
    const char *hostname;  /* NULL: the pod's name */
    /* Directory for the containers' log files (created if missing). */
    const char *log_directory;
    const k8sc_runtime_pair *labels;
    size_t n_labels;
    const k8sc_runtime_pair *annotations;
    size_t n_annotations;
    /* Share the host's namespaces instead of new ones. */
    bool host_network;
    bool host_pid;
    bool host_ipc;
    /* Join this network namespace (a path under /var/run/netns) instead of making one. NULL: make one (or the host's). */
    const char *netns_path;
    /* Parent cgroup of the pod's containers, relative to the cgroup root ("k8sc/pod<uid>"). NULL: the backend's default. */
    const char *cgroup_parent;
    /* Host ports forwarded into the pod (containers' hostPort), through the pod network's portmap. */
    const k8sc_runtime_port_mapping *port_mappings;
    size_t n_port_mappings;
} k8sc_sandbox_config;

#define K8SC_SANDBOX_CONFIG_VERSION 1

/* What a container is made from. All pointers are borrowed for the call. */
typedef struct k8sc_container_config {
    unsigned int version;
    const char *name;  /* the container's name in the pod */
    uint32_t attempt;  /* its restart count */
    const char *image; /* image reference or id */
    /* Entrypoint and arguments; empty entries fall back to the image's, as Docker does. */
    const char *const *command;
    size_t n_command;
    const char *const *args;
    size_t n_args;
    const char *working_dir; /* NULL: the image's */
    const k8sc_runtime_pair *envs; /* added to (and overriding) the image's */
    size_t n_envs;
    const k8sc_runtime_mount *mounts;
    size_t n_mounts;
    const k8sc_runtime_pair *labels;
    size_t n_labels;
    const k8sc_runtime_pair *annotations;
    size_t n_annotations;
    /* Log file, relative to the sandbox's log_directory (e.g. "app/0.log"). */
    const char *log_path;
    bool tty;
    bool stdin_;
    bool stdin_once;
    /* Resources; 0 means unlimited / the default. */
    int64_t cpu_shares;   /* cgroup v1 cpu.shares (v2 weight is derived) */
    int64_t cpu_quota_us; /* per cpu_period_us */
    int64_t cpu_period_us;
    int64_t memory_limit_bytes;
    int64_t pids_limit;
    /* Security; run_as_user / run_as_group < 0: the image's user. */
    int64_t run_as_user;
    int64_t run_as_group;
    bool readonly_rootfs;
    bool privileged;
    const char *const *add_capabilities; /* e.g. "NET_ADMIN" (with or without "CAP_") */
    size_t n_add_capabilities;
    const char *const *drop_capabilities; /* "ALL" drops every one */
    size_t n_drop_capabilities;
} k8sc_container_config;

#define K8SC_CONTAINER_CONFIG_VERSION 1

/* A sandbox as the runtime reports it. Free with k8sc_sandbox_status_free. */
typedef struct k8sc_sandbox_status {
    char *id;
    char *name;
    char *namespace_;
    char *uid;
    uint32_t attempt;
    k8sc_sandbox_state state;
    int64_t created_at; /* ns since the epoch */
    char *ip;           /* NULL when the sandbox has no address of its own */
    k8sc_runtime_pair *labels; /* owned strings */
    size_t n_labels;
    k8sc_runtime_pair *annotations;
    size_t n_annotations;
    /* The sandbox's network namespace (e.g. /proc/PID/ns/net) for probes; NULL for the host's or unknown. */
    char *netns_path;
} k8sc_sandbox_status;

/* A container as the runtime reports it. Free with k8sc_container_status_free. */
typedef struct k8sc_container_status {
    char *id;
    char *sandbox_id;
    char *name;
    uint32_t attempt;
    k8sc_container_state state;
    int64_t created_at; /* ns since the epoch; 0 if not yet */
    int64_t started_at;
    int64_t finished_at;
    int exit_code;
    char *reason;   /* e.g. "Completed", "Error", "OOMKilled"; may be NULL */
    char *message;  /* may be NULL */
    char *image;    /* as asked for */
    char *image_id; /* the image's id ("sha256:…") */
    char *log_path; /* absolute */
    k8sc_runtime_pair *labels;
    size_t n_labels;
    k8sc_runtime_pair *annotations;
    size_t n_annotations;
} k8sc_container_status;

/* Resource usage of a container. */
typedef struct k8sc_container_stats {
    int64_t timestamp;                 /* ns since the epoch */
    uint64_t cpu_usage_ns;             /* cumulative */
    uint64_t memory_usage_bytes;
    uint64_t memory_working_set_bytes; /* usage minus inactive file */
} k8sc_container_stats;

/* An image in a node's store. Free with k8sc_image_free. */
typedef struct k8sc_image {
    char *id;           /* "sha256:<hex of the config>" */
    char **repo_tags;   /* normalised, e.g. "docker.io/library/busybox:1.36" */
    size_t n_repo_tags;
    char **repo_digests;
    size_t n_repo_digests;
    uint64_t size;      /* bytes of the unpacked layers */
    /* From the image config; NULL / empty when unset. */
    char **entrypoint;
    size_t n_entrypoint;
    char **cmd;
    size_t n_cmd;
    char **env;         /* "NAME=value" */
    size_t n_env;
    char *working_dir;
    char *user;
    char *stop_signal;
} k8sc_image;

/* How to open a runtime. Strings are copied; pointers are borrowed and must outlive the runtime. */
typedef struct k8sc_runtime_options {
    unsigned int version;
    /* State directory (bundles, monitors, sandboxes). NULL: /var/lib/k8sc/runtime. */
    const char *root_dir;
    /* Image store directory (runc). NULL: <root_dir>/images. */
    const char *image_dir;
    /* Docker's socket. NULL: /var/run/docker.sock. */
    const char *docker_socket;
    /* The runc program. NULL: "runc" from PATH. */
    const char *runc_path;
    /* runc's --root (its state). NULL: <root_dir>/runc. */
    const char *runc_root;
    /* Clock (fake runtime scripts; timestamps). NULL: the system clock. */
    k8sc_clock *clock;
    /*
     * The pod network, as a CNI runtime: the first network configuration
     * (*.conflist, *.conf, *.json, in lexical order) in cni_conf_dir is set up
     * for every sandbox that does not use the host's network, with plugins
     * from cni_bin_dir (a colon-separated search path). NULL cni_conf_dir: no
     * pod network (sandboxes get a network namespace with loopback only).
     * NULL cni_bin_dir: /usr/lib/cni:/opt/cni/bin. NULL cni_cache_dir:
     * <root_dir>/cni (results kept for DEL).
     */
    const char *cni_conf_dir;
    const char *cni_bin_dir;
    const char *cni_cache_dir;
} k8sc_runtime_options;

#define K8SC_RUNTIME_OPTIONS_VERSION 1
#define K8SC_RUNTIME_OPTIONS_INIT { K8SC_RUNTIME_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/* Fill `opts` with K8SC_RUNTIME_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_runtime_options_init(k8sc_runtime_options *opts, unsigned int version);

/*
 * Open the runtime backend called `name` ("fake", "runc", "docker", or
 * one registered through sys/runtime_backend.h). `opts` may be NULL.
 * Errors: ENOTFOUND for an unknown name; EUNAVAILABLE when the backend's
 * program or daemon is missing; EIO; ENOMEM.
 */
K8SC_EXTERN int k8sc_runtime_open(k8sc_runtime **out, const char *name, const k8sc_runtime_options *opts);

/* Close the runtime; containers keep running. NULL is fine. */
K8SC_EXTERN void k8sc_runtime_close(k8sc_runtime *rt);

/* The backend's name (borrowed, e.g. "runc"). */
K8SC_EXTERN const char *k8sc_runtime_name(const k8sc_runtime *rt);

/*
 * Whether the pod network is ready (CRI's NetworkReady condition): 0 when
 * the runtime was opened without a pod network or a valid CNI
 * configuration is present in cni_conf_dir (looked at again on every
 * call). Otherwise EUNAVAILABLE with "cni plugin not initialized: " and
 * the reason ("no networks found in DIR", or what is wrong with the
 * first configuration file).
 */
K8SC_EXTERN int k8sc_runtime_network_ready(k8sc_runtime *rt);

/* The runtime's name and version for nodeInfo.containerRuntimeVersion, e.g. "runc://1.1.5" (caller frees). */
K8SC_EXTERN int k8sc_runtime_version(const k8sc_runtime *rt, char **out);

/*
 * Create and start a pod sandbox. *out receives its id (caller frees).
 * Errors: EINVAL for a config without name, namespace or uid; EIO.
 */
K8SC_EXTERN int k8sc_runtime_run_sandbox(k8sc_runtime *rt, char **out, const k8sc_sandbox_config *config);

/* Stop a sandbox: stop its containers (with no grace) and release its namespaces. Stopping twice is fine. ENOTFOUND. */
K8SC_EXTERN int k8sc_runtime_stop_sandbox(k8sc_runtime *rt, const char *id);

/* Remove a stopped sandbox and its containers. Removing a missing one succeeds. */
K8SC_EXTERN int k8sc_runtime_remove_sandbox(k8sc_runtime *rt, const char *id);

/* The status of one sandbox. ENOTFOUND. */
K8SC_EXTERN int k8sc_runtime_sandbox_status(k8sc_runtime *rt, k8sc_sandbox_status **out, const char *id);

/* Every sandbox. *out is an array of *count statuses; free with k8sc_sandbox_status_list_free. */
K8SC_EXTERN int k8sc_runtime_list_sandboxes(k8sc_runtime *rt, k8sc_sandbox_status ***out, size_t *count);

/*
 * The sandboxes whose labels include every pair of `labels` (`n_labels`
 * of them; 0: all), as CRI's ListPodSandbox with a label selector; the
 * kubelet finds a pod's sandboxes so. Freed as k8sc_runtime_list_sandboxes'.
 * EINVAL for a NULL pair name.
 */
K8SC_EXTERN int k8sc_runtime_list_sandboxes_labeled(k8sc_runtime *rt, k8sc_sandbox_status ***out, size_t *count,
                                                    const k8sc_runtime_pair *labels, size_t n_labels);

/*
 * Create a container in sandbox `sandbox_id` (not started). `sandbox` is
 * the config the sandbox was made from. *out receives its id (caller
 * frees). Errors: ENOTFOUND for a missing sandbox or image; EINVAL for a
 * config without name, image or log_path; EIO.
 */
K8SC_EXTERN int k8sc_runtime_create_container(k8sc_runtime *rt, char **out, const char *sandbox_id,
                                              const k8sc_container_config *config,
                                              const k8sc_sandbox_config *sandbox);

/* Start a created container. ENOTFOUND; EINVAL if it is not in the created state. */
K8SC_EXTERN int k8sc_runtime_start_container(k8sc_runtime *rt, const char *id);

/*
 * Stop a container: its stop signal (SIGTERM unless the image says
 * otherwise), then SIGKILL after `timeout_s` seconds. Returns when it has
 * exited. Stopping an exited container succeeds. ENOTFOUND.
 */
K8SC_EXTERN int k8sc_runtime_stop_container(k8sc_runtime *rt, const char *id, int64_t timeout_s);

/* Remove a container (killing it if running) and its state. Removing a missing one succeeds. */
K8SC_EXTERN int k8sc_runtime_remove_container(k8sc_runtime *rt, const char *id);

/* The status of one container. ENOTFOUND. */
K8SC_EXTERN int k8sc_runtime_container_status(k8sc_runtime *rt, k8sc_container_status **out, const char *id);

/*
 * The containers of sandbox `sandbox_id` (NULL: of every sandbox). Free
 * *out with k8sc_container_status_list_free.
 */
K8SC_EXTERN int k8sc_runtime_list_containers(k8sc_runtime *rt, k8sc_container_status ***out, size_t *count,
                                             const char *sandbox_id);

/* CPU and memory use of a running container (from its cgroup). ENOTFOUND; EINVAL if it is not running. */
K8SC_EXTERN int k8sc_runtime_container_stats(k8sc_runtime *rt, k8sc_container_stats *out, const char *id);

/* An exec session: a command running in a container, with its stdio as file descriptors. */
typedef struct k8sc_runtime_exec k8sc_runtime_exec;

typedef struct k8sc_exec_options {
    unsigned int version;
    const char *const *command; /* argv; required */
    size_t n_command;
    bool tty;    /* a terminal: stdout carries both streams, stderr_fd is -1 */
    bool stdin_; /* give the command a stdin (else it reads /dev/null) */
    uint16_t width, height; /* initial terminal size (tty) */
} k8sc_exec_options;

#define K8SC_EXEC_OPTIONS_VERSION 1

/*
 * Start `opts->command` in running container `id`. The session's fds
 * (k8sc_runtime_exec_fd) are the caller's to read and write; closing the
 * stdin fd gives the command end of file. Errors: ENOTFOUND; EINVAL if
 * the container is not running or the command is empty; EIO.
 */
K8SC_EXTERN int k8sc_runtime_exec_start(k8sc_runtime *rt, k8sc_runtime_exec **out, const char *id,
                                        const k8sc_exec_options *opts);

/* The session's stdin (0), stdout (1) or stderr (2) fd; -1 if absent or closed. The fd stays the session's. */
K8SC_EXTERN int k8sc_runtime_exec_fd(const k8sc_runtime_exec *ex, int which);

/* Close the session's stdin (the command sees end of file). */
K8SC_EXTERN void k8sc_runtime_exec_close_stdin(k8sc_runtime_exec *ex);

/* Resize the session's terminal. EINVAL without a tty. */
K8SC_EXTERN int k8sc_runtime_exec_resize(k8sc_runtime_exec *ex, uint16_t width, uint16_t height);

/*
 * Wait up to `timeout_ms` (< 0: forever) for the command to end; set
 * *exit_code (128+N for a signal). ETIMEOUT if still running.
 */
K8SC_EXTERN int k8sc_runtime_exec_wait(k8sc_runtime_exec *ex, int *exit_code, int timeout_ms);

/* Kill the command if still running, close its fds and free the session. NULL is fine. */
K8SC_EXTERN void k8sc_runtime_exec_free(k8sc_runtime_exec *ex);

/* How to attach to a container (k8sc_runtime_attach). */
typedef struct k8sc_attach_options {
    unsigned int version;
    bool stdin_;  /* send input (only to a container created with stdin_; ignored otherwise) */
    bool stdout_; /* receive the container's stdout (with a tty: all its output) */
    bool stderr_; /* receive its stderr (never with a tty) */
} k8sc_attach_options;

#define K8SC_ATTACH_OPTIONS_VERSION 1
#define K8SC_ATTACH_OPTIONS_INIT { K8SC_ATTACH_OPTIONS_VERSION, false, true, true }

/* Fill `opts` with K8SC_ATTACH_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_runtime_attach_options_init(k8sc_attach_options *opts, unsigned int version);

/*
 * Attach to the stdio of running container `id` (CRI Attach), as a
 * session read and written like an exec session: fd 1 (and fd 2 without
 * a tty) carry the container's output from now on (what it wrote before
 * is in its log), fd 0 (-1 unless stdin_ was asked for and the
 * container was created with stdin_) feeds its stdin; closing it ends
 * the container's stdin when it was created with stdin_once. The output
 * fds reach end of file when the container ends. Resizing works when the
 * container has a tty; k8sc_runtime_exec_wait gives exit code 0 once the
 * output has ended (attach reports no exit code); freeing the session
 * detaches and leaves the container running. Errors: ENOTFOUND; EINVAL if
 * it is not running; EUNAVAILABLE when the backend cannot attach; EIO.
 */
K8SC_EXTERN int k8sc_runtime_attach(k8sc_runtime *rt, k8sc_runtime_exec **out, const char *id,
                                    const k8sc_attach_options *opts);

/*
 * Run `command` in container `id` to completion (an exec probe): its
 * stdout and stderr (up to 16 KiB each, caller frees; outputs may be
 * NULL) and exit code. Killed after `timeout_ms`, giving ETIMEOUT.
 */
K8SC_EXTERN int k8sc_runtime_exec_sync(k8sc_runtime *rt, const char *id, const char *const *command,
                                       size_t n_command, int timeout_ms, int *exit_code, char **out_stdout,
                                       char **out_stderr);

/* Every image the runtime has. Free with k8sc_image_list_free. */
K8SC_EXTERN int k8sc_runtime_list_images(k8sc_runtime *rt, k8sc_image ***out, size_t *count);

/* The image `ref` (a name, normalised first, or an id). ENOTFOUND. */
K8SC_EXTERN int k8sc_runtime_image_status(k8sc_runtime *rt, k8sc_image **out, const char *ref);

/*
 * Pull `ref` from its registry. No registry is reachable from a node
 * today: backends without pull give EUNAVAILABLE ("cannot pull …").
 */
K8SC_EXTERN int k8sc_runtime_pull_image(k8sc_runtime *rt, const char *ref);

/* Remove the image `ref`. ENOTFOUND; EINVAL while a container uses it. */
K8SC_EXTERN int k8sc_runtime_remove_image(k8sc_runtime *rt, const char *ref);

/*
 * Import the images of archive `path` (`docker save` or OCI image layout
 * tar). *out (may be NULL) receives the NULL-terminated list of the
 * normalised names imported (free with k8sc_strv_free). Errors: EINVAL
 * for a file that is not an image archive (message says why); EIO.
 */
K8SC_EXTERN int k8sc_runtime_import_image(k8sc_runtime *rt, char ***out, const char *path);

/* Free a NULL-terminated string vector. NULL is fine. */
K8SC_EXTERN void k8sc_strv_free(char **v);

/* Free results. NULL is fine. */
K8SC_EXTERN void k8sc_sandbox_status_free(k8sc_sandbox_status *s);
K8SC_EXTERN void k8sc_sandbox_status_list_free(k8sc_sandbox_status **list, size_t count);
K8SC_EXTERN void k8sc_container_status_free(k8sc_container_status *s);
K8SC_EXTERN void k8sc_container_status_list_free(k8sc_container_status **list, size_t count);
K8SC_EXTERN void k8sc_image_free(k8sc_image *img);
K8SC_EXTERN void k8sc_image_list_free(k8sc_image **list, size_t count);

/* The value of label `name` in a status's labels (borrowed), or NULL. */
K8SC_EXTERN const char *k8sc_runtime_pair_get(const k8sc_runtime_pair *pairs, size_t n, const char *name);

/*
 * Normalise an image reference as Docker does: "busybox" is
 * "docker.io/library/busybox:latest", "me/app:1" is
 * "docker.io/me/app:1"; a digest ("@sha256:…") is kept and has no tag.
 * Errors: EINVAL for a malformed reference.
 */
K8SC_EXTERN int k8sc_image_normalize(char **out, const char *ref);

/*
 * The node image store (used by the runc backend; usable alone, e.g. by
 * `k8sc image import`): images imported from archives, kept under one
 * directory as content-addressed blobs plus an index of names.
 * Thread-safe; several processes may share a directory (writes are
 * serialised with a lock file).
 */

/* Open (creating) the store in `dir`. EIO with the reason. */
K8SC_EXTERN int k8sc_image_store_open(k8sc_image_store **out, const char *dir);

/* Close the store. NULL is fine. */
K8SC_EXTERN void k8sc_image_store_close(k8sc_image_store *s);

/*
 * Import a `docker save` or OCI image-layout archive (tar, optionally
 * gzip-compressed). *out (may be NULL) gets the normalised names
 * imported, NULL-terminated (k8sc_strv_free). An image already present is
 * kept; its names are added. Errors: EINVAL with the reason for a bad
 * archive (missing manifest, digest mismatch, unsafe paths); EIO.
 */
K8SC_EXTERN int k8sc_image_store_import(k8sc_image_store *s, char ***out, const char *path);

/* The images in the store (k8sc_image_list_free). */
K8SC_EXTERN int k8sc_image_store_list(k8sc_image_store *s, k8sc_image ***out, size_t *count);

/* The image called `ref` (normalised first) or with id / id prefix `ref`. ENOTFOUND. */
K8SC_EXTERN int k8sc_image_store_get(k8sc_image_store *s, k8sc_image **out, const char *ref);

/* Remove the name `ref`, and the image with its unshared blobs once no name is left (or `ref` is an id). ENOTFOUND. */
K8SC_EXTERN int k8sc_image_store_remove(k8sc_image_store *s, const char *ref);

/*
 * Make `dest` (an empty or missing directory) a root filesystem of image
 * `ref`: its layers applied in order, whiteouts included. The unpacked
 * image is cached in the store; `dest` is an overlay mount of it whose
 * writable layer lives in "<dest>.upper" and "<dest>.work" (the caller
 * unmounts `dest` and removes the three when done, e.g. with
 * k8sc_image_rootfs_release), or, where overlays cannot be mounted, a copy.
 * ENOTFOUND; EIO.
 */
K8SC_EXTERN int k8sc_image_store_rootfs(k8sc_image_store *s, const char *ref, const char *dest);

/*
 * Undo k8sc_image_store_rootfs: unmount `dest` if it is mounted (lazily,
 * so a busy root still goes) and remove it with "<dest>.upper" and
 * "<dest>.work". Missing paths are fine. EIO when something remains.
 */
K8SC_EXTERN int k8sc_image_rootfs_release(const char *dest);

/*
 * Options of k8sc_runtime_log_read. The kubelet's node API serves
 * `kubectl logs` through it.
 */
typedef struct k8sc_log_options {
    unsigned int version;
    bool follow;          /* keep reading as the file grows, until `stop` or the callback says so */
    bool timestamps;      /* prefix each line with its RFC3339Nano time */
    int64_t tail_lines;   /* < 0: all */
    int64_t since_ns;     /* only lines at or after this time (ns since the epoch); 0: all */
    int64_t limit_bytes;  /* 0: no limit */
    const char *stream;   /* "stdout", "stderr" or NULL for both */
} k8sc_log_options;

#define K8SC_LOG_OPTIONS_VERSION 1
#define K8SC_LOG_OPTIONS_INIT { K8SC_LOG_OPTIONS_VERSION, false, false, -1, 0, 0, NULL }

/* Receives a piece of log output (not NUL-terminated). Non-zero stops reading and is returned. */
typedef int (*k8sc_runtime_log_fn)(const char *data, size_t len, void *userdata);

/*
 * Read the container log file `path` (CRI or Docker json-file format,
 * with its rotated predecessor "<path>.1" first when the whole log is
 * asked for) and pass the text, as `kubectl logs` shows it, to `fn`.
 * With follow, waits for more until `*stop` (may be NULL) becomes true or
 * `fn` returns non-zero. ENOTFOUND for a missing file.
 */
K8SC_EXTERN int k8sc_runtime_log_read(const char *path, const k8sc_log_options *opts, const volatile bool *stop,
                                      k8sc_runtime_log_fn fn, void *userdata);

/*
 * The fake runtime: make containers of image `image` (as given in their
 * config) exit with `exit_code` after `run_ns` of the runtime's clock
 * from their start (run_ns 0: at once, when next looked at). Containers
 * of other images run until stopped. EINVAL if `rt` is not fake.
 */
K8SC_EXTERN int k8sc_runtime_fake_script(k8sc_runtime *rt, const char *image, int exit_code, int64_t run_ns);

/* The fake runtime: make running container `id` exit now with `exit_code`. ENOTFOUND; EINVAL if not fake. */
K8SC_EXTERN int k8sc_runtime_fake_exit(k8sc_runtime *rt, const char *id, int exit_code);

#ifdef __cplusplus
}
#endif
#endif
