/*
 * The pod-network agent: follows the Nodes, writes this node's CNI
 * configuration once it has a podCIDR and keeps host-gw routes to the
 * other nodes' pods. Every change of any Node queues one "sync" that
 * recomputes everything from the informer's cache.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "podnet_internal.h"

#define SYNC_KEY "sync"
/* While the first list is not in, routes of unseen nodes must not be taken for stale. */
#define UNSYNCED_RETRY_NS (100 * 1000000LL)

struct k8sc_podnet {
    k8sc_client *client;
    char *node_name;
    char *conf_dir;
    char *bridge;
    char *ipam_dir; /* host-local's dataDir, or NULL */
    bool routes;
    k8sc_informer *nodes;
    k8sc_workqueue *queue;
    pthread_t worker;
    bool started, stopped, primed;
    int epfd;
    pthread_mutex_t lock; /* guards pod_cidr */
    char *pod_cidr;       /* the one the configuration was written for */
};

/* How many bytes of k8sc_podnet_options a caller of `version` has (0: unknown). */
static size_t options_size(unsigned int version)
{
    if (version == 1)
        return offsetof(k8sc_podnet_options, ipam_dir);
    return version == K8SC_PODNET_OPTIONS_VERSION ? sizeof(k8sc_podnet_options) : 0;
}

int k8sc_podnet_options_init(k8sc_podnet_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts);
    if (!options_size(version))
        return k8sc_error_set(K8SC_EINVAL, "k8sc_podnet_options: unknown version %u", version);
    k8sc_podnet_options init = K8SC_PODNET_OPTIONS_INIT;
    memcpy(opts, &init, options_size(version));
    opts->version = version;
    return 0;
}

static void on_add(const k8sc_object *obj, void *userdata)
{
    (void)obj;
    k8sc_workqueue_add(((k8sc_podnet *)userdata)->queue, SYNC_KEY);
}

static void on_update(const k8sc_object *old, const k8sc_object *obj, void *userdata)
{
    (void)old;
    on_add(obj, userdata);
}

int k8sc_podnet_new(k8sc_podnet **out, k8sc_client *client, const k8sc_podnet_options *given)
{
    K8SC__CHECK_ARG(out && client && given);
    *out = NULL;
    if (!options_size(given->version))
        return k8sc_error_set(K8SC_EINVAL, "k8sc_podnet_options: unknown version %u", given->version);
    /* An older caller's options, with the fields it does not know at their defaults. */
    k8sc_podnet_options current = K8SC_PODNET_OPTIONS_INIT;
    memcpy(&current, given, options_size(given->version));
    const k8sc_podnet_options *opts = &current;
    if (!opts->node_name || !opts->node_name[0] || !opts->conf_dir || !opts->conf_dir[0])
        return k8sc_error_set(K8SC_EINVAL, "pod network: a node name and a CNI configuration directory are required");
    const char *bridge = opts->bridge ? opts->bridge : "k8sc0";
    if (!k8sc__podnet_valid_ifname(bridge))
        return k8sc_error_set(K8SC_EINVAL, "pod network: \"%s\" is not a valid interface name", bridge);
    k8sc_podnet *pn = k8sc__calloc(1, sizeof(*pn));
    if (!pn)
        return K8SC_ENOMEM;
    pthread_mutex_init(&pn->lock, NULL);
    pn->epfd = -1;
    pn->client = client;
    pn->routes = opts->routes;
    pn->node_name = k8sc__strdup(opts->node_name);
    pn->conf_dir = k8sc__strdup(opts->conf_dir);
    pn->bridge = k8sc__strdup(bridge);
    pn->ipam_dir = opts->ipam_dir ? k8sc__strdup(opts->ipam_dir) : NULL;
    int rc = pn->node_name && pn->conf_dir && pn->bridge && (pn->ipam_dir || !opts->ipam_dir) ? 0 : K8SC_ENOMEM;
    k8sc_informer_options io = K8SC_INFORMER_OPTIONS_INIT;
    io.clock = opts->clock;
    if (rc == 0)
        rc = k8sc_informer_new(&pn->nodes, client, "v1", "Node", &io);
    if (rc == 0) {
        k8sc_workqueue_options wo = K8SC_WORKQUEUE_OPTIONS_INIT;
        wo.name = "pod-network";
        wo.clock = opts->clock;
        rc = k8sc_workqueue_new(&pn->queue, &wo);
    }
    if (rc == 0) {
        k8sc_informer_handler h = K8SC_INFORMER_HANDLER_INIT;
        h.on_add = on_add;
        h.on_update = on_update;
        h.on_delete = on_add;
        h.userdata = pn;
        rc = k8sc_informer_add_handler(pn->nodes, &h);
    }
    if (rc != 0) {
        k8sc_podnet_free(pn);
        return rc;
    }
    *out = pn;
    return 0;
}

/* The node's podCIDR (spec.podCIDR, else the first of spec.podCIDRs), or NULL. */
static const char *pod_cidr_of(const k8sc_object *node)
{
    const char *cidr = k8sc_object_get_string(node, "spec.podCIDR");
    return cidr && cidr[0] ? cidr : k8sc_object_get_string(node, "spec.podCIDRs[0]");
}

/* The node's first InternalIP of `v6`'s family, or NULL. */
static const char *internal_ip(const k8sc_object *node, bool v6)
{
    json_object *addrs = k8sc_object_get(node, "status.addresses");
    for (size_t i = 0; addrs && i < json_object_array_length(addrs); i++) {
        json_object *a = json_object_array_get_idx(addrs, i);
        const char *type = k8sc__json_string(a, "type"), *ip = k8sc__json_string(a, "address");
        bool six = false;
        if (type && strcmp(type, "InternalIP") == 0 && k8sc__podnet_valid_ip(ip, &six) && six == v6)
            return ip;
    }
    return NULL;
}

static int sync_conf(k8sc_podnet *pn, const k8sc_object *self)
{
    const char *cidr = self ? pod_cidr_of(self) : NULL;
    if (!cidr || !cidr[0])
        return 0;
    char canon[K8SC__PODNET_CIDR_MAX];
    if (!k8sc__podnet_valid_cidr(cidr, canon, NULL)) {
        k8sc_log(K8SC_LOG_WARN, "pod network: node %s has a malformed podCIDR \"%s\"", pn->node_name, cidr);
        return 0;
    }
    char *text = k8sc__podnet_conflist(pn->bridge, canon, pn->ipam_dir);
    if (!text)
        return k8sc__error_nomem();
    bool changed = false;
    int rc = k8sc__podnet_write_conf(pn->conf_dir, text, &changed);
    free(text);
    if (rc != 0)
        return rc;
    if (changed)
        k8sc_log(K8SC_LOG_INFO, "pod network: wrote %s/" K8SC_PODNET_CONFLIST " for %s", pn->conf_dir, canon);
    char *copy = k8sc__strdup(canon);
    if (!copy)
        return K8SC_ENOMEM;
    pthread_mutex_lock(&pn->lock);
    free(pn->pod_cidr);
    pn->pod_cidr = copy;
    pthread_mutex_unlock(&pn->lock);
    return 0;
}

/* {podCIDR: InternalIP} of every other node that has both. */
static json_object *wanted_routes(k8sc_podnet *pn, k8sc_object **nodes, size_t n)
{
    json_object *want = json_object_new_object();
    for (size_t i = 0; want && i < n; i++) {
        if (strcmp(k8sc_object_name(nodes[i]), pn->node_name) == 0)
            continue;
        char canon[K8SC__PODNET_CIDR_MAX];
        bool v6 = false;
        const char *cidr = pod_cidr_of(nodes[i]);
        if (!cidr || !k8sc__podnet_valid_cidr(cidr, canon, &v6))
            continue;
        const char *ip = internal_ip(nodes[i], v6);
        if (ip)
            json_object_object_add(want, canon, json_object_new_string(ip));
    }
    return want;
}

/* Make the configuration and routes match the cache; *retry while the first list is not in. */
static int sync_all(k8sc_podnet *pn, bool *retry)
{
    *retry = false;
    if (!k8sc_informer_has_synced(pn->nodes)) {
        *retry = true;
        return 0;
    }
    k8sc_object **nodes = NULL;
    size_t n = 0;
    int rc = k8sc_cache_list(&nodes, &n, k8sc_informer_cache(pn->nodes), NULL, NULL);
    if (rc != 0)
        return rc;
    const k8sc_object *self = NULL;
    for (size_t i = 0; i < n && !self; i++)
        if (strcmp(k8sc_object_name(nodes[i]), pn->node_name) == 0)
            self = nodes[i];
    rc = sync_conf(pn, self);
    if (pn->routes) {
        json_object *want = wanted_routes(pn, nodes, n);
        int rrc = want ? k8sc__podnet_routes_sync(want) : k8sc__error_nomem();
        json_object_put(want);
        if (rc == 0)
            rc = rrc;
    }
    k8sc_cache_items_free(nodes, n);
    return rc;
}

/* One key from the queue: sync, then forget or back off. */
static int handle(k8sc_podnet *pn, char *key)
{
    bool retry = false;
    int rc = sync_all(pn, &retry);
    char *why = NULL;
    if (rc != 0) {
        why = k8sc__strdup(k8sc_error_last());
        k8sc_log(K8SC_LOG_WARN, "pod network: %s", why ? why : "");
        k8sc_workqueue_add_rate_limited(pn->queue, key);
    } else if (retry) {
        k8sc_workqueue_add_after(pn->queue, key, UNSYNCED_RETRY_NS);
    } else {
        k8sc_workqueue_forget(pn->queue, key);
    }
    k8sc_workqueue_done(pn->queue, key);
    k8sc_free(key);
    /* The queue's calls may have replaced the message the caller should see. */
    if (rc != 0 && why)
        k8sc_error_set(rc, "%s", why);
    free(why);
    return rc;
}

static void *worker_main(void *arg)
{
    k8sc_podnet *pn = arg;
    char *key = NULL;
    while (k8sc_workqueue_get(pn->queue, &key) == 0)
        handle(pn, key);
    return NULL;
}

int k8sc_podnet_start(k8sc_podnet *pn)
{
    K8SC__CHECK_ARG(pn);
    if (pn->started || pn->stopped)
        return k8sc_error_set(K8SC_EINVAL, "pod network: already %s", pn->stopped ? "stopped" : "started");
    int rc = k8sc_informer_start(pn->nodes);
    if (rc != 0)
        return rc;
    pn->primed = true;
    k8sc_workqueue_add(pn->queue, SYNC_KEY);
    if (pthread_create(&pn->worker, NULL, worker_main, pn) != 0) {
        k8sc_informer_stop(pn->nodes);
        return k8sc_error_set(K8SC_EIO, "pod network: cannot start a thread");
    }
    pn->started = true;
    return 0;
}

void k8sc_podnet_stop(k8sc_podnet *pn)
{
    if (!pn || !pn->started || pn->stopped)
        return;
    pn->stopped = true;
    k8sc_informer_stop(pn->nodes);
    k8sc_workqueue_shutdown(pn->queue);
    pthread_join(pn->worker, NULL);
}

void k8sc_podnet_free(k8sc_podnet *pn)
{
    if (!pn)
        return;
    k8sc_podnet_stop(pn);
    k8sc_informer_free(pn->nodes);
    k8sc_workqueue_free(pn->queue);
    if (pn->epfd >= 0)
        close(pn->epfd);
    free(pn->node_name);
    free(pn->conf_dir);
    free(pn->bridge);
    free(pn->ipam_dir);
    free(pn->pod_cidr);
    pthread_mutex_destroy(&pn->lock);
    free(pn);
}

int k8sc_podnet_fd(k8sc_podnet *pn)
{
    if (!pn)
        return -1;
    if (pn->epfd >= 0)
        return pn->epfd;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        return -1;
    int fds[2] = { k8sc_informer_fd(pn->nodes), k8sc_workqueue_fd(pn->queue) };
    for (int i = 0; i < 2; i++) {
        struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };
        if (fds[i] >= 0)
            epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
    }
    pn->epfd = ep;
    return ep;
}

int k8sc_podnet_next_timeout_ms(k8sc_podnet *pn)
{
    if (!pn)
        return -1;
    int a = k8sc_informer_next_timeout_ms(pn->nodes), b = k8sc_workqueue_next_timeout_ms(pn->queue);
    if (a < 0)
        return b;
    return b < 0 || a < b ? a : b;
}

int k8sc_podnet_process(k8sc_podnet *pn)
{
    K8SC__CHECK_ARG(pn);
    if (pn->started)
        return k8sc_error_set(K8SC_EINVAL, "pod network: started agents run on their own threads");
    k8sc_informer_process(pn->nodes);
    k8sc_workqueue_process(pn->queue);
    /* Even with no Node at all there is one sync: stale routes go. */
    if (!pn->primed) {
        pn->primed = true;
        k8sc_workqueue_add(pn->queue, SYNC_KEY);
    }
    char *key = NULL, *why = NULL;
    int ran = 0, rc = 0;
    while (k8sc_workqueue_try_get(pn->queue, &key) == 0) {
        int r = handle(pn, key);
        if (r != 0 && rc == 0) {
            rc = r;
            why = k8sc__strdup(k8sc_error_last());
        }
        ran = 1;
    }
    /* The empty queue's answer is no news for the caller. */
    if (rc != 0 && why)
        k8sc_error_set(rc, "%s", why);
    free(why);
    return rc != 0 ? rc : ran;
}

char *k8sc_podnet_pod_cidr(k8sc_podnet *pn)
{
    if (!pn)
        return NULL;
    pthread_mutex_lock(&pn->lock);
    char *copy = pn->pod_cidr ? k8sc__strdup(pn->pod_cidr) : NULL;
    pthread_mutex_unlock(&pn->lock);
    return copy;
}
