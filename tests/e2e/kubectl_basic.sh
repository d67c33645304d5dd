#!/bin/sh
# The real kubectl against k8sc-apiserver: start the server on a free
# loopback port with a fresh SQLite store, point a throw-away kubeconfig at
# it and check what kubectl prints for the everyday commands.
#
# usage: kubectl_basic.sh PATH/TO/k8sc-apiserver PATH/TO/kubectl PATH/TO/k8sc-controller-manager
set -u

APISERVER=$1
KUBECTL=$2
MANAGER=$3
. "$(dirname "$0")/lib.sh"

cat >"$TMP/cm.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: alpha
  labels:
    app: web
data:
  a: "1"
  b: "2"
EOF
cat >"$TMP/other.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: other
  labels:
    app: db
EOF
cat >"$TMP/deploy.yaml" <<'EOF'
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
EOF
cat >"$TMP/ns.yaml" <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: team
EOF
cat >"$TMP/bad.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: BadName
EOF

# --- discovery -----------------------------------------------------------------
expect_ok version
expect_match '^Server Version: v1\.32\.' "$TMP/out"

expect_ok api-resources
expect_match '^configmaps +cm +v1 +true +ConfigMap$' "$TMP/out"
expect_match '^deployments +deploy +apps/v1 +true +Deployment$' "$TMP/out"
expect_match '^namespaces +ns +v1 +false +Namespace$' "$TMP/out"

expect_ok get ns
expect_match '^NAME +STATUS +AGE$' "$TMP/out"
for ns in default kube-node-lease kube-public kube-system; do
    expect_match "^$ns +Active +[0-9]+s$" "$TMP/out"
done

# --- create and read ---------------------------------------------------------------
expect_ok create -f "$TMP/cm.yaml"
expect_out 'configmap/alpha created'
expect_ok create -f "$TMP/other.yaml"
expect_ok create -f "$TMP/deploy.yaml"
expect_out 'deployment.apps/web created'
expect_ok create -f "$TMP/ns.yaml"
expect_out 'namespace/team created'

expect_ok get cm
expect_match '^NAME +DATA +AGE$' "$TMP/out"
expect_match '^alpha +2 +[0-9]+s$' "$TMP/out"
expect_match '^other +0 +[0-9]+s$' "$TMP/out"

expect_ok get cm alpha -o yaml
expect_match '^kind: ConfigMap$' "$TMP/out"
expect_match '^  name: alpha$' "$TMP/out"
expect_match '^  namespace: default$' "$TMP/out"
expect_match '^  a: "1"$' "$TMP/out"
expect_match '^  uid: [0-9a-f-]{36}$' "$TMP/out"
expect_match '^  resourceVersion: "[0-9]+"$' "$TMP/out"

expect_ok get cm alpha -o json
expect_match '^    "apiVersion": "v1",$' "$TMP/out"
expect_ok get cm alpha -o 'jsonpath={.data.b}'
expect_out '2'
expect_ok get cm -o name
expect_out 'configmap/alpha
configmap/other'

expect_ok get deploy -o wide
expect_match '^NAME +READY +UP-TO-DATE +AVAILABLE +AGE +CONTAINERS +IMAGES +SELECTOR$' "$TMP/out"
expect_match '^web +0/2 +0 +0 +[0-9]+s +app +nginx:1\.27 +app=web$' "$TMP/out"
expect_ok get deploy web -o 'jsonpath={.metadata.generation} {.spec.strategy.type}'
expect_out '1 RollingUpdate'

expect_ok get cm -l app=web -o name
expect_out 'configmap/alpha'
expect_ok get cm -A -l 'app in (web,db)' --show-labels
expect_match '^NAMESPACE +NAME +DATA +AGE +LABELS$' "$TMP/out"
expect_match '^default +other +0 +[0-9]+s +app=db$' "$TMP/out"
expect_ok get cm --field-selector metadata.name=other -o name
expect_out 'configmap/other'

# --- replace ---------------------------------------------------------------------------
sed 's/a: "1"/a: "changed"/' "$TMP/cm.yaml" >"$TMP/cm2.yaml"
expect_ok replace -f "$TMP/cm2.yaml"
expect_out 'configmap/alpha replaced'
expect_ok get cm alpha -o 'jsonpath={.data.a}'
expect_out 'changed'

# --- label, annotate, apply (PATCH) ------------------------------------------------------
expect_ok label cm alpha tier=front
expect_out 'configmap/alpha labeled'
expect_ok annotate cm alpha note=hello
expect_out 'configmap/alpha annotated'
expect_ok get cm alpha -o 'jsonpath={.metadata.labels.tier} {.metadata.annotations.note}'
expect_out 'front hello'
sed 's/a: "1"/a: "applied"/' "$TMP/cm.yaml" >"$TMP/cm3.yaml"
expect_ok apply -f "$TMP/cm3.yaml"
expect_out 'configmap/alpha configured'
expect_ok apply -f "$TMP/cm3.yaml"
expect_out 'configmap/alpha unchanged'
expect_ok get cm alpha -o 'jsonpath={.data.a}'
expect_out 'applied'
expect_ok set image deploy/web app=nginx:1.28
expect_ok get deploy web -o 'jsonpath={.metadata.generation} {.spec.template.spec.containers[0].image}'
expect_out '2 nginx:1.28'

# --- watch ---------------------------------------------------------------------------------
timeout 8 "$KUBECTL" get cm -w --output-watch-events >"$TMP/watch.out" 2>"$TMP/watch.err" &
WATCH_PID=$!
sleep 2
cat >"$TMP/gamma.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: gamma
EOF
expect_ok create -f "$TMP/gamma.yaml"
expect_ok delete cm gamma
wait "$WATCH_PID"
WATCH_PID=
expect_match '^EVENT +NAME +DATA +AGE$' "$TMP/watch.out"
expect_match '^ADDED +alpha +2 +[0-9]+s$' "$TMP/watch.out"
expect_match '^ADDED +gamma +0 +[0-9]+s$' "$TMP/watch.out"
expect_match '^DELETED +gamma +0 +[0-9]+s$' "$TMP/watch.out"

# --- explain (minimal OpenAPI schemas) ------------------------------------------------------
expect_ok explain configmap
expect_match '^KIND: +ConfigMap$' "$TMP/out"
expect_match '^  data\s+<Object>$' "$TMP/out"

# --- errors --------------------------------------------------------------------------------
k get cm nope
rc=$?
[ $rc -eq 1 ] || fail "get cm nope exited $rc, want 1"
[ "$(cat "$TMP/err")" = 'Error from server (NotFound): configmaps "nope" not found' ] ||
    fail "get cm nope said: $(cat "$TMP/err")"

k create -f "$TMP/cm.yaml"
[ $? -eq 1 ] || fail "creating alpha twice succeeded"
expect_match 'Error from server \(AlreadyExists\): error when creating ".*cm\.yaml": configmaps "alpha" already exists' "$TMP/err"

k create -f "$TMP/bad.yaml"
[ $? -eq 1 ] || fail "creating BadName succeeded"
# kubectl words 422s itself, as it does against Kubernetes.
expect_match '^The ConfigMap "BadName" is invalid: metadata\.name: Invalid value: "BadName": a lowercase RFC 1123 subdomain' "$TMP/err"

k -n nowhere create -f "$TMP/other.yaml"
[ $? -eq 1 ] || fail "creating in a missing namespace succeeded"
expect_match 'Error from server \(NotFound\): error when creating ".*other\.yaml": namespaces "nowhere" not found' "$TMP/err"

k get widgets
[ $? -eq 1 ] || fail "get widgets succeeded"
expect_match 'the server doesn.t have a resource type "widgets"' "$TMP/err"

# --- delete ---------------------------------------------------------------------------------
expect_ok delete cm alpha
expect_out 'configmap "alpha" deleted'
k get cm alpha
[ $? -eq 1 ] || fail "alpha still there after delete"
expect_ok delete -f "$TMP/deploy.yaml"
expect_out 'deployment.apps "web" deleted'
# A namespace goes once the namespace controller has emptied it; kubectl waits for that.
start_manager "$MANAGER"
expect_ok delete ns team
expect_out 'namespace "team" deleted'
expect_ok get ns -o name
expect_out 'namespace/default
namespace/kube-node-lease
namespace/kube-public
namespace/kube-system'

# --- clean shutdown ---------------------------------------------------------------------------
kill -TERM "$SERVER_PID"
i=0
while kill -0 "$SERVER_PID" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
if kill -0 "$SERVER_PID" 2>/dev/null; then
    fail "k8sc-apiserver did not stop on SIGTERM"
else
    wait "$SERVER_PID"
    rc=$?
    [ $rc -eq 0 ] || fail "k8sc-apiserver exited $rc on SIGTERM: $(cat "$TMP/server.err")"
    SERVER_PID=
fi

if [ $FAILED -ne 0 ]; then
    echo "server log:" >&2
    cat "$TMP/server.err" >&2
    exit 1
fi
echo "e2e_kubectl_basic: all checks passed"
