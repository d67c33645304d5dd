/*
 * k8sc: cluster bootstrap and node tools — `k8sc up`, `k8sc server`,
 * `k8sc agent`, `k8sc down`, `k8sc image`, `k8sc version`.
 */
#include <k8sc/k8sc.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flags.h"
#include "signals.h"

#define PROG "k8sc"

#define DEFAULT_DATA_DIR "/var/lib/k8sc/cluster"
#define DEFAULT_SERVER_DIR "/var/lib/k8sc/server"
#define DEFAULT_AGENT_DIR "/var/lib/k8sc/agent"

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: k8sc up [--data-dir DIR] [--listen ADDR:PORT] [--kubeconfig FILE] [--runtime runc|docker|fake]\n"
        "               [--node-name NAME] [--node-ip IP] [--docker-endpoint URL] [--pod-network bridge|none]\n"
        "               [--proxy-mode iptables|userspace|none] [--cluster-cidr CIDR] [--service-cidr CIDR]\n"
        "               [--cluster-dns IP] [--tls]\n"
        "                                       run a single-node cluster in this process until SIGINT/SIGTERM\n"
        "       k8sc server [--data-dir DIR] [--listen ADDR:PORT] [--store URL] [--advertise-address IP]\n"
        "                   [--token TOKEN] [--cluster-cidr CIDR] [--service-cidr CIDR] [--cluster-dns IP]\n"
        "                                       run the control plane of a multi-node cluster over HTTPS (join\n"
        "                                       token in DIR/token, CA in DIR/pki/ca.crt)\n"
        "       k8sc agent --server URL (--token TOKEN | --token-file FILE) [--ca-file FILE] [--node-name NAME]\n"
        "                  [--data-dir DIR]\n"
        "                  [--runtime runc|docker|fake] [--node-ip IP] [--kubelet-port N] [--pod-network MODE]\n"
        "                  [--proxy-mode MODE] [--cluster-cidr CIDR] [--cluster-dns IP]\n"
        "                                       run a node that joins the server's cluster\n"
        "       k8sc down [--data-dir DIR]      stop the cluster, server or agent of DIR and delete DIR with its\n"
        "                                       containers and network\n"
        "       k8sc image import FILE.tar...   import docker-save or OCI archives into the node's images\n"
        "       k8sc image ls                   list the node's images\n"
        "       k8sc image rm REF...            remove images (by name or id)\n"
        "       k8sc version                    print the version\n"
        "\n"
        "Options:\n"
        "  --data-dir DIR             the cluster's directory (default " DEFAULT_DATA_DIR ", for server\n"
        "                             " DEFAULT_SERVER_DIR ", for agent " DEFAULT_AGENT_DIR "); for image:\n"
        "                             the images of that cluster's node\n"
        "  --listen ADDR:PORT         the API server's address (default 127.0.0.1:6443)\n"
        "  --store URL                server: the store, sqlite:PATH or etcd://HOST:PORT (default sqlite in DIR)\n"
        "  --advertise-address IP     server: the address agents and pods reach it on (default the listen\n"
        "                             address); its cluster DNS listens there\n"
        "  --token TOKEN              server: the join token (default DIR/token's, else a new random one);\n"
        "                             agent: the server's token (its DIR/token): K10<CA hash>::<secret>,\n"
        "                             with which the agent fetches the server's CA and checks it\n"
        "  --token-file FILE          agent: read the token from FILE\n"
        "  --ca-file FILE             agent: the server's CA (its DIR/pki/ca.crt), for a token that is the\n"
        "                             secret alone\n"
        "  --server URL               agent: the server's API, https://HOST:PORT\n"
        "  --tls                      up: serve HTTPS with certificates in DIR/pki and a token in DIR/token\n"
        "                             (default plain HTTP, no token)\n"
        "  --kubelet-port N           agent: the kubelet's port on the node address (default 10250; 0: any)\n"
        "  --kubeconfig FILE          where up writes the kubeconfig (default DIR/kubeconfig)\n"
        "  --runtime runc|docker|fake the container runtime (default runc)\n"
        "  --node-name NAME           the node's name (default the host name)\n"
        "  --node-ip IP               the node's address (default 127.0.0.1)\n"
        "  --root-dir DIR             for image: runtime state and images (default /var/lib/k8sc/runtime)\n"
        "  --docker-endpoint URL      Docker's socket (default unix:///var/run/docker.sock)\n"
        "  --pod-network MODE         bridge: pods get addresses from the node's podCIDR on bridge k8sc0 (default,\n"
        "                             unless the runtime is fake); none: pods have loopback only\n"
        "  --proxy-mode MODE          Service proxy: iptables (default with a pod network), userspace or none\n"
        "  --cluster-cidr CIDR        the pods' range, a /24 per node (default 10.244.0.0/16)\n"
        "  --service-cidr CIDR        the Services' range (default 10.96.0.0/12)\n"
        "  --cluster-dns IP           the kube-dns Service's address (default the range's tenth, 10.96.0.10,\n"
        "                             for an agent the server's kube-dns Service; \"\" for no cluster DNS)\n");
}

static int fail(const char *what)
{
    fprintf(stderr, PROG ": %s: %s\n", what, k8sc_error_last());
    return 1;
}

/* Bytes as Docker prints them: 4.26MB. */
static void human(char *buf, size_t size, uint64_t n)
{
    static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
    double v = (double)n;
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        u++;
    }
    snprintf(buf, size, u ? "%.3g%s" : "%.0f%s", v, units[u]);
}

static int image_ls(k8sc_runtime *rt)
{
    k8sc_image **imgs = NULL;
    size_t n = 0;
    if (k8sc_runtime_list_images(rt, &imgs, &n) != 0)
        return fail("list images");
    printf("%-40s %-16s %-14s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "SIZE");
    for (size_t i = 0; i < n; i++) {
        char size[32];
        human(size, sizeof(size), imgs[i]->size);
        const char *hex = strncmp(imgs[i]->id, "sha256:", 7) == 0 ? imgs[i]->id + 7 : imgs[i]->id;
        for (size_t t = 0; t < imgs[i]->n_repo_tags || (t == 0 && imgs[i]->n_repo_tags == 0); t++) {
            const char *tag = imgs[i]->n_repo_tags ? imgs[i]->repo_tags[t] : "<none>:<none>";
            const char *colon = strrchr(tag, ':');
            const char *slash = strrchr(tag, '/');
            size_t repo_len = colon && (!slash || colon > slash) ? (size_t)(colon - tag) : strlen(tag);
            printf("%-40.*s %-16s %-14.12s %s\n", (int)repo_len, tag,
                   repo_len < strlen(tag) ? tag + repo_len + 1 : "<none>", hex, size);
        }
    }
    k8sc_image_list_free(imgs, n);
    return 0;
}

/* The token of an agent's --token-file (first line), into `buf`. */
static int read_token_file(char *buf, size_t size, const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f || !fgets(buf, (int)size, f)) {
        fprintf(stderr, PROG ": cannot read the token from %s\n", path);
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

/* Run `up`, `server` or `agent` (co->role) until SIGINT/SIGTERM. */
static int run(k8sc_cluster_options *co, const char *verb)
{
    handle_stop_signals();
    k8sc_cluster *c = NULL;
    if (k8sc_cluster_up(&c, co) != 0)
        return fail(verb);
    if (co->role == K8SC_CLUSTER_ROLE_AGENT)
        printf("agent is up: node %s joined %s\n", co->node_name ? co->node_name : "(host name)",
               k8sc_cluster_server(c));
    else if (co->role == K8SC_CLUSTER_ROLE_SERVER)
        printf("server is up: API server %s, join token in %s/token, kubeconfig %s\n", k8sc_cluster_server(c),
               co->data_dir, k8sc_cluster_kubeconfig(c));
    else
        printf("cluster is up: API server %s, kubeconfig %s\n", k8sc_cluster_server(c), k8sc_cluster_kubeconfig(c));
    fflush(stdout);
    while (!stop_requested)
        pause();
    printf("stopping the %s\n", co->role == K8SC_CLUSTER_ROLE_ALL ? "cluster" : verb);
    fflush(stdout);
    k8sc_cluster_stop(c, 10);
    return 0;
}

int main(int argc, char **argv)
{
    k8sc_runtime_options ro = K8SC_RUNTIME_OPTIONS_INIT;
    k8sc_tune_allocator();
    k8sc_cluster_options co = K8SC_CLUSTER_OPTIONS_INIT;
    const char *runtime = "runc", *data_dir = NULL, *token_file = NULL, *kubelet_port = NULL;
    char token[512];
    char *args[64];
    int nargs = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--runtime"))) {
            runtime = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--data-dir"))) {
            data_dir = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--listen"))) {
            co.listen = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--kubeconfig"))) {
            co.kubeconfig = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--node-name"))) {
            co.node_name = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--node-ip"))) {
            co.node_ip = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--pod-network"))) {
            co.pod_network = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--proxy-mode"))) {
            co.proxy_mode = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--cluster-cidr"))) {
            co.cluster_cidr = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--service-cidr"))) {
            co.service_cidr = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--cluster-dns"))) {
            co.cluster_dns = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--store"))) {
            co.store_url = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--advertise-address"))) {
            co.advertise_address = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--server"))) {
            co.server_url = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--token"))) {
            co.token = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--token-file"))) {
            token_file = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--ca-file"))) {
            co.ca_file = v;
        } else if (strcmp(argv[i], "--tls") == 0) {
            co.tls = true;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--kubelet-port"))) {
            kubelet_port = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--root-dir"))) {
            ro.root_dir = v;
        } else if ((v = flag_value(PROG, argc, argv, &i, "--docker-endpoint"))) {
            ro.docker_socket = strncmp(v, "unix://", 7) == 0 ? v + 7 : v;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, PROG ": unknown flag %s\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (nargs < (int)(sizeof(args) / sizeof(args[0]))) {
            args[nargs++] = argv[i];
        }
    }
    if (nargs == 1 && strcmp(args[0], "version") == 0) {
        printf("k8sc %s (Kubernetes API v1.32)\n", k8sc_version());
        return 0;
    }
    if (nargs == 1 && strcmp(args[0], "up") == 0) {
        co.data_dir = data_dir ? data_dir : DEFAULT_DATA_DIR;
        co.runtime = runtime;
        co.docker_socket = ro.docker_socket;
        return run(&co, "up");
    }
    if (nargs == 1 && strcmp(args[0], "server") == 0) {
        co.role = K8SC_CLUSTER_ROLE_SERVER;
        co.data_dir = data_dir ? data_dir : DEFAULT_SERVER_DIR;
        return run(&co, "server");
    }
    if (nargs == 1 && strcmp(args[0], "agent") == 0) {
        co.role = K8SC_CLUSTER_ROLE_AGENT;
        co.data_dir = data_dir ? data_dir : DEFAULT_AGENT_DIR;
        co.runtime = runtime;
        co.docker_socket = ro.docker_socket;
        char *end = NULL;
        long port = kubelet_port ? strtol(kubelet_port, &end, 10) : 10250;
        if ((kubelet_port && (!*kubelet_port || *end)) || port < 0 || port > 65535) {
            fprintf(stderr, PROG ": --kubelet-port: \"%s\" is not a port\n", kubelet_port);
            return 2;
        }
        co.kubelet_port = (int)port;
        if (token_file && read_token_file(token, sizeof(token), token_file) != 0)
            return 1;
        if (token_file)
            co.token = token;
        return run(&co, "agent");
    }
    if (nargs == 1 && strcmp(args[0], "down") == 0) {
        const char *dir = data_dir ? data_dir : DEFAULT_DATA_DIR;
        if (k8sc_cluster_delete(dir, 60000) != 0)
            return fail("down");
        printf("deleted the cluster in %s\n", dir);
        return 0;
    }
    /* `k8sc image --data-dir DIR` works on the images of that cluster's node. */
    char root[4096];
    if (data_dir && !ro.root_dir) {
        snprintf(root, sizeof(root), "%s/runtime", data_dir);
        ro.root_dir = root;
    }
    bool import = nargs >= 3 && strcmp(args[1], "import") == 0, ls = nargs == 2 && strcmp(args[1], "ls") == 0,
         rm = nargs >= 3 && strcmp(args[1], "rm") == 0;
    if (nargs < 2 || strcmp(args[0], "image") != 0 || !(import || ls || rm)) {
        usage(stderr);
        return 2;
    }
    k8sc_runtime *rt = NULL;
    if (k8sc_runtime_open(&rt, runtime, &ro) != 0)
        return fail("container runtime");
    int rc = 0;
    if (ls)
        rc = image_ls(rt);
    for (int i = 2; import && i < nargs; i++) {
        char **names = NULL;
        if (k8sc_runtime_import_image(rt, &names, args[i]) != 0) {
            fprintf(stderr, PROG ": %s: %s\n", args[i], k8sc_error_last());
            rc = 1;
            continue;
        }
        for (char **p = names; p && *p; p++)
            printf("imported %s\n", *p);
        k8sc_strv_free(names);
    }
    for (int i = 2; rm && i < nargs; i++) {
        if (k8sc_runtime_remove_image(rt, args[i]) != 0) {
            fprintf(stderr, PROG ": %s: %s\n", args[i], k8sc_error_last());
            rc = 1;
        } else {
            printf("removed %s\n", args[i]);
        }
    }
    k8sc_runtime_close(rt);
    return rc;
}
