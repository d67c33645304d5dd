/* Requests to an in-process API server and reading their replies (see apitest.h). */
#include "apitest.h"

#include "k8sc/codec.h"
#include "k8sc/object.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct json_object *api_call(k8sc_apiserver *srv, int *status, char **text, char **warnings, const char *method,
    const char *target, const char *content_type, const char *accept, const char *body)
{
    k8sc_apiserver_response *resp = NULL;
    int rc = k8sc_apiserver_handle(&resp, srv, method, target, content_type, accept, body, body ? strlen(body) : 0);
    ck_assert_msg(rc == 0, "%s %s: %s", method, target, k8sc_error_last());
    *status = k8sc_apiserver_response_status(resp);
    size_t len = 0;
    const char *t = k8sc_apiserver_response_body(resp, &len);
    if (text)
        *text = strdup(t);
    if (warnings)
        *warnings = strdup(k8sc_apiserver_response_warnings(resp));
    struct json_object *j = NULL;
    if (k8sc_json_parse(&j, t, len) != 0)
        j = NULL;
    k8sc_apiserver_response_free(resp);
    return j;
}

struct json_object *api_get(struct json_object *j, const char *path)
{
    k8sc_object *o = NULL;
    ck_assert_int_eq(k8sc_object_wrap(&o, json_object_get(j)), 0);
    struct json_object *v = k8sc_object_get(o, path);
    k8sc_object_free(o); /* j keeps its own reference, so v stays valid */
    return v;
}

const char *api_str(struct json_object *j, const char *path)
{
    struct json_object *v = api_get(j, path);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "<absent>";
}

int64_t api_int(struct json_object *j, const char *path)
{
    struct json_object *v = api_get(j, path);
    return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
}

const char *api_json(struct json_object *j, const char *path)
{
    struct json_object *v = api_get(j, path);
    return v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "<absent>";
}

void api_expect_status(struct json_object *j, int status, int code, const char *reason, const char *message)
{
    ck_assert_ptr_nonnull(j);
    ck_assert_msg(status == code, "status %d, want %d: %s", status, code, json_object_to_json_string(j));
    ck_assert_str_eq(api_str(j, "kind"), "Status");
    ck_assert_str_eq(api_str(j, "reason"), reason);
    ck_assert_str_eq(api_str(j, "message"), message);
}

void api_expect_code(k8sc_apiserver *srv, int want, const char *method, const char *target, const char *content_type,
    const char *body)
{
    int st;
    struct json_object *j = api_call(srv, &st, NULL, NULL, method, target, content_type, "application/json", body);
    ck_assert_msg(st == want, "%s %s: %d, want %d: %s", method, target, st, want, j ? json_object_to_json_string(j) : "");
    json_object_put(j);
}

void api_server_start(api_server *s, int timeout_ms)
{
    ck_assert_int_eq(k8sc_store_open(&s->store, "memory://", NULL), 0);
    ck_assert_int_eq(k8sc_registry_new(&s->registry), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = s->store;
    o.registry = s->registry;
    ck_assert_msg(k8sc_apiserver_new(&s->srv, &o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_apiserver_start(s->srv) == 0, "%s", k8sc_error_last());
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", k8sc_apiserver_port(s->srv));
    k8sc_client_config *cfg = NULL;
    ck_assert_int_eq(k8sc_client_config_from_url(&cfg, s->url), 0);
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    co.config = cfg;
    if (timeout_ms > 0)
        co.timeout_ms = timeout_ms;
    ck_assert_msg(k8sc_client_new(&s->client, &co) == 0, "%s", k8sc_error_last());
    k8sc_client_config_free(cfg);
}

void api_memory_start(k8sc_store **store, k8sc_apiserver **srv)
{
    ck_assert_int_eq(k8sc_store_open(store, "memory://", NULL), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.store = *store;
    ck_assert_msg(k8sc_apiserver_new(srv, &o) == 0, "%s", k8sc_error_last());
}

void api_memory_free(k8sc_store **store, k8sc_apiserver **srv)
{
    k8sc_apiserver_free(*srv);
    k8sc_store_close(*store);
    *srv = NULL;
    *store = NULL;
}

k8sc_store *api_store;
k8sc_apiserver *api_srv;

void api_fixture_setup(void)
{
    api_memory_start(&api_store, &api_srv);
}

void api_fixture_teardown(void)
{
    api_memory_free(&api_store, &api_srv);
}

void api_server_free(api_server *s)
{
    k8sc_client_free(s->client);
    k8sc_apiserver_free(s->srv);
    k8sc_registry_free(s->registry);
    k8sc_store_close(s->store);
    memset(s, 0, sizeof(*s));
}
