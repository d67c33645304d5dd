"""Kubernetes objects (k8sc_object) and manifest decoding."""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, MutableMapping
from ctypes import byref, c_bool, c_int64, c_size_t, c_void_p, POINTER

from . import _lib
from ._lib import (C, Handle, OwnerRefStruct, META_FOREACH_FN, check, dec, enc,
                   enc_opt, raw, last_error)
from .errors import NotFound

__all__ = ["Object", "MetaMap", "decode_manifests"]

_LABELS = 0
_ANNOTATIONS = 1
_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


def _str_property(field: str, doc: str):
    getter = getattr(C, "k8sc_object_" + field)
    setter = getattr(C, "k8sc_object_set_" + field)

    def fget(self):
        return dec(getter(self._handle))

    def fset(self, value):
        check(setter(self._handle, enc_opt(value, field)))

    def fdel(self):
        check(setter(self._handle, None))

    return property(fget, fset, fdel, doc + " (str or None; None or del removes it).")


def _time_property(field: str, doc: str):
    getter = getattr(C, "k8sc_object_" + field)
    setter = getattr(C, "k8sc_object_set_" + field)

    def fget(self):
        out = c_int64()
        rc = getter(self._handle, byref(out))
        if rc == NotFound.code:
            return None
        check(rc)
        return out.value

    def fset(self, value):
        if value is None:
            check(setter(self._handle, False, 0))
            return
        if isinstance(value, datetime.datetime):
            if value.tzinfo is None:
                raise ValueError("a naive datetime is ambiguous; give it a tzinfo")
            value = int(value.timestamp())
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("%s must be int seconds, a datetime or None" % field)
        check(setter(self._handle, True, value))

    def fdel(self):
        fset(self, None)

    return property(fget, fset, fdel, doc + " (int seconds since the epoch, or None).")


class Object(Handle):
    """A Kubernetes object of any kind: a JSON tree that keeps unknown fields.

    Not safe to modify from several threads at once (neither is the C object).
    """

    __slots__ = ()
    _free_fn = staticmethod(C.k8sc_object_free)
    _what = "object"

    def __init__(self, api_version: str | None = None, kind: str | None = None):
        out = c_void_p()
        check(C.k8sc_object_new(byref(out), enc_opt(api_version, "api_version"),
                                enc_opt(kind, "kind")))
        self._h = out.value

    # ---- constructors and encoders ----

    @classmethod
    def from_json(cls, text) -> "Object":
        """Decode one JSON object (str or bytes). Invalid names line and column."""
        data = raw(text)
        out = c_void_p()
        check(C.k8sc_object_from_json(byref(out), data, len(data)))
        return cls._adopt(out.value)

    @classmethod
    def from_yaml(cls, text) -> "Object":
        """Decode a single YAML document holding a map, typed as kubectl types manifests."""
        data = raw(text)
        tree = c_void_p()
        check(C.k8sc_yaml_parse(byref(tree), data, len(data)))
        out = c_void_p()
        rc = C.k8sc_object_wrap(byref(out), tree)
        if rc < 0:
            err = last_error(rc)
            _lib.json_put(tree)
            raise err
        return cls._adopt(out.value)

    @classmethod
    def from_dict(cls, value: Mapping) -> "Object":
        """An object holding a copy of a JSON-compatible dict."""
        if not isinstance(value, Mapping):
            raise TypeError("from_dict needs a mapping, not %s" % type(value).__name__)
        return cls.from_json(json.dumps(value, ensure_ascii=False, allow_nan=False))

    def to_json(self, pretty: bool = False, sort_keys: bool = False,
                k8s_order: bool = False) -> str:
        """Encode as JSON; pretty is `kubectl -o json` indentation."""
        flags = ((_lib.ENCODE_PRETTY if pretty else 0) |
                 (_lib.ENCODE_SORT_KEYS if sort_keys else 0) |
                 (_lib.ENCODE_K8S_ORDER if k8s_order else 0))
        return _lib.call_encode(C.k8sc_object_to_json, self._handle, flags)

    def to_yaml(self, sort_keys: bool = False, k8s_order: bool = False) -> str:
        """Encode as block YAML as `kubectl -o yaml` prints it."""
        flags = ((_lib.ENCODE_SORT_KEYS if sort_keys else 0) |
                 (_lib.ENCODE_K8S_ORDER if k8s_order else 0))
        return _lib.call_encode(C.k8sc_object_to_yaml, self._handle, flags)

    def to_dict(self) -> dict:
        """A Python copy of the whole tree."""
        return json.loads(self.to_json())

    def copy(self) -> "Object":
        """A deep copy that may be modified independently."""
        out = c_void_p()
        check(C.k8sc_object_dup(byref(out), self._handle))
        return type(self)._adopt(out.value)

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        return (type(self).from_json, (self.to_json(),))

    def __eq__(self, other):
        if not isinstance(other, Object):
            return NotImplemented
        return bool(C.k8sc_object_equal(self._handle, other._handle))

    __hash__ = None  # mutable

    def __repr__(self):
        if self.closed:
            return "<k8sc.Object (closed)>"
        ns, name = self.namespace, self.name
        ident = "%s/%s" % (ns, name) if ns else (name or "")
        parts = [p for p in (self.api_version, self.kind, ident) if p]
        return "<k8sc.Object %s>" % " ".join(parts)

    # ---- field paths ----

    def get(self, path: str, default=None):
        """The value at a field path ("spec.containers[0].image") as a Python
        value (None for JSON null), or `default` when absent."""
        p = enc(path, "path")
        tree = C.k8sc_object_get(self._handle, p)
        if not tree:
            return None if C.k8sc_object_has(self._handle, p) else default
        return _lib.json_to_python(tree)

    def has(self, path: str) -> bool:
        """True if the field at `path` is present, also when it is JSON null."""
        return bool(C.k8sc_object_has(self._handle, enc(path, "path")))

    def get_string(self, path: str) -> str | None:
        """The string at `path`, or None if absent or not a string."""
        return dec(C.k8sc_object_get_string(self._handle, enc(path, "path")))

    def get_int(self, path: str) -> int:
        """The integer at `path`; NotFound if absent, Invalid if not an integer."""
        out = c_int64()
        check(C.k8sc_object_get_int(self._handle, enc(path, "path"), byref(out)))
        return out.value

    def get_bool(self, path: str) -> bool:
        """The boolean at `path`; NotFound if absent, Invalid if not a boolean."""
        out = c_bool()
        check(C.k8sc_object_get_bool(self._handle, enc(path, "path"), byref(out)))
        return out.value

    def set(self, path: str, value) -> None:
        """Store a JSON-compatible value at `path`, creating missing maps."""
        p = enc(path, "path")
        if isinstance(value, bool):
            check(C.k8sc_object_set_bool(self._handle, p, value))
        elif isinstance(value, int) and _INT64_MIN <= value <= _INT64_MAX:
            check(C.k8sc_object_set_int(self._handle, p, value))
        elif isinstance(value, str):
            check(C.k8sc_object_set_string(self._handle, p, enc(value, "value")))
        else:
            tree = _lib.json_parse_owned(value)
            rc = C.k8sc_object_set(self._handle, p, tree)
            if rc < 0:
                err = last_error(rc)  # before anything else can overwrite it
                _lib.json_put(tree)
                raise err

    def set_string(self, path: str, value: str) -> None:
        check(C.k8sc_object_set_string(self._handle, enc(path, "path"), enc(value, "value")))

    def set_int(self, path: str, value: int) -> None:
        check(C.k8sc_object_set_int(self._handle, enc(path, "path"), value))

    def set_bool(self, path: str, value: bool) -> None:
        check(C.k8sc_object_set_bool(self._handle, enc(path, "path"), bool(value)))

    def remove(self, path: str) -> None:
        """Remove the field at `path`; NotFound if it is not there."""
        check(C.k8sc_object_remove(self._handle, enc(path, "path")))

    # ---- metadata ----

    api_version = _str_property("api_version", "apiVersion")
    kind = _str_property("kind", "kind")
    name = _str_property("name", "metadata.name")
    generate_name = _str_property("generate_name", "metadata.generateName")
    namespace = _str_property("namespace", "metadata.namespace")
    uid = _str_property("uid", "metadata.uid")
    resource_version = _str_property("resource_version", "metadata.resourceVersion")
    creation_timestamp = _time_property("creation_timestamp", "metadata.creationTimestamp")
    deletion_timestamp = _time_property("deletion_timestamp", "metadata.deletionTimestamp")

    @property
    def generation(self) -> int:
        """metadata.generation (0 when absent)."""
        return C.k8sc_object_generation(self._handle)

    @generation.setter
    def generation(self, value: int) -> None:
        check(C.k8sc_object_set_generation(self._handle, value))

    @property
    def deletion_grace_period(self) -> int | None:
        """metadata.deletionGracePeriodSeconds, or None."""
        out = c_int64()
        rc = C.k8sc_object_deletion_grace_period(self._handle, byref(out))
        if rc == NotFound.code:
            return None
        check(rc)
        return out.value

    @deletion_grace_period.setter
    def deletion_grace_period(self, value: int | None) -> None:
        check(C.k8sc_object_set_deletion_grace_period(
            self._handle, value is not None, 0 if value is None else value))

    @property
    def labels(self) -> "MetaMap":
        """metadata.labels as a live, writable mapping."""
        return MetaMap(self, _LABELS)

    @labels.setter
    def labels(self, value: Mapping) -> None:
        MetaMap(self, _LABELS)._replace(value)

    @property
    def annotations(self) -> "MetaMap":
        """metadata.annotations as a live, writable mapping."""
        return MetaMap(self, _ANNOTATIONS)

    @annotations.setter
    def annotations(self, value: Mapping) -> None:
        MetaMap(self, _ANNOTATIONS)._replace(value)

    # finalizers

    @property
    def finalizers(self) -> list:
        """A copy of metadata.finalizers (assign a list to replace them)."""
        h = self._handle
        n = C.k8sc_object_finalizer_count(h)
        return [dec(C.k8sc_object_finalizer(h, i)) for i in range(n)]

    @finalizers.setter
    def finalizers(self, names) -> None:
        names = list(names)
        for name in self.finalizers:
            if name is not None:
                check(C.k8sc_object_remove_finalizer(self._handle, enc(name)))
        for name in names:
            self.add_finalizer(name)

    def has_finalizer(self, name: str) -> bool:
        return bool(C.k8sc_object_has_finalizer(self._handle, enc(name, "finalizer")))

    def add_finalizer(self, name: str) -> None:
        """Add a finalizer unless present."""
        check(C.k8sc_object_add_finalizer(self._handle, enc(name, "finalizer")))

    def remove_finalizer(self, name: str) -> None:
        """Remove a finalizer; NotFound if absent."""
        check(C.k8sc_object_remove_finalizer(self._handle, enc(name, "finalizer")))

    # owner references

    @property
    def owner_references(self) -> list:
        """metadata.ownerReferences as a list of dicts with the JSON field
        names (apiVersion, kind, name, uid, controller, blockOwnerDeletion)."""
        h = self._handle
        refs = []
        for i in range(C.k8sc_object_owner_ref_count(h)):
            ref = OwnerRefStruct()
            check(C.k8sc_object_owner_ref(byref(ref), h, i))
            refs.append(_ref_dict(ref))
        return refs

    @property
    def controller_reference(self) -> dict | None:
        """The owner reference with controller=true, or None."""
        ref = OwnerRefStruct()
        rc = C.k8sc_object_controller_ref(byref(ref), self._handle)
        if rc == NotFound.code:
            return None
        check(rc)
        return _ref_dict(ref)

    def add_owner_reference(self, owner, controller: bool | None = None,
                            block_owner_deletion: bool | None = None) -> None:
        """Add an owner reference, replacing one with the same uid. `owner` is
        a dict with apiVersion, kind, name and uid (and optionally controller,
        blockOwnerDeletion) or an Object whose metadata is used."""
        if isinstance(owner, Object):
            fields = {"apiVersion": owner.api_version, "kind": owner.kind,
                      "name": owner.name, "uid": owner.uid}
        elif isinstance(owner, Mapping):
            fields = dict(owner)
        else:
            raise TypeError("owner must be an Object or a mapping")
        for key in ("apiVersion", "kind", "name", "uid"):
            if not isinstance(fields.get(key), str):
                raise _lib.error_for_code(-3, "owner reference needs a string %s" % key)
        ref = OwnerRefStruct()
        ref.api_version = enc(fields["apiVersion"], "apiVersion")
        ref.kind = enc(fields["kind"], "kind")
        ref.name = enc(fields["name"], "name")
        ref.uid = enc(fields["uid"], "uid")
        ref.controller = bool(fields.get("controller", False) if controller is None else controller)
        ref.block_owner_deletion = bool(fields.get("blockOwnerDeletion", False)
                                        if block_owner_deletion is None else block_owner_deletion)
        check(C.k8sc_object_add_owner_ref(self._handle, byref(ref)))

    def remove_owner_reference(self, uid: str) -> None:
        """Remove the owner reference with this uid; NotFound if none."""
        check(C.k8sc_object_remove_owner_ref(self._handle, enc(uid, "uid")))


def _ref_dict(ref: OwnerRefStruct) -> dict:
    return {
        "apiVersion": dec(ref.api_version),
        "kind": dec(ref.kind),
        "name": dec(ref.name),
        "uid": dec(ref.uid),
        "controller": bool(ref.controller),
        "blockOwnerDeletion": bool(ref.block_owner_deletion),
    }


class MetaMap(MutableMapping):
    """A live view of an object's labels or annotations (string values only)."""

    __slots__ = ("_obj", "_map")

    def __init__(self, obj: Object, which: int):
        self._obj = obj
        self._map = which

    def _items(self) -> list:
        items = []

        def collect(key, value, _userdata):
            items.append((dec(key), dec(value)))
            return 0

        # The CFUNCTYPE object must outlive the call; `fn` holds it.
        fn = META_FOREACH_FN(collect)
        check(C.k8sc_object_meta_foreach(self._obj._handle, self._map, fn, None))
        return items

    def __getitem__(self, key: str) -> str:
        if not isinstance(key, str):
            raise KeyError(key)
        value = C.k8sc_object_meta_get(self._obj._handle, self._map, enc(key, "key"))
        if value is None:
            raise KeyError(key)
        return dec(value)

    def __setitem__(self, key: str, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("label and annotation values are strings, not %s"
                            % type(value).__name__)
        check(C.k8sc_object_meta_set(self._obj._handle, self._map, enc(key, "key"),
                                     enc(value, "value")))

    def __delitem__(self, key: str) -> None:
        self[key]  # KeyError if absent, like a dict
        check(C.k8sc_object_meta_set(self._obj._handle, self._map, enc(key, "key"), None))

    def __iter__(self):
        return iter([k for k, _ in self._items()])

    def __len__(self) -> int:
        return len(self._items())

    def __contains__(self, key) -> bool:
        return isinstance(key, str) and "\0" not in key and \
            C.k8sc_object_meta_get(self._obj._handle, self._map, enc(key, "key")) is not None

    def _replace(self, value: Mapping) -> None:
        new = dict(value)
        for k, v in new.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError("labels and annotations map str to str")
        for key in [k for k, _ in self._items()]:
            if key not in new:
                del self[key]
        for k, v in new.items():
            self[k] = v

    def __eq__(self, other):
        if isinstance(other, Mapping):
            return dict(self._items()) == dict(other)
        return NotImplemented

    def __repr__(self):
        return repr(dict(self._items()))


def decode_manifests(text) -> list:
    """Decode a manifest stream as `kubectl create -f` reads it: JSON values
    or multi-document YAML, empty documents skipped, Lists expanded. Every
    document must have apiVersion and kind (Invalid names the one that has not)."""
    data = raw(text)
    arr = POINTER(c_void_p)()
    count = c_size_t()
    check(C.k8sc_manifest_decode(byref(arr), byref(count), data, len(data)))
    try:
        # Take a reference of our own to each object, then drop the array's.
        return [Object._adopt(C.k8sc_object_ref(arr[i])) for i in range(count.value)]
    finally:
        C.k8sc_objects_free(arr, count.value)
