#!/bin/sh
# The real kubectl against k8sc-apiserver and k8sc-scheduler with three
# fake nodes (Node objects made with kubectl, no kubelet): placements by
# node selector, node affinity, taints and tolerations, resources and
# topology spread; an unschedulable pod's PodScheduled condition and
# FailedScheduling Event; a low-priority pod preempted by a high-priority one.
# Usage: kubectl_scheduler.sh APISERVER KUBECTL SCHEDULER
APISERVER=$1
KUBECTL=$2
. "$(dirname "$0")/lib.sh"
"$3" --kubeconfig "$KUBECONFIG" --leader-elect=false >"$TMP/sched.out" 2>"$TMP/sched.err" &
EXTRA_PIDS="$EXTRA_PIDS $!"

# node NAME ZONE CPU [SPEC]: a Node with allocatable cpu CPU, 8Gi, 110 pods, written with its status.
node() {
    spec=${4:-"{}"}
    cat >"$TMP/node.yaml" <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $1
  labels: {kubernetes.io/hostname: $1, zone: $2}
spec: $spec
EOF
    expect_ok create -f "$TMP/node.yaml"
    expect_ok patch node "$1" --subresource=status --type=merge -p \
        "{\"status\":{\"capacity\":{\"cpu\":\"$3\",\"memory\":\"8Gi\",\"pods\":\"110\"},\"allocatable\":{\"cpu\":\"$3\",\"memory\":\"8Gi\",\"pods\":\"110\"},\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}"
}

# pod NAME CPU [SPEC-LINES]: a pod requesting CPU, with more of its spec (YAML, two-space indented) from stdin.
pod() {
    {
        cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $1
  labels: {app: $1}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: c
    image: busybox:1.36
    resources: {requests: {cpu: "$2", memory: 64Mi}}
EOF
        cat
    } >"$TMP/pod.yaml"
    expect_ok create -f "$TMP/pod.yaml"
}

# node_of POD: the pod's spec.nodeName once it has one (10 s at most), in $TMP/out.
node_of() {
    i=0
    while [ $i -lt 50 ]; do
        k get pod "$1" -o jsonpath='{.spec.nodeName}'
        [ -s "$TMP/out" ] && return 0
        sleep 0.2
        i=$((i + 1))
    done
    return 1
}

# expect_node POD NODE
expect_node() {
    node_of "$1"
    [ "$(cat "$TMP/out")" = "$2" ] || fail "pod $1 on [$(cat "$TMP/out")], want [$2]"
}

# expect_unschedulable POD REGEX: PodScheduled=False/Unschedulable and a FailedScheduling Event matching REGEX.
expect_unschedulable() {
    i=0
    while [ $i -lt 50 ]; do
        k get pod "$1" -o jsonpath='{range .status.conditions[?(@.type=="PodScheduled")]}{.status} {.reason}{end}'
        [ "$(cat "$TMP/out")" = "False Unschedulable" ] && break
        sleep 0.2
        i=$((i + 1))
    done
    expect_out "False Unschedulable"
    expect_ok get pod "$1" -o jsonpath='{.spec.nodeName}'
    expect_out ""
    i=0
    while [ $i -lt 50 ]; do
        k get events --field-selector "involvedObject.name=$1,reason=FailedScheduling" \
            -o jsonpath='{range .items[*]}{.type} {.source.component}: {.message}{"\n"}{end}'
        grep -Eq -- "$2" "$TMP/out" && break
        sleep 0.2
        i=$((i + 1))
    done
    expect_match "^Warning default-scheduler: $2" "$TMP/out"
}

node n1 a 4
node n2 b 4 '{taints: [{key: dedicated, value: gpu, effect: NoSchedule}]}'
node n3 c 2

# Node selector.
pod sel 100m <<EOF
  nodeSelector: {zone: a}
EOF
expect_node sel n1

# Required node affinity.
pod aff 100m <<EOF
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: [{key: zone, operator: In, values: [c]}]
EOF
expect_node aff n3

# A tainted node takes only pods that tolerate its taint.
pod tolerant 100m <<EOF
  nodeSelector: {zone: b}
  tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]
EOF
expect_node tolerant n2
pod intolerant 100m <<EOF
  nodeSelector: {zone: b}
EOF
expect_unschedulable intolerant \
    "0/3 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: gpu\}, 2 node\(s\) didn't match Pod's node affinity/selector\."

# Resources: 3 cpu fit on n1 only (n2 is tainted, n3 has 2); 5 fit nowhere.
pod big 3 </dev/null
expect_node big n1
pod huge 5 </dev/null
expect_unschedulable huge "0/3 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: gpu\}, 2 Insufficient cpu\."

# Topology spread over hostnames: three replicas, one per node.
for p in spread-1 spread-2 spread-3; do
    cat >"$TMP/spread.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $p
  labels: {app: spread}
spec:
  tolerations: [{key: dedicated, operator: Exists}]
  topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: DoNotSchedule
    labelSelector: {matchLabels: {app: spread}}
  containers:
  - name: c
    image: busybox:1.36
    resources: {requests: {cpu: 10m}}
EOF
    expect_ok create -f "$TMP/spread.yaml"
done
for p in spread-1 spread-2 spread-3; do node_of "$p"; cat "$TMP/out"; echo; done >"$TMP/spread"
[ "$(sort -u "$TMP/spread" | grep -c .)" = 3 ] || fail "spread pods not one per node: $(tr '\n' ' ' <"$TMP/spread")"

# Preemption: n3 has 2 cpu; a high-priority pod evicts the low-priority one that holds them
# (not the small pods of priority 0 there, which leave room enough).
expect_ok create priorityclass low --value=100
expect_ok create priorityclass high --value=1000
pod low 1500m <<EOF
  priorityClassName: low
  nodeSelector: {zone: c}
EOF
expect_node low n3
expect_ok get pod low -o jsonpath='{.spec.priority}'
expect_out 100
pod high 1500m <<EOF
  priorityClassName: high
  nodeSelector: {zone: c}
EOF
expect_node high n3
k get pod low
grep -q NotFound "$TMP/err" || fail "pod low not preempted: $(cat "$TMP/out")"
expect_ok get events --field-selector involvedObject.name=low,reason=Preempted -o jsonpath='{.items[*].message}'
expect_match "^Preempted by pod [0-9a-f-]+ on node n3$" "$TMP/out"

# A pod the API server rejects never reaches the scheduler: an unknown PriorityClass.
k run nosuch --image=busybox:1.36 --overrides='{"spec":{"priorityClassName":"nosuch"}}'
expect_match 'no PriorityClass with name nosuch was found' "$TMP/err"

[ $FAILED = 0 ] || { echo "sched.err:"; tail -20 "$TMP/sched.err"; }
exit $FAILED
