/*
 * Validators on arbitrary input: a JSON object goes through ObjectMeta
 * validation under every name rule, any text through the name checks.
 * Counting with and without a list must agree, every error must print,
 * and the rules must nest as Kubernetes' regexes do.
 */
#include <k8sc/k8sc.h>

#include <json-c/json.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Validate through `errs` and without one; print everything; return the count. */
static int checked(int n, int quiet, k8sc_field_errors *errs)
{
    if (n < 0 || n != quiet || (size_t)n != k8sc_field_errors_count(errs))
        abort();
    for (size_t i = 0; i < k8sc_field_errors_count(errs); i++) {
        k8sc_field_error e;
        char *s = NULL;
        if (k8sc_field_errors_at(errs, i, &e) != 0 || k8sc_field_error_to_string(&s, &e) != 0)
            abort();
        k8sc_free(s);
    }
    char *all = NULL;
    if (k8sc_field_errors_to_string(&all, errs) != 0 || (n > 0) != (all[0] != '\0'))
        abort();
    k8sc_free(all);
    return n;
}

static void check_object(struct json_object *root)
{
    k8sc_object *obj = NULL;
    if (k8sc_object_wrap(&obj, json_object_get(root)) != 0) {
        json_object_put(root);
        return;
    }
    for (int rule = K8SC_NAME_DNS1123_SUBDOMAIN; rule <= K8SC_NAME_PATH_SEGMENT; rule++) {
        for (int ns = 0; ns <= 1; ns++) {
            k8sc_field_errors *errs = NULL;
            if (k8sc_field_errors_new(&errs) != 0)
                abort();
            checked(k8sc_validate_object_meta(errs, obj, ns, (k8sc_name_rule)rule),
                k8sc_validate_object_meta(NULL, obj, ns, (k8sc_name_rule)rule), errs);
            k8sc_field_errors_free(errs);
        }
    }
    k8sc_field_errors *errs = NULL;
    if (k8sc_field_errors_new(&errs) != 0)
        abort();
    checked(k8sc_validate_labels(errs, "l", root), k8sc_validate_labels(NULL, NULL, root), errs);
    k8sc_field_errors_free(errs);
    if (k8sc_field_errors_new(&errs) != 0)
        abort();
    checked(k8sc_validate_annotations(errs, "a", root), k8sc_validate_annotations(NULL, NULL, root), errs);
    /* Any value at all must print as a bad value. */
    if (k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, "v", root, "x") != 0)
        abort();
    k8sc_field_errors_free(errs);
    k8sc_object_free(obj);
}

static int one(int (*fn)(k8sc_field_errors *, const char *, const char *), const char *text)
{
    k8sc_field_errors *errs = NULL;
    if (k8sc_field_errors_new(&errs) != 0)
        abort();
    int n = checked(fn(errs, "f", text), fn(NULL, NULL, text), errs);
    k8sc_field_errors_free(errs);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *root = json_tokener_parse_ex(tok, (const char *)data, (int)(size > INT32_MAX ? INT32_MAX : size));
    if (root)
        check_object(root);
    json_object_put(root);
    json_tokener_free(tok);

    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    int label = one(k8sc_validate_dns1123_label, text);
    int subdomain = one(k8sc_validate_dns1123_subdomain, text);
    int dns1035 = one(k8sc_validate_dns1035_label, text);
    int qname = one(k8sc_validate_qualified_name, text);
    int value = one(k8sc_validate_label_value, text);
    /* [a-z]... is a [a-z0-9]... label, which is a one-label subdomain. */
    if ((dns1035 == 0 && label != 0) || (label == 0 && subdomain != 0))
        abort();
    /* Without a '/', a qualified name is exactly a non-empty label value. */
    if (!strchr(text, '/') && text[0] && (qname == 0) != (value == 0))
        abort();
    free(text);
    return 0;
}
