/* CronJob validation the API server does (ValidateCronJob's schedule and time zone rules). */
#include <string.h>

#include "apiserver_internal.h"

static bool is_cronjob(const k8sc_resource *r)
{
    return strcmp(k8sc_resource_group(r), "batch") == 0 && strcmp(k8sc_resource_kind(r), "CronJob") == 0;
}

/* The parse error of `spec` with `opts`, added under `path` with `bad` as the value; 1 if added. */
static int check(k8sc_field_errors *errs, const char *path, const char *bad, const char *spec,
    const k8sc_cron_options *opts)
{
    k8sc_cron *c;
    int rc = k8sc_cron_parse(&c, spec, opts);
    k8sc_cron_free(c);
    if (rc == 0)
        return 0;
    if (rc != K8SC_EINVAL)
        return rc;
    return k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, path, bad, "%s", k8sc_error_last()) < 0 ? K8SC_ENOMEM : 1;
}

int k8sc__cronjob_validate(k8sc_field_errors *errs, const k8sc__route *route, const k8sc_object *obj,
    const k8sc_object *old)
{
    if (!is_cronjob(route->resource))
        return 0;
    const char *schedule = k8sc_object_get_string(obj, "spec.schedule");
    const char *tz = k8sc_object_get_string(obj, "spec.timeZone");
    if (!schedule)
        return k8sc_field_errors_add(errs, K8SC_FIELD_REQUIRED, "spec.schedule", NULL, NULL) < 0 ? K8SC_ENOMEM : 1;
    int total = 0, rc;
    /* The schedule's own syntax, as robfig's ParseStandard says it. */
    k8sc_cron_options co = K8SC_CRON_OPTIONS_INIT;
    co.allow_tz_in_schedule = true;
    if ((rc = check(errs, "spec.schedule", schedule, schedule, &co)) < 0)
        return rc;
    total += rc;
    /* TZ= in a schedule is allowed only on objects that had it before (an update). */
    const char *old_schedule = old ? k8sc_object_get_string(old, "spec.schedule") : NULL;
    bool allow_tz = old_schedule && strstr(old_schedule, "TZ");
    const char *tz_problem = NULL;
    if (allow_tz && strstr(schedule, "TZ") && tz)
        tz_problem = "cannot use both timeZone field and TZ or CRON_TZ in schedule";
    else if (!allow_tz && strstr(schedule, "TZ"))
        tz_problem = "cannot use TZ or CRON_TZ in schedule, use timeZone field instead";
    if (tz_problem) {
        if (k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, "spec.schedule", schedule, "%s", tz_problem) < 0)
            return K8SC_ENOMEM;
        total++;
    }
    if (tz) {
        k8sc_cron_options zo = K8SC_CRON_OPTIONS_INIT;
        zo.time_zone = tz;
        if ((rc = check(errs, "spec.timeZone", tz, "* * * * *", &zo)) < 0)
            return rc;
        total += rc;
    }
    return total;
}
