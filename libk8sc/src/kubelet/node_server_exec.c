/*
 * /exec/NS/POD/CONTAINER and /attach/NS/POD/CONTAINER over a WebSocket,
 * as the kubelet's streaming server speaks them (v5.channel.k8s.io and
 * v4.channel.k8s.io): binary frames whose first byte is the channel (0
 * stdin, 1 stdout, 2 stderr, 3 the final Status, 4 terminal resize, and
 * in v5 255 to close a channel). The session runs in the connection's
 * thread after the 101; an attach session ends with Success when the
 * container's output ends.
 *
 * client-go creates its streams only after the 101, concurrently with
 * the loop that reads frames, and drops a frame for a stream it has not
 * created yet ("Unknown stream id 1, discarding message"; then the close
 * gives "closed all streams"). A command that answers at once (the fake
 * runtime's echo) on a loaded machine wins that race. So output waits
 * until the client has sent something (kubectl sends stdin or the
 * terminal size once its streams exist) or HOLD_MS have passed.
 */
#include "node_server.h"

#include <errno.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "core/websocket.h"

#define WAIT_MS 200
#define HOLD_MS 250
#define MAX_MESSAGE (1024 * 1024)

enum { CH_STDIN = 0, CH_STDOUT = 1, CH_STDERR = 2, CH_ERROR = 3, CH_RESIZE = 4, CH_CLOSE = 255 };

typedef struct exec_req {
    k8sc__node_server *srv;
    char *container_id;
    char **argv;
    size_t argc;
    bool stdin_, stdout_, stderr_, tty;
    int version; /* 5 or 4 */
    bool attach; /* attach to the container's stdio instead of running argv */
    bool failed; /* out of memory while collecting the command */
} exec_req;

typedef struct session {
    exec_req *x;
    int sock;
    k8sc_runtime_exec *ex;
    k8sc__buf in;  /* bytes received, not yet a whole frame */
    k8sc__buf msg; /* a fragmented message being put together */
    bool sock_open;
    bool heard; /* the client has sent a frame: its streams exist */
} session;

static void exec_req_free(exec_req *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->argc; i++)
        free(x->argv[i]);
    free(x->argv);
    free(x->container_id);
    free(x);
}

static enum MHD_Result collect_command(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    exec_req *x = cls;
    if (strcmp(key, "command") != 0 || !value)
        return MHD_YES;
    char **grown = k8sc__realloc(x->argv, (x->argc + 2) * sizeof(*grown));
    char *copy = k8sc__strdup(value);
    if (grown)
        x->argv = grown;
    if (!grown || !copy) {
        free(copy);
        x->failed = true;
        return MHD_NO;
    }
    x->argv[x->argc++] = copy;
    x->argv[x->argc] = NULL;
    return MHD_YES;
}

static bool query_true(struct MHD_Connection *conn, const char *key)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* The first of the client's offered protocols we speak: 5, 4, or 0. */
static int pick_protocol(const char *offered)
{
    for (const char *p = offered; p && *p;) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, " \t,");
        if (n == 17 && strncmp(p, "v5.channel.k8s.io", 17) == 0)
            return 5;
        if (n == 17 && strncmp(p, "v4.channel.k8s.io", 17) == 0)
            return 4;
        p += n;
    }
    return 0;
}

static bool header_has(struct MHD_Connection *conn, const char *name, const char *token)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
    return v && strcasestr(v, token);
}

static int send_frame(session *s, int opcode, const void *data, size_t len)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__ws_frame_put(&b, opcode, data, len, NULL);
    int rc = k8sc__buf_status(&b) || k8sc__write_all(s->sock, b.ptr, b.len) != 0 ? -1 : 0;
    k8sc__buf_free(&b);
    if (rc != 0)
        s->sock_open = false;
    return rc;
}

static int send_channel(session *s, int ch, const char *data, size_t len)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_putc(&b, (char)ch);
    k8sc__buf_put(&b, data, len);
    int rc = k8sc__buf_status(&b) ? -1 : send_frame(s, K8SC__WS_BINARY, b.ptr, b.len);
    k8sc__buf_free(&b);
    return rc;
}

/* The metav1.Status that ends a session on the error channel. */
static void send_status(session *s, int exit_code, const char *error)
{
    struct json_object *st = json_object_new_object();
    json_object_object_add(st, "metadata", json_object_new_object());
    if (!error && exit_code == 0) {
        json_object_object_add(st, "status", json_object_new_string("Success"));
    } else if (!error) {
        char msg[96], code[16];
        snprintf(msg, sizeof(msg), "command terminated with non-zero exit code: exit status %d", exit_code);
        snprintf(code, sizeof(code), "%d", exit_code);
        struct json_object *details = json_object_new_object(), *causes = json_object_new_array();
        struct json_object *cause = json_object_new_object();
        json_object_object_add(cause, "reason", json_object_new_string("ExitCode"));
        json_object_object_add(cause, "message", json_object_new_string(code));
        json_object_array_add(causes, cause);
        json_object_object_add(details, "causes", causes);
        json_object_object_add(st, "status", json_object_new_string("Failure"));
        json_object_object_add(st, "message", json_object_new_string(msg));
        json_object_object_add(st, "reason", json_object_new_string("NonZeroExitCode"));
        json_object_object_add(st, "details", details);
    } else {
        json_object_object_add(st, "status", json_object_new_string("Failure"));
        json_object_object_add(st, "message", json_object_new_string(error));
        json_object_object_add(st, "reason", json_object_new_string("InternalError"));
        json_object_object_add(st, "code", json_object_new_int(500));
    }
    const char *text = json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN);
    send_channel(s, CH_ERROR, text, strlen(text));
    json_object_put(st);
}

static void resize(session *s, const char *data, size_t len)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *o = tok ? json_tokener_parse_ex(tok, data, (int)len) : NULL;
    json_tokener_free(tok);
    struct json_object *w = k8sc__json_member(o, "Width"), *h = k8sc__json_member(o, "Height");
    if (w && h)
        k8sc_runtime_exec_resize(s->ex, (uint16_t)json_object_get_int(w), (uint16_t)json_object_get_int(h));
    json_object_put(o);
}

/* A whole binary message from the client. */
static void on_message(session *s, const uint8_t *data, size_t len)
{
    if (len == 0)
        return;
    int stdin_fd = k8sc_runtime_exec_fd(s->ex, 0);
    switch (data[0]) {
    case CH_STDIN:
        if (stdin_fd >= 0 && len > 1 && k8sc__write_all(stdin_fd, data + 1, len - 1) != 0)
            k8sc_runtime_exec_close_stdin(s->ex);
        break;
    case CH_RESIZE:
        resize(s, (const char *)data + 1, len - 1);
        break;
    case CH_CLOSE:
        if (s->x->version >= 5 && len > 1 && data[1] == CH_STDIN)
            k8sc_runtime_exec_close_stdin(s->ex);
        break;
    default:
        break;
    }
}

/* Handle every whole frame in s->in. */
static void on_input(session *s)
{
    size_t off = 0;
    while (s->sock_open) {
        k8sc__ws_frame f;
        ssize_t used = k8sc__ws_frame_parse((uint8_t *)s->in.ptr + off, s->in.len - off, MAX_MESSAGE, &f);
        if (used < 0) {
            s->sock_open = false;
            break;
        }
        if (used == 0)
            break;
        off += (size_t)used;
        s->heard = true;
        if (f.opcode == K8SC__WS_PING) {
            send_frame(s, K8SC__WS_PONG, f.payload, f.len);
        } else if (f.opcode == K8SC__WS_CLOSE) {
            send_frame(s, K8SC__WS_CLOSE, f.payload, f.len >= 2 ? 2 : 0);
            s->sock_open = false;
        } else if (f.opcode == K8SC__WS_BINARY || f.opcode == K8SC__WS_TEXT || f.opcode == K8SC__WS_CONT) {
            if (f.opcode != K8SC__WS_CONT)
                s->msg.len = 0;
            k8sc__buf_put(&s->msg, (const char *)f.payload, f.len);
            if (s->msg.len > MAX_MESSAGE || k8sc__buf_status(&s->msg))
                s->sock_open = false;
            else if (f.fin)
                on_message(s, (const uint8_t *)s->msg.ptr, s->msg.len);
        }
    }
    if (s->in.len) {
        memmove(s->in.ptr, s->in.ptr + off, s->in.len - off);
        s->in.len -= off;
    }
}

static void read_socket(session *s)
{
    char chunk[16384];
    ssize_t n = recv(s->sock, chunk, sizeof(chunk), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        s->sock_open = false;
        return;
    }
    k8sc__buf_put(&s->in, chunk, (size_t)n);
    if (k8sc__buf_status(&s->in))
        s->sock_open = false;
    else
        on_input(s);
}

/* Pass what the command wrote on fd `which` (1 or 2) to its channel; false at end of file. */
static bool pump_output(session *s, int which)
{
    char chunk[32768];
    ssize_t n = read(k8sc_runtime_exec_fd(s->ex, which), chunk, sizeof(chunk));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false;
    bool wanted = which == 1 ? s->x->stdout_ : s->x->stderr_;
    if (wanted)
        send_channel(s, which, chunk, (size_t)n);
    return true;
}

static int start(session *s)
{
    exec_req *x = s->x;
    k8sc_runtime *rt = k8sc__node_runtime(x->srv);
    if (x->attach) {
        k8sc_attach_options ao = { K8SC_ATTACH_OPTIONS_VERSION, x->stdin_, x->stdout_, x->stderr_ };
        return k8sc_runtime_attach(rt, &s->ex, x->container_id, &ao);
    }
    k8sc_exec_options eo = { K8SC_EXEC_OPTIONS_VERSION, (const char *const *)x->argv, x->argc, x->tty, x->stdin_, 0, 0 };
    return k8sc_runtime_exec_start(rt, &s->ex, x->container_id, &eo);
}

/* Wait until the client has sent a frame or `until` (monotonic ns) has passed. */
static void hold_for_client(session *s, int64_t until)
{
    while (!s->heard && s->sock_open && !k8sc__node_stopping(s->x->srv)) {
        int64_t left_ms = (until - k8sc_clock_mono(NULL)) / 1000000;
        if (left_ms <= 0)
            break;
        struct pollfd p = { s->sock, POLLIN, 0 };
        if (poll(&p, 1, (int)left_ms) > 0)
            read_socket(s);
    }
}

static void run_session(session *s)
{
    exec_req *x = s->x;
    int64_t hold_until = k8sc_clock_mono(NULL) + (int64_t)HOLD_MS * 1000000;
    if (start(s) != 0) {
        char *error = k8sc__strdup(k8sc_error_last());
        hold_for_client(s, hold_until);
        send_status(s, 0, error ? error : "out of memory");
        free(error);
        return;
    }
    if (!x->stdin_)
        k8sc_runtime_exec_close_stdin(s->ex);
    bool open[3] = { false, k8sc_runtime_exec_fd(s->ex, 1) >= 0, k8sc_runtime_exec_fd(s->ex, 2) >= 0 };
    if (s->in.len)
        on_input(s);
    while ((open[1] || open[2]) && s->sock_open && !k8sc__node_stopping(x->srv)) {
        int64_t hold_ms = s->heard ? 0 : (hold_until - k8sc_clock_mono(NULL)) / 1000000;
        bool held = hold_ms > 0;
        struct pollfd p[3] = { { s->sock, POLLIN, 0 },
                               { open[1] && !held ? k8sc_runtime_exec_fd(s->ex, 1) : -1, POLLIN, 0 },
                               { open[2] && !held ? k8sc_runtime_exec_fd(s->ex, 2) : -1, POLLIN, 0 } };
        if (poll(p, 3, held && hold_ms < WAIT_MS ? (int)hold_ms : WAIT_MS) <= 0)
            continue;
        if (p[0].revents)
            read_socket(s);
        for (int i = 1; i < 3; i++)
            if (p[i].revents && !pump_output(s, i))
                open[i] = false;
    }
    int code = -1;
    while (s->sock_open && !k8sc__node_stopping(x->srv)) {
        int rc = k8sc_runtime_exec_wait(s->ex, &code, WAIT_MS);
        if (rc == 0)
            break;
        if (rc != K8SC_ETIMEOUT) {
            send_status(s, 0, k8sc_error_last());
            return;
        }
        struct pollfd p = { s->sock, POLLIN, 0 };
        if (poll(&p, 1, 0) > 0)
            read_socket(s);
    }
    if (s->sock_open && code >= 0)
        send_status(s, code, NULL);
}

static void on_upgrade(void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra_in,
                       size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
    (void)conn;
    (void)req_cls;
    session s = { .x = cls, .sock = sock, .in = K8SC__BUF_INIT, .msg = K8SC__BUF_INIT, .sock_open = true };
    k8sc__buf_put(&s.in, extra_in, extra_in_size);
    /* Writing to the stdin of a command that has ended must give EPIPE, not kill the process. */
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    run_session(&s);
    if (s.sock_open)
        send_frame(&s, K8SC__WS_CLOSE, "\x03\xe8", 2);
    k8sc_runtime_exec_free(s.ex);
    struct timespec zero = { 0, 0 };
    while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
        ;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    k8sc__buf_free(&s.in);
    k8sc__buf_free(&s.msg);
    exec_req_free(s.x);
    MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
}

static int bad_request(struct MHD_Connection *conn, const char *msg)
{
    return k8sc__node_reply(conn, MHD_HTTP_BAD_REQUEST, "text/plain; charset=utf-8", msg);
}

int k8sc__node_serve_exec(k8sc__node_server *srv, struct MHD_Connection *conn, const char *method, char **parts,
                          bool attach)
{
    (void)method;
    exec_req *x = k8sc__calloc(1, sizeof(*x));
    if (!x)
        return MHD_NO;
    x->srv = srv;
    x->attach = attach;
    x->stdin_ = query_true(conn, "stdin");
    x->stdout_ = query_true(conn, "stdout");
    x->stderr_ = query_true(conn, "stderr");
    x->tty = query_true(conn, "tty");
    int ret;
    const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Sec-WebSocket-Key");
    const char *offered = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Sec-WebSocket-Protocol");
    char *log_path = NULL;
    if (!attach)
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_command, x);
    if (x->failed) {
        ret = MHD_NO;
    } else if (!attach && x->argc == 0) {
        ret = bad_request(conn, "you must specify at least one command for the container\n");
    } else if (!x->stdin_ && !x->stdout_ && !x->stderr_) {
        ret = bad_request(conn, "you must specify at least 1 of stdin, stdout, stderr\n");
    } else if (!header_has(conn, "Upgrade", "websocket") || !header_has(conn, "Connection", "upgrade") || !key ||
               !*key) {
        ret = bad_request(conn, "a WebSocket upgrade (with Sec-WebSocket-Key) is required\n");
    } else if (!(x->version = pick_protocol(offered))) {
        ret = bad_request(conn, "no supported protocol offered: use v5.channel.k8s.io or v4.channel.k8s.io\n");
    } else {
        int rc = k8sc__node_lookup(srv, parts[1], parts[2], parts[3], false, &x->container_id, &log_path);
        if (rc != 0) {
            k8sc__buf m = K8SC__BUF_INIT;
            k8sc__buf_printf(&m, "%s\n", k8sc_error_last());
            ret = k8sc__node_reply(conn, rc == K8SC_ENOTFOUND ? MHD_HTTP_NOT_FOUND : MHD_HTTP_BAD_REQUEST,
                                   "text/plain; charset=utf-8", m.ptr ? m.ptr : "");
            k8sc__buf_free(&m);
        } else {
            char accept[K8SC__WS_ACCEPT_BUFSIZE];
            k8sc__ws_accept(accept, key);
            struct MHD_Response *r = MHD_create_response_for_upgrade(on_upgrade, x);
            if (!r) {
                ret = MHD_NO;
            } else {
                MHD_add_response_header(r, MHD_HTTP_HEADER_UPGRADE, "websocket");
                MHD_add_response_header(r, "Sec-WebSocket-Accept", accept);
                MHD_add_response_header(r, "Sec-WebSocket-Protocol",
                                        x->version == 5 ? "v5.channel.k8s.io" : "v4.channel.k8s.io");
                MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned int)0);
                ret = MHD_queue_response(conn, MHD_HTTP_SWITCHING_PROTOCOLS, r);
                MHD_destroy_response(r);
                if (ret == MHD_YES)
                    x = NULL; /* the upgrade handler frees it */
            }
        }
    }
    free(log_path);
    exec_req_free(x);
    return ret;
}
