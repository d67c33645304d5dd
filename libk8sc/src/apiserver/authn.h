/*
 * The API server's authenticate stage for requests that come over HTTP:
 * bearer tokens from a static token file, as kube-apiserver's
 * --token-auth-file. The in-process transport is trusted and skips it.
 */
#ifndef K8SC_APISERVER_AUTHN_H
#define K8SC_APISERVER_AUTHN_H

#include <stdbool.h>

typedef struct k8sc__authn k8sc__authn;
typedef struct k8sc_apiserver_response k8sc_apiserver_response;

/*
 * Read a token file: CSV records "token,user,uid[,\"group1,group2\"]" (at
 * least three columns; a record with an empty token is skipped, a later
 * duplicate wins). EIO when it cannot be read; EINVAL for a malformed file
 * (naming the record) or one without any token.
 */
int k8sc__authn_load(k8sc__authn **out, const char *path);

void k8sc__authn_free(k8sc__authn *a);

/*
 * The user a request's Authorization header ("Bearer TOKEN") names, borrowed
 * from `a`; NULL when the header is missing, not a bearer token, or an
 * unknown token.
 */
const char *k8sc__authn_user(const k8sc__authn *a, const char *authorization);

/*
 * Whether the request for `path` must stop here: a known token, or no
 * credentials at all on /healthz, /livez, /readyz and /version, go on; any
 * other request is refused with 401 Unauthorized in `resp` (out of memory:
 * `resp` stays empty). Never refuses when `a` is NULL (no token file).
 */
bool k8sc__authn_refuse(k8sc_apiserver_response *resp, const k8sc__authn *a, const char *path,
    const char *authorization);

#endif
