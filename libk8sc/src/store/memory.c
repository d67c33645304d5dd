/*
 * The "memory://" store: keys in a skip list (ordered, for prefix lists
 * and paging), each with its chain of versions for reads at past
 * revisions, and a log of events by revision for watches that resume.
 * One reader-writer lock; writes publish under it, which keeps events in
 * revision order.
 */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_LEVEL 24

typedef struct version {
    int64_t rev;
    k8sc_store_kv *kv; /* NULL: deleted at rev */
} version;

typedef struct node {
    char *key;
    version *versions; /* increasing rev */
    size_t nver, capver;
    int level;
    struct node *next[]; /* `level` pointers */
} node;

typedef struct mem {
    pthread_rwlock_t lock;
    k8sc_store *store;
    node *head;
    int level;
    uint64_t rng;
    int64_t rev;
    int64_t compacted;
    k8sc_store_event **log; /* log[i] has revision log_base + i */
    size_t log_len, log_cap;
    int64_t log_base;
} mem;

static node *node_new(const char *key, int level)
{
    node *n = k8sc__calloc(1, sizeof(*n) + (size_t)level * sizeof(node *));
    if (!n)
        return NULL;
    n->level = level;
    if (key && !(n->key = k8sc__strdup(key))) {
        free(n);
        return NULL;
    }
    return n;
}

static void node_free(node *n)
{
    for (size_t i = 0; i < n->nver; i++)
        k8sc_store_kv_free(n->versions[i].kv);
    free(n->versions);
    free(n->key);
    free(n);
}

static int random_level(mem *m)
{
    /* xorshift64: a level per insert, p = 1/4 like Redis' zset. */
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    uint64_t r = m->rng;
    int level = 1;
    while (level < MAX_LEVEL && (r & 3) == 0) {
        level++;
        r >>= 2;
    }
    return level;
}

/* The first node whose key is >= key (strict: > key); fills update[] if asked. */
static node *lower_bound(mem *m, const char *key, bool strict, node **update)
{
    node *x = m->head;
    for (int i = m->level - 1; i >= 0; i--) {
        while (x->next[i]) {
            int c = strcmp(x->next[i]->key, key);
            if (c < 0 || (strict && c == 0))
                x = x->next[i];
            else
                break;
        }
        if (update)
            update[i] = x;
    }
    return x->next[0];
}

static node *find(mem *m, const char *key)
{
    node *n = lower_bound(m, key, false, NULL);
    return n && strcmp(n->key, key) == 0 ? n : NULL;
}

/* The version visible at `rev`, or NULL. */
static const version *version_at(const node *n, int64_t rev)
{
    size_t lo = 0, hi = n->nver;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (n->versions[mid].rev <= rev)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? &n->versions[lo - 1] : NULL;
}

static int mem_open(void **state, k8sc_store *store, const char *location, const k8sc_store_options *opts)
{
    (void)opts;
    if (*location)
        return k8sc_error_set(K8SC_EINVAL, "store URL \"memory:%s\": the memory store takes no location, "
                              "use \"memory://\"", location);
    mem *m = k8sc__calloc(1, sizeof(*m));
    if (!m)
        return K8SC_ENOMEM;
    if (!(m->head = node_new(NULL, MAX_LEVEL))) {
        free(m);
        return K8SC_ENOMEM;
    }
    pthread_rwlock_init(&m->lock, NULL);
    m->store = store;
    m->level = 1;
    m->rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)m;
    /* As in etcd, the empty store is at revision 1 and the first write makes 2. */
    m->rev = 1;
    m->log_base = 2;
    *state = m;
    return 0;
}

static void mem_close(void *state)
{
    mem *m = state;
    node *n = m->head->next[0];
    while (n) {
        node *next = n->next[0];
        node_free(n);
        n = next;
    }
    free(m->head);
    for (size_t i = 0; i < m->log_len; i++)
        k8sc_store_event_free(m->log[i]);
    free(m->log);
    pthread_rwlock_destroy(&m->lock);
    free(m);
}

static int mem_revision(void *state, int64_t *current, int64_t *compacted)
{
    mem *m = state;
    pthread_rwlock_rdlock(&m->lock);
    *current = m->rev;
    *compacted = m->compacted;
    pthread_rwlock_unlock(&m->lock);
    return 0;
}

/* Resolve `rev` (0: latest) against the readable range; lock held. */
static int read_revision(mem *m, int64_t *rev)
{
    if (*rev == 0)
        *rev = m->rev;
    if (*rev > m->rev)
        return k8sc_error_set(K8SC_EINVAL, "store: revision %lld is in the future (current %lld)",
                              (long long)*rev, (long long)m->rev);
    if (*rev < m->compacted)
        return k8sc_error_set(K8SC_EGONE, "store: revision %lld is compacted (oldest available %lld)",
                              (long long)*rev, (long long)m->compacted);
    return 0;
}

static int mem_get(void *state, k8sc_store_kv **out, const char *key, int64_t revision)
{
    mem *m = state;
    pthread_rwlock_rdlock(&m->lock);
    int rc = read_revision(m, &revision);
    if (rc == 0) {
        node *n = find(m, key);
        const version *v = n ? version_at(n, revision) : NULL;
        if (v && v->kv)
            *out = k8sc_store_kv_ref(v->kv);
        else
            rc = k8sc_error_set(K8SC_ENOTFOUND, "store: key \"%s\" not found", key);
    }
    pthread_rwlock_unlock(&m->lock);
    return rc;
}

static int mem_list(void *state, k8sc_store_kv ***items, size_t *count, int64_t *read_rev, bool *more,
                    const char *prefix, const char *after, size_t limit, int64_t revision)
{
    mem *m = state;
    *items = NULL;
    *count = 0;
    *more = false;
    size_t plen = strlen(prefix), n = 0, cap = 0;
    k8sc_store_kv **arr = NULL;
    pthread_rwlock_rdlock(&m->lock);
    int rc = read_revision(m, &revision);
    node *x = rc ? NULL : after ? lower_bound(m, after, true, NULL) : lower_bound(m, prefix, false, NULL);
    for (; x && k8sc__store_has_prefix(x->key, prefix, plen); x = x->next[0]) {
        const version *v = version_at(x, revision);
        if (!v || !v->kv)
            continue;
        if (limit && n == limit) {
            *more = true;
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            k8sc_store_kv **na = k8sc__realloc(arr, ncap * sizeof(*na));
            if (!na) {
                rc = K8SC_ENOMEM;
                break;
            }
            arr = na;
            cap = ncap;
        }
        arr[n++] = k8sc_store_kv_ref(v->kv);
    }
    pthread_rwlock_unlock(&m->lock);
    if (rc) {
        for (size_t i = 0; i < n; i++)
            k8sc_store_kv_free(arr[i]);
        free(arr);
        return rc;
    }
    *items = arr;
    *count = n;
    *read_rev = revision;
    return 0;
}

static int add_version(node *n, int64_t rev, k8sc_store_kv *kv)
{
    if (n->nver == n->capver) {
        size_t ncap = n->capver ? n->capver * 2 : 2;
        version *nv = k8sc__realloc(n->versions, ncap * sizeof(*nv));
        if (!nv)
            return K8SC_ENOMEM;
        n->versions = nv;
        n->capver = ncap;
    }
    n->versions[n->nver].rev = rev;
    n->versions[n->nver].kv = kv;
    n->nver++;
    return 0;
}

static int log_reserve(mem *m)
{
    if (m->log_len < m->log_cap)
        return 0;
    size_t ncap = m->log_cap ? m->log_cap * 2 : 256;
    k8sc_store_event **nl = k8sc__realloc(m->log, ncap * sizeof(*nl));
    if (!nl)
        return K8SC_ENOMEM;
    m->log = nl;
    m->log_cap = ncap;
    return 0;
}

static int mem_write_locked(mem *m, k8sc_store_op op, const char *key, const void *value, size_t len,
                            int64_t expected, int64_t *out_rev, k8sc_store_kv **out_prev)
{
    node *update[MAX_LEVEL];
    node *n = lower_bound(m, key, false, update);
    if (n && strcmp(n->key, key) != 0)
        n = NULL;
    k8sc_store_kv *cur = n && n->nver ? n->versions[n->nver - 1].kv : NULL;
    int64_t rev = m->rev + 1;

    if (op == K8SC_STORE_OP_CREATE && cur)
        return k8sc_error_set(K8SC_EEXISTS, "store: key \"%s\" already exists", key);
    if (op != K8SC_STORE_OP_CREATE) {
        if (!cur)
            return k8sc_error_set(K8SC_ENOTFOUND, "store: key \"%s\" not found", key);
        if (expected && expected != cur->mod_revision)
            return k8sc_error_set(K8SC_ECONFLICT, "store: key \"%s\" is at revision %lld, not %lld", key,
                                  (long long)cur->mod_revision, (long long)expected);
    }
    if (log_reserve(m) != 0)
        return K8SC_ENOMEM;
    if (!n) {
        int level = random_level(m);
        if (!(n = node_new(key, level)))
            return K8SC_ENOMEM;
        if (level > m->level) {
            for (int i = m->level; i < level; i++)
                update[i] = m->head;
            m->level = level;
        }
        for (int i = 0; i < level; i++) {
            n->next[i] = update[i]->next[i];
            update[i]->next[i] = n;
        }
    }
    size_t klen = strlen(key);
    k8sc_store_kv *kv;
    k8sc_store_event_type type;
    if (op == K8SC_STORE_OP_DELETE) {
        kv = k8sc_store_kv_new(key, klen, "", 0, 0, rev);
        type = K8SC_STORE_DELETED;
    } else {
        kv = k8sc_store_kv_new(key, klen, value, len, cur ? cur->create_revision : rev, rev);
        type = cur ? K8SC_STORE_MODIFIED : K8SC_STORE_CREATED;
    }
    /* The node may be new and empty; it is harmless in the list until compaction. */
    if (!kv || add_version(n, rev, op == K8SC_STORE_OP_DELETE ? NULL : kv) != 0) {
        k8sc_store_kv_free(kv);
        return K8SC_ENOMEM;
    }
    if (op != K8SC_STORE_OP_DELETE)
        k8sc_store_kv_ref(kv);
    k8sc_store_event *ev = k8sc_store_event_new(type, kv, k8sc_store_kv_ref(cur));
    if (!ev) {
        /* Keep the store consistent: the version stays, its event is lost only for watches. */
        n->nver--;
        k8sc_store_kv_free(n->versions[n->nver].kv);
        return K8SC_ENOMEM;
    }
    m->log[m->log_len++] = ev;
    m->rev = rev;
    if (out_rev)
        *out_rev = rev;
    if (out_prev)
        *out_prev = k8sc_store_kv_ref(cur);
    k8sc_store_backend_publish(m->store, ev);
    return 0;
}

static int mem_write(void *state, k8sc_store_op op, const char *key, const void *value, size_t len,
                     int64_t expected, int64_t *out_rev, k8sc_store_kv **out_prev)
{
    mem *m = state;
    pthread_rwlock_wrlock(&m->lock);
    int rc = mem_write_locked(m, op, key, value, len, expected, out_rev, out_prev);
    pthread_rwlock_unlock(&m->lock);
    return rc;
}

/* Drop the versions of `n` that no read at >= rev can see. True if none remain. */
static bool compact_node(node *n, int64_t rev)
{
    size_t keep = 0; /* index of the first version to keep */
    for (size_t i = 0; i < n->nver && n->versions[i].rev <= rev; i++)
        keep = i;
    if (n->nver && n->versions[keep].rev <= rev && !n->versions[keep].kv)
        keep++;
    for (size_t i = 0; i < keep; i++)
        k8sc_store_kv_free(n->versions[i].kv);
    memmove(n->versions, n->versions + keep, (n->nver - keep) * sizeof(version));
    n->nver -= keep;
    return n->nver == 0;
}

static int mem_compact(void *state, int64_t revision)
{
    mem *m = state;
    pthread_rwlock_wrlock(&m->lock);
    int rc = 0;
    if (revision > m->rev)
        rc = k8sc_error_set(K8SC_EINVAL, "store: cannot compact at future revision %lld (current %lld)",
                            (long long)revision, (long long)m->rev);
    else if (revision <= m->compacted)
        rc = k8sc_error_set(K8SC_EGONE, "store: already compacted at revision %lld", (long long)m->compacted);
    if (rc) {
        pthread_rwlock_unlock(&m->lock);
        return rc;
    }
    node *update[MAX_LEVEL];
    for (int i = 0; i < MAX_LEVEL; i++)
        update[i] = m->head;
    node *x = m->head->next[0];
    while (x) {
        node *next = x->next[0];
        if (compact_node(x, revision)) {
            for (int i = 0; i < x->level; i++)
                update[i]->next[i] = x->next[i];
            node_free(x);
        } else {
            for (int i = 0; i < x->level; i++)
                update[i] = x;
        }
        x = next;
    }
    while (m->level > 1 && !m->head->next[m->level - 1])
        m->level--;
    size_t drop = (size_t)(revision - m->log_base + 1);
    if (drop > m->log_len)
        drop = m->log_len;
    for (size_t i = 0; i < drop; i++)
        k8sc_store_event_free(m->log[i]);
    memmove(m->log, m->log + drop, (m->log_len - drop) * sizeof(*m->log));
    m->log_len -= drop;
    m->log_base += (int64_t)drop;
    m->compacted = revision;
    pthread_rwlock_unlock(&m->lock);
    return 0;
}

static int mem_history(void *state, const char *prefix, int64_t after, int64_t through, k8sc_store_history_fn fn,
                       void *userdata)
{
    mem *m = state;
    size_t plen = strlen(prefix);
    int rc = 0;
    pthread_rwlock_rdlock(&m->lock);
    if (after < m->compacted)
        rc = k8sc_error_set(K8SC_EGONE, "store: revision %lld is compacted (oldest available %lld)",
                            (long long)after, (long long)m->compacted);
    for (int64_t r = after + 1; rc == 0 && r <= through && r <= m->rev; r++) {
        k8sc_store_event *ev = m->log[r - m->log_base];
        if (k8sc__store_has_prefix(ev->kv->key, prefix, plen))
            rc = fn(k8sc_store_event_ref(ev), userdata);
    }
    pthread_rwlock_unlock(&m->lock);
    return rc;
}

const k8sc_store_backend k8sc__store_memory_backend = {
    .version = K8SC_STORE_BACKEND_VERSION,
    .scheme = "memory",
    .open = mem_open,
    .close = mem_close,
    .revision = mem_revision,
    .get = mem_get,
    .list = mem_list,
    .write = mem_write,
    .compact = mem_compact,
    .history = mem_history,
};
