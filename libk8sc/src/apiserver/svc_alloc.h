/*
 * Service ClusterIP and NodePort allocation (svc_range.c, svc_alloc.c,
 * svc_repair.c, svc_kubernetes.c), as kube-apiserver's service REST storage,
 * ipallocator and portallocator do it.
 */
#ifndef K8SC_SVC_ALLOC_H
#define K8SC_SVC_ALLOC_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct k8sc_apiserver k8sc_apiserver;

/*
 * One range of values handed out to Services, kept in the store as a
 * RangeAllocation bitmap (bit i: value base + i taken) at `key` and
 * changed only by compare-and-swap, so that API servers sharing a store
 * never hand out a value twice.
 */
typedef struct k8sc__svc_range {
    const char *key;      /* "/registry/ranges/serviceips", "/registry/ranges/servicenodeports" */
    bool is_ip;
    char spec[32];        /* "10.96.0.0/12", "30000-32767": what the stored object's range says */
    uint32_t base;        /* the value of offset 0 (an IPv4 address in host order, or a port) */
    uint32_t size;        /* number of offsets */
    uint32_t split;       /* dynamic allocation tries offsets >= split first (the static subrange is below) */
    uint32_t first_dynamic; /* dynamic allocation never takes an offset below this (the `kubernetes` address) */
    uint32_t *suspects;   /* the repair loop's leak candidates and how many passes saw each */
    uint8_t *seen;
    size_t nsuspects;
} k8sc__svc_range;

/* What the server knows about Services (a member of k8sc_apiserver). */
typedef struct k8sc__svc_state {
    k8sc__svc_range ips, ports;
    char *advertise;       /* the address published in the `kubernetes` Endpoints */
    bool initialized;
    pthread_t repair_thread;
    bool repair_running;
    bool repair_stop;
    pthread_mutex_t repair_lock;
    pthread_cond_t repair_wake;
} k8sc__svc_state;

/* One change to a range: take a given value, take any free one, or give one back. */
typedef enum { K8SC__RANGE_ALLOC, K8SC__RANGE_NEXT, K8SC__RANGE_RELEASE } k8sc__range_op_kind;
typedef struct k8sc__range_op {
    k8sc__range_op_kind kind;
    uint32_t value; /* in for ALLOC/RELEASE, out for NEXT */
} k8sc__range_op;

/* Parse "--service-cluster-ip-range" (an IPv4 CIDR, /12 to /30) into `r`. EINVAL with a message. */
int k8sc__svc_range_parse_cidr(k8sc__svc_range *r, const char *cidr);
/* Parse "--service-node-port-range" ("FIRST-LAST", "FIRST+OFFSET" or "PORT") into `r`. EINVAL with a message. */
int k8sc__svc_range_parse_ports(k8sc__svc_range *r, const char *spec);
void k8sc__svc_range_clear(k8sc__svc_range *r);

/*
 * Apply `ops` all together with one compare-and-swap of the stored bitmap
 * (retried when another writer got in between); `dry` checks without
 * writing. Errors, with the message Kubernetes' allocators give and the
 * index of the failing op in *failed: EEXISTS "provided IP/port is already
 * allocated", ERANGE "... not in the valid range ...", EOVERFLOW "range is
 * full"; else the store's code.
 */
int k8sc__svc_range_apply(k8sc_apiserver *srv, k8sc__svc_range *r, k8sc__range_op *ops, size_t nops, bool dry,
    size_t *failed);

/*
 * One repair pass over `r`: mark what the stored Services use, and free
 * what no Service has used for three passes in a row (an API server may
 * have allocated a value whose Service it has not written yet). A stored
 * bitmap of another range (the flag changed) is replaced by this range's.
 */
int k8sc__svc_range_repair(k8sc_apiserver *srv, k8sc__svc_range *r, const uint32_t *used, size_t nused);

/*
 * The repair loop (svc_repair.c): k8sc__svc_repair_once is one pass over
 * both ranges (at k8sc_apiserver_new); the thread repeats it every
 * K8SC__SVC_REPAIR_SECONDS and puts the `kubernetes` Service back every
 * K8SC__SVC_RECONCILE_SECONDS while the server runs.
 */
#define K8SC__SVC_REPAIR_SECONDS 180
#define K8SC__SVC_RECONCILE_SECONDS 10
int k8sc__svc_repair_once(k8sc_apiserver *srv);
int k8sc__svc_repair_start(k8sc_apiserver *srv);
void k8sc__svc_repair_stop(k8sc_apiserver *srv);

/* Set up the ranges and advertise address from the options (at k8sc_apiserver_new). */
typedef struct k8sc_apiserver_options k8sc_apiserver_options;
int k8sc__svc_state_init(k8sc__svc_state *st, const k8sc_apiserver_options *opts, const char *listen_host);
void k8sc__svc_state_clear(k8sc__svc_state *st);

/* Create or bring up to date the `kubernetes` Service, Endpoints and EndpointSlice in default (at start). */
int k8sc__svc_kubernetes_ensure(k8sc_apiserver *srv);

#endif
