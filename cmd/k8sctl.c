/* k8sctl: the bundled kubectl-like command line, thin over libk8sc's client and cli modules. */
#include <k8sc/k8sc.h>
#include <k8sc/cli.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flags.h"
#include "signals.h"

#define PROG "k8sctl"
#define MAX_ARGS 256

/* Global flags (kubectl accepts them anywhere on the line). */
static k8sc_client_options client_opts = K8SC_CLIENT_OPTIONS_INIT;

static const char *const verb_help[][2] = {
    { "version", "Usage: k8sctl version [--client]\n\nPrint the client and server version information.\n" },
    { "get", "Usage: k8sctl get TYPE [NAME...] | TYPE/NAME... [flags]\n\nDisplay one or many resources.\n\n"
             "  -n, --namespace NS        the namespace\n  -A, --all-namespaces      list across all namespaces\n"
             "  -l, --selector SEL        label selector\n      --field-selector SEL  field selector\n"
             "  -o, --output FORMAT       wide|yaml|json|name|jsonpath=TEMPLATE\n"
             "      --show-labels         a LABELS column\n      --no-headers          no header line\n" },
    { "create", "Usage: k8sctl create -f FILENAME\n\nCreate the resources of a file or stdin (-f -).\n" },
    { "apply", "Usage: k8sctl apply -f FILENAME\n\nApply a configuration to resources (client-side, "
               "with the last-applied-configuration annotation).\n" },
    { "delete", "Usage: k8sctl delete (TYPE NAME... | TYPE/NAME... | -f FILENAME | TYPE -l SELECTOR)\n\n"
                "Delete resources.\n" },
    { "logs", "Usage: k8sctl logs POD [-c CONTAINER] [--tail N] [--previous]\n\nPrint the logs of a container.\n" },
    { "api-resources", "Usage: k8sctl api-resources\n\nPrint the supported API resources on the server.\n" },
};

static void usage(FILE *f)
{
    fprintf(f, "k8sctl controls a Kubernetes cluster.\n\nCommands:\n"
               "  version, get, create, apply, delete, logs, api-resources\n\n"
               "Global flags:\n  --kubeconfig FILE, --context NAME, -n/--namespace NS, -s/--server URL\n\n"
               "Use \"k8sctl <command> --help\" for more information about a given command.\n");
}

static int verb_usage(const char *verb)
{
    for (size_t i = 0; i < sizeof(verb_help) / sizeof(verb_help[0]); i++)
        if (strcmp(verb_help[i][0], verb) == 0)
            fputs(verb_help[i][1], stdout);
    return 0;
}

/* Print a failure as kubectl does: the server's Status reason, or a plain error. */
static int report(const char *context)
{
    const k8sc_object *st = k8sc_client_last_status();
    const char *reason = st ? k8sc_object_get_string(st, "reason") : NULL;
    if (reason && *reason)
        fprintf(stderr, "Error from server (%s): %s%s\n", reason, context ? context : "", k8sc_error_last());
    else if (st)
        fprintf(stderr, "Error from server: %s%s\n", context ? context : "", k8sc_error_last());
    else
        fprintf(stderr, "error: %s\n", k8sc_error_last());
    return 1;
}

static int bad_flag(const char *verb, const char *flag)
{
    fprintf(stderr, "error: unknown flag: %s\nSee 'k8sctl %s --help' for usage.\n", flag, verb);
    return 1;
}

static int open_client(k8sc_client **out)
{
    if (k8sc_client_new(out, &client_opts)) {
        fprintf(stderr, "error: %s\n", k8sc_error_last());
        return 1;
    }
    return 0;
}

static char *read_input(const char *file, size_t *len)
{
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    if (!f) {
        fprintf(stderr, "error: the path \"%s\" does not exist\n", file);
        return NULL;
    }
    size_t cap = 8192, n = 0, got;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *more = realloc(buf, cap * 2);
            if (!more) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = more;
            cap *= 2;
        }
        if ((got = fread(buf + n, 1, cap - n, f)) == 0)
            break;
        n += got;
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

/* Decode the manifests of -f FILE; `*objs` freed with k8sc_objects_free. */
static int read_manifests(k8sc_object ***objs, size_t *n, const char *file)
{
    size_t len = 0;
    char *text = read_input(file, &len);
    if (!text)
        return 1;
    int rc = k8sc_manifest_decode(objs, n, text, len);
    free(text);
    if (rc) {
        fprintf(stderr, "error: error parsing %s: %s\n", file, k8sc_error_last());
        return 1;
    }
    return 0;
}

/* ---- version ------------------------------------------------------------- */

static int cmd_version(int argc, char **argv)
{
    bool client_only = false;
    for (int i = 0; i < argc; i++)
        if (!flag_bool(PROG, argv, i, "--client", &client_only))
            return bad_flag("version", argv[i]);
    printf("Client Version: v%s\n", k8sc_version());
    if (client_only)
        return 0;
    k8sc_client *c = NULL;
    if (open_client(&c))
        return 1;
    char *server = NULL;
    int rc = k8sc_cli_server_version(&server, c);
    if (!rc)
        printf("Server Version: %s\n", server);
    k8sc_free(server);
    k8sc_client_free(c);
    return rc ? report(NULL) : 0;
}

/* ---- get ----------------------------------------------------------------- */

typedef struct {
    const char *output;
    bool all_namespaces;
    k8sc_list_options list;
    k8sc_cli_table_options table;
} get_flags;

/* "TYPE NAME..." or "TYPE/NAME...": the type and the names (pointers into argv). */
static int split_targets(const char **type, const char **names, size_t *nnames, int argc, char **argv)
{
    *nnames = 0;
    *type = NULL;
    char *slash = argc ? strchr(argv[0], '/') : NULL;
    if (!slash) {
        *type = argc ? argv[0] : NULL;
        for (int i = 1; i < argc && *nnames < MAX_ARGS; i++)
            names[(*nnames)++] = argv[i];
        return 0;
    }
    for (int i = 0; i < argc && *nnames < MAX_ARGS; i++) {
        slash = strchr(argv[i], '/');
        if (!slash) {
            fprintf(stderr, "error: there is no need to specify a resource type as a separate argument when "
                            "passing arguments in resource/name form (e.g. 'k8sctl get resource/<resource_name>' "
                            "instead of 'k8sctl get resource resource/<resource_name>'\n");
            return 1;
        }
        *slash = '\0';
        if (*type && strcmp(*type, argv[i]) != 0) {
            fprintf(stderr, "error: k8sctl supports one resource type per command\n");
            return 1;
        }
        *type = argv[i];
        names[(*nnames)++] = slash + 1;
    }
    return 0;
}

static int print_table(k8sc_client *c, const k8sc_resource *r, const char *ns, const char **names, size_t n,
    get_flags *f)
{
    k8sc_object *table = NULL;
    int failed = 0;
    if (n == 0 && k8sc_cli_get_table(&table, c, r, ns, NULL, &f->list))
        return report(NULL);
    for (size_t i = 0; i < n; i++) {
        k8sc_object *one = NULL;
        if (k8sc_cli_get_table(&one, c, r, ns, names[i], NULL)) {
            failed = report(NULL);
            continue;
        }
        if (!table) {
            table = one;
            continue;
        }
        if (k8sc_cli_table_append(table, one))
            failed = report(NULL);
        k8sc_object_free(one);
    }
    f->table.with_namespace = f->all_namespaces && k8sc_resource_namespaced(r);
    if (strcmp(f->output, "wide") == 0)
        f->table.wide = true;
    char *text = NULL;
    if (table && k8sc_cli_table_format(&text, table, &f->table)) {
        k8sc_object_free(table);
        return report(NULL);
    }
    if (n == 0 && k8sc_cli_table_rows(table) == 0) {
        if (k8sc_resource_namespaced(r) && !f->all_namespaces)
            fprintf(stderr, "No resources found in %s namespace.\n", ns);
        else
            fprintf(stderr, "No resources found\n");
    }
    fputs(text ? text : "", stdout);
    k8sc_free(text);
    k8sc_object_free(table);
    return failed;
}

static int print_objects(k8sc_client *c, const k8sc_resource *r, const char *ns, const char **names, size_t n,
    get_flags *f)
{
    const char *av = k8sc_resource_api_version(r), *kind = k8sc_resource_kind(r);
    k8sc_object **objs = NULL, *list = NULL;
    size_t count = 0;
    int failed = 0;
    if (n == 0) {
        int rc = k8sc_client_list(&list, c, av, kind, ns, &f->list);
        if (!rc)
            rc = k8sc_cli_list_items(&objs, &count, list);
        k8sc_object_free(list);
        if (rc)
            return report(NULL);
    } else if (!(objs = calloc(n, sizeof(*objs)))) {
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (k8sc_client_get(&objs[count], c, av, kind, ns, names[i]))
            failed = report(NULL);
        else
            count++;
    }
    char *text = NULL;
    bool as_list = n != 1;
    if ((count || as_list) && k8sc_cli_format(&text, f->output, r, objs, count, as_list))
        failed = report(NULL);
    if (n == 0 && count == 0 && strcmp(f->output, "name") == 0) {
        if (*ns && k8sc_resource_namespaced(r))
            fprintf(stderr, "No resources found in %s namespace.\n", ns);
        else
            fprintf(stderr, "No resources found\n");
    }
    fputs(text ? text : "", stdout);
    k8sc_free(text);
    k8sc_objects_free(objs, count);
    return failed;
}

static int cmd_get(int argc, char **argv)
{
    get_flags f = { "", false, K8SC_LIST_OPTIONS_INIT, K8SC_CLI_TABLE_OPTIONS_INIT };
    char *args[MAX_ARGS];
    int nargs = 0;
    const char *v;
    for (int i = 0; i < argc; i++) {
        if ((v = flag_value(PROG, argc, argv, &i, "-o")) || (v = flag_value(PROG, argc, argv, &i, "--output")))
            f.output = v;
        else if ((v = flag_value(PROG, argc, argv, &i, "-l")) || (v = flag_value(PROG, argc, argv, &i, "--selector")))
            f.list.label_selector = v;
        else if ((v = flag_value(PROG, argc, argv, &i, "--field-selector")))
            f.list.field_selector = v;
        else if (flag_bool(PROG, argv, i, "-A", &f.all_namespaces) ||
                 flag_bool(PROG, argv, i, "--all-namespaces", &f.all_namespaces) ||
                 flag_bool(PROG, argv, i, "--show-labels", &f.table.show_labels) ||
                 flag_bool(PROG, argv, i, "--no-headers", &f.table.no_headers))
            continue;
        else if (argv[i][0] == '-' && argv[i][1])
            return bad_flag("get", argv[i]);
        else if (nargs < MAX_ARGS)
            args[nargs++] = argv[i];
    }
    if (strncmp(f.output, "-o", 2) == 0 || (*f.output && strcmp(f.output, "wide") && strcmp(f.output, "yaml") &&
        strcmp(f.output, "json") && strcmp(f.output, "name") && strncmp(f.output, "jsonpath=", 9))) {
        fprintf(stderr, "error: unable to match a printer suitable for the output format \"%s\", allowed formats "
                        "are: json,jsonpath,name,wide,yaml\n", f.output);
        return 1;
    }
    const char *type = NULL, *names[MAX_ARGS];
    size_t nnames = 0;
    if (split_targets(&type, names, &nnames, nargs, args))
        return 1;
    if (!type) {
        fprintf(stderr, "You must specify the type of resource to get. Use \"k8sctl api-resources\" for a complete "
                        "list of supported resources.\n\nerror: Required resource not specified.\nUse \"k8sctl "
                        "explain <resource>\" for a detailed description of that resource (e.g. k8sctl explain "
                        "pods).\nSee 'k8sctl get -h' for help and examples\n");
        return 1;
    }
    const k8sc_resource *r = NULL;
    if (k8sc_cli_resolve(&r, NULL, type))
        return report(NULL);
    if (f.all_namespaces && nnames) {
        fprintf(stderr, "error: a resource cannot be retrieved by name across all namespaces\n");
        return 1;
    }
    k8sc_client *c = NULL;
    if (open_client(&c))
        return 1;
    const char *ns = f.all_namespaces ? "" : k8sc_client_namespace(c);
    int rc = !*f.output || strcmp(f.output, "wide") == 0 ? print_table(c, r, ns, names, nnames, &f)
                                                          : print_objects(c, r, ns, names, nnames, &f);
    k8sc_client_free(c);
    return rc;
}

/* ---- create, apply ------------------------------------------------------- */

static const char *file_flag(const char *verb, int argc, char **argv, int *bad)
{
    const char *file = NULL, *v;
    for (int i = 0; i < argc; i++) {
        if ((v = flag_value(PROG, argc, argv, &i, "-f")) || (v = flag_value(PROG, argc, argv, &i, "--filename")))
            file = v;
        else
            *bad = bad_flag(verb, argv[i]);
    }
    if (!file && !*bad) {
        fprintf(stderr, "error: must specify one of -f and -k\n");
        *bad = 1;
    }
    return file;
}

/* kubectl's warning when apply takes over an object created without the annotation. */
static void warn_adopted(const k8sc_object *obj)
{
    const k8sc_resource *r = k8sc_registry_find_gvk(k8sc_registry_default(), k8sc_object_api_version(obj),
        k8sc_object_kind(obj));
    fprintf(stderr, "Warning: resource %s/%s is missing the " K8SC_CLI_LAST_APPLIED " annotation which is required "
                    "by k8sctl apply. k8sctl apply should only be used on resources created declaratively by either "
                    "k8sctl create --save-config or k8sctl apply. The missing annotation will be patched "
                    "automatically.\n", r ? k8sc_resource_plural(r) : k8sc_object_kind(obj), k8sc_object_name(obj));
}

static int cmd_create_apply(int argc, char **argv, bool apply)
{
    int bad = 0;
    const char *verb = apply ? "apply" : "create";
    const char *file = file_flag(verb, argc, argv, &bad);
    k8sc_object **objs = NULL;
    size_t n = 0;
    k8sc_client *c = NULL;
    if (bad || read_manifests(&objs, &n, file) || open_client(&c)) {
        k8sc_objects_free(objs, n);
        return 1;
    }
    int failed = 0;
    if (n == 0) {
        fprintf(stderr, "error: no objects passed to %s\n", verb);
        failed = 1;
    }
    for (size_t i = 0; i < n; i++) {
        char ref[512];
        k8sc_cli_object_ref(ref, sizeof(ref), k8sc_object_api_version(objs[i]), k8sc_object_kind(objs[i]),
            k8sc_object_name(objs[i]));
        char context[1024];
        snprintf(context, sizeof(context), "error when %s \"%s\": ", apply ? "applying patch to" : "creating",
            file);
        k8sc_cli_apply_result res = K8SC_CLI_APPLY_CREATED;
        bool adopted = false;
        int rc = apply ? k8sc_cli_apply(NULL, &res, &adopted, c, objs[i]) : k8sc_client_create(NULL, c, objs[i]);
        if (adopted)
            warn_adopted(objs[i]);
        if (rc)
            failed = report(k8sc_client_last_status() ? context : NULL);
        else
            printf("%s %s\n", ref, k8sc_cli_apply_result_name(res));
    }
    k8sc_objects_free(objs, n);
    k8sc_client_free(c);
    return failed;
}

/* ---- delete -------------------------------------------------------------- */

static int delete_one(k8sc_client *c, const char *av, const char *kind, const char *ns, const char *name)
{
    const k8sc_resource *r = k8sc_registry_find_gvk(k8sc_registry_default(), av, kind);
    if (k8sc_client_delete(NULL, c, av, kind, ns, name, NULL))
        return report(NULL);
    const char *g = r ? k8sc_resource_group(r) : "";
    char lower[128];
    k8sc_cli_object_ref(lower, sizeof(lower), "v1", kind, "");
    lower[strlen(lower) - 1] = '\0';
    printf("%s%s%s \"%s\" deleted\n", lower, *g ? "." : "", g, name);
    return 0;
}

static int cmd_delete(int argc, char **argv)
{
    const char *file = NULL, *selector = NULL, *v;
    char *args[MAX_ARGS];
    int nargs = 0;
    for (int i = 0; i < argc; i++) {
        if ((v = flag_value(PROG, argc, argv, &i, "-f")) || (v = flag_value(PROG, argc, argv, &i, "--filename")))
            file = v;
        else if ((v = flag_value(PROG, argc, argv, &i, "-l")) || (v = flag_value(PROG, argc, argv, &i, "--selector")))
            selector = v;
        else if (argv[i][0] == '-' && argv[i][1])
            return bad_flag("delete", argv[i]);
        else if (nargs < MAX_ARGS)
            args[nargs++] = argv[i];
    }
    k8sc_client *c = NULL;
    int failed = 0;
    if (file) {
        k8sc_object **objs = NULL;
        size_t n = 0;
        if (read_manifests(&objs, &n, file) || open_client(&c)) {
            k8sc_objects_free(objs, n);
            return 1;
        }
        for (size_t i = 0; i < n; i++)
            failed |= delete_one(c, k8sc_object_api_version(objs[i]), k8sc_object_kind(objs[i]),
                k8sc_object_namespace(objs[i]), k8sc_object_name(objs[i]));
        k8sc_objects_free(objs, n);
        k8sc_client_free(c);
        return failed;
    }
    const char *type = NULL, *names[MAX_ARGS];
    size_t nnames = 0;
    if (split_targets(&type, names, &nnames, nargs, args))
        return 1;
    if (!type || (!nnames && !selector)) {
        fprintf(stderr, "error: resource(s) were provided, but no name was specified\n");
        return 1;
    }
    const k8sc_resource *r = NULL;
    if (k8sc_cli_resolve(&r, NULL, type))
        return report(NULL);
    if (open_client(&c))
        return 1;
    const char *av = k8sc_resource_api_version(r), *kind = k8sc_resource_kind(r);
    const char *ns = k8sc_client_namespace(c);
    for (size_t i = 0; i < nnames; i++)
        failed |= delete_one(c, av, kind, ns, names[i]);
    if (selector) {
        k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
        lo.label_selector = selector;
        k8sc_object *list = NULL, **items = NULL;
        size_t len = 0;
        if (k8sc_client_list(&list, c, av, kind, ns, &lo) || k8sc_cli_list_items(&items, &len, list)) {
            failed = report(NULL);
        } else {
            if (len == 0)
                printf("No resources found\n");
            for (size_t i = 0; i < len; i++)
                failed |= delete_one(c, av, kind, ns, k8sc_object_name(items[i]));
        }
        k8sc_objects_free(items, len);
        k8sc_object_free(list);
    }
    k8sc_client_free(c);
    return failed;
}

/* ---- logs ---------------------------------------------------------------- */

static void query_add(char *path, size_t size, const char *key, const char *value)
{
    size_t len = strlen(path);
    snprintf(path + len, size - len, "%c%s=%s", strchr(path, '?') ? '&' : '?', key, value);
}

static int cmd_logs(int argc, char **argv)
{
    const char *pod = NULL, *container = NULL, *tail = NULL, *v;
    bool previous = false;
    for (int i = 0; i < argc; i++) {
        if ((v = flag_value(PROG, argc, argv, &i, "-c")) || (v = flag_value(PROG, argc, argv, &i, "--container")))
            container = v;
        else if ((v = flag_value(PROG, argc, argv, &i, "--tail")))
            tail = v;
        else if (flag_bool(PROG, argv, i, "-p", &previous) || flag_bool(PROG, argv, i, "--previous", &previous))
            continue;
        else if (argv[i][0] == '-' && argv[i][1])
            return bad_flag("logs", argv[i]);
        else
            pod = strncmp(argv[i], "pod/", 4) == 0 ? argv[i] + 4 : argv[i];
    }
    if (!pod) {
        fprintf(stderr, "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                        "POD or TYPE/NAME is a required argument for the logs command\n");
        return 1;
    }
    if (strspn(pod, "abcdefghijklmnopqrstuvwxyz0123456789-.") != strlen(pod) ||
        (container && strspn(container, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(container)) ||
        (tail && strspn(tail, "-0123456789") != strlen(tail))) {
        fprintf(stderr, "error: invalid pod, container or --tail value\n");
        return 1;
    }
    k8sc_client *c = NULL;
    if (open_client(&c))
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
    int rc = k8sc_client_request(&body, NULL, c, "GET", path, NULL, NULL, 0);
    if (rc == K8SC_ENOTFOUND && k8sc_client_last_status())
        fprintf(stderr, "error: error from server (NotFound): pods \"%s\" not found in namespace \"%s\"\n", pod,
            k8sc_client_namespace(c));
    else if (rc)
        report(NULL);
    else
        fputs(body, stdout);
    k8sc_free(body);
    k8sc_client_free(c);
    return rc ? 1 : 0;
}

/* ---- api-resources ------------------------------------------------------- */

static int cmd_api_resources(int argc, char **argv)
{
    k8sc_cli_table_options o = K8SC_CLI_TABLE_OPTIONS_INIT;
    for (int i = 0; i < argc; i++)
        if (!flag_bool(PROG, argv, i, "--no-headers", &o.no_headers))
            return bad_flag("api-resources", argv[i]);
    k8sc_client *c = NULL;
    if (open_client(&c))
        return 1;
    k8sc_object *t = NULL;
    char *text = NULL;
    int rc = k8sc_cli_api_resources(&t, c);
    if (!rc)
        rc = k8sc_cli_table_format(&text, t, &o);
    if (rc)
        report(NULL);
    else
        fputs(text, stdout);
    k8sc_free(text);
    k8sc_object_free(t);
    k8sc_client_free(c);
    return rc ? 1 : 0;
}

/* ---- main ---------------------------------------------------------------- */

/* Take the global flags out of argv (kubectl accepts them anywhere); the rest stays in order. */
static int global_flags(int *argc, char **argv)
{
    int n = 1;
    const char *v;
    for (int i = 1; i < *argc; i++) {
        if ((v = flag_value(PROG, *argc, argv, &i, "--kubeconfig")))
            client_opts.kubeconfig = v;
        else if ((v = flag_value(PROG, *argc, argv, &i, "--context")))
            client_opts.overrides.context = v;
        else if ((v = flag_value(PROG, *argc, argv, &i, "-s")) || (v = flag_value(PROG, *argc, argv, &i, "--server")))
            client_opts.overrides.server = v;
        else if ((v = flag_value(PROG, *argc, argv, &i, "-n")) ||
                 (v = flag_value(PROG, *argc, argv, &i, "--namespace"))) {
            client_opts.overrides.namespace_ = v;
        } else {
            argv[n++] = argv[i];
        }
    }
    *argc = n;
    return 0;
}

int main(int argc, char **argv)
{
    handle_stop_signals();
    global_flags(&argc, argv);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    const char *verb = argv[1];
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return verb_usage(verb);
    int n = argc - 2;
    char **rest = argv + 2;
    if (strcmp(verb, "version") == 0)
        return cmd_version(n, rest);
    if (strcmp(verb, "get") == 0)
        return cmd_get(n, rest);
    if (strcmp(verb, "create") == 0)
        return cmd_create_apply(n, rest, false);
    if (strcmp(verb, "apply") == 0)
        return cmd_create_apply(n, rest, true);
    if (strcmp(verb, "delete") == 0)
        return cmd_delete(n, rest);
    if (strcmp(verb, "logs") == 0)
        return cmd_logs(n, rest);
    if (strcmp(verb, "api-resources") == 0)
        return cmd_api_resources(n, rest);
    fprintf(stderr, "Error: unknown command \"%s\" for \"k8sctl\"\nRun 'k8sctl --help' for usage.\n", verb);
    return 1;
}
