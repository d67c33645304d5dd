/* k8sc-scheduler: place pending pods on nodes, as kube-scheduler does (its --config profiles included). */
#include <k8sc/k8sc.h>

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flags.h"
#include "signals.h"

#define PROG "k8sc-scheduler"

static atomic_int leading; /* 0: not yet, 1: leading, 2: lost the Lease */

static void started_leading(void *ud)
{
    (void)ud;
    atomic_store(&leading, 1);
}

static void stopped_leading(void *ud)
{
    (void)ud;
    atomic_store(&leading, 2);
}

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: k8sc-scheduler [--config FILE] [--kubeconfig FILE] [--master URL] [--leader-elect[=true|false]]\n"
        "\n"
        "Assign pending pods (schedulerName default-scheduler) to nodes, as kube-scheduler does.\n"
        "\n"
        "  --config FILE       KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1, YAML or JSON):\n"
        "                      profiles (one per schedulerName), plugins, pluginConfig,\n"
        "                      percentageOfNodesToScore\n"
        "  --kubeconfig FILE   kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)\n"
        "  --master URL        API server URL, overriding the kubeconfig's\n"
        "  --leader-elect      act only while holding the Lease kube-system/kube-scheduler\n"
        "                      (default true; --leader-elect=false to run unconditionally)\n"
        "  --help              show this help\n");
}

static int fail(const char *what)
{
    fprintf(stderr, "k8sc-scheduler: %s: %s\n", what, k8sc_error_last());
    return 1;
}

int main(int argc, char **argv)
{
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    k8sc_tune_allocator();
    bool leader_elect = true;
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--config"))) {
            config = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--kubeconfig"))) {
            co.kubeconfig = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--master"))) {
            co.overrides.server = v;
        } else if (flag_bool(PROG, argv, i, "--leader-elect", &leader_elect)) {
            continue;
        } else {
            fprintf(stderr, "k8sc-scheduler: unknown argument %s\n", a);
            usage(stderr);
            return 2;
        }
    }

    handle_stop_signals();

    k8sc_client *client = NULL;
    k8sc_event_recorder *rec = NULL;
    k8sc_scheduler *sched = NULL;
    k8sc_leader_elector *le = NULL;
    char host[256] = "localhost", identity[320];
    gethostname(host, sizeof(host) - 1);
    snprintf(identity, sizeof(identity), "%s_%ld", host, (long)getpid());
    int rc = 0;
    k8sc_scheduler_options so = K8SC_SCHEDULER_OPTIONS_INIT;
    if (k8sc_client_new(&client, &co) < 0)
        rc = fail("client");
    else if (k8sc_event_recorder_new(&rec, client, K8SC_SCHEDULER_DEFAULT_NAME, host, NULL) < 0)
        rc = fail("event recorder");
    else {
        so.recorder = rec;
        so.config_file = config;
        if (k8sc_scheduler_new(&sched, client, &so) < 0)
            rc = fail(config ? "config" : "scheduler");
    }
    if (rc == 0 && leader_elect) {
        k8sc_leader_elector_options lo = K8SC_LEADER_ELECTOR_OPTIONS_INIT;
        lo.lease_namespace = "kube-system";
        lo.lease_name = "kube-scheduler";
        lo.identity = identity;
        lo.release_on_cancel = true;
        lo.on_started_leading = started_leading;
        lo.on_stopped_leading = stopped_leading;
        if (k8sc_leader_elector_new(&le, client, &lo) < 0 || k8sc_leader_elector_start(le) < 0)
            rc = fail("leader election");
    } else if (rc == 0) {
        atomic_store(&leading, 1);
    }
    if (rc == 0) {
        printf("scheduler %s running against %s\n", identity, k8sc_client_config_server(k8sc_client_get_config(client)));
        fflush(stdout);
    }
    bool started = false;
    while (rc == 0 && !stop_requested) {
        int state = atomic_load(&leading);
        if (state == 1 && !started) {
            if (k8sc_scheduler_start(sched) < 0)
                rc = fail("start");
            started = true;
        } else if (state == 2) {
            /* As kube-scheduler: a lost Lease ends the process, which a supervisor restarts. */
            fprintf(stderr, "k8sc-scheduler: leader election lost\n");
            rc = 1;
        }
        struct timespec ts = { 0, 200 * 1000000L };
        nanosleep(&ts, NULL);
    }
    k8sc_scheduler_stop(sched);
    k8sc_leader_elector_stop(le);
    k8sc_leader_elector_free(le);
    k8sc_scheduler_free(sched);
    k8sc_event_recorder_free(rec);
    k8sc_client_free(client);
    return rc;
}
