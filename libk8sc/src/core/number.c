#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The shortest "%.Ne" text that reads back as `d`: digits and decimal exponent. */
static void shortest_digits(double d, char *digits, int *exp10)
{
    char tmp[40];
    for (int prec = 0; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    /* tmp: [-]D[.DDD]e[+-]XX */
    const char *p = tmp;
    if (*p == '-')
        p++;
    size_t n = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[n++] = *p;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    *exp10 = atoi(p + 1);
}

void k8sc__format_double(char *buf, size_t size, double d, char style)
{
    if (d == 0) {
        /* JSON drops the sign of zero: "-0" would read back as the integer 0. */
        snprintf(buf, size, "%s", signbit(d) && style != 'j' ? "-0" : "0");
        return;
    }
    char digits[24];
    int e;
    shortest_digits(d, digits, &e);
    int nd = (int)strlen(digits);
    bool exp_form;
    if (style == 'j') {
        double a = fabs(d);
        exp_form = a < 1e-6 || a >= 1e21;
    } else {
        /* Go's %g with the shortest precision decides with eprec = 6. */
        exp_form = e < -4 || e >= 6;
    }
    k8sc__buf b = K8SC__BUF_INIT;
    if (d < 0)
        k8sc__buf_putc(&b, '-');
    if (exp_form) {
        k8sc__buf_putc(&b, digits[0]);
        if (nd > 1) {
            k8sc__buf_putc(&b, '.');
            k8sc__buf_puts(&b, digits + 1);
        }
        int ae = e < 0 ? -e : e;
        if (style == 'j')
            k8sc__buf_printf(&b, "e%c%d", e < 0 ? '-' : '+', ae);
        else
            k8sc__buf_printf(&b, "e%c%02d", e < 0 ? '-' : '+', ae);
    } else if (e < 0) {
        k8sc__buf_puts(&b, "0.");
        for (int i = 0; i < -e - 1; i++)
            k8sc__buf_putc(&b, '0');
        k8sc__buf_puts(&b, digits);
    } else {
        for (int i = 0; i <= e || i < nd; i++) {
            if (i == e + 1)
                k8sc__buf_putc(&b, '.');
            k8sc__buf_putc(&b, i < nd ? digits[i] : '0');
        }
    }
    snprintf(buf, size, "%s", b.ptr ? b.ptr : "0");
    k8sc__buf_free(&b);
}
