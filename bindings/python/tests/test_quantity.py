"""k8sc.Quantity and pod resource sums, against resource.Quantity's behaviour."""

import pickle
import unittest

import k8sc
from k8sc import Quantity

REGEX = ("quantities must match the regular expression "
         "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")


class ParseTest(unittest.TestCase):
    # (input, canonical String(), format), from resource.Quantity's tests.
    CANONICAL = [
        ("0", "0", "DecimalSI"),
        ("0.5Gi", "512Mi", "BinarySI"),
        ("1.5Gi", "1536Mi", "BinarySI"),
        ("1024Mi", "1Gi", "BinarySI"),
        ("0.5Ki", "512", "BinarySI"),
        ("1.1Ki", "1126400m", "BinarySI"),
        ("1000m", "1", "DecimalSI"),
        ("1000", "1k", "DecimalSI"),
        ("0.1", "100m", "DecimalSI"),
        ("-1.5", "-1500m", "DecimalSI"),
        ("100.035k", "100035", "DecimalSI"),
        ("3.001n", "4n", "DecimalSI"),  # finer than 1n rounds up
        ("1e3", "1e3", "DecimalExponent"),
        ("1.2e3", "1200", "DecimalExponent"),
        ("1e14", "100e12", "DecimalExponent"),
        ("9Ei", "9223372036854775807", "BinarySI"),  # capped at 2^63-1
    ]

    def test_canonical_form(self):
        for text, want, fmt in self.CANONICAL:
            with self.subTest(text=text):
                q = Quantity(text)
                self.assertEqual(str(q), want)
                self.assertEqual(q.format, fmt)
                self.assertEqual(repr(q), "Quantity(%r)" % want)
                self.assertEqual(Quantity(str(q)), q)

    def test_errors_name_position_and_problem(self):
        table = [
            ("", 'quantity "": empty; ' + REGEX),
            ("1.2.3", "quantity \"1.2.3\": unexpected character '.' at position 4; " + REGEX),
            ("0.1mi", 'quantity "0.1mi": unable to parse quantity\'s suffix "mi" at position 4'),
            ("1KI", "unexpected character 'I' at position 3"),
        ]
        for text, message in table:
            with self.subTest(text=text):
                with self.assertRaises(k8sc.Invalid) as cm:
                    Quantity(text)
                self.assertIn(message, str(cm.exception))
        with self.assertRaises(TypeError):
            Quantity(1.5)

    def test_constructors(self):
        self.assertEqual(str(Quantity(1024)), "1024")
        self.assertEqual(str(Quantity(1000)), "1k")
        self.assertEqual(str(Quantity.from_milli(1500)), "1500m")
        self.assertEqual(str(Quantity.from_int(1 << 30, "BinarySI")), "1Gi")
        self.assertEqual(str(Quantity.from_int(1000, "DecimalExponent")), "1e3")
        self.assertEqual(str(Quantity(Quantity("2Gi"))), "2Gi")
        with self.assertRaises(k8sc.Invalid):
            Quantity.from_int(1, "Decimal")


class ValueTest(unittest.TestCase):
    def test_milli_and_value_round_up(self):
        # (input, MilliValue(), Value())
        table = [
            ("1.5", 1500, 2),
            ("100m", 100, 1),
            ("1n", 1, 1),
            ("0.5Gi", 536870912000, 536870912),
            ("-1.5", -1500, -2),  # "up" is away from zero
            ("0", 0, 0),
        ]
        for text, milli, value in table:
            with self.subTest(text=text):
                q = Quantity(text)
                self.assertEqual(q.milli, milli)
                self.assertEqual(q.value, value)
                self.assertEqual(int(q), value)
        with self.assertRaises(k8sc.Overflow):
            Quantity("9Ei").milli

    def test_sign_and_truth(self):
        self.assertEqual([Quantity(t).sign for t in ("-1m", "0", "5Gi")], [-1, 0, 1])
        self.assertFalse(Quantity("0Gi"))
        self.assertTrue(Quantity("1n"))


class CompareTest(unittest.TestCase):
    def test_equality_by_value(self):
        self.assertEqual(Quantity("0.5Gi"), "512Mi")
        self.assertEqual(Quantity("1Ki"), Quantity("1024"))
        self.assertEqual(Quantity("1"), 1)
        self.assertEqual(Quantity("1k"), Quantity("1e3"))
        self.assertNotEqual(Quantity("1Ki"), "1k")
        self.assertNotEqual(Quantity("1"), "not a quantity")
        self.assertNotEqual(Quantity("1"), 1.0)

    def test_hash_matches_equality(self):
        self.assertEqual(hash(Quantity("1Ki")), hash(Quantity("1024")))
        self.assertEqual(hash(Quantity("1k")), hash(Quantity("1000000m")))
        self.assertEqual(Quantity("1k"), "1000000m")
        self.assertEqual(len({Quantity("0.5"), Quantity("500m"), Quantity("0.5e0")}), 1)

    def test_ordering(self):
        self.assertGreater(Quantity("1Gi"), "1G")
        self.assertLess(Quantity("999m"), 1)
        self.assertLessEqual(Quantity("1"), "1000m")
        self.assertEqual(sorted(Quantity(t) for t in ("1Gi", "1G", "999m", "-1")),
                         ["-1", "999m", "1G", "1Gi"])
        with self.assertRaises(TypeError):
            Quantity("1") < "bogus"


class ArithmeticTest(unittest.TestCase):
    def test_add_and_sub_keep_the_left_format(self):
        table = [
            ("1", "+", "500m", "1500m"),
            ("1Gi", "-", "512Mi", "512Mi"),
            ("1Gi", "+", "1Gi", "2Gi"),
            ("1k", "+", "1Ki", "2024"),
            ("1Ki", "+", "1k", "2024"),
            ("100m", "-", "1", "-900m"),
        ]
        for a, op, b, want in table:
            with self.subTest(expr=(a, op, b)):
                got = Quantity(a) + b if op == "+" else Quantity(a) - b
                self.assertEqual(str(got), want)
        self.assertEqual(str(1 + Quantity("1")), "2")
        self.assertEqual(str(2 - Quantity("500m")), "1500m")
        self.assertEqual(str(-Quantity("1Gi")), "-1Gi")
        self.assertEqual(str(sum([Quantity("100m")] * 5, Quantity("0"))), "500m")

    def test_overflow(self):
        with self.assertRaises(k8sc.Overflow) as cm:
            Quantity("9Ei") + "9Ei"
        self.assertIn("cannot be represented exactly", str(cm.exception))

    def test_pickle(self):
        q = Quantity("1536Mi")
        self.assertEqual(pickle.loads(pickle.dumps(q)), q)


def _pod(spec):
    return k8sc.Object.from_dict({"apiVersion": "v1", "kind": "Pod",
                                  "metadata": {"name": "p"}, "spec": spec})


class PodResourcesTest(unittest.TestCase):
    def test_requests_and_limits(self):
        pod = _pod({
            "overhead": {"cpu": "10m", "memory": "1Mi"},
            "initContainers": [
                {"name": "sidecar", "restartPolicy": "Always",
                 "resources": {"requests": {"cpu": "50m"}, "limits": {"cpu": "100m"}}},
                {"name": "init", "resources": {"requests": {"cpu": "500m", "memory": "10Mi"}}},
            ],
            "containers": [
                {"name": "a", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                                            "limits": {"cpu": "200m"}}},
                {"name": "b"},
            ],
        })
        # cpu: max(100m + 50m sidecar, 500m init + 50m sidecar started before it) + 10m overhead.
        self.assertEqual(k8sc.pod_requests(pod), {"cpu": "560m", "memory": "65Mi"})
        # Overhead is added to limits only for resources that have one.
        self.assertEqual(k8sc.pod_limits(pod), {"cpu": "310m"})
        self.assertIsInstance(k8sc.pod_requests(pod)["cpu"], Quantity)

    def test_workload_template(self):
        deploy = k8sc.Object.from_dict({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"template": {"spec": {
                "initContainers": [{"name": "m", "resources": {"requests": {"cpu": "1", "memory": "32Mi"}}}],
                "containers": [
                    {"name": "web", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}},
                    {"name": "log", "resources": {"requests": {"cpu": 0.1, "memory": "0.5Gi"}}},
                ]}}}})
        self.assertEqual(k8sc.pod_requests(deploy), {"cpu": "1", "memory": "576Mi"})
        self.assertEqual(k8sc.pod_limits(deploy), {})

    def test_bad_quantity_is_invalid(self):
        pod = _pod({"containers": [{"name": "a", "resources": {"requests": {"cpu": "lots"}}}]})
        with self.assertRaises(k8sc.Invalid) as cm:
            k8sc.pod_requests(pod)
        self.assertIn('"lots"', str(cm.exception))

    def test_needs_an_object(self):
        with self.assertRaises(TypeError):
            k8sc.pod_requests({"spec": {}})


if __name__ == "__main__":
    unittest.main()
