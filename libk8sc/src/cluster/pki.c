/*
 * A server's certificates, as k3s and kubeadm make them: a cluster CA
 * (ECDSA P-256, ten years) and the API server's serving certificate signed
 * by it (one year) for every name and address clients use. Kept under
 * <data_dir>/pki/ and reused across restarts; the serving certificate is
 * made again when it no longer covers an address, was signed by another
 * CA, or is about to expire.
 */
#include <errno.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cluster_internal.h"

#define DAY (24L * 60 * 60)
#define CA_DAYS 3650
#define SERVING_DAYS 365
/* A serving certificate with less left than this is made again at start. */
#define RENEW_DAYS 30

void k8sc__cluster_sha256_hex(char out[65], const char *data, size_t len)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)data, len, md);
    for (size_t i = 0; i < sizeof(md); i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The PEM of a certificate or a private key (caller frees), NULL on failure. */
static char *to_pem(X509 *cert, EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    bool ok = bio && (cert ? PEM_write_bio_X509(bio, cert) : PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
                                                                                         NULL)) == 1;
    char *data = NULL;
    long len = ok ? BIO_get_mem_data(bio, &data) : 0;
    char *pem = ok && len > 0 ? k8sc__malloc((size_t)len + 1) : NULL;
    if (pem) {
        memcpy(pem, data, (size_t)len);
        pem[len] = '\0';
    }
    BIO_free(bio);
    return pem;
}

static X509 *read_cert(const char *path)
{
    FILE *f = fopen(path, "re");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    return x;
}

static EVP_PKEY *read_key(const char *path)
{
    FILE *f = fopen(path, "re");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, k8sc__pem_no_passphrase, NULL) : NULL;
    if (f)
        fclose(f);
    return k;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = ext && X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/* A random positive 128-bit serial number, as Go's crypto/x509 users make them. */
static int set_serial(X509 *cert)
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return -1;
    raw[0] &= 0x7f;
    raw[0] |= 0x01;
    BIGNUM *bn = BN_bin2bn(raw, sizeof(raw), NULL);
    int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
    BN_free(bn);
    return ok ? 0 : -1;
}

/*
 * A certificate for `key` named `cn`, valid `days` from now (an hour
 * back, for clocks a little behind): self-signed CA when `issuer` is NULL,
 * else a serving certificate for `san` signed by issuer/issuer_key.
 */
static X509 *make_cert(EVP_PKEY *key, const char *cn, long days, X509 *issuer, EVP_PKEY *issuer_key, const char *san)
{
    X509 *cert = X509_new();
    X509_NAME *name = cert ? X509_get_subject_name(cert) : NULL;
    bool ok = name && X509_set_version(cert, 2) == 1 && set_serial(cert) == 0 &&
              X509_gmtime_adj(X509_getm_notBefore(cert), -60 * 60) && X509_gmtime_adj(X509_getm_notAfter(cert), days * DAY) &&
              X509_set_pubkey(cert, key) == 1 &&
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) == 1 &&
              X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name) == 1;
    X509 *signer = issuer ? issuer : cert;
    if (ok && !issuer)
        ok = add_ext(cert, signer, NID_basic_constraints, "critical,CA:TRUE") == 0 &&
             add_ext(cert, signer, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign") == 0 &&
             add_ext(cert, signer, NID_subject_key_identifier, "hash") == 0;
    else if (ok)
        ok = add_ext(cert, signer, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
             add_ext(cert, signer, NID_key_usage, "critical,digitalSignature,keyEncipherment") == 0 &&
             add_ext(cert, signer, NID_ext_key_usage, "serverAuth") == 0 &&
             add_ext(cert, signer, NID_authority_key_identifier, "keyid:always") == 0 &&
             add_ext(cert, signer, NID_subject_alt_name, san) == 0;
    if (ok)
        ok = X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(cert);
        cert = NULL;
    }
    return cert;
}

/* Write a certificate (0644) or a private key (0600) as PEM. */
static int write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
    char *pem = to_pem(cert, key);
    if (!pem)
        return k8sc_error_set(K8SC_ENOMEM, "cannot encode %s", path);
    int rc = k8sc__cluster_write_file(path, pem, cert ? 0644 : 0600);
    if (key)
        OPENSSL_cleanse(pem, strlen(pem));
    k8sc_free(pem);
    return rc;
}

/* Whether `cert` is one of ours to keep: signed by `ca`, for `key`, covering every address and name, not expiring. */
static bool serving_ok(X509 *cert, EVP_PKEY *key, X509 *ca, const char *const *ips, const char *const *names)
{
    EVP_PKEY *ca_key = X509_get0_pubkey(ca);
    if (!cert || !key || !ca_key || X509_verify(cert, ca_key) != 1 || X509_check_private_key(cert, key) != 1)
        return false;
    time_t soon = time(NULL) + RENEW_DAYS * DAY;
    if (X509_cmp_time(X509_get0_notAfter(cert), &soon) <= 0)
        return false;
    for (size_t i = 0; ips[i]; i++)
        if (X509_check_ip_asc(cert, ips[i], 0) != 1)
            return false;
    for (size_t i = 0; names[i]; i++)
        if (X509_check_host(cert, names[i], 0, X509_CHECK_FLAG_NO_WILDCARDS, NULL) != 1)
            return false;
    return true;
}

/* The CA of <pki>: read, or made when there is none (a damaged one is an error, not replaced). */
static int load_ca(X509 **ca, EVP_PKEY **ca_key, const char *crt, const char *keyf)
{
    struct stat st;
    bool have_crt = stat(crt, &st) == 0, have_key = stat(keyf, &st) == 0;
    if (have_crt || have_key) {
        *ca = read_cert(crt);
        *ca_key = read_key(keyf);
        if (!*ca)
            return k8sc_error_set(K8SC_EINVAL, "%s: no PEM certificate in it", crt);
        if (!*ca_key)
            return k8sc_error_set(K8SC_EINVAL, "%s: no unencrypted PEM private key in it", keyf);
        if (X509_check_private_key(*ca, *ca_key) != 1)
            return k8sc_error_set(K8SC_EINVAL, "%s: not the key of the CA in %s", keyf, crt);
        return 0;
    }
    char cn[64];
    snprintf(cn, sizeof(cn), "k8sc-ca@%lld", (long long)time(NULL));
    *ca_key = EVP_EC_gen("P-256");
    *ca = *ca_key ? make_cert(*ca_key, cn, CA_DAYS, NULL, NULL, NULL) : NULL;
    if (!*ca)
        return k8sc_error_set(K8SC_ERROR, "cannot make the cluster CA");
    k8sc_log(K8SC_LOG_INFO, "cluster: made the cluster CA %s", crt);
    int rc = write_pem(keyf, NULL, *ca_key);
    return rc == 0 ? write_pem(crt, *ca, NULL) : rc;
}

/* "IP:a,IP:b,DNS:c" for the subjectAltName extension. */
static char *san_value(const char *const *ips, const char *const *names)
{
    k8sc__buf b = K8SC__BUF_INIT;
    for (size_t i = 0; ips[i]; i++)
        k8sc__buf_printf(&b, "%sIP:%s", b.len ? "," : "", ips[i]);
    for (size_t i = 0; names[i]; i++)
        k8sc__buf_printf(&b, "%sDNS:%s", b.len ? "," : "", names[i]);
    return k8sc__buf_detach(&b, NULL);
}

/* The serving certificate and key: kept when still good, else made anew. */
static int ensure_serving(X509 *ca, EVP_PKEY *ca_key, const char *crt, const char *keyf, const char *const *ips,
                          const char *const *names)
{
    X509 *cert = read_cert(crt);
    EVP_PKEY *key = read_key(keyf);
    bool keep = serving_ok(cert, key, ca, ips, names);
    X509_free(cert);
    EVP_PKEY_free(key);
    if (keep)
        return 0;
    char *san = san_value(ips, names);
    if (!san)
        return K8SC_ENOMEM;
    key = EVP_EC_gen("P-256");
    cert = key ? make_cert(key, "kube-apiserver", SERVING_DAYS, ca, ca_key, san) : NULL;
    int rc = cert ? 0 : k8sc_error_set(K8SC_ERROR, "cannot make the API server's certificate for %s", san);
    if (rc == 0)
        k8sc_log(K8SC_LOG_INFO, "cluster: made the API server's certificate %s for %s", crt, san);
    if (rc == 0)
        rc = write_pem(keyf, NULL, key);
    if (rc == 0)
        rc = write_pem(crt, cert, NULL);
    k8sc_free(san);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

int k8sc__cluster_pki_setup(k8sc__cluster_pki *pki, const char *dir, const char *const *ips, const char *const *names)
{
    memset(pki, 0, sizeof(*pki));
    char *pdir = k8sc__cluster_path(dir, "pki");
    char *ca_key_file = pdir ? k8sc__cluster_path(pdir, "ca.key") : NULL;
    pki->ca_file = pdir ? k8sc__cluster_path(pdir, "ca.crt") : NULL;
    pki->cert_file = pdir ? k8sc__cluster_path(pdir, "apiserver.crt") : NULL;
    pki->key_file = pdir ? k8sc__cluster_path(pdir, "apiserver.key") : NULL;
    int rc = ca_key_file && pki->ca_file && pki->cert_file && pki->key_file ? 0 : K8SC_ENOMEM;
    if (rc == 0 && mkdir(pdir, 0755) != 0 && errno != EEXIST)
        rc = k8sc_error_set(K8SC_EIO, "cannot create %s: %s", pdir, strerror(errno));
    X509 *ca = NULL;
    EVP_PKEY *ca_key = NULL;
    if (rc == 0)
        rc = load_ca(&ca, &ca_key, pki->ca_file, ca_key_file);
    if (rc == 0)
        rc = ensure_serving(ca, ca_key, pki->cert_file, pki->key_file, ips, names);
    if (rc == 0)
        rc = k8sc__read_file(&pki->ca_pem, NULL, pki->ca_file, 0);
    ERR_clear_error();
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    k8sc_free(ca_key_file);
    k8sc_free(pdir);
    if (rc != 0)
        k8sc__cluster_pki_clear(pki);
    return rc;
}

void k8sc__cluster_pki_clear(k8sc__cluster_pki *pki)
{
    k8sc_free(pki->ca_file);
    k8sc_free(pki->cert_file);
    k8sc_free(pki->key_file);
    k8sc_free(pki->ca_pem);
    memset(pki, 0, sizeof(*pki));
}
