/* k8sctl create -f, apply -f and replace -f: each object of the manifests, one line per object. */
#include "cli_internal.h"
#include "generate_internal.h"

#include <string.h>

typedef enum { CREATE, APPLY, REPLACE } mode;

static const char *const verb_names[] = { "create", "apply", "replace" };

/* kubectl's warning when apply takes over an object created without the annotation. */
static void warn_adopted(k8sc__cli *cli, const k8sc_object *obj)
{
    const k8sc_resource *r = k8sc_registry_find_gvk(k8sc_registry_default(), k8sc_object_api_version(obj),
        k8sc_object_kind(obj));
    fprintf(cli->err, "Warning: resource %s/%s is missing the " K8SC_CLI_LAST_APPLIED " annotation which is "
                      "required by k8sctl apply. k8sctl apply should only be used on resources created "
                      "declaratively by either k8sctl create --save-config or k8sctl apply. The missing annotation "
                      "will be patched automatically.\n", r ? k8sc_resource_plural(r) : k8sc_object_kind(obj),
        k8sc_object_name(obj));
}

static int one(k8sc__cli *cli, k8sc_client *c, mode m, const char *file, const k8sc_object *obj)
{
    static const char *const doing[] = { "creating", "applying patch to", "replacing" };
    char ref[512], context[1024];
    k8sc_cli_object_ref(ref, sizeof(ref), k8sc_object_api_version(obj), k8sc_object_kind(obj),
        k8sc_object_name(obj));
    snprintf(context, sizeof(context), "error when %s \"%s\": ", doing[m], file);
    k8sc_cli_apply_result res = K8SC_CLI_APPLY_CREATED;
    bool adopted = false;
    int rc = m == APPLY    ? k8sc_cli_apply(NULL, &res, &adopted, c, obj)
             : m == CREATE ? k8sc_client_create(NULL, c, obj)
                           : k8sc_client_update(NULL, c, obj);
    if (adopted)
        warn_adopted(cli, obj);
    if (rc)
        return k8sc__cli_report(cli, k8sc_client_last_status() ? context : NULL);
    fprintf(cli->out, "%s %s\n", ref, m == REPLACE ? "replaced" : k8sc_cli_apply_result_name(res));
    return 0;
}

static int run_mode(k8sc__cli *cli, int argc, char **argv, mode m)
{
    const char *verb = verb_names[m], *file = NULL;
    const k8sc__cli_flag flags[] = { { "f", "filename", K8SC__FLAG_STRING, &file }, { 0 } };
    int rc = k8sc__cli_parse(cli, verb, flags, argc, argv, NULL, NULL);
    if (rc)
        return rc;
    if (!file)
        return k8sc__cli_fail(cli, "must specify one of -f and -k");
    k8sc_object **objs = NULL;
    size_t n = 0;
    k8sc_client *c = NULL;
    if (k8sc__cli_read_manifests(cli, &objs, &n, file) || k8sc__cli_open_client(cli, &c)) {
        k8sc_objects_free(objs, n);
        return 1;
    }
    int failed = n == 0 ? k8sc__cli_fail(cli, "no objects passed to %s", verb) : 0;
    for (size_t i = 0; i < n; i++)
        failed |= one(cli, c, m, file, objs[i]);
    k8sc_objects_free(objs, n);
    k8sc_client_free(c);
    return failed;
}

static int run_create(k8sc__cli *cli, int argc, char **argv)
{
    if (argc > 0 && k8sc__cli_is_generator(argv[0]))
        return k8sc__cli_create_generate(cli, argc, argv);
    return run_mode(cli, argc, argv, CREATE);
}

static int run_apply(k8sc__cli *cli, int argc, char **argv)
{
    return run_mode(cli, argc, argv, APPLY);
}

static int run_replace(k8sc__cli *cli, int argc, char **argv)
{
    return run_mode(cli, argc, argv, REPLACE);
}

const k8sc__cli_verb k8sc__cli_verb_create = {
    "create",
    "Create a resource from a file or from stdin, or one built by a generator.\n\n"
    "Available Commands:\n"
    "  configmap         Create a config map from a local file, directory or literal value\n"
    "  cronjob           Create a cron job with the specified name\n"
    "  deployment        Create a deployment with the specified name\n"
    "  job               Create a job with the specified name\n"
    "  namespace         Create a namespace with the specified name\n"
    "  secret generic    Create a secret from a local file, directory, or literal value\n"
    "  service           Create a service (clusterip, nodeport, loadbalancer) with the specified name\n"
    "  serviceaccount    Create a service account with the specified name\n\n"
    "Usage:\n"
    "  k8sctl create -f FILENAME [options]\n"
    "  k8sctl create namespace NAME [--dry-run=server|client|none] [-o FORMAT]\n"
    "  k8sctl create deployment NAME --image=IMAGE... [--replicas=N] [--port=PORT] [-- COMMAND [args...]]\n"
    "  k8sctl create configmap NAME [--from-file=[key=]source] [--from-literal=key=value] [--from-env-file=FILE]\n"
    "  k8sctl create secret generic NAME [--type=string] [--from-file=[key=]source] [--from-literal=key=value]\n"
    "  k8sctl create job NAME --image=IMAGE [--from=cronjob/NAME] [-- COMMAND [args...]]\n"
    "  k8sctl create cronjob NAME --image=IMAGE --schedule='0/5 * * * ?' [--restart=OnFailure|Never] "
    "[-- COMMAND [args...]]\n"
    "  k8sctl create service clusterip|nodeport|loadbalancer NAME --tcp=<port>:<targetPort> [--node-port=PORT] "
    "[--clusterip=IP]\n"
    "  k8sctl create serviceaccount NAME\n\n"
    "Options (generators):\n"
    "    --dry-run='none': Must be \"none\", \"server\", or \"client\". If client strategy, only print the object "
    "that would be sent, without sending it. If server strategy, submit server-side request without persisting "
    "the resource.\n"
    "    -o, --output='': Output format. One of: (json, yaml, name, jsonpath=...).\n",
    run_create,
};

const k8sc__cli_verb k8sc__cli_verb_apply = {
    "apply",
    "Usage: k8sctl apply -f FILENAME\n\nApply a configuration to resources (client-side, with the "
    "last-applied-configuration annotation).\n",
    run_apply,
};

const k8sc__cli_verb k8sc__cli_verb_replace = {
    "replace",
    "Usage: k8sctl replace -f FILENAME\n\nReplace resources by the objects of a file or stdin (-f -).\n",
    run_replace,
};
