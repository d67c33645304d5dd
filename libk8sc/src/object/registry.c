/* The resource registry: group/version/kind <-> resource names. */
#include "object_internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct k8sc_resource {
    char *group, *version, *api_version, *kind, *list_kind, *plural, *singular;
    bool namespaced;
    bool removed;
    char **short_names, **subresources, **categories, **verbs;
};

struct k8sc_registry {
    pthread_rwlock_t lock;
    k8sc_resource **items; /* never shrinks: removed kinds stay allocated, marked */
    size_t count, cap;
};

static const char *const default_verbs[] = {
    "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch", NULL
};

int k8sc_resource_def_init(k8sc_resource_def *def, unsigned int version)
{
    K8SC__CHECK_ARG(def && version == K8SC_RESOURCE_DEF_VERSION);
    k8sc_resource_def init = K8SC_RESOURCE_DEF_INIT;
    *def = init;
    return 0;
}

static void free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static char **dup_strv(const char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    char **out = k8sc__calloc(n + 1, sizeof(*out));
    for (size_t i = 0; out && i < n; i++) {
        if (!(out[i] = k8sc__strdup(v[i]))) {
            free_strv(out);
            return NULL;
        }
    }
    return out;
}

static void resource_free(k8sc_resource *r)
{
    if (!r)
        return;
    free(r->group);
    free(r->version);
    free(r->api_version);
    free(r->kind);
    free(r->list_kind);
    free(r->plural);
    free(r->singular);
    free_strv(r->short_names);
    free_strv(r->subresources);
    free_strv(r->categories);
    free_strv(r->verbs);
    free(r);
}

static char *lower_dup(const char *s)
{
    char *d = k8sc__strdup(s);
    for (char *p = d; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

static int resource_new(k8sc_resource **out, const k8sc_resource_def *def)
{
    k8sc_resource *r = k8sc__calloc(1, sizeof(*r));
    if (!r)
        return K8SC_ENOMEM;
    k8sc__buf av = K8SC__BUF_INIT, lk = K8SC__BUF_INIT;
    if (def->group[0])
        k8sc__buf_printf(&av, "%s/%s", def->group, def->api_version);
    else
        k8sc__buf_puts(&av, def->api_version);
    k8sc__buf_printf(&lk, "%sList", def->kind);
    r->group = k8sc__strdup(def->group);
    r->version = k8sc__strdup(def->api_version);
    r->api_version = k8sc__buf_detach(&av, NULL);
    r->kind = k8sc__strdup(def->kind);
    r->list_kind = k8sc__buf_detach(&lk, NULL);
    r->plural = k8sc__strdup(def->plural);
    r->singular = def->singular ? k8sc__strdup(def->singular) : lower_dup(def->kind);
    r->namespaced = def->namespaced;
    r->short_names = dup_strv(def->short_names);
    r->subresources = dup_strv(def->subresources);
    r->categories = dup_strv(def->categories);
    r->verbs = dup_strv(def->verbs ? def->verbs : default_verbs);
    if (!r->group || !r->version || !r->api_version || !r->kind || !r->list_kind || !r->plural ||
        !r->singular || !r->short_names || !r->subresources || !r->categories || !r->verbs) {
        resource_free(r);
        return k8sc__error_nomem();
    }
    *out = r;
    return 0;
}

/* Lower-case DNS-ish token: resource names, groups, versions. */
static bool valid_token(const char *s, bool dots)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-' || (dots && *s == '.')))
            return false;
    return true;
}

static int check_def(const k8sc_resource_def *def)
{
    if (!def || def->version != K8SC_RESOURCE_DEF_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "resource definition: unsupported version");
    if (!def->group || (def->group[0] && !valid_token(def->group, true)))
        return k8sc_error_set(K8SC_EINVAL, "resource definition: invalid group \"%s\"", def->group ? def->group : "(null)");
    if (!valid_token(def->api_version, false))
        return k8sc_error_set(K8SC_EINVAL, "resource definition: invalid version \"%s\"",
            def->api_version ? def->api_version : "(null)");
    if (!valid_token(def->plural, false))
        return k8sc_error_set(K8SC_EINVAL, "resource definition: invalid plural \"%s\"", def->plural ? def->plural : "(null)");
    if (!def->kind || !isupper((unsigned char)def->kind[0]))
        return k8sc_error_set(K8SC_EINVAL, "resource definition: kind \"%s\" must start with an upper-case letter",
            def->kind ? def->kind : "(null)");
    for (const char *p = def->kind; *p; p++)
        if (!isalnum((unsigned char)*p))
            return k8sc_error_set(K8SC_EINVAL, "resource definition: invalid kind \"%s\"", def->kind);
    if (def->singular && !valid_token(def->singular, false))
        return k8sc_error_set(K8SC_EINVAL, "resource definition: invalid singular \"%s\"", def->singular);
    return 0;
}

static bool same_gvr(const k8sc_resource *r, const char *group, const char *version, const char *plural)
{
    return !r->removed && strcmp(r->group, group) == 0 && (!version || strcmp(r->version, version) == 0) &&
        strcmp(r->plural, plural) == 0;
}

int k8sc_registry_add(k8sc_registry *reg, const k8sc_resource_def *def)
{
    K8SC__CHECK_ARG(reg);
    int rc = check_def(def);
    if (rc)
        return rc;
    k8sc_resource *r = NULL;
    if ((rc = resource_new(&r, def)) != 0)
        return rc;
    pthread_rwlock_wrlock(&reg->lock);
    for (size_t i = 0; i < reg->count; i++) {
        if (same_gvr(reg->items[i], def->group, def->api_version, def->plural)) {
            pthread_rwlock_unlock(&reg->lock);
            resource_free(r);
            return k8sc_error_set(K8SC_EEXISTS, "resource %s.%s/%s is already registered",
                def->plural, def->group, def->api_version);
        }
    }
    if (reg->count == reg->cap) {
        size_t cap = reg->cap ? reg->cap * 2 : 64;
        k8sc_resource **items = k8sc__realloc(reg->items, cap * sizeof(*items));
        if (!items) {
            pthread_rwlock_unlock(&reg->lock);
            resource_free(r);
            return K8SC_ENOMEM;
        }
        reg->items = items;
        reg->cap = cap;
    }
    reg->items[reg->count++] = r;
    pthread_rwlock_unlock(&reg->lock);
    return 0;
}

int k8sc_registry_replace(k8sc_registry *reg, const char *group, const char *plural, const k8sc_resource_def *defs,
    size_t n)
{
    K8SC__CHECK_ARG(reg && group && plural && (defs || n == 0));
    k8sc_resource **fresh = k8sc__calloc(n ? n : 1, sizeof(*fresh));
    if (!fresh)
        return K8SC_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if ((rc = check_def(&defs[i])) == 0 && (strcmp(defs[i].group, group) != 0 || strcmp(defs[i].plural, plural) != 0))
            rc = k8sc_error_set(K8SC_EINVAL, "resource definition %s.%s is not %s.%s", defs[i].plural, defs[i].group,
                plural, group);
        if (rc == 0)
            rc = resource_new(&fresh[i], &defs[i]);
    }
    pthread_rwlock_wrlock(&reg->lock);
    if (rc == 0 && reg->count + n > reg->cap) {
        size_t cap = reg->cap ? reg->cap : 64;
        while (cap < reg->count + n)
            cap *= 2;
        k8sc_resource **items = k8sc__realloc(reg->items, cap * sizeof(*items));
        if (items) {
            reg->items = items;
            reg->cap = cap;
        } else {
            rc = K8SC_ENOMEM;
        }
    }
    if (rc == 0) {
        /* One critical section: a lookup sees the old kinds or the new ones, never neither. */
        for (size_t i = 0; i < reg->count; i++)
            if (same_gvr(reg->items[i], group, NULL, plural))
                reg->items[i]->removed = true;
        for (size_t i = 0; i < n; i++)
            reg->items[reg->count++] = fresh[i];
    }
    pthread_rwlock_unlock(&reg->lock);
    if (rc)
        for (size_t i = 0; i < n; i++)
            resource_free(fresh[i]);
    free(fresh);
    return rc;
}

int k8sc_registry_remove(k8sc_registry *reg, const char *group, const char *api_version, const char *plural)
{
    K8SC__CHECK_ARG(reg && group && plural);
    int removed = 0;
    pthread_rwlock_wrlock(&reg->lock);
    for (size_t i = 0; i < reg->count; i++) {
        if (same_gvr(reg->items[i], group, api_version, plural)) {
            reg->items[i]->removed = true;
            removed++;
        }
    }
    pthread_rwlock_unlock(&reg->lock);
    if (!removed)
        return k8sc_error_set(K8SC_ENOTFOUND, "resource %s.%s is not registered", plural, group);
    return 0;
}

int k8sc_registry_new_empty(k8sc_registry **out)
{
    K8SC__CHECK_ARG(out);
    k8sc_registry *reg = k8sc__calloc(1, sizeof(*reg));
    if (!reg)
        return K8SC_ENOMEM;
    pthread_rwlock_init(&reg->lock, NULL);
    *out = reg;
    return 0;
}

void k8sc_registry_free(k8sc_registry *reg)
{
    if (!reg || reg == k8sc_registry_default())
        return;
    for (size_t i = 0; i < reg->count; i++)
        resource_free(reg->items[i]);
    free(reg->items);
    pthread_rwlock_destroy(&reg->lock);
    free(reg);
}



int k8sc_registry_new(k8sc_registry **out)
{
    int rc = k8sc_registry_new_empty(out);
    if (rc == 0 && (rc = k8sc__registry_add_builtins(*out)) != 0) {
        k8sc_registry_free(*out);
        *out = NULL;
    }
    return rc;
}

static k8sc_registry *default_registry;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void default_init(void)
{
    k8sc_registry *reg = NULL;
    if (k8sc_registry_new(&reg) == 0)
        default_registry = reg;
}

k8sc_registry *k8sc_registry_default(void)
{
    pthread_once(&default_once, default_init);
    return default_registry;
}

/* Scan live kinds under the read lock; `match` decides. */
static const k8sc_resource *registry_scan(k8sc_registry *reg,
    bool (*match)(const k8sc_resource *r, const void *ctx), const void *ctx)
{
    if (!reg)
        return NULL;
    const k8sc_resource *found = NULL;
    pthread_rwlock_rdlock(&reg->lock);
    for (size_t i = 0; i < reg->count && !found; i++)
        if (!reg->items[i]->removed && match(reg->items[i], ctx))
            found = reg->items[i];
    pthread_rwlock_unlock(&reg->lock);
    return found;
}

typedef struct {
    const char *group, *version, *name;
    size_t group_len; /* group may be a prefix of a longer string */
} gvn;

static bool group_is(const k8sc_resource *r, const gvn *q)
{
    return strlen(r->group) == q->group_len && strncmp(r->group, q->group, q->group_len) == 0;
}

static bool match_kind(const k8sc_resource *r, const void *ctx)
{
    const gvn *q = ctx;
    return group_is(r, q) && (!q->version || strcmp(r->version, q->version) == 0) && strcmp(r->kind, q->name) == 0;
}

static bool match_plural(const k8sc_resource *r, const void *ctx)
{
    const gvn *q = ctx;
    return group_is(r, q) && (!q->version || strcmp(r->version, q->version) == 0) && strcmp(r->plural, q->name) == 0;
}

const k8sc_resource *k8sc_registry_find_kind(k8sc_registry *reg, const char *group, const char *api_version, const char *kind)
{
    if (!group || !kind)
        return NULL;
    gvn q = { group, api_version, kind, strlen(group) };
    return registry_scan(reg, match_kind, &q);
}

const k8sc_resource *k8sc_registry_find_gvk(k8sc_registry *reg, const char *api_version, const char *kind)
{
    if (!api_version || !kind)
        return NULL;
    const char *slash = strchr(api_version, '/');
    gvn q = { api_version, slash ? slash + 1 : api_version, kind, slash ? (size_t)(slash - api_version) : 0 };
    return registry_scan(reg, match_kind, &q);
}

const k8sc_resource *k8sc_registry_find_resource(k8sc_registry *reg, const char *group, const char *api_version, const char *plural)
{
    if (!group || !plural)
        return NULL;
    gvn q = { group, api_version, plural, strlen(group) };
    return registry_scan(reg, match_plural, &q);
}

/* Any name a user may type for the kind, compared case-insensitively. */
static bool names_match(const k8sc_resource *r, const char *name, size_t len)
{
    if ((strlen(r->plural) == len && strncasecmp(r->plural, name, len) == 0) ||
        (strlen(r->singular) == len && strncasecmp(r->singular, name, len) == 0) ||
        (strlen(r->kind) == len && strncasecmp(r->kind, name, len) == 0))
        return true;
    for (char **s = r->short_names; *s; s++)
        if (strlen(*s) == len && strncasecmp(*s, name, len) == 0)
            return true;
    return false;
}

typedef struct {
    const char *name;
    size_t name_len;
    const char *version; /* may be a prefix; NULL: any */
    size_t version_len;
    const char *group; /* NULL: any */
} lookup_q;

static bool match_lookup(const k8sc_resource *r, const void *ctx)
{
    const lookup_q *q = ctx;
    if (q->group && strcasecmp(r->group, q->group) != 0)
        return false;
    if (q->version && (strlen(r->version) != q->version_len || strncmp(r->version, q->version, q->version_len) != 0))
        return false;
    return names_match(r, q->name, q->name_len);
}

const k8sc_resource *k8sc_registry_lookup(k8sc_registry *reg, const char *name)
{
    if (!name || !*name)
        return NULL;
    const char *dot = strchr(name, '.');
    lookup_q q = { name, dot ? (size_t)(dot - name) : strlen(name), NULL, 0, NULL };
    if (!dot)
        return registry_scan(reg, match_lookup, &q);
    /* resource.version.group first (kubectl's fully specified form), then resource.group. */
    const char *rest = dot + 1;
    const char *dot2 = strchr(rest, '.');
    if (dot2) {
        lookup_q full = { name, q.name_len, rest, (size_t)(dot2 - rest), dot2 + 1 };
        const k8sc_resource *r = registry_scan(reg, match_lookup, &full);
        if (r)
            return r;
    }
    q.group = rest;
    return registry_scan(reg, match_lookup, &q);
}

size_t k8sc_registry_count(k8sc_registry *reg)
{
    if (!reg)
        return 0;
    size_t n = 0;
    pthread_rwlock_rdlock(&reg->lock);
    for (size_t i = 0; i < reg->count; i++)
        n += !reg->items[i]->removed;
    pthread_rwlock_unlock(&reg->lock);
    return n;
}

const k8sc_resource *k8sc_registry_at(k8sc_registry *reg, size_t index)
{
    if (!reg)
        return NULL;
    const k8sc_resource *found = NULL;
    pthread_rwlock_rdlock(&reg->lock);
    for (size_t i = 0; i < reg->count && !found; i++)
        if (!reg->items[i]->removed && index-- == 0)
            found = reg->items[i];
    pthread_rwlock_unlock(&reg->lock);
    return found;
}

const char *k8sc_resource_group(const k8sc_resource *r) { return r ? r->group : NULL; }
const char *k8sc_resource_version(const k8sc_resource *r) { return r ? r->version : NULL; }
const char *k8sc_resource_api_version(const k8sc_resource *r) { return r ? r->api_version : NULL; }
const char *k8sc_resource_kind(const k8sc_resource *r) { return r ? r->kind : NULL; }
const char *k8sc_resource_list_kind(const k8sc_resource *r) { return r ? r->list_kind : NULL; }
const char *k8sc_resource_plural(const k8sc_resource *r) { return r ? r->plural : NULL; }
const char *k8sc_resource_singular(const k8sc_resource *r) { return r ? r->singular : NULL; }
bool k8sc_resource_namespaced(const k8sc_resource *r) { return r && r->namespaced; }
const char *const *k8sc_resource_short_names(const k8sc_resource *r) { return r ? (const char *const *)r->short_names : NULL; }
const char *const *k8sc_resource_subresources(const k8sc_resource *r) { return r ? (const char *const *)r->subresources : NULL; }
const char *const *k8sc_resource_categories(const k8sc_resource *r) { return r ? (const char *const *)r->categories : NULL; }
const char *const *k8sc_resource_verbs(const k8sc_resource *r) { return r ? (const char *const *)r->verbs : NULL; }

bool k8sc_resource_has_subresource(const k8sc_resource *r, const char *name)
{
    for (char **s = r && name ? r->subresources : NULL; s && *s; s++)
        if (strcmp(*s, name) == 0)
            return true;
    return false;
}
