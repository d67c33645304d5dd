#!/bin/sh
# k8sctl against kubectl: the same commands through both against one
# k8sc-apiserver (get, get -w, describe, create, apply, replace, delete,
# label, annotate, scale, patch, cordon, uncordon, taint, api-versions,
# config, rollout, wait, edit, logs/exec/attach of TYPE/NAME),
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
# $STDIN (default /dev/null), stopped after $TIMEOUT seconds (default 30). In k8sctl's output "k8sctl"
# reads "kubectl" (and ns-a ns-b in same_in).
STDIN=/dev/null
RENAME=
TIMEOUT=30
run() {
    tool=$1
    name=$2
    shift 2
    timeout "$TIMEOUT" "$tool" "$@" <"$STDIN" >"$TMP/$name.out" 2>"$TMP/$name.err"
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
same describe deploy/web svc/web pod/solo
same describe deploy/web nope/x
same describe deploy/web web
same describe foo x
same describe

# --- describe: the other built-in kinds with a layout of their own --------------------------------
cat >"$TMP/kinds.yaml" <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: desc
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: desc
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: v1
kind: Endpoints
metadata:
  name: web
  namespace: desc
  labels:
    app: web
subsets:
- addresses:
  - ip: 10.0.0.1
  - ip: 10.0.0.2
  notReadyAddresses:
  - ip: 10.0.0.3
  ports:
  - name: http
    port: 8080
    protocol: TCP
  - port: 9090
    protocol: UDP
- addresses:
  - ip: 10.0.1.1
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: desc
  labels:
    kubernetes.io/service-name: web
addressType: IPv4
ports:
- name: http
  port: 8080
  protocol: TCP
endpoints:
- addresses: ["10.0.0.1"]
  conditions:
    ready: true
  hostname: a
  targetRef:
    kind: Pod
    name: web-1
    namespace: desc
  nodeName: node-1
  zone: z1
- addresses: ["10.0.0.2"]
  conditions:
    ready: false
- addresses: ["10.0.0.4"]
- addresses: ["10.0.0.5"]
- addresses: ["10.0.0.6"]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: bare
  namespace: desc
addressType: IPv6
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: desc
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: web
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: pct
  namespace: desc
spec:
  maxUnavailable: 50%
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: desc
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 1
  maxReplicas: 5
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 50
  - type: Resource
    resource:
      name: memory
      target:
        type: AverageValue
        averageValue: 512Mi
  - type: Pods
    pods:
      metric:
        name: packets
      target:
        type: AverageValue
        averageValue: 1k
  - type: Object
    object:
      metric:
        name: requests
      describedObject:
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        name: web
      target:
        type: Value
        value: 10k
  - type: External
    external:
      metric:
        name: queue
      target:
        type: AverageValue
        averageValue: "30"
  - type: ContainerResource
    containerResource:
      name: cpu
      container: app
      target:
        type: Utilization
        averageUtilization: 60
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
      policies:
      - type: Percent
        value: 10
        periodSeconds: 60
    scaleUp:
      selectPolicy: Max
      policies:
      - type: Pods
        value: 4
        periodSeconds: 15
      - type: Percent
        value: 100
        periodSeconds: 15
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: desc
spec:
  hard:
    pods: "10"
    requests.cpu: "2"
    requests.memory: 1Gi
    limits.memory: 2G
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: besteffort
  namespace: desc
spec:
  hard:
    pods: "5"
  scopes: [NotTerminating, BestEffort]
---
apiVersion: v1
kind: LimitRange
metadata:
  name: limits
  namespace: desc
spec:
  limits:
  - type: Container
    max:
      cpu: "2"
    min:
      cpu: 100m
    default:
      cpu: "0.5"
    defaultRequest:
      cpu: 200m
    maxLimitRequestRatio:
      cpu: "4"
  - type: Pod
    max:
      memory: 1024Mi
  - type: PersistentVolumeClaim
    min:
      storage: 1Gi
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
  namespace: desc
rules:
- apiGroups: [""]
  resources: [pods, pods/log]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [deployments]
  resourceNames: [web, api]
  verbs: [get, update]
- apiGroups: [""]
  resources: [pods]
  verbs: [delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: desc-admin
  labels:
    team: core
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
- nonResourceURLs: [/healthz, /metrics]
  verbs: [get]
- apiGroups: [batch, ""]
  resources: [jobs, configmaps]
  verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader-binding
  namespace: desc
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
subjects:
- kind: ServiceAccount
  name: default
  namespace: desc
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: alice
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: desc-admin-binding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: desc-admin
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: Group
  name: admins
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: desc-high
  annotations:
    team: core
value: 1000
preemptionPolicy: PreemptLowerPriority
description: High priority
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: desc-low
value: -5
globalDefault: false
preemptionPolicy: Never
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: desc
spec:
  serviceName: db
  replicas: 2
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: db
        image: postgres:16
        ports:
        - containerPort: 5432
  volumeClaimTemplates:
  - metadata:
      name: data
      labels:
        tier: storage
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: fast
      resources:
        requests:
          storage: 1Gi
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: desc
  labels:
    app: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      nodeSelector:
        kubernetes.io/os: linux
      containers:
      - name: agent
        image: busybox:1.36
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: desc
  annotations:
    note: front
spec:
  ingressClassName: nginx
  tls:
  - hosts: [a.example.com, b.example.com]
    secretName: tls-cert
  - hosts: [c.example.com]
  rules:
  - host: a.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
      - path: /api
        pathType: Prefix
        backend:
          service:
            name: missing
            port:
              name: http
  - http:
      paths:
      - path: /static
        pathType: ImplementationSpecific
        backend:
          resource:
            apiGroup: k8s.example.com
            kind: StorageBucket
            name: static
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: fallback
  namespace: desc
spec:
  defaultBackend:
    service:
      name: web
      port:
        name: http
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: desc
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - podSelector:
        matchLabels:
          role: frontend
    - namespaceSelector:
        matchLabels:
          team: a
      podSelector:
        matchExpressions:
        - key: tier
          operator: In
          values: [blue, green]
    - ipBlock:
        cidr: 172.17.0.0/16
        except: [172.17.1.0/24, 172.17.2.0/24]
    ports:
    - protocol: TCP
      port: 80
    - port: 8000
      endPort: 9000
  - {}
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/8
    ports:
    - port: dns
      protocol: UDP
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny-all
  namespace: desc
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: none
  namespace: desc
spec:
  podSelector: {}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
  namespace: desc
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: fast
  volumeMode: Filesystem
  resources:
    requests:
      storage: 1Gi
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: bound
  namespace: desc
spec:
  accessModes: [ReadWriteOnce, ReadOnlyMany]
  volumeName: pv-local
  dataSource:
    kind: PersistentVolumeClaim
    name: data
  resources:
    requests:
      storage: 2Gi
---
apiVersion: v1
kind: Pod
metadata:
  name: user
  namespace: desc
spec:
  containers:
  - name: main
    image: busybox:1.36
  volumes:
  - name: d
    persistentVolumeClaim:
      claimName: data
---
apiVersion: v1
kind: Pod
metadata:
  name: another
  namespace: desc
spec:
  containers:
  - name: main
    image: busybox:1.36
  volumes:
  - name: d
    persistentVolumeClaim:
      claimName: data
      readOnly: true
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: pv-local
  labels:
    type: local
spec:
  capacity:
    storage: 2Gi
  accessModes: [ReadWriteMany, ReadWriteOnce, ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: fast
  volumeMode: Filesystem
  claimRef:
    namespace: desc
    name: bound
  local:
    path: /mnt/disk
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - key: kubernetes.io/hostname
          operator: In
          values: [node-1, node-2]
        - key: disk
          operator: Exists
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: pv-nfs
spec:
  capacity:
    storage: 100Gi
  accessModes: [ReadOnlyMany]
  nfs:
    server: nfs.example.com
    path: /exports
    readOnly: true
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: pv-csi
spec:
  capacity:
    storage: 5Gi
  accessModes: [ReadWriteOncePod]
  csi:
    driver: csi.example.com
    volumeHandle: vol-1
    fsType: ext4
    volumeAttributes:
      b: "2"
      a: "1"
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: pv-host
spec:
  capacity:
    storage: 1Gi
  accessModes: [ReadWriteOnce]
  hostPath:
    path: /data
    type: DirectoryOrCreate
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: fast
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: example.com/fast
parameters:
  type: ssd
  iops: "100"
reclaimPolicy: Delete
volumeBindingMode: WaitForFirstConsumer
allowVolumeExpansion: true
mountOptions: [debug, noatime]
allowedTopologies:
- matchLabelExpressions:
  - key: topology.kubernetes.io/zone
    values: [z1, z2]
  - key: rack
    values: [r1]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: slow
provisioner: example.com/slow
EOF
run "$K8SCTL" kinds create -f "$TMP/kinds.yaml"
[ "$(cat "$TMP/kinds.rc")" = 0 ] || fail "k8sctl create -f kinds.yaml: $(cat "$TMP/kinds.err")"
# status_patch TYPE NAME JSON: a status as the controllers would set it.
status_patch() {
    expect_ok -n desc patch "$1" "$2" --subresource=status --type=merge -p "$3"
}
status_patch hpa web '{"status":{"currentReplicas":2,"desiredReplicas":3,"currentMetrics":[{"type":"Resource",
"resource":{"name":"cpu","current":{"averageUtilization":30,"averageValue":"150m"}}},{"type":"Resource",
"resource":{"name":"memory","current":{"averageValue":"256Mi"}}}],"conditions":[{"type":"AbleToScale",
"status":"True","reason":"ReadyForNewScale","message":"recommended size matches current size"}]}}'
status_patch quota compute '{"status":{"hard":{"pods":"10","requests.cpu":"2","requests.memory":"1Gi",
"limits.memory":"2G"},"used":{"pods":"1","requests.cpu":"500m","requests.memory":"512Mi","limits.memory":"512Mi"}}}'
status_patch pdb web '{"status":{"disruptionsAllowed":1,"currentHealthy":2,"desiredHealthy":1,"expectedPods":2}}'
status_patch ingress web '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.10"},{"hostname":"lb.example.com"},
{"ip":"192.0.2.10"}]}}}'
status_patch pvc bound '{"status":{"phase":"Bound","accessModes":["ReadOnlyMany","ReadWriteOnce"],
"capacity":{"storage":"2048Mi"}}}'
# (k8sctl describe takes one type per command: several names of a type at a time.)
for target in "ep web" "endpointslice web-abc bare" "pdb web pct" "hpa web" "quota compute besteffort" \
    "limits limits" "role reader" "rolebinding reader-binding" "sts db" "ds agent" "ing web fallback" \
    "netpol web deny-all none" "pvc data bound"; do
    same describe -n desc $target
done
for target in "clusterrole desc-admin" "clusterrolebinding desc-admin-binding" "pc desc-high desc-low" \
    "pv pv-local pv-nfs pv-csi pv-host" "sc fast slow" "ns desc"; do
    same describe $target
done

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
same_in scale deploy -l nothing=here --replicas=1
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

# --- config view, set-context, set-cluster, set-credentials, unset, delete-context ----------------
cat >"$TMP/kc2.yaml" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster:
    server: http://127.0.0.1:$PORT
    certificate-authority-data: AAAA
users:
- name: u1
  user:
    token: secret
    client-key-data: BBBB
    client-certificate-data: CCCC
contexts:
- name: zeta
  context:
    cluster: c1
    user: u1
    namespace: team
- name: alpha
  context:
    cluster: c1
current-context: zeta
EOF
cp "$TMP/kc2.yaml" "$TMP/kc-a.yaml"
cp "$TMP/kc2.yaml" "$TMP/kc-b.yaml"
# same_kc_file ARGS...: as same_kc, and the kubeconfig files written the same.
same_kc_file() {
    RENAME=s/kc-a.yaml/kc-b.yaml/g
    same_kc "$@"
    RENAME=
    cmp -s "$TMP/kc-a.yaml" "$TMP/kc-b.yaml" || fail "k8sctl $*: kubeconfig written differs:
$(diff "$TMP/kc-a.yaml" "$TMP/kc-b.yaml")"
}
for args in "config view" "config view --raw" "config view --minify" "config view --minify --raw" \
    "config view -o jsonpath={.contexts[*].name}" "config set-context foo --cluster=c1 --namespace=x" \
    "config set-context foo --user=u1" "config set-context --current --namespace=y" \
    "config set-cluster c2 --server=https://1.2.3.4 --insecure-skip-tls-verify=true" \
    "config set-credentials u2 --token=abc" "config unset contexts.foo.namespace" \
    "config unset contexts.nope.namespace" "config unset users.u2" "config unset bogus" \
    "config unset current-context" "config set-context --current" "config view --minify" \
    "config delete-context foo" "config delete-context foo" "config use-context alpha" \
    "config delete-context alpha" "config view"; do
    same_kc_file $args
done

# --- rollout: the Deployment's history is ReplicaSets it controls, made here as its controller would ------
cat >"$TMP/roll.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: roll
spec:
  replicas: 3
  selector:
    matchLabels:
      app: roll
  template:
    metadata:
      labels:
        app: roll
    spec:
      containers:
      - name: app
        image: nginx:2
EOF
# replica_set NS NAME REVISION IMAGE CAUSE: a ReplicaSet of deployment "roll" in NS for REVISION.
replica_set() {
    uid=$(timeout 30 "$KUBECTL" -n "$1" get deploy roll -o 'jsonpath={.metadata.uid}')
    cat >"$TMP/rs.yaml" <<EOF
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: $2
  annotations:
    deployment.kubernetes.io/revision: "$3"
    kubernetes.io/change-cause: "$5"
  labels: {app: roll, pod-template-hash: $2}
  ownerReferences:
  - {apiVersion: apps/v1, kind: Deployment, name: roll, uid: "$uid", controller: true}
spec:
  replicas: 0
  selector:
    matchLabels: {app: roll, pod-template-hash: $2}
  template:
    metadata:
      labels: {app: roll, pod-template-hash: $2}
    spec:
      containers:
      - name: app
        image: $4
EOF
    timeout 30 "$KUBECTL" -n "$1" create -f "$TMP/rs.yaml" >/dev/null || fail "create replica set $2 in $1"
}
# deploy_status NS JSON: the Deployment's status as its controller would write it.
deploy_status() {
    timeout 30 "$KUBECTL" -n "$1" patch deploy roll --subresource=status --type=merge -p "$2" >/dev/null ||
        fail "patch status in $1"
}
for ns in ns-a ns-b; do
    timeout 30 "$KUBECTL" -n $ns create -f "$TMP/roll.yaml" >/dev/null || fail "create roll in $ns"
done
same_in rollout history deploy/roll
same_in rollout undo deploy/roll
same_in rollout status deploy/roll --watch=false
same_in rollout status deploy/roll --timeout=1s
for ns in ns-a ns-b; do
    replica_set $ns roll-one 1 nginx:1 "first one"
    replica_set $ns roll-two 2 nginx:2 ""
    deploy_status $ns '{"status":{"observedGeneration":1,"replicas":3,"updatedReplicas":1,"availableReplicas":0}}'
done
same_in rollout status deploy/roll --watch=false
same_in rollout history deploy/roll
same_in rollout history deployment roll --revision=1
same_in rollout history deploy/roll --revision=7
same_in rollout status deploy/roll --watch=false --revision=3
for ns in ns-a ns-b; do
    deploy_status $ns '{"status":{"observedGeneration":1,"replicas":4,"updatedReplicas":3,"availableReplicas":2}}'
done
same_in rollout status deploy/roll --watch=false
for ns in ns-a ns-b; do
    deploy_status $ns '{"status":{"observedGeneration":1,"replicas":3,"updatedReplicas":3,"availableReplicas":2}}'
done
same_in rollout status deploy/roll --watch=false
for ns in ns-a ns-b; do
    deploy_status $ns '{"status":{"observedGeneration":1,"replicas":3,"updatedReplicas":3,"availableReplicas":3}}'
done
same_in rollout status deploy/roll
same_in rollout undo deploy/roll --to-revision=9
same_in rollout undo deploy/roll --to-revision=2
same_in rollout undo deploy/roll
same_in get deploy roll -o 'jsonpath={.spec.template.spec.containers[*].image} {.metadata.annotations}'
same_in rollout undo deploy/roll --to-revision=1
same_in rollout pause deploy/roll
same_in rollout pause deploy/roll
same_in rollout restart deploy/roll
same_in rollout undo deploy/roll
same_in rollout resume deployment/roll
same_in rollout resume deploy/roll
same_in rollout restart deploy/roll
same_in get deploy roll -o 'jsonpath={.spec.paused}'
run "$K8SCTL" at -n ns-a get deploy roll -o 'jsonpath={.spec.template.metadata.annotations}'
grep -Eq '"kubectl.kubernetes.io/restartedAt":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})"' "$TMP/at.out" ||
    fail "rollout restart: restartedAt is [$(cat "$TMP/at.out")]"
same_in rollout status cm/alpha
same_in rollout status deploy/nope
same_in rollout bogus deploy/roll
# rollout status follows the Deployment until it is rolled out.
run "$K8SCTL" ro -n ns-a rollout status deploy/roll --timeout=20s &
RO_PID=$!
sleep 1
deploy_status ns-a '{"status":{"observedGeneration":9,"replicas":3,"updatedReplicas":3,"availableReplicas":3}}'
wait $RO_PID
grep -qx 'deployment "roll" successfully rolled out' "$TMP/ro.out" && [ "$(cat "$TMP/ro.rc")" = 0 ] ||
    fail "rollout status did not follow the deployment: $(cat "$TMP/ro.out" "$TMP/ro.err")"

# --- wait ------------------------------------------------------------------------------------
for ns in ns-a ns-b; do
    deploy_status $ns '{"status":{"observedGeneration":99,"conditions":[{"type":"Available","status":"True"}]}}'
done
same_in wait --for=condition=Available deploy/roll
same_in wait --for=condition=available deploy roll --timeout=1s
same_in wait --for=condition=Available=false deploy/roll --timeout=1s
same_in wait --for='jsonpath={.spec.replicas}=3' deploy/roll
same_in wait --for='jsonpath={.spec.replicas}=4' deploy/roll --timeout=1s
same_in wait --for='jsonpath={.metadata.name}' deploy/roll
same_in wait --for=delete cm/nope --timeout=1s
same_in wait --for=create deploy/roll --timeout=1s
same_in wait --for=bogus deploy/roll
same_in wait deploy/roll
same_in wait --for=condition=Ready deploy --all --timeout=1s
same_in wait --for=condition=Ready cm -l nothing=here --timeout=1s
same_in wait --for=condition=Ready cm/nope --timeout=1s
same_in wait --for=condition=Ready deploy/roll --timeout=x
# wait --for=delete returns once the object goes.
for t in "$K8SCTL" "$KUBECTL"; do
    timeout 30 "$KUBECTL" create cm going >/dev/null || fail "create cm going"
    (sleep 1; timeout 30 "$KUBECTL" delete cm going >/dev/null) &
    DEL_PID=$!
    run "$t" gone wait --for=delete cm/going --timeout=20s
    wait $DEL_PID
    grep -qx 'configmap/going condition met' "$TMP/gone.out" || fail "$t wait --for=delete: $(cat "$TMP/gone.out" "$TMP/gone.err")"
done

# --- delete --wait, --grace-period, --now, --force, --timeout ------------------------------------
for ns in ns-a ns-b; do
    for cm in d1 d2 d3 d4; do
        timeout 30 "$KUBECTL" -n $ns create cm $cm >/dev/null || fail "create cm $cm in $ns"
    done
done
same_in delete cm d1 --now
same_in delete cm d2 --grace-period=0 --force
same_in delete cm d3 --grace-period=0
same_in delete cm d3 --force
same_in delete cm d4 --now --grace-period=3
same_in delete cm d4 --timeout=x
same_in delete cm d4 --wait=false --timeout=10s
cat >"$TMP/held.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: held
  finalizers: [example.com/hold]
EOF
for ns in ns-a ns-b; do
    timeout 30 "$KUBECTL" -n $ns create -f "$TMP/held.yaml" >/dev/null || fail "create held in $ns"
done
# (kubectl also logs a client-go warning here: only k8sctl's output is checked.)
run "$K8SCTL" held -n ns-a delete cm held --timeout=1s
[ "$(cat "$TMP/held.out")" = 'configmap "held" deleted' ] && [ "$(cat "$TMP/held.rc")" = 1 ] &&
    [ "$(cat "$TMP/held.err")" = 'error: timed out waiting for the condition on configmaps/held' ] ||
    fail "delete --timeout of a held object: $(cat "$TMP/held.out" "$TMP/held.err")"
timeout 30 "$KUBECTL" -n ns-b delete cm held --wait=false >/dev/null
same_in delete cm held --wait=false
for ns in ns-a ns-b; do
    timeout 30 "$KUBECTL" -n $ns patch cm held --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null
done
same_in get cm held

# --- logs, exec and attach of TYPE/NAME: the pod chosen as kubectl chooses it --------------------
# No kubelet runs here: each pod sits on a node of its own that does not exist, so the server's
# error names the pod chosen (after "Found N pods, using pod/..." and "Defaulted container ...").
cat >"$TMP/pods.yaml" <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: logs
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: logs
spec:
  replicas: 0
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      labels:
        app: app
    spec:
      containers:
      - name: main
        image: busybox
---
apiVersion: batch/v1
kind: Job
metadata:
  name: batch
  namespace: logs
spec:
  manualSelector: true
  suspend: true
  selector:
    matchLabels:
      job: batch
  template:
    metadata:
      labels:
        job: batch
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: busybox
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: none
  namespace: logs
spec:
  replicas: 0
  selector:
    matchLabels:
      app: none
  template:
    metadata:
      labels:
        app: none
    spec:
      containers:
      - name: main
        image: busybox
---
apiVersion: v1
kind: Service
metadata:
  name: nosel
  namespace: logs
spec:
  ports:
  - port: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  namespace: logs
EOF
expect_ok create -f "$TMP/pods.yaml"
# pod NAME LABEL PHASE READY RESTARTS: a pod on node ghost-NAME (two containers and an init one) with that status.
pod() {
    printf '%s\n' "apiVersion: v1" "kind: Pod" "metadata:" "  name: $1" "  namespace: logs" "  labels: {$2}" \
        "spec:" "  nodeName: ghost-$1" "  initContainers: [{name: init, image: busybox}]" \
        "  containers: [{name: main, image: busybox}, {name: side, image: busybox}]" >"$TMP/pod.yaml"
    expect_ok create -f "$TMP/pod.yaml"
    expect_ok -n logs patch pod "$1" --subresource=status --type=merge -p "{\"status\":{\"phase\":\"$3\",
\"conditions\":[{\"type\":\"Ready\",\"status\":\"$4\",\"lastTransitionTime\":\"2026-01-01T00:00:00Z\"}],
\"containerStatuses\":[{\"name\":\"main\",\"restartCount\":$5,\"ready\":false,\"image\":\"busybox\",\"imageID\":\"\"}]}}"
}
# logs takes the ready pod with the most restarts, exec and attach the one with the fewest.
pod app-1 'app: app' Running True 1
pod app-2 'app: app' Running True 4
pod app-3 'app: app' Pending False 9
pod app-4 'app: app' Running False 0
pod batch-1 'job: batch' Succeeded False 0
pod batch-2 'job: batch' Running False 2
for target in deploy/app deployment/app job/batch app-1 pod/app-1 deploy/missing cm/cm svc/nosel nope/x deploy/ a/b/c; do
    same -n logs logs "$target"
    same -n logs exec "$target" -- true
    same -n logs attach "$target"
done
same -n logs logs deploy/app -c side --tail=3 --previous
same -n logs logs deploy/app side
same -n logs logs deploy/app --all-containers
same -n logs logs deploy/app -c nope
same -n logs logs job/batch --all-containers -c work
same -n logs exec deploy/app -c side -q -- true
same -n logs exec app-1 true
same -n logs exec -- true
same -n logs attach deployment app
same -n logs attach deploy/app -c nope
same -n logs logs deploy/none --pod-running-timeout=1s
same -n logs exec deploy/none --pod-running-timeout=1s -- true
same -n logs attach deploy/none --pod-running-timeout=0
same -n nosuchns logs deploy/app
same -n nosuchns exec app-1 -- true
same -n nosuchns describe pod x
same -n nosuchns describe deploy/x pod/y
same -n nosuchns describe pods
same describe pods x -A

# --- edit: the editor is a sed script ---------------------------------------------------------
for ns in ns-a ns-b; do
    timeout 30 "$KUBECTL" -n $ns create cm ed --from-literal=k=one >/dev/null || fail "create cm ed in $ns"
done
EDITOR='sed -i s/k:\ one/k:\ two/'
# Kept copies of edited files go to $TMP, removed at the end.
TMPDIR=$TMP
export EDITOR TMPDIR
same_in edit cm ed
same_in get cm ed -o 'jsonpath={.data}'
EDITOR=true
same_in edit cm/ed
EDITOR='sed -i /^/d'
run "$K8SCTL" ed -n ns-a edit cm ed
sed "s|$TMP/kubectl-edit-[A-Za-z0-9]*.yaml|FILE|" "$TMP/ed.err" >"$TMP/ed.norm"
[ "$(cat "$TMP/ed.rc")" = 1 ] && [ "$(cat "$TMP/ed.norm")" = 'error: configmaps "ed" is invalid
A copy of your changes has been stored to "FILE"
error: Edit cancelled, no valid changes were saved.' ] || fail "edit emptied: $(cat "$TMP/ed.err")"
EDITOR='sed -i s/name:\ ed/name:\ other/'
run "$K8SCTL" ed -n ns-a edit cm ed
grep -q '^error: At least one of apiVersion, kind and name was changed$' "$TMP/ed.err" && [ "$(cat "$TMP/ed.rc")" = 1 ] ||
    fail "edit with a changed name: $(cat "$TMP/ed.err")"
kept=$(sed -n 's/^A copy of your changes has been stored to "\(.*\)"$/\1/p' "$TMP/ed.err" | sed 's/kubectl-edit/k8sctl-edit/')
[ -n "$kept" ] && grep -q 'name: other' "$kept" || fail "edit kept no copy: $(cat "$TMP/ed.err")"
# Several objects go to the editor as one v1 List; each changed one is patched, the others skipped.
# (kubectl validates a List against OpenAPI v2, which k8sc-apiserver does not serve: --validate=false.)
for ns in list-a list-b; do
    timeout 30 "$KUBECTL" create ns $ns >/dev/null || fail "create ns $ns"
    timeout 30 "$KUBECTL" -n $ns create cm l1 --from-literal=k=one >/dev/null || fail "create cm l1 in $ns"
    timeout 30 "$KUBECTL" -n $ns create cm l2 --from-literal=k=two >/dev/null || fail "create cm l2 in $ns"
done
# same_list ARGS...: `edit ARGS` by k8sctl in list-a and by kubectl in list-b, outputs and data diffed.
same_list() {
    RENAME=s/list-a/list-b/g
    run "$K8SCTL" a -n list-a edit "$@"
    timeout 30 "$KUBECTL" -n list-a get cm -o 'jsonpath={.items[*].data}' >>"$TMP/a.out"
    RENAME=
    run "$KUBECTL" b -n list-b edit --validate=false "$@"
    timeout 30 "$KUBECTL" -n list-b get cm -o 'jsonpath={.items[*].data}' >>"$TMP/b.out"
    sed -i 's/k[a-z0-9]*-edit-[A-Za-z0-9]*/FILE/' "$TMP/a.err" "$TMP/b.err"
    compare "k8sctl edit $* (list-a vs list-b, EDITOR $EDITOR)"
}
EDITOR='sed -i s/k:\ one/k:\ uno/'
same_list cm
EDITOR='sed -i s/k:\ two/k:\ dos/'
same_list cm l1 l2
EDITOR='sed -i s/name:\ l1/name:\ other/'
same_list cm
EDITOR='sed -i s/name:\ l2/name:\ other/'
same_list configmaps
EDITOR=true
same_list cm
same -n list-none edit cm
unset EDITOR TMPDIR
same_in edit cm nope
same edit

# --- get -w: both stopped by --request-timeout / timeout while config maps change ----------------
# same_watch ARGS...: k8sctl watches in ns-a and kubectl in ns-b while "watched" changes in both.
same_watch() {
    for ns in ns-a ns-b; do
        timeout 30 "$KUBECTL" -n $ns delete cm watched >/dev/null 2>&1
        timeout 30 "$KUBECTL" -n $ns create cm watched >/dev/null || fail "create cm watched in $ns"
    done
    # Both watches end by timeout; the changes come after both have started (kubectl alone needs
    # ~0.2 s idle, seconds on a loaded machine) and well before the end.
    (RENAME=s/ns-a/ns-b/g; TIMEOUT=10; run "$K8SCTL" a -n ns-a "$@") &
    A_PID=$!
    (TIMEOUT=10; run "$KUBECTL" b -n ns-b "$@") &
    B_PID=$!
    sleep 3
    for ns in ns-a ns-b; do
        timeout 30 "$KUBECTL" -n $ns label cm watched step=1 >/dev/null
        timeout 30 "$KUBECTL" -n $ns delete cm watched >/dev/null
        timeout 30 "$KUBECTL" -n $ns create cm watched >/dev/null
    done
    wait $A_PID $B_PID
    compare "k8sctl $* (in ns-a vs ns-b)"
}
same_watch get cm watched -w
same_watch get cm -w --output-watch-events
same_watch get cm watched --watch-only -o name
same_watch get cm watched -w -o 'jsonpath={.metadata.name}{"\n"}'

exit $FAILED
