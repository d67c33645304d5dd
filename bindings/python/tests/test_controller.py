"""Controllers against a live k8sc-apiserver (see test_client.py)."""

import base64
import gc
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import weakref

import k8sc
from test_client import ServerTest, configmap, vm_rss_bytes

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                        "examples")


def b64(text):
    return base64.b64encode(text.encode()).decode()


def secret_for(cm):
    """The Secret a ConfigMap is copied into, owned by it."""
    meta = cm["metadata"]
    return {
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": meta["name"], "namespace": meta["namespace"],
                     "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap",
                                          "name": meta["name"], "uid": meta["uid"],
                                          "controller": True}]},
        "data": {k: b64(v) for k, v in (cm.get("data") or {}).items()},
    }


class Copier:
    """Reconciles ConfigMaps into Secrets of the same name and data."""

    def __init__(self):
        self.requests = []

    def __call__(self, req):
        self.requests.append((req.namespace, req.name))
        ctl = req.controller
        cm = ctl.get("v1", "ConfigMap", req.name, req.namespace)
        if cm is None:
            return None
        want = secret_for(cm)
        have = ctl.get("v1", "Secret", req.name, req.namespace)
        if have is None:
            ctl.client.create(want)
        elif have.get("data") != want["data"]:
            have["data"] = want["data"]
            ctl.client.update(have)
        return None

    def count(self, name):
        return sum(1 for _, n in self.requests if n == name)


def run_until(ctl, cond, timeout=10.0):
    """Run `ctl` in short slices until cond() holds; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within %ss" % timeout)
        ctl.run(timeout=0.05)


def secret_data(client, name):
    try:
        return client.get("v1", "Secret", name).get("data")
    except k8sc.NotFound:
        return None


class ReconcileTest(ServerTest):
    def setUp(self):
        super().setUp()
        self.client.create({"apiVersion": "v1", "kind": "Namespace",
                            "metadata": {"name": "other"}})

    def controller(self, reconcile, **kw):
        ctl = k8sc.Controller(self.client, "v1", "ConfigMap", reconcile, **kw)
        self.addCleanup(ctl.close)
        return ctl

    def test_copies_existing_and_new_objects(self):
        c = self.client
        c.create(configmap("old", data={"a": "1"}))
        copier = Copier()
        ctl = self.controller(copier, owns=[("v1", "Secret")])
        self.assertEqual(ctl.name, "configmap-controller")
        run_until(ctl, lambda: secret_data(c, "old") == {"a": b64("1")})
        self.assertIn(("default", "old"), copier.requests)

        c.create(configmap("new", data={"b": "2"}))
        run_until(ctl, lambda: secret_data(c, "new") == {"b": b64("2")})
        secret = c.get("v1", "Secret", "new")
        ref = secret["metadata"]["ownerReferences"][0]
        self.assertEqual((ref["kind"], ref["name"], ref["controller"]), ("ConfigMap", "new", True))

        c.patch("v1", "ConfigMap", "new", {"data": {"b": "3"}})
        run_until(ctl, lambda: secret_data(c, "new") == {"b": b64("3")})

    def test_deleting_an_owned_object_reconciles_its_owner(self):
        c = self.client
        c.create(configmap("web"))
        copier = Copier()
        ctl = self.controller(copier, owns=[("v1", "Secret")])
        run_until(ctl, lambda: secret_data(c, "web") is not None)
        uid = c.get("v1", "Secret", "web")["metadata"]["uid"]
        before = copier.count("web")
        c.delete("v1", "Secret", "web")
        run_until(ctl, lambda: secret_data(c, "web") is not None)
        self.assertGreater(copier.count("web"), before)
        self.assertNotEqual(c.get("v1", "Secret", "web")["metadata"]["uid"], uid)

    def test_unowned_objects_do_not_trigger(self):
        c = self.client
        copier = Copier()
        ctl = self.controller(copier, owns=[("v1", "Secret")])
        c.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "loose"}})
        ctl.run(timeout=0.5)
        self.assertEqual(copier.requests, [])

    def test_watches_map_objects_to_requests(self):
        c = self.client
        copier = Copier()

        def for_label(obj):
            target = obj["metadata"].get("labels", {}).get("for")
            if target == "explode":
                raise ValueError("cannot map")
            return [(obj["metadata"]["namespace"], target)] if target else []

        ctl = self.controller(copier, watches=[("v1", "Secret", for_label)])
        c.create({"apiVersion": "v1", "kind": "Secret",
                  "metadata": {"name": "s1", "labels": {"for": "web"}}})
        run_until(ctl, lambda: ("default", "web") in copier.requests)
        with self.assertLogs("k8sc.controller", logging.ERROR) as logs:
            c.create({"apiVersion": "v1", "kind": "Secret",
                      "metadata": {"name": "s2", "labels": {"for": "explode"}}})
            run_until(ctl, lambda: logs.records)
        self.assertIn("configmap-controller: mapping v1/Secret to requests failed",
                      logs.output[0])
        self.assertIn("ValueError: cannot map", logs.output[0])
        c.create({"apiVersion": "v1", "kind": "Secret",
                  "metadata": {"name": "s3", "labels": {"for": "api"}}})
        run_until(ctl, lambda: ("default", "api") in copier.requests)
        with self.assertRaises(TypeError):
            k8sc.Controller(c, "v1", "ConfigMap", copier, watches=[("v1", "Secret")])

    def test_cache_reads(self):
        c = self.client
        c.create(configmap("a1", labels={"app": "a"}))
        c.create(configmap("b1", labels={"app": "b"}))
        c.create(configmap("a2", labels={"app": "a"}, namespace="other"))
        seen = {}

        def reconcile(req):
            ctl = req.controller
            seen["get"] = ctl.get("v1", "ConfigMap", "a1", "default")
            seen["missing"] = ctl.get("v1", "ConfigMap", "nope", "default")
            seen["all"] = sorted(o["metadata"]["name"] for o in ctl.list("v1", "ConfigMap"))
            seen["ns"] = [o["metadata"]["name"] for o in ctl.list("v1", "ConfigMap", "other")]
            seen["sel"] = sorted(o["metadata"]["name"]
                                 for o in ctl.list("v1", "ConfigMap", label_selector="app=a"))
            ctl.stop()

        ctl = self.controller(reconcile)
        ctl.run(timeout=10)
        self.assertTrue(ctl.stopped)
        self.assertEqual(seen["get"]["metadata"]["labels"], {"app": "a"})
        self.assertIsNone(seen["missing"])
        self.assertEqual(seen["all"], ["a1", "a2", "b1"])
        self.assertEqual(seen["ns"], ["a2"])
        self.assertEqual(seen["sel"], ["a1", "a2"])
        with self.assertRaises(k8sc.Invalid):
            ctl.list("v1", "ConfigMap", label_selector="app in (")

    def test_namespace_restricts_the_watch(self):
        c = self.client
        c.create(configmap("here", namespace="default"))
        c.create(configmap("there", namespace="other"))
        copier = Copier()
        ctl = self.controller(copier, namespace="other")
        run_until(ctl, lambda: copier.requests)
        ctl.run(timeout=0.3)
        self.assertEqual(set(copier.requests), {("other", "there")})

    def test_cluster_scoped_kind_has_an_empty_namespace(self):
        seen = []

        def reconcile(req):
            seen.append((req.namespace, req.name, req.key))

        ctl = k8sc.Controller(self.client, "v1", "Namespace", reconcile)
        self.addCleanup(ctl.close)
        run_until(ctl, lambda: ("", "other", "other") in seen)


class RequeueTest(ServerTest):
    def test_requeue_after_seconds(self):
        self.client.create(configmap("tick"))
        times = []

        def reconcile(req):
            times.append(time.monotonic())
            return 0.3 if len(times) < 3 else None

        with k8sc.Controller(self.client, "v1", "ConfigMap", reconcile) as ctl:
            run_until(ctl, lambda: len(times) >= 3)
            ctl.run(timeout=0.5)
        self.assertEqual(len(times), 3, "None must end the requeues")
        for a, b in zip(times, times[1:]):
            self.assertGreaterEqual(b - a, 0.28)

    def test_true_requeues_with_back_off(self):
        self.client.create(configmap("again"))
        calls = []

        def reconcile(req):
            calls.append(time.monotonic())
            return len(calls) < 4

        with k8sc.Controller(self.client, "v1", "ConfigMap", reconcile) as ctl:
            run_until(ctl, lambda: len(calls) >= 4)
            ctl.run(timeout=0.3)
        self.assertEqual(len(calls), 4)
        # 5 ms, 10 ms, 20 ms: each wait at least as long as the one before.
        gaps = [b - a for a, b in zip(calls, calls[1:])]
        self.assertGreaterEqual(gaps[2], 0.015)

    def test_enqueue(self):
        calls = []
        ctl = k8sc.Controller(self.client, "v1", "ConfigMap", lambda r: calls.append(r))
        self.addCleanup(ctl.close)
        ctl.enqueue("default", "ghost")
        ctl.enqueue(None, "later", after=0.3)
        start = time.monotonic()
        run_until(ctl, lambda: len(calls) >= 2)
        self.assertGreaterEqual(time.monotonic() - start, 0.25)
        self.assertEqual([(r.namespace, r.name) for r in calls],
                         [("default", "ghost"), ("", "later")])
        self.assertEqual(calls[0], k8sc.Request("default", "ghost", ctl))
        with self.assertRaises(k8sc.Invalid):
            ctl.enqueue("default", "")
        with self.assertRaises(k8sc.Invalid):
            ctl.enqueue("default", "x", after=-1)


class FailureTest(ServerTest):
    def test_exception_is_logged_and_retried(self):
        self.client.create(configmap("flaky"))
        calls = []

        def reconcile(req):
            calls.append(time.monotonic())
            if len(calls) <= 3:
                raise RuntimeError("boom %d" % len(calls))

        with k8sc.Controller(self.client, "v1", "ConfigMap", reconcile, name="flaky") as ctl:
            with self.assertLogs("k8sc.controller", logging.ERROR) as logs:
                run_until(ctl, lambda: len(calls) >= 4)
            ctl.run(timeout=0.3)
        self.assertEqual(len(calls), 4, "a success must end the retries")
        self.assertEqual(len(logs.records), 3)
        for i, record in enumerate(logs.records, 1):
            self.assertEqual(record.getMessage(),
                             "flaky: reconciling default/flaky failed (retry %d)" % i)
            self.assertIsInstance(record.exc_info[1], RuntimeError)
        self.assertIn("Traceback", logs.output[0])
        self.assertIn("RuntimeError: boom 1", logs.output[0])
        # 5 ms, 10 ms, 20 ms: the third retry waits at least 20 ms.
        gaps = [b - a for a, b in zip(calls, calls[1:])]
        self.assertGreaterEqual(gaps[2], 0.018, "retries must back off")

    def test_bad_return_value_is_an_error(self):
        self.client.create(configmap("odd"))
        calls = []

        def reconcile(req):
            calls.append(1)
            return "soon" if len(calls) == 1 else -1 if len(calls) == 2 else None

        with k8sc.Controller(self.client, "v1", "ConfigMap", reconcile) as ctl:
            with self.assertLogs("k8sc.controller", logging.ERROR) as logs:
                run_until(ctl, lambda: len(calls) >= 3)
        self.assertIn("TypeError: reconcile returned 'soon'", logs.output[0])
        self.assertIn("TypeError: reconcile returned -1", logs.output[1])

    def test_keyboard_interrupt_in_reconcile_ends_run(self):
        self.client.create(configmap("ki"))
        calls = []

        def reconcile(req):
            calls.append(1)
            if len(calls) == 1:
                raise KeyboardInterrupt

        with k8sc.Controller(self.client, "v1", "ConfigMap", reconcile) as ctl:
            with self.assertRaises(KeyboardInterrupt):
                ctl.run(timeout=10)
            self.assertFalse(ctl.stopped)
            run_until(ctl, lambda: len(calls) >= 2)  # the interrupted key is kept


class StopTest(ServerTest):
    def test_stop_from_another_thread(self):
        ctl = k8sc.Controller(self.client, "v1", "ConfigMap", lambda r: None)
        self.addCleanup(ctl.close)
        timer = threading.Timer(0.3, ctl.stop)
        timer.start()
        start = time.monotonic()
        ctl.run()
        timer.join()
        self.assertLess(time.monotonic() - start, 3)
        self.assertTrue(ctl.stopped)
        start = time.monotonic()
        ctl.run()  # stopped for good: returns at once
        self.assertLess(time.monotonic() - start, 0.5)

    def test_stop_inside_reconcile_leaves_the_rest_queued(self):
        for i in range(5):
            self.client.create(configmap("cm%d" % i))
        calls = []

        def reconcile(req):
            calls.append(req.name)
            req.controller.stop()

        with k8sc.Controller(self.client, "v1", "ConfigMap", reconcile) as ctl:
            ctl.run(timeout=10)
        self.assertEqual(len(calls), 1)

    def test_timeout(self):
        with k8sc.Controller(self.client, "v1", "ConfigMap", lambda r: None) as ctl:
            start = time.monotonic()
            ctl.run(timeout=0.4)
            self.assertGreaterEqual(time.monotonic() - start, 0.4)
            self.assertLess(time.monotonic() - start, 3)
            self.assertFalse(ctl.stopped)
            with self.assertRaises(k8sc.Invalid):
                ctl.run(timeout=-1)

    def test_close_inside_reconcile(self):
        self.client.create(configmap("x"))

        def reconcile(req):
            req.controller.close()

        ctl = k8sc.Controller(self.client, "v1", "ConfigMap", reconcile)
        ctl.run(timeout=10)
        self.assertTrue(ctl.closed)
        with self.assertRaises(ValueError):
            ctl.run()
        with self.assertRaises(ValueError):
            ctl.enqueue("default", "x")

    def test_run_is_not_reentrant(self):
        self.client.create(configmap("x"))
        errors = []

        def reconcile(req):
            try:
                req.controller.run(timeout=1)
            except RuntimeError as e:
                errors.append(e)
            req.controller.stop()

        with k8sc.Controller(self.client, "v1", "ConfigMap", reconcile) as ctl:
            ctl.run(timeout=10)
        self.assertEqual(len(errors), 1)


class LifetimeTest(ServerTest):
    def test_garbage_collected_without_close(self):
        ctl = k8sc.Controller(self.client, "v1", "ConfigMap", lambda r: None,
                              owns=[("v1", "Secret")])
        ctl.run(timeout=0.2)
        ref = weakref.ref(ctl)
        del ctl
        self.assertIsNone(ref(), "a Controller must not be kept alive by its own callback")
        self.client.create(configmap("still-works"))

    def test_outlives_a_closed_client(self):
        self.client.create(configmap("x"))
        client = k8sc.Client(server=self.server.url)
        calls = []
        ctl = k8sc.Controller(client, "v1", "ConfigMap", lambda r: calls.append(r))
        self.addCleanup(ctl.close)
        client.close()
        run_until(ctl, lambda: calls)
        with self.assertRaises(ValueError):
            k8sc.Controller(client, "v1", "ConfigMap", lambda r: None)

    def test_bad_arguments(self):
        c = self.client
        with self.assertRaises(TypeError):
            k8sc.Controller(c, "v1", "ConfigMap", None)
        with self.assertRaises(TypeError):
            k8sc.Controller("http://x", "v1", "ConfigMap", lambda r: None)
        with self.assertRaises(TypeError):
            k8sc.Controller(c, "v1", "ConfigMap", lambda r: None, owns=["Secret"])
        with self.assertRaises(k8sc.Invalid):
            k8sc.Controller(c, "v1", "ConfigMap", lambda r: None, resync=-1)
        with self.assertRaises(k8sc.Invalid):
            k8sc.Controller(c, "v1", "", lambda r: None)
        ctl = k8sc.Controller(c, "v1", "ConfigMap", lambda r: None)
        ctl.close()
        ctl.close()
        self.assertEqual(repr(ctl), "<k8sc.Controller closed>")
        with self.assertRaises(ValueError):
            ctl.get("v1", "ConfigMap", "x")


class HelpersTest(ServerTest):
    def test_events(self):
        cm = self.client.create(configmap("ev"))
        with k8sc.Controller(self.client, "v1", "ConfigMap", lambda r: None,
                             name="ev-controller") as ctl:
            ctl.event(cm, "Warning", "Broken", "it broke: 100%")
            ctl.flush_events()
            with self.assertRaises(k8sc.Invalid):
                ctl.event(cm, "Loud", "Broken", "x")
        events = self.client.list("v1", "Event")
        self.assertEqual(len(events), 1)
        ev = events[0]
        self.assertEqual((ev["type"], ev["reason"], ev["message"]),
                         ("Warning", "Broken", "it broke: 100%"))
        self.assertEqual(ev["involvedObject"]["name"], "ev")
        self.assertEqual(ev["source"]["component"], "ev-controller")

    def test_update_status(self):
        pod = self.client.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
        with k8sc.Controller(self.client, "v1", "Pod", lambda r: None) as ctl:
            pod["status"] = {"phase": "Running"}
            pod["metadata"]["labels"] = {"through": "status"}  # not written: status only
            out = ctl.update_status(pod)
            self.assertEqual(out["status"]["phase"], "Running")
            self.assertNotIn("labels", out["metadata"])
            self.assertEqual(self.client.get("v1", "Pod", "p")["status"]["phase"], "Running")
            with self.assertRaises(k8sc.Conflict) as cm:
                ctl.update_status(pod)  # stale resourceVersion
            self.assertEqual(cm.exception.http_status, 409)
            with self.assertRaises(k8sc.NotFound):
                ctl.update_status({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "q"}})
            with self.assertRaises(k8sc.Invalid):
                ctl.update_status({"apiVersion": "v1", "kind": "Pod", "metadata": {}})

    def test_finalizers(self):
        cm = self.client.create(configmap("fin"))
        with k8sc.Controller(self.client, "v1", "ConfigMap", lambda r: None) as ctl:
            cm = ctl.add_finalizer(cm, "demo.k8sc.io/cleanup")
            self.assertEqual(cm["metadata"]["finalizers"], ["demo.k8sc.io/cleanup"])
            again = ctl.add_finalizer(cm, "demo.k8sc.io/cleanup")
            self.assertEqual(again["metadata"]["resourceVersion"],
                             cm["metadata"]["resourceVersion"])
            cm = ctl.remove_finalizer(cm, "demo.k8sc.io/cleanup")
            self.assertFalse(cm["metadata"].get("finalizers"))
            stale = dict(again)
            with self.assertRaises(k8sc.Conflict):
                ctl.add_finalizer(stale, "other")


class GreetingOperatorTest(ServerTest):
    """examples/python/greeting_operator.py, run as a program."""

    def wait_for(self, cond, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = cond()
            except k8sc.NotFound:
                value = None
            if value:
                return value
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.fail("condition not met; operator output:\n" + self.output())
            time.sleep(0.05)

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def test_greetings_get_configmaps_and_status(self):
        c = self.client
        with open(os.path.join(EXAMPLES, "manifests", "greeting-crd.yaml")) as f:
            c.create(k8sc.load_yaml(f.read()))
        with open(os.path.join(EXAMPLES, "manifests", "greeting.yaml")) as f:
            greeting = k8sc.load_yaml(f.read())
        self.wait_for(lambda: c.create(greeting))  # once the CRD is served
        kubeconfig = tempfile.NamedTemporaryFile("w", suffix=".yaml")
        self.addCleanup(kubeconfig.close)
        kubeconfig.write("""apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "%s"}}]
users: [{name: test, user: {}}]
contexts: [{name: test, context: {cluster: test, user: test}}]
current-context: test
""" % self.server.url)
        kubeconfig.flush()
        self.log = tempfile.TemporaryFile()
        self.addCleanup(self.log.close)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(EXAMPLES, "python", "greeting_operator.py"),
             "--kubeconfig", kubeconfig.name],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.addCleanup(self.proc.wait)
        self.addCleanup(lambda: self.proc.poll() is None and self.proc.kill())

        cm = self.wait_for(lambda: c.get("v1", "ConfigMap", "hello"))
        self.assertEqual(cm["data"], {"message": "Hello, world!"})
        owner = cm["metadata"]["ownerReferences"][0]
        self.assertEqual((owner["apiVersion"], owner["kind"], owner["name"], owner["controller"]),
                         ("demo.k8sc.io/v1", "Greeting", "hello", True))
        status = self.wait_for(lambda: c.get("demo.k8sc.io/v1", "Greeting", "hello").get("status"))
        self.assertEqual(status, {"observedGeneration": 1, "ready": True})

        c.patch("demo.k8sc.io/v1", "Greeting", "hello", {"spec": {"message": "Bonjour"}})
        self.wait_for(lambda: c.get("v1", "ConfigMap", "hello")["data"] == {"message": "Bonjour"})
        self.wait_for(lambda: c.get("demo.k8sc.io/v1", "Greeting", "hello")
                      ["status"]["observedGeneration"] == 2)

        uid = cm["metadata"]["uid"]
        c.delete("v1", "ConfigMap", "hello")
        self.wait_for(lambda: c.get("v1", "ConfigMap", "hello")["metadata"]["uid"] != uid)
        reasons = {e["reason"] for e in c.list("v1", "Event")}
        self.assertLessEqual({"Created", "Updated"}, reasons)

        os.kill(self.proc.pid, signal.SIGINT)  # Ctrl-C: a clean exit
        self.assertEqual(self.proc.wait(timeout=10), 0, self.output())
        self.assertIn("interrupted, stopping", self.output())
        self.assertNotIn("Traceback", self.output())


class MemoryTest(ServerTest):
    """RSS stays flat: what each reconcile, cache read and failure allocates
    on either side is freed, and so is a whole controller."""

    def setUp(self):
        super().setUp()
        logger = logging.getLogger("k8sc.controller")
        logger.disabled = True  # the failures below are expected; keep the output short
        self.addCleanup(setattr, logger, "disabled", False)

    def test_rss_stays_bounded_over_many_reconciles(self):
        for i in range(20):
            self.client.create(configmap("m%d" % i, labels={"app": "m"}, data={"v": "x" * 256}))
        count = [0]

        def reconcile(req):
            ctl = req.controller
            count[0] += 1
            assert ctl.get("v1", "ConfigMap", req.name, req.namespace) is not None
            assert ctl.get("v1", "ConfigMap", "absent", "default") is None
            assert len(ctl.list("v1", "ConfigMap", "default", "app=m")) == 20
            if count[0] % 500 == 0:  # rarely: failures share a 10 qps token bucket
                raise ValueError("every 500th fails")
            return 0  # again at once

        with k8sc.Controller(self.client, "v1", "ConfigMap", reconcile) as ctl:
            def reconciles(n):
                target = count[0] + n
                run_until(ctl, lambda: count[0] >= target, timeout=60)

            reconciles(1000)  # warm up allocator and caches
            gc.collect()
            before = vm_rss_bytes()
            reconciles(20000)
            gc.collect()
            grown = vm_rss_bytes() - before
        # A reconcile allocates over 10 KiB on the C side (22 objects
        # encoded, a 20-item array): leaking even the array would add 3 MiB.
        self.assertLess(grown, 2 << 20, "RSS grew by %d bytes over 20,000 reconciles" % grown)

    def test_rss_stays_bounded_over_many_controllers(self):
        cm = self.client.create(configmap("c", data={"v": "x" * 32768}))

        def reconcile(req):
            req.controller.event(cm, "Normal", "Seen", "seen")
            req.controller.stop()

        def cycle():
            ctl = k8sc.Controller(self.client, "v1", "ConfigMap", reconcile,
                                  owns=[("v1", "Secret")])
            ctl.run(timeout=10)
            self.assertTrue(ctl.stopped)
            ctl.close()

        # Few enough for the server: it notices closed watches late, and
        # each controller opens two.
        for _ in range(20):
            cycle()
        gc.collect()
        before = vm_rss_bytes()
        for _ in range(100):
            cycle()
        gc.collect()
        grown = vm_rss_bytes() - before
        # Each controller caches a 32 KiB object and holds two informers, a
        # queue and an event recorder: leaking them would add over 3 MiB.
        self.assertLess(grown, 1 << 20, "RSS grew by %d bytes over 100 controllers" % grown)


if __name__ == "__main__":
    unittest.main()
