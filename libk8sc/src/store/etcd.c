/*
 * The "etcd://HOST:PORT[,HOST:PORT...]" store: etcd 3.4+ through its
 * JSON gateway (/v3/kv/..., /v3/watch) over libcurl. Keys on the wire
 * are the etcd_prefix option followed by the store key; keys and values
 * travel base64-encoded and int64 fields as JSON strings.
 *
 * Writes are single-key transactions (compare create/mod revision, then
 * put or delete), so each write is one etcd revision, as the store model
 * wants. One streaming watch on the whole prefix, run by a thread with a
 * curl multi handle, feeds the generic watch fan-out; catching up from an
 * older revision opens a second, temporary watch on the whole keyspace,
 * where every revision has an event, so its end is known.
 *
 * Failover: a request that fails to connect, or that etcd answers
 * "unavailable", goes to the next endpoint, with back-off between rounds.
 * A write that timed out is not retried: it may have been applied.
 */
#include "store_internal.h"

#include "curl_shim.h"
#include <json-c/json.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ENDPOINTS 16
#define DEFAULT_PREFIX "/registry/"

typedef struct et {
    k8sc_store *store;
    char *endpoints[MAX_ENDPOINTS];
    size_t nendpoints;
    _Atomic size_t current; /* the endpoint that answered last */
    char *prefix;
    size_t prefix_len;
    long request_timeout_ms, connect_timeout_ms;
    int attempts;

    pthread_mutex_t pool_mu;
    CURL *pool[32];
    size_t npool;

    /* the change feed */
    pthread_t watcher;
    bool watcher_started;
    _Atomic bool stopping;
    CURLM *multi;
    _Atomic int64_t watched; /* last revision published */
    _Atomic bool feed_ready; /* etcd confirmed the change feed */
    /* etcd does not tell its compaction revision; this is what this client saw of it. */
    _Atomic int64_t compacted;
} et;

/* ---- base64 ---- */

static char *b64_encode(const void *data, size_t len)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__base64_encode(&b, data, len, 0);
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        return NULL;
    }
    return k8sc__buf_detach(&b, NULL);
}

/* Decode into a new buffer (NUL-terminated); NULL if malformed. */
static char *b64_decode(const char *s, size_t *len)
{
    char *out;
    return k8sc__base64_decode(&out, len, s, strlen(s), NULL) == 0 ? out : NULL;
}

/* ---- JSON helpers ---- */

static int64_t j_i64(json_object *o, const char *field)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, field, &v))
        return 0;
    if (json_object_is_type(v, json_type_string))
        return strtoll(json_object_get_string(v), NULL, 10);
    return json_object_get_int64(v);
}

static const char *j_str(json_object *o, const char *field)
{
    json_object *v;
    return o && json_object_object_get_ex(o, field, &v) ? json_object_get_string(v) : NULL;
}

static json_object *j_obj(json_object *o, const char *field)
{
    json_object *v;
    return o && json_object_object_get_ex(o, field, &v) ? v : NULL;
}

static void j_add_b64(json_object *o, const char *field, const void *data, size_t len)
{
    char *b = b64_encode(data, len);
    json_object_object_add(o, field, json_object_new_string(b ? b : ""));
    free(b);
}

static void j_add_i64(json_object *o, const char *field, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%lld", (long long)v);
    json_object_object_add(o, field, json_object_new_string(buf));
}

/* The wire key for a store key (prefix + key). */
static char *wire_key(const et *e, const char *key, size_t *len)
{
    size_t kl = strlen(key);
    char *w = k8sc__malloc(e->prefix_len + kl + 1);
    if (w) {
        memcpy(w, e->prefix, e->prefix_len);
        memcpy(w + e->prefix_len, key, kl + 1);
        *len = e->prefix_len + kl;
    }
    return w;
}

/* The smallest key above every key starting with `p` (etcd's "\0" = no end if none). */
static void add_range_end(json_object *req, const char *p, size_t n)
{
    char *end = k8sc__malloc(n + 1);
    if (!end)
        return;
    memcpy(end, p, n);
    while (n > 0 && (unsigned char)end[n - 1] == 0xff)
        n--;
    if (n == 0) {
        j_add_b64(req, "range_end", "", 1);
    } else {
        end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
        j_add_b64(req, "range_end", end, n);
    }
    free(end);
}

/* A store object from an etcd KeyValue; NULL if it is not under our prefix or malformed. */
static k8sc_store_kv *kv_from_json(const et *e, json_object *kv, bool deleted, int64_t mod_rev)
{
    const char *k64 = j_str(kv, "key");
    size_t klen = 0, vlen = 0;
    char *key = k64 ? b64_decode(k64, &klen) : NULL;
    if (!key || klen < e->prefix_len || memcmp(key, e->prefix, e->prefix_len) != 0 || klen == e->prefix_len ||
        memchr(key, '\0', klen)) {
        free(key);
        return NULL;
    }
    const char *v64 = j_str(kv, "value");
    char *val = deleted || !v64 ? NULL : b64_decode(v64, &vlen);
    k8sc_store_kv *out = k8sc_store_kv_new(key + e->prefix_len, klen - e->prefix_len, val ? val : "",
                                           val ? vlen : 0, deleted ? 0 : j_i64(kv, "create_revision"),
                                           deleted ? mod_rev : j_i64(kv, "mod_revision"));
    free(key);
    free(val);
    return out;
}

/* ---- requests ---- */

typedef struct body {
    char *ptr;
    size_t len, cap;
} body;

static size_t body_write(char *data, size_t size, size_t n, void *ud)
{
    body *b = ud;
    size_t add = size * n;
    if (b->len + add + 1 > b->cap) {
        size_t ncap = (b->len + add + 1) * 2;
        char *np = realloc(b->ptr, ncap);
        if (!np)
            return 0;
        b->ptr = np;
        b->cap = ncap;
    }
    memcpy(b->ptr + b->len, data, add);
    b->len += add;
    b->ptr[b->len] = '\0';
    return add;
}

static CURL *handle_get(et *e)
{
    CURL *c = NULL;
    pthread_mutex_lock(&e->pool_mu);
    if (e->npool)
        c = e->pool[--e->npool];
    pthread_mutex_unlock(&e->pool_mu);
    return c ? c : curl_easy_init();
}

static void handle_put(et *e, CURL *c)
{
    pthread_mutex_lock(&e->pool_mu);
    if (e->npool < K8SC__ARRAY_LEN(e->pool)) {
        e->pool[e->npool++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&e->pool_mu);
    if (c)
        curl_easy_cleanup(c);
}

static int map_etcd_error(const char *endpoint, const char *msg)
{
    if (strstr(msg, "required revision has been compacted"))
        return k8sc_error_set(K8SC_EGONE, "etcd %s: %s", endpoint, msg);
    if (strstr(msg, "future revision"))
        return k8sc_error_set(K8SC_EINVAL, "etcd %s: %s", endpoint, msg);
    if (strstr(msg, "too large"))
        return k8sc_error_set(K8SC_EINVAL, "etcd %s: %s", endpoint, msg);
    return k8sc_error_set(K8SC_ERROR, "etcd %s: %s", endpoint, msg);
}

/* Errors after which another member may well succeed, and nothing was applied. */
static bool retryable_message(const char *msg)
{
    return strstr(msg, "no leader") || strstr(msg, "leader changed") || strstr(msg, "not capable") ||
           strstr(msg, "stopped") || strstr(msg, "unhealthy");
}

/*
 * POST `req` to `path` with failover. `idempotent` requests are retried
 * after timeouts too. On success *resp is the parsed answer.
 */
static int call(et *e, const char *path, json_object *req, json_object **resp, bool idempotent)
{
    *resp = NULL;
    const char *payload = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
    CURL *c = handle_get(e);
    if (!c)
        return k8sc_error_set(K8SC_ENOMEM, "etcd: cannot create a curl handle");
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    char url[512], last[512] = "no attempt";
    int last_code = K8SC_EUNAVAILABLE;
    long backoff = 50;
    size_t start = atomic_load(&e->current);
    for (int round = 0; round < e->attempts; round++) {
        for (size_t k = 0; k < e->nendpoints; k++) {
            size_t idx = (start + k) % e->nendpoints;
            const char *ep = e->endpoints[idx];
            snprintf(url, sizeof(url), "http://%s%s", ep, path);
            body b = { NULL, 0, 0 };
            curl_easy_reset(c);
            curl_easy_setopt(c, CURLOPT_URL, url);
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
            curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
            curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
            curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
            curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, e->request_timeout_ms);
            curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, e->connect_timeout_ms);
            curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
            curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *)&b);
            CURLcode cc = curl_easy_perform(c);
            long status = 0;
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
            if (cc != CURLE_OK) {
                free(b.ptr);
                snprintf(last, sizeof(last), "%s: %s", ep, curl_easy_strerror(cc));
                bool connect_failed = cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST;
                if (cc == CURLE_OPERATION_TIMEDOUT && !connect_failed) {
                    last_code = K8SC_ETIMEOUT;
                    if (!idempotent) {
                        curl_slist_free_all(hdr);
                        handle_put(e, c);
                        return k8sc_error_set(K8SC_ETIMEOUT, "etcd %s: no answer within %ld ms (the write may "
                                              "or may not have been applied)", ep, e->request_timeout_ms);
                    }
                } else {
                    last_code = K8SC_EUNAVAILABLE;
                }
                continue;
            }
            json_object *j = b.ptr ? json_tokener_parse(b.ptr) : NULL;
            if (status == 200 && j) {
                free(b.ptr);
                atomic_store(&e->current, idx);
                curl_slist_free_all(hdr);
                handle_put(e, c);
                *resp = j;
                return 0;
            }
            const char *msg = j ? j_str(j, "error") : NULL;
            if (!msg)
                msg = j ? j_str(j, "message") : NULL;
            snprintf(last, sizeof(last), "%s: HTTP %ld: %s", ep, status, msg ? msg : (b.ptr ? b.ptr : ""));
            bool retry = (msg && retryable_message(msg)) || status == 503 || (status >= 500 && !j);
            if (!retry) {
                int rc = map_etcd_error(ep, msg ? msg : last);
                json_object_put(j);
                free(b.ptr);
                curl_slist_free_all(hdr);
                handle_put(e, c);
                return rc;
            }
            last_code = K8SC_EUNAVAILABLE;
            json_object_put(j);
            free(b.ptr);
        }
        if (round + 1 < e->attempts) {
            usleep((useconds_t)backoff * 1000);
            backoff = backoff * 2 > 1000 ? 1000 : backoff * 2;
        }
    }
    curl_slist_free_all(hdr);
    handle_put(e, c);
    return k8sc_error_set(last_code, "etcd: no endpoint answered after %d round(s); last: %s", e->attempts, last);
}

/* ---- operations ---- */

static int et_revision(void *state, int64_t *current, int64_t *compacted)
{
    et *e = state;
    json_object *req = json_object_new_object(), *resp;
    j_add_b64(req, "key", "\0", 1);
    json_object_object_add(req, "count_only", json_object_new_boolean(1));
    int rc = call(e, "/v3/kv/range", req, &resp, true);
    json_object_put(req);
    if (rc)
        return rc;
    *current = j_i64(j_obj(resp, "header"), "revision");
    /* Compactions by other clients show only as EGONE from reads and watches. */
    *compacted = atomic_load(&e->compacted);
    json_object_put(resp);
    return 0;
}

static int et_get(void *state, k8sc_store_kv **out, const char *key, int64_t revision)
{
    et *e = state;
    size_t wl;
    char *w = wire_key(e, key, &wl);
    if (!w)
        return K8SC_ENOMEM;
    json_object *req = json_object_new_object(), *resp;
    j_add_b64(req, "key", w, wl);
    free(w);
    if (revision)
        j_add_i64(req, "revision", revision);
    int rc = call(e, "/v3/kv/range", req, &resp, true);
    json_object_put(req);
    if (rc)
        return rc;
    json_object *kvs = j_obj(resp, "kvs");
    if (kvs && json_object_array_length(kvs) > 0) {
        *out = kv_from_json(e, json_object_array_get_idx(kvs, 0), false, 0);
        rc = *out ? 0 : k8sc_error_set(K8SC_ERROR, "etcd: malformed key-value for \"%s\"", key);
    } else {
        rc = k8sc_error_set(K8SC_ENOTFOUND, "store: key \"%s\" not found", key);
    }
    json_object_put(resp);
    return rc;
}

static int et_list(void *state, k8sc_store_kv ***items, size_t *count, int64_t *read_rev, bool *more,
                   const char *prefix, const char *after, size_t limit, int64_t revision)
{
    et *e = state;
    *items = NULL;
    *count = 0;
    *more = false;
    size_t pl, al = 0;
    char *wp = wire_key(e, prefix, &pl);
    /* After `after`: the next possible key is after + "\0". */
    char *wa = after ? wire_key(e, after, &al) : NULL;
    if (!wp || (after && !wa)) {
        free(wp);
        free(wa);
        return K8SC_ENOMEM;
    }
    json_object *req = json_object_new_object(), *resp;
    if (wa)
        j_add_b64(req, "key", wa, al + 1);
    else
        j_add_b64(req, "key", wp, pl ? pl : 1);
    add_range_end(req, wp, pl);
    free(wp);
    free(wa);
    if (limit)
        j_add_i64(req, "limit", (int64_t)limit);
    if (revision)
        j_add_i64(req, "revision", revision);
    int rc = call(e, "/v3/kv/range", req, &resp, true);
    json_object_put(req);
    if (rc)
        return rc;
    json_object *kvs = j_obj(resp, "kvs");
    size_t n = kvs ? json_object_array_length(kvs) : 0;
    k8sc_store_kv **arr = k8sc__calloc(n ? n : 1, sizeof(*arr));
    size_t got = 0;
    for (size_t i = 0; arr && i < n; i++) {
        k8sc_store_kv *kv = kv_from_json(e, json_object_array_get_idx(kvs, i), false, 0);
        if (kv)
            arr[got++] = kv;
    }
    *more = j_obj(resp, "more") && json_object_get_boolean(j_obj(resp, "more"));
    *read_rev = revision ? revision : j_i64(j_obj(resp, "header"), "revision");
    json_object_put(resp);
    if (!arr)
        return K8SC_ENOMEM;
    *items = arr;
    *count = got;
    return 0;
}

static json_object *compare(const char *wkey, size_t wl, const char *target, const char *result, const char *field,
                            int64_t value)
{
    json_object *c = json_object_new_object();
    j_add_b64(c, "key", wkey, wl);
    json_object_object_add(c, "target", json_object_new_string(target));
    json_object_object_add(c, "result", json_object_new_string(result));
    j_add_i64(c, field, value);
    return c;
}

static int et_write(void *state, k8sc_store_op op, const char *key, const void *value, size_t len, int64_t expected,
                    int64_t *out_rev, k8sc_store_kv **out_prev)
{
    et *e = state;
    size_t wl;
    char *w = wire_key(e, key, &wl);
    if (!w)
        return K8SC_ENOMEM;
    json_object *req = json_object_new_object();
    json_object *cmp = json_object_new_array(), *succ = json_object_new_array(), *fail = json_object_new_array();
    if (op == K8SC_STORE_OP_CREATE)
        json_object_array_add(cmp, compare(w, wl, "CREATE", "EQUAL", "create_revision", 0));
    else if (expected)
        json_object_array_add(cmp, compare(w, wl, "MOD", "EQUAL", "mod_revision", expected));
    else
        json_object_array_add(cmp, compare(w, wl, "CREATE", "GREATER", "create_revision", 0));
    json_object *op_obj = json_object_new_object(), *inner = json_object_new_object();
    j_add_b64(inner, "key", w, wl);
    json_object_object_add(inner, "prev_kv", json_object_new_boolean(1));
    if (op == K8SC_STORE_OP_DELETE) {
        json_object_object_add(op_obj, "request_delete_range", inner);
    } else {
        j_add_b64(inner, "value", value, len);
        json_object_object_add(op_obj, "request_put", inner);
    }
    json_object_array_add(succ, op_obj);
    json_object *rng = json_object_new_object(), *rinner = json_object_new_object();
    j_add_b64(rinner, "key", w, wl);
    json_object_object_add(rng, "request_range", rinner);
    json_object_array_add(fail, rng);
    json_object_object_add(req, "compare", cmp);
    json_object_object_add(req, "success", succ);
    json_object_object_add(req, "failure", fail);
    free(w);
    json_object *resp;
    int rc = call(e, "/v3/kv/txn", req, &resp, false);
    json_object_put(req);
    if (rc)
        return rc;
    json_object *succeeded = j_obj(resp, "succeeded");
    json_object *r0 = json_object_array_get_idx(j_obj(resp, "responses"), 0);
    if (succeeded && json_object_get_boolean(succeeded)) {
        json_object *inner_resp = j_obj(r0, op == K8SC_STORE_OP_DELETE ? "response_delete_range" : "response_put");
        json_object *prev = j_obj(inner_resp, "prev_kv");
        json_object *prevs = j_obj(inner_resp, "prev_kvs"); /* deletions answer with a list */
        if (prevs && json_object_array_length(prevs))
            prev = json_object_array_get_idx(prevs, 0);
        if (out_rev)
            *out_rev = j_i64(j_obj(resp, "header"), "revision");
        if (out_prev)
            *out_prev = prev ? kv_from_json(e, prev, false, 0) : NULL;
        json_object_put(resp);
        return 0;
    }
    json_object *kvs = j_obj(j_obj(r0, "response_range"), "kvs");
    json_object *cur = kvs && json_object_array_length(kvs) ? json_object_array_get_idx(kvs, 0) : NULL;
    if (op == K8SC_STORE_OP_CREATE)
        rc = k8sc_error_set(K8SC_EEXISTS, "store: key \"%s\" already exists", key);
    else if (!cur)
        rc = k8sc_error_set(K8SC_ENOTFOUND, "store: key \"%s\" not found", key);
    else
        rc = k8sc_error_set(K8SC_ECONFLICT, "store: key \"%s\" is at revision %lld, not %lld", key,
                            (long long)j_i64(cur, "mod_revision"), (long long)expected);
    json_object_put(resp);
    return rc;
}

static int et_compact(void *state, int64_t revision)
{
    et *e = state;
    json_object *req = json_object_new_object(), *resp;
    j_add_i64(req, "revision", revision);
    int rc = call(e, "/v3/kv/compaction", req, &resp, true);
    json_object_put(req);
    if (rc == 0) {
        json_object_put(resp);
        int64_t seen = atomic_load(&e->compacted);
        while (seen < revision && !atomic_compare_exchange_weak(&e->compacted, &seen, revision))
            ;
    }
    else if (rc == K8SC_EGONE)
        k8sc_error_set(K8SC_EGONE, "store: already compacted at or after revision %lld", (long long)revision);
    return rc;
}

/* ---- watch streams ---- */

typedef struct stream {
    et *e;
    body buf;
    /* per message */
    int (*on_event)(struct stream *st, k8sc_store_event *ev, int64_t rev);
    int64_t through;     /* history: stop once here */
    const char *prefix;  /* history: store-key prefix filter */
    size_t prefix_len;
    k8sc_store_history_fn fn;
    void *userdata;
    bool feed;           /* the store's change feed (not a history replay) */
    int rc;              /* first error; stops the stream */
    bool done;
    bool created;
    int64_t compacted;   /* set when etcd cancelled for compaction */
} stream;

/* Decode one watch message; events go to st->on_event. */
static void stream_message(stream *st, const char *line)
{
    json_object *j = json_tokener_parse(line);
    json_object *res = j_obj(j, "result");
    if (!res) {
        const char *msg = j ? j_str(j_obj(j, "error"), "message") : NULL;
        if (j && !st->rc)
            st->rc = k8sc_error_set(K8SC_EUNAVAILABLE, "etcd watch: %s", msg ? msg : line);
        json_object_put(j);
        return;
    }
    if (j_obj(res, "created")) {
        st->created = true;
        if (st->feed)
            atomic_store(&st->e->feed_ready, true);
    }
    int64_t crev = j_i64(res, "compact_revision");
    if (crev) {
        st->compacted = crev;
        st->done = true;
    }
    json_object *events = j_obj(res, "events");
    size_t n = events ? json_object_array_length(events) : 0;
    for (size_t i = 0; i < n && !st->done && !st->rc; i++) {
        json_object *ev = json_object_array_get_idx(events, i);
        const char *type = j_str(ev, "type");
        bool del = type && strcmp(type, "DELETE") == 0;
        json_object *kvj = j_obj(ev, "kv"), *pj = j_obj(ev, "prev_kv");
        int64_t rev = j_i64(kvj, "mod_revision");
        k8sc_store_kv *kv = kv_from_json(st->e, kvj, del, rev);
        if (!kv) {
            /* not under our prefix (the history stream sees every key): still marks progress */
            st->rc = st->on_event(st, NULL, rev);
            continue;
        }
        k8sc_store_kv *prev = pj ? kv_from_json(st->e, pj, false, 0) : NULL;
        k8sc_store_event_type t = del ? K8SC_STORE_DELETED
                                  : j_i64(kvj, "create_revision") == rev ? K8SC_STORE_CREATED
                                                                         : K8SC_STORE_MODIFIED;
        if (t == K8SC_STORE_CREATED) {
            k8sc_store_kv_free(prev);
            prev = NULL;
        }
        k8sc_store_event *e = k8sc_store_event_new(t, kv, prev);
        st->rc = e ? st->on_event(st, e, rev) : K8SC_ENOMEM;
    }
    json_object_put(j);
}

static size_t stream_write(char *data, size_t size, size_t n, void *ud)
{
    stream *st = ud;
    size_t add = size * n;
    if (body_write(data, 1, add, &st->buf) != add)
        return 0;
    char *nl;
    while (!st->done && !st->rc && (nl = memchr(st->buf.ptr, '\n', st->buf.len)) != NULL) {
        *nl = '\0';
        stream_message(st, st->buf.ptr);
        size_t used = (size_t)(nl - st->buf.ptr) + 1;
        memmove(st->buf.ptr, nl + 1, st->buf.len - used + 1);
        st->buf.len -= used;
    }
    /* A complete JSON object may also end the buffer without a newline. */
    if (!st->done && !st->rc && st->buf.len && st->buf.ptr[st->buf.len - 1] == '}') {
        json_object *probe = json_tokener_parse(st->buf.ptr);
        if (probe) {
            json_object_put(probe);
            stream_message(st, st->buf.ptr);
            st->buf.len = 0;
            st->buf.ptr[0] = '\0';
        }
    }
    return st->done || st->rc || atomic_load(&st->e->stopping) ? 0 : add;
}

static char *watch_request(const et *e, const char *wkey, size_t wl, bool whole_keyspace, int64_t start)
{
    json_object *req = json_object_new_object(), *cr = json_object_new_object();
    if (whole_keyspace) {
        j_add_b64(cr, "key", "\0", 1);
        j_add_b64(cr, "range_end", "\0", 1);
    } else {
        j_add_b64(cr, "key", wkey, wl ? wl : 1);
        add_range_end(cr, wkey, wl);
    }
    j_add_i64(cr, "start_revision", start);
    json_object_object_add(cr, "prev_kv", json_object_new_boolean(1));
    json_object_object_add(req, "create_request", cr);
    char *s = k8sc__strdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
    json_object_put(req);
    (void)e;
    return s;
}

static void stream_setup(CURL *c, const char *url, const char *payload, struct curl_slist *hdr, stream *st, long ctimeout)
{
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ctimeout);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, stream_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *)st);
}

static int publish_event(stream *st, k8sc_store_event *ev, int64_t rev)
{
    if (ev) {
        k8sc_store_backend_publish(st->e->store, ev);
        k8sc_store_event_free(ev);
    }
    atomic_store(&st->e->watched, rev);
    return 0;
}

/* The change feed: one stream on the whole prefix, resumed after its last revision. */
static void *watcher_main(void *arg)
{
    et *e = arg;
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    long backoff = 50;
    size_t idx = atomic_load(&e->current);
    while (!atomic_load(&e->stopping)) {
        int64_t start = atomic_load(&e->watched) + 1;
        char *payload = watch_request(e, e->prefix, e->prefix_len, false, start);
        char url[512];
        snprintf(url, sizeof(url), "http://%s/v3/watch", e->endpoints[idx % e->nendpoints]);
        stream st = { 0 };
        st.e = e;
        st.feed = true;
        st.on_event = publish_event;
        CURL *c = curl_easy_init();
        if (!payload || !c) {
            free(payload);
            curl_easy_cleanup(c);
            break;
        }
        stream_setup(c, url, payload, hdr, &st, e->connect_timeout_ms);
        curl_multi_add_handle(e->multi, c);
        int running = 1;
        while (running && !atomic_load(&e->stopping)) {
            curl_multi_perform(e->multi, &running);
            if (running)
                curl_multi_poll(e->multi, NULL, 0, 1000, NULL);
        }
        curl_multi_remove_handle(e->multi, c);
        curl_easy_cleanup(c);
        free(payload);
        free(st.buf.ptr);
        if (atomic_load(&e->stopping))
            break;
        if (st.compacted) {
            /* Events between our last and the compaction are lost: every watch must re-list. */
            k8sc_log(K8SC_LOG_WARN, "etcd watch: compacted at %lld past %lld; ending watches",
                     (long long)st.compacted, (long long)start);
            k8sc_store_backend_fail(e->store, K8SC_EGONE);
            int64_t cur = 0, comp = 0;
            if (et_revision(e, &cur, &comp) == 0)
                atomic_store(&e->watched, cur);
            continue;
        }
        if (st.created)
            backoff = 50;
        /* The stream ended (member down, connection lost): next member, after a pause. */
        idx++;
        for (long waited = 0; waited < backoff && !atomic_load(&e->stopping); waited += 10)
            usleep(10000);
        backoff = backoff * 2 > 2000 ? 2000 : backoff * 2;
    }
    curl_slist_free_all(hdr);
    return NULL;
}

static int history_event(stream *st, k8sc_store_event *ev, int64_t rev)
{
    int rc = 0;
    if (ev) {
        if (k8sc__store_has_prefix(ev->kv->key, st->prefix, st->prefix_len) && rev <= st->through)
            rc = st->fn(ev, st->userdata);
        else
            k8sc_store_event_free(ev);
    }
    if (rev >= st->through)
        st->done = true;
    return rc;
}

static int et_history(void *state, const char *prefix, int64_t after, int64_t through, k8sc_store_history_fn fn,
                      void *userdata)
{
    et *e = state;
    if (after >= through)
        return 0;
    char *payload = watch_request(e, NULL, 0, true, after + 1);
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    int rc = K8SC_EUNAVAILABLE;
    char last[256] = "";
    for (size_t k = 0; payload && k < e->nendpoints; k++) {
        const char *ep = e->endpoints[(atomic_load(&e->current) + k) % e->nendpoints];
        char url[512];
        snprintf(url, sizeof(url), "http://%s/v3/watch", ep);
        stream st = { 0 };
        st.e = e;
        st.on_event = history_event;
        st.through = through;
        st.prefix = prefix;
        st.prefix_len = strlen(prefix);
        st.fn = fn;
        st.userdata = userdata;
        CURL *c = curl_easy_init();
        if (!c)
            break;
        stream_setup(c, url, payload, hdr, &st, e->connect_timeout_ms);
        /* Every revision up to `through` exists, so the stream ends soon; bound it anyway. */
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, e->request_timeout_ms);
        CURLcode cc = curl_easy_perform(c);
        curl_easy_cleanup(c);
        free(st.buf.ptr);
        if (st.compacted) {
            rc = k8sc_error_set(K8SC_EGONE, "store: revision %lld is compacted (etcd compacted at %lld)",
                                (long long)after, (long long)st.compacted);
            break;
        }
        if (st.rc) {
            rc = st.rc;
            break;
        }
        if (st.done) {
            rc = 0;
            break;
        }
        snprintf(last, sizeof(last), "%s: %s", ep, curl_easy_strerror(cc));
    }
    if (rc == K8SC_EUNAVAILABLE)
        k8sc_error_set(rc, "etcd: cannot replay history after %lld: %s", (long long)after, last);
    free(payload);
    curl_slist_free_all(hdr);
    return rc;
}

/* ---- open / close ---- */

static void et_close(void *state)
{
    et *e = state;
    if (e->watcher_started) {
        atomic_store(&e->stopping, true);
        curl_multi_wakeup(e->multi);
        pthread_join(e->watcher, NULL);
    }
    if (e->multi)
        curl_multi_cleanup(e->multi);
    for (size_t i = 0; i < e->npool; i++)
        curl_easy_cleanup(e->pool[i]);
    for (size_t i = 0; i < e->nendpoints; i++)
        free(e->endpoints[i]);
    pthread_mutex_destroy(&e->pool_mu);
    free(e->prefix);
    free(e);
}

static int parse_endpoints(et *e, const char *location)
{
    for (const char *p = location; *p;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        if (end - p >= 7 && strncmp(p, "http://", 7) == 0)
            p += 7;
        while (end > p && end[-1] == '/')
            end--;
        const char *colon = memchr(p, ':', (size_t)(end - p));
        bool ok = colon && colon > p && colon + 1 < end;
        for (const char *d = colon ? colon + 1 : end; ok && d < end; d++)
            ok = *d >= '0' && *d <= '9';
        if (!ok)
            return k8sc_error_set(K8SC_EINVAL, "store URL \"etcd://%s\": endpoint %zu: expected HOST:PORT",
                                  location, e->nendpoints + 1);
        if (e->nendpoints == MAX_ENDPOINTS)
            return k8sc_error_set(K8SC_EINVAL, "store URL \"etcd://%s\": more than %d endpoints", location,
                                  MAX_ENDPOINTS);
        if (!(e->endpoints[e->nendpoints++] = k8sc__strndup(p, (size_t)(end - p))))
            return K8SC_ENOMEM;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (e->nendpoints == 0)
        return k8sc_error_set(K8SC_EINVAL, "store URL \"etcd://%s\": no endpoint, e.g. \"etcd://127.0.0.1:2379\"",
                              location);
    return 0;
}

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int et_open(void **state, k8sc_store *store, const char *location, const k8sc_store_options *opts)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, global_init);
    et *e = k8sc__calloc(1, sizeof(*e));
    if (!e)
        return K8SC_ENOMEM;
    pthread_mutex_init(&e->pool_mu, NULL);
    e->store = store;
    e->request_timeout_ms = opts->etcd_request_timeout_ms ? (long)opts->etcd_request_timeout_ms : 5000;
    e->connect_timeout_ms = opts->etcd_connect_timeout_ms ? (long)opts->etcd_connect_timeout_ms : 2000;
    e->attempts = opts->etcd_attempts > 0 ? opts->etcd_attempts : 1;
    int rc = parse_endpoints(e, location);
    if (rc == 0 && !(e->prefix = k8sc__strdup(opts->etcd_prefix ? opts->etcd_prefix : DEFAULT_PREFIX)))
        rc = K8SC_ENOMEM;
    if (rc) {
        et_close(e);
        return rc;
    }
    e->prefix_len = strlen(e->prefix);
    int64_t cur = 0, comp = 0;
    if ((rc = et_revision(e, &cur, &comp)) != 0) {
        et_close(e);
        return rc;
    }
    atomic_store(&e->watched, cur);
    if (!(e->multi = curl_multi_init())) {
        et_close(e);
        return k8sc_error_set(K8SC_ENOMEM, "etcd: cannot create a curl multi handle");
    }
    if (pthread_create(&e->watcher, NULL, watcher_main, e) != 0) {
        et_close(e);
        return k8sc_error_set(K8SC_ERROR, "etcd: cannot start the watch thread");
    }
    e->watcher_started = true;
    /*
     * Until etcd has the feed's watch, a compaction could pass its start
     * revision and end every watch: return only once it is in place.
     */
    for (long waited = 0; !atomic_load(&e->feed_ready); waited++) {
        if (waited >= e->request_timeout_ms) {
            et_close(e);
            return k8sc_error_set(K8SC_ETIMEOUT, "etcd %s: the watch on \"%s\" was not set up within %ld ms",
                                  location, opts->etcd_prefix ? opts->etcd_prefix : DEFAULT_PREFIX,
                                  e->request_timeout_ms);
        }
        usleep(1000);
    }
    *state = e;
    return 0;
}

const k8sc_store_backend k8sc__store_etcd_backend = {
    .version = K8SC_STORE_BACKEND_VERSION,
    .scheme = "etcd",
    .open = et_open,
    .close = et_close,
    .revision = et_revision,
    .get = et_get,
    .list = et_list,
    .write = et_write,
    .compact = et_compact,
    .history = et_history,
};
