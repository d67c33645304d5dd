/*
 * The repair loop of the Service ranges (pkg/registry/core/service/ipallocator/
 * controller/repair.go, portallocator/controller/repair.go): at start-up and
 * then periodically, mark what the stored Services use and free what no
 * Service has held for several passes, so that allocations survive restarts
 * and a crash between allocation and write leaks nothing for long.
 */
#include "apiserver_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>

int k8sc__svc_state_init(k8sc__svc_state *st, const k8sc_apiserver_options *opts, const char *listen_host)
{
    memset(st, 0, sizeof(*st));
    int rc = k8sc__svc_range_parse_cidr(&st->ips,
        opts->service_cluster_ip_range ? opts->service_cluster_ip_range : "10.96.0.0/12");
    if (!rc)
        rc = k8sc__svc_range_parse_ports(&st->ports,
            opts->service_node_port_range ? opts->service_node_port_range : "30000-32767");
    if (rc)
        return rc;
    const char *adv = opts->advertise_address;
    if (!adv)
        adv = strcmp(listen_host, "0.0.0.0") == 0 ? "127.0.0.1" : listen_host;
    struct in_addr a;
    if (inet_pton(AF_INET, adv, &a) != 1)
        return k8sc_error_set(K8SC_EINVAL, "advertise address %s: not an IPv4 address", adv);
    st->advertise = k8sc__strdup(adv);
    if (!st->advertise)
        return K8SC_ENOMEM;
    pthread_mutex_init(&st->repair_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&st->repair_wake, &ca);
    pthread_condattr_destroy(&ca);
    st->initialized = true;
    return 0;
}

void k8sc__svc_state_clear(k8sc__svc_state *st)
{
    if (!st->initialized)
        return;
    k8sc__svc_range_clear(&st->ips);
    k8sc__svc_range_clear(&st->ports);
    k8sc_free(st->advertise);
    pthread_mutex_destroy(&st->repair_lock);
    pthread_cond_destroy(&st->repair_wake);
    memset(st, 0, sizeof(*st));
}

int k8sc__svc_repair_once(k8sc_apiserver *srv)
{
    const k8sc_resource *r = k8sc_registry_find_resource(srv->registry, "", "v1", "services");
    if (!r)
        return 0;
    char *prefix = k8sc__storage_key(r, NULL, NULL);
    if (!prefix)
        return K8SC_ENOMEM;
    uint32_t *ips = NULL, *ports = NULL;
    size_t nips = 0, nports = 0;
    char *token = NULL;
    int64_t at = 0;
    int rc;
    /* One consistent snapshot, page by page. */
    do {
        k8sc_store_page *page = NULL;
        rc = k8sc_store_list(&page, srv->store, prefix, 500, token, at);
        k8sc_free(token);
        token = NULL;
        if (rc)
            break;
        at = page->revision;
        for (size_t i = 0; i < page->count && !rc; i++) {
            k8sc_object *svc = NULL;
            /* An undecodable object holds nothing. */
            if (k8sc_object_from_json(&svc, page->items[i]->value, page->items[i]->value_len) == 0)
                rc = k8sc__service_used(&ips, &nips, &ports, &nports, svc);
            k8sc_object_free(svc);
        }
        if (!rc && page->continue_token && !(token = k8sc__strdup(page->continue_token)))
            rc = K8SC_ENOMEM;
        k8sc_store_page_free(page);
    } while (!rc && token);
    k8sc_free(token);
    k8sc_free(prefix);
    if (!rc)
        rc = k8sc__svc_range_repair(srv, &srv->svc.ips, ips, nips);
    if (!rc)
        rc = k8sc__svc_range_repair(srv, &srv->svc.ports, ports, nports);
    k8sc_free(ips);
    k8sc_free(ports);
    return rc;
}

/*
 * Every K8SC__SVC_RECONCILE_SECONDS the `kubernetes` Service and its
 * endpoints are put back if someone changed or deleted them (as the
 * bootstrap controller does); every K8SC__SVC_REPAIR_SECONDS the ranges
 * are repaired.
 */
static void *repair_main(void *arg)
{
    k8sc_apiserver *srv = arg;
    k8sc__svc_state *st = &srv->svc;
    unsigned int ticks = 0;
    pthread_mutex_lock(&st->repair_lock);
    while (!st->repair_stop) {
        struct timespec deadline;
        k8sc__deadline_after_ms(&deadline, CLOCK_MONOTONIC, K8SC__SVC_RECONCILE_SECONDS * 1000);
        int w = 0;
        while (!st->repair_stop && w != ETIMEDOUT)
            w = pthread_cond_timedwait(&st->repair_wake, &st->repair_lock, &deadline);
        if (st->repair_stop)
            break;
        pthread_mutex_unlock(&st->repair_lock);
        if (k8sc__svc_kubernetes_ensure(srv))
            k8sc_log(K8SC_LOG_WARN, "apiserver: the kubernetes Service: %s", k8sc_error_last());
        if (++ticks % (K8SC__SVC_REPAIR_SECONDS / K8SC__SVC_RECONCILE_SECONDS) == 0 && k8sc__svc_repair_once(srv))
            k8sc_log(K8SC_LOG_WARN, "apiserver: repairing the Service ranges: %s", k8sc_error_last());
        pthread_mutex_lock(&st->repair_lock);
    }
    pthread_mutex_unlock(&st->repair_lock);
    return NULL;
}

int k8sc__svc_repair_start(k8sc_apiserver *srv)
{
    k8sc__svc_state *st = &srv->svc;
    st->repair_stop = false;
    if (pthread_create(&st->repair_thread, NULL, repair_main, srv) != 0)
        return k8sc_error_set(K8SC_EIO, "apiserver: cannot start the Service range repair thread");
    st->repair_running = true;
    return 0;
}

void k8sc__svc_repair_stop(k8sc_apiserver *srv)
{
    k8sc__svc_state *st = &srv->svc;
    if (!st->repair_running)
        return;
    pthread_mutex_lock(&st->repair_lock);
    st->repair_stop = true;
    pthread_cond_signal(&st->repair_wake);
    pthread_mutex_unlock(&st->repair_lock);
    pthread_join(st->repair_thread, NULL);
    st->repair_running = false;
}
