/*
 * libcurl through dlopen: see curl_shim.h. The library is opened once,
 * with every function the modules use looked up at that moment, so a
 * missing symbol is found at load rather than mid-request.
 */
#include "curl_shim.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

/* The soname libcurl4-openssl-dev's headers describe. */
#define LIBCURL "libcurl.so.4"

static struct {
#define K8SC__CURL_POINTER(ret, name, params, args, fail) ret(*p_##name) params;
#define K8SC__CURL_VOID_POINTER(name, params, args) void(*p_##name) params;
    K8SC__CURL_FUNCS(K8SC__CURL_POINTER)
    K8SC__CURL_VOID_FUNCS(K8SC__CURL_VOID_POINTER)
#undef K8SC__CURL_POINTER
#undef K8SC__CURL_VOID_POINTER
    CURLcode (*p_global_init)(long);
    CURLcode (*p_easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*p_easy_getinfo)(CURL *, CURLINFO, ...);
    CURLSHcode (*p_share_setopt)(CURLSH *, CURLSHoption, ...);
} fn;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_rc;
static char load_error[512];

static void *lookup(void *lib, const char *name)
{
    void *p = dlsym(lib, name);
    if (!p && !load_error[0])
        snprintf(load_error, sizeof(load_error), "%s: no symbol %s", LIBCURL, name);
    return p;
}

static void load(void)
{
    void *lib = dlopen(LIBCURL, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *why = dlerror();
        snprintf(load_error, sizeof(load_error), "cannot load %s: %s", LIBCURL, why ? why : "unknown error");
        load_rc = K8SC_EIO;
        return;
    }
    /* POSIX's way to turn dlsym's object pointer into a function pointer. */
#define K8SC__CURL_LOOKUP(ret, name, params, args, fail) *(void **)&fn.p_##name = lookup(lib, #name);
#define K8SC__CURL_VOID_LOOKUP(name, params, args) *(void **)&fn.p_##name = lookup(lib, #name);
    K8SC__CURL_FUNCS(K8SC__CURL_LOOKUP)
    K8SC__CURL_VOID_FUNCS(K8SC__CURL_VOID_LOOKUP)
#undef K8SC__CURL_LOOKUP
#undef K8SC__CURL_VOID_LOOKUP
    *(void **)&fn.p_global_init = lookup(lib, "curl_global_init");
    *(void **)&fn.p_easy_setopt = lookup(lib, "curl_easy_setopt");
    *(void **)&fn.p_easy_getinfo = lookup(lib, "curl_easy_getinfo");
    *(void **)&fn.p_share_setopt = lookup(lib, "curl_share_setopt");
    if (load_error[0]) {
        load_rc = K8SC_EIO;
        return;
    }
    CURLcode cc = fn.p_global_init(CURL_GLOBAL_DEFAULT);
    if (cc != CURLE_OK) {
        snprintf(load_error, sizeof(load_error), "curl_global_init: %s", fn.p_curl_easy_strerror(cc));
        load_rc = K8SC_EIO;
    }
}

int k8sc__curl_load(void)
{
    pthread_once(&once, load);
    return load_rc ? k8sc_error_set(load_rc, "%s", load_error) : 0;
}

static bool loaded(void)
{
    pthread_once(&once, load);
    return load_rc == 0;
}

CURLcode k8sc__curl_global_init(long flags)
{
    (void)flags;
    return loaded() ? CURLE_OK : CURLE_FAILED_INIT;
}

#define K8SC__CURL_WRAPPER(ret, name, params, args, fail) \
    ret k8sc__##name params \
    { \
        if (!loaded()) \
            return fail; \
        return fn.p_##name args; \
    }
#define K8SC__CURL_VOID_WRAPPER(name, params, args) \
    void k8sc__##name params \
    { \
        if (loaded()) \
            fn.p_##name args; \
    }
K8SC__CURL_FUNCS(K8SC__CURL_WRAPPER)
K8SC__CURL_VOID_FUNCS(K8SC__CURL_VOID_WRAPPER)

/* curl_easy_setopt's argument type is fixed by the option's range (CURLOPTTYPE_*), as curl reads it. */
CURLcode k8sc__curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
    if (!loaded())
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, opt);
    CURLcode rc;
    if (opt < CURLOPTTYPE_OBJECTPOINT)
        rc = fn.p_easy_setopt(h, opt, va_arg(ap, long));
    else if (opt >= CURLOPTTYPE_FUNCTIONPOINT && opt < CURLOPTTYPE_OFF_T)
        rc = fn.p_easy_setopt(h, opt, va_arg(ap, void (*)(void)));
    else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
        rc = fn.p_easy_setopt(h, opt, va_arg(ap, curl_off_t));
    else
        rc = fn.p_easy_setopt(h, opt, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

/* Every CURLINFO takes a pointer. */
CURLcode k8sc__curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
    if (!loaded())
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, info);
    CURLcode rc = fn.p_easy_getinfo(h, info, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

CURLSHcode k8sc__curl_share_setopt(CURLSH *h, CURLSHoption opt, ...)
{
    if (!loaded())
        return CURLSHE_NOT_BUILT_IN;
    va_list ap;
    va_start(ap, opt);
    CURLSHcode rc;
    switch (opt) {
    case CURLSHOPT_SHARE:
    case CURLSHOPT_UNSHARE:
        rc = fn.p_share_setopt(h, opt, va_arg(ap, int));
        break;
    case CURLSHOPT_LOCKFUNC:
    case CURLSHOPT_UNLOCKFUNC:
        rc = fn.p_share_setopt(h, opt, va_arg(ap, void (*)(void)));
        break;
    default:
        rc = fn.p_share_setopt(h, opt, va_arg(ap, void *));
        break;
    }
    va_end(ap);
    return rc;
}
