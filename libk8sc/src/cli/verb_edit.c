/* k8sctl edit: the object (several: a List) as YAML in $KUBE_EDITOR or $EDITOR, each change sent back as a patch. */
#include "cli_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char HEADER[] =
    "# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
    "# and an empty file will abort the edit. If an error occurs while saving this file will be\n"
    "# reopened with the relevant failures.\n"
    "#\n";

/* `text` without its comment lines; NULL when out of memory. */
static char *strip_comments(const char *text)
{
    k8sc__buf b = K8SC__BUF_INIT;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        size_t skip = strspn(p, " \t");
        if (p[skip] != '#')
            k8sc__buf_put(&b, p, n);
        if (p[n] == '\n') {
            if (p[skip] != '#')
                k8sc__buf_putc(&b, '\n');
            n++;
        }
        p += n;
    }
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        return NULL;
    }
    return k8sc__buf_detach(&b, NULL);
}

static bool blank(const char *s)
{
    return s[strspn(s, " \t\r\n")] == '\0';
}

/* Run the editor as kubectl does: through sh -c, with the file as its last argument. */
static int run_editor(k8sc__cli *cli, const char *file)
{
    const char *editor = getenv("KUBE_EDITOR");
    if (!editor || !*editor)
        editor = getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    k8sc__buf cmd = K8SC__BUF_INIT;
    k8sc__buf_printf(&cmd, "%s \"$0\"", editor);
    if (k8sc__buf_status(&cmd))
        return k8sc__cli_fail(cli, "out of memory");
    fflush(cli->out);
    fflush(cli->err);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd.ptr, file, (char *)NULL);
        _exit(127);
    }
    k8sc__buf_free(&cmd);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return k8sc__cli_fail(cli, "there was a problem with the editor \"%s\"", editor);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return k8sc__cli_fail(cli, "there was a problem with the editor \"%s\"", editor);
    return 0;
}

static char *read_file(const char *file)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return NULL;
    k8sc__buf b = K8SC__BUF_INIT;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        k8sc__buf_put(&b, chunk, got);
    fclose(f);
    if (k8sc__buf_status(&b)) {
        k8sc__buf_free(&b);
        return NULL;
    }
    return b.ptr ? k8sc__buf_detach(&b, NULL) : k8sc__strdup("");
}

static bool same_key(struct json_object *a, struct json_object *b, const char *key)
{
    return json_object_equal(json_object_object_get(a, key), json_object_object_get(b, key));
}

/* Send the edited object's difference from `orig` (borrowed); 0, or 1 once the error was printed. */
static int save(k8sc__cli *cli, k8sc_client *c, const k8sc_object *orig, struct json_object *edited)
{
    struct json_object *patch = NULL;
    k8sc_patch_type type = K8SC_PATCH_MERGE;
    char *text = NULL;
    int rc = k8sc_patch_strategic_create_two_way(&patch, &type, k8sc_object_json(orig), edited,
        k8sc_object_api_version(orig), k8sc_object_kind(orig));
    if (!rc)
        rc = k8sc_json_encode(&text, NULL, patch, K8SC_ENCODE_SORT_KEYS);
    if (!rc)
        rc = k8sc_client_patch(NULL, c, k8sc_object_api_version(orig), k8sc_object_kind(orig),
            k8sc_object_namespace(orig), k8sc_object_name(orig), type, text);
    json_object_put(patch);
    k8sc_free(text);
    return rc ? k8sc__cli_report(cli, NULL) : 0;
}

/* The editor's document: the object, or for several kubectl's v1 List of them. A new reference. */
static struct json_object *document(k8sc_object **objs, size_t n)
{
    if (n == 1)
        return json_object_get(k8sc_object_json(objs[0]));
    struct json_object *list = json_object_new_object(), *items = json_object_new_array();
    if (!list || !items) {
        json_object_put(list);
        json_object_put(items);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        json_object_array_add(items, json_object_get(k8sc_object_json(objs[i])));
    json_object_object_add(list, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(list, "items", items);
    json_object_object_add(list, "kind", json_object_new_string("List"));
    json_object_object_add(list, "metadata", json_object_new_object());
    return list;
}

static const char *uid_of(struct json_object *obj)
{
    struct json_object *meta = json_object_object_get(obj, "metadata");
    return json_object_get_string(json_object_object_get(meta, "uid"));
}

/* The object of `objs` whose uid `edited` carries, as kubectl's visitToPatch matches them. */
static const k8sc_object *original_of(k8sc_object **objs, size_t n, struct json_object *edited)
{
    const char *uid = uid_of(edited);
    for (size_t i = 0; uid && i < n; i++) {
        const char *u = k8sc_object_uid(objs[i]);
        if (u && strcmp(u, uid) == 0)
            return objs[i];
    }
    return NULL;
}

/*
 * Apply one edited object: "skipped" when unchanged, else patched and
 * "edited". 0; 1 once a server's error was printed; -1 with `why` set
 * for what kubectl refuses before sending anything.
 */
static int apply_item(k8sc__cli *cli, k8sc_client *c, k8sc_object **objs, size_t n, struct json_object *item,
    char *why, size_t size)
{
    struct json_object *meta = json_object_object_get(item, "metadata");
    const k8sc_object *orig = json_object_is_type(item, json_type_object) ? original_of(objs, n, item) : NULL;
    if (!orig) {
        const char *kind = json_object_get_string(json_object_object_get(item, "kind"));
        const char *name = json_object_get_string(json_object_object_get(meta, "name"));
        snprintf(why, size, "no original object found for the edited %s \"%s\"", kind ? kind : "object",
            name ? name : "");
        return -1;
    }
    struct json_object *was = k8sc_object_json(orig), *was_meta = json_object_object_get(was, "metadata");
    const char *verb = "skipped";
    if (!json_object_equal(item, was)) {
        verb = "edited";
        if (!same_key(item, was, "apiVersion") || !same_key(item, was, "kind") || !same_key(meta, was_meta, "name") ||
            !same_key(item, was, "managedFields")) {
            snprintf(why, size, "At least one of apiVersion, kind and name was changed");
            return -1;
        }
        if (save(cli, c, orig, item))
            return 1;
    }
    char ref[512];
    k8sc_cli_object_ref(ref, sizeof(ref), k8sc_object_api_version(orig), k8sc_object_kind(orig),
        k8sc_object_name(orig));
    fprintf(cli->out, "%s %s\n", ref, verb);
    return 0;
}

/*
 * The edited document's objects in order, as the builder flattens a List.
 * As kubectl's InfoListVisitor, a refused object fails the edit only when
 * no later one succeeds (the last outcome wins); a server's error stops it.
 */
static int apply_edits(k8sc__cli *cli, k8sc_client *c, k8sc_object **objs, size_t n, struct json_object *edited)
{
    const char *kind = json_object_get_string(json_object_object_get(edited, "kind"));
    struct json_object *items = json_object_object_get(edited, "items");
    size_t klen = kind ? strlen(kind) : 0;
    bool list = klen >= 4 && strcmp(kind + klen - 4, "List") == 0 && json_object_is_type(items, json_type_array);
    size_t count = list ? json_object_array_length(items) : 1;
    char why[512] = "";
    for (size_t i = 0; i < count; i++) {
        int rc = apply_item(cli, c, objs, n, list ? json_object_array_get_idx(items, i) : edited, why, sizeof(why));
        if (rc > 0)
            return 1;
        if (rc == 0)
            why[0] = '\0';
    }
    return *why ? k8sc__cli_fail(cli, "%s", why) : 0;
}

/* One editor session over `objs` (one object, or a List of several), as kubectl's edit. */
static int edit_objects(k8sc__cli *cli, k8sc_client *c, k8sc_object **objs, size_t n)
{
    char *yaml = NULL, *after = NULL, *kept = NULL;
    const char *tmpdir = getenv("TMPDIR");
    k8sc__buf file = K8SC__BUF_INIT;
    k8sc__buf_printf(&file, "%s/k8sctl-edit-XXXXXX.yaml", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = k8sc__buf_status(&file) ? -1 : mkstemps(file.ptr, 5);
    int rc = fd < 0 ? k8sc__cli_fail(cli, "cannot create a temporary file") : 0;
    struct json_object *doc = rc ? NULL : document(objs, n);
    if (!rc && !doc)
        rc = k8sc__cli_fail(cli, "out of memory");
    if (!rc && k8sc_yaml_encode(&yaml, NULL, doc, K8SC_ENCODE_SORT_KEYS))
        rc = k8sc__cli_report(cli, NULL);
    json_object_put(doc);
    if (!rc) {
        size_t hl = strlen(HEADER), yl = strlen(yaml);
        if (write(fd, HEADER, hl) != (ssize_t)hl || write(fd, yaml, yl) != (ssize_t)yl)
            rc = k8sc__cli_fail(cli, "cannot write %s", file.ptr);
    }
    if (fd >= 0)
        close(fd);
    if (!rc)
        rc = run_editor(cli, file.ptr);
    if (!rc && !(after = read_file(file.ptr)))
        rc = k8sc__cli_fail(cli, "cannot read %s", file.ptr);
    if (!rc && !(kept = strip_comments(after)))
        rc = k8sc__cli_fail(cli, "out of memory");
    bool keep = false;
    if (!rc && strcmp(kept, yaml) == 0) {
        fputs("Edit cancelled, no changes made.\n", cli->err);
    } else if (!rc && blank(kept)) {
        /* kubectl 1.32 reports an emptied file as an invalid object (the first) and keeps it. */
        const k8sc_resource *r = k8sc_registry_find_gvk(k8sc_registry_default(), k8sc_object_api_version(objs[0]),
            k8sc_object_kind(objs[0]));
        keep = true;
        fprintf(cli->err, "error: %s \"%s\" is invalid\nA copy of your changes has been stored to \"%s\"\n"
                          "error: Edit cancelled, no valid changes were saved.\n",
            r ? k8sc_resource_plural(r) : k8sc_object_kind(objs[0]), k8sc_object_name(objs[0]), file.ptr);
        rc = 1;
    } else if (!rc) {
        struct json_object *edited = NULL;
        keep = true;
        if (k8sc_yaml_parse(&edited, kept, strlen(kept))) {
            fprintf(cli->err, "A copy of your changes has been stored to \"%s\"\n", file.ptr);
            rc = k8sc__cli_fail(cli, "%s", k8sc_error_last());
        } else {
            /* kubectl names the copy before the error, so the message goes out only once the outcome is known. */
            FILE *err = cli->err;
            char *msg = NULL;
            size_t len = 0;
            FILE *mem = open_memstream(&msg, &len);
            cli->err = mem ? mem : err;
            rc = apply_edits(cli, c, objs, n, edited);
            cli->err = err;
            if (mem)
                fclose(mem);
            if (rc)
                fprintf(err, "A copy of your changes has been stored to \"%s\"\n%s", file.ptr, msg ? msg : "");
            free(msg);
            keep = rc != 0;
        }
        json_object_put(edited);
    }
    if (fd >= 0 && !keep)
        unlink(file.ptr);
    k8sc_free(yaml);
    free(after);
    free(kept);
    k8sc__buf_free(&file);
    return rc;
}

static int run(k8sc__cli *cli, int argc, char **argv)
{
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs = 0;
    const k8sc__cli_flag flags[] = { { 0 } };
    int rc = k8sc__cli_parse(cli, "edit", flags, argc, argv, args, &nargs);
    if (rc)
        return rc;
    char type[256];
    const char *names[K8SC__CLI_MAX_ARGS];
    size_t nnames = 0;
    if (k8sc__cli_targets(cli, type, sizeof(type), names, &nnames, nargs, args, false))
        return 1;
    const k8sc_resource *r = NULL;
    k8sc_client *c = NULL;
    if (k8sc__cli_resolve_open(cli, type, &r, &c))
        return 1;
    k8sc_object **objs = NULL;
    size_t n = 0;
    int failed = k8sc__cli_fetch_targets(cli, c, r, k8sc_client_namespace(c), names, nnames, NULL, nnames == 0, &objs,
        &n);
    if (!failed && n == 0)
        failed = k8sc__cli_fail(cli, "edit cancelled, no objects found");
    else if (!failed)
        failed = edit_objects(cli, c, objs, n);
    k8sc_objects_free(objs, n);
    k8sc_client_free(c);
    return failed;
}

const k8sc__cli_verb k8sc__cli_verb_edit = {
    "edit",
    "Edit a resource from the default editor.\n\n"
    "The edit command opens the editor defined by the KUBE_EDITOR or EDITOR environment variables (vi by\n"
    "default), run through sh -c. When the file is saved and closed the difference is sent to the server\n"
    "as a patch. An empty or unchanged file cancels the edit; when saving fails the edited file is kept.\n\n"
    "Several objects (several names, or RESOURCE alone for all of its kind in the namespace) are edited\n"
    "together as a List; each changed one is patched (\"edited\"), the others are \"skipped\".\n\n"
    "Usage:\n  k8sctl edit (RESOURCE/NAME | RESOURCE [NAME...])\n",
    run,
};
