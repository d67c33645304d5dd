/* WebSocket handshake and framing (RFC 6455), with the SHA-1 the handshake needs (RFC 3174). */
#include "core/websocket.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

static uint32_t rol(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

static void sha1_block(uint32_t h[5], const uint8_t *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol(b, 30);
        b = a;
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void k8sc__sha1(uint8_t digest[20], const void *data, size_t len)
{
    uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
    const uint8_t *p = data;
    size_t left = len;
    for (; left >= 64; left -= 64, p += 64)
        sha1_block(h, p);
    uint8_t tail[128] = { 0 };
    memcpy(tail, p, left);
    tail[left] = 0x80;
    size_t n = left + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        tail[n - 1 - i] = (uint8_t)(bits >> (8 * i));
    sha1_block(h, tail);
    if (n == 128)
        sha1_block(h, tail + 64);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++)
            digest[4 * i + j] = (uint8_t)(h[i] >> (24 - 8 * j));
}

void k8sc__ws_accept(char out[K8SC__WS_ACCEPT_BUFSIZE], const char *key)
{
    k8sc__buf in = K8SC__BUF_INIT, enc = K8SC__BUF_INIT;
    k8sc__buf_printf(&in, "%s%s", key, WS_GUID);
    uint8_t digest[20];
    k8sc__sha1(digest, in.ptr ? in.ptr : "", in.len);
    k8sc__base64_encode(&enc, digest, sizeof(digest), 0);
    out[0] = '\0';
    if (!k8sc__buf_status(&enc) && enc.len < K8SC__WS_ACCEPT_BUFSIZE)
        memcpy(out, enc.ptr, enc.len + 1);
    k8sc__buf_free(&in);
    k8sc__buf_free(&enc);
}

void k8sc__ws_frame_put(k8sc__buf *b, int opcode, const void *data, size_t len, const uint8_t *mask)
{
    uint8_t head[14];
    size_t n = 0;
    head[n++] = (uint8_t)(0x80 | (opcode & 0x0f));
    uint8_t m = mask ? 0x80 : 0;
    if (len < 126) {
        head[n++] = (uint8_t)(m | len);
    } else if (len <= 0xffff) {
        head[n++] = m | 126;
        head[n++] = (uint8_t)(len >> 8);
        head[n++] = (uint8_t)len;
    } else {
        head[n++] = m | 127;
        for (int i = 7; i >= 0; i--)
            head[n++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    if (mask)
        for (int i = 0; i < 4; i++)
            head[n++] = mask[i];
    k8sc__buf_put(b, (const char *)head, n);
    size_t start = b->len;
    k8sc__buf_put(b, data, len);
    if (mask && !k8sc__buf_status(b))
        for (size_t i = 0; i < len; i++)
            b->ptr[start + i] ^= (char)mask[i % 4];
}

ssize_t k8sc__ws_frame_parse(uint8_t *data, size_t len, size_t max, k8sc__ws_frame *f)
{
    if (len < 2)
        return 0;
    if (data[0] & 0x70)
        return -1;
    f->fin = data[0] & 0x80;
    f->opcode = data[0] & 0x0f;
    bool masked = data[1] & 0x80;
    uint64_t plen = data[1] & 0x7f;
    size_t off = 2;
    if (plen == 126) {
        if (len < 4)
            return 0;
        plen = (uint64_t)data[2] << 8 | data[3];
        off = 4;
    } else if (plen == 127) {
        if (len < 10)
            return 0;
        plen = 0;
        for (int i = 0; i < 8; i++)
            plen = plen << 8 | data[2 + i];
        off = 10;
    }
    if ((f->opcode & 0x8) && (plen > 125 || !f->fin))
        return -1;
    if (plen > max)
        return -1;
    const uint8_t *mask = data + off;
    if (masked)
        off += 4;
    if (len < off || len - off < plen)
        return 0;
    f->payload = data + off;
    f->len = (size_t)plen;
    if (masked)
        for (size_t i = 0; i < f->len; i++)
            f->payload[i] ^= mask[i % 4];
    return (ssize_t)(off + f->len);
}

int k8sc__write_all(int fd, const void *data, size_t len)
{
    struct stat st;
    bool sock = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
    const char *p = data;
    while (len) {
        ssize_t n = sock ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* Upgraded sockets are non-blocking: wait until there is room. */
            struct pollfd p1 = { fd, POLLOUT, 0 };
            if (poll(&p1, 1, 10000) <= 0)
                return -1;
            continue;
        }
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
