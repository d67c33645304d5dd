/* k8sctl exec: run a command in a container (pods/exec over a WebSocket), as kubectl exec. */
#include "remote_internal.h"

#include <string.h>

static int run(k8sc__cli *cli, int argc, char **argv)
{
    k8sc__cli_remote_args a;
    int rc = k8sc__cli_remote_parse(cli, "exec", argc, argv, &a);
    if (rc)
        return rc;
    const char *pod = a.nargs ? a.args[0] : NULL;
    if (pod && strncmp(pod, "pod/", 4) == 0)
        pod += 4;
    if (!pod || !*pod)
        return k8sc__cli_fail(cli, "pod, type/name or --filename must be specified");
    if (a.nargs < 2)
        return k8sc__cli_fail(cli, "you must specify at least one command for the container");
    k8sc_client *c = NULL;
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    k8sc__cli_remote r;
    if (k8sc__cli_remote_begin(cli, &r, a.use_stdin, a.tty, a.container)) {
        k8sc_client_free(c);
        return 1;
    }
    if (a.quiet)
        r.opts.stderr_fd = -1;
    int code = 0;
    rc = k8sc_client_exec(&code, c, NULL, pod, (const char *const *)a.args + 1, (size_t)a.nargs - 1, &r.opts);
    k8sc__cli_remote_end(&r);
    k8sc_client_free(c);
    if (rc)
        return k8sc__cli_report(cli, NULL);
    if (code != 0 && !a.quiet)
        fprintf(cli->err, "command terminated with exit code %d\n", code);
    return code;
}

const k8sc__cli_verb k8sc__cli_verb_exec = {
    "exec",
    "Usage: k8sctl exec POD [-c CONTAINER] [-i] [-t] -- COMMAND [args...]\n\n"
    "Execute a command in a container. The command's exit code becomes k8sctl's.\n",
    run,
};
