#!/bin/sh
# k8sctl against kubectl for the object-building and node verbs: create's
# generators (namespace, deployment, configmap, secret generic, job,
# cronjob, service, serviceaccount), run, expose, drain (on fake nodes with
# pods bound to them), completion. The same command runs through both
# tools against one k8sc-apiserver (k8sctl in namespace ns-a / on node-a,
# kubectl in ns-b / on node-b) and stdout, stderr and exit codes are diffed.
#
# usage: k8sctl_create.sh PATH/TO/k8sc-apiserver PATH/TO/kubectl PATH/TO/k8sctl
set -u

APISERVER=$1
KUBECTL=$2
K8SCTL=$3
. "$(dirname "$0")/lib.sh"

# run TOOL NAME SIDE ARGS...: TOOL's stdout, stderr, status into $TMP/NAME.{out,err,rc}; each @ in
# ARGS reads SIDE (a or b). k8sctl's output is read with "k8sctl" as "kubectl" and side a as side b.
run() {
    tool=$1
    name=$2
    side=$3
    shift 3
    for arg in "$@"; do
        set -- "$@" "$(printf '%s' "$arg" | sed "s/@/$side/g")"
        shift
    done
    timeout 60 "$tool" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
    echo $? >"$TMP/$name.rc"
    if [ "$tool" = "$K8SCTL" ]; then
        for f in out err; do
            sed -e 's/k8sctl/kubectl/g' -e 's/-a\b/-b/g' "$TMP/$name.$f" >"$TMP/$name.tmp"
            mv "$TMP/$name.tmp" "$TMP/$name.$f"
        done
    fi
}

# same ARGS...: k8sctl with @ as a and kubectl with @ as b print the same.
same() {
    run "$K8SCTL" a a "$@"
    run "$KUBECTL" b b "$@"
    for f in rc out err; do
        cmp -s "$TMP/a.$f" "$TMP/b.$f" || fail "k8sctl $*: $f differs:
$(diff "$TMP/a.$f" "$TMP/b.$f")"
    done
}

# same_ns ARGS...: same, in namespace ns-@.
same_ns() {
    same -n ns-@ "$@"
}

# pod NODE NAME OWNER [emptydir]: a pod bound to NODE in namespace default; OWNER none, rs or ds.
pod() {
    {
        printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: default\n' "$2"
        case $3 in
        rs) printf '  ownerReferences:\n  - {apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: 11111111-1111-1111-1111-111111111111, controller: true}\n' ;;
        ds) printf '  ownerReferences:\n  - {apiVersion: apps/v1, kind: DaemonSet, name: ds, uid: 11111111-1111-1111-1111-111111111112, controller: true}\n' ;;
        esac
        printf 'spec:\n  nodeName: %s\n  containers:\n  - {name: c, image: x}\n' "$1"
        [ "${4:-}" = emptydir ] && printf '  volumes:\n  - {name: v, emptyDir: {}}\n'
    } | timeout 30 "$KUBECTL" create -f - >/dev/null || fail "creating pod $2"
}

# --- create generators, printed without the server ------------------------------------------------
D="--dry-run=client -o yaml"
mkdir -p "$TMP/files"
echo hello >"$TMP/files/f1"
printf 'x\ny' >"$TMP/files/f2.txt"
echo bin >"$TMP/files/.hidden"
printf '# comment\nA=1\n  B=two words\n\nC\n' >"$TMP/env"
printf 'B = x\n' >"$TMP/badenv"
cd "$TMP" || exit 1

same create namespace foo $D
same create namespace foo -o name --dry-run=client
same create deployment web --image=nginx --replicas=2 --port=80 $D
same create deployment web --image=nginx --image=registry.io/busybox:1.0 $D
same create deployment web --image=nginx $D -- sleep 1
same create deployment web --image=a --image=b $D -- sleep 1
same create configmap cm --from-literal=a=1 --from-literal=b=x=y $D
same create configmap cm --from-file=files --from-file=k=env $D
same create configmap cm --from-file=files/f1 $D
same create configmap cm --from-env-file=env $D
same create configmap cm --from-env-file=badenv $D
same create configmap cm --from-env-file=env --from-literal=a=1 $D
same create configmap cm --from-literal=a $D
same create configmap cm --from-literal=a=1 --from-literal=a=2 $D
same create configmap cm --from-file=missing $D
same create configmap cm --dry-run=maybe
same create secret generic s --from-literal=a=1 $D
same create secret generic s --from-file=files --type=example.com/x $D
same create secret generic s --from-literal=a=1 --from-literal=a=2 $D
same create job j --image=busybox $D
same create job j --image=busybox $D -- echo hi
same create job j $D
same create cronjob cj --image=busybox "--schedule=*/1 * * * *" $D -- date
same create cronjob cj --image=busybox "--schedule=*/1 * * * *" --restart=Never $D
same create service clusterip svc --tcp=80:8080 --tcp=443 $D
same create service clusterip svc --tcp=80:http --clusterip=None $D
same create service clusterip svc $D
same create service clusterip svc --tcp=a:b $D
same create service clusterip $D
same create service nodeport np --tcp=80:8080 --node-port=30080 $D
same create service loadbalancer lb --tcp=80 $D
same create service foo x
same create serviceaccount sa $D
same create deployment a b --image=x
same run p --image=nginx --port=80 --env=A=1 --env=B=2 --labels=x=y,z=w $D -- arg1 arg2
same run p --image=nginx --restart=Never --command $D -- sh -c "echo hi"
same run p --image=nginx --restart=OnFailure $D extra
same run p --image=nginx --restart=Sometimes
same run p --image=nginx --env=A
same run p --image=nginx --labels=a
same run p --image=nginx --port=http

# --- create and run against the server ------------------------------------------------------------
expect_ok create namespace ns-a
expect_ok create namespace ns-b
same create namespace new-@
same create namespace new-@
same_ns create deployment web --image=nginx --replicas=2 --port=80
same_ns create deployment web --image=nginx
same_ns create deployment api --image=nginx --dry-run=server
same_ns create configmap cm --from-literal=a=1 --from-file=files
same_ns create configmap cm --from-literal=a=1
same_ns create secret generic s --from-literal=a=1
same_ns create secret generic s --from-literal=a=1
same_ns create job j --image=busybox -o name -- echo hi
same_ns create job j --image=busybox
same_ns create cronjob cj --image=busybox "--schedule=*/5 * * * *"
same_ns create cronjob cj --image=busybox "--schedule=*/5 * * * *"
same_ns create cronjob bad --image=busybox --schedule=never
same_ns create job manual --from=cronjob/cj -o name
same_ns create job manual2 --from=cronjob/missing
same_ns create job manual3 --image=x --from=cronjob/cj
same_ns create service clusterip svc --tcp=80:8080
same_ns create service nodeport np --tcp=80 -o name
same_ns create serviceaccount robot
same_ns create serviceaccount robot
same_ns run p --image=nginx --port=80 --labels=app=p
same_ns run p --image=nginx
same_ns run q --image=nginx --dry-run=server
for type in deployments configmaps secrets jobs cronjobs services serviceaccounts pods; do
    same_ns get $type -o name
done

# --- expose ---------------------------------------------------------------------------------------
same_ns expose deployment web --port=8080 --target-port=80
same_ns expose deployment web --port=8080 --type=NodePort --name=web-np --protocol=UDP $D
same_ns expose deployment web $D
same_ns expose deploy/web --name=web2
same_ns expose pod p --port=1,2 $D
same_ns expose pod p --name=p-svc
same_ns expose service svc --name=svc2 $D
same_ns expose replicaset missing --port=1
same_ns expose configmap cm
same_ns expose deployment
same_ns expose
same_ns get services -o name

# --- drain ----------------------------------------------------------------------------------------
for side in a b; do
    printf 'apiVersion: v1\nkind: Node\nmetadata:\n  name: node-%s\n' $side | timeout 30 "$KUBECTL" create -f - >/dev/null
done
same drain node-@ --dry-run=bad
same drain
for side in a b; do pod node-$side bare-$side none; done
same drain node-@ --timeout=3s
same drain node-@ --timeout=3s --dry-run=client
same drain node-@ --timeout=3s --force --grace-period=0
for side in a b; do pod node-$side local-$side rs emptydir; done
same drain node-@ --timeout=3s
same drain node-@ --timeout=3s --delete-emptydir-data --grace-period=0
for side in a b; do pod node-$side daemon-$side ds; done
same drain node-@ --timeout=3s
same drain node-@ --timeout=3s --force --grace-period=0
for side in a b; do pod node-$side managed-$side rs; done
same drain node-@ --timeout=2s
same drain node-@ --timeout=3s --grace-period=0
same drain node-missing-@

# --- explain --------------------------------------------------------------------------------------
same explain configmap
same explain cm.kind
same explain pods.spec
same explain deployments --recursive
same explain configmaps --recursive
same explain cronjobs.spec
same explain pods.spec.containers.resources
same explain pods.spec.containers --recursive
same explain deployments.spec.strategy --recursive
same explain svc.spec.ports.targetPort
same explain pods.spec.os
same explain pods.status.podIPs.ip
same explain configmap.data.x
same explain configmap.nope
same explain nope
same explain
same explain a b
same explain configmaps --api-version=v2

# --- describe -------------------------------------------------------------------------------------
for side in a b; do
    timeout 30 "$KUBECTL" create -n ns-$side -f - >/dev/null <<EOF || fail "creating the objects to describe"
apiVersion: v1
kind: ReplicationController
metadata: {name: rc, labels: {app: rc}}
spec:
  replicas: 2
  selector: {app: rc}
  template:
    metadata: {labels: {app: rc}}
    spec:
      containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Secret
metadata: {name: token, labels: {team: x}, annotations: {note: hi}}
type: kubernetes.io/service-account-token
data: {token: c2VjcmV0}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: builder}
secrets: [{name: token}, {name: two}]
imagePullSecrets: [{name: pull}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  suspend: true
  startingDeadlineSeconds: 30
  jobTemplate:
    spec:
      parallelism: 2
      completions: 4
      activeDeadlineSeconds: 60
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: c, image: busybox, command: [date]}]
EOF
done
for what in "replicationcontroller rc" replicationcontrollers "secret s" "secret token" "serviceaccount robot" \
    "serviceaccount builder" "cronjob cj" "cronjob nightly" \
    "endpoints svc" "pod p"; do
    same_ns describe $what
done

# --- completion -----------------------------------------------------------------------------------
timeout 30 "$K8SCTL" completion bash >"$TMP/completion.bash" || fail "k8sctl completion bash failed"
cat >"$TMP/complete.sh" <<EOF
. "$TMP/completion.bash"
K8SCTL_BIN="$K8SCTL"
complete_words() {
    COMP_WORDS=("\$@")
    COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1))
    COMP_LINE="\$*"
    COMP_POINT=\${#COMP_LINE}
    COMPREPLY=()
    _k8sctl_complete
    printf '%s\n' "\${COMPREPLY[@]}"
}
echo "[verbs]"; complete_words k8sctl cre
echo "[types]"; complete_words k8sctl get deploy
echo "[names]"; complete_words k8sctl -n ns-a get deployments ""
echo "[nodes]"; complete_words k8sctl drain node-
echo "[generators]"; complete_words k8sctl create s
echo "[shells]"; complete_words k8sctl completion ""
EOF
bash "$TMP/complete.sh" >"$TMP/complete.out" 2>&1 || fail "completion script failed: $(cat "$TMP/complete.out")"
cat >"$TMP/complete.want" <<'EOF'
[verbs]
create
[types]
deployments
[names]
web
[nodes]
node-a
node-b
[generators]
secret
service
serviceaccount
[shells]
bash
zsh
EOF
diff "$TMP/complete.want" "$TMP/complete.out" >/dev/null || fail "completion candidates differ:
$(diff "$TMP/complete.want" "$TMP/complete.out")"
timeout 30 "$K8SCTL" completion zsh >"$TMP/completion.zsh" || fail "k8sctl completion zsh failed"
grep -q '^#compdef k8sctl' "$TMP/completion.zsh" || fail "the zsh script lacks #compdef"
same completion ksh
same completion
same completion bash zsh

[ "$FAILED" = 0 ] && echo "PASS"
exit "$FAILED"
