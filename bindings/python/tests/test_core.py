"""Loading the library, version, and the error mapping."""

import os
import subprocess
import sys
import threading
import unittest

import k8sc
from k8sc import errors


class VersionTest(unittest.TestCase):
    def test_version_is_semver(self):
        parts = k8sc.version().split(".")
        self.assertEqual(len(parts), 3, k8sc.version())
        self.assertTrue(all(p.isdigit() for p in parts), k8sc.version())

    def test_library_path_is_the_loaded_one(self):
        want = os.environ.get("K8SC_LIBRARY")
        if want:
            self.assertEqual(k8sc.LIBRARY_PATH, want)


class LoadingTest(unittest.TestCase):
    def test_bad_library_path_raises_import_error_naming_the_fix(self):
        env = dict(os.environ, K8SC_LIBRARY="/nonexistent/libk8sc.so")
        proc = subprocess.run([sys.executable, "-c", "import k8sc"], env=env,
                              capture_output=True, text=True)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("ImportError: cannot load libk8sc", proc.stderr)
        self.assertIn("K8SC_LIBRARY", proc.stderr)


class ErrorMappingTest(unittest.TestCase):
    # (code, class, builtin base it must also be)
    TABLE = [
        (-2, k8sc.OutOfMemory, MemoryError),
        (-3, k8sc.Invalid, ValueError),
        (-4, k8sc.NotFound, LookupError),
        (-5, k8sc.AlreadyExists, k8sc.K8scError),
        (-6, k8sc.Conflict, k8sc.K8scError),
        (-7, k8sc.Gone, k8sc.K8scError),
        (-8, k8sc.Timeout, TimeoutError),
        (-9, k8sc.Forbidden, PermissionError),
        (-10, k8sc.Unauthorized, PermissionError),
        (-11, k8sc.TooManyRequests, k8sc.K8scError),
        (-12, k8sc.IOFailure, OSError),
        (-13, k8sc.Unavailable, ConnectionError),
        (-14, k8sc.Overflow, OverflowError),
        (-15, k8sc.LimitExceeded, k8sc.K8scError),
    ]

    def test_codes_map_to_classes(self):
        for code, cls, base in self.TABLE:
            with self.subTest(code=code):
                e = errors.error_for_code(code, "boom")
                self.assertIs(type(e), cls)
                self.assertIsInstance(e, k8sc.K8scError)
                self.assertIsInstance(e, base)
                self.assertEqual(e.code, code)
                self.assertEqual(str(e), "boom")

    def test_api_errors(self):
        api = [k8sc.NotFound, k8sc.AlreadyExists, k8sc.Conflict, k8sc.Invalid,
               k8sc.Forbidden, k8sc.Unauthorized, k8sc.Gone, k8sc.Timeout,
               k8sc.TooManyRequests, k8sc.Unavailable]
        for cls in api:
            self.assertTrue(issubclass(cls, k8sc.ApiError), cls)
        for cls in (k8sc.OutOfMemory, k8sc.IOFailure, k8sc.Overflow, k8sc.LimitExceeded):
            self.assertFalse(issubclass(cls, k8sc.ApiError), cls)
        self.assertTrue(issubclass(k8sc.ApiError, k8sc.K8scError))

    def test_api_error_from_a_status(self):
        cause = {"field": "metadata.name", "reason": "FieldValueInvalid"}
        status = {"kind": "Status", "code": 422, "reason": "Invalid", "message": "bad",
                  "details": {"causes": [cause]}}
        e = errors.error_for_code(-3, "bad", status)
        self.assertIs(type(e), k8sc.Invalid)
        self.assertEqual((e.reason, e.http_status, e.status), ("Invalid", 422, status))
        self.assertEqual(e.causes, [cause])
        # A server error with no class of its own is still an ApiError.
        e = errors.error_for_code(-1, "boom", {"code": 500, "reason": "InternalError"})
        self.assertIs(type(e), k8sc.ApiError)
        self.assertEqual((e.code, e.reason, e.http_status), (-1, "InternalError", 500))
        e = errors.error_for_code(-12, "eof", {"code": 500})
        self.assertIs(type(e), k8sc.ApiError)

    def test_api_error_without_a_status(self):
        e = errors.error_for_code(-13, "unreachable")
        self.assertIs(type(e), k8sc.Unavailable)
        self.assertEqual((e.status, e.reason, e.http_status, e.causes),
                         (None, "ServiceUnavailable", None, []))
        e = errors.error_for_code(-7, "expired", {"details": {"causes": "not a list"}})
        self.assertEqual((e.reason, e.causes), ("Gone", []))

    def test_unknown_code_is_generic(self):
        e = errors.error_for_code(-99, "odd")
        self.assertIs(type(e), k8sc.K8scError)
        self.assertEqual(e.code, -99)

    def test_message_comes_from_the_failing_call(self):
        with self.assertRaises(k8sc.NotFound) as cm:
            k8sc.Object("v1", "Pod").remove("spec.nodeName")
        self.assertEqual(str(cm.exception), 'field path "spec.nodeName": spec not found')
        self.assertEqual(cm.exception.code, -4)

    def test_each_error_carries_its_own_message(self):
        # A later failure must not change the text of an earlier exception.
        with self.assertRaises(k8sc.Invalid) as first:
            k8sc.Quantity("1.2.3")
        with self.assertRaises(k8sc.Invalid):
            k8sc.Quantity("aoeu")
        self.assertIn('quantity "1.2.3"', str(first.exception))

    def test_messages_are_per_thread(self):
        # k8sc_error_last() is thread-local: each thread sees its own failure.
        wrong = []

        def work(n):
            text = "%d.%d.%d" % (n, n, n)
            for _ in range(200):
                try:
                    k8sc.Quantity(text)
                except k8sc.Invalid as e:
                    if 'quantity "%s"' % text not in str(e):
                        wrong.append(str(e))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(1, 5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(wrong, [])

    def test_nul_in_a_string_argument_is_invalid(self):
        with self.assertRaises(k8sc.Invalid) as cm:
            k8sc.Selector("app=web\0tier=x")
        self.assertIn("NUL", str(cm.exception))
        o = k8sc.Object("v1", "Pod")
        with self.assertRaises(k8sc.Invalid):
            o.name = "a\0b"
        self.assertIsNone(o.name)


if __name__ == "__main__":
    unittest.main()
