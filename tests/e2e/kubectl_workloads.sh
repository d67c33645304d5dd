#!/bin/sh
# The real kubectl against k8sc-apiserver, for workload semantics: scale
# (PATCH and --current-replicas PUT), delete --cascade recorded as
# finalizers, pod defaults, replace with a stale resourceVersion and an
# immutable selector update. Same setup as kubectl_basic.sh: a free
# loopback port, a fresh SQLite store, a throw-away kubeconfig and cache.
#
# usage: kubectl_workloads.sh PATH/TO/k8sc-apiserver [PATH/TO/kubectl]
set -u

APISERVER=$1
KUBECTL=${2:-kubectl}
. "$(dirname "$0")/lib.sh"

cat >"$TMP/deploy.yaml" <<'EOF2'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
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
EOF2
cat >"$TMP/pod.yaml" <<'EOF2'
apiVersion: v1
kind: Pod
metadata:
  name: solo
spec:
  containers:
  - name: app
    image: busybox
    ports:
    - containerPort: 8080
EOF2
cat >"$TMP/cm.yaml" <<'EOF2'
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  a: "1"
EOF2

# --- health ----------------------------------------------------------------------------------
expect_ok get --raw /healthz
expect_out 'ok'
expect_ok get --raw /readyz
expect_out 'ok'

# --- scale -----------------------------------------------------------------------------------
expect_ok create -f "$TMP/deploy.yaml"
expect_ok scale deploy/web --replicas=3
expect_out 'deployment.apps/web scaled'
expect_ok get deploy web -o jsonpath='{.spec.replicas} {.metadata.generation}'
expect_out '3 2'
expect_ok scale deploy/web --current-replicas=3 --replicas=5
expect_out 'deployment.apps/web scaled'
expect_ok get deploy web -o jsonpath='{.spec.replicas}'
expect_out '5'
k scale deploy/web --current-replicas=2 --replicas=1
[ $? -ne 0 ] || fail "scale with a wrong --current-replicas succeeded"
expect_match 'Expected replicas to be 2, was 5' "$TMP/err"
expect_ok get --raw /apis/apps/v1/namespaces/default/deployments/web/scale
expect_match '"kind":"Scale"' "$TMP/out"
expect_match '"selector":"app=web"' "$TMP/out"

# --- immutable selector ---------------------------------------------------------------------------
sed 's/app: web/app: other/' "$TMP/deploy.yaml" >"$TMP/deploy2.yaml"
k replace -f "$TMP/deploy2.yaml"
[ $? -ne 0 ] || fail "replace with a new selector succeeded"
expect_match 'The Deployment "web" is invalid: spec.selector: Invalid value: v1.LabelSelector\{MatchLabels:map\[string\]string\{"app":"other"\}, MatchExpressions:\[\]v1.LabelSelectorRequirement\(nil\)\}: field is immutable' "$TMP/err"

# --- replace with a stale resourceVersion ----------------------------------------------------------
expect_ok create -f "$TMP/cm.yaml"
expect_ok get cm cfg -o yaml
sed 's/a: "1"/a: "2"/' "$TMP/out" >"$TMP/cm-stale.yaml"
expect_ok label cm cfg touched=yes
k replace -f "$TMP/cm-stale.yaml"
[ $? -ne 0 ] || fail "replace with a stale resourceVersion succeeded"
expect_match 'Error from server \(Conflict\): error when replacing ".*cm-stale\.yaml": Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again' "$TMP/err"

# --- pod defaults ---------------------------------------------------------------------------------
expect_ok create -f "$TMP/pod.yaml"
expect_ok get pod solo -o yaml
for line in 'restartPolicy: Always' 'dnsPolicy: ClusterFirst' 'terminationGracePeriodSeconds: 30' \
    'schedulerName: default-scheduler' 'imagePullPolicy: Always' 'protocol: TCP' 'enableServiceLinks: true' \
    'terminationMessagePath: /dev/termination-log' 'terminationMessagePolicy: File' 'securityContext: \{\}' \
    'key: node.kubernetes.io/not-ready' 'key: node.kubernetes.io/unreachable' 'tolerationSeconds: 300' \
    'priority: 0' 'phase: Pending'; do
    expect_match "^ *(- )?$line\$" "$TMP/out"
done
# An unscheduled pod goes at once.
expect_ok delete pod solo
expect_out 'pod "solo" deleted'

# --- delete --cascade ----------------------------------------------------------------------------
expect_ok delete deploy web --cascade=orphan --wait=false
expect_out 'deployment.apps "web" deleted'
expect_ok get deploy web -o jsonpath='{.metadata.finalizers} {.metadata.deletionTimestamp}'
expect_match '^\["orphan"\] [0-9]{4}-' "$TMP/out"
sed 's/name: web/name: fg/' "$TMP/deploy.yaml" >"$TMP/fg.yaml"
expect_ok create -f "$TMP/fg.yaml"
expect_ok delete deploy fg --cascade=foreground --wait=false
expect_ok get deploy fg -o jsonpath='{.metadata.finalizers}'
expect_out '["foregroundDeletion"]'
# The garbage collector's part, by hand: dropping the finalizer lets the object go.
expect_ok patch deploy fg --type=merge -p '{"metadata":{"finalizers":null}}'
k get deploy fg
[ $? -eq 1 ] || fail "fg still there after its last finalizer went"
expect_match 'deployments.apps "fg" not found' "$TMP/err"

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
echo "e2e_kubectl_workloads: all checks passed"
