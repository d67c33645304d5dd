/*
 * kubeconfig files: parsing with field checks, merging several files as
 * kubectl does (first file wins per entry), and resolving a context into
 * a k8sc_client_config.
 */
#include "client_internal.h"

#include "k8sc/codec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct k8sc_kubeconfig {
    struct json_object *root; /* merged Config */
    const char *current;      /* borrowed from root */
};

static const char *const TOP_FIELDS[] = { "apiVersion", "kind", "preferences", "clusters", "users", "contexts",
    "current-context", "extensions", NULL };
static const char *const CLUSTER_FIELDS[] = { "server", "tls-server-name", "insecure-skip-tls-verify",
    "certificate-authority", "certificate-authority-data", "proxy-url", "disable-compression", "extensions", NULL };
static const char *const USER_FIELDS[] = { "client-certificate", "client-certificate-data", "client-key",
    "client-key-data", "token", "tokenFile", "as", "as-uid", "as-groups", "as-user-extra", "username", "password",
    "auth-provider", "exec", "extensions", NULL };
static const char *const CONTEXT_FIELDS[] = { "cluster", "user", "namespace", "extensions", NULL };
static const char *const BOOL_FIELDS[] = { "insecure-skip-tls-verify", "disable-compression", "colors",
    "provideClusterInfo", NULL };
/* Fields whose values are maps or lists (checked where they are read). */
static const char *const STRUCTURED_FIELDS[] = { "extensions", "exec", "auth-provider", "args", "env", "as-groups",
    "as-user-extra", "preferences", "config", "clusters", "users", "contexts", "cluster", "user", "context", NULL };
static const char *const PREFERENCE_FIELDS[] = { "colors", "extensions", NULL };
static const char *const EXEC_FIELDS[] = { "command", "args", "env", "apiVersion", "installHint",
    "provideClusterInfo", "interactiveMode", "config", NULL };

/* The three named lists: list key, entry key, allowed fields, fields naming files. */
static const struct {
    const char *list;
    const char *item;
    const char *const *fields;
} LISTS[] = {
    { "clusters", "cluster", CLUSTER_FIELDS },
    { "users", "user", USER_FIELDS },
    { "contexts", "context", CONTEXT_FIELDS },
};

static const char *const PATH_FIELDS[] = { "certificate-authority", "client-certificate", "client-key", "tokenFile", NULL };

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

static int load_error(const char *file, const char *fmt, ...) K8SC_PRINTF(2, 3);

static int load_error(const char *file, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return k8sc_error_set(K8SC_EINVAL, "error loading config file \"%s\": %s", file, msg);
}

/*
 * Check the fields of `obj` (at `where`, "" for the top level): an unknown
 * one is an error naming it — stricter than kubectl, which drops them
 * silently, so that a typo such as "sever" does not pass unnoticed.
 */
static int check_fields(const char *file, const char *where, struct json_object *obj, const char *const *fields)
{
    const char *dot = *where ? "." : "";
    json_object_object_foreach(obj, key, val) {
        if (!in_list(fields, key))
            return load_error(file, "unknown field \"%s%s%s\"", where, dot, key);
        bool is_bool = in_list(BOOL_FIELDS, key);
        bool is_str = !is_bool && !in_list(STRUCTURED_FIELDS, key);
        if (!val)
            continue;
        if (is_bool && !json_object_is_type(val, json_type_boolean))
            return load_error(file, "%s%s%s: expected a boolean", where, dot, key);
        if (is_str && !json_object_is_type(val, json_type_string))
            return load_error(file, "%s%s%s: expected a string", where, dot, key);
    }
    return 0;
}

/* Make a relative path absolute against the directory of `file`. */
static int resolve_path(struct json_object *obj, const char *key, const char *dir)
{
    struct json_object *v = NULL;
    if (!dir || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return 0;
    const char *p = json_object_get_string(v);
    if (!*p || p[0] == '/')
        return 0;
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_printf(&b, "%s/%s", dir, p);
    if (k8sc__buf_status(&b))
        return K8SC_ENOMEM;
    json_object_object_add(obj, key, json_object_new_string(b.ptr));
    k8sc__buf_free(&b);
    return 0;
}

static int check_exec(const char *file, const char *where, struct json_object *exec, const char *dir)
{
    char w[256];
    snprintf(w, sizeof(w), "%s.exec", where);
    if (!json_object_is_type(exec, json_type_object))
        return load_error(file, "%s: expected a map", w);
    int rc = check_fields(file, w, exec, EXEC_FIELDS);
    if (rc)
        return rc;
    struct json_object *v;
    if (!json_object_object_get_ex(exec, "command", &v) || !json_object_is_type(v, json_type_string) ||
        !*json_object_get_string(v))
        return load_error(file, "%s.command: Required value", w);
    if (strchr(json_object_get_string(v), '/') && (rc = resolve_path(exec, "command", dir)))
        return rc;
    if (json_object_object_get_ex(exec, "args", &v) && v) {
        if (!json_object_is_type(v, json_type_array))
            return load_error(file, "%s.args: expected a list of strings", w);
        for (size_t i = 0; i < json_object_array_length(v); i++)
            if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
                return load_error(file, "%s.args[%zu]: expected a string", w, i);
    }
    if (json_object_object_get_ex(exec, "env", &v) && v) {
        if (!json_object_is_type(v, json_type_array))
            return load_error(file, "%s.env: expected a list", w);
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            struct json_object *e = json_object_array_get_idx(v, i), *n, *val;
            if (!json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, "name", &n) ||
                !json_object_is_type(n, json_type_string) || !json_object_object_get_ex(e, "value", &val) ||
                !json_object_is_type(val, json_type_string))
                return load_error(file, "%s.env[%zu]: expected {name, value} strings", w, i);
        }
    }
    return 0;
}

/* Check one file's tree in place and make its paths absolute. */
static int check_config(const char *file, struct json_object *root, const char *dir)
{
    int rc = check_fields(file, "", root, TOP_FIELDS);
    if (rc)
        return rc;
    struct json_object *v;
    if (json_object_object_get_ex(root, "preferences", &v) && v) {
        if (!json_object_is_type(v, json_type_object))
            return load_error(file, "preferences: expected a map");
        if ((rc = check_fields(file, "preferences", v, PREFERENCE_FIELDS)))
            return rc;
    }
    if (json_object_object_get_ex(root, "current-context", &v) && v && !json_object_is_type(v, json_type_string))
        return load_error(file, "current-context: expected a string");
    for (size_t l = 0; l < K8SC__ARRAY_LEN(LISTS); l++) {
        struct json_object *list;
        if (!json_object_object_get_ex(root, LISTS[l].list, &list) || !list)
            continue;
        if (!json_object_is_type(list, json_type_array))
            return load_error(file, "%s: expected a list", LISTS[l].list);
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            struct json_object *e = json_object_array_get_idx(list, i), *name, *item;
            char where[128];
            snprintf(where, sizeof(where), "%s[%zu]", LISTS[l].list, i);
            if (!json_object_is_type(e, json_type_object))
                return load_error(file, "%s: expected a map", where);
            if (!json_object_object_get_ex(e, "name", &name) || !json_object_is_type(name, json_type_string) ||
                !*json_object_get_string(name))
                return load_error(file, "%s.name: Required value", where);
            const char *const entry_fields[] = { "name", LISTS[l].item, NULL };
            if ((rc = check_fields(file, where, e, entry_fields)))
                return rc;
            if (!json_object_object_get_ex(e, LISTS[l].item, &item) || !item)
                continue;
            char w2[192];
            snprintf(w2, sizeof(w2), "%s.%s", where, LISTS[l].item);
            if (!json_object_is_type(item, json_type_object))
                return load_error(file, "%s: expected a map", w2);
            if ((rc = check_fields(file, w2, item, LISTS[l].fields)))
                return rc;
            for (size_t p = 0; PATH_FIELDS[p]; p++)
                if ((rc = resolve_path(item, PATH_FIELDS[p], dir)))
                    return rc;
            struct json_object *exec;
            if (json_object_object_get_ex(item, "exec", &exec) && exec && (rc = check_exec(file, w2, exec, dir)))
                return rc;
        }
    }
    return 0;
}

static int kc_new(k8sc_kubeconfig **out)
{
    k8sc_kubeconfig *kc = k8sc__calloc(1, sizeof(*kc));
    if (!kc)
        return K8SC_ENOMEM;
    kc->root = json_object_new_object();
    json_object_object_add(kc->root, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(kc->root, "kind", json_object_new_string("Config"));
    json_object_object_add(kc->root, "preferences", json_object_new_object());
    for (size_t l = 0; l < K8SC__ARRAY_LEN(LISTS); l++)
        json_object_object_add(kc->root, LISTS[l].list, json_object_new_array());
    *out = kc;
    return 0;
}

static struct json_object *find_named(struct json_object *list, const char *name)
{
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        struct json_object *e = json_object_array_get_idx(list, i), *n;
        if (json_object_object_get_ex(e, "name", &n) && strcmp(json_object_get_string(n), name) == 0)
            return e;
    }
    return NULL;
}

/* Merge a checked file into `kc`: entries already present win. */
static void merge(k8sc_kubeconfig *kc, struct json_object *root)
{
    struct json_object *v;
    for (size_t l = 0; l < K8SC__ARRAY_LEN(LISTS); l++) {
        struct json_object *dst, *src;
        json_object_object_get_ex(kc->root, LISTS[l].list, &dst);
        if (!json_object_object_get_ex(root, LISTS[l].list, &src) || !src)
            continue;
        for (size_t i = 0; i < json_object_array_length(src); i++) {
            struct json_object *e = json_object_array_get_idx(src, i), *n;
            json_object_object_get_ex(e, "name", &n);
            if (!find_named(dst, json_object_get_string(n)))
                json_object_array_add(dst, json_object_get(e));
        }
    }
    if (!kc->current && json_object_object_get_ex(root, "current-context", &v) && v &&
        *json_object_get_string(v)) {
        json_object_object_add(kc->root, "current-context", json_object_get(v));
        kc->current = json_object_get_string(v);
    }
    struct json_object *prefs;
    json_object_object_get_ex(kc->root, "preferences", &prefs);
    if (json_object_object_length(prefs) == 0 && json_object_object_get_ex(root, "preferences", &v) &&
        json_object_is_type(v, json_type_object))
        json_object_object_add(kc->root, "preferences", json_object_get(v));
}

static int parse_into(k8sc_kubeconfig *kc, const char *buf, size_t len, const char *name)
{
    struct json_object *root = NULL;
    const char *file = name ? name : "<memory>";
    /* JSON is read as JSON: YAML would refuse its keys longer than 1024 bytes. */
    size_t lead = 0;
    while (lead < len && (buf[lead] == ' ' || buf[lead] == '\t' || buf[lead] == '\r' || buf[lead] == '\n'))
        lead++;
    int prc = lead < len && buf[lead] == '{' ? k8sc_json_parse(&root, buf, len) : k8sc_yaml_parse(&root, buf, len);
    if (prc != 0)
        return load_error(file, "%s", k8sc_error_last());
    if (!root)
        return 0;
    if (!json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return load_error(file, "expected a map at the top level");
    }
    char *dir = NULL;
    if (name) {
        const char *slash = strrchr(name, '/');
        dir = slash ? k8sc__strndup(name, slash == name ? 1 : (size_t)(slash - name)) : NULL;
    }
    int rc = check_config(file, root, dir);
    free(dir);
    if (rc == 0)
        merge(kc, root);
    json_object_put(root);
    return rc;
}

int k8sc_kubeconfig_parse(k8sc_kubeconfig **out, const char *buf, size_t len, const char *name)
{
    K8SC__CHECK_ARG(out && (buf || len == 0));
    *out = NULL;
    k8sc_kubeconfig *kc;
    int rc = kc_new(&kc);
    if (rc)
        return rc;
    if ((rc = parse_into(kc, buf ? buf : "", len, name))) {
        k8sc_kubeconfig_free(kc);
        return rc;
    }
    *out = kc;
    return 0;
}

static int load_file(k8sc_kubeconfig *kc, const char *path, bool skip_missing)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT && skip_missing)
            return 0;
        return k8sc_error_set(errno == ENOENT ? K8SC_ENOTFOUND : K8SC_EIO, "stat %s: %s", path, strerror(errno));
    }
    char *buf;
    size_t len;
    int rc = k8sc__read_file(&buf, &len, path, 0);
    if (rc)
        return load_error(path, "%s", k8sc_error_last());
    rc = parse_into(kc, buf, len, path);
    free(buf);
    return rc;
}

int k8sc_kubeconfig_load(k8sc_kubeconfig **out, const char *paths)
{
    K8SC__CHECK_ARG(out);
    *out = NULL;
    bool skip_missing = false;
    char *list = NULL;
    if (!paths) {
        const char *env = getenv("KUBECONFIG");
        if (env && *env) {
            paths = env;
            skip_missing = true;
        } else {
            const char *home = getenv("HOME");
            k8sc__buf b = K8SC__BUF_INIT;
            k8sc__buf_printf(&b, "%s/.kube/config", home ? home : "");
            if (k8sc__buf_status(&b))
                return K8SC_ENOMEM;
            list = k8sc__buf_detach(&b, NULL);
            skip_missing = true;
        }
    }
    if (!list && !(list = k8sc__strdup(paths)))
        return K8SC_ENOMEM;
    k8sc_kubeconfig *kc;
    int rc = kc_new(&kc);
    char *save = NULL;
    for (char *p = rc ? NULL : strtok_r(list, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
        /* A file named twice is read once, as kubectl deduplicates the list. */
        bool seen = false;
        for (char *q = list; q < p; q += strlen(q) + 1)
            if (*q && strcmp(q, p) == 0)
                seen = true;
        if (!seen && (rc = load_file(kc, p, skip_missing)))
            break;
    }
    free(list);
    if (rc) {
        k8sc_kubeconfig_free(kc);
        return rc;
    }
    *out = kc;
    return 0;
}

const char *k8sc_kubeconfig_current_context(const k8sc_kubeconfig *kc)
{
    return kc ? kc->current : NULL;
}

struct json_object *k8sc_kubeconfig_json(const k8sc_kubeconfig *kc)
{
    return kc ? kc->root : NULL;
}

void k8sc_kubeconfig_free(k8sc_kubeconfig *kc)
{
    if (!kc)
        return;
    json_object_put(kc->root);
    free(kc);
}

int k8sc_kubeconfig_overrides_init(k8sc_kubeconfig_overrides *ov, unsigned int version)
{
    K8SC__CHECK_ARG(ov && version == K8SC_KUBECONFIG_OVERRIDES_VERSION);
    *ov = (k8sc_kubeconfig_overrides)K8SC_KUBECONFIG_OVERRIDES_INIT;
    return 0;
}

/* ---- resolving a context -------------------------------------------------- */

static const char *str_field(struct json_object *obj, const char *key)
{
    struct json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    const char *s = json_object_get_string(v);
    return *s ? s : NULL;
}

/* Standard base64, as Go decodes []byte JSON fields: padding required, CR and LF skipped. */
static int b64_decode(char **out, const char *in, const char *what)
{
    size_t bad = 0;
    int rc = k8sc__base64_decode(out, NULL, in, strlen(in), &bad);
    if (rc == K8SC_EINVAL)
        return k8sc_error_set(K8SC_EINVAL, "%s: illegal base64 data at input byte %zu", what, bad);
    return rc;
}

/* Data (base64) wins over a file, as client-go does. */
static int data_or_file(char **out, struct json_object *obj, const char *data_key, const char *file_key, const char *where)
{
    *out = NULL;
    const char *data = str_field(obj, data_key), *file = str_field(obj, file_key);
    char what[256];
    if (data) {
        snprintf(what, sizeof(what), "%s: %s", where, data_key);
        return b64_decode(out, data, what);
    }
    if (file) {
        int rc = k8sc__read_file(out, NULL, file, 0);
        if (rc)
            return k8sc_error_set(rc, "%s: unable to read %s %s: %s", where, file_key, file, k8sc_error_last());
    }
    return 0;
}

static char **string_array(struct json_object *arr, bool env)
{
    size_t n = arr ? json_object_array_length(arr) : 0;
    char **v = k8sc__calloc(n + 1, sizeof(char *));
    for (size_t i = 0; v && i < n; i++) {
        struct json_object *e = json_object_array_get_idx(arr, i), *name, *val;
        if (env) {
            json_object_object_get_ex(e, "name", &name);
            json_object_object_get_ex(e, "value", &val);
            k8sc__buf b = K8SC__BUF_INIT;
            k8sc__buf_printf(&b, "%s=%s", json_object_get_string(name), json_object_get_string(val));
            v[i] = k8sc__buf_detach(&b, NULL);
        } else {
            v[i] = k8sc__strdup(json_object_get_string(e));
        }
    }
    return v;
}

static int exec_from_json(k8sc__exec_plugin **out, struct json_object *exec, const char *user)
{
    const char *api = str_field(exec, "apiVersion");
    if (!api)
        return k8sc_error_set(K8SC_EINVAL, "user \"%s\": exec plugin: apiVersion: Required value", user);
    if (strcmp(api, "client.authentication.k8s.io/v1") != 0 && strcmp(api, "client.authentication.k8s.io/v1beta1") != 0)
        return k8sc_error_set(K8SC_EINVAL, "exec plugin: invalid apiVersion \"%s\"", api);
    const char *mode = str_field(exec, "interactiveMode");
    if (strcmp(api, "client.authentication.k8s.io/v1") == 0 && !mode)
        return k8sc_error_set(K8SC_EINVAL, "interactiveMode must be specified for %s to use exec authentication plugin", user);
    if (mode && strcmp(mode, "Never") != 0 && strcmp(mode, "IfAvailable") != 0 && strcmp(mode, "Always") != 0)
        return k8sc_error_set(K8SC_EINVAL, "invalid interactiveMode: %s", mode);
    if (mode && strcmp(mode, "Always") == 0)
        return k8sc_error_set(K8SC_EINVAL, "exec plugin cannot support interactive mode: standard input is not a terminal");
    k8sc__exec_plugin *p = k8sc__calloc(1, sizeof(*p));
    if (!p)
        return K8SC_ENOMEM;
    struct json_object *args = NULL, *env = NULL, *pci = NULL;
    json_object_object_get_ex(exec, "args", &args);
    json_object_object_get_ex(exec, "env", &env);
    p->command = k8sc__strdup(str_field(exec, "command"));
    p->api_version = k8sc__strdup(api);
    p->args = string_array(args, false);
    p->env = string_array(env, true);
    p->provide_cluster_info = json_object_object_get_ex(exec, "provideClusterInfo", &pci) && json_object_get_boolean(pci);
    if (!p->command || !p->api_version || !p->args || !p->env) {
        k8sc__exec_plugin_free(p);
        return K8SC_ENOMEM;
    }
    *out = p;
    return 0;
}

static struct json_object *find_item(const k8sc_kubeconfig *kc, size_t l, const char *name)
{
    struct json_object *list, *e, *item;
    json_object_object_get_ex(kc->root, LISTS[l].list, &list);
    e = find_named(list, name);
    if (!e)
        return NULL;
    if (!json_object_object_get_ex(e, LISTS[l].item, &item) || !item)
        return e; /* named but empty: the entry has no fields we read */
    return item;
}

/* client-go's defaultServerUrlFor: https only when TLS is configured, else http. */
static bool has_tls(struct json_object *cluster, struct json_object *user)
{
    struct json_object *v;
    return str_field(cluster, "certificate-authority") || str_field(cluster, "certificate-authority-data") ||
        str_field(user, "client-certificate") || str_field(user, "client-certificate-data") ||
        (cluster && json_object_object_get_ex(cluster, "insecure-skip-tls-verify", &v) && json_object_get_boolean(v));
}

static int fill_config(k8sc_client_config *cfg, const k8sc_kubeconfig *kc, const k8sc_kubeconfig_overrides *ov)
{
    const char *ctx_name = ov && ov->context && *ov->context ? ov->context : kc->current;
    struct json_object *ctx = NULL, *cluster = NULL, *user = NULL, *v;
    if (ctx_name) {
        ctx = find_item(kc, 2, ctx_name);
        if (!ctx)
            return k8sc_error_set(K8SC_EINVAL, "context \"%s\" does not exist", ctx_name);
    }
    const char *cluster_name = ov && ov->cluster && *ov->cluster ? ov->cluster : str_field(ctx, "cluster");
    const char *user_name = ov && ov->user && *ov->user ? ov->user : str_field(ctx, "user");
    if (cluster_name && !(cluster = find_item(kc, 0, cluster_name)))
        return k8sc_error_set(K8SC_EINVAL, "cluster \"%s\" does not exist", cluster_name);
    if (user_name && !(user = find_item(kc, 1, user_name)))
        return k8sc_error_set(K8SC_EINVAL, "user \"%s\" does not exist", user_name);
    const char *server = ov && ov->server && *ov->server ? ov->server : str_field(cluster, "server");
    if (!server) {
        if (!ctx_name && !cluster_name)
            return k8sc_error_set(K8SC_EINVAL, "invalid configuration: no configuration has been provided, try "
                "setting KUBERNETES_MASTER environment variable");
        return k8sc_error_set(K8SC_EINVAL, "invalid configuration: cluster has no server defined");
    }
    const char *ns = ov && ov->namespace_ && *ov->namespace_ ? ov->namespace_ : str_field(ctx, "namespace");
    k8sc__buf url = K8SC__BUF_INIT;
    if (!strstr(server, "://"))
        k8sc__buf_puts(&url, has_tls(cluster, user) ? "https://" : "http://");
    k8sc__buf_puts(&url, server);
    /* A trailing slash would double up with the paths we append. */
    while (url.len > 0 && url.ptr[url.len - 1] == '/')
        url.ptr[--url.len] = '\0';
    if (k8sc__buf_status(&url))
        return K8SC_ENOMEM;
    cfg->server = k8sc__buf_detach(&url, NULL);
    cfg->namespace_ = k8sc__strdup(ns ? ns : "default");
    const char *s;
    if ((s = str_field(cluster, "tls-server-name")))
        cfg->tls_server_name = k8sc__strdup(s);
    if ((s = str_field(cluster, "proxy-url")))
        cfg->proxy_url = k8sc__strdup(s);
    cfg->insecure = cluster && json_object_object_get_ex(cluster, "insecure-skip-tls-verify", &v) && json_object_get_boolean(v);
    char where[300];
    snprintf(where, sizeof(where), "cluster \"%s\"", cluster_name ? cluster_name : "");
    int rc = data_or_file(&cfg->ca, cluster, "certificate-authority-data", "certificate-authority", where);
    if (rc)
        return rc;
    if (cfg->insecure && cfg->ca)
        return k8sc_error_set(K8SC_EINVAL, "invalid configuration: specifying a root certificates file with the "
            "insecure flag is not allowed");
    if (!user)
        return 0;
    snprintf(where, sizeof(where), "user \"%s\"", user_name);
    if ((rc = data_or_file(&cfg->cert, user, "client-certificate-data", "client-certificate", where)) ||
        (rc = data_or_file(&cfg->key, user, "client-key-data", "client-key", where)))
        return rc;
    if (cfg->cert && !cfg->key)
        return k8sc_error_set(K8SC_EINVAL, "invalid configuration: client-key-data or client-key must be specified "
            "for %s to use the clientCert authentication method", user_name);
    if (cfg->key && !cfg->cert)
        return k8sc_error_set(K8SC_EINVAL, "invalid configuration: client-cert-data or client-cert must be "
            "specified for %s to use the clientCert authentication method", user_name);
    if ((s = str_field(user, "token")))
        cfg->token = k8sc__strdup(s);
    else if ((s = str_field(user, "tokenFile")))
        cfg->token_file = k8sc__strdup(s);
    if ((s = str_field(user, "username")))
        cfg->username = k8sc__strdup(s);
    if ((s = str_field(user, "password")))
        cfg->password = k8sc__strdup(s);
    if (json_object_object_get_ex(user, "auth-provider", &v) && v)
        return k8sc_error_set(K8SC_EINVAL, "user \"%s\": auth-provider plugins are not supported; use an exec plugin",
            user_name);
    if (json_object_object_get_ex(user, "exec", &v) && v && (rc = exec_from_json(&cfg->exec, v, user_name)))
        return rc;
    return 0;
}

int k8sc_client_config_from_kubeconfig(k8sc_client_config **out, const k8sc_kubeconfig *kc,
    const k8sc_kubeconfig_overrides *ov)
{
    K8SC__CHECK_ARG(out && kc);
    *out = NULL;
    k8sc_client_config *cfg = k8sc__client_config_alloc();
    if (!cfg)
        return K8SC_ENOMEM;
    int rc = fill_config(cfg, kc, ov);
    if (rc == 0 && (!cfg->server || !cfg->namespace_))
        rc = k8sc__error_nomem();
    if (rc) {
        k8sc_client_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}
