/*
 * The service proxy end to end, in both modes, inside a private network
 * namespace (root only): an in-process API server, two backends on
 * addresses of the namespace's loopback, Services and EndpointSlices made
 * through the client, connections to the ClusterIP and the NodePort.
 */
#include <k8sc/k8sc.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "k8sc/net.h"
#include "apitest.h"
#include "testutil.h"

#define NODE_IP "10.0.0.1"
#define BACKEND_A "10.1.0.1"
#define BACKEND_B "10.1.0.2"
#define CLUSTER_IP "10.96.0.10"
#define EMPTY_IP "10.96.0.11"
#define DNS_IP "10.96.0.12"
#define COUNT_IP "10.96.0.13"
#define BULK (200 * 1024)

static api_server api;

/* A backend: answers every connection with its name, then closes. */
typedef struct backend {
    int fd;
    char name;
    atomic_bool stop;
    pthread_t thread;
} backend;

static backend backends[2];
static backend udp_backend;
static backend count_backend;

static void *backend_main(void *arg)
{
    backend *b = arg;
    while (!atomic_load(&b->stop)) {
        struct pollfd pf = { b->fd, POLLIN, 0 };
        if (poll(&pf, 1, 100) <= 0)
            continue;
        int c = accept(b->fd, NULL, NULL);
        if (c < 0)
            continue;
        ssize_t w = write(c, &b->name, 1);
        (void)w;
        close(c);
    }
    return NULL;
}

/* A counting backend: reads until the client half-closes, then answers how many bytes came. */
static void *count_backend_main(void *arg)
{
    backend *b = arg;
    while (!atomic_load(&b->stop)) {
        struct pollfd pf = { b->fd, POLLIN, 0 };
        if (poll(&pf, 1, 100) <= 0)
            continue;
        int c = accept(b->fd, NULL, NULL);
        if (c < 0)
            continue;
        struct timeval tv = { 5, 0 };
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        char buf[8192];
        long total = 0;
        ssize_t n;
        while ((n = read(c, buf, sizeof(buf))) > 0)
            total += n;
        int len = snprintf(buf, sizeof(buf), "%s%ld", n == 0 ? "n=" : "error ", total);
        ssize_t w = write(c, buf, (size_t)len);
        (void)w;
        close(c);
    }
    return NULL;
}

/* A UDP backend: answers every datagram with its name followed by the datagram. */
static void *udp_backend_main(void *arg)
{
    backend *b = arg;
    while (!atomic_load(&b->stop)) {
        struct pollfd pf = { b->fd, POLLIN, 0 };
        if (poll(&pf, 1, 100) <= 0)
            continue;
        char buf[512];
        struct sockaddr_in from;
        socklen_t len = sizeof(from);
        ssize_t n = recvfrom(b->fd, buf + 1, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &len);
        if (n < 0)
            continue;
        buf[0] = b->name;
        sendto(b->fd, buf, (size_t)n + 1, 0, (struct sockaddr *)&from, len);
    }
    return NULL;
}

static void backend_start(backend *b, const char *ip, int port, int type, char name, void *(*fn)(void *))
{
    b->fd = socket(AF_INET, type, 0);
    int one = 1;
    setsockopt(b->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, ip, &sa.sin_addr);
    ck_assert_msg(bind(b->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind %s: %s", ip, strerror(errno));
    ck_assert_int_eq(type == SOCK_DGRAM || listen(b->fd, 64) == 0, 1);
    b->name = name;
    atomic_store(&b->stop, false);
    ck_assert_int_eq(pthread_create(&b->thread, NULL, fn, b), 0);
}

static void backend_stop(backend *b)
{
    atomic_store(&b->stop, true);
    pthread_join(b->thread, NULL);
    close(b->fd);
}

static k8sc_object *parse(const char *json)
{
    k8sc_object *obj = NULL;
    ck_assert_msg(k8sc_object_from_json(&obj, json, strlen(json)) == 0, "%s", k8sc_error_last());
    return obj;
}

static void create(const char *json)
{
    k8sc_object *obj = parse(json);
    ck_assert_msg(k8sc_client_create(NULL, api.client, obj) == 0, "%s", k8sc_error_last());
    k8sc_object_free(obj);
}

static void patch(const char *api_version, const char *kind, const char *name, const char *json)
{
    ck_assert_msg(k8sc_client_patch(NULL, api.client, api_version, kind, "default", name, K8SC_PATCH_MERGE, json) == 0,
        "%s", k8sc_error_last());
}

/* The endpoints of slice web-1: `a` and `b` are "ready", "notready" or NULL (absent). */
static void set_endpoints(const char *a, const char *b)
{
    char json[512];
    int n = snprintf(json, sizeof(json), "{\"endpoints\":[");
    const char *ips[] = { BACKEND_A, BACKEND_B };
    const char *states[] = { a, b };
    bool first = true;
    for (int i = 0; i < 2; i++) {
        if (!states[i])
            continue;
        n += snprintf(json + n, sizeof(json) - (size_t)n, "%s{\"addresses\":[\"%s\"],\"conditions\":{\"ready\":%s}}",
            first ? "" : ",", ips[i], strcmp(states[i], "ready") == 0 ? "true" : "false");
        first = false;
    }
    snprintf(json + n, sizeof(json) - (size_t)n, "]}");
    patch("discovery.k8s.io/v1", "EndpointSlice", "web-1", json);
}

/*
 * Connect to ip:port and read one byte: the backend's name, 'R' if
 * refused, 'T' on timeout, 'E' otherwise. A SYN rejected on its way out
 * of this host is refused only at its first retransmission (the ICMP
 * error of the first one arrives while connect() holds the socket), hence
 * the 3 s.
 */
static char ask(const char *ip, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = { 3, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, ip, &sa.sin_addr);
    char c = 'E';
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        c = errno == ECONNREFUSED ? 'R' : errno == EINPROGRESS || errno == ETIMEDOUT ? 'T' : 'E';
    else if (read(fd, &c, 1) != 1)
        c = 'E';
    close(fd);
    return c;
}

/* Send `msg` over UDP from a connected socket; the reply, or "" after 1 s. */
static void ask_udp(char *reply, size_t size, const char *ip, int port, const char *msg)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct timeval tv = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, ip, &sa.sin_addr);
    ssize_t n = -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && send(fd, msg, strlen(msg), 0) >= 0)
        n = recv(fd, reply, size - 1, 0);
    reply[n > 0 ? n : 0] = '\0';
    close(fd);
}

/* Send BULK bytes to ip:port, half-close, and read the answer into `reply`. */
static void send_bulk(char *reply, size_t size, const char *ip, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = { 5, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, ip, &sa.sin_addr);
    size_t got = 0;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        static char data[BULK];
        size_t sent = 0;
        ssize_t n;
        while (sent < sizeof(data) && (n = write(fd, data + sent, sizeof(data) - sent)) > 0)
            sent += (size_t)n;
        shutdown(fd, SHUT_WR);
        while (got + 1 < size && (n = read(fd, reply + got, size - 1 - got)) > 0)
            got += (size_t)n;
    }
    reply[got] = '\0';
    close(fd);
}

/* Ask up to 40 times; which answers came, as a set of flags. */
static int answers(const char *ip, int port, int tries)
{
    int seen = 0;
    for (int i = 0; i < tries; i++) {
        char c = ask(ip, port);
        seen |= c == 'a' ? 1 : c == 'b' ? 2 : c == 'R' ? 4 : 8;
    }
    return seen;
}

/* Wait (up to 15 s) until `tries` connections give exactly the answers `want`. */
static void wait_answers(const char *ip, int port, int want, int tries)
{
    int seen = 0;
    time_t end = time(NULL) + 15;
    while (time(NULL) < end) {
        if ((seen = answers(ip, port, tries)) == want)
            return;
        struct timespec ts = { 0, 100 * 1000000L };
        nanosleep(&ts, NULL);
    }
    if (system("iptables-save >&2") != 0)
        fprintf(stderr, "iptables-save failed\n");
    ck_abort_msg("%s:%d: answers %#x, wanted %#x", ip, port, seen, want);
}

static bool kube_chains_left(void)
{
    FILE *f = popen("iptables-save 2>/dev/null | grep -c '^:KUBE-\\|-j KUBE-'", "r");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = -1;
        pclose(f);
    }
    return n != 0;
}

static void setup(void)
{
    api_server_start(&api, 10000);
    backend_start(&backends[0], BACKEND_A, 8080, SOCK_STREAM, 'a', backend_main);
    backend_start(&backends[1], BACKEND_B, 8080, SOCK_STREAM, 'b', backend_main);
    backend_start(&udp_backend, BACKEND_A, 8053, SOCK_DGRAM, 'u', udp_backend_main);
    backend_start(&count_backend, BACKEND_B, 8081, SOCK_STREAM, 'c', count_backend_main);
}

static void teardown(void)
{
    backend_stop(&backends[0]);
    backend_stop(&backends[1]);
    backend_stop(&udp_backend);
    backend_stop(&count_backend);
    api_server_free(&api);
}

static k8sc_proxy *proxy_start(k8sc_proxy_mode mode)
{
    k8sc_proxy_options o = K8SC_PROXY_OPTIONS_INIT;
    o.mode = mode;
    o.node_ip = NODE_IP;
    o.node_name = "node-a";
    o.min_sync_ms = 100;
    k8sc_proxy *p = NULL;
    ck_assert_msg(k8sc_proxy_new(&p, api.client, &o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_proxy_start(p) == 0, "%s", k8sc_error_last());
    return p;
}

START_TEST(test_proxy_serves_services)
{
    k8sc_proxy_mode mode = (k8sc_proxy_mode)_i;
    create("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"type\":\"NodePort\","
           "\"clusterIP\":\"" CLUSTER_IP "\",\"selector\":{\"app\":\"web\"},\"ports\":[{\"name\":\"http\",\"port\":80,"
           "\"targetPort\":8080,\"nodePort\":30080}]}}");
    create("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"empty\"},\"spec\":{\"type\":\"NodePort\","
           "\"clusterIP\":\"" EMPTY_IP "\",\"selector\":{\"app\":\"none\"},\"ports\":[{\"port\":80,\"nodePort\":30081}]}}");
    create("{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"web-1\","
           "\"labels\":{\"kubernetes.io/service-name\":\"web\"}},\"addressType\":\"IPv4\","
           "\"ports\":[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\"}],\"endpoints\":[]}");
    set_endpoints("ready", "ready");
    create("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"dns\"},\"spec\":{"
           "\"clusterIP\":\"" DNS_IP "\",\"ports\":[{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\"}]}}");
    create("{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"dns-1\","
           "\"labels\":{\"kubernetes.io/service-name\":\"dns\"}},\"addressType\":\"IPv4\","
           "\"ports\":[{\"name\":\"dns\",\"port\":8053,\"protocol\":\"UDP\"}],"
           "\"endpoints\":[{\"addresses\":[\"" BACKEND_A "\"]}]}");
    create("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"count\"},\"spec\":{"
           "\"clusterIP\":\"" COUNT_IP "\",\"ports\":[{\"port\":81}]}}");
    create("{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"count-1\","
           "\"labels\":{\"kubernetes.io/service-name\":\"count\"}},\"addressType\":\"IPv4\","
           "\"ports\":[{\"port\":8081}],\"endpoints\":[{\"addresses\":[\"" BACKEND_B "\"]}]}");
    k8sc_proxy *p = proxy_start(mode);

    /* Both endpoints answer on the ClusterIP and on the NodePort. */
    wait_answers(CLUSTER_IP, 80, 1 | 2, 40);
    wait_answers(NODE_IP, 30080, 1 | 2, 40);
    /* A Service without endpoints is refused, on both. */
    wait_answers(EMPTY_IP, 80, 4, 3);
    wait_answers(NODE_IP, 30081, 4, 3);
    ck_assert_uint_ge(k8sc_proxy_sync_count(p), 1);

    /* More than a relay buffer one way, then a half-close: everything arrives and the answer comes back. */
    char counted[64];
    send_bulk(counted, sizeof(counted), COUNT_IP, 81);
    ck_assert_str_eq(counted, "n=204800");

    /* UDP: the reply comes back from the ClusterIP, twice from one client socket, and for another client. */
    char reply[64];
    ask_udp(reply, sizeof(reply), DNS_IP, 53, "q1");
    ck_assert_str_eq(reply, "uq1");
    ask_udp(reply, sizeof(reply), DNS_IP, 53, "q2");
    ck_assert_str_eq(reply, "uq2");

    /* An endpoint that is not ready gets no traffic; one that is removed neither. */
    set_endpoints("ready", "notready");
    wait_answers(CLUSTER_IP, 80, 1, 20);
    set_endpoints(NULL, "ready");
    wait_answers(CLUSTER_IP, 80, 2, 20);
    wait_answers(NODE_IP, 30080, 2, 20);
    /* No endpoint left: refused. */
    set_endpoints(NULL, NULL);
    wait_answers(CLUSTER_IP, 80, 4, 3);

    /* ClientIP affinity: every connection of this client goes to the same endpoint. */
    set_endpoints("ready", "ready");
    wait_answers(CLUSTER_IP, 80, 1 | 2, 40);
    patch("v1", "Service", "web", "{\"spec\":{\"sessionAffinity\":\"ClientIP\"}}");
    uint64_t before = k8sc_proxy_sync_count(p);
    for (int i = 0; i < 100 && k8sc_proxy_sync_count(p) == before; i++) {
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
    ck_assert_uint_gt(k8sc_proxy_sync_count(p), before);
    char first = ask(CLUSTER_IP, 80);
    ck_assert_msg(first == 'a' || first == 'b', "answer %c", first);
    int seen = answers(CLUSTER_IP, 80, 30);
    ck_assert_int_eq(seen, first == 'a' ? 1 : 2);

    k8sc_proxy_stop(p);
    ck_assert_msg(!kube_chains_left(), "KUBE-* rules left after stop");
    ck_assert_int_ne(ask(CLUSTER_IP, 80), 'a');
    k8sc_proxy_free(p);
}
END_TEST

START_TEST(test_cleanup_removes_leftovers)
{
    k8sc_proxy_mode mode = (k8sc_proxy_mode)_i;
    create("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"type\":\"NodePort\","
           "\"clusterIP\":\"" CLUSTER_IP "\",\"ports\":[{\"name\":\"http\",\"port\":80,\"nodePort\":30080}]}}");
    create("{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"web-1\","
           "\"labels\":{\"kubernetes.io/service-name\":\"web\"}},\"addressType\":\"IPv4\","
           "\"ports\":[{\"name\":\"http\",\"port\":8080}],\"endpoints\":[{\"addresses\":[\"" BACKEND_A "\"]}]}");
    k8sc_proxy *p = proxy_start(mode);
    wait_answers(CLUSTER_IP, 80, 1, 5);
    ck_assert(kube_chains_left());
    /* As after a crash: the rules stay, --cleanup removes them. */
    ck_assert_msg(k8sc_proxy_cleanup(NULL) == 0, "%s", k8sc_error_last());
    ck_assert_msg(!kube_chains_left(), "KUBE-* rules left after cleanup");
    ck_assert_int_eq(k8sc_proxy_cleanup(NULL), 0);
    k8sc_proxy_options bad = K8SC_PROXY_OPTIONS_INIT;
    bad.version = 42;
    ck_assert_int_eq(k8sc_proxy_cleanup(&bad), K8SC_EINVAL);
    k8sc_proxy_free(p);
    ck_assert(!kube_chains_left());
}
END_TEST

/* Move into a private network namespace with a node address, a default route and the backends' addresses. */
static int private_network(void)
{
    if (unshare(CLONE_NEWNET) != 0) {
        perror("unshare(CLONE_NEWNET)");
        return -1;
    }
    const char *cmds[] = {
        "ip link set lo up",
        "ip link add k8sc-node type veth peer name k8sc-peer",
        "ip addr add " NODE_IP "/24 dev k8sc-node",
        "ip link set k8sc-node up",
        "ip link set k8sc-peer up",
        "ip route add default via 10.0.0.2 dev k8sc-node",
        "ip addr add " BACKEND_A "/32 dev lo",
        "ip addr add " BACKEND_B "/32 dev lo",
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (system(cmds[i]) != 0) {
            fprintf(stderr, "failed: %s\n", cmds[i]);
            return -1;
        }
    return 0;
}

int main(void)
{
    if (geteuid() != 0) {
        printf("SKIPPED (needs root)\n");
        return 0;
    }
    if (private_network() != 0)
        return 1;
    Suite *s = suite_create("proxy");
    TCase *tc = tcase_create("modes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_proxy_serves_services, K8SC_PROXY_MODE_IPTABLES, K8SC_PROXY_MODE_USERSPACE + 1);
    tcase_add_loop_test(tc, test_cleanup_removes_leftovers, K8SC_PROXY_MODE_IPTABLES, K8SC_PROXY_MODE_USERSPACE + 1);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
