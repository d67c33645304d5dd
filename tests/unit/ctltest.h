/*
 * A harness for controller tests: an API server on a memory store (not
 * listening), an in-process client, one fake clock for both, a shared
 * informer factory driven from the test's thread, and a "kubelet" that
 * marks pods running and ready.
 */
#ifndef K8SC_CTLTEST_H
#define K8SC_CTLTEST_H

#include "k8sc/apiserver.h"
#include "k8sc/client.h"
#include "k8sc/codec.h"
#include "k8sc/controller.h"
#include "k8sc/controllers.h"
#include "k8sc/store.h"

#include <stdbool.h>

#define CT_SEC 1000000000LL

typedef struct ctltest {
    k8sc_store *store;
    k8sc_apiserver *srv;
    k8sc_client *client;
    k8sc_clock *clock;
    k8sc_informer_factory *factory;
    k8sc_controller *ctls[8];
    int nctls;
    /* Pods whose first container's image is this never become ready ("" or NULL: all do). */
    const char *unready_image;
    /* Whether the kubelet marks pods ready at all. */
    bool kubelet;
} ctltest;

/* Set up everything; the clock starts at 2023-11-14T22:13:20Z. */
void ct_setup(ctltest *t);
/* Free controllers, factory, client, server, store, clock. */
void ct_teardown(ctltest *t);
/* Options for a built-in controller on the harness' factory and clock. */
k8sc_builtin_options ct_options(ctltest *t);
/* Register a controller made with ct_options (the harness frees it). */
void ct_add(ctltest *t, k8sc_controller *ctl);
/* One round: informers, every controller, the kubelet. Returns how many reconciles ran. */
int ct_step(ctltest *t);
/* Step until `cond(t, arg)` holds, at most `max` rounds; fails the test otherwise. */
void ct_until(ctltest *t, bool (*cond)(ctltest *, void *), void *arg, int max, const char *what);
/* Step until nothing happens for a few rounds. */
void ct_settle(ctltest *t);

/* Objects. */
k8sc_object *ct_json(const char *json);
void ct_create(ctltest *t, const char *json);
k8sc_object *ct_get(ctltest *t, const char *api_version, const char *kind, const char *name);
void ct_patch(ctltest *t, const char *api_version, const char *kind, const char *name, const char *merge_patch);
/* Items of a list in "default" with an optional label selector, as a List object. */
k8sc_object *ct_list(ctltest *t, const char *api_version, const char *kind, const char *selector);
size_t ct_count(ctltest *t, const char *api_version, const char *kind, const char *selector);
/* An integer at `path` of the named object, or -1. */
int64_t ct_int(ctltest *t, const char *api_version, const char *kind, const char *name, const char *path);

#endif
