/* Internal declarations shared by the client module's files. */
#ifndef K8SC_CLIENT_INTERNAL_H
#define K8SC_CLIENT_INTERNAL_H

#include "internal.h"
#include "k8sc/apiserver.h"
#include "k8sc/client.h"

#include "curl_shim.h"
#include <json-c/json.h>
#include <pthread.h>
#include <sys/types.h>

/* An exec credential plugin (users[].user.exec). */
typedef struct k8sc__exec_plugin {
    char *command;
    char **args;        /* NULL-terminated */
    char **env;         /* "NAME=value", NULL-terminated */
    char *api_version;
    bool provide_cluster_info;
} k8sc__exec_plugin;

struct k8sc_client_config {
    int refs;
    pthread_mutex_t lock;
    char *server;
    char *namespace_;
    char *tls_server_name;
    char *proxy_url;
    bool insecure;
    char *ca;          /* PEM, or NULL for the system store */
    char *cert;        /* client certificate PEM */
    char *key;
    char *token;       /* static token */
    char *username;
    char *password;
    /* A token file re-read when its identity (inode, size, mtime) changes. */
    char *token_file;
    char *file_token;
    dev_t tf_dev;
    ino_t tf_ino;
    off_t tf_size;
    int64_t tf_mtime_ns;
    bool tf_loaded;
    /* Exec plugin and its cached credential. */
    k8sc__exec_plugin *exec;
    char *exec_token;
    char *exec_cert;
    char *exec_key;
    int64_t exec_expiry;   /* unix seconds; 0: never expires */
    bool exec_cached;
};

/* Allocate an empty configuration (one reference). */
k8sc_client_config *k8sc__client_config_alloc(void);

/* Run an exec plugin, storing its credential in `cfg` (lock held). */
int k8sc__exec_run(k8sc_client_config *cfg);

void k8sc__exec_plugin_free(k8sc__exec_plugin *p);

/* Plain HTTP/1.1 to an http:// server (see http1.c). */
typedef struct k8sc__http1 k8sc__http1;

/* Kept-alive connections a client keeps for reuse. */
#define K8SC__HTTP1_IDLE 8

/*
 * The plain transport for `server` in `*out`, or NULL in `*out` when the
 * server needs curl (https, a proxy — `proxy_url` or in the environment —,
 * an unusual URL). ENOMEM.
 */
int k8sc__http1_new(k8sc__http1 **out, const char *server, const char *proxy_url);
void k8sc__http1_free(k8sc__http1 *t);

/*
 * One request, as one curl transfer would do it: CURLE_OK with `*http`,
 * `*retry_after` (seconds, 0 when absent) and the body in `resp`, or the
 * CURLcode with `errbuf` (CURL_ERROR_SIZE) worded as libcurl's. `*rc` is
 * set for failures before the request is sent (a credential plugin).
 */
CURLcode k8sc__http1_attempt(k8sc__http1 *t, k8sc_client *client, const char *method, const char *path,
    const char *content_type, const char *accept, const char *body, size_t body_len, k8sc__buf *resp, long *http,
    int64_t *retry_after, char *errbuf, int *rc);

/* Cached discovery: gv -> resources. */
typedef struct k8sc__gv_cache k8sc__gv_cache;

struct k8sc_client {
    k8sc_client_config *config;
    CURLSH *share; /* made on first use, under share_mu: see k8sc__client_share */
    pthread_mutex_t share_mu;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    char *user_agent;
    long timeout_ms;
    int max_retries;
    long max_retry_wait_ms;
    k8sc_registry *registry;
    k8sc_apiserver *apiserver; /* borrowed; set: the in-process transport */
    k8sc__http1 *http1;        /* set: requests skip curl (plain http://) */
    pthread_mutex_t disc_lock;
    k8sc__gv_cache *disc;
    char *disc_dir;     /* discovery on disk (discovery_cache.c): CACHE/discovery/HOST_PORT; NULL: none */
    int64_t disc_ttl_s; /* how long a file there is fresh */
};

/* The client's curl share handle, made (and libcurl loaded) on first use; NULL with the error set when that fails. */
CURLSH *k8sc__client_share(k8sc_client *c);

/* Lists a configured easy handle points into; freed after the transfer. */
typedef struct k8sc__easy_lists {
    struct curl_slist *headers;
    struct curl_slist *connect_to;
} k8sc__easy_lists;

/* Apply the connection settings (URL base excluded) to a curl handle. */
int k8sc__client_setup_easy(CURL *easy, k8sc_client *client, k8sc__easy_lists *lists, const char *content_type);

/* Free what k8sc__client_setup_easy allocated. */
void k8sc__easy_lists_free(k8sc__easy_lists *lists);

/* The server URL + path. Caller frees. */
char *k8sc__client_url(k8sc_client *client, const char *path);

/* One request through the client's transport; see k8sc_client_request. */
int k8sc__client_do(char **out, size_t *out_len, int *status, k8sc_client *client, const char *method,
    const char *path, const char *content_type, const char *body, size_t body_len);

/* The HTTP transport: one request with retries for 429/5xx. */
int k8sc__http_do(char **out, size_t *out_len, int *status, k8sc_client *client, const char *method,
    const char *path, const char *content_type, const char *body, size_t body_len);

/* The same with an Accept header of the caller's (NULL: application/json), e.g. for server-side Tables. */
int k8sc__http_do_accept(char **out, size_t *out_len, int *status, k8sc_client *client, const char *method,
    const char *path, const char *content_type, const char *accept, const char *body, size_t body_len);

/* The in-process transport: one request to client->apiserver's handler. */
int k8sc__inproc_do(char **out, size_t *out_len, int *status, k8sc_client *client, const char *method,
    const char *path, const char *content_type, const char *body, size_t body_len);

/* The configuration of an in-process client: server "inproc://", `namespace_` (NULL or "": "default"). */
int k8sc__inproc_config(k8sc_client_config **out, const char *namespace_);

/* Remember `st` (taken over; NULL clears) as this thread's k8sc_client_last_status(). */
void k8sc__client_set_last_status(k8sc_object *st);

/* Parse a reply body as an object. */
int k8sc__client_decode(k8sc_object **out, const char *body, size_t len, const char *what);

/*
 * Turn an HTTP error reply into a code and message (the Status' reason
 * and message when the body is one), remembering the Status for
 * k8sc_client_last_status().
 */
int k8sc__client_status_error(int http_status, const char *body, size_t len, const char *method, const char *url);

/* Map a curl failure to a code with a message naming the URL. */
int k8sc__client_curl_error(CURLcode cc, const char *errbuf, const char *method, const char *url, long timeout_ms);

/* A watch stream over HTTP: a streaming GET driven by a curl multi handle. */
typedef struct k8sc__http_watch k8sc__http_watch;

/* Open the stream to `url`; returns once the server accepted it (an error status mapped) or timed out. */
int k8sc__http_watch_open(k8sc__http_watch **out, k8sc_client *client, const char *url);

/*
 * The next line of the stream without its newline, borrowed until the next
 * call, waiting up to `timeout_ms` (< 0: forever): 1 with `*line` set, 0 at
 * the end of the stream, ETIMEOUT, or the error that broke the stream.
 */
int k8sc__http_watch_line(const char **line, size_t *len, k8sc__http_watch *hw, int timeout_ms);

/* The connection's socket, or -1 once the transfer ended. */
int k8sc__http_watch_fd(const k8sc__http_watch *hw);

/* Close the connection. NULL is fine. */
void k8sc__http_watch_free(k8sc__http_watch *hw);

/* Open an in-process watch stream for `path` (messages name `url`); an error status mapped. */
int k8sc__inproc_watch_open(k8sc_apiserver_response **out, k8sc_client *client, const char *path, const char *url);

/* Free the discovery cache. */
void k8sc__discovery_free(k8sc__gv_cache *cache);

/*
 * Where discovery of `server` is kept under the cache directory
 * `cache_dir` (kubectl's --cache-dir): CACHE/discovery/HOST_PORT as
 * kubectl names it, in `*out` (caller frees), or NULL when there is no
 * cache directory or the server is not reached over HTTP(S). ENOMEM.
 */
int k8sc__discovery_cache_dir(char **out, const char *cache_dir, const char *server);

/*
 * The cached APIResourceList of `api_version` under `dir` when written
 * less than `ttl_s` seconds ago: 1 with `*out` (NUL-terminated, caller
 * frees) and `*len`; 0 when there is none, it is stale or unreadable; ENOMEM.
 */
int k8sc__discovery_cache_read(char **out, size_t *len, const char *dir, const char *api_version, int64_t ttl_s);

/* Keep `body` as the list of `api_version` under `dir`, atomically; failures are ignored (it is a cache). */
void k8sc__discovery_cache_write(const char *dir, const char *api_version, const char *body, size_t len);

/*
 * The path of a resource collection or object:
 * /api/v1/namespaces/NS/pods[/NAME]. `namespace_` NULL: the client's;
 * "" (or cluster-scoped): no namespace segment. Caller frees.
 */
int k8sc__client_path(char **out, k8sc_client *client, const char *api_version, const char *kind,
    const char *namespace_, const char *name);

/* Append "&key=escaped(value)" (or "?key=..." when the buffer has no '?'). */
void k8sc__query_add(k8sc__buf *b, const char *key, const char *value);

#endif
