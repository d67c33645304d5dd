/*
 * The SQLite store across process death and bad files: a writer killed
 * with SIGKILL loses no acknowledged write, a reopened store continues
 * its revisions and its watch history, files that are not healthy
 * stores of ours are refused with a clear error, and a file of the older
 * schema is upgraded in place.
 */
#include "testutil.h"

#include "k8sc/k8sc.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[256];
static int seq;

static void new_path(char *buf, size_t size)
{
    snprintf(buf, size, "%s/crash-%d-%d.db", tmpdir, (int)getpid(), seq++);
}

static k8sc_store *open_path(const char *path, k8sc_store_sync sync)
{
    char url[512];
    snprintf(url, sizeof(url), "sqlite:%s", path);
    k8sc_store_options o = K8SC_STORE_OPTIONS_INIT;
    o.sqlite_synchronous = sync;
    o.compact_interval_ms = 0;
    k8sc_store *s = NULL;
    int rc = k8sc_store_open(&s, url, &o);
    ck_assert_msg(rc == 0, "open %s: %s", url, k8sc_error_last());
    return s;
}

/* What a child reports for each acknowledged write: its revision and its number. */
typedef struct ack {
    int64_t rev;
    int32_t thread, n;
} ack;

#define CHILD_THREADS 4
#define CHILD_KEYS 40

typedef struct child_arg {
    k8sc_store *s;
    int fd, thread;
} child_arg;

static void *child_writer(void *arg)
{
    child_arg *a = arg;
    char key[64], val[64];
    for (int32_t n = 0;; n++) {
        snprintf(key, sizeof(key), "/crash/t%d/k%d", a->thread, n % CHILD_KEYS);
        snprintf(val, sizeof(val), "t%d-n%d", a->thread, n);
        int64_t rev = 0;
        int rc = n < CHILD_KEYS ? k8sc_store_create(&rev, a->s, key, val, strlen(val))
                                : k8sc_store_update(&rev, a->s, key, val, strlen(val), 0);
        if (rc != 0)
            _exit(3);
        ack m = { rev, a->thread, n };
        if (write(a->fd, &m, sizeof(m)) != (ssize_t)sizeof(m))
            _exit(4);
    }
    return NULL;
}

static void run_child(const char *path, int fd, k8sc_store_sync sync)
{
    k8sc_store *s = open_path(path, sync);
    pthread_t th[CHILD_THREADS];
    child_arg a[CHILD_THREADS];
    for (int i = 0; i < CHILD_THREADS; i++) {
        a[i] = (child_arg){ s, fd, i };
        pthread_create(&th[i], NULL, child_writer, &a[i]);
    }
    pause();
    _exit(0);
}

START_TEST(t_kill9_keeps_acknowledged_writes)
{
    k8sc_store_sync sync = _i == 0 ? K8SC_STORE_SYNC_FULL : K8SC_STORE_SYNC_NORMAL;
    char path[512];
    new_path(path, sizeof(path));
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(p[0]);
        run_child(path, p[1], sync);
    }
    close(p[1]);
    /* Let the child write a while, then kill it mid-stream. */
    size_t cap = 1 << 16, n = 0;
    ack *acks = malloc(cap * sizeof(ack));
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        ssize_t r = read(p[0], &acks[n], sizeof(ack));
        ck_assert_int_eq(r, (ssize_t)sizeof(ack));
        n++;
        clock_gettime(CLOCK_MONOTONIC, &t);
        double el = (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
        if (n == cap || (n >= 300 && el > 0.7) || el > 10)
            break;
    }
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    /* Acks already in the pipe were acknowledged too. */
    ssize_t r;
    while (n < cap && (r = read(p[0], &acks[n], sizeof(ack))) == (ssize_t)sizeof(ack))
        n++;
    close(p[0]);
    ck_assert_uint_ge(n, 100);

    k8sc_store *s = open_path(path, sync);
    int64_t maxrev = 0, cur = 0;
    char key[64], val[64];
    for (size_t i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "/crash/t%d/k%d", acks[i].thread, acks[i].n % CHILD_KEYS);
        snprintf(val, sizeof(val), "t%d-n%d", acks[i].thread, acks[i].n);
        k8sc_store_kv *kv = NULL;
        int rc = k8sc_store_get(&kv, s, key, acks[i].rev);
        ck_assert_msg(rc == 0, "acknowledged revision %lld lost: %s", (long long)acks[i].rev, k8sc_error_last());
        ck_assert_str_eq(kv->value, val);
        ck_assert_int_eq(kv->mod_revision, acks[i].rev);
        k8sc_store_kv_free(kv);
        if (acks[i].rev > maxrev)
            maxrev = acks[i].rev;
    }
    ck_assert_int_eq(k8sc_store_revision(&cur, s), 0);
    ck_assert_int_ge(cur, maxrev);
    /* Revisions keep rising after the crash, and the history replays across it. */
    int64_t next = 0;
    ck_assert_int_eq(k8sc_store_create(&next, s, "/crash/after", "x", 1), 0);
    ck_assert_int_eq(next, cur + 1);
    k8sc_store_watch *w = NULL;
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, "/crash/", 1), 0);
    int64_t last = 1, count = 0;
    k8sc_store_event *e;
    while (k8sc_store_watch_next(&e, w) == 0 && e) {
        ck_assert_int_eq(e->kv->mod_revision, last + 1);
        last = e->kv->mod_revision;
        count++;
        k8sc_store_event_free(e);
    }
    ck_assert_int_eq(last, next);
    ck_assert_int_eq(count, next - 1);
    k8sc_store_watch_close(w);
    k8sc_store_close(s);
    free(acks);
}
END_TEST

START_TEST(t_reopen_resumes)
{
    char path[512];
    new_path(path, sizeof(path));
    k8sc_store *s = open_path(path, K8SC_STORE_SYNC_FULL);
    int64_t r1, r2, r3, r4;
    ck_assert_int_eq(k8sc_store_create(&r1, s, "/re/a", "a1", 2), 0);
    ck_assert_int_eq(k8sc_store_update(&r2, s, "/re/a", "a2", 2, r1), 0);
    ck_assert_int_eq(k8sc_store_create(&r3, s, "/re/b", "b1", 2), 0);
    ck_assert_int_eq(k8sc_store_delete(&r4, NULL, s, "/re/b", 0), 0);
    k8sc_store_close(s);

    s = open_path(path, K8SC_STORE_SYNC_FULL);
    int64_t cur;
    ck_assert_int_eq(k8sc_store_revision(&cur, s), 0);
    ck_assert_int_eq(cur, r4);
    k8sc_store_watch *w = NULL;
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, "/re/", r1), 0);
    static const char *const want[] = { "2 /re/a a2 prev a1", "1 /re/b b1", "3 /re/b  prev b1" };
    for (int i = 0; i < 3; i++) {
        k8sc_store_event *e = NULL;
        ck_assert_int_eq(k8sc_store_watch_wait(&e, w, 2000), 0);
        char got[128];
        int len = snprintf(got, sizeof(got), "%d %s %s", e->type, e->kv->key, e->kv->value);
        if (e->prev)
            snprintf(got + len, sizeof(got) - (size_t)len, " prev %s", e->prev->value);
        ck_assert_str_eq(got, want[i]);
        k8sc_store_event_free(e);
    }
    k8sc_store_watch_close(w);
    /* compaction survives a restart, and so does the revision it pinned */
    ck_assert_int_eq(k8sc_store_compact(s, r4), 0);
    k8sc_store_close(s);
    s = open_path(path, K8SC_STORE_SYNC_FULL);
    int64_t comp;
    ck_assert_int_eq(k8sc_store_compacted_revision(&comp, s), 0);
    ck_assert_int_eq(comp, r4);
    ck_assert_int_eq(k8sc_store_revision(&cur, s), 0);
    ck_assert_int_eq(cur, r4);
    k8sc_store_kv *kv = NULL;
    ck_assert_int_eq(k8sc_store_get(&kv, s, "/re/a", r2), K8SC_EGONE);
    ck_assert_int_eq(k8sc_store_get(&kv, s, "/re/a", 0), 0);
    ck_assert_str_eq(kv->value, "a2");
    k8sc_store_kv_free(kv);
    /* one store per file */
    char url[600];
    snprintf(url, sizeof(url), "sqlite:%s", path);
    k8sc_store *other = NULL;
    ck_assert_int_eq(k8sc_store_open(&other, url, NULL), K8SC_EUNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "in use"));
    k8sc_store_close(s);
}
END_TEST

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Open must fail with `rc` and a message naming the file and containing `msg`. */
static void expect_refused(const char *path, int rc, const char *msg)
{
    char url[600];
    snprintf(url, sizeof(url), "sqlite:%s", path);
    k8sc_store *s = (k8sc_store *)1;
    int got = k8sc_store_open(&s, url, NULL);
    ck_assert_msg(got == rc, "open %s: %d (%s), want %d", path, got, k8sc_error_last(), rc);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(k8sc_error_last(), path) && strstr(k8sc_error_last(), msg), "message: %s",
                  k8sc_error_last());
}

/* A store of ours with enough rows to span many pages. */
static void make_store(const char *path)
{
    k8sc_store *s = open_path(path, K8SC_STORE_SYNC_NORMAL);
    char key[64], val[512];
    memset(val, 'v', sizeof(val) - 1);
    val[sizeof(val) - 1] = '\0';
    for (int i = 0; i < 400; i++) {
        snprintf(key, sizeof(key), "/bulk/%04d", i);
        ck_assert_int_eq(k8sc_store_create(NULL, s, key, val, strlen(val)), 0);
    }
    k8sc_store_close(s);
}

START_TEST(t_foreign_and_corrupt_files)
{
    char path[512];

    new_path(path, sizeof(path));
    static const char text[] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: not-a-database\n"
                               "this is a text file, long enough to look like something\n";
    write_file(path, text, sizeof(text) - 1);
    expect_refused(path, K8SC_EINVAL, "not an SQLite database");

    /* another application's SQLite database: its tables are named */
    new_path(path, sizeof(path));
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE users(id INTEGER, name TEXT); INSERT INTO users VALUES(1,'x');",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    expect_refused(path, K8SC_EINVAL, "another application");
    expect_refused(path, K8SC_EINVAL, "users");

    /* ours, but from a future schema */
    new_path(path, sizeof(path));
    make_store(path);
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version=7", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    expect_refused(path, K8SC_EINVAL, "schema version 7");

    /* ours, with pages overwritten by garbage */
    new_path(path, sizeof(path));
    make_store(path);
    int fd = open(path, O_RDWR);
    ck_assert_int_ge(fd, 0);
    struct stat st;
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_gt(st.st_size, 8 * 4096);
    unsigned char junk[4096];
    unsigned seed = 42;
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (unsigned char)rand_r(&seed);
    for (off_t off = 4096; off + (off_t)sizeof(junk) <= st.st_size; off += 3 * 4096)
        ck_assert_int_eq(pwrite(fd, junk, sizeof(junk), off), (ssize_t)sizeof(junk));
    close(fd);
    expect_refused(path, K8SC_EIO, "corrupt");

    /* ours, cut short */
    new_path(path, sizeof(path));
    make_store(path);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(truncate(path, st.st_size / 2), 0);
    expect_refused(path, K8SC_EIO, "corrupt");

    /* a header of garbage */
    new_path(path, sizeof(path));
    make_store(path);
    fd = open(path, O_RDWR);
    ck_assert_int_eq(pwrite(fd, junk, 100, 0), 100);
    close(fd);
    expect_refused(path, K8SC_EINVAL, "not an SQLite database");

    /* a directory */
    expect_refused(tmpdir, K8SC_EIO, "cannot open");

    /* an empty file is a new store */
    new_path(path, sizeof(path));
    write_file(path, "", 0);
    k8sc_store *s = open_path(path, K8SC_STORE_SYNC_FULL);
    int64_t cur;
    ck_assert_int_eq(k8sc_store_revision(&cur, s), 0);
    ck_assert_int_eq(cur, 1);
    k8sc_store_close(s);
}
END_TEST

/* The next event of `w` is `type` for `key` with `value` (and `prev`, or none when NULL). */
static void expect_event(k8sc_store_watch *w, k8sc_store_event_type type, const char *key, const char *value,
                         const char *prev)
{
    k8sc_store_event *ev = NULL;
    ck_assert_msg(k8sc_store_watch_wait(&ev, w, 5000) == 0, "%s", k8sc_error_last());
    ck_assert_int_eq(ev->type, type);
    ck_assert_str_eq(ev->kv->key, key);
    if (value)
        ck_assert_str_eq(ev->kv->value, value);
    if (prev) {
        ck_assert_ptr_nonnull(ev->prev);
        ck_assert_str_eq(ev->prev->value, prev);
    } else {
        ck_assert_ptr_null(ev->prev);
    }
    k8sc_store_event_free(ev);
}

/* A file of schema version 1 (old values stored in every row) is upgraded on open and reads the same. */
START_TEST(t_upgrades_version_1)
{
    char path[512];
    new_path(path, sizeof(path));
    k8sc_store *s = open_path(path, K8SC_STORE_SYNC_NORMAL);
    int64_t r1, r2, r3, r4, r5;
    ck_assert_int_eq(k8sc_store_create(&r1, s, "/u/a", "a1", 2), 0);
    ck_assert_int_eq(k8sc_store_update(&r2, s, "/u/a", "a2", 2, 0), 0);
    ck_assert_int_eq(k8sc_store_update(&r3, s, "/u/a", "a3", 2, 0), 0);
    ck_assert_int_eq(k8sc_store_create(&r4, s, "/u/b", "b1", 2), 0);
    ck_assert_int_eq(k8sc_store_delete(&r5, NULL, s, "/u/b", 0), 0);
    k8sc_store_close(s);

    /* Make it what version 1 wrote: each row that supersedes another repeats that row's value. */
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db,
                                  "UPDATE k8sc_log SET old_value = (SELECT p.value FROM k8sc_log p WHERE p.id = "
                                  "k8sc_log.prev_revision) WHERE prev_revision > 0; PRAGMA user_version=1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM k8sc_log WHERE length(old_value) > 0", -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), 3);
    sqlite3_finalize(st);
    sqlite3_close(db);

    s = open_path(path, K8SC_STORE_SYNC_NORMAL);
    k8sc_store_kv *kv = NULL;
    ck_assert_int_eq(k8sc_store_get(&kv, s, "/u/a", 0), 0);
    ck_assert_str_eq(kv->value, "a3");
    ck_assert_int_eq(kv->mod_revision, r3);
    ck_assert_int_eq(kv->create_revision, r1);
    k8sc_store_kv_free(kv);
    ck_assert_int_eq(k8sc_store_get(&kv, s, "/u/a", r2), 0);
    ck_assert_str_eq(kv->value, "a2");
    k8sc_store_kv_free(kv);
    ck_assert_int_eq(k8sc_store_get(&kv, s, "/u/b", 0), K8SC_ENOTFOUND);

    /* History with the previous values, then a write of the new version. */
    k8sc_store_watch *w = NULL;
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, "/u/", r1), 0);
    expect_event(w, K8SC_STORE_MODIFIED, "/u/a", "a2", "a1");
    expect_event(w, K8SC_STORE_MODIFIED, "/u/a", "a3", "a2");
    expect_event(w, K8SC_STORE_CREATED, "/u/b", "b1", NULL);
    expect_event(w, K8SC_STORE_DELETED, "/u/b", NULL, "b1");
    int64_t r6;
    ck_assert_int_eq(k8sc_store_update(&r6, s, "/u/a", "a4", 2, r3), 0);
    ck_assert_int_eq(r6, r5 + 1);
    expect_event(w, K8SC_STORE_MODIFIED, "/u/a", "a4", "a3");
    k8sc_store_watch_close(w);
    k8sc_store_close(s);

    /* The file now says version 2, so a version 1 library refuses it. */
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), 2);
    sqlite3_finalize(st);
    sqlite3_close(db);
}
END_TEST

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_store_crash.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    Suite *su = suite_create("store_crash");
    TCase *tc = tcase_create("kill9");
    tcase_add_loop_test(tc, t_kill9_keeps_acknowledged_writes, 0, 2);
    tcase_add_test(tc, t_reopen_resumes);
    tcase_add_test(tc, t_foreign_and_corrupt_files);
    tcase_add_test(tc, t_upgrades_version_1);
    /* set here so that a direct run (without ctest's CK_DEFAULT_TIMEOUT) behaves the same */
    tcase_set_timeout(tc, 60);
    suite_add_tcase(su, tc);
    int result = k8sc_test_main(su);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "check_store_crash: could not remove %s\n", tmpdir);
    return result;
}
