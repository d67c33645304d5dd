#!/bin/sh
# The real kubectl against k8sc-apiserver, k8sc-controller-manager,
# k8sc-scheduler and a k8sc-kubelet on the fake runtime: the node
# registers and turns Ready, a Deployment's pods are scheduled and run,
# `kubectl logs` and `kubectl exec` reach the kubelet through the API
# server, a Job's pods complete, and deleted pods are finished by the kubelet.
# Usage: kubelet_fake.sh APISERVER KUBECTL MANAGER SCHEDULER KUBELET
APISERVER=$1
KUBECTL=$2
. "$(dirname "$0")/lib.sh"
start_manager "$3"
"$4" --kubeconfig "$KUBECONFIG" --leader-elect=false >"$TMP/sched.out" 2>"$TMP/sched.err" &
EXTRA_PIDS="$EXTRA_PIDS $!"
"$5" --kubeconfig "$KUBECONFIG" --node-name fake-1 --runtime fake --data-dir "$TMP/kubelet" \
    --root-dir "$TMP/runtime" --port 0 --capacity cpu=8,memory=16Gi,pods=110 \
    --node-labels disk=ssd >"$TMP/kubelet.out" 2>"$TMP/kubelet.err" &
EXTRA_PIDS="$EXTRA_PIDS $!"

# The node registers and is Ready.
i=0
until k get node fake-1 >/dev/null 2>&1 || [ $i -ge 50 ]; do sleep 0.2; i=$((i + 1)); done
expect_ok wait --for=condition=Ready node/fake-1 --timeout=20s
expect_ok get node fake-1 -o jsonpath='{.metadata.labels.disk} {.status.capacity.cpu} {.status.nodeInfo.containerRuntimeVersion}'
expect_match '^ssd 8 fake://' "$TMP/out"
expect_ok get lease -n kube-node-lease fake-1 -o jsonpath='{.spec.holderIdentity}'
expect_out "fake-1"

# A Deployment runs on it.
expect_ok create deployment web --image=busybox:1.36 --replicas=2
expect_ok rollout status deployment/web --timeout=60s
expect_ok get pods -l app=web -o jsonpath='{range .items[*]}{.spec.nodeName} {.status.phase} {.status.containerStatuses[0].ready}{"\n"}{end}'
[ "$(grep -c '^fake-1 Running true$' "$TMP/out")" = 2 ] || fail "pods not running on fake-1: $(cat "$TMP/out")"
expect_ok get pods -l app=web -o wide
expect_match 'Running +0 +[^ ]+ +127\.0\.0\.1 +fake-1' "$TMP/out"

# Logs and exec go through the API server to the kubelet.
expect_ok logs deployment/web
expect_match '^started busybox$' "$TMP/out"
expect_ok logs deployment/web --timestamps
expect_match '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z started busybox$' "$TMP/out"
expect_ok exec deployment/web -- echo hello from exec
expect_out "hello from exec"
k exec deployment/web -- false
[ $? = 1 ] || fail "kubectl exec -- false should exit 1: $(cat "$TMP/err")"

# A Job's pods run to completion (the fake runtime runs `sh -c "exit 0"` at once).
expect_ok create job done --image=busybox:1.36 -- sh -c "exit 0"
expect_ok wait --for=condition=complete job/done --timeout=60s
expect_ok get pods -l job-name=done -o jsonpath='{.items[0].status.phase} {.items[0].status.containerStatuses[0].state.terminated.reason}'
expect_out "Succeeded Completed"

# A deleted pod is stopped and removed by the kubelet; the ReplicaSet replaces it.
POD=$(timeout 10 "$KUBECTL" get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
expect_ok delete pod "$POD" --timeout=30s
k get pod "$POD"
grep -q NotFound "$TMP/err" || fail "pod $POD still there after delete: $(cat "$TMP/out")"
expect_ok rollout status deployment/web --timeout=60s

# A pod that cannot start shows why.
expect_ok run never --image=absent:1 --image-pull-policy=Never
i=0
while [ $i -lt 50 ]; do
    k get pod never -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}'
    [ "$(cat "$TMP/out")" = ErrImageNeverPull ] && break
    sleep 0.2
    i=$((i + 1))
done
expect_out "ErrImageNeverPull"
expect_ok get pod never
expect_match 'never +0/1 +ErrImageNeverPull' "$TMP/out"

[ $FAILED = 0 ] || { echo "kubelet.err:"; tail -20 "$TMP/kubelet.err"; }
exit $FAILED
