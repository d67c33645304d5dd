/* k8sctl create job / cronjob: kubectl's Job and CronJob generators, and a Job from a CronJob's template. */
#include "generate_internal.h"

#include <string.h>

/* {"metadata":{"creationTimestamp":null},"spec":{"containers":[…],"restartPolicy":…}} */
static struct json_object *pod_template(const char *name, const char *image, char **command, int ncommand,
    const char *restart)
{
    struct json_object *tmpl = json_object_new_object(), *md = json_object_new_object();
    struct json_object *spec = json_object_new_object(), *cts = json_object_new_array();
    k8sc__jset(md, "creationTimestamp", NULL);
    k8sc__jset(tmpl, "metadata", md);
    json_object_array_add(cts, k8sc__cli_gen_container(name, image, command, ncommand));
    k8sc__jset(spec, "containers", cts);
    k8sc__jset(spec, "restartPolicy", k8sc__jstr(restart));
    k8sc__jset(tmpl, "spec", spec);
    return tmpl;
}

/* kubectl's Job for --from=cronjob/NAME: the template's spec, labels and annotations, owned by the CronJob. */
static int job_from_cronjob(k8sc__cli *cli, const k8sc__cli_gen *g, const char *from)
{
    const char *slash = strchr(from, '/');
    const k8sc_resource *r = NULL;
    char type[256];
    snprintf(type, sizeof(type), "%.*s", slash ? (int)(slash - from) : 0, from);
    if (!slash || k8sc_cli_resolve(&r, NULL, type) || strcmp(k8sc_resource_kind(r), "CronJob") != 0)
        return k8sc__cli_fail(cli, "from must be an existing cronjob");
    k8sc_client *c = NULL;
    if (k8sc__cli_open_client(cli, &c))
        return 1;
    k8sc_object *cj = NULL;
    if (k8sc_client_get(&cj, c, "batch/v1", "CronJob", NULL, slash + 1)) {
        k8sc_client_free(c);
        return k8sc__cli_report(cli, NULL);
    }
    k8sc_client_free(c);
    struct json_object *o = k8sc__cli_gen_object(cli, "batch/v1", "Job", g->args[0]);
    struct json_object *md = json_object_object_get(o, "metadata"), *ann = json_object_new_object();
    k8sc__jset(ann, "cronjob.kubernetes.io/instantiate", k8sc__jstr("manual"));
    struct json_object *tann = k8sc_object_get(cj, "spec.jobTemplate.metadata.annotations");
    if (json_object_is_type(tann, json_type_object)) {
        json_object_object_foreach(tann, k, v) k8sc__jset(ann, k, json_object_get(v));
    }
    k8sc__jset(md, "annotations", ann);
    struct json_object *labels = k8sc_object_get(cj, "spec.jobTemplate.metadata.labels");
    if (labels)
        k8sc__jset(md, "labels", json_object_get(labels));
    struct json_object *refs = json_object_new_array(), *ref = json_object_new_object();
    k8sc__jset(ref, "apiVersion", k8sc__jstr("batch/v1"));
    k8sc__jset(ref, "controller", json_object_new_boolean(1));
    k8sc__jset(ref, "kind", k8sc__jstr("CronJob"));
    k8sc__jset(ref, "name", k8sc__jstr(k8sc_object_name(cj)));
    k8sc__jset(ref, "uid", k8sc__jstr(k8sc_object_uid(cj)));
    json_object_array_add(refs, ref);
    k8sc__jset(md, "ownerReferences", refs);
    struct json_object *spec = NULL;
    json_object_deep_copy(k8sc_object_get(cj, "spec.jobTemplate.spec"), &spec, NULL);
    struct json_object *tmd = json_object_object_get(json_object_object_get(spec, "template"), "metadata");
    if (tmd && !json_object_object_get_ex(tmd, "creationTimestamp", NULL))
        k8sc__jset(tmd, "creationTimestamp", NULL);
    k8sc__jset(o, "spec", spec ? spec : json_object_new_object());
    k8sc__jset(o, "status", json_object_new_object());
    k8sc_object_free(cj);
    return k8sc__cli_gen_finish(cli, g, o);
}

int k8sc__cli_create_job(k8sc__cli *cli, int argc, char **argv)
{
    k8sc__cli_gen g = { .sub = "create job", .wrap = "failed to create job: " };
    const char *image = NULL, *from = NULL;
    const k8sc__cli_flag flags[] = { K8SC__CLI_GEN_FLAGS(&g), { NULL, "image", K8SC__FLAG_STRING, &image },
        { NULL, "from", K8SC__FLAG_STRING, &from }, { 0 } };
    int rc = k8sc__cli_gen_parse(cli, &g, flags, argc, argv, true);
    if (rc)
        return rc;
    if (!image == !from)
        return k8sc__cli_fail(cli, "either --image or --from must be specified");
    if (from && g.ncommand)
        return k8sc__cli_fail(cli, "cannot specify --from and command");
    if (from)
        return job_from_cronjob(cli, &g, from);
    struct json_object *o = k8sc__cli_gen_object(cli, "batch/v1", "Job", g.args[0]);
    struct json_object *spec = json_object_new_object();
    k8sc__jset(spec, "template", pod_template(g.args[0], image, g.command, g.ncommand, "Never"));
    k8sc__jset(o, "spec", spec);
    k8sc__jset(o, "status", json_object_new_object());
    return k8sc__cli_gen_finish(cli, &g, o);
}

int k8sc__cli_create_cronjob(k8sc__cli *cli, int argc, char **argv)
{
    k8sc__cli_gen g = { .sub = "create cronjob", .wrap = "failed to create cronjob: " };
    const char *image = NULL, *schedule = NULL, *restart = NULL;
    const k8sc__cli_flag flags[] = { K8SC__CLI_GEN_FLAGS(&g), { NULL, "image", K8SC__FLAG_STRING, &image },
        { NULL, "schedule", K8SC__FLAG_STRING, &schedule }, { NULL, "restart", K8SC__FLAG_STRING, &restart },
        { 0 } };
    int rc = k8sc__cli_gen_parse(cli, &g, flags, argc, argv, true);
    if (rc)
        return rc;
    if (!image || !schedule)
        return k8sc__cli_fail(cli, "required flag(s) %s not set",
            !image && !schedule ? "\"image\", \"schedule\"" : !image ? "\"image\"" : "\"schedule\"");
    struct json_object *o = k8sc__cli_gen_object(cli, "batch/v1", "CronJob", g.args[0]);
    struct json_object *spec = json_object_new_object(), *jt = json_object_new_object();
    struct json_object *jmd = json_object_new_object(), *jspec = json_object_new_object();
    k8sc__jset(jmd, "creationTimestamp", NULL);
    k8sc__jset(jmd, "name", k8sc__jstr(g.args[0]));
    k8sc__jset(jt, "metadata", jmd);
    k8sc__jset(jspec, "template",
        pod_template(g.args[0], image, g.command, g.ncommand, restart ? restart : "OnFailure"));
    k8sc__jset(jt, "spec", jspec);
    k8sc__jset(spec, "jobTemplate", jt);
    k8sc__jset(spec, "schedule", k8sc__jstr(schedule));
    k8sc__jset(o, "spec", spec);
    k8sc__jset(o, "status", json_object_new_object());
    return k8sc__cli_gen_finish(cli, &g, o);
}
