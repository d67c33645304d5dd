/*
 * serviceaccounts/NAME/token: TokenRequest, as the serviceaccount token
 * REST (pkg/registry/core/serviceaccount/storage/token.go) answers it: a
 * JWT signed RS256 with the server's key, carrying kube's claims (iss,
 * sub system:serviceaccount:NS:NAME, aud, exp, iat, nbf, jti and the
 * kubernetes.io private claim naming the namespace and service account).
 */
#include "apiserver_internal.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

/* kube-apiserver's default --service-account-issuer and --api-audiences. */
#define ISSUER "https://kubernetes.default.svc.cluster.local"
/* Token lifetimes: 1 h when none is asked for; at least 10 min, at most 2^32 s (ValidateTokenRequest). */
#define DEFAULT_SECONDS 3600
#define MIN_SECONDS 600
#define MAX_SECONDS 4294967296LL

struct k8sc__sa_keys {
    pthread_mutex_t lock;
    EVP_PKEY *key; /* NULL until the first token when no file was given */
    char kid[64];
};

static void b64url(k8sc__buf *b, const void *data, size_t len)
{
    k8sc__buf std = K8SC__BUF_INIT;
    k8sc__base64_encode(&std, data, len, 0);
    for (size_t i = 0; std.ptr && i < std.len && std.ptr[i] != '='; i++)
        k8sc__buf_putc(b, std.ptr[i] == '+' ? '-' : std.ptr[i] == '/' ? '_' : std.ptr[i]);
    if (k8sc__buf_status(&std))
        b->failed = true;
    k8sc__buf_free(&std);
}

/* The key id kube gives a key: the unpadded base64url of the SHA-256 of its DER public key. */
static int set_kid(struct k8sc__sa_keys *k)
{
    unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int n = i2d_PUBKEY(k->key, &der);
    if (n <= 0 || !EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL)) {
        OPENSSL_free(der);
        return k8sc_error_set(K8SC_ERROR, "service account key: cannot compute its key id");
    }
    OPENSSL_free(der);
    k8sc__buf b = K8SC__BUF_INIT;
    b64url(&b, md, mdlen);
    int rc = k8sc__buf_status(&b);
    if (!rc)
        snprintf(k->kid, sizeof(k->kid), "%s", b.ptr);
    k8sc__buf_free(&b);
    return rc;
}

int k8sc__sa_keys_new(struct k8sc__sa_keys **out, const char *path)
{
    *out = NULL;
    struct k8sc__sa_keys *k = k8sc__calloc(1, sizeof(*k));
    if (!k)
        return K8SC_ENOMEM;
    pthread_mutex_init(&k->lock, NULL);
    int rc = 0;
    if (path) {
        FILE *f = fopen(path, "r");
        if (!f) {
            rc = k8sc_error_set(K8SC_EIO, "service account key file %s: %s", path, strerror(errno));
        } else {
            k->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
            fclose(f);
            if (!k->key || EVP_PKEY_get_base_id(k->key) != EVP_PKEY_RSA)
                rc = k8sc_error_set(K8SC_EINVAL, "service account key file %s: not a PEM RSA private key", path);
            else
                rc = set_kid(k);
        }
    }
    if (rc) {
        k8sc__sa_keys_free(k);
        return rc;
    }
    *out = k;
    return 0;
}

void k8sc__sa_keys_free(struct k8sc__sa_keys *keys)
{
    if (!keys)
        return;
    EVP_PKEY_free(keys->key);
    pthread_mutex_destroy(&keys->lock);
    k8sc_free(keys);
}

/* Sign what `jwt` holds (header.claims) with the key and append ".signature". */
static int sign(k8sc__buf *jwt, struct k8sc__sa_keys *k)
{
    int rc = 0;
    pthread_mutex_lock(&k->lock);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    size_t siglen = 0;
    if (!rc && (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->key) != 1 ||
                   EVP_DigestSign(ctx, NULL, &siglen, (const unsigned char *)jwt->ptr, jwt->len) != 1 ||
                   !(sig = k8sc__malloc(siglen)) ||
                   EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)jwt->ptr, jwt->len) != 1))
        rc = sig || !siglen ? k8sc_error_set(K8SC_ERROR, "service account token: signing failed") : K8SC_ENOMEM;
    pthread_mutex_unlock(&k->lock);
    if (!rc) {
        k8sc__buf_putc(jwt, '.');
        b64url(jwt, sig, siglen);
        rc = k8sc__buf_status(jwt);
    }
    k8sc_free(sig);
    EVP_MD_CTX_free(ctx);
    return rc;
}

static int append_b64_json(k8sc__buf *jwt, struct json_object *v)
{
    char *text = NULL;
    size_t len = 0;
    int rc = k8sc_json_encode(&text, &len, v, 0);
    if (!rc) {
        b64url(jwt, text, len);
        rc = k8sc__buf_status(jwt);
    }
    k8sc_free(text);
    return rc;
}

/* header.claims.signature for service account `sa`. */
static int make_jwt(char **out, struct k8sc__sa_keys *k, const k8sc_object *sa, struct json_object *audiences,
    int64_t now, int64_t exp)
{
    char sub[600], jti[K8SC_UUID_BUFSIZE];
    const char *ns = k8sc_object_namespace(sa), *name = k8sc_object_name(sa);
    snprintf(sub, sizeof(sub), "system:serviceaccount:%s:%s", ns, name);
    int rc = k8sc_uuid_v4(jti, sizeof(jti));
    if (rc)
        return rc;
    struct json_object *claims = json_object_new_object(), *kio = json_object_new_object(),
                       *sao = json_object_new_object(), *hdr = json_object_new_object();
    json_object_object_add(claims, "aud", json_object_get(audiences));
    json_object_object_add(claims, "exp", json_object_new_int64(exp));
    json_object_object_add(claims, "iat", json_object_new_int64(now));
    json_object_object_add(claims, "iss", json_object_new_string(ISSUER));
    json_object_object_add(claims, "jti", json_object_new_string(jti));
    json_object_object_add(sao, "name", json_object_new_string(name));
    json_object_object_add(sao, "uid", json_object_new_string(k8sc_object_uid(sa) ? k8sc_object_uid(sa) : ""));
    json_object_object_add(kio, "namespace", json_object_new_string(ns));
    json_object_object_add(kio, "serviceaccount", sao);
    json_object_object_add(claims, "kubernetes.io", kio);
    json_object_object_add(claims, "nbf", json_object_new_int64(now));
    json_object_object_add(claims, "sub", json_object_new_string(sub));
    k8sc__buf jwt = K8SC__BUF_INIT;
    /* A server without a key file makes its key at the first token; the header names it. */
    pthread_mutex_lock(&k->lock);
    if (!k->key) {
        k->key = EVP_RSA_gen(2048);
        rc = k->key ? set_kid(k) : k8sc_error_set(K8SC_ERROR, "service account key: RSA key generation failed");
    }
    json_object_object_add(hdr, "alg", json_object_new_string("RS256"));
    json_object_object_add(hdr, "kid", json_object_new_string(k->kid));
    pthread_mutex_unlock(&k->lock);
    if (!rc)
        rc = append_b64_json(&jwt, hdr);
    if (!rc && !(rc = k8sc__buf_putc(&jwt, '.')))
        rc = append_b64_json(&jwt, claims);
    if (!rc)
        rc = sign(&jwt, k);
    json_object_put(hdr);
    json_object_put(claims);
    if (rc) {
        k8sc__buf_free(&jwt);
        return rc;
    }
    *out = k8sc__buf_detach(&jwt, NULL);
    return 0;
}

static int invalid(k8sc_apiserver_response *resp, const char *name, int64_t value, const char *detail)
{
    k8sc_field_errors *errs = NULL;
    struct json_object *v = json_object_new_int64(value);
    int rc = v ? k8sc_field_errors_new(&errs) : k8sc__error_nomem();
    if (!rc)
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, "spec.expirationSeconds", v, "%s", detail);
    json_object_put(v);
    if (!rc)
        rc = k8sc__status_invalid_kind(resp, "authentication.k8s.io", "TokenRequest", name, errs);
    k8sc_field_errors_free(errs);
    return rc;
}

static int read_sa(k8sc_object **out, k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__route *route)
{
    *out = NULL;
    char *key = k8sc__storage_key(route->resource, route->ns, route->name);
    k8sc_store_kv *kv = NULL;
    int rc = key ? k8sc_store_get(&kv, srv->store, key, 0) : K8SC_ENOMEM;
    k8sc_free(key);
    if (rc && rc != K8SC_ENOMEM)
        return k8sc__status_from_code(resp, rc, route->resource, route->name);
    if (!rc)
        rc = k8sc__object_from_kv(out, kv);
    k8sc_store_kv_free(kv);
    return rc;
}

int k8sc__handle_token(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route)
{
    if (strcmp(req->method, "POST") != 0)
        return k8sc__status_method_not_allowed(resp);
    k8sc_object *tr = NULL, *sa = NULL;
    int rc = k8sc__decode_body(&tr, resp, req);
    if (rc || resp->status)
        return rc;
    int64_t secs = DEFAULT_SECONDS;
    if (k8sc_object_get(tr, "spec.expirationSeconds") && k8sc_object_get_int(tr, "spec.expirationSeconds", &secs))
        secs = -1;
    if (secs < MIN_SECONDS)
        rc = invalid(resp, route->name, secs, "may not specify a duration less than 10 minutes");
    else if (secs > MAX_SECONDS)
        rc = invalid(resp, route->name, secs, "may not specify a duration larger than 2^32 seconds");
    if (!rc && !resp->status)
        rc = read_sa(&sa, resp, srv, route);
    struct json_object *aud = k8sc_object_get(tr, "spec.audiences");
    if (!rc && !resp->status && (!aud || !json_object_is_type(aud, json_type_array) ||
                                    json_object_array_length(aud) == 0)) {
        struct json_object *def = json_object_new_array();
        json_object_array_add(def, json_object_new_string(ISSUER));
        if ((rc = k8sc_object_set(tr, "spec.audiences", def)))
            json_object_put(def);
        aud = k8sc_object_get(tr, "spec.audiences");
    }
    char *jwt = NULL;
    int64_t now = k8sc_clock_now(srv->clock) / 1000000000;
    if (!rc && !resp->status)
        rc = make_jwt(&jwt, srv->sa_keys, sa, aud, now, now + secs);
    if (!rc && !resp->status) {
        char exp[40];
        k8sc_time_format(exp, sizeof(exp), now + secs);
        struct json_object *status = json_object_new_object(), *md = json_object_new_object();
        json_object_object_add(status, "token", json_object_new_string(jwt));
        json_object_object_add(status, "expirationTimestamp", json_object_new_string(exp));
        json_object_object_add(md, "name", json_object_new_string(route->name));
        json_object_object_add(md, "namespace", json_object_new_string(route->ns));
        json_object_object_add(md, "creationTimestamp", NULL);
        if ((rc = k8sc_object_set(tr, "status", status))) {
            json_object_put(status);
            json_object_put(md);
        } else if ((rc = k8sc_object_set(tr, "metadata", md))) {
            json_object_put(md);
        }
        if (!rc)
            rc = k8sc_object_set_int(tr, "spec.expirationSeconds", secs);
        if (!rc)
            rc = k8sc_object_set_api_version(tr, "authentication.k8s.io/v1");
        if (!rc)
            rc = k8sc_object_set_kind(tr, "TokenRequest");
        if (!rc)
            rc = k8sc__resp_object(resp, 201, tr);
    }
    k8sc_free(jwt);
    k8sc_object_free(sa);
    k8sc_object_free(tr);
    return rc;
}
