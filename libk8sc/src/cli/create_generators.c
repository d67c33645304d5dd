/* k8sctl create KIND NAME …: the objects kubectl's create generators build, field for field. */
#include "generate_internal.h"

#include <inttypes.h>
#include <string.h>

/* Parse argv[..--] with `flags`; the words after "--" become the command. 0 or the exit status. */
int k8sc__cli_gen_parse(k8sc__cli *cli, k8sc__cli_gen *g, const k8sc__cli_flag *flags, int argc, char **argv, bool allow_command)
{
    int dash = k8sc__cli_dash(argc, argv);
    int rc = k8sc__cli_parse(cli, g->sub, flags, dash, argv, g->args, &g->nargs);
    if (rc)
        return rc;
    g->command = argv + dash + (dash < argc);
    g->ncommand = argc - dash - (dash < argc);
    if (!allow_command && g->ncommand)
        return k8sc__cli_need_name(cli, g->sub, g->nargs + g->ncommand);
    if (g->nargs != 1)
        return k8sc__cli_need_name(cli, g->sub, g->nargs);
    return k8sc__cli_check_dry_run(cli, g->dry_run);
}

/* Create or print `root` (ownership taken). */
int k8sc__cli_gen_finish(k8sc__cli *cli, const k8sc__cli_gen *g, struct json_object *root)
{
    k8sc_object *obj = NULL;
    if (k8sc__cli_gen_wrap(cli, &obj, root))
        return 1;
    k8sc_client *c = NULL;
    bool client_dry = g->dry_run && strcmp(g->dry_run, "client") == 0;
    if (!client_dry && k8sc__cli_open_client(cli, &c)) {
        k8sc_object_free(obj);
        return 1;
    }
    k8sc__cli_emit_opts e = { g->dry_run, g->output, "created", g->wrap };
    int rc = k8sc__cli_emit(cli, c, obj, &e);
    k8sc_client_free(c);
    k8sc_object_free(obj);
    return rc;
}

struct json_object *k8sc__cli_labels_app(const char *name)
{
    struct json_object *l = json_object_new_object();
    k8sc__jset(l, "app", k8sc__jstr(name));
    return l;
}

static int create_namespace(k8sc__cli *cli, int argc, char **argv)
{
    k8sc__cli_gen g = { .sub = "create namespace" };
    const k8sc__cli_flag flags[] = { K8SC__CLI_GEN_FLAGS(&g), { 0 } };
    int rc = k8sc__cli_gen_parse(cli, &g, flags, argc, argv, false);
    if (rc)
        return rc;
    struct json_object *o = k8sc__cli_gen_object(cli, "v1", "Namespace", g.args[0]);
    k8sc__jset(o, "spec", json_object_new_object());
    k8sc__jset(o, "status", json_object_new_object());
    return k8sc__cli_gen_finish(cli, &g, o);
}

static int create_serviceaccount(k8sc__cli *cli, int argc, char **argv)
{
    k8sc__cli_gen g = { .sub = "create serviceaccount", .wrap = "failed to create serviceaccount: " };
    const k8sc__cli_flag flags[] = { K8SC__CLI_GEN_FLAGS(&g), { 0 } };
    int rc = k8sc__cli_gen_parse(cli, &g, flags, argc, argv, false);
    return rc ? rc : k8sc__cli_gen_finish(cli, &g, k8sc__cli_gen_object(cli, "v1", "ServiceAccount", g.args[0]));
}

/* kubectl's container name for an image: its last path segment without tag or digest, '_' as '-'. */
static void image_name(char *buf, size_t size, const char *image)
{
    const char *slash = strrchr(image, '/');
    snprintf(buf, size, "%s", slash ? slash + 1 : image);
    buf[strcspn(buf, ":@")] = '\0';
    for (char *p = buf; *p; p++)
        if (*p == '_')
            *p = '-';
}

struct json_object *k8sc__cli_gen_container(const char *name, const char *image, char **command, int ncommand)
{
    struct json_object *ct = json_object_new_object();
    if (ncommand)
        k8sc__jset(ct, "command", k8sc__jstrs((const char *const *)command, (size_t)ncommand));
    k8sc__jset(ct, "image", k8sc__jstr(image));
    k8sc__jset(ct, "name", k8sc__jstr(name));
    k8sc__jset(ct, "resources", json_object_new_object());
    return ct;
}

static int create_deployment(k8sc__cli *cli, int argc, char **argv)
{
    k8sc__cli_gen g = { .sub = "create deployment", .wrap = "failed to create deployment: " };
    int64_t replicas = 1, port = -1;
    k8sc__cli_multi images = { .name = "image" };
    const k8sc__cli_flag flags[] = { K8SC__CLI_GEN_FLAGS(&g), { "r", "replicas", K8SC__FLAG_INT, &replicas },
        { NULL, "port", K8SC__FLAG_INT, &port }, { 0 } };
    int rc = k8sc__cli_take_multi(cli, &argc, argv, &images, 1);
    if (!rc)
        rc = k8sc__cli_gen_parse(cli, &g, flags, argc, argv, true);
    if (rc)
        return rc;
    if (!images.n)
        return k8sc__cli_fail(cli, "required flag(s) \"image\" not set");
    if (images.n > 1 && g.ncommand)
        return k8sc__cli_fail(cli, "cannot specify multiple --image options and command");
    struct json_object *o = k8sc__cli_gen_object(cli, "apps/v1", "Deployment", g.args[0]);
    k8sc__jset(json_object_object_get(o, "metadata"), "labels", k8sc__cli_labels_app(g.args[0]));
    struct json_object *spec = json_object_new_object(), *sel = json_object_new_object();
    struct json_object *tmpl = json_object_new_object(), *tmd = json_object_new_object();
    struct json_object *pod = json_object_new_object(), *cts = json_object_new_array();
    k8sc__jset(spec, "replicas", json_object_new_int64(replicas));
    k8sc__jset(sel, "matchLabels", k8sc__cli_labels_app(g.args[0]));
    k8sc__jset(spec, "selector", sel);
    k8sc__jset(spec, "strategy", json_object_new_object());
    k8sc__jset(tmd, "creationTimestamp", NULL);
    k8sc__jset(tmd, "labels", k8sc__cli_labels_app(g.args[0]));
    k8sc__jset(tmpl, "metadata", tmd);
    for (size_t i = 0; i < images.n; i++) {
        char name[256];
        image_name(name, sizeof(name), images.values[i]);
        json_object_array_add(cts, k8sc__cli_gen_container(name, images.values[i], g.command, g.ncommand));
    }
    if (port >= 0) {
        struct json_object *ports = json_object_new_array(), *p = json_object_new_object();
        k8sc__jset(p, "containerPort", json_object_new_int64(port));
        json_object_array_add(ports, p);
        k8sc__jset(json_object_array_get_idx(cts, 0), "ports", ports);
    }
    k8sc__jset(pod, "containers", cts);
    k8sc__jset(tmpl, "spec", pod);
    k8sc__jset(spec, "template", tmpl);
    k8sc__jset(o, "spec", spec);
    k8sc__jset(o, "status", json_object_new_object());
    return k8sc__cli_gen_finish(cli, &g, o);
}

/* create configmap and create secret generic: the same sources, secrets base64-encoded. */
static int create_data(k8sc__cli *cli, int argc, char **argv, bool secret)
{
    k8sc__cli_gen g = { .sub = secret ? "create secret generic" : "create configmap",
        .wrap = secret ? "failed to create secret " : "failed to create configmap: " };
    const char *type = NULL;
    k8sc__cli_multi m[] = { { .name = "from-literal" }, { .name = "from-file" }, { .name = "from-env-file" } };
    const k8sc__cli_flag secret_flags[] = { K8SC__CLI_GEN_FLAGS(&g), { NULL, "type", K8SC__FLAG_STRING, &type }, { 0 } };
    const k8sc__cli_flag configmap_flags[] = { K8SC__CLI_GEN_FLAGS(&g), { 0 } };
    int rc = k8sc__cli_take_multi(cli, &argc, argv, m, K8SC__ARRAY_LEN(m));
    if (!rc)
        rc = k8sc__cli_gen_parse(cli, &g, secret ? secret_flags : configmap_flags, argc, argv, false);
    if (rc)
        return rc;
    struct json_object *o = k8sc__cli_gen_object(cli, "v1", secret ? "Secret" : "ConfigMap", g.args[0]);
    struct json_object *data = json_object_new_object();
    if (!o || !data || k8sc__cli_data_sources(cli, data, g.args[0], secret, &m[0], &m[1], &m[2])) {
        json_object_put(o);
        json_object_put(data);
        return 1;
    }
    if (json_object_object_length(data))
        k8sc__jset(o, "data", data);
    else
        json_object_put(data);
    if (type)
        k8sc__jset(o, "type", k8sc__jstr(type));
    return k8sc__cli_gen_finish(cli, &g, o);
}

static int create_configmap(k8sc__cli *cli, int argc, char **argv)
{
    return create_data(cli, argc, argv, false);
}

static int create_secret(k8sc__cli *cli, int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "generic") != 0) {
        fprintf(cli->err, "error: Unknown secret type: k8sctl create secret supports generic\n"
                          "See 'k8sctl create secret -h' for help and examples\n");
        return 1;
    }
    return create_data(cli, argc - 1, argv + 1, true);
}

static const struct {
    const char *name, *alias;
    int (*run)(k8sc__cli *cli, int argc, char **argv);
} generators[] = {
    { "namespace", "ns", create_namespace },
    { "deployment", "deploy", create_deployment },
    { "configmap", "cm", create_configmap },
    { "secret", NULL, create_secret },
    { "job", NULL, k8sc__cli_create_job },
    { "cronjob", "cj", k8sc__cli_create_cronjob },
    { "service", "svc", k8sc__cli_create_service },
    { "serviceaccount", "sa", create_serviceaccount },
};

bool k8sc__cli_is_generator(const char *word)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(generators); i++)
        if (strcmp(word, generators[i].name) == 0 || (generators[i].alias && strcmp(word, generators[i].alias) == 0))
            return true;
    return false;
}

int k8sc__cli_create_generate(k8sc__cli *cli, int argc, char **argv)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(generators); i++)
        if (strcmp(argv[0], generators[i].name) == 0 || (generators[i].alias && strcmp(argv[0], generators[i].alias) == 0))
            return generators[i].run(cli, argc - 1, argv + 1);
    return k8sc__cli_fail(cli, "unknown generator %s", argv[0]);
}
