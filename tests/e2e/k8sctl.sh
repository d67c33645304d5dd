#!/bin/sh
# k8sctl against kubectl: the same commands through both against one
# k8sc-apiserver, their stdout, stderr and exit codes diffed. Tables are
# compared exactly first; only when they differ are ages (5s, 3m2s, 4h)
# normalised, with space runs squeezed, since a second may pass between
# the two runs.
#
# usage: k8sctl.sh PATH/TO/k8sc-apiserver PATH/TO/kubectl PATH/TO/k8sctl
set -u

APISERVER=$1
KUBECTL=$2
K8SCTL=$3
. "$(dirname "$0")/lib.sh"

# run TOOL NAME ARGS...: TOOL's stdout, stderr and status into $TMP/NAME.{out,err,rc}; stdin from
# $STDIN (default /dev/null). In k8sctl's output "k8sctl" reads "kubectl" (and ns-a ns-b in same_in).
STDIN=/dev/null
RENAME=
run() {
    tool=$1
    name=$2
    shift 2
    timeout 30 "$tool" "$@" <"$STDIN" >"$TMP/$name.out" 2>"$TMP/$name.err"
    echo $? >"$TMP/$name.rc"
    if [ "$tool" = "$K8SCTL" ]; then
        for f in out err; do
            sed -e 's/k8sctl/kubectl/g' -e "$RENAME" "$TMP/$name.$f" >"$TMP/$name.tmp"
            mv "$TMP/$name.tmp" "$TMP/$name.$f"
        done
    fi
}

normalise() {
    sed -E 's/(^| )[0-9]+(s|m|h|d)([0-9]+(s|m|h))?( |$)/\1AGE\5/g; s/(^| )[0-9]+(s|m|h|d)([0-9]+(s|m|h))?( |$)/\1AGE\5/g; s/  +/ /g' "$1"
}

# same ARGS...: k8sctl and kubectl print the same for ARGS.
same() {
    run "$K8SCTL" a "$@"
    run "$KUBECTL" b "$@"
    for f in rc err; do
        cmp -s "$TMP/a.$f" "$TMP/b.$f" || fail "k8sctl $*: $f differs:
$(diff "$TMP/a.$f" "$TMP/b.$f")"
    done
    if ! cmp -s "$TMP/a.out" "$TMP/b.out"; then
        normalise "$TMP/a.out" >"$TMP/a.norm"
        normalise "$TMP/b.out" >"$TMP/b.norm"
        cmp -s "$TMP/a.norm" "$TMP/b.norm" || fail "k8sctl $*: output differs:
$(diff "$TMP/a.out" "$TMP/b.out")"
    fi
}

# same_in ARGS...: ARGS run by k8sctl in namespace ns-a and by kubectl in ns-b, outputs diffed
# (for commands that change things: each tool acts on its own copy).
same_in() {
    RENAME=s/ns-a/ns-b/g
    run "$K8SCTL" a -n ns-a "$@"
    RENAME=
    run "$KUBECTL" b -n ns-b "$@"
    for f in rc out err; do
        cmp -s "$TMP/a.$f" "$TMP/b.$f" || fail "k8sctl $* (in ns-a vs ns-b): $f differs:
$(diff "$TMP/a.$f" "$TMP/b.$f")"
    done
}

cat >"$TMP/setup.yaml" <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: team
  labels:
    tier: backend
---
apiVersion: v1
kind: Namespace
metadata:
  name: ns-a
---
apiVersion: v1
kind: Namespace
metadata:
  name: ns-b
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: alpha
  labels:
    app: web
data:
  a: "1"
  b: "two words"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: other
  namespace: team
  labels:
    app: db
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: app
        image: nginx:1.27
---
apiVersion: v1
kind: Pod
metadata:
  name: solo
  labels:
    app: solo
spec:
  containers:
  - name: main
    image: busybox:1.36
    command: ["sleep", "3600"]
---
apiVersion: v1
kind: Node
metadata:
  name: node-1
  labels:
    kubernetes.io/hostname: node-1
EOF
cat >"$TMP/app.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
      - name: api
        image: nginx:1.27
EOF
sed -e 's/mode: fast/mode: slow/' -e 's/replicas: 1/replicas: 3/' "$TMP/app.yaml" >"$TMP/app2.yaml"

run "$K8SCTL" setup create -f "$TMP/setup.yaml"
[ "$(cat "$TMP/setup.rc")" = 0 ] || fail "k8sctl create -f setup.yaml: $(cat "$TMP/setup.err")"
grep -qx 'deployment.apps/web created' "$TMP/setup.out" || fail "create printed: $(cat "$TMP/setup.out")"

# --- version ---------------------------------------------------------------------
run "$K8SCTL" v version
grep -qx 'Client Version: v[0-9.]*' "$TMP/v.out" || fail "version: $(cat "$TMP/v.out")"
run "$KUBECTL" kv version
[ "$(grep '^Server Version' "$TMP/v.out")" = "$(grep '^Server Version' "$TMP/kv.out")" ] ||
    fail "server versions differ: $(cat "$TMP/v.out") / $(cat "$TMP/kv.out")"

# --- get ------------------------------------------------------------------------------
for type in configmaps cm namespaces deployments deploy deployments.apps pods po nodes; do
    same get "$type"
    same get "$type" -o name
    same get "$type" -o wide
    same get "$type" --show-labels
    same get "$type" --no-headers
    same get "$type" -A
    same get "$type" -o 'jsonpath={.items[*].metadata.name}'
done
same get cm alpha
same get cm/alpha cm/alpha
same get cm alpha -o yaml
same get cm alpha -o json
same get cm -o yaml
same get ns team -o yaml
same get cm alpha -o 'jsonpath={.data.b}'
same get cm -A -o 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\n"}{end}'
same get deploy web -o 'jsonpath={.spec.template.spec.containers[0].image} {.metadata.labels}'
same get cm -l app=web
same get cm -A -l 'app in (web,db)' --show-labels
same get cm -A --field-selector metadata.name=other -o name
same get pods -l app=nothing
same get cm -n team
same get cm -n empty-namespace
same api-resources

# --- errors ---------------------------------------------------------------------------
same get foo
same get pods missing
same get cm alpha missing
same delete pod missing
same get

# --- create, apply, delete -----------------------------------------------------------
same_in create -f "$TMP/app.yaml"
same_in create -f "$TMP/app.yaml"
same_in apply -f "$TMP/app.yaml"
same_in apply -f "$TMP/app2.yaml"
same_in apply -f "$TMP/app2.yaml"
same_in get cm settings -o 'jsonpath={.data.mode} {.metadata.annotations}'
same_in get deploy api -o 'jsonpath={.spec.replicas}'
same_in delete -f "$TMP/app.yaml"
STDIN=$TMP/app.yaml
same_in apply -f -
STDIN=/dev/null
same_in delete cm settings
same_in delete deploy -l app=api
same_in delete deploy api
same_in get cm
same_in create -f "$TMP/missing.yaml"
STDIN=$TMP/empty.yaml
: >"$STDIN"
same_in apply -f -
same_in create -f -
STDIN=/dev/null

exit $FAILED
