"""The resource registry: which kinds exist, their plural names and scope."""

from __future__ import annotations

from ctypes import byref, c_void_p
from dataclasses import dataclass

from ._lib import C, Handle, check, dec, enc, enc_opt, strv
from .errors import NotFound

__all__ = ["ResourceInfo", "Registry", "lookup"]


@dataclass(frozen=True)
class ResourceInfo:
    """A kind the API serves (a copy: it does not depend on the registry)."""

    group: str
    version: str
    kind: str
    list_kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple
    subresources: tuple
    categories: tuple
    verbs: tuple

    @property
    def api_version(self) -> str:
        """"apps/v1", or "v1" for the core group."""
        return "%s/%s" % (self.group, self.version) if self.group else self.version

    @classmethod
    def _from_c(cls, r: int) -> "ResourceInfo":
        return cls(
            group=dec(C.k8sc_resource_group(r)) or "",
            version=dec(C.k8sc_resource_version(r)),
            kind=dec(C.k8sc_resource_kind(r)),
            list_kind=dec(C.k8sc_resource_list_kind(r)),
            plural=dec(C.k8sc_resource_plural(r)),
            singular=dec(C.k8sc_resource_singular(r)),
            namespaced=bool(C.k8sc_resource_namespaced(r)),
            short_names=strv(C.k8sc_resource_short_names(r)),
            subresources=strv(C.k8sc_resource_subresources(r)),
            categories=strv(C.k8sc_resource_categories(r)),
            verbs=strv(C.k8sc_resource_verbs(r)),
        )


class Registry(Handle):
    """A set of resource kinds. Registry() is a private registry holding the
    built-in kinds, Registry(empty=True) one holding none, and
    Registry.default() the process-wide shared one (never freed)."""

    __slots__ = ("_owned",)
    _what = "registry"

    def __init__(self, empty: bool = False):
        out = c_void_p()
        check((C.k8sc_registry_new_empty if empty else C.k8sc_registry_new)(byref(out)))
        self._h = out.value
        self._owned = True

    @classmethod
    def default(cls) -> "Registry":
        self = cls._adopt(C.k8sc_registry_default())
        self._owned = False
        return self

    @staticmethod
    def _free_fn(handle):
        C.k8sc_registry_free(handle)

    def close(self) -> None:
        if getattr(self, "_owned", False):
            super().close()
        else:
            self._h = None

    @staticmethod
    def _info(r) -> ResourceInfo | None:
        return ResourceInfo._from_c(r) if r else None

    def lookup(self, name: str) -> ResourceInfo:
        """Resolve a name as kubectl does ("deploy", "pods", "Pod",
        "deployments.apps", "deployments.v1.apps"); NotFound if unknown."""
        r = C.k8sc_registry_lookup(self._handle, enc(name, "resource name"))
        if not r:
            raise NotFound('the server doesn\'t have a resource type "%s"' % name)
        return ResourceInfo._from_c(r)

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and "\0" not in name and \
            bool(C.k8sc_registry_lookup(self._handle, enc(name)))

    def find_gvk(self, api_version: str, kind: str) -> ResourceInfo | None:
        """Find by apiVersion ("apps/v1", "v1") and kind, as manifests name them."""
        return self._info(C.k8sc_registry_find_gvk(
            self._handle, enc(api_version, "api_version"), enc(kind, "kind")))

    def find_kind(self, group: str, kind: str, version: str | None = None) -> ResourceInfo | None:
        """Find by group ("" for core), kind and version (None: the preferred one)."""
        return self._info(C.k8sc_registry_find_kind(
            self._handle, enc(group, "group"), enc_opt(version, "version"), enc(kind, "kind")))

    def find_resource(self, group: str, plural: str, version: str | None = None) -> ResourceInfo | None:
        """Find by group, plural resource name and version (None: the preferred one)."""
        return self._info(C.k8sc_registry_find_resource(
            self._handle, enc(group, "group"), enc_opt(version, "version"), enc(plural, "plural")))

    def remove(self, group: str, plural: str, version: str | None = None) -> None:
        """Remove group/version/plural (every version when None)."""
        check(C.k8sc_registry_remove(self._handle, enc(group, "group"),
                                     enc_opt(version, "version"), enc(plural, "plural")))

    def __len__(self) -> int:
        return C.k8sc_registry_count(self._handle)

    def __iter__(self):
        h = self._handle
        i = 0
        while True:
            r = C.k8sc_registry_at(h, i)
            if not r:
                return
            yield ResourceInfo._from_c(r)
            i += 1


def lookup(name: str) -> ResourceInfo:
    """Registry.default().lookup(name)."""
    return Registry.default().lookup(name)
