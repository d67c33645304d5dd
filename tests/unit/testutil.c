#include "testutil.h"

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int k8sc_test_main(Suite *suite)
{
    /* k8sctl's discovery cache (k8sc_cli_main run in-process) goes to a directory of the run's own. */
    char cache[] = "/tmp/k8sc-test-cache.XXXXXX";
    bool own_cache = !getenv("KUBECACHEDIR") && mkdtemp(cache) && setenv("KUBECACHEDIR", cache, 1) == 0;
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (own_cache)
        nftw(cache, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

char *k8sc_test_read_data(const char *relpath, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", K8SC_TEST_DATA, relpath);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

char *k8sc_test_temp_file(char *dir, const char *name, const char *text, unsigned int mode)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
    size_t size = strlen(dir) + strlen(name) + 2;
    char *path = malloc(size);
    ck_assert_ptr_nonnull(path);
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
    ck_assert_int_eq(chmod(path, (mode_t)mode), 0);
    return path;
}

void k8sc_test_add(Suite *suite, const char *name, const TTest *fn)
{
    TCase *tc = tcase_create(name);
    tcase_add_test(tc, fn);
    suite_add_tcase(suite, tc);
}
