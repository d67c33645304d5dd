/*
 * k8sctl completion bash|zsh: a shell script completing k8sctl's verbs,
 * resource types and object names. The script asks
 * `k8sctl completion __complete WORD...` for the candidates of the last word.
 */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>

static const char bash_script[] =
    "# bash completion for k8sctl; load with: source <(k8sctl completion bash)\n"
    "_k8sctl_complete()\n"
    "{\n"
    "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" IFS=$'\\n'\n"
    "    local bin=\"${K8SCTL_BIN:-${COMP_WORDS[0]}}\"\n"
    "    COMPREPLY=($(\"$bin\" completion __complete \"${COMP_WORDS[@]:1:COMP_CWORD}\" 2>/dev/null))\n"
    "    if [[ ${#COMPREPLY[@]} -eq 0 && $cur != -* ]]; then\n"
    "        compopt -o default 2>/dev/null\n"
    "    fi\n"
    "}\n"
    "complete -F _k8sctl_complete k8sctl\n";

static const char zsh_script[] =
    "#compdef k8sctl\n"
    "# zsh completion for k8sctl; load with: source <(k8sctl completion zsh)\n"
    "_k8sctl() {\n"
    "    local -a candidates\n"
    "    candidates=(\"${(@f)$(${K8SCTL_BIN:-${words[1]}} completion __complete \"${(@)words[2,CURRENT]}\" "
    "2>/dev/null)}\")\n"
    "    (( ${#candidates} )) && compadd -- \"${candidates[@]}\" || _files\n"
    "}\n"
    "if [ \"$funcstack[1]\" = \"_k8sctl\" ]; then\n"
    "    _k8sctl \"$@\"\n"
    "else\n"
    "    compdef _k8sctl k8sctl\n"
    "fi\n";

static const char *const generators[] = { "configmap", "cronjob", "deployment", "job", "namespace", "secret",
    "service", "serviceaccount" };
static const char *const node_verbs[] = { "cordon", "uncordon", "drain", "taint" };
static const char *const typed_verbs[] = { "get", "describe", "delete", "label", "annotate", "patch", "scale",
    "expose", "edit", "explain", "wait" };
static const char *const valued_globals[] = { "-n", "--namespace", "--kubeconfig", "--context", "-s", "--server" };

static bool in(const char *word, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(word, set[i]) == 0)
            return true;
    return false;
}

static void offer(k8sc__cli *cli, const char *candidate, const char *cur)
{
    if (strncmp(candidate, cur, strlen(cur)) == 0)
        fprintf(cli->out, "%s\n", candidate);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void offer_types(k8sc__cli *cli, const char *cur)
{
    k8sc_registry *reg = k8sc_registry_default();
    size_t n = k8sc_registry_count(reg);
    const char **plurals = k8sc__calloc(n ? n : 1, sizeof(char *));
    if (!plurals)
        return;
    for (size_t i = 0; i < n; i++)
        plurals[i] = k8sc_resource_plural(k8sc_registry_at(reg, i));
    qsort(plurals, n, sizeof(char *), cmp_str);
    for (size_t i = 0; i < n; i++)
        if (!strchr(plurals[i], '/') && (i == 0 || strcmp(plurals[i], plurals[i - 1]) != 0))
            offer(cli, plurals[i], cur);
    free(plurals);
}

/* The names of the objects of `type` in the namespace of the global flags. */
static void offer_names(k8sc__cli *cli, const char *type, const char *cur)
{
    const k8sc_resource *r = NULL;
    k8sc_client *c = NULL;
    if (k8sc_cli_resolve(&r, NULL, type) || k8sc_client_new(&c, &cli->client_opts))
        return;
    k8sc_object *list = NULL, **items = NULL;
    size_t n = 0;
    if (!k8sc_client_list(&list, c, k8sc_resource_api_version(r), k8sc_resource_kind(r),
            k8sc_resource_namespaced(r) ? NULL : "", NULL) &&
        !k8sc_cli_list_items(&items, &n, list))
        for (size_t i = 0; i < n; i++)
            offer(cli, k8sc_object_name(items[i]), cur);
    k8sc_objects_free(items, n);
    k8sc_object_free(list);
    k8sc_client_free(c);
}

/* The candidates for the last of `words` (the words of the command line after the program). */
static int complete(k8sc__cli *cli, int argc, char **argv)
{
    const char *cur = argc ? argv[argc - 1] : "";
    const char *pos[K8SC__CLI_MAX_ARGS];
    int npos = 0;
    for (int i = 0; i + 1 < argc && npos < K8SC__CLI_MAX_ARGS; i++) {
        if (in(argv[i], valued_globals, K8SC__ARRAY_LEN(valued_globals)) && i + 2 < argc) {
            const char *v = argv[++i];
            if (strcmp(argv[i - 1], "-n") == 0 || strcmp(argv[i - 1], "--namespace") == 0)
                cli->client_opts.overrides.namespace_ = v;
            else if (strcmp(argv[i - 1], "--kubeconfig") == 0)
                cli->client_opts.kubeconfig = v;
            else if (strcmp(argv[i - 1], "--context") == 0)
                cli->client_opts.overrides.context = v;
            else
                cli->client_opts.overrides.server = v;
        } else if (argv[i][0] != '-') {
            pos[npos++] = argv[i];
        }
    }
    if (cur[0] == '-')
        return 0;
    if (npos == 0) {
        for (size_t i = 0; i < k8sc__cli_verb_count(); i++)
            offer(cli, k8sc__cli_verb_at(i)->name, cur);
        return 0;
    }
    const char *verb = pos[0];
    if (strcmp(verb, "completion") == 0 && npos == 1) {
        offer(cli, "bash", cur);
        offer(cli, "zsh", cur);
    } else if (strcmp(verb, "create") == 0 && npos == 1) {
        for (size_t i = 0; i < K8SC__ARRAY_LEN(generators); i++)
            offer(cli, generators[i], cur);
    } else if (in(verb, node_verbs, K8SC__ARRAY_LEN(node_verbs))) {
        offer_names(cli, "nodes", cur);
    } else if (in(verb, typed_verbs, K8SC__ARRAY_LEN(typed_verbs)) && npos == 1) {
        offer_types(cli, cur);
    } else if (in(verb, typed_verbs, K8SC__ARRAY_LEN(typed_verbs))) {
        offer_names(cli, pos[1], cur);
    }
    return 0;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "__complete") == 0)
        return complete(cli, argc - 1, argv + 1);
    const char *problem = argc == 0 ? "Shell not specified." : argc > 1 ? "Too many arguments. Expected only the "
                                                                           "shell type." : NULL;
    if (!problem && strcmp(argv[0], "bash") == 0)
        fputs(bash_script, cli->out);
    else if (!problem && strcmp(argv[0], "zsh") == 0)
        fputs(zsh_script, cli->out);
    else if (!problem)
        fprintf(cli->err, "error: Unsupported shell type \"%s\".\n", argv[0]);
    else
        fprintf(cli->err, "error: %s\n", problem);
    if (problem || (strcmp(argv[0], "bash") != 0 && strcmp(argv[0], "zsh") != 0)) {
        fputs("See 'k8sctl completion -h' for help and examples\n", cli->err);
        return 1;
    }
    return 0;
}

const k8sc__cli_verb k8sc__cli_verb_completion = {
    "completion",
    "Output shell completion code for the specified shell (bash or zsh).\n\n"
    "The shell code must be evaluated to provide interactive completion of k8sctl commands, resource types and "
    "object names.\n\n"
    "Examples:\n"
    "  # Load the k8sctl completion code for bash into the current shell\n"
    "  source <(k8sctl completion bash)\n\n"
    "  # Load the k8sctl completion code for zsh into the current shell\n"
    "  source <(k8sctl completion zsh)\n\n"
    "Usage:\n"
    "  k8sctl completion SHELL [options]\n",
    run,
};
