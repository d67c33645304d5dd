/* k8sc-proxy: make Services reachable on this node (kube-proxy, iptables or userspace mode). */
#include <k8sc/k8sc.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flags.h"
#include "signals.h"

#define PROG "k8sc-proxy"

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: k8sc-proxy [--kubeconfig FILE] [--master URL] [--mode iptables|userspace] [--node-ip IP]\n"
        "                  [--hostname-override NAME] [--min-sync-period DURATION] [--cluster-cidr CIDR]\n"
        "       k8sc-proxy --cleanup\n"
        "\n"
        "Follow Services and EndpointSlices and make each Service port reachable on its ClusterIP and\n"
        "NodePort, as kube-proxy does. The rules are removed on exit (SIGINT, SIGTERM).\n"
        "\n"
        "  --kubeconfig FILE          kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)\n"
        "  --master URL               API server URL, overriding the kubeconfig's\n"
        "  --mode MODE                iptables (default) or userspace\n"
        "  --node-ip IP               this node's IPv4 address (required in userspace mode)\n"
        "  --hostname-override NAME   this node's name (default: the host name)\n"
        "  --min-sync-period DURATION least time between two syncs, e.g. 1s or 250ms (default 1s)\n"
        "  --cluster-cidr CIDR        masquerade traffic to ClusterIPs from outside this pod CIDR\n"
        "  --cleanup                  remove every rule of both modes and exit\n"
        "  --help                     show this help\n");
}

static int fail(const char *what)
{
    fprintf(stderr, "k8sc-proxy: %s: %s\n", what, k8sc_error_last());
    return 1;
}

/* A Go duration of one unit ("250ms", "1s", "2m") in milliseconds; -1 if malformed or out of range. */
static int duration_ms(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno != 0 || v < 0)
        return -1;
    double scale = strcmp(end, "ms") == 0 ? 1 : strcmp(end, "s") == 0 ? 1000 : strcmp(end, "m") == 0 ? 60000 : -1;
    if (scale < 0 || v * scale > 24.0 * 3600 * 1000)
        return -1;
    return (int)(v * scale);
}

int main(int argc, char **argv)
{
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    k8sc_tune_allocator();
    k8sc_proxy_options po = K8SC_PROXY_OPTIONS_INIT;
    bool cleanup = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--kubeconfig"))) {
            co.kubeconfig = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--master"))) {
            co.overrides.server = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--mode"))) {
            if (strcmp(v, "iptables") == 0) {
                po.mode = K8SC_PROXY_MODE_IPTABLES;
            } else if (strcmp(v, "userspace") == 0) {
                po.mode = K8SC_PROXY_MODE_USERSPACE;
            } else {
                fprintf(stderr, "k8sc-proxy: unknown mode \"%s\" (iptables or userspace)\n", v);
                return 2;
            }
        } else if ((v = flag_value(PROG, argc, argv, &i, "--node-ip"))) {
            po.node_ip = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--hostname-override"))) {
            po.node_name = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--cluster-cidr"))) {
            po.cluster_cidr = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--min-sync-period"))) {
            if ((po.min_sync_ms = duration_ms(v)) < 0) {
                fprintf(stderr, "k8sc-proxy: --min-sync-period: bad duration \"%s\"\n", v);
                return 2;
            }
        } else if (flag_bool(PROG, argv, i, "--cleanup", &cleanup)) {
            continue;
        } else {
            fprintf(stderr, "k8sc-proxy: unknown argument %s\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (cleanup)
        return k8sc_proxy_cleanup(&po) < 0 ? fail("cleanup") : 0;

    handle_stop_signals();
    k8sc_client *client = NULL;
    k8sc_proxy *proxy = NULL;
    int rc = 0;
    if (k8sc_client_new(&client, &co) < 0)
        rc = fail("client");
    else if (k8sc_proxy_new(&proxy, client, &po) < 0 || k8sc_proxy_start(proxy) < 0)
        rc = fail("cannot run");
    if (rc == 0) {
        printf("proxy (%s mode) running against %s\n", po.mode == K8SC_PROXY_MODE_USERSPACE ? "userspace" : "iptables",
            k8sc_client_config_server(k8sc_client_get_config(client)));
        fflush(stdout);
    }
    while (rc == 0 && !stop_requested) {
        struct timespec ts = { 0, 200 * 1000000L };
        nanosleep(&ts, NULL);
    }
    k8sc_proxy_free(proxy);
    k8sc_client_free(client);
    return rc;
}
