/*
 * Leader election through a coordination.k8s.io/v1 Lease, after client-go's
 * tools/leaderelection (tryAcquireOrRenew, release) and its LeaseLock.
 *
 * The elector remembers the Lease record it last observed and the local
 * monotonic time it first saw that record; a record is valid until that
 * time plus the record's leaseDurationSeconds. Every write goes through
 * the resourceVersion of the Lease last read or written, so a stale
 * candidate gets a Conflict and simply loses the round.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "controller.h"
#include "internal.h"
#include "controller/controller_internal.h"

#define SEC INT64_C(1000000000)
#define LEASE_API_VERSION "coordination.k8s.io/v1"
/* wait.JitterUntil's factor in client-go's acquire loop, and the minimum ratio of renew_deadline to retry_period. */
#define JITTER_FACTOR 1.2

/* One leader election record (client-go's LeaderElectionRecord) as read from a Lease. */
typedef struct le_record {
    const char *holder;
    int64_t duration_s;
    const char *acquire_time;
    const char *renew_time;
    int64_t transitions;
} le_record;

struct k8sc_leader_elector {
    k8sc_client *client;
    char *ns, *name, *identity;
    int64_t lease_duration, renew_deadline, retry_period;
    bool release_on_cancel;
    k8sc_clock *clock;
    void (*on_started_leading)(void *userdata);
    void (*on_stopped_leading)(void *userdata);
    void (*on_new_leader)(const char *identity, void *userdata);
    void *userdata;

    /* Used only by the stepping thread. */
    k8sc_object *lease;   /* the Lease last read or written */
    char *observed_raw;   /* the record of the Lease last observed, as text */
    int64_t observed_at;  /* monotonic time observed_raw last changed */
    char *reported;       /* the holder last passed to on_new_leader */
    int64_t last_renew;   /* monotonic time of the leader's last successful renewal */
    uint64_t rng;

    pthread_mutex_t mu;
    pthread_cond_t wake;
    char *holder;         /* observed holder; NULL for none; guarded by mu */
    bool leading;         /* on_started_leading fired and on_stopped_leading not yet; guarded by mu */
    bool running, stop_requested, threaded;
    pthread_t thread;
};

int k8sc_leader_elector_options_init(k8sc_leader_elector_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts);
    if (version != K8SC_LEADER_ELECTOR_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_leader_elector_options_init: unknown version %u", version);
    k8sc_leader_elector_options init = K8SC_LEADER_ELECTOR_OPTIONS_INIT;
    *opts = init;
    return 0;
}

static int check_options(const k8sc_leader_elector_options *o, int64_t lease, int64_t renew, int64_t retry)
{
    if (o->version != K8SC_LEADER_ELECTOR_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "leader election: unknown options version %u", o->version);
    if (!o->lease_name || !*o->lease_name)
        return k8sc_error_set(K8SC_EINVAL, "leader election: lease_name is required");
    if (!o->identity || !*o->identity)
        return k8sc_error_set(K8SC_EINVAL, "leader election: identity is required");
    if (lease < 0 || renew < 0 || retry < 0)
        return k8sc_error_set(K8SC_EINVAL, "leader election: durations must not be negative");
    if (lease <= renew)
        return k8sc_error_set(K8SC_EINVAL, "leader election: lease_duration must be greater than renew_deadline");
    if ((double)renew <= JITTER_FACTOR * (double)retry)
        return k8sc_error_set(K8SC_EINVAL, "leader election: renew_deadline must be greater than retry_period*%.1f",
            JITTER_FACTOR);
    return 0;
}

int k8sc_leader_elector_new(k8sc_leader_elector **out, k8sc_client *client, const k8sc_leader_elector_options *opts)
{
    K8SC__CHECK_ARG(out);
    K8SC__CHECK_ARG(client);
    K8SC__CHECK_ARG(opts);
    int64_t lease = opts->lease_duration_ns ? opts->lease_duration_ns : 15 * SEC;
    int64_t renew = opts->renew_deadline_ns ? opts->renew_deadline_ns : 10 * SEC;
    int64_t retry = opts->retry_period_ns ? opts->retry_period_ns : 2 * SEC;
    int rc = check_options(opts, lease, renew, retry);
    if (rc < 0)
        return rc;
    k8sc_leader_elector *le = k8sc__calloc(1, sizeof(*le));
    if (!le)
        return K8SC_ENOMEM;
    const char *ns = opts->lease_namespace ? opts->lease_namespace : k8sc_client_namespace(client);
    le->ns = k8sc__strdup(ns ? ns : "default");
    le->name = k8sc__strdup(opts->lease_name);
    le->identity = k8sc__strdup(opts->identity);
    if (!le->ns || !le->name || !le->identity) {
        free(le->ns);
        free(le->name);
        free(le->identity);
        free(le);
        return K8SC_ENOMEM;
    }
    le->client = client;
    le->lease_duration = lease;
    le->renew_deadline = renew;
    le->retry_period = retry;
    le->release_on_cancel = opts->release_on_cancel;
    le->clock = opts->clock;
    le->on_started_leading = opts->on_started_leading;
    le->on_stopped_leading = opts->on_stopped_leading;
    le->on_new_leader = opts->on_new_leader;
    le->userdata = opts->userdata;
    le->rng = (uint64_t)k8sc_clock_mono(NULL) ^ (uint64_t)(uintptr_t)le;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&le->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&le->mu, NULL);
    *out = le;
    return 0;
}

void k8sc__format_micro(char *buf, size_t size, int64_t ns)
{
    int64_t sec = ns / SEC, frac = ns % SEC;
    if (frac < 0) {
        frac += SEC;
        sec--;
    }
    char whole[K8SC_TIME_BUFSIZE];
    if (k8sc_time_format(whole, sizeof(whole), sec) < 0)
        snprintf(whole, sizeof(whole), "1970-01-01T00:00:00Z");
    size_t len = strlen(whole);
    snprintf(buf, size, "%.*s.%06lldZ", (int)(len - 1), whole, (long long)(frac / 1000));
}

static le_record read_record(const k8sc_object *lease)
{
    le_record r = { NULL, 0, NULL, NULL, 0 };
    r.holder = k8sc_object_get_string(lease, "spec.holderIdentity");
    if (!r.holder)
        r.holder = "";
    k8sc_object_get_int(lease, "spec.leaseDurationSeconds", &r.duration_s);
    r.acquire_time = k8sc_object_get_string(lease, "spec.acquireTime");
    r.renew_time = k8sc_object_get_string(lease, "spec.renewTime");
    k8sc_object_get_int(lease, "spec.leaseTransitions", &r.transitions);
    return r;
}

/* The record as text, to tell whether the Lease changed since it was last observed. */
static char *record_text(const le_record *r)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s\n%lld\n%s\n%s\n%lld", r->holder, (long long)r->duration_s,
        r->acquire_time ? r->acquire_time : "", r->renew_time ? r->renew_time : "", (long long)r->transitions);
    return k8sc__buf_status(&b) == 0 ? k8sc__buf_detach(&b, NULL) : (k8sc__buf_free(&b), NULL);
}

static bool observed_is_leader(k8sc_leader_elector *le)
{
    pthread_mutex_lock(&le->mu);
    bool ours = le->holder && strcmp(le->holder, le->identity) == 0;
    pthread_mutex_unlock(&le->mu);
    return ours;
}

/* Take `lease` (a reference) as the Lease last seen; `changed` also restarts the observed time. */
static int set_observed(k8sc_leader_elector *le, k8sc_object *lease, bool changed, int64_t now)
{
    le_record r = read_record(lease);
    char *raw = record_text(&r);
    char *holder = *r.holder ? k8sc__strdup(r.holder) : NULL;
    if (!raw || (*r.holder && !holder)) {
        free(raw);
        free(holder);
        k8sc_object_free(lease);
        return K8SC_ENOMEM;
    }
    k8sc_object_free(le->lease);
    le->lease = lease;
    if (changed || !le->observed_raw || strcmp(raw, le->observed_raw) != 0) {
        free(le->observed_raw);
        le->observed_raw = raw;
        le->observed_at = now;
    } else {
        free(raw);
    }
    pthread_mutex_lock(&le->mu);
    free(le->holder);
    le->holder = holder;
    pthread_mutex_unlock(&le->mu);
    return 0;
}

/* client-go's isLeaseValid: observed time plus the record's duration is still ahead of now. */
static bool lease_valid(const k8sc_leader_elector *le, int64_t now)
{
    if (!le->lease)
        return false;
    le_record r = read_record(le->lease);
    return le->observed_at + r.duration_s * SEC > now;
}

static int64_t duration_seconds(const k8sc_leader_elector *le)
{
    return (le->lease_duration + SEC - 1) / SEC;
}

static int write_record(k8sc_object *lease, const char *holder, int64_t duration_s, const char *acquire,
    const char *renew, int64_t transitions)
{
    int rc = k8sc_object_set_string(lease, "spec.holderIdentity", holder);
    if (rc == 0)
        rc = k8sc_object_set_int(lease, "spec.leaseDurationSeconds", duration_s);
    if (rc == 0)
        rc = k8sc_object_set_string(lease, "spec.acquireTime", acquire);
    if (rc == 0)
        rc = k8sc_object_set_string(lease, "spec.renewTime", renew);
    if (rc == 0)
        rc = k8sc_object_set_int(lease, "spec.leaseTransitions", transitions);
    return rc;
}

/* Write `base` (the Lease last seen) with a new record; on success it becomes the observed Lease. */
static int update_lease(k8sc_leader_elector *le, const k8sc_object *base, const char *holder, int64_t duration_s,
    const char *acquire, const char *renew, int64_t transitions, int64_t now)
{
    k8sc_object *copy = NULL, *updated = NULL;
    int rc = k8sc_object_dup(&copy, base);
    if (rc < 0)
        return rc;
    rc = write_record(copy, holder, duration_s, acquire, renew, transitions);
    if (rc == 0)
        rc = k8sc_client_update(&updated, le->client, copy);
    k8sc_object_free(copy);
    if (rc < 0)
        return rc;
    return set_observed(le, updated, true, now);
}

static int create_lease(k8sc_leader_elector *le, const char *stamp, int64_t now)
{
    k8sc_object *lease = NULL, *created = NULL;
    int rc = k8sc_object_new(&lease, LEASE_API_VERSION, "Lease");
    if (rc == 0)
        rc = k8sc_object_set_name(lease, le->name);
    if (rc == 0)
        rc = k8sc_object_set_namespace(lease, le->ns);
    if (rc == 0)
        rc = write_record(lease, le->identity, duration_seconds(le), stamp, stamp, 0);
    if (rc == 0)
        rc = k8sc_client_create(&created, le->client, lease);
    k8sc_object_free(lease);
    if (rc < 0)
        return rc;
    return set_observed(le, created, true, now);
}

static void log_write_error(const k8sc_leader_elector *le, const char *what, int rc)
{
    /* A conflict only means another candidate wrote first: expected, not worth a warning. */
    k8sc_log(rc == K8SC_ECONFLICT ? K8SC_LOG_DEBUG : K8SC_LOG_WARN, "leaderelection: %s lease %s/%s: %s", what,
        le->ns, le->name, k8sc_error_last());
}

/* client-go's tryAcquireOrRenew: true if this candidate holds the Lease afterwards. */
static bool try_acquire_or_renew(k8sc_leader_elector *le)
{
    int64_t now = k8sc_clock_mono(le->clock);
    char stamp[K8SC_TIME_BUFSIZE + 8];
    k8sc__format_micro(stamp, sizeof(stamp), k8sc_clock_now(le->clock));
    int rc;

    /* Fast path: the leader renews optimistically from the Lease it wrote last. */
    if (observed_is_leader(le) && lease_valid(le, now)) {
        le_record old = read_record(le->lease);
        const char *acquired = old.acquire_time ? old.acquire_time : stamp;
        rc = update_lease(le, le->lease, le->identity, duration_seconds(le), acquired, stamp, old.transitions, now);
        if (rc == 0)
            return true;
        log_write_error(le, "failed to renew optimistically, falling back to a read of", rc);
    }

    k8sc_object *got = NULL;
    rc = k8sc_client_get(&got, le->client, LEASE_API_VERSION, "Lease", le->ns, le->name);
    if (rc == K8SC_ENOTFOUND) {
        rc = create_lease(le, stamp, now);
        if (rc < 0)
            log_write_error(le, "failed to create", rc);
        return rc == 0;
    }
    if (rc < 0) {
        k8sc_log(K8SC_LOG_WARN, "leaderelection: error retrieving lease %s/%s: %s", le->ns, le->name,
            k8sc_error_last());
        return false;
    }
    if (set_observed(le, got, false, now) < 0)
        return false;
    le_record old = read_record(le->lease);
    bool ours = observed_is_leader(le);
    if (*old.holder && lease_valid(le, now) && !ours)
        return false;
    rc = update_lease(le, le->lease, le->identity, duration_seconds(le),
        ours && old.acquire_time ? old.acquire_time : stamp, stamp, ours ? old.transitions : old.transitions + 1, now);
    if (rc < 0) {
        log_write_error(le, "failed to update", rc);
        return false;
    }
    return true;
}

/* client-go's maybeReportTransition: tell on_new_leader about a holder not reported yet. */
static void report_transition(k8sc_leader_elector *le)
{
    pthread_mutex_lock(&le->mu);
    char *holder = le->holder ? k8sc__strdup(le->holder) : NULL;
    pthread_mutex_unlock(&le->mu);
    if (!holder || (le->reported && strcmp(le->reported, holder) == 0)) {
        free(holder);
        return;
    }
    free(le->reported);
    le->reported = holder;
    k8sc_log(K8SC_LOG_INFO, "leaderelection: new leader of lease %s/%s: %s", le->ns, le->name, holder);
    if (le->on_new_leader)
        le->on_new_leader(holder, le->userdata);
}

static void set_leading(k8sc_leader_elector *le, bool leading)
{
    pthread_mutex_lock(&le->mu);
    le->leading = leading;
    pthread_mutex_unlock(&le->mu);
    if (leading) {
        k8sc_log(K8SC_LOG_INFO, "leaderelection: %s acquired lease %s/%s", le->identity, le->ns, le->name);
        if (le->on_started_leading)
            le->on_started_leading(le->userdata);
    } else {
        k8sc_log(K8SC_LOG_INFO, "leaderelection: %s stopped leading lease %s/%s", le->identity, le->ns, le->name);
        if (le->on_stopped_leading)
            le->on_stopped_leading(le->userdata);
    }
}

static bool is_leading(k8sc_leader_elector *le)
{
    pthread_mutex_lock(&le->mu);
    bool leading = le->leading;
    pthread_mutex_unlock(&le->mu);
    return leading;
}

/* retry_period stretched by up to JITTER_FACTOR, so candidates do not retry in lock step. */
static int64_t jittered_retry(k8sc_leader_elector *le)
{
    le->rng ^= le->rng << 13;
    le->rng ^= le->rng >> 7;
    le->rng ^= le->rng << 17;
    double frac = (double)(le->rng >> 11) / (double)(UINT64_C(1) << 53);
    return le->retry_period + (int64_t)(frac * JITTER_FACTOR * (double)le->retry_period);
}

static int ns_to_ms(int64_t ns)
{
    if (ns <= 0)
        return 0;
    int64_t ms = (ns + 999999) / 1000000;
    return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

static int step(k8sc_leader_elector *le)
{
    bool leading = is_leading(le);
    bool held = try_acquire_or_renew(le);
    int64_t now = k8sc_clock_mono(le->clock);
    report_transition(le);
    if (held) {
        le->last_renew = now;
        if (!leading)
            set_leading(le, true);
        return ns_to_ms(le->retry_period);
    }
    if (!leading)
        return ns_to_ms(jittered_retry(le));
    /* Someone else holds the Lease: stop at once rather than wait out the deadline. */
    bool taken = !observed_is_leader(le) && le->lease && *read_record(le->lease).holder;
    int64_t left = le->last_renew + le->renew_deadline - now;
    if (taken || left <= 0) {
        if (!taken)
            k8sc_log(K8SC_LOG_WARN, "leaderelection: failed to renew lease %s/%s within the renew deadline", le->ns,
                le->name);
        set_leading(le, false);
        return ns_to_ms(jittered_retry(le));
    }
    return ns_to_ms(left < le->retry_period ? left : le->retry_period);
}

static bool running(k8sc_leader_elector *le)
{
    pthread_mutex_lock(&le->mu);
    bool r = le->running;
    pthread_mutex_unlock(&le->mu);
    return r;
}

int k8sc_leader_elector_step(k8sc_leader_elector *le, int *next_ms)
{
    K8SC__CHECK_ARG(le);
    if (running(le))
        return k8sc_error_set(K8SC_EINVAL, "k8sc_leader_elector_step: the elector runs on its own thread");
    int ms = step(le);
    if (next_ms)
        *next_ms = ms;
    return 0;
}

/* client-go's release: an empty holder with a one-second duration, keeping the transition count. */
static int release(k8sc_leader_elector *le)
{
    int rc = 0;
    if (observed_is_leader(le) && le->lease) {
        char stamp[K8SC_TIME_BUFSIZE + 8];
        k8sc__format_micro(stamp, sizeof(stamp), k8sc_clock_now(le->clock));
        rc = update_lease(le, le->lease, "", 1, stamp, stamp, read_record(le->lease).transitions,
            k8sc_clock_mono(le->clock));
        if (rc < 0)
            log_write_error(le, "failed to release", rc);
    }
    if (is_leading(le))
        set_leading(le, false);
    return rc;
}

int k8sc_leader_elector_release(k8sc_leader_elector *le)
{
    K8SC__CHECK_ARG(le);
    if (running(le))
        return k8sc_error_set(K8SC_EINVAL, "k8sc_leader_elector_release: the elector runs on its own thread");
    return release(le);
}

static int64_t real_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
}

/* Step until asked to stop, then release or just stop leading. */
static void run_loop(k8sc_leader_elector *le)
{
    for (;;) {
        int ms = step(le);
        int64_t deadline = real_mono_ns() + (int64_t)ms * 1000000;
        struct timespec ts = { (time_t)(deadline / SEC), (long)(deadline % SEC) };
        pthread_mutex_lock(&le->mu);
        while (!le->stop_requested && real_mono_ns() < deadline)
            pthread_cond_timedwait(&le->wake, &le->mu, &ts);
        bool stop = le->stop_requested;
        pthread_mutex_unlock(&le->mu);
        if (stop)
            break;
    }
    if (le->release_on_cancel)
        release(le);
    else if (is_leading(le))
        set_leading(le, false);
    pthread_mutex_lock(&le->mu);
    le->running = false;
    pthread_mutex_unlock(&le->mu);
}

static int claim_run(k8sc_leader_elector *le, const char *fn)
{
    pthread_mutex_lock(&le->mu);
    if (le->running) {
        pthread_mutex_unlock(&le->mu);
        return k8sc_error_set(K8SC_EINVAL, "%s: the elector is already running", fn);
    }
    le->running = true;
    le->stop_requested = false;
    pthread_mutex_unlock(&le->mu);
    return 0;
}

int k8sc_leader_elector_run(k8sc_leader_elector *le)
{
    K8SC__CHECK_ARG(le);
    int rc = claim_run(le, "k8sc_leader_elector_run");
    if (rc < 0)
        return rc;
    run_loop(le);
    return 0;
}

static void *thread_main(void *arg)
{
    run_loop(arg);
    return NULL;
}

int k8sc_leader_elector_start(k8sc_leader_elector *le)
{
    K8SC__CHECK_ARG(le);
    int rc = claim_run(le, "k8sc_leader_elector_start");
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&le->mu);
    int err = pthread_create(&le->thread, NULL, thread_main, le);
    le->threaded = err == 0;
    if (err)
        le->running = false;
    pthread_mutex_unlock(&le->mu);
    if (err)
        return k8sc_error_set(K8SC_EIO, "k8sc_leader_elector_start: pthread_create: %s", strerror(err));
    return 0;
}

void k8sc_leader_elector_stop(k8sc_leader_elector *le)
{
    if (!le)
        return;
    pthread_mutex_lock(&le->mu);
    le->stop_requested = true;
    pthread_cond_broadcast(&le->wake);
    bool join = le->threaded;
    le->threaded = false;
    pthread_mutex_unlock(&le->mu);
    if (join)
        pthread_join(le->thread, NULL);
}

bool k8sc_leader_elector_is_leader(k8sc_leader_elector *le)
{
    return le && is_leading(le);
}

int k8sc_leader_elector_leader(char **out, k8sc_leader_elector *le)
{
    K8SC__CHECK_ARG(out);
    K8SC__CHECK_ARG(le);
    pthread_mutex_lock(&le->mu);
    char *copy = le->holder ? k8sc__strdup(le->holder) : NULL;
    bool failed = le->holder && !copy;
    pthread_mutex_unlock(&le->mu);
    if (failed)
        return K8SC_ENOMEM;
    *out = copy;
    return 0;
}

void k8sc_leader_elector_free(k8sc_leader_elector *le)
{
    if (!le)
        return;
    k8sc_leader_elector_stop(le);
    if (le->release_on_cancel)
        release(le);
    else if (is_leading(le))
        set_leading(le, false);
    k8sc_object_free(le->lease);
    free(le->observed_raw);
    free(le->reported);
    free(le->holder);
    free(le->ns);
    free(le->name);
    free(le->identity);
    pthread_cond_destroy(&le->wake);
    pthread_mutex_destroy(&le->mu);
    free(le);
}
