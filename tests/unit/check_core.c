/* core: errors, time, clocks, UUIDs, buffers, number formatting. */
#include "internal.h"
#include "testutil.h"

#include <k8sc/core.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

START_TEST(error_last_is_per_thread)
{
    k8sc_error_clear();
    ck_assert_str_eq(k8sc_error_last(), "");
    ck_assert_int_eq(k8sc_error_set(K8SC_ENOTFOUND, "pods \"%s\" not found", "x"), K8SC_ENOTFOUND);
    ck_assert_str_eq(k8sc_error_last(), "pods \"x\" not found");
    ck_assert_int_eq(k8sc_error_last_code(), K8SC_ENOTFOUND);
    /* A message may quote the previous one. */
    k8sc_error_set(K8SC_EINVAL, "wrapped: %s", k8sc_error_last());
    ck_assert_str_eq(k8sc_error_last(), "wrapped: pods \"x\" not found");
    k8sc_error_clear();
    ck_assert_int_eq(k8sc_error_last_code(), K8SC_OK);
    ck_assert_str_eq(k8sc_error_name(K8SC_ECONFLICT), "conflict");
    ck_assert_str_eq(k8sc_error_name(-999), "error");
}
END_TEST

static void *other_thread(void *arg)
{
    (void)arg;
    k8sc_error_set(K8SC_EIO, "from another thread");
    return NULL;
}

START_TEST(error_not_shared_between_threads)
{
    k8sc_error_set(K8SC_EGONE, "mine");
    pthread_t t;
    pthread_create(&t, NULL, other_thread, NULL);
    pthread_join(t, NULL);
    ck_assert_str_eq(k8sc_error_last(), "mine");
    ck_assert_int_eq(k8sc_error_last_code(), K8SC_EGONE);
}
END_TEST

START_TEST(version_matches_macros)
{
    ck_assert_str_eq(k8sc_version(), K8SC_VERSION);
    ck_assert_int_eq(K8SC_VERSION_HEX, (K8SC_VERSION_MAJOR << 16) | (K8SC_VERSION_MINOR << 8) | K8SC_VERSION_PATCH);
}
END_TEST

static const struct {
    const char *text;
    int64_t unix_sec; /* expected; ignored when rc != 0 */
    int rc;
    const char *formatted; /* NULL: same as text */
} time_cases[] = {
    { "1970-01-01T00:00:00Z", 0, 0, NULL },
    { "2024-02-29T23:59:59Z", 1709251199, 0, NULL },
    { "2026-11-25T18:38:49Z", 1795631929, 0, NULL },
    { "2000-01-01T00:00:00.123456Z", 946684800, 0, "2000-01-01T00:00:00Z" },
    { "2000-01-01T02:00:00+02:00", 946684800, 0, "2000-01-01T00:00:00Z" },
    { "1999-12-31T19:00:00-05:00", 946684800, 0, "2000-01-01T00:00:00Z" },
    { "1969-12-31T23:59:59Z", -1, 0, NULL },
    { "2023-02-29T00:00:00Z", 0, K8SC_EINVAL, NULL },
    { "2023-13-01T00:00:00Z", 0, K8SC_EINVAL, NULL },
    { "2023-01-01 00:00:00Z", 0, K8SC_EINVAL, NULL },
    { "2023-01-01T00:00:00", 0, K8SC_EINVAL, NULL },
    { "2023-01-01T00:00:00Zjunk", 0, K8SC_EINVAL, NULL },
    { "", 0, K8SC_EINVAL, NULL },
};

START_TEST(time_parse_and_format)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(time_cases); i++) {
        int64_t t = 42;
        int rc = k8sc_time_parse(&t, time_cases[i].text);
        ck_assert_msg(rc == time_cases[i].rc, "%s: rc %d (%s)", time_cases[i].text, rc, k8sc_error_last());
        if (rc != 0) {
            ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "position"));
            continue;
        }
        ck_assert_int_eq(t, time_cases[i].unix_sec);
        char buf[K8SC_TIME_BUFSIZE];
        ck_assert_int_eq(k8sc_time_format(buf, sizeof(buf), t), 0);
        ck_assert_str_eq(buf, time_cases[i].formatted ? time_cases[i].formatted : time_cases[i].text);
    }
}
END_TEST

START_TEST(fake_clock_moves_only_when_told)
{
    k8sc_clock *c = NULL;
    ck_assert_int_eq(k8sc_clock_fake_new(&c, 1000), 0);
    ck_assert_int_eq(k8sc_clock_now(c), 1000);
    ck_assert_int_eq(k8sc_clock_mono(c), 0);
    ck_assert_int_eq(k8sc_clock_fake_advance(c, 500), 0);
    ck_assert_int_eq(k8sc_clock_now(c), 1500);
    ck_assert_int_eq(k8sc_clock_mono(c), 500);
    ck_assert_int_eq(k8sc_clock_fake_advance(c, -1), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_clock_fake_advance(k8sc_clock_system(), 1), K8SC_EINVAL);
    k8sc_clock_free(c);
    k8sc_clock_free(NULL);
    k8sc_clock_free(k8sc_clock_system());
    int64_t a = k8sc_clock_mono(NULL), b = k8sc_clock_mono(k8sc_clock_system());
    ck_assert(b >= a);
    ck_assert(k8sc_clock_now(NULL) > INT64_C(1700000000) * 1000000000);
}
END_TEST

START_TEST(uuid_v4_format_and_uniqueness)
{
    char a[K8SC_UUID_BUFSIZE], b[K8SC_UUID_BUFSIZE];
    ck_assert_int_eq(k8sc_uuid_v4(a, sizeof(a)), 0);
    ck_assert_int_eq(k8sc_uuid_v4(b, sizeof(b)), 0);
    ck_assert_uint_eq(strlen(a), 36);
    ck_assert(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
    ck_assert(a[14] == '4');
    ck_assert(strchr("89ab", a[19]) != NULL);
    ck_assert_str_ne(a, b);
    ck_assert_int_eq(k8sc_uuid_v4(a, 10), K8SC_EINVAL);
}
END_TEST

START_TEST(goquote_like_strconv_quote)
{
    static const struct { const char *in; size_t len; const char *out; } cases[] = {
        { "BadName", 7, "\"BadName\"" },
        { "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
        { "tab\there\n", 9, "\"tab\\there\\n\"" },
        { "\x01\x7f", 2, "\"\\x01\\x7f\"" },
        { "caf\xc3\xa9", 5, "\"caf\xc3\xa9\"" },
        { "bad\xff", 4, "\"bad\\xff\"" },
        { "nb\xc2\xa0sp\xe2\x80\x8b", 9, "\"nb\\u00a0sp\\u200b\"" },
        { "", 0, "\"\"" },
    };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(cases); i++) {
        k8sc__buf b = K8SC__BUF_INIT;
        k8sc__buf_put_goquoted(&b, cases[i].in, cases[i].len);
        char *s = k8sc__buf_detach(&b, NULL);
        ck_assert_str_eq(s, cases[i].out);
        k8sc_free(s);
    }
}
END_TEST

START_TEST(double_formatting_like_go)
{
    static const struct { double d; char style; const char *out; } cases[] = {
        { 1.0, 'j', "1" }, { 0.5, 'j', "0.5" }, { -2.25, 'j', "-2.25" }, { 0.1, 'j', "0.1" },
        { 1e20, 'j', "100000000000000000000" }, { 1e21, 'j', "1e+21" }, { 1e-7, 'j', "1e-7" },
        { 0.000001, 'j', "0.000001" }, { 123456789.0, 'j', "123456789" }, { 3.14159, 'j', "3.14159" },
        { 1.0, 'g', "1" }, { 1e6, 'g', "1e+06" }, { 123456.0, 'g', "123456" }, { 0.0001, 'g', "0.0001" },
        { 0.00001, 'g', "1e-05" }, { 1.5, 'g', "1.5" }, { 0.0, 'j', "0" },
    };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(cases); i++) {
        char buf[K8SC__DOUBLE_BUFSIZE];
        k8sc__format_double(buf, sizeof(buf), cases[i].d, cases[i].style);
        ck_assert_msg(strcmp(buf, cases[i].out) == 0, "%.17g/%c: got %s want %s", cases[i].d, cases[i].style, buf, cases[i].out);
    }
}
END_TEST

START_TEST(buf_grows_and_formats)
{
    k8sc__buf b = K8SC__BUF_INIT;
    for (int i = 0; i < 1000; i++)
        k8sc__buf_printf(&b, "%d,", i);
    ck_assert_int_eq(k8sc__buf_status(&b), 0);
    size_t len = 0;
    char *s = k8sc__buf_detach(&b, &len);
    ck_assert_uint_eq(len, strlen(s));
    ck_assert(strncmp(s, "0,1,2,", 6) == 0);
    ck_assert(strcmp(s + len - 4, "999,") == 0);
    k8sc_free(s);
    k8sc__buf empty = K8SC__BUF_INIT;
    s = k8sc__buf_detach(&empty, &len);
    ck_assert_str_eq(s, "");
    k8sc_free(s);
}
END_TEST

static int seen_level = -1;
static char seen_msg[64];

static void capture(k8sc_log_level level, const char *msg, void *ud)
{
    (void)ud;
    seen_level = (int)level;
    snprintf(seen_msg, sizeof(seen_msg), "%s", msg);
}

START_TEST(log_handler_and_level)
{
    k8sc_log_set_handler(capture, K8SC_LOG_INFO, NULL);
    k8sc_log(K8SC_LOG_WARN, "disk %d%% full", 91);
    ck_assert_int_eq(seen_level, K8SC_LOG_WARN);
    ck_assert_str_eq(seen_msg, "disk 91% full");
    seen_level = -1;
    k8sc_log(K8SC_LOG_DEBUG, "dropped");
    ck_assert_int_eq(seen_level, -1);
    k8sc_log_set_handler(NULL, K8SC_LOG_INFO, NULL);
}
END_TEST

START_TEST(mkdirs_and_read_file)
{
    char root[] = "/tmp/k8sc-core-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(root));
    char path[256], file[256];
    snprintf(path, sizeof(path), "%s/a/b/c", root);
    ck_assert_int_eq(k8sc__mkdirs(path, 0755), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    /* There already: fine. */
    ck_assert_int_eq(k8sc__mkdirs(path, 0755), 0);
    /* A file in the way: EIO naming the path. */
    snprintf(file, sizeof(file), "%s/a/f", root);
    FILE *f = fopen(file, "w");
    fputs("hello\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/a/f/g", root);
    ck_assert_int_eq(k8sc__mkdirs(path, 0755), K8SC_EIO);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), path));

    char *text = NULL;
    size_t len = 0;
    ck_assert_int_eq(k8sc__read_file(&text, &len, file, 0), 0);
    ck_assert_str_eq(text, "hello\n");
    ck_assert_uint_eq(len, 6);
    free(text);
    ck_assert_int_eq(k8sc__read_file(&text, NULL, file, 4), K8SC_EINVAL);
    ck_assert_ptr_null(text);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "larger than 4 bytes"));
    snprintf(path, sizeof(path), "%s/missing", root);
    ck_assert_int_eq(k8sc__read_file(&text, &len, path, 0), K8SC_EIO);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), path));
    /* An empty file reads as "". */
    snprintf(path, sizeof(path), "%s/empty", root);
    fclose(fopen(path, "w"));
    ck_assert_int_eq(k8sc__read_file(&text, &len, path, 0), 0);
    ck_assert_str_eq(text, "");
    ck_assert_uint_eq(len, 0);
    free(text);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    k8sc_test_add(s, "error_last_is_per_thread", error_last_is_per_thread);
    k8sc_test_add(s, "error_not_shared_between_threads", error_not_shared_between_threads);
    k8sc_test_add(s, "version_matches_macros", version_matches_macros);
    k8sc_test_add(s, "time_parse_and_format", time_parse_and_format);
    k8sc_test_add(s, "fake_clock_moves_only_when_told", fake_clock_moves_only_when_told);
    k8sc_test_add(s, "uuid_v4_format_and_uniqueness", uuid_v4_format_and_uniqueness);
    k8sc_test_add(s, "goquote_like_strconv_quote", goquote_like_strconv_quote);
    k8sc_test_add(s, "double_formatting_like_go", double_formatting_like_go);
    k8sc_test_add(s, "buf_grows_and_formats", buf_grows_and_formats);
    k8sc_test_add(s, "log_handler_and_level", log_handler_and_level);
    k8sc_test_add(s, "mkdirs_and_read_file", mkdirs_and_read_file);
    return k8sc_test_main(s);
}
