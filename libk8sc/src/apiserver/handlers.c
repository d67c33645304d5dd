/*
 * The REST verbs on resources: get, list, create, update (main resource and
 * /status), delete and deletecollection, following
 * k8s.io/apiserver/pkg/endpoints/handlers and registry/generic/registry.
 */
#include "apiserver_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Attempts of an unconditional update or delete that races other writers. */
#define RETRIES 8

static bool has_verb(const k8sc_resource *r, const char *verb)
{
    const char *const *verbs = k8sc_resource_verbs(r);
    for (size_t i = 0; verbs && verbs[i]; i++)
        if (strcmp(verbs[i], verb) == 0)
            return true;
    return false;
}

static bool query_true(const k8sc__request *req, const char *key)
{
    const char *v = k8sc__query_get(req, key);
    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static bool dry_run(const k8sc__request *req)
{
    const char *v = k8sc__query_get(req, "dryRun");
    return v && strcmp(v, "All") == 0;
}

static int64_t now_sec(const k8sc_apiserver *srv)
{
    return k8sc_clock_now(srv->clock) / 1000000000;
}

/* Parse a resourceVersion: 0 and false for "" / absent, EINVAL for garbage. */
static int parse_rv(const char *s, int64_t *out)
{
    *out = 0;
    if (!s || !*s)
        return 0;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < 0)
        return K8SC_EINVAL;
    *out = v;
    return 0;
}

/* ---- filters ---------------------------------------------------------- */

typedef struct {
    const char *kind;
    const char *fields[8];
} field_set;

/* Field selectors each kind supports beyond metadata.name and metadata.namespace. */
static const field_set field_sets[] = {
    { "Pod", { "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
               "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName" } },
    { "Event", { "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                 "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason" } },
    { "Secret", { "type" } },
    { "Namespace", { "status.phase" } },
    { "Node", { "spec.unschedulable" } },
    { "ReplicaSet", { "status.replicas" } },
    { "ReplicationController", { "status.replicas" } },
    { "Job", { "status.successful" } },
    { "CertificateSigningRequest", { "spec.signerName" } },
};

static bool field_supported(const k8sc_resource *r, const char *field)
{
    if (strcmp(field, "metadata.name") == 0 || strcmp(field, "metadata.namespace") == 0)
        return true;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(field_sets); i++) {
        if (strcmp(field_sets[i].kind, k8sc_resource_kind(r)) != 0)
            continue;
        for (size_t j = 0; j < 8 && field_sets[i].fields[j]; j++)
            if (strcmp(field_sets[i].fields[j], field) == 0)
                return true;
    }
    return false;
}

int k8sc__filter_parse(k8sc__filter *f, k8sc_apiserver_response *resp, const k8sc__request *req, const k8sc__route *route)
{
    memset(f, 0, sizeof(*f));
    const char *ls = k8sc__query_get(req, "labelSelector");
    const char *fs = k8sc__query_get(req, "fieldSelector");
    int rc;
    if (ls && *ls && (rc = k8sc_selector_parse(&f->labels, ls))) {
        if (rc == K8SC_ENOMEM)
            return rc;
        return k8sc__status_bad_request(resp, "unable to parse requirement: %s", k8sc_error_last());
    }
    if (fs && *fs && (rc = k8sc_field_selector_parse(&f->fields, fs))) {
        if (rc == K8SC_ENOMEM)
            return rc;
        return k8sc__status_bad_request(resp, "%s", k8sc_error_last());
    }
    for (size_t i = 0; f->fields && i < k8sc_field_selector_count(f->fields); i++) {
        const char *field, *value;
        k8sc_selector_op op;
        if (k8sc_field_selector_term(f->fields, i, &field, &op, &value) == 0 && !field_supported(route->resource, field))
            return k8sc__status_bad_request(resp, "field label not supported: %s", field);
    }
    return 0;
}

void k8sc__filter_clear(k8sc__filter *f)
{
    k8sc_selector_free(f->labels);
    k8sc_field_selector_free(f->fields);
    memset(f, 0, sizeof(*f));
}

typedef struct {
    const k8sc_object *obj;
    char scratch[32];
} field_ctx;

static const char *lookup_field(const char *key, void *userdata)
{
    field_ctx *ctx = userdata;
    struct json_object *v = k8sc_object_get(ctx->obj, key);
    if (!v)
        return strcmp(key, "spec.unschedulable") == 0 || strcmp(key, "spec.hostNetwork") == 0 ? "false" : "";
    if (json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    if (json_object_is_type(v, json_type_boolean))
        return json_object_get_boolean(v) ? "true" : "false";
    if (json_object_is_type(v, json_type_int)) {
        snprintf(ctx->scratch, sizeof(ctx->scratch), "%lld", (long long)json_object_get_int64(v));
        return ctx->scratch;
    }
    return "";
}

bool k8sc__filter_matches(const k8sc__filter *f, const k8sc__route *route, const k8sc_object *obj)
{
    (void)route;
    if (f->labels && !k8sc_selector_matches_object(f->labels, obj))
        return false;
    if (f->fields) {
        field_ctx ctx = { obj, { 0 } };
        if (!k8sc_field_selector_matches(f->fields, lookup_field, &ctx))
            return false;
    }
    return true;
}

/* ---- get ------------------------------------------------------------------ */

static int reply_object(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route, int status, const k8sc_object *obj)
{
    if (!k8sc__wants_table(req->accept))
        return k8sc__resp_object(resp, status, obj);
    struct json_object *t = k8sc__table_new(srv, route->resource, k8sc_object_resource_version(obj));
    struct json_object *rows = NULL;
    if (!t || !json_object_object_get_ex(t, "rows", &rows)) {
        json_object_put(t);
        return k8sc__error_nomem();
    }
    json_object_array_add(rows, k8sc__table_row(srv, route->resource, obj, now_sec(srv)));
    int rc = k8sc__resp_json(resp, status, t);
    json_object_put(t);
    return rc;
}

/* Read the object the route names. On a Status reply, 0 with *out NULL. */
static int read_object(k8sc_object **out, int64_t *mod_revision, k8sc_apiserver_response *resp, k8sc_apiserver *srv,
    const k8sc__route *route)
{
    *out = NULL;
    char *key = k8sc__storage_key(route->resource, route->ns, route->name);
    if (!key)
        return K8SC_ENOMEM;
    k8sc_store_kv *kv = NULL;
    int rc = k8sc_store_get(&kv, srv->store, key, 0);
    k8sc_free(key);
    if (rc)
        return k8sc__status_from_code(resp, rc, route->resource, route->name);
    if (mod_revision)
        *mod_revision = kv->mod_revision;
    rc = k8sc__object_from_kv(out, kv);
    k8sc_store_kv_free(kv);
    if (rc && rc != K8SC_ENOMEM)
        return k8sc__status_internal(resp, k8sc_error_last());
    return rc;
}

static int handle_get(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route)
{
    k8sc_object *obj = NULL;
    int rc = read_object(&obj, NULL, resp, srv, route);
    if (rc || !obj)
        return rc;
    rc = reply_object(resp, srv, req, route, 200, obj);
    k8sc_object_free(obj);
    return rc;
}

/* ---- list ----------------------------------------------------------------- */

static int list_error(k8sc_apiserver_response *resp, int rc, const char *cont, int64_t rv, k8sc_apiserver *srv,
    const k8sc_resource *r)
{
    if (rc == K8SC_EGONE) {
        if (cont)
            return k8sc__status_error(resp, 410, "Expired",
                "The provided continue parameter is too old to display a consistent list result. You can start a "
                "new list without the continue parameter, or use the continue token in this response to retrieve "
                "the remainder of the results. Continuing with the provided token results in an inconsistent list "
                "- objects that were created, modified, or deleted between the time the first chunk was returned "
                "and now may show up in the list.", NULL);
        int64_t compacted = 0;
        k8sc_store_compacted_revision(&compacted, srv->store);
        return k8sc__status_gone(resp, rv, compacted);
    }
    if (rc == K8SC_EINVAL && cont)
        return k8sc__status_bad_request(resp, "continue key is not valid: %s", k8sc_error_last());
    if (rc == K8SC_EINVAL)
        return k8sc__status_error(resp, 504, "Timeout",
            "Too large resource version: the requested revision is newer than the store's", NULL);
    return k8sc__status_from_code(resp, rc, r, NULL);
}

/*
 * Collect up to `limit` (0: all) matching objects. Pages are asked for
 * only as many items as are still missing, so a filtered page never
 * overshoots the limit and the store's continue token stays exact.
 */
static int collect(k8sc_object ***items, size_t *count, char **next, int64_t *revision, k8sc_apiserver_response *resp,
    k8sc_apiserver *srv, const k8sc__route *route, const k8sc__filter *f, size_t limit, const char *cont, int64_t at)
{
    char *prefix = k8sc__storage_key(route->resource, route->ns, NULL);
    if (!prefix)
        return K8SC_ENOMEM;
    char *token = cont ? k8sc__strdup(cont) : NULL;
    int rc = 0;
    size_t cap = 0;
    *items = NULL;
    *count = 0;
    *next = NULL;
    for (;;) {
        k8sc_store_page *page = NULL;
        rc = k8sc_store_list(&page, srv->store, prefix, limit ? limit - *count : 0, token, at);
        if (rc) {
            rc = list_error(resp, rc, token, at, srv, route->resource);
            break;
        }
        *revision = page->revision;
        at = page->revision;
        for (size_t i = 0; i < page->count && rc == 0; i++) {
            k8sc_object *obj = NULL;
            if ((rc = k8sc__object_from_kv(&obj, page->items[i])))
                break;
            if (!k8sc__filter_matches(f, route, obj)) {
                k8sc_object_free(obj);
                continue;
            }
            if (*count == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                k8sc_object **grown = k8sc__realloc(*items, ncap * sizeof(*grown));
                if (!grown) {
                    k8sc_object_free(obj);
                    rc = K8SC_ENOMEM;
                    break;
                }
                *items = grown;
                cap = ncap;
            }
            (*items)[(*count)++] = obj;
        }
        k8sc_free(token);
        token = page->continue_token ? k8sc__strdup(page->continue_token) : NULL;
        k8sc_store_page_free(page);
        if (rc || !token || (limit && *count >= limit))
            break;
    }
    k8sc_free(prefix);
    if (rc || resp->status) {
        k8sc_free(token);
        return rc;
    }
    *next = token;
    return 0;
}

static void free_items(k8sc_object **items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        k8sc_object_free(items[i]);
    k8sc_free(items);
}

static int parse_list_options(k8sc_apiserver_response *resp, const k8sc__request *req, size_t *limit, int64_t *at)
{
    const char *l = k8sc__query_get(req, "limit");
    *limit = 0;
    *at = 0;
    if (l && *l) {
        char *end = NULL;
        long long v = strtoll(l, &end, 10);
        if (*end)
            return k8sc__status_bad_request(resp, "invalid limit: %s", l);
        *limit = v > 0 ? (size_t)v : 0;
    }
    int64_t rv = 0;
    if (parse_rv(k8sc__query_get(req, "resourceVersion"), &rv))
        return k8sc__status_bad_request(resp, "invalid resource version: %s", k8sc__query_get(req, "resourceVersion"));
    const char *match = k8sc__query_get(req, "resourceVersionMatch");
    if (match && strcmp(match, "Exact") == 0)
        *at = rv;
    return 0;
}

static int handle_list(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route)
{
    k8sc__filter f;
    size_t limit;
    int64_t at;
    int rc = k8sc__filter_parse(&f, resp, req, route);
    if (!rc && !resp->status)
        rc = parse_list_options(resp, req, &limit, &at);
    if (rc || resp->status) {
        k8sc__filter_clear(&f);
        return rc;
    }
    const char *cont = k8sc__query_get(req, "continue");
    k8sc_object **items = NULL;
    size_t count = 0;
    char *next = NULL;
    int64_t revision = 0;
    rc = collect(&items, &count, &next, &revision, resp, srv, route, &f, limit, cont && *cont ? cont : NULL, at);
    k8sc__filter_clear(&f);
    if (rc || resp->status)
        return rc;
    char rvbuf[32];
    snprintf(rvbuf, sizeof(rvbuf), "%lld", (long long)revision);
    struct json_object *list;
    if (k8sc__wants_table(req->accept)) {
        list = k8sc__table_new(srv, route->resource, rvbuf);
        struct json_object *rows = NULL;
        json_object_object_get_ex(list, "rows", &rows);
        int64_t now = now_sec(srv);
        for (size_t i = 0; i < count && rows; i++)
            json_object_array_add(rows, k8sc__table_row(srv, route->resource, items[i], now));
    } else {
        list = json_object_new_object();
        json_object_object_add(list, "kind", json_object_new_string(k8sc_resource_list_kind(route->resource)));
        json_object_object_add(list, "apiVersion", json_object_new_string(k8sc_resource_api_version(route->resource)));
        json_object_object_add(list, "metadata", json_object_new_object());
        struct json_object *arr = json_object_new_array_ext((int)count);
        for (size_t i = 0; i < count; i++)
            json_object_array_add(arr, json_object_get(k8sc_object_json(items[i])));
        json_object_object_add(list, "items", arr);
        struct json_object *md = NULL;
        json_object_object_get_ex(list, "metadata", &md);
        json_object_object_add(md, "resourceVersion", json_object_new_string(rvbuf));
    }
    if (next) {
        struct json_object *md = NULL;
        json_object_object_get_ex(list, "metadata", &md);
        json_object_object_add(md, "continue", json_object_new_string(next));
    }
    rc = list ? k8sc__resp_json(resp, 200, list) : k8sc__error_nomem();
    json_object_put(list);
    k8sc_free(next);
    free_items(items, count);
    return rc;
}

/* ---- create ----------------------------------------------------------------- */

static int handle_create(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *asked)
{
    k8sc_object *obj = NULL;
    int rc = k8sc__decode_body(&obj, resp, req);
    if (rc || resp->status)
        return rc;
    /* From here on the object is in the version it is stored as (the reply goes back to the one asked for). */
    k8sc__route copy;
    const k8sc__route *route = asked;
    rc = k8sc__to_storage(resp, srv, asked, obj, &copy, &route);
    if (!rc && !resp->status)
        rc = k8sc__prepare_create(resp, srv, route, obj);
    char *key = NULL, *text = NULL;
    size_t len = 0;
    /* Allocated before the write and given back if it fails, as the service REST's transaction does. */
    k8sc__svc_txn *txn = NULL;
    bool written = false;
    if (!rc && !resp->status)
        rc = k8sc__service_allocate(&txn, resp, srv, route, obj, NULL, dry_run(req));
    if (!rc && !resp->status) {
        key = k8sc__storage_key(route->resource, k8sc_object_namespace(obj), k8sc_object_name(obj));
        rc = key ? k8sc__object_to_store(&text, &len, obj) : K8SC_ENOMEM;
    }
    if (!rc && !resp->status) {
        int64_t rev = 0;
        if (dry_run(req)) {
            rc = k8sc__resp_object(resp, 201, obj);
        } else if ((rc = k8sc_store_create(&rev, srv->store, key, text, len))) {
            rc = k8sc__status_from_code(resp, rc, route->resource, k8sc_object_name(obj));
        } else {
            written = true;
            char rvbuf[32];
            snprintf(rvbuf, sizeof(rvbuf), "%lld", (long long)rev);
            rc = k8sc_object_set_resource_version(obj, rvbuf);
            if (!rc)
                rc = reply_object(resp, srv, req, route, 201, obj);
        }
    }
    k8sc__service_finish(srv, txn, written);
    k8sc_free(key);
    k8sc_free(text);
    k8sc_object_free(obj);
    return rc;
}

/* ---- update ------------------------------------------------------------------ */

static int set_from(k8sc_object *dst, const char *path, const k8sc_object *src)
{
    struct json_object *v = k8sc_object_get(src, path), *copy = NULL;
    if (!v)
        return k8sc_object_get(dst, path) ? k8sc_object_remove(dst, path) : 0;
    if (json_object_deep_copy(v, &copy, NULL))
        return k8sc__error_nomem();
    int rc = k8sc_object_set(dst, path, copy);
    if (rc)
        json_object_put(copy);
    return rc;
}

/*
 * An update that leaves no finalizer on an object already being deleted
 * (grace period over or none) deletes it; a namespace also needs an empty
 * spec.finalizers (ShouldDeleteNamespaceDuringUpdate).
 */
static bool delete_during_update(const k8sc__route *route, const k8sc_object *obj, const k8sc_object *old)
{
    int64_t ts, grace = 0;
    if (k8sc_object_finalizer_count(obj) > 0 || k8sc_object_deletion_timestamp(old, &ts) != 0 ||
        k8sc__namespace_held(route->resource, obj))
        return false;
    return k8sc_object_deletion_grace_period(old, &grace) != 0 || grace == 0;
}

static int handle_update(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *asked, k8sc__write_target target)
{
    k8sc_object *body = NULL;
    int rc = k8sc__decode_body(&body, resp, req);
    if (rc || resp->status)
        return rc;
    /* From here on the body is in the version objects are stored as (the reply goes back to the one asked for). */
    k8sc__route copy;
    const k8sc__route *route = asked;
    rc = k8sc__to_storage(resp, srv, asked, body, &copy, &route);
    if (rc || resp->status) {
        k8sc_object_free(body);
        return rc;
    }
    int64_t want = 0;
    if (parse_rv(k8sc_object_resource_version(body), &want)) {
        rc = k8sc__status_bad_request(resp, "invalid resource version: %s", k8sc_object_resource_version(body));
        k8sc_object_free(body);
        return rc;
    }
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        k8sc_object *old = NULL, *obj = NULL;
        int64_t mod = 0;
        rc = read_object(&old, &mod, resp, srv, route);
        if (rc || !old)
            break;
        if (want && want != mod) {
            rc = k8sc__status_conflict(resp, route->resource, route->name);
            k8sc_object_free(old);
            break;
        }
        if (target != K8SC__WRITE_MAIN) {
            /* /status changes status only, /finalize spec.finalizers only: the rest is the stored object's. */
            rc = k8sc_object_dup(&obj, old);
            if (!rc)
                rc = set_from(obj, target == K8SC__WRITE_STATUS ? "status" : "spec.finalizers", body);
            if (!rc) {
                const char *name = k8sc_object_name(body);
                if (name && *name && strcmp(name, route->name) != 0)
                    rc = k8sc__status_bad_request(resp,
                        "the name of the object (%s) does not match the name on the URL (%s)", name, route->name);
            }
        } else {
            rc = k8sc_object_dup(&obj, body);
        }
        if (!rc && !resp->status)
            rc = k8sc__prepare_update(resp, srv, route, obj, old, target);
        if (rc || resp->status) {
            k8sc_object_free(old);
            k8sc_object_free(obj);
            break;
        }
        k8sc_object_set_resource_version(obj, k8sc_object_resource_version(old));
        if (target != K8SC__WRITE_STATUS && delete_during_update(route, obj, old)) {
            /* The last finalizer went from an object being deleted: it goes now (shouldDeleteDuringUpdate). */
            char *key = k8sc__storage_key(route->resource, route->ns, route->name);
            rc = key ? (dry_run(req) ? 0 : k8sc_store_delete(NULL, NULL, srv->store, key, mod)) : K8SC_ENOMEM;
            k8sc_free(key);
            if (!rc && !dry_run(req))
                k8sc__service_release(srv, route, old);
            k8sc_object_free(old);
            if (rc == K8SC_ECONFLICT && !want) {
                k8sc_object_free(obj);
                continue;
            }
            rc = rc ? k8sc__status_from_code(resp, rc, route->resource, route->name)
                    : reply_object(resp, srv, req, route, 200, obj);
            k8sc_object_free(obj);
            break;
        }
        k8sc__svc_txn *txn = NULL;
        if (target == K8SC__WRITE_MAIN)
            rc = k8sc__service_allocate(&txn, resp, srv, route, obj, old, dry_run(req));
        if (rc || resp->status) {
            k8sc_object_free(old);
            k8sc_object_free(obj);
            break;
        }
        if (k8sc_object_equal(obj, old) || dry_run(req)) {
            /* Nothing changed: Kubernetes writes nothing and keeps the revision. */
            k8sc__service_finish(srv, txn, true);
            rc = reply_object(resp, srv, req, route, 200, obj);
            k8sc_object_free(old);
            k8sc_object_free(obj);
            break;
        }
        rc = k8sc__write_back(srv, route, obj, &mod);
        k8sc__service_finish(srv, txn, rc == 0);
        k8sc_object_free(old);
        if (rc == K8SC_ECONFLICT && !want) {
            k8sc_object_free(obj);
            continue;
        }
        if (rc)
            rc = k8sc__status_from_code(resp, rc, route->resource, route->name);
        else
            rc = reply_object(resp, srv, req, route, 200, obj);
        k8sc_object_free(obj);
        break;
    }
    if (!rc && !resp->status)
        rc = k8sc__status_conflict(resp, route->resource, route->name);
    k8sc_object_free(body);
    return rc;
}

/* ---- patch ------------------------------------------------------------------- */

static void reset(k8sc_apiserver_response *resp)
{
    k8sc_free(resp->body);
    k8sc_free(resp->content_type);
    memset(resp, 0, sizeof(*resp));
}

/* Apply the request's patch to the stored object: 0 with *out set, or a Status reply. */
static int apply_patch(struct json_object **out, k8sc_apiserver_response *resp, k8sc_apiserver *srv,
    const k8sc__request *req, const k8sc__route *route, k8sc_patch_type type, const struct json_object *patch)
{
    *out = NULL;
    k8sc_object *old = NULL;
    int rc = read_object(&old, NULL, resp, srv, route);
    if (rc || !old)
        return rc;
    (void)req;
    /* The patch is written against the version asked for. */
    struct json_object *orig = k8sc_object_json(old);
    k8sc__convert_to(orig, route->resource);
    switch (type) {
    case K8SC_PATCH_JSON:
        rc = k8sc_patch_json_apply(out, orig, patch);
        break;
    case K8SC_PATCH_MERGE:
        rc = k8sc_patch_merge_apply(out, orig, patch);
        break;
    default:
        rc = k8sc_patch_strategic_apply(out, orig, patch, k8sc_resource_api_version(route->resource),
            k8sc_resource_kind(route->resource));
        break;
    }
    k8sc_object_free(old);
    return k8sc__patch_outcome(resp, rc, out);
}

int k8sc__patch_outcome(k8sc_apiserver_response *resp, int rc, struct json_object **out)
{
    if (rc == K8SC_ENOMEM)
        return rc;
    if (rc == K8SC_ENOTFOUND)
        return k8sc__status_error(resp, 415, "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json", NULL);
    if (rc)
        return k8sc__status_error(resp, 422, "Invalid", k8sc_error_last(), NULL);
    if (!*out || !json_object_is_type(*out, json_type_object)) {
        json_object_put(*out);
        *out = NULL;
        return k8sc__status_bad_request(resp, "the patch result is not an object");
    }
    return 0;
}

/*
 * PATCH: apply the patch to the stored object and store the result as an
 * update would, conditional on the revision the patch was applied to;
 * retried when another writer got in between, as Kubernetes does.
 */
static int handle_patch(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route, k8sc__write_target target)
{
    k8sc_patch_type type;
    if (!req->content_type || k8sc_patch_type_parse(&type, req->content_type) != 0)
        return k8sc__status_error(resp, 415, "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json",
            NULL);
    if (req->body_len > K8SC__APISERVER_MAX_BODY)
        return k8sc__status_error(resp, 413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728", NULL);
    struct json_object *patch = NULL;
    int rc = k8sc_json_parse(&patch, req->body, req->body_len);
    if (rc == K8SC_ENOMEM)
        return rc;
    if (rc)
        return k8sc__status_bad_request(resp, "%s", k8sc_error_last());
    /* A resourceVersion inside the patch is a precondition: no retry then. */
    struct json_object *md = NULL, *rvj = NULL;
    bool pinned = json_object_is_type(patch, json_type_object) && json_object_object_get_ex(patch, "metadata", &md) &&
        json_object_object_get_ex(md, "resourceVersion", &rvj);
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        struct json_object *patched = NULL;
        rc = apply_patch(&patched, resp, srv, req, route, type, patch);
        if (rc || resp->status)
            break;
        char *text = NULL;
        size_t len = 0;
        rc = k8sc_json_encode(&text, &len, patched, 0);
        json_object_put(patched);
        if (rc)
            break;
        k8sc__request sub = *req;
        sub.content_type = "application/json";
        sub.body = text;
        sub.body_len = len;
        rc = handle_update(resp, srv, &sub, route, target);
        k8sc_free(text);
        if (rc || pinned || resp->status != 409 || attempt == RETRIES - 1)
            break;
        reset(resp);
    }
    json_object_put(patch);
    return rc;
}

/* ---- delete ------------------------------------------------------------------ */

/* DeleteOptions, from the body or else from the query, as Kubernetes reads them. */
typedef struct {
    struct json_object *json; /* the decoded body, or NULL */
    const char *policy;       /* propagationPolicy, or NULL */
    int orphan;               /* orphanDependents: -1 unset, else 0/1 */
    bool has_grace;
    int64_t grace;
} delete_opts;

static void delete_opts_clear(delete_opts *o)
{
    json_object_put(o->json);
    memset(o, 0, sizeof(*o));
}

static bool is_pod(const k8sc_resource *r)
{
    return strcmp(k8sc_resource_group(r), "") == 0 && strcmp(k8sc_resource_kind(r), "Pod") == 0;
}

/* Pods answer a delete with the object itself (ReturnDeletedObject); the rest with a Status. */
static int delete_success(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route, const k8sc_object *obj)
{
    const k8sc_resource *r = route->resource;
    if (is_pod(r))
        return reply_object(resp, srv, req, route, 200, obj);
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "name", json_object_new_string(k8sc_object_name(obj)));
    if (*k8sc_resource_group(r))
        json_object_object_add(d, "group", json_object_new_string(k8sc_resource_group(r)));
    json_object_object_add(d, "kind", json_object_new_string(k8sc_resource_plural(r)));
    if (k8sc_object_uid(obj))
        json_object_object_add(d, "uid", json_object_new_string(k8sc_object_uid(obj)));
    return k8sc__status_error(resp, 200, NULL, NULL, d);
}

/* Whether the stored value at revision `mod` already says what `text` says (a no-op update). */
static bool unchanged(k8sc_apiserver *srv, const char *key, const char *text, size_t len, int64_t mod)
{
    k8sc_store_kv *cur = NULL;
    struct json_object *a = NULL, *b = NULL;
    bool same = k8sc_store_get(&cur, srv->store, key, 0) == 0 && cur->mod_revision == mod &&
        k8sc_json_parse(&a, cur->value, cur->value_len) == 0 && k8sc_json_parse(&b, text, len) == 0 &&
        json_object_equal(a, b);
    json_object_put(a);
    json_object_put(b);
    k8sc_store_kv_free(cur);
    return same;
}

int k8sc__write_back(k8sc_apiserver *srv, const k8sc__route *route, k8sc_object *obj, int64_t *mod)
{
    char *key = k8sc__storage_key(route->resource, route->ns, route->name), *text = NULL;
    size_t len = 0;
    int64_t rev = 0;
    int rc = key ? k8sc__object_to_store(&text, &len, obj) : K8SC_ENOMEM;
    /* As kube-apiserver: an update that changes nothing is not written, and no watch event follows. */
    if (!rc && unchanged(srv, key, text, len, *mod))
        rev = *mod;
    else if (!rc)
        rc = k8sc_store_update(&rev, srv->store, key, text, len, *mod);
    k8sc_free(key);
    k8sc_free(text);
    if (rc)
        return rc;
    *mod = rev;
    char rvbuf[32];
    snprintf(rvbuf, sizeof(rvbuf), "%lld", (long long)rev);
    return k8sc_object_set_resource_version(obj, rvbuf);
}

/* Write `obj` back over revision *mod (not for dry runs); *mod and its resourceVersion become the new revision. */
static int write_back(k8sc_apiserver *srv, const k8sc__request *req, const k8sc__route *route, k8sc_object *obj,
    int64_t *mod)
{
    return dry_run(req) ? 0 : k8sc__write_back(srv, route, obj, mod);
}

/* markAsDeleting: deletionTimestamp (kept if set), deletionGracePeriodSeconds 0, generation bumped once. */
static int mark_deleting(k8sc_apiserver *srv, k8sc_object *obj)
{
    int64_t ts;
    int rc = 0;
    if (k8sc_object_deletion_timestamp(obj, &ts) != 0) {
        if (k8sc_object_generation(obj) > 0)
            rc = k8sc_object_set_generation(obj, k8sc_object_generation(obj) + 1);
        if (!rc)
            rc = k8sc_object_set_deletion_timestamp(obj, true, now_sec(srv));
    }
    if (!rc)
        rc = k8sc_object_set_deletion_grace_period(obj, true, 0);
    return rc;
}

/* BeforeDelete's early precondition check: a Conflict naming the kind ("Operation cannot be fulfilled on ConfigMap"). */
static int check_preconditions(k8sc_apiserver_response *resp, const k8sc__route *route, const struct json_object *opts,
    const k8sc_object *obj)
{
    struct json_object *pre = NULL, *v = NULL;
    if (!opts || !json_object_object_get_ex(opts, "preconditions", &pre) || !json_object_is_type(pre, json_type_object))
        return 0;
    const k8sc_resource *r = route->resource;
    char q[320], msg[1024];
    if (*k8sc_resource_group(r))
        snprintf(q, sizeof(q), "%s.%s", k8sc_resource_kind(r), k8sc_resource_group(r));
    else
        snprintf(q, sizeof(q), "%s", k8sc_resource_kind(r));
    msg[0] = '\0';
    if (json_object_object_get_ex(pre, "uid", &v) && json_object_is_type(v, json_type_string)) {
        const char *uid = k8sc_object_uid(obj) ? k8sc_object_uid(obj) : "";
        if (strcmp(json_object_get_string(v), uid) != 0)
            snprintf(msg, sizeof(msg), "Operation cannot be fulfilled on %s \"%s\": the UID in the precondition (%s) "
                "does not match the UID in record (%s). The object might have been deleted and then recreated", q,
                route->name, json_object_get_string(v), uid);
    }
    if (!msg[0] && json_object_object_get_ex(pre, "resourceVersion", &v) && json_object_is_type(v, json_type_string)) {
        const char *rv = k8sc_object_resource_version(obj) ? k8sc_object_resource_version(obj) : "";
        if (strcmp(json_object_get_string(v), rv) != 0)
            snprintf(msg, sizeof(msg), "Operation cannot be fulfilled on %s \"%s\": the ResourceVersion in the "
                "precondition (%s) does not match the ResourceVersion in record (%s). The object might have been "
                "modified", q, route->name, json_object_get_string(v), rv);
    }
    if (!msg[0])
        return 0;
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "name", json_object_new_string(route->name));
    if (*k8sc_resource_group(r))
        json_object_object_add(d, "group", json_object_new_string(k8sc_resource_group(r)));
    json_object_object_add(d, "kind", json_object_new_string(k8sc_resource_kind(r)));
    return k8sc__status_error(resp, 409, "Conflict", msg, d);
}

/*
 * deletionFinalizersForGarbageCollection: the orphan / foregroundDeletion
 * finalizers the options ask for (an explicit option wins, else what the
 * object already carries). True in *changed if the set differs.
 */
static int gc_finalizers(bool *changed, k8sc_object *obj, const delete_opts *o)
{
    bool had_orphan = k8sc_object_has_finalizer(obj, "orphan");
    bool had_fg = k8sc_object_has_finalizer(obj, "foregroundDeletion");
    bool orphan, fg;
    if (o->orphan >= 0) {
        orphan = o->orphan == 1;
        fg = false;
    } else if (o->policy) {
        orphan = strcmp(o->policy, "Orphan") == 0;
        fg = strcmp(o->policy, "Foreground") == 0;
    } else {
        fg = had_fg;
        orphan = had_orphan && !had_fg;
        /* The first of the two in the list decides, as shouldOrphanDependents reads them. */
        for (size_t i = 0; i < k8sc_object_finalizer_count(obj); i++) {
            const char *f = k8sc_object_finalizer(obj, i);
            if (strcmp(f, "orphan") == 0 || strcmp(f, "foregroundDeletion") == 0) {
                orphan = strcmp(f, "orphan") == 0;
                break;
            }
        }
    }
    *changed = orphan != had_orphan || fg != had_fg;
    if (!*changed)
        return 0;
    int rc = had_orphan ? k8sc_object_remove_finalizer(obj, "orphan") : 0;
    if (!rc && had_fg)
        rc = k8sc_object_remove_finalizer(obj, "foregroundDeletion");
    if (!rc && orphan)
        rc = k8sc_object_add_finalizer(obj, "orphan");
    if (!rc && fg)
        rc = k8sc_object_add_finalizer(obj, "foregroundDeletion");
    return rc;
}

/*
 * BeforeDelete for pods (the only kind with graceful deletion here): *graceful
 * when the pod gets (or shortens) a grace period, *pending when a graceful
 * deletion is already under way and this request changes nothing.
 */
static int pod_grace(bool *graceful, bool *pending, int64_t *period, k8sc_apiserver *srv, k8sc_object *obj,
    const delete_opts *o)
{
    *graceful = *pending = false;
    *period = 0;
    int64_t ts, dgps = 0;
    int64_t grace = o->has_grace && o->grace < 0 ? 1 : o->grace;
    if (k8sc_object_deletion_timestamp(obj, &ts) == 0) {
        if (k8sc_object_deletion_grace_period(obj, &dgps) != 0 || dgps == 0)
            return 0;
        if (!o->has_grace || grace >= dgps) {
            /* Only a shorter grace period may be asked for once deletion has started. */
            *pending = true;
            return 0;
        }
        *graceful = true;
        *period = grace;
        int rc = k8sc_object_set_deletion_timestamp(obj, true, ts - dgps + grace);
        return rc ? rc : k8sc_object_set_deletion_grace_period(obj, true, grace);
    }
    /* CheckGracefulDelete: the asked period, else the pod's own; unscheduled or finished pods go at once. */
    int64_t p = 0;
    if (o->has_grace)
        p = o->grace;
    else if (k8sc_object_get_int(obj, "spec.terminationGracePeriodSeconds", &p) != 0)
        p = 0;
    const char *node = k8sc_object_get_string(obj, "spec.nodeName");
    const char *phase = k8sc_object_get_string(obj, "status.phase");
    if (!node || !*node)
        p = 0;
    if (phase && (strcmp(phase, "Failed") == 0 || strcmp(phase, "Succeeded") == 0))
        p = 0;
    if (p < 0)
        p = 1;
    *graceful = true;
    *period = p;
    int rc = k8sc_object_set_deletion_timestamp(obj, true, now_sec(srv) + p);
    if (!rc)
        rc = k8sc_object_set_deletion_grace_period(obj, true, p);
    if (!rc && k8sc_object_generation(obj) > 0)
        rc = k8sc_object_set_generation(obj, k8sc_object_generation(obj) + 1);
    return rc;
}

/* What a delete decided for one object. */
typedef enum { DEL_NOW, DEL_KEEP, DEL_PENDING } del_outcome;

/*
 * Store.Delete's decision: graceful deletion (pods), finalizers (the
 * object's and the GC's orphan/foregroundDeletion), and the namespace
 * REST's rules: the first delete only marks a namespace Terminating, and
 * it stays while spec.finalizers is not empty. Modifies `obj` as it should
 * be written when the outcome is DEL_KEEP.
 */
static int decide(del_outcome *out, k8sc_apiserver *srv, const k8sc__route *route, k8sc_object *obj,
    const delete_opts *o)
{
    *out = DEL_NOW;
    bool graceful = false, pending = false, gc_changed = false;
    int64_t period = 0;
    int rc = 0;
    if (is_pod(route->resource) && (rc = pod_grace(&graceful, &pending, &period, srv, obj, o)))
        return rc;
    if (pending) {
        *out = DEL_PENDING;
        return 0;
    }
    int64_t ts;
    bool ns_first = k8sc__is_namespace(route->resource) && k8sc_object_deletion_timestamp(obj, &ts) != 0;
    if (!ns_first && k8sc__namespace_held(route->resource, obj)) {
        *out = DEL_KEEP;
        return 0;
    }
    if ((rc = gc_finalizers(&gc_changed, obj, o)))
        return rc;
    if (ns_first) {
        *out = DEL_KEEP;
        return k8sc__namespace_mark_terminating(obj, now_sec(srv));
    }
    bool keep = k8sc_object_finalizer_count(obj) > 0;
    if (keep && !graceful)
        rc = mark_deleting(srv, obj);
    if (keep || (graceful && period > 0))
        *out = DEL_KEEP;
    return rc;
}

static int delete_one(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route, const delete_opts *o, k8sc_object **deleted)
{
    int rc = 0;
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        k8sc_object *obj = NULL, *orig = NULL;
        int64_t mod = 0;
        rc = read_object(&obj, &mod, resp, srv, route);
        if (rc || !obj)
            return rc;
        rc = check_preconditions(resp, route, o->json, obj);
        del_outcome what = DEL_NOW;
        if (!rc && !resp->status)
            rc = k8sc_object_dup(&orig, obj);
        if (!rc && !resp->status)
            rc = decide(&what, srv, route, obj, o);
        if (rc || resp->status) {
            k8sc_object_free(obj);
            k8sc_object_free(orig);
            return rc == K8SC_ENOMEM || resp->status ? rc : k8sc__status_from_code(resp, rc, route->resource, route->name);
        }
        if (what == DEL_PENDING) {
            /* A graceful deletion is already under way: nothing to do (finalizeDelete). */
            rc = delete_success(resp, srv, req, route, obj);
        } else {
            /* Graceful or finalizer bookkeeping is written first, as GuaranteedUpdate does. */
            bool changed = !k8sc_object_equal(obj, orig);
            rc = changed ? write_back(srv, req, route, obj, &mod) : 0;
            if (rc == K8SC_ECONFLICT) {
                k8sc_object_free(obj);
                k8sc_object_free(orig);
                continue;
            }
            if (!rc && what == DEL_KEEP) {
                rc = reply_object(resp, srv, req, route, 200, obj);
            } else if (!rc && !dry_run(req)) {
                char *key = k8sc__storage_key(route->resource, route->ns, route->name);
                rc = key ? k8sc_store_delete(NULL, NULL, srv->store, key, mod) : K8SC_ENOMEM;
                k8sc_free(key);
                if (!rc)
                    k8sc__service_release(srv, route, obj);
                if (rc == K8SC_ECONFLICT) {
                    k8sc_object_free(obj);
                    k8sc_object_free(orig);
                    continue;
                }
            }
            if (rc)
                rc = rc == K8SC_ENOMEM ? rc : k8sc__status_from_code(resp, rc, route->resource, route->name);
            else if (what == DEL_NOW)
                rc = delete_success(resp, srv, req, route, obj);
        }
        /* deletecollection lists what went (or is going). */
        if (deleted && !rc && !(resp->status >= 300))
            *deleted = k8sc_object_ref(obj);
        k8sc_object_free(obj);
        k8sc_object_free(orig);
        return rc;
    }
    return k8sc__status_conflict(resp, route->resource, route->name);
}

static int invalid_delete_options(k8sc_apiserver_response *resp, k8sc_field_error_type type, const char *value,
    const char *detail)
{
    k8sc_field_errors *errs = NULL;
    int rc = k8sc_field_errors_new(&errs);
    if (!rc)
        rc = k8sc_field_errors_add_str(errs, type, "propagationPolicy", value, "%s", detail);
    if (!rc)
        rc = k8sc__status_invalid_kind(resp, "meta.k8s.io", "DeleteOptions", "", errs);
    k8sc_field_errors_free(errs);
    return rc;
}

/* The optional DeleteOptions: body first, else query parameters. A Status reply for a malformed or invalid one. */
static int delete_options(delete_opts *o, k8sc_apiserver_response *resp, const k8sc__request *req)
{
    memset(o, 0, sizeof(*o));
    o->orphan = -1;
    if (req->body && req->body_len > 0) {
        k8sc_object *opts = NULL;
        int rc = k8sc__decode_body(&opts, resp, req);
        if (rc || resp->status)
            return rc;
        o->json = json_object_get(k8sc_object_json(opts));
        k8sc_object_free(opts);
        struct json_object *v = NULL;
        if (json_object_object_get_ex(o->json, "propagationPolicy", &v) && json_object_is_type(v, json_type_string))
            o->policy = json_object_get_string(v);
        if (json_object_object_get_ex(o->json, "orphanDependents", &v) && json_object_is_type(v, json_type_boolean))
            o->orphan = json_object_get_boolean(v) ? 1 : 0;
        if (json_object_object_get_ex(o->json, "gracePeriodSeconds", &v) && json_object_is_type(v, json_type_int)) {
            o->has_grace = true;
            o->grace = json_object_get_int64(v);
        }
    } else {
        o->policy = k8sc__query_get(req, "propagationPolicy");
        const char *orphan = k8sc__query_get(req, "orphanDependents");
        if (orphan)
            o->orphan = strcmp(orphan, "true") == 0 ? 1 : 0;
        const char *grace = k8sc__query_get(req, "gracePeriodSeconds");
        if (grace && *grace) {
            char *end = NULL;
            errno = 0;
            long long g = strtoll(grace, &end, 10);
            if (errno || *end)
                return k8sc__status_bad_request(resp, "invalid gracePeriodSeconds: %s", grace);
            o->has_grace = true;
            o->grace = g;
        }
    }
    /* ValidateDeleteOptions. */
    if (o->policy && o->orphan >= 0)
        return invalid_delete_options(resp, K8SC_FIELD_INVALID, o->policy,
            "orphanDependents and deletionPropagation cannot be both set");
    if (o->policy && strcmp(o->policy, "Foreground") != 0 && strcmp(o->policy, "Background") != 0 &&
        strcmp(o->policy, "Orphan") != 0)
        return invalid_delete_options(resp, K8SC_FIELD_NOT_SUPPORTED, o->policy,
            "supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"");
    return 0;
}

static int handle_delete(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route)
{
    delete_opts opts;
    int rc = k8sc__namespace_admit_delete(resp, route);
    if (rc || resp->status)
        return rc;
    rc = delete_options(&opts, resp, req);
    if (!rc && !resp->status)
        rc = delete_one(resp, srv, req, route, &opts, NULL);
    delete_opts_clear(&opts);
    return rc;
}

static int handle_delete_collection(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route)
{
    k8sc__filter f;
    delete_opts opts;
    int rc = delete_options(&opts, resp, req);
    if (rc || resp->status) {
        delete_opts_clear(&opts);
        return rc;
    }
    rc = k8sc__filter_parse(&f, resp, req, route);
    k8sc_object **items = NULL;
    size_t count = 0;
    char *next = NULL;
    int64_t revision = 0;
    if (!rc && !resp->status)
        rc = collect(&items, &count, &next, &revision, resp, srv, route, &f, 0, NULL, 0);
    k8sc__filter_clear(&f);
    k8sc_free(next);
    if (rc || resp->status) {
        delete_opts_clear(&opts);
        return rc;
    }
    struct json_object *list = json_object_new_object();
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; i < count && rc == 0; i++) {
        k8sc__route one = *route;
        one.storage = NULL;
        one.ns = k8sc_object_namespace(items[i]);
        one.name = k8sc_object_name(items[i]);
        k8sc_apiserver_response r1 = { 0 };
        k8sc_object *gone = NULL;
        rc = delete_one(&r1, srv, req, &one, &opts, &gone);
        /* Objects deleted by someone else meanwhile are simply skipped. */
        if (gone)
            json_object_array_add(arr, json_object_get(k8sc_object_json(gone)));
        k8sc_object_free(gone);
        k8sc_free(r1.body);
        k8sc_free(r1.content_type);
    }
    json_object_object_add(list, "kind", json_object_new_string(k8sc_resource_list_kind(route->resource)));
    json_object_object_add(list, "apiVersion", json_object_new_string(k8sc_resource_api_version(route->resource)));
    json_object_object_add(list, "metadata", json_object_new_object());
    json_object_object_add(list, "items", arr);
    if (!rc)
        rc = k8sc__resp_json(resp, 200, list);
    json_object_put(list);
    delete_opts_clear(&opts);
    free_items(items, count);
    return rc;
}

/* ---- dispatch ------------------------------------------------------------------ */

int k8sc__handle_resource(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route)
{
    const char *m = req->method;
    const k8sc_resource *r = route->resource;
    bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    if (route->subresource) {
        if (strcmp(route->subresource, "scale") == 0 && k8sc_resource_has_subresource(r, "scale"))
            return k8sc__handle_scale(resp, srv, req, route);
        if (strcmp(route->subresource, "binding") == 0 && is_pod(r))
            return k8sc__handle_binding(resp, srv, req, route);
        if (strcmp(route->subresource, "eviction") == 0 && is_pod(r))
            return k8sc__handle_eviction(resp, srv, req, route);
        if (strcmp(route->subresource, "token") == 0 && strcmp(k8sc_resource_kind(r), "ServiceAccount") == 0 &&
            !*k8sc_resource_group(r))
            return k8sc__handle_token(resp, srv, req, route);
        if ((strcmp(route->subresource, "log") == 0 || strcmp(route->subresource, "exec") == 0 ||
                strcmp(route->subresource, "attach") == 0) && is_pod(r))
            return k8sc__handle_podproxy(resp, srv, req, route);
        if (strcmp(route->subresource, "finalize") == 0 && k8sc__is_namespace(r))
            return strcmp(m, "PUT") == 0 ? handle_update(resp, srv, req, route, K8SC__WRITE_FINALIZE)
                                         : k8sc__status_method_not_allowed(resp);
        if (strcmp(route->subresource, "status") != 0 || !k8sc_resource_has_subresource(r, "status"))
            return k8sc__status_route_not_found(resp);
        if (get)
            return handle_get(resp, srv, req, route);
        if (strcmp(m, "PUT") == 0)
            return handle_update(resp, srv, req, route, K8SC__WRITE_STATUS);
        if (strcmp(m, "PATCH") == 0)
            return handle_patch(resp, srv, req, route, K8SC__WRITE_STATUS);
        return k8sc__status_method_not_allowed(resp);
    }
    if (route->name) {
        if (get && has_verb(r, "get"))
            return handle_get(resp, srv, req, route);
        if (strcmp(m, "PUT") == 0 && has_verb(r, "update"))
            return handle_update(resp, srv, req, route, K8SC__WRITE_MAIN);
        if (strcmp(m, "DELETE") == 0 && has_verb(r, "delete"))
            return handle_delete(resp, srv, req, route);
        if (strcmp(m, "PATCH") == 0 && has_verb(r, "patch"))
            return handle_patch(resp, srv, req, route, K8SC__WRITE_MAIN);
        return k8sc__status_method_not_allowed(resp);
    }
    if (get && query_true(req, "watch") && has_verb(r, "watch"))
        return k8sc__handle_watch(resp, srv, req, route);
    if (get && has_verb(r, "list"))
        return handle_list(resp, srv, req, route);
    if (strcmp(m, "POST") == 0 && k8sc__is_review(r))
        return k8sc__handle_review(resp, req, route);
    /* Creating needs a namespace in the URL for namespaced kinds. */
    if (strcmp(m, "POST") == 0 && has_verb(r, "create") && (route->ns || !k8sc_resource_namespaced(r)))
        return handle_create(resp, srv, req, route);
    if (strcmp(m, "DELETE") == 0 && has_verb(r, "deletecollection"))
        return handle_delete_collection(resp, srv, req, route);
    return k8sc__status_method_not_allowed(resp);
}
