/* k8sctl cordon / uncordon: mark nodes (un)schedulable through spec.unschedulable. */
#include "cli_internal.h"

#include <string.h>

static int mark(k8sc__cli *cli, k8sc_client *c, const k8sc_object *node, bool unschedulable)
{
    bool now = false;
    k8sc_object_get_bool(node, "spec.unschedulable", &now);
    const char *done = unschedulable ? "cordoned" : "uncordoned";
    if (now == unschedulable) {
        fprintf(cli->out, "node/%s already %s\n", k8sc_object_name(node), done);
        return 0;
    }
    /* As kubectl's two-way patch: false is the field's absence. */
    const char *patch = unschedulable ? "{\"spec\":{\"unschedulable\":true}}" : "{\"spec\":{\"unschedulable\":null}}";
    if (k8sc_client_patch(NULL, c, K8SC_NODE, NULL, k8sc_object_name(node), K8SC_PATCH_MERGE, patch))
        return k8sc__cli_report(cli, NULL);
    fprintf(cli->out, "node/%s %s\n", k8sc_object_name(node), done);
    return 0;
}

static int run_mark(k8sc__cli *cli, int argc, char **argv, bool unschedulable)
{
    const char *verb = unschedulable ? "cordon" : "uncordon", *selector = NULL;
    const k8sc__cli_flag flags[] = { { "l", "selector", K8SC__FLAG_STRING, &selector }, { 0 } };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    int rc = k8sc__cli_parse(cli, verb, flags, argc, argv, args, &nargs);
    if (rc)
        return rc;
    if (nargs == 0 && !selector) {
        fprintf(cli->err, "error: USAGE: %s NODE [flags]\nSee 'k8sctl %s -h' for help and examples\n", verb, verb);
        return 1;
    }
    const char *names[K8SC__CLI_MAX_ARGS];
    for (int i = 0; i < nargs; i++)
        names[i] = strncmp(args[i], "node/", 5) == 0 ? args[i] + 5 : strncmp(args[i], "nodes/", 6) == 0 ? args[i] + 6
                                                                                                       : args[i];
    const k8sc_resource *r = NULL;
    k8sc_client *c = NULL;
    if (k8sc_cli_resolve(&r, NULL, "nodes"))
        return k8sc__cli_report(cli, NULL);
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    k8sc_object **nodes = NULL;
    size_t n = 0;
    int failed = k8sc__cli_fetch_targets(cli, c, r, "", names, (size_t)nargs, selector, false, &nodes, &n);
    for (size_t i = 0; i < n; i++)
        failed |= mark(cli, c, nodes[i], unschedulable);
    k8sc_objects_free(nodes, n);
    k8sc_client_free(c);
    return failed;
}

static int run_cordon(k8sc__cli *cli, int argc, char **argv)
{
    return run_mark(cli, argc, argv, true);
}

static int run_uncordon(k8sc__cli *cli, int argc, char **argv)
{
    return run_mark(cli, argc, argv, false);
}

const k8sc__cli_verb k8sc__cli_verb_cordon = {
    "cordon",
    "Usage: k8sctl cordon (NODE... | -l SELECTOR)\n\nMark nodes as unschedulable.\n",
    run_cordon,
};

const k8sc__cli_verb k8sc__cli_verb_uncordon = {
    "uncordon",
    "Usage: k8sctl uncordon (NODE... | -l SELECTOR)\n\nMark nodes as schedulable.\n",
    run_uncordon,
};
