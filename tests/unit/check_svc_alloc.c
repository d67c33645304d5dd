/*
 * Service ClusterIP and NodePort allocation in the API server: distinct
 * random addresses, requested values honoured, taken and out-of-range ones
 * refused with Kubernetes' messages, headless and ExternalName Services,
 * type changes, releases on delete, allocations kept across a restart on
 * the same SQLite file, concurrent creates, and the `kubernetes` Service.
 */
#include "apiserver/apiserver_internal.h"
#include "k8sc/apiserver.h"
#include "k8sc/core.h"
#include "k8sc/store.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static k8sc_store *store;
static k8sc_apiserver *srv;

static void start(const char *url, const char *ip_range)
{
    ck_assert_int_eq(k8sc_store_open(&store, url, NULL), 0);
    k8sc_apiserver_options o = K8SC_APISERVER_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.store = store;
    o.service_cluster_ip_range = ip_range;
    ck_assert_msg(k8sc_apiserver_new(&srv, &o) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_apiserver_start(srv) == 0, "%s", k8sc_error_last());
}

static void stop(void)
{
    k8sc_apiserver_free(srv);
    k8sc_store_close(store);
    srv = NULL;
    store = NULL;
}

static void setup(void)
{
    start("memory://", NULL);
}

static void teardown(void)
{
    stop();
}

/* One request in process: the status, and the body parsed into *out (may be NULL). */
static int call(struct json_object **out, const char *method, const char *target, const char *ctype, const char *body)
{
    k8sc_apiserver_response *resp = NULL;
    ck_assert_int_eq(k8sc_apiserver_handle(&resp, srv, method, target, ctype, NULL, body, body ? strlen(body) : 0), 0);
    int status = k8sc_apiserver_response_status(resp);
    if (out) {
        *out = json_tokener_parse(k8sc_apiserver_response_body(resp, NULL));
        ck_assert_ptr_nonnull(*out);
    }
    k8sc_apiserver_response_free(resp);
    return status;
}

/* POST a Service named `name` in default with `spec` (JSON members, without braces). */
static int create(struct json_object **out, const char *name, const char *spec)
{
    char body[2048];
    snprintf(body, sizeof(body),
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"%s\"},\"spec\":{%s}}", name, spec);
    return call(out, "POST", "/api/v1/namespaces/default/services", "application/json", body);
}

static const char *PORT80 = "\"ports\":[{\"port\":80}]";

static struct json_object *get(struct json_object *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *save = NULL, *part = strtok_r(buf, ".", &save); part && o; part = strtok_r(NULL, ".", &save)) {
        if (json_object_is_type(o, json_type_array))
            o = json_object_array_get_idx(o, (size_t)atoi(part));
        else if (!json_object_object_get_ex(o, part, &o))
            return NULL;
    }
    return o;
}

static const char *str(struct json_object *o, const char *path)
{
    struct json_object *v = get(o, path);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int64_t num(struct json_object *o, const char *path)
{
    struct json_object *v = get(o, path);
    return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
}

static void create_ok(const char *name, const char *spec, struct json_object **out)
{
    struct json_object *o = NULL;
    int status = create(&o, name, spec);
    ck_assert_msg(status == 201, "create %s: %d %s", name, status, json_object_to_json_string(o));
    if (out)
        *out = o;
    else
        json_object_put(o);
}

static void expect_invalid(const char *name, const char *spec, const char *message)
{
    struct json_object *o = NULL;
    int status = create(&o, name, spec);
    ck_assert_msg(status == 422, "create %s: %d %s", name, status, json_object_to_json_string(o));
    ck_assert_str_eq(str(o, "reason"), "Invalid");
    ck_assert_str_eq(str(o, "message"), message);
    json_object_put(o);
}

static int delete_svc(const char *name)
{
    char target[256];
    snprintf(target, sizeof(target), "/api/v1/namespaces/default/services/%s", name);
    return call(NULL, "DELETE", target, NULL, NULL);
}

static int patch_svc(struct json_object **out, const char *name, const char *patch)
{
    char target[256];
    snprintf(target, sizeof(target), "/api/v1/namespaces/default/services/%s", name);
    return call(out, "PATCH", target, "application/merge-patch+json", patch);
}

static uint32_t ipv4(const char *s)
{
    struct in_addr a;
    ck_assert_msg(s && inet_pton(AF_INET, s, &a) == 1, "not an IPv4 address: %s", s ? s : "(null)");
    return ntohl(a.s_addr);
}

START_TEST(test_distinct_addresses)
{
    uint32_t seen[50];
    for (int i = 0; i < 50; i++) {
        char name[32];
        snprintf(name, sizeof(name), "s%d", i);
        struct json_object *o = NULL;
        create_ok(name, PORT80, &o);
        const char *ip = str(o, "spec.clusterIP");
        uint32_t v = ipv4(ip);
        /* Inside 10.96.0.0/12, neither the network nor the broadcast address, nor the kubernetes one. */
        ck_assert_uint_eq(v & 0xfff00000u, 0x0a600000u);
        ck_assert_uint_ne(v, 0x0a600000u);
        ck_assert_uint_ne(v, 0x0a6fffffu);
        ck_assert_uint_ne(v, 0x0a600001u);
        ck_assert_str_eq(str(o, "spec.clusterIPs.0"), ip);
        ck_assert_ptr_null(get(o, "spec.clusterIPs.1"));
        for (int j = 0; j < i; j++)
            ck_assert_uint_ne(seen[j], v);
        seen[i] = v;
        json_object_put(o);
    }
}
END_TEST

START_TEST(test_requested_address)
{
    struct json_object *o = NULL;
    create_ok("a", "\"clusterIP\":\"10.96.5.5\",\"ports\":[{\"port\":80}]", &o);
    ck_assert_str_eq(str(o, "spec.clusterIP"), "10.96.5.5");
    ck_assert_str_eq(str(o, "spec.clusterIPs.0"), "10.96.5.5");
    json_object_put(o);
    expect_invalid("b", "\"clusterIP\":\"10.96.5.5\",\"ports\":[{\"port\":80}]",
        "Service \"b\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.5.5\"}: failed to allocate IP "
        "10.96.5.5: provided IP is already allocated");
    expect_invalid("c", "\"clusterIP\":\"10.0.0.5\",\"ports\":[{\"port\":80}]",
        "Service \"c\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.0.0.5\"}: failed to allocate IP "
        "10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12");
    expect_invalid("d", "\"clusterIP\":\"10.96.0.300\",\"ports\":[{\"port\":80}]",
        "Service \"d\" is invalid: spec.clusterIPs[0]: Invalid value: \"10.96.0.300\": must be a valid IP address, "
        "(e.g. 10.9.8.7 or 2001:db8::ffff)");
    /* The failed creates held nothing: the addresses they asked for are still free. */
    create_ok("e", "\"clusterIP\":\"10.96.5.6\",\"ports\":[{\"port\":80}]", NULL);
}
END_TEST

START_TEST(test_headless_and_external_name)
{
    struct json_object *o = NULL;
    create_ok("headless", "\"clusterIP\":\"None\",\"selector\":{\"app\":\"x\"},\"ports\":[{\"port\":80}]", &o);
    ck_assert_str_eq(str(o, "spec.clusterIP"), "None");
    ck_assert_str_eq(str(o, "spec.clusterIPs.0"), "None");
    json_object_put(o);
    create_ok("ext", "\"type\":\"ExternalName\",\"externalName\":\"example.com\"", &o);
    ck_assert_ptr_null(get(o, "spec.clusterIP"));
    ck_assert_ptr_null(get(o, "spec.clusterIPs"));
    json_object_put(o);
    expect_invalid("np", "\"type\":\"NodePort\",\"clusterIP\":\"None\",\"ports\":[{\"port\":80}]",
        "Service \"np\" is invalid: spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort "
        "services");
    /* ExternalName -> ClusterIP allocates; back to ExternalName gives the address back. */
    ck_assert_int_eq(patch_svc(&o, "ext", "{\"spec\":{\"type\":\"ClusterIP\",\"externalName\":null,"
        "\"ports\":[{\"port\":80}]}}"), 200);
    char ip[32];
    snprintf(ip, sizeof(ip), "%s", str(o, "spec.clusterIP"));
    ipv4(ip);
    json_object_put(o);
    ck_assert_int_eq(patch_svc(&o, "ext", "{\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"example.org\"}}"),
        200);
    ck_assert_ptr_null(get(o, "spec.clusterIP"));
    json_object_put(o);
    char spec[128];
    snprintf(spec, sizeof(spec), "\"clusterIP\":\"%s\",\"ports\":[{\"port\":80}]", ip);
    create_ok("reuse", spec, NULL);
}
END_TEST

START_TEST(test_node_ports)
{
    struct json_object *o = NULL;
    create_ok("auto", "\"type\":\"NodePort\",\"ports\":[{\"name\":\"a\",\"port\":80},{\"name\":\"b\",\"port\":81}]", &o);
    int64_t a = num(o, "spec.ports.0.nodePort"), b = num(o, "spec.ports.1.nodePort");
    ck_assert_int_ge(a, 30000);
    ck_assert_int_le(a, 32767);
    ck_assert_int_ge(b, 30000);
    ck_assert_int_le(b, 32767);
    ck_assert_int_ne(a, b);
    json_object_put(o);
    /* A port that goes away gives its node port back; the one kept keeps its value. */
    ck_assert_int_eq(patch_svc(&o, "auto", "{\"spec\":{\"ports\":[{\"name\":\"a\",\"port\":80}]}}"), 200);
    ck_assert_int_eq(num(o, "spec.ports.0.nodePort"), a);
    json_object_put(o);
    char spec[128];
    snprintf(spec, sizeof(spec), "\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":%lld}]", (long long)b);
    create_ok("reuse", spec, NULL);
    create_ok("req", "\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30080}]", &o);
    ck_assert_int_eq(num(o, "spec.ports.0.nodePort"), 30080);
    json_object_put(o);
    expect_invalid("taken", "\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30080}]",
        "Service \"taken\" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated");
    expect_invalid("low", "\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":29999}]",
        "Service \"low\" is invalid: spec.ports[0].nodePort: Invalid value: 29999: provided port is not in the valid "
        "range. The range of valid ports is 30000-32767");
    expect_invalid("cip", "\"ports\":[{\"port\":80,\"nodePort\":30081}]",
        "Service \"cip\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'");
    /* TCP and UDP of the same port number share one node port. */
    create_ok("dns", "\"type\":\"NodePort\",\"ports\":[{\"name\":\"u\",\"port\":53,\"protocol\":\"UDP\"},"
        "{\"name\":\"t\",\"port\":53,\"protocol\":\"TCP\"}]", &o);
    ck_assert_int_eq(num(o, "spec.ports.0.nodePort"), num(o, "spec.ports.1.nodePort"));
    json_object_put(o);
    /* A LoadBalancer with externalTrafficPolicy Local gets a health check node port. */
    create_ok("lb", "\"type\":\"LoadBalancer\",\"externalTrafficPolicy\":\"Local\",\"ports\":[{\"port\":80}]", &o);
    int64_t hc = num(o, "spec.healthCheckNodePort");
    ck_assert_int_ge(hc, 30000);
    ck_assert_int_ne(hc, num(o, "spec.ports.0.nodePort"));
    json_object_put(o);
}
END_TEST

START_TEST(test_type_changes)
{
    struct json_object *o = NULL;
    create_ok("web", "\"ports\":[{\"port\":80}]", &o);
    char ip[32];
    snprintf(ip, sizeof(ip), "%s", str(o, "spec.clusterIP"));
    json_object_put(o);
    ck_assert_int_eq(patch_svc(&o, "web", "{\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80,"
        "\"nodePort\":30090}]}}"), 200);
    ck_assert_int_eq(num(o, "spec.ports.0.nodePort"), 30090);
    ck_assert_str_eq(str(o, "spec.clusterIP"), ip);
    json_object_put(o);
    /* An update that leaves the node port out keeps it. */
    ck_assert_int_eq(patch_svc(&o, "web", "{\"spec\":{\"ports\":[{\"port\":80}]}}"), 200);
    ck_assert_int_eq(num(o, "spec.ports.0.nodePort"), 30090);
    json_object_put(o);
    expect_invalid("other", "\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30090}]",
        "Service \"other\" is invalid: spec.ports[0].nodePort: Invalid value: 30090: provided port is already allocated");
    /* Back to ClusterIP (the node port still in the body, as kubectl apply sends it): released. */
    ck_assert_int_eq(patch_svc(&o, "web", "{\"spec\":{\"type\":\"ClusterIP\"}}"), 200);
    ck_assert_ptr_null(get(o, "spec.ports.0.nodePort"));
    ck_assert_str_eq(str(o, "spec.clusterIP"), ip);
    json_object_put(o);
    create_ok("other", "\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30090}]", NULL);
    /* The ClusterIP may not change. */
    ck_assert_int_eq(patch_svc(&o, "web", "{\"spec\":{\"clusterIP\":\"10.96.7.7\",\"clusterIPs\":[\"10.96.7.7\"]}}"),
        422);
    char want[256];
    snprintf(want, sizeof(want), "Service \"web\" is invalid: spec.clusterIPs[0]: Invalid value: []string{\"10.96.7.7\"}: "
        "may not change once set");
    ck_assert_str_eq(str(o, "message"), want);
    json_object_put(o);
}
END_TEST

START_TEST(test_delete_releases)
{
    create_ok("a", "\"clusterIP\":\"10.96.8.8\",\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30100}]", NULL);
    ck_assert_int_eq(delete_svc("a"), 200);
    create_ok("b", "\"clusterIP\":\"10.96.8.8\",\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30100}]", NULL);
    /* A namespace's Services go through the same delete (deletecollection). */
    ck_assert_int_eq(call(NULL, "DELETE", "/api/v1/namespaces/default/services?labelSelector=", NULL, NULL), 200);
    create_ok("c", "\"clusterIP\":\"10.96.8.8\",\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30100}]", NULL);
    /* Dry runs hold nothing. */
    ck_assert_int_eq(call(NULL, "POST", "/api/v1/namespaces/default/services?dryRun=All", "application/json",
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"dry\"},\"spec\":{\"clusterIP\":"
        "\"10.96.8.9\",\"ports\":[{\"port\":80}]}}"), 201);
    create_ok("d", "\"clusterIP\":\"10.96.8.9\",\"ports\":[{\"port\":80}]", NULL);
}
END_TEST

START_TEST(test_restart_keeps_allocations)
{
    char path[] = "/tmp/check_svc_alloc_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    unlink(path);
    char url[128];
    snprintf(url, sizeof(url), "sqlite:%s", path);
    start(url, NULL);
    create_ok("a", "\"clusterIP\":\"10.96.3.3\",\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30200}]", NULL);
    /* A Service written behind the allocator's back (an older server) is adopted by the repair at start-up. */
    const char *raw = "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"old\",\"namespace\":"
        "\"default\"},\"spec\":{\"type\":\"ClusterIP\",\"clusterIP\":\"10.96.4.4\",\"ports\":[{\"port\":80}]}}";
    ck_assert_int_eq(k8sc_store_create(NULL, store, "/registry/core/services/default/old", raw, strlen(raw)), 0);
    stop();
    start(url, NULL);
    expect_invalid("b", "\"clusterIP\":\"10.96.3.3\",\"ports\":[{\"port\":80}]",
        "Service \"b\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.3.3\"}: failed to allocate IP "
        "10.96.3.3: provided IP is already allocated");
    expect_invalid("c", "\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30200}]",
        "Service \"c\" is invalid: spec.ports[0].nodePort: Invalid value: 30200: provided port is already allocated");
    expect_invalid("d", "\"clusterIP\":\"10.96.4.4\",\"ports\":[{\"port\":80}]",
        "Service \"d\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.4.4\"}: failed to allocate IP "
        "10.96.4.4: provided IP is already allocated");
    ck_assert_int_eq(delete_svc("a"), 200);
    stop();
    start(url, NULL);
    create_ok("b", "\"clusterIP\":\"10.96.3.3\",\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30200}]", NULL);
    stop();
    unlink(path);
    char side[256];
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
    start("memory://", NULL);
}
END_TEST

#define THREADS 8
#define PER_THREAD 10

typedef struct {
    int id;
    uint32_t ips[PER_THREAD];
    int64_t ports[PER_THREAD];
    int failures;
} worker;

static void *create_many(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        char body[512];
        snprintf(body, sizeof(body), "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"t%d-%d\"},"
            "\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80}]}}", w->id, i);
        k8sc_apiserver_response *resp = NULL;
        if (k8sc_apiserver_handle(&resp, srv, "POST", "/api/v1/namespaces/default/services", "application/json", NULL, body,
                strlen(body)) != 0 || k8sc_apiserver_response_status(resp) != 201) {
            w->failures++;
            k8sc_apiserver_response_free(resp);
            continue;
        }
        struct json_object *o = json_tokener_parse(k8sc_apiserver_response_body(resp, NULL));
        struct in_addr a;
        const char *ip = str(o, "spec.clusterIP");
        w->ips[i] = ip && inet_pton(AF_INET, ip, &a) == 1 ? ntohl(a.s_addr) : 0;
        w->ports[i] = num(o, "spec.ports.0.nodePort");
        json_object_put(o);
        k8sc_apiserver_response_free(resp);
    }
    return NULL;
}

START_TEST(test_concurrent_creates)
{
    static worker ws[THREADS];
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++) {
        memset(&ws[t], 0, sizeof(ws[t]));
        ws[t].id = t;
        ck_assert_int_eq(pthread_create(&th[t], NULL, create_many, &ws[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < THREADS; t++) {
        ck_assert_int_eq(ws[t].failures, 0);
        for (int i = 0; i < PER_THREAD; i++) {
            ck_assert_uint_ne(ws[t].ips[i], 0);
            ck_assert_int_ge(ws[t].ports[i], 30000);
            for (int u = 0; u <= t; u++)
                for (int j = 0; j < (u == t ? i : PER_THREAD); j++) {
                    ck_assert_uint_ne(ws[u].ips[j], ws[t].ips[i]);
                    ck_assert_int_ne(ws[u].ports[j], ws[t].ports[i]);
                }
        }
    }
}
END_TEST

START_TEST(test_kubernetes_service)
{
    struct json_object *o = NULL;
    ck_assert_int_eq(call(&o, "GET", "/api/v1/namespaces/default/services/kubernetes", NULL, NULL), 200);
    ck_assert_str_eq(str(o, "spec.clusterIP"), "10.96.0.1");
    ck_assert_str_eq(str(o, "spec.ports.0.name"), "https");
    ck_assert_int_eq(num(o, "spec.ports.0.port"), 443);
    ck_assert_str_eq(str(o, "spec.ports.0.protocol"), "TCP");
    ck_assert_int_eq(num(o, "spec.ports.0.targetPort"), k8sc_apiserver_port(srv));
    ck_assert_ptr_null(get(o, "spec.selector"));
    ck_assert_str_eq(str(o, "metadata.labels.provider"), "kubernetes");
    json_object_put(o);
    ck_assert_int_eq(call(&o, "GET", "/api/v1/namespaces/default/endpoints/kubernetes", NULL, NULL), 200);
    ck_assert_str_eq(str(o, "subsets.0.addresses.0.ip"), "127.0.0.1");
    ck_assert_int_eq(num(o, "subsets.0.ports.0.port"), k8sc_apiserver_port(srv));
    ck_assert_str_eq(str(o, "subsets.0.ports.0.name"), "https");
    json_object_put(o);
    ck_assert_int_eq(call(&o, "GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes", NULL,
        NULL), 200);
    struct json_object *label = NULL;
    ck_assert(json_object_object_get_ex(get(o, "metadata.labels"), "kubernetes.io/service-name", &label));
    ck_assert_str_eq(json_object_get_string(label), "kubernetes");
    ck_assert_str_eq(str(o, "endpoints.0.addresses.0"), "127.0.0.1");
    ck_assert_int_eq(num(o, "ports.0.port"), k8sc_apiserver_port(srv));
    json_object_put(o);
    /* No other Service gets the first address. */
    expect_invalid("x", "\"clusterIP\":\"10.96.0.1\",\"ports\":[{\"port\":80}]",
        "Service \"x\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.0.1\"}: failed to allocate IP "
        "10.96.0.1: provided IP is already allocated");
    /* A restart on another port brings the Service and Endpoints up to date. */
    k8sc_apiserver_stop(srv);
    ck_assert_int_eq(k8sc_apiserver_start(srv), 0);
    ck_assert_int_eq(call(&o, "GET", "/api/v1/namespaces/default/endpoints/kubernetes", NULL, NULL), 200);
    ck_assert_int_eq(num(o, "subsets.0.ports.0.port"), k8sc_apiserver_port(srv));
    json_object_put(o);
    ck_assert_int_eq(call(&o, "GET", "/api/v1/namespaces/default/services/kubernetes", NULL, NULL), 200);
    ck_assert_int_eq(num(o, "spec.ports.0.targetPort"), k8sc_apiserver_port(srv));
    ck_assert_str_eq(str(o, "spec.clusterIP"), "10.96.0.1");
    json_object_put(o);
}
END_TEST

START_TEST(test_options)
{
    stop();
    start("memory://", "10.0.0.0/24");
    struct json_object *o = NULL;
    create_ok("a", PORT80, &o);
    uint32_t v = ipv4(str(o, "spec.clusterIP"));
    ck_assert_uint_eq(v & 0xffffff00u, 0x0a000000u);
    ck_assert_uint_gt(v & 0xffu, 1);
    ck_assert_uint_lt(v & 0xffu, 255);
    json_object_put(o);
    ck_assert_int_eq(call(&o, "GET", "/api/v1/namespaces/default/services/kubernetes", NULL, NULL), 200);
    ck_assert_str_eq(str(o, "spec.clusterIP"), "10.0.0.1");
    json_object_put(o);
    static const char *const bad[][2] = {
        { "10.0.0.0/8", NULL }, { "10.0.0.0/31", NULL }, { "banana", NULL }, { "10.0.0.0/24", "32000-31000" },
        { "10.0.0.0/24", "x" }, { "10.0.0.0/24", "30000-70000" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        k8sc_apiserver_options opt = K8SC_APISERVER_OPTIONS_INIT;
        k8sc_apiserver *other = NULL;
        opt.store = store;
        opt.service_cluster_ip_range = bad[i][0];
        opt.service_node_port_range = bad[i][1];
        ck_assert_int_eq(k8sc_apiserver_new(&other, &opt), K8SC_EINVAL);
        ck_assert_ptr_null(other);
    }
    k8sc_apiserver_options opt = K8SC_APISERVER_OPTIONS_INIT;
    k8sc_apiserver *other = NULL;
    opt.store = store;
    opt.advertise_address = "not-an-ip";
    ck_assert_int_eq(k8sc_apiserver_new(&other, &opt), K8SC_EINVAL);
}
END_TEST

START_TEST(test_full_range)
{
    stop();
    start("memory://", "10.0.0.0/30");
    /* Two usable addresses: the kubernetes Service has the first, one is left. */
    create_ok("a", PORT80, NULL);
    struct json_object *o = NULL;
    ck_assert_int_eq(create(&o, "b", PORT80), 500);
    ck_assert_str_eq(str(o, "message"), "Internal error occurred: failed to allocate a serviceIP: range is full");
    json_object_put(o);
    ck_assert_int_eq(delete_svc("a"), 200);
    create_ok("b", PORT80, NULL);
}
END_TEST

START_TEST(test_repair_frees_leaks)
{
    create_ok("a", "\"clusterIP\":\"10.96.6.6\",\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30300}]", NULL);
    /* Gone without a release (a server that died between its writes): the values leak... */
    ck_assert_int_eq(k8sc_store_delete(NULL, NULL, store, "/registry/core/services/default/a", 0), 0);
    const char *spec = "\"clusterIP\":\"10.96.6.6\",\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30300}]";
    struct json_object *o = NULL;
    /* ...until three repair passes in a row have found them unused. */
    for (int pass = 1; pass <= 3; pass++) {
        ck_assert_int_eq(create(&o, "b", spec), 422);
        json_object_put(o);
        ck_assert_int_eq(k8sc__svc_repair_once(srv), 0);
    }
    create_ok("b", spec, NULL);
    /* Values in use are never freed, however many passes. */
    for (int pass = 0; pass < 4; pass++)
        ck_assert_int_eq(k8sc__svc_repair_once(srv), 0);
    ck_assert_int_eq(create(&o, "c", spec), 422);
    json_object_put(o);
}
END_TEST

START_TEST(test_range_change)
{
    create_ok("a", "\"clusterIP\":\"10.96.6.6\",\"ports\":[{\"port\":80}]", NULL);
    /* Same store, another range: the bitmap is rebuilt for it and allocation goes on there. */
    k8sc_apiserver_free(srv);
    k8sc_apiserver_options o2 = K8SC_APISERVER_OPTIONS_INIT;
    o2.listen = "127.0.0.1:0";
    o2.store = store;
    o2.service_cluster_ip_range = "10.0.0.0/24";
    ck_assert_msg(k8sc_apiserver_new(&srv, &o2) == 0, "%s", k8sc_error_last());
    ck_assert_msg(k8sc_apiserver_start(srv) == 0, "%s", k8sc_error_last());
    struct json_object *o = NULL;
    create_ok("b", PORT80, &o);
    ck_assert_uint_eq(ipv4(str(o, "spec.clusterIP")) & 0xffffff00u, 0x0a000000u);
    json_object_put(o);
    create_ok("c", "\"clusterIP\":\"10.0.0.9\",\"ports\":[{\"port\":80}]", NULL);
}
END_TEST

START_TEST(test_table_ports)
{
    create_ok("np", "\"type\":\"NodePort\",\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":80,\"nodePort\":30080}]",
        NULL);
    struct json_object *o = NULL;
    k8sc_apiserver_response *resp = NULL;
    ck_assert_int_eq(k8sc_apiserver_handle(&resp, srv, "GET", "/api/v1/namespaces/default/services/np", NULL,
        "application/json;as=Table;v=v1;g=meta.k8s.io", NULL, 0), 0);
    o = json_tokener_parse(k8sc_apiserver_response_body(resp, NULL));
    k8sc_apiserver_response_free(resp);
    ck_assert_str_eq(str(o, "rows.0.cells.1"), "NodePort");
    ipv4(str(o, "rows.0.cells.2"));
    ck_assert_str_eq(str(o, "rows.0.cells.3"), "<none>");
    ck_assert_str_eq(str(o, "rows.0.cells.4"), "80:30080/TCP");
    ck_assert_str_eq(str(o, "rows.0.cells.6"), "app=web");
    json_object_put(o);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("svc_alloc");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_distinct_addresses);
    tcase_add_test(tc, test_requested_address);
    tcase_add_test(tc, test_headless_and_external_name);
    tcase_add_test(tc, test_node_ports);
    tcase_add_test(tc, test_type_changes);
    tcase_add_test(tc, test_delete_releases);
    tcase_add_test(tc, test_restart_keeps_allocations);
    tcase_add_test(tc, test_concurrent_creates);
    tcase_add_test(tc, test_kubernetes_service);
    tcase_add_test(tc, test_options);
    tcase_add_test(tc, test_full_range);
    tcase_add_test(tc, test_repair_frees_leaks);
    tcase_add_test(tc, test_range_change);
    tcase_add_test(tc, test_table_ports);
    suite_add_tcase(s, tc);
    return k8sc_test_main(s);
}
