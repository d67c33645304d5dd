/* k8sctl edit: the object as YAML in $KUBE_EDITOR or $EDITOR, the difference sent back as a patch. */
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

static bool same_string(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Send the edited object's difference; 0, or 1 once the error was printed (the file is then kept). */
static int save(k8sc__cli *cli, k8sc_client *c, const k8sc_object *orig, struct json_object *edited)
{
    k8sc_object *mod = NULL;
    /* k8sc_object_wrap takes the reference over only when it succeeds. */
    if (!json_object_is_type(edited, json_type_object) || k8sc_object_wrap(&mod, edited)) {
        json_object_put(edited);
        return k8sc__cli_fail(cli, "the edited file is not a Kubernetes object");
    }
    int rc = 0;
    if (!same_string(k8sc_object_api_version(mod), k8sc_object_api_version(orig)) ||
        !same_string(k8sc_object_kind(mod), k8sc_object_kind(orig)) ||
        !same_string(k8sc_object_name(mod), k8sc_object_name(orig))) {
        rc = k8sc__cli_fail(cli, "At least one of apiVersion, kind and name was changed");
    } else {
        struct json_object *patch = NULL;
        k8sc_patch_type type = K8SC_PATCH_MERGE;
        char *text = NULL;
        rc = k8sc_patch_strategic_create_two_way(&patch, &type, k8sc_object_json(orig), k8sc_object_json(mod),
            k8sc_object_api_version(orig), k8sc_object_kind(orig));
        if (!rc)
            rc = k8sc_json_encode(&text, NULL, patch, K8SC_ENCODE_SORT_KEYS);
        if (!rc)
            rc = k8sc_client_patch(NULL, c, k8sc_object_api_version(orig), k8sc_object_kind(orig),
                k8sc_object_namespace(orig), k8sc_object_name(orig), type, text);
        json_object_put(patch);
        k8sc_free(text);
        if (rc)
            rc = k8sc__cli_report(cli, NULL);
    }
    k8sc_object_free(mod);
    return rc;
}

static int edit_one(k8sc__cli *cli, k8sc_client *c, const k8sc_object *obj)
{
    char *yaml = NULL, *after = NULL, *kept = NULL;
    const char *tmpdir = getenv("TMPDIR");
    k8sc__buf file = K8SC__BUF_INIT;
    k8sc__buf_printf(&file, "%s/k8sctl-edit-XXXXXX.yaml", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = k8sc__buf_status(&file) ? -1 : mkstemps(file.ptr, 5);
    int rc = fd < 0 ? k8sc__cli_fail(cli, "cannot create a temporary file") : 0;
    if (!rc && k8sc_yaml_encode(&yaml, NULL, k8sc_object_json(obj), K8SC_ENCODE_SORT_KEYS))
        rc = k8sc__cli_report(cli, NULL);
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
        /* kubectl 1.32 reports an emptied file as an invalid object and keeps it. */
        const k8sc_resource *r = k8sc_registry_find_gvk(k8sc_registry_default(), k8sc_object_api_version(obj),
            k8sc_object_kind(obj));
        keep = true;
        fprintf(cli->err, "error: %s \"%s\" is invalid\nA copy of your changes has been stored to \"%s\"\n"
                          "error: Edit cancelled, no valid changes were saved.\n",
            r ? k8sc_resource_plural(r) : k8sc_object_kind(obj), k8sc_object_name(obj), file.ptr);
        rc = 1;
    } else if (!rc) {
        struct json_object *edited = NULL;
        if (k8sc_yaml_parse(&edited, kept, strlen(kept))) {
            keep = true;
            fprintf(cli->err, "A copy of your changes has been stored to \"%s\"\n", file.ptr);
            rc = k8sc__cli_fail(cli, "%s", k8sc_error_last());
        } else {
            keep = true;
            /* kubectl names the copy before the error, so the message goes out only once the outcome is known. */
            FILE *err = cli->err;
            char *msg = NULL;
            size_t len = 0;
            FILE *mem = open_memstream(&msg, &len);
            cli->err = mem ? mem : err;
            rc = save(cli, c, obj, edited);
            cli->err = err;
            if (mem)
                fclose(mem);
            if (rc)
                fprintf(err, "A copy of your changes has been stored to \"%s\"\n%s", file.ptr, msg ? msg : "");
            free(msg);
            keep = rc != 0;
        }
        if (!rc) {
            char ref[512];
            k8sc_cli_object_ref(ref, sizeof(ref), k8sc_object_api_version(obj), k8sc_object_kind(obj),
                k8sc_object_name(obj));
            fprintf(cli->out, "%s edited\n", ref);
        }
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
    if (k8sc__cli_targets(cli, type, sizeof(type), names, &nnames, nargs, args, true))
        return 1;
    const k8sc_resource *r = NULL;
    k8sc_client *c = NULL;
    if (k8sc__cli_resolve_open(cli, type, &r, &c))
        return 1;
    k8sc_object **objs = NULL;
    size_t n = 0;
    int failed = k8sc__cli_fetch_targets(cli, c, r, k8sc_client_namespace(c), names, nnames, NULL, false, &objs, &n);
    for (size_t i = 0; !failed && i < n; i++)
        failed = edit_one(cli, c, objs[i]);
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
    "Usage:\n  k8sctl edit (RESOURCE/NAME | RESOURCE NAME)\n",
    run,
};
