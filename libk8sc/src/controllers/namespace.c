/*
 * The namespace controller (Kubernetes' pkg/controller/namespace and its
 * deletion.namespacedResourcesDeleter): once a namespace has a
 * deletionTimestamp, delete every namespaced object in it, of every
 * resource discovery lists with the "delete" verb, wait for their
 * finalizers and the pods' grace periods, report progress in the
 * namespace's status conditions, then remove the "kubernetes" finalizer
 * through the finalize subresource, after which the API server removes
 * the namespace.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

#define SEC 1000000000LL
/* namespaceDeletionGracePeriod: how long after the delete the controller starts, for HA API servers to agree. */
#define DELETION_GRACE_SECONDS 5
/* finalizerEstimateSeconds: the wait assumed for an object held by a finalizer. */
#define FINALIZER_ESTIMATE_SECONDS 15
#define FINALIZER_TOKEN "kubernetes"

typedef struct ns_state {
    k8sc_controller *ctl;
    k8sc_clock *clock;
    k8sc_ratelimiter *limiter;
} ns_state;

/* ---- string lists ---- */

typedef struct strlist {
    char **v;
    size_t n;
} strlist;

/* A JSON string's text, or "" for anything else (a server may send anything). */
static const char *str_of(struct json_object *v)
{
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

static int strlist_addf(strlist *l, const char *fmt, ...) K8SC_PRINTF(2, 3);

static int strlist_addf(strlist *l, const char *fmt, ...)
{
    k8sc__buf b = K8SC__BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    k8sc__buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char **v = k8sc__buf_status(&b) ? NULL : realloc(l->v, (l->n + 1) * sizeof(*v));
    if (!v) {
        k8sc__buf_free(&b);
        return k8sc__error_nomem();
    }
    l->v = v;
    l->v[l->n++] = k8sc__buf_detach(&b, NULL);
    return 0;
}

static void strlist_clear(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted strings joined by ", " into `b`. */
static void strlist_join(k8sc__buf *b, strlist *l)
{
    qsort(l->v, l->n, sizeof(*l->v), cmp_str);
    for (size_t i = 0; i < l->n; i++)
        k8sc__buf_printf(b, "%s%s", i ? ", " : "", l->v[i]);
}

/* ---- discovery ---- */

/* A namespaced resource that can be deleted, in its preferred version. */
typedef struct gvr {
    char *group, *version, *plural;
    bool deletecollection, list;
} gvr;

typedef struct pass {
    gvr *res;
    size_t nres;
    strlist discovery_failed; /* "group/version: message" */
    char *discovery_error;    /* /api or /apis itself failed */
    strlist gv_errors;        /* unparsable group versions */
    strlist content_errors;
    strlist remaining;        /* "pods. has 2 resource instances" */
    struct { char *name; int64_t count; } *finalizers;
    size_t nfinalizers;
    int64_t estimate;
} pass;

static void pass_clear(pass *p)
{
    for (size_t i = 0; i < p->nres; i++) {
        free(p->res[i].group);
        free(p->res[i].version);
        free(p->res[i].plural);
    }
    free(p->res);
    strlist_clear(&p->discovery_failed);
    free(p->discovery_error);
    strlist_clear(&p->gv_errors);
    strlist_clear(&p->content_errors);
    strlist_clear(&p->remaining);
    for (size_t i = 0; i < p->nfinalizers; i++)
        free(p->finalizers[i].name);
    free(p->finalizers);
}

static int get_json(struct json_object **out, k8sc_client *client, const char *path)
{
    char *body = NULL;
    *out = NULL;
    int rc = k8sc_client_request(&body, NULL, client, "GET", path, NULL, NULL, 0);
    if (rc == 0)
        rc = k8sc_json_parse(out, body ? body : "", body ? strlen(body) : 0);
    k8sc_free(body);
    return rc;
}

static bool has_verb(struct json_object *res, const char *verb)
{
    struct json_object *verbs = json_object_object_get(res, "verbs");
    for (size_t i = 0; json_object_is_type(verbs, json_type_array) && i < json_object_array_length(verbs); i++)
        if (strcmp(str_of(json_object_array_get_idx(verbs, i)), verb) == 0)
            return true;
    return false;
}

static bool known(const pass *p, const char *group, const char *plural)
{
    for (size_t i = 0; i < p->nres; i++)
        if (strcmp(p->res[i].group, group) == 0 && strcmp(p->res[i].plural, plural) == 0)
            return true;
    return false;
}

/* Add the deletable namespaced resources of one group version not already taken from a preferred one. */
static int add_group_version(pass *p, k8sc_client *client, const char *group, const char *version)
{
    char path[512];
    if (*group)
        snprintf(path, sizeof(path), "/apis/%s/%s", group, version);
    else
        snprintf(path, sizeof(path), "/api/%s", version);
    struct json_object *list;
    int rc = get_json(&list, client, path);
    if (rc == K8SC_ENOMEM)
        return rc;
    if (rc)
        return strlist_addf(&p->discovery_failed, "%s%s%s: %s", group, *group ? "/" : "", version, k8sc_error_last());
    struct json_object *items = json_object_object_get(list, "resources");
    for (size_t i = 0; rc == 0 && json_object_is_type(items, json_type_array) && i < json_object_array_length(items);
         i++) {
        struct json_object *r = json_object_array_get_idx(items, i);
        const char *name = json_object_get_string(json_object_object_get(r, "name"));
        if (!name || strchr(name, '/') || !json_object_get_boolean(json_object_object_get(r, "namespaced")) ||
            !has_verb(r, "delete") || known(p, group, name))
            continue;
        gvr *res = realloc(p->res, (p->nres + 1) * sizeof(*res));
        if (!res) {
            rc = k8sc__error_nomem();
            break;
        }
        p->res = res;
        gvr *g = &p->res[p->nres];
        *g = (gvr){ k8sc__strdup(group), k8sc__strdup(version), k8sc__strdup(name), has_verb(r, "deletecollection"),
            has_verb(r, "list") };
        p->nres++;
        if (!g->group || !g->version || !g->plural)
            rc = K8SC_ENOMEM;
    }
    json_object_put(list);
    return rc;
}

/* A group's versions, preferred first, as "group/version" strings. */
static int group_versions(pass *p, k8sc_client *client, struct json_object *grp)
{
    const char *name = json_object_get_string(json_object_object_get(grp, "name"));
    struct json_object *pref = json_object_object_get(grp, "preferredVersion");
    struct json_object *versions = json_object_object_get(grp, "versions");
    const char *pref_gv = json_object_get_string(json_object_object_get(pref, "groupVersion"));
    size_t n = json_object_is_type(versions, json_type_array) ? json_object_array_length(versions) : 0;
    int rc = 0;
    for (size_t pass_no = 0; pass_no < 2 && rc == 0; pass_no++) {
        for (size_t i = 0; i < n && rc == 0; i++) {
            const char *gv = json_object_get_string(
                json_object_object_get(json_object_array_get_idx(versions, i), "groupVersion"));
            bool preferred = gv && pref_gv && strcmp(gv, pref_gv) == 0;
            if (!gv || (pass_no == 0) != preferred)
                continue;
            const char *slash = strchr(gv, '/');
            if (!slash || strchr(slash + 1, '/') || !name || strncmp(gv, name, (size_t)(slash - gv)) != 0 ||
                name[slash - gv] != '\0') {
                rc = strlist_addf(&p->gv_errors, "unexpected GroupVersion string: %s", gv);
                continue;
            }
            rc = add_group_version(p, client, name, slash + 1);
        }
    }
    return rc;
}

/* ServerPreferredNamespacedResources filtered by the "delete" verb. */
static int discover(pass *p, k8sc_client *client)
{
    struct json_object *api = NULL, *apis = NULL;
    int rc = get_json(&api, client, "/api");
    if (rc == 0)
        rc = get_json(&apis, client, "/apis");
    if (rc && rc != K8SC_ENOMEM) {
        p->discovery_error = k8sc__strdup(k8sc_error_last());
        rc = p->discovery_error ? 0 : K8SC_ENOMEM;
    } else if (rc == 0) {
        struct json_object *versions = json_object_object_get(api, "versions");
        for (size_t i = 0; rc == 0 && json_object_is_type(versions, json_type_array) &&
             i < json_object_array_length(versions); i++) {
            const char *v = str_of(json_object_array_get_idx(versions, i));
            rc = *v ? add_group_version(p, client, "", v) : 0;
        }
        struct json_object *groups = json_object_object_get(apis, "groups");
        for (size_t i = 0; rc == 0 && json_object_is_type(groups, json_type_array) &&
             i < json_object_array_length(groups); i++)
            rc = group_versions(p, client, json_object_array_get_idx(groups, i));
    }
    json_object_put(api);
    json_object_put(apis);
    return rc;
}

/* ---- deleting content ---- */

static void collection_path(char *buf, size_t size, const gvr *g, const char *ns)
{
    if (*g->group)
        snprintf(buf, size, "/apis/%s/%s/namespaces/%s/%s", g->group, g->version, ns, g->plural);
    else
        snprintf(buf, size, "/api/%s/namespaces/%s/%s", g->version, ns, g->plural);
}

/* The namespace controller's DeleteOptions: background, so that the GC adds no orphan finalizer. */
static const char DELETE_OPTIONS[] =
    "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"propagationPolicy\":\"Background\"}";

static int list_items(struct json_object **out, k8sc_client *client, const char *path)
{
    struct json_object *list;
    int rc = get_json(&list, client, path);
    if (rc)
        return rc;
    struct json_object *items = json_object_object_get(list, "items");
    *out = json_object_is_type(items, json_type_array) ? json_object_get(items) : json_object_new_array();
    json_object_put(list);
    return *out ? 0 : k8sc__error_nomem();
}

/* deleteEachItem: list and delete one by one; objects already gone are fine. */
static int delete_each(k8sc_client *client, const char *path)
{
    struct json_object *items;
    int rc = list_items(&items, client, path);
    for (size_t i = 0; rc == 0 && i < json_object_array_length(items); i++) {
        struct json_object *md = json_object_object_get(json_object_array_get_idx(items, i), "metadata");
        char one[1024];
        snprintf(one, sizeof(one), "%s/%s", path, str_of(json_object_object_get(md, "name")));
        rc = k8sc_client_request(NULL, NULL, client, "DELETE", one, "application/json", DELETE_OPTIONS,
            sizeof(DELETE_OPTIONS) - 1);
        if (rc == K8SC_ENOTFOUND)
            rc = 0;
    }
    if (rc == 0)
        json_object_put(items);
    return rc;
}

/* estimateGracefulTerminationForPods: the longest grace period of the pods not yet finished. */
static int64_t pods_estimate(k8sc_client *client, const char *path)
{
    struct json_object *items;
    if (list_items(&items, client, path) < 0)
        return 0;
    int64_t est = 0;
    for (size_t i = 0; i < json_object_array_length(items); i++) {
        struct json_object *pod = json_object_array_get_idx(items, i);
        const char *phase = json_object_get_string(
            json_object_object_get(json_object_object_get(pod, "status"), "phase"));
        if (phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0))
            continue;
        int64_t grace = k8sc__json_int(json_object_object_get(pod, "spec"), "terminationGracePeriodSeconds", 0);
        if (grace > est)
            est = grace;
    }
    json_object_put(items);
    return est;
}

static int count_finalizer(pass *p, const char *name)
{
    for (size_t i = 0; i < p->nfinalizers; i++)
        if (strcmp(p->finalizers[i].name, name) == 0) {
            p->finalizers[i].count++;
            return 0;
        }
    void *f = realloc(p->finalizers, (p->nfinalizers + 1) * sizeof(*p->finalizers));
    if (!f)
        return k8sc__error_nomem();
    p->finalizers = f;
    if (!(p->finalizers[p->nfinalizers].name = k8sc__strdup(name)))
        return K8SC_ENOMEM;
    p->finalizers[p->nfinalizers++].count = 1;
    return 0;
}

/*
 * deleteAllContentForGroupVersionResource: delete what `g` holds in
 * `ns`, then count what remains and the finalizers holding it. Failures
 * become content errors (ENOMEM is returned).
 */
static int delete_resource(pass *p, k8sc_client *client, const gvr *g, const char *ns, int64_t elapsed)
{
    char path[512];
    collection_path(path, sizeof(path), g, ns);
    int64_t estimate = 0;
    if (*g->group == '\0' && strcmp(g->plural, "pods") == 0) {
        estimate = pods_estimate(client, path);
        if (elapsed >= estimate)
            estimate = 0;
    }
    int rc = 0, http = 405;
    if (g->deletecollection)
        rc = k8sc_client_request(NULL, &http, client, "DELETE", path, "application/json", DELETE_OPTIONS,
            sizeof(DELETE_OPTIONS) - 1);
    /* As the deleter: a collection delete the server does not support or know falls back to one at a time. */
    if (http == 405 || http == 404)
        rc = delete_each(client, path);
    struct json_object *items = NULL;
    if (rc == 0 && g->list)
        rc = list_items(&items, client, path);
    if (rc) {
        if (estimate > p->estimate)
            p->estimate = estimate;
        return rc == K8SC_ENOMEM ? rc : strlist_addf(&p->content_errors, "%s", k8sc_error_last());
    }
    size_t n = items ? json_object_array_length(items) : 0;
    bool finalized = false;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct json_object *md = json_object_object_get(json_object_array_get_idx(items, i), "metadata");
        struct json_object *fin = json_object_object_get(md, "finalizers");
        for (size_t j = 0; rc == 0 && json_object_is_type(fin, json_type_array) && j < json_object_array_length(fin); j++) {
            rc = count_finalizer(p, str_of(json_object_array_get_idx(fin, j)));
            finalized = true;
        }
    }
    json_object_put(items);
    if (rc == 0 && n > 0)
        rc = strlist_addf(&p->remaining, "%s.%s has %zu resource instances", g->plural, g->group, n);
    if (rc == 0 && n > 0 && estimate == 0) {
        /* Items remain with no grace period to wait for: a finalizer holds them, or something is wrong. */
        if (finalized)
            estimate = FINALIZER_ESTIMATE_SECONDS;
        else
            rc = strlist_addf(&p->content_errors, "unexpected items still remain in namespace: %s for gvr: %s/%s, "
                "Resource=%s", ns, g->group, g->version, g->plural);
    }
    if (estimate > p->estimate)
        p->estimate = estimate;
    return rc;
}

/* ---- status conditions ---- */

static const struct {
    const char *type, *ok_reason, *ok_message;
} COND_TYPES[] = {
    { "NamespaceDeletionDiscoveryFailure", "ResourcesDiscovered", "All resources successfully discovered" },
    { "NamespaceDeletionGroupVersionParsingFailure", "ParsedGroupVersions", "All legacy kube types successfully parsed" },
    { "NamespaceDeletionContentFailure", "ContentDeleted", "All content successfully deleted, may be waiting on finalization" },
    { "NamespaceContentRemaining", "ContentRemoved", "All content successfully removed" },
    { "NamespaceFinalizersRemaining", "ContentHasNoFinalizers", "All content-preserving finalizers finished" },
};

/* The failing variant of condition `i` as reason and message (in `msg`), or false for the ok one. */
static bool failing(const char **reason, k8sc__buf *msg, pass *p, size_t i)
{
    switch (i) {
    case 0:
        if (p->discovery_error) {
            k8sc__buf_puts(msg, p->discovery_error);
        } else if (p->discovery_failed.n) {
            k8sc__buf_printf(msg, "Discovery failed for some groups, %zu failing: unable to retrieve the complete "
                "list of server APIs: ", p->discovery_failed.n);
            strlist_join(msg, &p->discovery_failed);
        } else {
            return false;
        }
        *reason = "DiscoveryFailed";
        return true;
    case 1:
        if (!p->gv_errors.n)
            return false;
        /* An aggregate of one error reads as that error, of several as "[a, b]". */
        k8sc__buf_puts(msg, p->gv_errors.n > 1 ? "[" : "");
        strlist_join(msg, &p->gv_errors);
        k8sc__buf_puts(msg, p->gv_errors.n > 1 ? "]" : "");
        *reason = "GroupVersionParsingFailed";
        return true;
    case 2:
        if (!p->content_errors.n)
            return false;
        k8sc__buf_printf(msg, "Failed to delete all resource types, %zu remaining: ", p->content_errors.n);
        strlist_join(msg, &p->content_errors);
        *reason = "ContentDeletionFailed";
        return true;
    case 3:
        if (!p->remaining.n)
            return false;
        k8sc__buf_puts(msg, "Some resources are remaining: ");
        strlist_join(msg, &p->remaining);
        *reason = "SomeResourcesRemain";
        return true;
    default: {
        if (!p->nfinalizers)
            return false;
        strlist by = { 0 };
        for (size_t j = 0; j < p->nfinalizers; j++)
            strlist_addf(&by, "%s in %lld resource instances", p->finalizers[j].name,
                (long long)p->finalizers[j].count);
        k8sc__buf_puts(msg, "Some content in the namespace has finalizers remaining: ");
        strlist_join(msg, &by);
        strlist_clear(&by);
        *reason = "SomeFinalizersRemain";
        return true;
    }
    }
}

static struct json_object *find_condition(struct json_object *conds, const char *type)
{
    for (size_t i = 0; i < json_object_array_length(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        const char *t = json_object_get_string(json_object_object_get(c, "type"));
        if (t && strcmp(t, type) == 0)
            return c;
    }
    return NULL;
}

static void set_str(struct json_object *o, const char *key, const char *value)
{
    json_object_object_add(o, key, json_object_new_string(value));
}

/* updateConditions: the namespace's status with the five conditions of this pass, as a new JSON object. */
static int new_status(struct json_object **out, const k8sc_object *ns, pass *p, int64_t now)
{
    struct json_object *status = NULL, *cur = k8sc_object_get(ns, "status");
    if (cur ? json_object_deep_copy(cur, &status, NULL) != 0 : !(status = json_object_new_object()))
        return k8sc__error_nomem();
    struct json_object *conds = json_object_object_get(status, "conditions");
    if (!json_object_is_type(conds, json_type_array)) {
        conds = json_object_new_array();
        json_object_object_add(status, "conditions", conds);
    }
    char ts[K8SC_TIME_BUFSIZE];
    k8sc_time_format(ts, sizeof(ts), now);
    int rc = 0;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(COND_TYPES) && rc == 0; i++) {
        k8sc__buf msg = K8SC__BUF_INIT;
        const char *reason = COND_TYPES[i].ok_reason;
        bool bad = failing(&reason, &msg, p, i);
        if (!bad)
            k8sc__buf_puts(&msg, COND_TYPES[i].ok_message);
        if ((rc = k8sc__buf_status(&msg)) < 0) {
            k8sc__buf_free(&msg);
            break;
        }
        const char *st = bad ? "True" : "False";
        struct json_object *c = find_condition(conds, COND_TYPES[i].type);
        if (!c) {
            c = json_object_new_object();
            set_str(c, "type", COND_TYPES[i].type);
            set_str(c, "status", st);
            set_str(c, "lastTransitionTime", ts);
            set_str(c, "reason", reason);
            set_str(c, "message", msg.ptr);
            json_object_array_add(conds, c);
        } else {
            const char *old_st = json_object_get_string(json_object_object_get(c, "status"));
            if (!old_st || strcmp(old_st, st) != 0)
                set_str(c, "lastTransitionTime", ts);
            set_str(c, "status", st);
            set_str(c, "reason", reason);
            set_str(c, "message", msg.ptr);
        }
        k8sc__buf_free(&msg);
    }
    if (rc) {
        json_object_put(status);
        return rc;
    }
    *out = status;
    return 0;
}

/* ---- sync ---- */

static bool held_by(const k8sc_object *ns, const char *token)
{
    struct json_object *f = k8sc_object_get(ns, "spec.finalizers");
    for (size_t i = 0; json_object_is_type(f, json_type_array) && i < json_object_array_length(f); i++)
        if (!token || strcmp(str_of(json_object_array_get_idx(f, i)), token) == 0)
            return true;
    return false;
}

/* finalizeNamespace: spec.finalizers without ours, through /finalize; re-read and retried on a conflict. */
static int finalize(k8sc_client *client, k8sc_object *ns)
{
    int rc = 0;
    k8sc_object *cur = k8sc_object_ref(ns);
    for (int attempt = 0; attempt < 5; attempt++) {
        k8sc_object *copy;
        if ((rc = k8sc_object_dup(&copy, cur)) < 0)
            break;
        struct json_object *f = k8sc_object_get(cur, "spec.finalizers"), *keep = json_object_new_array();
        for (size_t i = 0; json_object_is_type(f, json_type_array) && i < json_object_array_length(f); i++) {
            const char *s = str_of(json_object_array_get_idx(f, i));
            if (strcmp(s, FINALIZER_TOKEN) != 0)
                json_object_array_add(keep, json_object_new_string(s));
        }
        rc = k8sc_object_set(copy, "spec.finalizers", keep);
        char *body = NULL, path[320];
        size_t len = 0;
        if (rc == 0)
            rc = k8sc_object_to_json(&body, &len, copy, 0);
        k8sc_object_free(copy);
        if (rc < 0)
            break;
        snprintf(path, sizeof(path), "/api/v1/namespaces/%s/finalize", k8sc_object_name(cur));
        rc = k8sc_client_request(NULL, NULL, client, "PUT", path, "application/json", body, len);
        k8sc_free(body);
        if (rc != K8SC_ECONFLICT)
            break;
        k8sc_object_free(cur);
        cur = NULL;
        if ((rc = k8sc_client_get(&cur, client, "v1", "Namespace", "", k8sc_object_name(ns))) < 0)
            break;
        if (!held_by(cur, FINALIZER_TOKEN))
            break;
    }
    k8sc_object_free(cur);
    /* Someone finished the job first. */
    return rc == K8SC_ENOTFOUND ? 0 : rc;
}

/* Every error of the pass, joined, as the error the reconcile returns (utilerrors.NewAggregate). */
static int pass_error(pass *p)
{
    strlist all = { 0 };
    if (p->discovery_error)
        strlist_addf(&all, "%s", p->discovery_error);
    else if (p->discovery_failed.n) {
        k8sc__buf b = K8SC__BUF_INIT;
        strlist_join(&b, &p->discovery_failed);
        strlist_addf(&all, "unable to retrieve the complete list of server APIs: %s", b.ptr ? b.ptr : "");
        k8sc__buf_free(&b);
    }
    for (size_t i = 0; i < p->gv_errors.n; i++)
        strlist_addf(&all, "%s", p->gv_errors.v[i]);
    for (size_t i = 0; i < p->content_errors.n; i++)
        strlist_addf(&all, "%s", p->content_errors.v[i]);
    if (!all.n) {
        strlist_clear(&all);
        return 0;
    }
    k8sc__buf b = K8SC__BUF_INIT;
    strlist_join(&b, &all);
    int rc = k8sc_error_set(K8SC_ERROR, "%s%s%s", all.n > 1 ? "[" : "", b.ptr ? b.ptr : "", all.n > 1 ? "]" : "");
    k8sc__buf_free(&b);
    strlist_clear(&all);
    return rc;
}

static int sync(k8sc_reconcile_result *res, k8sc_controller *ctl, const char *nsname, const char *name, void *ud)
{
    ns_state *st = ud;
    (void)nsname;
    k8sc_client *client = k8sc_controller_client(ctl);
    k8sc_object *ns;
    /* The latest state, not the cache's: other controllers edit a namespace while it terminates. */
    int rc = k8sc_client_get(&ns, client, "v1", "Namespace", "", name);
    if (rc == K8SC_ENOTFOUND)
        return 0;
    if (rc < 0)
        return rc;
    int64_t deleted_at, now = k8sc_clock_now(st->clock) / SEC;
    if (k8sc_object_deletion_timestamp(ns, &deleted_at) != 0 || !held_by(ns, NULL)) {
        k8sc_object_free(ns);
        return 0;
    }
    if (now < deleted_at + DELETION_GRACE_SECONDS) {
        res->action = K8SC_RECONCILE_REQUEUE_AFTER;
        res->requeue_after_ns = (deleted_at + DELETION_GRACE_SECONDS - now) * SEC;
        k8sc_object_free(ns);
        return 0;
    }
    const char *phase = k8sc_object_get_string(ns, "status.phase");
    if (!phase || strcmp(phase, "Terminating") != 0) {
        struct json_object *status = NULL, *cur = k8sc_object_get(ns, "status");
        if (cur ? json_object_deep_copy(cur, &status, NULL) != 0 : !(status = json_object_new_object())) {
            k8sc_object_free(ns);
            return k8sc__error_nomem();
        }
        json_object_object_add(status, "phase", json_object_new_string("Terminating"));
        k8sc_object *fresh = NULL;
        rc = k8sc__write_status_get(&fresh, client, ns, status);
        k8sc_object_free(ns);
        if (rc < 0)
            return rc == K8SC_ENOTFOUND ? 0 : rc;
        ns = fresh;
    }
    pass p = { 0 };
    rc = discover(&p, client);
    for (size_t i = 0; rc == 0 && i < p.nres; i++)
        rc = delete_resource(&p, client, &p.res[i], name, now - deleted_at);
    struct json_object *status = NULL;
    if (rc == 0)
        rc = new_status(&status, ns, &p, now);
    if (rc == 0 && (rc = k8sc__write_status(client, ns, status, NULL)) < 0 && rc != K8SC_ENOMEM)
        k8sc_log(K8SC_LOG_WARN, "namespace-controller: couldn't update status condition for namespace %s: %s", name,
            k8sc_error_last());
    if (rc != K8SC_ENOMEM)
        rc = pass_error(&p);
    if (rc == 0 && p.estimate > 0) {
        /* Content remains: come back after about half the time it should take. */
        res->action = K8SC_RECONCILE_REQUEUE_AFTER;
        res->requeue_after_ns = (p.estimate / 2 + 1) * SEC;
    } else if (rc == 0) {
        rc = finalize(client, ns);
    }
    pass_clear(&p);
    k8sc_object_free(ns);
    return rc;
}

static void state_free(void *ud)
{
    ns_state *st = ud;
    k8sc_ratelimiter_free(st->limiter);
    free(st);
}

int k8sc_namespace_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts)
{
    K8SC__CHECK_ARG(out);
    ns_state *st = k8sc__calloc(1, sizeof(*st));
    if (!st)
        return K8SC_ENOMEM;
    st->clock = opts && opts->clock ? opts->clock : k8sc_clock_system();
    /* nsControllerRateLimiter: 5 ms doubling to 60 s per namespace. */
    int rc = k8sc_ratelimiter_exponential_new(&st->limiter, 5000000, 60 * SEC);
    if (rc < 0) {
        free(st);
        return rc;
    }
    const k8sc__builtin_spec spec = { "namespace-controller", "v1", "Namespace", sync, state_free, st->limiter };
    if ((rc = k8sc__builtin_new(&st->ctl, client, opts, &spec, st)) < 0)
        return rc;
    *out = st->ctl;
    return 0;
}
