/*
 * quantity: parsing, canonical formatting and arithmetic of resource
 * quantities. The tables follow k8s.io/apimachinery/pkg/api/resource's
 * quantity_test.go (TestQuantityParse, TestQuantityString,
 * TestQuantityParseEmit, TestQuantityCmpInt64AndDec, TestAdd, TestSub,
 * TestMilliNewSet, TestNewSet, TestScaledValue).
 */
#include "internal.h"
#include "testutil.h"

#include <k8sc/object.h>
#include <string.h>

#define DSI K8SC_QUANTITY_DECIMAL_SI
#define BSI K8SC_QUANTITY_BINARY_SI
#define DEX K8SC_QUANTITY_DECIMAL_EXPONENT

static k8sc_quantity q_of(const char *text)
{
    k8sc_quantity q;
    ck_assert_msg(k8sc_quantity_parse(&q, text) == 0, "%s: %s", text, k8sc_error_last());
    return q;
}

static const char *fmt(const k8sc_quantity *q, char *buf)
{
    ck_assert_int_eq(k8sc_quantity_format_to(buf, K8SC_QUANTITY_BUFSIZE, q), 0);
    return buf;
}

/* Input, canonical String(), remembered format. */
static const struct {
    const char *in;
    const char *out;
    int format;
} parse_cases[] = {
    /* zeros keep the suffix's format but always print "0" */
    { "0", "0", DSI }, { "0n", "0", DSI }, { "0u", "0", DSI }, { "0m", "0", DSI },
    { "0Ki", "0", BSI }, { "0k", "0", DSI }, { "0Mi", "0", BSI }, { "0M", "0", DSI },
    { "0Gi", "0", BSI }, { "0G", "0", DSI }, { "0Ti", "0", BSI }, { "0T", "0", DSI },
    { "00", "0", DSI }, { "-0", "0", DSI }, { "0e3", "0", DEX },
    /* the scanner's corners: an empty number reads as zero (TestParseQuantityString) */
    { ".", "0", DSI }, { "-.", "0", DSI }, { "+", "0", DSI }, { "-", "0", DSI },
    { "Ki", "0", BSI }, { "m", "0", DSI },
    { "1", "1", DSI },
    /* binary suffixes */
    { "1Ki", "1Ki", BSI }, { "8Ki", "8Ki", BSI }, { "7Mi", "7Mi", BSI }, { "6Gi", "6Gi", BSI },
    { "5Ti", "5Ti", BSI }, { "4Pi", "4Pi", BSI }, { "3Ei", "3Ei", BSI },
    { "10Ti", "10Ti", BSI }, { "100Ti", "100Ti", BSI },
    { "1024Mi", "1Gi", BSI }, { "1536Mi", "1536Mi", BSI }, { "1.5Gi", "1536Mi", BSI },
    { "0.5Gi", "512Mi", BSI }, { "0.5Mi", "512Ki", BSI },
    /* decimal suffixes */
    { "5n", "5n", DSI }, { "4u", "4u", DSI }, { "3m", "3m", DSI }, { "9", "9", DSI },
    { "8k", "8k", DSI }, { "50k", "50k", DSI }, { "7M", "7M", DSI }, { "6G", "6G", DSI },
    { "5T", "5T", DSI }, { "40T", "40T", DSI }, { "300T", "300T", DSI }, { "2P", "2P", DSI },
    { "1E", "1E", DSI }, { "1000M", "1G", DSI }, { "1000m", "1", DSI }, { "1000", "1k", DSI },
    { "1024", "1024", DSI }, { "1k", "1k", DSI }, { "100m", "100m", DSI },
    /* decimal exponents */
    { "1E-3", "1e-3", DEX }, { "1e3", "1e3", DEX }, { "1E6", "1e6", DEX }, { "1e9", "1e9", DEX },
    { "1E12", "1e12", DEX }, { "1e15", "1e15", DEX }, { "1E18", "1e18", DEX },
    { "1e14", "100e12", DEX }, { "1e13", "10e12", DEX }, { "12e6", "12e6", DEX },
    { "1e+3", "1e3", DEX }, { "1E0", "1", DEX }, { "1e-0", "1", DEX },
    /* things that look like floating point */
    { "100.035k", "100035", DSI }, { "0.001", "1m", DSI }, { "0.0005k", "500m", DSI },
    { "0.005", "5m", DSI }, { "0.05", "50m", DSI }, { "0.5", "500m", DSI },
    { "0.00050k", "500m", DSI }, { "0.00500", "5m", DSI }, { "0.05000", "50m", DSI },
    { "0.50000", "500m", DSI }, { "0.5e0", "500e-3", DEX }, { "0.5e-1", "50e-3", DEX },
    { "0.5e-2", "5e-3", DEX }, { "10.035M", "10035k", DSI },
    { "1.2e3", "1200", DEX }, { "1.3E+6", "1300e3", DEX }, { "1.40e9", "1400e6", DEX },
    { "1.53E12", "1530e9", DEX }, { "1.6e15", "1600e12", DEX }, { "1.7E18", "1700e15", DEX },
    { "9.01", "9010m", DSI }, { "8.1k", "8100", DSI }, { "7.123456M", "7123456", DSI },
    { "6.987654321G", "6987654321", DSI }, { "5.444T", "5444G", DSI }, { "40.1T", "40100G", DSI },
    { "300.2T", "300200G", DSI }, { "2.5P", "2500T", DSI }, { "1.01E", "1010P", DSI },
    { "1.5", "1500m", DSI }, { "+1.5", "1500m", DSI }, { "-1.5", "-1500m", DSI }, { "0.1", "100m", DSI },
    /* more precise than 1n: rounded up, away from zero */
    { "3.001n", "4n", DSI }, { "1.1E-9", "2e-9", DEX }, { "0.0000000001", "1n", DSI },
    { "0.0000000005", "1n", DSI }, { "0.00000000050", "1n", DSI }, { "0.5e-9", "1e-9", DEX },
    { "0.9n", "1n", DSI }, { "0.00000012345", "124n", DSI }, { "0.00000012354", "124n", DSI },
    { "-0.0000000001", "-1n", DSI }, { "0.0000000019", "2n", DSI }, { "0.0000000099", "10n", DSI },
    { "0.000000001000000000000000000000000000001", "2n", DSI }, { "0.1n", "1n", DSI },
    /* the round-up carry turns trailing nines into zeros, so these still fit */
    { "99999999999999999999.5n", "100G", DSI }, { "0.99999999999999999999999", "1", DSI },
    { "38490484284823475199.32376488918274499042n", "38490484284823475200n", DSI },
    { "1e-2147483648", "1e-9", DEX }, { "1.5e-2147483648", "1e-9", DEX },
    /* BinarySI saturates at 2^63-1; DecimalSI does not (12E is 1.2e19) */
    { "9Ei", "9223372036854775807", BSI }, { "9223372036854775807Ki", "9223372036854775807", BSI },
    { "-9Ei", "-9223372036854775807", BSI }, { "8Ei", "9223372036854775807", BSI },
    { "7.5Ei", "7680Pi", BSI }, { "9007199254740991.5Ki", "9223372036854775296", BSI },
    { "12E", "12E", DSI }, { "1000E", "1e21", DSI }, { "5000E", "5e21", DSI },
    { "100000000000000000000", "100E", DSI }, { "1e2147483647", "10e2147483646", DEX },
    { "9223372036854775807", "9223372036854775807", DSI },
    { "-9223372036854775808", "-9223372036854775808", DSI },
    /* fractional binary values: whole numbers stay binary, others print as DecimalSI */
    { "100.035Ki", "102435840m", BSI }, { "0.05Gi", "53687091200m", BSI },
    { "0.025Ti", "27487790694400m", BSI }, { "0.5Ki", "512", BSI }, { "-0.5Ki", "-512", BSI },
    { "1.1Ki", "1126400m", BSI }, { "-1Ki", "-1Ki", BSI }, { "1.000000000001Ki", "1024000000002n", BSI },
    /* things written by trolls */
    { "0.000000000001Ki", "2n", DSI }, { ".001", "1m", DSI }, { ".0001k", "100m", DSI },
    { "1.", "1", DSI }, { "1.G", "1G", DSI },
    { ".001Ki", "1024m", BSI }, { ".000001Ki", "1024u", DSI }, { ".000000001Ki", "1024n", DSI },
    { ".000000000001Ki", "2n", DSI }, { "-.001Ki", "-1024m", BSI },
};

START_TEST(parse_and_canonical_form)
{
    char buf[K8SC_QUANTITY_BUFSIZE];
    for (size_t i = 0; i < K8SC__ARRAY_LEN(parse_cases); i++) {
        const char *want = parse_cases[i].out;
        k8sc_quantity q = q_of(parse_cases[i].in);
        ck_assert_msg(strcmp(fmt(&q, buf), want) == 0, "%s: got %s, want %s", parse_cases[i].in, buf, want);
        ck_assert_msg(q.format == parse_cases[i].format, "%s: format %d, want %d",
            parse_cases[i].in, (int)q.format, parse_cases[i].format);
        /* the canonical form reads back as the same value */
        k8sc_quantity again = q_of(buf);
        ck_assert_msg(k8sc_quantity_cmp(&q, &again) == 0, "%s: %s does not read back", parse_cases[i].in, buf);
    }
}
END_TEST

START_TEST(parse_keeps_values_exact)
{
    static const struct {
        const char *in;
        int64_t value;
        int32_t scale;
    } cases[] = {
        { "1Ki", 1024, 0 }, { "3Ei", 3LL << 60, 0 }, { "50k", 5, 4 }, { "12E", 12, 18 },
        { "100.035Ki", 10243584, -2 }, { "0.025Ti", 274877906944, -1 }, { "3.001n", 4, -9 },
        { "0.0005k", 5, -1 }, { "9Ei", INT64_MAX, 0 }, { "-9Ei", -INT64_MAX, 0 },
        { "0", 0, 0 }, { "0.000e5", 0, 0 }, { "1.000000000001Ki", 1024000000002, -9 },
        { "-9223372036854775808", INT64_MIN, 0 }, { "1000", 1, 3 },
    };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(cases); i++) {
        k8sc_quantity q = q_of(cases[i].in);
        ck_assert_msg(q.value == cases[i].value && q.scale == cases[i].scale, "%s: {%lld, %d}",
            cases[i].in, (long long)q.value, (int)q.scale);
    }
}
END_TEST

/* Input, error code, a piece of the message. */
static const struct {
    const char *in;
    int code;
    const char *msg;
} error_cases[] = {
    { "", K8SC_EINVAL, "quantity \"\": empty; quantities must match the regular expression "
                       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" },
    { "1.2.3", K8SC_EINVAL, "quantity \"1.2.3\": unexpected character '.' at position 4; quantities must match" },
    { "1.1.M", K8SC_EINVAL, "unexpected character '.' at position 4" },
    { "1+1.0M", K8SC_EINVAL, "unexpected character '.' at position 4" },
    { "0.1am", K8SC_EINVAL, "unexpected character 'a' at position 4" },
    { "aoeu", K8SC_EINVAL, "unexpected character 'a' at position 1" },
    { " 1", K8SC_EINVAL, "unexpected character ' ' at position 1" },
    { "1 ", K8SC_EINVAL, "unexpected character ' ' at position 2" },
    { "1\x01", K8SC_EINVAL, "quantity \"1\\x01\": unexpected byte 0x01 at position 2" },
    { "1\xc3\xa9", K8SC_EINVAL, "unexpected byte 0xc3 at position 2" },
    { "--1", K8SC_EINVAL, "unable to parse quantity's suffix \"-1\" at position 2" },
    { "1e3e3", K8SC_EINVAL, "unexpected character 'e' at position 4" },
    { "0.1mi", K8SC_EINVAL, "quantity \"0.1mi\": unable to parse quantity's suffix \"mi\" at position 4" },
    { ".5i", K8SC_EINVAL, "suffix \"i\" at position 3" },
    { "1i", K8SC_EINVAL, "suffix \"i\"" },
    { "-3.01i", K8SC_EINVAL, "suffix \"i\"" },
    { "-3.01e-", K8SC_EINVAL, "suffix \"e-\"" },
    { "1e", K8SC_EINVAL, "suffix \"e\"" },
    { "1ee3", K8SC_EINVAL, "suffix \"ee3\"" },
    { "1KI", K8SC_EINVAL, "unexpected character 'I' at position 3" },
    { "1e4294967296", K8SC_EINVAL, "exponent \"4294967296\" at position 3 is out of range" },
    { "1e99999999999999999999", K8SC_EINVAL, "is out of range" },
    { "1e2147483648", K8SC_EINVAL, "is out of range" },
    { "9223372036854775808", K8SC_EOVERFLOW, "more than 64 bits of precision" },
    { "-9223372036854775809", K8SC_EOVERFLOW, "more than 64 bits of precision" },
    { "12345678901234567890123", K8SC_EOVERFLOW, "precision" },
    { "12345678901.123456789", K8SC_EOVERFLOW, "precision" },
    { "10e2147483647", K8SC_EOVERFLOW, "exponent out of range" },
    { "9007199254740991.0001Ki", K8SC_EOVERFLOW, "precision" },
    { "7.99999Ei", K8SC_EOVERFLOW, "precision" },
};

START_TEST(parse_errors)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(error_cases); i++) {
        k8sc_quantity q = { 7, 7, 7 };
        int rc = k8sc_quantity_parse(&q, error_cases[i].in);
        ck_assert_msg(rc == error_cases[i].code, "%s: rc %d, want %d", error_cases[i].in, rc, error_cases[i].code);
        ck_assert_msg(strstr(k8sc_error_last(), error_cases[i].msg) != NULL, "%s: message %s",
            error_cases[i].in, k8sc_error_last());
        ck_assert_msg(q.value == 7 && q.scale == 7 && q.format == 7, "%s: out written on error", error_cases[i].in);
    }
}
END_TEST

START_TEST(error_quotes_long_input_truncated)
{
    char text[200];
    memset(text, '1', 150);
    strcpy(text + 150, "x");
    k8sc_quantity q;
    ck_assert_int_eq(k8sc_quantity_parse(&q, text), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "1111\"...: unexpected character 'x' at position 151"));
    ck_assert_int_eq(k8sc_quantity_parse(NULL, "1"), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_quantity_parse(&q, NULL), K8SC_EINVAL);
}
END_TEST

/* Quantities written as {value, scale, format} structs, and what String() prints. */
static const struct {
    k8sc_quantity q;
    const char *out;
    const char *alternate; /* another spelling that canonicalizes to `out`, or NULL */
} string_cases[] = {
    { { 1024 * 1024 * 1024, 0, BSI }, "1Gi", "1024Mi" },
    { { 300 * 1024 * 1024, 0, BSI }, "300Mi", "307200Ki" },
    { { 6 * 1024, 0, BSI }, "6Ki", NULL },
    { { 1001LL * 1024 * 1024 * 1024, 0, BSI }, "1001Gi", "1025024Mi" },
    { { 1024LL * 1024 * 1024 * 1024, 0, BSI }, "1Ti", "1024Gi" },
    { { 5, 0, BSI }, "5", "5000m" },
    { { 500, -3, BSI }, "500m", "0.5" },
    { { 1, 9, DSI }, "1G", "1000M" },
    { { 1000, 6, DSI }, "1G", "0.001T" },
    { { 1000000, 3, DSI }, "1G", NULL },
    { { 1000000000, 0, DSI }, "1G", NULL },
    { { 1, -3, DSI }, "1m", "1000u" },
    { { 80, -3, DSI }, "80m", NULL },
    { { 1080, -3, DSI }, "1080m", "1.08" },
    { { 108, -2, DSI }, "1080m", "1080000000n" },
    { { 10800, -4, DSI }, "1080m", NULL },
    { { 300, 6, DSI }, "300M", NULL },
    { { 1, 12, DSI }, "1T", NULL },
    { { 1, 18, DSI }, "1E", NULL },
    { { 1, 21, DSI }, "1e21", "1000E" },
    { { 5, 21, DSI }, "5e21", "5000E" },
    { { 1, 24, DSI }, "1e24", "1000000E" },
    { { 1, -12, DSI }, "1e-12", NULL },
    { { 1234567, 6, DSI }, "1234567M", NULL },
    { { 1234567, -3, BSI }, "1234567m", NULL },
    { { 3, 3, DSI }, "3k", NULL },
    { { 1025, 0, BSI }, "1025", NULL },
    { { 0, 0, DSI }, "0", NULL },
    { { 0, 0, BSI }, "0", NULL },
    { { 0, 5, DEX }, "0", "00" },
    { { 1, 9, DEX }, "1e9", ".001e12" },
    { { 1, -3, DEX }, "1e-3", "0.001e0" },
    { { 1, -9, DEX }, "1e-9", "1000e-12" },
    { { 80, -3, DEX }, "80e-3", NULL },
    { { 300, 6, DEX }, "300e6", NULL },
    { { 1, 12, DEX }, "1e12", NULL },
    { { 1, 3, DEX }, "1e3", NULL },
    { { 3, 3, DEX }, "3e3", NULL },
    { { 1, -9, DSI }, "1n", NULL },
    { { 80, -9, DSI }, "80n", NULL },
    { { 1080, -9, DSI }, "1080n", NULL },
    { { 108, -8, DSI }, "1080n", NULL },
    { { 10800, -10, DSI }, "1080n", NULL },
    { { 1, -6, DSI }, "1u", NULL },
    { { 80, -6, DSI }, "80u", NULL },
    { { 1080, -6, DSI }, "1080u", NULL },
    /* an unknown format prints as DecimalExponent, as Kubernetes does */
    { { 1000000, 0, 7 }, "1e6", NULL },
    /* binary values beyond int64 come only from arithmetic; 2^63 is 8Ei */
    { { INT64_MIN, 0, BSI }, "-8Ei", NULL },
    { { 1, 30, BSI }, "931322574615478515625Gi", NULL },
    { { 1, 40, BSI }, "10e39", NULL },
    { { INT64_MAX, 2, BSI }, "922337203685477580700", NULL },
    { { INT64_MIN, INT32_MIN, DEX }, "-92233720368547758080e-2147483649", NULL },
};

START_TEST(canonical_string)
{
    char buf[K8SC_QUANTITY_BUFSIZE], neg[K8SC_QUANTITY_BUFSIZE];
    for (size_t i = 0; i < K8SC__ARRAY_LEN(string_cases); i++) {
        const k8sc_quantity *q = &string_cases[i].q;
        ck_assert_msg(strcmp(fmt(q, buf), string_cases[i].out) == 0, "#%zu: got %s, want %s",
            i, buf, string_cases[i].out);
        if (string_cases[i].alternate) {
            k8sc_quantity alt = q_of(string_cases[i].alternate);
            ck_assert_str_eq(fmt(&alt, buf), string_cases[i].out);
        }
        /* the negated value prints with a leading '-' (INT64_MIN has no positive twin) */
        if (q->value != 0 && q->value != INT64_MIN) {
            k8sc_quantity n = { -q->value, q->scale, q->format };
            snprintf(neg, sizeof(neg), "-%s", string_cases[i].out);
            ck_assert_str_eq(fmt(&n, buf), neg);
        }
    }
}
END_TEST

START_TEST(format_buffer_size)
{
    k8sc_quantity q = q_of("1500m");
    char buf[8];
    ck_assert_int_eq(k8sc_quantity_format_to(buf, 5, &q), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "too small"));
    ck_assert_int_eq(k8sc_quantity_format_to(buf, 6, &q), 0);
    ck_assert_str_eq(buf, "1500m");
    ck_assert_int_eq(k8sc_quantity_format_to(NULL, 6, &q), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_quantity_format_to(buf, 6, NULL), K8SC_EINVAL);
}
END_TEST

static const struct {
    k8sc_quantity a, b;
    int cmp;
} cmp_cases[] = {
    { { 901, -2, DSI }, { 901, -2, DSI }, 0 },
    { { 90, -1, DSI }, { 901, -2, DSI }, -1 },
    { { 901, -2, DSI }, { 900, -2, DSI }, 1 },
    { { 0, 0, DSI }, { 0, 0, DSI }, 0 },
    { { 0, 1, DSI }, { 0, -1, DSI }, 0 },
    { { 800, -3, DSI }, { 1, 0, DSI }, -1 },
    { { 800, -3, DSI }, { 79, -2, DSI }, 1 },
    { { INT64_MAX, 0, DSI }, { 1, -1, DSI }, 1 },
    { { INT64_MAX, 1, DSI }, { 1, 0, DSI }, 1 },
    { { INT64_MAX, 1, DSI }, { 1, 1, DSI }, 1 },
    { { INT64_MAX, 1, DSI }, { 0, 1, DSI }, 1 },
    { { INT64_MAX, -16, DSI }, { 1, 3, DSI }, -1 },
    { { INT64_MIN, 0, DSI }, { 0, 0, DSI }, -1 },
    { { INT64_MIN, -18, DSI }, { -1, 0, DSI }, -1 },
    { { INT64_MIN, -19, DSI }, { -1, 0, DSI }, 1 },
    { { 1000000000000000000, -17, DSI }, { 1, 1, DSI }, 0 },
    { { 1000000000000000000, -17, DSI }, { -10, 0, DSI }, 1 },
    { { -1000000000000000000, -17, DSI }, { -10, 0, DSI }, 0 },
    { { 1000000000000000000, -17, DSI }, { 1, 0, DSI }, 1 },
    { { 1000000000000000001, -17, DSI }, { 1, 1, DSI }, 1 },
    { { 999999999999999999, -17, DSI }, { 1, 1, DSI }, -1 },
    { { 1, INT32_MAX, DSI }, { INT64_MAX, INT32_MIN, DSI }, 1 },
    { { -1, INT32_MAX, DSI }, { -1, INT32_MIN, DSI }, -1 },
};

START_TEST(compare)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(cmp_cases); i++) {
        ck_assert_msg(k8sc_quantity_cmp(&cmp_cases[i].a, &cmp_cases[i].b) == cmp_cases[i].cmp, "#%zu", i);
        ck_assert_msg(k8sc_quantity_cmp(&cmp_cases[i].b, &cmp_cases[i].a) == -cmp_cases[i].cmp, "#%zu inverted", i);
    }
    static const struct {
        const char *a, *b;
        int cmp;
    } text[] = {
        { "0", "0", 0 }, { "100m", "50m", 1 }, { "50m", "100m", -1 }, { "10000T", "100Gi", 1 },
        { "1Ki", "1024", 0 }, { "1k", "1000", 0 }, { "1", "1000m", 0 }, { "1e3", "1k", 0 }, { "-1", "1n", -1 },
        { "12E", "9Ei", 1 }, { "0Ki", "-0", 0 },
    };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(text); i++) {
        k8sc_quantity a = q_of(text[i].a), b = q_of(text[i].b);
        ck_assert_msg(k8sc_quantity_cmp(&a, &b) == text[i].cmp, "%s vs %s", text[i].a, text[i].b);
    }
    k8sc_quantity one = q_of("1");
    ck_assert_int_eq(k8sc_quantity_cmp(NULL, &one), -1);
    ck_assert_int_eq(k8sc_quantity_cmp(NULL, NULL), 0);
}
END_TEST

START_TEST(sign)
{
    k8sc_quantity a = q_of("-1n"), b = q_of("0Gi"), c = q_of("5Ei");
    ck_assert_int_eq(k8sc_quantity_sign(&a), -1);
    ck_assert_int_eq(k8sc_quantity_sign(&b), 0);
    ck_assert_int_eq(k8sc_quantity_sign(&c), 1);
    ck_assert_int_eq(k8sc_quantity_sign(NULL), 0);
}
END_TEST

/* a op b = out (canonical string and format), as Quantity.Add/Sub. */
static const struct {
    k8sc_quantity a, b;
    bool sub;
    const char *out;
    int format;
} arith_cases[] = {
    { { 10, 0, DSI }, { 1, 1, DSI }, false, "20", DSI },
    { { 10, 0, DSI }, { 1, 0, BSI }, false, "11", DSI },
    { { 10, 0, BSI }, { 1, 0, DSI }, false, "11", BSI },
    { { 0, 0, DSI }, { 50, 0, DSI }, false, "50", DSI },
    { { 50, 0, DSI }, { 0, 0, DSI }, false, "50", DSI },
    { { 0, 0, DSI }, { 0, 0, DSI }, false, "0", DSI },
    { { 10, 0, DSI }, { 1, 1, DSI }, true, "0", DSI },
    { { 10, 0, DSI }, { 1, 0, BSI }, true, "9", DSI },
    { { 10, 0, BSI }, { 1, 0, DSI }, true, "9", BSI },
    { { 0, 0, DSI }, { 50, 0, DSI }, true, "-50", DSI },
    { { 50, 0, DSI }, { 0, 0, DSI }, true, "50", DSI },
    { { 0, 0, DSI }, { 0, 0, DSI }, true, "0", DSI },
    /* a zero operand takes the other's format (TestQuantityAddZeroPreservesSuffix) */
    { { 0, 0, DSI }, { 1 << 30, 0, BSI }, false, "1Gi", BSI },
    { { 1 << 30, 0, BSI }, { 0, 0, DSI }, false, "1Gi", BSI },
    { { 0, 0, DSI }, { 1 << 30, 0, BSI }, true, "-1Gi", BSI },
    { { 100, -3, DSI }, { 0, 0, BSI }, true, "100m", DSI },
    { { 0, 0, BSI }, { 100, -3, DSI }, false, "100m", DSI },
    { { 15, -1, DSI }, { 5, -1, DSI }, false, "2", DSI },
    { { 1 << 30, 0, BSI }, { 512 << 20, 0, BSI }, false, "1536Mi", BSI },
    { { 1, 0, DSI }, { 15, -1, DSI }, true, "-500m", DSI },
    { { 1, 0, DSI }, { 1, -9, DSI }, true, "999999999n", DSI },
    { { 9, 18, DSI }, { 9, 18, DSI }, false, "18E", DSI },
    { { 12, 18, DSI }, { 12, 18, DSI }, false, "24E", DSI },
    { { INT64_MAX, 0, DSI }, { -1, 0, DSI }, false, "9223372036854775806", DSI },
    { { INT64_MIN, 0, DSI }, { -1, 0, DSI }, true, "-9223372036854775807", DSI },
    { { INT64_MIN, 0, DSI }, { INT64_MIN, 0, DSI }, true, "0", DSI },
    { { 1, INT32_MAX, DSI }, { 1, INT32_MAX, DSI }, false, "20e2147483646", DSI },
};

START_TEST(add_and_sub)
{
    char buf[K8SC_QUANTITY_BUFSIZE];
    for (size_t i = 0; i < K8SC__ARRAY_LEN(arith_cases); i++) {
        k8sc_quantity out;
        int rc = arith_cases[i].sub ? k8sc_quantity_sub(&out, &arith_cases[i].a, &arith_cases[i].b)
                                    : k8sc_quantity_add(&out, &arith_cases[i].a, &arith_cases[i].b);
        ck_assert_msg(rc == 0, "#%zu: %s", i, k8sc_error_last());
        ck_assert_msg(strcmp(fmt(&out, buf), arith_cases[i].out) == 0, "#%zu: got %s", i, buf);
        ck_assert_msg(out.format == arith_cases[i].format, "#%zu: format %d", i, (int)out.format);
    }
    /* out may alias an operand */
    k8sc_quantity a = q_of("1Gi"), b = q_of("1Gi");
    ck_assert_int_eq(k8sc_quantity_add(&a, &a, &b), 0);
    ck_assert_str_eq(fmt(&a, buf), "2Gi");
}
END_TEST

static const struct {
    k8sc_quantity a, b;
    bool sub;
} overflow_cases[] = {
    { { INT64_MAX, 0, DSI }, { 1, 0, DSI }, false },
    { { INT64_MIN, 0, DSI }, { 1, 0, DSI }, true },
    { { 0, 0, DSI }, { INT64_MIN, 0, DSI }, true },
    { { 1, 0, DSI }, { INT64_MIN, 0, DSI }, true },
    { { 1, 18, DSI }, { 1, -9, DSI }, false },
    { { 1, 18, DSI }, { 1, -9, DSI }, true },
    { { 1, 100, DSI }, { 1, 0, DSI }, false },
    { { 1, INT32_MAX, DSI }, { 1, INT32_MIN, DSI }, false },
};

START_TEST(add_and_sub_overflow)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(overflow_cases); i++) {
        k8sc_quantity out = { 3, 3, 3 };
        int rc = overflow_cases[i].sub ? k8sc_quantity_sub(&out, &overflow_cases[i].a, &overflow_cases[i].b)
                                       : k8sc_quantity_add(&out, &overflow_cases[i].a, &overflow_cases[i].b);
        ck_assert_msg(rc == K8SC_EOVERFLOW, "#%zu: rc %d", i, rc);
        ck_assert_msg(out.value == 3 && out.scale == 3, "#%zu: out written", i);
        ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "cannot be represented exactly"));
    }
    k8sc_quantity a = q_of("9223372036854775807"), b = q_of("1"), out;
    ck_assert_int_eq(k8sc_quantity_add(&out, &a, &b), K8SC_EOVERFLOW);
    ck_assert_str_eq(k8sc_error_last(), "quantity 9223372036854775807 + 1 cannot be represented exactly");
    ck_assert_int_eq(k8sc_quantity_add(NULL, &a, &b), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_quantity_sub(&out, NULL, &b), K8SC_EINVAL);
}
END_TEST

/* Value() and MilliValue(): rounded away from zero (int64Amount.AsScaledInt64). */
static const struct {
    const char *in;
    int64_t value;
    int value_rc;
    int64_t milli;
    int milli_rc;
} scaled_cases[] = {
    { "0", 0, 0, 0, 0 },
    { "1n", 1, 0, 1, 0 },
    { "-1n", -1, 0, -1, 0 },
    { "1u", 1, 0, 1, 0 },
    { "1m", 1, 0, 1, 0 },
    { "1", 1, 0, 1000, 0 },
    { "1.5", 2, 0, 1500, 0 },
    { "-1.5", -2, 0, -1500, 0 },
    { "9.01", 10, 0, 9010, 0 },
    { "-9.01", -10, 0, -9010, 0 },
    { "100m", 1, 0, 100, 0 },
    { "1500u", 1, 0, 2, 0 },
    { "-1500u", -1, 0, -2, 0 },
    { "1Ki", 1024, 0, 1024000, 0 },
    { "1.5Gi", 1610612736, 0, 1610612736000, 0 },
    { "1E", 1000000000000000000, 0, 0, K8SC_EOVERFLOW },
    { "9223372036854775807", INT64_MAX, 0, 0, K8SC_EOVERFLOW },
    { "-9223372036854775808", INT64_MIN, 0, 0, K8SC_EOVERFLOW },
    { "9223372036854775807m", 9223372036854776, 0, INT64_MAX, 0 },
    { "12E", 0, K8SC_EOVERFLOW, 0, K8SC_EOVERFLOW },
    { "1e-9", 1, 0, 1, 0 },
    { "-0.0001", -1, 0, -1, 0 },
};

START_TEST(value_and_milli_value)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(scaled_cases); i++) {
        k8sc_quantity q = q_of(scaled_cases[i].in);
        int64_t v = 42, m = 42;
        int rc = k8sc_quantity_int(&q, &v);
        ck_assert_msg(rc == scaled_cases[i].value_rc, "%s: int rc %d", scaled_cases[i].in, rc);
        if (rc == 0)
            ck_assert_msg(v == scaled_cases[i].value, "%s: int %lld", scaled_cases[i].in, (long long)v);
        rc = k8sc_quantity_milli(&q, &m);
        ck_assert_msg(rc == scaled_cases[i].milli_rc, "%s: milli rc %d", scaled_cases[i].in, rc);
        if (rc == 0)
            ck_assert_msg(m == scaled_cases[i].milli, "%s: milli %lld", scaled_cases[i].in, (long long)m);
        else
            ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "out of the int64 range"));
    }
    /* TestScaledValue: 1 at one scale read at another */
    static const struct {
        int32_t from;
        int64_t value, milli;
    } scales[] = {
        { -9, 1, 1 }, { -6, 1, 1 }, { -3, 1, 1 }, { 0, 1, 1000 }, { 2, 100, 100000 },
        { -40, 1, 1 }, { INT32_MIN, 1, 1 }, { 19, 0, 0 },
    };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(scales); i++) {
        k8sc_quantity q = { 1, scales[i].from, DSI };
        int64_t v, m;
        if (scales[i].from == 19) {
            ck_assert_int_eq(k8sc_quantity_int(&q, &v), K8SC_EOVERFLOW);
            continue;
        }
        ck_assert_int_eq(k8sc_quantity_int(&q, &v), 0);
        ck_assert_int_eq(k8sc_quantity_milli(&q, &m), 0);
        ck_assert_int_eq(v, scales[i].value);
        ck_assert_int_eq(m, scales[i].milli);
    }
}
END_TEST

START_TEST(constructors)
{
    static const struct {
        int64_t value;
        int format;
        const char *milli;
        const char *plain;
    } cases[] = {
        { 1, DSI, "1m", "1" },
        { 1000, DSI, "1", "1k" },
        { 1234000, DSI, "1234", "1234k" },
        { 1024, BSI, "1024m", "1Ki" },
        { 1000000, 7, "1e3", "1e6" },
        { 1024 * 1024, BSI, "1048576m", "1Mi" },
        { 0, BSI, "0", "0" },
        { -1500, DSI, "-1500m", "-1500" },
        { INT64_MIN, DSI, "-9223372036854775808m", "-9223372036854775808" },
    };
    char buf[K8SC_QUANTITY_BUFSIZE];
    for (size_t i = 0; i < K8SC__ARRAY_LEN(cases); i++) {
        k8sc_quantity m = k8sc_quantity_from_milli(cases[i].value, (k8sc_quantity_format)cases[i].format);
        k8sc_quantity p = k8sc_quantity_from_int(cases[i].value, (k8sc_quantity_format)cases[i].format);
        ck_assert_str_eq(fmt(&m, buf), cases[i].milli);
        ck_assert_int_eq(m.format, cases[i].format);
        int64_t back;
        k8sc_quantity again = q_of(buf);
        ck_assert_int_eq(k8sc_quantity_milli(&again, &back), 0);
        ck_assert_int_eq(back, cases[i].value);
        ck_assert_str_eq(fmt(&p, buf), cases[i].plain);
        again = q_of(buf);
        ck_assert_int_eq(k8sc_quantity_int(&again, &back), 0);
        ck_assert_int_eq(back, cases[i].value);
    }
    /* results are normalized: equal values have equal fields */
    k8sc_quantity a = k8sc_quantity_from_milli(5000, DSI), b = k8sc_quantity_from_int(5, DSI);
    ck_assert(a.value == b.value && a.scale == b.scale);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("quantity");
    k8sc_test_add(s, "parse_and_canonical_form", parse_and_canonical_form);
    k8sc_test_add(s, "parse_keeps_values_exact", parse_keeps_values_exact);
    k8sc_test_add(s, "parse_errors", parse_errors);
    k8sc_test_add(s, "error_quotes_long_input_truncated", error_quotes_long_input_truncated);
    k8sc_test_add(s, "canonical_string", canonical_string);
    k8sc_test_add(s, "format_buffer_size", format_buffer_size);
    k8sc_test_add(s, "compare", compare);
    k8sc_test_add(s, "sign", sign);
    k8sc_test_add(s, "add_and_sub", add_and_sub);
    k8sc_test_add(s, "add_and_sub_overflow", add_and_sub_overflow);
    k8sc_test_add(s, "value_and_milli_value", value_and_milli_value);
    k8sc_test_add(s, "constructors", constructors);
    return k8sc_test_main(s);
}
