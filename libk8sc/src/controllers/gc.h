/*
 * The garbage collector's parts (Kubernetes' pkg/controller/garbagecollector):
 * the dependency graph built from ownerReferences, resource discovery, and
 * the attemptToDelete / attemptToOrphan work on the graph's nodes.
 */
#ifndef K8SC_CONTROLLERS_GC_H
#define K8SC_CONTROLLERS_GC_H

#include <stdbool.h>
#include <stddef.h>

#include "internal.h"
#include "k8sc/controller.h"
#include "k8sc/controllers.h"

/* The two queues of Kubernetes' collector, as the namespace part of the controller's keys (name = uid). */
#define K8SC__GC_DELETE "attempt-to-delete"
#define K8SC__GC_ORPHAN "attempt-to-orphan"

/* ---- the graph ---- */

/* The owner → dependents graph, keyed by uid. Thread-safe. */
typedef struct k8sc__gc_graph k8sc__gc_graph;

/* Called (under the graph's lock: it must only enqueue) with K8SC__GC_DELETE or _ORPHAN and a uid. */
typedef void (*k8sc__gc_enqueue_fn)(const char *queue, const char *uid, void *userdata);

int k8sc__gc_graph_new(k8sc__gc_graph **out, k8sc__gc_enqueue_fn enqueue, void *userdata);
void k8sc__gc_graph_free(k8sc__gc_graph *g);

/*
 * An informer saw `obj` added or changed (processGraphChanges): the node is
 * inserted or updated with its owners (unknown owners become virtual nodes,
 * queued for a check); dependents of a node that starts deleting in the
 * foreground, nodes waiting for the orphaning of their dependents, and
 * owners that a removed or unblocked reference may free are queued.
 */
int k8sc__gc_graph_observe(k8sc__gc_graph *g, const k8sc_object *obj);

/*
 * An informer saw node `uid` deleted, or its object was found absent on
 * the server (a virtual delete event): the node goes; its dependents and
 * its owners deleting in the foreground are queued.
 */
void k8sc__gc_graph_remove(k8sc__gc_graph *g, const char *uid);

/* Where a node's object lives; strings owned by the struct. */
typedef struct k8sc__gc_ident {
    char *uid, *api_version, *kind, *namespace_, *name;
} k8sc__gc_ident;

/* One dependent of a node, as the graph knows it. */
typedef struct k8sc__gc_dependent {
    k8sc__gc_ident id;
    bool blocking;            /* its reference to the node has blockOwnerDeletion */
    bool deleting_dependents; /* it is itself being deleted in the foreground */
} k8sc__gc_dependent;

/* A copy of one node, taken under the lock. */
typedef struct k8sc__gc_node_info {
    k8sc__gc_ident id;
    bool observed;            /* seen by an informer (else virtual: only referenced) */
    bool being_deleted;       /* deletionTimestamp set */
    bool deleting_dependents; /* deletionTimestamp and the foregroundDeletion finalizer */
    k8sc__gc_dependent *deps;
    size_t ndeps;
} k8sc__gc_node_info;

/* Copy the node `uid` into `out` (clear it with k8sc__gc_node_info_clear). ENOTFOUND; ENOMEM. */
int k8sc__gc_graph_lookup(k8sc__gc_node_info *out, k8sc__gc_graph *g, const char *uid);
void k8sc__gc_node_info_clear(k8sc__gc_node_info *info);

/*
 * Whether an observed node `uid` exists (*exists) and is deleting its
 * dependents in the foreground (*waiting).
 */
void k8sc__gc_graph_owner_state(k8sc__gc_graph *g, const char *uid, bool *exists, bool *waiting);

/* ---- discovery ---- */

/* A resource the collector watches: its preferred apiVersion and kind. */
typedef struct k8sc__gc_resource {
    char *api_version, *kind;
} k8sc__gc_resource;

/*
 * Every resource that supports list, watch and delete (not subresources,
 * not events), in its group's preferred version, from /api and /apis.
 * A group version that fails is skipped and logged. `*out` is the
 * caller's (k8sc__gc_resources_free). Errors: those of /api and /apis; ENOMEM.
 */
int k8sc__gc_discover(k8sc__gc_resource **out, size_t *count, k8sc_client *client);
void k8sc__gc_resources_free(k8sc__gc_resource *res, size_t count);

/* ---- processing ---- */

/* What processing needs of the collector. */
typedef struct k8sc__gc_ctx {
    k8sc_client *client;
    k8sc__gc_graph *graph;
    k8sc_controller *ctl;
    k8sc_event_recorder *rec;
} k8sc__gc_ctx;

/*
 * attemptToDeleteItem for node `uid`: finish a foreground deletion whose
 * blocking dependents are gone, delete an object whose owners are all
 * gone (or waiting for their dependents), drop dangling references of
 * an object that still has an owner. *requeue: look again later (a node
 * no informer has shown yet). Errors (retried with back-off): those of
 * the client, ECONFLICT when the object changed meanwhile.
 */
int k8sc__gc_attempt_to_delete(k8sc__gc_ctx *gc, const char *uid, bool *requeue);

/*
 * attemptToOrphan for owner `uid`: remove its ownerReference from every
 * dependent, then its "orphan" finalizer. Errors: as above.
 */
int k8sc__gc_attempt_to_orphan(k8sc__gc_ctx *gc, const char *uid);

#endif
