/* Pods as the workload controllers see them: state, templates, deletion order, status writes. */
#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "k8sc/codec.h"
#include "workload.h"

int k8sc__builtin_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts,
    const k8sc__builtin_spec *spec, void *state)
{
    if (!out || !client || (opts && opts->version != K8SC_BUILTIN_OPTIONS_VERSION)) {
        if (spec->state_free)
            spec->state_free(state);
        return k8sc_error_set(K8SC_EINVAL, "%s: invalid argument", spec->name);
    }
    const k8sc_builtin_options defaults = K8SC_BUILTIN_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    k8sc_controller_options co = K8SC_CONTROLLER_OPTIONS_INIT;
    co.name = spec->name;
    co.api_version = spec->api_version;
    co.kind = spec->kind;
    co.reconcile = spec->reconcile;
    co.userdata = state;
    co.userdata_free = spec->state_free;
    co.workers = opts->workers;
    co.factory = opts->factory;
    co.clock = opts->clock;
    co.rate_limiter = spec->rate_limiter;
    int rc = k8sc_controller_new(out, client, &co);
    if (rc < 0 && spec->state_free)
        spec->state_free(state);
    return rc;
}

int k8sc__builtin_handle(k8sc_informer **inf, k8sc_controller *ctl, const char *api_version, const char *kind,
    const k8sc_informer_handler *h)
{
    *inf = k8sc_controller_informer(ctl, api_version, kind);
    int rc = *inf ? k8sc_informer_add_handler(*inf, h) : k8sc_error_last_code();
    if (rc < 0)
        *inf = NULL;
    return rc;
}

void k8sc__event(k8sc_event_recorder *rec, const k8sc_object *obj, const char *type, const char *reason,
    const char *fmt, ...)
{
    if (!rec)
        return;
    va_list ap;
    va_start(ap, fmt);
    k8sc_event_recorder_eventv(rec, obj, type, reason, fmt, ap);
    va_end(ap);
}

char *k8sc__object_key(const k8sc_object *obj)
{
    char *key = NULL;
    return k8sc_cache_key(&key, obj) == 0 ? key : NULL;
}

int64_t k8sc__json_int(struct json_object *o, const char *key, int64_t def)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
        return def;
    return json_object_get_int64(v);
}

bool k8sc__pod_active(const k8sc_object *pod)
{
    const char *phase = k8sc_object_get_string(pod, "status.phase");
    if (phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0))
        return false;
    return !k8sc_object_has(pod, "metadata.deletionTimestamp");
}

bool k8sc__pod_ready(const k8sc_object *pod, int64_t *since)
{
    if (since)
        *since = 0;
    struct json_object *conds = k8sc_object_get(pod, "status.conditions");
    size_t n = json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *c = json_object_array_get_idx(conds, i), *v;
        if (!json_object_object_get_ex(c, "type", &v) || strcmp(json_object_get_string(v), "Ready") != 0)
            continue;
        if (since && json_object_object_get_ex(c, "lastTransitionTime", &v))
            k8sc_time_parse(since, json_object_get_string(v));
        return json_object_object_get_ex(c, "status", &v) && strcmp(json_object_get_string(v), "True") == 0;
    }
    return false;
}

bool k8sc__pod_available(const k8sc_object *pod, int64_t min_ready_seconds, int64_t now)
{
    int64_t since;
    if (!k8sc__pod_ready(pod, &since))
        return false;
    /* As podutil.IsPodAvailable: ready for minReadySeconds, strictly. */
    return min_ready_seconds == 0 || (since != 0 && since + min_ready_seconds < now);
}

int k8sc__pod_from_template(k8sc_object **out, const k8sc_object *owner, const char *template_path)
{
    struct json_object *tmpl = k8sc_object_get(owner, template_path);
    if (!json_object_is_type(tmpl, json_type_object))
        return k8sc_error_set(K8SC_EINVAL, "%s %s has no pod template", k8sc_object_kind(owner), k8sc_object_name(owner));
    k8sc_object *pod;
    int rc = k8sc_object_new(&pod, "v1", "Pod");
    if (rc < 0)
        return rc;
    static const char *const copied[] = { "metadata.labels", "metadata.annotations", "metadata.finalizers", "spec" };
    k8sc_object *t;
    if ((rc = k8sc_object_wrap(&t, json_object_get(tmpl))) < 0) {
        json_object_put(tmpl);
        k8sc_object_free(pod);
        return rc;
    }
    for (size_t i = 0; rc == 0 && i < K8SC__ARRAY_LEN(copied); i++) {
        struct json_object *v = k8sc_object_get(t, copied[i]), *copy = NULL;
        if (v && (rc = json_object_deep_copy(v, &copy, NULL)) == 0)
            rc = k8sc_object_set(pod, copied[i], copy);
        else if (v)
            rc = k8sc__error_nomem();
    }
    k8sc_object_free(t);
    k8sc__buf prefix = K8SC__BUF_INIT;
    k8sc__buf_printf(&prefix, "%s-", k8sc_object_name(owner));
    if (rc == 0 && k8sc__buf_status(&prefix) < 0)
        rc = K8SC_ENOMEM;
    if (rc == 0)
        rc = k8sc_object_set_generate_name(pod, prefix.ptr);
    k8sc__buf_free(&prefix);
    if (rc == 0)
        rc = k8sc_object_set_namespace(pod, k8sc_object_namespace(owner));
    k8sc_owner_ref ref = { k8sc_object_api_version(owner), k8sc_object_kind(owner), k8sc_object_name(owner),
        k8sc_object_uid(owner), true, true };
    if (rc == 0)
        rc = k8sc_object_add_owner_ref(pod, &ref);
    if (rc < 0) {
        k8sc_object_free(pod);
        return rc;
    }
    *out = pod;
    return 0;
}

/* ---- fan-out ---- */

typedef struct par {
    void (*fn)(size_t i, void *arg);
    void *arg;
    size_t n;
    atomic_size_t next;
} par;

static void *par_main(void *p)
{
    par *w = p;
    for (size_t i; (i = atomic_fetch_add(&w->next, 1)) < w->n;)
        w->fn(i, w->arg);
    return NULL;
}

void k8sc__parallel(size_t n, int threads, void (*fn)(size_t i, void *arg), void *arg)
{
    par w = { fn, arg, n, 0 };
    pthread_t t[16];
    int extra = threads - 1;
    if (extra > (int)K8SC__ARRAY_LEN(t))
        extra = (int)K8SC__ARRAY_LEN(t);
    if ((size_t)extra > n - (n > 0))
        extra = (int)(n - (n > 0));
    int started = 0;
    /* Threads that cannot start only mean less parallelism: the caller's thread does the rest. */
    while (started < extra && pthread_create(&t[started], NULL, par_main, &w) == 0)
        started++;
    par_main(&w);
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
}

/* ---- deletion order ---- */

typedef struct ranked {
    k8sc_object *pod;
    const char *node, *uid;
    int phase;
    bool ready;
    int64_t ready_since, created, cost, restarts;
    size_t rank;
} ranked;

static int phase_ordinal(const char *phase)
{
    if (phase && strcmp(phase, "Unknown") == 0)
        return 1;
    if (phase && strcmp(phase, "Running") == 0)
        return 2;
    return 0;
}

static int64_t max_restarts(const k8sc_object *pod)
{
    int64_t best = 0;
    struct json_object *st = k8sc_object_get(pod, "status.containerStatuses");
    size_t n = json_object_is_type(st, json_type_array) ? json_object_array_length(st) : 0;
    for (size_t i = 0; i < n; i++) {
        int64_t r = k8sc__json_int(json_object_array_get_idx(st, i), "restartCount", 0);
        if (r > best)
            best = r;
    }
    return best;
}

/* Go's int64(math.Log2(float64(d))) of the time from `t` to `now` in nanoseconds, or -1. */
static int64_t log_rank(int64_t t, int64_t now)
{
    double d = (double)(now - t) * 1e9;
    return d > 0 ? (int64_t)log2(d) : -1;
}

/* afterOrZero: the zero time first, then the later one. */
static int after_or_zero(int64_t a, int64_t b)
{
    if (a == 0 || b == 0)
        return a == 0 ? -1 : 1;
    return a > b ? -1 : 1;
}

/* Logarithmic comparison of two distinct times, ties broken by UID. */
static int compare_times(const ranked *a, const ranked *b, int64_t ta, int64_t tb, int64_t now)
{
    if (now == 0 || ta == 0 || tb == 0)
        return after_or_zero(ta, tb);
    int64_t diff = log_rank(ta, now) - log_rank(tb, now);
    if (diff == 0)
        return strcmp(a->uid, b->uid);
    return diff < 0 ? -1 : 1;
}

static int rank_cmp(const void *pa, const void *pb, void *pnow)
{
    const ranked *a = pa, *b = pb;
    int64_t now = *(const int64_t *)pnow;
    if (strcmp(a->node, b->node) != 0 && (!*a->node || !*b->node))
        return !*a->node ? -1 : 1;
    if (a->phase != b->phase)
        return a->phase < b->phase ? -1 : 1;
    if (a->ready != b->ready)
        return !a->ready ? -1 : 1;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank > b->rank ? -1 : 1;
    if (a->ready && b->ready && a->ready_since != b->ready_since)
        return compare_times(a, b, a->ready_since, b->ready_since, now);
    if (a->restarts != b->restarts)
        return a->restarts > b->restarts ? -1 : 1;
    if (a->created != b->created)
        return compare_times(a, b, a->created, b->created, now);
    return 0;
}

void k8sc__pods_rank_for_deletion(k8sc_object **pods, size_t n, int64_t now)
{
    ranked *r = k8sc__calloc(n ? n : 1, sizeof(*r));
    if (!r)
        return; /* the order is a preference: unsorted still deletes the right number */
    for (size_t i = 0; i < n; i++) {
        const k8sc_object *p = pods[i];
        const char *node = k8sc_object_get_string(p, "spec.nodeName"), *uid = k8sc_object_uid(p);
        const char *cost = k8sc_object_meta_get(p, K8SC_ANNOTATIONS, "controller.kubernetes.io/pod-deletion-cost");
        r[i] = (ranked){ pods[i], node ? node : "", uid ? uid : "", phase_ordinal(k8sc_object_get_string(p, "status.phase")),
            false, 0, 0, cost ? strtoll(cost, NULL, 10) : 0, max_restarts(p), 0 };
        r[i].ready = k8sc__pod_ready(p, &r[i].ready_since);
        k8sc_object_creation_timestamp(p, &r[i].created);
    }
    /* Rank: how many of these pods share the node (more first: doubled-up pods go first). */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (*r[i].node && strcmp(r[i].node, r[j].node) == 0)
                r[i].rank++;
    qsort_r(r, n, sizeof(*r), rank_cmp, &now);
    for (size_t i = 0; i < n; i++)
        pods[i] = r[i].pod;
    free(r);
}

/* ---- status ---- */

static int put_status(k8sc_object **out, k8sc_client *client, const k8sc_object *obj, struct json_object *status)
{
    k8sc_object *copy;
    int rc = k8sc_object_dup(&copy, obj);
    if (rc < 0)
        return rc;
    if ((rc = k8sc_object_set(copy, "status", json_object_get(status))) < 0)
        json_object_put(status);
    if (rc == 0)
        rc = k8sc_client_update_status(out, client, copy);
    k8sc_object_free(copy);
    return rc;
}

int k8sc__write_status_get(k8sc_object **out, k8sc_client *client, const k8sc_object *obj,
    struct json_object *status)
{
    if (out)
        *out = NULL;
    struct json_object *cur = k8sc_object_get(obj, "status");
    if (cur && json_object_equal(cur, status)) {
        json_object_put(status);
        if (out)
            *out = k8sc_object_ref((k8sc_object *)obj);
        return 0;
    }
    int rc = put_status(out, client, obj, status);
    if (rc == K8SC_ECONFLICT) {
        /* The cached copy was stale: write onto what the server has now. */
        k8sc_object *fresh;
        rc = k8sc_client_get(&fresh, client, k8sc_object_api_version(obj), k8sc_object_kind(obj),
            k8sc_object_namespace(obj) ? k8sc_object_namespace(obj) : "", k8sc_object_name(obj));
        if (rc == 0) {
            rc = put_status(out, client, fresh, status);
            k8sc_object_free(fresh);
        }
    }
    json_object_put(status);
    return rc;
}

int k8sc__write_status(k8sc_client *client, const k8sc_object *obj, struct json_object *status, bool *written)
{
    if (written)
        *written = false;
    struct json_object *cur = k8sc_object_get(obj, "status");
    bool same = cur && json_object_equal(cur, status);
    int rc = k8sc__write_status_get(NULL, client, obj, status);
    if (rc == 0 && written)
        *written = !same;
    return rc;
}
