/* The kubelet's life cycle: options, pod workers, housekeeping (relist and heartbeats), host loops. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "kubelet_internal.h"
#include "node_server.h"

#define HOUSE_RELIST "relist"
#define HOUSE_HEARTBEAT "heartbeat"
#define HOUSE_LOGS_GC "logs-gc"
/* How often gone pods' log directories are looked for (the kubelet's container GC period). */
#define KL_LOGS_GC_NS (60 * 1000000000LL)

int k8sc_kubelet_options_init(k8sc_kubelet_options *opts, unsigned int version)
{
    K8SC__CHECK_ARG(opts);
    if (version != K8SC_KUBELET_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_kubelet_options: unknown version %u", version);
    k8sc_kubelet_options init = K8SC_KUBELET_OPTIONS_INIT;
    *opts = init;
    return 0;
}

/* "k=v,k2=v2" into a JSON object; values checked as quantities when `quantities`. */
static int parse_pairs(json_object **out, const char *text, const char *what, bool quantities)
{
    *out = json_object_new_object();
    if (!*out)
        return k8sc__error_nomem();
    if (!text || !text[0])
        return 0;
    char *copy = k8sc__strdup(text);
    if (!copy)
        return K8SC_ENOMEM;
    int rc = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item && rc == 0; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq || eq == item) {
            rc = k8sc_error_set(K8SC_EINVAL, "%s: \"%s\" is not key=value", what, item);
            break;
        }
        *eq = '\0';
        k8sc_quantity q;
        if (quantities && k8sc_quantity_parse(&q, eq + 1) != 0)
            rc = k8sc_error_set(K8SC_EINVAL, "%s: %s=%s is not a quantity", what, item, eq + 1);
        else
            json_object_object_add(*out, item, json_object_new_string(eq + 1));
    }
    free(copy);
    if (rc != 0) {
        json_object_put(*out);
        *out = NULL;
    }
    return rc;
}

/* "k=v:Effect,k:Effect" into a taints array. */
static int parse_taints(json_object **out, const char *text)
{
    *out = json_object_new_array();
    if (!*out)
        return k8sc__error_nomem();
    if (!text || !text[0])
        return 0;
    char *copy = k8sc__strdup(text);
    if (!copy)
        return K8SC_ENOMEM;
    int rc = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item && rc == 0; item = strtok_r(NULL, ",", &save)) {
        char *colon = strrchr(item, ':');
        if (!colon || colon == item) {
            rc = k8sc_error_set(K8SC_EINVAL, "invalid taint \"%s\": want key[=value]:Effect", item);
            break;
        }
        *colon = '\0';
        const char *effect = colon + 1;
        if (strcmp(effect, "NoSchedule") != 0 && strcmp(effect, "PreferNoSchedule") != 0 &&
            strcmp(effect, "NoExecute") != 0) {
            rc = k8sc_error_set(K8SC_EINVAL, "invalid taint effect \"%s\": want NoSchedule, PreferNoSchedule or NoExecute",
                                effect);
            break;
        }
        char *eq = strchr(item, '=');
        if (eq)
            *eq = '\0';
        json_object *t = json_object_new_object();
        json_object_object_add(t, "key", json_object_new_string(item));
        if (eq)
            json_object_object_add(t, "value", json_object_new_string(eq + 1));
        json_object_object_add(t, "effect", json_object_new_string(effect));
        json_object_array_add(*out, t);
    }
    free(copy);
    if (rc != 0) {
        json_object_put(*out);
        *out = NULL;
    }
    return rc;
}

/*
 * Whether an update of a pod concerns the kubelet: as the kubelet's
 * podsDifferSemantically, a change of its spec, labels, annotations,
 * identity or deletion. Status changes are not: the kubelet owns the
 * status and writes it itself (each write would otherwise sync the pod
 * again).
 */
static bool pod_update_matters(const k8sc_object *old, const k8sc_object *obj, void *userdata)
{
    (void)userdata;
    static const char *const paths[] = { "spec", "metadata.labels", "metadata.annotations", "metadata.uid",
                                         "metadata.deletionTimestamp", "metadata.deletionGracePeriodSeconds" };
    for (size_t i = 0; i < K8SC__ARRAY_LEN(paths); i++) {
        json_object *a = k8sc_object_get(old, paths[i]), *b = k8sc_object_get(obj, paths[i]);
        if (!a != !b || (a && !json_object_equal(a, b)))
            return true;
    }
    return false;
}

static void house_arm(k8sc_kubelet *k)
{
    k8sc_workqueue_add(k->house, HOUSE_RELIST);
    k8sc_workqueue_add(k->house, HOUSE_HEARTBEAT);
    k8sc_workqueue_add_after(k->house, HOUSE_LOGS_GC, KL_LOGS_GC_NS);
}

int k8sc_kubelet_new(k8sc_kubelet **out, k8sc_client *client, const k8sc_kubelet_options *opts)
{
    K8SC__CHECK_ARG(out && client && opts);
    *out = NULL;
    if (opts->version != K8SC_KUBELET_OPTIONS_VERSION)
        return k8sc_error_set(K8SC_EINVAL, "k8sc_kubelet_options: unknown version %u", opts->version);
    if (!opts->node_name || !opts->node_name[0] || !opts->runtime)
        return k8sc_error_set(K8SC_EINVAL, "kubelet: a node name and a container runtime are required");
    if (opts->port < -1 || opts->port > 65535)
        return k8sc_error_set(K8SC_EINVAL, "kubelet: port %d is out of range", opts->port);
    k8sc_kubelet *k = k8sc__calloc(1, sizeof(*k));
    if (!k)
        return K8SC_ENOMEM;
    pthread_mutex_init(&k->lock, NULL);
    k->epfd = -1;
    k->client = client;
    k->rt = opts->runtime;
    k->clock = opts->clock ? opts->clock : k8sc_clock_system();
    k->register_node = opts->register_node;
    k->port = opts->port;
    k->workers = opts->workers > 0 ? opts->workers : 4;
    k->recorder = opts->recorder;
    k->max_pids = opts->pod_max_pids == 0 ? 4096 : opts->pod_max_pids < 0 ? 0 : opts->pod_max_pids;
    k->node_name = k8sc__strdup(opts->node_name);
    k->node_ip = k8sc__strdup(opts->node_ip ? opts->node_ip : "127.0.0.1");
    k->data_dir = k8sc__strdup(opts->data_dir ? opts->data_dir : "/var/lib/k8sc/kubelet");
    k->listen_address = k8sc__strdup(opts->listen_address ? opts->listen_address : "127.0.0.1");
    k->pod_manifest_path = opts->pod_manifest_path ? k8sc__strdup(opts->pod_manifest_path) : NULL;
    int rc = 0;
    if (!k->node_name || !k->node_ip || !k->data_dir || !k->listen_address ||
        (opts->pod_manifest_path && !k->pod_manifest_path))
        rc = K8SC_ENOMEM;
    if (rc == 0)
        rc = parse_pairs(&k->node_labels, opts->node_labels, "node labels", false);
    if (rc == 0)
        rc = parse_taints(&k->taints, opts->register_with_taints);
    if (rc == 0)
        rc = parse_pairs(&k->capacity, opts->capacity, "capacity", true);
    if (rc == 0)
        rc = k8sc__kl_dns_init(k, opts);
    if (rc == 0)
        rc = k8sc__mkdirs(k->data_dir, 0755);
    k8sc_informer_options io = K8SC_INFORMER_OPTIONS_INIT;
    char selector[512];
    snprintf(selector, sizeof(selector), "spec.nodeName=%s", k->node_name);
    io.field_selector = selector;
    io.clock = k->clock;
    if (rc == 0)
        rc = k8sc_informer_factory_new(&k->factory, client, &io);
    if (rc == 0) {
        k8sc_controller_options co = K8SC_CONTROLLER_OPTIONS_INIT;
        co.name = "kubelet-pod-workers";
        co.api_version = "v1";
        co.kind = "Pod";
        co.reconcile = k8sc__kl_sync_pod;
        co.update_filter = pod_update_matters;
        co.userdata = k;
        co.workers = k->workers;
        co.factory = k->factory;
        co.clock = k->clock;
        rc = k8sc_controller_new(&k->pods, client, &co);
    }
    if (rc == 0)
        rc = k8sc_controller_owns(k->pods, K8SC_POD);
    if (rc == 0) {
        k8sc_workqueue_options wo = K8SC_WORKQUEUE_OPTIONS_INIT;
        wo.name = "kubelet-housekeeping";
        wo.clock = k->clock;
        rc = k8sc_workqueue_new(&k->house, &wo);
    }
    if (rc != 0) {
        k8sc_kubelet_free(k);
        return rc;
    }
    house_arm(k);
    *out = k;
    return 0;
}

static void pod_state_free_all(k8sc_kubelet *k)
{
    for (size_t b = 0; b < k->pod_state.nbuckets; b++)
        for (k8sc__keynode *n = k->pod_state.buckets[b]; n; n = n->next) {
            kl_pod *p = (kl_pod *)n;
            for (size_t i = 0; i < p->n_backoffs; i++)
                free(p->backoffs[i].name);
            free(p->backoffs);
            free(p->reject_reason);
            free(p->reject_message);
            json_object_put(p->waiting);
            k8sc__kl_probes_free(p);
        }
    k8sc__keymap_clear(&k->pod_state);
}

void k8sc_kubelet_free(k8sc_kubelet *k)
{
    if (!k)
        return;
    k8sc_kubelet_stop(k);
    k8sc_controller_free(k->pods);
    k8sc_informer_factory_free(k->factory);
    k8sc_workqueue_free(k->house);
    if (k->epfd >= 0)
        close(k->epfd);
    pod_state_free_all(k);
    k8sc__keymap_clear(&k->seen);
    json_object_put(k->node_labels);
    json_object_put(k->taints);
    json_object_put(k->capacity);
    json_object_put(k->last_node_status);
    free(k->node_name);
    free(k->node_ip);
    free(k->data_dir);
    free(k->listen_address);
    free(k->pod_manifest_path);
    k8sc__kl_dns_free(k);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

kl_pod *k8sc__kl_pod_state(k8sc_kubelet *k, const char *uid)
{
    k8sc__keynode *n = k8sc__keymap_find(&k->pod_state, uid);
    if (n)
        return (kl_pod *)n;
    kl_pod *p = (kl_pod *)k8sc__keymap_insert(&k->pod_state, uid, sizeof(kl_pod));
    if (!p)
        return NULL;
    p->start_time = k8sc_clock_now(k->clock) / 1000000000;
    return p;
}

void k8sc__kl_pod_forget(k8sc_kubelet *k, const char *uid)
{
    k8sc__keynode *n = k8sc__keymap_find(&k->pod_state, uid);
    if (!n)
        return;
    kl_pod *p = (kl_pod *)n;
    for (size_t i = 0; i < p->n_backoffs; i++)
        free(p->backoffs[i].name);
    free(p->backoffs);
    free(p->reject_reason);
    free(p->reject_message);
    json_object_put(p->waiting);
    k8sc__kl_probes_free(p);
    k8sc__keymap_remove(&k->pod_state, n);
}

/* One housekeeping item; re-arms itself. */
static void house_run(k8sc_kubelet *k, const char *key)
{
    if (strcmp(key, HOUSE_RELIST) == 0) {
        if (k8sc__kl_relist(k) != 0)
            k8sc_log(K8SC_LOG_WARN, "kubelet: relist: %s", k8sc_error_last());
        k8sc_workqueue_add_after(k->house, HOUSE_RELIST, KL_RELIST_NS);
    } else if (strcmp(key, HOUSE_LOGS_GC) == 0) {
        k8sc__kl_logs_gc(k);
        k8sc_workqueue_add_after(k->house, HOUSE_LOGS_GC, KL_LOGS_GC_NS);
    } else if (strcmp(key, HOUSE_HEARTBEAT) == 0) {
        int rc = k8sc__kl_heartbeat(k);
        if (rc != 0)
            k8sc_log(K8SC_LOG_WARN, "kubelet: node %s: %s", k->node_name, k8sc_error_last());
        /* Until the node is registered, try again soon. */
        k8sc_workqueue_add_after(k->house, HOUSE_HEARTBEAT, rc == 0 ? KL_LEASE_RENEW_NS : 1000000000LL);
    }
}

static void *house_main(void *arg)
{
    k8sc_kubelet *k = arg;
    char *key;
    while (k8sc_workqueue_get(k->house, &key) == 0) {
        house_run(k, key);
        k8sc_workqueue_done(k->house, key);
        free(key);
    }
    return NULL;
}

/* What start and the host loop do first: images from the data dir, then the node API. */
static int server_start(k8sc_kubelet *k)
{
    k8sc__kl_import_images(k);
    if (k->port < 0)
        return 0;
    k8sc__node_server *s;
    int rc = k8sc__node_server_start(&s, k->listen_address, (uint16_t)k->port, k->rt, k8sc__kl_lookup, k);
    if (rc != 0)
        return rc;
    k->server = s;
    k->bound_port = k8sc__node_server_port(s);
    return 0;
}

int k8sc_kubelet_start(k8sc_kubelet *k)
{
    K8SC__CHECK_ARG(k);
    if (k->started || k->epfd >= 0)
        return k8sc_error_set(K8SC_EINVAL, "kubelet: already started or driven by a host loop");
    int rc = server_start(k);
    if (rc == 0)
        rc = k8sc_informer_factory_start(k->factory);
    if (rc == 0)
        rc = k8sc_controller_start(k->pods);
    if (rc == 0 && pthread_create(&k->house_thread, NULL, house_main, k) != 0)
        rc = k8sc_error_set(K8SC_EIO, "kubelet: cannot start a thread");
    if (rc != 0) {
        k8sc_controller_stop(k->pods);
        k8sc_informer_factory_stop(k->factory);
        k8sc__node_server_stop(k->server);
        k->server = NULL;
        return rc;
    }
    k->started = true;
    return 0;
}

void k8sc_kubelet_stop(k8sc_kubelet *k)
{
    if (!k || k->stopped)
        return;
    k->stopped = true;
    if (k->started) {
        k8sc_workqueue_shutdown(k->house);
        pthread_join(k->house_thread, NULL);
        k8sc_controller_stop(k->pods);
        k8sc_informer_factory_stop(k->factory);
    }
    k8sc__node_server_stop(k->server);
    k->server = NULL;
}

int k8sc_kubelet_fd(k8sc_kubelet *k)
{
    if (!k || k->started)
        return -1;
    if (k->epfd >= 0)
        return k->epfd;
    if (server_start(k) != 0)
        return -1;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        return -1;
    int fds[3] = { k8sc_informer_factory_fd(k->factory), k8sc_controller_fd(k->pods), k8sc_workqueue_fd(k->house) };
    for (int i = 0; i < 3; i++) {
        struct epoll_event ev = { .events = EPOLLIN };
        ev.data.fd = fds[i];
        if (fds[i] >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) != 0) {
            close(ep);
            return -1;
        }
    }
    k->epfd = ep;
    return ep;
}

static int min_timeout(int a, int b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

int k8sc_kubelet_next_timeout_ms(k8sc_kubelet *k)
{
    if (!k)
        return -1;
    int t = k8sc_informer_factory_next_timeout_ms(k->factory);
    t = min_timeout(t, k8sc_controller_next_timeout_ms(k->pods));
    return min_timeout(t, k8sc_workqueue_next_timeout_ms(k->house));
}

int k8sc_kubelet_process(k8sc_kubelet *k)
{
    K8SC__CHECK_ARG(k && !k->started);
    if (k->epfd < 0 && k8sc_kubelet_fd(k) < 0)
        return k8sc_error_set(K8SC_EIO, "kubelet: cannot set up the host loop: %s", strerror(errno));
    k8sc_informer_factory_process(k->factory);
    k8sc_workqueue_process(k->house);
    char *key;
    while (k8sc_workqueue_try_get(k->house, &key) == 0) {
        house_run(k, key);
        k8sc_workqueue_done(k->house, key);
        free(key);
    }
    return k8sc_controller_process(k->pods);
}

uint16_t k8sc_kubelet_port(const k8sc_kubelet *k)
{
    return k ? k->bound_port : 0;
}
