/*
 * The Job controller's bookkeeping: completion index intervals
 * (indexed_job_utils.go), finalizer expectations (tracking_utils.go) and
 * the back-off of recreated pods (backoff_utils.go).
 */
#include <stdlib.h>
#include <string.h>

#include "controller/controller_internal.h"
#include "job.h"

/* ---- intervals ---- */

static int intervals_push(k8sc__intervals *iv, int64_t first, int64_t last)
{
    if (iv->n > 0 && iv->last[iv->n - 1] + 1 >= first) {
        if (last > iv->last[iv->n - 1])
            iv->last[iv->n - 1] = last;
        return 0;
    }
    if (iv->n == iv->cap) {
        size_t cap = iv->cap ? iv->cap * 2 : 8;
        int64_t *f = k8sc__realloc(iv->first, cap * sizeof(*f));
        if (!f)
            return K8SC_ENOMEM;
        iv->first = f;
        int64_t *l = k8sc__realloc(iv->last, cap * sizeof(*l));
        if (!l)
            return K8SC_ENOMEM;
        iv->last = l;
        iv->cap = cap;
    }
    iv->first[iv->n] = first;
    iv->last[iv->n] = last;
    iv->n++;
    return 0;
}

static bool parse_index(int64_t *out, const char *s, size_t len)
{
    if (len == 0 || len > 18)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

int k8sc__intervals_parse(k8sc__intervals *out, const char *text, int64_t completions)
{
    *out = (k8sc__intervals){ 0 };
    /* As Kubernetes, a malformed element is skipped (and logged there), never fatal. */
    for (const char *p = text ? text : ""; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *dash = memchr(p, '-', len);
        int64_t a = 0, b = 0;
        size_t head = dash ? (size_t)(dash - p) : len;
        bool ok = parse_index(&a, p, head) && (!dash || parse_index(&b, dash + 1, len - head - 1));
        if (!dash)
            b = a;
        if (ok && a <= b && a < completions) {
            if (b >= completions)
                b = completions - 1;
            if (intervals_push(out, a, b) < 0) {
                k8sc__intervals_free(out);
                return K8SC_ENOMEM;
            }
        }
        p += len + (end ? 1 : 0);
    }
    return 0;
}

int k8sc__intervals_merge(k8sc__intervals *out, const k8sc__intervals *in, const int64_t *idx, size_t n)
{
    *out = (k8sc__intervals){ 0 };
    size_t i = 0, j = 0;
    int rc = 0;
    while (rc == 0 && (i < in->n || j < n)) {
        if (j == n || (i < in->n && in->first[i] <= idx[j])) {
            rc = intervals_push(out, in->first[i], in->last[i]);
            i++;
        } else {
            rc = intervals_push(out, idx[j], idx[j]);
            j++;
        }
    }
    if (rc < 0)
        k8sc__intervals_free(out);
    return rc;
}

bool k8sc__intervals_has(const k8sc__intervals *iv, int64_t x)
{
    for (size_t i = 0; i < iv->n; i++)
        if (iv->first[i] <= x && x <= iv->last[i])
            return true;
    return false;
}

int64_t k8sc__intervals_total(const k8sc__intervals *iv)
{
    int64_t t = 0;
    for (size_t i = 0; i < iv->n; i++)
        t += iv->last[i] - iv->first[i] + 1;
    return t;
}

char *k8sc__intervals_format(const k8sc__intervals *iv)
{
    k8sc__buf b = K8SC__BUF_INIT;
    for (size_t i = 0; i < iv->n; i++) {
        /* As orderedIntervals.String: two adjacent indexes are written "a,b", longer runs "a-b". */
        const char *sep = i ? "," : "";
        if (iv->first[i] == iv->last[i])
            k8sc__buf_printf(&b, "%s%lld", sep, (long long)iv->first[i]);
        else if (iv->last[i] == iv->first[i] + 1)
            k8sc__buf_printf(&b, "%s%lld,%lld", sep, (long long)iv->first[i], (long long)iv->last[i]);
        else
            k8sc__buf_printf(&b, "%s%lld-%lld", sep, (long long)iv->first[i], (long long)iv->last[i]);
    }
    if (k8sc__buf_status(&b) < 0) {
        k8sc__buf_free(&b);
        return NULL;
    }
    char *s = k8sc__buf_detach(&b, NULL);
    return s ? s : k8sc__strdup("");
}

void k8sc__intervals_free(k8sc__intervals *iv)
{
    free(iv->first);
    free(iv->last);
    *iv = (k8sc__intervals){ 0 };
}

/* ---- finalizer expectations ---- */

typedef struct uid_record {
    k8sc__keynode node;
    k8sc__keymap uids;
} uid_record;

struct k8sc__uid_expectations {
    pthread_mutex_t mu;
    k8sc__keymap jobs;
};

int k8sc__uid_expectations_new(k8sc__uid_expectations **out)
{
    k8sc__uid_expectations *e = k8sc__calloc(1, sizeof(*e));
    if (!e)
        return K8SC_ENOMEM;
    pthread_mutex_init(&e->mu, NULL);
    *out = e;
    return 0;
}

void k8sc__uid_expectations_free(k8sc__uid_expectations *e)
{
    if (!e)
        return;
    for (size_t b = 0; b < e->jobs.nbuckets; b++)
        for (k8sc__keynode *n = e->jobs.buckets[b]; n; n = n->next)
            k8sc__keymap_clear(&((uid_record *)n)->uids);
    k8sc__keymap_clear(&e->jobs);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

int k8sc__uid_expectations_expect(k8sc__uid_expectations *e, const char *key, const char *const *uids, size_t n)
{
    pthread_mutex_lock(&e->mu);
    uid_record *r = (uid_record *)k8sc__keymap_find(&e->jobs, key);
    int rc = 0;
    if (!r && !(r = (uid_record *)k8sc__keymap_insert(&e->jobs, key, sizeof(*r))))
        rc = K8SC_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!k8sc__keymap_find(&r->uids, uids[i]) && !k8sc__keymap_insert(&r->uids, uids[i], sizeof(k8sc__keynode)))
            rc = K8SC_ENOMEM;
    pthread_mutex_unlock(&e->mu);
    return rc;
}

void k8sc__uid_expectations_observed(k8sc__uid_expectations *e, const char *key, const char *uid)
{
    pthread_mutex_lock(&e->mu);
    uid_record *r = (uid_record *)k8sc__keymap_find(&e->jobs, key);
    k8sc__keynode *u = r ? k8sc__keymap_find(&r->uids, uid) : NULL;
    if (u)
        k8sc__keymap_remove(&r->uids, u);
    pthread_mutex_unlock(&e->mu);
}

bool k8sc__uid_expectations_has(k8sc__uid_expectations *e, const char *key, const char *uid)
{
    pthread_mutex_lock(&e->mu);
    uid_record *r = (uid_record *)k8sc__keymap_find(&e->jobs, key);
    bool has = r && uid && k8sc__keymap_find(&r->uids, uid);
    pthread_mutex_unlock(&e->mu);
    return has;
}

void k8sc__uid_expectations_forget(k8sc__uid_expectations *e, const char *key)
{
    pthread_mutex_lock(&e->mu);
    uid_record *r = (uid_record *)k8sc__keymap_find(&e->jobs, key);
    if (r) {
        k8sc__keymap_clear(&r->uids);
        k8sc__keymap_remove(&e->jobs, &r->node);
    }
    pthread_mutex_unlock(&e->mu);
}

/* ---- back-off ---- */

typedef struct backoff_node {
    k8sc__keynode node;
    k8sc__job_backoff rec;
} backoff_node;

struct k8sc__job_backoffs {
    pthread_mutex_t mu;
    k8sc__keymap records;
};

int k8sc__job_backoffs_new(k8sc__job_backoffs **out)
{
    k8sc__job_backoffs *b = k8sc__calloc(1, sizeof(*b));
    if (!b)
        return K8SC_ENOMEM;
    pthread_mutex_init(&b->mu, NULL);
    *out = b;
    return 0;
}

void k8sc__job_backoffs_free(k8sc__job_backoffs *b)
{
    if (!b)
        return;
    k8sc__keymap_clear(&b->records);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

static int64_t latest_finish(k8sc_object *const *pods, size_t n)
{
    int64_t t = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        int64_t f = k8sc__pod_finished_time(pods[i]);
        if (f > t)
            t = f;
    }
    return t;
}

k8sc__job_backoff k8sc__job_backoffs_next(k8sc__job_backoffs *b, const char *key, k8sc_object *const *succeeded,
    size_t ns, k8sc_object *const *failed, size_t nf)
{
    pthread_mutex_lock(&b->mu);
    backoff_node *node = (backoff_node *)k8sc__keymap_find(&b->records, key);
    k8sc__job_backoff rec = node ? node->rec : (k8sc__job_backoff){ 0, 0 };
    pthread_mutex_unlock(&b->mu);
    if (nf == 0 && ns == 0)
        return rec;
    if (ns == 0) {
        rec.failures += (int64_t)nf;
        rec.last_failure = latest_finish(failed, nf);
        return rec;
    }
    /* A success resets the count: only failures that finished after the last success still count. */
    int64_t last_success = latest_finish(succeeded, ns);
    rec = (k8sc__job_backoff){ 0, 0 };
    for (size_t i = 0; i < nf; i++) {
        int64_t f = k8sc__pod_finished_time(failed[i]);
        if (f > last_success) {
            rec.failures++;
            if (f > rec.last_failure)
                rec.last_failure = f;
        }
    }
    return rec;
}

int k8sc__job_backoffs_store(k8sc__job_backoffs *b, const char *key, k8sc__job_backoff rec)
{
    pthread_mutex_lock(&b->mu);
    backoff_node *node = (backoff_node *)k8sc__keymap_find(&b->records, key);
    if (!node)
        node = (backoff_node *)k8sc__keymap_insert(&b->records, key, sizeof(*node));
    if (node)
        node->rec = rec;
    pthread_mutex_unlock(&b->mu);
    return node ? 0 : K8SC_ENOMEM;
}

void k8sc__job_backoffs_remove(k8sc__job_backoffs *b, const char *key)
{
    pthread_mutex_lock(&b->mu);
    k8sc__keynode *node = k8sc__keymap_find(&b->records, key);
    if (node)
        k8sc__keymap_remove(&b->records, node);
    pthread_mutex_unlock(&b->mu);
}

int64_t k8sc__job_backoff_remaining(k8sc__job_backoff rec, int64_t now)
{
    if (rec.failures == 0)
        return 0;
    int64_t d = K8SC__JOB_BACKOFF_BASE_NS;
    for (int64_t i = 1; i < rec.failures; i++) {
        d *= 2;
        if (d >= K8SC__JOB_BACKOFF_MAX_NS) {
            d = K8SC__JOB_BACKOFF_MAX_NS;
            break;
        }
    }
    int64_t elapsed = now - rec.last_failure;
    return d < elapsed ? 0 : d - elapsed;
}

/* The latest finishedAt of the containers, if every one of them terminated. */
static bool containers_finished(int64_t *out, const k8sc_object *pod)
{
    struct json_object *st = k8sc_object_get(pod, "status.containerStatuses");
    size_t n = json_object_is_type(st, json_type_array) ? json_object_array_length(st) : 0;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        struct json_object *s = json_object_array_get_idx(st, i), *state, *term, *fin;
        int64_t t;
        if (!json_object_object_get_ex(s, "state", &state) || !json_object_object_get_ex(state, "terminated", &term) ||
            !json_object_object_get_ex(term, "finishedAt", &fin) ||
            k8sc_time_parse(&t, json_object_get_string(fin)) < 0)
            return false;
        if (!any || t > *out)
            *out = t;
        any = true;
    }
    return any;
}

static bool ready_false_since(int64_t *out, const k8sc_object *pod)
{
    struct json_object *conds = k8sc_object_get(pod, "status.conditions");
    size_t n = json_object_is_type(conds, json_type_array) ? json_object_array_length(conds) : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *c = json_object_array_get_idx(conds, i), *v;
        if (!json_object_object_get_ex(c, "type", &v) || strcmp(json_object_get_string(v), "Ready") != 0)
            continue;
        if (!json_object_object_get_ex(c, "status", &v) || strcmp(json_object_get_string(v), "False") != 0)
            return false;
        return json_object_object_get_ex(c, "lastTransitionTime", &v) &&
            k8sc_time_parse(out, json_object_get_string(v)) == 0;
    }
    return false;
}

int64_t k8sc__pod_finished_time(const k8sc_object *pod)
{
    int64_t t = 0;
    if (containers_finished(&t, pod) || ready_false_since(&t, pod) || k8sc_object_deletion_timestamp(pod, &t) == 0)
        return t * 1000000000LL;
    /* The creation time as a last resort, as Kubernetes does. */
    k8sc_object_creation_timestamp(pod, &t);
    return t * 1000000000LL;
}
