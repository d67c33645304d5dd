/*
 * Container log files as `kubectl logs` shows them, as the kubelet's
 * ReadLogs does: each line is either CRI ("<RFC3339Nano> <stream> <P|F>
 * <text>") or Docker json-file ({"log":…,"stream":…,"time":…}), told
 * apart per line. Partial lines are joined until their end; tail counts
 * whole lines across "<path>.1" and "<path>". Follow watches the file with
 * inotify (and a short poll as a fallback) and reopens it after rotation.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "runtime_internal.h"

#define POLL_MS 100
#define TS_MAX 64

/* One parsed line of the file. */
typedef struct record {
    int stream; /* 0 stdout, 1 stderr */
    bool partial;
    int64_t ns;
    char ts[TS_MAX];
    k8sc__buf text; /* scratch, reused */
} record;

typedef struct reader {
    const k8sc_log_options *o;
    k8sc_runtime_log_fn fn;
    void *userdata;
    bool counting;   /* first pass of a tail: only count lines */
    int64_t count;   /* lines counted */
    int64_t skip;    /* lines still to leave out before the tail */
    int64_t written; /* bytes passed to fn */
    bool done;
    int rc;
    k8sc__buf pending;    /* bytes read after the last newline */
    k8sc__buf joined[2];  /* partial lines per stream */
    char joined_ts[2][TS_MAX];
    int64_t joined_ns[2];
    record rec;
} reader;

/* RFC3339Nano text to ns since the epoch; false if malformed. */
static bool parse_time(const char *text, int64_t *ns)
{
    int64_t secs;
    if (k8sc_time_parse(&secs, text) != 0)
        return false;
    int64_t frac = 0;
    const char *dot = strchr(text, '.');
    if (dot) {
        int digits = 0;
        for (const char *p = dot + 1; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 9)
                frac = frac * 10 + (*p - '0');
        for (; digits < 9; digits++)
            frac *= 10;
    }
    *ns = secs * 1000000000 + frac;
    return true;
}

static int stream_index(const char *s, size_t len)
{
    if (len == 6 && memcmp(s, "stdout", 6) == 0)
        return 0;
    if (len == 6 && memcmp(s, "stderr", 6) == 0)
        return 1;
    return -1;
}

static bool set_ts(record *r, const char *ts, size_t len)
{
    if (len == 0 || len >= TS_MAX)
        return false;
    memcpy(r->ts, ts, len);
    r->ts[len] = '\0';
    return parse_time(r->ts, &r->ns);
}

/* "<time> <stream> <tag> <text>"; the tag is P or F, optionally followed by ":"-separated extras. */
static bool parse_cri(record *r, const char *line, size_t len)
{
    const char *end = line + len, *sp1 = memchr(line, ' ', len);
    if (!sp1 || !set_ts(r, line, (size_t)(sp1 - line)))
        return false;
    const char *s = sp1 + 1, *sp2 = memchr(s, ' ', (size_t)(end - s));
    if (!sp2 || (r->stream = stream_index(s, (size_t)(sp2 - s))) < 0)
        return false;
    const char *tag = sp2 + 1, *sp3 = memchr(tag, ' ', (size_t)(end - tag));
    const char *tag_end = sp3 ? sp3 : end;
    if (tag_end == tag || (*tag != 'P' && *tag != 'F') || (tag + 1 < tag_end && tag[1] != ':'))
        return false;
    r->partial = *tag == 'P';
    r->text.len = 0;
    if (sp3)
        k8sc__buf_put(&r->text, sp3 + 1, (size_t)(end - sp3 - 1));
    return true;
}

static bool parse_docker(record *r, const char *line, size_t len)
{
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return false;
    struct json_object *obj = json_tokener_parse_ex(tok, line, (int)len);
    json_tokener_free(tok);
    const char *log = k8sc__json_string(obj, "log"), *stream = k8sc__json_string(obj, "stream");
    const char *time = k8sc__json_string(obj, "time");
    bool ok = log && stream && time && (r->stream = stream_index(stream, strlen(stream))) >= 0 &&
              set_ts(r, time, strlen(time));
    if (ok) {
        size_t n = (size_t)json_object_get_string_len(k8sc__json_member(obj, "log"));
        r->partial = n == 0 || log[n - 1] != '\n';
        r->text.len = 0;
        k8sc__buf_put(&r->text, log, r->partial ? n : n - 1);
    }
    json_object_put(obj);
    return ok;
}

/* Pass bytes to the callback, cut at limit_bytes. */
static void out(reader *rd, const char *data, size_t len)
{
    if (rd->done || len == 0)
        return;
    if (rd->o->limit_bytes > 0 && rd->written + (int64_t)len >= rd->o->limit_bytes) {
        len = (size_t)(rd->o->limit_bytes - rd->written);
        rd->done = true;
    }
    rd->written += (int64_t)len;
    int rc = len ? rd->fn(data, len, rd->userdata) : 0;
    if (rc != 0) {
        rd->rc = rc;
        rd->done = true;
    }
}

/* A whole line: filtered by stream and time, counted or skipped for a tail, else written. */
static void line_done(reader *rd, int stream, const char *ts, int64_t ns, const char *text, size_t len)
{
    const char *want = rd->o->stream;
    if (want && *want && stream != stream_index(want, strlen(want)))
        return;
    if (rd->o->since_ns > 0 && ns < rd->o->since_ns)
        return;
    if (rd->counting) {
        rd->count++;
        return;
    }
    if (rd->skip > 0) {
        rd->skip--;
        return;
    }
    if (rd->o->timestamps) {
        out(rd, ts, strlen(ts));
        out(rd, " ", 1);
    }
    out(rd, text, len);
    out(rd, "\n", 1);
}

static void handle_line(reader *rd, const char *line, size_t len)
{
    record *r = &rd->rec;
    if (len && line[len - 1] == '\r')
        len--;
    bool ok = len > 0 && (line[0] == '{' ? parse_docker(r, line, len) : parse_cri(r, line, len));
    if (!ok || k8sc__buf_status(&r->text))
        return;
    k8sc__buf *j = &rd->joined[r->stream];
    if (!j->ptr) {
        memcpy(rd->joined_ts[r->stream], r->ts, TS_MAX);
        rd->joined_ns[r->stream] = r->ns;
    }
    if (r->partial) {
        /* The buffer's pointer marks a line in progress, even after an empty piece. */
        k8sc__buf_put(j, r->text.ptr ? r->text.ptr : "", r->text.len);
        return;
    }
    if (j->ptr) {
        k8sc__buf_put(j, r->text.ptr ? r->text.ptr : "", r->text.len);
        if (!k8sc__buf_status(j))
            line_done(rd, r->stream, rd->joined_ts[r->stream], rd->joined_ns[r->stream], j->ptr, j->len);
        k8sc__buf_free(j);
        return;
    }
    line_done(rd, r->stream, r->ts, r->ns, r->text.ptr ? r->text.ptr : "", r->text.len);
}

/* Read `fd` to its end, handling every complete line; `final`: an unterminated last line counts too. */
static int scan(reader *rd, int fd, bool final)
{
    char chunk[16384];
    while (!rd->done) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return k8sc_error_set(K8SC_EIO, "reading log: %s", strerror(errno));
        if (n == 0)
            break;
        k8sc__buf_put(&rd->pending, chunk, (size_t)n);
        if (k8sc__buf_status(&rd->pending))
            return K8SC_ENOMEM;
        size_t start = 0;
        for (char *nl; !rd->done && (nl = memchr(rd->pending.ptr + start, '\n', rd->pending.len - start));) {
            handle_line(rd, rd->pending.ptr + start, (size_t)(nl - rd->pending.ptr) - start);
            start = (size_t)(nl - rd->pending.ptr) + 1;
        }
        memmove(rd->pending.ptr, rd->pending.ptr + start, rd->pending.len - start);
        rd->pending.len -= start;
    }
    if (final && rd->pending.len && !rd->done)
        handle_line(rd, rd->pending.ptr, rd->pending.len);
    if (final)
        rd->pending.len = 0;
    return 0;
}

static void reset(reader *rd)
{
    rd->pending.len = 0;
    k8sc__buf_free(&rd->joined[0]);
    k8sc__buf_free(&rd->joined[1]);
}

/* The rotated file then the current one (from its start); `fd` is left at its end. */
static int pass(reader *rd, const char *rotated, int fd)
{
    int rc = 0;
    int old = open(rotated, O_RDONLY | O_CLOEXEC);
    if (old >= 0) {
        rc = scan(rd, old, true);
        close(old);
    }
    if (rc == 0 && lseek(fd, 0, SEEK_SET) < 0)
        rc = k8sc_error_set(K8SC_EIO, "reading log: %s", strerror(errno));
    if (rc == 0)
        rc = scan(rd, fd, !rd->o->follow);
    return rc;
}

/* True when `path` is no longer the file open as `fd` (renamed away and maybe recreated). */
static bool rotated_away(const char *path, int fd)
{
    struct stat a, b;
    if (fstat(fd, &b) != 0)
        return true;
    return stat(path, &a) != 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

static int watch_file(int ifd, const char *path)
{
    return ifd < 0 ? -1 : inotify_add_watch(ifd, path, IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB);
}

/* The flag is set from another thread; read it atomically. */
static bool stopped(const volatile bool *stop)
{
    return stop && __atomic_load_n(stop, __ATOMIC_ACQUIRE);
}

static int follow(reader *rd, const char *path, int *fdp, const volatile bool *stop)
{
    int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int wd = watch_file(ifd, path);
    int rc = 0;
    while (rc == 0 && !rd->done && !stopped(stop)) {
        struct pollfd p = { ifd, POLLIN, 0 };
        if (poll(&p, ifd >= 0 ? 1 : 0, POLL_MS) > 0) {
            char ev[4096];
            while (read(ifd, ev, sizeof(ev)) > 0)
                ;
        }
        rc = scan(rd, *fdp, false);
        if (rc != 0 || rd->done || !rotated_away(path, *fdp))
            continue;
        int fresh = open(path, O_RDONLY | O_CLOEXEC);
        if (fresh < 0)
            continue;
        /* What the writer added before renaming the file still belongs to the output. */
        rc = scan(rd, *fdp, true);
        close(*fdp);
        *fdp = fresh;
        if (wd >= 0)
            inotify_rm_watch(ifd, wd);
        wd = watch_file(ifd, path);
    }
    if (ifd >= 0)
        close(ifd);
    return rc;
}

int k8sc_runtime_log_read(const char *path, const k8sc_log_options *opts, const volatile bool *stop,
                          k8sc_runtime_log_fn fn, void *userdata)
{
    K8SC__CHECK_ARG(path && fn);
    k8sc_log_options defaults = K8SC_LOG_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    if (opts->version != K8SC_LOG_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "log options: unknown version %u", opts->version);
    if (opts->stream && *opts->stream && stream_index(opts->stream, strlen(opts->stream)) < 0)
        return k8sc_error_set(K8SC_EINVAL, "log options: unknown stream \"%s\"", opts->stream);
    if (opts->limit_bytes < 0)
        return k8sc_error_set(K8SC_EINVAL, "log options: limit_bytes must be positive");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? k8sc_error_set(K8SC_ENOTFOUND, "log file %s not found", path)
                               : k8sc_error_set(K8SC_EIO, "opening log %s: %s", path, strerror(errno));
    k8sc__buf rotated = K8SC__BUF_INIT;
    k8sc__buf_printf(&rotated, "%s.1", path);
    int rc = k8sc__buf_status(&rotated);
    reader rd = { .o = opts, .fn = fn, .userdata = userdata };
    if (rc == 0 && opts->tail_lines >= 0) {
        rd.counting = true;
        rc = pass(&rd, rotated.ptr, fd);
        rd.counting = false;
        rd.skip = rd.count > opts->tail_lines ? rd.count - opts->tail_lines : 0;
        reset(&rd);
    }
    if (rc == 0)
        rc = pass(&rd, rotated.ptr, fd);
    if (rc == 0 && opts->follow)
        rc = follow(&rd, path, &fd, stop);
    close(fd);
    reset(&rd);
    k8sc__buf_free(&rd.pending);
    k8sc__buf_free(&rd.rec.text);
    k8sc__buf_free(&rotated);
    return rc != 0 ? rc : rd.rc;
}
