"""load_yaml / dump_yaml: kubectl's YAML typing from Python."""

import unittest

import k8sc


class LoadYamlTest(unittest.TestCase):
    # (YAML, Python value), following sigs.k8s.io/yaml over go-yaml v2.
    TABLE = [
        ("a: yes", {"a": True}),
        ("a: Off", {"a": False}),
        ("a: y", {"a": True}),
        ('a: "yes"', {"a": "yes"}),
        ("a: 0o17", {"a": 15}),
        ("a: 0x1F", {"a": 31}),
        ("a: 1_000", {"a": 1000}),
        ("a: 1.0", {"a": 1}),
        ("a: 1e3", {"a": 1000}),
        ("a: 1.5", {"a": 1.5}),
        ("a: ~", {"a": None}),
        ("a: 2024-05-01", {"a": "2024-05-01"}),
        ("yes: 1", {"true": 1}),
        ("a: &x [1, 2]\nb: *x", {"a": [1, 2], "b": [1, 2]}),
        ("base: &b {x: 1}\nc:\n  <<: *b\n  z: 2", {"base": {"x": 1}, "c": {"x": 1, "z": 2}}),
        ("", None),
        ("- 1\n- two", [1, "two"]),
    ]

    def test_typing(self):
        for text, want in self.TABLE:
            with self.subTest(text=text):
                self.assertEqual(k8sc.load_yaml(text), want)

    def test_errors(self):
        table = [
            ("a: .inf", k8sc.Invalid),
            ("a: [", k8sc.Invalid),
            ("a: 1\n---\nb: 2", k8sc.Invalid),
        ]
        for text, exc in table:
            with self.subTest(text=text):
                with self.assertRaises(exc) as cm:
                    k8sc.load_yaml(text)
                self.assertIn("line", str(cm.exception))

    def test_alias_bomb_is_refused(self):
        lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
        for i in range(1, 9):
            prev = chr(ord("a") + i - 1)
            cur = chr(ord("a") + i)
            lines.append("%s: &%s [%s]" % (cur, cur, ",".join(["*" + prev] * 10)))
        with self.assertRaises(k8sc.LimitExceeded):
            k8sc.load_yaml("\n".join(lines))


class DumpYamlTest(unittest.TestCase):
    def test_quotes_what_would_change_type(self):
        self.assertEqual(k8sc.dump_yaml({"a": "yes", "b": "1", "c": "x", "d": [1, True, None]}),
                         'a: "yes"\nb: "1"\nc: x\nd:\n- 1\n- true\n- null\n')

    def test_round_trip(self):
        value = {"s": "multi\nline\n", "n": -5, "f": 2.5, "e": {}, "l": [], "t": "2024-05-01"}
        self.assertEqual(k8sc.load_yaml(k8sc.dump_yaml(value)), value)

    def test_sort_keys(self):
        self.assertEqual(k8sc.dump_yaml({"a10": 1, "a2": 2, "B": 3}, sort_keys=True),
                         "B: 3\na2: 2\na10: 1\n")

    def test_nan_is_refused(self):
        with self.assertRaises(ValueError):
            k8sc.dump_yaml({"x": float("nan")})


if __name__ == "__main__":
    unittest.main()
