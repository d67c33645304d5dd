/* kubectl describe deployment, replicaset and job. */
#include "describe_internal.h"

#include <stdlib.h>
#include <string.h>

static void write_selector(k8sc__dw *w, struct json_object *selector)
{
    char *text = NULL;
    if (k8sc__describe_selector(&text, selector, "<none>") == 0)
        k8sc__dw_write(w, 0, "Selector:\t%s\n", text);
    k8sc_free(text);
}

/* Conditions as the workload layouts print them: Type, Status, Reason. */
static void write_conditions(k8sc__dw *w, struct json_object *conds)
{
    size_t n = json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;
    if (n == 0)
        return;
    k8sc__dw_write(w, 0, "Conditions:\n  Type\tStatus\tReason\n");
    k8sc__dw_write(w, 1, "----\t------\t------\n");
    for (size_t i = 0; i < n; i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        k8sc__dw_write(w, 1, "%s \t%s\t%s\n", k8sc__dj_or(c, "type"), k8sc__dj_or(c, "status"), k8sc__dj_or(c, "reason"));
    }
}

/* Whether ReplicaSet `rs`'s template is the Deployment's, the pod-template-hash label aside. */
static bool same_template(struct json_object *rs, struct json_object *deploy)
{
    struct json_object *a = NULL;
    if (json_object_deep_copy(k8sc__dj_get(rs, "spec.template"), &a, NULL))
        return false;
    struct json_object *labels = k8sc__dj_get(a, "metadata.labels");
    if (labels)
        json_object_object_del(labels, "pod-template-hash");
    if (labels && json_object_object_length(labels) == 0)
        json_object_object_del(k8sc__dj_get(a, "metadata"), "labels");
    bool same = json_object_equal(a, k8sc__dj_get(deploy, "spec.template"));
    json_object_put(a);
    return same;
}

static void rs_list(k8sc__buf *b, const k8sc__describe_input *in, bool want_new, size_t new_index)
{
    size_t n = 0;
    for (size_t i = 0; i < in->nrelated; i++) {
        if ((i == new_index) != want_new)
            continue;
        struct json_object *rs = k8sc_object_json(in->related[i]);
        k8sc__buf_printf(b, "%s%s (%lld/%lld replicas created)", n++ ? ", " : "", k8sc__dj_or(rs, "metadata.name"),
            (long long)k8sc__dj_int(rs, "status.replicas", 0), (long long)k8sc__dj_int(rs, "spec.replicas", 1));
    }
    if (n == 0)
        k8sc__buf_puts(b, "<none>");
}

void k8sc__describe_deployment(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *d = in->obj, *spec = k8sc__dj_get(d, "spec"), *st = k8sc__dj_get(d, "status");
    char t[64];
    k8sc__dw_name(w, d, true);
    k8sc__describe_time(t, sizeof(t), k8sc__dj_str(d, "metadata.creationTimestamp"));
    k8sc__dw_write(w, 0, "CreationTimestamp:\t%s\n", t);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(d, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(d, "metadata.annotations"));
    write_selector(w, k8sc__dj_get(spec, "selector"));
    k8sc__dw_write(w, 0, "Replicas:\t%lld desired | %lld updated | %lld total | %lld available | %lld unavailable\n",
        (long long)k8sc__dj_int(spec, "replicas", 1), (long long)k8sc__dj_int(st, "updatedReplicas", 0),
        (long long)k8sc__dj_int(st, "replicas", 0), (long long)k8sc__dj_int(st, "availableReplicas", 0),
        (long long)k8sc__dj_int(st, "unavailableReplicas", 0));
    k8sc__dw_write(w, 0, "StrategyType:\t%s\n", k8sc__dj_or(spec, "strategy.type"));
    k8sc__dw_write(w, 0, "MinReadySeconds:\t%lld\n", (long long)k8sc__dj_int(spec, "minReadySeconds", 0));
    struct json_object *ru = k8sc__dj_get(spec, "strategy.rollingUpdate");
    if (ru) {
        struct json_object *mu = k8sc__dj_get(ru, "maxUnavailable"), *ms = k8sc__dj_get(ru, "maxSurge");
        k8sc__dw_write(w, 0, "RollingUpdateStrategy:\t%s max unavailable, %s max surge\n",
            mu ? json_object_get_string(mu) : "0", ms ? json_object_get_string(ms) : "0");
    }
    k8sc__describe_pod_template(w, k8sc__dj_get(spec, "template"));
    write_conditions(w, k8sc__dj_get(st, "conditions"));
    if (in->nrelated) {
        size_t new_index = in->nrelated;
        for (size_t i = 0; i < in->nrelated && new_index == in->nrelated; i++)
            if (same_template(k8sc_object_json(in->related[i]), d))
                new_index = i;
        k8sc__buf olds = K8SC__BUF_INIT, news = K8SC__BUF_INIT;
        rs_list(&olds, in, false, new_index);
        rs_list(&news, in, true, new_index);
        k8sc__dw_write(w, 0, "OldReplicaSets:\t%s\n", olds.ptr ? olds.ptr : "");
        k8sc__dw_write(w, 0, "NewReplicaSet:\t%s\n", news.ptr ? news.ptr : "");
        k8sc__buf_free(&olds);
        k8sc__buf_free(&news);
    }
    k8sc__dw_events(w, in->events, in->nevents);
}

/* Pods of `related` by phase: Running, Pending (waiting), Succeeded, Failed. */
static void pod_phases(const k8sc__describe_input *in, long long counts[4])
{
    static const char *const phases[] = { "Running", "Pending", "Succeeded", "Failed" };
    memset(counts, 0, 4 * sizeof(long long));
    for (size_t i = 0; i < in->nrelated; i++) {
        const char *phase = k8sc_object_get_string(in->related[i], "status.phase");
        for (size_t p = 0; phase && p < 4; p++)
            if (strcmp(phase, phases[p]) == 0)
                counts[p]++;
    }
}

void k8sc__describe_replicaset(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *rs = in->obj, *spec = k8sc__dj_get(rs, "spec");
    char ctl[256];
    long long c[4];
    k8sc__dw_name(w, rs, true);
    write_selector(w, k8sc__dj_get(spec, "selector"));
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(rs, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(rs, "metadata.annotations"));
    if (k8sc__describe_controller(ctl, sizeof(ctl), rs))
        k8sc__dw_write(w, 0, "Controlled By:\t%s\n", ctl);
    k8sc__dw_write(w, 0, "Replicas:\t%lld current / %lld desired\n", (long long)k8sc__dj_int(rs, "status.replicas", 0),
        (long long)k8sc__dj_int(spec, "replicas", 1));
    pod_phases(in, c);
    k8sc__dw_write(w, 0, "Pods Status:\t%lld Running / %lld Waiting / %lld Succeeded / %lld Failed\n", c[0], c[1], c[2],
        c[3]);
    k8sc__describe_pod_template(w, k8sc__dj_get(spec, "template"));
    write_conditions(w, k8sc__dj_get(rs, "status.conditions"));
    k8sc__dw_events(w, in->events, in->nevents);
}

void k8sc__describe_job(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *job = in->obj, *spec = k8sc__dj_get(job, "spec"), *st = k8sc__dj_get(job, "status");
    char ctl[256], t[64];
    k8sc__dw_name(w, job, true);
    write_selector(w, k8sc__dj_get(spec, "selector"));
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(job, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(job, "metadata.annotations"));
    if (k8sc__describe_controller(ctl, sizeof(ctl), job))
        k8sc__dw_write(w, 0, "Controlled By:\t%s\n", ctl);
    if (k8sc__dj_get(spec, "parallelism"))
        k8sc__dw_write(w, 0, "Parallelism:\t%lld\n", (long long)k8sc__dj_int(spec, "parallelism", 0));
    if (k8sc__dj_get(spec, "completions"))
        k8sc__dw_write(w, 0, "Completions:\t%lld\n", (long long)k8sc__dj_int(spec, "completions", 0));
    else
        k8sc__dw_write(w, 0, "Completions:\t<unset>\n");
    if (k8sc__dj_str(spec, "completionMode"))
        k8sc__dw_write(w, 0, "Completion Mode:\t%s\n", k8sc__dj_str(spec, "completionMode"));
    if (k8sc__dj_get(spec, "suspend"))
        k8sc__dw_write(w, 0, "Suspend:\t%s\n", json_object_get_boolean(k8sc__dj_get(spec, "suspend")) ? "true" : "false");
    if (k8sc__dj_get(spec, "backoffLimit"))
        k8sc__dw_write(w, 0, "Backoff Limit:\t%lld\n", (long long)k8sc__dj_int(spec, "backoffLimit", 0));
    if (k8sc__dj_get(spec, "ttlSecondsAfterFinished"))
        k8sc__dw_write(w, 0, "TTL Seconds After Finished:\t%lld\n",
            (long long)k8sc__dj_int(spec, "ttlSecondsAfterFinished", 0));
    const char *start = k8sc__dj_str(st, "startTime"), *done = k8sc__dj_str(st, "completionTime");
    if (start) {
        k8sc__describe_time(t, sizeof(t), start);
        k8sc__dw_write(w, 0, "Start Time:\t%s\n", t);
    }
    if (done) {
        k8sc__describe_time(t, sizeof(t), done);
        k8sc__dw_write(w, 0, "Completed At:\t%s\n", t);
    }
    int64_t s0 = 0, s1 = 0;
    if (start && done && k8sc_time_parse(&s0, start) == 0 && k8sc_time_parse(&s1, done) == 0) {
        char since[32];
        k8sc__describe_age(since, sizeof(since), start, (time_t)s1);
        k8sc__dw_write(w, 0, "Duration:\t%s\n", since);
    }
    if (k8sc__dj_get(spec, "activeDeadlineSeconds"))
        k8sc__dw_write(w, 0, "Active Deadline Seconds:\t%llds\n", (long long)k8sc__dj_int(spec, "activeDeadlineSeconds", 0));
    if (k8sc__dj_get(st, "ready"))
        k8sc__dw_write(w, 0, "Pods Statuses:\t%lld Active (%lld Ready) / %lld Succeeded / %lld Failed\n",
            (long long)k8sc__dj_int(st, "active", 0), (long long)k8sc__dj_int(st, "ready", 0),
            (long long)k8sc__dj_int(st, "succeeded", 0), (long long)k8sc__dj_int(st, "failed", 0));
    else
        k8sc__dw_write(w, 0, "Pods Statuses:\t%lld Active / %lld Succeeded / %lld Failed\n",
            (long long)k8sc__dj_int(st, "active", 0), (long long)k8sc__dj_int(st, "succeeded", 0),
            (long long)k8sc__dj_int(st, "failed", 0));
    if (strcmp(k8sc__dj_or(spec, "completionMode"), "Indexed") == 0) {
        const char *idx = k8sc__dj_or(st, "completedIndexes");
        size_t len = strlen(idx), cut = 50;
        while (cut < len && idx[cut] != ',')
            cut++;
        if (!*idx)
            k8sc__dw_write(w, 0, "Completed Indexes:\t<none>\n");
        else if (cut >= len)
            k8sc__dw_write(w, 0, "Completed Indexes:\t%s\n", idx);
        else
            k8sc__dw_write(w, 0, "Completed Indexes:\t%.*s...\n", (int)cut + 1, idx);
    }
    k8sc__describe_pod_template(w, k8sc__dj_get(spec, "template"));
    k8sc__dw_events(w, in->events, in->nevents);
}
