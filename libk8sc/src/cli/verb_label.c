/* k8sctl label / annotate: KEY=VALUE and KEY- changes to objects' labels or annotations. */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>

/* kubectl's "labeled", "unlabeled" (the object got shorter, without --overwrite) or "not labeled". */
static const char *label_result(const k8sc_object *obj, const char *patch, bool changed, bool overwrite)
{
    if (!changed)
        return "not labeled";
    struct json_object *p = NULL, *after = NULL;
    const char *result = "labeled";
    if (k8sc_json_parse(&p, patch, strlen(patch)) == 0 &&
        k8sc_patch_merge_apply(&after, k8sc_object_json(obj), p) == 0 && !overwrite) {
        int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
        size_t before_len = strlen(json_object_to_json_string_ext(k8sc_object_json(obj), flags));
        if (strlen(json_object_to_json_string_ext(after, flags)) < before_len)
            result = "unlabeled";
    }
    json_object_put(after);
    json_object_put(p);
    return result;
}

static int change_one(k8sc__cli *cli, k8sc_client *c, const k8sc_object *obj, k8sc_meta_map map,
    const char *const *changes, size_t n, bool overwrite)
{
    char *patch = NULL;
    bool changed = false;
    if (k8sc_cli_meta_patch(&patch, &changed, obj, map, changes, n, overwrite)) {
        /* Several refused labels print as kubectl prints an aggregate error: one per line, no prefix. */
        if (strchr(k8sc_error_last(), '\n'))
            fprintf(cli->err, "%s\n", k8sc_error_last());
        else
            k8sc__cli_fail(cli, "%s", k8sc_error_last());
        return 1;
    }
    for (size_t i = 0; map == K8SC_LABELS && i < n; i++) {
        size_t len = strlen(changes[i]);
        char key[320];
        if (len < 2 || changes[i][len - 1] != '-' || strchr(changes[i], '=') || len > sizeof(key))
            continue;
        snprintf(key, sizeof(key), "%.*s", (int)len - 1, changes[i]);
        if (!k8sc_object_meta_get(obj, map, key))
            fprintf(cli->out, "label \"%s\" not found.\n", key);
    }
    int rc = 0;
    if (changed)
        rc = k8sc_client_patch(NULL, c, k8sc_object_api_version(obj), k8sc_object_kind(obj),
            k8sc_object_namespace(obj), k8sc_object_name(obj), K8SC_PATCH_MERGE, patch);
    if (rc) {
        k8sc_free(patch);
        return k8sc__cli_report(cli, NULL);
    }
    char ref[512];
    k8sc_cli_object_ref(ref, sizeof(ref), k8sc_object_api_version(obj), k8sc_object_kind(obj),
        k8sc_object_name(obj));
    fprintf(cli->out, "%s %s\n", ref,
        map == K8SC_ANNOTATIONS ? "annotated" : label_result(obj, patch, changed, overwrite));
    k8sc_free(patch);
    return 0;
}

/* Split the arguments into targets and changes as kubectl does: every change comes after every target. */
static int split_changes(k8sc__cli *cli, const char *what, char **args, int nargs, int *ntargets)
{
    *ntargets = nargs;
    for (int i = 0; i < nargs; i++) {
        size_t len = strlen(args[i]);
        bool change = strchr(args[i], '=') || (len && args[i][len - 1] == '-');
        if (change && *ntargets == nargs)
            *ntargets = i;
        else if (!change && *ntargets != nargs)
            return k8sc__cli_fail(cli, "all resources must be specified before %s changes: %s", what, args[i]);
    }
    return 0;
}

static int run_meta(k8sc__cli *cli, int argc, char **argv, k8sc_meta_map map)
{
    const char *verb = map == K8SC_LABELS ? "label" : "annotate", *what = map == K8SC_LABELS ? "label" : "annotation";
    const char *selector = NULL;
    bool overwrite = false, all = false;
    const k8sc__cli_flag flags[] = {
        { NULL, "overwrite", K8SC__FLAG_BOOL, &overwrite },
        { "l", "selector", K8SC__FLAG_STRING, &selector },
        { NULL, "all", K8SC__FLAG_BOOL, &all },
        { 0 },
    };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0, ntargets = 0;
    int rc = k8sc__cli_parse(cli, verb, flags, argc, argv, args, &nargs);
    if (rc || (rc = split_changes(cli, what, args, nargs, &ntargets)))
        return rc;
    if (ntargets < 1)
        return k8sc__cli_fail(cli, "one or more resources must be specified as <resource> <name> or "
                                   "<resource>/<name>");
    if (ntargets == nargs)
        return k8sc__cli_fail(cli, "at least one %s update is required", what);
    char type[256];
    const char *names[K8SC__CLI_MAX_ARGS];
    size_t nnames = 0;
    if (k8sc__cli_split_targets(cli, type, sizeof(type), names, &nnames, ntargets, args))
        return 1;
    if (!nnames && !selector && !all)
        return k8sc__cli_fail(cli, "resource(s) were provided, but no name was specified");
    const k8sc_resource *r = NULL;
    k8sc_client *c = NULL;
    if (k8sc__cli_resolve_open(cli, type, &r, &c))
        return 1;
    k8sc_object **objs = NULL;
    size_t n = 0;
    int failed = k8sc__cli_fetch_targets(cli, c, r, k8sc_client_namespace(c), names, nnames, selector, all, &objs, &n);
    for (size_t i = 0; i < n; i++)
        failed |= change_one(cli, c, objs[i], map, (const char *const *)args + ntargets, (size_t)(nargs - ntargets),
            overwrite);
    k8sc_objects_free(objs, n);
    k8sc_client_free(c);
    return failed;
}

static int run_label(k8sc__cli *cli, int argc, char **argv)
{
    return run_meta(cli, argc, argv, K8SC_LABELS);
}

static int run_annotate(k8sc__cli *cli, int argc, char **argv)
{
    return run_meta(cli, argc, argv, K8SC_ANNOTATIONS);
}

const k8sc__cli_verb k8sc__cli_verb_label = {
    "label",
    "Usage: k8sctl label (TYPE NAME... | TYPE/NAME... | TYPE -l SELECTOR | TYPE --all) KEY=VALUE... KEY-...\n\n"
    "Update the labels on resources.\n\n"
    "      --overwrite           allow changing a label that has another value\n"
    "  -l, --selector SEL        the objects this label selector matches\n"
    "      --all                 every object of the type in the namespace\n",
    run_label,
};

const k8sc__cli_verb k8sc__cli_verb_annotate = {
    "annotate",
    "Usage: k8sctl annotate (TYPE NAME... | TYPE/NAME... | TYPE -l SELECTOR | TYPE --all) KEY=VALUE... KEY-...\n\n"
    "Update the annotations on resources.\n\n"
    "      --overwrite           allow changing an annotation that has another value\n"
    "  -l, --selector SEL        the objects this label selector matches\n"
    "      --all                 every object of the type in the namespace\n",
    run_annotate,
};
