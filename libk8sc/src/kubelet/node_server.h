/*
 * The kubelet's node API (plain HTTP, as the kubelet's server on port
 * 10250): /healthz, /pods, /stats/summary, /containerLogs/NS/POD/C and
 * /exec|/attach/NS/POD/C over a WebSocket speaking v5/v4.channel.k8s.io.
 * The API server proxies `kubectl logs`, `kubectl exec` and `kubectl
 * attach` here.
 */
#ifndef K8SC_KUBELET_NODE_SERVER_H
#define K8SC_KUBELET_NODE_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "k8sc/runtime.h"

typedef struct k8sc__node_server k8sc__node_server;

/*
 * Resolve a pod's container for the node API: sets *container_id and
 * *log_path (caller frees) of container `container` (NULL/"": the pod's
 * first container) of pod namespace/name, or of its previous instance
 * when `previous`. Returns 0, ENOTFOUND (message says what is missing,
 * e.g. `container "x" in pod "p" is waiting to start: ContainerCreating`
 * or `previous terminated container "x" in pod "p" not found`), EINVAL.
 */
typedef int (*k8sc__node_lookup_fn)(void *userdata, const char *ns, const char *pod, const char *container,
                                    bool previous, char **container_id, char **log_path);

/*
 * Listen on address:port (port 0: any free port; address NULL: 0.0.0.0)
 * and serve the node API from `rt` (borrowed; must outlive the server)
 * with `lookup`. EINVAL; EIO when the address cannot be bound.
 */
int k8sc__node_server_start(k8sc__node_server **out, const char *address, uint16_t port, k8sc_runtime *rt,
                            k8sc__node_lookup_fn lookup, void *userdata);

/* The port the server listens on. */
uint16_t k8sc__node_server_port(const k8sc__node_server *s);

/* Stop serving: followed logs and exec sessions end (within ~200 ms); frees `s`. NULL is fine. */
void k8sc__node_server_stop(k8sc__node_server *s);

/* The node server's parts (node_server_exec.c, node_server_stats.c). */
struct MHD_Connection;
/* Answer an /exec or /attach request with a WebSocket upgrade (or an HTTP error). */
int k8sc__node_serve_exec(k8sc__node_server *s, struct MHD_Connection *conn, const char *method, char **parts,
                          bool attach);
/* GET /stats/summary as the kubelet's Summary API (JSON in *out, caller frees). */
int k8sc__node_stats_summary(k8sc_runtime *rt, char **out);
/* GET /pods: a PodList of the pods the runtime knows (JSON in *out, caller frees). */
int k8sc__node_pods(k8sc_runtime *rt, char **out);
/* Queue a plain reply of `body` (copied). */
int k8sc__node_reply(struct MHD_Connection *conn, unsigned int status, const char *content_type, const char *body);
/* The server's stop flag, for long-running replies. */
bool k8sc__node_stopping(const k8sc__node_server *s);
k8sc_runtime *k8sc__node_runtime(const k8sc__node_server *s);
int k8sc__node_lookup(k8sc__node_server *s, const char *ns, const char *pod, const char *container, bool previous,
                      char **container_id, char **log_path);

#endif
