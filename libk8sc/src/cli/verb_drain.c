/*
 * k8sctl drain NODE: cordon the node, then evict (POST pods/NAME/eviction,
 * policy/v1) or, without the eviction subresource or with
 * --disable-eviction, delete the pods on it that may go, and wait for them.
 */
#include "drain_internal.h"
#include "generate_internal.h"

#include "../client/client_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cordon(k8sc__cli *cli, k8sc_client *c, const k8sc_object *node, const char *dry_run)
{
    bool now = false;
    k8sc_object_get_bool(node, "spec.unschedulable", &now);
    bool dry = dry_run && strcmp(dry_run, "none") != 0;
    const char *suffix = !dry ? "" : strcmp(dry_run, "server") == 0 ? " (server dry run)" : " (dry run)";
    if (now) {
        fprintf(cli->out, "node/%s already cordoned%s\n", k8sc_object_name(node), suffix);
        return 0;
    }
    if (!dry && k8sc_client_patch(NULL, c, K8SC_NODE, NULL, k8sc_object_name(node), K8SC_PATCH_MERGE,
                    "{\"spec\":{\"unschedulable\":true}}"))
        return k8sc__cli_report(cli, NULL);
    fprintf(cli->out, "node/%s cordoned%s\n", k8sc_object_name(node), suffix);
    return 0;
}

/* Whether the server lists pods/eviction in /api/v1, as kubectl's CheckEvictionSupport asks. */
static bool eviction_supported(k8sc_client *c)
{
    char *body = NULL;
    if (k8sc_client_request(&body, NULL, c, "GET", "/api/v1", NULL, NULL, 0))
        return false;
    k8sc_object *list = NULL;
    bool found = false;
    if (!k8sc_object_from_json(&list, body, strlen(body))) {
        struct json_object *res = k8sc_object_get(list, "resources");
        for (size_t i = 0; i < k8sc__jlen(res) && !found; i++) {
            const char *name = json_object_get_string(json_object_object_get(json_object_array_get_idx(res, i), "name"));
            found = name && strcmp(name, "pods/eviction") == 0;
        }
    }
    k8sc_object_free(list);
    k8sc_free(body);
    return found;
}

static int evict(k8sc_client *c, const k8sc_object *pod, int64_t grace)
{
    char *path = NULL, *reply = NULL;
    int rc = k8sc__client_path(&path, c, "v1", "Pod", k8sc_object_namespace(pod), k8sc_object_name(pod));
    if (rc)
        return rc;
    k8sc__buf url = K8SC__BUF_INIT, body = K8SC__BUF_INIT;
    k8sc__buf_printf(&url, "%s/eviction", path);
    free(path);
    k8sc__buf_puts(&body, "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":");
    k8sc__buf_put_goquoted(&body, k8sc_object_name(pod), strlen(k8sc_object_name(pod)));
    k8sc__buf_puts(&body, ",\"namespace\":");
    k8sc__buf_put_goquoted(&body, k8sc_object_namespace(pod), strlen(k8sc_object_namespace(pod)));
    if (grace >= 0)
        k8sc__buf_printf(&body, "},\"deleteOptions\":{\"gracePeriodSeconds\":%" PRId64 "}}", grace);
    else
        k8sc__buf_puts(&body, "},\"deleteOptions\":{}}");
    rc = k8sc__buf_status(&url) || k8sc__buf_status(&body)
             ? K8SC_ENOMEM
             : k8sc_client_request(&reply, NULL, c, "POST", url.ptr, "application/json", body.ptr, body.len);
    k8sc_free(reply);
    k8sc__buf_free(&url);
    k8sc__buf_free(&body);
    return rc;
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Poll each second until every pod of `pods` is gone (or replaced); "pod/NAME VERB" as each goes. */
static int wait_gone(k8sc__cli *cli, k8sc_client *c, const char *node, k8sc__drain_pod *pods, size_t n,
    const k8sc__drain_opts *o, const char *verb)
{
    double deadline = o->timeout_sec > 0 ? now_sec() + (double)o->timeout_sec : 0;
    for (;;) {
        size_t left = 0;
        for (size_t i = 0; i < n; i++) {
            if (!pods[i].status.del)
                continue;
            k8sc_object *live = NULL;
            int rc = k8sc_client_get(&live, c, "v1", "Pod", k8sc_object_namespace(pods[i].pod),
                k8sc_object_name(pods[i].pod));
            bool gone = rc == K8SC_ENOTFOUND ||
                        (!rc && strcmp(k8sc_object_uid(live) ? k8sc_object_uid(live) : "",
                                    k8sc_object_uid(pods[i].pod) ? k8sc_object_uid(pods[i].pod) : "") != 0);
            k8sc_object_free(live);
            if (rc && rc != K8SC_ENOTFOUND)
                return k8sc__cli_report(cli, NULL);
            if (gone) {
                fprintf(cli->out, "pod/%s %s\n", k8sc_object_name(pods[i].pod), verb);
                pods[i].status.del = false;
            } else {
                left++;
            }
        }
        fflush(cli->out);
        if (!left)
            return 0;
        if (deadline && now_sec() >= deadline) {
            k8sc__buf why = K8SC__BUF_INIT;
            for (size_t i = 0; i < n && !why.len; i++)
                if (pods[i].status.del)
                    k8sc__buf_printf(&why, "error when waiting for pod \"%s\" in namespace \"%s\" to terminate: "
                                           "context deadline exceeded", k8sc_object_name(pods[i].pod),
                        k8sc_object_namespace(pods[i].pod));
            fprintf(cli->err, "There are pending pods in node \"%s\" when an error occurred: %s\n", node, why.ptr);
            for (size_t i = 0; i < n; i++)
                if (pods[i].status.del)
                    fprintf(cli->err, "pod/%s\n", k8sc_object_name(pods[i].pod));
            fprintf(cli->err, "error: unable to drain node \"%s\" due to error: %s, continuing command...\n"
                              "There are pending nodes to be drained:\n %s\n%s\n", node, why.ptr, node, why.ptr);
            k8sc__buf_free(&why);
            return 1;
        }
        struct timespec second = { 1, 0 };
        nanosleep(&second, NULL);
    }
}

static int remove_pods(k8sc__cli *cli, k8sc_client *c, const char *node, k8sc__drain_pod *pods, size_t n,
    const k8sc__drain_opts *o)
{
    bool use_eviction = !o->disable_eviction && eviction_supported(c);
    for (size_t i = 0; i < n; i++) {
        if (!pods[i].status.del)
            continue;
        const k8sc_object *p = pods[i].pod;
        int rc;
        if (use_eviction) {
            fprintf(cli->out, "evicting pod %s/%s\n", k8sc_object_namespace(p), k8sc_object_name(p));
            rc = evict(c, p, o->grace_period);
            if (rc == K8SC_ENOTFOUND) {
                pods[i].status.del = false;
                continue;
            }
            if (rc) {
                fprintf(cli->err, "error when evicting pods/\"%s\" -n \"%s\": %s\n", k8sc_object_name(p),
                    k8sc_object_namespace(p), k8sc_error_last());
                return 1;
            }
        } else {
            k8sc_delete_options d = K8SC_DELETE_OPTIONS_INIT;
            d.grace_period_seconds = o->grace_period;
            rc = k8sc_client_delete(NULL, c, "v1", "Pod", k8sc_object_namespace(p), k8sc_object_name(p), &d);
            if (rc && rc != K8SC_ENOTFOUND)
                return k8sc__cli_report(cli, NULL);
        }
    }
    return wait_gone(cli, c, node, pods, n, o, use_eviction ? "evicted" : "deleted");
}

static int drain_node(k8sc__cli *cli, k8sc_client *c, const k8sc_object *node, const k8sc__drain_opts *o)
{
    char field[512];
    snprintf(field, sizeof(field), "spec.nodeName=%s", k8sc_object_name(node));
    k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
    lo.field_selector = field;
    k8sc_object *list = NULL, **items = NULL;
    size_t n = 0;
    if (k8sc_client_list(&list, c, "v1", "Pod", "", &lo) || k8sc_cli_list_items(&items, &n, list)) {
        k8sc_object_free(list);
        return k8sc__cli_report(cli, NULL);
    }
    k8sc_object_free(list);
    k8sc__drain_pod *pods = k8sc__calloc(n ? n : 1, sizeof(*pods));
    if (!pods) {
        k8sc_objects_free(items, n);
        return k8sc__cli_fail(cli, "out of memory");
    }
    size_t nerr = 0;
    for (size_t i = 0; i < n; i++) {
        pods[i].pod = items[i];
        pods[i].status = k8sc__drain_classify(c, o, items[i]);
        if (pods[i].status.reason == K8SC__DRAIN_ERROR)
            nerr++;
    }
    k8sc__buf msg = K8SC__BUF_INIT;
    int rc = 0;
    if (nerr) {
        k8sc__buf one = K8SC__BUF_INIT;
        k8sc__drain_summary(&one, pods, n, K8SC__DRAIN_ERROR, "cannot delete ", ", ");
        bool several = k8sc__drain_distinct(pods, n, K8SC__DRAIN_ERROR) > 1;
        fprintf(cli->err, "error: unable to drain node \"%s\" due to error: %s%s%s, continuing command...\n"
                          "There are pending nodes to be drained:\n %s\n", k8sc_object_name(node),
            several ? "[" : "", one.ptr, several ? "]" : "", k8sc_object_name(node));
        k8sc__drain_summary(&msg, pods, n, K8SC__DRAIN_ERROR, "cannot delete ", "\n");
        fprintf(cli->err, "%s\n", msg.ptr);
        k8sc__buf_free(&one);
        rc = 1;
    } else {
        k8sc__drain_summary(&msg, pods, n, K8SC__DRAIN_WARNING, "", "; ");
        if (msg.len)
            fprintf(cli->err, "Warning: %s\n", msg.ptr);
        bool dry = o->dry_run && strcmp(o->dry_run, "none") != 0;
        for (size_t i = 0; dry && i < n; i++)
            if (pods[i].status.del)
                fprintf(cli->out, "evicting pod %s/%s (dry run)\n", k8sc_object_namespace(pods[i].pod),
                    k8sc_object_name(pods[i].pod));
        if (!dry)
            rc = remove_pods(cli, c, k8sc_object_name(node), pods, n, o);
        if (!rc)
            fprintf(cli->out, "node/%s drained%s\n", k8sc_object_name(node),
                !dry ? "" : strcmp(o->dry_run, "server") == 0 ? " (server dry run)" : " (dry run)");
    }
    k8sc__buf_free(&msg);
    free(pods);
    k8sc_objects_free(items, n);
    return rc;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    k8sc__drain_opts o = { .grace_period = -1 };
    const char *timeout = NULL;
    const k8sc__cli_flag flags[] = {
        { NULL, "ignore-daemonsets", K8SC__FLAG_BOOL, &o.ignore_daemonsets },
        { NULL, "delete-emptydir-data", K8SC__FLAG_BOOL, &o.delete_emptydir_data },
        { NULL, "force", K8SC__FLAG_BOOL, &o.force },
        { NULL, "disable-eviction", K8SC__FLAG_BOOL, &o.disable_eviction },
        { NULL, "grace-period", K8SC__FLAG_INT, &o.grace_period },
        { NULL, "timeout", K8SC__FLAG_STRING, &timeout },
        { NULL, "dry-run", K8SC__FLAG_STRING, &o.dry_run },
        { "l", "selector", K8SC__FLAG_STRING, &o.selector },
        { 0 },
    };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    int rc = k8sc__cli_parse(cli, "drain", flags, argc, argv, args, &nargs);
    if (rc)
        return rc;
    if (timeout) {
        char *end = NULL;
        double t = strtod(timeout, &end);
        double unit = strcmp(end, "s") == 0 ? 1 : strcmp(end, "m") == 0 ? 60 : strcmp(end, "h") == 0 ? 3600 : 0;
        if (end == timeout || (!unit && !(t == 0 && !*end)))
            return k8sc__cli_fail(cli, "invalid argument \"%s\" for \"--timeout\" flag: time: invalid duration "
                                       "\"%s\"", timeout, timeout);
        o.timeout_sec = (int64_t)(t * unit + 0.999);
    }
    if (k8sc__cli_check_dry_run(cli, o.dry_run))
        return 1;
    if (nargs == 0 && !o.selector) {
        fputs("error: USAGE: drain NODE [flags]\nSee 'k8sctl drain -h' for help and examples\n", cli->err);
        return 1;
    }
    const char *names[K8SC__CLI_MAX_ARGS];
    for (int i = 0; i < nargs; i++)
        names[i] = strncmp(args[i], "node/", 5) == 0 ? args[i] + 5 : args[i];
    const k8sc_resource *r = NULL;
    k8sc_client *c = NULL;
    if (k8sc_cli_resolve(&r, NULL, "nodes"))
        return k8sc__cli_report(cli, NULL);
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    k8sc_object **nodes = NULL;
    size_t n = 0;
    int failed = k8sc__cli_fetch_targets(cli, c, r, "", names, (size_t)nargs, o.selector, false, &nodes, &n);
    for (size_t i = 0; !failed && i < n; i++)
        failed |= cordon(cli, c, nodes[i], o.dry_run);
    for (size_t i = 0; !failed && i < n; i++)
        failed |= drain_node(cli, c, nodes[i], &o);
    k8sc_objects_free(nodes, n);
    k8sc_client_free(c);
    return failed;
}

const k8sc__cli_verb k8sc__cli_verb_drain = {
    "drain",
    "Drain node in preparation for maintenance.\n\n"
    "The given node will be marked unschedulable to prevent new pods from arriving. 'drain' evicts the pods if "
    "the API server supports eviction. Otherwise, it will use normal DELETE to delete the pods. Pods that are "
    "not managed by a controller (ReplicationController, ReplicaSet, Job, DaemonSet or StatefulSet) are not "
    "deleted unless --force is given; DaemonSet-managed pods need --ignore-daemonsets; pods using emptyDir need "
    "--delete-emptydir-data.\n\n"
    "Options:\n"
    "    --delete-emptydir-data=false: Continue even if there are pods using emptyDir (local data that will be "
    "deleted when the node is drained).\n"
    "    --disable-eviction=false: Force drain to use delete, even if eviction is supported.\n"
    "    --dry-run='none': Must be \"none\", \"server\", or \"client\".\n"
    "    --force=false: Continue even if there are pods that do not declare a controller.\n"
    "    --grace-period=-1: Period of time in seconds given to each pod to terminate gracefully. If negative, "
    "the default value specified in the pod will be used.\n"
    "    --ignore-daemonsets=false: Ignore DaemonSet-managed pods.\n"
    "    -l, --selector='': Selector (label query) to filter on.\n"
    "    --timeout=0s: The length of time to wait before giving up, zero means infinite\n\n"
    "Usage:\n"
    "  k8sctl drain NODE [options]\n",
    run,
};
