/*
 * manifest_select: read a Kubernetes manifest file (YAML or JSON, several
 * documents, Lists expanded) and report which objects a label selector
 * picks — the way a ReplicaSet or a Service picks its pods.
 *
 *   manifest_select FILE [SELECTOR]
 *
 * Prints one line per object: "match" or "skip", Kind/name, its labels,
 * and for workloads the pod requests computed from the pod template.
 */
#include <k8sc/k8sc.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

/* Print "cpu=250m,memory=64Mi" for a resource list. */
static void print_resources(const k8sc_resources *res)
{
    for (size_t i = 0; i < k8sc_resources_count(res); i++) {
        const char *name;
        k8sc_quantity q;
        char text[K8SC_QUANTITY_BUFSIZE];
        k8sc_resources_at(res, i, &name, &q);
        k8sc_quantity_format_to(text, sizeof(text), &q);
        printf("%s%s=%s", i ? "," : "", name, text);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s FILE [SELECTOR]\n", argv[0]);
        return 2;
    }
    size_t len = 0;
    char *text = read_file(argv[1], &len);
    if (!text) {
        perror(argv[1]);
        return 1;
    }

    /* Parse the selector once; matching then allocates nothing. */
    k8sc_selector *sel = NULL;
    if (k8sc_selector_parse(&sel, argc == 3 ? argv[2] : "") != 0) {
        fprintf(stderr, "error: %s\n", k8sc_error_last());
        free(text);
        return 1;
    }

    k8sc_object **objs = NULL;
    size_t n = 0;
    if (k8sc_manifest_decode(&objs, &n, text, len) != 0) {
        fprintf(stderr, "error: %s: %s\n", argv[1], k8sc_error_last());
        k8sc_selector_free(sel);
        free(text);
        return 1;
    }

    for (size_t i = 0; i < n; i++) {
        const k8sc_object *obj = objs[i];
        /* The registry knows every built-in kind; unknown kinds (custom resources) print as they are. */
        const k8sc_resource *r = k8sc_registry_find_gvk(k8sc_registry_default(),
            k8sc_object_api_version(obj), k8sc_object_kind(obj));
        printf("%-6s %s/%s", k8sc_selector_matches_object(sel, obj) ? "match" : "skip",
            k8sc_object_kind(obj), k8sc_object_name(obj) ? k8sc_object_name(obj) : "(generated)");
        if (r)
            printf(" [%s]", k8sc_resource_plural(r));

        struct json_object *labels = k8sc_object_get(obj, "metadata.labels");
        if (labels)
            printf(" labels=%s", json_object_to_json_string_ext(labels, JSON_C_TO_STRING_PLAIN));

        k8sc_resources *req = NULL;
        if (k8sc_object_pod_spec(obj) && k8sc_pod_requests(&req, obj) == 0 && k8sc_resources_count(req) > 0) {
            printf(" requests=");
            print_resources(req);
        }
        k8sc_resources_free(req);
        printf("\n");
    }

    k8sc_objects_free(objs, n);
    k8sc_selector_free(sel);
    free(text);
    return 0;
}
