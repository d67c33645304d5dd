/*
 * Plain HTTP/1.1 for http:// servers without a proxy: one request on a
 * kept-alive socket, answered with a Content-Length, chunked or
 * until-close body. It spares a short-lived program (k8sctl against a
 * local API server) loading libcurl at all; failures are reported with
 * the CURLcode and words libcurl would use, so the retry logic and the
 * messages are those of the curl transport.
 */
#include "client_internal.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* Most of a reply we keep, as the curl transport. */
#define MAX_BODY ((size_t)1 << 30)
#define MAX_HEAD (64 * 1024)
/* Room made for each read of a reply whose length is not known up front. */
#define READ_CHUNK (16 * 1024)

/* The proxy variables libcurl honours: with one set, requests go through curl. */
static const char *const PROXY_ENV[] = { "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY" };

struct k8sc__http1 {
    pthread_mutex_t mu;
    char host[256], port[8], hostport[280];
    char *prefix; /* the server URL's path, without a trailing '/' */
    int idle[K8SC__HTTP1_IDLE];
    size_t nidle;
};

/* A reply being read: what has arrived and where the body starts. */
typedef struct reply {
    k8sc__buf in;
    size_t head_len;
    long status;
    int64_t content_length; /* -1: none given */
    bool chunked, close, got_any;
    size_t received; /* bytes read from the socket */
    int64_t retry_after;
    size_t chunk_pos; /* where the next chunk's size line starts in `in` */
} reply;

int k8sc__http1_new(k8sc__http1 **out, const char *server, const char *proxy_url)
{
    *out = NULL;
    if (strncmp(server, "http://", 7) != 0 || (proxy_url && *proxy_url))
        return 0;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(PROXY_ENV); i++) {
        const char *v = getenv(PROXY_ENV[i]);
        if (v && *v)
            return 0;
    }
    const char *h = server + 7, *end = h + strcspn(h, "/?#");
    const char *colon = NULL, *host_end = end;
    if (*h == '[') { /* [v6]:port */
        const char *rb = memchr(h, ']', (size_t)(end - h));
        if (!rb)
            return 0;
        colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
        host_end = rb + 1;
    } else {
        colon = memchr(h, ':', (size_t)(end - h));
        if (colon)
            host_end = colon;
    }
    k8sc__http1 *t = k8sc__calloc(1, sizeof(*t));
    if (!t)
        return K8SC_ENOMEM;
    size_t hl = (size_t)(host_end - h);
    const char *hs = h;
    if (*h == '[') {
        hs++;
        hl -= 2;
    }
    size_t pl = colon ? (size_t)(end - colon - 1) : 2;
    if (hl == 0 || hl >= sizeof(t->host) || pl == 0 || pl >= sizeof(t->port) || *end == '?' || *end == '#') {
        free(t);
        return 0; /* unusual: leave it to curl */
    }
    memcpy(t->host, hs, hl);
    if (colon)
        memcpy(t->port, colon + 1, pl);
    else
        strcpy(t->port, "80");
    snprintf(t->hostport, sizeof(t->hostport), "%.*s", (int)(host_end - h), h);
    if (colon)
        snprintf(t->hostport + strlen(t->hostport), sizeof(t->hostport) - strlen(t->hostport), ":%s", t->port);
    size_t plen = strlen(end);
    while (plen > 0 && end[plen - 1] == '/')
        plen--;
    t->prefix = k8sc__malloc(plen + 1);
    if (!t->prefix) {
        free(t);
        return K8SC_ENOMEM;
    }
    memcpy(t->prefix, end, plen);
    t->prefix[plen] = '\0';
    pthread_mutex_init(&t->mu, NULL);
    *out = t;
    return 0;
}

void k8sc__http1_free(k8sc__http1 *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nidle; i++)
        close(t->idle[i]);
    pthread_mutex_destroy(&t->mu);
    free(t->prefix);
    free(t);
}

static int64_t left_ms(int64_t deadline)
{
    int64_t ms = (deadline - k8sc_clock_mono(NULL)) / 1000000;
    return ms > 0 ? ms : 0;
}

/* Wait for `events` on `fd` until the deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd p = { fd, events, 0 };
        int n = poll(&p, 1, (int)left_ms(deadline));
        if (n >= 0)
            return n > 0;
        if (errno != EINTR)
            return -1;
    }
}

static CURLcode fail(char *errbuf, CURLcode cc, const char *fmt, ...) K8SC_PRINTF(3, 4);

static CURLcode fail(char *errbuf, CURLcode cc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, CURL_ERROR_SIZE, fmt, ap);
    va_end(ap);
    return cc;
}

static CURLcode dial(int *out, k8sc__http1 *t, long timeout_ms, char *errbuf)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    int64_t start = k8sc_clock_mono(NULL), deadline = start + (int64_t)timeout_ms * 1000000;
    if (getaddrinfo(t->host, t->port, &hints, &res) != 0 || !res)
        return fail(errbuf, CURLE_COULDNT_RESOLVE_HOST, "Could not resolve host: %s", t->host);
    int fd = -1;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        int err = connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
        if (err == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 1) {
            socklen_t len = sizeof(err);
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
                err = errno;
        } else if (err == EINPROGRESS) {
            err = ETIMEDOUT;
        }
        if (err) {
            close(fd);
            fd = -1;
        } else {
            /* As curl does: a request is one write, but a body past one segment must not wait for an ACK. */
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        }
    }
    freeaddrinfo(res);
    long ms = (long)((k8sc_clock_mono(NULL) - start) / 1000000);
    if (fd < 0 && left_ms(deadline) == 0)
        return fail(errbuf, CURLE_OPERATION_TIMEDOUT, "Failed to connect to %s port %s after %ld ms: Timeout was reached",
            t->host, t->port, ms);
    if (fd < 0)
        return fail(errbuf, CURLE_COULDNT_CONNECT, "Failed to connect to %s port %s after %ld ms: Couldn't connect to server",
            t->host, t->port, ms);
    *out = fd;
    return CURLE_OK;
}

/* Send the request head and body, in one write when the socket takes it. */
static CURLcode send_all(int fd, const char *head, size_t head_len, const char *body, size_t body_len,
    int64_t deadline, char *errbuf)
{
    struct iovec iov[2] = { { (void *)head, head_len }, { (void *)body, body_len } };
    struct msghdr msg = { .msg_iov = iov, .msg_iovlen = body_len ? 2 : 1 };
    while (msg.msg_iovlen > 0) {
        ssize_t w = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(fd, POLLOUT, deadline) != 1)
                return fail(errbuf, CURLE_OPERATION_TIMEDOUT, "Operation timed out while sending");
            continue;
        }
        if (w <= 0)
            return fail(errbuf, CURLE_SEND_ERROR, "Send failure: %s", strerror(w < 0 ? errno : EPIPE));
        size_t n = (size_t)w;
        while (msg.msg_iovlen > 0 && n >= msg.msg_iov->iov_len) {
            n -= msg.msg_iov->iov_len;
            msg.msg_iov++;
            msg.msg_iovlen--;
        }
        if (msg.msg_iovlen > 0) {
            msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + n;
            msg.msg_iov->iov_len -= n;
        }
    }
    return CURLE_OK;
}

/*
 * Read what has arrived, at most `max` bytes, straight onto the end of
 * `into`: 1 got bytes, 0 end of stream, -1 with `*cc` set.
 */
static int fill(int fd, reply *r, k8sc__buf *into, size_t max, int64_t deadline, char *errbuf, CURLcode *cc)
{
    if (k8sc__buf_grow(into, max) != 0) {
        *cc = fail(errbuf, CURLE_OUT_OF_MEMORY, "out of memory");
        return -1;
    }
    for (;;) {
        ssize_t n = recv(fd, into->ptr + into->len, max, 0);
        if (n > 0) {
            r->got_any = true;
            r->received += (size_t)n;
            into->len += (size_t)n;
            return 1;
        }
        if (n == 0)
            return 0;
        if (errno == EAGAIN || errno == EINTR) {
            int w = wait_fd(fd, POLLIN, deadline);
            if (w == 1)
                continue;
            *cc = fail(errbuf, CURLE_OPERATION_TIMEDOUT, "Operation timed out with %zu bytes received", r->received);
            return -1;
        }
        *cc = fail(errbuf, CURLE_RECV_ERROR, "Recv failure: %s", strerror(errno));
        return -1;
    }
}

static bool header_is(const char *line, size_t len, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return false;
    const char *v = line + n + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    *value = v;
    return true;
}

/* Parse the status line and headers (r->in holds them, CRLF-terminated, up to head_len). */
static bool parse_head(reply *r)
{
    char *p = r->in.ptr, *end = p + r->head_len;
    if (strncmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ')
        return false;
    r->close = p[7] == '0';
    r->status = strtol(p + 9, NULL, 10);
    if (r->status < 100 || r->status > 999)
        return false;
    r->content_length = -1;
    for (char *line = strstr(p, "\r\n") + 2; line < end - 2;) {
        char *eol = strstr(line, "\r\n");
        size_t len = (size_t)(eol - line);
        const char *v;
        if (header_is(line, len, "Content-Length", &v))
            r->content_length = strtoll(v, NULL, 10);
        else if (header_is(line, len, "Transfer-Encoding", &v))
            r->chunked = strncasecmp(v, "chunked", 7) == 0;
        else if (header_is(line, len, "Connection", &v))
            r->close = strncasecmp(v, "close", 5) == 0 ? true : strncasecmp(v, "keep-alive", 10) == 0 ? false : r->close;
        else if (header_is(line, len, "Retry-After", &v))
            r->retry_after = strtoll(v, NULL, 10);
        line = eol + 2;
    }
    return r->content_length >= -1;
}

/* Move the complete chunks after r->chunk_pos into `out`: 1 at the last chunk, 0 need more, -1 malformed. */
static int dechunk(reply *r, k8sc__buf *out)
{
    if (!r->chunk_pos)
        r->chunk_pos = r->head_len;
    for (;;) {
        size_t pos = r->chunk_pos;
        char *nl = memmem(r->in.ptr + pos, r->in.len - pos, "\r\n", 2);
        if (!nl)
            return 0;
        char *e;
        unsigned long long n = strtoull(r->in.ptr + pos, &e, 16);
        if (e == r->in.ptr + pos || n > MAX_BODY || out->len + n > MAX_BODY)
            return -1;
        size_t data = (size_t)(nl - r->in.ptr) + 2;
        if (n == 0) /* trailers end with an empty line */
            return memmem(r->in.ptr + data - 2, r->in.len - (data - 2), "\r\n\r\n", 4) ? 1 : 0;
        if (r->in.len < data + n + 2)
            return 0;
        if (k8sc__buf_put(out, r->in.ptr + data, (size_t)n) != 0)
            return -1;
        r->chunk_pos = data + (size_t)n + 2;
    }
}

/* A body of r->content_length bytes into `resp`, read into place: most replies of an API server have one. */
static CURLcode read_sized(int fd, reply *r, k8sc__buf *resp, int64_t deadline, char *errbuf)
{
    if ((uint64_t)r->content_length > MAX_BODY)
        return fail(errbuf, CURLE_WRITE_ERROR, "reply too large");
    size_t want = (size_t)r->content_length, have = r->in.len - r->head_len, base = resp->len;
    if (k8sc__buf_grow(resp, want) != 0 || k8sc__buf_put(resp, r->in.ptr + r->head_len, have < want ? have : want))
        return fail(errbuf, CURLE_OUT_OF_MEMORY, "out of memory");
    CURLcode cc = CURLE_OK;
    while (resp->len - base < want) {
        int got = fill(fd, r, resp, want - (resp->len - base), deadline, errbuf, &cc);
        if (got < 0)
            return cc;
        if (got == 0)
            return fail(errbuf, CURLE_PARTIAL_FILE, "Connection closed with %zu bytes of the body missing",
                want - (resp->len - base));
    }
    return CURLE_OK;
}

/* Read one reply on `fd` into `resp`; *reusable says whether the connection can take another request. */
static CURLcode read_reply(int fd, reply *r, k8sc__buf *resp, int64_t deadline, char *errbuf, bool *reusable)
{
    CURLcode cc = CURLE_OK;
    int got;
    char *eoh;
    while (!(eoh = r->in.ptr ? memmem(r->in.ptr, r->in.len, "\r\n\r\n", 4) : NULL)) {
        if (r->in.len > MAX_HEAD)
            return fail(errbuf, CURLE_WEIRD_SERVER_REPLY, "Header section too large");
        if ((got = fill(fd, r, &r->in, READ_CHUNK, deadline, errbuf, &cc)) < 0)
            return cc;
        if (got == 0)
            return r->got_any ? fail(errbuf, CURLE_RECV_ERROR, "Connection closed before the reply's header ended")
                              : fail(errbuf, CURLE_GOT_NOTHING, "Empty reply from server");
    }
    r->head_len = (size_t)(eoh - r->in.ptr) + 4;
    if (!parse_head(r))
        return fail(errbuf, CURLE_WEIRD_SERVER_REPLY, "Unsupported HTTP response from server");
    if (!r->chunked && r->content_length >= 0) {
        if ((cc = read_sized(fd, r, resp, deadline, errbuf)) != CURLE_OK)
            return cc;
        *reusable = !r->close;
        return CURLE_OK;
    }
    for (;;) {
        size_t have = r->in.len - r->head_len;
        if (r->chunked) {
            int d = dechunk(r, resp);
            if (d < 0)
                return fail(errbuf, CURLE_RECV_ERROR, "Malformed chunked encoding");
            if (d == 1)
                break;
        } else if (r->status == 204 || r->status == 304) {
            break;
        }
        if (r->in.len > MAX_BODY + MAX_HEAD)
            return fail(errbuf, CURLE_WRITE_ERROR, "reply too large");
        if ((got = fill(fd, r, &r->in, READ_CHUNK, deadline, errbuf, &cc)) < 0)
            return cc;
        if (got == 0) {
            if (r->chunked)
                return fail(errbuf, CURLE_PARTIAL_FILE, "Connection closed with %zu bytes of the body missing",
                    (size_t)0);
            /* No length: the body ends with the connection. */
            if (k8sc__buf_put(resp, r->in.ptr + r->head_len, have) != 0)
                return fail(errbuf, CURLE_OUT_OF_MEMORY, "out of memory");
            r->close = true;
            break;
        }
    }
    *reusable = !r->close;
    return CURLE_OK;
}

static void park(k8sc__http1 *t, int fd)
{
    pthread_mutex_lock(&t->mu);
    if (t->nidle < K8SC__HTTP1_IDLE) {
        t->idle[t->nidle++] = fd;
        fd = -1;
    }
    pthread_mutex_unlock(&t->mu);
    if (fd >= 0)
        close(fd);
}

static int take_idle(k8sc__http1 *t)
{
    pthread_mutex_lock(&t->mu);
    int fd = t->nidle ? t->idle[--t->nidle] : -1;
    pthread_mutex_unlock(&t->mu);
    return fd;
}

static int build_request(k8sc__buf *req, k8sc__http1 *t, k8sc_client *client, const char *method, const char *path,
    const char *content_type, const char *accept, size_t body_len, bool has_body)
{
    k8sc_client_config *cfg = client->config;
    k8sc__buf_printf(req, "%s %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: %s\r\n", method, t->prefix,
        path, t->hostport, client->user_agent, accept ? accept : "application/json");
    char *token = NULL;
    int rc = k8sc_client_config_token(&token, cfg);
    if (rc)
        return rc;
    if (token) {
        k8sc__buf_printf(req, "Authorization: Bearer %s\r\n", token);
        free(token);
    } else if (cfg->username) {
        k8sc__buf cred = K8SC__BUF_INIT;
        k8sc__buf_printf(&cred, "%s:%s", cfg->username, cfg->password ? cfg->password : "");
        k8sc__buf_puts(req, "Authorization: Basic ");
        k8sc__base64_encode(req, cred.ptr ? cred.ptr : "", cred.len, 0);
        k8sc__buf_puts(req, "\r\n");
        k8sc__buf_free(&cred);
    }
    if (content_type)
        k8sc__buf_printf(req, "Content-Type: %s\r\n", content_type);
    if (has_body || strcmp(method, "GET") != 0)
        k8sc__buf_printf(req, "Content-Length: %zu\r\n", body_len);
    k8sc__buf_puts(req, "\r\n");
    return k8sc__buf_status(req) ? K8SC_ENOMEM : 0;
}

CURLcode k8sc__http1_attempt(k8sc__http1 *t, k8sc_client *client, const char *method, const char *path,
    const char *content_type, const char *accept, const char *body, size_t body_len, k8sc__buf *resp, long *http,
    int64_t *retry_after, char *errbuf, int *rc)
{
    *rc = 0;
    k8sc__buf req = K8SC__BUF_INIT;
    if ((*rc = build_request(&req, t, client, method, path, content_type, accept, body_len, body != NULL))) {
        k8sc__buf_free(&req);
        return CURLE_OK;
    }
    int64_t deadline = k8sc_clock_mono(NULL) + (int64_t)client->timeout_ms * 1000000;
    CURLcode cc = CURLE_OK;
    /* A kept-alive connection the server has closed fails at once: then once more on a new one. */
    for (int fresh = 0; fresh < 2; fresh++) {
        int fd = fresh ? -1 : take_idle(t);
        bool reused = fd >= 0;
        if (!reused && (cc = dial(&fd, t, client->timeout_ms, errbuf)) != CURLE_OK)
            break;
        reply r = { .content_length = -1 };
        bool reusable = false;
        cc = send_all(fd, req.ptr, req.len, body, body_len, deadline, errbuf);
        if (cc == CURLE_OK)
            cc = read_reply(fd, &r, resp, deadline, errbuf, &reusable);
        if (cc == CURLE_OK) {
            *http = r.status;
            *retry_after = r.retry_after;
        }
        k8sc__buf_free(&r.in);
        if (cc == CURLE_OK && reusable)
            park(t, fd);
        else
            close(fd);
        if (!(reused && !r.got_any && (cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING)))
            break;
        k8sc__buf_free(resp);
        errbuf[0] = '\0';
    }
    k8sc__buf_free(&req);
    return cc;
}
