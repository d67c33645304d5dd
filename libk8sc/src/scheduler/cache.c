/*
 * The scheduler's cache (kube-scheduler's internal/cache): nodes with the
 * pods bound or assumed on them, updated one event at a time. A pod is
 * assumed when this scheduler picks its node and is counted there at once,
 * so the next cycle already sees the room it takes; the informer's event
 * for the bound pod then confirms it (counted once, never twice), and a
 * failed binding forgets it.
 */
#include <json-c/json.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"

struct k8sc__sched_cache {
    pthread_mutex_t mu;
    k8sc__keymap nodes; /* name -> k8sc__sched_node */
    k8sc__keymap pods;  /* "namespace/name" -> k8sc__sched_pod_info */
    k8sc__keymap namespaces; /* name -> ns_entry */
    k8sc__keymap images;     /* image name -> image_count: how many nodes have it */
    size_t with_affinity, with_anti_affinity; /* the nodes' counts, summed */
    k8sc__sched_node **sorted;
    size_t nsorted;
    bool dirty; /* a node came or went: rebuild `sorted` */
};

typedef struct ns_entry {
    k8sc__keynode kn;
    k8sc_object *ns;
} ns_entry;

typedef struct image_count {
    k8sc__keynode kn;
    int64_t nodes;
} image_count;

int k8sc__sched_cache_new(k8sc__sched_cache **out)
{
    k8sc__sched_cache *c = k8sc__calloc(1, sizeof(*c));
    if (!c)
        return K8SC_ENOMEM;
    pthread_mutex_init(&c->mu, NULL);
    *out = c;
    return 0;
}

void k8sc__sched_cache_lock(k8sc__sched_cache *c)
{
    pthread_mutex_lock(&c->mu);
}

void k8sc__sched_cache_unlock(k8sc__sched_cache *c)
{
    pthread_mutex_unlock(&c->mu);
}

/* Count (delta 1) or uncount (-1) the node's images in the cache-wide map. */
static void count_images(k8sc__sched_cache *c, k8sc__sched_node *n, int delta)
{
    for (size_t b = 0; b < n->images.nbuckets; b++)
        for (k8sc__keynode *kn = n->images.buckets[b]; kn; kn = kn->next) {
            image_count *ic = (image_count *)k8sc__keymap_find(&c->images, kn->key);
            if (!ic && delta > 0 && !(ic = (image_count *)k8sc__keymap_insert(&c->images, kn->key, sizeof(*ic))))
                continue;
            if (!ic)
                continue;
            ic->nodes += delta;
            if (ic->nodes <= 0)
                k8sc__keymap_remove(&c->images, &ic->kn);
        }
}

/* NodeInfo.ImageStates: every name of every image in status.images, with its size. */
static int read_images(k8sc__sched_node *n)
{
    struct json_object *images = k8sc_object_get(n->node, "status.images");
    size_t count = json_object_is_type(images, json_type_array) ? json_object_array_length(images) : 0;
    for (size_t i = 0; i < count; i++) {
        const struct json_object *img = json_object_array_get_idx(images, i);
        struct json_object *names = k8sc__json_member(img, "names");
        size_t nn = json_object_is_type(names, json_type_array) ? json_object_array_length(names) : 0;
        int64_t size = json_object_get_int64(k8sc__json_member(img, "sizeBytes"));
        for (size_t j = 0; j < nn; j++) {
            const char *name = json_object_get_string(json_object_array_get_idx(names, j));
            if (!name || k8sc__keymap_find(&n->images, name))
                continue;
            k8sc__sched_image *e = (k8sc__sched_image *)k8sc__keymap_insert(&n->images, name, sizeof(*e));
            if (!e)
                return K8SC_ENOMEM;
            e->size = size;
        }
    }
    return 0;
}

static void node_release(k8sc__sched_node *n)
{
    if (n->node)
        count_images(n->cache, n, -1);
    k8sc__keymap_clear(&n->images);
    k8sc_object_free(n->node);
    n->node = NULL;
    n->taints = NULL;
    k8sc_resources_free(n->allocatable);
    n->allocatable = NULL;
}

/* Drop `n` once neither a Node object nor a pod refers to it. */
static void node_gc(k8sc__sched_cache *c, k8sc__sched_node *n)
{
    if (n->node || n->npods)
        return;
    k8sc_resources_free(n->requested);
    k8sc_free(n->pods);
    k8sc__keymap_remove(&c->nodes, &n->kn);
}

static k8sc__sched_node *node_entry(k8sc__sched_cache *c, const char *name)
{
    k8sc__sched_node *n = (k8sc__sched_node *)k8sc__keymap_find(&c->nodes, name);
    if (n)
        return n;
    if (!(n = (k8sc__sched_node *)k8sc__keymap_insert(&c->nodes, name, sizeof(*n))))
        return NULL;
    n->name = n->kn.key;
    n->cache = c;
    if (k8sc_resources_new(&n->requested) < 0) {
        k8sc__keymap_remove(&c->nodes, &n->kn);
        return NULL;
    }
    return n;
}

int k8sc__sched_cache_set_node(k8sc__sched_cache *c, const k8sc_object *node)
{
    const char *name = k8sc_object_name(node);
    if (!name)
        return 0;
    k8sc__sched_node *n = node_entry(c, name);
    if (!n)
        return K8SC_ENOMEM;
    if (!n->node)
        c->dirty = true;
    node_release(n);
    n->node = k8sc_object_ref((k8sc_object *)node);
    int rc = k8sc_resources_from_json(&n->allocatable, k8sc_object_get(node, "status.allocatable"));
    /* One node with a malformed allocatable must not stop scheduling elsewhere: it offers nothing. */
    if (rc == K8SC_EINVAL) {
        k8sc_log(K8SC_LOG_WARN, "scheduler: node %s: %s", name, k8sc_error_last());
        rc = k8sc_resources_new(&n->allocatable);
    }
    if (rc < 0) {
        node_release(n);
        node_gc(c, n);
        c->dirty = true;
        return rc;
    }
    n->alloc_cpu = k8sc__sched_milli_of(n->allocatable, "cpu");
    n->alloc_mem = k8sc__sched_int_of(n->allocatable, "memory");
    n->alloc_pods = k8sc__sched_int_of(n->allocatable, "pods");
    n->unschedulable = false;
    k8sc_object_get_bool(node, "spec.unschedulable", &n->unschedulable);
    struct json_object *taints = k8sc_object_get(node, "spec.taints");
    n->taints = json_object_is_type(taints, json_type_array) && json_object_array_length(taints) ? taints : NULL;
    rc = read_images(n);
    count_images(c, n, 1);
    return rc;
}

void k8sc__sched_cache_remove_node(k8sc__sched_cache *c, const char *name)
{
    k8sc__sched_node *n = (k8sc__sched_node *)k8sc__keymap_find(&c->nodes, name);
    if (!n)
        return;
    if (n->node)
        c->dirty = true;
    node_release(n);
    node_gc(c, n);
}

/* Take `pi` off its node, with what it requested. */
static void unplace(k8sc__sched_cache *c, k8sc__sched_pod_info *pi)
{
    k8sc__sched_node *n = pi->node;
    if (!n)
        return;
    for (size_t i = 0; i < n->npods; i++)
        if (n->pods[i] == pi) {
            n->pods[i] = n->pods[--n->npods];
            break;
        }
    n->milli_cpu -= pi->milli_cpu;
    n->memory -= pi->memory;
    n->nonzero_cpu -= pi->nonzero_cpu;
    n->nonzero_mem -= pi->nonzero_mem;
    size_t aff = pi->affinity != NULL, anti = pi->affinity && pi->affinity->n[K8SC__SCHED_ANTI_AFFINITY];
    n->with_affinity -= aff;
    n->with_anti_affinity -= anti;
    c->with_affinity -= aff;
    c->with_anti_affinity -= anti;
    /* Quantities cannot be subtracted exactly in every unit: sum what stays. */
    k8sc_resources *sum = NULL;
    if (k8sc_resources_new(&sum) == 0) {
        for (size_t i = 0; i < n->npods; i++)
            k8sc_resources_add(sum, n->pods[i]->requests);
        k8sc_resources_free(n->requested);
        n->requested = sum;
    }
    pi->node = NULL;
    node_gc(c, n);
}

/* Count `pi` on node `name`. */
static int place(k8sc__sched_cache *c, k8sc__sched_pod_info *pi, const char *name)
{
    k8sc__sched_node *n = node_entry(c, name);
    if (!n)
        return K8SC_ENOMEM;
    if (n->npods == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 8;
        k8sc__sched_pod_info **pods = k8sc__realloc(n->pods, cap * sizeof(*pods));
        if (!pods) {
            node_gc(c, n);
            return K8SC_ENOMEM;
        }
        n->pods = pods;
        n->cap = cap;
    }
    int rc = k8sc_resources_add(n->requested, pi->requests);
    if (rc < 0) {
        node_gc(c, n);
        return rc;
    }
    n->pods[n->npods++] = pi;
    n->milli_cpu += pi->milli_cpu;
    n->memory += pi->memory;
    n->nonzero_cpu += pi->nonzero_cpu;
    n->nonzero_mem += pi->nonzero_mem;
    size_t aff = pi->affinity != NULL, anti = pi->affinity && pi->affinity->n[K8SC__SCHED_ANTI_AFFINITY];
    n->with_affinity += aff;
    n->with_anti_affinity += anti;
    c->with_affinity += aff;
    c->with_anti_affinity += anti;
    pi->node = n;
    return 0;
}

void k8sc__sched_pod_info_set(k8sc__sched_pod_info *pi, k8sc__sched_pod *p, const k8sc_object *pod)
{
    pi->pod = k8sc_object_ref((k8sc_object *)pod);
    pi->requests = p->requests;
    pi->affinity = p->affinity;
    p->requests = NULL;
    p->affinity = NULL;
    pi->ns = p->ns ? p->ns : "";
    pi->labels = p->labels;
    pi->terminating = k8sc_object_has(pod, "metadata.deletionTimestamp");
    pi->milli_cpu = p->milli_cpu;
    pi->memory = p->memory;
    pi->nonzero_cpu = p->nonzero_cpu;
    pi->nonzero_mem = p->nonzero_mem;
    pi->host_ports = p->host_ports;
}

void k8sc__sched_pod_info_release(k8sc__sched_pod_info *pi)
{
    k8sc_object_free(pi->pod);
    k8sc_resources_free(pi->requests);
    k8sc__sched_affinity_free(pi->affinity);
    pi->pod = NULL;
    pi->requests = NULL;
    pi->affinity = NULL;
}

static void pod_drop(k8sc__sched_cache *c, k8sc__sched_pod_info *pi)
{
    unplace(c, pi);
    k8sc__sched_pod_info_release(pi);
    k8sc__keymap_remove(&c->pods, &pi->kn);
}

static k8sc__sched_pod_info *pod_find(k8sc__sched_cache *c, const char *ns, const char *name)
{
    char *key = NULL;
    if (k8sc__object_key_of(&key, ns, name) < 0)
        return NULL;
    k8sc__sched_pod_info *pi = (k8sc__sched_pod_info *)k8sc__keymap_find(&c->pods, key);
    k8sc_free(key);
    return pi;
}

/* Count `pod` on `node` (replacing what the cache had for it). */
static int pod_put(k8sc__sched_cache *c, const k8sc_object *pod, const char *node, bool assumed)
{
    k8sc__sched_pod p;
    int rc = k8sc__sched_pod_init(&p, pod);
    /* A bound pod with malformed requests still takes its place in the pod count. */
    if (rc == K8SC_EINVAL) {
        k8sc_log(K8SC_LOG_WARN, "scheduler: pod %s/%s: %s", k8sc_object_namespace(pod), k8sc_object_name(pod),
            k8sc_error_last());
        k8sc__sched_pod_clear(&p);
        memset(&p, 0, sizeof(p));
        rc = k8sc_resources_new(&p.requests);
    }
    if (rc < 0) {
        k8sc__sched_pod_clear(&p);
        return rc;
    }
    k8sc__sched_pod_info *pi = pod_find(c, k8sc_object_namespace(pod), k8sc_object_name(pod));
    if (pi) {
        unplace(c, pi);
    } else {
        char *key = NULL;
        if ((rc = k8sc__object_key_of(&key, k8sc_object_namespace(pod), k8sc_object_name(pod))) == 0 &&
            !(pi = (k8sc__sched_pod_info *)k8sc__keymap_insert(&c->pods, key, sizeof(*pi))))
            rc = K8SC_ENOMEM;
        k8sc_free(key);
        if (rc < 0) {
            k8sc__sched_pod_clear(&p);
            return rc;
        }
    }
    k8sc__sched_pod_info_release(pi);
    k8sc__sched_pod_info_set(pi, &p, pod);
    pi->assumed = assumed;
    if ((rc = place(c, pi, node)) < 0)
        pod_drop(c, pi);
    return rc;
}

int k8sc__sched_cache_set_pod(k8sc__sched_cache *c, const k8sc_object *pod)
{
    const char *node = k8sc_object_get_string(pod, "spec.nodeName");
    if (node && *node && !k8sc__sched_pod_terminated(pod))
        return pod_put(c, pod, node, false);
    k8sc__sched_pod_info *pi = pod_find(c, k8sc_object_namespace(pod), k8sc_object_name(pod));
    /* An assumed pod stays counted until the API shows it bound (or the binding fails). */
    if (pi && !(pi->assumed && !(node && *node)))
        pod_drop(c, pi);
    return 0;
}

void k8sc__sched_cache_remove_pod(k8sc__sched_cache *c, const k8sc_object *pod)
{
    k8sc__sched_pod_info *pi = pod_find(c, k8sc_object_namespace(pod), k8sc_object_name(pod));
    if (pi)
        pod_drop(c, pi);
}

int k8sc__sched_cache_assume(k8sc__sched_cache *c, const k8sc_object *pod, const char *node)
{
    k8sc_object *copy = NULL;
    int rc = k8sc_object_dup(&copy, pod);
    if (rc == 0)
        rc = k8sc_object_set_string(copy, "spec.nodeName", node);
    if (rc == 0)
        rc = pod_put(c, copy, node, true);
    k8sc_object_free(copy);
    return rc;
}

void k8sc__sched_cache_forget(k8sc__sched_cache *c, const char *ns, const char *name)
{
    k8sc__sched_pod_info *pi = pod_find(c, ns, name);
    if (pi && pi->assumed)
        pod_drop(c, pi);
}

bool k8sc__sched_cache_is_assumed(k8sc__sched_cache *c, const char *ns, const char *name)
{
    k8sc__sched_pod_info *pi = pod_find(c, ns, name);
    return pi && pi->assumed;
}

int k8sc__sched_cache_set_namespace(k8sc__sched_cache *c, const k8sc_object *ns)
{
    const char *name = k8sc_object_name(ns);
    if (!name)
        return 0;
    ns_entry *e = (ns_entry *)k8sc__keymap_find(&c->namespaces, name);
    if (!e && !(e = (ns_entry *)k8sc__keymap_insert(&c->namespaces, name, sizeof(*e))))
        return K8SC_ENOMEM;
    k8sc_object_free(e->ns);
    e->ns = k8sc_object_ref((k8sc_object *)ns);
    return 0;
}

void k8sc__sched_cache_remove_namespace(k8sc__sched_cache *c, const char *name)
{
    ns_entry *e = (ns_entry *)k8sc__keymap_find(&c->namespaces, name);
    if (!e)
        return;
    k8sc_object_free(e->ns);
    k8sc__keymap_remove(&c->namespaces, &e->kn);
}

const struct json_object *k8sc__sched_cache_namespace_labels(k8sc__sched_cache *c, const char *name)
{
    const ns_entry *e = (const ns_entry *)k8sc__keymap_find(&c->namespaces, name);
    return e ? k8sc_object_get(e->ns, "metadata.labels") : NULL;
}

size_t k8sc__sched_cache_affinity_pods(const k8sc__sched_cache *c, bool anti)
{
    return anti ? c->with_anti_affinity : c->with_affinity;
}

int64_t k8sc__sched_cache_image_nodes(k8sc__sched_cache *c, const char *name)
{
    if (!name)
        return (int64_t)c->images.count;
    const image_count *ic = (const image_count *)k8sc__keymap_find(&c->images, name);
    return ic ? ic->nodes : 0;
}

static int cmp_node(const void *a, const void *b)
{
    return strcmp((*(k8sc__sched_node *const *)a)->name, (*(k8sc__sched_node *const *)b)->name);
}

k8sc__sched_node *const *k8sc__sched_cache_nodes(k8sc__sched_cache *c, size_t *count)
{
    if (c->dirty) {
        k8sc__sched_node **v = k8sc__realloc(c->sorted, (c->nodes.count ? c->nodes.count : 1) * sizeof(*v));
        if (v) {
            size_t n = 0;
            for (size_t b = 0; b < c->nodes.nbuckets; b++)
                for (k8sc__keynode *kn = c->nodes.buckets[b]; kn; kn = kn->next)
                    if (((k8sc__sched_node *)kn)->node)
                        v[n++] = (k8sc__sched_node *)kn;
            qsort(v, n, sizeof(*v), cmp_node);
            c->sorted = v;
            c->nsorted = n;
            c->dirty = false;
        }
    }
    *count = c->dirty ? 0 : c->nsorted;
    return c->sorted;
}

void k8sc__sched_cache_free(k8sc__sched_cache *c)
{
    if (!c)
        return;
    for (size_t b = 0; b < c->pods.nbuckets; b++)
        while (c->pods.buckets[b])
            pod_drop(c, (k8sc__sched_pod_info *)c->pods.buckets[b]);
    for (size_t b = 0; b < c->nodes.nbuckets; b++)
        while (c->nodes.buckets[b]) {
            k8sc__sched_node *n = (k8sc__sched_node *)c->nodes.buckets[b];
            node_release(n);
            node_gc(c, n);
        }
    for (size_t b = 0; b < c->namespaces.nbuckets; b++)
        for (k8sc__keynode *kn = c->namespaces.buckets[b]; kn; kn = kn->next)
            k8sc_object_free(((ns_entry *)kn)->ns);
    k8sc__keymap_clear(&c->namespaces);
    k8sc__keymap_clear(&c->images);
    k8sc__keymap_clear(&c->pods);
    k8sc__keymap_clear(&c->nodes);
    k8sc_free(c->sorted);
    pthread_mutex_destroy(&c->mu);
    k8sc_free(c);
}
