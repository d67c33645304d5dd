/* k8sctl exec: run a command in a container (pods/exec over a WebSocket), as kubectl exec; a pod or an object's pod. */
#include "remote_internal.h"

#include <string.h>

static int usage(k8sc__cli *cli, const char *msg)
{
    fprintf(cli->err, "error: %s\nSee 'k8sctl exec -h' for help and examples\n", msg);
    return 1;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    k8sc__cli_remote_args a;
    int rc = k8sc__cli_remote_parse(cli, "exec", argc, argv, &a);
    if (rc)
        return rc;
    if (a.at_dash < 0 && a.nargs > 1)
        return usage(cli, "exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead");
    if (a.timeout_ms <= 0)
        return usage(cli, "--pod-running-timeout must be higher than zero");
    const char *target = a.nargs > 0 && a.at_dash != 0 ? a.args[0] : NULL;
    int first = a.at_dash < 0 ? a.nargs : a.at_dash;
    if (!target || !*target)
        return k8sc__cli_fail(cli, "pod, type/name or --filename must be specified");
    if (first >= a.nargs)
        return k8sc__cli_fail(cli, "you must specify at least one command for the container");
    k8sc_client *c = NULL;
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    k8sc_object *pod = NULL;
    size_t npods = 0;
    const char *container = a.container;
    if (k8sc__cli_pod_for(cli, c, "pods", target, K8SC__POD_FOR_EXEC, a.timeout_ms, &pod, &npods)) {
        k8sc_client_free(c);
        return 1;
    }
    const char *phase = k8sc_object_get_string(pod, "status.phase");
    if (phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0))
        rc = k8sc__cli_fail(cli, "cannot exec into a container in a completed pod; current phase is %s", phase);
    if (!rc && (!container || !*container)) {
        struct json_object *ctr = k8sc__cli_pod_container(cli, pod, NULL, K8SC__POD_FOR_EXEC, a.quiet);
        container = ctr ? json_object_get_string(json_object_object_get(ctr, "name")) : NULL;
        rc = ctr ? 0 : 1;
    }
    k8sc__cli_remote r;
    if (!rc && k8sc__cli_remote_begin(cli, &r, a.use_stdin, a.tty, a.quiet, container))
        rc = 1;
    int code = 0;
    if (!rc) {
        if (a.quiet)
            r.opts.stderr_fd = -1;
        rc = k8sc_client_exec(&code, c, k8sc_object_namespace(pod), k8sc_object_name(pod),
            (const char *const *)a.args + first, (size_t)(a.nargs - first), &r.opts);
        k8sc__cli_remote_end(&r);
        if (rc)
            rc = k8sc__cli_report(cli, NULL);
        else if (code != 0 && !a.quiet)
            fprintf(cli->err, "command terminated with exit code %d\n", code);
    }
    k8sc_object_free(pod);
    k8sc_client_free(c);
    return rc ? rc : code;
}

const k8sc__cli_verb k8sc__cli_verb_exec = {
    "exec",
    "Usage: k8sctl exec (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] [--pod-running-timeout DURATION]\n"
    "       -- COMMAND [args...]\n\n"
    "Execute a command in a container. The command's exit code becomes k8sctl's. For TYPE/NAME (deployment,\n"
    "replicaset, statefulset, daemonset, job, replicationcontroller, service) the most active of its pods.\n",
    run,
};
