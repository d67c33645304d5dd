/*
 * pods/log, pods/exec and pods/attach: as kube-apiserver's LogREST and
 * ExecREST, find the pod, its container and its node's kubelet endpoint
 * (status.addresses InternalIP else Hostname, port
 * status.daemonEndpoints.kubeletEndpoint.Port), then relay the kubelet's
 * node API: a log streams back as text/plain; exec and attach pass the
 * kubelet's WebSocket upgrade to the client and splice bytes both ways.
 * A kubelet error before that becomes a Status of its code.
 */
#include "apiserver_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_KUBELET_PORT 10250
#define CONNECT_MS 5000
#define HEAD_MS 30000
#define WAIT_MS 200
#define HEAD_MAX (64 * 1024)

struct k8sc__podproxy {
    char *host;
    int port;
    char *target; /* path and query on the kubelet */
    bool upgrade; /* exec / attach */
};

void k8sc__podproxy_free(struct k8sc__podproxy *p)
{
    if (!p)
        return;
    k8sc_free(p->host);
    k8sc_free(p->target);
    k8sc_free(p);
}

static void put_escaped(k8sc__buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~", c))
            k8sc__buf_putc(b, (char)c);
        else
            k8sc__buf_printf(b, "%%%02X", c);
    }
}

/* The names of the pod's containers (of spec.containers or spec.initContainers), space-separated. */
static void container_names(k8sc__buf *b, const k8sc_object *pod, const char *path)
{
    struct json_object *list = k8sc_object_get(pod, path);
    for (size_t i = 0; list && json_object_is_type(list, json_type_array) && i < json_object_array_length(list); i++) {
        const char *name = k8sc__json_string(json_object_array_get_idx(list, i), "name");
        k8sc__buf_printf(b, "%s%s", b->len ? " " : "", name ? name : "");
    }
}

static bool has_container(const k8sc_object *pod, const char *path, const char *name)
{
    struct json_object *list = k8sc_object_get(pod, path);
    for (size_t i = 0; list && json_object_is_type(list, json_type_array) && i < json_object_array_length(list); i++) {
        const char *n = k8sc__json_string(json_object_array_get_idx(list, i), "name");
        if (n && strcmp(n, name) == 0)
            return true;
    }
    return false;
}

/* The container a request names (borrowed from the pod or the request), or NULL with a 400 in `resp`. */
static const char *choose_container(k8sc_apiserver_response *resp, const k8sc__request *req, const k8sc_object *pod,
                                    const char *name, int *rc)
{
    const char *want = k8sc__query_get(req, "container");
    struct json_object *list = k8sc_object_get(pod, "spec.containers");
    size_t n = list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
    if (!want || !*want) {
        if (n == 1)
            return k8sc__json_string(json_object_array_get_idx(list, 0), "name");
        k8sc__buf names = K8SC__BUF_INIT, inits = K8SC__BUF_INIT;
        container_names(&names, pod, "spec.containers");
        container_names(&inits, pod, "spec.initContainers");
        if (inits.len)
            *rc = k8sc__status_bad_request(resp,
                "a container name must be specified for pod %s, choose one of: [%s] or one of the init containers: [%s]",
                name, names.ptr ? names.ptr : "", inits.ptr);
        else
            *rc = k8sc__status_bad_request(resp, "a container name must be specified for pod %s, choose one of: [%s]",
                name, names.ptr ? names.ptr : "");
        k8sc__buf_free(&names);
        k8sc__buf_free(&inits);
        return NULL;
    }
    if (has_container(pod, "spec.containers", want) || has_container(pod, "spec.initContainers", want) ||
        has_container(pod, "spec.ephemeralContainers", want))
        return want;
    *rc = k8sc__status_bad_request(resp, "container %s is not valid for pod %s", want, name);
    return NULL;
}

static int load(k8sc_object **out, k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc_resource *r,
                const char *ns, const char *name)
{
    *out = NULL;
    char *key = k8sc__storage_key(r, ns, name);
    if (!key)
        return K8SC_ENOMEM;
    k8sc_store_kv *kv = NULL;
    int rc = k8sc_store_get(&kv, srv->store, key, 0);
    k8sc_free(key);
    if (rc)
        return k8sc__status_from_code(resp, rc, r, name);
    rc = k8sc__object_from_kv(out, kv);
    k8sc_store_kv_free(kv);
    return rc;
}

/* The kubelet's address and port from a Node. */
static int kubelet_endpoint(struct k8sc__podproxy *p, const k8sc_object *node)
{
    struct json_object *addrs = k8sc_object_get(node, "status.addresses");
    const char *internal = NULL, *hostname = NULL;
    for (size_t i = 0; addrs && json_object_is_type(addrs, json_type_array) && i < json_object_array_length(addrs);
         i++) {
        struct json_object *a = json_object_array_get_idx(addrs, i);
        const char *type = k8sc__json_string(a, "type"), *address = k8sc__json_string(a, "address");
        if (type && address && strcmp(type, "InternalIP") == 0 && !internal)
            internal = address;
        else if (type && address && strcmp(type, "Hostname") == 0 && !hostname)
            hostname = address;
    }
    int64_t port = 0;
    if (k8sc_object_get_int(node, "status.daemonEndpoints.kubeletEndpoint.Port", &port) != 0 || port <= 0 ||
        port > 65535)
        port = DEFAULT_KUBELET_PORT;
    p->port = (int)port;
    p->host = k8sc__strdup(internal ? internal : hostname ? hostname : k8sc_object_name(node));
    return p->host ? 0 : K8SC_ENOMEM;
}

/* The kubelet path and query for the request. */
static char *kubelet_target(const k8sc__request *req, const char *sub, const char *ns, const char *pod,
                            const char *container)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_puts(&b, strcmp(sub, "log") == 0 ? "/containerLogs/" : strcmp(sub, "exec") == 0 ? "/exec/" : "/attach/");
    put_escaped(&b, ns);
    k8sc__buf_putc(&b, '/');
    put_escaped(&b, pod);
    k8sc__buf_putc(&b, '/');
    put_escaped(&b, container);
    bool first = true;
    for (size_t i = 0; i < req->nparams; i++) {
        if (strcmp(req->params[i].key, "container") == 0)
            continue;
        k8sc__buf_putc(&b, first ? '?' : '&');
        first = false;
        put_escaped(&b, req->params[i].key);
        k8sc__buf_putc(&b, '=');
        put_escaped(&b, req->params[i].value);
    }
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        return NULL;
    }
    return k8sc__buf_detach(&b, NULL);
}

int k8sc__handle_podproxy(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
                          const k8sc__route *route)
{
    const char *sub = route->subresource, *m = req->method;
    bool get = strcmp(m, "GET") == 0;
    if (strcmp(sub, "log") == 0 ? !get : !get && strcmp(m, "POST") != 0)
        return k8sc__status_method_not_allowed(resp);
    k8sc_object *pod = NULL, *node = NULL;
    int rc = load(&pod, resp, srv, route->resource, route->ns, route->name);
    if (rc || resp->status)
        return rc;
    const char *container = choose_container(resp, req, pod, route->name, &rc);
    const char *node_name = k8sc_object_get_string(pod, "spec.nodeName");
    const k8sc_resource *nodes = k8sc_registry_find_resource(srv->registry, "", "v1", "nodes");
    if (container && (!node_name || !*node_name))
        rc = k8sc__status_bad_request(resp, "pod %s does not have a host assigned", route->name);
    else if (container && !nodes)
        rc = k8sc__status_internal(resp, "nodes are not served");
    else if (container)
        rc = load(&node, resp, srv, nodes, NULL, node_name);
    struct k8sc__podproxy *p = NULL;
    if (!rc && !resp->status) {
        p = k8sc__calloc(1, sizeof(*p));
        rc = p ? kubelet_endpoint(p, node) : K8SC_ENOMEM;
        if (!rc) {
            p->upgrade = strcmp(sub, "log") != 0;
            p->target = kubelet_target(req, sub, route->ns, route->name, container);
            rc = p->target ? 0 : K8SC_ENOMEM;
        }
        if (!rc) {
            resp->proxy = p;
            resp->status = p->upgrade ? 101 : 200;
            p = NULL;
        }
    }
    k8sc__podproxy_free(p);
    k8sc_object_free(pod);
    k8sc_object_free(node);
    return rc;
}

static int dial(const char *host, int port)
{
    char service[8];
    snprintf(service, sizeof(service), "%d", port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    int grc = getaddrinfo(host, service, &hints, &res);
    if (grc != 0)
        return k8sc_error_set(K8SC_EUNAVAILABLE, "dial tcp %s:%d: %s", host, port, gai_strerror(grc));
    int fd = -1, err = ECONNREFUSED;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            continue;
        int c = connect(fd, a->ai_addr, a->ai_addrlen);
        if (c != 0 && errno == EINPROGRESS) {
            struct pollfd pf = { fd, POLLOUT, 0 };
            socklen_t len = sizeof(err);
            c = poll(&pf, 1, CONNECT_MS) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0 ? 0
                                                                                                             : -1;
            if (c != 0 && err == 0)
                err = ETIMEDOUT;
        } else if (c != 0) {
            err = errno;
        }
        if (c != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        /* Worded as Go's net package: "connect: connection refused". */
        char why[128];
        snprintf(why, sizeof(why), "%s", strerror(err));
        why[0] = (char)tolower((unsigned char)why[0]);
        return k8sc_error_set(K8SC_EUNAVAILABLE, "dial tcp %s:%d: connect: %s", host, port, why);
    }
    return fd;
}

/* Wait up to `ms` for `fd` to be readable; false on time-out. */
static bool wait_readable(int fd, int ms)
{
    struct pollfd pf = { fd, POLLIN, 0 };
    return poll(&pf, 1, ms) > 0;
}

static int send_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            struct pollfd pf = { fd, POLLOUT, 0 };
            if (errno == EAGAIN && poll(&pf, 1, HEAD_MS) <= 0)
                return -1;
            continue;
        }
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read the kubelet's response head into `b` (bytes past it stay in `b` after *head_len). */
static int read_head(int fd, k8sc__buf *b, size_t *head_len)
{
    for (;;) {
        char *end = b->ptr ? strstr(b->ptr, "\r\n\r\n") : NULL;
        if (end) {
            *head_len = (size_t)(end - b->ptr) + 4;
            return 0;
        }
        if (b->len > HEAD_MAX || !wait_readable(fd, HEAD_MS))
            return k8sc_error_set(K8SC_EIO, "kubelet: no response head");
        char chunk[4096];
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return k8sc_error_set(K8SC_EIO, "kubelet: connection closed before a response");
        k8sc__buf_put(b, chunk, (size_t)n);
        if (k8sc__buf_status(b))
            return K8SC_ENOMEM;
    }
}

/* Header `name` of a response head, copied (caller frees), or NULL. */
static char *head_value(const char *head, size_t len, const char *name)
{
    size_t nl = strlen(name);
    for (const char *line = memchr(head, '\n', len); line && (size_t)(line - head) < len;
         line = memchr(line + 1, '\n', len - (size_t)(line + 1 - head))) {
        const char *h = line + 1;
        if (strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
            const char *v = h + nl + 1;
            v += strspn(v, " \t");
            return k8sc__strndup(v, strcspn(v, "\r\n"));
        }
    }
    return NULL;
}

static const char *reason_for(int code)
{
    switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 409: return "Conflict";
    case 503: return "ServiceUnavailable";
    default: return "InternalError";
    }
}

/* A kubelet error reply as a Status: its code, its body (read until it closes) as the message. */
static int kubelet_error(k8sc_apiserver_response *resp, int fd, int code, k8sc__buf *b, size_t head_len)
{
    k8sc__buf body = K8SC__BUF_INIT;
    k8sc__buf_put(&body, b->ptr + head_len, b->len - head_len);
    char chunk[4096];
    ssize_t n;
    while (body.len < HEAD_MAX && wait_readable(fd, HEAD_MS) && (n = recv(fd, chunk, sizeof(chunk), 0)) > 0)
        k8sc__buf_put(&body, chunk, (size_t)n);
    while (body.len && (body.ptr[body.len - 1] == '\n' || body.ptr[body.len - 1] == '\r'))
        body.ptr[--body.len] = '\0';
    int rc = k8sc__buf_status(&body) ? K8SC_ENOMEM
                                      : k8sc__status_error(resp, code >= 400 ? code : 500, reason_for(code),
                                                           body.len ? body.ptr : "the kubelet refused the request", NULL);
    k8sc__buf_free(&body);
    return rc;
}

/* A streamed log: what the kubelet sends, passed on until either side ends. */
typedef struct log_relay {
    k8sc_apiserver *srv;
    struct MHD_Connection *conn;
    int fd;
    char *early; /* body bytes that came with the head */
    size_t early_len, early_off;
} log_relay;

static bool client_gone(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return false;
    struct pollfd p = { .fd = ci->connect_fd, .events = POLLRDHUP };
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static ssize_t relay_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    log_relay *lr = cls;
    if (lr->early_off < lr->early_len) {
        size_t n = lr->early_len - lr->early_off < max ? lr->early_len - lr->early_off : max;
        memcpy(buf, lr->early + lr->early_off, n);
        lr->early_off += n;
        return (ssize_t)n;
    }
    for (;;) {
        if (atomic_load(&lr->srv->stopping) || client_gone(lr->conn))
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (!wait_readable(lr->fd, WAIT_MS))
            continue;
        ssize_t n = recv(lr->fd, buf, max, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n == 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
        return n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : n;
    }
}

static void relay_free(void *cls)
{
    log_relay *lr = cls;
    close(lr->fd);
    k8sc_free(lr->early);
    k8sc_free(lr);
}

/* An upgraded exec/attach: bytes both ways between the client and the kubelet. */
typedef struct upgraded {
    k8sc_apiserver *srv;
    int fd;
    char *early;
    size_t early_len;
    MHD_socket sock;
    struct MHD_UpgradeResponseHandle *urh;
} upgraded;

static bool pass_bytes(int from, int to)
{
    char chunk[32768];
    ssize_t n = recv(from, chunk, sizeof(chunk), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    return n > 0 && send_all(to, chunk, (size_t)n) == 0;
}

/* Relay until either side ends or the server stops, then hand the connection back to MHD. */
static void *relay_upgraded(void *arg)
{
    upgraded *sp = arg;
    k8sc_apiserver *srv = sp->srv;
    bool ok = send_all(sp->sock, sp->early, sp->early_len) == 0;
    while (ok && !atomic_load(&srv->stopping)) {
        struct pollfd p[2] = { { sp->sock, POLLIN, 0 }, { sp->fd, POLLIN, 0 } };
        if (poll(p, 2, WAIT_MS) <= 0)
            continue;
        if (p[0].revents)
            ok = pass_bytes(sp->sock, sp->fd);
        if (ok && p[1].revents)
            ok = pass_bytes(sp->fd, sp->sock);
    }
    close(sp->fd);
    MHD_upgrade_action(sp->urh, MHD_UPGRADE_ACTION_CLOSE);
    k8sc_free(sp->early);
    k8sc_free(sp);
    atomic_fetch_sub(&srv->upgraded, 1);
    return NULL;
}

/*
 * On a thread of its own: over HTTPS, `sock` is one end of a socket pair
 * that MHD's connection thread feeds through TLS only once this returns.
 * k8sc_apiserver_stop waits for the relays (srv->upgraded).
 */
static void on_upgrade(void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra_in,
                       size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
    (void)conn;
    (void)req_cls;
    upgraded *sp = cls;
    sp->sock = sock;
    sp->urh = urh;
    atomic_fetch_add(&sp->srv->upgraded, 1);
    pthread_t t;
    pthread_attr_t attr;
    bool started = send_all(sp->fd, extra_in, extra_in_size) == 0 && pthread_attr_init(&attr) == 0;
    if (started) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        started = pthread_create(&t, &attr, relay_upgraded, sp) == 0;
        pthread_attr_destroy(&attr);
    }
    if (!started) {
        atomic_fetch_sub(&sp->srv->upgraded, 1);
        close(sp->fd);
        k8sc_free(sp->early);
        k8sc_free(sp);
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
    }
}

static void add_header(k8sc__buf *b, struct MHD_Connection *conn, const char *name)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
    if (v)
        k8sc__buf_printf(b, "%s: %s\r\n", name, v);
}

static enum MHD_Result queue_upgrade(struct MHD_Connection *conn, k8sc_apiserver *srv, int fd, k8sc__buf *b,
                                     size_t head_len)
{
    upgraded *sp = k8sc__calloc(1, sizeof(*sp));
    struct MHD_Response *r = sp ? MHD_create_response_for_upgrade(on_upgrade, sp) : NULL;
    if (!r) {
        k8sc_free(sp);
        close(fd);
        return MHD_NO;
    }
    sp->srv = srv;
    sp->fd = fd;
    sp->early_len = b->len - head_len;
    sp->early = k8sc__malloc(sp->early_len + 1);
    if (sp->early)
        memcpy(sp->early, b->ptr + head_len, sp->early_len);
    else
        sp->early_len = 0;
    static const char *const copied[] = { "Upgrade", "Sec-WebSocket-Accept", "Sec-WebSocket-Protocol",
                                          "Sec-WebSocket-Extensions" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(copied); i++) {
        char *v = head_value(b->ptr, head_len, copied[i]);
        if (v)
            MHD_add_response_header(r, copied[i], v);
        k8sc_free(v);
    }
    MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned int)0);
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_SWITCHING_PROTOCOLS, r);
    MHD_destroy_response(r);
    if (ret != MHD_YES) {
        close(fd);
        k8sc_free(sp->early);
        k8sc_free(sp);
    }
    return ret;
}

static enum MHD_Result queue_log(struct MHD_Connection *conn, k8sc_apiserver *srv, int fd, k8sc__buf *b,
                                 size_t head_len)
{
    log_relay *lr = k8sc__calloc(1, sizeof(*lr));
    if (!lr) {
        close(fd);
        return MHD_NO;
    }
    lr->srv = srv;
    lr->conn = conn;
    lr->fd = fd;
    lr->early_len = b->len - head_len;
    lr->early = k8sc__malloc(lr->early_len + 1);
    if (lr->early)
        memcpy(lr->early, b->ptr + head_len, lr->early_len);
    else
        lr->early_len = 0;
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, relay_read, lr, relay_free);
    if (!r) {
        relay_free(lr);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
    MHD_add_response_header(r, "Cache-Control", "no-cache, private");
    /* A followed log may be quiet for longer than the idle timeout. */
    MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned int)0);
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

int k8sc__podproxy_queue(struct MHD_Connection *conn, k8sc_apiserver *srv, k8sc_apiserver_response *resp,
                         const char *method, bool *queued)
{
    struct k8sc__podproxy *p = resp->proxy;
    resp->proxy = NULL;
    *queued = false;
    resp->status = 0;
    int fd = dial(p->host, p->port);
    k8sc__buf req = K8SC__BUF_INIT, b = K8SC__BUF_INIT;
    int rc = fd < 0 ? fd : 0;
    if (rc == 0 && p->upgrade) {
        /* HTTP/1.1 for the upgrade; the client's handshake headers go through unchanged. */
        k8sc__buf_printf(&req, "%s %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: Upgrade\r\n", method, p->target, p->host,
                         p->port);
        add_header(&req, conn, "Upgrade");
        add_header(&req, conn, "Sec-WebSocket-Key");
        add_header(&req, conn, "Sec-WebSocket-Version");
        add_header(&req, conn, "Sec-WebSocket-Protocol");
        add_header(&req, conn, "X-Stream-Protocol-Version");
        k8sc__buf_puts(&req, "Content-Length: 0\r\n\r\n");
    } else if (rc == 0) {
        /* HTTP/1.0: the kubelet's body ends when it closes, with no chunking to undo. */
        k8sc__buf_printf(&req, "GET %s HTTP/1.0\r\nHost: %s:%d\r\n\r\n", p->target, p->host, p->port);
    }
    if (rc == 0)
        rc = k8sc__buf_status(&req);
    if (rc == 0 && send_all(fd, req.ptr, req.len) != 0)
        rc = k8sc_error_set(K8SC_EIO, "kubelet %s:%d: sending the request failed", p->host, p->port);
    size_t head_len = 0;
    if (rc == 0)
        rc = read_head(fd, &b, &head_len);
    int code = 0;
    if (rc == 0 && sscanf(b.ptr, "HTTP/%*d.%*d %d", &code) != 1)
        rc = k8sc_error_set(K8SC_EIO, "kubelet: malformed response");
    enum MHD_Result ret = MHD_NO;
    if (rc == 0 && p->upgrade && code == 101) {
        *queued = true;
        ret = queue_upgrade(conn, srv, fd, &b, head_len);
        fd = -1;
    } else if (rc == 0 && !p->upgrade && code >= 200 && code < 300) {
        *queued = true;
        ret = queue_log(conn, srv, fd, &b, head_len);
        fd = -1;
    } else if (rc == 0) {
        rc = kubelet_error(resp, fd, code, &b, head_len);
    }
    if (rc != 0 && rc != K8SC_ENOMEM)
        rc = k8sc__status_error(resp, 500, "InternalError", k8sc_error_last(), NULL);
    if (fd >= 0)
        close(fd);
    k8sc__buf_free(&req);
    k8sc__buf_free(&b);
    k8sc__podproxy_free(p);
    return ret;
}
