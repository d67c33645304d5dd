#!/bin/sh
# A two-node cluster on one machine: `k8sc server` and `k8sc agent` mn-1 in
# the test's network namespace (node address 10.211.0.1), `k8sc agent` mn-2
# in a second one (10.211.0.2), joined by a veth pair; nothing is routed off
# the machine. Both nodes become Ready with their own podCIDRs and host-gw
# routes to each other's pods; the server speaks HTTPS with its own CA,
# serves that CA at /cacerts (matching the join token's hash) and refuses
# requests without the token's secret; kubectl uses the server's kubeconfig
# as it is; pods pinned to each node reach each other across the nodes; a
# ClusterIP with a backend on each node spreads the requests of a pod on
# either node over both; the Service's name resolves from a pod on node 2;
# `k8sc down` removes each node's containers, bridge, routes and rules.
# Usage: multinode.sh K8SC KUBECTL EXAMPLES_DIR
K8SC=$1
KUBECTL=$2
EX=$3
. "$(dirname "$0")/uplib.sh"

# $DIR is the server's directory (uplib's cleanup stops it and runs down on it); the agents' are A1 and A2.
A1=$TMP/agent-1
A2=$TMP/agent-2
IP1=10.211.0.1
IP2=10.211.0.2
SERVER=https://$IP1:6443
A1_PID=
A2_PID=
NS2_PID=

# ns2 CMD...: run CMD in the second node's network namespace, bounded (nsenter keeps the mounts: see uplib.sh).
ns2() { timeout 120 nsenter --net="/proc/$NS2_PID/ns/net" "$@"; }

stop_agents() {
    [ -n "$A2_PID" ] && kill "$A2_PID" 2>/dev/null && wait "$A2_PID" 2>/dev/null
    [ -n "$A1_PID" ] && kill "$A1_PID" 2>/dev/null && wait "$A1_PID" 2>/dev/null
    A1_PID=
    A2_PID=
}
cleanup_all() {
    stop_agents
    [ -n "$NS2_PID" ] && [ -d "$A2" ] && ns2 "$K8SC" down --data-dir "$A2" >/dev/null 2>&1
    [ -d "$A1" ] && timeout 120 "$K8SC" down --data-dir "$A1" >/dev/null 2>&1
    # The second namespace, its end of the veth pair with it, goes with its last process.
    [ -n "$NS2_PID" ] && kill "$NS2_PID" 2>/dev/null && wait "$NS2_PID" 2>/dev/null
    cleanup
}
trap cleanup_all EXIT

# The second node's network namespace, held by a sleeping process.
unshare --net sleep 3600 &
NS2_PID=$!
i=0
while [ "$(readlink "/proc/$NS2_PID/ns/net")" = "$(readlink /proc/self/ns/net)" ] && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
{ ip link add mn-veth1 type veth peer name mn-veth2 netns "$NS2_PID" && ip addr add "$IP1/24" dev mn-veth1 &&
    ip link set mn-veth1 up && ns2 ip link set lo up && ns2 ip addr add "$IP2/24" dev mn-veth2 &&
    ns2 ip link set mn-veth2 up; } || { echo "FAIL: the nodes' network"; exit 1; }

# wait_file FILE PID WHAT: wait up to 60 s for FILE while PID lives.
wait_file() {
    i=0
    until [ -s "$1" ] || [ $i -ge 300 ]; do
        kill -0 "$2" 2>/dev/null || break
        sleep 0.2
        i=$((i + 1))
    done
    [ -s "$1" ] || { echo "FAIL: $3 did not come up: $(tail -5 "$TMP/$3.err")"; exit 1; }
}

"$K8SC" server --data-dir "$DIR" --listen "$IP1:6443" --advertise-address "$IP1" >"$TMP/server.out" \
    2>"$TMP/server.err" &
UP_PID=$!
wait_file "$DIR/kubeconfig" "$UP_PID" server
[ "$(stat -c %a "$DIR/token")" = 600 ] || fail "token file mode: $(stat -c %a "$DIR/token")"

# HTTPS with the cluster's CA, whose hash the join token K10<hash>::<secret> carries; anyone may fetch it.
CA=$DIR/pki/ca.crt
[ "$(stat -c %a "$DIR/pki/ca.key")" = 600 ] && [ "$(stat -c %a "$DIR/pki/apiserver.key")" = 600 ] ||
    fail "key file modes: $(stat -c '%n %a' "$DIR"/pki/*.key)"
TOKEN=$(cat "$DIR/token")
SECRET=${TOKEN##*::}
[ "$TOKEN" = "K10$(sha256sum <"$CA" | cut -d' ' -f1)::$SECRET" ] || fail "join token $TOKEN vs CA $(sha256sum <"$CA")"
curl -s -m 5 --cacert "$CA" "$SERVER/cacerts" >"$TMP/cacerts" || fail "curl /cacerts exited $?"
cmp -s "$TMP/cacerts" "$CA" || fail "/cacerts: $(cat "$TMP/cacerts")"
curl -s -m 5 "$SERVER/healthz" >/dev/null && fail "curl trusted the server without its CA"
# Without the token the API answers 401 with Kubernetes' Status; with it, 200.
curl -s -m 5 --cacert "$CA" "$SERVER/api/v1/nodes" >"$TMP/anon" || fail "curl to the server exited $?"
grep -q '"reason":"Unauthorized"' "$TMP/anon" && grep -q '"code":401' "$TMP/anon" || fail "anonymous: $(cat "$TMP/anon")"
grep -q "token: $SECRET" "$DIR/kubeconfig" || fail "the server's kubeconfig has no token"
grep -q "server: $SERVER$" "$DIR/kubeconfig" && grep -q "certificate-authority-data: " "$DIR/kubeconfig" ||
    fail "the server's kubeconfig: $(grep -v token: "$DIR/kubeconfig")"
curl -s -m 5 --cacert "$CA" -H "Authorization: Bearer $SECRET" "$SERVER/api/v1/nodes" >"$TMP/authed"
grep -q '"kind":"NodeList"' "$TMP/authed" || fail "with the token: $(cat "$TMP/authed")"
curl -s -m 5 --cacert "$CA" "$SERVER/healthz" >"$TMP/health"
[ "$(cat "$TMP/health")" = ok ] || fail "healthz: $(cat "$TMP/health")"
# kubectl with the server's kubeconfig as it is ($KUBECONFIG); with another token it is refused.
expect_ok get nodes
k --token "not-the-token-0123456789" get nodes && fail "kubectl with a wrong token got through"
grep -q Unauthorized "$TMP/err" || fail "kubectl with a wrong token: $(cat "$TMP/err")"

# agent DIR NODE_IP NAME: run `k8sc agent` in the background (in the current namespace); its pid in AGENT_PID.
agent() {
    mkdir -p "$1/images" && cp "$DIR/images/busybox.tar" "$1/images/"
    $NS "$K8SC" agent --server "$SERVER" --token-file "$DIR/token" --node-name "$3" --data-dir "$1" --runtime runc \
        --node-ip "$2" --kubelet-port 10250 --proxy-mode iptables >"$TMP/$3.out" 2>"$TMP/$3.err" &
    AGENT_PID=$!
    wait_file "$TMP/$3.out" "$AGENT_PID" "$3"
}
# The first node registers first, so that it gets the first podCIDR.
NS=
agent "$A1" "$IP1" mn-1
A1_PID=$AGENT_PID
NS="nsenter --net=/proc/$NS2_PID/ns/net"
agent "$A2" "$IP2" mn-2
A2_PID=$AGENT_PID
# The agents fetched the CA (checked against the token) into their kubeconfigs.
for a in "$A1" "$A2"; do
    grep -q "certificate-authority-data: $(base64 -w0 <"$CA")$" "$a/kubeconfig" || fail "$a/kubeconfig has not the CA"
done

expect_ok get nodes -o 'jsonpath={range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}'
grep -qx "mn-1 10.244.0.0/24 True" "$TMP/out" || fail "node mn-1: $(cat "$TMP/out")"
grep -qx "mn-2 10.244.1.0/24 True" "$TMP/out" || fail "node mn-2: $(cat "$TMP/out")"

# Each node routes the other's pods to it (host-gw, protocol 199).
i=0
until ip route show proto 199 | grep -q "^10.244.1.0/24 via $IP2 " || [ $i -ge 100 ]; do sleep 0.2; i=$((i + 1)); done
ip route show proto 199 | grep -q "^10.244.1.0/24 via $IP2 " || fail "mn-1 routes: $(ip route show proto 199)"
i=0
until ns2 ip route show proto 199 | grep -q "^10.244.0.0/24 via $IP1 " || [ $i -ge 100 ]; do sleep 0.2; i=$((i + 1)); done
ns2 ip route show proto 199 | grep -q "^10.244.0.0/24 via $IP1 " || fail "mn-2 routes: $(ns2 ip route show proto 199)"

# A web server and a client on each node: web-N by nodeName, client-N by nodeSelector.
for n in 1 2; do
    cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: web-$n
  labels: {app: web}
spec:
  nodeName: mn-$n
  containers:
  - name: httpd
    image: busybox:1.36
    command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
    ports:
    - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Pod
metadata:
  name: client-$n
spec:
  nodeSelector: {kubernetes.io/hostname: mn-$n}
  containers:
  - name: sh
    image: busybox:1.36
    command: ["sleep", "3600"]
---
EOF
done >"$TMP/pods.yaml"
cat >>"$TMP/pods.yaml" <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
EOF
expect_ok apply -f "$TMP/pods.yaml"
expect_ok wait --for=condition=Ready pod/web-1 pod/web-2 pod/client-1 pod/client-2 --timeout=90s
expect_ok get pods -o 'jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.podIP}{"\n"}{end}'
cp "$TMP/out" "$TMP/pods"
for n in 1 2; do
    grep -q "^client-$n mn-$n 10\.244\.$((n - 1))\.[0-9]*$" "$TMP/pods" || fail "client-$n: $(cat "$TMP/pods")"
    grep -q "^web-$n mn-$n 10\.244\.$((n - 1))\.[0-9]*$" "$TMP/pods" || fail "web-$n: $(cat "$TMP/pods")"
done
WEB1=$(sed -n 's/^web-1 mn-1 //p' "$TMP/pods")
WEB2=$(sed -n 's/^web-2 mn-2 //p' "$TMP/pods")

# get POD HOST PORT: an HTTP GET from POD (busybox nc: this busybox's static wget crashes on some
# addresses); the body's last line in $TMP/body.
get() {
    k exec "$1" -- sh -c "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 $2 $3"
    rc=$?
    tail -n 1 "$TMP/out" >"$TMP/body"
    return $rc
}

# Pod to pod across the nodes, both ways.
get client-1 "$WEB2" 8080 || fail "mn-1 to mn-2 pod: $(cat "$TMP/err")"
[ "$(cat "$TMP/body")" = web-2 ] || fail "mn-1 to mn-2 pod: $(cat "$TMP/out") $(cat "$TMP/err")"
get client-2 "$WEB1" 8080 || fail "mn-2 to mn-1 pod: $(cat "$TMP/err")"
[ "$(cat "$TMP/body")" = web-1 ] || fail "mn-2 to mn-1 pod: $(cat "$TMP/out") $(cat "$TMP/err")"

# The ClusterIP spreads requests over the backends on both nodes, from a pod on either (20 tries each).
i=0
while [ $i -lt 60 ]; do
    k get endpointslices -l kubernetes.io/service-name=web -o 'jsonpath={range .items[*].endpoints[*]}{.addresses[0]} {.conditions.ready}{"\n"}{end}'
    [ "$(grep -c ' true$' "$TMP/out")" = 2 ] && break
    sleep 0.5
    i=$((i + 1))
done
expect_ok get svc web -o 'jsonpath={.spec.clusterIP}'
VIP=$(cat "$TMP/out")
sleep 2
for n in 1 2; do
    : >"$TMP/seen"
    i=0
    while [ $i -lt 20 ]; do
        get "client-$n" "$VIP" 80 && cat "$TMP/body" >>"$TMP/seen"
        i=$((i + 1))
    done
    [ "$(sort -u "$TMP/seen" | tr '\n' ' ')" = "web-1 web-2 " ] ||
        fail "ClusterIP from client-$n reached: $(sort -u "$TMP/seen" | tr '\n' ' ')"
done

# Cluster DNS (the server's, through the kube-dns Service) from a pod on node 2.
expect_ok exec client-2 -- cat /etc/resolv.conf
grep -q '^nameserver 10.96.0.10$' "$TMP/out" || fail "resolv.conf on mn-2: $(cat "$TMP/out")"
expect_ok exec client-2 -- nslookup web.default.svc.cluster.local
grep -q "$VIP" "$TMP/out" || fail "nslookup from mn-2: $(cat "$TMP/out") $(cat "$TMP/err")"
expect_ok logs web-2
expect_ok exec client-2 -- hostname
[ "$(cat "$TMP/out")" = client-2 ] || fail "exec on mn-2: $(cat "$TMP/out")"

# Down: each node's containers, bridge, routes and Service rules go, in its own namespace.
stop_agents
ns2 "$K8SC" down --data-dir "$A2" >"$TMP/down2" 2>&1 || fail "down mn-2: $(cat "$TMP/down2")"
timeout 120 "$K8SC" down --data-dir "$A1" >"$TMP/down1" 2>&1 || fail "down mn-1: $(cat "$TMP/down1")"
for n in 1 2; do
    [ "$n" = 1 ] && NS= || NS="nsenter --net=/proc/$NS2_PID/ns/net"
    [ -z "$($NS ip route show proto 199)" ] || fail "routes left on mn-$n: $($NS ip route show proto 199)"
    ! $NS ip link show k8sc0 >/dev/null 2>&1 || fail "bridge left on mn-$n"
    ! $NS iptables-save 2>/dev/null | grep -q KUBE- || fail "iptables rules left on mn-$n"
done
[ ! -d "$A1" ] && [ ! -d "$A2" ] || fail "agent directories left"
[ -z "$(runc --root "$A1/runtime/runc" list -q 2>/dev/null)$(runc --root "$A2/runtime/runc" list -q 2>/dev/null)" ] ||
    fail "containers left"

if [ $FAILED != 0 ]; then
    for f in server mn-1 mn-2; do
        echo "--- $f stderr (tail) ---"
        tail -20 "$TMP/$f.err"
    done
    exit 1
fi
echo "PASS: two nodes, HTTPS and token, cross-node pod network, ClusterIP over both nodes, DNS from node 2, down"
