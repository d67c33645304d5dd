/* Internals of the docker runtime backend (docker*.c). */
#ifndef K8SC_RUNTIME_DOCKER_INTERNAL_H
#define K8SC_RUNTIME_DOCKER_INTERNAL_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>

#include "cni_internal.h"
#include "internal.h"
#include "runtime_internal.h"

/* The image the backend makes from /bin/busybox for sandboxes' pause containers. */
#define K8SC__DOCKER_PAUSE_IMAGE "k8sc/pause:1"

/* Labels the backend keeps its own state in. */
#define K8SC__DOCKER_TYPE "io.kubernetes.docker.type"
#define K8SC__DOCKER_SANDBOX_ID "io.kubernetes.sandbox.id"
#define K8SC__DOCKER_PREFIX "io.k8sc."
#define K8SC__DOCKER_POD_NAME "io.k8sc.pod.name"
#define K8SC__DOCKER_POD_NAMESPACE "io.k8sc.pod.namespace"
#define K8SC__DOCKER_POD_UID "io.k8sc.pod.uid"
#define K8SC__DOCKER_POD_ATTEMPT "io.k8sc.pod.attempt"
#define K8SC__DOCKER_CONTAINER_NAME "io.k8sc.container.name"
#define K8SC__DOCKER_CONTAINER_ATTEMPT "io.k8sc.container.attempt"
#define K8SC__DOCKER_CONTAINER_IMAGE "io.k8sc.container.image"
#define K8SC__DOCKER_CONTAINER_LOG "io.k8sc.container.log-path"
#define K8SC__DOCKER_ANNOTATION "io.k8sc.annotation."

typedef struct k8sc__docker {
    char *socket;
    char *root_dir;      /* dockerd's DockerRootDir */
    bool cgroupfs;       /* cgroup driver cgroupfs (else systemd) */
    pthread_mutex_t pause_lock;
    bool pause_ready;
    char *state_dir;     /* k8sc's runtime root (pinned namespaces) */
    k8sc__cni cni;       /* the pod network; cni.conf_dir NULL: none */
} k8sc__docker;

/* Default timeout of one API call. */
#define K8SC__DOCKER_TIMEOUT_MS 30000

typedef struct k8sc__docker_req {
    const char *method;
    const char *path;         /* below /v1.41, query included, already escaped */
    const char *body;         /* NULL: none */
    size_t body_len;
    FILE *upload;             /* instead of body: streamed from this file */
    int64_t upload_len;
    const char *content_type; /* NULL: application/json */
    long timeout_ms;          /* 0: K8SC__DOCKER_TIMEOUT_MS */
    int conflict_code;        /* what 409 becomes; 0: EEXISTS */
} k8sc__docker_req;

/*
 * Make one API call; *status gets the HTTP status, `resp` (may be NULL)
 * the body. 2xx and 304 succeed; otherwise an error naming the socket
 * and the call with Docker's message (404 ENOTFOUND, 409 conflict_code,
 * unreachable EUNAVAILABLE, too slow ETIMEOUT, EIO).
 */
int k8sc__docker_call(k8sc__docker *d, const k8sc__docker_req *req, long *status, k8sc__buf *resp);

/* A JSON call: `body` (may be NULL) sent, *out (may be NULL) the parsed answer (NULL for an empty one). */
int k8sc__docker_json(k8sc__docker *d, const char *method, const char *path, json_object *body, json_object **out,
                      int conflict_code);

/* `s` escaped for a URL query or path; NULL on ENOMEM. */
char *k8sc__docker_escape(const char *s);

/* Nanoseconds since the epoch of a Docker time ("…T…Z" RFC3339Nano); 0 for none or the zero time. */
int64_t k8sc__docker_time(const char *text);

/* Make the pause image if dockerd lacks it. */
int k8sc__docker_pause_image(k8sc__docker *d);

/* Image operations (docker_image.c). */
int k8sc__docker_list_images(void *state, k8sc_image ***out, size_t *count);
int k8sc__docker_image_status(void *state, k8sc_image **out, const char *ref);
int k8sc__docker_pull_image(void *state, const char *ref);
int k8sc__docker_remove_image(void *state, const char *ref);
int k8sc__docker_import_image(void *state, char ***out, const char *path);

/*
 * The pod network (docker_network.c). Setup: unless there is no pod
 * network or the sandbox uses the host's, pin the running pause
 * container's namespace and ADD it. Teardown: DEL it if attached (the
 * CNI cache says) and unpin; twice is fine.
 */
int k8sc__docker_network_setup(k8sc__docker *d, const char *id, const k8sc_sandbox_config *cfg);
int k8sc__docker_network_teardown(k8sc__docker *d, const char *id, const char *ns, const char *name, const char *uid);

/* Inspect container `id` of `type` ("container", "podsandbox"); ENOTFOUND otherwise (`what` names it). */
int k8sc__docker_inspect(k8sc__docker *d, json_object **out, const char *id, const char *type, const char *what);

/* What a stream does when the caller closes its stdin. */
typedef enum {
    K8SC__DOCKER_EOF_SHUTDOWN, /* shut the connection for writing: dockerd closes the process's stdin */
    K8SC__DOCKER_EOF_EOT,      /* send ^D (a terminal's end of file), then nothing more */
    K8SC__DOCKER_EOF_DETACH,   /* send nothing more: the process's stdin stays open */
} k8sc__docker_eof;

/*
 * A process's stdio through dockerd (docker_stream.c): a connection
 * dockerd hijacks, and a pump thread between it and the session's fds.
 */
typedef struct k8sc__docker_stream {
    k8sc__docker *d;
    bool tty;              /* raw stream, else multiplexed (8-byte frame headers) */
    k8sc__docker_eof eof;
    int sock;
    int in_r;              /* our end of the stdin socket, -1 without stdin */
    int out_w, err_w;      /* our ends of the stdout and stderr sockets */
    int wake[2];           /* stops the pump */
    int done[2];           /* the pump closes done[1] when it ends */
    bool started;
    bool stdin_closed;     /* the caller closed stdin (pump-owned until joined) */
    bool ended;            /* dockerd ended the stream (pump-owned until joined) */
    pthread_t thread;
    k8sc__buf early;       /* stream bytes that came with the response head */
    unsigned char hdr[8];
    size_t hdr_len;
    size_t remaining;
} k8sc__docker_stream;

void k8sc__docker_stream_init(k8sc__docker_stream *s, k8sc__docker *d, bool tty, k8sc__docker_eof eof);
/*
 * Give `ex` its fds (stdin if `in`, stdout, stderr if `err` and not a
 * tty), POST `path` (below /v1.41, escaped) with JSON `body` (NULL: none)
 * on a connection of its own that dockerd upgrades, and start the pump.
 * Errors as dockerd answers (404 ENOTFOUND, 409 EINVAL), EUNAVAILABLE, EIO.
 */
int k8sc__docker_stream_start(k8sc__docker_stream *s, k8sc_runtime_exec *ex, bool in, bool err, const char *path,
                              const char *body);
/* Wait up to `timeout_ms` (< 0: forever) for dockerd to end the stream (or the pump to stop); 0 or ETIMEOUT. */
int k8sc__docker_stream_wait(k8sc__docker_stream *s, int timeout_ms);
/* Stop the pump and close the stream (started or not). */
void k8sc__docker_stream_close(k8sc__docker_stream *s);

/* Exec (docker_exec.c). */
int k8sc__docker_exec_start(void *state, k8sc_runtime_exec *ex, const char *id, const k8sc_exec_options *opts);

/* Attach (docker_attach.c): POST /containers/{id}/attach on a stream. */
int k8sc__docker_attach(void *state, k8sc_runtime_exec *ex, const char *id, const k8sc_attach_options *opts);

#endif
