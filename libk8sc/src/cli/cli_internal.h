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
extern const k8sc__cli_verb k8sc__cli_verb_run, k8sc__cli_verb_expose, k8sc__cli_verb_drain,
    k8sc__cli_verb_completion, k8sc__cli_verb_explain;

/* The verbs of the table in main.c, for completion: how many, and the one at `i`. */
size_t k8sc__cli_verb_count(void);
const k8sc__cli_verb *k8sc__cli_verb_at(size_t i);
extern const k8sc__cli_verb k8sc__cli_verb_exec, k8sc__cli_verb_attach;

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
/* Resolve the resource type `type` and open the client: 0, or 1 with kubectl's message printed. */
int k8sc__cli_resolve_open(k8sc__cli *cli, const char *type, const k8sc_resource **r, k8sc_client **c);

/* Decode the manifests of -f FILE ("-": stdin); `*objs` freed with k8sc_objects_free. 0, or 1 once printed. */
int k8sc__cli_read_manifests(k8sc__cli *cli, k8sc_object ***objs, size_t *n, const char *file);

/*
 * "TYPE NAME..." or "TYPE/NAME...": the type (copied into `type`, `size`
 * bytes; "" when there is none) and the names (pointers into argv, at most
 * K8SC__CLI_MAX_ARGS). 0, or 1 once the error was printed.
 */
int k8sc__cli_split_targets(k8sc__cli *cli, char *type, size_t size, const char **names,
    size_t *nnames, int argc, char **argv);

/*
 * k8sc__cli_split_targets for a verb that acts on "TYPE NAME...": kubectl's
 * "You must provide one or more resources" when there is no type and, with
 * `need_names`, "resource(s) were provided, but no name was specified" when
 * there is no name. 0, or 1 once the error was printed.
 */
int k8sc__cli_targets(k8sc__cli *cli, char *type, size_t size, const char **names, size_t *nnames,
    int argc, char **argv, bool need_names);

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

extern const k8sc__cli_verb k8sc__cli_verb_rollout, k8sc__cli_verb_wait, k8sc__cli_verb_edit;

/* Go's time.ParseDuration ("30s", "1m30s", "500ms", "0") into milliseconds; EINVAL with Go's message. */
int k8sc__cli_parse_duration(int64_t *out_ms, const char *text);

/* A duration flag's value: 0, or 1 once pflag's "invalid argument" error was printed. */
int k8sc__cli_duration_flag(k8sc__cli *cli, const char *verb, const char *flag, const char *text, int64_t *out_ms);

/* What kubectl wait --for waits for. */
typedef enum {
    K8SC__WAIT_DELETE,
    K8SC__WAIT_CREATE,
    K8SC__WAIT_CONDITION, /* name: the condition type, value: its status (default "True") */
    K8SC__WAIT_JSONPATH,  /* name: the expression, value: what it must print (has_value) */
} k8sc__wait_what;

typedef struct k8sc__cli_wait_for {
    k8sc__wait_what what;
    char name[256];
    char value[256];
    bool has_value;
} k8sc__cli_wait_for;

/* Parse --for (delete, create, condition=NAME[=VALUE], jsonpath=EXPR[=VALUE]); EINVAL with kubectl's message. */
int k8sc__cli_wait_for_parse(k8sc__cli_wait_for *out, const char *spec);

/*
 * Poll object `name` until `w` holds (for delete: gone, or replaced when
 * `uid` is set), at most `timeout_ms`. 0, ETIMEOUT, or the client's error
 * (ENOTFOUND when the object is missing and `w` is not delete or create).
 */
int k8sc__cli_wait_object(k8sc_client *c, const k8sc_resource *r, const char *ns, const char *name, const char *uid,
    const k8sc__cli_wait_for *w, int64_t timeout_ms);

/* get -w: print the objects of kind `r`, then one line or document per watch event. */
typedef struct k8sc__cli_watch_flags {
    const char *output;
    bool watch_only;
    bool events;
    bool all_namespaces;
    const k8sc_list_options *list;
    const k8sc_cli_table_options *table;
} k8sc__cli_watch_flags;

int k8sc__cli_get_watch(k8sc__cli *cli, k8sc_client *c, const k8sc_resource *r, const char *ns, const char *name,
    const k8sc__cli_watch_flags *f);

/* The Go RFC 3339 time of now in local time ("2006-01-02T15:04:05Z07:00"), into `buf`. */
void k8sc__cli_rfc3339_now(char *buf, size_t size);

/* A kubeconfig tree as kubectl writes it: lists sorted by name, empty fields dropped, null for empty lists. */
struct json_object *k8sc__cli_kubeconfig_canonical(struct json_object *in);

/* The inner object of entry `name` of `list` ("clusters"...), created when `create`; NULL when absent. */
struct json_object *k8sc__cli_kubeconfig_entry(struct json_object *root, const char *list, const char *name,
    bool create);

/* Remove entry `name` of `list`; whether there was one. */
bool k8sc__cli_kubeconfig_remove(struct json_object *root, const char *list, const char *name);

/* Hide secrets as kubectl config view does: certificate and key data DATA+OMITTED, tokens REDACTED. */
void k8sc__cli_kubeconfig_redact(struct json_object *root);

/* Read one kubeconfig file (a missing or empty one is {}); `*out` json_object_put. */
int k8sc__cli_kubeconfig_read(struct json_object **out, const char *file);

/* Write `root` to `file` in the canonical layout. */
int k8sc__cli_kubeconfig_write(const char *file, struct json_object *root);

/*
 * The message of the NotFound the client just returned for an object of
 * kind `r` in `ns`, as kubectl's builder gives it (resource.Info.Get): the
 * namespace's own NotFound when `ns` is set, not "default", and missing
 * too. The caller k8sc_frees it; NULL when out of memory.
 */
char *k8sc__cli_not_found_message(k8sc_client *c, const k8sc_resource *r, const char *ns);

/* What k8sctl logs, exec or attach picks a pod for: the order of the pods and kubectl's messages. */
typedef enum {
    K8SC__POD_FOR_LOGS,   /* podutils.ByLogging; "cannot get the logs from" */
    K8SC__POD_FOR_EXEC,   /* the most active pod first; "cannot attach to" */
    K8SC__POD_FOR_ATTACH, /* as exec; a container's errors begin "cannot attach to the container" */
} k8sc__pod_for_use;

/*
 * Sort `pods` best first as kubectl does: for logs podutils.ByLogging, for
 * exec and attach sort.Reverse(podutils.ActivePods). Stable, as Go's
 * sort.Sort is for up to 12 items. 0 or ENOMEM.
 */
int k8sc__cli_pods_sort(k8sc_object **pods, size_t n, k8sc__pod_for_use use);

/*
 * The pod `arg` ("NAME" of type `def_type`, or "TYPE/NAME") stands for,
 * as kubectl's LogsForObject / AttachablePodForObject: a pod itself, or
 * the best (k8sc__cli_pods_sort) of the pods the object's selector picks
 * in its namespace, waiting up to `timeout_ms` for one when none does.
 * `*out` the pod (k8sc_object_free), `*npods` how many matched. 0, or 1
 * once kubectl's message was printed.
 */
int k8sc__cli_pod_for(k8sc__cli *cli, k8sc_client *c, const char *def_type, const char *arg, k8sc__pod_for_use use,
    int64_t timeout_ms, k8sc_object **out, size_t *npods);

/* The container `name` of `pod` (containers, init, ephemeral), borrowed from it; NULL when absent. */
struct json_object *k8sc__cli_pod_find_container(const k8sc_object *pod, const char *name);

/*
 * The container a verb acts on, as kubectl's podcmd picks it: `name`
 * (checked), else the kubectl.kubernetes.io/default-container annotation's,
 * else the first, with "Defaulted container ..." on stderr unless `quiet`.
 * Borrowed from `pod`; NULL once kubectl's message was printed.
 */
struct json_object *k8sc__cli_pod_container(k8sc__cli *cli, const k8sc_object *pod, const char *name,
    k8sc__pod_for_use use, bool quiet);

#endif
