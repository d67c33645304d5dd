/*
 * The pod-network agent against an in-process API server: the CNI
 * configuration it writes for its Node's podCIDR, and (as root, inside a
 * private network namespace made at the start of main) the host-gw routes
 * it keeps to the other Nodes' pods.
 */
#include <check.h>
#include <dirent.h>
#include <json-c/json.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctltest.h"
#include "net/podnet_internal.h"
#include "testutil.h"

static bool as_root;

typedef struct pt {
    ctltest t;
    k8sc_podnet *pn;
    char dir[64];
    char conf[128];
} pt;

/* An agent for node-a writing to <dir>/net.d, with options of `version` (ipam_dir from version 2). */
static void pt_setup_with(pt *x, bool routes, unsigned int version, const char *ipam_dir)
{
    ct_setup(&x->t);
    snprintf(x->dir, sizeof(x->dir), "/tmp/k8sc-podnet-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(x->dir));
    snprintf(x->conf, sizeof(x->conf), "%s/net.d/" K8SC_PODNET_CONFLIST, x->dir);
    char confdir[96];
    snprintf(confdir, sizeof(confdir), "%s/net.d", x->dir);
    k8sc_podnet_options o;
    ck_assert_int_eq(k8sc_podnet_options_init(&o, version), 0);
    o.node_name = "node-a";
    o.conf_dir = confdir;
    o.routes = routes;
    o.clock = x->t.clock;
    if (version >= 2)
        o.ipam_dir = ipam_dir;
    ck_assert_msg(k8sc_podnet_new(&x->pn, x->t.client, &o) == 0, "%s", k8sc_error_last());
}

static void pt_setup(pt *x, bool routes)
{
    pt_setup_with(x, routes, K8SC_PODNET_OPTIONS_VERSION, NULL);
}

static void pt_teardown(pt *x)
{
    k8sc_podnet_free(x->pn);
    ct_teardown(&x->t);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", x->dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* A few rounds of the informers and the agent; the last process result. */
static int step(pt *x)
{
    int rc = 0;
    for (int i = 0; i < 4; i++) {
        ct_step(&x->t);
        rc = k8sc_podnet_process(x->pn);
        ck_assert_msg(rc >= 0, "%s", k8sc_error_last());
    }
    return rc;
}

/* Node `name` with `cidr` and InternalIP `ip` (NULL: none); the status is written as a kubelet does. */
static void node(pt *x, const char *name, const char *cidr, const char *ip)
{
    char json[1024];
    snprintf(json, sizeof(json), "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\"},\"spec\":{%s%s%s}}",
             name, cidr ? "\"podCIDR\":\"" : "", cidr ? cidr : "", cidr ? "\"" : "");
    ct_create(&x->t, json);
    snprintf(json, sizeof(json), "[{\"type\":\"Hostname\",\"address\":\"%s\"}%s%s%s]", name,
             ip ? ",{\"type\":\"InternalIP\",\"address\":\"" : "", ip ? ip : "", ip ? "\"}" : "");
    k8sc_object *n = NULL;
    ck_assert_int_eq(k8sc_client_get(&n, x->t.client, "v1", "Node", "", name), 0);
    ck_assert_int_eq(k8sc_object_set(n, "status.addresses", json_tokener_parse(json)), 0);
    ck_assert_msg(k8sc_client_update_status(NULL, x->t.client, n) == 0, "%s", k8sc_error_last());
    k8sc_object_free(n);
}

static void node_patch(pt *x, const char *name, const char *patch)
{
    ck_assert_msg(k8sc_client_patch(NULL, x->t.client, "v1", "Node", "", name, K8SC_PATCH_MERGE, patch) == 0, "%s",
                  k8sc_error_last());
}

static void node_delete(pt *x, const char *name)
{
    ck_assert_int_eq(k8sc_client_delete(NULL, x->t.client, "v1", "Node", "", name, NULL), 0);
}

static ino_t inode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_ino : 0;
}

static size_t files_in(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static const char *str_at(json_object *o, const char *const *path)
{
    for (; *path; path++)
        o = json_object_is_type(o, json_type_array) ? json_object_array_get_idx(o, (size_t)atoi(*path))
                                                     : json_object_object_get(o, *path);
    return o ? json_object_get_string(o) : NULL;
}

START_TEST(t_conflist_for_pod_cidr)
{
    pt x;
    pt_setup(&x, false);
    node(&x, "node-a", NULL, "10.201.0.1");
    step(&x);
    /* No podCIDR yet: nothing to write. */
    ck_assert_int_eq(access(x.conf, F_OK), -1);
    ck_assert_ptr_null(k8sc_podnet_pod_cidr(x.pn));

    node_patch(&x, "node-a", "{\"spec\":{\"podCIDR\":\"10.244.3.0/24\",\"podCIDRs\":[\"10.244.3.0/24\"]}}");
    step(&x);
    json_object *c = json_object_from_file(x.conf);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(str_at(c, (const char *[]){ "cniVersion", NULL }), "1.0.0");
    ck_assert_str_eq(str_at(c, (const char *[]){ "name", NULL }), "k8sc");
    ck_assert_uint_eq(json_object_array_length(json_object_object_get(c, "plugins")), 2);
    ck_assert_str_eq(str_at(c, (const char *[]){ "plugins", "0", "type", NULL }), "bridge");
    ck_assert_str_eq(str_at(c, (const char *[]){ "plugins", "0", "bridge", NULL }), "k8sc0");
    ck_assert_str_eq(str_at(c, (const char *[]){ "plugins", "0", "isGateway", NULL }), "true");
    ck_assert_str_eq(str_at(c, (const char *[]){ "plugins", "0", "ipMasq", NULL }), "false");
    ck_assert_str_eq(str_at(c, (const char *[]){ "plugins", "0", "hairpinMode", NULL }), "true");
    ck_assert_str_eq(str_at(c, (const char *[]){ "plugins", "0", "ipam", "type", NULL }), "host-local");
    ck_assert_str_eq(str_at(c, (const char *[]){ "plugins", "0", "ipam", "ranges", "0", "0", "subnet", NULL }),
                     "10.244.3.0/24");
    ck_assert_str_eq(str_at(c, (const char *[]){ "plugins", "0", "ipam", "routes", "0", "dst", NULL }), "0.0.0.0/0");
    /* No ipam_dir: host-local's own default. */
    ck_assert_ptr_null(str_at(c, (const char *[]){ "plugins", "0", "ipam", "dataDir", NULL }));
    ck_assert_str_eq(str_at(c, (const char *[]){ "plugins", "1", "type", NULL }), "portmap");
    ck_assert_str_eq(str_at(c, (const char *[]){ "plugins", "1", "capabilities", "portMappings", NULL }), "true");
    json_object_put(c);
    char *cidr = k8sc_podnet_pod_cidr(x.pn);
    ck_assert_str_eq(cidr, "10.244.3.0/24");
    k8sc_free(cidr);
    struct stat st;
    ck_assert_int_eq(stat(x.conf, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0644);

    /* Another change of the Node that leaves the CIDR alone: the file is not rewritten. */
    ino_t before = inode_of(x.conf);
    node_patch(&x, "node-a", "{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}");
    ck_assert_int_eq(step(&x), 0);
    ck_assert_uint_eq(inode_of(x.conf), before);

    /*
     * A new CIDR (a node keeps its range while it exists: this one is
     * deleted and registers again with another): rewritten, a new file
     * renamed into place, nothing left behind.
     */
    node_delete(&x, "node-a");
    node(&x, "node-a", "10.244.7.0/24", "10.201.0.1");
    step(&x);
    ck_assert_uint_ne(inode_of(x.conf), before);
    c = json_object_from_file(x.conf);
    ck_assert_str_eq(str_at(c, (const char *[]){ "plugins", "0", "ipam", "ranges", "0", "0", "subnet", NULL }),
                     "10.244.7.0/24");
    json_object_put(c);
    char confdir[96];
    snprintf(confdir, sizeof(confdir), "%s/net.d", x.dir);
    ck_assert_uint_eq(files_in(confdir), 1);
    pt_teardown(&x);
}
END_TEST

/* The IPAM state directory goes into the configuration; version-1 callers (without the field) get none. */
START_TEST(t_ipam_dir)
{
    for (unsigned int version = 1; version <= 2; version++) {
        pt x;
        pt_setup_with(&x, false, version, "/var/lib/k8sc-test/ipam");
        node(&x, "node-a", "10.244.5.0/24", "10.201.0.1");
        step(&x);
        json_object *c = json_object_from_file(x.conf);
        ck_assert_ptr_nonnull(c);
        const char *dir = str_at(c, (const char *[]){ "plugins", "0", "ipam", "dataDir", NULL });
        if (version == 1)
            ck_assert_ptr_null(dir);
        else
            ck_assert_str_eq(dir, "/var/lib/k8sc-test/ipam");
        ck_assert_str_eq(str_at(c, (const char *[]){ "plugins", "0", "ipam", "ranges", "0", "0", "subnet", NULL }),
                         "10.244.5.0/24");
        json_object_put(c);
        pt_teardown(&x);
    }
    k8sc_podnet_options o;
    ck_assert_int_eq(k8sc_podnet_options_init(&o, 2), 0);
    ck_assert_ptr_null(o.ipam_dir);
    ck_assert_int_eq(k8sc_podnet_options_init(&o, 3), K8SC_EINVAL);
}
END_TEST

START_TEST(t_malformed_pod_cidr_ignored)
{
    pt x;
    pt_setup(&x, false);
    node(&x, "node-a", "10.244.3.0/99", "10.201.0.1");
    step(&x);
    ck_assert_int_eq(access(x.conf, F_OK), -1);
    pt_teardown(&x);
}
END_TEST

START_TEST(t_cidr_forms)
{
    char canon[K8SC__PODNET_CIDR_MAX];
    bool v6 = true;
    ck_assert(k8sc__podnet_valid_cidr("10.244.9.7/24", canon, &v6));
    ck_assert_str_eq(canon, "10.244.9.0/24");
    ck_assert(!v6);
    ck_assert(k8sc__podnet_valid_cidr("fd00:1::5/64", canon, &v6));
    ck_assert_str_eq(canon, "fd00:1::/64");
    ck_assert(v6);
    ck_assert(k8sc__podnet_valid_cidr("10.1.2.3/32", canon, NULL));
    ck_assert_str_eq(canon, "10.1.2.3/32");
    const char *bad[] = { "10.0.0.0/33", "10.0.0.0", "10.0.0.0/", "10.0.0.0/2x", "dev/24", "", "::1/129",
                          "10.0.0.0/-1" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(!k8sc__podnet_valid_cidr(bad[i], canon, NULL), "%s", bad[i]);
    ck_assert(!k8sc__podnet_valid_ip("10.0.0.256", NULL));
    ck_assert(!k8sc__podnet_valid_ip(NULL, NULL));
}
END_TEST

START_TEST(t_bad_options)
{
    ctltest t;
    ct_setup(&t);
    k8sc_podnet *pn = NULL;
    k8sc_podnet_options o = K8SC_PODNET_OPTIONS_INIT;
    ck_assert_int_eq(k8sc_podnet_new(&pn, t.client, &o), K8SC_EINVAL);
    o.node_name = "n";
    ck_assert_int_eq(k8sc_podnet_new(&pn, t.client, &o), K8SC_EINVAL);
    o.conf_dir = "/tmp/none";
    o.bridge = "br/0";
    ck_assert_int_eq(k8sc_podnet_new(&pn, t.client, &o), K8SC_EINVAL);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "br/0"));
    o.bridge = "a-very-long-bridge-name";
    ck_assert_int_eq(k8sc_podnet_new(&pn, t.client, &o), K8SC_EINVAL);
    o.version = 99;
    o.bridge = NULL;
    ck_assert_int_eq(k8sc_podnet_new(&pn, t.client, &o), K8SC_EINVAL);
    ck_assert_ptr_null(pn);
    ck_assert_int_eq(k8sc_podnet_new(&pn, NULL, &o), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_podnet_options_init(&o, 99), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_podnet_options_init(&o, K8SC_PODNET_OPTIONS_VERSION), 0);
    ck_assert(o.routes);
    ck_assert_int_eq(k8sc_podnet_process(NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_podnet_fd(NULL), -1);
    ck_assert_ptr_null(k8sc_podnet_pod_cidr(NULL));
    k8sc_podnet_free(NULL);
    ct_teardown(&t);
}
END_TEST

/* The tagged routes as ip(8) prints them (a static buffer). */
static const char *our_routes(void)
{
    static char out[4096];
    FILE *p = popen("ip -4 route show proto 199", "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    pclose(p);
    return out;
}

START_TEST(t_host_gw_routes)
{
    if (!as_root) {
        printf("SKIPPED (needs root)\n");
        return;
    }
    pt x;
    pt_setup(&x, true);
    /* A route someone else made: never touched. */
    ck_assert_int_eq(system("ip route replace 10.250.0.0/24 via 10.201.0.3"), 0);
    node(&x, "node-a", "10.244.3.0/24", "10.201.0.1");
    node(&x, "node-b", "10.244.9.0/24", "10.201.0.2");
    node(&x, "node-c", "10.244.10.0/24", NULL);
    node(&x, "node-d", NULL, "10.201.0.4");
    step(&x);
    ck_assert_str_eq(our_routes(), "10.244.9.0/24 via 10.201.0.2 dev k8sct0 \n");

    k8sc_object *b = NULL;
    ck_assert_int_eq(k8sc_client_get(&b, x.t.client, "v1", "Node", "", "node-b"), 0);
    ck_assert_int_eq(k8sc_object_set(b, "status.addresses",
                                     json_tokener_parse("[{\"type\":\"InternalIP\",\"address\":\"10.201.0.5\"}]")),
                     0);
    ck_assert_msg(k8sc_client_update_status(NULL, x.t.client, b) == 0, "%s", k8sc_error_last());
    k8sc_object_free(b);
    node_patch(&x, "node-d", "{\"spec\":{\"podCIDR\":\"10.244.11.0/24\"}}");
    step(&x);
    ck_assert_str_eq(our_routes(), "10.244.9.0/24 via 10.201.0.5 dev k8sct0 \n"
                                   "10.244.11.0/24 via 10.201.0.4 dev k8sct0 \n");

    node_delete(&x, "node-b");
    step(&x);
    ck_assert_str_eq(our_routes(), "10.244.11.0/24 via 10.201.0.4 dev k8sct0 \n");

    /* Freeing the agent leaves the routes, as flannel does; the clean-up removes only ours. */
    k8sc_podnet_free(x.pn);
    x.pn = NULL;
    ck_assert_str_eq(our_routes(), "10.244.11.0/24 via 10.201.0.4 dev k8sct0 \n");
    ck_assert_int_eq(k8sc_podnet_cleanup(), 0);
    ck_assert_str_eq(our_routes(), "");
    ck_assert_int_eq(system("ip route show 10.250.0.0/24 | grep -q 'via 10.201.0.3'"), 0);
    ck_assert_int_eq(system("ip route del 10.250.0.0/24"), 0);
    pt_teardown(&x);
}
END_TEST

START_TEST(t_unreachable_gateway_retried)
{
    if (!as_root) {
        printf("SKIPPED (needs root)\n");
        return;
    }
    pt x;
    pt_setup(&x, true);
    node(&x, "node-a", "10.244.3.0/24", "10.201.0.1");
    node(&x, "node-far", "10.244.12.0/24", "192.0.2.7");
    /* Not on any link: ip(8) refuses; the error comes back and the sync is retried later. */
    for (int i = 0; i < 4; i++)
        ct_step(&x.t);
    int rc = 0;
    for (int i = 0; i < 4 && rc == 0; i++)
        rc = k8sc_podnet_process(x.pn);
    ck_assert_int_eq(rc, K8SC_EIO);
    ck_assert_msg(strstr(k8sc_error_last(), "10.244.12.0/24"), "%s", k8sc_error_last());
    ck_assert_str_eq(our_routes(), "");
    /* The configuration was still written. */
    ck_assert_int_eq(access(x.conf, F_OK), 0);
    pt_teardown(&x);
}
END_TEST

START_TEST(t_remove_bridge)
{
    if (!as_root) {
        printf("SKIPPED (needs root)\n");
        return;
    }
    ck_assert_int_eq(system("ip link add k8sctbr type bridge"), 0);
    ck_assert_int_eq(k8sc_podnet_remove_bridge("k8sctbr"), 0);
    ck_assert_int_ne(system("ip link show dev k8sctbr >/dev/null 2>&1"), 0);
    /* Gone already: fine. Not a bridge: left alone. */
    ck_assert_int_eq(k8sc_podnet_remove_bridge("k8sctbr"), 0);
    ck_assert_int_eq(k8sc_podnet_remove_bridge("k8sct0"), K8SC_EINVAL);
    ck_assert_int_eq(system("ip link show dev k8sct0 >/dev/null 2>&1"), 0);
    ck_assert_int_eq(k8sc_podnet_remove_bridge("bad/name"), K8SC_EINVAL);
}
END_TEST

START_TEST(t_threads)
{
    ctltest t;
    ct_setup(&t);
    char dir[64];
    snprintf(dir, sizeof(dir), "/tmp/k8sc-podnet-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char conf[128];
    snprintf(conf, sizeof(conf), "%s/" K8SC_PODNET_CONFLIST, dir);
    ct_create(&t, "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node-a\"},"
                  "\"spec\":{\"podCIDR\":\"10.244.5.0/24\"}}");
    k8sc_podnet_options o = K8SC_PODNET_OPTIONS_INIT;
    o.node_name = "node-a";
    o.conf_dir = dir;
    o.routes = as_root;
    k8sc_podnet *pn = NULL;
    ck_assert_int_eq(k8sc_podnet_new(&pn, t.client, &o), 0);
    ck_assert_int_eq(k8sc_podnet_start(pn), 0);
    ck_assert_int_eq(k8sc_podnet_start(pn), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_podnet_process(pn), K8SC_EINVAL);
    char *cidr = NULL;
    for (int i = 0; i < 500 && !(cidr = k8sc_podnet_pod_cidr(pn)); i++)
        nanosleep(&(struct timespec){ 0, 10 * 1000000L }, NULL);
    ck_assert_str_eq(cidr, "10.244.5.0/24");
    k8sc_free(cidr);
    ck_assert_int_eq(access(conf, F_OK), 0);
    k8sc_podnet_stop(pn);
    k8sc_podnet_stop(pn);
    k8sc_podnet_free(pn);
    ct_teardown(&t);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* As root, everything the suite does to the network happens in a namespace of its own. */
static void private_netns(void)
{
    if (geteuid() != 0)
        return;
    if (unshare(CLONE_NEWNET) != 0) {
        perror("unshare(CLONE_NEWNET)");
        exit(1);
    }
    /* A dummy interface, or where the kernel has none, a veth pair with both ends here. */
    if (system("ip link set lo up") != 0 ||
        system("ip link add k8sct0 type dummy 2>/dev/null || "
               "(ip link add k8sct0 type veth peer name k8sct1 && ip link set k8sct1 up)") != 0 ||
        system("ip addr add 10.201.0.1/24 dev k8sct0") != 0 || system("ip link set k8sct0 up") != 0) {
        fprintf(stderr, "cannot set up the test network namespace\n");
        exit(1);
    }
    as_root = true;
}

int main(void)
{
    private_netns();
    Suite *s = suite_create("podnet");
    k8sc_test_add(s, "conflist_for_pod_cidr", t_conflist_for_pod_cidr);
    k8sc_test_add(s, "ipam_dir", t_ipam_dir);
    k8sc_test_add(s, "malformed_pod_cidr_ignored", t_malformed_pod_cidr_ignored);
    k8sc_test_add(s, "cidr_forms", t_cidr_forms);
    k8sc_test_add(s, "bad_options", t_bad_options);
    k8sc_test_add(s, "host_gw_routes", t_host_gw_routes);
    k8sc_test_add(s, "unreachable_gateway_retried", t_unreachable_gateway_retried);
    k8sc_test_add(s, "remove_bridge", t_remove_bridge);
    k8sc_test_add(s, "threads", t_threads);
    return k8sc_test_main(s);
}
