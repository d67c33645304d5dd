/* k8sctl logs: a container's log through the pod's log subresource, followed with -f. */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>

static void query_add(char *path, size_t size, const char *key, const char *value)
{
    size_t len = strlen(path);
    snprintf(path + len, size - len, "%c%s=%s", strchr(path, '?') ? '&' : '?', key, value);
}

/* A Go duration ("90s", "5m", "1h30m", "250ms") in whole seconds, rounded up as kubectl does; -1 if malformed. */
static long long duration_seconds(const char *text)
{
    double total = 0;
    const char *p = text;
    if (!*p)
        return -1;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || v < 0)
            return -1;
        p = end;
        if (strncmp(p, "ms", 2) == 0) {
            v /= 1000;
            p += 2;
        } else if (*p == 'h') {
            v *= 3600;
            p++;
        } else if (*p == 'm') {
            v *= 60;
            p++;
        } else if (*p == 's') {
            p++;
        } else {
            return -1;
        }
        total += v;
    }
    long long whole = (long long)total;
    return whole + (total > (double)whole);
}

/* `in` percent-encoded for a query value (truncated to fit `size`). */
static void percent_encode(char *out, size_t size, const char *in)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *in && n + 4 < size; in++) {
        unsigned char ch = (unsigned char)*in;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
            out[n++] = (char)ch;
        } else {
            out[n++] = '%';
            out[n++] = hex[ch >> 4];
            out[n++] = hex[ch & 15];
        }
    }
    out[n] = '\0';
}

static int to_output(const char *data, size_t len, void *userdata)
{
    k8sc__cli *cli = userdata;
    fwrite(data, 1, len, cli->out);
    fflush(cli->out);
    return ferror(cli->out) ? 1 : 0;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    const char *container = NULL, *tail = NULL, *since = NULL, *since_time = NULL;
    bool previous = false, follow = false, timestamps = false;
    const k8sc__cli_flag flags[] = {
        { "c", "container", K8SC__FLAG_STRING, &container },
        { NULL, "tail", K8SC__FLAG_STRING, &tail },
        { "p", "previous", K8SC__FLAG_BOOL, &previous },
        { "f", "follow", K8SC__FLAG_BOOL, &follow },
        { NULL, "since", K8SC__FLAG_STRING, &since },
        { NULL, "since-time", K8SC__FLAG_STRING, &since_time },
        { NULL, "timestamps", K8SC__FLAG_BOOL, &timestamps },
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
    long long since_s = since ? duration_seconds(since) : 0;
    int64_t since_t = 0;
    if (since && since_time)
        return k8sc__cli_fail(cli, "at most one of `sinceTime` or `sinceSeconds` may be specified");
    if (since_s < 0)
        return k8sc__cli_fail(cli, "invalid argument \"%s\" for \"--since\" flag: time: invalid duration \"%s\"", since,
                              since);
    if (since_time && k8sc_time_parse(&since_t, since_time) != 0)
        return k8sc__cli_fail(cli, "--since-time must be an RFC3339 time: %s", since_time);
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
    if (follow)
        query_add(path, sizeof(path), "follow", "true");
    if (timestamps)
        query_add(path, sizeof(path), "timestamps", "true");
    char num[32];
    if (since_s > 0) {
        snprintf(num, sizeof(num), "%lld", since_s);
        query_add(path, sizeof(path), "sinceSeconds", num);
    }
    if (since_time) {
        char escaped[256];
        percent_encode(escaped, sizeof(escaped), since_time);
        query_add(path, sizeof(path), "sinceTime", escaped);
    }
    char *body = NULL;
    rc = follow ? k8sc_client_stream_get(c, path, to_output, cli)
                : k8sc_client_request(&body, NULL, c, "GET", path, NULL, NULL, 0);
    if (rc == K8SC_ENOTFOUND && k8sc_client_last_status())
        fprintf(cli->err, "error: error from server (NotFound): pods \"%s\" not found in namespace \"%s\"\n", pod,
            k8sc_client_namespace(c));
    else if (rc)
        k8sc__cli_report(cli, NULL);
    else if (body)
        fputs(body, cli->out);
    k8sc_free(body);
    k8sc_client_free(c);
    return rc ? 1 : 0;
}

const k8sc__cli_verb k8sc__cli_verb_logs = {
    "logs",
    "Usage: k8sctl logs POD [-c CONTAINER] [-f] [--tail N] [--previous] [--since DURATION | --since-time TIME]\n"
    "       [--timestamps]\n\nPrint the logs of a container; with -f, keep printing what it writes.\n",
    run,
};
