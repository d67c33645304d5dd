/* Go's time.ParseDuration for flags such as --timeout=30s, and the clock waits are measured on. */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static double unit_ms(const char *u, size_t n)
{
    static const struct {
        const char *name;
        double ms;
    } units[] = { { "ns", 1e-6 }, { "us", 1e-3 }, { "\xc2\xb5s", 1e-3 }, { "\xce\xbcs", 1e-3 }, { "ms", 1 },
        { "s", 1e3 }, { "m", 60e3 }, { "h", 3600e3 } };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(units); i++)
        if (strlen(units[i].name) == n && strncmp(u, units[i].name, n) == 0)
            return units[i].ms;
    return -1;
}

int k8sc__cli_parse_duration(int64_t *out_ms, const char *text)
{
    const char *p = text;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    if (strcmp(p, "0") == 0) {
        *out_ms = 0;
        return 0;
    }
    if (!*p)
        return k8sc_error_set(K8SC_EINVAL, "time: invalid duration \"%s\"", text);
    double total = 0;
    while (*p) {
        char *end = NULL;
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return k8sc_error_set(K8SC_EINVAL, "time: invalid duration \"%s\"", text);
        double v = strtod(p, &end);
        if (end == p)
            return k8sc_error_set(K8SC_EINVAL, "time: invalid duration \"%s\"", text);
        size_t n = 0;
        while (end[n] && !(end[n] >= '0' && end[n] <= '9') && end[n] != '.')
            n++;
        if (n == 0)
            return k8sc_error_set(K8SC_EINVAL, "time: missing unit in duration \"%s\"", text);
        double ms = unit_ms(end, n);
        if (ms < 0)
            return k8sc_error_set(K8SC_EINVAL, "time: unknown unit \"%.*s\" in duration \"%s\"", (int)n, end, text);
        total += v * ms;
        p = end + n;
    }
    if (total > 9.2e15)
        return k8sc_error_set(K8SC_EINVAL, "time: invalid duration \"%s\"", text);
    *out_ms = (int64_t)(total + 0.5) * (neg ? -1 : 1);
    return 0;
}

int k8sc__cli_duration_flag(k8sc__cli *cli, const char *verb, const char *flag, const char *text, int64_t *out_ms)
{
    if (!k8sc__cli_parse_duration(out_ms, text))
        return 0;
    fprintf(cli->err, "Error: invalid argument \"%s\" for \"--%s\" flag: %s\nSee 'k8sctl %s --help' for usage.\n",
        text, flag, k8sc_error_last(), verb);
    return 1;
}
