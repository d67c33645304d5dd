/*
 * k8sc_client_config: a resolved connection configuration, with the
 * credentials that rotate (token files, exec plugins) refreshed on use.
 */
#include "client_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

k8sc_client_config *k8sc__client_config_alloc(void)
{
    k8sc_client_config *cfg = k8sc__calloc(1, sizeof(*cfg));
    if (!cfg)
        return NULL;
    cfg->refs = 1;
    pthread_mutex_init(&cfg->lock, NULL);
    return cfg;
}

void k8sc__exec_plugin_free(k8sc__exec_plugin *p)
{
    if (!p)
        return;
    for (size_t i = 0; p->args && p->args[i]; i++)
        free(p->args[i]);
    for (size_t i = 0; p->env && p->env[i]; i++)
        free(p->env[i]);
    free(p->args);
    free(p->env);
    free(p->command);
    free(p->api_version);
    free(p);
}

k8sc_client_config *k8sc_client_config_ref(k8sc_client_config *cfg)
{
    if (cfg)
        __atomic_add_fetch(&cfg->refs, 1, __ATOMIC_SEQ_CST);
    return cfg;
}

void k8sc_client_config_free(k8sc_client_config *cfg)
{
    if (!cfg || __atomic_sub_fetch(&cfg->refs, 1, __ATOMIC_SEQ_CST) > 0)
        return;
    pthread_mutex_destroy(&cfg->lock);
    free(cfg->server);
    free(cfg->namespace_);
    free(cfg->tls_server_name);
    free(cfg->proxy_url);
    free(cfg->ca);
    free(cfg->cert);
    free(cfg->key);
    free(cfg->token);
    free(cfg->username);
    free(cfg->password);
    free(cfg->token_file);
    free(cfg->file_token);
    k8sc__exec_plugin_free(cfg->exec);
    free(cfg->exec_token);
    free(cfg->exec_cert);
    free(cfg->exec_key);
    free(cfg);
}

int k8sc_client_config_from_url(k8sc_client_config **out, const char *server)
{
    K8SC__CHECK_ARG(out && server && *server);
    *out = NULL;
    if (!strstr(server, "://"))
        return k8sc_error_set(K8SC_EINVAL, "server URL \"%s\" has no scheme (http:// or https://)", server);
    k8sc_client_config *cfg = k8sc__client_config_alloc();
    if (!cfg)
        return K8SC_ENOMEM;
    cfg->server = k8sc__strdup(server);
    cfg->namespace_ = k8sc__strdup("default");
    if (!cfg->server || !cfg->namespace_) {
        k8sc_client_config_free(cfg);
        return K8SC_ENOMEM;
    }
    size_t n = strlen(cfg->server);
    while (n > 0 && cfg->server[n - 1] == '/')
        cfg->server[--n] = '\0';
    *out = cfg;
    return 0;
}

int k8sc_in_cluster_options_init(k8sc_in_cluster_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts && version == K8SC_IN_CLUSTER_OPTIONS_VERSION);
    *opts = (k8sc_in_cluster_options)K8SC_IN_CLUSTER_OPTIONS_INIT;
    return 0;
}

/* Trim trailing whitespace in place (token files often end in a newline). */
static void rtrim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

int k8sc_client_config_in_cluster(k8sc_client_config **out, const k8sc_in_cluster_options *opts)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    const char *host = opts && opts->host ? opts->host : getenv("KUBERNETES_SERVICE_HOST");
    const char *port = opts && opts->port ? opts->port : getenv("KUBERNETES_SERVICE_PORT");
    if (!host || !*host || !port || !*port)
        return k8sc_error_set(K8SC_EUNAVAILABLE, "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST "
            "and KUBERNETES_SERVICE_PORT must be defined");
    const char *token_file = opts && opts->token_file ? opts->token_file : SA_DIR "/token";
    const char *ca_file = opts && opts->ca_file ? opts->ca_file : SA_DIR "/ca.crt";
    const char *ns_file = opts && opts->namespace_file ? opts->namespace_file : SA_DIR "/namespace";
    k8sc_client_config *cfg = k8sc__client_config_alloc();
    if (!cfg)
        return K8SC_ENOMEM;
    k8sc__buf url = K8SC__BUF_INIT;
    /* An IPv6 service host needs brackets, as net.JoinHostPort adds them. */
    k8sc__buf_printf(&url, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port);
    cfg->server = k8sc__buf_detach(&url, NULL);
    cfg->token_file = k8sc__strdup(token_file);
    char *ns = NULL;
    if (k8sc__read_file(&ns, NULL, ns_file, 0) == 0)
        rtrim(ns);
    if (ns && !*ns) {
        free(ns);
        ns = NULL;
    }
    cfg->namespace_ = ns ? ns : k8sc__strdup("default");
    if (!cfg->server || !cfg->token_file || !cfg->namespace_) {
        k8sc_client_config_free(cfg);
        return K8SC_ENOMEM;
    }
    /* client-go fails early when the token cannot be read; so do we. */
    char *tok = NULL;
    int rc = k8sc_client_config_token(&tok, cfg);
    free(tok);
    if (rc) {
        k8sc_client_config_free(cfg);
        return rc;
    }
    /* A missing CA is not fatal in client-go (it logs and uses the system roots). */
    if (k8sc__read_file(&cfg->ca, NULL, ca_file, 0) != 0) {
        k8sc_log(K8SC_LOG_WARN, "in-cluster: cannot read CA %s; using the system roots", ca_file);
        k8sc_error_clear();
    }
    *out = cfg;
    return 0;
}

const char *k8sc_client_config_server(const k8sc_client_config *cfg)
{
    return cfg ? cfg->server : NULL;
}

const char *k8sc_client_config_namespace(const k8sc_client_config *cfg)
{
    return cfg ? cfg->namespace_ : NULL;
}

const char *k8sc_client_config_tls_server_name(const k8sc_client_config *cfg)
{
    return cfg ? cfg->tls_server_name : NULL;
}

const char *k8sc_client_config_proxy_url(const k8sc_client_config *cfg)
{
    return cfg ? cfg->proxy_url : NULL;
}

bool k8sc_client_config_insecure(const k8sc_client_config *cfg)
{
    return cfg && cfg->insecure;
}

const char *k8sc_client_config_ca(const k8sc_client_config *cfg)
{
    return cfg ? cfg->ca : NULL;
}

/* Re-read the token file if it is not the one read last time (lock held). */
static int refresh_token_file(k8sc_client_config *cfg)
{
    struct stat st;
    if (stat(cfg->token_file, &st) != 0)
        return k8sc_error_set(K8SC_EIO, "cannot read token file %s: %s", cfg->token_file, strerror(errno));
    int64_t mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    if (cfg->tf_loaded && st.st_dev == cfg->tf_dev && st.st_ino == cfg->tf_ino && st.st_size == cfg->tf_size &&
        mtime == cfg->tf_mtime_ns)
        return 0;
    char *tok;
    int rc = k8sc__read_file(&tok, NULL, cfg->token_file, 0);
    if (rc)
        return k8sc_error_set(rc, "cannot read token file %s: %s", cfg->token_file, k8sc_error_last());
    rtrim(tok);
    free(cfg->file_token);
    cfg->file_token = tok;
    cfg->tf_dev = st.st_dev;
    cfg->tf_ino = st.st_ino;
    cfg->tf_size = st.st_size;
    cfg->tf_mtime_ns = mtime;
    cfg->tf_loaded = true;
    return 0;
}

/* Run the exec plugin when nothing is cached or the credential expired (lock held). */
static int refresh_exec(k8sc_client_config *cfg)
{
    if (cfg->exec_cached && (cfg->exec_expiry == 0 || k8sc_clock_now(NULL) / 1000000000 < cfg->exec_expiry))
        return 0;
    return k8sc__exec_run(cfg);
}

int k8sc_client_config_token(char **out, k8sc_client_config *cfg)
{
    K8SC__CHECK_ARG(out && cfg);
    *out = NULL;
    int rc = 0;
    pthread_mutex_lock(&cfg->lock);
    const char *tok = cfg->token;
    if (!tok && cfg->token_file) {
        rc = refresh_token_file(cfg);
        tok = cfg->file_token;
    }
    if (!tok && !rc && cfg->exec) {
        rc = refresh_exec(cfg);
        tok = cfg->exec_token;
    }
    if (!rc && tok && !(*out = k8sc__strdup(tok)))
        rc = K8SC_ENOMEM;
    pthread_mutex_unlock(&cfg->lock);
    return rc;
}

int k8sc_client_config_client_cert(char **cert_out, char **key_out, k8sc_client_config *cfg)
{
    K8SC__CHECK_ARG(cert_out && key_out && cfg);
    *cert_out = *key_out = NULL;
    int rc = 0;
    pthread_mutex_lock(&cfg->lock);
    const char *cert = cfg->cert, *key = cfg->key;
    if (!cert && cfg->exec) {
        rc = refresh_exec(cfg);
        cert = cfg->exec_cert;
        key = cfg->exec_key;
    }
    if (!rc && cert && key) {
        *cert_out = k8sc__strdup(cert);
        *key_out = k8sc__strdup(key);
        if (!*cert_out || !*key_out) {
            free(*cert_out);
            free(*key_out);
            *cert_out = *key_out = NULL;
            rc = K8SC_ENOMEM;
        }
    }
    pthread_mutex_unlock(&cfg->lock);
    return rc;
}
