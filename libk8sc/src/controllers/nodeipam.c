/*
 * Node IPAM (Kubernetes' nodeipam controller with the range allocator):
 * every node gets spec.podCIDR and spec.podCIDRs, a /24 (or the mask
 * asked for) from the cluster CIDR, never one that another node holds. A
 * node that already has a range keeps it (and its range is marked used);
 * when the cluster CIDR is exhausted the node gets a CIDRNotAvailable
 * Event and is retried later.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

typedef struct ipam_state {
    k8sc_controller *ctl;
    k8sc_informer *nodes;
    k8sc_event_recorder *rec;
    uint32_t base;      /* cluster CIDR network, host order */
    int cluster_bits;   /* its prefix length */
    int node_bits;      /* each node's prefix length */
    size_t count;       /* how many node ranges fit */
    pthread_mutex_t mu;
    unsigned char *used; /* one byte per range */
    size_t next;        /* where the search for a free range starts */
} ipam_state;

/* Parse "a.b.c.d/n" (IPv4). */
static int parse_cidr(const char *text, uint32_t *net, int *bits)
{
    char buf[64];
    const char *slash = text ? strchr(text, '/') : NULL;
    if (!slash || (size_t)(slash - text) >= sizeof(buf))
        return k8sc_error_set(K8SC_EINVAL, "invalid CIDR address: %s", text ? text : "");
    memcpy(buf, text, (size_t)(slash - text));
    buf[slash - text] = '\0';
    struct in_addr a;
    char *end;
    long n = strtol(slash + 1, &end, 10);
    if (inet_pton(AF_INET, buf, &a) != 1 || *end || n < 0 || n > 32 || end == slash + 1)
        return k8sc_error_set(K8SC_EINVAL, "invalid CIDR address: %s", text);
    uint32_t mask = n ? 0xffffffffu << (32 - n) : 0;
    *net = ntohl(a.s_addr) & mask;
    *bits = (int)n;
    return 0;
}

static void format_range(char *buf, size_t size, const ipam_state *st, size_t index)
{
    uint32_t addr = st->base + (uint32_t)(index << (32 - st->node_bits));
    struct in_addr a = { htonl(addr) };
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, ip, sizeof(ip));
    snprintf(buf, size, "%s/%d", ip, st->node_bits);
}

/* The index of a node range, or -1 if `cidr` is not one of ours. */
static long range_index(const ipam_state *st, const char *cidr)
{
    uint32_t net = 0;
    int bits = -1;
    if (!cidr || parse_cidr(cidr, &net, &bits) < 0 || bits != st->node_bits)
        return -1;
    uint32_t off = net - st->base;
    if (net < st->base || (st->cluster_bits > 0 && (off >> (32 - st->cluster_bits)) != 0))
        return -1;
    size_t i = off >> (32 - st->node_bits);
    return i < st->count ? (long)i : -1;
}

static void mark(ipam_state *st, const char *cidr, bool used)
{
    long i = range_index(st, cidr);
    if (i >= 0)
        st->used[i] = used;
}

/* Node events keep the used map in step: a node's range is taken while it exists. */
static void node_added(const k8sc_object *node, void *ud)
{
    ipam_state *st = ud;
    pthread_mutex_lock(&st->mu);
    mark(st, k8sc_object_get_string(node, "spec.podCIDR"), true);
    pthread_mutex_unlock(&st->mu);
}

static void node_updated(const k8sc_object *old, const k8sc_object *node, void *ud)
{
    (void)old;
    node_added(node, ud);
}

static void node_deleted(const k8sc_object *node, void *ud)
{
    ipam_state *st = ud;
    pthread_mutex_lock(&st->mu);
    mark(st, k8sc_object_get_string(node, "spec.podCIDR"), false);
    pthread_mutex_unlock(&st->mu);
}

/* Take the next free range: its index, or -1 when none is left. */
static long allocate(ipam_state *st)
{
    pthread_mutex_lock(&st->mu);
    long found = -1;
    for (size_t k = 0; k < st->count && found < 0; k++) {
        size_t i = (st->next + k) % st->count;
        if (!st->used[i]) {
            st->used[i] = 1;
            st->next = i + 1;
            found = (long)i;
        }
    }
    pthread_mutex_unlock(&st->mu);
    return found;
}

static int sync(k8sc_reconcile_result *res, k8sc_controller *ctl, const char *ns, const char *name, void *ud)
{
    (void)ns;
    ipam_state *st = ud;
    k8sc_object *node;
    if (k8sc_cache_get(&node, k8sc_controller_cache(ctl, "v1", "Node"), NULL, name) < 0)
        return 0;
    bool cached = k8sc_object_get_string(node, "spec.podCIDR") != NULL;
    k8sc_object_free(node);
    if (cached)
        return 0;
    /*
     * The cache may not show a range given moments ago (our own last patch
     * when the node was queued again at once, or another allocator's): the
     * server's copy decides, as Kubernetes' range allocator reads the node
     * before it writes one.
     */
    int rc = k8sc_client_get(&node, k8sc_controller_client(ctl), "v1", "Node", NULL, name);
    if (rc < 0)
        return rc == K8SC_ENOTFOUND ? 0 : rc;
    if (k8sc_object_get_string(node, "spec.podCIDR")) {
        node_added(node, st); /* its range is taken */
        k8sc_object_free(node);
        return 0;
    }
    long i = allocate(st);
    if (i < 0) {
        k8sc__event(st->rec, node, "Normal", "CIDRNotAvailable", "Node %s status is now: CIDRNotAvailable", name);
        res->action = K8SC_RECONCILE_REQUEUE_AFTER;
        res->requeue_after_ns = 30LL * 1000000000;
        k8sc_object_free(node);
        return 0;
    }
    char cidr[64], patch[256];
    format_range(cidr, sizeof(cidr), st, (size_t)i);
    snprintf(patch, sizeof(patch), "{\"spec\":{\"podCIDR\":\"%s\",\"podCIDRs\":[\"%s\"]}}", cidr, cidr);
    rc = k8sc_client_patch(NULL, k8sc_controller_client(ctl), "v1", "Node", NULL, name, K8SC_PATCH_MERGE, patch);
    if (rc < 0) {
        /* Give the range back; the retry takes one afresh. */
        pthread_mutex_lock(&st->mu);
        st->used[i] = 0;
        pthread_mutex_unlock(&st->mu);
    } else {
        k8sc__event(st->rec, node, "Normal", "CIDRAssignmentSucceeded", "Node %s was assigned pod CIDR %s", name, cidr);
    }
    k8sc_object_free(node);
    return rc == K8SC_ENOTFOUND ? 0 : rc;
}

static k8sc_informer_handler node_handler(ipam_state *st)
{
    k8sc_informer_handler h = K8SC_INFORMER_HANDLER_INIT;
    h.on_add = node_added;
    h.on_update = node_updated;
    h.on_delete = node_deleted;
    h.userdata = st;
    return h;
}

static void state_free(void *ud)
{
    ipam_state *st = ud;
    k8sc_informer_handler h = node_handler(st);
    if (st->nodes)
        k8sc_informer_remove_handler(st->nodes, &h);
    free(st->used);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

int k8sc_node_ipam_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts,
    const char *cluster_cidr, int node_mask_size)
{
    K8SC__CHECK_ARG(out && cluster_cidr);
    uint32_t net;
    int bits;
    int rc = parse_cidr(cluster_cidr, &net, &bits);
    if (rc < 0)
        return rc;
    int node_bits = node_mask_size ? node_mask_size : 24;
    if (node_bits < bits || node_bits > 30 || node_bits - bits > 20)
        return k8sc_error_set(K8SC_EINVAL, "node CIDR mask /%d does not fit the cluster CIDR %s", node_bits, cluster_cidr);
    ipam_state *st = k8sc__calloc(1, sizeof(*st));
    if (!st)
        return K8SC_ENOMEM;
    st->rec = opts ? opts->recorder : NULL;
    st->base = net;
    st->cluster_bits = bits;
    st->node_bits = node_bits;
    st->count = (size_t)1 << (node_bits - bits);
    pthread_mutex_init(&st->mu, NULL);
    if (!(st->used = k8sc__calloc(st->count, 1))) {
        state_free(st);
        return K8SC_ENOMEM;
    }
    static const k8sc__builtin_spec spec = { "node-ipam-controller", "v1", "Node", sync, state_free, NULL };
    if ((rc = k8sc__builtin_new(&st->ctl, client, opts, &spec, st)) < 0)
        return rc;
    /* The handler comes before any node is listed: every existing range is known before one is given out. */
    k8sc_informer_handler h = node_handler(st);
    if ((rc = k8sc__builtin_handle(&st->nodes, st->ctl, "v1", "Node", &h)) < 0) {
        k8sc_controller_free(st->ctl);
        return rc;
    }
    *out = st->ctl;
    return 0;
}
