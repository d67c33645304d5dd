/*
 * The pod network's CNI configuration: a bridge network with host-local
 * addresses from the node's podCIDR, written atomically so that the CNI
 * runtime never reads half a file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podnet_internal.h"

bool k8sc__podnet_valid_ifname(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && n < 16 && strcspn(name, "/: \t\n") == n && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

bool k8sc__podnet_valid_ip(const char *ip, bool *v6)
{
    unsigned char bin[16];
    bool six = ip && strchr(ip, ':');
    if (v6)
        *v6 = six;
    return ip && inet_pton(six ? AF_INET6 : AF_INET, ip, bin) == 1;
}

bool k8sc__podnet_valid_cidr(const char *cidr, char canon[K8SC__PODNET_CIDR_MAX], bool *v6)
{
    const char *slash = cidr ? strchr(cidr, '/') : NULL;
    char ip[INET6_ADDRSTRLEN];
    if (!slash || (size_t)(slash - cidr) >= sizeof(ip))
        return false;
    memcpy(ip, cidr, (size_t)(slash - cidr));
    ip[slash - cidr] = '\0';
    bool six = false;
    unsigned char bin[16];
    if (!k8sc__podnet_valid_ip(ip, &six) || inet_pton(six ? AF_INET6 : AF_INET, ip, bin) != 1)
        return false;
    const char *p = slash + 1;
    if (!*p || strlen(p) > 3 || strspn(p, "0123456789") != strlen(p))
        return false;
    int prefix = atoi(p), bits = six ? 128 : 32;
    if (prefix > bits)
        return false;
    if (v6)
        *v6 = six;
    if (!canon)
        return true;
    /* The network address, as ip(8) shows it: host bits cleared, the family's usual text. */
    for (int i = 0; i < bits / 8; i++) {
        int keep = prefix - i * 8;
        bin[i] &= (unsigned char)(keep >= 8 ? 0xff : keep <= 0 ? 0 : 0xff << (8 - keep));
    }
    char net[INET6_ADDRSTRLEN];
    inet_ntop(six ? AF_INET6 : AF_INET, bin, net, sizeof(net));
    snprintf(canon, K8SC__PODNET_CIDR_MAX, "%s/%d", net, prefix);
    return true;
}

char *k8sc__podnet_conflist(const char *bridge, const char *pod_cidr, const char *ipam_dir)
{
    bool v6 = false;
    k8sc__podnet_valid_cidr(pod_cidr, NULL, &v6);
    json_object *range = json_object_new_object();
    json_object_object_add(range, "subnet", json_object_new_string(pod_cidr));
    json_object *set = json_object_new_array();
    json_object_array_add(set, range);
    json_object *ranges = json_object_new_array();
    json_object_array_add(ranges, set);
    json_object *route = json_object_new_object();
    json_object_object_add(route, "dst", json_object_new_string(v6 ? "::/0" : "0.0.0.0/0"));
    json_object *routes = json_object_new_array();
    json_object_array_add(routes, route);
    json_object *ipam = json_object_new_object();
    json_object_object_add(ipam, "type", json_object_new_string("host-local"));
    json_object_object_add(ipam, "ranges", ranges);
    json_object_object_add(ipam, "routes", routes);
    if (ipam_dir)
        json_object_object_add(ipam, "dataDir", json_object_new_string(ipam_dir));

    json_object *br = json_object_new_object();
    json_object_object_add(br, "type", json_object_new_string("bridge"));
    json_object_object_add(br, "bridge", json_object_new_string(bridge));
    json_object_object_add(br, "isGateway", json_object_new_boolean(1));
    /* Pod traffic keeps its source address: nothing is masqueraded off the machine. */
    json_object_object_add(br, "ipMasq", json_object_new_boolean(0));
    json_object_object_add(br, "hairpinMode", json_object_new_boolean(1));
    json_object_object_add(br, "ipam", ipam);

    json_object *caps = json_object_new_object();
    json_object_object_add(caps, "portMappings", json_object_new_boolean(1));
    json_object *pm = json_object_new_object();
    json_object_object_add(pm, "type", json_object_new_string("portmap"));
    json_object_object_add(pm, "capabilities", caps);

    json_object *plugins = json_object_new_array();
    json_object_array_add(plugins, br);
    json_object_array_add(plugins, pm);
    json_object *conf = json_object_new_object();
    json_object_object_add(conf, "cniVersion", json_object_new_string("1.0.0"));
    json_object_object_add(conf, "name", json_object_new_string("k8sc"));
    json_object_object_add(conf, "plugins", plugins);
    const char *text = json_object_to_json_string_ext(conf, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE);
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s\n", text ? text : "");
    json_object_put(conf);
    return text ? k8sc__buf_detach(&b, NULL) : (k8sc__buf_free(&b), NULL);
}

/* Whether `path` holds exactly `text`. */
static bool same_content(const char *path, const char *text)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    size_t len = strlen(text), off = 0;
    char chunk[4096];
    size_t n;
    bool same = true;
    while (same && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        same = off + n <= len && memcmp(text + off, chunk, n) == 0;
        off += n;
    }
    fclose(f);
    return same && off == len;
}

int k8sc__podnet_write_conf(const char *dir, const char *text, bool *changed)
{
    if (changed)
        *changed = false;
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/" K8SC_PODNET_CONFLIST, dir);
    char *path = k8sc__buf_detach(&b, NULL);
    /* The temporary name must not look like a configuration to the CNI runtime. */
    k8sc__buf_printf(&b, "%s/." K8SC_PODNET_CONFLIST ".XXXXXX", dir);
    char *tmp = k8sc__buf_detach(&b, NULL);
    int rc = path && tmp ? 0 : K8SC_ENOMEM;
    if (rc == 0 && same_content(path, text)) {
        free(path);
        free(tmp);
        return 0;
    }
    if (rc == 0)
        rc = k8sc__mkdirs(dir, 0755);
    int fd = rc == 0 ? mkstemp(tmp) : -1;
    if (rc == 0 && fd < 0)
        rc = k8sc_error_set(K8SC_EIO, "pod network: cannot create a file in %s: %s", dir, strerror(errno));
    size_t len = text ? strlen(text) : 0;
    if (rc == 0 && (fchmod(fd, 0644) != 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0))
        rc = k8sc_error_set(K8SC_EIO, "pod network: cannot write %s: %s", tmp, strerror(errno));
    if (fd >= 0)
        close(fd);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = k8sc_error_set(K8SC_EIO, "pod network: cannot replace %s: %s", path, strerror(errno));
    if (rc != 0 && fd >= 0)
        unlink(tmp);
    if (rc == 0 && changed)
        *changed = true;
    free(path);
    free(tmp);
    return rc;
}
