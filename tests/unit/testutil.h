/* Shared helpers for the Check suites. */
#ifndef K8SC_TESTUTIL_H
#define K8SC_TESTUTIL_H

#include <check.h>
#include <stddef.h>

/* Run `suite` (fork mode), print Check's summary, return the process exit code. */
int k8sc_test_main(Suite *suite);

/* Read a file under tests/data into a NUL-terminated buffer (free()); aborts the test on error. */
char *k8sc_test_read_data(const char *relpath, size_t *len);

/*
 * Make a directory from the mkdtemp template `dir` (filled in place) and
 * write `text` to `dir`/`name` with `mode`; the file's path (free()).
 * Aborts the test on error.
 */
char *k8sc_test_temp_file(char *dir, const char *name, const char *text, unsigned int mode);

/* Add a test case named `name` with `fn` to `suite`. */
void k8sc_test_add(Suite *suite, const char *name, const TTest *fn);

#endif
