/* k8sctl describe: one object, several, or those whose name starts with the argument, as kubectl. */
#include "cli_internal.h"

#include <string.h>

/* Describe `name`, else every object whose name starts with it; `*first` says whether a separator is due. */
static int describe_name(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const char *ns, const char *name,
    bool *first)
{
    char *text = NULL;
    int rc = k8sc_cli_describe(&text, c, r, ns, name);
    if (rc == K8SC_ENOTFOUND) {
        char *err = k8sc__cli_not_found_message(c, r, ns);
        k8sc_object *list = NULL, **items = NULL;
        size_t n = 0, found = 0;
        if (k8sc_client_list(&list, c, k8sc_resource_api_version(r), k8sc_resource_kind(r), ns, NULL) == 0 &&
            k8sc_cli_list_items(&items, &n, list) == 0) {
            for (size_t i = 0; i < n; i++) {
                const char *item = k8sc_object_name(items[i]);
                if (!item || strncmp(item, name, strlen(name)) != 0 || k8sc_cli_describe(&text, c, r, ns, item))
                    continue;
                fprintf(cli->out, "%s\n", text);
                *first = false;
                found++;
                k8sc_free(text);
                text = NULL;
            }
        }
        k8sc_objects_free(items, n);
        k8sc_object_free(list);
        if (found == 0)
            fprintf(cli->err, "Error from server (NotFound): %s\n", err ? err : "not found");
        k8sc_free(err);
        return found ? 0 : 1;
    }
    if (rc)
        return k8sc__cli_report(cli, NULL);
    fprintf(cli->out, "%s%s", *first ? "" : "\n\n", text);
    *first = false;
    k8sc_free(text);
    return 0;
}

static int describe_all(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const char *ns,
    const char *selector, bool *first)
{
    k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
    lo.label_selector = selector;
    k8sc_object *list = NULL, **items = NULL;
    size_t n = 0;
    if (k8sc_client_list(&list, c, k8sc_resource_api_version(r), k8sc_resource_kind(r), ns, &lo) ||
        k8sc_cli_list_items(&items, &n, list)) {
        k8sc_object_free(list);
        return k8sc__cli_report(cli, NULL);
    }
    int failed = 0;
    if (n == 0) {
        if (k8sc_resource_namespaced(r) && *ns)
            fprintf(cli->err, "No resources found in %s namespace.\n", ns);
        else
            fprintf(cli->err, "No resources found\n");
    }
    for (size_t i = 0; i < n; i++) {
        char *text = NULL;
        const char *item_ns = k8sc_object_namespace(items[i]);
        if (k8sc_cli_describe(&text, c, r, item_ns ? item_ns : ns, k8sc_object_name(items[i]))) {
            failed = k8sc__cli_report(cli, NULL);
            continue;
        }
        fprintf(cli->out, "%s%s", *first ? "" : "\n\n", text);
        *first = false;
        k8sc_free(text);
    }
    k8sc_objects_free(items, n);
    k8sc_object_free(list);
    return failed;
}

static int by_name_everywhere(k8sc__cli *cli)
{
    return k8sc__cli_fail(cli, "a resource cannot be retrieved by name across all namespaces");
}

/* TYPE/NAME arguments, of any types, described in the order given as kubectl does. */
static int describe_refs(k8sc__cli *cli, int nargs, char **args, bool all_namespaces)
{
    for (int i = 1; i < nargs; i++) {
        if (!strchr(args[i], '/')) {
            /* TYPE/NAME then a bare word: the splitter's own message for mixing the forms. */
            char type[256], *pair[2] = { args[0], args[i] };
            const char *names[2];
            size_t n;
            return k8sc__cli_split_targets(cli, type, sizeof(type), names, &n, 2, pair);
        }
    }
    /* Every type is resolved before anything is described: an unknown one fails the whole command. */
    const k8sc_resource *rs[K8SC__CLI_MAX_ARGS];
    int n = 0;
    for (; n < nargs && n < K8SC__CLI_MAX_ARGS; n++) {
        char *slash = strchr(args[n], '/');
        *slash = '\0';
        int unknown = k8sc_cli_resolve(&rs[n], NULL, args[n]);
        *slash = '/';
        if (unknown)
            return k8sc__cli_report(cli, NULL);
    }
    for (int i = 0; all_namespaces && i < n; i++)
        if (k8sc_resource_namespaced(rs[i]))
            return by_name_everywhere(cli);
    k8sc_client *c = NULL;
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    bool first = true;
    int failed = 0;
    for (int i = 0; i < n; i++)
        failed |= describe_name(cli, c, rs[i], k8sc_client_namespace(c), strchr(args[i], '/') + 1, &first);
    k8sc_client_free(c);
    return failed;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    const char *selector = NULL;
    bool all_namespaces = false;
    const k8sc__cli_flag flags[] = {
        { "l", "selector", K8SC__FLAG_STRING, &selector },
        { "A", "all-namespaces", K8SC__FLAG_BOOL, &all_namespaces },
        { 0 },
    };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    int rc = k8sc__cli_parse(cli, "describe", flags, argc, argv, args, &nargs);
    if (rc)
        return rc;
    if (nargs > 1 && strchr(args[0], '/'))
        return describe_refs(cli, nargs, args, all_namespaces);
    char type[256];
    const char *names[K8SC__CLI_MAX_ARGS];
    size_t nnames = 0;
    if (k8sc__cli_split_targets(cli, type, sizeof(type), names, &nnames, nargs, args))
        return 1;
    if (!*type)
        return k8sc__cli_fail(cli, "You must specify the type of resource to describe. Use \"k8sctl api-resources\" "
                                   "for a complete list of supported resources.");
    const k8sc_resource *r = NULL;
    k8sc_client *c = NULL;
    if (k8sc__cli_resolve_open(cli, type, &r, &c))
        return 1;
    const char *ns = all_namespaces ? "" : k8sc_client_namespace(c);
    bool first = true;
    int failed = 0;
    if (all_namespaces && nnames > 0 && k8sc_resource_namespaced(r)) {
        k8sc_client_free(c);
        return by_name_everywhere(cli);
    }
    for (size_t i = 0; i < nnames; i++)
        failed |= describe_name(cli, c, r, ns, names[i], &first);
    if (nnames == 0)
        failed = describe_all(cli, c, r, ns, selector, &first);
    k8sc_client_free(c);
    return failed;
}

const k8sc__cli_verb k8sc__cli_verb_describe = {
    "describe",
    "Usage: k8sctl describe (TYPE [NAME_PREFIX] | TYPE/NAME...) [-l SELECTOR] [-A]\n\n"
    "Show details of a specific resource or group of resources, with their events.\n",
    run,
};
