/* k8sc-dns: the cluster DNS server (what CoreDNS's kubernetes plugin serves). */
#include <k8sc/k8sc.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flags.h"
#include "signals.h"

#define PROG "k8sc-dns"

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: k8sc-dns [--kubeconfig FILE] [--master URL] [--listen ADDR:PORT] [--domain DOMAIN]\n"
        "                [--resolv-conf FILE] [--ttl SECONDS]\n"
        "\n"
        "Answer DNS for the cluster domain from Services and EndpointSlices, following the\n"
        "Kubernetes DNS specification, and forward other names to the upstream resolvers.\n"
        "\n"
        "  --kubeconfig FILE   kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)\n"
        "  --master URL        API server URL, overriding the kubeconfig's\n"
        "  --listen ADDR:PORT  UDP and TCP address (default 127.0.0.1:53; port 0 picks one)\n"
        "  --domain DOMAIN     cluster domain (default cluster.local)\n"
        "  --resolv-conf FILE  where the upstream nameservers are read (default /etc/resolv.conf)\n"
        "  --ttl SECONDS       TTL of the answers (default 5)\n"
        "  --help              show this help\n");
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
    k8sc_dns_options o = K8SC_DNS_OPTIONS_INIT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--kubeconfig"))) {
            co.kubeconfig = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--master"))) {
            co.overrides.server = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--listen"))) {
            o.listen = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--domain"))) {
            o.domain = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--resolv-conf"))) {
            o.resolv_conf = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--ttl"))) {
            char *end = NULL;
            unsigned long ttl = strtoul(v, &end, 10);
            if (*v < '0' || *v > '9' || *end || ttl == 0 || ttl > 86400) {
                fprintf(stderr, PROG ": --ttl takes 1 to 86400 seconds, not \"%s\"\n", v);
                return 2;
            }
            o.ttl = (unsigned int)ttl;
        } else {
            fprintf(stderr, PROG ": unknown argument %s\n", a);
            usage(stderr);
            return 2;
        }
    }

    handle_stop_signals();

    k8sc_client *client = NULL;
    k8sc_dns *dns = NULL;
    int rc = 0;
    if (k8sc_client_new(&client, &co) < 0)
        rc = fail("client");
    else if (k8sc_dns_new(&dns, client, &o) < 0)
        rc = fail("dns");
    else if (k8sc_dns_start(dns) < 0)
        rc = fail("listen");
    if (rc == 0) {
        if (k8sc_dns_wait_synced(dns, 30000) < 0)
            fprintf(stderr, PROG ": informers not synced yet; answering from what is known\n");
        printf("dns serving %s on port %d against %s\n", o.domain ? o.domain : "cluster.local", k8sc_dns_port(dns),
            k8sc_client_config_server(k8sc_client_get_config(client)));
        fflush(stdout);
    }
    while (rc == 0 && !stop_requested) {
        struct timespec ts = { 0, 200 * 1000000L };
        nanosleep(&ts, NULL);
    }
    k8sc_dns_free(dns);
    k8sc_client_free(client);
    return rc;
}
