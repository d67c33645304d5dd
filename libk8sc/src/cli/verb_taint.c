/* k8sctl taint: add or remove node taints. */
#include "cli_internal.h"

#include <string.h>

static int taint_one(k8sc__cli *cli, k8sc_client *c, const k8sc_object *node, const char *const *specs, size_t n,
    bool overwrite)
{
    char *patch = NULL;
    const char *result = NULL;
    if (k8sc_cli_taint_patch(&patch, &result, node, specs, n, overwrite)) {
        const char *msg = k8sc_error_last();
        if (strchr(msg, '\n'))
            fprintf(cli->err, "%s\n", msg);
        else
            k8sc__cli_fail(cli, "%s", msg);
        return 1;
    }
    int rc = k8sc_client_patch(NULL, c, K8SC_NODE, NULL, k8sc_object_name(node), K8SC_PATCH_MERGE, patch);
    k8sc_free(patch);
    if (rc)
        return k8sc__cli_report(cli, NULL);
    fprintf(cli->out, "node/%s %s\n", k8sc_object_name(node), result);
    return 0;
}

/* Check every spec before touching a node, as kubectl does; 0 or 1 once printed. */
static int check_specs(k8sc__cli *cli, const char *const *specs, size_t n)
{
    k8sc_object *empty = NULL;
    char *patch = NULL;
    const char *result = NULL;
    if (k8sc_object_new(&empty, K8SC_NODE))
        return k8sc__cli_report(cli, NULL);
    int rc = k8sc_cli_taint_patch(&patch, &result, empty, specs, n, true);
    k8sc_object_free(empty);
    k8sc_free(patch);
    if (rc && strncmp(k8sc_error_last(), "invalid taint", 13) == 0) {
        fprintf(cli->err, "error: %s\nSee 'k8sctl taint -h' for help and examples\n", k8sc_error_last());
        return 1;
    }
    if (rc && strncmp(k8sc_error_last(), "taint \"", 7) != 0 && strncmp(k8sc_error_last(), "node ", 5) != 0)
        return k8sc__cli_fail(cli, "%s", k8sc_error_last());
    return 0;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    const char *selector = NULL;
    bool overwrite = false, all = false;
    const k8sc__cli_flag flags[] = {
        { NULL, "overwrite", K8SC__FLAG_BOOL, &overwrite },
        { "l", "selector", K8SC__FLAG_STRING, &selector },
        { NULL, "all", K8SC__FLAG_BOOL, &all },
        { 0 },
    };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0, ntargets = 0;
    int rc = k8sc__cli_parse(cli, "taint", flags, argc, argv, args, &nargs);
    if (rc)
        return rc;
    for (ntargets = 0; ntargets < nargs; ntargets++) {
        size_t len = strlen(args[ntargets]);
        if (strchr(args[ntargets], '=') || strchr(args[ntargets], ':') || (len && args[ntargets][len - 1] == '-'))
            break;
    }
    for (int i = ntargets; i < nargs; i++) {
        size_t len = strlen(args[i]);
        if (!strchr(args[i], '=') && !strchr(args[i], ':') && !(len && args[i][len - 1] == '-'))
            return k8sc__cli_fail(cli, "at least one taint update is required");
    }
    const char *const *specs = (const char *const *)args + ntargets;
    size_t nspecs = (size_t)(nargs - ntargets);
    char type[256];
    const char *names[K8SC__CLI_MAX_ARGS];
    size_t nnames = 0;
    if (k8sc__cli_split_targets(cli, type, sizeof(type), names, &nnames, ntargets, args))
        return 1;
    const k8sc_resource *r = NULL;
    if (!*type)
        return k8sc__cli_fail(cli, "at least one taint update is required");
    if (k8sc_cli_resolve(&r, NULL, type))
        return k8sc__cli_report(cli, NULL);
    if (strcmp(k8sc_resource_kind(r), "Node") != 0)
        return k8sc__cli_fail(cli, "invalid resource type %s, only node types are supported", type);
    if (nspecs == 0)
        return k8sc__cli_fail(cli, "at least one taint update is required");
    if (check_specs(cli, specs, nspecs))
        return 1;
    if (!nnames && !selector && !all)
        return k8sc__cli_fail(cli, "resource(s) were provided, but no name was specified");
    k8sc_client *c = NULL;
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    k8sc_object **nodes = NULL;
    size_t n = 0;
    int failed = k8sc__cli_fetch_targets(cli, c, r, "", names, nnames, selector, all, &nodes, &n);
    for (size_t i = 0; i < n; i++)
        failed |= taint_one(cli, c, nodes[i], specs, nspecs, overwrite);
    k8sc_objects_free(nodes, n);
    k8sc_client_free(c);
    return failed;
}

const k8sc__cli_verb k8sc__cli_verb_taint = {
    "taint",
    "Usage: k8sctl taint NODE... KEY[=VALUE]:EFFECT... KEY[:EFFECT]-... [--overwrite] [-l SELECTOR | --all]\n\n"
    "Update the taints on nodes; EFFECT is NoSchedule, PreferNoSchedule or NoExecute.\n",
    run,
};
