/*
 * Label selectors, as k8s.io/apimachinery/pkg/labels: the Parse() grammar,
 * LabelSelectorAsSelector, SelectorFromSet, Requirement.Matches and
 * Selector.String().
 *
 * Parsing collects spans of the input into a scratch builder; the result
 * is then packed into one allocation (header, requirements, value pointer
 * and length arrays, then the strings), so a selector is cheap to free and
 * matching touches only that block.
 */
#include "object_internal.h"

#include <json-c/json.h>

#include <stdlib.h>
#include <string.h>

struct sel_req {
    const char *key;
    const char *const *values; /* NULL when nvalues == 0 */
    const size_t *lens;        /* byte length of each value */
    size_t nvalues;
    int64_t num;               /* K8SC_SEL_GT / K8SC_SEL_LT: the parsed bound */
    k8sc_selector_op op;
    bool double_equals;        /* written "==", which String() keeps */
};

struct k8sc_selector {
    size_t count;
    bool nothing;
    struct sel_req reqs[];
};

/* ---- Scratch builder ------------------------------------------------------ */

struct span {
    const char *p;
    size_t len;
    size_t pos; /* byte offset in the parsed text, for messages */
};

struct treq {
    struct span key;
    size_t v0, nv; /* values: builder.vals[v0 .. v0+nv) */
    size_t index;  /* input order, to keep the key sort stable */
    int64_t num;
    k8sc_selector_op op;
    bool double_equals;
};

struct builder {
    struct treq *reqs;
    size_t nreqs, capreqs;
    struct span *vals;
    size_t nvals, capvals;
};

static void builder_free(struct builder *b)
{
    free(b->reqs);
    free(b->vals);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SIZE_MAX / elem)
        return k8sc__error_nomem();
    void *p = k8sc__realloc(*arr, ncap * elem);
    if (!p)
        return K8SC_ENOMEM;
    *arr = p;
    *cap = ncap;
    return 0;
}

static struct treq *builder_add_req(struct builder *b, struct span key, k8sc_selector_op op)
{
    if (grow((void **)&b->reqs, &b->capreqs, b->nreqs + 1, sizeof(*b->reqs)) != 0)
        return NULL;
    struct treq *r = &b->reqs[b->nreqs];
    memset(r, 0, sizeof(*r));
    r->key = key;
    r->op = op;
    r->v0 = b->nvals;
    r->index = b->nreqs++;
    return r;
}

/* Add a value to the last requirement. */
static int builder_add_value(struct builder *b, const char *p, size_t len, size_t pos)
{
    if (grow((void **)&b->vals, &b->capvals, b->nvals + 1, sizeof(*b->vals)) != 0)
        return K8SC_ENOMEM;
    b->vals[b->nvals++] = (struct span){ p, len, pos };
    b->reqs[b->nreqs - 1].nv++;
    return 0;
}

/* Go's string order: bytewise, a prefix first. */
static int span_cmp(const struct span *a, const struct span *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->p, b->p, n) : 0;
    if (c != 0)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

static int cmp_span_qsort(const void *a, const void *b)
{
    return span_cmp(a, b);
}

/* By key, ties in input order: the order sort.Sort(ByKey) gives Kubernetes' usual small selectors. */
static int cmp_treq(const void *a, const void *b)
{
    const struct treq *x = a, *y = b;
    int c = span_cmp(&x->key, &y->key);
    if (c != 0)
        return c;
    return (x->index > y->index) - (x->index < y->index);
}

/* Sort and de-duplicate the values of the last requirement (a sets.String). */
static void builder_sort_values(struct builder *b)
{
    struct treq *r = &b->reqs[b->nreqs - 1];
    if (r->nv < 2)
        return;
    struct span *v = b->vals + r->v0;
    qsort(v, r->nv, sizeof(*v), cmp_span_qsort);
    size_t out = 1;
    for (size_t i = 1; i < r->nv; i++)
        if (span_cmp(&v[i], &v[out - 1]) != 0)
            v[out++] = v[i];
    b->nvals -= r->nv - out;
    r->nv = out;
}

/* Pack the builder into one allocation, requirements sorted by key. */
static int builder_finish(k8sc_selector **out, struct builder *b)
{
    if (b->nreqs > 1)
        qsort(b->reqs, b->nreqs, sizeof(*b->reqs), cmp_treq);

    size_t nvals = 0, chars = 0;
    for (size_t i = 0; i < b->nreqs; i++) {
        const struct treq *r = &b->reqs[i];
        nvals += r->nv;
        chars += r->key.len + 1;
        for (size_t j = 0; j < r->nv; j++)
            chars += b->vals[r->v0 + j].len + 1;
    }
    size_t size = sizeof(k8sc_selector) + b->nreqs * sizeof(struct sel_req) +
        nvals * (sizeof(const char *) + sizeof(size_t)) + chars;
    k8sc_selector *sel = k8sc__malloc(size);
    if (!sel)
        return K8SC_ENOMEM;
    sel->count = b->nreqs;
    sel->nothing = false;
    const char **ptrs = (const char **)(void *)(sel->reqs + b->nreqs);
    size_t *lens = (size_t *)(void *)(ptrs + nvals);
    char *text = (char *)(lens + nvals);
    for (size_t i = 0; i < b->nreqs; i++) {
        const struct treq *r = &b->reqs[i];
        struct sel_req *q = &sel->reqs[i];
        memcpy(text, r->key.p, r->key.len);
        text[r->key.len] = '\0';
        q->key = text;
        text += r->key.len + 1;
        q->values = r->nv ? ptrs : NULL;
        q->lens = r->nv ? lens : NULL;
        q->nvalues = r->nv;
        for (size_t j = 0; j < r->nv; j++) {
            const struct span *v = &b->vals[r->v0 + j];
            if (v->len)
                memcpy(text, v->p, v->len);
            text[v->len] = '\0';
            *ptrs++ = text;
            *lens++ = v->len;
            text += v->len + 1;
        }
        q->num = r->num;
        q->op = r->op;
        q->double_equals = r->double_equals;
    }
    *out = sel;
    return 0;
}

/* ---- Validation of keys and values (IsQualifiedName, IsValidLabelValue) --- */

#define QNAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_MSG "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
#define QNAME_EXAMPLES "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" QNAME_FMT "')"
#define DNS1123_SUBDOMAIN_FMT "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
#define DNS1123_SUBDOMAIN_MSG "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '" DNS1123_SUBDOMAIN_FMT "')"
#define LABEL_VALUE_MSG "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(" QNAME_FMT ")?')"

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static bool is_qname(const char *p, size_t len)
{
    if (len == 0 || !is_alnum((unsigned char)p[0]) || !is_alnum((unsigned char)p[len - 1]))
        return false;
    for (size_t i = 1; i + 1 < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!is_alnum(c) && c != '-' && c != '_' && c != '.')
            return false;
    }
    return true;
}

static bool is_dns1123_subdomain(const char *p, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && p[i] != '.')
            continue;
        /* One label: [a-z0-9]([-a-z0-9]*[a-z0-9])? */
        if (i == start)
            return false;
        for (size_t j = start; j < i; j++) {
            unsigned char c = (unsigned char)p[j];
            bool lower_alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (!lower_alnum && (c != '-' || j == start || j == i - 1))
                return false;
        }
        start = i + 1;
    }
    return true;
}

/* IsQualifiedName: append its messages, joined by "; ", to `msg`; true if valid. */
static bool check_label_key(k8sc__buf *msg, const char *p, size_t len)
{
    const char *slash = memchr(p, '/', len);
    const char *name = p;
    size_t nlen = len;
    size_t before = msg->len;
    if (slash) {
        if (memchr(slash + 1, '/', len - (size_t)(slash + 1 - p))) {
            k8sc__buf_puts(msg, "a qualified name " QNAME_MSG " " QNAME_EXAMPLES
                " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
            return false;
        }
        size_t plen = (size_t)(slash - p);
        name = slash + 1;
        nlen = len - plen - 1;
        if (plen == 0) {
            k8sc__buf_puts(msg, "prefix part must be non-empty");
        } else {
            if (plen > 253)
                k8sc__buf_puts(msg, "prefix part must be no more than 253 characters");
            if (!is_dns1123_subdomain(p, plen))
                k8sc__buf_printf(msg, "%sprefix part " DNS1123_SUBDOMAIN_MSG, msg->len > before ? "; " : "");
        }
    }
    if (nlen == 0)
        k8sc__buf_printf(msg, "%sname part must be non-empty", msg->len > before ? "; " : "");
    else if (nlen > 63)
        k8sc__buf_printf(msg, "%sname part must be no more than 63 characters", msg->len > before ? "; " : "");
    if (!is_qname(name, nlen))
        k8sc__buf_printf(msg, "%sname part " QNAME_MSG " " QNAME_EXAMPLES, msg->len > before ? "; " : "");
    return msg->len == before && !msg->failed;
}

/* IsValidLabelValue, as check_label_key. */
static bool check_label_value(k8sc__buf *msg, const char *p, size_t len)
{
    size_t before = msg->len;
    if (len > 63)
        k8sc__buf_puts(msg, "must be no more than 63 characters");
    if (len > 0 && !is_qname(p, len))
        k8sc__buf_printf(msg, "%s" LABEL_VALUE_MSG, msg->len > before ? "; " : "");
    return msg->len == before && !msg->failed;
}

/* strconv.ParseInt(s, 10, 64). */
static bool parse_int64(const char *p, size_t len, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (p[i] == '+' || p[i] == '-'))
        neg = p[i++] == '-';
    if (i == len)
        return false;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* ---- Lexer and parser (labels.Parse) --------------------------------------- */

enum tok {
    T_EOS, T_CPAR, T_COMMA, T_NOT, T_DEQ, T_EQ, T_GT, T_ID, T_IN, T_LT, T_NEQ, T_NOTIN, T_OPAR,
};

struct token {
    enum tok t;
    size_t pos, len;
};

/* Keywords are identifiers where values are expected ("x in (in)", "notin=in"). */
enum ctx { KEY_AND_OPERATOR, VALUES };

struct parser {
    const char *s;
    size_t n;
    size_t at;        /* lexer position */
    bool peeked;
    struct token peek;
    struct builder b;
    k8sc__buf detail; /* scratch for validation messages */
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_special(char c)
{
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

static struct token lex(struct parser *p)
{
    while (p->at < p->n && is_space(p->s[p->at]))
        p->at++;
    struct token t = { T_EOS, p->at, 0 };
    if (p->at == p->n)
        return t;
    char c = p->s[p->at];
    if (is_special(c)) {
        /* Longest match: "!=" and "==" are the only two-byte symbols. */
        bool two = (c == '!' || c == '=') && p->at + 1 < p->n && p->s[p->at + 1] == '=';
        t.len = two ? 2 : 1;
        switch (c) {
        case '=': t.t = two ? T_DEQ : T_EQ; break;
        case '!': t.t = two ? T_NEQ : T_NOT; break;
        case '(': t.t = T_OPAR; break;
        case ')': t.t = T_CPAR; break;
        case ',': t.t = T_COMMA; break;
        case '>': t.t = T_GT; break;
        default: t.t = T_LT; break;
        }
    } else {
        size_t end = p->at;
        while (end < p->n && !is_special(p->s[end]) && !is_space(p->s[end]))
            end++;
        t.len = end - p->at;
        const char *w = p->s + p->at;
        if (t.len == 2 && memcmp(w, "in", 2) == 0)
            t.t = T_IN;
        else if (t.len == 5 && memcmp(w, "notin", 5) == 0)
            t.t = T_NOTIN;
        else
            t.t = T_ID;
    }
    p->at += t.len;
    return t;
}

static struct token lookahead(struct parser *p, enum ctx ctx)
{
    if (!p->peeked) {
        p->peek = lex(p);
        p->peeked = true;
    }
    struct token t = p->peek;
    if (ctx == VALUES && (t.t == T_IN || t.t == T_NOTIN))
        t.t = T_ID;
    return t;
}

static struct token consume(struct parser *p, enum ctx ctx)
{
    struct token t = lookahead(p, ctx);
    p->peeked = false;
    return t;
}

/* Record EINVAL: `label selector "<text>": at position N: <message>`. */
static int parse_error(struct parser *p, size_t pos, const char *fmt, ...) K8SC_PRINTF(3, 4);

static int parse_error(struct parser *p, size_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = k8sc__syntax_error("label selector", p->s, p->n, pos, fmt, ap);
    va_end(ap);
    return rc;
}

/* A token's text for "found '%s'" messages, cut to 64 bytes. */
struct lit {
    char s[72];
};

static struct lit lit_of(const struct parser *p, struct token t)
{
    struct lit l;
    size_t n = t.len > 64 ? 64 : t.len;
    memcpy(l.s, p->s + t.pos, n);
    strcpy(l.s + n, t.len > 64 ? "..." : "");
    return l;
}

#define REQ "unable to parse requirement: "

/* parseIdentifiersList: a possibly empty list of possibly empty identifiers, up to ')'. */
static int parse_identifiers_list(struct parser *p)
{
    size_t start = p->b.nvals;
    for (;;) {
        struct token t = consume(p, VALUES);
        if (t.t == T_ID) {
            if (builder_add_value(&p->b, p->s + t.pos, t.len, t.pos) != 0)
                return K8SC_ENOMEM;
            struct token la = lookahead(p, VALUES);
            if (la.t == T_COMMA)
                continue;
            if (la.t == T_CPAR)
                return 0;
            return parse_error(p, la.pos, REQ "found '%s', expected: ',' or ')'", lit_of(p, la).s);
        }
        if (t.t == T_COMMA) {
            /* "(,", ",)" and ",," each stand for an empty value. */
            if (p->b.nvals == start && builder_add_value(&p->b, "", 0, t.pos) != 0)
                return K8SC_ENOMEM;
            struct token la = lookahead(p, VALUES);
            if (la.t == T_CPAR)
                return builder_add_value(&p->b, "", 0, la.pos);
            if (la.t == T_COMMA) {
                consume(p, VALUES);
                if (builder_add_value(&p->b, "", 0, la.pos) != 0)
                    return K8SC_ENOMEM;
            }
            continue;
        }
        return parse_error(p, t.pos, REQ "found '%s', expected: ',', or identifier", lit_of(p, t).s);
    }
}

/* parseValues: "(" values ")". */
static int parse_values(struct parser *p)
{
    struct token t = consume(p, VALUES);
    if (t.t != T_OPAR)
        return parse_error(p, t.pos, REQ "found '%s' expected: '('", lit_of(p, t).s);
    struct token la = lookahead(p, VALUES);
    switch (la.t) {
    case T_ID:
    case T_COMMA: {
        int rc = parse_identifiers_list(p);
        if (rc != 0)
            return rc;
        t = consume(p, VALUES);
        if (t.t != T_CPAR)
            return parse_error(p, t.pos, REQ "found '%s', expected: ')'", lit_of(p, t).s);
        return 0;
    }
    case T_CPAR:
        consume(p, VALUES);
        return builder_add_value(&p->b, "", 0, la.pos);
    default:
        return parse_error(p, la.pos, REQ "found '%s', expected: ',', ')' or identifier", lit_of(p, la).s);
    }
}

/* parseExactValue: one value, empty when the requirement ends here. */
static int parse_exact_value(struct parser *p)
{
    struct token la = lookahead(p, VALUES);
    if (la.t == T_EOS || la.t == T_COMMA)
        return builder_add_value(&p->b, "", 0, la.pos);
    struct token t = consume(p, VALUES);
    if (t.t == T_ID)
        return builder_add_value(&p->b, p->s + t.pos, t.len, t.pos);
    return parse_error(p, t.pos, REQ "found '%s', expected: identifier", lit_of(p, t).s);
}

/* What NewRequirement checks of the values, in sorted order as Kubernetes does. */
static int check_parsed_values(struct parser *p)
{
    struct treq *r = &p->b.reqs[p->b.nreqs - 1];
    for (size_t i = 0; i < r->nv; i++) {
        const struct span *v = &p->b.vals[r->v0 + i];
        if ((r->op == K8SC_SEL_GT || r->op == K8SC_SEL_LT) && !parse_int64(v->p, v->len, &r->num)) {
            k8sc__buf q = K8SC__BUF_INIT;
            k8sc__put_quoted_cut(&q, v->p, v->len, 64);
            int rc = k8sc__buf_status(&q) ? K8SC_ENOMEM : parse_error(p, v->pos,
                REQ "invalid value %s: for 'Gt', 'Lt' operators, the value must be an integer", q.ptr);
            k8sc__buf_free(&q);
            return rc;
        }
        p->detail.len = 0;
        if (!check_label_value(&p->detail, v->p, v->len)) {
            k8sc__buf q = K8SC__BUF_INIT;
            k8sc__put_quoted_cut(&q, v->p, v->len, 64);
            int rc = k8sc__buf_status(&q) || k8sc__buf_status(&p->detail) ? k8sc__error_nomem() :
                parse_error(p, v->pos, REQ "invalid label value %s: %s", q.ptr, p->detail.ptr);
            k8sc__buf_free(&q);
            return rc;
        }
    }
    return 0;
}

static int parse_requirement(struct parser *p)
{
    bool not = false;
    struct token t = consume(p, VALUES);
    if (t.t == T_NOT) {
        not = true;
        t = consume(p, VALUES);
    }
    if (t.t != T_ID)
        return parse_error(p, t.pos, REQ "found '%s', expected: identifier", lit_of(p, t).s);
    struct span key = { p->s + t.pos, t.len, t.pos };
    p->detail.len = 0;
    if (!check_label_key(&p->detail, key.p, key.len)) {
        if (k8sc__buf_status(&p->detail))
            return k8sc__error_nomem();
        k8sc__buf q = K8SC__BUF_INIT;
        k8sc__put_quoted_cut(&q, key.p, key.len, 64);
        int rc = k8sc__buf_status(&q) ? k8sc__error_nomem() :
            parse_error(p, key.pos, REQ "invalid label key %s: %s", q.ptr, p->detail.ptr);
        k8sc__buf_free(&q);
        return rc;
    }
    /*
     * "!key" is complete whatever follows (Kubernetes then complains about
     * the next token); "key" alone is complete before ',' or the end.
     */
    struct token la = lookahead(p, VALUES);
    if (not || la.t == T_EOS || la.t == T_COMMA)
        return builder_add_req(&p->b, key, not ? K8SC_SEL_DOES_NOT_EXIST : K8SC_SEL_EXISTS) ? 0 : K8SC_ENOMEM;

    t = consume(p, KEY_AND_OPERATOR);
    k8sc_selector_op op;
    switch (t.t) {
    case T_IN: op = K8SC_SEL_IN; break;
    case T_NOTIN: op = K8SC_SEL_NOT_IN; break;
    case T_EQ: case T_DEQ: op = K8SC_SEL_EQUALS; break;
    case T_NEQ: op = K8SC_SEL_NOT_EQUALS; break;
    case T_GT: op = K8SC_SEL_GT; break;
    case T_LT: op = K8SC_SEL_LT; break;
    default:
        return parse_error(p, t.pos, REQ "found '%s', expected: in, notin, =, ==, !=, gt, lt", lit_of(p, t).s);
    }
    struct treq *r = builder_add_req(&p->b, key, op);
    if (!r)
        return K8SC_ENOMEM;
    r->double_equals = t.t == T_DEQ;
    int rc = op == K8SC_SEL_IN || op == K8SC_SEL_NOT_IN ? parse_values(p) : parse_exact_value(p);
    if (rc != 0)
        return rc;
    builder_sort_values(&p->b);
    return check_parsed_values(p);
}

static int parse_selector(struct parser *p)
{
    for (;;) {
        struct token t = lookahead(p, VALUES);
        if (t.t == T_EOS)
            return 0;
        if (t.t != T_ID && t.t != T_NOT)
            return parse_error(p, t.pos, "found '%s', expected: !, identifier, or 'end of string'", lit_of(p, t).s);
        int rc = parse_requirement(p);
        if (rc != 0)
            return rc;
        t = consume(p, VALUES);
        if (t.t == T_EOS)
            return 0;
        if (t.t != T_COMMA)
            return parse_error(p, t.pos, "found '%s', expected: ',' or 'end of string'", lit_of(p, t).s);
        struct token la = lookahead(p, VALUES);
        if (la.t != T_ID && la.t != T_NOT)
            return parse_error(p, la.pos, "found '%s', expected: identifier after ','", lit_of(p, la).s);
    }
}

int k8sc_selector_parse(k8sc_selector **out, const char *text)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    K8SC__CHECK_ARG(text);
    struct parser p = { .s = text, .n = strlen(text) };
    int rc = parse_selector(&p);
    if (rc == 0)
        rc = builder_finish(out, &p.b);
    builder_free(&p.b);
    k8sc__buf_free(&p.detail);
    return rc;
}

/* ---- From JSON ------------------------------------------------------------- */

static int json_error(const char *fmt, ...) K8SC_PRINTF(1, 2);

static int json_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    k8sc__error_setv(K8SC_EINVAL, fmt, ap);
    va_end(ap);
    return K8SC_EINVAL;
}

static const char *json_type_of(const struct json_object *v)
{
    return v ? json_type_to_name(json_object_get_type(v)) : "null";
}

/* `<field>: Invalid value: "<value>": <detail>` for a bad key or value. */
static int invalid_value(const char *field, const char *p, size_t len, const k8sc__buf *detail)
{
    k8sc__buf q = K8SC__BUF_INIT;
    k8sc__put_quoted_cut(&q, p, len, 64);
    int rc = k8sc__buf_status(&q) || k8sc__buf_status(detail) ? k8sc__error_nomem() :
        json_error("%s: Invalid value: %s: %s", field, q.ptr, detail->ptr);
    k8sc__buf_free(&q);
    return rc;
}

static int add_match_labels(struct builder *b, const struct json_object *map, k8sc__buf *detail)
{
    json_object_object_foreach((struct json_object *)map, k, v) {
        size_t klen = strlen(k);
        if (!json_object_is_type(v, json_type_string))
            return json_error("matchLabels[%s]: expected a string, got %s", k, json_type_of(v));
        detail->len = 0;
        if (!check_label_key(detail, k, klen))
            return invalid_value("matchLabels", k, klen, detail);
        const char *s = json_object_get_string(v);
        size_t slen = (size_t)json_object_get_string_len(v);
        detail->len = 0;
        if (!check_label_value(detail, s, slen)) {
            char field[128];
            snprintf(field, sizeof(field), "matchLabels[%.100s]", k);
            return invalid_value(field, s, slen, detail);
        }
        struct span key = { k, klen, 0 };
        if (!builder_add_req(b, key, K8SC_SEL_EQUALS) || builder_add_value(b, s, slen, 0) != 0)
            return K8SC_ENOMEM;
    }
    return 0;
}

static int add_match_expression(struct builder *b, const struct json_object *e, size_t i, k8sc__buf *detail)
{
    if (!json_object_is_type(e, json_type_object))
        return json_error("matchExpressions[%zu]: expected an object, got %s", i, json_type_of(e));
    struct json_object *jkey = NULL, *jop = NULL, *jvals = NULL;
    json_object_object_get_ex(e, "key", &jkey);
    json_object_object_get_ex(e, "operator", &jop);
    json_object_object_get_ex(e, "values", &jvals);

    if (jkey && !json_object_is_type(jkey, json_type_string))
        return json_error("matchExpressions[%zu].key: expected a string, got %s", i, json_type_of(jkey));
    const char *k = jkey ? json_object_get_string(jkey) : "";
    size_t klen = jkey ? (size_t)json_object_get_string_len(jkey) : 0; /* a NUL inside makes it invalid */
    char field[96];
    detail->len = 0;
    if (!check_label_key(detail, k, klen)) {
        snprintf(field, sizeof(field), "matchExpressions[%zu].key", i);
        return invalid_value(field, k, klen, detail);
    }

    if (jop && !json_object_is_type(jop, json_type_string))
        return json_error("matchExpressions[%zu].operator: expected a string, got %s", i, json_type_of(jop));
    const char *ops = jop ? json_object_get_string(jop) : "";
    k8sc_selector_op op;
    if (strcmp(ops, "In") == 0)
        op = K8SC_SEL_IN;
    else if (strcmp(ops, "NotIn") == 0)
        op = K8SC_SEL_NOT_IN;
    else if (strcmp(ops, "Exists") == 0)
        op = K8SC_SEL_EXISTS;
    else if (strcmp(ops, "DoesNotExist") == 0)
        op = K8SC_SEL_DOES_NOT_EXIST;
    else {
        k8sc__buf q = K8SC__BUF_INIT;
        k8sc__put_quoted_cut(&q, ops, strlen(ops), 64);
        int rc = k8sc__buf_status(&q) ? k8sc__error_nomem() :
            json_error("matchExpressions[%zu].operator: Unsupported value: %s: supported values: "
                "\"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"", i, q.ptr);
        k8sc__buf_free(&q);
        return rc;
    }

    if (jvals && !json_object_is_type(jvals, json_type_array))
        return json_error("matchExpressions[%zu].values: expected an array, got %s", i, json_type_of(jvals));
    size_t nv = jvals ? json_object_array_length(jvals) : 0;
    if ((op == K8SC_SEL_IN || op == K8SC_SEL_NOT_IN) && nv == 0)
        return json_error("matchExpressions[%zu].values: Required value: "
            "must be specified when `operator` is 'In' or 'NotIn'", i);
    if ((op == K8SC_SEL_EXISTS || op == K8SC_SEL_DOES_NOT_EXIST) && nv != 0)
        return json_error("matchExpressions[%zu].values: Forbidden: "
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'", i);

    struct span key = { k, klen, 0 };
    if (!builder_add_req(b, key, op))
        return K8SC_ENOMEM;
    for (size_t j = 0; j < nv; j++) {
        struct json_object *v = json_object_array_get_idx(jvals, j);
        if (!json_object_is_type(v, json_type_string))
            return json_error("matchExpressions[%zu].values[%zu]: expected a string, got %s", i, j, json_type_of(v));
        const char *s = json_object_get_string(v);
        size_t slen = (size_t)json_object_get_string_len(v);
        detail->len = 0;
        if (!check_label_value(detail, s, slen)) {
            snprintf(field, sizeof(field), "matchExpressions[%zu].values[%zu]", i, j);
            return invalid_value(field, s, slen, detail);
        }
        if (builder_add_value(b, s, slen, j) != 0)
            return K8SC_ENOMEM;
    }
    builder_sort_values(b);
    return 0;
}

static int from_json(struct builder *b, const struct json_object *ls, k8sc__buf *detail, bool *everything)
{
    if (!json_object_is_type(ls, json_type_object))
        return json_error("label selector: expected an object, got %s", json_type_of(ls));
    struct json_object *labels = NULL, *exprs = NULL;
    json_object_object_get_ex(ls, "matchLabels", &labels);
    json_object_object_get_ex(ls, "matchExpressions", &exprs);
    if (labels && !json_object_is_type(labels, json_type_object))
        return json_error("matchLabels: expected an object, got %s", json_type_of(labels));
    if (exprs && !json_object_is_type(exprs, json_type_array))
        return json_error("matchExpressions: expected an array, got %s", json_type_of(exprs));
    size_t nl = labels ? (size_t)json_object_object_length(labels) : 0;
    size_t ne = exprs ? json_object_array_length(exprs) : 0;
    *everything = nl + ne == 0;
    int rc = labels ? add_match_labels(b, labels, detail) : 0;
    for (size_t i = 0; rc == 0 && i < ne; i++)
        rc = add_match_expression(b, json_object_array_get_idx(exprs, i), i, detail);
    return rc;
}

int k8sc_selector_from_json(k8sc_selector **out, const struct json_object *label_selector)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    if (!label_selector)
        return k8sc_selector_nothing(out);
    struct builder b = { 0 };
    k8sc__buf detail = K8SC__BUF_INIT;
    bool everything = false;
    int rc = from_json(&b, label_selector, &detail, &everything);
    if (rc == 0)
        rc = everything ? k8sc_selector_everything(out) : builder_finish(out, &b);
    builder_free(&b);
    k8sc__buf_free(&detail);
    return rc;
}

int k8sc_selector_from_map(k8sc_selector **out, const struct json_object *map)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    if (!map)
        return k8sc_selector_everything(out);
    if (!json_object_is_type(map, json_type_object))
        return json_error("label set: expected an object, got %s", json_type_of(map));
    struct builder b = { 0 };
    int rc = 0;
    /* Like SelectorFromSet, no validation: the set came from a validated object. */
    json_object_object_foreach((struct json_object *)map, k, v) {
        if (!json_object_is_type(v, json_type_string)) {
            rc = json_error("label set[%s]: expected a string, got %s", k, json_type_of(v));
            break;
        }
        struct span key = { k, strlen(k), 0 };
        if (!builder_add_req(&b, key, K8SC_SEL_EQUALS) ||
            builder_add_value(&b, json_object_get_string(v), (size_t)json_object_get_string_len(v), 0) != 0) {
            rc = K8SC_ENOMEM;
            break;
        }
    }
    if (rc == 0)
        rc = builder_finish(out, &b);
    builder_free(&b);
    return rc;
}

int k8sc_selector_everything(k8sc_selector **out)
{
    K8SC__CHECK_ARG(out);
    *out = k8sc__calloc(1, sizeof(k8sc_selector));
    return *out ? 0 : K8SC_ENOMEM;
}

int k8sc_selector_nothing(k8sc_selector **out)
{
    K8SC__CHECK_ARG(out);
    *out = k8sc__calloc(1, sizeof(k8sc_selector));
    if (!*out)
        return K8SC_ENOMEM;
    (*out)->nothing = true;
    return 0;
}

void k8sc_selector_free(k8sc_selector *sel)
{
    free(sel);
}

/* ---- Matching (allocates nothing) ------------------------------------------- */

static bool has_value(const struct sel_req *r, const char *v, size_t len)
{
    for (size_t i = 0; i < r->nvalues; i++)
        if (r->lens[i] == len && (len == 0 || memcmp(r->values[i], v, len) == 0))
            return true;
    return false;
}

/* Requirement.Matches; `v` is NULL when the label is absent. */
static bool req_matches(const struct sel_req *r, const char *v, size_t len)
{
    int64_t n;
    switch (r->op) {
    case K8SC_SEL_EQUALS:
    case K8SC_SEL_IN:
        return v && has_value(r, v, len);
    case K8SC_SEL_NOT_EQUALS:
    case K8SC_SEL_NOT_IN:
        return !v || !has_value(r, v, len);
    case K8SC_SEL_EXISTS:
        return v != NULL;
    case K8SC_SEL_DOES_NOT_EXIST:
        return v == NULL;
    case K8SC_SEL_GT:
        return v && parse_int64(v, len, &n) && n > r->num;
    case K8SC_SEL_LT:
        return v && parse_int64(v, len, &n) && n < r->num;
    }
    return false;
}

bool k8sc_selector_matches(const k8sc_selector *sel, k8sc_lookup_fn get, void *userdata)
{
    if (!sel || sel->nothing)
        return false;
    for (size_t i = 0; i < sel->count; i++) {
        const struct sel_req *r = &sel->reqs[i];
        const char *v = get ? get(r->key, userdata) : NULL;
        if (!req_matches(r, v, v ? strlen(v) : 0))
            return false;
    }
    return true;
}

bool k8sc_selector_matches_map(const k8sc_selector *sel, const struct json_object *labels)
{
    if (!sel || sel->nothing)
        return false;
    bool is_map = labels && json_object_is_type(labels, json_type_object);
    for (size_t i = 0; i < sel->count; i++) {
        const struct sel_req *r = &sel->reqs[i];
        struct json_object *jv = NULL;
        const char *v = NULL;
        size_t len = 0;
        /* Only string values count: anything else is not a label. */
        if (is_map && json_object_object_get_ex(labels, r->key, &jv) && json_object_is_type(jv, json_type_string)) {
            v = json_object_get_string(jv);
            len = (size_t)json_object_get_string_len(jv);
        }
        if (!req_matches(r, v, len))
            return false;
    }
    return true;
}

bool k8sc_selector_matches_object(const k8sc_selector *sel, const k8sc_object *obj)
{
    struct json_object *meta = NULL, *labels = NULL;
    struct json_object *root = obj ? k8sc_object_json(obj) : NULL;
    if (root && json_object_object_get_ex(root, "metadata", &meta) && json_object_is_type(meta, json_type_object))
        json_object_object_get_ex(meta, "labels", &labels);
    return k8sc_selector_matches_map(sel, labels);
}

bool k8sc_selector_is_everything(const k8sc_selector *sel)
{
    return sel && !sel->nothing && sel->count == 0;
}

/* ---- String form and accessors ------------------------------------------------ */

static void put_requirement(k8sc__buf *b, const struct sel_req *r)
{
    if (r->op == K8SC_SEL_DOES_NOT_EXIST)
        k8sc__buf_putc(b, '!');
    k8sc__buf_puts(b, r->key);
    switch (r->op) {
    case K8SC_SEL_EXISTS:
    case K8SC_SEL_DOES_NOT_EXIST:
        return;
    case K8SC_SEL_EQUALS: k8sc__buf_puts(b, r->double_equals ? "==" : "="); break;
    case K8SC_SEL_NOT_EQUALS: k8sc__buf_puts(b, "!="); break;
    case K8SC_SEL_IN: k8sc__buf_puts(b, " in ("); break;
    case K8SC_SEL_NOT_IN: k8sc__buf_puts(b, " notin ("); break;
    case K8SC_SEL_GT: k8sc__buf_putc(b, '>'); break;
    case K8SC_SEL_LT: k8sc__buf_putc(b, '<'); break;
    }
    for (size_t i = 0; i < r->nvalues; i++) {
        if (i)
            k8sc__buf_putc(b, ',');
        k8sc__buf_put(b, r->values[i], r->lens[i]);
    }
    if (r->op == K8SC_SEL_IN || r->op == K8SC_SEL_NOT_IN)
        k8sc__buf_putc(b, ')');
}

int k8sc_selector_to_string(char **out, const k8sc_selector *sel)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    K8SC__CHECK_ARG(sel);
    k8sc__buf b = K8SC__BUF_INIT;
    for (size_t i = 0; i < sel->count; i++) {
        if (i)
            k8sc__buf_putc(&b, ',');
        put_requirement(&b, &sel->reqs[i]);
    }
    *out = k8sc__buf_detach(&b, NULL);
    return *out ? 0 : K8SC_ENOMEM;
}

size_t k8sc_selector_count(const k8sc_selector *sel)
{
    return sel ? sel->count : 0;
}

int k8sc_selector_requirement(const k8sc_selector *sel, size_t index,
    const char **key, k8sc_selector_op *op, const char *const **values, size_t *nvalues)
{
    K8SC__CHECK_ARG(sel);
    if (index >= sel->count)
        return k8sc_error_set(K8SC_ENOTFOUND, "selector has %zu requirements, no index %zu", sel->count, index);
    const struct sel_req *r = &sel->reqs[index];
    if (key)
        *key = r->key;
    if (op)
        *op = r->op;
    if (values)
        *values = r->values;
    if (nvalues)
        *nvalues = r->nvalues;
    return 0;
}
