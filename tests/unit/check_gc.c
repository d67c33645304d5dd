/*
 * The garbage collector against an in-process API server on a memory
 * store (the ctltest harness, one fake clock): background, foreground and
 * orphan deletion of owners, several owners, dangling references, chains,
 * cluster-scoped owners, live owners left alone, custom resources found
 * by rediscovery, and the same on worker threads.
 */
#include "ctltest.h"
#include "testutil.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Rounds (one fake second each) a case may take. */
#define ROUNDS 200

static ctltest T;

static void setup(void)
{
    ct_setup(&T);
    T.kubelet = false;
    k8sc_builtin_options o = ct_options(&T);
    o.workers = 4; /* when started */
    k8sc_controller *gc = NULL;
    ck_assert_msg(k8sc_garbage_collector_new(&gc, T.client, &o) == 0, "%s", k8sc_error_last());
    ct_add(&T, gc);
}

static void teardown(void)
{
    ct_teardown(&T);
}

/* One round of the harness, then a second on the clock (requeues and back-off are timed). */
static void round_(void)
{
    ct_step(&T);
    k8sc_clock_fake_advance(T.clock, CT_SEC);
}

static void rounds(int n)
{
    for (int i = 0; i < n; i++)
        round_();
}

/* The object, or NULL when it does not exist. */
static k8sc_object *find(const char *api_version, const char *kind, const char *name)
{
    k8sc_object *obj = NULL;
    int rc = k8sc_client_get(&obj, T.client, api_version, kind, "default", name);
    ck_assert_msg(rc == 0 || rc == K8SC_ENOTFOUND, "%s %s: %s", kind, name, k8sc_error_last());
    return obj;
}

static bool refers_to(const k8sc_object *obj, const char *uid)
{
    for (size_t i = 0; i < k8sc_object_owner_ref_count(obj); i++) {
        k8sc_owner_ref r;
        if (k8sc_object_owner_ref(&r, obj, i) == 0 && r.uid && strcmp(r.uid, uid) == 0)
            return true;
    }
    return false;
}

static void delete_with(const char *api_version, const char *kind, const char *name, const char *policy)
{
    k8sc_delete_options o = K8SC_DELETE_OPTIONS_INIT;
    o.propagation_policy = policy;
    ck_assert_msg(k8sc_client_delete(NULL, T.client, api_version, kind, "default", name, &o) == 0, "%s",
        k8sc_error_last());
}

/* ---- the table ---- */

/*
 * An object of a case. Owners name earlier objects of the case, or are
 * "name@uid": a ConfigMap reference with a made-up uid (an owner that
 * never existed, or was replaced by another object of that name).
 */
typedef struct tobj {
    const char *api_version, *kind, *name;
    const char *owners[2];
    bool block; /* blockOwnerDeletion on its references */
} tobj;

typedef enum {
    GONE,           /* deleted */
    KEPT,           /* still there and not being deleted */
    KEPT_UNCHANGED, /* still there, never written */
} fate;

typedef struct expect {
    const char *name;
    fate fate;
    const char *unowned_by; /* an owner whose reference must be gone */
    const char *owned_by;   /* an owner whose reference must remain */
} expect;

typedef struct gc_case {
    const char *what;
    tobj objs[6];
    const char *del, *policy; /* the object to delete and how (NULL: nothing is deleted) */
    expect exp[6];
} gc_case;

#define MAX_OBJS 6

#define CM(name, ...) { "v1", "ConfigMap", name, { __VA_ARGS__ }, false }
#define SECRET(name, ...) { "v1", "Secret", name, { __VA_ARGS__ }, false }
#define SA(name, ...) { "v1", "ServiceAccount", name, { __VA_ARGS__ }, false }
#define BLOCKING_SECRET(name, ...) { "v1", "Secret", name, { __VA_ARGS__ }, true }
#define BLOCKING_SA(name, ...) { "v1", "ServiceAccount", name, { __VA_ARGS__ }, true }
#define CLUSTERROLE(name) { "rbac.authorization.k8s.io/v1", "ClusterRole", name, { NULL }, false }

static const gc_case CASES[] = {
    { "background delete removes the dependents",
        { CM("owner"), SECRET("s1", "owner"), SECRET("s2", "owner") }, "owner", "Background",
        { { "owner", GONE, NULL, NULL }, { "s1", GONE, NULL, NULL }, { "s2", GONE, NULL, NULL } } },
    { "orphan delete leaves the dependents without the reference",
        { CM("owner"), SECRET("s1", "owner"), BLOCKING_SECRET("s2", "owner") }, "owner", "Orphan",
        { { "owner", GONE, NULL, NULL }, { "s1", KEPT, "owner", NULL }, { "s2", KEPT, "owner", NULL } } },
    { "a dependent with two owners survives one of them, without its reference",
        { CM("a"), CM("b"), SECRET("s", "a", "b") }, "a", "Background",
        { { "a", GONE, NULL, NULL }, { "b", KEPT_UNCHANGED, NULL, NULL }, { "s", KEPT, "a", "b" } } },
    { "a three-level chain cascades in the background",
        { CM("top"), SECRET("mid", "top"), SA("leaf", "mid") }, "top", "Background",
        { { "top", GONE, NULL, NULL }, { "mid", GONE, NULL, NULL }, { "leaf", GONE, NULL, NULL } } },
    { "a three-level chain cascades in the foreground",
        { CM("top"), BLOCKING_SECRET("mid", "top"), BLOCKING_SA("leaf", "mid"), SECRET("loose", "top") }, "top",
        "Foreground",
        { { "top", GONE, NULL, NULL }, { "mid", GONE, NULL, NULL }, { "leaf", GONE, NULL, NULL },
            { "loose", GONE, NULL, NULL } } },
    { "objects owned by live objects are never touched",
        { CM("live"), CM("other"), SECRET("s", "live"), SA("sa", "s"), SECRET("t", "live", "other") }, "other",
        "Background",
        { { "live", KEPT_UNCHANGED, NULL, NULL }, { "s", KEPT_UNCHANGED, NULL, NULL },
            { "sa", KEPT_UNCHANGED, NULL, NULL }, { "t", KEPT, "other", "live" } } },
    { "a cluster-scoped owner with namespaced dependents",
        { CLUSTERROLE("gc-test-role"), SECRET("s1", "gc-test-role"), SA("sa", "gc-test-role") }, "gc-test-role",
        "Background",
        { { "gc-test-role", GONE, NULL, NULL }, { "s1", GONE, NULL, NULL }, { "sa", GONE, NULL, NULL } } },
    { "references to owners that never existed or were replaced are collected",
        { CM("cm"), SECRET("ghosted", "ghost@0a0b0c0d-0000-4000-8000-000000000001"),
            SECRET("replaced", "cm@0a0b0c0d-0000-4000-8000-000000000002"), SECRET("kept", "cm") },
        NULL, NULL,
        { { "ghosted", GONE, NULL, NULL }, { "replaced", GONE, NULL, NULL }, { "kept", KEPT_UNCHANGED, NULL, NULL },
            { "cm", KEPT_UNCHANGED, NULL, NULL } } },
};

/* What the running case created: uids and resourceVersions by object index. */
static char *uids[MAX_OBJS], *rvs[MAX_OBJS];

static size_t index_of(const gc_case *c, const char *name)
{
    for (size_t i = 0; i < MAX_OBJS && c->objs[i].name; i++)
        if (strcmp(c->objs[i].name, name) == 0)
            return i;
    ck_abort_msg("%s: no object %s", c->what, name);
    return 0;
}

static struct json_object *owner_ref(const gc_case *c, const char *owner, bool block)
{
    struct json_object *ref = json_object_new_object();
    const char *at = strchr(owner, '@');
    char name[64];
    snprintf(name, sizeof(name), "%.*s", at ? (int)(at - owner) : (int)strlen(owner), owner);
    const tobj *o = at ? NULL : &c->objs[index_of(c, owner)];
    json_object_object_add(ref, "apiVersion", json_object_new_string(o ? o->api_version : "v1"));
    json_object_object_add(ref, "kind", json_object_new_string(o ? o->kind : "ConfigMap"));
    json_object_object_add(ref, "name", json_object_new_string(name));
    json_object_object_add(ref, "uid", json_object_new_string(at ? at + 1 : uids[index_of(c, owner)]));
    if (block)
        json_object_object_add(ref, "blockOwnerDeletion", json_object_new_boolean(true));
    return ref;
}

static void create_object(const gc_case *c, size_t i)
{
    const tobj *o = &c->objs[i];
    k8sc_object *obj;
    ck_assert_int_eq(k8sc_object_new(&obj, o->api_version, o->kind), 0);
    ck_assert_int_eq(k8sc_object_set_name(obj, o->name), 0);
    if (o->owners[0]) {
        struct json_object *refs = json_object_new_array();
        for (size_t k = 0; k < 2 && o->owners[k]; k++)
            json_object_array_add(refs, owner_ref(c, o->owners[k], o->block));
        ck_assert_int_eq(k8sc_object_set(obj, "metadata.ownerReferences", refs), 0);
    }
    k8sc_object *made = NULL;
    ck_assert_msg(k8sc_client_create(&made, T.client, obj) == 0, "%s: %s", o->name, k8sc_error_last());
    uids[i] = strdup(k8sc_object_uid(made));
    rvs[i] = strdup(k8sc_object_resource_version(made));
    k8sc_object_free(made);
    k8sc_object_free(obj);
}

/* Whether `e` holds now; *why says what is still wrong. */
static bool holds(const gc_case *c, const expect *e, const char **why)
{
    size_t i = index_of(c, e->name);
    k8sc_object *obj = find(c->objs[i].api_version, c->objs[i].kind, e->name);
    bool ok = true;
    *why = "";
    if (e->fate == GONE) {
        ok = obj == NULL;
        *why = "still exists";
    } else if (!obj) {
        ok = false;
        *why = "was deleted";
    } else if (k8sc_object_has(obj, "metadata.deletionTimestamp")) {
        ok = false;
        *why = "is being deleted";
    } else if (e->fate == KEPT_UNCHANGED && strcmp(k8sc_object_resource_version(obj), rvs[i]) != 0) {
        ok = false;
        *why = "was written";
    } else if (e->unowned_by && refers_to(obj, uids[index_of(c, e->unowned_by)])) {
        ok = false;
        *why = "still refers to the deleted owner";
    } else if (e->owned_by && !refers_to(obj, uids[index_of(c, e->owned_by)])) {
        ok = false;
        *why = "lost the reference to its live owner";
    }
    k8sc_object_free(obj);
    return ok;
}

static bool all_hold(const gc_case *c, const char **name, const char **why)
{
    for (size_t k = 0; k < MAX_OBJS && c->exp[k].name; k++) {
        if (!holds(c, &c->exp[k], why)) {
            *name = c->exp[k].name;
            return false;
        }
    }
    return true;
}

START_TEST(table)
{
    const gc_case *c = &CASES[_i];
    for (size_t i = 0; i < MAX_OBJS && c->objs[i].name; i++)
        create_object(c, i);
    /* The collector sees everything before anything is deleted. */
    rounds(5);
    if (c->del)
        delete_with(c->objs[index_of(c, c->del)].api_version, c->objs[index_of(c, c->del)].kind, c->del, c->policy);
    const char *name = "", *why = "";
    for (int r = 0; r < ROUNDS && !all_hold(c, &name, &why); r++)
        round_();
    ck_assert_msg(all_hold(c, &name, &why), "%s: %s %s", c->what, name, why);
    /* And it stays so. */
    rounds(40);
    ck_assert_msg(all_hold(c, &name, &why), "%s (later): %s %s", c->what, name, why);
    for (size_t i = 0; i < MAX_OBJS; i++) {
        free(uids[i]);
        free(rvs[i]);
        uids[i] = rvs[i] = NULL;
    }
}
END_TEST

/* ---- foreground deletion waits for blocking dependents ---- */

static k8sc_object *must_find(const char *api_version, const char *kind, const char *name)
{
    k8sc_object *obj = find(api_version, kind, name);
    ck_assert_msg(obj != NULL, "%s %s is gone", kind, name);
    return obj;
}

START_TEST(foreground_waits_for_blocking_dependents)
{
    ct_create(&T, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"owner\"}}");
    k8sc_object *owner = must_find("v1", "ConfigMap", "owner");
    char deps[3][512];
    const char *fmt = "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"%s\",%s"
        "\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":\"owner\",\"uid\":\"%s\"%s}]}}";
    snprintf(deps[0], sizeof(deps[0]), fmt, "held", "\"finalizers\":[\"example.com/hold\"],", k8sc_object_uid(owner),
        ",\"blockOwnerDeletion\":true");
    snprintf(deps[1], sizeof(deps[1]), fmt, "blocking", "", k8sc_object_uid(owner), ",\"blockOwnerDeletion\":true");
    snprintf(deps[2], sizeof(deps[2]), fmt, "loose", "", k8sc_object_uid(owner), "");
    for (int i = 0; i < 3; i++)
        ct_create(&T, deps[i]);
    k8sc_object_free(owner);
    rounds(5);
    delete_with("v1", "ConfigMap", "owner", "Foreground");
    k8sc_object *held = NULL, *blocking = NULL, *loose = NULL;
    for (int r = 0; r < ROUNDS; r++) {
        blocking = find("v1", "Secret", "blocking");
        loose = find("v1", "Secret", "loose");
        bool done = !blocking && !loose;
        k8sc_object_free(blocking);
        k8sc_object_free(loose);
        if (done)
            break;
        round_();
    }
    ck_assert_ptr_null(find("v1", "Secret", "blocking"));
    ck_assert_ptr_null(find("v1", "Secret", "loose"));
    rounds(20);
    /* The held dependent is being deleted and blocks its owner, which keeps its finalizer. */
    held = must_find("v1", "Secret", "held");
    ck_assert(k8sc_object_has(held, "metadata.deletionTimestamp"));
    owner = must_find("v1", "ConfigMap", "owner");
    ck_assert(k8sc_object_has(owner, "metadata.deletionTimestamp"));
    ck_assert(k8sc_object_has_finalizer(owner, "foregroundDeletion"));
    k8sc_object_free(owner);
    ck_assert_int_eq(k8sc_finalizer_remove(NULL, T.client, held, "example.com/hold"), 0);
    k8sc_object_free(held);
    int r = 0;
    for (; r < ROUNDS && (owner = find("v1", "ConfigMap", "owner")) != NULL; r++) {
        k8sc_object_free(owner);
        round_();
    }
    ck_assert_msg(r < ROUNDS, "the owner outlived its dependents");
    ck_assert_ptr_null(find("v1", "Secret", "held"));
}
END_TEST

/* ---- custom resources join at the next discovery ---- */

static const char *CRD =
    "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
    "\"metadata\":{\"name\":\"widgets.gc.k8sc.io\"},\"spec\":{\"group\":\"gc.k8sc.io\",\"scope\":\"Namespaced\","
    "\"names\":{\"plural\":\"widgets\",\"singular\":\"widget\",\"kind\":\"Widget\"},"
    "\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":{\"openAPIV3Schema\":"
    "{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":true}}}]}}";

START_TEST(custom_resources_are_discovered)
{
    rounds(3);
    ct_create(&T, CRD);
    ct_create(&T, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"owner\"}}");
    k8sc_object *owner = must_find("v1", "ConfigMap", "owner");
    char json[512];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"gc.k8sc.io/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\",\"ownerReferences\":"
        "[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":\"owner\",\"uid\":\"%s\"}]}}",
        k8sc_object_uid(owner));
    k8sc_object_free(owner);
    ct_create(&T, json);
    /* Past the 30 s rediscovery: the Widget is in the graph. */
    rounds(35);
    delete_with("v1", "ConfigMap", "owner", "Background");
    k8sc_object *w = NULL;
    int r = 0;
    for (; r < ROUNDS && (w = find("gc.k8sc.io/v1", "Widget", "w")) != NULL; r++) {
        k8sc_object_free(w);
        round_();
    }
    ck_assert_msg(r < ROUNDS, "the Widget outlived its owner");
}
END_TEST

/* ---- on worker threads ---- */

static bool gone_within(const char *api_version, const char *kind, const char *name, int ms)
{
    for (int waited = 0; waited < ms; waited += 20) {
        k8sc_object *obj = find(api_version, kind, name);
        if (!obj)
            return true;
        k8sc_object_free(obj);
        /* Timed requeues wait on the fake clock. */
        k8sc_clock_fake_advance(T.clock, CT_SEC / 10);
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
    return false;
}

START_TEST(runs_on_worker_threads)
{
    ck_assert_int_eq(k8sc_informer_factory_start(T.factory), 0);
    ck_assert_int_eq(k8sc_controller_start(T.ctls[0]), 0);
    ct_create(&T, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"owner\"}}");
    k8sc_object *owner = must_find("v1", "ConfigMap", "owner");
    for (int i = 0; i < 20; i++) {
        char json[512];
        snprintf(json, sizeof(json),
            "{\"apiVersion\":\"v1\",\"kind\":\"%s\",\"metadata\":{\"name\":\"dep-%d\",\"ownerReferences\":"
            "[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":\"owner\",\"uid\":\"%s\",\"blockOwnerDeletion\":true}]}}",
            i % 2 ? "Secret" : "ServiceAccount", i, k8sc_object_uid(owner));
        ct_create(&T, json);
    }
    k8sc_object_free(owner);
    delete_with("v1", "ConfigMap", "owner", "Foreground");
    /* Dependents the informers had not shown when the owner's finalizer went are collected after it. */
    ck_assert_msg(gone_within("v1", "ConfigMap", "owner", 20000), "the owner was not collected");
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof(name), "dep-%d", i);
        ck_assert_msg(gone_within("v1", i % 2 ? "Secret" : "ServiceAccount", name, 20000), "%s outlived its owner",
            name);
    }
}
END_TEST

START_TEST(bad_arguments)
{
    k8sc_controller *ctl = NULL;
    k8sc_builtin_options o = ct_options(&T);
    ck_assert_int_eq(k8sc_garbage_collector_new(NULL, T.client, &o), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_garbage_collector_new(&ctl, NULL, &o), K8SC_EINVAL);
    o.version = 99;
    ck_assert_int_eq(k8sc_garbage_collector_new(&ctl, T.client, &o), K8SC_EINVAL);
    ck_assert_ptr_null(ctl);
    bool listed = false;
    for (size_t i = 0; k8sc_controller_manager_known(i); i++)
        listed = listed || strcmp(k8sc_controller_manager_known(i), "garbage-collector-controller") == 0;
    ck_assert(listed);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gc");
    TCase *tc = tcase_create("gc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, table, 0, (int)(sizeof(CASES) / sizeof(CASES[0])));
    tcase_add_test(tc, foreground_waits_for_blocking_dependents);
    tcase_add_test(tc, custom_resources_are_discovered);
    tcase_add_test(tc, runs_on_worker_threads);
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
