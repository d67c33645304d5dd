/*
 * A container's environment as the kubelet makes it: envFrom sources in
 * order, then env entries (value with $(VAR) expansion, fieldRef,
 * resourceFieldRef, configMapKeyRef, secretKeyRef), later ones winning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kubelet_internal.h"

char *k8sc__kl_expand(const char *s, json_object *env)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_puts(&b, "");
    for (const char *p = s ? s : ""; *p;) {
        if (p[0] == '$' && p[1] == '$') {
            k8sc__buf_putc(&b, '$');
            p += 2;
            continue;
        }
        if (p[0] == '$' && p[1] == '(') {
            const char *end = strchr(p + 2, ')');
            if (end) {
                char name[256];
                size_t n = (size_t)(end - p - 2);
                json_object *v = NULL;
                if (n > 0 && n < sizeof(name)) {
                    memcpy(name, p + 2, n);
                    name[n] = '\0';
                    v = k8sc__json_member(env, name);
                }
                if (v)
                    k8sc__buf_puts(&b, json_object_get_string(v));
                else
                    k8sc__buf_put(&b, p, n + 3);
                p = end + 1;
                continue;
            }
        }
        k8sc__buf_putc(&b, *p++);
    }
    if (k8sc__buf_status(&b) != 0) {
        k8sc__buf_free(&b);
        return NULL;
    }
    return k8sc__buf_detach(&b, NULL);
}

static char *dupf(const char *fmt, const char *a, const char *b, const char *c)
{
    k8sc__buf buf = K8SC__BUF_INIT;
    k8sc__buf_printf(&buf, fmt, a, b, c);
    return k8sc__buf_detach(&buf, NULL);
}

/* metadata.labels['key'] → the label's value. */
static const char *bracket_value(const k8sc_object *pod, const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0 || path[n] != '[')
        return NULL;
    char key[256];
    const char *start = path + n + 1;
    char quote = *start;
    if (quote != '\'' && quote != '"')
        return NULL;
    const char *end = strchr(start + 1, quote);
    if (!end || (size_t)(end - start - 1) >= sizeof(key))
        return NULL;
    memcpy(key, start + 1, (size_t)(end - start - 1));
    key[end - start - 1] = '\0';
    json_object *map = k8sc_object_get(pod, strcmp(prefix, "metadata.labels") == 0 ? "metadata.labels"
                                                                                     : "metadata.annotations");
    const char *v = k8sc__json_string(map, key);
    return v ? v : "";
}

/*
 * The pod's address, as status.podIP reports it (status.c): its newest
 * ready sandbox's own address, else (host network, no pod network) the
 * node's. Caller frees.
 */
static char *pod_ip(k8sc_kubelet *k, const k8sc_object *pod)
{
    k8sc_sandbox_status **list = NULL;
    size_t n = 0;
    const k8sc_sandbox_status *best = NULL;
    const char *uid = k8sc_object_uid(pod);
    const k8sc_runtime_pair label = { K8SC_LABEL_POD_UID, uid };
    if (uid && k8sc_runtime_list_sandboxes_labeled(k->rt, &list, &n, &label, 1) == 0)
        for (size_t i = 0; i < n; i++)
            if (list[i]->state == K8SC_SANDBOX_READY && (!best || list[i]->attempt > best->attempt))
                best = list[i];
    char *ip = k8sc__strdup(best && best->ip ? best->ip : k->node_ip);
    k8sc_sandbox_status_list_free(list, n);
    return ip;
}

char *k8sc__kl_field_ref(k8sc_kubelet *k, const k8sc_object *pod, json_object *ref, char **message)
{
    const char *path = k8sc__json_string(ref, "fieldPath");
    if (!path)
        path = "";
    const char *v = NULL;
    if (strcmp(path, "metadata.name") == 0)
        v = k8sc_object_name(pod);
    else if (strcmp(path, "metadata.namespace") == 0)
        v = k8sc_object_namespace(pod);
    else if (strcmp(path, "metadata.uid") == 0)
        v = k8sc_object_uid(pod);
    else if (strcmp(path, "spec.nodeName") == 0)
        v = k8sc_object_get_string(pod, "spec.nodeName");
    else if (strcmp(path, "spec.serviceAccountName") == 0)
        v = k8sc_object_get_string(pod, "spec.serviceAccountName");
    else if (strcmp(path, "status.podIP") == 0 || strcmp(path, "status.podIPs") == 0)
        return pod_ip(k, pod);
    else if (strcmp(path, "status.hostIP") == 0 || strcmp(path, "status.hostIPs") == 0)
        v = k->node_ip;
    else if (!(v = bracket_value(pod, path, "metadata.labels")))
        v = bracket_value(pod, path, "metadata.annotations");
    if (!v && (strcmp(path, "metadata.labels") == 0 || strcmp(path, "metadata.annotations") == 0)) {
        /* The whole map as key="value" lines, sorted, as the downward API writes it. */
        json_object *map = k8sc_object_get(pod, path);
        k8sc__buf b = K8SC__BUF_INIT;
        k8sc__buf_puts(&b, "");
        size_t n = map ? (size_t)json_object_object_length(map) : 0;
        const char **keys = n ? k8sc__calloc(n, sizeof(*keys)) : NULL;
        size_t i = 0;
        if (keys) {
            json_object_object_foreach(map, key, val) {
                (void)val;
                keys[i++] = key;
            }
            for (size_t x = 1; x < n; x++)
                for (size_t y = x; y > 0 && strcmp(keys[y - 1], keys[y]) > 0; y--) {
                    const char *t = keys[y];
                    keys[y] = keys[y - 1];
                    keys[y - 1] = t;
                }
            for (size_t x = 0; x < n; x++) {
                k8sc__buf_printf(&b, "%s%s=", x ? "\n" : "", keys[x]);
                const char *text = k8sc__json_string(map, keys[x]);
                k8sc__buf_put_goquoted(&b, text ? text : "", text ? strlen(text) : 0);
            }
        }
        free(keys);
        return k8sc__buf_detach(&b, NULL);
    }
    if (!v) {
        *message = dupf("unsupported fieldPath: %s%s%s", path, "", "");
        return NULL;
    }
    return k8sc__strdup(v);
}

char *k8sc__kl_resource_ref(k8sc_kubelet *k, const k8sc_object *pod, json_object *container, json_object *ref,
                            char **message)
{
    const char *res = k8sc__json_string(ref, "resource");
    const char *cname = k8sc__json_string(ref, "containerName");
    if (cname && cname[0]) {
        json_object *cs = k8sc_object_get(pod, "spec.containers");
        for (size_t i = 0; cs && i < json_object_array_length(cs); i++)
            if (strcmp(k8sc__json_string(json_object_array_get_idx(cs, i), "name"), cname) == 0)
                container = json_object_array_get_idx(cs, i);
    }
    if (!res || (strncmp(res, "limits.", 7) != 0 && strncmp(res, "requests.", 9) != 0)) {
        *message = dupf("unsupported container resource: %s%s%s", res ? res : "", "", "");
        return NULL;
    }
    bool limit = res[0] == 'l';
    const char *name = res + (limit ? 7 : 9);
    json_object *r = k8sc__json_member(k8sc__json_member(container, "resources"), limit ? "limits" : "requests");
    const char *text = k8sc__json_string(r, name);
    json_object *alloc = NULL;
    if (!text && limit) {
        /* No limit: the node's allocatable, as the kubelet reports it. */
        alloc = k8sc__kl_allocatable(k);
        text = k8sc__json_string(alloc, name);
    }
    k8sc_quantity q, d;
    const char *divisor = k8sc__json_string(ref, "divisor");
    int64_t value = 0, div = 1;
    bool cpu = strcmp(name, "cpu") == 0;
    if (text && k8sc_quantity_parse(&q, text) == 0) {
        if (cpu)
            k8sc_quantity_milli(&q, &value);
        else
            k8sc_quantity_int(&q, &value);
    }
    if (divisor && k8sc_quantity_parse(&d, divisor) == 0) {
        if (cpu)
            k8sc_quantity_milli(&d, &div);
        else
            k8sc_quantity_int(&d, &div);
    } else if (cpu) {
        div = 1000;
    }
    if (div <= 0)
        div = 1;
    json_object_put(alloc);
    /* ConvertResourceCPUToString and friends round up. */
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", (long long)((value + div - 1) / div));
    return k8sc__strdup(buf);
}

json_object *k8sc__kl_source_data(k8sc_kubelet *k, const char *ns, bool secret, const char *name, int *rc)
{
    k8sc_object *obj = NULL;
    *rc = k8sc_client_get(&obj, k->client, "v1", secret ? "Secret" : "ConfigMap", ns, name);
    if (*rc != 0)
        return NULL;
    json_object *data = json_object_new_object();
    json_object *d = k8sc_object_get(obj, "data");
    json_object *empty = json_object_new_object();
    if (!d || !json_object_is_type(d, json_type_object))
        d = empty;
    json_object_object_foreach(d, key, val) {
        if (!secret) {
            json_object_object_add(data, key, json_object_get(val));
            continue;
        }
        char *plain = NULL;
        size_t len = 0;
        const char *enc = json_object_get_string(val);
        if (k8sc__base64_decode(&plain, &len, enc, strlen(enc), NULL) == 0)
            json_object_object_add(data, key, json_object_new_string_len(plain, (int)len));
        free(plain);
    }
    if (!secret) {
        json_object *bd = k8sc_object_get(obj, "binaryData");
        if (!bd || !json_object_is_type(bd, json_type_object))
            bd = empty;
        json_object_object_foreach(bd, key2, val2) {
            char *plain = NULL;
            size_t len = 0;
            const char *enc = json_object_get_string(val2);
            if (k8sc__base64_decode(&plain, &len, enc, strlen(enc), NULL) == 0)
                json_object_object_add(data, key2, json_object_new_string_len(plain, (int)len));
            free(plain);
        }
    }
    json_object_put(empty);
    k8sc_object_free(obj);
    return data;
}

static bool optional(json_object *ref)
{
    json_object *o = k8sc__json_member(ref, "optional");
    return o && json_object_get_boolean(o);
}

static int key_ref(char **out, k8sc_kubelet *k, const k8sc_object *pod, json_object *ref, bool secret,
                   char **message)
{
    *out = NULL;
    const char *name = k8sc__json_string(ref, "name");
    const char *key = k8sc__json_string(ref, "key");
    int rc;
    json_object *data = k8sc__kl_source_data(k, k8sc_object_namespace(pod), secret, name ? name : "", &rc);
    if (!data) {
        if (rc == K8SC_ENOTFOUND && optional(ref))
            return 0;
        *message = dupf(rc == K8SC_ENOTFOUND ? "%s \"%s\" not found%s" : "cannot read %s \"%s\"%s",
                        secret ? "secret" : "configmap", name ? name : "", "");
        return K8SC_EINVAL;
    }
    const char *v = k8sc__json_string(data, key ? key : "");
    if (!v) {
        json_object_put(data);
        if (optional(ref))
            return 0;
        k8sc__buf b = K8SC__BUF_INIT;
        k8sc__buf_printf(&b, "couldn't find key %s in %s %s/%s", key ? key : "", secret ? "Secret" : "ConfigMap",
                         k8sc_object_namespace(pod), name ? name : "");
        *message = k8sc__buf_detach(&b, NULL);
        return K8SC_EINVAL;
    }
    *out = k8sc__strdup(v);
    json_object_put(data);
    return *out ? 0 : K8SC_ENOMEM;
}

static int env_from(json_object *env, k8sc_kubelet *k, const k8sc_object *pod, json_object *src, char **message)
{
    json_object *ref = k8sc__json_member(src, "configMapRef");
    bool secret = false;
    if (!ref) {
        ref = k8sc__json_member(src, "secretRef");
        secret = true;
    }
    if (!ref)
        return 0;
    const char *name = k8sc__json_string(ref, "name");
    const char *prefix = k8sc__json_string(src, "prefix");
    int rc;
    json_object *data = k8sc__kl_source_data(k, k8sc_object_namespace(pod), secret, name ? name : "", &rc);
    if (!data) {
        if (rc == K8SC_ENOTFOUND && optional(ref))
            return 0;
        *message = dupf("%s \"%s\" not found%s", secret ? "secret" : "configmap", name ? name : "", "");
        return K8SC_EINVAL;
    }
    json_object_object_foreach(data, key, val) {
        k8sc__buf b = K8SC__BUF_INIT;
        k8sc__buf_printf(&b, "%s%s", prefix ? prefix : "", key);
        char *full = k8sc__buf_detach(&b, NULL);
        if (full)
            json_object_object_add(env, full, json_object_get(val));
        free(full);
    }
    json_object_put(data);
    return 0;
}

int k8sc__kl_env(json_object **out, k8sc_kubelet *k, const k8sc_object *pod, json_object *container, char **message)
{
    *out = NULL;
    json_object *env = json_object_new_object();
    if (!env)
        return k8sc__error_nomem();
    int rc = 0;
    json_object *from = k8sc__json_member(container, "envFrom");
    for (size_t i = 0; rc == 0 && from && i < json_object_array_length(from); i++)
        rc = env_from(env, k, pod, json_object_array_get_idx(from, i), message);
    json_object *list = k8sc__json_member(container, "env");
    for (size_t i = 0; rc == 0 && list && i < json_object_array_length(list); i++) {
        json_object *e = json_object_array_get_idx(list, i);
        const char *name = k8sc__json_string(e, "name");
        json_object *vf = k8sc__json_member(e, "valueFrom");
        char *value = NULL;
        if (!name)
            continue;
        if (!vf) {
            value = k8sc__kl_expand(k8sc__json_string(e, "value"), env);
        } else if (k8sc__json_member(vf, "fieldRef")) {
            value = k8sc__kl_field_ref(k, pod, k8sc__json_member(vf, "fieldRef"), message);
            rc = value ? 0 : K8SC_EINVAL;
        } else if (k8sc__json_member(vf, "resourceFieldRef")) {
            value = k8sc__kl_resource_ref(k, pod, container, k8sc__json_member(vf, "resourceFieldRef"), message);
            rc = value ? 0 : K8SC_EINVAL;
        } else if (k8sc__json_member(vf, "configMapKeyRef")) {
            rc = key_ref(&value, k, pod, k8sc__json_member(vf, "configMapKeyRef"), false, message);
            if (rc == 0 && !value)
                continue;
        } else if (k8sc__json_member(vf, "secretKeyRef")) {
            rc = key_ref(&value, k, pod, k8sc__json_member(vf, "secretKeyRef"), true, message);
            if (rc == 0 && !value)
                continue;
        }
        if (rc == 0 && value)
            json_object_object_add(env, name, json_object_new_string(value));
        free(value);
    }
    if (rc != 0) {
        json_object_put(env);
        return rc;
    }
    *out = env;
    return 0;
}
