/*
 * NodeResourcesFit's score (kube-scheduler 1.32's resourceAllocationScorer):
 * LeastAllocated, MostAllocated or RequestedToCapacityRatio over the
 * profile's resources and weights. cpu and memory count pods that request
 * none at the scheduler's defaults; other resources as requested.
 */
#include <math.h>
#include <string.h>

#include "sched.h"

#define MAX_SCORE 100
#define MAX_UTILIZATION 100
#define MAX_CUSTOM_SCORE 10

static int64_t least_requested(int64_t requested, int64_t capacity)
{
    if (capacity == 0 || requested > capacity)
        return 0;
    return (capacity - requested) * MAX_SCORE / capacity;
}

static int64_t most_requested(int64_t requested, int64_t capacity)
{
    if (capacity == 0)
        return 0;
    if (requested > capacity)
        requested = capacity;
    return requested * MAX_SCORE / capacity;
}

/* helper.BuildBrokenLinearFunction over the profile's shape, scores scaled from 0..10 to 0..100. */
static int64_t broken_linear(const k8sc__sched_profile *prof, int64_t u)
{
    const int64_t scale = MAX_SCORE / MAX_CUSTOM_SCORE;
    for (size_t i = 0; i < prof->nshape; i++) {
        if (u > prof->shape[i].utilization)
            continue;
        if (i == 0)
            return prof->shape[0].score * scale;
        int64_t s0 = prof->shape[i - 1].score * scale, s1 = prof->shape[i].score * scale;
        int64_t u0 = prof->shape[i - 1].utilization, u1 = prof->shape[i].utilization;
        return s0 + (s1 - s0) * (u - u0) / (u1 - u0);
    }
    return prof->nshape ? prof->shape[prof->nshape - 1].score * scale : 0;
}

static int64_t ratio_score(const k8sc__sched_profile *prof, int64_t requested, int64_t capacity)
{
    if (capacity == 0 || requested > capacity)
        return broken_linear(prof, MAX_UTILIZATION);
    return broken_linear(prof, requested * MAX_UTILIZATION / capacity);
}

/* calculateResourceAllocatableRequest: false when the resource is left out of the score. */
static bool alloc_request(const k8sc__sched_pod *p, const k8sc__sched_node *n, const char *name, int64_t *alloc,
    int64_t *req)
{
    if (strcmp(name, "cpu") == 0) {
        *alloc = n->alloc_cpu;
        *req = n->nonzero_cpu + p->nonzero_cpu;
    } else if (strcmp(name, "memory") == 0) {
        *alloc = n->alloc_mem;
        *req = n->nonzero_mem + p->nonzero_mem;
    } else {
        int64_t want = p->other_resources ? k8sc__sched_int_of(p->requests, name) : 0;
        bool scalar = k8sc__sched_scalar_resource(name);
        if ((want == 0 && scalar) || (!scalar && strcmp(name, "ephemeral-storage") != 0))
            return false;
        if (scalar && k8sc_resources_get(n->allocatable, name, NULL) != 0)
            return false;
        *alloc = k8sc__sched_int_of(n->allocatable, name);
        *req = k8sc__sched_int_of(n->requested, name) + want;
    }
    return *alloc != 0;
}

int64_t k8sc__sched_fit_score(const k8sc__sched_profile *prof, const k8sc__sched_pod *p, const k8sc__sched_node *n)
{
    int64_t sum = 0, weights = 0;
    for (size_t i = 0; i < prof->nresources; i++) {
        int64_t alloc, req;
        if (!alloc_request(p, n, prof->resources[i].name, &alloc, &req))
            continue;
        int64_t w = prof->resources[i].weight, s;
        switch (prof->strategy) {
        case K8SC__SCHED_MOST_ALLOCATED:
            s = most_requested(req, alloc);
            break;
        case K8SC__SCHED_REQUESTED_TO_CAPACITY_RATIO:
            s = ratio_score(prof, req, alloc);
            /* Resources scoring 0 do not count towards the weights here. */
            if (s <= 0)
                continue;
            break;
        default:
            s = least_requested(req, alloc);
            break;
        }
        sum += s * w;
        weights += w;
    }
    if (weights == 0)
        return 0;
    if (prof->strategy == K8SC__SCHED_REQUESTED_TO_CAPACITY_RATIO)
        return (int64_t)round((double)sum / (double)weights);
    return sum / weights;
}
