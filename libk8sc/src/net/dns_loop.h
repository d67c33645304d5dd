/* The serving loop's state, shared by the server (dns_server.c) and upstream forwarding (dns_forward.c). */
#ifndef K8SC_NET_DNS_LOOP_H
#define K8SC_NET_DNS_LOOP_H

#include "dns_internal.h"

#include <stdint.h>

/* What an epoll registration points at: the first member of each registered thing. */
typedef enum { K8SC__DNS_EV_UDP, K8SC__DNS_EV_LISTEN, K8SC__DNS_EV_WAKE, K8SC__DNS_EV_CONN, K8SC__DNS_EV_FWD } k8sc__dns_ev;

/* A client's TCP connection. */
typedef struct k8sc__dns_conn {
    k8sc__dns_ev kind;
    int fd;
    uint64_t id;
    uint8_t rbuf[2 + K8SC__DNS_MAX_MSG];
    size_t rlen;
    uint8_t *wbuf;
    size_t wlen, woff, wcap;
    int64_t deadline;
    uint32_t events;
    /* Failed while another event was handled: closed after this round of events. */
    bool dead;
    struct k8sc__dns_conn *prev, *next;
} k8sc__dns_conn;

/* A query relayed upstream, over UDP, or over TCP when the client came over TCP. */
typedef struct k8sc__dns_fwd {
    k8sc__dns_ev kind;
    int fd;
    uint16_t client_id;
    uint16_t upstream_id;
    /* The query behind its 2-byte TCP length; the id is rewritten for each try. */
    uint8_t *msg;
    size_t len;
    size_t upstream;
    int64_t deadline;
    bool tcp;
    size_t sent;
    uint8_t *rbuf;
    size_t rlen;
    uint64_t conn_id;
    k8sc__dns_addr client;
    struct k8sc__dns_fwd *prev, *next;
} k8sc__dns_fwd;

struct k8sc__dns_loop {
    int epfd, udp_fd, tcp_fd, wake_fd;
    k8sc__dns_ev udp_tag, listen_tag, wake_tag;
    k8sc__dns_conn *conns;
    size_t nconns;
    uint64_t next_conn_id;
    k8sc__dns_fwd *fwds;
    size_t nfwds;
    uint8_t in[K8SC__DNS_MAX_MSG + 1];
    uint8_t out[K8SC__DNS_MAX_MSG];
};

int k8sc__dns_watch(struct k8sc__dns_loop *l, int op, int fd, uint32_t events, void *tag);

/* Send `msg` to a UDP client or queue it on TCP connection `conn_id` (gone: dropped). */
void k8sc__dns_reply_to(k8sc_dns *dns, bool tcp, uint64_t conn_id, const k8sc__dns_addr *client, const uint8_t *msg,
    size_t len);

/* Relay `query` to the upstreams; SERVFAIL to the client when none answers in time. */
void k8sc__dns_forward_start(k8sc_dns *dns, const uint8_t *query, size_t len, bool tcp, uint64_t conn_id,
    const k8sc__dns_addr *client);
/* The upstream socket of `f` is ready. */
void k8sc__dns_forward_event(k8sc_dns *dns, k8sc__dns_fwd *f);
/* Move forwards past their deadline to the next upstream; the earliest deadline left into *next. */
void k8sc__dns_forward_expire(k8sc_dns *dns, int64_t now, int64_t *next);
void k8sc__dns_forward_free(struct k8sc__dns_loop *l, k8sc__dns_fwd *f);

#endif
