#!/bin/sh
# `k8sc up` runs a single-node cluster on runc in one process that the real
# kubectl drives; a second `up` on the same directory or port refuses;
# SIGTERM stops every container; `up` again resumes the cluster with its
# objects; `k8sc down` deletes it all. k8sctl drives the same cluster.
# Usage: k8sc_up.sh K8SC KUBECTL EXAMPLES_DIR K8SCTL
K8SC=$1
KUBECTL=$2
EX=$3
K8SCTL=$4
. "$(dirname "$0")/uplib.sh"

start_up up-1
expect_ok get node up-1 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
[ "$(cat "$TMP/out")" = True ] || fail "node not Ready: $(cat "$TMP/out")"
expect_ok create deployment web --image=busybox:1.36 --replicas=2 -- sh -c 'echo up and running; sleep 3600'
expect_ok rollout status deployment/web --timeout=60s
expect_ok logs deployment/web
grep -qx "up and running" "$TMP/out" || fail "logs: $(cat "$TMP/out")"
expect_ok exec deployment/web -- hostname
grep -q '^web-' "$TMP/out" || fail "exec hostname: $(cat "$TMP/out")"
# The quickstart's app: ready once its HTTP readiness probe (a named port) passes.
expect_ok apply -f "$EX/manifests/hello.yaml"
expect_ok rollout status deployment/hello --timeout=60s
expect_ok exec deployment/hello -- wget -qO- http://127.0.0.1:8080/
grep -q '^hello from hello-' "$TMP/out" || fail "hello app: $(cat "$TMP/out")"
# host-local gave the four pods their addresses from the cluster's own directory.
[ "$(ls "$DIR/cni/ipam/k8sc" 2>/dev/null | grep -c '^10\.244\.')" -ge 4 ] ||
    fail "pod addresses in $DIR/cni/ipam/k8sc: $(ls "$DIR/cni/ipam/k8sc" 2>&1)"

# k8sctl against the real cluster: create, rollout, get, logs, exec, scale, describe, delete.
ctl() {
    KUBECONFIG="$DIR/kubeconfig" KUBECACHEDIR="$TMP/cache" "$K8SCTL" "$@" >"$TMP/ctl.out" 2>&1 ||
        fail "k8sctl $*: $(cat "$TMP/ctl.out")"
}
ctl create deployment ctl --image=busybox:1.36 -- sh -c 'echo from k8sctl; sleep 3600'
ctl rollout status deployment/ctl --timeout=60s
ctl get pods -l app=ctl
grep -q '^ctl-.* 1/1 *Running ' "$TMP/ctl.out" || fail "k8sctl get pods: $(cat "$TMP/ctl.out")"
pod=$(sed -n 's/^\(ctl-[^ ]*\) .*/\1/p' "$TMP/ctl.out")
ctl logs deployment/ctl
grep -qx "from k8sctl" "$TMP/ctl.out" || fail "k8sctl logs: $(cat "$TMP/ctl.out")"
ctl exec deployment/ctl -- hostname
[ "$(cat "$TMP/ctl.out")" = "$pod" ] || fail "k8sctl exec: $(cat "$TMP/ctl.out")"
ctl scale deployment/ctl --replicas=2
ctl rollout status deployment/ctl --timeout=60s
ctl get deployment ctl -o 'jsonpath={.status.readyReplicas}'
[ "$(cat "$TMP/ctl.out")" = 2 ] || fail "k8sctl scale: $(cat "$TMP/ctl.out")"
# Two pods now: k8sctl reads the one kubectl reads, and says so on stderr as kubectl does.
"$K8SCTL" logs deployment/ctl >"$TMP/ctl.out" 2>"$TMP/ctl.err"
echo $? >>"$TMP/ctl.out"
k logs deployment/ctl
echo $? >>"$TMP/out"
grep -q '^Found 2 pods, using pod/ctl-' "$TMP/ctl.err" && cmp -s "$TMP/ctl.out" "$TMP/out" && cmp -s "$TMP/ctl.err" "$TMP/err" ||
    fail "k8sctl logs of two pods: $(cat "$TMP/ctl.out" "$TMP/ctl.err") / kubectl: $(cat "$TMP/out" "$TMP/err")"
ctl describe deployment ctl
grep -q '^Replicas: *2 desired | 2 updated | 2 total | 2 available' "$TMP/ctl.out" ||
    fail "k8sctl describe: $(cat "$TMP/ctl.out")"
ctl delete deployment ctl
grep -qx 'deployment.apps "ctl" deleted' "$TMP/ctl.out" || fail "k8sctl delete: $(cat "$TMP/ctl.out")"

# A second cluster on the same directory, or on the same port, refuses and harms nothing.
"$K8SC" up --data-dir "$DIR" --listen 127.0.0.1:0 --runtime runc >"$TMP/second.out" 2>&1
[ $? != 0 ] || fail "a second up on $DIR started"
grep -q "in use by a running cluster (pid $UP_PID)" "$TMP/second.out" || fail "second up: $(cat "$TMP/second.out")"
PORT=$(sed -n 's/.*server: http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$DIR/kubeconfig")
"$K8SC" up --data-dir "$TMP/other" --listen "127.0.0.1:$PORT" --runtime fake >"$TMP/port.out" 2>&1
[ $? != 0 ] || fail "up on a port in use started"
grep -qi "127.0.0.1:$PORT" "$TMP/port.out" || fail "port in use: $(cat "$TMP/port.out")"
expect_ok get deployment web

# SIGTERM: every container stops, nothing is left running.
k get pods -l app=web -o jsonpath='{range .items[*]}{.status.containerStatuses[0].containerID}{"\n"}{end}'
cp "$TMP/out" "$TMP/ids.before"
[ "$(grep -c . "$TMP/ids.before")" = 2 ] || fail "web containers before the stop: $(cat "$TMP/ids.before")"
stop_up
[ -z "$(runc --root "$DIR/runtime/runc" list -q 2>/dev/null)" ] || fail "containers left after stop: $(runc --root "$DIR/runtime/runc" list -q)"
[ "$(ls "$DIR/runtime/sandboxes" 2>/dev/null | wc -l)" = 0 ] || fail "sandboxes left after stop"

# Up again: the cluster resumes with its objects and the kubelet runs the pods
# again: both report running, ready containers that are new ones (the stored
# statuses still name the old ones), and they log again (60 s).
start_up up-1
expect_ok rollout status deployment/web --timeout=60s
i=0
while [ $i -lt 300 ]; do
    k get pods -l app=web -o jsonpath='{range .items[*]}{.status.phase} {.status.containerStatuses[0].ready} {.status.containerStatuses[0].containerID}{"\n"}{end}'
    [ "$(grep '^Running true ' "$TMP/out" | grep -cvFf "$TMP/ids.before")" = 2 ] && break
    sleep 0.2
    i=$((i + 1))
done
[ "$(grep '^Running true ' "$TMP/out" | grep -cvFf "$TMP/ids.before")" = 2 ] ||
    fail "pods after restart: $(cat "$TMP/out") (before: $(cat "$TMP/ids.before"))"
expect_ok logs deployment/web
grep -qx "up and running" "$TMP/out" || fail "logs after restart: $(cat "$TMP/out")"

# Down: the process stops and the directory goes with its containers.
"$K8SC" down --data-dir "$DIR" >"$TMP/down.out" 2>&1 || {
    fail "down: $(cat "$TMP/down.out"); k8sc up's last lines: $(tail -5 "$TMP/up.err")"
    kill -KILL "$UP_PID"
}
wait "$UP_PID" 2>/dev/null
UP_PID=
[ ! -d "$DIR" ] || fail "$DIR still there after down"
exit $FAILED
