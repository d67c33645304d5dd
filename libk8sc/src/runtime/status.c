/* Freeing and copying what runtimes return. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "runtime_internal.h"

void k8sc__pairs_free(k8sc_runtime_pair *pairs, size_t n)
{
    if (!pairs)
        return;
    for (size_t i = 0; i < n; i++) {
        free((char *)pairs[i].name);
        free((char *)pairs[i].value);
    }
    free(pairs);
}

int k8sc__pairs_dup(k8sc_runtime_pair **out, const k8sc_runtime_pair *in, size_t n)
{
    *out = NULL;
    if (n == 0)
        return 0;
    k8sc_runtime_pair *p = k8sc__calloc(n, sizeof(*p));
    if (!p)
        return K8SC_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        p[i].name = k8sc__strdup(in[i].name ? in[i].name : "");
        p[i].value = k8sc__strdup(in[i].value ? in[i].value : "");
        if (!p[i].name || !p[i].value) {
            k8sc__pairs_free(p, n);
            return K8SC_ENOMEM;
        }
    }
    *out = p;
    return 0;
}

int k8sc__strv_dup(char ***out, const char *const *v, size_t n)
{
    char **c = k8sc__calloc(n + 1, sizeof(*c));
    if (!c)
        return K8SC_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!(c[i] = k8sc__strdup(v[i] ? v[i] : ""))) {
            k8sc_strv_free(c);
            return K8SC_ENOMEM;
        }
    }
    *out = c;
    return 0;
}

void k8sc_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

const char *k8sc_runtime_pair_get(const k8sc_runtime_pair *pairs, size_t n, const char *name)
{
    if (!pairs || !name)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (pairs[i].name && strcmp(pairs[i].name, name) == 0)
            return pairs[i].value;
    return NULL;
}

int k8sc__sandbox_status_fill(k8sc_sandbox_status *st, const k8sc_sandbox_config *cfg)
{
    if (k8sc__pairs_dup(&st->labels, cfg->labels, cfg->n_labels) != 0)
        return K8SC_ENOMEM;
    st->n_labels = cfg->n_labels;
    if (k8sc__pairs_dup(&st->annotations, cfg->annotations, cfg->n_annotations) != 0)
        return K8SC_ENOMEM;
    st->n_annotations = cfg->n_annotations;
    return 0;
}

void k8sc_sandbox_status_free(k8sc_sandbox_status *s)
{
    if (!s)
        return;
    free(s->id);
    free(s->name);
    free(s->namespace_);
    free(s->uid);
    free(s->ip);
    free(s->netns_path);
    k8sc__pairs_free(s->labels, s->n_labels);
    k8sc__pairs_free(s->annotations, s->n_annotations);
    free(s);
}

void k8sc_sandbox_status_list_free(k8sc_sandbox_status **list, size_t count)
{
    if (!list)
        return;
    for (size_t i = 0; i < count; i++)
        k8sc_sandbox_status_free(list[i]);
    free(list);
}

void k8sc_container_status_free(k8sc_container_status *s)
{
    if (!s)
        return;
    free(s->id);
    free(s->sandbox_id);
    free(s->name);
    free(s->reason);
    free(s->message);
    free(s->image);
    free(s->image_id);
    free(s->log_path);
    k8sc__pairs_free(s->labels, s->n_labels);
    k8sc__pairs_free(s->annotations, s->n_annotations);
    free(s);
}

void k8sc_container_status_list_free(k8sc_container_status **list, size_t count)
{
    if (!list)
        return;
    for (size_t i = 0; i < count; i++)
        k8sc_container_status_free(list[i]);
    free(list);
}

static void strv_n_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void k8sc_image_free(k8sc_image *img)
{
    if (!img)
        return;
    free(img->id);
    strv_n_free(img->repo_tags, img->n_repo_tags);
    strv_n_free(img->repo_digests, img->n_repo_digests);
    strv_n_free(img->entrypoint, img->n_entrypoint);
    strv_n_free(img->cmd, img->n_cmd);
    strv_n_free(img->env, img->n_env);
    free(img->working_dir);
    free(img->user);
    free(img->stop_signal);
    free(img);
}

void k8sc_image_list_free(k8sc_image **list, size_t count)
{
    if (!list)
        return;
    for (size_t i = 0; i < count; i++)
        k8sc_image_free(list[i]);
    free(list);
}

static int strv_n_dup(char ***out, char *const *v, size_t n)
{
    *out = NULL;
    if (n == 0)
        return 0;
    return k8sc__strv_dup(out, (const char *const *)v, n);
}

static char *strdup_or_null(const char *s, bool *failed)
{
    if (!s)
        return NULL;
    char *c = k8sc__strdup(s);
    if (!c)
        *failed = true;
    return c;
}

k8sc_image *k8sc__image_dup(const k8sc_image *img)
{
    k8sc_image *c = k8sc__calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    bool failed = false;
    c->id = strdup_or_null(img->id, &failed);
    c->working_dir = strdup_or_null(img->working_dir, &failed);
    c->user = strdup_or_null(img->user, &failed);
    c->stop_signal = strdup_or_null(img->stop_signal, &failed);
    c->size = img->size;
    c->n_repo_tags = img->n_repo_tags;
    c->n_repo_digests = img->n_repo_digests;
    c->n_entrypoint = img->n_entrypoint;
    c->n_cmd = img->n_cmd;
    c->n_env = img->n_env;
    if (strv_n_dup(&c->repo_tags, img->repo_tags, img->n_repo_tags) ||
        strv_n_dup(&c->repo_digests, img->repo_digests, img->n_repo_digests) ||
        strv_n_dup(&c->entrypoint, img->entrypoint, img->n_entrypoint) ||
        strv_n_dup(&c->cmd, img->cmd, img->n_cmd) || strv_n_dup(&c->env, img->env, img->n_env))
        failed = true;
    if (failed) {
        k8sc_image_free(c);
        k8sc__error_nomem();
        return NULL;
    }
    return c;
}
