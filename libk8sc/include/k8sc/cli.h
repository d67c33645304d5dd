/*
 * libk8sc cli: what a kubectl-like command line needs beyond the client,
 * reusable by any program: resolving a resource type argument as kubectl
 * does, fetching and printing server-side Tables, -o yaml|json|name|
 * jsonpath output, client-side apply with the
 * kubectl.kubernetes.io/last-applied-configuration annotation, describe,
 * label and annotate changes, and k8sctl's whole command line
 * (k8sc_cli_main) for programs that embed it.
 */
#ifndef K8SC_CLI_H
#define K8SC_CLI_H

#include "client.h"

#include <stdio.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The annotation client-side apply keeps the last applied manifest in. */
#define K8SC_CLI_LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/*
 * Resolve a resource type argument as kubectl does ("pods", "pod", "po",
 * "Pod", "deploy", "deployments.apps") through `reg` (NULL: the built-in
 * kinds). `*out` is borrowed from the registry. ENOTFOUND with
 * `the server doesn't have a resource type "foo"`.
 */
K8SC_EXTERN int k8sc_cli_resolve(const k8sc_resource **out, k8sc_registry *reg, const char *type);

/*
 * Fetch a server-side Table (meta.k8s.io/v1) of kind `r`: one object when
 * `name` is set, else the list of `namespace_` ("" every namespace; NULL
 * the client's) filtered by `opts` (may be NULL; all_pages is ignored).
 * `*out` is the caller's (k8sc_object_free). Server errors as the client's.
 */
K8SC_EXTERN int k8sc_cli_get_table(k8sc_object **out, k8sc_client *client, const k8sc_resource *r,
    const char *namespace_, const char *name, const k8sc_list_options *opts);

/*
 * The server's preferred resources (no subresources) from discovery as a
 * Table with kubectl api-resources' columns NAME, SHORTNAMES, APIVERSION,
 * NAMESPACED and KIND, sorted by group then name. `*out` is the caller's
 * (k8sc_object_free). Errors as the client's.
 */
K8SC_EXTERN int k8sc_cli_api_resources(k8sc_object **out, k8sc_client *client);

/*
 * The server's version as `kubectl version` shows it (its gitVersion,
 * e.g. "v1.32.0"), from GET /version. `*out` is the caller's (k8sc_free).
 */
K8SC_EXTERN int k8sc_cli_server_version(char **out, k8sc_client *client);

/* How k8sc_cli_table_format prints. */
typedef struct k8sc_cli_table_options {
    unsigned int version;
    /* -o wide: columns of every priority, not only priority 0. */
    bool wide;
    /* --no-headers */
    bool no_headers;
    /* -A: a first NAMESPACE column from each row's object. */
    bool with_namespace;
    /* --show-labels: a last LABELS column from each row's object. */
    bool show_labels;
} k8sc_cli_table_options;

#define K8SC_CLI_TABLE_OPTIONS_VERSION 1
#define K8SC_CLI_TABLE_OPTIONS_INIT { K8SC_CLI_TABLE_OPTIONS_VERSION, false, false, false, false }

/* Fill `opts` with K8SC_CLI_TABLE_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_cli_table_options_init(k8sc_cli_table_options *opts, unsigned int version);

/*
 * Print a Table as kubectl does: upper-case headers, columns padded to
 * their widest cell plus 3 spaces (at least 6), the last one unpadded,
 * "<none>" for absent cells. `*out` (the caller's, k8sc_free) is "" when
 * the table has no rows. `opts` may be NULL. EINVAL for a malformed table.
 */
K8SC_EXTERN int k8sc_cli_table_format(char **out, const k8sc_object *table, const k8sc_cli_table_options *opts);

/* The number of rows of a Table (0 for anything else, NULL included). */
K8SC_EXTERN size_t k8sc_cli_table_rows(const k8sc_object *table);

/* Append the rows of Table `src` to Table `dst` (the same kind's). EINVAL when either is not a Table. */
K8SC_EXTERN int k8sc_cli_table_append(k8sc_object *dst, const k8sc_object *src);

/*
 * The items of a List as objects: `*out` is an array of `*n` new
 * references (free with k8sc_objects_free). EINVAL when `list` has no
 * items list.
 */
K8SC_EXTERN int k8sc_cli_list_items(k8sc_object ***out, size_t *n, const k8sc_object *list);

/*
 * Evaluate a kubectl JSONPath template against `root`: literal text and
 * {expressions} of fields (.a.b, ['a.b']), [N] (negative counts from the
 * end), [*], and {range EXPR}...{end}. Several results are joined by a
 * space; strings print raw, other values as compact JSON; missing fields
 * print nothing, as `kubectl get` allows missing keys. `*out` is the
 * caller's (k8sc_free). EINVAL naming the template when it does not parse.
 */
K8SC_EXTERN int k8sc_cli_jsonpath(char **out, const char *tmpl, const struct json_object *root);

/*
 * Format objects for `-o FORMAT`: "yaml", "json", "name" or
 * "jsonpath=TEMPLATE". With `as_list` the objects print as a kubectl List
 * (yaml, json, jsonpath) or one name per line; otherwise `n` must be 1.
 * Items get their apiVersion and kind from `r` when they lack them.
 * `*out` is the caller's (k8sc_free). EINVAL `unable to match a printer
 * suitable for the output format "X"` for an unknown format.
 */
K8SC_EXTERN int k8sc_cli_format(char **out, const char *format, const k8sc_resource *r,
    k8sc_object *const *objs, size_t n, bool as_list);

/*
 * `-o custom-columns=SPEC` (SPEC "HEADER:PATH,..."; PATH a JSONPath,
 * braces and the leading dot optional): a header line (unless
 * `no_headers`), then one line per object, "<none>" for a field an
 * object lacks, laid out as kubectl's tables. `*out` is the caller's
 * (k8sc_free). EINVAL with kubectl's message for a malformed SPEC.
 */
K8SC_EXTERN int k8sc_cli_custom_columns(char **out, const char *spec, k8sc_object *const *objs, size_t n,
    bool no_headers);

/*
 * `--sort-by=FIELD` (a JSONPath as for custom columns): reorder `objs`
 * in place as kubectl does: values that are numbers by value, other
 * strings byte by byte, ties kept in order, objects without the field
 * first in reverse order (kubectl's quirk). EINVAL for a malformed FIELD.
 */
K8SC_EXTERN int k8sc_cli_sort_objects(k8sc_object **objs, size_t n, const char *field);

/*
 * The same for the rows of Table `table`, each by the object of `objs`
 * (the full objects, matched by namespace and name) it stands for, else
 * by the row's own (metadata-only) object. `*found` (may be NULL) is the
 * number of rows that have the field (kubectl prints no rows unless all
 * do). EINVAL for a malformed FIELD or a `table` without rows.
 */
K8SC_EXTERN int k8sc_cli_table_sort(k8sc_object *table, const char *field, k8sc_object *const *objs, size_t n,
    size_t *found);

/* "kind[.group]/name" as `-o name` prints it, into `buf` of `size` bytes (truncated). */
K8SC_EXTERN void k8sc_cli_object_ref(char *buf, size_t size, const char *api_version, const char *kind,
    const char *name);

/* What k8sc_cli_apply did. */
typedef enum {
    K8SC_CLI_APPLY_CREATED = 0,
    K8SC_CLI_APPLY_CONFIGURED = 1,
    K8SC_CLI_APPLY_UNCHANGED = 2,
} k8sc_cli_apply_result;

/*
 * Client-side apply as kubectl's: create `obj` (with the last-applied
 * annotation) when it does not exist, else send the three-way patch
 * between the last applied manifest, `obj` and the live object
 * (strategic merge for built-in kinds, JSON merge otherwise).
 * `*result` says what happened; `*adopted` (may be NULL) is true when the
 * live object had no last-applied annotation (kubectl warns then and
 * patches it in). `*out` (may be NULL) is the server's copy.
 */
K8SC_EXTERN int k8sc_cli_apply(k8sc_object **out, k8sc_cli_apply_result *result, bool *adopted,
    k8sc_client *client, const k8sc_object *obj);

/* "created", "configured" or "unchanged" (static). */
K8SC_EXTERN const char *k8sc_cli_apply_result_name(k8sc_cli_apply_result result);

/*
 * The changes of `kubectl label` / `kubectl annotate` to `obj`'s labels
 * or annotations (`map`): `changes` are `n` arguments "KEY=VALUE" (set)
 * or "KEY-" (remove). `*out` (the caller's, k8sc_free) is the JSON merge
 * patch that makes them ("{}" when nothing changes); `*changed` (may be
 * NULL) says whether it changes anything. A key already set to another
 * value is an error unless `overwrite` (for labels one line per refused
 * key, as kubectl prints them); removing a key the object lacks changes
 * nothing. EINVAL with kubectl's message for a malformed change, an
 * invalid label value, or a refused overwrite.
 */
K8SC_EXTERN int k8sc_cli_meta_patch(char **out, bool *changed, const k8sc_object *obj, k8sc_meta_map map,
    const char *const *changes, size_t n, bool overwrite);

/*
 * The changes of `kubectl taint` to `node`'s spec.taints: `specs` are `n`
 * arguments "KEY[=VALUE]:EFFECT" (add) or "KEY[:EFFECT]-" (remove).
 * `*out` (the caller's, k8sc_free) is the JSON merge patch setting the new
 * list (added taints first, then the old ones they do not replace);
 * `*result` is kubectl's word for it, "tainted", "untainted" or "modified"
 * (static). EINVAL with kubectl's message for a malformed spec, an
 * existing key and effect without `overwrite`, or a removal that matches
 * nothing (one line per such removal).
 */
K8SC_EXTERN int k8sc_cli_taint_patch(char **out, const char **result, const k8sc_object *node,
    const char *const *specs, size_t n, bool overwrite);

/*
 * Describe an object as `kubectl describe` does: its fields laid out for
 * its kind (Pod, Deployment, ReplicaSet, Service, Node, Job, Namespace,
 * ConfigMap; a generic layout for the others), then `events` (`nevents`
 * Event objects about it, may be NULL; "Events:  <none>" when there are
 * none). `related` (may be NULL) holds what the layout shows beside the
 * object: the ReplicaSets of a Deployment, the Pods of a ReplicaSet or
 * Job, the Endpoints of a Service, the Pods of a Node. Ages count from
 * `now` (Unix seconds). `*out` is the caller's (k8sc_free).
 */
K8SC_EXTERN int k8sc_cli_describe_format(char **out, const k8sc_object *obj, k8sc_object *const *related,
    size_t nrelated, k8sc_object *const *events, size_t nevents, time_t now);

/*
 * Fetch object `name` of kind `r` in `namespace_` (NULL: the client's),
 * what its layout shows beside it and its Events, and describe it with
 * k8sc_cli_describe_format at the current time. `*out` is the caller's
 * (k8sc_free). Server errors as the client's (ENOTFOUND for the object).
 */
K8SC_EXTERN int k8sc_cli_describe(char **out, k8sc_client *client, const k8sc_resource *r, const char *namespace_,
    const char *name);

/*
 * Run k8sctl's command line: `argv[0]` is the program, then the verb and
 * its arguments, global flags (--kubeconfig, --context, -s/--server,
 * -n/--namespace) anywhere. Output goes to `out`, messages to `err`;
 * `argv` is not modified and -f - reads stdin. Returns the process exit
 * status (0 success, 1 failure, 2 a usage error), kubectl's.
 */
K8SC_EXTERN int k8sc_cli_main(int argc, char **argv, FILE *out, FILE *err);

/*
 * The deployment.kubernetes.io/revision annotation of a Deployment or
 * ReplicaSet into `*out` (0 when absent). EINVAL when it is not a number.
 */
K8SC_EXTERN int k8sc_cli_rollout_revision(int64_t *out, const k8sc_object *obj);

/*
 * One step of `kubectl rollout status` for `deployment`: `*out` (the
 * caller's, k8sc_free) is kubectl's line, ending in a newline ("Waiting
 * for deployment "x" rollout to finish: 1 of 3 updated replicas are
 * available..." or "deployment "x" successfully rolled out"), `*done`
 * whether the rollout is complete. `revision` > 0 must be the
 * deployment's revision. EINVAL with kubectl's message for another
 * revision or a deployment past its progress deadline.
 */
K8SC_EXTERN int k8sc_cli_rollout_status(char **out, bool *done, const k8sc_object *deployment, int64_t revision);

/*
 * The ReplicaSets `deployment` controls (those its selector matches whose
 * controller reference is its UID), as kubectl finds a rollout's history.
 * `*out` (k8sc_objects_free) holds `*n`. Errors as the client's.
 */
K8SC_EXTERN int k8sc_cli_deployment_replicasets(k8sc_object ***out, size_t *n, k8sc_client *client,
    const k8sc_object *deployment);

/*
 * `kubectl rollout history` from a deployment's ReplicaSets `rss`: with
 * `revision` 0 the REVISION CHANGE-CAUSE table, else that revision's pod
 * template as kubectl describes it; "No rollout history found." when
 * there is none. `*out` is the caller's (k8sc_free). ENOTFOUND "unable to
 * find the specified revision".
 */
K8SC_EXTERN int k8sc_cli_rollout_history(char **out, k8sc_object *const *rss, size_t n, int64_t revision);

/*
 * The ReplicaSet of `rss` that `kubectl rollout undo` goes back to:
 * `revision`'s, or with 0 the one before the latest. `*out` is borrowed
 * from `rss`. ENOTFOUND with kubectl's message when there is none
 * (`deployment` names the deployment in it).
 */
K8SC_EXTERN int k8sc_cli_rollout_find(const k8sc_object **out, k8sc_object *const *rss, size_t n,
    const char *deployment, int64_t revision);

/*
 * The JSON patch rolling `deployment` back to ReplicaSet `rs` as kubectl
 * does: its pod template without the pod-template-hash label, and the
 * ReplicaSet's annotations (the deployment's own revision and
 * last-applied ones kept). `*unchanged` is true, and `*out` NULL, when
 * the templates already match; otherwise `*out` is the caller's
 * (k8sc_free).
 */
K8SC_EXTERN int k8sc_cli_rollout_undo_patch(char **out, bool *unchanged, const k8sc_object *deployment,
    const k8sc_object *rs);

#ifdef __cplusplus
}
#endif
#endif
