"""The resource registry, resolving names as kubectl does."""

import unittest

import k8sc


class LookupTest(unittest.TestCase):
    # (name, apiVersion, kind, plural, namespaced)
    TABLE = [
        ("deploy", "apps/v1", "Deployment", "deployments", True),
        ("deployments", "apps/v1", "Deployment", "deployments", True),
        ("deployment", "apps/v1", "Deployment", "deployments", True),
        ("Deployment", "apps/v1", "Deployment", "deployments", True),
        ("deployments.apps", "apps/v1", "Deployment", "deployments", True),
        ("deployments.v1.apps", "apps/v1", "Deployment", "deployments", True),
        ("po", "v1", "Pod", "pods", True),
        ("PODS", "v1", "Pod", "pods", True),
        ("svc", "v1", "Service", "services", True),
        ("ns", "v1", "Namespace", "namespaces", False),
        ("no", "v1", "Node", "nodes", False),
        ("cm", "v1", "ConfigMap", "configmaps", True),
        ("sts", "apps/v1", "StatefulSet", "statefulsets", True),
        ("cj", "batch/v1", "CronJob", "cronjobs", True),
        ("crd", "apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions", False),
        ("ev", "v1", "Event", "events", True),  # the core Event wins over events.k8s.io
    ]

    def test_lookup(self):
        for name, api_version, kind, plural, namespaced in self.TABLE:
            with self.subTest(name=name):
                info = k8sc.lookup(name)
                self.assertEqual((info.api_version, info.kind, info.plural, info.namespaced),
                                 (api_version, kind, plural, namespaced))

    def test_deployment_details(self):
        info = k8sc.Registry.default().lookup("deploy")
        self.assertEqual(info.group, "apps")
        self.assertEqual(info.version, "v1")
        self.assertEqual(info.list_kind, "DeploymentList")
        self.assertEqual(info.singular, "deployment")
        self.assertEqual(info.short_names, ("deploy",))
        self.assertEqual(info.subresources, ("status", "scale"))
        self.assertIn("all", info.categories)
        self.assertEqual(sorted(info.verbs), ["create", "delete", "deletecollection", "get",
                                              "list", "patch", "update", "watch"])
        self.assertEqual(k8sc.lookup("pods").group, "")

    def test_unknown(self):
        for name in ("nosuch", "deployments.v2.apps", ""):
            with self.subTest(name=name):
                with self.assertRaises(k8sc.NotFound) as cm:
                    k8sc.lookup(name)
                self.assertEqual(str(cm.exception), 'the server doesn\'t have a resource type "%s"' % name)
        self.assertNotIn("nosuch", k8sc.Registry.default())
        self.assertIn("deploy", k8sc.Registry.default())


class RegistryTest(unittest.TestCase):
    def test_find(self):
        reg = k8sc.Registry.default()
        self.assertEqual(reg.find_gvk("apps/v1", "Deployment").plural, "deployments")
        self.assertEqual(reg.find_kind("", "Pod").plural, "pods")
        self.assertEqual(reg.find_resource("apps", "deployments", "v1").kind, "Deployment")
        self.assertIsNone(reg.find_gvk("v1", "Deployment"))
        self.assertIsNone(reg.find_resource("apps", "deployments", "v1beta1"))

    def test_iteration(self):
        reg = k8sc.Registry.default()
        infos = list(reg)
        self.assertEqual(len(infos), len(reg))
        self.assertEqual((infos[0].api_version, infos[0].kind), ("v1", "Pod"))
        self.assertIn(("apps", "Deployment"), {(i.group, i.kind) for i in infos})

    def test_private_registries(self):
        with k8sc.Registry() as reg:
            n = len(reg)
            reg.remove("apps", "deployments")
            self.assertEqual(len(reg), n - 1)
            self.assertNotIn("deploy", reg)
            with self.assertRaises(k8sc.NotFound):
                reg.remove("apps", "deployments")
        # The shared registry is untouched.
        self.assertIn("deploy", k8sc.Registry.default())
        self.assertEqual(len(k8sc.Registry(empty=True)), 0)

    def test_closing_the_default_registry_does_not_free_it(self):
        reg = k8sc.Registry.default()
        reg.close()
        with self.assertRaises(ValueError):
            reg.lookup("po")
        self.assertEqual(k8sc.lookup("po").kind, "Pod")

    def test_info_is_a_value(self):
        with k8sc.Registry() as reg:
            info = reg.lookup("deploy")
        self.assertEqual(info.kind, "Deployment")  # still readable after the registry is gone
        self.assertEqual(info, k8sc.lookup("deploy"))
        with self.assertRaises(AttributeError):
            info.kind = "Other"


if __name__ == "__main__":
    unittest.main()
