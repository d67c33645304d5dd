#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static k8sc_log_fn log_fn;
static void *log_userdata;
static k8sc_log_level log_max = K8SC_LOG_INFO;

static const char level_letter[] = "EWIDT";

void k8sc_log_set_handler(k8sc_log_fn fn, k8sc_log_level max_level, void *userdata)
{
    pthread_mutex_lock(&log_lock);
    log_fn = fn;
    log_userdata = userdata;
    log_max = max_level;
    pthread_mutex_unlock(&log_lock);
}

void k8sc_log(k8sc_log_level level, const char *fmt, ...)
{
    pthread_mutex_lock(&log_lock);
    k8sc_log_fn fn = log_fn;
    void *ud = log_userdata;
    bool wanted = level <= log_max;
    pthread_mutex_unlock(&log_lock);
    if (!wanted || level < K8SC_LOG_ERROR || level > K8SC_LOG_TRACE)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (fn) {
        fn(level, msg, ud);
        return;
    }
    /* klog-like: "I1125 18:40:01.123456 message" */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%c%02d%02d %02d:%02d:%02d.%06ld %s\n", level_letter[level], tm.tm_mon + 1,
        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000, msg);
}
