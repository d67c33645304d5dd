#!/bin/sh
# The real kubectl against a cluster whose k8sc-kubelet runs pods on runc
# or on Docker (a private dockerd started here):
# an image archive in the kubelet's data dir is imported at start, pods
# run with env from a ConfigMap and its volume, `kubectl logs` (also
# --previous and job/NAME), `kubectl exec` and (on Docker) `kubectl attach`
# work, a crashing container backs off, an httpGet readiness probe (inside
# the pod's network namespace) and an exec liveness probe act, deletion is
# graceful, and a restarted kubelet re-attaches to running containers.
# Usage: kubelet_runtime.sh runc|docker APISERVER KUBECTL MANAGER SCHEDULER KUBELET EXAMPLES_DIR
RUNTIME=$1
shift
APISERVER=$1
KUBECTL=$2
if [ "$(id -u)" != 0 ] || ! command -v runc >/dev/null || [ ! -x /bin/busybox ] ||
    { [ "$RUNTIME" = docker ] && ! command -v dockerd >/dev/null; }; then
    echo "SKIPPED: needs root, runc, dockerd and /bin/busybox"
    exit 0
fi
. "$(dirname "$0")/lib.sh"
KUBELET=$5
NODE=$RUNTIME-1
RT=$TMP/runtime
mkdir -p "$TMP/kubelet/images"
sh "$6/images/build-busybox-image.sh" "$TMP/kubelet/images/busybox.tar" busybox:1.36 >/dev/null ||
    { echo "FAIL: cannot build the busybox image"; exit 1; }

# Containers outlive the kubelet by design: stop whatever is left, by ID and PID, before lib.sh's clean-up.
DOCKERD_PID=
runtime_cleanup() {
    if [ -n "$DOCKERD_PID" ]; then
        ids=$(DOCKER_HOST=unix://$DOCKER_SOCK timeout 20 docker ps -aq 2>/dev/null)
        [ -n "$ids" ] && DOCKER_HOST=unix://$DOCKER_SOCK timeout 60 docker rm -f $ids >/dev/null 2>&1
        kill "$DOCKERD_PID" 2>/dev/null
        i=0
        while kill -0 "$DOCKERD_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
        kill -9 "$DOCKERD_PID" 2>/dev/null
    fi
    for id in $(runc --root "$RT/runc" list -q 2>/dev/null); do
        runc --root "$RT/runc" delete --force "$id" >/dev/null 2>&1
    done
    for rec in "$RT"/sandboxes/*/sandbox.json; do
        [ -f "$rec" ] || continue
        pid=$(sed -n 's/.*"pause": *{ *"pid": *\([0-9][0-9]*\).*/\1/p' "$rec")
        [ -n "$pid" ] && grep -q k8sc-pause "/proc/$pid/cmdline" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    done
    cleanup
    [ -n "${DOCKER_DIR:-}" ] && rm -rf "$DOCKER_DIR"
}
trap runtime_cleanup EXIT

ENDPOINT=
if [ "$RUNTIME" = docker ]; then
    # A private dockerd; its socket path must stay short (108 bytes).
    DOCKER_DIR=$(mktemp -d /tmp/kd.XXXXXX)
    DOCKER_SOCK=$DOCKER_DIR/docker.sock
    dockerd --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none --data-root "$TMP/docker" \
        --exec-root "$DOCKER_DIR/exec" -H "unix://$DOCKER_SOCK" --pidfile "$DOCKER_DIR/pid" >"$TMP/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    i=0
    until [ -S "$DOCKER_SOCK" ] || [ $i -ge 150 ]; do sleep 0.2; i=$((i + 1)); done
    [ -S "$DOCKER_SOCK" ] || { echo "FAIL: dockerd did not start: $(tail -5 "$TMP/dockerd.log")"; exit 1; }
    ENDPOINT="--docker-endpoint unix://$DOCKER_SOCK"
fi

start_manager "$3"
"$4" --kubeconfig "$KUBECONFIG" --leader-elect=false >"$TMP/sched.out" 2>"$TMP/sched.err" &
EXTRA_PIDS="$EXTRA_PIDS $!"
start_kubelet() {
    # shellcheck disable=SC2086
    "$KUBELET" --kubeconfig "$KUBECONFIG" --node-name "$NODE" --runtime "$RUNTIME" --data-dir "$TMP/kubelet" \
        --root-dir "$RT" --port 0 $ENDPOINT >>"$TMP/kubelet.out" 2>>"$TMP/kubelet.err" &
    KUBELET_PID=$!
}
start_kubelet
i=0
until k get node "$NODE" >/dev/null 2>&1 || [ $i -ge 150 ]; do sleep 0.2; i=$((i + 1)); done
expect_ok wait --for=condition=Ready "node/$NODE" --timeout=30s
expect_ok get node "$NODE" -o jsonpath='{.status.nodeInfo.containerRuntimeVersion} {.status.images[*].names}'
expect_match "^$RUNTIME://.*busybox:1.36" "$TMP/out"

# wait_for JSONPATH VALUE POD: poll until the pod's field has the value (30 s).
wait_for() {
    i=0
    while [ $i -lt 150 ]; do
        k get pod "$3" -o jsonpath="$1"
        [ "$(cat "$TMP/out")" = "$2" ] && return 0
        sleep 0.2
        i=$((i + 1))
    done
    fail "pod $3: $1 is [$(cat "$TMP/out")], not [$2]"
}

expect_ok create configmap cfg --from-literal=color=blue
cat >"$TMP/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: app
    image: busybox:1.36
    imagePullPolicy: Never
    command: ["sh", "-c", "echo color=$COLOR pod=$POD; mkdir -p /www; echo ok >/www/index.html; exec httpd -f -p 8080 -h /www"]
    env:
    - name: COLOR
      valueFrom: {configMapKeyRef: {name: cfg, key: color}}
    - name: POD
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    volumeMounts:
    - {name: config, mountPath: /etc/cfg}
    readinessProbe:
      httpGet: {path: /index.html, port: 8080}
      periodSeconds: 1
  volumes:
  - name: config
    configMap: {name: cfg}
YAML
expect_ok apply -f "$TMP/pod.yaml"
expect_ok wait --for=condition=Ready pod/web --timeout=60s
expect_ok logs web
expect_out "color=blue pod=web"
expect_ok exec web -- cat /etc/cfg/color
expect_out "blue"
expect_ok exec web -- hostname
expect_out "web"
k exec web -- sh -c "exit 3"
[ $? = 3 ] || fail "kubectl exec -- sh -c 'exit 3' should exit 3: $(cat "$TMP/err")"
expect_ok get pod web -o jsonpath='{.status.phase} {.status.containerStatuses[0].containerID}'
expect_match "^Running $RUNTIME://" "$TMP/out"
ID=$(cut -d' ' -f2 "$TMP/out")

# A restarted kubelet re-attaches: same container, no restart.
kill "$KUBELET_PID"
wait "$KUBELET_PID" 2>/dev/null
start_kubelet
sleep 3
expect_ok get pod web -o jsonpath='{.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].ready}'
expect_out "$ID 0 true"

# A crashing container restarts, with the previous instance's log kept.
expect_ok run crash --image=busybox:1.36 --image-pull-policy=Never -- sh -c 'echo run; exit 1'
wait_for '{.status.containerStatuses[0].state.waiting.reason}' CrashLoopBackOff crash
expect_ok logs crash --previous
expect_out "run"
expect_ok get pod crash -o jsonpath='{.status.containerStatuses[0].lastState.terminated.exitCode}'
expect_out "1"

# A failing liveness probe restarts its container.
cat >"$TMP/live.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: live
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox:1.36
    imagePullPolicy: Never
    command: ["sh", "-c", "touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 3600"]
    livenessProbe:
      exec: {command: ["cat", "/tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 1
YAML
expect_ok apply -f "$TMP/live.yaml"
wait_for '{.status.containerStatuses[0].restartCount}' 1 live
expect_ok get events --field-selector involvedObject.name=live
expect_match 'Unhealthy.*Liveness probe failed' "$TMP/out"

# hostPath and memory-backed emptyDir volumes, a tcpSocket readiness probe, and a preStop hook
# that leaves its mark on the host when the pod is deleted.
mkdir -p "$TMP/host"
cat >"$TMP/vols.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: vols
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox:1.36
    imagePullPolicy: Never
    command: ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /www; httpd -p 8080 -h /www; while true; do sleep 1; done"]
    readinessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
    lifecycle:
      preStop:
        exec: {command: ["sh", "-c", "echo bye from \$HOSTNAME > /host/bye"]}
    volumeMounts:
    - {name: host, mountPath: /host}
    - {name: cache, mountPath: /cache}
  volumes:
  - name: host
    hostPath: {path: "$TMP/host", type: Directory}
  - name: cache
    emptyDir: {medium: Memory, sizeLimit: 8Mi}
YAML
expect_ok apply -f "$TMP/vols.yaml"
expect_ok wait --for=condition=Ready pod/vols --timeout=60s
expect_ok exec vols -- sh -c 'grep " /cache " /proc/mounts'
expect_match ' /cache tmpfs ' "$TMP/out"
expect_ok delete pod vols --timeout=30s
[ "$(cat "$TMP/host/bye" 2>/dev/null)" = "bye from vols" ] || fail "preStop hook did not run: [$(cat "$TMP/host/bye" 2>/dev/null)]"

# An image that is nowhere: ErrImagePull, then ImagePullBackOff.
expect_ok run nowhere --image=nowhere.invalid/none:1
i=0
while [ $i -lt 100 ]; do
    k get pod nowhere -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}'
    grep -Eq '^(ErrImagePull|ImagePullBackOff)$' "$TMP/out" && break
    sleep 0.2
    i=$((i + 1))
done
grep -Eq '^(ErrImagePull|ImagePullBackOff)$' "$TMP/out" || fail "missing image: reason [$(cat "$TMP/out")]"
expect_ok delete pod nowhere --timeout=30s

# A Job's output through `kubectl logs job/NAME`.
expect_ok create job hello --image=busybox:1.36 -- sh -c 'echo hi from job'
expect_ok wait --for=condition=complete job/hello --timeout=60s
expect_ok logs job/hello
expect_out "hi from job"

# kubectl attach on Docker: stdin reaches a stdinOnce container's cat, whose output comes back, and the
# end of that stdin ends the container.
if [ "$RUNTIME" = docker ]; then
    cat >"$TMP/attach.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: att
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: cat
    image: busybox:1.36
    imagePullPolicy: Never
    command: ["cat"]
    stdin: true
    stdinOnce: true
YAML
    expect_ok apply -f "$TMP/attach.yaml"
    expect_ok wait --for=condition=Ready pod/att --timeout=60s
    echo "hello attach" | k attach -i att -c cat || fail "kubectl attach -i exited $?: $(cat "$TMP/err")"
    expect_out "hello attach"
    wait_for '{.status.phase} {.status.containerStatuses[0].state.terminated.exitCode}' "Succeeded 0" att
fi

# Graceful deletion: the container ignores SIGTERM (sh as PID 1), so it is killed after 2 s.
START=$(date +%s)
expect_ok delete pod web --timeout=30s
END=$(date +%s)
[ $((END - START)) -le 15 ] || fail "deleting web took $((END - START)) s"
k get pod web
grep -q NotFound "$TMP/err" || fail "pod web still there after delete"

# Everything is cleaned up once the pods are gone.
expect_ok delete pods --all --timeout=60s
expect_ok delete jobs --all
if [ "$RUNTIME" = runc ]; then
    i=0
    while [ -n "$(runc --root "$RT/runc" list -q 2>/dev/null)" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
    [ -z "$(runc --root "$RT/runc" list -q 2>/dev/null)" ] || fail "runc containers left: $(runc --root "$RT/runc" list -q)"
    [ "$(ls "$RT/sandboxes" 2>/dev/null | wc -l)" = 0 ] || fail "sandboxes left: $(ls "$RT/sandboxes")"
else
    left=$(DOCKER_HOST=unix://$DOCKER_SOCK timeout 20 docker ps -aq)
    [ -z "$left" ] || fail "docker containers left: $left"
fi

EXTRA_PIDS="$EXTRA_PIDS $KUBELET_PID"
[ $FAILED = 0 ] || { echo "kubelet.err:"; tail -30 "$TMP/kubelet.err"; }
exit $FAILED
