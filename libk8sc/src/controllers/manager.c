/*
 * The controller manager: the built-in controllers chosen by a
 * kube-controller-manager style --controllers list, on one shared informer
 * factory, each with its own event recorder, optionally behind leader
 * election (a follower runs nothing; a leader that loses its Lease stops,
 * as kube-controller-manager exits).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "workload.h"

typedef int (*constructor_fn)(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts);

/* Kubernetes' names (1.28+) with the short aliases it still accepts, and default worker counts. */
static const struct known {
    const char *name, *alias;
    constructor_fn make;
    int workers;
} KNOWN[] = {
    { "deployment-controller", "deployment", k8sc_deployment_controller_new, 5 },
    { "replicaset-controller", "replicaset", k8sc_replicaset_controller_new, 5 },
    { "replicationcontroller-controller", "replicationcontroller", k8sc_replication_controller_new, 5 },
    { "job-controller", "job", k8sc_job_controller_new, 5 },
    { "cronjob-controller", "cronjob", k8sc_cronjob_controller_new, 5 },
    { "ttl-after-finished-controller", "ttl-after-finished", k8sc_ttl_after_finished_controller_new, 5 },
    { "garbage-collector-controller", "garbagecollector", k8sc_garbage_collector_new, 20 },
    { "namespace-controller", "namespace", k8sc_namespace_controller_new, 10 },
    { "serviceaccount-controller", "serviceaccount", k8sc_serviceaccount_controller_new, 1 },
    { "endpoints-controller", "endpoint", k8sc_endpoints_controller_new, 5 },
    { "endpointslice-controller", "endpointslice", k8sc_endpointslice_controller_new, 5 },
    { "disruption-controller", "disruption", k8sc_disruption_controller_new, 1 },
    /* Built by make() from the manager's options. */
    { "node-lifecycle-controller", "nodelifecycle", NULL, 1 },
    { "node-ipam-controller", "nodeipam", NULL, 1 },
};

#define NKNOWN K8SC__ARRAY_LEN(KNOWN)

struct k8sc_controller_manager {
    k8sc_client *client;
    k8sc_clock *clock;
    bool enabled[NKNOWN];
    int workers;
    k8sc_informer_factory *factory;
    k8sc_controller *ctls[NKNOWN];
    k8sc_event_recorder *recs[NKNOWN];
    k8sc_leader_elector *elector;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool running, lost, stopped;
};

const char *k8sc_controller_manager_known(size_t index)
{
    return index < NKNOWN ? KNOWN[index].name : NULL;
}

int k8sc_controller_manager_options_init(k8sc_controller_manager_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts && version == K8SC_CONTROLLER_MANAGER_OPTIONS_VERSION);
    *opts = (k8sc_controller_manager_options)K8SC_CONTROLLER_MANAGER_OPTIONS_INIT;
    return 0;
}

static int lookup(const char *name, size_t len)
{
    for (size_t i = 0; i < NKNOWN; i++)
        if ((strlen(KNOWN[i].name) == len && strncmp(KNOWN[i].name, name, len) == 0) ||
            (strlen(KNOWN[i].alias) == len && strncmp(KNOWN[i].alias, name, len) == 0))
            return (int)i;
    return -1;
}

/* Parse --controllers: "*" every controller on by default, "name" one more, "-name" one less. */
static int parse_controllers(bool *enabled, const char *list)
{
    bool star = false;
    memset(enabled, 0, NKNOWN * sizeof(*enabled));
    bool disabled[NKNOWN] = { false };
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool minus = len > 0 && *p == '-';
        const char *name = minus ? p + 1 : p;
        size_t nlen = minus ? len - 1 : len;
        if (nlen == 1 && *name == '*' && !minus) {
            star = true;
        } else if (nlen > 0) {
            int i = lookup(name, nlen);
            if (i < 0)
                return k8sc_error_set(K8SC_EINVAL, "\"%.*s\" is not in the list of known controllers", (int)nlen, name);
            if (minus)
                disabled[i] = true;
            else
                enabled[i] = true;
        }
        p += len + (end ? 1 : 0);
    }
    for (size_t i = 0; i < NKNOWN; i++)
        enabled[i] = (enabled[i] || star) && !disabled[i];
    return 0;
}

bool k8sc_controller_manager_enabled(const k8sc_controller_manager *m, const char *name)
{
    int i = m && name ? lookup(name, strlen(name)) : -1;
    return i >= 0 && m->enabled[i];
}

/* Build known controller `i`. */
static int make(k8sc_controller **out, size_t i, k8sc_client *client, const k8sc_builtin_options *bo,
    const k8sc_controller_manager_options *mo)
{
    if (KNOWN[i].make)
        return KNOWN[i].make(out, client, bo);
    if (strcmp(KNOWN[i].name, "node-ipam-controller") == 0)
        return k8sc_node_ipam_controller_new(out, client, bo, mo->cluster_cidr, mo->node_cidr_mask_size);
    return k8sc_node_lifecycle_controller_new(out, client, bo, mo->node_monitor_grace_period_ns);
}

static void stop_controllers(k8sc_controller_manager *m)
{
    for (size_t i = 0; i < NKNOWN; i++)
        k8sc_controller_stop(m->ctls[i]);
    k8sc_informer_factory_stop(m->factory);
}

static int start_controllers(k8sc_controller_manager *m)
{
    int rc = k8sc_informer_factory_start(m->factory);
    for (size_t i = 0; i < NKNOWN && rc == 0; i++)
        if (m->ctls[i])
            rc = k8sc_controller_start(m->ctls[i]);
    if (rc < 0)
        stop_controllers(m);
    return rc;
}

static void on_started_leading(void *ud)
{
    k8sc_controller_manager *m = ud;
    /* Under the lock: a stop racing with the election either comes first (nothing starts) or waits. */
    pthread_mutex_lock(&m->mu);
    if (!m->stopped) {
        k8sc_log(K8SC_LOG_INFO, "controller-manager: became the leader, starting controllers");
        if (start_controllers(m) < 0) {
            k8sc_log(K8SC_LOG_ERROR, "controller-manager: cannot start controllers: %s", k8sc_error_last());
            m->lost = true;
            pthread_cond_broadcast(&m->cv);
        }
    }
    pthread_mutex_unlock(&m->mu);
}

static void on_stopped_leading(void *ud)
{
    k8sc_controller_manager *m = ud;
    pthread_mutex_lock(&m->mu);
    if (!m->stopped) {
        /* Stop acting at once, as kube-controller-manager exits: another manager may lead by now. */
        k8sc_log(K8SC_LOG_ERROR, "controller-manager: leader election lost");
        stop_controllers(m);
        m->lost = true;
    }
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

static int make_elector(k8sc_controller_manager *m, const k8sc_controller_manager_options *o)
{
    char host[256] = "localhost", uuid[40] = "", identity[320];
    gethostname(host, sizeof(host) - 1);
    k8sc_uuid_v4(uuid, sizeof(uuid));
    snprintf(identity, sizeof(identity), "%s_%s", host, uuid);
    k8sc_leader_elector_options lo = K8SC_LEADER_ELECTOR_OPTIONS_INIT;
    lo.lease_namespace = o->leader_elect_namespace ? o->leader_elect_namespace : "kube-system";
    lo.lease_name = o->leader_elect_name ? o->leader_elect_name : "kube-controller-manager";
    lo.identity = o->identity ? o->identity : identity;
    lo.lease_duration_ns = o->lease_duration_ns;
    lo.renew_deadline_ns = o->renew_deadline_ns;
    lo.retry_period_ns = o->retry_period_ns;
    lo.release_on_cancel = true;
    lo.clock = o->clock;
    lo.on_started_leading = on_started_leading;
    lo.on_stopped_leading = on_stopped_leading;
    lo.userdata = m;
    return k8sc_leader_elector_new(&m->elector, m->client, &lo);
}

int k8sc_controller_manager_new(k8sc_controller_manager **out, k8sc_client *client,
    const k8sc_controller_manager_options *opts)
{
    K8SC__CHECK_ARG(out && client && (!opts || opts->version == K8SC_CONTROLLER_MANAGER_OPTIONS_VERSION));
    *out = NULL;
    const k8sc_controller_manager_options defaults = K8SC_CONTROLLER_MANAGER_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    K8SC__CHECK_ARG(opts->workers >= 0);
    k8sc_controller_manager *m = k8sc__calloc(1, sizeof(*m));
    if (!m)
        return K8SC_ENOMEM;
    m->client = client;
    m->clock = opts->clock;
    m->workers = opts->workers;
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    int rc = parse_controllers(m->enabled, opts->controllers ? opts->controllers : "*");
    k8sc_informer_options io = K8SC_INFORMER_OPTIONS_INIT;
    io.clock = opts->clock;
    if (rc == 0)
        rc = k8sc_informer_factory_new(&m->factory, client, &io);
    for (size_t i = 0; i < NKNOWN && rc == 0; i++) {
        /* As kube-controller-manager: node IPAM needs --cluster-cidr (allocate-node-cidrs). */
        if (!m->enabled[i] || (strcmp(KNOWN[i].name, "node-ipam-controller") == 0 && !opts->cluster_cidr))
            continue;
        k8sc_builtin_options bo = K8SC_BUILTIN_OPTIONS_INIT;
        bo.factory = m->factory;
        bo.clock = opts->clock;
        bo.workers = opts->workers ? opts->workers : KNOWN[i].workers;
        rc = k8sc_event_recorder_new(&m->recs[i], client, KNOWN[i].name, NULL, opts->clock);
        bo.recorder = m->recs[i];
        if (rc == 0)
            rc = make(&m->ctls[i], i, client, &bo, opts);
    }
    if (rc == 0 && opts->leader_elect)
        rc = make_elector(m, opts);
    if (rc < 0) {
        k8sc_controller_manager_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

int k8sc_controller_manager_start(k8sc_controller_manager *m)
{
    K8SC__CHECK_ARG(m && !m->running);
    int rc = m->elector ? k8sc_leader_elector_start(m->elector) : start_controllers(m);
    if (rc == 0)
        m->running = true;
    return rc;
}

bool k8sc_controller_manager_is_leader(k8sc_controller_manager *m)
{
    if (!m || !m->running)
        return false;
    return m->elector ? k8sc_leader_elector_is_leader(m->elector) : true;
}

int k8sc_controller_manager_wait(k8sc_controller_manager *m, int timeout_ms)
{
    K8SC__CHECK_ARG(m);
    struct timespec deadline;
    k8sc__deadline_after_ms(&deadline, CLOCK_REALTIME, timeout_ms);
    pthread_mutex_lock(&m->mu);
    int w = 0;
    while (!m->lost && !m->stopped && w == 0)
        w = timeout_ms < 0 ? pthread_cond_wait(&m->cv, &m->mu) : pthread_cond_timedwait(&m->cv, &m->mu, &deadline);
    bool lost = m->lost, stopped = m->stopped;
    pthread_mutex_unlock(&m->mu);
    if (lost)
        return k8sc_error_set(K8SC_EGONE, "leader election lost");
    return stopped ? 0 : k8sc_error_set(K8SC_ETIMEOUT, "the controller manager is still running");
}

void k8sc_controller_manager_stop(k8sc_controller_manager *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    m->stopped = true;
    pthread_cond_broadcast(&m->cv);
    /* Controllers first, so nothing acts once the Lease is given up. */
    if (m->running)
        stop_controllers(m);
    pthread_mutex_unlock(&m->mu);
    if (m->running) {
        k8sc_leader_elector_stop(m->elector);
        m->running = false;
    }
}

void k8sc_controller_manager_free(k8sc_controller_manager *m)
{
    if (!m)
        return;
    k8sc_controller_manager_stop(m);
    k8sc_leader_elector_free(m->elector);
    for (size_t i = 0; i < NKNOWN; i++)
        k8sc_controller_free(m->ctls[i]);
    k8sc_informer_factory_free(m->factory);
    for (size_t i = 0; i < NKNOWN; i++)
        k8sc_event_recorder_free(m->recs[i]);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    free(m);
}
