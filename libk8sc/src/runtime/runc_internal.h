/* Internals of the runc backend, shared by its files (runc*.c). */
#ifndef K8SC_RUNC_INTERNAL_H
#define K8SC_RUNC_INTERNAL_H

#include <pthread.h>
#include <sys/types.h>

#include "cni_internal.h"
#include "runtime_internal.h"

struct json_object;

typedef struct runc_spawner runc_spawner;
typedef struct runc_records runc_records;

typedef struct runc {
    pthread_mutex_t lock;
    k8sc_clock *clock;
    char *root_dir;
    char *runc_path; /* absolute */
    int runc_fd;     /* the sealed copy of runc_path (runc_binary.c), or -1 */
    char *runc_exe;  /* what to execute (owned): "/proc/self/fd/<runc_fd>", or a copy of runc_path */
    bool overlay;    /* container roots are overlays, mounted by their monitors (else copies) */
    char *runc_root;
    k8sc_image_store *images;
    k8sc__cni cni; /* the pod network; cni.conf_dir NULL: none */
    runc_spawner *spawner; /* forks the pause processes and monitors (runc_spawner.c) */
    runc_records *records; /* sandbox.json and container.json, parsed (runc_records.c) */
    int run_timeout_ms;    /* how long one runc command may take (K8SC__RUNC_RUN_TIMEOUT_MS) */
} runc;

/* A runc command still running after this is killed: the kubelet's default runtime request timeout, 2 min. */
#define K8SC__RUNC_RUN_TIMEOUT_MS 120000

/* A process identified across PID reuse: its pid and start time (clock ticks after boot). */
typedef struct runc_proc {
    pid_t pid;
    unsigned long long start;
} runc_proc;

/* What a container's monitor recorded when the container ended. */
typedef struct runc_exit {
    int code;
    int64_t finished_at;
    bool oom;
} runc_exit;

/* Paths: "<root>/sandboxes/<id>", "<root>/containers/<id>" and files in them (caller frees; NULL on ENOMEM). */
char *k8sc__runc_sandbox_dir(const runc *r, const char *id);
char *k8sc__runc_container_dir(const runc *r, const char *id);
char *k8sc__runc_path(const char *dir, const char *file);

/* Write `obj` as JSON to `path` atomically (temporary file, fsync, rename). 0 or EIO. */
int k8sc__runc_write_json(const char *path, struct json_object *obj);
/* Read the JSON file `path`; NULL (no error recorded) if missing or unreadable. */
struct json_object *k8sc__runc_read_json(const char *path);

/* The cache of parsed records (runc_records.c). new: 0 or ENOMEM; free: NULL is a no-op. */
int k8sc__runc_records_new(runc_records **out);
void k8sc__runc_records_free(runc_records *c);
/*
 * The record at `path` as k8sc__runc_read_json reads it, the caller's own
 * copy, parsed only if the file changed; NULL also when `match` (NULL:
 * any) says no for it (it sees the shared record: read only, no locks).
 * `match` may only look at what never changes in a record (its labels,
 * its sandbox): a cached record it refuses is not checked against the file.
 */
struct json_object *k8sc__runc_records_read(runc_records *c, const char *path,
                                            bool (*match)(struct json_object *rec, void *arg), void *arg);
/* k8sc__runc_write_json, keeping what was written as the cached record. */
int k8sc__runc_records_write(runc_records *c, const char *path, struct json_object *obj);
/* Drop the records of files under directory `dir` (before it is removed). */
void k8sc__runc_records_forget(runc_records *c, const char *dir);

/* The start time of process `pid` (0 if it is gone). */
unsigned long long k8sc__runc_proc_start(pid_t pid);
/* Whether `p` is still the process it was. */
bool k8sc__runc_proc_alive(const runc_proc *p);

/* The exit record of the container in `dir`; false if it has not ended (no record). */
bool k8sc__runc_exit_read(const char *dir, runc_exit *e);

/* Remove `path` and everything below it, not crossing mount points. */
void k8sc__runc_rmtree(const char *path);

/* The ids (directory names) under "<root>/<kind>" (NULL-terminated; k8sc_strv_free). */
int k8sc__runc_list_ids(const runc *r, const char *kind, char ***out);

/*
 * Run runc with `args` (NULL-terminated, after the program and --root),
 * waiting for it at most r->run_timeout_ms. Its output goes to *out (may
 * be NULL; caller frees). Returns runc's exit status (>= 0) or a negative
 * K8SC_E code: ETIMEOUT when it was killed for taking too long, or when
 * its output stayed open that long after it ended (a process it left).
 */
int k8sc__runc_run(const runc *r, const char *const *args, char **out);

/*
 * A sealed in-memory copy of the ELF program `path` (runc_binary.c): a
 * descriptor (close-on-exec) to execute it from, or -1 (not ELF, no
 * memfd): the caller executes `path` instead.
 */
int k8sc__runc_sealed_copy(const char *path);

/* The spawner (runc_spawner.c): the process that forks the backend's long-lived ones. */
struct runc_spawner {
    pthread_mutex_t lock;
    int sock; /* -1: gone, started again by the next request */
    pid_t pid;
    int exe_fd;     /* the sealed runc the spawner keeps as K8SC__RUNC_EXE_FD, or -1 */
    int timeout_ms; /* how long a request waits for its report (K8SC__RUNC_SPAWN_TIMEOUT_MS) */
};

/* A spawner that has not reported within this is taken for wedged: killed, and the next request starts another. */
#define K8SC__RUNC_SPAWN_TIMEOUT_MS 30000

#define K8SC__RUNC_SPAWN_FIELDS 24
/* Where the spawner and the monitors keep the sealed runc (`exe_fd`), and its path for execve. */
#define K8SC__RUNC_EXE_FD 4
#define K8SC__RUNC_EXE_PATH "/proc/self/fd/4"

/* Start the spawner (forks it now); `exe_fd` (-1: none) is the sealed runc it passes on. 0, ENOMEM or EIO. */
int k8sc__runc_spawner_open(runc_spawner **out, int exe_fd);
/* End and reap it; NULL is a no-op. */
void k8sc__runc_spawner_close(runc_spawner *s);
/*
 * Have the spawner start process `kind` with `fields` (n <= 24 strings,
 * NULL for absent ones; see k8sc__runc_child_main) in its own session.
 * *out gets its pid once it runs. `what` names it in errors. 0, EIO, or
 * ETIMEOUT when no report came within s->timeout_ms (the spawner is then
 * killed; the next request starts a new one).
 */
int k8sc__runc_spawn(runc_spawner *s, runc_proc *out, const char *what, char kind, const char *const *fields,
                     size_t n);

/*
 * In the spawned process (async-signal-safe code only): run process
 * `kind` from `fields`, reporting to `report`. Never returns. Defined by
 * runc_monitor.c, which also makes the requests.
 */
void k8sc__runc_child_main(char kind, const char *const *fields, size_t n, int report) __attribute__((noreturn));
/*
 * Child-side helpers: fds 0-2 to /dev/null, `keep` to fd 3, `exe` (-1:
 * none) to K8SC__RUNC_EXE_FD, others closed; default signals; "<tag><v>\n".
 */
void k8sc__runc_isolate_fds(int keep, int exe);
void k8sc__runc_reset_signals(void);
void k8sc__runc_report(int fd, char tag, long long v);
/* The process's name (comm, up to 15 bytes) by the raw system call (see runc_monitor.c). */
void k8sc__runc_set_name(const char *name);

/*
 * Start a pause process for a sandbox: new uts/ipc (unless host_ipc)/net
 * (unless host_network; joining `netns_path` if given) namespaces,
 * `hostname` set, loopback up; it sleeps until killed. 0 or EIO.
 */
int k8sc__runc_pause_start(const runc *r, runc_proc *out, const k8sc_sandbox_config *cfg);

/* A container's stdio as its config asked: a terminal (config.json says so too), a stdin, closed after one attach. */
typedef struct runc_stdio {
    bool tty;
    bool stdin_;
    bool stdin_once;
} runc_stdio;

/*
 * Start the monitor of container `id` (bundle and state in `dir`): it
 * runs the container with `runc run`, copies its output into `log_path`
 * in the CRI format and writes the exit record; it serves attach on
 * "<dir>/attach" (see runc_monitor.c). *out gets the monitor.
 * `scope` and `leaf` (NULL: no memory limit, OOM kills not watched) are
 * the container's cgroup and the one above it, to tell OOM kills.
 * `overlay` (NULL: the root is a plain directory) are the options of the
 * overlay the monitor mounts on "<dir>/rootfs" in a mount namespace of
 * its own, so that the host's mount table does not grow with each
 * container (runc and the kernel walk it for every container started).
 */
int k8sc__runc_monitor_start(const runc *r, runc_proc *out, const char *id, const char *dir, const char *log_path,
                             const char *scope, const char *leaf, const char *overlay, const runc_stdio *stdio);

/*
 * Write the OCI config.json of a container into `dir` (its rootfs in
 * "<dir>/rootfs"), sharing the namespaces of sandbox pause `pause`.
 * User and group names are looked up in the image's tree `image_root`.
 * `cgroups_path` is the container's cgroup under the cgroup root.
 */
int k8sc__runc_spec_write(const char *dir, const k8sc_container_config *cfg, const k8sc_sandbox_config *sandbox,
                          const k8sc_image *img, const char *image_root, pid_t pause, bool host_network,
                          const char *cgroups_path);

/* The table entries for sandboxes (runc_sandbox.c) and containers (runc_container.c); `state` is a runc. */
int k8sc__runc_run_sandbox(void *state, char **out, const k8sc_sandbox_config *cfg);
int k8sc__runc_stop_sandbox(void *state, const char *id);
int k8sc__runc_remove_sandbox(void *state, const char *id);
int k8sc__runc_sandbox_status(void *state, k8sc_sandbox_status **out, const char *id);
int k8sc__runc_list_sandboxes(void *state, k8sc_sandbox_status ***out, size_t *count);
int k8sc__runc_list_sandboxes_labeled(void *state, k8sc_sandbox_status ***out, size_t *count,
                                      const k8sc_runtime_pair *labels, size_t n_labels);
int k8sc__runc_create_container(void *state, char **out, const char *sandbox_id, const k8sc_container_config *cfg,
                                const k8sc_sandbox_config *sandbox);
int k8sc__runc_start_container(void *state, const char *id);
int k8sc__runc_stop_container(void *state, const char *id, int64_t timeout_s);
int k8sc__runc_remove_container(void *state, const char *id);
int k8sc__runc_container_status(void *state, k8sc_container_status **out, const char *id);
int k8sc__runc_list_containers(void *state, k8sc_container_status ***out, size_t *count, const char *sandbox_id);
int k8sc__runc_container_stats(void *state, k8sc_container_stats *out, const char *id);

/* A sandbox's pause process and whether it uses the host's network (from its record). ENOTFOUND; EINVAL if not ready. */
int k8sc__runc_sandbox_pause(runc *r, const char *id, runc_proc *pause, bool *host_network, char **cgroup_parent,
                             char **log_directory);

/*
 * The pod network of a sandbox (runc_network.c). Setup: unless there is
 * no pod network, or the sandbox uses the host's or a given namespace,
 * pin the pause's network namespace and ADD it to the network, recording
 * "podNetns", "podNetwork" and "ip" in `rec` (which has the sandbox's id,
 * name, namespace and uid). Teardown: DEL it if attached (*changed set
 * when `rec` changed) and unpin; doing it twice is fine.
 */
int k8sc__runc_network_setup(const runc *r, struct json_object *rec, pid_t pause, const k8sc_sandbox_config *cfg);
int k8sc__runc_network_teardown(const runc *r, struct json_object *rec, bool *changed);
/* The pod's address while its network is attached (caller frees), else NULL. */
char *k8sc__runc_network_ip(struct json_object *rec);

/* 0 if container `id` is running; ENOTFOUND; EINVAL. */
int k8sc__runc_container_running(runc *r, const char *id);
/* For attach: 0 if container `id` is running, with its directory (*dir, caller frees) and stdio; ENOTFOUND; EINVAL. */
int k8sc__runc_container_stdio(runc *r, const char *id, char **dir, runc_stdio *stdio);

/* Pairs ↔ a JSON object of strings. */
struct json_object *k8sc__runc_pairs_json(const k8sc_runtime_pair *pairs, size_t n);
int k8sc__runc_json_pairs(k8sc_runtime_pair **out, size_t *n, struct json_object *obj);
/* A new random 64-hex-digit id (caller frees). */
char *k8sc__runc_new_id(void);

/* The exec_start of the runc backend. */
int k8sc__runc_exec_start(void *state, k8sc_runtime_exec *ex, const char *id, const k8sc_exec_options *opts);
/* The attach of the runc backend (runc_attach.c): connections to the container's monitor. */
int k8sc__runc_attach(void *state, k8sc_runtime_exec *ex, const char *id, const k8sc_attach_options *opts);

#endif
