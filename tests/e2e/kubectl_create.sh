#!/bin/sh
# The real kubectl's typed `create` commands against k8sc-apiserver. They
# send protobuf bodies (Content-Type application/vnd.kubernetes.protobuf);
# the objects must be created and read back with the right fields, and the
# replies stay JSON although kubectl's Accept prefers protobuf.
#
# usage: kubectl_create.sh PATH/TO/k8sc-apiserver [PATH/TO/kubectl]
set -u

APISERVER=$1
KUBECTL=${2:-kubectl}
. "$(dirname "$0")/lib.sh"

# --- create: each command sends one protobuf POST -----------------------------
expect_ok create configmap cm1 --from-literal=a=b --from-literal=c=d
expect_out 'configmap/cm1 created'
expect_ok get cm cm1 -o 'jsonpath={.data.a} {.data.c}'
expect_out 'b d'

expect_ok create secret generic s1 --from-literal=user=admin --from-literal=pw=s3cr3t
expect_out 'secret/s1 created'
expect_ok get secret s1 -o 'jsonpath={.type} {.data.user} {.data.pw}'
expect_out 'Opaque YWRtaW4= czNjcjN0'

expect_ok create namespace ns1
expect_out 'namespace/ns1 created'
expect_ok get ns ns1 -o 'jsonpath={.metadata.name} {.status.phase}'
expect_out 'ns1 Active'

expect_ok create deployment web --image=nginx --replicas=2 --port=80
expect_out 'deployment.apps/web created'
expect_ok get deploy web -o 'jsonpath={.spec.replicas} {.spec.selector.matchLabels.app} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}'
expect_out '2 web nginx 80'

# replicas is a pointer: an explicit 0 must not become the default 1.
expect_ok create deployment zero --image=nginx --replicas=0
expect_ok get deploy zero -o 'jsonpath={.spec.replicas}'
expect_out '0'

expect_ok create job j1 --image=busybox -- echo hi
expect_out 'job.batch/j1 created'
expect_ok get job j1 -o 'jsonpath={.spec.template.spec.containers[0].command} {.spec.template.spec.restartPolicy}'
expect_out '["echo","hi"] Never'

expect_ok create cronjob cj1 --image=busybox '--schedule=*/5 * * * *' -- date
expect_out 'cronjob.batch/cj1 created'
expect_ok get cronjob cj1 -o 'jsonpath={.spec.schedule} {.spec.jobTemplate.spec.template.spec.restartPolicy}'
expect_out '*/5 * * * * OnFailure'

expect_ok create service clusterip svc1 --tcp=80:8080 --tcp=443:https
expect_out 'service/svc1 created'
expect_ok get svc svc1 -o 'jsonpath={.spec.type} {.spec.ports[0].port}>{.spec.ports[0].targetPort} {.spec.ports[1].port}>{.spec.ports[1].targetPort}'
expect_out 'ClusterIP 80>8080 443>https'

expect_ok create service nodeport np1 --tcp=80:8080 --node-port=30080
expect_out 'service/np1 created'
expect_ok get svc np1 -o 'jsonpath={.spec.type} {.spec.ports[0].nodePort}'
expect_out 'NodePort 30080'

expect_ok create serviceaccount sa1
expect_out 'serviceaccount/sa1 created'
expect_ok get sa sa1 -o name
expect_out 'serviceaccount/sa1'

expect_ok create quota q1 --hard=cpu=1,memory=1Gi,pods=10
expect_out 'resourcequota/q1 created'
expect_ok get quota q1 -o 'jsonpath={.spec.hard.cpu} {.spec.hard.memory} {.spec.hard.pods}'
expect_out '1 1Gi 10'

expect_ok create priorityclass pc1 --value=1000 --description=hi
expect_ok get priorityclass pc1 -o 'jsonpath={.value} {.description}'
expect_out '1000 hi'

expect_ok create role r1 --verb=get --resource=pods
expect_ok create rolebinding rb1 --role=r1 --user=bob
expect_ok get rolebinding rb1 -o 'jsonpath={.roleRef.kind}/{.roleRef.name} {.subjects[0].name}'
expect_out 'Role/r1 bob'

expect_ok create poddisruptionbudget pdb1 --selector=app=web --min-available=1
expect_ok get pdb pdb1 -o 'jsonpath={.spec.minAvailable} {.spec.selector.matchLabels.app}'
expect_out '1 web'

expect_ok create ingress ing1 --rule=foo.com/bar=svc1:80
expect_ok get ingress ing1 -o 'jsonpath={.spec.rules[0].host} {.spec.rules[0].http.paths[0].backend.service.name}'
expect_out 'foo.com svc1'

expect_ok autoscale deployment web --min=2 --max=5 --cpu-percent=80
expect_out 'horizontalpodautoscaler.autoscaling/web autoscaled'
# kubectl sends an autoscaling/v1 object; read through v2 (the preferred version) the target is a metric.
expect_ok get hpa web -o 'jsonpath={.apiVersion} {.spec.scaleTargetRef.kind}/{.spec.scaleTargetRef.name} {.spec.minReplicas} {.spec.maxReplicas} {.spec.metrics[0].resource.target.averageUtilization}'
expect_out 'autoscaling/v2 Deployment/web 2 5 80'

# --- the wire: protobuf in, JSON out -------------------------------------------
# A body captured from kubectl (tests/data/protobuf) posted by hand: the
# reply is JSON with a JSON Content-Type although Accept asks for protobuf.
DATA=$(dirname "$0")/../data/protobuf
if command -v curl >/dev/null 2>&1; then
    expect_ok delete cm cm1
    code=$(curl -s -o "$TMP/reply" -D "$TMP/headers" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/vnd.kubernetes.protobuf' \
        -H 'Accept: application/vnd.kubernetes.protobuf, */*' \
        --data-binary "@$DATA/configmap.pb" "http://127.0.0.1:$PORT/api/v1/namespaces/default/configmaps")
    [ "$code" = 201 ] || fail "protobuf POST answered $code: $(cat "$TMP/reply")"
    expect_match '^[Cc]ontent-[Tt]ype: application/json' "$TMP/headers"
    expect_match '"name":"cm1"' "$TMP/reply"
    printf 'k8s\000garbage' >"$TMP/bad.pb"
    code=$(curl -s -o "$TMP/reply" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/vnd.kubernetes.protobuf' \
        --data-binary "@$TMP/bad.pb" "http://127.0.0.1:$PORT/api/v1/namespaces/default/configmaps")
    [ "$code" = 400 ] || fail "malformed protobuf answered $code: $(cat "$TMP/reply")"
    expect_match 'protobuf: .* at byte [0-9]+' "$TMP/reply"
fi

exit $FAILED
