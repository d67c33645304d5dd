#!/bin/sh
# The real kubectl against k8sc-apiserver + k8sc-controller-manager: a
# Deployment rolled out, scaled, updated, rolled back, paused and resumed
# with `kubectl rollout`. There is no kubelet yet: a loop plays it, marking
# new pods Running and Ready through the pods/status subresource.
#
# usage: kubectl_controllers.sh k8sc-apiserver k8sc-controller-manager [kubectl]
set -u

APISERVER=$1
MANAGER=$2
KUBECTL=${3:-kubectl}
. "$(dirname "$0")/lib.sh"

start_manager "$MANAGER"

# The fake kubelet (bounded: 10 minutes): a Job's pods run to completion (Succeeded), every
# other pod not yet running becomes Running and Ready.
(
    end=$(($(date +%s) + 600))
    while [ "$(date +%s)" -lt "$end" ]; do
        for p in $(timeout 10 "$KUBECTL" get pods -l '!batch.kubernetes.io/job-name' -o jsonpath='{range .items[?(@.status.phase!="Running")]}{.metadata.name}{" "}{end}' 2>/dev/null); do
            timeout 10 "$KUBECTL" patch pod "$p" --subresource=status --type=merge \
                -p '{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}' >/dev/null 2>&1
        done
        for p in $(timeout 10 "$KUBECTL" get pods -l batch.kubernetes.io/job-name -o jsonpath='{range .items[?(@.status.phase!="Succeeded")]}{.metadata.name}{" "}{end}' 2>/dev/null); do
            timeout 10 "$KUBECTL" patch pod "$p" --subresource=status --type=merge \
                -p '{"status":{"phase":"Succeeded","conditions":[{"type":"Ready","status":"False"}]}}' >/dev/null 2>&1
        done
        sleep 0.3
    done
) &
EXTRA_PIDS="$EXTRA_PIDS $!"

# rollout NAME: `kubectl rollout status` succeeds within 60 s.
rollout() {
    timeout 70 "$KUBECTL" rollout status "deployment/$1" --timeout=60s >"$TMP/out" 2>"$TMP/err" ||
        fail "rollout status $1: $(cat "$TMP/out" "$TMP/err"); controller manager: $(tail -5 "$TMP/cm.err")"
}

expect_ok create deployment web --image=nginx:1 --replicas=3
rollout web
expect_ok get deployment web -o 'jsonpath={.status.readyReplicas}/{.status.updatedReplicas}/{.metadata.annotations.deployment\.kubernetes\.io/revision}'
expect_out "3/3/1"
expect_ok get pods -l app=web -o name
[ "$(wc -l <"$TMP/out")" -eq 3 ] || fail "expected 3 pods, got: $(cat "$TMP/out")"
expect_ok get rs -l app=web
expect_match '^web-[a-z0-9]+ +3 +3 +3 ' "$TMP/out"

expect_ok scale deployment web --replicas=5
rollout web
expect_ok get deployment web -o 'jsonpath={.status.availableReplicas}'
expect_out "5"

expect_ok set image deployment/web nginx=nginx:2
rollout web
expect_ok rollout history deployment/web
expect_match '^1 ' "$TMP/out"
expect_match '^2 ' "$TMP/out"
expect_ok get pods -l app=web -o 'jsonpath={range .items[*]}{.spec.containers[0].image}{"\n"}{end}'
[ "$(sort -u "$TMP/out")" = "nginx:2" ] || fail "pods after the update: $(cat "$TMP/out")"

expect_ok rollout undo deployment/web
rollout web
expect_ok get deployment web -o 'jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\.kubernetes\.io/revision}'
expect_out "nginx:1 3"
expect_ok rollout history deployment/web
expect_match '^2 ' "$TMP/out"
expect_match '^3 ' "$TMP/out"

# Back to a given revision: its ReplicaSet is scaled up again, no new one is made.
expect_ok rollout undo deployment/web --to-revision=2
rollout web
expect_ok get rs -l app=web -o name
[ "$(wc -l <"$TMP/out")" -eq 2 ] || fail "rollout undo --to-revision made a new ReplicaSet: $(cat "$TMP/out")"
expect_ok get deployment web -o 'jsonpath={.spec.template.spec.containers[0].image}'
expect_out "nginx:2"

expect_ok rollout pause deployment/web
expect_ok set image deployment/web nginx=nginx:3
sleep 1
expect_ok get rs -l app=web -o name
[ "$(wc -l <"$TMP/out")" -eq 2 ] || fail "a paused deployment made a new ReplicaSet: $(cat "$TMP/out")"
expect_ok get deployment web -o 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}'
expect_out "DeploymentPaused"
expect_ok rollout resume deployment/web
rollout web
expect_ok get rs -l app=web -o name
[ "$(wc -l <"$TMP/out")" -eq 3 ] || fail "expected 3 ReplicaSets after resuming: $(cat "$TMP/out")"

# A Job runs its pods to completion: kubectl wait and describe see what they see on Kubernetes.
expect_ok create job hello --image=busybox
timeout 70 "$KUBECTL" wait --for=condition=complete --timeout=60s job/hello >"$TMP/out" 2>"$TMP/err" ||
    fail "wait job/hello: $(cat "$TMP/out" "$TMP/err")"
expect_ok describe jobs/hello
expect_match '^Pods Statuses: +0 Active \(0 Ready\) / 1 Succeeded / 0 Failed$' "$TMP/out"
expect_match 'Normal +SuccessfulCreate .* job-controller +Created pod: hello-' "$TMP/out"
expect_match 'Normal +Completed .* job-controller +Job completed' "$TMP/out"
expect_ok get job hello -o 'jsonpath={.status.succeeded}'
expect_out "1"

# kubectl drain evicts through pods/eviction: a PodDisruptionBudget, kept by the disruption
# controller, holds the pods back until it allows their disruption.
cat >"$TMP/guard.yaml" <<'EOF'
apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: v1
kind: Pod
metadata: {name: g1, labels: {app: guard}}
spec: {nodeName: n1, containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: g2, labels: {app: guard}}
spec: {nodeName: n1, containers: [{name: c, image: nginx}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: guard}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: guard}}
EOF
expect_ok apply -f "$TMP/guard.yaml"
# pdb_status WANT: the guard budget's "expected/healthy/allowed" becomes WANT within 30 s.
pdb_status() {
    i=0
    while [ $i -lt 60 ]; do
        k get pdb guard -o 'jsonpath={.status.expectedPods}/{.status.currentHealthy}/{.status.disruptionsAllowed}'
        [ "$(cat "$TMP/out")" = "$1" ] && return 0
        sleep 0.5
        i=$((i + 1))
    done
    fail "pdb guard status $(cat "$TMP/out"), want $1"
}
pdb_status 2/2/0
k drain n1 --force --grace-period=0 --timeout=6s
[ $? -ne 0 ] || fail "drain went through a budget that allows no disruption"
expect_match "Cannot evict pod as it would violate the pod's disruption budget\." "$TMP/err"
expect_ok get pods g1 g2 -o name
expect_ok patch pdb guard --type=merge -p '{"spec":{"minAvailable":0}}'
pdb_status 2/2/2
expect_ok drain n1 --force --grace-period=0 --timeout=30s
expect_match '^pod/g1 evicted$' "$TMP/out"
expect_match '^node/n1 drained$' "$TMP/out"
expect_ok get pods -l app=guard -o name
[ -z "$(cat "$TMP/out")" ] || fail "left after the drain: $(cat "$TMP/out")"

# Cascading delete in the foreground: the ReplicaSets and pods go first, then the Deployment.
expect_ok delete deployment web --cascade=foreground
expect_ok get rs,pods -l app=web -o name
[ -z "$(cat "$TMP/out")" ] || fail "left after a foreground delete: $(cat "$TMP/out")"

kill -0 $EXTRA_PIDS 2>/dev/null || fail "the controller manager died: $(cat "$TMP/cm.err")"
exit $FAILED
