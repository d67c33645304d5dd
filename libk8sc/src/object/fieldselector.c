/*
 * Field selectors, as k8s.io/apimachinery/pkg/fields.ParseSelector: terms
 * "field=value", "field==value" or "field!=value" joined by ',', with '\'
 * escaping '\', ',' and '=' in values. A selector is one allocation: the
 * header, the terms, then their strings.
 */
#include "object_internal.h"

#include <stdlib.h>
#include <string.h>

struct field_term {
    const char *field;
    const char *value;
    k8sc_selector_op op; /* K8SC_SEL_EQUALS or K8SC_SEL_NOT_EQUALS */
};

struct k8sc_field_selector {
    size_t count;
    struct field_term terms[];
};

/* A term while parsing: spans of the input, its unescaped value in scratch. */
struct raw_term {
    size_t field, field_len; /* offsets in the text */
    size_t value, value_len; /* offset in the unescaped scratch buffer */
    const char *canon;       /* what String() prints for the term, in scratch */
    size_t canon_len;
    k8sc_selector_op op;
};

struct fparser {
    const char *s;
    size_t n;
    struct raw_term *terms;
    size_t nterms;
    char *values; /* unescaped values, back to back */
    size_t nvalues_bytes;
    char *canon;  /* canonical term texts, back to back */
    size_t ncanon_bytes;
};

static int field_error(const struct fparser *p, size_t pos, const char *fmt, ...) K8SC_PRINTF(3, 4);

/* Record EINVAL: `field selector "<text>": at position N: <message>`. */
static int field_error(const struct fparser *p, size_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = k8sc__syntax_error("field selector", p->s, p->n, pos, fmt, ap);
    va_end(ap);
    return rc;
}

/* Bytes of the UTF-8 sequence led by `c` (1 for anything malformed), so messages show whole characters. */
static size_t utf8_len(unsigned char c)
{
    if (c >= 0xF0 && c < 0xF8)
        return 4;
    if (c >= 0xE0)
        return c < 0xF0 ? 3 : 1;
    if (c >= 0xC0)
        return 2;
    return 1;
}

/*
 * UnescapeValue of text[start, end) into p->values. Kubernetes accepts
 * only "\\", "\," and "\=" and no bare ',' or '='.
 */
static int unescape_value(struct fparser *p, size_t start, size_t end, struct raw_term *t)
{
    t->value = p->nvalues_bytes;
    char *o = p->values + p->nvalues_bytes;
    for (size_t i = start; i < end; i++) {
        char c = p->s[i];
        if (c == '\\') {
            if (i + 1 == end)
                return field_error(p, i, "invalid escape sequence: \\ at the end of the value");
            char e = p->s[i + 1];
            if (e != '\\' && e != ',' && e != '=') {
                size_t n = utf8_len((unsigned char)e);
                if (n > end - i - 1)
                    n = end - i - 1;
                return field_error(p, i, "invalid escape sequence: \\%.*s (only \\\\, \\, and \\= are allowed)",
                    (int)n, p->s + i + 1);
            }
            *o++ = e;
            i++;
        } else if (c == '=' || c == ',') {
            return field_error(p, i, "unescaped character in value: '%c' (write \\%c)", c, c);
        } else {
            *o++ = c;
        }
    }
    t->value_len = (size_t)(o - (p->values + t->value));
    p->nvalues_bytes += t->value_len;
    return 0;
}

/* splitTerm: the first "!=", "==" or "=" (tried in that order at each byte) splits field from value. */
static int parse_term(struct fparser *p, size_t start, size_t end)
{
    size_t i = start, oplen = 0;
    k8sc_selector_op op = K8SC_SEL_EQUALS;
    for (; i < end; i++) {
        bool next_eq = i + 1 < end && p->s[i + 1] == '=';
        if (p->s[i] == '!' && next_eq) {
            op = K8SC_SEL_NOT_EQUALS;
            oplen = 2;
            break;
        }
        if (p->s[i] == '=') {
            oplen = next_eq ? 2 : 1;
            break;
        }
    }
    if (oplen == 0) {
        size_t n = end - start;
        return field_error(p, start, "can't understand '%.*s%s': expected field=value, field==value or field!=value",
            (int)(n > 64 ? 64 : n), p->s + start, n > 64 ? "..." : "");
    }
    if (i == start)
        return field_error(p, start, "field name must not be empty");
    struct raw_term *t = &p->terms[p->nterms];
    t->field = start;
    t->field_len = i - start;
    t->op = op;
    int rc = unescape_value(p, i + oplen, end, t);
    if (rc != 0)
        return rc;
    /* A valid escaped value is already canonical: only "==" changes. */
    char *c = p->canon + p->ncanon_bytes;
    memcpy(c, p->s + start, i - start);
    size_t len = i - start;
    if (op == K8SC_SEL_NOT_EQUALS)
        c[len++] = '!';
    c[len++] = '=';
    memcpy(c + len, p->s + i + oplen, end - i - oplen);
    len += end - i - oplen;
    t->canon = c;
    t->canon_len = len;
    p->ncanon_bytes += len;
    p->nterms++;
    return 0;
}

/*
 * Terms print in sorted order of their canonical text (field, "=" or
 * "!=", escaped value). Kubernetes sorts the raw text instead, which
 * differs only when "==" is used; sorting what String() prints keeps
 * String() a fixed point of parsing.
 */
static int cmp_terms(const void *a, const void *b)
{
    const struct raw_term *x = a, *y = b;
    size_t n = x->canon_len < y->canon_len ? x->canon_len : y->canon_len;
    int c = n ? memcmp(x->canon, y->canon, n) : 0;
    if (c != 0)
        return c;
    return (x->canon_len > y->canon_len) - (x->canon_len < y->canon_len);
}

int k8sc_field_selector_parse(k8sc_field_selector **out, const char *text)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    K8SC__CHECK_ARG(text);
    struct fparser p = { .s = text, .n = strlen(text) };
    size_t maxterms = 1;
    for (size_t i = 0; i < p.n; i++)
        maxterms += text[i] == ',';
    p.terms = k8sc__calloc(maxterms, sizeof(*p.terms));
    p.values = k8sc__malloc(p.n + 1);
    p.canon = k8sc__malloc(p.n + 1);
    if (!p.terms || !p.values || !p.canon) {
        free(p.terms);
        free(p.values);
        free(p.canon);
        return K8SC_ENOMEM;
    }

    /* splitTerms: ',' separates terms unless escaped; empty terms are skipped. */
    int rc = 0;
    size_t start = 0;
    bool in_slash = false;
    for (size_t i = 0; rc == 0 && i <= p.n; i++) {
        if (i < p.n) {
            if (in_slash) {
                in_slash = false;
                continue;
            }
            if (text[i] == '\\')
                in_slash = true;
            if (text[i] != ',')
                continue;
        }
        if (i > start)
            rc = parse_term(&p, start, i);
        start = i + 1;
    }

    if (rc == 0) {
        qsort(p.terms, p.nterms, sizeof(*p.terms), cmp_terms);
        size_t chars = 0;
        for (size_t i = 0; i < p.nterms; i++)
            chars += p.terms[i].field_len + p.terms[i].value_len + 2;
        k8sc_field_selector *sel = k8sc__malloc(sizeof(*sel) + p.nterms * sizeof(struct field_term) + chars);
        if (!sel) {
            rc = K8SC_ENOMEM;
        } else {
            sel->count = p.nterms;
            char *o = (char *)(sel->terms + p.nterms);
            for (size_t i = 0; i < p.nterms; i++) {
                const struct raw_term *t = &p.terms[i];
                sel->terms[i].op = t->op;
                sel->terms[i].field = o;
                memcpy(o, text + t->field, t->field_len);
                o += t->field_len;
                *o++ = '\0';
                sel->terms[i].value = o;
                memcpy(o, p.values + t->value, t->value_len);
                o += t->value_len;
                *o++ = '\0';
            }
            *out = sel;
        }
    }
    free(p.terms);
    free(p.values);
    free(p.canon);
    return rc;
}

void k8sc_field_selector_free(k8sc_field_selector *sel)
{
    free(sel);
}

bool k8sc_field_selector_matches(const k8sc_field_selector *sel, k8sc_lookup_fn get, void *userdata)
{
    if (!sel)
        return false;
    for (size_t i = 0; i < sel->count; i++) {
        const struct field_term *t = &sel->terms[i];
        /* fields.Set.Get: an absent field reads as "". */
        const char *v = get ? get(t->field, userdata) : NULL;
        bool equal = strcmp(v ? v : "", t->value) == 0;
        if (equal != (t->op == K8SC_SEL_EQUALS))
            return false;
    }
    return true;
}

bool k8sc_field_selector_is_everything(const k8sc_field_selector *sel)
{
    return sel && sel->count == 0;
}

int k8sc_field_selector_to_string(char **out, const k8sc_field_selector *sel)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    K8SC__CHECK_ARG(sel);
    k8sc__buf b = K8SC__BUF_INIT;
    for (size_t i = 0; i < sel->count; i++) {
        const struct field_term *t = &sel->terms[i];
        if (i)
            k8sc__buf_putc(&b, ',');
        k8sc__buf_puts(&b, t->field);
        k8sc__buf_puts(&b, t->op == K8SC_SEL_EQUALS ? "=" : "!=");
        /* EscapeValue */
        for (const char *c = t->value; *c; c++) {
            if (*c == '\\' || *c == ',' || *c == '=')
                k8sc__buf_putc(&b, '\\');
            k8sc__buf_putc(&b, *c);
        }
    }
    *out = k8sc__buf_detach(&b, NULL);
    return *out ? 0 : K8SC_ENOMEM;
}

size_t k8sc_field_selector_count(const k8sc_field_selector *sel)
{
    return sel ? sel->count : 0;
}

int k8sc_field_selector_term(const k8sc_field_selector *sel, size_t index,
    const char **field, k8sc_selector_op *op, const char **value)
{
    K8SC__CHECK_ARG(sel);
    if (index >= sel->count)
        return k8sc_error_set(K8SC_ENOTFOUND, "field selector has %zu terms, no index %zu", sel->count, index);
    const struct field_term *t = &sel->terms[index];
    if (field)
        *field = t->field;
    if (op)
        *op = t->op;
    if (value)
        *value = t->value;
    return 0;
}

const char *k8sc_field_selector_exact(const k8sc_field_selector *sel, const char *field)
{
    if (!sel || !field)
        return NULL;
    /* RequiresExactMatch: the first "=" term on the field; "!=" terms never pin a value. */
    for (size_t i = 0; i < sel->count; i++)
        if (sel->terms[i].op == K8SC_SEL_EQUALS && strcmp(sel->terms[i].field, field) == 0)
            return sel->terms[i].value;
    return NULL;
}
