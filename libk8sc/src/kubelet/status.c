/*
 * The pod status the kubelet reports, as its generateAPIPodStatus and
 * getPhase compute it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kubelet_internal.h"

static json_object *time_string(int64_t ns)
{
    char buf[K8SC_TIME_BUFSIZE];
    k8sc_time_format(buf, sizeof(buf), ns / 1000000000);
    return json_object_new_string(buf);
}

bool k8sc__kl_init_should_restart(const k8sc_object *pod)
{
    const char *policy = k8sc_object_get_string(pod, "spec.restartPolicy");
    return !policy || strcmp(policy, "Never") != 0;
}

bool k8sc__kl_should_restart(const k8sc_object *pod, int exit_code)
{
    const char *policy = k8sc_object_get_string(pod, "spec.restartPolicy");
    if (!policy || strcmp(policy, "Always") == 0)
        return true;
    return strcmp(policy, "OnFailure") == 0 && exit_code != 0;
}

static json_object *terminated(const k8sc_container_status *c, const char *runtime)
{
    json_object *t = json_object_new_object();
    char id[256];
    snprintf(id, sizeof(id), "%s://%s", runtime, c->id);
    json_object_object_add(t, "exitCode", json_object_new_int(c->exit_code));
    json_object_object_add(t, "reason", json_object_new_string(c->reason ? c->reason
                                                               : c->exit_code == 0 ? "Completed" : "Error"));
    if (c->message && c->message[0])
        json_object_object_add(t, "message", json_object_new_string(c->message));
    if (c->started_at)
        json_object_object_add(t, "startedAt", time_string(c->started_at));
    json_object_object_add(t, "finishedAt", time_string(c->finished_at ? c->finished_at : c->created_at));
    json_object_object_add(t, "containerID", json_object_new_string(id));
    json_object *s = json_object_new_object();
    json_object_object_add(s, "terminated", t);
    return s;
}

static json_object *waiting(const char *reason, const char *message)
{
    json_object *w = json_object_new_object();
    json_object_object_add(w, "reason", json_object_new_string(reason));
    if (message && message[0])
        json_object_object_add(w, "message", json_object_new_string(message));
    json_object *s = json_object_new_object();
    json_object_object_add(s, "waiting", w);
    return s;
}

/* Counts over the app containers, as getPhase keeps them. */
typedef struct counts {
    int running, waiting, stopped, succeeded;
} counts;

/* One containerStatuses entry; updates the counts and *ready. */
static json_object *container_status(k8sc_kubelet *k, const k8sc_object *pod, const kl_view *v, kl_pod *state,
                                     json_object *spec, bool init, counts *n, bool *ready)
{
    const char *name = k8sc__json_string(spec, "name");
    const k8sc_container_status *c = k8sc__kl_latest(v, name);
    const char *runtime = k8sc_runtime_name(k->rt);
    json_object *st = json_object_new_object();
    json_object *wait = state && state->waiting ? k8sc__json_member(state->waiting, name) : NULL;
    json_object_object_add(st, "name", json_object_new_string(name));
    json_object_object_add(st, "image", json_object_new_string(k8sc__json_string(spec, "image")));
    json_object_object_add(st, "imageID", json_object_new_string(c && c->image_id ? c->image_id : ""));
    if (c) {
        char id[256];
        snprintf(id, sizeof(id), "%s://%s", runtime, c->id);
        json_object_object_add(st, "containerID", json_object_new_string(id));
    }
    bool running = c && c->state == K8SC_CONTAINER_RUNNING;
    bool started = false, probed_ready = false;
    if (running)
        k8sc__kl_probe_status(state, spec, c->id, &started, &probed_ready);
    json_object_object_add(st, "ready", json_object_new_boolean(running && probed_ready));
    json_object_object_add(st, "restartCount", json_object_new_int(c ? (int)c->attempt : 0));
    json_object_object_add(st, "started", json_object_new_boolean(running && started));
    json_object *cur, *last = NULL;
    const k8sc_container_status *prev = c ? k8sc__kl_older(v, name, c->attempt) : NULL;
    if (running) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "startedAt", time_string(c->started_at));
        cur = json_object_new_object();
        json_object_object_add(cur, "running", r);
        n->running++;
        if (prev && prev->state == K8SC_CONTAINER_EXITED)
            last = terminated(prev, runtime);
    } else if (c && c->state == K8SC_CONTAINER_EXITED) {
        /* An init container that succeeded is done; one that failed runs again unless restartPolicy is Never. */
        bool restarting = init ? c->exit_code != 0 && k8sc__kl_init_should_restart(pod)
                               : k8sc__kl_should_restart(pod, c->exit_code);
        restarting = restarting && !k8sc_object_get(pod, "metadata.deletionTimestamp");
        if (restarting || wait) {
            cur = wait ? waiting(k8sc__json_string(wait, "reason"), k8sc__json_string(wait, "message"))
                       : waiting("ContainerCreating", NULL);
            last = terminated(c, runtime);
            n->stopped++;
        } else {
            cur = terminated(c, runtime);
            n->stopped++;
            if (c->exit_code == 0)
                n->succeeded++;
            if (prev && prev->state == K8SC_CONTAINER_EXITED)
                last = terminated(prev, runtime);
        }
    } else {
        cur = wait ? waiting(k8sc__json_string(wait, "reason"), k8sc__json_string(wait, "message"))
                   : waiting("ContainerCreating", NULL);
        n->waiting++;
    }
    json_object_object_add(st, "state", cur);
    json_object_object_add(st, "lastState", last ? last : json_object_new_object());
    if (!running || !probed_ready)
        *ready = false;
    return st;
}

/* The names (space separated, in brackets) of containers that are not as wanted. */
static void add_name(k8sc__buf *b, const char *name)
{
    k8sc__buf_printf(b, "%s%s", b->len ? " " : "", name);
}

static void condition(json_object *conds, const k8sc_object *pod, const char *type, bool on, const char *reason,
                      const char *message, int64_t now_s)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "type", json_object_new_string(type));
    json_object_object_add(c, "status", json_object_new_string(on ? "True" : "False"));
    json_object_object_add(c, "lastProbeTime", NULL);
    /* The transition time stays while the status does. */
    json_object *old = k8sc_object_get(pod, "status.conditions");
    json_object *since = NULL;
    for (size_t i = 0; old && i < json_object_array_length(old); i++) {
        json_object *o = json_object_array_get_idx(old, i);
        const char *ot = k8sc__json_string(o, "type"), *os = k8sc__json_string(o, "status");
        if (ot && os && strcmp(ot, type) == 0 && strcmp(os, on ? "True" : "False") == 0)
            since = k8sc__json_member(o, "lastTransitionTime");
    }
    json_object_object_add(c, "lastTransitionTime", since ? json_object_get(since) : time_string(now_s * 1000000000));
    if (reason)
        json_object_object_add(c, "reason", json_object_new_string(reason));
    if (message)
        json_object_object_add(c, "message", json_object_new_string(message));
    json_object_array_add(conds, c);
}

json_object *k8sc__kl_pod_status(k8sc_kubelet *k, const k8sc_object *pod, const kl_view *v, kl_pod *state)
{
    int64_t now_s = k8sc_clock_now(k->clock) / 1000000000;
    json_object *st = json_object_new_object();
    if (!st)
        return NULL;
    const char *qos = k8sc_object_get_string(pod, "status.qosClass");
    if (state && state->reject_reason) {
        json_object_object_add(st, "phase", json_object_new_string("Failed"));
        json_object_object_add(st, "reason", json_object_new_string(state->reject_reason));
        json_object_object_add(st, "message", json_object_new_string(state->reject_message));
        json_object_object_add(st, "startTime", time_string(state->start_time * 1000000000));
        if (qos)
            json_object_object_add(st, "qosClass", json_object_new_string(qos));
        return st;
    }
    counts n = { 0, 0, 0, 0 };
    bool ready = true, initialized = true, init_failed = false;
    k8sc__buf pending = K8SC__BUF_INIT, unready = K8SC__BUF_INIT;
    json_object *inits = k8sc_object_get(pod, "spec.initContainers");
    json_object *init_st = json_object_new_array();
    for (size_t i = 0; inits && i < json_object_array_length(inits); i++) {
        json_object *spec = json_object_array_get_idx(inits, i);
        const char *name = k8sc__json_string(spec, "name");
        const char *rp = k8sc__json_string(spec, "restartPolicy");
        bool sidecar = rp && strcmp(rp, "Always") == 0;
        counts ic = { 0, 0, 0, 0 };
        bool iready = true;
        json_object *cs = container_status(k, pod, v, state, spec, !sidecar, &ic, &iready);
        const k8sc_container_status *c = k8sc__kl_latest(v, name);
        bool done = sidecar ? c && c->state == K8SC_CONTAINER_RUNNING
                            : c && c->state == K8SC_CONTAINER_EXITED && c->exit_code == 0;
        if (!sidecar) {
            /* A finished init container is not "ready" in its status: it completed. */
            json_object_object_add(cs, "ready", json_object_new_boolean(false));
            json_object_object_add(cs, "started", json_object_new_boolean(c && c->state == K8SC_CONTAINER_RUNNING));
        }
        if (!done) {
            initialized = false;
            add_name(&pending, name);
            if (!sidecar && c && c->state == K8SC_CONTAINER_EXITED && c->exit_code != 0 &&
                !k8sc__kl_init_should_restart(pod))
                init_failed = true;
        }
        json_object_array_add(init_st, cs);
    }
    json_object *cspecs = k8sc_object_get(pod, "spec.containers");
    json_object *app_st = json_object_new_array();
    for (size_t i = 0; cspecs && i < json_object_array_length(cspecs); i++) {
        json_object *spec = json_object_array_get_idx(cspecs, i);
        bool cready = true;
        json_object *cs = container_status(k, pod, v, state, spec, false, &n, &cready);
        if (!initialized) {
            /* Not started yet: PodInitializing, as the kubelet reports it. */
            json_object_object_add(cs, "state", waiting("PodInitializing", NULL));
        }
        if (!cready) {
            ready = false;
            add_name(&unready, k8sc__json_string(spec, "name"));
        }
        json_object_array_add(app_st, cs);
    }
    const char *phase;
    const char *policy = k8sc_object_get_string(pod, "spec.restartPolicy");
    if (init_failed)
        phase = "Failed";
    else if (!initialized)
        phase = "Pending";
    else if (n.waiting > 0)
        phase = "Pending";
    else if (n.running > 0)
        phase = "Running";
    else if (n.stopped > 0) {
        if (!policy || strcmp(policy, "Always") == 0)
            phase = "Running";
        else if (n.stopped == n.succeeded)
            phase = "Succeeded";
        else if (strcmp(policy, "Never") == 0)
            phase = "Failed";
        else
            phase = "Running";
    } else {
        phase = "Pending";
    }
    /* A pod that has reached a terminal phase never leaves it. */
    const char *old_phase = k8sc_object_get_string(pod, "status.phase");
    if (old_phase && (strcmp(old_phase, "Succeeded") == 0 || strcmp(old_phase, "Failed") == 0))
        phase = old_phase;
    bool terminal = strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0;
    json_object *conds = json_object_new_array();
    condition(conds, pod, "PodReadyToStartContainers", v->ready != NULL, NULL, NULL, now_s);
    char msg[1024];
    snprintf(msg, sizeof(msg), "containers with incomplete status: [%s]", pending.ptr ? pending.ptr : "");
    condition(conds, pod, "Initialized", initialized, initialized ? NULL : "ContainersNotInitialized",
              initialized ? NULL : msg, now_s);
    snprintf(msg, sizeof(msg), "containers with unready status: [%s]", unready.ptr ? unready.ptr : "");
    bool all_ready = ready && initialized && !terminal;
    const char *why = terminal ? "PodCompleted" : "ContainersNotReady";
    condition(conds, pod, "Ready", all_ready, all_ready ? NULL : why, all_ready || terminal ? NULL : msg, now_s);
    condition(conds, pod, "ContainersReady", all_ready, all_ready ? NULL : why, all_ready || terminal ? NULL : msg,
              now_s);
    condition(conds, pod, "PodScheduled", true, NULL, NULL, now_s);
    /* Conditions others own (DisruptionTarget, readiness gates…) stay as they are. */
    static const char *const ours[] = { "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                                        "PodScheduled" };
    json_object *old = k8sc_object_get(pod, "status.conditions");
    for (size_t i = 0; old && json_object_is_type(old, json_type_array) && i < json_object_array_length(old); i++) {
        json_object *c = json_object_array_get_idx(old, i);
        const char *type = k8sc__json_string(c, "type");
        bool mine = false;
        for (size_t j = 0; type && j < K8SC__ARRAY_LEN(ours) && !mine; j++)
            mine = strcmp(type, ours[j]) == 0;
        if (type && !mine)
            json_object_array_add(conds, json_object_get(c));
    }
    k8sc__buf_free(&pending);
    k8sc__buf_free(&unready);
    json_object_object_add(st, "phase", json_object_new_string(phase));
    json_object_object_add(st, "conditions", conds);
    json_object_object_add(st, "hostIP", json_object_new_string(k->node_ip));
    json_object *ips = json_object_new_array(), *ip = json_object_new_object();
    json_object_object_add(ip, "ip", json_object_new_string(k->node_ip));
    json_object_array_add(ips, ip);
    json_object_object_add(st, "hostIPs", json_object_get(ips));
    /* The sandbox's own address from the pod network; pods on the host's network (or without one) have the node's. */
    const char *pod_ip = v->ready && v->ready->ip ? v->ready->ip : NULL;
    const char *old_ip = k8sc_object_get_string(pod, "status.podIP");
    if (!pod_ip && terminal && old_ip)
        pod_ip = old_ip;
    if (pod_ip) {
        json_object *pips = json_object_new_array(), *pip = json_object_new_object();
        json_object_object_add(pip, "ip", json_object_new_string(pod_ip));
        json_object_array_add(pips, pip);
        json_object_object_add(st, "podIP", json_object_new_string(pod_ip));
        json_object_object_add(st, "podIPs", pips);
    } else if (v->ready || terminal) {
        json_object_object_add(st, "podIP", json_object_new_string(k->node_ip));
        json_object_object_add(st, "podIPs", json_object_get(ips));
    }
    json_object_put(ips);
    json_object_object_add(st, "startTime", time_string((state ? state->start_time : now_s) * 1000000000));
    if (json_object_array_length(init_st) > 0)
        json_object_object_add(st, "initContainerStatuses", init_st);
    else
        json_object_put(init_st);
    json_object_object_add(st, "containerStatuses", app_st);
    if (qos)
        json_object_object_add(st, "qosClass", json_object_new_string(qos));
    return st;
}
