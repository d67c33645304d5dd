/*
 * Label and field selector parsers on arbitrary input. Whatever parses
 * must print (String()) to text that parses back to the same print, and
 * matching must be total.
 */
#include <k8sc/k8sc.h>

#include <json-c/json.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const labels[][2] = {
    { "app", "web" }, { "tier", "front" }, { "x", "1" }, { "y", "-5" }, { "k8s.io/name", "a.b" }, { "empty", "" },
};

static const char *lookup(const char *key, void *userdata)
{
    (void)userdata;
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(labels[i][0], key) == 0)
            return labels[i][1];
    return NULL;
}

static struct json_object *label_map(void)
{
    static struct json_object *map;
    if (!map) {
        map = json_object_new_object();
        for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
            json_object_object_add(map, labels[i][0], json_object_new_string(labels[i][1]));
    }
    return map;
}

static void check_label_selector(const char *text)
{
    k8sc_selector *sel = NULL;
    if (k8sc_selector_parse(&sel, text) != 0) {
        if (sel || k8sc_error_last()[0] == '\0')
            abort();
        return;
    }
    char *s1 = NULL, *s2 = NULL;
    k8sc_selector *again = NULL;
    if (k8sc_selector_to_string(&s1, sel) != 0 || k8sc_selector_parse(&again, s1) != 0 ||
        k8sc_selector_to_string(&s2, again) != 0 || strcmp(s1, s2) != 0)
        abort();
    if (k8sc_selector_is_everything(sel) != (k8sc_selector_count(sel) == 0) ||
        k8sc_selector_count(sel) != k8sc_selector_count(again))
        abort();
    bool m = k8sc_selector_matches(sel, lookup, NULL);
    if (m != k8sc_selector_matches_map(sel, label_map()) || m != k8sc_selector_matches(again, lookup, NULL))
        abort();
    for (size_t i = 0; i < k8sc_selector_count(sel); i++) {
        const char *key;
        k8sc_selector_op op;
        const char *const *values;
        size_t n;
        if (k8sc_selector_requirement(sel, i, &key, &op, &values, &n) != 0 || !key || (n && !values))
            abort();
    }
    k8sc_free(s1);
    k8sc_free(s2);
    k8sc_selector_free(sel);
    k8sc_selector_free(again);
}

static void check_field_selector(const char *text)
{
    k8sc_field_selector *sel = NULL;
    if (k8sc_field_selector_parse(&sel, text) != 0) {
        if (sel || k8sc_error_last()[0] == '\0')
            abort();
        return;
    }
    char *s1 = NULL, *s2 = NULL;
    k8sc_field_selector *again = NULL;
    if (k8sc_field_selector_to_string(&s1, sel) != 0 || k8sc_field_selector_parse(&again, s1) != 0 ||
        k8sc_field_selector_to_string(&s2, again) != 0 || strcmp(s1, s2) != 0)
        abort();
    if (k8sc_field_selector_matches(sel, lookup, NULL) != k8sc_field_selector_matches(again, lookup, NULL))
        abort();
    for (size_t i = 0; i < k8sc_field_selector_count(sel); i++) {
        const char *field, *value;
        k8sc_selector_op op;
        if (k8sc_field_selector_term(sel, i, &field, &op, &value) != 0)
            abort();
        /* A term pinning a value must be what RequiresExactMatch reports for some term on that field. */
        const char *exact = k8sc_field_selector_exact(sel, field);
        if (op == K8SC_SEL_EQUALS && !exact)
            abort();
    }
    k8sc_free(s1);
    k8sc_free(s2);
    k8sc_field_selector_free(sel);
    k8sc_field_selector_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    check_label_selector(text);
    check_field_selector(text);
    free(text);
    return 0;
}
