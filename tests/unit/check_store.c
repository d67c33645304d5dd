/*
 * One conformance suite for every store backend: each test runs once per
 * backend (memory, sqlite, etcd when /usr/bin/etcd exists) with the same
 * assertions, so the backends cannot drift apart.
 */
#include "testutil.h"
#include "store_test_etcd.h"

#include "k8sc/k8sc.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { B_MEMORY, B_SQLITE, B_ETCD, B_COUNT };
static const char *const backend_names[B_COUNT] = { "memory", "sqlite", "etcd" };

static char tmpdir[256];
static k8sc_test_etcd *etcd; /* started once, in main */
static int store_seq;

/* Open a fresh, empty store of backend `b` (etcd: a fresh key prefix). */
static k8sc_store *open_store_opts(int b, k8sc_store_options *opts)
{
    char url[512];
    char prefix[128];
    k8sc_store_options o = K8SC_STORE_OPTIONS_INIT;
    if (opts)
        o = *opts;
    o.compact_interval_ms = 0;
    switch (b) {
    case B_MEMORY:
        snprintf(url, sizeof(url), "memory://");
        break;
    case B_SQLITE:
        snprintf(url, sizeof(url), "sqlite:%s/store-%d-%d.db", tmpdir, (int)getpid(), store_seq++);
        break;
    default:
        snprintf(url, sizeof(url), "etcd://%s", k8sc_test_etcd_endpoints(etcd));
        snprintf(prefix, sizeof(prefix), "/t%d-%d/", (int)getpid(), store_seq++);
        o.etcd_prefix = prefix;
        break;
    }
    k8sc_store *s = NULL;
    int rc = k8sc_store_open(&s, url, &o);
    ck_assert_msg(rc == 0, "open %s: %s", url, k8sc_error_last());
    return s;
}

static k8sc_store *open_store(int b)
{
    return open_store_opts(b, NULL);
}

/* Skip iterations for backends that are not available here. */
#define BACKEND_OR_SKIP(b) \
    do { \
        if ((b) == B_ETCD && !etcd) \
            return; \
    } while (0)

static int64_t cur_rev(k8sc_store *s)
{
    int64_t r = -1;
    ck_assert_int_eq(k8sc_store_revision(&r, s), 0);
    return r;
}

static int64_t must_create(k8sc_store *s, const char *key, const char *value)
{
    int64_t r = 0;
    int rc = k8sc_store_create(&r, s, key, value, strlen(value));
    ck_assert_msg(rc == 0, "create %s: %s", key, k8sc_error_last());
    return r;
}

static int64_t must_update(k8sc_store *s, const char *key, const char *value, int64_t expected)
{
    int64_t r = 0;
    int rc = k8sc_store_update(&r, s, key, value, strlen(value), expected);
    ck_assert_msg(rc == 0, "update %s: %s", key, k8sc_error_last());
    return r;
}

static void expect_kv(k8sc_store *s, const char *key, int64_t rev, const char *value, int64_t crev, int64_t mrev)
{
    k8sc_store_kv *kv = NULL;
    int rc = k8sc_store_get(&kv, s, key, rev);
    ck_assert_msg(rc == 0, "get %s@%lld: %s", key, (long long)rev, k8sc_error_last());
    ck_assert_str_eq(kv->key, key);
    ck_assert_uint_eq(kv->value_len, strlen(value));
    ck_assert_str_eq(kv->value, value);
    ck_assert_int_eq(kv->create_revision, crev);
    ck_assert_int_eq(kv->mod_revision, mrev);
    k8sc_store_kv_free(kv);
}

static void expect_get_rc(k8sc_store *s, const char *key, int64_t rev, int want)
{
    k8sc_store_kv *kv = (k8sc_store_kv *)1;
    ck_assert_int_eq(k8sc_store_get(&kv, s, key, rev), want);
    ck_assert_ptr_null(kv);
    ck_assert_str_ne(k8sc_error_last(), "");
}

START_TEST(t_crud_revisions)
{
    BACKEND_OR_SKIP(_i);
    k8sc_store *s = open_store(_i);
    int64_t r0 = cur_rev(s);
    ck_assert_int_ge(r0, 1);

    ck_assert_int_eq(must_create(s, "/a/x", "one"), r0 + 1);
    ck_assert_int_eq(cur_rev(s), r0 + 1);
    expect_kv(s, "/a/x", 0, "one", r0 + 1, r0 + 1);

    ck_assert_int_eq(must_update(s, "/a/x", "two", 0), r0 + 2);
    expect_kv(s, "/a/x", 0, "two", r0 + 1, r0 + 2);

    /* refused writes consume no revision */
    int64_t r = 7;
    ck_assert_int_eq(k8sc_store_create(&r, s, "/a/x", "dup", 3), K8SC_EEXISTS);
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(k8sc_store_update(NULL, s, "/a/missing", "v", 1, 0), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_store_delete(NULL, NULL, s, "/a/missing", 0), K8SC_ENOTFOUND);
    ck_assert_int_eq(cur_rev(s), r0 + 2);

    /* binary values with NULs survive */
    static const char bin[] = { 'a', '\0', 'b', '\xff', '\0' };
    ck_assert_int_eq(k8sc_store_create(&r, s, "/a/bin", bin, sizeof(bin)), 0);
    ck_assert_int_eq(r, r0 + 3);
    k8sc_store_kv *kv = NULL;
    ck_assert_int_eq(k8sc_store_get(&kv, s, "/a/bin", 0), 0);
    ck_assert_uint_eq(kv->value_len, sizeof(bin));
    ck_assert_mem_eq(kv->value, bin, sizeof(bin));
    ck_assert_int_eq(kv->value[kv->value_len], '\0');
    k8sc_store_kv_free(kv);

    /* empty values are values */
    ck_assert_int_eq(k8sc_store_create(&r, s, "/a/empty", NULL, 0), 0);
    expect_kv(s, "/a/empty", 0, "", r0 + 4, r0 + 4);

    k8sc_store_kv *prev = NULL;
    ck_assert_int_eq(k8sc_store_delete(&r, &prev, s, "/a/x", 0), 0);
    ck_assert_int_eq(r, r0 + 5);
    ck_assert_ptr_nonnull(prev);
    ck_assert_str_eq(prev->value, "two");
    ck_assert_int_eq(prev->create_revision, r0 + 1);
    ck_assert_int_eq(prev->mod_revision, r0 + 2);
    k8sc_store_kv_free(prev);
    expect_get_rc(s, "/a/x", 0, K8SC_ENOTFOUND);

    /* the past stays readable */
    expect_kv(s, "/a/x", r0 + 1, "one", r0 + 1, r0 + 1);
    expect_kv(s, "/a/x", r0 + 4, "two", r0 + 1, r0 + 2);
    expect_get_rc(s, "/a/x", r0 + 5, K8SC_ENOTFOUND);
    expect_get_rc(s, "/a/x", r0, K8SC_ENOTFOUND);

    /* re-created: a new life with a new create revision */
    ck_assert_int_eq(must_create(s, "/a/x", "three"), r0 + 6);
    expect_kv(s, "/a/x", 0, "three", r0 + 6, r0 + 6);
    expect_kv(s, "/a/x", r0 + 2, "two", r0 + 1, r0 + 2);
    k8sc_store_close(s);
}
END_TEST

START_TEST(t_cas)
{
    BACKEND_OR_SKIP(_i);
    k8sc_store *s = open_store(_i);
    int64_t c = must_create(s, "/cas/k", "v1");
    int64_t u = must_update(s, "/cas/k", "v2", c);
    ck_assert_int_eq(u, c + 1);
    ck_assert_int_eq(k8sc_store_update(NULL, s, "/cas/k", "stale", 5, c), K8SC_ECONFLICT);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "/cas/k"));
    expect_kv(s, "/cas/k", 0, "v2", c, u);
    ck_assert_int_eq(k8sc_store_delete(NULL, NULL, s, "/cas/k", c), K8SC_ECONFLICT);
    ck_assert_int_eq(k8sc_store_delete(NULL, NULL, s, "/cas/k", u + 100), K8SC_ECONFLICT);
    ck_assert_int_eq(cur_rev(s), u);
    int64_t d = 0;
    ck_assert_int_eq(k8sc_store_delete(&d, NULL, s, "/cas/k", u), 0);
    ck_assert_int_eq(d, u + 1);
    ck_assert_int_eq(k8sc_store_update(NULL, s, "/cas/k", "x", 1, u), K8SC_ENOTFOUND);
    k8sc_store_close(s);
}
END_TEST

/* The keys and values of a whole paged list, as "k=v;" text. */
static char *list_all(k8sc_store *s, const char *prefix, size_t limit, int64_t rev, int64_t *read_rev,
                      size_t *pages, void (*between)(k8sc_store *, int), int *err)
{
    size_t cap = 1 << 16, len = 0;
    char *out = calloc(1, cap);
    char *token = NULL;
    *pages = 0;
    *err = 0;
    for (;;) {
        k8sc_store_page *p = NULL;
        int rc = k8sc_store_list(&p, s, prefix, limit, token, token ? 0 : rev);
        free(token);
        token = NULL;
        if (rc) {
            *err = rc;
            return out;
        }
        if (*pages == 0)
            *read_rev = p->revision;
        else
            ck_assert_int_eq(p->revision, *read_rev);
        ck_assert(limit == 0 || p->count <= limit);
        for (size_t i = 0; i < p->count; i++) {
            if (i)
                ck_assert_int_lt(strcmp(p->items[i - 1]->key, p->items[i]->key), 0);
            ck_assert_int_le(p->items[i]->mod_revision, p->revision);
            len += (size_t)snprintf(out + len, cap - len, "%s=%s;", p->items[i]->key, p->items[i]->value);
            ck_assert_uint_lt(len, cap);
        }
        (*pages)++;
        if (p->continue_token)
            token = strdup(p->continue_token);
        k8sc_store_page_free(p);
        if (!token)
            return out;
        if (between)
            between(s, (int)*pages);
    }
}

static void churn(k8sc_store *s, int page)
{
    char key[64];
    /* writes between pages must not show in later pages */
    snprintf(key, sizeof(key), "/p/k%02d", 20 + page);
    ck_assert_int_eq(k8sc_store_update(NULL, s, key, "changed", 7, 0), 0);
    snprintf(key, sizeof(key), "/p/k%02d", 3 + page);
    ck_assert_int_eq(k8sc_store_delete(NULL, NULL, s, key, 0), 0);
    snprintf(key, sizeof(key), "/p/k%02da", 15);
    k8sc_store_create(NULL, s, key, "new", 3);
}

START_TEST(t_list_paging)
{
    BACKEND_OR_SKIP(_i);
    k8sc_store *s = open_store(_i);
    char key[64], val[64], want[8192] = "";
    size_t wl = 0;
    must_create(s, "/p", "not under /p/");
    must_create(s, "/o/x", "before");
    for (int i = 0; i < 25; i++) {
        snprintf(key, sizeof(key), "/p/k%02d", i);
        snprintf(val, sizeof(val), "v%d", i);
        must_create(s, key, val);
        wl += (size_t)snprintf(want + wl, sizeof(want) - wl, "%s=%s;", key, val);
    }
    must_create(s, "/q/x", "after");
    must_create(s, "/p/", "the prefix itself");
    char with_self[sizeof(want) + 32];
    snprintf(with_self, sizeof(with_self), "/p/=the prefix itself;%s", want);
    int64_t snap = cur_rev(s);

    static const size_t limits[] = { 0, 1, 7, 10, 26, 27, 100 };
    for (size_t li = 0; li < sizeof(limits) / sizeof(limits[0]); li++) {
        int64_t rr;
        size_t pages;
        int err;
        char *got = list_all(s, "/p/", limits[li], 0, &rr, &pages, NULL, &err);
        ck_assert_int_eq(err, 0);
        ck_assert_str_eq(got, with_self);
        ck_assert_int_eq(rr, snap);
        size_t lim = limits[li];
        ck_assert_uint_eq(pages, lim == 0 ? 1 : (26 + lim - 1) / lim);
        free(got);
    }

    /* a paged list is one snapshot even while others write */
    int64_t rr;
    size_t pages;
    int err;
    char *got = list_all(s, "/p/", 10, 0, &rr, &pages, churn, &err);
    ck_assert_int_eq(err, 0);
    ck_assert_str_eq(got, with_self);
    ck_assert_int_eq(rr, snap);
    ck_assert_uint_eq(pages, 3);
    free(got);
    int64_t after_churn = cur_rev(s);
    ck_assert_int_gt(after_churn, snap);

    /* and so is a list at an older revision, paged or not */
    got = list_all(s, "/p/", 4, snap, &rr, &pages, NULL, &err);
    ck_assert_int_eq(err, 0);
    ck_assert_str_eq(got, with_self);
    ck_assert_int_eq(rr, snap);
    free(got);
    got = list_all(s, "/p/", 0, 0, &rr, &pages, NULL, &err);
    ck_assert_int_eq(rr, after_churn);
    ck_assert_str_ne(got, with_self);
    ck_assert_ptr_nonnull(strstr(got, "/p/k15a=new;"));
    ck_assert_ptr_null(strstr(got, "/p/k04="));
    ck_assert_ptr_nonnull(strstr(got, "/p/k21=changed;"));
    free(got);

    /* the empty prefix lists everything; a prefix with no keys lists nothing */
    got = list_all(s, "", 3, snap, &rr, &pages, NULL, &err);
    ck_assert_ptr_nonnull(strstr(got, "/o/x=before;/p=not under /p/;/p/=the prefix itself;/p/k00=v0;"));
    ck_assert_ptr_nonnull(strstr(got, "/q/x=after;"));
    free(got);
    k8sc_store_page *p = NULL;
    ck_assert_int_eq(k8sc_store_list(&p, s, "/nothing/", 0, NULL, 0), 0);
    ck_assert_uint_eq(p->count, 0);
    ck_assert_ptr_null(p->continue_token);
    k8sc_store_page_free(p);

    /* a token is bound to its prefix; revision must agree with it */
    ck_assert_int_eq(k8sc_store_list(&p, s, "/p/", 5, NULL, snap), 0);
    ck_assert_ptr_nonnull(p->continue_token);
    k8sc_store_page *q = NULL;
    ck_assert_int_eq(k8sc_store_list(&q, s, "/q/", 5, p->continue_token, 0), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_list(&q, s, "/p/", 5, p->continue_token, snap + 1), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_list(&q, s, "/p/", 5, p->continue_token, snap), 0);
    ck_assert_str_eq(q->items[0]->key, "/p/k04");
    k8sc_store_page_free(q);
    k8sc_store_page_free(p);
    k8sc_store_close(s);
}
END_TEST

/* Expected event text: "TYPE key=value@crev/mrev prev=value@crev/mrev". */
static void event_text(const k8sc_store_event *e, char *buf, size_t size)
{
    static const char *const names[] = { "?", "CREATED", "MODIFIED", "DELETED" };
    int n = snprintf(buf, size, "%s %s=%s@%lld/%lld", names[e->type], e->kv->key, e->kv->value,
                     (long long)e->kv->create_revision, (long long)e->kv->mod_revision);
    if (e->prev)
        snprintf(buf + n, size - (size_t)n, " prev=%s@%lld/%lld", e->prev->value, (long long)e->prev->create_revision,
                 (long long)e->prev->mod_revision);
}

static void expect_event(k8sc_store_watch *w, const char *want)
{
    k8sc_store_event *e = NULL;
    int rc = k8sc_store_watch_wait(&e, w, 5000);
    ck_assert_msg(rc == 0, "waiting for %s: %s", want, k8sc_error_last());
    char got[512];
    event_text(e, got, sizeof(got));
    ck_assert_str_eq(got, want);
    k8sc_store_event_free(e);
}

static void expect_no_event(k8sc_store_watch *w, int ms)
{
    k8sc_store_event *e = NULL;
    ck_assert_int_eq(k8sc_store_watch_wait(&e, w, ms), K8SC_ETIMEOUT);
    ck_assert_ptr_null(e);
    ck_assert_int_eq(k8sc_store_watch_next(&e, w), 0);
    ck_assert_ptr_null(e);
}

/* Writes under /w/ (and one outside) starting at r0; returns the texts of the events. */
static void write_history(k8sc_store *s, int64_t r0)
{
    must_create(s, "/w/a", "a1");               /* r0+1 */
    must_create(s, "/x/outside", "o");          /* r0+2 */
    must_update(s, "/w/a", "a2", r0 + 1);       /* r0+3 */
    must_create(s, "/w/b", "b1");               /* r0+4 */
    ck_assert_int_eq(k8sc_store_delete(NULL, NULL, s, "/w/a", 0), 0); /* r0+5 */
    must_create(s, "/w/a", "a3");               /* r0+6 */
}

#define EV(fmt, ...) (snprintf(want, sizeof(want), fmt, __VA_ARGS__), want)

START_TEST(t_watch_history_and_resume)
{
    BACKEND_OR_SKIP(_i);
    k8sc_store *s = open_store(_i);
    int64_t r0 = cur_rev(s);
    write_history(s, r0);
    char want[512];
    long long b = (long long)r0;

    k8sc_store_watch *w = NULL;
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, "/w/", r0), 0);
    expect_event(w, EV("CREATED /w/a=a1@%lld/%lld", b + 1, b + 1));
    expect_event(w, EV("MODIFIED /w/a=a2@%lld/%lld prev=a1@%lld/%lld", b + 1, b + 3, b + 1, b + 1));
    expect_event(w, EV("CREATED /w/b=b1@%lld/%lld", b + 4, b + 4));
    expect_event(w, EV("DELETED /w/a=@0/%lld prev=a2@%lld/%lld", b + 5, b + 1, b + 3));
    expect_event(w, EV("CREATED /w/a=a3@%lld/%lld", b + 6, b + 6));
    expect_no_event(w, 50);
    /* history then live, without a seam */
    must_update(s, "/w/b", "b2", 0);
    expect_event(w, EV("MODIFIED /w/b=b2@%lld/%lld prev=b1@%lld/%lld", b + 4, b + 7, b + 4, b + 4));
    k8sc_store_watch_close(w);

    /* resume from the last revision seen: exactly what came after */
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, "/w/", r0 + 4), 0);
    expect_event(w, EV("DELETED /w/a=@0/%lld prev=a2@%lld/%lld", b + 5, b + 1, b + 3));
    expect_event(w, EV("CREATED /w/a=a3@%lld/%lld", b + 6, b + 6));
    expect_event(w, EV("MODIFIED /w/b=b2@%lld/%lld prev=b1@%lld/%lld", b + 4, b + 7, b + 4, b + 4));
    expect_no_event(w, 20);
    k8sc_store_watch_close(w);

    /* a single-key prefix and a prefix with no matches */
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, "/w/b", r0), 0);
    expect_event(w, EV("CREATED /w/b=b1@%lld/%lld", b + 4, b + 4));
    expect_event(w, EV("MODIFIED /w/b=b2@%lld/%lld prev=b1@%lld/%lld", b + 4, b + 7, b + 4, b + 4));
    expect_no_event(w, 20);
    k8sc_store_watch_close(w);
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, "/none/", r0), 0);
    expect_no_event(w, 20);
    k8sc_store_watch_close(w);

    /* from the current revision: nothing old */
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, "", cur_rev(s)), 0);
    expect_no_event(w, 20);
    k8sc_store_watch_close(w);
    k8sc_store_close(s);
}
END_TEST

START_TEST(t_watch_live_poll)
{
    BACKEND_OR_SKIP(_i);
    k8sc_store *s = open_store(_i);
    must_create(s, "/l/old", "before the watch");
    k8sc_store_watch *w = NULL;
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, "/l/", 0), 0);
    int fd = k8sc_store_watch_fd(w);
    ck_assert_int_ge(fd, 0);
    struct pollfd pfd = { fd, POLLIN, 0 };
    ck_assert_int_eq(poll(&pfd, 1, 20), 0); /* nothing yet: not readable */
    int64_t r1 = must_create(s, "/l/a", "1");
    must_create(s, "/m/a", "not watched");
    int64_t r3 = must_update(s, "/l/a", "2", r1);
    ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
    /* drive it as a host loop would: poll, then drain with next */
    int64_t seen[2];
    int n = 0;
    while (n < 2) {
        ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
        k8sc_store_event *e;
        while (k8sc_store_watch_next(&e, w) == 0 && e) {
            ck_assert_int_lt(n, 2);
            seen[n++] = e->kv->mod_revision;
            k8sc_store_event_free(e);
        }
    }
    ck_assert_int_eq(seen[0], r1);
    ck_assert_int_eq(seen[1], r3);
    ck_assert_int_eq(poll(&pfd, 1, 20), 0); /* drained: quiet again */
    expect_no_event(w, 20);
    k8sc_store_watch_close(w);
    k8sc_store_close(s);
}
END_TEST

/* Writers on other threads; the watcher must be able to read every key an event announces. */
typedef struct {
    k8sc_store *s;
    int id, n;
} announcer;

static void *watch_writer(void *p)
{
    announcer *a = p;
    for (int i = 0; i < a->n; i++) {
        char key[64];
        snprintf(key, sizeof(key), "/rw/%d-%d", a->id, i);
        int64_t r;
        if (k8sc_store_create(&r, a->s, key, "v", 1) < 0)
            break;
    }
    return NULL;
}

START_TEST(t_watch_then_read)
{
    BACKEND_OR_SKIP(_i);
    k8sc_store *s = open_store(_i);
    k8sc_store_watch *w = NULL;
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, "/rw/", 0), 0);
    enum { WRITERS = 4, EACH = 150 };
    pthread_t t[WRITERS];
    announcer a[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        a[i] = (announcer){ s, i, EACH };
        pthread_create(&t[i], NULL, watch_writer, &a[i]);
    }
    int seen = 0;
    while (seen < WRITERS * EACH) {
        k8sc_store_event *e = NULL;
        int rc = k8sc_store_watch_wait(&e, w, 10000);
        ck_assert_msg(rc == 0 && e, "watch: %s", k8sc_error_last());
        /* What an event announces is readable at once, at the latest revision. */
        k8sc_store_kv *kv = NULL;
        rc = k8sc_store_get(&kv, s, e->kv->key, 0);
        ck_assert_msg(rc == 0, "%s announced at %lld but not readable: %s", e->kv->key,
            (long long)e->kv->mod_revision, k8sc_error_last());
        ck_assert_int_ge(cur_rev(s), e->kv->mod_revision);
        k8sc_store_kv_free(kv);
        k8sc_store_event_free(e);
        seen++;
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(t[i], NULL);
    k8sc_store_watch_close(w);
    k8sc_store_close(s);
}
END_TEST

START_TEST(t_watch_overflow_and_close)
{
    BACKEND_OR_SKIP(_i);
    k8sc_store_options o = K8SC_STORE_OPTIONS_INIT;
    o.watch_queue_limit = 5;
    k8sc_store *s = open_store_opts(_i, &o);
    k8sc_store_watch *w = NULL, *w2 = NULL;
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, "/o/", 0), 0);
    char key[32];
    for (int i = 0; i < 8; i++) {
        snprintf(key, sizeof(key), "/o/%d", i);
        must_create(s, key, "v");
    }
    ck_assert_int_eq(k8sc_store_watch_open(&w2, s, "/o/", 0), 0);
    must_update(s, "/o/0", "w2 sees this", 0);
    /* the slow watch gets what it had queued, then EGONE: it must re-list */
    k8sc_store_event *e;
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(k8sc_store_watch_wait(&e, w, 5000), 0);
        snprintf(key, sizeof(key), "/o/%d", i);
        ck_assert_str_eq(e->kv->key, key);
        k8sc_store_event_free(e);
    }
    ck_assert_int_eq(k8sc_store_watch_wait(&e, w, 5000), K8SC_EGONE);
    ck_assert_int_eq(k8sc_store_watch_next(&e, w), K8SC_EGONE);
    ck_assert_ptr_null(e);
    struct pollfd pfd = { k8sc_store_watch_fd(w), POLLIN, 0 };
    ck_assert_int_eq(poll(&pfd, 1, 0), 1); /* the end is readable too */
    k8sc_store_watch_close(w);
    /* closing the store ends the other watch; its queue comes first */
    ck_assert_int_eq(k8sc_store_watch_wait(&e, w2, 5000), 0);
    k8sc_store_event_free(e);
    k8sc_store_close(s);
    int rc;
    while ((rc = k8sc_store_watch_wait(&e, w2, 5000)) == 0)
        k8sc_store_event_free(e);
    ck_assert_int_eq(rc, K8SC_EUNAVAILABLE);
    k8sc_store_watch_close(w2);
}
END_TEST

START_TEST(t_compaction)
{
    BACKEND_OR_SKIP(_i);
    k8sc_store *s = open_store(_i);
    int64_t r0 = cur_rev(s);
    int64_t c0 = 0;
    ck_assert_int_eq(k8sc_store_compacted_revision(&c0, s), 0);
    ck_assert_int_le(c0, r0);
    write_history(s, r0); /* r0+1 .. r0+6 */
    int64_t b2 = must_update(s, "/w/b", "b2", 0); /* r0+7 */
    must_create(s, "/w/gone", "g");                /* r0+8 */
    ck_assert_int_eq(k8sc_store_delete(NULL, NULL, s, "/w/gone", 0), 0); /* r0+9 */
    k8sc_store_page *p = NULL;
    ck_assert_int_eq(k8sc_store_list(&p, s, "/w/", 1, NULL, r0 + 4), 0);
    char *token = strdup(p->continue_token);
    k8sc_store_page_free(p);

    ck_assert_int_eq(k8sc_store_compact(s, cur_rev(s) + 1), K8SC_EINVAL);
    int64_t c = r0 + 7;
    ck_assert_int_eq(k8sc_store_compact(s, c), 0);
    int64_t got = 0;
    ck_assert_int_eq(k8sc_store_compacted_revision(&got, s), 0);
    ck_assert_int_eq(got, c);
    ck_assert_int_eq(k8sc_store_compact(s, c), K8SC_EGONE);
    ck_assert_int_eq(k8sc_store_compact(s, c - 1), K8SC_EGONE);

    /* below the compaction: gone, for reads, lists, tokens and watches */
    expect_get_rc(s, "/w/b", c - 1, K8SC_EGONE);
    ck_assert_int_eq(k8sc_store_list(&p, s, "/w/", 0, NULL, c - 1), K8SC_EGONE);
    ck_assert_int_eq(k8sc_store_list(&p, s, "/w/", 0, token, 0), K8SC_EGONE);
    free(token);
    k8sc_store_watch *w = NULL;
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, "/w/", c - 1), K8SC_EGONE);
    ck_assert_ptr_null(w);

    /* at and after it: everything, including the latest state of each key */
    expect_kv(s, "/w/b", c, "b2", r0 + 4, b2);
    expect_kv(s, "/w/a", c, "a3", r0 + 6, r0 + 6);
    expect_kv(s, "/w/a", 0, "a3", r0 + 6, r0 + 6);
    expect_kv(s, "/x/outside", c, "o", r0 + 2, r0 + 2);
    expect_get_rc(s, "/w/gone", 0, K8SC_ENOTFOUND);
    expect_kv(s, "/w/gone", r0 + 8, "g", r0 + 8, r0 + 8);
    ck_assert_int_eq(k8sc_store_list(&p, s, "/w/", 0, NULL, c), 0);
    ck_assert_uint_eq(p->count, 2);
    ck_assert_str_eq(p->items[0]->key, "/w/a");
    ck_assert_str_eq(p->items[1]->key, "/w/b");
    k8sc_store_page_free(p);

    /* a watch from the compaction revision still gets every later event, prev included */
    char want[512];
    long long b = (long long)r0;
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, "/w/", c), 0);
    expect_event(w, EV("CREATED /w/gone=g@%lld/%lld", b + 8, b + 8));
    expect_event(w, EV("DELETED /w/gone=@0/%lld prev=g@%lld/%lld", b + 9, b + 8, b + 8));
    int64_t b3 = must_update(s, "/w/b", "b3", b2);
    expect_event(w, EV("MODIFIED /w/b=b3@%lld/%lld prev=b2@%lld/%lld", b + 4, (long long)b3, b + 4, (long long)b2));
    k8sc_store_watch_close(w);

    /* compacting at the head of a deletion keeps the revision rising */
    int64_t head = cur_rev(s);
    ck_assert_int_eq(k8sc_store_delete(NULL, NULL, s, "/w/b", 0), 0);
    ck_assert_int_eq(k8sc_store_compact(s, head + 1), 0);
    ck_assert_int_eq(cur_rev(s), head + 1);
    ck_assert_int_eq(must_create(s, "/w/b", "again"), head + 2);
    k8sc_store_close(s);
}
END_TEST

START_TEST(t_bad_input)
{
    BACKEND_OR_SKIP(_i);
    k8sc_store *s = open_store(_i);
    char *big = malloc(K8SC_STORE_MAX_VALUE + 1);
    memset(big, 'x', K8SC_STORE_MAX_VALUE + 1);
    char *longkey = malloc(K8SC_STORE_MAX_KEY + 2);
    memset(longkey, 'k', K8SC_STORE_MAX_KEY + 1);
    longkey[0] = '/';
    longkey[K8SC_STORE_MAX_KEY + 1] = '\0';
    int64_t r0 = cur_rev(s);

    ck_assert_int_eq(k8sc_store_create(NULL, s, "", "v", 1), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "empty"));
    ck_assert_int_eq(k8sc_store_create(NULL, s, NULL, "v", 1), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_create(NULL, s, longkey, "v", 1), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_create(NULL, s, "/b/k", NULL, 3), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_create(NULL, s, "/b/k", big, K8SC_STORE_MAX_VALUE + 1), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "exceeds"));
    ck_assert_int_eq(k8sc_store_create(NULL, NULL, "/b/k", "v", 1), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_update(NULL, s, "/b/k", "v", 1, -1), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_delete(NULL, NULL, s, "", 0), K8SC_EINVAL);
    ck_assert_int_eq(cur_rev(s), r0);

    /* the largest value passes and comes back intact */
    int64_t r = 0;
    ck_assert_int_eq(k8sc_store_create(&r, s, "/b/big", big, K8SC_STORE_MAX_VALUE), 0);
    k8sc_store_kv *kv = NULL;
    ck_assert_int_eq(k8sc_store_get(&kv, s, "/b/big", 0), 0);
    ck_assert_uint_eq(kv->value_len, K8SC_STORE_MAX_VALUE);
    ck_assert_mem_eq(kv->value, big, K8SC_STORE_MAX_VALUE);
    k8sc_store_kv_free(kv);

    expect_get_rc(s, "/b/big", r + 1000, K8SC_EINVAL);
    expect_get_rc(s, "/b/big", -1, K8SC_EINVAL);
    expect_get_rc(s, "", 0, K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_get(NULL, s, "/b/big", 0), K8SC_EINVAL);

    k8sc_store_page *p = (k8sc_store_page *)1;
    static const char *const tokens[] = {
        "garbage", "0:2f62", "12", "5:", "5:2f6", "5:zz", "5:2F62", "5:2f6200", "99999999999999999999:2f62",
        "5:2f61", /* "/a": another prefix */
    };
    for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
        ck_assert_msg(k8sc_store_list(&p, s, "/b/", 1, tokens[i], 0) == K8SC_EINVAL, "token %s", tokens[i]);
        ck_assert_ptr_null(p);
        ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "continue token"));
    }
    ck_assert_int_eq(k8sc_store_list(&p, s, NULL, 0, NULL, 0), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_list(&p, s, "/b/", 0, NULL, cur_rev(s) + 5), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_list(&p, s, "/b/", 0, NULL, -3), K8SC_EINVAL);

    k8sc_store_watch *w = NULL;
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, NULL, 0), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_watch_open(&w, s, "/b/", -1), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_watch_next(NULL, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_watch_fd(NULL), -1);
    ck_assert_int_eq(k8sc_store_compact(s, 0), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_compact(s, -2), K8SC_EINVAL);
    k8sc_store_watch_close(NULL);
    k8sc_store_kv_free(NULL);
    k8sc_store_event_free(NULL);
    k8sc_store_page_free(NULL);
    k8sc_store_close(NULL);
    free(big);
    free(longkey);
    k8sc_store_close(s);
}
END_TEST

START_TEST(t_open_errors)
{
    if (_i != 0)
        return; /* backend-independent */
    static const struct {
        const char *url;
        int rc;
        const char *msg;
    } cases[] = {
        { "", K8SC_EINVAL, "SCHEME:LOCATION" },
        { "nothing", K8SC_EINVAL, "SCHEME:LOCATION" },
        { ":x", K8SC_EINVAL, "SCHEME:LOCATION" },
        { "redis://x", K8SC_EINVAL, "unknown scheme \"redis\"" },
        { "memory://somewhere", K8SC_EINVAL, "no location" },
        { "sqlite:", K8SC_EINVAL, "missing the file path" },
        { "sqlite::memory:", K8SC_EINVAL, "memory://" },
        { "sqlite:/nonexistent-dir/x/y.db", K8SC_EINVAL, "cannot open" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        k8sc_store *s = (k8sc_store *)1;
        ck_assert_msg(k8sc_store_open(&s, cases[i].url, NULL) == cases[i].rc, "%s", cases[i].url);
        ck_assert_ptr_null(s);
        ck_assert_msg(strstr(k8sc_error_last(), cases[i].msg), "%s: %s", cases[i].url, k8sc_error_last());
    }
    k8sc_store_options o;
    ck_assert_int_eq(k8sc_store_options_init(&o, 99), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_options_init(&o, K8SC_STORE_OPTIONS_VERSION), 0);
    ck_assert_int_eq(o.sqlite_synchronous, K8SC_STORE_SYNC_FULL);
    o.version = 42;
    k8sc_store *s = NULL;
    ck_assert_int_eq(k8sc_store_open(&s, "memory://", &o), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_open(&s, NULL, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_store_open(NULL, "memory://", NULL), K8SC_EINVAL);
}
END_TEST

/* ---- randomized interleavings ---- */

#define R_THREADS 4
#define R_KEYS 6

typedef struct rec {
    int64_t rev;
    int type; /* k8sc_store_event_type */
    int key;
    char value[24];
} rec;

typedef struct writer_arg {
    k8sc_store *s;
    int id, ops;
    rec *recs;
    int nrec;
} writer_arg;

static void *writer_main(void *arg)
{
    writer_arg *a = arg;
    unsigned seed = (unsigned)(a->id * 7919 + 17);
    char key[32], val[24];
    for (int i = 0; i < a->ops; i++) {
        int k = (int)(rand_r(&seed) % R_KEYS), op = (int)(rand_r(&seed) % 4);
        snprintf(key, sizeof(key), "/r/k%d", k);
        snprintf(val, sizeof(val), "w%d-%d", a->id, i);
        int64_t rev = 0;
        int rc, type;
        if (op == 0) {
            rc = k8sc_store_create(&rev, a->s, key, val, strlen(val));
            type = K8SC_STORE_CREATED;
        } else if (op == 1) {
            rc = k8sc_store_update(&rev, a->s, key, val, strlen(val), 0);
            type = K8SC_STORE_MODIFIED;
        } else if (op == 2) {
            /* read-modify-write, racing the others: conflicts are expected */
            k8sc_store_kv *kv = NULL;
            rc = k8sc_store_get(&kv, a->s, key, 0);
            if (rc == 0)
                rc = k8sc_store_update(&rev, a->s, key, val, strlen(val), kv->mod_revision);
            k8sc_store_kv_free(kv);
            type = K8SC_STORE_MODIFIED;
        } else {
            rc = k8sc_store_delete(&rev, NULL, a->s, key, 0);
            type = K8SC_STORE_DELETED;
            val[0] = '\0';
        }
        ck_assert_msg(rc == 0 || rc == K8SC_EEXISTS || rc == K8SC_ENOTFOUND || rc == K8SC_ECONFLICT, "%d: %s", rc,
                      k8sc_error_last());
        if (rc == 0) {
            rec *r = &a->recs[a->nrec++];
            r->rev = rev;
            r->type = type;
            r->key = k;
            snprintf(r->value, sizeof(r->value), "%s", val);
        }
    }
    return NULL;
}

typedef struct watcher_arg {
    k8sc_store *s;
    int64_t from;
    bool use_poll;
    k8sc_store_watch *w;
    _Atomic int64_t *target;
    char **texts; /* by revision - from - 1 */
    int64_t last;
    int count;
    int order_errors;
} watcher_arg;

static void watcher_take(watcher_arg *a, k8sc_store_event *e)
{
    char buf[256];
    event_text(e, buf, sizeof(buf));
    int64_t r = e->kv->mod_revision;
    if (r <= a->last)
        a->order_errors++;
    a->last = r;
    a->texts[r - a->from - 1] = strdup(buf);
    a->count++;
    k8sc_store_event_free(e);
}

static void *watcher_main(void *arg)
{
    watcher_arg *a = arg;
    for (;;) {
        int64_t t = atomic_load(a->target);
        if (t > 0 && a->last >= t)
            break;
        k8sc_store_event *e = NULL;
        if (a->use_poll) {
            struct pollfd pfd = { k8sc_store_watch_fd(a->w), POLLIN, 0 };
            poll(&pfd, 1, 50);
            while (k8sc_store_watch_next(&e, a->w) == 0 && e)
                watcher_take(a, e);
        } else {
            int rc = k8sc_store_watch_wait(&e, a->w, 50);
            if (rc == 0)
                watcher_take(a, e);
            else
                ck_assert_int_eq(rc, K8SC_ETIMEOUT);
        }
    }
    return NULL;
}

START_TEST(t_random_interleavings)
{
    BACKEND_OR_SKIP(_i);
    k8sc_store *s = open_store(_i);
    int ops = _i == B_MEMORY ? 1500 : 250;
    int64_t r0 = cur_rev(s);
    _Atomic int64_t target = 0;
    size_t maxev = (size_t)(R_THREADS * ops + 1);
    watcher_arg wa[3];
    memset(wa, 0, sizeof(wa));
    for (int i = 0; i < 3; i++) {
        wa[i].s = s;
        wa[i].from = r0;
        wa[i].last = r0;
        wa[i].use_poll = i == 1;
        wa[i].target = &target;
        wa[i].texts = calloc(maxev, sizeof(char *));
    }
    /* watcher 0 and 1 from the start; watcher 2 joins midway from r0 (history + live race) */
    pthread_t wt[3], th[R_THREADS];
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(k8sc_store_watch_open(&wa[i].w, s, "/r/", r0), 0);
        pthread_create(&wt[i], NULL, watcher_main, &wa[i]);
    }
    writer_arg a[R_THREADS];
    for (int i = 0; i < R_THREADS; i++) {
        a[i] = (writer_arg){ s, i, ops, calloc((size_t)ops, sizeof(rec)), 0 };
        pthread_create(&th[i], NULL, writer_main, &a[i]);
    }
    while (cur_rev(s) < r0 + 50)
        usleep(1000);
    ck_assert_int_eq(k8sc_store_watch_open(&wa[2].w, s, "/r/", r0), 0);
    pthread_create(&wt[2], NULL, watcher_main, &wa[2]);
    for (int i = 0; i < R_THREADS; i++)
        pthread_join(th[i], NULL);
    int64_t end = cur_rev(s);
    atomic_store(&target, end);
    for (int i = 0; i < 3; i++)
        pthread_join(wt[i], NULL);

    /* every revision r0+1..end was exactly one acknowledged write */
    size_t n = (size_t)(end - r0);
    rec **byrev = calloc(n, sizeof(rec *));
    for (int t = 0; t < R_THREADS; t++)
        for (int j = 0; j < a[t].nrec; j++) {
            rec *r = &a[t].recs[j];
            ck_assert_int_gt(r->rev, r0);
            ck_assert_int_le(r->rev, end);
            ck_assert_msg(byrev[r->rev - r0 - 1] == NULL, "revision %lld acknowledged twice", (long long)r->rev);
            byrev[r->rev - r0 - 1] = r;
        }
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(byrev[i], "revision %lld has no acknowledged write", (long long)(r0 + 1 + (int64_t)i));

    /* replay in revision order: each write was legal then, and each watch saw exactly it */
    struct {
        bool live;
        char value[24];
        int64_t crev, mrev;
    } model[R_KEYS];
    memset(model, 0, sizeof(model));
    char want[512];
    for (size_t i = 0; i < n; i++) {
        rec *r = byrev[i];
        int64_t rev = r0 + 1 + (int64_t)i;
        char prevtxt[128] = "";
        if (model[r->key].live)
            snprintf(prevtxt, sizeof(prevtxt), " prev=%s@%lld/%lld", model[r->key].value,
                     (long long)model[r->key].crev, (long long)model[r->key].mrev);
        if (r->type == K8SC_STORE_CREATED) {
            ck_assert_msg(!model[r->key].live, "create of a live key at %lld", (long long)rev);
            model[r->key].live = true;
            model[r->key].crev = rev;
            snprintf(want, sizeof(want), "CREATED /r/k%d=%s@%lld/%lld", r->key, r->value, (long long)rev,
                     (long long)rev);
        } else if (r->type == K8SC_STORE_MODIFIED) {
            ck_assert_msg(model[r->key].live, "update of a missing key at %lld", (long long)rev);
            snprintf(want, sizeof(want), "MODIFIED /r/k%d=%s@%lld/%lld%s", r->key, r->value,
                     (long long)model[r->key].crev, (long long)rev, prevtxt);
        } else {
            ck_assert_msg(model[r->key].live, "delete of a missing key at %lld", (long long)rev);
            model[r->key].live = false;
            snprintf(want, sizeof(want), "DELETED /r/k%d=@0/%lld%s", r->key, (long long)rev, prevtxt);
        }
        snprintf(model[r->key].value, sizeof(model[r->key].value), "%s", r->value);
        model[r->key].mrev = rev;
        for (int w = 0; w < 3; w++) {
            ck_assert_msg(wa[w].texts[i], "watcher %d missed revision %lld", w, (long long)rev);
            ck_assert_str_eq(wa[w].texts[i], want);
        }
    }
    for (int w = 0; w < 3; w++) {
        ck_assert_int_eq(wa[w].order_errors, 0);
        ck_assert_int_eq(wa[w].count, (int)n);
        for (size_t i = 0; i < maxev; i++)
            free(wa[w].texts[i]);
        free(wa[w].texts);
        k8sc_store_watch_close(wa[w].w);
    }
    /* and the final state is the model's */
    for (int k = 0; k < R_KEYS; k++) {
        char key[32];
        snprintf(key, sizeof(key), "/r/k%d", k);
        if (model[k].live)
            expect_kv(s, key, 0, model[k].value, model[k].crev, model[k].mrev);
        else
            expect_get_rc(s, key, 0, K8SC_ENOTFOUND);
    }
    free(byrev);
    for (int i = 0; i < R_THREADS; i++)
        free(a[i].recs);
    k8sc_store_close(s);
}
END_TEST

static void add_loop(Suite *su, const char *name, const TTest *fn, int timeout)
{
    TCase *tc = tcase_create(name);
    tcase_add_loop_test(tc, fn, 0, B_COUNT);
    tcase_set_timeout(tc, timeout ? timeout : 60);
    suite_add_tcase(su, tc);
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_store.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    int rc = k8sc_test_etcd_start(&etcd, tmpdir, 1);
    if (rc == K8SC_TEST_ETCD_SKIP) {
        fprintf(stderr, "check_store: /usr/bin/etcd absent and CI unset: etcd backend not tested\n");
    } else if (rc != 0) {
        fprintf(stderr, "check_store: cannot start etcd\n");
        return 1;
    }
    for (int b = 0; b < B_COUNT; b++)
        fprintf(stderr, "check_store: backend %d = %s%s\n", b, backend_names[b],
                b == B_ETCD && !etcd ? " (skipped)" : "");
    Suite *su = suite_create("store");
    add_loop(su, "crud_revisions", t_crud_revisions, 0);
    add_loop(su, "cas", t_cas, 0);
    add_loop(su, "list_paging", t_list_paging, 0);
    add_loop(su, "watch_history_and_resume", t_watch_history_and_resume, 0);
    add_loop(su, "watch_live_poll", t_watch_live_poll, 0);
    add_loop(su, "watch_then_read", t_watch_then_read, 0);
    add_loop(su, "watch_overflow_and_close", t_watch_overflow_and_close, 0);
    add_loop(su, "compaction", t_compaction, 0);
    add_loop(su, "bad_input", t_bad_input, 0);
    add_loop(su, "random_interleavings", t_random_interleavings, 0);
    add_loop(su, "open_errors", t_open_errors, 0);
    int result = k8sc_test_main(su);
    k8sc_test_etcd_stop(etcd);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "check_store: could not remove %s\n", tmpdir);
    return result;
}
