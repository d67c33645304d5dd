/*
 * API server fuzzer over the in-process entry point. The input is split at
 * its first three newlines into method, request target (path and query),
 * Content-Type and body. Each input gets a fresh server on a memory store,
 * so a crash reproduces from the input alone; the request is first sent
 * as is, then, when it is a write, again as a PATCH and a scale update of
 * whatever it created. Every request must give an HTTP reply with a status
 * and a body (watches: a stream that can be read); none may crash or leak.
 */
#include <k8sc/k8sc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* The next newline-terminated field of [*p, end), NUL-terminated in `buf`. */
static void field(char *buf, size_t cap, const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, *p, n);
    buf[n] = '\0';
    *p = nl ? nl + 1 : end;
}

static void one(k8sc_apiserver *srv, const char *method, const char *target, const char *ct, const char *body,
    size_t len)
{
    k8sc_apiserver_response *resp = NULL;
    int rc = k8sc_apiserver_handle(&resp, srv, method, target, ct[0] ? ct : NULL, "application/json", body, len);
    if (rc == K8SC_ENOMEM || (rc == K8SC_EINVAL && !method[0]))
        return;
    if (rc != 0 || !resp)
        abort();
    int status = k8sc_apiserver_response_status(resp);
    if (status < 100 || status > 599 || !k8sc_apiserver_response_content_type(resp))
        abort();
    if (k8sc_apiserver_response_is_stream(resp)) {
        /* Drain what is there without waiting: events of the objects created above, then nothing. */
        for (int i = 0; i < 8; i++) {
            char *line = NULL;
            if (k8sc_apiserver_response_next(&line, resp, 0) != 1)
                break;
            k8sc_free(line);
        }
    } else if (!k8sc_apiserver_response_body(resp, NULL)) {
        abort();
    }
    k8sc_apiserver_response_free(resp);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    char method[16], target[2048], ct[256];
    field(method, sizeof(method), &p, end);
    field(target, sizeof(target), &p, end);
    field(ct, sizeof(ct), &p, end);
    size_t len = (size_t)(end - p);
    char *body = malloc(len + 1);
    if (!body)
        return 0;
    memcpy(body, p, len);
    body[len] = '\0';

    k8sc_store *store = NULL;
    k8sc_apiserver *srv = NULL;
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    if (k8sc_store_open(&store, "memory://", NULL) != 0) {
        free(body);
        return 0;
    }
    o.store = store;
    if (k8sc_apiserver_new(&srv, &o) != 0)
        abort();
    one(srv, method, target, ct, body, len);
    if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
        /* Follow-ups on whatever the write made: reads, patches, scale, deletes, a watch. */
        one(srv, "GET", target, "", NULL, 0);
        one(srv, "PATCH", target, "application/merge-patch+json", body, len);
        one(srv, "PATCH", target, "application/strategic-merge-patch+json", body, len);
        char sub[2100];
        snprintf(sub, sizeof(sub), "%s/scale", target);
        one(srv, "PUT", sub, "", body, len);
        one(srv, "DELETE", target, "application/json", body, len);
        one(srv, "GET", "/api/v1/namespaces/default/pods?watch=true&resourceVersion=1", "", NULL, 0);
    }
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
    free(body);
    return 0;
}
