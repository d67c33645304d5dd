/*
 * The CustomResourceDefinition kind itself: its defaults
 * (SetDefaults_CustomResourceDefinitionSpec), the checks of
 * ValidateCustomResourceDefinition that serving depends on, and the status
 * kube-apiserver's naming and establishing controllers write
 * (acceptedNames, NamesAccepted and Established, storedVersions), set here
 * with every write instead of asynchronously.
 */
#include "apiserver_internal.h"

#include <ctype.h>
#include <string.h>
#include <time.h>


static bool truthy(const struct json_object *o, const char *key)
{
    struct json_object *v = k8sc__json_member(o, key);
    return v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

int k8sc__crd_defaults(k8sc_object *crd)
{
    const char *kind = k8sc_object_get_string(crd, "spec.names.kind");
    int rc = 0;
    if (kind && *kind && !k8sc_object_get_string(crd, "spec.names.singular")) {
        char *lower = k8sc__strdup(kind);
        if (!lower)
            return K8SC_ENOMEM;
        for (char *p = lower; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        rc = k8sc_object_set_string(crd, "spec.names.singular", lower);
        k8sc_free(lower);
    }
    if (!rc && kind && *kind && !k8sc_object_get_string(crd, "spec.names.listKind")) {
        char buf[300];
        snprintf(buf, sizeof(buf), "%sList", kind);
        rc = k8sc_object_set_string(crd, "spec.names.listKind", buf);
    }
    if (!rc && !k8sc_object_get(crd, "spec.conversion"))
        rc = k8sc_object_set_string(crd, "spec.conversion.strategy", "None");
    return rc;
}

/* A DNS-1035 label check reported as ValidateCustomResourceDefinitionNames words it. */
static int dns1035(k8sc_field_errors *errs, const char *field, const char *value, bool mixed_case)
{
    if (!value || !*value)
        return 0;
    char *lower = k8sc__strdup(value);
    k8sc_field_errors *tmp = NULL;
    int rc = lower ? k8sc_field_errors_new(&tmp) : K8SC_ENOMEM;
    if (!rc) {
        for (char *p = lower; mixed_case && *p; p++)
            *p = (char)tolower((unsigned char)*p);
        int n = k8sc_validate_dns1035_label(tmp, field, lower);
        k8sc_field_error fe;
        if (n > 0 && k8sc_field_errors_at(tmp, 0, &fe) == 0)
            rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, field, value, "%s%s",
                mixed_case ? "may have mixed case, but should otherwise match: " : "", fe.detail);
        else if (n < 0)
            rc = n;
    }
    k8sc_field_errors_free(tmp);
    k8sc_free(lower);
    return rc;
}

static int required(k8sc_field_errors *errs, const struct json_object *o, const char *key, const char *field)
{
    const char *v = k8sc__json_string(o, key);
    return v && *v ? 0 : k8sc_field_errors_add(errs, K8SC_FIELD_REQUIRED, field, NULL, NULL);
}

static int validate_names(k8sc_field_errors *errs, const struct json_object *names)
{
    int rc = 0;
    static const char *const keys[] = { "plural", "singular", "kind", "listKind" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(keys) && !rc; i++) {
        char field[64];
        snprintf(field, sizeof(field), "spec.names.%s", keys[i]);
        rc = required(errs, names, keys[i], field);
        if (!rc)
            rc = dns1035(errs, field, k8sc__json_string(names, keys[i]), i >= 2);
    }
    const char *kind = k8sc__json_string(names, "kind"), *list = k8sc__json_string(names, "listKind");
    if (!rc && kind && *kind && list && strcmp(kind, list) == 0)
        rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, "spec.names.listKind", list,
            "kind and listKind may not be the same");
    static const char *const lists[] = { "shortNames", "categories" };
    for (size_t l = 0; l < K8SC__ARRAY_LEN(lists) && !rc; l++) {
        struct json_object *a = k8sc__json_member(names, lists[l]);
        for (size_t i = 0; a && json_object_is_type(a, json_type_array) && i < json_object_array_length(a) && !rc; i++) {
            char field[64];
            snprintf(field, sizeof(field), "spec.names.%s[%zu]", lists[l], i);
            rc = dns1035(errs, field, json_object_get_string(json_object_array_get_idx(a, i)), false);
        }
    }
    return rc;
}

static int validate_columns(k8sc_field_errors *errs, const struct json_object *cols, size_t vi)
{
    static const char *const types[] = { "boolean", "date", "integer", "number", "string" };
    int rc = 0;
    for (size_t i = 0; cols && json_object_is_type(cols, json_type_array) && i < json_object_array_length(cols) && !rc;
         i++) {
        struct json_object *c = json_object_array_get_idx(cols, i);
        char base[96], field[128];
        snprintf(base, sizeof(base), "spec.versions[%zu].additionalPrinterColumns[%zu]", vi, i);
        snprintf(field, sizeof(field), "%s.name", base);
        rc = required(errs, c, "name", field);
        const char *type = k8sc__json_string(c, "type");
        bool known = false;
        for (size_t t = 0; type && t < K8SC__ARRAY_LEN(types); t++)
            known = known || strcmp(type, types[t]) == 0;
        snprintf(field, sizeof(field), "%s.type", base);
        if (!rc && (!type || !*type))
            rc = k8sc_field_errors_add(errs, K8SC_FIELD_REQUIRED, field, NULL, "must be one of boolean,date,integer,number,string");
        else if (!rc && !known)
            rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, field, type,
                "must be one of boolean,date,integer,number,string");
        snprintf(field, sizeof(field), "%s.jsonPath", base);
        const char *jp = k8sc__json_string(c, "jsonPath");
        if (!rc && (!jp || !*jp))
            rc = k8sc_field_errors_add(errs, K8SC_FIELD_REQUIRED, field, NULL, NULL);
        else if (!rc && jp[0] != '.')
            rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, field, jp, "must be a simple json path starting with .");
    }
    return rc;
}

static int validate_versions(k8sc_field_errors *errs, const struct json_object *versions)
{
    if (!versions || !json_object_is_type(versions, json_type_array) || json_object_array_length(versions) == 0)
        return k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, "spec.versions", versions,
            "must have exactly one version marked as storage version");
    size_t n = json_object_array_length(versions), storage = 0, served = 0;
    bool unique = true;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        struct json_object *v = json_object_array_get_idx(versions, i);
        const char *name = k8sc__json_string(v, "name");
        storage += truthy(v, "storage");
        served += truthy(v, "served");
        for (size_t j = 0; j < i && name; j++)
            if (k8sc__json_string(json_object_array_get_idx(versions, j), "name") &&
                strcmp(k8sc__json_string(json_object_array_get_idx(versions, j), "name"), name) == 0)
                unique = false;
        char field[96];
        snprintf(field, sizeof(field), "spec.versions[%zu].name", i);
        if (!name || !*name)
            rc = k8sc_field_errors_add(errs, K8SC_FIELD_REQUIRED, field, NULL, NULL);
        else
            rc = dns1035(errs, field, name, false);
        snprintf(field, sizeof(field), "spec.versions[%zu].schema.openAPIV3Schema", i);
        struct json_object *schema = k8sc__json_member(k8sc__json_member(v, "schema"), "openAPIV3Schema");
        if (!rc && !schema)
            rc = k8sc_field_errors_add(errs, K8SC_FIELD_REQUIRED, field, NULL, "schemas are required");
        else if (!rc && (!k8sc__json_string(schema, "type") || strcmp(k8sc__json_string(schema, "type"), "object") != 0)) {
            snprintf(field, sizeof(field), "spec.versions[%zu].schema.openAPIV3Schema.type", i);
            rc = k8sc__json_string(schema, "type") ? k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, field, k8sc__json_string(schema, "type"),
                                           "must be object at the root")
                                     : k8sc_field_errors_add(errs, K8SC_FIELD_REQUIRED, field, NULL,
                                           "must not be empty at the root");
        }
        if (!rc)
            rc = validate_columns(errs, k8sc__json_member(v, "additionalPrinterColumns"), i);
        struct json_object *scale = k8sc__json_member(k8sc__json_member(v, "subresources"), "scale");
        if (!rc && scale) {
            snprintf(field, sizeof(field), "spec.versions[%zu].subresources.scale.specReplicasPath", i);
            if (!k8sc__json_string(scale, "specReplicasPath") || strncmp(k8sc__json_string(scale, "specReplicasPath"), ".spec.", 6) != 0)
                rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, field,
                    k8sc__json_string(scale, "specReplicasPath") ? k8sc__json_string(scale, "specReplicasPath") : "",
                    "should be a json path under .spec");
            snprintf(field, sizeof(field), "spec.versions[%zu].subresources.scale.statusReplicasPath", i);
            if (!rc && (!k8sc__json_string(scale, "statusReplicasPath") || strncmp(k8sc__json_string(scale, "statusReplicasPath"), ".status.", 8) != 0))
                rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, field,
                    k8sc__json_string(scale, "statusReplicasPath") ? k8sc__json_string(scale, "statusReplicasPath") : "",
                    "should be a json path under .status");
        }
    }
    if (!rc && !unique)
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, "spec.versions", versions, "must contain unique version names");
    if (!rc && storage != 1)
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, "spec.versions", versions,
            "must have exactly one version marked as storage version");
    if (!rc && served == 0)
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, "spec.versions", versions,
            "must have at least one version marked as served");
    return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Groups of the Kubernetes project itself, which need API review. */
static bool protected_group(const char *group)
{
    return strcmp(group, "k8s.io") == 0 || strcmp(group, "kubernetes.io") == 0 || ends_with(group, ".k8s.io") ||
        ends_with(group, ".kubernetes.io");
}

int k8sc__crd_validate(k8sc_field_errors *errs, const k8sc_object *crd, const k8sc_object *old)
{
    struct json_object *spec = k8sc_object_get(crd, "spec");
    const char *group = k8sc__json_string(spec, "group"), *plural = k8sc__json_string(k8sc__json_member(spec, "names"), "plural");
    const char *name = k8sc_object_name(crd), *scope = k8sc__json_string(spec, "scope");
    int rc = 0;
    if (group && *group && plural && *plural && name) {
        char want[512];
        snprintf(want, sizeof(want), "%s.%s", plural, group);
        if (strcmp(name, want) != 0)
            rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, "metadata.name", name,
                "must be spec.names.plural+\".\"+spec.group");
    }
    if (!rc && (!group || !*group))
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_REQUIRED, "spec.group", NULL, NULL);
    else if (!rc && k8sc_validate_dns1123_subdomain(NULL, NULL, group) > 0)
        rc = k8sc_validate_dns1123_subdomain(errs, "spec.group", group) < 0 ? K8SC_ENOMEM : 0;
    else if (!rc && !strchr(group, '.'))
        rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, "spec.group", group,
            "should be a domain with at least one dot");
    if (!rc && group && protected_group(group) &&
        !k8sc_object_meta_get(crd, K8SC_ANNOTATIONS, "api-approved.kubernetes.io"))
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_REQUIRED, "metadata.annotations[api-approved.kubernetes.io]", NULL,
            "protected groups must have approval annotation \"api-approved.kubernetes.io\", see "
            "https://github.com/kubernetes/enhancements/pull/1111");
    if (!rc && (!scope || !*scope))
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_REQUIRED, "spec.scope", NULL, NULL);
    else if (!rc && strcmp(scope, "Cluster") != 0 && strcmp(scope, "Namespaced") != 0)
        rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_NOT_SUPPORTED, "spec.scope", scope,
            "supported values: \"Cluster\", \"Namespaced\"");
    if (!rc)
        rc = validate_versions(errs, k8sc__json_member(spec, "versions"));
    if (!rc)
        rc = validate_names(errs, k8sc__json_member(spec, "names"));
    if (!rc && old) {
        /* The group and plural make the name; an established CRD keeps its scope and kind (storage depends on them). */
        static const char *const fixed[] = { "spec.group", "spec.names.plural", "spec.scope", "spec.names.kind" };
        for (size_t i = 0; i < K8SC__ARRAY_LEN(fixed) && !rc; i++) {
            const char *a = k8sc_object_get_string(crd, fixed[i]), *b = k8sc_object_get_string(old, fixed[i]);
            if (a && b && strcmp(a, b) != 0)
                rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, fixed[i], a, "field is immutable");
        }
    }
    return rc;
}

/* A condition as the controllers set it, keeping lastTransitionTime while the status holds. */
static struct json_object *condition(const struct json_object *old_conds, const char *type, const char *reason,
    const char *message, const char *now)
{
    const char *since = now;
    for (size_t i = 0; old_conds && i < json_object_array_length(old_conds); i++) {
        struct json_object *c = json_object_array_get_idx(old_conds, i);
        if (k8sc__json_string(c, "type") && strcmp(k8sc__json_string(c, "type"), type) == 0 && k8sc__json_string(c, "status") &&
            strcmp(k8sc__json_string(c, "status"), "True") == 0 && k8sc__json_string(c, "lastTransitionTime"))
            since = k8sc__json_string(c, "lastTransitionTime");
    }
    struct json_object *c = json_object_new_object();
    json_object_object_add(c, "type", json_object_new_string(type));
    json_object_object_add(c, "status", json_object_new_string("True"));
    json_object_object_add(c, "lastTransitionTime", json_object_new_string(since));
    json_object_object_add(c, "reason", json_object_new_string(reason));
    json_object_object_add(c, "message", json_object_new_string(message));
    return c;
}

int k8sc__crd_set_status(k8sc_object *crd, const k8sc_object *old, int64_t now)
{
    struct json_object *names = k8sc_object_get(crd, "spec.names"), *accepted = NULL;
    if (!names || json_object_deep_copy(names, &accepted, NULL))
        return names ? k8sc__error_nomem() : 0;
    char ts[32];
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct json_object *old_conds = old ? k8sc_object_get(old, "status.conditions") : NULL;
    if (old_conds && !json_object_is_type(old_conds, json_type_array))
        old_conds = NULL;
    struct json_object *status = json_object_new_object(), *conds = json_object_new_array();
    json_object_object_add(status, "acceptedNames", accepted);
    json_object_array_add(conds, condition(old_conds, "NamesAccepted", "NoConflicts", "no conflicts found", ts));
    json_object_array_add(conds, condition(old_conds, "Established", "InitialNamesAccepted",
        "the initial names have been accepted", ts));
    json_object_object_add(status, "conditions", conds);
    /* storedVersions only grows: objects stored under an older version may remain. */
    struct json_object *stored = json_object_new_array(), *prev = old ? k8sc_object_get(old, "status.storedVersions") : NULL;
    for (size_t i = 0; prev && json_object_is_type(prev, json_type_array) && i < json_object_array_length(prev); i++)
        json_object_array_add(stored, json_object_get(json_object_array_get_idx(prev, i)));
    struct json_object *versions = k8sc_object_get(crd, "spec.versions");
    for (size_t i = 0; versions && json_object_is_type(versions, json_type_array) && i < json_object_array_length(versions);
         i++) {
        struct json_object *v = json_object_array_get_idx(versions, i);
        const char *name = k8sc__json_string(v, "name");
        if (!truthy(v, "storage") || !name)
            continue;
        bool seen = false;
        for (size_t j = 0; j < json_object_array_length(stored); j++)
            seen = seen || strcmp(json_object_get_string(json_object_array_get_idx(stored, j)), name) == 0;
        if (!seen)
            json_object_array_add(stored, json_object_new_string(name));
    }
    json_object_object_add(status, "storedVersions", stored);
    int rc = k8sc_object_set(crd, "status", status);
    if (rc)
        json_object_put(status);
    return rc;
}
