/* k8sctl create service clusterip|nodeport|loadbalancer NAME --tcp=PORT[:TARGET]: kubectl's Service generator. */
#include "generate_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A port as strconv.ParseUint(s, 10, 16) reads it; 0 or 1 once kubectl's error was printed. */
static int parse_port(k8sc__cli *cli, const char *s, int *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = *s >= '0' && *s <= '9' ? strtoul(s, &end, 10) : 0;
    if (!end || *end || errno || v > 65535)
        return k8sc__cli_fail(cli, "strconv.ParseUint: parsing \"%s\": %s", s,
            end && !*end ? "value out of range" : "invalid syntax");
    *out = (int)v;
    return 0;
}

/* One --tcp=PORT[:TARGET] as a ServicePort named after it; NULL once an error was printed. */
static struct json_object *service_port(k8sc__cli *cli, const char *spec, int64_t node_port)
{
    char buf[256], name[256];
    snprintf(buf, sizeof(buf), "%s", spec);
    snprintf(name, sizeof(name), "%s", spec);
    for (char *p = name; *p; p++)
        if (*p == ':')
            *p = '-';
    char *colon = strchr(buf, ':');
    if (colon)
        *colon = '\0';
    int port = 0, target = 0;
    if (parse_port(cli, buf, &port))
        return NULL;
    struct json_object *p = json_object_new_object();
    k8sc__jset(p, "name", k8sc__jstr(name));
    if (node_port)
        k8sc__jset(p, "nodePort", json_object_new_int64(node_port));
    k8sc__jset(p, "port", json_object_new_int(port));
    k8sc__jset(p, "protocol", k8sc__jstr("TCP"));
    const char *t = colon ? colon + 1 : buf;
    bool numeric = *t && strspn(t, "0123456789") == strlen(t);
    if (numeric && parse_port(cli, t, &target)) {
        json_object_put(p);
        return NULL;
    }
    k8sc__jset(p, "targetPort", numeric ? json_object_new_int(target) : k8sc__jstr(t));
    return p;
}

static const struct {
    const char *sub, *type;
} types[] = {
    { "clusterip", "ClusterIP" },
    { "nodeport", "NodePort" },
    { "loadbalancer", "LoadBalancer" },
};

int k8sc__cli_create_service(k8sc__cli *cli, int argc, char **argv)
{
    size_t t = 0;
    while (argc && t < K8SC__ARRAY_LEN(types) && strcmp(argv[0], types[t].sub) != 0)
        t++;
    if (!argc || t == K8SC__ARRAY_LEN(types)) {
        fputs("error: unknown command \"", cli->err);
        for (int i = 0; i < argc; i++)
            fprintf(cli->err, "%s%s", i ? " " : "", argv[i]);
        fputs("\"\nSee 'k8sctl create service -h' for help and examples\n", cli->err);
        return 1;
    }
    char sub[64];
    snprintf(sub, sizeof(sub), "create service %s", types[t].sub);
    k8sc__cli_gen g = { .sub = sub };
    const char *cluster_ip = NULL;
    int64_t node_port = 0;
    k8sc__cli_multi tcp = { .name = "tcp" };
    const k8sc__cli_flag flags[] = { K8SC__CLI_GEN_FLAGS(&g), { NULL, "clusterip", K8SC__FLAG_STRING, &cluster_ip },
        { NULL, "node-port", K8SC__FLAG_INT, &node_port }, { 0 } };
    argc--;
    argv++;
    int rc = k8sc__cli_take_multi(cli, &argc, argv, &tcp, 1);
    if (!rc)
        rc = k8sc__cli_gen_parse(cli, &g, flags, argc, argv, false);
    if (rc)
        return rc;
    if (!tcp.n)
        return k8sc__cli_fail(cli, "at least one tcp port specifier must be provided");
    struct json_object *o = k8sc__cli_gen_object(cli, "v1", "Service", g.args[0]);
    struct json_object *spec = json_object_new_object(), *ports = json_object_new_array();
    k8sc__jset(json_object_object_get(o, "metadata"), "labels", k8sc__cli_labels_app(g.args[0]));
    k8sc__jset(o, "spec", spec);
    for (size_t i = 0; i < tcp.n; i++) {
        struct json_object *p = service_port(cli, tcp.values[i], t == 1 ? node_port : 0);
        if (!p) {
            json_object_put(o);
            json_object_put(ports);
            return 1;
        }
        json_object_array_add(ports, p);
    }
    if (cluster_ip)
        k8sc__jset(spec, "clusterIP", k8sc__jstr(cluster_ip));
    k8sc__jset(spec, "ports", ports);
    k8sc__jset(spec, "selector", k8sc__cli_labels_app(g.args[0]));
    k8sc__jset(spec, "type", k8sc__jstr(types[t].type));
    struct json_object *status = json_object_new_object();
    k8sc__jset(status, "loadBalancer", json_object_new_object());
    k8sc__jset(o, "status", status);
    return k8sc__cli_gen_finish(cli, &g, o);
}
