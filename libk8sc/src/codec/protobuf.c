/*
 * Kubernetes protobuf request bodies (Content-Type
 * application/vnd.kubernetes.protobuf) decoded into the JSON objects the
 * JSON path would have produced. The envelope is the 4-byte magic "k8s\0"
 * and a runtime.Unknown {1 typeMeta {1 apiVersion, 2 kind}, 2 raw,
 * 3 contentEncoding, 4 contentType}; `raw` is the generated message of the
 * kind, which the schema tables (protobuf_schema_*.c) describe.
 *
 * Go's generated marshallers write every non-pointer field, zero or not;
 * encoding/json with omitempty would have left the zero ones out, so they
 * are dropped here too, except for fields the tables mark as pointers.
 */
#include "codec/codec_internal.h"
#include "codec/protobuf_internal.h"

#include <string.h>

/* Generated messages nest a dozen levels at most; this bounds the recursion. */
#define PB_MAX_DEPTH 64

enum { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5 };

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    size_t base; /* offset of p[0] in the whole body, for messages */
} pb_reader;

static const k8sc__pb_kind_entry *const kind_tables[] = {
    k8sc__pb_kinds_core, k8sc__pb_kinds_apps, k8sc__pb_kinds_auth, k8sc__pb_kinds_misc,
};

static int pb_error(const pb_reader *r, const char *what)
{
    return k8sc_error_set(K8SC_EINVAL, "protobuf: %s at byte %zu", what, r->base + r->pos);
}

static int read_varint(pb_reader *r, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->pos >= r->len)
            return pb_error(r, "truncated varint");
        uint8_t c = r->p[r->pos++];
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return pb_error(r, "varint longer than 10 bytes");
}

/* A length-delimited payload: *sub covers it and r moves past it. */
static int read_len(pb_reader *r, pb_reader *sub)
{
    uint64_t n = 0;
    int rc = read_varint(r, &n);
    if (rc)
        return rc;
    if (n > r->len - r->pos)
        return pb_error(r, "length runs past the end of the message");
    sub->p = r->p + r->pos;
    sub->len = (size_t)n;
    sub->pos = 0;
    sub->base = r->base + r->pos;
    r->pos += (size_t)n;
    return 0;
}

static int read_tag(pb_reader *r, uint32_t *number, unsigned *wire)
{
    size_t at = r->pos;
    uint64_t key = 0;
    int rc = read_varint(r, &key);
    if (rc)
        return rc;
    if (key >> 3 == 0 || key >> 3 > 0x1fffffff) {
        r->pos = at;
        return pb_error(r, "invalid field number");
    }
    *number = (uint32_t)(key >> 3);
    *wire = (unsigned)(key & 7);
    return 0;
}

static int skip_field(pb_reader *r, unsigned wire)
{
    uint64_t v = 0;
    pb_reader sub;
    size_t n;
    switch (wire) {
    case WIRE_VARINT:
        return read_varint(r, &v);
    case WIRE_LEN:
        return read_len(r, &sub);
    case WIRE_I64:
        n = 8;
        break;
    case WIRE_I32:
        n = 4;
        break;
    default:
        /* Groups (3, 4) never appear in Kubernetes messages. */
        return pb_error(r, "unsupported wire type");
    }
    if (n > r->len - r->pos)
        return pb_error(r, "truncated fixed-width field");
    r->pos += n;
    return 0;
}

static int expect_wire(pb_reader *r, size_t at, unsigned got, unsigned want, const k8sc__pb_message *m,
    uint32_t number)
{
    if (got == want)
        return 0;
    r->pos = at;
    return k8sc_error_set(K8SC_EINVAL, "protobuf: field %u of %s has wire type %u, expected %u at byte %zu",
        (unsigned)number, m->name, got, want, r->base + at);
}

static int new_string(struct json_object **out, const pb_reader *s)
{
    for (size_t i = 0; i < s->len;) {
        uint32_t cp;
        size_t n = k8sc__utf8_decode(s->p + i, s->len - i, &cp);
        if (!n)
            return k8sc_error_set(K8SC_EINVAL, "protobuf: invalid UTF-8 in a string at byte %zu", s->base + i);
        i += n;
    }
    *out = json_object_new_string_len((const char *)s->p, (int)s->len);
    return *out ? 0 : k8sc__error_nomem();
}

static int new_base64(struct json_object **out, const pb_reader *s)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__base64_encode(&b, s->p, s->len, 0);
    *out = k8sc__buf_status(&b) ? NULL : json_object_new_string_len(b.ptr ? b.ptr : "", (int)b.len);
    k8sc__buf_free(&b);
    return *out ? 0 : k8sc__error_nomem();
}

/* Time and MicroTime: {1 seconds int64, 2 nanos int32}; the zero time is JSON null, as Go writes it. */
static int new_time(struct json_object **out, pb_reader *s, bool micro)
{
    int64_t seconds = 0;
    int64_t nanos = 0;
    while (s->pos < s->len) {
        uint32_t number = 0;
        unsigned wire = 0;
        uint64_t v = 0;
        int rc = read_tag(s, &number, &wire);
        if (!rc && (number == 1 || number == 2) && wire == WIRE_VARINT) {
            rc = read_varint(s, &v);
            if (number == 1)
                seconds = (int64_t)v;
            else
                nanos = (int32_t)(uint32_t)v;
        } else if (!rc) {
            rc = skip_field(s, wire);
        }
        if (rc)
            return rc;
    }
    *out = NULL;
    if (seconds == 0 && nanos == 0)
        return 0;
    if (nanos < 0 || nanos > 999999999)
        return pb_error(s, "time nanos out of range");
    char buf[K8SC_TIME_BUFSIZE + 8];
    if (k8sc_time_format(buf, K8SC_TIME_BUFSIZE, seconds) != 0)
        return k8sc_error_set(K8SC_EINVAL, "protobuf: time out of range at byte %zu", s->base);
    if (micro) {
        size_t n = strlen(buf);
        if (n && buf[n - 1] == 'Z')
            snprintf(buf + n - 1, sizeof(buf) - (n - 1), ".%06dZ", (int)(nanos / 1000));
    }
    *out = json_object_new_string(buf);
    return *out ? 0 : k8sc__error_nomem();
}

/* IntOrString {1 type (0 int, 1 string), 2 intVal, 3 strVal}. */
static int new_intorstr(struct json_object **out, pb_reader *s)
{
    uint64_t type = 0, ival = 0;
    pb_reader str = { (const uint8_t *)"", 0, 0, s->base };
    while (s->pos < s->len) {
        uint32_t number = 0;
        unsigned wire = 0;
        int rc = read_tag(s, &number, &wire);
        if (!rc && (number == 1 || number == 2) && wire == WIRE_VARINT)
            rc = read_varint(s, number == 1 ? &type : &ival);
        else if (!rc && number == 3 && wire == WIRE_LEN)
            rc = read_len(s, &str);
        else if (!rc)
            rc = skip_field(s, wire);
        if (rc)
            return rc;
    }
    if (type == 1)
        return new_string(out, &str);
    *out = json_object_new_int64((int32_t)(uint32_t)ival);
    return *out ? 0 : k8sc__error_nomem();
}

/* A message whose field 1 is the value: Quantity {1 string}, RawExtension/FieldsV1 {1 raw}. */
static int first_field_bytes(pb_reader *val, pb_reader *s)
{
    *val = (pb_reader){ (const uint8_t *)"", 0, 0, s->base };
    while (s->pos < s->len) {
        uint32_t number = 0;
        unsigned wire = 0;
        int rc = read_tag(s, &number, &wire);
        if (!rc && number == 1 && wire == WIRE_LEN)
            rc = read_len(s, val);
        else if (!rc)
            rc = skip_field(s, wire);
        if (rc)
            return rc;
    }
    return 0;
}

static int new_rawjson(struct json_object **out, pb_reader *s)
{
    pb_reader raw;
    int rc = first_field_bytes(&raw, s);
    *out = NULL;
    if (rc || raw.len == 0)
        return rc;
    rc = k8sc_json_parse(out, (const char *)raw.p, raw.len);
    if (rc && rc != K8SC_ENOMEM)
        return k8sc_error_set(K8SC_EINVAL, "protobuf: embedded JSON at byte %zu: %s", raw.base, k8sc_error_last());
    return rc;
}

/* The value of a map entry {1 key, 2 value} of the given kind. */
static int new_map_value(struct json_object **out, pb_reader *v, uint8_t kind)
{
    switch (kind) {
    case K8SC__PB_MAP_STRING:
        return new_string(out, v);
    case K8SC__PB_MAP_BYTES:
        return new_base64(out, v);
    case K8SC__PB_MAP_QUANTITY: {
        pb_reader q;
        int rc = first_field_bytes(&q, v);
        return rc ? rc : new_string(out, &q);
    }
    default: { /* StringArray {repeated string items = 1} */
        struct json_object *arr = json_object_new_array();
        if (!arr)
            return k8sc__error_nomem();
        while (v->pos < v->len) {
            uint32_t number = 0;
            unsigned wire = 0;
            pb_reader item;
            struct json_object *s = NULL;
            int rc = read_tag(v, &number, &wire);
            if (!rc && number == 1 && wire == WIRE_LEN) {
                rc = read_len(v, &item);
                if (!rc)
                    rc = new_string(&s, &item);
                if (!rc && json_object_array_add(arr, s) != 0) {
                    json_object_put(s);
                    rc = k8sc__error_nomem();
                }
            } else if (!rc) {
                rc = skip_field(v, wire);
            }
            if (rc) {
                json_object_put(arr);
                return rc;
            }
        }
        *out = arr;
        return 0;
    }
    }
}

static int map_entry(struct json_object *map, pb_reader *e, uint8_t kind)
{
    pb_reader key = { (const uint8_t *)"", 0, 0, e->base }, val = { (const uint8_t *)"", 0, 0, e->base };
    while (e->pos < e->len) {
        uint32_t number = 0;
        unsigned wire = 0;
        int rc = read_tag(e, &number, &wire);
        if (!rc && (number == 1 || number == 2) && wire == WIRE_LEN)
            rc = read_len(e, number == 1 ? &key : &val);
        else if (!rc && (number == 1 || number == 2))
            rc = pb_error(e, "map entry key or value is not length-delimited");
        else if (!rc)
            rc = skip_field(e, wire);
        if (rc)
            return rc;
    }
    struct json_object *k = NULL, *v = NULL;
    int rc = new_string(&k, &key);
    if (!rc)
        rc = new_map_value(&v, &val, kind);
    if (!rc && json_object_object_add(map, json_object_get_string(k), v) != 0) {
        json_object_put(v);
        rc = k8sc__error_nomem();
    }
    json_object_put(k);
    return rc;
}

/* The object or array under `key` in `obj`, created if absent (or of the wrong type). */
static struct json_object *child(struct json_object *obj, const char *key, json_type type)
{
    struct json_object *c = NULL;
    if (json_object_object_get_ex(obj, key, &c) && json_object_is_type(c, type))
        return c;
    c = type == json_type_array ? json_object_new_array() : json_object_new_object();
    if (!c || json_object_object_add(obj, key, c) != 0) {
        json_object_put(c);
        k8sc__error_nomem();
        return NULL;
    }
    return c;
}

/* Store a decoded scalar: appended for repeated fields, else set (or dropped when zero and not a pointer). */
static int put(struct json_object *obj, const k8sc__pb_field *f, struct json_object *v, bool zero)
{
    if (f->flags & K8SC__PB_REPEATED) {
        struct json_object *arr = child(obj, f->json, json_type_array);
        if (arr && json_object_array_add(arr, v) == 0)
            return 0;
        json_object_put(v);
        return k8sc__error_nomem();
    }
    if (zero && !(f->flags & K8SC__PB_POINTER)) {
        json_object_put(v);
        json_object_object_del(obj, f->json);
        return 0;
    }
    if (json_object_object_add(obj, f->json, v) != 0) {
        json_object_put(v);
        return k8sc__error_nomem();
    }
    return 0;
}

static int decode_message(struct json_object *obj, const k8sc__pb_message *m, pb_reader *r, int depth);

static int scalar_from_varint(struct json_object *obj, const k8sc__pb_field *f, uint64_t v)
{
    struct json_object *j;
    int64_t n;
    switch (f->kind) {
    case K8SC__PB_BOOL:
        j = json_object_new_boolean(v != 0);
        n = v != 0;
        break;
    case K8SC__PB_INT32:
        n = (int32_t)(uint32_t)v;
        j = json_object_new_int64(n);
        break;
    default:
        n = (int64_t)v;
        j = json_object_new_int64(n);
        break;
    }
    if (!j)
        return k8sc__error_nomem();
    return put(obj, f, j, n == 0);
}

static int decode_field(struct json_object *obj, const k8sc__pb_message *m, const k8sc__pb_field *f, pb_reader *r,
    size_t at, unsigned wire, int depth)
{
    pb_reader sub;
    struct json_object *v = NULL;
    int rc;
    switch (f->kind) {
    case K8SC__PB_INT32:
    case K8SC__PB_INT64:
    case K8SC__PB_BOOL:
        if (wire == WIRE_LEN && (f->flags & K8SC__PB_REPEATED)) {
            /* A packed repeated scalar. */
            if ((rc = read_len(r, &sub)) != 0)
                return rc;
            while (sub.pos < sub.len) {
                uint64_t x = 0;
                if ((rc = read_varint(&sub, &x)) != 0 || (rc = scalar_from_varint(obj, f, x)) != 0)
                    return rc;
            }
            return 0;
        }
        {
            uint64_t x = 0;
            if ((rc = expect_wire(r, at, wire, WIRE_VARINT, m, f->number)) != 0 || (rc = read_varint(r, &x)) != 0)
                return rc;
            return scalar_from_varint(obj, f, x);
        }
    default:
        break;
    }
    if ((rc = expect_wire(r, at, wire, WIRE_LEN, m, f->number)) != 0 || (rc = read_len(r, &sub)) != 0)
        return rc;
    switch (f->kind) {
    case K8SC__PB_STRING:
        if ((rc = new_string(&v, &sub)) != 0)
            return rc;
        return put(obj, f, v, sub.len == 0);
    case K8SC__PB_BYTES:
        if ((rc = new_base64(&v, &sub)) != 0)
            return rc;
        return put(obj, f, v, sub.len == 0);
    case K8SC__PB_INLINE:
        return decode_message(obj, f->msg, &sub, depth + 1);
    case K8SC__PB_MESSAGE:
        if (f->flags & K8SC__PB_REPEATED) {
            struct json_object *arr = child(obj, f->json, json_type_array);
            if (!arr || !(v = json_object_new_object()) || json_object_array_add(arr, v) != 0) {
                json_object_put(v);
                return k8sc__error_nomem();
            }
        } else if (!(v = child(obj, f->json, json_type_object))) {
            return K8SC_ENOMEM;
        }
        return decode_message(v, f->msg, &sub, depth + 1);
    case K8SC__PB_MAP_STRING:
    case K8SC__PB_MAP_BYTES:
    case K8SC__PB_MAP_QUANTITY:
    case K8SC__PB_MAP_STRINGS:
        if (!(v = child(obj, f->json, json_type_object)))
            return K8SC_ENOMEM;
        return map_entry(v, &sub, f->kind);
    case K8SC__PB_TIME:
    case K8SC__PB_MICROTIME:
        rc = new_time(&v, &sub, f->kind == K8SC__PB_MICROTIME);
        break;
    case K8SC__PB_INTORSTR:
        rc = new_intorstr(&v, &sub);
        break;
    case K8SC__PB_QUANTITY: {
        pb_reader q;
        rc = first_field_bytes(&q, &sub);
        if (!rc)
            rc = new_string(&v, &q);
        break;
    }
    default: /* K8SC__PB_RAWJSON */
        rc = new_rawjson(&v, &sub);
        if (!rc && !v)
            return 0;
        break;
    }
    if (rc)
        return rc;
    /* A zero Time stays as Go's null; everything else decoded here is present. */
    if (!v && !(f->flags & K8SC__PB_REPEATED)) {
        if (json_object_object_add(obj, f->json, NULL) != 0)
            return k8sc__error_nomem();
        return 0;
    }
    return put(obj, f, v, false);
}

static const k8sc__pb_field *find_field(const k8sc__pb_message *m, uint32_t number)
{
    for (size_t i = 0; i < m->nfields; i++)
        if (m->fields[i].number == number)
            return &m->fields[i];
    return NULL;
}

static int decode_message(struct json_object *obj, const k8sc__pb_message *m, pb_reader *r, int depth)
{
    if (depth > PB_MAX_DEPTH)
        return k8sc_error_set(K8SC_ERANGE, "protobuf: messages nested deeper than %d at byte %zu", PB_MAX_DEPTH,
            r->base);
    while (r->pos < r->len) {
        size_t at = r->pos;
        uint32_t number = 0;
        unsigned wire = 0;
        int rc = read_tag(r, &number, &wire);
        if (rc)
            return rc;
        const k8sc__pb_field *f = find_field(m, number);
        /* Fields newer than our tables are skipped, as an older server would. */
        rc = f ? decode_field(obj, m, f, r, at, wire, depth) : skip_field(r, wire);
        if (rc)
            return rc;
    }
    return 0;
}

static const k8sc__pb_kind_entry *lookup(const char *api_version, size_t av_len, const char *kind, size_t kind_len)
{
    for (size_t t = 0; t < K8SC__ARRAY_LEN(kind_tables); t++)
        for (const k8sc__pb_kind_entry *e = kind_tables[t]; e->kind; e++)
            if (strlen(e->api_version) == av_len && memcmp(e->api_version, api_version, av_len) == 0 &&
                strlen(e->kind) == kind_len && memcmp(e->kind, kind, kind_len) == 0)
                return e;
    return NULL;
}

bool k8sc_protobuf_known(const char *api_version, const char *kind)
{
    return api_version && kind && lookup(api_version, strlen(api_version), kind, strlen(kind)) != NULL;
}

/* The envelope's fields: typeMeta, raw, contentEncoding. */
static int read_envelope(pb_reader *r, pb_reader *av, pb_reader *kind, pb_reader *raw, pb_reader *enc)
{
    while (r->pos < r->len) {
        uint32_t number = 0;
        unsigned wire = 0;
        size_t at = r->pos;
        int rc = read_tag(r, &number, &wire);
        if (rc)
            return rc;
        if (number >= 1 && number <= 3 && wire != WIRE_LEN) {
            r->pos = at;
            return pb_error(r, "envelope field is not length-delimited");
        }
        if (number == 1) {
            pb_reader tm;
            if ((rc = read_len(r, &tm)) != 0)
                return rc;
            while (!rc && tm.pos < tm.len) {
                at = tm.pos;
                if ((rc = read_tag(&tm, &number, &wire)) != 0)
                    break;
                if ((number == 1 || number == 2) && wire != WIRE_LEN) {
                    tm.pos = at;
                    rc = pb_error(&tm, "typeMeta field is not length-delimited");
                } else if (number == 1 || number == 2) {
                    rc = read_len(&tm, number == 1 ? av : kind);
                } else {
                    rc = skip_field(&tm, wire);
                }
            }
        } else if (number == 2 || number == 3) {
            rc = read_len(r, number == 2 ? raw : enc);
        } else {
            rc = skip_field(r, wire);
        }
        if (rc)
            return rc;
    }
    return 0;
}

int k8sc_protobuf_decode(struct json_object **out, const void *buf, size_t len)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    K8SC__CHECK_ARG(buf || len == 0);
    if (len > K8SC_CODEC_MAX_INPUT)
        return k8sc_error_set(K8SC_ERANGE, "protobuf: body of %zu bytes exceeds the limit", len);
    if (len < 4 || memcmp(buf, "k8s\0", 4) != 0)
        return k8sc_error_set(K8SC_EINVAL, "protobuf: missing the \"k8s\\x00\" prefix at byte 0");
    pb_reader r = { (const uint8_t *)buf + 4, len - 4, 0, 4 };
    pb_reader av = { (const uint8_t *)"", 0, 0, 0 }, kind = av, raw = av, enc = av;
    int rc = read_envelope(&r, &av, &kind, &raw, &enc);
    if (rc)
        return rc;
    if (enc.len)
        return k8sc_error_set(K8SC_EINVAL, "protobuf: unsupported contentEncoding at byte %zu", enc.base);
    if (!kind.len)
        return k8sc_error_set(K8SC_EINVAL, "protobuf: the envelope names no kind at byte %zu", len);
    const k8sc__pb_kind_entry *e = lookup((const char *)av.p, av.len, (const char *)kind.p, kind.len);
    if (!e)
        return k8sc_error_set(K8SC_ENOTFOUND, "protobuf: no schema for %.*s, Kind=%.*s", (int)av.len,
            (const char *)av.p, (int)kind.len, (const char *)kind.p);
    struct json_object *obj = json_object_new_object();
    if (!obj)
        return k8sc__error_nomem();
    struct json_object *a = json_object_new_string(e->api_version), *k = json_object_new_string(e->kind);
    if (!a || !k || json_object_object_add(obj, "apiVersion", a) != 0) {
        json_object_put(a);
        json_object_put(k);
        json_object_put(obj);
        return k8sc__error_nomem();
    }
    if (json_object_object_add(obj, "kind", k) != 0) {
        json_object_put(k);
        json_object_put(obj);
        return k8sc__error_nomem();
    }
    rc = decode_message(obj, e->msg, &raw, 0);
    if (rc) {
        json_object_put(obj);
        return rc;
    }
    *out = obj;
    return 0;
}
