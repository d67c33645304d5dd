/*
 * cron: CronJob schedules as Kubernetes 1.32 parses and evaluates them.
 * Cases follow robfig/cron/v3's parser_test.go (TestRange, TestField,
 * TestAll, TestErrors, TestStandardSpecSchedule) and spec_test.go
 * (TestActivation, TestNext, DST cases), the CronJob validation tests
 * (validation_test.go) and pkg/controller/cronjob/utils_test.go
 * (TestMostRecentScheduleTime). The zone cases need tzdata.
 */
#define _DEFAULT_SOURCE
#include "object/cron_internal.h"
#include "testutil.h"

#include <k8sc/object.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STAR K8SC__CRON_STAR

/* "2026-03-09T06:30:00Z" as seconds since the epoch. */
static int64_t at(const char *iso)
{
    struct tm tm = { 0 };
    ck_assert_msg(sscanf(iso, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                         &tm.tm_sec) == 6,
                  "bad time %s", iso);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

static k8sc_cron *parse_in(const char *spec, const char *zone)
{
    k8sc_cron_options o = K8SC_CRON_OPTIONS_INIT;
    o.time_zone = zone;
    k8sc_cron *c = NULL;
    ck_assert_msg(k8sc_cron_parse(&c, spec, &o) == 0, "%s in %s: %s", spec, zone ? zone : "UTC", k8sc_error_last());
    return c;
}

#define B(x) (UINT64_C(1) << (x))
/* The bits lo..hi. */
#define R(lo, hi) ((UINT64_MAX >> (63 - (hi))) & (UINT64_MAX << (lo)))

/* Spec and the bit sets it must give (TestRange, TestField, TestAll, TestStandardSpecSchedule). */
static const struct {
    const char *spec;
    uint64_t minute, hour, dom, month, dow;
} parse_cases[] = {
    { "5 * * * *", B(5), 0, 0, 0, 0 },
    { "0 * * * *", B(0), 0, 0, 0, 0 },
    { "59 * * * *", B(59), 0, 0, 0, 0 },
    { "5-5 * * * *", B(5), 0, 0, 0, 0 },
    { "5-6 * * * *", B(5) | B(6), 0, 0, 0, 0 },
    { "5-7 * * * *", B(5) | B(6) | B(7), 0, 0, 0, 0 },
    { "5-6/2 * * * *", B(5), 0, 0, 0, 0 },
    { "5-7/2 * * * *", B(5) | B(7), 0, 0, 0, 0 },
    { "5-7/1 * * * *", B(5) | B(6) | B(7), 0, 0, 0, 0 },
    { "5/20 * * * *", B(5) | B(25) | B(45), 0, 0, 0, 0 },
    { "*/15 * * * *", B(0) | B(15) | B(30) | B(45), 0, 0, 0, 0 },
    /* a step of 1 keeps the star bit, a larger one drops it */
    { "*/1 * * * *", R(0, 59) | STAR, 0, 0, 0, 0 },
    { "1,,2 * * * *", B(1) | B(2), 0, 0, 0, 0 },
    { "1,5-7,10 * * * *", B(1) | B(5) | B(6) | B(7) | B(10), 0, 0, 0, 0 },
    /* robfig ignores what follows "*-" */
    { "*-5 * * * *", R(0, 59) | STAR, 0, 0, 0, 0 },
    { "+5 * * * *", B(5), 0, 0, 0, 0 },
    { "* * * * *", R(0, 59) | STAR, R(0, 23) | STAR, R(1, 31) | STAR, R(1, 12) | STAR,
      R(0, 6) | STAR },
    { "* * ? * ?", 0, 0, R(1, 31) | STAR, 0, R(0, 6) | STAR },
    { "* 6-16/4 * * *", 0, B(6) | B(10) | B(14), 0, 0, 0 },
    { "* * */2 * *", 0, 0, UINT64_C(0xAAAAAAAA), 0, 0 },
    { "* * * jan,JUL,Dec *", 0, 0, 0, B(1) | B(7) | B(12), 0 },
    { "* * * feb-apr *", 0, 0, 0, B(2) | B(3) | B(4), 0 },
    { "* * * * MON-fri", 0, 0, 0, 0, R(1, 5) },
    { "* * * * sun,SAT", 0, 0, 0, 0, B(0) | B(6) },
    { "* * * * 0-6/2", 0, 0, 0, 0, B(0) | B(2) | B(4) | B(6) },
    { "* * * * tue/2", 0, 0, 0, 0, B(2) | B(4) | B(6) },
    /* Go's strings.ToLower turns U+0130 into 'i' */
    { "* * * * FR\xc4\xb0", 0, 0, 0, 0, B(5) },
    /* fields split on any Unicode space */
    { "1\t2\xc2\xa0" "3\xe3\x80\x80" "4 \n5", B(1), B(2), B(3), B(4), B(5) },
    { "@yearly", B(0), B(0), B(1), B(1), R(0, 6) | STAR },
    { "@annually", B(0), B(0), B(1), B(1), R(0, 6) | STAR },
    { "@monthly", B(0), B(0), B(1), R(1, 12) | STAR, R(0, 6) | STAR },
    { "@weekly", B(0), B(0), R(1, 31) | STAR, R(1, 12) | STAR, B(0) },
    { "@daily", B(0), B(0), R(1, 31) | STAR, R(1, 12) | STAR, R(0, 6) | STAR },
    { "@midnight", B(0), B(0), R(1, 31) | STAR, R(1, 12) | STAR, R(0, 6) | STAR },
    { "@hourly", B(0), R(0, 23) | STAR, R(1, 31) | STAR, R(1, 12) | STAR, R(0, 6) | STAR },
};

START_TEST(parse_fields)
{
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        k8sc_cron *c = parse_in(parse_cases[i].spec, NULL);
        ck_assert_msg(!c->every, "%s", parse_cases[i].spec);
        const uint64_t want[5] = { parse_cases[i].minute, parse_cases[i].hour, parse_cases[i].dom,
                                   parse_cases[i].month, parse_cases[i].dow };
        const uint64_t got[5] = { c->minute, c->hour, c->dom, c->month, c->dow };
        for (int f = 0; f < 5; f++)
            ck_assert_msg(want[f] == 0 || want[f] == got[f], "%s: field %d is %#llx, want %#llx",
                          parse_cases[i].spec, f, (unsigned long long)got[f], (unsigned long long)want[f]);
        ck_assert_uint_eq(c->second, 1);
        ck_assert_str_eq(k8sc_cron_time_zone(c), "UTC");
        k8sc_cron_free(c);
    }
}
END_TEST

static const struct {
    const char *spec;
    int64_t delay;
} every_cases[] = {
    { "@every 1h30m", 5400 }, { "@every 90s", 90 },   { "@every 5m", 300 },     { "@every 1.5s", 1 },
    { "@every 500ms", 1 },    { "@every 0", 1 },      { "@every -1h", 1 },      { "@every 2h0m59.999s", 7259 },
    { "@every .5h", 1800 },   { "@every 1\xc2\xb5s", 1 }, { "@every 36h", 129600 }, { "@every +3s", 3 },
};

START_TEST(parse_every)
{
    for (size_t i = 0; i < sizeof(every_cases) / sizeof(every_cases[0]); i++) {
        k8sc_cron *c = parse_in(every_cases[i].spec, NULL);
        ck_assert_msg(c->every, "%s", every_cases[i].spec);
        ck_assert_msg(c->delay == every_cases[i].delay, "%s: delay %lld", every_cases[i].spec, (long long)c->delay);
        k8sc_cron_free(c);
    }
}
END_TEST

/* Spec, spec.timeZone and the exact message (robfig's TestErrors and friends, CronJob validation). */
static const struct {
    const char *spec;
    const char *zone;
    const char *msg;
} error_cases[] = {
    { "", NULL, "empty spec string" },
    { "* * * * * *", NULL, "expected exactly 5 fields, found 6: [* * * * * *]" },
    { "0 0 1 1", NULL, "expected exactly 5 fields, found 4: [0 0 1 1]" },
    { "   ", NULL, "expected exactly 5 fields, found 0: []" },
    { " @daily", NULL, "expected exactly 5 fields, found 1: [@daily]" },
    { "0-70 * * * *", NULL, "end of range (70) above maximum (59): 0-70" },
    { "5--5 * * * *", NULL, "too many hyphens: 5--5" },
    { "1-2-3 * * * *", NULL, "too many hyphens: 1-2-3" },
    { "* * * jan-x *", NULL, "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax" },
    { "2-x * * * *", NULL, "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax" },
    { "-5 * * * *", NULL, "failed to parse int from : strconv.Atoi: parsing \"\": invalid syntax" },
    { "*/-12 * * * *", NULL, "negative number (-12) not allowed: -12" },
    { "*//2 * * * *", NULL, "too many slashes: *//2" },
    { "*/2/3 * * * *", NULL, "too many slashes: */2/3" },
    { "* * 0 * *", NULL, "beginning of range (0) below minimum (1): 0" },
    { "* 24 * * *", NULL, "end of range (24) above maximum (23): 24" },
    { "* * 32 * *", NULL, "end of range (32) above maximum (31): 32" },
    { "* * * 13 *", NULL, "end of range (13) above maximum (12): 13" },
    { "* * * 0 *", NULL, "beginning of range (0) below minimum (1): 0" },
    { "* * * * 7", NULL, "end of range (7) above maximum (6): 7" },
    { "* * * * 5-7", NULL, "end of range (7) above maximum (6): 5-7" },
    { "5-3 * * * *", NULL, "beginning of range (5) beyond end of range (3): 5-3" },
    { "70/5 * * * *", NULL, "beginning of range (70) beyond end of range (59): 70/5" },
    { "*/0 * * * *", NULL, "step of range should be a positive number: */0" },
    { "1-5/0 * * * *", NULL, "step of range should be a positive number: 1-5/0" },
    { "* * * * mon-fri/x", NULL, "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax" },
    { "* * * * monday", NULL,
      "failed to parse int from monday: strconv.Atoi: parsing \"monday\": invalid syntax" },
    { "99999999999999999999 * * * *", NULL,
      "failed to parse int from 99999999999999999999: strconv.Atoi: parsing \"99999999999999999999\": value out of "
      "range" },
    { "9223372036854775808 * * * *", NULL,
      "failed to parse int from 9223372036854775808: strconv.Atoi: parsing \"9223372036854775808\": value out of "
      "range" },
    { "9223372036854775807 * * * *", NULL, "end of range (9223372036854775807) above maximum (59): "
                                           "9223372036854775807" },
    { "*/\xff * * * *", NULL, "failed to parse int from \xff: strconv.Atoi: parsing \"\\xff\": invalid syntax" },
    { "@every", NULL, "unrecognized descriptor: @every" },
    { "@yearly ", NULL, "unrecognized descriptor: @yearly " },
    { "@fortnightly", NULL, "unrecognized descriptor: @fortnightly" },
    { "@every ", NULL, "failed to parse duration @every : time: invalid duration \"\"" },
    { "@every 5", NULL, "failed to parse duration @every 5: time: missing unit in duration \"5\"" },
    { "@every 1x", NULL, "failed to parse duration @every 1x: time: unknown unit \"x\" in duration \"1x\"" },
    { "@every 1d", NULL, "failed to parse duration @every 1d: time: unknown unit \"d\" in duration \"1d\"" },
    { "@every 1h 30m", NULL,
      "failed to parse duration @every 1h 30m: time: unknown unit \"h \" in duration \"1h 30m\"" },
    { "@every .s", NULL, "failed to parse duration @every .s: time: invalid duration \".s\"" },
    { "@every 9999999999h", NULL,
      "failed to parse duration @every 9999999999h: time: invalid duration \"9999999999h\"" },
    /* create-time validation of the schedule and of spec.timeZone */
    { "TZ=UTC 0 * * * *", NULL, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead" },
    { "CRON_TZ=Europe/Berlin 0 * * * *", NULL, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead" },
    { "0 * * * *", "Local", "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones" },
    { "0 * * * *", "local", "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones" },
    { "0 * * * *", "Mars/Olympus_Mons", "unknown time zone Mars/Olympus_Mons" },
    { "0 * * * *", "AMERICA/new_york", "unknown time zone AMERICA/new_york" },
    { "0 * * * *", " Continent/Zone", "unknown time zone  Continent/Zone" },
    { "0 * * * *", "../../etc/passwd", "unknown time zone ../../etc/passwd" },
    { "0 * * * *", "/etc/localtime", "unknown time zone /etc/localtime" },
    { "0 * * * *", "America/Indiana/Indianapolis_x", "unknown time zone America/Indiana/Indianapolis_x" },
    { "0 * * * *", "Europe/-Berlin", "unknown time zone Europe/-Berlin" },
    { "0 * * * *", "America", "unknown time zone America" },
};

START_TEST(parse_errors)
{
    for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
        k8sc_cron_options o = K8SC_CRON_OPTIONS_INIT;
        o.time_zone = error_cases[i].zone;
        k8sc_cron *c = (k8sc_cron *)&o;
        ck_assert_msg(k8sc_cron_parse(&c, error_cases[i].spec, &o) == K8SC_EINVAL, "%s parsed",
                      error_cases[i].spec);
        ck_assert_ptr_null(c);
        ck_assert_str_eq(k8sc_error_last(), error_cases[i].msg);
    }
}
END_TEST

START_TEST(tz_prefix_on_update)
{
    k8sc_cron_options o = K8SC_CRON_OPTIONS_INIT;
    o.allow_tz_in_schedule = true;
    k8sc_cron *c = NULL;
    ck_assert_int_eq(k8sc_cron_parse(&c, "CRON_TZ=Asia/Kolkata   0 9 * * *", &o), 0);
    ck_assert_str_eq(k8sc_cron_time_zone(c), "Asia/Kolkata");
    int64_t next;
    ck_assert_int_eq(k8sc_cron_next(&next, c, at("2026-03-07T12:00:00Z")), 0);
    ck_assert_int_eq(next, at("2026-03-08T03:30:00Z"));
    k8sc_cron_free(c);
    /* robfig trims what follows the zone, so a padded descriptor parses */
    ck_assert_int_eq(k8sc_cron_parse(&c, "TZ=Europe/Berlin @daily ", &o), 0);
    ck_assert_int_eq(k8sc_cron_next(&next, c, at("2026-01-15T10:00:00Z")), 0);
    ck_assert_int_eq(next, at("2026-01-15T23:00:00Z"));
    k8sc_cron_free(c);
    ck_assert_int_eq(k8sc_cron_parse(&c, "TZ=Mars/X 0 * * * *", &o), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "provided bad location Mars/X: unknown time zone Mars/X");
    ck_assert_int_eq(k8sc_cron_parse(&c, "TZ=../zoneinfo/UTC 0 * * * *", &o), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "provided bad location ../zoneinfo/UTC: time: invalid location name");
    o.time_zone = "UTC";
    ck_assert_int_eq(k8sc_cron_parse(&c, "TZ=UTC 0 * * * *", &o), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "cannot use both timeZone field and TZ or CRON_TZ in schedule");
    ck_assert_ptr_null(c);
}
END_TEST

START_TEST(options_and_arguments)
{
    k8sc_cron_options o;
    ck_assert_int_eq(k8sc_cron_options_init(&o, K8SC_CRON_OPTIONS_VERSION), 0);
    ck_assert_uint_eq(o.version, K8SC_CRON_OPTIONS_VERSION);
    ck_assert_ptr_null(o.time_zone);
    ck_assert_int_eq(k8sc_cron_options_init(&o, 99), K8SC_EINVAL);
    o.version = 99;
    k8sc_cron *c = NULL;
    ck_assert_int_eq(k8sc_cron_parse(&c, "* * * * *", &o), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_cron_parse(&c, NULL, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_cron_parse(NULL, "* * * * *", NULL), K8SC_EINVAL);
    /* an empty timeZone is UTC, as is "UTC" itself */
    k8sc_cron_options_init(&o, K8SC_CRON_OPTIONS_VERSION);
    o.time_zone = "";
    ck_assert_int_eq(k8sc_cron_parse(&c, "0 0 * * *", &o), 0);
    ck_assert_str_eq(k8sc_cron_time_zone(c), "UTC");
    int64_t next;
    ck_assert_int_eq(k8sc_cron_next(&next, c, INT64_C(253402300800)), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_cron_next(&next, c, INT64_C(-62135596801)), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_cron_next(NULL, c, 0), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_cron_next(&next, NULL, 0), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_cron_next(&next, c, INT64_C(253402300799)), 0);
    ck_assert_int_eq(next, INT64_C(253402300800));
    k8sc_cron_free(c);
    k8sc_cron_free(NULL);
    /* another zoneinfo directory */
    o.time_zone = "Berlin";
    o.zoneinfo_dir = "/usr/share/zoneinfo/Europe";
    ck_assert_int_eq(k8sc_cron_parse(&c, "0 0 * * *", &o), 0);
    ck_assert_int_eq(k8sc_cron_next(&next, c, at("2026-07-01T12:00:00Z")), 0);
    ck_assert_int_eq(next, at("2026-07-01T22:00:00Z"));
    k8sc_cron_free(c);
}
END_TEST

/* Schedule, zone, start, then the successive times Next gives. */
static const struct {
    const char *spec;
    const char *zone;
    const char *after;
    const char *next[3];
} next_cases[] = {
    /* UTC; 2026-01-15 is a Thursday */
    { "* * * * *", NULL, "2026-01-15T10:20:30Z", { "2026-01-15T10:21:00Z", "2026-01-15T10:22:00Z" } },
    { "*/15 * * * *", NULL, "2026-01-15T10:20:30Z",
      { "2026-01-15T10:30:00Z", "2026-01-15T10:45:00Z", "2026-01-15T11:00:00Z" } },
    { "0 * * * *", NULL, "2026-01-15T10:20:30Z", { "2026-01-15T11:00:00Z", "2026-01-15T12:00:00Z" } },
    { "0 * * * *", NULL, "2026-01-15T11:00:00Z", { "2026-01-15T12:00:00Z" } },
    { "@hourly", NULL, "2026-01-15T10:20:30Z", { "2026-01-15T11:00:00Z" } },
    { "@daily", NULL, "2026-01-15T10:20:30Z", { "2026-01-16T00:00:00Z", "2026-01-17T00:00:00Z" } },
    { "@midnight", NULL, "2026-01-15T10:20:30Z", { "2026-01-16T00:00:00Z" } },
    { "@weekly", NULL, "2026-01-15T10:20:30Z", { "2026-01-18T00:00:00Z", "2026-01-25T00:00:00Z" } },
    { "@monthly", NULL, "2026-01-15T10:20:30Z", { "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z" } },
    { "@yearly", NULL, "2026-01-15T10:20:30Z", { "2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z" } },
    { "@annually", NULL, "2026-12-31T23:59:59Z", { "2027-01-01T00:00:00Z" } },
    { "0 9 * * mon-fri", NULL, "2026-01-15T10:20:30Z", { "2026-01-16T09:00:00Z", "2026-01-19T09:00:00Z" } },
    { "0 9 * * SAT,sun", NULL, "2026-01-15T10:20:30Z",
      { "2026-01-17T09:00:00Z", "2026-01-18T09:00:00Z", "2026-01-24T09:00:00Z" } },
    { "30 6-16/4 * * 1-5", NULL, "2026-01-15T10:20:30Z",
      { "2026-01-15T10:30:00Z", "2026-01-15T14:30:00Z", "2026-01-16T06:30:00Z" } },
    { "5/20 * * * *", NULL, "2026-01-15T10:20:30Z",
      { "2026-01-15T10:25:00Z", "2026-01-15T10:45:00Z", "2026-01-15T11:05:00Z" } },
    { "*-5 * * * *", NULL, "2026-01-15T10:20:30Z", { "2026-01-15T10:21:00Z" } },
    /* both day fields restricted: either matches */
    { "0 0 1 * mon", NULL, "2026-01-15T10:20:30Z",
      { "2026-01-19T00:00:00Z", "2026-01-26T00:00:00Z", "2026-02-01T00:00:00Z" } },
    { "0 0 13 * 5", NULL, "2026-01-15T10:20:30Z",
      { "2026-01-16T00:00:00Z", "2026-01-23T00:00:00Z", "2026-01-30T00:00:00Z" } },
    { "0 0 */2 * 1", NULL, "2026-01-15T10:20:30Z", { "2026-01-17T00:00:00Z", "2026-01-19T00:00:00Z" } },
    /* a star in either (also ? or a step of 1): both must match */
    { "0 0 ? * 1", NULL, "2026-01-15T10:20:30Z", { "2026-01-19T00:00:00Z" } },
    { "0 0 */1 * 1", NULL, "2026-01-15T10:20:30Z", { "2026-01-19T00:00:00Z" } },
    { "0 0 1 * *", NULL, "2026-01-15T10:20:30Z", { "2026-02-01T00:00:00Z" } },
    { "0 0 1 jan,JUL *", NULL, "2026-01-15T10:20:30Z", { "2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z" } },
    { "0 0 31 * *", NULL, "2026-01-15T10:20:30Z",
      { "2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z" } },
    { "59 23 31 12 *", NULL, "2026-01-15T10:20:30Z", { "2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z" } },
    /* leap years */
    { "0 12 29 2 *", NULL, "2026-01-15T10:20:30Z", { "2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z" } },
    { "0 0 29 2 *", NULL, "2096-02-29T00:00:00Z", { NULL } },
    { "0 0 29 2 *", NULL, "2399-01-01T00:00:00Z", { "2400-02-29T00:00:00Z" } },
    { "0 0 28 2 *", NULL, "2100-02-27T00:00:00Z", { "2100-02-28T00:00:00Z", "2101-02-28T00:00:00Z" } },
    /* never: robfig gives up after five years */
    { "0 0 31 2 *", NULL, "2026-01-15T10:20:30Z", { NULL } },
    { "0 0 30 2 *", NULL, "2026-01-15T10:20:30Z", { NULL } },
    { "0 0 31 4,6,9,11 *", NULL, "2026-01-15T10:20:30Z", { NULL } },
    { ", * * * *", NULL, "2026-01-15T10:20:30Z", { NULL } },
    /* @every counts from the given time */
    { "@every 1h30m", NULL, "2026-01-15T10:20:30Z", { "2026-01-15T11:50:30Z", "2026-01-15T13:20:30Z" } },
    { "@every 500ms", NULL, "2026-01-15T10:20:30Z", { "2026-01-15T10:20:31Z" } },
    /* fixed offsets */
    { "0 9 * * *", "Asia/Kolkata", "2026-03-07T12:00:00Z", { "2026-03-08T03:30:00Z", "2026-03-09T03:30:00Z" } },
    { "0 0 * * *", "Etc/UTC", "2026-03-07T12:00:00Z", { "2026-03-08T00:00:00Z" } },
    { "0 0 * * *", "Etc/GMT+5", "2026-03-07T12:00:00Z", { "2026-03-08T05:00:00Z" } },
    { "@daily", "America/New_York", "2026-01-15T10:20:30Z", { "2026-01-16T05:00:00Z" } },
    { "@every 1h", "America/New_York", "2026-03-08T06:30:00Z", { "2026-03-08T07:30:00Z" } },
    /* New York springs forward at 02:00 on 2026-03-08: 02:30 is skipped that day, 03:00 is not */
    { "30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", { "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z" } },
    { "0 3 * * *", "America/New_York", "2026-03-07T12:00:00Z", { "2026-03-08T07:00:00Z", "2026-03-09T07:00:00Z" } },
    { "0 12 * * *", "America/New_York", "2026-03-07T12:00:00Z", { "2026-03-07T17:00:00Z", "2026-03-08T16:00:00Z" } },
    { "30 2 8 3 *", "America/New_York", "2026-03-01T00:00:00Z", { "2027-03-08T07:30:00Z" } },
    /* and falls back at 02:00 on 2026-11-01: 01:00-01:59 happen twice and so do their runs */
    { "30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z",
      { "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-02T06:30:00Z" } },
    { "0 1 * * *", "America/New_York", "2026-10-31T12:00:00Z",
      { "2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-02T06:00:00Z" } },
    { "0 2 * * *", "America/New_York", "2026-10-31T12:00:00Z", { "2026-11-01T07:00:00Z", "2026-11-02T07:00:00Z" } },
    /* Berlin: 2026-03-29 02:00 CET becomes 03:00 CEST; 2026-10-25 03:00 CEST becomes 02:00 CET */
    { "30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", { "2026-03-30T00:30:00Z" } },
    { "30 3 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", { "2026-03-29T01:30:00Z" } },
    { "30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z",
      { "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-26T01:30:00Z" } },
    /* Lord Howe moves by half an hour: 02:00 becomes 02:30 on 2026-10-04, 02:00 becomes 01:30 on 2026-04-05 */
    { "0 2 * * *", "Australia/Lord_Howe", "2026-10-03T12:00:00Z", { "2026-10-04T15:00:00Z" } },
    { "45 2 * * *", "Australia/Lord_Howe", "2026-10-03T12:00:00Z", { "2026-10-03T15:45:00Z", "2026-10-04T15:45:00Z" } },
    { "15 2 * * *", "Australia/Lord_Howe", "2026-04-03T12:00:00Z", { "2026-04-03T15:15:00Z", "2026-04-05T15:45:00Z" } },
    /* Sao Paulo's 2018 DST began at midnight: no midnight on 2018-11-04 */
    { "0 0 * * *", "America/Sao_Paulo", "2018-11-01T12:00:00Z",
      { "2018-11-02T03:00:00Z", "2018-11-03T03:00:00Z", "2018-11-05T02:00:00Z" } },
    { "0 1 4 11 *", "America/Sao_Paulo", "2018-11-01T00:00:00Z", { "2018-11-04T03:00:00Z" } },
    { "0 0 4 11 *", "America/Sao_Paulo", "2018-11-01T00:00:00Z", { "2019-11-04T03:00:00Z", "2020-11-04T03:00:00Z" } },
};

START_TEST(next_times)
{
    for (size_t i = 0; i < sizeof(next_cases) / sizeof(next_cases[0]); i++) {
        k8sc_cron *c = parse_in(next_cases[i].spec, next_cases[i].zone);
        int64_t t = at(next_cases[i].after);
        for (size_t k = 0; k < 3; k++) {
            const char *want = next_cases[i].next[k];
            if (!want && k > 0)
                break;
            int64_t got = 0;
            int rc = k8sc_cron_next(&got, c, t);
            if (!want) {
                ck_assert_msg(rc == K8SC_ENOTFOUND, "%s from %s: got %lld", next_cases[i].spec,
                              next_cases[i].after, (long long)got);
                ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "no time within five years"));
                break;
            }
            ck_assert_msg(rc == 0, "%s: %s", next_cases[i].spec, k8sc_error_last());
            ck_assert_msg(got == at(want), "%s in %s, #%zu after %s: got %lld, want %s (%lld)", next_cases[i].spec,
                          next_cases[i].zone ? next_cases[i].zone : "UTC", k, next_cases[i].after, (long long)got,
                          want, (long long)at(want));
            t = got;
        }
        k8sc_cron_free(c);
    }
}
END_TEST

/* Schedule, earliest, now, startingDeadlineSeconds (-1: none), and what the controller concludes. */
static const struct {
    const char *spec;
    const char *earliest, *now;
    int64_t deadline;
    const char *most_recent; /* NULL: none due */
    int64_t missed;
    k8sc_cron_missed_kind kind;
    const char *next;
    const char *counted_from; /* NULL: earliest */
} recent_cases[] = {
    /* utils_test.go TestMostRecentScheduleTime and TestNextScheduleTimeDuration; 2016-05-19 is a Thursday */
    { "0 * * * *", "2016-05-19T10:00:00Z", "2016-05-19T10:00:30Z", -1, NULL, 0, K8SC_CRON_NONE_MISSED,
      "2016-05-19T11:00:00Z", NULL },
    { "0 * * * *", "2016-05-19T10:00:00Z", "2016-05-19T11:01:00Z", -1, "2016-05-19T11:00:00Z", 1,
      K8SC_CRON_NONE_MISSED, "2016-05-19T12:00:00Z", NULL },
    { "0 * * * *", "2016-05-19T10:00:10Z", "2016-05-19T15:01:00Z", -1, "2016-05-19T15:00:00Z", 5,
      K8SC_CRON_FEW_MISSED, "2016-05-19T16:00:00Z", NULL },
    { "30 6-16/4 * * 1-5", "2016-05-19T10:30:00Z", "2016-05-20T10:31:00Z", -1, "2016-05-20T10:30:00Z", 2,
      K8SC_CRON_FEW_MISSED, "2016-05-20T14:30:00Z", NULL },
    { "30 10,11,12 * * 1-5", "2016-05-19T10:30:00Z", "2016-05-20T16:30:00Z", -1, NULL, 30, K8SC_CRON_FEW_MISSED,
      "2016-05-23T10:30:00Z", NULL },
    { "30 6-16/4 * * 1-5", "2016-05-19T10:30:00Z", "2016-05-23T10:31:00Z", -1, "2016-05-23T10:30:00Z", 6,
      K8SC_CRON_FEW_MISSED, "2016-05-23T14:30:00Z", NULL },
    { "30 6-16/4 * * 1-5", "2016-05-19T10:00:00Z", "2016-05-20T10:31:00Z", -1, "2016-05-20T10:30:00Z", 7,
      K8SC_CRON_FEW_MISSED, "2016-05-20T14:30:00Z", NULL },
    { "@every 1h", "2016-05-19T10:01:00Z", "2016-05-26T10:00:00Z", -1, "2016-05-26T09:01:00Z", 167,
      K8SC_CRON_MANY_MISSED, "2016-05-26T10:01:00Z", NULL },
    { "*/5 * * * *", "2016-05-19T10:30:00Z", "2016-05-19T10:31:00Z", -1, NULL, 0, K8SC_CRON_NONE_MISSED,
      "2016-05-19T10:35:00Z", NULL },
    { "*/5 * * * *", "2016-05-19T10:30:00Z", "2016-05-19T10:32:00Z", 60, NULL, 0, K8SC_CRON_NONE_MISSED,
      "2016-05-19T10:35:00Z", "2016-05-19T10:31:00Z" },
    { "0 12 * * 4", "2016-05-19T12:00:00Z", "2016-06-07T11:30:00Z", -1, "2016-06-02T12:00:00Z", 2,
      K8SC_CRON_FEW_MISSED, "2016-06-09T12:00:00Z", NULL },
    { "0 12 * * 5", "2016-05-19T10:00:00Z", "2016-05-19T16:00:00Z", -1, NULL, 0, K8SC_CRON_NONE_MISSED,
      "2016-05-20T12:00:00Z", NULL },
    /* more */
    { "0 * * * *", "2026-01-15T10:00:00Z", "2026-01-15T10:30:00Z", -1, NULL, 0, K8SC_CRON_NONE_MISSED,
      "2026-01-15T11:00:00Z", NULL },
    { "0 * * * *", "2026-01-15T10:00:00Z", "2026-01-15T11:00:00Z", -1, "2026-01-15T11:00:00Z", 1,
      K8SC_CRON_NONE_MISSED, "2026-01-15T12:00:00Z", NULL },
    { "0 * * * *", "2026-01-15T10:00:00Z", "2026-01-15T11:59:59Z", -1, "2026-01-15T11:00:00Z", 1,
      K8SC_CRON_NONE_MISSED, "2026-01-15T12:00:00Z", NULL },
    { "0 * * * *", "2026-01-15T10:00:00Z", "2026-01-15T13:05:00Z", -1, "2026-01-15T13:00:00Z", 3,
      K8SC_CRON_FEW_MISSED, "2026-01-15T14:00:00Z", NULL },
    { "*/5 * * * *", "2026-01-15T10:00:00Z", "2026-01-15T18:21:00Z", -1, "2026-01-15T18:20:00Z", 100,
      K8SC_CRON_FEW_MISSED, "2026-01-15T18:25:00Z", NULL },
    { "*/5 * * * *", "2026-01-15T10:00:00Z", "2026-01-15T18:26:00Z", -1, "2026-01-15T18:25:00Z", 101,
      K8SC_CRON_MANY_MISSED, "2026-01-15T18:30:00Z", NULL },
    { "0 * * * *", "2026-01-15T10:00:00Z", "2026-01-23T18:05:00Z", -1, "2026-01-23T18:00:00Z", 200,
      K8SC_CRON_MANY_MISSED, "2026-01-23T19:00:00Z", NULL },
    /* a starting deadline moves the earliest time up to now - deadline */
    { "0 * * * *", "2026-01-15T10:00:00Z", "2026-01-23T18:05:00Z", 600, "2026-01-23T18:00:00Z", 1,
      K8SC_CRON_NONE_MISSED, "2026-01-23T19:00:00Z", "2026-01-23T17:55:00Z" },
    { "0 * * * *", "2026-01-15T10:00:00Z", "2026-01-23T18:05:00Z", 60, NULL, 0, K8SC_CRON_NONE_MISSED,
      "2026-01-23T19:00:00Z", "2026-01-23T18:04:00Z" },
    { "0 * * * *", "2026-01-15T10:00:00Z", "2026-01-23T18:05:00Z", 0, NULL, 0, K8SC_CRON_NONE_MISSED,
      "2026-01-23T19:00:00Z", "2026-01-23T18:05:00Z" },
    { "0 * * * *", "2026-01-15T10:00:00Z", "2026-01-15T13:05:00Z", 36000, "2026-01-15T13:00:00Z", 3,
      K8SC_CRON_FEW_MISSED, "2026-01-15T14:00:00Z", NULL },
    /* uneven intervals: the estimate is rough, the walk is exact */
    { "30 6-16/4 * * 1-5", "2026-01-16T15:00:00Z", "2026-01-19T11:00:00Z", -1, "2026-01-19T10:30:00Z", 2,
      K8SC_CRON_FEW_MISSED, "2026-01-19T14:30:00Z", NULL },
    { "30 6-16/4 * * 1-5", "2026-01-16T07:00:00Z", "2026-01-20T07:00:00Z", -1, "2026-01-20T06:30:00Z", 24,
      K8SC_CRON_FEW_MISSED, "2026-01-20T10:30:00Z", NULL },
    { "@every 1h", "2026-01-15T10:00:00Z", "2026-01-15T13:30:00Z", -1, "2026-01-15T13:00:00Z", 3,
      K8SC_CRON_FEW_MISSED, "2026-01-15T14:00:00Z", NULL },
    { "@every 1h", "2026-01-15T10:00:17Z", "2026-01-15T13:30:00Z", -1, "2026-01-15T13:00:17Z", 3,
      K8SC_CRON_FEW_MISSED, "2026-01-15T14:00:17Z", NULL },
};

START_TEST(most_recent_schedule_time)
{
    for (size_t i = 0; i < sizeof(recent_cases) / sizeof(recent_cases[0]); i++) {
        k8sc_cron *c = parse_in(recent_cases[i].spec, NULL);
        k8sc_cron_schedule_times r;
        int rc = k8sc_cron_most_recent(&r, c, at(recent_cases[i].earliest), at(recent_cases[i].now),
                                       recent_cases[i].deadline);
        ck_assert_msg(rc == 0, "case %zu: %s", i, k8sc_error_last());
        const char *from = recent_cases[i].counted_from ? recent_cases[i].counted_from : recent_cases[i].earliest;
        ck_assert_msg(r.earliest == at(from), "case %zu: earliest %lld", i, (long long)r.earliest);
        ck_assert_msg(r.has_most_recent == (recent_cases[i].most_recent != NULL), "case %zu", i);
        if (recent_cases[i].most_recent)
            ck_assert_msg(r.most_recent == at(recent_cases[i].most_recent), "case %zu: most recent %lld", i,
                          (long long)r.most_recent);
        ck_assert_msg(r.missed == recent_cases[i].missed, "case %zu: missed %lld", i, (long long)r.missed);
        ck_assert_msg(r.missed_kind == recent_cases[i].kind, "case %zu: kind %d", i, (int)r.missed_kind);
        ck_assert_msg(r.next == at(recent_cases[i].next), "case %zu: next %lld", i, (long long)r.next);
        k8sc_cron_free(c);
    }
}
END_TEST

START_TEST(most_recent_errors)
{
    k8sc_cron_schedule_times r;
    k8sc_cron *c = parse_in("59 23 31 2 *", NULL);
    ck_assert_int_eq(k8sc_cron_most_recent(&r, c, at("2026-01-01T00:00:00Z"), at("2026-06-01T00:00:00Z"), -1),
                     K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "time difference between two schedules is less than 1 second");
    k8sc_cron_free(c);
    c = parse_in("0 * * * *", NULL);
    ck_assert_int_eq(k8sc_cron_most_recent(NULL, c, 0, 0, -1), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_cron_most_recent(&r, NULL, 0, 0, -1), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_cron_most_recent(&r, c, INT64_C(300000000000), 0, -1), K8SC_EINVAL);
    /* a huge deadline cannot overflow: it just never moves the earliest time */
    ck_assert_int_eq(k8sc_cron_most_recent(&r, c, at("2026-01-15T10:00:00Z"), at("2026-01-15T10:30:00Z"),
                                           INT64_MAX),
                     0);
    ck_assert_int_eq(r.earliest, at("2026-01-15T10:00:00Z"));
    k8sc_cron_free(c);
}
END_TEST

START_TEST(malformed_zone_file)
{
    char dir[] = "/tmp/check_cron_XXXXXX";
    char *path = k8sc_test_temp_file(dir, "Bad", "TZif2 but not really", 0644);
    k8sc_cron_options o = K8SC_CRON_OPTIONS_INIT;
    o.time_zone = "Bad";
    o.zoneinfo_dir = dir;
    k8sc_cron *c = NULL;
    ck_assert_int_eq(k8sc_cron_parse(&c, "0 * * * *", &o), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "malformed time zone information");
    remove(path);
    free(path);
    rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cron");
    k8sc_test_add(s, "parse_fields", parse_fields);
    k8sc_test_add(s, "parse_every", parse_every);
    k8sc_test_add(s, "parse_errors", parse_errors);
    k8sc_test_add(s, "tz_prefix_on_update", tz_prefix_on_update);
    k8sc_test_add(s, "options_and_arguments", options_and_arguments);
    k8sc_test_add(s, "next_times", next_times);
    k8sc_test_add(s, "most_recent_schedule_time", most_recent_schedule_time);
    k8sc_test_add(s, "most_recent_errors", most_recent_errors);
    k8sc_test_add(s, "malformed_zone_file", malformed_zone_file);
    return k8sc_test_main(s);
}
