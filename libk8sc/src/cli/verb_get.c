/* k8sctl get: server-side Tables, or objects as -o yaml|json|name|jsonpath. */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *output;
    const char *sort_by;
    bool all_namespaces;
    bool watch, watch_only, events;
    k8sc_list_options list;
    k8sc_cli_table_options table;
} get_flags;

static void no_resources(k8sc__cli *cli, const k8sc_resource *r, const char *ns, bool all_namespaces)
{
    if (k8sc_resource_namespaced(r) && !all_namespaces && *ns)
        fprintf(cli->err, "No resources found in %s namespace.\n", ns);
    else
        fprintf(cli->err, "No resources found\n");
}

/* --sort-by on a Table: its rows carry only metadata, so the full objects are listed beside it. */
static int sort_rows(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const char *ns, k8sc_object *table,
    const get_flags *f, size_t *found)
{
    k8sc_object *list = NULL, **objs = NULL;
    size_t n = 0;
    int rc = k8sc_client_list(&list, c, k8sc_resource_api_version(r), k8sc_resource_kind(r), ns, &f->list);
    if (!rc)
        rc = k8sc_cli_list_items(&objs, &n, list);
    if (!rc)
        rc = k8sc_cli_table_sort(table, f->sort_by, objs, n, found);
    k8sc_objects_free(objs, n);
    k8sc_object_free(list);
    return rc ? k8sc__cli_report(cli, NULL) : 0;
}

static int print_table(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const char *ns, const char **names,
    size_t n, get_flags *f)
{
    k8sc_object *table = NULL;
    int failed = 0;
    if (n == 0 && k8sc_cli_get_table(&table, c, r, ns, NULL, &f->list))
        return k8sc__cli_report(cli, NULL);
    for (size_t i = 0; i < n; i++) {
        k8sc_object *one = NULL;
        if (k8sc_cli_get_table(&one, c, r, ns, names[i], NULL)) {
            failed = k8sc__cli_report(cli, NULL);
            continue;
        }
        if (!table) {
            table = one;
            continue;
        }
        if (k8sc_cli_table_append(table, one))
            failed = k8sc__cli_report(cli, NULL);
        k8sc_object_free(one);
    }
    size_t sorted = 0;
    if (table && f->sort_by && sort_rows(cli, c, r, ns, table, f, &sorted))
        failed = 1;
    /* kubectl prints no rows unless every row's object has the field. */
    if (table && f->sort_by && sorted < k8sc_cli_table_rows(table)) {
        k8sc_object_free(table);
        table = NULL;
    }
    f->table.with_namespace = f->all_namespaces && k8sc_resource_namespaced(r);
    if (strcmp(f->output, "wide") == 0)
        f->table.wide = true;
    char *text = NULL;
    if (table && k8sc_cli_table_format(&text, table, &f->table)) {
        k8sc_object_free(table);
        return k8sc__cli_report(cli, NULL);
    }
    if (n == 0 && k8sc_cli_table_rows(table) == 0)
        no_resources(cli, r, ns, f->all_namespaces);
    fputs(text ? text : "", cli->out);
    k8sc_free(text);
    k8sc_object_free(table);
    return failed;
}

static int print_objects(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const char *ns,
    const char **names, size_t n, get_flags *f)
{
    const char *av = k8sc_resource_api_version(r), *kind = k8sc_resource_kind(r);
    k8sc_object **objs = NULL, *list = NULL;
    size_t count = 0;
    int failed = 0;
    if (n == 0) {
        int rc = k8sc_client_list(&list, c, av, kind, ns, &f->list);
        if (!rc)
            rc = k8sc_cli_list_items(&objs, &count, list);
        k8sc_object_free(list);
        if (rc)
            return k8sc__cli_report(cli, NULL);
    } else if (!(objs = k8sc__calloc(n, sizeof(*objs)))) {
        return k8sc__cli_report(cli, NULL);
    }
    for (size_t i = 0; i < n; i++) {
        if (k8sc_client_get(&objs[count], c, av, kind, ns, names[i]))
            failed = k8sc__cli_report(cli, NULL);
        else
            count++;
    }
    char *text = NULL;
    bool as_list = n != 1;
    if (f->sort_by && k8sc_cli_sort_objects(objs, count, f->sort_by))
        failed = k8sc__cli_report(cli, NULL);
    else if (strncmp(f->output, "custom-columns=", 15) == 0) {
        if (k8sc_cli_custom_columns(&text, f->output + 15, objs, count, f->table.no_headers))
            failed = k8sc__cli_report(cli, NULL);
    } else if ((count || as_list) && k8sc_cli_format(&text, f->output, r, objs, count, as_list))
        failed = k8sc__cli_report(cli, NULL);
    if (n == 0 && count == 0 && strcmp(f->output, "name") == 0)
        no_resources(cli, r, ns, f->all_namespaces);
    fputs(text ? text : "", cli->out);
    k8sc_free(text);
    k8sc_objects_free(objs, count);
    return failed;
}

static int watch(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const char *ns, const char **names,
    size_t n, const get_flags *f)
{
    if (n > 1)
        return k8sc__cli_fail(cli, "watch is only supported on individual resources and resource collections, but %zu "
                                   "resources were found", n);
    if (f->sort_by)
        fprintf(cli->err, "warning: --watch or --watch-only requested, --sort-by will be ignored\n");
    k8sc__cli_watch_flags wf = { f->output, f->watch_only, f->events, f->all_namespaces, &f->list, &f->table };
    k8sc_cli_table_options table = f->table;
    table.wide = strcmp(f->output, "wide") == 0;
    wf.table = &table;
    return k8sc__cli_get_watch(cli, c, r, ns, n ? names[0] : NULL, &wf);
}

static bool known_output(const char *o)
{
    static const char *const formats[] = { "", "wide", "yaml", "json", "name" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(formats); i++)
        if (strcmp(o, formats[i]) == 0)
            return true;
    return strncmp(o, "jsonpath=", 9) == 0 || strncmp(o, "custom-columns=", 15) == 0;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    get_flags f = { "", NULL, false, false, false, false, K8SC_LIST_OPTIONS_INIT, K8SC_CLI_TABLE_OPTIONS_INIT };
    const k8sc__cli_flag flags[] = {
        { "o", "output", K8SC__FLAG_STRING, &f.output },
        { "l", "selector", K8SC__FLAG_STRING, &f.list.label_selector },
        { NULL, "field-selector", K8SC__FLAG_STRING, &f.list.field_selector },
        { "A", "all-namespaces", K8SC__FLAG_BOOL, &f.all_namespaces },
        { NULL, "show-labels", K8SC__FLAG_BOOL, &f.table.show_labels },
        { NULL, "no-headers", K8SC__FLAG_BOOL, &f.table.no_headers },
        { NULL, "sort-by", K8SC__FLAG_STRING, &f.sort_by },
        { "w", "watch", K8SC__FLAG_BOOL, &f.watch },
        { NULL, "watch-only", K8SC__FLAG_BOOL, &f.watch_only },
        { NULL, "output-watch-events", K8SC__FLAG_BOOL, &f.events },
        { 0 },
    };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    int rc = k8sc__cli_parse(cli, "get", flags, argc, argv, args, &nargs);
    if (rc)
        return rc;
    if (!known_output(f.output))
        return k8sc__cli_fail(cli, "unable to match a printer suitable for the output format \"%s\", allowed "
                                   "formats are: custom-columns,json,jsonpath,name,wide,yaml", f.output);
    if (f.table.show_labels && *f.output && strcmp(f.output, "wide") != 0)
        return k8sc__cli_fail(cli, "--show-labels option cannot be used with %s printer", f.output);
    char type[256];
    const char *names[K8SC__CLI_MAX_ARGS];
    size_t nnames = 0;
    if (k8sc__cli_split_targets(cli, type, sizeof(type), names, &nnames, nargs, args))
        return 1;
    if (!*type) {
        fprintf(cli->err, "You must specify the type of resource to get. Use \"k8sctl api-resources\" for a "
                          "complete list of supported resources.\n\nerror: Required resource not specified.\nUse "
                          "\"k8sctl explain <resource>\" for a detailed description of that resource (e.g. k8sctl "
                          "explain pods).\nSee 'k8sctl get -h' for help and examples\n");
        return 1;
    }
    const k8sc_resource *r = NULL;
    if (k8sc_cli_resolve(&r, NULL, type))
        return k8sc__cli_report(cli, NULL);
    if (f.all_namespaces && nnames)
        return k8sc__cli_fail(cli, "a resource cannot be retrieved by name across all namespaces");
    k8sc_client *c = NULL;
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    const char *ns = f.all_namespaces ? "" : k8sc_client_namespace(c);
    if (f.watch || f.watch_only) {
        rc = watch(cli, c, r, ns, names, nnames, &f);
        k8sc_client_free(c);
        return rc;
    }
    rc = !*f.output || strcmp(f.output, "wide") == 0 ? print_table(cli, c, r, ns, names, nnames, &f)
                                                      : print_objects(cli, c, r, ns, names, nnames, &f);
    k8sc_client_free(c);
    return rc;
}

const k8sc__cli_verb k8sc__cli_verb_get = {
    "get",
    "Usage: k8sctl get TYPE [NAME...] | TYPE/NAME... [flags]\n\nDisplay one or many resources.\n\n"
    "  -n, --namespace NS        the namespace\n  -A, --all-namespaces      list across all namespaces\n"
    "  -l, --selector SEL        label selector\n      --field-selector SEL  field selector\n"
    "  -o, --output FORMAT       wide|yaml|json|name|jsonpath=TEMPLATE|custom-columns=HEADER:PATH,...\n"
    "      --sort-by FIELD       sort by a JSONPath field (e.g. .metadata.name)\n"
    "      --show-labels         a LABELS column\n      --no-headers          no header line\n"
    "  -w, --watch               after listing/getting the requested objects, watch for changes\n"
    "      --watch-only          watch for changes to the requested objects, without listing/getting first\n"
    "      --output-watch-events output watch event objects when --watch or --watch-only is used\n",
    run,
};
