"""The scheduler with Python plugins against a live k8sc-apiserver (see test_client.py)."""

import os
import tempfile
import time
import unittest

import k8sc
from test_client import ServerTest


def node(client, name, labels=None, cpu="4"):
    made = client.create({"apiVersion": "v1", "kind": "Node",
                          "metadata": {"name": name, "labels": labels or {}}})
    made["status"] = {"allocatable": {"cpu": cpu, "memory": "8Gi", "pods": "110"}}
    client.update_status(made)


def pod(client, name, scheduler=None):
    spec = {"containers": [{"name": "c", "image": "img"}]}
    if scheduler:
        spec["schedulerName"] = scheduler
    client.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec})


class SchedulerTest(ServerTest):
    def run_until(self, sched, cond, seconds=10):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            sched.run(timeout=0.1)
            if cond():
                return
        self.fail("condition not met in %s s" % seconds)

    def node_of(self, name):
        return self.client.get("v1", "Pod", name)["spec"].get("nodeName", "")

    def message_of(self, name):
        for c in self.client.get("v1", "Pod", name).get("status", {}).get("conditions", []):
            if c["type"] == "PodScheduled" and c["status"] == "False":
                return c["message"]
        return ""

    def test_filter_and_score(self):
        seen = []

        def no_a(p, n):
            seen.append((p["metadata"]["name"], n["metadata"]["name"]))
            return n["metadata"]["name"] != "a"

        def prefer_fast(p, n):
            return 100 if n["metadata"]["labels"].get("fast") else 0

        for name, labels in (("a", {"fast": "yes"}), ("b", None), ("c", {"fast": "yes"})):
            node(self.client, name, labels)
        pod(self.client, "p")
        with k8sc.Scheduler(self.client, filter=no_a, score=prefer_fast, score_weight=10) as s:
            self.run_until(s, lambda: self.node_of("p"))
        # "a" scores best but is filtered out; "c" outscores "b".
        self.assertEqual(self.node_of("p"), "c")
        self.assertIn(("p", "a"), seen)

    def test_filter_reason_in_the_message(self):
        node(self.client, "a")
        pod(self.client, "p")
        with k8sc.Scheduler(self.client, filter=lambda p, n: "node(s) were not blessed") as s:
            self.run_until(s, lambda: self.message_of("p"))
        self.assertEqual(self.message_of("p"),
                         "0/1 nodes are available: 1 node(s) were not blessed. preemption: 0/1 nodes are "
                         "available: 1 No preemption victims found for incoming pod.")
        self.assertEqual(self.node_of("p"), "")

    def test_plugin_exceptions_do_not_bind(self):
        node(self.client, "a")
        pod(self.client, "p")
        calls = []

        def broken(p, n):
            calls.append(n["metadata"]["name"])
            raise RuntimeError("boom")

        with self.assertLogs("k8sc.scheduler", "ERROR"):
            with k8sc.Scheduler(self.client, score=broken) as s:
                self.run_until(s, lambda: calls)
                s.run(timeout=0.3)
        self.assertEqual(self.node_of("p"), "")

    def test_config_profiles_and_names(self):
        node(self.client, "a")
        pod(self.client, "mine", scheduler="picky")
        pod(self.client, "other", scheduler="lenient")
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("apiVersion: kubescheduler.config.k8s.io/v1\n"
                    "kind: KubeSchedulerConfiguration\n"
                    "profiles:\n"
                    "- schedulerName: picky\n"
                    "- schedulerName: lenient\n"
                    "  plugins:\n"
                    "    filter:\n"
                    "      disabled: [{name: NoA}]\n")
        self.addCleanup(os.unlink, f.name)
        with k8sc.Scheduler(self.client, filter=lambda p, n: False, filter_name="NoA", config=f.name) as s:
            self.run_until(s, lambda: self.node_of("other") and self.message_of("mine"))
        self.assertEqual(self.node_of("other"), "a")
        self.assertEqual(self.node_of("mine"), "")

    def test_bad_config_is_invalid(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
                    "profiles: [{plugins: {filter: {enabled: [{name: Nope}]}}}]\n")
        self.addCleanup(os.unlink, f.name)
        with self.assertRaises(k8sc.Invalid) as cm:
            k8sc.Scheduler(self.client, config=f.name)
        self.assertIn("unknown plugin \"Nope\"", str(cm.exception))
        with self.assertRaises(TypeError):
            k8sc.Scheduler(self.client, filter=3)
        with self.assertRaises(k8sc.Invalid):
            k8sc.Scheduler(self.client, score=lambda p, n: 0, score_weight=0)

    def test_close_is_idempotent(self):
        s = k8sc.Scheduler(self.client)
        s.close()
        s.close()
        self.assertTrue(s.closed)
        with self.assertRaises(ValueError):
            s.process()


if __name__ == "__main__":
    unittest.main()
