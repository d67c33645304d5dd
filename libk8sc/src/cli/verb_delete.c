/* k8sctl delete: by name, by -f manifests or by -l selector. */
#include "cli_internal.h"

#include <string.h>

/* How to delete: --grace-period, --now, --force, and whether (and how long) to wait for the object to go. */
typedef struct {
    int64_t grace;
    bool force;
    bool wait;
    int64_t timeout_ms;
} delete_flags;

/* Wait until the object with `uid` is gone, as kubectl delete --wait does (its default). */
static int wait_gone(k8sc__cli *cli, k8sc_client *c, const char *av, const char *kind, const char *ns,
    const char *name, const char *uid, const delete_flags *f)
{
    const k8sc_resource *r = k8sc_registry_find_gvk(k8sc_registry_default(), av, kind);
    if (!r || !uid)
        return 0;
    k8sc__cli_wait_for w;
    memset(&w, 0, sizeof(w));
    w.what = K8SC__WAIT_DELETE;
    /* kubectl waits a week when no --timeout is given. */
    int rc = k8sc__cli_wait_object(c, r, ns, name, uid, &w, f->timeout_ms ? f->timeout_ms : 7 * 24 * 3600 * 1000LL);
    if (rc == K8SC_ETIMEOUT)
        return k8sc__cli_fail(cli, "timed out waiting for the condition on %s/%s", k8sc_resource_plural(r), name);
    return rc ? k8sc__cli_report(cli, NULL) : 0;
}

static int delete_one(k8sc__cli *cli, k8sc_client *c, const char *av, const char *kind, const char *ns,
    const char *name, const delete_flags *f)
{
    k8sc_delete_options o = K8SC_DELETE_OPTIONS_INIT;
    o.grace_period_seconds = f->grace;
    k8sc_object *gone = NULL;
    if (f->grace == 0)
        fputs("Warning: Immediate deletion does not wait for confirmation that the running resource has been "
              "terminated. The resource may continue to run on the cluster indefinitely.\n", cli->err);
    if (k8sc_client_delete(&gone, c, av, kind, ns, name, &o))
        return k8sc__cli_report(cli, NULL);
    char ref[256];
    k8sc__cli_kind_ref(ref, sizeof(ref), av, kind);
    fprintf(cli->out, "%s \"%s\" %s\n", ref, name, f->grace == 0 ? "force deleted" : "deleted");
    fflush(cli->out);
    const char *uid = gone && k8sc_object_kind(gone) && strcmp(k8sc_object_kind(gone), "Status") != 0
        ? k8sc_object_uid(gone) : NULL;
    int rc = f->wait ? wait_gone(cli, c, av, kind, ns, name, uid, f) : 0;
    k8sc_object_free(gone);
    return rc;
}

static int delete_files(k8sc__cli *cli, const char *file, const delete_flags *f)
{
    k8sc_object **objs = NULL;
    size_t n = 0;
    k8sc_client *c = NULL;
    if (k8sc__cli_read_manifests(cli, &objs, &n, file) || k8sc__cli_open_client(cli, &c)) {
        k8sc_objects_free(objs, n);
        return 1;
    }
    int failed = 0;
    for (size_t i = 0; i < n; i++)
        failed |= delete_one(cli, c, k8sc_object_api_version(objs[i]), k8sc_object_kind(objs[i]),
            k8sc_object_namespace(objs[i]), k8sc_object_name(objs[i]), f);
    k8sc_objects_free(objs, n);
    k8sc_client_free(c);
    return failed;
}

static int delete_selected(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const char *ns,
    const char *selector, const delete_flags *f)
{
    const char *av = k8sc_resource_api_version(r), *kind = k8sc_resource_kind(r);
    k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
    lo.label_selector = selector;
    k8sc_object *list = NULL, **items = NULL;
    size_t len = 0;
    int failed = 0;
    if (k8sc_client_list(&list, c, av, kind, ns, &lo) || k8sc_cli_list_items(&items, &len, list)) {
        failed = k8sc__cli_report(cli, NULL);
    } else {
        if (len == 0)
            fprintf(cli->out, "No resources found\n");
        for (size_t i = 0; i < len; i++)
            failed |= delete_one(cli, c, av, kind, ns, k8sc_object_name(items[i]), f);
    }
    k8sc_objects_free(items, len);
    k8sc_object_free(list);
    return failed;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    const char *file = NULL, *selector = NULL, *timeout = "0s";
    delete_flags f = { -1, false, true, 0 };
    bool now = false;
    const k8sc__cli_flag flags[] = {
        { "f", "filename", K8SC__FLAG_STRING, &file },
        { "l", "selector", K8SC__FLAG_STRING, &selector },
        { NULL, "grace-period", K8SC__FLAG_INT, &f.grace },
        { NULL, "now", K8SC__FLAG_BOOL, &now },
        { NULL, "force", K8SC__FLAG_BOOL, &f.force },
        { NULL, "wait", K8SC__FLAG_BOOL, &f.wait },
        { NULL, "timeout", K8SC__FLAG_STRING, &timeout },
        { 0 },
    };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    int rc = k8sc__cli_parse(cli, "delete", flags, argc, argv, args, &nargs);
    if (rc || (rc = k8sc__cli_duration_flag(cli, "delete", "timeout", timeout, &f.timeout_ms)))
        return rc;
    if (now && f.grace != -1)
        return k8sc__cli_fail(cli, "--now and --grace-period cannot be specified together");
    if (now)
        f.grace = 1;
    /* kubectl turns --grace-period=0 into 1 unless --force asks for an immediate deletion. */
    if (f.grace == 0 && !f.force)
        f.grace = 1;
    if (f.force && f.grace < 0)
        f.grace = 0;
    if (file)
        return delete_files(cli, file, &f);
    char type[256];
    const char *names[K8SC__CLI_MAX_ARGS];
    size_t nnames = 0;
    if (k8sc__cli_split_targets(cli, type, sizeof(type), names, &nnames, nargs, args))
        return 1;
    if (!*type || (!nnames && !selector))
        return k8sc__cli_fail(cli, "resource(s) were provided, but no name was specified");
    const k8sc_resource *r = NULL;
    k8sc_client *c = NULL;
    if (k8sc__cli_resolve_open(cli, type, &r, &c))
        return 1;
    const char *ns = k8sc_client_namespace(c);
    int failed = 0;
    for (size_t i = 0; i < nnames; i++)
        failed |= delete_one(cli, c, k8sc_resource_api_version(r), k8sc_resource_kind(r), ns, names[i], &f);
    if (selector)
        failed |= delete_selected(cli, c, r, ns, selector, &f);
    k8sc_client_free(c);
    return failed;
}

const k8sc__cli_verb k8sc__cli_verb_delete = {
    "delete",
    "Usage: k8sctl delete (TYPE NAME... | TYPE/NAME... | -f FILENAME | TYPE -l SELECTOR)\n\nDelete resources.\n\n"
    "      --grace-period=-1  seconds given to the resource to terminate gracefully (negative: its default)\n"
    "      --now=false        signal resources for immediate shutdown (same as --grace-period=1)\n"
    "      --force=false      delete immediately, without waiting for confirmation (with --grace-period=0)\n"
    "      --wait=true        wait for resources to be gone before returning\n"
    "      --timeout=0s       how long to wait for the deletion (0: a week)\n",
    run,
};
