/* Internal declarations shared by the cli module's files. */
#ifndef K8SC_CLI_INTERNAL_H
#define K8SC_CLI_INTERNAL_H

#include "internal.h"
#include "k8sc/cli.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>

/* The most positional arguments one verb takes. */
#define K8SC__CLI_MAX_ARGS 256

/* GET `path` asking for `accept`; `*out` is the reply body (k8sc_free). Errors as the client's. */
int k8sc__cli_get(char **out, k8sc_client *client, const char *path, const char *accept);

/* One k8sctl invocation: where it prints and the client options of the global flags. */
typedef struct k8sc__cli {
    FILE *out;
    FILE *err;
    k8sc_client_options client_opts;
} k8sc__cli;

/* A verb: its name, its --help text and what runs it (argv without the verb; returns the exit status). */
typedef struct k8sc__cli_verb {
    const char *name;
    const char *help;
    int (*run)(k8sc__cli *cli, int argc, char **argv);
} k8sc__cli_verb;

extern const k8sc__cli_verb k8sc__cli_verb_version, k8sc__cli_verb_get, k8sc__cli_verb_describe,
    k8sc__cli_verb_create, k8sc__cli_verb_apply, k8sc__cli_verb_replace, k8sc__cli_verb_delete,
    k8sc__cli_verb_logs, k8sc__cli_verb_label, k8sc__cli_verb_annotate, k8sc__cli_verb_scale,
    k8sc__cli_verb_patch, k8sc__cli_verb_cordon, k8sc__cli_verb_uncordon, k8sc__cli_verb_taint,
    k8sc__cli_verb_api_resources, k8sc__cli_verb_api_versions, k8sc__cli_verb_config;

typedef enum {
    K8SC__FLAG_STRING, /* const char ** */
    K8SC__FLAG_BOOL,   /* bool *: "--x", "--x=true", "--x=false" */
    K8SC__FLAG_INT,    /* int64_t * */
} k8sc__flag_kind;

/* One flag of a verb: its one-letter name (NULL: none) and long name, without dashes. */
typedef struct k8sc__cli_flag {
    const char *shorthand;
    const char *name;
    k8sc__flag_kind kind;
    void *value;
} k8sc__cli_flag;

/*
 * Parse a verb's argv as pflag does: "--name VALUE", "--name=VALUE",
 * "-n VALUE", "-nVALUE", "-n=VALUE", "--" ending the flags. Positional
 * arguments go to `args` (up to K8SC__CLI_MAX_ARGS; `*nargs` counts them);
 * with `args` NULL any positional argument is an error. `flags` ends with
 * a zeroed entry. 0, or the exit status once the error was printed.
 */
int k8sc__cli_parse(k8sc__cli *cli, const char *verb, const k8sc__cli_flag *flags, int argc, char **argv,
    char **args, int *nargs);

/* Print a failure as kubectl does: the server's Status reason, or a plain error. Returns 1. */
int k8sc__cli_report(k8sc__cli *cli, const char *context);

/* Print "error: MESSAGE" with `fmt` and return 1. */
int k8sc__cli_fail(k8sc__cli *cli, const char *fmt, ...) K8SC_PRINTF(2, 3);

/* A client from the global flags; 0, or 1 once the error was printed. */
int k8sc__cli_open_client(k8sc__cli *cli, k8sc_client **out);

/* Decode the manifests of -f FILE ("-": stdin); `*objs` freed with k8sc_objects_free. 0, or 1 once printed. */
int k8sc__cli_read_manifests(k8sc__cli *cli, k8sc_object ***objs, size_t *n, const char *file);

/*
 * "TYPE NAME..." or "TYPE/NAME...": the type (copied into `type`, `size`
 * bytes; "" when there is none) and the names (pointers into argv, at most
 * K8SC__CLI_MAX_ARGS). 0, or 1 once the error was printed.
 */
int k8sc__cli_split_targets(k8sc__cli *cli, const char *verb, char *type, size_t size, const char **names,
    size_t *nnames, int argc, char **argv);

/* "{.a.b}" from kubectl's relaxed JSONPath (".a.b", "a.b", "{.a.b}"); `*out` k8sc_free. EINVAL when empty. */
int k8sc__cli_relaxed_jsonpath(char **out, const char *field);

/* "kind[.group]" of a resource as kubectl names it in messages ("deployment.apps"), into `buf`. */
void k8sc__cli_kind_ref(char *buf, size_t size, const char *api_version, const char *kind);

/*
 * The objects of kind `r` a verb acts on, in `ns`: `names` fetched one by
 * one, or those `selector` matches, or with `all` every one. `*objs`
 * (k8sc_objects_free) holds those found, with apiVersion and kind set.
 * 0, or 1 when something failed (printed; `*objs` still holds the rest).
 */
int k8sc__cli_fetch_targets(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const char *ns,
    const char **names, size_t nnames, const char *selector, bool all, k8sc_object ***objs, size_t *n);

#endif
