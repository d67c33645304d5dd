/*
 * RFC 6902 JSON patch over RFC 6901 pointers. Strict where the RFC is,
 * except that `replace` of a missing member of an existing object adds it,
 * which Kubernetes (evanphx/json-patch v4) accepts and users rely on.
 */
#include "patch_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Kubernetes' limit on operations per patch. */
#define MAX_OPS 10000
/* Bound on the values all `copy` operations of one patch may add. */
#define MAX_COPIED 1000000u

typedef struct {
    size_t index;
    const char *op, *path; /* for messages; NULL until known */
    size_t copied;
} jpatch;

K8SC_PRINTF(3, 4)
static int fail(const jpatch *j, int code, const char *fmt, ...)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "jsonpatch: operation %zu", j->index);
    if (j->op && j->path)
        k8sc__buf_printf(&b, " (%s %s)", j->op, j->path);
    else if (j->op)
        k8sc__buf_printf(&b, " (%s)", j->op);
    k8sc__buf_puts(&b, ": ");
    va_list ap;
    va_start(ap, fmt);
    k8sc__buf_vprintf(&b, fmt, ap);
    va_end(ap);
    int rc = k8sc__buf_status(&b) ? k8sc__error_nomem() : k8sc_error_set(code, "%s", b.ptr);
    k8sc__buf_free(&b);
    return rc;
}

/* A parsed pointer: unescaped segments and where each ends in the text. */
typedef struct {
    const char *text;
    char **seg;
    size_t *end;
    size_t n;
} pointer;

static void pointer_free(pointer *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->seg[i]);
    free(p->seg);
    free(p->end);
    memset(p, 0, sizeof(*p));
}

static int pointer_parse(const jpatch *j, pointer *p, const char *text, const char *member)
{
    memset(p, 0, sizeof(*p));
    p->text = text;
    if (!*text)
        return 0;
    if (*text != '/')
        return fail(j, K8SC_EINVAL, "\"%s\" must be empty or start with '/': \"%s\"", member, text);
    size_t count = 0;
    for (const char *c = text; *c; c++)
        count += *c == '/';
    p->seg = k8sc__calloc(count, sizeof(*p->seg));
    p->end = k8sc__calloc(count, sizeof(*p->end));
    if (!p->seg || !p->end) {
        pointer_free(p);
        return K8SC_ENOMEM;
    }
    const char *s = text + 1;
    for (size_t i = 0; i < count; i++) {
        size_t len = strcspn(s, "/");
        char *seg = k8sc__malloc(len + 1), *w = seg;
        if (!seg) {
            pointer_free(p);
            return K8SC_ENOMEM;
        }
        p->seg[p->n++] = seg;
        for (size_t k = 0; k < len; k++) {
            if (s[k] != '~') {
                *w++ = s[k];
            } else if (k + 1 < len && (s[k + 1] == '0' || s[k + 1] == '1')) {
                *w++ = s[++k] == '0' ? '~' : '/';
            } else {
                int rc = fail(j, K8SC_EINVAL, "\"%s\" has an invalid escape at offset %zu: \"%s\" (use ~0 for '~', ~1 for '/')",
                    member, (size_t)(s + k - text), text);
                pointer_free(p);
                return rc;
            }
        }
        *w = '\0';
        s += len;
        p->end[i] = (size_t)(s - text);
        if (*s == '/')
            s++;
    }
    return 0;
}

/* `prefix` segments of `p` as written, for messages. */
static const char *prefix_text(const pointer *p, size_t prefix, char *buf, size_t size)
{
    size_t len = prefix ? p->end[prefix - 1] : 0;
    if (len >= size)
        len = size - 1;
    memcpy(buf, p->text, len);
    buf[len] = '\0';
    return buf;
}

/* An array index: "0" or digits without a leading zero; "-" (past the end) when `allow_end`. */
static int parse_index(const jpatch *j, const char *seg, size_t len, bool allow_end, size_t *out)
{
    if (strcmp(seg, "-") == 0) {
        if (!allow_end)
            return fail(j, K8SC_EINVAL, "array index \"-\" (past the end) can only be added to");
        *out = len;
        return 0;
    }
    size_t n = strlen(seg), v = 0;
    bool ok = n > 0 && n <= 18 && (n == 1 || seg[0] != '0');
    for (size_t i = 0; ok && i < n; i++) {
        ok = seg[i] >= '0' && seg[i] <= '9';
        v = v * 10 + (size_t)(seg[i] - '0');
    }
    if (!ok)
        return fail(j, K8SC_EINVAL, "invalid array index \"%s\"", seg);
    *out = v;
    return 0;
}

/* The error for a pointer that goes through `v`, the scalar at its first `prefix` segments. */
static int not_container(const jpatch *j, const pointer *p, size_t prefix, const struct json_object *v)
{
    char where[512];
    const char *at = prefix_text(p, prefix, where, sizeof(where));
    return fail(j, K8SC_EINVAL, "path not found: %s is %s, not an object or array", at[0] ? at : "the document",
        k8sc__json_type_name(v));
}

/* The value at the first `n` segments of `p` in `doc` (borrowed), or an error naming what is missing. */
static int resolve(const jpatch *j, struct json_object *doc, const pointer *p, size_t n, struct json_object **out)
{
    char where[512];
    struct json_object *v = doc;
    for (size_t i = 0; i < n; i++) {
        if (json_object_is_type(v, json_type_object)) {
            if (!json_object_object_get_ex(v, p->seg[i], &v))
                return fail(j, K8SC_EINVAL, "path not found: %s", prefix_text(p, i + 1, where, sizeof(where)));
        } else if (json_object_is_type(v, json_type_array)) {
            size_t idx, len = json_object_array_length(v);
            int rc = parse_index(j, p->seg[i], len, false, &idx);
            if (rc != 0)
                return rc;
            if (idx >= len)
                return fail(j, K8SC_EINVAL, "path not found: %s (index %zu out of range, the array has %zu elements)",
                    prefix_text(p, i + 1, where, sizeof(where)), idx, len);
            v = json_object_array_get_idx(v, idx);
        } else {
            return not_container(j, p, i, v);
        }
    }
    *out = v;
    return 0;
}

/* The container holding the target of `p` (its last segment names the member or index). */
static int resolve_parent(const jpatch *j, struct json_object *doc, const pointer *p, struct json_object **parent)
{
    int rc = resolve(j, doc, p, p->n - 1, parent);
    if (rc == 0 && !json_object_is_type(*parent, json_type_object) && !json_object_is_type(*parent, json_type_array))
        rc = not_container(j, p, p->n - 1, *parent);
    return rc;
}

/* Insert `value` (owned) at `idx` <= length of `array`. */
static int array_insert(struct json_object *array, size_t idx, struct json_object *value)
{
    size_t len = json_object_array_length(array);
    if (json_object_array_add(array, NULL) != 0) {
        json_object_put(value);
        return k8sc__error_nomem();
    }
    /* put_idx releases what it overwrites, so each moved element gets a reference first. */
    for (size_t i = len; i > idx; i--)
        json_object_array_put_idx(array, i, json_object_get(json_object_array_get_idx(array, i - 1)));
    json_object_array_put_idx(array, idx, value);
    return 0;
}

/* Add `value` (owned) at `p`, replacing the whole document for "". */
static int do_add(const jpatch *j, struct json_object **doc, const pointer *p, struct json_object *value, bool replace)
{
    int rc = 0;
    if (p->n > K8SC_CODEC_MAX_DEPTH || k8sc__json_depth(value, K8SC_CODEC_MAX_DEPTH) > K8SC_CODEC_MAX_DEPTH - (int)p->n)
        rc = fail(j, K8SC_ERANGE, "the result would nest deeper than %d levels", K8SC_CODEC_MAX_DEPTH);
    if (rc == 0 && p->n == 0) {
        json_object_put(*doc);
        *doc = value;
        return 0;
    }
    struct json_object *parent = NULL;
    if (rc == 0)
        rc = resolve_parent(j, *doc, p, &parent);
    if (rc != 0) {
        json_object_put(value);
        return rc;
    }
    const char *seg = p->seg[p->n - 1];
    if (json_object_is_type(parent, json_type_object))
        return k8sc__json_set(parent, seg, value);
    size_t idx, len = json_object_array_length(parent);
    rc = parse_index(j, seg, len, !replace, &idx);
    if (rc == 0 && (replace ? idx >= len : idx > len))
        rc = fail(j, K8SC_EINVAL, "index %zu out of range, the array has %zu elements", idx, len);
    if (rc != 0) {
        json_object_put(value);
        return rc;
    }
    if (replace) {
        json_object_array_put_idx(parent, idx, value);
        return 0;
    }
    return array_insert(parent, idx, value);
}

/* Remove the value at `p`; with `taken`, hand it over instead of freeing it. */
static int do_remove(const jpatch *j, struct json_object **doc, const pointer *p, struct json_object **taken)
{
    char where[512];
    struct json_object *parent, *v = NULL;
    if (p->n == 0)
        return fail(j, K8SC_EINVAL, "the whole document cannot be removed");
    int rc = resolve_parent(j, *doc, p, &parent);
    if (rc != 0)
        return rc;
    const char *seg = p->seg[p->n - 1];
    if (json_object_is_type(parent, json_type_object)) {
        if (!json_object_object_get_ex(parent, seg, &v))
            return fail(j, K8SC_EINVAL, "path not found: %s", prefix_text(p, p->n, where, sizeof(where)));
        if (taken)
            *taken = json_object_get(v);
        json_object_object_del(parent, seg);
        return 0;
    }
    size_t idx, len = json_object_array_length(parent);
    rc = parse_index(j, seg, len, false, &idx);
    if (rc == 0 && idx >= len)
        rc = fail(j, K8SC_EINVAL, "path not found: %s (index %zu out of range, the array has %zu elements)",
            prefix_text(p, p->n, where, sizeof(where)), idx, len);
    if (rc != 0)
        return rc;
    if (taken)
        *taken = json_object_get(json_object_array_get_idx(parent, idx));
    json_object_array_del_idx(parent, idx, 1);
    return 0;
}

/* A required string member of an operation. */
static int member_string(const jpatch *j, const struct json_object *op, const char *name, const char **out)
{
    struct json_object *v;
    if (!k8sc__json_get(op, name, &v))
        return fail(j, K8SC_EINVAL, "missing \"%s\"", name);
    if (!json_object_is_type(v, json_type_string))
        return fail(j, K8SC_EINVAL, "\"%s\" must be a string, got %s", name, k8sc__json_type_name(v));
    *out = json_object_get_string(v);
    return 0;
}

/* Whether segments of `a` are a proper prefix of those of `b`. */
static bool proper_prefix(const pointer *a, const pointer *b)
{
    if (a->n >= b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->seg[i], b->seg[i]) != 0)
            return false;
    return true;
}

static bool same_pointer(const pointer *a, const pointer *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->seg[i], b->seg[i]) != 0)
            return false;
    return true;
}

static int apply_op(jpatch *j, struct json_object **doc, const struct json_object *op)
{
    static const char *const names[] = { "add", "remove", "replace", "move", "copy", "test" };
    enum { ADD, REMOVE, REPLACE, MOVE, COPY, TEST, UNKNOWN } kind = UNKNOWN;
    const char *name, *path, *from = NULL;
    pointer p, f = { 0 };
    struct json_object *value = NULL, *v, *c;

    if (!json_object_is_type(op, json_type_object))
        return fail(j, K8SC_EINVAL, "an operation must be a JSON object, got %s", k8sc__json_type_name(op));
    int rc = member_string(j, op, "op", &name);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(names); i++)
        if (strcmp(name, names[i]) == 0)
            kind = (int)i;
    if (kind == UNKNOWN)
        return fail(j, K8SC_EINVAL, "unknown op \"%s\" (want add, remove, replace, move, copy or test)", name);
    j->op = names[kind];
    if ((rc = member_string(j, op, "path", &path)) != 0)
        return rc;
    j->path = path;
    if ((kind == ADD || kind == REPLACE || kind == TEST) && !k8sc__json_get(op, "value", &value))
        return fail(j, K8SC_EINVAL, "missing \"value\"");
    if ((kind == MOVE || kind == COPY) && (rc = member_string(j, op, "from", &from)) != 0)
        return rc;
    if ((rc = pointer_parse(j, &p, path, "path")) != 0)
        return rc;
    if (from && (rc = pointer_parse(j, &f, from, "from")) != 0) {
        pointer_free(&p);
        return rc;
    }

    switch (kind) {
    case ADD:
    case REPLACE:
        if ((rc = k8sc__json_copy(&v, value)) == 0)
            rc = do_add(j, doc, &p, v, kind == REPLACE);
        break;
    case REMOVE:
        rc = do_remove(j, doc, &p, NULL);
        break;
    case MOVE:
        if (same_pointer(&f, &p)) {
            rc = resolve(j, *doc, &f, f.n, &v);
        } else if (proper_prefix(&f, &p)) {
            rc = fail(j, K8SC_EINVAL, "cannot move \"%s\" into itself", from);
        } else if ((rc = do_remove(j, doc, &f, &v)) == 0) {
            rc = do_add(j, doc, &p, v, false);
        }
        break;
    case COPY:
        if ((rc = resolve(j, *doc, &f, f.n, &v)) != 0)
            break;
        j->copied += k8sc__json_count(v, MAX_COPIED);
        if (j->copied > MAX_COPIED) {
            rc = fail(j, K8SC_ERANGE, "copies add more than %u values", MAX_COPIED);
            break;
        }
        if ((rc = k8sc__json_copy(&c, v)) == 0)
            rc = do_add(j, doc, &p, c, false);
        break;
    case TEST:
        if ((rc = resolve(j, *doc, &p, p.n, &v)) == 0 && !k8sc__json_equal(v, value)) {
            k8sc__buf have = K8SC__BUF_INIT, want = K8SC__BUF_INIT;
            k8sc__json_describe(&have, v);
            k8sc__json_describe(&want, value);
            rc = k8sc__buf_status(&have) || k8sc__buf_status(&want)
                ? k8sc__error_nomem()
                : fail(j, K8SC_EINVAL, "test failed: the value is %s, not %s", have.ptr, want.ptr);
            k8sc__buf_free(&have);
            k8sc__buf_free(&want);
        }
        break;
    case UNKNOWN:
        break;
    }
    pointer_free(&p);
    pointer_free(&f);
    return rc;
}

int k8sc_patch_json_apply(struct json_object **out, const struct json_object *original,
    const struct json_object *ops)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    if (!json_object_is_type(ops, json_type_array))
        return k8sc_error_set(K8SC_EINVAL, "jsonpatch: the patch must be a JSON array of operations, got %s",
            k8sc__json_type_name(ops));
    size_t n = json_object_array_length(ops);
    if (n > MAX_OPS)
        return k8sc_error_set(K8SC_ERANGE, "jsonpatch: the allowed maximum operations in a JSON patch is %d, got %zu",
            MAX_OPS, n);
    int rc = k8sc__json_check_depth(original, 0, "jsonpatch: the original document");
    if (rc == 0)
        rc = k8sc__json_check_depth(ops, 0, "jsonpatch: the patch");
    struct json_object *doc = NULL;
    if (rc == 0)
        rc = k8sc__json_copy(&doc, original);
    jpatch j = { 0, NULL, NULL, 0 };
    for (size_t i = 0; rc == 0 && i < n; i++) {
        j.index = i;
        j.op = j.path = NULL;
        rc = apply_op(&j, &doc, json_object_array_get_idx(ops, i));
    }
    if (rc != 0) {
        json_object_put(doc);
        return rc;
    }
    *out = doc;
    return 0;
}
