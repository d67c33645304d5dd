/*
 * Static token authentication, as kube-apiserver's --token-auth-file: a
 * CSV file read at start (Go's encoding/csv rules: quoted fields may hold
 * commas, "" is a quote, blank lines are skipped) and a bearer token
 * checked on every HTTP request.
 */
#include "apiserver_internal.h"
#include "authn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The biggest token file read (kube-apiserver has no limit; ours stays in memory). */
#define MAX_FILE ((size_t)16 * 1024 * 1024)

typedef struct token {
    char *token;
    char *user;
} token;

struct k8sc__authn {
    token *tokens;
    size_t n;
};

/* The paths an anonymous request may reach, as RBAC's system:public-info-viewer allows. */
static const char *const public_paths[] = { "/healthz", "/livez", "/readyz", "/version" };

void k8sc__authn_free(k8sc__authn *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++) {
        k8sc_free(a->tokens[i].token);
        k8sc_free(a->tokens[i].user);
    }
    k8sc_free(a->tokens);
    k8sc_free(a);
}

static int read_all(k8sc__buf *b, const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return k8sc_error_set(K8SC_EIO, "token file %s: %s", path, strerror(errno));
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b->len <= MAX_FILE)
        k8sc__buf_put(b, chunk, n);
    bool err = ferror(f) != 0;
    fclose(f);
    if (err)
        return k8sc_error_set(K8SC_EIO, "token file %s: read error", path);
    if (b->len > MAX_FILE)
        return k8sc_error_set(K8SC_EINVAL, "token file %s: larger than %zu bytes", path, MAX_FILE);
    k8sc__buf_putc(b, '\0');
    return k8sc__buf_status(b);
}

/* One CSV record's first fields (token, user) and how many it has. */
typedef struct record {
    k8sc__buf field[2];
    size_t nfields;
} record;

/*
 * Parse the record at `*p` (blank lines before it skipped) and move `*p`
 * past it. 1 for a record, 0 at the end, EINVAL for a stray quote.
 */
static int next_record(record *r, const char **p, const char *path, size_t num)
{
    const char *s = *p;
    while (*s == '\n' || (*s == '\r' && s[1] == '\n'))
        s += *s == '\r' ? 2 : 1;
    if (!*s)
        return 0;
    for (;;) {
        k8sc__buf scratch = K8SC__BUF_INIT;
        k8sc__buf *out = r->nfields < 2 ? &r->field[r->nfields] : &scratch;
        /* Every field exists, even empty: "" for an empty one. */
        k8sc__buf_puts(out, "");
        if (*s == '"') {
            for (s++;; s++) {
                if (!*s) {
                    k8sc__buf_free(&scratch);
                    return k8sc_error_set(K8SC_EINVAL, "token file %s: record %zu: unterminated quoted field", path,
                                          num);
                }
                if (*s == '"' && s[1] == '"')
                    k8sc__buf_putc(out, *s++);
                else if (*s == '"')
                    break;
                else if (!(*s == '\r' && s[1] == '\n'))
                    k8sc__buf_putc(out, *s);
            }
            s++;
            if (*s && *s != ',' && *s != '\n' && !(*s == '\r' && s[1] == '\n')) {
                k8sc__buf_free(&scratch);
                return k8sc_error_set(K8SC_EINVAL, "token file %s: record %zu: extraneous \" in field", path, num);
            }
        } else {
            size_t n = strcspn(s, ",\n\"");
            if (s[n] == '"') {
                k8sc__buf_free(&scratch);
                return k8sc_error_set(K8SC_EINVAL, "token file %s: record %zu: bare \" in non-quoted field", path,
                                      num);
            }
            if (s[n] == '\n' && n > 0 && s[n - 1] == '\r')
                k8sc__buf_put(out, s, n - 1);
            else
                k8sc__buf_put(out, s, n);
            s += n;
        }
        k8sc__buf_free(&scratch);
        r->nfields++;
        if (*s != ',')
            break;
        s++;
    }
    if (*s == '\n')
        s++;
    *p = s;
    return 1;
}

static int add_token(k8sc__authn *a, record *r)
{
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->tokens[i].token, r->field[0].ptr) == 0) {
            /* A later record for the same token wins, as kube-apiserver's map assignment does. */
            k8sc_free(a->tokens[i].user);
            a->tokens[i].user = k8sc__buf_detach(&r->field[1], NULL);
            return a->tokens[i].user ? 0 : K8SC_ENOMEM;
        }
    }
    token *grown = k8sc__realloc(a->tokens, (a->n + 1) * sizeof(*grown));
    if (!grown)
        return K8SC_ENOMEM;
    a->tokens = grown;
    a->tokens[a->n].token = k8sc__buf_detach(&r->field[0], NULL);
    a->tokens[a->n].user = k8sc__buf_detach(&r->field[1], NULL);
    a->n++;
    return a->tokens[a->n - 1].token && a->tokens[a->n - 1].user ? 0 : K8SC_ENOMEM;
}

int k8sc__authn_load(k8sc__authn **out, const char *path)
{
    K8SC__CHECK_ARG(out && path);
    *out = NULL;
    k8sc__buf file = K8SC__BUF_INIT;
    k8sc__authn *a = k8sc__calloc(1, sizeof(*a));
    int rc = a ? read_all(&file, path) : K8SC_ENOMEM;
    const char *p = file.ptr;
    for (size_t num = 1; rc == 0; num++) {
        record r = { { K8SC__BUF_INIT, K8SC__BUF_INIT }, 0 };
        int got = next_record(&r, &p, path, num);
        if (got <= 0) {
            rc = got;
        } else if (k8sc__buf_status(&r.field[0]) || k8sc__buf_status(&r.field[1])) {
            rc = K8SC_ENOMEM;
        } else if (r.nfields < 3) {
            rc = k8sc_error_set(K8SC_EINVAL,
                                "token file %s must have at least 3 columns (token, user name, user uid), found %zu",
                                path, r.nfields);
        } else if (r.field[0].ptr[0]) {
            rc = add_token(a, &r);
        } else {
            k8sc_log(K8SC_LOG_WARN, "apiserver: empty token in token file %s, record %zu", path, num);
        }
        k8sc__buf_free(&r.field[0]);
        k8sc__buf_free(&r.field[1]);
        if (got == 0)
            break;
    }
    k8sc__buf_free(&file);
    if (rc == 0 && a->n == 0)
        rc = k8sc_error_set(K8SC_EINVAL, "token file %s has no tokens", path);
    if (rc != 0) {
        k8sc__authn_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

/* Compare without an early exit, so that timing does not tell how much of a guess was right. */
static bool same(const char *a, const char *b, size_t blen)
{
    size_t alen = strlen(a);
    unsigned char diff = alen != blen;
    for (size_t i = 0; i < blen; i++)
        diff |= (unsigned char)(a[i % (alen ? alen : 1)] ^ b[i]);
    return diff == 0 && alen == blen;
}

/* The token of "Bearer TOKEN" (leading and trailing blanks ignored), its length in *len; NULL when there is none. */
static const char *bearer(const char *authorization, size_t *len)
{
    if (!authorization)
        return NULL;
    authorization += strspn(authorization, " \t");
    if (strncasecmp(authorization, "Bearer ", 7) != 0)
        return NULL;
    /* As kube-apiserver splits the header: the token is what lies between the first and second space. */
    const char *tok = authorization + 7;
    *len = strcspn(tok, " \t");
    return *len ? tok : NULL;
}

const char *k8sc__authn_user(const k8sc__authn *a, const char *authorization)
{
    size_t len = 0;
    const char *tok = bearer(authorization, &len);
    if (!a || !tok)
        return NULL;
    const char *user = NULL;
    for (size_t i = 0; i < a->n; i++)
        if (same(a->tokens[i].token, tok, len))
            user = a->tokens[i].user;
    return user;
}

static bool is_public(const char *path)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(public_paths); i++) {
        size_t n = strlen(public_paths[i]);
        if (strncmp(path, public_paths[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
            return true;
    }
    return false;
}

bool k8sc__authn_refuse(k8sc_apiserver_response *resp, const k8sc__authn *a, const char *path,
    const char *authorization)
{
    if (!a || k8sc__authn_user(a, authorization))
        return false;
    /* A token that does not authenticate is refused everywhere; no token at all is anonymous. */
    size_t len = 0;
    if (!bearer(authorization, &len) && path && is_public(path))
        return false;
    k8sc__status_error(resp, 401, "Unauthorized", "Unauthorized", NULL);
    return true;
}
