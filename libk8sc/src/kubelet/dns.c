/*
 * The pod's resolver configuration, formed as the kubelet's DNS configurer
 * (pkg/kubelet/network/dns) does and written to <pod-dir>/resolv.conf the
 * way container runtimes write a sandbox's: the policy picks the base
 * (the cluster DNS, the node's resolv.conf, or nothing), spec.dnsConfig is
 * merged in, and the result is trimmed to the resolver's limits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controllers/workload.h"
#include "kubelet_internal.h"

#define DNS_MAX_NAMESERVERS 3
#define DNS_MAX_SEARCHES 32
#define DNS_MAX_SEARCH_CHARS 2048
#define DNS_MAX_NAME 253
#define RESOLV_CONF_MAX (10 << 20)
#define DEFAULT_RESOLV_CONF "/etc/resolv.conf"

/* The resolver configuration of one pod: arrays of strings. */
typedef struct dns_config {
    json_object *servers, *searches, *options;
} dns_config;

static void dns_config_free(dns_config *c)
{
    json_object_put(c->servers);
    json_object_put(c->searches);
    json_object_put(c->options);
    memset(c, 0, sizeof(*c));
}

static bool contains(json_object *arr, const char *s)
{
    for (size_t i = 0; i < json_object_array_length(arr); i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), s) == 0)
            return true;
    return false;
}

/* Append `s` unless already there (Kubernetes' omitDuplicates keeps the first). */
static void add_unique(json_object *arr, const char *s)
{
    if (s && !contains(arr, s))
        json_object_array_add(arr, json_object_new_string(s));
}

/* Set option `opt` ("name" or "name:value"), replacing one of the same name in place. */
static void set_option(json_object *opts, const char *opt)
{
    size_t name_len = strcspn(opt, ":");
    for (size_t i = 0; i < json_object_array_length(opts); i++) {
        const char *o = json_object_get_string(json_object_array_get_idx(opts, i));
        if (strcspn(o, ":") == name_len && strncmp(o, opt, name_len) == 0) {
            json_object_array_put_idx(opts, i, json_object_new_string(opt));
            return;
        }
    }
    json_object_array_add(opts, json_object_new_string(opt));
}

int k8sc__kl_dns_init(k8sc_kubelet *k, const k8sc_kubelet_options *opts)
{
    kl_dns *d = &k->dns;
    d->servers = json_object_new_array();
    d->domain = k8sc__strdup(opts->cluster_domain ? opts->cluster_domain : "cluster.local");
    d->resolv_conf = k8sc__strdup(opts->resolv_conf ? opts->resolv_conf : DEFAULT_RESOLV_CONF);
    d->resolv_default = !opts->resolv_conf;
    if (!d->servers || !d->domain || !d->resolv_conf)
        return k8sc__error_nomem();
    const char *p = opts->cluster_dns ? opts->cluster_dns : "";
    while (*p) {
        size_t len = strcspn(p, ",");
        char ip[INET6_ADDRSTRLEN + 1];
        const char *s = p;
        size_t n = len;
        while (n > 0 && (*s == ' ' || *s == '\t'))
            s++, n--;
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        unsigned char bin[16];
        if (n == 0 || n >= sizeof(ip))
            return k8sc_error_set(K8SC_EINVAL, "kubelet: cluster DNS \"%.*s\" is not an IP address", (int)len, p);
        memcpy(ip, s, n);
        ip[n] = '\0';
        if (inet_pton(AF_INET, ip, bin) != 1 && inet_pton(AF_INET6, ip, bin) != 1)
            return k8sc_error_set(K8SC_EINVAL, "kubelet: cluster DNS \"%s\" is not an IP address", ip);
        add_unique(d->servers, ip);
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

void k8sc__kl_dns_free(k8sc_kubelet *k)
{
    json_object_put(k->dns.servers);
    free(k->dns.domain);
    free(k->dns.resolv_conf);
    memset(&k->dns, 0, sizeof(k->dns));
}

/* Parse resolv.conf text: nameservers accumulate, the last search line wins, options override by name. */
static void parse_resolv_conf(dns_config *c, char *text)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *fsave = NULL;
        char *key = strtok_r(line, " \t\r", &fsave);
        if (!key || key[0] == '#' || key[0] == ';')
            continue;
        if (strcmp(key, "nameserver") == 0) {
            char *v = strtok_r(NULL, " \t\r", &fsave);
            if (v)
                json_object_array_add(c->servers, json_object_new_string(v));
        } else if (strcmp(key, "search") == 0) {
            json_object_put(c->searches);
            c->searches = json_object_new_array();
            for (char *v; (v = strtok_r(NULL, " \t\r", &fsave));) {
                size_t n = strlen(v);
                if (strcmp(v, ".") == 0)
                    continue;
                if (n > 1 && v[n - 1] == '.')
                    v[n - 1] = '\0';
                json_object_array_add(c->searches, json_object_new_string(v));
            }
        } else if (strcmp(key, "options") == 0) {
            for (char *v; (v = strtok_r(NULL, " \t\r", &fsave));)
                set_option(c->options, v);
        }
    }
}

/* The node's resolver configuration into `c`; a missing default file counts as empty. */
static int host_config(dns_config *c, k8sc_kubelet *k, char **message)
{
    if (!k->dns.resolv_conf[0])
        return 0;
    int fd = open(k->dns.resolv_conf, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT && k->dns.resolv_default)
            return 0;
        k8sc__buf m = K8SC__BUF_INIT;
        k8sc__buf_printf(&m, "failed to open DNS resolver config file %s: %s", k->dns.resolv_conf, strerror(errno));
        *message = k8sc__buf_detach(&m, NULL);
        return K8SC_EIO;
    }
    k8sc__buf b = K8SC__BUF_INIT;
    char chunk[4096];
    ssize_t r;
    while ((r = read(fd, chunk, sizeof(chunk))) > 0 && b.len <= RESOLV_CONF_MAX)
        k8sc__buf_put(&b, chunk, (size_t)r);
    close(fd);
    int rc = 0;
    if (r < 0 || b.len > RESOLV_CONF_MAX) {
        k8sc__buf m = K8SC__BUF_INIT;
        k8sc__buf_printf(&m, "could not read DNS resolver config file %s: %s", k->dns.resolv_conf,
                         r < 0 ? strerror(errno) : "larger than 10 MiB");
        *message = k8sc__buf_detach(&m, NULL);
        rc = K8SC_EIO;
    } else if (k8sc__buf_status(&b) != 0) {
        rc = K8SC_ENOMEM;
    } else if (b.len > 0) {
        parse_resolv_conf(c, b.ptr);
    }
    k8sc__buf_free(&b);
    return rc;
}

enum { DNS_NONE, DNS_CLUSTER, DNS_HOST };

static int policy_of(const k8sc_object *pod)
{
    const char *policy = k8sc_object_get_string(pod, "spec.dnsPolicy");
    bool host_network = false;
    k8sc_object_get_bool(pod, "spec.hostNetwork", &host_network);
    if (policy && strcmp(policy, "None") == 0)
        return DNS_NONE;
    if (policy && strcmp(policy, "Default") == 0)
        return DNS_HOST;
    if (policy && strcmp(policy, "ClusterFirstWithHostNet") == 0)
        return DNS_CLUSTER;
    /* ClusterFirst (the default); a pod on the host's network resolves as the host does. */
    return host_network ? DNS_HOST : DNS_CLUSTER;
}

static void missing_cluster_dns(k8sc_kubelet *k, const k8sc_object *pod)
{
    static const char why[] = "kubelet does not have ClusterDNS IP configured and cannot create Pod using "
                              "\"ClusterFirst\" policy. Falling back to \"Default\" policy.";
    k8sc_object *node = NULL;
    if (k8sc_object_new(&node, "v1", "Node") == 0 && k8sc_object_set_name(node, k->node_name) == 0)
        k8sc__event(k->recorder, node, "Warning", "MissingClusterDNS", "%s", why);
    k8sc_object_free(node);
    k8sc__event(k->recorder, pod, "Warning", "MissingClusterDNS", "pod: \"%s_%s(%s)\". %s", k8sc_object_name(pod),
                k8sc_object_namespace(pod), k8sc_object_uid(pod), why);
}

static void join(k8sc__buf *b, json_object *arr, const char *sep)
{
    for (size_t i = 0; i < json_object_array_length(arr); i++)
        k8sc__buf_printf(b, "%s%s", i ? sep : "", json_object_get_string(json_object_array_get_idx(arr, i)));
}

/* Trim `c` to what resolvers accept, with a DNSConfigForming event for each list cut. */
static void fit_limits(dns_config *c, k8sc_kubelet *k, const k8sc_object *pod)
{
    size_t n = json_object_array_length(c->servers);
    if (n > DNS_MAX_NAMESERVERS) {
        json_object_array_del_idx(c->servers, DNS_MAX_NAMESERVERS, n - DNS_MAX_NAMESERVERS);
        k8sc__buf b = K8SC__BUF_INIT;
        join(&b, c->servers, " ");
        k8sc__event(k->recorder, pod, "Warning", "DNSConfigForming",
                    "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver "
                    "line is: %s", b.ptr ? b.ptr : "");
        k8sc__buf_free(&b);
    }
    bool cut = false;
    n = json_object_array_length(c->searches);
    if (n > DNS_MAX_SEARCHES) {
        json_object_array_del_idx(c->searches, DNS_MAX_SEARCHES, n - DNS_MAX_SEARCHES);
        cut = true;
    }
    /* Some resolvers (glibc 2.28) abort on a search domain longer than a DNS name. */
    for (size_t i = 0; i < json_object_array_length(c->searches);) {
        if (strlen(json_object_get_string(json_object_array_get_idx(c->searches, i))) > DNS_MAX_NAME) {
            json_object_array_del_idx(c->searches, i, 1);
            cut = true;
        } else {
            i++;
        }
    }
    size_t line = 0;
    for (size_t i = 0; i < json_object_array_length(c->searches); i++)
        line += (i ? 1 : 0) + strlen(json_object_get_string(json_object_array_get_idx(c->searches, i)));
    while (line > DNS_MAX_SEARCH_CHARS) {
        size_t last = json_object_array_length(c->searches) - 1;
        line -= strlen(json_object_get_string(json_object_array_get_idx(c->searches, last))) + 1;
        json_object_array_del_idx(c->searches, last, 1);
        cut = true;
    }
    if (cut) {
        k8sc__buf b = K8SC__BUF_INIT;
        join(&b, c->searches, " ");
        k8sc__event(k->recorder, pod, "Warning", "DNSConfigForming",
                    "Search Line limits were exceeded, some search paths have been omitted, the applied search line "
                    "is: %s", b.ptr ? b.ptr : "");
        k8sc__buf_free(&b);
    }
}

/* spec.dnsConfig merged into `c`: duplicates dropped, options replaced by name. */
static void merge_pod_config(dns_config *c, json_object *dc)
{
    json_object *a;
    if ((a = k8sc__json_member(dc, "nameservers")))
        for (size_t i = 0; i < json_object_array_length(a); i++)
            add_unique(c->servers, json_object_get_string(json_object_array_get_idx(a, i)));
    if ((a = k8sc__json_member(dc, "searches")))
        for (size_t i = 0; i < json_object_array_length(a); i++)
            add_unique(c->searches, json_object_get_string(json_object_array_get_idx(a, i)));
    if ((a = k8sc__json_member(dc, "options")))
        for (size_t i = 0; i < json_object_array_length(a); i++) {
            json_object *o = json_object_array_get_idx(a, i);
            const char *name = k8sc__json_string(o, "name"), *value = k8sc__json_string(o, "value");
            if (!name || !name[0])
                continue;
            k8sc__buf b = K8SC__BUF_INIT;
            k8sc__buf_printf(&b, value && value[0] ? "%s:%s" : "%s", name, value ? value : "");
            if (b.ptr)
                set_option(c->options, b.ptr);
            k8sc__buf_free(&b);
        }
}

/* The pod's resolver configuration (GetPodDNS). */
static int pod_config(dns_config *c, k8sc_kubelet *k, const k8sc_object *pod, char **message)
{
    c->servers = json_object_new_array();
    c->searches = json_object_new_array();
    c->options = json_object_new_array();
    if (!c->servers || !c->searches || !c->options)
        return k8sc__error_nomem();
    int policy = policy_of(pod);
    if (policy != DNS_NONE) {
        int rc = host_config(c, k, message);
        if (rc != 0)
            return rc;
    }
    if (policy == DNS_CLUSTER && json_object_array_length(k->dns.servers) > 0) {
        json_object *host_search = c->searches;
        c->searches = json_object_new_array();
        if (k->dns.domain[0]) {
            k8sc__buf b = K8SC__BUF_INIT;
            k8sc__buf_printf(&b, "%s.svc.%s", k8sc_object_namespace(pod), k->dns.domain);
            add_unique(c->searches, b.ptr);
            k8sc__buf_free(&b);
            k8sc__buf_printf(&b, "svc.%s", k->dns.domain);
            add_unique(c->searches, b.ptr);
            k8sc__buf_free(&b);
            add_unique(c->searches, k->dns.domain);
        }
        for (size_t i = 0; i < json_object_array_length(host_search); i++)
            add_unique(c->searches, json_object_get_string(json_object_array_get_idx(host_search, i)));
        json_object_put(host_search);
        json_object_put(c->servers);
        json_object_put(c->options);
        c->servers = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(k->dns.servers); i++)
            add_unique(c->servers, json_object_get_string(json_object_array_get_idx(k->dns.servers, i)));
        c->options = json_object_new_array();
        json_object_array_add(c->options, json_object_new_string("ndots:5"));
    } else if (policy != DNS_NONE) {
        if (policy == DNS_CLUSTER)
            missing_cluster_dns(k, pod);
        /* --resolv-conf "": the resolver library's documented default, the local machine. */
        if (!k->dns.resolv_conf[0]) {
            json_object_array_add(c->servers, json_object_new_string(strchr(k->node_ip, ':') ? "::1" : "127.0.0.1"));
            json_object_array_add(c->searches, json_object_new_string("."));
        }
    }
    json_object *dc = k8sc_object_get(pod, "spec.dnsConfig");
    if (dc)
        merge_pod_config(c, dc);
    fit_limits(c, k, pod);
    return 0;
}

char *k8sc__kl_resolv_conf_path(const k8sc_kubelet *k, const char *uid)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/pods/%s/resolv.conf", k->data_dir, uid);
    return k8sc__buf_detach(&b, NULL);
}

int k8sc__kl_resolv_conf_write(k8sc_kubelet *k, const k8sc_object *pod, char **message)
{
    dns_config c = { 0 };
    int rc = pod_config(&c, k, pod, message);
    k8sc__buf b = K8SC__BUF_INIT;
    if (rc == 0) {
        if (json_object_array_length(c.searches) > 0) {
            k8sc__buf_puts(&b, "search ");
            join(&b, c.searches, " ");
            k8sc__buf_putc(&b, '\n');
        }
        for (size_t i = 0; i < json_object_array_length(c.servers); i++)
            k8sc__buf_printf(&b, "nameserver %s\n", json_object_get_string(json_object_array_get_idx(c.servers, i)));
        if (json_object_array_length(c.options) > 0) {
            k8sc__buf_puts(&b, "options ");
            join(&b, c.options, " ");
            k8sc__buf_putc(&b, '\n');
        }
        rc = k8sc__buf_status(&b) == 0 ? 0 : K8SC_ENOMEM;
    }
    dns_config_free(&c);
    char *dir = rc == 0 ? k8sc__kl_pod_dir(k, k8sc_object_uid(pod)) : NULL;
    char *path = rc == 0 ? k8sc__kl_resolv_conf_path(k, k8sc_object_uid(pod)) : NULL;
    if (rc == 0 && (!dir || !path))
        rc = K8SC_ENOMEM;
    if (rc == 0)
        rc = k8sc__mkdirs(dir, 0755);
    if (rc == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, b.ptr ? b.ptr : "", b.len) != (ssize_t)b.len) {
            k8sc__buf m = K8SC__BUF_INIT;
            k8sc__buf_printf(&m, "cannot write %s: %s", path, strerror(errno));
            *message = k8sc__buf_detach(&m, NULL);
            rc = K8SC_EIO;
        }
        if (fd >= 0)
            close(fd);
    }
    free(dir);
    free(path);
    k8sc__buf_free(&b);
    return rc;
}
