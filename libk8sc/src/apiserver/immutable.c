/*
 * Fields an update may not change, with the errors Kubernetes' validation
 * gives: ValidateImmutableField ("field is immutable", the new value printed
 * as Go's %#v prints it) for workload selectors and a job's template and
 * completion mode, ValidatePodUpdate's Forbidden for pod specs and
 * ValidateNodeUpdate's for a node's pod ranges and provider ID.
 */
#include "apiserver_internal.h"
#include "object/validation_internal.h"

#include <stdlib.h>
#include <string.h>

static struct json_object *child(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
        return NULL;
    return v;
}

static bool same(struct json_object *a, struct json_object *b)
{
    if (!a || !b)
        return !a && !b;
    return json_object_equal(a, b) != 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A Go %q of a JSON value's text. */
static void put_quoted(k8sc__buf *b, struct json_object *v)
{
    const char *s = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
    k8sc__buf_put_goquoted(b, s, strlen(s));
}

/* map[string]string as %#v prints it: keys sorted, `map[string]string{"a":"b", "c":"d"}`. */
static void put_string_map(k8sc__buf *b, struct json_object *m)
{
    if (!m || !json_object_is_type(m, json_type_object)) {
        k8sc__buf_puts(b, "map[string]string(nil)");
        return;
    }
    size_t n = (size_t)json_object_object_length(m), i = 0;
    const char **keys = n ? k8sc__calloc(n, sizeof(*keys)) : NULL;
    if (n && !keys) {
        k8sc__buf_puts(b, "map[string]string{...}");
        return;
    }
    json_object_object_foreach(m, k, v) {
        (void)v;
        keys[i++] = k;
    }
    qsort(keys, n, sizeof(*keys), cmp_str);
    k8sc__buf_puts(b, "map[string]string{");
    for (i = 0; i < n; i++) {
        if (i)
            k8sc__buf_puts(b, ", ");
        k8sc__buf_put_goquoted(b, keys[i], strlen(keys[i]));
        k8sc__buf_puts(b, ":");
        put_quoted(b, child(m, keys[i]));
    }
    k8sc__buf_puts(b, "}");
    k8sc_free(keys);
}

static void put_string_list(k8sc__buf *b, struct json_object *l)
{
    if (!l || !json_object_is_type(l, json_type_array)) {
        k8sc__buf_puts(b, "[]string(nil)");
        return;
    }
    k8sc__buf_puts(b, "[]string{");
    for (size_t i = 0; i < json_object_array_length(l); i++) {
        if (i)
            k8sc__buf_puts(b, ", ");
        put_quoted(b, json_object_array_get_idx(l, i));
    }
    k8sc__buf_puts(b, "}");
}

/* A metav1.LabelSelector as field.Invalid prints it (%#v of the dereferenced value). */
static void put_label_selector(k8sc__buf *b, struct json_object *sel)
{
    if (!sel || !json_object_is_type(sel, json_type_object)) {
        k8sc__buf_puts(b, "null");
        return;
    }
    k8sc__buf_puts(b, "v1.LabelSelector{MatchLabels:");
    put_string_map(b, child(sel, "matchLabels"));
    k8sc__buf_puts(b, ", MatchExpressions:");
    struct json_object *exprs = child(sel, "matchExpressions");
    if (!exprs || !json_object_is_type(exprs, json_type_array)) {
        k8sc__buf_puts(b, "[]v1.LabelSelectorRequirement(nil)}");
        return;
    }
    k8sc__buf_puts(b, "[]v1.LabelSelectorRequirement{");
    for (size_t i = 0; i < json_object_array_length(exprs); i++) {
        struct json_object *e = json_object_array_get_idx(exprs, i);
        if (i)
            k8sc__buf_puts(b, ", ");
        k8sc__buf_puts(b, "v1.LabelSelectorRequirement{Key:");
        put_quoted(b, child(e, "key"));
        k8sc__buf_puts(b, ", Operator:");
        put_quoted(b, child(e, "operator"));
        k8sc__buf_puts(b, ", Values:");
        put_string_list(b, child(e, "values"));
        k8sc__buf_puts(b, "}");
    }
    k8sc__buf_puts(b, "}}");
}

typedef enum { AS_SELECTOR, AS_JSON } render_as;

/* ValidateImmutableField(new, old, path): an Invalid error carrying the new value. */
static int immutable(k8sc_field_errors *errs, struct json_object *root_new, struct json_object *root_old,
    const char *section, const char *key, const char *path, render_as how)
{
    struct json_object *a = child(child(root_new, section), key), *b = child(child(root_old, section), key);
    if (same(a, b))
        return 0;
    k8sc__buf v = K8SC__BUF_INIT;
    if (how == AS_SELECTOR)
        put_label_selector(&v, a);
    else if (a)
        /* Go prints the internal struct here (%#v); its JSON is the readable equivalent. */
        k8sc__field_value_render(&v, a);
    else
        k8sc__buf_puts(&v, "null");
    int rc = k8sc__buf_status(&v);
    if (!rc)
        rc = k8sc__field_errors_add_rendered(errs, K8SC_FIELD_INVALID, path, v.ptr, "field is immutable");
    k8sc__buf_free(&v);
    return rc;
}

static struct json_object *array_at(struct json_object *arr, size_t i)
{
    return arr && json_object_is_type(arr, json_type_array) && i < json_object_array_length(arr)
        ? json_object_array_get_idx(arr, i)
        : NULL;
}

/* Give the munged copy the old images of containers at the same index. */
static void restore_images(struct json_object *munged, struct json_object *old)
{
    for (size_t i = 0; munged && json_object_is_type(munged, json_type_array) && i < json_object_array_length(munged);
         i++) {
        struct json_object *c = json_object_array_get_idx(munged, i), *o = array_at(old, i);
        struct json_object *img = child(o, "image");
        if (!c || !json_object_is_type(c, json_type_object) || !o)
            continue;
        if (img)
            json_object_object_add(c, "image", json_object_get(img));
        else
            json_object_object_del(c, "image");
    }
}

static void set_or_del(struct json_object *o, const char *key, struct json_object *v)
{
    if (v)
        json_object_object_add(o, key, json_object_get(v));
    else
        json_object_object_del(o, key);
}

/* True if every old toleration is still there (only additions). */
static bool only_added(struct json_object *newt, struct json_object *oldt)
{
    for (size_t i = 0; oldt && json_object_is_type(oldt, json_type_array) && i < json_object_array_length(oldt); i++) {
        bool found = false;
        for (size_t j = 0; !found && newt && json_object_is_type(newt, json_type_array) &&
                           j < json_object_array_length(newt); j++)
            found = same(json_object_array_get_idx(oldt, i), json_object_array_get_idx(newt, j));
        if (!found)
            return false;
    }
    return true;
}

/*
 * ValidatePodUpdate: the new spec with its mutable fields set back to the
 * old values must equal the old spec.
 */
static int pod_spec(k8sc_field_errors *errs, struct json_object *spec, struct json_object *old)
{
    if (!spec || !old || !json_object_is_type(spec, json_type_object) || !json_object_is_type(old, json_type_object))
        return same(spec, old) ? 0
            : k8sc_field_errors_add(errs, K8SC_FIELD_FORBIDDEN, "spec", NULL, "pod updates may not change fields "
                "other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
                "`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
                "(allow it to be set to 1 if it was previously negative)");
    struct json_object *munged = NULL;
    if (json_object_deep_copy(spec, &munged, NULL) != 0)
        return k8sc__error_nomem();
    restore_images(child(munged, "containers"), child(old, "containers"));
    restore_images(child(munged, "initContainers"), child(old, "initContainers"));
    set_or_del(munged, "activeDeadlineSeconds", child(old, "activeDeadlineSeconds"));
    if (only_added(child(munged, "tolerations"), child(old, "tolerations")))
        set_or_del(munged, "tolerations", child(old, "tolerations"));
    struct json_object *g_old = child(old, "terminationGracePeriodSeconds"), *g_new = child(munged,
        "terminationGracePeriodSeconds");
    if (g_old && g_new && json_object_get_int64(g_old) < 0 && json_object_get_int64(g_new) == 1)
        set_or_del(munged, "terminationGracePeriodSeconds", g_old);
    int rc = 0;
    if (!same(munged, old))
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_FORBIDDEN, "spec", NULL, "pod updates may not change fields "
            "other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
            "`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
            "(allow it to be set to 1 if it was previously negative)");
    json_object_put(munged);
    return rc;
}

/*
 * ValidateNodeUpdate: a node's pod ranges and provider ID are set once
 * (from empty to a value, by the IPAM controller or the cloud), then kept.
 */
static int node_spec(k8sc_field_errors *errs, struct json_object *spec, struct json_object *old)
{
    struct json_object *was = child(old, "podCIDRs");
    int rc = 0;
    if (was && json_object_is_type(was, json_type_array) && json_object_array_length(was) > 0 &&
        !same(child(spec, "podCIDRs"), was))
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_FORBIDDEN, "spec.podCIDRs", NULL,
            "node updates may not change podCIDR except from \"\" to valid");
    struct json_object *pid = child(old, "providerID");
    if (!rc && pid && json_object_get_string_len(pid) > 0 && !same(child(spec, "providerID"), pid))
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_FORBIDDEN, "spec.providerID", NULL,
            "node updates may not change providerID except from \"\" to valid");
    return rc;
}

static bool is(const k8sc_resource *r, const char *group, const char *kind)
{
    return strcmp(k8sc_resource_group(r), group) == 0 && strcmp(k8sc_resource_kind(r), kind) == 0;
}

int k8sc__check_immutable(k8sc_apiserver_response *resp, const k8sc_resource *r, const k8sc_object *obj,
    const k8sc_object *old)
{
    /* The stored object is compared as Kubernetes reads it: defaulted (it may predate a default). */
    k8sc_object *old_d = NULL;
    int rc = k8sc_object_dup(&old_d, old);
    if (!rc)
        rc = k8sc__kind_defaults(r, old_d, false);
    k8sc_field_errors *errs = NULL;
    if (!rc)
        rc = k8sc_field_errors_new(&errs);
    if (rc) {
        k8sc_object_free(old_d);
        return rc;
    }
    struct json_object *a = k8sc_object_json(obj), *b = k8sc_object_json(old_d);
    if (is(r, "apps", "Deployment") || is(r, "apps", "ReplicaSet") || is(r, "apps", "DaemonSet") ||
        is(r, "apps", "StatefulSet")) {
        rc = immutable(errs, a, b, "spec", "selector", "spec.selector", AS_SELECTOR);
    } else if (is(r, "batch", "Job")) {
        rc = immutable(errs, a, b, "spec", "selector", "spec.selector", AS_SELECTOR);
        if (!rc)
            rc = immutable(errs, a, b, "spec", "template", "spec.template", AS_JSON);
        if (!rc)
            rc = immutable(errs, a, b, "spec", "completionMode", "spec.completionMode", AS_JSON);
    } else if (is(r, "", "Pod")) {
        rc = pod_spec(errs, child(a, "spec"), child(b, "spec"));
    } else if (is(r, "", "Node")) {
        rc = node_spec(errs, child(a, "spec"), child(b, "spec"));
    }
    if (!rc && k8sc_field_errors_count(errs) > 0)
        rc = k8sc__status_invalid(resp, r, k8sc_object_name(obj), errs);
    k8sc_field_errors_free(errs);
    k8sc_object_free(old_d);
    return rc;
}
