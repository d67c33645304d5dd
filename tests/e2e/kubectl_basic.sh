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

# --- paging and describe ---------------------------------------------------------
# --chunk-size lists in pages (limit, then continue) and prints them as one list.
for i in 1 2 3 4 5; do
    expect_ok create configmap "page-$i" --from-literal=k=v
done
expect_ok get cm -o name
cp "$TMP/out" "$TMP/names.all"
expect_ok get cm -o name --chunk-size=2 -v=6
cmp -s "$TMP/out" "$TMP/names.all" || fail "paged list differs: $(cat "$TMP/out")"
expect_match 'configmaps\?continue=[^& ]+&limit=2 200 OK' "$TMP/err"
expect_ok get cm --chunk-size=3
[ "$(grep -c '^NAME ' "$TMP/out")" = 1 ] || fail "one header expected: $(cat "$TMP/out")"
expect_match '^page-5 +1 +' "$TMP/out"
expect_ok delete cm page-1 page-2 page-3 page-4 page-5
expect_ok describe cm alpha
expect_match '^Name: +alpha$' "$TMP/out"
expect_match '^Namespace: +default$' "$TMP/out"
expect_match '^Labels: +app=web$' "$TMP/out"
expect_match '^Data$' "$TMP/out"

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

# --- explain (the OpenAPI v3 schemas, nested) -----------------------------------------------
TAB=$(printf '\t')
expect_ok explain configmap
expect_match '^KIND: +ConfigMap$' "$TMP/out"
expect_match "^  data$TAB<map\[string\]string>$" "$TMP/out"
expect_match "^  metadata$TAB<ObjectMeta>$" "$TMP/out"
expect_ok explain pods.spec.containers.resources
expect_match '^FIELD: resources <ResourceRequirements>$' "$TMP/out"
expect_match '^    ResourceRequirements describes the compute resource requirements\.$' "$TMP/out"
expect_match "^  limits$TAB<map\[string\]Quantity>$" "$TMP/out"
expect_match "^  requests$TAB<map\[string\]Quantity>$" "$TMP/out"
expect_match "^  claims$TAB<\[\]ResourceClaim>$" "$TMP/out"
expect_ok explain pods.spec
expect_match "^  containers$TAB<\[\]Container> -required-$" "$TMP/out"
expect_match "^  affinity$TAB<Affinity>$" "$TMP/out"
expect_ok explain deployments.spec.strategy --recursive
expect_match '^GROUP: +apps$' "$TMP/out"
expect_match '^FIELD: strategy <DeploymentStrategy>$' "$TMP/out"
expect_match "^  rollingUpdate$TAB<RollingUpdateDeployment>$" "$TMP/out"
expect_match "^    maxSurge$TAB<IntOrString>$" "$TMP/out"
expect_match "^    maxUnavailable$TAB<IntOrString>$" "$TMP/out"
expect_match "^  type$TAB<string>$" "$TMP/out"
expect_ok explain svc.spec.ports.targetPort
expect_match '^FIELD: targetPort <IntOrString>$' "$TMP/out"
expect_match '^    IntOrString is a type that can hold an int32 or a string\.' "$TMP/out"
expect_ok explain pods.metadata.creationTimestamp
expect_match '^FIELD: creationTimestamp <string>$' "$TMP/out"
expect_ok explain pods --recursive
expect_match "^      resources$TAB<ResourceRequirements>$" "$TMP/out"
expect_match "^        limits$TAB<map\[string\]Quantity>$" "$TMP/out"
k explain pods.spec.containers.nope
[ $? -eq 1 ] || fail "explain of a missing field succeeded"
expect_match 'field "nope" does not exist' "$TMP/err"

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

# --- fieldValidation: kubectl sends Strict; --validate=warn sends Warn -----------------------
cat >"$TMP/typo.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: typo
spec:
  foo: 1
  containers:
  - name: c
    image: nginx
    bar: 2
EOF
k apply -f "$TMP/typo.yaml"
[ $? -eq 1 ] || fail "applying a manifest with unknown fields succeeded"
[ "$(cat "$TMP/err")" = "Error from server (BadRequest): error when creating \"$TMP/typo.yaml\": Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.containers[0].bar\", unknown field \"spec.foo\"" ] ||
    fail "apply typo.yaml said: $(cat "$TMP/err")"
expect_ok create -f "$TMP/typo.yaml" --validate=warn
expect_match '^Warning: unknown field "spec.foo"$' "$TMP/err"
expect_ok get pod typo -o 'jsonpath={.spec.foo}{.spec.containers[0].bar}'
expect_out ''
expect_ok delete pod typo --grace-period=0

# --- tokens, reviews --------------------------------------------------------------------------
expect_ok create serviceaccount builder
expect_ok create token builder --duration=20m
expect_match '^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' "$TMP/out"
claims=$(cut -d. -f2 "$TMP/out" | tr '_-' '/+')
while [ $((${#claims} % 4)) -ne 0 ]; do claims="$claims="; done
echo "$claims" | base64 -d >"$TMP/claims" 2>/dev/null
expect_match '"sub":"system:serviceaccount:default:builder"' "$TMP/claims"
k create token nobody
[ "$(cat "$TMP/err")" = 'error: failed to create token: serviceaccounts "nobody" not found' ] ||
    fail "create token nobody said: $(cat "$TMP/err")"
expect_ok auth can-i get pods
expect_out 'yes'
expect_ok auth whoami
expect_match '^Username +system:anonymous$' "$TMP/out"

# --- tables of more kinds ---------------------------------------------------------------------
cat >"$TMP/kinds.yaml" <<'EOF'
apiVersion: v1
kind: ReplicationController
metadata: {name: rc}
spec:
  replicas: 2
  selector: {app: rc}
  template:
    metadata: {labels: {app: rc}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: ep}
subsets:
- addresses: [{ip: 10.0.0.1}, {ip: 10.0.0.2}]
  ports: [{port: 80}, {port: 443}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: es}
addressType: IPv4
endpoints: [{addresses: [10.0.0.1]}]
ports: [{name: http, port: 80, protocol: TCP}]
EOF
expect_ok apply -f "$TMP/kinds.yaml"
expect_ok create cronjob cj --image=busybox --schedule='*/5 * * * *'
expect_ok create pdb pdb --selector=app=web --min-available=1
expect_ok get rc,cronjob,ep,endpointslice,pdb
expect_match '^NAME +DESIRED +CURRENT +READY +AGE$' "$TMP/out"
expect_match '^replicationcontroller/rc +2 +0 +0 +[0-9]+s$' "$TMP/out"
expect_match '^NAME +SCHEDULE +TIMEZONE +SUSPEND +ACTIVE +LAST SCHEDULE +AGE$' "$TMP/out"
expect_match '^cronjob.batch/cj +\*/5 \* \* \* \* +<none> +False +0 +<none> +[0-9]+s$' "$TMP/out"
expect_match '^endpoints/ep +10\.0\.0\.1:80,10\.0\.0\.2:80,10\.0\.0\.1:443 \+ 1 more\.\.\. +[0-9]+s$' "$TMP/out"
expect_match '^NAME +ADDRESSTYPE +PORTS +ENDPOINTS +AGE$' "$TMP/out"
expect_match '^endpointslice.discovery.k8s.io/es +IPv4 +80 +10\.0\.0\.1 +[0-9]+s$' "$TMP/out"
expect_match '^poddisruptionbudget.policy/pdb +1 +N/A +0 +[0-9]+s$' "$TMP/out"
expect_ok get rc -o wide
expect_match '^rc +2 +0 +0 +[0-9]+s +c +nginx +app=rc$' "$TMP/out"
expect_ok delete -f "$TMP/kinds.yaml"
expect_ok delete cronjob cj
expect_ok delete pdb pdb

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
