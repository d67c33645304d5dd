#!/usr/bin/env python3
"""A small operator: for each Greeting (demo.k8sc.io/v1), keep a ConfigMap.

For every Greeting custom resource this operator keeps a ConfigMap of the
same name and namespace whose data.message is the Greeting's spec.message.
The ConfigMap carries an ownerReference to its Greeting, so that deleting
the Greeting deletes it (the garbage collector's job), and so that any
change to it (an edit, a deletion) wakes the operator up to repair it. The
Greeting's status tells what was done: status.observedGeneration is the
generation last acted on and status.ready says whether the ConfigMap
matches.

Install the CustomResourceDefinition first, then run the operator:

    kubectl apply -f examples/manifests/greeting-crd.yaml
    K8SC_LIBRARY=build/libk8sc.so PYTHONPATH=bindings/python \\
        python3 examples/python/greeting_operator.py --kubeconfig ~/.kube/config

and in another terminal:

    kubectl apply -f examples/manifests/greeting.yaml
    kubectl get configmap hello -o yaml

Stop it with Ctrl-C.
"""

import argparse
import logging

import k8sc

API_VERSION = "demo.k8sc.io/v1"
KIND = "Greeting"

log = logging.getLogger("greeting-operator")


def owner_reference(greeting):
    """An ownerReference that makes `greeting` the ConfigMap's controller."""
    meta = greeting["metadata"]
    return {"apiVersion": API_VERSION, "kind": KIND, "name": meta["name"],
            "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}


def controlled_by(obj, greeting):
    """Whether `greeting` is the controlling owner of `obj`."""
    uid = greeting["metadata"]["uid"]
    return any(ref.get("controller") and ref.get("uid") == uid
               for ref in obj["metadata"].get("ownerReferences", []))


def reconcile(request):
    """Called with a Greeting's namespace and name whenever the Greeting
    or its ConfigMap changes (and once for each Greeting at start)."""
    try:
        return sync(request)
    except (k8sc.Conflict, k8sc.AlreadyExists):
        # The cache was behind the server (it had not seen our own last
        # write yet): an update carried an old resourceVersion, or a create
        # found the object there. Try again after a short back-off, when
        # the cache has caught up. Any other exception is logged by the
        # controller, with its traceback, and retried with back-off too.
        return True


def sync(request):
    """Bring one Greeting's ConfigMap and status up to date. Reads come
    from the controller's caches; writes go to the API server."""
    ctl = request.controller
    greeting = ctl.get(API_VERSION, KIND, request.name, request.namespace)
    if greeting is None or greeting["metadata"].get("deletionTimestamp"):
        return None  # gone or going: the garbage collector removes the ConfigMap
    message = (greeting.get("spec") or {}).get("message", "")

    configmap = ctl.get("v1", "ConfigMap", request.name, request.namespace)
    if configmap is None:
        ctl.client.create({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": request.name, "namespace": request.namespace,
                         "ownerReferences": [owner_reference(greeting)]},
            "data": {"message": message},
        })
        ctl.event(greeting, "Normal", "Created", "Created ConfigMap %s" % request.name)
        ready = True
    elif not controlled_by(configmap, greeting):
        # Someone else's ConfigMap: leave it alone and say so.
        ctl.event(greeting, "Warning", "NotOwned",
                  "ConfigMap %s exists and is not managed by this Greeting" % request.name)
        ready = False
    elif (configmap.get("data") or {}).get("message") != message:
        configmap["data"] = dict(configmap.get("data") or {}, message=message)
        ctl.client.update(configmap)  # carries resourceVersion: Conflict if stale
        ctl.event(greeting, "Normal", "Updated", "Updated ConfigMap %s" % request.name)
        ready = True
    else:
        ready = True

    # Report through the status subresource, only when something changed
    # (writing it would change the Greeting and wake us up again).
    status = {"observedGeneration": greeting["metadata"].get("generation", 0), "ready": ready}
    if {k: (greeting.get("status") or {}).get(k) for k in status} != status:
        greeting["status"] = dict(greeting.get("status") or {}, **status)
        ctl.update_status(greeting)
        log.info("%s/%s: ready=%s", request.namespace, request.name, ready)
    return None if ready else 60  # not ours: look again in a minute


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", metavar="FILE",
                        help="default: $KUBECONFIG, ~/.kube/config, else in-cluster")
    parser.add_argument("--namespace", help="watch one namespace only (default: all)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")

    with k8sc.Client(kubeconfig=args.kubeconfig) as client, \
            k8sc.Controller(client, API_VERSION, KIND, reconcile,
                            owns=[("v1", "ConfigMap")], namespace=args.namespace,
                            name="greeting-operator") as controller:
        log.info("watching %s objects on %s", KIND, client.server)
        try:
            controller.run()  # until Ctrl-C
        except KeyboardInterrupt:
            log.info("interrupted, stopping")


if __name__ == "__main__":
    main()
