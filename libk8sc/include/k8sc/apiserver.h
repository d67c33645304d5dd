/*
 * libk8sc API server: the Kubernetes REST API (discovery, OpenAPI v3,
 * get/list/create/update/delete/deletecollection/watch, Table output) over
 * HTTP or HTTPS, backed by a k8sc_store.
 *
 * Objects are stored as JSON under "/registry/<group>/<plural>/[<namespace>/]<name>"
 * with the group "core" for the legacy "" group; resourceVersion is the
 * store's mod_revision as a decimal string.
 *
 * The same request handling is reachable without a socket through
 * k8sc_apiserver_handle(), for an in-process client transport.
 */
#ifndef K8SC_APISERVER_H
#define K8SC_APISERVER_H

#include "object.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8sc_apiserver k8sc_apiserver;

/* What to serve and where. Strings are copied; the store, registry and clock are borrowed. */
typedef struct k8sc_apiserver_options {
    unsigned int version;
    /* "HOST:PORT" (IPv4 address) or ":PORT"; port 0 picks a free one. NULL: "127.0.0.1:6443". */
    const char *listen;
    /* Store URL opened by k8sc_apiserver_new when `store` is NULL. NULL: "sqlite:./k8sc.db". */
    const char *store_url;
    /* An already-open store, borrowed (must outlive the server). Wins over store_url. */
    k8sc_store *store;
    /* Kinds to serve, borrowed. NULL: k8sc_registry_default(). */
    k8sc_registry *registry;
    /* Clock for creationTimestamp and ages. NULL: the system clock. */
    k8sc_clock *clock;
    /* Most simultaneous connections (each has a thread while open). 0: 256. */
    unsigned int max_connections;
    /*
     * Seconds a connection may sit idle (keep-alive between requests, or a
     * client sending its request slowly) before it is closed, so idle
     * clients cannot hold every connection slot. Watch streams are exempt
     * while they stream. 0: 60.
     */
    unsigned int idle_timeout_seconds;
    /*
     * Service ClusterIPs (kube-apiserver's --service-cluster-ip-range): an
     * IPv4 CIDR, /12 to /30. Its first address is the `kubernetes`
     * Service's. NULL: "10.96.0.0/12".
     */
    const char *service_cluster_ip_range;
    /* NodePorts (--service-node-port-range): "FIRST-LAST" or "FIRST+OFFSET". NULL: "30000-32767". */
    const char *service_node_port_range;
    /*
     * The IPv4 address published in the `kubernetes` Endpoints
     * (--advertise-address). NULL: the listen address, or 127.0.0.1 when
     * listening on all addresses.
     */
    const char *advertise_address;
    /*
     * Static bearer tokens (kube-apiserver's --token-auth-file): a CSV file
     * of "token,user,uid[,\"group1,group2\"]" records, read once by
     * k8sc_apiserver_new. Every request over HTTP then needs
     * "Authorization: Bearer TOKEN" with one of them, except anonymous ones
     * to /healthz, /livez, /readyz and /version; others get 401
     * Unauthorized. k8sc_apiserver_handle (the in-process transport) is
     * trusted. NULL: no authentication. Since version 2.
     */
    const char *token_file;
    /*
     * The PEM private key (RSA) that signs service account tokens
     * (serviceaccounts/NAME/token; kube-apiserver's
     * --service-account-signing-key-file), read once by
     * k8sc_apiserver_new. NULL: a key made at the first token request,
     * kept for the server's lifetime. Since version 2.
     */
    const char *service_account_key_file;
    /*
     * Serve HTTPS instead of HTTP (kube-apiserver's --tls-cert-file and
     * --tls-private-key-file): the PEM serving certificate, optionally
     * followed by its chain, and its PEM private key (RSA or ECDSA, not
     * encrypted), read once by k8sc_apiserver_new. Both or neither. NULL:
     * plain HTTP. Since version 3.
     */
    const char *tls_cert_file;
    const char *tls_key_file;
    /*
     * A PEM CA bundle served without authentication at GET /cacerts, as
     * k3s's server does, so that a joining node can fetch it over an
     * unverified connection and check it against the hash its join token
     * carries. Needs the two above; read once by k8sc_apiserver_new. NULL:
     * no /cacerts. Since version 3.
     */
    const char *tls_ca_file;
} k8sc_apiserver_options;

/*
 * Version 1 is the same structure without the fields from `token_file` on,
 * version 2 without the fields from `tls_cert_file` on (both still accepted).
 */
#define K8SC_APISERVER_OPTIONS_VERSION 3
#define K8SC_APISERVER_OPTIONS_INIT \
    { K8SC_APISERVER_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/* Fill `opts` (of the layout of `version`, 1 to 3) with the defaults. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_apiserver_options_init(k8sc_apiserver_options *opts, unsigned int version);

/*
 * Create a server: open (or borrow) the store, create the namespaces
 * default, kube-system, kube-public and kube-node-lease if missing, and
 * bring the stored Service ClusterIP and NodePort allocations in line with
 * the stored Services. It does not listen until k8sc_apiserver_start().
 * `opts` may be NULL for the defaults. Errors: EINVAL for a malformed
 * listen address, store URL, Service range, advertise address, token
 * file, service account key, TLS certificate, key (or one that does not
 * match the certificate) or CA bundle, each message naming the file; EIO
 * for an unreadable file; and any error of k8sc_store_open.
 */
K8SC_EXTERN int k8sc_apiserver_new(k8sc_apiserver **out, const k8sc_apiserver_options *opts);

/*
 * Bind the listen address and serve on background threads (one per open
 * connection); create or update the `kubernetes` Service, Endpoints and
 * EndpointSlice in default for the bound port (a failure there is logged),
 * and start repairing the Service ranges periodically. EIO if the address
 * cannot be bound; EINVAL if already started.
 */
K8SC_EXTERN int k8sc_apiserver_start(k8sc_apiserver *srv);

/* The bound TCP port after a successful start, else 0. */
K8SC_EXTERN int k8sc_apiserver_port(const k8sc_apiserver *srv);

/*
 * Stop listening, end open watches and wait for the serving threads.
 * Safe to call when not started, and more than once.
 */
K8SC_EXTERN void k8sc_apiserver_stop(k8sc_apiserver *srv);

/* Stop if needed and free the server, closing a store it opened itself. NULL is fine. */
K8SC_EXTERN void k8sc_apiserver_free(k8sc_apiserver *srv);

/* The reply to one request made through k8sc_apiserver_handle. */
typedef struct k8sc_apiserver_response k8sc_apiserver_response;

/*
 * Handle one request without a socket, exactly as if it came over HTTP.
 * `target` is the request target with its query, percent-encoded as on
 * the wire ("/api/v1/namespaces/default/pods?labelSelector=app%3Dweb").
 * `content_type`, `accept` and `body` may be NULL. Every HTTP outcome,
 * errors included, is a response (0 returned); a negative code means the
 * request could not be handled at all (ENOMEM, EINVAL arguments).
 * A watch (?watch=true) gives a streaming response: read it with
 * k8sc_apiserver_response_next.
 */
K8SC_EXTERN int k8sc_apiserver_handle(k8sc_apiserver_response **out, k8sc_apiserver *srv,
    const char *method, const char *target, const char *content_type, const char *accept,
    const char *body, size_t body_len);

/* The HTTP status code, e.g. 200, 404. */
K8SC_EXTERN int k8sc_apiserver_response_status(const k8sc_apiserver_response *resp);

/* The Content-Type of the reply, borrowed from `resp`. */
K8SC_EXTERN const char *k8sc_apiserver_response_content_type(const k8sc_apiserver_response *resp);

/*
 * The body of a non-streaming reply, borrowed from `resp` and
 * NUL-terminated; `len` (may be NULL) gets its length. "" for a stream.
 */
K8SC_EXTERN const char *k8sc_apiserver_response_body(const k8sc_apiserver_response *resp, size_t *len);

/*
 * The reply's warnings (each sent as a "Warning: 299 - ..." header), one a
 * line, borrowed from `resp`; "" when there are none.
 */
K8SC_EXTERN const char *k8sc_apiserver_response_warnings(const k8sc_apiserver_response *resp);

/* True for a watch stream, read with k8sc_apiserver_response_next. */
K8SC_EXTERN bool k8sc_apiserver_response_is_stream(const k8sc_apiserver_response *resp);

/*
 * The next event line of a watch stream ("{"type":...,"object":...}\n"),
 * waiting up to `timeout_ms` (< 0: forever). 1 with `*out` set (the
 * caller's, k8sc_free), 0 at the end of the stream (timeoutSeconds
 * passed, server stopped), ETIMEOUT when nothing came in time, EINVAL for
 * a non-streaming reply.
 */
K8SC_EXTERN int k8sc_apiserver_response_next(char **out, k8sc_apiserver_response *resp, int timeout_ms);

/*
 * For an event loop reading a watch stream: a descriptor (owned by `resp`,
 * the same for its whole life) that polls readable while
 * k8sc_apiserver_response_next may have a line or the end to give; it
 * also wakes every 200 ms so that timeoutSeconds, bookmarks and a stopped
 * server are noticed. Then call k8sc_apiserver_response_next with timeout
 * 0 until it returns ETIMEOUT. -1 (with EINVAL) for a non-streaming reply,
 * or (EIO) when the descriptor cannot be made.
 */
K8SC_EXTERN int k8sc_apiserver_response_fd(k8sc_apiserver_response *resp);

/* Free a response (ending its watch, if any). NULL is fine. */
K8SC_EXTERN void k8sc_apiserver_response_free(k8sc_apiserver_response *resp);

#ifdef __cplusplus
}
#endif
#endif
