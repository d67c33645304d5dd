/* Waiting for one object as kubectl wait does: until it is gone, exists, has a condition or a field value. */
#include "cli_internal.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#define POLL_MS 200

int k8sc__cli_wait_for_parse(k8sc__cli_wait_for *out, const char *spec)
{
    memset(out, 0, sizeof(*out));
    if (strcmp(spec, "delete") == 0) {
        out->what = K8SC__WAIT_DELETE;
        return 0;
    }
    if (strcmp(spec, "create") == 0) {
        out->what = K8SC__WAIT_CREATE;
        return 0;
    }
    if (strncmp(spec, "condition=", 10) == 0 && spec[10]) {
        out->what = K8SC__WAIT_CONDITION;
        const char *eq = strchr(spec + 10, '=');
        snprintf(out->name, sizeof(out->name), "%.*s", eq ? (int)(eq - spec - 10) : (int)strlen(spec + 10),
            spec + 10);
        snprintf(out->value, sizeof(out->value), "%s", eq ? eq + 1 : "True");
        return 0;
    }
    if (strncmp(spec, "jsonpath=", 9) == 0 && spec[9]) {
        out->what = K8SC__WAIT_JSONPATH;
        const char *expr = spec + 9, *close = strrchr(expr, '}');
        const char *eq = strchr(close ? close : expr, '=');
        if (eq && strchr(eq + 1, '='))
            return k8sc_error_set(K8SC_EINVAL, "jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'"
                                               "=3 or --for=jsonpath='{.status.readyReplicas}'");
        snprintf(out->name, sizeof(out->name), "%.*s", eq ? (int)(eq - expr) : (int)strlen(expr), expr);
        out->has_value = eq != NULL;
        snprintf(out->value, sizeof(out->value), "%s", eq ? eq + 1 : "");
        return 0;
    }
    return k8sc_error_set(K8SC_EINVAL, "unrecognized condition: \"%s\"", spec);
}

static bool condition_met(const k8sc_object *obj, const k8sc__cli_wait_for *w)
{
    struct json_object *conds = k8sc_object_get(obj, "status.conditions");
    for (size_t i = 0; json_object_is_type(conds, json_type_array) && i < json_object_array_length(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i), *v = NULL;
        const char *type = json_object_object_get_ex(c, "type", &v) ? json_object_get_string(v) : "";
        if (strcasecmp(type, w->name) != 0)
            continue;
        /* A condition observed for an older generation (its own, else the status') says nothing about this one. */
        int64_t observed = 0;
        bool has_observed = json_object_object_get_ex(c, "observedGeneration", &v);
        if (has_observed)
            observed = json_object_get_int64(v);
        else
            has_observed = k8sc_object_get_int(obj, "status.observedGeneration", &observed) == 0;
        if (has_observed && k8sc_object_has(obj, "metadata.generation") && observed < k8sc_object_generation(obj))
            return false;
        const char *status = json_object_object_get_ex(c, "status", &v) ? json_object_get_string(v) : "";
        return strcasecmp(status, w->value) == 0;
    }
    return false;
}

static int jsonpath_met(bool *met, const k8sc_object *obj, const k8sc__cli_wait_for *w)
{
    char *tmpl = NULL, *got = NULL;
    int rc = k8sc__cli_relaxed_jsonpath(&tmpl, w->name);
    if (!rc)
        rc = k8sc_cli_jsonpath(&got, tmpl, k8sc_object_json(obj));
    if (!rc)
        *met = w->has_value ? strcmp(got, w->value) == 0 : *got != '\0';
    k8sc_free(tmpl);
    k8sc_free(got);
    return rc;
}

static void pause_ms(int64_t ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int k8sc__cli_wait_object(k8sc_client *c, const k8sc_resource *r, const char *ns, const char *name, const char *uid,
    const k8sc__cli_wait_for *w, int64_t timeout_ms)
{
    int64_t deadline = k8sc__mono_ms() + timeout_ms;
    for (;;) {
        k8sc_object *obj = NULL;
        int rc = k8sc_client_get(&obj, c, k8sc_resource_api_version(r), k8sc_resource_kind(r), ns, name);
        bool met = false;
        if (rc == K8SC_ENOTFOUND && w->what == K8SC__WAIT_DELETE)
            return 0;
        if (rc && rc != K8SC_ENOTFOUND)
            return rc;
        if (rc == K8SC_ENOTFOUND && w->what != K8SC__WAIT_CREATE)
            return rc;
        if (!rc && w->what == K8SC__WAIT_DELETE)
            met = uid && k8sc_object_uid(obj) && strcmp(uid, k8sc_object_uid(obj)) != 0;
        else if (!rc && w->what == K8SC__WAIT_CREATE)
            met = true;
        else if (!rc && w->what == K8SC__WAIT_CONDITION)
            met = condition_met(obj, w);
        else if (!rc)
            rc = jsonpath_met(&met, obj, w);
        k8sc_object_free(obj);
        if (rc && rc != K8SC_ENOTFOUND)
            return rc;
        if (met)
            return 0;
        int64_t left = deadline - k8sc__mono_ms();
        if (left <= 0)
            return K8SC_ETIMEOUT;
        pause_ms(left < POLL_MS ? left : POLL_MS);
    }
}
