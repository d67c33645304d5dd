/*
 * libk8sc client: kubeconfig loading, connection configuration and a
 * thread-safe HTTP client (libcurl) for any Kubernetes-compatible API
 * server, addressing resources by apiVersion + kind through discovery.
 * The same client can instead call an API server's handler in this
 * process (k8sc_client_options.apiserver, k8sc_client_new_in_process):
 * one client interface, two transports.
 *
 * Errors from the server (a metav1.Status) become distinct codes:
 * NotFound ENOTFOUND, AlreadyExists EEXISTS, Conflict ECONFLICT, Invalid
 * EINVAL, Forbidden EFORBIDDEN, Unauthorized EUNAUTHORIZED, Gone/Expired
 * EGONE, Timeout/ServerTimeout ETIMEOUT, TooManyRequests ETOOMANY, with the
 * server's message in k8sc_error_last() and the whole Status (causes
 * included) in k8sc_client_last_status(). A server that cannot be reached
 * is EUNAVAILABLE, one that does not answer in time ETIMEOUT; both
 * messages name the URL.
 */
#ifndef K8SC_CLIENT_H
#define K8SC_CLIENT_H

#include "codec.h"
#include "object.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- kubeconfig ---------------------------------------------------------- */

/* A parsed (and possibly merged) kubeconfig. Immutable once loaded. */
typedef struct k8sc_kubeconfig k8sc_kubeconfig;

/*
 * Load kubeconfig files as kubectl does. `paths` is a list separated by
 * ':' (like $KUBECONFIG); NULL means $KUBECONFIG, or ~/.kube/config when
 * that is unset or empty. Files are merged: for clusters, users and
 * contexts the first file that names an entry wins; current-context comes
 * from the first file that sets it. Files in $KUBECONFIG that do not
 * exist are skipped (an explicit single path that is missing is ENOTFOUND).
 * Relative file paths inside a file (certificate-authority,
 * client-certificate, client-key, tokenFile, exec command with a '/')
 * are resolved against that file's directory. EINVAL with
 * `error loading config file "PATH": ...` naming the field on a broken
 * file — also for a field the format does not have (`unknown field
 * "clusters[0].cluster.sever"`), where kubectl would drop it silently.
 */
K8SC_EXTERN int k8sc_kubeconfig_load(k8sc_kubeconfig **out, const char *paths);

/* Parse one kubeconfig text (YAML or JSON); `name` is used in messages and
 * to resolve relative paths (NULL: "<memory>", paths relative to the cwd). */
K8SC_EXTERN int k8sc_kubeconfig_parse(k8sc_kubeconfig **out, const char *buf, size_t len, const char *name);

/* The merged current-context, borrowed; NULL when none is set. */
K8SC_EXTERN const char *k8sc_kubeconfig_current_context(const k8sc_kubeconfig *kc);

/*
 * The merged configuration as a kubeconfig JSON tree (apiVersion v1, kind
 * Config, named lists), borrowed from `kc`.
 */
K8SC_EXTERN struct json_object *k8sc_kubeconfig_json(const k8sc_kubeconfig *kc);

/* Free a kubeconfig. NULL is fine. */
K8SC_EXTERN void k8sc_kubeconfig_free(k8sc_kubeconfig *kc);

/* What kubectl's --context, --cluster, --user, --namespace and --server override. */
typedef struct k8sc_kubeconfig_overrides {
    unsigned int version;
    const char *context;
    const char *cluster;
    const char *user;
    const char *namespace_;
    const char *server;
} k8sc_kubeconfig_overrides;

#define K8SC_KUBECONFIG_OVERRIDES_VERSION 1
#define K8SC_KUBECONFIG_OVERRIDES_INIT { K8SC_KUBECONFIG_OVERRIDES_VERSION, NULL, NULL, NULL, NULL, NULL }

/* Fill `ov` with K8SC_KUBECONFIG_OVERRIDES_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_kubeconfig_overrides_init(k8sc_kubeconfig_overrides *ov, unsigned int version);

/* ---- connection configuration -------------------------------------------- */

/*
 * Everything needed to talk to one API server: URL, TLS material (kept in
 * memory), credentials (token, token file, exec plugin, basic auth),
 * proxy and default namespace. Thread-safe; credentials that rotate (a
 * token file, an exec plugin's expiring token) are refreshed internally.
 */
typedef struct k8sc_client_config k8sc_client_config;

/*
 * Resolve the context chosen by `ov` (may be NULL) or the current-context
 * of `kc`. Errors (EINVAL), worded as kubectl words them:
 * `context "foo" does not exist`, `cluster "c" does not exist`,
 * `user "u" does not exist`, `no context chosen`, `cluster has no server
 * defined`, and unreadable certificate, key or token files (naming them).
 */
K8SC_EXTERN int k8sc_client_config_from_kubeconfig(k8sc_client_config **out, const k8sc_kubeconfig *kc,
    const k8sc_kubeconfig_overrides *ov);

/* Where an in-cluster configuration comes from; NULL fields take the defaults. */
typedef struct k8sc_in_cluster_options {
    unsigned int version;
    /* default /var/run/secrets/kubernetes.io/serviceaccount/token, re-read when it rotates */
    const char *token_file;
    /* default /var/run/secrets/kubernetes.io/serviceaccount/ca.crt */
    const char *ca_file;
    /* default /var/run/secrets/kubernetes.io/serviceaccount/namespace (missing: "default") */
    const char *namespace_file;
    /* default $KUBERNETES_SERVICE_HOST and $KUBERNETES_SERVICE_PORT */
    const char *host;
    const char *port;
} k8sc_in_cluster_options;

#define K8SC_IN_CLUSTER_OPTIONS_VERSION 1
#define K8SC_IN_CLUSTER_OPTIONS_INIT { K8SC_IN_CLUSTER_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL }

/* Fill `opts` with K8SC_IN_CLUSTER_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_in_cluster_options_init(k8sc_in_cluster_options *opts, unsigned int version);

/*
 * The configuration of a pod's service account, as client-go's
 * InClusterConfig. `opts` may be NULL. EUNAVAILABLE ("unable to load
 * in-cluster configuration, KUBERNETES_SERVICE_HOST and
 * KUBERNETES_SERVICE_PORT must be defined") outside a cluster; EIO naming
 * the file when the token cannot be read.
 */
K8SC_EXTERN int k8sc_client_config_in_cluster(k8sc_client_config **out, const k8sc_in_cluster_options *opts);

/* A configuration for a plain URL with no credentials (tests, local servers). */
K8SC_EXTERN int k8sc_client_config_from_url(k8sc_client_config **out, const char *server);

/* The server URL (e.g. "https://10.0.0.1:6443"), borrowed. */
K8SC_EXTERN const char *k8sc_client_config_server(const k8sc_client_config *cfg);

/* The default namespace (the context's, overridden, or "default"), borrowed. */
K8SC_EXTERN const char *k8sc_client_config_namespace(const k8sc_client_config *cfg);

/* The TLS server name to verify (tls-server-name), or NULL; borrowed. */
K8SC_EXTERN const char *k8sc_client_config_tls_server_name(const k8sc_client_config *cfg);

/* The proxy URL (proxy-url), or NULL; borrowed. */
K8SC_EXTERN const char *k8sc_client_config_proxy_url(const k8sc_client_config *cfg);

/* Whether insecure-skip-tls-verify is set. */
K8SC_EXTERN bool k8sc_client_config_insecure(const k8sc_client_config *cfg);

/*
 * The bearer token to send now, or NULL in `*out` when the configuration
 * has none: the static token, the token file's current contents (re-read
 * when the file changes), or the exec plugin's token (the plugin is run
 * again once the cached credential expires). `*out` is the caller's
 * (k8sc_free). Errors from reading the file or running the plugin.
 */
K8SC_EXTERN int k8sc_client_config_token(char **out, k8sc_client_config *cfg);

/*
 * The client certificate and key (PEM) to present, from the kubeconfig
 * (file or data) or the exec plugin; NULL when there are none. Both are
 * the caller's (k8sc_free).
 */
K8SC_EXTERN int k8sc_client_config_client_cert(char **cert_out, char **key_out, k8sc_client_config *cfg);

/* The CA bundle (PEM) to verify the server with, or NULL (system CAs); borrowed. */
K8SC_EXTERN const char *k8sc_client_config_ca(const k8sc_client_config *cfg);

/* Take another reference. */
K8SC_EXTERN k8sc_client_config *k8sc_client_config_ref(k8sc_client_config *cfg);

/* Drop a reference. NULL is fine. */
K8SC_EXTERN void k8sc_client_config_free(k8sc_client_config *cfg);

/* ---- client -------------------------------------------------------------- */

/* An API server (apiserver.h), for the in-process transport. */
typedef struct k8sc_apiserver k8sc_apiserver;

/* A client for one API server. Safe to share between threads. */
typedef struct k8sc_client k8sc_client;

typedef struct k8sc_client_options {
    unsigned int version;
    /* A configuration to use (a reference is taken). Wins over everything below it. */
    k8sc_client_config *config;
    /* kubeconfig paths (':'-separated) when `config` is NULL; NULL: $KUBECONFIG or ~/.kube/config. */
    const char *kubeconfig;
    /* kubectl-style overrides applied to the kubeconfig (context, cluster, user, namespace, server). */
    k8sc_kubeconfig_overrides overrides;
    /* User-Agent header. NULL: "k8sc/<version>". */
    const char *user_agent;
    /* Per-request timeout in ms (connect included). 0: 30000. Watches use it to connect only. */
    long timeout_ms;
    /* Retries of a request answered 429 or 5xx (or a connection reset). 0: 5; -1: none. */
    int max_retries;
    /* Longest wait before one retry, in ms, whatever Retry-After says. 0: 10000. */
    long max_retry_wait_ms;
    /* Kinds to resolve without asking the server (borrowed); NULL: discovery only. */
    k8sc_registry *registry;
    /*
     * Serve requests in process through this server's handler
     * (k8sc_apiserver_handle; borrowed, must outlive the client), with no
     * socket. Wins over config and kubeconfig; of the overrides only
     * namespace_ applies (NULL: "default"). Since version 2.
     */
    k8sc_apiserver *apiserver;
    /*
     * kubectl's --cache-dir (~/.kube/cache): keep discovery on disk as
     * kubectl does, in DIR/discovery/HOST_PORT/[GROUP/]VERSION/
     * serverresources.json (kubectl's own files, so the two programs share
     * them). A list found there fresh answers without a request; a kind
     * missing from it is asked for again (a new CRD) and the file
     * rewritten; an unreadable file is ignored. NULL: discovery is kept in
     * memory only. Since version 3.
     */
    const char *discovery_cache_dir;
    /* How long a cached list is fresh after it was written, in seconds. 0: 6 hours (kubectl's). Since version 3. */
    long discovery_cache_ttl_s;
} k8sc_client_options;

/*
 * Version 1 is the same structure without `apiserver` and what follows it,
 * version 2 without `discovery_cache_dir` and what follows it (both still
 * accepted).
 */
#define K8SC_CLIENT_OPTIONS_VERSION 3
#define K8SC_CLIENT_OPTIONS_INIT \
    { K8SC_CLIENT_OPTIONS_VERSION, NULL, NULL, K8SC_KUBECONFIG_OVERRIDES_INIT, NULL, 0, 0, 0, NULL, NULL, NULL, 0 }

/* Fill `opts` (of the layout of `version`, 1 to 3) with the defaults. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_client_options_init(k8sc_client_options *opts, unsigned int version);

/*
 * Create a client. With no `config`, the kubeconfig is loaded (and the
 * overrides applied); when no kubeconfig file exists at all and
 * KUBERNETES_SERVICE_HOST is set, the in-cluster configuration is used.
 * `opts` may be NULL for the defaults.
 */
K8SC_EXTERN int k8sc_client_new(k8sc_client **out, const k8sc_client_options *opts);

/*
 * A client that calls `srv`'s request handler in this process (no socket,
 * no HTTP; the server need not be started): the same requests, replies and
 * error codes as over HTTP. Namespace "default"; k8sc_client_config_server
 * names "inproc://". `srv` is borrowed and must outlive the client.
 * EINVAL for a NULL argument.
 */
K8SC_EXTERN int k8sc_client_new_in_process(k8sc_client **out, k8sc_apiserver *srv);

/* Free a client. Open watches must be freed first. NULL is fine. */
K8SC_EXTERN void k8sc_client_free(k8sc_client *client);

/* The client's configuration, borrowed. */
K8SC_EXTERN k8sc_client_config *k8sc_client_get_config(k8sc_client *client);

/* The default namespace, borrowed (used when a call passes NULL for a namespaced kind). */
K8SC_EXTERN const char *k8sc_client_namespace(const k8sc_client *client);

/*
 * Resolve apiVersion + kind to the plural resource name (copied into
 * `plural`, `size` bytes) and whether it is namespaced, through the
 * registry option or discovery (/api/v1, /apis/GROUP/VERSION), cached and
 * fetched again on a miss so that new custom resources appear. ENOTFOUND
 * `no matches for kind "K" in version "V"`.
 */
K8SC_EXTERN int k8sc_client_resolve(k8sc_client *client, const char *api_version, const char *kind,
    char *plural, size_t size, bool *namespaced);

/* Forget everything discovery cached. */
K8SC_EXTERN void k8sc_client_invalidate_discovery(k8sc_client *client);

/*
 * One raw request: `path` is the URL path and query, already encoded
 * ("/api/v1/namespaces"). `body` may be NULL. `*out` is the reply body
 * (the caller's, k8sc_free; may be NULL) and `status` (may be NULL) the
 * HTTP status. An HTTP error status is returned as its mapped code, with
 * `*out` still set.
 */
K8SC_EXTERN int k8sc_client_request(char **out, int *status, k8sc_client *client, const char *method,
    const char *path, const char *content_type, const char *body, size_t body_len);

/*
 * The last Status object received with an error on this thread (its
 * reason, details and causes), or NULL. Borrowed until the next client
 * call on this thread.
 */
K8SC_EXTERN const k8sc_object *k8sc_client_last_status(void);

/*
 * The apiVersion and kind of built-in kinds, as the two arguments every
 * call that addresses a kind takes: k8sc_client_get(&pod, c, K8SC_POD,
 * "default", "web"); k8sc_client_list(&l, c, K8SC_DEPLOYMENT, "", NULL).
 */
#define K8SC_POD "v1", "Pod"
#define K8SC_SERVICE "v1", "Service"
#define K8SC_ENDPOINTS "v1", "Endpoints"
#define K8SC_CONFIGMAP "v1", "ConfigMap"
#define K8SC_SECRET "v1", "Secret"
#define K8SC_NAMESPACE "v1", "Namespace"
#define K8SC_NODE "v1", "Node"
#define K8SC_EVENT "v1", "Event"
#define K8SC_SERVICEACCOUNT "v1", "ServiceAccount"
#define K8SC_PERSISTENTVOLUMECLAIM "v1", "PersistentVolumeClaim"
#define K8SC_PERSISTENTVOLUME "v1", "PersistentVolume"
#define K8SC_REPLICATIONCONTROLLER "v1", "ReplicationController"
#define K8SC_RESOURCEQUOTA "v1", "ResourceQuota"
#define K8SC_LIMITRANGE "v1", "LimitRange"
#define K8SC_DEPLOYMENT "apps/v1", "Deployment"
#define K8SC_REPLICASET "apps/v1", "ReplicaSet"
#define K8SC_STATEFULSET "apps/v1", "StatefulSet"
#define K8SC_DAEMONSET "apps/v1", "DaemonSet"
#define K8SC_JOB "batch/v1", "Job"
#define K8SC_CRONJOB "batch/v1", "CronJob"
#define K8SC_ENDPOINTSLICE "discovery.k8s.io/v1", "EndpointSlice"
#define K8SC_LEASE "coordination.k8s.io/v1", "Lease"
#define K8SC_INGRESS "networking.k8s.io/v1", "Ingress"
#define K8SC_NETWORKPOLICY "networking.k8s.io/v1", "NetworkPolicy"
#define K8SC_HORIZONTALPODAUTOSCALER "autoscaling/v2", "HorizontalPodAutoscaler"
#define K8SC_POD_DISRUPTION_BUDGET "policy/v1", "PodDisruptionBudget"
#define K8SC_ROLE "rbac.authorization.k8s.io/v1", "Role"
#define K8SC_ROLEBINDING "rbac.authorization.k8s.io/v1", "RoleBinding"
#define K8SC_CLUSTERROLE "rbac.authorization.k8s.io/v1", "ClusterRole"
#define K8SC_CLUSTERROLEBINDING "rbac.authorization.k8s.io/v1", "ClusterRoleBinding"
#define K8SC_CUSTOMRESOURCEDEFINITION "apiextensions.k8s.io/v1", "CustomResourceDefinition"

/* Get one object. `namespace_` NULL: the client's namespace (ignored for cluster-scoped kinds). */
K8SC_EXTERN int k8sc_client_get(k8sc_object **out, k8sc_client *client, const char *api_version,
    const char *kind, const char *namespace_, const char *name);

typedef struct k8sc_list_options {
    unsigned int version;
    const char *label_selector;
    const char *field_selector;
    /* Page size; 0: no limit (one request). */
    int64_t limit;
    /* Start from this continue token. */
    const char *continue_token;
    const char *resource_version;
    /* Follow continue tokens and return every page's items in one list (default true). */
    bool all_pages;
} k8sc_list_options;

#define K8SC_LIST_OPTIONS_VERSION 1
#define K8SC_LIST_OPTIONS_INIT { K8SC_LIST_OPTIONS_VERSION, NULL, NULL, 0, NULL, NULL, true }

/* Fill `opts` with K8SC_LIST_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_list_options_init(k8sc_list_options *opts, unsigned int version);

/*
 * List objects: `*out` is the List object ("items", "metadata"); with
 * all_pages the items of every page are joined and metadata.continue is
 * absent. `namespace_` NULL lists the client's namespace; "" lists every
 * namespace. `opts` may be NULL. EGONE when a continue token expired.
 */
K8SC_EXTERN int k8sc_client_list(k8sc_object **out, k8sc_client *client, const char *api_version,
    const char *kind, const char *namespace_, const k8sc_list_options *opts);

/* Create `obj` (in its namespace, else the client's). `*out` (may be NULL) is the server's copy. */
K8SC_EXTERN int k8sc_client_create(k8sc_object **out, k8sc_client *client, const k8sc_object *obj);

/* Replace `obj` (PUT); its resourceVersion, if set, is a precondition (ECONFLICT). */
K8SC_EXTERN int k8sc_client_update(k8sc_object **out, k8sc_client *client, const k8sc_object *obj);

/*
 * Replace `obj`'s status through its /status subresource (PUT; the server
 * keeps everything but the status); its resourceVersion, if set, is a
 * precondition (ECONFLICT). ENOTFOUND for a kind without the subresource.
 */
K8SC_EXTERN int k8sc_client_update_status(k8sc_object **out, k8sc_client *client, const k8sc_object *obj);

/* Patch an object with a JSON, merge or strategic merge patch (`patch` is JSON text). */
K8SC_EXTERN int k8sc_client_patch(k8sc_object **out, k8sc_client *client, const char *api_version,
    const char *kind, const char *namespace_, const char *name, k8sc_patch_type type, const char *patch);

typedef struct k8sc_delete_options {
    unsigned int version;
    /* "Orphan", "Background", "Foreground" or NULL (the server's default). */
    const char *propagation_policy;
    /* Grace period in seconds; negative: the server's default. */
    int64_t grace_period_seconds;
    /* Preconditions: delete only if the object still has this UID / resourceVersion. */
    const char *precondition_uid;
    const char *precondition_resource_version;
} k8sc_delete_options;

#define K8SC_DELETE_OPTIONS_VERSION 1
#define K8SC_DELETE_OPTIONS_INIT { K8SC_DELETE_OPTIONS_VERSION, NULL, -1, NULL, NULL }

/* Fill `opts` with K8SC_DELETE_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_delete_options_init(k8sc_delete_options *opts, unsigned int version);

/*
 * Delete an object. `*out` (may be NULL) is what the server answered: the
 * object (still there with a deletionTimestamp, or as deleted) or a
 * Status. `opts` may be NULL.
 */
K8SC_EXTERN int k8sc_client_delete(k8sc_object **out, k8sc_client *client, const char *api_version,
    const char *kind, const char *namespace_, const char *name, const k8sc_delete_options *opts);

/* ---- watch --------------------------------------------------------------- */

typedef struct k8sc_watch k8sc_watch;

typedef enum {
    K8SC_WATCH_ADDED = 0,
    K8SC_WATCH_MODIFIED = 1,
    K8SC_WATCH_DELETED = 2,
    K8SC_WATCH_BOOKMARK = 3,
} k8sc_watch_event_type;

typedef struct k8sc_watch_options {
    unsigned int version;
    const char *label_selector;
    const char *field_selector;
    /* Start after this resourceVersion; NULL: the current state as ADDED events first. */
    const char *resource_version;
    bool allow_watch_bookmarks;
    /* Ask the server to end the watch after this many seconds; 0: the server's choice. */
    int64_t timeout_seconds;
} k8sc_watch_options;

#define K8SC_WATCH_OPTIONS_VERSION 1
#define K8SC_WATCH_OPTIONS_INIT { K8SC_WATCH_OPTIONS_VERSION, NULL, NULL, NULL, false, 0 }

/* Fill `opts` with K8SC_WATCH_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_watch_options_init(k8sc_watch_options *opts, unsigned int version);

/*
 * Open a watch on its own connection (in process: a streaming reply of the
 * server's handler). Returns once the server accepted it (an HTTP error is
 * returned as its mapped code) or the client's timeout passed (ETIMEOUT).
 * `namespace_` as for k8sc_client_list. `opts` may be NULL.
 */
K8SC_EXTERN int k8sc_client_watch(k8sc_watch **out, k8sc_client *client, const char *api_version,
    const char *kind, const char *namespace_, const k8sc_watch_options *opts);

/*
 * The next event, waiting up to `timeout_ms` (< 0: forever). 1 with
 * `*type` and `*object` (the caller's) set; 0 at the end of the stream;
 * ETIMEOUT when nothing came in time (the watch stays usable); an ERROR
 * event gives its Status' code (EGONE for an expired resourceVersion) with
 * its message; a broken stream EIO.
 */
K8SC_EXTERN int k8sc_watch_next(k8sc_watch_event_type *type, k8sc_object **object, k8sc_watch *watch, int timeout_ms);

/*
 * For a host's event loop: a descriptor to poll for reading (-1 when the
 * stream ended or on error). Over HTTP it is the socket of the watch's
 * connection; in process, a descriptor owned by the stream that is readable
 * while events may be waiting (it also wakes every 200 ms so that the end
 * of the stream is noticed). When it is readable, call k8sc_watch_next with
 * timeout 0 until it returns ETIMEOUT (several events may arrive at once,
 * and a wake-up may bring none). Call it again after each k8sc_watch_next:
 * the descriptor does not change while the stream lives.
 */
K8SC_EXTERN int k8sc_watch_fd(const k8sc_watch *watch);

/* Called for each event; `object` is borrowed. Non-zero stops k8sc_watch_run and is returned. */
typedef int (*k8sc_watch_fn)(k8sc_watch_event_type type, const k8sc_object *object, void *userdata);

/* Deliver events to `fn` until the stream ends (0), fails, or `fn` returns non-zero. */
K8SC_EXTERN int k8sc_watch_run(k8sc_watch *watch, k8sc_watch_fn fn, void *userdata);

/* "ADDED", "MODIFIED", "DELETED", "BOOKMARK" (static), or "" for an unknown value. */
K8SC_EXTERN const char *k8sc_watch_event_type_name(k8sc_watch_event_type type);

/* Close the connection and free the watch. NULL is fine. */
K8SC_EXTERN void k8sc_watch_free(k8sc_watch *watch);

/* Receives a piece of a streamed reply body (not NUL-terminated). Non-zero stops the stream and is returned. */
typedef int (*k8sc_client_data_fn)(const char *data, size_t len, void *userdata);

/*
 * GET `path` (as for k8sc_client_request) and pass the reply body to
 * `fn` as it arrives, with no overall timeout (for `logs -f`): returns
 * when the server ends the body (0), `fn` returns non-zero (that value),
 * or the request fails (the mapped error; the body of an error reply is
 * not passed to `fn`). Needs an HTTP client (in process: EUNAVAILABLE).
 */
K8SC_EXTERN int k8sc_client_stream_get(k8sc_client *client, const char *path, k8sc_client_data_fn fn, void *userdata);

/*
 * Exec and attach (pods/exec, pods/attach) over a WebSocket speaking
 * v5.channel.k8s.io (v4 when the server only has that), as kubectl does.
 * The streams are file descriptors the caller owns (blocking or not).
 */
typedef int (*k8sc_client_size_fn)(uint16_t *width, uint16_t *height, void *userdata);

typedef struct k8sc_client_stream_options {
    unsigned int version;
    const char *container; /* NULL: the pod's default container */
    int stdin_fd;          /* read until end of file and sent; -1: no stdin */
    int stdout_fd;         /* receives stdout (with a tty, all output); -1: not asked for */
    int stderr_fd;         /* receives stderr; -1: not asked for (always with a tty) */
    bool tty;
    /* The terminal's size, sent at the start and whenever `resize_fd` becomes readable (NULL: none). */
    k8sc_client_size_fn size_fn;
    int resize_fd; /* e.g. a pipe a SIGWINCH handler writes to (drained here); -1: none */
    void *userdata;
} k8sc_client_stream_options;

#define K8SC_CLIENT_STREAM_OPTIONS_VERSION 1
#define K8SC_CLIENT_STREAM_OPTIONS_INIT { K8SC_CLIENT_STREAM_OPTIONS_VERSION, NULL, -1, -1, -1, false, NULL, -1, NULL }

/* Fill `opts` with K8SC_CLIENT_STREAM_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_client_stream_options_init(k8sc_client_stream_options *opts, unsigned int version);

/*
 * Run `command` (n_command > 0) in pod `pod` of `namespace_` (NULL: the
 * client's) and stream its stdio until it ends; *exit_code gets its exit
 * code (a non-zero one is not an error). Needs an HTTP client (not in
 * process: EUNAVAILABLE). Errors: the server's (ENOTFOUND for a missing
 * pod, EINVAL e.g. for a pod that is not running) with its message; EIO
 * when the session breaks or ends without a status.
 */
K8SC_EXTERN int k8sc_client_exec(int *exit_code, k8sc_client *client, const char *namespace_, const char *pod,
                                 const char *const *command, size_t n_command,
                                 const k8sc_client_stream_options *opts);

/* Attach to the running container's stdio until its output ends; errors as k8sc_client_exec. */
K8SC_EXTERN int k8sc_client_attach(k8sc_client *client, const char *namespace_, const char *pod,
                                   const k8sc_client_stream_options *opts);

#ifdef __cplusplus
}
#endif
#endif
