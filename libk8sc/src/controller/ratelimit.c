/*
 * Rate limiters for work queues, after client-go's
 * ItemExponentialFailureRateLimiter, BucketRateLimiter and MaxOfRateLimiter.
 */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "controller_internal.h"
#include "internal.h"

typedef enum { RL_EXPONENTIAL, RL_BUCKET, RL_MAX_OF } rl_kind;

typedef struct {
    k8sc__keynode node;
    unsigned int failures;
} failure_entry;

struct k8sc_ratelimiter {
    rl_kind kind;
    pthread_mutex_t mu;
    /* RL_EXPONENTIAL */
    int64_t base_ns, max_ns;
    k8sc__keymap failures;
    /* RL_BUCKET: tokens may go negative, as golang.org/x/time/rate reservations do. */
    k8sc_clock *clock;
    double qps, burst, tokens;
    int64_t last_ns;
    /* RL_MAX_OF */
    k8sc_ratelimiter **children;
    size_t nchildren;
};

static int rl_alloc(k8sc_ratelimiter **out, rl_kind kind)
{
    k8sc_ratelimiter *rl = k8sc__calloc(1, sizeof(*rl));
    if (!rl)
        return K8SC_ENOMEM;
    rl->kind = kind;
    pthread_mutex_init(&rl->mu, NULL);
    *out = rl;
    return 0;
}

int k8sc_ratelimiter_exponential_new(k8sc_ratelimiter **out, int64_t base_ns, int64_t max_ns)
{
    K8SC__CHECK_ARG(out);
    if (base_ns <= 0 || max_ns < base_ns)
        return k8sc_error_set(K8SC_EINVAL,
                              "exponential rate limiter: need 0 < base (%lld ns) <= max (%lld ns)",
                              (long long)base_ns, (long long)max_ns);
    int rc = rl_alloc(out, RL_EXPONENTIAL);
    if (rc < 0)
        return rc;
    (*out)->base_ns = base_ns;
    (*out)->max_ns = max_ns;
    return 0;
}

int k8sc_ratelimiter_bucket_new(k8sc_ratelimiter **out, k8sc_clock *clock, double qps, int burst)
{
    K8SC__CHECK_ARG(out);
    if (!(qps > 0) || !isfinite(qps) || burst < 1)
        return k8sc_error_set(K8SC_EINVAL, "bucket rate limiter: need qps > 0 (got %g) and burst >= 1 (got %d)",
                              qps, burst);
    int rc = rl_alloc(out, RL_BUCKET);
    if (rc < 0)
        return rc;
    k8sc_ratelimiter *rl = *out;
    rl->clock = clock;
    rl->qps = qps;
    rl->burst = burst;
    rl->tokens = burst;
    rl->last_ns = k8sc_clock_mono(clock);
    return 0;
}

int k8sc_ratelimiter_max_of_new(k8sc_ratelimiter **out, k8sc_ratelimiter *const *limiters, size_t n)
{
    K8SC__CHECK_ARG(out && limiters && n > 0);
    for (size_t i = 0; i < n; i++)
        if (!limiters[i])
            return k8sc_error_set(K8SC_EINVAL, "max-of rate limiter: limiter %zu is NULL", i);
    k8sc_ratelimiter **children = k8sc__calloc(n, sizeof(*children));
    if (!children)
        return K8SC_ENOMEM;
    int rc = rl_alloc(out, RL_MAX_OF);
    if (rc < 0) {
        free(children);
        return rc;
    }
    memcpy(children, limiters, n * sizeof(*children));
    (*out)->children = children;
    (*out)->nchildren = n;
    return 0;
}

int k8sc_ratelimiter_default_new(k8sc_ratelimiter **out, k8sc_clock *clock)
{
    K8SC__CHECK_ARG(out);
    k8sc_ratelimiter *parts[2] = { NULL, NULL };
    int rc = k8sc_ratelimiter_exponential_new(&parts[0], 5 * INT64_C(1000000), 1000 * INT64_C(1000000000));
    if (rc == 0)
        rc = k8sc_ratelimiter_bucket_new(&parts[1], clock, 10, 100);
    if (rc == 0)
        rc = k8sc_ratelimiter_max_of_new(out, parts, 2);
    if (rc < 0) {
        k8sc_ratelimiter_free(parts[0]);
        k8sc_ratelimiter_free(parts[1]);
    }
    return rc;
}

static int exponential_when(k8sc_ratelimiter *rl, int64_t *delay_ns, const char *key)
{
    failure_entry *e = (failure_entry *)k8sc__keymap_find(&rl->failures, key);
    if (!e) {
        e = (failure_entry *)k8sc__keymap_insert(&rl->failures, key, sizeof(*e));
        if (!e)
            return K8SC_ENOMEM;
    }
    unsigned int exp = e->failures;
    if (e->failures < UINT_MAX)
        e->failures++;
    /* ldexp saturates to infinity instead of overflowing, so the cap always applies. */
    double d = ldexp((double)rl->base_ns, exp > 4096 ? 4096 : (int)exp);
    *delay_ns = d >= (double)rl->max_ns ? rl->max_ns : (int64_t)d;
    return 0;
}

static int64_t bucket_when(k8sc_ratelimiter *rl)
{
    int64_t now = k8sc_clock_mono(rl->clock);
    if (now > rl->last_ns) {
        rl->tokens += (double)(now - rl->last_ns) * rl->qps / 1e9;
        if (rl->tokens > rl->burst)
            rl->tokens = rl->burst;
        rl->last_ns = now;
    }
    rl->tokens -= 1;
    if (rl->tokens >= 0)
        return 0;
    return (int64_t)(-rl->tokens * 1e9 / rl->qps);
}

int k8sc_ratelimiter_when(k8sc_ratelimiter *rl, int64_t *delay_ns, const char *key)
{
    K8SC__CHECK_ARG(rl && delay_ns && key);
    int rc = 0;
    if (rl->kind == RL_MAX_OF) {
        /* Every child must see the request so their counts and tokens stay in step. */
        int64_t max = 0;
        for (size_t i = 0; i < rl->nchildren && rc == 0; i++) {
            int64_t d = 0;
            rc = k8sc_ratelimiter_when(rl->children[i], &d, key);
            if (d > max)
                max = d;
        }
        *delay_ns = max;
        return rc;
    }
    pthread_mutex_lock(&rl->mu);
    if (rl->kind == RL_EXPONENTIAL)
        rc = exponential_when(rl, delay_ns, key);
    else
        *delay_ns = bucket_when(rl);
    pthread_mutex_unlock(&rl->mu);
    return rc;
}

void k8sc_ratelimiter_forget(k8sc_ratelimiter *rl, const char *key)
{
    if (!rl || !key)
        return;
    if (rl->kind == RL_MAX_OF) {
        for (size_t i = 0; i < rl->nchildren; i++)
            k8sc_ratelimiter_forget(rl->children[i], key);
        return;
    }
    if (rl->kind != RL_EXPONENTIAL)
        return;
    pthread_mutex_lock(&rl->mu);
    k8sc__keynode *n = k8sc__keymap_find(&rl->failures, key);
    if (n)
        k8sc__keymap_remove(&rl->failures, n);
    pthread_mutex_unlock(&rl->mu);
}

unsigned int k8sc_ratelimiter_num_requeues(k8sc_ratelimiter *rl, const char *key)
{
    if (!rl || !key)
        return 0;
    unsigned int max = 0;
    if (rl->kind == RL_MAX_OF) {
        for (size_t i = 0; i < rl->nchildren; i++) {
            unsigned int n = k8sc_ratelimiter_num_requeues(rl->children[i], key);
            if (n > max)
                max = n;
        }
        return max;
    }
    if (rl->kind != RL_EXPONENTIAL)
        return 0;
    pthread_mutex_lock(&rl->mu);
    failure_entry *e = (failure_entry *)k8sc__keymap_find(&rl->failures, key);
    if (e)
        max = e->failures;
    pthread_mutex_unlock(&rl->mu);
    return max;
}

void k8sc_ratelimiter_free(k8sc_ratelimiter *rl)
{
    if (!rl)
        return;
    for (size_t i = 0; i < rl->nchildren; i++)
        k8sc_ratelimiter_free(rl->children[i]);
    free(rl->children);
    k8sc__keymap_clear(&rl->failures);
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}
