/*
 * The kubelet's node API over libmicrohttpd (one thread per connection:
 * followed logs and exec sessions hold theirs). Logs stream from a
 * reader thread through a socket pair into a chunked reply.
 */
#include "node_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "core/websocket.h"

#define WAIT_MS 200

struct k8sc__node_server {
    struct MHD_Daemon *daemon;
    k8sc_runtime *rt;
    k8sc__node_lookup_fn lookup;
    void *userdata;
    uint16_t port;
    bool stopping; /* read and written with __atomic builtins */
};

bool k8sc__node_stopping(const k8sc__node_server *s)
{
    return __atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE);
}

k8sc_runtime *k8sc__node_runtime(const k8sc__node_server *s)
{
    return s->rt;
}

int k8sc__node_lookup(k8sc__node_server *s, const char *ns, const char *pod, const char *container, bool previous,
                      char **container_id, char **log_path)
{
    *container_id = *log_path = NULL;
    return s->lookup(s->userdata, ns, pod, container, previous, container_id, log_path);
}

int k8sc__node_reply(struct MHD_Connection *conn, unsigned int status, const char *content_type, const char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static int reply_error(struct MHD_Connection *conn, int code, const char *msg)
{
    unsigned int status = code == K8SC_ENOTFOUND ? MHD_HTTP_NOT_FOUND
                          : code == K8SC_EINVAL  ? MHD_HTTP_BAD_REQUEST
                                                 : MHD_HTTP_INTERNAL_SERVER_ERROR;
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s\n", msg);
    int ret = k8sc__buf_status(&b) ? MHD_NO : k8sc__node_reply(conn, status, "text/plain; charset=utf-8", b.ptr);
    k8sc__buf_free(&b);
    return ret;
}

/* A log being streamed: a reader thread writes into fds[1], MHD reads fds[0]. */
typedef struct log_stream {
    k8sc__node_server *srv;
    char *path;
    k8sc_log_options opts;
    char stream_name[8];
    int fds[2];
    bool stop; /* __atomic */
    pthread_t thread;
    bool started;
} log_stream;

static int to_socket(const char *data, size_t len, void *userdata)
{
    log_stream *ls = userdata;
    while (len) {
        if (__atomic_load_n(&ls->stop, __ATOMIC_ACQUIRE))
            return 1;
        struct pollfd p = { ls->fds[1], POLLOUT, 0 };
        if (poll(&p, 1, WAIT_MS) <= 0)
            continue;
        ssize_t n = send(ls->fds[1], data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            return 1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static void *log_main(void *arg)
{
    log_stream *ls = arg;
    int rc = k8sc_runtime_log_read(ls->path, &ls->opts, &ls->stop, to_socket, ls);
    if (rc < 0)
        k8sc_log(K8SC_LOG_DEBUG, "node server: reading %s: %s", ls->path, k8sc_error_last());
    shutdown(ls->fds[1], SHUT_WR);
    return NULL;
}

static ssize_t log_read_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    log_stream *ls = cls;
    for (;;) {
        if (k8sc__node_stopping(ls->srv))
            return MHD_CONTENT_READER_END_WITH_ERROR;
        struct pollfd p = { ls->fds[0], POLLIN, 0 };
        if (poll(&p, 1, WAIT_MS) <= 0)
            continue;
        ssize_t n = recv(ls->fds[0], buf, max, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
        return n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : n;
    }
}

static void log_free(void *cls)
{
    log_stream *ls = cls;
    __atomic_store_n(&ls->stop, true, __ATOMIC_RELEASE);
    if (ls->started)
        pthread_join(ls->thread, NULL);
    for (int i = 0; i < 2; i++)
        if (ls->fds[i] >= 0)
            close(ls->fds[i]);
    free(ls->path);
    free(ls);
}

static bool query_true(struct MHD_Connection *conn, const char *key)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* A non-negative integer query parameter; `def` when absent, -2 when malformed. */
static int64_t query_int(struct MHD_Connection *conn, const char *key, int64_t def)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
    if (!v)
        return def;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    return !*v || *end || errno || n < 0 ? -2 : n;
}

static int serve_logs(k8sc__node_server *s, struct MHD_Connection *conn, char **parts)
{
    k8sc_log_options o = K8SC_LOG_OPTIONS_INIT;
    o.follow = query_true(conn, "follow");
    o.timestamps = query_true(conn, "timestamps");
    o.tail_lines = query_int(conn, "tailLines", -1);
    o.limit_bytes = query_int(conn, "limitBytes", 0);
    int64_t since_s = query_int(conn, "sinceSeconds", 0);
    const char *since_time = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "sinceTime");
    if (o.tail_lines == -2 || o.limit_bytes == -2 || since_s == -2)
        return reply_error(conn, K8SC_EINVAL, "tailLines, limitBytes and sinceSeconds must be non-negative integers");
    if (since_s > 0)
        o.since_ns = k8sc_clock_now(NULL) - since_s * 1000000000;
    int64_t t;
    if (since_time && *since_time) {
        if (k8sc_time_parse(&t, since_time) != 0)
            return reply_error(conn, K8SC_EINVAL, k8sc_error_last());
        o.since_ns = t * 1000000000;
    }
    char *id = NULL, *path = NULL;
    int rc = k8sc__node_lookup(s, parts[1], parts[2], parts[3], query_true(conn, "previous"), &id, &path);
    free(id);
    if (rc != 0) {
        free(path);
        return reply_error(conn, rc, k8sc_error_last());
    }
    if (access(path, R_OK) != 0) {
        k8sc__buf m = K8SC__BUF_INIT;
        k8sc__buf_printf(&m, "failed to open log file \"%s\": %s", path, strerror(errno));
        free(path);
        int ret = reply_error(conn, K8SC_ENOTFOUND, m.ptr ? m.ptr : "log file not found");
        k8sc__buf_free(&m);
        return ret;
    }
    log_stream *ls = k8sc__calloc(1, sizeof(*ls));
    if (!ls) {
        free(path);
        return MHD_NO;
    }
    ls->srv = s;
    ls->path = path;
    ls->opts = o;
    ls->fds[0] = ls->fds[1] = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ls->fds) != 0 ||
        pthread_create(&ls->thread, NULL, log_main, ls) != 0) {
        log_free(ls);
        return reply_error(conn, K8SC_EIO, "cannot start reading the log");
    }
    ls->started = true;
    if (o.follow)
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned int)0);
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, log_read_cb, ls, log_free);
    if (!r) {
        log_free(ls);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* Split a path into at most `max` segments (in `copy`); the count. */
static size_t split(char *copy, char **parts, size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *seg = strtok_r(copy, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        if (n == max)
            return max + 1;
        parts[n++] = seg;
    }
    return n;
}

static int serve_json(struct MHD_Connection *conn, int rc, char *body)
{
    int ret = rc != 0 ? reply_error(conn, rc, k8sc_error_last()) : k8sc__node_reply(conn, 200, "application/json", body);
    free(body);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    (void)upload_data;
    k8sc__node_server *s = cls;
    if (!*con_cls) {
        *con_cls = s;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    char *copy = k8sc__strdup(url);
    if (!copy)
        return MHD_NO;
    char *parts[5];
    size_t n = split(copy, parts, 4);
    int ret;
    char *body = NULL;
    if (n == 1 && get && strcmp(parts[0], "healthz") == 0) {
        ret = k8sc__node_reply(conn, 200, "text/plain; charset=utf-8", "ok");
    } else if (n == 1 && get && strcmp(parts[0], "pods") == 0) {
        int rc = k8sc__node_pods(s->rt, &body);
        ret = serve_json(conn, rc, body);
    } else if (n == 2 && get && strcmp(parts[0], "stats") == 0 && strcmp(parts[1], "summary") == 0) {
        int rc = k8sc__node_stats_summary(s->rt, &body);
        ret = serve_json(conn, rc, body);
    } else if (n == 4 && get && strcmp(parts[0], "containerLogs") == 0) {
        ret = serve_logs(s, conn, parts);
    } else if (n == 4 && (strcmp(parts[0], "exec") == 0 || strcmp(parts[0], "attach") == 0)) {
        ret = get || strcmp(method, "POST") == 0
                  ? k8sc__node_serve_exec(s, conn, method, parts, strcmp(parts[0], "attach") == 0)
                  : k8sc__node_reply(conn, 405, "text/plain; charset=utf-8", "405: Method Not Allowed\n");
    } else {
        ret = k8sc__node_reply(conn, 404, "text/plain; charset=utf-8", "404 page not found\n");
    }
    free(copy);
    return ret == MHD_YES ? MHD_YES : MHD_NO;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    k8sc_log(K8SC_LOG_DEBUG, "node server: microhttpd: %s", msg);
}

int k8sc__node_server_start(k8sc__node_server **out, const char *address, uint16_t port, k8sc_runtime *rt,
                            k8sc__node_lookup_fn lookup, void *userdata)
{
    K8SC__CHECK_ARG(out && rt && lookup);
    *out = NULL;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    const char *host = address && *address ? address : "0.0.0.0";
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
        return k8sc_error_set(K8SC_EINVAL, "node server: %s is not an IPv4 address", host);
    k8sc__node_server *s = k8sc__calloc(1, sizeof(*s));
    if (!s)
        return K8SC_ENOMEM;
    s->rt = rt;
    s->lookup = lookup;
    s->userdata = userdata;
    s->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                                     MHD_USE_ERROR_LOG | MHD_ALLOW_UPGRADE,
                                 port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120, MHD_OPTION_EXTERNAL_LOGGER,
                                 mhd_log, s, MHD_OPTION_END);
    if (!s->daemon) {
        free(s);
        return k8sc_error_set(K8SC_EIO, "node server: cannot listen on %s:%u", host, (unsigned int)port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : port;
    k8sc_log(K8SC_LOG_INFO, "node server: serving on http://%s:%u", host, (unsigned int)s->port);
    *out = s;
    return 0;
}

uint16_t k8sc__node_server_port(const k8sc__node_server *s)
{
    return s ? s->port : 0;
}

void k8sc__node_server_stop(k8sc__node_server *s)
{
    if (!s)
        return;
    /* Followed logs and exec sessions see the flag within WAIT_MS and end, so MHD can join their threads. */
    __atomic_store_n(&s->stopping, true, __ATOMIC_RELEASE);
    MHD_stop_daemon(s->daemon);
    free(s);
}
