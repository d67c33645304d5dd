/* k8sctl logs: a container's log through the pod's log subresource. */
#include "cli_internal.h"

#include <string.h>

static void query_add(char *path, size_t size, const char *key, const char *value)
{
    size_t len = strlen(path);
    snprintf(path + len, size - len, "%c%s=%s", strchr(path, '?') ? '&' : '?', key, value);
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    const char *container = NULL, *tail = NULL;
    bool previous = false;
    const k8sc__cli_flag flags[] = {
        { "c", "container", K8SC__FLAG_STRING, &container },
        { NULL, "tail", K8SC__FLAG_STRING, &tail },
        { "p", "previous", K8SC__FLAG_BOOL, &previous },
        { 0 },
    };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    int rc = k8sc__cli_parse(cli, "logs", flags, argc, argv, args, &nargs);
    if (rc)
        return rc;
    const char *pod = nargs ? args[nargs - 1] : NULL;
    if (pod && strncmp(pod, "pod/", 4) == 0)
        pod += 4;
    if (!pod) {
        fprintf(cli->err, "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                          "POD or TYPE/NAME is a required argument for the logs command\n");
        return 1;
    }
    if (strspn(pod, "abcdefghijklmnopqrstuvwxyz0123456789-.") != strlen(pod) ||
        (container && strspn(container, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(container)) ||
        (tail && strspn(tail, "-0123456789") != strlen(tail)))
        return k8sc__cli_fail(cli, "invalid pod, container or --tail value");
    k8sc_client *c = NULL;
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    char path[1024];
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/log", k8sc_client_namespace(c), pod);
    if (container)
        query_add(path, sizeof(path), "container", container);
    if (tail && strcmp(tail, "-1") != 0)
        query_add(path, sizeof(path), "tailLines", tail);
    if (previous)
        query_add(path, sizeof(path), "previous", "true");
    char *body = NULL;
    rc = k8sc_client_request(&body, NULL, c, "GET", path, NULL, NULL, 0);
    if (rc == K8SC_ENOTFOUND && k8sc_client_last_status())
        fprintf(cli->err, "error: error from server (NotFound): pods \"%s\" not found in namespace \"%s\"\n", pod,
            k8sc_client_namespace(c));
    else if (rc)
        k8sc__cli_report(cli, NULL);
    else
        fputs(body, cli->out);
    k8sc_free(body);
    k8sc_client_free(c);
    return rc ? 1 : 0;
}

const k8sc__cli_verb k8sc__cli_verb_logs = {
    "logs",
    "Usage: k8sctl logs POD [-c CONTAINER] [--tail N] [--previous]\n\nPrint the logs of a container.\n",
    run,
};
