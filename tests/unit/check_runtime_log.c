/* k8sc_runtime_log_read: CRI and Docker json-file logs as `kubectl logs` shows them. */
#include "internal.h"
#include "testutil.h"

#include <k8sc/runtime.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static char path[128];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/k8sc-logtest-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/0.log", dir);
}

static void teardown(void)
{
    char p[160];
    snprintf(p, sizeof(p), "%s.1", path);
    unlink(p);
    unlink(path);
    rmdir(dir);
}

static void write_file(const char *p, const char *text, const char *mode)
{
    FILE *f = fopen(p, mode);
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static int collect(const char *data, size_t len, void *userdata)
{
    k8sc__buf_put(userdata, data, len);
    return 0;
}

/* The output for `opts` (NULL: defaults); the caller frees it. */
static char *read_log(const k8sc_log_options *opts)
{
    k8sc__buf b = K8SC__BUF_INIT;
    int rc = k8sc_runtime_log_read(path, opts, NULL, collect, &b);
    ck_assert_msg(rc == 0, "%s", k8sc_error_last());
    return k8sc__buf_detach(&b, NULL);
}

#define CRI_LOG                                                    \
    "2024-01-02T03:04:05.000000001Z stdout F one\n"                \
    "2024-01-02T03:04:06.5Z stderr F two\n"                        \
    "2024-01-02T03:04:07.000000000Z stdout P thr\n"                \
    "2024-01-02T03:04:07.100000000Z stdout F ee\n"                 \
    "2024-01-02T03:04:08.000000000Z stdout F \n"                   \
    "2024-01-02T03:04:09.000000000Z stdout F four\n"

START_TEST(cri_plain)
{
    write_file(path, CRI_LOG, "w");
    char *s = read_log(NULL);
    ck_assert_str_eq(s, "one\ntwo\nthree\n\nfour\n");
    free(s);
}
END_TEST

START_TEST(docker_json)
{
    write_file(path,
               "{\"log\":\"hello\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-02T03:04:05.1Z\"}\n"
               "{\"log\":\"par\",\"stream\":\"stderr\",\"time\":\"2024-01-02T03:04:06Z\"}\n"
               "{\"log\":\"tial \\\"q\\\"\\n\",\"stream\":\"stderr\",\"time\":\"2024-01-02T03:04:07Z\"}\n",
               "w");
    char *s = read_log(NULL);
    ck_assert_str_eq(s, "hello\npartial \"q\"\n");
    free(s);
    k8sc_log_options o = K8SC_LOG_OPTIONS_INIT;
    o.timestamps = true;
    s = read_log(&o);
    ck_assert_str_eq(s, "2024-01-02T03:04:05.1Z hello\n2024-01-02T03:04:06Z partial \"q\"\n");
    free(s);
}
END_TEST

START_TEST(timestamps_and_streams)
{
    write_file(path, CRI_LOG, "w");
    k8sc_log_options o = K8SC_LOG_OPTIONS_INIT;
    o.timestamps = true;
    o.stream = "stderr";
    char *s = read_log(&o);
    ck_assert_str_eq(s, "2024-01-02T03:04:06.5Z two\n");
    free(s);
    o.stream = "stdout";
    o.tail_lines = 2;
    s = read_log(&o);
    ck_assert_str_eq(s, "2024-01-02T03:04:08.000000000Z \n2024-01-02T03:04:09.000000000Z four\n");
    free(s);
    o.stream = "both";
    ck_assert_int_eq(k8sc_runtime_log_read(path, &o, NULL, collect, NULL), K8SC_EINVAL);
}
END_TEST

START_TEST(tail_across_rotation)
{
    char old[160];
    snprintf(old, sizeof(old), "%s.1", path);
    write_file(old, "2024-01-01T00:00:00Z stdout F a\n2024-01-01T00:00:01Z stdout F b\n", "w");
    write_file(path, "2024-01-01T00:00:02Z stdout F c\n", "w");
    k8sc_log_options o = K8SC_LOG_OPTIONS_INIT;
    char *s = read_log(&o);
    ck_assert_str_eq(s, "a\nb\nc\n");
    free(s);
    o.tail_lines = 2;
    s = read_log(&o);
    ck_assert_str_eq(s, "b\nc\n");
    free(s);
    o.tail_lines = 0;
    s = read_log(&o);
    ck_assert_str_eq(s, "");
    free(s);
    o.tail_lines = 10;
    s = read_log(&o);
    ck_assert_str_eq(s, "a\nb\nc\n");
    free(s);
}
END_TEST

START_TEST(since_and_limit)
{
    write_file(path, CRI_LOG, "w");
    k8sc_log_options o = K8SC_LOG_OPTIONS_INIT;
    int64_t t;
    ck_assert_int_eq(k8sc_time_parse(&t, "2024-01-02T03:04:07Z"), 0);
    o.since_ns = t * 1000000000;
    char *s = read_log(&o);
    ck_assert_str_eq(s, "three\n\nfour\n");
    free(s);
    o.since_ns = t * 1000000000 + 1;
    s = read_log(&o);
    ck_assert_str_eq(s, "\nfour\n");
    free(s);
    o.since_ns = 0;
    o.limit_bytes = 6;
    s = read_log(&o);
    ck_assert_str_eq(s, "one\ntw");
    free(s);
}
END_TEST

START_TEST(garbage_skipped)
{
    write_file(path,
               "garbage\n\n{not json\n{\"log\":1}\nnot-a-time stdout F x\n2024-01-02T03:04:05Z stdin F x\n"
               "2024-01-02T03:04:05Z stdout X x\n2024-01-02T03:04:05Z stdout\n"
               "2024-01-02T03:04:05Z stdout F ok\n2024-01-02T03:04:05Z stdout F tail-without-newline",
               "w");
    char *s = read_log(NULL);
    ck_assert_str_eq(s, "ok\ntail-without-newline\n");
    free(s);
}
END_TEST

START_TEST(missing_file)
{
    ck_assert_int_eq(k8sc_runtime_log_read("/nonexistent/k8sc/0.log", NULL, NULL, collect, NULL), K8SC_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "not found"));
    ck_assert_int_eq(k8sc_runtime_log_read(NULL, NULL, NULL, collect, NULL), K8SC_EINVAL);
}
END_TEST

static int stop_after_first(const char *data, size_t len, void *userdata)
{
    (void)data;
    (void)len;
    (void)userdata;
    return 42;
}

START_TEST(callback_stops)
{
    write_file(path, CRI_LOG, "w");
    ck_assert_int_eq(k8sc_runtime_log_read(path, NULL, NULL, stop_after_first, NULL), 42);
}
END_TEST

typedef struct follow_ctx {
    pthread_mutex_t lock;
    k8sc__buf out;
    bool stop;
} follow_ctx;

static int follow_collect(const char *data, size_t len, void *userdata)
{
    follow_ctx *c = userdata;
    pthread_mutex_lock(&c->lock);
    k8sc__buf_put(&c->out, data, len);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

static void *follow_thread(void *arg)
{
    follow_ctx *c = arg;
    k8sc_log_options o = K8SC_LOG_OPTIONS_INIT;
    o.follow = true;
    intptr_t rc = k8sc_runtime_log_read(path, &o, &c->stop, follow_collect, c);
    return (void *)rc;
}

/* Wait up to 5 s for the followed output to equal `want`. */
static void wait_output(follow_ctx *c, const char *want)
{
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&c->lock);
        bool same = c->out.ptr && strcmp(c->out.ptr, want) == 0;
        pthread_mutex_unlock(&c->lock);
        if (same)
            return;
        usleep(10000);
    }
    pthread_mutex_lock(&c->lock);
    ck_abort_msg("followed output \"%s\", want \"%s\"", c->out.ptr ? c->out.ptr : "", want);
}

START_TEST(follow_growth_rotation_stop)
{
    write_file(path, "2024-01-01T00:00:00Z stdout F first\n", "w");
    follow_ctx c = { PTHREAD_MUTEX_INITIALIZER, K8SC__BUF_INIT, false };
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, follow_thread, &c), 0);
    wait_output(&c, "first\n");
    write_file(path, "2024-01-01T00:00:01Z stdout F sec", "a");
    usleep(150000);
    write_file(path, "ond\n2024-01-01T00:00:01Z stdout F third\n", "a");
    wait_output(&c, "first\nsecond\nthird\n");
    /* Rotation: renamed to .1 and a new file at the path. */
    char old[160];
    snprintf(old, sizeof(old), "%s.1", path);
    ck_assert_int_eq(rename(path, old), 0);
    write_file(path, "2024-01-01T00:00:02Z stderr F fourth\n", "w");
    wait_output(&c, "first\nsecond\nthird\nfourth\n");
    int64_t t0 = k8sc_clock_mono(NULL);
    __atomic_store_n(&c.stop, true, __ATOMIC_RELEASE);
    void *rc;
    pthread_join(t, &rc);
    ck_assert_int_eq((int)(intptr_t)rc, 0);
    ck_assert_int_lt(k8sc_clock_mono(NULL) - t0, 1000000000);
    k8sc__buf_free(&c.out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runtime_log");
    TCase *tc = tcase_create("log");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, cri_plain);
    tcase_add_test(tc, docker_json);
    tcase_add_test(tc, timestamps_and_streams);
    tcase_add_test(tc, tail_across_rotation);
    tcase_add_test(tc, since_and_limit);
    tcase_add_test(tc, garbage_skipped);
    tcase_add_test(tc, missing_file);
    tcase_add_test(tc, callback_stops);
    tcase_add_test(tc, follow_growth_rotation_stop);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
