/* Internal helpers shared by every module; never installed. */
#ifndef K8SC_INTERNAL_H
#define K8SC_INTERNAL_H

#include "k8sc/core.h"

#include <stdarg.h>
#include <sys/types.h>
#include <time.h>
#include <stdio.h>

struct json_object;

#define K8SC__ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation wrappers: on failure they record K8SC_ENOMEM and return NULL. */
void *k8sc__malloc(size_t size);
void *k8sc__calloc(size_t n, size_t size);
void *k8sc__realloc(void *ptr, size_t size);
char *k8sc__strdup(const char *s);
char *k8sc__strndup(const char *s, size_t n);

/* Record an out-of-memory error and return K8SC_ENOMEM. */
int k8sc__error_nomem(void);

/* Record an error from a va_list. Returns `code`. */
int k8sc__error_setv(int code, const char *fmt, va_list ap);

/* Argument check: records EINVAL naming the function and returns it. */
#define K8SC__CHECK_ARG(cond) \
    do { \
        if (!(cond)) \
            return k8sc_error_set(K8SC_EINVAL, "%s: invalid argument: %s", __func__, #cond); \
    } while (0)

/*
 * A growable byte buffer, always NUL-terminated once anything was added.
 * After an allocation failure the buffer is marked failed and further
 * writes do nothing, so callers check once at the end.
 */
typedef struct k8sc__buf {
    char *ptr;
    size_t len;
    size_t cap;
    bool failed;
} k8sc__buf;

#define K8SC__BUF_INIT { NULL, 0, 0, false }

int k8sc__buf_grow(k8sc__buf *b, size_t extra);
int k8sc__buf_put(k8sc__buf *b, const char *data, size_t len);
int k8sc__buf_puts(k8sc__buf *b, const char *s);
int k8sc__buf_putc(k8sc__buf *b, char c);
int k8sc__buf_printf(k8sc__buf *b, const char *fmt, ...) K8SC_PRINTF(2, 3);
int k8sc__buf_vprintf(k8sc__buf *b, const char *fmt, va_list ap);
/* Append `s` percent-encoded for a URL path segment or query value: all but A-Z a-z 0-9 - . _ ~ (as curl_easy_escape). */
int k8sc__buf_put_urlescaped(k8sc__buf *b, const char *s);
/* Append `s` quoted as Go's strconv.Quote does ("a\"b", "\n", "\u00e9" kept as UTF-8). */
int k8sc__buf_put_goquoted(k8sc__buf *b, const char *s, size_t len);
/* 0, or K8SC_ENOMEM if any write failed. */
int k8sc__buf_status(const k8sc__buf *b);
/* Hand the contents to the caller (never NULL on success: "" for empty). */
char *k8sc__buf_detach(k8sc__buf *b, size_t *len);
void k8sc__buf_free(k8sc__buf *b);

/*
 * mkdir -p: make directory `path` (mode `mode`, as mkdir(2) applies the
 * umask) and its missing parents. An existing one is fine. 0, ENOMEM, or
 * EIO with the path and the reason.
 */
int k8sc__mkdirs(const char *path, mode_t mode);

/*
 * The whole file `path`, NUL-terminated, in *out (caller frees; "" for an
 * empty file) and its length in *len (may be NULL: text). `max` > 0 caps
 * the size. EIO (cannot read, with the reason), EINVAL (larger than
 * max), ENOMEM; the message names the path. When the file cannot be
 * opened or read, errno is left as open(2) or read(2) set it.
 */
int k8sc__read_file(char **out, size_t *len, const char *path, size_t max);

/*
 * OpenSSL's pem_password_cb that gives no passphrase: an encrypted key
 * is refused rather than prompted for on the terminal.
 */
int k8sc__pem_no_passphrase(char *buf, int size, int rwflag, void *userdata);

/*
 * Append the standard base64 of `data`; with `wrap` > 0, a line break
 * after every `wrap` characters and after a last partial line when the
 * text spans several (as go-yaml writes !!binary).
 */
void k8sc__base64_encode(k8sc__buf *b, const void *data, size_t len, size_t wrap);

/*
 * Decode standard base64 with padding, skipping CR and LF as Go does,
 * into a NUL-terminated buffer (`*out_len` may be NULL). K8SC_EINVAL
 * without a message on malformed input, with the offending offset in
 * `*bad` (may be NULL); K8SC_ENOMEM.
 */
int k8sc__base64_decode(char **out, size_t *out_len, const char *s, size_t len, size_t *bad);

/*
 * Decode the UTF-8 sequence at `s` (`avail` bytes left): its length (1..4)
 * with the code point in *cp, or 0 if it is not valid UTF-8 (overlong,
 * surrogate, out of range or truncated).
 */
size_t k8sc__utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp);

/* The member `key` of JSON object `obj`, or NULL (also when obj is not an object). */
struct json_object *k8sc__json_member(const struct json_object *obj, const char *key);

/* The string member `key`, borrowed, or NULL if absent or not a string. */
const char *k8sc__json_string(const struct json_object *obj, const char *key);

/* `seconds` as kubectl prints ages ("45s", "3m20s", "5h", "12d", "3y"); "<invalid>" below -1. */
void k8sc__human_duration(char *buf, size_t size, int64_t seconds);

/* Milliseconds on CLOCK_MONOTONIC: for timeouts and intervals. */
int64_t k8sc__mono_ms(void);

/* `*ts` = now on `clock` (CLOCK_MONOTONIC, CLOCK_REALTIME) + `ms`: a deadline for timed waits. */
void k8sc__deadline_after_ms(struct timespec *ts, clockid_t clock, int ms);

/* Line and column (1-based) of byte `offset` in `buf`. */
void k8sc__position(const char *buf, size_t len, size_t offset, size_t *line, size_t *column);

#endif

/* Size of a buffer that holds any double k8sc__format_double writes. */
#define K8SC__DOUBLE_BUFSIZE 40

/*
 * Format a finite double with the fewest digits that read back exactly,
 * as Go does: style 'g' is strconv.FormatFloat(d, 'g', -1, 64) (YAML),
 * style 'j' is encoding/json's choice ('f' unless |d| < 1e-6 or >= 1e21,
 * then 'e' with a two-digit-minimum exponent trimmed: 1e-07 -> 1e-7).
 */
void k8sc__format_double(char *buf, size_t size, double d, char style);
