/* k8sctl delete: by name, by -f manifests or by -l selector. */
#include "cli_internal.h"

#include <string.h>

static int delete_one(k8sc__cli *cli, k8sc_client *c, const char *av, const char *kind, const char *ns,
    const char *name)
{
    if (k8sc_client_delete(NULL, c, av, kind, ns, name, NULL))
        return k8sc__cli_report(cli, NULL);
    char ref[256];
    k8sc__cli_kind_ref(ref, sizeof(ref), av, kind);
    fprintf(cli->out, "%s \"%s\" deleted\n", ref, name);
    return 0;
}

static int delete_files(k8sc__cli *cli, const char *file)
{
    k8sc_object **objs = NULL;
    size_t n = 0;
    k8sc_client *c = NULL;
    if (k8sc__cli_read_manifests(cli, &objs, &n, file) || k8sc__cli_open_client(cli, &c)) {
        k8sc_objects_free(objs, n);
        return 1;
    }
    int failed = 0;
    for (size_t i = 0; i < n; i++)
        failed |= delete_one(cli, c, k8sc_object_api_version(objs[i]), k8sc_object_kind(objs[i]),
            k8sc_object_namespace(objs[i]), k8sc_object_name(objs[i]));
    k8sc_objects_free(objs, n);
    k8sc_client_free(c);
    return failed;
}

static int delete_selected(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const char *ns,
    const char *selector)
{
    const char *av = k8sc_resource_api_version(r), *kind = k8sc_resource_kind(r);
    k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
    lo.label_selector = selector;
    k8sc_object *list = NULL, **items = NULL;
    size_t len = 0;
    int failed = 0;
    if (k8sc_client_list(&list, c, av, kind, ns, &lo) || k8sc_cli_list_items(&items, &len, list)) {
        failed = k8sc__cli_report(cli, NULL);
    } else {
        if (len == 0)
            fprintf(cli->out, "No resources found\n");
        for (size_t i = 0; i < len; i++)
            failed |= delete_one(cli, c, av, kind, ns, k8sc_object_name(items[i]));
    }
    k8sc_objects_free(items, len);
    k8sc_object_free(list);
    return failed;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    const char *file = NULL, *selector = NULL;
    const k8sc__cli_flag flags[] = {
        { "f", "filename", K8SC__FLAG_STRING, &file },
        { "l", "selector", K8SC__FLAG_STRING, &selector },
        { 0 },
    };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    int rc = k8sc__cli_parse(cli, "delete", flags, argc, argv, args, &nargs);
    if (rc)
        return rc;
    if (file)
        return delete_files(cli, file);
    char type[256];
    const char *names[K8SC__CLI_MAX_ARGS];
    size_t nnames = 0;
    if (k8sc__cli_split_targets(cli, "delete", type, sizeof(type), names, &nnames, nargs, args))
        return 1;
    if (!*type || (!nnames && !selector))
        return k8sc__cli_fail(cli, "resource(s) were provided, but no name was specified");
    const k8sc_resource *r = NULL;
    if (k8sc_cli_resolve(&r, NULL, type))
        return k8sc__cli_report(cli, NULL);
    k8sc_client *c = NULL;
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    const char *ns = k8sc_client_namespace(c);
    int failed = 0;
    for (size_t i = 0; i < nnames; i++)
        failed |= delete_one(cli, c, k8sc_resource_api_version(r), k8sc_resource_kind(r), ns, names[i]);
    if (selector)
        failed |= delete_selected(cli, c, r, ns, selector);
    k8sc_client_free(c);
    return failed;
}

const k8sc__cli_verb k8sc__cli_verb_delete = {
    "delete",
    "Usage: k8sctl delete (TYPE NAME... | TYPE/NAME... | -f FILENAME | TYPE -l SELECTOR)\n\nDelete resources.\n",
    run,
};
