#!/bin/sh
# k8sctl against kubectl: the same commands through both against one
# k8sc-apiserver (get, describe, create, apply, replace, delete, label,
# annotate, scale, patch, cordon, uncordon, taint, api-versions, config),
# their stdout, stderr
# and exit codes diffed. Tables are
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

# compare WHAT: a.{rc,out,err} and b.{rc,out,err} the same once ages are masked.
compare() {
    for f in rc out err; do
        normalise "$TMP/a.$f" >"$TMP/a.norm"
        normalise "$TMP/b.$f" >"$TMP/b.norm"
        cmp -s "$TMP/a.norm" "$TMP/b.norm" || fail "$1: $f differs:
$(diff "$TMP/a.$f" "$TMP/b.$f")"
    done
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
    compare "k8sctl $* (in ns-a vs ns-b)"
}

# same_nodes ARGS...: each @ in ARGS reads "a" for k8sctl and "b" for kubectl (nodes node-a1 and
# node-b1, pools a and b), outputs and the nodes' specs afterwards diffed.
same_nodes() {
    RENAME='s/node-a/node-b/g; s/pool=a/pool=b/g'
    run "$K8SCTL" a $(echo "$*" | sed 's/@/a/g')
    timeout 30 "$KUBECTL" get nodes -l pool=a -o 'jsonpath={.items[*].spec}' >>"$TMP/a.out"
    RENAME=
    run "$KUBECTL" b $(echo "$*" | sed 's/@/b/g')
    timeout 30 "$KUBECTL" get nodes -l pool=b -o 'jsonpath={.items[*].spec}' >>"$TMP/b.out"
    compare "k8sctl $* (nodes a vs b)"
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
    env:
    - name: MY_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - name: LINES
      value: "one\ntwo"
    envFrom:
    - configMapRef:
        name: alpha
---
apiVersion: v1
kind: Node
metadata:
  name: node-1
  labels:
    kubernetes.io/hostname: node-1
---
apiVersion: v1
kind: Node
metadata:
  name: node-a1
  labels:
    pool: a
---
apiVersion: v1
kind: Node
metadata:
  name: node-b1
  labels:
    pool: b
---
apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
  - name: tls
    port: 443
    targetPort: https
---
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  backoffLimit: 4
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: pi
        image: perl:5.34
        command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(20)"]
        env:
        - name: DIGITS
          value: "20"
        - name: FROM_CM
          valueFrom:
            configMapKeyRef:
              name: alpha
              key: a
        resources:
          requests:
            cpu: 100m
            memory: 64Mi
          limits:
            cpu: 200m
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: frontend
  annotations:
    note: a replica set
spec:
  replicas: 2
  selector:
    matchExpressions:
    - key: tier
      operator: In
      values: [fe, be]
  template:
    metadata:
      labels:
        tier: fe
    spec:
      containers:
      - name: c
        image: nginx:1.27
        ports:
        - containerPort: 80
          name: http
        - containerPort: 81
        volumeMounts:
        - name: cache
          mountPath: /cache
        - name: cfg
          mountPath: /etc/cfg
          readOnly: true
        readinessProbe:
          httpGet:
            path: /healthz
            port: 80
      volumes:
      - name: cache
        emptyDir: {}
      - name: cfg
        configMap:
          name: alpha
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: lock
spec:
  holderIdentity: me
  leaseDurationSeconds: 15
---
apiVersion: v1
kind: Event
metadata:
  name: solo.1
involvedObject:
  kind: Pod
  name: solo
  namespace: default
reason: Scheduled
message: "Successfully assigned default/solo to node-1"
type: Normal
source:
  component: default-scheduler
firstTimestamp: "2020-01-01T00:00:00Z"
lastTimestamp: "2020-01-02T00:00:00Z"
count: 3
---
apiVersion: v1
kind: Event
metadata:
  name: alpha.1
involvedObject:
  kind: ConfigMap
  name: alpha
  namespace: default
reason: Touched
message: "  the config map was touched  "
type: Warning
reportingComponent: tester
reportingInstance: tester-1
action: Touch
eventTime: "2020-01-01T00:00:00.000000Z"
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
same get cm -A -o custom-columns=NAME:.metadata.name,NS:.metadata.namespace,DATA:.data
same get deploy -o 'custom-columns=NAME:{.metadata.name},IMAGES:.spec.template.spec.containers[*].image' --no-headers
same get pods -l app=nothing -o custom-columns=NAME:.metadata.name
same get cm -o custom-columns=BAD
same get cm -A --sort-by=.metadata.name -o name
same get cm -A --sort-by=.metadata.labels.app -o custom-columns=NAME:.metadata.name,APP:.metadata.labels.app
same get nodes --sort-by=.metadata.name
same get cm --sort-by=.data.a
same get cm --show-labels -o yaml
same get cm -n team
same get cm -n empty-namespace
same api-resources
same api-versions
same api-versions extra

# --- describe ---------------------------------------------------------------------------
# (kubectl 1.32 prints a config map's data in Go's random map order: those described have one key at most.)
for target in "cm other -n team" "cm -n team" "cm oth -n team" "ns team" "deploy web" "pod solo" "node node-1" \
    "svc web" "job pi" "rs frontend" "lease lock" "deploy/web" "pods -l app=solo" "no"; do
    same describe $target
done
same describe pods missing
same describe foo x
same describe

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

# --- label, annotate, scale, patch, replace -----------------------------------------------
same_in apply -f "$TMP/app.yaml"
same_in label cm settings tier=web
same_in label cm settings tier=db
same_in label cm settings tier=db --overwrite
same_in label cm settings tier-
same_in label cm settings tier- nope-
same_in label cm/settings a=1 b=2
same_in label cm settings 'bad=a b'
same_in label cm settings x=1 other
same_in label cm x=1
same_in label cm settings
same_in label cm --all env=prod
same_in label cm -l env=prod env=dev --overwrite
same_in label cm missing x=1
same_in get cm --show-labels -o name
same_in get cm settings -o 'jsonpath={.metadata.labels}'
same_in annotate cm settings note=hello
same_in annotate cm settings note=bye
same_in annotate cm settings note=bye --overwrite
same_in annotate cm settings note- gone-
same_in annotate deploy api 'desc=multi word'
same_in get cm settings -o 'jsonpath={.metadata.annotations}'
same_in scale deploy api --replicas=3
same_in scale deploy/api --replicas=2 --current-replicas=3
same_in scale deploy/api --replicas=5 --current-replicas=3
same_in scale deploy api --replicas=x
same_in scale deploy nope --replicas=1
same_in scale deploy nope api --replicas=1
same_in scale deploy --all --replicas=4
same_in get deploy api -o 'jsonpath={.spec.replicas}'
same_in patch deploy api -p '{"spec":{"replicas":1}}'
same_in patch deploy api -p '{"spec":{"replicas":1}}'
same_in patch cm settings --type merge -p '{"data":{"k":"v"}}'
same_in patch cm settings --type json -p '[{"op":"remove","path":"/data/k"}]'
same_in patch cm settings --type json -p '[{"op":"remove","path":"/data/k"}]'
same_in patch cm settings -p 'data: {y: z}'
same_in patch cm settings --type bogus -p '{}'
same_in patch cm settings
same_in patch cm nope -p '{}'
same_in get cm settings -o 'jsonpath={.data}'
sed 's/mode: fast/mode: replaced/' "$TMP/app.yaml" >"$TMP/app3.yaml"
same_in replace -f "$TMP/app3.yaml"
same_in get cm settings -o 'jsonpath={.data}'
same_in replace -f "$TMP/missing.yaml"
same_in delete -f "$TMP/app.yaml"
same_in replace -f "$TMP/app3.yaml"
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}' >"$TMP/bad.json"
same_in create -f "$TMP/bad.json"

# --- cordon, uncordon, taint -----------------------------------------------------------------
for args in "cordon node-@1" "cordon node-@1" "uncordon node-@1" "uncordon node-@1" "cordon -l pool=@" \
    "uncordon node-@1" "cordon" "cordon nope" \
    "taint nodes node-@1 k=v:NoSchedule" "taint nodes node-@1 k=v2:NoSchedule" \
    "taint nodes node-@1 k=v2:NoSchedule --overwrite" "taint node node-@1 k:NoExecute" \
    "taint node node-@1 k:NoSchedule-" "taint node node-@1 k:NoSchedule-" "taint node node-@1 k-" \
    "taint node node-@1 k-" "taint node node-@1 k=v:Bad" "taint node node-@1" "taint node node-@1 x" \
    "taint node node-@1 a=b:NoSchedule c=d:PreferNoSchedule" "taint nodes -l pool=@ z=1:NoSchedule" \
    "taint nodes -l pool=@ z-" "taint cm alpha a=b:NoSchedule" "taint node nope a=b:NoSchedule" \
    "taint node node-@1 k=v=x:NoSchedule" "taint node node-@1 :NoSchedule" "taint node node-@1 a- c=e:NoSchedule" \
    "taint node node-@1 c=e:NoSchedule c-" "taint node node-@1 q- r-" "taint node node-@1 c=f:NoSchedule --overwrite"; do
    same_nodes $args
done
STDIN=$TMP/empty.yaml
: >"$STDIN"
same_in apply -f -
same_in create -f -
STDIN=/dev/null

# --- config, api-versions -----------------------------------------------------------------
cat >"$TMP/kc.yaml" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster:
    server: http://127.0.0.1:$PORT
users:
- name: u1
  user: {}
contexts:
- name: zeta
  context:
    cluster: c1
    user: u1
    namespace: team
- name: alpha
  context:
    cluster: c1
    user: u1
current-context: zeta
EOF
cp "$TMP/kc.yaml" "$TMP/kc-a.yaml"
cp "$TMP/kc.yaml" "$TMP/kc-b.yaml"
# same_kc ARGS...: k8sctl on kc-a.yaml and kubectl on kc-b.yaml (each its own copy to change); ages masked.
same_kc() {
    run "$K8SCTL" a --kubeconfig "$TMP/kc-a.yaml" "$@"
    run "$KUBECTL" b --kubeconfig "$TMP/kc-b.yaml" "$@"
    compare "k8sctl $* (kubeconfig a vs b)"
}
for args in "config current-context" "config get-contexts" "config get-contexts alpha" "config get-contexts nope" \
    "config get-contexts nope alpha" "config get-contexts -o name" "config get-contexts --no-headers" \
    "config use-context alpha" "config current-context" "config get-contexts" "get cm" "config use-context nope" \
    "config use zeta" "get cm" "config bogus"; do
    same_kc $args
done

exit $FAILED
