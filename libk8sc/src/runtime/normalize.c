/* Image references normalised as Docker's reference.ParseNormalizedNamed does. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "runtime_internal.h"

static bool is_sep(char c)
{
    return c == '.' || c == '_' || c == '-';
}

/* A path component: lowercase alphanumerics joined by '.', '_', '__' or dashes. */
static bool component_ok(const char *s, size_t n)
{
    if (n == 0 || is_sep(s[0]) || is_sep(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || is_sep(c)))
            return false;
        if (i > 0 && (c == '.' || c == '_') && s[i - 1] == '.')
            return false;
        if (c == '_' && i > 1 && s[i - 1] == '_' && s[i - 2] == '_')
            return false;
    }
    return true;
}

/* host[:port]: dot-separated labels of alphanumerics and inner dashes, a numeric port ("[…]" IPv6 kept as is). */
static bool domain_ok(const char *s, size_t n)
{
    if (n == 0)
        return false;
    const char *colon = s[0] == '[' ? NULL : memchr(s, ':', n);
    if (s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close)
            return false;
        for (const char *p = s + 1; p < close; p++)
            if (!isxdigit((unsigned char)*p) && *p != ':')
                return false;
        colon = close + 1 < s + n ? close + 1 : NULL;
        if (colon && *colon != ':')
            return false;
    } else {
        size_t host = colon ? (size_t)(colon - s) : n;
        for (size_t i = 0, start = 0; i <= host; i++) {
            if (i < host && s[i] != '.') {
                if (!isalnum((unsigned char)s[i]) && s[i] != '-')
                    return false;
                continue;
            }
            /* A label: non-empty, no dash at either end. */
            if (i == start || s[start] == '-' || s[i - 1] == '-')
                return false;
            start = i + 1;
        }
    }
    if (colon) {
        const char *port = colon + 1, *end = s + n;
        if (port == end)
            return false;
        for (const char *p = port; p < end; p++)
            if (!isdigit((unsigned char)*p))
                return false;
    }
    return true;
}

static bool tag_ok(const char *s, size_t n)
{
    if (n == 0 || n > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-'))
            return false;
    return true;
}

static bool digest_ok(const char *s)
{
    const char *colon = strchr(s, ':');
    if (!colon || colon == s)
        return false;
    size_t hex = strlen(colon + 1);
    if ((colon - s == 6 && memcmp(s, "sha256", 6) == 0 && hex != 64) ||
        (colon - s == 6 && memcmp(s, "sha512", 6) == 0 && hex != 128) || hex < 32)
        return false;
    for (const char *p = s; p < colon; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '+' || *p == '.' || *p == '_' ||
              *p == '-'))
            return false;
    for (const char *p = colon + 1; *p; p++)
        if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
            return false;
    return true;
}

int k8sc_image_normalize(char **out, const char *ref)
{
    K8SC__CHECK_ARG(out && ref);
    *out = NULL;
    size_t len = strlen(ref);
    if (len == 0 || len > 255)
        return k8sc_error_set(K8SC_EINVAL, "invalid image reference \"%s\": %s", ref,
                              len ? "longer than 255 characters" : "empty");
    const char *at = strchr(ref, '@');
    const char *digest = at ? at + 1 : NULL;
    size_t name_end = at ? (size_t)(at - ref) : len;
    if (digest && !digest_ok(digest))
        return k8sc_error_set(K8SC_EINVAL, "invalid image reference \"%s\": invalid digest", ref);
    /* The tag is after the last ':' that follows the last '/'. */
    const char *slash = memrchr(ref, '/', name_end);
    const char *colon = memrchr(slash ? slash : ref, ':', name_end - (size_t)((slash ? slash : ref) - ref));
    size_t repo_end = colon ? (size_t)(colon - ref) : name_end;
    if (colon && !tag_ok(colon + 1, name_end - repo_end - 1))
        return k8sc_error_set(K8SC_EINVAL, "invalid image reference \"%s\": invalid tag", ref);
    const char *first_slash = memchr(ref, '/', repo_end);
    const char *domain = "docker.io";
    size_t domain_len = 9;
    const char *path = ref;
    if (first_slash) {
        size_t n = (size_t)(first_slash - ref);
        bool is_domain = memchr(ref, '.', n) || memchr(ref, ':', n) || (n == 9 && memcmp(ref, "localhost", 9) == 0) ||
                         memchr(ref, '[', n);
        for (size_t i = 0; i < n && !is_domain; i++)
            if (isupper((unsigned char)ref[i]))
                is_domain = true;
        if (is_domain) {
            if (!domain_ok(ref, n))
                return k8sc_error_set(K8SC_EINVAL, "invalid image reference \"%s\": invalid registry", ref);
            domain = ref;
            domain_len = n;
            path = first_slash + 1;
            if (n == 15 && memcmp(ref, "index.docker.io", 15) == 0) {
                domain = "docker.io";
                domain_len = 9;
            }
        }
    }
    size_t path_len = (size_t)(ref + repo_end - path);
    for (size_t i = 0; i < path_len; i++)
        if (isupper((unsigned char)path[i]))
            return k8sc_error_set(K8SC_EINVAL, "invalid image reference \"%s\": repository name must be lowercase",
                                  ref);
    for (const char *c = path; c < path + path_len;) {
        const char *e = memchr(c, '/', (size_t)(path + path_len - c));
        size_t n = e ? (size_t)(e - c) : (size_t)(path + path_len - c);
        if (!component_ok(c, n))
            return k8sc_error_set(K8SC_EINVAL, "invalid image reference \"%s\": invalid repository name", ref);
        c += n + (e ? 1 : 0);
        if (e && c == path + path_len)
            return k8sc_error_set(K8SC_EINVAL, "invalid image reference \"%s\": invalid repository name", ref);
    }
    if (path_len == 0)
        return k8sc_error_set(K8SC_EINVAL, "invalid image reference \"%s\": invalid repository name", ref);
    bool official = domain_len == 9 && memcmp(domain, "docker.io", 9) == 0 && !memchr(path, '/', path_len);
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_put(&b, domain, domain_len);
    k8sc__buf_puts(&b, official ? "/library/" : "/");
    k8sc__buf_put(&b, path, path_len);
    if (colon)
        k8sc__buf_put(&b, colon, name_end - repo_end);
    else if (!digest)
        k8sc__buf_puts(&b, ":latest");
    if (digest)
        k8sc__buf_printf(&b, "@%s", digest);
    if (k8sc__buf_status(&b) != 0) {
        k8sc__buf_free(&b);
        return K8SC_ENOMEM;
    }
    *out = k8sc__buf_detach(&b, NULL);
    return 0;
}
