/*
 * Container probes (the kubelet's prober): startup, liveness and
 * readiness, each exec, httpGet or tcpSocket, with initialDelaySeconds,
 * periodSeconds, timeoutSeconds, successThreshold and failureThreshold.
 * Network probes run inside the pod's network namespace (the sandbox's
 * netns_path), so a pod without an address of its own is still probed at
 * its own 127.0.0.1; the fake runtime's simulated pods pass them.
 */
#include "curl_shim.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "controllers/workload.h"
#include "kubelet_internal.h"

static const char *const probe_field[KL_PROBES] = { "startupProbe", "livenessProbe", "readinessProbe" };
static const char *const probe_name[KL_PROBES] = { "Startup", "Liveness", "Readiness" };

kl_probes *k8sc__kl_probes_of(kl_pod *p, const char *name, const char *id)
{
    for (size_t i = 0; i < p->n_probes; i++)
        if (strcmp(p->probes[i].name, name) == 0) {
            kl_probes *s = &p->probes[i];
            if (strcmp(s->container_id, id) != 0) {
                char *copy = k8sc__strdup(id);
                if (!copy)
                    return NULL;
                free(s->container_id);
                memset(&s->kind, 0, sizeof(s->kind));
                s->container_id = copy;
            }
            return s;
        }
    kl_probes *arr = k8sc__realloc(p->probes, (p->n_probes + 1) * sizeof(*arr));
    if (!arr)
        return NULL;
    p->probes = arr;
    kl_probes *s = &arr[p->n_probes];
    memset(s, 0, sizeof(*s));
    s->name = k8sc__strdup(name);
    s->container_id = k8sc__strdup(id);
    if (!s->name || !s->container_id) {
        free(s->name);
        free(s->container_id);
        return NULL;
    }
    p->n_probes++;
    return s;
}

void k8sc__kl_probes_free(kl_pod *p)
{
    for (size_t i = 0; i < p->n_probes; i++) {
        free(p->probes[i].name);
        free(p->probes[i].container_id);
    }
    free(p->probes);
    p->probes = NULL;
    p->n_probes = 0;
}

/* Enter `netns` on this thread; *saved gets the thread's own namespace to return to (-1: none needed). */
static int enter_netns(const char *netns, int *saved)
{
    *saved = -1;
    if (!netns)
        return 0;
    int target = open(netns, O_RDONLY | O_CLOEXEC);
    if (target < 0)
        return k8sc_error_set(K8SC_EIO, "cannot open network namespace %s: %s", netns, strerror(errno));
    *saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int rc = 0;
    if (*saved < 0 || setns(target, CLONE_NEWNET) != 0)
        rc = k8sc_error_set(K8SC_EIO, "cannot enter network namespace %s: %s", netns, strerror(errno));
    close(target);
    if (rc != 0 && *saved >= 0) {
        close(*saved);
        *saved = -1;
    }
    return rc;
}

static void leave_netns(int saved)
{
    if (saved < 0)
        return;
    if (setns(saved, CLONE_NEWNET) != 0)
        k8sc_log(K8SC_LOG_ERROR, "kubelet: cannot return to the kubelet's network namespace: %s", strerror(errno));
    close(saved);
}

/* The port of a probe: a number or the name of one of the container's ports. */
static int probe_port(json_object *container, json_object *port)
{
    if (!port)
        return -1;
    if (json_object_is_type(port, json_type_int))
        return json_object_get_int(port);
    const char *name = json_object_get_string(port);
    json_object *ports = k8sc__json_member(container, "ports");
    for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
        json_object *p = json_object_array_get_idx(ports, i);
        if (strcmp(k8sc__json_string(p, "name") ? k8sc__json_string(p, "name") : "", name) == 0)
            return (int)k8sc__json_int(p, "containerPort", -1);
    }
    return -1;
}

static size_t discard(char *data, size_t size, size_t n, void *userdata)
{
    (void)data;
    (void)userdata;
    return size * n;
}

static bool http_probe(json_object *get, int port, const char *host, int timeout_s, char *why, size_t why_size)
{
    const char *path = k8sc__json_string(get, "path");
    const char *scheme = k8sc__json_string(get, "scheme");
    const char *h = k8sc__json_string(get, "host");
    char url[1024];
    snprintf(url, sizeof(url), "%s://%s:%d%s%s", scheme && strcmp(scheme, "HTTPS") == 0 ? "https" : "http",
             h && h[0] ? h : host, port, path && path[0] == '/' ? "" : "/", path ? path : "");
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(why, why_size, "cannot make an HTTP client");
        return false;
    }
    struct curl_slist *headers = NULL;
    json_object *hs = k8sc__json_member(get, "httpHeaders");
    for (size_t i = 0; hs && i < json_object_array_length(hs); i++) {
        json_object *e = json_object_array_get_idx(hs, i);
        char line[512];
        snprintf(line, sizeof(line), "%s: %s", k8sc__json_string(e, "name") ? k8sc__json_string(e, "name") : "",
                 k8sc__json_string(e, "value") ? k8sc__json_string(e, "value") : "");
        headers = curl_slist_append(headers, line);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "kube-probe/1.32");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)timeout_s * 1000);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    CURLcode cc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (cc != CURLE_OK) {
        snprintf(why, why_size, "Get \"%.300s\": %s", url, curl_easy_strerror(cc));
        return false;
    }
    if (code < 200 || code >= 400) {
        snprintf(why, why_size, "HTTP probe failed with statuscode: %ld", code);
        return false;
    }
    return true;
}

static bool tcp_probe(const char *host, int port, int timeout_s, char *why, size_t why_size)
{
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    struct addrinfo hints = { 0 }, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    if (getaddrinfo(host, portstr, &hints, &res) != 0 || !res) {
        snprintf(why, why_size, "dial tcp %s:%d: cannot resolve", host, port);
        return false;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    bool ok = false;
    if (fd >= 0) {
        int rc = connect(fd, res->ai_addr, res->ai_addrlen);
        if (rc == 0) {
            ok = true;
        } else if (errno == EINPROGRESS) {
            struct pollfd p = { fd, POLLOUT, 0 };
            int err = 0;
            socklen_t len = sizeof(err);
            if (poll(&p, 1, timeout_s * 1000) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && !err)
                ok = true;
            else
                errno = err ? err : ETIMEDOUT;
        }
        if (!ok)
            snprintf(why, why_size, "dial tcp %s:%d: connect: %s", host, port, strerror(errno));
        close(fd);
    }
    freeaddrinfo(res);
    return ok;
}

/* Run one probe now; true on success, else *why says what failed. */
static bool run_probe(k8sc_kubelet *k, const kl_view *v, json_object *container, json_object *probe,
                      const char *container_id, char *why, size_t why_size)
{
    int timeout = (int)k8sc__json_int(probe, "timeoutSeconds", 1);
    if (timeout < 1)
        timeout = 1;
    json_object *exec = k8sc__json_member(probe, "exec");
    if (exec) {
        json_object *cmd = k8sc__json_member(exec, "command");
        size_t n = cmd ? json_object_array_length(cmd) : 0;
        const char **argv = n ? k8sc__calloc(n, sizeof(*argv)) : NULL;
        for (size_t i = 0; argv && i < n; i++)
            argv[i] = json_object_get_string(json_object_array_get_idx(cmd, i));
        int code = -1;
        char *out = NULL;
        int rc = argv ? k8sc_runtime_exec_sync(k->rt, container_id, argv, n, timeout * 1000, &code, &out, NULL)
                      : K8SC_EINVAL;
        free(argv);
        bool ok = rc == 0 && code == 0;
        if (rc == K8SC_ETIMEOUT)
            snprintf(why, why_size, "command timed out");
        else if (rc != 0)
            snprintf(why, why_size, "%s", k8sc_error_last());
        else if (!ok)
            snprintf(why, why_size, "command exited with %d: %s", code, out ? out : "");
        free(out);
        return ok;
    }
    json_object *get = k8sc__json_member(probe, "httpGet"), *tcp = k8sc__json_member(probe, "tcpSocket");
    if (!get && !tcp) {
        snprintf(why, why_size, "the probe has no handler");
        return false;
    }
    /* Simulated pods have no network to probe. */
    if (strcmp(k8sc_runtime_name(k->rt), "fake") == 0)
        return true;
    int port = probe_port(container, k8sc__json_member(get ? get : tcp, "port"));
    if (port <= 0 || port > 65535) {
        snprintf(why, why_size, "invalid probe port");
        return false;
    }
    const char *netns = v->ready ? v->ready->netns_path : NULL;
    int saved;
    if (enter_netns(netns, &saved) != 0) {
        snprintf(why, why_size, "%s", k8sc_error_last());
        return false;
    }
    /* Inside the pod's own namespace its address is loopback; on the host's, the pod IP is the node's. */
    const char *host = netns ? "127.0.0.1" : k->node_ip;
    bool ok = get ? http_probe(get, port, host, timeout, why, why_size) : tcp_probe(host, port, timeout, why, why_size);
    leave_netns(saved);
    return ok;
}

int64_t k8sc__kl_probe_pod(k8sc_kubelet *k, const k8sc_object *pod, const kl_view *v, kl_pod *p, int64_t now,
                           char ***kill, size_t *n_kill)
{
    *kill = NULL;
    *n_kill = 0;
    int64_t next = 0;
    json_object *cs = k8sc_object_get(pod, "spec.containers");
    for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
        json_object *spec = json_object_array_get_idx(cs, i);
        const char *name = k8sc__json_string(spec, "name");
        const k8sc_container_status *c = k8sc__kl_latest(v, name);
        if (!c || c->state != K8SC_CONTAINER_RUNNING)
            continue;
        for (int kind = 0; kind < KL_PROBES; kind++) {
            json_object *probe = k8sc__json_member(spec, probe_field[kind]);
            if (!probe)
                continue;
            pthread_mutex_lock(&k->lock);
            kl_probes *s = k8sc__kl_probes_of(p, name, c->id);
            bool started = s && (s->kind[KL_STARTUP].ok || !k8sc__json_member(spec, "startupProbe"));
            int64_t delay = k8sc__json_int(probe, "initialDelaySeconds", 0) * 1000000000LL;
            int64_t period = k8sc__json_int(probe, "periodSeconds", 10) * 1000000000LL;
            int64_t due = s ? (s->kind[kind].last ? s->kind[kind].last + period : c->started_at + delay) : 0;
            pthread_mutex_unlock(&k->lock);
            if (!s || (kind != KL_STARTUP && !started) || (kind == KL_STARTUP && started))
                continue;
            if (now < due) {
                if (next == 0 || due - now < next)
                    next = due - now;
                continue;
            }
            char why[512] = "";
            bool ok = run_probe(k, v, spec, probe, c->id, why, sizeof(why));
            int success = (int)k8sc__json_int(probe, "successThreshold", 1);
            int failure = (int)k8sc__json_int(probe, "failureThreshold", 3);
            pthread_mutex_lock(&k->lock);
            s = k8sc__kl_probes_of(p, name, c->id);
            bool killed = false;
            if (s) {
                kl_probe_result *r = &s->kind[kind];
                r->last = now;
                r->ran = true;
                if (ok) {
                    r->failures = 0;
                    if (++r->successes >= success)
                        r->ok = true;
                } else {
                    r->successes = 0;
                    if (++r->failures >= failure) {
                        r->ok = false;
                        killed = kind != KL_READINESS;
                    }
                }
            }
            pthread_mutex_unlock(&k->lock);
            if (!ok)
                k8sc__event(k->recorder, pod, "Warning", "Unhealthy", "%s probe failed: %s", probe_name[kind], why);
            if (killed) {
                k8sc__event(k->recorder, pod, "Normal", "Killing", "Container %s failed %s probe, will be restarted",
                            name, kind == KL_STARTUP ? "startup" : "liveness");
                char **more = k8sc__realloc(*kill, (*n_kill + 1) * sizeof(**kill));
                if (more) {
                    *kill = more;
                    if (((*kill)[*n_kill] = k8sc__strdup(c->id)))
                        (*n_kill)++;
                }
                break;
            }
            if (next == 0 || period < next)
                next = period;
        }
    }
    return next;
}

void k8sc__kl_probe_status(kl_pod *p, json_object *spec, const char *container_id, bool *started, bool *ready)
{
    const char *name = k8sc__json_string(spec, "name");
    kl_probes *s = NULL;
    for (size_t i = 0; p && i < p->n_probes; i++)
        if (strcmp(p->probes[i].name, name) == 0 && strcmp(p->probes[i].container_id, container_id) == 0)
            s = &p->probes[i];
    *started = !k8sc__json_member(spec, "startupProbe") || (s && s->kind[KL_STARTUP].ok);
    *ready = *started && (!k8sc__json_member(spec, "readinessProbe") || (s && s->kind[KL_READINESS].ok));
}
