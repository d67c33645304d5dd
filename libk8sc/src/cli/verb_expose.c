/* k8sctl expose TYPE NAME: a Service selecting what a deployment, replica set, controller, pod or service selects. */
#include "generate_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *port, *target_port, *type, *name, *protocol, *selector, *labels, *cluster_ip;
} expose_flags;

/* The selector kubectl introspects for `obj`; NULL (message printed) when it has none to offer. */
static struct json_object *selector_of(k8sc__cli *cli, const k8sc_object *obj)
{
    const char *kind = k8sc_object_kind(obj);
    struct json_object *sel = NULL;
    if (strcmp(kind, "Pod") == 0)
        sel = k8sc_object_get(obj, "metadata.labels");
    else if (strcmp(kind, "ReplicationController") == 0 || strcmp(kind, "Service") == 0)
        sel = k8sc_object_get(obj, "spec.selector");
    else {
        if (k8sc_object_get(obj, "spec.selector.matchExpressions")) {
            k8sc__cli_fail(cli, "couldn't retrieve selectors via --selector flag or introspection: the %s has "
                                "match expressions and cannot be exposed", kind);
            return NULL;
        }
        sel = k8sc_object_get(obj, "spec.selector.matchLabels");
    }
    if (!sel || json_object_object_length(sel) == 0) {
        k8sc__cli_fail(cli, "couldn't retrieve selectors via --selector flag or introspection: the %s has no "
                            "labels and cannot be exposed", kind);
        return NULL;
    }
    return json_object_get(sel);
}

/* The ports (and their protocols) the object declares: container ports, or a service's ports. */
static size_t ports_of(const k8sc_object *obj, char ports[][16], const char **protocols, size_t max)
{
    const char *kind = k8sc_object_kind(obj);
    size_t n = 0;
    if (strcmp(kind, "Service") == 0) {
        struct json_object *sp = k8sc_object_get(obj, "spec.ports");
        for (size_t i = 0; i < k8sc__jlen(sp) && n < max; i++, n++) {
            struct json_object *p = json_object_array_get_idx(sp, i);
            snprintf(ports[n], 16, "%d", json_object_get_int(json_object_object_get(p, "port")));
            protocols[n] = json_object_get_string(json_object_object_get(p, "protocol"));
        }
        return n;
    }
    struct json_object *cts = k8sc_object_get(obj, strcmp(kind, "Pod") == 0 ? "spec.containers"
                                                                              : "spec.template.spec.containers");
    for (size_t i = 0; i < k8sc__jlen(cts); i++) {
        struct json_object *cp = json_object_object_get(json_object_array_get_idx(cts, i), "ports");
        for (size_t j = 0; j < k8sc__jlen(cp) && n < max; j++, n++) {
            struct json_object *p = json_object_array_get_idx(cp, j);
            snprintf(ports[n], 16, "%d", json_object_get_int(json_object_object_get(p, "containerPort")));
            protocols[n] = json_object_get_string(json_object_object_get(p, "protocol"));
        }
    }
    return n;
}

/* Split "a,b" into `out` (copies in `buf`). */
static size_t split_ports(char *buf, char out[][16], size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *p = strtok_r(buf, ",", &save); p && n < max; p = strtok_r(NULL, ",", &save))
        snprintf(out[n++], 16, "%s", p + strspn(p, " "));
    return n;
}

static struct json_object *build_ports(k8sc__cli *cli, const k8sc_object *obj, const expose_flags *f)
{
    char have[64][16], want[64][16], buf[1024];
    const char *protocols[64] = { 0 };
    size_t nhave = ports_of(obj, have, protocols, 64), n = 0;
    if (f->port) {
        snprintf(buf, sizeof(buf), "%s", f->port);
        n = split_ports(buf, want, 64);
    } else {
        n = nhave;
        memcpy(want, have, sizeof(have));
    }
    if (n == 0) {
        k8sc__cli_fail(cli, "couldn't find port via --port flag or introspection");
        return NULL;
    }
    struct json_object *ports = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        char *end = NULL;
        long port = strtol(want[i], &end, 10);
        if (!*want[i] || *end) {
            json_object_put(ports);
            k8sc__cli_fail(cli, "strconv.Atoi: parsing \"%s\": invalid syntax", want[i]);
            return NULL;
        }
        const char *protocol = f->protocol;
        for (size_t j = 0; !protocol && j < nhave; j++)
            if (strcmp(have[j], want[i]) == 0)
                protocol = protocols[j];
        struct json_object *p = json_object_new_object();
        if (n > 1) {
            char name[32];
            snprintf(name, sizeof(name), "port-%zu", i + 1);
            k8sc__jset(p, "name", k8sc__jstr(name));
        }
        k8sc__jset(p, "port", json_object_new_int64(port));
        k8sc__jset(p, "protocol", k8sc__jstr(protocol ? protocol : "TCP"));
        const char *t = f->target_port;
        bool numeric = t && *t && strspn(t, "0123456789") == strlen(t);
        k8sc__jset(p, "targetPort", !t ? json_object_new_int64(port) : numeric ? json_object_new_int(atoi(t))
                                                                                : k8sc__jstr(t));
        json_object_array_add(ports, p);
    }
    return ports;
}

/* "a=b,c=d" as a map; NULL once an error was printed. */
static struct json_object *parse_map(k8sc__cli *cli, const char *spec, const char *what)
{
    struct json_object *m = json_object_new_object();
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", spec);
    for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            json_object_put(m);
            k8sc__cli_fail(cli, "invalid %s: %s", what, spec);
            return NULL;
        }
        *eq = '\0';
        k8sc__jset(m, kv, k8sc__jstr(eq + 1));
    }
    return m;
}

static struct json_object *build_service(k8sc__cli *cli, const k8sc_object *obj, const expose_flags *f)
{
    struct json_object *sel = f->selector ? parse_map(cli, f->selector, "selector") : selector_of(cli, obj);
    if (!sel)
        return NULL;
    struct json_object *ports = build_ports(cli, obj, f), *labels = NULL;
    if (ports && f->labels)
        labels = parse_map(cli, f->labels, "label spec");
    else if (ports && k8sc_object_get(obj, "metadata.labels"))
        labels = json_object_get(k8sc_object_get(obj, "metadata.labels"));
    if (!ports || (f->labels && !labels)) {
        json_object_put(sel);
        json_object_put(ports);
        return NULL;
    }
    struct json_object *o = k8sc__cli_gen_object(cli, "v1", "Service", f->name ? f->name : k8sc_object_name(obj));
    if (labels)
        k8sc__jset(json_object_object_get(o, "metadata"), "labels", labels);
    struct json_object *spec = json_object_new_object(), *status = json_object_new_object();
    if (f->cluster_ip)
        k8sc__jset(spec, "clusterIP", k8sc__jstr(f->cluster_ip));
    k8sc__jset(spec, "ports", ports);
    k8sc__jset(spec, "selector", sel);
    if (f->type)
        k8sc__jset(spec, "type", k8sc__jstr(f->type));
    k8sc__jset(o, "spec", spec);
    k8sc__jset(status, "loadBalancer", json_object_new_object());
    k8sc__jset(o, "status", status);
    return o;
}

static const char *const exposable[] = { "Deployment", "ReplicaSet", "ReplicationController", "Pod", "Service" };

static int run(k8sc__cli *cli, int argc, char **argv)
{
    expose_flags f = { 0 };
    k8sc__cli_gen g = { .sub = "expose" };
    const k8sc__cli_flag flags[] = { K8SC__CLI_GEN_FLAGS(&g), { NULL, "port", K8SC__FLAG_STRING, &f.port },
        { NULL, "target-port", K8SC__FLAG_STRING, &f.target_port }, { NULL, "type", K8SC__FLAG_STRING, &f.type },
        { NULL, "name", K8SC__FLAG_STRING, &f.name }, { NULL, "protocol", K8SC__FLAG_STRING, &f.protocol },
        { NULL, "selector", K8SC__FLAG_STRING, &f.selector }, { "l", "labels", K8SC__FLAG_STRING, &f.labels },
        { NULL, "cluster-ip", K8SC__FLAG_STRING, &f.cluster_ip }, { 0 } };
    int rc = k8sc__cli_parse(cli, "expose", flags, argc, argv, g.args, &g.nargs);
    if (!rc)
        rc = k8sc__cli_check_dry_run(cli, g.dry_run);
    if (rc)
        return rc;
    char type[256];
    const char *names[K8SC__CLI_MAX_ARGS];
    size_t nnames = 0;
    if (k8sc__cli_targets(cli, type, sizeof(type), names, &nnames, g.nargs, g.args, true))
        return 1;
    const k8sc_resource *r = NULL;
    k8sc_client *c = NULL;
    if (k8sc__cli_resolve_open(cli, type, &r, &c))
        return 1;
    int failed = 0;
    for (size_t i = 0; i < nnames; i++) {
        k8sc_object *obj = NULL;
        if (k8sc_client_get(&obj, c, k8sc_resource_api_version(r), k8sc_resource_kind(r), NULL, names[i])) {
            failed = k8sc__cli_report(cli, NULL);
            continue;
        }
        if (!k8sc_object_kind(obj))
            k8sc_object_set_kind(obj, k8sc_resource_kind(r));
        bool ok = false;
        for (size_t k = 0; k < K8SC__ARRAY_LEN(exposable); k++)
            ok |= strcmp(k8sc_resource_kind(r), exposable[k]) == 0;
        struct json_object *svc = NULL;
        if (!ok)
            failed = k8sc__cli_fail(cli, "cannot expose a %s", k8sc_resource_kind(r));
        else if (!(svc = build_service(cli, obj, &f)))
            failed = 1;
        k8sc_object_free(obj);
        k8sc_object *out = NULL;
        if (!svc || k8sc__cli_gen_wrap(cli, &out, svc)) {
            failed = 1;
            continue;
        }
        k8sc__cli_emit_opts e = { g.dry_run, g.output, "exposed", NULL };
        failed |= k8sc__cli_emit(cli, c, out, &e);
        k8sc_object_free(out);
    }
    k8sc_client_free(c);
    return failed;
}

const k8sc__cli_verb k8sc__cli_verb_expose = {
    "expose",
    "Expose a resource as a new Kubernetes service.\n\n"
    "Looks up a deployment, service, replica set, replication controller or pod by name and uses the selector "
    "for that resource as the selector for a new service on the specified port.\n\n"
    "Examples:\n"
    "  # Create a service for an nginx deployment, which serves on port 80 and connects to the containers on "
    "port 8000\n"
    "  k8sctl expose deployment nginx --port=80 --target-port=8000\n\n"
    "Options:\n"
    "    --cluster-ip='': ClusterIP to be assigned to the service. Leave empty to auto-allocate, or set to 'None' "
    "to create a headless service.\n"
    "    --dry-run='none': Must be \"none\", \"server\", or \"client\".\n"
    "    -l, --labels='': Labels to apply to the service created by this call.\n"
    "    --name='': The name for the newly created object.\n"
    "    -o, --output='': Output format. One of: (json, yaml, name, jsonpath=...).\n"
    "    --port='': The port that the service should serve on. Copied from the resource being exposed, if "
    "unspecified\n"
    "    --protocol='': The network protocol for the service to be created. Default is 'TCP'.\n"
    "    --selector='': A label selector to use for this service.\n"
    "    --target-port='': Name or number for the port on the container that the service should direct traffic "
    "to. Optional.\n"
    "    --type='': Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName. Default is "
    "'ClusterIP'.\n\n"
    "Usage:\n"
    "  k8sctl expose (-f FILENAME | TYPE NAME) [--port=port] [--protocol=TCP|UDP|SCTP] "
    "[--target-port=number-or-name] [--name=name] [--type=type] [options]\n",
    run,
};
