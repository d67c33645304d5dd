#include "internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

struct k8sc_clock {
    bool fake;
    _Atomic int64_t real_ns;
    _Atomic int64_t mono_ns;
};

static k8sc_clock system_clock = { false, 0, 0 };

k8sc_clock *k8sc_clock_system(void)
{
    return &system_clock;
}

int k8sc_clock_fake_new(k8sc_clock **out, int64_t real_ns)
{
    K8SC__CHECK_ARG(out);
    k8sc_clock *c = k8sc__calloc(1, sizeof(*c));
    if (!c)
        return K8SC_ENOMEM;
    c->fake = true;
    atomic_store(&c->real_ns, real_ns);
    atomic_store(&c->mono_ns, 0);
    *out = c;
    return 0;
}

int k8sc_clock_fake_advance(k8sc_clock *clock, int64_t delta_ns)
{
    K8SC__CHECK_ARG(clock && clock->fake && delta_ns >= 0);
    atomic_fetch_add(&clock->real_ns, delta_ns);
    atomic_fetch_add(&clock->mono_ns, delta_ns);
    return 0;
}

static int64_t read_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t k8sc_clock_now(const k8sc_clock *clock)
{
    if (clock && clock->fake)
        return atomic_load(&((k8sc_clock *)clock)->real_ns);
    return read_clock(CLOCK_REALTIME);
}

int64_t k8sc_clock_mono(const k8sc_clock *clock)
{
    if (clock && clock->fake)
        return atomic_load(&((k8sc_clock *)clock)->mono_ns);
    return read_clock(CLOCK_MONOTONIC);
}

void k8sc_clock_free(k8sc_clock *clock)
{
    if (clock && clock->fake)
        free(clock);
}

int64_t k8sc__mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void k8sc__deadline_after_ms(struct timespec *ts, clockid_t clock, int ms)
{
    clock_gettime(clock, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}
