#include "internal.h"

#include <stdio.h>
#include <string.h>

#define K8SC__ERRMSG_SIZE 1024

static _Thread_local char last_message[K8SC__ERRMSG_SIZE];
static _Thread_local int last_code;

const char *k8sc_error_last(void)
{
    return last_message;
}

int k8sc_error_last_code(void)
{
    return last_code;
}

void k8sc_error_clear(void)
{
    last_message[0] = '\0';
    last_code = K8SC_OK;
}

int k8sc__error_setv(int code, const char *fmt, va_list ap)
{
    /* The message may be built from the previous one; format into a copy. */
    char tmp[K8SC__ERRMSG_SIZE];
    if (fmt)
        vsnprintf(tmp, sizeof(tmp), fmt, ap);
    else
        snprintf(tmp, sizeof(tmp), "%s", k8sc_error_name(code));
    memcpy(last_message, tmp, sizeof(tmp));
    last_code = code;
    return code;
}

int k8sc_error_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    k8sc__error_setv(code, fmt, ap);
    va_end(ap);
    return code;
}

int k8sc__error_nomem(void)
{
    return k8sc_error_set(K8SC_ENOMEM, "out of memory");
}

const char *k8sc_error_name(int code)
{
    switch (code) {
    case K8SC_OK: return "ok";
    case K8SC_ENOMEM: return "out of memory";
    case K8SC_EINVAL: return "invalid";
    case K8SC_ENOTFOUND: return "not found";
    case K8SC_EEXISTS: return "already exists";
    case K8SC_ECONFLICT: return "conflict";
    case K8SC_EGONE: return "gone";
    case K8SC_ETIMEOUT: return "timeout";
    case K8SC_EFORBIDDEN: return "forbidden";
    case K8SC_EUNAUTHORIZED: return "unauthorized";
    case K8SC_ETOOMANY: return "too many requests";
    case K8SC_EIO: return "i/o error";
    case K8SC_EUNAVAILABLE: return "unavailable";
    case K8SC_EOVERFLOW: return "overflow";
    case K8SC_ERANGE: return "limit exceeded";
    default: return "error";
    }
}

const char *k8sc_version(void)
{
    return K8SC_VERSION;
}
