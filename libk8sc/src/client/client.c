/*
 * k8sc_client: creation (config from options, kubeconfig or in-cluster,
 * or an in-process API server), one CURLSH shared by every HTTP request so
 * connections, DNS and TLS sessions are reused across threads, and the
 * object verbs.
 */
#include "client_internal.h"

#include "k8sc/codec.h"

#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_RETRIES 5
#define DEFAULT_RETRY_WAIT_MS 10000L
#define DEFAULT_DISCOVERY_TTL_S (6 * 3600L)

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *userptr)
{
    (void)h;
    (void)access;
    k8sc_client *c = userptr;
    pthread_mutex_lock(&c->share_locks[data < CURL_LOCK_DATA_LAST ? data : 0]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userptr)
{
    (void)h;
    k8sc_client *c = userptr;
    pthread_mutex_unlock(&c->share_locks[data < CURL_LOCK_DATA_LAST ? data : 0]);
}

/* How many bytes of k8sc_client_options a caller of `version` has. */
static size_t options_size(unsigned int version)
{
    if (version == 1)
        return offsetof(k8sc_client_options, apiserver);
    if (version == 2)
        return offsetof(k8sc_client_options, discovery_cache_dir);
    return version == K8SC_CLIENT_OPTIONS_VERSION ? sizeof(k8sc_client_options) : 0;
}

int k8sc_client_options_init(k8sc_client_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts && options_size(version) > 0);
    const k8sc_client_options defaults = K8SC_CLIENT_OPTIONS_INIT;
    memcpy(opts, &defaults, options_size(version));
    opts->version = version;
    return 0;
}

int k8sc_list_options_init(k8sc_list_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts && version == K8SC_LIST_OPTIONS_VERSION);
    *opts = (k8sc_list_options)K8SC_LIST_OPTIONS_INIT;
    return 0;
}

int k8sc_delete_options_init(k8sc_delete_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts && version == K8SC_DELETE_OPTIONS_VERSION);
    *opts = (k8sc_delete_options)K8SC_DELETE_OPTIONS_INIT;
    return 0;
}

/* No kubeconfig file anywhere and a service host set: the pod's own account. */
static bool use_in_cluster(const char *paths)
{
    if (paths || (getenv("KUBECONFIG") && *getenv("KUBECONFIG")))
        return false;
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    if (!host || !*host)
        return false;
    char path[4096];
    struct stat st;
    snprintf(path, sizeof(path), "%s/.kube/config", getenv("HOME") ? getenv("HOME") : "");
    return stat(path, &st) != 0;
}

static int config_from_options(k8sc_client_config **out, const k8sc_client_options *opts)
{
    if (opts && opts->apiserver)
        return k8sc__inproc_config(out, opts->overrides.namespace_);
    if (opts && opts->config) {
        *out = k8sc_client_config_ref(opts->config);
        return 0;
    }
    const char *paths = opts ? opts->kubeconfig : NULL;
    if (use_in_cluster(paths))
        return k8sc_client_config_in_cluster(out, NULL);
    k8sc_kubeconfig *kc;
    int rc = k8sc_kubeconfig_load(&kc, paths);
    if (rc)
        return rc;
    rc = k8sc_client_config_from_kubeconfig(out, kc, opts ? &opts->overrides : NULL);
    k8sc_kubeconfig_free(kc);
    return rc;
}

int k8sc_client_new(k8sc_client **out, const k8sc_client_options *opts)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    if (opts && !options_size(opts->version))
        return k8sc_error_set(K8SC_EINVAL, "k8sc_client_new: unknown options version %u", opts->version);
    /* An older caller's structure is shorter: read only its part, the rest takes the defaults. */
    k8sc_client_options current = K8SC_CLIENT_OPTIONS_INIT;
    if (opts) {
        memcpy(&current, opts, options_size(opts->version));
        opts = &current;
    }
    k8sc_client *c = k8sc__calloc(1, sizeof(*c));
    if (!c)
        return K8SC_ENOMEM;
    for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&c->share_locks[i], NULL);
    pthread_mutex_init(&c->disc_lock, NULL);
    pthread_mutex_init(&c->share_mu, NULL);
    int rc = config_from_options(&c->config, opts);
    if (rc) {
        k8sc_client_free(c);
        return rc;
    }
    k8sc__buf ua = K8SC__BUF_INIT;
    if (opts && opts->user_agent)
        k8sc__buf_puts(&ua, opts->user_agent);
    else
        k8sc__buf_printf(&ua, "k8sc/%s", k8sc_version());
    c->user_agent = k8sc__buf_detach(&ua, NULL);
    c->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    c->max_retries = !opts || opts->max_retries == 0 ? DEFAULT_RETRIES : opts->max_retries < 0 ? 0 : opts->max_retries;
    c->max_retry_wait_ms = opts && opts->max_retry_wait_ms > 0 ? opts->max_retry_wait_ms : DEFAULT_RETRY_WAIT_MS;
    c->registry = opts ? opts->registry : NULL;
    c->apiserver = opts ? opts->apiserver : NULL;
    c->disc_ttl_s = opts && opts->discovery_cache_ttl_s > 0 ? opts->discovery_cache_ttl_s : DEFAULT_DISCOVERY_TTL_S;
    if (!c->user_agent ||
        (!c->apiserver && k8sc__discovery_cache_dir(&c->disc_dir, opts ? opts->discovery_cache_dir : NULL,
                              c->config->server) < 0) ||
        (!c->apiserver && c->config->server && k8sc__http1_new(&c->http1, c->config->server, c->config->proxy_url) < 0)) {
        k8sc_client_free(c);
        return k8sc__error_nomem();
    }
    *out = c;
    return 0;
}

CURLSH *k8sc__client_share(k8sc_client *c)
{
    pthread_mutex_lock(&c->share_mu);
    if (!c->share && k8sc__curl_load() == 0) {
        c->share = curl_share_init();
        if (!c->share) {
            k8sc__error_nomem();
        } else {
            curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
            curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
            curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
            curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
            curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
            curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
        }
    }
    CURLSH *sh = c->share;
    pthread_mutex_unlock(&c->share_mu);
    return sh;
}

void k8sc_client_free(k8sc_client *client)
{
    if (!client)
        return;
    if (client->share)
        curl_share_cleanup(client->share);
    for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&client->share_locks[i]);
    k8sc__discovery_free(client->disc);
    free(client->disc_dir);
    pthread_mutex_destroy(&client->disc_lock);
    pthread_mutex_destroy(&client->share_mu);
    k8sc__http1_free(client->http1);
    k8sc_client_config_free(client->config);
    free(client->user_agent);
    free(client);
}

k8sc_client_config *k8sc_client_get_config(k8sc_client *client)
{
    return client ? client->config : NULL;
}

const char *k8sc_client_namespace(const k8sc_client *client)
{
    return client ? client->config->namespace_ : NULL;
}

void k8sc__query_add(k8sc__buf *b, const char *key, const char *value)
{
    k8sc__buf_printf(b, "%c%s=", b->ptr && strchr(b->ptr, '?') ? '&' : '?', key);
    k8sc__buf_put_urlescaped(b, value);
}

static void put_segment(k8sc__buf *b, const char *seg)
{
    k8sc__buf_putc(b, '/');
    k8sc__buf_put_urlescaped(b, seg);
}

int k8sc__client_path(char **out, k8sc_client *client, const char *api_version, const char *kind,
    const char *namespace_, const char *name)
{
    *out = NULL;
    char plural[256];
    bool namespaced;
    int rc = k8sc_client_resolve(client, api_version, kind, plural, sizeof(plural), &namespaced);
    if (rc)
        return rc;
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, strchr(api_version, '/') ? "/apis/%s" : "/api/%s", api_version);
    if (namespaced) {
        const char *ns = namespace_ ? namespace_ : client->config->namespace_;
        if (*ns) {
            k8sc__buf_puts(&b, "/namespaces");
            put_segment(&b, ns);
        } else if (name) {
            k8sc__buf_free(&b);
            return k8sc_error_set(K8SC_EINVAL, "a %s needs a namespace", kind);
        }
    }
    k8sc__buf_printf(&b, "/%s", plural);
    if (name)
        put_segment(&b, name);
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        return K8SC_ENOMEM;
    }
    *out = k8sc__buf_detach(&b, NULL);
    return 0;
}

/* Perform a request whose success body is an object; `out` may be NULL. */
static int object_call(k8sc_object **out, k8sc_client *client, const char *method, const char *path,
    const char *content_type, const char *body, size_t body_len)
{
    char *reply = NULL;
    size_t len = 0;
    int rc = k8sc__client_do(&reply, &len, NULL, client, method, path, content_type, body, body_len);
    if (rc == 0 && out)
        rc = k8sc__client_decode(out, reply, len, path);
    free(reply);
    return rc;
}

static int check_name(const char *name)
{
    if (!name || !*name)
        return k8sc_error_set(K8SC_EINVAL, "resource name may not be empty");
    return 0;
}

int k8sc_client_get(k8sc_object **out, k8sc_client *client, const char *api_version, const char *kind,
    const char *namespace_, const char *name)
{
    K8SC__CHECK_ARG(out && client && api_version && kind);
    *out = NULL;
    char *path;
    int rc = check_name(name);
    if (rc || (rc = k8sc__client_path(&path, client, api_version, kind, namespace_, name)))
        return rc;
    rc = object_call(out, client, "GET", path, NULL, NULL, 0);
    free(path);
    return rc;
}

/* Append the items of `page` to `acc`'s items. */
static int join_items(k8sc_object *acc, const k8sc_object *page)
{
    struct json_object *dst = k8sc_object_get(acc, "items"), *src = k8sc_object_get(page, "items");
    if (!src)
        return 0;
    if (!dst) {
        dst = json_object_new_array();
        if (!dst || k8sc_object_set(acc, "items", dst) != 0) {
            json_object_put(dst);
            return k8sc__error_nomem();
        }
    }
    for (size_t i = 0; i < json_object_array_length(src); i++)
        if (json_object_array_add(dst, json_object_get(json_object_array_get_idx(src, i))) != 0)
            return k8sc__error_nomem();
    return 0;
}

int k8sc_client_list(k8sc_object **out, k8sc_client *client, const char *api_version, const char *kind,
    const char *namespace_, const k8sc_list_options *opts)
{
    K8SC__CHECK_ARG(out && client && api_version && kind);
    K8SC__CHECK_ARG(!opts || (opts->version == K8SC_LIST_OPTIONS_VERSION && opts->limit >= 0));
    *out = NULL;
    const k8sc_list_options defaults = K8SC_LIST_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    char *base;
    int rc = k8sc__client_path(&base, client, api_version, kind, namespace_, NULL);
    if (rc)
        return rc;
    k8sc_object *acc = NULL;
    char *cont = opts->continue_token ? k8sc__strdup(opts->continue_token) : NULL;
    for (;;) {
        k8sc__buf q = K8SC__BUF_INIT;
        k8sc__buf_puts(&q, base);
        if (opts->label_selector && *opts->label_selector)
            k8sc__query_add(&q, "labelSelector", opts->label_selector);
        if (opts->field_selector && *opts->field_selector)
            k8sc__query_add(&q, "fieldSelector", opts->field_selector);
        if (opts->limit > 0) {
            char n[32];
            snprintf(n, sizeof(n), "%lld", (long long)opts->limit);
            k8sc__query_add(&q, "limit", n);
        }
        if (cont && *cont)
            k8sc__query_add(&q, "continue", cont);
        else if (opts->resource_version)
            k8sc__query_add(&q, "resourceVersion", opts->resource_version);
        if (k8sc__buf_status(&q)) {
            k8sc__buf_free(&q);
            rc = K8SC_ENOMEM;
            break;
        }
        k8sc_object *page = NULL;
        rc = object_call(&page, client, "GET", q.ptr, NULL, NULL, 0);
        k8sc__buf_free(&q);
        if (rc)
            break;
        free(cont);
        const char *next = k8sc_object_get_string(page, "metadata.continue");
        cont = next && *next ? k8sc__strdup(next) : NULL;
        if (!acc) {
            acc = page;
        } else {
            rc = join_items(acc, page);
            k8sc_object_free(page);
            if (rc)
                break;
        }
        if (!cont || !opts->all_pages)
            break;
    }
    if (rc == 0 && opts->all_pages && acc && k8sc_object_has(acc, "metadata.continue"))
        k8sc_object_remove(acc, "metadata.continue");
    free(cont);
    free(base);
    if (rc) {
        k8sc_object_free(acc);
        return rc;
    }
    *out = acc;
    return 0;
}

/* Encode `obj` and send it to its collection (POST) or itself (PUT). */
typedef enum { WRITE_CREATE, WRITE_UPDATE, WRITE_STATUS } write_kind;

static int write_object(k8sc_object **out, k8sc_client *client, const k8sc_object *obj, write_kind kind_of_write)
{
    const char *api_version = k8sc_object_api_version(obj), *kind = k8sc_object_kind(obj);
    if (!api_version || !*api_version || !kind || !*kind)
        return k8sc_error_set(K8SC_EINVAL, "Object 'Kind' is missing or apiVersion is not set");
    const char *name = k8sc_object_name(obj);
    bool create = kind_of_write == WRITE_CREATE;
    int rc = 0;
    if (!create && (rc = check_name(name)))
        return rc;
    char *path = NULL, *body = NULL;
    size_t len = 0;
    const char *ns = k8sc_object_namespace(obj);
    if ((rc = k8sc__client_path(&path, client, api_version, kind, ns && *ns ? ns : NULL, create ? NULL : name)) ||
        (rc = k8sc_object_to_json(&body, &len, obj, 0))) {
        free(path);
        return rc;
    }
    if (kind_of_write == WRITE_STATUS) {
        k8sc__buf b = K8SC__BUF_INIT;
        k8sc__buf_printf(&b, "%s/status", path);
        free(path);
        if (k8sc__buf_status(&b)) {
            k8sc__buf_free(&b);
            free(body);
            return K8SC_ENOMEM;
        }
        path = k8sc__buf_detach(&b, NULL);
    }
    rc = object_call(out, client, create ? "POST" : "PUT", path, "application/json", body, len);
    free(path);
    free(body);
    return rc;
}

int k8sc_client_create(k8sc_object **out, k8sc_client *client, const k8sc_object *obj)
{
    K8SC__CHECK_ARG(client && obj);
    if (out)
        *out = NULL;
    return write_object(out, client, obj, WRITE_CREATE);
}

int k8sc_client_update(k8sc_object **out, k8sc_client *client, const k8sc_object *obj)
{
    K8SC__CHECK_ARG(client && obj);
    if (out)
        *out = NULL;
    return write_object(out, client, obj, WRITE_UPDATE);
}

int k8sc_client_update_status(k8sc_object **out, k8sc_client *client, const k8sc_object *obj)
{
    K8SC__CHECK_ARG(client && obj);
    if (out)
        *out = NULL;
    return write_object(out, client, obj, WRITE_STATUS);
}

int k8sc_client_patch(k8sc_object **out, k8sc_client *client, const char *api_version, const char *kind,
    const char *namespace_, const char *name, k8sc_patch_type type, const char *patch)
{
    K8SC__CHECK_ARG(client && api_version && kind && patch);
    if (out)
        *out = NULL;
    const char *ct = k8sc_patch_content_type(type);
    if (!ct)
        return k8sc_error_set(K8SC_EINVAL, "unknown patch type %d", (int)type);
    char *path;
    int rc = check_name(name);
    if (rc || (rc = k8sc__client_path(&path, client, api_version, kind, namespace_, name)))
        return rc;
    rc = object_call(out, client, "PATCH", path, ct, patch, strlen(patch));
    free(path);
    return rc;
}

int k8sc_client_delete(k8sc_object **out, k8sc_client *client, const char *api_version, const char *kind,
    const char *namespace_, const char *name, const k8sc_delete_options *opts)
{
    K8SC__CHECK_ARG(client && api_version && kind);
    K8SC__CHECK_ARG(!opts || opts->version == K8SC_DELETE_OPTIONS_VERSION);
    if (out)
        *out = NULL;
    char *path;
    int rc = check_name(name);
    if (rc || (rc = k8sc__client_path(&path, client, api_version, kind, namespace_, name)))
        return rc;
    /* DeleteOptions travel as the body, as client-go sends them. */
    struct json_object *dopts = json_object_new_object();
    json_object_object_add(dopts, "kind", json_object_new_string("DeleteOptions"));
    json_object_object_add(dopts, "apiVersion", json_object_new_string("v1"));
    if (opts && opts->propagation_policy)
        json_object_object_add(dopts, "propagationPolicy", json_object_new_string(opts->propagation_policy));
    if (opts && opts->grace_period_seconds >= 0)
        json_object_object_add(dopts, "gracePeriodSeconds", json_object_new_int64(opts->grace_period_seconds));
    if (opts && (opts->precondition_uid || opts->precondition_resource_version)) {
        struct json_object *pre = json_object_new_object();
        if (opts->precondition_uid)
            json_object_object_add(pre, "uid", json_object_new_string(opts->precondition_uid));
        if (opts->precondition_resource_version)
            json_object_object_add(pre, "resourceVersion", json_object_new_string(opts->precondition_resource_version));
        json_object_object_add(dopts, "preconditions", pre);
    }
    char *body = NULL;
    size_t len = 0;
    rc = k8sc_json_encode(&body, &len, dopts, 0);
    json_object_put(dopts);
    if (rc == 0)
        rc = object_call(out, client, "DELETE", path, "application/json", body, len);
    free(body);
    free(path);
    return rc;
}
