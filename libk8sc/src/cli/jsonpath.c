/*
 * A subset of kubectl's JSONPath templates: text and {expressions} of
 * fields, quoted fields, [N], [*] and {range EXPR}...{end}. Results of one
 * expression are joined by spaces; a missing field gives no result.
 */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>

/* A set of matched values (borrowed from the document). */
typedef struct {
    struct json_object **v;
    size_t n, cap;
} nodes;

static int nodes_add(nodes *s, struct json_object *v)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct json_object **p = k8sc__realloc(s->v, cap * sizeof(*p));
        if (!p)
            return K8SC_ENOMEM;
        s->v = p;
        s->cap = cap;
    }
    s->v[s->n++] = v;
    return 0;
}

static int bad(const char *tmpl, const char *why)
{
    return k8sc_error_set(K8SC_EINVAL, "error parsing jsonpath %s, %s", tmpl, why);
}

/* Apply one step to every node of `in`. */
static int step_field(nodes *out, const nodes *in, const char *name, size_t len)
{
    char *key = k8sc__strndup(name, len);
    if (!key)
        return K8SC_ENOMEM;
    int rc = 0;
    for (size_t i = 0; !rc && i < in->n; i++) {
        struct json_object *v = NULL;
        if (json_object_is_type(in->v[i], json_type_object) && json_object_object_get_ex(in->v[i], key, &v))
            rc = nodes_add(out, v);
    }
    free(key);
    return rc;
}

static int step_all(nodes *out, const nodes *in)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < in->n; i++) {
        struct json_object *v = in->v[i];
        if (json_object_is_type(v, json_type_array)) {
            for (size_t k = 0; !rc && k < json_object_array_length(v); k++)
                rc = nodes_add(out, json_object_array_get_idx(v, k));
        } else if (json_object_is_type(v, json_type_object)) {
            json_object_object_foreach(v, key, member) {
                (void)key;
                if ((rc = nodes_add(out, member)))
                    break;
            }
        }
    }
    return rc;
}

static int step_index(nodes *out, const nodes *in, long idx)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < in->n; i++) {
        struct json_object *v = in->v[i];
        if (!json_object_is_type(v, json_type_array))
            continue;
        long n = (long)json_object_array_length(v), k = idx < 0 ? n + idx : idx;
        if (k >= 0 && k < n)
            rc = nodes_add(out, json_object_array_get_idx(v, (size_t)k));
    }
    return rc;
}

/* Evaluate expression `e` (`len` bytes, e.g. ".items[*].metadata.name") from `cur`. */
static int evaluate(nodes *result, const char *tmpl, const char *e, size_t len, struct json_object *cur)
{
    nodes in = { NULL, 0, 0 };
    int rc = nodes_add(&in, cur);
    size_t i = 0;
    if (len && e[0] == '@')
        i++;
    while (!rc && i < len) {
        nodes out = { NULL, 0, 0 };
        if (e[i] == '.') {
            size_t s = ++i;
            while (i < len && e[i] != '.' && e[i] != '[')
                i++;
            if (i > s) {
                rc = step_field(&out, &in, e + s, i - s);
            } else if (i < len && e[i] == '.') {
                free(out.v);
                rc = bad(tmpl, "recursive descent (..) is not supported");
                break;
            } else {
                for (size_t k = 0; !rc && k < in.n; k++)
                    rc = nodes_add(&out, in.v[k]);
            }
        } else if (e[i] == '[') {
            const char *close = memchr(e + i, ']', len - i);
            if (!close) {
                free(out.v);
                rc = bad(tmpl, "unterminated array");
                break;
            }
            const char *a = e + i + 1;
            size_t alen = (size_t)(close - a);
            if (alen == 1 && *a == '*') {
                rc = step_all(&out, &in);
            } else if (alen >= 2 && (*a == '\'' || *a == '"') && a[alen - 1] == *a) {
                rc = step_field(&out, &in, a + 1, alen - 2);
            } else {
                char *end = NULL;
                char num[32];
                if (alen == 0 || alen >= sizeof(num)) {
                    free(out.v);
                    rc = bad(tmpl, "invalid array index");
                    break;
                }
                memcpy(num, a, alen);
                num[alen] = '\0';
                long idx = strtol(num, &end, 10);
                if (*end != '\0') {
                    free(out.v);
                    rc = k8sc_error_set(K8SC_EINVAL, "error parsing jsonpath %s, invalid array index %s", tmpl, num);
                    break;
                }
                rc = step_index(&out, &in, idx);
            }
            i = (size_t)(close - e) + 1;
        } else {
            free(out.v);
            rc = k8sc_error_set(K8SC_EINVAL, "error parsing jsonpath %s, unrecognized character in action: %c",
                tmpl, e[i]);
            break;
        }
        free(in.v);
        in = out;
    }
    if (rc) {
        free(in.v);
        return rc;
    }
    *result = in;
    return 0;
}

static void print_value(k8sc__buf *b, struct json_object *v)
{
    if (json_object_is_type(v, json_type_string))
        k8sc__buf_puts(b, json_object_get_string(v));
    else
        k8sc__buf_puts(b, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* A quoted literal with Go's escapes \n, \t, \r, \\ and \". */
static void put_literal(k8sc__buf *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < len) {
            char e = s[++i];
            c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
        }
        k8sc__buf_putc(b, c);
    }
}

/* Trim spaces around an action's text. */
static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

/* Render tmpl[pos..] against `cur` until the end or an {end}; `*pos` is left after it. */
static int render(k8sc__buf *b, const char *tmpl, size_t *pos, struct json_object *cur, bool in_range)
{
    size_t n = strlen(tmpl);
    while (*pos < n) {
        const char *open = strchr(tmpl + *pos, '{');
        if (!open) {
            k8sc__buf_puts(b, tmpl + *pos);
            *pos = n;
            break;
        }
        k8sc__buf_put(b, tmpl + *pos, (size_t)(open - tmpl) - *pos);
        const char *close = strchr(open, '}');
        if (!close)
            return bad(tmpl, "unclosed action");
        const char *act = open + 1;
        size_t alen = (size_t)(close - act);
        trim(&act, &alen);
        *pos = (size_t)(close - tmpl) + 1;
        if (alen == 3 && memcmp(act, "end", 3) == 0) {
            if (!in_range)
                return bad(tmpl, "not in range, nothing to end");
            return 1;
        }
        bool range = alen > 6 && memcmp(act, "range ", 6) == 0;
        if (range) {
            act += 6;
            alen -= 6;
            trim(&act, &alen);
        }
        if (alen >= 2 && act[0] == '"' && act[alen - 1] == '"') {
            put_literal(b, act + 1, alen - 2);
            continue;
        }
        nodes r = { NULL, 0, 0 };
        int rc = evaluate(&r, tmpl, act, alen, cur);
        if (rc)
            return rc;
        if (!range) {
            for (size_t i = 0; i < r.n; i++) {
                if (i)
                    k8sc__buf_putc(b, ' ');
                print_value(b, r.v[i]);
            }
            free(r.v);
            continue;
        }
        /* Iterate what the expression matched; the body is rendered again for each. */
        nodes items = r;
        size_t body = *pos, after = body;
        for (size_t i = 0; !rc && i < items.n; i++) {
            after = body;
            rc = render(b, tmpl, &after, items.v[i], true);
            rc = rc == 1 ? 0 : rc ? rc : bad(tmpl, "range without end");
        }
        if (!rc && items.n == 0) {
            k8sc__buf skip = K8SC__BUF_INIT;
            struct json_object *none = json_object_new_object();
            rc = none ? render(&skip, tmpl, &after, none, true) : K8SC_ENOMEM;
            json_object_put(none);
            k8sc__buf_free(&skip);
            rc = rc == 1 ? 0 : rc ? rc : bad(tmpl, "range without end");
        }
        free(items.v);
        if (rc)
            return rc;
        *pos = after;
    }
    return 0;
}

int k8sc_cli_jsonpath(char **out, const char *tmpl, const struct json_object *root)
{
    K8SC__CHECK_ARG(out && tmpl);
    *out = NULL;
    k8sc__buf b = K8SC__BUF_INIT;
    size_t pos = 0;
    int rc = render(&b, tmpl, &pos, (struct json_object *)root, false);
    if (!rc && k8sc__buf_status(&b))
        rc = K8SC_ENOMEM;
    if (rc) {
        k8sc__buf_free(&b);
        return rc;
    }
    *out = b.ptr ? k8sc__buf_detach(&b, NULL) : k8sc__strdup("");
    return *out ? 0 : K8SC_ENOMEM;
}
