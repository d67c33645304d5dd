/* k8sctl config current-context | get-contexts | use-context: the kubeconfig as kubectl reads and writes it. */
#include "describe_internal.h"

#include <stdlib.h>
#include <string.h>

/* The kubeconfig paths kubectl uses: --kubeconfig, else $KUBECONFIG, else ~/.kube/config (NULL: the default). */
static const char *paths_of(const k8sc__cli *cli)
{
    return cli->client_opts.kubeconfig;
}

static int load(k8sc__cli *cli, k8sc_kubeconfig **kc)
{
    if (k8sc_kubeconfig_load(kc, paths_of(cli)))
        return k8sc__cli_fail(cli, "%s", k8sc_error_last());
    return 0;
}

/* The entry named `name` of list `list` ("contexts", ...) of a kubeconfig tree, or NULL. */
static struct json_object *named(struct json_object *root, const char *list, const char *name)
{
    struct json_object *l = json_object_object_get(root, list);
    for (size_t i = 0; json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++) {
        struct json_object *e = json_object_array_get_idx(l, i);
        if (strcmp(k8sc__dj_or(e, "name"), name) == 0)
            return e;
    }
    return NULL;
}

static int current_context(k8sc__cli *cli, int nargs)
{
    if (nargs)
        return k8sc__cli_fail(cli, "unexpected arguments");
    k8sc_kubeconfig *kc = NULL;
    if (load(cli, &kc))
        return 1;
    const char *cur = k8sc_kubeconfig_current_context(kc);
    int rc = 0;
    if (cur && *cur)
        fprintf(cli->out, "%s\n", cur);
    else
        rc = k8sc__cli_fail(cli, "current-context is not set");
    k8sc_kubeconfig_free(kc);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(k8sc__dj_or(*(struct json_object *const *)a, "name"),
        k8sc__dj_or(*(struct json_object *const *)b, "name"));
}

static int get_contexts(k8sc__cli *cli, char **args, int nargs, const char *output, bool no_headers)
{
    if (*output && strcmp(output, "name") != 0)
        return k8sc__cli_fail(cli, "output must be one of '' or 'name': %s", output);
    k8sc_kubeconfig *kc = NULL;
    if (load(cli, &kc))
        return 1;
    struct json_object *root = k8sc_kubeconfig_json(kc), *list = json_object_object_get(root, "contexts");
    size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0, k = 0;
    struct json_object **ctx = k8sc__calloc(n ? n : 1, sizeof(*ctx));
    int rc = ctx ? 0 : k8sc__cli_report(cli, NULL);
    for (size_t i = 0; !rc && i < n; i++) {
        struct json_object *e = json_object_array_get_idx(list, i);
        bool wanted = nargs == 0;
        for (int a = 0; a < nargs; a++)
            wanted |= strcmp(k8sc__dj_or(e, "name"), args[a]) == 0;
        if (wanted)
            ctx[k++] = e;
    }
    qsort(ctx, k, sizeof(*ctx), by_name);
    const char *cur = k8sc_kubeconfig_current_context(kc);
    k8sc__buf text = K8SC__BUF_INIT, out = K8SC__BUF_INIT;
    if (!rc && !*output && !no_headers)
        k8sc__buf_puts(&text, "CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE\n");
    for (size_t i = 0; !rc && i < k; i++) {
        const char *name = k8sc__dj_or(ctx[i], "name");
        if (*output)
            k8sc__buf_printf(&text, "%s\n", name);
        else
            k8sc__buf_printf(&text, "%s\t%s\t%s\t%s\t%s\n", cur && strcmp(cur, name) == 0 ? "*" : "", name,
                k8sc__dj_or(ctx[i], "context.cluster"), k8sc__dj_or(ctx[i], "context.user"),
                k8sc__dj_or(ctx[i], "context.namespace"));
    }
    if (!rc && text.len && !*output && k8sc__tabwriter_format(&out, text.ptr, text.len, 3, 6))
        rc = k8sc__cli_report(cli, NULL);
    if (!rc)
        fputs(*output ? (text.ptr ? text.ptr : "") : (out.ptr ? out.ptr : ""), cli->out);
    /* kubectl prints the contexts it found, then fails for those it did not. */
    for (int a = 0; !rc && a < nargs; a++)
        if (!named(root, "contexts", args[a]))
            rc = k8sc__cli_fail(cli, "context %s not found", args[a]);
    k8sc__buf_free(&text);
    k8sc__buf_free(&out);
    free(ctx);
    k8sc_kubeconfig_free(kc);
    return rc;
}

/* The file kubectl writes: --kubeconfig, else the first $KUBECONFIG entry, else ~/.kube/config. */
static int target_file(char *buf, size_t size, const k8sc__cli *cli)
{
    const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");
    if (paths_of(cli))
        snprintf(buf, size, "%s", paths_of(cli));
    else if (env && *env)
        snprintf(buf, size, "%.*s", (int)strcspn(env, ":"), env);
    else if (home)
        snprintf(buf, size, "%s/.kube/config", home);
    else
        return k8sc_error_set(K8SC_EINVAL, "no kubeconfig file: set KUBECONFIG or HOME");
    return 0;
}

static int write_current(const char *file, const char *name)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return k8sc_error_set(K8SC_ENOTFOUND, "open %s: no such file or directory", file);
    k8sc__buf in = K8SC__BUF_INIT;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        k8sc__buf_put(&in, chunk, got);
    fclose(f);
    struct json_object *doc = NULL;
    char *text = NULL;
    int rc = k8sc__buf_status(&in);
    if (!rc)
        rc = k8sc_yaml_parse(&doc, in.ptr ? in.ptr : "", in.len);
    if (!rc && !json_object_is_type(doc, json_type_object))
        rc = k8sc_error_set(K8SC_EINVAL, "error loading config file \"%s\": not a kubeconfig", file);
    if (!rc)
        json_object_object_add(doc, "current-context", json_object_new_string(name));
    if (!rc)
        rc = k8sc_yaml_encode(&text, NULL, doc, K8SC_ENCODE_SORT_KEYS);
    if (!rc && !(f = fopen(file, "wb")))
        rc = k8sc_error_set(K8SC_EIO, "open %s for writing failed", file);
    if (!rc) {
        size_t len = strlen(text);
        if (fwrite(text, 1, len, f) != len)
            rc = k8sc_error_set(K8SC_EIO, "write %s failed", file);
        if (fclose(f) != 0 && !rc)
            rc = k8sc_error_set(K8SC_EIO, "write %s failed", file);
    }
    k8sc_free(text);
    json_object_put(doc);
    k8sc__buf_free(&in);
    return rc;
}

static int use_context(k8sc__cli *cli, char **args, int nargs)
{
    if (nargs != 1)
        return k8sc__cli_fail(cli, "Unexpected args: [%s]", nargs ? args[1] : "");
    k8sc_kubeconfig *kc = NULL;
    if (load(cli, &kc))
        return 1;
    bool exists = named(k8sc_kubeconfig_json(kc), "contexts", args[0]) != NULL;
    k8sc_kubeconfig_free(kc);
    if (!exists)
        return k8sc__cli_fail(cli, "no context exists with the name: \"%s\"", args[0]);
    char file[4096];
    if (target_file(file, sizeof(file), cli) || write_current(file, args[0]))
        return k8sc__cli_fail(cli, "%s", k8sc_error_last());
    fprintf(cli->out, "Switched to context \"%s\".\n", args[0]);
    return 0;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    const char *output = "";
    bool no_headers = false;
    const k8sc__cli_flag flags[] = {
        { "o", "output", K8SC__FLAG_STRING, &output },
        { NULL, "no-headers", K8SC__FLAG_BOOL, &no_headers },
        { 0 },
    };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    int rc = k8sc__cli_parse(cli, "config", flags, argc, argv, args, &nargs);
    if (rc)
        return rc;
    const char *sub = nargs ? args[0] : "";
    if (strcmp(sub, "current-context") == 0)
        return current_context(cli, nargs - 1);
    if (strcmp(sub, "get-contexts") == 0)
        return get_contexts(cli, args + 1, nargs - 1, output, no_headers);
    if (strcmp(sub, "use-context") == 0 || strcmp(sub, "use") == 0)
        return use_context(cli, args + 1, nargs - 1);
    if (!*sub) {
        fputs(k8sc__cli_verb_config.help, cli->out);
        return 0;
    }
    fprintf(cli->err, "error: unknown command \"%s\"\nSee 'k8sctl config -h' for help and examples\n", sub);
    return 1;
}

const k8sc__cli_verb k8sc__cli_verb_config = {
    "config",
    "Usage: k8sctl config SUBCOMMAND\n\nModify kubeconfig files.\n\n"
    "  current-context           display the current context\n"
    "  get-contexts [NAME...]    describe contexts (-o name, --no-headers)\n"
    "  use-context NAME          set the current context\n",
    run,
};
