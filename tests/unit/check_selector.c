/*
 * Label and field selectors, table-driven from Kubernetes'
 * pkg/labels/selector_test.go, pkg/fields/selector_test.go and
 * LabelSelectorAsSelector. Matching allocates nothing by construction
 * (no allocator is reachable from the match functions); the benchmark
 * measures it, these tests pin down behaviour.
 */
#include "testutil.h"

#include <k8sc/k8sc.h>

#include <json-c/json.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Helpers -------------------------------------------------------------- */

/* A label set written "k=v,k2=v2" (no escapes: labels never hold ',' or '='). */
struct labelset {
    char buf[512];
    const char *keys[16];
    const char *values[16];
    size_t n;
};

static void labelset_init(struct labelset *ls, const char *text)
{
    ls->n = 0;
    ck_assert_uint_lt(strlen(text), sizeof(ls->buf));
    strcpy(ls->buf, text);
    for (char *tok = strtok(ls->buf, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        ck_assert_ptr_nonnull(eq);
        *eq = '\0';
        ck_assert_uint_lt(ls->n, 16);
        ls->keys[ls->n] = tok;
        ls->values[ls->n] = eq + 1;
        ls->n++;
    }
}

static const char *labelset_get(const char *key, void *userdata)
{
    const struct labelset *ls = userdata;
    for (size_t i = 0; i < ls->n; i++)
        if (strcmp(ls->keys[i], key) == 0)
            return ls->values[i];
    return NULL;
}

static struct json_object *labelset_json(const struct labelset *ls)
{
    struct json_object *o = json_object_new_object();
    for (size_t i = 0; i < ls->n; i++)
        json_object_object_add(o, ls->keys[i], json_object_new_string(ls->values[i]));
    return o;
}

static char *sel_string(const k8sc_selector *sel)
{
    char *s = NULL;
    ck_assert_int_eq(k8sc_selector_to_string(&s, sel), 0);
    return s;
}

static char *fsel_string(const k8sc_field_selector *sel)
{
    char *s = NULL;
    ck_assert_int_eq(k8sc_field_selector_to_string(&s, sel), 0);
    return s;
}

static struct json_object *parse_json(const char *text)
{
    struct json_object *j = json_tokener_parse(text);
    ck_assert_msg(j != NULL, "bad test JSON: %s", text);
    return j;
}

/* ---- labels.Parse: good strings and their String() --------------------------- */

static const struct {
    const char *in;
    const char *out;
} parse_good[] = {
    /* TestSelectorParse: String() is the input without spaces. */
    { "x=a,y=b,z=c", "x=a,y=b,z=c" },
    { "", "" },
    { "x!=a,y=b", "x!=a,y=b" },
    { "x=", "x=" },
    { "x= ", "x=" },
    { "x=,z= ", "x=,z=" },
    { "x= ,z= ", "x=,z=" },
    { "!x", "!x" },
    { "x>1", "x>1" },
    { "x>1,z<5", "x>1,z<5" },
    /* TestSetSelectorParser */
    { "\rx", "x" },
    { "this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash" },
    { "this-is-another-dns.domain.com/key-with-dash in (so,what)",
      "this-is-another-dns.domain.com/key-with-dash in (so,what)" },
    { "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)", "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)" },
    { "foo  in\t (abc)", "foo in (abc)" },
    { "x notin\n (abc)", "x notin (abc)" },
    { "x  notin\t\t\t(abc,def)", "x notin (abc,def)" },
    { "x in (abc,def)", "x in (abc,def)" },
    { "x in (abc,)", "x in (,abc)" },
    { "x in ()", "x in ()" },
    { "x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()" },
    { "x,y in (a)", "x,y in (a)" },
    { "x=a", "x=a" },
    { "x<7", "x<7" },
    { "x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)" },
    { "x notin ( )", "x notin ()" },
    { "x notin (, a)", "x notin (,a)" },
    { "a ", "a" },
    { "a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)" },
    /* TestDeterministicParse: sorted by key. */
    { "x=a,a=x", "a=x,x=a" },
    { "a=x,x=a", "a=x,x=a" },
    /* Requirement.String() keeps "==". */
    { "x==y", "x==y" },
    { "x == y,a=b", "a=b,x==y" },
    /* Keywords are identifiers where a key or value is expected. */
    { "notin=in", "notin=in" },
    { "in", "in" },
    { "in in (in)", "in in (in)" },
    { "notin notin (notin)", "notin notin (notin)" },
    /* Values are a set: sorted, duplicates dropped. */
    { "x in (b,a,b)", "x in (a,b)" },
    { "x in (,,,)", "x in ()" },
    { "x in (a,,b)", "x in (,a,b)" },
    { "x in (,a)", "x in (,a)" },
    /* Equal keys keep their input order. */
    { "z,x,y=a,x!=b", "x,x!=b,y=a,z" },
    { "x!=b,x", "x!=b,x" },
    { "!a, b", "!a,b" },
    { " x != a ", "x!=a" },
    { "x>01", "x>01" },
    { "x<-0", NULL }, /* "-0" parses as an integer but is not a label value */
    { "x>9223372036854775807", "x>9223372036854775807" },
    { "k8s.io/app in (web, api)", "k8s.io/app in (api,web)" },
    { "a-b_c.D9=a-b_c.D9", "a-b_c.D9=a-b_c.D9" },
    { "A/b=c", NULL }, /* prefix must be lower case */
    { "app.kubernetes.io/name=x,!app.kubernetes.io/name", "app.kubernetes.io/name=x,!app.kubernetes.io/name" },
};

START_TEST(test_parse_good)
{
    for (size_t i = 0; i < sizeof(parse_good) / sizeof(parse_good[0]); i++) {
        k8sc_selector *sel = NULL;
        int rc = k8sc_selector_parse(&sel, parse_good[i].in);
        if (!parse_good[i].out) {
            ck_assert_msg(rc == K8SC_EINVAL && sel == NULL, "%s: expected an error", parse_good[i].in);
            continue;
        }
        ck_assert_msg(rc == 0, "%s: %s", parse_good[i].in, k8sc_error_last());
        char *s = sel_string(sel);
        ck_assert_msg(strcmp(s, parse_good[i].out) == 0, "%s: got \"%s\", want \"%s\"", parse_good[i].in, s,
            parse_good[i].out);
        /* String() parses back to itself. */
        k8sc_selector *again = NULL;
        ck_assert_int_eq(k8sc_selector_parse(&again, s), 0);
        char *s2 = sel_string(again);
        ck_assert_str_eq(s, s2);
        ck_assert(k8sc_selector_is_everything(sel) == (parse_good[i].out[0] == '\0'));
        k8sc_free(s);
        k8sc_free(s2);
        k8sc_selector_free(sel);
        k8sc_selector_free(again);
    }
}
END_TEST

/* ---- labels.Parse: errors, with the position and Kubernetes' wording -------- */

static const struct {
    const char *in;
    size_t pos;
    const char *msg; /* a substring of the message */
} parse_bad[] = {
    /* TestSelectorParse bad strings */
    { "x=a||y=b", 2, "unable to parse requirement: invalid label value \"a||y\": a valid label must be an empty string" },
    { "x==a==b", 4, "found '==', expected: ',' or 'end of string'" },
    { "!x=a", 2, "found '=', expected: ',' or 'end of string'" },
    { "x<a", 2, "unable to parse requirement: invalid value \"a\": for 'Gt', 'Lt' operators, the value must be an integer" },
    /* TestSetSelectorParser invalid cases */
    { "x,,y", 2, "found ',', expected: identifier after ','" },
    { ",x,y", 0, "found ',', expected: !, identifier, or 'end of string'" },
    { "x nott in (y)", 2, "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt" },
    { "a in (xyz),", 11, "found '', expected: identifier after ','" },
    { "a in (xyz)b notin ()", 10, "found 'b', expected: ',' or 'end of string'" },
    { "a in (xyz abc)", 10, "unable to parse requirement: found 'abc', expected: ',' or ')'" },
    { "a notin(", 8, "unable to parse requirement: found '', expected: ',', ')' or identifier" },
    { "a (", 2, "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt" },
    { "(", 0, "found '(', expected: !, identifier, or 'end of string'" },
    /* More of the grammar */
    { "a b", 2, "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt" },
    { "x in a", 5, "unable to parse requirement: found 'a' expected: '('" },
    { "x in (a,,)", 9, "unable to parse requirement: found ')', expected: ',', or identifier" },
    { "x in (a,=)", 8, "unable to parse requirement: found '=', expected: ',', or identifier" },
    { "x in (=)", 6, "unable to parse requirement: found '=', expected: ',', ')' or identifier" },
    { "x in (a", 7, "unable to parse requirement: found '', expected: ',' or ')'" },
    { "x=(", 2, "unable to parse requirement: found '(', expected: identifier" },
    { "x=a=b", 3, "found '=', expected: ',' or 'end of string'" },
    { "!", 1, "unable to parse requirement: found '', expected: identifier" },
    { "!!x", 1, "unable to parse requirement: found '!', expected: identifier" },
    { "x,", 2, "found '', expected: identifier after ','" },
    { ",", 0, "found ',', expected: !, identifier, or 'end of string'" },
    { "x)", 1, "unable to parse requirement: found ')', expected: in, notin, =, ==, !=, gt, lt" },
    { "x>", 2, "for 'Gt', 'Lt' operators, the value must be an integer" },
    { "x>1.5", 2, "for 'Gt', 'Lt' operators, the value must be an integer" },
    { "x>9223372036854775808", 2, "the value must be an integer" },
    { "x>-1", 2, "invalid label value \"-1\"" },
    { "x>+1", 2, "invalid label value \"+1\"" },
    { "x<1_000", 2, "the value must be an integer" },
    /* Keys: qualified names. */
    { "a/b/c", 0, "invalid label key \"a/b/c\": a qualified name must consist of alphanumeric characters" },
    { "/a", 0, "invalid label key \"/a\": prefix part must be non-empty" },
    { "a/", 0, "invalid label key \"a/\": name part must be non-empty; name part must consist of" },
    { "Foo.com/a", 0, "prefix part a lowercase RFC 1123 subdomain must consist of" },
    { "-a", 0, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
               "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
               "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')" },
    { "a_", 0, "name part must consist of" },
    { "x=a b", 4, "found 'b', expected: ',' or 'end of string'" },
    { "x=-a", 2, "invalid label value \"-a\"" },
    { "x in (ok, b@d)", 10, "invalid label value \"b@d\"" },
    { "ключ=x", 0, "invalid label key" },
    { "x=значение", 2, "invalid label value" },
    { "x=a,y=\x01", 6, "invalid label value \"\\x01\"" },
};

START_TEST(test_parse_bad)
{
    for (size_t i = 0; i < sizeof(parse_bad) / sizeof(parse_bad[0]); i++) {
        k8sc_selector *sel = (k8sc_selector *)&sel; /* must be reset to NULL */
        int rc = k8sc_selector_parse(&sel, parse_bad[i].in);
        ck_assert_msg(rc == K8SC_EINVAL, "%s: rc %d", parse_bad[i].in, rc);
        ck_assert_ptr_null(sel);
        ck_assert_int_eq(k8sc_error_last_code(), K8SC_EINVAL);
        const char *msg = k8sc_error_last();
        char want[64];
        snprintf(want, sizeof(want), ": at position %zu: ", parse_bad[i].pos);
        ck_assert_msg(strncmp(msg, "label selector \"", 16) == 0, "%s: %s", parse_bad[i].in, msg);
        ck_assert_msg(strstr(msg, want) != NULL, "%s: want position %zu: %s", parse_bad[i].in, parse_bad[i].pos, msg);
        ck_assert_msg(strstr(msg, parse_bad[i].msg) != NULL, "%s: got \"%s\", want \"%s\"", parse_bad[i].in, msg,
            parse_bad[i].msg);
    }
}
END_TEST

START_TEST(test_parse_message_format)
{
    k8sc_selector *sel = NULL;
    ck_assert_int_eq(k8sc_selector_parse(&sel, "a b"), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "label selector \"a b\": at position 2: unable to parse requirement: "
        "found 'b', expected: in, notin, =, ==, !=, gt, lt");

    /* Long input and tokens are cut so the position is never lost. */
    char big[4000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[3000] = ' ';
    ck_assert_int_eq(k8sc_selector_parse(&sel, big), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "\"...: at position 0: unable to parse requirement: invalid label key \""));
}
END_TEST

/* Key and value lengths: name part <= 63, prefix <= 253, value <= 63. */
START_TEST(test_parse_lengths)
{
    char buf[600];
    struct {
        size_t prefix, name, value;
        bool ok;
    } cases[] = {
        { 0, 63, 0, true },
        { 0, 64, 0, false },
        { 0, 254, 0, false }, /* TestRequirementConstructor: a 254-byte key */
        { 253, 63, 0, true },
        { 254, 1, 0, false },
        { 0, 1, 63, true },
        { 0, 1, 64, false },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *p = buf;
        if (cases[i].prefix) {
            /* A subdomain of 'a' labels: "aaa...a.aaa...a" with dots every 50 bytes. */
            for (size_t j = 0; j < cases[i].prefix; j++)
                *p++ = (j % 50 == 49 && j + 1 < cases[i].prefix) ? '.' : 'a';
            *p++ = '/';
        }
        memset(p, 'b', cases[i].name);
        p += cases[i].name;
        *p++ = '=';
        memset(p, 'c', cases[i].value);
        p += cases[i].value;
        *p = '\0';
        k8sc_selector *sel = NULL;
        int rc = k8sc_selector_parse(&sel, buf);
        ck_assert_msg((rc == 0) == cases[i].ok, "case %zu: rc %d %s", i, rc, k8sc_error_last());
        if (!cases[i].ok)
            ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "must be no more than"));
        k8sc_selector_free(sel);
    }
}
END_TEST

/* ---- Requirements as parsed -------------------------------------------------- */

START_TEST(test_requirements)
{
    k8sc_selector *sel = NULL;
    ck_assert_int_eq(k8sc_selector_parse(&sel, "x notin (abc,,def),bar,z in (),w,!v,u>3,t<-"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_selector_parse(&sel, "x notin (abc,,def),bar,z in (),w,!v,u>3,t<4,s==1,r!=2"), 0);
    static const struct {
        const char *key;
        k8sc_selector_op op;
        const char *values[4];
        size_t n;
    } want[] = {
        { "bar", K8SC_SEL_EXISTS, { NULL }, 0 },
        { "r", K8SC_SEL_NOT_EQUALS, { "2" }, 1 },
        { "s", K8SC_SEL_EQUALS, { "1" }, 1 },
        { "t", K8SC_SEL_LT, { "4" }, 1 },
        { "u", K8SC_SEL_GT, { "3" }, 1 },
        { "v", K8SC_SEL_DOES_NOT_EXIST, { NULL }, 0 },
        { "w", K8SC_SEL_EXISTS, { NULL }, 0 },
        { "x", K8SC_SEL_NOT_IN, { "", "abc", "def" }, 3 },
        { "z", K8SC_SEL_IN, { "" }, 1 },
    };
    ck_assert_uint_eq(k8sc_selector_count(sel), sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const char *key;
        k8sc_selector_op op;
        const char *const *values;
        size_t n;
        ck_assert_int_eq(k8sc_selector_requirement(sel, i, &key, &op, &values, &n), 0);
        ck_assert_str_eq(key, want[i].key);
        ck_assert_int_eq(op, want[i].op);
        ck_assert_uint_eq(n, want[i].n);
        for (size_t j = 0; j < n; j++)
            ck_assert_str_eq(values[j], want[i].values[j]);
    }
    ck_assert_int_eq(k8sc_selector_requirement(sel, 9, NULL, NULL, NULL, NULL), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_selector_requirement(sel, 0, NULL, NULL, NULL, NULL), 0);
    ck_assert_int_eq(k8sc_selector_requirement(NULL, 0, NULL, NULL, NULL, NULL), K8SC_EINVAL);
    k8sc_selector_free(sel);
}
END_TEST

/* ---- Matching: TestSelectorMatches, TestRequirementSelectorMatching --------------- */

static const struct {
    const char *sel;
    const char *labels;
    bool match;
} matches[] = {
    { "", "x=y", true },
    { "", "", true },
    { "x=y", "x=y", true },
    { "x=y,z=w", "x=y,z=w", true },
    { "x!=y,z!=w", "x=z,z=a", true },
    { "notin=in", "notin=in", true },
    { "x", "x=z", true },
    { "!x", "y=z", true },
    { "x>1", "x=2", true },
    { "x<1", "x=0", true },
    { "x=z", "", false },
    { "x=y", "x=z", false },
    { "x=y,z=w", "x=w,z=w", false },
    { "x!=y,z!=w", "x=z,z=w", false },
    { "x", "y=z", false },
    { "!x", "x=z", false },
    { "x>1", "x=0", false },
    { "x<1", "x=2", false },
    { "foo=bar", "foo=bar,baz=blah", true },
    { "baz=blah", "foo=bar,baz=blah", true },
    { "foo=bar,baz=blah", "foo=bar,baz=blah", true },
    { "foo=blah", "foo=bar,baz=blah", false },
    { "baz=bar", "foo=bar,baz=blah", false },
    { "foo=bar,foobar=bar,baz=blah", "foo=bar,baz=blah", false },
    /* TestRequirementSelectorMatching */
    { "x in (foo),y notin (alpha)", "x=foo,y=baz", true },
    { "x in (foo),y in (alpha)", "x=foo,y=baz", false },
    { "x notin (),y", "y=", true },
    { "!x,y", "y=", true },
    { "x notin (),!y", "y=", false },
    { "x in ()", "y=baz", false },
    { "z>1", "z=2", true },
    { "z>1", "z=v2", false },
    /* Semantics of Requirement.Matches, operator by operator */
    { "x in (a,b)", "x=b", true },
    { "x in (a,b)", "x=c", false },
    { "x in (a,b)", "", false },
    { "x notin (a,b)", "", true },
    { "x notin (a,b)", "x=a", false },
    { "x notin (a,b)", "x=c", true },
    { "x!=a", "", true },
    { "x=", "x=", true },
    { "x=", "", false },
    { "x in ()", "x=", true },
    { "x", "x=", true },
    { "x>5", "", false },
    { "x<5", "", false },
    { "x>5", "x=6", true },
    { "x>5", "x=5", false },
    { "x<5", "x=5", false },
    { "x<5", "x=-7", true },
    { "x>5", "x=+7", true },
    { "x>5", "x=007", true },
    { "x<0", "x=-9223372036854775808", true },
    { "x>0", "x=9223372036854775808", false },
    { "x>0", "x=", false },
    { "x>0", "x=1.5", false },
    { "x>0", "x= 1", false },
    { "x<9223372036854775807", "x=9223372036854775806", true },
    { "x,x!=a", "x=a", false },
    { "x,x!=a", "x=b", true },
    { "x==y", "x=y", true },
    { "x==y", "x=yy", false },
};

START_TEST(test_matches)
{
    for (size_t i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
        k8sc_selector *sel = NULL;
        ck_assert_msg(k8sc_selector_parse(&sel, matches[i].sel) == 0, "%s: %s", matches[i].sel, k8sc_error_last());
        struct labelset ls;
        labelset_init(&ls, matches[i].labels);
        ck_assert_msg(k8sc_selector_matches(sel, labelset_get, &ls) == matches[i].match,
            "\"%s\" against {%s}: want %d", matches[i].sel, matches[i].labels, matches[i].match);

        struct json_object *map = labelset_json(&ls);
        ck_assert_msg(k8sc_selector_matches_map(sel, map) == matches[i].match,
            "map: \"%s\" against {%s}", matches[i].sel, matches[i].labels);

        k8sc_object *obj = NULL;
        ck_assert_int_eq(k8sc_object_new(&obj, "v1", "Pod"), 0);
        struct json_object *meta = json_object_new_object();
        json_object_object_add(meta, "labels", map);
        json_object_object_add(k8sc_object_json(obj), "metadata", meta);
        ck_assert_msg(k8sc_selector_matches_object(sel, obj) == matches[i].match,
            "object: \"%s\" against {%s}", matches[i].sel, matches[i].labels);
        k8sc_object_free(obj);
        k8sc_selector_free(sel);
    }
}
END_TEST

START_TEST(test_matches_edges)
{
    k8sc_selector *sel = NULL;
    ck_assert_int_eq(k8sc_selector_parse(&sel, "!x,y notin (a)"), 0);
    /* No labels at all: NULL map, NULL lookup, object without metadata. */
    ck_assert(k8sc_selector_matches_map(sel, NULL));
    ck_assert(k8sc_selector_matches(sel, NULL, NULL));
    k8sc_object *obj = NULL;
    ck_assert_int_eq(k8sc_object_new(&obj, "v1", "Pod"), 0);
    ck_assert(k8sc_selector_matches_object(sel, obj));
    ck_assert(k8sc_selector_matches_object(sel, NULL));
    k8sc_object_free(obj);
    /* A non-string value is not a label. */
    struct json_object *m = parse_json("{\"x\": 1, \"y\": [\"a\"]}");
    ck_assert(k8sc_selector_matches_map(sel, m));
    json_object_put(m);
    m = parse_json("[\"x\"]");
    ck_assert(k8sc_selector_matches_map(sel, m));
    json_object_put(m);
    k8sc_selector_free(sel);

    /* Embedded NUL bytes in a JSON label value are compared by length. */
    ck_assert_int_eq(k8sc_selector_parse(&sel, "x=a"), 0);
    m = parse_json("{\"x\": \"a\\u0000b\"}");
    ck_assert(!k8sc_selector_matches_map(sel, m));
    json_object_put(m);
    k8sc_selector_free(sel);

    /* A NULL selector matches nothing. */
    ck_assert(!k8sc_selector_matches(NULL, NULL, NULL));
    ck_assert(!k8sc_selector_matches_map(NULL, NULL));
}
END_TEST

/* ---- Everything, Nothing, SelectorFromSet ---------------------------------------- */

START_TEST(test_everything_nothing)
{
    struct labelset ls;
    labelset_init(&ls, "x=y");
    k8sc_selector *all = NULL, *none = NULL;
    ck_assert_int_eq(k8sc_selector_everything(&all), 0);
    ck_assert_int_eq(k8sc_selector_nothing(&none), 0);
    ck_assert(k8sc_selector_is_everything(all));
    ck_assert(!k8sc_selector_is_everything(none));
    ck_assert(k8sc_selector_matches(all, labelset_get, &ls));
    ck_assert(!k8sc_selector_matches(none, labelset_get, &ls));
    ck_assert(!k8sc_selector_matches_map(none, NULL));
    ck_assert_uint_eq(k8sc_selector_count(all), 0);
    ck_assert_uint_eq(k8sc_selector_count(none), 0);
    char *s = sel_string(all);
    ck_assert_str_eq(s, "");
    k8sc_free(s);
    s = sel_string(none);
    ck_assert_str_eq(s, "");
    k8sc_free(s);
    k8sc_selector_free(all);
    k8sc_selector_free(none);
    k8sc_selector_free(NULL);
    ck_assert(!k8sc_selector_is_everything(NULL));
    ck_assert_int_eq(k8sc_selector_everything(NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_selector_parse(NULL, ""), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_selector_parse(&all, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_selector_to_string(&s, NULL), K8SC_EINVAL);
}
END_TEST

START_TEST(test_from_map)
{
    /* TestSetMatches */
    static const struct {
        const char *set;
        bool match;
        const char *string;
    } cases[] = {
        { "{}", true, "" },
        { "{\"foo\": \"bar\"}", true, "foo=bar" },
        { "{\"baz\": \"blah\"}", true, "baz=blah" },
        { "{\"foo\": \"bar\", \"baz\": \"blah\"}", true, "baz=blah,foo=bar" },
        { "{\"foo\": \"=blah\"}", false, "foo==blah" },
        { "{\"baz\": \"=bar\"}", false, "baz==bar" },
        { "{\"foo\": \"=bar\", \"foobar\": \"bar\", \"baz\": \"blah\"}", false, "baz=blah,foo==bar,foobar=bar" },
    };
    struct labelset ls;
    labelset_init(&ls, "foo=bar,baz=blah");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct json_object *set = parse_json(cases[i].set);
        k8sc_selector *sel = NULL;
        ck_assert_int_eq(k8sc_selector_from_map(&sel, set), 0);
        ck_assert_msg(k8sc_selector_matches(sel, labelset_get, &ls) == cases[i].match, "%s", cases[i].set);
        char *s = sel_string(sel);
        ck_assert_str_eq(s, cases[i].string);
        k8sc_free(s);
        k8sc_selector_free(sel);
        json_object_put(set);
    }
    k8sc_selector *sel = NULL;
    ck_assert_int_eq(k8sc_selector_from_map(&sel, NULL), 0);
    ck_assert(k8sc_selector_is_everything(sel));
    k8sc_selector_free(sel);

    struct json_object *bad = parse_json("{\"a\": 1}");
    ck_assert_int_eq(k8sc_selector_from_map(&sel, bad), K8SC_EINVAL);
    ck_assert_ptr_null(sel);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "[a]: expected a string"));
    json_object_put(bad);
    bad = parse_json("[]");
    ck_assert_int_eq(k8sc_selector_from_map(&sel, bad), K8SC_EINVAL);
    json_object_put(bad);
}
END_TEST

/* ---- LabelSelectorAsSelector ----------------------------------------------------- */

static const struct {
    const char *json;
    const char *string; /* NULL: an error containing `error` */
    const char *error;
    bool everything;
} from_json_cases[] = {
    { "{}", "", NULL, true },
    { "{\"matchLabels\": {}, \"matchExpressions\": []}", "", NULL, true },
    { "{\"matchLabels\": null}", "", NULL, true },
    { "{\"matchLabels\": {\"foo\": \"bar\"}}", "foo=bar", NULL, false },
    { "{\"matchLabels\": {\"z\": \"1\", \"a\": \"2\"}}", "a=2,z=1", NULL, false },
    { "{\"matchExpressions\": [{\"key\": \"foo\", \"operator\": \"In\", \"values\": [\"b\", \"a\", \"b\"]}]}",
      "foo in (a,b)", NULL, false },
    { "{\"matchExpressions\": [{\"key\": \"foo\", \"operator\": \"NotIn\", \"values\": [\"\"]}]}",
      "foo notin ()", NULL, false },
    { "{\"matchExpressions\": [{\"key\": \"foo\", \"operator\": \"Exists\"}]}", "foo", NULL, false },
    { "{\"matchExpressions\": [{\"key\": \"foo\", \"operator\": \"DoesNotExist\", \"values\": []}]}",
      "!foo", NULL, false },
    { "{\"matchLabels\": {\"foo\": \"bar\"}, \"matchExpressions\": ["
      "{\"key\": \"foo\", \"operator\": \"NotIn\", \"values\": [\"baz\"]},"
      "{\"key\": \"app\", \"operator\": \"Exists\"}]}",
      "app,foo=bar,foo notin (baz)", NULL, false },
    /* Errors name the field. */
    { "[]", NULL, "label selector: expected an object, got array", false },
    { "{\"matchLabels\": []}", NULL, "matchLabels: expected an object, got array", false },
    { "{\"matchLabels\": {\"a\": 1}}", NULL, "matchLabels[a]: expected a string, got int", false },
    { "{\"matchLabels\": {\"a b\": \"x\"}}", NULL, "matchLabels: Invalid value: \"a b\": name part must consist of", false },
    { "{\"matchLabels\": {\"a\": \"x y\"}}", NULL, "matchLabels[a]: Invalid value: \"x y\": a valid label must be", false },
    { "{\"matchExpressions\": {}}", NULL, "matchExpressions: expected an array, got object", false },
    { "{\"matchExpressions\": [1]}", NULL, "matchExpressions[0]: expected an object, got int", false },
    { "{\"matchExpressions\": [{\"key\": \"a\", \"operator\": \"Exists\"}, {\"key\": \"a\", \"operator\": \"Foo\"}]}",
      NULL, "matchExpressions[1].operator: Unsupported value: \"Foo\": supported values: \"In\", \"NotIn\", "
      "\"Exists\", \"DoesNotExist\"", false },
    { "{\"matchExpressions\": [{\"key\": \"a\"}]}", NULL, "matchExpressions[0].operator: Unsupported value: \"\"", false },
    { "{\"matchExpressions\": [{\"key\": \"a\", \"operator\": \"in\", \"values\": [\"x\"]}]}",
      NULL, "Unsupported value: \"in\"", false },
    { "{\"matchExpressions\": [{\"key\": \"a\", \"operator\": 3}]}", NULL, "operator: expected a string, got int", false },
    { "{\"matchExpressions\": [{\"operator\": \"Exists\"}]}", NULL,
      "matchExpressions[0].key: Invalid value: \"\": name part must be non-empty", false },
    { "{\"matchExpressions\": [{\"key\": 5, \"operator\": \"Exists\"}]}", NULL, "key: expected a string, got int", false },
    { "{\"matchExpressions\": [{\"key\": \"a\\u0000b\", \"operator\": \"Exists\"}]}", NULL,
      "matchExpressions[0].key: Invalid value: \"a\\x00b\"", false },
    { "{\"matchExpressions\": [{\"key\": \"a\", \"operator\": \"In\"}]}", NULL,
      "matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'", false },
    { "{\"matchExpressions\": [{\"key\": \"a\", \"operator\": \"NotIn\", \"values\": []}]}", NULL,
      "values: Required value", false },
    { "{\"matchExpressions\": [{\"key\": \"a\", \"operator\": \"Exists\", \"values\": [\"x\"]}]}", NULL,
      "matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'", false },
    { "{\"matchExpressions\": [{\"key\": \"a\", \"operator\": \"In\", \"values\": \"x\"}]}", NULL,
      "values: expected an array, got string", false },
    { "{\"matchExpressions\": [{\"key\": \"a\", \"operator\": \"In\", \"values\": [\"x\", 2]}]}", NULL,
      "matchExpressions[0].values[1]: expected a string, got int", false },
    { "{\"matchExpressions\": [{\"key\": \"a\", \"operator\": \"In\", \"values\": [\"x\", \"-y\"]}]}", NULL,
      "matchExpressions[0].values[1]: Invalid value: \"-y\": a valid label must be", false },
};

START_TEST(test_from_json)
{
    for (size_t i = 0; i < sizeof(from_json_cases) / sizeof(from_json_cases[0]); i++) {
        struct json_object *j = parse_json(from_json_cases[i].json);
        k8sc_selector *sel = NULL;
        int rc = k8sc_selector_from_json(&sel, j);
        json_object_put(j);
        if (!from_json_cases[i].string) {
            ck_assert_msg(rc == K8SC_EINVAL, "%s: rc %d", from_json_cases[i].json, rc);
            ck_assert_ptr_null(sel);
            ck_assert_msg(strstr(k8sc_error_last(), from_json_cases[i].error) != NULL, "%s: got \"%s\", want \"%s\"",
                from_json_cases[i].json, k8sc_error_last(), from_json_cases[i].error);
            continue;
        }
        ck_assert_msg(rc == 0, "%s: %s", from_json_cases[i].json, k8sc_error_last());
        char *s = sel_string(sel);
        ck_assert_msg(strcmp(s, from_json_cases[i].string) == 0, "%s: got \"%s\"", from_json_cases[i].json, s);
        ck_assert(k8sc_selector_is_everything(sel) == from_json_cases[i].everything);
        k8sc_free(s);
        k8sc_selector_free(sel);
    }

    /* nil selects nothing. */
    k8sc_selector *sel = NULL;
    ck_assert_int_eq(k8sc_selector_from_json(&sel, NULL), 0);
    ck_assert(!k8sc_selector_is_everything(sel));
    ck_assert(!k8sc_selector_matches_map(sel, NULL));
    k8sc_selector_free(sel);

    /* A Deployment-style selector against a pod. */
    struct json_object *j = parse_json("{\"matchLabels\": {\"app\": \"web\"}, \"matchExpressions\": ["
        "{\"key\": \"tier\", \"operator\": \"In\", \"values\": [\"front\", \"edge\"]},"
        "{\"key\": \"canary\", \"operator\": \"DoesNotExist\"}]}");
    ck_assert_int_eq(k8sc_selector_from_json(&sel, j), 0);
    json_object_put(j);
    struct labelset ls;
    labelset_init(&ls, "app=web,tier=edge");
    ck_assert(k8sc_selector_matches(sel, labelset_get, &ls));
    labelset_init(&ls, "app=web,tier=edge,canary=true");
    ck_assert(!k8sc_selector_matches(sel, labelset_get, &ls));
    labelset_init(&ls, "app=web,tier=back");
    ck_assert(!k8sc_selector_matches(sel, labelset_get, &ls));
    k8sc_selector_free(sel);
}
END_TEST

/* ---- fields.ParseSelector ----------------------------------------------------------- */

static const struct {
    const char *in;
    const char *out;
} field_good[] = {
    /* TestSelectorParse */
    { "x=a,y=b,z=c", "x=a,y=b,z=c" },
    { "", "" },
    { "x!=a,y=b", "x!=a,y=b" },
    { "x=a||y\\=b", "x=a||y\\=b" },
    { "x=a\\=\\=b", "x=a\\=\\=b" },
    /* TestDeterministicParse */
    { "x=a,a=x", "a=x,x=a" },
    { "a=x,x=a", "a=x,x=a" },
    /* splitTerms: empty terms are skipped, escaped commas kept. */
    { "a=a,", "a=a" },
    { ",a=a", "a=a" },
    { ",", "" },
    { "a=a,,b=b", "a=a,b=b" },
    { "k=\\,,k2=v2", "k2=v2,k=\\," },
    { "k=\\\\,k2=v2", "k2=v2,k=\\\\" },
    { "k=\\\\\\,,k2=v2", "k2=v2,k=\\\\\\," },
    { "\xed\x95\xa8=\xec\x88\x98,\xeb\xaa\xa9=\xeb\xa1\x9d", "\xeb\xaa\xa9=\xeb\xa1\x9d,\xed\x95\xa8=\xec\x88\x98" },
    /* splitTerm: "!=" then "==" then "=" at the first position any matches. */
    { "b==value", "b=value" },
    { "c!=value", "c!=value" },
    { "a!b=c", "a!b=c" },
    { "x=", "x=" },
    { "x!=", "x!=" },
    { "x==", "x=" },
    { "metadata.name=foo,status.phase!=Running,spec.nodeName=",
      "metadata.name=foo,spec.nodeName=,status.phase!=Running" },
    { "a\\=b", "a\\=b" },  /* field "a\", value "b" */
    { "a\\,b=c", "a\\,b=c" },
    /* Sorted by what String() prints, so String() is a fixed point. */
    { "a==z,a=b", "a=b,a=z" },
    { "x=a,x=a", "x=a,x=a" },
    { "f=\\=x", "f=\\=x" },
    { "f=x y ", "f=x y " },
};

START_TEST(test_field_parse_good)
{
    for (size_t i = 0; i < sizeof(field_good) / sizeof(field_good[0]); i++) {
        k8sc_field_selector *sel = NULL;
        ck_assert_msg(k8sc_field_selector_parse(&sel, field_good[i].in) == 0, "%s: %s", field_good[i].in,
            k8sc_error_last());
        char *s = fsel_string(sel);
        ck_assert_msg(strcmp(s, field_good[i].out) == 0, "%s: got \"%s\", want \"%s\"", field_good[i].in, s,
            field_good[i].out);
        k8sc_field_selector *again = NULL;
        ck_assert_int_eq(k8sc_field_selector_parse(&again, s), 0);
        char *s2 = fsel_string(again);
        ck_assert_str_eq(s, s2);
        ck_assert(k8sc_field_selector_is_everything(sel) == (field_good[i].out[0] == '\0'));
        k8sc_free(s);
        k8sc_free(s2);
        k8sc_field_selector_free(sel);
        k8sc_field_selector_free(again);
    }
}
END_TEST

START_TEST(test_field_terms)
{
    k8sc_field_selector *sel = NULL;
    ck_assert_int_eq(k8sc_field_selector_parse(&sel, "k=\\\\\\=\\,,b==v,c!=,a\\=x"), 0);
    static const struct {
        const char *field;
        k8sc_selector_op op;
        const char *value;
    } want[] = {
        { "a\\", K8SC_SEL_EQUALS, "x" },
        { "b", K8SC_SEL_EQUALS, "v" },
        { "c", K8SC_SEL_NOT_EQUALS, "" },
        { "k", K8SC_SEL_EQUALS, "\\=," },
    };
    ck_assert_uint_eq(k8sc_field_selector_count(sel), 4);
    for (size_t i = 0; i < 4; i++) {
        const char *field, *value;
        k8sc_selector_op op;
        ck_assert_int_eq(k8sc_field_selector_term(sel, i, &field, &op, &value), 0);
        ck_assert_str_eq(field, want[i].field);
        ck_assert_int_eq(op, want[i].op);
        ck_assert_str_eq(value, want[i].value);
    }
    ck_assert_int_eq(k8sc_field_selector_term(sel, 4, NULL, NULL, NULL), K8SC_ENOTFOUND);
    char *s = fsel_string(sel);
    ck_assert_str_eq(s, "a\\=x,b=v,c!=,k=\\\\\\=\\,");
    k8sc_free(s);
    k8sc_field_selector_free(sel);
}
END_TEST

static const struct {
    const char *in;
    size_t pos;
    const char *msg;
} field_bad[] = {
    /* TestSelectorParse bad strings */
    { "x=a||y=b", 6, "unescaped character in value: '='" },
    { "x==a==b", 4, "unescaped character in value: '='" },
    { "x=a,b", 4, "can't understand 'b'" },
    { "x in (a)", 0, "can't understand 'x in (a)'" },
    { "x in (a,b,c)", 0, "can't understand 'x in (a'" },
    { "x", 0, "can't understand 'x': expected field=value, field==value or field!=value" },
    /* TestEscapeValue invalid sequences */
    { "k=\\", 2, "invalid escape sequence: \\ at the end" },
    { "k=\\\\\\", 4, "invalid escape sequence: \\ at the end" },
    { "k=\\a", 2, "invalid escape sequence: \\a" },
    { "k=\\a\\b\\", 2, "invalid escape sequence: \\a" },
    { "k=\\!", 2, "invalid escape sequence: \\!" },
    { "k=\\\xc3\xa9", 2, "invalid escape sequence: \\\xc3\xa9" },
    { "a=!=b", 3, "unescaped character in value: '='" },
    /* An empty field name */
    { "=a", 0, "field name must not be empty" },
    { "=", 0, "field name must not be empty" },
    { "a=b,!=c", 4, "field name must not be empty" },
};

START_TEST(test_field_parse_bad)
{
    for (size_t i = 0; i < sizeof(field_bad) / sizeof(field_bad[0]); i++) {
        k8sc_field_selector *sel = (k8sc_field_selector *)&sel;
        int rc = k8sc_field_selector_parse(&sel, field_bad[i].in);
        ck_assert_msg(rc == K8SC_EINVAL, "%s: rc %d", field_bad[i].in, rc);
        ck_assert_ptr_null(sel);
        const char *msg = k8sc_error_last();
        char want[64];
        snprintf(want, sizeof(want), ": at position %zu: ", field_bad[i].pos);
        ck_assert_msg(strncmp(msg, "field selector \"", 16) == 0, "%s: %s", field_bad[i].in, msg);
        ck_assert_msg(strstr(msg, want) != NULL, "%s: want position %zu: %s", field_bad[i].in, field_bad[i].pos, msg);
        ck_assert_msg(strstr(msg, field_bad[i].msg) != NULL, "%s: got \"%s\", want \"%s\"", field_bad[i].in, msg,
            field_bad[i].msg);
    }
    k8sc_field_selector *sel = NULL;
    ck_assert_int_eq(k8sc_field_selector_parse(&sel, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_field_selector_parse(NULL, "a=b"), K8SC_EINVAL);
}
END_TEST

/* A field set as alternating field, value strings. */
struct fieldset {
    const char *const *kv;
};

static const char *fieldset_get(const char *field, void *userdata)
{
    const struct fieldset *fs = userdata;
    for (size_t i = 0; fs->kv[i]; i += 2)
        if (strcmp(fs->kv[i], field) == 0)
            return fs->kv[i + 1];
    return NULL;
}

START_TEST(test_field_matches)
{
    static const char *const xy[] = { "x", "y", NULL };
    static const char *const xyzw[] = { "x", "y", "z", "w", NULL };
    static const char *const xzza[] = { "x", "z", "z", "a", NULL };
    static const char *const xzzw[] = { "x", "z", "z", "w", NULL };
    static const char *const xwzw[] = { "x", "w", "z", "w", NULL };
    static const char *const xz[] = { "x", "z", NULL };
    static const char *const notin[] = { "notin", "in", NULL };
    static const char *const fields[] = { "foo", "bar", "baz", "blah", "complex", "=value\\,\\", NULL };
    static const char *const empty[] = { NULL };
    static const struct {
        const char *sel;
        const char *const *set;
        bool match;
    } cases[] = {
        /* TestSelectorMatches */
        { "", xy, true },
        { "x=y", xy, true },
        { "x=y,z=w", xyzw, true },
        { "x!=y,z!=w", xzza, true },
        { "notin=in", notin, true },
        { "x=y", xz, false },
        { "x=y,z=w", xwzw, false },
        { "x!=y,z!=w", xzzw, false },
        { "foo=bar", fields, true },
        { "baz=blah", fields, true },
        { "foo=bar,baz=blah", fields, true },
        { "foo=bar,baz=blah,complex=\\=value\\\\\\,\\\\", fields, true },
        { "foo=blah", fields, false },
        { "baz=bar", fields, false },
        { "foo=bar,foobar=bar,baz=blah", fields, false },
        /* An absent field reads as "". */
        { "missing=", empty, true },
        { "missing!=", empty, false },
        { "missing!=x", empty, true },
        { "missing=x", empty, false },
        { "x==y", xy, true },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        k8sc_field_selector *sel = NULL;
        ck_assert_msg(k8sc_field_selector_parse(&sel, cases[i].sel) == 0, "%s: %s", cases[i].sel, k8sc_error_last());
        struct fieldset fs = { cases[i].set };
        ck_assert_msg(k8sc_field_selector_matches(sel, fieldset_get, &fs) == cases[i].match, "case %zu: %s", i,
            cases[i].sel);
        k8sc_field_selector_free(sel);
    }
    k8sc_field_selector *sel = NULL;
    ck_assert_int_eq(k8sc_field_selector_parse(&sel, "a="), 0);
    ck_assert(k8sc_field_selector_matches(sel, NULL, NULL));
    k8sc_field_selector_free(sel);
    ck_assert(!k8sc_field_selector_matches(NULL, NULL, NULL));
    k8sc_field_selector_free(NULL);
}
END_TEST

/* TestRequiresExactMatch */
START_TEST(test_field_exact)
{
    static const struct {
        const char *sel;
        const char *field;
        const char *value; /* NULL: not found */
    } cases[] = {
        { "", "test", NULL },
        { "a=b", "test", NULL },
        { "test=b", "test", "b" },
        { "test=", "test", "" },
        { "test!=b", "test", NULL },
        { "test!=", "test", NULL },
        { "a=x,test=b", "test", "b" },
        { "test!=c,test==b", "test", "b" },
        { "test=\\,", "test", "," },
        { "spec.nodeName=node-1,metadata.namespace=default", "metadata.namespace", "default" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        k8sc_field_selector *sel = NULL;
        ck_assert_int_eq(k8sc_field_selector_parse(&sel, cases[i].sel), 0);
        const char *v = k8sc_field_selector_exact(sel, cases[i].field);
        if (cases[i].value)
            ck_assert_msg(v && strcmp(v, cases[i].value) == 0, "%s: got %s", cases[i].sel, v ? v : "NULL");
        else
            ck_assert_msg(v == NULL, "%s: got %s", cases[i].sel, v);
        k8sc_field_selector_free(sel);
    }
    ck_assert_ptr_null(k8sc_field_selector_exact(NULL, "a"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("selector");
    k8sc_test_add(s, "parse_good", test_parse_good);
    k8sc_test_add(s, "parse_bad", test_parse_bad);
    k8sc_test_add(s, "parse_message_format", test_parse_message_format);
    k8sc_test_add(s, "parse_lengths", test_parse_lengths);
    k8sc_test_add(s, "requirements", test_requirements);
    k8sc_test_add(s, "matches", test_matches);
    k8sc_test_add(s, "matches_edges", test_matches_edges);
    k8sc_test_add(s, "everything_nothing", test_everything_nothing);
    k8sc_test_add(s, "from_map", test_from_map);
    k8sc_test_add(s, "from_json", test_from_json);
    k8sc_test_add(s, "field_parse_good", test_field_parse_good);
    k8sc_test_add(s, "field_terms", test_field_terms);
    k8sc_test_add(s, "field_parse_bad", test_field_parse_bad);
    k8sc_test_add(s, "field_matches", test_field_matches);
    k8sc_test_add(s, "field_exact", test_field_exact);
    return k8sc_test_main(s);
}
