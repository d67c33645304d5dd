/*
 * Service data-path benchmark: HTTP requests per second and latency
 * (p50/p99 from wrk --latency) through a ClusterIP with the proxy in
 * iptables mode and in userspace mode, against the pod IP directly, in
 * one run.
 *
 *   bench_network [--duration S] [--threads N] [--connections N]
 *
 * Everything happens in a private network namespace the program moves
 * into first (the node): a bridge 10.244.0.1/24, and a backend process
 * in a network namespace of its own (the pod, 10.244.0.11) attached to
 * the bridge by a veth pair, answering HTTP/1.1 keep-alive requests. An
 * in-process API server holds the Service (ClusterIP 10.96.0.10:80) and
 * its EndpointSlice; the proxy runs in-process through the net.h API;
 * wrk is the client in the node's namespace. Needs root and wrk: exits
 * 77 (skipped) without them.
 */
#include "k8sc/k8sc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NODE_IP "10.244.0.1"
#define POD_IP "10.244.0.11"
#define POD_PORT 8080
#define CLUSTER_IP "10.96.0.10"
#define SKIP 77

static void die(const char *what)
{
    fprintf(stderr, "bench_network: %s: %s\n", what, errno ? strerror(errno) : k8sc_error_last());
    exit(1);
}

/* Run a shell command; exit on failure. */
static void sh(const char *fmt, ...) K8SC_PRINTF(1, 2);
static void sh(const char *fmt, ...)
{
    char cmd[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (system(cmd) != 0) {
        fprintf(stderr, "bench_network: failed: %s\n", cmd);
        exit(1);
    }
}

/* The backend's loop: every complete request head ("\r\n\r\n") gets one small response. */
static void serve(int lfd)
{
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n";
    static const char end[] = "\r\n\r\n";
    static unsigned char matched[65536];
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd };
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) != 0)
        _exit(1);
    for (;;) {
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd) {
                int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c < 0 || c >= (int)sizeof(matched)) {
                    if (c >= 0)
                        close(c);
                    continue;
                }
                matched[c] = 0;
                struct epoll_event cev = { .events = EPOLLIN, .data.fd = c };
                epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                continue;
            }
            char buf[8192];
            ssize_t r = read(fd, buf, sizeof(buf));
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN)
                    continue;
                close(fd);
                continue;
            }
            size_t requests = 0;
            for (ssize_t j = 0; j < r; j++) {
                unsigned m = matched[fd];
                m = buf[j] == end[m] ? m + 1 : buf[j] == '\r' ? 1 : 0;
                if (m == 4) {
                    requests++;
                    m = 0;
                }
                matched[fd] = (unsigned char)m;
            }
            for (size_t j = 0; j < requests; j++)
                if (send(fd, resp, sizeof(resp) - 1, MSG_NOSIGNAL) < 0)
                    break;
        }
    }
}

/* The pod: a child in a network namespace of its own, listening on every address; its pid. */
static pid_t start_pod(void)
{
    int ready[2];
    if (pipe(ready) != 0)
        die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(ready[0]);
        int one = 1, lfd = -1;
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(POD_PORT) };
        if (unshare(CLONE_NEWNET) != 0 || (lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0
            || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0
            || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 1024) != 0)
            _exit(1);
        if (write(ready[1], "r", 1) != 1)
            _exit(1);
        close(ready[1]);
        serve(lfd);
        _exit(0);
    }
    close(ready[1]);
    char c;
    if (read(ready[0], &c, 1) != 1) {
        errno = 0;
        k8sc_error_set(K8SC_EIO, "the backend did not start");
        die("backend");
    }
    close(ready[0]);
    return pid;
}

/* The node's namespace: a bridge, and the pod attached to it. */
static void plumb(pid_t pod)
{
    sh("ip link set lo up");
    sh("ip link add br0 type bridge && ip addr add " NODE_IP "/24 dev br0 && ip link set br0 up");
    sh("ip link add veth-pod type veth peer name eth0 netns %d", (int)pod);
    sh("ip link set veth-pod master br0 up");
    /* As a node's default route would: Service addresses need a route before the nat OUTPUT chain rewrites them. */
    sh("ip route add 10.96.0.0/12 dev br0");
    sh("nsenter --net=/proc/%d/ns/net sh -c 'ip link set lo up && ip addr add " POD_IP "/24 dev eth0 && "
       "ip link set eth0 up && ip route add default via " NODE_IP "'",
        (int)pod);
}

/* One HTTP exchange with ip:port within a second: whether it answered 200. */
static bool http_ok(const char *ip, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, ip, &sa.sin_addr);
    static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    char buf[128] = "";
    bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && write(fd, req, sizeof(req) - 1) > 0
        && read(fd, buf, sizeof(buf) - 1) > 12 && strncmp(buf, "HTTP/1.1 200", 12) == 0;
    close(fd);
    return ok;
}

static void wait_http(const char *ip, int port)
{
    time_t end = time(NULL) + 20;
    while (!http_ok(ip, port)) {
        if (time(NULL) > end) {
            errno = 0;
            k8sc_error_set(K8SC_EIO, "%s:%d does not answer", ip, port);
            die("wait");
        }
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

/* A wrk latency figure ("139.00us", "1.04ms", "1.20s") in microseconds; -1 if unreadable. */
static double usecs(const char *s)
{
    char *unit;
    double v = strtod(s, &unit);
    if (unit == s)
        return -1;
    if (strncmp(unit, "us", 2) == 0)
        return v;
    if (strncmp(unit, "ms", 2) == 0)
        return v * 1e3;
    if (unit[0] == 's')
        return v * 1e6;
    return unit[0] == 'm' ? v * 60e6 : -1;
}

typedef struct run_opts {
    int duration_s, threads, connections;
} run_opts;

typedef struct figures {
    double rps, p50, p99; /* p50 and p99 in microseconds */
} figures;

/* wrk against ip:port: one row of the table, with the latency added to `base` (may be NULL). */
static figures measure(const char *path, const char *ip, int port, const run_opts *o, const figures *base)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "wrk -t%d -c%d -d%ds --latency http://%s:%d/ 2>&1", o->threads, o->connections,
        o->duration_s, ip, port);
    FILE *f = popen(cmd, "r");
    if (!f)
        die("wrk");
    double rps = -1, p50 = -1, p99 = -1;
    long errors = 0;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        const char *s = line + strspn(line, " \t");
        if (strncmp(s, "50%", 3) == 0)
            p50 = usecs(s + 3 + strspn(s + 3, " "));
        else if (strncmp(s, "99%", 3) == 0)
            p99 = usecs(s + 3 + strspn(s + 3, " "));
        else if (strncmp(s, "Requests/sec:", 13) == 0)
            rps = strtod(s + 13, NULL);
        else if (strncmp(s, "Socket errors:", 14) == 0 || strncmp(s, "Non-2xx", 7) == 0)
            errors++;
    }
    int st = pclose(f);
    if (st != 0 || rps < 0 || p50 < 0 || p99 < 0) {
        fprintf(stderr, "bench_network: %s: wrk failed or printed no figures (status %d)\n", path, st);
        exit(1);
    }
    printf("  %-26s %9.0f %9.0f us %9.0f us", path, rps, p50, p99);
    if (base)
        printf(" %+9.0f us %+9.0f us", p50 - base->p50, p99 - base->p99);
    else
        printf(" %12s %12s", "-", "-");
    printf("%s\n", errors ? "  (wrk reported errors)" : "");
    fflush(stdout);
    return (figures){ rps, p50, p99 };
}

typedef struct cluster {
    k8sc_store *store;
    k8sc_registry *registry;
    k8sc_apiserver *srv;
    k8sc_client *client;
} cluster;

static void create(k8sc_client *client, const char *json)
{
    k8sc_object *obj = NULL;
    if (k8sc_object_from_json(&obj, json, strlen(json)) != 0 || k8sc_client_create(NULL, client, obj) != 0) {
        errno = 0;
        die("create");
    }
    k8sc_object_free(obj);
}

/* An API server on the node's loopback holding the Service and the pod's EndpointSlice. */
static void cluster_start(cluster *c)
{
    errno = 0;
    if (k8sc_store_open(&c->store, "memory://", NULL) != 0 || k8sc_registry_new(&c->registry) != 0)
        die("store");
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = c->store;
    o.registry = c->registry;
    if (k8sc_apiserver_new(&c->srv, &o) != 0 || k8sc_apiserver_start(c->srv) != 0)
        die("apiserver");
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", k8sc_apiserver_port(c->srv));
    k8sc_client_config *cfg = NULL;
    k8sc_client_options co = K8SC_CLIENT_OPTIONS_INIT;
    if (k8sc_client_config_from_url(&cfg, url) != 0)
        die("client");
    co.config = cfg;
    int rc = k8sc_client_new(&c->client, &co);
    k8sc_client_config_free(cfg);
    if (rc != 0)
        die("client");
    create(c->client, "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\",\"namespace\":"
                      "\"default\"},\"spec\":{\"clusterIP\":\"" CLUSTER_IP "\",\"ports\":[{\"name\":\"http\","
                      "\"port\":80,\"targetPort\":8080}]}}");
    create(c->client, "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":"
                      "\"web-1\",\"namespace\":\"default\",\"labels\":{\"kubernetes.io/service-name\":\"web\"}},"
                      "\"addressType\":\"IPv4\",\"ports\":[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\"}],"
                      "\"endpoints\":[{\"addresses\":[\"" POD_IP "\"],\"conditions\":{\"ready\":true}}]}");
}

static void cluster_stop(cluster *c)
{
    k8sc_client_free(c->client);
    k8sc_apiserver_free(c->srv);
    k8sc_registry_free(c->registry);
    k8sc_store_close(c->store);
}

/* The ClusterIP path with the proxy in `mode`, from its first sync to its removal. */
static void through_proxy(const cluster *c, k8sc_proxy_mode mode, const char *path, const run_opts *o,
    const figures *direct)
{
    k8sc_proxy_options po = K8SC_PROXY_OPTIONS_INIT;
    po.mode = mode;
    po.node_ip = NODE_IP;
    po.node_name = "node-a";
    po.min_sync_ms = 100;
    k8sc_proxy *p = NULL;
    errno = 0;
    if (k8sc_proxy_new(&p, c->client, &po) != 0 || k8sc_proxy_start(p) != 0)
        die("proxy");
    wait_http(CLUSTER_IP, 80);
    measure(path, CLUSTER_IP, 80, o, direct);
    k8sc_proxy_free(p);
}

int main(int argc, char **argv)
{
    run_opts o = { 5, 2, 20 };
    for (int i = 1; i < argc; i++) {
        int *v = strcmp(argv[i], "--duration") == 0 ? &o.duration_s
            : strcmp(argv[i], "--threads") == 0     ? &o.threads
            : strcmp(argv[i], "--connections") == 0 ? &o.connections
                                                    : NULL;
        if (!v || i + 1 >= argc) {
            o.duration_s = 0;
            break;
        }
        *v = atoi(argv[++i]);
    }
    if (o.duration_s < 1 || o.duration_s > 600 || o.threads < 1 || o.threads > 64 || o.connections < o.threads
        || o.connections > 10000) {
        fprintf(stderr, "usage: bench_network [--duration 1..600] [--threads 1..64] [--connections threads..10000]\n");
        return 2;
    }
    if (geteuid() != 0 || system("command -v wrk >/dev/null 2>&1 && command -v nsenter >/dev/null 2>&1") != 0) {
        printf("bench_network: skipped (needs root, wrk and nsenter)\n");
        return SKIP;
    }
    k8sc_log_set_handler(NULL, K8SC_LOG_WARN, NULL);
    if (unshare(CLONE_NEWNET) != 0)
        die("private network namespace");
    pid_t pod = start_pod();
    plumb(pod);
    wait_http(POD_IP, POD_PORT);
    cluster c = { NULL, NULL, NULL, NULL };
    cluster_start(&c);
    printf("network: HTTP through one Service port to one pod, wrk -t%d -c%d -d%ds\n", o.threads, o.connections,
        o.duration_s);
    printf("  %-26s %9s %12s %12s %12s %12s\n", "path", "req/s", "p50", "p99", "added p50", "added p99");
    figures direct = measure("pod IP (direct)", POD_IP, POD_PORT, &o, NULL);
    through_proxy(&c, K8SC_PROXY_MODE_IPTABLES, "ClusterIP, iptables mode", &o, &direct);
    through_proxy(&c, K8SC_PROXY_MODE_USERSPACE, "ClusterIP, userspace mode", &o, &direct);
    cluster_stop(&c);
    kill(pod, SIGKILL);
    while (waitpid(pod, NULL, 0) < 0 && errno == EINTR)
        ;
    return 0;
}
