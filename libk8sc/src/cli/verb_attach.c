/* k8sctl attach: the running container's output (and stdin with -i) through pods/attach, as kubectl attach. */
#include "remote_internal.h"

#include <string.h>

static int run(k8sc__cli *cli, int argc, char **argv)
{
    k8sc__cli_remote_args a;
    int rc = k8sc__cli_remote_parse(cli, "attach", argc, argv, &a);
    if (rc)
        return rc;
    const char *pod = a.nargs == 1 ? a.args[0] : NULL;
    if (pod && strncmp(pod, "pod/", 4) == 0)
        pod += 4;
    if (!pod || !*pod)
        return k8sc__cli_fail(cli, "expected POD, TYPE/NAME, or TYPE NAME, (at most 1 argument) saw %d", a.nargs);
    k8sc_client *c = NULL;
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    k8sc__cli_remote r;
    if (k8sc__cli_remote_begin(cli, &r, a.use_stdin, a.tty, a.container)) {
        k8sc_client_free(c);
        return 1;
    }
    if (a.use_stdin && !a.quiet) {
        fputs("If you don't see a command prompt, try pressing enter.\n", cli->err);
        fflush(cli->err);
    }
    rc = k8sc_client_attach(c, NULL, pod, &r.opts);
    k8sc__cli_remote_end(&r);
    k8sc_client_free(c);
    return rc ? k8sc__cli_report(cli, NULL) : 0;
}

const k8sc__cli_verb k8sc__cli_verb_attach = {
    "attach",
    "Usage: k8sctl attach POD [-c CONTAINER] [-i] [-t]\n\n"
    "Attach to the output (and with -i the input) of a running container.\n",
    run,
};
