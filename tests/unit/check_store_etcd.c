/*
 * The etcd store against a real 3-member cluster: losing the member the
 * client talks to costs neither writes nor watch events, and when every
 * member is gone, requests fail within their bounded time, naming an
 * endpoint. Skipped only when /usr/bin/etcd is absent and CI is unset.
 */
#include "testutil.h"
#include "store_test_etcd.h"

#include "k8sc/k8sc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[256];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(t_failover)
{
    k8sc_test_etcd *etcd = NULL;
    int rc = k8sc_test_etcd_start(&etcd, tmpdir, 3);
    if (rc == K8SC_TEST_ETCD_SKIP)
        return;
    ck_assert_int_eq(rc, 0);
    char url[300];
    snprintf(url, sizeof(url), "etcd://%s", k8sc_test_etcd_endpoints(etcd));
    k8sc_store_options o = K8SC_STORE_OPTIONS_INIT;
    o.compact_interval_ms = 0;
    o.etcd_request_timeout_ms = 4000;
    o.etcd_connect_timeout_ms = 500;
    o.etcd_attempts = 5;
    k8sc_store *s = NULL;
    ck_assert_msg(k8sc_store_open(&s, url, &o) == 0, "%s", k8sc_error_last());
    k8sc_store_watch *w = NULL;
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, "/f/", 0), 0);

    /* the client starts with the first endpoint: kill that member mid-stream */
    char key[64], val[64];
    int64_t first = 0, last = 0;
    for (int i = 0; i < 60; i++) {
        if (i == 20)
            k8sc_test_etcd_kill(etcd, 0);
        snprintf(key, sizeof(key), "/f/k%d", i);
        snprintf(val, sizeof(val), "v%d", i);
        int64_t r = 0;
        int wrc = k8sc_store_create(&r, s, key, val, strlen(val));
        /*
         * A write whose answer was lost with the member may or may not have
         * been applied: retry as a client would, and accept our own value.
         */
        for (int tries = 0; (wrc == K8SC_ETIMEOUT || wrc == K8SC_EUNAVAILABLE) && tries < 5; tries++) {
            wrc = k8sc_store_create(&r, s, key, val, strlen(val));
            if (wrc == K8SC_EEXISTS) {
                k8sc_store_kv *mine = NULL;
                ck_assert_int_eq(k8sc_store_get(&mine, s, key, 0), 0);
                ck_assert_str_eq(mine->value, val);
                r = mine->mod_revision;
                k8sc_store_kv_free(mine);
                wrc = 0;
            }
        }
        ck_assert_msg(wrc == 0, "write %d after failover: %s", i, k8sc_error_last());
        if (i == 0)
            first = r;
        else
            ck_assert_int_gt(r, last);
        last = r;
    }
    /* the watch resumed on another member without a gap */
    for (int i = 0; i < 60; i++) {
        k8sc_store_event *e = NULL;
        int wrc = k8sc_store_watch_wait(&e, w, 15000);
        ck_assert_msg(wrc == 0, "watch event %d: %s", i, k8sc_error_last());
        snprintf(key, sizeof(key), "/f/k%d", i);
        ck_assert_str_eq(e->kv->key, key);
        ck_assert_int_eq(e->type, K8SC_STORE_CREATED);
        if (i == 0)
            ck_assert_int_eq(e->kv->mod_revision, first);
        k8sc_store_event_free(e);
    }
    k8sc_store_kv *kv = NULL;
    ck_assert_int_eq(k8sc_store_get(&kv, s, "/f/k59", 0), 0);
    ck_assert_int_eq(kv->mod_revision, last);
    k8sc_store_kv_free(kv);

    /* with every member gone: a bounded wait and an error naming an endpoint */
    k8sc_test_etcd_kill(etcd, 1);
    k8sc_test_etcd_kill(etcd, 2);
    double t0 = now();
    rc = k8sc_store_get(&kv, s, "/f/k1", 0);
    double took = now() - t0;
    ck_assert_msg(rc == K8SC_EUNAVAILABLE || rc == K8SC_ETIMEOUT, "rc %d: %s", rc, k8sc_error_last());
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "127.0.0.1:"));
    ck_assert_msg(took < 30.0, "gave up after %.1f s", took);
    rc = k8sc_store_create(NULL, s, "/f/late", "x", 1);
    ck_assert(rc == K8SC_EUNAVAILABLE || rc == K8SC_ETIMEOUT);
    k8sc_store_watch_close(w);
    k8sc_store_close(s);
    k8sc_test_etcd_stop(etcd);
}
END_TEST

START_TEST(t_bad_urls_and_down)
{
    static const char *const bad[] = { "etcd://", "etcd://host", "etcd://host:", "etcd://:2379",
                                       "etcd://h:12x", "etcd://a:1,,b:2" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        k8sc_store *s = NULL;
        ck_assert_msg(k8sc_store_open(&s, bad[i], NULL) == K8SC_EINVAL, "%s: %s", bad[i], k8sc_error_last());
        ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "etcd://"));
    }
    /* nobody listens: open fails promptly, naming the endpoint */
    char url[64];
    snprintf(url, sizeof(url), "etcd://127.0.0.1:%d", k8sc_test_free_port());
    k8sc_store_options o = K8SC_STORE_OPTIONS_INIT;
    o.etcd_attempts = 2;
    k8sc_store *s = NULL;
    ck_assert_int_eq(k8sc_store_open(&s, url, &o), K8SC_EUNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), url + 7));
}
END_TEST

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_store_etcd.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    if (access(K8SC_TEST_ETCD_BIN, X_OK) != 0 && !getenv("CI"))
        fprintf(stderr, "check_store_etcd: %s absent and CI unset: cluster test skipped\n", K8SC_TEST_ETCD_BIN);
    Suite *su = suite_create("store_etcd");
    TCase *tc = tcase_create("cluster");
    tcase_add_test(tc, t_failover);
    tcase_add_test(tc, t_bad_urls_and_down);
    /* set here so that a direct run (without ctest's CK_DEFAULT_TIMEOUT) behaves the same */
    tcase_set_timeout(tc, 60);
    suite_add_tcase(su, tc);
    int result = k8sc_test_main(su);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "check_store_etcd: could not remove %s\n", tmpdir);
    return result;
}
