"""Label and field selectors, as labels.Parse and fields.ParseSelector behave."""

import threading
import unittest

import k8sc
from k8sc import FieldSelector, Selector


class LabelSelectorTest(unittest.TestCase):
    # (selector, labels, matches)
    MATCHES = [
        ("app=web,tier in (a,b)", {"app": "web", "tier": "a"}, True),
        ("app=web,tier in (a,b)", {"app": "web", "tier": "b", "x": "y"}, True),
        ("app=web,tier in (a,b)", {"app": "web"}, False),
        ("app=web,tier in (a,b)", {"app": "api", "tier": "a"}, False),
        ("app=web,tier in (a,b)", {"app": "web", "tier": "c"}, False),
        ("app==web", {"app": "web"}, True),
        ("app!=web", {}, True),  # != and notin also match a missing key
        ("app!=web", {"app": "web"}, False),
        ("env notin (prod,staging)", {}, True),
        ("env notin (prod,staging)", {"env": "prod"}, False),
        ("!canary", {"app": "x"}, True),
        ("!canary", {"canary": ""}, False),
        ("app", {"app": ""}, True),
        ("app", {}, False),
        ("replicas>2", {"replicas": "3"}, True),
        ("replicas>2", {"replicas": "2"}, False),
        ("replicas>2", {"replicas": "x"}, False),
        ("replicas>2", {}, False),
        ("replicas<2", {"replicas": "-1"}, True),
        ("x=", {"x": ""}, True),
        ("x=", {}, False),
        ("", {}, True),
        ("", {"any": "thing"}, True),
    ]

    def test_matches_label_dicts(self):
        for text, labels, want in self.MATCHES:
            with self.subTest(selector=text, labels=labels):
                sel = Selector(text)
                self.assertIs(sel.matches(labels), want)
                self.assertIs(sel(labels), want)

    def test_matches_object_labels(self):
        obj = k8sc.Object("v1", "Pod")
        obj.labels.update({"app": "web", "tier": "a"})
        self.assertTrue(Selector("app=web,tier in (a,b)").matches(obj))
        obj.labels["tier"] = "z"
        self.assertFalse(Selector("app=web,tier in (a,b)").matches(obj))
        self.assertTrue(Selector("!canary").matches(None))

    def test_canonical_string(self):
        table = [
            ("tier in (b,a),app=web", "app=web,tier in (a,b)"),
            ("replicas>2, !canary ,env notin (prod),app", "app,!canary,env notin (prod),replicas>2"),
            ("x==y", "x==y"),
            ("", ""),
        ]
        for text, want in table:
            with self.subTest(text=text):
                self.assertEqual(str(Selector(text)), want)
                self.assertEqual(repr(Selector(text)), "Selector(%r)" % want)

    def test_requirements(self):
        self.assertEqual(Selector("tier in (b,a),!canary,n>1,app").requirements, [
            ("app", "exists", ()),
            ("canary", "!", ()),
            ("n", "gt", ("1",)),
            ("tier", "in", ("a", "b")),
        ])
        self.assertEqual(Selector("a!=b").requirements[0].operator, "!=")

    def test_bad_syntax_is_invalid_with_position(self):
        table = [
            ("app in (a", "at position 9: unable to parse requirement: found '', expected: ',' or ')'"),
            ("app=a b", "at position 6: found 'b', expected: ',' or 'end of string'"),
            ("a,,b", "at position 2: found ',', expected: identifier after ','"),
            ("k=v|", 'invalid label value "v|": a valid label must be an empty string'),
        ]
        for text, message in table:
            with self.subTest(text=text):
                with self.assertRaises(k8sc.Invalid) as cm:
                    Selector(text)
                self.assertTrue(str(cm.exception).startswith('label selector "%s": ' % text),
                                str(cm.exception))
                self.assertIn(message, str(cm.exception))
                self.assertIn("position", str(cm.exception))

    def test_from_labelselector(self):
        ls = {"matchLabels": {"app": "web"},
              "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]},
                                   {"key": "canary", "operator": "DoesNotExist"}]}
        sel = Selector.from_labelselector(ls)
        self.assertEqual(str(sel), "app=web,!canary,tier in (a,b)")  # sorted by key
        self.assertTrue(sel.matches({"app": "web", "tier": "b"}))
        self.assertFalse(sel.matches({"app": "web", "tier": "b", "canary": "1"}))
        # nil selects nothing, {} everything (LabelSelectorAsSelector).
        nothing, everything = Selector.from_labelselector(None), Selector.from_labelselector({})
        self.assertFalse(nothing.matches({}))
        self.assertFalse(nothing.is_everything)
        self.assertTrue(everything.matches({"a": "b"}))
        self.assertTrue(everything.is_everything)

    def test_from_labelselector_errors(self):
        table = [
            ({"matchExpressions": [{"key": "k", "operator": "Foo"}]},
             'matchExpressions[0].operator: Unsupported value: "Foo": supported values: '
             '"In", "NotIn", "Exists", "DoesNotExist"'),
            ({"matchExpressions": [{"key": "k", "operator": "In", "values": []}]},
             "matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"),
        ]
        for ls, message in table:
            with self.subTest(ls=ls):
                with self.assertRaises(k8sc.Invalid) as cm:
                    Selector.from_labelselector(ls)
                self.assertEqual(str(cm.exception), message)
        with self.assertRaises(TypeError):
            Selector.from_labelselector("app=web")

    def test_from_set_everything_nothing(self):
        self.assertEqual(str(Selector.from_set({"b": "2", "a": "1"})), "a=1,b=2")
        self.assertTrue(Selector.from_set(None).is_everything)
        self.assertTrue(Selector.everything().matches({}))
        self.assertFalse(Selector.nothing().matches({}))

    def test_non_string_labels_are_a_type_error(self):
        with self.assertRaises(TypeError):
            Selector("a=1").matches({"a": 1})
        with self.assertRaises(TypeError):
            Selector("a=1").matches(["a"])

    def test_concurrent_matching(self):
        sel = Selector("app=web,tier in (a,b)")
        failures = []

        def work(n):
            for i in range(300):
                labels = {"app": "web", "tier": "a" if (i + n) % 2 else "c"}
                if sel.matches(labels) != ((i + n) % 2 == 1):
                    failures.append((n, i))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])


class FieldSelectorTest(unittest.TestCase):
    MATCHES = [
        ("metadata.name=web,status.phase!=Running",
         {"metadata.name": "web", "status.phase": "Pending"}, True),
        ("metadata.name=web,status.phase!=Running",
         {"metadata.name": "web", "status.phase": "Running"}, False),
        ("metadata.name=web", {}, False),  # absent reads as ""
        ("spec.nodeName=", {}, True),
        ("spec.nodeName!=", {"spec.nodeName": "n1"}, True),
        ("a==b", {"a": "b"}, True),
        (r"a=x\,y\=z\\w", {"a": "x,y=z\\w"}, True),
        ("", {"anything": "x"}, True),
    ]

    def test_matches(self):
        for text, fields, want in self.MATCHES:
            with self.subTest(selector=text, fields=fields):
                self.assertIs(FieldSelector(text).matches(fields), want)

    def test_terms_string_and_exact(self):
        sel = FieldSelector("metadata.name=web,status.phase!=Running")
        self.assertEqual(sel.terms, [("metadata.name", "=", "web"), ("status.phase", "!=", "Running")])
        self.assertEqual(sel.exact("metadata.name"), "web")
        self.assertIsNone(sel.exact("status.phase"))
        self.assertIsNone(sel.exact("spec.nodeName"))
        self.assertEqual(str(FieldSelector("a==b")), "a=b")
        self.assertEqual(str(FieldSelector(r"a=x\,y")), r"a=x\,y")
        self.assertEqual(FieldSelector(r"a=x\,y").terms[0].value, "x,y")
        self.assertTrue(FieldSelector("").is_everything)
        self.assertFalse(sel.is_everything)

    def test_errors(self):
        table = [
            ("a=b=c", 'field selector "a=b=c": at position 3: unescaped character in value: \'=\' (write \\=)'),
            ("=x", 'field selector "=x": at position 0: field name must not be empty'),
            (r"a=b\n", "invalid escape sequence"),
            ("a", "expected field=value, field==value or field!=value"),
        ]
        for text, message in table:
            with self.subTest(text=text):
                with self.assertRaises(k8sc.Invalid) as cm:
                    FieldSelector(text)
                self.assertIn(message, str(cm.exception))

    def test_close(self):
        with FieldSelector("a=b") as sel:
            self.assertTrue(sel.matches({"a": "b"}))
        with self.assertRaises(ValueError):
            sel.matches({"a": "b"})


if __name__ == "__main__":
    unittest.main()
