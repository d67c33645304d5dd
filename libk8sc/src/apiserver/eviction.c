/*
 * pods/eviction: a delete that respects PodDisruptionBudgets, as
 * EvictionREST.Create (pkg/registry/core/pod/storage/eviction.go). Pods
 * that are finished, pending or already being deleted go at once; else
 * the one PDB whose selector matches the pod must allow a disruption,
 * which is taken from its status (disruptionsAllowed decremented, the pod
 * recorded in disruptedPods) before the pod is deleted with the
 * Eviction's deleteOptions. Replies 201 Success.
 */
#include "apiserver_internal.h"

#include <string.h>

#define RETRIES 8

/* Evictions the disruption controller has not confirmed yet, at most (MaxDisruptedPodSize). */
#define MAX_DISRUPTED 2000

static const char budget_msg[] = "Cannot evict pod as it would violate the pod's disruption budget.";

static int too_many(k8sc_apiserver_response *resp, int retry_after, const char *cause)
{
    struct json_object *d = json_object_new_object(), *causes = json_object_new_array(),
                       *c = json_object_new_object();
    if (!d || !causes || !c) {
        json_object_put(d);
        json_object_put(causes);
        json_object_put(c);
        return k8sc__error_nomem();
    }
    json_object_object_add(c, "reason", json_object_new_string("DisruptionBudget"));
    json_object_object_add(c, "message", json_object_new_string(cause));
    json_object_array_add(causes, c);
    json_object_object_add(d, "causes", causes);
    if (retry_after > 0)
        json_object_object_add(d, "retryAfterSeconds", json_object_new_int(retry_after));
    return k8sc__status_error(resp, 429, "TooManyRequests", budget_msg, d);
}

static int forbidden(k8sc_apiserver_response *resp, const char *pdb, const char *why)
{
    char msg[512];
    snprintf(msg, sizeof(msg), "poddisruptionbudgets.policy \"%s\" is forbidden: %s", pdb, why);
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "name", json_object_new_string(pdb));
    json_object_object_add(d, "group", json_object_new_string("policy"));
    json_object_object_add(d, "kind", json_object_new_string("poddisruptionbudgets"));
    return k8sc__status_error(resp, 403, "Forbidden", msg, d);
}

static bool pod_ready(const k8sc_object *pod)
{
    struct json_object *conds = k8sc_object_get(pod, "status.conditions");
    for (size_t i = 0; conds && json_object_is_type(conds, json_type_array) && i < json_object_array_length(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        const char *type = k8sc__json_string(c, "type"), *status = k8sc__json_string(c, "status");
        if (type && strcmp(type, "Ready") == 0)
            return status && strcmp(status, "True") == 0;
    }
    return false;
}

/* canIgnorePDB: finished, pending or terminating pods need no budget. */
static bool can_ignore_pdb(const k8sc_object *pod)
{
    int64_t ts;
    const char *phase = k8sc_object_get_string(pod, "status.phase");
    if (phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0 || strcmp(phase, "Pending") == 0))
        return true;
    return k8sc_object_deletion_timestamp(pod, &ts) == 0;
}

static int64_t status_int(const k8sc_object *pdb, const char *path)
{
    int64_t v = 0;
    return k8sc_object_get_int(pdb, path, &v) == 0 ? v : 0;
}

/* The PDBs in the pod's namespace whose selector matches it (a missing selector matches nothing). */
static int matching_pdbs(k8sc_object ***out, size_t *count, int64_t **mods, k8sc_apiserver *srv,
    const k8sc_resource *r, const k8sc_object *pod)
{
    *out = NULL;
    *count = 0;
    *mods = NULL;
    char *prefix = k8sc__storage_key(r, k8sc_object_namespace(pod), NULL), *token = NULL;
    if (!prefix)
        return K8SC_ENOMEM;
    int rc = 0;
    do {
        k8sc_store_page *page = NULL;
        if ((rc = k8sc_store_list(&page, srv->store, prefix, 0, token, 0)))
            break;
        for (size_t i = 0; i < page->count && !rc; i++) {
            k8sc_object *pdb = NULL;
            k8sc_selector *sel = NULL;
            struct json_object *js = NULL;
            if ((rc = k8sc__object_from_kv(&pdb, page->items[i])))
                break;
            js = k8sc_object_get(pdb, "spec.selector");
            bool match = js && k8sc_selector_from_json(&sel, js) == 0 && k8sc_selector_matches_object(sel, pod);
            k8sc_selector_free(sel);
            k8sc_object **grown = match ? k8sc__realloc(*out, (*count + 1) * sizeof(**out)) : NULL;
            int64_t *gm = match && grown ? k8sc__realloc(*mods, (*count + 1) * sizeof(**mods)) : NULL;
            if (grown)
                *out = grown;
            if (gm)
                *mods = gm;
            if (match && (!grown || !gm)) {
                rc = K8SC_ENOMEM;
            } else if (match) {
                (*mods)[*count] = page->items[i]->mod_revision;
                (*out)[(*count)++] = pdb;
                pdb = NULL;
            }
            k8sc_object_free(pdb);
        }
        k8sc_free(token);
        token = !rc && page->continue_token ? k8sc__strdup(page->continue_token) : NULL;
        k8sc_store_page_free(page);
    } while (!rc && token);
    k8sc_free(token);
    k8sc_free(prefix);
    return rc;
}

/* UpdateDisruptionAllowedCondition. */
static int set_condition(k8sc_object *pdb, const char *now)
{
    bool allowed = status_int(pdb, "status.disruptionsAllowed") > 0;
    const char *status = allowed ? "True" : "False", *reason = allowed ? "SufficientPods" : "InsufficientPods";
    struct json_object *conds = k8sc_object_get(pdb, "status.conditions"), *c = NULL;
    for (size_t i = 0; conds && json_object_is_type(conds, json_type_array) && i < json_object_array_length(conds); i++) {
        const char *t = k8sc__json_string(json_object_array_get_idx(conds, i), "type");
        if (t && strcmp(t, "DisruptionAllowed") == 0)
            c = json_object_array_get_idx(conds, i);
    }
    if (!c) {
        if (!conds || !json_object_is_type(conds, json_type_array)) {
            conds = json_object_new_array();
            int rc = conds ? k8sc_object_set(pdb, "status.conditions", conds) : k8sc__error_nomem();
            if (rc) {
                json_object_put(conds);
                return rc;
            }
        }
        c = json_object_new_object();
        if (!c || json_object_array_add(conds, c) != 0) {
            json_object_put(c);
            return k8sc__error_nomem();
        }
        json_object_object_add(c, "type", json_object_new_string("DisruptionAllowed"));
    }
    const char *old = k8sc__json_string(c, "status");
    if (!old || strcmp(old, status) != 0)
        json_object_object_add(c, "lastTransitionTime", json_object_new_string(now));
    json_object_object_add(c, "status", json_object_new_string(status));
    json_object_object_add(c, "reason", json_object_new_string(reason));
    json_object_object_add(c, "message", json_object_new_string(""));
    json_object_object_add(c, "observedGeneration", json_object_new_int64(k8sc_object_generation(pdb)));
    return 0;
}

/* checkAndDecrement: 0 with the budget taken (written unless dry), a Status reply, or a store error. */
static int check_and_decrement(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc_resource *r,
    k8sc_object *pdb, int64_t mod, const char *pod, bool dry)
{
    const char *name = k8sc_object_name(pdb);
    char msg[512];
    if (status_int(pdb, "status.observedGeneration") < k8sc_object_generation(pdb)) {
        snprintf(msg, sizeof(msg), "The disruption budget %s is still being processed by the server.", name);
        return too_many(resp, 10, msg);
    }
    int64_t allowed = status_int(pdb, "status.disruptionsAllowed");
    if (allowed < 0)
        return forbidden(resp, name, "pdb disruptions allowed is negative");
    struct json_object *disrupted = k8sc_object_get(pdb, "status.disruptedPods");
    if (disrupted && json_object_is_type(disrupted, json_type_object) &&
        json_object_object_length(disrupted) > MAX_DISRUPTED)
        return forbidden(resp, name, "DisruptedPods map too big - too many evictions not confirmed by PDB controller");
    if (allowed == 0) {
        snprintf(msg, sizeof(msg), "The disruption budget %s needs %lld healthy pods and has %lld currently", name,
            (long long)status_int(pdb, "status.desiredHealthy"), (long long)status_int(pdb, "status.currentHealthy"));
        return too_many(resp, 0, msg);
    }
    char now[40];
    k8sc_time_format(now, sizeof(now), k8sc_clock_now(srv->clock) / 1000000000);
    int rc = k8sc_object_set_int(pdb, "status.disruptionsAllowed", allowed - 1);
    if (!rc && allowed - 1 == 0)
        rc = set_condition(pdb, now);
    if (rc || dry)
        return rc;
    if (!disrupted || !json_object_is_type(disrupted, json_type_object)) {
        disrupted = json_object_new_object();
        if ((rc = disrupted ? k8sc_object_set(pdb, "status.disruptedPods", disrupted) : k8sc__error_nomem())) {
            json_object_put(disrupted);
            return rc;
        }
    }
    json_object_object_add(disrupted, pod, json_object_new_string(now));
    k8sc__route pr = { .kind = K8SC__ROUTE_RESOURCE, .resource = r, .ns = k8sc_object_namespace(pdb), .name = name };
    return k8sc__write_back(srv, &pr, pdb, &mod);
}

/* Take a disruption from the budget covering `pod`, if any: 0 (allowed), a Status reply, or an error. */
static int take_budget(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc_object *pod, bool dry)
{
    const k8sc_resource *r = k8sc_registry_find_resource(srv->registry, "policy", "v1", "poddisruptionbudgets");
    if (!r)
        return 0;
    int rc = 0;
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        k8sc_object **pdbs = NULL;
        int64_t *mods = NULL;
        size_t n = 0;
        rc = matching_pdbs(&pdbs, &n, &mods, srv, r, pod);
        if (!rc && n > 1) {
            rc = k8sc__status_error(resp, 500, "InternalError",
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
                NULL);
        } else if (!rc && n == 1) {
            const char *policy = k8sc_object_get_string(pdbs[0], "spec.unhealthyPodEvictionPolicy");
            int64_t desired = status_int(pdbs[0], "status.desiredHealthy");
            bool unhealthy_ok = !pod_ready(pod) &&
                ((policy && strcmp(policy, "AlwaysAllow") == 0) ||
                    (status_int(pdbs[0], "status.currentHealthy") >= desired && desired > 0));
            if (!unhealthy_ok)
                rc = check_and_decrement(resp, srv, r, pdbs[0], mods[0], k8sc_object_name(pod), dry);
        }
        for (size_t i = 0; i < n; i++)
            k8sc_object_free(pdbs[i]);
        k8sc_free(pdbs);
        k8sc_free(mods);
        if (rc != K8SC_ECONFLICT)
            break;
    }
    if (rc == K8SC_ECONFLICT)
        return k8sc__status_error(resp, 429, "TooManyRequests", budget_msg, NULL);
    return rc;
}

/* Delete the pod as DELETE pods/NAME with the Eviction's deleteOptions would. */
static int delete_pod(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route, const k8sc_object *ev)
{
    struct json_object *opts = k8sc_object_get(ev, "deleteOptions");
    char *text = NULL;
    size_t len = 0;
    int rc = opts ? k8sc_json_encode(&text, &len, opts, 0) : 0;
    if (rc)
        return rc;
    k8sc__request sub = *req;
    sub.method = "DELETE";
    sub.content_type = "application/json";
    sub.body = text;
    sub.body_len = len;
    k8sc__route pod = *route;
    pod.subresource = NULL;
    pod.storage = NULL;
    k8sc_apiserver_response del = { 0 };
    rc = k8sc__handle_resource(&del, srv, &sub, &pod);
    k8sc_free(text);
    if (!rc && del.status >= 300) {
        *resp = del;
        return 0;
    }
    k8sc_free(del.body);
    k8sc_free(del.content_type);
    k8sc_free(del.warnings);
    return rc ? rc : k8sc__status_error(resp, 201, NULL, NULL, NULL);
}

int k8sc__handle_eviction(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route)
{
    if (strcmp(req->method, "POST") != 0)
        return k8sc__status_method_not_allowed(resp);
    k8sc_object *ev = NULL, *pod = NULL;
    int rc = k8sc__decode_body(&ev, resp, req);
    if (rc || resp->status)
        return rc;
    const char *name = k8sc_object_name(ev);
    if (!name || strcmp(name, route->name) != 0)
        rc = k8sc__status_bad_request(resp, "name in URL does not match name in Eviction object");
    if (!rc && !resp->status) {
        char *key = k8sc__storage_key(route->resource, route->ns, route->name);
        k8sc_store_kv *kv = NULL;
        rc = key ? k8sc_store_get(&kv, srv->store, key, 0) : K8SC_ENOMEM;
        k8sc_free(key);
        if (rc && rc != K8SC_ENOMEM)
            rc = k8sc__status_from_code(resp, rc, route->resource, route->name);
        else if (!rc)
            rc = k8sc__object_from_kv(&pod, kv);
        k8sc_store_kv_free(kv);
    }
    const char *dry = k8sc__query_get(req, "dryRun");
    if (!rc && !resp->status && !can_ignore_pdb(pod))
        rc = take_budget(resp, srv, pod, dry && strcmp(dry, "All") == 0);
    if (!rc && !resp->status)
        rc = delete_pod(resp, srv, req, route, ev);
    k8sc_object_free(pod);
    k8sc_object_free(ev);
    return rc;
}
