/* What every k8sctl verb shares: flag parsing as pflag's, kubectl's error lines, the client, manifests. */
#include "cli_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int bad_flag(k8sc__cli *cli, const char *verb, const char *flag)
{
    fprintf(cli->err, "error: unknown flag: %s\nSee 'k8sctl %s --help' for usage.\n", flag, verb);
    return 1;
}

static int set_value(k8sc__cli *cli, const char *verb, const k8sc__cli_flag *f, const char *text, bool attached)
{
    if (f->kind == K8SC__FLAG_STRING) {
        *(const char **)f->value = text;
        return 0;
    }
    if (f->kind == K8SC__FLAG_BOOL) {
        if (!attached || strcmp(text, "true") == 0) {
            *(bool *)f->value = true;
            return 0;
        }
        if (strcmp(text, "false") == 0) {
            *(bool *)f->value = false;
            return 0;
        }
        fprintf(cli->err, "k8sctl: --%s takes true or false, not \"%s\"\n", f->name, text);
        return 2;
    }
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (!*text || *end || errno) {
        fprintf(cli->err, "Error: invalid argument \"%s\" for \"--%s\" flag: strconv.ParseInt: parsing \"%s\": "
                          "%s\nSee 'k8sctl %s --help' for usage.\n", text, f->name, text,
            errno ? "value out of range" : "invalid syntax", verb);
        return 1;
    }
    *(int64_t *)f->value = v;
    return 0;
}

/* Match argv[*i] against `flags`; 0 and *found when it is one, else the exit status. */
static int parse_one(k8sc__cli *cli, const char *verb, const k8sc__cli_flag *flags, int argc, char **argv, int *i,
    bool *found)
{
    const char *a = argv[*i];
    bool is_long = a[1] == '-';
    const char *name = a + (is_long ? 2 : 1);
    *found = false;
    for (const k8sc__cli_flag *f = flags; f->name; f++) {
        const char *attached = NULL;
        if (is_long) {
            size_t n = strlen(f->name);
            if (strncmp(name, f->name, n) != 0 || (name[n] && name[n] != '='))
                continue;
            attached = name[n] ? name + n + 1 : NULL;
        } else {
            if (!f->shorthand || name[0] != f->shorthand[0])
                continue;
            if (name[1])
                attached = name[1] == '=' ? name + 2 : name + 1;
            if (f->kind == K8SC__FLAG_BOOL && name[1] && name[1] != '=')
                continue;
        }
        *found = true;
        if (attached || f->kind == K8SC__FLAG_BOOL)
            return set_value(cli, verb, f, attached ? attached : "", attached != NULL);
        if (*i + 1 >= argc) {
            fprintf(cli->err, "k8sctl: %s needs a value\n", a);
            return 2;
        }
        return set_value(cli, verb, f, argv[++*i], true);
    }
    return 0;
}

int k8sc__cli_parse(k8sc__cli *cli, const char *verb, const k8sc__cli_flag *flags, int argc, char **argv,
    char **args, int *nargs)
{
    bool flags_done = false;
    if (nargs)
        *nargs = 0;
    for (int i = 0; i < argc; i++) {
        if (!flags_done && strcmp(argv[i], "--") == 0) {
            flags_done = true;
            continue;
        }
        if (!flags_done && argv[i][0] == '-' && argv[i][1]) {
            bool found = false;
            int rc = parse_one(cli, verb, flags, argc, argv, &i, &found);
            if (rc)
                return rc;
            if (!found)
                return bad_flag(cli, verb, argv[i]);
            continue;
        }
        if (!args)
            return bad_flag(cli, verb, argv[i]);
        if (*nargs >= K8SC__CLI_MAX_ARGS)
            return k8sc__cli_fail(cli, "too many arguments (at most %d)", K8SC__CLI_MAX_ARGS);
        args[(*nargs)++] = argv[i];
    }
    return 0;
}

/* kubectl's message for an Invalid Status: the object and the causes, one per line when several. */
static void report_invalid(k8sc__cli *cli, const k8sc_object *st, const char *context)
{
    struct json_object *details = k8sc_object_get(st, "details");
    struct json_object *causes = details ? json_object_object_get(details, "causes") : NULL;
    const char *kind = k8sc_object_get_string(st, "details.kind"), *name = k8sc_object_get_string(st, "details.name");
    if (!details) {
        fprintf(cli->err, "The request is invalid: %s%s\n", context ? context : "", k8sc_error_last());
        return;
    }
    if ((kind && *kind) || (name && *name))
        fprintf(cli->err, "The %s \"%s\" is invalid", kind ? kind : "", name ? name : "");
    else
        fputs("The request is invalid", cli->err);
    size_t n = json_object_is_type(causes, json_type_array) ? json_object_array_length(causes) : 0;
    if (n > 1)
        fputs(": \n", cli->err);
    for (size_t i = 0; i < n; i++) {
        struct json_object *c = json_object_array_get_idx(causes, i);
        const char *field = json_object_get_string(json_object_object_get(c, "field"));
        const char *msg = json_object_get_string(json_object_object_get(c, "message"));
        fprintf(cli->err, "%s%s: %s\n", n > 1 ? "* " : ": ", field ? field : "", msg ? msg : "");
    }
    if (n == 0)
        fputc('\n', cli->err);
}

int k8sc__cli_report(k8sc__cli *cli, const char *context)
{
    const k8sc_object *st = k8sc_client_last_status();
    const char *reason = st ? k8sc_object_get_string(st, "reason") : NULL;
    if (reason && strcmp(reason, "Invalid") == 0)
        report_invalid(cli, st, context);
    else if (reason && *reason)
        fprintf(cli->err, "Error from server (%s): %s%s\n", reason, context ? context : "", k8sc_error_last());
    else if (st)
        fprintf(cli->err, "Error from server: %s%s\n", context ? context : "", k8sc_error_last());
    else
        fprintf(cli->err, "error: %s\n", k8sc_error_last());
    return 1;
}

int k8sc__cli_fail(k8sc__cli *cli, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("error: ", cli->err);
    vfprintf(cli->err, fmt, ap);
    fputc('\n', cli->err);
    va_end(ap);
    return 1;
}

int k8sc__cli_open_client(k8sc__cli *cli, k8sc_client **out)
{
    if (k8sc_client_new(out, &cli->client_opts))
        return k8sc__cli_fail(cli, "%s", k8sc_error_last());
    return 0;
}

int k8sc__cli_resolve_open(k8sc__cli *cli, const char *type, const k8sc_resource **r, k8sc_client **c)
{
    if (k8sc_cli_resolve(r, NULL, type))
        return k8sc__cli_report(cli, NULL);
    return k8sc__cli_open_client(cli, c) ? 1 : 0;
}

static char *read_input(k8sc__cli *cli, const char *file, size_t *len)
{
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    if (!f) {
        fprintf(cli->err, "error: the path \"%s\" does not exist\n", file);
        return NULL;
    }
    k8sc__buf b = K8SC__BUF_INIT;
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        k8sc__buf_put(&b, chunk, got);
    if (f != stdin)
        fclose(f);
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        k8sc__cli_fail(cli, "%s: out of memory", file);
        return NULL;
    }
    return k8sc__buf_detach(&b, len);
}

int k8sc__cli_read_manifests(k8sc__cli *cli, k8sc_object ***objs, size_t *n, const char *file)
{
    size_t len = 0;
    char *text = read_input(cli, file, &len);
    if (!text)
        return 1;
    int rc = k8sc_manifest_decode(objs, n, text, len);
    free(text);
    if (rc)
        return k8sc__cli_fail(cli, "error parsing %s: %s", file, k8sc_error_last());
    return 0;
}

int k8sc__cli_split_targets(k8sc__cli *cli, char *type, size_t size, const char **names,
    size_t *nnames, int argc, char **argv)
{
    *nnames = 0;
    type[0] = '\0';
    const char *slash = argc ? strchr(argv[0], '/') : NULL;
    if (!slash) {
        if (argc)
            snprintf(type, size, "%s", argv[0]);
        for (int i = 1; i < argc && *nnames < K8SC__CLI_MAX_ARGS; i++)
            names[(*nnames)++] = argv[i];
        return 0;
    }
    for (int i = 0; i < argc && *nnames < K8SC__CLI_MAX_ARGS; i++) {
        /* kubectl's resource builder says "get" whatever the verb. */
        if (!(slash = strchr(argv[i], '/')))
            return k8sc__cli_fail(cli, "there is no need to specify a resource type as a separate argument when "
                                       "passing arguments in resource/name form (e.g. 'k8sctl get resource/"
                                       "<resource_name>' instead of 'k8sctl get resource resource/<resource_name>'");
        int len = (int)(slash - argv[i]);
        if (*type && (strncmp(type, argv[i], (size_t)len) != 0 || type[len]))
            return k8sc__cli_fail(cli, "k8sctl supports one resource type per command");
        snprintf(type, size, "%.*s", len, argv[i]);
        names[(*nnames)++] = slash + 1;
    }
    return 0;
}

void k8sc__cli_kind_ref(char *buf, size_t size, const char *api_version, const char *kind)
{
    k8sc_cli_object_ref(buf, size, api_version, kind, "");
    size_t len = strlen(buf);
    if (len && buf[len - 1] == '/')
        buf[len - 1] = '\0';
}
