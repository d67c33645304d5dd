/* Internals shared by the API server's files. */
#ifndef K8SC_APISERVER_INTERNAL_H
#define K8SC_APISERVER_INTERNAL_H

#include "k8sc/apiserver.h"
#include "k8sc/codec.h"
#include "internal.h"
#include "svc_alloc.h"

#include <json-c/json.h>
#include <stdatomic.h>

/* Largest request body accepted (as kube-apiserver's 3 MiB limit). */
#define K8SC__APISERVER_MAX_BODY ((size_t)3 * 1024 * 1024)

struct k8sc_apiserver {
    char *listen_host;
    int listen_port;
    k8sc_store *store;
    bool own_store;
    k8sc_registry *registry;
    k8sc_clock *clock;
    unsigned int max_connections;
    unsigned int idle_timeout;
    struct MHD_Daemon *daemon;
    int bound_port;
    atomic_bool stopping;
    struct k8sc__crds *crds; /* established CustomResourceDefinitions (crd.c) */
    k8sc__svc_state svc;     /* Service ClusterIP and NodePort ranges (svc_*.c) */
    struct k8sc__authn *authn; /* bearer tokens, NULL: none (authn.c) */
    struct k8sc__sa_keys *sa_keys; /* the service account token signer (token.c) */
    char *tls_cert, *tls_key;      /* PEM, NULL: plain HTTP (server.c) */
    char *tls_ca;                  /* PEM served at /cacerts, or NULL (server.c) */
    atomic_int upgraded;           /* exec/attach relays running on their own threads (podproxy.c) */
};

/* One query parameter, decoded. */
typedef struct k8sc__query_param {
    char *key;
    char *value;
} k8sc__query_param;

/* A request as every handler sees it, whatever transport it came by. */
typedef struct k8sc__request {
    const char *method;
    char *path;                 /* decoded, without query */
    k8sc__query_param *params;
    size_t nparams;
    const char *content_type;   /* may be NULL */
    const char *accept;         /* may be NULL */
    const char *body;
    size_t body_len;
} k8sc__request;

/* Where a request is addressed, parsed from its path. */
typedef enum {
    K8SC__ROUTE_NONE = 0,
    K8SC__ROUTE_VERSION,
    K8SC__ROUTE_API,          /* /api */
    K8SC__ROUTE_APIS,         /* /apis */
    K8SC__ROUTE_GROUP,        /* /apis/G */
    K8SC__ROUTE_GROUP_VERSION,/* /api/v1, /apis/G/V */
    K8SC__ROUTE_OPENAPI_ROOT, /* /openapi/v3 */
    K8SC__ROUTE_OPENAPI_GV,   /* /openapi/v3/api/v1, /openapi/v3/apis/G/V */
    K8SC__ROUTE_RESOURCE,     /* a collection or an object */
    K8SC__ROUTE_HEALTH,       /* /healthz, /livez, /readyz */
} k8sc__route_kind;

typedef struct k8sc__route {
    k8sc__route_kind kind;
    const char *group;              /* borrowed from the path copy */
    const char *version;
    const k8sc_resource *resource;  /* K8SC__ROUTE_RESOURCE */
    const char *plural;             /* as written in the URL */
    const char *ns;                 /* NULL: all namespaces / cluster-scoped */
    const char *name;               /* NULL: the collection */
    const char *subresource;        /* NULL: the main resource */
    char *storage;                  /* owned: the path's working copy */
} k8sc__route;

/* A reply being built. */
struct k8sc_apiserver_response {
    int status;
    char *content_type;
    char *body;
    size_t body_len;
    struct k8sc__watch_stream *stream;
    struct k8sc__podproxy *proxy; /* pods/log, exec, attach: relayed from the kubelet by the HTTP transport */
    char *warnings; /* Warning header texts, one a line, or NULL */
};

/* Response builders: each fills `resp` (body copied / taken). 0 or ENOMEM. */
int k8sc__resp_json(k8sc_apiserver_response *resp, int status, const struct json_object *body);
int k8sc__resp_json_ct(k8sc_apiserver_response *resp, int status, const struct json_object *body, const char *content_type);
int k8sc__resp_object(k8sc_apiserver_response *resp, int status, const k8sc_object *obj);

/* metav1.Status failures, worded as Kubernetes' apimachinery errors. */
int k8sc__status_error(k8sc_apiserver_response *resp, int code, const char *reason,
    const char *message, struct json_object *details);
struct json_object *k8sc__status_new(int code, const char *reason, const char *message, struct json_object *details);
/* The qualified resource as errors name it: "pods", "deployments.apps". */
void k8sc__qualified(char *buf, size_t size, const k8sc_resource *r);
int k8sc__status_not_found(k8sc_apiserver_response *resp, const k8sc_resource *r, const char *name);
int k8sc__status_already_exists(k8sc_apiserver_response *resp, const k8sc_resource *r, const char *name);
int k8sc__status_conflict(k8sc_apiserver_response *resp, const k8sc_resource *r, const char *name);
int k8sc__status_invalid(k8sc_apiserver_response *resp, const k8sc_resource *r, const char *name,
    const k8sc_field_errors *errs);
/* The same for a kind outside the registry (Scale, DeleteOptions): "Scale.autoscaling \"x\" is invalid: ...". */
int k8sc__status_invalid_kind(k8sc_apiserver_response *resp, const char *group, const char *kind, const char *name,
    const k8sc_field_errors *errs);
int k8sc__status_bad_request(k8sc_apiserver_response *resp, const char *fmt, ...) K8SC_PRINTF(2, 3);
int k8sc__status_gone(k8sc_apiserver_response *resp, int64_t requested, int64_t oldest);
int k8sc__status_route_not_found(k8sc_apiserver_response *resp);
int k8sc__status_method_not_allowed(k8sc_apiserver_response *resp);
int k8sc__status_internal(k8sc_apiserver_response *resp, const char *what);
/* Map a store/library error code to the matching Status. */
int k8sc__status_from_code(k8sc_apiserver_response *resp, int code, const k8sc_resource *r, const char *name);

/* Request helpers. */
const char *k8sc__query_get(const k8sc__request *req, const char *key);
int k8sc__request_parse_target(k8sc__request *req, const char *target);
void k8sc__request_clear(k8sc__request *req);
int k8sc__route_parse(k8sc__route *route, k8sc_apiserver *srv, const char *path);
void k8sc__route_clear(k8sc__route *route);

/* The one entry point every transport calls. */
int k8sc__dispatch(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req);

/* Discovery and OpenAPI. */
bool k8sc__accept_has(const char *accept, const char *needle);
int k8sc__serve_version(k8sc_apiserver_response *resp);
int k8sc__serve_api(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req);
int k8sc__serve_apis(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req);
int k8sc__serve_group(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const char *group);
int k8sc__serve_group_version(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const char *group, const char *version);
int k8sc__serve_openapi_root(k8sc_apiserver_response *resp, k8sc_apiserver *srv);
int k8sc__serve_openapi_gv(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const char *group, const char *version);
/* True if the registry serves any kind in group (and version, if not NULL). */
bool k8sc__registry_has_gv(k8sc_registry *reg, const char *group, const char *version);

/* Storage keys. `name` NULL gives the collection prefix (ending in '/'). */
char *k8sc__storage_key(const k8sc_resource *r, const char *ns, const char *name);
/* Decode a stored value into an object carrying resourceVersion = kv->mod_revision. */
int k8sc__object_from_kv(k8sc_object **out, const k8sc_store_kv *kv);
/* Encode an object for storage (resourceVersion left out). */
int k8sc__object_to_store(char **out, size_t *len, const k8sc_object *obj);

/* Strategy: defaults and validation of writes. */
/* The main resource, /status (status only) or a namespace's /finalize (spec.finalizers only). */
typedef enum { K8SC__WRITE_MAIN, K8SC__WRITE_STATUS, K8SC__WRITE_FINALIZE } k8sc__write_target;
int k8sc__decode_body(k8sc_object **out, k8sc_apiserver_response *resp, const k8sc__request *req);
int k8sc__prepare_create(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__route *route, k8sc_object *obj);
int k8sc__prepare_update(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__route *route,
    k8sc_object *obj, const k8sc_object *old, k8sc__write_target target);
int k8sc__check_gvk(k8sc_apiserver_response *resp, const k8sc_resource *r, k8sc_object *obj);
bool k8sc__kind_has_generation(const k8sc_resource *r);

/*
 * fieldValidation of a built-in kind's create, update or merge patch body
 * (fieldval.c): 400 for unknown or duplicate fields with Strict, Warning
 * texts in resp->warnings with Warn (the default), 422 for a bad mode.
 */
int k8sc__fieldval_admit(k8sc_apiserver_response *resp, const k8sc__request *req, const k8sc__route *route);
/* Drop the fields a built-in kind does not have, as typed decoding does. 0 or ENOMEM. */
int k8sc__fieldval_prune(const k8sc_resource *r, k8sc_object *obj);

/* Per-kind defaults (defaults.c): what SetDefaults_* and the admission defaulters fill. */
int k8sc__kind_defaults(const k8sc_resource *r, k8sc_object *obj, bool create);
/* Immutable fields of an update (immutable.c): 0 with a 422 Status reply when one changed. */
int k8sc__check_immutable(k8sc_apiserver_response *resp, const k8sc_resource *r, const k8sc_object *obj,
    const k8sc_object *old);

/* Where a kind keeps what its Scale shows, as object paths; selector "": a spec.selector LabelSelector. */
typedef struct k8sc__scale_paths {
    char spec[128], status[128], selector[128];
} k8sc__scale_paths;
/* The scale paths a custom resource's CRD declares: true with *out filled, false (untouched) otherwise. */
bool k8sc__crd_scale_paths(k8sc__scale_paths *out, k8sc_apiserver *srv, const k8sc_resource *r);

/* The scale subresource (scale.c): GET, PUT and PATCH of an autoscaling/v1 Scale. */
int k8sc__handle_scale(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route);

/* pods/binding (binding.c): assign a pod to a node. */
int k8sc__handle_binding(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route);

/* pods/eviction (eviction.c): a delete that PodDisruptionBudgets allow. */
int k8sc__handle_eviction(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route);

/* serviceaccounts/token (token.c): a TokenRequest answered with a signed service account JWT. */
int k8sc__handle_token(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route);
/* The signing key: read from the PEM file `path`, or made at first use when NULL. EINVAL, EIO, ENOMEM. */
int k8sc__sa_keys_new(struct k8sc__sa_keys **out, const char *path);
void k8sc__sa_keys_free(struct k8sc__sa_keys *keys);

/* Self reviews (review.c): SelfSubjectAccessReview and SelfSubjectReview, answered and not stored. */
bool k8sc__is_review(const k8sc_resource *r);
int k8sc__handle_review(k8sc_apiserver_response *resp, const k8sc__request *req, const k8sc__route *route);

/*
 * pods/log, pods/exec, pods/attach (podproxy.c): resolve the pod's
 * container and its node's kubelet into resp->proxy (status 200 or 101),
 * or a Status. The HTTP transport then calls k8sc__podproxy_queue, which
 * either queues the relayed reply on the connection (*queued true: its
 * MHD_Result is returned) or leaves a Status in `resp` to queue as usual.
 */
struct MHD_Connection;
int k8sc__handle_podproxy(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route);
int k8sc__podproxy_queue(struct MHD_Connection *conn, k8sc_apiserver *srv, k8sc_apiserver_response *resp,
    const char *method, bool *queued);
void k8sc__podproxy_free(struct k8sc__podproxy *p);

/* Tables (custom resources print their CRD's columns). */
bool k8sc__wants_table(const char *accept);
struct json_object *k8sc__table_columns(const k8sc_resource *r);
struct json_object *k8sc__table_row(k8sc_apiserver *srv, const k8sc_resource *r, const k8sc_object *obj, int64_t now);
struct json_object *k8sc__table_new(k8sc_apiserver *srv, const k8sc_resource *r, const char *rv);
/* Cell `col` of the kinds table_kinds.c prints (RC, CronJob, Endpoints, ...); "" for others. */
struct json_object *k8sc__table_cell_more(const char *kind, const char *col, const k8sc_object *obj, int64_t now);

/* Handlers. */
int k8sc__handle_resource(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route);
int k8sc__handle_watch(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route);
/* Selection shared by list and watch. */
typedef struct k8sc__filter {
    k8sc_selector *labels;
    k8sc_field_selector *fields;
} k8sc__filter;
int k8sc__filter_parse(k8sc__filter *f, k8sc_apiserver_response *resp, const k8sc__request *req, const k8sc__route *route);
bool k8sc__filter_matches(const k8sc__filter *f, const k8sc__route *route, const k8sc_object *obj);
void k8sc__filter_clear(k8sc__filter *f);

/* Watch streams. */
void k8sc__watch_stream_free(struct k8sc__watch_stream *ws);
int k8sc__watch_stream_next(char **out, struct k8sc__watch_stream *ws, int timeout_ms);

/* Pod priority admission (priority.c): spec.priority/preemptionPolicy of a new pod, or a 403 in `resp`. */
int k8sc__priority_admit(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc_resource *r, k8sc_object *pod);
/* Create the system PriorityClasses if missing. */
int k8sc__priority_bootstrap(k8sc_apiserver *srv);

/* Namespace lifecycle (namespace.c). */
bool k8sc__is_namespace(const k8sc_resource *r);
/* Whether `obj` is a namespace that spec.finalizers still keeps from going. */
bool k8sc__namespace_held(const k8sc_resource *r, const k8sc_object *obj);
/* The namespace strategy's PrepareForCreate: "kubernetes" among spec.finalizers. */
int k8sc__namespace_prepare_create(k8sc_object *obj);
/* ValidateNamespace / ValidateNamespaceFinalizeUpdate of spec.finalizers: the number of errors added, or ENOMEM. */
int k8sc__namespace_validate(k8sc_field_errors *errs, const k8sc__route *route, const k8sc_object *obj);

/* A CronJob's schedule and time zone (cronjob.c): the number of errors added, or a negative code. */
int k8sc__cronjob_validate(k8sc_field_errors *errs, const k8sc__route *route, const k8sc_object *obj,
    const k8sc_object *old);
/* The first delete of a namespace: deletionTimestamp `now` (kept if set) and phase Terminating. */
int k8sc__namespace_mark_terminating(k8sc_object *obj, int64_t now);
/* NamespaceLifecycle admission: 0 with a 403 Status reply for an immortal namespace. */
int k8sc__namespace_admit_delete(k8sc_apiserver_response *resp, const k8sc__route *route);
/*
 * NamespaceLifecycle admission of a create (before names are generated and
 * objects validated): 0 with a 404 Status reply for a missing namespace, a
 * 403 one for a terminating namespace.
 */
int k8sc__namespace_admit_create(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc_resource *r,
    const k8sc_object *obj);

/* CustomResourceDefinitions (crd.c, crd_validate.c, crd_schema.c, crd_print.c). */
bool k8sc__is_crd(const k8sc_resource *r);
/* Read the CRDs in the store and serve their kinds; at k8sc_apiserver_new. */
int k8sc__crd_load(k8sc_apiserver *srv);
/* Stop serving the CRDs' kinds and free the cache. */
void k8sc__crd_unload(k8sc_apiserver *srv);
/* After a CRD write: serve new and changed CRDs, clean up deleted ones and their custom resources. */
int k8sc__crd_sync(k8sc_apiserver *srv);
/* The CRD serving custom resource kind `r`, a new reference (k8sc_object_free), or NULL. */
k8sc_object *k8sc__crd_for(k8sc_apiserver *srv, const k8sc_resource *r);
/* spec.versions[] entry `version` of a CRD, borrowed, or NULL. */
struct json_object *k8sc__crd_version(const k8sc_object *crd, const char *version);
/*
 * The strategy of CRDs (defaults, validation, status) and custom resources
 * (pruning, defaults, schema validation, generation) for a create (`old`
 * NULL) or update: invalid fields go to `errs`. 0 or ENOMEM.
 */
int k8sc__crd_prepare(k8sc_apiserver *srv, const k8sc__route *route, k8sc_object *obj, const k8sc_object *old,
    k8sc_field_errors *errs);
/* Before a custom resource request: 415 for strategic merge patch, fieldValidation of unknown fields. */
int k8sc__crd_admit(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__request *req,
    const k8sc__route *route);
/*
 * convert.c: kinds served at two versions whose shapes differ
 * (HorizontalPodAutoscaler: autoscaling/v2, stored, and v1). The resource
 * `r`'s objects are stored as (r itself for other kinds).
 */
const k8sc_resource *k8sc__storage_resource(k8sc_apiserver *srv, const k8sc_resource *r);
/* Convert object `o` (JSON) in place to `to`'s version when it is `to`'s kind in another version it converts from. */
void k8sc__convert_to(struct json_object *o, const k8sc_resource *to);
/* A new reference to `o` in `to`'s version: `o` itself, or a converted copy; NULL on ENOMEM. */
struct json_object *k8sc__converted(struct json_object *o, const k8sc_resource *to);
/*
 * A create or update body (`obj`, of `route`'s version) to the storage
 * version: checked against the route's version first, then converted;
 * *out is the route to go on with (`route`, or `copy` naming the storage
 * resource). 0 with resp->status set when the body is of another kind or
 * version; ENOMEM.
 */
int k8sc__to_storage(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__route *route, k8sc_object *obj,
    k8sc__route *copy, const k8sc__route **out);
/*
 * Rewrite the objects of a JSON reply (the body, and each of its items)
 * with fn(object, arg); a stream or a reply that is not a JSON object
 * stays as it is. 0 or ENOMEM.
 */
int k8sc__reply_objects(k8sc_apiserver_response *resp, void (*fn)(struct json_object *o, const void *arg),
    const void *arg);
/* The objects of a reply (an object or a list) in the route's version. 0 or ENOMEM. */
int k8sc__convert_reply(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__route *route);
/* convert_hpa.c: HorizontalPodAutoscaler JSON `o` in place to autoscaling/v1 (v1) or autoscaling/v2. */
void k8sc__convert_hpa(struct json_object *o, bool v1);
/* A custom resource written as another version of its CRD becomes the route's (the None conversion). */
void k8sc__crd_convert(k8sc_apiserver *srv, const k8sc_resource *r, k8sc_object *obj);
/* The same for the objects of a reply (an object or a list), read through another version than stored. */
int k8sc__crd_convert_reply(k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc__route *route);
int k8sc__crd_defaults(k8sc_object *crd);
int k8sc__crd_validate(k8sc_field_errors *errs, const k8sc_object *crd, const k8sc_object *old);
int k8sc__crd_set_status(k8sc_object *crd, const k8sc_object *old, int64_t now);
/* Structural schemas: drop unknown fields (their paths appended to `unknown` if not NULL), defaults, validation. */
int k8sc__schema_prune(struct json_object *root, const struct json_object *schema, struct json_object *unknown);
int k8sc__schema_default(struct json_object *root, const struct json_object *schema);
int k8sc__schema_validate(k8sc_field_errors *errs, const struct json_object *root, const struct json_object *schema);
/* Table columns and one row's cells of a custom resource; the OpenAPI schema and its name. */
struct json_object *k8sc__crd_table_columns(const k8sc_object *crd, const char *version);
struct json_object *k8sc__crd_table_cells(const k8sc_object *crd, const char *version, const k8sc_object *obj);
struct json_object *k8sc__crd_openapi_schema(const k8sc_object *crd, const k8sc_resource *r);
void k8sc__crd_schema_name(char *buf, size_t size, const k8sc_resource *r);

/* Services (svc_alloc.c): ClusterIPs and NodePorts. */
bool k8sc__is_service(const k8sc_resource *r);
/*
 * The strategy's part before validation: NormalizeClusterIPs, and on an
 * update (`old` not NULL) patchAllocatedValues and dropTypeDependentFields.
 */
int k8sc__service_normalize(k8sc_object *svc, const k8sc_object *old);
/* ValidateService's checks of clusterIP(s) and node ports: the number of errors added, or a negative code. */
int k8sc__service_validate(k8sc_field_errors *errs, const k8sc__route *route, const k8sc_object *svc,
    const k8sc_object *old);
/*
 * Allocate what a validated Service being created (`old` NULL) or updated
 * needs, writing the values into `svc`. 0 with *out set (NULL for other
 * kinds), or a Status reply (422 for a taken or out-of-range value, 500
 * for a full range) with nothing held. `dry`: check only.
 */
typedef struct k8sc__svc_txn k8sc__svc_txn;
int k8sc__service_allocate(k8sc__svc_txn **out, k8sc_apiserver_response *resp, k8sc_apiserver *srv,
    const k8sc__route *route, k8sc_object *svc, const k8sc_object *old, bool dry);
/* After the write: `written` gives back what the update no longer uses, else what was taken. Frees `txn`; NULL is fine. */
void k8sc__service_finish(k8sc_apiserver *srv, k8sc__svc_txn *txn, bool written);
/* A deleted Service's ClusterIP and node ports go back to their ranges. */
void k8sc__service_release(k8sc_apiserver *srv, const k8sc__route *route, const k8sc_object *svc);
/* Append the ClusterIP (IPv4) and node ports `svc` holds to the arrays (k8sc_free). 0 or ENOMEM. */
int k8sc__service_used(uint32_t **ips, size_t *nips, uint32_t **ports, size_t *nports, const k8sc_object *svc);

/* Bootstrapping. */
int k8sc__ensure_namespaces(k8sc_apiserver *srv);

/*
 * Write `obj` over the stored object at `route` whose mod revision is *mod;
 * on success *mod and obj's resourceVersion become the new revision.
 * Returns 0 or the store's code (ECONFLICT when someone wrote first).
 */
int k8sc__write_back(k8sc_apiserver *srv, const k8sc__route *route, k8sc_object *obj, int64_t *mod);

/*
 * The reply for a patch applied with result `rc`: 0 when *out is an
 * object; else a Status in `resp` (415 for a kind without strategic merge
 * patch, 422 for a patch that does not apply, 400 for a non-object result,
 * which frees *out) or ENOMEM.
 */
int k8sc__patch_outcome(k8sc_apiserver_response *resp, int rc, struct json_object **out);

#endif
