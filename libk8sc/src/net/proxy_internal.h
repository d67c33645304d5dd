/* Service proxy internals: the model of Service ports, the rule generator, iptables and the relays. */
#ifndef K8SC_NET_PROXY_INTERNAL_H
#define K8SC_NET_PROXY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "k8sc/object.h"
#include "k8sc/net.h"

/* kube-proxy's masquerade mark and the default ClientIP affinity timeout. */
#define K8SC__PROXY_MASQ_MARK "0x4000"
#define K8SC__PROXY_AFFINITY_DEFAULT_S 10800

/* One ready endpoint of a Service port. */
typedef struct k8sc__proxy_endpoint {
    char *ip;
    int port;
} k8sc__proxy_endpoint;

/* One port of one Service, with its ready endpoints sorted by address. */
typedef struct k8sc__proxy_port {
    char *namespace_;
    char *name;
    char *port_name; /* "" for an unnamed port */
    char *protocol;  /* "TCP", "UDP" or "SCTP" */
    char *cluster_ip;
    int port;
    int node_port;         /* 0: none */
    int affinity_timeout_s; /* 0: no ClientIP affinity */
    k8sc__proxy_endpoint *endpoints;
    size_t n_endpoints;
    int proxy_port; /* userspace mode: the relay's port; 0: no relay */
} k8sc__proxy_port;

/* Every Service port the proxy serves, sorted by namespace, name, port name and protocol. */
typedef struct k8sc__proxy_model {
    k8sc__proxy_port *ports;
    size_t n_ports;
} k8sc__proxy_model;

/*
 * Build the model from Services and EndpointSlices (borrowed): Services
 * with a ClusterIP (not headless, not ExternalName), slices joined by
 * the label kubernetes.io/service-name in the same namespace, IPv4
 * slices only, endpoints with conditions.ready != false, endpoint ports
 * matched by name and protocol. With internalTrafficPolicy Local only
 * endpoints whose nodeName is `node_name` serve. Errors: ENOMEM.
 */
int k8sc__proxy_model_build(k8sc__proxy_model *out, k8sc_object *const *services, size_t n_services,
    k8sc_object *const *slices, size_t n_slices, const char *node_name);

/* Free what a model holds and zero it. NULL is fine. */
void k8sc__proxy_model_clear(k8sc__proxy_model *m);

/* "ns/name:port_name" ("ns/name" for an unnamed port), as kube-proxy's ServicePortName. */
int k8sc__proxy_port_string(char *buf, size_t size, const k8sc__proxy_port *p);

/* Chain names: prefix + the first 16 base32 characters of sha256 of the parts, as kube-proxy. */
#define K8SC__PROXY_CHAIN_MAX 29
void k8sc__proxy_chain_name(char out[K8SC__PROXY_CHAIN_MAX], const char *prefix, const k8sc__proxy_port *p,
    const k8sc__proxy_endpoint *ep);

/*
 * A sorted set of chains named "table/chain", each with a digest of its
 * rules (0 for the top chains, written on every sync). `digests` runs
 * parallel to `names` and may be NULL (nothing known of the contents).
 */
typedef struct k8sc__proxy_chains {
    char **names;
    uint64_t *digests;
    size_t n;
} k8sc__proxy_chains;

void k8sc__proxy_chains_clear(k8sc__proxy_chains *c);

typedef struct k8sc__proxy_rules_options {
    k8sc_proxy_mode mode;
    /* Userspace: where the host portals DNAT to. */
    const char *node_ip;
    /* Optional cluster CIDR for masquerading off-cluster ClusterIP traffic (iptables mode). */
    const char *cluster_cidr;
    /*
     * kube-proxy's MinimizeIPTablesRestore: leave out the KUBE-SVC/SEP/EXT
     * chains whose digest in `previous` equals their new one (the tables
     * keep them as they are). false: write every chain.
     */
    bool partial;
} k8sc__proxy_rules_options;

/*
 * The iptables-restore input (for --noflush) that makes the nat and
 * filter KUBE-* state exactly `m`, given that the tables hold `previous`
 * (may be NULL: nothing): the top chains declared (which flushes them)
 * and filled; the service chains too, or with o->partial only those new
 * or changed; chains of `previous` no longer needed flushed and deleted.
 * `*out` is the text (k8sc_free); `current` (may be NULL) receives the
 * chains now in use with their digests. A pure function of its inputs.
 * Errors: EINVAL; ENOMEM.
 */
int k8sc__proxy_rules(char **out, size_t *out_len, k8sc__proxy_chains *current, const k8sc__proxy_model *m,
    const k8sc__proxy_rules_options *o, const k8sc__proxy_chains *previous);

/*
 * What the proxy knows of the tables between syncs, to write only what
 * changed. Zero-initialised: nothing written yet (the next sync is full).
 */
typedef struct k8sc__proxy_syncer {
    k8sc__proxy_chains chains; /* the tables' chains since the last successful restore */
    bool need_full;            /* the last restore failed: rewrite everything */
    bool synced;               /* a restore succeeded since the last clear */
    int64_t last_full_ns;      /* mono time of the last successful full sync */
} k8sc__proxy_syncer;

/* kube-proxy's FullSyncPeriod: however few changes come, every chain is rewritten this often. */
#define K8SC__PROXY_FULL_SYNC_NS (3600LL * 1000000000LL)

typedef struct k8sc__proxy_tools k8sc__proxy_tools;

/*
 * Write the rules of `m` with one iptables-restore --noflush: every chain
 * on the first sync, after a failed one and when the last full sync is
 * K8SC__PROXY_FULL_SYNC_NS older than `now_ns` (mono), otherwise only the
 * service chains that changed (o->partial is ignored). `*full` (may be
 * NULL) tells which it was. Errors: those of k8sc__proxy_rules and
 * k8sc__proxy_restore; the next sync is then a full one.
 */
int k8sc__proxy_sync_rules(k8sc__proxy_syncer *s, const k8sc__proxy_tools *t, const k8sc__proxy_model *m,
    const k8sc__proxy_rules_options *o, int64_t now_ns, bool *full);

/* Forget what the tables hold (the next sync is full). NULL is fine. */
void k8sc__proxy_syncer_clear(k8sc__proxy_syncer *s);

/* The jumps from built-in chains to the mode's top chains: table, chain, then rule arguments. */
typedef struct k8sc__proxy_jump {
    const char *table;
    const char *chain;
    const char *const *args;
} k8sc__proxy_jump;

/* The jumps of `mode`, NULL-terminated (static). */
const k8sc__proxy_jump *k8sc__proxy_jumps(k8sc_proxy_mode mode);

/* Whether `chain` is one the proxy of either mode makes. */
bool k8sc__proxy_owns_chain(const char *chain);

/* Programs to run. */
struct k8sc__proxy_tools {
    const char *iptables;
    const char *restore;
    const char *save;
};

/* Run iptables-restore --noflush with `text`. Errors: EIO with the tool's message. */
int k8sc__proxy_restore(const k8sc__proxy_tools *t, const char *text, size_t len);

/* Ensure the jumps of `mode` exist (inserted first in their chains). Errors: EIO. */
int k8sc__proxy_ensure_jumps(const k8sc__proxy_tools *t, k8sc_proxy_mode mode);

/* Remove the jumps and chains of both modes. Errors: EIO. */
int k8sc__proxy_remove_all(const k8sc__proxy_tools *t);

/* The userspace relays: a thread running an epoll loop over listeners and connections. */
typedef struct k8sc__relay k8sc__relay;

int k8sc__relay_new(k8sc__relay **out, int udp_idle_timeout_ms);
int k8sc__relay_start(k8sc__relay *r);

/*
 * Hand `m` to the relay thread and wait until it opened a listener for
 * each port (setting its proxy_port), closed those of ports gone and
 * took over the new endpoints. Errors: EINVAL if not running.
 */
int k8sc__relay_update(k8sc__relay *r, k8sc__proxy_model *m);

/* Stop the thread and close everything. NULL is fine. */
void k8sc__relay_free(k8sc__relay *r);

#endif
