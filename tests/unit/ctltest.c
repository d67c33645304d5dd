/* The controller test harness (see ctltest.h). */
#include "ctltest.h"

#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ct_setup(ctltest *t)
{
    memset(t, 0, sizeof(*t));
    t->kubelet = true;
    ck_assert_int_eq(k8sc_clock_fake_new(&t->clock, 1700000000 * CT_SEC), 0);
    ck_assert_int_eq(k8sc_store_open(&t->store, "memory://", NULL), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.store = t->store;
    o.clock = t->clock;
    ck_assert_int_eq(k8sc_apiserver_new(&t->srv, &o), 0);
    ck_assert_int_eq(k8sc_client_new_in_process(&t->client, t->srv), 0);
    k8sc_informer_options io = K8SC_INFORMER_OPTIONS_INIT;
    io.clock = t->clock;
    ck_assert_int_eq(k8sc_informer_factory_new(&t->factory, t->client, &io), 0);
}

void ct_teardown(ctltest *t)
{
    for (int i = 0; i < t->nctls; i++)
        k8sc_controller_free(t->ctls[i]);
    k8sc_informer_factory_free(t->factory);
    k8sc_client_free(t->client);
    k8sc_apiserver_free(t->srv);
    k8sc_store_close(t->store);
    k8sc_clock_free(t->clock);
}

k8sc_builtin_options ct_options(ctltest *t)
{
    k8sc_builtin_options o = K8SC_BUILTIN_OPTIONS_INIT;
    o.factory = t->factory;
    o.clock = t->clock;
    return o;
}

void ct_add(ctltest *t, k8sc_controller *ctl)
{
    ck_assert_int_lt(t->nctls, 8);
    t->ctls[t->nctls++] = ctl;
}

/* Mark every pod that is not ready yet Running and Ready (unless its image is the unready one). */
static int kubelet_step(ctltest *t)
{
    k8sc_object *list = ct_list(t, "v1", "Pod", NULL);
    struct json_object *items = k8sc_object_get(list, "items");
    int changed = 0;
    char ts[K8SC_TIME_BUFSIZE];
    k8sc_time_format(ts, sizeof(ts), k8sc_clock_now(t->clock) / CT_SEC);
    for (size_t i = 0; i < json_object_array_length(items); i++) {
        k8sc_object *pod;
        ck_assert_int_eq(k8sc_object_wrap(&pod, json_object_get(json_object_array_get_idx(items, i))), 0);
        const char *image = k8sc_object_get_string(pod, "spec.containers[0].image");
        bool skip = k8sc_object_has(pod, "status.conditions") || k8sc_object_has(pod, "metadata.deletionTimestamp") ||
            (t->unready_image && image && strcmp(image, t->unready_image) == 0);
        if (!skip) {
            char status[512], path[256];
            snprintf(status, sizeof(status),
                "{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"%s\"}]}",
                ts);
            struct json_object *st = json_tokener_parse(status);
            ck_assert_int_eq(k8sc_object_set(pod, "status", st), 0);
            char *body;
            size_t len;
            ck_assert_int_eq(k8sc_object_to_json(&body, &len, pod, 0), 0);
            snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/status", k8sc_object_namespace(pod),
                k8sc_object_name(pod));
            /* A conflict only means the pod changed meanwhile: the next round tries again. */
            if (k8sc_client_request(NULL, NULL, t->client, "PUT", path, "application/json", body, len) == 0)
                changed++;
            k8sc_free(body);
        }
        k8sc_object_free(pod);
    }
    k8sc_object_free(list);
    return changed;
}

int ct_step(ctltest *t)
{
    ck_assert_int_eq(k8sc_informer_factory_process(t->factory), 0);
    int n = 0;
    for (int i = 0; i < t->nctls; i++) {
        int rc = k8sc_controller_process(t->ctls[i]);
        ck_assert_int_ge(rc, 0);
        n += rc;
    }
    if (t->kubelet)
        n += kubelet_step(t);
    return n;
}

void ct_until(ctltest *t, bool (*cond)(ctltest *, void *), void *arg, int max, const char *what)
{
    for (int i = 0; i < max; i++) {
        if (cond(t, arg))
            return;
        ct_step(t);
    }
    ck_assert_msg(cond(t, arg), "not reached after %d rounds: %s", max, what);
}

void ct_settle(ctltest *t)
{
    for (int quiet = 0, i = 0; quiet < 3 && i < 500; i++)
        quiet = ct_step(t) == 0 ? quiet + 1 : 0;
}

k8sc_object *ct_json(const char *json)
{
    k8sc_object *obj = NULL;
    ck_assert_msg(k8sc_object_from_json(&obj, json, strlen(json)) == 0, "%s", k8sc_error_last());
    return obj;
}

void ct_create(ctltest *t, const char *json)
{
    k8sc_object *obj = ct_json(json);
    ck_assert_msg(k8sc_client_create(NULL, t->client, obj) == 0, "%s", k8sc_error_last());
    k8sc_object_free(obj);
}

k8sc_object *ct_get(ctltest *t, const char *api_version, const char *kind, const char *name)
{
    k8sc_object *obj = NULL;
    ck_assert_msg(k8sc_client_get(&obj, t->client, api_version, kind, "default", name) == 0, "%s %s: %s", kind, name,
        k8sc_error_last());
    return obj;
}

void ct_patch(ctltest *t, const char *api_version, const char *kind, const char *name, const char *merge_patch)
{
    ck_assert_msg(k8sc_client_patch(NULL, t->client, api_version, kind, "default", name, K8SC_PATCH_MERGE,
                      merge_patch) == 0, "%s", k8sc_error_last());
}

k8sc_object *ct_list(ctltest *t, const char *api_version, const char *kind, const char *selector)
{
    k8sc_list_options lo = K8SC_LIST_OPTIONS_INIT;
    lo.label_selector = selector;
    k8sc_object *list = NULL;
    ck_assert_msg(k8sc_client_list(&list, t->client, api_version, kind, "default", &lo) == 0, "%s", k8sc_error_last());
    return list;
}

size_t ct_count(ctltest *t, const char *api_version, const char *kind, const char *selector)
{
    k8sc_object *list = ct_list(t, api_version, kind, selector);
    size_t n = json_object_array_length(k8sc_object_get(list, "items"));
    k8sc_object_free(list);
    return n;
}

int64_t ct_int(ctltest *t, const char *api_version, const char *kind, const char *name, const char *path)
{
    k8sc_object *obj = ct_get(t, api_version, kind, name);
    int64_t v = -1;
    k8sc_object_get_int(obj, path, &v);
    k8sc_object_free(obj);
    return v;
}
