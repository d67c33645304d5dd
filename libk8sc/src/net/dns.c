/* The cluster DNS server object: options, informers, start and stop. */
#include "dns_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_DOMAIN "cluster.local"
#define DEFAULT_LISTEN "127.0.0.1:53"
#define DEFAULT_RESOLV_CONF "/etc/resolv.conf"
#define MAX_RESOLV_CONF (64 * 1024)

int k8sc_dns_options_init(k8sc_dns_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts);
    if (version != K8SC_DNS_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_dns_options_init: unknown version %u", version);
    k8sc_dns_options init = K8SC_DNS_OPTIONS_INIT;
    *opts = init;
    return 0;
}

/* resolv.conf's text. */
static int read_text(char **out, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return k8sc_error_set(K8SC_EIO, "resolv.conf %s: %s", path, strerror(errno));
    char *buf = k8sc__malloc(MAX_RESOLV_CONF + 1);
    if (!buf) {
        fclose(f);
        return K8SC_ENOMEM;
    }
    size_t n = fread(buf, 1, MAX_RESOLV_CONF, f);
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        k8sc_free(buf);
        return k8sc_error_set(K8SC_EIO, "resolv.conf %s: read error", path);
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

static int configure_upstreams(k8sc_dns *dns, const k8sc_dns_options *o)
{
    if (o->upstream_count > 0) {
        if (!o->upstreams)
            return k8sc_error_set(K8SC_EINVAL, "dns: upstream_count without upstreams");
        dns->upstreams = k8sc__calloc(o->upstream_count, sizeof(*dns->upstreams));
        if (!dns->upstreams)
            return K8SC_ENOMEM;
        for (size_t i = 0; i < o->upstream_count; i++) {
            k8sc__dns_addr a;
            if (!o->upstreams[i] || k8sc__dns_addr_parse(&a, o->upstreams[i], 53) < 0)
                return k8sc_error_set(K8SC_EINVAL, "dns: upstream %s: expected IP, IPv4:PORT or [IPv6]:PORT",
                    o->upstreams[i] ? o->upstreams[i] : "(null)");
            if (!k8sc__dns_addr_is_self(&a, &dns->listen))
                dns->upstreams[dns->upstream_count++] = a;
        }
        return 0;
    }
    /* A machine without /etc/resolv.conf simply has no upstream. */
    if (!o->resolv_conf && access(DEFAULT_RESOLV_CONF, F_OK) != 0)
        return 0;
    char *text = NULL;
    int rc = read_text(&text, o->resolv_conf ? o->resolv_conf : DEFAULT_RESOLV_CONF);
    if (rc < 0)
        return rc;
    rc = k8sc__dns_resolv_parse(&dns->upstreams, &dns->upstream_count, text, &dns->listen);
    k8sc_free(text);
    return rc;
}

int k8sc__dns_configure(k8sc_dns *dns, const k8sc_dns_options *opts)
{
    k8sc_dns_options defaults = K8SC_DNS_OPTIONS_INIT;
    const k8sc_dns_options *o = opts ? opts : &defaults;
    if (o->version != K8SC_DNS_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "dns: unknown options version %u", o->version);
    const char *domain = o->domain ? o->domain : DEFAULT_DOMAIN;
    if (!k8sc__dns_name_from_text(dns->domain, &dns->domain_len, domain) || dns->domain_len < 2)
        return k8sc_error_set(K8SC_EINVAL, "dns: domain \"%s\" is not a valid DNS name", domain);
    const char *listen = o->listen ? o->listen : DEFAULT_LISTEN;
    if (k8sc__dns_addr_parse(&dns->listen, listen, -1) < 0)
        return k8sc_error_set(K8SC_EINVAL, "dns: listen address %s: expected IPv4:PORT or [IPv6]:PORT", listen);
    if (o->forward_timeout_ms < 0 || o->tcp_idle_timeout_ms < 0)
        return k8sc_error_set(K8SC_EINVAL, "dns: timeouts must not be negative");
    dns->ttl = o->ttl ? o->ttl : 5;
    dns->serial = (uint32_t)time(NULL);
    dns->forward_timeout_ms = o->forward_timeout_ms ? o->forward_timeout_ms : 2000;
    dns->tcp_idle_timeout_ms = o->tcp_idle_timeout_ms ? o->tcp_idle_timeout_ms : 10000;
    dns->max_tcp_connections = o->max_tcp_connections ? o->max_tcp_connections : 256;
    return configure_upstreams(dns, o);
}

int k8sc__dns_new_with_caches(k8sc_dns **out, const k8sc__dns_caches *caches, const k8sc_dns_options *opts)
{
    K8SC__CHECK_ARG(out && caches && caches->services && caches->slices);
    *out = NULL;
    k8sc_dns *dns = k8sc__calloc(1, sizeof(*dns));
    if (!dns)
        return K8SC_ENOMEM;
    dns->caches = *caches;
    int rc = k8sc__dns_configure(dns, opts);
    if (rc < 0) {
        k8sc_dns_free(dns);
        return rc;
    }
    *out = dns;
    return 0;
}

static int cache_of(k8sc_cache **out, k8sc_informer_factory *f, const char *api_version, const char *kind)
{
    k8sc_informer *inf = NULL;
    int rc = k8sc_informer_factory_get(&inf, f, api_version, kind);
    if (rc == 0)
        *out = k8sc_informer_cache(inf);
    return rc;
}

int k8sc_dns_new(k8sc_dns **out, k8sc_client *client, const k8sc_dns_options *opts)
{
    K8SC__CHECK_ARG(out && client);
    *out = NULL;
    k8sc_dns *dns = k8sc__calloc(1, sizeof(*dns));
    if (!dns)
        return K8SC_ENOMEM;
    int rc = k8sc__dns_configure(dns, opts);
    if (rc == 0 && opts && opts->factory) {
        dns->factory = opts->factory;
    } else if (rc == 0) {
        rc = k8sc_informer_factory_new(&dns->factory, client, NULL);
        dns->own_factory = rc == 0;
    }
    if (rc == 0)
        rc = cache_of(&dns->caches.services, dns->factory, "v1", "Service");
    if (rc == 0)
        rc = cache_of(&dns->caches.slices, dns->factory, "discovery.k8s.io/v1", "EndpointSlice");
    if (rc == 0)
        rc = cache_of(&dns->caches.namespaces, dns->factory, "v1", "Namespace");
    if (rc == 0)
        rc = k8sc__dns_add_indexes(&dns->caches);
    if (rc < 0) {
        k8sc_dns_free(dns);
        return rc;
    }
    *out = dns;
    return 0;
}

int k8sc_dns_start(k8sc_dns *dns)
{
    K8SC__CHECK_ARG(dns);
    if (dns->started || dns->stopped)
        return k8sc_error_set(K8SC_EINVAL, "dns: already %s", dns->started ? "started" : "stopped");
    int rc = k8sc__dns_loop_open(dns);
    if (rc < 0)
        return rc;
    if (dns->own_factory && (rc = k8sc_informer_factory_start(dns->factory)) < 0) {
        k8sc__dns_loop_close(dns);
        return rc;
    }
    if (pthread_create(&dns->thread, NULL, k8sc__dns_loop_run, dns) != 0) {
        k8sc__dns_loop_close(dns);
        return k8sc_error_set(K8SC_EIO, "dns: cannot start the serving thread");
    }
    dns->started = true;
    return 0;
}

int k8sc_dns_wait_synced(k8sc_dns *dns, int timeout_ms)
{
    K8SC__CHECK_ARG(dns);
    return dns->factory ? k8sc_informer_factory_wait_synced(dns->factory, timeout_ms) : 0;
}

int k8sc_dns_port(const k8sc_dns *dns)
{
    return dns && dns->loop ? dns->port : 0;
}

void k8sc_dns_stop(k8sc_dns *dns)
{
    if (!dns || !dns->started)
        return;
    k8sc__dns_loop_wake(dns);
    pthread_join(dns->thread, NULL);
    k8sc__dns_loop_close(dns);
    if (dns->own_factory)
        k8sc_informer_factory_stop(dns->factory);
    dns->started = false;
    dns->stopped = true;
}

void k8sc_dns_free(k8sc_dns *dns)
{
    if (!dns)
        return;
    k8sc_dns_stop(dns);
    if (dns->own_factory)
        k8sc_informer_factory_free(dns->factory);
    k8sc_free(dns->upstreams);
    k8sc_free(dns);
}
