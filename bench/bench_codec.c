/*
 * bench_codec: decoding and encoding throughput over a realistic manifest
 * stream, and label selector matching rate. Run by hand; prints figures.
 *
 *   bench_codec [SECONDS_PER_FIGURE]   (default 2)
 */
#include "internal.h"

#include <json-c/json.h>
#include <k8sc/k8sc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 1,000 mixed manifests: Deployments, Services, ConfigMaps and Pods, as people write them. */
static char *make_stream(size_t *len)
{
    k8sc__buf b = K8SC__BUF_INIT;
    for (int i = 0; i < 1000; i++) {
        switch (i % 4) {
        case 0:
            k8sc__buf_printf(&b,
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-%d\n  namespace: team-%d\n"
                "  labels:\n    app: app-%d\n    tier: backend\n    app.kubernetes.io/part-of: shop\n"
                "  annotations:\n    description: \"Deployment number %d, with a longer text to be realistic\"\n"
                "spec:\n  replicas: %d\n  revisionHistoryLimit: 5\n  selector:\n    matchLabels:\n      app: app-%d\n"
                "  strategy:\n    type: RollingUpdate\n    rollingUpdate: {maxSurge: 25%%, maxUnavailable: 0}\n"
                "  template:\n    metadata:\n      labels:\n        app: app-%d\n        tier: backend\n"
                "    spec:\n      containers:\n      - name: main\n        image: registry.example.com/app:%d.0\n"
                "        args: [\"--port=8080\", \"--verbose\"]\n        env:\n        - name: MODE\n          value: production\n"
                "        - name: WORKERS\n          value: \"4\"\n        ports:\n        - containerPort: 8080\n          name: http\n"
                "        resources:\n          requests: {cpu: 100m, memory: 128Mi}\n          limits: {cpu: \"1\", memory: 512Mi}\n"
                "        readinessProbe:\n          httpGet: {path: /healthz, port: http}\n          periodSeconds: 5\n---\n",
                i, i % 7, i, i, 1 + i % 5, i, i, i);
            break;
        case 1:
            k8sc__buf_printf(&b,
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%d\n  labels: {app: app-%d}\n"
                "spec:\n  type: ClusterIP\n  selector:\n    app: app-%d\n  ports:\n  - name: http\n    port: 80\n"
                "    targetPort: http\n    protocol: TCP\n---\n", i, i - 1, i - 1);
            break;
        case 2:
            k8sc__buf_printf(&b,
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-%d\ndata:\n  log_level: info\n"
                "  enabled: \"true\"\n  config.yaml: |\n    server:\n      port: 8080\n      timeout: 30s\n"
                "    features: [a, b, c]\n---\n", i);
            break;
        default:
            k8sc__buf_printf(&b,
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: job-pod-%d\n  labels: {job: batch-%d}\n"
                "spec:\n  restartPolicy: Never\n  containers:\n  - name: work\n    image: busybox:1.36\n"
                "    command: [sh, -c, 'echo hello; sleep 1']\n    resources:\n      requests: {cpu: 50m, memory: 16Mi}\n---\n",
                i, i % 10);
        }
    }
    return k8sc__buf_detach(&b, len);
}

int main(int argc, char **argv)
{
    double budget = argc > 1 ? atof(argv[1]) : 2.0;
    size_t len = 0;
    char *stream = make_stream(&len);
    if (!stream)
        return 1;

    /* YAML -> objects. */
    size_t iters = 0, nobj = 0;
    double t0 = now_s(), t;
    do {
        k8sc_object **objs = NULL;
        if (k8sc_manifest_decode(&objs, &nobj, stream, len) != 0) {
            fprintf(stderr, "decode: %s\n", k8sc_error_last());
            return 1;
        }
        k8sc_objects_free(objs, nobj);
        iters++;
    } while ((t = now_s() - t0) < budget);
    printf("yaml decode   %8.1f MB/s  (%zu objects, %.1f KiB stream, %zu passes)\n",
        (double)len * iters / t / 1e6, nobj, len / 1024.0, iters);

    /* Objects -> JSON, and JSON -> objects. */
    k8sc_object **objs = NULL;
    k8sc_manifest_decode(&objs, &nobj, stream, len);
    size_t out_bytes = 0;
    iters = 0;
    t0 = now_s();
    do {
        for (size_t i = 0; i < nobj; i++) {
            char *json = NULL;
            size_t jl = 0;
            k8sc_object_to_json(&json, &jl, objs[i], 0);
            out_bytes += jl;
            k8sc_free(json);
        }
        iters++;
    } while ((t = now_s() - t0) < budget);
    printf("json encode   %8.1f MB/s  (%zu passes)\n", (double)out_bytes / t / 1e6, iters);

    k8sc__buf jb = K8SC__BUF_INIT;
    for (size_t i = 0; i < nobj; i++) {
        char *json = NULL;
        k8sc_object_to_json(&json, NULL, objs[i], 0);
        k8sc__buf_puts(&jb, json);
        k8sc__buf_putc(&jb, '\n');
        k8sc_free(json);
    }
    size_t jlen = 0;
    char *jstream = k8sc__buf_detach(&jb, &jlen);
    iters = 0;
    t0 = now_s();
    do {
        k8sc_object **back = NULL;
        size_t nb = 0;
        k8sc_manifest_decode(&back, &nb, jstream, jlen);
        k8sc_objects_free(back, nb);
        iters++;
    } while ((t = now_s() - t0) < budget);
    printf("json decode   %8.1f MB/s  (%zu passes)\n", (double)jlen * iters / t / 1e6, iters);

    iters = 0;
    out_bytes = 0;
    t0 = now_s();
    do {
        for (size_t i = 0; i < nobj; i++) {
            char *y = NULL;
            size_t yl = 0;
            k8sc_object_to_yaml(&y, &yl, objs[i], K8SC_ENCODE_SORT_KEYS);
            out_bytes += yl;
            k8sc_free(y);
        }
        iters++;
    } while ((t = now_s() - t0) < budget);
    printf("yaml encode   %8.1f MB/s  (%zu passes)\n", (double)out_bytes / t / 1e6, iters);
    k8sc_objects_free(objs, nobj);

    /* Selector matching over 100,000 label sets. */
    enum { NSETS = 100000 };
    struct json_object **sets = malloc(NSETS * sizeof(*sets));
    static const char *tiers[] = { "frontend", "backend", "cache", "db" };
    for (int i = 0; i < NSETS; i++) {
        char v[32];
        sets[i] = json_object_new_object();
        snprintf(v, sizeof(v), "app-%d", i % 50);
        json_object_object_add(sets[i], "app", json_object_new_string(v));
        json_object_object_add(sets[i], "tier", json_object_new_string(tiers[i % 4]));
        json_object_object_add(sets[i], "app.kubernetes.io/part-of", json_object_new_string("shop"));
        if (i % 3 == 0)
            json_object_object_add(sets[i], "canary", json_object_new_string("true"));
        snprintf(v, sizeof(v), "%d", i % 10);
        json_object_object_add(sets[i], "shard", json_object_new_string(v));
    }
    static const char *selectors[] = {
        "app=app-7",
        "app=app-7,tier in (frontend,backend),!canary",
        "tier notin (db),shard>4,app.kubernetes.io/part-of",
    };
    for (size_t s = 0; s < K8SC__ARRAY_LEN(selectors); s++) {
        k8sc_selector *sel = NULL;
        if (k8sc_selector_parse(&sel, selectors[s]) != 0) {
            fprintf(stderr, "selector: %s\n", k8sc_error_last());
            return 1;
        }
        size_t matches = 0, evals = 0;
        t0 = now_s();
        do {
            for (int i = 0; i < NSETS; i++)
                matches += k8sc_selector_matches_map(sel, sets[i]);
            evals += NSETS;
        } while ((t = now_s() - t0) < budget);
        printf("selector      %8.2f M matches/s  \"%s\" (%zu of %d sets match)\n",
            evals / t / 1e6, selectors[s], matches / (evals / NSETS), NSETS);
        k8sc_selector_free(sel);
    }
    for (int i = 0; i < NSETS; i++)
        json_object_put(sets[i]);
    free(sets);
    k8sc_free(jstream);
    k8sc_free(stream);
    return 0;
}
