/*
 * The pod worker: bring one pod's containers to what its spec and phase
 * ask for, then report its status (the kubelet's SyncPod and
 * computePodActions, one pod at a time, never two workers on one pod).
 */
#include <stdlib.h>
#include <string.h>

#include "controllers/workload.h"
#include "kubelet_internal.h"

/* The pod's termination grace period in seconds. */
static int64_t grace_period(const k8sc_object *pod)
{
    int64_t g;
    if (k8sc_object_get_int(pod, "metadata.deletionGracePeriodSeconds", &g) == 0 && g >= 0)
        return g;
    if (k8sc_object_get_int(pod, "spec.terminationGracePeriodSeconds", &g) == 0 && g >= 0)
        return g;
    return 30;
}

/* The spec of container `name` (app or init), or NULL. */
static json_object *container_spec(const k8sc_object *pod, const char *name)
{
    static const char *const lists[] = { "spec.containers", "spec.initContainers" };
    for (size_t l = 0; l < 2; l++) {
        json_object *cs = k8sc_object_get(pod, lists[l]);
        for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
            json_object *c = json_object_array_get_idx(cs, i);
            if (strcmp(k8sc__json_string(c, "name") ? k8sc__json_string(c, "name") : "", name) == 0)
                return c;
        }
    }
    return NULL;
}

typedef struct kill_job {
    k8sc_kubelet *k;
    const k8sc_object *pod;
    k8sc_container_status **victims;
    int64_t grace;
} kill_job;

static void kill_one(size_t i, void *arg)
{
    kill_job *j = arg;
    const k8sc_container_status *c = j->victims[i];
    int64_t grace = j->grace;
    json_object *spec = j->pod ? container_spec(j->pod, c->name) : NULL;
    json_object *pre = k8sc__json_member(k8sc__json_member(k8sc__json_member(spec, "lifecycle"), "preStop"), "exec");
    json_object *cmd = k8sc__json_member(pre, "command");
    if (cmd && json_object_array_length(cmd) > 0 && grace > 0) {
        size_t n = json_object_array_length(cmd);
        const char **argv = k8sc__calloc(n, sizeof(*argv));
        int code = 0;
        int64_t start = k8sc_clock_mono(NULL);
        for (size_t a = 0; argv && a < n; a++)
            argv[a] = json_object_get_string(json_object_array_get_idx(cmd, a));
        if (argv && k8sc_runtime_exec_sync(j->k->rt, c->id, argv, n, (int)(grace * 1000), &code, NULL, NULL) != 0)
            k8sc_log(K8SC_LOG_INFO, "kubelet: preStop hook of %s: %s", c->name, k8sc_error_last());
        free(argv);
        /* The hook's time counts against the grace period. */
        grace -= (k8sc_clock_mono(NULL) - start) / 1000000000;
        if (grace < 0)
            grace = 0;
    }
    if (j->pod)
        k8sc__event(j->k->recorder, j->pod, "Normal", "Killing", "Stopping container %s", c->name);
    if (k8sc_runtime_stop_container(j->k->rt, c->id, grace) != 0)
        k8sc_log(K8SC_LOG_WARN, "kubelet: stopping container %s: %s", c->id, k8sc_error_last());
}

/* Stop every running container of the view (in parallel), each with `grace` seconds. */
static void kill_containers(k8sc_kubelet *k, const k8sc_object *pod, const kl_view *v, int64_t grace)
{
    k8sc_container_status **victims = k8sc__calloc(v->n_containers + 1, sizeof(*victims));
    size_t n = 0;
    for (size_t i = 0; victims && i < v->n_containers; i++)
        if (v->containers[i]->state == K8SC_CONTAINER_RUNNING || v->containers[i]->state == K8SC_CONTAINER_CREATED)
            victims[n++] = v->containers[i];
    kill_job job = { k, pod, victims, grace };
    if (n > 0)
        k8sc__parallel(n, (int)n, kill_one, &job);
    free(victims);
}

/*
 * Stop and remove every sandbox (and container) of the view, and the pod's
 * directories; its log directories too when `logs` (the pod is gone, not
 * just stopped with the node).
 */
static void remove_all(k8sc_kubelet *k, const kl_view *v, bool logs)
{
    for (size_t i = 0; i < v->n_containers; i++)
        k8sc_runtime_remove_container(k->rt, v->containers[i]->id);
    for (size_t i = 0; i < v->n_sandboxes; i++) {
        const k8sc_sandbox_status *s = v->sandboxes[i];
        k8sc_runtime_stop_sandbox(k->rt, s->id);
        k8sc_runtime_remove_sandbox(k->rt, s->id);
        if (s->uid) {
            k8sc__kl_volumes_teardown(k, s->uid);
            if (logs)
                k8sc__kl_remove_logs(k, k8sc_runtime_pair_get(s->labels, s->n_labels, K8SC_LABEL_POD_NAMESPACE),
                                     k8sc_runtime_pair_get(s->labels, s->n_labels, K8SC_LABEL_POD_NAME), s->uid);
            pthread_mutex_lock(&k->lock);
            k8sc__kl_pod_forget(k, s->uid);
            pthread_mutex_unlock(&k->lock);
        }
    }
}

/* Record (or clear, with reason NULL) why container `name` is waiting. Under k->lock. */
static void set_waiting(kl_pod *p, const char *name, const char *reason, const char *message)
{
    if (!p->waiting)
        p->waiting = json_object_new_object();
    if (!reason) {
        json_object_object_del(p->waiting, name);
        return;
    }
    json_object *w = json_object_new_object();
    json_object_object_add(w, "reason", json_object_new_string(reason));
    if (message)
        json_object_object_add(w, "message", json_object_new_string(message));
    json_object_object_add(p->waiting, name, w);
}

static kl_backoff *backoff_of(kl_pod *p, const char *name)
{
    for (size_t i = 0; i < p->n_backoffs; i++)
        if (strcmp(p->backoffs[i].name, name) == 0)
            return &p->backoffs[i];
    kl_backoff *b = k8sc__realloc(p->backoffs, (p->n_backoffs + 1) * sizeof(*b));
    if (!b)
        return NULL;
    p->backoffs = b;
    b = &p->backoffs[p->n_backoffs];
    memset(b, 0, sizeof(*b));
    if (!(b->name = k8sc__strdup(name)))
        return NULL;
    p->n_backoffs++;
    return b;
}

/* One sync's working set. */
typedef struct sync_ctx {
    k8sc_kubelet *k;
    k8sc_object *pod;
    kl_view view;
    kl_sandbox_cfg sandbox;
    int64_t now;     /* wall ns */
    int64_t requeue; /* ns from now; 0: none */
} sync_ctx;

static void requeue_in(sync_ctx *s, int64_t ns)
{
    if (ns > 0 && (s->requeue == 0 || ns < s->requeue))
        s->requeue = ns;
}

static bool image_present(k8sc_kubelet *k, const char *image)
{
    k8sc_image *img = NULL;
    bool ok = k8sc_runtime_image_status(k->rt, &img, image) == 0;
    k8sc_image_free(img);
    return ok;
}

/* Make the image available as its pull policy says; on failure set *reason (static) and *message (caller frees). */
static int ensure_image(sync_ctx *s, json_object *spec, const char **reason, char **message)
{
    const char *image = k8sc__json_string(spec, "image");
    const char *policy = k8sc__json_string(spec, "imagePullPolicy");
    bool present = image_present(s->k, image);
    if (policy && strcmp(policy, "Never") == 0) {
        if (present)
            return 0;
        k8sc__buf m = K8SC__BUF_INIT;
        k8sc__buf_printf(&m, "Container image \"%s\" is not present with pull policy of Never", image);
        *message = k8sc__buf_detach(&m, NULL);
        *reason = "ErrImageNeverPull";
        k8sc__event(s->k->recorder, s->pod, "Warning", "ErrImageNeverPull", "%s", *message);
        return K8SC_EINVAL;
    }
    bool always = policy && strcmp(policy, "Always") == 0;
    if (present && !always)
        return 0;
    k8sc__event(s->k->recorder, s->pod, "Normal", "Pulling", "Pulling image \"%s\"", image);
    if (k8sc_runtime_pull_image(s->k->rt, image) == 0) {
        k8sc__event(s->k->recorder, s->pod, "Normal", "Pulled", "Successfully pulled image \"%s\"", image);
        return 0;
    }
    /* With Always, an image already here still runs (as with a registry that is down). */
    if (present)
        return 0;
    k8sc__buf m = K8SC__BUF_INIT;
    k8sc__buf_printf(&m, "Failed to pull image \"%s\": %s", image, k8sc_error_last());
    *message = k8sc__buf_detach(&m, NULL);
    *reason = "ErrImagePull";
    k8sc__event(s->k->recorder, s->pod, "Warning", "Failed", "%s", *message);
    return K8SC_EINVAL;
}

/*
 * Start container `spec` (attempt `attempt`), or record why it cannot
 * start. A failure that needs the author's fix backs off like a crash.
 */
static void start_container(sync_ctx *s, kl_pod *p, json_object *spec, uint32_t attempt)
{
    k8sc_kubelet *k = s->k;
    const char *name = k8sc__json_string(spec, "name");
    const char *reason = NULL;
    char *message = NULL;
    int rc = ensure_image(s, spec, &reason, &message);
    kl_container_cfg cfg;
    bool have_cfg = false;
    if (rc == 0) {
        rc = k8sc__kl_container_config(&cfg, k, s->pod, spec, attempt, &message);
        have_cfg = rc == 0;
        if (rc != 0) {
            reason = "CreateContainerConfigError";
            if (!message)
                message = k8sc__strdup(k8sc_error_last());
            k8sc__event(k->recorder, s->pod, "Warning", "Failed", "Error: %s", message ? message : "");
        }
    }
    char *id = NULL;
    if (rc == 0) {
        rc = k8sc_runtime_create_container(k->rt, &id, s->view.ready->id, &cfg.cfg, &s->sandbox.cfg);
        if (rc != 0) {
            reason = "CreateContainerError";
            message = k8sc__strdup(k8sc_error_last());
            k8sc__event(k->recorder, s->pod, "Warning", "Failed", "Error: %s", message ? message : "");
        } else {
            k8sc__event(k->recorder, s->pod, "Normal", "Created", "Created container %s", name);
        }
    }
    if (rc == 0) {
        rc = k8sc_runtime_start_container(k->rt, id);
        if (rc != 0) {
            reason = "RunContainerError";
            message = k8sc__strdup(k8sc_error_last());
            k8sc__event(k->recorder, s->pod, "Warning", "Failed", "Error: %s", message ? message : "");
        } else {
            k8sc__event(k->recorder, s->pod, "Normal", "Started", "Started container %s", name);
        }
    }
    if (have_cfg)
        k8sc__kl_container_config_free(&cfg);
    free(id);
    pthread_mutex_lock(&k->lock);
    set_waiting(p, name, rc == 0 ? NULL : reason, message);
    if (rc != 0) {
        kl_backoff *b = backoff_of(p, name);
        if (b) {
            b->delay_ns = b->delay_ns ? (b->delay_ns * 2 > KL_BACKOFF_MAX_NS ? KL_BACKOFF_MAX_NS : b->delay_ns * 2)
                                      : KL_BACKOFF_INITIAL_NS;
            b->until_ns = s->now + b->delay_ns;
            requeue_in(s, b->delay_ns);
        }
    }
    pthread_mutex_unlock(&k->lock);
    free(message);
}

/*
 * Restart (or start) container `spec` whose newest instance is `c`
 * (NULL: none yet), respecting its back-off. Returns true if it was
 * started now.
 */
static bool restart_container(sync_ctx *s, kl_pod *p, json_object *spec, const k8sc_container_status *c)
{
    k8sc_kubelet *k = s->k;
    const char *name = k8sc__json_string(spec, "name");
    pthread_mutex_lock(&k->lock);
    kl_backoff *b = backoff_of(p, name);
    bool wait = false;
    int64_t delay = 0;
    if (b && c && c->state == K8SC_CONTAINER_EXITED) {
        /* A container that ran long enough starts its back-off afresh. */
        if (c->started_at && c->finished_at - c->started_at >= KL_BACKOFF_RESET_NS)
            b->delay_ns = 0;
        int64_t until = c->finished_at + b->delay_ns;
        if (b->until_ns > until)
            until = b->until_ns;
        if (s->now < until) {
            wait = true;
            delay = until - s->now;
            char msg[512];
            snprintf(msg, sizeof(msg), "back-off %llds restarting failed container=%s pod=%s_%s(%s)",
                     (long long)(b->delay_ns / 1000000000), name, k8sc_object_name(s->pod),
                     k8sc_object_namespace(s->pod), k8sc_object_uid(s->pod));
            json_object *old = p->waiting ? k8sc__json_member(p->waiting, name) : NULL;
            const char *old_reason = old ? k8sc__json_string(old, "reason") : NULL;
            /* An image or config problem keeps its own reason while it backs off. */
            if (!old_reason || strcmp(old_reason, "CrashLoopBackOff") == 0 || strcmp(old_reason, "ContainerCreating") == 0)
                set_waiting(p, name, "CrashLoopBackOff", msg);
            else if (strcmp(old_reason, "ErrImagePull") == 0)
                set_waiting(p, name, "ImagePullBackOff",
                            k8sc__json_string(old, "message") ? k8sc__json_string(old, "message") : msg);
        } else {
            b->delay_ns = b->delay_ns ? (b->delay_ns * 2 > KL_BACKOFF_MAX_NS ? KL_BACKOFF_MAX_NS : b->delay_ns * 2)
                                      : KL_BACKOFF_INITIAL_NS;
        }
    } else if (b && s->now < b->until_ns) {
        /* Never started: waiting out an image or config failure. */
        wait = true;
        delay = b->until_ns - s->now;
        json_object *old = p->waiting ? k8sc__json_member(p->waiting, name) : NULL;
        const char *old_reason = old ? k8sc__json_string(old, "reason") : NULL;
        if (old_reason && strcmp(old_reason, "ErrImagePull") == 0)
            set_waiting(p, name, "ImagePullBackOff", k8sc__json_string(old, "message"));
    }
    pthread_mutex_unlock(&k->lock);
    if (wait) {
        if (c)
            k8sc__event(k->recorder, s->pod, "Warning", "BackOff", "Back-off restarting failed container %s in pod %s_%s(%s)",
                        name, k8sc_object_name(s->pod), k8sc_object_namespace(s->pod), k8sc_object_uid(s->pod));
        requeue_in(s, delay);
        return false;
    }
    uint32_t attempt = c ? c->attempt + 1 : 0;
    /* Keep one dead instance per container (for logs --previous); remove older ones. */
    for (size_t i = 0; c && i < s->view.n_containers; i++) {
        const k8sc_container_status *o = s->view.containers[i];
        if (strcmp(o->name, name) == 0 && o->attempt < c->attempt && o->state == K8SC_CONTAINER_EXITED)
            k8sc_runtime_remove_container(k->rt, o->id);
    }
    if (c && c->state == K8SC_CONTAINER_CREATED)
        k8sc_runtime_remove_container(k->rt, c->id), attempt = c->attempt;
    start_container(s, p, spec, attempt);
    return true;
}

/* Run the init containers in order; true once all have done their part. */
static bool run_init_containers(sync_ctx *s, kl_pod *p, bool *failed)
{
    json_object *inits = k8sc_object_get(s->pod, "spec.initContainers");
    for (size_t i = 0; inits && i < json_object_array_length(inits); i++) {
        json_object *spec = json_object_array_get_idx(inits, i);
        const char *rp = k8sc__json_string(spec, "restartPolicy");
        bool sidecar = rp && strcmp(rp, "Always") == 0;
        const k8sc_container_status *c = k8sc__kl_latest(&s->view, k8sc__json_string(spec, "name"));
        if (c && c->state == K8SC_CONTAINER_RUNNING) {
            if (sidecar)
                continue;
            return false;
        }
        if (c && c->state == K8SC_CONTAINER_EXITED && c->exit_code == 0 && !sidecar)
            continue;
        if (c && c->state == K8SC_CONTAINER_EXITED && !sidecar && !k8sc__kl_init_should_restart(s->pod)) {
            *failed = true;
            return false;
        }
        restart_container(s, p, spec, c);
        return false;
    }
    return true;
}

static void run_containers(sync_ctx *s, kl_pod *p)
{
    json_object *cs = k8sc_object_get(s->pod, "spec.containers");
    for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
        json_object *spec = json_object_array_get_idx(cs, i);
        const k8sc_container_status *c = k8sc__kl_latest(&s->view, k8sc__json_string(spec, "name"));
        if (c && c->state == K8SC_CONTAINER_RUNNING)
            continue;
        if (c && c->state == K8SC_CONTAINER_EXITED && !k8sc__kl_should_restart(s->pod, c->exit_code))
            continue;
        restart_container(s, p, spec, c);
    }
}

/*
 * Run the probes that are due; containers failing liveness or startup are
 * stopped (and restart as usual). Whether one was (the view is then stale).
 */
static bool probe(sync_ctx *s, kl_pod *p)
{
    char **kill = NULL;
    size_t n = 0;
    int64_t next = k8sc__kl_probe_pod(s->k, s->pod, &s->view, p, s->now, &kill, &n);
    requeue_in(s, next);
    for (size_t i = 0; i < n; i++) {
        if (k8sc_runtime_stop_container(s->k->rt, kill[i], grace_period(s->pod)) != 0)
            k8sc_log(K8SC_LOG_WARN, "kubelet: stopping container %s: %s", kill[i], k8sc_error_last());
        free(kill[i]);
    }
    free(kill);
    /* The relist will see the exit; look again soon in any case. */
    if (n > 0)
        requeue_in(s, 1000000000LL);
    return n > 0;
}

/* Admission: the pod must fit what the node has left (the kubelet's resource fit check). */
static void admit(sync_ctx *s, kl_pod *p)
{
    k8sc_kubelet *k = s->k;
    if (p->admitted)
        return;
    p->admitted = true;
    json_object *alloc = k8sc__kl_allocatable(k);
    k8sc_cache *cache = k8sc_controller_cache(k->pods, K8SC_POD);
    k8sc_object **pods = NULL;
    size_t n = 0;
    if (!alloc || !cache || k8sc_cache_list(&pods, &n, cache, NULL, NULL) != 0) {
        json_object_put(alloc);
        return;
    }
    static const char *const names[] = { "cpu", "memory" };
    for (size_t r = 0; r < 2 && !p->reject_reason; r++) {
        k8sc_quantity cap;
        const char *text = k8sc__json_string(alloc, names[r]);
        if (!text || k8sc_quantity_parse(&cap, text) != 0)
            continue;
        int64_t capv = 0, used = 0, want = 0;
        if (r == 0)
            k8sc_quantity_milli(&cap, &capv);
        else
            k8sc_quantity_int(&cap, &capv);
        for (size_t i = 0; i < n; i++) {
            const char *phase = k8sc_object_get_string(pods[i], "status.phase");
            bool me = strcmp(k8sc_object_uid(pods[i]), k8sc_object_uid(s->pod)) == 0;
            if (!me && phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0 ||
                                 strcmp(phase, "Pending") == 0))
                continue;
            k8sc_resources *req = NULL;
            int64_t v = 0;
            if (k8sc_pod_requests(&req, pods[i]) == 0) {
                k8sc_quantity q;
                if (k8sc_resources_get(req, names[r], &q) == 0 &&
                    (r == 0 ? k8sc_quantity_milli(&q, &v) : k8sc_quantity_int(&q, &v)) == 0) {
                    if (me)
                        want = v;
                    else
                        used += v;
                }
            }
            k8sc_resources_free(req);
        }
        if (want > 0 && used + want > capv) {
            p->reject_reason = k8sc__strdup(r == 0 ? "OutOfcpu" : "OutOfmemory");
            k8sc__buf m = K8SC__BUF_INIT;
            k8sc__buf_printf(&m, "Pod was rejected: Node didn't have enough resource: %s, requested: %lld, used: %lld, capacity: %lld",
                             names[r], (long long)want, (long long)used, (long long)capv);
            p->reject_message = k8sc__buf_detach(&m, NULL);
        }
    }
    k8sc_cache_items_free(pods, n);
    json_object_put(alloc);
}

static int write_status(sync_ctx *s, kl_pod *p)
{
    pthread_mutex_lock(&s->k->lock);
    json_object *st = k8sc__kl_pod_status(s->k, s->pod, &s->view, p);
    pthread_mutex_unlock(&s->k->lock);
    if (!st)
        return K8SC_ENOMEM;
    int rc = k8sc__write_status(s->k->client, s->pod, st, NULL);
    return rc == K8SC_ENOTFOUND ? 0 : rc;
}

/* Re-read the runtime's view after acting on it. */
static int refresh(sync_ctx *s)
{
    k8sc__kl_view_free(&s->view);
    return k8sc__kl_view(&s->view, s->k, k8sc_object_namespace(s->pod), k8sc_object_name(s->pod),
                         k8sc_object_uid(s->pod));
}

/* A deleted pod: stop it within its grace period, clean up, then finish its deletion. */
static int terminate(sync_ctx *s)
{
    k8sc_kubelet *k = s->k;
    kill_containers(k, s->pod, &s->view, grace_period(s->pod));
    int rc = refresh(s);
    if (rc != 0)
        return rc;
    kl_pod *p = NULL;
    pthread_mutex_lock(&k->lock);
    p = (kl_pod *)k8sc__keymap_find(&k->pod_state, k8sc_object_uid(s->pod));
    pthread_mutex_unlock(&k->lock);
    write_status(s, p);
    /* The view is this pod's (remove_others took the rest): its logs go by the pod, sandboxes or not. */
    remove_all(k, &s->view, false);
    k8sc__kl_volumes_teardown(k, k8sc_object_uid(s->pod));
    k8sc__kl_remove_logs(k, k8sc_object_namespace(s->pod), k8sc_object_name(s->pod), k8sc_object_uid(s->pod));
    k8sc_delete_options del = K8SC_DELETE_OPTIONS_INIT;
    del.grace_period_seconds = 0;
    del.precondition_uid = k8sc_object_uid(s->pod);
    rc = k8sc_client_delete(NULL, k->client, K8SC_POD, k8sc_object_namespace(s->pod), k8sc_object_name(s->pod), &del);
    if (rc == K8SC_ENOTFOUND || rc == K8SC_ECONFLICT)
        rc = 0;
    pthread_mutex_lock(&k->lock);
    k8sc__kl_pod_forget(k, k8sc_object_uid(s->pod));
    pthread_mutex_unlock(&k->lock);
    return rc;
}

static int ensure_sandbox(sync_ctx *s)
{
    k8sc_kubelet *k = s->k;
    if (s->view.ready)
        return k8sc__kl_sandbox_config(&s->sandbox, k, s->pod, s->view.ready->attempt);
    /* A sandbox that died takes its containers with it: the pod starts over in a new one. */
    uint32_t attempt = 0;
    for (size_t i = 0; i < s->view.n_sandboxes; i++)
        if (s->view.sandboxes[i]->attempt + 1 > attempt)
            attempt = s->view.sandboxes[i]->attempt + 1;
    if (s->view.n_sandboxes > 0) {
        kill_containers(k, s->pod, &s->view, 0);
        for (size_t i = 0; i < s->view.n_sandboxes; i++)
            k8sc_runtime_stop_sandbox(k->rt, s->view.sandboxes[i]->id);
    }
    char *message = NULL;
    int rc = k8sc__kl_volumes_setup(k, s->pod, &message);
    if (rc != 0) {
        k8sc__event(k->recorder, s->pod, "Warning", "FailedMount", "%s", message ? message : k8sc_error_last());
        free(message);
        requeue_in(s, 2 * 1000000000LL);
        return rc;
    }
    k8sc__kl_sandbox_config_free(&s->sandbox);
    if ((rc = k8sc__kl_sandbox_config(&s->sandbox, k, s->pod, attempt)) != 0)
        return rc;
    char *id = NULL;
    rc = k8sc_runtime_run_sandbox(k->rt, &id, &s->sandbox.cfg);
    free(id);
    if (rc != 0) {
        k8sc__event(k->recorder, s->pod, "Warning", "FailedCreatePodSandBox", "Failed to create pod sandbox: %s",
                    k8sc_error_last());
        requeue_in(s, 2 * 1000000000LL);
        return rc;
    }
    return refresh(s);
}

/*
 * Pods on the pod network wait for it (pods on the host's network do
 * not), with the kubelet's NetworkNotReady event, and are synced again.
 * The readiness is the one the node status keeps, not asked per pod.
 */
static bool network_ready(sync_ctx *s)
{
    bool host = false;
    if ((k8sc_object_get_bool(s->pod, "spec.hostNetwork", &host) == 0 && host) ||
        k8sc__kl_network_ready(s->k))
        return true;
    k8sc__event(s->k->recorder, s->pod, "Warning", "NetworkNotReady", "network is not ready: %s",
                K8SC__KL_NETWORK_NOT_READY);
    requeue_in(s, 2 * 1000000000LL);
    return false;
}

/*
 * Stop and remove the sandboxes in `v` (all of one pod name) that do not
 * belong to pod `uid` (NULL: none do). Returns whether there were any.
 * `v` keeps only pod `uid`'s part afterwards is not guaranteed: refresh it.
 */
static bool remove_others(k8sc_kubelet *k, kl_view *v, const char *uid)
{
    kl_view others = { 0 };
    others.sandboxes = k8sc__calloc(v->n_sandboxes + 1, sizeof(*others.sandboxes));
    others.containers = k8sc__calloc(v->n_containers + 1, sizeof(*others.containers));
    if (!others.sandboxes || !others.containers) {
        free(others.sandboxes);
        free(others.containers);
        return false;
    }
    for (size_t i = 0; i < v->n_sandboxes; i++)
        if (!uid || strcmp(v->sandboxes[i]->uid, uid) != 0)
            others.sandboxes[others.n_sandboxes++] = v->sandboxes[i];
    for (size_t i = 0; i < v->n_containers; i++)
        for (size_t j = 0; j < others.n_sandboxes; j++)
            if (strcmp(v->containers[i]->sandbox_id, others.sandboxes[j]->id) == 0) {
                others.containers[others.n_containers++] = v->containers[i];
                break;
            }
    bool any = others.n_sandboxes > 0;
    if (any) {
        kill_containers(k, NULL, &others, 2);
        remove_all(k, &others, true);
    }
    /* The statuses stay owned by `v`. */
    free(others.sandboxes);
    free(others.containers);
    return any;
}

int k8sc__kl_sync_pod(k8sc_reconcile_result *result, k8sc_controller *ctl, const char *namespace_,
                      const char *name, void *userdata)
{
    k8sc_kubelet *k = userdata;
    sync_ctx s;
    memset(&s, 0, sizeof(s));
    s.k = k;
    s.now = k8sc_clock_now(k->clock);
    k8sc_cache *cache = k8sc_controller_cache(ctl, K8SC_POD);
    if (k8sc_cache_get(&s.pod, cache, namespace_, name) != 0)
        s.pod = NULL;
    int rc = k8sc__kl_view(&s.view, k, namespace_, name, NULL);
    if (rc != 0) {
        k8sc_object_free(s.pod);
        return rc;
    }
    /* Sandboxes of a pod the API no longer has, or of an earlier pod of the same name. */
    const char *uid = s.pod ? k8sc_object_uid(s.pod) : NULL;
    if (remove_others(k, &s.view, uid) && s.pod && (rc = refresh(&s)) != 0)
        goto out;
    if (!s.pod) {
        k8sc__kl_view_free(&s.view);
        return 0;
    }
    if (k8sc_object_get(s.pod, "metadata.deletionTimestamp")) {
        rc = terminate(&s);
        goto out;
    }
    pthread_mutex_lock(&k->lock);
    kl_pod *p = k8sc__kl_pod_state(k, uid);
    if (p && !p->admitted) {
        /* A restarted kubelet keeps the start time the pod already reports. */
        const char *started = k8sc_object_get_string(s.pod, "status.startTime");
        int64_t t;
        if (started && k8sc_time_parse(&t, started) == 0)
            p->start_time = t;
    }
    pthread_mutex_unlock(&k->lock);
    if (!p) {
        rc = K8SC_ENOMEM;
        goto out;
    }
    const char *phase = k8sc_object_get_string(s.pod, "status.phase");
    bool terminal = phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0);
    if (!terminal && !p->admitted && s.view.n_sandboxes == 0) {
        pthread_mutex_lock(&k->lock);
        admit(&s, p);
        pthread_mutex_unlock(&k->lock);
    }
    p->admitted = true;
    if (p->reject_reason || terminal) {
        /* Nothing runs for a finished or rejected pod. */
        if (s.view.ready || s.view.n_containers > 0) {
            kill_containers(k, s.pod, &s.view, grace_period(s.pod));
            for (size_t i = 0; i < s.view.n_sandboxes; i++)
                k8sc_runtime_stop_sandbox(k->rt, s.view.sandboxes[i]->id);
            refresh(&s);
        }
        rc = write_status(&s, p);
        goto out;
    }
    if (!network_ready(&s)) {
        rc = write_status(&s, p);
        goto out;
    }
    if ((rc = ensure_sandbox(&s)) == 0) {
        bool init_failed = false, stale = true;
        if (run_init_containers(&s, p, &init_failed)) {
            run_containers(&s, p);
            if ((rc = refresh(&s)) == 0)
                stale = probe(&s, p);
        }
        if (rc == 0 && stale)
            rc = refresh(&s);
        if (rc == 0)
            rc = write_status(&s, p);
        if (rc == 0 && init_failed) {
            /* restartPolicy Never and an init container failed: the pod has failed. */
            kill_containers(k, s.pod, &s.view, grace_period(s.pod));
        }
    } else {
        write_status(&s, p);
        rc = 0;
    }
out:
    if (s.requeue > 0) {
        result->action = K8SC_RECONCILE_REQUEUE_AFTER;
        result->requeue_after_ns = s.requeue;
    }
    k8sc__kl_sandbox_config_free(&s.sandbox);
    k8sc__kl_view_free(&s.view);
    k8sc_object_free(s.pod);
    return rc;
}

typedef struct shutdown_job {
    k8sc_kubelet *k;
    k8sc_sandbox_status **sandboxes;
    int max_grace_s;
} shutdown_job;

/* Stop one sandbox's pod within its grace period (capped) and remove it. */
static void shutdown_one(size_t i, void *arg)
{
    shutdown_job *j = arg;
    k8sc_kubelet *k = j->k;
    const k8sc_sandbox_status *sb = j->sandboxes[i];
    const char *ns = k8sc_runtime_pair_get(sb->labels, sb->n_labels, K8SC_LABEL_POD_NAMESPACE);
    const char *name = k8sc_runtime_pair_get(sb->labels, sb->n_labels, K8SC_LABEL_POD_NAME);
    kl_view v;
    if (!ns || !name || k8sc__kl_view(&v, k, ns, name, sb->uid) != 0)
        return;
    k8sc_cache *cache = k8sc_controller_cache(k->pods, K8SC_POD);
    k8sc_object *pod = NULL;
    if (!cache || k8sc_cache_get(&pod, cache, ns, name) != 0)
        pod = NULL;
    int64_t grace = pod ? grace_period(pod) : j->max_grace_s;
    kill_containers(k, pod, &v, grace < j->max_grace_s ? grace : j->max_grace_s);
    /* The node stops, the pods stay: their logs too (kubectl logs --previous after a restart). */
    remove_all(k, &v, false);
    k8sc__kl_view_free(&v);
    k8sc_object_free(pod);
}

int k8sc_kubelet_shutdown_pods(k8sc_kubelet *k, int max_grace_s)
{
    K8SC__CHECK_ARG(k && max_grace_s >= 0);
    k8sc_sandbox_status **sb = NULL;
    size_t n = 0;
    int rc = k8sc_runtime_list_sandboxes(k->rt, &sb, &n);
    if (rc != 0)
        return rc;
    /* All pods at once, as a node shutting down does: the whole stop takes the longest grace period. */
    shutdown_job job = { k, sb, max_grace_s };
    if (n > 0)
        k8sc__parallel(n, n < 16 ? (int)n : 16, shutdown_one, &job);
    k8sc_sandbox_status_list_free(sb, n);
    return 0;
}
