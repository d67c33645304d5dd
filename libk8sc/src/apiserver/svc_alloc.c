/*
 * The Service REST storage's ClusterIP and NodePort handling
 * (pkg/registry/core/service/storage/alloc.go, storage.go and the
 * strategy's NormalizeClusterIPs / dropTypeDependentFields): allocation on
 * create and type changes, values a client left out kept on update,
 * releases on delete, and the validation of those fields.
 */
#include "apiserver_internal.h"
#include "object/validation_internal.h"

#include <arpa/inet.h>
#include <string.h>

struct k8sc__svc_txn {
    bool dry;
    bool ip_taken, ip_drop;   /* taken now (given back on failure) / to give back once written */
    uint32_t ip, old_ip;
    uint32_t *taken, *drop;   /* node ports, the same way */
    size_t ntaken, ndrop;
};

bool k8sc__is_service(const k8sc_resource *r)
{
    return strcmp(k8sc_resource_group(r), "") == 0 && strcmp(k8sc_resource_kind(r), "Service") == 0;
}

/* ---- reading a Service -------------------------------------------------- */

static struct json_object *spec_of(const k8sc_object *svc)
{
    return k8sc__json_member(k8sc_object_json(svc), "spec");
}

static const char *str_field(const k8sc_object *svc, const char *key)
{
    const char *v = k8sc__json_string(spec_of(svc), key);
    return v ? v : "";
}

static const char *svc_type(const k8sc_object *svc)
{
    const char *t = str_field(svc, "type");
    return *t ? t : "ClusterIP";
}

static bool needs_cluster_ip(const k8sc_object *svc)
{
    return strcmp(svc_type(svc), "ExternalName") != 0;
}

static bool needs_node_port(const k8sc_object *svc)
{
    return strcmp(svc_type(svc), "NodePort") == 0 || strcmp(svc_type(svc), "LoadBalancer") == 0;
}

/* shouldAllocateNodePorts: LoadBalancers may opt out (requested ports are still honoured). */
static bool allocates_node_ports(const k8sc_object *svc)
{
    if (strcmp(svc_type(svc), "NodePort") == 0)
        return true;
    struct json_object *v = k8sc__json_member(spec_of(svc), "allocateLoadBalancerNodePorts");
    return strcmp(svc_type(svc), "LoadBalancer") == 0 && (!v || json_object_get_boolean(v));
}

static bool needs_hc_node_port(const k8sc_object *svc)
{
    return strcmp(svc_type(svc), "LoadBalancer") == 0 && strcmp(str_field(svc, "externalTrafficPolicy"), "Local") == 0;
}

static bool externally_accessible(const k8sc_object *svc)
{
    struct json_object *ext = k8sc__json_member(spec_of(svc), "externalIPs");
    return needs_node_port(svc) || (strcmp(svc_type(svc), "ClusterIP") == 0 && ext &&
        json_object_is_type(ext, json_type_array) && json_object_array_length(ext) > 0);
}

static bool is_headless(const k8sc_object *svc)
{
    return strcmp(str_field(svc, "clusterIP"), "None") == 0;
}

static struct json_object *ports_of(const k8sc_object *svc)
{
    struct json_object *p = k8sc__json_member(spec_of(svc), "ports");
    return p && json_object_is_type(p, json_type_array) ? p : NULL;
}

static size_t nports(const k8sc_object *svc)
{
    struct json_object *p = ports_of(svc);
    return p ? json_object_array_length(p) : 0;
}

static int64_t int_field(struct json_object *o, const char *key)
{
    struct json_object *v = k8sc__json_member(o, key);
    return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;
}

static struct json_object *port_at(const k8sc_object *svc, size_t i)
{
    return json_object_array_get_idx(ports_of(svc), i);
}

static int64_t node_port(const k8sc_object *svc, size_t i)
{
    return int_field(port_at(svc, i), "nodePort");
}

static bool parse_ipv4(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (!s || inet_pton(AF_INET, s, &a) != 1)
        return false;
    *out = ntohl(a.s_addr);
    return true;
}

static size_t cluster_ips_len(const k8sc_object *svc)
{
    struct json_object *ips = k8sc__json_member(spec_of(svc), "clusterIPs");
    return ips && json_object_is_type(ips, json_type_array) ? json_object_array_length(ips) : 0;
}

static const char *cluster_ips_at(const k8sc_object *svc, size_t i)
{
    struct json_object *v = json_object_array_get_idx(k8sc__json_member(spec_of(svc), "clusterIPs"), i);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

static bool same_cluster_ips(const k8sc_object *a, const k8sc_object *b)
{
    if (strcmp(str_field(a, "clusterIP"), str_field(b, "clusterIP")) != 0 || cluster_ips_len(a) != cluster_ips_len(b))
        return false;
    for (size_t i = 0; i < cluster_ips_len(a); i++)
        if (strcmp(cluster_ips_at(a, i), cluster_ips_at(b, i)) != 0)
            return false;
    return true;
}

static bool same_member(const k8sc_object *a, const k8sc_object *b, const char *key)
{
    struct json_object *x = k8sc__json_member(spec_of(a), key), *y = k8sc__json_member(spec_of(b), key);
    return (!x && !y) || (x && y && json_object_equal(x, y));
}

static int set_member(struct json_object *o, const char *key, struct json_object *v)
{
    if (!v || json_object_object_add(o, key, v) < 0) {
        json_object_put(v);
        return k8sc__error_nomem();
    }
    return 0;
}

static int copy_member(struct json_object *dst, const struct json_object *src, const char *key)
{
    struct json_object *v = k8sc__json_member(src, key), *copy = NULL;
    if (!v)
        return 0;
    if (json_object_deep_copy(v, &copy, NULL))
        return k8sc__error_nomem();
    return set_member(dst, key, copy);
}

/* spec.clusterIP and spec.clusterIPs = [ip]. */
static int set_cluster_ip(k8sc_object *svc, const char *ip)
{
    struct json_object *spec = spec_of(svc), *arr = json_object_new_array();
    if (arr && json_object_array_add(arr, json_object_new_string(ip)) < 0) {
        json_object_put(arr);
        arr = NULL;
    }
    int rc = set_member(spec, "clusterIPs", arr);
    return rc ? rc : set_member(spec, "clusterIP", json_object_new_string(ip));
}

/* ---- strategy ---------------------------------------------------------------- */

/* patchAllocatedValues: what the client left out of an update keeps its allocated value. */
static int patch_allocated(k8sc_object *svc, const k8sc_object *old)
{
    struct json_object *spec = spec_of(svc), *ospec = spec_of(old);
    int rc = 0;
    if (needs_cluster_ip(old) && needs_cluster_ip(svc)) {
        if (!*str_field(svc, "clusterIP"))
            rc = copy_member(spec, ospec, "clusterIP");
        if (!rc && cluster_ips_len(svc) == 0 && cluster_ips_len(old) > 0)
            rc = copy_member(spec, ospec, "clusterIPs");
    }
    if (!rc && needs_node_port(old) && needs_node_port(svc)) {
        /* By port name, unless the old value is used by another port of the new Service. */
        for (size_t i = 0; i < nports(svc) && !rc; i++) {
            if (node_port(svc, i) != 0)
                continue;
            const char *name = k8sc__json_string(port_at(svc, i), "name");
            int64_t oldval = 0;
            for (size_t j = 0; j < nports(old); j++) {
                const char *oname = k8sc__json_string(port_at(old, j), "name");
                if (strcmp(name ? name : "", oname ? oname : "") == 0)
                    oldval = node_port(old, j);
            }
            bool used = false;
            for (size_t j = 0; j < nports(svc) && oldval; j++)
                used = used || node_port(svc, j) == oldval;
            if (oldval && !used)
                rc = set_member(port_at(svc, i), "nodePort", json_object_new_int64(oldval));
        }
    }
    if (!rc && needs_hc_node_port(old) && needs_hc_node_port(svc) && int_field(spec, "healthCheckNodePort") == 0)
        rc = copy_member(spec, ospec, "healthCheckNodePort");
    return rc;
}

/* NormalizeClusterIPs: keep spec.clusterIP and spec.clusterIPs saying the same for clients that set only one. */
static int normalize_cluster_ips(k8sc_object *svc, const k8sc_object *old)
{
    struct json_object *spec = spec_of(svc);
    const char *ip = str_field(svc, "clusterIP");
    if (!old)
        return *ip && cluster_ips_len(svc) == 0 ? set_cluster_ip(svc, ip) : 0;
    int rc = 0;
    if (cluster_ips_len(old) > 0 && cluster_ips_len(svc) == 0 && strcmp(str_field(old, "clusterIP"), ip) == 0)
        rc = copy_member(spec, spec_of(old), "clusterIPs");
    if (rc || strcmp(str_field(old, "clusterIP"), str_field(svc, "clusterIP")) == 0)
        return rc;
    bool same_plural = cluster_ips_len(old) == cluster_ips_len(svc);
    for (size_t i = 0; same_plural && i < cluster_ips_len(old); i++)
        same_plural = strcmp(cluster_ips_at(old, i), cluster_ips_at(svc, i)) == 0;
    if (!same_plural)
        return 0;
    if (*str_field(old, "clusterIP") && !*str_field(svc, "clusterIP")) {
        json_object_object_del(spec, "clusterIPs");
        return 0;
    }
    return set_cluster_ip(svc, str_field(svc, "clusterIP"));
}

/* The node ports of `svc` are all among those of `old` (no net-new one): sameNodePorts. */
static bool no_new_node_ports(const k8sc_object *svc, const k8sc_object *old)
{
    for (size_t i = 0; i < nports(svc); i++) {
        int64_t np = node_port(svc, i);
        bool found = np == 0;
        for (size_t j = 0; j < nports(old) && !found; j++)
            found = node_port(old, j) == np;
        if (!found)
            return false;
    }
    return true;
}

/* dropTypeDependentFields: what a type change made pointless goes, when the client did not change it. */
static void drop_type_dependent(k8sc_object *svc, const k8sc_object *old)
{
    struct json_object *spec = spec_of(svc);
    if (needs_cluster_ip(old) && !needs_cluster_ip(svc)) {
        if (same_cluster_ips(old, svc)) {
            json_object_object_del(spec, "clusterIP");
            json_object_object_del(spec, "clusterIPs");
        }
        if (same_member(old, svc, "ipFamilies"))
            json_object_object_del(spec, "ipFamilies");
        if (same_member(old, svc, "ipFamilyPolicy"))
            json_object_object_del(spec, "ipFamilyPolicy");
    }
    if (needs_node_port(old) && !needs_node_port(svc) && no_new_node_ports(svc, old))
        for (size_t i = 0; i < nports(svc); i++)
            json_object_object_del(port_at(svc, i), "nodePort");
    if (needs_hc_node_port(old) && !needs_hc_node_port(svc) && same_member(old, svc, "healthCheckNodePort"))
        json_object_object_del(spec, "healthCheckNodePort");
    if (strcmp(svc_type(old), "LoadBalancer") == 0 && strcmp(svc_type(svc), "LoadBalancer") != 0 &&
        same_member(old, svc, "allocateLoadBalancerNodePorts"))
        json_object_object_del(spec, "allocateLoadBalancerNodePorts");
    if (externally_accessible(old) && !externally_accessible(svc) && same_member(old, svc, "externalTrafficPolicy"))
        json_object_object_del(spec, "externalTrafficPolicy");
}

int k8sc__service_normalize(k8sc_object *svc, const k8sc_object *old)
{
    struct json_object *spec = spec_of(svc);
    if (!spec || !json_object_is_type(spec, json_type_object) || (old && !spec_of(old)))
        return 0;
    int rc = old ? patch_allocated(svc, old) : 0;
    if (!rc)
        rc = normalize_cluster_ips(svc, old);
    if (!rc && old)
        drop_type_dependent(svc, old);
    return rc;
}

/* ---- validation -------------------------------------------------------------- */

/* Go's %#v of a []string: []string{"a", "b"}, or []string(nil). */
static int render_ips(k8sc__buf *b, const k8sc_object *svc)
{
    if (!k8sc__json_member(spec_of(svc), "clusterIPs"))
        return k8sc__buf_puts(b, "[]string(nil)");
    k8sc__buf_puts(b, "[]string{");
    for (size_t i = 0; i < cluster_ips_len(svc); i++) {
        const char *ip = cluster_ips_at(svc, i);
        if (i)
            k8sc__buf_puts(b, ", ");
        k8sc__buf_put_goquoted(b, ip, strlen(ip));
    }
    k8sc__buf_puts(b, "}");
    return k8sc__buf_status(b);
}

static int ips_error(k8sc_field_errors *errs, const char *field, const k8sc_object *svc, const char *detail)
{
    k8sc__buf b = K8SC__BUF_INIT;
    int rc = render_ips(&b, svc);
    if (!rc)
        rc = k8sc__field_errors_add_rendered(errs, K8SC_FIELD_INVALID, field, b.ptr, detail);
    k8sc__buf_free(&b);
    return rc;
}

static bool valid_ip(const char *s)
{
    unsigned char a[16];
    return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static int validate_cluster_ips(k8sc_field_errors *errs, const k8sc_object *svc)
{
    int rc = 0;
    if (!needs_cluster_ip(svc)) {
        if (cluster_ips_len(svc) > 0)
            rc = k8sc_field_errors_add(errs, K8SC_FIELD_FORBIDDEN, "spec.clusterIPs", NULL,
                "may not be set for ExternalName services");
        return rc;
    }
    if (cluster_ips_len(svc) > 0 && strcmp(str_field(svc, "clusterIP"), cluster_ips_at(svc, 0)) != 0)
        rc = ips_error(errs, "spec.clusterIPs", svc, "first value must match `clusterIP`");
    for (size_t i = 0; i < cluster_ips_len(svc) && !rc; i++) {
        const char *ip = cluster_ips_at(svc, i);
        char field[64];
        snprintf(field, sizeof(field), "spec.clusterIPs[%zu]", i);
        if (i == 0 && strcmp(ip, "None") == 0) {
            if (cluster_ips_len(svc) > 1)
                rc = ips_error(errs, "spec.clusterIPs", svc, "'None' must be the first and only value");
        } else if (!valid_ip(ip)) {
            rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, field, ip,
                "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
        }
    }
    if (!rc && is_headless(svc) && needs_node_port(svc))
        rc = k8sc_field_errors_add_str(errs, K8SC_FIELD_INVALID, "spec.clusterIPs[0]", "None",
            "may not be set to 'None' for %s services", svc_type(svc));
    return rc;
}

static int validate_node_ports(k8sc_field_errors *errs, const k8sc_object *svc)
{
    int rc = 0;
    bool cluster_ip = strcmp(svc_type(svc), "ClusterIP") == 0;
    for (size_t i = 0; i < nports(svc) && !rc; i++) {
        int64_t np = node_port(svc, i);
        if (np == 0)
            continue;
        char field[64];
        snprintf(field, sizeof(field), "spec.ports[%zu].nodePort", i);
        if (cluster_ip) {
            rc = k8sc_field_errors_add(errs, K8SC_FIELD_FORBIDDEN, field, NULL,
                "may not be used when `type` is 'ClusterIP'");
            continue;
        }
        const char *proto = k8sc__json_string(port_at(svc, i), "protocol");
        for (size_t j = 0; j < i; j++) {
            const char *p2 = k8sc__json_string(port_at(svc, j), "protocol");
            if (node_port(svc, j) == np && strcmp(proto ? proto : "", p2 ? p2 : "") == 0) {
                struct json_object *v = json_object_new_int64(np);
                rc = v ? k8sc_field_errors_add(errs, K8SC_FIELD_DUPLICATE, field, v, NULL) : k8sc__error_nomem();
                json_object_put(v);
                break;
            }
        }
    }
    return rc;
}

/* validateUpgradeDowngradeClusterIPs, single-stack: the primary ClusterIP may not change once set. */
static int validate_ips_update(k8sc_field_errors *errs, const k8sc_object *svc, const k8sc_object *old)
{
    if (!needs_cluster_ip(svc) || !needs_cluster_ip(old) || (is_headless(svc) && is_headless(old)))
        return 0;
    size_t n = cluster_ips_len(svc), on = cluster_ips_len(old);
    if (on > 0 && n == 0)
        return ips_error(errs, "spec.clusterIPs[0]", svc, "primary clusterIP can not be unset");
    if (on > 0 && strcmp(cluster_ips_at(old, 0), cluster_ips_at(svc, 0)) != 0)
        return ips_error(errs, "spec.clusterIPs[0]", svc, "may not change once set");
    return 0;
}

int k8sc__service_validate(k8sc_field_errors *errs, const k8sc__route *route, const k8sc_object *svc,
    const k8sc_object *old)
{
    if (!k8sc__is_service(route->resource) || !spec_of(svc))
        return 0;
    size_t before = k8sc_field_errors_count(errs);
    int rc = validate_cluster_ips(errs, svc);
    if (!rc)
        rc = validate_node_ports(errs, svc);
    if (!rc && old && spec_of(old))
        rc = validate_ips_update(errs, svc, old);
    return rc < 0 ? rc : (int)(k8sc_field_errors_count(errs) - before);
}

/* ---- allocation -------------------------------------------------------------- */

static void txn_free(k8sc__svc_txn *txn)
{
    if (!txn)
        return;
    k8sc_free(txn->taken);
    k8sc_free(txn->drop);
    k8sc_free(txn);
}

static int push(uint32_t **arr, size_t *n, uint32_t v)
{
    uint32_t *grown = k8sc__realloc(*arr, (*n + 1) * sizeof(*grown));
    if (!grown)
        return K8SC_ENOMEM;
    grown[(*n)++] = v;
    *arr = grown;
    return 0;
}

/* A 422 for one field, as alloc.go words allocation failures. */
static int invalid_reply(k8sc_apiserver_response *resp, const k8sc_resource *r, const k8sc_object *svc,
    const char *field, int64_t value, const char *detail)
{
    k8sc_field_errors *errs = NULL;
    int rc = k8sc_field_errors_new(&errs);
    struct json_object *v = rc ? NULL : json_object_new_int64(value);
    if (!rc)
        rc = v ? k8sc_field_errors_add(errs, K8SC_FIELD_INVALID, field, v, "%s", detail) : k8sc__error_nomem();
    json_object_put(v);
    if (!rc)
        rc = k8sc__status_invalid(resp, r, k8sc_object_name(svc), errs);
    k8sc_field_errors_free(errs);
    return rc;
}

/* allocClusterIPs for one IPv4 family: the requested address, else a free one. */
static int alloc_ip(k8sc__svc_txn *txn, k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc_resource *r,
    k8sc_object *svc)
{
    const char *want = str_field(svc, "clusterIP");
    k8sc__range_op op = { *want ? K8SC__RANGE_ALLOC : K8SC__RANGE_NEXT, 0 };
    int rc;
    if (*want && !parse_ipv4(want, &op.value)) {
        char ip[INET_ADDRSTRLEN + 64];
        snprintf(ip, sizeof(ip), "%s", want);
        rc = k8sc_error_set(K8SC_ERANGE, "the provided IP (%s) is not in the valid range. The range of valid IPs is %s",
            ip, srv->svc.ips.spec);
    } else {
        rc = k8sc__svc_range_apply(srv, &srv->svc.ips, &op, 1, txn->dry, NULL);
    }
    if (rc == K8SC_EEXISTS || rc == K8SC_ERANGE) {
        char detail[512];
        snprintf(detail, sizeof(detail), "failed to allocate IP %s: %s", want, k8sc_error_last());
        k8sc_field_errors *errs = NULL;
        rc = k8sc_field_errors_new(&errs);
        if (!rc)
            rc = ips_error(errs, "spec.clusterIPs", svc, detail);
        if (!rc)
            rc = k8sc__status_invalid(resp, r, k8sc_object_name(svc), errs);
        k8sc_field_errors_free(errs);
        return rc;
    }
    if (rc == K8SC_EOVERFLOW) {
        char what[256];
        snprintf(what, sizeof(what), "failed to allocate a serviceIP: %s", k8sc_error_last());
        return k8sc__status_internal(resp, what);
    }
    if (rc)
        return rc == K8SC_ENOMEM ? rc : k8sc__status_internal(resp, k8sc_error_last());
    txn->ip_taken = true;
    txn->ip = op.value;
    char ip[INET_ADDRSTRLEN];
    struct in_addr a = { htonl(op.value) };
    inet_ntop(AF_INET, &a, ip, sizeof(ip));
    return set_cluster_ip(svc, ip);
}

/* The IP side of allocateCreate / allocateUpdate (handleClusterIPsForUpdatedService). */
static int plan_ips(k8sc__svc_txn *txn, k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc_resource *r,
    k8sc_object *svc, const k8sc_object *old)
{
    bool want = false;
    if (!old) {
        want = needs_cluster_ip(svc) && !is_headless(svc);
    } else if (!needs_cluster_ip(old) && needs_cluster_ip(svc)) {
        want = !is_headless(svc);
    } else if (is_headless(old)) {
        want = false;
    } else if (needs_cluster_ip(old) && !needs_cluster_ip(svc)) {
        txn->ip_drop = parse_ipv4(str_field(old, "clusterIP"), &txn->old_ip);
    } else {
        /* A Service stored without an address (before allocation existed) gets one now. */
        want = needs_cluster_ip(svc) && !*str_field(old, "clusterIP") && !is_headless(svc);
    }
    return want ? alloc_ip(txn, resp, srv, r, svc) : 0;
}

/* The node ports to ask for, and which port (or -1: healthCheckNodePort) each op serves. */
typedef struct {
    k8sc__range_op *ops;
    long *port_of;
    size_t n;
    long *assign; /* per port of the Service: the op whose value it gets, or -1 */
} port_plan;

static int plan_add(port_plan *p, k8sc__range_op_kind kind, uint32_t value, long port)
{
    k8sc__range_op *ops = k8sc__realloc(p->ops, (p->n + 1) * sizeof(*ops));
    if (ops)
        p->ops = ops;
    long *of = ops ? k8sc__realloc(p->port_of, (p->n + 1) * sizeof(*of)) : NULL;
    if (of)
        p->port_of = of;
    if (!ops || !of)
        return K8SC_ENOMEM;
    p->ops[p->n].kind = kind;
    p->ops[p->n].value = value;
    p->port_of[p->n] = port;
    return (int)p->n++;
}

/* initNodePorts: one node port per service port number (its TCP and UDP share it). */
static int plan_create_ports(port_plan *p, const k8sc_object *svc)
{
    size_t n = nports(svc);
    for (size_t i = 0; i < n; i++) {
        int64_t np = node_port(svc, i), port = int_field(port_at(svc, i), "port");
        if (np == 0 && !allocates_node_ports(svc))
            continue;
        long same = -1;
        for (size_t j = 0; j < i && same < 0; j++)
            if (p->assign[j] >= 0 && int_field(port_at(svc, j), "port") == port)
                same = (long)j;
        int op;
        if (same < 0) {
            int64_t req = 0;
            for (size_t j = i; j < n && !req; j++)
                if (int_field(port_at(svc, j), "port") == port)
                    req = node_port(svc, j);
            op = req ? plan_add(p, K8SC__RANGE_ALLOC, (uint32_t)req, (long)i) : plan_add(p, K8SC__RANGE_NEXT, 0, (long)i);
        } else if (np == 0 || p->ops[p->assign[same]].kind == K8SC__RANGE_NEXT ||
                   np == (int64_t)p->ops[p->assign[same]].value) {
            op = (int)p->assign[same];
        } else {
            op = plan_add(p, K8SC__RANGE_ALLOC, (uint32_t)np, (long)i);
        }
        if (op < 0)
            return op;
        p->assign[i] = op;
    }
    return 0;
}

static bool old_has_port(const k8sc_object *old, int64_t np)
{
    for (size_t j = 0; j < nports(old); j++)
        if (node_port(old, j) == np)
            return true;
    return false;
}

/* updateNodePorts: new values are taken, the old ones no longer used are given back once written. */
static int plan_update_ports(port_plan *p, k8sc__svc_txn *txn, const k8sc_object *svc, const k8sc_object *old)
{
    int rc = 0;
    if (needs_node_port(old) && !needs_node_port(svc)) {
        for (size_t j = 0; j < nports(old) && !rc; j++)
            if (node_port(old, j) > 0)
                rc = push(&txn->drop, &txn->ndrop, (uint32_t)node_port(old, j));
        return rc;
    }
    if (!needs_node_port(svc))
        return 0;
    for (size_t i = 0; i < nports(svc) && rc >= 0; i++) {
        int64_t np = node_port(svc, i);
        if (np == 0 && !allocates_node_ports(svc))
            continue;
        if (np == 0) {
            rc = plan_add(p, K8SC__RANGE_NEXT, 0, (long)i);
            p->assign[i] = rc;
            continue;
        }
        bool taken = old_has_port(old, np);
        for (size_t k = 0; k < p->n && !taken; k++)
            taken = p->ops[k].kind == K8SC__RANGE_ALLOC && p->ops[k].value == (uint32_t)np;
        if (!taken)
            rc = plan_add(p, K8SC__RANGE_ALLOC, (uint32_t)np, (long)i);
    }
    for (size_t j = 0; j < nports(old) && rc >= 0; j++) {
        int64_t np = node_port(old, j);
        bool kept = np == 0;
        for (size_t i = 0; i < nports(svc) && !kept; i++)
            kept = node_port(svc, i) == np;
        if (!kept)
            rc = push(&txn->drop, &txn->ndrop, (uint32_t)np);
    }
    return rc < 0 ? rc : 0;
}

/* allocHealthCheckNodePort / updateHealthCheckNodePort. */
static int plan_hc_port(port_plan *p, k8sc__svc_txn *txn, const k8sc_object *svc, const k8sc_object *old)
{
    bool needed = old && needs_hc_node_port(old), needs = needs_hc_node_port(svc);
    int64_t want = int_field(spec_of(svc), "healthCheckNodePort");
    if (!needed && needs) {
        int op = want ? plan_add(p, K8SC__RANGE_ALLOC, (uint32_t)want, -1) : plan_add(p, K8SC__RANGE_NEXT, 0, -1);
        return op < 0 ? op : 0;
    }
    if (needed && !needs && int_field(spec_of(old), "healthCheckNodePort") > 0)
        return push(&txn->drop, &txn->ndrop, (uint32_t)int_field(spec_of(old), "healthCheckNodePort"));
    return 0;
}

static int port_failure(k8sc_apiserver_response *resp, const k8sc_resource *r, const k8sc_object *svc,
    const port_plan *p, size_t failed, int code)
{
    const k8sc__range_op *op = &p->ops[failed];
    char what[512];
    if (p->port_of[failed] < 0) {
        if (op->kind == K8SC__RANGE_NEXT)
            snprintf(what, sizeof(what), "failed to allocate a HealthCheck NodePort %u: %s", op->value, k8sc_error_last());
        else
            snprintf(what, sizeof(what), "failed to allocate requested HealthCheck NodePort %u: %s", op->value,
                k8sc_error_last());
        return k8sc__status_internal(resp, what);
    }
    if (code == K8SC_EOVERFLOW || op->kind == K8SC__RANGE_NEXT) {
        snprintf(what, sizeof(what), "failed to allocate a nodePort: %s", k8sc_error_last());
        return k8sc__status_internal(resp, what);
    }
    char field[64];
    snprintf(field, sizeof(field), "spec.ports[%ld].nodePort", p->port_of[failed]);
    return invalid_reply(resp, r, svc, field, op->value, k8sc_error_last());
}

static int plan_ports(k8sc__svc_txn *txn, k8sc_apiserver_response *resp, k8sc_apiserver *srv, const k8sc_resource *r,
    k8sc_object *svc, const k8sc_object *old)
{
    port_plan p = { 0 };
    size_t n = nports(svc);
    p.assign = k8sc__malloc((n ? n : 1) * sizeof(*p.assign));
    if (!p.assign)
        return K8SC_ENOMEM;
    for (size_t i = 0; i < n; i++)
        p.assign[i] = -1;
    int rc = 0;
    if (!old && needs_node_port(svc))
        rc = plan_create_ports(&p, svc);
    else if (old)
        rc = plan_update_ports(&p, txn, svc, old);
    if (!rc)
        rc = plan_hc_port(&p, txn, svc, old);
    size_t failed = 0;
    if (!rc && p.n > 0) {
        rc = k8sc__svc_range_apply(srv, &srv->svc.ports, p.ops, p.n, txn->dry, &failed);
        if (rc == K8SC_EEXISTS || rc == K8SC_ERANGE || rc == K8SC_EOVERFLOW)
            rc = port_failure(resp, r, svc, &p, failed, rc);
        else if (rc && rc != K8SC_ENOMEM)
            rc = k8sc__status_internal(resp, k8sc_error_last());
        else if (!rc)
            for (size_t k = 0; k < p.n && !rc; k++)
                rc = push(&txn->taken, &txn->ntaken, p.ops[k].value);
    }
    for (size_t i = 0; i < n && !rc && !resp->status; i++)
        if (p.assign[i] >= 0)
            rc = set_member(port_at(svc, i), "nodePort", json_object_new_int64(p.ops[p.assign[i]].value));
    for (size_t k = 0; k < p.n && !rc && !resp->status; k++)
        if (p.port_of[k] < 0)
            rc = set_member(spec_of(svc), "healthCheckNodePort", json_object_new_int64(p.ops[k].value));
    k8sc_free(p.ops);
    k8sc_free(p.port_of);
    k8sc_free(p.assign);
    return rc;
}

static void give_back(k8sc_apiserver *srv, k8sc__svc_range *r, const uint32_t *values, size_t n)
{
    if (n == 0)
        return;
    k8sc__range_op *ops = k8sc__calloc(n, sizeof(*ops));
    int rc = ops ? 0 : K8SC_ENOMEM;
    for (size_t i = 0; ops && i < n; i++) {
        ops[i].kind = K8SC__RANGE_RELEASE;
        ops[i].value = values[i];
    }
    if (!rc)
        rc = k8sc__svc_range_apply(srv, r, ops, n, false, NULL);
    k8sc_free(ops);
    /* The repair loop frees what could not be given back here. */
    if (rc)
        k8sc_log(K8SC_LOG_WARN, "apiserver: releasing from %s: %s", r->key, k8sc_error_last());
}

int k8sc__service_allocate(k8sc__svc_txn **out, k8sc_apiserver_response *resp, k8sc_apiserver *srv,
    const k8sc__route *route, k8sc_object *svc, const k8sc_object *old, bool dry)
{
    *out = NULL;
    if (!k8sc__is_service(route->resource) || !spec_of(svc) || !json_object_is_type(spec_of(svc), json_type_object) ||
        (old && !spec_of(old)))
        return 0;
    k8sc__svc_txn *txn = k8sc__calloc(1, sizeof(*txn));
    if (!txn)
        return K8SC_ENOMEM;
    txn->dry = dry;
    int rc = plan_ips(txn, resp, srv, route->resource, svc, old);
    if (!rc && !resp->status)
        rc = plan_ports(txn, resp, srv, route->resource, svc, old);
    if (rc || resp->status) {
        k8sc__service_finish(srv, txn, false);
        return rc;
    }
    *out = txn;
    return 0;
}

void k8sc__service_finish(k8sc_apiserver *srv, k8sc__svc_txn *txn, bool written)
{
    if (!txn)
        return;
    if (!txn->dry && written) {
        if (txn->ip_drop)
            give_back(srv, &srv->svc.ips, &txn->old_ip, 1);
        give_back(srv, &srv->svc.ports, txn->drop, txn->ndrop);
    } else if (!txn->dry) {
        if (txn->ip_taken)
            give_back(srv, &srv->svc.ips, &txn->ip, 1);
        give_back(srv, &srv->svc.ports, txn->taken, txn->ntaken);
    }
    txn_free(txn);
}

int k8sc__service_used(uint32_t **ips, size_t *nips, uint32_t **ports, size_t *nports_out, const k8sc_object *svc)
{
    uint32_t ip;
    int rc = 0;
    if (needs_cluster_ip(svc) && parse_ipv4(str_field(svc, "clusterIP"), &ip))
        rc = push(ips, nips, ip);
    for (size_t i = 0; i < nports(svc) && !rc; i++)
        if (node_port(svc, i) > 0 && node_port(svc, i) <= 65535)
            rc = push(ports, nports_out, (uint32_t)node_port(svc, i));
    int64_t hc = int_field(spec_of(svc), "healthCheckNodePort");
    if (!rc && hc > 0 && hc <= 65535)
        rc = push(ports, nports_out, (uint32_t)hc);
    return rc;
}

void k8sc__service_release(k8sc_apiserver *srv, const k8sc__route *route, const k8sc_object *svc)
{
    if (!k8sc__is_service(route->resource) || !spec_of(svc))
        return;
    uint32_t *ips = NULL, *ports = NULL;
    size_t nips = 0, np = 0;
    if (k8sc__service_used(&ips, &nips, &ports, &np, svc) == 0) {
        give_back(srv, &srv->svc.ips, ips, nips);
        give_back(srv, &srv->svc.ports, ports, np);
    }
    k8sc_free(ips);
    k8sc_free(ports);
}
