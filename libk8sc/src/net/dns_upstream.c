/* Addresses of the server and its upstream resolvers; resolv.conf's nameserver lines. */
#include "dns_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, int *port)
{
    char *end = NULL;
    if (!*s || !isdigit((unsigned char)*s))
        return K8SC_EINVAL;
    long v = strtol(s, &end, 10);
    if (*end || v < 0 || v > 65535)
        return K8SC_EINVAL;
    *port = (int)v;
    return 0;
}

int k8sc__dns_addr_parse(k8sc__dns_addr *out, const char *text, int default_port)
{
    char host[INET6_ADDRSTRLEN + 1];
    int port = default_port;
    const char *p = text;
    size_t hlen;
    memset(out, 0, sizeof(*out));
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (!close || (close[1] != ':' && close[1] != '\0'))
            return K8SC_EINVAL;
        hlen = (size_t)(close - p - 1);
        p++;
        if (close[1] == ':' && parse_port(close + 2, &port) < 0)
            return K8SC_EINVAL;
    } else {
        const char *colon = strchr(p, ':');
        /* Two colons or more: a bare IPv6 address. */
        if (colon && strchr(colon + 1, ':'))
            colon = NULL;
        hlen = colon ? (size_t)(colon - p) : strlen(p);
        if (colon && parse_port(colon + 1, &port) < 0)
            return K8SC_EINVAL;
    }
    if (hlen == 0 || hlen >= sizeof(host) || port < 0)
        return K8SC_EINVAL;
    memcpy(host, p, hlen);
    host[hlen] = '\0';
    struct sockaddr_in *sin = (struct sockaddr_in *)&out->sa;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->sa;
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        out->len = sizeof(*sin);
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        out->len = sizeof(*sin6);
    } else {
        return K8SC_EINVAL;
    }
    return 0;
}

bool k8sc__dns_addr_equal(const k8sc__dns_addr *a, const k8sc__dns_addr *b)
{
    if (a->sa.ss_family != b->sa.ss_family)
        return false;
    if (a->sa.ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)&a->sa, *y = (const void *)&b->sa;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *x = (const void *)&a->sa, *y = (const void *)&b->sa;
    return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

bool k8sc__dns_addr_is_self(const k8sc__dns_addr *a, const k8sc__dns_addr *listen)
{
    if (k8sc__dns_addr_equal(a, listen))
        return true;
    /* Listening on every address (same port): a loopback upstream is this server too. */
    if (a->sa.ss_family == AF_INET && listen->sa.ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)&a->sa, *l = (const void *)&listen->sa;
        return l->sin_addr.s_addr == htonl(INADDR_ANY) && x->sin_port == l->sin_port
            && (ntohl(x->sin_addr.s_addr) >> 24) == 127;
    }
    if (a->sa.ss_family == AF_INET6 && listen->sa.ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)&a->sa, *l = (const void *)&listen->sa;
        return IN6_IS_ADDR_UNSPECIFIED(&l->sin6_addr) && x->sin6_port == l->sin6_port
            && IN6_IS_ADDR_LOOPBACK(&x->sin6_addr);
    }
    return false;
}

int k8sc__dns_resolv_parse(k8sc__dns_addr **out, size_t *count, const char *text, const k8sc__dns_addr *self)
{
    *out = NULL;
    *count = 0;
    size_t cap = 0;
    const char *line = text;
    while (line && *line) {
        const char *eol = strchr(line, '\n');
        size_t n = eol ? (size_t)(eol - line) : strlen(line);
        char buf[256];
        if (n < sizeof(buf)) {
            memcpy(buf, line, n);
            buf[n] = '\0';
            char *save = NULL, *key = strtok_r(buf, " \t\r", &save), *value = key ? strtok_r(NULL, " \t\r", &save) : NULL;
            k8sc__dns_addr a;
            uint8_t raw[16];
            /* resolv.conf has no ports: "nameserver IP", on port 53. */
            if (key && value && strcmp(key, "nameserver") == 0
                && (inet_pton(AF_INET, value, raw) == 1 || inet_pton(AF_INET6, value, raw) == 1)
                && k8sc__dns_addr_parse(&a, value, 53) == 0 && !(self && k8sc__dns_addr_is_self(&a, self))) {
                if (*count == cap) {
                    cap = cap ? cap * 2 : 4;
                    k8sc__dns_addr *grown = k8sc__realloc(*out, cap * sizeof(**out));
                    if (!grown) {
                        k8sc_free(*out);
                        *out = NULL;
                        *count = 0;
                        return K8SC_ENOMEM;
                    }
                    *out = grown;
                }
                (*out)[(*count)++] = a;
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    return 0;
}
