/*
 * Structural schemas of custom resources, as apiextensions-apiserver
 * applies them: pruning of fields the schema does not know (unless
 * x-kubernetes-preserve-unknown-fields), `default` values for missing
 * fields, and kube-openapi's validation (type, nullable, enum, bounds,
 * lengths, pattern, item and property counts, required) with the field
 * errors kubeOpenAPIResultToFieldErrors makes of its results.
 */
#include "apiserver_internal.h"

#include <math.h>
#include <regex.h>
#include <string.h>

static struct json_object *get(const struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
        return NULL;
    return v;
}

static bool flag(const struct json_object *s, const char *key)
{
    struct json_object *v = get(s, key);
    return v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static bool is_obj(const struct json_object *v)
{
    return v && json_object_is_type(v, json_type_object);
}

/* A child path: "spec" + "foo" -> "spec.foo"; at the root just "foo". */
static char *child_path(const char *path, const char *key)
{
    k8sc__buf b = K8SC__BUF_INIT;
    if (*path)
        k8sc__buf_printf(&b, "%s.%s", path, key);
    else
        k8sc__buf_puts(&b, key);
    return k8sc__buf_status(&b) ? (k8sc__buf_free(&b), NULL) : k8sc__buf_detach(&b, NULL);
}

static char *index_path(const char *path, size_t i)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s[%zu]", path, i);
    return k8sc__buf_status(&b) ? (k8sc__buf_free(&b), NULL) : k8sc__buf_detach(&b, NULL);
}

/* Fields every object at the root (and every embedded resource) has beside its schema. */
static bool type_meta(const char *key)
{
    return strcmp(key, "apiVersion") == 0 || strcmp(key, "kind") == 0 || strcmp(key, "metadata") == 0;
}

/* ---- pruning ------------------------------------------------------------ */

static int prune(struct json_object *v, const struct json_object *s, const char *path, bool root,
    struct json_object *unknown);

static int prune_object(struct json_object *v, const struct json_object *s, const char *path, bool root,
    struct json_object *unknown)
{
    struct json_object *props = get(s, "properties"), *addl = get(s, "additionalProperties");
    bool preserve = flag(s, "x-kubernetes-preserve-unknown-fields") || (addl && flag(s, "additionalProperties"));
    bool meta = root || flag(s, "x-kubernetes-embedded-resource");
    size_t n = (size_t)json_object_object_length(v), ndrop = 0;
    char **drop = n ? k8sc__calloc(n, sizeof(*drop)) : NULL;
    if (n && !drop)
        return K8SC_ENOMEM;
    int rc = 0;
    json_object_object_foreach(v, key, child)
    {
        if (rc)
            break;
        if (meta && type_meta(key))
            continue;
        char *cp = child_path(path, key);
        if (!cp) {
            rc = K8SC_ENOMEM;
            break;
        }
        struct json_object *cs = get(props, key);
        if (!cs && is_obj(addl))
            cs = addl;
        if (!child && cs && !flag(cs, "nullable"))
            drop[ndrop++] = k8sc__strdup(key); /* null for a non-nullable field: pruned before defaulting */
        else if (cs)
            rc = prune(child, cs, cp, false, unknown);
        else if (!preserve) {
            drop[ndrop++] = k8sc__strdup(key);
            if (unknown)
                json_object_array_add(unknown, json_object_new_string(cp));
        }
        k8sc_free(cp);
    }
    for (size_t i = 0; i < ndrop; i++) {
        if (drop[i])
            json_object_object_del(v, drop[i]);
        k8sc_free(drop[i]);
    }
    k8sc_free(drop);
    return rc;
}

static int prune(struct json_object *v, const struct json_object *s, const char *path, bool root,
    struct json_object *unknown)
{
    if (!v || !is_obj(s))
        return 0;
    if (json_object_is_type(v, json_type_object))
        return prune_object(v, s, path, root, unknown);
    if (json_object_is_type(v, json_type_array)) {
        struct json_object *items = get(s, "items");
        for (size_t i = 0; is_obj(items) && i < json_object_array_length(v); i++) {
            char *ip = index_path(path, i);
            int rc = ip ? prune(json_object_array_get_idx(v, i), items, ip, false, unknown) : K8SC_ENOMEM;
            k8sc_free(ip);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int k8sc__schema_prune(struct json_object *root, const struct json_object *schema, struct json_object *unknown)
{
    return prune(root, schema, "", true, unknown);
}

/* ---- defaulting --------------------------------------------------------- */

static int apply_defaults(struct json_object *v, const struct json_object *s)
{
    if (!v || !is_obj(s))
        return 0;
    int rc = 0;
    if (json_object_is_type(v, json_type_object)) {
        struct json_object *props = get(s, "properties");
        if (is_obj(props)) {
            json_object_object_foreach(props, key, ps)
            {
                struct json_object *def = get(ps, "default"), *copy = NULL;
                if (!def || json_object_object_get_ex(v, key, NULL))
                    continue;
                if (json_object_deep_copy(def, &copy, NULL))
                    return k8sc__error_nomem();
                json_object_object_add(v, key, copy);
            }
        }
        struct json_object *addl = get(s, "additionalProperties");
        json_object_object_foreach(v, key, child)
        {
            struct json_object *cs = get(props, key);
            if ((rc = apply_defaults(child, cs ? cs : addl)))
                return rc;
        }
    } else if (json_object_is_type(v, json_type_array)) {
        struct json_object *items = get(s, "items");
        for (size_t i = 0; i < json_object_array_length(v) && !rc; i++)
            rc = apply_defaults(json_object_array_get_idx(v, i), items);
    }
    return rc;
}

int k8sc__schema_default(struct json_object *root, const struct json_object *schema)
{
    return apply_defaults(root, schema);
}

/* ---- validation --------------------------------------------------------- */

/* The type name kube-openapi reports for a value. */
static const char *type_of(const struct json_object *v)
{
    if (!v)
        return "null";
    switch (json_object_get_type(v)) {
    case json_type_boolean: return "boolean";
    case json_type_int: return "integer";
    case json_type_double: return "number";
    case json_type_string: return "string";
    case json_type_array: return "array";
    case json_type_object: return "object";
    default: return "null";
    }
}

static bool type_ok(const char *want, const struct json_object *v)
{
    const char *have = type_of(v);
    if (strcmp(want, "number") == 0)
        return strcmp(have, "integer") == 0 || strcmp(have, "number") == 0;
    if (strcmp(want, "integer") == 0 && v && json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        return d == floor(d);
    }
    return strcmp(want, have) == 0;
}

/* A number as Go's %v prints a float64 or int64. */
static void num_str(char *buf, size_t size, const struct json_object *n)
{
    if (json_object_is_type(n, json_type_int))
        snprintf(buf, size, "%lld", (long long)json_object_get_int64(n));
    else
        snprintf(buf, size, "%g", json_object_get_double(n));
}

static bool is_num(const struct json_object *v)
{
    return v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double));
}

/* ECMA-262 shorthands that POSIX extended expressions lack. */
static char *posix_pattern(const char *p)
{
    k8sc__buf b = K8SC__BUF_INIT;
    for (; *p; p++) {
        if (p[0] == '\\' && p[1] == 'd') {
            k8sc__buf_puts(&b, "[0-9]");
            p++;
        } else if (p[0] == '\\' && p[1] == 'w') {
            k8sc__buf_puts(&b, "[A-Za-z0-9_]");
            p++;
        } else if (p[0] == '\\' && p[1] == 's') {
            k8sc__buf_puts(&b, "[[:space:]]");
            p++;
        } else {
            k8sc__buf_putc(&b, *p);
        }
    }
    return k8sc__buf_status(&b) ? (k8sc__buf_free(&b), NULL) : k8sc__buf_detach(&b, NULL);
}

static int check_string(k8sc_field_errors *errs, const struct json_object *v, const struct json_object *s,
    const char *path)
{
    const char *str = json_object_get_string((struct json_object *)v);
    size_t len = strlen(str);
    struct json_object *maxl = get(s, "maxLength"), *minl = get(s, "minLength"), *pat = get(s, "pattern");
    int rc = 0;
    if (maxl && (int64_t)len > json_object_get_int64(maxl))
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_TOO_LONG, path, v, "may not be more than %lld bytes",
            (long long)json_object_get_int64(maxl));
    if (!rc && minl && (int64_t)len < json_object_get_int64(minl))
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, path, v, "%s in body should be at least %lld chars long",
            path, (long long)json_object_get_int64(minl));
    if (!rc && pat && json_object_is_type(pat, json_type_string)) {
        char *p = posix_pattern(json_object_get_string(pat));
        regex_t re;
        if (!p)
            return K8SC_ENOMEM;
        if (regcomp(&re, p, REG_EXTENDED | REG_NOSUB) == 0) {
            if (regexec(&re, str, 0, NULL, 0) != 0)
                rc = k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, path, v, "%s in body should match '%s'", path,
                    json_object_get_string(pat));
            regfree(&re);
        }
        k8sc_free(p);
    }
    return rc;
}

static int check_number(k8sc_field_errors *errs, const struct json_object *v, const struct json_object *s,
    const char *path)
{
    double d = json_object_get_double(v);
    struct json_object *max = get(s, "maximum"), *min = get(s, "minimum"), *mult = get(s, "multipleOf");
    char bound[64];
    int rc = 0;
    if (is_num(max)) {
        bool excl = flag(s, "exclusiveMaximum");
        double m = json_object_get_double(max);
        num_str(bound, sizeof(bound), max);
        if (excl ? d >= m : d > m)
            rc = k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, path, v, "%s in body should be less than %s%s", path,
                excl ? "" : "or equal to ", bound);
    }
    if (!rc && is_num(min)) {
        bool excl = flag(s, "exclusiveMinimum");
        double m = json_object_get_double(min);
        num_str(bound, sizeof(bound), min);
        if (excl ? d <= m : d < m)
            rc = k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, path, v, "%s in body should be greater than %s%s",
                path, excl ? "" : "or equal to ", bound);
    }
    if (!rc && is_num(mult) && json_object_get_double(mult) > 0) {
        double q = d / json_object_get_double(mult);
        num_str(bound, sizeof(bound), mult);
        if (q != floor(q))
            rc = k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, path, v, "%s in body should be a multiple of %s",
                path, bound);
    }
    return rc;
}

static int check_enum(k8sc_field_errors *errs, const struct json_object *v, const struct json_object *en,
    const char *path)
{
    size_t n = json_object_array_length(en);
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(en, i);
        if ((!e && !v) || (e && v && json_object_equal(e, (struct json_object *)v)))
            return 0;
    }
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_puts(&b, "supported values: ");
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(en, i);
        if (i)
            k8sc__buf_puts(&b, ", ");
        if (e && json_object_is_type(e, json_type_string))
            k8sc__buf_printf(&b, "\"%s\"", json_object_get_string(e));
        else
            k8sc__buf_puts(&b, e ? json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN) : "null");
    }
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        return K8SC_ENOMEM;
    }
    int rc = k8sc_field_errors_add(errs, K8SC_FIELD_NOT_SUPPORTED, path, v, "%s", b.ptr);
    k8sc__buf_free(&b);
    return rc;
}

static int validate(k8sc_field_errors *errs, const struct json_object *v, const struct json_object *s,
    const char *path, bool root);

static int check_object(k8sc_field_errors *errs, struct json_object *v, const struct json_object *s,
    const char *path, bool root)
{
    struct json_object *props = get(s, "properties"), *addl = get(s, "additionalProperties");
    struct json_object *req = get(s, "required"), *maxp = get(s, "maxProperties"), *minp = get(s, "minProperties");
    int64_t count = json_object_object_length(v);
    int rc = 0;
    for (size_t i = 0; req && json_object_is_type(req, json_type_array) && i < json_object_array_length(req) && !rc;
         i++) {
        const char *name = json_object_get_string(json_object_array_get_idx(req, i));
        if (name && !json_object_object_get_ex(v, name, NULL)) {
            char *cp = child_path(path, name);
            rc = cp ? k8sc_field_errors_add(errs, K8SC_FIELD_REQUIRED, cp, NULL, NULL) : K8SC_ENOMEM;
            k8sc_free(cp);
        }
    }
    if (!rc && maxp && count > json_object_get_int64(maxp)) {
        struct json_object *c = json_object_new_int64(count);
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_TOO_MANY, path, c, "must have at most %lld items",
            (long long)json_object_get_int64(maxp));
        json_object_put(c);
    }
    if (!rc && minp && count < json_object_get_int64(minp))
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, path, v, "%s in body should have at least %lld properties",
            path, (long long)json_object_get_int64(minp));
    bool meta = root || flag(s, "x-kubernetes-embedded-resource");
    json_object_object_foreach(v, key, child)
    {
        if (rc)
            break;
        if (meta && type_meta(key))
            continue;
        struct json_object *cs = get(props, key);
        if (!cs && is_obj(addl))
            cs = addl;
        if (!cs)
            continue;
        char *cp = child_path(path, key);
        rc = cp ? validate(errs, child, cs, cp, false) : K8SC_ENOMEM;
        k8sc_free(cp);
    }
    return rc;
}

static int check_array(k8sc_field_errors *errs, struct json_object *v, const struct json_object *s, const char *path)
{
    struct json_object *items = get(s, "items"), *maxi = get(s, "maxItems"), *mini = get(s, "minItems");
    int64_t n = (int64_t)json_object_array_length(v);
    int rc = 0;
    if (maxi && n > json_object_get_int64(maxi)) {
        struct json_object *c = json_object_new_int64(n);
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_TOO_MANY, path, c, "must have at most %lld items",
            (long long)json_object_get_int64(maxi));
        json_object_put(c);
    }
    if (!rc && mini && n < json_object_get_int64(mini))
        rc = k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, path, v, "%s in body should have at least %lld items",
            path, (long long)json_object_get_int64(mini));
    if (!rc && flag(s, "uniqueItems")) {
        for (int64_t i = 0; i < n && !rc; i++)
            for (int64_t j = i + 1; j < n && !rc; j++)
                if (json_object_equal(json_object_array_get_idx(v, (size_t)i), json_object_array_get_idx(v, (size_t)j)))
                    rc = k8sc_field_errors_add(errs, K8SC_FIELD_DUPLICATE, path, json_object_array_get_idx(v, (size_t)j),
                        NULL);
    }
    for (int64_t i = 0; is_obj(items) && i < n && !rc; i++) {
        char *ip = index_path(path, (size_t)i);
        rc = ip ? validate(errs, json_object_array_get_idx(v, (size_t)i), items, ip, false) : K8SC_ENOMEM;
        k8sc_free(ip);
    }
    return rc;
}

static int validate(k8sc_field_errors *errs, const struct json_object *v, const struct json_object *s,
    const char *path, bool root)
{
    if (!is_obj(s))
        return 0;
    struct json_object *type = get(s, "type");
    const char *want = type && json_object_is_type(type, json_type_string) ? json_object_get_string(type) : NULL;
    if (!v) {
        if (flag(s, "nullable") || !want)
            return 0;
    }
    if (flag(s, "x-kubernetes-int-or-string")) {
        if (v && !json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_string))
            return k8sc_field_errors_add_str(errs, K8SC_FIELD_TYPE_INVALID, path, type_of(v),
                "%s in body must be of type integer,string: \"%s\"", path, type_of(v));
    } else if (want && *want && !type_ok(want, v)) {
        return k8sc_field_errors_add_str(errs, K8SC_FIELD_TYPE_INVALID, path, type_of(v),
            "%s in body must be of type %s: \"%s\"", path, want, type_of(v));
    }
    int rc = 0;
    struct json_object *en = get(s, "enum");
    if (en && json_object_is_type(en, json_type_array) && (rc = check_enum(errs, v, en, path)))
        return rc;
    if (!v)
        return 0;
    switch (json_object_get_type(v)) {
    case json_type_string:
        return check_string(errs, v, s, path);
    case json_type_int:
    case json_type_double:
        return check_number(errs, v, s, path);
    case json_type_object:
        return check_object(errs, (struct json_object *)v, s, path, root);
    case json_type_array:
        return check_array(errs, (struct json_object *)v, s, path);
    default:
        return 0;
    }
}

int k8sc__schema_validate(k8sc_field_errors *errs, const struct json_object *root, const struct json_object *schema)
{
    int rc = validate(errs, root, schema, "", true);
    return rc < 0 ? rc : 0;
}
