/*
 * k8sctl config current-context | get-contexts | use-context | view | set-context | set-cluster |
 * set-credentials | unset | delete-context: the kubeconfig as kubectl reads and writes it.
 */
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


/* What the config subcommands beyond the reading ones take. */
typedef struct {
    const char *output;
    bool minify, raw, current;
    const char *cluster, *user, *server, *ca, *tls_server_name, *token, *username, *password, *cert, *key;
    bool insecure;
} config_flags;

static int view(k8sc__cli *cli, int nargs, const config_flags *f)
{
    if (nargs)
        return k8sc__cli_fail(cli, "unexpected arguments");
    k8sc_kubeconfig *kc = NULL;
    if (load(cli, &kc))
        return 1;
    struct json_object *doc = k8sc__cli_kubeconfig_canonical(k8sc_kubeconfig_json(kc));
    k8sc_kubeconfig_free(kc);
    int rc = doc ? 0 : k8sc__cli_report(cli, NULL);
    if (!rc && f->minify) {
        const char *ctx = cli->client_opts.overrides.context ? cli->client_opts.overrides.context
                                                             : k8sc__dj_or(doc, "current-context");
        struct json_object *c = *ctx ? k8sc__cli_kubeconfig_entry(doc, "contexts", ctx, false) : NULL;
        if (!*ctx)
            rc = k8sc__cli_fail(cli, "current-context must exist in order to minify");
        else if (!c)
            rc = k8sc__cli_fail(cli, "cannot locate context %s", ctx);
        static const char *const lists[] = { "contexts", "clusters", "users" };
        const char *keep[] = { ctx, c ? k8sc__dj_or(c, "cluster") : "", c ? k8sc__dj_or(c, "user") : "" };
        for (size_t i = 0; !rc && i < K8SC__ARRAY_LEN(lists); i++) {
            struct json_object *l = json_object_object_get(doc, lists[i]);
            for (size_t j = json_object_is_type(l, json_type_array) ? json_object_array_length(l) : 0; j-- > 0;)
                if (strcmp(k8sc__dj_or(json_object_array_get_idx(l, j), "name"), keep[i]) != 0)
                    json_object_array_del_idx(l, j, 1);
            if (json_object_is_type(l, json_type_array) && json_object_array_length(l) == 0)
                json_object_object_add(doc, lists[i], NULL);
        }
        if (!rc)
            json_object_object_add(doc, "current-context", json_object_new_string(ctx));
    }
    if (!rc && !f->raw)
        k8sc__cli_kubeconfig_redact(doc);
    char *text = NULL;
    int frc = 0;
    if (!rc && (!*f->output || strcmp(f->output, "yaml") == 0))
        frc = k8sc_yaml_encode(&text, NULL, doc, K8SC_ENCODE_SORT_KEYS);
    else if (!rc && strcmp(f->output, "json") == 0)
        frc = k8sc_json_encode(&text, NULL, doc, K8SC_ENCODE_PRETTY | K8SC_ENCODE_SORT_KEYS | K8SC_ENCODE_NEWLINE);
    else if (!rc && strncmp(f->output, "jsonpath=", 9) == 0)
        frc = k8sc_cli_jsonpath(&text, f->output + 9, doc);
    else if (!rc)
        frc = k8sc_error_set(K8SC_EINVAL, "unable to match a printer suitable for the output format \"%s\", allowed "
                                          "formats are: json,jsonpath,yaml", f->output);
    if (frc)
        rc = k8sc__cli_fail(cli, "%s", k8sc_error_last());
    else if (!rc)
        fputs(text, cli->out);
    k8sc_free(text);
    json_object_put(doc);
    return rc;
}

static void set_string(struct json_object *o, const char *key, const char *value)
{
    if (value)
        json_object_object_add(o, key, json_object_new_string(value));
}

/* Load the file kubectl writes, let `change` edit it, write it back; 0, or 1 once printed. */
static int modify(k8sc__cli *cli, int (*change)(k8sc__cli *, struct json_object *, char **, int, const config_flags *),
    char **args, int nargs, const config_flags *f)
{
    char file[4096];
    struct json_object *root = NULL;
    if (target_file(file, sizeof(file), cli) || k8sc__cli_kubeconfig_read(&root, file))
        return k8sc__cli_fail(cli, "%s", k8sc_error_last());
    int rc = change(cli, root, args, nargs, f);
    if (!rc && k8sc__cli_kubeconfig_write(file, root))
        rc = k8sc__cli_fail(cli, "%s", k8sc_error_last());
    json_object_put(root);
    return rc;
}

static int change_context(k8sc__cli *cli, struct json_object *root, char **args, int nargs, const config_flags *f)
{
    const char *name = nargs ? args[0] : NULL;
    if (f->current && nargs)
        return k8sc__cli_fail(cli, "you cannot specify both a context name and --current");
    if (f->current) {
        name = k8sc__dj_str(root, "current-context");
        if (!name || !*name)
            return k8sc__cli_fail(cli, "no current context is set");
    }
    if (!name || nargs > 1)
        return k8sc__cli_fail(cli, "Unexpected args: [%s]", nargs > 1 ? args[1] : "");
    bool exists = k8sc__cli_kubeconfig_entry(root, "contexts", name, false) != NULL;
    struct json_object *c = k8sc__cli_kubeconfig_entry(root, "contexts", name, true);
    set_string(c, "cluster", f->cluster);
    set_string(c, "user", f->user);
    /* --namespace is also a global flag: k8sctl's command line has taken it out already. */
    set_string(c, "namespace", cli->client_opts.overrides.namespace_);
    fprintf(cli->out, "Context \"%s\" %s.\n", name, exists ? "modified" : "created");
    return 0;
}

static int change_cluster(k8sc__cli *cli, struct json_object *root, char **args, int nargs, const config_flags *f)
{
    if (nargs != 1)
        return k8sc__cli_fail(cli, "Unexpected args: [%s]", nargs > 1 ? args[1] : "");
    struct json_object *c = k8sc__cli_kubeconfig_entry(root, "clusters", args[0], true);
    /* --server is also a global flag: k8sctl's command line has taken it out already. */
    set_string(c, "server", f->server ? f->server : cli->client_opts.overrides.server);
    set_string(c, "certificate-authority", f->ca);
    set_string(c, "tls-server-name", f->tls_server_name);
    if (f->insecure)
        json_object_object_add(c, "insecure-skip-tls-verify", json_object_new_boolean(true));
    fprintf(cli->out, "Cluster \"%s\" set.\n", args[0]);
    return 0;
}

static int change_user(k8sc__cli *cli, struct json_object *root, char **args, int nargs, const config_flags *f)
{
    if (nargs != 1)
        return k8sc__cli_fail(cli, "Unexpected args: [%s]", nargs > 1 ? args[1] : "");
    struct json_object *u = k8sc__cli_kubeconfig_entry(root, "users", args[0], true);
    set_string(u, "token", f->token);
    set_string(u, "username", f->username);
    set_string(u, "password", f->password);
    set_string(u, "client-certificate", f->cert);
    set_string(u, "client-key", f->key);
    fprintf(cli->out, "User \"%s\" set.\n", args[0]);
    return 0;
}

/* kubectl config unset PATH: "current-context", "contexts.NAME[.FIELD]", ... */
static int change_unset(k8sc__cli *cli, struct json_object *root, char **args, int nargs, const config_flags *f)
{
    (void)f;
    if (nargs != 1)
        return k8sc__cli_fail(cli, "unexpected args: [%s]", nargs > 1 ? args[1] : "");
    char path[1024];
    snprintf(path, sizeof(path), "%s", args[0]);
    char *list = path, *name = strchr(path, '.'), *field = NULL;
    if (name)
        *name++ = '\0';
    if (name && (field = strchr(name, '.')))
        *field++ = '\0';
    bool is_list = strcmp(list, "clusters") == 0 || strcmp(list, "contexts") == 0 || strcmp(list, "users") == 0;
    if (!name && (strcmp(list, "current-context") == 0 || strcmp(list, "preferences") == 0 || is_list)) {
        json_object_object_del(root, list);
    } else if (is_list && name) {
        struct json_object *e = k8sc__cli_kubeconfig_entry(root, list, name, false);
        if (!e)
            return k8sc__cli_fail(cli, "current map key `%s` is invalid", name);
        if (field)
            json_object_object_del(e, field);
        else
            k8sc__cli_kubeconfig_remove(root, list, name);
    } else {
        return k8sc__cli_fail(cli, "unable to parse %s after [] at api.Config", args[0]);
    }
    fprintf(cli->out, "Property \"%s\" unset.\n", args[0]);
    return 0;
}

static int delete_context(k8sc__cli *cli, char **args, int nargs)
{
    if (nargs != 1)
        return k8sc__cli_fail(cli, "Unexpected args: [%s]", nargs > 1 ? args[1] : "");
    char file[4096];
    struct json_object *root = NULL;
    if (target_file(file, sizeof(file), cli) || k8sc__cli_kubeconfig_read(&root, file))
        return k8sc__cli_fail(cli, "%s", k8sc_error_last());
    int rc = 0;
    const char *cur = k8sc__dj_str(root, "current-context");
    if (!k8sc__cli_kubeconfig_remove(root, "contexts", args[0]))
        rc = k8sc__cli_fail(cli, "cannot delete context %s, not in %s", args[0], file);
    else if (cur && strcmp(cur, args[0]) == 0)
        fputs("warning: this removed your active context, use \"kubectl config use-context\" to select a different "
              "one\n", cli->err);
    if (!rc && k8sc__cli_kubeconfig_write(file, root))
        rc = k8sc__cli_fail(cli, "%s", k8sc_error_last());
    if (!rc)
        fprintf(cli->out, "deleted context %s from %s\n", args[0], file);
    json_object_put(root);
    return rc;
}

static int config_change(k8sc__cli *cli, const char *sub, char **args, int nargs, const config_flags *f)
{
    if (strcmp(sub, "view") == 0)
        return view(cli, nargs, f);
    if (strcmp(sub, "set-context") == 0)
        return modify(cli, change_context, args, nargs, f);
    if (strcmp(sub, "set-cluster") == 0)
        return modify(cli, change_cluster, args, nargs, f);
    if (strcmp(sub, "set-credentials") == 0)
        return modify(cli, change_user, args, nargs, f);
    if (strcmp(sub, "unset") == 0)
        return modify(cli, change_unset, args, nargs, f);
    if (strcmp(sub, "delete-context") == 0)
        return delete_context(cli, args, nargs);
    return -1;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    const char *output = "";
    bool no_headers = false;
    config_flags cf;
    memset(&cf, 0, sizeof(cf));
    const k8sc__cli_flag flags[] = {
        { "o", "output", K8SC__FLAG_STRING, &output },
        { NULL, "no-headers", K8SC__FLAG_BOOL, &no_headers },
        { NULL, "minify", K8SC__FLAG_BOOL, &cf.minify },
        { NULL, "raw", K8SC__FLAG_BOOL, &cf.raw },
        { NULL, "current", K8SC__FLAG_BOOL, &cf.current },
        { NULL, "cluster", K8SC__FLAG_STRING, &cf.cluster },
        { NULL, "user", K8SC__FLAG_STRING, &cf.user },
        { NULL, "server", K8SC__FLAG_STRING, &cf.server },
        { NULL, "certificate-authority", K8SC__FLAG_STRING, &cf.ca },
        { NULL, "tls-server-name", K8SC__FLAG_STRING, &cf.tls_server_name },
        { NULL, "insecure-skip-tls-verify", K8SC__FLAG_BOOL, &cf.insecure },
        { NULL, "token", K8SC__FLAG_STRING, &cf.token },
        { NULL, "username", K8SC__FLAG_STRING, &cf.username },
        { NULL, "password", K8SC__FLAG_STRING, &cf.password },
        { NULL, "client-certificate", K8SC__FLAG_STRING, &cf.cert },
        { NULL, "client-key", K8SC__FLAG_STRING, &cf.key },
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
    cf.output = output;
    if ((rc = config_change(cli, sub, args + 1, nargs - 1, &cf)) >= 0)
        return rc;
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
    "  use-context NAME          set the current context\n"
    "  view                      the merged kubeconfig (--minify, --raw, -o yaml|json|jsonpath=...)\n"
    "  set-context [NAME | --current] [--cluster=NAME] [--user=NAME] [--namespace=NS]\n"
    "  set-cluster NAME [--server=URL] [--certificate-authority=FILE] [--insecure-skip-tls-verify=true]\n"
    "                            [--tls-server-name=NAME]\n"
    "  set-credentials NAME [--token=TOKEN] [--username=U --password=P] [--client-certificate=FILE]\n"
    "                            [--client-key=FILE]\n"
    "  unset PROPERTY            unset a property (current-context, contexts.NAME.namespace, users.NAME...)\n"
    "  delete-context NAME       delete a context\n",
    run,
};
