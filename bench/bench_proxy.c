/*
 * Service proxy benchmark: 1,000 Services x 10 endpoints. Times building
 * the model from Service and EndpointSlice objects, generating the
 * iptables-restore text (both modes; full and partial), then, per
 * iptables-restore found (the default one, nf_tables on Debian, and
 * iptables-legacy-restore if installed), the syncs as the proxy makes
 * them: the first (full) sync, a sync with nothing changed, a partial
 * sync after one endpoint moved (only that Service's chains written, the
 * old endpoint's chain deleted in the same transaction) and, for
 * comparison, the same change written as a full sync.
 *
 *   bench_proxy [--services N] [--endpoints N]
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

static char *generate(const k8sc__proxy_model *m, k8sc_proxy_mode mode, bool partial,
    const k8sc__proxy_chains *prev, k8sc__proxy_chains *cur, size_t *len, double *secs)
{
    k8sc__proxy_rules_options o = { mode, "10.0.0.1", NULL, partial };
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

/* One sync through the proxy's syncer; its seconds. Exits on failure or when full/partial is not as expected. */
static double sync_with(k8sc__proxy_syncer *s, const k8sc__proxy_tools *t, const k8sc__proxy_model *m, bool want_full)
{
    static int64_t clock_ns = 1;
    k8sc__proxy_rules_options o = { K8SC_PROXY_MODE_IPTABLES, "10.0.0.1", NULL, false };
    bool full = false;
    double t0 = now();
    if (k8sc__proxy_sync_rules(s, t, m, &o, clock_ns++, &full) != 0) {
        fprintf(stderr, "bench_proxy: %s: %s\n", t->restore, k8sc_error_last());
        exit(1);
    }
    if (full != want_full) {
        fprintf(stderr, "bench_proxy: a %s sync was expected\n", want_full ? "full" : "partial");
        exit(1);
    }
    return now() - t0;
}

/* The syncs as the proxy makes them, with the restore of `t`. */
static void apply_with(const k8sc__proxy_tools *t, const k8sc__proxy_model *m, const k8sc__proxy_model *moved)
{
    k8sc__proxy_syncer s = { { NULL, NULL, 0 }, false, false, 0 };
    printf("  %s:\n", t->restore);
    printf("    first sync (full)              %9.1f ms\n", sync_with(&s, t, m, true) * 1e3);
    printf("    sync, nothing changed          %9.1f ms\n", sync_with(&s, t, m, false) * 1e3);
    printf("    one endpoint moved, partial    %9.1f ms\n", sync_with(&s, t, moved, false) * 1e3);
    s.need_full = true;
    printf("    one endpoint moved, full       %9.1f ms\n", sync_with(&s, t, m, true) * 1e3);
    k8sc__proxy_syncer_clear(&s);
    double t0 = now();
    if (k8sc__proxy_remove_all(t) != 0)
        fprintf(stderr, "bench_proxy: cleanup: %s\n", k8sc_error_last());
    printf("    cleanup (remove all)           %9.1f ms\n", (now() - t0) * 1e3);
}

int main(int argc, char **argv)
{
    int n = 1000, n_eps = 10;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--services") == 0 && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (strcmp(argv[i], "--endpoints") == 0 && i + 1 < argc)
            n_eps = atoi(argv[++i]);
        else
            n = -1;
    }
    if (n < 1 || n > 30000 || n_eps < 1 || n_eps > 200) {
        fprintf(stderr, "usage: bench_proxy [--services 1..30000] [--endpoints 1..200]\n");
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
    printf("proxy: %d Services x %d endpoints\n", n, n_eps);

    k8sc__proxy_model m, m2;
    double t_model, t_gen, t_us, t_model2, t_part;
    build(&m, svcs, slices, n, &t_model);
    k8sc__proxy_chains first = { NULL, NULL, 0 };
    size_t len = 0, us_len = 0, part_len = 0;
    char *text = generate(&m, K8SC_PROXY_MODE_IPTABLES, false, NULL, &first, &len, &t_gen);
    /* One endpoint of one Service moves. */
    k8sc_object_free(slices[n / 2]);
    slices[n / 2] = slice(n / 2, n_eps, 3);
    build(&m2, svcs, slices, n, &t_model2);
    char *part = generate(&m2, K8SC_PROXY_MODE_IPTABLES, true, &first, NULL, &part_len, &t_part);
    for (size_t i = 0; i < m.n_ports; i++)
        m.ports[i].proxy_port = 40000 + (int)i;
    char *us = generate(&m, K8SC_PROXY_MODE_USERSPACE, false, NULL, NULL, &us_len, &t_us);
    for (size_t i = 0; i < m.n_ports; i++)
        m.ports[i].proxy_port = 0;
    printf("  model from objects             %9.1f ms\n", t_model * 1e3);
    printf("  iptables text, full            %9.1f ms  (%zu lines, %zu KiB, %zu chains)\n", t_gen * 1e3,
        lines(text), len / 1024, first.n);
    printf("  iptables text, one endpoint    %9.1f ms  (%zu lines, %zu KiB)\n", t_part * 1e3, lines(part),
        part_len / 1024);
    printf("  userspace portal text          %9.1f ms  (%zu lines)\n", t_us * 1e3, lines(us));
    if (root) {
        static const k8sc__proxy_tools nft = { "iptables", "iptables-restore", "iptables-save" };
        static const k8sc__proxy_tools legacy = { "iptables-legacy", "iptables-legacy-restore", "iptables-legacy-save" };
        apply_with(&nft, &m, &m2);
        if (system("command -v iptables-legacy-restore >/dev/null 2>&1") == 0)
            apply_with(&legacy, &m, &m2);
        else
            printf("  (iptables-legacy-restore not installed)\n");
    } else {
        printf("  (not root: apply figures skipped)\n");
    }
    k8sc_free(text);
    k8sc_free(part);
    k8sc_free(us);
    k8sc__proxy_chains_clear(&first);
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
