/* kubectl describe secret, serviceaccount, cronjob and replicationcontroller. */
#include "describe_internal.h"

#include <stdlib.h>
#include <string.h>

void k8sc__describe_secret(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *s = in->obj, *data = k8sc__dj_get(s, "data");
    k8sc__dw_name(w, s, true);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(s, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(s, "metadata.annotations"));
    const char *type = k8sc__dj_or(s, "type");
    k8sc__dw_write(w, 0, "\nType:\t%s\n", type);
    k8sc__dw_write(w, 0, "\nData\n====\n");
    size_t n = 0;
    const char **keys = k8sc__dj_sorted_keys(data, NULL, &n);
    for (size_t i = 0; keys && i < n; i++) {
        const char *b64 = json_object_get_string(json_object_object_get(data, keys[i]));
        char *raw = NULL;
        size_t len = 0;
        bool decoded = b64 && k8sc__base64_decode(&raw, &len, b64, strlen(b64), NULL) == 0;
        if (decoded && strcmp(keys[i], "token") == 0 && strcmp(type, "kubernetes.io/service-account-token") == 0)
            k8sc__dw_write(w, 0, "%s:\t%.*s\n", keys[i], (int)len, raw ? raw : "");
        else
            k8sc__dw_write(w, 0, "%s:\t%zu bytes\n", keys[i], decoded ? len : 0);
        free(raw);
    }
    free(keys);
}

static bool secret_exists(const k8sc__describe_input *in, const char *name)
{
    for (size_t i = 0; i < in->nrelated; i++)
        if (strcmp(k8sc_object_name(in->related[i]), name) == 0)
            return true;
    return false;
}

/* "HEADER\tname" for each of `names` (the header only on the first, "(not found)" when missing), or <none>. */
static void secret_names(k8sc__dw *w, const k8sc__describe_input *in, const char *header, const char **names,
    size_t n)
{
    if (n == 0)
        k8sc__dw_write(w, 0, "%s\t<none>\n", header);
    for (size_t i = 0; i < n; i++)
        k8sc__dw_write(w, 0, "%s\t%s%s\n", i == 0 ? header : "                   ", names[i],
            secret_exists(in, names[i]) ? "" : " (not found)");
}

/* The names of a list of references ({"name": …}) into `names` (at most `max`). */
static size_t ref_names(struct json_object *list, const char **names, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; json_object_is_type(list, json_type_array) && i < json_object_array_length(list) && n < max;
         i++)
        names[n++] = k8sc__dj_or(json_object_array_get_idx(list, i), "name");
    return n;
}

void k8sc__describe_serviceaccount(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *sa = in->obj;
    const char *pull[64], *mount[64], *tokens[64];
    size_t npull = ref_names(k8sc__dj_get(sa, "imagePullSecrets"), pull, 64);
    size_t nmount = ref_names(k8sc__dj_get(sa, "secrets"), mount, 64), ntokens = 0;
    /* As kubectl: the token Secrets annotated with this ServiceAccount's name and UID. */
    for (size_t i = 0; i < in->nrelated && ntokens < 64; i++) {
        const k8sc_object *s = in->related[i];
        const char *type = k8sc_object_get_string(s, "type");
        const char *name = k8sc_object_meta_get(s, K8SC_ANNOTATIONS, "kubernetes.io/service-account.name");
        const char *uid = k8sc_object_meta_get(s, K8SC_ANNOTATIONS, "kubernetes.io/service-account.uid");
        if (type && strcmp(type, "kubernetes.io/service-account-token") == 0 && name &&
            strcmp(name, k8sc__dj_or(sa, "metadata.name")) == 0 && uid && strcmp(uid, k8sc__dj_or(sa, "metadata.uid")) == 0)
            tokens[ntokens++] = k8sc_object_name(s);
    }
    k8sc__dw_name(w, sa, true);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(sa, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(sa, "metadata.annotations"));
    secret_names(w, in, "Image pull secrets:", pull, npull);
    secret_names(w, in, "Mountable secrets: ", mount, nmount);
    secret_names(w, in, "Tokens:            ", tokens, ntokens);
    k8sc__dw_events(w, in->events, in->nevents);
}

static void int_or_unset(k8sc__dw *w, const char *title, struct json_object *o, const char *path, const char *unit)
{
    if (k8sc__dj_get(o, path))
        k8sc__dw_write(w, 0, "%s:\t%lld%s\n", title, (long long)k8sc__dj_int(o, path, 0), unit);
    else
        k8sc__dw_write(w, 0, "%s:\t<unset>\n", title);
}

void k8sc__describe_cronjob(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *cj = in->obj, *spec = k8sc__dj_get(cj, "spec");
    struct json_object *jspec = k8sc__dj_get(spec, "jobTemplate.spec");
    k8sc__dw_name(w, cj, true);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(cj, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(cj, "metadata.annotations"));
    k8sc__dw_write(w, 0, "Schedule:\t%s\n", k8sc__dj_or(spec, "schedule"));
    k8sc__dw_write(w, 0, "Concurrency Policy:\t%s\n", k8sc__dj_or(spec, "concurrencyPolicy"));
    struct json_object *suspend = k8sc__dj_get(spec, "suspend");
    k8sc__dw_write(w, 0, "Suspend:\t%s\n", !suspend ? "<unset>" : json_object_get_boolean(suspend) ? "True" : "False");
    int_or_unset(w, "Successful Job History Limit", spec, "successfulJobsHistoryLimit", "");
    int_or_unset(w, "Failed Job History Limit", spec, "failedJobsHistoryLimit", "");
    int_or_unset(w, "Starting Deadline Seconds", spec, "startingDeadlineSeconds", "s");
    struct json_object *sel = k8sc__dj_get(jspec, "selector");
    char *text = NULL;
    if (sel && k8sc__describe_selector(&text, sel, "<none>") == 0)
        k8sc__dw_write(w, 0, "Selector:\t%s\n", text);
    else
        k8sc__dw_write(w, 0, "Selector:\t<unset>\n");
    k8sc_free(text);
    int_or_unset(w, "Parallelism", jspec, "parallelism", "");
    int_or_unset(w, "Completions", jspec, "completions", "");
    if (k8sc__dj_get(jspec, "activeDeadlineSeconds"))
        k8sc__dw_write(w, 0, "Active Deadline Seconds:\t%llds\n",
            (long long)k8sc__dj_int(jspec, "activeDeadlineSeconds", 0));
    k8sc__describe_pod_template(w, k8sc__dj_get(jspec, "template"));
    const char *last = k8sc__dj_str(cj, "status.lastScheduleTime");
    char t[64];
    if (last)
        k8sc__describe_time(t, sizeof(t), last);
    k8sc__dw_write(w, 0, "Last Schedule Time:\t%s\n", last ? t : "<unset>");
    struct json_object *active = k8sc__dj_get(cj, "status.active");
    size_t n = json_object_is_type(active, json_type_array) ? json_object_array_length(active) : 0;
    k8sc__dw_write(w, 0, "Active Jobs:\t%s", n ? "" : "<none>\n");
    for (size_t i = 0; i < n; i++)
        k8sc__dw_write(w, 0, "%s%s%s", i ? ", " : "", k8sc__dj_or(json_object_array_get_idx(active, i), "name"),
            i + 1 == n ? "\n" : "");
    k8sc__dw_events(w, in->events, in->nevents);
}

char *k8sc__describe_map_selector(struct json_object *map)
{
    size_t n = 0;
    const char **keys = k8sc__dj_sorted_keys(map, NULL, &n);
    k8sc__buf b = K8SC__BUF_INIT;
    for (size_t i = 0; keys && i < n; i++)
        k8sc__buf_printf(&b, "%s%s=%s", i ? "," : "", keys[i], json_object_get_string(json_object_object_get(map, keys[i])));
    free(keys);
    if (k8sc__buf_status(&b) || !b.len) {
        k8sc__buf_free(&b);
        return NULL;
    }
    return k8sc__buf_detach(&b, NULL);
}

void k8sc__describe_replicationcontroller(k8sc__dw *w, const k8sc__describe_input *in)
{
    static const char *const phases[] = { "Running", "Pending", "Succeeded", "Failed" };
    struct json_object *rc = in->obj, *spec = k8sc__dj_get(rc, "spec");
    long long counts[4] = { 0 };
    for (size_t i = 0; i < in->nrelated; i++) {
        const char *phase = k8sc_object_get_string(in->related[i], "status.phase");
        for (size_t p = 0; phase && p < 4; p++)
            counts[p] += strcmp(phase, phases[p]) == 0;
    }
    k8sc__dw_name(w, rc, true);
    char *sel = k8sc__describe_map_selector(k8sc__dj_get(spec, "selector"));
    k8sc__dw_write(w, 0, "Selector:\t%s\n", sel ? sel : "<none>");
    k8sc_free(sel);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(rc, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(rc, "metadata.annotations"));
    k8sc__dw_write(w, 0, "Replicas:\t%lld current / %lld desired\n", (long long)k8sc__dj_int(rc, "status.replicas", 0),
        (long long)k8sc__dj_int(spec, "replicas", 1));
    k8sc__dw_write(w, 0, "Pods Status:\t%lld Running / %lld Waiting / %lld Succeeded / %lld Failed\n", counts[0],
        counts[1], counts[2], counts[3]);
    k8sc__describe_pod_template(w, k8sc__dj_get(spec, "template"));
    k8sc__dw_events(w, in->events, in->nevents);
}
