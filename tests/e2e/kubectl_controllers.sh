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

# The fake kubelet: every pod not yet running becomes Running and Ready (bounded: 10 minutes).
(
    end=$(($(date +%s) + 600))
    while [ "$(date +%s)" -lt "$end" ]; do
        for p in $(timeout 10 "$KUBECTL" get pods -o jsonpath='{range .items[?(@.status.phase!="Running")]}{.metadata.name}{" "}{end}' 2>/dev/null); do
            timeout 10 "$KUBECTL" patch pod "$p" --subresource=status --type=merge \
                -p '{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}' >/dev/null 2>&1
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

kill -0 $EXTRA_PIDS 2>/dev/null || fail "the controller manager died: $(cat "$TMP/cm.err")"
exit $FAILED
