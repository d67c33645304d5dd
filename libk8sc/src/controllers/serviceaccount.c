/*
 * The ServiceAccount controller (Kubernetes' pkg/controller/serviceaccount
 * ServiceAccountsController): every Active namespace gets a ServiceAccount
 * named "default", created when missing and again when deleted.
 */
#include <stdlib.h>
#include <string.h>

#include "workload.h"

#define DEFAULT_SA "default"

typedef struct sa_state {
    k8sc_controller *ctl;
    k8sc_informer *accounts;
} sa_state;

/* A deleted ServiceAccount: look at its namespace again. */
static void account_deleted(const k8sc_object *sa, void *ud)
{
    sa_state *st = ud;
    if (k8sc_object_namespace(sa))
        k8sc_controller_enqueue(st->ctl, "", k8sc_object_namespace(sa));
}

/* Whether the last error's Status carries the NamespaceTerminating cause. */
static bool namespace_terminating(void)
{
    const k8sc_object *status = k8sc_client_last_status();
    struct json_object *causes = status ? k8sc_object_get(status, "details.causes") : NULL;
    for (size_t i = 0; json_object_is_type(causes, json_type_array) && i < json_object_array_length(causes); i++) {
        const char *reason = json_object_get_string(json_object_object_get(json_object_array_get_idx(causes, i),
            "reason"));
        if (reason && strcmp(reason, "NamespaceTerminating") == 0)
            return true;
    }
    return false;
}

static int sync(k8sc_reconcile_result *res, k8sc_controller *ctl, const char *nsname, const char *name, void *ud)
{
    sa_state *st = ud;
    (void)res;
    (void)nsname;
    k8sc_object *ns, *sa;
    if (k8sc_cache_get(&ns, k8sc_controller_cache(ctl, "v1", "Namespace"), "", name) < 0)
        return 0;
    const char *phase = k8sc_object_get_string(ns, "status.phase");
    bool active = phase && strcmp(phase, "Active") == 0;
    k8sc_object_free(ns);
    /* Nothing is created in a namespace that is going away. */
    if (!active)
        return 0;
    if (k8sc_cache_get(&sa, k8sc_informer_cache(st->accounts), name, DEFAULT_SA) == 0) {
        k8sc_object_free(sa);
        return 0;
    }
    int rc = k8sc_object_new(&sa, "v1", "ServiceAccount");
    if (rc == 0)
        rc = k8sc_object_set_name(sa, DEFAULT_SA);
    if (rc == 0)
        rc = k8sc_object_set_namespace(sa, name);
    if (rc == 0)
        rc = k8sc_client_create(NULL, k8sc_controller_client(ctl), sa);
    k8sc_object_free(sa);
    /* The cache lagged, or the namespace began terminating meanwhile: both are fine. */
    if (rc == K8SC_EEXISTS || (rc == K8SC_EFORBIDDEN && namespace_terminating()))
        return 0;
    return rc;
}

static k8sc_informer_handler account_handler(sa_state *st)
{
    k8sc_informer_handler h = K8SC_INFORMER_HANDLER_INIT;
    h.on_delete = account_deleted;
    h.userdata = st;
    return h;
}

static void state_free(void *ud)
{
    sa_state *st = ud;
    k8sc_informer_handler h = account_handler(st);
    if (st->accounts)
        k8sc_informer_remove_handler(st->accounts, &h);
    free(st);
}

int k8sc_serviceaccount_controller_new(k8sc_controller **out, k8sc_client *client, const k8sc_builtin_options *opts)
{
    K8SC__CHECK_ARG(out);
    sa_state *st = k8sc__calloc(1, sizeof(*st));
    if (!st)
        return K8SC_ENOMEM;
    static const k8sc__builtin_spec spec = { "serviceaccount-controller", "v1", "Namespace", sync, state_free, NULL };
    int rc = k8sc__builtin_new(&st->ctl, client, opts, &spec, st);
    if (rc < 0)
        return rc;
    k8sc_informer_handler h = account_handler(st);
    if ((rc = k8sc__builtin_handle(&st->accounts, st->ctl, "v1", "ServiceAccount", &h)) < 0) {
        k8sc_controller_free(st->ctl);
        return rc;
    }
    *out = st->ctl;
    return 0;
}
