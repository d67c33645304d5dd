/*
 * Service proxy benchmark: 1,000 Services x 10 endpoints. Times building
 * the model from Service and EndpointSlice objects, generating the
 * iptables-restore text (both modes), applying it with iptables-restore
 * and an incremental sync after one endpoint changed (model, text and
 * apply again, the old endpoint's chain deleted in the same transaction).
 *
 *   bench_proxy [--services N] [--endpoints N] [--legacy]
 *
 * --legacy applies with iptables-legacy-restore instead of the default
 * iptables (nf_tables backend on Debian), whose --noflush restore grows
 * faster than linearly with the number of chains.
 *
 * Applying needs root: the program moves into a private network
 * namespace first (unshare), so no rule ever reaches the host's tables.
 * Without root only the generation figures are printed.
 */
#include "k8sc/k8sc.h"

#include "net/proxy_internal.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static k8sc_object *parse(const char *json)
{
    k8sc_object *obj = NULL;
    if (k8sc_object_from_json(&obj, json, strlen(json)) != 0) {
        fprintf(stderr, "bench_proxy: %s\n", k8sc_error_last());
        exit(1);
    }
    return obj;
}

static k8sc_object *service(int i)
{
    char json[512];
    snprintf(json, sizeof(json),
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"svc-%d\",\"namespace\":\"bench\"},"
        "\"spec\":{\"type\":\"NodePort\",\"clusterIP\":\"10.96.%d.%d\",\"ports\":[{\"name\":\"http\",\"port\":80,"
        "\"nodePort\":%d}]}}",
        i, 1 + i / 250, 1 + i % 250, 30000 + i % 2768);
    return parse(json);
}

/* The slice of service i; endpoint `moved` (or -1) gets another address. */
static k8sc_object *slice(int i, int n_eps, int moved)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b,
        "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"svc-%d-1\","
        "\"namespace\":\"bench\",\"labels\":{\"kubernetes.io/service-name\":\"svc-%d\"}},\"addressType\":\"IPv4\","
        "\"ports\":[{\"name\":\"http\",\"port\":8080}],\"endpoints\":[",
        i, i);
    for (int e = 0; e < n_eps; e++)
        k8sc__buf_printf(&b, "%s{\"addresses\":[\"10.%d.%d.%d\"]}", e ? "," : "", 64 + (e == moved ? 64 : 0) + i / 250,
            i % 250, 1 + e);
    k8sc__buf_puts(&b, "]}");
    if (k8sc__buf_status(&b) != 0)
        exit(1);
    k8sc_object *obj = parse(b.ptr);
    k8sc__buf_free(&b);
    return obj;
}

static void build(k8sc__proxy_model *m, k8sc_object **svcs, k8sc_object **slices, int n, double *secs)
{
    double t0 = now();
    if (k8sc__proxy_model_build(m, svcs, (size_t)n, slices, (size_t)n, NULL) != 0) {
        fprintf(stderr, "bench_proxy: model: %s\n", k8sc_error_last());
        exit(1);
    }
    *secs = now() - t0;
}

static char *generate(const k8sc__proxy_model *m, k8sc_proxy_mode mode, const k8sc__proxy_chains *prev,
    k8sc__proxy_chains *cur, size_t *len, double *secs)
{
    k8sc__proxy_rules_options o = { mode, "10.0.0.1", NULL };
    char *text = NULL;
    double t0 = now();
    if (k8sc__proxy_rules(&text, len, cur, m, &o, prev) != 0) {
        fprintf(stderr, "bench_proxy: rules: %s\n", k8sc_error_last());
        exit(1);
    }
    *secs = now() - t0;
    return text;
}

static size_t lines(const char *text)
{
    size_t n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

static k8sc__proxy_tools tools = { "iptables", "iptables-restore", "iptables-save" };

static double apply(const char *text, size_t len)
{
    double t0 = now();
    if (k8sc__proxy_restore(&tools, text, len) != 0) {
        fprintf(stderr, "bench_proxy: apply: %s\n", k8sc_error_last());
        exit(1);
    }
    return now() - t0;
}

int main(int argc, char **argv)
{
    int n = 1000, n_eps = 10;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--services") == 0 && i + 1 < argc) {
            n = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--endpoints") == 0 && i + 1 < argc) {
            n_eps = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--legacy") == 0) {
            tools = (k8sc__proxy_tools){ "iptables-legacy", "iptables-legacy-restore", "iptables-legacy-save" };
        } else {
            n = -1;
        }
    }
    if (n < 1 || n > 30000 || n_eps < 1 || n_eps > 200) {
        fprintf(stderr, "usage: bench_proxy [--services 1..30000] [--endpoints 1..200] [--legacy]\n");
        return 2;
    }
    bool root = geteuid() == 0;
    if (root && (unshare(CLONE_NEWNET) != 0 || system("ip link set lo up") != 0)) {
        perror("bench_proxy: private network namespace");
        return 1;
    }
    k8sc_object **svcs = calloc((size_t)n, sizeof(*svcs)), **slices = calloc((size_t)n, sizeof(*slices));
    if (!svcs || !slices)
        return 1;
    for (int i = 0; i < n; i++) {
        svcs[i] = service(i);
        slices[i] = slice(i, n_eps, -1);
    }
    printf("proxy: %d Services x %d endpoints (%s)\n", n, n_eps, tools.restore);

    k8sc__proxy_model m;
    double t_model, t_gen, t_us;
    build(&m, svcs, slices, n, &t_model);
    k8sc__proxy_chains first = { NULL, 0 }, second = { NULL, 0 };
    size_t len = 0, us_len = 0;
    char *text = generate(&m, K8SC_PROXY_MODE_IPTABLES, NULL, &first, &len, &t_gen);
    for (size_t i = 0; i < m.n_ports; i++)
        m.ports[i].proxy_port = 40000 + (int)i;
    char *us = generate(&m, K8SC_PROXY_MODE_USERSPACE, NULL, NULL, &us_len, &t_us);
    printf("  model from objects        %8.1f ms\n", t_model * 1e3);
    printf("  iptables text             %8.1f ms  (%zu lines, %zu KiB, %zu chains)\n", t_gen * 1e3, lines(text),
        len / 1024, first.n);
    printf("  userspace portal text     %8.1f ms  (%zu lines)\n", t_us * 1e3, lines(us));
    if (root) {
        printf("  apply                     %8.1f ms\n", apply(text, len) * 1e3);
        printf("  apply again, unchanged    %8.1f ms\n", apply(text, len) * 1e3);
    }

    /* One endpoint of one Service moves: a full sync as the proxy does it. */
    k8sc_object_free(slices[n / 2]);
    slices[n / 2] = slice(n / 2, n_eps, 3);
    k8sc__proxy_model m2;
    double t_model2, t_gen2;
    build(&m2, svcs, slices, n, &t_model2);
    size_t len2 = 0;
    char *text2 = generate(&m2, K8SC_PROXY_MODE_IPTABLES, &first, &second, &len2, &t_gen2);
    double t_apply2 = root ? apply(text2, len2) : 0;
    printf("  incremental sync: model %.1f ms + text %.1f ms", t_model2 * 1e3, t_gen2 * 1e3);
    if (root)
        printf(" + apply %.1f ms = %.1f ms", t_apply2 * 1e3, (t_model2 + t_gen2 + t_apply2) * 1e3);
    printf("\n");
    if (root) {
        double t0 = now();
        if (k8sc__proxy_remove_all(&tools) != 0)
            fprintf(stderr, "bench_proxy: cleanup: %s\n", k8sc_error_last());
        printf("  cleanup (remove all)      %8.1f ms\n", (now() - t0) * 1e3);
    } else {
        printf("  (not root: apply figures skipped)\n");
    }
    k8sc_free(text);
    k8sc_free(text2);
    k8sc_free(us);
    k8sc__proxy_chains_clear(&first);
    k8sc__proxy_chains_clear(&second);
    k8sc__proxy_model_clear(&m);
    k8sc__proxy_model_clear(&m2);
    for (int i = 0; i < n; i++) {
        k8sc_object_free(svcs[i]);
        k8sc_object_free(slices[i]);
    }
    free(svcs);
    free(slices);
    return 0;
}
