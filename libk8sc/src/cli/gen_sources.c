/* --from-literal, --from-file and --from-env-file of create configmap / secret, as kubectl reads them. */
#include "generate_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    k8sc__cli *cli;
    struct json_object *data;
    bool base64;
    const char *name;
} sink;

/* Go's text for errno: strerror's, lowercased as the syscall package spells it. */
static const char *go_strerror(int err)
{
    static _Thread_local char buf[128];
    snprintf(buf, sizeof(buf), "%s", strerror(err));
    if (buf[0] >= 'A' && buf[0] <= 'Z')
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}

static bool key_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '-' || ch == '_' || ch == '.';
}

/* IsConfigMapKey's message, or NULL when `key` is valid. */
static const char *bad_key(const char *key)
{
    if (!*key)
        return "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  "
               "or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
    for (const char *p = key; *p; p++)
        if (!key_char(*p))
            return bad_key("");
    if (strcmp(key, ".") == 0)
        return "must not be '.'";
    if (strcmp(key, "..") == 0)
        return "must not be '..'";
    if (strncmp(key, "..", 2) == 0)
        return "must not start with '..'";
    return NULL;
}

static int add(sink *s, const char *key, const char *value, size_t len)
{
    const char *why = bad_key(key);
    if (why)
        return k8sc__cli_fail(s->cli, "\"%s\" is not a valid key name for a %s: %s", key,
            s->base64 ? "Secret" : "ConfigMap", why);
    if (json_object_object_get_ex(s->data, key, NULL) && s->base64)
        return k8sc__cli_fail(s->cli, "cannot add key %s, another key by that name already exists", key);
    if (json_object_object_get_ex(s->data, key, NULL))
        return k8sc__cli_fail(s->cli, "cannot add key \"%s\", another key by that name already exists in Data for "
                                      "ConfigMap \"%s\"", key, s->name);
    struct json_object *v;
    if (s->base64) {
        k8sc__buf b = K8SC__BUF_INIT;
        k8sc__base64_encode(&b, value, len, 0);
        v = json_object_new_string_len(b.ptr ? b.ptr : "", (int)b.len);
        k8sc__buf_free(&b);
    } else {
        v = json_object_new_string_len(value, (int)len);
    }
    k8sc__jset(s->data, key, v);
    return 0;
}

static int literal(sink *s, const char *src)
{
    const char *eq = strchr(src, '=');
    if (!eq || eq == src)
        return k8sc__cli_fail(s->cli, "invalid literal source %s, expected key=value", src);
    char key[512];
    snprintf(key, sizeof(key), "%.*s", (int)(eq - src), src);
    return add(s, key, eq + 1, strlen(eq + 1));
}

static int file_key(sink *s, const char *key, const char *path)
{
    size_t len = 0;
    char *text = NULL;
    if (k8sc__read_file(&text, &len, path, 0) != 0)
        return k8sc__cli_fail(s->cli, "error reading %s: %s", path, go_strerror(errno));
    int rc = add(s, key, text, len);
    free(text);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file directly in `dir`, in name order, keyed by its name. */
static int directory(sink *s, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return k8sc__cli_fail(s->cli, "error listing files in %s: %s", dir, go_strerror(errno));
    char *names[1024];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < K8SC__ARRAY_LEN(names))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            names[n++] = k8sc__strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof(char *), cmp_names);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i] ? names[i] : "");
        if (!rc && names[i] && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            rc = file_key(s, names[i], path);
        free(names[i]);
    }
    return rc;
}

static int from_file(sink *s, const char *src)
{
    const char *eq = strchr(src, '=');
    if (eq) {
        char key[512];
        snprintf(key, sizeof(key), "%.*s", (int)(eq - src), src);
        if (!*key || !eq[1])
            return k8sc__cli_fail(s->cli, "key names or file paths cannot be empty");
        struct stat st;
        if (stat(eq + 1, &st) == 0 && S_ISDIR(st.st_mode))
            return k8sc__cli_fail(s->cli, "cannot give a key name for a directory path");
        return file_key(s, key, eq + 1);
    }
    struct stat st;
    if (stat(src, &st) != 0)
        return k8sc__cli_fail(s->cli, "error reading %s: %s", src, go_strerror(errno));
    if (S_ISDIR(st.st_mode))
        return directory(s, src);
    const char *base = strrchr(src, '/');
    return file_key(s, base ? base + 1 : src, src);
}

/* IsEnvVarName: [-._a-zA-Z][-._a-zA-Z0-9]*. */
static bool env_name(const char *key)
{
    if (!*key || isdigit((unsigned char)*key))
        return false;
    for (const char *p = key; *p; p++)
        if (!key_char(*p))
            return false;
    return true;
}

static int env_line(sink *s, char *line)
{
    while (isspace((unsigned char)*line))
        line++;
    if (!*line || *line == '#')
        return 0;
    char *eq = strchr(line, '=');
    if (eq)
        *eq = '\0';
    if (!env_name(line))
        return k8sc__cli_fail(s->cli, "\"%s\" is not a valid key name: a valid environment variable name must "
                                      "consist of alphabetic characters, digits, '_', '-', or '.', and must not start "
                                      "with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex "
                                      "used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')", line);
    const char *value = eq ? eq + 1 : getenv(line);
    if (!value)
        value = "";
    return add(s, line, value, strlen(value));
}

static int env_file(sink *s, const char *path)
{
    size_t len = 0;
    char *text = NULL;
    if (k8sc__read_file(&text, &len, path, 0) != 0)
        return k8sc__cli_fail(s->cli, "error reading %s: %s", path, go_strerror(errno));
    int rc = 0;
    char *p = text;
    if (strncmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (!rc && p && *p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        size_t l = strlen(p);
        if (l && p[l - 1] == '\r')
            p[l - 1] = '\0';
        rc = env_line(s, p);
        p = nl ? nl + 1 : NULL;
    }
    free(text);
    return rc;
}

int k8sc__cli_data_sources(k8sc__cli *cli, struct json_object *data, const char *name, bool base64,
    const k8sc__cli_multi *literal_,
    const k8sc__cli_multi *file, const k8sc__cli_multi *env)
{
    if (env->n && (file->n || literal_->n))
        return k8sc__cli_fail(cli, "from-env-file cannot be combined with from-file or from-literal");
    sink s = { cli, data, base64, name };
    for (size_t i = 0; i < file->n; i++)
        if (from_file(&s, file->values[i]))
            return 1;
    for (size_t i = 0; i < literal_->n; i++)
        if (literal(&s, literal_->values[i]))
            return 1;
    for (size_t i = 0; i < env->n; i++)
        if (env_file(&s, env->values[i]))
            return 1;
    return 0;
}
