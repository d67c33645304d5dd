#!/bin/sh
# The pod network, Services through the proxy (mode MODE) and the cluster
# DNS on a `k8sc up` cluster that lives in a network namespace of the
# test's own, its node address 10.210.0.1 on a veth there: pods
# get addresses from the node's podCIDR and reach each other, a ClusterIP
# spreads requests over both backends, Service names resolve from a pod, a
# NodePort answers on the node address, and a pod that stops being ready
# leaves the Service.
# Usage: network.sh K8SC KUBECTL EXAMPLES_DIR iptables|userspace
K8SC=$1
KUBECTL=$2
EX=$3
MODE=$4
. "$(dirname "$0")/uplib.sh"

NODE_IP=10.210.0.1
# The node's interface: one end of a veth pair (this kernel has no dummy links), both ends here.
{ ip link add k8sc-node type veth peer name k8sc-node-peer && ip addr add "$NODE_IP/24" dev k8sc-node &&
    ip link set k8sc-node up && ip link set k8sc-node-peer up; } || { echo "FAIL: node address"; exit 1; }
UP_ARGS="--listen $NODE_IP:0 --node-ip $NODE_IP --proxy-mode $MODE"
start_up net-1

cat >"$TMP/app.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: httpd
        image: busybox:1.36
        command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && touch /www/ready && exec httpd -f -p 8080 -h /www"]
        ports:
        - {name: http, containerPort: 8080}
        readinessProbe:
          exec: {command: ["test", "-f", "/www/ready"]}
          periodSeconds: 1
          failureThreshold: 1
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
---
apiVersion: v1
kind: Service
metadata:
  name: web-np
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - {port: 80, targetPort: 8080, nodePort: 30080}
---
apiVersion: v1
kind: Pod
metadata:
  name: client
spec:
  containers:
  - name: sh
    image: busybox:1.36
    command: ["sleep", "3600"]
EOF
expect_ok apply -f "$TMP/app.yaml"
expect_ok rollout status deployment/web --timeout=90s
expect_ok wait --for=condition=Ready pod/client --timeout=90s

# Pod addresses: distinct, from the node's podCIDR.
expect_ok get node net-1 -o 'jsonpath={.spec.podCIDR}'
CIDR=$(cat "$TMP/out")
[ "$CIDR" = 10.244.0.0/24 ] || fail "node podCIDR: $CIDR"
expect_ok get pods -l app=web -o 'jsonpath={range .items[*]}{.metadata.name} {.status.podIP}{"\n"}{end}'
cp "$TMP/out" "$TMP/web-pods"
[ "$(awk '{print $2}' "$TMP/web-pods" | sort -u | grep -c '^10\.244\.0\.')" = 2 ] || fail "pod IPs: $(cat "$TMP/web-pods")"
POD1=$(sed -n 1p "$TMP/web-pods" | cut -d' ' -f1)
IP1=$(sed -n 1p "$TMP/web-pods" | cut -d' ' -f2)
POD2=$(sed -n 2p "$TMP/web-pods" | cut -d' ' -f1)

# get HOST PORT: an HTTP GET from the client pod (busybox nc: this busybox's static wget crashes
# on some addresses); the body's last line in $TMP/body.
get() {
    k exec client -- sh -c "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 $1 $2"
    rc=$?
    tail -n 1 "$TMP/out" >"$TMP/body"
    return $rc
}

# Pod to pod, by address.
get "$IP1" 8080 || fail "pod to pod: $(cat "$TMP/err")"
[ "$(cat "$TMP/body")" = "$POD1" ] || fail "pod to pod: $(cat "$TMP/out") $(cat "$TMP/err")"

# The kubernetes Service and the Services' addresses.
expect_ok get svc kubernetes -o 'jsonpath={.spec.clusterIP}'
[ "$(cat "$TMP/out")" = 10.96.0.1 ] || fail "kubernetes Service: $(cat "$TMP/out")"
expect_ok get svc web -o 'jsonpath={.spec.clusterIP}'
VIP=$(cat "$TMP/out")
case $VIP in 10.9[6-9].* | 10.10[0-9].* | 10.11[01].*) ;; *) fail "web ClusterIP: $VIP" ;; esac

# requests HOST PORT: 20 GETs from the client pod; the distinct answers in $TMP/seen.
requests() {
    : >"$TMP/seen"
    n=0
    while [ $n -lt 20 ]; do
        get "$1" "$2" && cat "$TMP/body" >>"$TMP/seen"
        n=$((n + 1))
    done
    sort -u "$TMP/seen" -o "$TMP/seen"
}

# The ClusterIP spreads requests over both backends (round robin or random: 20 tries).
requests "$VIP" 80
[ "$(wc -l <"$TMP/seen")" = 2 ] || fail "ClusterIP ($MODE) reached: $(cat "$TMP/seen")"

# Cluster DNS: the Service's name, short and long, from the pod.
expect_ok exec client -- cat /etc/resolv.conf
grep -q '^nameserver 10.96.0.10$' "$TMP/out" || fail "resolv.conf: $(cat "$TMP/out")"
grep -q '^search default.svc.cluster.local svc.cluster.local cluster.local' "$TMP/out" ||
    fail "resolv.conf search: $(cat "$TMP/out")"
expect_ok exec client -- nslookup web.default.svc.cluster.local
grep -q "$VIP" "$TMP/out" || fail "nslookup: $(cat "$TMP/out") $(cat "$TMP/err")"
expect_ok exec client -- nslookup kubernetes.default.svc.cluster.local
grep -q "10.96.0.1$" "$TMP/out" || fail "nslookup kubernetes: $(cat "$TMP/out") $(cat "$TMP/err")"
# Fetched by name: the pod's resolver finds the Service through the cluster DNS, short and long.
for name in web web.default.svc.cluster.local; do
    get "$name" 80 || fail "GET by name $name: $(cat "$TMP/err")"
    case $(cat "$TMP/body") in "$POD1" | "$POD2") ;; *) fail "GET by name $name: $(cat "$TMP/out")" ;; esac
done
k exec client -- nslookup nosuch.default.svc.cluster.local
grep -qi "NXDOMAIN\|can't find" "$TMP/out" "$TMP/err" || fail "nslookup of a missing name: $(cat "$TMP/out")"

# A NodePort answers on the node's address.
curl -s -m 5 "http://$NODE_IP:30080/" >"$TMP/np" || fail "NodePort $NODE_IP:30080 ($MODE): curl exited $?"
grep -qx "$POD1\|$POD2" "$TMP/np" || fail "NodePort answer: $(cat "$TMP/np")"

# A pod that stops being ready leaves the Service's endpoints and gets no more requests.
expect_ok exec "$POD1" -- rm /www/ready
i=0
while [ $i -lt 60 ]; do
    k get endpointslices -l kubernetes.io/service-name=web -o 'jsonpath={range .items[*].endpoints[*]}{.addresses[0]} {.conditions.ready}{"\n"}{end}'
    grep -q "^$IP1 false" "$TMP/out" && break
    sleep 0.5
    i=$((i + 1))
done
grep -q "^$IP1 false" "$TMP/out" || fail "endpoint of the unready pod: $(cat "$TMP/out")"
sleep 2
requests "$VIP" 80
[ "$(cat "$TMP/seen")" = "$POD2" ] || fail "after $POD1 became unready, requests reached: $(cat "$TMP/seen")"

if [ $FAILED != 0 ]; then
    echo "--- k8sc up stderr (tail) ---"
    tail -30 "$TMP/up.err"
    exit 1
fi
echo "PASS: pod network, Services ($MODE proxy), NodePort and cluster DNS"
