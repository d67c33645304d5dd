/*
 * greeting-operator: a complete Kubernetes operator on libk8sc's
 * reconciler framework, in about 200 lines.
 *
 * For each Greeting (demo.k8sc.io/v1, spec.message) it keeps a ConfigMap
 * of the same name and namespace whose data.message is the Greeting's
 * message and whose ownerReference points at the Greeting, so deleting
 * the Greeting deletes the ConfigMap (the garbage collector's work). It
 * reports status.observedGeneration and status.ready.
 *
 *   greeting-operator [--kubeconfig FILE] [--host-loop]
 *
 * By default the controller runs on its own worker threads. --host-loop
 * drives it from this program's own poll() loop instead, as a daemon with
 * an event loop of its own would (see run_host_loop()).
 *
 * Everything goes through informers: the operator lists and watches
 * Greetings and ConfigMaps once, reads them from its cache, and writes
 * only when something differs, so reconciling twice changes nothing. If
 * the API server restarts, the informers list again and carry on.
 */
#include <k8sc/k8sc.h>

#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define GREETINGS "demo.k8sc.io/v1", "Greeting"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* The ConfigMap a Greeting wants: name, namespace, message, owner. */
static int desired_configmap(k8sc_object **out, const k8sc_object *greeting)
{
    k8sc_object *cm;
    int rc = k8sc_object_new(&cm, "v1", "ConfigMap");
    const char *message = k8sc_object_get_string(greeting, "spec.message");
    if (rc == 0)
        rc = k8sc_object_set_name(cm, k8sc_object_name(greeting));
    if (rc == 0)
        rc = k8sc_object_set_namespace(cm, k8sc_object_namespace(greeting));
    if (rc == 0)
        rc = k8sc_object_set_string(cm, "data.message", message ? message : "");
    /* controller=true: the ConfigMap is the Greeting's; deleting the Greeting deletes it. */
    k8sc_owner_ref owner = { "demo.k8sc.io/v1", "Greeting", k8sc_object_name(greeting),
        k8sc_object_uid(greeting), true, true };
    if (rc == 0)
        rc = k8sc_object_add_owner_ref(cm, &owner);
    if (rc < 0) {
        k8sc_object_free(cm);
        return rc;
    }
    *out = cm;
    return 0;
}

/* Create the ConfigMap, or update it if its message differs. */
static int sync_configmap(k8sc_controller *ctl, const k8sc_object *greeting)
{
    k8sc_client *client = k8sc_controller_client(ctl);
    k8sc_object *want, *have = NULL;
    int rc = desired_configmap(&want, greeting);
    if (rc < 0)
        return rc;
    k8sc_cache *cms = k8sc_controller_cache(ctl, "v1", "ConfigMap");
    if (k8sc_cache_get(&have, cms, k8sc_object_namespace(greeting), k8sc_object_name(greeting)) < 0) {
        rc = k8sc_client_create(NULL, client, want);
    } else if (!json_object_equal(k8sc_object_get(have, "data"), k8sc_object_get(want, "data"))) {
        /* Send the cached resourceVersion: if someone changed it meanwhile we get a conflict and retry. */
        rc = k8sc_object_set_resource_version(want, k8sc_object_resource_version(have));
        if (rc == 0)
            rc = k8sc_client_update(NULL, client, want);
    }
    k8sc_object_free(have);
    k8sc_object_free(want);
    return rc;
}

/* Report the generation we acted on, unless the status says so already. */
static int sync_status(k8sc_controller *ctl, const k8sc_object *greeting)
{
    int64_t observed = -1;
    bool ready = false;
    k8sc_object_get_int(greeting, "status.observedGeneration", &observed);
    k8sc_object_get_bool(greeting, "status.ready", &ready);
    if (observed == k8sc_object_generation(greeting) && ready)
        return 0;
    /* Cached objects are shared and read-only: change a copy. */
    k8sc_object *copy;
    int rc = k8sc_object_dup(&copy, greeting);
    if (rc == 0)
        rc = k8sc_object_set_int(copy, "status.observedGeneration", k8sc_object_generation(greeting));
    if (rc == 0)
        rc = k8sc_object_set_bool(copy, "status.ready", true);
    if (rc == 0)
        rc = k8sc_client_update_status(NULL, k8sc_controller_client(ctl), copy);
    k8sc_object_free(copy);
    return rc;
}

/*
 * The reconcile function: called with a Greeting's namespace and name
 * whenever it or its ConfigMap changes. A negative return is retried with
 * back-off.
 */
static int reconcile(k8sc_reconcile_result *result, k8sc_controller *ctl, const char *ns, const char *name,
    void *userdata)
{
    (void)result;
    (void)userdata;
    k8sc_object *greeting;
    if (k8sc_cache_get(&greeting, k8sc_controller_cache(ctl, GREETINGS), ns, name) < 0)
        return 0; /* deleted: its ConfigMap goes with it through the ownerReference */
    int rc = 0;
    if (!k8sc_object_has(greeting, "metadata.deletionTimestamp")) {
        rc = sync_configmap(ctl, greeting);
        if (rc == 0)
            rc = sync_status(ctl, greeting);
    }
    if (rc == 0)
        printf("reconciled greeting %s/%s\n", ns, name);
    k8sc_object_free(greeting);
    return rc;
}

/* Drive the controller from our own loop: poll its fd, wake at its timeout, process. */
static int run_host_loop(k8sc_controller *ctl)
{
    while (!stop_requested) {
        struct pollfd p = { k8sc_controller_fd(ctl), POLLIN, 0 };
        int timeout = k8sc_controller_next_timeout_ms(ctl);
        /* A daemon would poll its own descriptors here too; we wake at least every second. */
        poll(&p, 1, timeout < 0 || timeout > 1000 ? 1000 : timeout);
        if (k8sc_controller_process(ctl) < 0)
            return -1;
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char **argv)
{
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    bool host_loop = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--kubeconfig") == 0 && i + 1 < argc) {
            co.kubeconfig = argv[++i];
        } else if (strcmp(argv[i], "--host-loop") == 0) {
            host_loop = true;
        } else {
            fprintf(stderr, "usage: greeting-operator [--kubeconfig FILE] [--host-loop]\n");
            return 2;
        }
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    setvbuf(stdout, NULL, _IOLBF, 0);

    k8sc_client *client = NULL;
    k8sc_controller *ctl = NULL;
    k8sc_controller_options opts = K8SC_CONTROLLER_OPTIONS_INIT;
    opts.name = "greeting-operator";
    opts.api_version = "demo.k8sc.io/v1";
    opts.kind = "Greeting";
    opts.reconcile = reconcile;
    opts.workers = 2;
    int rc = k8sc_client_new(&client, &co);
    if (rc == 0)
        rc = k8sc_controller_new(&ctl, client, &opts);
    /* ConfigMap events reach the Greeting that owns them. */
    if (rc == 0)
        rc = k8sc_controller_owns(ctl, "v1", "ConfigMap");
    if (rc == 0 && !host_loop)
        rc = k8sc_controller_start(ctl);
    if (rc < 0) {
        fprintf(stderr, "greeting-operator: %s\n", k8sc_error_last());
        k8sc_controller_free(ctl);
        k8sc_client_free(client);
        return 1;
    }
    printf("greeting-operator watching Greetings on %s (%s)\n",
        k8sc_client_config_server(k8sc_client_get_config(client)), host_loop ? "host loop" : "worker threads");
    if (host_loop)
        rc = run_host_loop(ctl);
    else
        while (!stop_requested)
            poll(NULL, 0, 200);
    k8sc_controller_free(ctl); /* stops the workers and informers first */
    k8sc_client_free(client);
    return rc < 0 ? 1 : 0;
}
