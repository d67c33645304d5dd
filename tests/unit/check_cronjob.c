/*
 * The CronJob controller on a fake clock (never sleeping): Jobs at each
 * start time with their deterministic names, concurrency policies,
 * suspend, startingDeadlineSeconds, history limits, time zones and
 * broken schedules reported as Events.
 */
#include "ctltest.h"
#include "testutil.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static ctltest T;
static k8sc_event_recorder *rec;

/* 2023-11-14T22:13:20Z: the harness' clock. */
#define START 1700000000LL

static void setup(void)
{
    ct_setup(&T);
    T.kubelet = false;
    ck_assert_int_eq(k8sc_event_recorder_new(&rec, T.client, "cronjob-controller", NULL, T.clock), 0);
    k8sc_builtin_options o = ct_options(&T);
    o.recorder = rec;
    k8sc_controller *c;
    ck_assert_int_eq(k8sc_cronjob_controller_new(&c, T.client, &o), 0);
    ck_assert_str_eq(k8sc_controller_name(c), "cronjob-controller");
    ct_add(&T, c);
}

static void teardown(void)
{
    for (int i = 0; i < T.nctls; i++)
        k8sc_controller_free(T.ctls[i]);
    T.nctls = 0;
    k8sc_event_recorder_free(rec);
    ct_teardown(&T);
}

static void create_cronjob(const char *name, const char *schedule, const char *extra)
{
    char json[1024];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"batch/v1\",\"kind\":\"CronJob\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\"},"
        "\"spec\":{\"schedule\":\"%s\"%s,\"jobTemplate\":{\"metadata\":{\"labels\":{\"cron\":\"%s\"}},"
        "\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}}}",
        name, schedule, extra, name);
    ct_create(&T, json);
}

/*
 * Advance the fake clock to one second past `t` (unix seconds: the
 * controller wakes 100 ms after a start time) and let the controller work.
 */
static void at(int64_t t)
{
    int64_t now = k8sc_clock_now(T.clock), target = (t + 1) * CT_SEC;
    if (target > now)
        k8sc_clock_fake_advance(T.clock, target - now);
    ct_settle(&T);
}

/* Names of the Jobs labelled cron=`name`, sorted, space-separated. */
static const char *jobs(const char *name)
{
    static char out[512];
    char sel[64];
    snprintf(sel, sizeof(sel), "cron=%s", name);
    k8sc_object *list = ct_list(&T, "batch/v1", "Job", sel);
    struct json_object *items = k8sc_object_get(list, "items");
    const char *names[16];
    size_t n = json_object_array_length(items);
    for (size_t i = 0; i < n && i < 16; i++)
        names[i] = json_object_get_string(
            json_object_object_get(json_object_object_get(json_object_array_get_idx(items, i), "metadata"), "name"));
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(out, i ? " " : "");
        strcat(out, names[i]);
    }
    k8sc_object_free(list);
    return out;
}

/* Mark a Job finished (Complete or Failed) as the Job controller would. */
static void finish(const char *name, const char *type, int64_t t)
{
    k8sc_object *job = ct_get(&T, "batch/v1", "Job", name);
    char ts[K8SC_TIME_BUFSIZE];
    k8sc_time_format(ts, sizeof(ts), t);
    bool ok = strcmp(type, "Complete") == 0;
    struct json_object *st = json_object_new_object(), *conds = json_object_new_array(), *c = json_object_new_object();
    json_object_object_add(st, "startTime", json_object_new_string(ts));
    /* completionTime goes with Complete only. */
    if (ok)
        json_object_object_add(st, "completionTime", json_object_new_string(ts));
    json_object_object_add(st, ok ? "succeeded" : "failed", json_object_new_int(1));
    json_object_object_add(c, "type", json_object_new_string(type));
    json_object_object_add(c, "status", json_object_new_string("True"));
    json_object_object_add(c, "lastTransitionTime", json_object_new_string(ts));
    json_object_array_add(conds, c);
    json_object_object_add(st, "conditions", conds);
    ck_assert_int_eq(k8sc_object_set(job, "status", st), 0);
    ck_assert_msg(k8sc_client_update_status(NULL, T.client, job) == 0, "%s", k8sc_error_last());
    k8sc_object_free(job);
}

/* The reasons of the Events about `name`, sorted (events of one instant have no order), joined by spaces. */
static const char *events(const char *name)
{
    static char out[1024];
    ck_assert_int_eq(k8sc_event_recorder_flush(rec, 5000), 0);
    k8sc_object *list = ct_list(&T, "v1", "Event", NULL);
    struct json_object *items = k8sc_object_get(list, "items");
    const char *reasons[32];
    size_t n = 0;
    for (size_t i = 0; i < json_object_array_length(items) && n < 32; i++) {
        struct json_object *e = json_object_array_get_idx(items, i);
        const char *about = json_object_get_string(json_object_object_get(json_object_object_get(e, "involvedObject"), "name"));
        if (strcmp(about, name) == 0)
            reasons[n++] = json_object_get_string(json_object_object_get(e, "reason"));
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(reasons[j - 1], reasons[j]) > 0; j--) {
            const char *t = reasons[j];
            reasons[j] = reasons[j - 1];
            reasons[j - 1] = t;
        }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(out, i ? " " : "");
        strcat(out, reasons[i]);
    }
    k8sc_object_free(list);
    return out;
}

START_TEST(starts_jobs_at_schedule_times)
{
    /* Every 5 minutes; created at 22:13:20, so the first start is 22:15:00. */
    create_cronjob("every5", "*/5 * * * *", "");
    ct_settle(&T);
    ck_assert_str_eq(jobs("every5"), "");
    at(START + 98);
    ck_assert_str_eq(jobs("every5"), "");
    at(START + 100);
    char want[64];
    snprintf(want, sizeof(want), "every5-%lld", (START + 100) / 60);
    ck_assert_str_eq(jobs("every5"), want);
    k8sc_object *cj = ct_get(&T, "batch/v1", "CronJob", "every5");
    ck_assert_str_eq(k8sc_object_get_string(cj, "status.lastScheduleTime"), "2023-11-14T22:15:00Z");
    ck_assert_str_eq(k8sc_object_get_string(cj, "status.active[0].name"), want);
    k8sc_object_free(cj);
    k8sc_object *job = ct_get(&T, "batch/v1", "Job", want);
    ck_assert_str_eq(k8sc_object_meta_get(job, K8SC_ANNOTATIONS, "batch.kubernetes.io/cronjob-scheduled-timestamp"),
        "2023-11-14T22:15:00Z");
    k8sc_owner_ref ref;
    ck_assert_int_eq(k8sc_object_controller_ref(&ref, job), 0);
    ck_assert_str_eq(ref.kind, "CronJob");
    k8sc_object_free(job);
    /* Allow (the default): the next start runs beside the active one. */
    finish(want, "Complete", START + 130);
    at(START + 400);
    ck_assert_uint_eq(ct_count(&T, "batch/v1", "Job", "cron=every5"), 2);
    cj = ct_get(&T, "batch/v1", "CronJob", "every5");
    ck_assert_str_eq(k8sc_object_get_string(cj, "status.lastSuccessfulTime"), "2023-11-14T22:15:30Z");
    /* The finished Job left status.active. */
    ck_assert_uint_eq(json_object_array_length(k8sc_object_get(cj, "status.active")), 1);
    k8sc_object_free(cj);
    ck_assert_str_eq(events("every5"), "SawCompletedJob SuccessfulCreate SuccessfulCreate");
}
END_TEST

START_TEST(forbid_and_replace)
{
    create_cronjob("forbid", "* * * * *", ",\"concurrencyPolicy\":\"Forbid\"");
    create_cronjob("replace", "* * * * *", ",\"concurrencyPolicy\":\"Replace\"");
    at(START + 40); /* 22:14:00 */
    ck_assert_uint_eq(ct_count(&T, "batch/v1", "Job", "cron=forbid"), 1);
    ck_assert_uint_eq(ct_count(&T, "batch/v1", "Job", "cron=replace"), 1);
    at(START + 100); /* 22:15:00: the first ones still run */
    ck_assert_uint_eq(ct_count(&T, "batch/v1", "Job", "cron=forbid"), 1);
    char want[64];
    snprintf(want, sizeof(want), "replace-%lld", (START + 100) / 60);
    ck_assert_str_eq(jobs("replace"), want);
    ck_assert_str_eq(events("forbid"), "JobAlreadyActive SuccessfulCreate");
    ck_assert_str_eq(events("replace"), "SuccessfulCreate SuccessfulCreate SuccessfulDelete");
}
END_TEST

START_TEST(suspend_and_starting_deadline)
{
    create_cronjob("late", "0 * * * *", ",\"startingDeadlineSeconds\":60,\"suspend\":true");
    at(START + 2800); /* 23:00:00 passes while suspended */
    ck_assert_str_eq(jobs("late"), "");
    at(START + 2900); /* 23:01:40: resumed too late for 23:00 */
    ct_patch(&T, "batch/v1", "CronJob", "late", "{\"spec\":{\"suspend\":false}}");
    ct_settle(&T);
    /* Only start times within the last startingDeadlineSeconds count: 23:00 is not started late. */
    ck_assert_str_eq(jobs("late"), "");
    at(START + 6400 + 30); /* 00:00:30: within the deadline */
    char want[64];
    snprintf(want, sizeof(want), "late-%lld", (START + 6400) / 60);
    ck_assert_str_eq(jobs("late"), want);
}
END_TEST

START_TEST(history_limits)
{
    create_cronjob("hist", "* * * * *", ",\"successfulJobsHistoryLimit\":2,\"failedJobsHistoryLimit\":1");
    int64_t t = START + 40;
    for (int i = 0; i < 4; i++, t += 60) {
        at(t);
        char name[64];
        snprintf(name, sizeof(name), "hist-%lld", (long long)(t / 60));
        finish(name, i == 3 ? "Failed" : "Complete", t + 10);
    }
    at(t + 1);
    ct_settle(&T);
    /* Complete: 3 made, 2 kept (the newest); Failed: 1 kept; plus the one just started. */
    char want[128];
    snprintf(want, sizeof(want), "hist-%lld hist-%lld hist-%lld hist-%lld", (long long)((START + 100) / 60),
        (long long)((START + 160) / 60), (long long)((START + 220) / 60), (long long)((START + 280) / 60));
    ck_assert_str_eq(jobs("hist"), want);
}
END_TEST

START_TEST(time_zones)
{
    /* 23:00 in Kolkata (UTC+5:30) is 17:30 UTC; the clock starts at 22:13 UTC, so the next is tomorrow 17:30 UTC. */
    create_cronjob("india", "0 23 * * *", ",\"timeZone\":\"Asia/Kolkata\"");
    at(START + 19 * 3600);
    ck_assert_str_eq(jobs("india"), "");
    int64_t next = 1700069400; /* 2023-11-15T17:30:00Z */
    at(next);
    char want[64];
    snprintf(want, sizeof(want), "india-%lld", (long long)(next / 60));
    ck_assert_str_eq(jobs("india"), want);
}
END_TEST

START_TEST(broken_schedules_are_refused)
{
    /* The API server validates schedules and time zones, with robfig's and Kubernetes' words. */
    static const struct {
        const char *name, *schedule, *extra, *message;
    } cases[] = {
        { "bad", "61 * * * *", "",
            "CronJob.batch \"bad\" is invalid: spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61" },
        { "zone", "* * * * *", ",\"timeZone\":\"Mars/Olympus\"",
            "CronJob.batch \"zone\" is invalid: spec.timeZone: Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus" },
        { "tz", "TZ=UTC 0 * * * *", "",
            "CronJob.batch \"tz\" is invalid: spec.schedule: Invalid value: \"TZ=UTC 0 * * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char json[1024];
        snprintf(json, sizeof(json),
            "{\"apiVersion\":\"batch/v1\",\"kind\":\"CronJob\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\"},"
            "\"spec\":{\"schedule\":\"%s\"%s,\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"Never\","
            "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}}}",
            cases[i].name, cases[i].schedule, cases[i].extra);
        k8sc_object *cj = ct_json(json);
        ck_assert_int_eq(k8sc_client_create(NULL, T.client, cj), K8SC_EINVAL);
        ck_assert_str_eq(k8sc_error_last(), cases[i].message);
        k8sc_object_free(cj);
    }
    /* A valid one, then an update that breaks it, is refused too. */
    create_cronjob("ok", "* * * * *", "");
    ck_assert_int_eq(k8sc_client_patch(NULL, T.client, "batch/v1", "CronJob", "default", "ok", K8SC_PATCH_MERGE,
        "{\"spec\":{\"schedule\":\"* * * *\"}}"), K8SC_EINVAL);
    at(START + 100);
    ck_assert_uint_ge(ct_count(&T, "batch/v1", "Job", "cron=ok"), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cronjob");
    TCase *tc = tcase_create("cronjob");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, starts_jobs_at_schedule_times);
    tcase_add_test(tc, forbid_and_replace);
    tcase_add_test(tc, suspend_and_starting_deadline);
    tcase_add_test(tc, history_limits);
    tcase_add_test(tc, time_zones);
    tcase_add_test(tc, broken_schedules_are_refused);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
