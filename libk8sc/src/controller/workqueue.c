/*
 * Work queue after client-go's workqueue: a de-duplicating FIFO (Type), a
 * delaying queue (a min-heap of keys by due time) and rate-limited adds.
 *
 * Each key has one entry in a hash map holding three independent states:
 * dirty (must be processed), processing (a worker holds it) and waiting
 * (delayed). An entry sits in the FIFO exactly when it is dirty and not
 * processing, which is what keeps one key away from two workers at once.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "controller.h"
#include "controller_internal.h"
#include "internal.h"

typedef struct wq_entry {
    k8sc__keynode node;
    struct wq_entry *qnext;
    bool dirty, processing, waiting;
    int64_t ready_at;
    uint64_t seq;
    size_t heap_idx;
} wq_entry;

struct k8sc_workqueue {
    pthread_mutex_t mu;
    pthread_cond_t ready; /* a key was queued, the next due time moved, or shutdown */
    pthread_cond_t idle;  /* nothing is being processed any more */
    k8sc__keymap entries;
    wq_entry *head, *tail;
    size_t qlen, nprocessing;
    wq_entry **heap;
    size_t heap_len, heap_cap;
    uint64_t seq;
    bool shutting_down;
    int efd;
    bool fd_armed;
    k8sc_clock *clock;
    k8sc_ratelimiter *rl;
    bool owns_rl;
    char *name;
};

int k8sc_workqueue_options_init(k8sc_workqueue_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts);
    if (version != K8SC_WORKQUEUE_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_workqueue_options_init: unknown version %u", version);
    k8sc_workqueue_options init = K8SC_WORKQUEUE_OPTIONS_INIT;
    *opts = init;
    return 0;
}

/* The condition variables wait on CLOCK_MONOTONIC, so wall-clock jumps do not stretch waits. */
static int64_t real_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    return b > 0 && a > INT64_MAX - b ? INT64_MAX : a + b;
}

int k8sc_workqueue_new(k8sc_workqueue **out, const k8sc_workqueue_options *opts)
{
    K8SC__CHECK_ARG(out);
    k8sc_workqueue_options defaults = K8SC_WORKQUEUE_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    if (opts->version != K8SC_WORKQUEUE_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_workqueue_new: unknown options version %u", opts->version);
    k8sc_workqueue *q = k8sc__calloc(1, sizeof(*q));
    if (!q)
        return K8SC_ENOMEM;
    q->efd = -1;
    q->clock = opts->clock;
    q->name = k8sc__strdup(opts->name ? opts->name : "workqueue");
    if (!q->name)
        goto nomem;
    if (opts->rate_limiter) {
        q->rl = opts->rate_limiter;
    } else {
        if (k8sc_ratelimiter_default_new(&q->rl, q->clock) < 0)
            goto nomem;
        q->owns_rl = true;
    }
    q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (q->efd < 0) {
        int err = errno;
        k8sc_ratelimiter_free(q->owns_rl ? q->rl : NULL);
        free(q->name);
        free(q);
        return k8sc_error_set(K8SC_EIO, "workqueue: eventfd: %s", strerror(err));
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->ready, &ca);
    pthread_cond_init(&q->idle, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&q->mu, NULL);
    *out = q;
    return 0;
nomem:
    free(q->name);
    free(q);
    return K8SC_ENOMEM;
}

void k8sc_workqueue_free(k8sc_workqueue *q)
{
    if (!q)
        return;
    close(q->efd);
    k8sc__keymap_clear(&q->entries);
    free(q->heap);
    if (q->owns_rl)
        k8sc_ratelimiter_free(q->rl);
    free(q->name);
    pthread_cond_destroy(&q->ready);
    pthread_cond_destroy(&q->idle);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

/* Keep the eventfd readable exactly while the FIFO is non-empty. */
static void sync_fd(k8sc_workqueue *q)
{
    uint64_t v = 1;
    if (q->qlen && !q->fd_armed) {
        if (write(q->efd, &v, sizeof(v)) == (ssize_t)sizeof(v))
            q->fd_armed = true;
    } else if (!q->qlen && q->fd_armed) {
        if (read(q->efd, &v, sizeof(v)) == (ssize_t)sizeof(v) || errno == EAGAIN)
            q->fd_armed = false;
    }
}

static wq_entry *entry_get(k8sc_workqueue *q, const char *key)
{
    wq_entry *e = (wq_entry *)k8sc__keymap_find(&q->entries, key);
    if (!e)
        e = (wq_entry *)k8sc__keymap_insert(&q->entries, key, sizeof(*e));
    return e;
}

static void entry_release(k8sc_workqueue *q, wq_entry *e)
{
    if (!e->dirty && !e->processing && !e->waiting)
        k8sc__keymap_remove(&q->entries, &e->node);
}

static void fifo_push(k8sc_workqueue *q, wq_entry *e)
{
    e->qnext = NULL;
    if (q->tail)
        q->tail->qnext = e;
    else
        q->head = e;
    q->tail = e;
    q->qlen++;
    pthread_cond_signal(&q->ready);
}

/* client-go's Type.Add on an existing entry. */
static void mark_dirty(k8sc_workqueue *q, wq_entry *e)
{
    if (e->dirty)
        return;
    e->dirty = true;
    if (!e->processing)
        fifo_push(q, e);
}

static bool heap_less(const wq_entry *a, const wq_entry *b)
{
    return a->ready_at < b->ready_at || (a->ready_at == b->ready_at && a->seq < b->seq);
}

static void heap_set(k8sc_workqueue *q, size_t i, wq_entry *e)
{
    q->heap[i] = e;
    e->heap_idx = i;
}

static void heap_up(k8sc_workqueue *q, size_t i)
{
    wq_entry *e = q->heap[i];
    while (i > 0 && heap_less(e, q->heap[(i - 1) / 2])) {
        heap_set(q, i, q->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(q, i, e);
}

static void heap_down(k8sc_workqueue *q, size_t i)
{
    wq_entry *e = q->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= q->heap_len)
            break;
        if (c + 1 < q->heap_len && heap_less(q->heap[c + 1], q->heap[c]))
            c++;
        if (!heap_less(q->heap[c], e))
            break;
        heap_set(q, i, q->heap[c]);
        i = c;
    }
    heap_set(q, i, e);
}

static wq_entry *heap_pop(k8sc_workqueue *q)
{
    wq_entry *top = q->heap[0];
    if (--q->heap_len) {
        heap_set(q, 0, q->heap[q->heap_len]);
        heap_down(q, 0);
    }
    top->waiting = false;
    return top;
}

/* Move delayed keys that are due into the FIFO. */
static void promote_due(k8sc_workqueue *q)
{
    if (!q->heap_len)
        return;
    int64_t now = k8sc_clock_mono(q->clock);
    while (q->heap_len && q->heap[0]->ready_at <= now)
        mark_dirty(q, heap_pop(q));
}

int k8sc_workqueue_add(k8sc_workqueue *q, const char *key)
{
    K8SC__CHECK_ARG(q && key);
    pthread_mutex_lock(&q->mu);
    int rc = 0;
    if (!q->shutting_down) {
        wq_entry *e = entry_get(q, key);
        if (e)
            mark_dirty(q, e);
        else
            rc = K8SC_ENOMEM;
        sync_fd(q);
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int k8sc_workqueue_add_after(k8sc_workqueue *q, const char *key, int64_t delay_ns)
{
    K8SC__CHECK_ARG(q && key);
    if (delay_ns <= 0)
        return k8sc_workqueue_add(q, key);
    pthread_mutex_lock(&q->mu);
    int rc = 0;
    if (q->shutting_down)
        goto out;
    wq_entry *e = entry_get(q, key);
    if (!e) {
        rc = K8SC_ENOMEM;
        goto out;
    }
    int64_t ready_at = sat_add(k8sc_clock_mono(q->clock), delay_ns);
    if (e->waiting) {
        /* Like client-go, a second delayed add can only bring the key forward. */
        if (ready_at < e->ready_at) {
            e->ready_at = ready_at;
            heap_up(q, e->heap_idx);
        }
    } else {
        if (q->heap_len == q->heap_cap) {
            size_t cap = q->heap_cap ? q->heap_cap * 2 : 16;
            wq_entry **h = k8sc__realloc(q->heap, cap * sizeof(*h));
            if (!h) {
                entry_release(q, e);
                rc = K8SC_ENOMEM;
                goto out;
            }
            q->heap = h;
            q->heap_cap = cap;
        }
        e->waiting = true;
        e->ready_at = ready_at;
        e->seq = q->seq++;
        heap_set(q, q->heap_len++, e);
        heap_up(q, e->heap_idx);
    }
    /* Waiting getters recompute how long to sleep. */
    pthread_cond_broadcast(&q->ready);
out:
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int k8sc_workqueue_add_rate_limited(k8sc_workqueue *q, const char *key)
{
    K8SC__CHECK_ARG(q && key);
    int64_t delay = 0;
    int rc = k8sc_ratelimiter_when(q->rl, &delay, key);
    if (rc < 0)
        return rc;
    return k8sc_workqueue_add_after(q, key, delay);
}

void k8sc_workqueue_forget(k8sc_workqueue *q, const char *key)
{
    if (q)
        k8sc_ratelimiter_forget(q->rl, key);
}

unsigned int k8sc_workqueue_num_requeues(k8sc_workqueue *q, const char *key)
{
    return q ? k8sc_ratelimiter_num_requeues(q->rl, key) : 0;
}

/* timeout_ms < 0 waits forever. */
static int get_common(k8sc_workqueue *q, char **key, int timeout_ms)
{
    K8SC__CHECK_ARG(q && key);
    *key = NULL;
    int64_t deadline = timeout_ms >= 0 ? real_mono_ns() + (int64_t)timeout_ms * 1000000 : INT64_MAX;
    int rc = 0;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        promote_due(q);
        if (q->head)
            break;
        if (q->shutting_down) {
            rc = k8sc_error_set(K8SC_EGONE, "%s: shut down", q->name);
            goto out;
        }
        int64_t now = real_mono_ns();
        if (now >= deadline) {
            rc = k8sc_error_set(K8SC_ETIMEOUT, "%s: no key ready", q->name);
            goto out;
        }
        int64_t until = deadline;
        if (q->heap_len) {
            /*
             * Sleep until the next key is due. A fake clock does not move
             * on its own: then this is only a bound, and the caller's
             * k8sc_workqueue_process() wakes us.
             */
            int64_t due = sat_add(now, q->heap[0]->ready_at - k8sc_clock_mono(q->clock));
            if (due < until)
                until = due;
        }
        if (until == INT64_MAX) {
            pthread_cond_wait(&q->ready, &q->mu);
        } else {
            struct timespec ts = { (time_t)(until / 1000000000), (long)(until % 1000000000) };
            pthread_cond_timedwait(&q->ready, &q->mu, &ts);
        }
    }
    wq_entry *e = q->head;
    *key = k8sc__strdup(e->node.key);
    if (!*key) {
        rc = K8SC_ENOMEM;
        goto out;
    }
    q->head = e->qnext;
    if (!q->head)
        q->tail = NULL;
    q->qlen--;
    e->dirty = false;
    e->processing = true;
    q->nprocessing++;
out:
    sync_fd(q);
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int k8sc_workqueue_get(k8sc_workqueue *q, char **key)
{
    return get_common(q, key, -1);
}

int k8sc_workqueue_try_get(k8sc_workqueue *q, char **key)
{
    return get_common(q, key, 0);
}

int k8sc_workqueue_get_timed(k8sc_workqueue *q, char **key, int timeout_ms)
{
    K8SC__CHECK_ARG(timeout_ms >= 0);
    return get_common(q, key, timeout_ms);
}

int k8sc_workqueue_done(k8sc_workqueue *q, const char *key)
{
    K8SC__CHECK_ARG(q && key);
    int rc = 0;
    pthread_mutex_lock(&q->mu);
    wq_entry *e = (wq_entry *)k8sc__keymap_find(&q->entries, key);
    if (!e || !e->processing) {
        rc = k8sc_error_set(K8SC_ENOTFOUND, "%s: key %s is not being processed", q->name, key);
        goto out;
    }
    e->processing = false;
    if (--q->nprocessing == 0)
        pthread_cond_broadcast(&q->idle);
    /* Added again while it was processed: its turn comes now. */
    if (e->dirty)
        fifo_push(q, e);
    else
        entry_release(q, e);
    sync_fd(q);
out:
    pthread_mutex_unlock(&q->mu);
    return rc;
}

size_t k8sc_workqueue_len(k8sc_workqueue *q)
{
    if (!q)
        return 0;
    pthread_mutex_lock(&q->mu);
    size_t n = q->qlen;
    pthread_mutex_unlock(&q->mu);
    return n;
}

void k8sc_workqueue_shutdown(k8sc_workqueue *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->shutting_down = true;
    while (q->heap_len)
        entry_release(q, heap_pop(q));
    pthread_cond_broadcast(&q->ready);
    pthread_mutex_unlock(&q->mu);
}

void k8sc_workqueue_shutdown_with_drain(k8sc_workqueue *q)
{
    if (!q)
        return;
    k8sc_workqueue_shutdown(q);
    pthread_mutex_lock(&q->mu);
    while (q->nprocessing)
        pthread_cond_wait(&q->idle, &q->mu);
    pthread_mutex_unlock(&q->mu);
}

bool k8sc_workqueue_shutting_down(k8sc_workqueue *q)
{
    if (!q)
        return true;
    pthread_mutex_lock(&q->mu);
    bool down = q->shutting_down;
    pthread_mutex_unlock(&q->mu);
    return down;
}

int k8sc_workqueue_fd(k8sc_workqueue *q)
{
    return q ? q->efd : -1;
}

int k8sc_workqueue_next_timeout_ms(k8sc_workqueue *q)
{
    if (!q)
        return -1;
    int ms = -1;
    pthread_mutex_lock(&q->mu);
    if (q->head) {
        ms = 0;
    } else if (q->heap_len) {
        int64_t delta = q->heap[0]->ready_at - k8sc_clock_mono(q->clock);
        if (delta <= 0)
            ms = 0;
        else if (delta / 1000000 >= INT_MAX)
            ms = INT_MAX;
        else
            ms = (int)((delta + 999999) / 1000000);
    }
    pthread_mutex_unlock(&q->mu);
    return ms;
}

int k8sc_workqueue_process(k8sc_workqueue *q)
{
    K8SC__CHECK_ARG(q);
    pthread_mutex_lock(&q->mu);
    promote_due(q);
    sync_fd(q);
    pthread_mutex_unlock(&q->mu);
    return 0;
}
