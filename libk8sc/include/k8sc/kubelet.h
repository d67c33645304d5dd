/*
 * libk8sc kubelet: the node agent. It registers its Node (capacity and
 * allocatable from the machine or from options), keeps the Node's Lease
 * in kube-node-lease renewed every 10 s and its status fresh (on change
 * or every minute), and runs the pods bound to the node through a
 * container runtime (runtime.h):
 *
 * - a sandbox per pod, then init containers in order, then the
 *   containers, with env (value, fieldRef, resourceFieldRef,
 *   configMapKeyRef, secretKeyRef, envFrom; $(VAR) expansion), command,
 *   args, workingDir, volumes (emptyDir, hostPath, configMap, secret,
 *   downwardAPI, projected) and resources as cgroup limits;
 * - image pull policies (Always, IfNotPresent, Never) with ErrImagePull,
 *   ImagePullBackOff and ErrImageNeverPull;
 * - restartPolicy Always/OnFailure/Never with CrashLoopBackOff (10 s
 *   doubling to 5 min, reset after 10 min of running);
 * - liveness, readiness and startup probes (exec, httpGet, tcpSocket;
 *   network probes run inside the pod's network namespace; the fake
 *   runtime's simulated pods pass them);
 * - graceful termination (preStop exec hook, the stop signal, then
 *   SIGKILL after the grace period), after which the kubelet completes
 *   the pod's deletion in the API;
 * - pod status as Kubernetes writes it: phase, conditions
 *   (PodScheduled, Initialized, ContainersReady, Ready),
 *   containerStatuses, podIP (the node's address), hostIP, startTime,
 *   qosClass.
 *
 * Pods that do not fit the node's allocatable cpu or memory are rejected
 * (phase Failed, reason OutOfcpu / OutOfmemory). A restarted kubelet
 * finds its pods' containers through the runtime's labels and carries on
 * without restarting them. The node API (logs, exec, stats) listens on
 * plain HTTP; the API server proxies pods/log and pods/exec to it.
 *
 * Runs on its own threads (k8sc_kubelet_start) or in a host's loop (fd,
 * next_timeout, process).
 */
#ifndef K8SC_KUBELET_H
#define K8SC_KUBELET_H

#include <stdbool.h>
#include <stdint.h>

#include "client.h"
#include "controller.h"
#include "core.h"
#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8sc_kubelet k8sc_kubelet;

/* How to build a kubelet. Strings are copied; pointers are borrowed and must outlive the kubelet. */
typedef struct k8sc_kubelet_options {
    unsigned int version;
    /* The node's name. Required. */
    const char *node_name;
    /* The container runtime. Required. */
    k8sc_runtime *runtime;
    /* Clock for heartbeats, back-off, probes and timestamps. NULL: the system clock. */
    k8sc_clock *clock;
    /* Create the Node if missing (true), or wait for an administrator to create it. */
    bool register_node;
    /* Extra node labels, "k=v,k2=v2" (NULL: none). */
    const char *node_labels;
    /* Taints to register with, "k=v:NoSchedule,k2:NoExecute" (NULL: none). */
    const char *register_with_taints;
    /* The node's address (InternalIP; also the pods' podIP). NULL: 127.0.0.1. */
    const char *node_ip;
    /*
     * Where pod volumes (pods/<uid>/) and logs (logs/<ns>_<pod>_<uid>/) live;
     * image archives in its images/ (*.tar, *.tar.gz) are imported into the
     * runtime at start. NULL: /var/lib/k8sc/kubelet.
     */
    const char *data_dir;
    /*
     * Static pods: a directory of Pod manifests (*.yaml, *.yml, *.json), each
     * run as "<name>-<node>" through a mirror pod (unlike Kubernetes, static
     * pods need the API server). NULL: none.
     */
    const char *pod_manifest_path;
    /* Capacity overrides, "cpu=4,memory=8Gi,pods=110" (NULL: the machine's). */
    const char *capacity;
    /* Node API listen address and port (logs, exec, stats). NULL: 127.0.0.1; port 0: any free port; -1: none. */
    const char *listen_address;
    int port;
    /* Pod worker threads when started. 0: 4. */
    int workers;
    /* Where the pod Events go (Pulled, Created, Started, Killing, BackOff…). NULL: none are written. */
    k8sc_event_recorder *recorder;
    /* Most processes a container may have (a fork bomb stays inside it). 0: 4096; -1: no limit. */
    int64_t pod_max_pids;
    /*
     * Cluster DNS server addresses, "10.96.0.10[,IP…]", written into the
     * resolv.conf of pods with dnsPolicy ClusterFirst. NULL: none (such pods
     * fall back to the Default policy, as in Kubernetes).
     */
    const char *cluster_dns;
    /* The cluster's DNS domain. NULL: "cluster.local". */
    const char *cluster_domain;
    /* The resolver configuration pods with dnsPolicy Default inherit. NULL: /etc/resolv.conf; "": none. */
    const char *resolv_conf;
} k8sc_kubelet_options;

#define K8SC_KUBELET_OPTIONS_VERSION 1
#define K8SC_KUBELET_OPTIONS_INIT \
    { K8SC_KUBELET_OPTIONS_VERSION, NULL, NULL, NULL, true, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 10250, 0, NULL, 0, \
      NULL, NULL, NULL }

/* Fill `opts` with K8SC_KUBELET_OPTIONS_INIT. EINVAL for an unknown version. */
K8SC_EXTERN int k8sc_kubelet_options_init(k8sc_kubelet_options *opts, unsigned int version);

/*
 * Create a kubelet using `client` (borrowed; must outlive it). Nothing
 * runs until it is started or processed. Errors: EINVAL for a missing
 * node name or runtime, malformed labels, taints or capacity; EIO when
 * the data directory cannot be made; ENOMEM.
 */
K8SC_EXTERN int k8sc_kubelet_new(k8sc_kubelet **out, k8sc_client *client, const k8sc_kubelet_options *opts);

/* Stop the kubelet if started and free it. Containers keep running. NULL is fine. */
K8SC_EXTERN void k8sc_kubelet_free(k8sc_kubelet *k);

/* Run on its own threads (informers, pod workers, heartbeats, node API). Errors: EINVAL if started; EIO. */
K8SC_EXTERN int k8sc_kubelet_start(k8sc_kubelet *k);

/* Stop the threads started by k8sc_kubelet_start. NULL is fine; idempotent. */
K8SC_EXTERN void k8sc_kubelet_stop(k8sc_kubelet *k);

/* For a host loop (instead of start): an epoll fd (owned) readable when there is work. -1 for NULL. */
K8SC_EXTERN int k8sc_kubelet_fd(k8sc_kubelet *k);

/* Milliseconds until k8sc_kubelet_process must run even if the fd stays quiet; -1: no deadline. */
K8SC_EXTERN int k8sc_kubelet_next_timeout_ms(k8sc_kubelet *k);

/*
 * Do what is due on the calling thread: informers, heartbeats, the
 * runtime relist, pod syncs. Returns how many pod syncs ran. Errors:
 * EINVAL for NULL or a started kubelet.
 */
K8SC_EXTERN int k8sc_kubelet_process(k8sc_kubelet *k);

/*
 * Stop every container of every pod the runtime runs for this node (each
 * within its pod's grace period, at most `max_grace_s` seconds) and remove
 * the sandboxes, as a node that shuts down does. The pods stay in the API;
 * a kubelet started later runs them again. Call it after
 * k8sc_kubelet_stop (or between host-loop turns). Errors: those of the runtime.
 */
K8SC_EXTERN int k8sc_kubelet_shutdown_pods(k8sc_kubelet *k, int max_grace_s);

/* The node API's port (useful with port 0), or 0 when it does not listen. */
K8SC_EXTERN uint16_t k8sc_kubelet_port(const k8sc_kubelet *k);

#ifdef __cplusplus
}
#endif
#endif
