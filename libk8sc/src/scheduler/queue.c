/*
 * The scheduling queue (kube-scheduler's PriorityQueue): activeQ and
 * backoffQ are binary heaps over the entries of one key map; the
 * unschedulable pods are the entries in neither.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "framework.h"

/* How long a blocked pop sleeps at most before looking again (a fake clock does not wake it). */
#define POLL_NS 200000000LL

typedef enum { IN_ACTIVE, IN_BACKOFF, IN_UNSCHEDULABLE, IN_FLIGHT } place;

typedef struct entry {
    k8sc__keynode kn;
    int64_t priority;
    int64_t queued_at;  /* when it last entered activeQ or backoffQ: activeQ's tie-break */
    int64_t failed_at;  /* the last failed attempt: back-off and the 5-minute limit count from it */
    int attempts;
    uint64_t popped_at_move; /* moves counter when popped */
    place where;
    size_t idx; /* in its heap */
} entry;

typedef struct heap {
    entry **items;
    size_t len, cap;
    bool (*less)(const entry *, const entry *);
} heap;

struct k8sc__sched_queue {
    pthread_mutex_t mu;
    pthread_cond_t ready;
    k8sc_clock *clock;
    k8sc__keymap entries;
    heap active, backoff;
    size_t unschedulable, in_flight;
    uint64_t moves; /* move requests so far (kube's moveRequestCycle) */
    int64_t next_flush;
    int efd;
    bool armed, shut;
};

static bool active_less(const entry *a, const entry *b)
{
    if (a->priority != b->priority)
        return a->priority > b->priority;
    if (a->queued_at != b->queued_at)
        return a->queued_at < b->queued_at;
    return strcmp(a->kn.key, b->kn.key) < 0;
}

static int64_t backoff_ns(const entry *e)
{
    int64_t d = K8SC__SCHED_BACKOFF_BASE_NS;
    for (int i = 1; i < e->attempts && d < K8SC__SCHED_BACKOFF_MAX_NS; i++)
        d *= 2;
    return d < K8SC__SCHED_BACKOFF_MAX_NS ? d : K8SC__SCHED_BACKOFF_MAX_NS;
}

static int64_t backoff_end(const entry *e)
{
    return e->failed_at + backoff_ns(e);
}

static bool backoff_less(const entry *a, const entry *b)
{
    return backoff_end(a) < backoff_end(b);
}

static void swap(heap *h, size_t i, size_t j)
{
    entry *t = h->items[i];
    h->items[i] = h->items[j];
    h->items[j] = t;
    h->items[i]->idx = i;
    h->items[j]->idx = j;
}

static void sift_up(heap *h, size_t i)
{
    while (i > 0 && h->less(h->items[i], h->items[(i - 1) / 2])) {
        swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void sift_down(heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->len && h->less(h->items[l], h->items[m]))
            m = l;
        if (r < h->len && h->less(h->items[r], h->items[m]))
            m = r;
        if (m == i)
            return;
        swap(h, i, m);
        i = m;
    }
}

static int heap_push(heap *h, entry *e)
{
    if (h->len == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 16;
        entry **items = k8sc__realloc(h->items, cap * sizeof(*items));
        if (!items)
            return K8SC_ENOMEM;
        h->items = items;
        h->cap = cap;
    }
    e->idx = h->len;
    h->items[h->len++] = e;
    sift_up(h, e->idx);
    return 0;
}

static void heap_remove(heap *h, entry *e)
{
    size_t i = e->idx;
    if (i != --h->len) {
        swap(h, i, h->len);
        sift_down(h, i);
        sift_up(h, i);
    }
}

static void heap_fix(heap *h, entry *e)
{
    sift_down(h, e->idx);
    sift_up(h, e->idx);
}

/* Keep the eventfd readable exactly while activeQ has pods. */
static void sync_fd(k8sc__sched_queue *q)
{
    uint64_t v = 1;
    if (q->active.len && !q->armed) {
        if (write(q->efd, &v, sizeof(v)) == (ssize_t)sizeof(v))
            q->armed = true;
    } else if (!q->active.len && q->armed) {
        if (read(q->efd, &v, sizeof(v)) == (ssize_t)sizeof(v) || errno == EAGAIN)
            q->armed = false;
    }
}

/* Take `e` out of where it is (not in flight). */
static void unplace(k8sc__sched_queue *q, entry *e)
{
    switch (e->where) {
    case IN_ACTIVE:
        heap_remove(&q->active, e);
        break;
    case IN_BACKOFF:
        heap_remove(&q->backoff, e);
        break;
    case IN_UNSCHEDULABLE:
        q->unschedulable--;
        break;
    case IN_FLIGHT:
        q->in_flight--;
        break;
    }
}

/* Put `e` (placed nowhere) into activeQ, or backoffQ while it backs off. On ENOMEM it stays unschedulable. */
static void place_ready(k8sc__sched_queue *q, entry *e, int64_t now)
{
    bool backing_off = e->attempts > 0 && now < backoff_end(e);
    e->queued_at = now;
    e->where = backing_off ? IN_BACKOFF : IN_ACTIVE;
    if (heap_push(backing_off ? &q->backoff : &q->active, e) < 0) {
        e->where = IN_UNSCHEDULABLE;
        q->unschedulable++;
    }
    if (!backing_off)
        pthread_cond_signal(&q->ready);
}

/* Backed-off pods to activeQ; every FLUSH_PERIOD, pods unschedulable for too long too. */
static void promote(k8sc__sched_queue *q)
{
    int64_t now = k8sc_clock_mono(q->clock);
    while (q->backoff.len && backoff_end(q->backoff.items[0]) <= now) {
        entry *e = q->backoff.items[0];
        heap_remove(&q->backoff, e);
        place_ready(q, e, now);
    }
    if (now >= q->next_flush) {
        q->next_flush = now + K8SC__SCHED_FLUSH_PERIOD_NS;
        for (size_t b = 0; q->unschedulable && b < q->entries.nbuckets; b++)
            for (k8sc__keynode *kn = q->entries.buckets[b]; kn; kn = kn->next) {
                entry *e = (entry *)kn;
                if (e->where == IN_UNSCHEDULABLE && now - e->failed_at > K8SC__SCHED_MAX_UNSCHEDULABLE_NS) {
                    q->unschedulable--;
                    place_ready(q, e, now);
                }
            }
    }
    sync_fd(q);
}

int k8sc__sched_queue_new(k8sc__sched_queue **out, k8sc_clock *clock)
{
    k8sc__sched_queue *q = k8sc__calloc(1, sizeof(*q));
    if (!q)
        return K8SC_ENOMEM;
    q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (q->efd < 0) {
        int err = errno;
        k8sc_free(q);
        return k8sc_error_set(K8SC_EIO, "scheduling queue: eventfd: %s", strerror(err));
    }
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->ready, &ca);
    pthread_condattr_destroy(&ca);
    q->clock = clock ? clock : k8sc_clock_system();
    q->active.less = active_less;
    q->backoff.less = backoff_less;
    q->next_flush = k8sc_clock_mono(q->clock) + K8SC__SCHED_FLUSH_PERIOD_NS;
    *out = q;
    return 0;
}

void k8sc__sched_queue_free(k8sc__sched_queue *q)
{
    if (!q)
        return;
    k8sc__keymap_clear(&q->entries);
    k8sc_free(q->active.items);
    k8sc_free(q->backoff.items);
    close(q->efd);
    pthread_cond_destroy(&q->ready);
    pthread_mutex_destroy(&q->mu);
    k8sc_free(q);
}

int k8sc__sched_queue_add(k8sc__sched_queue *q, const char *key, int64_t priority, bool changed)
{
    int rc = 0;
    pthread_mutex_lock(&q->mu);
    int64_t now = k8sc_clock_mono(q->clock);
    entry *e = (entry *)k8sc__keymap_find(&q->entries, key);
    if (!e) {
        if ((e = (entry *)k8sc__keymap_insert(&q->entries, key, sizeof(*e)))) {
            e->priority = priority;
            place_ready(q, e, now);
        } else {
            rc = K8SC_ENOMEM;
        }
    } else {
        bool moved = e->priority != priority;
        e->priority = priority;
        if (e->where == IN_ACTIVE && moved)
            heap_fix(&q->active, e);
        else if (e->where == IN_UNSCHEDULABLE && changed) {
            q->unschedulable--;
            place_ready(q, e, now);
        } else if (e->where == IN_FLIGHT && changed) {
            /* The cycle under way saw the old pod: let a failure retry it rather than park it. */
            e->popped_at_move = UINT64_MAX;
        }
    }
    sync_fd(q);
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void k8sc__sched_queue_delete(k8sc__sched_queue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    entry *e = (entry *)k8sc__keymap_find(&q->entries, key);
    if (e) {
        unplace(q, e);
        k8sc__keymap_remove(&q->entries, &e->kn);
    }
    sync_fd(q);
    pthread_mutex_unlock(&q->mu);
}

static int64_t real_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int k8sc__sched_queue_pop(k8sc__sched_queue *q, char **key, int *attempts, bool wait)
{
    int rc = 0;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        promote(q);
        if (q->shut) {
            rc = k8sc_error_set(K8SC_EGONE, "scheduling queue: shut down");
            break;
        }
        if (q->active.len) {
            entry *e = q->active.items[0];
            if (!(*key = k8sc__strdup(e->kn.key))) {
                rc = K8SC_ENOMEM;
                break;
            }
            heap_remove(&q->active, e);
            e->where = IN_FLIGHT;
            e->attempts++;
            e->popped_at_move = q->moves;
            q->in_flight++;
            if (attempts)
                *attempts = e->attempts;
            break;
        }
        if (!wait) {
            rc = k8sc_error_set(K8SC_ETIMEOUT, "scheduling queue: no pod ready");
            break;
        }
        int64_t until = real_mono_ns() + POLL_NS;
        struct timespec ts = { (time_t)(until / 1000000000), (long)(until % 1000000000) };
        pthread_cond_timedwait(&q->ready, &q->mu, &ts);
    }
    sync_fd(q);
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void k8sc__sched_queue_requeue(k8sc__sched_queue *q, const char *key, bool unschedulable)
{
    pthread_mutex_lock(&q->mu);
    entry *e = (entry *)k8sc__keymap_find(&q->entries, key);
    if (e && e->where == IN_FLIGHT) {
        int64_t now = k8sc_clock_mono(q->clock);
        q->in_flight--;
        e->failed_at = now;
        if (unschedulable && e->popped_at_move == q->moves) {
            e->where = IN_UNSCHEDULABLE;
            q->unschedulable++;
        } else {
            place_ready(q, e, now);
        }
    }
    sync_fd(q);
    pthread_mutex_unlock(&q->mu);
}

void k8sc__sched_queue_done(k8sc__sched_queue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    entry *e = (entry *)k8sc__keymap_find(&q->entries, key);
    if (e && e->where == IN_FLIGHT) {
        q->in_flight--;
        k8sc__keymap_remove(&q->entries, &e->kn);
    }
    pthread_mutex_unlock(&q->mu);
}

void k8sc__sched_queue_move_all(k8sc__sched_queue *q)
{
    pthread_mutex_lock(&q->mu);
    int64_t now = k8sc_clock_mono(q->clock);
    q->moves++;
    for (size_t b = 0; q->unschedulable && b < q->entries.nbuckets; b++)
        for (k8sc__keynode *kn = q->entries.buckets[b]; kn; kn = kn->next) {
            entry *e = (entry *)kn;
            if (e->where == IN_UNSCHEDULABLE) {
                q->unschedulable--;
                place_ready(q, e, now);
            }
        }
    sync_fd(q);
    pthread_mutex_unlock(&q->mu);
}

void k8sc__sched_queue_flush(k8sc__sched_queue *q)
{
    pthread_mutex_lock(&q->mu);
    promote(q);
    pthread_mutex_unlock(&q->mu);
}

int k8sc__sched_queue_fd(k8sc__sched_queue *q)
{
    return q->efd;
}

static int ms_until(int64_t delta)
{
    if (delta <= 0)
        return 0;
    return delta / 1000000 >= INT_MAX ? INT_MAX : (int)((delta + 999999) / 1000000);
}

int k8sc__sched_queue_next_timeout_ms(k8sc__sched_queue *q)
{
    pthread_mutex_lock(&q->mu);
    int64_t now = k8sc_clock_mono(q->clock);
    int ms = -1;
    if (q->active.len)
        ms = 0;
    else if (q->backoff.len)
        ms = ms_until(backoff_end(q->backoff.items[0]) - now);
    if (q->unschedulable) {
        int f = ms_until(q->next_flush - now);
        if (ms < 0 || f < ms)
            ms = f;
    }
    pthread_mutex_unlock(&q->mu);
    return ms;
}

void k8sc__sched_queue_shutdown(k8sc__sched_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->shut = true;
    pthread_cond_broadcast(&q->ready);
    pthread_mutex_unlock(&q->mu);
}

void k8sc__sched_queue_counts_get(k8sc__sched_queue *q, k8sc__sched_queue_counts *out)
{
    pthread_mutex_lock(&q->mu);
    out->active = q->active.len;
    out->backoff = q->backoff.len;
    out->unschedulable = q->unschedulable;
    out->in_flight = q->in_flight;
    pthread_mutex_unlock(&q->mu);
}
