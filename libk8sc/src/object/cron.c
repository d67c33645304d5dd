/*
 * CronJob schedule times: robfig/cron/v3's SpecSchedule.Next and
 * ConstantDelaySchedule.Next, and the CronJob controller's
 * mostRecentScheduleTime (pkg/controller/cronjob/utils.go, 1.32).
 */
#include "object.h"
#include "cron_internal.h"
#include "internal.h"

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define MIN_SEC INT64_C(-62135596800)
#define MAX_SEC INT64_C(253402300799)

/*
 * robfig searches until its running time is five years past the start;
 * every legitimate search ends well within this many steps, so more means
 * a zone whose wall clock makes robfig's field walk go round in circles.
 */
#define MAX_STEPS 1000000

static bool has(uint64_t bits, int v)
{
    return (bits >> v) & 1;
}

static bool day_matches(const k8sc_cron *c, const k8sc__civil *t)
{
    bool dom = has(c->dom, t->day), dow = has(c->dow, t->weekday);
    if ((c->dom | c->dow) & K8SC__CRON_STAR)
        return dom && dow;
    return dom || dow;
}

/* A schedule no time can satisfy: robfig would search its five years and give up. */
static bool never(const k8sc_cron *c)
{
    const uint64_t vals = ~K8SC__CRON_STAR;
    bool dom = c->dom & vals, dow = c->dow & vals;
    bool day = ((c->dom | c->dow) & K8SC__CRON_STAR) ? dom && dow : dom || dow;
    return !(c->second & vals) || !(c->minute & vals) || !(c->hour & vals) || !(c->month & vals) || !day;
}

static int64_t floor_mod(int64_t a, int64_t m)
{
    int64_t r = a % m;
    return r < 0 ? r + m : r;
}

/* robfig's SpecSchedule.Next, step by step in the schedule's wall time. */
static int spec_next(const k8sc_cron *c, int64_t after, int64_t *out)
{
    if (never(c))
        return K8SC_ENOTFOUND;
    const k8sc__tz *tz = c->tz;
    int64_t t = after + 1;
    bool added = false;
    k8sc__civil v;
    k8sc__tz_civil(&v, tz, t);
    int64_t year_limit = v.year + 5;
    long steps = 0;

wrap:
    if (++steps > MAX_STEPS)
        return K8SC_ENOTFOUND;
    k8sc__tz_civil(&v, tz, t);
    if (v.year > year_limit)
        return K8SC_ENOTFOUND;

    while (!has(c->month, v.month)) {
        if (!added) {
            added = true;
            t = k8sc__tz_date(tz, v.year, v.month, 1, 0, 0, 0);
            k8sc__tz_civil(&v, tz, t);
        }
        t = k8sc__tz_date(tz, v.year, v.month + 1, v.day, v.hour, v.minute, v.second);
        k8sc__tz_civil(&v, tz, t);
        if (v.month == 1)
            goto wrap;
    }

    while (!day_matches(c, &v)) {
        if (++steps > MAX_STEPS)
            return K8SC_ENOTFOUND;
        if (!added) {
            added = true;
            t = k8sc__tz_date(tz, v.year, v.month, v.day, 0, 0, 0);
            k8sc__tz_civil(&v, tz, t);
        }
        t = k8sc__tz_date(tz, v.year, v.month, v.day + 1, v.hour, v.minute, v.second);
        k8sc__tz_civil(&v, tz, t);
        /* A midnight that does not exist lands on 23:00 or 01:00; robfig steers back to the hour. */
        if (v.hour != 0) {
            t += v.hour > 12 ? (int64_t)(24 - v.hour) * 3600 : -(int64_t)v.hour * 3600;
            k8sc__tz_civil(&v, tz, t);
        }
        if (v.day == 1)
            goto wrap;
    }

    while (!has(c->hour, v.hour)) {
        if (++steps > MAX_STEPS)
            return K8SC_ENOTFOUND;
        if (!added) {
            added = true;
            t = k8sc__tz_date(tz, v.year, v.month, v.day, v.hour, 0, 0);
        }
        t += 3600;
        k8sc__tz_civil(&v, tz, t);
        if (v.hour == 0)
            goto wrap;
    }

    while (!has(c->minute, v.minute)) {
        if (!added) {
            added = true;
            /* time.Truncate(time.Minute) counts from the zero time, not the wall clock. */
            t -= floor_mod(t, 60);
        }
        t += 60;
        k8sc__tz_civil(&v, tz, t);
        if (v.minute == 0)
            goto wrap;
    }

    while (!has(c->second, v.second)) {
        added = true;
        t += 1;
        k8sc__tz_civil(&v, tz, t);
        if (v.second == 0)
            goto wrap;
    }
    *out = t;
    return 0;
}

/* Next without argument checks; ENOTFOUND for robfig's zero time. */
static int next_time(const k8sc_cron *c, int64_t after, int64_t *out)
{
    if (c->every) {
        *out = after + c->delay;
        return 0;
    }
    return spec_next(c, after, out);
}

static int check_time(const char *what, int64_t t)
{
    if (t < MIN_SEC || t > MAX_SEC)
        return k8sc_error_set(K8SC_EINVAL, "%s %lld is outside the years 1-9999", what, (long long)t);
    return 0;
}

static int not_found(int64_t after)
{
    return k8sc_error_set(K8SC_ENOTFOUND, "schedule has no time within five years after %lld", (long long)after);
}

int k8sc_cron_next(int64_t *out, const k8sc_cron *c, int64_t after)
{
    K8SC__CHECK_ARG(out);
    K8SC__CHECK_ARG(c);
    int rc = check_time("time", after);
    if (rc < 0)
        return rc;
    if (next_time(c, after, out) < 0)
        return not_found(after);
    return 0;
}

static int too_close(void)
{
    return k8sc_error_set(K8SC_EINVAL, "time difference between two schedules is less than 1 second");
}

int k8sc_cron_most_recent(k8sc_cron_schedule_times *out, const k8sc_cron *c, int64_t earliest, int64_t now,
                          int64_t starting_deadline_seconds)
{
    K8SC__CHECK_ARG(out);
    K8SC__CHECK_ARG(c);
    int rc;
    if ((rc = check_time("earliest time", earliest)) < 0 || (rc = check_time("now", now)) < 0)
        return rc;
    *out = (k8sc_cron_schedule_times){ 0 };
    /* The controller schedules nothing before now - startingDeadlineSeconds. */
    if (starting_deadline_seconds >= 0 && starting_deadline_seconds <= now - MIN_SEC &&
        now - starting_deadline_seconds > earliest)
        earliest = now - starting_deadline_seconds;
    out->earliest = earliest;

    int64_t t1, t2;
    if (next_time(c, earliest, &t1) < 0)
        return too_close();
    if (now < t1) {
        out->next = t1;
        return 0;
    }
    bool have_t2 = next_time(c, t1, &t2) == 0;
    if (have_t2 && now < t2) {
        out->has_most_recent = true;
        out->most_recent = t1;
        out->missed = 1;
        out->next = t2;
        return 0;
    }
    if (!have_t2 || t2 - t1 < 1)
        return too_close();

    /*
     * The controller's estimate: how many intervals of the first two start
     * times fit between the first one and now. It then walks the schedule
     * from two intervals before the estimated last start, which also
     * settles schedules whose intervals are uneven ("30 6-16/4 * * 1-5").
     */
    int64_t interval = t2 - t1;
    int64_t missed = (now - t1) / interval + 1;
    int64_t t = t1 + (missed - 2) * interval;
    bool found = false;
    int64_t next = 0;
    int nrc;
    while ((nrc = next_time(c, t, &next)) == 0 && next <= now) {
        found = true;
        t = next;
    }
    out->missed = missed;
    out->missed_kind = missed > 100 ? K8SC_CRON_MANY_MISSED : K8SC_CRON_FEW_MISSED;
    out->has_most_recent = found;
    out->most_recent = found ? t : 0;
    if (found) {
        if (nrc < 0)
            return not_found(t);
        out->next = next;
        return 0;
    }
    /* Nothing found although start times were missed: the controller aims at the next one after now. */
    if (next_time(c, now, &out->next) < 0)
        return not_found(now);
    return 0;
}
