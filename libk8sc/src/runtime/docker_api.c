/* The Docker Engine API (v1.41): HTTP over dockerd's unix socket through libcurl. */
#include "curl_shim.h"
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"

#define API_PREFIX "/v1.41"
#define CONNECT_TIMEOUT_MS 3000
#define ERROR_BODY_MAX (64 * 1024)

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
    k8sc__buf *b = userdata;
    return k8sc__buf_put(b, data, size * n) == 0 ? size * n : 0;
}

static size_t upload_read(char *data, size_t size, size_t n, void *userdata)
{
    size_t got = fread(data, 1, size * n, userdata);
    return got == 0 && ferror((FILE *)userdata) ? CURL_READFUNC_ABORT : got;
}

/* Docker's error text: {"message": …} when the body is JSON, the body itself otherwise. */
static char *error_message(const k8sc__buf *b)
{
    if (!b->ptr || b->len == 0)
        return NULL;
    json_object *j = json_tokener_parse(b->ptr);
    const char *m = k8sc__json_string(j, "message");
    char *out = m ? k8sc__strdup(m) : k8sc__strndup(b->ptr, b->len);
    json_object_put(j);
    if (out) {
        size_t len = strlen(out);
        while (len && (out[len - 1] == '\n' || out[len - 1] == '\r'))
            out[--len] = '\0';
    }
    return out;
}

static int status_error(k8sc__docker *d, const k8sc__docker_req *req, long status, const k8sc__buf *b)
{
    char *msg = error_message(b);
    int code = status == 404 ? K8SC_ENOTFOUND
             : status == 409 ? (req->conflict_code ? req->conflict_code : K8SC_EEXISTS)
             : status == 400 ? K8SC_EINVAL
                             : K8SC_EIO;
    int rc = k8sc_error_set(code, "dockerd at %s: %s %s: %ld %s", d->socket, req->method, req->path, status,
                            msg ? msg : "(no message)");
    free(msg);
    return rc;
}

int k8sc__docker_call(k8sc__docker *d, const k8sc__docker_req *req, long *status, k8sc__buf *resp)
{
    *status = 0;
    k8sc__buf own = K8SC__BUF_INIT;
    k8sc__buf *b = resp ? resp : &own;
    k8sc__buf url = K8SC__BUF_INIT;
    k8sc__buf_printf(&url, "http://docker" API_PREFIX "%s", req->path);
    k8sc__buf ctype = K8SC__BUF_INIT;
    k8sc__buf_printf(&ctype, "Content-Type: %s", req->content_type ? req->content_type : "application/json");
    CURL *c = curl_easy_init();
    struct curl_slist *hdr = NULL;
    if (c && !k8sc__buf_status(&ctype))
        hdr = curl_slist_append(NULL, ctype.ptr);
    if (!c || !hdr || k8sc__buf_status(&url)) {
        curl_slist_free_all(hdr);
        if (c)
            curl_easy_cleanup(c);
        k8sc__buf_free(&url);
        k8sc__buf_free(&ctype);
        k8sc__buf_free(&own);
        return k8sc__error_nomem();
    }
    hdr = curl_slist_append(hdr, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url.ptr);
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, d->socket);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : (long)K8SC__DOCKER_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    if (req->upload) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
        curl_easy_setopt(c, CURLOPT_READDATA, req->upload);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->upload_len);
    } else if (req->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    CURLcode cc = curl_easy_perform(c);
    int rc = 0;
    if (cc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
        if ((*status < 200 || *status >= 300) && *status != 304)
            rc = status_error(d, req, *status, b);
        else if (k8sc__buf_status(b))
            rc = k8sc__error_nomem();
    } else if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST) {
        rc = k8sc_error_set(K8SC_EUNAVAILABLE, "cannot reach dockerd at %s: %s %s: %s", d->socket, req->method,
                            req->path, curl_easy_strerror(cc));
    } else if (cc == CURLE_OPERATION_TIMEDOUT) {
        rc = k8sc_error_set(K8SC_ETIMEOUT, "dockerd at %s: %s %s: no answer within %ld ms", d->socket, req->method,
                            req->path, req->timeout_ms > 0 ? req->timeout_ms : (long)K8SC__DOCKER_TIMEOUT_MS);
    } else {
        rc = k8sc_error_set(cc == CURLE_OUT_OF_MEMORY ? K8SC_ENOMEM : K8SC_EIO, "dockerd at %s: %s %s: %s",
                            d->socket, req->method, req->path, curl_easy_strerror(cc));
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    k8sc__buf_free(&url);
    k8sc__buf_free(&ctype);
    k8sc__buf_free(&own);
    return rc;
}

int k8sc__docker_json(k8sc__docker *d, const char *method, const char *path, json_object *body, json_object **out,
                      int conflict_code)
{
    if (out)
        *out = NULL;
    const char *text = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL;
    if (body && !text)
        return k8sc__error_nomem();
    k8sc__docker_req req = { .method = method, .path = path, .body = text, .body_len = text ? strlen(text) : 0,
                             .conflict_code = conflict_code };
    if (!text && strcmp(method, "POST") == 0) {
        req.body = "";
        req.body_len = 0;
    }
    k8sc__buf resp = K8SC__BUF_INIT;
    long status;
    int rc = k8sc__docker_call(d, &req, &status, &resp);
    if (rc == 0 && out && resp.len > 0) {
        json_tokener *tok = json_tokener_new();
        *out = tok ? json_tokener_parse_ex(tok, resp.ptr, (int)resp.len) : NULL;
        if (!*out)
            rc = k8sc_error_set(K8SC_EIO, "dockerd at %s: %s %s: the answer is not JSON", d->socket, method, path);
        json_tokener_free(tok);
    }
    k8sc__buf_free(&resp);
    return rc;
}

char *k8sc__docker_escape(const char *s)
{
    k8sc__buf b = K8SC__BUF_INIT;
    if (k8sc__buf_put_urlescaped(&b, s)) {
        k8sc__buf_free(&b);
        k8sc__error_nomem();
        return NULL;
    }
    return k8sc__buf_detach(&b, NULL);
}

int64_t k8sc__docker_time(const char *text)
{
    int64_t sec;
    if (!text || k8sc_time_parse(&sec, text) != 0 || sec <= 0)
        return 0;
    int64_t ns = 0;
    const char *dot = strchr(text, '.');
    if (dot) {
        int digits = 0;
        for (const char *p = dot + 1; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 9)
                ns = ns * 10 + (*p - '0');
        for (; digits < 9; digits++)
            ns *= 10;
    }
    return sec * 1000000000 + ns;
}
