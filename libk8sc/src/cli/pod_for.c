/*
 * The pod that k8sctl logs, exec and attach act on, as kubectl's builder and
 * polymorphichelpers (LogsForObject, AttachablePodForObject) find it: a pod
 * named as such, or the pods an object's selector picks (Deployment,
 * ReplicaSet, StatefulSet, DaemonSet, Job, ReplicationController, Service),
 * ranked as podutils ranks them; and the container kubectl defaults to.
 */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>

/* A pod's fields podutils ranks by; times are seconds, ZERO_TIME when unset (Go's zero time). */
typedef struct {
    k8sc_object *pod;
    size_t index;
    bool assigned, ready;
    const char *phase;
    int64_t ready_since, created, restarts;
} pod_key;

#define ZERO_TIME INT64_MIN

static size_t array_len(struct json_object *a)
{
    return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static int64_t time_of(const char *text)
{
    int64_t t = 0;
    return text && k8sc_time_parse(&t, text) == 0 ? t : ZERO_TIME;
}

static void key_of(pod_key *k, k8sc_object *pod, size_t index)
{
    const char *node = k8sc_object_get_string(pod, "spec.nodeName");
    struct json_object *conds = k8sc_object_get(pod, "status.conditions");
    struct json_object *statuses = k8sc_object_get(pod, "status.containerStatuses");
    k->pod = pod;
    k->index = index;
    k->assigned = node && *node;
    k->phase = k8sc_object_get_string(pod, "status.phase");
    k->ready = false;
    k->ready_since = ZERO_TIME;
    k->created = time_of(k8sc_object_get_string(pod, "metadata.creationTimestamp"));
    k->restarts = 0;
    bool seen = false, seen_true = false;
    for (size_t i = 0; i < array_len(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        const char *type = json_object_get_string(json_object_object_get(c, "type"));
        const char *status = json_object_get_string(json_object_object_get(c, "status"));
        bool is_true = status && strcmp(status, "True") == 0;
        if (!type || strcmp(type, "Ready") != 0)
            continue;
        /* IsPodReady reads the first Ready condition, podReadyTime the first true one. */
        if (!seen)
            k->ready = is_true;
        seen = true;
        if (is_true && !seen_true)
            k->ready_since = time_of(json_object_get_string(json_object_object_get(c, "lastTransitionTime")));
        seen_true = seen_true || is_true;
    }
    for (size_t i = 0; i < array_len(statuses); i++) {
        struct json_object *st = json_object_array_get_idx(statuses, i);
        int64_t n = json_object_get_int64(json_object_object_get(st, "restartCount"));
        if (n > k->restarts)
            k->restarts = n;
    }
}

/* Go's map lookup of the phase: a phase not in the table ranks 0. */
static int phase_rank(const char *phase, const char *const order[3])
{
    for (int i = 0; phase && i < 3; i++)
        if (strcmp(phase, order[i]) == 0)
            return i;
    return 0;
}

/* podutils' afterOrZero: t1 after t2, a zero time being after any other. */
static bool after_or_zero(int64_t t1, int64_t t2)
{
    if (t1 == ZERO_TIME || t2 == ZERO_TIME)
        return t1 == ZERO_TIME;
    return t1 > t2;
}

/* podutils.ByLogging's Less: assigned, running, ready, ready longer, more restarts, older first. */
static bool by_logging(const pod_key *a, const pod_key *b)
{
    static const char *const order[3] = { "Running", "Unknown", "Pending" };
    if (a->assigned != b->assigned)
        return a->assigned;
    int ra = phase_rank(a->phase, order), rb = phase_rank(b->phase, order);
    if (ra != rb)
        return ra < rb;
    if (a->ready != b->ready)
        return a->ready;
    if (a->ready && b->ready && a->ready_since != b->ready_since)
        return after_or_zero(b->ready_since, a->ready_since);
    if (a->restarts != b->restarts)
        return a->restarts > b->restarts;
    if (a->created != b->created)
        return after_or_zero(b->created, a->created);
    return false;
}

/* podutils.ActivePods' Less: the pod a controller would delete first comes first. */
static bool active_pods(const pod_key *a, const pod_key *b)
{
    static const char *const order[3] = { "Pending", "Unknown", "Running" };
    if (a->assigned != b->assigned)
        return !a->assigned;
    int ra = phase_rank(a->phase, order), rb = phase_rank(b->phase, order);
    if (ra != rb)
        return ra < rb;
    if (a->ready != b->ready)
        return !a->ready;
    if (a->ready && b->ready && a->ready_since != b->ready_since)
        return after_or_zero(a->ready_since, b->ready_since);
    if (a->restarts != b->restarts)
        return a->restarts > b->restarts;
    if (a->created != b->created)
        return after_or_zero(a->created, b->created);
    return false;
}

static int cmp_logging(const void *pa, const void *pb)
{
    const pod_key *a = pa, *b = pb;
    if (by_logging(a, b))
        return -1;
    if (by_logging(b, a))
        return 1;
    return a->index < b->index ? -1 : 1;
}

/* sort.Reverse(ActivePods): Less(i, j) is ActivePods' Less(j, i). */
static int cmp_active(const void *pa, const void *pb)
{
    const pod_key *a = pa, *b = pb;
    if (active_pods(b, a))
        return -1;
    if (active_pods(a, b))
        return 1;
    return a->index < b->index ? -1 : 1;
}

int k8sc__cli_pods_sort(k8sc_object **pods, size_t n, k8sc__pod_for_use use)
{
    if (n < 2)
        return 0;
    pod_key *keys = k8sc__calloc(n, sizeof(*keys));
    if (!keys)
        return K8SC_ENOMEM;
    for (size_t i = 0; i < n; i++)
        key_of(&keys[i], pods[i], i);
    qsort(keys, n, sizeof(*keys), use == K8SC__POD_FOR_LOGS ? cmp_logging : cmp_active);
    for (size_t i = 0; i < n; i++)
        pods[i] = keys[i].pod;
    k8sc_free(keys);
    return 0;
}

/* Go's %T of a decoded object: "*v1.ConfigMap" for kinds of kubectl's scheme, unstructured for the others. */
static void go_type(char *buf, size_t size, const k8sc_resource *r)
{
    const char *group = k8sc_resource_group(r);
    if (strcmp(group, "apiextensions.k8s.io") == 0 || strcmp(group, "apiregistration.k8s.io") == 0)
        snprintf(buf, size, "*unstructured.Unstructured");
    else
        snprintf(buf, size, "*%s.%s", k8sc_resource_version(r), k8sc_resource_kind(r));
}

/* The kinds SelectorsForObject knows, and whether their selector is a plain map. */
static const struct {
    const char *group, *kind;
    bool map;
} selectable[] = {
    { "apps", "Deployment", false },
    { "apps", "ReplicaSet", false },
    { "apps", "StatefulSet", false },
    { "apps", "DaemonSet", false },
    { "extensions", "Deployment", false },
    { "extensions", "ReplicaSet", false },
    { "extensions", "DaemonSet", false },
    { "batch", "Job", false },
    { "", "ReplicationController", true },
    { "", "Service", true },
};

/* SelectorsForObject: the pod selector of `obj` as a string (`*out` k8sc_free); EINVAL with Go's message. */
static int selector_for(char **out, const k8sc_resource *r, const k8sc_object *obj)
{
    const char *group = k8sc_resource_group(r), *kind = k8sc_resource_kind(r);
    char type[256];
    go_type(type, sizeof(type), r);
    size_t i = 0;
    while (i < K8SC__ARRAY_LEN(selectable) &&
           (strcmp(selectable[i].group, group) != 0 || strcmp(selectable[i].kind, kind) != 0))
        i++;
    if (i == K8SC__ARRAY_LEN(selectable))
        return k8sc_error_set(K8SC_EINVAL, "selector for %s not implemented", type);
    struct json_object *sel = k8sc_object_get(obj, "spec.selector");
    if (strcmp(kind, "Service") == 0 &&
        (!json_object_is_type(sel, json_type_object) || json_object_object_length(sel) == 0))
        return k8sc_error_set(K8SC_EINVAL, "invalid service '%s': Service is defined without a selector",
            k8sc_object_name(obj));
    k8sc_selector *s = NULL;
    int rc = selectable[i].map ? k8sc_selector_from_map(&s, sel) : k8sc_selector_from_json(&s, sel);
    if (rc == K8SC_EINVAL)
        rc = k8sc_error_set(K8SC_EINVAL, "invalid label selector: %s", k8sc_error_last());
    if (!rc)
        rc = k8sc_selector_to_string(out, s);
    k8sc_selector_free(s);
    return rc;
}

/* GetFirstPod's wait when nothing matches yet: the first pod added or changed within `timeout_ms`. */
static int wait_for_pod(k8sc_object **out, k8sc_client *c, const char *ns, const char *selector, const char *rv,
    int64_t timeout_ms)
{
    k8sc_watch_options wo = K8SC_WATCH_OPTIONS_INIT;
    wo.label_selector = selector;
    wo.resource_version = rv;
    k8sc_watch *w = NULL;
    int rc = k8sc_client_watch(&w, c, K8SC_POD, ns, &wo);
    int64_t deadline = k8sc__mono_ms() + timeout_ms;
    while (!rc) {
        int64_t left = deadline - k8sc__mono_ms();
        k8sc_watch_event_type type;
        k8sc_object *pod = NULL;
        rc = left > 0 ? k8sc_watch_next(&type, &pod, w, left > INT32_MAX ? INT32_MAX : (int)left) : K8SC_ETIMEOUT;
        if (rc == 1 && (type == K8SC_WATCH_ADDED || type == K8SC_WATCH_MODIFIED)) {
            *out = pod;
            break;
        }
        k8sc_object_free(pod);
        if (rc == 1)
            rc = 0;
        else if (rc == 0)
            rc = k8sc_error_set(K8SC_EIO, "watch closed before UntilWithoutRetry timeout");
        else if (rc == K8SC_ETIMEOUT)
            rc = k8sc_error_set(K8SC_ETIMEOUT, "timed out waiting for the condition");
    }
    k8sc_watch_free(w);
    return rc == 1 ? 0 : rc;
}

/* GetFirstPod: the best of the pods `selector` picks in `ns`, or the first to appear; 0 or printed. */
static int first_pod(k8sc__cli *cli, k8sc_client *c, const char *ns, const char *selector, k8sc__pod_for_use use,
    int64_t timeout_ms, k8sc_object **out, size_t *npods)
{
    k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
    lo.label_selector = selector;
    k8sc_object *list = NULL, **pods = NULL;
    size_t n = 0;
    int rc = k8sc_client_list(&list, c, K8SC_POD, ns, &lo);
    if (!rc)
        rc = k8sc_cli_list_items(&pods, &n, list);
    if (!rc && n == 0)
        rc = wait_for_pod(out, c, ns, selector, k8sc_object_get_string(list, "metadata.resourceVersion"), timeout_ms);
    else if (!rc && !(rc = k8sc__cli_pods_sort(pods, n, use)))
        *out = k8sc_object_ref(pods[0]);
    *npods = n ? n : 1;
    k8sc_objects_free(pods, n);
    k8sc_object_free(list);
    if (rc == K8SC_ETIMEOUT || rc == K8SC_EIO)
        return k8sc__cli_fail(cli, "%s", k8sc_error_last());
    return rc ? k8sc__cli_report(cli, NULL) : 0;
}

/* ResourceNames' splitResourceTypeName: "TYPE/NAME" into `type`; the name, NULL once the error was printed. */
static const char *split_arg(k8sc__cli *cli, char *type, size_t size, const char *def, const char *arg)
{
    const char *slash = strchr(arg, '/');
    if (!slash) {
        snprintf(type, size, "%s", def);
        return arg;
    }
    if (strchr(slash + 1, '/')) {
        k8sc__cli_fail(cli, "arguments in resource/name form may not have more than one slash");
        return NULL;
    }
    size_t len = (size_t)(slash - arg);
    if (len == 0 || !slash[1] || memchr(arg, ',', len) || len >= size) {
        k8sc__cli_fail(cli, "arguments in resource/name form must have a single resource and name");
        return NULL;
    }
    memcpy(type, arg, len);
    type[len] = '\0';
    return slash + 1;
}

/* The builder's NotFound for `name`, printed as the verb prints it. */
static int not_found(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, k8sc__pod_for_use use)
{
    const char *ns = k8sc_client_namespace(c);
    char *msg = k8sc__cli_not_found_message(c, r, ns);
    if (use == K8SC__POD_FOR_LOGS)
        fprintf(cli->err, "error: error from server (NotFound): %s in namespace \"%s\"\n", msg ? msg : "", ns);
    else
        fprintf(cli->err, "Error from server (NotFound): %s\n", msg ? msg : "");
    k8sc_free(msg);
    return 1;
}

int k8sc__cli_pod_for(k8sc__cli *cli, k8sc_client *c, const char *def_type, const char *arg, k8sc__pod_for_use use,
    int64_t timeout_ms, k8sc_object **out, size_t *npods)
{
    *out = NULL;
    *npods = 0;
    char type[256];
    const char *name = split_arg(cli, type, sizeof(type), def_type, arg);
    const k8sc_resource *r = NULL;
    if (!name)
        return 1;
    if (k8sc_cli_resolve(&r, NULL, type))
        return k8sc__cli_report(cli, NULL);
    const char *ns = k8sc_resource_namespaced(r) ? k8sc_client_namespace(c) : "";
    k8sc_object *obj = NULL;
    int rc = k8sc_client_get(&obj, c, k8sc_resource_api_version(r), k8sc_resource_kind(r), ns, name);
    if (rc == K8SC_ENOTFOUND && k8sc_client_last_status())
        return not_found(cli, c, r, use);
    if (rc)
        return k8sc__cli_report(cli, NULL);
    if (strcmp(k8sc_resource_group(r), "") == 0 && strcmp(k8sc_resource_kind(r), "Pod") == 0) {
        *out = obj;
        *npods = 1;
        return 0;
    }
    char *selector = NULL;
    if ((rc = selector_for(&selector, r, obj)) == K8SC_EINVAL) {
        char t[256];
        go_type(t, sizeof(t), r);
        rc = k8sc__cli_fail(cli, "cannot %s %s: %s", use == K8SC__POD_FOR_LOGS ? "get the logs from" : "attach to", t,
            k8sc_error_last());
    } else if (rc) {
        rc = k8sc__cli_report(cli, NULL);
    } else {
        const char *obj_ns = k8sc_object_namespace(obj);
        rc = first_pod(cli, c, obj_ns ? obj_ns : ns, selector, use, timeout_ms, out, npods);
    }
    k8sc_free(selector);
    k8sc_object_free(obj);
    return rc;
}

/* podcmd's allContainerNames: containers, then ephemeral and init containers, marked. */
static void container_names(k8sc__buf *b, const k8sc_object *pod)
{
    static const struct {
        const char *path, *mark;
    } lists[] = { { "spec.containers", "" }, { "spec.ephemeralContainers", " (ephem)" },
        { "spec.initContainers", " (init)" } };
    bool first = true;
    for (size_t l = 0; l < K8SC__ARRAY_LEN(lists); l++) {
        struct json_object *a = k8sc_object_get(pod, lists[l].path);
        for (size_t i = 0; i < array_len(a); i++) {
            const char *name = json_object_get_string(json_object_object_get(json_object_array_get_idx(a, i), "name"));
            k8sc__buf_printf(b, "%s%s%s", first ? "" : ", ", name ? name : "", lists[l].mark);
            first = false;
        }
    }
}

struct json_object *k8sc__cli_pod_find_container(const k8sc_object *pod, const char *name)
{
    static const char *const paths[] = { "spec.containers", "spec.initContainers", "spec.ephemeralContainers" };
    for (size_t l = 0; name && l < K8SC__ARRAY_LEN(paths); l++) {
        struct json_object *a = k8sc_object_get(pod, paths[l]);
        for (size_t i = 0; i < array_len(a); i++) {
            struct json_object *ctr = json_object_array_get_idx(a, i);
            const char *n = json_object_get_string(json_object_object_get(ctr, "name"));
            if (n && strcmp(n, name) == 0)
                return ctr;
        }
    }
    return NULL;
}

struct json_object *k8sc__cli_pod_container(k8sc__cli *cli, const k8sc_object *pod, const char *name,
    k8sc__pod_for_use use, bool quiet)
{
    const char *pod_name = k8sc_object_name(pod);
    struct json_object *ctr = k8sc__cli_pod_find_container(pod, name);
    if (name && *name) {
        if (!ctr && use == K8SC__POD_FOR_LOGS)
            k8sc__cli_fail(cli, "container %s is not valid for pod %s", name, pod_name);
        else if (!ctr)
            k8sc__cli_fail(cli, "cannot attach to the container: container %s not found in pod %s", name, pod_name);
        return ctr;
    }
    struct json_object *containers = k8sc_object_get(pod, "spec.containers");
    size_t n = array_len(containers);
    if (n == 0) {
        k8sc__cli_fail(cli, "%spod %s/%s does not have any containers",
            use == K8SC__POD_FOR_ATTACH ? "cannot attach to the container: " : "", k8sc_object_namespace(pod),
            pod_name);
        return NULL;
    }
    const char *annotated = k8sc_object_meta_get(pod, K8SC_ANNOTATIONS, "kubectl.kubernetes.io/default-container");
    if (annotated && *annotated) {
        if ((ctr = k8sc__cli_pod_find_container(pod, annotated)))
            return ctr;
        if (use == K8SC__POD_FOR_LOGS)
            fprintf(cli->err, "Default container name \"%s\" not found in pod %s\n", annotated, pod_name);
    }
    ctr = json_object_array_get_idx(containers, 0);
    if (!quiet && (n > 1 || array_len(k8sc_object_get(pod, "spec.initContainers")) ||
                      array_len(k8sc_object_get(pod, "spec.ephemeralContainers")))) {
        k8sc__buf names = K8SC__BUF_INIT;
        container_names(&names, pod);
        fprintf(cli->err, "Defaulted container \"%s\" out of: %s\n",
            json_object_get_string(json_object_object_get(ctr, "name")), names.ptr ? names.ptr : "");
        k8sc__buf_free(&names);
    }
    return ctr;
}
