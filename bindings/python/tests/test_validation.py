"""Validation results, word for word as Kubernetes 1.32 reports them."""

import unittest

import k8sc

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                 "characters, '-' or '.', and must start and end with an alphanumeric character "
                 "(e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
             "or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  "
             "or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
               "start with an alphabetic character, and end with an alphanumeric character "
               "(e.g. 'my-name',  or 'abc-123', regex used for validation is "
               "'[a-z]([-a-z0-9]*[a-z0-9])?')")
NAME_PART_MSG = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must "
                 "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
                 "or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, "
                   "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
                   "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                   "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


class StringValidatorTest(unittest.TestCase):
    # (validator, value, field or None for the default, expected messages)
    TABLE = [
        (k8sc.validate_dns1123_subdomain, "example.com", None, []),
        (k8sc.validate_dns1123_subdomain, "Bad_Name", None,
         ['metadata.name: Invalid value: "Bad_Name": ' + SUBDOMAIN_MSG]),
        (k8sc.validate_dns1123_subdomain, "a" * 254, "spec.host",
         ['spec.host: Invalid value: "%s": must be no more than 253 characters' % ("a" * 254)]),
        (k8sc.validate_dns1123_label, "my-name", None, []),
        (k8sc.validate_dns1123_label, "-a", None, ['metadata.name: Invalid value: "-a": ' + LABEL_MSG]),
        # A valid subdomain that is not a label can only have dots (1.32 wording).
        (k8sc.validate_dns1123_label, "a.b", None, ['metadata.name: Invalid value: "a.b": must not contain dots']),
        (k8sc.validate_dns1123_label, "a" * 64, "spec.hostname",
         ['spec.hostname: Invalid value: "%s": must be no more than 63 characters' % ("a" * 64)]),
        (k8sc.validate_dns1035_label, "1abc", None, ['metadata.name: Invalid value: "1abc": ' + DNS1035_MSG]),
        (k8sc.validate_qualified_name, "app.kubernetes.io/name", None, []),
        (k8sc.validate_qualified_name, "example.com/", "metadata.labels",
         ['metadata.labels: Invalid value: "example.com/": name part must be non-empty',
          'metadata.labels: Invalid value: "example.com/": ' + NAME_PART_MSG]),
        (k8sc.validate_label_value, "", None, []),
        (k8sc.validate_label_value, "-bad", "metadata.labels",
         ['metadata.labels: Invalid value: "-bad": ' + LABEL_VALUE_MSG]),
    ]

    def test_table(self):
        for fn, value, field, want in self.TABLE:
            with self.subTest(fn=fn.__name__, value=value[:20]):
                got = fn(value) if field is None else fn(value, field=field)
                self.assertEqual(got, want)
                self.assertTrue(all(isinstance(e, str) for e in got))

    def test_error_parts(self):
        (err,) = k8sc.validate_dns1123_subdomain("Bad_Name", "metadata.name")
        self.assertEqual(err.type, "FieldValueInvalid")
        self.assertEqual(err.field, "metadata.name")
        self.assertEqual(err.bad_value, '"Bad_Name"')
        self.assertEqual(err.detail, SUBDOMAIN_MSG)

    def test_bad_arguments(self):
        with self.assertRaises(TypeError):
            k8sc.validate_dns1123_label(None)
        with self.assertRaises(k8sc.Invalid):
            k8sc.validate_dns1123_label("a\0b")


class MapValidatorTest(unittest.TestCase):
    def test_labels(self):
        self.assertEqual(k8sc.validate_labels({"app": "web", "app.kubernetes.io/name": "x"}), [])
        self.assertEqual(sorted(k8sc.validate_labels({"bad key!": "v", "ok": "-bad"})), sorted([
            'metadata.labels: Invalid value: "bad key!": ' + NAME_PART_MSG,
            'metadata.labels: Invalid value: "-bad": ' + LABEL_VALUE_MSG,
        ]))

    def test_annotations(self):
        # Annotation keys are checked lower-cased, values are free-form.
        self.assertEqual(k8sc.validate_annotations({"Example.COM/Key": "any value at all!"}), [])
        # Keys and values count toward the 256 KiB total.
        self.assertEqual(k8sc.validate_annotations({"k": "x" * (256 * 1024 - 1)}), [])
        (err,) = k8sc.validate_annotations({"k": "x" * (256 * 1024)})
        self.assertEqual(err, "metadata.annotations: Too long: may not be more than 262144 bytes")
        self.assertEqual(err.type, "FieldValueTooLong")

    def test_needs_a_mapping(self):
        with self.assertRaises(TypeError):
            k8sc.validate_labels(["app"])


class ObjectMetaTest(unittest.TestCase):
    def test_missing_name_and_namespace(self):
        errs = k8sc.validate_object_meta(k8sc.Object("v1", "Pod"), namespaced=True)
        self.assertEqual(errs, ["metadata.name: Required value: name or generateName is required",
                                "metadata.namespace: Required value"])
        self.assertEqual([e.type for e in errs], ["FieldValueRequired"] * 2)
        self.assertIsNone(errs[1].bad_value)

    def test_valid_pod(self):
        pod = k8sc.Object("v1", "Pod")
        pod.name, pod.namespace = "web-0", "default"
        pod.labels["app"] = "web"
        pod.add_finalizer("example.com/cleanup")
        self.assertEqual(k8sc.validate_object_meta(pod, True), [])

    def test_rules_and_scope(self):
        ns = k8sc.Object("v1", "Namespace")
        ns.name, ns.namespace = "Bad_NS", "default"
        self.assertEqual(k8sc.validate_object_meta(ns, False, "dns1123-label"), [
            'metadata.name: Invalid value: "Bad_NS": ' + LABEL_MSG,
            "metadata.namespace: Forbidden: not allowed on this type",
        ])
        svc = k8sc.Object("v1", "Service")
        svc.name, svc.namespace = "1svc", "default"
        svc.add_finalizer("foo")
        self.assertEqual(k8sc.validate_object_meta(svc, True, k8sc.NameRule.DNS1035_LABEL), [
            'metadata.name: Invalid value: "1svc": ' + DNS1035_MSG,
            'metadata.finalizers[0]: Invalid value: "foo": name is neither a standard '
            "finalizer name nor is it fully qualified",
        ])
        self.assertEqual(k8sc.validate_object_meta(svc, True, "dns1123-subdomain")[0].field,
                         "metadata.finalizers[0]")

    def test_wrong_types_and_values(self):
        cm = k8sc.Object("v1", "ConfigMap")
        cm.name, cm.namespace = "cfg", "default"
        cm.set("metadata.generation", -1)
        cm.set("metadata.labels", "str")
        self.assertEqual(k8sc.validate_object_meta(cm, True), [
            "metadata.generation: Invalid value: -1: must be greater than or equal to 0",
            'metadata.labels: Invalid value: "string": metadata.labels in body must be of type object: "string"',
        ])

    def test_bad_rule(self):
        with self.assertRaises(k8sc.Invalid):
            k8sc.validate_object_meta(k8sc.Object(), True, "rfc1123")
        with self.assertRaises(ValueError):
            k8sc.validate_object_meta(k8sc.Object(), True, 9)
        with self.assertRaises(TypeError):
            k8sc.validate_object_meta({"metadata": {}}, True)


if __name__ == "__main__":
    unittest.main()
