/*
 * The garbage collector's work on one node (Kubernetes' attemptToDeleteItem,
 * processDeletingDependentsItem and attemptToOrphanWorker): every decision
 * is made on the object as the API server has it now, and an owner the
 * graph does not know is looked up on the server before it counts as gone.
 */
#include <stdlib.h>
#include <string.h>

#include "gc.h"

/* Read-modify-write attempts before a conflict is left to the queue's back-off. */
#define WRITE_ATTEMPTS 5

/* What an ownerReference points at. */
typedef enum { OWNER_SOLID, OWNER_WAITING, OWNER_DANGLING, OWNER_INVALID } owner_state;

/*
 * The object `name` of `api_version`/`kind` in `namespace_` ("" for none)
 * whose uid is `uid`: ENOTFOUND when absent or replaced by another object
 * of that name, and for a namespaced kind without a namespace.
 */
static int get_object(k8sc_object **out, k8sc_client *client, const char *api_version, const char *kind,
    const char *namespace_, const char *name, const char *uid)
{
    char plural[256];
    bool namespaced = false;
    *out = NULL;
    int rc = k8sc_client_resolve(client, api_version, kind, plural, sizeof(plural), &namespaced);
    if (rc < 0)
        return rc;
    if (namespaced && !*namespace_)
        return k8sc_error_set(K8SC_ENOTFOUND, "%s %s has no namespace", kind, name);
    k8sc_object *obj;
    if ((rc = k8sc_client_get(&obj, client, api_version, kind, namespaced ? namespace_ : NULL, name)) < 0)
        return rc;
    const char *got = k8sc_object_uid(obj);
    if (!got || strcmp(got, uid) != 0) {
        rc = k8sc_error_set(K8SC_ENOTFOUND, "%s %s was replaced (uid %s)", kind, name, got ? got : "");
        k8sc_object_free(obj);
        return rc;
    }
    *out = obj;
    return 0;
}

static int get_ident(k8sc_object **out, k8sc__gc_ctx *gc, const k8sc__gc_ident *id)
{
    return get_object(out, gc->client, id->api_version, id->kind, id->namespace_, id->name, id->uid);
}

static bool in(const char *uid, const char *const *uids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(uids[i], uid) == 0)
            return true;
    return false;
}

/*
 * Change the object `id` on the server: re-read it, remove the
 * ownerReferences whose uids are listed (or, with `unblock`, clear their
 * blockOwnerDeletion) and write it back guarded by its resourceVersion,
 * again after a conflict. An object that is gone needs nothing.
 */
static int edit_owner_refs(k8sc_object **out, k8sc__gc_ctx *gc, const k8sc__gc_ident *id, const char *const *uids,
    size_t n, bool unblock)
{
    int rc = K8SC_ECONFLICT;
    if (out)
        *out = NULL;
    for (int attempt = 0; attempt < WRITE_ATTEMPTS && rc == K8SC_ECONFLICT; attempt++) {
        k8sc_object *obj, *copy = NULL;
        if ((rc = get_ident(&obj, gc, id)) < 0)
            return rc == K8SC_ENOTFOUND ? 0 : rc;
        rc = k8sc_object_dup(&copy, obj);
        bool changed = false;
        for (size_t i = k8sc_object_owner_ref_count(obj); rc == 0 && i-- > 0;) {
            k8sc_owner_ref ref;
            if (k8sc_object_owner_ref(&ref, obj, i) < 0 || !ref.uid)
                continue;
            if (unblock && ref.block_owner_deletion) {
                ref.block_owner_deletion = false;
                rc = k8sc_object_add_owner_ref(copy, &ref);
                changed = true;
            } else if (!unblock && in(ref.uid, uids, n)) {
                rc = k8sc_object_remove_owner_ref(copy, ref.uid);
                changed = true;
            }
        }
        if (rc == 0 && changed)
            rc = k8sc_client_update(out, gc->client, copy);
        else if (rc == 0 && out)
            *out = k8sc_object_ref(obj);
        k8sc_object_free(copy);
        k8sc_object_free(obj);
    }
    return rc == K8SC_ENOTFOUND ? 0 : rc;
}

/* Remove `finalizer` from the object `id`, re-reading it after a conflict. */
static int remove_finalizer(k8sc__gc_ctx *gc, const k8sc__gc_ident *id, const char *finalizer)
{
    int rc = K8SC_ECONFLICT;
    for (int attempt = 0; attempt < WRITE_ATTEMPTS && rc == K8SC_ECONFLICT; attempt++) {
        k8sc_object *obj;
        if ((rc = get_ident(&obj, gc, id)) == 0)
            rc = k8sc_finalizer_remove(NULL, gc->client, obj, finalizer);
        k8sc_object_free(obj);
    }
    return rc == K8SC_ENOTFOUND ? 0 : rc;
}

/* isDangling and the classification of classifyReferences, for the reference `ref` of `item`. */
static int owner_of(owner_state *state, k8sc__gc_ctx *gc, const k8sc_object *item, const k8sc_owner_ref *ref)
{
    bool exists, waiting;
    k8sc__gc_graph_owner_state(gc->graph, ref->uid, &exists, &waiting);
    if (exists) {
        *state = waiting ? OWNER_WAITING : OWNER_SOLID;
        return 0;
    }
    /* The graph may lag behind the server: only the server can say an owner is gone. */
    char plural[256];
    bool namespaced = false;
    const char *ns = k8sc_object_namespace(item);
    int rc = k8sc_client_resolve(gc->client, ref->api_version ? ref->api_version : "", ref->kind ? ref->kind : "",
        plural, sizeof(plural), &namespaced);
    if (rc < 0)
        return rc;
    if (namespaced && (!ns || !*ns)) {
        *state = OWNER_INVALID;
        return 0;
    }
    k8sc_object *owner;
    rc = get_object(&owner, gc->client, ref->api_version, ref->kind, ns ? ns : "", ref->name ? ref->name : "",
        ref->uid);
    if (rc == K8SC_ENOTFOUND) {
        *state = OWNER_DANGLING;
        return 0;
    }
    if (rc < 0)
        return rc;
    bool fg = k8sc_object_has(owner, "metadata.deletionTimestamp") &&
        k8sc_object_has_finalizer(owner, "foregroundDeletion");
    *state = fg ? OWNER_WAITING : OWNER_SOLID;
    k8sc_object_free(owner);
    return 0;
}

/* processDeletingDependentsItem: wait for the blocking dependents, then let the owner go. */
static int deleting_dependents(k8sc__gc_ctx *gc, const k8sc__gc_node_info *info)
{
    size_t blocking = 0;
    for (size_t i = 0; i < info->ndeps; i++) {
        const k8sc__gc_dependent *d = &info->deps[i];
        if (!d->blocking)
            continue;
        blocking++;
        if (!d->deleting_dependents)
            k8sc_controller_enqueue(gc->ctl, K8SC__GC_DELETE, d->id.uid);
    }
    return blocking ? 0 : remove_finalizer(gc, &info->id, "foregroundDeletion");
}

static int delete_object(k8sc__gc_ctx *gc, const k8sc_object *latest, const char *policy)
{
    k8sc_delete_options o = K8SC_DELETE_OPTIONS_INIT;
    o.propagation_policy = policy;
    o.precondition_uid = k8sc_object_uid(latest);
    /* Owners added since the decision was made must be seen: a changed object is a conflict. */
    o.precondition_resource_version = k8sc_object_resource_version(latest);
    const char *ns = k8sc_object_namespace(latest);
    int rc = k8sc_client_delete(NULL, gc->client, k8sc_object_api_version(latest), k8sc_object_kind(latest),
        ns && *ns ? ns : NULL, k8sc_object_name(latest), &o);
    if (rc == 0)
        k8sc_log(K8SC_LOG_DEBUG, "garbage-collector: deleted %s %s%s%s (propagationPolicy=%s)",
            k8sc_object_kind(latest), ns && *ns ? ns : "", ns && *ns ? "/" : "", k8sc_object_name(latest), policy);
    return rc == K8SC_ENOTFOUND ? 0 : rc;
}

/* The switch of attemptToDeleteItem once the references of `latest` are classified. */
static int decide(k8sc__gc_ctx *gc, const k8sc__gc_node_info *info, k8sc_object *latest)
{
    size_t n = k8sc_object_owner_ref_count(latest), solid = 0, waiting = 0, nremove = 0, valid = 0;
    const char **remove = n ? k8sc__calloc(n, sizeof(*remove)) : NULL;
    if (n && !remove)
        return K8SC_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        k8sc_owner_ref ref;
        owner_state state;
        if (k8sc_object_owner_ref(&ref, latest, i) < 0 || !ref.uid || !*ref.uid)
            continue;
        valid++;
        if ((rc = owner_of(&state, gc, latest, &ref)) < 0)
            break;
        if (state == OWNER_INVALID) {
            /* A cluster-scoped object cannot have a namespaced owner; retrying would not change that. */
            if (gc->rec)
                k8sc_event_recorder_event(gc->rec, latest, "Warning", "OwnerRefInvalidNamespace",
                    "ownerRef [%s, namespace: , name: %s, uid: %s] does not exist in namespace \"\"",
                    ref.kind ? ref.kind : "", ref.name ? ref.name : "", ref.uid);
            free(remove);
            return 0;
        }
        solid += state == OWNER_SOLID;
        waiting += state == OWNER_WAITING;
        if (state != OWNER_SOLID)
            remove[nremove++] = ref.uid;
    }
    /* References without a uid name no owner: nothing can be decided from them. */
    if (rc < 0 || valid == 0) {
        free(remove);
        return rc;
    }
    if (solid > 0) {
        /* Still owned: drop only the references that are gone or would hold an owner's deletion forever. */
        rc = nremove ? edit_owner_refs(NULL, gc, &info->id, remove, nremove, false) : 0;
    } else if (waiting > 0 && info->ndeps > 0) {
        bool cycle = false;
        for (size_t i = 0; i < info->ndeps; i++)
            cycle = cycle || info->deps[i].deleting_dependents;
        /* A dependent deleting in the foreground too: unblock our owners so that a cycle cannot hang. */
        k8sc_object *target = cycle ? NULL : k8sc_object_ref(latest);
        if (cycle)
            rc = edit_owner_refs(&target, gc, &info->id, NULL, 0, true);
        if (rc == 0 && target)
            rc = delete_object(gc, target, "Foreground");
        k8sc_object_free(target);
    } else {
        const char *policy = "Background";
        if (k8sc_object_has_finalizer(latest, "orphan"))
            policy = "Orphan";
        else if (k8sc_object_has_finalizer(latest, "foregroundDeletion"))
            policy = "Foreground";
        rc = delete_object(gc, latest, policy);
    }
    free(remove);
    return rc;
}

int k8sc__gc_attempt_to_delete(k8sc__gc_ctx *gc, const char *uid, bool *requeue)
{
    k8sc__gc_node_info info;
    *requeue = false;
    int rc = k8sc__gc_graph_lookup(&info, gc->graph, uid);
    if (rc < 0)
        return rc == K8SC_ENOTFOUND ? 0 : rc;
    /* Being deleted is a one-way trip: its dependents are looked at once it is gone. */
    if (info.being_deleted && !info.deleting_dependents) {
        k8sc__gc_node_info_clear(&info);
        return 0;
    }
    k8sc_object *latest = NULL;
    rc = get_ident(&latest, gc, &info.id);
    if (rc == K8SC_ENOTFOUND) {
        k8sc__gc_graph_remove(gc->graph, uid);
        rc = 0;
    } else if (rc == 0 && info.deleting_dependents) {
        rc = deleting_dependents(gc, &info);
    } else if (rc == 0) {
        /* Deleted meanwhile: the graph hears of it from the informer (and of a foreground deletion). */
        if (k8sc_object_owner_ref_count(latest) > 0 && !k8sc_object_has(latest, "metadata.deletionTimestamp"))
            rc = decide(gc, &info, latest);
        /* A node only referenced so far is looked at again until an informer shows it (kubernetes#56121). */
        *requeue = rc == 0 && !info.observed;
    }
    k8sc_object_free(latest);
    k8sc__gc_node_info_clear(&info);
    return rc;
}

int k8sc__gc_attempt_to_orphan(k8sc__gc_ctx *gc, const char *uid)
{
    k8sc__gc_node_info info;
    int rc = k8sc__gc_graph_lookup(&info, gc->graph, uid);
    if (rc < 0)
        return rc == K8SC_ENOTFOUND ? 0 : rc;
    int first = 0;
    for (size_t i = 0; i < info.ndeps; i++) {
        const char *uids[1] = { uid };
        int err = edit_owner_refs(NULL, gc, &info.deps[i].id, uids, 1, false);
        if (err < 0 && first == 0)
            first = err;
    }
    rc = first ? first : remove_finalizer(gc, &info.id, "orphan");
    k8sc__gc_node_info_clear(&info);
    return rc;
}
