/*
 * The "sqlite:PATH" store: one SQLite file in WAL mode holding a log of
 * every change, after kine (the etcd shim of k3s). Each row is one
 * revision: the key, whether the write created or deleted it, the
 * object's create revision, the revision it replaced and the new value.
 * The replaced value is that of the replaced row, which compaction keeps
 * as long as the replacing row can still be read (version 1 files also
 * stored it in old_value; version 2 writes it empty: half the bytes per
 * update). The latest row of a key is its state; the rows
 * after a revision are the events since; compaction removes rows that
 * later rows superseded.
 *
 * Writes go through one committer thread: concurrent writers queue their
 * requests, the committer applies all queued ones in one transaction
 * (one fsync for the batch: group commit), then publishes their events
 * in revision order and wakes the writers. Reads use a pool of
 * connections; WAL gives each read transaction a stable snapshot.
 */
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* "k8sc" in the header's application_id field marks our files. */
#define APP_ID 0x6b387363
/* 2: old_value is no longer written (read from the prev_revision row); 1 is upgraded on open. */
#define SCHEMA_VERSION 2
#define MAX_BATCH 1024
#define COMPACT_CHUNK 1000
#define BUSY_TIMEOUT_MS 30000
/* WAL pages (4 KiB) after which the checkpointer copies the WAL into the database. */
#define CHECKPOINT_PAGES 2000
typedef struct req {
    k8sc_store_op op;
    const char *key;
    const void *value;
    size_t len;
    int64_t expected;
    bool want_prev;
    /* results, set by the committer */
    bool done;
    int rc;
    int64_t rev;
    k8sc_store_kv *prev;
    k8sc_store_event *event;
    char msg[320];
    struct req *next;
} req;

typedef struct rconn {
    sqlite3 *db;
    sqlite3_stmt *get, *list, *list_after, *history;
    struct rconn *next;
} rconn;

typedef struct sq {
    k8sc_store *store;
    char *path;
    int lock_fd;

    sqlite3 *wdb; /* the committer's */
    sqlite3_stmt *w_latest, *w_insert;
    pthread_t committer;
    bool committer_started;
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    req *qhead, *qtail;
    bool stopping;

    _Atomic int64_t rev;       /* last committed and published */
    _Atomic int64_t compacted; /* reads below fail from the moment a compaction starts */

    pthread_mutex_t pool_mu;
    rconn *pool;

    pthread_mutex_t compact_mu;
    sqlite3 *cdb;

    /*
     * Checkpoints run here, off the commit path (wal_autocheckpoint is
     * off). The WAL restarts from its beginning (blocks already allocated:
     * each commit's fdatasync then updates no metadata) only once a
     * checkpoint copied every frame; under steady writes the background
     * one never catches up, so the committer finishes the last few frames
     * itself between two batches (ckpt_finish). Without that, checkpoints
     * ran back to back, each with two fsyncs competing with the commits'.
     */
    pthread_t checkpointer;
    bool checkpointer_started;
    bool checkpoint_wanted, ckpt_running, ckpt_finish; /* under mu */
    pthread_cond_t ckpt_cv;                            /* under mu */
    sqlite3 *kdb;
} sq;

static const char SCHEMA_SQL[] =
    "CREATE TABLE k8sc_log ("
    " id INTEGER PRIMARY KEY,"           /* the revision */
    " name TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " deleted INTEGER NOT NULL,"
    " create_revision INTEGER NOT NULL,"
    " prev_revision INTEGER NOT NULL,"   /* the row this one supersedes, 0 if none */
    " value BLOB NOT NULL,"
    " old_value BLOB NOT NULL);"         /* empty since version 2 */
    "CREATE INDEX k8sc_log_name_id ON k8sc_log(name, id);"
    "CREATE TABLE k8sc_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT INTO k8sc_meta VALUES ('compacted', 0);";

static int db_error(sqlite3 *db, const char *path, const char *what)
{
    int ec = db ? sqlite3_extended_errcode(db) & 0xff : SQLITE_ERROR;
    const char *msg = db ? sqlite3_errmsg(db) : "no connection";
    if (ec == SQLITE_NOTADB)
        return k8sc_error_set(K8SC_EINVAL, "sqlite store %s: not an SQLite database (%s)", path, msg);
    if (ec == SQLITE_CORRUPT)
        return k8sc_error_set(K8SC_EIO, "sqlite store %s: the file is corrupt (%s: %s)", path, what, msg);
    int code = ec == SQLITE_IOERR || ec == SQLITE_FULL || ec == SQLITE_CANTOPEN ? K8SC_EIO : K8SC_ERROR;
    return k8sc_error_set(code, "sqlite store %s: %s: %s", path, what, msg);
}

static int exec(sqlite3 *db, const char *path, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        int rc = db_error(db, path, sql);
        sqlite3_free(err);
        return rc;
    }
    return 0;
}

static int prepare(sqlite3 *db, const char *path, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return db_error(db, path, "prepare");
    return 0;
}

/* One integer from a one-row query, e.g. a PRAGMA. */
static int query_int(sqlite3 *db, const char *path, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(db, path, sql);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        *out = 0;
    else
        rc = db_error(db, path, sql);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : rc;
}

static int open_conn(sqlite3 **out, const char *path, int sync, bool create)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        int rc = db_error(db, path, "open");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    int rc = exec(db, path, sync == K8SC_STORE_SYNC_NORMAL ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
    if (rc) {
        sqlite3_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

/* Names of the tables in a database that is not ours, for the error message. */
static void foreign_tables(sqlite3 *db, char *buf, size_t size)
{
    sqlite3_stmt *st;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name LIMIT 8", -1, &st,
                           NULL) != SQLITE_OK)
        return;
    size_t off = 0;
    while (sqlite3_step(st) == SQLITE_ROW && off + 2 < size) {
        int n = snprintf(buf + off, size - off, "%s%s", off ? ", " : "", (const char *)sqlite3_column_text(st, 0));
        if (n < 0)
            break;
        off += (size_t)n < size - off ? (size_t)n : size - off - 1;
    }
    sqlite3_finalize(st);
}

/* Check that the file is a healthy store of ours, or empty; create the schema then. */
static int check_or_init(sq *s)
{
    int64_t app = 0, tables = 0, ver = 0;
    int rc = query_int(s->wdb, s->path, "PRAGMA application_id", &app);
    if (rc)
        return rc;
    if ((rc = query_int(s->wdb, s->path, "SELECT count(*) FROM sqlite_master", &tables)) != 0)
        return rc;
    if (app != APP_ID) {
        if (app == 0 && tables == 0) {
            rc = exec(s->wdb, s->path, "PRAGMA journal_mode=WAL");
            if (rc == 0)
                rc = exec(s->wdb, s->path, "BEGIN IMMEDIATE");
            if (rc == 0 && (rc = exec(s->wdb, s->path, SCHEMA_SQL)) == 0 &&
                (rc = exec(s->wdb, s->path, "PRAGMA application_id=1798861667")) == 0 &&
                (rc = exec(s->wdb, s->path, "PRAGMA user_version=2")) == 0)
                rc = exec(s->wdb, s->path, "COMMIT");
            if (rc)
                sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
        char names[256];
        foreign_tables(s->wdb, names, sizeof(names));
        return k8sc_error_set(K8SC_EINVAL,
                              "sqlite store %s: an SQLite database of another application (application_id %lld, "
                              "tables: %s), not a libk8sc store",
                              s->path, (long long)app, *names ? names : "none");
    }
    if ((rc = query_int(s->wdb, s->path, "PRAGMA user_version", &ver)) != 0)
        return rc;
    if (ver != 1 && ver != SCHEMA_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "sqlite store %s: schema version %lld, this library reads %d", s->path,
                              (long long)ver, SCHEMA_VERSION);
    /* quick_check reads every page once: a damaged file fails here, not mid-request. */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->wdb, "PRAGMA quick_check(5)", -1, &st, NULL) != SQLITE_OK)
        return db_error(s->wdb, s->path, "integrity check");
    k8sc__buf problems = K8SC__BUF_INIT;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (line && strcmp(line, "ok") != 0)
            k8sc__buf_printf(&problems, "%s%s", problems.len ? "; " : "", line);
    }
    if (step != SQLITE_DONE)
        rc = db_error(s->wdb, s->path, "integrity check");
    else if (problems.len)
        rc = k8sc_error_set(K8SC_EIO, "sqlite store %s: the file is corrupt: %s", s->path, problems.ptr);
    sqlite3_finalize(st);
    k8sc__buf_free(&problems);
    if (rc)
        return rc;
    rc = exec(s->wdb, s->path, "PRAGMA journal_mode=WAL");
    /*
     * Version 1 rows keep their old_value, which the join reproduces;
     * rows written from now on lack it, so a version 1 library must refuse.
     */
    if (rc == 0 && ver == 1)
        rc = exec(s->wdb, s->path, "PRAGMA user_version=2");
    return rc;
}

/*
 * Keys from ?1 (inclusive or not) below ?2, each at its latest row <= ?3,
 * live ones only. Walking the (name, id) index keeps key order without a
 * sort; the subquery is one index seek per row.
 */
#define LIST_SQL(op) \
    "SELECT l.name, l.create_revision, l.id, l.value FROM k8sc_log AS l" \
    " WHERE l.name " op " ?1 AND l.name < ?2 AND l.deleted = 0" \
    " AND l.id = (SELECT max(m.id) FROM k8sc_log AS m WHERE m.name = l.name AND m.id <= ?3)" \
    " ORDER BY l.name LIMIT ?4"

static void rconn_free(rconn *c)
{
    if (!c)
        return;
    sqlite3_finalize(c->get);
    sqlite3_finalize(c->list);
    sqlite3_finalize(c->list_after);
    sqlite3_finalize(c->history);
    sqlite3_close(c->db);
    free(c);
}

static int rconn_acquire(sq *s, rconn **out)
{
    pthread_mutex_lock(&s->pool_mu);
    rconn *c = s->pool;
    if (c)
        s->pool = c->next;
    pthread_mutex_unlock(&s->pool_mu);
    if (c) {
        *out = c;
        return 0;
    }
    if (!(c = k8sc__calloc(1, sizeof(*c))))
        return K8SC_ENOMEM;
    /*
     * Readers do not map the file (mmap_size stays 0): a read transaction
     * after any commit unmaps the whole mapping (pagerBeginReadTransaction),
     * so under writes every get and list paid an munmap, its TLB shootdowns
     * and the page faults after, more than the preads they saved.
     */
    int rc = open_conn(&c->db, s->path, K8SC_STORE_SYNC_FULL, false);
    /*
     * The latest row of each key at or before a revision; a zero-length
     * BLOB as upper bound sorts after every TEXT and so means "no bound".
     */
    if (rc == 0)
        rc = prepare(c->db, s->path,
                     "SELECT id, deleted, create_revision, value FROM k8sc_log"
                     " WHERE name = ?1 AND id <= ?2 ORDER BY id DESC LIMIT 1",
                     &c->get);
    if (rc == 0)
        rc = prepare(c->db, s->path, LIST_SQL(">="), &c->list);
    if (rc == 0)
        rc = prepare(c->db, s->path, LIST_SQL(">"), &c->list_after);
    if (rc == 0)
        rc = prepare(c->db, s->path,
                     "SELECT l.id, l.name, l.created, l.deleted, l.create_revision, l.prev_revision, l.value,"
                     " p.value FROM k8sc_log AS l LEFT JOIN k8sc_log AS p ON p.id = l.prev_revision"
                     " WHERE l.id > ?1 AND l.id <= ?2 AND l.name >= ?3 AND l.name < ?4 ORDER BY l.id",
                     &c->history);
    if (rc) {
        rconn_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static void rconn_release(sq *s, rconn *c)
{
    pthread_mutex_lock(&s->pool_mu);
    c->next = s->pool;
    s->pool = c;
    pthread_mutex_unlock(&s->pool_mu);
}

static int64_t load_rev(sq *s)
{
    return atomic_load(&s->rev);
}

/* Resolve `rev` (0: latest) against the readable range. */
static int read_revision(sq *s, int64_t *rev)
{
    int64_t cur = load_rev(s), comp = atomic_load(&s->compacted);
    if (*rev == 0)
        *rev = cur;
    if (*rev > cur)
        return k8sc_error_set(K8SC_EINVAL, "store: revision %lld is in the future (current %lld)", (long long)*rev,
                              (long long)cur);
    if (*rev < comp)
        return k8sc_error_set(K8SC_EGONE, "store: revision %lld is compacted (oldest available %lld)",
                              (long long)*rev, (long long)comp);
    return 0;
}

/* After a read: a compaction that started meanwhile may have removed rows it saw as absent. */
static int recheck_compacted(sq *s, int64_t rev)
{
    int64_t comp = atomic_load(&s->compacted);
    if (rev < comp)
        return k8sc_error_set(K8SC_EGONE, "store: revision %lld was compacted during the read (oldest available %lld)",
                              (long long)rev, (long long)comp);
    return 0;
}

static k8sc_store_kv *column_kv(sqlite3_stmt *st, const char *key, size_t klen, int vcol, int64_t create_rev,
                                int64_t mod_rev)
{
    const void *v = sqlite3_column_blob(st, vcol);
    size_t n = (size_t)sqlite3_column_bytes(st, vcol);
    return k8sc_store_kv_new(key, klen, v ? v : "", n, create_rev, mod_rev);
}

static int sq_revision(void *state, int64_t *current, int64_t *compacted)
{
    sq *s = state;
    *current = load_rev(s);
    *compacted = atomic_load(&s->compacted);
    return 0;
}

static int sq_get(void *state, k8sc_store_kv **out, const char *key, int64_t revision)
{
    sq *s = state;
    int rc = read_revision(s, &revision);
    rconn *c = NULL;
    if (rc || (rc = rconn_acquire(s, &c)) != 0)
        return rc;
    size_t klen = strlen(key);
    sqlite3_bind_text(c->get, 1, key, (int)klen, SQLITE_STATIC);
    sqlite3_bind_int64(c->get, 2, revision);
    int step = sqlite3_step(c->get);
    if (step == SQLITE_ROW && sqlite3_column_int(c->get, 1) == 0) {
        *out = column_kv(c->get, key, klen, 3, sqlite3_column_int64(c->get, 2), sqlite3_column_int64(c->get, 0));
        rc = *out ? 0 : K8SC_ENOMEM;
    } else if (step == SQLITE_ROW || step == SQLITE_DONE) {
        rc = k8sc_error_set(K8SC_ENOTFOUND, "store: key \"%s\" not found", key);
    } else {
        rc = db_error(c->db, s->path, "get");
    }
    sqlite3_reset(c->get);
    rconn_release(s, c);
    if (rc == 0 || rc == K8SC_ENOTFOUND) {
        int rc2 = recheck_compacted(s, revision);
        if (rc2) {
            k8sc_store_kv_free(*out);
            *out = NULL;
            return rc2;
        }
    }
    return rc;
}

/*
 * The smallest string greater than every string starting with `prefix`,
 * into buf; false if there is none (empty prefix, or all 0xff bytes).
 */
static bool prefix_end(const char *prefix, char *buf, size_t *len)
{
    size_t n = strlen(prefix);
    memcpy(buf, prefix, n);
    while (n > 0) {
        unsigned char c = (unsigned char)buf[n - 1];
        if (c < 0xff) {
            buf[n - 1] = (char)(c + 1);
            *len = n;
            return true;
        }
        n--;
    }
    return false;
}

static void bind_upper(sqlite3_stmt *st, int idx, const char *prefix, char *buf)
{
    size_t len;
    if (prefix_end(prefix, buf, &len))
        sqlite3_bind_text(st, idx, buf, (int)len, SQLITE_STATIC);
    else
        sqlite3_bind_zeroblob(st, idx, 0);
}

static int sq_list(void *state, k8sc_store_kv ***items, size_t *count, int64_t *read_rev, bool *more,
                   const char *prefix, const char *after, size_t limit, int64_t revision)
{
    sq *s = state;
    *items = NULL;
    *count = 0;
    *more = false;
    int rc = read_revision(s, &revision);
    rconn *c = NULL;
    if (rc || (rc = rconn_acquire(s, &c)) != 0)
        return rc;
    char *upper = k8sc__malloc(strlen(prefix) + 1);
    if (!upper) {
        rconn_release(s, c);
        return K8SC_ENOMEM;
    }
    sqlite3_stmt *st = after ? c->list_after : c->list;
    sqlite3_bind_text(st, 1, after ? after : prefix, -1, SQLITE_STATIC);
    bind_upper(st, 2, prefix, upper);
    sqlite3_bind_int64(st, 3, revision);
    sqlite3_bind_int64(st, 4, limit ? (int64_t)limit + 1 : -1);
    k8sc_store_kv **arr = NULL;
    size_t n = 0, cap = 0;
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (limit && n == limit) {
            *more = true;
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            k8sc_store_kv **na = k8sc__realloc(arr, ncap * sizeof(*na));
            if (!na) {
                rc = K8SC_ENOMEM;
                break;
            }
            arr = na;
            cap = ncap;
        }
        const char *name = (const char *)sqlite3_column_text(st, 0);
        size_t nlen = (size_t)sqlite3_column_bytes(st, 0);
        k8sc_store_kv *kv = column_kv(st, name ? name : "", nlen, 3, sqlite3_column_int64(st, 1),
                                      sqlite3_column_int64(st, 2));
        if (!kv) {
            rc = K8SC_ENOMEM;
            break;
        }
        arr[n++] = kv;
    }
    if (rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = db_error(c->db, s->path, "list");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    rconn_release(s, c);
    free(upper);
    if (rc == 0)
        rc = recheck_compacted(s, revision);
    if (rc) {
        for (size_t i = 0; i < n; i++)
            k8sc_store_kv_free(arr[i]);
        free(arr);
        return rc;
    }
    *items = arr;
    *count = n;
    *read_rev = revision;
    return 0;
}

/* An event from a log row of the history query. */
static k8sc_store_event *row_event(sqlite3_stmt *st)
{
    int64_t id = sqlite3_column_int64(st, 0);
    const char *name = (const char *)sqlite3_column_text(st, 1);
    size_t nlen = (size_t)sqlite3_column_bytes(st, 1);
    bool created = sqlite3_column_int(st, 2) != 0, deleted = sqlite3_column_int(st, 3) != 0;
    int64_t crev = sqlite3_column_int64(st, 4), prev_rev = sqlite3_column_int64(st, 5);
    if (!name)
        name = "";
    k8sc_store_kv *prev = created ? NULL : column_kv(st, name, nlen, 7, crev, prev_rev);
    if (!created && !prev)
        return NULL;
    if (created)
        return k8sc_store_event_new(K8SC_STORE_CREATED, column_kv(st, name, nlen, 6, crev, id), NULL);
    if (deleted)
        return k8sc_store_event_new(K8SC_STORE_DELETED, k8sc_store_kv_new(name, nlen, "", 0, 0, id), prev);
    return k8sc_store_event_new(K8SC_STORE_MODIFIED, column_kv(st, name, nlen, 6, crev, id), prev);
}

static int sq_history(void *state, const char *prefix, int64_t after, int64_t through, k8sc_store_history_fn fn,
                      void *userdata)
{
    sq *s = state;
    int64_t comp = atomic_load(&s->compacted);
    if (after < comp)
        return k8sc_error_set(K8SC_EGONE, "store: revision %lld is compacted (oldest available %lld)",
                              (long long)after, (long long)comp);
    rconn *c = NULL;
    int rc = rconn_acquire(s, &c);
    if (rc)
        return rc;
    char *upper = k8sc__malloc(strlen(prefix) + 1);
    if (!upper) {
        rconn_release(s, c);
        return K8SC_ENOMEM;
    }
    /* Events are handed out as rows come; one read transaction keeps them a snapshot. */
    if (sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_error(c->db, s->path, "history");
        free(upper);
        rconn_release(s, c);
        return rc;
    }
    sqlite3_bind_int64(c->history, 1, after);
    sqlite3_bind_int64(c->history, 2, through);
    sqlite3_bind_text(c->history, 3, prefix, -1, SQLITE_STATIC);
    bind_upper(c->history, 4, prefix, upper);
    int step = SQLITE_DONE;
    bool checked = false;
    while (rc == 0 && (step = sqlite3_step(c->history)) == SQLITE_ROW) {
        /* The snapshot is fixed by the first step: a compaction it may contain shows now. */
        if (!checked && (rc = recheck_compacted(s, after)) != 0)
            break;
        checked = true;
        /* The replaced row outlives every row that can still be read as an event. */
        if (sqlite3_column_int(c->history, 2) == 0 && sqlite3_column_type(c->history, 7) == SQLITE_NULL) {
            rc = k8sc_error_set(K8SC_EIO, "sqlite store %s: the file is corrupt: revision %lld replaces revision %lld,"
                                " which is missing", s->path, (long long)sqlite3_column_int64(c->history, 0),
                                (long long)sqlite3_column_int64(c->history, 5));
            break;
        }
        k8sc_store_event *ev = row_event(c->history);
        rc = ev ? fn(ev, userdata) : K8SC_ENOMEM;
    }
    if (rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = db_error(c->db, s->path, "history");
    sqlite3_reset(c->history);
    sqlite3_clear_bindings(c->history);
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    rconn_release(s, c);
    free(upper);
    if (rc == 0)
        rc = recheck_compacted(s, after);
    return rc;
}

static void req_fail(req *r, int code, const char *fmt, ...) K8SC_PRINTF(3, 4);

static void req_fail(req *r, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
    va_end(ap);
    r->rc = code;
}

/* Apply one request inside the batch transaction. 1: applied, 0: refused, < 0: SQL failure. */
static int apply(sq *s, req *r, int64_t rev)
{
    size_t klen = strlen(r->key);
    sqlite3_stmt *st = s->w_latest;
    sqlite3_bind_text(st, 1, r->key, (int)klen, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        sqlite3_reset(st);
        return -1;
    }
    bool exists = step == SQLITE_ROW && sqlite3_column_int(st, 1) == 0;
    int64_t last_id = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    int64_t crev = exists ? sqlite3_column_int64(st, 2) : rev;
    k8sc_store_kv *cur = exists ? column_kv(st, r->key, klen, 3, crev, last_id) : NULL;
    sqlite3_reset(st);
    if (exists && !cur)
        return -2;

    if (r->op == K8SC_STORE_OP_CREATE && exists) {
        req_fail(r, K8SC_EEXISTS, "store: key \"%s\" already exists", r->key);
        k8sc_store_kv_free(cur);
        return 0;
    }
    if (r->op != K8SC_STORE_OP_CREATE) {
        if (!exists) {
            req_fail(r, K8SC_ENOTFOUND, "store: key \"%s\" not found", r->key);
            return 0;
        }
        if (r->expected && r->expected != last_id) {
            req_fail(r, K8SC_ECONFLICT, "store: key \"%s\" is at revision %lld, not %lld", r->key,
                     (long long)last_id, (long long)r->expected);
            k8sc_store_kv_free(cur);
            return 0;
        }
    }
    bool del = r->op == K8SC_STORE_OP_DELETE;
    st = s->w_insert;
    sqlite3_bind_int64(st, 1, rev);
    sqlite3_bind_text(st, 2, r->key, (int)klen, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, r->op == K8SC_STORE_OP_CREATE);
    sqlite3_bind_int(st, 4, del);
    sqlite3_bind_int64(st, 5, crev);
    sqlite3_bind_int64(st, 6, last_id);
    if (del)
        sqlite3_bind_zeroblob(st, 7, 0);
    else
        sqlite3_bind_blob(st, 7, r->value, (int)r->len, SQLITE_STATIC);
    step = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (step != SQLITE_DONE) {
        k8sc_store_kv_free(cur);
        return -1;
    }
    k8sc_store_kv *kv = del ? k8sc_store_kv_new(r->key, klen, "", 0, 0, rev)
                            : k8sc_store_kv_new(r->key, klen, r->value, r->len, crev, rev);
    k8sc_store_event_type type = del ? K8SC_STORE_DELETED : cur ? K8SC_STORE_MODIFIED : K8SC_STORE_CREATED;
    if (r->want_prev)
        r->prev = k8sc_store_kv_ref(cur);
    r->event = k8sc_store_event_new(type, kv, cur);
    r->rev = rev;
    r->rc = 0;
    return r->event ? 1 : -2;
}

/* Commit one batch of requests; every request gets its result. */
static void commit_batch(sq *s, req *batch)
{
    int64_t base = load_rev(s), next = base + 1;
    int rc = exec(s->wdb, s->path, "BEGIN IMMEDIATE");
    req *r;
    for (r = batch; r && rc == 0; r = r->next) {
        int a = apply(s, r, next);
        if (a == 1)
            next++;
        else if (a == -1)
            rc = db_error(s->wdb, s->path, "write");
        else if (a == -2)
            rc = k8sc__error_nomem();
    }
    if (rc == 0 && next > base + 1)
        rc = exec(s->wdb, s->path, "COMMIT");
    else if (rc == 0)
        rc = exec(s->wdb, s->path, "ROLLBACK");
    if (rc) {
        /* Nothing of the batch is durable: undo and report the failure to each writer. */
        if (!sqlite3_get_autocommit(s->wdb))
            sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
        for (r = batch; r; r = r->next) {
            k8sc_store_event_free(r->event);
            k8sc_store_kv_free(r->prev);
            r->event = NULL;
            r->prev = NULL;
            r->rev = 0;
            req_fail(r, rc, "%s", k8sc_error_last());
        }
        return;
    }
    int64_t committed = k8sc__store_now_ns();
    for (r = batch; r; r = r->next) {
        if (r->event) {
            /* Readable first, then announced: whoever sees the event can read what it says. */
            atomic_store(&s->rev, r->rev);
            k8sc__store_event_set_committed(r->event, committed);
            k8sc_store_backend_publish(s->store, r->event);
            k8sc_store_event_free(r->event);
            r->event = NULL;
        }
    }
}

static void *committer_main(void *arg)
{
    sq *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->qhead && !s->stopping && !s->ckpt_finish)
            pthread_cond_wait(&s->work_cv, &s->mu);
        if (s->ckpt_finish && !s->stopping) {
            s->ckpt_finish = false;
            pthread_mutex_unlock(&s->mu);
            /* No write is open here: this checkpoint completes unless a reader holds an old snapshot. */
            int rc = sqlite3_wal_checkpoint_v2(s->wdb, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
            if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
                k8sc_log(K8SC_LOG_WARN, "sqlite store %s: checkpoint: %s", s->path, sqlite3_errmsg(s->wdb));
            pthread_mutex_lock(&s->mu);
            continue;
        }
        if (!s->qhead)
            break;
        req *batch = s->qhead, *tail = batch;
        for (int n = 1; n < MAX_BATCH && tail->next; n++)
            tail = tail->next;
        s->qhead = tail->next;
        if (!s->qhead)
            s->qtail = NULL;
        tail->next = NULL;
        pthread_mutex_unlock(&s->mu);
        commit_batch(s, batch);
        pthread_mutex_lock(&s->mu);
        /* `next` of a finished request may not be read once its writer runs again. */
        for (req *r = batch, *nx; r; r = nx) {
            nx = r->next;
            r->done = true;
        }
        /* With mu released: woken under it, the writers would sleep on mu again first. */
        pthread_mutex_unlock(&s->mu);
        pthread_cond_broadcast(&s->done_cv);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    sq *s = arg;
    if (pages >= CHECKPOINT_PAGES) {
        pthread_mutex_lock(&s->mu);
        if (!s->ckpt_running && !s->ckpt_finish && !s->checkpoint_wanted) {
            s->checkpoint_wanted = true;
            pthread_cond_signal(&s->ckpt_cv);
        }
        pthread_mutex_unlock(&s->mu);
    }
    return SQLITE_OK;
}

static void *checkpointer_main(void *arg)
{
    sq *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->checkpoint_wanted && !s->stopping)
            pthread_cond_wait(&s->ckpt_cv, &s->mu);
        if (s->stopping)
            break;
        s->checkpoint_wanted = false;
        s->ckpt_running = true;
        pthread_mutex_unlock(&s->mu);
        /* PASSIVE never blocks the committer; the WAL restarts once a checkpoint completes. */
        int rc = sqlite3_wal_checkpoint_v2(s->kdb, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        /* BUSY: another checkpoint (a closing connection's) is running; the next commit asks again. */
        if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
            k8sc_log(K8SC_LOG_WARN, "sqlite store %s: checkpoint: %s", s->path, sqlite3_errmsg(s->kdb));
        pthread_mutex_lock(&s->mu);
        s->ckpt_running = false;
        /* Frames committed meanwhile are left: few, the committer copies them. */
        if (rc == SQLITE_OK) {
            s->ckpt_finish = true;
            pthread_cond_signal(&s->work_cv);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static int sq_write(void *state, k8sc_store_op op, const char *key, const void *value, size_t len, int64_t expected,
                    int64_t *out_rev, k8sc_store_kv **out_prev)
{
    sq *s = state;
    req r = { 0 };
    r.op = op;
    r.key = key;
    r.value = value;
    r.len = len;
    r.expected = expected;
    r.want_prev = out_prev != NULL;
    pthread_mutex_lock(&s->mu);
    if (s->stopping) {
        pthread_mutex_unlock(&s->mu);
        return k8sc_error_set(K8SC_EUNAVAILABLE, "sqlite store %s: closing", s->path);
    }
    /* A committer with requests queued is busy or already woken: it takes this one with them. */
    bool wake = !s->qhead;
    if (s->qtail)
        s->qtail->next = &r;
    else
        s->qhead = &r;
    s->qtail = &r;
    if (wake) {
        /* With mu released, as in committer_main. */
        pthread_mutex_unlock(&s->mu);
        pthread_cond_signal(&s->work_cv);
        pthread_mutex_lock(&s->mu);
    }
    while (!r.done)
        pthread_cond_wait(&s->done_cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    if (r.rc)
        return k8sc_error_set(r.rc, "%s", r.msg);
    if (out_rev)
        *out_rev = r.rev;
    if (out_prev)
        *out_prev = r.prev;
    return 0;
}

static int compact_chunk(sq *s, int64_t lo, int64_t hi, int64_t target, bool first)
{
    sqlite3 *db = s->cdb;
    int rc = exec(db, s->path, "BEGIN IMMEDIATE");
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    static const char *const sql[] = {
        "UPDATE k8sc_meta SET value = ?3 WHERE name = 'compacted'",
        /* rows superseded by a later row at or before the target */
        ("DELETE FROM k8sc_log WHERE id IN"
         " (SELECT prev_revision FROM k8sc_log WHERE id > ?1 AND id <= ?2 AND prev_revision > 0)"),
        /* deletions are history only */
        "DELETE FROM k8sc_log WHERE deleted = 1 AND id > ?1 AND id <= ?2",
    };
    for (size_t i = first ? 0 : 1; i < K8SC__ARRAY_LEN(sql) && rc == 0; i++) {
        if (sqlite3_prepare_v2(db, sql[i], -1, &st, NULL) != SQLITE_OK) {
            rc = db_error(db, s->path, "compact");
            break;
        }
        sqlite3_bind_int64(st, 1, lo);
        sqlite3_bind_int64(st, 2, hi);
        sqlite3_bind_int64(st, 3, target);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_error(db, s->path, "compact");
        sqlite3_finalize(st);
    }
    if (rc == 0)
        rc = exec(db, s->path, "COMMIT");
    if (rc && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int sq_compact(void *state, int64_t revision)
{
    sq *s = state;
    pthread_mutex_lock(&s->compact_mu);
    int64_t cur = load_rev(s), from = atomic_load(&s->compacted);
    int rc = 0;
    if (revision > cur)
        rc = k8sc_error_set(K8SC_EINVAL, "store: cannot compact at future revision %lld (current %lld)",
                            (long long)revision, (long long)cur);
    else if (revision <= from)
        rc = k8sc_error_set(K8SC_EGONE, "store: already compacted at revision %lld", (long long)from);
    if (rc == 0 && !s->cdb)
        rc = open_conn(&s->cdb, s->path, K8SC_STORE_SYNC_FULL, false);
    if (rc == 0) {
        /* Fail reads below the target before any row goes; reads check again after reading. */
        atomic_store(&s->compacted, revision);
        /* Small transactions: the committer waits for the write lock at most one chunk. */
        for (int64_t lo = from; lo < revision && rc == 0; lo += COMPACT_CHUNK) {
            int64_t hi = lo + COMPACT_CHUNK < revision ? lo + COMPACT_CHUNK : revision;
            rc = compact_chunk(s, lo, hi, revision, lo == from);
        }
    }
    pthread_mutex_unlock(&s->compact_mu);
    return rc;
}

static void sq_close(void *state)
{
    sq *s = state;
    if (s->committer_started) {
        pthread_mutex_lock(&s->mu);
        s->stopping = true;
        pthread_cond_broadcast(&s->work_cv);
        pthread_cond_broadcast(&s->ckpt_cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->committer, NULL);
    }
    if (s->checkpointer_started)
        pthread_join(s->checkpointer, NULL);
    sqlite3_close(s->kdb);
    while (s->pool) {
        rconn *c = s->pool;
        s->pool = c->next;
        rconn_free(c);
    }
    sqlite3_finalize(s->w_latest);
    sqlite3_finalize(s->w_insert);
    sqlite3_close(s->cdb);
    sqlite3_close(s->wdb);
    /* Last: closing any descriptor of the file would drop SQLite's own locks. */
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->work_cv);
    pthread_cond_destroy(&s->done_cv);
    pthread_cond_destroy(&s->ckpt_cv);
    pthread_mutex_destroy(&s->pool_mu);
    pthread_mutex_destroy(&s->compact_mu);
    free(s->path);
    free(s);
}

static int sq_open(void **state, k8sc_store *store, const char *location, const k8sc_store_options *opts)
{
    if (!*location)
        return k8sc_error_set(K8SC_EINVAL, "store URL \"sqlite:\": missing the file path, e.g. \"sqlite:/var/lib/k8sc/state.db\"");
    if (*location == ':')
        return k8sc_error_set(K8SC_EINVAL, "store URL \"sqlite:%s\": special SQLite names are not supported "
                              "(for a store in memory use \"memory://\")", location);
    sq *s = k8sc__calloc(1, sizeof(*s));
    if (!s)
        return K8SC_ENOMEM;
    s->lock_fd = -1;
    s->store = store;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->pool_mu, NULL);
    pthread_mutex_init(&s->compact_mu, NULL);
    int rc = k8sc__store_cond_init(&s->work_cv);
    if (rc == 0)
        rc = k8sc__store_cond_init(&s->done_cv);
    if (rc == 0)
        rc = k8sc__store_cond_init(&s->ckpt_cv);
    if (rc) {
        free(s);
        return rc;
    }
    if (!(s->path = k8sc__strdup(location))) {
        sq_close(s);
        return K8SC_ENOMEM;
    }
    /* One process per file: the revision counter lives in this process. */
    s->lock_fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (s->lock_fd < 0) {
        rc = k8sc_error_set(errno == ENOENT || errno == EACCES ? K8SC_EINVAL : K8SC_EIO,
                            "sqlite store %s: cannot open: %s", s->path, strerror(errno));
        sq_close(s);
        return rc;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        rc = k8sc_error_set(errno == EWOULDBLOCK ? K8SC_EUNAVAILABLE : K8SC_EIO,
                            "sqlite store %s: in use by another store (%s)", s->path, strerror(errno));
        sq_close(s);
        return rc;
    }
    int64_t max_id = 0, compacted = 0;
    if ((rc = open_conn(&s->wdb, s->path, opts->sqlite_synchronous, true)) != 0 || (rc = check_or_init(s)) != 0 ||
        (rc = query_int(s->wdb, s->path, "SELECT max(id) FROM k8sc_log", &max_id)) != 0 ||
        (rc = query_int(s->wdb, s->path, "SELECT value FROM k8sc_meta WHERE name = 'compacted'", &compacted)) != 0 ||
        (rc = prepare(s->wdb, s->path,
                      "SELECT id, deleted, create_revision, value FROM k8sc_log WHERE name = ?1 ORDER BY id DESC LIMIT 1",
                      &s->w_latest)) != 0 ||
        (rc = prepare(s->wdb, s->path,
                      "INSERT INTO k8sc_log (id, name, created, deleted, create_revision, prev_revision, value, old_value)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, x'')",
                      &s->w_insert)) != 0) {
        sq_close(s);
        return rc;
    }
    /*
     * Compaction may have removed the newest rows (deletions): never go
     * back. As in etcd, an empty store is at revision 1.
     */
    int64_t cur = max_id > compacted ? max_id : compacted;
    atomic_init(&s->rev, cur > 1 ? cur : 1);
    atomic_init(&s->compacted, compacted);
    if ((rc = exec(s->wdb, s->path, "PRAGMA wal_autocheckpoint=0")) != 0 ||
        (rc = open_conn(&s->kdb, s->path, opts->sqlite_synchronous, false)) != 0) {
        sq_close(s);
        return rc;
    }
    sqlite3_wal_hook(s->wdb, wal_hook, s);
    if (pthread_create(&s->committer, NULL, committer_main, s) != 0) {
        sq_close(s);
        return k8sc_error_set(K8SC_ERROR, "sqlite store %s: cannot start the committer thread", location);
    }
    s->committer_started = true;
    if (pthread_create(&s->checkpointer, NULL, checkpointer_main, s) != 0) {
        sq_close(s);
        return k8sc_error_set(K8SC_ERROR, "sqlite store %s: cannot start the checkpoint thread", location);
    }
    s->checkpointer_started = true;
    *state = s;
    return 0;
}

const k8sc_store_backend k8sc__store_sqlite_backend = {
    .version = K8SC_STORE_BACKEND_VERSION,
    .scheme = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .revision = sq_revision,
    .get = sq_get,
    .list = sq_list,
    .write = sq_write,
    .compact = sq_compact,
    .history = sq_history,
};
