/*
 * pods/exec and pods/attach from the client: curl connects (proxy, TLS,
 * client certificates as for every request) and then only carries bytes
 * (CURLOPT_CONNECT_ONLY); the upgrade request and the WebSocket frames
 * of the remote command protocol (v5.channel.k8s.io, else v4) are ours:
 * binary messages whose first byte is the channel (0 stdin, 1 stdout,
 * 2 stderr, 3 the final Status, 4 terminal size, 255 v5's close of a
 * channel). Client frames are masked, as RFC 6455 requires.
 */
#include "client_internal.h"

#include "core/websocket.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#define MAX_MESSAGE (16 * 1024 * 1024)
#define HEAD_MAX 16384
#define IO_WAIT_MS 1000
/* The session loop wakes this often even when idle (signal handlers deferred by a sanitizer run then). */
#define PUMP_WAIT_MS 200

enum { CH_STDIN = 0, CH_STDOUT = 1, CH_STDERR = 2, CH_ERROR = 3, CH_RESIZE = 4, CH_CLOSE = 255 };

typedef struct ws_conn {
    CURL *easy;
    curl_socket_t sock;
    int version; /* 5 or 4 */
    k8sc__buf in;  /* received, not yet a whole frame */
    k8sc__buf msg; /* a fragmented message being put together */
    k8sc__buf status;
    bool have_status;
    bool closed;
    const k8sc_client_stream_options *opts;
} ws_conn;

int k8sc_client_stream_options_init(k8sc_client_stream_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts);
    if (version != K8SC_CLIENT_STREAM_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_client_stream_options: unknown version %u", version);
    k8sc_client_stream_options init = K8SC_CLIENT_STREAM_OPTIONS_INIT;
    *opts = init;
    return 0;
}

static void random_bytes(uint8_t *out, size_t n)
{
    if (getrandom(out, n, 0) != (ssize_t)n)
        for (size_t i = 0; i < n; i++)
            out[i] = (uint8_t)(rand() & 0xff);
}

/* Send all of `data` through curl's connection (TLS or not). 0 or EIO. */
static int conn_send(ws_conn *c, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        size_t sent = 0;
        CURLcode cc = curl_easy_send(c->easy, p, len, &sent);
        if (cc == CURLE_AGAIN) {
            struct pollfd pf = { c->sock, POLLOUT, 0 };
            if (poll(&pf, 1, 30000) <= 0)
                return k8sc_error_set(K8SC_EIO, "exec: the server stopped reading");
            continue;
        }
        if (cc != CURLE_OK)
            return k8sc_error_set(K8SC_EIO, "exec: sending: %s", curl_easy_strerror(cc));
        p += sent;
        len -= sent;
    }
    return 0;
}

/* Receive what is there into c->in: 1 with data, 0 when nothing is ready, -1 at the end of the connection. */
static int conn_recv(ws_conn *c)
{
    char chunk[32768];
    size_t got = 0;
    CURLcode cc = curl_easy_recv(c->easy, chunk, sizeof(chunk), &got);
    if (cc == CURLE_AGAIN)
        return 0;
    if (cc != CURLE_OK || got == 0)
        return -1;
    return k8sc__buf_put(&c->in, chunk, got) == 0 ? 1 : -1;
}

static int send_frame(ws_conn *c, int opcode, const void *data, size_t len)
{
    uint8_t mask[4];
    random_bytes(mask, sizeof(mask));
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__ws_frame_put(&b, opcode, data, len, mask);
    int rc = k8sc__buf_status(&b) ? K8SC_ENOMEM : conn_send(c, b.ptr, b.len);
    k8sc__buf_free(&b);
    return rc;
}

static int send_channel(ws_conn *c, int ch, const void *data, size_t len)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_putc(&b, (char)ch);
    k8sc__buf_put(&b, data, len);
    int rc = k8sc__buf_status(&b) ? K8SC_ENOMEM : send_frame(c, K8SC__WS_BINARY, b.ptr, b.len);
    k8sc__buf_free(&b);
    return rc;
}

static int send_size(ws_conn *c)
{
    uint16_t w = 0, h = 0;
    if (!c->opts->size_fn || c->opts->size_fn(&w, &h, c->opts->userdata) != 0)
        return 0;
    char msg[64];
    int n = snprintf(msg, sizeof(msg), "{\"Width\":%u,\"Height\":%u}", (unsigned)w, (unsigned)h);
    return send_channel(c, CH_RESIZE, msg, (size_t)n);
}

/* Write all of `data` to the caller's fd, waiting when it is non-blocking and full. */
static void write_out(int fd, const char *data, size_t len)
{
    while (fd >= 0 && len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd pf = { fd, POLLOUT, 0 };
            poll(&pf, 1, IO_WAIT_MS);
            continue;
        }
        if (n <= 0)
            return;
        data += n;
        len -= (size_t)n;
    }
}

static void on_message(ws_conn *c, const char *data, size_t len)
{
    if (len == 0)
        return;
    switch ((uint8_t)data[0]) {
    case CH_STDOUT:
        write_out(c->opts->stdout_fd, data + 1, len - 1);
        break;
    case CH_STDERR:
        write_out(c->opts->stderr_fd, data + 1, len - 1);
        break;
    case CH_ERROR:
        k8sc__buf_put(&c->status, data + 1, len - 1);
        c->have_status = true;
        break;
    default:
        break;
    }
}

/* Handle every whole frame in c->in. 0, or EIO for a malformed stream. */
static int on_input(ws_conn *c)
{
    size_t off = 0;
    int rc = 0;
    while (!c->closed && rc == 0) {
        k8sc__ws_frame f;
        ssize_t used = k8sc__ws_frame_parse((uint8_t *)c->in.ptr + off, c->in.len - off, MAX_MESSAGE, &f);
        if (used < 0)
            rc = k8sc_error_set(K8SC_EIO, "exec: malformed WebSocket frame from the server");
        if (used <= 0)
            break;
        off += (size_t)used;
        if (f.opcode == K8SC__WS_PING) {
            rc = send_frame(c, K8SC__WS_PONG, f.payload, f.len);
        } else if (f.opcode == K8SC__WS_CLOSE) {
            send_frame(c, K8SC__WS_CLOSE, f.payload, f.len >= 2 ? 2 : 0);
            c->closed = true;
        } else if (f.opcode == K8SC__WS_BINARY || f.opcode == K8SC__WS_TEXT || f.opcode == K8SC__WS_CONT) {
            if (f.opcode != K8SC__WS_CONT)
                c->msg.len = 0;
            k8sc__buf_put(&c->msg, (const char *)f.payload, f.len);
            if (c->msg.len > MAX_MESSAGE || k8sc__buf_status(&c->msg))
                rc = k8sc_error_set(K8SC_EIO, "exec: message from the server too large");
            else if (f.fin)
                on_message(c, c->msg.ptr, c->msg.len);
        }
    }
    if (c->in.len) {
        memmove(c->in.ptr, c->in.ptr + off, c->in.len - off);
        c->in.len -= off;
    }
    return rc;
}

/* Read the reply head into `head` (it ends in CRLF CRLF); what follows stays in c->in. */
static int read_head(ws_conn *c, k8sc__buf *head, const char *url)
{
    for (;;) {
        char *end = c->in.ptr ? memmem(c->in.ptr, c->in.len, "\r\n\r\n", 4) : NULL;
        if (end) {
            size_t n = (size_t)(end - c->in.ptr) + 4;
            k8sc__buf_put(head, c->in.ptr, n);
            memmove(c->in.ptr, c->in.ptr + n, c->in.len - n);
            c->in.len -= n;
            return k8sc__buf_status(head) ? K8SC_ENOMEM : 0;
        }
        if (c->in.len > HEAD_MAX)
            return k8sc_error_set(K8SC_EIO, "exec %s: reply head too large", url);
        int got = conn_recv(c);
        if (got < 0)
            return k8sc_error_set(K8SC_EIO, "exec %s: the server closed the connection", url);
        if (got == 0) {
            struct pollfd pf = { c->sock, POLLIN, 0 };
            if (poll(&pf, 1, 30000) == 0)
                return k8sc_error_set(K8SC_ETIMEOUT, "exec %s: no reply from the server", url);
        }
    }
}

/* The value of header `name` in `head` (copied into out), or false. */
static bool header_value(const char *head, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, n) != 0 || p[2 + n] != ':')
            continue;
        const char *v = p + 3 + n;
        v += strspn(v, " \t");
        size_t len = strcspn(v, "\r");
        snprintf(out, size, "%.*s", (int)len, v);
        return true;
    }
    return false;
}

/* The rest of an error reply's body (Content-Length, else until close), into c->in. */
static void read_body(ws_conn *c, const char *head)
{
    char v[32];
    size_t want = header_value(head, "Content-Length", v, sizeof(v)) ? (size_t)strtoul(v, NULL, 10) : HEAD_MAX;
    while (c->in.len < want && c->in.len < HEAD_MAX) {
        int got = conn_recv(c);
        if (got < 0)
            break;
        struct pollfd pf = { c->sock, POLLIN, 0 };
        if (got == 0 && poll(&pf, 1, 5000) <= 0)
            break;
    }
}

/* Connect, send the upgrade request for `url` and check the 101. */
static int handshake(ws_conn *c, k8sc_client *client, k8sc__easy_lists *lists, const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *path = NULL, *query = NULL, *token = NULL;
    k8sc__buf req = K8SC__BUF_INIT, head = K8SC__BUF_INIT;
    int rc = k8sc__client_setup_easy(c->easy, client, lists, NULL);
    if (rc == 0 && (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
                    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
                    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
                    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK ||
                    curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK))
        rc = k8sc_error_set(K8SC_EINVAL, "exec: URL \"%s\" is not valid", url);
    char errbuf[CURL_ERROR_SIZE] = "";
    if (rc == 0) {
        curl_easy_setopt(c->easy, CURLOPT_URL, url);
        curl_easy_setopt(c->easy, CURLOPT_CONNECT_ONLY, 1L);
        curl_easy_setopt(c->easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
        curl_easy_setopt(c->easy, CURLOPT_SSL_ENABLE_ALPN, 0L);
        curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, errbuf);
        CURLcode cc = curl_easy_perform(c->easy);
        if (cc != CURLE_OK)
            rc = k8sc__client_curl_error(cc, errbuf, "GET", url, client->timeout_ms);
        else if (curl_easy_getinfo(c->easy, CURLINFO_ACTIVESOCKET, &c->sock) != CURLE_OK || c->sock == CURL_SOCKET_BAD)
            rc = k8sc_error_set(K8SC_EIO, "exec: no connection to %s", url);
    }
    if (rc == 0)
        rc = k8sc_client_config_token(&token, client->config);
    uint8_t nonce[16];
    random_bytes(nonce, sizeof(nonce));
    k8sc__buf key = K8SC__BUF_INIT;
    k8sc__base64_encode(&key, nonce, sizeof(nonce), 0);
    if (rc == 0) {
        k8sc__buf_printf(&req, "GET %s?%s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: %s\r\n", path, query, host, port,
                         client->user_agent);
        if (token)
            k8sc__buf_printf(&req, "Authorization: Bearer %s\r\n", token);
        else if (client->config->username) {
            k8sc__buf cred = K8SC__BUF_INIT, enc = K8SC__BUF_INIT;
            k8sc__buf_printf(&cred, "%s:%s", client->config->username,
                             client->config->password ? client->config->password : "");
            k8sc__base64_encode(&enc, cred.ptr ? cred.ptr : "", cred.len, 0);
            k8sc__buf_printf(&req, "Authorization: Basic %s\r\n", enc.ptr ? enc.ptr : "");
            k8sc__buf_free(&cred);
            k8sc__buf_free(&enc);
        }
        k8sc__buf_printf(&req,
                         "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                         "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io\r\n\r\n",
                         key.ptr ? key.ptr : "");
        rc = k8sc__buf_status(&req) || k8sc__buf_status(&key) ? K8SC_ENOMEM : conn_send(c, req.ptr, req.len);
    }
    if (rc == 0)
        rc = read_head(c, &head, url);
    int status = 0;
    if (rc == 0 && sscanf(head.ptr, "HTTP/1.%*d %d", &status) != 1)
        rc = k8sc_error_set(K8SC_EIO, "exec %s: not an HTTP reply", url);
    if (rc == 0 && status != 101) {
        read_body(c, head.ptr);
        rc = k8sc__client_status_error(status, c->in.ptr ? c->in.ptr : "", c->in.len, "GET", url);
    }
    char accept[K8SC__WS_ACCEPT_BUFSIZE], got[64] = "", proto[64] = "";
    if (rc == 0) {
        k8sc__ws_accept(accept, key.ptr ? key.ptr : "");
        header_value(head.ptr, "Sec-WebSocket-Accept", got, sizeof(got));
        header_value(head.ptr, "Sec-WebSocket-Protocol", proto, sizeof(proto));
        if (strcmp(accept, got) != 0)
            rc = k8sc_error_set(K8SC_EIO, "exec %s: the server's Sec-WebSocket-Accept is wrong", url);
        else if (strcmp(proto, "v5.channel.k8s.io") == 0 || strcmp(proto, "v4.channel.k8s.io") == 0)
            c->version = proto[1] - '0';
        else
            rc = k8sc_error_set(K8SC_EIO, "exec %s: the server chose no protocol we speak (\"%s\")", url, proto);
    }
    k8sc__buf_free(&key);
    k8sc__buf_free(&req);
    k8sc__buf_free(&head);
    free(token);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return rc;
}

/* Pump until the server closes; then the Status decides. */
static int pump(ws_conn *c)
{
    const k8sc_client_stream_options *o = c->opts;
    int rc = o->tty ? send_size(c) : 0;
    bool stdin_open = o->stdin_fd >= 0;
    if (rc == 0)
        rc = on_input(c);
    while (rc == 0 && !c->closed) {
        /* curl may hold decrypted bytes the socket no longer signals: drain before polling. */
        int got;
        while ((got = conn_recv(c)) > 0)
            ;
        /* What arrived just before the end still counts (often the Status). */
        if ((rc = on_input(c)) != 0 || c->closed || got < 0)
            break;
        struct pollfd p[3] = { { c->sock, POLLIN, 0 },
                               { stdin_open ? o->stdin_fd : -1, POLLIN, 0 },
                               { o->resize_fd, POLLIN, 0 } };
        if (poll(p, 3, PUMP_WAIT_MS) <= 0)
            continue;
        if (p[1].revents) {
            char chunk[32768];
            ssize_t n = read(o->stdin_fd, chunk, sizeof(chunk));
            if (n > 0) {
                rc = send_channel(c, CH_STDIN, chunk, (size_t)n);
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                stdin_open = false;
                /* v5 can say that stdin has ended; v4 cannot (the command keeps waiting, as with kubectl). */
                if (c->version >= 5) {
                    const char end[2] = { (char)CH_CLOSE, CH_STDIN };
                    rc = send_frame(c, K8SC__WS_BINARY, end, 2);
                }
            }
        }
        if (rc == 0 && p[2].revents) {
            char drain[64];
            while (read(o->resize_fd, drain, sizeof(drain)) == (ssize_t)sizeof(drain))
                ;
            rc = send_size(c);
        }
    }
    return rc;
}

/* The exit code a Status says: 0 for Success, N for NonZeroExitCode; an error for any other failure. */
static int status_result(int *exit_code, const k8sc__buf *status)
{
    struct json_object *st = json_tokener_parse(status->ptr ? status->ptr : "");
    const char *s = k8sc__json_string(st, "status"), *reason = k8sc__json_string(st, "reason");
    int rc = 0;
    if (s && strcmp(s, "Success") == 0) {
        *exit_code = 0;
    } else if (reason && strcmp(reason, "NonZeroExitCode") == 0) {
        struct json_object *causes = k8sc__json_member(k8sc__json_member(st, "details"), "causes");
        *exit_code = 1;
        for (size_t i = 0; causes && i < json_object_array_length(causes); i++) {
            struct json_object *cause = json_object_array_get_idx(causes, i);
            const char *r = k8sc__json_string(cause, "reason"), *m = k8sc__json_string(cause, "message");
            if (r && m && strcmp(r, "ExitCode") == 0)
                *exit_code = atoi(m);
        }
    } else {
        const char *msg = k8sc__json_string(st, "message");
        rc = k8sc_error_set(K8SC_EIO, "%s", msg ? msg : "the session failed without a message");
    }
    json_object_put(st);
    return rc;
}

static int run(int *exit_code, k8sc_client *client, const char *kind, const char *namespace_, const char *pod,
               const char *const *command, size_t n_command, const k8sc_client_stream_options *opts)
{
    if (opts->version != K8SC_CLIENT_STREAM_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_client_stream_options: unknown version %u", opts->version);
    if (client->apiserver)
        return k8sc_error_set(K8SC_EUNAVAILABLE, "%s needs an HTTP connection to the API server", kind);
    if (!pod[0] || strchr(pod, '/'))
        return k8sc_error_set(K8SC_EINVAL, "%s: invalid pod name \"%s\"", kind, pod);
    if (opts->stdin_fd < 0 && opts->stdout_fd < 0 && (opts->stderr_fd < 0 || opts->tty))
        return k8sc_error_set(K8SC_EINVAL, "%s: at least one of stdin, stdout and stderr is required", kind);
    CURL *easy = curl_easy_init();
    if (!easy)
        return K8SC_ENOMEM;
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "/api/v1/namespaces/%s/pods/%s/%s?", namespace_ ? namespace_ : k8sc_client_namespace(client),
                     pod, kind);
    for (size_t i = 0; i < n_command; i++) {
        k8sc__buf_puts(&path, "command=");
        k8sc__buf_put_urlescaped(&path, command[i]);
        k8sc__buf_putc(&path, '&');
    }
    if (opts->container) {
        k8sc__buf_puts(&path, "container=");
        k8sc__buf_put_urlescaped(&path, opts->container);
        k8sc__buf_putc(&path, '&');
    }
    k8sc__buf_printf(&path, "stdin=%s&stdout=%s&stderr=%s&tty=%s", opts->stdin_fd >= 0 ? "true" : "false",
                     opts->stdout_fd >= 0 ? "true" : "false", opts->stderr_fd >= 0 && !opts->tty ? "true" : "false",
                     opts->tty ? "true" : "false");
    char *url = k8sc__buf_status(&path) ? NULL : k8sc__client_url(client, path.ptr);
    k8sc__buf_free(&path);
    ws_conn c = { easy, CURL_SOCKET_BAD, 0, K8SC__BUF_INIT, K8SC__BUF_INIT, K8SC__BUF_INIT, false, false, opts };
    k8sc__easy_lists lists = { NULL, NULL };
    int rc = url ? handshake(&c, client, &lists, url) : K8SC_ENOMEM;
    if (rc == 0)
        rc = pump(&c);
    if (rc == 0 && !c.have_status)
        rc = k8sc_error_set(K8SC_EIO, "%s: the connection ended without the command's status", kind);
    int code = 0;
    if (rc == 0)
        rc = status_result(&code, &c.status);
    if (rc == 0 && exit_code)
        *exit_code = code;
    curl_easy_cleanup(easy);
    k8sc__easy_lists_free(&lists);
    k8sc__buf_free(&c.in);
    k8sc__buf_free(&c.msg);
    k8sc__buf_free(&c.status);
    free(url);
    return rc;
}

int k8sc_client_exec(int *exit_code, k8sc_client *client, const char *namespace_, const char *pod,
                     const char *const *command, size_t n_command, const k8sc_client_stream_options *opts)
{
    K8SC__CHECK_ARG(exit_code && client && pod && opts);
    *exit_code = -1;
    if (n_command == 0 || !command || !command[0] || !command[0][0])
        return k8sc_error_set(K8SC_EINVAL, "exec: a command is required");
    return run(exit_code, client, "exec", namespace_, pod, command, n_command, opts);
}

int k8sc_client_attach(k8sc_client *client, const char *namespace_, const char *pod,
                       const k8sc_client_stream_options *opts)
{
    K8SC__CHECK_ARG(client && pod && opts);
    return run(NULL, client, "attach", namespace_, pod, NULL, 0, opts);
}
