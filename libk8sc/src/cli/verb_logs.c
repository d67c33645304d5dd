/* k8sctl logs: a container's log through the pod's log subresource, followed with -f; a pod or an object's pod. */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>

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

static int to_output(const char *data, size_t len, void *userdata)
{
    k8sc__cli *cli = userdata;
    fwrite(data, 1, len, cli->out);
    fflush(cli->out);
    return ferror(cli->out) ? 1 : 0;
}

/* The log request's query, keys in Go's url.Values order. */
typedef struct {
    const char *tail, *since_time;
    long long since_s;
    bool previous, follow, timestamps;
} log_query;

static void query_put(k8sc__buf *b, const char *key, const char *value)
{
    k8sc__buf_printf(b, "%c%s=", b->ptr && strchr(b->ptr, '?') ? '&' : '?', key);
    k8sc__buf_put_urlescaped(b, value);
}

/* One container's log to cli->out; 0, or 1 once the error was printed. */
static int container_log(k8sc__cli *cli, k8sc_client *c, const k8sc_object *pod, const char *container,
    const log_query *q)
{
    k8sc__buf path = K8SC__BUF_INIT;
    char num[32];
    k8sc__buf_puts(&path, "/api/v1/namespaces/");
    k8sc__buf_put_urlescaped(&path, k8sc_object_namespace(pod));
    k8sc__buf_puts(&path, "/pods/");
    k8sc__buf_put_urlescaped(&path, k8sc_object_name(pod));
    k8sc__buf_puts(&path, "/log");
    query_put(&path, "container", container);
    if (q->follow)
        query_put(&path, "follow", "true");
    if (q->previous)
        query_put(&path, "previous", "true");
    snprintf(num, sizeof(num), "%lld", q->since_s);
    if (q->since_s > 0)
        query_put(&path, "sinceSeconds", num);
    if (q->since_time)
        query_put(&path, "sinceTime", q->since_time);
    if (q->tail && strcmp(q->tail, "-1") != 0)
        query_put(&path, "tailLines", q->tail);
    if (q->timestamps)
        query_put(&path, "timestamps", "true");
    if (k8sc__buf_status(&path)) {
        k8sc__buf_free(&path);
        return k8sc__cli_fail(cli, "out of memory");
    }
    char *body = NULL;
    int rc = q->follow ? k8sc_client_stream_get(c, path.ptr, to_output, cli)
                       : k8sc_client_request(&body, NULL, c, "GET", path.ptr, NULL, NULL, 0);
    if (rc)
        k8sc__cli_report(cli, NULL);
    else if (body)
        fputs(body, cli->out);
    k8sc_free(body);
    k8sc__buf_free(&path);
    return rc ? 1 : 0;
}

/* --all-containers: init, regular then ephemeral containers, one after the other. */
static int all_logs(k8sc__cli *cli, k8sc_client *c, const k8sc_object *pod, const log_query *q)
{
    static const char *const lists[] = { "spec.initContainers", "spec.containers", "spec.ephemeralContainers" };
    for (size_t l = 0; l < K8SC__ARRAY_LEN(lists); l++) {
        struct json_object *a = k8sc_object_get(pod, lists[l]);
        for (size_t i = 0; json_object_is_type(a, json_type_array) && i < json_object_array_length(a); i++) {
            const char *name = json_object_get_string(json_object_object_get(json_object_array_get_idx(a, i), "name"));
            if (container_log(cli, c, pod, name ? name : "", q))
                return 1;
        }
    }
    return 0;
}

static int usage(k8sc__cli *cli, const char *msg)
{
    fprintf(cli->err, "error: %s\nSee 'k8sctl logs -h' for help and examples\n", msg);
    return 1;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    const char *container = NULL, *since = NULL, *timeout = NULL;
    bool all_containers = false;
    log_query q = { 0 };
    const k8sc__cli_flag flags[] = {
        { "c", "container", K8SC__FLAG_STRING, &container },
        { NULL, "tail", K8SC__FLAG_STRING, &q.tail },
        { "p", "previous", K8SC__FLAG_BOOL, &q.previous },
        { "f", "follow", K8SC__FLAG_BOOL, &q.follow },
        { NULL, "since", K8SC__FLAG_STRING, &since },
        { NULL, "since-time", K8SC__FLAG_STRING, &q.since_time },
        { NULL, "timestamps", K8SC__FLAG_BOOL, &q.timestamps },
        { NULL, "all-containers", K8SC__FLAG_BOOL, &all_containers },
        { NULL, "pod-running-timeout", K8SC__FLAG_STRING, &timeout },
        { 0 },
    };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    int rc = k8sc__cli_parse(cli, "logs", flags, argc, argv, args, &nargs);
    if (rc)
        return rc;
    if (nargs < 1 || nargs > 2)
        return usage(cli, "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                          "POD or TYPE/NAME is a required argument for the logs command");
    int64_t timeout_ms = 20000;
    if (timeout && k8sc__cli_duration_flag(cli, "logs", "pod-running-timeout", timeout, &timeout_ms))
        return 1;
    if (timeout_ms <= 0)
        return k8sc__cli_fail(cli, "--pod-running-timeout must be higher than zero");
    const char *inline_container = nargs == 2 ? args[1] : NULL;
    if (q.tail && strspn(q.tail, "-0123456789") != strlen(q.tail))
        return k8sc__cli_fail(cli, "invalid --tail value");
    q.since_s = since ? duration_seconds(since) : 0;
    int64_t since_t = 0;
    if (since && q.since_time)
        return k8sc__cli_fail(cli, "at most one of `sinceTime` or `sinceSeconds` may be specified");
    if (q.since_s < 0)
        return k8sc__cli_fail(cli, "invalid argument \"%s\" for \"--since\" flag: time: invalid duration \"%s\"", since,
                              since);
    if (q.since_time && k8sc_time_parse(&since_t, q.since_time) != 0)
        return k8sc__cli_fail(cli, "--since-time must be an RFC3339 time: %s", q.since_time);
    if (all_containers && (container || inline_container))
        return k8sc__cli_fail(cli, "--all-containers=true should not be specified with container name %s",
            container ? container : inline_container);
    if (container && inline_container)
        return k8sc__cli_fail(cli, "only one of -c or an inline [CONTAINER] arg is allowed");
    k8sc_client *c = NULL;
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    k8sc_object *pod = NULL;
    size_t npods = 0;
    rc = k8sc__cli_pod_for(cli, c, "pods", args[0], K8SC__POD_FOR_LOGS, timeout_ms, &pod, &npods);
    if (!rc && npods > 1)
        fprintf(cli->err, "Found %zu pods, using pod/%s\n", npods, k8sc_object_name(pod));
    if (!rc && all_containers) {
        rc = all_logs(cli, c, pod, &q);
    } else if (!rc) {
        struct json_object *ctr =
            k8sc__cli_pod_container(cli, pod, container ? container : inline_container, K8SC__POD_FOR_LOGS, false);
        const char *name = json_object_get_string(json_object_object_get(ctr, "name"));
        rc = ctr ? container_log(cli, c, pod, name ? name : "", &q) : 1;
    }
    k8sc_object_free(pod);
    k8sc_client_free(c);
    return rc;
}

const k8sc__cli_verb k8sc__cli_verb_logs = {
    "logs",
    "Usage: k8sctl logs (POD | TYPE/NAME) [CONTAINER] [-c CONTAINER | --all-containers] [-f] [--tail N] [--previous]\n"
    "       [--since DURATION | --since-time TIME] [--timestamps] [--pod-running-timeout DURATION]\n\n"
    "Print the logs of a container; with -f, keep printing what it writes. For TYPE/NAME (deployment,\n"
    "replicaset, statefulset, daemonset, job, replicationcontroller, service) the logs of one of its pods,\n"
    "chosen as kubectl chooses it.\n",
    run,
};
