#!/bin/sh
# Every manifest in examples/manifests/ (but the demo, greeting and hello
# ones, which other tests cover) applied with the real kubectl to one
# `k8sc up` cluster on runc, and checked as a user would: the pod is Ready
# and sees its env and ConfigMap volume; the RC and RS keep their replicas
# and the RS adopts only pods its set-based selector matches; the deployment
# rolls out twice and keeps both revisions; the service's Endpoints list the
# ready pods; the pi Job prints pi; a Job made from the CronJob completes; the
# namespace is found by its labels.
# Usage: examples.sh K8SC KUBECTL EXAMPLES_DIR
K8SC=$1
KUBECTL=$2
EX=$3
M=$EX/manifests
. "$(dirname "$0")/uplib.sh"
out() { cat "$TMP/out"; }
# jp TYPE/NAME JSONPATH: print one field of an object to $TMP/out.
jp() { expect_ok get "$1" -o "jsonpath=$2"; }
# wait_for SECONDS CMD...: retry CMD every half second until it succeeds.
wait_for() {
    n=$(($1 * 2))
    shift
    while [ "$n" -gt 0 ]; do
        "$@" && return 0
        sleep 0.5
        n=$((n - 1))
    done
    return 1
}
start_up examples-1

# namespace.yaml: the namespace is found by each of its labels.
expect_ok apply -f "$M/namespace.yaml"
expect_ok get namespaces -l team=examples,environment=dev -o name
[ "$(out)" = namespace/examples ] || fail "get ns -l: $(out)"
jp namespace/examples '{.status.phase}'
[ "$(out)" = Active ] || fail "namespace phase: $(out)"

# Everything that runs is applied at once so that the pods start together.
for f in pod replicationcontroller deployment service job cronjob; do
    expect_ok apply -f "$M/$f.yaml"
done
# replicaset.yaml: two stray pods first, one the set-based selector matches
# (tier In, environment NotIn — absent counts as not in —, managed Exists)
# and one it does not (environment=production).
stray() {
    cat <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $1
  labels: {app: backend, tier: $2, managed: "yes"$3}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: busybox:1.36, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
YAML
}
stray stray-match queue "" >"$TMP/match.yaml"
stray stray-prod cache ", environment: production" >"$TMP/prod.yaml"
expect_ok apply -f "$TMP/match.yaml" -f "$TMP/prod.yaml"
expect_ok apply -f "$M/replicaset.yaml"

# pod.yaml: Ready through its exec probe, with the env and the mounted ConfigMap.
expect_ok wait --for=condition=Ready pod/configured --timeout=60s
expect_ok exec configured -- sh -c 'echo "$GREETING/$MODE"'
[ "$(out)" = "Hello from a ConfigMap/demo" ] || fail "pod env: $(out)"
expect_ok exec configured -- cat /etc/app/app.properties
[ "$(out)" = "color=blue
size=medium" ] || fail "configMap volume: $(out)"
expect_ok exec configured -- cat /etc/app/greeting
[ "$(out)" = "Hello from a ConfigMap" ] || fail "configMap volume key: $(out)"
expect_ok logs configured
grep -qx "Hello from a ConfigMap (demo)" "$TMP/out" || fail "pod log: $(out)"
jp pod/configured '{.spec.containers[0].resources.limits.memory} {.status.qosClass}'
[ "$(out)" = "64Mi Burstable" ] || fail "pod resources: $(out)"

# replicationcontroller.yaml: 3 ready replicas; a deleted pod is replaced.
rc_ready() { k get rc/rc-sleeper -o 'jsonpath={.status.readyReplicas}' && [ "$(out)" = 3 ]; }
wait_for 60 rc_ready || fail "rc readyReplicas: $(out)"
expect_ok get pods -l app=rc-sleeper -o 'jsonpath={.items[0].metadata.name}'
VICTIM=$(out)
expect_ok delete pod "$VICTIM" --wait=false
rc_replaced() {
    k get pods -l app=rc-sleeper -o 'jsonpath={range .items[*]}{.metadata.name} {.status.phase}{"\n"}{end}' &&
        ! grep -q "^$VICTIM " "$TMP/out" && [ "$(grep -c ' Running$' "$TMP/out")" = 3 ]
}
wait_for 60 rc_replaced || fail "rc did not replace $VICTIM: $(out)"

# replicaset.yaml: 2 ready replicas, one of them the adopted stray pod.
rs_ready() { k get rs/backend -o 'jsonpath={.status.readyReplicas}' && [ "$(out)" = 2 ]; }
wait_for 60 rs_ready || fail "rs readyReplicas: $(out)"
jp pod/stray-match '{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}'
[ "$(out)" = ReplicaSet/backend ] || fail "stray-match not adopted: $(out)"
jp pod/stray-prod '{.metadata.ownerReferences}'
[ -z "$(out)" ] || fail "stray-prod adopted: $(out)"
expect_ok get pods -l 'app=backend,tier in (cache,queue),environment notin (production),managed' -o name
[ "$(wc -l <"$TMP/out")" = 2 ] || fail "pods the selector matches: $(out)"

# deployment.yaml: rolls out; a changed env var rolls out a second revision;
# undo goes back to the first template.
expect_ok rollout status deployment/frontend --timeout=90s
expect_ok exec deployment/frontend -- wget -qO- http://127.0.0.1:8080/
grep -q '^frontend frontend-.* v1$' "$TMP/out" || fail "frontend v1: $(out)"
expect_ok set env deployment/frontend VERSION=v2
expect_ok rollout status deployment/frontend --timeout=90s
expect_ok rollout history deployment/frontend
[ "$(grep -c '^[0-9]' "$TMP/out")" = 2 ] || fail "rollout history: $(out)"
jp deployment/frontend '{.status.updatedReplicas} {.status.availableReplicas} {.status.replicas}'
[ "$(out)" = "3 3 3" ] || fail "frontend status after v2: $(out)"
# (an old pod may still be terminating for its 2 s grace period)
serves_v2() { k exec deployment/frontend -- wget -qO- http://127.0.0.1:8080/ && grep -q ' v2$' "$TMP/out"; }
wait_for 20 serves_v2 || fail "frontend v2: $(out)"
expect_ok rollout undo deployment/frontend
expect_ok rollout status deployment/frontend --timeout=90s
serves_v1() { k exec deployment/frontend -- wget -qO- http://127.0.0.1:8080/ && grep -q ' v1$' "$TMP/out"; }
wait_for 20 serves_v1 || fail "frontend after undo: $(out)"

# service.yaml: a ClusterIP service with an address from the Service range,
# and Endpoints/EndpointSlice listing the 3 ready pods (by their pod
# addresses) on the named target port.
jp service/frontend '{.spec.type} {.spec.ports[0].port}->{.spec.ports[0].targetPort}'
[ "$(out)" = "ClusterIP 80->http" ] || fail "service spec: $(out)"
jp service/frontend '{.spec.clusterIP}'
echo "$(out)" | grep -Eq '^10\.(9[6-9]|10[0-9]|11[01])\.[0-9]+\.[0-9]+$' || fail "service clusterIP: '$(out)'"
eps_ready() {
    k get endpoints frontend -o 'jsonpath={range .subsets[*].addresses[*]}{.targetRef.name}{"\n"}{end}' &&
        sort "$TMP/out" >"$TMP/eps" &&
        k get pods -l app=frontend --field-selector=status.phase=Running \
            -o 'jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}' &&
        sort "$TMP/out" >"$TMP/pods" && [ "$(wc -l <"$TMP/eps")" = 3 ] && cmp -s "$TMP/eps" "$TMP/pods"
}
wait_for 30 eps_ready || fail "endpoints $(cat "$TMP/eps") vs pods $(cat "$TMP/pods")"
jp endpoints/frontend '{.subsets[0].addresses[0].ip} {.subsets[0].ports[0].port}'
echo "$(out)" | grep -Eq '^10\.244\.0\.[0-9]+ 8080$' || fail "endpoints address (a pod address): $(out)"
expect_ok get endpointslices -l kubernetes.io/service-name=frontend \
    -o 'jsonpath={range .items[*].endpoints[*]}{.conditions.ready}{"\n"}{end}'
[ "$(grep -c true "$TMP/out")" = 3 ] || fail "endpointslice: $(out)"

# job.yaml: 3 completions, each printing pi to 10 decimals.
expect_ok wait --for=condition=complete job/pi --timeout=120s
jp job/pi '{.status.succeeded}'
[ "$(out)" = 3 ] || fail "pi succeeded: $(out)"
expect_ok logs job/pi
[ "$(out)" = 3.1415926536 ] || fail "logs job/pi: $(out)"
for pod in $(timeout 30 "$KUBECTL" get pods -l job-name=pi -o name); do
    expect_ok logs "$pod"
    [ "$(out)" = 3.1415926536 ] || fail "logs $pod: '$(out)'"
done

# cronjob.yaml: a Job made from it by hand completes.
expect_ok create job --from=cronjob/ticker ticker-manual
expect_ok wait --for=condition=complete job/ticker-manual --timeout=60s
expect_ok logs job/ticker-manual
grep -Eq '^tick at [0-9]{2}:[0-9]{2}:[0-9]{2}$' "$TMP/out" || fail "ticker log: $(out)"
jp job/ticker-manual '{.metadata.annotations.cronjob\.kubernetes\.io/instantiate}'
[ "$(out)" = manual ] || fail "ticker-manual annotation: $(out)"
jp cronjob/ticker '{.spec.concurrencyPolicy} {.spec.successfulJobsHistoryLimit} {.spec.suspend}'
[ "$(out)" = "Forbid 3 false" ] || fail "cronjob spec: $(out)"

stop_up
[ -z "$(runc --root "$DIR/runtime/runc" list -q 2>/dev/null)" ] || fail "containers left after stop"
exit $FAILED
