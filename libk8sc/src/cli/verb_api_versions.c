/* k8sctl api-versions: every group/version the server serves, sorted, one per line. */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>

static int by_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Add the "groupVersion"s of `groups` (/apis) and the "versions" of /api to `b` as lines, sorted. */
static int collect(k8sc__buf *b, struct json_object *core, struct json_object *groups)
{
    struct json_object *versions = json_object_object_get(core, "versions");
    struct json_object *list = json_object_object_get(groups, "groups");
    size_t n = json_object_is_type(versions, json_type_array) ? json_object_array_length(versions) : 0;
    for (size_t g = 0; json_object_is_type(list, json_type_array) && g < json_object_array_length(list); g++) {
        struct json_object *vs = json_object_object_get(json_object_array_get_idx(list, g), "versions");
        n += json_object_is_type(vs, json_type_array) ? json_object_array_length(vs) : 0;
    }
    const char **all = k8sc__calloc(n ? n : 1, sizeof(*all));
    if (!all)
        return K8SC_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; json_object_is_type(versions, json_type_array) && i < json_object_array_length(versions); i++)
        all[k++] = json_object_get_string(json_object_array_get_idx(versions, i));
    for (size_t g = 0; json_object_is_type(list, json_type_array) && g < json_object_array_length(list); g++) {
        struct json_object *vs = json_object_object_get(json_object_array_get_idx(list, g), "versions");
        for (size_t i = 0; json_object_is_type(vs, json_type_array) && i < json_object_array_length(vs); i++)
            all[k++] = json_object_get_string(json_object_object_get(json_object_array_get_idx(vs, i), "groupVersion"));
    }
    qsort(all, k, sizeof(*all), by_cstr);
    for (size_t i = 0; i < k; i++)
        if (all[i])
            k8sc__buf_printf(b, "%s\n", all[i]);
    free(all);
    return k8sc__buf_status(b);
}

static int fetch(struct json_object **out, k8sc_client *c, const char *path)
{
    char *body = NULL;
    int rc = k8sc_client_request(&body, NULL, c, "GET", path, NULL, NULL, 0);
    if (!rc)
        rc = k8sc_json_parse(out, body, strlen(body));
    k8sc_free(body);
    return rc;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    const k8sc__cli_flag flags[] = { { 0 } };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    int rc = k8sc__cli_parse(cli, "api-versions", flags, argc, argv, args, &nargs);
    if (rc)
        return rc;
    if (nargs) {
        fputs("error: unexpected arguments: [", cli->err);
        for (int i = 0; i < nargs; i++)
            fprintf(cli->err, "%s%s", i ? " " : "", args[i]);
        fputs("]\nSee 'k8sctl api-versions -h' for help and examples\n", cli->err);
        return 1;
    }
    k8sc_client *c = NULL;
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    struct json_object *core = NULL, *groups = NULL;
    k8sc__buf b = K8SC__BUF_INIT;
    rc = fetch(&core, c, "/api");
    if (!rc)
        rc = fetch(&groups, c, "/apis");
    if (!rc)
        rc = collect(&b, core, groups);
    if (rc)
        k8sc__cli_report(cli, NULL);
    else
        fputs(b.ptr ? b.ptr : "", cli->out);
    k8sc__buf_free(&b);
    json_object_put(core);
    json_object_put(groups);
    k8sc_client_free(c);
    return rc ? 1 : 0;
}

const k8sc__cli_verb k8sc__cli_verb_api_versions = {
    "api-versions",
    "Usage: k8sctl api-versions\n\nPrint the supported API versions on the server, in the form of \"group/version\".\n",
    run,
};
