/* k8sc-apiserver: serve the Kubernetes API over HTTP from a libk8sc store. */
#include <k8sc/k8sc.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "signals.h"

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: k8sc-apiserver [--listen HOST:PORT] [--store URL]\n"
        "\n"
        "Serve the Kubernetes REST API over plain HTTP (point kubectl at http://HOST:PORT).\n"
        "\n"
        "  --listen HOST:PORT  address to listen on; port 0 picks a free one (default 127.0.0.1:6443)\n"
        "  --store URL         memory://, sqlite:PATH or etcd://HOST:PORT (default sqlite:./k8sc.db)\n"
        "  --help              show this help\n"
        "\n"
        "Prints \"listening on http://HOST:PORT\" once serving; SIGINT/SIGTERM stop it.\n");
}

int main(int argc, char **argv)
{
    k8sc_apiserver_options opts;
    k8sc_apiserver_options_init(&opts, K8SC_APISERVER_OPTIONS_VERSION);
    opts.listen = "127.0.0.1:6443";
    opts.store_url = "sqlite:./k8sc.db";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **target = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--listen") == 0) {
            target = &opts.listen;
        } else if (strcmp(a, "--store") == 0) {
            target = &opts.store_url;
        } else if (strncmp(a, "--listen=", 9) == 0) {
            opts.listen = a + 9;
            continue;
        } else if (strncmp(a, "--store=", 8) == 0) {
            opts.store_url = a + 8;
            continue;
        } else {
            fprintf(stderr, "k8sc-apiserver: unknown argument %s\n", a);
            usage(stderr);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "k8sc-apiserver: %s needs a value\n", a);
            return 2;
        }
        *target = argv[++i];
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
    printf("listening on http://%.*s:%d\n", colon == host ? 7 : (int)(colon - host),
        colon == host ? "0.0.0.0" : host, k8sc_apiserver_port(srv));
    fflush(stdout);
    while (!stop_requested)
        pause();
    k8sc_apiserver_free(srv);
    return 0;
}
