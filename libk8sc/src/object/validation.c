/*
 * Name, label, annotation and ObjectMeta validation with the messages of
 * Kubernetes 1.32 (k8s.io/apimachinery/pkg/util/validation and
 * pkg/api/validation), which reach kubectl users word for word. The
 * patterns are matched by hand: they are simple and this runs on every
 * write.
 */
#include "validation_internal.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* RegexError() in Kubernetes joins examples with "', " + " or ", hence the double spaces. */
#define DNS1123_LABEL_FMT "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#define DNS1123_LABEL_ERR \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', " \
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', " \
    "regex used for validation is '" DNS1123_LABEL_FMT "')"
#define DNS1123_SUBDOMAIN_FMT DNS1123_LABEL_FMT "(\\." DNS1123_LABEL_FMT ")*"
#define DNS1123_SUBDOMAIN_ERR \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " \
    "and must start and end with an alphanumeric character (e.g. 'example.com', " \
    "regex used for validation is '" DNS1123_SUBDOMAIN_FMT "')"
#define DNS1035_LABEL_FMT "[a-z]([-a-z0-9]*[a-z0-9])?"
#define DNS1035_LABEL_ERR \
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an " \
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', " \
    "regex used for validation is '" DNS1035_LABEL_FMT "')"
#define QNAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_ERR \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', " \
    "regex used for validation is '" QNAME_FMT "')"
#define QNAME_SLASHES_ERR \
    "a qualified name " QNAME_ERR " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
#define LABEL_VALUE_FMT "(" QNAME_FMT ")?"
#define LABEL_VALUE_ERR \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', " \
    "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', " \
    "regex used for validation is '" LABEL_VALUE_FMT "')"
#define EMPTY_ERR "must be non-empty"

#define DNS1123_LABEL_MAX 63
#define DNS1123_SUBDOMAIN_MAX 253
#define DNS1035_LABEL_MAX 63
#define QNAME_MAX 63
#define LABEL_VALUE_MAX 63
#define ANNOTATIONS_MAX_BYTES (256 * 1024)
#define FIELD_MANAGER_MAX 128
#define SUBRESOURCE_MAX 256

/*
 * Where the messages of one check go: each becomes an "Invalid value"
 * error on `field` showing `value`, which is not always the text checked
 * (annotation keys are checked lower-cased, generateName with its
 * trailing dash masked).
 */
typedef struct sink {
    k8sc_field_errors *errs; /* NULL: only count */
    const char *field;
    const char *value;
    size_t value_len;
    const char *prefix; /* put before each message, e.g. "name part " */
    int count;
    int rc; /* first failure to append */
} sink;

static sink sink_make(k8sc_field_errors *errs, const char *field, const char *value, size_t len)
{
    sink s = { errs, field, value, len, NULL, 0, 0 };
    return s;
}

static void emit(sink *s, const char *msg)
{
    s->count++;
    if (!s->errs || s->rc)
        return;
    k8sc__buf v = K8SC__BUF_INIT, d = K8SC__BUF_INIT;
    k8sc__buf_put_goquoted(&v, s->value, s->value_len);
    if (s->prefix)
        k8sc__buf_puts(&d, s->prefix);
    k8sc__buf_puts(&d, msg);
    s->rc = k8sc__buf_status(&v) ? K8SC_ENOMEM : k8sc__buf_status(&d);
    if (!s->rc)
        s->rc = k8sc__field_errors_add_rendered(s->errs, K8SC_FIELD_INVALID, s->field, v.ptr, d.ptr);
    k8sc__buf_free(&v);
    k8sc__buf_free(&d);
}

static int sink_result(const sink *s)
{
    return s->rc ? s->rc : s->count;
}

/* ---- Matchers ----------------------------------------------------------- */

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ */
static bool match_dns1123_label(const char *p, size_t n)
{
    if (n == 0 || !is_lower_alnum(p[0]) || !is_lower_alnum(p[n - 1]))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!is_lower_alnum(p[i]) && p[i] != '-')
            return false;
    return true;
}

/* Labels as above joined by single dots. */
static bool match_dns1123_subdomain(const char *p, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == '.') {
            if (!match_dns1123_label(p + start, i - start))
                return false;
            start = i + 1;
        }
    }
    return true;
}

/* ^[a-z]([-a-z0-9]*[a-z0-9])?$ */
static bool match_dns1035_label(const char *p, size_t n)
{
    return match_dns1123_label(p, n) && p[0] >= 'a' && p[0] <= 'z';
}

/* ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$ */
static bool match_qname_part(const char *p, size_t n)
{
    if (n == 0 || !is_alnum(p[0]) || !is_alnum(p[n - 1]))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!is_alnum(p[i]) && p[i] != '-' && p[i] != '_' && p[i] != '.')
            return false;
    return true;
}

/* ---- Checks (IsDNS1123Label & co.) ----------------------------------------- */

static void check_dns1123_label(sink *s, const char *p, size_t n)
{
    if (n > DNS1123_LABEL_MAX)
        emit(s, "must be no more than 63 characters");
    if (!match_dns1123_label(p, n))
        emit(s, match_dns1123_subdomain(p, n) ? "must not contain dots" : DNS1123_LABEL_ERR);
}

static void check_dns1123_subdomain(sink *s, const char *p, size_t n)
{
    if (n > DNS1123_SUBDOMAIN_MAX)
        emit(s, "must be no more than 253 characters");
    if (!match_dns1123_subdomain(p, n))
        emit(s, DNS1123_SUBDOMAIN_ERR);
}

static void check_dns1035_label(sink *s, const char *p, size_t n)
{
    if (n > DNS1035_LABEL_MAX)
        emit(s, "must be no more than 63 characters");
    if (!match_dns1035_label(p, n))
        emit(s, DNS1035_LABEL_ERR);
}

static void check_qualified_name(sink *s, const char *p, size_t n)
{
    const char *saved = s->prefix;
    const char *name = p;
    size_t name_len = n;
    const char *slash = memchr(p, '/', n);
    if (slash) {
        size_t prefix_len = (size_t)(slash - p);
        name = slash + 1;
        name_len = n - prefix_len - 1;
        if (memchr(name, '/', name_len)) {
            emit(s, QNAME_SLASHES_ERR);
            return;
        }
        s->prefix = "prefix part ";
        if (prefix_len == 0)
            emit(s, EMPTY_ERR);
        else
            check_dns1123_subdomain(s, p, prefix_len);
    }
    s->prefix = "name part ";
    if (name_len == 0)
        emit(s, EMPTY_ERR);
    else if (name_len > QNAME_MAX)
        emit(s, "must be no more than 63 characters");
    if (!match_qname_part(name, name_len))
        emit(s, QNAME_ERR);
    s->prefix = saved;
}

static void check_label_value(sink *s, const char *p, size_t n)
{
    if (n > LABEL_VALUE_MAX)
        emit(s, "must be no more than 63 characters");
    if (n > 0 && !match_qname_part(p, n))
        emit(s, LABEL_VALUE_ERR);
}

/* path.ValidatePathSegmentName: a name that can be a REST path segment. */
static void check_path_segment(sink *s, const char *p, size_t n, bool prefix)
{
    if (!prefix && n == 1 && p[0] == '.') {
        emit(s, "may not be '.'");
        return;
    }
    if (!prefix && n == 2 && p[0] == '.' && p[1] == '.') {
        emit(s, "may not be '..'");
        return;
    }
    if (memchr(p, '/', n))
        emit(s, "may not contain '/'");
    if (memchr(p, '%', n))
        emit(s, "may not contain '%'");
}

/*
 * The ValidateNameFunc of `rule`. A prefix (generateName) is checked with
 * its trailing dash masked the way Kubernetes' maskTrailingDash does it:
 * the last *two* characters become "a". Faithfully odd.
 */
static void check_name(sink *s, k8sc_name_rule rule, const char *p, size_t n, bool prefix)
{
    if (rule == K8SC_NAME_PATH_SEGMENT) {
        check_path_segment(s, p, n, prefix);
        return;
    }
    k8sc__buf masked = K8SC__BUF_INIT;
    if (prefix && n > 1 && p[n - 1] == '-') {
        k8sc__buf_put(&masked, p, n - 2);
        k8sc__buf_putc(&masked, 'a');
        if (k8sc__buf_status(&masked) != 0) {
            s->rc = K8SC_ENOMEM;
            k8sc__buf_free(&masked);
            return;
        }
        p = masked.ptr;
        n = masked.len;
    }
    switch (rule) {
    case K8SC_NAME_DNS1123_LABEL: check_dns1123_label(s, p, n); break;
    case K8SC_NAME_DNS1035_LABEL: check_dns1035_label(s, p, n); break;
    default: check_dns1123_subdomain(s, p, n); break;
    }
    k8sc__buf_free(&masked);
}

/* ---- Reporting helpers ------------------------------------------------------ */

/* Add `r` (an error count or a negative code) to `total`; return on failure. */
#define TALLY(total, expr) \
    do { \
        int r_ = (expr); \
        if (r_ < 0) \
            return r_; \
        (total) += r_; \
    } while (0)

/* Report one error with a quoted string value; returns 1 or a negative code. */
static int report_str(k8sc_field_errors *errs, k8sc_field_error_type type, const char *field,
    const char *value, size_t len, const char *detail)
{
    if (!errs)
        return 1;
    k8sc__buf v = K8SC__BUF_INIT;
    if (value)
        k8sc__buf_put_goquoted(&v, value, len);
    int rc = k8sc__buf_status(&v);
    if (rc == 0)
        rc = k8sc__field_errors_add_rendered(errs, type, field, value ? v.ptr : NULL, detail);
    k8sc__buf_free(&v);
    return rc < 0 ? rc : 1;
}

/* Report one error showing a JSON value as Kubernetes prints it. */
static int report_json(k8sc_field_errors *errs, k8sc_field_error_type type, const char *field,
    const struct json_object *value, const char *detail)
{
    if (!errs)
        return 1;
    k8sc__buf v = K8SC__BUF_INIT;
    int rc = k8sc__field_value_render(&v, value);
    if (rc == 0)
        rc = k8sc__field_errors_add_rendered(errs, type, field, v.ptr, detail);
    k8sc__buf_free(&v);
    return rc < 0 ? rc : 1;
}

/* The OpenAPI name of a JSON value's type, as schema validation errors use it. */
static const char *json_type_word(const struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null: return "null";
    case json_type_boolean: return "boolean";
    case json_type_int: return "integer";
    case json_type_double: return "number";
    case json_type_string: return "string";
    case json_type_array: return "array";
    case json_type_object: return "object";
    }
    return "unknown";
}

/*
 * A value of the wrong JSON type, worded as the API server's schema
 * validation words it: `spec.x: Invalid value: "integer": spec.x in body
 * must be of type string: "integer"`.
 */
static int report_type(k8sc_field_errors *errs, const char *field, const char *want,
    const struct json_object *got)
{
    if (!errs)
        return 1;
    const char *word = json_type_word(got);
    k8sc__buf d = K8SC__BUF_INIT;
    k8sc__buf_printf(&d, "%s in body must be of type %s: \"%s\"", field, want, word);
    int rc = k8sc__buf_status(&d);
    if (rc == 0)
        rc = report_str(errs, K8SC_FIELD_TYPE_INVALID, field, word, strlen(word), d.ptr);
    k8sc__buf_free(&d);
    return rc;
}

/* A path with a suffix: "<base>[<index>]" or "<base>[<index>].<child>", or "<base>[<key>]". */
static char *path_index(const char *base, size_t index, const char *child)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s[%zu]", base, index);
    if (child)
        k8sc__buf_printf(&b, ".%s", child);
    return k8sc__buf_detach(&b, NULL);
}

static char *path_key(const char *base, const char *key)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s[%s]", base, key);
    return k8sc__buf_detach(&b, NULL);
}

/*
 * The string member `key` of `obj` into `p` and `n`: absent or null reads
 * as "" (as Go decodes it); another type is reported at `path` (counted
 * into *total) and reads as NULL, so that the caller adds nothing more
 * about a value it does not have. Returns 0 or a negative code.
 */
static int member_string(k8sc_field_errors *errs, const struct json_object *obj, const char *key,
    const char *path, const char **p, size_t *n, int *total)
{
    struct json_object *v = NULL;
    *p = "";
    *n = 0;
    if (!json_object_object_get_ex(obj, key, &v) || !v)
        return 0;
    if (json_object_is_type(v, json_type_string)) {
        *p = json_object_get_string(v);
        *n = (size_t)json_object_get_string_len(v);
        return 0;
    }
    *p = NULL;
    int rc = report_type(errs, path, "string", v);
    if (rc < 0)
        return rc;
    *total += rc;
    return 0;
}

/* ---- Public single-value validators ----------------------------------------- */

typedef void (*check_fn)(sink *s, const char *p, size_t n);

static int validate_one(k8sc_field_errors *errs, const char *field, const char *value, check_fn check)
{
    K8SC__CHECK_ARG(value);
    K8SC__CHECK_ARG(field || !errs);
    size_t n = strlen(value);
    sink s = sink_make(errs, field, value, n);
    check(&s, value, n);
    return sink_result(&s);
}

int k8sc_validate_dns1123_label(k8sc_field_errors *errs, const char *field, const char *value)
{
    return validate_one(errs, field, value, check_dns1123_label);
}

int k8sc_validate_dns1123_subdomain(k8sc_field_errors *errs, const char *field, const char *value)
{
    return validate_one(errs, field, value, check_dns1123_subdomain);
}

int k8sc_validate_dns1035_label(k8sc_field_errors *errs, const char *field, const char *value)
{
    return validate_one(errs, field, value, check_dns1035_label);
}

int k8sc_validate_qualified_name(k8sc_field_errors *errs, const char *field, const char *value)
{
    return validate_one(errs, field, value, check_qualified_name);
}

int k8sc_validate_label_value(k8sc_field_errors *errs, const char *field, const char *value)
{
    return validate_one(errs, field, value, check_label_value);
}

/* ---- Labels and annotations --------------------------------------------------- */

int k8sc_validate_labels(k8sc_field_errors *errs, const char *field, const struct json_object *labels)
{
    K8SC__CHECK_ARG(field || !errs);
    if (!labels)
        return 0;
    if (!json_object_is_type(labels, json_type_object))
        return report_type(errs, field, "object", labels);
    int total = 0;
    json_object_object_foreach((struct json_object *)labels, key, val) {
        size_t klen = strlen(key);
        sink s = sink_make(errs, field, key, klen);
        check_qualified_name(&s, key, klen);
        TALLY(total, sink_result(&s));
        if (!val)
            continue;
        if (!json_object_is_type(val, json_type_string)) {
            char *path = path_key(field ? field : "", key);
            if (!path)
                return K8SC_ENOMEM;
            int rc = report_type(errs, path, "string", val);
            free(path);
            TALLY(total, rc);
            continue;
        }
        const char *v = json_object_get_string(val);
        size_t vlen = (size_t)json_object_get_string_len(val);
        sink sv = sink_make(errs, field, v, vlen);
        check_label_value(&sv, v, vlen);
        TALLY(total, sink_result(&sv));
    }
    return total;
}

/*
 * strings.ToLower as Go applies it to annotation keys before checking
 * them: ASCII letters fold, and so do the two non-ASCII runes whose
 * lower case is ASCII (U+0130 'İ' -> 'i', U+212A KELVIN SIGN -> 'k');
 * an invalid byte becomes U+FFFD, which changes the length Kubernetes
 * measures. Other runes keep their bytes: they fail the check either way.
 */
static int go_lower(k8sc__buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c < 0x80) {
            k8sc__buf_putc(out, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
            i++;
            continue;
        }
        if (n - i >= 2 && c == 0xC4 && p[i + 1] == 0xB0) {
            k8sc__buf_putc(out, 'i');
            i += 2;
            continue;
        }
        if (n - i >= 3 && c == 0xE2 && p[i + 1] == 0x84 && p[i + 2] == 0xAA) {
            k8sc__buf_putc(out, 'k');
            i += 3;
            continue;
        }
        size_t len = 0;
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c >= 0xE0 && c <= 0xEF) len = 3;
        else if (c >= 0xF0 && c <= 0xF4) len = 4;
        bool ok = len && len <= n - i;
        unsigned long cp = len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
        for (size_t k = 1; ok && k < len; k++) {
            ok = (p[i + k] & 0xC0) == 0x80;
            cp = (cp << 6) | (p[i + k] & 0x3Fu);
        }
        if (ok && ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
                   (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))))
            ok = false;
        if (ok) {
            k8sc__buf_put(out, s + i, len);
            i += len;
        } else {
            k8sc__buf_puts(out, "\xEF\xBF\xBD");
            i++;
        }
    }
    return k8sc__buf_status(out);
}

int k8sc_validate_annotations(k8sc_field_errors *errs, const char *field, const struct json_object *annotations)
{
    K8SC__CHECK_ARG(field || !errs);
    if (!annotations)
        return 0;
    if (!json_object_is_type(annotations, json_type_object))
        return report_type(errs, field, "object", annotations);
    int total = 0;
    uint64_t size = 0;
    k8sc__buf lower = K8SC__BUF_INIT;
    json_object_object_foreach((struct json_object *)annotations, key, val) {
        size_t klen = strlen(key);
        size += klen;
        lower.len = 0;
        if (go_lower(&lower, key, klen) != 0) {
            k8sc__buf_free(&lower);
            return K8SC_ENOMEM;
        }
        /* The key shows as written; only the check sees it lower-cased. */
        sink s = sink_make(errs, field, key, klen);
        check_qualified_name(&s, lower.ptr ? lower.ptr : "", lower.len);
        int rc = sink_result(&s);
        if (rc >= 0 && val && !json_object_is_type(val, json_type_string)) {
            char *path = path_key(field ? field : "", key);
            int trc = path ? report_type(errs, path, "string", val) : K8SC_ENOMEM;
            free(path);
            rc = trc < 0 ? trc : rc + trc;
        } else if (val) {
            size += (uint64_t)json_object_get_string_len(val);
        }
        if (rc < 0) {
            k8sc__buf_free(&lower);
            return rc;
        }
        total += rc;
    }
    k8sc__buf_free(&lower);
    if (size > ANNOTATIONS_MAX_BYTES) {
        if (errs) {
            int rc = k8sc__field_errors_add_rendered(errs, K8SC_FIELD_TOO_LONG, field, NULL,
                "may not be more than 262144 bytes");
            if (rc < 0)
                return rc;
        }
        total++;
    }
    return total;
}

/* ---- ObjectMeta ------------------------------------------------------------------ */

/* One ownerReferences entry, read leniently: strings absent or null read as "". */
typedef struct owner_ref {
    const char *val[4]; /* apiVersion, kind, name, uid */
    size_t len[4];
    bool bad[4]; /* of the wrong type (already reported) */
    bool controller;
} owner_ref;

static const char *const owner_ref_fields[5] = { "apiVersion", "kind", "name", "uid", "controller" };

/* Read entry `i` into *out, reporting fields of the wrong type. Returns an error count or a negative code. */
static int read_owner_ref(k8sc_field_errors *errs, const struct json_object *ref, size_t i, owner_ref *out)
{
    int total = 0, rc = 0;
    char *paths[5] = { NULL };
    for (int k = 0; k < 5 && rc == 0; k++)
        if (!(paths[k] = path_index("metadata.ownerReferences", i, owner_ref_fields[k])))
            rc = K8SC_ENOMEM;
    for (int k = 0; k < 4; k++) {
        if (rc == 0)
            rc = member_string(errs, ref, owner_ref_fields[k], paths[k], &out->val[k], &out->len[k], &total);
        out->bad[k] = rc != 0 || !out->val[k];
        if (out->bad[k])
            out->val[k] = "";
    }
    out->controller = false;
    struct json_object *c = NULL;
    if (rc == 0 && json_object_object_get_ex(ref, "controller", &c) && c) {
        if (json_object_is_type(c, json_type_boolean))
            out->controller = json_object_get_boolean(c);
        else
            rc = report_type(errs, paths[4], "boolean", c);
        if (rc > 0)
            total += rc, rc = 0;
    }
    for (int k = 0; k < 5; k++)
        free(paths[k]);
    return rc < 0 ? rc : total;
}

/* validateOwnerReference. Its messages name the list, not the entry ("metadata.ownerReferences.uid"). */
static int check_owner_ref(k8sc_field_errors *errs, const struct json_object *ref, const owner_ref *r)
{
    int total = 0;
    /* schema.FromAPIVersionAndKind: "", "/", "g/" and "a/b/c" all leave the version empty. */
    const char *av = r->val[0];
    size_t av_len = r->len[0];
    const char *slash = memchr(av, '/', av_len);
    size_t after = slash ? av_len - (size_t)(slash - av) - 1 : 0;
    bool many = slash && memchr(slash + 1, '/', after);
    size_t version_len = many ? 0 : slash ? after : av_len;
    bool core_v1 = version_len == 2 && memcmp(av + av_len - 2, "v1", 2) == 0 && (!slash || slash == av);
    if (version_len == 0 && !r->bad[0])
        TALLY(total, report_str(errs, K8SC_FIELD_INVALID, "metadata.ownerReferences.apiVersion",
            av, av_len, "version must not be empty"));
    if (r->len[1] == 0 && !r->bad[1])
        TALLY(total, report_str(errs, K8SC_FIELD_INVALID, "metadata.ownerReferences.kind",
            r->val[1], 0, "kind must not be empty"));
    if (r->len[2] == 0 && !r->bad[2])
        TALLY(total, report_str(errs, K8SC_FIELD_INVALID, "metadata.ownerReferences.name",
            r->val[2], 0, "name must not be empty"));
    if (r->len[3] == 0 && !r->bad[3])
        TALLY(total, report_str(errs, K8SC_FIELD_INVALID, "metadata.ownerReferences.uid",
            r->val[3], 0, "uid must not be empty"));
    if (core_v1 && r->len[1] == 5 && memcmp(r->val[1], "Event", 5) == 0)
        TALLY(total, report_json(errs, K8SC_FIELD_INVALID, "metadata.ownerReferences", ref,
            "/v1, Kind=Event is disallowed from being an owner"));
    return total;
}

/* ValidateOwnerReferences: each entry well-formed, and at most one controller. */
static int validate_owner_refs(k8sc_field_errors *errs, const struct json_object *refs)
{
    const char *field = "metadata.ownerReferences";
    if (!refs)
        return 0;
    if (!json_object_is_type(refs, json_type_array))
        return report_type(errs, field, "array", refs);
    int total = 0, rc = 0;
    k8sc__buf first = K8SC__BUF_INIT; /* "Kind/name" of the first controller */
    bool have_first = false;
    size_t n = json_object_array_length(refs);
    for (size_t i = 0; i < n && rc >= 0; i++) {
        struct json_object *ref = json_object_array_get_idx(refs, i);
        if (!ref || !json_object_is_type(ref, json_type_object)) {
            char *p = path_index(field, i, NULL);
            rc = p ? report_type(errs, p, "object", ref) : K8SC_ENOMEM;
            free(p);
            if (rc > 0)
                total += rc;
            continue;
        }
        owner_ref r;
        if ((rc = read_owner_ref(errs, ref, i, &r)) < 0)
            break;
        total += rc;
        if ((rc = check_owner_ref(errs, ref, &r)) < 0)
            break;
        total += rc;
        if (!r.controller)
            continue;
        if (!have_first) {
            k8sc__buf_put(&first, r.val[1], r.len[1]);
            k8sc__buf_putc(&first, '/');
            k8sc__buf_put(&first, r.val[2], r.len[2]);
            have_first = true;
            rc = k8sc__buf_status(&first);
            continue;
        }
        k8sc__buf d = K8SC__BUF_INIT;
        k8sc__buf_printf(&d, "Only one reference can have Controller set to true. "
            "Found \"true\" in references for %s and ", first.ptr);
        k8sc__buf_put(&d, r.val[1], r.len[1]);
        k8sc__buf_putc(&d, '/');
        k8sc__buf_put(&d, r.val[2], r.len[2]);
        rc = k8sc__buf_status(&d);
        if (rc == 0)
            rc = report_json(errs, K8SC_FIELD_INVALID, field, refs, d.ptr);
        if (rc > 0)
            total += rc;
        k8sc__buf_free(&d);
    }
    k8sc__buf_free(&first);
    return rc < 0 ? rc : total;
}

/* Go's %#v of a []string, as 1.32 prints the list in the finalizer conflict error. */
static char *go_string_slice(const struct json_object *list)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_puts(&b, "[]string{");
    size_t n = json_object_array_length(list), shown = 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *f = json_object_array_get_idx(list, i);
        if (!json_object_is_type(f, json_type_string))
            continue;
        if (shown++)
            k8sc__buf_puts(&b, ", ");
        k8sc__buf_put_goquoted(&b, json_object_get_string(f), (size_t)json_object_get_string_len(f));
    }
    k8sc__buf_putc(&b, '}');
    return k8sc__buf_detach(&b, NULL);
}

/* ValidateFinalizers: qualified names, and not both orphan and foregroundDeletion. */
static int validate_finalizers(k8sc_field_errors *errs, const struct json_object *list)
{
    const char *field = "metadata.finalizers";
    if (!list)
        return 0;
    if (!json_object_is_type(list, json_type_array))
        return report_type(errs, field, "array", list);
    int total = 0;
    bool orphan = false, foreground = false;
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        struct json_object *f = json_object_array_get_idx(list, i);
        if (!json_object_is_type(f, json_type_string)) {
            char *p = path_index(field, i, NULL);
            int rc = p ? report_type(errs, p, "string", f) : K8SC_ENOMEM;
            free(p);
            TALLY(total, rc);
            continue;
        }
        const char *s = json_object_get_string(f);
        size_t len = (size_t)json_object_get_string_len(f);
        sink sk = sink_make(errs, field, s, len);
        check_qualified_name(&sk, s, len);
        TALLY(total, sink_result(&sk));
        orphan |= strcmp(s, "orphan") == 0;
        foreground |= strcmp(s, "foregroundDeletion") == 0;
    }
    if (orphan && foreground) {
        if (errs) {
            char *shown = go_string_slice(list);
            int rc = shown ? k8sc__field_errors_add_rendered(errs, K8SC_FIELD_INVALID, field, shown,
                                 "finalizer orphan and foregroundDeletion cannot be both set")
                           : K8SC_ENOMEM;
            free(shown);
            if (rc < 0)
                return rc;
        }
        total++;
    }
    return total;
}

/*
 * Core validation's validateKubeFinalizerName, which built-in kinds run
 * after all of the above: a finalizer without '/' must be a standard one.
 */
static int validate_kube_finalizers(k8sc_field_errors *errs, const struct json_object *list)
{
    const char *field = "metadata.finalizers";
    if (!list || !json_object_is_type(list, json_type_array))
        return 0;
    int total = 0;
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        struct json_object *f = json_object_array_get_idx(list, i);
        if (!json_object_is_type(f, json_type_string))
            continue;
        const char *s = json_object_get_string(f);
        size_t len = (size_t)json_object_get_string_len(f);
        if (memchr(s, '/', len) || strcmp(s, "kubernetes") == 0 || strcmp(s, "orphan") == 0 ||
            strcmp(s, "foregroundDeletion") == 0)
            continue;
        char *p = path_index(field, i, NULL);
        int rc = p ? report_str(errs, K8SC_FIELD_INVALID, p, s, len,
                         "name is neither a standard finalizer name nor is it fully qualified")
                   : K8SC_ENOMEM;
        free(p);
        TALLY(total, rc);
    }
    return total;
}

/*
 * unicode.IsPrint for the runes a field manager name could plausibly
 * hold: ASCII exactly, and the common non-printing ranges (controls,
 * format characters, spaces other than U+0020, private use) beyond it.
 */
static bool go_is_print(unsigned long r)
{
    if (r < 0x80)
        return r >= 0x20 && r < 0x7F;
    if (r < 0xA0 || r == 0xA0 || r == 0xAD || (r >= 0x600 && r <= 0x605) || r == 0x61C ||
        r == 0x6DD || r == 0x70F || r == 0x1680 || r == 0x180E || (r >= 0x2000 && r <= 0x200F) ||
        (r >= 0x2028 && r <= 0x202F) || (r >= 0x205F && r <= 0x206F) || r == 0x3000 ||
        (r >= 0xD800 && r <= 0xF8FF) || r == 0xFEFF || (r >= 0xFFF9 && r <= 0xFFFB) ||
        (r & 0xFFFE) == 0xFFFE || r >= 0xF0000)
        return false;
    return true;
}

/* ValidateFieldManager: at most 128 bytes, every rune printable. */
static int validate_field_manager(k8sc_field_errors *errs, const char *field, const char *s, size_t n)
{
    int total = 0;
    if (n > FIELD_MANAGER_MAX) {
        if (errs) {
            int rc = k8sc__field_errors_add_rendered(errs, K8SC_FIELD_TOO_LONG, field, NULL,
                "may not be more than 128 bytes");
            if (rc < 0)
                return rc;
        }
        total++;
    }
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = 1;
        unsigned long r = p[i];
        /* Invalid UTF-8 ranges over as U+FFFD, which is printable. */
        if (r >= 0xC2 && r <= 0xF4) {
            size_t want = r <= 0xDF ? 2 : r <= 0xEF ? 3 : 4;
            unsigned long cp = want == 2 ? (r & 0x1F) : want == 3 ? (r & 0x0F) : (r & 0x07);
            bool ok = want <= n - i;
            for (size_t k = 1; ok && k < want; k++) {
                ok = (p[i + k] & 0xC0) == 0x80;
                cp = (cp << 6) | (p[i + k] & 0x3F);
            }
            unsigned long min = want == 2 ? 0x80 : want == 3 ? 0x800 : 0x10000;
            if (ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
                len = want;
                r = cp;
            } else {
                r = 0xFFFD;
            }
        } else if (r >= 0x80) {
            r = 0xFFFD;
        }
        if (!go_is_print(r)) {
            char detail[64];
            snprintf(detail, sizeof(detail), "invalid character U+%04lX (at position %zu)", r, i);
            TALLY(total, report_str(errs, K8SC_FIELD_INVALID, field, s, n, detail));
        }
        i += len;
    }
    return total;
}

/* ValidateManagedFields. */
static int validate_managed_fields(k8sc_field_errors *errs, const struct json_object *list)
{
    const char *field = "metadata.managedFields";
    if (!list)
        return 0;
    if (!json_object_is_type(list, json_type_array))
        return report_type(errs, field, "array", list);
    int total = 0;
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(list, i);
        static const char *const names[4] = { "operation", "fieldsType", "manager", "subresource" };
        char *paths[4] = { NULL };
        const char *val[4];
        size_t len[4];
        int rc = 0;
        if (!e || !json_object_is_type(e, json_type_object)) {
            char *p = path_index(field, i, NULL);
            rc = p ? report_type(errs, p, "object", e) : K8SC_ENOMEM;
            free(p);
            TALLY(total, rc);
            continue;
        }
        for (int k = 0; k < 4 && rc == 0; k++)
            if (!(paths[k] = path_index(field, i, names[k])))
                rc = K8SC_ENOMEM;
        for (int k = 0; k < 4 && rc == 0; k++)
            rc = member_string(errs, e, names[k], paths[k], &val[k], &len[k], &total);
        /* A field of the wrong type was reported; skip its other checks. */
        if (rc == 0 && val[0] && strcmp(val[0], "Apply") != 0 && strcmp(val[0], "Update") != 0)
            rc = report_str(errs, K8SC_FIELD_INVALID, paths[0], val[0], len[0], "must be `Apply` or `Update`");
        if (rc > 0)
            total += rc, rc = 0;
        if (rc == 0 && val[1] && len[1] > 0 && strcmp(val[1], "FieldsV1") != 0)
            rc = report_str(errs, K8SC_FIELD_INVALID, paths[1], val[1], len[1], "must be `FieldsV1`");
        if (rc > 0)
            total += rc, rc = 0;
        if (rc == 0 && val[2])
            rc = validate_field_manager(errs, paths[2], val[2], len[2]);
        if (rc > 0)
            total += rc, rc = 0;
        if (rc == 0 && len[3] > SUBRESOURCE_MAX) {
            if (errs)
                rc = k8sc__field_errors_add_rendered(errs, K8SC_FIELD_TOO_LONG, paths[3], NULL,
                    "may not be more than 256 bytes");
            if (rc == 0)
                total++;
        }
        for (int k = 0; k < 4; k++)
            free(paths[k]);
        if (rc < 0)
            return rc;
    }
    return total;
}

/*
 * Whether the object's kind is served by Kubernetes itself (core or a
 * built-in group: no dot, or *.k8s.io), whose validation adds the legacy
 * finalizer-name rule; custom resources only get a warning for it.
 */
static bool is_builtin_group(const struct json_object *root)
{
    struct json_object *av = NULL;
    if (!json_object_object_get_ex(root, "apiVersion", &av) || !json_object_is_type(av, json_type_string))
        return true;
    const char *s = json_object_get_string(av);
    const char *slash = strchr(s, '/');
    if (!slash)
        return true;
    size_t glen = (size_t)(slash - s);
    if (!memchr(s, '.', glen))
        return true;
    static const char suffix[] = ".k8s.io";
    size_t slen = sizeof(suffix) - 1;
    if (glen < slen || memcmp(s + glen - slen, suffix, slen) != 0)
        return false;
    return !(glen == strlen("apiextensions.k8s.io") && memcmp(s, "apiextensions.k8s.io", glen) == 0) &&
        !(glen == strlen("apiregistration.k8s.io") && memcmp(s, "apiregistration.k8s.io", glen) == 0);
}

static struct json_object *member(const struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;
    if (obj)
        json_object_object_get_ex(obj, key, &v);
    return v;
}

int k8sc_validate_object_meta(k8sc_field_errors *errs, const k8sc_object *obj,
    bool namespaced, k8sc_name_rule rule)
{
    K8SC__CHECK_ARG(obj);
    K8SC__CHECK_ARG(rule >= K8SC_NAME_DNS1123_SUBDOMAIN && rule <= K8SC_NAME_PATH_SEGMENT);
    const struct json_object *root = k8sc_object_json(obj);
    const struct json_object *meta = member(root, "metadata");
    if (meta && !json_object_is_type(meta, json_type_object))
        return report_type(errs, "metadata", "object", meta);

    int total = 0;
    const char *name = "", *gen = "", *ns = "";
    size_t name_len = 0, gen_len = 0, ns_len = 0;
    bool name_bad = false, ns_bad = false;
    if (meta) {
        int rc = member_string(errs, meta, "generateName", "metadata.generateName", &gen, &gen_len, &total);
        if (rc == 0)
            rc = member_string(errs, meta, "name", "metadata.name", &name, &name_len, &total);
        if (rc == 0)
            rc = member_string(errs, meta, "namespace", "metadata.namespace", &ns, &ns_len, &total);
        if (rc < 0)
            return rc;
        /* Wrong types were reported; they read as "" but warrant nothing more. */
        name_bad = !name;
        ns_bad = !ns;
        gen = gen ? gen : "";
        name = name ? name : "";
        ns = ns ? ns : "";
    }

    if (gen_len) {
        sink s = sink_make(errs, "metadata.generateName", gen, gen_len);
        check_name(&s, rule, gen, gen_len, true);
        TALLY(total, sink_result(&s));
    }
    /*
     * Kubernetes validates after generating the name, so it only knows
     * "name"; a generateName alone is accepted here for the same reason.
     */
    if (name_len == 0) {
        if (gen_len == 0 && !name_bad)
            TALLY(total, report_str(errs, K8SC_FIELD_REQUIRED, "metadata.name", NULL, 0,
                "name or generateName is required"));
    } else {
        sink s = sink_make(errs, "metadata.name", name, name_len);
        check_name(&s, rule, name, name_len, false);
        TALLY(total, sink_result(&s));
    }
    if (namespaced) {
        if (ns_len == 0) {
            if (!ns_bad)
                TALLY(total, report_str(errs, K8SC_FIELD_REQUIRED, "metadata.namespace", NULL, 0, ""));
        } else {
            sink s = sink_make(errs, "metadata.namespace", ns, ns_len);
            check_dns1123_label(&s, ns, ns_len);
            TALLY(total, sink_result(&s));
        }
    } else if (ns_len) {
        TALLY(total, report_str(errs, K8SC_FIELD_FORBIDDEN, "metadata.namespace", NULL, 0,
            "not allowed on this type"));
    }

    struct json_object *gv = member(meta, "generation");
    if (gv && !json_object_is_type(gv, json_type_int)) {
        TALLY(total, report_type(errs, "metadata.generation", "integer", gv));
    } else if (gv && json_object_get_int64(gv) < 0) {
        TALLY(total, report_json(errs, K8SC_FIELD_INVALID, "metadata.generation", gv,
            "must be greater than or equal to 0"));
    }

    TALLY(total, k8sc_validate_labels(errs, "metadata.labels", member(meta, "labels")));
    TALLY(total, k8sc_validate_annotations(errs, "metadata.annotations", member(meta, "annotations")));
    TALLY(total, validate_owner_refs(errs, member(meta, "ownerReferences")));
    TALLY(total, validate_finalizers(errs, member(meta, "finalizers")));
    TALLY(total, validate_managed_fields(errs, member(meta, "managedFields")));
    if (is_builtin_group(root))
        TALLY(total, validate_kube_finalizers(errs, member(meta, "finalizers")));
    return total;
}
