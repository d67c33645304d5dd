/* k8sctl scale: spec.replicas through the scale subresource, with kubectl's preconditions. */
#include "cli_internal.h"

#include "../client/client_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t replicas, current;
    const char *resource_version;
} scale_flags;

/* GET the Scale, check the preconditions, PUT it back with the new count. */
static int scale_checked(k8sc_client *c, const char *path, const scale_flags *f)
{
    char *body = NULL;
    int rc = k8sc_client_request(&body, NULL, c, "GET", path, NULL, NULL, 0);
    k8sc_object *scale = NULL;
    if (!rc)
        rc = k8sc_object_from_json(&scale, body, strlen(body));
    k8sc_free(body);
    if (rc)
        return rc;
    int64_t have = 0;
    k8sc_object_get_int(scale, "spec.replicas", &have);
    const char *rv = k8sc_object_resource_version(scale);
    if (f->current >= 0 && have != f->current)
        rc = k8sc_error_set(K8SC_ECONFLICT, "Expected replicas to be %" PRId64 ", was %" PRId64, f->current, have);
    else if (f->resource_version && (!rv || strcmp(rv, f->resource_version) != 0))
        rc = k8sc_error_set(K8SC_ECONFLICT, "Expected resource version to be %s, was %s", f->resource_version,
            rv ? rv : "");
    if (!rc)
        rc = k8sc_object_set_int(scale, "spec.replicas", f->replicas);
    char *text = NULL;
    if (!rc)
        rc = k8sc_json_encode(&text, NULL, k8sc_object_json(scale), 0);
    k8sc_object_free(scale);
    if (!rc)
        rc = k8sc_client_request(&body, NULL, c, "PUT", path, "application/json", text, strlen(text));
    k8sc_free(text);
    if (!rc)
        k8sc_free(body);
    return rc;
}

static int scale_one(k8sc__cli *cli, k8sc_client *c, const k8sc_object *obj, const scale_flags *f)
{
    char *path = NULL;
    int rc = k8sc__client_path(&path, c, k8sc_object_api_version(obj), k8sc_object_kind(obj),
        k8sc_object_namespace(obj), k8sc_object_name(obj));
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/scale", path ? path : "");
    free(path);
    if (!rc && k8sc__buf_status(&b))
        rc = K8SC_ENOMEM;
    bool precondition = f->current >= 0 || f->resource_version;
    char patch[64];
    snprintf(patch, sizeof(patch), "{\"spec\":{\"replicas\":%" PRId64 "}}", f->replicas);
    char *body = NULL;
    if (!rc && precondition)
        rc = scale_checked(c, b.ptr, f);
    else if (!rc)
        rc = k8sc_client_request(&body, NULL, c, "PATCH", b.ptr, k8sc_patch_content_type(K8SC_PATCH_MERGE), patch,
            strlen(patch));
    k8sc_free(body);
    k8sc__buf_free(&b);
    if (rc == K8SC_ECONFLICT && !k8sc_client_last_status())
        return k8sc__cli_fail(cli, "%s", k8sc_error_last());
    if (rc)
        return k8sc__cli_report(cli, NULL);
    char ref[512];
    k8sc_cli_object_ref(ref, sizeof(ref), k8sc_object_api_version(obj), k8sc_object_kind(obj),
        k8sc_object_name(obj));
    fprintf(cli->out, "%s scaled\n", ref);
    return 0;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    scale_flags f = { -1, -1, NULL };
    const char *selector = NULL;
    bool all = false;
    const k8sc__cli_flag flags[] = {
        { NULL, "replicas", K8SC__FLAG_INT, &f.replicas },
        { NULL, "current-replicas", K8SC__FLAG_INT, &f.current },
        { NULL, "resource-version", K8SC__FLAG_STRING, &f.resource_version },
        { "l", "selector", K8SC__FLAG_STRING, &selector },
        { NULL, "all", K8SC__FLAG_BOOL, &all },
        { 0 },
    };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    int rc = k8sc__cli_parse(cli, "scale", flags, argc, argv, args, &nargs);
    if (rc)
        return rc;
    if (f.replicas == -1)
        return k8sc__cli_fail(cli, "required flag(s) \"replicas\" not set");
    if (f.replicas < 0)
        return k8sc__cli_fail(cli, "The --replicas=COUNT flag is required, and COUNT must be greater than or equal "
                                   "to 0");
    char type[256];
    const char *names[K8SC__CLI_MAX_ARGS];
    size_t nnames = 0;
    if (k8sc__cli_targets(cli, type, sizeof(type), names, &nnames, nargs, args, !selector && !all))
        return 1;
    const k8sc_resource *r = NULL;
    k8sc_client *c = NULL;
    if (k8sc__cli_resolve_open(cli, type, &r, &c))
        return 1;
    k8sc_object **objs = NULL;
    size_t n = 0;
    /* kubectl looks the named objects up first, scales those it found, then names the missing ones. */
    const char *found[K8SC__CLI_MAX_ARGS];
    size_t nfound = 0;
    k8sc__buf missing = K8SC__BUF_INIT;
    int failed = 0;
    for (size_t i = 0; i < nnames; i++) {
        k8sc_object *obj = NULL;
        rc = k8sc_client_get(&obj, c, k8sc_resource_api_version(r), k8sc_resource_kind(r), NULL, names[i]);
        if (!rc)
            found[nfound++] = names[i];
        else if (rc == K8SC_ENOTFOUND && k8sc_client_last_status())
            k8sc__buf_printf(&missing, "%s%s", missing.len ? ", " : "", k8sc_error_last());
        else
            failed = k8sc__cli_report(cli, NULL);
        k8sc_object_free(obj);
    }
    if (nfound || !nnames)
        failed |= k8sc__cli_fetch_targets(cli, c, r, k8sc_client_namespace(c), found, nfound, selector, all, &objs, &n);
    for (size_t i = 0; i < n; i++)
        failed |= scale_one(cli, c, objs[i], &f);
    if (missing.len && nfound) {
        fprintf(cli->err, "Error from server (NotFound): %s\n", missing.ptr);
        failed = 1;
    } else if (missing.len) {
        failed = k8sc__cli_fail(cli, "no objects passed to scale %s", missing.ptr);
    } else if (!failed && n == 0) {
        /* A selector or --all that matches nothing: kubectl's error too. */
        failed = k8sc__cli_fail(cli, "no objects passed to scale");
    }
    k8sc__buf_free(&missing);
    k8sc_objects_free(objs, n);
    k8sc_client_free(c);
    return failed;
}

const k8sc__cli_verb k8sc__cli_verb_scale = {
    "scale",
    "Usage: k8sctl scale --replicas=COUNT [--current-replicas=COUNT] [--resource-version=VERSION] "
    "(TYPE NAME | TYPE/NAME | TYPE -l SELECTOR | TYPE --all)\n\n"
    "Set a new size for a deployment, replica set, replication controller or stateful set.\n",
    run,
};
