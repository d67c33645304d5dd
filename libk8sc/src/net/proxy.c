/*
 * The service proxy: informers on Services and EndpointSlices mark the
 * state dirty; a sync thread rebuilds the model from their caches and
 * writes the rules, at most once per min_sync_ms however many changes
 * came (kube-proxy's BoundedFrequencyRunner), and every sync_period_ms
 * regardless. Syncs write only what changed since the last one
 * (proxy_sync.c).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "k8sc/controller.h"
#include "net/proxy_internal.h"

struct k8sc_proxy {
    k8sc_client *client;
    k8sc_proxy_mode mode;
    char *node_ip, *node_name, *cluster_cidr;
    char *iptables, *restore, *save;
    k8sc__proxy_tools tools;
    int min_sync_ms, sync_period_ms, udp_idle_ms;
    k8sc_informer_factory *factory;
    k8sc_informer *services, *slices;
    k8sc__relay *relay;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool dirty, stopping;
    _Atomic uint64_t syncs;
    k8sc__proxy_syncer syncer; /* the sync thread's: what the tables hold */
};

int k8sc_proxy_options_init(k8sc_proxy_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts);
    if (version != K8SC_PROXY_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_proxy_options: unknown version %u", version);
    k8sc_proxy_options init = K8SC_PROXY_OPTIONS_INIT;
    *opts = init;
    return 0;
}

static bool valid_cidr(const char *s)
{
    char ip[INET_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    if (!slash || (size_t)(slash - s) >= sizeof(ip))
        return false;
    memcpy(ip, s, (size_t)(slash - s));
    ip[slash - s] = '\0';
    struct in_addr a;
    char *end;
    long bits = strtol(slash + 1, &end, 10);
    return inet_pton(AF_INET, ip, &a) == 1 && end != slash + 1 && *end == '\0' && bits >= 0 && bits <= 32;
}

static void tools_from(k8sc__proxy_tools *t, const k8sc_proxy_options *o)
{
    t->iptables = o && o->iptables ? o->iptables : "iptables";
    t->restore = o && o->iptables_restore ? o->iptables_restore : "iptables-restore";
    t->save = o && o->iptables_save ? o->iptables_save : "iptables-save";
}

static char *dup_opt(const char *s, bool *failed)
{
    if (!s)
        return NULL;
    char *d = k8sc__strdup(s);
    if (!d)
        *failed = true;
    return d;
}

int k8sc_proxy_new(k8sc_proxy **out, k8sc_client *client, const k8sc_proxy_options *opts)
{
    K8SC__CHECK_ARG(out && client);
    k8sc_proxy_options o = K8SC_PROXY_OPTIONS_INIT;
    if (opts) {
        if (opts->version != K8SC_PROXY_OPTIONS_VERSION)
            return k8sc_error_set(K8SC_EINVAL, "k8sc_proxy_new: unknown options version %u", opts->version);
        o = *opts;
    }
    if (o.mode != K8SC_PROXY_MODE_IPTABLES && o.mode != K8SC_PROXY_MODE_USERSPACE)
        return k8sc_error_set(K8SC_EINVAL, "proxy: unknown mode %d", (int)o.mode);
    struct in_addr a;
    if (o.node_ip && inet_pton(AF_INET, o.node_ip, &a) != 1)
        return k8sc_error_set(K8SC_EINVAL, "proxy: node IP \"%s\" is not an IPv4 address", o.node_ip);
    if (!o.node_ip && o.mode == K8SC_PROXY_MODE_USERSPACE)
        return k8sc_error_set(K8SC_EINVAL, "proxy: userspace mode needs the node IP");
    if (o.cluster_cidr && !valid_cidr(o.cluster_cidr))
        return k8sc_error_set(K8SC_EINVAL, "proxy: cluster CIDR \"%s\" is not an IPv4 CIDR", o.cluster_cidr);
    if (o.min_sync_ms < 0 || o.sync_period_ms < 0 || o.udp_idle_timeout_ms < 0)
        return k8sc_error_set(K8SC_EINVAL, "proxy: negative period");
    char host[256] = "localhost";
    if (!o.node_name && gethostname(host, sizeof(host) - 1) == 0)
        host[sizeof(host) - 1] = '\0';
    k8sc_proxy *p = k8sc__calloc(1, sizeof(*p));
    if (!p)
        return K8SC_ENOMEM;
    bool failed = false;
    p->client = client;
    p->mode = o.mode;
    p->node_ip = dup_opt(o.node_ip, &failed);
    p->node_name = dup_opt(o.node_name ? o.node_name : host, &failed);
    p->cluster_cidr = dup_opt(o.cluster_cidr, &failed);
    p->iptables = dup_opt(o.iptables, &failed);
    p->restore = dup_opt(o.iptables_restore, &failed);
    p->save = dup_opt(o.iptables_save, &failed);
    p->min_sync_ms = o.min_sync_ms ? o.min_sync_ms : 1000;
    p->sync_period_ms = o.sync_period_ms ? o.sync_period_ms : 30000;
    p->udp_idle_ms = o.udp_idle_timeout_ms ? o.udp_idle_timeout_ms : 250;
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (failed) {
        k8sc_proxy_free(p);
        return K8SC_ENOMEM;
    }
    k8sc_proxy_options paths = K8SC_PROXY_OPTIONS_INIT;
    paths.iptables = p->iptables;
    paths.iptables_restore = p->restore;
    paths.iptables_save = p->save;
    tools_from(&p->tools, &paths);
    *out = p;
    return 0;
}

static void mark_dirty(k8sc_proxy *p)
{
    pthread_mutex_lock(&p->mu);
    p->dirty = true;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

static void on_add(const k8sc_object *obj, void *ud)
{
    (void)obj;
    mark_dirty(ud);
}

static void on_update(const k8sc_object *old, const k8sc_object *obj, void *ud)
{
    if (old != obj)
        mark_dirty(ud);
}

/* One sync: model from the caches, relays (userspace), rules, jumps. */
static int sync_once(k8sc_proxy *p)
{
    k8sc_object **svcs = NULL, **slices = NULL;
    size_t n_svcs = 0, n_slices = 0;
    k8sc__proxy_model m = { NULL, 0 };
    int rc = k8sc_cache_list(&svcs, &n_svcs, k8sc_informer_cache(p->services), NULL, NULL);
    if (rc == 0)
        rc = k8sc_cache_list(&slices, &n_slices, k8sc_informer_cache(p->slices), NULL, NULL);
    if (rc == 0)
        rc = k8sc__proxy_model_build(&m, svcs, n_svcs, slices, n_slices, p->node_name);
    if (rc == 0 && p->relay)
        rc = k8sc__relay_update(p->relay, &m);
    if (rc == 0) {
        k8sc__proxy_rules_options ro = { p->mode, p->node_ip, p->cluster_cidr, false };
        rc = k8sc__proxy_sync_rules(&p->syncer, &p->tools, &m, &ro, k8sc_clock_mono(NULL), NULL);
    }
    if (rc == 0)
        rc = k8sc__proxy_ensure_jumps(&p->tools, p->mode);
    k8sc__proxy_model_clear(&m);
    k8sc_cache_items_free(svcs, n_svcs);
    k8sc_cache_items_free(slices, n_slices);
    return rc;
}

static void *sync_main(void *arg)
{
    k8sc_proxy *p = arg;
    int64_t min_ns = (int64_t)p->min_sync_ms * 1000000, period_ns = (int64_t)p->sync_period_ms * 1000000;
    int64_t last = k8sc_clock_mono(NULL) - min_ns, next_full = last + min_ns;
    pthread_mutex_lock(&p->mu);
    while (!p->stopping) {
        int64_t now = k8sc_clock_mono(NULL);
        bool synced = k8sc_informer_has_synced(p->services) && k8sc_informer_has_synced(p->slices);
        bool due = synced && ((p->dirty && now - last >= min_ns) || now >= next_full);
        if (due) {
            p->dirty = false;
            pthread_mutex_unlock(&p->mu);
            int rc = sync_once(p);
            if (rc == 0)
                atomic_fetch_add(&p->syncs, 1);
            else
                k8sc_log(K8SC_LOG_ERROR, "proxy: sync failed: %s", k8sc_error_last());
            pthread_mutex_lock(&p->mu);
            last = k8sc_clock_mono(NULL);
            next_full = last + period_ns;
            /* A failed sync is retried after the minimum interval, not after the full period. */
            if (rc != 0)
                p->dirty = true;
            continue;
        }
        int64_t until = !synced ? now + 100000000 : p->dirty ? last + min_ns : next_full;
        struct timespec ts;
        k8sc__deadline_after_ms(&ts, CLOCK_MONOTONIC, (int)((until - now) / 1000000 + 1));
        pthread_cond_timedwait(&p->cond, &p->mu, &ts);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int k8sc_proxy_start(k8sc_proxy *p)
{
    K8SC__CHECK_ARG(p && !p->started);
    int rc = k8sc__proxy_remove_all(&p->tools);
    if (rc < 0)
        return rc;
    k8sc_informer_handler h = K8SC_INFORMER_HANDLER_INIT;
    h.on_add = on_add;
    h.on_update = on_update;
    h.on_delete = on_add;
    h.userdata = p;
    if ((rc = k8sc_informer_factory_new(&p->factory, p->client, NULL)) < 0
        || (rc = k8sc_informer_factory_get(&p->services, p->factory, "v1", "Service")) < 0
        || (rc = k8sc_informer_factory_get(&p->slices, p->factory, "discovery.k8s.io/v1", "EndpointSlice")) < 0
        || (rc = k8sc_informer_add_handler(p->services, &h)) < 0 || (rc = k8sc_informer_add_handler(p->slices, &h)) < 0)
        goto fail;
    if (p->mode == K8SC_PROXY_MODE_USERSPACE
        && ((rc = k8sc__relay_new(&p->relay, p->udp_idle_ms)) < 0 || (rc = k8sc__relay_start(p->relay)) < 0))
        goto fail;
    pthread_mutex_lock(&p->mu);
    p->stopping = false;
    p->dirty = true;
    pthread_mutex_unlock(&p->mu);
    if ((rc = k8sc_informer_factory_start(p->factory)) < 0)
        goto fail;
    if (pthread_create(&p->thread, NULL, sync_main, p) != 0) {
        rc = k8sc_error_set(K8SC_EIO, "proxy: cannot start the sync thread");
        goto fail;
    }
    p->started = true;
    return 0;
fail:
    k8sc_informer_factory_free(p->factory);
    p->factory = NULL;
    p->services = p->slices = NULL;
    k8sc__relay_free(p->relay);
    p->relay = NULL;
    return rc;
}

void k8sc_proxy_stop(k8sc_proxy *p)
{
    if (!p || !p->started)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    k8sc_informer_factory_free(p->factory);
    p->factory = NULL;
    p->services = p->slices = NULL;
    k8sc__relay_free(p->relay);
    p->relay = NULL;
    if (k8sc__proxy_remove_all(&p->tools) < 0)
        k8sc_log(K8SC_LOG_ERROR, "proxy: cannot remove the rules: %s", k8sc_error_last());
    k8sc__proxy_syncer_clear(&p->syncer);
    p->started = false;
}

uint64_t k8sc_proxy_sync_count(k8sc_proxy *p)
{
    return p ? atomic_load(&p->syncs) : 0;
}

void k8sc_proxy_free(k8sc_proxy *p)
{
    if (!p)
        return;
    k8sc_proxy_stop(p);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->mu);
    k8sc_free(p->node_ip);
    k8sc_free(p->node_name);
    k8sc_free(p->cluster_cidr);
    k8sc_free(p->iptables);
    k8sc_free(p->restore);
    k8sc_free(p->save);
    k8sc_free(p);
}

int k8sc_proxy_cleanup(const k8sc_proxy_options *opts)
{
    if (opts && opts->version != K8SC_PROXY_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_proxy_cleanup: unknown options version %u", opts->version);
    k8sc__proxy_tools t;
    tools_from(&t, opts);
    return k8sc__proxy_remove_all(&t);
}
