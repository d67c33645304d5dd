/*
 * The garbage collector's dependency graph (Kubernetes' GraphBuilder):
 * one node per uid, observed from an informer or only referenced by an
 * ownerReference (virtual), with its owners' references and its
 * dependents. Changes queue the work they make due.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gc.h"

typedef struct owner {
    char *uid;
    bool block;
} owner;

typedef struct node {
    k8sc__gc_ident id;
    bool observed, being_deleted, deleting_dependents, orphaning;
    owner *owners;
    size_t nowners;
    struct node **deps;
    size_t ndeps, capdeps;
    struct node *next; /* hash chain */
} node;

struct k8sc__gc_graph {
    pthread_mutex_t mu;
    node **buckets;
    size_t nbuckets, count;
    k8sc__gc_enqueue_fn enqueue;
    void *userdata;
};

static size_t hash(const char *s)
{
    size_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void ident_clear(k8sc__gc_ident *id)
{
    free(id->uid);
    free(id->api_version);
    free(id->kind);
    free(id->namespace_);
    free(id->name);
    memset(id, 0, sizeof(*id));
}

static int ident_set(k8sc__gc_ident *id, const char *uid, const char *api_version, const char *kind,
    const char *namespace_, const char *name)
{
    k8sc__gc_ident n = { k8sc__strdup(uid), k8sc__strdup(api_version ? api_version : ""),
        k8sc__strdup(kind ? kind : ""), k8sc__strdup(namespace_ ? namespace_ : ""), k8sc__strdup(name ? name : "") };
    if (!n.uid || !n.api_version || !n.kind || !n.namespace_ || !n.name) {
        ident_clear(&n);
        return K8SC_ENOMEM;
    }
    ident_clear(id);
    *id = n;
    return 0;
}

static void owners_clear(node *n)
{
    for (size_t i = 0; i < n->nowners; i++)
        free(n->owners[i].uid);
    free(n->owners);
    n->owners = NULL;
    n->nowners = 0;
}

static void node_free(node *n)
{
    ident_clear(&n->id);
    owners_clear(n);
    free(n->deps);
    free(n);
}

int k8sc__gc_graph_new(k8sc__gc_graph **out, k8sc__gc_enqueue_fn enqueue, void *userdata)
{
    k8sc__gc_graph *g = k8sc__calloc(1, sizeof(*g));
    if (!g)
        return K8SC_ENOMEM;
    g->nbuckets = 256;
    if (!(g->buckets = k8sc__calloc(g->nbuckets, sizeof(*g->buckets)))) {
        free(g);
        return K8SC_ENOMEM;
    }
    pthread_mutex_init(&g->mu, NULL);
    g->enqueue = enqueue;
    g->userdata = userdata;
    *out = g;
    return 0;
}

void k8sc__gc_graph_free(k8sc__gc_graph *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nbuckets; i++) {
        for (node *n = g->buckets[i], *next; n; n = next) {
            next = n->next;
            node_free(n);
        }
    }
    free(g->buckets);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

static node *find(k8sc__gc_graph *g, const char *uid)
{
    for (node *n = g->buckets[hash(uid) % g->nbuckets]; n; n = n->next)
        if (strcmp(n->id.uid, uid) == 0)
            return n;
    return NULL;
}

/* Keep chains short; a failed resize only leaves them longer. */
static void maybe_grow(k8sc__gc_graph *g)
{
    if (g->count < g->nbuckets * 2)
        return;
    size_t nb = g->nbuckets * 4;
    node **b = calloc(nb, sizeof(*b));
    if (!b)
        return;
    for (size_t i = 0; i < g->nbuckets; i++) {
        for (node *n = g->buckets[i], *next; n; n = next) {
            next = n->next;
            size_t h = hash(n->id.uid) % nb;
            n->next = b[h];
            b[h] = n;
        }
    }
    free(g->buckets);
    g->buckets = b;
    g->nbuckets = nb;
}

static node *insert(k8sc__gc_graph *g, const char *uid, const char *api_version, const char *kind,
    const char *namespace_, const char *name)
{
    node *n = k8sc__calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    if (ident_set(&n->id, uid, api_version, kind, namespace_, name) < 0) {
        free(n);
        return NULL;
    }
    maybe_grow(g);
    size_t h = hash(uid) % g->nbuckets;
    n->next = g->buckets[h];
    g->buckets[h] = n;
    g->count++;
    return n;
}

static void unlink_node(k8sc__gc_graph *g, node *n)
{
    for (node **p = &g->buckets[hash(n->id.uid) % g->nbuckets]; *p; p = &(*p)->next) {
        if (*p == n) {
            *p = n->next;
            g->count--;
            return;
        }
    }
}

static int add_dep(node *owner_node, node *dep)
{
    for (size_t i = 0; i < owner_node->ndeps; i++)
        if (owner_node->deps[i] == dep)
            return 0;
    if (owner_node->ndeps == owner_node->capdeps) {
        size_t cap = owner_node->capdeps ? owner_node->capdeps * 2 : 4;
        node **d = k8sc__realloc(owner_node->deps, cap * sizeof(*d));
        if (!d)
            return K8SC_ENOMEM;
        owner_node->deps = d;
        owner_node->capdeps = cap;
    }
    owner_node->deps[owner_node->ndeps++] = dep;
    return 0;
}

static void remove_dep(node *owner_node, node *dep)
{
    for (size_t i = 0; i < owner_node->ndeps; i++) {
        if (owner_node->deps[i] == dep) {
            owner_node->deps[i] = owner_node->deps[--owner_node->ndeps];
            return;
        }
    }
}

static const owner *find_owner(const node *n, const char *uid)
{
    for (size_t i = 0; i < n->nowners; i++)
        if (strcmp(n->owners[i].uid, uid) == 0)
            return &n->owners[i];
    return NULL;
}

/* Attach `dep` to the owner `ref` names, making a virtual node (queued for a check) if it is unknown. */
static int attach(k8sc__gc_graph *g, node *dep, const k8sc_owner_ref *ref)
{
    node *o = find(g, ref->uid);
    if (!o) {
        if (!(o = insert(g, ref->uid, ref->api_version, ref->kind, dep->id.namespace_, ref->name)))
            return K8SC_ENOMEM;
        g->enqueue(K8SC__GC_DELETE, o->id.uid, g->userdata);
    }
    return add_dep(o, dep);
}

/* The owners of `obj` as references with a uid; `*refs` is the caller's (free). */
static int read_owners(k8sc_owner_ref **refs, size_t *n, const k8sc_object *obj)
{
    size_t total = k8sc_object_owner_ref_count(obj);
    *refs = NULL;
    *n = 0;
    if (total == 0)
        return 0;
    if (!(*refs = k8sc__calloc(total, sizeof(**refs))))
        return K8SC_ENOMEM;
    for (size_t i = 0; i < total; i++) {
        k8sc_owner_ref r;
        if (k8sc_object_owner_ref(&r, obj, i) == 0 && r.uid && *r.uid)
            (*refs)[(*n)++] = r;
    }
    return 0;
}

/* Replace the owners of `n` with `refs`, queueing what a removed or unblocked reference may free. */
static int update_owners(k8sc__gc_graph *g, node *n, const k8sc_owner_ref *refs, size_t nrefs)
{
    owner *next = nrefs ? k8sc__calloc(nrefs, sizeof(*next)) : NULL;
    if (nrefs && !next)
        return K8SC_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < nrefs && rc == 0; i++) {
        next[i].block = refs[i].block_owner_deletion;
        if (!(next[i].uid = k8sc__strdup(refs[i].uid)))
            rc = K8SC_ENOMEM;
        else if (!find_owner(n, refs[i].uid))
            rc = attach(g, n, &refs[i]);
    }
    if (rc < 0) {
        /* Undo the attachments made, so that no owner lists a node that does not list it back. */
        for (size_t i = 0; i < nrefs; i++) {
            node *o = next[i].uid && !find_owner(n, next[i].uid) ? find(g, next[i].uid) : NULL;
            if (o)
                remove_dep(o, n);
            free(next[i].uid);
        }
        free(next);
        return rc;
    }
    for (size_t i = 0; i < n->nowners; i++) {
        const owner *old = &n->owners[i];
        const k8sc_owner_ref *now = NULL;
        for (size_t j = 0; j < nrefs && !now; j++)
            if (strcmp(refs[j].uid, old->uid) == 0)
                now = &refs[j];
        node *o = find(g, old->uid);
        if (!o)
            continue;
        if (!now)
            remove_dep(o, n);
        /* An owner deleting in the foreground may have been waiting for this reference. */
        bool freed = !now || (old->block && !now->block_owner_deletion);
        if (freed && o->deleting_dependents)
            g->enqueue(K8SC__GC_DELETE, o->id.uid, g->userdata);
    }
    owners_clear(n);
    n->owners = next;
    n->nowners = nrefs;
    return 0;
}

int k8sc__gc_graph_observe(k8sc__gc_graph *g, const k8sc_object *obj)
{
    const char *uid = k8sc_object_uid(obj);
    if (!uid || !*uid)
        return 0;
    k8sc_owner_ref *refs;
    size_t nrefs;
    int rc = read_owners(&refs, &nrefs, obj);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&g->mu);
    node *n = find(g, uid);
    if (!n) {
        n = insert(g, uid, k8sc_object_api_version(obj), k8sc_object_kind(obj), k8sc_object_namespace(obj),
            k8sc_object_name(obj));
        rc = n ? 0 : K8SC_ENOMEM;
    } else if (!n->observed) {
        /* A virtual node gets the coordinates the object really has. */
        rc = ident_set(&n->id, uid, k8sc_object_api_version(obj), k8sc_object_kind(obj), k8sc_object_namespace(obj),
            k8sc_object_name(obj));
    }
    if (rc == 0) {
        n->observed = true;
        rc = update_owners(g, n, refs, nrefs);
    }
    if (rc == 0) {
        n->being_deleted = k8sc_object_has(obj, "metadata.deletionTimestamp");
        bool fg = n->being_deleted && k8sc_object_has_finalizer(obj, "foregroundDeletion");
        bool orphan = n->being_deleted && k8sc_object_has_finalizer(obj, "orphan");
        if (orphan && !n->orphaning)
            g->enqueue(K8SC__GC_ORPHAN, uid, g->userdata);
        if (fg && !n->deleting_dependents) {
            for (size_t i = 0; i < n->ndeps; i++)
                g->enqueue(K8SC__GC_DELETE, n->deps[i]->id.uid, g->userdata);
            g->enqueue(K8SC__GC_DELETE, uid, g->userdata);
        }
        n->orphaning = orphan;
        n->deleting_dependents = fg;
    }
    pthread_mutex_unlock(&g->mu);
    free(refs);
    return rc;
}

static void remove_locked(k8sc__gc_graph *g, node *n)
{
    for (size_t i = 0; i < n->ndeps; i++)
        g->enqueue(K8SC__GC_DELETE, n->deps[i]->id.uid, g->userdata);
    for (size_t i = 0; i < n->nowners; i++) {
        node *o = find(g, n->owners[i].uid);
        if (!o)
            continue;
        remove_dep(o, n);
        if (o->deleting_dependents)
            g->enqueue(K8SC__GC_DELETE, o->id.uid, g->userdata);
    }
    unlink_node(g, n);
    node_free(n);
}

void k8sc__gc_graph_remove(k8sc__gc_graph *g, const char *uid)
{
    if (!uid)
        return;
    pthread_mutex_lock(&g->mu);
    node *n = find(g, uid);
    if (n)
        remove_locked(g, n);
    pthread_mutex_unlock(&g->mu);
}

void k8sc__gc_node_info_clear(k8sc__gc_node_info *info)
{
    ident_clear(&info->id);
    for (size_t i = 0; i < info->ndeps; i++)
        ident_clear(&info->deps[i].id);
    free(info->deps);
    memset(info, 0, sizeof(*info));
}

static int copy_ident(k8sc__gc_ident *dst, const k8sc__gc_ident *src)
{
    return ident_set(dst, src->uid, src->api_version, src->kind, src->namespace_, src->name);
}

int k8sc__gc_graph_lookup(k8sc__gc_node_info *out, k8sc__gc_graph *g, const char *uid)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&g->mu);
    node *n = find(g, uid);
    int rc = n ? copy_ident(&out->id, &n->id) : K8SC_ENOTFOUND;
    if (rc == 0) {
        out->observed = n->observed;
        out->being_deleted = n->being_deleted;
        out->deleting_dependents = n->deleting_dependents;
        if (n->ndeps && !(out->deps = k8sc__calloc(n->ndeps, sizeof(*out->deps))))
            rc = K8SC_ENOMEM;
    }
    for (size_t i = 0; rc == 0 && i < n->ndeps; i++) {
        const node *d = n->deps[i];
        const owner *ref = find_owner(d, uid);
        k8sc__gc_dependent *dep = &out->deps[out->ndeps++];
        dep->blocking = ref && ref->block;
        dep->deleting_dependents = d->deleting_dependents;
        rc = copy_ident(&dep->id, &d->id);
    }
    pthread_mutex_unlock(&g->mu);
    if (rc < 0)
        k8sc__gc_node_info_clear(out);
    return rc;
}

void k8sc__gc_graph_owner_state(k8sc__gc_graph *g, const char *uid, bool *exists, bool *waiting)
{
    pthread_mutex_lock(&g->mu);
    node *n = find(g, uid);
    *exists = n && n->observed;
    *waiting = *exists && n->deleting_dependents;
    pthread_mutex_unlock(&g->mu);
}
