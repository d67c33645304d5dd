/* k8sc-controller-manager: run the built-in controllers against an API server. */
#include <k8sc/k8sc.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flags.h"
#include "signals.h"

#define PROG "k8sc-controller-manager"

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: k8sc-controller-manager [--kubeconfig FILE] [--master URL] [--controllers LIST]\n"
        "                               [--leader-elect[=true|false]] [--concurrent-syncs N]\n"
        "                               [--node-monitor-grace-period SECONDS] [--cluster-cidr CIDR]\n"
        "                               [--node-cidr-mask-size N]\n"
        "\n"
        "Run the built-in controllers (as kube-controller-manager does) against an API server.\n"
        "\n"
        "  --kubeconfig FILE      kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)\n"
        "  --master URL           API server URL, overriding the kubeconfig's\n"
        "  --controllers LIST     '*' for all, 'name' to enable, '-name' to disable (default '*')\n"
        "  --leader-elect         act only while holding the Lease kube-system/kube-controller-manager\n"
        "                         (default true; --leader-elect=false to run unconditionally)\n"
        "  --concurrent-syncs N   workers per controller (default: Kubernetes' per-controller defaults)\n"
        "  --node-monitor-grace-period SECONDS\n"
        "                         how long a node may go without heartbeats before it is\n"
        "                         marked Unknown and tainted unreachable (default 40)\n"
        "  --cluster-cidr CIDR    give each node a pod range from CIDR (spec.podCIDR)\n"
        "  --node-cidr-mask-size N  prefix length of each node's range (default 24)\n"
        "  --help                 show this help\n"
        "\n"
        "Known controllers:");
    for (size_t i = 0; k8sc_controller_manager_known(i); i++)
        fprintf(f, " %s", k8sc_controller_manager_known(i));
    fprintf(f, "\n");
}

int main(int argc, char **argv)
{
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    k8sc_tune_allocator();
    k8sc_controller_manager_options mo = K8SC_CONTROLLER_MANAGER_OPTIONS_INIT;
    mo.leader_elect = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--kubeconfig"))) {
            co.kubeconfig = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--master"))) {
            co.overrides.server = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--controllers"))) {
            mo.controllers = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--concurrent-syncs"))) {
            mo.workers = atoi(v);
            if (mo.workers <= 0) {
                fprintf(stderr, "k8sc-controller-manager: --concurrent-syncs must be a positive number\n");
                return 2;
            }
        } else if ((v = flag_value(PROG, argc, argv, &i, "--node-monitor-grace-period"))) {
            /* Kubernetes takes a duration ("40s"); a plain number of seconds is accepted too. */
            char *end;
            long secs = strtol(v, &end, 10);
            if (secs <= 0 || (*end && strcmp(end, "s") != 0)) {
                fprintf(stderr, "k8sc-controller-manager: --node-monitor-grace-period: expected seconds, e.g. 40s\n");
                return 2;
            }
            mo.node_monitor_grace_period_ns = (int64_t)secs * 1000000000;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--cluster-cidr"))) {
            mo.cluster_cidr = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--node-cidr-mask-size"))) {
            mo.node_cidr_mask_size = atoi(v);
        } else if (flag_bool(PROG, argv, i, "--leader-elect", &mo.leader_elect)) {
            continue;
        } else {
            fprintf(stderr, "k8sc-controller-manager: unknown argument %s\n", a);
            usage(stderr);
            return 2;
        }
    }

    handle_stop_signals();

    k8sc_client *client = NULL;
    k8sc_controller_manager *m = NULL;
    if (k8sc_client_new(&client, &co) || k8sc_controller_manager_new(&m, client, &mo) ||
        k8sc_controller_manager_start(m)) {
        fprintf(stderr, "k8sc-controller-manager: %s\n", k8sc_error_last());
        k8sc_controller_manager_free(m);
        k8sc_client_free(client);
        return 1;
    }
    printf("controller manager running against %s\n", k8sc_client_config_server(k8sc_client_get_config(client)));
    fflush(stdout);
    int rc = 0;
    while (!stop_requested && (rc = k8sc_controller_manager_wait(m, 200)) == K8SC_ETIMEOUT)
        ;
    if (rc == K8SC_EGONE)
        fprintf(stderr, "k8sc-controller-manager: %s\n", k8sc_error_last());
    k8sc_controller_manager_free(m);
    k8sc_client_free(client);
    return rc == K8SC_EGONE ? 1 : 0;
}
