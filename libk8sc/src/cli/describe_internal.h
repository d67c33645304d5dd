/* Internal declarations of kubectl describe's layouts (describe_*.c). */
#ifndef K8SC_CLI_DESCRIBE_INTERNAL_H
#define K8SC_CLI_DESCRIBE_INTERNAL_H

#include "cli_internal.h"

#include <time.h>

/* Format `len` bytes of tab-separated text as Go's tabwriter (`padding`, `minwidth`, spaces) into `out`. */
int k8sc__tabwriter_format(k8sc__buf *out, const char *text, size_t len, size_t padding, size_t minwidth);

/*
 * kubectl's PrefixWriter over a tabwriter: lines written at an indentation
 * level (2 spaces each) collect until a flush lays out their columns.
 */
typedef struct k8sc__dw {
    k8sc__buf out;
    k8sc__buf seg;
    time_t now;
} k8sc__dw;

void k8sc__dw_write(k8sc__dw *w, int level, const char *fmt, ...) K8SC_PRINTF(3, 4);
void k8sc__dw_flush(k8sc__dw *w);
/* Flush and hand over the text (`*out`, k8sc_free), or ENOMEM. */
int k8sc__dw_finish(k8sc__dw *w, char **out);

/* What a layout gets: the object, what the fetch found beside it, and its events. */
typedef struct k8sc__describe_input {
    struct json_object *obj;
    k8sc_object *const *related;
    size_t nrelated;
    k8sc_object *const *events;
    size_t nevents;
} k8sc__describe_input;

/* A string member at a dotted path of `o` ("spec.nodeName"), or NULL. */
const char *k8sc__dj_str(struct json_object *o, const char *path);
/* Any value at a dotted path of `o`, or NULL. */
struct json_object *k8sc__dj_get(struct json_object *o, const char *path);
/* The string member `key` of `o`, dots and all ("requests.cpu"), or NULL. */
const char *k8sc__dj_key(struct json_object *o, const char *key);
/* An integer at a dotted path, or `def`. */
int64_t k8sc__dj_int(struct json_object *o, const char *path, int64_t def);
/* A string member, or "". */
const char *k8sc__dj_or(struct json_object *o, const char *path);

/*
 * The keys of a JSON object, sorted, without `skip` (may be NULL): `*n`
 * of them, borrowed from `map`, in an array the caller frees (NULL only
 * when out of memory; an empty array for anything but an object).
 */
const char **k8sc__dj_sorted_keys(struct json_object *map, const char *skip, size_t *n);

/* printLabelsMultilineWithIndent: "TITLE:\tk=v" sorted, "<none>" when empty. */
void k8sc__dw_labels(k8sc__dw *w, const char *indent, const char *title, struct json_object *map);
/* printAnnotationsMultiline (the last-applied annotation skipped, long values folded). */
void k8sc__dw_annotations(k8sc__dw *w, const char *title, struct json_object *map);
/* DescribeEvents. */
void k8sc__dw_events(k8sc__dw *w, k8sc_object *const *events, size_t n);
/* "Name: X" and for namespaced objects "Namespace: NS". */
void k8sc__dw_name(k8sc__dw *w, struct json_object *obj, bool with_namespace);

/* An RFC 3339 time as Go's RFC1123Z in local time into `buf` ("" when it does not parse). */
void k8sc__describe_time(char *buf, size_t size, const char *rfc3339);
/* The age of an RFC 3339 time at `now` as kubectl prints it ("<unknown>" when absent). */
void k8sc__describe_age(char *buf, size_t size, const char *rfc3339, time_t now);
/* A label selector object (matchLabels/matchExpressions) as Go's String() into `*out` (k8sc_free). */
int k8sc__describe_selector(char **out, struct json_object *selector, const char *none);
/* metadata.ownerReferences' controller as "Kind/name" into `buf`: 1, or 0 when there is none. */
int k8sc__describe_controller(char *buf, size_t size, struct json_object *obj);

/* The length of a JSON array, 0 for anything else. */
size_t k8sc__dj_len(struct json_object *a);
/* Element `i` of a JSON array, NULL when out of range or not an array. */
struct json_object *k8sc__dj_at(struct json_object *a, size_t i);
/* A quantity as Quantity.String() prints it into `buf` ("0" for NULL; as given when it does not parse). */
void k8sc__describe_quantity(char *buf, size_t size, const char *text);
/* A JSON array of strings as Go's %v prints a []string ("[a b]", "[]") appended to `b`. */
void k8sc__describe_go_list(k8sc__buf *b, struct json_object *list);
/* "Pods Status: N Running / N Waiting / N Succeeded / N Failed" of `pods`. */
void k8sc__dw_pods_status(k8sc__dw *w, k8sc_object *const *pods, size_t n);
/* "TITLE: k=v,k2=v2" (labels.FormatLabels: sorted, "<none>" when empty). */
void k8sc__dw_map_line(k8sc__dw *w, const char *title, struct json_object *map);
/* A claim's storage class: the beta annotation, else spec.storageClassName, else "". */
const char *k8sc__describe_claim_class(struct json_object *pvc);

/* The layouts. */
void k8sc__describe_pod(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_pod_template(k8sc__dw *w, struct json_object *tmpl);
void k8sc__describe_deployment(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_replicaset(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_job(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_service(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_node(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_namespace(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_configmap(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_secret(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_serviceaccount(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_cronjob(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_replicationcontroller(k8sc__dw *w, const k8sc__describe_input *in);
/* An equality selector map as "k=v,k2=v2" sorted (k8sc_free), or NULL when empty. */
char *k8sc__describe_map_selector(struct json_object *map);
void k8sc__describe_endpoints(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_endpointslice(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_ingress(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_networkpolicy(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_poddisruptionbudget(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_resourcequota(k8sc__dw *w, const k8sc__describe_input *in);
/* A quota's "Scopes:" line and each scope's help, at `level` (0: a quota's own layout, 1: under a namespace). */
void k8sc__describe_quota_scopes(k8sc__dw *w, int level, struct json_object *scopes);
/* The rows of one LimitRange item (spec.limits[i]), each line starting with `indent`. */
void k8sc__describe_limit_item(k8sc__dw *w, struct json_object *item, const char *indent);
void k8sc__describe_limitrange(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_priorityclass(k8sc__dw *w, const k8sc__describe_input *in);
/* autoscaling/v1 objects get kubectl's v1 layout, any other version the v2 one. */
void k8sc__describe_hpa(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_role(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_rolebinding(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_statefulset(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_daemonset(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_pvc(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_pv(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_storageclass(k8sc__dw *w, const k8sc__describe_input *in);
void k8sc__describe_generic(k8sc__dw *w, const k8sc__describe_input *in);

#endif
