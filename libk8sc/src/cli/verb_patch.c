/* k8sctl patch: a strategic merge, JSON merge or JSON patch (-p, as JSON or YAML) sent to objects. */
#include "cli_internal.h"

#include <string.h>

static int patch_one(k8sc__cli *cli, k8sc_client *c, const k8sc_object *obj, k8sc_patch_type type,
    const char *patch)
{
    k8sc_object *patched = NULL;
    if (k8sc_client_patch(&patched, c, k8sc_object_api_version(obj), k8sc_object_kind(obj),
            k8sc_object_namespace(obj), k8sc_object_name(obj), type, patch))
        return k8sc__cli_report(cli, NULL);
    char ref[512];
    k8sc_cli_object_ref(ref, sizeof(ref), k8sc_object_api_version(obj), k8sc_object_kind(obj),
        k8sc_object_name(obj));
    const char *was = k8sc_object_resource_version(obj), *now = k8sc_object_resource_version(patched);
    bool same = was && now && strcmp(was, now) == 0;
    fprintf(cli->out, "%s patched%s\n", ref, same ? " (no change)" : "");
    k8sc_object_free(patched);
    return 0;
}

static int parse_type(k8sc_patch_type *out, const char *name)
{
    static const struct {
        const char *name;
        k8sc_patch_type type;
    } types[] = { { "json", K8SC_PATCH_JSON }, { "merge", K8SC_PATCH_MERGE }, { "strategic", K8SC_PATCH_STRATEGIC } };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(types); i++)
        if (strcmp(types[i].name, name) == 0) {
            *out = types[i].type;
            return 0;
        }
    return K8SC_EINVAL;
}

/* The patch text as JSON (kubectl accepts YAML too); `*out` k8sc_free. 0, or 1 once printed. */
static int patch_json(k8sc__cli *cli, char **out, const char *text)
{
    const char *p = text + strspn(text, " \t\r\n");
    /* As yaml.ToJSON: what looks like JSON goes to the server as it is, which judges it. */
    if (*p == '{' || *p == '[')
        return (*out = k8sc__strdup(text)) ? 0 : k8sc__cli_report(cli, NULL);
    struct json_object *doc = NULL;
    if (k8sc_yaml_parse(&doc, text, strlen(text)) || !doc) {
        json_object_put(doc);
        return k8sc__cli_fail(cli, "unable to parse \"%s\": %s", text, k8sc_error_last());
    }
    int rc = k8sc_json_encode(out, NULL, doc, 0);
    json_object_put(doc);
    return rc ? k8sc__cli_report(cli, NULL) : 0;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    const char *patch = NULL, *type_name = "strategic";
    const k8sc__cli_flag flags[] = {
        { "p", "patch", K8SC__FLAG_STRING, &patch },
        { NULL, "type", K8SC__FLAG_STRING, &type_name },
        { 0 },
    };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    int rc = k8sc__cli_parse(cli, "patch", flags, argc, argv, args, &nargs);
    if (rc)
        return rc;
    k8sc_patch_type type = K8SC_PATCH_STRATEGIC;
    if (parse_type(&type, type_name))
        return k8sc__cli_fail(cli, "--type must be one of [json merge strategic], not \"%s\"", type_name);
    if (!patch || !*patch)
        return k8sc__cli_fail(cli, "must specify --patch or --patch-file containing the contents of the patch");
    char type_arg[256];
    const char *names[K8SC__CLI_MAX_ARGS];
    size_t nnames = 0;
    if (k8sc__cli_split_targets(cli, type_arg, sizeof(type_arg), names, &nnames, nargs, args))
        return 1;
    if (!*type_arg || !nnames)
        return k8sc__cli_fail(cli, "resource(s) were provided, but no name was specified");
    const k8sc_resource *r = NULL;
    if (k8sc_cli_resolve(&r, NULL, type_arg))
        return k8sc__cli_report(cli, NULL);
    char *json = NULL;
    k8sc_client *c = NULL;
    if (patch_json(cli, &json, patch) || k8sc__cli_open_client(cli, &c)) {
        k8sc_free(json);
        return 1;
    }
    k8sc_object **objs = NULL;
    size_t n = 0;
    int failed = k8sc__cli_fetch_targets(cli, c, r, k8sc_client_namespace(c), names, nnames, NULL, false, &objs, &n);
    for (size_t i = 0; i < n; i++)
        failed |= patch_one(cli, c, objs[i], type, json);
    k8sc_objects_free(objs, n);
    k8sc_client_free(c);
    k8sc_free(json);
    return failed;
}

const k8sc__cli_verb k8sc__cli_verb_patch = {
    "patch",
    "Usage: k8sctl patch (TYPE NAME | TYPE/NAME) -p PATCH [--type strategic|merge|json]\n\n"
    "Update fields of a resource with a strategic merge patch, a JSON merge patch or a JSON patch.\n",
    run,
};
