#!/bin/sh
# The real kubectl with a CustomResourceDefinition on k8sc-apiserver: apply
# the CRD, wait for it to be established, find it in discovery, apply and
# print custom resources (printer columns, explain from the OpenAPI
# schema, merge patch, server-side validation), and delete the CRD with
# its custom resources.
#
# usage: kubectl_crd.sh PATH/TO/k8sc-apiserver [PATH/TO/kubectl]
set -u

APISERVER=$1
KUBECTL=${2:-kubectl}
. "$(dirname "$0")/lib.sh"

cat >"$TMP/crd.yaml" <<'EOF'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: greetings.demo.k8sc.io
spec:
  group: demo.k8sc.io
  scope: Namespaced
  names:
    plural: greetings
    singular: greeting
    kind: Greeting
    shortNames: [gr]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
    additionalPrinterColumns:
    - name: Message
      type: string
      jsonPath: .spec.message
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What the greeting says.
            properties:
              message:
                type: string
                description: The words of the greeting.
          status:
            type: object
            properties:
              phase:
                type: string
EOF

cat >"$TMP/greeting.yaml" <<'EOF'
apiVersion: demo.k8sc.io/v1
kind: Greeting
metadata:
  name: x
spec:
  message: hello
EOF

cat >"$TMP/bad.yaml" <<'EOF'
apiVersion: demo.k8sc.io/v1
kind: Greeting
metadata:
  name: bad
spec:
  message: 5
EOF

expect_ok apply -f "$TMP/crd.yaml"
expect_out 'customresourcedefinition.apiextensions.k8s.io/greetings.demo.k8sc.io created'
expect_ok wait --for condition=established --timeout=20s crd/greetings.demo.k8sc.io
expect_out 'customresourcedefinition.apiextensions.k8s.io/greetings.demo.k8sc.io condition met'

expect_ok get crd
expect_match '^NAME +CREATED AT$' "$TMP/out"
expect_match '^greetings\.demo\.k8sc\.io +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$TMP/out"

expect_ok api-resources --api-group=demo.k8sc.io
expect_match '^greetings +gr +demo\.k8sc\.io/v1 +true +Greeting$' "$TMP/out"

expect_ok apply -f "$TMP/greeting.yaml"
expect_out 'greeting.demo.k8sc.io/x created'
expect_ok get greetings
expect_match '^NAME +MESSAGE$' "$TMP/out"
expect_match '^x +hello$' "$TMP/out"
expect_ok get gr x -o yaml
expect_match '^  message: hello$' "$TMP/out"
expect_match '^  generation: 1$' "$TMP/out"
expect_ok get greeting x -o 'jsonpath={.kind} {.apiVersion}'
expect_out 'Greeting demo.k8sc.io/v1'

expect_ok explain greeting.spec
expect_match 'What the greeting says' "$TMP/out"
expect_match 'message.*<string>' "$TMP/out"

# Unchanged: no patch. Changed: a merge patch (custom resources take no strategic merge patch).
expect_ok apply -f "$TMP/greeting.yaml"
expect_out 'greeting.demo.k8sc.io/x unchanged'
sed 's/hello/bonjour/' "$TMP/greeting.yaml" >"$TMP/greeting2.yaml"
expect_ok apply -f "$TMP/greeting2.yaml"
expect_out 'greeting.demo.k8sc.io/x configured'
expect_ok get greeting x -o 'jsonpath={.spec.message} {.metadata.generation}'
expect_out 'bonjour 2'

expect_ok patch greeting x --type=merge -p '{"spec":{"message":"hi"}}'
expect_out 'greeting.demo.k8sc.io/x patched'
expect_ok get greeting x -o 'jsonpath={.spec.message}'
expect_out 'hi'

if k apply -f "$TMP/bad.yaml"; then
    fail "a message of the wrong type was accepted"
fi
expect_match 'spec\.message: Invalid value: "integer": spec\.message in body must be of type string: "integer"' "$TMP/err"

# kubectl sends fieldValidation=Strict: unknown fields are errors, not silently pruned.
sed 's/message: hello/message: hello\n  foo: 1/; s/name: x/name: extra/' "$TMP/greeting.yaml" >"$TMP/unknown.yaml"
if k apply -f "$TMP/unknown.yaml"; then
    fail "an unknown field was accepted"
fi
expect_match 'Greeting in version "v1" cannot be handled as a Greeting: strict decoding error: unknown field "spec\.foo"' \
    "$TMP/err"
# Warn: the field is pruned and kubectl prints the server's Warning header.
expect_ok apply --validate=warn -f "$TMP/unknown.yaml"
expect_match '^Warning: unknown field "spec\.foo"$' "$TMP/err"
expect_ok get greeting extra -o 'jsonpath={.spec}'
expect_out '{"message":"hello"}'
expect_ok delete greeting extra

expect_ok delete greeting x
expect_out 'greeting.demo.k8sc.io "x" deleted'
expect_ok get greetings -o name
expect_out ''

expect_ok apply -f "$TMP/greeting.yaml"
expect_ok delete crd greetings.demo.k8sc.io
expect_out 'customresourcedefinition.apiextensions.k8s.io "greetings.demo.k8sc.io" deleted'
if k get greetings; then
    fail "greetings are still served after their CRD was deleted"
fi
# kubectl's cached discovery still knows the kind: the list itself is what fails.
expect_match 'Unable to list "demo\.k8sc\.io/v1, Resource=greetings": the server could not find the requested resource' \
    "$TMP/err"


# Defined again, the kind starts out empty.
expect_ok apply -f "$TMP/crd.yaml"
expect_ok wait --for condition=established --timeout=20s crd/greetings.demo.k8sc.io
expect_ok get greetings -o name
expect_out ''

exit $FAILED
