/* DNS wire format (RFC 1035, EDNS0 from RFC 6891): strict query parsing and a compressing writer. */
#include "dns_internal.h"

#include <string.h>

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint8_t lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

bool k8sc__dns_read_name(const uint8_t *msg, size_t len, size_t *off, uint8_t *out, size_t *out_len)
{
    size_t pos = *off, n = 0, end = 0, last_target = SIZE_MAX;
    bool jumped = false;
    for (;;) {
        if (pos >= len)
            return false;
        uint8_t c = msg[pos];
        if (c == 0) {
            out[n++] = 0;
            if (!jumped)
                end = pos + 1;
            break;
        }
        if ((c & 0xc0) == 0xc0) {
            if (pos + 1 >= len)
                return false;
            size_t target = ((size_t)(c & 0x3f) << 8) | msg[pos + 1];
            /* Strictly backwards, and each jump before the last: no loops. */
            if (target >= pos || target >= last_target)
                return false;
            if (!jumped)
                end = pos + 2;
            jumped = true;
            last_target = target;
            pos = target;
            continue;
        }
        if (c & 0xc0)
            return false;
        if (pos + 1 + c > len || n + 1 + c + 1 > K8SC__DNS_MAX_NAME)
            return false;
        out[n++] = c;
        memcpy(out + n, msg + pos + 1, c);
        n += c;
        pos += 1 + (size_t)c;
    }
    *off = end;
    *out_len = n;
    return true;
}

bool k8sc__dns_name_from_text(uint8_t *out, size_t *out_len, const char *text)
{
    size_t n = 0;
    const char *p = text;
    if (strcmp(p, ".") == 0)
        p = "";
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        if (l == 0 || l > 63 || n + 1 + l + 1 > K8SC__DNS_MAX_NAME)
            return false;
        out[n++] = (uint8_t)l;
        for (size_t i = 0; i < l; i++)
            out[n++] = lower((uint8_t)p[i]);
        p += l;
        if (*p == '.')
            p++;
    }
    out[n++] = 0;
    *out_len = n;
    return true;
}

k8sc__dns_parse_result k8sc__dns_parse_query(k8sc__dns_query *q, const uint8_t *msg, size_t len)
{
    memset(q, 0, sizeof(*q));
    if (len < K8SC__DNS_HEADER)
        return K8SC__DNS_PARSE_DROP;
    q->id = rd16(msg);
    q->flags = rd16(msg + 2);
    /* Never answer a response: two servers could bounce it forever. */
    if (q->flags & K8SC__DNS_F_QR)
        return K8SC__DNS_PARSE_DROP;
    if (K8SC__DNS_OPCODE(q->flags) != 0)
        return K8SC__DNS_PARSE_NOTIMP;
    if (rd16(msg + 4) != 1)
        return K8SC__DNS_PARSE_FORMERR;
    size_t records = (size_t)rd16(msg + 6) + rd16(msg + 8) + rd16(msg + 10);
    size_t before_additional = (size_t)rd16(msg + 6) + rd16(msg + 8);
    size_t off = K8SC__DNS_HEADER;
    if (!k8sc__dns_read_name(msg, len, &off, q->raw_name, &q->name_len) || off + 4 > len)
        return K8SC__DNS_PARSE_FORMERR;
    for (size_t i = 0; i < q->name_len; i++)
        q->name[i] = lower(q->raw_name[i]);
    q->qtype = rd16(msg + off);
    q->qclass = rd16(msg + off + 2);
    off += 4;
    for (size_t i = 0; i < records; i++) {
        uint8_t name[K8SC__DNS_MAX_NAME];
        size_t name_len;
        if (!k8sc__dns_read_name(msg, len, &off, name, &name_len) || off + 10 > len)
            return K8SC__DNS_PARSE_FORMERR;
        uint16_t type = rd16(msg + off), rrclass = rd16(msg + off + 2), rdlen = rd16(msg + off + 8);
        uint8_t version = msg[off + 5];
        off += 10;
        if (off + rdlen > len)
            return K8SC__DNS_PARSE_FORMERR;
        off += rdlen;
        if (type != K8SC__DNS_T_OPT)
            continue;
        /* RFC 6891 6.1.1: one OPT, in the additional section, owned by the root. */
        if (i < before_additional || q->edns || name_len != 1)
            return K8SC__DNS_PARSE_FORMERR;
        q->edns = true;
        q->edns_version = version;
        q->udp_size = rrclass < 512 ? 512 : rrclass;
    }
    if (off != len || q->qtype == K8SC__DNS_T_OPT)
        return K8SC__DNS_PARSE_FORMERR;
    return K8SC__DNS_PARSE_OK;
}

void k8sc__dns_put_bytes(k8sc__dns_writer *w, const void *data, size_t len)
{
    if (w->overflow)
        return;
    if (len > w->limit - w->len) {
        w->overflow = true;
        return;
    }
    memcpy(w->buf + w->len, data, len);
    w->len += len;
}

void k8sc__dns_put_u16(k8sc__dns_writer *w, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    k8sc__dns_put_bytes(w, b, 2);
}

void k8sc__dns_put_u32(k8sc__dns_writer *w, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    k8sc__dns_put_bytes(w, b, 4);
}

/* Whether the name written at `at` equals the wire-form `suffix`, ignoring case. */
static bool name_at_equals(const k8sc__dns_writer *w, size_t at, const uint8_t *suffix)
{
    uint8_t name[K8SC__DNS_MAX_NAME];
    size_t off = at, n = 0;
    if (!k8sc__dns_read_name(w->buf, w->len, &off, name, &n))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (lower(name[i]) != lower(suffix[i]))
            return false;
        if (suffix[i] == 0 && i + 1 == n)
            return true;
    }
    return false;
}

/* Remember where the labels of name[0..prefix) land, for later names to point at. */
static void remember(k8sc__dns_writer *w, size_t base, const uint8_t *name, size_t prefix)
{
    for (size_t p = 0; p < prefix; p += 1 + (size_t)name[p]) {
        if (base + p >= 0x3fff || w->nptrs == K8SC__DNS_MAX_PTRS)
            return;
        w->ptrs[w->nptrs++] = (uint16_t)(base + p);
    }
}

void k8sc__dns_put_name(k8sc__dns_writer *w, const uint8_t *name, size_t len)
{
    size_t pos = 0;
    while (pos < len && name[pos] != 0) {
        for (size_t k = 0; k < w->nptrs; k++) {
            if (!name_at_equals(w, w->ptrs[k], name + pos))
                continue;
            size_t base = w->len;
            k8sc__dns_put_bytes(w, name, pos);
            k8sc__dns_put_u16(w, (uint16_t)(0xc000u | w->ptrs[k]));
            if (!w->overflow)
                remember(w, base, name, pos);
            return;
        }
        pos += 1 + (size_t)name[pos];
    }
    size_t base = w->len;
    k8sc__dns_put_bytes(w, name, len);
    if (!w->overflow)
        remember(w, base, name, len - 1);
}

void k8sc__dns_writer_init(k8sc__dns_writer *w, uint8_t *buf, size_t limit, const k8sc__dns_query *q)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->limit = limit;
    k8sc__dns_put_u16(w, q->id);
    uint8_t zero[10] = { 0 };
    k8sc__dns_put_bytes(w, zero, sizeof(zero));
    k8sc__dns_put_name(w, q->raw_name, q->name_len);
    k8sc__dns_put_u16(w, q->qtype);
    k8sc__dns_put_u16(w, q->qclass);
    w->counts[K8SC__DNS_QD] = 1;
}

size_t k8sc__dns_rr_begin(k8sc__dns_writer *w, int section, const uint8_t *name, size_t name_len,
    uint16_t type, uint32_t ttl)
{
    k8sc__dns_put_name(w, name, name_len);
    k8sc__dns_put_u16(w, type);
    k8sc__dns_put_u16(w, K8SC__DNS_C_IN);
    k8sc__dns_put_u32(w, ttl);
    size_t at = w->len;
    k8sc__dns_put_u16(w, 0);
    w->counts[section]++;
    return at;
}

void k8sc__dns_rr_end(k8sc__dns_writer *w, size_t rdlen_at)
{
    if (w->overflow)
        return;
    size_t rdlen = w->len - rdlen_at - 2;
    w->buf[rdlen_at] = (uint8_t)(rdlen >> 8);
    w->buf[rdlen_at + 1] = (uint8_t)rdlen;
}

size_t k8sc__dns_writer_finish(k8sc__dns_writer *w, uint16_t flags)
{
    if (w->overflow)
        return 0;
    w->buf[2] = (uint8_t)(flags >> 8);
    w->buf[3] = (uint8_t)flags;
    for (int i = 0; i < 4; i++) {
        w->buf[4 + 2 * i] = (uint8_t)(w->counts[i] >> 8);
        w->buf[5 + 2 * i] = (uint8_t)w->counts[i];
    }
    return w->len;
}

size_t k8sc__dns_error_reply(uint8_t *buf, uint16_t id, uint16_t qflags, int rcode)
{
    uint16_t flags = (uint16_t)(K8SC__DNS_F_QR | (qflags & (0x7800u | K8SC__DNS_F_RD)) | (rcode & 0xf));
    memset(buf, 0, K8SC__DNS_HEADER);
    buf[0] = (uint8_t)(id >> 8);
    buf[1] = (uint8_t)id;
    buf[2] = (uint8_t)(flags >> 8);
    buf[3] = (uint8_t)flags;
    return K8SC__DNS_HEADER;
}
