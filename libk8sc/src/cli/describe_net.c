/*
 * kubectl describe endpoints, endpointslice, ingress (with the Services
 * and EndpointSlices of its backends in `related`) and networkpolicy.
 */
#include "describe_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *str_at(struct json_object *list, size_t i)
{
    const char *s = json_object_get_string(k8sc__dj_at(list, i));
    return s ? s : "";
}

/* "TITLE: ip,ip" of a list of Endpoints addresses, "<none>" when empty. */
static void write_addresses(k8sc__dw *w, const char *title, struct json_object *addrs)
{
    k8sc__dw_write(w, 1, "%s:\t", title);
    for (size_t i = 0; i < k8sc__dj_len(addrs); i++)
        k8sc__dw_write(w, 0, "%s%s", i ? "," : "", k8sc__dj_or(k8sc__dj_at(addrs, i), "ip"));
    k8sc__dw_write(w, 0, "%s\n", k8sc__dj_len(addrs) ? "" : "<none>");
}

void k8sc__describe_endpoints(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *ep = in->obj, *subsets = k8sc__dj_get(ep, "subsets");
    k8sc__dw_name(w, ep, true);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(ep, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(ep, "metadata.annotations"));
    k8sc__dw_write(w, 0, "Subsets:\n");
    for (size_t i = 0; i < k8sc__dj_len(subsets); i++) {
        struct json_object *s = k8sc__dj_at(subsets, i), *ports = k8sc__dj_get(s, "ports");
        write_addresses(w, "Addresses", k8sc__dj_get(s, "addresses"));
        write_addresses(w, "NotReadyAddresses", k8sc__dj_get(s, "notReadyAddresses"));
        if (k8sc__dj_len(ports)) {
            k8sc__dw_write(w, 1, "Ports:\n");
            k8sc__dw_write(w, 2, "Name\tPort\tProtocol\n");
            k8sc__dw_write(w, 2, "----\t----\t--------\n");
            for (size_t p = 0; p < k8sc__dj_len(ports); p++) {
                struct json_object *port = k8sc__dj_at(ports, p);
                const char *name = k8sc__dj_or(port, "name");
                k8sc__dw_write(w, 2, "%s\t%lld\t%s\n", *name ? name : "<unset>", (long long)k8sc__dj_int(port, "port", 0),
                    k8sc__dj_or(port, "protocol"));
            }
        }
        k8sc__dw_write(w, 0, "\n");
    }
    k8sc__dw_events(w, in->events, in->nevents);
}

/* A *string or *bool of an endpoint as kubectl prints it, "<unset>" when absent. */
static const char *or_unset(struct json_object *o, const char *path)
{
    struct json_object *v = k8sc__dj_get(o, path);
    if (!v)
        return "<unset>";
    if (json_object_is_type(v, json_type_boolean))
        return json_object_get_boolean(v) ? "true" : "false";
    return json_object_get_string(v);
}

void k8sc__describe_endpointslice(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *eps = in->obj, *ports = k8sc__dj_get(eps, "ports"), *endpoints = k8sc__dj_get(eps, "endpoints");
    k8sc__dw_name(w, eps, true);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(eps, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(eps, "metadata.annotations"));
    k8sc__dw_write(w, 0, "AddressType:\t%s\n", k8sc__dj_or(eps, "addressType"));
    if (!k8sc__dj_len(ports)) {
        k8sc__dw_write(w, 0, "Ports: <unset>\n");
    } else {
        k8sc__dw_write(w, 0, "Ports:\n");
        k8sc__dw_write(w, 1, "Name\tPort\tProtocol\n");
        k8sc__dw_write(w, 1, "----\t----\t--------\n");
        for (size_t i = 0; i < k8sc__dj_len(ports); i++) {
            struct json_object *p = k8sc__dj_at(ports, i);
            const char *name = k8sc__dj_or(p, "name");
            char num[32];
            snprintf(num, sizeof(num), "%lld", (long long)k8sc__dj_int(p, "port", 0));
            k8sc__dw_write(w, 1, "%s\t%s\t%s\n", *name ? name : "<unset>", k8sc__dj_get(p, "port") ? num : "<unset>",
                k8sc__dj_or(p, "protocol"));
        }
    }
    if (!k8sc__dj_len(endpoints)) {
        k8sc__dw_write(w, 0, "Endpoints: <none>\n");
    } else {
        k8sc__dw_write(w, 0, "Endpoints:\n");
        for (size_t i = 0; i < k8sc__dj_len(endpoints); i++) {
            struct json_object *e = k8sc__dj_at(endpoints, i), *addrs = k8sc__dj_get(e, "addresses");
            k8sc__dw_write(w, 1, "- Addresses:\t");
            for (size_t a = 0; a < k8sc__dj_len(addrs); a++)
                k8sc__dw_write(w, 0, "%s%s", a ? ", " : "", str_at(addrs, a));
            k8sc__dw_write(w, 0, "%s\n", k8sc__dj_len(addrs) ? "" : "<none>");
            k8sc__dw_write(w, 2, "Conditions:\n");
            k8sc__dw_write(w, 3, "Ready:\t%s\n", or_unset(e, "conditions.ready"));
            k8sc__dw_write(w, 2, "Hostname:\t%s\n", or_unset(e, "hostname"));
            if (k8sc__dj_get(e, "targetRef"))
                k8sc__dw_write(w, 2, "TargetRef:\t%s/%s\n", k8sc__dj_or(e, "targetRef.kind"), k8sc__dj_or(e, "targetRef.name"));
            k8sc__dw_write(w, 2, "NodeName:\t%s\n", or_unset(e, "nodeName"));
            k8sc__dw_write(w, 2, "Zone:\t%s\n", or_unset(e, "zone"));
        }
    }
    k8sc__dw_events(w, in->events, in->nevents);
}

/* The related object of `kind` named `name` (for EndpointSlices: of that service), from index `*from`. */
static struct json_object *related_of(const k8sc__describe_input *in, const char *kind, const char *name, size_t *from)
{
    bool slice = strcmp(kind, "EndpointSlice") == 0;
    for (; *from < in->nrelated; (*from)++) {
        const k8sc_object *o = in->related[*from];
        const char *k = k8sc_object_kind(o);
        const char *n = slice ? k8sc_object_meta_get(o, K8SC_LABELS, "kubernetes.io/service-name") : k8sc_object_name(o);
        if (k && strcmp(k, kind) == 0 && n && strcmp(n, name) == 0)
            return k8sc_object_json(in->related[(*from)++]);
    }
    return NULL;
}

/* formatEndpointSlices for the service port named `port_name`: up to 3 ready "ip:port", then "+ N more...". */
static void endpoints_text(k8sc__buf *b, const k8sc__describe_input *in, const char *service, const char *port_name)
{
    size_t listed = 0, count = 0, from = 0;
    bool more = false, any = false;
    struct json_object *slice;
    while ((slice = related_of(in, "EndpointSlice", service, &from))) {
        struct json_object *ports = k8sc__dj_get(slice, "ports"), *eps = k8sc__dj_get(slice, "endpoints");
        any = true;
        for (size_t p = 0; p < (k8sc__dj_len(ports) ? k8sc__dj_len(ports) : 1); p++) {
            struct json_object *port = k8sc__dj_at(ports, p);
            if (port && strcmp(k8sc__dj_or(port, "name"), port_name) != 0)
                continue;
            for (size_t e = 0; e < k8sc__dj_len(eps); e++) {
                struct json_object *ep = k8sc__dj_at(eps, e), *ready = k8sc__dj_get(ep, "conditions.ready");
                const char *addr = str_at(k8sc__dj_get(ep, "addresses"), 0);
                more |= listed == 3;
                if (ready && !json_object_get_boolean(ready))
                    continue;
                if (!more && port)
                    k8sc__buf_printf(b, "%s%s%s%s:%lld", listed ? "," : "", strchr(addr, ':') ? "[" : "", addr,
                        strchr(addr, ':') ? "]" : "", (long long)k8sc__dj_int(port, "port", 0));
                else if (!more)
                    k8sc__buf_printf(b, "%s%s", listed ? "," : "", addr);
                listed += !more;
                count++;
            }
        }
    }
    if (!any)
        k8sc__buf_puts(b, "<none>");
    else if (more)
        k8sc__buf_printf(b, " + %lld more...", (long long)count - 3);
}

/* describeBackendV1: "svc:port (endpoints)", a resource backend, or "". */
static void backend_text(k8sc__buf *b, const k8sc__describe_input *in, struct json_object *backend)
{
    struct json_object *svc = k8sc__dj_get(backend, "service"), *res = k8sc__dj_get(backend, "resource");
    if (svc) {
        const char *name = k8sc__dj_or(svc, "name"), *pname = k8sc__dj_or(svc, "port.name");
        int64_t number = k8sc__dj_int(svc, "port.number", 0);
        if (number)
            k8sc__buf_printf(b, "%s:%lld", name, (long long)number);
        else
            k8sc__buf_printf(b, "%s:%s", name, pname);
        size_t from = 0;
        struct json_object *service = related_of(in, "Service", name, &from);
        if (!service) {
            k8sc__buf_printf(b, " (<error: services \"%s\" not found>)", name);
            return;
        }
        struct json_object *ports = k8sc__dj_get(service, "spec.ports");
        const char *sp = "";
        for (size_t i = 0; i < k8sc__dj_len(ports); i++) {
            struct json_object *p = k8sc__dj_at(ports, i);
            if ((number && number == k8sc__dj_int(p, "port", 0)) || (*pname && strcmp(pname, k8sc__dj_or(p, "name")) == 0))
                sp = k8sc__dj_or(p, "name");
        }
        k8sc__buf_puts(b, " (");
        endpoints_text(b, in, name, sp);
        k8sc__buf_puts(b, ")");
    } else if (res) {
        const char *group = k8sc__dj_str(res, "apiGroup");
        k8sc__buf_printf(b, "APIGroup: %s, Kind: %s, Name: %s", group ? group : "<none>", k8sc__dj_or(res, "kind"),
            k8sc__dj_or(res, "name"));
    }
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The load balancer's IPs and host names, sorted, each once, joined with ",". */
static void write_address(k8sc__dw *w, struct json_object *lbs)
{
    size_t n = 0;
    const char **v = k8sc__calloc(k8sc__dj_len(lbs) + 1, sizeof(*v));
    for (size_t i = 0; v && i < k8sc__dj_len(lbs); i++) {
        struct json_object *lb = k8sc__dj_at(lbs, i);
        const char *s = *k8sc__dj_or(lb, "ip") ? k8sc__dj_or(lb, "ip") : k8sc__dj_or(lb, "hostname");
        if (*s)
            v[n++] = s;
    }
    if (n)
        qsort(v, n, sizeof(*v), by_string);
    k8sc__dw_write(w, 0, "Address:\t");
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
            k8sc__dw_write(w, 0, "%s%s", i ? "," : "", v[i]);
    k8sc__dw_write(w, 0, "\n");
    free(v);
}

void k8sc__describe_ingress(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *ing = in->obj, *spec = k8sc__dj_get(ing, "spec"), *tls = k8sc__dj_get(spec, "tls");
    struct json_object *rules = k8sc__dj_get(spec, "rules"), *def = k8sc__dj_get(spec, "defaultBackend");
    k8sc__buf b = K8SC__BUF_INIT, defb = K8SC__BUF_INIT;
    k8sc__dw_name(w, ing, false);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(ing, "metadata.labels"));
    k8sc__dw_write(w, 0, "Namespace:\t%s\n", k8sc__dj_or(ing, "metadata.namespace"));
    write_address(w, k8sc__dj_get(ing, "status.loadBalancer.ingress"));
    const char *cls = k8sc__dj_str(spec, "ingressClassName");
    k8sc__dw_write(w, 0, "Ingress Class:\t%s\n", cls ? cls : "<none>");
    if (def)
        backend_text(&defb, in, def);
    else
        k8sc__buf_puts(&defb, "<default>");
    k8sc__dw_write(w, 0, "Default backend:\t%s\n", defb.ptr ? defb.ptr : "");
    if (k8sc__dj_len(tls)) {
        k8sc__dw_write(w, 0, "TLS:\n");
        for (size_t i = 0; i < k8sc__dj_len(tls); i++) {
            struct json_object *t = k8sc__dj_at(tls, i), *hosts = k8sc__dj_get(t, "hosts");
            const char *secret = k8sc__dj_or(t, "secretName");
            if (*secret)
                k8sc__dw_write(w, 1, "%s terminates ", secret);
            else
                k8sc__dw_write(w, 1, "SNI routes ");
            for (size_t h = 0; h < k8sc__dj_len(hosts); h++)
                k8sc__dw_write(w, 0, "%s%s", h ? "," : "", str_at(hosts, h));
            k8sc__dw_write(w, 0, "\n");
        }
    }
    k8sc__dw_write(w, 0, "Rules:\n  Host\tPath\tBackends\n");
    k8sc__dw_write(w, 1, "----\t----\t--------\n");
    size_t count = 0;
    for (size_t i = 0; i < k8sc__dj_len(rules); i++) {
        struct json_object *r = k8sc__dj_at(rules, i), *http = k8sc__dj_get(r, "http");
        if (!http)
            continue;
        count++;
        const char *host = k8sc__dj_or(r, "host");
        k8sc__dw_write(w, 1, "%s\t\n", *host ? host : "*");
        struct json_object *paths = k8sc__dj_get(http, "paths");
        for (size_t p = 0; p < k8sc__dj_len(paths); p++) {
            struct json_object *path = k8sc__dj_at(paths, p);
            b.len = 0;
            backend_text(&b, in, k8sc__dj_get(path, "backend"));
            k8sc__dw_write(w, 2, "\t%s \t%s\n", k8sc__dj_or(path, "path"), b.ptr && b.len ? b.ptr : "");
        }
    }
    if (count == 0)
        k8sc__dw_write(w, 1, "*\t*\t%s\n", defb.ptr ? defb.ptr : "");
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(ing, "metadata.annotations"));
    if (b.failed || defb.failed)
        w->out.failed = true;
    k8sc__buf_free(&b);
    k8sc__buf_free(&defb);
    k8sc__dw_events(w, in->events, in->nevents);
}

/* metav1.Time's String() (Go's time.Time.String(): "2006-01-02 15:04:05 -0700 MST", in local time). */
static void go_time(char *buf, size_t size, const char *rfc3339)
{
    int64_t t = 0;
    struct tm tm;
    if (!rfc3339 || k8sc_time_parse(&t, rfc3339) != 0) {
        snprintf(buf, size, "0001-01-01 00:00:00 +0000 UTC");
        return;
    }
    time_t tt = (time_t)t;
    buf[0] = '\0';
    if (localtime_r(&tt, &tm))
        strftime(buf, size, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
}

static void write_selector(k8sc__dw *w, const char *indent, const char *title, struct json_object *sel)
{
    char *text = NULL;
    k8sc__describe_selector(&text, sel, "<none>");
    k8sc__dw_write(w, 1, "%s%s: %s\n", indent, title, text ? text : "<none>");
    k8sc_free(text);
}

/* printNetworkPolicySpecIngressFrom / EgressTo: `peers` is "from" or "to". */
static void write_rules(k8sc__dw *w, struct json_object *rules, const char *peers, const char *what)
{
    const char *in = "    ";
    bool from = strcmp(peers, "from") == 0;
    if (!k8sc__dj_len(rules)) {
        k8sc__dw_write(w, 0, "%s<none> (Selected pods are isolated for %s connectivity)\n", in, what);
        return;
    }
    for (size_t i = 0; i < k8sc__dj_len(rules); i++) {
        struct json_object *r = k8sc__dj_at(rules, i), *ports = k8sc__dj_get(r, "ports"), *list = k8sc__dj_get(r, peers);
        if (!k8sc__dj_len(ports))
            k8sc__dw_write(w, 0, "%sTo Port: <any> (traffic allowed to all ports)\n", in);
        for (size_t p = 0; p < k8sc__dj_len(ports); p++) {
            struct json_object *port = k8sc__dj_at(ports, p), *num = k8sc__dj_get(port, "port");
            const char *proto = k8sc__dj_str(port, "protocol");
            const char *ps = num ? json_object_get_string(num) : "<nil>";
            if (k8sc__dj_get(port, "endPort"))
                k8sc__dw_write(w, 0, "%sTo Port Range: %s-%lld/%s\n", in, ps, (long long)k8sc__dj_int(port, "endPort", 0),
                    proto ? proto : "TCP");
            else
                k8sc__dw_write(w, 0, "%sTo Port: %s/%s\n", in, ps, proto ? proto : "TCP");
        }
        if (!k8sc__dj_len(list))
            k8sc__dw_write(w, 0, "%s%s\n", in, from ? "From: <any> (traffic not restricted by source)"
                                                    : "To: <any> (traffic not restricted by destination)");
        for (size_t p = 0; p < k8sc__dj_len(list); p++) {
            struct json_object *peer = k8sc__dj_at(list, p), *pod = k8sc__dj_get(peer, "podSelector");
            struct json_object *ns = k8sc__dj_get(peer, "namespaceSelector"), *block = k8sc__dj_get(peer, "ipBlock");
            k8sc__dw_write(w, 0, "%s%s\n", in, from ? "From:" : "To:");
            if (ns)
                write_selector(w, in, "NamespaceSelector", ns);
            if (pod)
                write_selector(w, in, "PodSelector", pod);
            if (!ns && !pod && block) {
                struct json_object *except = k8sc__dj_get(block, "except");
                k8sc__dw_write(w, 1, "%sIPBlock:\n", in);
                k8sc__dw_write(w, 2, "%sCIDR: %s\n", in, k8sc__dj_or(block, "cidr"));
                k8sc__dw_write(w, 2, "%sExcept: ", in);
                for (size_t e = 0; e < k8sc__dj_len(except); e++)
                    k8sc__dw_write(w, 0, "%s%s", e ? ", " : "", str_at(except, e));
                k8sc__dw_write(w, 0, "\n");
            }
        }
        if (i + 1 != k8sc__dj_len(rules))
            k8sc__dw_write(w, 0, "%s----------\n", in);
    }
}

void k8sc__describe_networkpolicy(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *np = in->obj, *spec = k8sc__dj_get(np, "spec"), *types = k8sc__dj_get(spec, "policyTypes");
    struct json_object *pod = k8sc__dj_get(spec, "podSelector");
    char t[96];
    bool ingress = false, egress = false;
    for (size_t i = 0; i < k8sc__dj_len(types); i++) {
        ingress |= strcmp(str_at(types, i), "Ingress") == 0;
        egress |= strcmp(str_at(types, i), "Egress") == 0;
    }
    k8sc__dw_name(w, np, true);
    go_time(t, sizeof(t), k8sc__dj_str(np, "metadata.creationTimestamp"));
    k8sc__dw_write(w, 0, "Created on:\t%s\n", t);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(np, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(np, "metadata.annotations"));
    k8sc__dw_write(w, 0, "Spec:\n");
    k8sc__dw_write(w, 1, "PodSelector: ");
    char *text = NULL;
    if (k8sc__describe_selector(&text, pod, "") == 0 && *text)
        k8sc__dw_write(w, 2, "%s\n", text);
    else
        k8sc__dw_write(w, 2, "<none> (Allowing the specific traffic to all pods in this namespace)\n");
    k8sc_free(text);
    if (ingress) {
        k8sc__dw_write(w, 1, "Allowing ingress traffic:\n");
        write_rules(w, k8sc__dj_get(spec, "ingress"), "from", "ingress");
    } else {
        k8sc__dw_write(w, 1, "Not affecting ingress traffic\n");
    }
    if (egress) {
        k8sc__dw_write(w, 1, "Allowing egress traffic:\n");
        write_rules(w, k8sc__dj_get(spec, "egress"), "to", "egress");
    } else {
        k8sc__dw_write(w, 1, "Not affecting egress traffic\n");
    }
    k8sc__dw_write(w, 1, "Policy Types: ");
    for (size_t i = 0; i < k8sc__dj_len(types); i++)
        k8sc__dw_write(w, 0, "%s%s", i ? ", " : "", str_at(types, i));
    k8sc__dw_write(w, 0, "%s\n", k8sc__dj_len(types) ? "" : "<none>");
}
