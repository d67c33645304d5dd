/*
 * Cluster DNS benchmark: queries per second answered by k8sc_dns_handle
 * alone (no sockets) and over UDP against the running server (a window
 * of queries kept in flight from one client socket), with N ClusterIP
 * Services in the zone, plus the time for a new Service to be answered.
 *
 *   bench_dns [--services N] [--queries N]
 */
#include "k8sc/k8sc.h"
#include "k8sc/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WINDOW 64

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

_Noreturn static void die(const char *what)
{
    fprintf(stderr, "bench_dns: %s: %s\n", what, k8sc_error_last());
    exit(1);
}

static void create_service(k8sc_client *c, long i)
{
    char json[512];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"svc-%ld\",\"namespace\":\"default\"},"
        "\"spec\":{\"clusterIP\":\"10.96.%ld.%ld\",\"ports\":[{\"name\":\"http\",\"port\":80}]}}",
        i, 1 + i / 250, 1 + i % 250);
    k8sc_object *o;
    if (k8sc_object_from_json(&o, json, strlen(json)) < 0 || k8sc_client_create(NULL, c, o) < 0)
        die("create");
    k8sc_object_free(o);
}

static size_t make_query(uint8_t *buf, uint16_t id, const char *name)
{
    uint8_t hdr[12] = { (uint8_t)(id >> 8), (uint8_t)id, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
    memcpy(buf, hdr, 12);
    size_t n = 12;
    for (const char *p = name; *p;) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        buf[n++] = (uint8_t)l;
        memcpy(buf + n, p, l);
        n += l;
        p += l + (dot ? 1 : 0);
    }
    uint8_t tail[5] = { 0, 0, 1, 0, 1 };
    memcpy(buf + n, tail, 5);
    return n + 5;
}

static size_t query_for(uint8_t *buf, long i, long services)
{
    char name[128];
    snprintf(name, sizeof(name), "svc-%ld.default.svc.cluster.local", i % services);
    return make_query(buf, (uint16_t)i, name);
}

static void bench_handle(k8sc_dns *dns, long services, long queries)
{
    uint8_t q[512], reply[4096];
    double t0 = now();
    for (long i = 0; i < queries; i++) {
        size_t n = query_for(q, i, services), len;
        k8sc_dns_action act;
        if (k8sc_dns_handle(&act, &len, dns, q, n, reply, sizeof(reply), false) < 0 || act != K8SC_DNS_ANSWER)
            die("handle");
    }
    double dt = now() - t0;
    printf("k8sc_dns_handle: %ld queries in %.3f s: %.0f queries/s\n", queries, dt, (double)queries / dt);
}

static void bench_udp(int port, long services, long queries)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
        die("socket");
    uint8_t q[512], reply[4096];
    long sent = 0, got = 0, lost = 0;
    double t0 = now();
    while (got + lost < queries) {
        while (sent < queries && sent - got - lost < WINDOW) {
            size_t n = query_for(q, sent, services);
            if (send(fd, q, n, 0) == (ssize_t)n)
                sent++;
        }
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 1000) != 1) {
            /* A dropped datagram: count the window as lost and go on. */
            lost += sent - got - lost;
            continue;
        }
        if (recv(fd, reply, sizeof(reply), 0) > 12)
            got++;
    }
    double dt = now() - t0;
    close(fd);
    printf("UDP, %d in flight: %ld answers in %.3f s: %.0f queries/s (%ld lost)\n", WINDOW, got, dt,
        (double)got / dt, lost);
}

static void bench_propagation(k8sc_client *client, int port, long services)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
        die("socket");
    double t0 = now();
    create_service(client, services);
    uint8_t q[512], reply[4096];
    size_t n = query_for(q, services, services + 1);
    for (;;) {
        if (send(fd, q, n, 0) != (ssize_t)n)
            die("send");
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t r = poll(&p, 1, 1000) == 1 ? recv(fd, reply, sizeof(reply), 0) : -1;
        if (r > 12 && (reply[3] & 0xf) == 0 && reply[7] == 1)
            break;
        if (now() - t0 > 10)
            die("new service never answered");
    }
    printf("new Service answered %.1f ms after its create request\n", (now() - t0) * 1000);
    close(fd);
}

int main(int argc, char **argv)
{
    long services = 1000, queries = 200000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--services") == 0)
            services = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--queries") == 0)
            queries = atol(argv[i + 1]);
    }
    if (services < 1 || services > 60000 || queries < 1) {
        fprintf(stderr, "usage: bench_dns [--services 1..60000] [--queries N]\n");
        return 2;
    }
    k8sc_store *store;
    k8sc_apiserver *srv;
    k8sc_client *client;
    k8sc_client_config *cfg;
    k8sc_dns *dns;
    if (k8sc_store_open(&store, "memory://", NULL) < 0)
        die("store");
    k8sc_apiserver_options ao = K8SC_APISERVER_OPTIONS_INIT;
    ao.listen = "127.0.0.1:0";
    ao.store = store;
    if (k8sc_apiserver_new(&srv, &ao) < 0 || k8sc_apiserver_start(srv) < 0)
        die("apiserver");
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", k8sc_apiserver_port(srv));
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    if (k8sc_client_config_from_url(&cfg, url) < 0)
        die("config");
    co.config = cfg;
    if (k8sc_client_new(&client, &co) < 0)
        die("client");
    for (long i = 0; i < services; i++)
        create_service(client, i);
    k8sc_dns_options o = K8SC_DNS_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.resolv_conf = "/dev/null";
    if (k8sc_dns_new(&dns, client, &o) < 0 || k8sc_dns_start(dns) < 0 || k8sc_dns_wait_synced(dns, 30000) < 0)
        die("dns");
    printf("%ld Services in the zone\n", services);
    bench_handle(dns, services, queries);
    bench_udp(k8sc_dns_port(dns), services, queries);
    bench_propagation(client, k8sc_dns_port(dns), services);
    k8sc_dns_free(dns);
    k8sc_client_free(client);
    k8sc_client_config_free(cfg);
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
    return 0;
}
