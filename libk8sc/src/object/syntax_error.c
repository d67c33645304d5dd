/* Parse errors of the selector parsers, worded alike. */
#include "object_internal.h"

void k8sc__put_quoted_cut(k8sc__buf *b, const char *p, size_t len, size_t max)
{
    k8sc__buf_put_goquoted(b, p, len <= max ? len : max);
    if (len > max)
        k8sc__buf_puts(b, "...");
}

int k8sc__syntax_error(const char *what, const char *text, size_t len, size_t pos, const char *fmt, va_list ap)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s ", what);
    k8sc__put_quoted_cut(&b, text, len, 120);
    k8sc__buf_printf(&b, ": at position %zu: ", pos);
    k8sc__buf_vprintf(&b, fmt, ap);
    if (k8sc__buf_status(&b) != 0) {
        k8sc__buf_free(&b);
        return k8sc__error_nomem();
    }
    k8sc_error_set(K8SC_EINVAL, "%s", b.ptr);
    k8sc__buf_free(&b);
    return K8SC_EINVAL;
}
