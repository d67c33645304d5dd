/*
 * Names outside the cluster zone, relayed to the upstream resolvers in
 * order: a fresh socket and random id per try (a spoofed reply must guess
 * both), the same transport the client used (as CoreDNS's forward plugin
 * does, so that a TCP client gets answers too big for UDP), the next
 * upstream on timeout or error, SERVFAIL when none is left; the reply
 * goes back with the client's id.
 */
#include "dns_loop.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>

#define MAX_FORWARDS 1024

void k8sc__dns_forward_free(struct k8sc__dns_loop *l, k8sc__dns_fwd *f)
{
    if (f->fd >= 0)
        close(f->fd);
    if (f->prev)
        f->prev->next = f->next;
    else
        l->fwds = f->next;
    if (f->next)
        f->next->prev = f->prev;
    l->nfwds--;
    k8sc_free(f->msg);
    k8sc_free(f->rbuf);
    k8sc_free(f);
}

static void fail(k8sc_dns *dns, k8sc__dns_fwd *f)
{
    struct k8sc__dns_loop *l = dns->loop;
    f->msg[2] = (uint8_t)(f->client_id >> 8);
    f->msg[3] = (uint8_t)f->client_id;
    size_t n = k8sc__dns_rcode_reply(l->out, sizeof(l->out), f->msg + 2, f->len, K8SC__DNS_SERVFAIL);
    if (n > 0)
        k8sc__dns_reply_to(dns, f->tcp, f->conn_id, &f->client, l->out, n);
    k8sc__dns_forward_free(l, f);
}

/* Start a try with upstream f->upstream or the ones after it; false when none is left. */
static bool try_next(k8sc_dns *dns, k8sc__dns_fwd *f)
{
    struct k8sc__dns_loop *l = dns->loop;
    for (; f->upstream < dns->upstream_count; f->upstream++) {
        if (f->fd >= 0)
            close(f->fd);
        f->fd = -1;
        f->sent = f->rlen = 0;
        const k8sc__dns_addr *up = &dns->upstreams[f->upstream];
        if (getrandom(&f->upstream_id, sizeof(f->upstream_id), 0) != (ssize_t)sizeof(f->upstream_id))
            f->upstream_id = (uint16_t)(k8sc__mono_ms() ^ (int64_t)f->upstream * 7919);
        f->msg[2] = (uint8_t)(f->upstream_id >> 8);
        f->msg[3] = (uint8_t)f->upstream_id;
        f->fd = socket(up->sa.ss_family, (f->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (f->fd < 0)
            continue;
        int rc = connect(f->fd, (const struct sockaddr *)&up->sa, up->len);
        if (f->tcp) {
            /* The query is written once connected (EPOLLOUT). */
            if ((rc < 0 && errno != EINPROGRESS) || k8sc__dns_watch(l, EPOLL_CTL_ADD, f->fd, EPOLLOUT, f) < 0)
                continue;
        } else if (rc < 0 || send(f->fd, f->msg + 2, f->len, MSG_NOSIGNAL) != (ssize_t)f->len
            || k8sc__dns_watch(l, EPOLL_CTL_ADD, f->fd, EPOLLIN, f) < 0) {
            continue;
        }
        f->deadline = k8sc__mono_ms() + dns->forward_timeout_ms;
        return true;
    }
    return false;
}

static void give_up_on_upstream(k8sc_dns *dns, k8sc__dns_fwd *f)
{
    f->upstream++;
    if (!try_next(dns, f))
        fail(dns, f);
}

void k8sc__dns_forward_start(k8sc_dns *dns, const uint8_t *query, size_t len, bool tcp, uint64_t conn_id,
    const k8sc__dns_addr *client)
{
    struct k8sc__dns_loop *l = dns->loop;
    k8sc__dns_fwd *f = l->nfwds < MAX_FORWARDS ? k8sc__calloc(1, sizeof(*f)) : NULL;
    uint8_t *msg = f ? k8sc__malloc(len + 2) : NULL;
    if (!msg) {
        k8sc_free(f);
        size_t n = k8sc__dns_rcode_reply(l->out, sizeof(l->out), query, len, K8SC__DNS_SERVFAIL);
        if (n > 0)
            k8sc__dns_reply_to(dns, tcp, conn_id, client, l->out, n);
        return;
    }
    msg[0] = (uint8_t)(len >> 8);
    msg[1] = (uint8_t)len;
    memcpy(msg + 2, query, len);
    f->kind = K8SC__DNS_EV_FWD;
    f->fd = -1;
    f->client_id = (uint16_t)((query[0] << 8) | query[1]);
    f->msg = msg;
    f->len = len;
    f->tcp = tcp;
    f->conn_id = conn_id;
    if (client)
        f->client = *client;
    f->next = l->fwds;
    if (l->fwds)
        l->fwds->prev = f;
    l->fwds = f;
    l->nfwds++;
    if (!try_next(dns, f))
        fail(dns, f);
}

/* A reply to this try: the right id, a response. */
static bool is_reply(const k8sc__dns_fwd *f, const uint8_t *msg, size_t len)
{
    return len >= K8SC__DNS_HEADER && len <= K8SC__DNS_MAX_MSG && ((msg[0] << 8) | msg[1]) == f->upstream_id
        && (msg[2] & 0x80);
}

static void deliver(k8sc_dns *dns, k8sc__dns_fwd *f, uint8_t *msg, size_t len)
{
    msg[0] = (uint8_t)(f->client_id >> 8);
    msg[1] = (uint8_t)f->client_id;
    k8sc__dns_reply_to(dns, f->tcp, f->conn_id, &f->client, msg, len);
    k8sc__dns_forward_free(dns->loop, f);
}

static void udp_event(k8sc_dns *dns, k8sc__dns_fwd *f)
{
    struct k8sc__dns_loop *l = dns->loop;
    for (;;) {
        ssize_t n = recv(f->fd, l->in, sizeof(l->in), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0) {
            /* ICMP unreachable on the connected socket: this upstream is down. */
            give_up_on_upstream(dns, f);
            return;
        }
        if (is_reply(f, l->in, (size_t)n)) {
            deliver(dns, f, l->in, (size_t)n);
            return;
        }
    }
}

static void tcp_event(k8sc_dns *dns, k8sc__dns_fwd *f)
{
    if (f->sent < f->len + 2) {
        ssize_t n = send(f->fd, f->msg + f->sent, f->len + 2 - f->sent, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        if (n <= 0) {
            give_up_on_upstream(dns, f);
            return;
        }
        f->sent += (size_t)n;
        if (f->sent == f->len + 2 && k8sc__dns_watch(dns->loop, EPOLL_CTL_MOD, f->fd, EPOLLIN, f) < 0)
            give_up_on_upstream(dns, f);
        return;
    }
    if (!f->rbuf && !(f->rbuf = k8sc__malloc(2 + K8SC__DNS_MAX_MSG))) {
        fail(dns, f);
        return;
    }
    ssize_t n = recv(f->fd, f->rbuf + f->rlen, 2 + K8SC__DNS_MAX_MSG - f->rlen, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        give_up_on_upstream(dns, f);
        return;
    }
    f->rlen += (size_t)n;
    if (f->rlen < 2)
        return;
    size_t mlen = ((size_t)f->rbuf[0] << 8) | f->rbuf[1];
    if (f->rlen < 2 + mlen)
        return;
    if (is_reply(f, f->rbuf + 2, mlen))
        deliver(dns, f, f->rbuf + 2, mlen);
    else
        give_up_on_upstream(dns, f);
}

void k8sc__dns_forward_event(k8sc_dns *dns, k8sc__dns_fwd *f)
{
    if (f->tcp)
        tcp_event(dns, f);
    else
        udp_event(dns, f);
}

void k8sc__dns_forward_expire(k8sc_dns *dns, int64_t now, int64_t *next)
{
    for (k8sc__dns_fwd *f = dns->loop->fwds, *nx; f; f = nx) {
        nx = f->next;
        if (f->deadline <= now) {
            f->upstream++;
            if (!try_next(dns, f)) {
                fail(dns, f);
                continue;
            }
        }
        if (f->deadline < *next)
            *next = f->deadline;
    }
}
