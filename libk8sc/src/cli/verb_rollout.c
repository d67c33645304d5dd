/* k8sctl rollout status|history|undo|pause|resume|restart for Deployments. */
#include "cli_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RESTARTED_AT "kubectl.kubernetes.io/restartedAt"

typedef struct {
    const char *selector;
    bool watch;
    const char *timeout;
    int64_t revision;
    int64_t to_revision;
} rollout_flags;

/* "deployments.apps", as kubectl names a resource in rollout errors. */
static void resource_ref(char *buf, size_t size, const k8sc_resource *r)
{
    const char *g = k8sc_resource_group(r);
    snprintf(buf, size, "%s%s%s", k8sc_resource_plural(r), g && *g ? "." : "", g ? g : "");
}

static void object_ref(char *buf, size_t size, const k8sc_object *obj)
{
    k8sc_cli_object_ref(buf, size, k8sc_object_api_version(obj), k8sc_object_kind(obj), k8sc_object_name(obj));
}

void k8sc__cli_rfc3339_now(char *buf, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char zone[16] = "Z";
    int off = (int)(tm.tm_gmtoff % 86400);
    if (off != 0)
        snprintf(zone, sizeof(zone), "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 3600, abs(off) % 3600 / 60);
    char stamp[32];
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, size, "%s%s", stamp, zone);
}

static int print_status(k8sc__cli *cli, const k8sc_object *d, int64_t revision, bool *done)
{
    char *line = NULL;
    if (k8sc_cli_rollout_status(&line, done, d, revision))
        return k8sc__cli_fail(cli, "%s", k8sc_error_last());
    fputs(line, cli->out);
    fflush(cli->out);
    k8sc_free(line);
    return 0;
}

/* Follow the deployment through a watch until its rollout is done, it goes away or time runs out. */
static int watch_status(k8sc__cli *cli, k8sc_client *c, const k8sc_object *d, int64_t revision, int64_t timeout_ms)
{
    char field[300];
    snprintf(field, sizeof(field), "metadata.name=%s", k8sc_object_name(d));
    char *rv = k8sc__strdup(k8sc_object_resource_version(d) ? k8sc_object_resource_version(d) : "");
    int64_t deadline = timeout_ms > 0 ? k8sc__mono_ms() + timeout_ms : 0;
    int rc = rv ? 0 : k8sc__cli_report(cli, NULL);
    while (!rc) {
        k8sc_watch_options wo = K8SC_WATCH_OPTIONS_INIT;
        wo.field_selector = field;
        wo.resource_version = rv;
        k8sc_watch *w = NULL;
        if (k8sc_client_watch(&w, c, k8sc_object_api_version(d), k8sc_object_kind(d), k8sc_object_namespace(d), &wo)) {
            rc = k8sc__cli_report(cli, NULL);
            break;
        }
        for (;;) {
            int64_t left = deadline ? deadline - k8sc__mono_ms() : -1;
            if (deadline && left <= 0) {
                rc = k8sc__cli_fail(cli, "timed out waiting for the condition");
                break;
            }
            k8sc_watch_event_type type;
            k8sc_object *obj = NULL;
            int got = k8sc_watch_next(&type, &obj, w, deadline ? (int)(left > 1000 ? 1000 : left) : 1000);
            if (got == K8SC_ETIMEOUT)
                continue;
            if (got <= 0) {
                /* The server ended the stream: watch again from what was seen last. */
                if (got < 0 && got != K8SC_EIO)
                    rc = k8sc__cli_fail(cli, "%s", k8sc_error_last());
                break;
            }
            bool done = false;
            if (type == K8SC_WATCH_DELETED)
                rc = k8sc__cli_fail(cli, "object has been deleted");
            else if (type != K8SC_WATCH_BOOKMARK)
                rc = print_status(cli, obj, revision, &done);
            if (k8sc_object_resource_version(obj)) {
                char *next = k8sc__strdup(k8sc_object_resource_version(obj));
                if (next) {
                    free(rv);
                    rv = next;
                }
            }
            k8sc_object_free(obj);
            if (rc || done) {
                rc = rc ? rc : -1;
                break;
            }
        }
        k8sc_watch_free(w);
    }
    free(rv);
    return rc < 0 ? 0 : rc;
}

static int status(k8sc__cli *cli, k8sc_client *c, const k8sc_object *d, const rollout_flags *f)
{
    if (strcmp(k8sc_object_kind(d), "Deployment") != 0)
        return k8sc__cli_fail(cli, "no status viewer has been implemented for %s", k8sc_object_kind(d));
    int64_t timeout_ms = 0;
    if (k8sc__cli_duration_flag(cli, "rollout status", "timeout", f->timeout, &timeout_ms))
        return 1;
    bool done = false;
    if (print_status(cli, d, f->revision, &done))
        return 1;
    if (done || !f->watch)
        return 0;
    return watch_status(cli, c, d, f->revision, timeout_ms);
}

static int history(k8sc__cli *cli, k8sc_client *c, const k8sc_object *d, const rollout_flags *f)
{
    k8sc_object **rss = NULL;
    size_t n = 0;
    char *text = NULL;
    int rc = k8sc_cli_deployment_replicasets(&rss, &n, c, d);
    if (rc) {
        k8sc__cli_report(cli, NULL);
    } else if ((rc = k8sc_cli_rollout_history(&text, rss, n, f->revision))) {
        k8sc__cli_fail(cli, "%s", k8sc_error_last());
    } else {
        char ref[512], with[64] = "";
        object_ref(ref, sizeof(ref), d);
        if (f->revision > 0)
            snprintf(with, sizeof(with), "with revision #%" PRId64, f->revision);
        fprintf(cli->out, "%s %s\n%s\n", ref, with, text);
    }
    k8sc_free(text);
    k8sc_objects_free(rss, n);
    return rc ? 1 : 0;
}

static int undo(k8sc__cli *cli, k8sc_client *c, const k8sc_object *d, const rollout_flags *f)
{
    if (f->to_revision < 0)
        return k8sc__cli_fail(cli, "unable to find specified revision %" PRId64 " in history", f->to_revision);
    k8sc_object **rss = NULL;
    size_t n = 0;
    const k8sc_object *rs = NULL;
    char *patch = NULL;
    bool paused = false, unchanged = false;
    int rc = k8sc_cli_deployment_replicasets(&rss, &n, c, d);
    if (rc) {
        k8sc__cli_report(cli, NULL);
    } else if ((rc = k8sc_cli_rollout_find(&rs, rss, n, k8sc_object_name(d), f->to_revision))) {
        k8sc__cli_fail(cli, "%s", k8sc_error_last());
    } else if (k8sc_object_get_bool(d, "spec.paused", &paused) == 0 && paused) {
        rc = k8sc__cli_fail(cli, "you cannot rollback a paused deployment; resume it first with 'kubectl rollout "
                                 "resume' and try again");
    } else if ((rc = k8sc_cli_rollout_undo_patch(&patch, &unchanged, d, rs))) {
        k8sc__cli_report(cli, NULL);
    } else if (!unchanged && (rc = k8sc_client_patch(NULL, c, k8sc_object_api_version(d), k8sc_object_kind(d),
                                  k8sc_object_namespace(d), k8sc_object_name(d), K8SC_PATCH_JSON, patch))) {
        k8sc__cli_fail(cli, "failed restoring revision %" PRId64 ": %s", f->to_revision, k8sc_error_last());
    } else {
        char ref[512];
        object_ref(ref, sizeof(ref), d);
        if (unchanged)
            fprintf(cli->out, "%s skipped rollback (current template already matches revision %" PRId64 ")\n", ref,
                f->to_revision);
        else
            fprintf(cli->out, "%s rolled back\n", ref);
    }
    k8sc_free(patch);
    k8sc_objects_free(rss, n);
    return rc ? 1 : 0;
}

/* pause, resume, restart: a strategic merge patch, or kubectl's error for an object already there. */
static int change(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const k8sc_object *d, const char *sub)
{
    char res[256], patch[512];
    resource_ref(res, sizeof(res), r);
    bool paused = false;
    k8sc_object_get_bool(d, "spec.paused", &paused);
    const char *done = strcmp(sub, "pause") == 0 ? "paused" : strcmp(sub, "resume") == 0 ? "resumed" : "restarted";
    if (strcmp(k8sc_object_kind(d), "Deployment") != 0) {
        fprintf(cli->err, "error: %s \"%s\" %s is not supported\n", res, k8sc_object_name(d),
            strcmp(sub, "restart") == 0 ? "restarting" : strcmp(sub, "pause") == 0 ? "pausing" : "resuming");
        return 1;
    }
    const char *refused = NULL;
    if (strcmp(sub, "pause") == 0 && paused)
        refused = "is already paused";
    else if (strcmp(sub, "resume") == 0 && !paused)
        refused = "is not paused";
    else if (strcmp(sub, "restart") == 0 && paused)
        refused = "can't restart paused deployment (run rollout resume first)";
    if (refused) {
        fprintf(cli->err, "error: %s \"%s\" %s\n", res, k8sc_object_name(d), refused);
        return 1;
    }
    if (strcmp(sub, "restart") == 0) {
        char now[64];
        k8sc__cli_rfc3339_now(now, sizeof(now));
        snprintf(patch, sizeof(patch), "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"" RESTARTED_AT
                                       "\":\"%s\"}}}}}", now);
    } else {
        snprintf(patch, sizeof(patch), "{\"spec\":{\"paused\":%s}}", strcmp(sub, "pause") == 0 ? "true" : "null");
    }
    if (k8sc_client_patch(NULL, c, k8sc_object_api_version(d), k8sc_object_kind(d), k8sc_object_namespace(d),
            k8sc_object_name(d), K8SC_PATCH_STRATEGIC, patch))
        return k8sc__cli_report(cli, NULL);
    char ref[512];
    object_ref(ref, sizeof(ref), d);
    fprintf(cli->out, "%s %s\n", ref, done);
    return 0;
}

static int act(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const char *sub, const k8sc_object *d,
    const rollout_flags *f)
{
    if (strcmp(sub, "status") == 0)
        return status(cli, c, d, f);
    if (strcmp(sub, "history") == 0)
        return history(cli, c, d, f);
    if (strcmp(sub, "undo") == 0)
        return undo(cli, c, d, f);
    return change(cli, c, r, d, sub);
}

static bool known_sub(const char *sub)
{
    static const char *const subs[] = { "status", "history", "undo", "pause", "resume", "restart" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(subs); i++)
        if (strcmp(sub, subs[i]) == 0)
            return true;
    return false;
}

static int run_sub(k8sc__cli *cli, const char *sub, int nargs, char **args, const rollout_flags *f)
{
    char type[256];
    const char *names[K8SC__CLI_MAX_ARGS];
    size_t nnames = 0;
    if (k8sc__cli_split_targets(cli, type, sizeof(type), names, &nnames, nargs, args))
        return 1;
    if (!*type)
        return k8sc__cli_fail(cli, "required resource not specified");
    if (strcmp(sub, "status") == 0 && nnames > 1)
        return k8sc__cli_fail(cli, "rollout status is only supported on individual resources and resource collections, "
                                   "but %zu resources were found", nnames);
    const k8sc_resource *r = NULL;
    k8sc_client *c = NULL;
    if (k8sc__cli_resolve_open(cli, type, &r, &c))
        return 1;
    k8sc_object **objs = NULL;
    size_t n = 0;
    int failed = k8sc__cli_fetch_targets(cli, c, r, k8sc_client_namespace(c), names, nnames, f->selector,
        nnames == 0 && !f->selector, &objs, &n);
    for (size_t i = 0; i < n; i++)
        failed |= act(cli, c, r, sub, objs[i], f);
    k8sc_objects_free(objs, n);
    k8sc_client_free(c);
    return failed;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    rollout_flags f = { NULL, true, "0s", 0, 0 };
    const k8sc__cli_flag flags[] = {
        { "l", "selector", K8SC__FLAG_STRING, &f.selector },
        { "w", "watch", K8SC__FLAG_BOOL, &f.watch },
        { NULL, "timeout", K8SC__FLAG_STRING, &f.timeout },
        { NULL, "revision", K8SC__FLAG_INT, &f.revision },
        { NULL, "to-revision", K8SC__FLAG_INT, &f.to_revision },
        { 0 },
    };
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    int rc = k8sc__cli_parse(cli, "rollout", flags, argc, argv, args, &nargs);
    if (rc)
        return rc;
    if (nargs == 0) {
        fputs(k8sc__cli_verb_rollout.help, cli->out);
        return 1;
    }
    if (!known_sub(args[0])) {
        k8sc__buf all = K8SC__BUF_INIT;
        for (int i = 0; i < nargs; i++)
            k8sc__buf_printf(&all, "%s%s", i ? " " : "", args[i]);
        fprintf(cli->err, "error: unknown command \"%s\"\nSee 'k8sctl rollout -h' for help and examples\n",
            all.ptr ? all.ptr : "");
        k8sc__buf_free(&all);
        return 1;
    }
    return run_sub(cli, args[0], nargs - 1, args + 1, &f);
}

const k8sc__cli_verb k8sc__cli_verb_rollout = {
    "rollout",
    "Manage the rollout of one or many resources.\n\n Valid resource types include:\n\n  *  deployments\n\n"
    "Available Commands:\n"
    "  history       View rollout history\n"
    "  pause         Mark the provided resource as paused\n"
    "  restart       Restart a resource\n"
    "  resume        Resume a paused resource\n"
    "  status        Show the status of the rollout\n"
    "  undo          Undo a previous rollout\n\n"
    "Options:\n"
    "    -l, --selector='':\n\tSelector (label query) to filter on (history, pause, resume, restart)\n\n"
    "    -w, --watch=true:\n\tstatus: watch the status of the rollout until it's done\n\n"
    "    --timeout=0s:\n\tstatus: the length of time to wait before ending watch, zero means never\n\n"
    "    --revision=0:\n\tstatus: pin to a specific revision; history: see the details of this revision\n\n"
    "    --to-revision=0:\n\tundo: the revision to rollback to (0: the previous one)\n\n"
    "Usage:\n  k8sctl rollout SUBCOMMAND [options]\n",
    run,
};
