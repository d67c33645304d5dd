/* k8sc-apiserver: serve the Kubernetes API over HTTP or HTTPS from a libk8sc store. */
#include <k8sc/k8sc.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "signals.h"

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: k8sc-apiserver [--listen HOST:PORT] [--store URL] [--service-cluster-ip-range CIDR]\n"
        "                      [--service-node-port-range RANGE] [--advertise-address IP]\n"
        "                      [--token-auth-file FILE] [--service-account-signing-key-file FILE]\n"
        "                      [--tls-cert-file FILE --tls-private-key-file FILE [--secure-port N]]\n"
        "\n"
        "Serve the Kubernetes REST API over HTTP, or HTTPS with a certificate (point kubectl at\n"
        "http://HOST:PORT or https://HOST:PORT).\n"
        "\n"
        "  --listen HOST:PORT  address to listen on; port 0 picks a free one (default 127.0.0.1:6443)\n"
        "  --store URL         memory://, sqlite:PATH or etcd://HOST:PORT (default sqlite:./k8sc.db)\n"
        "  --service-cluster-ip-range CIDR\n"
        "                      IPv4 range of Service ClusterIPs, /12 to /30; its first address is the\n"
        "                      kubernetes Service's (default 10.96.0.0/12)\n"
        "  --service-node-port-range RANGE\n"
        "                      NodePorts, FIRST-LAST or FIRST+OFFSET (default 30000-32767)\n"
        "  --advertise-address IP\n"
        "                      address published in the kubernetes Endpoints (default: the listen\n"
        "                      address, or 127.0.0.1 when listening on all)\n"
        "  --token-auth-file FILE\n"
        "                      static bearer tokens, CSV token,user,uid[,\"group1,group2\"]; then every\n"
        "                      request but /healthz, /livez, /readyz and /version needs one (else 401)\n"
        "  --service-account-signing-key-file FILE\n"
        "                      PEM RSA private key that signs service account tokens (TokenRequest);\n"
        "                      default: a key made when the first token is asked for\n"
        "  --tls-cert-file FILE\n"
        "                      PEM serving certificate (then its chain, if any): serve HTTPS\n"
        "  --tls-private-key-file FILE\n"
        "                      PEM private key of that certificate (RSA or ECDSA, unencrypted)\n"
        "  --secure-port N     the HTTPS port, replacing --listen's (with the two above)\n"
        "  --help              show this help\n"
        "\n"
        "Prints \"listening on http(s)://HOST:PORT\" once serving; SIGINT/SIGTERM stop it.\n");
}

/* The option that flag `arg` (its first `n` characters) sets, or NULL for an unknown flag. */
static const char **flag_target(k8sc_apiserver_options *opts, const char **secure_port, const char *arg, size_t n)
{
    static const char *const names[] = {
        "--listen", "--store", "--service-cluster-ip-range", "--service-node-port-range", "--advertise-address",
        "--token-auth-file", "--service-account-signing-key-file", "--tls-cert-file", "--tls-private-key-file",
        "--secure-port",
    };
    const char **fields[] = {
        &opts->listen, &opts->store_url, &opts->service_cluster_ip_range, &opts->service_node_port_range,
        &opts->advertise_address, &opts->token_file, &opts->service_account_key_file, &opts->tls_cert_file,
        &opts->tls_key_file, secure_port,
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == n && strncmp(arg, names[i], n) == 0)
            return fields[i];
    return NULL;
}

int main(int argc, char **argv)
{
    k8sc_apiserver_options opts;
    k8sc_tune_allocator();
    k8sc_apiserver_options_init(&opts, K8SC_APISERVER_OPTIONS_VERSION);
    opts.listen = "127.0.0.1:6443";
    opts.store_url = "sqlite:./k8sc.db";
    const char *secure_port = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        const char *eq = strchr(a, '=');
        const char **target = flag_target(&opts, &secure_port, a, eq ? (size_t)(eq - a) : strlen(a));
        if (!target) {
            fprintf(stderr, "k8sc-apiserver: unknown argument %s\n", a);
            usage(stderr);
            return 2;
        }
        if (eq) {
            *target = eq + 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "k8sc-apiserver: %s needs a value\n", a);
            return 2;
        }
        *target = argv[++i];
    }
    /* --secure-port keeps --listen's host, as kube-apiserver's keeps --bind-address. */
    char listen[300];
    if (secure_port) {
        char *end = NULL;
        long port = strtol(secure_port, &end, 10);
        if (!*secure_port || *end || port < 0 || port > 65535) {
            fprintf(stderr, "k8sc-apiserver: --secure-port: \"%s\" is not a port\n", secure_port);
            return 2;
        }
        if (!opts.tls_cert_file) {
            fprintf(stderr, "k8sc-apiserver: --secure-port needs --tls-cert-file and --tls-private-key-file\n");
            return 2;
        }
        const char *colon = strrchr(opts.listen, ':');
        snprintf(listen, sizeof(listen), "%.*s:%ld", colon ? (int)(colon - opts.listen) : 0, opts.listen, port);
        opts.listen = listen;
    }

    handle_stop_signals();

    k8sc_apiserver *srv = NULL;
    if (k8sc_apiserver_new(&srv, &opts) || k8sc_apiserver_start(srv)) {
        fprintf(stderr, "k8sc-apiserver: %s\n", k8sc_error_last());
        k8sc_apiserver_free(srv);
        return 1;
    }
    const char *host = opts.listen;
    const char *colon = strrchr(host, ':');
    printf("listening on %s://%.*s:%d\n", opts.tls_cert_file ? "https" : "http", colon == host ? 7 : (int)(colon - host),
        colon == host ? "0.0.0.0" : host, k8sc_apiserver_port(srv));
    fflush(stdout);
    while (!stop_requested)
        pause();
    k8sc_apiserver_free(srv);
    return 0;
}
