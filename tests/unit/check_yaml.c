/*
 * codec: YAML decoding and encoding. The typing and encoding tables are
 * what kubectl 1.32 does with the same text (`kubectl label --local -f
 * x.yaml -o json` / `-o yaml`), except where noted.
 */
#include "codec/yaml_internal.h"
#include "testutil.h"

#include <json-c/json.h>
#include <k8sc/codec.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct json_object *json(const char *text)
{
    struct json_object *v = NULL;
    ck_assert_msg(k8sc_json_parse(&v, text, strlen(text)) == 0, "bad expectation %s: %s", text, k8sc_error_last());
    return v;
}

static struct json_object *yaml(const char *text)
{
    struct json_object *v = NULL;
    int rc = k8sc_yaml_parse(&v, text, strlen(text));
    ck_assert_msg(rc == 0, "parsing %s: %s", text, k8sc_error_last());
    return v;
}

static char *text_of(struct json_object *v)
{
    char *s = NULL;
    ck_assert(k8sc_json_encode(&s, NULL, v, 0) == 0);
    return s;
}

/* Parse `in` as YAML and compare with the JSON text `want` (types included: 1 is not 1.0). */
static void expect(const char *in, const char *want)
{
    struct json_object *got = yaml(in), *exp = json(want);
    char *g = text_of(got);
    ck_assert_msg(json_object_equal(got, exp), "%s: got %s (%s), want %s", in, g,
        got ? json_type_to_name(json_object_get_type(got)) : "null", want);
    k8sc_free(g);
    json_object_put(got);
    json_object_put(exp);
}

static void expect_error(const char *in, size_t len, int code, const char *msg)
{
    struct json_object *v = NULL;
    int rc = k8sc_yaml_parse(&v, in, len);
    ck_assert_msg(rc == code, "%s: rc %d, want %d (%s)", in, rc, code, k8sc_error_last());
    ck_assert_ptr_null(v);
    ck_assert_msg(strstr(k8sc_error_last(), msg) != NULL, "%s: message \"%s\" lacks \"%s\"", in,
        k8sc_error_last(), msg);
}

static char *to_yaml(struct json_object *v, unsigned flags)
{
    char *s = NULL;
    size_t len = 0;
    int rc = k8sc_yaml_encode(&s, &len, v, flags);
    ck_assert_msg(rc == 0, "%s", k8sc_error_last());
    ck_assert_uint_eq(len, strlen(s));
    return s;
}

/* Encode, read back, compare: the encoder's promise. */
static void round_trip(struct json_object *v)
{
    char *s = to_yaml(v, K8SC_ENCODE_SORT_KEYS);
    struct json_object *back = NULL;
    int rc = k8sc_yaml_parse(&back, s, strlen(s));
    ck_assert_msg(rc == 0, "reparsing %s: %s", s, k8sc_error_last());
    char *a = text_of(v), *b = text_of(back);
    ck_assert_msg(json_object_equal(v, back), "round trip of %s gave %s via\n%s", a, b, s);
    k8sc_free(a);
    k8sc_free(b);
    k8sc_free(s);
    json_object_put(back);
}

/* A plain scalar as a mapping value -> the JSON kubectl sends for it. */
static const struct { const char *scalar, *json; } typing[] = {
    { "y", "true" },
    { "Y", "true" },
    { "yes", "true" },
    { "Yes", "true" },
    { "YES", "true" },
    { "n", "false" },
    { "N", "false" },
    { "no", "false" },
    { "No", "false" },
    { "NO", "false" },
    { "true", "true" },
    { "True", "true" },
    { "TRUE", "true" },
    { "false", "false" },
    { "False", "false" },
    { "FALSE", "false" },
    { "on", "true" },
    { "On", "true" },
    { "ON", "true" },
    { "off", "false" },
    { "Off", "false" },
    { "OFF", "false" },
    { "yEs", "\"yEs\"" },
    { "tRue", "\"tRue\"" },
    { "oN", "\"oN\"" },
    { "~", "null" },
    { "null", "null" },
    { "Null", "null" },
    { "NULL", "null" },
    { "nUll", "\"nUll\"" },
    { "0", "0" },
    { "-0", "0" },
    { "+0", "0" },
    { "00", "0" },
    { "007", "7" },
    { "08", "8" },
    { "0o17", "15" },
    { "0O17", "15" },
    { "0x1F", "31" },
    { "0X1f", "31" },
    { "0x", "\"0x\"" },
    { "0b101", "5" },
    { "0B101", "5" },
    { "-0b101", "-5" },
    { "0b-101", "-5" },
    { "0b+101", "5" },
    { "+0b101", "5" },
    { "-0x10", "-16" },
    { "+0x10", "16" },
    { "1_000", "1000" },
    { "_1000", "\"_1000\"" },
    { "1000_", "1000" },
    { "1__0", "10" },
    { "0x_1F", "31" },
    { "0b_1", "1" },
    { "1_0.5", "10.5" },
    { "1e3", "1000" },
    { "1E3", "1000" },
    { "1e+3", "1000" },
    { "1e-3", "0.001" },
    { "1.", "1" },
    { "1.5", "1.5" },
    { "-1.5", "-1.5" },
    { "+1.5", "1.5" },
    { ".5", "0.5" },
    { "-.5", "-0.5" },
    { "+.5", "0.5" },
    { "._5", "\"._5\"" },
    { ".5_5", "0.55" },
    { ".5e1_0", "5000000000" },
    { ".e5", "\".e5\"" },
    { ".", "\".\"" },
    { "..", "\"..\"" },
    { "1.5.5", "\"1.5.5\"" },
    { "1e", "\"1e\"" },
    { "1e+", "\"1e+\"" },
    { "e3", "\"e3\"" },
    { "1e3.5", "\"1e3.5\"" },
    { "0.0", "0" },
    { "-0.0", "0" },
    { "1.0", "1" },
    { "3.0e2", "300" },
    { "1e21", "1e+21" },
    { "1e-7", "1e-07" },
    { "1e400", "\"1e400\"" },
    { "-1e400", "\"-1e400\"" },
    { ".5e400", "\".5e400\"" },
    { "1e-400", "0" },
    { "9223372036854775807", "9223372036854775807" },
    { "9223372036854775808", "9.223372036854776e18" },
    { "-9223372036854775808", "-9223372036854775808" },
    { "-9223372036854775809", "-9.223372036854776e18" },
    { "18446744073709551615", "1.8446744073709552e19" },
    { "18446744073709551616", "1.8446744073709552e19" },
    { "0xFFFFFFFFFFFFFFFF", "1.8446744073709552e19" },
    { "0x10000000000000000", "\"0x10000000000000000\"" },
    { "0b1111111111111111111111111111111111111111111111111111111111111111", "1.8446744073709552e19" },
    { "2001-12-14", "\"2001-12-14\"" },
    { "2001-12-14t21:59:43.10-05:00", "\"2001-12-14t21:59:43.10-05:00\"" },
    { "2001-12-14T21:59:43Z", "\"2001-12-14T21:59:43Z\"" },
    { "2001-12-14 21:59:43.10", "\"2001-12-14 21:59:43.10\"" },
    { "2001-12-14T21:59:43", "\"2001-12-14T21:59:43\"" },
    { "2001-02-30", "\"2001-02-30\"" },
    { "2001-13-01", "\"2001-13-01\"" },
    { "2001-1-1", "\"2001-1-1\"" },
    { "20011-12-14", "\"20011-12-14\"" },
    { "1:20", "\"1:20\"" },
    { "1:20:30.5", "\"1:20:30.5\"" },
    { "-1:20", "\"-1:20\"" },
    { "1:60", "\"1:60\"" },
    { "12:30", "\"12:30\"" },
    { "+1", "1" },
    { "+", "\"+\"" },
    { "--1", "\"--1\"" },
    { "1-1", "\"1-1\"" },
    { "0.", "0" },
    { "0..1", "\"0..1\"" },
    { "1e5_0", "1e+50" },
    { "1_e5", "100000" },
    { "0x1.8p1", "\"0x1.8p1\"" },
    { "0x1p-2", "\"0x1p-2\"" },
    { "inf", "\"inf\"" },
    { "Infinity", "\"Infinity\"" },
    { "NaN", "\"NaN\"" },
    { "nan", "\"nan\"" },
    { ".nan2", "\".nan2\"" },
    { "1,000", "\"1,000\"" },
    { "1 000", "\"1 000\"" },
    { "\xe0\xa5\xa7""\xe0\xa5\xa8""", "\"\\u0967\\u0968\"" },
    { "\xd9\xa3""", "\"\\u0663\"" },

};

START_TEST(scalar_typing_matches_kubectl)
{
    char doc[512], want[512];
    snprintf(doc, sizeof(doc), "v: %s\n", typing[_i].scalar);
    snprintf(want, sizeof(want), "{\"v\":%s}", typing[_i].json);
    expect(doc, want);
}
END_TEST

/* Tags, quoting and block scalars decide before the text does. */
static const struct { const char *in, *json; } tagged[] = {
    { "v: '1'", "{\"v\":\"1\"}" },
    { "v: \"true\"", "{\"v\":\"true\"}" },
    { "v: \"\"", "{\"v\":\"\"}" },
    { "v: ''", "{\"v\":\"\"}" },
    { "v:", "{\"v\":null}" },
    { "v: |\n  12\n", "{\"v\":\"12\\n\"}" },
    { "v: !!str 12", "{\"v\":\"12\"}" },
    { "v: !!str", "{\"v\":\"\"}" },
    { "v: !!int \"12\"", "{\"v\":12}" },
    { "v: !!int 0x10", "{\"v\":16}" },
    { "v: !!bool \"yes\"", "{\"v\":true}" },
    { "v: !!null \"\"", "{\"v\":null}" },
    { "v: !!null ~", "{\"v\":null}" },
    { "v: !!float 1", "{\"v\":1.0}" },   /* kubectl sends 1 either way; the tag keeps the double */
    { "v: !!float \"1.5\"", "{\"v\":1.5}" },
    { "v: !!float 1e3", "{\"v\":1000.0}" },
    { "v: !!timestamp 2001-12-14", "{\"v\":\"2001-12-14\"}" },
    { "v: !!binary aGVsbG8=", "{\"v\":\"hello\"}" },
    { "v: !!binary |\n  aGVs\n  bG8=\n", "{\"v\":\"hello\"}" },
    { "v: !!binary \"\"", "{\"v\":\"\"}" },
    { "v: !foo bar", "{\"v\":\"bar\"}" },
    { "v: !foo 12", "{\"v\":\"12\"}" },
    { "v: ! 12", "{\"v\":\"12\"}" },
    { "v: !!map {a: 1}", "{\"v\":{\"a\":1}}" },
    { "v: !!str [1]", "{\"v\":[1]}" },        /* collection tags are ignored */
    { "v: !<tag:yaml.org,2002:int> '7'", "{\"v\":7}" },
    { "%TAG !e! tag:yaml.org,2002:\n---\nv: !e!int '7'", "{\"v\":7}" },
    { "v: \"\\x41\\u00e9\\t\"", "{\"v\":\"A\\u00e9\\t\"}" },
    { "v: <<", "{\"v\":\"<<\"}" },
};

START_TEST(tags_and_quotes)
{
    expect(tagged[_i].in, tagged[_i].json);
}
END_TEST

/* Keys become strings the way sigs.k8s.io/yaml makes them. */
static const struct { const char *key, *want; } keys[] = {
    { "1", "1" }, { "0x10", "16" }, { "1_000", "1000" }, { "-0", "0" }, { "yes", "true" }, { "n", "false" },
    { "Off", "false" }, { "1.5", "1.5" }, { "1.0", "1" }, { "1e3", "1000" }, { "1e7", "1e+07" },
    { "0.1", "0.1" }, { "3.14159265358979", "3.1415927" }, { "1e300", ".inf" }, { "-1e300", "-.inf" },
    { ".inf", ".inf" }, { ".nan", ".nan" }, { "123456789", "123456789" }, { "1e-7", "1e-07" },
    { "16777217.0", "1.6777216e+07" }, { "2001-12-14", "2001-12-14" }, { "1:20", "1:20" },
    { "\"1\"", "1" }, { "'yes'", "yes" }, { "!!str 1.5", "1.5" }, { "!!float 5", "5" },
    { "!!binary aGVsbG8=", "hello" }, { "? complex\n", "complex" }, { "\"\"", "" }, { "\"<<\"", "<<" },
};

START_TEST(keys_become_strings)
{
    char doc[256];
    snprintf(doc, sizeof(doc), "%s: x\n", keys[_i].key);
    if (strncmp(keys[_i].key, "? ", 2) == 0)
        snprintf(doc, sizeof(doc), "%s: x\n", keys[_i].key);
    struct json_object *v = yaml(doc);
    ck_assert_int_eq(json_object_object_length(v), 1);
    struct json_object *x = NULL;
    ck_assert_msg(json_object_object_get_ex(v, keys[_i].want, &x), "%s: key not \"%s\" in %s", keys[_i].key,
        keys[_i].want, json_object_to_json_string(v));
    ck_assert_str_eq(json_object_get_string(x), "x");
    json_object_put(v);
}
END_TEST

START_TEST(repeated_keys_keep_the_last_value)
{
    /* go-yaml v2 (non-strict, as kubectl decodes manifests) lets the last one win. */
    expect("a: 1\nb: 2\na: 3\n", "{\"a\":3,\"b\":2}");
    expect("yes: 1\ntrue: 2\n", "{\"true\":2}");
}
END_TEST

START_TEST(multi_document_stream)
{
    static const char stream[] = "---\n# only a comment\n---\na: 1\n...\n---\n- x\n--- |\n  lit\n---\n";
    static const struct { const char *json; size_t line; } docs[] = {
        { "null", 1 }, { "{\"a\":1}", 3 }, { "[\"x\"]", 6 }, { "\"lit\\n\"", 8 }, { "null", 10 },
    };
    k8sc_yaml_reader *r = NULL;
    ck_assert_int_eq(k8sc_yaml_reader_new(&r, stream, strlen(stream)), 0);
    for (size_t i = 0; i < K8SC__ARRAY_LEN(docs); i++) {
        struct json_object *d = (struct json_object *)1;
        ck_assert_int_eq(k8sc_yaml_reader_next(r, &d), 1);
        struct json_object *want = json(docs[i].json);
        ck_assert_msg(json_object_equal(d, want), "document %zu: %s", i, json_object_to_json_string(d));
        ck_assert_uint_eq(k8sc_yaml_reader_line(r), docs[i].line);
        json_object_put(d);
        json_object_put(want);
    }
    struct json_object *d = NULL;
    ck_assert_int_eq(k8sc_yaml_reader_next(r, &d), 0);
    ck_assert_int_eq(k8sc_yaml_reader_next(r, &d), 0);
    ck_assert_ptr_null(d);
    k8sc_yaml_reader_free(r);
}
END_TEST

START_TEST(documents_without_markers)
{
    static const struct { const char *text; int docs; size_t first_line; } cases[] = {
        { "", 0, 0 }, { "# nothing\n\n", 0, 0 }, { "a: 1", 1, 1 }, { "\n\n  \na: 1\n", 1, 4 },
        { "a: 1\n---\nb: 2\n", 2, 1 }, { "%YAML 1.1\n---\na: 1\n", 1, 1 }, { "\xef\xbb\xbf" "a: 1\n", 1, 1 },
    };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(cases); i++) {
        k8sc_yaml_reader *r = NULL;
        ck_assert_int_eq(k8sc_yaml_reader_new(&r, cases[i].text, strlen(cases[i].text)), 0);
        struct json_object *d = NULL;
        int n = 0, rc;
        while ((rc = k8sc_yaml_reader_next(r, &d)) == 1) {
            if (n++ == 0)
                ck_assert_uint_eq(k8sc_yaml_reader_line(r), cases[i].first_line);
            json_object_put(d);
        }
        ck_assert_msg(rc == 0, "%s: %s", cases[i].text, k8sc_error_last());
        ck_assert_int_eq(n, cases[i].docs);
        k8sc_yaml_reader_free(r);
    }
}
END_TEST

START_TEST(parse_wants_one_document)
{
    struct json_object *v = (struct json_object *)1;
    ck_assert_int_eq(k8sc_yaml_parse(&v, "", 0), 0);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(k8sc_yaml_parse(&v, NULL, 0), 0);
    ck_assert_ptr_null(v);
    expect("~", "null");
    expect("---\n---\na: 1\n---\n", "{\"a\":1}");
    expect("--- 5\n", "5");
    expect_error("a: 1\n---\nb: 2\n", 14, K8SC_EINVAL, "yaml: line 2: a second document starts here");
}
END_TEST

START_TEST(anchors_aliases_and_merge_keys)
{
    expect("base: &b {x: 1, l: [1, 2]}\nd:\n  <<: *b\n  w: 2\n",
        "{\"base\":{\"x\":1,\"l\":[1,2]},\"d\":{\"x\":1,\"l\":[1,2],\"w\":2}}");
    /* explicit keys after the merge win ... */
    expect("a: &a {x: 1, w: 1}\nb:\n  <<: *a\n  x: 2\n", "{\"a\":{\"x\":1,\"w\":1},\"b\":{\"x\":2,\"w\":1}}");
    /* ... but go-yaml v2 lets a later merge overwrite earlier keys */
    expect("b:\n  x: 2\n  <<: {x: 1, w: 1}\n", "{\"b\":{\"x\":1,\"w\":1}}");
    /* in a list of maps the earlier map wins */
    expect("<<: [{a: 1}, {a: 2, b: 2}]\n", "{\"a\":1,\"b\":2}");
    expect("m: &m {a: 1}\np:\n  <<: [*m, {a: 3, c: 3}]\n", "{\"m\":{\"a\":1},\"p\":{\"a\":1,\"c\":3}}");
    expect("<<: {}\n", "{}");
    expect("\"<<\": {a: 1}\n", "{\"<<\":{\"a\":1}}");
    expect("!!merge <<: {a: 1}\n", "{\"a\":1}");
    expect("<<: &x {a: 1}\nb: *x\n", "{\"a\":1,\"b\":{\"a\":1}}");
    expect("k: &k name\n*k : v\n", "{\"k\":\"name\",\"name\":\"v\"}");
    /* a scalar alias is typed where it lands: 1e7 is 10000000 as a value, "1e+07" as a key */
    expect("a: &n 1e7\nb: {*n : x}\nc: *n\n", "{\"a\":10000000,\"b\":{\"1e+07\":\"x\"},\"c\":10000000}");
    expect("a: &x 1\nb: *x\nc: &x 2\nd: *x\n", "{\"a\":1,\"b\":1,\"c\":2,\"d\":2}");
    expect("- &s [1, [2]]\n- *s\n- *s\n", "[[1,[2]],[1,[2]],[1,[2]]]");
    expect("- &e\n- *e\n", "[null,null]");
    /* the latest definition of a name wins, counted from where it starts */
    expect("- &a [&a 1, *a]\n- *a\n", "[[1,1],1]");
    expect_error("- &a 1\n- &a [*a]\n", 16, K8SC_EINVAL, "line 2, column 7: anchor 'a' value contains itself");
}
END_TEST

START_TEST(alias_copies_are_independent)
{
    struct json_object *v = yaml("a: &x {k: [1]}\nb: *x\nc:\n  <<: *x\n");
    struct json_object *a = json_object_object_get(v, "a"), *b = json_object_object_get(v, "b");
    struct json_object *c = json_object_object_get(v, "c");
    json_object_array_add(json_object_object_get(b, "k"), json_object_new_int(2));
    json_object_array_add(json_object_object_get(c, "k"), json_object_new_int(3));
    ck_assert_uint_eq(json_object_array_length(json_object_object_get(a, "k")), 1);
    ck_assert_uint_eq(json_object_array_length(json_object_object_get(b, "k")), 2);
    ck_assert_uint_eq(json_object_array_length(json_object_object_get(c, "k")), 2);
    json_object_put(v);
}
END_TEST

START_TEST(block_scalars)
{
    expect("a: |\n  x\n  y\n", "{\"a\":\"x\\ny\\n\"}");
    expect("a: |-\n  x\n  y\n\n", "{\"a\":\"x\\ny\"}");
    expect("a: |+\n  x\n\n\nb: 1\n", "{\"a\":\"x\\n\\n\\n\",\"b\":1}");
    expect("a: >\n  folded\n  text\n\n  para\n", "{\"a\":\"folded text\\npara\\n\"}");
    expect("a: >-\n  x\n   more\n  y\n", "{\"a\":\"x\\n more\\ny\"}");
    expect("a: >+\n  x\n\n", "{\"a\":\"x\\n\\n\"}");
    expect("a: |2\n    x\n   y\n", "{\"a\":\"  x\\n y\\n\"}");
    expect("a: |\n  # not a comment\n", "{\"a\":\"# not a comment\\n\"}");
    expect("- |\n  one\n- >\n  two\n", "[\"one\\n\",\"two\\n\"]");
}
END_TEST

START_TEST(flow_collections_and_json)
{
    expect("{a: 1, b: [1, 2, {c: d}], e: {}, f: []}", "{\"a\":1,\"b\":[1,2,{\"c\":\"d\"}],\"e\":{},\"f\":[]}");
    expect("[a, 'b', \"c\", ~, yes, 0x10]", "[\"a\",\"b\",\"c\",null,true,16]");
    expect("{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [1.5, -0, true, null, \"x\"]}",
        "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[1.5,0,true,null,\"x\"]}");
    expect("a: {b: {c: [[]]}}", "{\"a\":{\"b\":{\"c\":[[]]}}}");
    expect("[a: 1]", "[{\"a\":1}]");
}
END_TEST

/* Bad input: EINVAL (or ERANGE for limits) with the position and the problem. */
static const struct { const char *in; size_t len; int code; const char *msg; } errors[] = {
#define E(text, code, msg) { text, sizeof(text) - 1, code, msg }
    E("a: [\n", K8SC_EINVAL, "yaml: line 2, column 1: did not find expected node content"),
    E("a: 1\n b: 2\n", K8SC_EINVAL, "yaml: line 2, column 3: mapping values are not allowed in this context"),
    E("a: b\nc\n", K8SC_EINVAL, "yaml: line 3, column 1: could not find expected ':'"),
    E("a: \"\\q\"\n", K8SC_EINVAL, "yaml: line 1, column 5: found unknown escape character"),
    E("a: @x\n", K8SC_EINVAL, "yaml: line 1, column 4: found character that cannot start any token"),
    E("a:\n\t- b\n", K8SC_EINVAL, "found character that cannot start any token"),
    E("x: 1\na: b\x01\n", K8SC_EINVAL, "yaml: line 2, column 5: control characters are not allowed"),
    E("a: \xff\n", K8SC_EINVAL, "yaml: line 1, column 4: invalid leading UTF-8 octet"),
    E("a: 'open\n", K8SC_EINVAL, "found unexpected end of stream"),
    E("a: 1\nb: *nope\n", K8SC_EINVAL, "yaml: line 2, column 4: unknown anchor 'nope' referenced"),
    E("a: &a\n  b: *a\n", K8SC_EINVAL, "yaml: line 2, column 6: anchor 'a' value contains itself"),
    E("<<: 1\n", K8SC_EINVAL, "yaml: line 1, column 5: map merge requires map or sequence of maps as the value"),
    E("<<: [{}, 1]\n", K8SC_EINVAL, "map merge requires map or sequence of maps"),
    E("<<: [[]]\n", K8SC_EINVAL, "map merge requires map or sequence of maps"),
    E("<<:\n", K8SC_EINVAL, "map merge requires map or sequence of maps"),
    E("x: &x [1]\n<<: *x\n", K8SC_EINVAL, "yaml: line 2, column 5: map merge requires map"),
    E("? [a]\n: 1\n", K8SC_EINVAL, "yaml: line 1, column 3: invalid map key: a sequence"),
    E("{a: 1}: 1\n", K8SC_EINVAL, "invalid map key: a mapping"),
    E("x: &x {a: 1}\n*x : 1\n", K8SC_EINVAL, "yaml: line 2, column 1: invalid map key: a mapping"),
    E("~: 1\n", K8SC_EINVAL, "yaml: line 1, column 1: unsupported map key: null"),
    E("? \n: 1\n", K8SC_EINVAL, "unsupported map key: null"),
    E("9223372036854775808: 1\n", K8SC_EINVAL, "unsupported map key of type uint64: 9223372036854775808"),
    E("\"a\\0b\": 1\n", K8SC_EINVAL, "mapping key contains a NUL character"),
    E("a: .nan\n", K8SC_EINVAL, "yaml: line 1, column 4: json: unsupported value: NaN"),
    E("a: [-.Inf]\n", K8SC_EINVAL, "json: unsupported value: -Inf"),
    E("a: !!float .inf\n", K8SC_EINVAL, "json: unsupported value: +Inf"),
    E("a: !!int 1.5\n", K8SC_EINVAL, "yaml: line 1, column 4: cannot decode !!float `1.5` as a !!int"),
    E("a: !!bool 1\n", K8SC_EINVAL, "cannot decode !!int `1` as a !!bool"),
    E("a: !!float x\n", K8SC_EINVAL, "cannot decode !!str `x` as a !!float"),
    E("a: !!null 0\n", K8SC_EINVAL, "cannot decode !!int `0` as a !!null"),
    E("a: !!float 18446744073709551615\n", K8SC_EINVAL, "cannot decode !!int `18446744073709551615` as a !!float"),
    E("a: !!timestamp x\n", K8SC_EINVAL, "cannot decode !!str `x` as a !!timestamp"),
    E("a: !!binary \"!!\"\n", K8SC_EINVAL, "yaml: line 1, column 4: !!binary value contains invalid base64 data"),
    E("a: !!binary aGVsbG8\n", K8SC_EINVAL, "!!binary value contains invalid base64 data"),
#undef E
};

START_TEST(errors_name_position_and_problem)
{
    expect_error(errors[_i].in, errors[_i].len, errors[_i].code, errors[_i].msg);
}
END_TEST

START_TEST(reader_errors_are_sticky)
{
    static const char stream[] = "a: 1\n---\nb: [\n---\nc: 3\n";
    k8sc_yaml_reader *r = NULL;
    ck_assert_int_eq(k8sc_yaml_reader_new(&r, stream, strlen(stream)), 0);
    struct json_object *d = NULL;
    ck_assert_int_eq(k8sc_yaml_reader_next(r, &d), 1);
    json_object_put(d);
    ck_assert_int_eq(k8sc_yaml_reader_next(r, &d), K8SC_EINVAL);
    ck_assert_ptr_null(d);
    k8sc_error_clear();
    ck_assert_int_eq(k8sc_yaml_reader_next(r, &d), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "yaml: line 4"));
    k8sc_yaml_reader_free(r);
    k8sc_yaml_reader_free(NULL);
    ck_assert_uint_eq(k8sc_yaml_reader_line(NULL), 0);
    ck_assert_int_eq(k8sc_yaml_reader_new(NULL, "", 0), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_yaml_reader_new(&r, NULL, 3), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_yaml_parse(NULL, "", 0), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_yaml_reader_next(NULL, &d), K8SC_EINVAL);
}
END_TEST

static char *repeat(const char *a, size_t n, const char *mid, const char *b, size_t m)
{
    size_t la = strlen(a), lm = strlen(mid), lb = strlen(b);
    char *s = malloc(la * n + lm + lb * m + 1);
    ck_assert_ptr_nonnull(s);
    char *p = s;
    for (size_t i = 0; i < n; i++, p += la)
        memcpy(p, a, la);
    memcpy(p, mid, lm);
    p += lm;
    for (size_t i = 0; i < m; i++, p += lb)
        memcpy(p, b, lb);
    *p = '\0';
    return s;
}

START_TEST(nesting_is_capped)
{
    struct json_object *v = NULL;
    char *ok = repeat("[", K8SC_CODEC_MAX_DEPTH, "", "]", K8SC_CODEC_MAX_DEPTH);
    ck_assert_int_eq(k8sc_yaml_parse(&v, ok, strlen(ok)), 0);
    round_trip(v);
    json_object_put(v);
    free(ok);
    char *deep = repeat("[", K8SC_CODEC_MAX_DEPTH + 1, "", "]", K8SC_CODEC_MAX_DEPTH + 1);
    expect_error(deep, strlen(deep), K8SC_ERANGE, "column 257: nesting deeper than 256");
    free(deep);
    char *block = repeat("- ", K8SC_CODEC_MAX_DEPTH + 1, "x\n", "", 0);
    expect_error(block, strlen(block), K8SC_ERANGE, "nesting deeper than 256");
    free(block);
    /* An alias pasted deep counts its own depth: 1 + 55 + 200 levels fit, one more does not. */
    char *anchored = repeat("[", 200, "", "]", 200);
    char doc[2048];
    for (int extra = 55; extra <= 56; extra++) {
        char *inner = repeat("[", (size_t)extra, "*x", "]", (size_t)extra);
        snprintf(doc, sizeof(doc), "- &x %s\n- %s\n", anchored, inner);
        if (extra == 55) {
            ck_assert_msg(k8sc_yaml_parse(&v, doc, strlen(doc)) == 0, "%s", k8sc_error_last());
            json_object_put(v);
        } else {
            expect_error(doc, strlen(doc), K8SC_ERANGE, "nesting deeper than 256");
        }
        free(inner);
    }
    free(anchored);
}
END_TEST

START_TEST(alias_bombs_are_refused)
{
    /* the classic: nine levels of ten aliases, a billion strings */
    static const char bomb[] =
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
        "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
        "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
        "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    expect_error(bomb, strlen(bomb), K8SC_ERANGE, "document contains excessive aliasing");
    /* merges are expansions too */
    static const char merges[] =
        "a: &a {a0: 0, a1: 1, a2: 2, a3: 3, a4: 4, a5: 5, a6: 6, a7: 7, a8: 8, a9: 9}\n"
        "b: &b {b0: *a, b1: *a, b2: *a, b3: *a, b4: *a, b5: *a, b6: *a, b7: *a, b8: *a, b9: *a}\n"
        "c: &c {c0: *b, c1: *b, c2: *b, c3: *b, c4: *b, c5: *b, c6: *b, c7: *b, c8: *b, c9: *b}\n"
        "d: &d {d0: *c, d1: *c, d2: *c, d3: *c, d4: *c, d5: *c, d6: *c, d7: *c, d8: *c, d9: *c}\n"
        "e: &e {e0: *d, e1: *d, e2: *d, e3: *d, e4: *d, e5: *d, e6: *d, e7: *d, e8: *d, e9: *d}\n"
        "f: &f {f0: *e, f1: *e, f2: *e, f3: *e, f4: *e, f5: *e, f6: *e, f7: *e, f8: *e, f9: *e}\n"
        "g: {<<: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f], z: 1}\n";
    expect_error(merges, strlen(merges), K8SC_ERANGE, "excessive aliasing");
    /* a few aliases in a real manifest are fine */
    expect("defaults: &d {cpu: 100m}\nx: {<<: *d}\nz: {<<: *d}\n",
        "{\"defaults\":{\"cpu\":\"100m\"},\"x\":{\"cpu\":\"100m\"},\"z\":{\"cpu\":\"100m\"}}");
}
END_TEST

START_TEST(node_budget_is_enforced)
{
    /* 1 mapping + 2 keys + a sequence of 3 + the alias + its 4-node copy = 12 nodes */
    static const char doc[] = "a: &x [1, 2, 3]\nb: *x\n";
    for (size_t budget = 11; budget <= 12; budget++) {
        k8sc_yaml_reader *r = NULL;
        ck_assert_int_eq(k8sc__yaml_reader_new_limited(&r, doc, strlen(doc), budget), 0);
        struct json_object *v = NULL;
        int rc = k8sc_yaml_reader_next(r, &v);
        if (budget == 12) {
            ck_assert_msg(rc == 1, "%s", k8sc_error_last());
        } else {
            ck_assert_int_eq(rc, K8SC_ERANGE);
            ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "yaml: line 2, column 4: document expands to more than"));
        }
        json_object_put(v);
        k8sc_yaml_reader_free(r);
    }
}
END_TEST

START_TEST(input_size_is_capped)
{
    /* The length is checked before a byte is read, so a short buffer stands in for a huge one. */
    static const char small[] = "a: 1\n";
    struct json_object *v = NULL;
    ck_assert_int_eq(k8sc_yaml_parse(&v, small, (size_t)K8SC_CODEC_MAX_INPUT + 1), K8SC_ERANGE);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "exceeds"));
    k8sc_yaml_reader *r = NULL;
    ck_assert_int_eq(k8sc_yaml_reader_new(&r, small, (size_t)K8SC_CODEC_MAX_INPUT + 1), K8SC_ERANGE);
    ck_assert_ptr_null(r);
}
END_TEST

/* One string value, as `kubectl -o yaml` prints it. */
static const struct { const char *s; size_t len; const char *yaml; } strings[] = {
    { "yes", 3, "k: \"yes\"" },
    { "y", 1, "k: \"y\"" },
    { "NO", 2, "k: \"NO\"" },
    { "on", 2, "k: \"on\"" },
    { "~", 1, "k: \"~\"" },
    { "null", 4, "k: \"null\"" },
    { "", 0, "k: \"\"" },
    { "0x1F", 4, "k: \"0x1F\"" },
    { "1e3", 3, "k: \"1e3\"" },
    { "1_000", 5, "k: \"1_000\"" },
    { "0o17", 4, "k: \"0o17\"" },
    { "0b101", 5, "k: \"0b101\"" },
    { "1:20", 4, "k: \"1:20\"" },
    { ".5", 2, "k: \".5\"" },
    { ".inf", 4, "k: \".inf\"" },
    { ".nan", 4, "k: \".nan\"" },
    { "-1", 2, "k: \"-1\"" },
    { "+", 1, "k: +" },
    { "-", 1, "k: '-'" },
    { "- a", 3, "k: '- a'" },
    { " a", 2, "k: ' a'" },
    { "a ", 2, "k: 'a '" },
    { "a: b", 4, "k: 'a: b'" },
    { "a:", 2, "k: 'a:'" },
    { "#x", 2, "k: '#x'" },
    { "a #b", 4, "k: 'a #b'" },
    { "a#b", 3, "k: a#b" },
    { "*", 1, "k: '*'" },
    { "&x", 2, "k: '&x'" },
    { "!x", 2, "k: '!x'" },
    { "|x", 2, "k: '|x'" },
    { ">x", 2, "k: '>x'" },
    { "%x", 2, "k: '%x'" },
    { "@x", 2, "k: '@x'" },
    { "`x", 2, "k: '`x'" },
    { "'", 1, "k: ''''" },
    { "it's", 4, "k: it's" },
    { "say \"hi\"", 8, "k: say \"hi\"" },
    { "[x]", 3, "k: '[x]'" },
    { "{x}", 3, "k: '{x}'" },
    { "a,b", 3, "k: a,b" },
    { "? x", 3, "k: '? x'" },
    { "...", 3, "k: '...'" },
    { "---", 3, "k: '---'" },
    { "2024-01-01T00:00:00Z", 20, "k: \"2024-01-01T00:00:00Z\"" },
    { "2001-12-14", 10, "k: \"2001-12-14\"" },
    { "2001-12-14 21:59:43", 19, "k: \"2001-12-14 21:59:43\"" },
    { "<<", 2, "k: <<" },
    { "=", 1, "k: =" },
    { "multi\nline", 10, "k: |-\n  multi\n  line" },
    { "trailing\n", 9, "k: |\n  trailing" },
    { "a\n\nb\n\n", 6, "k: |+\n  a\n\n  b\n" },
    { "\na", 2, "k: |2-\n\n  a" },
    { "  indented\nline", 15, "k: |2-\n    indented\n  line" },
    { "a \nb", 4, "k: \"a \\nb\"" },
    { "a\tb", 3, "k: \"a\\tb\"" },
    { "a\r\nb", 4, "k: \"a\\r\\nb\"" },
    { "a\x00""b", 3, "k: \"a\\0b\"" },
    { "h\xc3\xa9""llo \xe2\x9c\x93""", 10, "k: h\xc3\xa9""llo \xe2\x9c\x93""" },
    { "\xf0\x9f\x98\x80""", 4, "k: \"\\U0001F600\"" },
    { "a\xc2\xa0""b", 4, "k: a\xc2\xa0""b" },
    { "word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word ", 150, "k: 'word word word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word word '" },
    { "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 100, "k: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" },
    { "k8s.io/name=web,tier!=cache", 27, "k: k8s.io/name=web,tier!=cache" },

};

START_TEST(strings_encode_like_kubectl)
{
    struct json_object *v = json_object_new_object();
    json_object_object_add(v, "k", json_object_new_string_len(strings[_i].s, (int)strings[_i].len));
    char *got = to_yaml(v, 0);
    char want[1024];
    snprintf(want, sizeof(want), "%s\n", strings[_i].yaml);
    ck_assert_msg(strcmp(got, want) == 0, "got\n%s\nwant\n%s", got, want);
    k8sc_free(got);
    round_trip(v);
    json_object_put(v);
}
END_TEST

START_TEST(deployment_matches_kubectl_output)
{
    size_t len = 0;
    char *in = k8sc_test_read_data("yaml/deployment.yaml", &len);
    char *golden = k8sc_test_read_data("yaml/deployment.golden.yaml", NULL);
    char *from_json = k8sc_test_read_data("yaml/deployment.json", NULL);
    struct json_object *v = NULL, *j = json(from_json);
    ck_assert_int_eq(k8sc_yaml_parse(&v, in, len), 0);
    /* the YAML reads as kubectl read it ... */
    ck_assert_msg(json_object_equal(v, j), "%s", json_object_to_json_string(v));
    /* ... and prints as kubectl printed it */
    char *out = to_yaml(v, K8SC_ENCODE_SORT_KEYS);
    ck_assert_msg(strcmp(out, golden) == 0, "got\n%s", out);
    round_trip(v);
    k8sc_free(out);
    /* k8s order puts the envelope first and sorts the rest */
    out = to_yaml(v, K8SC_ENCODE_SORT_KEYS | K8SC_ENCODE_K8S_ORDER);
    ck_assert_ptr_nonnull(strstr(out, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:"));
    k8sc_free(out);
    k8sc_object *obj = NULL;
    ck_assert_int_eq(k8sc_object_wrap(&obj, json_object_get(v)), 0);
    ck_assert_int_eq(k8sc_object_to_yaml(&out, NULL, obj, K8SC_ENCODE_SORT_KEYS), 0);
    ck_assert_str_eq(out, golden);
    k8sc_free(out);
    k8sc_object_free(obj);
    json_object_put(v);
    json_object_put(j);
    free(in);
    free(golden);
    free(from_json);
}
END_TEST

START_TEST(key_order_and_layout)
{
    struct json_object *v = json("{\"b\":1,\"a10\":2,\"a2\":3,\"_x\":4,\"A\":5,\"x\":{\"z\":[],\"y\":{}},\"kind\":\"K\"}");
    char *s = to_yaml(v, K8SC_ENCODE_SORT_KEYS);
    ck_assert_str_eq(s, "_x: 4\nA: 5\na2: 3\na10: 2\nb: 1\nkind: K\nx:\n  \"y\": {}\n  z: []\n");
    k8sc_free(s);
    s = to_yaml(v, 0);
    ck_assert_str_eq(s, "b: 1\na10: 2\na2: 3\n_x: 4\nA: 5\nx:\n  z: []\n  \"y\": {}\nkind: K\n");
    k8sc_free(s);
    s = to_yaml(v, K8SC_ENCODE_K8S_ORDER);
    ck_assert_str_eq(s, "kind: K\nb: 1\na10: 2\na2: 3\n_x: 4\nA: 5\nx:\n  z: []\n  \"y\": {}\n");
    k8sc_free(s);
    json_object_put(v);
    v = json("{\"containers\":[{\"name\":\"a\",\"ports\":[{\"p\":1}]},[1,[2]]],\"e\":[]}");
    s = to_yaml(v, K8SC_ENCODE_SORT_KEYS);
    ck_assert_str_eq(s, "containers:\n- name: a\n  ports:\n  - p: 1\n- - 1\n  - - 2\ne: []\n");
    k8sc_free(s);
    json_object_put(v);
}
END_TEST

static const struct { const char *json, *yaml; } scalars[] = {
    { "null", "null\n" }, { "true", "true\n" }, { "{}", "{}\n" }, { "[]", "[]\n" }, { "\"yes\"", "\"yes\"\n" },
    { "-12", "-12\n" }, { "0.5", "0.5\n" },
    { "1e21", "1e+21\n" }, { "1e-7", "1e-07\n" }, { "-2.5e-300", "-2.5e-300\n" }, { "123456.75", "123456.75\n" },
    { "1234567.5", "1.2345675e+06\n" }, { "1e20", "1e+20\n" },
    /* a whole double would read back as an integer: the tag keeps it a double */
    { "1.0", "!!float 1\n" }, { "-0.0", "!!float -0\n" }, { "1e6", "!!float 1e+06\n" },
    { "{\"<<\":{\"a\":1}}", "\"<<\":\n  a: 1\n" }, { "\"multi\\nline\"", "|-\n  multi\n  line\n" },
};

START_TEST(values_encode)
{
    struct json_object *v = json(scalars[_i].json);
    char *s = to_yaml(v, 0);
    ck_assert_str_eq(s, scalars[_i].yaml);
    k8sc_free(s);
    round_trip(v);
    json_object_put(v);
}
END_TEST

START_TEST(unencodable_values)
{
    char *s = (char *)1;
    struct json_object *v = json_object_new_double(NAN);
    ck_assert_int_eq(k8sc_yaml_encode(&s, NULL, v, 0), K8SC_EINVAL);
    ck_assert_ptr_null(s);
    json_object_put(v);
    v = json_object_new_array();
    json_object_array_add(v, json_object_new_double(-INFINITY));
    ck_assert_int_eq(k8sc_yaml_encode(&s, NULL, v, 0), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "yaml: unsupported value: -Inf");
    json_object_put(v);
    v = json_object_new_array();
    struct json_object *p = v;
    for (int i = 0; i < K8SC_CODEC_MAX_DEPTH; i++) {
        struct json_object *c = json_object_new_array();
        json_object_array_add(p, c);
        p = c;
    }
    ck_assert_int_eq(k8sc_yaml_encode(&s, NULL, v, 0), K8SC_ERANGE);
    json_object_put(v);
    ck_assert_int_eq(k8sc_yaml_encode(NULL, NULL, NULL, 0), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_object_to_yaml(&s, NULL, NULL, 0), K8SC_EINVAL);
}
END_TEST

START_TEST(tricky_strings_round_trip)
{
    static const struct { const char *s; size_t len; } cases[] = {
#define S(x) { x, sizeof(x) - 1 }
        S("yes"), S("0x1F"), S("1e3"), S(""), S(" a"), S("a: b"), S("#x"), S("multi\nline"), S("trailing\n"),
        S("caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80"), S("\n"), S("\n\n"), S(" \n "), S("a\n "), S("\t"),
        S("a\x00z"), S("\xc2\x85"), S("\xe2\x80\xa8"), S("\xef\xbb\xbf" "bom"), S("'\"\\"), S("---\n..."),
        S("- item\n- item"), S("key: |\n  x"), S("\xff\xfe binary"), S("\x80"), S("<<"), S("~"),
        S("2001-12-14"), S("1:20:30"), S("0b1_0"), S("+.5"), S("._5"), S("% x"), S("a  b"), S("  "),
        S("tail space \nnext"), S("x\r\ny"), S("\x1b[0m"),
#undef S
    };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(cases); i++) {
        struct json_object *v = json_object_new_object();
        struct json_object *s = json_object_new_string_len(cases[i].s, (int)cases[i].len);
        json_object_object_add(v, "value", s);
        /* the same text as a key (json-c keys stop at NUL) and in a list */
        if (!memchr(cases[i].s, '\0', cases[i].len))
            json_object_object_add(v, cases[i].s, json_object_new_int(1));
        struct json_object *l = json_object_new_array();
        json_object_array_add(l, json_object_get(s));
        json_object_object_add(v, "list", l);
        round_trip(v);
        round_trip(s);
        json_object_put(v);
    }
    /* long text folds at 80 columns and still reads back whole */
    char longtext[700];
    for (size_t i = 0; i < sizeof(longtext) - 1; i++)
        longtext[i] = (i % 7 == 6) ? ' ' : (char)('a' + i % 26);
    longtext[sizeof(longtext) - 1] = '\0';
    struct json_object *v = json_object_new_string(longtext);
    char *y = to_yaml(v, 0);
    ck_assert_ptr_nonnull(strchr(y, '\n'));
    ck_assert_int_lt(strchr(y, '\n') - y, 90);
    k8sc_free(y);
    round_trip(v);
    json_object_put(v);
}
END_TEST

START_TEST(numbers_round_trip)
{
    static const double doubles[] = { 0.1, -0.5, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, 3.0, 1e15,
        4611686018427387904.0, 9223372036854775808.0, -9223372036854775808.0, 18446744073709551616.0,
        0.30000000000000004, 2.5, 123456789.125 };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(doubles); i++) {
        struct json_object *v = json_object_new_double(doubles[i]);
        round_trip(v);
        json_object_put(v);
    }
    static const int64_t ints[] = { 0, -1, INT64_MAX, INT64_MIN, 8, 10 };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(ints); i++) {
        struct json_object *v = json_object_new_int64(ints[i]);
        round_trip(v);
        json_object_put(v);
    }
    /* a uint64 needs its tag: untagged, kubectl reads it as a float */
    struct json_object *v = json_object_new_uint64(UINT64_MAX);
    char *s = to_yaml(v, 0);
    ck_assert_str_eq(s, "!!int 18446744073709551615\n");
    k8sc_free(s);
    round_trip(v);
    json_object_put(v);
    v = yaml("v: !!int 9223372036854775808");
    ck_assert_uint_eq(json_object_get_uint64(json_object_object_get(v, "v")), 9223372036854775808u);
    ck_assert_int_eq(json_object_get_type(json_object_object_get(v, "v")), json_type_int);
    json_object_put(v);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("yaml");
    TCase *tc = tcase_create("typing");
    tcase_add_loop_test(tc, scalar_typing_matches_kubectl, 0, (int)K8SC__ARRAY_LEN(typing));
    tcase_add_loop_test(tc, tags_and_quotes, 0, (int)K8SC__ARRAY_LEN(tagged));
    tcase_add_loop_test(tc, keys_become_strings, 0, (int)K8SC__ARRAY_LEN(keys));
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_loop_test(tc, errors_name_position_and_problem, 0, (int)K8SC__ARRAY_LEN(errors));
    suite_add_tcase(s, tc);
    tc = tcase_create("encoding");
    tcase_add_loop_test(tc, strings_encode_like_kubectl, 0, (int)K8SC__ARRAY_LEN(strings));
    tcase_add_loop_test(tc, values_encode, 0, (int)K8SC__ARRAY_LEN(scalars));
    suite_add_tcase(s, tc);
    k8sc_test_add(s, "repeated_keys", repeated_keys_keep_the_last_value);
    k8sc_test_add(s, "multi_document_stream", multi_document_stream);
    k8sc_test_add(s, "documents_without_markers", documents_without_markers);
    k8sc_test_add(s, "parse_wants_one_document", parse_wants_one_document);
    k8sc_test_add(s, "anchors_aliases_merge", anchors_aliases_and_merge_keys);
    k8sc_test_add(s, "alias_copies_are_independent", alias_copies_are_independent);
    k8sc_test_add(s, "block_scalars", block_scalars);
    k8sc_test_add(s, "flow_collections_and_json", flow_collections_and_json);
    k8sc_test_add(s, "reader_errors_are_sticky", reader_errors_are_sticky);
    k8sc_test_add(s, "nesting_is_capped", nesting_is_capped);
    k8sc_test_add(s, "alias_bombs_are_refused", alias_bombs_are_refused);
    k8sc_test_add(s, "node_budget_is_enforced", node_budget_is_enforced);
    k8sc_test_add(s, "input_size_is_capped", input_size_is_capped);
    k8sc_test_add(s, "deployment_matches_kubectl", deployment_matches_kubectl_output);
    k8sc_test_add(s, "key_order_and_layout", key_order_and_layout);
    k8sc_test_add(s, "unencodable_values", unencodable_values);
    k8sc_test_add(s, "tricky_strings_round_trip", tricky_strings_round_trip);
    k8sc_test_add(s, "numbers_round_trip", numbers_round_trip);
    return k8sc_test_main(s);
}
