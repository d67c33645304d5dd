/* codec: manifest streams as kubectl create -f reads them. */
#include "internal.h"
#include "testutil.h"

#include <k8sc/codec.h>
#include <stdlib.h>
#include <string.h>

static size_t decode(const char *text, k8sc_object ***objs)
{
    size_t n = 0;
    int rc = k8sc_manifest_decode(objs, &n, text, strlen(text));
    ck_assert_msg(rc == 0, "%s", k8sc_error_last());
    return n;
}

static void assert_names(k8sc_object **objs, size_t n, const char *const *want)
{
    size_t i = 0;
    for (; want[i]; i++) {
        ck_assert_msg(i < n, "only %zu objects", n);
        char got[128];
        snprintf(got, sizeof(got), "%s/%s", k8sc_object_kind(objs[i]), k8sc_object_name(objs[i]));
        ck_assert_str_eq(got, want[i]);
    }
    ck_assert_uint_eq(n, i);
}

START_TEST(yaml_stream_with_empty_documents_and_lists)
{
    k8sc_object **objs = NULL;
    size_t n = decode(
        "---\n"
        "# leading comment\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
        "---\n"
        "---\n"
        "# only a comment\n"
        "...\n"
        "---\n"
        "apiVersion: v1\nkind: List\nitems:\n"
        "- {apiVersion: v1, kind: Service, metadata: {name: b}}\n"
        "- {apiVersion: apps/v1, kind: Deployment, metadata: {name: c}}\n"
        "---\n"
        "apiVersion: v1\nkind: PodList\nitems: []\n"
        "---\n"
        "apiVersion: v1\nkind: Secret\nmetadata: {name: d}\n",
        &objs);
    static const char *const want[] = { "ConfigMap/a", "Service/b", "Deployment/c", "Secret/d", NULL };
    assert_names(objs, n, want);
    k8sc_objects_free(objs, n);
}
END_TEST

START_TEST(json_stream)
{
    k8sc_object **objs = NULL;
    size_t n = decode(
        "  {\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}\n"
        "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}]}"
        "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"ns\"}}",
        &objs);
    static const char *const want[] = { "ConfigMap/a", "Pod/p", "Namespace/ns", NULL };
    assert_names(objs, n, want);
    k8sc_objects_free(objs, n);
}
END_TEST

START_TEST(empty_input_gives_no_objects)
{
    k8sc_object **objs = NULL;
    size_t n = decode("", &objs);
    ck_assert_uint_eq(n, 0);
    k8sc_objects_free(objs, n);
    n = decode("# nothing here\n---\n", &objs);
    ck_assert_uint_eq(n, 0);
    k8sc_objects_free(objs, n);
}
END_TEST

static const struct { const char *in, *msg; } bad[] = {
    { "apiVersion: v1\nmetadata: {name: a}\n", "document 1 (line 1): Object 'Kind' is missing" },
    { "kind: Pod\n", "Object 'apiVersion' is missing" },
    { "apiVersion: v1\nkind: Pod\n---\n- a\n- b\n", "document 2 (line 3): expected an object" },
    { "apiVersion: v1\nkind: List\nitems:\n- {kind: Pod}\n", "items[0]" },
    { "apiVersion: v1\nkind: List\nitems: 3\n", "items must be a list" },
    { "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n", "line" },
    { "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"", "unexpected end of input" },
    { "{\"apiVersion\":\"v1\"}", "Object 'Kind' is missing" },
};

START_TEST(bad_documents_are_named)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(bad); i++) {
        k8sc_object **objs = NULL;
        size_t n = 7;
        int rc = k8sc_manifest_decode(&objs, &n, bad[i].in, strlen(bad[i].in));
        ck_assert_msg(rc == K8SC_EINVAL, "case %zu: rc %d", i, rc);
        ck_assert_msg(strstr(k8sc_error_last(), bad[i].msg) != NULL, "case %zu: %s", i, k8sc_error_last());
        ck_assert_uint_eq(n, 7);
    }
}
END_TEST

START_TEST(demo_manifest_decodes)
{
    size_t len = 0;
    char *text = k8sc_test_read_data("../../examples/manifests/demo.yaml", &len);
    k8sc_object **objs = NULL;
    size_t n = 0;
    ck_assert_msg(k8sc_manifest_decode(&objs, &n, text, len) == 0, "%s", k8sc_error_last());
    static const char *const want[] = { "Deployment/web", "Service/web", "Deployment/cache", "ConfigMap/settings", NULL };
    assert_names(objs, n, want);
    /* The alias copied the labels into the template. */
    ck_assert_str_eq(k8sc_object_get_string(objs[0], "spec.template.metadata.labels.tier"), "frontend");
    /* Quoted scalars stay strings. */
    ck_assert_str_eq(k8sc_object_get_string(objs[3], "data.debug"), "yes");
    k8sc_objects_free(objs, n);
    free(text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("manifest");
    k8sc_test_add(s, "yaml_stream_with_empty_documents_and_lists", yaml_stream_with_empty_documents_and_lists);
    k8sc_test_add(s, "json_stream", json_stream);
    k8sc_test_add(s, "empty_input_gives_no_objects", empty_input_gives_no_objects);
    k8sc_test_add(s, "bad_documents_are_named", bad_documents_are_named);
    k8sc_test_add(s, "demo_manifest_decodes", demo_manifest_decodes);
    return k8sc_test_main(s);
}
