/* A Deployment's history from its ReplicaSets: kubectl rollout history, and the revision undo goes back to. */
#include "describe_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define CHANGE_CAUSE "kubernetes.io/change-cause"
#define HASH_LABEL "pod-template-hash"

int k8sc_cli_deployment_replicasets(k8sc_object ***out, size_t *n, k8sc_client *client,
    const k8sc_object *deployment)
{
    K8SC__CHECK_ARG(out && n && client && deployment);
    *out = NULL;
    *n = 0;
    k8sc_selector *sel = NULL;
    char *text = NULL;
    int rc = k8sc_selector_from_json(&sel, k8sc_object_get(deployment, "spec.selector"));
    if (!rc)
        rc = k8sc_selector_to_string(&text, sel);
    k8sc_selector_free(sel);
    k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
    lo.label_selector = text;
    k8sc_object *list = NULL, **items = NULL;
    size_t len = 0;
    if (!rc)
        rc = k8sc_client_list(&list, client, K8SC_REPLICASET, k8sc_object_namespace(deployment), &lo);
    k8sc_free(text);
    if (!rc)
        rc = k8sc_cli_list_items(&items, &len, list);
    k8sc_object_free(list);
    if (rc)
        return rc;
    const char *uid = k8sc_object_uid(deployment);
    for (size_t i = 0; i < len; i++) {
        k8sc_owner_ref ref;
        if (uid && k8sc_object_controller_ref(&ref, items[i]) == 0 && ref.uid && strcmp(ref.uid, uid) == 0)
            items[(*n)++] = items[i];
        else
            k8sc_object_free(items[i]);
    }
    *out = items;
    return 0;
}

static int by_revision(const void *a, const void *b)
{
    int64_t x = 0, y = 0;
    k8sc_cli_rollout_revision(&x, *(k8sc_object *const *)a);
    k8sc_cli_rollout_revision(&y, *(k8sc_object *const *)b);
    return x < y ? -1 : x > y;
}

/* kubectl keeps one template per revision: the last ReplicaSet listed with it wins. */
static const k8sc_object *of_revision(k8sc_object *const *rss, size_t n, int64_t revision)
{
    const k8sc_object *found = NULL;
    for (size_t i = 0; i < n; i++) {
        int64_t v = 0;
        if (k8sc_cli_rollout_revision(&v, rss[i]) == 0 && v == revision)
            found = rss[i];
    }
    return found;
}

static int print_template(char **out, const k8sc_object *rs)
{
    struct json_object *tmpl = NULL;
    if (json_object_deep_copy(k8sc_object_get(rs, "spec.template"), &tmpl, NULL))
        return k8sc__error_nomem();
    const char *cause = k8sc_object_meta_get(rs, K8SC_ANNOTATIONS, CHANGE_CAUSE);
    if (cause && *cause) {
        struct json_object *md = k8sc__dj_get(tmpl, "metadata"), *ann = k8sc__dj_get(tmpl, "metadata.annotations");
        if (!md && (md = json_object_new_object()))
            json_object_object_add(tmpl, "metadata", md);
        if (md && !ann && (ann = json_object_new_object()))
            json_object_object_add(md, "annotations", ann);
        if (ann)
            json_object_object_add(ann, CHANGE_CAUSE, json_object_new_string(cause));
    }
    k8sc__dw w = { K8SC__BUF_INIT, K8SC__BUF_INIT, 0 };
    k8sc__describe_pod_template(&w, tmpl);
    json_object_put(tmpl);
    /* kubectl prints the template through a bare PrefixWriter: its tabs are not laid out. */
    int rc = k8sc__buf_status(&w.seg) || k8sc__buf_status(&w.out) ? K8SC_ENOMEM : 0;
    /* Continuation lines of labels and annotations start with a bare tab there. */
    k8sc__buf raw = K8SC__BUF_INIT;
    for (const char *p = w.seg.ptr ? w.seg.ptr : ""; !rc && *p;) {
        size_t n = strcspn(p, "\n"), sp = strspn(p, " ");
        if (p[sp] == '\t')
            k8sc__buf_put(&raw, p + sp, n - sp);
        else
            k8sc__buf_put(&raw, p, n);
        if (p[n])
            k8sc__buf_putc(&raw, p[n++]);
        p += n;
    }
    if (!rc && k8sc__buf_status(&raw))
        rc = K8SC_ENOMEM;
    if (!rc && !(*out = raw.ptr ? k8sc__buf_detach(&raw, NULL) : k8sc__strdup("")))
        rc = K8SC_ENOMEM;
    k8sc__buf_free(&raw);
    k8sc__buf_free(&w.seg);
    k8sc__buf_free(&w.out);
    return rc;
}

int k8sc_cli_rollout_history(char **out, k8sc_object *const *rss, size_t n, int64_t revision)
{
    K8SC__CHECK_ARG(out && (rss || n == 0));
    *out = NULL;
    k8sc_object **sorted = k8sc__calloc(n ? n : 1, sizeof(*sorted));
    if (!sorted)
        return K8SC_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t v = 0;
        if (k8sc_cli_rollout_revision(&v, rss[i]) == 0 && of_revision(rss, n, v) == rss[i])
            sorted[k++] = rss[i];
    }
    int rc = 0;
    if (k == 0) {
        rc = (*out = k8sc__strdup("No rollout history found.")) ? 0 : K8SC_ENOMEM;
    } else if (revision > 0) {
        const k8sc_object *rs = of_revision(sorted, k, revision);
        rc = rs ? print_template(out, rs) : k8sc_error_set(K8SC_ENOTFOUND, "unable to find the specified revision");
    } else {
        qsort(sorted, k, sizeof(*sorted), by_revision);
        k8sc__buf text = K8SC__BUF_INIT, table = K8SC__BUF_INIT;
        k8sc__buf_puts(&text, "REVISION\tCHANGE-CAUSE\n");
        for (size_t i = 0; i < k; i++) {
            int64_t v = 0;
            k8sc_cli_rollout_revision(&v, sorted[i]);
            const char *cause = k8sc_object_meta_get(sorted[i], K8SC_ANNOTATIONS, CHANGE_CAUSE);
            k8sc__buf_printf(&text, "%" PRId64 "\t%s\n", v, cause && *cause ? cause : "<none>");
        }
        rc = k8sc__buf_status(&text);
        if (!rc)
            rc = k8sc__tabwriter_format(&table, text.ptr, text.len, 2, 0);
        if (!rc && !(*out = k8sc__buf_detach(&table, NULL)))
            rc = K8SC_ENOMEM;
        k8sc__buf_free(&text);
        k8sc__buf_free(&table);
    }
    free(sorted);
    return rc;
}

int k8sc_cli_rollout_find(const k8sc_object **out, k8sc_object *const *rss, size_t n, const char *deployment,
    int64_t revision)
{
    K8SC__CHECK_ARG(out && (rss || n == 0) && revision >= 0);
    *out = NULL;
    int64_t latest = -1, previous = -1;
    for (size_t i = 0; i < n; i++) {
        int64_t v = 0;
        if (k8sc_cli_rollout_revision(&v, rss[i]))
            continue;
        if (revision > 0 && v == revision) {
            *out = rss[i];
            return 0;
        }
        if (revision == 0 && v > latest) {
            previous = latest;
            latest = v;
        } else if (revision == 0 && v > previous) {
            previous = v;
        }
    }
    if (revision > 0)
        return k8sc_error_set(K8SC_ENOTFOUND, "unable to find specified revision %" PRId64 " in history", revision);
    if (previous < 0 || !(*out = of_revision(rss, n, previous)))
        return k8sc_error_set(K8SC_ENOTFOUND, "no rollout history found for deployment \"%s\"",
            deployment ? deployment : "");
    return 0;
}

/* A copy of a pod template without the pod-template-hash label. */
static struct json_object *without_hash(struct json_object *tmpl)
{
    struct json_object *copy = NULL;
    if (json_object_deep_copy(tmpl, &copy, NULL))
        return NULL;
    struct json_object *labels = k8sc__dj_get(copy, "metadata.labels");
    if (json_object_is_type(labels, json_type_object))
        json_object_object_del(labels, HASH_LABEL);
    return copy;
}

static bool skipped_annotation(const char *key)
{
    static const char *const skip[] = { K8SC_CLI_LAST_APPLIED, "deployment.kubernetes.io/revision",
        "deployment.kubernetes.io/revision-history", "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(skip); i++)
        if (strcmp(key, skip[i]) == 0)
            return true;
    return false;
}

/* The deployment's annotations kubectl keeps (those of the skip list), then the ReplicaSet's others. */
static struct json_object *undo_annotations(const k8sc_object *deployment, const k8sc_object *rs)
{
    struct json_object *ann = json_object_new_object();
    struct json_object *have = k8sc_object_get(deployment, "metadata.annotations");
    struct json_object *from = k8sc_object_get(rs, "metadata.annotations");
    if (!ann)
        return NULL;
    if (json_object_is_type(have, json_type_object)) {
        json_object_object_foreach(have, k, v)
            if (skipped_annotation(k))
                json_object_object_add(ann, k, json_object_get(v));
    }
    if (json_object_is_type(from, json_type_object)) {
        json_object_object_foreach(from, k, v)
            if (!skipped_annotation(k))
                json_object_object_add(ann, k, json_object_get(v));
    }
    return ann;
}

int k8sc_cli_rollout_undo_patch(char **out, bool *unchanged, const k8sc_object *deployment, const k8sc_object *rs)
{
    K8SC__CHECK_ARG(out && unchanged && deployment && rs);
    *out = NULL;
    *unchanged = false;
    struct json_object *want = without_hash(k8sc_object_get(rs, "spec.template"));
    struct json_object *have = without_hash(k8sc_object_get(deployment, "spec.template"));
    struct json_object *ann = undo_annotations(deployment, rs);
    struct json_object *patch = json_object_new_array();
    int rc = want && have && ann && patch ? 0 : k8sc__error_nomem();
    if (!rc && json_object_equal(want, have)) {
        *unchanged = true;
    } else if (!rc) {
        struct json_object *op1 = json_object_new_object(), *op2 = json_object_new_object();
        json_object_object_add(op1, "op", json_object_new_string("replace"));
        json_object_object_add(op1, "path", json_object_new_string("/spec/template"));
        json_object_object_add(op1, "value", json_object_get(want));
        json_object_object_add(op2, "op", json_object_new_string("replace"));
        json_object_object_add(op2, "path", json_object_new_string("/metadata/annotations"));
        json_object_object_add(op2, "value", json_object_get(ann));
        json_object_array_add(patch, op1);
        json_object_array_add(patch, op2);
        rc = k8sc_json_encode(out, NULL, patch, 0);
    }
    json_object_put(want);
    json_object_put(have);
    json_object_put(ann);
    json_object_put(patch);
    return rc;
}
