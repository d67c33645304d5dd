/* k8sctl explain TYPE[.field.path] [--recursive]: a kind's schema from the server's OpenAPI v3, as kubectl prints it. */
#include "generate_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    struct json_object *schemas; /* components.schemas of the group-version document */
    k8sc__buf *out;
} explainer;

/* The schema `s` stands for: its $ref (or allOf's first $ref) resolved in the document's schemas. */
static struct json_object *resolve(const explainer *e, struct json_object *s)
{
    for (int depth = 0; s && depth < 16; depth++) {
        struct json_object *ref = json_object_object_get(s, "$ref"), *all = json_object_object_get(s, "allOf");
        if (!ref && k8sc__jlen(all))
            ref = json_object_object_get(json_object_array_get_idx(all, 0), "$ref");
        const char *r = ref ? json_object_get_string(ref) : NULL;
        if (!r)
            return s;
        const char *slash = strrchr(r, '/');
        s = json_object_object_get(e->schemas, slash ? slash + 1 : r);
    }
    return s;
}

/*
 * kubectl's type name for a schema: string, integer, Object, []Container,
 * map[string]Quantity... A lone allOf stands for its element; a $ref is
 * named after the last part of the schema's name unless that schema is a
 * primitive (Time is a string).
 */
static void type_name(const explainer *e, struct json_object *s, k8sc__buf *b)
{
    struct json_object *all = json_object_object_get(s, "allOf");
    if (k8sc__jlen(all) == 1 && !json_object_object_get(s, "properties")) {
        type_name(e, json_object_array_get_idx(all, 0), b);
        return;
    }
    const char *ref = json_object_get_string(json_object_object_get(s, "$ref"));
    if (ref) {
        const char *name = strrchr(ref, '/') ? strrchr(ref, '/') + 1 : ref;
        const char *rtype = json_object_get_string(json_object_object_get(json_object_object_get(e->schemas, name),
            "type"));
        const char *dot = strrchr(name, '.');
        if (rtype && strcmp(rtype, "object") != 0)
            k8sc__buf_puts(b, rtype);
        else
            k8sc__buf_puts(b, dot && dot[1] ? dot + 1 : *name ? name : "Object");
        return;
    }
    const char *type = json_object_get_string(json_object_object_get(s, "type"));
    const char *format = json_object_get_string(json_object_object_get(s, "format"));
    struct json_object *add = json_object_object_get(s, "additionalProperties");
    if (format && strcmp(format, "int-or-string") == 0)
        k8sc__buf_puts(b, "IntOrString");
    else if (type && strcmp(type, "array") == 0) {
        k8sc__buf_puts(b, "[]");
        type_name(e, json_object_object_get(s, "items"), b);
    } else if (type && strcmp(type, "object") == 0 && json_object_is_type(add, json_type_object) &&
               !json_object_object_get(s, "properties")) {
        k8sc__buf_puts(b, "map[string]");
        type_name(e, add, b);
    } else if (!type || strcmp(type, "object") == 0)
        k8sc__buf_puts(b, "Object");
    else
        k8sc__buf_puts(b, type);
}

/* `text` word-wrapped at `width` columns as go-wordwrap does, each line prefixed by `indent` spaces. */
static void wrapped(k8sc__buf *b, const char *text, int indent)
{
    size_t width = (size_t)(80 - indent);
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t para = nl ? (size_t)(nl - p) : strlen(p), line = 0;
        k8sc__buf_printf(b, "%*s", indent, "");
        for (size_t i = 0; i < para;) {
            size_t w = 0;
            while (i + w < para && p[i + w] != ' ')
                w++;
            if (line && line + 1 + w > width) {
                k8sc__buf_printf(b, "\n%*s", indent, "");
                line = 0;
            } else if (line) {
                k8sc__buf_putc(b, ' ');
                line++;
            }
            k8sc__buf_put(b, p + i, w);
            line += w;
            i += w;
            while (i < para && p[i] == ' ')
                i++;
        }
        k8sc__buf_putc(b, '\n');
        p += para + (nl ? 1 : 0);
    }
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool required(struct json_object *s, const char *name)
{
    struct json_object *req = json_object_object_get(s, "required");
    for (size_t i = 0; i < k8sc__jlen(req); i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(req, i)), name) == 0)
            return true;
    return false;
}

/* The fields of `s` in name order: with descriptions, or (recursive) nested, 2 more spaces a level. */
static void fields(const explainer *e, struct json_object *s, int level, bool recursive)
{
    s = resolve(e, s);
    struct json_object *props = json_object_object_get(s, "properties");
    size_t n = json_object_is_type(props, json_type_object) ? (size_t)json_object_object_length(props) : 0, i = 0;
    const char **keys = k8sc__calloc(n ? n : 1, sizeof(char *));
    if (!keys)
        return;
    if (n) {
        json_object_object_foreach(props, k, v) {
            (void)v;
            keys[i++] = k;
        }
    }
    qsort(keys, n, sizeof(char *), cmp_keys);
    for (i = 0; i < n && level < 16; i++) {
        struct json_object *f = json_object_object_get(props, keys[i]);
        k8sc__buf_printf(e->out, "%*s%s\t<", 2 * level, "", keys[i]);
        type_name(e, f, e->out);
        k8sc__buf_printf(e->out, ">%s\n", required(s, keys[i]) ? " -required-" : "");
        if (recursive) {
            struct json_object *sub = resolve(e, f);
            const char *type = json_object_get_string(json_object_object_get(sub, "type"));
            if (type && strcmp(type, "array") == 0)
                sub = json_object_object_get(sub, "items");
            fields(e, sub, level + 1, true);
            continue;
        }
        const char *desc = json_object_get_string(json_object_object_get(f, "description"));
        wrapped(e->out, desc && *desc ? desc : "<no description>", 2 * level + 2);
        k8sc__buf_putc(e->out, '\n');
    }
    free(keys);
}

/*
 * kubectl's DESCRIPTION text: the schema's own description, then those
 * of the types it stands for (array items, map values, allOf, $ref),
 * each paragraph wrapped on its own.
 */
static void descriptions(const explainer *e, struct json_object *s, k8sc__buf *b, int depth)
{
    if (!s || depth > 16)
        return;
    const char *desc = json_object_get_string(json_object_object_get(s, "description"));
    if (desc && *desc)
        wrapped(b, desc, 4);
    struct json_object *add = json_object_object_get(s, "additionalProperties");
    descriptions(e, json_object_object_get(s, "items"), b, depth + 1);
    if (json_object_is_type(add, json_type_object))
        descriptions(e, add, b, depth + 1);
    struct json_object *all = json_object_object_get(s, "allOf");
    for (size_t i = 0; i < k8sc__jlen(all); i++)
        descriptions(e, json_object_array_get_idx(all, i), b, depth + 1);
    const char *ref = json_object_get_string(json_object_object_get(s, "$ref"));
    if (ref)
        descriptions(e, json_object_object_get(e->schemas, strrchr(ref, '/') ? strrchr(ref, '/') + 1 : ref), b,
            depth + 1);
}

/* The schema of `r`'s kind in its group-version's OpenAPI v3 document (kept in `*doc`), or NULL. */
static struct json_object *find_schema(explainer *e, k8sc_client *c, const k8sc_resource *r, k8sc_object **doc)
{
    char *body = NULL, path[512];
    const char *group = k8sc_resource_group(r);
    snprintf(path, sizeof(path), "/openapi/v3/%s%s", group && *group ? "apis/" : "api/",
        k8sc_resource_api_version(r));
    if (k8sc_client_request(&body, NULL, c, "GET", path, NULL, NULL, 0) ||
        k8sc_object_from_json(doc, body, strlen(body))) {
        k8sc_free(body);
        return NULL;
    }
    k8sc_free(body);
    e->schemas = k8sc_object_get(*doc, "components.schemas");
    if (!json_object_is_type(e->schemas, json_type_object))
        return NULL;
    json_object_object_foreach(e->schemas, name, s) {
        (void)name;
        struct json_object *gvks = json_object_object_get(s, "x-kubernetes-group-version-kind");
        for (size_t i = 0; i < k8sc__jlen(gvks); i++) {
            struct json_object *g = json_object_array_get_idx(gvks, i);
            const char *gg = json_object_get_string(json_object_object_get(g, "group"));
            const char *kk = json_object_get_string(json_object_object_get(g, "kind"));
            if (strcmp(gg ? gg : "", group ? group : "") == 0 && kk && strcmp(kk, k8sc_resource_kind(r)) == 0)
                return s;
        }
    }
    return NULL;
}

static int explain(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, char *path, bool recursive)
{
    k8sc__buf out = K8SC__BUF_INIT;
    explainer e = { NULL, &out };
    k8sc_object *doc = NULL;
    struct json_object *s = find_schema(&e, c, r, &doc);
    if (!s) {
        k8sc_object_free(doc);
        return k8sc__cli_fail(cli, "couldn't find resource for \"%s, Kind=%s\"", k8sc_resource_api_version(r),
            k8sc_resource_kind(r));
    }
    const char *group = k8sc_resource_group(r);
    if (group && *group)
        k8sc__buf_printf(&out, "GROUP:      %s\n", group);
    k8sc__buf_printf(&out, "KIND:       %s\nVERSION:    %s\n\n", k8sc_resource_kind(r), k8sc_resource_version(r));
    const char *field = NULL;
    for (char *save = NULL, *f = path ? strtok_r(path, ".", &save) : NULL; f; f = strtok_r(NULL, ".", &save)) {
        struct json_object *cur = resolve(&e, s);
        const char *type = json_object_get_string(json_object_object_get(cur, "type"));
        if (type && strcmp(type, "array") == 0)
            cur = resolve(&e, json_object_object_get(cur, "items"));
        struct json_object *next = json_object_object_get(json_object_object_get(cur, "properties"), f);
        if (!next) {
            /* kubectl has printed the header by the time it finds the field missing. */
            fwrite(out.ptr, 1, out.len, cli->out);
            k8sc__buf_free(&out);
            k8sc_object_free(doc);
            return k8sc__cli_fail(cli, "field \"%s\" does not exist", f);
        }
        s = next;
        field = f;
    }
    if (field) {
        k8sc__buf_printf(&out, "FIELD: %s <", field);
        type_name(&e, s, &out);
        k8sc__buf_puts(&out, ">\n\n\n");
    }
    k8sc__buf_puts(&out, "DESCRIPTION:\n");
    size_t before = out.len;
    descriptions(&e, s, &out, 0);
    k8sc__buf_puts(&out, out.len == before ? "    <empty>\n" : "    \n");
    struct json_object *body = resolve(&e, s);
    const char *type = json_object_get_string(json_object_object_get(body, "type"));
    if (type && strcmp(type, "array") == 0)
        body = resolve(&e, json_object_object_get(body, "items"));
    struct json_object *props = json_object_object_get(body, "properties");
    if (json_object_is_type(props, json_type_object) && json_object_object_length(props) > 0) {
        k8sc__buf_puts(&out, "FIELDS:\n");
        fields(&e, body, 1, recursive);
    }
    k8sc__buf_putc(&out, '\n');
    int rc = k8sc__buf_status(&out) ? k8sc__cli_fail(cli, "out of memory") : 0;
    if (!rc)
        fwrite(out.ptr, 1, out.len, cli->out);
    k8sc__buf_free(&out);
    k8sc_object_free(doc);
    return rc;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    bool recursive = false;
    const char *api_version = NULL;
    const k8sc__cli_flag flags[] = { { NULL, "recursive", K8SC__FLAG_BOOL, &recursive },
        { NULL, "api-version", K8SC__FLAG_STRING, &api_version }, { 0 } };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    int rc = k8sc__cli_parse(cli, "explain", flags, argc, argv, args, &nargs);
    if (rc)
        return rc;
    if (nargs == 0)
        return k8sc__cli_fail(cli, "You must specify the type of resource to explain. Use \"k8sctl "
                                   "api-resources\" for a complete list of supported resources.");
    if (nargs > 1)
        return k8sc__cli_fail(cli, "We accept only this format: explain RESOURCE");
    char type[256];
    snprintf(type, sizeof(type), "%s", args[0]);
    char *dot = strchr(type, '.');
    if (dot)
        *dot = '\0';
    const k8sc_resource *r = NULL;
    if (k8sc_cli_resolve(&r, NULL, type)) {
        fprintf(cli->err, "the server doesn't have a resource type \"%s\"\n", type);
        return 1;
    }
    if (api_version && strcmp(api_version, k8sc_resource_api_version(r)) != 0)
        return k8sc__cli_fail(cli, "couldn't find resource for \"%s, Resource=%s\"",
            strchr(api_version, '/') ? api_version : "/v2", k8sc_resource_plural(r));
    k8sc_client *c = NULL;
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    rc = explain(cli, c, r, dot ? dot + 1 : NULL, recursive);
    k8sc_client_free(c);
    return rc;
}

const k8sc__cli_verb k8sc__cli_verb_explain = {
    "explain",
    "Describe fields and structure of various resources.\n\n"
    "This command describes the fields associated with each supported API resource. Fields are identified via "
    "a simple JSONPath identifier:\n\n"
    "        <type>.<fieldName>[.<fieldName>]\n\n"
    "Information about each field is retrieved from the server in OpenAPI format.\n\n"
    "Examples:\n"
    "  # Get the documentation of the resource and its fields\n"
    "  k8sctl explain pods\n\n"
    "  # Get all the fields in the resource\n"
    "  k8sctl explain pods --recursive\n\n"
    "  # Get the documentation of a specific field of a resource\n"
    "  k8sctl explain pods.spec.containers\n\n"
    "Options:\n"
    "    --api-version='': Use given api-version (group/version) of the resource.\n"
    "    --recursive=false: When true, print the name of all the fields recursively. Otherwise, print the "
    "available fields with their description.\n\n"
    "Usage:\n"
    "  k8sctl explain TYPE [--recursive=FALSE|TRUE] [--api-version=api-version-group] [options]\n",
    run,
};
