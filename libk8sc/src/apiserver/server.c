/*
 * The server object and its transports: libmicrohttpd over HTTP or HTTPS
 * (one thread per connection, so a watch may block in its content reader
 * without holding up other clients; keep-alive; watches as chunked
 * responses) and the in-process k8sc_apiserver_handle().
 */
#include "apiserver_internal.h"
#include "authn.h"
#include "inproc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Largest certificate, key or CA file read. */
#define PEM_MAX ((size_t)1024 * 1024)

/* How many bytes of k8sc_apiserver_options a caller of `version` has; 0 for an unknown version. */
static size_t options_size(unsigned int version)
{
    if (version == 1)
        return offsetof(k8sc_apiserver_options, token_file);
    if (version == 2)
        return offsetof(k8sc_apiserver_options, tls_cert_file);
    return version == K8SC_APISERVER_OPTIONS_VERSION ? sizeof(k8sc_apiserver_options) : 0;
}

int k8sc_apiserver_options_init(k8sc_apiserver_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts);
    if (!options_size(version))
        return k8sc_error_set(K8SC_EINVAL, "k8sc_apiserver_options_init: unknown version %u", version);
    const k8sc_apiserver_options init = K8SC_APISERVER_OPTIONS_INIT;
    memcpy(opts, &init, options_size(version));
    opts->version = version;
    return 0;
}

/* "HOST:PORT" or ":PORT" into host and port. */
static int parse_listen(k8sc_apiserver *srv, const char *listen)
{
    const char *colon = strrchr(listen, ':');
    if (!colon)
        return k8sc_error_set(K8SC_EINVAL, "listen address %s: expected HOST:PORT", listen);
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535)
        return k8sc_error_set(K8SC_EINVAL, "listen address %s: invalid port", listen);
    srv->listen_host = colon == listen ? k8sc__strdup("0.0.0.0") : k8sc__strndup(listen, (size_t)(colon - listen));
    if (!srv->listen_host)
        return K8SC_ENOMEM;
    struct in_addr a;
    if (inet_pton(AF_INET, srv->listen_host, &a) != 1)
        return k8sc_error_set(K8SC_EINVAL, "listen address %s: %s is not an IPv4 address", listen, srv->listen_host);
    srv->listen_port = (int)port;
    return 0;
}

/* The contents of PEM file `path` (`what` in messages), NUL-terminated (caller frees). */
static int read_pem(char **out, const char *path, const char *what)
{
    int rc = k8sc__read_file(out, NULL, path, PEM_MAX);
    return rc == 0 ? 0 : k8sc_error_set(rc, "%s: %s", what, k8sc_error_last());
}

/* The first certificate of a PEM text, or NULL. */
static X509 *first_cert(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, k8sc__pem_no_passphrase, NULL) : NULL;
    BIO_free(bio);
    return x;
}

/*
 * Read and check the serving certificate and key (and the CA bundle for
 * /cacerts) before serving: libmicrohttpd only finds a bad one when it
 * starts, and then cannot say what is wrong.
 */
static int load_tls(k8sc_apiserver *srv, const k8sc_apiserver_options *o)
{
    if (!o->tls_cert_file != !o->tls_key_file)
        return k8sc_error_set(K8SC_EINVAL, "apiserver: TLS needs both a certificate file and a private key file");
    if (o->tls_ca_file && !o->tls_cert_file)
        return k8sc_error_set(K8SC_EINVAL, "apiserver: /cacerts (%s) is served only over TLS", o->tls_ca_file);
    if (!o->tls_cert_file)
        return 0;
    int rc = read_pem(&srv->tls_cert, o->tls_cert_file, "TLS certificate file");
    if (!rc)
        rc = read_pem(&srv->tls_key, o->tls_key_file, "TLS private key file");
    if (!rc && o->tls_ca_file)
        rc = read_pem(&srv->tls_ca, o->tls_ca_file, "CA file");
    if (rc)
        return rc;
    X509 *cert = first_cert(srv->tls_cert), *ca = srv->tls_ca ? first_cert(srv->tls_ca) : NULL;
    BIO *bio = BIO_new_mem_buf(srv->tls_key, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, k8sc__pem_no_passphrase, NULL) : NULL;
    if (!cert)
        rc = k8sc_error_set(K8SC_EINVAL, "TLS certificate file %s: no PEM certificate in it", o->tls_cert_file);
    else if (!key)
        rc = k8sc_error_set(K8SC_EINVAL, "TLS private key file %s: no unencrypted PEM private key in it",
            o->tls_key_file);
    else if (X509_check_private_key(cert, key) != 1)
        rc = k8sc_error_set(K8SC_EINVAL, "TLS private key file %s: not the key of the certificate in %s",
            o->tls_key_file, o->tls_cert_file);
    else if (o->tls_ca_file && !ca)
        rc = k8sc_error_set(K8SC_EINVAL, "CA file %s: no PEM certificate in it", o->tls_ca_file);
    else if (X509_cmp_time(X509_get0_notAfter(cert), NULL) <= 0)
        k8sc_log(K8SC_LOG_WARN, "apiserver: the TLS certificate in %s has expired", o->tls_cert_file);
    ERR_clear_error();
    EVP_PKEY_free(key);
    BIO_free(bio);
    X509_free(cert);
    X509_free(ca);
    return rc;
}

int k8sc_apiserver_new(k8sc_apiserver **out, const k8sc_apiserver_options *opts)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    /* A caller of an older version has a shorter structure: the fields it lacks keep their defaults. */
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    if (opts && !options_size(opts->version))
        return k8sc_error_set(K8SC_EINVAL, "k8sc_apiserver_new: unknown options version %u", opts->version);
    if (opts)
        memcpy(&o, opts, options_size(opts->version));
    opts = &o;
    k8sc_apiserver *srv = k8sc__calloc(1, sizeof(*srv));
    if (!srv)
        return K8SC_ENOMEM;
    k8sc__inproc_register(&k8sc__apiserver_inproc_ops);
    atomic_init(&srv->stopping, false);
    atomic_init(&srv->upgraded, 0);
    srv->registry = opts->registry ? opts->registry : k8sc_registry_default();
    srv->clock = opts->clock ? opts->clock : k8sc_clock_system();
    srv->max_connections = opts->max_connections ? opts->max_connections : 256;
    srv->idle_timeout = opts->idle_timeout_seconds ? opts->idle_timeout_seconds : 60;
    int rc = parse_listen(srv, opts->listen ? opts->listen : "127.0.0.1:6443");
    if (!rc)
        rc = load_tls(srv, opts);
    if (!rc)
        rc = k8sc__svc_state_init(&srv->svc, opts, srv->listen_host);
    if (!rc) {
        if (opts->store) {
            srv->store = opts->store;
        } else {
            rc = k8sc_store_open(&srv->store, opts->store_url ? opts->store_url : "sqlite:./k8sc.db", NULL);
            srv->own_store = rc == 0;
        }
    }
    if (!rc && opts->token_file)
        rc = k8sc__authn_load(&srv->authn, opts->token_file);
    if (!rc)
        rc = k8sc__sa_keys_new(&srv->sa_keys, opts->service_account_key_file);
    if (!rc)
        rc = k8sc__ensure_namespaces(srv);
    if (!rc)
        rc = k8sc__crd_load(srv);
    if (!rc)
        rc = k8sc__priority_bootstrap(srv);
    if (!rc)
        rc = k8sc__svc_repair_once(srv);
    if (rc) {
        k8sc_apiserver_free(srv);
        return rc;
    }
    *out = srv;
    return 0;
}

/* Per-connection state kept between MHD's calls for one request. */
typedef struct {
    k8sc__buf body;
    bool too_large;
} conn_state;

/* A streaming reply being written by MHD. */
typedef struct {
    k8sc_apiserver_response *resp;
    struct MHD_Connection *conn;
    char *line;
    size_t len, off;
} stream_state;

static bool peer_gone(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return false;
    struct pollfd p = { .fd = ci->connect_fd, .events = POLLRDHUP };
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    stream_state *st = cls;
    while (st->off >= st->len) {
        k8sc_free(st->line);
        st->line = NULL;
        st->len = st->off = 0;
        char *line = NULL;
        int rc = k8sc_apiserver_response_next(&line, st->resp, 1000);
        if (rc == K8SC_ETIMEOUT) {
            /* Blocking here holds only this connection's thread; give up if the client left. */
            if (peer_gone(st->conn))
                return MHD_CONTENT_READER_END_WITH_ERROR;
            continue;
        }
        if (rc == 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (rc < 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        st->line = line;
        st->len = strlen(line);
    }
    size_t n = st->len - st->off;
    if (n > max)
        n = max;
    memcpy(buf, st->line + st->off, n);
    st->off += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    stream_state *st = cls;
    k8sc_free(st->line);
    k8sc_apiserver_response_free(st->resp);
    k8sc_free(st);
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    k8sc__request *req = cls;
    k8sc__query_param *grown = k8sc__realloc(req->params, (req->nparams + 1) * sizeof(*grown));
    if (!grown)
        return MHD_NO;
    req->params = grown;
    char *k = k8sc__strdup(key), *v = k8sc__strdup(value ? value : "");
    if (!k || !v) {
        k8sc_free(k);
        k8sc_free(v);
        return MHD_NO;
    }
    req->params[req->nparams].key = k;
    req->params[req->nparams].value = v;
    req->nparams++;
    return MHD_YES;
}

static enum MHD_Result queue(struct MHD_Connection *conn, k8sc_apiserver_response *resp, bool head)
{
    struct MHD_Response *r;
    if (resp->stream) {
        stream_state *st = k8sc__calloc(1, sizeof(*st));
        if (!st) {
            k8sc_apiserver_response_free(resp);
            return MHD_NO;
        }
        st->resp = resp;
        st->conn = conn;
        /*
         * A watch may stay silent for longer than the idle timeout; MHD would
         * then cut it when the next event comes. on_completed restores it.
         */
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned int)0);
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, st, stream_free);
        if (!r) {
            stream_free(st);
            return MHD_NO;
        }
    } else {
        r = MHD_create_response_from_buffer(head ? 0 : resp->body_len, resp->body, MHD_RESPMEM_MUST_COPY);
        if (!r) {
            k8sc_apiserver_response_free(resp);
            return MHD_NO;
        }
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type ? resp->content_type : "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-cache, private");
    for (char *w = resp->warnings, *nl; w && *w; w = nl ? nl + 1 : w + strlen(w)) {
        nl = strchr(w, '\n');
        k8sc__buf h = K8SC__BUF_INIT;
        k8sc__buf_puts(&h, "299 - ");
        k8sc__buf_put_goquoted(&h, w, nl ? (size_t)(nl - w) : strlen(w));
        if (!k8sc__buf_status(&h))
            MHD_add_response_header(r, "Warning", h.ptr);
        k8sc__buf_free(&h);
    }
    int status = resp->status;
    if (!resp->stream)
        k8sc_apiserver_response_free(resp);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned int)status, r);
    MHD_destroy_response(r);
    return ret;
}

/* GET /cacerts: the CA bundle, to anyone (a joining node checks it against its token before trusting it). */
static int serve_cacerts(k8sc_apiserver_response *resp, const k8sc_apiserver *srv, const char *method)
{
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return k8sc__status_error(resp, 405, "MethodNotAllowed", "only GET is allowed on /cacerts", NULL);
    resp->status = 200;
    resp->body_len = strlen(srv->tls_ca);
    resp->body = k8sc__strdup(srv->tls_ca);
    resp->content_type = k8sc__strdup("text/plain; charset=utf-8");
    return resp->body && resp->content_type ? 0 : K8SC_ENOMEM;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)version;
    k8sc_apiserver *srv = cls;
    conn_state *cs = *con_cls;
    if (!cs) {
        cs = k8sc__calloc(1, sizeof(*cs));
        if (!cs)
            return MHD_NO;
        *con_cls = cs;
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* Keep reading a body that is too large, so that the 413 reaches the client. */
        if (cs->body.len + *upload_data_size > K8SC__APISERVER_MAX_BODY)
            cs->too_large = true;
        else
            k8sc__buf_put(&cs->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    k8sc_apiserver_response *resp = k8sc__calloc(1, sizeof(*resp));
    if (!resp)
        return MHD_NO;
    int rc = 0;
    if (srv->tls_ca && strcmp(url, "/cacerts") == 0) {
        rc = serve_cacerts(resp, srv, method);
    } else if (cs->too_large) {
        char msg[96];
        snprintf(msg, sizeof(msg), "Request entity too large: limit is %zu", K8SC__APISERVER_MAX_BODY);
        rc = k8sc__status_error(resp, 413, "RequestEntityTooLarge", msg, NULL);
    } else if (k8sc__buf_status(&cs->body)) {
        rc = K8SC_ENOMEM;
    } else {
        k8sc__request req = { 0 };
        req.method = method;
        req.path = k8sc__strdup(url);
        req.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        req.accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
        req.body = cs->body.ptr ? cs->body.ptr : "";
        req.body_len = cs->body.len;
        if (!req.path)
            rc = K8SC_ENOMEM;
        else
            MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &req);
        if (!rc && !k8sc__authn_refuse(resp, srv->authn, url,
                       MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION)))
            rc = k8sc__dispatch(resp, srv, &req);
        k8sc__request_clear(&req);
    }
    if (rc || !resp->status) {
        k8sc_free(resp->body);
        k8sc_free(resp->content_type);
        resp->body = NULL;
        resp->content_type = NULL;
        if (k8sc__status_internal(resp, rc ? k8sc_error_last() : "no response") != 0) {
            k8sc_apiserver_response_free(resp);
            return MHD_NO;
        }
    }
    if (resp->proxy) {
        bool queued = false;
        int ret = k8sc__podproxy_queue(conn, srv, resp, method, &queued);
        if (queued || !resp->status) {
            k8sc_apiserver_response_free(resp);
            return queued && ret == MHD_YES ? MHD_YES : MHD_NO;
        }
    }
    return queue(conn, resp, strcmp(method, "HEAD") == 0);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    k8sc_apiserver *srv = cls;
    /*
     * After a watch, the kept-alive connection is subject to the idle timeout
     * again. Only on a normal completion: the connection lives on then, and
     * MHD is not tearing it down under its own locks.
     */
    if (conn && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, srv->idle_timeout);
    conn_state *cs = *con_cls;
    if (!cs)
        return;
    k8sc__buf_free(&cs->body);
    k8sc_free(cs);
    *con_cls = NULL;
}

/* libmicrohttpd's own messages (mostly clients that went away) are debug noise. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    k8sc_log(K8SC_LOG_DEBUG, "apiserver: microhttpd: %s", msg);
}

int k8sc_apiserver_start(k8sc_apiserver *srv)
{
    K8SC__CHECK_ARG(srv);
    if (srv->daemon)
        return k8sc_error_set(K8SC_EINVAL, "apiserver: already started");
    atomic_store(&srv->stopping, false);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)srv->listen_port);
    inet_pton(AF_INET, srv->listen_host, &addr.sin_addr);
    struct MHD_OptionItem tls[] = {
        { MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert },
        { MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key },
        { MHD_OPTION_END, 0, NULL },
    };
    srv->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                       MHD_USE_POLL | MHD_USE_ERROR_LOG | MHD_ALLOW_UPGRADE |
                                       (srv->tls_cert ? MHD_USE_TLS : 0),
        (uint16_t)srv->listen_port, NULL, NULL, on_request, srv,
        MHD_OPTION_ARRAY, srv->tls_cert ? tls : &tls[2],
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)srv->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, srv->idle_timeout,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
        MHD_OPTION_END);
    if (!srv->daemon && srv->tls_cert && !MHD_is_feature_supported(MHD_FEATURE_TLS))
        return k8sc_error_set(K8SC_EUNAVAILABLE, "apiserver: this libmicrohttpd was built without TLS");
    if (!srv->daemon)
        return k8sc_error_set(K8SC_EIO, "apiserver: cannot listen on %s:%d%s", srv->listen_host, srv->listen_port,
            srv->tls_cert ? " (or the TLS certificate was refused)" : "");
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->bound_port = info ? info->port : srv->listen_port;
    k8sc_log(K8SC_LOG_INFO, "apiserver: serving on %s://%s:%d", srv->tls_cert ? "https" : "http", srv->listen_host,
        srv->bound_port);
    if (k8sc__svc_kubernetes_ensure(srv))
        k8sc_log(K8SC_LOG_WARN, "apiserver: the kubernetes Service: %s", k8sc_error_last());
    if (k8sc__svc_repair_start(srv))
        k8sc_log(K8SC_LOG_WARN, "%s", k8sc_error_last());
    return 0;
}

int k8sc_apiserver_port(const k8sc_apiserver *srv)
{
    return srv && srv->daemon ? srv->bound_port : 0;
}

void k8sc_apiserver_stop(k8sc_apiserver *srv)
{
    if (!srv || !srv->daemon)
        return;
    /* Watches see the flag within a poll slice and end their streams, so the threads can be joined. */
    atomic_store(&srv->stopping, true);
    k8sc__svc_repair_stop(srv);
    /*
     * Exec/attach relays see the flag too and hand their connections back
     * (MHD_upgrade_action) before the daemon that owns them goes.
     */
    while (atomic_load(&srv->upgraded) > 0) {
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    srv->bound_port = 0;
}

void k8sc_apiserver_free(k8sc_apiserver *srv)
{
    if (!srv)
        return;
    k8sc_apiserver_stop(srv);
    if (srv->own_store)
        k8sc_store_close(srv->store);
    k8sc__crd_unload(srv);
    k8sc__svc_state_clear(&srv->svc);
    k8sc__authn_free(srv->authn);
    k8sc__sa_keys_free(srv->sa_keys);
    if (srv->tls_key)
        OPENSSL_cleanse(srv->tls_key, strlen(srv->tls_key));
    k8sc_free(srv->tls_key);
    k8sc_free(srv->tls_cert);
    k8sc_free(srv->tls_ca);
    k8sc_free(srv->listen_host);
    k8sc_free(srv);
}

int k8sc_apiserver_handle(k8sc_apiserver_response **out, k8sc_apiserver *srv, const char *method, const char *target,
    const char *content_type, const char *accept, const char *body, size_t body_len)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    K8SC__CHECK_ARG(srv);
    K8SC__CHECK_ARG(method);
    K8SC__CHECK_ARG(target);
    K8SC__CHECK_ARG(body || body_len == 0);
    k8sc_apiserver_response *resp = k8sc__calloc(1, sizeof(*resp));
    if (!resp)
        return K8SC_ENOMEM;
    k8sc__request req = { 0 };
    req.method = method;
    req.content_type = content_type;
    req.accept = accept;
    req.body = body ? body : "";
    req.body_len = body_len;
    int rc = k8sc__request_parse_target(&req, target);
    if (!rc)
        rc = k8sc__dispatch(resp, srv, &req);
    k8sc__request_clear(&req);
    if (!rc && resp->proxy) {
        /* A kubelet's stream is relayed over a connection; there is none in process. */
        k8sc__podproxy_free(resp->proxy);
        resp->proxy = NULL;
        rc = k8sc__status_error(resp, 501, "NotImplemented",
            "pods/log, pods/exec and pods/attach are relayed from the kubelet only over HTTP, not in process", NULL);
    }
    if (!rc && !resp->status)
        rc = k8sc__status_internal(resp, "no response");
    if (rc) {
        k8sc_apiserver_response_free(resp);
        return rc;
    }
    *out = resp;
    return 0;
}

int k8sc_apiserver_response_status(const k8sc_apiserver_response *resp)
{
    return resp ? resp->status : 0;
}

const char *k8sc_apiserver_response_content_type(const k8sc_apiserver_response *resp)
{
    return resp && resp->content_type ? resp->content_type : "";
}

const char *k8sc_apiserver_response_body(const k8sc_apiserver_response *resp, size_t *len)
{
    if (len)
        *len = resp && resp->body ? resp->body_len : 0;
    return resp && resp->body ? resp->body : "";
}

const char *k8sc_apiserver_response_warnings(const k8sc_apiserver_response *resp)
{
    return resp && resp->warnings ? resp->warnings : "";
}

bool k8sc_apiserver_response_is_stream(const k8sc_apiserver_response *resp)
{
    return resp && resp->stream;
}

int k8sc_apiserver_response_next(char **out, k8sc_apiserver_response *resp, int timeout_ms)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    K8SC__CHECK_ARG(resp);
    if (!resp->stream)
        return k8sc_error_set(K8SC_EINVAL, "apiserver: not a watch stream");
    return k8sc__watch_stream_next(out, resp->stream, timeout_ms);
}

void k8sc_apiserver_response_free(k8sc_apiserver_response *resp)
{
    if (!resp)
        return;
    k8sc__watch_stream_free(resp->stream);
    k8sc__podproxy_free(resp->proxy);
    k8sc_free(resp->warnings);
    k8sc_free(resp->body);
    k8sc_free(resp->content_type);
    k8sc_free(resp);
}
