/* k8sctl api-resources */
#include "cli_internal.h"

static int run(k8sc__cli *cli, int argc, char **argv)
{
    k8sc_cli_table_options o = K8SC_CLI_TABLE_OPTIONS_INIT;
    const k8sc__cli_flag flags[] = { { NULL, "no-headers", K8SC__FLAG_BOOL, &o.no_headers }, { 0 } };
    int rc = k8sc__cli_parse(cli, "api-resources", flags, argc, argv, NULL, NULL);
    if (rc)
        return rc;
    k8sc_client *c = NULL;
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    k8sc_object *t = NULL;
    char *text = NULL;
    rc = k8sc_cli_api_resources(&t, c);
    if (!rc)
        rc = k8sc_cli_table_format(&text, t, &o);
    if (rc)
        k8sc__cli_report(cli, NULL);
    else
        fputs(text, cli->out);
    k8sc_free(text);
    k8sc_object_free(t);
    k8sc_client_free(c);
    return rc ? 1 : 0;
}

const k8sc__cli_verb k8sc__cli_verb_api_resources = {
    "api-resources",
    "Usage: k8sctl api-resources [--no-headers]\n\nPrint the supported API resources on the server.\n",
    run,
};
