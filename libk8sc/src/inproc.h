/*
 * The in-process API server as the client reaches it: a table of the
 * server's entry points that k8sc_apiserver_new registers. The client
 * calls through it instead of naming the functions, so a program that
 * links libk8sc statically and never runs a server (k8sctl) does not pull
 * the server, the store and their libraries in.
 */
#ifndef K8SC_INPROC_H
#define K8SC_INPROC_H

#include "k8sc/apiserver.h"

typedef struct k8sc__inproc_ops {
    int (*handle)(k8sc_apiserver_response **out, k8sc_apiserver *srv, const char *method, const char *target,
        const char *content_type, const char *accept, const char *body, size_t body_len);
    int (*status)(const k8sc_apiserver_response *resp);
    const char *(*body)(const k8sc_apiserver_response *resp, size_t *len);
    bool (*is_stream)(const k8sc_apiserver_response *resp);
    int (*next)(char **out, k8sc_apiserver_response *resp, int timeout_ms);
    int (*fd)(k8sc_apiserver_response *resp);
    void (*free)(k8sc_apiserver_response *resp);
} k8sc__inproc_ops;

/* The server's table (apiserver/inproc_ops.c). */
extern const k8sc__inproc_ops k8sc__apiserver_inproc_ops;

/* Make `ops` the table the client uses (idempotent; thread-safe). */
void k8sc__inproc_register(const k8sc__inproc_ops *ops);

/* The registered table: never NULL once any API server has been made. */
const k8sc__inproc_ops *k8sc__inproc(void);

#endif
