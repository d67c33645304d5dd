/* What the object-generating verbs share (create NAME…, run, expose): repeated flags, dry-run, printing. */
#ifndef K8SC_CLI_GENERATE_INTERNAL_H
#define K8SC_CLI_GENERATE_INTERNAL_H

#include "cli_internal.h"

/* The most values one repeated flag (--image, --tcp, --from-literal…) takes. */
#define K8SC__CLI_MAX_VALUES 64

/* A repeated string flag: its long name (without dashes) and the values given, in order. */
typedef struct k8sc__cli_multi {
    const char *name;
    const char *values[K8SC__CLI_MAX_VALUES];
    size_t n;
} k8sc__cli_multi;

/*
 * Take every "--NAME VALUE" / "--NAME=VALUE" of the `nmulti` flags out of
 * argv (before a "--"), compacting it and updating `*argc`. 0, or the exit
 * status once the error was printed.
 */
int k8sc__cli_take_multi(k8sc__cli *cli, int *argc, char **argv, k8sc__cli_multi *multi, size_t nmulti);

/* The index of the first "--" in argv, or argc when there is none. */
int k8sc__cli_dash(int argc, char **argv);

/* How a generating verb ends: --dry-run, -o and the verb's name in messages ("created", "exposed"). */
typedef struct k8sc__cli_emit_opts {
    const char *dry_run; /* NULL or "none", "client", "server" */
    const char *output;  /* NULL: the "KIND/NAME created" line */
    const char *done;
    const char *wrap; /* non-NULL: a failed create prints "error: WRAP MESSAGE" (kubectl's generators) */
} k8sc__cli_emit_opts;

/* EINVAL message of kubectl for a bad --dry-run; 0 or 1 once printed. */
int k8sc__cli_check_dry_run(k8sc__cli *cli, const char *dry_run);

/*
 * Create `obj` (or not, with --dry-run=client; with --dry-run=server as a
 * dryRun=All POST) and print it as kubectl does. Returns the exit status.
 */
int k8sc__cli_emit(k8sc__cli *cli, k8sc_client *c, const k8sc_object *obj, const k8sc__cli_emit_opts *e);

/* The namespace given with -n (kubectl then writes it into generated objects), or NULL. */
const char *k8sc__cli_enforced_namespace(const k8sc__cli *cli);

/* json-c shorthands for building objects; each takes ownership of `v`. */
void k8sc__jset(struct json_object *o, const char *key, struct json_object *v);
struct json_object *k8sc__jstr(const char *s);

/* The length of `a` when it is an array, else 0 (json-c asserts on other types). */
size_t k8sc__jlen(const struct json_object *a);
struct json_object *k8sc__jstrs(const char *const *s, size_t n);

/* {"apiVersion","kind","metadata":{"creationTimestamp":null,"name","namespace"?}} as kubectl's generators. */
struct json_object *k8sc__cli_gen_object(const k8sc__cli *cli, const char *api_version, const char *kind,
    const char *name);

/* Wrap a built tree (ownership taken) into `*out`; 0 or 1 once printed. */
int k8sc__cli_gen_wrap(k8sc__cli *cli, k8sc_object **out, struct json_object *root);

/*
 * Fill `data` from --from-literal, --from-file ([key=]path, directories)
 * and --from-env-file as kubectl's generators for the object `name`; values
 * base64-encoded with `base64` (secrets). 0 or 1 once printed.
 */
int k8sc__cli_data_sources(k8sc__cli *cli, struct json_object *data, const char *name, bool base64,
    const k8sc__cli_multi *literal,
    const k8sc__cli_multi *file, const k8sc__cli_multi *env_file);

/* "exactly one NAME is required, got N" as kubectl prints it for `sub` ("create deployment"); returns 1. */
int k8sc__cli_need_name(k8sc__cli *cli, const char *sub, int got);

/* create's generators: whether `word` ("deployment", "cm"…) names one, and running it on argv (word first). */
bool k8sc__cli_is_generator(const char *word);
int k8sc__cli_create_generate(k8sc__cli *cli, int argc, char **argv);

/* The generators of create_batch.c and create_service.c (argv after the generator's name). */
int k8sc__cli_create_job(k8sc__cli *cli, int argc, char **argv);
int k8sc__cli_create_cronjob(k8sc__cli *cli, int argc, char **argv);
int k8sc__cli_create_service(k8sc__cli *cli, int argc, char **argv);

/*
 * The common part of create's generators: the flags (with --dry-run and
 * -o), the one NAME, the words after "--" as `command` (refused unless
 * `allow_command`). 0 or the exit status once printed.
 */
typedef struct k8sc__cli_gen {
    const char *sub, *wrap, *dry_run, *output;
    char *args[K8SC__CLI_MAX_ARGS];
    int nargs;
    char **command;
    int ncommand;
} k8sc__cli_gen;

#define K8SC__CLI_GEN_FLAGS(g) { NULL, "dry-run", K8SC__FLAG_STRING, &(g)->dry_run }, \
    { "o", "output", K8SC__FLAG_STRING, &(g)->output }

int k8sc__cli_gen_parse(k8sc__cli *cli, k8sc__cli_gen *g, const k8sc__cli_flag *flags, int argc, char **argv,
    bool allow_command);

/* Create or print `root` (ownership taken) as the generator `g` asked; the exit status. */
int k8sc__cli_gen_finish(k8sc__cli *cli, const k8sc__cli_gen *g, struct json_object *root);

/* {"app": name}. */
struct json_object *k8sc__cli_labels_app(const char *name);

/* A container as kubectl generates it: command (when any), image, name, resources {}. */
struct json_object *k8sc__cli_gen_container(const char *name, const char *image, char **command, int ncommand);

#endif
