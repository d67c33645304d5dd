/*
 * The userspace relays (kube-proxy's old pkg/proxy/userspace): one
 * listener per Service port on a random port of the node, and one epoll
 * thread that relays TCP connections (bounded buffers, half-close passed
 * on) and UDP datagrams (a socket per client, dropped when idle) to the
 * port's ready endpoints, round robin, sticking to one endpoint per
 * client IP with ClientIP affinity. A TCP endpoint that refuses is
 * skipped for the next. All relay state belongs to the thread; the sync
 * thread hands it a model and waits until it is applied.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/proxy_internal.h"

#define RELAY_BUF (64 * 1024)
#define UDP_MAX 65535

enum { H_NONE, H_WAKE, H_LISTEN, H_CLIENT, H_BACKEND, H_UDP };

typedef struct handle {
    int kind;
    void *owner;
} handle;

typedef struct svcport svcport;

typedef struct affinity {
    uint32_t client;
    char *ip;
    int port;
    int64_t last_ns;
} affinity;

/* One TCP connection: client <-> backend, a bounded buffer per direction. */
typedef struct conn {
    handle ch, bh;
    int cfd, bfd;
    uint32_t cmask, bmask; /* current epoll interest; 0: not registered */
    svcport *sp;
    uint32_t client;
    bool connecting;
    size_t tries, ep;
    char *up, *down; /* client->backend, backend->client */
    size_t up_len, down_len;
    bool c_eof, b_eof;   /* read side finished */
    bool b_shut, c_shut; /* write side shut */
    struct conn *prev, *next;
} conn;

/* One UDP client of a port: its own socket connected to the chosen endpoint. */
typedef struct usess {
    handle h;
    int fd;
    svcport *sp;
    struct sockaddr_in client;
    int64_t last_ns;
    struct usess *next;
} usess;

struct svcport {
    handle h;
    char *key;
    bool udp;
    int fd;
    int port;
    k8sc__proxy_endpoint *eps;
    size_t n_eps;
    size_t rr;
    int affinity_s;
    affinity *aff;
    size_t n_aff;
    usess *sessions;
    bool keep;
    svcport *next;
};

struct k8sc__relay {
    int epfd, wakefd;
    handle wake;
    int udp_idle_ms;
    pthread_t thread;
    bool running;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop;
    k8sc__proxy_model *pending; /* set by update, cleared by the thread */
    svcport *ports;
    conn *conns;
    handle *dropped[2]; /* handles of what the current event freed, compared but never read */
};

static int64_t now_ns(void)
{
    return k8sc_clock_mono(NULL);
}

static void eps_free(k8sc__proxy_endpoint *eps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        k8sc_free(eps[i].ip);
    k8sc_free(eps);
}

/*
 * Close a watched socket. The explicit EPOLL_CTL_DEL matters: a child
 * being spawned (iptables) holds every descriptor until it execs, and an
 * epoll registration lives as long as the open file does.
 */
static void unwatch_close(k8sc__relay *r, int fd)
{
    epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
}

static void conn_close(k8sc__relay *r, conn *c)
{
    if (c->cfd >= 0)
        unwatch_close(r, c->cfd);
    if (c->bfd >= 0)
        unwatch_close(r, c->bfd);
    if (c->prev)
        c->prev->next = c->next;
    else
        r->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    k8sc_free(c->up);
    k8sc_free(c->down);
    r->dropped[0] = &c->ch;
    r->dropped[1] = &c->bh;
    k8sc_free(c);
}

static void sess_close(k8sc__relay *r, usess *s)
{
    unwatch_close(r, s->fd);
    k8sc_free(s);
}

static void port_free(k8sc__relay *r, svcport *sp)
{
    for (conn *c = r->conns, *next; c; c = next) {
        next = c->next;
        if (c->sp == sp)
            conn_close(r, c);
    }
    for (usess *s = sp->sessions, *next; s; s = next) {
        next = s->next;
        sess_close(r, s);
    }
    if (sp->fd >= 0)
        unwatch_close(r, sp->fd);
    for (size_t i = 0; i < sp->n_aff; i++)
        k8sc_free(sp->aff[i].ip);
    k8sc_free(sp->aff);
    eps_free(sp->eps, sp->n_eps);
    k8sc_free(sp->key);
    k8sc_free(sp);
}

/* The endpoint index for a new flow of `client`: its affinity if still an endpoint, else round robin. */
static size_t pick(svcport *sp, uint32_t client)
{
    int64_t now = now_ns();
    if (sp->affinity_s)
        for (size_t i = 0; i < sp->n_aff; i++) {
            affinity *a = &sp->aff[i];
            if (a->client != client)
                continue;
            if (now - a->last_ns <= (int64_t)sp->affinity_s * 1000000000)
                for (size_t e = 0; e < sp->n_eps; e++)
                    if (sp->eps[e].port == a->port && strcmp(sp->eps[e].ip, a->ip) == 0) {
                        a->last_ns = now;
                        return e;
                    }
            break;
        }
    return sp->rr++ % sp->n_eps;
}

/* Remember that `client` went to endpoint `e`. */
static void stick(svcport *sp, uint32_t client, size_t e)
{
    if (!sp->affinity_s)
        return;
    affinity *a = NULL, *expired = NULL;
    int64_t now = now_ns();
    for (size_t i = 0; i < sp->n_aff && !a; i++) {
        if (sp->aff[i].client == client)
            a = &sp->aff[i];
        else if (now - sp->aff[i].last_ns > (int64_t)sp->affinity_s * 1000000000)
            expired = &sp->aff[i];
    }
    /* A client whose affinity expired leaves its slot to the next, so the table stays bounded by live clients. */
    if (!a && expired) {
        a = expired;
        a->client = client;
    }
    if (!a) {
        affinity *grown = k8sc__realloc(sp->aff, (sp->n_aff + 1) * sizeof(*grown));
        if (!grown)
            return;
        sp->aff = grown;
        a = &sp->aff[sp->n_aff++];
        *a = (affinity){ client, NULL, 0, 0 };
    }
    char *ip = k8sc__strdup(sp->eps[e].ip);
    if (!ip)
        return;
    k8sc_free(a->ip);
    a->ip = ip;
    a->port = sp->eps[e].port;
    a->last_ns = now;
}

static int connect_to(const k8sc__proxy_endpoint *ep, int type)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)ep->port) };
    if (inet_pton(AF_INET, ep->ip, &sa.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

static void set_interest(k8sc__relay *r, int fd, handle *h, uint32_t *cur, uint32_t want)
{
    if (want == *cur)
        return;
    struct epoll_event ev = { .events = want, .data.ptr = h };
    if (want == 0)
        epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
    else
        epoll_ctl(r->epfd, *cur ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
    *cur = want;
}

/* Start connecting `c` to the next endpoint that accepts a socket; false when none is left. */
static bool conn_dial(k8sc__relay *r, conn *c)
{
    svcport *sp = c->sp;
    while (c->tries < sp->n_eps) {
        size_t e = c->tries == 0 ? pick(sp, c->client) : (c->ep + 1) % sp->n_eps;
        c->tries++;
        c->ep = e;
        if (c->bfd >= 0) {
            unwatch_close(r, c->bfd);
            c->bmask = 0;
        }
        c->bfd = connect_to(&sp->eps[e], SOCK_STREAM);
        if (c->bfd >= 0) {
            c->connecting = true;
            stick(sp, c->client, e);
            return true;
        }
    }
    return false;
}

/* Move what can move between the two sockets; false when the connection is finished. */
static bool conn_pump(conn *c)
{
    if (!c->c_eof && c->up_len < RELAY_BUF) {
        ssize_t n = recv(c->cfd, c->up + c->up_len, RELAY_BUF - c->up_len, 0);
        if (n > 0)
            c->up_len += (size_t)n;
        else if (n == 0)
            c->c_eof = true;
        else if (errno != EAGAIN && errno != EINTR)
            return false;
    }
    if (!c->connecting && !c->b_eof && c->down_len < RELAY_BUF) {
        ssize_t n = recv(c->bfd, c->down + c->down_len, RELAY_BUF - c->down_len, 0);
        if (n > 0)
            c->down_len += (size_t)n;
        else if (n == 0)
            c->b_eof = true;
        else if (errno != EAGAIN && errno != EINTR)
            return false;
    }
    if (!c->connecting && c->up_len) {
        ssize_t n = send(c->bfd, c->up, c->up_len, MSG_NOSIGNAL);
        if (n > 0) {
            memmove(c->up, c->up + n, c->up_len - (size_t)n);
            c->up_len -= (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return false;
        }
    }
    if (c->down_len) {
        ssize_t n = send(c->cfd, c->down, c->down_len, MSG_NOSIGNAL);
        if (n > 0) {
            memmove(c->down, c->down + n, c->down_len - (size_t)n);
            c->down_len -= (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return false;
        }
    }
    /* Half-close: a side's FIN is passed on once what it sent has been delivered. */
    if (!c->connecting && c->c_eof && !c->up_len && !c->b_shut) {
        shutdown(c->bfd, SHUT_WR);
        c->b_shut = true;
    }
    if (c->b_eof && !c->down_len && !c->c_shut) {
        shutdown(c->cfd, SHUT_WR);
        c->c_shut = true;
    }
    return !(c->b_shut && c->c_shut);
}

static void conn_event(k8sc__relay *r, conn *c, bool backend, uint32_t events)
{
    if (backend && c->connecting) {
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(c->bfd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        if (err == 0 && (events & EPOLLOUT)) {
            c->connecting = false;
        } else if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
            if (!conn_dial(r, c)) {
                conn_close(r, c);
                return;
            }
        }
    }
    if (!conn_pump(c)) {
        conn_close(r, c);
        return;
    }
    uint32_t cw = (!c->c_eof && c->up_len < RELAY_BUF ? EPOLLIN : 0) | (c->down_len ? EPOLLOUT : 0);
    uint32_t bw = c->connecting ? EPOLLOUT
                                : (!c->b_eof && c->down_len < RELAY_BUF ? EPOLLIN : 0) | (c->up_len ? EPOLLOUT : 0);
    set_interest(r, c->cfd, &c->ch, &c->cmask, cw);
    set_interest(r, c->bfd, &c->bh, &c->bmask, bw);
}

static void tcp_accept(k8sc__relay *r, svcport *sp)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = accept4(sp->fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (sp->n_eps == 0) {
        close(fd);
        return;
    }
    conn *c = k8sc__calloc(1, sizeof(*c));
    if (c) {
        c->up = k8sc__malloc(RELAY_BUF);
        c->down = k8sc__malloc(RELAY_BUF);
    }
    if (!c || !c->up || !c->down) {
        if (c) {
            k8sc_free(c->up);
            k8sc_free(c->down);
        }
        k8sc_free(c);
        close(fd);
        return;
    }
    c->ch = (handle){ H_CLIENT, c };
    c->bh = (handle){ H_BACKEND, c };
    c->cfd = fd;
    c->bfd = -1;
    c->sp = sp;
    c->client = sa.sin_addr.s_addr;
    c->next = r->conns;
    if (r->conns)
        r->conns->prev = c;
    r->conns = c;
    if (!conn_dial(r, c)) {
        conn_close(r, c);
        return;
    }
    conn_event(r, c, false, 0);
}

static void udp_drop(k8sc__relay *r, usess *s)
{
    usess **pp = &s->sp->sessions;
    while (*pp != s)
        pp = &(*pp)->next;
    *pp = s->next;
    r->dropped[0] = &s->h;
    sess_close(r, s);
}

static void udp_from_client(k8sc__relay *r, svcport *sp, char *buf)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    ssize_t n = recvfrom(sp->fd, buf, UDP_MAX, 0, (struct sockaddr *)&sa, &len);
    if (n < 0 || sp->n_eps == 0)
        return;
    usess *s = sp->sessions;
    while (s && !(s->client.sin_addr.s_addr == sa.sin_addr.s_addr && s->client.sin_port == sa.sin_port))
        s = s->next;
    if (!s) {
        size_t e = pick(sp, sa.sin_addr.s_addr);
        int fd = connect_to(&sp->eps[e], SOCK_DGRAM);
        if (fd < 0)
            return;
        s = k8sc__calloc(1, sizeof(*s));
        struct epoll_event ev = { .events = EPOLLIN };
        if (s) {
            s->h = (handle){ H_UDP, s };
            ev.data.ptr = &s->h;
        }
        if (!s || epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
            k8sc_free(s);
            return;
        }
        s->fd = fd;
        s->sp = sp;
        s->client = sa;
        s->next = sp->sessions;
        sp->sessions = s;
        stick(sp, sa.sin_addr.s_addr, e);
    }
    s->last_ns = now_ns();
    if (send(s->fd, buf, (size_t)n, 0) < 0 && errno != EAGAIN)
        udp_drop(r, s);
}

static void udp_from_backend(k8sc__relay *r, usess *s, char *buf)
{
    ssize_t n = recv(s->fd, buf, UDP_MAX, 0);
    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR)
            udp_drop(r, s);
        return;
    }
    s->last_ns = now_ns();
    sendto(s->sp->fd, buf, (size_t)n, 0, (struct sockaddr *)&s->client, sizeof(s->client));
}

/* Drop idle UDP sessions; the ms until the next one expires (-1: none). */
static int udp_sweep(k8sc__relay *r)
{
    int64_t now = now_ns(), idle = (int64_t)r->udp_idle_ms * 1000000, next = -1;
    for (svcport *sp = r->ports; sp; sp = sp->next)
        for (usess *s = sp->sessions, *nx; s; s = nx) {
            nx = s->next;
            int64_t left = s->last_ns + idle - now;
            if (left <= 0)
                udp_drop(r, s);
            else if (next < 0 || left < next)
                next = left;
        }
    return next < 0 ? -1 : (int)(next / 1000000 + 1);
}

static svcport *port_open(k8sc__relay *r, const char *key, bool udp)
{
    svcport *sp = k8sc__calloc(1, sizeof(*sp));
    if (!sp)
        return NULL;
    sp->h = (handle){ H_LISTEN, sp };
    sp->udp = udp;
    sp->key = k8sc__strdup(key);
    sp->fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
    socklen_t len = sizeof(sa);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &sp->h };
    if (!sp->key || sp->fd < 0 || bind(sp->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0
        || (!udp && listen(sp->fd, 128) != 0) || getsockname(sp->fd, (struct sockaddr *)&sa, &len) != 0
        || epoll_ctl(r->epfd, EPOLL_CTL_ADD, sp->fd, &ev) != 0) {
        k8sc_log(K8SC_LOG_ERROR, "proxy: cannot open a relay for %s: %s", key, strerror(errno));
        port_free(r, sp);
        return NULL;
    }
    sp->port = ntohs(sa.sin_port);
    return sp;
}

static int copy_endpoints(svcport *sp, const k8sc__proxy_port *p)
{
    k8sc__proxy_endpoint *eps = p->n_endpoints ? k8sc__calloc(p->n_endpoints, sizeof(*eps)) : NULL;
    if (p->n_endpoints && !eps)
        return K8SC_ENOMEM;
    for (size_t i = 0; i < p->n_endpoints; i++) {
        eps[i].port = p->endpoints[i].port;
        if (!(eps[i].ip = k8sc__strdup(p->endpoints[i].ip))) {
            eps_free(eps, i);
            return K8SC_ENOMEM;
        }
    }
    eps_free(sp->eps, sp->n_eps);
    sp->eps = eps;
    sp->n_eps = p->n_endpoints;
    return 0;
}

/* Make the relays match `m` and write their ports into it. */
static void apply(k8sc__relay *r, k8sc__proxy_model *m)
{
    for (svcport *sp = r->ports; sp; sp = sp->next)
        sp->keep = false;
    for (size_t i = 0; i < m->n_ports; i++) {
        k8sc__proxy_port *p = &m->ports[i];
        char key[700];
        snprintf(key, sizeof(key), "%s/%s:%s/%s", p->namespace_, p->name, p->port_name, p->protocol);
        p->proxy_port = 0;
        if (strcmp(p->protocol, "SCTP") == 0)
            continue;
        svcport *sp = r->ports;
        while (sp && strcmp(sp->key, key) != 0)
            sp = sp->next;
        if (!sp) {
            if (!(sp = port_open(r, key, strcmp(p->protocol, "UDP") == 0)))
                continue;
            sp->next = r->ports;
            r->ports = sp;
        }
        if (copy_endpoints(sp, p) != 0)
            continue;
        sp->keep = true;
        sp->affinity_s = p->affinity_timeout_s;
        p->proxy_port = sp->port;
    }
    for (svcport **pp = &r->ports; *pp;) {
        svcport *sp = *pp;
        if (sp->keep) {
            pp = &sp->next;
            continue;
        }
        *pp = sp->next;
        port_free(r, sp);
    }
}

static void *relay_main(void *arg)
{
    k8sc__relay *r = arg;
    char *buf = k8sc__malloc(UDP_MAX);
    struct epoll_event evs[64];
    handle none = { H_NONE, NULL };
    for (;;) {
        int timeout = udp_sweep(r);
        r->dropped[0] = r->dropped[1] = NULL;
        int n = epoll_wait(r->epfd, evs, (int)K8SC__ARRAY_LEN(evs), timeout);
        bool woken = false;
        for (int i = 0; i < n; i++) {
            handle *h = evs[i].data.ptr;
            switch (h->kind) {
            case H_WAKE:
                woken = true;
                break;
            case H_LISTEN: {
                svcport *sp = h->owner;
                if (!sp->udp)
                    tcp_accept(r, sp);
                else if (buf)
                    udp_from_client(r, sp, buf);
                break;
            }
            case H_CLIENT:
            case H_BACKEND:
                conn_event(r, h->owner, h->kind == H_BACKEND, evs[i].events);
                break;
            case H_UDP:
                if (buf)
                    udp_from_backend(r, h->owner, buf);
                break;
            default:
                break;
            }
            /* What this event freed must not be used by later events of the batch. */
            for (int j = i + 1; j < n && (r->dropped[0] || r->dropped[1]); j++)
                if (evs[j].data.ptr == r->dropped[0] || evs[j].data.ptr == r->dropped[1])
                    evs[j].data.ptr = &none;
            r->dropped[0] = r->dropped[1] = NULL;
        }
        /* Updates close listeners and connections: applied after the batch that might name them. */
        if (woken) {
            uint64_t v;
            if (read(r->wakefd, &v, sizeof(v)) < 0 && errno != EAGAIN)
                k8sc_log(K8SC_LOG_WARN, "proxy: relay wakeup: %s", strerror(errno));
            pthread_mutex_lock(&r->mu);
            bool stop = r->stop;
            if (r->pending) {
                apply(r, r->pending);
                r->pending = NULL;
                pthread_cond_broadcast(&r->cond);
            }
            pthread_mutex_unlock(&r->mu);
            if (stop)
                break;
        }
    }
    k8sc_free(buf);
    return NULL;
}

int k8sc__relay_new(k8sc__relay **out, int udp_idle_timeout_ms)
{
    K8SC__CHECK_ARG(out && udp_idle_timeout_ms > 0);
    k8sc__relay *r = k8sc__calloc(1, sizeof(*r));
    if (!r)
        return K8SC_ENOMEM;
    r->udp_idle_ms = udp_idle_timeout_ms;
    r->wake = (handle){ H_WAKE, r };
    r->epfd = epoll_create1(EPOLL_CLOEXEC);
    r->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &r->wake };
    if (r->epfd < 0 || r->wakefd < 0 || epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->wakefd, &ev) != 0) {
        int e = errno;
        if (r->epfd >= 0)
            close(r->epfd);
        if (r->wakefd >= 0)
            close(r->wakefd);
        k8sc_free(r);
        return k8sc_error_set(K8SC_EIO, "proxy: cannot make the relay's epoll: %s", strerror(e));
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cond, NULL);
    *out = r;
    return 0;
}

int k8sc__relay_start(k8sc__relay *r)
{
    K8SC__CHECK_ARG(r && !r->running);
    if (pthread_create(&r->thread, NULL, relay_main, r) != 0)
        return k8sc_error_set(K8SC_EIO, "proxy: cannot start the relay thread");
    r->running = true;
    return 0;
}

static void wake(k8sc__relay *r)
{
    uint64_t one = 1;
    if (write(r->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        k8sc_log(K8SC_LOG_WARN, "proxy: relay wakeup: %s", strerror(errno));
}

int k8sc__relay_update(k8sc__relay *r, k8sc__proxy_model *m)
{
    K8SC__CHECK_ARG(r && m && r->running);
    pthread_mutex_lock(&r->mu);
    r->pending = m;
    wake(r);
    while (r->pending == m && !r->stop)
        pthread_cond_wait(&r->cond, &r->mu);
    bool applied = r->pending != m;
    r->pending = NULL;
    pthread_mutex_unlock(&r->mu);
    return applied ? 0 : k8sc_error_set(K8SC_EINVAL, "proxy: the relay is stopping");
}

void k8sc__relay_free(k8sc__relay *r)
{
    if (!r)
        return;
    if (r->running) {
        pthread_mutex_lock(&r->mu);
        r->stop = true;
        wake(r);
        pthread_cond_broadcast(&r->cond);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->thread, NULL);
    }
    while (r->ports) {
        svcport *sp = r->ports;
        r->ports = sp->next;
        port_free(r, sp);
    }
    while (r->conns)
        conn_close(r, r->conns);
    close(r->epfd);
    close(r->wakefd);
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->mu);
    k8sc_free(r);
}
