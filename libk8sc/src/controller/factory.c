/*
 * The shared informer factory: one informer per apiVersion + kind, so the
 * controllers of a process share one list and one watch per resource.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "controller.h"
#include "internal.h"

struct k8sc_informer_factory {
    k8sc_client *client;
    k8sc_informer_options opts;
    char *ns, *label_selector, *field_selector;
    pthread_mutex_t mu;
    struct entry {
        char *api_version, *kind;
        k8sc_informer *inf;
    } *entries;
    size_t n;
    bool started;
    int ep_fd;
};

int k8sc_informer_factory_new(k8sc_informer_factory **out, k8sc_client *client, const k8sc_informer_options *opts)
{
    K8SC__CHECK_ARG(out && client);
    K8SC__CHECK_ARG(!opts || opts->version == K8SC_INFORMER_OPTIONS_VERSION);
    *out = NULL;
    k8sc_informer_factory *f = k8sc__calloc(1, sizeof(*f));
    if (!f)
        return K8SC_ENOMEM;
    f->client = client;
    f->opts = opts ? *opts : (k8sc_informer_options)K8SC_INFORMER_OPTIONS_INIT;
    pthread_mutex_init(&f->mu, NULL);
    f->ep_fd = epoll_create1(EPOLL_CLOEXEC);
    /* The options' strings are copied so the caller's may go away. */
    bool failed = (f->opts.namespace_ && !(f->ns = k8sc__strdup(f->opts.namespace_)))
        || (f->opts.label_selector && !(f->label_selector = k8sc__strdup(f->opts.label_selector)))
        || (f->opts.field_selector && !(f->field_selector = k8sc__strdup(f->opts.field_selector)));
    f->opts.namespace_ = f->ns;
    f->opts.label_selector = f->label_selector;
    f->opts.field_selector = f->field_selector;
    if (failed || f->ep_fd < 0) {
        k8sc_informer_factory_free(f);
        return failed ? K8SC_ENOMEM : k8sc_error_set(K8SC_EIO, "informer factory: cannot create an epoll fd");
    }
    *out = f;
    return 0;
}

void k8sc_informer_factory_free(k8sc_informer_factory *f)
{
    if (!f)
        return;
    k8sc_informer_factory_stop(f);
    for (size_t i = 0; i < f->n; i++) {
        k8sc_informer_free(f->entries[i].inf);
        free(f->entries[i].api_version);
        free(f->entries[i].kind);
    }
    free(f->entries);
    free(f->ns);
    free(f->label_selector);
    free(f->field_selector);
    if (f->ep_fd >= 0)
        close(f->ep_fd);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

/* Make the informer for `api_version` + `kind` and register it. Lock held. */
static int add_entry(k8sc_informer **out, k8sc_informer_factory *f, const char *api_version, const char *kind)
{
    struct entry *e = k8sc__realloc(f->entries, (f->n + 1) * sizeof(*e));
    if (!e)
        return K8SC_ENOMEM;
    f->entries = e;
    e = &e[f->n];
    *e = (struct entry){ k8sc__strdup(api_version), k8sc__strdup(kind), NULL };
    int rc = !e->api_version || !e->kind ? K8SC_ENOMEM : k8sc_informer_new(&e->inf, f->client, api_version, kind, &f->opts);
    if (rc == 0 && f->started)
        rc = k8sc_informer_start(e->inf);
    if (rc < 0) {
        k8sc_informer_free(e->inf);
        free(e->api_version);
        free(e->kind);
        return rc;
    }
    struct epoll_event ev = { .events = EPOLLIN };
    ev.data.ptr = e->inf;
    epoll_ctl(f->ep_fd, EPOLL_CTL_ADD, k8sc_informer_fd(e->inf), &ev);
    f->n++;
    *out = e->inf;
    return 0;
}

int k8sc_informer_factory_get(k8sc_informer **out, k8sc_informer_factory *f, const char *api_version, const char *kind)
{
    K8SC__CHECK_ARG(out && f && api_version && kind);
    pthread_mutex_lock(&f->mu);
    int rc = 0;
    *out = NULL;
    for (size_t i = 0; i < f->n && !*out; i++)
        if (strcmp(f->entries[i].api_version, api_version) == 0 && strcmp(f->entries[i].kind, kind) == 0)
            *out = f->entries[i].inf;
    if (!*out)
        rc = add_entry(out, f, api_version, kind);
    pthread_mutex_unlock(&f->mu);
    return rc;
}

int k8sc_informer_factory_start(k8sc_informer_factory *f)
{
    K8SC__CHECK_ARG(f);
    pthread_mutex_lock(&f->mu);
    int rc = 0;
    if (!f->started) {
        f->started = true;
        for (size_t i = 0; i < f->n && rc == 0; i++)
            rc = k8sc_informer_start(f->entries[i].inf);
    }
    pthread_mutex_unlock(&f->mu);
    return rc;
}

void k8sc_informer_factory_stop(k8sc_informer_factory *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < f->n; i++)
        k8sc_informer_stop(f->entries[i].inf);
    f->started = false;
    pthread_mutex_unlock(&f->mu);
}

int k8sc_informer_factory_wait_synced(k8sc_informer_factory *f, int timeout_ms)
{
    K8SC__CHECK_ARG(f);
    int64_t deadline = k8sc_clock_mono(NULL) + (int64_t)timeout_ms * 1000000;
    pthread_mutex_lock(&f->mu);
    size_t n = f->n;
    pthread_mutex_unlock(&f->mu);
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&f->mu);
        k8sc_informer *inf = f->entries[i].inf;
        pthread_mutex_unlock(&f->mu);
        int left = -1;
        if (timeout_ms >= 0) {
            int64_t ns = deadline - k8sc_clock_mono(NULL);
            left = ns > 0 ? (int)(ns / 1000000) : 0;
        }
        int rc = k8sc_informer_wait_synced(inf, left);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int k8sc_informer_factory_fd(k8sc_informer_factory *f)
{
    return f ? f->ep_fd : -1;
}

int k8sc_informer_factory_next_timeout_ms(k8sc_informer_factory *f)
{
    if (!f)
        return -1;
    pthread_mutex_lock(&f->mu);
    int best = -1;
    for (size_t i = 0; i < f->n; i++) {
        int t = k8sc_informer_next_timeout_ms(f->entries[i].inf);
        if (t >= 0 && (best < 0 || t < best))
            best = t;
    }
    pthread_mutex_unlock(&f->mu);
    return best;
}

int k8sc_informer_factory_process(k8sc_informer_factory *f)
{
    K8SC__CHECK_ARG(f && !f->started);
    pthread_mutex_lock(&f->mu);
    size_t n = f->n;
    pthread_mutex_unlock(&f->mu);
    /* Entries are only appended, and the lock is not held while handlers run (they may add informers). */
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&f->mu);
        k8sc_informer *inf = f->entries[i].inf;
        pthread_mutex_unlock(&f->mu);
        k8sc_informer_process(inf);
    }
    return 0;
}
