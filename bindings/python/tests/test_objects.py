"""k8sc.Object: codecs, paths, metadata accessors and manifest decoding."""

import copy
import datetime
import json
import pickle
import unittest

import k8sc

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "web",
        "namespace": "default",
        "uid": "5a1c2b7e-3f4d-4c5b-9a8e-7d6c5b4a3f2e",
        "resourceVersion": "1234",
        "generation": 7,
        "creationTimestamp": "2024-05-01T10:00:00Z",
        "labels": {"app": "web", "app.kubernetes.io/name": "web"},
    },
    "spec": {
        "replicas": 3,
        "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]}},
    },
    # Fields no schema knows about must survive untouched.
    "x-extension": {"nested": [1, 2.5, None, True, {"deep": "value"}], "empty": {}},
    "status": {"observedGeneration": 7},
}


class CodecTest(unittest.TestCase):
    def test_json_round_trip_keeps_unknown_fields_and_order(self):
        text = json.dumps(DEPLOYMENT, separators=(",", ":"))
        obj = k8sc.Object.from_json(text)
        self.assertEqual(obj.to_dict(), DEPLOYMENT)
        self.assertEqual(obj.to_json(), text)  # stored key order, compact

    def test_from_dict_and_bytes_input(self):
        a = k8sc.Object.from_dict(DEPLOYMENT)
        b = k8sc.Object.from_json(json.dumps(DEPLOYMENT).encode())
        self.assertEqual(a, b)

    def test_bad_json_names_line_and_column(self):
        table = [
            ('{"a": }', "json: line 1, column 7: unexpected character"),
            ('{"a":1}\n x', "json: line 2, column 2: invalid character 'x' after top-level value"),
            ("[1]", "an object must be a JSON object, not array"),
        ]
        for text, message in table:
            with self.subTest(text=text):
                with self.assertRaises(k8sc.Invalid) as cm:
                    k8sc.Object.from_json(text)
                self.assertEqual(str(cm.exception), message)

    def test_from_yaml_types_scalars_as_kubectl(self):
        obj = k8sc.Object.from_yaml(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n"
            "x:\n  yes_bool: yes\n  octal: 0o17\n  whole: 1.0\n  quoted: \"yes\"\n  nothing: ~\n")
        self.assertEqual(obj.kind, "ConfigMap")
        self.assertEqual(obj.get("x"), {"yes_bool": True, "octal": 15, "whole": 1,
                                        "quoted": "yes", "nothing": None})

    def test_from_yaml_errors(self):
        table = [
            ("- a\n", "an object must be a JSON object, not array"),
            ("", "an object must be a JSON object, not null"),
            ("a: 1\n---\nb: 2\n", "yaml: line 2: a second document starts here"),
            ("a: [\n", "yaml: line 2, column 1: did not find expected node content"),
        ]
        for text, message in table:
            with self.subTest(text=text):
                with self.assertRaises(k8sc.Invalid) as cm:
                    k8sc.Object.from_yaml(text)
                self.assertIn(message, str(cm.exception))

    def test_to_yaml_as_kubectl_prints(self):
        obj = k8sc.Object("v1", "ConfigMap")
        obj.set("data", {"debug": "yes", "n": "3"})
        obj.name = "settings"
        self.assertEqual(obj.to_yaml(),
                         'apiVersion: v1\nkind: ConfigMap\ndata:\n  debug: "yes"\n  "n": "3"\n'
                         "metadata:\n  name: settings\n")
        self.assertEqual(obj.to_yaml(k8s_order=True),
                         "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
                         'data:\n  debug: "yes"\n  "n": "3"\n')
        self.assertEqual(k8sc.Object.from_yaml(obj.to_yaml()), obj)

    def test_to_json_flags(self):
        obj = k8sc.Object.from_json('{"kind":"A","apiVersion":"v1","b":{"z":1,"a":2}}')
        self.assertEqual(obj.to_json(sort_keys=True),
                         '{"apiVersion":"v1","b":{"a":2,"z":1},"kind":"A"}')
        self.assertEqual(obj.to_json(k8s_order=True),
                         '{"apiVersion":"v1","kind":"A","b":{"z":1,"a":2}}')
        self.assertEqual(obj.to_json(pretty=True, sort_keys=True),
                         '{\n    "apiVersion": "v1",\n    "b": {\n        "a": 2,\n'
                         '        "z": 1\n    },\n    "kind": "A"\n}')


class PathTest(unittest.TestCase):
    def setUp(self):
        self.obj = k8sc.Object.from_dict(DEPLOYMENT)

    def test_get(self):
        table = [
            ("spec.replicas", 3),
            ("spec.template.spec.containers[0].image", "nginx:1.25"),
            ("metadata.labels.app\\.kubernetes\\.io/name", "web"),
            ("x-extension.nested[4]", {"deep": "value"}),
            ("x-extension.nested[1]", 2.5),
            ("spec.template.spec.containers[1]", None),
            ("spec.missing", None),
        ]
        for path, want in table:
            with self.subTest(path=path):
                self.assertEqual(self.obj.get(path), want)
        self.assertEqual(self.obj.get("spec.missing", "dflt"), "dflt")

    def test_typed_getters(self):
        self.assertEqual(self.obj.get_int("spec.replicas"), 3)
        self.assertEqual(self.obj.get_bool("x-extension.nested[3]"), True)
        self.assertEqual(self.obj.get_string("metadata.name"), "web")
        self.assertIsNone(self.obj.get_string("spec.replicas"))
        with self.assertRaises(k8sc.NotFound) as cm:
            self.obj.get_int("spec.paused")
        self.assertEqual(str(cm.exception), "spec.paused: not found")
        with self.assertRaises(k8sc.Invalid) as cm:
            self.obj.get_int("metadata.name")
        self.assertEqual(str(cm.exception), "metadata.name: not an integer")
        with self.assertRaises(k8sc.Invalid):
            self.obj.get_bool("spec.replicas")

    def test_set_every_json_type(self):
        table = [
            ("spec.replicas", 5),
            ("spec.paused", True),
            ("spec.strategy.type", "Recreate"),  # creates spec.strategy
            ("spec.ratio", 0.25),
            ("spec.big", (1 << 63) - 1),
            ("spec.list", [1, "two", {"three": 3}]),
            ("spec.map", {"a": {"b": []}}),
            ("spec.template.spec.containers[0].image", "nginx:1.27"),
        ]
        for path, value in table:
            with self.subTest(path=path):
                self.obj.set(path, value)
                self.assertEqual(self.obj.get(path), value)
        # Integers beyond int64 are refused, as Kubernetes' typed fields refuse them.
        with self.assertRaises(k8sc.K8scError):
            self.obj.set("spec.huge", 1 << 64)
        self.assertFalse(self.obj.has("spec.huge"))
        # JSON null is stored and is told apart from an absent field.
        self.obj.set("spec.nothing", None)
        self.assertIsNone(self.obj.get("spec")["nothing"])
        self.assertIsNone(self.obj.get("spec.nothing", "absent"))
        self.assertTrue(self.obj.has("spec.nothing"))
        self.assertEqual(self.obj.get("spec.absent", "absent"), "absent")
        self.assertFalse(self.obj.has("spec.absent"))

    def test_set_errors_leave_the_object_alone(self):
        before = self.obj.to_dict()
        with self.assertRaises(k8sc.NotFound) as cm:
            self.obj.set("spec.template.spec.containers[3]", {"name": "x"})
        self.assertEqual(str(cm.exception),
                         'field path "spec.template.spec.containers[3]": index 3 out of range')
        with self.assertRaises(k8sc.Invalid):
            self.obj.set("spec.replicas.x", [1])
        self.assertEqual(self.obj.to_dict(), before)
        with self.assertRaises(ValueError):
            self.obj.set("spec.x", float("nan"))
        # Rather than let an integer be clamped, refuse it.
        for big in (1 << 64, -(1 << 63) - 1):
            with self.assertRaises(k8sc.Overflow):
                self.obj.set("spec.x", {"n": [big]})
        self.assertEqual(self.obj.to_dict(), before)

    def test_typed_setters_and_remove(self):
        self.obj.set_string("spec.a", "x")
        self.obj.set_int("spec.b", -(1 << 63))
        self.obj.set_bool("spec.c", False)
        self.assertEqual([self.obj.get("spec." + k) for k in "abc"], ["x", -(1 << 63), False])
        self.obj.remove("spec.a")
        self.assertIsNone(self.obj.get("spec.a"))
        with self.assertRaises(k8sc.NotFound):
            self.obj.remove("spec.a")


class MetadataTest(unittest.TestCase):
    def test_string_properties(self):
        table = [
            ("api_version", "apiVersion"),
            ("kind", "kind"),
            ("name", "metadata.name"),
            ("generate_name", "metadata.generateName"),
            ("namespace", "metadata.namespace"),
            ("uid", "metadata.uid"),
            ("resource_version", "metadata.resourceVersion"),
        ]
        for attr, path in table:
            with self.subTest(attr=attr):
                obj = k8sc.Object()
                self.assertIsNone(getattr(obj, attr))
                setattr(obj, attr, "val-1")
                self.assertEqual(getattr(obj, attr), "val-1")
                self.assertEqual(obj.get(path), "val-1")
                delattr(obj, attr)
                self.assertIsNone(obj.get(path))
                setattr(obj, attr, "val-2")
                setattr(obj, attr, None)
                self.assertIsNone(getattr(obj, attr))

    def test_read_from_decoded_object(self):
        obj = k8sc.Object.from_dict(DEPLOYMENT)
        self.assertEqual((obj.api_version, obj.kind, obj.namespace, obj.name),
                         ("apps/v1", "Deployment", "default", "web"))
        self.assertEqual(obj.uid, "5a1c2b7e-3f4d-4c5b-9a8e-7d6c5b4a3f2e")
        self.assertEqual(obj.resource_version, "1234")
        self.assertEqual(obj.generation, 7)
        self.assertEqual(obj.creation_timestamp, 1714557600)
        self.assertIsNone(obj.deletion_timestamp)
        self.assertIsNone(obj.deletion_grace_period)
        self.assertEqual(repr(obj), "<k8sc.Object apps/v1 Deployment default/web>")

    def test_generation(self):
        obj = k8sc.Object("v1", "Pod")
        self.assertEqual(obj.generation, 0)
        obj.generation = 42
        self.assertEqual(obj.get("metadata.generation"), 42)

    def test_timestamps(self):
        obj = k8sc.Object("v1", "Pod")
        obj.creation_timestamp = 0
        self.assertEqual(obj.get("metadata.creationTimestamp"), "1970-01-01T00:00:00Z")
        obj.deletion_timestamp = datetime.datetime(2024, 5, 1, 12, 30, 15, 999999,
                                                   tzinfo=datetime.timezone.utc)
        self.assertEqual(obj.get("metadata.deletionTimestamp"), "2024-05-01T12:30:15Z")
        obj.deletion_grace_period = 30
        self.assertEqual(obj.get("metadata.deletionGracePeriodSeconds"), 30)
        obj.deletion_grace_period = None
        self.assertIsNone(obj.get("metadata.deletionGracePeriodSeconds"))
        del obj.deletion_timestamp
        self.assertIsNone(obj.get("metadata.deletionTimestamp"))
        obj.set("metadata.creationTimestamp", "2024-05-01T10:00:00.5+02:00")
        self.assertEqual(obj.creation_timestamp, 1714550400)
        obj.set("metadata.creationTimestamp", "yesterday")
        with self.assertRaises(k8sc.Invalid) as cm:
            obj.creation_timestamp
        self.assertIn('parsing time "yesterday"', str(cm.exception))
        with self.assertRaises(ValueError):
            obj.creation_timestamp = datetime.datetime(2024, 1, 1)  # naive
        with self.assertRaises(TypeError):
            obj.creation_timestamp = "2024-01-01T00:00:00Z"

    def test_labels_view(self):
        obj = k8sc.Object("v1", "Pod")
        labels = obj.labels
        self.assertEqual(len(labels), 0)
        self.assertEqual(dict(labels), {})
        labels["app"] = "web"
        labels["tier"] = "frontend"
        obj.labels["app.kubernetes.io/name"] = "web"
        self.assertEqual(list(labels), ["app", "tier", "app.kubernetes.io/name"])
        self.assertEqual(labels, {"app": "web", "tier": "frontend", "app.kubernetes.io/name": "web"})
        self.assertEqual(obj.get("metadata.labels.tier"), "frontend")
        self.assertIn("tier", labels)
        self.assertNotIn("missing", labels)
        self.assertNotIn(5, labels)
        self.assertEqual(labels.get("missing", "d"), "d")
        with self.assertRaises(KeyError):
            labels["missing"]
        with self.assertRaises(KeyError):
            del labels["missing"]
        with self.assertRaises(TypeError):
            labels["n"] = 3
        del labels["tier"]
        self.assertEqual(len(labels), 2)
        labels.update({"a": "1"})
        self.assertEqual(labels.pop("a"), "1")
        obj.labels = {"only": "this"}
        self.assertEqual(obj.get("metadata.labels"), {"only": "this"})
        labels.clear()
        # Kubernetes omits an empty map, and so does the object.
        self.assertEqual(len(labels), 0)
        self.assertNotIn("labels", obj.get("metadata") or {})

    def test_annotations_are_separate_from_labels(self):
        obj = k8sc.Object("v1", "Pod")
        obj.annotations["note"] = "hello, world"
        obj.labels["note"] = "label"
        self.assertEqual(obj.get("metadata.annotations"), {"note": "hello, world"})
        self.assertEqual(obj.get("metadata.labels"), {"note": "label"})
        del obj.annotations["note"]
        self.assertEqual(obj.labels, {"note": "label"})

    def test_finalizers(self):
        obj = k8sc.Object("v1", "Namespace")
        self.assertEqual(obj.finalizers, [])
        obj.add_finalizer("kubernetes")
        obj.add_finalizer("example.com/cleanup")
        obj.add_finalizer("kubernetes")  # already there: no duplicate
        self.assertEqual(obj.finalizers, ["kubernetes", "example.com/cleanup"])
        self.assertTrue(obj.has_finalizer("example.com/cleanup"))
        obj.remove_finalizer("kubernetes")
        with self.assertRaises(k8sc.NotFound) as cm:
            obj.remove_finalizer("kubernetes")
        self.assertEqual(str(cm.exception), "no finalizer kubernetes")
        obj.finalizers = ["a/b", "c/d"]
        self.assertEqual(obj.get("metadata.finalizers"), ["a/b", "c/d"])
        obj.finalizers = []
        self.assertIsNone(obj.get("metadata.finalizers"))

    def test_owner_references(self):
        rs = k8sc.Object("apps/v1", "ReplicaSet")
        rs.name = "web-5d4f"
        rs.uid = "uid-rs"
        pod = k8sc.Object("v1", "Pod")
        self.assertEqual(pod.owner_references, [])
        self.assertIsNone(pod.controller_reference)
        pod.add_owner_reference({"apiVersion": "v1", "kind": "ConfigMap", "name": "cfg", "uid": "uid-cm"})
        pod.add_owner_reference(rs, controller=True, block_owner_deletion=True)
        want_rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d4f",
                   "uid": "uid-rs", "controller": True, "blockOwnerDeletion": True}
        self.assertEqual(pod.owner_references[1], want_rs)
        self.assertEqual(pod.controller_reference, want_rs)
        self.assertEqual(pod.get("metadata.ownerReferences[0]"),
                         {"apiVersion": "v1", "kind": "ConfigMap", "name": "cfg", "uid": "uid-cm"})
        # Same uid: replaced in place, not appended.
        pod.add_owner_reference(dict(want_rs, name="renamed", controller=False))
        self.assertEqual(len(pod.owner_references), 2)
        self.assertEqual(pod.owner_references[1]["name"], "renamed")
        self.assertIsNone(pod.controller_reference)
        pod.remove_owner_reference("uid-cm")
        pod.remove_owner_reference("uid-rs")
        self.assertIsNone(pod.get("metadata.ownerReferences"))
        with self.assertRaises(k8sc.NotFound):
            pod.remove_owner_reference("uid-rs")
        with self.assertRaises(k8sc.Invalid):
            pod.add_owner_reference(k8sc.Object("v1", "Pod"))  # no name or uid
        pod.set("metadata.ownerReferences", ["not an object"])
        with self.assertRaises(k8sc.Invalid) as cm:
            pod.owner_references
        self.assertEqual(str(cm.exception), "metadata.ownerReferences[0] is not an object")


class LifecycleTest(unittest.TestCase):
    def test_copy_is_deep_and_equality_ignores_key_order(self):
        a = k8sc.Object.from_json('{"apiVersion":"v1","kind":"Pod","spec":{"x":1,"y":[1,2]}}')
        b = k8sc.Object.from_json('{"spec":{"y":[1,2],"x":1},"kind":"Pod","apiVersion":"v1"}')
        self.assertEqual(a, b)
        for c in (a.copy(), copy.copy(a), copy.deepcopy(a), pickle.loads(pickle.dumps(a))):
            self.assertEqual(c, a)
            c.set("spec.y[0]", 9)
            self.assertNotEqual(c, a)
            self.assertEqual(a.get("spec.y"), [1, 2])
        self.assertNotEqual(a, "not an object")
        with self.assertRaises(TypeError):
            hash(a)

    def test_close_and_context_manager(self):
        with k8sc.Object("v1", "Pod") as obj:
            obj.name = "p"
        self.assertTrue(obj.closed)
        with self.assertRaises(ValueError):
            obj.name
        obj.close()  # idempotent
        self.assertEqual(repr(obj), "<k8sc.Object (closed)>")

    def test_views_keep_their_object_alive(self):
        labels = k8sc.Object.from_dict(DEPLOYMENT).labels
        self.assertEqual(labels["app"], "web")


MANIFESTS = """\
# A Deployment, a Service, an empty document and a List of two.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: &l {app: web}
spec:
  template:
    metadata: {labels: *l}
---
apiVersion: v1
kind: Service
metadata: {name: web}
---
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: settings}
  data: {debug: "yes"}
- apiVersion: v1
  kind: Secret
  metadata: {name: creds}
"""


class ManifestTest(unittest.TestCase):
    def test_multi_document_yaml_with_list(self):
        objs = k8sc.decode_manifests(MANIFESTS)
        self.assertEqual([(o.kind, o.name) for o in objs],
                         [("Deployment", "web"), ("Service", "web"),
                          ("ConfigMap", "settings"), ("Secret", "creds")])
        self.assertEqual(objs[0].get("spec.template.metadata.labels"), {"app": "web"})
        self.assertEqual(objs[2].get("data.debug"), "yes")

    def test_json_stream(self):
        objs = k8sc.decode_manifests('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}\n'
                                     '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"b"}}')
        self.assertEqual([o.name for o in objs], ["a", "b"])

    def test_empty_stream(self):
        self.assertEqual(k8sc.decode_manifests(""), [])
        self.assertEqual(k8sc.decode_manifests("---\n---\n"), [])

    def test_document_without_kind_is_invalid(self):
        with self.assertRaises(k8sc.Invalid) as cm:
            k8sc.decode_manifests("apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nmetadata: {name: x}\n")
        self.assertIn("document 2 (line 3): Object 'Kind' is missing", str(cm.exception))

    def test_objects_outlive_each_other(self):
        objs = k8sc.decode_manifests(MANIFESTS)
        last = objs[-1]
        del objs
        self.assertEqual(last.name, "creds")


if __name__ == "__main__":
    unittest.main()
