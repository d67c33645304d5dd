/* kubectl describe role, clusterrole, rolebinding and clusterrolebinding. */
#include "describe_internal.h"

#include <stdlib.h>
#include <string.h>

/*
 * One compacted rule: a (group, resource, resource name) with the verbs
 * granted on it, or a non-resource URL with one verb.
 */
typedef struct {
    const char *group, *resource, *name, *url;
    k8sc__buf verbs;
    char *key;
    size_t index;
} rule;

typedef struct {
    rule *v;
    size_t n, cap;
    bool failed;
} rules;

static rule *rules_add(rules *rs)
{
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 16;
        rule *v = k8sc__realloc(rs->v, cap * sizeof(*v));
        if (!v) {
            rs->failed = true;
            return NULL;
        }
        rs->v = v;
        rs->cap = cap;
    }
    rule *r = &rs->v[rs->n];
    memset(r, 0, sizeof(*r));
    r->index = rs->n++;
    return r;
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* BreakdownRule then CompactRules: one verb at a time, merged into the rule of its (group, resource, name). */
static void add_verb(rules *rs, const char *group, const char *resource, const char *name, const char *verb)
{
    for (size_t i = 0; i < rs->n; i++) {
        rule *r = &rs->v[i];
        if (!r->url && same(r->group, group) && same(r->resource, resource) && same(r->name, name)) {
            k8sc__buf_printf(&r->verbs, " %s", verb);
            return;
        }
    }
    rule *r = rules_add(rs);
    if (!r)
        return;
    r->group = group;
    r->resource = resource;
    r->name = name;
    k8sc__buf_puts(&r->verbs, verb);
}

static const char *str_at(struct json_object *list, size_t i)
{
    return json_object_get_string(k8sc__dj_at(list, i));
}

static void break_down(rules *rs, struct json_object *pr)
{
    struct json_object *groups = k8sc__dj_get(pr, "apiGroups"), *res = k8sc__dj_get(pr, "resources");
    struct json_object *verbs = k8sc__dj_get(pr, "verbs"), *names = k8sc__dj_get(pr, "resourceNames");
    struct json_object *urls = k8sc__dj_get(pr, "nonResourceURLs");
    for (size_t g = 0; g < k8sc__dj_len(groups); g++)
        for (size_t r = 0; r < k8sc__dj_len(res); r++)
            for (size_t v = 0; v < k8sc__dj_len(verbs); v++) {
                if (!k8sc__dj_len(names))
                    add_verb(rs, str_at(groups, g), str_at(res, r), NULL, str_at(verbs, v));
                for (size_t n = 0; n < k8sc__dj_len(names); n++)
                    add_verb(rs, str_at(groups, g), str_at(res, r), str_at(names, n), str_at(verbs, v));
            }
    for (size_t u = 0; u < k8sc__dj_len(urls); u++)
        for (size_t v = 0; v < k8sc__dj_len(verbs); v++) {
            rule *x = rules_add(rs);
            if (!x)
                return;
            x->url = str_at(urls, u);
            k8sc__buf_puts(&x->verbs, str_at(verbs, v));
        }
}

/* A one-element (or empty) list as Go's %v prints it. */
static const char *list1(char *buf, size_t size, const char *s)
{
    snprintf(buf, size, "[%s]", s ? s : "");
    return buf;
}

/* PolicyRule.String(), what kubectl sorts the rules by. */
static char *rule_key(const rule *r)
{
    char g[512], res[512], n[512], u[512];
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "&PolicyRule{Verbs:[%s],APIGroups:%s,Resources:%s,ResourceNames:%s,NonResourceURLs:%s,}",
        r->verbs.ptr ? r->verbs.ptr : "", list1(g, sizeof(g), r->group), list1(res, sizeof(res), r->resource),
        list1(n, sizeof(n), r->name), list1(u, sizeof(u), r->url));
    return k8sc__buf_status(&b) ? NULL : k8sc__buf_detach(&b, NULL);
}

static int by_key(const void *a, const void *b)
{
    const rule *x = a, *y = b;
    int c = strcmp(x->key ? x->key : "", y->key ? y->key : "");
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* CombineResourceGroup: "resource.group/subresource". */
static void resource_text(char *buf, size_t size, const rule *r)
{
    if (!r->resource) {
        buf[0] = '\0';
        return;
    }
    const char *slash = strchr(r->resource, '/');
    int len = slash ? (int)(slash - r->resource) : (int)strlen(r->resource);
    const char *group = r->group ? r->group : "";
    snprintf(buf, size, "%.*s%s%s%s", len, r->resource, *group ? "." : "", group, slash ? slash : "");
}

void k8sc__describe_role(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *role = in->obj, *prs = k8sc__dj_get(role, "rules");
    rules rs = { NULL, 0, 0, false };
    /* Resource rules are merged; non-resource ones keep their place ahead of them before the sort. */
    for (size_t i = 0; i < k8sc__dj_len(prs); i++)
        break_down(&rs, k8sc__dj_at(prs, i));
    for (size_t i = 0; i < rs.n; i++) {
        rs.v[i].index = rs.v[i].url ? i : rs.n + i;
        if (!(rs.v[i].key = rule_key(&rs.v[i])))
            rs.failed = true;
    }
    if (rs.n)
        qsort(rs.v, rs.n, sizeof(*rs.v), by_key);
    k8sc__dw_name(w, role, false);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(role, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(role, "metadata.annotations"));
    k8sc__dw_write(w, 0, "PolicyRule:\n");
    k8sc__dw_write(w, 1, "Resources\tNon-Resource URLs\tResource Names\tVerbs\n");
    k8sc__dw_write(w, 1, "---------\t-----------------\t--------------\t-----\n");
    for (size_t i = 0; i < rs.n; i++) {
        char res[1024], u[512], n[512];
        const rule *r = &rs.v[i];
        resource_text(res, sizeof(res), r);
        k8sc__dw_write(w, 1, "%s\t%s\t%s\t[%s]\n", res, list1(u, sizeof(u), r->url), list1(n, sizeof(n), r->name),
            r->verbs.ptr ? r->verbs.ptr : "");
    }
    if (rs.failed)
        w->out.failed = true;
    for (size_t i = 0; i < rs.n; i++) {
        k8sc__buf_free(&rs.v[i].verbs);
        k8sc_free(rs.v[i].key);
    }
    free(rs.v);
}

void k8sc__describe_rolebinding(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *b = in->obj, *subjects = k8sc__dj_get(b, "subjects");
    k8sc__dw_name(w, b, false);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(b, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(b, "metadata.annotations"));
    k8sc__dw_write(w, 0, "Role:\n");
    k8sc__dw_write(w, 1, "Kind:\t%s\n", k8sc__dj_or(b, "roleRef.kind"));
    k8sc__dw_write(w, 1, "Name:\t%s\n", k8sc__dj_or(b, "roleRef.name"));
    k8sc__dw_write(w, 0, "Subjects:\n");
    k8sc__dw_write(w, 1, "Kind\tName\tNamespace\n");
    k8sc__dw_write(w, 1, "----\t----\t---------\n");
    for (size_t i = 0; i < k8sc__dj_len(subjects); i++) {
        struct json_object *s = k8sc__dj_at(subjects, i);
        k8sc__dw_write(w, 1, "%s\t%s\t%s\n", k8sc__dj_or(s, "kind"), k8sc__dj_or(s, "name"), k8sc__dj_or(s, "namespace"));
    }
}
