/*
 * The CNI runtime of the container runtimes. Without root: fake plugins,
 * small shell scripts this suite writes, that record their environment,
 * stdin and the order of calls and print a result. As root, inside a
 * private network namespace made at the start of main (nothing touches
 * the host's network): the real bridge, host-local and portmap plugins
 * under the runc runtime, pods talking to each other by address and
 * through a hostPort.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <k8sc/runtime.h>

#include "runtime/cni_internal.h"

#define BUILD_SCRIPT K8SC_TEST_DATA "/../../examples/images/build-busybox-image.sh"
#define IMAGE "busybox:1.36"

static char tmp[64];       /* the suite's directory */
static char images[128];   /* root: the image store with busybox */
static char dir[160];      /* this test's directory */
static char bin[192], conf[192], cache[192], rec[192];
static char docker_sock[128]; /* root: the suite's dockerd */
static pid_t dockerd_pid = -1;

static void sh(const char *fmt, const char *arg)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), fmt, arg);
    ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

/* The file `name` in the record directory (caller frees), or NULL if missing. */
static char *recorded(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", rec, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static json_object *recorded_json(const char *name)
{
    char *text = recorded(name);
    ck_assert_msg(text != NULL, "%s was not recorded", name);
    json_object *j = json_tokener_parse(text);
    ck_assert_msg(j != NULL, "%s: not JSON: %s", name, text);
    free(text);
    return j;
}

/* A directory of its own for this test: bin/, conf/, cache/, rec/. */
static void fresh(void)
{
    snprintf(dir, sizeof(dir), "%s/t%d", tmp, (int)getpid());
    snprintf(bin, sizeof(bin), "%s/bin", dir);
    snprintf(conf, sizeof(conf), "%s/conf", dir);
    snprintf(cache, sizeof(cache), "%s/cache", dir);
    snprintf(rec, sizeof(rec), "%s/rec", dir);
    sh("mkdir -p '%1$s/bin' '%1$s/conf' '%1$s/rec'", dir);
}

/*
 * A fake plugin `name`: appends "NAME COMMAND" to rec/calls, keeps its
 * stdin and CNI_* environment in rec/NAME.COMMAND.{stdin,env}, runs
 * `extra`, and on ADD prints `add_out` and exits with `add_rc`.
 */
static void plugin(const char *name, const char *add_out, int add_rc, const char *extra)
{
    char path[512], text[4096];
    snprintf(path, sizeof(path), "%s/%s", bin, name);
    snprintf(text, sizeof(text),
             "#!/bin/sh\n"
             "R='%s'\n"
             "echo \"%s $CNI_COMMAND\" >> \"$R/calls\"\n"
             "cat > \"$R/%s.$CNI_COMMAND.stdin\"\n"
             "env | grep '^CNI_' | sort > \"$R/%s.$CNI_COMMAND.env\"\n"
             "%s\n"
             "if [ \"$CNI_COMMAND\" = ADD ]; then printf '%%s' '%s'; exit %d; fi\n"
             "exit 0\n",
             rec, name, name, name, extra ? extra : "", add_out ? add_out : "", add_rc);
    write_file(path, text, 0755);
}

#define RESULT_A \
    "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"br0\"},{\"name\":\"eth0\",\"sandbox\":\"/ns\"}]," \
    "\"ips\":[{\"address\":\"10.9.0.7/24\",\"interface\":1}]}"
#define RESULT_B \
    "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\"/ns\"}]," \
    "\"ips\":[{\"address\":\"10.9.0.8/24\",\"interface\":0,\"gateway\":\"10.9.0.1\"}]}"

/* A list "testnet" of plugins a (no capabilities) and b (portMappings). */
static void two_plugin_list(const char *version)
{
    char path[512], text[1024];
    snprintf(path, sizeof(path), "%s/10-test.conflist", conf);
    snprintf(text, sizeof(text),
             "{\"cniVersion\":\"%s\",\"name\":\"testnet\",\"plugins\":["
             "{\"type\":\"a\",\"own\":\"setting\"},"
             "{\"type\":\"b\",\"capabilities\":{\"portMappings\":true,\"bandwidth\":true}}]}",
             version);
    write_file(path, text, 0644);
}

static k8sc__cni cni_of(void)
{
    k8sc_runtime_options o = K8SC_RUNTIME_OPTIONS_INIT;
    char path[512];
    /* The first directory of the search path has no plugins. */
    snprintf(path, sizeof(path), "/nonexistent/cni:%s", bin);
    o.cni_conf_dir = conf;
    o.cni_bin_dir = path;
    o.cni_cache_dir = cache;
    k8sc__cni c;
    ck_assert_int_eq(k8sc__cni_init(&c, &o, NULL), 0);
    return c;
}

static const k8sc_runtime_port_mapping ports[] = { { "TCP", 80, 8080, NULL }, { "UDP", 53, 5353, "127.0.0.1" } };

static k8sc__cni_pod pod_of(const char *netns)
{
    k8sc__cni_pod p = { 0 };
    p.container_id = "sandbox1";
    p.netns = netns;
    p.pod_namespace = "default";
    p.pod_name = "web";
    p.pod_uid = "uid-1";
    p.port_mappings = ports;
    p.n_port_mappings = 2;
    return p;
}

static const char *str(json_object *j, const char *key)
{
    const char *s = json_object_get_string(json_object_object_get(j, key));
    return s ? s : "";
}

START_TEST(t_add_chains_results)
{
    fresh();
    plugin("a", RESULT_A, 0, NULL);
    plugin("b", RESULT_B, 0, NULL);
    two_plugin_list("1.0.0");
    k8sc__cni c = cni_of();
    char netns[512];
    snprintf(netns, sizeof(netns), "%s/netns", dir);
    write_file(netns, "", 0600);
    k8sc__cni_pod pod = pod_of(netns);
    char *ip = NULL;
    ck_assert_msg(k8sc__cni_add(&c, &ip, &pod) == 0, "%s", k8sc_error_last());
    /* The last plugin's result is the pod's. */
    ck_assert_str_eq(ip, "10.9.0.8");
    free(ip);
    char *calls = recorded("calls");
    ck_assert_str_eq(calls, "a ADD\nb ADD\n");
    free(calls);

    json_object *a = recorded_json("a.ADD.stdin");
    ck_assert_str_eq(str(a, "name"), "testnet");
    ck_assert_str_eq(str(a, "cniVersion"), "1.0.0");
    ck_assert_str_eq(str(a, "own"), "setting");
    ck_assert_ptr_null(json_object_object_get(a, "prevResult"));
    ck_assert_ptr_null(json_object_object_get(a, "runtimeConfig"));
    json_object_put(a);

    json_object *b = recorded_json("b.ADD.stdin");
    json_object *prev = json_object_object_get(b, "prevResult");
    ck_assert_str_eq(str(json_object_array_get_idx(json_object_object_get(prev, "ips"), 0), "address"), "10.9.0.7/24");
    /* runtimeConfig: only what b declares and the runtime has (no bandwidth). */
    json_object *rtc = json_object_object_get(b, "runtimeConfig");
    ck_assert_int_eq(json_object_object_length(rtc), 1);
    json_object *pm = json_object_object_get(rtc, "portMappings");
    ck_assert_int_eq((int)json_object_array_length(pm), 2);
    json_object *m0 = json_object_array_get_idx(pm, 0), *m1 = json_object_array_get_idx(pm, 1);
    ck_assert_int_eq(json_object_get_int(json_object_object_get(m0, "hostPort")), 8080);
    ck_assert_int_eq(json_object_get_int(json_object_object_get(m0, "containerPort")), 80);
    ck_assert_str_eq(str(m0, "protocol"), "tcp");
    ck_assert_ptr_null(json_object_object_get(m0, "hostIP"));
    ck_assert_str_eq(str(m1, "protocol"), "udp");
    ck_assert_str_eq(str(m1, "hostIP"), "127.0.0.1");
    json_object_put(b);

    char *env = recorded("a.ADD.env");
    char want[1024];
    snprintf(want, sizeof(want),
             "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;"
             "K8S_POD_INFRA_CONTAINER_ID=sandbox1;K8S_POD_UID=uid-1\n"
             "CNI_COMMAND=ADD\nCNI_CONTAINERID=sandbox1\nCNI_IFNAME=eth0\nCNI_NETNS=%s\nCNI_PATH=/nonexistent/cni:%s\n",
             netns, bin);
    ck_assert_str_eq(env, want);
    free(env);

    /* CHECK: in order, with the cached result. */
    ck_assert_msg(k8sc__cni_check(&c, &pod) == 0, "%s", k8sc_error_last());
    json_object *chk = recorded_json("a.CHECK.stdin");
    prev = json_object_object_get(chk, "prevResult");
    ck_assert_str_eq(str(json_object_array_get_idx(json_object_object_get(prev, "ips"), 0), "address"), "10.9.0.8/24");
    json_object_put(chk);
    k8sc__cni_fini(&c);
}
END_TEST

START_TEST(t_del_reverse_with_cache_after_restart)
{
    fresh();
    plugin("a", RESULT_A, 0, NULL);
    plugin("b", RESULT_B, 0, NULL);
    two_plugin_list("0.4.0");
    k8sc__cni c = cni_of();
    k8sc__cni_pod pod = pod_of(NULL);
    ck_assert_msg(k8sc__cni_add(&c, NULL, &pod) == 0, "%s", k8sc_error_last());
    k8sc__cni_fini(&c);
    char path[512];
    snprintf(path, sizeof(path), "%s/results/sandbox1-eth0", cache);
    ck_assert_int_eq(access(path, F_OK), 0);

    /* A new process, and the configuration has changed since: DEL uses what ADD used. */
    sh("rm -f '%s'/*", conf);
    sh("rm -f '%s'/calls", rec);
    c = cni_of();
    pod = pod_of("/nonexistent/netns");
    pod.n_port_mappings = 0;
    ck_assert_msg(k8sc__cni_del(&c, &pod) == 0, "%s", k8sc_error_last());
    char *calls = recorded("calls");
    ck_assert_str_eq(calls, "b DEL\na DEL\n");
    free(calls);
    json_object *b = recorded_json("b.DEL.stdin");
    ck_assert_str_eq(str(b, "cniVersion"), "0.4.0");
    json_object *prev = json_object_object_get(b, "prevResult");
    ck_assert_str_eq(str(json_object_array_get_idx(json_object_object_get(prev, "ips"), 0), "address"), "10.9.0.8/24");
    json_object *pm = json_object_object_get(json_object_object_get(b, "runtimeConfig"), "portMappings");
    ck_assert_int_eq((int)json_object_array_length(pm), 2);
    json_object_put(b);
    /* A netns that is gone is passed as none. */
    char *env = recorded("a.DEL.env");
    ck_assert_ptr_nonnull(strstr(env, "CNI_NETNS=\n"));
    ck_assert_ptr_nonnull(strstr(env, "CNI_COMMAND=DEL\n"));
    free(env);
    ck_assert_int_ne(access(path, F_OK), 0);

    /* Again: no cache and no configuration, nothing to do. */
    ck_assert_int_eq(k8sc__cni_del(&c, &pod), 0);
    calls = recorded("calls");
    ck_assert_str_eq(calls, "b DEL\na DEL\n");
    free(calls);
    ck_assert_int_eq(k8sc__cni_check(&c, &pod), K8SC_ENOTFOUND);
    k8sc__cni_fini(&c);
}
END_TEST

START_TEST(t_failed_add_cleans_up)
{
    fresh();
    plugin("a", RESULT_A, 0, NULL);
    plugin("b",
           "{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"no IP addresses available\","
           "\"details\":\"range 10.9.0.0/30 is full\"}",
           1, NULL);
    two_plugin_list("1.0.0");
    k8sc__cni c = cni_of();
    k8sc__cni_pod pod = pod_of(NULL);
    char *ip = NULL;
    ck_assert_int_eq(k8sc__cni_add(&c, &ip, &pod), K8SC_EIO);
    ck_assert_ptr_null(ip);
    ck_assert_str_eq(k8sc_error_last(),
                     "plugin type=\"b\" failed (ADD): no IP addresses available: range 10.9.0.0/30 is full");
    char *calls = recorded("calls");
    ck_assert_str_eq(calls, "a ADD\nb ADD\nb DEL\na DEL\n");
    free(calls);
    char path[512];
    snprintf(path, sizeof(path), "%s/results/sandbox1-eth0", cache);
    ck_assert_int_ne(access(path, F_OK), 0);

    /* Without an error object: the last line of stderr. */
    plugin("b", "", 3, "echo 'bridge: something broke' >&2");
    ck_assert_int_eq(k8sc__cni_add(&c, NULL, &pod), K8SC_EIO);
    ck_assert_str_eq(k8sc_error_last(), "plugin type=\"b\" failed (ADD): exit status 3: bridge: something broke");
    /* Output that is not JSON. */
    plugin("b", "not json", 0, NULL);
    ck_assert_int_eq(k8sc__cni_add(&c, NULL, &pod), K8SC_EIO);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "not a JSON object"));
    k8sc__cni_fini(&c);
}
END_TEST

START_TEST(t_plugin_timeout)
{
    fresh();
    plugin("a", RESULT_A, 0, "[ \"$CNI_COMMAND\" = ADD ] && sleep 20");
    plugin("b", RESULT_B, 0, NULL);
    two_plugin_list("1.0.0");
    k8sc__cni c = cni_of();
    c.timeout_ms = 300;
    k8sc__cni_pod pod = pod_of(NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(k8sc__cni_add(&c, NULL, &pod), K8SC_ETIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_str_eq(k8sc_error_last(), "plugin type=\"a\" failed (ADD): timed out after 300 ms");
    ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 5);
    char *calls = recorded("calls");
    ck_assert_str_eq(calls, "a ADD\nb DEL\na DEL\n");
    free(calls);
    k8sc__cni_fini(&c);
}
END_TEST

START_TEST(t_missing_plugin)
{
    fresh();
    plugin("a", RESULT_A, 0, NULL);
    char path[512];
    snprintf(path, sizeof(path), "%s/net.conflist", conf);
    write_file(path, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"a\"},{\"type\":\"nope\"}]}",
               0644);
    k8sc__cni c = cni_of();
    k8sc__cni_pod pod = pod_of(NULL);
    ck_assert_int_eq(k8sc__cni_add(&c, NULL, &pod), K8SC_ENOTFOUND);
    char want[512];
    snprintf(want, sizeof(want), "failed to find plugin \"nope\" in path [/nonexistent/cni:%s]", bin);
    ck_assert_str_eq(k8sc_error_last(), want);
    /* a was added and is deleted again. */
    char *calls = recorded("calls");
    ck_assert_str_eq(calls, "a ADD\na DEL\n");
    free(calls);
    k8sc__cni_fini(&c);
}
END_TEST

/* Configuration text → the start of the error (NULL: valid). */
static const struct {
    const char *text;
    bool list;
    const char *error;
} configs[] = {
    { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"bridge\"}]}", true, NULL },
    { "{\"cniVersion\":\"0.3.1\",\"name\":\"n\",\"type\":\"bridge\"}", false, NULL },
    { "", true, "invalid CNI configuration f: not JSON (empty)" },
    { "{\"cniVersion\":", true, "invalid CNI configuration f: not JSON" },
    { "[1]", true, "invalid CNI configuration f: not a JSON object" },
    { "{\"cniVersion\":\"1.0.0\",\"plugins\":[{\"type\":\"bridge\"}]}", true,
      "invalid CNI configuration f: no \"name\"" },
    { "{\"cniVersion\":\"1.0.0\",\"name\":\"-bad\",\"plugins\":[{\"type\":\"b\"}]}", true,
      "invalid CNI configuration f: \"name\" must match" },
    { "{\"name\":\"n\",\"plugins\":[{\"type\":\"bridge\"}]}", true, "invalid CNI configuration f: no \"cniVersion\"" },
    { "{\"cniVersion\":\"9.9.9\",\"name\":\"n\",\"plugins\":[{\"type\":\"b\"}]}", true,
      "invalid CNI configuration f: unsupported cniVersion \"9.9.9\"" },
    { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}", true, "invalid CNI configuration f: no \"plugins\" list" },
    { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[]}", true,
      "invalid CNI configuration f: no plugins in list" },
    { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"ipam\":{}}]}", true,
      "invalid CNI configuration f: plugin 0 has no \"type\"" },
    { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"ok\"},{\"type\":\"../../bin/sh\"}]}", true,
      "invalid CNI configuration f: plugin 1: invalid type \"../../bin/sh\"" },
    { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[3]}", true,
      "invalid CNI configuration f: plugin 0 is not an object" },
    { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"b\",\"capabilities\":[]}]}", true,
      "invalid CNI configuration f: plugin 0: \"capabilities\" must be an object" },
    { "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"bridge\"}]}", false,
      "invalid CNI configuration f: no \"type\"; perhaps this is a .conflist?" },
};

START_TEST(t_bad_configs)
{
    for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
        json_object *out = NULL;
        int rc = k8sc__cni_parse(&out, configs[i].text, strlen(configs[i].text), "f", configs[i].list);
        if (!configs[i].error) {
            ck_assert_msg(rc == 0, "%zu: %s", i, k8sc_error_last());
            ck_assert_int_eq((int)json_object_array_length(json_object_object_get(out, "plugins")), 1);
            ck_assert_str_eq(str(out, "name"), "n");
        } else {
            ck_assert_msg(rc == K8SC_EINVAL, "%zu: %d", i, rc);
            ck_assert_msg(strncmp(k8sc_error_last(), configs[i].error, strlen(configs[i].error)) == 0, "%zu: %s", i,
                          k8sc_error_last());
            ck_assert_ptr_null(out);
        }
        json_object_put(out);
    }
}
END_TEST

START_TEST(t_directory_order_and_readiness)
{
    fresh();
    json_object *list = NULL;
    ck_assert_int_eq(k8sc__cni_load(&list, conf), K8SC_ENOTFOUND);
    char want[1024];
    snprintf(want, sizeof(want), "no networks found in %s", conf);
    ck_assert_str_eq(k8sc_error_last(), want);
    ck_assert_int_eq(k8sc__cni_load(&list, "/nonexistent/net.d"), K8SC_ENOTFOUND);

    /* Through the runtime: a pod network without configuration is not ready. */
    k8sc_runtime_options o = K8SC_RUNTIME_OPTIONS_INIT;
    o.cni_conf_dir = conf;
    o.cni_cache_dir = cache;
    k8sc_runtime *rt = NULL;
    ck_assert_int_eq(k8sc_runtime_open(&rt, "fake", &o), 0);
    ck_assert_int_eq(k8sc_runtime_network_ready(rt), K8SC_EUNAVAILABLE);
    snprintf(want, sizeof(want), "cni plugin not initialized: no networks found in %s", conf);
    ck_assert_str_eq(k8sc_error_last(), want);

    char path[512];
    snprintf(path, sizeof(path), "%s/README", conf);
    write_file(path, "not a configuration", 0644);
    snprintf(path, sizeof(path), "%s/30-last.conflist", conf);
    write_file(path, "{\"cniVersion\":\"1.0.0\",\"name\":\"last\",\"plugins\":[{\"type\":\"x\"}]}", 0644);
    snprintf(path, sizeof(path), "%s/20-single.conf", conf);
    write_file(path, "{\"cniVersion\":\"0.3.1\",\"name\":\"single\",\"type\":\"bridge\",\"bridge\":\"cni0\"}", 0644);
    ck_assert_msg(k8sc__cni_load(&list, conf) == 0, "%s", k8sc_error_last());
    ck_assert_str_eq(str(list, "name"), "single");
    ck_assert_str_eq(str(list, "cniVersion"), "0.3.1");
    json_object *p0 = json_object_array_get_idx(json_object_object_get(list, "plugins"), 0);
    ck_assert_str_eq(str(p0, "type"), "bridge");
    ck_assert_str_eq(str(p0, "bridge"), "cni0");
    json_object_put(list);
    ck_assert_int_eq(k8sc_runtime_network_ready(rt), 0);

    /* The first file decides, even when it is broken: readiness says what is wrong. */
    snprintf(path, sizeof(path), "%s/10-broken.json", conf);
    write_file(path, "{\"name\":\"b\",\"type\":\"bridge\"}", 0644);
    ck_assert_int_eq(k8sc_runtime_network_ready(rt), K8SC_EUNAVAILABLE);
    snprintf(want, sizeof(want), "cni plugin not initialized: invalid CNI configuration %s: no \"cniVersion\"", path);
    ck_assert_str_eq(k8sc_error_last(), want);
    unlink(path);
    ck_assert_int_eq(k8sc_runtime_network_ready(rt), 0);
    k8sc_runtime_close(rt);

    /* No pod network: always ready. */
    ck_assert_int_eq(k8sc_runtime_open(&rt, "fake", NULL), 0);
    ck_assert_int_eq(k8sc_runtime_network_ready(rt), 0);
    k8sc_runtime_close(rt);
    ck_assert_int_eq(k8sc_runtime_network_ready(NULL), K8SC_EINVAL);
}
END_TEST

/* The fake runtime runs the plugins too: address in the status, DEL on stop, none on the host's network. */
START_TEST(t_fake_runtime_sandboxes)
{
    fresh();
    plugin("a", RESULT_A, 0, NULL);
    plugin("b", RESULT_B, 0, NULL);
    two_plugin_list("1.0.0");
    k8sc_runtime_options o = K8SC_RUNTIME_OPTIONS_INIT;
    o.cni_conf_dir = conf;
    o.cni_bin_dir = bin;
    o.cni_cache_dir = cache;
    k8sc_runtime *rt = NULL;
    ck_assert_int_eq(k8sc_runtime_open(&rt, "fake", &o), 0);
    k8sc_sandbox_config sc = { 0 };
    sc.version = K8SC_SANDBOX_CONFIG_VERSION;
    sc.name = "web";
    sc.namespace_ = "default";
    sc.uid = "uid-1";
    sc.log_directory = "/tmp";
    sc.port_mappings = ports;
    sc.n_port_mappings = 1;
    char *id = NULL;
    ck_assert_msg(k8sc_runtime_run_sandbox(rt, &id, &sc) == 0, "%s", k8sc_error_last());
    k8sc_sandbox_status *st = NULL;
    ck_assert_int_eq(k8sc_runtime_sandbox_status(rt, &st, id), 0);
    ck_assert_str_eq(st->ip, "10.9.0.8");
    k8sc_sandbox_status_free(st);
    json_object *b = recorded_json("b.ADD.stdin");
    json_object *pm = json_object_object_get(json_object_object_get(b, "runtimeConfig"), "portMappings");
    ck_assert_int_eq((int)json_object_array_length(pm), 1);
    json_object_put(b);
    char *env = recorded("a.ADD.env");
    char want[256];
    snprintf(want, sizeof(want), "CNI_CONTAINERID=%s\n", id);
    ck_assert_ptr_nonnull(strstr(env, want));
    free(env);
    ck_assert_int_eq(k8sc_runtime_stop_sandbox(rt, id), 0);
    ck_assert_int_eq(k8sc_runtime_sandbox_status(rt, &st, id), 0);
    ck_assert_ptr_null(st->ip);
    k8sc_sandbox_status_free(st);
    ck_assert_int_eq(k8sc_runtime_stop_sandbox(rt, id), 0);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, id), 0);
    free(id);
    char *calls = recorded("calls");
    ck_assert_str_eq(calls, "a ADD\nb ADD\nb DEL\na DEL\n");
    free(calls);

    sc.host_network = true;
    ck_assert_int_eq(k8sc_runtime_run_sandbox(rt, &id, &sc), 0);
    ck_assert_int_eq(k8sc_runtime_sandbox_status(rt, &st, id), 0);
    ck_assert_ptr_null(st->ip);
    k8sc_sandbox_status_free(st);
    free(id);

    /* A failing network fails the sandbox. */
    sc.host_network = false;
    plugin("b", "{\"code\":7,\"msg\":\"bad\"}", 1, NULL);
    ck_assert_int_eq(k8sc_runtime_run_sandbox(rt, &id, &sc), K8SC_EIO);
    ck_assert_ptr_null(id);
    k8sc_sandbox_status **list = NULL;
    size_t n = 0;
    ck_assert_int_eq(k8sc_runtime_list_sandboxes(rt, &list, &n), 0);
    ck_assert_uint_eq(n, 1);
    k8sc_sandbox_status_list_free(list, n);
    k8sc_runtime_close(rt);
}
END_TEST

/* ---- as root, in the suite's private network namespace ---- */

/* The runtime `backend` ("runc", or "docker" with the suite's dockerd) on `root`, with the pod network in conf/. */
static k8sc_runtime *backend_open(const char *backend, const char *root, const char *conf_dir)
{
    k8sc_runtime_options o = K8SC_RUNTIME_OPTIONS_INIT;
    o.root_dir = root;
    o.image_dir = images;
    o.docker_socket = docker_sock;
    o.cni_conf_dir = conf_dir;
    o.cni_bin_dir = "/usr/lib/cni";
    k8sc_runtime *rt = NULL;
    ck_assert_msg(k8sc_runtime_open(&rt, backend, &o) == 0, "%s", k8sc_error_last());
    return rt;
}

static char *real_sandbox(k8sc_runtime *rt, const char *name, const char *logs,
                          const k8sc_runtime_port_mapping *pm, size_t n)
{
    k8sc_sandbox_config c = { 0 };
    c.version = K8SC_SANDBOX_CONFIG_VERSION;
    c.name = name;
    c.namespace_ = "default";
    c.uid = name;
    c.log_directory = logs;
    k8sc_runtime_pair labels[] = { { K8SC_LABEL_POD_NAME, name } };
    c.labels = labels;
    c.n_labels = 1;
    c.cgroup_parent = "k8sc-cnitest";
    c.port_mappings = pm;
    c.n_port_mappings = n;
    char *id = NULL;
    ck_assert_msg(k8sc_runtime_run_sandbox(rt, &id, &c) == 0, "%s", k8sc_error_last());
    return id;
}

static char *sandbox_ip(k8sc_runtime *rt, const char *id)
{
    k8sc_sandbox_status *st = NULL;
    ck_assert_msg(k8sc_runtime_sandbox_status(rt, &st, id) == 0, "%s", k8sc_error_last());
    char *ip = st->ip ? strdup(st->ip) : NULL;
    k8sc_sandbox_status_free(st);
    return ip;
}

static char *real_container(k8sc_runtime *rt, const char *sb, const char *name, const char *logs, const char *script)
{
    k8sc_sandbox_config s = { 0 };
    s.version = K8SC_SANDBOX_CONFIG_VERSION;
    s.name = name;
    s.namespace_ = "default";
    s.uid = name;
    s.log_directory = logs;
    s.cgroup_parent = "k8sc-cnitest";
    const char *cmd[] = { "sh", "-c" };
    const char *args[] = { script };
    char log[64];
    snprintf(log, sizeof(log), "%s/0.log", name);
    k8sc_container_config c = { 0 };
    c.version = K8SC_CONTAINER_CONFIG_VERSION;
    c.name = name;
    c.image = IMAGE;
    c.command = cmd;
    c.n_command = 2;
    c.args = args;
    c.n_args = 1;
    c.log_path = log;
    c.run_as_user = -1;
    c.run_as_group = -1;
    char *id = NULL;
    ck_assert_msg(k8sc_runtime_create_container(rt, &id, sb, &c, &s) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_runtime_start_container(rt, id) == 0, "%s", k8sc_error_last());
    return id;
}

/* GET / from addr:port; the response (caller frees) or NULL. */
static char *http_get(const char *addr, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { 0 };
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, addr, &sa.sin_addr);
    struct timeval tv = { 2, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return NULL;
    }
    const char *req = "GET / HTTP/1.0\r\n\r\n";
    if (write(fd, req, strlen(req)) < 0) {
        close(fd);
        return NULL;
    }
    char *buf = calloc(1, 8192);
    size_t n = 0;
    ssize_t got;
    while (n < 8191 && (got = read(fd, buf + n, 8191 - n)) > 0)
        n += (size_t)got;
    close(fd);
    return buf;
}

static int ipam_files(const char *ip)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/ipam/k8sctest/%s", dir, ip);
    return access(path, F_OK) == 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/*
 * Two pods on the bridge: distinct addresses from host-local, one reaches
 * the other's HTTP server by address and the node reaches it through its
 * hostPort; the addresses survive a reopen and go on stop or remove.
 */
static void real_plugins(const char *backend)
{
    fresh();
    char text[1024], path[512], root[256], logs[256];
    snprintf(path, sizeof(path), "%s/10-k8sctest.conflist", conf);
    snprintf(text, sizeof(text),
             "{\"cniVersion\":\"1.0.0\",\"name\":\"k8sctest\",\"plugins\":["
             "{\"type\":\"bridge\",\"bridge\":\"k8sct0\",\"isGateway\":true,\"ipMasq\":false,"
             "\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"10.250.0.0/24\"}]],"
             "\"routes\":[{\"dst\":\"0.0.0.0/0\"}],\"dataDir\":\"%s/ipam\"}},"
             "{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}}]}",
             dir);
    write_file(path, text, 0644);
    snprintf(root, sizeof(root), "%s/root", dir);
    snprintf(logs, sizeof(logs), "%s/logs", dir);
    k8sc_runtime *rt = backend_open(backend, root, conf);
    ck_assert_int_eq(k8sc_runtime_network_ready(rt), 0);

    static const k8sc_runtime_port_mapping hp[] = { { "TCP", 80, 18080, NULL } };
    char *sa = real_sandbox(rt, "client", logs, NULL, 0);
    char *sb = real_sandbox(rt, "server", logs, hp, 1);
    char *ipa = sandbox_ip(rt, sa), *ipb = sandbox_ip(rt, sb);
    ck_assert_ptr_nonnull(ipa);
    ck_assert_ptr_nonnull(ipb);
    ck_assert_msg(strncmp(ipa, "10.250.0.", 9) == 0 && strncmp(ipb, "10.250.0.", 9) == 0, "%s %s", ipa, ipb);
    ck_assert_str_ne(ipa, ipb);
    ck_assert(ipam_files(ipa) && ipam_files(ipb));
    /* A sandbox on the host's network is not attached. */
    k8sc_sandbox_config hc = { 0 };
    hc.version = K8SC_SANDBOX_CONFIG_VERSION;
    hc.name = "onhost";
    hc.namespace_ = "default";
    hc.uid = "onhost";
    hc.log_directory = logs;
    hc.host_network = true;
    hc.cgroup_parent = "k8sc-cnitest";
    char *sh_id = NULL;
    ck_assert_msg(k8sc_runtime_run_sandbox(rt, &sh_id, &hc) == 0, "%s", k8sc_error_last());
    ck_assert_ptr_null(sandbox_ip(rt, sh_id));
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sh_id), 0);
    free(sh_id);

    char *server = real_container(rt, sb, "server", logs,
                                  "mkdir -p /tmp/www && echo hello-from-server > /tmp/www/index.html && "
                                  "exec httpd -f -p 80 -h /tmp/www");
    char *client = real_container(rt, sa, "client", logs, "exec sleep 60");
    /* Pod to pod by address. */
    char url[160];
    /* With nc: this busybox's wget is not to be trusted (it crashes in some builds). */
    snprintf(url, sizeof(url), "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 %s 80", ipb);
    const char *get[] = { "sh", "-c", url };
    bool reached = false;
    char last[512] = "";
    for (int i = 0; i < 50 && !reached; i++) {
        int code = -1;
        char *out = NULL, *err = NULL;
        int rc = k8sc_runtime_exec_sync(rt, client, get, 3, 5000, &code, &out, &err);
        if (rc == 0 && code == 0 && out && strstr(out, "hello-from-server"))
            reached = true;
        snprintf(last, sizeof(last), "rc %d exit %d: %s %s", rc, code, out ? out : "", err ? err : "");
        free(out);
        free(err);
        if (!reached)
            sleep_ms(200);
    }
    if (!reached) {
        k8sc_container_status *cs = NULL;
        k8sc_runtime_container_status(rt, &cs, server);
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "cat '%s'", cs->log_path);
        ck_assert_int_ne(system(cmd), -1);
        ck_abort_msg("the client pod did not reach the server (%s: %s); the server is in state %d", url, last,
                     (int)cs->state);
    }
    /* The node to the hostPort, through the bridge's gateway address. */
    char *resp = NULL;
    for (int i = 0; i < 50 && !(resp && strstr(resp, "hello-from-server")); i++) {
        free(resp);
        resp = http_get("10.250.0.1", 18080);
        if (!(resp && strstr(resp, "hello-from-server")))
            sleep_ms(200);
    }
    ck_assert_msg(resp && strstr(resp, "hello-from-server"), "hostPort 18080: %s", resp ? resp : "(no answer)");
    free(resp);

    /* A new handle on the same root still knows the addresses. */
    k8sc_runtime_close(rt);
    rt = backend_open(backend, root, conf);
    char *again = sandbox_ip(rt, sb);
    ck_assert_str_eq(again, ipb);
    free(again);

    /* Stopping releases the address (host-local's file), the pinned namespace goes; twice is fine. */
    ck_assert_msg(k8sc_runtime_stop_sandbox(rt, sb) == 0, "%s", k8sc_error_last());
    ck_assert(!ipam_files(ipb));
    ck_assert_ptr_null(sandbox_ip(rt, sb));
    snprintf(path, sizeof(path), "%s/netns/%s", root, sb);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(k8sc_runtime_stop_sandbox(rt, sb), 0);
    ck_assert_int_eq(k8sc_runtime_remove_sandbox(rt, sb), 0);
    /* Removing without stopping first releases too. */
    ck_assert(ipam_files(ipa));
    ck_assert_msg(k8sc_runtime_remove_sandbox(rt, sa) == 0, "%s", k8sc_error_last());
    ck_assert(!ipam_files(ipa));
    k8sc_runtime_close(rt);
    free(server);
    free(client);
    free(sa);
    free(sb);
    free(ipa);
    free(ipb);
}

START_TEST(t_real_plugins_with_runc)
{
    real_plugins("runc");
}
END_TEST

START_TEST(t_real_plugins_with_docker)
{
    real_plugins("docker");
}
END_TEST

/* Remove every runc sandbox left in the tests' roots (a failed test leaves its containers running). */
static void sweep(void)
{
    DIR *d = opendir(tmp);
    for (struct dirent *de; d && (de = readdir(d));) {
        if (de->d_name[0] != 't')
            continue;
        char root[512], cdir[512];
        snprintf(root, sizeof(root), "%s/%s/root", tmp, de->d_name);
        snprintf(cdir, sizeof(cdir), "%s/%s/conf", tmp, de->d_name);
        if (access(root, F_OK) != 0)
            continue;
        static const char *const backends[] = { "runc", "docker" };
        for (size_t b = 0; b < 2; b++) {
            k8sc_runtime_options o = K8SC_RUNTIME_OPTIONS_INIT;
            o.root_dir = root;
            o.image_dir = images;
            o.docker_socket = docker_sock;
            o.cni_conf_dir = cdir;
            o.cni_bin_dir = "/usr/lib/cni";
            k8sc_runtime *rt = NULL;
            if ((b == 1 && dockerd_pid <= 0) || k8sc_runtime_open(&rt, backends[b], &o) != 0)
                continue;
            k8sc_sandbox_status **list = NULL;
            size_t n = 0;
            if (k8sc_runtime_list_sandboxes(rt, &list, &n) == 0) {
                for (size_t i = 0; i < n; i++)
                    if (k8sc_runtime_remove_sandbox(rt, list[i]->id) != 0)
                        fprintf(stderr, "check_cni: removing sandbox %s: %s\n", list[i]->id, k8sc_error_last());
                k8sc_sandbox_status_list_free(list, n);
            }
            k8sc_runtime_close(rt);
        }
    }
    if (d)
        closedir(d);
    DIR *cg = opendir("/sys/fs/cgroup");
    for (struct dirent *de; cg && (de = readdir(cg));) {
        char path[512];
        snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/k8sc-cnitest", de->d_name);
        rmdir(path);
    }
    if (cg)
        closedir(cg);
    rmdir("/sys/fs/cgroup/k8sc-cnitest");
}

/* A dockerd of the suite's own (in its network namespace; no bridge, no iptables), with the busybox image. */
static bool start_dockerd(void)
{
    if (access("/usr/sbin/dockerd", X_OK) != 0)
        return false;
    char root[128], exec_root[128], pidfile[128], logfile[128], host[160];
    snprintf(root, sizeof(root), "%s/docker", tmp);
    snprintf(exec_root, sizeof(exec_root), "%s/docker-exec", tmp);
    snprintf(pidfile, sizeof(pidfile), "%s/docker.pid", tmp);
    snprintf(logfile, sizeof(logfile), "%s/dockerd.log", tmp);
    snprintf(host, sizeof(host), "unix://%s", docker_sock);
    dockerd_pid = fork();
    if (dockerd_pid < 0)
        return false;
    if (dockerd_pid == 0) {
        int fd = open(logfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        setpgid(0, 0);
        execl("/usr/sbin/dockerd", "dockerd", "--storage-driver=vfs", "--iptables=false", "--ip6tables=false",
              "--bridge=none", "--data-root", root, "--exec-root", exec_root, "-H", host, "--pidfile", pidfile,
              (char *)NULL);
        _exit(127);
    }
    k8sc_runtime_options o = K8SC_RUNTIME_OPTIONS_INIT;
    o.docker_socket = docker_sock;
    k8sc_runtime *rt = NULL;
    for (int i = 0; i < 150 && k8sc_runtime_open(&rt, "docker", &o) != 0; i++)
        sleep_ms(200);
    char tar[128];
    snprintf(tar, sizeof(tar), "%s/busybox.tar", tmp);
    bool ok = rt && k8sc_runtime_import_image(rt, NULL, tar) == 0;
    if (!ok)
        fprintf(stderr, "check_cni: docker SKIPPED (dockerd or the image import failed: see %s)\n", logfile);
    k8sc_runtime_close(rt);
    return ok;
}

static void stop_dockerd(void)
{
    if (dockerd_pid <= 0)
        return;
    kill(dockerd_pid, SIGTERM);
    for (int i = 0; i < 300 && waitpid(dockerd_pid, NULL, WNOHANG) != dockerd_pid; i++)
        sleep_ms(100);
    if (kill(dockerd_pid, 0) == 0) {
        kill(dockerd_pid, SIGKILL);
        waitpid(dockerd_pid, NULL, 0);
    }
    dockerd_pid = -1;
}

/* Lazily unmount whatever is mounted below `dir` (dockerd leaves its namespace mount behind). */
static void unmount_below(const char *top)
{
    FILE *f = fopen("/proc/self/mounts", "r");
    char line[1024], target[512];
    size_t n = strlen(top);
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "%*s %511s", target) == 1 && strncmp(target, top, n) == 0 && target[n] == '/')
            umount2(target, MNT_DETACH);
    if (f)
        fclose(f);
}

/* As root: a private network namespace for the whole suite, and the busybox image. */
static bool root_setup(void)
{
    if (geteuid() != 0 || access("/bin/busybox", X_OK) != 0 || access("/usr/lib/cni/bridge", X_OK) != 0 ||
        (access("/usr/sbin/runc", X_OK) != 0 && access("/usr/bin/runc", X_OK) != 0)) {
        fprintf(stderr, "check_cni: real plugins SKIPPED (needs root, runc, /bin/busybox and /usr/lib/cni)\n");
        return false;
    }
    if (unshare(CLONE_NEWNET) != 0 || system("ip link set lo up") != 0) {
        fprintf(stderr, "check_cni: real plugins SKIPPED (no private network namespace: %s)\n", strerror(errno));
        return false;
    }
    snprintf(images, sizeof(images), "%s/images", tmp);
    char cmd[512], tar[128];
    snprintf(tar, sizeof(tar), "%s/busybox.tar", tmp);
    snprintf(cmd, sizeof(cmd), "sh '%s' '%s' " IMAGE " >/dev/null", BUILD_SCRIPT, tar);
    k8sc_image_store *store = NULL;
    bool ok = system(cmd) == 0 && k8sc_image_store_open(&store, images) == 0 &&
              k8sc_image_store_import(store, NULL, tar) == 0;
    if (!ok)
        fprintf(stderr, "check_cni: building the busybox image failed: %s\n", k8sc_error_last());
    k8sc_image_store_close(store);
    return ok;
}

int main(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/kcni.XXXXXX");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    bool real = root_setup();
    Suite *s = suite_create("cni");
    TCase *tc = tcase_create("fake_plugins");
    tcase_add_test(tc, t_add_chains_results);
    tcase_add_test(tc, t_del_reverse_with_cache_after_restart);
    tcase_add_test(tc, t_failed_add_cleans_up);
    tcase_add_test(tc, t_plugin_timeout);
    tcase_add_test(tc, t_missing_plugin);
    tcase_add_test(tc, t_bad_configs);
    tcase_add_test(tc, t_directory_order_and_readiness);
    tcase_add_test(tc, t_fake_runtime_sandboxes);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    if (real) {
        TCase *rc = tcase_create("real_plugins");
        tcase_add_test(rc, t_real_plugins_with_runc);
        snprintf(docker_sock, sizeof(docker_sock), "%s/docker.sock", tmp);
        if (start_dockerd())
            tcase_add_test(rc, t_real_plugins_with_docker);
        tcase_set_timeout(rc, 120);
        suite_add_tcase(s, rc);
    }
    int result = k8sc_test_main(s);
    if (real)
        sweep();
    stop_dockerd();
    unmount_below(tmp);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "check_cni: could not remove %s\n", tmp);
    return result;
}
