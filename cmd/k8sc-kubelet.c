/* k8sc-kubelet: the node agent — registers the node and runs the pods bound to it. */
#include <k8sc/k8sc.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flags.h"
#include "signals.h"

#define PROG "k8sc-kubelet"

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: " PROG " --node-name NAME [--kubeconfig FILE] [--master URL] [--runtime runc|docker|fake]\n"
        "       [--register-node=true|false] [--node-labels k=v,...] [--register-with-taints k=v:Effect,...]\n"
        "       [--node-ip IP] [--data-dir DIR] [--root-dir DIR] [--docker-endpoint unix:///PATH]\n"
        "       [--address ADDR] [--port N] [--capacity cpu=N,memory=Q,pods=N] [--pod-max-pids N]\n"
        "       [--cni-conf-dir DIR] [--cni-bin-dir PATH] [--cluster-dns IP,...] [--cluster-domain NAME]\n"
        "       [--resolv-conf FILE] [--pod-network bridge|none]\n"
        "\n"
        "Register node NAME with the API server and run the pods bound to it.\n"
        "\n"
        "  --kubeconfig FILE          kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)\n"
        "  --master URL               API server URL, overriding the kubeconfig's\n"
        "  --node-name NAME           the node's name (default: the host name)\n"
        "  --runtime NAME             container runtime: runc (default), docker or fake\n"
        "  --register-node            create the Node if missing (default true)\n"
        "  --node-labels LIST         extra labels for the Node\n"
        "  --register-with-taints L   taints for the Node, key[=value]:Effect\n"
        "  --node-ip IP               the node's InternalIP (default 127.0.0.1)\n"
        "  --data-dir DIR             pod volumes and logs (default /var/lib/k8sc/kubelet)\n"
        "  --root-dir DIR             runtime state and images (default /var/lib/k8sc/runtime)\n"
        "  --docker-endpoint URL      Docker's socket (default unix:///var/run/docker.sock)\n"
        "  --address ADDR             node API listen address (default 127.0.0.1)\n"
        "  --port N                   node API port (default 10250; 0: any free port)\n"
        "  --capacity LIST            capacity to report instead of the machine's (simulated nodes)\n"
        "  --pod-max-pids N           most processes per container (0: the default, 4096; -1: no limit)\n"
        "  --cni-conf-dir DIR         pod network: the CNI configuration directory (default: none, loopback only;\n"
        "                             with --pod-network bridge, DATA-DIR/cni/net.d)\n"
        "  --cni-bin-dir PATH         CNI plugin directories (default /usr/lib/cni:/opt/cni/bin)\n"
        "  --cluster-dns LIST         cluster DNS addresses for pods with dnsPolicy ClusterFirst\n"
        "  --cluster-domain NAME      the cluster's DNS domain (default cluster.local)\n"
        "  --resolv-conf FILE         resolver configuration for dnsPolicy Default (default /etc/resolv.conf)\n"
        "  --pod-network MODE         bridge: run the pod-network agent (bridge CNI configuration from the\n"
        "                             node's podCIDR, host-gw routes to other nodes); none (default): do not\n"
        "                             manage the pod network\n"
        "  --help                     show this help\n");
}

static int fail(const char *what)
{
    fprintf(stderr, PROG ": %s: %s\n", what, k8sc_error_last());
    return 1;
}

int main(int argc, char **argv)
{
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    k8sc_tune_allocator();
    k8sc_kubelet_options ko = K8SC_KUBELET_OPTIONS_INIT;
    k8sc_runtime_options ro = K8SC_RUNTIME_OPTIONS_INIT;
    const char *runtime = "runc", *docker = NULL, *pod_network = "none";
    char cni_conf_dir[4096];
    char host[256] = "localhost";
    gethostname(host, sizeof(host) - 1);
    ko.node_name = host;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        bool b;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--kubeconfig"))) {
            co.kubeconfig = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--master"))) {
            co.overrides.server = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--node-name"))) {
            ko.node_name = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--runtime"))) {
            runtime = v;
        } else if (flag_bool(PROG, argv, i, "--register-node", &b)) {
            ko.register_node = b;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--node-labels"))) {
            ko.node_labels = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--register-with-taints"))) {
            ko.register_with_taints = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--node-ip"))) {
            ko.node_ip = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--data-dir"))) {
            ko.data_dir = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--root-dir"))) {
            ro.root_dir = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--docker-endpoint"))) {
            docker = strncmp(v, "unix://", 7) == 0 ? v + 7 : v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--address"))) {
            ko.listen_address = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--port"))) {
            char *end;
            long port = strtol(v, &end, 10);
            if (*end || port < 0 || port > 65535) {
                fprintf(stderr, PROG ": --port: \"%s\" is not a port number\n", v);
                return 2;
            }
            ko.port = (int)port;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--capacity"))) {
            ko.capacity = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--pod-max-pids"))) {
            char *end;
            long long n = strtoll(v, &end, 10);
            if (*end || n < -1) {
                fprintf(stderr, PROG ": --pod-max-pids: \"%s\" is not a number (-1: no limit)\n", v);
                return 2;
            }
            ko.pod_max_pids = n;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--cni-conf-dir"))) {
            ro.cni_conf_dir = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--cni-bin-dir"))) {
            ro.cni_bin_dir = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--cluster-dns"))) {
            ko.cluster_dns = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--cluster-domain"))) {
            ko.cluster_domain = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--resolv-conf"))) {
            ko.resolv_conf = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--pod-network"))) {
            if (strcmp(v, "bridge") != 0 && strcmp(v, "none") != 0) {
                fprintf(stderr, PROG ": --pod-network: \"%s\" is not bridge or none\n", v);
                return 2;
            }
            pod_network = v;
        } else {
            fprintf(stderr, PROG ": unknown argument %s\n", a);
            usage(stderr);
            return 2;
        }
    }
    ro.docker_socket = docker;
    bool bridge = strcmp(pod_network, "bridge") == 0;
    if (bridge && !ro.cni_conf_dir) {
        snprintf(cni_conf_dir, sizeof(cni_conf_dir), "%s/cni/net.d", ko.data_dir ? ko.data_dir : "/var/lib/k8sc/kubelet");
        ro.cni_conf_dir = cni_conf_dir;
    }

    handle_stop_signals();

    k8sc_client *client = NULL;
    k8sc_runtime *rt = NULL;
    k8sc_event_recorder *rec = NULL;
    k8sc_kubelet *k = NULL;
    k8sc_podnet *pn = NULL;
    int rc = 0;
    if (k8sc_client_new(&client, &co) < 0)
        rc = fail("client");
    else if (k8sc_runtime_open(&rt, runtime, &ro) < 0)
        rc = fail("container runtime");
    else if (k8sc_event_recorder_new(&rec, client, "kubelet", ko.node_name, NULL) < 0)
        rc = fail("event recorder");
    if (rc == 0) {
        ko.runtime = rt;
        ko.recorder = rec;
        if (k8sc_kubelet_new(&k, client, &ko) < 0 || k8sc_kubelet_start(k) < 0)
            rc = fail("kubelet");
    }
    if (rc == 0 && bridge) {
        k8sc_podnet_options po = K8SC_PODNET_OPTIONS_INIT;
        po.node_name = ko.node_name;
        po.conf_dir = ro.cni_conf_dir;
        if (k8sc_podnet_new(&pn, client, &po) < 0 || k8sc_podnet_start(pn) < 0)
            rc = fail("pod network");
    }
    if (rc == 0) {
        printf("kubelet for node %s (runtime %s) running against %s, node API on port %u\n", ko.node_name, runtime,
               k8sc_client_config_server(k8sc_client_get_config(client)), (unsigned)k8sc_kubelet_port(k));
        fflush(stdout);
    }
    while (rc == 0 && !stop_requested) {
        struct timespec ts = { 0, 200 * 1000000L };
        nanosleep(&ts, NULL);
    }
    k8sc_podnet_free(pn);
    k8sc_kubelet_free(k);
    k8sc_event_recorder_free(rec);
    k8sc_runtime_close(rt);
    k8sc_client_free(client);
    return rc;
}
