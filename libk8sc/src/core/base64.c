/* Standard base64 (RFC 4648 with padding), as Go's base64.StdEncoding. */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void k8sc__base64_encode(k8sc__buf *b, const void *data, size_t len, size_t wrap)
{
    const unsigned char *p = data;
    size_t col = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        char q[4] = { ALPHABET[v >> 18], ALPHABET[(v >> 12) & 63],
            i + 1 < len ? ALPHABET[(v >> 6) & 63] : '=', i + 2 < len ? ALPHABET[v & 63] : '=' };
        for (int k = 0; k < 4; k++) {
            k8sc__buf_putc(b, q[k]);
            if (wrap && ++col == wrap) {
                k8sc__buf_putc(b, '\n');
                col = 0;
            }
        }
    }
    if (wrap && col > 0 && len > 0 && (len + 2) / 3 * 4 >= wrap)
        k8sc__buf_putc(b, '\n');
}

static int value_of(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int k8sc__base64_decode(char **out, size_t *out_len, const char *s, size_t len, size_t *bad)
{
    char *dst = k8sc__malloc(len / 4 * 3 + 4);
    if (!dst)
        return K8SC_ENOMEM;
    size_t m = 0, i = 0;
    /* Go skips CR and LF anywhere; everything else is four characters at a time. */
    while (i < len) {
        int v[4];
        size_t at[4];
        int pad = 0, k = 0;
        for (; k < 4 && i < len; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '\r' || c == '\n')
                continue;
            at[k] = i;
            if (c == '=' && k >= 2) {
                v[k++] = 0;
                pad++;
                continue;
            }
            if (pad || (v[k] = value_of(c)) < 0)
                goto fail_at_i;
            k++;
        }
        if (k == 0)
            break;
        if (k < 4 || (pad == 1 && s[at[3]] != '='))
            goto fail_end;
        uint32_t bits = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) | (uint32_t)v[3];
        dst[m++] = (char)(bits >> 16);
        if (pad < 2)
            dst[m++] = (char)(bits >> 8 & 0xFF);
        if (pad < 1)
            dst[m++] = (char)(bits & 0xFF);
        if (pad) {
            /* Padding ends the data; only line breaks may follow. */
            for (; i < len; i++)
                if (s[i] != '\r' && s[i] != '\n')
                    goto fail_at_i;
        }
    }
    dst[m] = '\0';
    *out = dst;
    if (out_len)
        *out_len = m;
    return 0;
fail_end:
    i = len;
fail_at_i:
    free(dst);
    if (bad)
        *bad = i;
    return K8SC_EINVAL;
}
