/*
 * Ranges of Service ClusterIPs and NodePorts as stored bitmaps, changed
 * with compare-and-swap: the RangeAllocation objects kube-apiserver keeps
 * at /registry/ranges/serviceips and /registry/ranges/servicenodeports
 * (pkg/registry/core/service/allocator, ipallocator, portallocator).
 */
#include "apiserver_internal.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* Writers racing for the same bitmap retry this often before giving up. */
#define CAS_ATTEMPTS 64
/* Passes a value must look leaked in before the repair loop frees it (numRepairsBeforeLeakCleanup). */
#define LEAK_PASSES 3

/* min(max(lo, size / step), hi), 0 for ranges of lo values or fewer: calculateRangeOffset. */
static uint32_t static_subrange(uint64_t size, uint32_t lo, uint32_t hi, uint32_t step)
{
    if (size <= lo)
        return 0;
    uint64_t off = size / step;
    return off < lo ? lo : off > hi ? hi : (uint32_t)off;
}

int k8sc__svc_range_parse_cidr(k8sc__svc_range *r, const char *cidr)
{
    char host[INET_ADDRSTRLEN];
    const char *slash = strchr(cidr, '/');
    char *end = NULL;
    long prefix = slash ? strtol(slash + 1, &end, 10) : -1;
    struct in_addr a;
    if (!slash || (size_t)(slash - cidr) >= sizeof(host) || !slash[1] || *end || prefix < 0 || prefix > 32)
        return k8sc_error_set(K8SC_EINVAL, "service-cluster-ip-range %s: not an IPv4 CIDR", cidr);
    memcpy(host, cidr, (size_t)(slash - cidr));
    host[slash - cidr] = '\0';
    if (inet_pton(AF_INET, host, &a) != 1)
        return k8sc_error_set(K8SC_EINVAL, "service-cluster-ip-range %s: not an IPv4 CIDR", cidr);
    if (prefix < 12)
        return k8sc_error_set(K8SC_EINVAL,
            "specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12");
    if (prefix > 30)
        return k8sc_error_set(K8SC_EINVAL, "service-cluster-ip-range %s: too small, the mask must be <= 30", cidr);
    uint32_t mask = (uint32_t)(0xffffffffu << (32 - prefix));
    uint32_t net = ntohl(a.s_addr) & mask;
    uint64_t total = (uint64_t)1 << (32 - prefix);
    memset(r, 0, sizeof(*r));
    r->key = "/registry/ranges/serviceips";
    r->is_ip = true;
    /* Neither the network address nor the broadcast address is ever handed out. */
    r->base = net + 1;
    r->size = (uint32_t)(total - 2);
    r->split = static_subrange(total, 16, 256, 16);
    r->first_dynamic = 1;
    struct in_addr n = { htonl(net) };
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &n, buf, sizeof(buf));
    snprintf(r->spec, sizeof(r->spec), "%s/%ld", buf, prefix);
    return 0;
}

int k8sc__svc_range_parse_ports(k8sc__svc_range *r, const char *spec)
{
    char *end = NULL;
    long first = strtol(spec, &end, 10), last = first;
    if (end == spec || first < 1 || first > 65535)
        return k8sc_error_set(K8SC_EINVAL, "service-node-port-range %s: expected FIRST-LAST", spec);
    if (*end == '-' || *end == '+') {
        char op = *end;
        const char *rest = end + 1;
        long v = strtol(rest, &end, 10);
        if (end == rest || v < 0)
            return k8sc_error_set(K8SC_EINVAL, "service-node-port-range %s: expected FIRST-LAST", spec);
        last = op == '-' ? v : first + v;
    }
    if (*end || last < first || last > 65535)
        return k8sc_error_set(K8SC_EINVAL, "service-node-port-range %s: expected FIRST-LAST within 1-65535", spec);
    memset(r, 0, sizeof(*r));
    r->key = "/registry/ranges/servicenodeports";
    r->base = (uint32_t)first;
    r->size = (uint32_t)(last - first + 1);
    r->split = static_subrange(r->size, 16, 128, 32);
    snprintf(r->spec, sizeof(r->spec), "%ld-%ld", first, last);
    return 0;
}

void k8sc__svc_range_clear(k8sc__svc_range *r)
{
    k8sc_free(r->suspects);
    k8sc_free(r->seen);
    r->suspects = NULL;
    r->seen = NULL;
    r->nsuspects = 0;
}

/* The bitmap as read, with the revision to write it back over (0: not stored yet). */
typedef struct {
    uint8_t *bits;
    int64_t mod;
} snapshot;

static bool has(const snapshot *s, uint32_t off)
{
    return s->bits[off >> 3] & (1u << (off & 7));
}

static void set(snapshot *s, uint32_t off, bool on)
{
    if (on)
        s->bits[off >> 3] |= (uint8_t)(1u << (off & 7));
    else
        s->bits[off >> 3] &= (uint8_t)~(1u << (off & 7));
}

/*
 * Read the stored bitmap. Its data is Go's big.Int.Bytes() of the bitmap:
 * big-endian, leading zero bytes dropped. A bitmap of another range (the
 * flag changed) reads as empty, for the repair pass to rebuild; *other says so.
 */
static int load(snapshot *s, k8sc_apiserver *srv, const k8sc__svc_range *r, bool *other)
{
    size_t nbytes = ((size_t)r->size + 7) / 8;
    s->bits = k8sc__calloc(nbytes ? nbytes : 1, 1);
    s->mod = 0;
    *other = false;
    if (!s->bits)
        return K8SC_ENOMEM;
    k8sc_store_kv *kv = NULL;
    int rc = k8sc_store_get(&kv, srv->store, r->key, 0);
    if (rc == K8SC_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    s->mod = kv->mod_revision;
    struct json_object *root = NULL;
    rc = k8sc_json_parse(&root, kv->value, kv->value_len);
    k8sc_store_kv_free(kv);
    if (rc)
        return k8sc_error_set(K8SC_EIO, "%s: not a RangeAllocation", r->key);
    const char *range = k8sc__json_string(root, "range"), *data = k8sc__json_string(root, "data");
    if (!range || strcmp(range, r->spec) != 0) {
        *other = true;
        json_object_put(root);
        return 0;
    }
    char *raw = NULL;
    size_t len = 0;
    rc = data ? k8sc__base64_decode(&raw, &len, data, strlen(data), NULL) : 0;
    json_object_put(root);
    if (rc == K8SC_ENOMEM)
        return rc;
    if (rc)
        return k8sc_error_set(K8SC_EIO, "%s: malformed data", r->key);
    for (size_t i = 0; i < len && i < nbytes; i++)
        s->bits[i] = (uint8_t)raw[len - 1 - i];
    k8sc_free(raw);
    /* Bits past the range (a smaller range than written) mean nothing. */
    for (uint32_t off = r->size; off < nbytes * 8; off++)
        set(s, off, false);
    return 0;
}

/* Write the bitmap back over the revision it was read at: ECONFLICT when someone wrote first. */
static int save(k8sc_apiserver *srv, const k8sc__svc_range *r, const snapshot *s)
{
    size_t nbytes = ((size_t)r->size + 7) / 8, used = nbytes;
    while (used > 0 && s->bits[used - 1] == 0)
        used--;
    uint8_t *be = k8sc__malloc(used ? used : 1);
    if (!be)
        return K8SC_ENOMEM;
    for (size_t i = 0; i < used; i++)
        be[i] = s->bits[used - 1 - i];
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "{\"kind\":\"RangeAllocation\",\"apiVersion\":\"v1\",\"metadata\":{\"creationTimestamp\":null},"
        "\"range\":\"%s\",\"data\":\"", r->spec);
    k8sc__base64_encode(&b, be, used, 0);
    k8sc__buf_puts(&b, "\"}");
    k8sc_free(be);
    int rc = k8sc__buf_status(&b);
    if (!rc)
        rc = s->mod ? k8sc_store_update(NULL, srv->store, r->key, b.ptr, b.len, s->mod)
                    : k8sc_store_create(NULL, srv->store, r->key, b.ptr, b.len);
    k8sc__buf_free(&b);
    return rc == K8SC_EEXISTS ? K8SC_ECONFLICT : rc;
}

static void format_value(char *buf, size_t size, const k8sc__svc_range *r, uint32_t v)
{
    if (r->is_ip) {
        struct in_addr a = { htonl(v) };
        inet_ntop(AF_INET, &a, buf, (socklen_t)size);
    } else {
        snprintf(buf, size, "%u", v);
    }
}

static int not_in_range(const k8sc__svc_range *r, uint32_t v)
{
    if (!r->is_ip)
        return k8sc_error_set(K8SC_ERANGE, "provided port is not in the valid range. The range of valid ports is %s",
            r->spec);
    char ip[INET_ADDRSTRLEN];
    format_value(ip, sizeof(ip), r, v);
    return k8sc_error_set(K8SC_ERANGE, "the provided IP (%s) is not in the valid range. The range of valid IPs is %s",
        ip, r->spec);
}

/* A free offset at or above `from`, scanning [lo, hi) from `start` and wrapping; UINT32_MAX if none. */
static uint32_t scan(const snapshot *s, uint32_t lo, uint32_t hi, uint32_t start)
{
    if (hi <= lo)
        return UINT32_MAX;
    uint32_t n = hi - lo;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t off = lo + (start - lo + i) % n;
        if (!has(s, off))
            return off;
    }
    return UINT32_MAX;
}

static uint32_t random_below(uint32_t n)
{
    uint32_t v = 0;
    if (n == 0 || getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
        return 0;
    return v % n;
}

/* AllocateNext with the static subrange: a random free offset above the split, else one below it. */
static uint32_t next_free(const snapshot *s, const k8sc__svc_range *r)
{
    uint32_t lo = r->split > r->first_dynamic ? r->split : r->first_dynamic;
    uint32_t off = lo < r->size ? scan(s, lo, r->size, lo + random_below(r->size - lo)) : UINT32_MAX;
    if (off == UINT32_MAX && r->first_dynamic < lo)
        off = scan(s, r->first_dynamic, lo, r->first_dynamic + random_below(lo - r->first_dynamic));
    return off;
}

static int apply_ops(snapshot *s, const k8sc__svc_range *r, k8sc__range_op *ops, size_t nops, size_t *failed)
{
    for (size_t i = 0; i < nops; i++) {
        *failed = i;
        k8sc__range_op *op = &ops[i];
        uint32_t off = op->value - r->base;
        bool inside = op->value >= r->base && off < r->size;
        switch (op->kind) {
        case K8SC__RANGE_ALLOC:
            if (!inside)
                return not_in_range(r, op->value);
            if (has(s, off))
                return k8sc_error_set(K8SC_EEXISTS, "provided %s is already allocated", r->is_ip ? "IP" : "port");
            set(s, off, true);
            break;
        case K8SC__RANGE_NEXT:
            off = next_free(s, r);
            if (off == UINT32_MAX)
                return k8sc_error_set(K8SC_EOVERFLOW, "range is full");
            set(s, off, true);
            op->value = r->base + off;
            break;
        case K8SC__RANGE_RELEASE:
            if (inside)
                set(s, off, false);
            break;
        }
    }
    return 0;
}

int k8sc__svc_range_apply(k8sc_apiserver *srv, k8sc__svc_range *r, k8sc__range_op *ops, size_t nops, bool dry,
    size_t *failed)
{
    size_t scratch;
    if (!failed)
        failed = &scratch;
    *failed = 0;
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
        snapshot s;
        bool other = false;
        int rc = load(&s, srv, r, &other);
        if (!rc && other)
            rc = k8sc_error_set(K8SC_ERROR, "%s: the stored range does not match the current range %s", r->key,
                r->spec);
        if (!rc)
            rc = apply_ops(&s, r, ops, nops, failed);
        if (!rc && !dry)
            rc = save(srv, r, &s);
        k8sc_free(s.bits);
        if (rc != K8SC_ECONFLICT)
            return rc;
        /* Many writers racing: spread them out a little. */
        if (attempt >= 4) {
            struct timespec pause = { 0, (long)random_below(1000) * 1000 };
            nanosleep(&pause, NULL);
        }
    }
    return k8sc_error_set(K8SC_ECONFLICT, "%s: too many concurrent allocations, try again", r->key);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * The new leak candidates: every offset set in `s` but unused, with the
 * passes it was seen in (into *out_sus, *out_seen, *out_n); those seen
 * often enough are cleared in `s` instead.
 */
static int count_leaks(uint32_t **out_sus, uint8_t **out_seen, size_t *out_n, const k8sc__svc_range *r, snapshot *s,
    const uint8_t *inuse)
{
    size_t n = 0, cap = 0;
    uint32_t *sus = NULL;
    uint8_t *seen = NULL;
    for (uint32_t off = 0; off < r->size; off++) {
        if (!has(s, off) || (inuse[off >> 3] & (1u << (off & 7))))
            continue;
        uint32_t *hit = r->nsuspects ? bsearch(&off, r->suspects, r->nsuspects, sizeof(off), cmp_u32) : NULL;
        uint8_t times = hit ? (uint8_t)(r->seen[hit - r->suspects] + 1) : 1;
        if (times >= LEAK_PASSES) {
            set(s, off, false);
            continue;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            uint32_t *gs = k8sc__realloc(sus, ncap * sizeof(*gs));
            if (gs)
                sus = gs;
            uint8_t *gt = gs ? k8sc__realloc(seen, ncap) : NULL;
            if (gt)
                seen = gt;
            if (!gs || !gt) {
                k8sc_free(sus);
                k8sc_free(seen);
                return K8SC_ENOMEM;
            }
            cap = ncap;
        }
        sus[n] = off;
        seen[n++] = times;
    }
    *out_sus = sus;
    *out_seen = seen;
    *out_n = n;
    return 0;
}

int k8sc__svc_range_repair(k8sc_apiserver *srv, k8sc__svc_range *r, const uint32_t *used, size_t nused)
{
    size_t nbytes = ((size_t)r->size + 7) / 8;
    uint8_t *inuse = k8sc__calloc(nbytes ? nbytes : 1, 1);
    if (!inuse)
        return K8SC_ENOMEM;
    for (size_t i = 0; i < nused; i++) {
        uint32_t off = used[i] - r->base;
        if (used[i] >= r->base && off < r->size)
            inuse[off >> 3] |= (uint8_t)(1u << (off & 7));
    }
    int rc = K8SC_ECONFLICT;
    for (int attempt = 0; attempt < CAS_ATTEMPTS && rc == K8SC_ECONFLICT; attempt++) {
        snapshot s;
        bool other = false;
        uint32_t *sus = NULL;
        uint8_t *seen = NULL;
        size_t n = 0;
        rc = load(&s, srv, r, &other);
        if (!rc && other)
            k8sc_log(K8SC_LOG_WARN, "apiserver: %s: the range changed to %s; rebuilding it from the Services", r->key,
                r->spec);
        uint8_t *before = rc ? NULL : k8sc__malloc(nbytes ? nbytes : 1);
        if (!rc && !before)
            rc = K8SC_ENOMEM;
        if (!rc) {
            memcpy(before, s.bits, nbytes);
            for (size_t i = 0; i < nbytes; i++)
                s.bits[i] |= inuse[i];
            rc = count_leaks(&sus, &seen, &n, r, &s, inuse);
        }
        /* An unchanged bitmap is not written again (no revision, no watch event). */
        if (!rc && (other || s.mod == 0 || memcmp(before, s.bits, nbytes) != 0))
            rc = save(srv, r, &s);
        k8sc_free(before);
        k8sc_free(s.bits);
        if (rc) {
            k8sc_free(sus);
            k8sc_free(seen);
            continue;
        }
        /* The counts move on only with a pass that was written. */
        k8sc__svc_range_clear(r);
        r->suspects = sus;
        r->seen = seen;
        r->nsuspects = n;
    }
    k8sc_free(inuse);
    return rc;
}
