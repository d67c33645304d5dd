/* k8sctl version */
#include "cli_internal.h"

static int run(k8sc__cli *cli, int argc, char **argv)
{
    bool client_only = false;
    const k8sc__cli_flag flags[] = { { NULL, "client", K8SC__FLAG_BOOL, &client_only }, { 0 } };
    int rc = k8sc__cli_parse(cli, "version", flags, argc, argv, NULL, NULL);
    if (rc)
        return rc;
    fprintf(cli->out, "Client Version: v%s\n", k8sc_version());
    if (client_only)
        return 0;
    k8sc_client *c = NULL;
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    char *server = NULL;
    rc = k8sc_cli_server_version(&server, c);
    if (!rc)
        fprintf(cli->out, "Server Version: %s\n", server);
    k8sc_free(server);
    k8sc_client_free(c);
    return rc ? k8sc__cli_report(cli, NULL) : 0;
}

const k8sc__cli_verb k8sc__cli_verb_version = {
    "version",
    "Usage: k8sctl version [--client]\n\nPrint the client and server version information.\n",
    run,
};
