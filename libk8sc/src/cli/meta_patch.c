/*
 * kubectl label / annotate: "KEY=VALUE" and "KEY-" arguments turned into a
 * JSON merge patch of metadata.labels or metadata.annotations, refusing to
 * change a value without --overwrite as kubectl does.
 */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>

/* kubectl's message for the keys `overwrite` refused: one line per label, one list of annotations. */
static int refused_error(const k8sc__buf *refused, k8sc_meta_map map)
{
    if (map == K8SC_ANNOTATIONS)
        return k8sc_error_set(K8SC_EINVAL, "--overwrite is false but found the following declared "
                                           "annotation(s): %s", refused->ptr);
    return k8sc_error_set(K8SC_EINVAL, "%s", refused->ptr);
}

/* Check "KEY=VALUE" `spec` and split it; 0 or EINVAL with kubectl's message. */
static int split_spec(char **key, const char **value, const char *spec, k8sc_meta_map map)
{
    const char *eq = strchr(spec, '=');
    bool label = map == K8SC_LABELS;
    if (!eq || eq == spec || (label && strchr(eq + 1, '=')))
        return k8sc_error_set(K8SC_EINVAL, label ? "invalid label spec: %s" : "invalid annotation format: %s", spec);
    if (label && k8sc_validate_label_value(NULL, NULL, eq + 1) != 0) {
        k8sc_field_errors *errs = NULL;
        char *why = NULL;
        int rc = k8sc_field_errors_new(&errs);
        if (!rc && k8sc_validate_label_value(errs, "value", eq + 1) >= 0 && k8sc_field_errors_count(errs) > 0) {
            k8sc_field_error e;
            if (k8sc_field_errors_at(errs, 0, &e) == 0)
                why = k8sc__strdup(e.detail);
        }
        k8sc_field_errors_free(errs);
        rc = k8sc_error_set(K8SC_EINVAL, "invalid label value: \"%s\": %s", spec, why ? why : "invalid");
        free(why);
        return rc;
    }
    if (!(*key = k8sc__strndup(spec, (size_t)(eq - spec))))
        return K8SC_ENOMEM;
    *value = eq + 1;
    return 0;
}

static int add_change(struct json_object *patch, const char *key, struct json_object *value)
{
    if (json_object_object_add(patch, key, value)) {
        json_object_put(value);
        return k8sc__error_nomem();
    }
    return 0;
}

static int build(struct json_object *patch, const k8sc_object *obj, k8sc_meta_map map,
    const char *const *changes, size_t n, bool overwrite)
{
    k8sc__buf refused = K8SC__BUF_INIT;
    size_t nrefused = 0;
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        const char *spec = changes[i];
        size_t len = strlen(spec);
        if (len > 1 && spec[len - 1] == '-' && !strchr(spec, '=')) {
            char *key = k8sc__strndup(spec, len - 1);
            if (!key) {
                rc = K8SC_ENOMEM;
            } else if (k8sc_object_meta_get(obj, map, key)) {
                rc = add_change(patch, key, NULL);
            }
            free(key);
            continue;
        }
        char *key = NULL;
        const char *value = NULL;
        if ((rc = split_spec(&key, &value, spec, map)))
            break;
        const char *old = k8sc_object_meta_get(obj, map, key);
        if (old && strcmp(old, value) != 0 && !overwrite) {
            if (map == K8SC_ANNOTATIONS)
                k8sc__buf_printf(&refused, "%s'%s' already has a value (%s)", nrefused ? "; " : "", key, old);
            else
                k8sc__buf_printf(&refused, "%s'%s' already has a value (%s), and --overwrite is false",
                    nrefused ? "\n" : "", key, old);
            nrefused++;
        } else if (!old || strcmp(old, value) != 0) {
            struct json_object *v = json_object_new_string(value);
            rc = v ? add_change(patch, key, v) : k8sc__error_nomem();
        }
        free(key);
    }
    if (!rc && k8sc__buf_status(&refused))
        rc = K8SC_ENOMEM;
    if (!rc && nrefused)
        rc = refused_error(&refused, map);
    k8sc__buf_free(&refused);
    return rc;
}

int k8sc_cli_meta_patch(char **out, bool *changed, const k8sc_object *obj, k8sc_meta_map map,
    const char *const *changes, size_t n, bool overwrite)
{
    K8SC__CHECK_ARG(out && obj && (changes || n == 0) && (map == K8SC_LABELS || map == K8SC_ANNOTATIONS));
    *out = NULL;
    struct json_object *values = json_object_new_object();
    if (!values)
        return k8sc__error_nomem();
    int rc = build(values, obj, map, changes, n, overwrite);
    bool any = !rc && json_object_object_length(values) > 0;
    struct json_object *patch = NULL;
    if (!rc && any) {
        struct json_object *md = json_object_new_object();
        patch = json_object_new_object();
        if (!md || !patch) {
            json_object_put(md);
            rc = k8sc__error_nomem();
        } else {
            json_object_object_add(md, map == K8SC_LABELS ? "labels" : "annotations", json_object_get(values));
            json_object_object_add(patch, "metadata", md);
        }
    }
    if (!rc && !patch && !(patch = json_object_new_object()))
        rc = k8sc__error_nomem();
    if (!rc)
        rc = k8sc_json_encode(out, NULL, patch, K8SC_ENCODE_SORT_KEYS);
    json_object_put(patch);
    json_object_put(values);
    if (!rc && changed)
        *changed = any;
    return rc;
}
