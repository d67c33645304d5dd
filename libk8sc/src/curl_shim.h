/*
 * libcurl, loaded on first use. libk8sc's modules include this instead of
 * <curl/curl.h>: the curl_* names below are redirected to wrappers that
 * dlopen libcurl the first time one is called, so a program that never
 * needs it — k8sctl talking plain HTTP to a local API server — starts
 * without libcurl and the thirty-odd libraries it pulls in.
 *
 * When libcurl cannot be loaded, calls fail as libcurl itself reports
 * failure (NULL handles, CURLE_FAILED_INIT) and k8sc__curl_load() says why.
 */
#ifndef K8SC_CURL_SHIM_H
#define K8SC_CURL_SHIM_H

/* The wrappers take the variadic arguments; curl's type-checking macros would hide the redirection. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

/* Load libcurl and run curl_global_init once: 0, or EIO with the loader's message. Thread-safe. */
int k8sc__curl_load(void);

/* X(return type, name, parameters, arguments, result when libcurl is missing) */
#define K8SC__CURL_FUNCS(X) \
    X(CURL *, curl_easy_init, (void), (), NULL) \
    X(CURLcode, curl_easy_perform, (CURL *h), (h), CURLE_FAILED_INIT) \
    X(const char *, curl_easy_strerror, (CURLcode c), (c), "libcurl could not be loaded") \
    X(CURLcode, curl_easy_send, (CURL *h, const void *b, size_t n, size_t *sent), (h, b, n, sent), CURLE_FAILED_INIT) \
    X(CURLcode, curl_easy_recv, (CURL *h, void *b, size_t n, size_t *got), (h, b, n, got), CURLE_FAILED_INIT) \
    X(CURLcode, curl_easy_pause, (CURL *h, int mask), (h, mask), CURLE_FAILED_INIT) \
    X(struct curl_slist *, curl_slist_append, (struct curl_slist *l, const char *s), (l, s), NULL) \
    X(CURLSH *, curl_share_init, (void), (), NULL) \
    X(CURLSHcode, curl_share_cleanup, (CURLSH *h), (h), CURLSHE_NOT_BUILT_IN) \
    X(CURLU *, curl_url, (void), (), NULL) \
    X(CURLUcode, curl_url_set, (CURLU *u, CURLUPart p, const char *s, unsigned int f), (u, p, s, f), \
        CURLUE_OUT_OF_MEMORY) \
    X(CURLUcode, curl_url_get, (const CURLU *u, CURLUPart p, char **s, unsigned int f), (u, p, s, f), \
        CURLUE_OUT_OF_MEMORY) \
    X(CURLM *, curl_multi_init, (void), (), NULL) \
    X(CURLMcode, curl_multi_cleanup, (CURLM *m), (m), CURLM_BAD_HANDLE) \
    X(CURLMcode, curl_multi_add_handle, (CURLM *m, CURL *h), (m, h), CURLM_BAD_HANDLE) \
    X(CURLMcode, curl_multi_remove_handle, (CURLM *m, CURL *h), (m, h), CURLM_BAD_HANDLE) \
    X(CURLMcode, curl_multi_perform, (CURLM *m, int *running), (m, running), CURLM_BAD_HANDLE) \
    X(CURLMcode, curl_multi_poll, (CURLM *m, struct curl_waitfd *fds, unsigned int n, int ms, int *ret), \
        (m, fds, n, ms, ret), CURLM_BAD_HANDLE) \
    X(CURLMcode, curl_multi_wait, (CURLM *m, struct curl_waitfd *fds, unsigned int n, int ms, int *ret), \
        (m, fds, n, ms, ret), CURLM_BAD_HANDLE) \
    X(CURLMcode, curl_multi_wakeup, (CURLM *m), (m), CURLM_BAD_HANDLE) \
    X(CURLMcode, curl_multi_timeout, (CURLM *m, long *ms), (m, ms), CURLM_BAD_HANDLE) \
    X(CURLMsg *, curl_multi_info_read, (CURLM *m, int *left), (m, left), NULL) \
    X(const char *, curl_multi_strerror, (CURLMcode c), (c), "libcurl could not be loaded")

/* X(name, parameters, arguments): the ones returning nothing (nothing happens when libcurl is missing). */
#define K8SC__CURL_VOID_FUNCS(X) \
    X(curl_easy_cleanup, (CURL *h), (h)) \
    X(curl_easy_reset, (CURL *h), (h)) \
    X(curl_free, (void *p), (p)) \
    X(curl_slist_free_all, (struct curl_slist *l), (l)) \
    X(curl_url_cleanup, (CURLU *u), (u))

#define K8SC__CURL_DECLARE(ret, name, params, args, fail) ret k8sc__##name params;
#define K8SC__CURL_DECLARE_VOID(name, params, args) void k8sc__##name params;
K8SC__CURL_FUNCS(K8SC__CURL_DECLARE)
K8SC__CURL_VOID_FUNCS(K8SC__CURL_DECLARE_VOID)
#undef K8SC__CURL_DECLARE
#undef K8SC__CURL_DECLARE_VOID

/* Returns CURLE_OK once libcurl is loaded and initialised (done once, whatever `flags`). */
CURLcode k8sc__curl_global_init(long flags);

/* The variadic ones, forwarded by the argument type each option takes. */
CURLcode k8sc__curl_easy_setopt(CURL *h, CURLoption opt, ...);
CURLcode k8sc__curl_easy_getinfo(CURL *h, CURLINFO info, ...);
CURLSHcode k8sc__curl_share_setopt(CURLSH *h, CURLSHoption opt, ...);

#define curl_global_init k8sc__curl_global_init
#define curl_easy_init k8sc__curl_easy_init
#define curl_easy_perform k8sc__curl_easy_perform
#define curl_easy_cleanup k8sc__curl_easy_cleanup
#define curl_easy_reset k8sc__curl_easy_reset
#define curl_easy_strerror k8sc__curl_easy_strerror
#define curl_easy_send k8sc__curl_easy_send
#define curl_easy_recv k8sc__curl_easy_recv
#define curl_easy_pause k8sc__curl_easy_pause
#define curl_free k8sc__curl_free
#define curl_slist_append k8sc__curl_slist_append
#define curl_slist_free_all k8sc__curl_slist_free_all
#define curl_share_init k8sc__curl_share_init
#define curl_share_cleanup k8sc__curl_share_cleanup
#define curl_url k8sc__curl_url
#define curl_url_cleanup k8sc__curl_url_cleanup
#define curl_url_set k8sc__curl_url_set
#define curl_url_get k8sc__curl_url_get
#define curl_multi_init k8sc__curl_multi_init
#define curl_multi_cleanup k8sc__curl_multi_cleanup
#define curl_multi_add_handle k8sc__curl_multi_add_handle
#define curl_multi_remove_handle k8sc__curl_multi_remove_handle
#define curl_multi_perform k8sc__curl_multi_perform
#define curl_multi_poll k8sc__curl_multi_poll
#define curl_multi_wait k8sc__curl_multi_wait
#define curl_multi_wakeup k8sc__curl_multi_wakeup
#define curl_multi_timeout k8sc__curl_multi_timeout
#define curl_multi_info_read k8sc__curl_multi_info_read
#define curl_multi_strerror k8sc__curl_multi_strerror
/* curl.h wraps these three in argument-count macros of its own. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_share_setopt
#define curl_easy_setopt k8sc__curl_easy_setopt
#define curl_easy_getinfo k8sc__curl_easy_getinfo
#define curl_share_setopt k8sc__curl_share_setopt

#endif
