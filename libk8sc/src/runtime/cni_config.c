/* CNI network configuration: finding, reading and validating the configuration directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni_internal.h"
#include "internal.h"

#define CONF_MAX (1024 * 1024)

/* The versions of the specification a configuration may declare. */
static const char *const versions[] = { "0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0" };

int k8sc__cni_init(k8sc__cni *c, const k8sc_runtime_options *opts, const char *root_dir)
{
    memset(c, 0, sizeof(*c));
    c->timeout_ms = K8SC__CNI_TIMEOUT_MS;
    if (opts->cni_conf_dir && !(c->conf_dir = k8sc__strdup(opts->cni_conf_dir)))
        return K8SC_ENOMEM;
    c->bin_dir = k8sc__strdup(opts->cni_bin_dir ? opts->cni_bin_dir : K8SC__CNI_DEFAULT_BIN_DIR);
    if (opts->cni_cache_dir) {
        c->cache_dir = k8sc__strdup(opts->cni_cache_dir);
    } else {
        k8sc__buf b = K8SC__BUF_INIT;
        k8sc__buf_printf(&b, "%s/cni", root_dir ? root_dir : "/var/lib/k8sc/runtime");
        c->cache_dir = k8sc__buf_status(&b) ? NULL : k8sc__buf_detach(&b, NULL);
        k8sc__buf_free(&b);
    }
    if (!c->bin_dir || !c->cache_dir) {
        k8sc__cni_fini(c);
        return K8SC_ENOMEM;
    }
    return 0;
}

void k8sc__cni_fini(k8sc__cni *c)
{
    free(c->conf_dir);
    free(c->bin_dir);
    free(c->cache_dir);
    memset(c, 0, sizeof(*c));
}

static bool valid_name(const char *s)
{
    /* libcni's network name pattern: ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$ */
    if (!s || !s[0] || s[0] == '_' || s[0] == '.' || s[0] == '-')
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '.' || *p == '-'))
            return false;
    return true;
}

static bool known_version(const char *v)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(versions); i++)
        if (strcmp(v, versions[i]) == 0)
            return true;
    return false;
}

static int invalid(const char *file, const char *what)
{
    return k8sc_error_set(K8SC_EINVAL, "invalid CNI configuration %s: %s", file, what);
}

static int check_plugin(json_object *p, size_t i, const char *file)
{
    char what[128];
    if (!json_object_is_type(p, json_type_object)) {
        snprintf(what, sizeof(what), "plugin %zu is not an object", i);
        return invalid(file, what);
    }
    const char *type = k8sc__json_string(p, "type");
    if (!type || !type[0]) {
        snprintf(what, sizeof(what), "plugin %zu has no \"type\"", i);
        return invalid(file, what);
    }
    /* The type names a program on the plugin path, never a path of its own. */
    if (strchr(type, '/') || strcmp(type, ".") == 0 || strcmp(type, "..") == 0) {
        snprintf(what, sizeof(what), "plugin %zu: invalid type \"%.64s\"", i, type);
        return invalid(file, what);
    }
    json_object *caps = k8sc__json_member(p, "capabilities");
    if (caps && !json_object_is_type(caps, json_type_object)) {
        snprintf(what, sizeof(what), "plugin %zu: \"capabilities\" must be an object", i);
        return invalid(file, what);
    }
    return 0;
}

int k8sc__cni_parse(json_object **out, const char *text, size_t len, const char *file, bool list)
{
    *out = NULL;
    if (strspn(text, " \t\r\n") >= len)
        return k8sc_error_set(K8SC_EINVAL, "invalid CNI configuration %s: not JSON (empty)", file);
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return K8SC_ENOMEM;
    json_object *conf = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (jerr != json_tokener_success || !conf) {
        json_object_put(conf);
        return k8sc_error_set(K8SC_EINVAL, "invalid CNI configuration %s: not JSON (%s)", file,
                              jerr == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(jerr));
    }
    int rc = 0;
    if (!json_object_is_type(conf, json_type_object)) {
        rc = invalid(file, "not a JSON object");
    } else if (!list) {
        if (!k8sc__json_member(conf, "type") && k8sc__json_member(conf, "plugins")) {
            rc = invalid(file, "no \"type\"; perhaps this is a .conflist?");
        } else if ((rc = check_plugin(conf, 0, file)) == 0) {
            /* A single plugin is a list of one, as libcni's ConfListFromConf makes it. */
            json_object *wrap = json_object_new_object();
            json_object *plugins = json_object_new_array();
            json_object *v;
            if (json_object_object_get_ex(conf, "cniVersion", &v))
                json_object_object_add(wrap, "cniVersion", json_object_get(v));
            if (json_object_object_get_ex(conf, "name", &v))
                json_object_object_add(wrap, "name", json_object_get(v));
            json_object_array_add(plugins, conf);
            json_object_object_add(wrap, "plugins", plugins);
            conf = wrap;
        }
    }
    if (rc == 0) {
        json_object *plugins = k8sc__json_member(conf, "plugins");
        const char *name = k8sc__json_string(conf, "name");
        const char *version = k8sc__json_string(conf, "cniVersion");
        if (!name)
            rc = invalid(file, "no \"name\"");
        else if (!valid_name(name))
            rc = invalid(file, "\"name\" must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$");
        else if (!version)
            rc = invalid(file, "no \"cniVersion\"");
        else if (!known_version(version))
            rc = k8sc_error_set(K8SC_EINVAL, "invalid CNI configuration %s: unsupported cniVersion \"%.32s\"", file,
                                version);
        else if (!plugins || !json_object_is_type(plugins, json_type_array))
            rc = invalid(file, "no \"plugins\" list");
        else if (json_object_array_length(plugins) == 0)
            rc = invalid(file, "no plugins in list");
        for (size_t i = 0; rc == 0 && i < json_object_array_length(plugins); i++)
            rc = check_plugin(json_object_array_get_idx(plugins, i), i, file);
    }
    if (rc != 0) {
        json_object_put(conf);
        return rc;
    }
    *out = conf;
    return 0;
}

static int conf_kind(const char *name)
{
    size_t n = strlen(name);
    if (name[0] == '.')
        return 0;
    if (n > 9 && strcmp(name + n - 9, ".conflist") == 0)
        return 2;
    if ((n > 5 && strcmp(name + n - 5, ".conf") == 0) || (n > 5 && strcmp(name + n - 5, ".json") == 0))
        return 1;
    return 0;
}

/* The lexically first configuration file in `dir` (caller frees), or NULL. */
static char *first_file(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char *best = NULL;
    for (struct dirent *de; (de = readdir(d));) {
        if (!conf_kind(de->d_name) || (best && strcmp(de->d_name, best) >= 0))
            continue;
        char *copy = k8sc__strdup(de->d_name);
        if (copy) {
            free(best);
            best = copy;
        }
    }
    closedir(d);
    return best;
}

static int read_file(char **out, size_t *len, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return k8sc_error_set(K8SC_EINVAL, "invalid CNI configuration %s: %s", path, strerror(errno));
    k8sc__buf b = K8SC__BUF_INIT;
    char chunk[8192];
    ssize_t got;
    int rc = 0;
    while (rc == 0 && (got = read(fd, chunk, sizeof(chunk))) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = k8sc_error_set(K8SC_EINVAL, "invalid CNI configuration %s: %s", path, strerror(errno));
        else if (b.len + (size_t)got > CONF_MAX)
            rc = k8sc_error_set(K8SC_EINVAL, "invalid CNI configuration %s: larger than %d bytes", path, CONF_MAX);
        else
            k8sc__buf_put(&b, chunk, (size_t)got);
    }
    close(fd);
    if (rc == 0 && k8sc__buf_status(&b))
        rc = K8SC_ENOMEM;
    if (rc == 0)
        *out = k8sc__buf_detach(&b, len);
    k8sc__buf_free(&b);
    return rc;
}

int k8sc__cni_load(json_object **out, const char *conf_dir)
{
    *out = NULL;
    char *name = first_file(conf_dir);
    if (!name)
        return k8sc_error_set(K8SC_ENOTFOUND, "no networks found in %s", conf_dir);
    k8sc__buf path = K8SC__BUF_INIT;
    k8sc__buf_printf(&path, "%s/%s", conf_dir, name);
    int rc = k8sc__buf_status(&path);
    char *text = NULL;
    size_t len = 0;
    if (rc == 0)
        rc = read_file(&text, &len, path.ptr);
    if (rc == 0)
        rc = k8sc__cni_parse(out, text, len, path.ptr, conf_kind(name) == 2);
    free(text);
    free(name);
    k8sc__buf_free(&path);
    return rc;
}

int k8sc__cni_status(const char *conf_dir)
{
    json_object *conf = NULL;
    int rc = k8sc__cni_load(&conf, conf_dir);
    json_object_put(conf);
    if (rc == K8SC_ENOMEM)
        return rc;
    if (rc == 0)
        return 0;
    char why[512];
    snprintf(why, sizeof(why), "%s", k8sc_error_last());
    return k8sc_error_set(K8SC_EUNAVAILABLE, "cni plugin not initialized: %s", why);
}
