/*
 * Discovery kept on disk as kubectl keeps it: the APIResourceList of each
 * group-version in CACHE/discovery/HOST_PORT/[GROUP/]VERSION/serverresources.json,
 * fresh for a while after the file was written (its mtime). The layout and
 * contents are kubectl's, so either program can use what the other wrote.
 * Files are replaced atomically (a temporary file renamed over), and one that
 * cannot be read or parsed is a miss: the cache only ever saves a request.
 */
#include "client_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FILE_NAME "serverresources.json"
/* Bigger than any list a server sends; a larger file is not ours. */
#define MAX_FILE (16u << 20)

/* What kubectl's overlyCautiousIllegalFileCharacters ([^(\w/.)]) keeps. */
static bool kept(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '/' ||
        c == '.' || c == '(' || c == ')';
}

/* Whether `s` (len `n`) is "." or ".." (a path segment leaving its directory). */
static bool dot_segment(const char *s, size_t n)
{
    return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

int k8sc__discovery_cache_dir(char **out, const char *cache_dir, const char *server)
{
    *out = NULL;
    if (!cache_dir || !*cache_dir || !server)
        return 0;
    /* kubectl strips the scheme; only servers reached over HTTP have one to strip. */
    const char *host = strncmp(server, "https://", 8) == 0 ? server + 8
                     : strncmp(server, "http://", 7) == 0  ? server + 7
                                                           : NULL;
    if (!host || !*host)
        return 0;
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/discovery/", cache_dir);
    /* kubectl's filepath.Join cleans the result: no empty segments, no trailing '/'. */
    for (const char *seg = host; *seg;) {
        size_t n = strcspn(seg, "/");
        if (dot_segment(seg, n)) {
            k8sc__buf_free(&b);
            return 0; /* a path that would leave the cache directory */
        }
        if (n) {
            if (b.ptr[b.len - 1] != '/')
                k8sc__buf_putc(&b, '/');
            for (size_t i = 0; i < n; i++)
                k8sc__buf_putc(&b, kept(seg[i]) ? seg[i] : '_');
        }
        seg += n + (seg[n] == '/');
    }
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        return K8SC_ENOMEM;
    }
    *out = k8sc__buf_detach(&b, NULL);
    return 0;
}

/* DIR/[GROUP/]VERSION, or false when the group-version cannot name a directory safely. */
static bool gv_dir(char *path, size_t size, const char *dir, const char *api_version)
{
    for (const char *p = api_version; *p; p++)
        if (!kept(*p) && *p != '-')
            return false;
    const char *slash = strchr(api_version, '/');
    if (slash ? dot_segment(api_version, (size_t)(slash - api_version)) || dot_segment(slash + 1, strlen(slash + 1))
              : dot_segment(api_version, strlen(api_version)))
        return false;
    int n = snprintf(path, size, "%s/%s", dir, api_version);
    return n > 0 && (size_t)n < size;
}

int k8sc__discovery_cache_read(char **out, size_t *len, const char *dir, const char *api_version, int64_t ttl_s)
{
    *out = NULL;
    *len = 0;
    char path[4096];
    if (!gv_dir(path, sizeof(path) - sizeof("/" FILE_NAME), dir, api_version))
        return 0;
    strcat(path, "/" FILE_NAME);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    /* Stale once ttl has passed since it was written (kubectl compares the mtime too). */
    bool fresh = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= MAX_FILE &&
        (int64_t)now.tv_sec - (int64_t)st.st_mtim.tv_sec < ttl_s;
    char *body = fresh ? k8sc__malloc((size_t)st.st_size + 1) : NULL;
    size_t got = 0;
    while (body && got < (size_t)st.st_size) {
        ssize_t n = read(fd, body + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (!body || got != (size_t)st.st_size) {
        free(body);
        return fresh && !body ? K8SC_ENOMEM : 0;
    }
    body[got] = '\0';
    *out = body;
    *len = got;
    return 1;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

void k8sc__discovery_cache_write(const char *dir, const char *api_version, const char *body, size_t len)
{
    char path[4096], tmp[sizeof(path) + 8];
    if (!gv_dir(path, sizeof(path) - sizeof("/" FILE_NAME), dir, api_version) || k8sc__mkdirs(path, 0750) != 0)
        return;
    int n = snprintf(tmp, sizeof(tmp), "%s/" FILE_NAME ".XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return;
    strcat(path, "/" FILE_NAME);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return;
    /* kubectl's mode, so that the two programs can share one cache. */
    bool ok = write_all(fd, body, len) && fchmod(fd, 0660) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
}
