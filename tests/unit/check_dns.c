/*
 * Cluster DNS against an in-process API server: the records of the
 * Kubernetes DNS specification over UDP and TCP, negative answers,
 * updates and deletes followed within a second, forwarding through a fake
 * upstream on 127.0.0.2, REFUSED without upstream, malformed input,
 * truncation and EDNS0, TCP connection handling.
 */
#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/codec.h"
#include "k8sc/core.h"
#include "k8sc/store.h"
#include "net/dns_internal.h"
#include "apitest.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ZONE ".default.svc.cluster.local"

static api_server api;
static k8sc_dns *dns;
static char resolv_path[64];

static void setup(void)
{
    api_server_start(&api, 0);
    snprintf(resolv_path, sizeof(resolv_path), "/tmp/k8sc-dns-test-%ld.conf", (long)getpid());
    FILE *f = fopen(resolv_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("# no nameserver here\nsearch example.org\n", f);
    fclose(f);
}

static void teardown(void)
{
    k8sc_dns_free(dns);
    api_server_free(&api);
    unlink(resolv_path);
    dns = NULL;
}

/* Start the server on 127.0.0.1, port 0, with `o` (NULL: no upstream) and wait for the informers. */
static int start_dns(k8sc_dns_options *o)
{
    k8sc_dns_options d = K8SC_DNS_OPTIONS_INIT;
    if (!o)
        o = &d;
    o->listen = "127.0.0.1:0";
    if (!o->upstream_count)
        o->resolv_conf = resolv_path;
    ck_assert_msg(k8sc_dns_new(&dns, api.client, o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_dns_start(dns) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(k8sc_dns_wait_synced(dns, 10000), 0);
    ck_assert_int_gt(k8sc_dns_port(dns), 0);
    return k8sc_dns_port(dns);
}

static void create_json(const char *json)
{
    k8sc_object *obj = NULL;
    ck_assert_msg(k8sc_object_from_json(&obj, json, strlen(json)) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_client_create(NULL, api.client, obj) == 0, "%s", k8sc_error_last());
    k8sc_object_free(obj);
}

static void create_service(const char *name, const char *cluster_ip)
{
    char json[1024];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\"},"
        "\"spec\":{\"clusterIP\":\"%s\",\"selector\":{\"app\":\"%s\"},\"ports\":["
        "{\"name\":\"http\",\"port\":80,\"protocol\":\"TCP\",\"targetPort\":8080},"
        "{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\",\"targetPort\":53},"
        "{\"port\":9000,\"protocol\":\"TCP\",\"targetPort\":9000}]}}",
        name, cluster_ip, name);
    create_json(json);
}

/* A headless Service `name` with one slice: `ready` ready endpoints 10.1.X.Y, then `unready` not ready. */
static void create_headless(const char *name, int ready, int unready, bool hostnames)
{
    char json[1024];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\"},"
        "\"spec\":{\"clusterIP\":\"None\",\"selector\":{\"app\":\"%s\"},"
        "\"ports\":[{\"name\":\"pg\",\"port\":5432,\"protocol\":\"TCP\"}]}}",
        name, name);
    create_json(json);
    size_t cap = 256 + (size_t)(ready + unready) * 128;
    char *slice = malloc(cap);
    ck_assert_ptr_nonnull(slice);
    int n = snprintf(slice, cap,
        "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"%s-x\","
        "\"namespace\":\"default\",\"labels\":{\"kubernetes.io/service-name\":\"%s\"}},\"addressType\":\"IPv4\","
        "\"ports\":[{\"name\":\"pg\",\"port\":5432,\"protocol\":\"TCP\"}],\"endpoints\":[",
        name, name);
    for (int i = 0; i < ready + unready; i++) {
        char host[64] = "";
        if (hostnames && i == 0)
            snprintf(host, sizeof(host), "\"hostname\":\"%s-0\",", name);
        n += snprintf(slice + n, cap - (size_t)n, "%s{\"addresses\":[\"10.1.%d.%d\"],%s\"conditions\":{\"ready\":%s}}",
            i ? "," : "", i / 200, i % 200 + 1, host, i < ready ? "true" : "false");
    }
    snprintf(slice + n, cap - (size_t)n, "]}");
    create_json(slice);
    free(slice);
}

/* ---- building queries and reading replies ---- */

static size_t make_query(uint8_t *buf, uint16_t id, const char *name, uint16_t qtype, uint16_t edns_size)
{
    uint8_t hdr[12] = { (uint8_t)(id >> 8), (uint8_t)id, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, edns_size ? 1 : 0 };
    memcpy(buf, hdr, 12);
    size_t n = 12;
    const char *p = name;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        buf[n++] = (uint8_t)l;
        memcpy(buf + n, p, l);
        n += l;
        p += l + (dot ? 1 : 0);
    }
    buf[n++] = 0;
    buf[n++] = (uint8_t)(qtype >> 8);
    buf[n++] = (uint8_t)qtype;
    buf[n++] = 0;
    buf[n++] = 1;
    if (edns_size) {
        uint8_t opt[11] = { 0, 0, 41, (uint8_t)(edns_size >> 8), (uint8_t)edns_size, 0, 0, 0, 0, 0, 0 };
        memcpy(buf + n, opt, 11);
        n += 11;
    }
    return n;
}

typedef struct rr {
    int section;
    uint16_t type;
    uint32_t ttl;
    size_t rdoff;
    uint16_t rdlen;
} rr;

typedef struct reply {
    uint8_t buf[65536];
    size_t len;
    uint16_t id, flags, counts[4];
    int rcode;
    char qname[300];
    rr rrs[1024];
    size_t nrr;
} reply;

/* Decode the name at `off` (following pointers) into dotted text; returns the offset after it. */
static size_t read_name(const reply *r, size_t off, char *out)
{
    size_t end = 0, n = 0;
    int jumps = 0;
    out[0] = '\0';
    for (;;) {
        ck_assert_uint_lt(off, r->len);
        uint8_t c = r->buf[off];
        if (c == 0) {
            if (!end)
                end = off + 1;
            break;
        }
        if ((c & 0xc0) == 0xc0) {
            ck_assert_int_lt(++jumps, 64);
            if (!end)
                end = off + 2;
            off = ((size_t)(c & 0x3f) << 8) | r->buf[off + 1];
            continue;
        }
        ck_assert_uint_le(off + 1 + c, r->len);
        memcpy(out + n, r->buf + off + 1, c);
        n += c;
        out[n++] = '.';
        out[n] = '\0';
        off += 1 + (size_t)c;
    }
    return end;
}

static void parse_reply(reply *r)
{
    ck_assert_uint_ge(r->len, 12);
    const uint8_t *b = r->buf;
    r->id = (uint16_t)(b[0] << 8 | b[1]);
    r->flags = (uint16_t)(b[2] << 8 | b[3]);
    r->rcode = b[3] & 0xf;
    for (int i = 0; i < 4; i++)
        r->counts[i] = (uint16_t)(b[4 + 2 * i] << 8 | b[5 + 2 * i]);
    size_t off = 12;
    r->qname[0] = '\0';
    if (r->counts[0]) {
        off = read_name(r, off, r->qname) + 4;
    }
    r->nrr = 0;
    for (int s = 1; s < 4; s++) {
        for (int i = 0; i < r->counts[s]; i++) {
            char name[300];
            off = read_name(r, off, name);
            ck_assert_uint_le(off + 10, r->len);
            ck_assert_uint_lt(r->nrr, 1024);
            rr *x = &r->rrs[r->nrr++];
            x->section = s;
            x->type = (uint16_t)(b[off] << 8 | b[off + 1]);
            x->ttl = (uint32_t)b[off + 4] << 24 | (uint32_t)b[off + 5] << 16 | (uint32_t)b[off + 6] << 8 | b[off + 7];
            x->rdlen = (uint16_t)(b[off + 8] << 8 | b[off + 9]);
            x->rdoff = off + 10;
            off += 10 + x->rdlen;
            ck_assert_uint_le(off, r->len);
        }
    }
    ck_assert_uint_eq(off, r->len);
}

static int udp_exchange(int port, const uint8_t *q, size_t qlen, reply *r, int timeout_ms)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(sendto(fd, q, qlen, 0, (struct sockaddr *)&a, sizeof(a)), (ssize_t)qlen);
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int rc = -1;
    if (poll(&p, 1, timeout_ms) == 1) {
        ssize_t n = recv(fd, r->buf, sizeof(r->buf), 0);
        if (n > 0) {
            r->len = (size_t)n;
            parse_reply(r);
            rc = 0;
        }
    }
    close(fd);
    return rc;
}

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

static void tcp_send(int fd, const uint8_t *q, size_t qlen)
{
    uint8_t buf[70000];
    buf[0] = (uint8_t)(qlen >> 8);
    buf[1] = (uint8_t)qlen;
    memcpy(buf + 2, q, qlen);
    ck_assert_int_eq(send(fd, buf, qlen + 2, MSG_NOSIGNAL), (ssize_t)(qlen + 2));
}

/* Read exactly n bytes; false on EOF or after 3 s. */
static bool read_full(int fd, uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 3000) != 1)
            return false;
        ssize_t k = recv(fd, buf + got, n - got, 0);
        if (k <= 0)
            return false;
        got += (size_t)k;
    }
    return true;
}

static void tcp_read(int fd, reply *r)
{
    uint8_t len[2];
    ck_assert(read_full(fd, len, 2));
    r->len = (size_t)(len[0] << 8 | len[1]);
    ck_assert(read_full(fd, r->buf, r->len));
    parse_reply(r);
}

static void tcp_exchange(int port, const uint8_t *q, size_t qlen, reply *r)
{
    int fd = tcp_connect(port);
    tcp_send(fd, q, qlen);
    tcp_read(fd, r);
    close(fd);
}

static void query(int port, const char *name, uint16_t qtype, reply *r)
{
    uint8_t q[512];
    size_t n = make_query(q, 0x1234, name, qtype, 0);
    ck_assert_msg(udp_exchange(port, q, n, r, 3000) == 0, "no answer for %s", name);
    ck_assert_uint_eq(r->id, 0x1234);
}

static size_t answers(const reply *r, uint16_t type)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nrr; i++)
        n += r->rrs[i].section == 1 && r->rrs[i].type == type;
    return n;
}

static bool has_a(const reply *r, const char *ip)
{
    struct in_addr want;
    inet_pton(AF_INET, ip, &want);
    for (size_t i = 0; i < r->nrr; i++)
        if (r->rrs[i].section == 1 && r->rrs[i].type == 1 && r->rrs[i].rdlen == 4
            && memcmp(r->buf + r->rrs[i].rdoff, &want, 4) == 0)
            return true;
    return false;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Query until the answer has `rcode` and `count` records of `qtype` (5 s at most); the time it took. */
static int64_t wait_answer(int port, const char *name, uint16_t qtype, int rcode, size_t count, reply *r)
{
    int64_t start = mono_ms();
    for (;;) {
        query(port, name, qtype, r);
        if (r->rcode == rcode && answers(r, qtype) == count)
            return mono_ms() - start;
        ck_assert_msg(mono_ms() - start < 5000, "%s: rcode %d with %zu answers, want %d with %zu", name, r->rcode,
            answers(r, qtype), rcode, count);
        usleep(20000);
    }
}

/* ---- tests ---- */

START_TEST(test_cluster_ip_a)
{
    int port = start_dns(NULL);
    create_service("web", "10.96.0.50");
    static reply r;
    wait_answer(port, "web" ZONE, 1, 0, 1, &r);
    ck_assert(has_a(&r, "10.96.0.50"));
    ck_assert(r.flags & 0x8000);
    ck_assert(r.flags & 0x0400); /* authoritative */
    ck_assert(r.flags & 0x0100); /* RD echoed */
    ck_assert(!(r.flags & 0x0080)); /* no upstream: no recursion */
    ck_assert_uint_eq(r.rrs[0].ttl, 5);
    ck_assert_str_eq(r.qname, "web.default.svc.cluster.local.");
    /* The same over TCP. */
    uint8_t q[512];
    size_t n = make_query(q, 77, "web" ZONE, 1, 0);
    tcp_exchange(port, q, n, &r);
    ck_assert_uint_eq(r.id, 77);
    ck_assert(has_a(&r, "10.96.0.50"));
    /* ANY gives the A record too; the schema version is published. */
    query(port, "web" ZONE, 255, &r);
    ck_assert(has_a(&r, "10.96.0.50"));
    query(port, "dns-version.cluster.local", 16, &r);
    ck_assert_uint_eq(answers(&r, 16), 1);
    ck_assert_int_eq(memcmp(r.buf + r.rrs[0].rdoff, "\0051.1.0", 6), 0);
}
END_TEST

START_TEST(test_nxdomain_and_nodata)
{
    int port = start_dns(NULL);
    create_service("web", "10.96.0.51");
    static reply r;
    wait_answer(port, "web" ZONE, 1, 0, 1, &r);
    const struct {
        const char *name;
        uint16_t qtype;
        int rcode;
    } cases[] = {
        { "nope" ZONE, 1, 3 },
        { "web.nosuchns.svc.cluster.local", 1, 3 },
        { "nosuchns.svc.cluster.local", 1, 3 },
        { "web.default.pod.cluster.local", 1, 3 },
        { "a.b.c.web" ZONE, 1, 3 },
        { "web" ZONE, 28, 0 },                 /* AAAA of an IPv4-only name: NODATA */
        { "web" ZONE, 33, 0 },                 /* SRV at the service name: NODATA */
        { "default.svc.cluster.local", 1, 0 }, /* an existing namespace: NODATA */
        { "kube-system.svc.cluster.local", 1, 0 },
        { "svc.cluster.local", 1, 0 },
        { "cluster.local", 1, 0 },
        { "_tcp.web" ZONE, 1, 0 },
        { "_sctp.web" ZONE, 1, 3 },
        { "_http._tcp.web" ZONE, 1, 0 },
        { "_nope._tcp.web" ZONE, 33, 3 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        query(port, cases[i].name, cases[i].qtype, &r);
        ck_assert_msg(r.rcode == cases[i].rcode, "%s type %u: rcode %d", cases[i].name, cases[i].qtype, r.rcode);
        ck_assert_msg(r.counts[1] == 0, "%s: %u answers", cases[i].name, r.counts[1]);
        /* Negative answers carry the zone's SOA, whose TTL bounds their caching. */
        ck_assert_uint_eq(r.counts[2], 1);
        ck_assert_uint_eq(r.rrs[0].type, 6);
        ck_assert_uint_eq(r.rrs[0].ttl, 5);
        ck_assert(r.flags & 0x0400);
    }
    query(port, "cluster.local", 6, &r);
    ck_assert_int_eq(r.rcode, 0);
    ck_assert_uint_eq(answers(&r, 6), 1);
}
END_TEST

START_TEST(test_headless_ready_only)
{
    int port = start_dns(NULL);
    create_headless("db", 2, 1, true);
    static reply r;
    wait_answer(port, "db" ZONE, 1, 0, 2, &r);
    ck_assert(has_a(&r, "10.1.0.1"));
    ck_assert(has_a(&r, "10.1.0.2"));
    ck_assert(!has_a(&r, "10.1.0.3"));
    /* Endpoint names: the hostname, else the dashed address; not-ready endpoints have none. */
    query(port, "db-0.db" ZONE, 1, &r);
    ck_assert_int_eq(r.rcode, 0);
    ck_assert_uint_eq(answers(&r, 1), 1);
    ck_assert(has_a(&r, "10.1.0.1"));
    query(port, "10-1-0-2.db" ZONE, 1, &r);
    ck_assert(has_a(&r, "10.1.0.2"));
    query(port, "10-1-0-3.db" ZONE, 1, &r);
    ck_assert_int_eq(r.rcode, 3);
    query(port, "db-1.db" ZONE, 1, &r);
    ck_assert_int_eq(r.rcode, 3);
    query(port, "db-0.db" ZONE, 28, &r);
    ck_assert_int_eq(r.rcode, 0);
    ck_assert_uint_eq(r.counts[1], 0);
    /* Reverse lookups of the endpoints name them. */
    query(port, "1.0.1.10.in-addr.arpa", 12, &r);
    ck_assert_uint_eq(answers(&r, 12), 1);
    char name[300];
    read_name(&r, r.rrs[0].rdoff, name);
    ck_assert_str_eq(name, "db-0.db.default.svc.cluster.local.");
}
END_TEST

START_TEST(test_srv_named_ports)
{
    int port = start_dns(NULL);
    create_service("web", "10.96.0.52");
    create_headless("db", 2, 1, true);
    static reply r;
    wait_answer(port, "_http._tcp.web" ZONE, 33, 0, 1, &r);
    const uint8_t *d = r.buf + r.rrs[0].rdoff;
    ck_assert_uint_eq((d[0] << 8 | d[1]), 0);   /* priority */
    ck_assert_uint_eq((d[2] << 8 | d[3]), 100); /* weight */
    ck_assert_uint_eq((d[4] << 8 | d[5]), 80);
    char name[300];
    read_name(&r, r.rrs[0].rdoff + 6, name);
    ck_assert_str_eq(name, "web.default.svc.cluster.local.");
    query(port, "_dns._udp.web" ZONE, 33, &r);
    ck_assert_uint_eq(answers(&r, 33), 1);
    ck_assert_uint_eq((r.buf[r.rrs[0].rdoff + 4] << 8 | r.buf[r.rrs[0].rdoff + 5]), 53);
    query(port, "_dns._tcp.web" ZONE, 33, &r);
    ck_assert_int_eq(r.rcode, 3);
    /* Headless: one SRV per ready endpoint, aimed at its own name. */
    wait_answer(port, "_pg._tcp.db" ZONE, 33, 0, 2, &r);
    bool seen0 = false, seen1 = false;
    for (size_t i = 0; i < r.nrr; i++) {
        if (r.rrs[i].type != 33)
            continue;
        ck_assert_uint_eq((r.buf[r.rrs[i].rdoff + 2] << 8 | r.buf[r.rrs[i].rdoff + 3]), 50);
        ck_assert_uint_eq((r.buf[r.rrs[i].rdoff + 4] << 8 | r.buf[r.rrs[i].rdoff + 5]), 5432);
        read_name(&r, r.rrs[i].rdoff + 6, name);
        seen0 |= strcmp(name, "db-0.db.default.svc.cluster.local.") == 0;
        seen1 |= strcmp(name, "10-1-0-2.db.default.svc.cluster.local.") == 0;
    }
    ck_assert(seen0 && seen1);
}
END_TEST

START_TEST(test_external_name_cname)
{
    int port = start_dns(NULL);
    create_json("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"ext\",\"namespace\":\"default\"},"
                "\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"db.example.com\"}}");
    static reply r;
    wait_answer(port, "ext" ZONE, 5, 0, 1, &r);
    char name[300];
    read_name(&r, r.rrs[0].rdoff, name);
    ck_assert_str_eq(name, "db.example.com.");
    /* A CNAME answers every type. */
    query(port, "ext" ZONE, 1, &r);
    ck_assert_uint_eq(answers(&r, 5), 1);
    ck_assert_uint_eq(answers(&r, 1), 0);
}
END_TEST

START_TEST(test_updates_and_deletes_followed)
{
    int port = start_dns(NULL);
    create_service("web", "10.96.0.53");
    create_headless("db", 1, 0, false);
    static reply r;
    wait_answer(port, "web" ZONE, 1, 0, 1, &r);
    wait_answer(port, "db" ZONE, 1, 0, 1, &r);
    /* A Service recreated with another cluster IP. */
    ck_assert_int_eq(k8sc_client_delete(NULL, api.client, "v1", "Service", "default", "web", NULL), 0);
    ck_assert_int_lt(wait_answer(port, "web" ZONE, 1, 3, 0, &r), 1000);
    create_service("web", "10.96.0.54");
    ck_assert_int_lt(wait_answer(port, "web" ZONE, 1, 0, 1, &r), 1000);
    ck_assert(has_a(&r, "10.96.0.54"));
    query(port, "53.0.96.10.in-addr.arpa", 12, &r);
    ck_assert_int_eq(r.rcode, 5); /* no record and no upstream */
    query(port, "54.0.96.10.in-addr.arpa", 12, &r);
    ck_assert_uint_eq(answers(&r, 12), 1);
    /* An endpoint becoming ready, then one more. */
    k8sc_object *slice = NULL;
    ck_assert_int_eq(k8sc_client_get(&slice, api.client, "discovery.k8s.io/v1", "EndpointSlice", "default", "db-x"), 0);
    struct json_object *eps = NULL;
    const char *two = "[{\"addresses\":[\"10.1.0.1\"]},{\"addresses\":[\"10.1.0.9\"],\"conditions\":{\"ready\":true}}]";
    eps = json_tokener_parse(two);
    ck_assert_ptr_nonnull(eps);
    ck_assert_int_eq(k8sc_object_set(slice, "endpoints", eps), 0);
    ck_assert_msg(k8sc_client_update(NULL, api.client, slice) == 0, "%s", k8sc_error_last());
    k8sc_object_free(slice);
    ck_assert_int_lt(wait_answer(port, "db" ZONE, 1, 0, 2, &r), 1000);
    ck_assert(has_a(&r, "10.1.0.9"));
    ck_assert_int_eq(k8sc_client_delete(NULL, api.client, "v1", "Service", "default", "db", NULL), 0);
    ck_assert_int_lt(wait_answer(port, "db" ZONE, 1, 3, 0, &r), 1000);
}
END_TEST

/* A fake upstream on 127.0.0.2, UDP and TCP: answers every query with 192.0.2.7 and counts them. */
typedef struct upstream {
    int udp, tcp, stop[2];
    int port;
    atomic_int queries;
    atomic_int tcp_queries;
    pthread_t thread;
} upstream;

/* Turn the query in buf into an answer carrying 192.0.2.7; its length. */
static size_t fake_answer(upstream *u, uint8_t *buf, size_t n)
{
    atomic_fetch_add(&u->queries, 1);
    buf[2] |= 0x80;
    buf[3] = 0x80;
    buf[7] = 1;
    buf[11] = 0;
    size_t len = 12;
    while (len < n && buf[len])
        len += 1 + (size_t)buf[len];
    len += 5;
    uint8_t a[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7 };
    memcpy(buf + len, a, sizeof(a));
    return len + sizeof(a);
}

static void fake_tcp(upstream *u)
{
    int fd = accept(u->tcp, NULL, NULL);
    if (fd < 0)
        return;
    uint8_t buf[4096];
    if (read_full(fd, buf, 2) && read_full(fd, buf + 2, (size_t)(buf[0] << 8 | buf[1]))) {
        atomic_fetch_add(&u->tcp_queries, 1);
        size_t len = fake_answer(u, buf + 2, (size_t)(buf[0] << 8 | buf[1]));
        buf[0] = (uint8_t)(len >> 8);
        buf[1] = (uint8_t)len;
        ssize_t sent = send(fd, buf, len + 2, MSG_NOSIGNAL);
        (void)sent;
    }
    close(fd);
}

static void *upstream_run(void *arg)
{
    upstream *u = arg;
    for (;;) {
        struct pollfd p[3] = { { u->udp, POLLIN, 0 }, { u->tcp, POLLIN, 0 }, { u->stop[0], POLLIN, 0 } };
        if (poll(p, 3, -1) < 0 || p[2].revents)
            return NULL;
        if (p[1].revents)
            fake_tcp(u);
        if (!p[0].revents)
            continue;
        uint8_t buf[4096];
        struct sockaddr_in from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(u->udp, buf, sizeof(buf) - 32, 0, (struct sockaddr *)&from, &fl);
        if (n >= 12) {
            size_t len = fake_answer(u, buf, (size_t)n);
            sendto(u->udp, buf, len, 0, (struct sockaddr *)&from, fl);
        }
    }
}

static void upstream_start(upstream *u)
{
    u->udp = socket(AF_INET, SOCK_DGRAM, 0);
    u->tcp = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    inet_pton(AF_INET, "127.0.0.2", &a.sin_addr);
    ck_assert_int_eq(bind(u->udp, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t l = sizeof(a);
    getsockname(u->udp, (struct sockaddr *)&a, &l);
    u->port = ntohs(a.sin_port);
    ck_assert_int_eq(bind(u->tcp, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(u->tcp, 8), 0);
    ck_assert_int_eq(pipe(u->stop), 0);
    ck_assert_int_eq(pthread_create(&u->thread, NULL, upstream_run, u), 0);
}

static void upstream_stop(upstream *u)
{
    ck_assert_int_eq(write(u->stop[1], "x", 1), 1);
    pthread_join(u->thread, NULL);
    close(u->udp);
    close(u->tcp);
    close(u->stop[0]);
    close(u->stop[1]);
}

START_TEST(test_forward_to_upstream)
{
    static upstream u;
    upstream_start(&u);
    char up1[64], up2[64];
    /* The first upstream does not answer: after the timeout the second is asked. */
    int silent = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET };
    inet_pton(AF_INET, "127.0.0.3", &sa.sin_addr);
    ck_assert_int_eq(bind(silent, (struct sockaddr *)&sa, sizeof(sa)), 0);
    socklen_t sl = sizeof(sa);
    getsockname(silent, (struct sockaddr *)&sa, &sl);
    snprintf(up1, sizeof(up1), "127.0.0.3:%d", ntohs(sa.sin_port));
    snprintf(up2, sizeof(up2), "127.0.0.2:%d", u.port);
    const char *ups[] = { up1, up2 };
    k8sc_dns_options o = K8SC_DNS_OPTIONS_INIT;
    o.upstreams = ups;
    o.upstream_count = 2;
    o.forward_timeout_ms = 300;
    int port = start_dns(&o);
    static reply r;
    uint8_t q[512];
    size_t n = make_query(q, 0xbeef, "www.example.com", 1, 0);
    ck_assert_int_eq(udp_exchange(port, q, n, &r, 3000), 0);
    ck_assert_uint_eq(r.id, 0xbeef);
    ck_assert_int_eq(r.rcode, 0);
    ck_assert(has_a(&r, "192.0.2.7"));
    ck_assert_int_eq(atomic_load(&u.queries), 1);
    /* A TCP client is forwarded over TCP (nothing listens on 127.0.0.3's TCP port: at once to the next). */
    n = make_query(q, 0x0101, "other.example.org", 1, 0);
    tcp_exchange(port, q, n, &r);
    ck_assert_uint_eq(r.id, 0x0101);
    ck_assert(has_a(&r, "192.0.2.7"));
    ck_assert_int_eq(atomic_load(&u.tcp_queries), 1);
    /* The cluster zone is still ours, and recursion is offered. */
    query(port, "nope" ZONE, 1, &r);
    ck_assert_int_eq(r.rcode, 3);
    ck_assert(r.flags & 0x0080);
    ck_assert_int_eq(atomic_load(&u.queries), 2);
    close(silent);
    k8sc_dns_stop(dns);
    upstream_stop(&u);
}
END_TEST

START_TEST(test_forward_timeout_servfail)
{
    int silent = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET };
    inet_pton(AF_INET, "127.0.0.3", &sa.sin_addr);
    ck_assert_int_eq(bind(silent, (struct sockaddr *)&sa, sizeof(sa)), 0);
    socklen_t sl = sizeof(sa);
    getsockname(silent, (struct sockaddr *)&sa, &sl);
    char up[64];
    snprintf(up, sizeof(up), "127.0.0.3:%d", ntohs(sa.sin_port));
    const char *ups[] = { up };
    k8sc_dns_options o = K8SC_DNS_OPTIONS_INIT;
    o.upstreams = ups;
    o.upstream_count = 1;
    o.forward_timeout_ms = 200;
    int port = start_dns(&o);
    static reply r;
    uint8_t q[512];
    size_t n = make_query(q, 9, "slow.example.com", 1, 0);
    ck_assert_int_eq(udp_exchange(port, q, n, &r, 3000), 0);
    ck_assert_uint_eq(r.id, 9);
    ck_assert_int_eq(r.rcode, 2);
    ck_assert_str_eq(r.qname, "slow.example.com.");
    /* Over TCP: an upstream that takes the connection and never answers. */
    int mute = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_eq(bind(mute, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(mute, 4), 0);
    n = make_query(q, 10, "slow.example.com", 1, 0);
    tcp_exchange(port, q, n, &r);
    ck_assert_uint_eq(r.id, 10);
    ck_assert_int_eq(r.rcode, 2);
    close(mute);
    close(silent);
}
END_TEST

START_TEST(test_refused_without_upstream)
{
    int port = start_dns(NULL);
    static reply r;
    query(port, "www.example.com", 1, &r);
    ck_assert_int_eq(r.rcode, 5);
    ck_assert_uint_eq(r.counts[1], 0);
    ck_assert_str_eq(r.qname, "www.example.com.");
    /* A class other than IN, and zone transfers, are refused too. */
    uint8_t q[512];
    size_t n = make_query(q, 3, "web" ZONE, 1, 0);
    q[n - 1] = 3; /* CH */
    ck_assert_int_eq(udp_exchange(port, q, n, &r, 3000), 0);
    ck_assert_int_eq(r.rcode, 5);
    query(port, "cluster.local", 252, &r);
    ck_assert_int_eq(r.rcode, 5);
}
END_TEST

START_TEST(test_malformed_input)
{
    int port = start_dns(NULL);
    static reply r;
    uint8_t q[512];
    size_t n = make_query(q, 0x4242, "web" ZONE, 1, 0);
    /* Two questions. */
    q[5] = 2;
    ck_assert_int_eq(udp_exchange(port, q, n, &r, 3000), 0);
    ck_assert_uint_eq(r.id, 0x4242);
    ck_assert_int_eq(r.rcode, 1);
    /* Trailing garbage, a truncated question, a label running past the end, a pointer loop. */
    n = make_query(q, 0x4243, "web" ZONE, 1, 0);
    q[n] = 0xff;
    ck_assert_int_eq(udp_exchange(port, q, n + 1, &r, 3000), 0);
    ck_assert_int_eq(r.rcode, 1);
    ck_assert_int_eq(udp_exchange(port, q, n - 3, &r, 3000), 0);
    ck_assert_int_eq(r.rcode, 1);
    q[12] = 60;
    ck_assert_int_eq(udp_exchange(port, q, 20, &r, 3000), 0);
    ck_assert_int_eq(r.rcode, 1);
    q[12] = 0xc0;
    q[13] = 12;
    ck_assert_int_eq(udp_exchange(port, q, 18, &r, 3000), 0);
    ck_assert_int_eq(r.rcode, 1);
    /* Two OPT records. */
    n = make_query(q, 0x4244, "web" ZONE, 1, 1232);
    memcpy(q + n, q + n - 11, 11);
    q[11] = 2;
    ck_assert_int_eq(udp_exchange(port, q, n + 11, &r, 3000), 0);
    ck_assert_int_eq(r.rcode, 1);
    /* Another opcode (STATUS): NOTIMP. */
    n = make_query(q, 0x4245, "web" ZONE, 1, 0);
    q[2] = 2 << 3;
    ck_assert_int_eq(udp_exchange(port, q, n, &r, 3000), 0);
    ck_assert_int_eq(r.rcode, 4);
    /* EDNS version 1: BADVERS (16 = 1 in the OPT's extended bits). */
    n = make_query(q, 0x4246, "web" ZONE, 1, 1232);
    q[n - 5] = 1;
    ck_assert_int_eq(udp_exchange(port, q, n, &r, 3000), 0);
    ck_assert_int_eq(r.rcode, 0);
    ck_assert_uint_eq(r.counts[3], 1);
    ck_assert_uint_eq(r.buf[r.rrs[0].rdoff - 6], 1);
    /* Too short for a header, and a response: no reply at all. */
    ck_assert_int_eq(udp_exchange(port, (const uint8_t *)"\x01\x02\x03", 3, &r, 300), -1);
    n = make_query(q, 0x4247, "web" ZONE, 1, 0);
    q[2] |= 0x80;
    ck_assert_int_eq(udp_exchange(port, q, n, &r, 300), -1);
    /* Still serving. */
    query(port, "nope" ZONE, 1, &r);
    ck_assert_int_eq(r.rcode, 3);
}
END_TEST

START_TEST(test_truncation_edns_and_tcp)
{
    int port = start_dns(NULL);
    create_headless("big", 60, 0, false);
    static reply r;
    uint8_t q[512];
    /* 60 A records do not fit in 512 bytes: TC over UDP, everything over TCP. */
    size_t n = make_query(q, 5, "big" ZONE, 1, 0);
    int64_t start = mono_ms();
    for (;;) {
        ck_assert_int_eq(udp_exchange(port, q, n, &r, 3000), 0);
        if (r.flags & 0x0200)
            break;
        ck_assert_int_lt(mono_ms() - start, 5000);
        usleep(20000);
    }
    ck_assert_uint_le(r.len, 512);
    ck_assert_uint_eq(r.counts[1], 0);
    ck_assert_str_eq(r.qname, "big.default.svc.cluster.local.");
    tcp_exchange(port, q, n, &r);
    ck_assert(!(r.flags & 0x0200));
    ck_assert_uint_eq(answers(&r, 1), 60);
    ck_assert(has_a(&r, "10.1.0.60"));
    /* Names are compressed: 60 records take 16 bytes each. */
    ck_assert_uint_lt(r.len, 60 * 16 + 100);
    /* EDNS0 with a 4096-byte buffer: the whole answer over UDP, and our OPT echoed. */
    n = make_query(q, 6, "big" ZONE, 1, 4096);
    ck_assert_int_eq(udp_exchange(port, q, n, &r, 3000), 0);
    ck_assert(!(r.flags & 0x0200));
    ck_assert_uint_eq(answers(&r, 1), 60);
    ck_assert_uint_eq(r.counts[3], 1);
    ck_assert_uint_eq(r.rrs[r.nrr - 1].type, 41);
    /* An advertised size below 512 counts as 512. */
    n = make_query(q, 7, "big" ZONE, 1, 100);
    ck_assert_int_eq(udp_exchange(port, q, n, &r, 3000), 0);
    ck_assert(r.flags & 0x0200);
    ck_assert_uint_eq(r.counts[3], 1);
}
END_TEST

START_TEST(test_case_insensitive)
{
    int port = start_dns(NULL);
    create_service("web", "10.96.0.55");
    static reply r;
    wait_answer(port, "web" ZONE, 1, 0, 1, &r);
    query(port, "WeB.DeFaUlT.SVC.Cluster.LOCAL", 1, &r);
    ck_assert(has_a(&r, "10.96.0.55"));
    /* The question is echoed as asked (resolvers using 0x20 randomisation compare it). */
    ck_assert_str_eq(r.qname, "WeB.DeFaUlT.SVC.Cluster.LOCAL.");
    query(port, "_HTTP._Tcp.WEB.default.svc.cluster.local", 33, &r);
    ck_assert_uint_eq(answers(&r, 33), 1);
    query(port, "55.0.96.10.IN-ADDR.ARPA", 12, &r);
    ck_assert_uint_eq(answers(&r, 12), 1);
    char name[300];
    read_name(&r, r.rrs[0].rdoff, name);
    ck_assert_str_eq(name, "web.default.svc.cluster.local.");
}
END_TEST

START_TEST(test_tcp_connections)
{
    k8sc_dns_options o = K8SC_DNS_OPTIONS_INIT;
    o.tcp_idle_timeout_ms = 300;
    o.max_tcp_connections = 2;
    int port = start_dns(&o);
    create_service("web", "10.96.0.56");
    static reply r;
    wait_answer(port, "web" ZONE, 1, 0, 1, &r);
    /* Several queries on one connection, the second sent in two pieces. */
    int fd = tcp_connect(port);
    uint8_t q[512], buf[1024];
    size_t n = make_query(q, 1, "web" ZONE, 1, 0);
    size_t m = make_query(buf + 2 + n + 2, 2, "nope" ZONE, 1, 0);
    buf[0] = 0;
    buf[1] = (uint8_t)n;
    memcpy(buf + 2, q, n);
    buf[2 + n] = 0;
    buf[3 + n] = (uint8_t)m;
    ck_assert_int_eq(send(fd, buf, 2 + n + 5, 0), (ssize_t)(2 + n + 5));
    usleep(50000);
    ck_assert_int_eq(send(fd, buf + 2 + n + 5, m - 3, 0), (ssize_t)(m - 3));
    tcp_read(fd, &r);
    ck_assert_uint_eq(r.id, 1);
    ck_assert(has_a(&r, "10.96.0.56"));
    tcp_read(fd, &r);
    ck_assert_uint_eq(r.id, 2);
    ck_assert_int_eq(r.rcode, 3);
    /* Bounded: a third connection is closed at once. */
    int fd2 = tcp_connect(port);
    int fd3 = tcp_connect(port);
    /* The server may have closed it already: the send's result does not matter. */
    ssize_t sent = send(fd3, buf, 2 + n, MSG_NOSIGNAL);
    (void)sent;
    uint8_t b;
    ck_assert(!read_full(fd3, &b, 1));
    close(fd3);
    /* Idle connections are closed. */
    usleep(600000);
    ck_assert(!read_full(fd, &b, 1));
    ck_assert(!read_full(fd2, &b, 1));
    close(fd);
    close(fd2);
    /* A zero-length message ends the connection. */
    fd = tcp_connect(port);
    ck_assert_int_eq(send(fd, "\0\0", 2, 0), 2);
    ck_assert(!read_full(fd, &b, 1));
    close(fd);
}
END_TEST

START_TEST(test_handle_and_options)
{
    k8sc_dns_options o;
    ck_assert_int_eq(k8sc_dns_options_init(&o, 99), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_dns_options_init(&o, K8SC_DNS_OPTIONS_VERSION), 0);
    o.resolv_conf = resolv_path;
    o.listen = "127.0.0.1";
    ck_assert_int_eq(k8sc_dns_new(&dns, api.client, &o), K8SC_EINVAL);
    o.listen = "127.0.0.1:0";
    o.domain = "bad..domain";
    ck_assert_int_eq(k8sc_dns_new(&dns, api.client, &o), K8SC_EINVAL);
    o.domain = ".";
    ck_assert_int_eq(k8sc_dns_new(&dns, api.client, &o), K8SC_EINVAL);
    o.domain = NULL;
    o.resolv_conf = "/nonexistent/resolv.conf";
    ck_assert_int_eq(k8sc_dns_new(&dns, api.client, &o), K8SC_EIO);
    o.resolv_conf = resolv_path;
    const char *bad[] = { "300.1.1.1" };
    o.upstreams = bad;
    o.upstream_count = 1;
    ck_assert_int_eq(k8sc_dns_new(&dns, api.client, &o), K8SC_EINVAL);
    o.upstream_count = 0;
    o.domain = "Example.Test";
    ck_assert_int_eq(k8sc_dns_new(&dns, api.client, &o), 0);
    ck_assert_int_eq(k8sc_dns_port(dns), 0);
    k8sc_dns_action act;
    size_t len;
    uint8_t q[512], out[512];
    ck_assert_int_eq(k8sc_dns_handle(&act, &len, dns, q, 0, out, 100, false), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_dns_handle(&act, &len, NULL, q, 0, out, 512, false), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_dns_handle(&act, &len, dns, q, 0, out, 512, false), 0);
    ck_assert_int_eq(act, K8SC_DNS_DROP);
    /* A custom domain, handled without any socket. */
    size_t n = make_query(q, 1, "x.ns.svc.example.test", 1, 0);
    ck_assert_int_eq(k8sc_dns_handle(&act, &len, dns, q, n, out, sizeof(out), false), 0);
    ck_assert_int_eq(act, K8SC_DNS_ANSWER);
    ck_assert_int_eq(out[3] & 0xf, 3);
    n = make_query(q, 1, "x.ns.svc.cluster.local", 1, 0);
    ck_assert_int_eq(k8sc_dns_handle(&act, &len, dns, q, n, out, sizeof(out), false), 0);
    ck_assert_int_eq(out[3] & 0xf, 5);
    ck_assert_int_eq(k8sc_dns_start(dns), 0);
    ck_assert_int_eq(k8sc_dns_start(dns), K8SC_EINVAL);
    /* A second server on the same port cannot listen. */
    char taken[32];
    snprintf(taken, sizeof(taken), "127.0.0.1:%d", k8sc_dns_port(dns));
    o.listen = taken;
    k8sc_dns *other = NULL;
    ck_assert_int_eq(k8sc_dns_new(&other, api.client, &o), 0);
    ck_assert_int_eq(k8sc_dns_start(other), K8SC_EIO);
    ck_assert_int_eq(k8sc_dns_port(other), 0);
    k8sc_dns_free(other);
    k8sc_dns_stop(dns);
    k8sc_dns_stop(dns);
    ck_assert_int_eq(k8sc_dns_start(dns), K8SC_EINVAL);
}
END_TEST

START_TEST(test_resolv_conf_parsing)
{
    k8sc__dns_addr self, *ups = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc__dns_addr_parse(&self, "127.0.0.1:53", -1), 0);
    const char *text = "# comment\nsearch a.b\nnameserver 127.0.0.1\nnameserver\t10.0.0.10 \n"
                       "nameserver 192.0.2.1:5353\nnameserver ::1\nnameserver fe80::1%eth0\nnameserver bogus\n"
                       "options ndots:5\nnameserver 10.0.0.11";
    ck_assert_int_eq(k8sc__dns_resolv_parse(&ups, &n, text, &self), 0);
    ck_assert_uint_eq(n, 3);
    k8sc__dns_addr want;
    ck_assert_int_eq(k8sc__dns_addr_parse(&want, "10.0.0.10", 53), 0);
    ck_assert(k8sc__dns_addr_equal(&ups[0], &want));
    ck_assert_int_eq(k8sc__dns_addr_parse(&want, "[::1]:53", -1), 0);
    ck_assert(k8sc__dns_addr_equal(&ups[1], &want));
    ck_assert_int_eq(k8sc__dns_addr_parse(&want, "10.0.0.11", 53), 0);
    ck_assert(k8sc__dns_addr_equal(&ups[2], &want));
    k8sc_free(ups);
    ck_assert_int_eq(k8sc__dns_addr_parse(&self, "0.0.0.0:53", -1), 0);
    ck_assert_int_eq(k8sc__dns_resolv_parse(&ups, &n, "nameserver 127.0.0.53\nnameserver 10.0.0.10\n", &self), 0);
    ck_assert_uint_eq(n, 1);
    k8sc_free(ups);
    ck_assert_int_eq(k8sc__dns_addr_parse(&self, "0.0.0.0:5353", -1), 0);
    ck_assert_int_eq(k8sc__dns_resolv_parse(&ups, &n, "nameserver 127.0.0.53\n", &self), 0);
    ck_assert_uint_eq(n, 1);
    k8sc_free(ups);
    ck_assert_int_eq(k8sc__dns_resolv_parse(&ups, &n, "", NULL), 0);
    ck_assert_uint_eq(n, 0);
    const char *bad[] = { "", "1.2.3.4:", "1.2.3.4:99999", "[::1", "[::1]x", "host:53", ":53" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(k8sc__dns_addr_parse(&want, bad[i], 53) < 0, "%s", bad[i]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dns");
    TCase *tc = tcase_create("dns");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_cluster_ip_a);
    tcase_add_test(tc, test_nxdomain_and_nodata);
    tcase_add_test(tc, test_headless_ready_only);
    tcase_add_test(tc, test_srv_named_ports);
    tcase_add_test(tc, test_external_name_cname);
    tcase_add_test(tc, test_updates_and_deletes_followed);
    tcase_add_test(tc, test_forward_to_upstream);
    tcase_add_test(tc, test_forward_timeout_servfail);
    tcase_add_test(tc, test_refused_without_upstream);
    tcase_add_test(tc, test_malformed_input);
    tcase_add_test(tc, test_truncation_edns_and_tcp);
    tcase_add_test(tc, test_case_insensitive);
    tcase_add_test(tc, test_tcp_connections);
    tcase_add_test(tc, test_handle_and_options);
    tcase_add_test(tc, test_resolv_conf_parsing);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
