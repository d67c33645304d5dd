/* codec: JSON parsing and encoding. */
#include "internal.h"
#include "testutil.h"

#include <json-c/json.h>
#include <k8sc/codec.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *encode(struct json_object *v, unsigned flags)
{
    char *s = NULL;
    ck_assert_msg(k8sc_json_encode(&s, NULL, v, flags) == 0, "%s", k8sc_error_last());
    return s;
}

/* Parse `in`, encode compactly, compare. */
static const struct { const char *in, *out; } round_trips[] = {
    { "{}", "{}" },
    { " [ 1 , 2 ]\n", "[1,2]" },
    { "{\"b\":1,\"a\":{\"z\":[true,false,null]}}", "{\"b\":1,\"a\":{\"z\":[true,false,null]}}" },
    { "\"caf\\u00e9 \\ud83d\\ude00\"", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"" },
    { "1.0", "1" },
    { "2.50", "2.5" },
    { "-0.000001", "-0.000001" },
    { "[-0.0, -0, 0e5]", "[0,0,0]" },
    { "1e21", "1e+21" },
    { "1E-7", "1e-7" },
    { "9223372036854775807", "9223372036854775807" },
    { "-9223372036854775808", "-9223372036854775808" },
    { "1234567890123456789", "1234567890123456789" },
    /* Integers beyond int64 read as float64, as Go and Kubernetes read them. */
    { "[9223372036854775808, -9223372036854775809]", "[9223372036854776000,-9223372036854776000]" },
    { "{\"a\":[18446744073709551616]}", "{\"a\":[18446744073709552000]}" },
    { "100000000000000000000000", "1e+23" },
    { "[1e-400]", "[0]" },
    { "\"12345678901234567890123\"", "\"12345678901234567890123\"" },
    { "\"<a href='x'>&</a>\"", "\"\\u003ca href='x'\\u003e\\u0026\\u003c/a\\u003e\"" },
    { "\"line\\nfeed\\ttab\\u0001\\\"\\\\/\"", "\"line\\nfeed\\ttab\\u0001\\\"\\\\/\"" },
    { "\"\\u2028\"", "\"\\u2028\"" },
    { "null", "null" },
};

START_TEST(parse_and_encode_round_trips)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(round_trips); i++) {
        struct json_object *v = NULL;
        int rc = k8sc_json_parse(&v, round_trips[i].in, strlen(round_trips[i].in));
        ck_assert_msg(rc == 0, "%s: %s", round_trips[i].in, k8sc_error_last());
        char *s = encode(v, 0);
        ck_assert_msg(strcmp(s, round_trips[i].out) == 0, "%s: got %s want %s", round_trips[i].in, s, round_trips[i].out);
        k8sc_free(s);
        json_object_put(v);
    }
}
END_TEST

static const struct { const char *in; int rc; const char *msg; } bad[] = {
    { "", K8SC_EINVAL, "unexpected end of input" },
    { "   ", K8SC_EINVAL, "unexpected end of input" },
    { "{\"a\":1", K8SC_EINVAL, "line 1, column 7: unexpected end of input" },
    { "{\"a\":1}}", K8SC_EINVAL, "line 1, column 8: invalid character '}' after top-level value" },
    { "{\n  \"a\": tru\n}", K8SC_EINVAL, "line 2" },
    { "{\"a\":1,}", K8SC_EINVAL, "line 1" },
    { "// comment\n{}", K8SC_EINVAL, "line 1" },
    { "{'a':1}", K8SC_EINVAL, "line 1" },
    { "[NaN]", K8SC_EINVAL, "line 1" },
    { "\"bad \xff utf8\"", K8SC_EINVAL, "line 1" },
    { "{\"a\":\"unterminated}", K8SC_EINVAL, "unexpected end of input" },
    { "{\"a\": 1e400}", K8SC_EINVAL, "column 7: number 1e400 is out of range" },
    { "[2.]", K8SC_EINVAL, "column 2: invalid number 2." },
    { "\"a\tb\"", K8SC_EINVAL, "column 3: invalid character 0x09 in string literal" },
    { "\"\xf7\xa6\xba\xb4\"", K8SC_EINVAL, "column 2: invalid UTF-8 in string" },
    { "[1.e5]", K8SC_EINVAL, "invalid number 1.e5" },
    { "[1e]", K8SC_EINVAL, "line 1" },
};

START_TEST(malformed_input_names_position)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(bad); i++) {
        struct json_object *v = (struct json_object *)1;
        int rc = k8sc_json_parse(&v, bad[i].in, strlen(bad[i].in));
        ck_assert_msg(rc == bad[i].rc, "%s: rc %d", bad[i].in, rc);
        ck_assert_msg(strstr(k8sc_error_last(), bad[i].msg) != NULL, "%s: message %s", bad[i].in, k8sc_error_last());
        ck_assert_ptr_eq(v, (struct json_object *)1);
    }
}
END_TEST

START_TEST(depth_is_capped)
{
    size_t n = K8SC_CODEC_MAX_DEPTH + 10;
    char *deep = malloc(2 * n + 1);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    struct json_object *v = NULL;
    ck_assert_int_eq(k8sc_json_parse(&v, deep, 2 * n), K8SC_ERANGE);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "nesting"));
    /* Exactly at the limit is fine. */
    n = K8SC_CODEC_MAX_DEPTH - 1;
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    ck_assert_int_eq(k8sc_json_parse(&v, deep, 2 * n), 0);
    json_object_put(v);
    free(deep);
}
END_TEST

START_TEST(pretty_and_ordered_output)
{
    const char *in = "{\"status\":{},\"zeta\":1,\"spec\":{\"b\":[1,{\"y\":2,\"x\":[]}],\"a\":{}},\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"p\"}}";
    struct json_object *v = NULL;
    ck_assert_int_eq(k8sc_json_parse(&v, in, strlen(in)), 0);
    char *s = encode(v, K8SC_ENCODE_K8S_ORDER);
    ck_assert_str_eq(s, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"b\":[1,{\"y\":2,\"x\":[]}],\"a\":{}},\"status\":{},\"zeta\":1}");
    k8sc_free(s);
    s = encode(v, K8SC_ENCODE_SORT_KEYS | K8SC_ENCODE_PRETTY | K8SC_ENCODE_NEWLINE);
    ck_assert_str_eq(s,
        "{\n"
        "    \"apiVersion\": \"v1\",\n"
        "    \"kind\": \"Pod\",\n"
        "    \"metadata\": {\n"
        "        \"name\": \"p\"\n"
        "    },\n"
        "    \"spec\": {\n"
        "        \"a\": {},\n"
        "        \"b\": [\n"
        "            1,\n"
        "            {\n"
        "                \"x\": [],\n"
        "                \"y\": 2\n"
        "            }\n"
        "        ]\n"
        "    },\n"
        "    \"status\": {},\n"
        "    \"zeta\": 1\n"
        "}\n");
    k8sc_free(s);
    json_object_put(v);
}
END_TEST

START_TEST(encode_escapes_like_go)
{
    struct json_object *v = json_object_new_string_len("a\x01\x1f\x7f\xff\xe2\x80\xa9z", 9);
    char *s = encode(v, 0);
    ck_assert_str_eq(s, "\"a\\u0001\\u001f\x7f\\ufffd\\u2029z\"");
    k8sc_free(s);
    json_object_put(v);
}
END_TEST

START_TEST(non_finite_numbers_are_refused)
{
    struct json_object *v = json_object_new_array();
    json_object_array_add(v, json_object_new_double(NAN));
    char *s = NULL;
    ck_assert_int_eq(k8sc_json_encode(&s, NULL, v, 0), K8SC_EINVAL);
    ck_assert_ptr_null(s);
    json_object_put(v);
}
END_TEST

START_TEST(large_kubernetes_object_round_trips)
{
    size_t len = 0;
    char *text = k8sc_test_read_data("json/deployment.json", &len);
    k8sc_object *obj = NULL;
    ck_assert_msg(k8sc_object_from_json(&obj, text, len) == 0, "%s", k8sc_error_last());
    char *out = NULL;
    size_t out_len = 0;
    ck_assert_int_eq(k8sc_object_to_json(&out, &out_len, obj, K8SC_ENCODE_PRETTY | K8SC_ENCODE_NEWLINE | K8SC_ENCODE_SORT_KEYS), 0);
    ck_assert_uint_eq(out_len, strlen(out));
    /* The fixture is kubectl's own `-o json` output: byte for byte the same. */
    ck_assert_str_eq(out, text);
    k8sc_free(out);
    k8sc_object_free(obj);
    free(text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json");
    k8sc_test_add(s, "parse_and_encode_round_trips", parse_and_encode_round_trips);
    k8sc_test_add(s, "malformed_input_names_position", malformed_input_names_position);
    k8sc_test_add(s, "depth_is_capped", depth_is_capped);
    k8sc_test_add(s, "pretty_and_ordered_output", pretty_and_ordered_output);
    k8sc_test_add(s, "encode_escapes_like_go", encode_escapes_like_go);
    k8sc_test_add(s, "non_finite_numbers_are_refused", non_finite_numbers_are_refused);
    k8sc_test_add(s, "large_kubernetes_object_round_trips", large_kubernetes_object_round_trips);
    return k8sc_test_main(s);
}
