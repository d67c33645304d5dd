/*
 * libk8sc core: version, errors, memory, logging, clocks, time and UUIDs.
 *
 * Conventions used by every module (see STYLE.md):
 *  - Functions returning `int` give 0 on success or a negative K8SC_E* code.
 *    The message of the last error on the calling thread is k8sc_error_last().
 *  - Output parameters come first and are named `out`; what they return is
 *    the caller's, freed with the matching `_free` (strings: k8sc_free()).
 *  - Getters returning `const` pointers lend memory owned by their argument.
 *  - Every `_free` function accepts NULL.
 */
#ifndef K8SC_CORE_H
#define K8SC_CORE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Run-time version of the library, e.g. "0.1.0". Never NULL. */
K8SC_EXTERN const char *k8sc_version(void);

/* Error codes. Callers may act on the specific ones; anything else is K8SC_ERROR. */
enum {
    K8SC_OK = 0,
    K8SC_ERROR = -1,          /* generic failure; see k8sc_error_last() */
    K8SC_ENOMEM = -2,         /* out of memory */
    K8SC_EINVAL = -3,         /* invalid argument or malformed input */
    K8SC_ENOTFOUND = -4,      /* no such object, key or field */
    K8SC_EEXISTS = -5,        /* already exists */
    K8SC_ECONFLICT = -6,      /* revision / resourceVersion mismatch */
    K8SC_EGONE = -7,          /* revision compacted, resource expired */
    K8SC_ETIMEOUT = -8,       /* deadline passed */
    K8SC_EFORBIDDEN = -9,     /* not allowed */
    K8SC_EUNAUTHORIZED = -10, /* credentials missing or rejected */
    K8SC_ETOOMANY = -11,      /* rate limited, try later */
    K8SC_EIO = -12,           /* I/O or system call failure */
    K8SC_EUNAVAILABLE = -13,  /* peer unreachable or not ready */
    K8SC_EOVERFLOW = -14,     /* numeric result out of range */
    K8SC_ERANGE = -15,        /* size or depth limit exceeded */
};

/*
 * The message of the last error set on this thread, or "" if none.
 * The string is thread-local and valid until the next libk8sc call on
 * this thread that fails.
 */
K8SC_EXTERN const char *k8sc_error_last(void);

/* The code of the last error set on this thread, or K8SC_OK. */
K8SC_EXTERN int k8sc_error_last_code(void);

/* Forget this thread's last error. */
K8SC_EXTERN void k8sc_error_clear(void);

/*
 * Record an error for this thread (for backends and callbacks written by
 * users) and return `code` so callers can `return k8sc_error_set(...)`.
 */
K8SC_EXTERN int k8sc_error_set(int code, const char *fmt, ...) K8SC_PRINTF(2, 3);

/* A short constant name for an error code, e.g. "not found". Never NULL. */
K8SC_EXTERN const char *k8sc_error_name(int code);

/* Free memory that libk8sc returned to the caller (strings, buffers). NULL is fine. */
K8SC_EXTERN void k8sc_free(void *ptr);

/*
 * Set up the C library's allocator for a long-running server: with glibc,
 * freed memory stays in the process (trim threshold 256 MiB) and blocks up
 * to 32 MiB come from the heap rather than fresh mappings, so a request
 * does not map, fault in and hand back the same pages every time (the
 * defaults made an API server's list three times slower). Process-wide:
 * call once from main() before starting threads. Elsewhere a no-op.
 */
K8SC_EXTERN void k8sc_tune_allocator(void);

/*
 * Set up the allocator for a short-lived command (k8sctl): as
 * k8sc_tune_allocator, and with glibc the heap's first whole 2 MiB is
 * advised as one transparent huge page, so a run takes one page fault
 * there instead of hundreds (on a virtual machine the faults were most of
 * a `k8sctl get`), at the price of up to 2 MiB more resident memory.
 * Process-wide: call once, first thing in main(). Elsewhere as
 * k8sc_tune_allocator.
 */
K8SC_EXTERN void k8sc_tune_allocator_command(void);

/* Log levels, from most to least severe. */
typedef enum {
    K8SC_LOG_ERROR = 0,
    K8SC_LOG_WARN = 1,
    K8SC_LOG_INFO = 2,
    K8SC_LOG_DEBUG = 3,
    K8SC_LOG_TRACE = 4,
} k8sc_log_level;

/* A log sink. `msg` is borrowed for the duration of the call. */
typedef void (*k8sc_log_fn)(k8sc_log_level level, const char *msg, void *userdata);

/*
 * Route library log messages to `fn` (NULL restores the default, which
 * writes to stderr). Messages above `max_level` are dropped before
 * formatting. Thread-safe.
 */
K8SC_EXTERN void k8sc_log_set_handler(k8sc_log_fn fn, k8sc_log_level max_level, void *userdata);

/* Emit a log message through the current handler. */
K8SC_EXTERN void k8sc_log(k8sc_log_level level, const char *fmt, ...) K8SC_PRINTF(2, 3);

/*
 * Clocks. Every component takes its time from a k8sc_clock so that
 * back-offs, leases and schedules can be tested without sleeping.
 * Times are nanoseconds: "real" since the Unix epoch, "mono" from an
 * arbitrary origin that never goes back.
 */
typedef struct k8sc_clock k8sc_clock;

/* The process-wide system clock. Never NULL; never free it (freeing is a no-op). */
K8SC_EXTERN k8sc_clock *k8sc_clock_system(void);

/*
 * A fake clock for tests, starting at `real_ns` wall time and monotonic 0.
 * It moves only through k8sc_clock_fake_advance(). Thread-safe.
 */
K8SC_EXTERN int k8sc_clock_fake_new(k8sc_clock **out, int64_t real_ns);

/* Move a fake clock forward by `delta_ns` (>= 0). EINVAL for the system clock. */
K8SC_EXTERN int k8sc_clock_fake_advance(k8sc_clock *clock, int64_t delta_ns);

/* Wall-clock time in ns since the epoch. NULL means the system clock. */
K8SC_EXTERN int64_t k8sc_clock_now(const k8sc_clock *clock);

/* Monotonic time in ns. NULL means the system clock. */
K8SC_EXTERN int64_t k8sc_clock_mono(const k8sc_clock *clock);

/* Free a fake clock. NULL and the system clock are ignored. */
K8SC_EXTERN void k8sc_clock_free(k8sc_clock *clock);

/* Size of a buffer that holds any RFC 3339 time k8sc_time_format writes. */
#define K8SC_TIME_BUFSIZE 40

/*
 * Format `unix_sec` as Kubernetes' metav1.Time does: "2006-01-02T15:04:05Z"
 * (UTC, second precision). `buf` must hold K8SC_TIME_BUFSIZE bytes.
 */
K8SC_EXTERN int k8sc_time_format(char *buf, size_t size, int64_t unix_sec);

/*
 * Parse an RFC 3339 time ("2006-01-02T15:04:05Z", fractional seconds and
 * numeric offsets accepted) into seconds since the epoch (fraction dropped).
 * EINVAL with a message naming the problem on malformed input.
 */
K8SC_EXTERN int k8sc_time_parse(int64_t *out, const char *text);

/* Size of a buffer holding a UUID string and its NUL. */
#define K8SC_UUID_BUFSIZE 37

/* Write a random (version 4) UUID, lower-case, into `buf` (K8SC_UUID_BUFSIZE bytes). */
K8SC_EXTERN int k8sc_uuid_v4(char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
