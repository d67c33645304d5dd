"""Everything the C side hands over is freed: RSS stays flat over many cycles."""

import gc
import json
import os
import unittest

import k8sc

POD = json.dumps({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web-0", "namespace": "default", "labels": {"app": "web"},
                 "annotations": {"note": "x" * 512}},
    "spec": {"containers": [{"name": "web", "image": "nginx",
                             "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}}]},
})


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cycle(sel, i):
    obj = k8sc.Object.from_json(POD)
    obj.labels["i"] = str(i)
    obj.set("spec.extra", {"list": [i, "x"]})
    twin = obj.copy()
    assert twin == obj
    assert sel.matches(obj) and sel.matches({"app": "web"})
    assert len(obj.to_json()) > 512 and obj.to_yaml()
    assert k8sc.pod_requests(obj)["cpu"] == "250m"
    assert k8sc.validate_object_meta(obj, True) == []
    assert k8sc.validate_dns1123_label("Bad")  # an error list, built and freed
    assert str(k8sc.Quantity("0.5Gi") + "512Mi") == "1Gi"
    assert str(k8sc.Selector("tier in (b,a)")) == "tier in (a,b)"
    assert k8sc.load_yaml("a: [1, 2]") == {"a": [1, 2]}
    try:
        k8sc.Object.from_json('{"broken": ')
    except k8sc.Invalid:
        pass
    try:
        obj.set("spec.containers[9]", {"x": 1})  # failed set: the tree must still be freed
    except k8sc.NotFound:
        pass
    with k8sc.Object("v1", "Pod"):
        pass


class MemoryTest(unittest.TestCase):
    @unittest.skipUnless(os.path.exists("/proc/self/statm"), "needs /proc")
    def test_rss_stays_bounded(self):
        sel = k8sc.Selector("app=web")
        for i in range(1000):  # warm up allocator and caches
            cycle(sel, i)
        gc.collect()
        before = rss_bytes()
        for i in range(10000):
            cycle(sel, i)
        gc.collect()
        grown = rss_bytes() - before
        # Each cycle allocates several KiB on the C side; leaking any of it
        # would grow RSS by tens of MiB.
        self.assertLess(grown, 4 << 20, "RSS grew by %d bytes over 10,000 cycles" % grown)


if __name__ == "__main__":
    unittest.main()
