/* Cluster DNS internals: wire format, the cluster zone, upstreams and the server object. */
#ifndef K8SC_NET_DNS_INTERNAL_H
#define K8SC_NET_DNS_INTERNAL_H

#include "k8sc/net.h"
#include "internal.h"

#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#define K8SC__DNS_HEADER 12
#define K8SC__DNS_MAX_NAME 255
#define K8SC__DNS_MAX_LABELS 128
#define K8SC__DNS_MAX_MSG 65535
/* The EDNS0 UDP payload size we advertise (the DNS Flag Day 2020 value). */
#define K8SC__DNS_EDNS_SIZE 1232

enum {
    K8SC__DNS_T_A = 1,
    K8SC__DNS_T_NS = 2,
    K8SC__DNS_T_CNAME = 5,
    K8SC__DNS_T_SOA = 6,
    K8SC__DNS_T_PTR = 12,
    K8SC__DNS_T_TXT = 16,
    K8SC__DNS_T_AAAA = 28,
    K8SC__DNS_T_SRV = 33,
    K8SC__DNS_T_OPT = 41,
    K8SC__DNS_T_IXFR = 251,
    K8SC__DNS_T_AXFR = 252,
    K8SC__DNS_T_ANY = 255,
};

enum {
    K8SC__DNS_C_IN = 1,
    K8SC__DNS_C_ANY = 255,
};

enum {
    K8SC__DNS_NOERROR = 0,
    K8SC__DNS_FORMERR = 1,
    K8SC__DNS_SERVFAIL = 2,
    K8SC__DNS_NXDOMAIN = 3,
    K8SC__DNS_NOTIMP = 4,
    K8SC__DNS_REFUSED = 5,
    /* Extended (EDNS0) code 16: 1 in the OPT's upper bits, 0 in the header. */
    K8SC__DNS_BADVERS = 16,
};

/* Header flag bits. */
#define K8SC__DNS_F_QR 0x8000u
#define K8SC__DNS_F_AA 0x0400u
#define K8SC__DNS_F_TC 0x0200u
#define K8SC__DNS_F_RD 0x0100u
#define K8SC__DNS_F_RA 0x0080u
#define K8SC__DNS_OPCODE(flags) (((flags) >> 11) & 0xfu)

/* A parsed query. Names are in wire form, uncompressed: as sent, and lower-cased. */
typedef struct k8sc__dns_query {
    uint16_t id;
    uint16_t flags;
    uint8_t raw_name[K8SC__DNS_MAX_NAME];
    uint8_t name[K8SC__DNS_MAX_NAME];
    size_t name_len;
    uint16_t qtype;
    uint16_t qclass;
    bool edns;
    uint8_t edns_version;
    uint16_t udp_size;
} k8sc__dns_query;

/* What parsing made of a message. */
typedef enum {
    K8SC__DNS_PARSE_OK,
    K8SC__DNS_PARSE_DROP,
    K8SC__DNS_PARSE_FORMERR,
    K8SC__DNS_PARSE_NOTIMP,
} k8sc__dns_parse_result;

/* Parse a query strictly (RFC 1035 + EDNS0); FORMERR/NOTIMP fill id and flags. */
k8sc__dns_parse_result k8sc__dns_parse_query(k8sc__dns_query *q, const uint8_t *msg, size_t len);

/*
 * Read the (possibly compressed) name at `*off` of `msg` into `out`
 * (wire form, K8SC__DNS_MAX_NAME bytes) and move `*off` past
 * it. Pointers must go strictly backwards. false when malformed.
 */
bool k8sc__dns_read_name(const uint8_t *msg, size_t len, size_t *off, uint8_t *out, size_t *out_len);

/* Text ("a.b.c", a final dot optional) to lower-case wire form; false if not a valid name. */
bool k8sc__dns_name_from_text(uint8_t *out, size_t *out_len, const char *text);

#define K8SC__DNS_MAX_PTRS 128

/* A message being written, with name compression; overflow is sticky. */
typedef struct k8sc__dns_writer {
    uint8_t *buf;
    size_t limit;
    size_t len;
    bool overflow;
    uint16_t counts[4];
    uint16_t ptrs[K8SC__DNS_MAX_PTRS];
    size_t nptrs;
} k8sc__dns_writer;

enum { K8SC__DNS_QD = 0, K8SC__DNS_AN = 1, K8SC__DNS_NS = 2, K8SC__DNS_AR = 3 };

/* Start a reply to `q` in `buf` (at most `limit` bytes): header and question. */
void k8sc__dns_writer_init(k8sc__dns_writer *w, uint8_t *buf, size_t limit, const k8sc__dns_query *q);
void k8sc__dns_put_bytes(k8sc__dns_writer *w, const void *data, size_t len);
void k8sc__dns_put_u16(k8sc__dns_writer *w, uint16_t v);
void k8sc__dns_put_u32(k8sc__dns_writer *w, uint32_t v);
/* A wire-form name, compressed against those written before. */
void k8sc__dns_put_name(k8sc__dns_writer *w, const uint8_t *name, size_t len);
/* Start a resource record of `section`; returns the offset of its RDLENGTH for k8sc__dns_rr_end. */
size_t k8sc__dns_rr_begin(k8sc__dns_writer *w, int section, const uint8_t *name, size_t name_len,
    uint16_t type, uint32_t ttl);
void k8sc__dns_rr_end(k8sc__dns_writer *w, size_t rdlen_at);
/* Write the section counts and the flags/rcode into the header; returns the length. */
size_t k8sc__dns_writer_finish(k8sc__dns_writer *w, uint16_t flags);

/* A header-only error reply (FORMERR, NOTIMP…) echoing id, opcode and RD. */
size_t k8sc__dns_error_reply(uint8_t *buf, uint16_t id, uint16_t qflags, int rcode);

/* A reply with `rcode` and the question of `query` (0 if it cannot be parsed), for failed forwards. */
size_t k8sc__dns_rcode_reply(uint8_t *reply, size_t cap, const uint8_t *query, size_t len, int rcode);

/* One upstream resolver. */
typedef struct k8sc__dns_addr {
    struct sockaddr_storage sa;
    socklen_t len;
} k8sc__dns_addr;

/* "IP", "IPv4:PORT", "[IPv6]:PORT" (port 53 when absent and `default_port`). */
int k8sc__dns_addr_parse(k8sc__dns_addr *out, const char *text, int default_port);
bool k8sc__dns_addr_equal(const k8sc__dns_addr *a, const k8sc__dns_addr *b);
/* Whether upstream `a` is the server listening on `listen` (the same address, or loopback when on every address). */
bool k8sc__dns_addr_is_self(const k8sc__dns_addr *a, const k8sc__dns_addr *listen);

/*
 * The "nameserver" lines of resolv.conf text, skipping the server
 * listening on `self` (may be NULL), into a new array `*out` of `*count` (k8sc_free). Malformed lines
 * are skipped as glibc does. Errors: ENOMEM.
 */
int k8sc__dns_resolv_parse(k8sc__dns_addr **out, size_t *count, const char *text, const k8sc__dns_addr *self);

/* Informer caches the zone is answered from (borrowed). */
typedef struct k8sc__dns_caches {
    k8sc_cache *services;
    k8sc_cache *slices;
    k8sc_cache *namespaces;
} k8sc__dns_caches;

/* Index names added to the caches by k8sc__dns_add_indexes. */
#define K8SC__DNS_INDEX_SVC_IP "dns:ip"
#define K8SC__DNS_INDEX_SLICE_SVC "dns:service"
#define K8SC__DNS_INDEX_SLICE_IP "dns:ip"

/* Add the lookups the zone needs to caches (before their informers start). */
int k8sc__dns_add_indexes(const k8sc__dns_caches *caches);

struct k8sc__dns_loop;

struct k8sc_dns {
    uint8_t domain[K8SC__DNS_MAX_NAME];
    size_t domain_len;
    uint32_t ttl;
    uint32_t serial;
    k8sc__dns_caches caches;
    k8sc__dns_addr listen;
    k8sc__dns_addr *upstreams;
    size_t upstream_count;
    int forward_timeout_ms;
    int tcp_idle_timeout_ms;
    unsigned int max_tcp_connections;
    k8sc_informer_factory *factory;
    bool own_factory;
    int port;
    bool started;
    bool stopped;
    pthread_t thread;
    struct k8sc__dns_loop *loop;
};

/*
 * A server answering from `caches` (borrowed, indexes added by the
 * caller) with no informers of its own, for the fuzzer and benchmarks.
 */
int k8sc__dns_new_with_caches(k8sc_dns **out, const k8sc__dns_caches *caches, const k8sc_dns_options *opts);

/* Fill the common fields of `dns` from `opts`. */
int k8sc__dns_configure(k8sc_dns *dns, const k8sc_dns_options *opts);

/* Outcome of a cluster-zone lookup. */
typedef enum {
    K8SC__DNS_ZONE_ANSWERED,
    K8SC__DNS_ZONE_NXDOMAIN,
    K8SC__DNS_ZONE_OUTSIDE,
} k8sc__dns_zone_result;

/*
 * Answer `q` from the cluster zone into `w` (answer section; NODATA when
 * nothing matched the type). Reverse names without a record are OUTSIDE.
 */
k8sc__dns_zone_result k8sc__dns_zone_answer(k8sc_dns *dns, const k8sc__dns_query *q, k8sc__dns_writer *w);

/* The zone's SOA into `section` of `w`. */
void k8sc__dns_put_soa(k8sc_dns *dns, k8sc__dns_writer *w, int section);

/* The serving loop: sockets, TCP connections, forwards. */
int k8sc__dns_loop_open(k8sc_dns *dns);
void *k8sc__dns_loop_run(void *arg);
void k8sc__dns_loop_wake(k8sc_dns *dns);
void k8sc__dns_loop_close(k8sc_dns *dns);

#endif
