/*
 * Helpers for suites that drive an API server through
 * k8sc_apiserver_handle (no HTTP): one request, and reading the reply.
 */
#ifndef K8SC_APITEST_H
#define K8SC_APITEST_H

#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/object.h"
#include "k8sc/store.h"

#include <json-c/json.h>
#include <stdint.h>

/*
 * One request to `srv`: the reply parsed (NULL when it is not JSON; the
 * caller puts it), its HTTP status in *status, and copies (free()) of its
 * body in *text and of its Warning headers in *warnings where those are not
 * NULL. Fails the test when the server cannot handle the request at all.
 */
struct json_object *api_call(k8sc_apiserver *srv, int *status, char **text, char **warnings, const char *method,
    const char *target, const char *content_type, const char *accept, const char *body);

/* The value at the dotted `path` of `j`, borrowed from `j`; NULL when absent. */
struct json_object *api_get(struct json_object *j, const char *path);
/* The string at `path`, borrowed; "<absent>" when missing or not a string. */
const char *api_str(struct json_object *j, const char *path);
/* The integer at `path`; -1 when missing or not an integer. */
int64_t api_int(struct json_object *j, const char *path);
/* The compact JSON text at `path` (valid while `j` lives); "<absent>" when missing. */
const char *api_json(struct json_object *j, const char *path);

/* Assert that `j` is a Status with HTTP `code`, `reason` and `message` (the reply's status was `status`). */
void api_expect_status(struct json_object *j, int status, int code, const char *reason, const char *message);
/* Send a JSON request and assert its HTTP status is `want`. */
void api_expect_code(k8sc_apiserver *srv, int want, const char *method, const char *target, const char *content_type,
    const char *body);

/* An API server on a memory store, driven in-process (no listener): the suites' usual fixture. */
void api_memory_start(k8sc_store **store, k8sc_apiserver **srv);
/* Free both (either may be NULL) and set them to NULL. */
void api_memory_free(k8sc_store **store, k8sc_apiserver **srv);
/* The same as a Check fixture (tcase_add_checked_fixture(tc, api_fixture_setup, api_fixture_teardown)) on these. */
extern k8sc_store *api_store;
extern k8sc_apiserver *api_srv;
void api_fixture_setup(void);
void api_fixture_teardown(void);

/* An API server listening on loopback (a memory store, its own registry) and an HTTP client of it. */
typedef struct api_server {
    k8sc_store *store;
    k8sc_registry *registry;
    k8sc_apiserver *srv;
    k8sc_client *client;
    char url[64];
} api_server;

/* Start `s` (zeroed or freed before); the client's requests time out after `timeout_ms` (0: the default). */
void api_server_start(api_server *s, int timeout_ms);
/* Free what api_server_start made and zero `s`. */
void api_server_free(api_server *s);

#endif
