/* k8sctl run NAME --image=IMAGE [-- ARGS]: the Pod kubectl's run generator builds, created or printed. */
#include "generate_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* "k=v,k2=v2" as a labels map; NULL once kubectl's error was printed. */
static struct json_object *parse_labels(k8sc__cli *cli, const char *spec)
{
    struct json_object *l = json_object_new_object();
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", spec);
    for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq || strchr(eq + 1, '=')) {
            json_object_put(l);
            k8sc__cli_fail(cli, "unexpected label spec: %s", spec);
            return NULL;
        }
        *eq = '\0';
        k8sc__jset(l, kv, k8sc__jstr(eq + 1));
    }
    return l;
}

static struct json_object *parse_env(k8sc__cli *cli, const k8sc__cli_multi *env)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < env->n; i++) {
        const char *eq = strchr(env->values[i], '=');
        if (!eq || eq == env->values[i]) {
            json_object_put(a);
            k8sc__cli_fail(cli, "invalid env: %s", env->values[i]);
            return NULL;
        }
        struct json_object *e = json_object_new_object();
        k8sc__jset(e, "name", json_object_new_string_len(env->values[i], (int)(eq - env->values[i])));
        k8sc__jset(e, "value", k8sc__jstr(eq + 1));
        json_object_array_add(a, e);
    }
    return a;
}

typedef struct {
    const char *image, *restart, *labels, *port;
    bool command;
    k8sc__cli_multi env;
} run_flags;

static struct json_object *build_pod(k8sc__cli *cli, const k8sc__cli_gen *g, const run_flags *f, char **words,
    int nwords)
{
    struct json_object *labels = NULL, *env = NULL;
    if (f->labels && !(labels = parse_labels(cli, f->labels)))
        return NULL;
    if (!labels) {
        labels = json_object_new_object();
        k8sc__jset(labels, "run", k8sc__jstr(g->args[0]));
    }
    if (f->env.n && !(env = parse_env(cli, &f->env))) {
        json_object_put(labels);
        return NULL;
    }
    long port = -1;
    if (f->port) {
        char *end = NULL;
        errno = 0;
        port = strtol(f->port, &end, 10);
        if (!*f->port || *end || errno) {
            json_object_put(labels);
            json_object_put(env);
            k8sc__cli_fail(cli, "strconv.Atoi: parsing \"%s\": invalid syntax", f->port);
            return NULL;
        }
    }
    struct json_object *o = k8sc__cli_gen_object(cli, "v1", "Pod", g->args[0]);
    k8sc__jset(json_object_object_get(o, "metadata"), "labels", labels);
    struct json_object *ct = k8sc__cli_gen_container(g->args[0], f->image, NULL, 0);
    if (nwords)
        k8sc__jset(ct, f->command ? "command" : "args", k8sc__jstrs((const char *const *)words, (size_t)nwords));
    if (env)
        k8sc__jset(ct, "env", env);
    if (port >= 0) {
        struct json_object *ports = json_object_new_array(), *p = json_object_new_object();
        k8sc__jset(p, "containerPort", json_object_new_int64(port));
        json_object_array_add(ports, p);
        k8sc__jset(ct, "ports", ports);
    }
    struct json_object *spec = json_object_new_object(), *cts = json_object_new_array();
    json_object_array_add(cts, ct);
    k8sc__jset(spec, "containers", cts);
    k8sc__jset(spec, "dnsPolicy", k8sc__jstr("ClusterFirst"));
    k8sc__jset(spec, "restartPolicy", k8sc__jstr(f->restart ? f->restart : "Always"));
    k8sc__jset(o, "spec", spec);
    k8sc__jset(o, "status", json_object_new_object());
    return o;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    k8sc__cli_gen g = { .sub = "run" };
    run_flags f = { .env = { .name = "env" } };
    const k8sc__cli_flag flags[] = { K8SC__CLI_GEN_FLAGS(&g), { NULL, "image", K8SC__FLAG_STRING, &f.image },
        { NULL, "restart", K8SC__FLAG_STRING, &f.restart }, { "l", "labels", K8SC__FLAG_STRING, &f.labels },
        { NULL, "port", K8SC__FLAG_STRING, &f.port }, { NULL, "command", K8SC__FLAG_BOOL, &f.command }, { 0 } };
    int rc = k8sc__cli_take_multi(cli, &argc, argv, &f.env, 1);
    int dash = k8sc__cli_dash(argc, argv);
    if (!rc)
        rc = k8sc__cli_parse(cli, "run", flags, dash, argv, g.args, &g.nargs);
    if (!rc)
        rc = k8sc__cli_check_dry_run(cli, g.dry_run);
    if (rc)
        return rc;
    if (g.nargs < 1) {
        fputs("error: NAME is required for run\nSee 'k8sctl run -h' for help and examples\n", cli->err);
        return 1;
    }
    if (!f.image)
        return k8sc__cli_fail(cli, "required flag(s) \"image\" not set");
    if (f.restart && strcmp(f.restart, "Always") != 0 && strcmp(f.restart, "OnFailure") != 0 &&
        strcmp(f.restart, "Never") != 0) {
        fprintf(cli->err, "error: invalid restart policy: %s\nSee 'k8sctl run -h' for help and examples\n",
            f.restart);
        return 1;
    }
    /* The words after NAME, then those after "--", are the container's args (its command with --command). */
    char *words[K8SC__CLI_MAX_ARGS];
    int nwords = 0;
    for (int i = 1; i < g.nargs; i++)
        words[nwords++] = g.args[i];
    for (int i = dash + 1; i < argc && nwords < K8SC__CLI_MAX_ARGS; i++)
        words[nwords++] = argv[i];
    struct json_object *o = build_pod(cli, &g, &f, words, nwords);
    return o ? k8sc__cli_gen_finish(cli, &g, o) : 1;
}

const k8sc__cli_verb k8sc__cli_verb_run = {
    "run",
    "Create and run a particular image in a pod.\n\n"
    "Examples:\n"
    "  # Start a nginx pod\n"
    "  k8sctl run nginx --image=nginx\n\n"
    "  # Start a busybox pod with a custom command\n"
    "  k8sctl run busybox --image=busybox --restart=Never --command -- sh -c 'echo hi'\n\n"
    "Options:\n"
    "    --command=false: If true and extra arguments are present, use them as the 'command' field in the "
    "container, rather than the 'args' field which is the default.\n"
    "    --dry-run='none': Must be \"none\", \"server\", or \"client\".\n"
    "    --env=[]: Environment variables to set in the container.\n"
    "    --image='': The image for the container to run.\n"
    "    -l, --labels='': Comma separated labels to apply to the pod. Will override previous values.\n"
    "    -o, --output='': Output format. One of: (json, yaml, name, jsonpath=...).\n"
    "    --port='': The port that this container exposes.\n"
    "    --restart='Always': The restart policy for this Pod. Legal values [Always, OnFailure, Never].\n\n"
    "Usage:\n"
    "  k8sctl run NAME --image=image [--env=\"key=value\"] [--port=port] [--dry-run=server|client] "
    "[--command] -- [COMMAND] [args...] [options]\n",
    run,
};
