/* k8sctl attach: the running container's output (and stdin with -i) through pods/attach, as kubectl attach. */
#include "remote_internal.h"

#include <string.h>

static int run(k8sc__cli *cli, int argc, char **argv)
{
    k8sc__cli_remote_args a;
    int rc = k8sc__cli_remote_parse(cli, "attach", argc, argv, &a);
    if (rc)
        return rc;
    if (a.timeout_ms <= 0) {
        fputs("error: --pod-running-timeout must be higher than zero\nSee 'k8sctl attach -h' for help and examples\n",
            cli->err);
        return 1;
    }
    if (a.nargs == 0)
        return k8sc__cli_fail(cli, "at least 1 argument is required for attach");
    if (a.nargs > 2) {
        fprintf(cli->err, "error: expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw %d: [", a.nargs);
        for (int i = 0; i < a.nargs; i++)
            fprintf(cli->err, "%s%s", i ? " " : "", a.args[i]);
        fputs("]\n", cli->err);
        return 1;
    }
    k8sc_client *c = NULL;
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    k8sc_object *pod = NULL;
    size_t npods = 0;
    const char *type = a.nargs == 2 ? a.args[0] : "pods", *name = a.args[a.nargs - 1];
    if (k8sc__cli_pod_for(cli, c, type, name, K8SC__POD_FOR_ATTACH, a.timeout_ms, &pod, &npods)) {
        k8sc_client_free(c);
        return 1;
    }
    const char *phase = k8sc_object_get_string(pod, "status.phase");
    if (phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0))
        rc = k8sc__cli_fail(cli, "cannot attach a container in a completed pod; current phase is %s", phase);
    struct json_object *ctr = rc ? NULL : k8sc__cli_pod_container(cli, pod, a.container, K8SC__POD_FOR_ATTACH, a.quiet);
    rc = rc || !ctr;
    /* As kubectl: no TTY the container did not allocate; one it did is used even without -t. */
    bool ctr_tty = ctr && json_object_get_boolean(json_object_object_get(ctr, "tty"));
    if (!rc && a.tty && !ctr_tty && !a.quiet)
        fprintf(cli->err, "error: Unable to use a TTY - container %s did not allocate one\n",
            json_object_get_string(json_object_object_get(ctr, "name")));
    k8sc__cli_remote r;
    if (!rc && k8sc__cli_remote_begin(cli, &r, a.use_stdin, ctr_tty, a.quiet,
            json_object_get_string(json_object_object_get(ctr, "name"))))
        rc = 1;
    if (!rc) {
        if (!a.quiet) {
            fputs("If you don't see a command prompt, try pressing enter.\n", cli->err);
            fflush(cli->err);
        }
        rc = k8sc_client_attach(c, k8sc_object_namespace(pod), k8sc_object_name(pod), &r.opts);
        k8sc__cli_remote_end(&r);
        rc = rc ? k8sc__cli_report(cli, NULL) : 0;
    }
    k8sc_object_free(pod);
    k8sc_client_free(c);
    return rc;
}

const k8sc__cli_verb k8sc__cli_verb_attach = {
    "attach",
    "Usage: k8sctl attach (POD | TYPE/NAME | TYPE NAME) [-c CONTAINER] [-i] [-t] [--pod-running-timeout DURATION]\n\n"
    "Attach to the output (and with -i the input) of a running container; for TYPE/NAME, of the most active of\n"
    "the object's pods.\n",
    run,
};
