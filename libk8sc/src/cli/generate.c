/* The machinery of the object-generating verbs: repeated flags, --dry-run, create-or-print. */
#include "generate_internal.h"

#include "../client/client_internal.h"

#include <stdlib.h>
#include <string.h>

int k8sc__cli_dash(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--") == 0)
            return i;
    return argc;
}

/* argv[i] as --NAME[=V] of one of `multi`: its entry, and whether the value is attached. */
static k8sc__cli_multi *match(k8sc__cli_multi *multi, size_t nmulti, const char *a, const char **attached)
{
    if (strncmp(a, "--", 2) != 0)
        return NULL;
    for (size_t j = 0; j < nmulti; j++) {
        size_t n = strlen(multi[j].name);
        if (strncmp(a + 2, multi[j].name, n) == 0 && (!a[n + 2] || a[n + 2] == '=')) {
            *attached = a[n + 2] ? a + n + 3 : NULL;
            return &multi[j];
        }
    }
    return NULL;
}

int k8sc__cli_take_multi(k8sc__cli *cli, int *argc, char **argv, k8sc__cli_multi *multi, size_t nmulti)
{
    int w = 0, dash = k8sc__cli_dash(*argc, argv);
    for (int i = 0; i < *argc; i++) {
        const char *attached = NULL;
        k8sc__cli_multi *m = i < dash ? match(multi, nmulti, argv[i], &attached) : NULL;
        if (!m) {
            argv[w++] = argv[i];
            continue;
        }
        if (!attached && i + 1 >= dash) {
            fprintf(cli->err, "k8sctl: %s needs a value\n", argv[i]);
            return 2;
        }
        if (m->n >= K8SC__CLI_MAX_VALUES)
            return k8sc__cli_fail(cli, "too many --%s flags (at most %d)", m->name, K8SC__CLI_MAX_VALUES);
        m->values[m->n++] = attached ? attached : argv[++i];
    }
    *argc = w;
    return 0;
}

int k8sc__cli_need_name(k8sc__cli *cli, const char *sub, int got)
{
    fprintf(cli->err, "error: exactly one NAME is required, got %d\nSee 'k8sctl %s -h' for help and examples\n", got,
        sub);
    return 1;
}

int k8sc__cli_check_dry_run(k8sc__cli *cli, const char *dry_run)
{
    if (!dry_run || strcmp(dry_run, "none") == 0 || strcmp(dry_run, "client") == 0 || strcmp(dry_run, "server") == 0)
        return 0;
    return k8sc__cli_fail(cli, "Invalid dry-run value (%s). Must be \"none\", \"server\", or \"client\".", dry_run);
}

const char *k8sc__cli_enforced_namespace(const k8sc__cli *cli)
{
    return cli->client_opts.overrides.namespace_;
}

void k8sc__jset(struct json_object *o, const char *key, struct json_object *v)
{
    json_object_object_add(o, key, v);
}

struct json_object *k8sc__jstr(const char *s)
{
    return json_object_new_string(s ? s : "");
}

size_t k8sc__jlen(const struct json_object *a)
{
    return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

struct json_object *k8sc__jstrs(const char *const *s, size_t n)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < n; i++)
        json_object_array_add(a, k8sc__jstr(s[i]));
    return a;
}

struct json_object *k8sc__cli_gen_object(const k8sc__cli *cli, const char *api_version, const char *kind,
    const char *name)
{
    struct json_object *o = json_object_new_object(), *md = json_object_new_object();
    if (!o || !md) {
        json_object_put(o);
        json_object_put(md);
        return NULL;
    }
    k8sc__jset(o, "apiVersion", k8sc__jstr(api_version));
    k8sc__jset(o, "kind", k8sc__jstr(kind));
    k8sc__jset(md, "creationTimestamp", NULL);
    k8sc__jset(md, "name", k8sc__jstr(name));
    const char *ns = k8sc__cli_enforced_namespace(cli);
    const k8sc_resource *r = k8sc_registry_find_gvk(k8sc_registry_default(), api_version, kind);
    if (ns && r && k8sc_resource_namespaced(r))
        k8sc__jset(md, "namespace", k8sc__jstr(ns));
    k8sc__jset(o, "metadata", md);
    return o;
}

int k8sc__cli_gen_wrap(k8sc__cli *cli, k8sc_object **out, struct json_object *root)
{
    if (!root || k8sc_object_wrap(out, root)) {
        json_object_put(root);
        return k8sc__cli_fail(cli, "out of memory");
    }
    return 0;
}

/* POST `obj` to its collection with ?dryRun=All; the server's answer in `*out`. */
static int create_dry_run(k8sc_object **out, k8sc_client *c, const k8sc_object *obj)
{
    char *path = NULL, *text = NULL, *body = NULL;
    int rc = k8sc__client_path(&path, c, k8sc_object_api_version(obj), k8sc_object_kind(obj),
        k8sc_object_namespace(obj), NULL);
    if (rc)
        return rc;
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__buf_puts(&b, path);
    free(path);
    k8sc__query_add(&b, "dryRun", "All");
    rc = k8sc__buf_status(&b) ? K8SC_ENOMEM : k8sc_json_encode(&text, NULL, k8sc_object_json(obj), 0);
    if (!rc)
        rc = k8sc_client_request(&body, NULL, c, "POST", b.ptr, "application/json", text, strlen(text));
    k8sc_free(text);
    k8sc__buf_free(&b);
    if (!rc)
        rc = k8sc_object_from_json(out, body, strlen(body));
    k8sc_free(body);
    return rc;
}

int k8sc__cli_emit(k8sc__cli *cli, k8sc_client *c, const k8sc_object *obj, const k8sc__cli_emit_opts *e)
{
    bool client_dry = e->dry_run && strcmp(e->dry_run, "client") == 0;
    bool server_dry = e->dry_run && strcmp(e->dry_run, "server") == 0;
    k8sc_object *res = NULL;
    int rc = 0;
    if (server_dry)
        rc = create_dry_run(&res, c, obj);
    else if (!client_dry)
        rc = k8sc_client_create(&res, c, obj);
    if (rc && e->wrap)
        return k8sc__cli_fail(cli, "%s%s", e->wrap, k8sc_error_last());
    if (rc)
        return k8sc__cli_report(cli, NULL);
    const k8sc_object *shown = res ? res : obj;
    if (e->output && *e->output) {
        char *text = NULL;
        k8sc_object *const objs[] = { (k8sc_object *)shown };
        rc = k8sc_cli_format(&text, e->output, NULL, objs, 1, false);
        k8sc_object_free(res);
        if (rc)
            return k8sc__cli_fail(cli, "%s", k8sc_error_last());
        fputs(text, cli->out);
        k8sc_free(text);
        return 0;
    }
    char ref[512];
    k8sc_cli_object_ref(ref, sizeof(ref), k8sc_object_api_version(obj), k8sc_object_kind(obj),
        k8sc_object_name(shown));
    fprintf(cli->out, "%s %s%s\n", ref, e->done, client_dry ? " (dry run)" : server_dry ? " (server dry run)" : "");
    k8sc_object_free(res);
    return 0;
}
