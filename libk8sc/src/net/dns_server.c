/*
 * The serving loop: one thread, one epoll set holding the UDP socket, the
 * TCP listener, the TCP connections (RFC 7766: length-prefixed messages,
 * several per connection, answered as they complete), one socket per
 * query forwarded upstream (dns_forward.c), and an eventfd that stops it.
 */
#include "dns_loop.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* A connection whose client does not read its answers stops being read past this. */
#define MAX_TCP_BACKLOG (256 * 1024)
#define UDP_BURST 64

typedef k8sc__dns_conn conn;

int k8sc__dns_watch(struct k8sc__dns_loop *l, int op, int fd, uint32_t events, void *tag)
{
    struct epoll_event ev = { .events = events, .data.ptr = tag };
    return epoll_ctl(l->epfd, op, fd, &ev);
}

static int bind_socket(int type, const k8sc__dns_addr *addr)
{
    int fd = socket(addr->sa.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    if (type == SOCK_STREAM)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* The address may appear later: the pod bridge's comes with the node's first pod. */
    setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
    if (bind(fd, (const struct sockaddr *)&addr->sa, addr->len) < 0 || (type == SOCK_STREAM && listen(fd, 128) < 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

static int addr_port(const k8sc__dns_addr *a)
{
    const struct sockaddr_in *sin = (const void *)&a->sa;
    const struct sockaddr_in6 *sin6 = (const void *)&a->sa;
    return ntohs(a->sa.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
}

/* UDP and TCP on one port: with port 0, the UDP socket picks it and TCP follows (retrying if it is taken). */
static int bind_pair(k8sc_dns *dns, struct k8sc__dns_loop *l)
{
    for (int attempt = 0; attempt < 16; attempt++) {
        k8sc__dns_addr a = dns->listen;
        l->udp_fd = bind_socket(SOCK_DGRAM, &a);
        if (l->udp_fd < 0)
            break;
        a.len = sizeof(a.sa);
        if (getsockname(l->udp_fd, (struct sockaddr *)&a.sa, &a.len) < 0)
            break;
        l->tcp_fd = bind_socket(SOCK_STREAM, &a);
        if (l->tcp_fd >= 0) {
            dns->port = addr_port(&a);
            return 0;
        }
        int err = errno;
        close(l->udp_fd);
        l->udp_fd = -1;
        if (err != EADDRINUSE || addr_port(&dns->listen) != 0) {
            errno = err;
            break;
        }
    }
    int err = errno;
    if (l->udp_fd >= 0)
        close(l->udp_fd);
    l->udp_fd = -1;
    return k8sc_error_set(K8SC_EIO, "dns: cannot listen on port %d: %s", addr_port(&dns->listen), strerror(err));
}

int k8sc__dns_loop_open(k8sc_dns *dns)
{
    struct k8sc__dns_loop *l = k8sc__calloc(1, sizeof(*l));
    if (!l)
        return K8SC_ENOMEM;
    l->epfd = l->udp_fd = l->tcp_fd = l->wake_fd = -1;
    l->udp_tag = K8SC__DNS_EV_UDP;
    l->listen_tag = K8SC__DNS_EV_LISTEN;
    l->wake_tag = K8SC__DNS_EV_WAKE;
    dns->loop = l;
    int rc = bind_pair(dns, l);
    if (rc < 0) {
        k8sc__dns_loop_close(dns);
        return rc;
    }
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->epfd < 0 || l->wake_fd < 0 || k8sc__dns_watch(l, EPOLL_CTL_ADD, l->udp_fd, EPOLLIN, &l->udp_tag) < 0
        || k8sc__dns_watch(l, EPOLL_CTL_ADD, l->tcp_fd, EPOLLIN, &l->listen_tag) < 0
        || k8sc__dns_watch(l, EPOLL_CTL_ADD, l->wake_fd, EPOLLIN, &l->wake_tag) < 0) {
        k8sc__dns_loop_close(dns);
        return k8sc_error_set(K8SC_EIO, "dns: epoll: %s", strerror(errno));
    }
    return 0;
}

static void conn_close(struct k8sc__dns_loop *l, conn *c)
{
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        l->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    l->nconns--;
    k8sc_free(c->wbuf);
    k8sc_free(c);
}

void k8sc__dns_loop_close(k8sc_dns *dns)
{
    struct k8sc__dns_loop *l = dns->loop;
    if (!l)
        return;
    while (l->conns)
        conn_close(l, l->conns);
    while (l->fwds)
        k8sc__dns_forward_free(l, l->fwds);
    int fds[] = { l->epfd, l->udp_fd, l->tcp_fd, l->wake_fd };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(fds); i++)
        if (fds[i] >= 0)
            close(fds[i]);
    k8sc_free(l);
    dns->loop = NULL;
}

void k8sc__dns_loop_wake(k8sc_dns *dns)
{
    uint64_t one = 1;
    if (dns->loop && write(dns->loop->wake_fd, &one, sizeof(one)) < 0)
        k8sc_log(K8SC_LOG_WARN, "dns: cannot wake the serving thread: %s", strerror(errno));
}

/* Write what is queued; wait for EPOLLOUT when the socket is full. false when the connection failed. */
static bool conn_flush(struct k8sc__dns_loop *l, conn *c)
{
    while (c->woff < c->wlen) {
        ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0)
            return false;
        c->woff += (size_t)n;
    }
    if (c->woff == c->wlen)
        c->woff = c->wlen = 0;
    /* Backed up: stop reading until the client takes its answers. */
    uint32_t ev = c->wlen == 0 ? EPOLLIN : c->wlen > MAX_TCP_BACKLOG ? EPOLLOUT : EPOLLIN | EPOLLOUT;
    if (ev != c->events && k8sc__dns_watch(l, EPOLL_CTL_MOD, c->fd, ev, c) < 0)
        return false;
    c->events = ev;
    return true;
}

static bool conn_queue(conn *c, const uint8_t *msg, size_t len)
{
    if (c->wlen + 2 + len > c->wcap) {
        size_t cap = c->wcap ? c->wcap : 1024;
        while (cap < c->wlen + 2 + len)
            cap *= 2;
        uint8_t *b = k8sc__realloc(c->wbuf, cap);
        if (!b)
            return false;
        c->wbuf = b;
        c->wcap = cap;
    }
    c->wbuf[c->wlen] = (uint8_t)(len >> 8);
    c->wbuf[c->wlen + 1] = (uint8_t)len;
    memcpy(c->wbuf + c->wlen + 2, msg, len);
    c->wlen += 2 + len;
    return true;
}

static conn *conn_find(struct k8sc__dns_loop *l, uint64_t id)
{
    for (conn *c = l->conns; c; c = c->next)
        if (c->id == id)
            return c;
    return NULL;
}

void k8sc__dns_reply_to(k8sc_dns *dns, bool tcp, uint64_t conn_id, const k8sc__dns_addr *client, const uint8_t *msg,
    size_t len)
{
    struct k8sc__dns_loop *l = dns->loop;
    if (!tcp) {
        sendto(l->udp_fd, msg, len, MSG_NOSIGNAL, (const struct sockaddr *)&client->sa, client->len);
        return;
    }
    conn *c = conn_find(l, conn_id);
    if (c && !c->dead && (!conn_queue(c, msg, len) || !conn_flush(l, c)))
        c->dead = true;
}

static void handle_udp(k8sc_dns *dns)
{
    struct k8sc__dns_loop *l = dns->loop;
    for (int i = 0; i < UDP_BURST; i++) {
        k8sc__dns_addr src;
        src.len = sizeof(src.sa);
        ssize_t n = recvfrom(l->udp_fd, l->in, sizeof(l->in), 0, (struct sockaddr *)&src.sa, &src.len);
        if (n < 0)
            return;
        k8sc_dns_action act;
        size_t len = 0;
        if (k8sc_dns_handle(&act, &len, dns, l->in, (size_t)n, l->out, sizeof(l->out), false) < 0)
            continue;
        if (act == K8SC_DNS_ANSWER)
            sendto(l->udp_fd, l->out, len, MSG_NOSIGNAL, (struct sockaddr *)&src.sa, src.len);
        else if (act == K8SC_DNS_FORWARD)
            k8sc__dns_forward_start(dns, l->in, (size_t)n, false, 0, &src);
    }
}

static void handle_accept(k8sc_dns *dns)
{
    struct k8sc__dns_loop *l = dns->loop;
    for (;;) {
        int fd = accept4(l->tcp_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        conn *c = l->nconns < dns->max_tcp_connections ? k8sc__calloc(1, sizeof(*c)) : NULL;
        if (!c) {
            close(fd);
            continue;
        }
        c->kind = K8SC__DNS_EV_CONN;
        c->fd = fd;
        c->id = ++l->next_conn_id;
        c->deadline = k8sc__mono_ms() + dns->tcp_idle_timeout_ms;
        c->events = EPOLLIN;
        if (k8sc__dns_watch(l, EPOLL_CTL_ADD, fd, EPOLLIN, c) < 0) {
            close(fd);
            k8sc_free(c);
            continue;
        }
        c->next = l->conns;
        if (l->conns)
            l->conns->prev = c;
        l->conns = c;
        l->nconns++;
    }
}

/* Answer every complete message in the read buffer while the client keeps up. false: close. */
static bool conn_process(k8sc_dns *dns, conn *c)
{
    struct k8sc__dns_loop *l = dns->loop;
    size_t off = 0;
    while (c->rlen - off >= 2 && c->wlen <= MAX_TCP_BACKLOG) {
        size_t mlen = ((size_t)c->rbuf[off] << 8) | c->rbuf[off + 1];
        if (mlen < K8SC__DNS_HEADER) {
            /* Not DNS: answer what came before, then hang up. */
            conn_flush(l, c);
            return false;
        }
        if (c->rlen - off < 2 + mlen)
            break;
        const uint8_t *msg = c->rbuf + off + 2;
        off += 2 + mlen;
        c->deadline = k8sc__mono_ms() + dns->tcp_idle_timeout_ms;
        k8sc_dns_action act;
        size_t len = 0;
        if (k8sc_dns_handle(&act, &len, dns, msg, mlen, l->out, sizeof(l->out), true) < 0)
            continue;
        if (act == K8SC_DNS_ANSWER && !conn_queue(c, l->out, len))
            return false;
        if (act == K8SC_DNS_FORWARD)
            k8sc__dns_forward_start(dns, msg, mlen, true, c->id, NULL);
    }
    memmove(c->rbuf, c->rbuf + off, c->rlen - off);
    c->rlen -= off;
    return conn_flush(l, c);
}

static void conn_event(k8sc_dns *dns, conn *c, uint32_t events)
{
    bool ok = !c->dead, eof = false;
    if (ok && (events & EPOLLIN) && c->rlen < sizeof(c->rbuf)) {
        ssize_t n = recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, 0);
        if (n == 0)
            eof = true;
        else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            ok = false;
        else if (n > 0)
            c->rlen += (size_t)n;
    }
    if (events & (EPOLLERR | EPOLLHUP))
        ok = false;
    if (ok)
        ok = conn_process(dns, c);
    /* A client that closed its side gets what could be answered at once, then the connection ends. */
    if (!ok || eof || c->dead)
        conn_close(dns->loop, c);
}

/* Idle connections and forwards past their deadline; the next deadline for epoll_wait. */
static int expire(k8sc_dns *dns)
{
    struct k8sc__dns_loop *l = dns->loop;
    int64_t now = k8sc__mono_ms(), next = INT64_MAX;
    for (conn *c = l->conns, *nx; c; c = nx) {
        nx = c->next;
        if (c->dead || c->deadline <= now)
            conn_close(l, c);
        else if (c->deadline < next)
            next = c->deadline;
    }
    k8sc__dns_forward_expire(dns, now, &next);
    if (next == INT64_MAX)
        return -1;
    return next - now > 60000 ? 60000 : (int)(next - now);
}

void *k8sc__dns_loop_run(void *arg)
{
    k8sc_dns *dns = arg;
    struct k8sc__dns_loop *l = dns->loop;
    struct epoll_event evs[64];
    for (;;) {
        int timeout = expire(dns);
        int n = epoll_wait(l->epfd, evs, 64, timeout);
        if (n < 0 && errno != EINTR) {
            k8sc_log(K8SC_LOG_ERROR, "dns: epoll_wait: %s", strerror(errno));
            return NULL;
        }
        for (int i = 0; i < n; i++) {
            k8sc__dns_ev kind = *(k8sc__dns_ev *)evs[i].data.ptr;
            switch (kind) {
            case K8SC__DNS_EV_WAKE:
                return NULL;
            case K8SC__DNS_EV_UDP:
                handle_udp(dns);
                break;
            case K8SC__DNS_EV_LISTEN:
                handle_accept(dns);
                break;
            case K8SC__DNS_EV_CONN:
                conn_event(dns, evs[i].data.ptr, evs[i].events);
                break;
            case K8SC__DNS_EV_FWD:
                k8sc__dns_forward_event(dns, evs[i].data.ptr);
                break;
            }
        }
    }
}
