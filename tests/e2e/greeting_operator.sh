#!/bin/sh
# The example operator examples/c/greeting-operator against k8sc-apiserver
# and k8sc-controller-manager, driven by the real kubectl: a Greeting gets
# its ConfigMap and status, follows edits, survives an API server restart,
# works the same from a host loop (--host-loop), and its ConfigMap goes
# with it when it is deleted.
#
# usage: greeting_operator.sh k8sc-apiserver kubectl k8sc-controller-manager greeting-operator EXAMPLES_DIR
set -u

APISERVER=$1
KUBECTL=$2
MANAGER=$3
OPERATOR=$4
EXAMPLES=$5
. "$(dirname "$0")/lib.sh"

start_manager "$MANAGER"
expect_ok apply -f "$EXAMPLES/manifests/greeting-crd.yaml"
expect_ok wait --for condition=established --timeout=30s crd/greetings.demo.k8sc.io

"$OPERATOR" --kubeconfig "$KUBECONFIG" >"$TMP/op.out" 2>"$TMP/op.err" &
OP_PID=$!
EXTRA_PIDS="$EXTRA_PIDS $OP_PID"

# message_is TEXT: within 20 s, ConfigMap hello holds data.message TEXT.
message_is() {
    i=0
    while [ $i -lt 100 ]; do
        got=$(timeout 10 "$KUBECTL" get configmap hello -o 'jsonpath={.data.message}' 2>/dev/null)
        [ "$got" = "$1" ] && return 0
        sleep 0.2
        i=$((i + 1))
    done
    fail "ConfigMap hello: message [$got], expected [$1]; operator: $(tail -3 "$TMP/op.err")"
}

expect_ok apply -f "$EXAMPLES/manifests/greeting.yaml"
message_is "Hello, world!"
expect_ok get configmap hello -o 'jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}/{.metadata.ownerReferences[0].controller}'
expect_out "Greeting/hello/true"
expect_ok wait --for=jsonpath='{.status.ready}'=true --timeout=20s greeting/hello
expect_ok get greeting hello -o 'jsonpath={.status.observedGeneration}'
expect_out "1"

expect_ok patch greeting hello --type=merge -p '{"spec":{"message":"Bonjour"}}'
message_is "Bonjour"

# The API server restarts on the same store and port: the operator lists again and carries on.
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
"$APISERVER" --listen "127.0.0.1:$PORT" --store "sqlite:$TMP/k8sc.db" >"$TMP/server2.out" 2>"$TMP/server2.err" &
SERVER_PID=$!
i=0
until grep -q listening "$TMP/server2.out" 2>/dev/null || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_ok patch greeting hello --type=merge -p '{"spec":{"message":"Hallo"}}'
message_is "Hallo"
expect_ok wait --for=jsonpath='{.status.observedGeneration}'=3 --timeout=20s greeting/hello

# The same operator driven from a poll() loop.
kill "$OP_PID"
wait "$OP_PID" 2>/dev/null
"$OPERATOR" --kubeconfig "$KUBECONFIG" --host-loop >"$TMP/op2.out" 2>"$TMP/op2.err" &
EXTRA_PIDS="$EXTRA_PIDS $!"
expect_ok patch greeting hello --type=merge -p '{"spec":{"message":"Hola"}}'
message_is "Hola"
expect_ok delete configmap hello
message_is "Hola"

# Deleting the Greeting deletes its ConfigMap (garbage collection by ownerReference).
expect_ok delete greeting hello
i=0
while timeout 10 "$KUBECTL" get configmap hello >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
k get configmap hello
[ $? -eq 1 ] || fail "ConfigMap hello outlived its Greeting"
exit $FAILED
