/* Arithmetic and bookkeeping of the Deployment controller (Kubernetes' deployment/util). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deployment.h"
#include "k8sc/codec.h"

int k8sc__intstr_scaled(struct json_object *v, int64_t total, bool round_up, int64_t *out)
{
    if (!v) {
        *out = 0;
        return 0;
    }
    if (json_object_is_type(v, json_type_int)) {
        *out = json_object_get_int64(v);
        return 0;
    }
    const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
    size_t len = s ? strlen(s) : 0;
    char *end;
    long long pct = len > 1 && s[len - 1] == '%' ? strtoll(s, &end, 10) : -1;
    if (pct < 0 || end != s + len - 1)
        return k8sc_error_set(K8SC_EINVAL, "invalid value for IntOrString: invalid type: string is not a percentage");
    int64_t scaled = pct * total;
    *out = round_up ? (scaled + 99) / 100 : scaled / 100;
    return 0;
}

int k8sc__fenceposts(const k8sc_object *d, int64_t replicas, int64_t *surge, int64_t *unavailable)
{
    *surge = *unavailable = 0;
    const char *type = k8sc_object_get_string(d, "spec.strategy.type");
    if (type && strcmp(type, "RollingUpdate") != 0)
        return 0;
    int rc = k8sc__intstr_scaled(k8sc_object_get(d, "spec.strategy.rollingUpdate.maxSurge"), replicas, true, surge);
    if (rc == 0)
        rc = k8sc__intstr_scaled(k8sc_object_get(d, "spec.strategy.rollingUpdate.maxUnavailable"), replicas, false,
            unavailable);
    /* Both zero would let nothing move: Kubernetes allows one unavailable pod. */
    if (rc == 0 && *surge == 0 && *unavailable == 0)
        *unavailable = 1;
    /* MaxUnavailable never exceeds the Deployment's size. */
    if (*unavailable > replicas)
        *unavailable = replicas;
    return rc;
}

/* A copy of `tmpl` without the pod-template-hash label (NULL on ENOMEM). */
static struct json_object *without_hash(struct json_object *tmpl)
{
    struct json_object *copy = NULL, *md, *labels;
    if (!tmpl || json_object_deep_copy(tmpl, &copy, NULL) != 0)
        return NULL;
    if (json_object_object_get_ex(copy, "metadata", &md) && json_object_object_get_ex(md, "labels", &labels) &&
        json_object_is_type(labels, json_type_object))
        json_object_object_del(labels, K8SC__HASH_LABEL);
    return copy;
}

bool k8sc__templates_equal(struct json_object *a, struct json_object *b)
{
    struct json_object *ca = without_hash(a), *cb = without_hash(b);
    bool eq = ca && cb && json_object_equal(ca, cb);
    json_object_put(ca);
    json_object_put(cb);
    return eq;
}

void k8sc__template_hash(char *buf, size_t size, struct json_object *tmpl, int64_t collisions)
{
    /* FNV-1a over the template's canonical JSON (sorted keys) and the collision count. */
    uint32_t h = 2166136261u;
    char *text = NULL;
    size_t len = 0;
    if (tmpl && k8sc_json_encode(&text, &len, tmpl, K8SC_ENCODE_SORT_KEYS) == 0)
        for (size_t i = 0; i < len; i++)
            h = (h ^ (unsigned char)text[i]) * 16777619u;
    k8sc_free(text);
    if (collisions > 0)
        for (int i = 0; i < 8; i++)
            h = (h ^ (unsigned char)(collisions >> (8 * i))) * 16777619u;
    /* rand.SafeEncodeString of the decimal hash: no vowels, no look-alike digits. */
    static const char alphanums[] = "bcdfghjklmnpqrstvwxz2456789";
    char dec[16];
    int n = snprintf(dec, sizeof(dec), "%" PRIu32, h);
    size_t o = 0;
    for (int i = 0; i < n && o + 1 < size; i++)
        buf[o++] = alphanums[(unsigned char)dec[i] % (sizeof(alphanums) - 1)];
    buf[o] = '\0';
}

int64_t k8sc__int_annotation(const k8sc_object *obj, const char *key)
{
    const char *v = obj ? k8sc_object_meta_get(obj, K8SC_ANNOTATIONS, key) : NULL;
    char *end;
    long long n = v && *v ? strtoll(v, &end, 10) : -1;
    return v && *v && !*end ? n : -1;
}

int64_t k8sc__revision(const k8sc_object *obj)
{
    int64_t r = k8sc__int_annotation(obj, K8SC__REVISION_ANN);
    return r < 0 ? 0 : r;
}

int64_t k8sc__rs_spec_replicas(const k8sc_object *rs)
{
    return rs ? k8sc__json_int(k8sc_object_get(rs, "spec"), "replicas", 1) : 0;
}

int64_t k8sc__rs_status(const k8sc_object *rs, const char *field)
{
    return rs ? k8sc__json_int(k8sc_object_get(rs, "status"), field, 0) : 0;
}
