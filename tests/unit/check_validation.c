/*
 * validation: field error lists and validators. The expected strings are
 * those kube-apiserver 1.32 returns (k8s.io/apimachinery
 * pkg/util/validation, pkg/api/validation and their tests), byte for byte.
 */
#include "testutil.h"

#include <json-c/json.h>
#include <k8sc/object.h>
#include <stdlib.h>
#include <string.h>

/* Kubernetes' messages, spelled out here independently of the library's copy. */
#define LABEL_MSG "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define SUBDOMAIN_MSG "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define DNS1035_MSG "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
#define QNAME_MSG "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define QNAME_SLASHES_MSG "a qualified name " QNAME_MSG " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
#define LABEL_VALUE_MSG "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

#define A63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define A64 A63 "a"
#define B63 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
/* 253 = 4 * 63 + 1 */
#define A253 A63 A63 A63 A63 "a"
#define A254 A253 "a"

/* The aggregate string of `errs` (caller frees), "" for none. */
static char *agg(const k8sc_field_errors *errs)
{
    char *s = NULL;
    ck_assert_int_eq(k8sc_field_errors_to_string(&s, errs), 0);
    ck_assert_ptr_nonnull(s);
    return s;
}

typedef int (*str_validator)(k8sc_field_errors *, const char *, const char *);

static const struct {
    const char *what;
    str_validator fn;
    const char *value;
    const char *want; /* aggregate with field "f", "" when valid */
} str_cases[] = {
    /* IsDNS1123Label, from validation_test.go */
    { "label", k8sc_validate_dns1123_label, "a", "" },
    { "label", k8sc_validate_dns1123_label, "ab", "" },
    { "label", k8sc_validate_dns1123_label, "a1", "" },
    { "label", k8sc_validate_dns1123_label, "a-1", "" },
    { "label", k8sc_validate_dns1123_label, "a--1--2--b", "" },
    { "label", k8sc_validate_dns1123_label, "0", "" },
    { "label", k8sc_validate_dns1123_label, "1-a", "" },
    { "label", k8sc_validate_dns1123_label, A63, "" },
    { "label", k8sc_validate_dns1123_label, "", "f: Invalid value: \"\": " LABEL_MSG },
    { "label", k8sc_validate_dns1123_label, "A", "f: Invalid value: \"A\": " LABEL_MSG },
    { "label", k8sc_validate_dns1123_label, "aBc", "f: Invalid value: \"aBc\": " LABEL_MSG },
    { "label", k8sc_validate_dns1123_label, "-", "f: Invalid value: \"-\": " LABEL_MSG },
    { "label", k8sc_validate_dns1123_label, "a-", "f: Invalid value: \"a-\": " LABEL_MSG },
    { "label", k8sc_validate_dns1123_label, "-a", "f: Invalid value: \"-a\": " LABEL_MSG },
    { "label", k8sc_validate_dns1123_label, "a_b", "f: Invalid value: \"a_b\": " LABEL_MSG },
    { "label", k8sc_validate_dns1123_label, "a b", "f: Invalid value: \"a b\": " LABEL_MSG },
    { "label", k8sc_validate_dns1123_label, ".", "f: Invalid value: \".\": " LABEL_MSG },
    { "label", k8sc_validate_dns1123_label, "a.b", "f: Invalid value: \"a.b\": must not contain dots" },
    { "label", k8sc_validate_dns1123_label, "1.2", "f: Invalid value: \"1.2\": must not contain dots" },
    { "label", k8sc_validate_dns1123_label, "a\n", "f: Invalid value: \"a\\n\": " LABEL_MSG },
    { "label", k8sc_validate_dns1123_label, A64,
      "f: Invalid value: \"" A64 "\": must be no more than 63 characters" },
    { "label", k8sc_validate_dns1123_label, A64 "-",
      "[f: Invalid value: \"" A64 "-\": must be no more than 63 characters, "
      "f: Invalid value: \"" A64 "-\": " LABEL_MSG "]" },
    /* IsDNS1123Subdomain */
    { "subdomain", k8sc_validate_dns1123_subdomain, "a", "" },
    { "subdomain", k8sc_validate_dns1123_subdomain, "a.b.c", "" },
    { "subdomain", k8sc_validate_dns1123_subdomain, "a-1.b-2", "" },
    { "subdomain", k8sc_validate_dns1123_subdomain, "0.a", "" },
    { "subdomain", k8sc_validate_dns1123_subdomain, "11.22.33.44.55", "" },
    { "subdomain", k8sc_validate_dns1123_subdomain, A253, "" },
    { "subdomain", k8sc_validate_dns1123_subdomain, "BadName", "f: Invalid value: \"BadName\": " SUBDOMAIN_MSG },
    { "subdomain", k8sc_validate_dns1123_subdomain, "", "f: Invalid value: \"\": " SUBDOMAIN_MSG },
    { "subdomain", k8sc_validate_dns1123_subdomain, "a..b", "f: Invalid value: \"a..b\": " SUBDOMAIN_MSG },
    { "subdomain", k8sc_validate_dns1123_subdomain, "a.", "f: Invalid value: \"a.\": " SUBDOMAIN_MSG },
    { "subdomain", k8sc_validate_dns1123_subdomain, ".a", "f: Invalid value: \".a\": " SUBDOMAIN_MSG },
    { "subdomain", k8sc_validate_dns1123_subdomain, "a.-b", "f: Invalid value: \"a.-b\": " SUBDOMAIN_MSG },
    { "subdomain", k8sc_validate_dns1123_subdomain, "a_b.c", "f: Invalid value: \"a_b.c\": " SUBDOMAIN_MSG },
    { "subdomain", k8sc_validate_dns1123_subdomain, A254,
      "f: Invalid value: \"" A254 "\": must be no more than 253 characters" },
    /* IsDNS1035Label */
    { "dns1035", k8sc_validate_dns1035_label, "a", "" },
    { "dns1035", k8sc_validate_dns1035_label, "a-1", "" },
    { "dns1035", k8sc_validate_dns1035_label, "a--1--2--b", "" },
    { "dns1035", k8sc_validate_dns1035_label, A63, "" },
    { "dns1035", k8sc_validate_dns1035_label, "0", "f: Invalid value: \"0\": " DNS1035_MSG },
    { "dns1035", k8sc_validate_dns1035_label, "1abc", "f: Invalid value: \"1abc\": " DNS1035_MSG },
    { "dns1035", k8sc_validate_dns1035_label, "my-Service", "f: Invalid value: \"my-Service\": " DNS1035_MSG },
    { "dns1035", k8sc_validate_dns1035_label, "a.b", "f: Invalid value: \"a.b\": " DNS1035_MSG },
    { "dns1035", k8sc_validate_dns1035_label, "a-", "f: Invalid value: \"a-\": " DNS1035_MSG },
    { "dns1035", k8sc_validate_dns1035_label, A64,
      "f: Invalid value: \"" A64 "\": must be no more than 63 characters" },
    /* IsQualifiedName */
    { "qname", k8sc_validate_qualified_name, "simple", "" },
    { "qname", k8sc_validate_qualified_name, "now-with-dashes", "" },
    { "qname", k8sc_validate_qualified_name, "1-starts-with-num", "" },
    { "qname", k8sc_validate_qualified_name, "1234", "" },
    { "qname", k8sc_validate_qualified_name, "simple/simple", "" },
    { "qname", k8sc_validate_qualified_name, "now-with-dashes/now-with-dashes", "" },
    { "qname", k8sc_validate_qualified_name, "now.with.dots/simple", "" },
    { "qname", k8sc_validate_qualified_name, "1-num.2-num/3-num", "" },
    { "qname", k8sc_validate_qualified_name, "1.2.3.4/5678", "" },
    { "qname", k8sc_validate_qualified_name, "Uppercase_Is_OK_123", "" },
    { "qname", k8sc_validate_qualified_name, "example.com/Uppercase_Is_OK_123", "" },
    { "qname", k8sc_validate_qualified_name, "requests.storage-foo", "" },
    { "qname", k8sc_validate_qualified_name, "app.kubernetes.io/name", "" },
    { "qname", k8sc_validate_qualified_name, A63, "" },
    { "qname", k8sc_validate_qualified_name, A253 "/" B63, "" },
    { "qname", k8sc_validate_qualified_name, "nospecialchars%^=@",
      "f: Invalid value: \"nospecialchars%^=@\": name part " QNAME_MSG },
    { "qname", k8sc_validate_qualified_name, "cantendwithadash-",
      "f: Invalid value: \"cantendwithadash-\": name part " QNAME_MSG },
    { "qname", k8sc_validate_qualified_name, "-cantstartwithadash-",
      "f: Invalid value: \"-cantstartwithadash-\": name part " QNAME_MSG },
    { "qname", k8sc_validate_qualified_name, "only/one/slash",
      "f: Invalid value: \"only/one/slash\": " QNAME_SLASHES_MSG },
    { "qname", k8sc_validate_qualified_name, "Example.com/abc",
      "f: Invalid value: \"Example.com/abc\": prefix part " SUBDOMAIN_MSG },
    { "qname", k8sc_validate_qualified_name, "example_com/abc",
      "f: Invalid value: \"example_com/abc\": prefix part " SUBDOMAIN_MSG },
    { "qname", k8sc_validate_qualified_name, "example.com/",
      "[f: Invalid value: \"example.com/\": name part must be non-empty, "
      "f: Invalid value: \"example.com/\": name part " QNAME_MSG "]" },
    { "qname", k8sc_validate_qualified_name, "/simple",
      "f: Invalid value: \"/simple\": prefix part must be non-empty" },
    { "qname", k8sc_validate_qualified_name, "",
      "[f: Invalid value: \"\": name part must be non-empty, f: Invalid value: \"\": name part " QNAME_MSG "]" },
    { "qname", k8sc_validate_qualified_name, A64,
      "f: Invalid value: \"" A64 "\": name part must be no more than 63 characters" },
    { "qname", k8sc_validate_qualified_name, A254 "/abc",
      "f: Invalid value: \"" A254 "/abc\": prefix part must be no more than 253 characters" },
    { "qname", k8sc_validate_qualified_name, "Bad_/x-",
      "[f: Invalid value: \"Bad_/x-\": prefix part " SUBDOMAIN_MSG ", "
      "f: Invalid value: \"Bad_/x-\": name part " QNAME_MSG "]" },
    /* IsValidLabelValue */
    { "labelvalue", k8sc_validate_label_value, "", "" },
    { "labelvalue", k8sc_validate_label_value, "simple", "" },
    { "labelvalue", k8sc_validate_label_value, "now-with-dashes", "" },
    { "labelvalue", k8sc_validate_label_value, "1-starts-with-num", "" },
    { "labelvalue", k8sc_validate_label_value, "end-with-num-1", "" },
    { "labelvalue", k8sc_validate_label_value, "1234", "" },
    { "labelvalue", k8sc_validate_label_value, "lower.case", "" },
    { "labelvalue", k8sc_validate_label_value, "UPPER_CASE", "" },
    { "labelvalue", k8sc_validate_label_value, A63, "" },
    { "labelvalue", k8sc_validate_label_value, "nospecialchars%^=@",
      "f: Invalid value: \"nospecialchars%^=@\": " LABEL_VALUE_MSG },
    { "labelvalue", k8sc_validate_label_value, "Tama-nui-te-r\xc4\x81.is.M\xc4\x81ori.sun",
      "f: Invalid value: \"Tama-nui-te-r\xc4\x81.is.M\xc4\x81ori.sun\": " LABEL_VALUE_MSG },
    { "labelvalue", k8sc_validate_label_value, "\\backslashes\\are\\bad",
      "f: Invalid value: \"\\\\backslashes\\\\are\\\\bad\": " LABEL_VALUE_MSG },
    { "labelvalue", k8sc_validate_label_value, "-starts-with-dash",
      "f: Invalid value: \"-starts-with-dash\": " LABEL_VALUE_MSG },
    { "labelvalue", k8sc_validate_label_value, "ends-with-dash-",
      "f: Invalid value: \"ends-with-dash-\": " LABEL_VALUE_MSG },
    { "labelvalue", k8sc_validate_label_value, ".starts.with.dot",
      "f: Invalid value: \".starts.with.dot\": " LABEL_VALUE_MSG },
    { "labelvalue", k8sc_validate_label_value, "with/slash",
      "f: Invalid value: \"with/slash\": " LABEL_VALUE_MSG },
    { "labelvalue", k8sc_validate_label_value, A64,
      "f: Invalid value: \"" A64 "\": must be no more than 63 characters" },
};

START_TEST(string_validators)
{
    const char *value = str_cases[_i].value;
    const char *want = str_cases[_i].want;
    k8sc_field_errors *errs = NULL;
    ck_assert_int_eq(k8sc_field_errors_new(&errs), 0);
    int n = str_cases[_i].fn(errs, "f", value);
    char *got = agg(errs);
    ck_assert_msg(strcmp(got, want) == 0, "%s(%s):\n got  %s\n want %s", str_cases[_i].what, value, got, want);
    ck_assert_int_eq(n, (int)k8sc_field_errors_count(errs));
    ck_assert_int_eq(n == 0, want[0] == '\0');
    /* Without a list: the same verdict and count. */
    ck_assert_int_eq(str_cases[_i].fn(NULL, NULL, value), n);
    free(got);
    k8sc_field_errors_free(errs);
}
END_TEST

/* Build an error list from a JSON bad value and print it. */
static char *one_error(k8sc_field_error_type type, const char *field, const char *value_json, const char *detail)
{
    k8sc_field_errors *errs = NULL;
    ck_assert_int_eq(k8sc_field_errors_new(&errs), 0);
    struct json_object *v = value_json ? json_tokener_parse(value_json) : NULL;
    ck_assert_msg(!value_json || v || strcmp(value_json, "null") == 0, "bad test JSON %s", value_json);
    ck_assert_int_eq(k8sc_field_errors_add(errs, type, field, v, "%s", detail), 0);
    json_object_put(v);
    char *s = agg(errs);
    k8sc_field_error e;
    ck_assert_int_eq(k8sc_field_errors_at(errs, 0, &e), 0);
    char *alone = NULL;
    ck_assert_int_eq(k8sc_field_error_to_string(&alone, &e), 0);
    ck_assert_str_eq(alone, s);
    free(alone);
    k8sc_field_errors_free(errs);
    return s;
}

static const struct {
    k8sc_field_error_type type;
    const char *field;
    const char *value; /* JSON; NULL: no value */
    const char *detail;
    const char *want;
} error_cases[] = {
    /* field.ErrorBody(): which types show the value, and how. */
    { K8SC_FIELD_INVALID, "metadata.name", "\"BadName\"", "bad", "metadata.name: Invalid value: \"BadName\": bad" },
    { K8SC_FIELD_INVALID, "metadata.generation", "-1", "must be greater than or equal to 0",
      "metadata.generation: Invalid value: -1: must be greater than or equal to 0" },
    { K8SC_FIELD_INVALID, "spec.paused", "true", "x", "spec.paused: Invalid value: true: x" },
    { K8SC_FIELD_INVALID, "spec.x", "null", "x", "spec.x: Invalid value: null: x" },
    { K8SC_FIELD_INVALID, "spec.x", NULL, "x", "spec.x: Invalid value: null: x" },
    { K8SC_FIELD_INVALID, "spec.x", "\"\"", "", "spec.x: Invalid value: \"\"" },
    { K8SC_FIELD_INVALID, "spec.x", "\"a\\\"b\\n\\u0001\"", "x", "spec.x: Invalid value: \"a\\\"b\\n\\x01\": x" },
    { K8SC_FIELD_INVALID, "spec.x", "9223372036854775807", "x", "spec.x: Invalid value: 9223372036854775807: x" },
    { K8SC_FIELD_INVALID, "spec.x", "18446744073709551615", "x", "spec.x: Invalid value: 18446744073709551615: x" },
    /* float64 prints as %v: shortest digits, exponent from 1e+06 and below 1e-04 */
    { K8SC_FIELD_INVALID, "spec.x", "0.5", "x", "spec.x: Invalid value: 0.5: x" },
    { K8SC_FIELD_INVALID, "spec.x", "-2.0", "x", "spec.x: Invalid value: -2: x" },
    { K8SC_FIELD_INVALID, "spec.x", "123456.0", "x", "spec.x: Invalid value: 123456: x" },
    { K8SC_FIELD_INVALID, "spec.x", "1000000.0", "x", "spec.x: Invalid value: 1e+06: x" },
    { K8SC_FIELD_INVALID, "spec.x", "0.0001", "x", "spec.x: Invalid value: 0.0001: x" },
    { K8SC_FIELD_INVALID, "spec.x", "0.00001", "x", "spec.x: Invalid value: 1e-05: x" },
    { K8SC_FIELD_INVALID, "spec.x", "0.30000000000000004", "x", "spec.x: Invalid value: 0.30000000000000004: x" },
    { K8SC_FIELD_INVALID, "spec.x", "1.5e300", "x", "spec.x: Invalid value: 1.5e+300: x" },
    /* Trees print as json.Marshal does: compact, keys sorted, HTML-escaped. */
    { K8SC_FIELD_INVALID, "spec.x", "{\"b\": 1, \"a\": \"<x&y>\", \"c\": [true, null, 1.5, 1e21, 1e-7, 0.000001]}", "x",
      "spec.x: Invalid value: {\"a\":\"\\u003cx\\u0026y\\u003e\",\"b\":1,\"c\":[true,null,1.5,1e+21,1e-7,0.000001]}: x" },
    { K8SC_FIELD_INVALID, "spec.x", "[]", "x", "spec.x: Invalid value: []: x" },
    { K8SC_FIELD_INVALID, "spec.x", "[\"a\\tb\\u2028\"]", "x", "spec.x: Invalid value: [\"a\\tb\\u2028\"]: x" },
    { K8SC_FIELD_TYPE_INVALID, "spec.replicas", "\"string\"", "spec.replicas in body must be of type integer: \"string\"",
      "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"" },
    /* Required, Forbidden, TooLong and Internal never show the value. */
    { K8SC_FIELD_REQUIRED, "metadata.namespace", "\"\"", "", "metadata.namespace: Required value" },
    { K8SC_FIELD_REQUIRED, "metadata.name", NULL, "name or generateName is required",
      "metadata.name: Required value: name or generateName is required" },
    { K8SC_FIELD_FORBIDDEN, "metadata.namespace", "\"ns\"", "not allowed on this type",
      "metadata.namespace: Forbidden: not allowed on this type" },
    { K8SC_FIELD_TOO_LONG, "metadata.annotations", "\"huge\"", "may not be more than 262144 bytes",
      "metadata.annotations: Too long: may not be more than 262144 bytes" },
    { K8SC_FIELD_INTERNAL, "spec", "\"x\"", "boom", "spec: Internal error: boom" },
    /* TooMany shows the count it was given, and nothing without one. */
    { K8SC_FIELD_TOO_MANY, "spec.list", "5", "must have at most 3 items", "spec.list: Too many: 5: must have at most 3 items" },
    { K8SC_FIELD_TOO_MANY, "spec.list", NULL, "must have at most 3 items", "spec.list: Too many: must have at most 3 items" },
    { K8SC_FIELD_NOT_SUPPORTED, "spec.restartPolicy", "\"Sometimes\"", "supported values: \"Always\", \"Never\", \"OnFailure\"",
      "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\", \"OnFailure\"" },
    { K8SC_FIELD_DUPLICATE, "spec.ports[1].name", "\"http\"", "", "spec.ports[1].name: Duplicate value: \"http\"" },
    { K8SC_FIELD_NOT_FOUND, "spec.volumes[0]", "\"data\"", "", "spec.volumes[0]: Not found: \"data\"" },
};

START_TEST(error_strings)
{
    char *got = one_error(error_cases[_i].type, error_cases[_i].field, error_cases[_i].value, error_cases[_i].detail);
    ck_assert_str_eq(got, error_cases[_i].want);
    free(got);
}
END_TEST

START_TEST(error_list_api)
{
    k8sc_field_errors *errs = NULL;
    ck_assert_int_eq(k8sc_field_errors_new(&errs), 0);
    ck_assert_uint_eq(k8sc_field_errors_count(errs), 0);
    char *s = agg(errs);
    ck_assert_str_eq(s, "");
    free(s);

    ck_assert_int_eq(k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, "spec.x", "v", "must be %d or %s", 1, "two"), 0);
    ck_assert_int_eq(k8sc_field_errors_add_str(errs, K8SC_FIELD_REQUIRED, "spec.y", "ignored", NULL), 0);
    ck_assert_int_eq(k8sc_field_errors_add_str(errs, K8SC_FIELD_TOO_MANY, "spec.z", NULL, "must have at most %d items", 2), 0);
    ck_assert_uint_eq(k8sc_field_errors_count(errs), 3);

    k8sc_field_error e;
    ck_assert_int_eq(k8sc_field_errors_at(errs, 0, &e), 0);
    ck_assert_int_eq(e.type, K8SC_FIELD_INVALID);
    ck_assert_str_eq(e.field, "spec.x");
    ck_assert_str_eq(e.bad_value, "\"v\"");
    ck_assert_str_eq(e.detail, "must be 1 or two");
    ck_assert_int_eq(k8sc_field_errors_at(errs, 1, &e), 0);
    ck_assert_ptr_null(e.bad_value);
    ck_assert_str_eq(e.detail, "");
    ck_assert_int_eq(k8sc_field_errors_at(errs, 2, &e), 0);
    ck_assert_ptr_null(e.bad_value);
    ck_assert_int_eq(k8sc_field_errors_at(errs, 3, &e), K8SC_ENOTFOUND);

    s = agg(errs);
    ck_assert_str_eq(s, "[spec.x: Invalid value: \"v\": must be 1 or two, spec.y: Required value, "
                        "spec.z: Too many: must have at most 2 items]");
    free(s);

    /* Bad arguments are errors, not crashes. */
    ck_assert_int_eq(k8sc_field_errors_add_str(errs, (k8sc_field_error_type)42, "f", "v", "d"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, NULL, "v", "d"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_field_errors_add(NULL, K8SC_FIELD_INVALID, "f", NULL, "d"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_field_errors_at(NULL, 0, &e), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_field_errors_to_string(&s, NULL), K8SC_EINVAL);
    k8sc_field_error bogus = { (k8sc_field_error_type)99, "f", NULL, "" };
    ck_assert_int_eq(k8sc_field_error_to_string(&s, &bogus), K8SC_EINVAL);
    ck_assert_uint_eq(k8sc_field_errors_count(errs), 3);
    ck_assert_uint_eq(k8sc_field_errors_count(NULL), 0);

    /* A caller-made error: Forbidden drops a value even if one is given. */
    k8sc_field_error mine = { K8SC_FIELD_FORBIDDEN, "spec.hostPID", "true", "disallowed" };
    ck_assert_int_eq(k8sc_field_error_to_string(&s, &mine), 0);
    ck_assert_str_eq(s, "spec.hostPID: Forbidden: disallowed");
    free(s);
    k8sc_field_errors_free(errs);
    k8sc_field_errors_free(NULL);
}
END_TEST

/* ToAggregate() drops repeated messages; one message left prints alone. */
START_TEST(aggregate_dedup)
{
    k8sc_field_errors *errs = NULL;
    ck_assert_int_eq(k8sc_field_errors_new(&errs), 0);
    k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, "a", "x", "bad");
    k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, "a", "x", "bad");
    char *s = agg(errs);
    ck_assert_str_eq(s, "a: Invalid value: \"x\": bad");
    free(s);
    k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, "b", "x", "bad");
    k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, "a", "x", "bad");
    k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, "a", "y", "bad");
    s = agg(errs);
    ck_assert_str_eq(s, "[a: Invalid value: \"x\": bad, b: Invalid value: \"x\": bad, a: Invalid value: \"y\": bad]");
    free(s);
    ck_assert_uint_eq(k8sc_field_errors_count(errs), 5);
    k8sc_field_errors_free(errs);

    /* Many errors, many repeats: every distinct message once, in order. */
    ck_assert_int_eq(k8sc_field_errors_new(&errs), 0);
    for (int i = 0; i < 3000; i++)
        ck_assert_int_eq(k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, "f", NULL, "n%d", i % 1000), 0);
    s = agg(errs);
    ck_assert_int_eq(strncmp(s, "[f: Invalid value: null: n0, f: Invalid value: null: n1, ", 56), 0);
    ck_assert_ptr_eq(strstr(s, "null: n0,"), s + 19);
    ck_assert_ptr_null(strstr(s + 28, "null: n0,"));
    const char *tail = ", f: Invalid value: null: n999]";
    ck_assert_str_eq(s + strlen(s) - strlen(tail), tail);
    size_t commas = 0;
    for (const char *p = s; *p; p++)
        commas += *p == ',';
    ck_assert_uint_eq(commas, 999);
    free(s);
    k8sc_field_errors_free(errs);
}
END_TEST

static struct json_object *parse(const char *text)
{
    struct json_object *j = json_tokener_parse(text);
    ck_assert_msg(j != NULL, "bad test JSON: %s", text);
    return j;
}

static const struct {
    bool annotations;
    const char *json;
    const char *want;
} map_cases[] = {
    { false, "{}", "" },
    { false, "{\"app\": \"web\", \"app.kubernetes.io/name\": \"web\", \"tier\": \"\"}", "" },
    { false, "{\"Example.com/x\": \"v\"}", "metadata.labels: Invalid value: \"Example.com/x\": prefix part " SUBDOMAIN_MSG },
    { false, "{\"bad key\": \"v\", \"k\": \"bad value!\"}",
      "[metadata.labels: Invalid value: \"bad key\": name part " QNAME_MSG ", "
      "metadata.labels: Invalid value: \"bad value!\": " LABEL_VALUE_MSG "]" },
    { false, "{\"k\": 5}",
      "metadata.labels[k]: Invalid value: \"integer\": metadata.labels[k] in body must be of type string: \"integer\"" },
    { false, "[\"k\"]", "metadata.labels: Invalid value: \"array\": metadata.labels in body must be of type object: \"array\"" },
    /* Annotation keys are checked lower-cased but shown as written. */
    { true, "{\"Example.com/Some-Key\": \"any value at all: !@#\"}", "" },
    /* Go's strings.ToLower turns the Kelvin sign into 'k' and U+0130 into 'i'. */
    { true, "{\"\xe2\x84\xaa" "ey\": \"v\", \"\xc4\xb0" "d\": \"v\"}", "" },
    { true, "{\"a/b/c\": \"v\"}", "metadata.annotations: Invalid value: \"a/b/c\": " QNAME_SLASHES_MSG },
    { true, "{\"_x\": \"v\"}", "metadata.annotations: Invalid value: \"_x\": name part " QNAME_MSG },
};

START_TEST(labels_and_annotations)
{
    struct json_object *m = parse(map_cases[_i].json);
    const char *field = map_cases[_i].annotations ? "metadata.annotations" : "metadata.labels";
    k8sc_field_errors *errs = NULL;
    ck_assert_int_eq(k8sc_field_errors_new(&errs), 0);
    int n = map_cases[_i].annotations ? k8sc_validate_annotations(errs, field, m) : k8sc_validate_labels(errs, field, m);
    char *got = agg(errs);
    ck_assert_msg(strcmp(got, map_cases[_i].want) == 0, "%s:\n got  %s\n want %s", map_cases[_i].json, got, map_cases[_i].want);
    ck_assert_int_eq(n, (int)k8sc_field_errors_count(errs));
    int quiet = map_cases[_i].annotations ? k8sc_validate_annotations(NULL, NULL, m) : k8sc_validate_labels(NULL, NULL, m);
    ck_assert_int_eq(quiet, n);
    free(got);
    k8sc_field_errors_free(errs);
    json_object_put(m);
}
END_TEST

/* TotalAnnotationSizeLimitB: keys plus values may total 262144 bytes, not one more. */
START_TEST(annotation_size_limit)
{
    const size_t limit = 256 * 1024;
    char *big = malloc(limit);
    ck_assert_ptr_nonnull(big);
    for (int extra = 0; extra <= 1; extra++) {
        /* key "a/b" (3 bytes) + value */
        size_t vlen = limit - 3 + (size_t)extra;
        memset(big, 'x', vlen);
        struct json_object *m = json_object_new_object();
        json_object_object_add(m, "a/b", json_object_new_string_len(big, (int)vlen));
        k8sc_field_errors *errs = NULL;
        ck_assert_int_eq(k8sc_field_errors_new(&errs), 0);
        int n = k8sc_validate_annotations(errs, "metadata.annotations", m);
        char *got = agg(errs);
        ck_assert_int_eq(n, extra);
        ck_assert_str_eq(got, extra ? "metadata.annotations: Too long: may not be more than 262144 bytes" : "");
        free(got);
        k8sc_field_errors_free(errs);
        json_object_put(m);
    }
    free(big);
}
END_TEST

static const struct {
    const char *json;
    bool namespaced;
    k8sc_name_rule rule;
    const char *want;
} meta_cases[] = {
    { "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-0\",\"namespace\":\"default\"}}",
      true, K8SC_NAME_DNS1123_SUBDOMAIN, "" },
    { "{\"metadata\":{\"name\":\"BadName\",\"namespace\":\"default\"}}", true, K8SC_NAME_DNS1123_SUBDOMAIN,
      "metadata.name: Invalid value: \"BadName\": " SUBDOMAIN_MSG },
    { "{}", true, K8SC_NAME_DNS1123_SUBDOMAIN,
      "[metadata.name: Required value: name or generateName is required, metadata.namespace: Required value]" },
    { "{\"metadata\":null}", false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "metadata.name: Required value: name or generateName is required" },
    { "{\"metadata\":{\"name\":\"\",\"namespace\":\"\"}}", false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "metadata.name: Required value: name or generateName is required" },
    { "{\"metadata\":{\"name\":\"node-1\",\"namespace\":\"default\"}}", false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "metadata.namespace: Forbidden: not allowed on this type" },
    { "{\"metadata\":{\"name\":\"x\",\"namespace\":\"foo.bar\"}}", true, K8SC_NAME_DNS1123_SUBDOMAIN,
      "metadata.namespace: Invalid value: \"foo.bar\": must not contain dots" },
    { "{\"metadata\":{\"name\":\"x\",\"namespace\":\"Default\"}}", true, K8SC_NAME_DNS1123_SUBDOMAIN,
      "metadata.namespace: Invalid value: \"Default\": " LABEL_MSG },
    /* Services: DNS-1035 label; namespaces: DNS-1123 label */
    { "{\"metadata\":{\"name\":\"1abc\",\"namespace\":\"default\"}}", true, K8SC_NAME_DNS1035_LABEL,
      "metadata.name: Invalid value: \"1abc\": " DNS1035_MSG },
    { "{\"metadata\":{\"name\":\"kube.system\"}}", false, K8SC_NAME_DNS1123_LABEL,
      "metadata.name: Invalid value: \"kube.system\": must not contain dots" },
    /* generateName alone will do; its trailing dash is masked ("Foo-" checks as "Foa"). */
    { "{\"metadata\":{\"generateName\":\"web-\",\"namespace\":\"default\"}}", true, K8SC_NAME_DNS1123_SUBDOMAIN, "" },
    { "{\"metadata\":{\"generateName\":\"a-\"}}", false, K8SC_NAME_DNS1035_LABEL, "" },
    { "{\"metadata\":{\"generateName\":\"Foo-\"}}", false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "metadata.generateName: Invalid value: \"Foo-\": " SUBDOMAIN_MSG },
    { "{\"metadata\":{\"generateName\":\"-\"}}", false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "metadata.generateName: Invalid value: \"-\": " SUBDOMAIN_MSG },
    { "{\"metadata\":{\"generateName\":\"Bad-\",\"name\":\"Bad-x\"}}", false, K8SC_NAME_DNS1123_LABEL,
      "[metadata.generateName: Invalid value: \"Bad-\": " LABEL_MSG ", "
      "metadata.name: Invalid value: \"Bad-x\": " LABEL_MSG "]" },
    /* Path-segment names: anything but ".", ".." and '/' or '%' */
    { "{\"metadata\":{\"name\":\"Any Name_at:all\"}}", false, K8SC_NAME_PATH_SEGMENT, "" },
    { "{\"metadata\":{\"name\":\"..\"}}", false, K8SC_NAME_PATH_SEGMENT, "metadata.name: Invalid value: \"..\": may not be '..'" },
    { "{\"metadata\":{\"name\":\".\"}}", false, K8SC_NAME_PATH_SEGMENT, "metadata.name: Invalid value: \".\": may not be '.'" },
    { "{\"metadata\":{\"name\":\"a/b%c\"}}", false, K8SC_NAME_PATH_SEGMENT,
      "[metadata.name: Invalid value: \"a/b%c\": may not contain '/', metadata.name: Invalid value: \"a/b%c\": may not contain '%']" },
    { "{\"metadata\":{\"generateName\":\"..\"}}", false, K8SC_NAME_PATH_SEGMENT, "" },
    { "{\"metadata\":{\"generateName\":\"x/\"}}", false, K8SC_NAME_PATH_SEGMENT,
      "metadata.generateName: Invalid value: \"x/\": may not contain '/'" },
    /* generation */
    { "{\"metadata\":{\"name\":\"x\",\"generation\":-1}}", false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "metadata.generation: Invalid value: -1: must be greater than or equal to 0" },
    { "{\"metadata\":{\"name\":\"x\",\"generation\":0}}", false, K8SC_NAME_DNS1123_SUBDOMAIN, "" },
    /* labels and annotations */
    { "{\"metadata\":{\"name\":\"x\",\"labels\":{\"app\":\"-bad\"},\"annotations\":{\"a/b/c\":\"\"}}}", false,
      K8SC_NAME_DNS1123_SUBDOMAIN,
      "[metadata.labels: Invalid value: \"-bad\": " LABEL_VALUE_MSG ", "
      "metadata.annotations: Invalid value: \"a/b/c\": " QNAME_SLASHES_MSG "]" },
    /* ownerReferences */
    { "{\"metadata\":{\"name\":\"x\",\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\","
      "\"name\":\"web\",\"uid\":\"1\",\"controller\":true,\"blockOwnerDeletion\":true}]}}", false, K8SC_NAME_DNS1123_SUBDOMAIN, "" },
    { "{\"metadata\":{\"name\":\"x\",\"ownerReferences\":[{}]}}", false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "[metadata.ownerReferences.apiVersion: Invalid value: \"\": version must not be empty, "
      "metadata.ownerReferences.kind: Invalid value: \"\": kind must not be empty, "
      "metadata.ownerReferences.name: Invalid value: \"\": name must not be empty, "
      "metadata.ownerReferences.uid: Invalid value: \"\": uid must not be empty]" },
    { "{\"metadata\":{\"name\":\"x\",\"ownerReferences\":[{\"apiVersion\":\"a/b/c\",\"kind\":\"K\",\"name\":\"n\",\"uid\":\"u\"},"
      "{\"apiVersion\":\"foo/\",\"kind\":\"K\",\"name\":\"n\",\"uid\":\"u\"},"
      "{\"apiVersion\":\"customresourceVersion\",\"kind\":\"K\",\"name\":\"n\",\"uid\":\"u\"}]}}", false,
      K8SC_NAME_DNS1123_SUBDOMAIN,
      "[metadata.ownerReferences.apiVersion: Invalid value: \"a/b/c\": version must not be empty, "
      "metadata.ownerReferences.apiVersion: Invalid value: \"foo/\": version must not be empty]" },
    { "{\"metadata\":{\"name\":\"x\",\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"name\":\"n\",\"uid\":\"u\"}]}}",
      false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "metadata.ownerReferences: Invalid value: {\"apiVersion\":\"v1\",\"kind\":\"Event\",\"name\":\"n\",\"uid\":\"u\"}: "
      "/v1, Kind=Event is disallowed from being an owner" },
    { "{\"metadata\":{\"name\":\"x\",\"ownerReferences\":["
      "{\"apiVersion\":\"v\",\"kind\":\"customresourceKind1\",\"name\":\"name\",\"uid\":\"1\",\"controller\":false},"
      "{\"apiVersion\":\"v\",\"kind\":\"customresourceKind2\",\"name\":\"name\",\"uid\":\"2\",\"controller\":true},"
      "{\"apiVersion\":\"v\",\"kind\":\"customresourceKind3\",\"name\":\"name\",\"uid\":\"3\",\"controller\":true},"
      "{\"apiVersion\":\"v\",\"kind\":\"customresourceKind4\",\"name\":\"name\",\"uid\":\"4\"}]}}",
      false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "metadata.ownerReferences: Invalid value: ["
      "{\"apiVersion\":\"v\",\"controller\":false,\"kind\":\"customresourceKind1\",\"name\":\"name\",\"uid\":\"1\"},"
      "{\"apiVersion\":\"v\",\"controller\":true,\"kind\":\"customresourceKind2\",\"name\":\"name\",\"uid\":\"2\"},"
      "{\"apiVersion\":\"v\",\"controller\":true,\"kind\":\"customresourceKind3\",\"name\":\"name\",\"uid\":\"3\"},"
      "{\"apiVersion\":\"v\",\"kind\":\"customresourceKind4\",\"name\":\"name\",\"uid\":\"4\"}]: "
      "Only one reference can have Controller set to true. Found \"true\" in references for "
      "customresourceKind2/name and customresourceKind3/name" },
    /* finalizers */
    { "{\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"x\",\"finalizers\":[\"orphan\",\"foregroundDeletion\"]}}",
      false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "metadata.finalizers: Invalid value: []string{\"orphan\", \"foregroundDeletion\"}: "
      "finalizer orphan and foregroundDeletion cannot be both set" },
    { "{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\",\"finalizers\":[\"kubernetes\",\"example.com/cleanup\",\"foo\"]}}",
      false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "metadata.finalizers[2]: Invalid value: \"foo\": name is neither a standard finalizer name nor is it fully qualified" },
    { "{\"apiVersion\":\"networking.k8s.io/v1\",\"metadata\":{\"name\":\"x\",\"finalizers\":[\"cleanup.example.com\"]}}",
      false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "metadata.finalizers[0]: Invalid value: \"cleanup.example.com\": name is neither a standard finalizer name nor is it fully qualified" },
    /* Custom resources only get a warning for that. */
    { "{\"apiVersion\":\"example.com/v1\",\"metadata\":{\"name\":\"x\",\"finalizers\":[\"foo\"]}}",
      false, K8SC_NAME_DNS1123_SUBDOMAIN, "" },
    { "{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\",\"finalizers\":[\"Foo_\"]}}",
      false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "[metadata.finalizers: Invalid value: \"Foo_\": name part " QNAME_MSG ", "
      "metadata.finalizers[0]: Invalid value: \"Foo_\": name is neither a standard finalizer name nor is it fully qualified]" },
    /* managedFields */
    { "{\"metadata\":{\"name\":\"x\",\"managedFields\":[{\"manager\":\"kubectl\",\"operation\":\"Apply\","
      "\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{}}]}}", false, K8SC_NAME_DNS1123_SUBDOMAIN, "" },
    { "{\"metadata\":{\"name\":\"x\",\"managedFields\":[{\"manager\":\"k\\u0007\",\"operation\":\"Patch\",\"fieldsType\":\"FieldsV2\"}]}}",
      false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "[metadata.managedFields[0].operation: Invalid value: \"Patch\": must be `Apply` or `Update`, "
      "metadata.managedFields[0].fieldsType: Invalid value: \"FieldsV2\": must be `FieldsV1`, "
      "metadata.managedFields[0].manager: Invalid value: \"k\\a\": invalid character U+0007 (at position 1)]" },
    /* Wrong JSON types, worded as schema validation words them, and nothing more about them. */
    { "{\"metadata\":[]}", false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "metadata: Invalid value: \"array\": metadata in body must be of type object: \"array\"" },
    { "{\"metadata\":{\"name\":5,\"namespace\":true}}", true, K8SC_NAME_DNS1123_SUBDOMAIN,
      "[metadata.name: Invalid value: \"integer\": metadata.name in body must be of type string: \"integer\", "
      "metadata.namespace: Invalid value: \"boolean\": metadata.namespace in body must be of type string: \"boolean\"]" },
    { "{\"metadata\":{\"name\":\"x\",\"generation\":1.5,\"finalizers\":\"f\",\"ownerReferences\":[1,{\"uid\":7,"
      "\"apiVersion\":\"v1\",\"kind\":\"K\",\"name\":\"n\",\"controller\":\"yes\"}]}}",
      false, K8SC_NAME_DNS1123_SUBDOMAIN,
      "[metadata.generation: Invalid value: \"number\": metadata.generation in body must be of type integer: \"number\", "
      "metadata.ownerReferences[0]: Invalid value: \"integer\": metadata.ownerReferences[0] in body must be of type object: \"integer\", "
      "metadata.ownerReferences[1].uid: Invalid value: \"integer\": metadata.ownerReferences[1].uid in body must be of type string: \"integer\", "
      "metadata.ownerReferences[1].controller: Invalid value: \"string\": metadata.ownerReferences[1].controller in body must be of type boolean: \"string\", "
      "metadata.finalizers: Invalid value: \"string\": metadata.finalizers in body must be of type array: \"string\"]" },
};

START_TEST(object_meta)
{
    struct json_object *root = parse(meta_cases[_i].json);
    k8sc_object *obj = NULL;
    ck_assert_int_eq(k8sc_object_wrap(&obj, root), 0);
    k8sc_field_errors *errs = NULL;
    ck_assert_int_eq(k8sc_field_errors_new(&errs), 0);
    int n = k8sc_validate_object_meta(errs, obj, meta_cases[_i].namespaced, meta_cases[_i].rule);
    char *got = agg(errs);
    ck_assert_msg(strcmp(got, meta_cases[_i].want) == 0, "%s:\n got  %s\n want %s", meta_cases[_i].json, got,
        meta_cases[_i].want);
    ck_assert_int_eq(n, (int)k8sc_field_errors_count(errs));
    ck_assert_int_eq(k8sc_validate_object_meta(NULL, obj, meta_cases[_i].namespaced, meta_cases[_i].rule), n);
    free(got);
    k8sc_field_errors_free(errs);
    k8sc_object_free(obj);
}
END_TEST

START_TEST(bad_arguments)
{
    k8sc_field_errors *errs = NULL;
    ck_assert_int_eq(k8sc_field_errors_new(&errs), 0);
    ck_assert_int_eq(k8sc_validate_dns1123_label(errs, "f", NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_validate_qualified_name(errs, NULL, "x"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_validate_object_meta(errs, NULL, true, K8SC_NAME_DNS1123_SUBDOMAIN), K8SC_EINVAL);
    k8sc_object *obj = NULL;
    ck_assert_int_eq(k8sc_object_new(&obj, "v1", "Pod"), 0);
    ck_assert_int_eq(k8sc_validate_object_meta(errs, obj, true, (k8sc_name_rule)7), K8SC_EINVAL);
    ck_assert_uint_eq(k8sc_field_errors_count(errs), 0);
    ck_assert_int_eq(k8sc_field_errors_new(NULL), K8SC_EINVAL);
    k8sc_object_free(obj);
    k8sc_field_errors_free(errs);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("validation");
    TCase *tc = tcase_create("string_validators");
    tcase_add_loop_test(tc, string_validators, 0, (int)(sizeof(str_cases) / sizeof(str_cases[0])));
    suite_add_tcase(s, tc);
    tc = tcase_create("error_strings");
    tcase_add_loop_test(tc, error_strings, 0, (int)(sizeof(error_cases) / sizeof(error_cases[0])));
    suite_add_tcase(s, tc);
    tc = tcase_create("labels_and_annotations");
    tcase_add_loop_test(tc, labels_and_annotations, 0, (int)(sizeof(map_cases) / sizeof(map_cases[0])));
    suite_add_tcase(s, tc);
    tc = tcase_create("object_meta");
    tcase_add_loop_test(tc, object_meta, 0, (int)(sizeof(meta_cases) / sizeof(meta_cases[0])));
    suite_add_tcase(s, tc);
    k8sc_test_add(s, "error_list_api", error_list_api);
    k8sc_test_add(s, "aggregate_dedup", aggregate_dedup);
    k8sc_test_add(s, "annotation_size_limit", annotation_size_limit);
    k8sc_test_add(s, "bad_arguments", bad_arguments);
    return k8sc_test_main(s);
}
