/* k8sctl wait: until objects are deleted, created, have a condition or a JSONPath value. */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    k8sc__buf errors;
    size_t nerrors;
} failures;

static void add_failure(failures *f, const char *msg)
{
    k8sc__buf_printf(&f->errors, "%s%s", f->nerrors ? "\n" : "", msg);
    f->nerrors++;
}

/* kubectl prints one error with "error: ", several one per line without it. */
static int report_failures(k8sc__cli *cli, failures *f)
{
    if (f->nerrors == 1)
        fprintf(cli->err, "error: %s\n", f->errors.ptr);
    else if (f->nerrors > 1)
        fprintf(cli->err, "%s\n", f->errors.ptr);
    k8sc__buf_free(&f->errors);
    return f->nerrors ? 1 : 0;
}

static int wait_one(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const k8sc_object *obj,
    const k8sc__cli_wait_for *w, int64_t timeout_ms, failures *fails)
{
    const char *name = k8sc_object_name(obj);
    int rc = k8sc__cli_wait_object(c, r, k8sc_object_namespace(obj), name,
        w->what == K8SC__WAIT_DELETE ? k8sc_object_uid(obj) : NULL, w, timeout_ms);
    if (rc == K8SC_ETIMEOUT) {
        char msg[512];
        snprintf(msg, sizeof(msg), "timed out waiting for the condition on %s/%s", k8sc_resource_plural(r), name);
        add_failure(fails, msg);
        return 1;
    }
    if (rc)
        return k8sc__cli_report(cli, NULL);
    char ref[512];
    k8sc_cli_object_ref(ref, sizeof(ref), k8sc_resource_api_version(r), k8sc_resource_kind(r), name);
    fprintf(cli->out, "%s condition met\n", ref);
    fflush(cli->out);
    return 0;
}

/* The objects to wait on; for delete a missing one is already done. */
static int targets(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const char **names, size_t nnames,
    const char *selector, bool all, const k8sc__cli_wait_for *w, k8sc_object ***objs, size_t *n)
{
    const char *ns = k8sc_client_namespace(c);
    if (nnames == 0)
        return k8sc__cli_fetch_targets(cli, c, r, ns, NULL, 0, selector, all, objs, n);
    if (!(*objs = k8sc__calloc(nnames, sizeof(**objs))))
        return k8sc__cli_report(cli, NULL);
    *n = 0;
    int failed = 0;
    for (size_t i = 0; i < nnames; i++) {
        k8sc_object *obj = NULL;
        int rc = k8sc_client_get(&obj, c, k8sc_resource_api_version(r), k8sc_resource_kind(r), ns, names[i]);
        if (rc == K8SC_ENOTFOUND && w->what == K8SC__WAIT_DELETE)
            continue;
        if (rc == K8SC_ENOTFOUND && w->what == K8SC__WAIT_CREATE) {
            rc = k8sc_object_new(&obj, k8sc_resource_api_version(r), k8sc_resource_kind(r));
            if (!rc)
                rc = k8sc_object_set_name(obj, names[i]);
            if (!rc)
                rc = k8sc_object_set_namespace(obj, ns);
        }
        if (rc) {
            k8sc_object_free(obj);
            failed = k8sc__cli_report(cli, NULL);
            continue;
        }
        (*objs)[(*n)++] = obj;
    }
    return failed;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    const char *for_ = "", *timeout = "30s", *selector = NULL;
    bool all = false;
    const k8sc__cli_flag flags[] = {
        { NULL, "for", K8SC__FLAG_STRING, &for_ },
        { NULL, "timeout", K8SC__FLAG_STRING, &timeout },
        { "l", "selector", K8SC__FLAG_STRING, &selector },
        { NULL, "all", K8SC__FLAG_BOOL, &all },
        { 0 },
    };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    int64_t timeout_ms = 0;
    int rc = k8sc__cli_parse(cli, "wait", flags, argc, argv, args, &nargs);
    if (rc || (rc = k8sc__cli_duration_flag(cli, "wait", "timeout", timeout, &timeout_ms)))
        return rc;
    if (timeout_ms < 0)
        timeout_ms = 7 * 24 * 3600 * 1000LL;
    k8sc__cli_wait_for w;
    if (k8sc__cli_wait_for_parse(&w, for_))
        return k8sc__cli_fail(cli, "%s", k8sc_error_last());
    char type[256];
    const char *names[K8SC__CLI_MAX_ARGS];
    size_t nnames = 0;
    if (k8sc__cli_split_targets(cli, type, sizeof(type), names, &nnames, nargs, args))
        return 1;
    if (!*type)
        return k8sc__cli_fail(cli, "resource(s) were provided, but no name was specified");
    if (!nnames && !selector && !all)
        return k8sc__cli_fail(cli, "resource(s) were provided, but no name was specified");
    const k8sc_resource *r = NULL;
    k8sc_client *c = NULL;
    if (k8sc__cli_resolve_open(cli, type, &r, &c))
        return 1;
    k8sc_object **objs = NULL;
    size_t n = 0;
    int failed = targets(cli, c, r, names, nnames, selector, all, &w, &objs, &n);
    failures fails = { K8SC__BUF_INIT, 0 };
    if (!failed && n == 0 && nnames == 0)
        failed = k8sc__cli_fail(cli, "no matching resources found");
    for (size_t i = 0; i < n; i++)
        failed |= wait_one(cli, c, r, objs[i], &w, timeout_ms, &fails);
    failed |= report_failures(cli, &fails);
    k8sc_objects_free(objs, n);
    k8sc_client_free(c);
    return failed;
}

const k8sc__cli_verb k8sc__cli_verb_wait = {
    "wait",
    "Experimental: Wait for a specific condition on one or many resources.\n\n"
    "Usage:\n  k8sctl wait ([-f FILENAME] | resource.group/resource.name | resource.group [(-l label | --all)]) "
    "[--for=create|--for=delete|--for condition=available|--for=jsonpath='{}'[=value]] [options]\n\n"
    "Options:\n"
    "    --all=false:\n\tSelect all resources in the namespace of the specified resource types\n\n"
    "    --for='':\n\tThe condition to wait on: [create|delete|condition=condition-name[=condition-value]|"
    "jsonpath='{JSONPath expression}'=[JSONPath value]]. The default condition-value is true. Condition values "
    "are compared after Unicode simple case folding, which is a more general form of case-insensitivity.\n\n"
    "    -l, --selector='':\n\tSelector (label query) to filter on\n\n"
    "    --timeout=30s:\n\tThe length of time to wait before giving up. Zero means check once and don't wait, "
    "negative means wait for a week.\n",
    run,
};
