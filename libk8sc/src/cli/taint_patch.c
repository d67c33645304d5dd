/*
 * kubectl taint: "KEY[=VALUE]:EFFECT" adds a taint, "KEY[:EFFECT]-"
 * removes taints; the new list puts the added taints first, then the old
 * ones they do not replace (the same key and effect), as kubectl does.
 */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>

#define SPEC_MAX 600

typedef struct {
    char key[SPEC_MAX];
    char value[SPEC_MAX];
    char effect[SPEC_MAX];
    bool remove;
} taint;

static bool valid_effect(const char *e)
{
    return strcmp(e, "NoSchedule") == 0 || strcmp(e, "PreferNoSchedule") == 0 || strcmp(e, "NoExecute") == 0;
}

/* The validator's messages for `value` joined by "; ", or NULL when valid. */
static char *invalid(int (*validate)(k8sc_field_errors *, const char *, const char *), const char *value)
{
    if (validate(NULL, NULL, value) == 0)
        return NULL;
    k8sc_field_errors *errs = NULL;
    k8sc__buf b = K8SC__BUF_INIT;
    if (k8sc_field_errors_new(&errs) == 0 && validate(errs, "x", value) >= 0) {
        for (size_t i = 0; i < k8sc_field_errors_count(errs); i++) {
            k8sc_field_error e;
            if (k8sc_field_errors_at(errs, i, &e) == 0)
                k8sc__buf_printf(&b, "%s%s", i ? "; " : "", e.detail);
        }
    }
    k8sc_field_errors_free(errs);
    return b.ptr ? k8sc__buf_detach(&b, NULL) : k8sc__strdup("invalid");
}

static int parse(taint *t, const char *spec)
{
    memset(t, 0, sizeof(*t));
    size_t len = strlen(spec);
    char text[SPEC_MAX];
    if (len >= sizeof(text))
        return k8sc_error_set(K8SC_EINVAL, "invalid taint spec: %s", spec);
    memcpy(text, spec, len + 1);
    if (len && text[len - 1] == '-') {
        t->remove = true;
        text[--len] = '\0';
    }
    char *colon = strchr(text, ':'), *eq = strchr(text, '=');
    if (colon) {
        *colon = '\0';
        snprintf(t->effect, sizeof(t->effect), "%s", colon + 1);
    }
    if (eq && (!colon || eq < colon)) {
        *eq = '\0';
        snprintf(t->value, sizeof(t->value), "%s", eq + 1);
    }
    snprintf(t->key, sizeof(t->key), "%s", text);
    if ((!t->remove && !colon) || strchr(t->value, '=') || strchr(t->effect, ':') || (t->remove && eq && !colon))
        return k8sc_error_set(K8SC_EINVAL, "invalid taint spec: %s", spec);
    if (*t->effect && !valid_effect(t->effect))
        return k8sc_error_set(K8SC_EINVAL, "invalid taint effect: %s, unsupported taint effect", t->effect);
    char *why = invalid(k8sc_validate_qualified_name, t->key);
    if (!why && *t->value)
        why = invalid(k8sc_validate_label_value, t->value);
    if (why) {
        int rc = k8sc_error_set(K8SC_EINVAL, "invalid taint spec: %s, %s", spec, why);
        free(why);
        return rc;
    }
    return 0;
}

static bool matches(struct json_object *old, const taint *t)
{
    return strcmp(json_object_get_string(json_object_object_get(old, "key")), t->key) == 0 &&
           (!*t->effect || strcmp(json_object_get_string(json_object_object_get(old, "effect")), t->effect) == 0);
}

static struct json_object *taint_json(const taint *t)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "effect", json_object_new_string(t->effect));
    json_object_object_add(o, "key", json_object_new_string(t->key));
    if (*t->value)
        json_object_object_add(o, "value", json_object_new_string(t->value));
    return o;
}

/* Apply the parsed changes to `old` (the node's taints) into `list`; `*removed_all` says every removal matched. */
static int reorganize(struct json_object *list, struct json_object *old, const taint *ts, size_t n, bool *added,
    k8sc__buf *notfound)
{
    size_t nold = json_object_is_type(old, json_type_array) ? json_object_array_length(old) : 0;
    for (size_t i = 0; i < n; i++)
        if (!ts[i].remove && json_object_array_add(list, taint_json(&ts[i])))
            return k8sc__error_nomem();
    for (size_t k = 0; k < nold; k++) {
        struct json_object *o = json_object_array_get_idx(old, k);
        bool replaced = false;
        for (size_t i = 0; i < n && !replaced; i++)
            replaced = !ts[i].remove && matches(o, &ts[i]);
        if (!replaced && json_object_array_add(list, json_object_get(o)))
            return k8sc__error_nomem();
    }
    *added = nold != json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        if (!ts[i].remove)
            continue;
        bool removed = false;
        for (size_t k = json_object_array_length(list); k-- > 0;)
            if (matches(json_object_array_get_idx(list, k), &ts[i])) {
                json_object_array_del_idx(list, k, 1);
                removed = true;
            }
        if (!removed)
            k8sc__buf_printf(notfound, "%staint \"%s%s%s\" not found", notfound->len ? "\n" : "", ts[i].key,
                *ts[i].effect ? ":" : "", ts[i].effect);
    }
    return k8sc__buf_status(notfound);
}

int k8sc_cli_taint_patch(char **out, const char **result, const k8sc_object *node, const char *const *specs,
    size_t n, bool overwrite)
{
    K8SC__CHECK_ARG(out && result && node && (specs || n == 0));
    *out = NULL;
    *result = NULL;
    if (n == 0)
        return k8sc_error_set(K8SC_EINVAL, "at least one taint update is required");
    taint *ts = k8sc__calloc(n, sizeof(*ts));
    if (!ts)
        return K8SC_ENOMEM;
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++)
        rc = parse(&ts[i], specs[i]);
    k8sc__buf conflicts = K8SC__BUF_INIT;
    for (size_t a = 0; !rc && a < n; a++)
        for (size_t r = 0; !ts[a].remove && r < n; r++)
            if (ts[r].remove && strcmp(ts[a].key, ts[r].key) == 0 &&
                (!*ts[r].effect || strcmp(ts[a].effect, ts[r].effect) == 0))
                k8sc__buf_printf(&conflicts, "%s%s=%s", conflicts.len ? ", " : "", ts[r].key, ts[r].effect);
    if (!rc && conflicts.len)
        rc = k8sc_error_set(K8SC_EINVAL, "can not both modify and remove the following taint(s) in the same "
                                         "command: %s", conflicts.ptr);
    else if (!rc)
        rc = k8sc__buf_status(&conflicts);
    k8sc__buf_free(&conflicts);
    struct json_object *old = k8sc_object_get(node, "spec.taints");
    size_t nold = json_object_is_type(old, json_type_array) ? json_object_array_length(old) : 0;
    for (size_t i = 0; !rc && !overwrite && i < n; i++)
        for (size_t k = 0; !rc && !ts[i].remove && k < nold; k++)
            if (matches(json_object_array_get_idx(old, k), &ts[i]))
                rc = k8sc_error_set(K8SC_EINVAL, "node %s already has %s taint(s) with same effect(s) and "
                                                 "--overwrite is false", k8sc_object_name(node), ts[i].key);
    struct json_object *list = rc ? NULL : json_object_new_array();
    k8sc__buf notfound = K8SC__BUF_INIT;
    bool added = false;
    if (!rc && !list)
        rc = k8sc__error_nomem();
    if (!rc)
        rc = reorganize(list, old, ts, n, &added, &notfound);
    if (!rc && notfound.len)
        rc = k8sc_error_set(K8SC_EINVAL, "%s", notfound.ptr);
    if (!rc) {
        struct json_object *patch = json_object_new_object(), *spec = json_object_new_object();
        if (!patch || !spec) {
            json_object_put(patch);
            json_object_put(spec);
            rc = k8sc__error_nomem();
        } else {
            json_object_object_add(spec, "taints", json_object_array_length(list) ? json_object_get(list) : NULL);
            json_object_object_add(patch, "spec", spec);
            rc = k8sc_json_encode(out, NULL, patch, 0);
            json_object_put(patch);
        }
    }
    bool removed_any = false;
    for (size_t i = 0; i < n; i++)
        removed_any |= ts[i].remove;
    if (!rc)
        *result = (added && removed_any) || overwrite ? "modified" : added ? "tainted" : "untainted";
    k8sc__buf_free(&notfound);
    json_object_put(list);
    free(ts);
    return rc;
}
