/*
 * CustomResourceDefinitions: the server's set of established CRDs (loaded
 * from the store at start and kept in step with every CRD write), the
 * kinds they add to the registry (one per served version), the cleanup
 * of a deleted CRD's custom resources (the
 * customresourcecleanup.apiextensions.k8s.io finalizer's work, done at
 * once), and the write rules specific to custom resources: structural
 * schema pruning, defaulting and validation, generation, fieldValidation
 * and the patch types they accept.
 */
#include "apiserver_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CRD_GROUP "apiextensions.k8s.io"
#define CLEANUP_FINALIZER "customresourcecleanup.apiextensions.k8s.io"
#define MAX_NAMES 32

struct k8sc__crds {
    pthread_mutex_t lock;
    k8sc_object **items; /* established CRDs, one reference each */
    size_t count;
};


bool k8sc__is_crd(const k8sc_resource *r)
{
    return r && strcmp(k8sc_resource_group(r), CRD_GROUP) == 0 &&
        strcmp(k8sc_resource_kind(r), "CustomResourceDefinition") == 0;
}

static bool crd_serves(const k8sc_object *crd, const char *group, const char *plural)
{
    const char *g = k8sc_object_get_string(crd, "spec.group"), *p = k8sc_object_get_string(crd, "spec.names.plural");
    return g && p && strcmp(g, group) == 0 && strcmp(p, plural) == 0;
}

k8sc_object *k8sc__crd_for(k8sc_apiserver *srv, const k8sc_resource *r)
{
    if (!srv->crds || !r || !*k8sc_resource_group(r))
        return NULL;
    k8sc_object *found = NULL;
    pthread_mutex_lock(&srv->crds->lock);
    for (size_t i = 0; i < srv->crds->count && !found; i++)
        if (crd_serves(srv->crds->items[i], k8sc_resource_group(r), k8sc_resource_plural(r)))
            found = k8sc_object_ref(srv->crds->items[i]);
    pthread_mutex_unlock(&srv->crds->lock);
    return found;
}

struct json_object *k8sc__crd_version(const k8sc_object *crd, const char *version)
{
    struct json_object *versions = k8sc_object_get(crd, "spec.versions");
    for (size_t i = 0; versions && json_object_is_type(versions, json_type_array) &&
         i < json_object_array_length(versions); i++) {
        struct json_object *v = json_object_array_get_idx(versions, i);
        if (k8sc__json_string(v, "name") && strcmp(k8sc__json_string(v, "name"), version) == 0)
            return v;
    }
    return NULL;
}

/* A CRD's simple JSON path (".spec.replicas") as an object path ("spec.replicas"). */
static void object_path(char *buf, size_t size, const char *json_path)
{
    snprintf(buf, size, "%s", json_path && json_path[0] == '.' ? json_path + 1 : json_path ? json_path : "");
}

bool k8sc__crd_scale_paths(k8sc__scale_paths *out, k8sc_apiserver *srv, const k8sc_resource *r)
{
    k8sc_object *crd = k8sc__crd_for(srv, r);
    struct json_object *scale = crd ? k8sc__json_member(k8sc__json_member(k8sc__crd_version(crd, k8sc_resource_version(r)), "subresources"), "scale")
                                    : NULL;
    bool found = scale != NULL;
    if (found) {
        object_path(out->spec, sizeof(out->spec), k8sc__json_string(scale, "specReplicasPath"));
        object_path(out->status, sizeof(out->status), k8sc__json_string(scale, "statusReplicasPath"));
        object_path(out->selector, sizeof(out->selector), k8sc__json_string(scale, "labelSelectorPath"));
    }
    k8sc_object_free(crd);
    return found;
}

/* ---- versions ------------------------------------------------------------- */

/* If `av` is "group/version" of another version of this CRD, true. */
static bool other_version(const k8sc_object *crd, const k8sc_resource *r, const char *av)
{
    const char *group = k8sc_resource_group(r);
    size_t glen = strlen(group);
    return av && strncmp(av, group, glen) == 0 && av[glen] == '/' &&
        strcmp(av + glen + 1, k8sc_resource_version(r)) != 0 && k8sc__crd_version(crd, av + glen + 1) != NULL;
}

/* The None conversion strategy: an object of another version of the CRD only changes its apiVersion. */
static void convert(struct json_object *o, const k8sc_object *crd, const k8sc_resource *r)
{
    struct json_object *av = k8sc__json_member(o, "apiVersion");
    if (av && json_object_is_type(av, json_type_string) && other_version(crd, r, json_object_get_string(av)))
        json_object_object_add(o, "apiVersion", json_object_new_string(k8sc_resource_api_version(r)));
}

static bool multi_version(const k8sc_object *crd)
{
    struct json_object *versions = k8sc_object_get(crd, "spec.versions");
    return versions && json_object_is_type(versions, json_type_array) && json_object_array_length(versions) > 1;
}

void k8sc__crd_convert(k8sc_apiserver *srv, const k8sc_resource *r, k8sc_object *obj)
{
    k8sc_object *crd = k8sc__crd_for(srv, r);
    if (crd && multi_version(crd))
        convert(k8sc_object_json(obj), crd, r);
    k8sc_object_free(crd);
}

typedef struct crd_target {
    const k8sc_object *crd;
    const k8sc_resource *r;
} crd_target;

static void convert_one(struct json_object *o, const void *arg)
{
    const crd_target *t = arg;
    convert(o, t->crd, t->r);
}

int k8sc__crd_convert_reply(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__route *route)
{
    k8sc_object *crd = resp->stream || !resp->body ? NULL : k8sc__crd_for(srv, route->resource);
    int rc = 0;
    if (crd && multi_version(crd)) {
        crd_target t = { crd, route->resource };
        rc = k8sc__reply_objects(resp, convert_one, &t);
    }
    k8sc_object_free(crd);
    return rc;
}

/* ---- registration ------------------------------------------------------- */

/* A NULL-terminated view of a JSON string array (at most MAX_NAMES - 1 entries). */
static const char *const *str_list(const char **buf, const struct json_object *a)
{
    size_t n = 0;
    for (size_t i = 0; a && json_object_is_type(a, json_type_array) && i < json_object_array_length(a) &&
         n < MAX_NAMES - 1; i++) {
        struct json_object *e = json_object_array_get_idx(a, i);
        if (e && json_object_is_type(e, json_type_string))
            buf[n++] = json_object_get_string(e);
    }
    buf[n] = NULL;
    return buf;
}

static void unregister_kinds(k8sc_registry *reg, const k8sc_object *crd)
{
    const char *group = k8sc_object_get_string(crd, "spec.group");
    const char *plural = k8sc_object_get_string(crd, "spec.names.plural");
    if (group && plural)
        k8sc_registry_remove(reg, group, NULL, plural);
}

/*
 * Kubernetes' version priority (version.CompareKubeAwareVersionStrings):
 * GA before beta before alpha, higher major and minor first, then the
 * rest alphabetically. Negative when `a` comes first.
 */
static int version_order(const char *a, const char *b)
{
    long ma = 0, mb = 0, na = 0, nb = 0;
    int ka = 3, kb = 3; /* 0 GA, 1 beta, 2 alpha, 3 not kube-like */
    const char *const *sides[2] = { &a, &b };
    long *majors[2] = { &ma, &mb }, *minors[2] = { &na, &nb };
    int *kinds[2] = { &ka, &kb };
    for (int i = 0; i < 2; i++) {
        const char *v = *sides[i];
        char *end = NULL;
        if (v[0] != 'v' || v[1] < '1' || v[1] > '9')
            continue;
        *majors[i] = strtol(v + 1, &end, 10);
        int kind = !*end ? 0 : strncmp(end, "beta", 4) == 0 ? 1 : strncmp(end, "alpha", 5) == 0 ? 2 : 3;
        if (kind == 1 || kind == 2) {
            const char *num = end + (kind == 1 ? 4 : 5);
            char *nend = NULL;
            *minors[i] = strtol(num, &nend, 10);
            if (*nend || nend == num)
                kind = 3;
        }
        *kinds[i] = kind;
    }
    if (ka != kb)
        return ka - kb;
    if (ka == 3)
        return strcmp(a, b);
    if (ma != mb)
        return ma > mb ? -1 : 1;
    return na == nb ? 0 : na > nb ? -1 : 1;
}

static int version_cmp(const void *x, const void *y)
{
    const char *a = k8sc__json_string(*(struct json_object *const *)x, "name"), *b = k8sc__json_string(*(struct json_object *const *)y, "name");
    return version_order(a ? a : "", b ? b : "");
}

/* Every served version becomes a kind of the registry (the preferred version first), replacing what was there. */
static int register_kinds(k8sc_registry *reg, const k8sc_object *crd)
{
    struct json_object *names = k8sc_object_get(crd, "spec.names"), *versions = NULL;
    struct json_object *spec_versions = k8sc_object_get(crd, "spec.versions");
    const char *group = k8sc_object_get_string(crd, "spec.group"), *plural = k8sc__json_string(names, "plural");
    if (!group || !plural || !spec_versions || !json_object_is_type(spec_versions, json_type_array))
        return 0;
    if (json_object_deep_copy(spec_versions, &versions, NULL))
        return k8sc__error_nomem();
    json_object_array_sort(versions, version_cmp);
    size_t nv = json_object_array_length(versions), n = 0;
    k8sc_resource_def *defs = k8sc__calloc(nv ? nv : 1, sizeof(*defs));
    /* The name lists the definitions point into live as long as the call. */
    const char *(*shorts)[MAX_NAMES] = k8sc__calloc(nv ? nv : 1, sizeof(*shorts));
    const char *(*cats)[MAX_NAMES] = k8sc__calloc(nv ? nv : 1, sizeof(*cats));
    const char *(*subs)[3] = k8sc__calloc(nv ? nv : 1, sizeof(*subs));
    int rc = defs && shorts && cats && subs ? 0 : K8SC_ENOMEM;
    const char *scope = k8sc_object_get_string(crd, "spec.scope");
    for (size_t i = 0; i < nv && !rc; i++) {
        struct json_object *v = json_object_array_get_idx(versions, i), *served = k8sc__json_member(v, "served");
        if (!served || !json_object_get_boolean(served) || !k8sc__json_string(v, "name"))
            continue;
        size_t ns = 0;
        struct json_object *sr = k8sc__json_member(v, "subresources");
        if (k8sc__json_member(sr, "status"))
            subs[n][ns++] = "status";
        if (k8sc__json_member(sr, "scale"))
            subs[n][ns++] = "scale";
        subs[n][ns] = NULL;
        k8sc_resource_def def = K8SC_RESOURCE_DEF_INIT;
        def.group = group;
        def.api_version = k8sc__json_string(v, "name");
        def.kind = k8sc__json_string(names, "kind");
        def.plural = plural;
        def.singular = k8sc__json_string(names, "singular");
        def.namespaced = scope && strcmp(scope, "Namespaced") == 0;
        def.short_names = str_list(shorts[n], k8sc__json_member(names, "shortNames"));
        def.categories = str_list(cats[n], k8sc__json_member(names, "categories"));
        def.subresources = subs[n];
        defs[n++] = def;
    }
    if (!rc)
        rc = k8sc_registry_replace(reg, group, plural, defs, n);
    free(defs);
    free(shorts);
    free(cats);
    free(subs);
    json_object_put(versions);
    if (rc)
        k8sc_log(K8SC_LOG_WARN, "apiserver: cannot serve %s: %s", k8sc_object_name(crd), k8sc_error_last());
    return rc == K8SC_ENOMEM ? rc : 0;
}

/* ---- cleanup and sync --------------------------------------------------- */

/* Delete every stored custom resource of a CRD (all versions share one storage prefix). */
static int delete_resources(k8sc_apiserver *srv, const k8sc_object *crd)
{
    const char *group = k8sc_object_get_string(crd, "spec.group");
    const char *plural = k8sc_object_get_string(crd, "spec.names.plural");
    if (!group || !plural || !*group)
        return 0;
    k8sc__buf prefix = K8SC__BUF_INIT;
    k8sc__buf_printf(&prefix, "/registry/%s/%s/", group, plural);
    if (k8sc__buf_status(&prefix)) {
        k8sc__buf_free(&prefix);
        return K8SC_ENOMEM;
    }
    k8sc_store_page *page = NULL;
    int rc = k8sc_store_list(&page, srv->store, prefix.ptr, 0, NULL, 0);
    for (size_t i = 0; !rc && i < page->count; i++) {
        int d = k8sc_store_delete(NULL, NULL, srv->store, page->items[i]->key, 0);
        if (d && d != K8SC_ENOTFOUND)
            rc = d;
    }
    k8sc_store_page_free(page);
    k8sc__buf_free(&prefix);
    return rc;
}

/* The CRD finalizer's last step: drop its own finalizer and, with none left, the CRD. */
static int finish_delete(k8sc_apiserver *srv, const k8sc_resource *r, const k8sc_store_kv *kv, k8sc_object *crd)
{
    if (!k8sc_object_has_finalizer(crd, CLEANUP_FINALIZER))
        return 0;
    int rc = k8sc_object_remove_finalizer(crd, CLEANUP_FINALIZER);
    if (rc)
        return rc;
    if (k8sc_object_finalizer_count(crd) == 0) {
        rc = k8sc_store_delete(NULL, NULL, srv->store, kv->key, kv->mod_revision);
    } else {
        k8sc__route route = { .kind = K8SC__ROUTE_RESOURCE, .resource = r, .name = k8sc_object_name(crd) };
        int64_t mod = kv->mod_revision;
        rc = k8sc__write_back(srv, &route, crd, &mod);
    }
    return rc == K8SC_ECONFLICT || rc == K8SC_ENOTFOUND ? 0 : rc;
}

static bool same_serving(const k8sc_object *a, const k8sc_object *b)
{
    struct json_object *sa = k8sc_object_get(a, "spec"), *sb = k8sc_object_get(b, "spec");
    return sa && sb && json_object_equal(sa, sb);
}

/* Take the cached CRD named like `crd` out of `items` (NULL if none). */
static k8sc_object *take_cached(k8sc_object **items, size_t count, const k8sc_object *crd)
{
    for (size_t i = 0; i < count; i++) {
        if (items[i] && strcmp(k8sc_object_name(items[i]), k8sc_object_name(crd)) == 0) {
            k8sc_object *o = items[i];
            items[i] = NULL;
            return o;
        }
    }
    return NULL;
}

/* Bring the cache and the registry in line with the CRDs in the store. Called with the lock held. */
static int sync_locked(k8sc_apiserver *srv, const k8sc_resource *r)
{
    char *prefix = k8sc__storage_key(r, NULL, NULL);
    if (!prefix)
        return K8SC_ENOMEM;
    k8sc_store_page *page = NULL;
    int rc = k8sc_store_list(&page, srv->store, prefix, 0, NULL, 0);
    k8sc_free(prefix);
    if (rc)
        return rc;
    struct k8sc__crds *c = srv->crds;
    k8sc_object **next = page->count ? k8sc__calloc(page->count, sizeof(*next)) : NULL;
    size_t n = 0;
    if (page->count && !next)
        rc = K8SC_ENOMEM;
    for (size_t i = 0; i < page->count && !rc; i++) {
        k8sc_object *crd = NULL;
        if (k8sc__object_from_kv(&crd, page->items[i]) != 0 || !k8sc_object_name(crd)) {
            k8sc_object_free(crd);
            continue;
        }
        k8sc_object *cached = take_cached(c->items, c->count, crd);
        int64_t ts;
        if (k8sc_object_deletion_timestamp(crd, &ts) == 0) {
            /* Being deleted: stop serving, delete the instances, then let the CRD go. */
            unregister_kinds(srv->registry, crd);
            rc = delete_resources(srv, crd);
            if (!rc)
                rc = finish_delete(srv, r, page->items[i], crd);
            k8sc_object_free(crd);
        } else {
            if (!cached || !same_serving(cached, crd))
                rc = register_kinds(srv->registry, crd);
            next[n++] = crd;
        }
        k8sc_object_free(cached);
    }
    k8sc_store_page_free(page);
    if (rc) {
        for (size_t i = 0; i < n; i++)
            k8sc_object_free(next[i]);
        k8sc_free(next);
        return rc;
    }
    /* What is left in the old cache is gone from the store. */
    for (size_t i = 0; i < c->count; i++) {
        if (!c->items[i])
            continue;
        unregister_kinds(srv->registry, c->items[i]);
        int d = delete_resources(srv, c->items[i]);
        rc = rc ? rc : d;
        k8sc_object_free(c->items[i]);
    }
    k8sc_free(c->items);
    c->items = next;
    c->count = n;
    return rc;
}

int k8sc__crd_sync(k8sc_apiserver *srv)
{
    const k8sc_resource *r = k8sc_registry_find_resource(srv->registry, CRD_GROUP, "v1", "customresourcedefinitions");
    if (!srv->crds || !r)
        return 0;
    pthread_mutex_lock(&srv->crds->lock);
    int rc = sync_locked(srv, r);
    pthread_mutex_unlock(&srv->crds->lock);
    return rc;
}

int k8sc__crd_load(k8sc_apiserver *srv)
{
    srv->crds = k8sc__calloc(1, sizeof(*srv->crds));
    if (!srv->crds)
        return K8SC_ENOMEM;
    pthread_mutex_init(&srv->crds->lock, NULL);
    return k8sc__crd_sync(srv);
}

void k8sc__crd_unload(k8sc_apiserver *srv)
{
    if (!srv->crds)
        return;
    /* The registry is borrowed and may outlive us: it should not keep serving our kinds. */
    for (size_t i = 0; i < srv->crds->count; i++) {
        unregister_kinds(srv->registry, srv->crds->items[i]);
        k8sc_object_free(srv->crds->items[i]);
    }
    k8sc_free(srv->crds->items);
    pthread_mutex_destroy(&srv->crds->lock);
    k8sc_free(srv->crds);
    srv->crds = NULL;
}

/* ---- writes --------------------------------------------------------------- */

/* Whether two objects differ outside metadata (and status, when `skip_status`). */
static bool content_changed(const k8sc_object *a, const k8sc_object *b, bool skip_status)
{
    struct json_object *ja = k8sc_object_json(a), *jb = k8sc_object_json(b);
    struct json_object *both[2] = { ja, jb };
    for (int side = 0; side < 2; side++) {
        json_object_object_foreach(both[side], key, v)
        {
            if (strcmp(key, "metadata") == 0 || (skip_status && strcmp(key, "status") == 0))
                continue;
            struct json_object *other = NULL;
            bool has = json_object_object_get_ex(both[1 - side], key, &other);
            if (!has || (!v) != (!other) || (v && !json_object_equal(v, other)))
                return true;
        }
    }
    return false;
}

static int prepare_cr(k8sc_apiserver *srv, const k8sc__route *route, k8sc_object *obj, const k8sc_object *old,
    k8sc_field_errors *errs)
{
    k8sc_object *crd = k8sc__crd_for(srv, route->resource);
    if (!crd)
        return 0;
    struct json_object *v = k8sc__crd_version(crd, k8sc_resource_version(route->resource));
    struct json_object *schema = k8sc__json_member(k8sc__json_member(v, "schema"), "openAPIV3Schema");
    int rc = 0;
    if (schema) {
        rc = k8sc__schema_prune(k8sc_object_json(obj), schema, NULL);
        if (!rc)
            rc = k8sc__schema_default(k8sc_object_json(obj), schema);
        if (!rc)
            rc = k8sc__schema_validate(errs, k8sc_object_json(obj), schema);
    }
    /* Custom resources count every change outside metadata (and status, with its subresource). */
    if (!rc && !old)
        rc = k8sc_object_set_generation(obj, 1);
    else if (!rc && content_changed(obj, old, k8sc_resource_has_subresource(route->resource, "status")))
        rc = k8sc_object_set_generation(obj, k8sc_object_generation(old) + 1);
    k8sc_object_free(crd);
    return rc;
}

int k8sc__crd_prepare(k8sc_apiserver *srv, const k8sc__route *route, k8sc_object *obj, const k8sc_object *old,
    k8sc_field_errors *errs)
{
    if (!k8sc__is_crd(route->resource))
        return prepare_cr(srv, route, obj, old, errs);
    size_t before = k8sc_field_errors_count(errs);
    int rc = k8sc__crd_defaults(obj);
    if (!rc)
        rc = k8sc__crd_validate(errs, obj, old);
    const char *group = k8sc_object_get_string(obj, "spec.group");
    const char *plural = k8sc_object_get_string(obj, "spec.names.plural");
    const k8sc_resource *taken = !rc && !old && group && plural
        ? k8sc_registry_find_resource(srv->registry, group, NULL, plural) : NULL;
    k8sc_object *ours = taken ? k8sc__crd_for(srv, taken) : NULL;
    /* A built-in kind keeps its storage: a CRD may not take it over. */
    if (taken && !ours)
        rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, "spec.names.plural", plural,
            "%s.%s is already served by the API server", plural, group);
    k8sc_object_free(ours);
    if (!rc && k8sc_field_errors_count(errs) == before)
        rc = k8sc__crd_set_status(obj, old, k8sc_clock_now(srv->clock) / 1000000000);
    return rc;
}

static int path_cmp(const void *a, const void *b)
{
    return strcmp(json_object_get_string(*(struct json_object *const *)a),
        json_object_get_string(*(struct json_object *const *)b));
}

/* fieldValidation: unknown fields of the request body fail (Strict) or warn (Warn, the default). */
static int field_validation(k8sc_apiserver_response *resp, const k8sc__request *req, const k8sc_resource *r,
    const struct json_object *schema)
{
    const char *mode = k8sc__query_get(req, "fieldValidation");
    if (mode && strcmp(mode, "Ignore") == 0)
        return 0;
    if (mode && *mode && strcmp(mode, "Strict") != 0 && strcmp(mode, "Warn") != 0) {
        /* ValidateCreateOptions and its siblings. */
        k8sc_field_errors *errs = NULL;
        int rc = k8sc_field_errors_new(&errs);
        if (!rc)
            rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_NOT_SUPPORTED, "fieldValidation", mode,
                "supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"");
        if (!rc)
            rc = k8sc__status_invalid_kind(resp, "meta.k8s.io", strcmp(req->method, "POST") == 0 ? "CreateOptions"
                : strcmp(req->method, "PUT") == 0 ? "UpdateOptions" : "PatchOptions", "", errs);
        k8sc_field_errors_free(errs);
        return rc;
    }
    k8sc_object *body = NULL;
    k8sc_apiserver_response scratch = { 0 };
    int rc = k8sc__decode_body(&body, &scratch, req);
    k8sc_free(scratch.body);
    k8sc_free(scratch.content_type);
    if (rc || !body)
        return rc == K8SC_ENOMEM ? rc : 0; /* the handler reports a malformed body */
    struct json_object *unknown = json_object_new_array();
    rc = unknown ? k8sc__schema_prune(k8sc_object_json(body), schema, unknown) : K8SC_ENOMEM;
    if (!rc)
        json_object_array_sort(unknown, path_cmp);
    k8sc__buf msg = K8SC__BUF_INIT;
    for (size_t i = 0; !rc && i < json_object_array_length(unknown); i++) {
        const char *path = json_object_get_string(json_object_array_get_idx(unknown, i));
        if (mode && strcmp(mode, "Strict") == 0 && i == 0 && strcmp(req->method, "PATCH") != 0)
            /* Creates and updates word a decoding error as transformDecodeError does; patches do not. */
            k8sc__buf_printf(&msg, "%s in version \"%s\" cannot be handled as a %s: ", k8sc_resource_kind(r),
                k8sc_resource_version(r), k8sc_resource_kind(r));
        if (mode && strcmp(mode, "Strict") == 0)
            k8sc__buf_printf(&msg, "%sunknown field \"%s\"", i ? ", " : "strict decoding error: ", path);
        else
            k8sc__buf_printf(&msg, "%sunknown field \"%s\"", i ? "\n" : "", path);
    }
    if (!rc && k8sc__buf_status(&msg))
        rc = K8SC_ENOMEM;
    if (!rc && msg.ptr) {
        if (mode && strcmp(mode, "Strict") == 0) {
            rc = k8sc__status_bad_request(resp, "%s", msg.ptr);
        } else {
            k8sc_free(resp->warnings);
            resp->warnings = k8sc__buf_detach(&msg, NULL);
        }
    }
    k8sc__buf_free(&msg);
    json_object_put(unknown);
    k8sc_object_free(body);
    return rc;
}

static bool is_strategic(const char *ct)
{
    return ct && strncmp(ct, "application/strategic-merge-patch+json", 38) == 0;
}

int k8sc__crd_admit(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route)
{
    k8sc_object *crd = k8sc__crd_for(srv, route->resource);
    if (!crd)
        return 0;
    int rc = 0;
    const char *m = req->method;
    if (strcmp(m, "PATCH") == 0 && is_strategic(req->content_type)) {
        rc = k8sc__status_error(resp, 415, "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml", NULL);
    } else if (strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
               (strcmp(m, "PATCH") == 0 && req->content_type &&
                   strncmp(req->content_type, "application/merge-patch+json", 28) == 0)) {
        struct json_object *v = k8sc__crd_version(crd, k8sc_resource_version(route->resource));
        struct json_object *schema = k8sc__json_member(k8sc__json_member(v, "schema"), "openAPIV3Schema");
        /* A merge patch is a partial object: its unknown fields are the result's. */
        k8sc__request body = *req;
        if (strcmp(m, "PATCH") == 0)
            body.content_type = "application/json";
        if (schema)
            rc = field_validation(resp, &body, route->resource, schema);
    }
    k8sc_object_free(crd);
    return rc;
}
