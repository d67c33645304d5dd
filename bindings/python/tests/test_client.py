"""The client against a live k8sc-apiserver (a subprocess on a free port,
memory store), found through $K8SC_APISERVER or the PATH."""

import gc
import json
import os
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import k8sc

APISERVER = os.environ.get("K8SC_APISERVER") or shutil.which("k8sc-apiserver")


def configmap(name, labels=None, data=None, namespace=None):
    meta = {"name": name}
    if labels:
        meta["labels"] = labels
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data or {"k": "v"}}


def vm_rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


class ApiServer:
    """One k8sc-apiserver process; stop() ends it by its PID."""

    def __init__(self):
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [APISERVER, "--listen", "127.0.0.1:0", "--store", "memory://"],
            stdout=subprocess.PIPE, stderr=self.log)
        self.url = None
        deadline = time.monotonic() + 10
        line = b""
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 256)
                if not chunk:
                    break
                line += chunk
        if not line.startswith(b"listening on http://"):
            self.stop()
            raise AssertionError("k8sc-apiserver did not start: %r %r" % (line, self.output()))
        self.url = line.decode().split()[2]

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, 9)
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


@unittest.skipUnless(APISERVER, "k8sc-apiserver not found (set K8SC_APISERVER)")
class ServerTest(unittest.TestCase):
    def setUp(self):
        self.server = ApiServer()
        self.addCleanup(self.server.stop)
        self.client = k8sc.Client(server=self.server.url)
        self.addCleanup(self.client.close)


class CrudTest(ServerTest):
    def test_round_trip(self):
        c = self.client
        self.assertEqual(c.namespace, "default")
        self.assertEqual(c.server, self.server.url)
        created = c.create(configmap("web", {"app": "web"}, {"a": "1"}))
        self.assertIsInstance(created, dict)
        self.assertEqual(created["metadata"]["namespace"], "default")
        self.assertTrue(created["metadata"]["uid"])
        self.assertTrue(created["metadata"]["resourceVersion"])

        got = c.get("v1", "ConfigMap", "web")
        self.assertEqual(got["data"], {"a": "1"})
        self.assertEqual(got["metadata"]["uid"], created["metadata"]["uid"])

        got["data"]["b"] = "2"
        updated = c.update(got)
        self.assertEqual(updated["data"], {"a": "1", "b": "2"})
        self.assertNotEqual(updated["metadata"]["resourceVersion"],
                            got["metadata"]["resourceVersion"])

        answer = c.delete("v1", "ConfigMap", "web", namespace="default")
        self.assertIsInstance(answer, dict)
        with self.assertRaises(k8sc.NotFound):
            c.get("v1", "ConfigMap", "web")
        with self.assertRaises(k8sc.NotFound):
            c.delete("v1", "ConfigMap", "web")

    def test_update_status(self):
        c = self.client
        d = c.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                      "spec": {"replicas": 2, "selector": {"matchLabels": {"a": "b"}},
                               "template": {"metadata": {"labels": {"a": "b"}},
                                            "spec": {"containers": [{"name": "c", "image": "i"}]}}}})
        d["status"] = {"replicas": 7}
        d["spec"]["replicas"] = 9
        out = c.update_status(d)
        # Only the status changed through the subresource.
        self.assertEqual(out["status"]["replicas"], 7)
        self.assertEqual(out["spec"]["replicas"], 2)
        with self.assertRaises(k8sc.Conflict):
            c.update_status(d)
        cm = c.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
        with self.assertRaises(k8sc.NotFound):
            c.update_status(cm)

    def test_objects_are_accepted_as_well_as_dicts(self):
        obj = k8sc.Object.from_dict(configmap("from-object"))
        created = self.client.create(obj)
        self.assertEqual(created["metadata"]["name"], "from-object")
        self.assertFalse(obj.closed, "the caller's Object must stay usable")
        with self.assertRaises(TypeError):
            self.client.create(["not", "an", "object"])

    def test_namespaces_and_cluster_scoped_kinds(self):
        self.client.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
        self.client.create(configmap("a", namespace="team"))
        self.client.create(configmap("b"))
        in_team = self.client.list("v1", "ConfigMap", "team")
        self.assertEqual([o["metadata"]["name"] for o in in_team], ["a"])
        everywhere = {(o["metadata"]["namespace"], o["metadata"]["name"])
                      for o in self.client.list("v1", "ConfigMap", "")}
        self.assertLessEqual({("team", "a"), ("default", "b")}, everywhere)
        self.assertEqual(self.client.get("v1", "Namespace", "team")["metadata"]["name"], "team")

    def test_list_with_selectors(self):
        c = self.client
        c.create(configmap("web-1", {"app": "web", "tier": "front"}))
        c.create(configmap("web-2", {"app": "web", "tier": "back"}))
        c.create(configmap("db", {"app": "db"}))

        def names(**kw):
            return sorted(o["metadata"]["name"] for o in c.list("v1", "ConfigMap", **kw))

        self.assertEqual(names(label_selector="app=web"), ["web-1", "web-2"])
        self.assertEqual(names(label_selector="app=web,tier!=back"), ["web-1"])
        self.assertEqual(names(label_selector="app in (db,cache)"), ["db"])
        self.assertEqual(names(label_selector="app=none"), [])
        self.assertEqual(names(field_selector="metadata.name=db"), ["db"])
        with self.assertRaises(k8sc.Invalid):
            c.list("v1", "ConfigMap", label_selector="app in (a")

    def test_patch_types(self):
        c = self.client
        c.create(configmap("p", {"app": "p"}, {"a": "1", "b": "2"}))
        merged = c.patch("v1", "ConfigMap", "p", {"data": {"a": None, "c": "3"}})
        self.assertEqual(merged["data"], {"b": "2", "c": "3"})
        jsonp = c.patch("v1", "ConfigMap", "p",
                        [{"op": "replace", "path": "/data/b", "value": "two"},
                         {"op": "add", "path": "/metadata/labels/x", "value": "y"}], type="json")
        self.assertEqual(jsonp["data"], {"b": "two", "c": "3"})
        self.assertEqual(jsonp["metadata"]["labels"], {"app": "p", "x": "y"})
        strategic = c.patch("v1", "ConfigMap", "p", '{"data": {"d": "4"}}', type="strategic")
        self.assertEqual(strategic["data"], {"b": "two", "c": "3", "d": "4"})
        self.assertEqual(c.get("v1", "ConfigMap", "p")["data"], strategic["data"])

    def test_strategic_patch_merges_lists_by_key(self):
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod"},
               "spec": {"containers": [{"name": "a", "image": "nginx:1"},
                                       {"name": "b", "image": "redis:1"}]}}
        self.client.create(pod)
        out = self.client.patch("v1", "Pod", "pod",
                                {"spec": {"containers": [{"name": "b", "image": "redis:2"}]}},
                                type="strategic")
        self.assertEqual([(x["name"], x["image"]) for x in out["spec"]["containers"]],
                         [("a", "nginx:1"), ("b", "redis:2")])

    def test_bad_patches(self):
        self.client.create(configmap("p"))
        with self.assertRaises(k8sc.Invalid):
            self.client.patch("v1", "ConfigMap", "p", {"data": {}}, type="apply")
        with self.assertRaises(k8sc.Invalid):
            self.client.patch("v1", "ConfigMap", "p", "{not json")
        with self.assertRaises(k8sc.ApiError):
            self.client.patch("v1", "ConfigMap", "p",
                              [{"op": "remove", "path": "/data/missing"}], type="json")
        with self.assertRaises(k8sc.NotFound):
            self.client.patch("v1", "ConfigMap", "absent", {"data": {"a": "b"}})

    def test_delete_with_propagation_policy(self):
        # With no garbage collector running, Orphan and Foreground leave the
        # object marked for deletion behind their finalizer, as Kubernetes does.
        for policy, finalizer in (("Orphan", "orphan"), ("Foreground", "foregroundDeletion")):
            with self.subTest(policy=policy):
                name = policy.lower()
                self.client.create(configmap(name))
                answer = self.client.delete("v1", "ConfigMap", name, propagation_policy=policy)
                self.assertEqual(answer["metadata"]["finalizers"], [finalizer])
                self.assertIn("deletionTimestamp", answer["metadata"])
                still = self.client.get("v1", "ConfigMap", name)
                self.assertIn("deletionTimestamp", still["metadata"])
        self.client.create(configmap("background"))
        self.client.delete("v1", "ConfigMap", "background", propagation_policy="Background")
        with self.assertRaises(k8sc.NotFound):
            self.client.get("v1", "ConfigMap", "background")
        with self.assertRaises(k8sc.Invalid) as cm:
            self.client.delete("v1", "ConfigMap", "orphan", propagation_policy="Bogus")
        self.assertIn('Unsupported value: "Bogus"', str(cm.exception))

    def test_bad_arguments_are_clean_errors(self):
        with self.assertRaises(TypeError):
            self.client.get("v1", "ConfigMap", None)
        with self.assertRaises(k8sc.Invalid):
            self.client.get("v1", "ConfigMap", "a\0b")
        for bad in (-1, float("nan"), float("inf")):
            with self.assertRaises(k8sc.Invalid):
                self.client.watch("v1", "ConfigMap", timeout=bad)
        with self.assertRaises(TypeError):
            self.client.watch("v1", "ConfigMap", timeout="1")


class ErrorTest(ServerTest):
    def test_get_missing_is_not_found_with_the_status(self):
        with self.assertRaises(k8sc.NotFound) as cm:
            self.client.get("v1", "ConfigMap", "missing")
        e = cm.exception
        self.assertEqual(str(e), 'configmaps "missing" not found')
        self.assertEqual(e.code, -4)
        self.assertEqual(e.reason, "NotFound")
        self.assertEqual(e.http_status, 404)
        self.assertEqual(e.status["kind"], "Status")
        self.assertEqual(e.status["details"]["name"], "missing")
        self.assertIsInstance(e, LookupError)

    def test_create_twice_is_already_exists(self):
        self.client.create(configmap("twice"))
        with self.assertRaises(k8sc.AlreadyExists) as cm:
            self.client.create(configmap("twice"))
        self.assertEqual(cm.exception.reason, "AlreadyExists")
        self.assertEqual(cm.exception.http_status, 409)
        self.assertIn('"twice" already exists', str(cm.exception))

    def test_stale_update_is_conflict(self):
        first = self.client.create(configmap("c"))
        fresh = dict(first, data={"k": "new"})
        self.client.update(fresh)
        stale = dict(first, data={"k": "stale"})
        with self.assertRaises(k8sc.Conflict) as cm:
            self.client.update(stale)
        self.assertEqual(cm.exception.reason, "Conflict")
        self.assertIn("the object has been modified", str(cm.exception))
        self.assertEqual(self.client.get("v1", "ConfigMap", "c")["data"], {"k": "new"})

    def test_invalid_object_has_causes(self):
        with self.assertRaises(k8sc.Invalid) as cm:
            self.client.create(configmap("Bad_Name"))
        e = cm.exception
        self.assertTrue(str(e).startswith(
            'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value'), str(e))
        self.assertEqual(e.reason, "Invalid")
        self.assertEqual(e.http_status, 422)
        self.assertGreaterEqual(len(e.causes), 1)
        self.assertEqual(e.causes[0]["field"], "metadata.name")
        self.assertEqual(e.causes[0]["reason"], "FieldValueInvalid")
        self.assertIsInstance(e, ValueError)

    def test_unknown_kind_has_no_stale_status(self):
        with self.assertRaises(k8sc.NotFound):
            self.client.get("v1", "ConfigMap", "missing")
        with self.assertRaises(k8sc.NotFound) as cm:
            self.client.get("v1", "NoSuchKind", "x")
        self.assertEqual(str(cm.exception), 'no matches for kind "NoSuchKind" in version "v1"')
        self.assertIsNone(cm.exception.status)
        self.assertEqual(cm.exception.causes, [])
        self.assertEqual(cm.exception.reason, "NotFound")

    def test_errors_carry_their_own_status_across_threads(self):
        results = {}

        def worker(i):
            try:
                self.client.get("v1", "ConfigMap", "missing-%d" % i)
            except k8sc.NotFound as e:
                results[i] = e.status["details"]["name"]

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(results, {i: "missing-%d" % i for i in range(8)})


class UnreachableTest(unittest.TestCase):
    def test_refused_connection_is_unavailable(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        client = k8sc.Client(server="http://127.0.0.1:%d" % port)  # default timeout and retries
        start = time.monotonic()
        with self.assertRaises(k8sc.Unavailable) as cm:
            client.get("v1", "ConfigMap", "x")
        self.assertIn("127.0.0.1:%d" % port, str(cm.exception))
        self.assertIsInstance(cm.exception, k8sc.ApiError)
        self.assertIsInstance(cm.exception, ConnectionError)
        self.assertIsNone(cm.exception.status)
        self.assertEqual(cm.exception.reason, "ServiceUnavailable")
        with self.assertRaises(k8sc.Unavailable):
            client.watch("v1", "ConfigMap", timeout=1)
        with self.assertRaises(k8sc.Unavailable):
            client.create(configmap("x"))
        self.assertLess(time.monotonic() - start, 10)
        client.close()

    def test_silent_server_times_out(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(8)  # accepts connections in the kernel, never answers
            url = "http://127.0.0.1:%d" % s.getsockname()[1]
            with k8sc.Client(server=url, timeout=0.5, max_retries=0) as client:
                start = time.monotonic()
                with self.assertRaises(k8sc.Timeout):
                    client.get("v1", "ConfigMap", "x")
                self.assertLess(time.monotonic() - start, 10)
                with self.assertRaises(k8sc.Timeout):
                    client.watch("v1", "ConfigMap", timeout=1)
                self.assertLess(time.monotonic() - start, 20)

    def test_bad_configuration(self):
        with self.assertRaises(k8sc.Invalid):
            k8sc.Client(server="")
        with self.assertRaises(k8sc.Invalid):
            k8sc.Client(timeout=-1, server="http://127.0.0.1:1")


@unittest.skipUnless(APISERVER, "k8sc-apiserver not found (set K8SC_APISERVER)")
class KubeconfigTest(unittest.TestCase):
    def setUp(self):
        self.server = ApiServer()
        self.addCleanup(self.server.stop)
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.path = os.path.join(self.dir.name, "config")
        with open(self.path, "w") as f:
            json.dump({
                "apiVersion": "v1", "kind": "Config", "current-context": "main",
                "clusters": [{"name": "local", "cluster": {"server": self.server.url}},
                             {"name": "nowhere", "cluster": {"server": "http://127.0.0.1:1"}}],
                "users": [{"name": "me", "user": {}}],
                "contexts": [
                    {"name": "main", "context": {"cluster": "local", "user": "me"}},
                    {"name": "team", "context": {"cluster": "local", "user": "me",
                                                 "namespace": "team"}},
                    {"name": "broken", "context": {"cluster": "nowhere", "user": "me"}}],
            }, f)

    def test_context_chooses_server_and_namespace(self):
        with k8sc.Client(kubeconfig=self.path) as main:
            self.assertEqual(main.namespace, "default")
            self.assertEqual(main.server, self.server.url)
        with k8sc.Client(kubeconfig=[self.path], context="team") as team:
            self.assertEqual(team.namespace, "team")
            team.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
            created = team.create(configmap("in-team"))
            self.assertEqual(created["metadata"]["namespace"], "team")
            got = team.get("v1", "ConfigMap", "in-team")
            self.assertEqual(got["metadata"]["namespace"], "team")

    def test_server_overrides_the_context(self):
        with k8sc.Client(kubeconfig=self.path, context="broken", server=self.server.url) as c:
            self.assertEqual(c.server, self.server.url)
            self.assertEqual(c.list("v1", "ConfigMap"), [])

    def test_unknown_context(self):
        with self.assertRaises(k8sc.Invalid) as cm:
            k8sc.Client(kubeconfig=self.path, context="nope")
        self.assertIn('context "nope" does not exist', str(cm.exception))

    def test_missing_kubeconfig(self):
        with self.assertRaises(k8sc.NotFound):
            k8sc.Client(kubeconfig=os.path.join(self.dir.name, "absent"))


class WatchTest(ServerTest):
    def test_events_in_order(self):
        c = self.client
        with c.watch("v1", "ConfigMap", timeout=2) as w:
            c.create(configmap("w", {"app": "w"}))
            c.patch("v1", "ConfigMap", "w", {"data": {"k": "changed"}})
            c.delete("v1", "ConfigMap", "w")
            events = [(e.type, e.object["metadata"]["name"]) for e in w]
        self.assertEqual(events, [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")])
        self.assertTrue(w.closed)

    def test_event_objects_are_dicts(self):
        w = self.client.watch("v1", "ConfigMap", timeout=2)
        self.client.create(configmap("obj", data={"a": "1"}))
        event = next(w)
        self.assertIsInstance(event, k8sc.WatchEvent)
        self.assertEqual(event.type, "ADDED")
        self.assertEqual(event.object["data"], {"a": "1"})
        w.close()
        self.assertEqual(list(w), [])

    def test_existing_objects_come_first_then_resource_version_skips_them(self):
        c = self.client
        c.create(configmap("old"))
        w = c.watch("v1", "ConfigMap", timeout=1)
        self.assertEqual([(e.type, e.object["metadata"]["name"]) for e in w], [("ADDED", "old")])
        rv = c.get("v1", "ConfigMap", "old")["metadata"]["resourceVersion"]
        w = c.watch("v1", "ConfigMap", resource_version=rv, timeout=1)
        c.create(configmap("new"))
        self.assertEqual([(e.type, e.object["metadata"]["name"]) for e in w], [("ADDED", "new")])

    def test_label_selector(self):
        c = self.client
        w = c.watch("v1", "ConfigMap", label_selector="app=yes", timeout=1)
        c.create(configmap("no", {"app": "no"}))
        c.create(configmap("yes", {"app": "yes"}))
        self.assertEqual([e.object["metadata"]["name"] for e in w], ["yes"])

    def test_idle_timeout_ends_iteration_in_time(self):
        w = self.client.watch("v1", "ConfigMap", timeout=0.3)
        start = time.monotonic()
        self.assertEqual(list(w), [])
        elapsed = time.monotonic() - start
        self.assertGreaterEqual(elapsed, 0.25)
        self.assertLess(elapsed, 3)
        self.assertTrue(w.closed)

    def test_close_from_another_thread_stops_a_blocked_iteration(self):
        w = self.client.watch("v1", "ConfigMap")
        got = []
        t = threading.Thread(target=lambda: got.extend(w))
        t.start()
        time.sleep(0.3)
        w.close()
        t.join(5)
        self.assertFalse(t.is_alive())
        self.assertEqual(got, [])

    def test_closing_the_client_closes_its_watches(self):
        w = self.client.watch("v1", "ConfigMap")
        owner = self.client._owner
        self.client.close()
        self.assertTrue(w.closed)
        self.assertIsNone(owner.handle, "the C client must be freed")
        self.assertTrue(self.client.closed)
        with self.assertRaises(ValueError):
            self.client.get("v1", "ConfigMap", "x")
        self.client.close()

    def test_watch_outliving_its_client_object(self):
        client = k8sc.Client(server=self.server.url)
        w = client.watch("v1", "ConfigMap", timeout=2)
        del client
        gc.collect()
        self.client.create(configmap("late"))
        self.assertEqual(next(w).object["metadata"]["name"], "late")
        del w
        gc.collect()

    def test_iterating_a_temporary_client_watch(self):
        self.client.create(configmap("seen"))
        events = list(k8sc.Client(server=self.server.url).watch("v1", "ConfigMap", timeout=0.5))
        self.assertEqual([e.object["metadata"]["name"] for e in events], ["seen"])

    def test_refused_watch_raises_the_servers_error(self):
        with self.assertRaises(k8sc.Invalid) as cm:
            self.client.watch("v1", "ConfigMap", resource_version="abc", timeout=1)
        self.assertEqual(str(cm.exception), "invalid resource version: abc")
        self.assertEqual(cm.exception.reason, "BadRequest")
        with self.assertRaises(k8sc.NotFound):
            self.client.watch("v1", "NoSuchKind", timeout=1)
        # The failed opens gave back their hold on the C client: closing frees it.
        owner = self.client._owner
        self.client.close()
        self.assertIsNone(owner.handle)


    def test_server_going_away_ends_the_watch_with_an_error(self):
        self.client.create(configmap("a"))
        w = self.client.watch("v1", "ConfigMap")
        self.assertEqual(next(w).type, "ADDED")
        timer = threading.Timer(0.3, self.server.stop)
        timer.start()
        start = time.monotonic()
        with self.assertRaises(k8sc.K8scError):
            list(w)
        timer.join()
        self.assertLess(time.monotonic() - start, 10)
        self.assertTrue(w.closed)


class ThreadTest(ServerTest):
    def test_one_client_many_threads(self):
        errors = []

        def worker(i):
            try:
                for j in range(20):
                    name = "t%d-%d" % (i, j)
                    self.client.create(configmap(name, {"thread": str(i)}))
                    got = self.client.get("v1", "ConfigMap", name)
                    self.assertEqual(got["metadata"]["name"], name)
                mine = self.client.list("v1", "ConfigMap", label_selector="thread=%d" % i)
                self.assertEqual(len(mine), 20)
            except Exception as e:  # reported below, in the test's thread
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(len(self.client.list("v1", "ConfigMap")), 80)


    def test_close_while_other_threads_call(self):
        outcomes = []

        def worker():
            try:
                for _ in range(500):
                    self.client.list("v1", "ConfigMap")
                outcomes.append("finished")
            except ValueError as e:  # "client is closed": the only acceptable failure
                outcomes.append(str(e))
            except Exception as e:
                outcomes.append(repr(e))

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.05)
        self.client.close()
        for t in threads:
            t.join(60)
        self.assertEqual(len(outcomes), 4)
        self.assertLessEqual(set(outcomes), {"finished", "client is closed"})


class ClientMemoryTest(ServerTest):
    def cycle(self, i):
        c = self.client
        name = "m-%d" % (i % 7)
        c.create(configmap(name, {"app": "mem"}, {"note": "x" * 512}))
        assert c.get("v1", "ConfigMap", name)["metadata"]["name"] == name
        assert len(c.list("v1", "ConfigMap", label_selector="app=mem")) == 1
        c.delete("v1", "ConfigMap", name)
        try:
            c.get("v1", "ConfigMap", name)  # an error with a Status, converted and freed
        except k8sc.NotFound:
            pass
        if i % 50 == 0:
            with c.watch("v1", "ConfigMap", timeout=0) as w:
                list(w)

    @unittest.skipUnless(os.path.exists("/proc/self/status"), "needs /proc")
    def test_rss_stays_flat(self):
        for i in range(300):  # warm up allocator, discovery and connection caches
            self.cycle(i)
        gc.collect()
        before = vm_rss_bytes()
        for i in range(2000):
            self.cycle(i)
        gc.collect()
        grown = vm_rss_bytes() - before
        # Each cycle hands over several KiB of objects and strings; leaking
        # any of them would grow RSS by many MiB.
        self.assertLess(grown, 4 << 20, "RSS grew by %d bytes over 2,000 cycles" % grown)


if __name__ == "__main__":
    unittest.main()
