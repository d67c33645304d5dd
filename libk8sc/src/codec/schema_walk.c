/*
 * Unknown and duplicate fields of built-in kinds, as the strict decoding
 * of sigs.k8s.io/json reports them, with the protobuf schema tables
 * (protobuf_schema_*.c) standing in for the Go types: each table lists a
 * message's fields with their JSON names.
 */
#include "codec/schema_walk.h"
#include "codec/protobuf_internal.h"

#include <string.h>

/* Deeper bodies are not Kubernetes objects; the JSON decoder bounds them anyway. */
#define MAX_DEPTH 100

static const k8sc__pb_kind_entry *const tables[] = {
    k8sc__pb_kinds_core, k8sc__pb_kinds_apps, k8sc__pb_kinds_auth, k8sc__pb_kinds_misc,
};

static const k8sc__pb_message *kind_message(const char *api_version, const char *kind)
{
    if (!api_version || !kind)
        return NULL;
    for (size_t t = 0; t < K8SC__ARRAY_LEN(tables); t++)
        for (const k8sc__pb_kind_entry *e = tables[t]; e->kind; e++)
            if (strcmp(e->api_version, api_version) == 0 && strcmp(e->kind, kind) == 0)
                return e->msg;
    return NULL;
}

const k8sc__pb_kind_entry *k8sc__schema_kind_at(size_t i)
{
    for (size_t t = 0; t < K8SC__ARRAY_LEN(tables); t++)
        for (const k8sc__pb_kind_entry *e = tables[t]; e->kind; e++)
            if (i-- == 0)
                return e;
    return NULL;
}

bool k8sc__schema_known(const char *api_version, const char *kind)
{
    return kind_message(api_version, kind) != NULL;
}

/* The field named `key`, looking into inlined messages; *open set when an inlined partial message could hold it. */
static const k8sc__pb_field *find_json(const k8sc__pb_message *m, const char *key, bool *open)
{
    for (size_t i = 0; i < m->nfields; i++) {
        const k8sc__pb_field *f = &m->fields[i];
        if (f->kind == K8SC__PB_INLINE) {
            if (f->flags & K8SC__PB_OPEN)
                *open = true;
            const k8sc__pb_field *in = find_json(f->msg, key, open);
            if (in)
                return in;
        } else if (f->json && strcmp(f->json, key) == 0) {
            return f;
        }
    }
    return NULL;
}

typedef struct {
    unsigned flags;
    struct json_object *unknown;
    k8sc__buf path;
} walker;

static int add_path(struct json_object *arr, const char *path)
{
    struct json_object *s = json_object_new_string(path);
    if (!s || json_object_array_add(arr, s) != 0) {
        json_object_put(s);
        return k8sc__error_nomem();
    }
    return 0;
}

static int walk(walker *w, struct json_object *obj, const k8sc__pb_message *m, bool open, bool top, int depth);

static int walk_value(walker *w, struct json_object *v, const k8sc__pb_field *f, int depth)
{
    if (f->kind != K8SC__PB_MESSAGE || !v)
        return 0;
    bool open = (f->flags & K8SC__PB_OPEN) != 0;
    if (!(f->flags & K8SC__PB_REPEATED))
        return json_object_is_type(v, json_type_object) ? walk(w, v, f->msg, open, false, depth + 1) : 0;
    if (!json_object_is_type(v, json_type_array))
        return 0;
    size_t base = w->path.len;
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        struct json_object *el = json_object_array_get_idx(v, i);
        if (!json_object_is_type(el, json_type_object))
            continue;
        k8sc__buf_printf(&w->path, "[%zu]", i);
        int rc = k8sc__buf_status(&w->path) ? K8SC_ENOMEM : walk(w, el, f->msg, open, false, depth + 1);
        w->path.len = base;
        w->path.ptr[base] = '\0';
        if (rc)
            return rc;
    }
    return 0;
}

static int walk(walker *w, struct json_object *obj, const k8sc__pb_message *m, bool open, bool top, int depth)
{
    if (depth > MAX_DEPTH)
        return 0;
    size_t n = json_object_object_length(obj), ndrop = 0;
    const char **drop = n ? k8sc__calloc(n, sizeof(*drop)) : NULL;
    if (n && !drop)
        return K8SC_ENOMEM;
    int rc = 0;
    size_t base = w->path.len;
    json_object_object_foreach(obj, key, val) {
        if ((w->flags & K8SC__WALK_PATCH) && key[0] == '$')
            continue;
        if (top && (strcmp(key, "apiVersion") == 0 || strcmp(key, "kind") == 0))
            continue;
        bool in_open = open;
        const k8sc__pb_field *f = find_json(m, key, &in_open);
        if (base)
            k8sc__buf_putc(&w->path, '.');
        k8sc__buf_puts(&w->path, key);
        if (k8sc__buf_status(&w->path))
            rc = K8SC_ENOMEM;
        else if (f && !val && (w->flags & K8SC__WALK_PRUNE) && strcmp(key, "creationTimestamp") == 0)
            /* Go's zero Time, as clients write templates' metadata: the same as none. */
            drop[ndrop++] = key;
        else if (f)
            rc = walk_value(w, val, f, depth);
        else if (!in_open) {
            rc = w->unknown ? add_path(w->unknown, w->path.ptr) : 0;
            drop[ndrop++] = key;
        }
        w->path.len = base;
        if (w->path.ptr)
            w->path.ptr[base] = '\0';
        if (rc)
            break;
    }
    /* Keys are removed after the iteration, which removal would disturb. */
    for (size_t i = 0; !rc && (w->flags & K8SC__WALK_PRUNE) && i < ndrop; i++)
        json_object_object_del(obj, drop[i]);
    k8sc_free(drop);
    return rc;
}

int k8sc__schema_unknown(struct json_object *root, const char *api_version, const char *kind, unsigned flags,
    struct json_object *unknown)
{
    const k8sc__pb_message *m = kind_message(api_version, kind);
    if (!m)
        return K8SC_ENOTFOUND;
    if (!json_object_is_type(root, json_type_object))
        return 0;
    walker w = { flags, unknown, K8SC__BUF_INIT };
    int rc = k8sc__buf_puts(&w.path, "") ? K8SC_ENOMEM : walk(&w, root, m, false, true, 0);
    k8sc__buf_free(&w.path);
    return rc;
}

/* ---- duplicate keys ---------------------------------------------------- */

typedef struct {
    const char *s;
    size_t len, pos;
    k8sc__buf path;
    struct json_object *out;
    bool bad; /* malformed: stop quietly */
} scanner;

static void skip_ws(scanner *sc)
{
    while (sc->pos < sc->len && strchr(" \t\r\n", sc->s[sc->pos]) && sc->s[sc->pos])
        sc->pos++;
}

/* A string token's raw contents (escapes kept), from after the opening quote; pos ends past the closing one. */
static bool string_token(scanner *sc, size_t *start, size_t *end)
{
    *start = ++sc->pos;
    while (sc->pos < sc->len && sc->s[sc->pos] != '"')
        sc->pos += sc->s[sc->pos] == '\\' ? 2 : 1;
    if (sc->pos >= sc->len) {
        sc->bad = true;
        return false;
    }
    *end = sc->pos++;
    return true;
}

static int scan_value(scanner *sc, int depth);

static void truncate_path(scanner *sc, size_t base)
{
    sc->path.len = base;
    if (sc->path.ptr)
        sc->path.ptr[base] = '\0';
}

static int scan_object(scanner *sc, int depth)
{
    struct json_object *seen = json_object_new_object();
    if (!seen)
        return k8sc__error_nomem();
    size_t base = sc->path.len;
    int rc = 0;
    sc->pos++;
    skip_ws(sc);
    if (sc->pos < sc->len && sc->s[sc->pos] == '}') {
        sc->pos++;
        json_object_put(seen);
        return 0;
    }
    while (!rc && !sc->bad) {
        skip_ws(sc);
        size_t ks, ke;
        if (sc->pos >= sc->len || sc->s[sc->pos] != '"' || !string_token(sc, &ks, &ke)) {
            sc->bad = true;
            break;
        }
        if (base)
            k8sc__buf_putc(&sc->path, '.');
        k8sc__buf_put(&sc->path, sc->s + ks, ke - ks);
        const char *key = sc->path.ptr ? sc->path.ptr + base + (base ? 1 : 0) : "";
        if (k8sc__buf_status(&sc->path))
            rc = K8SC_ENOMEM;
        else if (json_object_object_get_ex(seen, key, NULL))
            rc = add_path(sc->out, sc->path.ptr);
        else if (json_object_object_add(seen, key, NULL) != 0)
            rc = k8sc__error_nomem();
        skip_ws(sc);
        if (!rc && (sc->pos >= sc->len || sc->s[sc->pos] != ':'))
            sc->bad = true;
        if (!rc && !sc->bad) {
            sc->pos++;
            rc = scan_value(sc, depth + 1);
        }
        truncate_path(sc, base);
        skip_ws(sc);
        if (rc || sc->bad || sc->pos >= sc->len) {
            sc->bad = sc->bad || sc->pos >= sc->len;
            break;
        }
        if (sc->s[sc->pos++] == '}')
            break;
        if (sc->s[sc->pos - 1] != ',')
            sc->bad = true;
    }
    json_object_put(seen);
    return rc;
}

static int scan_array(scanner *sc, int depth)
{
    size_t base = sc->path.len;
    int rc = 0;
    sc->pos++;
    skip_ws(sc);
    if (sc->pos < sc->len && sc->s[sc->pos] == ']') {
        sc->pos++;
        return 0;
    }
    for (size_t i = 0; !rc && !sc->bad; i++) {
        k8sc__buf_printf(&sc->path, "[%zu]", i);
        rc = k8sc__buf_status(&sc->path) ? K8SC_ENOMEM : scan_value(sc, depth + 1);
        truncate_path(sc, base);
        skip_ws(sc);
        if (rc || sc->bad || sc->pos >= sc->len) {
            sc->bad = sc->bad || sc->pos >= sc->len;
            break;
        }
        if (sc->s[sc->pos++] == ']')
            break;
        if (sc->s[sc->pos - 1] != ',')
            sc->bad = true;
    }
    return rc;
}

static int scan_value(scanner *sc, int depth)
{
    skip_ws(sc);
    if (sc->pos >= sc->len || depth > MAX_DEPTH) {
        sc->bad = true;
        return 0;
    }
    char c = sc->s[sc->pos];
    if (c == '{')
        return scan_object(sc, depth);
    if (c == '[')
        return scan_array(sc, depth);
    if (c == '"') {
        size_t a, b;
        string_token(sc, &a, &b);
        return 0;
    }
    while (sc->pos < sc->len && !strchr(",}] \t\r\n", sc->s[sc->pos]) && sc->s[sc->pos])
        sc->pos++;
    return 0;
}

int k8sc__json_duplicates(const char *text, size_t len, struct json_object *out)
{
    if (!text || !out)
        return 0;
    scanner sc = { text, len, 0, K8SC__BUF_INIT, out, false };
    int rc = k8sc__buf_puts(&sc.path, "") ? K8SC_ENOMEM : scan_value(&sc, 0);
    k8sc__buf_free(&sc.path);
    return rc;
}
