/*
 * The iptables-restore text for a model, laid out as kube-proxy's
 * pkg/proxy/iptables/proxier.go writes it (iptables mode) or as the old
 * pkg/proxy/userspace proxier's portals (userspace mode). Pure: the same
 * model and previous chains always give the same text.
 *
 * Each service chain's rules are made apart and digested, so that a
 * partial sync (kube-proxy's MinimizeIPTablesRestore) can leave out the
 * chains whose digest did not change: the tables keep those as they are,
 * and the top chains that jump to them are rewritten every time.
 */
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "net/proxy_internal.h"

#define NAT_SERVICES "KUBE-SERVICES"
#define NAT_NODEPORTS "KUBE-NODEPORTS"
#define NAT_POSTROUTING "KUBE-POSTROUTING"
#define NAT_MARK_MASQ "KUBE-MARK-MASQ"
#define FILTER_SERVICES "KUBE-SERVICES"
#define FILTER_EXTERNAL "KUBE-EXTERNAL-SERVICES"
#define PORTALS_CONTAINER "KUBE-PORTALS-CONTAINER"
#define PORTALS_HOST "KUBE-PORTALS-HOST"
#define NODEPORT_CONTAINER "KUBE-NODEPORT-CONTAINER"
#define NODEPORT_HOST "KUBE-NODEPORT-HOST"

static const char *const owned_fixed[] = { NAT_SERVICES, NAT_NODEPORTS, NAT_POSTROUTING, NAT_MARK_MASQ,
    FILTER_EXTERNAL, PORTALS_CONTAINER, PORTALS_HOST, NODEPORT_CONTAINER, NODEPORT_HOST };
static const char *const owned_prefixes[] = { "KUBE-SVC-", "KUBE-SEP-", "KUBE-EXT-" };

bool k8sc__proxy_owns_chain(const char *chain)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(owned_fixed); i++)
        if (strcmp(chain, owned_fixed[i]) == 0)
            return true;
    for (size_t i = 0; i < K8SC__ARRAY_LEN(owned_prefixes); i++)
        if (strncmp(chain, owned_prefixes[i], strlen(owned_prefixes[i])) == 0)
            return true;
    return false;
}

static const char *const j_portals[] = { "-m", "comment", "--comment", "kubernetes service portals", "-j",
    NAT_SERVICES, NULL };
static const char *const j_postrouting[] = { "-m", "comment", "--comment", "kubernetes postrouting rules", "-j",
    NAT_POSTROUTING, NULL };
static const char *const j_filter_services[] = { "-m", "conntrack", "--ctstate", "NEW", "-m", "comment",
    "--comment", "kubernetes service portals", "-j", FILTER_SERVICES, NULL };
static const char *const j_filter_external[] = { "-m", "conntrack", "--ctstate", "NEW", "-m", "comment",
    "--comment", "kubernetes externally-visible service portals", "-j", FILTER_EXTERNAL, NULL };
static const char *const j_portals_container[] = { "-m", "comment", "--comment",
    "handle ClusterIPs; NOTE: this must be before the NodePort rules", "-j", PORTALS_CONTAINER, NULL };
static const char *const j_portals_host[] = { "-m", "comment", "--comment",
    "handle ClusterIPs; NOTE: this must be before the NodePort rules", "-j", PORTALS_HOST, NULL };
static const char *const j_nodeport_container[] = { "-m", "addrtype", "--dst-type", "LOCAL", "-m", "comment",
    "--comment", "handle service NodePorts; NOTE: this must be the last rule in the chain", "-j",
    NODEPORT_CONTAINER, NULL };
static const char *const j_nodeport_host[] = { "-m", "addrtype", "--dst-type", "LOCAL", "-m", "comment",
    "--comment", "handle service NodePorts; NOTE: this must be the last rule in the chain", "-j", NODEPORT_HOST,
    NULL };

static const k8sc__proxy_jump jumps_iptables[] = {
    { "nat", "PREROUTING", j_portals },
    { "nat", "OUTPUT", j_portals },
    { "nat", "POSTROUTING", j_postrouting },
    { "filter", "INPUT", j_filter_external },
    { "filter", "FORWARD", j_filter_services },
    { "filter", "FORWARD", j_filter_external },
    { "filter", "OUTPUT", j_filter_services },
    { NULL, NULL, NULL },
};

static const k8sc__proxy_jump jumps_userspace[] = {
    { "nat", "PREROUTING", j_portals_container },
    { "nat", "PREROUTING", j_nodeport_container },
    { "nat", "OUTPUT", j_portals_host },
    { "nat", "OUTPUT", j_nodeport_host },
    { "filter", "INPUT", j_filter_external },
    { "filter", "FORWARD", j_filter_services },
    { "filter", "FORWARD", j_filter_external },
    { "filter", "OUTPUT", j_filter_services },
    { NULL, NULL, NULL },
};

const k8sc__proxy_jump *k8sc__proxy_jumps(k8sc_proxy_mode mode)
{
    return mode == K8SC_PROXY_MODE_USERSPACE ? jumps_userspace : jumps_iptables;
}

void k8sc__proxy_chain_name(char out[K8SC__PROXY_CHAIN_MAX], const char *prefix, const k8sc__proxy_port *p,
    const k8sc__proxy_endpoint *ep)
{
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    char text[1024], spn[600];
    if (k8sc__proxy_port_string(spn, sizeof(spn), p) != 0)
        spn[0] = '\0';
    size_t n = (size_t)snprintf(text, sizeof(text), "%s", spn);
    for (const char *c = p->protocol; *c && n + 1 < sizeof(text); c++)
        text[n++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    text[n] = '\0';
    if (ep)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s:%d", ep->ip, ep->port);
    if (n >= sizeof(text))
        n = sizeof(text) - 1;
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)text, n, md);
    size_t plen = strlen(prefix);
    memcpy(out, prefix, plen);
    /* 16 base32 characters are exactly the first 10 bytes (80 bits). */
    for (int i = 0; i < 16; i++) {
        int bit = i * 5, byte = bit / 8, shift = bit % 8;
        unsigned v = ((unsigned)md[byte] << 8 | md[byte + 1]) >> (11 - shift);
        out[plen + (size_t)i] = b32[v & 31];
    }
    out[plen + 16] = '\0';
}

void k8sc__proxy_chains_clear(k8sc__proxy_chains *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        k8sc_free(c->names[i]);
    k8sc_free(c->names);
    k8sc_free(c->digests);
    c->names = NULL;
    c->digests = NULL;
    c->n = 0;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **chains_find(const k8sc__proxy_chains *c, const char *name)
{
    return c && c->n ? bsearch(&name, c->names, c->n, sizeof(char *), str_cmp) : NULL;
}

/* FNV-1a: a chain's rules are compared with their previous digest only, never with other chains. */
static uint64_t digest(const char *data, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)data[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Text being built for one table: chain declarations and rules apart, so declarations come first. */
typedef struct table_text {
    const char *table;
    k8sc__buf decl;
    k8sc__buf rules;
} table_text;

/* A chain in use while building: "table/chain" and the digest of its rules. */
typedef struct used_chain {
    char *name;
    uint64_t digest;
} used_chain;

typedef struct gen {
    table_text nat, filter;
    k8sc__buf chain; /* the rules of the service chain being made */
    used_chain *used;
    size_t n_used, cap;
    const k8sc__proxy_chains *previous;
    bool partial;
    bool failed;
} gen;

/* Note `chain` of `t` as in use; NULL (and g->failed) on ENOMEM, else its "table/chain" name. */
static const char *use(gen *g, const table_text *t, const char *chain, uint64_t d)
{
    if (g->n_used == g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 64;
        used_chain *grown = k8sc__realloc(g->used, ncap * sizeof(*grown));
        if (!grown) {
            g->failed = true;
            return NULL;
        }
        g->used = grown;
        g->cap = ncap;
    }
    size_t len = strlen(t->table) + strlen(chain) + 2;
    char *name = k8sc__malloc(len);
    if (!name) {
        g->failed = true;
        return NULL;
    }
    snprintf(name, len, "%s/%s", t->table, chain);
    g->used[g->n_used++] = (used_chain){ name, d };
    return name;
}

/* A top chain: declared and filled on every sync. */
static void declare(gen *g, table_text *t, const char *chain)
{
    k8sc__buf_printf(&t->decl, ":%s - [0:0]\n", chain);
    use(g, t, chain, 0);
}

/*
 * End the nat service chain `chain`, whose rules are in g->chain: write
 * it, unless a partial sync finds it with the same digest in `previous`.
 */
static void service_chain(gen *g, const char *chain)
{
    uint64_t d = digest(g->chain.ptr ? g->chain.ptr : "", g->chain.len);
    const char *name = use(g, &g->nat, chain, d);
    char **prev = g->partial && name ? chains_find(g->previous, name) : NULL;
    bool same = prev && g->previous->digests && g->previous->digests[prev - g->previous->names] == d;
    if (!same) {
        k8sc__buf_printf(&g->nat.decl, ":%s - [0:0]\n", chain);
        if (g->chain.len)
            k8sc__buf_put(&g->nat.rules, g->chain.ptr, g->chain.len);
    }
    if (!g->chain.failed)
        g->chain.len = 0;
}

static const char *proto_lc(const k8sc__proxy_port *p)
{
    if (strcmp(p->protocol, "UDP") == 0)
        return "udp";
    return strcmp(p->protocol, "SCTP") == 0 ? "sctp" : "tcp";
}

static void iptables_port(gen *g, const k8sc__proxy_port *p, const k8sc__proxy_rules_options *o)
{
    char spn[600], svc[K8SC__PROXY_CHAIN_MAX], ext[K8SC__PROXY_CHAIN_MAX], sep[K8SC__PROXY_CHAIN_MAX];
    if (k8sc__proxy_port_string(spn, sizeof(spn), p) != 0)
        return;
    const char *proto = proto_lc(p);
    k8sc__buf *nat = &g->nat.rules, *filter = &g->filter.rules;
    if (p->n_endpoints == 0) {
        k8sc__buf_printf(filter,
            "-A " FILTER_SERVICES " -m comment --comment \"%s has no endpoints\" -m %s -p %s -d %s/32 --dport %d "
            "-j REJECT\n", spn, proto, proto, p->cluster_ip, p->port);
        if (p->node_port)
            k8sc__buf_printf(filter,
                "-A " FILTER_EXTERNAL " -m comment --comment \"%s has no endpoints\" -m addrtype --dst-type LOCAL "
                "-m %s -p %s --dport %d -j REJECT\n", spn, proto, proto, p->node_port);
        return;
    }
    k8sc__proxy_chain_name(svc, "KUBE-SVC-", p, NULL);
    k8sc__buf_printf(nat, "-A " NAT_SERVICES " -m comment --comment \"%s cluster IP\" -m %s -p %s -d %s/32 --dport %d -j %s\n",
        spn, proto, proto, p->cluster_ip, p->port, svc);
    if (p->node_port) {
        k8sc__proxy_chain_name(ext, "KUBE-EXT-", p, NULL);
        k8sc__buf_printf(nat, "-A " NAT_NODEPORTS " -m comment --comment %s -m %s -p %s --dport %d -j %s\n", spn, proto,
            proto, p->node_port, ext);
    }
    k8sc__buf *chain = &g->chain;
    if (o->cluster_cidr)
        k8sc__buf_printf(chain,
            "-A %s -m comment --comment \"%s cluster IP\" -m %s -p %s -d %s/32 --dport %d ! -s %s -j " NAT_MARK_MASQ "\n",
            svc, spn, proto, proto, p->cluster_ip, p->port, o->cluster_cidr);
    if (p->affinity_timeout_s)
        for (size_t i = 0; i < p->n_endpoints; i++) {
            const k8sc__proxy_endpoint *ep = &p->endpoints[i];
            k8sc__proxy_chain_name(sep, "KUBE-SEP-", p, ep);
            k8sc__buf_printf(chain,
                "-A %s -m comment --comment \"%s -> %s:%d\" -m recent --name %s --rcheck --seconds %d --reap -j %s\n",
                svc, spn, ep->ip, ep->port, sep, p->affinity_timeout_s, sep);
        }
    for (size_t i = 0; i < p->n_endpoints; i++) {
        const k8sc__proxy_endpoint *ep = &p->endpoints[i];
        k8sc__proxy_chain_name(sep, "KUBE-SEP-", p, ep);
        size_t left = p->n_endpoints - i;
        if (left > 1)
            k8sc__buf_printf(chain,
                "-A %s -m comment --comment \"%s -> %s:%d\" -m statistic --mode random --probability %0.10f -j %s\n",
                svc, spn, ep->ip, ep->port, 1.0 / (double)left, sep);
        else
            k8sc__buf_printf(chain, "-A %s -m comment --comment \"%s -> %s:%d\" -j %s\n", svc, spn, ep->ip, ep->port,
                sep);
    }
    service_chain(g, svc);
    if (p->node_port) {
        k8sc__buf_printf(chain,
            "-A %s -m comment --comment \"masquerade traffic for %s external destinations\" -j " NAT_MARK_MASQ "\n",
            ext, spn);
        k8sc__buf_printf(chain, "-A %s -j %s\n", ext, svc);
        service_chain(g, ext);
    }
    for (size_t i = 0; i < p->n_endpoints; i++) {
        const k8sc__proxy_endpoint *ep = &p->endpoints[i];
        k8sc__proxy_chain_name(sep, "KUBE-SEP-", p, ep);
        k8sc__buf_printf(chain, "-A %s -m comment --comment %s -s %s/32 -j " NAT_MARK_MASQ "\n", sep, spn, ep->ip);
        if (p->affinity_timeout_s)
            k8sc__buf_printf(chain,
                "-A %s -m comment --comment %s -m %s -p %s -m recent --name %s --set -j DNAT --to-destination %s:%d\n",
                sep, spn, proto, proto, sep, ep->ip, ep->port);
        else
            k8sc__buf_printf(chain, "-A %s -m comment --comment %s -m %s -p %s -j DNAT --to-destination %s:%d\n", sep,
                spn, proto, proto, ep->ip, ep->port);
        service_chain(g, sep);
    }
}

static void userspace_port(gen *g, const k8sc__proxy_port *p, const k8sc__proxy_rules_options *o)
{
    char spn[600];
    if (k8sc__proxy_port_string(spn, sizeof(spn), p) != 0)
        return;
    const char *proto = proto_lc(p);
    if (p->n_endpoints == 0 || p->proxy_port <= 0) {
        /* No relay target: refuse like the iptables mode, before any portal could catch it. */
        k8sc__proxy_port none = *p;
        none.n_endpoints = 0;
        iptables_port(g, &none, o);
        return;
    }
    k8sc__buf *nat = &g->nat.rules;
    k8sc__buf_printf(nat, "-A " PORTALS_CONTAINER " -m comment --comment %s -m %s -p %s -d %s/32 --dport %d "
        "-j REDIRECT --to-ports %d\n", spn, proto, proto, p->cluster_ip, p->port, p->proxy_port);
    k8sc__buf_printf(nat, "-A " PORTALS_HOST " -m comment --comment %s -m %s -p %s -d %s/32 --dport %d "
        "-j DNAT --to-destination %s:%d\n", spn, proto, proto, p->cluster_ip, p->port, o->node_ip, p->proxy_port);
    if (p->node_port) {
        k8sc__buf_printf(nat, "-A " NODEPORT_CONTAINER " -m comment --comment %s -m %s -p %s --dport %d "
            "-j REDIRECT --to-ports %d\n", spn, proto, proto, p->node_port, p->proxy_port);
        k8sc__buf_printf(nat, "-A " NODEPORT_HOST " -m comment --comment %s -m %s -p %s --dport %d "
            "-j DNAT --to-destination %s:%d\n", spn, proto, proto, p->node_port, o->node_ip, p->proxy_port);
    }
}

/* Flush and delete the chains of `previous` in `t` that are not in `used`. */
static void drop_stale(table_text *t, const k8sc__proxy_chains *used, const k8sc__proxy_chains *previous,
    k8sc__buf *deletes)
{
    size_t tlen = strlen(t->table);
    for (size_t i = 0; previous && i < previous->n; i++) {
        const char *name = previous->names[i];
        if (strncmp(name, t->table, tlen) != 0 || name[tlen] != '/' || chains_find(used, name))
            continue;
        k8sc__buf_printf(&t->decl, ":%s - [0:0]\n", name + tlen + 1);
        k8sc__buf_printf(deletes, "-X %s\n", name + tlen + 1);
    }
}

static void emit_table(k8sc__buf *out, table_text *t, const k8sc__buf *deletes)
{
    k8sc__buf_printf(out, "*%s\n", t->table);
    if (t->decl.len)
        k8sc__buf_put(out, t->decl.ptr, t->decl.len);
    if (t->rules.len)
        k8sc__buf_put(out, t->rules.ptr, t->rules.len);
    if (deletes->len)
        k8sc__buf_put(out, deletes->ptr, deletes->len);
    k8sc__buf_puts(out, "COMMIT\n");
}

static int used_cmp(const void *a, const void *b)
{
    return strcmp(((const used_chain *)a)->name, ((const used_chain *)b)->name);
}

/* Move the chains in use, sorted, into `c`. Errors: ENOMEM (they are freed). */
static int take_used(gen *g, k8sc__proxy_chains *c)
{
    *c = (k8sc__proxy_chains){ NULL, NULL, 0 };
    if (g->n_used > 1)
        qsort(g->used, g->n_used, sizeof(*g->used), used_cmp);
    c->names = k8sc__calloc(g->n_used + 1, sizeof(char *));
    c->digests = k8sc__calloc(g->n_used + 1, sizeof(uint64_t));
    if (!c->names || !c->digests) {
        for (size_t i = 0; i < g->n_used; i++)
            k8sc_free(g->used[i].name);
        k8sc__proxy_chains_clear(c);
        return k8sc__error_nomem();
    }
    for (size_t i = 0; i < g->n_used; i++) {
        c->names[i] = g->used[i].name;
        c->digests[i] = g->used[i].digest;
    }
    c->n = g->n_used;
    return 0;
}

int k8sc__proxy_rules(char **out, size_t *out_len, k8sc__proxy_chains *current, const k8sc__proxy_model *m,
    const k8sc__proxy_rules_options *o, const k8sc__proxy_chains *previous)
{
    K8SC__CHECK_ARG(out && m && o);
    K8SC__CHECK_ARG(o->mode != K8SC_PROXY_MODE_USERSPACE || o->node_ip);
    gen g = { { "nat", K8SC__BUF_INIT, K8SC__BUF_INIT }, { "filter", K8SC__BUF_INIT, K8SC__BUF_INIT }, K8SC__BUF_INIT,
        NULL, 0, 0, previous, o->partial, false };
    bool iptables = o->mode == K8SC_PROXY_MODE_IPTABLES;
    if (iptables) {
        declare(&g, &g.nat, NAT_SERVICES);
        declare(&g, &g.nat, NAT_NODEPORTS);
        declare(&g, &g.nat, NAT_POSTROUTING);
        declare(&g, &g.nat, NAT_MARK_MASQ);
        k8sc__buf_puts(&g.nat.rules,
            "-A " NAT_POSTROUTING " -m mark ! --mark " K8SC__PROXY_MASQ_MARK "/" K8SC__PROXY_MASQ_MARK " -j RETURN\n"
            "-A " NAT_POSTROUTING " -j MARK --xor-mark " K8SC__PROXY_MASQ_MARK "\n"
            "-A " NAT_POSTROUTING " -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE\n"
            "-A " NAT_MARK_MASQ " -j MARK --or-mark " K8SC__PROXY_MASQ_MARK "\n");
    } else {
        declare(&g, &g.nat, PORTALS_CONTAINER);
        declare(&g, &g.nat, PORTALS_HOST);
        declare(&g, &g.nat, NODEPORT_CONTAINER);
        declare(&g, &g.nat, NODEPORT_HOST);
    }
    declare(&g, &g.filter, FILTER_SERVICES);
    declare(&g, &g.filter, FILTER_EXTERNAL);
    for (size_t i = 0; i < m->n_ports; i++) {
        if (iptables)
            iptables_port(&g, &m->ports[i], o);
        else
            userspace_port(&g, &m->ports[i], o);
    }
    if (iptables)
        k8sc__buf_puts(&g.nat.rules, "-A " NAT_SERVICES " -m comment --comment \"kubernetes service nodeports; NOTE: "
            "this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j " NAT_NODEPORTS "\n");
    k8sc__proxy_chains used;
    int rc = take_used(&g, &used);
    k8sc_free(g.used);
    k8sc__buf text = K8SC__BUF_INIT, nat_del = K8SC__BUF_INIT, filter_del = K8SC__BUF_INIT;
    drop_stale(&g.filter, &used, previous, &filter_del);
    drop_stale(&g.nat, &used, previous, &nat_del);
    emit_table(&text, &g.filter, &filter_del);
    emit_table(&text, &g.nat, &nat_del);
    bool failed = rc != 0 || g.failed || k8sc__buf_status(&g.chain) || k8sc__buf_status(&g.nat.decl)
        || k8sc__buf_status(&g.nat.rules) || k8sc__buf_status(&g.filter.decl) || k8sc__buf_status(&g.filter.rules)
        || k8sc__buf_status(&nat_del) || k8sc__buf_status(&filter_del) || k8sc__buf_status(&text);
    k8sc__buf_free(&g.chain);
    k8sc__buf_free(&g.nat.decl);
    k8sc__buf_free(&g.nat.rules);
    k8sc__buf_free(&g.filter.decl);
    k8sc__buf_free(&g.filter.rules);
    k8sc__buf_free(&nat_del);
    k8sc__buf_free(&filter_del);
    if (failed) {
        k8sc__buf_free(&text);
        k8sc__proxy_chains_clear(&used);
        return k8sc__error_nomem();
    }
    *out = k8sc__buf_detach(&text, out_len);
    if (current)
        *current = used;
    else
        k8sc__proxy_chains_clear(&used);
    return 0;
}
