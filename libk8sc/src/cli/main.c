/* k8sc_cli_main: k8sctl's command line, global flags and dispatch to the verbs. */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>

static const k8sc__cli_verb *const verbs[] = {
    &k8sc__cli_verb_version,
    &k8sc__cli_verb_get,
    &k8sc__cli_verb_describe,
    &k8sc__cli_verb_create,
    &k8sc__cli_verb_apply,
    &k8sc__cli_verb_replace,
    &k8sc__cli_verb_delete,
    &k8sc__cli_verb_logs,
    &k8sc__cli_verb_exec,
    &k8sc__cli_verb_attach,
    &k8sc__cli_verb_label,
    &k8sc__cli_verb_annotate,
    &k8sc__cli_verb_scale,
    &k8sc__cli_verb_patch,
    &k8sc__cli_verb_cordon,
    &k8sc__cli_verb_uncordon,
    &k8sc__cli_verb_taint,
    &k8sc__cli_verb_api_resources,
    &k8sc__cli_verb_api_versions,
    &k8sc__cli_verb_config,
    &k8sc__cli_verb_rollout,
    &k8sc__cli_verb_wait,
    &k8sc__cli_verb_edit,
    &k8sc__cli_verb_run,
    &k8sc__cli_verb_expose,
    &k8sc__cli_verb_drain,
    &k8sc__cli_verb_completion,
    &k8sc__cli_verb_explain,
};

size_t k8sc__cli_verb_count(void)
{
    return K8SC__ARRAY_LEN(verbs);
}

const k8sc__cli_verb *k8sc__cli_verb_at(size_t i)
{
    return i < K8SC__ARRAY_LEN(verbs) ? verbs[i] : NULL;
}

static void usage(FILE *f)
{
    fputs("k8sctl controls a Kubernetes cluster.\n\nCommands:\n ", f);
    for (size_t i = 0; i < K8SC__ARRAY_LEN(verbs); i++)
        fprintf(f, " %s%s", verbs[i]->name, i + 1 < K8SC__ARRAY_LEN(verbs) ? "," : "\n\n");
    fputs("Global flags:\n  --kubeconfig FILE, --context NAME, -n/--namespace NS, -s/--server URL,\n"
          "  --cache-dir DIR (discovery cache; default $KUBECACHEDIR or ~/.kube/cache)\n\n"
          "Use \"k8sctl <command> --help\" for more information about a given command.\n", f);
}

/* A global flag at argv[*i] (kubectl accepts them anywhere): its value, or NULL. */
static const char *global_value(int argc, char **argv, int *i, const char *shorthand, const char *name,
    bool *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, "--", 2) == 0 && strncmp(a + 2, name, n) == 0 && (a[n + 2] == '=' || !a[n + 2])) {
        if (a[n + 2] == '=')
            return a + n + 3;
    } else if (shorthand && a[0] == '-' && a[1] == shorthand[0]) {
        if (a[2])
            return a + (a[2] == '=' ? 3 : 2);
    } else {
        return NULL;
    }
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

/* Take the global flags out of `argv` into `cli`; the rest goes to `rest` in order. */
static int global_flags(k8sc__cli *cli, int argc, char **argv, char **rest, int *nrest)
{
    const char *v;
    bool missing = false;
    *nrest = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            while (i < argc)
                rest[(*nrest)++] = argv[i++];
            break;
        }
        if ((v = global_value(argc, argv, &i, NULL, "kubeconfig", &missing)))
            cli->client_opts.kubeconfig = v;
        else if ((v = global_value(argc, argv, &i, NULL, "context", &missing)))
            cli->client_opts.overrides.context = v;
        else if ((v = global_value(argc, argv, &i, "s", "server", &missing)))
            cli->client_opts.overrides.server = v;
        else if ((v = global_value(argc, argv, &i, "n", "namespace", &missing)))
            cli->client_opts.overrides.namespace_ = v;
        else if ((v = global_value(argc, argv, &i, NULL, "cache-dir", &missing)))
            cli->client_opts.discovery_cache_dir = v;
        else if (!missing)
            rest[(*nrest)++] = argv[i];
        if (missing) {
            fprintf(cli->err, "k8sctl: %s needs a value\n", argv[i]);
            return 2;
        }
    }
    return 0;
}

static int dispatch(k8sc__cli *cli, int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "help") == 0) {
        usage(argc < 1 ? cli->err : cli->out);
        return argc < 1 ? 1 : 0;
    }
    const k8sc__cli_verb *verb = NULL;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(verbs); i++)
        if (strcmp(verbs[i]->name, argv[0]) == 0)
            verb = verbs[i];
    if (!verb) {
        fprintf(cli->err, "Error: unknown command \"%s\" for \"k8sctl\"\nRun 'k8sctl --help' for usage.\n", argv[0]);
        return 1;
    }
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(verb->help, cli->out);
            return 0;
        }
    return verb->run(cli, argc - 1, argv + 1);
}

/* kubectl's default --cache-dir: $KUBECACHEDIR, else ~/.kube/cache (none without a home). */
static char *default_cache_dir(void)
{
    const char *env = getenv("KUBECACHEDIR"), *home = getenv("HOME");
    if (env && *env)
        return k8sc__strdup(env);
    k8sc__buf b = K8SC__BUF_INIT;
    if (home && *home)
        k8sc__buf_printf(&b, "%s/.kube/cache", home);
    return k8sc__buf_detach(&b, NULL);
}

int k8sc_cli_main(int argc, char **argv, FILE *out, FILE *err)
{
    if (argc < 0 || (argc > 0 && !argv) || !out || !err)
        return 2;
    k8sc__cli cli = { out, err, K8SC_CLIENT_OPTIONS_INIT };
    char **rest = k8sc__calloc((size_t)argc + 1, sizeof(char *));
    if (!rest) {
        fputs("error: out of memory\n", err);
        return 1;
    }
    int n = 0;
    int rc = global_flags(&cli, argc, argv, rest, &n);
    /* Discovery is kept on disk as kubectl keeps it, so a run need not ask the server again. */
    char *cache_dir = !rc && !cli.client_opts.discovery_cache_dir ? default_cache_dir() : NULL;
    if (cache_dir)
        cli.client_opts.discovery_cache_dir = cache_dir;
    if (!rc)
        rc = dispatch(&cli, n, rest);
    free(cache_dir);
    free(rest);
    fflush(out);
    fflush(err);
    return rc;
}
