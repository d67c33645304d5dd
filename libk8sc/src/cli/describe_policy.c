/* kubectl describe poddisruptionbudget, resourcequota, limitrange and priorityclass. */
#include "describe_internal.h"

#include <stdlib.h>
#include <string.h>

void k8sc__describe_poddisruptionbudget(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *pdb = in->obj, *spec = k8sc__dj_get(pdb, "spec"), *st = k8sc__dj_get(pdb, "status");
    struct json_object *min = k8sc__dj_get(spec, "minAvailable"), *max = k8sc__dj_get(spec, "maxUnavailable");
    k8sc__dw_name(w, pdb, true);
    if (min)
        k8sc__dw_write(w, 0, "Min available:\t%s\n", json_object_get_string(min));
    else if (max)
        k8sc__dw_write(w, 0, "Max unavailable:\t%s\n", json_object_get_string(max));
    struct json_object *sel = k8sc__dj_get(spec, "selector");
    char *text = NULL;
    if (sel && k8sc__describe_selector(&text, sel, "<none>") == 0)
        k8sc__dw_write(w, 0, "Selector:\t%s\n", text);
    else
        k8sc__dw_write(w, 0, "Selector:\t<unset>\n");
    k8sc_free(text);
    k8sc__dw_write(w, 0, "Status:\n");
    k8sc__dw_write(w, 2, "Allowed disruptions:\t%lld\n", (long long)k8sc__dj_int(st, "disruptionsAllowed", 0));
    k8sc__dw_write(w, 2, "Current:\t%lld\n", (long long)k8sc__dj_int(st, "currentHealthy", 0));
    k8sc__dw_write(w, 2, "Desired:\t%lld\n", (long long)k8sc__dj_int(st, "desiredHealthy", 0));
    k8sc__dw_write(w, 2, "Total:\t%lld\n", (long long)k8sc__dj_int(st, "expectedPods", 0));
    k8sc__dw_events(w, in->events, in->nevents);
}

static const char *scope_help(const char *scope)
{
    static const char *const help[][2] = {
        { "Terminating", "Matches all pods that have an active deadline. These pods have a limited lifespan on a node "
                         "before being actively terminated by the system." },
        { "NotTerminating", "Matches all pods that do not have an active deadline. These pods usually include long "
                            "running pods whose container command is not expected to terminate." },
        { "BestEffort", "Matches all pods that do not have resource requirements set. These pods have a best effort "
                        "quality of service." },
        { "NotBestEffort", "Matches all pods that have at least one resource requirement set. These pods have a "
                           "burstable or guaranteed quality of service." },
    };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(help); i++)
        if (strcmp(help[i][0], scope) == 0)
            return help[i][1];
    return NULL;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void k8sc__describe_quota_scopes(k8sc__dw *w, int level, struct json_object *scopes)
{
    size_t n = k8sc__dj_len(scopes);
    const char **sorted = n ? k8sc__calloc(n, sizeof(*sorted)) : NULL;
    if (!sorted)
        return;
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_object_get_string(json_object_array_get_idx(scopes, i));
    qsort(sorted, n, sizeof(*sorted), by_string);
    k8sc__dw_write(w, level, "Scopes:\t");
    for (size_t i = 0; i < n; i++)
        k8sc__dw_write(w, 0, "%s%s", i ? ", " : "", sorted[i]);
    k8sc__dw_write(w, 0, "\n");
    /* kubectl: " * help" in a quota's own description, "* help" one level in under a namespace's. */
    for (size_t i = 0; i < n; i++)
        if (scope_help(sorted[i]))
            k8sc__dw_write(w, level, "%s%s\n", level ? "* " : " * ", scope_help(sorted[i]));
    free(sorted);
}

/* A used quantity as kubectl shows it beside `hard`: in hard's format (as a whole number) when the formats differ. */
static void used_text(char *buf, size_t size, const char *used, const char *hard)
{
    k8sc_quantity h, u;
    int64_t v = 0;
    if (!hard || k8sc_quantity_parse(&h, hard) != 0 || (used && k8sc_quantity_parse(&u, used) != 0)) {
        k8sc__describe_quantity(buf, size, used);
        return;
    }
    if (used && u.format == h.format) {
        k8sc__describe_quantity(buf, size, used);
        return;
    }
    if (used)
        k8sc_quantity_int(&u, &v);
    k8sc_quantity q = k8sc_quantity_from_int(v, (k8sc_quantity_format)h.format);
    k8sc_quantity_format_to(buf, size, &q);
}

void k8sc__describe_resourcequota(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *rq = in->obj, *hard = k8sc__dj_get(rq, "status.hard"), *used = k8sc__dj_get(rq, "status.used");
    k8sc__dw_name(w, rq, true);
    if (k8sc__dj_len(k8sc__dj_get(rq, "spec.scopes")))
        k8sc__describe_quota_scopes(w, 0, k8sc__dj_get(rq, "spec.scopes"));
    k8sc__dw_write(w, 0, "Resource\tUsed\tHard\n");
    k8sc__dw_write(w, 0, "--------\t----\t----\n");
    size_t n = 0;
    const char **keys = k8sc__dj_sorted_keys(hard, NULL, &n);
    for (size_t i = 0; keys && i < n; i++) {
        char u[K8SC_QUANTITY_BUFSIZE + 64], h[K8SC_QUANTITY_BUFSIZE + 64];
        const char *hs = k8sc__dj_key(hard, keys[i]);
        used_text(u, sizeof(u), k8sc__dj_key(used, keys[i]), hs);
        k8sc__describe_quantity(h, sizeof(h), hs);
        k8sc__dw_write(w, 0, "%s\t%s\t%s\n", keys[i], u, h);
    }
    free(keys);
}

void k8sc__describe_limit_item(k8sc__dw *w, struct json_object *item, const char *indent)
{
    static const char *const cols[] = { "min", "max", "defaultRequest", "default", "maxLimitRequestRatio" };
    /* kubectl walks a Go map here (random order); each resource once, in the order the columns name them. */
    for (size_t c = 0; c < K8SC__ARRAY_LEN(cols); c++) {
        struct json_object *map = k8sc__dj_get(item, cols[c]);
        if (!json_object_is_type(map, json_type_object))
            continue;
        json_object_object_foreach(map, res, v) {
            (void)v;
            bool seen = false;
            for (size_t p = 0; p < c; p++)
                seen |= k8sc__dj_key(k8sc__dj_get(item, cols[p]), res) != NULL;
            if (seen)
                continue;
            char x[5][K8SC_QUANTITY_BUFSIZE + 64];
            for (size_t k = 0; k < 5; k++) {
                const char *s = k8sc__dj_key(k8sc__dj_get(item, cols[k]), res);
                if (s)
                    k8sc__describe_quantity(x[k], sizeof(x[k]), s);
                else
                    snprintf(x[k], sizeof(x[k]), "-");
            }
            k8sc__dw_write(w, 0, "%s%s\t%s\t%s\t%s\t%s\t%s\t%s\n", indent, k8sc__dj_or(item, "type"), res, x[0], x[1],
                x[2], x[3], x[4]);
        }
    }
}

void k8sc__describe_limitrange(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *lr = in->obj, *limits = k8sc__dj_get(lr, "spec.limits");
    k8sc__dw_name(w, lr, true);
    k8sc__dw_write(w, 0, "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n");
    k8sc__dw_write(w, 0, "----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n");
    for (size_t l = 0; l < k8sc__dj_len(limits); l++)
        k8sc__describe_limit_item(w, json_object_array_get_idx(limits, l), "");
}

void k8sc__describe_priorityclass(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *pc = in->obj;
    k8sc__dw_name(w, pc, false);
    k8sc__dw_write(w, 0, "Value:\t%lld\n", (long long)k8sc__dj_int(pc, "value", 0));
    k8sc__dw_write(w, 0, "GlobalDefault:\t%s\n", json_object_get_boolean(k8sc__dj_get(pc, "globalDefault")) ? "true" : "false");
    k8sc__dw_write(w, 0, "PreemptionPolicy:\t%s\n", k8sc__dj_or(pc, "preemptionPolicy"));
    k8sc__dw_write(w, 0, "Description:\t%s\n", k8sc__dj_or(pc, "description"));
    k8sc__dw_map_line(w, "Annotations", k8sc__dj_get(pc, "metadata.annotations"));
    k8sc__dw_events(w, in->events, in->nevents);
}
