/* One DNS message in, one reply out: validation, the cluster zone, negative answers, EDNS0 and truncation. */
#include "dns_internal.h"

/* Room kept at the end of a reply to an EDNS0 query for our OPT record. */
#define OPT_SIZE 11
#define UDP_MAX 65507u

static void put_opt(k8sc__dns_writer *w, int ext_rcode)
{
    w->limit += OPT_SIZE;
    uint8_t root = 0;
    k8sc__dns_put_bytes(w, &root, 1);
    k8sc__dns_put_u16(w, K8SC__DNS_T_OPT);
    k8sc__dns_put_u16(w, K8SC__DNS_EDNS_SIZE);
    k8sc__dns_put_u32(w, (uint32_t)(ext_rcode >> 4) << 24);
    k8sc__dns_put_u16(w, 0);
    w->counts[K8SC__DNS_AR]++;
}

/* A reply carrying only the question (and OPT): errors, REFUSED, truncation. */
static size_t bare_reply(uint8_t *reply, size_t limit, const k8sc__dns_query *q, uint16_t flags, int rcode)
{
    k8sc__dns_writer w;
    k8sc__dns_writer_init(&w, reply, limit - (q->edns ? OPT_SIZE : 0), q);
    if (q->edns)
        put_opt(&w, rcode);
    return k8sc__dns_writer_finish(&w, (uint16_t)(flags | (rcode & 0xf)));
}

int k8sc_dns_handle(k8sc_dns_action *out, size_t *reply_len, k8sc_dns *dns, const uint8_t *query, size_t len,
    uint8_t *reply, size_t cap, bool tcp)
{
    K8SC__CHECK_ARG(out && reply_len && dns && (query || len == 0) && reply && cap >= 512);
    *out = K8SC_DNS_DROP;
    *reply_len = 0;
    k8sc__dns_query q;
    switch (k8sc__dns_parse_query(&q, query, len)) {
    case K8SC__DNS_PARSE_DROP:
        return 0;
    case K8SC__DNS_PARSE_FORMERR:
        *out = K8SC_DNS_ANSWER;
        *reply_len = k8sc__dns_error_reply(reply, q.id, q.flags, K8SC__DNS_FORMERR);
        return 0;
    case K8SC__DNS_PARSE_NOTIMP:
        *out = K8SC_DNS_ANSWER;
        *reply_len = k8sc__dns_error_reply(reply, q.id, q.flags, K8SC__DNS_NOTIMP);
        return 0;
    case K8SC__DNS_PARSE_OK:
        break;
    }
    size_t limit = cap < K8SC__DNS_MAX_MSG ? cap : K8SC__DNS_MAX_MSG;
    /* Over UDP: what the client advertised, and never more than an IPv4 datagram carries. */
    size_t udp_limit = q.edns ? (q.udp_size < UDP_MAX ? q.udp_size : UDP_MAX) : 512u;
    if (!tcp && limit > udp_limit)
        limit = udp_limit;
    uint16_t flags = (uint16_t)(K8SC__DNS_F_QR | (q.flags & K8SC__DNS_F_RD) | (dns->upstream_count ? K8SC__DNS_F_RA : 0));
    *out = K8SC_DNS_ANSWER;
    if (q.edns && q.edns_version != 0) {
        *reply_len = bare_reply(reply, limit, &q, flags, K8SC__DNS_BADVERS);
        return 0;
    }
    if ((q.qclass != K8SC__DNS_C_IN && q.qclass != K8SC__DNS_C_ANY) || q.qtype == K8SC__DNS_T_AXFR
        || q.qtype == K8SC__DNS_T_IXFR) {
        *reply_len = bare_reply(reply, limit, &q, flags, K8SC__DNS_REFUSED);
        return 0;
    }
    k8sc__dns_writer w;
    k8sc__dns_writer_init(&w, reply, limit - (q.edns ? OPT_SIZE : 0), &q);
    k8sc__dns_zone_result r = k8sc__dns_zone_answer(dns, &q, &w);
    if (r == K8SC__DNS_ZONE_OUTSIDE) {
        if (dns->upstream_count) {
            *out = K8SC_DNS_FORWARD;
            return 0;
        }
        *reply_len = bare_reply(reply, limit, &q, flags, K8SC__DNS_REFUSED);
        return 0;
    }
    int rcode = r == K8SC__DNS_ZONE_NXDOMAIN ? K8SC__DNS_NXDOMAIN : K8SC__DNS_NOERROR;
    flags |= K8SC__DNS_F_AA;
    if (w.counts[K8SC__DNS_AN] == 0)
        k8sc__dns_put_soa(dns, &w, K8SC__DNS_NS);
    if (w.overflow) {
        /* The client asks again over TCP (RFC 2181 9: a truncated answer is not used). */
        *reply_len = bare_reply(reply, limit, &q, (uint16_t)(flags | K8SC__DNS_F_TC), rcode);
        return 0;
    }
    if (q.edns)
        put_opt(&w, rcode);
    *reply_len = k8sc__dns_writer_finish(&w, (uint16_t)(flags | rcode));
    return 0;
}

size_t k8sc__dns_rcode_reply(uint8_t *reply, size_t cap, const uint8_t *query, size_t len, int rcode)
{
    k8sc__dns_query q;
    if (cap < 512 || k8sc__dns_parse_query(&q, query, len) != K8SC__DNS_PARSE_OK)
        return 0;
    /* The question and an OPT always fit in 512 bytes. */
    uint16_t flags = (uint16_t)(K8SC__DNS_F_QR | K8SC__DNS_F_RA | (q.flags & K8SC__DNS_F_RD));
    return bare_reply(reply, 512, &q, flags, rcode);
}
