/*
 * resources: resource lists, pod specs and containers, and the pod's
 * effective requests and limits. The pod cases follow
 * k8s.io/component-helpers/resource's helpers_test.go
 * (TestPodRequestsAndLimits, TestPodResourceRequests).
 */
#include "internal.h"
#include "testutil.h"

#include <json-c/json.h>
#include <k8sc/codec.h>
#include <k8sc/object.h>
#include <string.h>

/* JSON written with single quotes, for readability. */
static char *dq(const char *text)
{
    char *s = strdup(text);
    ck_assert_ptr_nonnull(s);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    return s;
}

static struct json_object *json_of(const char *text)
{
    char *s = dq(text);
    struct json_object *v = json_tokener_parse(s);
    ck_assert_msg(v != NULL, "bad test JSON: %s", s);
    free(s);
    return v;
}

static k8sc_object *object_of(const char *text)
{
    char *s = dq(text);
    k8sc_object *obj = NULL;
    ck_assert_msg(k8sc_object_from_json(&obj, s, strlen(s)) == 0, "%s: %s", s, k8sc_error_last());
    free(s);
    return obj;
}

/* The list as compact JSON with single quotes, e.g. {'cpu':'1'}. */
static char *list_text(const k8sc_resources *res)
{
    struct json_object *j = NULL;
    ck_assert_int_eq(k8sc_resources_to_json(&j, res), 0);
    char *s = strdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(j);
    for (char *p = s; *p; p++)
        if (*p == '"')
            *p = '\'';
    return s;
}

static void assert_list(const k8sc_resources *res, const char *want)
{
    char *got = list_text(res);
    ck_assert_msg(strcmp(got, want) == 0, "got %s, want %s", got, want);
    free(got);
}

static k8sc_resources *list_of(const char *text)
{
    struct json_object *j = json_of(text);
    k8sc_resources *res = NULL;
    ck_assert_msg(k8sc_resources_from_json(&res, j) == 0, "%s", k8sc_error_last());
    json_object_put(j);
    return res;
}

/* A ResourceList as written -> as Kubernetes writes it back. */
static const struct {
    const char *in;
    const char *out;
} list_cases[] = {
    { "{'cpu':'500m','memory':'1Gi'}", "{'cpu':'500m','memory':'1Gi'}" },
    { "{'cpu':'1000m','memory':'1024Mi','ephemeral-storage':'1e9'}",
      "{'cpu':'1','memory':'1Gi','ephemeral-storage':'1e9'}" },
    /* numbers are quantities too, read from their JSON text */
    { "{'cpu':1,'memory':0.5,'a':2.5,'b':-3,'c':0.001,'d':1e-3}",
      "{'cpu':'1','memory':'500m','a':'2500m','b':'-3','c':'1m','d':'1m'}" },
    { "{'big':9223372036854775807,'bigger':12345678901234567890}",
      "{'big':'9223372036854775807','bigger':'12345678901234567890'}" },
    { "{'x':1e300,'y':1.5e-7,'z':1E3}", "{'x':'1e300','y':'150e-9','z':'1k'}" },
    /* UnmarshalJSON trims white space, Unicode included, and reads null as zero */
    { "{'cpu':' 1 ','memory':'\\t2Gi\\n','x':'\\u00a03\\u3000','z':null}",
      "{'cpu':'1','memory':'2Gi','x':'3','z':'0'}" },
    { "{}", "{}" },
};

START_TEST(list_from_and_to_json)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(list_cases); i++) {
        k8sc_resources *res = list_of(list_cases[i].in);
        assert_list(res, list_cases[i].out);
        k8sc_resources_free(res);
    }
    k8sc_resources *res = NULL;
    ck_assert_int_eq(k8sc_resources_from_json(&res, NULL), 0);
    ck_assert_uint_eq(k8sc_resources_count(res), 0);
    assert_list(res, "{}");
    k8sc_resources_free(res);
    k8sc_resources_free(NULL);
}
END_TEST

static const struct {
    const char *in;
    int code;
    const char *msg;
} list_errors[] = {
    { "{'cpu':'1','memory':'1.2.3'}", K8SC_EINVAL,
      "resource \"memory\": quantity \"1.2.3\": unexpected character '.' at position 4" },
    { "{'cpu':'abc'}", K8SC_EINVAL, "resource \"cpu\": quantity \"abc\": unexpected character 'a' at position 1" },
    { "{'cpu':''}", K8SC_EINVAL, "resource \"cpu\": quantity \"\": empty" },
    { "{'cpu':'1 2'}", K8SC_EINVAL, "unexpected character ' ' at position 2" },
    { "{'cpu':'1\\u00002'}", K8SC_EINVAL, "resource \"cpu\": quantity has a NUL byte at position 2" },
    { "{'cpu':true}", K8SC_EINVAL, "resource \"cpu\": quantity must be a string or a number, not boolean" },
    { "{'cpu':{}}", K8SC_EINVAL, "not object" },
    { "{'cpu':[1]}", K8SC_EINVAL, "not array" },
    { "{'cpu':12345678901234567891}", K8SC_EOVERFLOW, "resource \"cpu\"" },
    { "['cpu']", K8SC_EINVAL, "resource list must be a JSON object, not array" },
    { "'1'", K8SC_EINVAL, "resource list must be a JSON object, not string" },
};

START_TEST(list_errors_name_the_entry)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(list_errors); i++) {
        struct json_object *j = json_of(list_errors[i].in);
        k8sc_resources *res = (k8sc_resources *)&res;
        int rc = k8sc_resources_from_json(&res, j);
        ck_assert_msg(rc == list_errors[i].code, "%s: rc %d (%s)", list_errors[i].in, rc, k8sc_error_last());
        ck_assert_ptr_null(res);
        ck_assert_msg(strstr(k8sc_error_last(), list_errors[i].msg) != NULL, "%s: %s",
            list_errors[i].in, k8sc_error_last());
        json_object_put(j);
    }
    ck_assert_int_eq(k8sc_resources_from_json(NULL, NULL), K8SC_EINVAL);
}
END_TEST

START_TEST(list_accessors)
{
    k8sc_resources *res = NULL;
    ck_assert_int_eq(k8sc_resources_new(&res), 0);
    k8sc_quantity cpu, mem, q;
    ck_assert_int_eq(k8sc_quantity_parse(&cpu, "250m"), 0);
    ck_assert_int_eq(k8sc_quantity_parse(&mem, "64Mi"), 0);
    ck_assert_int_eq(k8sc_resources_set(res, "cpu", &cpu), 0);
    ck_assert_int_eq(k8sc_resources_set(res, "memory", &mem), 0);
    for (int i = 0; i < 10; i++) {
        char name[16];
        snprintf(name, sizeof(name), "r%d", i);
        ck_assert_int_eq(k8sc_resources_set(res, name, &cpu), 0);
    }
    ck_assert_uint_eq(k8sc_resources_count(res), 12);
    /* set replaces in place, keeping the order */
    ck_assert_int_eq(k8sc_resources_set(res, "cpu", &mem), 0);
    ck_assert_uint_eq(k8sc_resources_count(res), 12);
    const char *name = NULL;
    ck_assert_int_eq(k8sc_resources_at(res, 0, &name, &q), 0);
    ck_assert_str_eq(name, "cpu");
    ck_assert_int_eq(k8sc_quantity_cmp(&q, &mem), 0);
    ck_assert_int_eq(k8sc_resources_at(res, 11, &name, NULL), 0);
    ck_assert_str_eq(name, "r9");
    ck_assert_int_eq(k8sc_resources_at(res, 12, &name, &q), K8SC_ENOTFOUND);
    ck_assert_int_eq(k8sc_resources_get(res, "memory", &q), 0);
    ck_assert_int_eq(k8sc_quantity_cmp(&q, &mem), 0);
    ck_assert_int_eq(k8sc_resources_get(res, "gpu", &q), K8SC_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "\"gpu\""));
    ck_assert_int_eq(k8sc_resources_set(res, NULL, &q), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_resources_set(res, "x", NULL), K8SC_EINVAL);
    ck_assert_uint_eq(k8sc_resources_count(NULL), 0);
    k8sc_resources_free(res);
}
END_TEST

/* dst op src = out */
static const struct {
    const char *dst, *src;
    bool max;
    const char *out;
} merge_cases[] = {
    { "{'cpu':'1','memory':'1Gi'}", "{'cpu':'500m','nvidia.com/gpu':'1'}", false,
      "{'cpu':'1500m','memory':'1Gi','nvidia.com/gpu':'1'}" },
    { "{}", "{'memory':'1Gi'}", false, "{'memory':'1Gi'}" },
    { "{'memory':'0'}", "{'memory':'1Gi'}", false, "{'memory':'1Gi'}" },
    { "{'memory':'1Gi'}", "{'memory':'512Mi'}", false, "{'memory':'1536Mi'}" },
    { "{'cpu':'1'}", "{}", false, "{'cpu':'1'}" },
    { "{'cpu':'1','memory':'2Gi'}", "{'cpu':'1500m','memory':'1Gi','gpu':'2'}", true,
      "{'cpu':'1500m','memory':'2Gi','gpu':'2'}" },
    /* equal values keep dst's spelling */
    { "{'memory':'1Gi'}", "{'memory':'1073741824'}", true, "{'memory':'1Gi'}" },
    { "{'memory':'1073741824'}", "{'memory':'1Gi'}", true, "{'memory':'1073741824'}" },
};

START_TEST(list_add_and_max)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(merge_cases); i++) {
        k8sc_resources *dst = list_of(merge_cases[i].dst), *src = list_of(merge_cases[i].src);
        int rc = merge_cases[i].max ? k8sc_resources_max(dst, src) : k8sc_resources_add(dst, src);
        ck_assert_msg(rc == 0, "#%zu: %s", i, k8sc_error_last());
        assert_list(dst, merge_cases[i].out);
        k8sc_resources_free(dst);
        k8sc_resources_free(src);
    }
    /* a list added to itself doubles */
    k8sc_resources *r = list_of("{'cpu':'750m','memory':'1Gi'}");
    ck_assert_int_eq(k8sc_resources_add(r, r), 0);
    assert_list(r, "{'cpu':'1500m','memory':'2Gi'}");
    k8sc_resources_free(r);
}
END_TEST

START_TEST(list_add_overflow_changes_nothing)
{
    k8sc_resources *dst = list_of("{'memory':'1','cpu':'9223372036854775807'}");
    k8sc_resources *src = list_of("{'memory':'1','gpu':'1','cpu':'1'}");
    ck_assert_int_eq(k8sc_resources_add(dst, src), K8SC_EOVERFLOW);
    ck_assert_ptr_nonnull(strstr(k8sc_error_last(), "resource \"cpu\": quantity 9223372036854775807 + 1"));
    assert_list(dst, "{'memory':'1','cpu':'9223372036854775807'}");
    ck_assert_int_eq(k8sc_resources_add(NULL, src), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_resources_max(dst, NULL), K8SC_EINVAL);
    k8sc_resources_free(dst);
    k8sc_resources_free(src);
}
END_TEST

/* ---- pod specs and containers ---- */

#define SPEC "{'containers':[{'name':'app','image':'nginx'}]}"

static const struct {
    const char *obj;
    bool has_spec;
} spec_cases[] = {
    { "{'kind':'Pod','spec':" SPEC "}", true },
    { "{'kind':'PodTemplate','template':{'spec':" SPEC "}}", true },
    { "{'kind':'ReplicaSet','spec':{'template':{'spec':" SPEC "}}}", true },
    { "{'kind':'Deployment','spec':{'template':{'spec':" SPEC "}}}", true },
    { "{'kind':'ReplicationController','spec':{'template':{'spec':" SPEC "}}}", true },
    { "{'kind':'StatefulSet','spec':{'template':{'spec':" SPEC "}}}", true },
    { "{'kind':'DaemonSet','spec':{'template':{'spec':" SPEC "}}}", true },
    { "{'kind':'Job','spec':{'template':{'spec':" SPEC "}}}", true },
    { "{'kind':'CronJob','spec':{'jobTemplate':{'spec':{'template':{'spec':" SPEC "}}}}}", true },
    { "{'kind':'PodTemplate','spec':{'template':{'spec':" SPEC "}}}", false },
    { "{'kind':'CronJob','spec':{'template':{'spec':" SPEC "}}}", false },
    { "{'kind':'Service','spec':" SPEC "}", false },
    { "{'spec':" SPEC "}", false },
    { "{'kind':'Pod'}", false },
    { "{'kind':'Pod','spec':[1]}", false },
    { "{'kind':'Deployment','spec':{'template':'x'}}", false },
};

START_TEST(pod_spec_of_workloads)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(spec_cases); i++) {
        k8sc_object *obj = object_of(spec_cases[i].obj);
        struct json_object *spec = k8sc_object_pod_spec(obj);
        ck_assert_msg((spec != NULL) == spec_cases[i].has_spec, "%s", spec_cases[i].obj);
        ck_assert_uint_eq(k8sc_pod_container_count(obj, K8SC_CONTAINERS), spec_cases[i].has_spec ? 1 : 0);
        if (spec) {
            k8sc_container c;
            ck_assert_int_eq(k8sc_pod_container(&c, obj, K8SC_CONTAINERS, 0), 0);
            ck_assert_str_eq(c.name, "app");
            ck_assert_str_eq(c.image, "nginx");
        }
        k8sc_object_free(obj);
    }
    ck_assert_ptr_null(k8sc_object_pod_spec(NULL));
}
END_TEST

START_TEST(pod_containers)
{
    k8sc_object *pod = object_of("{'kind':'Pod','metadata':{'name':'p'},'spec':{"
        "'initContainers':[{'name':'init','image':'busybox'},{'name':'side','restartPolicy':'Always'}],"
        "'containers':[{'name':'a','image':'img-a','resources':{'requests':{'cpu':'100m'},'limits':{'cpu':'1'}}},"
        "{'image':'img-b'},7],"
        "'ephemeralContainers':[{'name':'debug','image':'busybox'}]}}");
    ck_assert_uint_eq(k8sc_pod_container_count(pod, K8SC_CONTAINERS), 3);
    ck_assert_uint_eq(k8sc_pod_container_count(pod, K8SC_INIT_CONTAINERS), 2);
    ck_assert_uint_eq(k8sc_pod_container_count(pod, K8SC_EPHEMERAL_CONTAINERS), 1);
    ck_assert_uint_eq(k8sc_pod_container_count(pod, (k8sc_container_set)9), 0);
    k8sc_container c;
    ck_assert_int_eq(k8sc_pod_container(&c, pod, K8SC_INIT_CONTAINERS, 1), 0);
    ck_assert_str_eq(c.name, "side");
    ck_assert_ptr_null(c.image);
    ck_assert_int_eq(k8sc_pod_container(&c, pod, K8SC_EPHEMERAL_CONTAINERS, 0), 0);
    ck_assert_str_eq(c.name, "debug");
    ck_assert_int_eq(k8sc_pod_container(&c, pod, K8SC_CONTAINERS, 1), 0);
    ck_assert_ptr_null(c.name);
    ck_assert_str_eq(c.image, "img-b");
    ck_assert_int_eq(k8sc_pod_container(&c, pod, K8SC_CONTAINERS, 2), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "spec.containers[2]: container must be an object, not int");
    ck_assert_int_eq(k8sc_pod_container(&c, pod, K8SC_CONTAINERS, 3), K8SC_ENOTFOUND);
    ck_assert_str_eq(k8sc_error_last(), "spec.containers[3]: no such container (3 present)");
    ck_assert_int_eq(k8sc_pod_container(&c, pod, (k8sc_container_set)9, 0), K8SC_EINVAL);

    ck_assert_int_eq(k8sc_pod_container(&c, pod, K8SC_CONTAINERS, 0), 0);
    k8sc_resources *req = NULL, *lim = NULL;
    ck_assert_int_eq(k8sc_container_requests(&req, &c), 0);
    ck_assert_int_eq(k8sc_container_limits(&lim, &c), 0);
    assert_list(req, "{'cpu':'100m'}");
    assert_list(lim, "{'cpu':'1'}");
    k8sc_resources_free(req);
    k8sc_resources_free(lim);
    /* no resources at all: empty lists */
    ck_assert_int_eq(k8sc_pod_container(&c, pod, K8SC_INIT_CONTAINERS, 0), 0);
    ck_assert_int_eq(k8sc_container_requests(&req, &c), 0);
    ck_assert_uint_eq(k8sc_resources_count(req), 0);
    k8sc_resources_free(req);
    k8sc_object_free(pod);

    k8sc_object *svc = object_of("{'kind':'Service','spec':{}}");
    ck_assert_uint_eq(k8sc_pod_container_count(svc, K8SC_CONTAINERS), 0);
    ck_assert_int_eq(k8sc_pod_container(&c, svc, K8SC_CONTAINERS, 0), K8SC_ENOTFOUND);
    ck_assert_str_eq(k8sc_error_last(), "Service has no pod spec");
    k8sc_object_free(svc);
}
END_TEST

START_TEST(container_resource_errors)
{
    struct json_object *j = json_of("{'name':'app','resources':{'requests':{'cpu':'2x'}}}");
    k8sc_container c = { "app", NULL, j };
    k8sc_resources *res = (k8sc_resources *)&res;
    ck_assert_int_eq(k8sc_container_requests(&res, &c), K8SC_EINVAL);
    ck_assert_ptr_null(res);
    ck_assert_str_eq(k8sc_error_last(), "container \"app\": resources.requests: resource \"cpu\": "
                                        "quantity \"2x\": unexpected character 'x' at position 2; "
                                        "quantities must match the regular expression "
                                        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    json_object_put(j);
    j = json_of("{'resources':{'limits':'1'}}");
    c = (k8sc_container){ NULL, NULL, j };
    ck_assert_int_eq(k8sc_container_limits(&res, &c), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "resources.limits: resource list must be a JSON object, not string");
    json_object_put(j);
    j = json_of("{'resources':5}");
    c = (k8sc_container){ NULL, NULL, j };
    ck_assert_int_eq(k8sc_container_limits(&res, &c), K8SC_EINVAL);
    ck_assert_str_eq(k8sc_error_last(), "resources must be an object, not int");
    json_object_put(j);
    ck_assert_int_eq(k8sc_container_limits(&res, NULL), K8SC_EINVAL);
}
END_TEST

/* A pod (spec only), and its effective requests and limits. */
static const struct {
    const char *name;
    const char *spec;
    const char *requests;
    const char *limits;
} pod_cases[] = {
    { "just-limit-no-overhead",
      "{'containers':[{'resources':{'limits':{'cpu':'9'}}}]}",
      "{}", "{'cpu':'9'}" },
    { "just-overhead",
      "{'containers':[{}],'overhead':{'cpu':'5','memory':'5'}}",
      "{'cpu':'5','memory':'5'}", "{}" },
    { "req-and-overhead",
      "{'containers':[{'resources':{'requests':{'cpu':'1','memory':'10'}}}],'overhead':{'cpu':'5','memory':'5'}}",
      "{'cpu':'6','memory':'15'}", "{}" },
    { "all-req-lim-and-overhead",
      "{'containers':[{'resources':{'requests':{'cpu':'1','memory':'10'},'limits':{'cpu':'2','memory':'12'}}}],"
      "'overhead':{'cpu':'5','memory':'5'}}",
      "{'cpu':'6','memory':'15'}", "{'cpu':'7','memory':'17'}" },
    { "req-some-lim-and-overhead",
      "{'containers':[{'resources':{'requests':{'cpu':'1','memory':'10'},'limits':{'cpu':'2'}}}],"
      "'overhead':{'cpu':'5','memory':'5'}}",
      "{'cpu':'6','memory':'15'}", "{'cpu':'7'}" },
    { "zero limit stays zero (unlimited) despite overhead",
      "{'containers':[{'resources':{'limits':{'cpu':'0','memory':'1Gi'}}}],'overhead':{'cpu':'250m','memory':'120Mi'}}",
      "{'cpu':'250m','memory':'120Mi'}", "{'cpu':'0','memory':'1144Mi'}" },
    { "two containers: the sum",
      "{'containers':[{'resources':{'requests':{'cpu':'1','memory':'5'},'limits':{'cpu':'2','memory':'10'}}},"
      "{'resources':{'requests':{'cpu':'4','memory':'12'},'limits':{'cpu':'8','memory':'24'}}}]}",
      "{'cpu':'5','memory':'17'}", "{'cpu':'10','memory':'34'}" },
    { "massive init container: the largest init",
      "{'containers':[{'resources':{'requests':{'cpu':'1','memory':'5'},'limits':{'cpu':'2','memory':'10'}}},"
      "{'resources':{'requests':{'cpu':'4','memory':'12'},'limits':{'cpu':'8','memory':'24'}}}],"
      "'initContainers':[{'resources':{'requests':{'cpu':'1','memory':'5'},'limits':{'cpu':'1','memory':'5'}}},"
      "{'resources':{'requests':{'cpu':'40','memory':'120'},'limits':{'cpu':'80','memory':'240'}}}]}",
      "{'cpu':'40','memory':'120'}", "{'cpu':'80','memory':'240'}" },
    { "larger init container",
      "{'initContainers':[{'resources':{'requests':{'cpu':'4'}}}],'containers':[{'resources':{'requests':{'cpu':'1'}}}]}",
      "{'cpu':'4'}", "{}" },
    { "larger containers",
      "{'initContainers':[{'resources':{'requests':{'cpu':'2'}}}],"
      "'containers':[{'resources':{'requests':{'cpu':'2'}}},{'resources':{'requests':{'cpu':'3'}}}]}",
      "{'cpu':'5'}", "{}" },
    { "pod overhead included",
      "{'overhead':{'cpu':'1','memory':'1Gi'},'initContainers':[{'resources':{'requests':{'cpu':'2'},'limits':{'cpu':'2'}}}],"
      "'containers':[{'resources':{'requests':{'cpu':'2'}}},{'resources':{'requests':{'cpu':'3'}}}]}",
      "{'cpu':'6','memory':'1Gi'}", "{'cpu':'3'}" },
    { "restartable init container adds",
      "{'initContainers':[{'name':'ri1','restartPolicy':'Always','resources':{'requests':{'cpu':'1'}}}],"
      "'containers':[{'resources':{'requests':{'cpu':'1'}}}]}",
      "{'cpu':'2'}", "{}" },
    { "multiple restartable init containers: max(5, 1+2+3+1)",
      "{'initContainers':[{'name':'i1','resources':{'requests':{'cpu':'5'}}},"
      "{'name':'ri1','restartPolicy':'Always','resources':{'requests':{'cpu':'1'}}},"
      "{'name':'ri2','restartPolicy':'Always','resources':{'requests':{'cpu':'2'}}},"
      "{'name':'ri3','restartPolicy':'Always','resources':{'requests':{'cpu':'3'}}}],"
      "'containers':[{'resources':{'requests':{'cpu':'1'}}}]}",
      "{'cpu':'7'}", "{}" },
    { "restartable and regular init: init-2 needs 5 + the sidecars before it",
      "{'initContainers':[{'name':'i1','resources':{'requests':{'cpu':'5'}}},"
      "{'name':'ri1','restartPolicy':'Always','resources':{'requests':{'cpu':'1'}}},"
      "{'name':'ri2','restartPolicy':'Always','resources':{'requests':{'cpu':'2'}}},"
      "{'name':'i2','resources':{'requests':{'cpu':'5'}}},"
      "{'name':'ri3','restartPolicy':'Always','resources':{'requests':{'cpu':'3'}}}],"
      "'containers':[{'resources':{'requests':{'cpu':'1'}}}]}",
      "{'cpu':'8'}", "{}" },
    { "restartable-init, init and regular",
      "{'initContainers':[{'name':'ri1','restartPolicy':'Always','resources':{'requests':{'cpu':'10'}}},"
      "{'name':'i1','resources':{'requests':{'cpu':'200'}}}],"
      "'containers':[{'resources':{'requests':{'cpu':'100'}}}]}",
      "{'cpu':'210'}", "{}" },
    { "sidecar limits follow the same rule; OnFailure is not a sidecar",
      "{'initContainers':[{'restartPolicy':'Always','resources':{'limits':{'memory':'256Mi'}}},"
      "{'restartPolicy':'OnFailure','resources':{'limits':{'memory':'1Gi'}}}],"
      "'containers':[{'resources':{'limits':{'memory':'512Mi'}}}]}",
      "{}", "{'memory':'1280Mi'}" },
    { "ephemeral containers do not count",
      "{'containers':[{'resources':{'requests':{'cpu':'1'}}}],"
      "'ephemeralContainers':[{'resources':{'requests':{'cpu':'5'}}}]}",
      "{'cpu':'1'}", "{}" },
    { "no containers at all", "{}", "{}", "{}" },
};

START_TEST(pod_requests_and_limits)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(pod_cases); i++) {
        char text[4096];
        snprintf(text, sizeof(text), "{'apiVersion':'v1','kind':'Pod','spec':%s}", pod_cases[i].spec);
        k8sc_object *pod = object_of(text);
        k8sc_resources *req = NULL, *lim = NULL;
        ck_assert_msg(k8sc_pod_requests(&req, pod) == 0, "%s: %s", pod_cases[i].name, k8sc_error_last());
        ck_assert_msg(k8sc_pod_limits(&lim, pod) == 0, "%s: %s", pod_cases[i].name, k8sc_error_last());
        char *got_req = list_text(req), *got_lim = list_text(lim);
        ck_assert_msg(strcmp(got_req, pod_cases[i].requests) == 0, "%s: requests %s", pod_cases[i].name, got_req);
        ck_assert_msg(strcmp(got_lim, pod_cases[i].limits) == 0, "%s: limits %s", pod_cases[i].name, got_lim);
        free(got_req);
        free(got_lim);
        k8sc_resources_free(req);
        k8sc_resources_free(lim);
        k8sc_object_free(pod);
    }
}
END_TEST

START_TEST(workload_templates_count_one_pod)
{
    static const char *const objs[] = {
        "{'kind':'Deployment','spec':{'replicas':3,'template':{'spec':%s}}}",
        "{'kind':'PodTemplate','template':{'spec':%s}}",
        "{'kind':'CronJob','spec':{'schedule':'* * * * *','jobTemplate':{'spec':{'template':{'spec':%s}}}}}",
        "{'kind':'Job','spec':{'template':{'spec':%s}}}",
    };
    const char *spec = "{'initContainers':[{'restartPolicy':'Always','resources':{'requests':{'cpu':'100m','memory':'64Mi'}}}],"
                       "'containers':[{'resources':{'requests':{'cpu':'400m','memory':'64Mi'}}}],"
                       "'overhead':{'cpu':'10m'}}";
    for (size_t i = 0; i < K8SC__ARRAY_LEN(objs); i++) {
        char text[2048];
        snprintf(text, sizeof(text), objs[i], spec);
        k8sc_object *obj = object_of(text);
        k8sc_resources *req = NULL;
        ck_assert_msg(k8sc_pod_requests(&req, obj) == 0, "%s", k8sc_error_last());
        assert_list(req, "{'cpu':'510m','memory':'128Mi'}");
        k8sc_resources_free(req);
        k8sc_object_free(obj);
    }
}
END_TEST

static const struct {
    const char *obj;
    int code;
    const char *msg;
} pod_errors[] = {
    { "{'kind':'Service','spec':{}}", K8SC_EINVAL, "Service has no pod spec" },
    { "{'spec':{}}", K8SC_EINVAL, "an object without kind has no pod spec" },
    { "{'kind':'Pod','spec':{'containers':[{'name':'a'},{'name':'b','resources':{'requests':{'cpu':'1..'}}}]}}",
      K8SC_EINVAL, "spec.containers[1]: resources.requests: resource \"cpu\": quantity \"1..\": unexpected character" },
    { "{'kind':'Deployment','spec':{'template':{'spec':{'initContainers':[{'resources':{'requests':{'memory':'1Q'}}}]}}}}",
      K8SC_EINVAL, "spec.template.spec.initContainers[0]: resources.requests: resource \"memory\"" },
    { "{'kind':'Pod','spec':{'overhead':{'cpu':'x'}}}", K8SC_EINVAL, "spec.overhead: resource \"cpu\": quantity \"x\"" },
    { "{'kind':'Pod','spec':{'containers':['web']}}", K8SC_EINVAL,
      "spec.containers[0]: container must be an object, not string" },
    { "{'kind':'Pod','spec':{'containers':[{'resources':{'requests':{'cpu':'9223372036854775807'}}},"
      "{'resources':{'requests':{'cpu':'1'}}}]}}",
      K8SC_EOVERFLOW, "spec.containers[1]: resource \"cpu\": quantity 9223372036854775807 + 1 cannot be represented" },
    { "{'kind':'Pod','spec':{'containers':[{'resources':{'requests':{'cpu':'9223372036854775807'}}}],"
      "'overhead':{'cpu':'1'}}}",
      K8SC_EOVERFLOW, "spec.overhead: resource \"cpu\"" },
};

START_TEST(pod_resource_errors)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(pod_errors); i++) {
        k8sc_object *obj = object_of(pod_errors[i].obj);
        k8sc_resources *res = (k8sc_resources *)&res;
        int rc = k8sc_pod_requests(&res, obj);
        ck_assert_msg(rc == pod_errors[i].code, "%s: rc %d (%s)", pod_errors[i].obj, rc, k8sc_error_last());
        ck_assert_ptr_null(res);
        ck_assert_msg(strstr(k8sc_error_last(), pod_errors[i].msg) != NULL, "%s: %s", pod_errors[i].obj,
            k8sc_error_last());
        k8sc_object_free(obj);
    }
    k8sc_resources *res;
    ck_assert_int_eq(k8sc_pod_limits(&res, NULL), K8SC_EINVAL);
    ck_assert_int_eq(k8sc_pod_requests(NULL, NULL), K8SC_EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("resources");
    k8sc_test_add(s, "list_from_and_to_json", list_from_and_to_json);
    k8sc_test_add(s, "list_errors_name_the_entry", list_errors_name_the_entry);
    k8sc_test_add(s, "list_accessors", list_accessors);
    k8sc_test_add(s, "list_add_and_max", list_add_and_max);
    k8sc_test_add(s, "list_add_overflow_changes_nothing", list_add_overflow_changes_nothing);
    k8sc_test_add(s, "pod_spec_of_workloads", pod_spec_of_workloads);
    k8sc_test_add(s, "pod_containers", pod_containers);
    k8sc_test_add(s, "container_resource_errors", container_resource_errors);
    k8sc_test_add(s, "pod_requests_and_limits", pod_requests_and_limits);
    k8sc_test_add(s, "workload_templates_count_one_pod", workload_templates_count_one_pod);
    k8sc_test_add(s, "pod_resource_errors", pod_resource_errors);
    return k8sc_test_main(s);
}
