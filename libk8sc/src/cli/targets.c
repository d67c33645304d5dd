/*
 * The objects a verb acts on: the "TYPE NAME..." arguments checked, named
 * ones fetched, or a label selector's (or --all's) listed.
 */
#include "cli_internal.h"

int k8sc__cli_targets(k8sc__cli *cli, char *type, size_t size, const char **names, size_t *nnames,
    int argc, char **argv, bool need_names)
{
    if (k8sc__cli_split_targets(cli, type, size, names, nnames, argc, argv))
        return 1;
    if (!*type)
        return k8sc__cli_fail(cli, "You must provide one or more resources by argument or filename.\n"
                                   "Example resource specifications include:\n   '-f rsrc.yaml'\n"
                                   "   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'");
    if (need_names && !*nnames)
        return k8sc__cli_fail(cli, "resource(s) were provided, but no name was specified");
    return 0;
}

static int set_kind(k8sc_object *obj, const k8sc_resource *r)
{
    int rc = 0;
    if (!k8sc_object_api_version(obj))
        rc = k8sc_object_set_api_version(obj, k8sc_resource_api_version(r));
    if (!rc && !k8sc_object_kind(obj))
        rc = k8sc_object_set_kind(obj, k8sc_resource_kind(r));
    return rc;
}

static int list_targets(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const char *ns,
    const char *selector, k8sc_object ***objs, size_t *n)
{
    k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
    lo.label_selector = selector;
    k8sc_object *list = NULL;
    int rc = k8sc_client_list(&list, c, k8sc_resource_api_version(r), k8sc_resource_kind(r), ns, &lo);
    if (!rc)
        rc = k8sc_cli_list_items(objs, n, list);
    k8sc_object_free(list);
    for (size_t i = 0; !rc && i < *n; i++)
        rc = set_kind((*objs)[i], r);
    return rc ? k8sc__cli_report(cli, NULL) : 0;
}

int k8sc__cli_fetch_targets(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const char *ns,
    const char **names, size_t nnames, const char *selector, bool all, k8sc_object ***objs, size_t *n)
{
    *objs = NULL;
    *n = 0;
    if (nnames == 0 && (selector || all))
        return list_targets(cli, c, r, ns, selector, objs, n);
    if (!(*objs = k8sc__calloc(nnames ? nnames : 1, sizeof(k8sc_object *))))
        return k8sc__cli_report(cli, NULL);
    int failed = 0;
    for (size_t i = 0; i < nnames; i++) {
        k8sc_object *obj = NULL;
        if (k8sc_client_get(&obj, c, k8sc_resource_api_version(r), k8sc_resource_kind(r), ns, names[i]) ||
            set_kind(obj, r)) {
            k8sc_object_free(obj);
            failed = k8sc__cli_report(cli, NULL);
            continue;
        }
        (*objs)[(*n)++] = obj;
    }
    return failed;
}
