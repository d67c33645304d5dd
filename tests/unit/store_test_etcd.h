/*
 * Start and stop private etcd servers for the store tests: members on
 * 127.0.0.1 with free ports and a data directory under a temporary one.
 * Only processes started here are ever signalled, by their PID.
 */
#ifndef K8SC_STORE_TEST_ETCD_H
#define K8SC_STORE_TEST_ETCD_H

#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define K8SC_TEST_ETCD_BIN "/usr/bin/etcd"
#define K8SC_TEST_ETCD_SKIP 1
#define K8SC_TEST_ETCD_MAX 3

typedef struct k8sc_test_etcd {
    int members;
    pid_t pids[K8SC_TEST_ETCD_MAX];
    int client_port[K8SC_TEST_ETCD_MAX];
    int peer_port[K8SC_TEST_ETCD_MAX];
    char endpoints[256];
} k8sc_test_etcd;

static inline int k8sc_test_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static inline size_t k8sc_test_etcd_sink(char *ptr, size_t size, size_t n, void *ud)
{
    size_t len = strlen((char *)ud), add = size * n;
    if (len + add < 256) {
        memcpy((char *)ud + len, ptr, add);
        ((char *)ud)[len + add] = '\0';
    }
    return size * n;
}

/* True once member i answers /health with "true". */
static inline int k8sc_test_etcd_healthy(const k8sc_test_etcd *e, int i)
{
    char url[64], body[256] = "";
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/health", e->client_port[i]);
    CURL *c = curl_easy_init();
    if (!c)
        return 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, k8sc_test_etcd_sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *)body);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    return rc == CURLE_OK && strstr(body, "\"true\"") != NULL;
}

static inline pid_t k8sc_test_etcd_spawn(const k8sc_test_etcd *e, int i, const char *dir, const char *cluster)
{
    char name[16], data[512], log[512], curl_[64], purl[64];
    snprintf(name, sizeof(name), "m%d", i);
    snprintf(data, sizeof(data), "%s/etcd-%s", dir, name);
    snprintf(log, sizeof(log), "%s/etcd-%s.log", dir, name);
    snprintf(curl_, sizeof(curl_), "http://127.0.0.1:%d", e->client_port[i]);
    snprintf(purl, sizeof(purl), "http://127.0.0.1:%d", e->peer_port[i]);
    pid_t pid = fork();
    if (pid == 0) {
        /* If the test process dies (a failed or timed-out test), etcd goes with it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        FILE *f = freopen(log, "a", stdout);
        if (f)
            dup2(fileno(stdout), 2);
        execl(K8SC_TEST_ETCD_BIN, K8SC_TEST_ETCD_BIN, "--name", name, "--data-dir", data, "--listen-client-urls",
              curl_, "--advertise-client-urls", curl_, "--listen-peer-urls", purl, "--initial-advertise-peer-urls",
              purl, "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token",
              "k8sc-test", "--logger", "zap", "--log-level", "error", "--heartbeat-interval", "50",
              "--election-timeout", "500",
              /* room for a K8SC_STORE_MAX_VALUE value plus its key */
              "--max-request-bytes", "2097152", (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Wait up to 30 s until every running member is healthy. */
static inline int k8sc_test_etcd_wait(const k8sc_test_etcd *e)
{
    for (int tries = 0; tries < 300; tries++) {
        int ok = 0, running = 0;
        for (int i = 0; i < e->members; i++) {
            if (e->pids[i] <= 0)
                continue;
            running++;
            ok += k8sc_test_etcd_healthy(e, i);
        }
        if (ok == running)
            return 0;
        usleep(100000);
    }
    return -1;
}

/*
 * Start `members` etcd members (1..3) under `dir`. 0 and *out set;
 * K8SC_TEST_ETCD_SKIP (with *out NULL) when etcd is absent and CI is
 * not set; -1 on failure (including etcd absent in CI).
 */
static inline int k8sc_test_etcd_start(k8sc_test_etcd **out, const char *dir, int members)
{
    *out = NULL;
    if (access(K8SC_TEST_ETCD_BIN, X_OK) != 0) {
        if (getenv("CI")) {
            fprintf(stderr, "store tests: %s is required when CI is set\n", K8SC_TEST_ETCD_BIN);
            return -1;
        }
        return K8SC_TEST_ETCD_SKIP;
    }
    k8sc_test_etcd *e = calloc(1, sizeof(*e));
    e->members = members;
    char cluster[512] = "";
    size_t cl = 0, el = 0;
    for (int i = 0; i < members; i++) {
        e->client_port[i] = k8sc_test_free_port();
        e->peer_port[i] = k8sc_test_free_port();
        cl += (size_t)snprintf(cluster + cl, sizeof(cluster) - cl, "%sm%d=http://127.0.0.1:%d", i ? "," : "", i,
                               e->peer_port[i]);
        el += (size_t)snprintf(e->endpoints + el, sizeof(e->endpoints) - el, "%s127.0.0.1:%d", i ? "," : "",
                               e->client_port[i]);
    }
    for (int i = 0; i < members; i++)
        e->pids[i] = k8sc_test_etcd_spawn(e, i, dir, cluster);
    if (k8sc_test_etcd_wait(e) != 0) {
        fprintf(stderr, "store tests: etcd did not become healthy (logs in %s)\n", dir);
        for (int i = 0; i < members; i++)
            if (e->pids[i] > 0) {
                kill(e->pids[i], SIGKILL);
                waitpid(e->pids[i], NULL, 0);
            }
        free(e);
        return -1;
    }
    *out = e;
    return 0;
}

static inline const char *k8sc_test_etcd_endpoints(const k8sc_test_etcd *e)
{
    return e->endpoints;
}

/* Kill member i (SIGKILL, by its PID) and reap it. */
static inline void k8sc_test_etcd_kill(k8sc_test_etcd *e, int i)
{
    if (e && e->pids[i] > 0) {
        kill(e->pids[i], SIGKILL);
        waitpid(e->pids[i], NULL, 0);
        e->pids[i] = 0;
    }
}

static inline void k8sc_test_etcd_stop(k8sc_test_etcd *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->members; i++)
        k8sc_test_etcd_kill(e, i);
    free(e);
}

#endif
